/* variance_d200.c - the estimators' variance on a wide Bernoulli problem at matched f-call cost.

   The problems: D = 200 Bernoulli variables with logits phi_d ~ U(-2, 2), t_d ~ U(0, 1) (fixed
   seed), p_d = sigmoid(phi_d), and
     additive  f(z) = sum_d (z_d - t_d)^2,  g_d = (1 - 2 t_d) p_d (1 - p_d);
     coupled   f(z) = (sum_d (z_d - t_d))^2 / D,
               g_d = p_d (1 - p_d) (1 - 2 p_d + 2 sum_j (p_j - t_j)) / D
   (E S^2 = Var S + (E S)^2 for S = sum_d (z_d - t_d)). IndeCateR is exact on the additive one
   (each variable's classes are summed out, and nothing else moves f); the coupled one has
   every variable's term depend on all the others. Every estimator makes N estimates from
   one seeded stream; the program prints, per estimator, the f-calls of one estimate, the summed
   variance over the coordinates sum_d Var(ghat_d) (unbiased sample variances), and the squared
   distance of the mean estimate from g over its expected size under no bias, sum_d Var / N:
   1 on average for an unbiased estimator, growing with N for a biased one. Its spread depends
   on how the coordinates' errors correlate: independent errors make it a chi-square with D
   degrees of freedom over D (1 +- 0.3 at three sigma), but errors that all follow one shared
   quantity (IndeCateR's and ReinMax's on the coupled problem, which move with the sampled sum)
   make it nearly a chi-square with 1 degree of freedom, anywhere from 0.001 to 8.

   The estimators make 4 f-calls per estimate where they can: REINFORCE (no baseline) and RLOO
   with 4 samples, ARM and DisARM with 2 pairs, the unordered set and sum-and-sample with M = 4
   distinct configurations. IndeCateR makes D + 1 = 201 per draw (one draw), so it is reported
   at its own cost; ReinMax makes one f_grad call (biased in general, but both f here are
   quadratic on binary vectors, where at tau = 1 its mean is the exact gradient). VIMCO is left out: it
   estimates the gradient of a multi-sample bound, not of E_q f.

   Build and run:  make variance-d200   (or: cc -std=c99 -O2 -I. examples/variance_d200.c -lm)
   Usage: variance_d200 [N]   (default 2000 estimates per estimator) */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#define DISCGRAD_IMPLEMENTATION
#include "discgrad.h"

#define NVAR 200

static double target[NVAR];
static int coupled; /* which problem: 0 additive, 1 coupled */

static dg_real wide_f(const dg_real *z, void *user)
{
    double s = 0;
    int d;
    (void)user;
    for (d = 0; d < NVAR; ++d) {
        double x = (double)z[d] - target[d];
        s += coupled ? x : x * x;
    }
    return (dg_real)(coupled ? s * s / NVAR : s);
}

static dg_real wide_f_grad(const dg_real *z, dg_real *dz, void *user)
{
    double s = 0;
    int d;
    for (d = 0; d < NVAR; ++d) s += (double)z[d] - target[d];
    for (d = 0; d < NVAR; ++d)
        dz[d] = (dg_real)(coupled ? 2 * s / NVAR : 2 * ((double)z[d] - target[d]));
    return wide_f(z, user);
}

typedef struct row {
    dg_method method;
    int samples;
    const char *label;
} row;

static const row rows[] = {
    {DG_REINFORCE, 4, "REINFORCE, 4 samples"},
    {DG_RLOO, 4, "RLOO, 4 samples"},
    {DG_ARM, 2, "ARM, 2 pairs"},
    {DG_DISARM, 2, "DisARM, 2 pairs"},
    {DG_UNORDERED_SET, 4, "unordered set, M = 4"},
    {DG_SUM_AND_SAMPLE, 4, "sum and sample, M = 4"},
    {DG_INDECATER, 1, "IndeCateR, 1 draw"},
    {DG_REINMAX, 1, "ReinMax, tau = 1"},
};
#define NROWS ((int)(sizeof rows / sizeof rows[0]))

/* Runs every row on the current problem (coupled, target, phi, exact set) and prints its table. */
static int run_rows(const dg_real *phi, const double *exact, long N)
{
    static dg_estimator e;
    static dg_real g[NVAR];
    static double sum[NVAR], sum2[NVAR];
    int i, d;
    printf("%-24s %16s %14s %16s\n", "estimator", "f-calls/estimate", "sum_d Var", "|mean-g|^2/(V/N)");
    for (i = 0; i < NROWS; ++i) {
        dg_config c = {0};
        dg_problem p = {0};
        dg_info info;
        dg_real *mem;
        double var = 0, dist = 0;
        long n, calls = 0, grads = 0;
        char cost[32], ratio[32];
        size_t count;
        int rc;
        c.method = rows[i].method;
        c.samples = rows[i].samples;
        c.seed = 2026;
        c.stream = (uint64_t)i;
        p.kind = DG_BERNOULLI;
        p.D = NVAR;
        p.logits = phi;
        p.f = wide_f;
        p.f_grad = wide_f_grad;
        count = dg_estimator_reals(&c, &p);
        mem = (dg_real *)malloc(count * sizeof *mem);
        if (!mem || dg_init(&e, &c, mem, count) != DG_OK) {
            printf("%-24s cannot start\n", rows[i].label);
            free(mem);
            return 1;
        }
        for (d = 0; d < NVAR; ++d) sum[d] = sum2[d] = 0;
        for (n = 0; n < N; ++n) {
            rc = dg_estimate(&e, &p, g, &info);
            if (rc != DG_OK) {
                printf("%-24s %s\n", rows[i].label, dg_strerror(rc));
                free(mem);
                return 1;
            }
            calls += info.f_evals;
            grads += info.grad_evals;
            for (d = 0; d < NVAR; ++d) {
                double x = (double)g[d] - exact[d]; /* centred on g: fewer digits lost */
                sum[d] += x;
                sum2[d] += x * x;
            }
        }
        for (d = 0; d < NVAR; ++d) {
            double m = sum[d] / (double)N;
            var += (sum2[d] - (double)N * m * m) / (double)(N - 1);
            dist += m * m;
        }
        free(mem);
        if (grads > 0) snprintf(cost, sizeof cost, "%.0f grad", (double)grads / (double)N);
        else snprintf(cost, sizeof cost, "%.0f", (double)calls / (double)N);
        /* a variance at rounding level: exact, the ratio means nothing */
        if (var > 1e-20) snprintf(ratio, sizeof ratio, "%.2f", dist / (var / (double)N));
        else snprintf(ratio, sizeof ratio, "- (exact)");
        printf("%-24s %16s %14.4e %16s\n", rows[i].label, cost, var, ratio);
    }
    return 0;
}

int main(int argc, char **argv)
{
    static dg_real phi[NVAR];
    static double exact[NVAR];
    long N = argc > 1 ? atol(argv[1]) : 2000;
    dg_rng r;
    double sum_pt = 0;
    int d;

    if (N < 2) {
        fprintf(stderr, "usage: %s [N >= 2]\n", argv[0]);
        return 2;
    }
    dg_rng_seed(&r, 2026, 0);
    for (d = 0; d < NVAR; ++d) {
        phi[d] = (dg_real)(4 * (double)dg_uniform(&r) - 2);
        target[d] = (double)dg_uniform(&r);
        sum_pt += 1 / (1 + exp(-(double)phi[d])) - target[d];
    }
    printf("D = %d Bernoulli variables, phi_d ~ U(-2, 2), t_d ~ U(0, 1); %ld estimates each\n", NVAR, N);
    for (coupled = 0; coupled < 2; ++coupled) {
        for (d = 0; d < NVAR; ++d) {
            double p = 1 / (1 + exp(-(double)phi[d]));
            exact[d] = coupled ? p * (1 - p) * (1 - 2 * p + 2 * sum_pt) / NVAR : (1 - 2 * target[d]) * p * (1 - p);
        }
        printf("\n%s\n", coupled ? "coupled: f(z) = (sum_d (z_d - t_d))^2 / D"
                                  : "additive: f(z) = sum_d (z_d - t_d)^2");
        if (run_rows(phi, exact, N) != 0) return 1;
    }
    return 0;
}
