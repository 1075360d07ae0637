/* bench.c - throughput of every estimator: microseconds per dg_estimate call and nanoseconds per
   logit, on the sizes 1x2, 32x10, 200 Bernoulli and 1024x64, with a linear objective
   f(z) = w.z (df/dz = w) so the estimator, not f, dominates the time.

   Build (make bench does this):
     cc -std=c99 -O3 -march=native -DDG_MAX_DIM=65536 -I. examples/bench.c -o build/bench -lm
   Usage:
     bench [--time SECONDS] [--methods a,b,...] [--sizes 1x2,32x10,200,1024x64] [--csv]
   --time is the measuring time per cell (default 0.25 s; the fastest of ~16 chunks of calls
   counts); --csv prints one line per cell for scripts (examples/bench_torch.py reads it). A
   method unavailable for a size prints its error. */
#define _POSIX_C_SOURCE 199309L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#define DISCGRAD_IMPLEMENTATION
#include "discgrad.h"
#include "method_names.h"

#ifndef BENCH_FLAGS
#define BENCH_FLAGS "unknown flags"
#endif

typedef struct bench_size {
    const char *name;
    dg_kind kind;
    int D, K;
} bench_size;

static const bench_size sizes[] = {
    {"1x2", DG_CATEGORICAL, 1, 2},
    {"32x10", DG_CATEGORICAL, 32, 10},
    {"200", DG_BERNOULLI, 200, 1},
    {"1024x64", DG_CATEGORICAL, 1024, 64},
};
#define NSIZES ((int)(sizeof sizes / sizeof sizes[0]))

static dg_estimator est;
static dg_real *est_mem; /* the estimator's memory, sized for each problem */
static dg_real logits[DG_MAX_DIM], weights[DG_MAX_DIM], grad[DG_MAX_DIM];

typedef struct linear_f { const dg_real *w; int n; } linear_f;

static dg_real f_linear(const dg_real *z, void *user)
{
    const linear_f *L = (const linear_f *)user;
    dg_real s = 0;
    int i;
    for (i = 0; i < L->n; ++i) s += L->w[i] * z[i];
    return s;
}

static dg_real f_linear_grad(const dg_real *z, dg_real *dz, void *user)
{
    const linear_f *L = (const linear_f *)user;
    memcpy(dz, L->w, (size_t)L->n * sizeof *dz);
    return f_linear(z, user);
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

typedef struct cell {
    int rc;             /* DG_OK, or the error every call returned */
    int as_bernoulli;   /* a Bernoulli-only method ran K = 2 as D Bernoulli variables */
    double us;          /* microseconds per estimate */
    double ns_elem;     /* nanoseconds per logit */
    int f_evals, grad_evals;
    long calls;
} cell;

/* Times repeated dg_estimate calls for about `budget` seconds: the chunk of calls doubles until
   one chunk lasts budget/16, then chunks run until the budget is spent, and the cell is the
   fastest chunk's time per call. The best of ~16 is what the code costs: this machine's other
   work only ever adds time, and on a shared machine it comes and goes within a second. */
static cell time_cell(dg_method m, const bench_size *s, double budget)
{
    cell c;
    dg_config cfg;
    dg_problem p;
    dg_info info;
    linear_f L;
    int n;
    long chunk = 1, i;
    double t0, t, t_chunk, start, best = -1;

    memset(&c, 0, sizeof c);
    memset(&cfg, 0, sizeof cfg);
    memset(&p, 0, sizeof p);
    cfg.method = m;
    cfg.seed = 1;
    p.kind = s->kind;
    p.D = s->D;
    p.K = s->kind == DG_CATEGORICAL ? s->K : 0;
    n = s->kind == DG_CATEGORICAL ? s->D * s->K : s->D;
    p.logits = logits;
    L.w = weights;
    L.n = n;
    p.f = f_linear;
    p.f_grad = f_linear_grad;
    p.user = &L;
    free(est_mem);
    est_mem = (dg_real *)malloc((dg_estimator_reals(&cfg, &p) + 1) * sizeof *est_mem);
    c.rc = est_mem ? dg_init(&est, &cfg, est_mem, dg_estimator_reals(&cfg, &p)) : DG_ECAPACITY;
    if (c.rc != DG_OK) return c;
    t0 = now();
    c.rc = dg_estimate(&est, &p, grad, &info);
    if (c.rc == DG_EUNSUPPORTED && s->kind == DG_CATEGORICAL && s->K == 2) {
        /* the same problem stated as D independent bits */
        p.kind = DG_BERNOULLI;
        p.K = 0;
        n = L.n = s->D;
        c.as_bernoulli = 1;
        c.rc = dg_estimate(&est, &p, grad, &info);
    }
    if (c.rc != DG_OK) return c;
    c.f_evals = info.f_evals;
    c.grad_evals = info.grad_evals;
    start = now();
    if (!c.as_bernoulli && start - t0 >= budget) {
        /* one call outlasts the budget (IndeCateR on 1024x64 evaluates f at 64513 points): that
           call is the measurement */
        c.calls = 1;
        c.us = 1e6 * (start - t0);
        c.ns_elem = 1e3 * c.us / (double)(s->kind == DG_CATEGORICAL ? s->D * s->K : s->D);
        return c;
    }
    for (;;) {
        t0 = now();
        for (i = 0; i < chunk; ++i) dg_estimate(&est, &p, grad, NULL);
        t = now();
        t_chunk = (t - t0) / (double)chunk;
        c.calls += chunk;
        if (t - t0 >= budget / 16 && (best < 0 || t_chunk < best)) best = t_chunk;
        if ((best >= 0 && t - start >= budget) || c.calls >= 100000000L) break;
        if (t - t0 < budget / 16) chunk *= 2;
    }
    if (best < 0) best = t_chunk;
    c.us = 1e6 * best;
    c.ns_elem = 1e3 * c.us / (double)(s->kind == DG_CATEGORICAL ? s->D * s->K : s->D);
    return c;
}

/* A short name for an error, to fit a table cell. */
static const char *short_error(int rc)
{
    switch (rc) {
    case DG_EUNSUPPORTED: return "unsupported";
    case DG_ECAPACITY: return "too-large";
    case DG_ENEEDGRAD: return "needs-grad";
    case DG_EDOMAIN: return "domain";
    case DG_EINVAL: return "invalid";
    }
    return "error";
}

/* Three significant digits without exponents: 0.105, 8.97, 2061. */
static void fmt3(char *buf, double x)
{
    sprintf(buf, x >= 100 ? "%.0f" : x >= 10 ? "%.1f" : x >= 1 ? "%.2f" : "%.3f", x);
}

static int in_list(const char *list, const char *name)
{
    size_t len = strlen(name);
    const char *q = list;
    if (!list) return 1;
    while ((q = strstr(q, name)) != NULL) {
        int start = q == list || q[-1] == ',';
        int end = q[len] == '\0' || q[len] == ',';
        if (start && end) return 1;
        q += len;
    }
    return 0;
}

static void print_machine(void)
{
    char line[256];
    const char *cpu = "unknown cpu";
    FILE *fp = fopen("/proc/cpuinfo", "r");
    static char model[256];
    if (fp) {
        while (fgets(line, sizeof line, fp))
            if (strncmp(line, "model name", 10) == 0) {
                char *colon = strchr(line, ':');
                if (colon) {
                    strncpy(model, colon + 2, sizeof model - 1);
                    model[strcspn(model, "\n")] = 0;
                    cpu = model;
                }
                break;
            }
        fclose(fp);
    }
    printf("# %s; %s; dg_real %s; %s\n", cpu,
#ifdef __VERSION__
           "cc " __VERSION__,
#else
           "cc",
#endif
           sizeof(dg_real) == sizeof(float) ? "float" : "double", BENCH_FLAGS);
}

int main(int argc, char **argv)
{
    double budget = 0.25;
    const char *methods = NULL, *size_list = NULL;
    int csv = 0, a, mi, si;
    dg_rng r;

    for (a = 1; a < argc; ++a) {
        if (strcmp(argv[a], "--time") == 0 && a + 1 < argc) budget = atof(argv[++a]);
        else if (strcmp(argv[a], "--methods") == 0 && a + 1 < argc) methods = argv[++a];
        else if (strcmp(argv[a], "--sizes") == 0 && a + 1 < argc) size_list = argv[++a];
        else if (strcmp(argv[a], "--csv") == 0) csv = 1;
        else {
            fprintf(stderr, "usage: %s [--time SECONDS] [--methods a,b] [--sizes 1x2,32x10,200,1024x64]"
                            " [--csv]\n", argv[0]);
            return 2;
        }
    }
    if (!(budget > 0) || budget > 60) { fprintf(stderr, "--time must be in (0, 60]\n"); return 2; }
    if (DG_MAX_DIM < 1024 * 64) fprintf(stderr, "note: DG_MAX_DIM %d is below 1024x64\n", DG_MAX_DIM);
    dg_rng_seed(&r, 2026, 0);
    for (a = 0; a < DG_MAX_DIM; ++a) {
        logits[a] = 4 * dg_uniform(&r) - 2;
        weights[a] = 2 * dg_uniform(&r) - 1;
    }

    print_machine();
    if (csv) printf("method,size,kind,D,K,status,us_per_estimate,ns_per_logit,f_evals,grad_evals,calls\n");
    else {
        printf("# us per estimate (ns per logit), fastest of ~16 chunks in %.2f s per cell; f = w.z;"
               " samples = default\n", budget);
        printf("%-17s", "method");
        for (si = 0; si < NSIZES; ++si)
            if (in_list(size_list, sizes[si].name))
                printf(" %18s", sizes[si].kind == DG_BERNOULLI ? "200 (Bernoulli)" : sizes[si].name);
        printf("  calls/estimate\n");
    }
    for (mi = 0; mi < DGX_NMETHODS; ++mi) {
        const char *name = dgx_methods[mi].name;
        char calls[128] = "";
        int fe = -1, ge = -1, varies = 0;
        if (!in_list(methods, name)) continue;
        if (!csv) printf("%-17s", name);
        fflush(stdout);
        for (si = 0; si < NSIZES; ++si) {
            const bench_size *s = &sizes[si];
            cell c;
            if (!in_list(size_list, s->name)) continue;
            c = time_cell(dgx_methods[mi].method, s, budget);
            if (csv) {
                printf("%s,%s,%s,%d,%d,%s,%.6g,%.6g,%d,%d,%ld\n", name, s->name,
                       c.as_bernoulli || s->kind == DG_BERNOULLI ? "bernoulli" : "categorical", s->D,
                       s->kind == DG_CATEGORICAL && !c.as_bernoulli ? s->K : 1,
                       c.rc == DG_OK ? "ok" : short_error(c.rc), c.us, c.ns_elem, c.f_evals,
                       c.grad_evals, c.calls);
            } else if (c.rc != DG_OK) {
                printf(" %18s", short_error(c.rc));
            } else {
                char buf[96], us[32], ns[32];
                fmt3(us, c.us);
                fmt3(ns, c.ns_elem);
                sprintf(buf, "%s (%s)%s", us, ns, c.as_bernoulli ? "*" : "");
                printf(" %18s", buf);
                if (fe >= 0 && (fe != c.f_evals || ge != c.grad_evals)) varies = 1;
                fe = c.f_evals;
                ge = c.grad_evals;
                sprintf(calls + strlen(calls), "%s%d+%d", calls[0] ? "/" : "", fe, ge);
            }
            fflush(stdout);
        }
        if (!csv) {
            if (varies) printf("  %s f+grad by size", calls);
            else if (fe >= 0) printf("  %d f + %d grad", fe, ge);
            printf("\n");
        }
    }
    if (!csv) printf("# * Bernoulli-only method: 1x2 run as one Bernoulli variable\n");
    return 0;
}
