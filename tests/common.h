/* Shared helpers of the test files: statistics, problems with known gradients, tolerances. */
#ifndef DGT_COMMON_H
#define DGT_COMMON_H

#include "../discgrad.h"
#include "test.h"

#if defined(__GNUC__) || defined(__clang__)
#define DGT_UNUSED __attribute__((unused))
#else
#define DGT_UNUSED
#endif

/* NaN and infinity for initialisers: glibc's NAN and INFINITY are constant expressions only for
   gcc and clang (for tcc, NAN is 0.0f / 0.0f, which it does not take in a static initialiser), so
   tables that hold them are automatic and filled from these at run time. */
DGT_UNUSED static double dgt_nan(void) { return strtod("nan", NULL); }
DGT_UNUSED static double dgt_inf(void) { return strtod("inf", NULL); }
#define DGT_NAN ((dg_real)dgt_nan())
#define DGT_INF ((dg_real)dgt_inf())

/* Tolerance for results computed in dg_real: tight in double, loose in float. */
#define DGT_FLOAT (sizeof(dg_real) == sizeof(float))
#define DGT_TOL(d, f) (DGT_FLOAT ? (f) : (d))

static int dgt_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* One-sample Kolmogorov-Smirnov statistic of x (sorted in place) against cdf. */
DGT_UNUSED static double dgt_ks(double *x, int n, double (*cdf)(double))
{
    int i;
    double d = 0;
    qsort(x, (size_t)n, sizeof *x, dgt_cmp_double);
    for (i = 0; i < n; ++i) {
        double F = cdf(x[i]), lo = F - (double)i / n, hi = (double)(i + 1) / n - F;
        if (lo > d) d = lo;
        if (hi > d) d = hi;
    }
    return d;
}

/* Two-sample Kolmogorov-Smirnov statistic (both sorted in place). */
DGT_UNUSED static double dgt_ks2(double *a, int n, double *b, int m)
{
    int i = 0, j = 0;
    double d = 0;
    qsort(a, (size_t)n, sizeof *a, dgt_cmp_double);
    qsort(b, (size_t)m, sizeof *b, dgt_cmp_double);
    while (i < n && j < m) {
        double t = a[i] < b[j] ? a[i] : b[j], gap;
        while (i < n && a[i] <= t) ++i;
        while (j < m && b[j] <= t) ++j;
        gap = fabs((double)i / n - (double)j / m);
        if (gap > d) d = gap;
    }
    return d;
}

/* Critical value of the KS statistic at alpha = 0.001: 1.949 / sqrt(effective n). */
#define DGT_KS_CRIT(n) (1.949 / sqrt((double)(n)))
#define DGT_KS2_CRIT(n, m) (1.949 * sqrt(((double)(n) + (double)(m)) / ((double)(n) * (double)(m))))

/* Pearson chi-square of counts against probabilities over K cells. */
DGT_UNUSED static double dgt_chi2(const long *counts, const double *probs, int K, long n)
{
    int k;
    double c = 0;
    for (k = 0; k < K; ++k) {
        double e = probs[k] * (double)n;
        c += (counts[k] - e) * (counts[k] - e) / e;
    }
    return c;
}

/* Upper 0.001 critical values of chi-square for 1..10 degrees of freedom. */
DGT_UNUSED static double dgt_chi2_crit(int df)
{
    static const double crit[] = {0, 10.828, 13.816, 16.266, 18.467, 20.515, 22.458, 24.322,
                                  26.124, 27.877, 29.588};
    return df >= 1 && df <= 10 ? crit[df] : 1e300;
}

DGT_UNUSED static double dgt_sigmoid(double x) { return 1 / (1 + exp(-x)); }

/* Objectives with gradients, shared by the estimator tests. The first two are written once in
   double (dgt_bern3_d, dgt_cat23_d: value, and the gradient into dz) so that the relaxation tests
   can take finite differences of them in double in the float build too; dgt_eval_d adapts such
   a function to the problem's callbacks.
   Bernoulli, D = 3:  f(z) = (z0 - 0.45)^2 + 2 z0 z1 z2 - exp(0.5 z1) + sin(1.3 z2). */
DGT_UNUSED static double dgt_bern3_d(const double *z, double *dz)
{
    dz[0] = 2 * (z[0] - 0.45) + 2 * z[1] * z[2];
    dz[1] = 2 * z[0] * z[2] - 0.5 * exp(0.5 * z[1]);
    dz[2] = 2 * z[0] * z[1] + 1.3 * cos(1.3 * z[2]);
    return (z[0] - 0.45) * (z[0] - 0.45) + 2 * z[0] * z[1] * z[2] - exp(0.5 * z[1]) + sin(1.3 * z[2]);
}
/* fn at z (n <= 16 values), its gradient written to dz when dz is not NULL. */
DGT_UNUSED static dg_real dgt_eval_d(double (*fn)(const double *, double *), const dg_real *z,
                                     dg_real *dz, int n)
{
    double zd[16] = {0}, g[16] = {0}, v;
    int i;
    for (i = 0; i < n; ++i) zd[i] = (double)z[i];
    v = fn(zd, g);
    if (dz) for (i = 0; i < n; ++i) dz[i] = (dg_real)g[i];
    return (dg_real)v;
}
DGT_UNUSED static dg_real dgt_f_bern3(const dg_real *z, void *user)
{
    (void)user;
    return dgt_eval_d(dgt_bern3_d, z, NULL, 3);
}
DGT_UNUSED static dg_real dgt_f_bern3_grad(const dg_real *z, dg_real *dz, void *user)
{
    (void)user;
    return dgt_eval_d(dgt_bern3_d, z, dz, 3);
}
/* Bernoulli, any D <= 8: f(z) = exp(0.3 sum_d w_d z_d) + z0 z_{D-1}, w_d = 1 - 0.4 d. */
DGT_UNUSED static dg_real dgt_f_bern_exp(const dg_real *z, void *user)
{
    int D = *(const int *)user, d;
    double s = 0;
    for (d = 0; d < D; ++d) s += (1 - 0.4 * d) * z[d];
    return exp(0.3 * s) + z[0] * z[D - 1];
}
DGT_UNUSED static dg_real dgt_f_bern_exp_grad(const dg_real *z, dg_real *dz, void *user)
{
    int D = *(const int *)user, d;
    double s = 0, e;
    for (d = 0; d < D; ++d) s += (1 - 0.4 * d) * z[d];
    e = exp(0.3 * s);
    for (d = 0; d < D; ++d) dz[d] = 0.3 * (1 - 0.4 * d) * e;
    dz[0] += z[D - 1];
    dz[D - 1] += z[0];
    return e + z[0] * z[D - 1];
}
/* Categorical, D = 2, K = 3: f(z) = exp(0.3 w.z) + 0.7 z_{0,0} z_{1,2} + (z_{0,1} - 0.2 z_{1,1})^2,
   w = (1, -0.5, 2, 0.3, 1.5, -1). */
static const double dgt_cat_w[6] = {1, -0.5, 2, 0.3, 1.5, -1};
DGT_UNUSED static double dgt_cat23_d(const double *z, double *dz)
{
    int i;
    double s = 0, e, q = z[1] - 0.2 * z[4];
    for (i = 0; i < 6; ++i) s += dgt_cat_w[i] * z[i];
    e = exp(0.3 * s);
    for (i = 0; i < 6; ++i) dz[i] = 0.3 * dgt_cat_w[i] * e;
    dz[0] += 0.7 * z[5];
    dz[5] += 0.7 * z[0];
    dz[1] += 2 * q;
    dz[4] += -0.4 * q;
    return e + 0.7 * z[0] * z[5] + q * q;
}
DGT_UNUSED static dg_real dgt_f_cat23(const dg_real *z, void *user)
{
    (void)user;
    return dgt_eval_d(dgt_cat23_d, z, NULL, 6);
}
DGT_UNUSED static dg_real dgt_f_cat23_grad(const dg_real *z, dg_real *dz, void *user)
{
    (void)user;
    return dgt_eval_d(dgt_cat23_d, z, dz, 6);
}
/* Categorical, D = 3, K = 4: f(z) = (sum_{d,k} c_{d,k} z_{d,k})^2 / 4 + z_{0,3} z_{2,1},
   c_{d,k} = cos(1 + d + 0.7 k). */
DGT_UNUSED static dg_real dgt_f_cat34(const dg_real *z, void *user)
{
    int i;
    double s = 0;
    (void)user;
    for (i = 0; i < 12; ++i) s += cos(1 + i / 4 + 0.7 * (i % 4)) * z[i];
    return s * s / 4 + z[3] * z[9];
}
DGT_UNUSED static dg_real dgt_f_cat34_grad(const dg_real *z, dg_real *dz, void *user)
{
    int i;
    double s = 0;
    for (i = 0; i < 12; ++i) s += cos(1 + i / 4 + 0.7 * (i % 4)) * z[i];
    for (i = 0; i < 12; ++i) dz[i] = s / 2 * cos(1 + i / 4 + 0.7 * (i % 4));
    dz[3] += z[9];
    dz[9] += z[3];
    return dgt_f_cat34(z, user);
}

DGT_UNUSED static dg_problem dgt_problem(dg_kind kind, int D, int K, const dg_real *logits,
                              dg_real (*f)(const dg_real *, void *),
                              dg_real (*f_grad)(const dg_real *, dg_real *, void *), void *user)
{
    dg_problem p;
    memset(&p, 0, sizeof p);
    p.kind = kind;
    p.D = D;
    p.K = K;
    p.logits = logits;
    p.f = f;
    p.f_grad = f_grad;
    p.user = user;
    return p;
}

/* Estimators in the tests get memory for every problem of up to DG_MAX_DIM logits and
   DG_MAX_K classes (what the header's limits were before memory followed the problem): one
   block per estimator address, kept for the whole run and grown when a configuration needs
   more. The block is filled with a pattern first, so no test relies on zeroed memory. */
typedef struct dgt_block { const dg_estimator *e; dg_real *mem; size_t count; } dgt_block;
static dgt_block dgt_blocks[512];

DGT_UNUSED static size_t dgt_reals(const dg_config *c)
{
    dg_problem b, k;
    size_t rb, rk;
    memset(&b, 0, sizeof b);
    memset(&k, 0, sizeof k);
    b.kind = DG_BERNOULLI;
    b.D = DG_MAX_DIM;
    k.kind = DG_CATEGORICAL;
    k.K = DG_MAX_K;
    k.D = DG_MAX_DIM / DG_MAX_K;
    rb = c ? dg_estimator_reals(c, &b) : 0;
    rk = c ? dg_estimator_reals(c, &k) : 0;
    return rb > rk ? rb : rk;
}

/* The memory block of e, with room for at least count reals. */
DGT_UNUSED static dg_real *dgt_memory(const dg_estimator *e, size_t count)
{
    int i;
    for (i = 0; i < 512 && dgt_blocks[i].e && dgt_blocks[i].e != e; ++i) {}
    if (i == 512) { fprintf(stderr, "dgt_memory: too many estimators\n"); abort(); }
    dgt_blocks[i].e = e;
    if (dgt_blocks[i].count < count) {
        free(dgt_blocks[i].mem);
        dgt_blocks[i].mem = (dg_real *)malloc(count * sizeof(dg_real));
        if (!dgt_blocks[i].mem) { fprintf(stderr, "dgt_memory: out of memory\n"); abort(); }
        /* garbage, never zeros: 0xA5... (a large negative) and 0x41... (2.3e6 as double, 12.1 as
           float) by turns, so a read before a write shows */
        memset(dgt_blocks[i].mem, i & 1 ? 0x41 : 0xA5, count * sizeof(dg_real));
        dgt_blocks[i].count = count;
    }
    return dgt_blocks[i].mem;
}

/* dg_init with a block of memory of the estimator's own. */
DGT_UNUSED static int dgt_init(dg_estimator *e, const dg_config *c)
{
    size_t count = dgt_reals(c);
    dg_real *mem = e && count ? dgt_memory(e, count) : NULL;
    return dg_init(e, c, mem, mem ? count : 0);
}

/* dg_init with exactly the memory problems of kind, D and K need: a problem one logit larger
   is over capacity. */
DGT_UNUSED static int dgt_init_for(dg_estimator *e, const dg_config *c, dg_kind kind, int D, int K)
{
    dg_problem shape;
    size_t count;
    memset(&shape, 0, sizeof shape);
    shape.kind = kind;
    shape.D = D;
    shape.K = K;
    count = c ? dg_estimator_reals(c, &shape) : 0;
    return dg_init(e, c, count ? dgt_memory(e, count) : NULL, count);
}

/* A copy of src with memory of its own: a fork of the estimator and its learned arrays. */
DGT_UNUSED static void dgt_copy(dg_estimator *dst, const dg_estimator *src)
{
    dg_real *mem = src->mem_count ? dgt_memory(dst, src->mem_count) : NULL;
    *dst = *src;
    if (mem) memcpy(mem, src->mem, src->mem_count * sizeof(dg_real));
    dst->mem = mem;
}

/* When not NULL, the next unbiasedness check prints its largest z-score under this label (the
   figures docs/studies.md quotes) and clears it. */
static const char *dgt_report_label = NULL;

/* Runs N estimates and checks every coordinate's mean against dg_exact within zmax standard
   errors, and that N is large enough for a 10% error to fail (zmax se <= 10% of the larger of
   the coordinate's size and a fifth of the largest coordinate); returns the number of failures,
   each also reported. */
DGT_UNUSED static int dgt_check_unbiased_at(const char *file, int line, const dg_config *cfg,
                                 const dg_problem *p, long N, double zmax)
{
    static dg_estimator e;
    static dg_stats st;
    dg_real exact[DG_MAX_DIM], g[DG_MAX_DIM];
    int n = p->kind == DG_BERNOULLI ? p->D : p->D * p->K, i, bad = 0;
    double emax = 0, zworst = 0, dworst = 0;
    long t;
    if (dg_exact(p, exact, NULL) != DG_OK || dgt_init(&e, cfg) != DG_OK) {
        dgt_fail(file, line, "dg_exact or dg_init failed");
        return 1;
    }
    dg_stats_init(&st, n);
    for (t = 0; t < N; ++t) {
        int rc = dg_estimate(&e, p, g, NULL);
        if (rc != DG_OK) {
            char buf[128];
            snprintf(buf, sizeof buf, "dg_estimate returned %d (%s)", rc, dg_strerror(rc));
            dgt_fail(file, line, buf);
            return 1;
        }
        dg_stats_push(&st, g);
    }
    for (i = 0; i < n; ++i) if (fabs((double)exact[i]) > emax) emax = fabs((double)exact[i]);
    for (i = 0; i < n; ++i) {
        double m = dg_stats_mean(&st, i), se = dg_stats_sem(&st, i);
        double detect = fabs((double)exact[i]) > 0.2 * emax ? fabs((double)exact[i]) : 0.2 * emax;
        if (se > 0 && fabs(m - exact[i]) / se > zworst) zworst = fabs(m - exact[i]) / se;
        if (fabs(m - exact[i]) > dworst) dworst = fabs(m - exact[i]);
        if (zmax * se > 0.1 * detect) { /* N too small to see a 10% error in this coordinate */
            char buf[256];
            snprintf(buf, sizeof buf, "method %d coord %d: underpowered, %.1f se = %.3g > 10%% of %.3g",
                     (int)cfg->method, i, zmax, zmax * se, detect);
            dgt_fail(file, line, buf);
            bad++;
        }
        if (!(fabs(m - exact[i]) <= zmax * se + 1e-9 * fabs((double)exact[i]))) {
            char buf[256];
            snprintf(buf, sizeof buf, "method %d coord %d: exact %.8g, mean %.8g, se %.3g (%.1f se)",
                     (int)cfg->method, i, (double)exact[i], m, se, se > 0 ? fabs(m - exact[i]) / se : 0.0);
            dgt_fail(file, line, buf);
            bad++;
        }
    }
    if (dgt_report_label) {
        printf("  %s, %ld estimates: max |mean - exact| %.2g (max |exact| %.3g), largest %.1f se\n",
               dgt_report_label, N, dworst, emax, zworst);
        dgt_report_label = NULL;
    }
    return bad;
}
#define DGT_CHECK_UNBIASED(cfg, p, N, z) dgt_check_unbiased_at(__FILE__, __LINE__, cfg, p, N, z)

#endif
