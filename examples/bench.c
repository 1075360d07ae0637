/* bench.c - throughput of every estimator: microseconds per estimate and nanoseconds per logit,
   with a linear objective f(z) = w.z (df/dz = w) so the estimator, not f, dominates the time.

   Sizes: one problem of 1x2, 32x10, 200 Bernoulli and 1024x64 logits through dg_estimate, and
   two batches of 64 independent problems (each with its own logits and weights) through the
   batch path of dg_ask / dg_tell / dg_commit (problem.batch = 64): 64 x 200 Bernoulli bits
   (64x200) and 64 x 20 categorical variables of 10 classes (64x20x10). The caller's side of a
   batched estimate is timed with it: f (and df/dz) at every point that needs it.

   The floor: two more rows time, on the same sizes and in the same run, a bare loop of only the
   arithmetic an estimator cannot avoid, with the header's own vectorised kernels: one uniform,
   two logs and an exp per logit for Gumbel-softmax (floor-gs: the Gumbel noise and the exp of
   the softmax), one exp per logit for REINFORCE (floor-rf: the exp of the probabilities). The
   last rows give Gumbel-softmax's and straight-through's time over floor-gs and REINFORCE's over
   floor-rf.

   Build (make bench does this):
     cc -std=c99 -O3 -march=native -DDG_MAX_DIM=65536 -I. examples/bench.c -o build/bench -lm
   Usage:
     bench [--time SECONDS] [--methods a,b,...] [--sizes 1x2,32x10,200,1024x64,64x200,64x20x10]
           [--csv] [--reps N]
   --time is the measuring time per cell (default 0.25 s; the fastest of ~16 chunks of calls
   counts); --csv prints one line per cell for scripts (examples/bench_torch.py reads it);
   --reps N runs each selected cell once and then N times inside bench_reps, untimed, for
   instruction counts (valgrind --tool=callgrind --toggle-collect=bench_reps; examples/bench-ir.sh).
   --methods also takes floor-gs and floor-rf. A method unavailable for a size prints its error. */
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
#if defined(__GNUC__) || defined(__clang__)
#define BENCH_NOINLINE __attribute__((noinline))
#else
#define BENCH_NOINLINE
#endif

typedef struct bench_size {
    const char *name, *title;
    dg_kind kind;
    int D, K, batch;    /* batch 0: one problem through dg_estimate */
} bench_size;

static const bench_size sizes[] = {
    {"1x2", "1x2", DG_CATEGORICAL, 1, 2, 0},
    {"32x10", "32x10", DG_CATEGORICAL, 32, 10, 0},
    {"200", "200 (Bernoulli)", DG_BERNOULLI, 200, 1, 0},
    {"1024x64", "1024x64", DG_CATEGORICAL, 1024, 64, 0},
    {"64x200", "batch 64x200", DG_BERNOULLI, 200, 1, 64},
    {"64x20x10", "batch 64x20x10", DG_CATEGORICAL, 20, 10, 64},
};
#define NSIZES ((int)(sizeof sizes / sizeof sizes[0]))

/* The floor loops, as pseudo-methods after the real ones. */
enum { FLOOR_GS = 1000, FLOOR_RF };

static dg_estimator est;
static dg_real *est_mem;  /* the estimator's memory, sized for each problem */
static dg_real *draw_mem, *values, *grads; /* a batch's draw, values and gradients */
static size_t draw_count;
static dg_real logits[DG_MAX_DIM], weights[DG_MAX_DIM], grad[DG_MAX_DIM];
static dg_real floor_u[DG_MAX_DIM];
dg_real bench_floor_y[DG_MAX_DIM]; /* not static: the floor loops' results must stay observable */
static dg_rng floor_rng;

typedef struct linear_f { const dg_real *w; int n; } linear_f;

/* w.z in 8 partial sums, as any vectorised dot product (PyTorch's sum included) adds: one running
   sum is a chain of dependent adds, 3 to 4 cycles each, which at 1024x64 took a third of
   REINFORCE's time in float and was timed as if it were the estimator's. */
static dg_real f_linear(const dg_real *z, void *user)
{
    const linear_f *L = (const linear_f *)user;
    dg_real a[8] = {0, 0, 0, 0, 0, 0, 0, 0}, s = 0;
    int i = 0, j;
    for (; i + 8 <= L->n; i += 8)
        for (j = 0; j < 8; ++j) a[j] += L->w[i + j] * z[i + j];
    for (; i < L->n; ++i) s += L->w[i] * z[i];
    return (((a[0] + a[4]) + (a[1] + a[5])) + ((a[2] + a[6]) + (a[3] + a[7]))) + s;
}

static dg_real f_linear_grad(const dg_real *z, dg_real *dz, void *user)
{
    const linear_f *L = (const linear_f *)user;
    memcpy(dz, L->w, (size_t)L->n * sizeof *dz);
    return f_linear(z, user);
}

/* One cell's work: the method (or floor), its problem, and the objective's weights. */
typedef struct job {
    int method;
    const bench_size *s;
    dg_problem p;
    linear_f L;
    int n;              /* logits of one example */
} job;

/* The floor of Gumbel-softmax: a uniform, two logs and an exp per logit (the Gumbel noise
   -log(-log u) added to the logit, and the exp of the softmax), no passes beyond the one. */
BENCH_NOINLINE static void floor_gs(int n)
{
    int i;
    dg_uniforms(&floor_rng, floor_u, n);
    for (i = 0; i < n; ++i)
        bench_floor_y[i] = dg__exp_bounded(logits[i] - dg__log_pos(-dg__log_pos(floor_u[i])));
}

/* The floor of REINFORCE: the exp of the probabilities, one per logit. */
BENCH_NOINLINE static void floor_rf(int n)
{
    int i;
    for (i = 0; i < n; ++i) bench_floor_y[i] = dg__exp_bounded(logits[i]);
}

/* f, or f and df/dz, at every point of draw d that needs it, each example with its weights. */
static void eval_draw(const dg_draw *d, int n)
{
    int b, j;
    for (b = 0; b < d->batch; ++b)
        for (j = 0; j < d->per_example; ++j) {
            size_t at = (size_t)b * (size_t)d->per_example + (size_t)j;
            linear_f L;
            int need = dg_point_needs(d, b, j);
            L.w = weights + (size_t)b * (size_t)n;
            L.n = n;
            if (need == DG_NEED_GRAD) values[at] = f_linear_grad(d->points + at * (size_t)n, grads + at * (size_t)n, &L);
            else if (need == DG_NEED_VALUE) values[at] = f_linear(d->points + at * (size_t)n, &L);
            else values[at] = 0;
        }
}

/* One estimate of the cell (one batch, one floor pass). */
static int run_once(job *J, dg_info *info)
{
    dg_draw d;
    int rc;
    if (J->method == FLOOR_GS) { floor_gs(J->n * (J->s->batch ? J->s->batch : 1)); return DG_OK; }
    if (J->method == FLOOR_RF) { floor_rf(J->n * (J->s->batch ? J->s->batch : 1)); return DG_OK; }
    if (!J->s->batch) return dg_estimate(&est, &J->p, grad, info);
    rc = dg_ask(&est, &J->p, &d, draw_mem, draw_count);
    if (rc) return rc;
    eval_draw(&d, J->n);
    rc = dg_tell(&est, &d, &J->p, values, d.needs_grad ? grads : NULL, grad, info);
    if (rc) return rc;
    return dg_commit(&est);
}

/* The calls callgrind counts (--reps). */
BENCH_NOINLINE static void bench_reps(job *J, long reps)
{
    long i;
    for (i = 0; i < reps; ++i) run_once(J, NULL);
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

/* Sets up the job of method m on size s: the problem, the estimator and its memory (and a
   batch's draw, values and gradients). */
static int setup(job *J, int m, const bench_size *s)
{
    dg_config cfg;
    size_t P;
    memset(J, 0, sizeof *J);
    memset(&cfg, 0, sizeof cfg);
    J->method = m;
    J->s = s;
    J->p.kind = s->kind;
    J->p.D = s->D;
    J->p.K = s->kind == DG_CATEGORICAL ? s->K : 0;
    J->p.batch = s->batch;
    J->n = s->kind == DG_CATEGORICAL ? s->D * s->K : s->D;
    J->p.logits = logits;
    J->L.w = weights;
    J->L.n = J->n;
    J->p.f = f_linear;
    J->p.f_grad = f_linear_grad;
    J->p.user = &J->L;
    if (m >= FLOOR_GS) return DG_OK;
    cfg.method = (dg_method)m;
    cfg.seed = 1;
    free(est_mem);
    est_mem = (dg_real *)malloc((dg_estimator_reals(&cfg, &J->p) + 1) * sizeof *est_mem);
    if (!est_mem) return DG_ECAPACITY;
    if (dg_init(&est, &cfg, est_mem, dg_estimator_reals(&cfg, &J->p)) != DG_OK) return DG_EINVAL;
    if (!s->batch) return DG_OK;
    free(draw_mem);
    free(values);
    free(grads);
    draw_mem = values = grads = NULL;
    draw_count = dg_draw_reals(&est, &J->p);
    if (draw_count == 0) return DG_ECAPACITY;
    /* a draw's memory holds its batch * per_example points of n values, and more */
    P = draw_count / (size_t)J->n + 1;
    draw_mem = (dg_real *)malloc(draw_count * sizeof *draw_mem);
    values = (dg_real *)malloc(P * sizeof *values);
    grads = (dg_real *)malloc(draw_count * sizeof *grads);
    return draw_mem && values && grads ? DG_OK : DG_ECAPACITY;
}

/* Times repeated estimates for about `budget` seconds: the chunk of calls doubles until one
   chunk lasts budget/16, then chunks run until the budget is spent, and the cell is the
   fastest chunk's time per call. The best of ~16 is what the code costs: this machine's other
   work only ever adds time, and on a shared machine it comes and goes within a second. */
static cell time_cell(int m, const bench_size *s, double budget, long reps)
{
    cell c;
    job J;
    dg_info info;
    long chunk = 1, i;
    double t0, t, t_chunk, start, best = -1, logits_n;

    memset(&c, 0, sizeof c);
    c.rc = setup(&J, m, s);
    if (c.rc != DG_OK) return c;
    memset(&info, 0, sizeof info);
    t0 = now();
    c.rc = run_once(&J, &info);
    if (c.rc == DG_EUNSUPPORTED && s->kind == DG_CATEGORICAL && s->K == 2 && !s->batch) {
        /* the same problem stated as D independent bits */
        J.p.kind = DG_BERNOULLI;
        J.p.K = 0;
        J.n = J.L.n = s->D;
        c.as_bernoulli = 1;
        c.rc = run_once(&J, &info);
    }
    if (c.rc != DG_OK) return c;
    c.f_evals = info.f_evals;
    c.grad_evals = info.grad_evals;
    if (reps > 0) {
        bench_reps(&J, reps);
        c.calls = reps;
        return c;
    }
    logits_n = (double)J.n * (s->batch ? s->batch : 1);
    start = now();
    if (!c.as_bernoulli && start - t0 >= budget) {
        /* one call outlasts the budget (IndeCateR on 1024x64 evaluates f at 64513 points): that
           call is the measurement */
        c.calls = 1;
        c.us = 1e6 * (start - t0);
        c.ns_elem = 1e3 * c.us / logits_n;
        return c;
    }
    for (;;) {
        t0 = now();
        for (i = 0; i < chunk; ++i) run_once(&J, NULL);
        t = now();
        t_chunk = (t - t0) / (double)chunk;
        c.calls += chunk;
        if (t - t0 >= budget / 16 && (best < 0 || t_chunk < best)) best = t_chunk;
        if ((best >= 0 && t - start >= budget) || c.calls >= 100000000L) break;
        if (t - t0 < budget / 16) chunk *= 2;
    }
    if (best < 0) best = t_chunk;
    c.us = 1e6 * best;
    c.ns_elem = 1e3 * c.us / logits_n;
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
    double load = -1;
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
    fp = fopen("/proc/loadavg", "r");
    if (fp) {
        if (fscanf(fp, "%lf", &load) != 1) load = -1;
        fclose(fp);
    }
    printf("# %s; %s; dg_real %s; %s; load average %.2f at the start\n", cpu,
#ifdef __VERSION__
           "cc " __VERSION__,
#else
           "cc",
#endif
           sizeof(dg_real) == sizeof(float) ? "float" : "double", BENCH_FLAGS, load);
}

#define NROWS (DGX_NMETHODS + 2)
static const char *row_name(int r) { return r < DGX_NMETHODS ? dgx_methods[r].name : r == DGX_NMETHODS ? "floor-gs" : "floor-rf"; }
static int row_method(int r) { return r < DGX_NMETHODS ? (int)dgx_methods[r].method : r == DGX_NMETHODS ? FLOOR_GS : FLOOR_RF; }

int main(int argc, char **argv)
{
    double budget = 0.25;
    const char *methods = NULL, *size_list = NULL;
    int csv = 0, a, ri, si;
    long reps = 0;
    dg_rng r;
    static double us[NROWS][NSIZES]; /* for the ratios over the floor */

    for (a = 1; a < argc; ++a) {
        if (strcmp(argv[a], "--time") == 0 && a + 1 < argc) budget = atof(argv[++a]);
        else if (strcmp(argv[a], "--methods") == 0 && a + 1 < argc) methods = argv[++a];
        else if (strcmp(argv[a], "--sizes") == 0 && a + 1 < argc) size_list = argv[++a];
        else if (strcmp(argv[a], "--reps") == 0 && a + 1 < argc) reps = atol(argv[++a]);
        else if (strcmp(argv[a], "--csv") == 0) csv = 1;
        else {
            fprintf(stderr, "usage: %s [--time SECONDS] [--methods a,b] [--sizes "
                            "1x2,32x10,200,1024x64,64x200,64x20x10] [--csv] [--reps N]\n", argv[0]);
            return 2;
        }
    }
    if (!(budget > 0) || budget > 60 || reps < 0) { fprintf(stderr, "--time must be in (0, 60]\n"); return 2; }
    if (DG_MAX_DIM < 1024 * 64) fprintf(stderr, "note: DG_MAX_DIM %d is below 1024x64\n", DG_MAX_DIM);
    dg_rng_seed(&r, 2026, 0);
    dg_rng_seed(&floor_rng, 1, 0);
    for (a = 0; a < DG_MAX_DIM; ++a) {
        logits[a] = 4 * dg_uniform(&r) - 2;
        weights[a] = 2 * dg_uniform(&r) - 1;
    }

    if (reps > 0) {
        for (ri = 0; ri < NROWS; ++ri)
            for (si = 0; si < NSIZES; ++si)
                if (in_list(methods, row_name(ri)) && in_list(size_list, sizes[si].name)) {
                    cell c = time_cell(row_method(ri), &sizes[si], budget, reps);
                    printf("%s %s: %ld calls, %s\n", row_name(ri), sizes[si].name, c.calls,
                           c.rc == DG_OK ? "ok" : short_error(c.rc));
                }
        return 0;
    }
    print_machine();
    if (csv) printf("method,size,kind,D,K,batch,status,us_per_estimate,ns_per_logit,f_evals,grad_evals,calls\n");
    else {
        printf("# us per estimate (ns per logit), fastest of ~16 chunks in %.2f s per cell; f = w.z;"
               " samples = default; batch columns: one dg_ask/f/dg_tell/dg_commit of 64 problems\n",
               budget);
        printf("%-17s", "method");
        for (si = 0; si < NSIZES; ++si)
            if (in_list(size_list, sizes[si].name)) printf(" %18s", sizes[si].title);
        printf("  calls/estimate\n");
    }
    for (ri = 0; ri < NROWS; ++ri) {
        const char *name = row_name(ri);
        char calls[160] = "";
        int fe = -1, ge = -1, varies = 0;
        if (!in_list(methods, name)) continue;
        if (!csv) printf("%-17s", name);
        fflush(stdout);
        for (si = 0; si < NSIZES; ++si) {
            const bench_size *s = &sizes[si];
            cell c;
            us[ri][si] = -1;
            if (!in_list(size_list, s->name)) continue;
            c = time_cell(row_method(ri), s, budget, 0);
            if (c.rc == DG_OK) us[ri][si] = c.us;
            if (csv) {
                printf("%s,%s,%s,%d,%d,%d,%s,%.6g,%.6g,%d,%d,%ld\n", name, s->name,
                       c.as_bernoulli || s->kind == DG_BERNOULLI ? "bernoulli" : "categorical", s->D,
                       s->kind == DG_CATEGORICAL && !c.as_bernoulli ? s->K : 1, s->batch ? s->batch : 1,
                       c.rc == DG_OK ? "ok" : short_error(c.rc), c.us, c.ns_elem, c.f_evals,
                       c.grad_evals, c.calls);
            } else if (c.rc != DG_OK) {
                printf(" %18s", short_error(c.rc));
            } else {
                char buf[96], u[32], ns[32];
                fmt3(u, c.us);
                fmt3(ns, c.ns_elem);
                sprintf(buf, "%s (%s)%s", u, ns, c.as_bernoulli ? "*" : "");
                printf(" %18s", buf);
                if (row_method(ri) < FLOOR_GS) {
                    if (fe >= 0 && (fe != c.f_evals || ge != c.grad_evals)) varies = 1;
                    fe = c.f_evals;
                    ge = c.grad_evals;
                    sprintf(calls + strlen(calls), "%s%d+%d", calls[0] ? "/" : "", fe, ge);
                }
            }
            fflush(stdout);
        }
        if (!csv) {
            if (varies) printf("  %s f+grad by size", calls);
            else if (fe >= 0) printf("  %d f + %d grad", fe, ge);
            printf("\n");
        }
    }
    if (!csv) { /* each estimator's time over its floor, where both ran */
        static const struct { dg_method m; int floor; const char *label; } over[] = {
            {DG_GUMBEL_SOFTMAX, FLOOR_GS, "gs/floor-gs"}, {DG_STRAIGHT_THROUGH, FLOOR_GS, "st/floor-gs"},
            {DG_REINFORCE, FLOOR_RF, "rf/floor-rf"}};
        int o;
        for (o = 0; o < 3; ++o) {
            int rm = -1, rf = -1;
            for (ri = 0; ri < NROWS; ++ri) {
                if (row_method(ri) == (int)over[o].m && in_list(methods, row_name(ri))) rm = ri;
                if (row_method(ri) == over[o].floor && in_list(methods, row_name(ri))) rf = ri;
            }
            if (rm < 0 || rf < 0) continue;
            printf("%-17s", over[o].label);
            for (si = 0; si < NSIZES; ++si) {
                char buf[32] = "-";
                if (!in_list(size_list, sizes[si].name)) continue;
                if (us[rm][si] > 0 && us[rf][si] > 0) sprintf(buf, "%.2fx", us[rm][si] / us[rf][si]);
                printf(" %18s", buf);
            }
            printf("  time over the floor; goal <= 1.5x at 1024x64\n");
        }
    }
    if (!csv) printf("# * Bernoulli-only method: 1x2 run as one Bernoulli variable\n");
    return 0;
}
