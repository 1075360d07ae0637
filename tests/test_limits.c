/* Boundaries at exactly the documented limits: a non-finite value at every lane of the
   finiteness checks (indices 0, 7, 8, 15, 16 and the last, of vectors of 8 to 25 values) and
   never past the end; temperatures of exactly the smallest normal number and just below it;
   dg_stats with DG_MAX_DIM coordinates and overflow in its first and last coordinate;
   baseline_input ignored by every baseline but NVIL's; dg_log_softmax and dg_softmax at tau = 0
   writing every entry; categorical sampling of rows longer than 16 and of DG_MAX_K classes
   against an inverse CDF computed here, and the inverse CDF's fallback when rounding leaves the
   target at or above the whole sum; dg_draw_reals of a draw too large to count in a size_t. */
#include "common.h"
#include <float.h>

#define LM_SENT ((dg_real)-4321.25)
#define LM_REAL_MIN ((dg_real)(DGT_FLOAT ? FLT_MIN : DBL_MIN))
#define LM_NMAX 26

static void lm_fill(dg_real *x, int n, dg_real v) { int i; for (i = 0; i < n; ++i) x[i] = v; }
static int lm_all(const dg_real *x, int n, dg_real v)
{
    int i;
    for (i = 0; i < n; ++i) if (!(x[i] == v)) return 0;
    return 1;
}

/* Values of a row with its maximum at index 3 (or the last for short rows), none equal. */
static void lm_row(dg_real *x, int n)
{
    int i;
    for (i = 0; i < n; ++i) x[i] = (dg_real)(0.3 * sin(1.7 * i + 0.2));
    x[n > 3 ? 3 : n - 1] = (dg_real)1.5;
}

static dg_real lm_f(const dg_real *z, void *u) { (void)u; return z[0] + 0.5 * z[1]; }
static int lm_poison_at = -1; /* f_grad writes NaN there */
static int lm_n;
static dg_real lm_f_grad(const dg_real *z, dg_real *dz, void *u)
{
    int i;
    (void)u;
    for (i = 0; i < lm_n; ++i) dz[i] = (dg_real)(i == lm_poison_at ? NAN : 0.1 * i);
    return lm_f(z, u);
}
static void lm_cv_mean_grad(const dg_real *logits, dg_real *grad, void *u)
{
    int i;
    (void)u; (void)logits;
    for (i = 0; i < lm_n; ++i) grad[i] = (dg_real)(i == lm_poison_at ? NAN : 0);
}
static dg_real lm_cv(const dg_real *z, void *u) { (void)u; return z[0]; }

/* Every check of finiteness over a vector, with the bad value at each lane boundary: the
   function must return its error and leave its outputs alone; the same call with the bad
   value just past the end of the vector (which it must not read) must succeed. */
static void limits_nan_at_every_lane(void)
{
    static const int lens[] = {8, 9, 15, 16, 17, 24, 25};
    static const int at[] = {0, 1, 7, 8, 15, 16, 23, 24};
    static dg_estimator e;
    static dg_stats st;
    const double bad_values[3] = {NAN, INFINITY, -INFINITY};
    dg_real x[LM_NMAX], y[LM_NMAX], E[LM_NMAX], out[LM_NMAX], dy[LM_NMAX], g[LM_NMAX];
    dg_rng r;
    int li, ai, bi, fails = 0, cases = 0;
    dg_rng_seed(&r, 5, 5);
    for (li = 0; li < (int)(sizeof lens / sizeof lens[0]); ++li) {
        int n = lens[li];
        for (bi = 0; bi < 3; ++bi)
            for (ai = -1; ai < (int)(sizeof at / sizeof at[0]); ++ai) {
                /* ai = -1: the bad value sits at index n, past the end */
                int idx = ai < 0 ? n : at[ai], past = ai < 0, k, rc;
                int row = n <= DG_MAX_K; /* a row of n classes (not with small limits) */
                dg_real bad = (dg_real)bad_values[bi];
                dg_config c;
                dg_problem p;
                if (idx > n || (!past && idx >= n)) continue;
#define LM_EXPECT(call, want_bad, what)                                                         \
    do {                                                                                        \
        int lm_rc = (call), lm_want = past ? DG_OK : (want_bad);                                \
        cases++;                                                                                \
        if (lm_rc != lm_want) {                                                                 \
            fails++;                                                                            \
            printf("    %s, n %d, %s at %d: returned %d, expected %d\n", what, n,                \
                   bi == 0 ? "NaN" : bi == 1 ? "+inf" : "-inf", idx, lm_rc, lm_want);         \
        }                                                                                       \
    } while (0)
                /* logits / x / y / dy with the bad value */
                lm_row(x, n); x[idx] = bad;
                lm_fill(out, LM_NMAX, LM_SENT);
                for (k = 0; k < n; ++k) E[k] = (dg_real)(0.5 + 0.1 * k);
                lm_fill(dy, LM_NMAX, (dg_real)0.25);
                if (row) {
                    rc = dg_sample_categorical(&r, x, n);
                    LM_EXPECT(rc >= 0 ? DG_OK : rc, DG_EDOMAIN, "dg_sample_categorical");
                    rc = dg_gumbel_max(&r, x, n, out);
                    LM_EXPECT(rc >= 0 ? DG_OK : rc, DG_EDOMAIN, "dg_gumbel_max");
                    LM_EXPECT(dg_gumbel_given_argmax(&r, x, n, 1, out), DG_EDOMAIN, "dg_gumbel_given_argmax");
                    LM_EXPECT(dg_gumbel_given_argmax_at(x, n, 1, E, out), DG_EDOMAIN, "dg_gumbel_given_argmax_at logits");
                    LM_EXPECT(dg_gumbel_given_argmax_vjp(x, n, 1, E, dy, out), DG_EDOMAIN, "dg_gumbel_given_argmax_vjp logits");
                }
                LM_EXPECT(dg_softmax(x, n, 1, out), DG_EDOMAIN, "dg_softmax");
                LM_EXPECT(dg_softmax(x, n, 0, out), DG_EDOMAIN, "dg_softmax tau 0");
                LM_EXPECT(dg_log_softmax(x, n, (dg_real)0.5, out), DG_EDOMAIN, "dg_log_softmax");
                if (!past && !lm_all(out, n, LM_SENT)) { fails++; printf("    n %d at %d: an output was written on error\n", n, idx); }
                {   /* logsumexp: NaN for a NaN entry, +inf for +inf, finite for -inf */
                    dg_real v = dg_logsumexp(x, n);
                    int ok = past ? (v - v == 0) : bi == 0 ? v != v : bi == 1 ? v == (dg_real)INFINITY : v - v == 0;
                    cases++;
                    if (!ok) { fails++; printf("    dg_logsumexp n %d, bad at %d: %g\n", n, idx, (double)v); }
                }
                LM_EXPECT(dg_softmax_backward(x, dy, n, 1, out), DG_EDOMAIN, "dg_softmax_backward y");
                lm_row(y, n);
                lm_fill(dy, LM_NMAX, (dg_real)0.25); dy[idx] = bad;
                LM_EXPECT(dg_softmax_backward(y, dy, n, 1, out), DG_EDOMAIN, "dg_softmax_backward dy");
                if (row) LM_EXPECT(dg_gumbel_given_argmax_vjp(y, n, 1, E, dy, out), DG_EDOMAIN, "dg_gumbel_given_argmax_vjp dy");
                /* E: +inf passes E > 0, then the finiteness check */
                if (bi == 1 && row) {
                    E[idx] = bad;
                    LM_EXPECT(dg_gumbel_given_argmax_at(y, n, 1, E, out), DG_EDOMAIN, "dg_gumbel_given_argmax_at E");
                    LM_EXPECT(dg_gumbel_given_argmax_vjp(y, n, 1, E, y, out), DG_EDOMAIN, "dg_gumbel_given_argmax_vjp E");
                }
                /* the problem's logits, Bernoulli and categorical */
                memset(&c, 0, sizeof c);
                c.method = DG_REINFORCE;
                dgt_init(&e, &c);
                lm_n = n;
                p = dgt_problem(DG_BERNOULLI, n, 0, x, lm_f, lm_f_grad, NULL);
                LM_EXPECT(dg_estimate(&e, &p, g, NULL), DG_EDOMAIN, "dg_estimate Bernoulli logits");
                /* dg_exact checks its capacity (2^n configurations) before it reads a logit */
                if (!past) LM_EXPECT(dg_exact(&p, g, NULL), n <= 20 ? DG_EDOMAIN : DG_ECAPACITY, "dg_exact logits");
                p = dgt_problem(DG_CATEGORICAL, 1, n, x, lm_f, lm_f_grad, NULL);
                if (row) LM_EXPECT(dg_estimate(&e, &p, g, NULL), DG_EDOMAIN, "dg_estimate categorical logits");
                /* f_grad writing a bad value at idx (relaxations, control variates) */
                lm_row(x, n); x[n] = bad; /* past the end: never read */
                p = dgt_problem(DG_BERNOULLI, n, 0, x, lm_f, lm_f_grad, NULL);
                lm_poison_at = past ? -1 : idx;
                c.method = DG_GUMBEL_SOFTMAX; dgt_init(&e, &c);
                LM_EXPECT(dg_estimate(&e, &p, g, NULL), DG_EDOMAIN, "dg_estimate f_grad's dz");
                c.method = DG_MUPROP; dgt_init(&e, &c);
                LM_EXPECT(dg_estimate(&e, &p, g, NULL), DG_EDOMAIN, "MuProp f_grad's dz");
                /* cv_mean_grad writing a bad value at idx */
                c.method = DG_REINFORCE; c.baseline = DG_BASELINE_CV; dgt_init(&e, &c);
                p.cv = lm_cv;
                p.cv_mean_grad = lm_cv_mean_grad;
                LM_EXPECT(dg_estimate(&e, &p, g, NULL), DG_EDOMAIN, "cv_mean_grad's gradient");
                lm_poison_at = -1;
                /* noise of dg_relaxed_grad_at */
                c.baseline = DG_BASELINE_NONE; c.method = DG_GUMBEL_SOFTMAX; dgt_init(&e, &c);
                for (k = 0; k <= n; ++k) y[k] = (dg_real)(0.1 * k - 1);
                y[idx] = bad;
                LM_EXPECT(dg_relaxed_grad_at(&e, &p, y, NULL, g, NULL), DG_EDOMAIN, "dg_relaxed_grad_at noise");
                /* dg_stats_push */
                dg_stats_init(&st, n);
                lm_fill(y, n + 1, 1); y[idx] = bad;
                LM_EXPECT(dg_stats_push(&st, y), DG_EDOMAIN, "dg_stats_push");
#undef LM_EXPECT
            }
    }
    CHECK_INT(fails, 0);
    CHECK(cases > 2000);
}

/* tau of exactly the smallest normal number is valid everywhere (1/tau is finite); half of it
   (subnormal) is refused. */
static void limits_tau_at_smallest_normal(void)
{
    static dg_estimator e;
    dg_real x[9], y[9], dy[9], dx[9], tau = -1, lo = LM_REAL_MIN, below = LM_REAL_MIN / 2;
    dg_config c;
    int k;
    lm_row(x, 9);
    lm_fill(dy, 9, (dg_real)0.5);
    CHECK(below > 0); /* subnormals exist */
    CHECK_INT(dg_softmax(x, 9, lo, y), DG_OK);
    for (k = 0; k < 9; ++k) CHECK_NEAR(y[k], k == 3, 0); /* all mass at the maximum */
    CHECK_INT(dg_softmax(x, 9, below, y), DG_EDOMAIN);
    CHECK_INT(dg_log_softmax(x, 9, lo, y), DG_OK);
    CHECK_NEAR(y[3], 0, 0);
    CHECK(y[0] < -1e30);
    CHECK_INT(dg_log_softmax(x, 9, below, y), DG_EDOMAIN);
    dg_softmax(x, 9, 1, y);
    CHECK_INT(dg_softmax_backward(y, dy, 9, lo, dx), DG_OK);
    CHECK_INT(dg_softmax_backward(y, dy, 9, below, dx), DG_EDOMAIN);
    memset(&c, 0, sizeof c);
    c.method = DG_GUMBEL_SOFTMAX;
    c.tau = lo;
    CHECK_INT(dgt_init(&e, &c), DG_OK);
    {
        dg_problem p = dgt_problem(DG_CATEGORICAL, 1, 9, x, lm_f, lm_f_grad, NULL);
        dg_info info;
        lm_n = 9;
        CHECK_INT(dg_estimate(&e, &p, dx, &info), DG_OK);
        CHECK(info.tau == lo);
        for (k = 0; k < 9; ++k) CHECK(dx[k] - dx[k] == 0);
    }
    c.tau = below;
    CHECK_INT(dgt_init(&e, &c), DG_EINVAL);
    CHECK_INT(dg_set_tau(&e, lo), DG_OK);
    CHECK_INT(dg_set_tau(&e, below), DG_EINVAL);
    CHECK_INT(dg_tau_schedule(1, lo, 1, 1000, &tau), DG_OK);
    CHECK_NEAR(tau, lo, 0); /* exp(-1000) is below the floor */
    CHECK_INT(dg_tau_schedule(1, below, 1, 1000, &tau), DG_EINVAL);
    CHECK_INT(dg_tau_schedule((dg_real)0.75, lo, 0, 5, &tau), DG_OK);
    CHECK_NEAR(tau, 0.75, 0);
}

/* dg_stats at exactly DG_MAX_DIM coordinates, and a push whose running sums would overflow in
   the first, a middle or the last coordinate alone: refused, nothing changed. */
static void limits_stats_capacity_and_overflow_in_any_coordinate(void)
{
    static dg_stats s, copy;
    static dg_real x[DG_MAX_DIM];
    int i, t, which;
    CHECK_INT(dg_stats_init(&s, DG_MAX_DIM), DG_OK); /* one vector: its mean, no variance yet */
    for (i = 0; i < DG_MAX_DIM; ++i) x[i] = (dg_real)(0.5 * i - 3);
    CHECK_INT(dg_stats_push(&s, x), DG_OK);
    CHECK_NEAR(dg_stats_mean(&s, 0), -3, 0);
    CHECK_NEAR(dg_stats_mean(&s, DG_MAX_DIM - 1), 0.5 * (DG_MAX_DIM - 1) - 3, 0);
    CHECK_NEAR(dg_stats_var(&s, 0), 0, 0);
    CHECK_NEAR(dg_stats_sem(&s, 0), 0, 0);
    CHECK_INT(dg_stats_init(&s, DG_MAX_DIM), DG_OK);
    for (t = 0; t < 3; ++t) {
        for (i = 0; i < DG_MAX_DIM; ++i) x[i] = (dg_real)(i + t);
        CHECK_INT(dg_stats_push(&s, x), DG_OK);
    }
    CHECK_NEAR(dg_stats_mean(&s, 0), 1, 1e-9);
    CHECK_NEAR(dg_stats_mean(&s, DG_MAX_DIM - 1), DG_MAX_DIM, 1e-9);
    CHECK_NEAR(dg_stats_var(&s, DG_MAX_DIM - 1), 1, 1e-9);
    CHECK_NEAR(dg_stats_sem(&s, DG_MAX_DIM - 1), sqrt(1 / 3.0), 1e-9);
    {
        volatile int past = DG_MAX_DIM; /* out of range (volatile: gcc would warn of the bound) */
        CHECK_NEAR(dg_stats_mean(&s, past), 0, 0);
    }
    CHECK_NEAR(dg_stats_var(&s, -1), 0, 0);
    if (DGT_FLOAT) return; /* float inputs cannot overflow the double sums */
    for (which = 0; which < 3; ++which) {
        int at = which == 0 ? 0 : which == 1 ? 5 : 16;
        for (t = 0; t < 2; ++t) { /* t = 0: the mean overflows; t = 1: only the variance */
            CHECK_INT(dg_stats_init(&s, 17), DG_OK);
            lm_fill(x, 17, 1);
            x[at] = (dg_real)(t == 0 ? 0.9 * DBL_MAX : 1e200);
            CHECK_INT(dg_stats_push(&s, x), DG_OK);
            copy = s;
            x[at] = -x[at];
            CHECK_INT(dg_stats_push(&s, x), DG_EDOMAIN);
            CHECK(memcmp(&s, &copy, sizeof s) == 0);
        }
    }
}

/* baseline_input belongs to DG_BASELINE_INPUT: with any other baseline or method a NaN or
   infinite value there changes nothing. */
static dg_real lm_f3(const dg_real *z, void *u) { (void)u; return 1 + z[0] - 2 * z[1] * z[2] + 0.5 * z[2]; }
static dg_real lm_f3_grad(const dg_real *z, dg_real *dz, void *u)
{
    dz[0] = 1; dz[1] = -2 * z[2]; dz[2] = -2 * z[1] + 0.5;
    return lm_f3(z, u);
}
static void lm_cv3_mean_grad(const dg_real *logits, dg_real *grad, void *u)
{
    int i;
    (void)u;
    for (i = 0; i < 3; ++i) grad[i] = 0;
    grad[0] = dg_sigmoid(logits[0]) * (1 - dg_sigmoid(logits[0]));
}
static void limits_baseline_input_ignored_by_other_baselines(void)
{
    static dg_estimator a, b;
    const double bad[3] = {NAN, INFINITY, -INFINITY};
    dg_real logits[3] = {0.2, -0.7, 1.1}, ga[3], gb[3];
    int m, bl, bi, t, bad_count = 0;
    for (m = DG_EXACT; m <= DG_DISARM; ++m)
        for (bl = DG_BASELINE_NONE; bl <= DG_BASELINE_CV; ++bl) {
            dg_config c;
            dg_problem p = dgt_problem(DG_BERNOULLI, 3, 0, logits, lm_f3, lm_f3_grad, NULL), q;
            if (bl == DG_BASELINE_INPUT || (m != DG_REINFORCE && bl != DG_BASELINE_NONE)) continue;
            p.cv = lm_cv;
            p.cv_mean_grad = lm_cv3_mean_grad;
            memset(&c, 0, sizeof c);
            c.method = (dg_method)m;
            c.baseline = (dg_baseline)bl;
            c.samples = m == DG_RLOO ? 3 : 2;
            c.seed = 9;
            for (bi = 0; bi < 3; ++bi) {
                q = p;
                q.baseline_input = (dg_real)bad[bi];
                dgt_init(&a, &c);
                dgt_init(&b, &c);
                for (t = 0; t < 3; ++t) {
                    int ra = dg_estimate(&a, &p, ga, NULL), rb = dg_estimate(&b, &q, gb, NULL);
                    if (ra != DG_OK || rb != DG_OK || memcmp(ga, gb, sizeof ga) != 0) {
                        printf("    method %d baseline %d: baseline_input %g changed the call (%d, %d)\n",
                               m, bl, bad[bi], ra, rb);
                        bad_count++;
                        break;
                    }
                }
            }
        }
    CHECK_INT(bad_count, 0);
}

/* tau = 0: the one-hot argmax (lowest index on ties) written to every entry. */
static void limits_zero_tau_writes_every_entry(void)
{
    dg_real x[LM_NMAX], y[LM_NMAX];
    int K, top, k, bad = 0;
    for (K = 1; K <= 20; ++K)
        for (top = 0; top < K; ++top) {
            for (k = 0; k < K; ++k) x[k] = (dg_real)(0.1 * ((k * 7) % 5) - 1);
            x[top] = 2;
            if (top + 1 < K) x[K - 1] = 2; /* a tie with the last: the lower index wins */
            lm_fill(y, LM_NMAX, LM_SENT);
            if (dg_log_softmax(x, K, 0, y) != DG_OK) bad++;
            for (k = 0; k < K; ++k) bad += !(k == top ? y[k] == 0 : y[k] == -(dg_real)INFINITY);
            bad += !(y[K] == LM_SENT);
            lm_fill(y, LM_NMAX, LM_SENT);
            if (dg_softmax(x, K, 0, y) != DG_OK) bad++;
            for (k = 0; k < K; ++k) bad += !(y[k] == (k == top));
            bad += !(y[K] == LM_SENT);
        }
    CHECK_INT(bad, 0);
}

/* dg_sample_categorical on rows of 17, 40 and DG_MAX_K classes (the long-row loop): every draw
   equals the inverse CDF of its uniform computed here in long double (draws within 1e-12 of a
   boundary of the CDF are left out), and the frequencies pass a chi-square test. */
static void limits_categorical_long_rows(void)
{
    static const int Ks[] = {17, 40, DG_MAX_K};
    static dg_real logits[DG_MAX_K];
    static long double cum[DG_MAX_K];
    static long counts[DG_MAX_K];
    int t, k, i, bad = 0;
    long skipped = 0, total = 0;
    for (t = 0; t < 3; ++t) {
        int K = Ks[t], N = K > 100 ? 40 * K : 20000;
        long double m = -1e300L, s = 0;
        double chi = 0, df = K - 1, crit;
        dg_rng r, copy;
        if (K > DG_MAX_K) continue; /* small limits */
        for (k = 0; k < K; ++k) {
            logits[k] = (dg_real)(0.8 * sin(0.9 * k + 0.5) + (k == 0 ? 0.7 : 0));
            if ((long double)logits[k] > m) m = logits[k];
        }
        for (k = 0; k < K; ++k) s += expl((long double)logits[k] - m);
        /* two statements: tcc 0.9.27 loses a conditional's long double across the call to expl */
        for (k = 0; k < K; ++k) {
            cum[k] = expl((long double)logits[k] - m) / s;
            if (k) cum[k] += cum[k - 1];
        }
        memset(counts, 0, sizeof counts);
        dg_rng_seed(&r, 77, (uint64_t)K);
        for (i = 0; i < N; ++i) {
            long double u;
            int want = 0, got, near = 0;
            copy = r;
            u = (long double)dg_uniform(&copy);
            got = dg_sample_categorical(&r, logits, K);
            {   /* the first class whose cumulative probability exceeds u (binary search) */
                int lo = 0, hi = K - 1;
                while (lo < hi) {
                    int mid = (lo + hi) / 2;
                    if (u < cum[mid]) hi = mid; else lo = mid + 1;
                }
                want = lo;
            }
            /* the nearest boundaries of the CDF are the two around u */
            near = fabsl(u - cum[want]) < (DGT_FLOAT ? 3e-5L : 1e-12L) ||
                   (want > 0 && fabsl(u - cum[want - 1]) < (DGT_FLOAT ? 3e-5L : 1e-12L));
            total++;
            if (got < 0 || got >= K) { bad++; continue; }
            counts[got]++;
            if (near) { skipped++; continue; }
            bad += got != want;
        }
        for (k = 0; k < K; ++k) {
            double e = (double)(cum[k] - (k ? cum[k - 1] : 0)) * N;
            chi += (counts[k] - e) * (counts[k] - e) / e;
        }
        /* Wilson-Hilferty: chi-square's upper 0.001 point, z = 3.09 */
        crit = df * pow(1 - 2 / (9 * df) + 3.09 * sqrt(2 / (9 * df)), 3);
        if (!(chi < crit)) { printf("    K %d: chi-square %.1f, critical %.1f\n", K, chi, crit); bad++; }
    }
    CHECK_INT(bad, 0);
    CHECK(skipped * 30 < total);
}

#ifndef DGT_SEPARATE_IMPL
/* White box: the inverse CDF's fallback. When rounding leaves the target at or above the whole
   sum, the result is the last class with weight (never K, never a class of weight 0); below
   it, the first class whose running sum exceeds the target. Short rows and long rows. */
static void limits_inverse_cdf_fallback(void)
{
    dg_real w[40];
    int K, k, bad = 0;
    for (K = 1; K <= 40; K += 3) {
        dg_real total = 0, acc = 0;
        int last = 0;
        for (k = 0; k < K; ++k) {
            w[k] = (dg_real)(k % 4 == 1 ? 0 : 0.025 + 0.01 * k); /* below 1 */
            if (k >= K - 2 && K > 2) w[k] = 0; /* trailing classes without weight */
            total += w[k];
            if (w[k] > 0) last = k;
        }
        if (total == 0) continue;
        bad += dg__inverse_cdf(w, K, total) != last;
        bad += dg__inverse_cdf(w, K, total * 2) != last;
        for (k = 0; k < K; ++k) {
            dg_real before = acc;
            acc += w[k];
            if (w[k] == 0) continue;
            bad += dg__inverse_cdf(w, K, before) != k;           /* at the lower end */
            bad += dg__inverse_cdf(w, K, (before + acc) / 2) != k; /* inside */
        }
    }
    CHECK_INT(bad, 0);
}

/* White box: the finiteness check behind every DG_EDOMAIN on values finds one NaN or infinity
   at any position, in every lane of its partial sums and in every tail, and passes arrays whose
   values are all finite, the largest included (their x - x is still 0). */
static void limits_all_finite_every_position(void)
{
    static const int sizes[] = {1, 2, 7, 8, 9, 15, 16, 31, 32, 33, 39, 40, 63, 64, 65, 71, 72,
                                95, 96, 100, 127, 128, 129, 1000};
    dg_real x[1000], bad[3];
    int s, i, b, wrong = 0, checked = 0;
    bad[0] = (dg_real)NAN;
    bad[1] = (dg_real)INFINITY;
    bad[2] = -(dg_real)INFINITY;
    for (i = 0; i < 1000; ++i) /* the largest finite values as well as ordinary ones */
        x[i] = i % 5 == 0 ? (i % 2 ? -1 : 1) * (DG__IS_FLOAT ? (dg_real)FLT_MAX : (dg_real)DBL_MAX)
                          : (dg_real)(i % 7) - 3;
    for (s = 0; s < (int)(sizeof sizes / sizeof sizes[0]); ++s) {
        int n = sizes[s];
        wrong += !dg__all_finite(x, n);
        for (i = 0; i < n; ++i)
            for (b = 0; b < 3; ++b, ++checked) {
                dg_real keep = x[i];
                x[i] = bad[b];
                wrong += dg__all_finite(x, n);
                x[i] = keep;
            }
    }
    CHECK_INT(wrong, 0);
    CHECK(checked > 6000);
}

/* White box: the rows of dg__sample_hard, DG__CDF_ROWS at a time as interleaved chains, are
   the one-hots of what dg__inverse_cdf picks row by row (itself checked against exact classes
   above): targets at every running sum, inside each class, at and past the whole sum, for rows
   with and without trailing zero weights, in groups of 8 and the rows left over, short and long
   rows. */
static void limits_inverse_cdf_rows(void)
{
    enum { ROWS = 2 * DG__CDF_ROWS + 3 };
    dg_real w[ROWS * 40], target[ROWS], onehot[ROWS * 40];
    int K, d, k, bad = 0, checked = 0;
    for (K = 1; K <= 40; K += 3) {
        int probe;
        for (d = 0; d < ROWS; ++d)
            for (k = 0; k < K; ++k) /* row d has its last d % 3 classes without weight */
                w[d * K + k] = (dg_real)(k >= K - d % 3 && k > 0 ? 0 : 0.01 + 0.003 * ((k * 7 + d) % 11));
        for (probe = 0; probe <= 2 * K + 1; ++probe) {
            for (d = 0; d < ROWS; ++d) { /* probe 2j: the running sum before class j; 2j + 1: inside it */
                const dg_real *wr = w + d * K;
                dg_real before = 0;
                int j = (probe / 2 + d) % (K + 1);
                for (k = 0; k < j && k < K; ++k) before += wr[k];
                target[d] = j == K ? before * (probe % 2 ? 2 : 1)
                                   : probe % 2 ? before + wr[j] / 2 : before;
            }
            dg__inverse_cdf_rows(w, ROWS, K, target, onehot);
            for (d = 0; d < ROWS; ++d, ++checked) {
                int pick = dg__inverse_cdf(w + d * K, K, target[d]);
                for (k = 0; k < K; ++k) bad += onehot[d * K + k] != (k == pick);
            }
        }
    }
    CHECK_INT(bad, 0);
    CHECK(checked > 1000);
}
#endif

/* dg_relaxed_grad_at checks every value of Gumbel-Rao's conditional noise, the first and the
   last included (uniforms strictly inside (0, 1) for bits, positive finite exponentials for
   categorical logits), and reads none past S * n. */
static dg_real lm_fg2(const dg_real *z, dg_real *dz, void *u)
{
    int i;
    (void)u;
    for (i = 0; i < 6; ++i) dz[i] = (dg_real)(0.1 * i - 0.2);
    return z[0] - z[1];
}
static void limits_conditional_noise_every_value(void)
{
    static dg_estimator e;
    const double bad_bits[] = {0, 1, -0.5, 1.5, NAN, INFINITY}, bad_cat[] = {0, -1, NAN, INFINITY};
    dg_real logits[6] = {0.3, -0.2, 0.5, 1.0, 0.1, -0.4}, noise[6] = {0.1, -0.3, 0.7, 0.2, -1, 0.4};
    dg_real cond[13], g[6];
    dg_config c;
    int kind, pos, b, bad = 0;
    memset(&c, 0, sizeof c);
    c.method = DG_GUMBEL_RAO;
    c.samples = 2;
    CHECK_INT(dgt_init(&e, &c), DG_OK);
    for (kind = 0; kind < 2; ++kind) {
        dg_problem p = kind ? dgt_problem(DG_CATEGORICAL, 2, 3, logits, lm_f, lm_fg2, NULL)
                            : dgt_problem(DG_BERNOULLI, 6, 0, logits, lm_f, lm_fg2, NULL);
        int n = 6, nb = kind ? 4 : 6;
        for (pos = 0; pos <= 2 * n; ++pos)
            for (b = 0; b < nb; ++b) {
                int k, rc;
                for (k = 0; k < 13; ++k) cond[k] = (dg_real)(0.2 + 0.05 * k);
                cond[pos] = (dg_real)(kind ? bad_cat[b] : bad_bits[b]);
                lm_fill(g, 6, LM_SENT);
                rc = dg_relaxed_grad_at(&e, &p, noise, cond, g, NULL);
                /* out of range: DG_EINVAL; NaN or inf: DG_EINVAL or DG_EDOMAIN; past the end: OK */
                if (pos < 2 * n ? (rc != DG_EINVAL && rc != DG_EDOMAIN) || !lm_all(g, 6, LM_SENT)
                                : rc != DG_OK) {
                    printf("    %s, conditional noise %g at %d: returned %d\n",
                           kind ? "categorical" : "Bernoulli", (double)cond[pos], pos, rc);
                    bad++;
                }
            }
    }
    CHECK_INT(bad, 0);
}

/* Sampling compares a uniform u with a probability strictly, as documented: a bit is
   1[u < sigmoid(logit)], ARM's pair 1[u > sigmoid(-phi)] and 1[u < sigmoid(phi)]. When the two
   are equal the bits are 0. The uniforms of a stream are known in advance (a copy of the rng), so
   logits are chosen whose sigmoid is exactly the uniform that will meet it. */
static int lm_logit_hitting(dg_real u, dg_real *logit)
{
    dg_real x = (dg_real)log((double)u / (1 - (double)u));
    int step;
    for (step = 0; step < 400; ++step) {
        dg_real s = dg_sigmoid(x);
        if (s == u) { *logit = x; return 1; }
        x = DGT_FLOAT ? (dg_real)nextafterf((float)x, s < u ? 1e30f : -1e30f)
                      : (dg_real)nextafter((double)x, s < u ? 1e300 : -1e300);
    }
    return 0;
}
static dg_real lm_seen[2][8];
static int lm_calls;
static dg_real lm_record_f(const dg_real *z, void *u)
{
    int i;
    (void)u;
    if (lm_calls < 2) for (i = 0; i < 8; ++i) lm_seen[lm_calls][i] = z[i];
    lm_calls++;
    return z[0] + 2 * z[1] - z[2] + 0.5 * z[3];
}
static void limits_sampling_ties_resolve_as_documented(void)
{
    static dg_estimator e;
    dg_rng r, copy;
    dg_real u[8], logits[8], g[8];
    dg_config c;
    dg_problem p;
    int i, seed, found = 0, hits = 0;
    for (seed = 1; seed < 200 && !found; ++seed) {
        dg_rng_seed(&r, (uint64_t)seed, 9);
        copy = r;
        dg_uniforms(&copy, u, 8);
        found = 1;
        for (i = 0; i < 8 && found; ++i)
            found = u[i] > 0.05 && u[i] < 0.95 &&
                    lm_logit_hitting(u[i], &logits[i]); /* sigmoid(logits[i]) == u[i] */
    }
    CHECK(found);
    if (!found) return;
    seed--;
    /* dg_sample_bernoulli: u == sigmoid(logit) gives 0 */
    for (i = 0; i < 8; ++i) {
        dg_rng_seed(&r, (uint64_t)seed, 9);
        copy = r;
        dg_uniforms(&copy, u, i); /* skip to the i-th uniform */
        r = copy;
        hits += dg_sample_bernoulli(&r, logits[i]) == 0;
    }
    CHECK_INT(hits, 8);
    /* REINFORCE's draw of the bits: all 0 */
    memset(&c, 0, sizeof c);
    c.method = DG_REINFORCE;
    c.seed = (uint64_t)seed;
    c.stream = 9;
    p = dgt_problem(DG_BERNOULLI, 8, 0, logits, lm_record_f, NULL, NULL);
    CHECK_INT(dgt_init(&e, &c), DG_OK);
    lm_calls = 0;
    CHECK_INT(dg_estimate(&e, &p, g, NULL), DG_OK);
    for (i = 0; i < 8; ++i) CHECK(lm_seen[0][i] == 0);
    /* ARM and DisARM: b2 = 1[u < sigmoid(phi)] is 0 where sigmoid(phi) == u (even d); b1 =
       1[u > sigmoid(-phi)] is 0 where sigmoid(-phi) == u (odd d: the logit negated) */
    for (i = 1; i < 8; i += 2) logits[i] = -logits[i];
    for (i = 0; i < 2; ++i) {
        int d;
        c.method = i ? DG_DISARM : DG_ARM;
        CHECK_INT(dgt_init(&e, &c), DG_OK);
        lm_calls = 0;
        CHECK_INT(dg_estimate(&e, &p, g, NULL), DG_OK);
        CHECK_INT(lm_calls, 2);
        for (d = 0; d < 8; ++d) CHECK(lm_seen[d & 1 ? 0 : 1][d] == 0);
    }
}

/* The conditional logistic at the extreme uniforms (the largest and smallest the rng gives):
   log(theta v / (1 - v (1 - theta))) is 0 to rounding there, and the bit must still hold,
   (z > 0) == b, for every logit of a fine grid (rounding makes the raw value positive for some). */
static void limits_conditional_logistic_extreme_uniforms(void)
{
    dg_real vs[2];
    int i, b, k, bad = 0;
    vs[0] = dg_uniform_from_bits(0);
    vs[1] = dg_uniform_from_bits(~(uint64_t)0);
    for (i = -4000; i <= 4000; ++i)
        for (b = 0; b < 2; ++b)
            for (k = 0; k < 2; ++k) {
                dg_real z = LM_SENT, d;
                if (dg_logistic_given_bit_at((dg_real)(0.01 * i), b, vs[k], &z, &d) != DG_OK ||
                    (z > 0) != b || !(d - d == 0))
                    bad++;
            }
    CHECK_INT(bad, 0);
}

/* A draw whose size does not fit a size_t (IndeCateR's 1 + D(K - 1) points per sample, 1024
   samples, a batch of 4: about 2^32 values, beyond a 32-bit target's count): dg_draw_reals says
   0, not a count that wrapped around; where the size fits, it counts at least those points. */
static void limits_draw_size_beyond_size_t(void)
{
    static dg_estimator e;
    dg_real logit = 0;
    dg_problem p = dgt_problem(DG_CATEGORICAL, 4, 256, &logit, lm_f, NULL, NULL);
    dg_config c;
    uint64_t points = (uint64_t)4 * (1 + 4 * 255) * 1024 * (4 * 256);
    size_t got;
    memset(&c, 0, sizeof c);
    c.method = DG_INDECATER;
    c.samples = 1024;
    p.batch = 4;
    CHECK_INT(dgt_init(&e, &c), DG_OK);
    got = dg_draw_reals(&e, &p); /* reads no logit: one suffices */
    if (points >= (uint64_t)((size_t)-1 / 2)) CHECK(got == 0);
    else CHECK(got >= points);
}

static void register_limits(void)
{
    DGT_ADD(limits_nan_at_every_lane);
    DGT_ADD(limits_tau_at_smallest_normal);
    DGT_ADD(limits_stats_capacity_and_overflow_in_any_coordinate);
    DGT_ADD(limits_baseline_input_ignored_by_other_baselines);
    DGT_ADD(limits_zero_tau_writes_every_entry);
    DGT_ADD(limits_categorical_long_rows);
    DGT_ADD(limits_conditional_noise_every_value);
    DGT_ADD(limits_sampling_ties_resolve_as_documented);
    DGT_ADD(limits_conditional_logistic_extreme_uniforms);
    DGT_ADD(limits_draw_size_beyond_size_t);
#ifndef DGT_SEPARATE_IMPL
    DGT_ADD(limits_inverse_cdf_fallback);
    DGT_ADD(limits_inverse_cdf_rows);
    DGT_ADD(limits_all_finite_every_position);
#endif
}
