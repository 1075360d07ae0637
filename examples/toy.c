/* toy.c - the standard toy problem of the field: minimise E[(b - t)^2] over one Bernoulli b
   (Tucker et al. 2017; Grathwohl et al. 2018, Fig. 1), for t = 0.45 and t = 0.499, with every
   estimator that applies.

   Each estimator drives the logit phi (starting at 0) with Adam, learning rate 0.01. Every 10
   steps the program logs the loss E[f] (exact, by enumeration) and the natural log of the
   variance of 1000 single estimates at the current phi. The closer t is to 1/2, the smaller the
   true gradient Delta p(1-p), Delta = 1 - 2t, against the noise: at t = 0.499 the estimators
   without a good control variate cannot find the direction (RELAX paper, Fig. 1).

   With --seeds N every estimator runs N times (seeds S, S+1, ...), and the plots draw the median
   of the runs with a band from the lowest to the highest: one run can wander (a learned control
   variate has bad stretches), and the band shows how far.

   Output, for each t: toy-t<t>.csv (t, estimator, step, logit, p, loss, log-variance, seed),
   toy-t<t>-loss.svg and toy-t<t>-logvar.svg in the output directory, and a table on stdout.
   A measured variance of exactly 0 (all draws equal, or DisARM at p = 1/2) has log -inf: the
   CSV says -inf and the plot draws it on a marked floor row. An estimator that the header does
   not provide (dg_estimate returns DG_EUNSUPPORTED) is reported and left out.

   Build: cc -std=c99 -O2 -I. examples/toy.c -o toy -lm      (from the repository root)
   Usage: toy [--steps N] [--every N] [--draws N] [--seed N] [--seeds N] [--out DIR]
*/
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One Bernoulli variable: the estimators' scratch buffers need only a few values. A smaller
   estimator also makes the per-draw copies of the variance measurement cheap. */
#define DG_MAX_DIM 16
#define DG_MAX_K 16
#define DISCGRAD_IMPLEMENTATION
#include "discgrad.h"
#include "svgplot.h"
#include "plotstyle.h"

/* f(b) = (b - t)^2 and its derivative 2 (b - t), defined on relaxed b in (0,1) as well. */
static dg_real f(const dg_real *z, void *user)
{
    dg_real t = *(const dg_real *)user;
    return (z[0] - t) * (z[0] - t);
}

static dg_real f_grad(const dg_real *z, dg_real *dz, void *user)
{
    dg_real t = *(const dg_real *)user;
    dz[0] = 2 * (z[0] - t);
    return (z[0] - t) * (z[0] - t);
}

typedef struct toy_method {
    dg_method method;
    dg_baseline baseline;
    int samples;                /* 0: the estimator's default (RLOO: 2) */
    int tune;                   /* REBAR, RELAX: learn eta, tau (and the surrogate) */
    const char *suffix;         /* added to the style's label */
} toy_method;

/* Plot styles (colour per estimator, line style per family) come from plotstyle.h. */
static const toy_method methods[] = {
    {DG_EXACT, DG_BASELINE_NONE, 0, 0, ""},
    {DG_REINFORCE, DG_BASELINE_NONE, 0, 0, ""},
    {DG_REINFORCE, DG_BASELINE_EMA, 0, 0, ""},
    {DG_REINFORCE, DG_BASELINE_OPTIMAL, 0, 0, ""},
    {DG_RLOO, DG_BASELINE_NONE, 2, 0, " (2 draws)"},
    {DG_ARM, DG_BASELINE_NONE, 0, 0, ""},
    {DG_DISARM, DG_BASELINE_NONE, 0, 0, ""},
    {DG_MUPROP, DG_BASELINE_NONE, 0, 0, ""},
    {DG_REBAR, DG_BASELINE_NONE, 0, 1, ""},
    {DG_RELAX, DG_BASELINE_NONE, 0, 1, ""},
    {DG_GUMBEL_SOFTMAX, DG_BASELINE_NONE, 0, 0, ""},
    {DG_STRAIGHT_THROUGH, DG_BASELINE_NONE, 0, 0, ""},
    {DG_GUMBEL_RAO, DG_BASELINE_NONE, 10, 0, " (10 draws)"},
    /* added later: at the end, so the earlier methods keep their streams (cfg.stream is the
       index) and their published numbers */
    {DG_REINMAX, DG_BASELINE_NONE, 0, 0, ""},
    {DG_INDECATER, DG_BASELINE_NONE, 0, 0, ""},
    /* M = 2 distinct configurations, RLOO's 2 f-calls: both the bit has, so exact here */
    {DG_UNORDERED_SET, DG_BASELINE_NONE, 2, 0, " (M = 2)"},
    {DG_SUM_AND_SAMPLE, DG_BASELINE_NONE, 2, 0, " (M = 2)"},
};
#define NMETHODS ((int)(sizeof methods / sizeof methods[0]))
/* An estimator's memory for one logit, any method: RELAX's surrogate net or the set methods'
   table of DG_MAX_SET configurations, whichever is larger. */
#define TOY_MEM_MAX(a, b) ((a) > (b) ? (a) : (b))
#define TOY_MEM TOY_MEM_MAX(DG_ESTIMATOR_REALS(DG_RELAX, 1, 1), DG_ESTIMATOR_REALS(DG_UNORDERED_SET, 1, 1))
#define MAXSEEDS 64

static char method_names[NMETHODS][48];

static void name_methods(void)
{
    int i;
    for (i = 0; i < NMETHODS; ++i)
        snprintf(method_names[i], sizeof method_names[i], "%s%s",
                 dgx_style_of(methods[i].method, methods[i].baseline).label, methods[i].suffix);
}

typedef struct options {
    int steps, every, draws, seeds;
    unsigned long seed;
    const char *out;
} options;

/* What one estimator's run produced: one point every `every` steps; the log-variance is NaN
   where nothing was measured (exact has no variance) and -inf where the variance was 0. */
typedef struct toy_run {
    int rc;                     /* DG_OK, or the error that stopped the run */
    int failed_step;            /* the step at which it stopped */
    int npoints;
    double *step, *logit, *p, *loss, *logvar;
    double final_p;
    long f_evals, grad_evals, steps_done;
    int zero_var;               /* points whose measured variance was exactly 0 */
} toy_run;

/* Adam (Kingma & Ba 2015) on one scalar, with the usual constants. */
typedef struct adam { double m, v; long t; } adam;

static double adam_step(adam *a, double grad, double lr)
{
    const double b1 = 0.9, b2 = 0.999, eps = 1e-8;
    a->t++;
    a->m = b1 * a->m + (1 - b1) * grad;
    a->v = b2 * a->v + (1 - b2) * grad * grad;
    return -lr * (a->m / (1 - pow(b1, (double)a->t))) / (sqrt(a->v / (1 - pow(b2, (double)a->t))) + eps);
}

/* The variance of `draws` single estimates at the estimator's current state. Each draw runs on
   a fresh copy of the estimator (copying copies its learned state: baselines, eta, tau, the
   RELAX surrogate), so measuring does not train it; the copies take their noise from a stream of
   their own, threaded through them one after the other. */
static int measure_variance(const dg_estimator *e, const dg_problem *prob, int draws, dg_rng *noise,
                            double *var)
{
    static dg_estimator copy;
    static dg_real copy_mem[TOY_MEM];
    dg_stats stats;
    dg_real g;
    int i, rc;
    dg_stats_init(&stats, 1);
    for (i = 0; i < draws; ++i) {
        copy = *e; /* the struct, and the learned arrays in a memory of the copy's own */
        memcpy(copy_mem, e->mem, e->mem_count * sizeof *copy_mem);
        copy.mem = copy_mem;
        copy.rng = *noise;
        rc = dg_estimate(&copy, prob, &g, NULL);
        if (rc != DG_OK) return rc;
        *noise = copy.rng;
        rc = dg_stats_push(&stats, &g);
        if (rc != DG_OK) return rc;
    }
    *var = dg_stats_var(&stats, 0);
    return DG_OK;
}

static void run_method(const toy_method *m, dg_real t, const options *o, int method_index,
                       unsigned long seed, toy_run *r)
{
    static dg_estimator e;
    static dg_real mem[TOY_MEM];
    dg_config cfg;
    dg_problem prob;
    dg_rng noise;
    dg_real phi = 0, g, loss, exact_grad;
    dg_info info;
    adam opt = {0, 0, 0};
    int step, rc = DG_OK;
    double var;

    memset(&cfg, 0, sizeof cfg);
    cfg.method = m->method;
    cfg.baseline = m->baseline;
    cfg.samples = m->samples;
    cfg.tune = m->tune;
    cfg.seed = seed;
    cfg.stream = (uint64_t)method_index;
    memset(&prob, 0, sizeof prob);
    prob.kind = DG_BERNOULLI;
    prob.D = 1;
    prob.logits = &phi;
    prob.f = f;
    prob.f_grad = f_grad;
    prob.user = &t;
    dg_rng_seed(&noise, seed, 1000 + (uint64_t)method_index);

    r->npoints = 0;
    r->f_evals = r->grad_evals = r->steps_done = 0;
    r->zero_var = 0;
    r->failed_step = -1;
    rc = dg_init(&e, &cfg, mem, sizeof mem / sizeof mem[0]);
    for (step = 0; rc == DG_OK && step <= o->steps; ++step) {
        if (step % o->every == 0 || step == o->steps) {
            int k = r->npoints;
            rc = dg_exact(&prob, &exact_grad, &loss);
            if (rc != DG_OK) break;
            var = NAN;
            if (m->method != DG_EXACT) {
                rc = measure_variance(&e, &prob, o->draws, &noise, &var);
                if (rc != DG_OK) break;
            }
            r->step[k] = step;
            r->logit[k] = phi;
            r->p[k] = dg_sigmoid(phi);
            r->loss[k] = loss;
            if (var > 0) r->logvar[k] = log(var);
            else if (var == 0) r->logvar[k] = -HUGE_VAL;
            else r->logvar[k] = NAN;
            r->zero_var += var == 0;
            r->npoints++;
        }
        if (step == o->steps) break;
        rc = dg_estimate(&e, &prob, &g, &info);
        if (rc != DG_OK) break;
        r->f_evals += info.f_evals;
        r->grad_evals += info.grad_evals;
        r->steps_done++;
        phi += (dg_real)adam_step(&opt, g, 0.01);
    }
    r->rc = rc;
    r->failed_step = rc == DG_OK ? -1 : step;
    r->final_p = dg_sigmoid(phi);
}

/* runs[i * o->seeds + s]: estimator i, seed number s. */
static int write_csv(const char *path, const toy_run *runs, dg_real t, const options *o)
{
    FILE *out = fopen(path, "w");
    int i, k, sd;
    if (!out) return -1;
    fprintf(out, "t,estimator,step,logit,p,loss,log_variance,seed\n");
    for (i = 0; i < NMETHODS; ++i)
        for (sd = 0; sd < o->seeds; ++sd) {
            const toy_run *r = &runs[i * o->seeds + sd];
            for (k = 0; k < r->npoints; ++k) {
                fprintf(out, "%g,%s,%.0f,%.9g,%.9g,%.9g,", (double)t, method_names[i], r->step[k],
                        r->logit[k], r->p[k], r->loss[k]);
                if (isfinite(r->logvar[k])) fprintf(out, "%.6g", r->logvar[k]);
                else if (r->logvar[k] < 0) fprintf(out, "-inf");
                fprintf(out, ",%lu\n", o->seed + (unsigned long)sd);
            }
        }
    if (ferror(out)) { fclose(out); return -1; }
    return fclose(out) == 0 ? 0 : -1;
}

/* The median and the band over the seeds of one estimator's loss and log-variance curves. */
typedef struct toy_summary {
    int n;
    double *step, *loss, *loss_lo, *loss_hi, *lv, *lv_lo, *lv_hi;
} toy_summary;

static void summarise(const toy_run *runs, int seeds, double *buf /* seeds * npoints */, toy_summary *sm)
{
    int sd, k, n = runs[0].npoints;
    for (sd = 1; sd < seeds; ++sd) if (runs[sd].npoints < n) n = runs[sd].npoints;
    sm->n = n;
    for (k = 0; k < n; ++k) sm->step[k] = runs[0].step[k];
    for (sd = 0; sd < seeds; ++sd) memcpy(buf + (size_t)sd * n, runs[sd].loss, (size_t)n * sizeof *buf);
    svgplot_median_band(buf, seeds, n, n, sm->loss, sm->loss_lo, sm->loss_hi);
    for (sd = 0; sd < seeds; ++sd) memcpy(buf + (size_t)sd * n, runs[sd].logvar, (size_t)n * sizeof *buf);
    svgplot_median_band(buf, seeds, n, n, sm->lv, sm->lv_lo, sm->lv_hi);
}

static int write_plots(const char *dir, const char *tag, const toy_summary *sm, dg_real t,
                       const options *o)
{
    static char title[160], ylabel[120], caption[400], path[1024];
    svgplot plot;
    int i, s;

    if (o->seeds > 1)
        snprintf(caption, sizeof caption,
                 "discgrad %d.%d.%d; median of %d seeds (%lu-%lu), band: lowest to highest; %d steps of "
                 "Adam (lr 0.01) on the logit from 0;\nvariance of %d single estimates every %d steps; "
                 "REBAR and RELAX tune eta, tau (and RELAX its surrogate) online",
                 DISCGRAD_VERSION_MAJOR, DISCGRAD_VERSION_MINOR, DISCGRAD_VERSION_PATCH, o->seeds,
                 o->seed, o->seed + (unsigned long)o->seeds - 1, o->steps, o->draws, o->every);
    else
        snprintf(caption, sizeof caption,
                 "discgrad %d.%d.%d; one run, seed %lu; %d steps of Adam (lr 0.01) on the logit from 0;\n"
                 "variance of %d single estimates every %d steps; REBAR and RELAX tune eta, tau "
                 "(and RELAX its surrogate) online",
                 DISCGRAD_VERSION_MAJOR, DISCGRAD_VERSION_MINOR, DISCGRAD_VERSION_PATCH, o->seed,
                 o->steps, o->draws, o->every);

    snprintf(title, sizeof title, "E[(b - %g)^2] over one Bernoulli b: loss", (double)t);
    svgplot_init(&plot, title, "step", "loss E[f] (exact)");
    plot.caption = caption;
    plot.note = DGX_STYLE_NOTE_EXACT;
    for (i = 0; i < NMETHODS; ++i) {
        dgx_style st = dgx_style_of(methods[i].method, methods[i].baseline);
        if (sm[i].n == 0) continue;
        s = svgplot_add(&plot, method_names[i], st.color, st.dash, sm[i].step, sm[i].loss, sm[i].n);
        if (o->seeds > 1 && methods[i].method != DG_EXACT) svgplot_band(&plot, s, sm[i].loss_lo, sm[i].loss_hi);
    }
    snprintf(path, sizeof path, "%s/toy-%s-loss.svg", dir, tag);
    if (svgplot_write(&plot, path) != 0) { perror(path); return -1; }
    printf("wrote %s\n", path);

    snprintf(title, sizeof title, "E[(b - %g)^2] over one Bernoulli b: variance of one estimate", (double)t);
    snprintf(ylabel, sizeof ylabel, "ln Var (natural log), %d draws", o->draws);
    svgplot_init(&plot, title, "step", ylabel);
    plot.caption = caption;
    plot.note = DGX_STYLE_NOTE "\ndots on the bottom row:\nvariance measured exactly 0";
    plot.floor_label = "Var = 0";
    plot.trim = 0.005;
    for (i = 0; i < NMETHODS; ++i) {
        dgx_style st = dgx_style_of(methods[i].method, methods[i].baseline);
        if (sm[i].n == 0 || methods[i].method == DG_EXACT) continue;
        s = svgplot_add(&plot, method_names[i], st.color, st.dash, sm[i].step, sm[i].lv, sm[i].n);
        if (o->seeds > 1) svgplot_band(&plot, s, sm[i].lv_lo, sm[i].lv_hi);
    }
    snprintf(path, sizeof path, "%s/toy-%s-logvar.svg", dir, tag);
    if (svgplot_write(&plot, path) != 0) { perror(path); return -1; }
    printf("wrote %s\n", path);
    return 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median_of(double *v, int n)
{
    if (n == 0) return NAN;
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* One row per estimator: the final p and the mean log-variance over the run, as the median over
   the seeds (with the range of the final p when there are several). */
static void print_table(const toy_run *runs, dg_real t, const options *o)
{
    int i, k, sd, any_zero = 0;
    printf("\nt = %g: %d steps, Adam lr 0.01 on the logit from 0; log-variance of %d draws every %d steps",
           (double)t, o->steps, o->draws, o->every);
    if (o->seeds > 1) printf("; median of %d seeds", o->seeds);
    printf("\n%-22s %9s%s %15s %14s\n", "estimator", "final p", o->seeds > 1 ? "    (lowest - highest)" : "",
           "mean log-var", "f-calls/step");
    for (i = 0; i < NMETHODS; ++i) {
        const toy_run *r0 = &runs[i * o->seeds];
        char calls[40] = "-", meanlv[40] = "-", range[48] = "";
        double finals[MAXSEEDS], means[MAXSEEDS], lo = HUGE_VAL, hi = -HUGE_VAL;
        int nmeans = 0, zero = 0, failed = -1;
        if (r0->rc != DG_OK && r0->npoints == 0) {
            printf("%-22s   not available: %s\n", method_names[i], dg_strerror(r0->rc));
            continue;
        }
        for (sd = 0; sd < o->seeds; ++sd) {
            const toy_run *r = &runs[i * o->seeds + sd];
            double sum = 0;
            int n = 0;
            finals[sd] = r->final_p;
            if (r->final_p < lo) lo = r->final_p;
            if (r->final_p > hi) hi = r->final_p;
            for (k = 0; k < r->npoints; ++k)
                if (isfinite(r->logvar[k])) { sum += r->logvar[k]; ++n; }
            if (n > 0) means[nmeans++] = sum / n;
            zero += r->zero_var > 0;
            if (r->rc != DG_OK && failed < 0) failed = sd;
        }
        if (nmeans > 0) snprintf(meanlv, sizeof meanlv, "%.2f%s", median_of(means, nmeans), zero ? "*" : "");
        else if (zero) snprintf(meanlv, sizeof meanlv, "(zero)");
        any_zero |= zero > 0 && nmeans > 0;
        if (r0->steps_done > 0) {
            double fc = (double)r0->f_evals / r0->steps_done, gc = (double)r0->grad_evals / r0->steps_done;
            if (gc > 0 && fc > 0) snprintf(calls, sizeof calls, "%g + %g grad", fc, gc);
            else if (gc > 0) snprintf(calls, sizeof calls, "%g grad", gc);
            else snprintf(calls, sizeof calls, "%g", fc);
        }
        if (o->seeds > 1) {
            char r[40];
            snprintf(r, sizeof r, "(%.3g - %.3g)", lo, hi);
            snprintf(range, sizeof range, " %21s", r);
        }
        printf("%-22s %9.4g%s %15s %14s", method_names[i], median_of(finals, o->seeds), range, meanlv, calls);
        if (failed >= 0) {
            const toy_run *r = &runs[i * o->seeds + failed];
            printf("   seed %lu stopped at step %d: %s", o->seed + (unsigned long)failed, r->failed_step,
                   dg_strerror(r->rc));
        }
        printf("\n");
    }
    if (any_zero) printf("* points with a measured variance of exactly 0 are left out of the mean\n");
}

static int parse_int(const char *s, int lo, int *out)
{
    char *end;
    long v;
    errno = 0;
    v = strtol(s, &end, 10);
    if (errno || *end || end == s || v < lo || v > 100000000L) return -1;
    *out = (int)v;
    return 0;
}

static void usage(FILE *to)
{
    fprintf(to, "usage: toy [--steps N] [--every N] [--draws N] [--seed N] [--seeds N] [--out DIR]\n"
                "  --steps N  Adam steps per estimator (default 2000)\n"
                "  --every N  log the loss and the variance every N steps (default 10)\n"
                "  --draws N  single estimates per variance measurement (default 1000)\n"
                "  --seed N   seed of every random stream (default 1)\n"
                "  --seeds N  runs per estimator, seeds N, N+1, ...: plots show the median and\n"
                "             the range (default 1, at most 64)\n"
                "  --out DIR  where the CSV and SVG files go, an existing directory (default .)\n");
}

int main(int argc, char **argv)
{
    static const dg_real targets[2] = {0.45, 0.499};
    static const char *const tags[2] = {"t0.45", "t0.499"};
    static toy_summary sm[NMETHODS];
    options o;
    toy_run *runs;
    double *pool, *spool, *scratch;
    int i, j, sd, seed, npoints, nruns, status = 0;
    static char path[1024];

    o.steps = 2000;
    o.every = 10;
    o.draws = 1000;
    o.seed = 1;
    o.seeds = 1;
    o.out = ".";
    for (i = 1; i < argc; ++i) {
        int bad = i + 1 >= argc;
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) { usage(stdout); return 0; }
        if (!bad && !strcmp(argv[i], "--steps")) bad = parse_int(argv[++i], 0, &o.steps);
        else if (!bad && !strcmp(argv[i], "--every")) bad = parse_int(argv[++i], 1, &o.every);
        else if (!bad && !strcmp(argv[i], "--draws")) bad = parse_int(argv[++i], 2, &o.draws);
        else if (!bad && !strcmp(argv[i], "--seed")) { bad = parse_int(argv[++i], 0, &seed); o.seed = (unsigned long)seed; }
        else if (!bad && !strcmp(argv[i], "--seeds")) bad = parse_int(argv[++i], 1, &o.seeds) || o.seeds > MAXSEEDS;
        else if (!bad && !strcmp(argv[i], "--out")) o.out = argv[++i];
        else bad = 1;
        if (bad) { usage(stderr); return 2; }
    }
    name_methods();

    npoints = o.steps / o.every + 2;
    nruns = NMETHODS * o.seeds;
    runs = (toy_run *)calloc((size_t)nruns, sizeof *runs);
    pool = (double *)malloc(sizeof(double) * 5 * (size_t)npoints * (size_t)nruns);
    spool = (double *)malloc(sizeof(double) * 7 * (size_t)npoints * NMETHODS);
    scratch = (double *)malloc(sizeof(double) * (size_t)npoints * (size_t)o.seeds);
    if (!runs || !pool || !spool || !scratch) { fprintf(stderr, "toy: out of memory\n"); return 1; }
    for (i = 0; i < nruns; ++i) {
        double *base = pool + (size_t)5 * npoints * i;
        runs[i].step = base;
        runs[i].logit = base + npoints;
        runs[i].p = base + 2 * (size_t)npoints;
        runs[i].loss = base + 3 * (size_t)npoints;
        runs[i].logvar = base + 4 * (size_t)npoints;
    }
    for (i = 0; i < NMETHODS; ++i) {
        double *base = spool + (size_t)7 * npoints * i;
        sm[i].step = base;
        sm[i].loss = base + npoints;
        sm[i].loss_lo = base + 2 * (size_t)npoints;
        sm[i].loss_hi = base + 3 * (size_t)npoints;
        sm[i].lv = base + 4 * (size_t)npoints;
        sm[i].lv_lo = base + 5 * (size_t)npoints;
        sm[i].lv_hi = base + 6 * (size_t)npoints;
    }

    for (j = 0; j < 2 && status == 0; ++j) {
        for (i = 0; i < NMETHODS; ++i) {
            for (sd = 0; sd < o.seeds; ++sd)
                run_method(&methods[i], targets[j], &o, i, o.seed + (unsigned long)sd, &runs[i * o.seeds + sd]);
            summarise(&runs[i * o.seeds], o.seeds, scratch, &sm[i]);
        }
        snprintf(path, sizeof path, "%s/toy-%s.csv", o.out, tags[j]);
        if (write_csv(path, runs, targets[j], &o) != 0) { perror(path); status = 1; break; }
        printf("wrote %s\n", path);
        if (write_plots(o.out, tags[j], sm, targets[j], &o) != 0) { status = 1; break; }
        print_table(runs, targets[j], &o);
        printf("\n");
    }
    free(scratch);
    free(spool);
    free(pool);
    free(runs);
    return status;
}
