/* variance.c - each estimator's variance on the one-Bernoulli toy next to its closed form.

   The toy: one Bernoulli b with logit phi, f(b) = (b - t)^2, whose gradient is
   g = (1 - 2t) p (1 - p), p = sigmoid(phi). Near t = 1/2 the gradient is tiny next to f, which is
   where estimators differ most (Tucker et al. 2017, Grathwohl et al. 2018). For each t and phi
   the program draws N estimates per method and prints the variance of one estimate, measured
   as the mean of (estimate - g)^2, beside the closed form (docs/math.md, "Closed forms on the
   one-bit toy"). IndeCateR and the set methods (M = 2 distinct configurations: both the bit
   has) are exact on this problem; the program exits with status 1 if their variance is not 0
   within rounding.

   Build and run:  make variance   (or: cc -std=c99 -O2 -I. examples/variance.c -lm) */
#include <math.h>
#include <stdio.h>
#define DISCGRAD_IMPLEMENTATION
#include "discgrad.h"

static double target_t;

static dg_real toy_f(const dg_real *z, void *user)
{
    (void)user;
    return (dg_real)(((double)z[0] - target_t) * ((double)z[0] - target_t));
}

static dg_real toy_f_grad(const dg_real *z, dg_real *dz, void *user)
{
    dz[0] = (dg_real)(2 * ((double)z[0] - target_t));
    return toy_f(z, user);
}

/* The closed forms for one estimate; returns -1 where there is none. */
static double closed_form(int row, double t, double p)
{
    double D = 1 - 2 * t, g = D * p * (1 - p), m = p < 0.5 ? p : 1 - p, M = 1 - m;
    switch (row) {
    case 0: return p * (1 - p) * (pow(1 - t, 4) * (1 - p) + pow(t, 4) * p) - g * g;
    case 1: return D * D * p * (1 - p) * (1 - 2 * p) * (1 - 2 * p);
    case 2: return -1; /* EMA: depends on the decay */
    case 3: return 0;  /* optimal per-coordinate constant */
    case 4: return D * D * p * (1 - p) * (1 - 2 * p * (1 - p)) / 2;
    case 5: return (2 * D * D / 3) * (0.125 - pow(0.5 - m, 3)) - g * g;
    case 6: return 0.5 * D * D * M * M * m * (1 - 2 * m);
    case 7: return p * (1 - p) * ((1 - p) * (1 - t) * (1 - t) + p * t * t) - g * g; /* ReinMax */
    default: return 0; /* IndeCateR: one variable, nothing left to sample; the set methods:
                          M = 2 distinct configurations are both the bit has, so their
                          estimate is the exact gradient */
    }
}

int main(void)
{
    static dg_estimator e;
    /* its memory: one logit, and the set methods' table of M = 2 configurations */
    static dg_real mem[DG_ESTIMATOR_REALS(DG_UNORDERED_SET, 1, 1) > DG_ESTIMATOR_REALS(DG_REINFORCE, 1, 1)
                           ? DG_ESTIMATOR_REALS(DG_UNORDERED_SET, 1, 1)
                           : DG_ESTIMATOR_REALS(DG_REINFORCE, 1, 1)];
    static const char *names[11] = {"REINFORCE", "REINFORCE, c = E f", "REINFORCE, EMA c",
                                    "REINFORCE, optimal c", "RLOO, 2 samples", "ARM", "DisARM",
                                    "ReinMax, tau = 1", "IndeCateR", "unordered set, M = 2",
                                    "sum and sample, M = 2"};
    static const double ts[3] = {0.45, 0.49, 0.499};
    static const double phis[2] = {0.0, -1.0986122886681098}; /* logit(.25) */
    const long N = 400000, warm = 200;
    int i, j, row;

    printf("Variance of one estimate on f(b) = (b - t)^2, %ld draws each (optimal and EMA after\n"
           "%ld warm-up calls). The closed forms are those of docs/math.md.\n\n", N, warm);
    for (i = 0; i < 3; ++i)
        for (j = 0; j < 2; ++j) {
            dg_real phi = (dg_real)phis[j], grad;
            double p = 1 / (1 + exp(-phis[j])), g = (1 - 2 * ts[i]) * p * (1 - p);
            dg_problem prob = {0};
            prob.kind = DG_BERNOULLI;
            prob.D = 1;
            prob.logits = &phi;
            prob.f = toy_f;
            prob.f_grad = toy_f_grad;
            target_t = ts[i];
            printf("t = %.3f, phi = %+.4f (p = %.2f), gradient %.4e\n", ts[i], phis[j], p, g);
            printf("  %-22s %12s %12s %9s\n", "estimator", "measured", "closed form", "ratio");
            for (row = 0; row < 11; ++row) {
                dg_config c = {0};
                double sum2 = 0, want = closed_form(row, ts[i], p);
                long n;
                c.method = DG_REINFORCE;
                c.seed = 2026;
                c.stream = (uint64_t)(100 * i + 10 * j + row);
                if (row == 1) {
                    c.baseline = DG_BASELINE_CONSTANT;
                    c.baseline_value = (dg_real)(p * (1 - ts[i]) * (1 - ts[i]) + (1 - p) * ts[i] * ts[i]);
                }
                if (row == 2) c.baseline = DG_BASELINE_EMA;
                if (row == 3) c.baseline = DG_BASELINE_OPTIMAL;
                if (row == 4) { c.method = DG_RLOO; c.samples = 2; }
                if (row == 5) c.method = DG_ARM;
                if (row == 6) c.method = DG_DISARM;
                if (row == 7) c.method = DG_REINMAX;
                if (row == 8) c.method = DG_INDECATER;
                if (row == 9) { c.method = DG_UNORDERED_SET; c.samples = 2; }
                if (row == 10) { c.method = DG_SUM_AND_SAMPLE; c.samples = 2; }
                if (dg_init(&e, &c, mem, sizeof mem / sizeof mem[0]) != DG_OK) return 1;
                for (n = 0; n < warm; ++n) dg_estimate(&e, &prob, &grad, NULL);
                for (n = 0; n < N; ++n) {
                    double d;
                    int rc = dg_estimate(&e, &prob, &grad, NULL);
                    if (rc != DG_OK) {
                        printf("  %s: %s\n", names[row], dg_strerror(rc));
                        return 1;
                    }
                    d = (double)grad - g;
                    sum2 += d * d;
                }
                sum2 /= (double)N;
                if (row >= 8 && sum2 > 1e-20) { /* exact by construction: any spread is a bug */
                    printf("  %s: variance %.4e where the estimate is exact\n", names[row], sum2);
                    return 1;
                }
                if (want < 0)
                    printf("  %-22s %12.4e %12s %9s\n", names[row], sum2, "-", "-");
                else if (want < 1e-12)
                    printf("  %-22s %12.4e %12.4e %9s\n", names[row], sum2, want, "-");
                else
                    printf("  %-22s %12.4e %12.4e %9.4f\n", names[row], sum2, want, sum2 / want);
            }
            printf("\n");
        }
    return 0;
}
