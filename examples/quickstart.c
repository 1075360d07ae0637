/* quickstart.c - three estimators of the gradient of E[f(z)] next to the exact one. */
#include <stdio.h>
#define DISCGRAD_IMPLEMENTATION
#include "discgrad.h"

/* The objective: any function of the sampled bits z (here 3 Bernoulli variables). */
static dg_real f(const dg_real *z, void *user)
{
    (void)user;
    return (z[0] - 0.45) * (z[0] - 0.45) + 2 * z[0] * z[1] - z[2];
}

int main(void)
{
    dg_estimator e;
    dg_real mem[DG_ESTIMATOR_REALS(DG_RLOO, 3, 1)]; /* the estimator's memory: 3 logits */
    static const dg_method methods[3] = {DG_REINFORCE, DG_RLOO, DG_DISARM};
    static const char *names[3] = {"REINFORCE", "RLOO", "DisARM"};
    dg_real logits[3] = {0.0, 1.0, -0.5}, grad[3], exact[3];
    dg_problem p = {0};
    int m, rc;

    p.kind = DG_BERNOULLI;
    p.D = 3;
    p.logits = logits;
    p.f = f;
    dg_exact(&p, exact, NULL);
    printf("%-10s % .4f % .4f % .4f\n", "exact", exact[0], exact[1], exact[2]);
    for (m = 0; m < 3; ++m) {
        dg_config c = {0};
        c.method = methods[m];
        c.samples = 1000; /* draws averaged in one call */
        c.seed = 42;
        dg_init(&e, &c, mem, sizeof mem / sizeof mem[0]);
        rc = dg_estimate(&e, &p, grad, NULL);
        if (rc != DG_OK) { printf("%-10s %s\n", names[m], dg_strerror(rc)); continue; }
        printf("%-10s % .4f % .4f % .4f\n", names[m], grad[0], grad[1], grad[2]);
    }
    return 0;
}
