/* quickstart.c - three estimators of the gradient of E[f(z)] beside the exact one. */
#include <stdio.h>
#include <string.h>
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
    static dg_stats s; /* running mean and variance of the estimates */
    static const dg_method methods[3] = {DG_REINFORCE, DG_RLOO, DG_DISARM};
    static const char *names[3] = {"REINFORCE", "RLOO", "DisARM"};
    dg_real logits[3] = {0.0, 1.0, -0.5}, grad[3], exact[3];
    dg_problem p;
    int m, i, t, rc;

    memset(&p, 0, sizeof p); /* zero fields: unused or default */
    p.kind = DG_BERNOULLI;
    p.D = 3;
    p.logits = logits;
    p.f = f;
    dg_exact(&p, exact, NULL);
    printf("%-10s   %-16s   %-16s   %s\n", "method", "d/dlogit[0]", "d/dlogit[1]", "d/dlogit[2]");
    printf("%-10s % 8.4f %9s % 8.4f %9s % 8.4f\n", "exact", exact[0], "", exact[1], "", exact[2]);
    for (m = 0; m < 3; ++m) {
        dg_config c;
        memset(&c, 0, sizeof c);
        c.method = methods[m];
        c.seed = 42;
        dg_init(&e, &c, mem, sizeof mem / sizeof mem[0]);
        dg_stats_init(&s, 3);
        for (t = 0, rc = DG_OK; t < 1000 && rc == DG_OK; ++t) { /* 1000 estimates */
            rc = dg_estimate(&e, &p, grad, NULL);
            if (rc == DG_OK) dg_stats_push(&s, grad);
        }
        if (rc != DG_OK) { printf("%-10s %s\n", names[m], dg_strerror(rc)); continue; }
        printf("%-10s", names[m]);
        for (i = 0; i < 3; ++i) printf(" % 8.4f +-%7.4f", dg_stats_mean(&s, i), dg_stats_sem(&s, i));
        printf("\n");
    }
    printf("(each estimator: mean of 1000 estimates +- its standard error)\n");
    return 0;
}
