/* Microbenchmark of the hot core paths every estimator goes through: noise for the whole problem
   (dg__draw_perturbed), the relaxation (dg__relax: softmax_tau rows or sigma(x/tau)) and its
   vector-Jacobian product (dg__relax_backward), on a categorical D x K and a Bernoulli problem.

   The est-* cases time whole dg_estimate calls (one sample) of Gumbel-softmax (gs),
   straight-through (st), REINFORCE (rf), Gumbel-Rao (gr), REBAR and RELAX (untuned) with a
   linear objective whose gradient is a copy, so the library's own work dominates.

   Usage:  microbench                 every case, wall-clock ns per logit (best of several runs)
           microbench CASE REPS       only CASE, REPS times, no timing: for instruction counts,
                                      e.g.  valgrind --tool=callgrind --toggle-collect=mb_run ...
   CASE is one of the names the first form prints.
   The build of the library under test is whatever this file is compiled with (DG_REAL,
   DG_USE_LIBM, -O/-march flags): see the microbench targets of the Makefile. */
#define _POSIX_C_SOURCE 199309L /* clock_gettime under -std=c99 */
#define DG_MAX_DIM 65536
#define DISCGRAD_IMPLEMENTATION
#include "../discgrad.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#if defined(__GNUC__) || defined(__clang__)
#define MB_NOINLINE __attribute__((noinline))
#else
#define MB_NOINLINE
#endif

static dg_real mb_logits[DG_MAX_DIM], mb_x[DG_MAX_DIM], mb_y[DG_MAX_DIM], mb_dz[DG_MAX_DIM],
    mb_dx[DG_MAX_DIM];

/* method 0: the core path (noise, relax, relax_backward); else whole dg_estimate calls. */
typedef struct mb_case { const char *name; dg_kind kind; int D, K; dg_method method; } mb_case;
static const mb_case mb_cases[] = {
    {"cat1024x64", DG_CATEGORICAL, 1024, 64, (dg_method)0},
    {"cat32x10", DG_CATEGORICAL, 32, 10, (dg_method)0},
    {"bern65536", DG_BERNOULLI, 65536, 1, (dg_method)0},
    {"bern320", DG_BERNOULLI, 320, 1, (dg_method)0},
    {"est-gs-1024x64", DG_CATEGORICAL, 1024, 64, DG_GUMBEL_SOFTMAX},
    {"est-st-1024x64", DG_CATEGORICAL, 1024, 64, DG_STRAIGHT_THROUGH},
    {"est-gs-32x10", DG_CATEGORICAL, 32, 10, DG_GUMBEL_SOFTMAX},
    {"est-st-32x10", DG_CATEGORICAL, 32, 10, DG_STRAIGHT_THROUGH},
    {"est-gs-1x2", DG_CATEGORICAL, 1, 2, DG_GUMBEL_SOFTMAX},
    {"est-rf-1024x64", DG_CATEGORICAL, 1024, 64, DG_REINFORCE},
    {"est-rf-32x10", DG_CATEGORICAL, 32, 10, DG_REINFORCE},
    {"est-gr-1024x64", DG_CATEGORICAL, 1024, 64, DG_GUMBEL_RAO},
    {"est-gr-32x10", DG_CATEGORICAL, 32, 10, DG_GUMBEL_RAO},
    {"est-gr-bern320", DG_BERNOULLI, 320, 1, DG_GUMBEL_RAO},
    {"est-rebar-1024x64", DG_CATEGORICAL, 1024, 64, DG_REBAR},
    {"est-rebar-32x10", DG_CATEGORICAL, 32, 10, DG_REBAR},
    {"est-rebar-bern320", DG_BERNOULLI, 320, 1, DG_REBAR},
    {"est-relax-1024x64", DG_CATEGORICAL, 1024, 64, DG_RELAX},
    {"est-relax-32x10", DG_CATEGORICAL, 32, 10, DG_RELAX},
    {"est-gr-1x2", DG_CATEGORICAL, 1, 2, DG_GUMBEL_RAO},
    {"est-rebar-1x2", DG_CATEGORICAL, 1, 2, DG_REBAR},
};
static dg_estimator mb_est;
static dg_real *mb_mem; /* the estimator's memory, sized for each case */
#define MB_NCASES (int)(sizeof mb_cases / sizeof mb_cases[0])

static dg_real mb_f(const dg_real *z, void *user) { (void)user; return z[0]; }

/* f(z) = sum_i w_i z_i with w = mb_dz: the gradient is a copy of w. */
static dg_real mb_f_grad(const dg_real *z, dg_real *dz, void *user)
{
    int i, n = *(const int *)user;
    dg_real s = 0;
    for (i = 0; i < n; ++i) { dz[i] = mb_dz[i]; s += mb_dz[i] * z[i]; }
    return s;
}
static int mb_n;

static dg_problem mb_problem(const mb_case *c)
{
    dg_problem p;
    int i, n = c->kind == DG_BERNOULLI ? c->D : c->D * c->K;
    dg_rng r;
    memset(&p, 0, sizeof p);
    p.kind = c->kind;
    p.D = c->D;
    p.K = c->K;
    p.logits = mb_logits;
    p.f = mb_f;
    p.f_grad = mb_f_grad;
    mb_n = n;
    p.user = &mb_n;
    if (c->method) {
        dg_config cfg;
        memset(&cfg, 0, sizeof cfg);
        cfg.method = c->method;
        cfg.seed = 7;
        free(mb_mem);
        mb_mem = (dg_real *)malloc((dg_estimator_reals(&cfg, &p) + 1) * sizeof *mb_mem);
        if (!mb_mem || dg_init(&mb_est, &cfg, mb_mem, dg_estimator_reals(&cfg, &p)) != DG_OK) abort();
    }
    dg_rng_seed(&r, 12345, 0);
    for (i = 0; i < n; ++i) {
        mb_logits[i] = 4 * dg_uniform(&r) - 2;
        mb_dz[i] = dg_uniform(&r) - (dg_real)0.5;
    }
    return p;
}

/* One pass of the hot path, repeated reps times: the function callgrind counts. */
MB_NOINLINE static dg_real mb_run(dg_rng *r, const dg_problem *p, long reps)
{
    long t;
    dg_real tau = (dg_real)0.5, acc = 0;
    if (mb_est.cfg.method) {
        for (t = 0; t < reps; ++t) {
            if (dg_estimate(&mb_est, p, mb_dx, NULL) != DG_OK) abort();
            acc += mb_dx[t % dg__n(p)];
        }
        return acc;
    }
    for (t = 0; t < reps; ++t) {
        dg__draw_perturbed(r, p, mb_x);
        dg__relax(p, mb_x, tau, mb_y);
        dg__relax_backward(p, mb_y, mb_dz, tau, mb_dx);
        acc += mb_dx[t % dg__n(p)];
    }
    return acc;
}

static double mb_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int main(int argc, char **argv)
{
    int c;
    dg_rng r;
    volatile dg_real sink = 0;
    dg_rng_seed(&r, 1, 0);
    if (argc > 2) {
        long reps = atol(argv[2]);
        for (c = 0; c < MB_NCASES; ++c) {
            if (strcmp(argv[1], mb_cases[c].name)) continue;
            {
                dg_problem p;
                mb_est.cfg.method = (dg_method)0;
                p = mb_problem(&mb_cases[c]);
                sink += mb_run(&r, &p, reps);
                printf("%s: %ld reps of %d logits\n", mb_cases[c].name, reps, dg__n(&p));
                return 0;
            }
        }
        fprintf(stderr, "unknown case %s\n", argv[1]);
        return 2;
    }
    printf("%-16s %10s   (%s; core path: noise + relax + relax_backward; best of 7)\n", "case",
           "ns/logit", sizeof(dg_real) == sizeof(float) ? "float" : "double");
    for (c = 0; c < MB_NCASES; ++c) {
        dg_problem p;
        int n, k;
        mb_est.cfg.method = (dg_method)0;
        p = mb_problem(&mb_cases[c]);
        n = dg__n(&p);
        long reps = 2000000L / n + 1;
        double best = 1e30;
        sink += mb_run(&r, &p, reps / 4 + 1); /* warm up */
        for (k = 0; k < 7; ++k) {
            double t0 = mb_now(), dt;
            sink += mb_run(&r, &p, reps);
            dt = (mb_now() - t0) / ((double)reps * n) * 1e9;
            if (dt < best) best = dt;
        }
        printf("%-16s %10.2f\n", mb_cases[c].name, best);
    }
    return sink != sink; /* keeps the work observable */
}
