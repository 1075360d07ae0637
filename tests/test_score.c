/* Tests of the score-function family (REINFORCE with every baseline, RLOO) and the antithetic
   estimators (ARM, DisARM): means against dg_exact, variances against the closed forms of
   docs/math.md, the learned baselines against plain REINFORCE, error paths, determinism. */
#include "common.h"

#define SC_SENTINEL ((dg_real)-12345.5)

/* ---- problems shared by the tests -------------------------------------------------------- */

/* A control variate b(z) = offset + a.z/2 for DG_BASELINE_CV, with the gradient of its mean by
   hand (the offset, E f in the unbiasedness tests, does not enter it):
   Bernoulli a_d p_d (1 - p_d); categorical pi_k (a_k - pi.a) per row. The shape comes from the
   problem under test (sc_cv_kind, sc_cv_D, sc_cv_K), set before each use. */
static const double sc_cv_a[12] = {0.8, -0.6, 1.1, 0.4, -1.2, 0.9, 0.3, -0.5, 1.4, -0.9, 0.6, 0.2};
static dg_kind sc_cv_kind;
static dg_real sc_cv_offset;
static int sc_cv_D, sc_cv_K;
static dg_real sc_cv(const dg_real *z, void *user)
{
    int i, n = sc_cv_kind == DG_BERNOULLI ? sc_cv_D : sc_cv_D * sc_cv_K;
    double s = 0;
    (void)user;
    for (i = 0; i < n; ++i) s += 0.5 * sc_cv_a[i] * z[i];
    return sc_cv_offset + (dg_real)s;
}
static void sc_cv_mean_grad(const dg_real *logits, dg_real *grad, void *user)
{
    int d, k, K = sc_cv_K;
    (void)user;
    if (sc_cv_kind == DG_BERNOULLI) {
        for (d = 0; d < sc_cv_D; ++d) {
            double p = dgt_sigmoid((double)logits[d]);
            grad[d] = (dg_real)(0.5 * sc_cv_a[d] * p * (1 - p));
        }
        return;
    }
    for (d = 0; d < sc_cv_D; ++d) {
        dg_real pi[16];
        double dot = 0;
        dg_softmax(logits + d * K, K, 1, pi);
        for (k = 0; k < K; ++k) dot += pi[k] * sc_cv_a[d * K + k];
        for (k = 0; k < K; ++k) grad[d * K + k] = (dg_real)(0.5 * pi[k] * (sc_cv_a[d * K + k] - dot));
    }
}
static void sc_use_cv(dg_problem *p)
{
    sc_cv_kind = p->kind;
    sc_cv_D = p->D;
    sc_cv_K = p->K;
    sc_cv_offset = 0;
    p->cv = sc_cv;
    p->cv_mean_grad = sc_cv_mean_grad;
}

/* The one-Bernoulli toy f(b) = (b - t)^2. */
static double sc_toy_t;
static dg_real sc_toy_f(const dg_real *z, void *user)
{
    (void)user;
    return (dg_real)(((double)z[0] - sc_toy_t) * ((double)z[0] - sc_toy_t));
}

static int sc_bern_D = 5;
static dg_real sc_bern3_logits[2][3] = {{-2.0, 1.5, 0.1}, {1.5, 1.9, 0.8}};
static dg_real sc_bexp_logits[2][5] = {{-0.7, -1.5, 1.2, 1.2, 1.4}, {0.4, -2.0, 1.8, 1.7, 0.6}};
static dg_real sc_cat23_logits[2][6] = {{-2.0, -1.1, 1.5, -1.8, 0.6, 0.0}, {0.8, -1.3, 1.1, 0.0, 0.3, -0.5}};
static dg_real sc_cat34_logits[2][12] = {
    {1.0, -1.4, -0.3, 0.2, 0.6, 0.8, 1.9, 1.8, -1.2, -1.4, 1.9, -1.4},
    {0.4, -0.5, 0.8, -0.8, -0.3, 1.2, -1.6, -0.4, -1.4, 0.1, 0.9, 1.9}};

/* Draws each problem needs for 4.5 se to be 10% of its gradient (the power rule of
   DGT_CHECK_UNBIASED), from the exact per-coordinate variance of one draw by enumeration:
   plain REINFORCE (f s) and REINFORCE centred by E f. The tests take 1.5 times these. */
static const double sc_draws_plain[8] = {35e3, 9e3, 297e3, 331e3, 161e3, 210e3, 121e3, 124e3};
static const double sc_draws_centred[8] = {46e3, 12e3, 47e3, 39e3, 9e3, 10e3, 72e3, 66e3};

/* The i-th of the eight problems: two objectives per kind, two logit settings each. */
static dg_problem sc_problem(int i)
{
    int set = i & 1;
    switch (i >> 1) {
    case 0: return dgt_problem(DG_BERNOULLI, 3, 0, sc_bern3_logits[set], dgt_f_bern3, NULL, NULL);
    case 1: return dgt_problem(DG_BERNOULLI, 5, 0, sc_bexp_logits[set], dgt_f_bern_exp, NULL, &sc_bern_D);
    case 2: return dgt_problem(DG_CATEGORICAL, 2, 3, sc_cat23_logits[set], dgt_f_cat23, NULL, NULL);
    default: return dgt_problem(DG_CATEGORICAL, 3, 4, sc_cat34_logits[set], dgt_f_cat34, NULL, NULL);
    }
}

static dg_config sc_config(dg_method m, dg_baseline b, int samples, uint64_t seed)
{
    dg_config c;
    memset(&c, 0, sizeof c);
    c.method = m;
    c.baseline = b;
    c.samples = samples;
    c.seed = seed;
    return c;
}

/* ---- unbiasedness ------------------------------------------------------------------------- */

/* Mean of N estimates within 4.5 se of dg_exact in every coordinate, N large enough that a 10%
   error in any coordinate fails (DGT_CHECK_UNBIASED enforces the power), on the problems first
   to last-1 (all eight, or the four Bernoulli ones). Given baselines sit 0.2 above E f. */
static void sc_unbiased_on(dg_config c, const double *draws, double factor, int first, int last)
{
    int i;
    for (i = first; i < last; ++i) {
        dg_problem p = sc_problem(i);
        dg_real exact[DG_MAX_DIM], value;
        long N = (long)(1.5 * factor * draws[i] / c.samples) + 1;
        dg_exact(&p, exact, &value);
        if (c.baseline == DG_BASELINE_CV) { sc_use_cv(&p); sc_cv_offset = value; }
        if (c.baseline == DG_BASELINE_INPUT) p.baseline_input = value + (dg_real)0.2;
        if (c.baseline == DG_BASELINE_CONSTANT) c.baseline_value = value - (dg_real)0.2;
        c.seed = 1000 + (uint64_t)i;
        if (DGT_CHECK_UNBIASED(&c, &p, N, 4.5)) printf("    (problem %d)\n", i);
    }
}
static void sc_unbiased_all_problems(dg_config c, const double *draws, double factor)
{
    sc_unbiased_on(c, draws, factor, 0, 8);
}

static void score_reinforce_unbiased_no_baseline(void)
{
    sc_unbiased_all_problems(sc_config(DG_REINFORCE, DG_BASELINE_NONE, 4, 0), sc_draws_plain, 1);
}
static void score_reinforce_unbiased_constant(void)
{
    dg_config c = sc_config(DG_REINFORCE, DG_BASELINE_CONSTANT, 4, 0);
    sc_unbiased_all_problems(c, sc_draws_centred, 1.3);
}
static void score_reinforce_unbiased_ema(void)
{
    sc_unbiased_all_problems(sc_config(DG_REINFORCE, DG_BASELINE_EMA, 4, 0), sc_draws_centred, 1);
}
static void score_reinforce_unbiased_optimal_one_draw(void)
{
    sc_unbiased_all_problems(sc_config(DG_REINFORCE, DG_BASELINE_OPTIMAL, 1, 0), sc_draws_centred, 1.15);
}
static void score_reinforce_unbiased_optimal_leave_one_out(void)
{
    sc_unbiased_all_problems(sc_config(DG_REINFORCE, DG_BASELINE_OPTIMAL, 4, 0), sc_draws_centred, 1);
}
static void score_reinforce_unbiased_input(void)
{
    sc_unbiased_all_problems(sc_config(DG_REINFORCE, DG_BASELINE_INPUT, 4, 0), sc_draws_centred, 1.6);
}
static void score_reinforce_unbiased_cv(void)
{
    sc_unbiased_all_problems(sc_config(DG_REINFORCE, DG_BASELINE_CV, 4, 0), sc_draws_centred, 4.2);
}
static void score_rloo_unbiased(void)
{
    sc_unbiased_all_problems(sc_config(DG_RLOO, DG_BASELINE_NONE, 3, 0), sc_draws_centred, 2.25);
}

static void score_antithetic_unbiased(void)
{
    sc_unbiased_on(sc_config(DG_ARM, DG_BASELINE_NONE, 2, 0), sc_draws_centred, 4.7, 0, 4);
    sc_unbiased_on(sc_config(DG_DISARM, DG_BASELINE_NONE, 2, 0), sc_draws_centred, 2.1, 0, 4);
}

/* DG_ARM on categorical variables: the ARS estimator, on the four categorical problems. */
static void score_arm_categorical_unbiased(void)
{
    sc_unbiased_on(sc_config(DG_ARM, DG_BASELINE_NONE, 2, 0), sc_draws_centred, 11, 4, 6);
    sc_unbiased_on(sc_config(DG_ARM, DG_BASELINE_NONE, 2, 0), sc_draws_centred, 4.5, 6, 8);
}

#ifndef DGT_SEPARATE_IMPL
/* White box (the implementation's private functions, so not in the two-unit build): the swapped
   samples of ARS, found from each row's three least keys, against a plain scan of all K keys
   with the swap applied, for every pair of classes. Keys are small integers, so ties are
   common and the first-minimum rule is exercised. */
static void score_ars_swaps_match_full_scan(void)
{
    static dg_real logits[7 * 7], log_e[7 * 7], key[7 * 7], top_v[7 * 7], top_i[7 * 7];
    static dg_real hard[7 * 7], out[7 * 7], ref[7 * 7];
    static const int Ks[] = {1, 2, 3, 4, 7};
    dg_rng r;
    int t, trial, a, b, d, k, bad = 0, pairs = 0;
    dg_rng_seed(&r, 11, 0);
    for (t = 0; t < 5; ++t) {
        int K = Ks[t], D = 7, c = K < 3 ? K : 3;
        dg_problem p = dgt_problem(DG_CATEGORICAL, D, K, logits, NULL, NULL, NULL);
        for (trial = 0; trial < 200; ++trial) {
            for (k = 0; k < D * K; ++k) {
                logits[k] = (dg_real)(int)(3 * dg_uniform(&r));
                log_e[k] = (dg_real)(int)(4 * dg_uniform(&r)) - 2;
                key[k] = log_e[k] - logits[k];
            }
            dg__ars_top3(key, D, K, top_v, top_i);
            for (d = 0; d < D; ++d)
                for (k = 0; k < K; ++k) hard[d * K + k] = k == (int)top_i[d * c];
            for (a = 0; a < K; ++a)
                for (b = 0; b < K; ++b) {
                    int same_ref = 1, same;
                    if (a == b) continue;
                    for (d = 0; d < D; ++d) {
                        int best = 0;
                        dg_real best_v = 0;
                        for (k = 0; k < K; ++k) {
                            int src = k == a ? b : k == b ? a : k;
                            dg_real v = log_e[d * K + src] - logits[d * K + k];
                            if (k == 0 || v < best_v) { best = k; best_v = v; }
                        }
                        for (k = 0; k < K; ++k) ref[d * K + k] = k == best;
                        same_ref &= hard[d * K + best] > 0;
                    }
                    same = dg__ars_swapped(&p, log_e, top_v, top_i, a, b, hard, out);
                    bad += same != same_ref || memcmp(out, ref, sizeof(dg_real) * (size_t)(D * K)) != 0;
                    ++pairs;
                }
        }
    }
    CHECK_INT(bad, 0);
    CHECK(pairs > 10000);
}
#endif

/* ---- variances on the toy against docs/math.md -------------------------------------------- */

/* The closed forms of docs/math.md for one estimate on the toy, written out independently here. */
enum { SC_REINFORCE, SC_REINFORCE_MEAN_BASELINE, SC_RLOO2, SC_ARM, SC_DISARM, SC_NVAR };
static double sc_toy_closed_var(int which, double t, double p)
{
    double D = 1 - 2 * t, g = D * p * (1 - p), m = p < 0.5 ? p : 1 - p, M = 1 - m;
    switch (which) {
    case SC_REINFORCE: return p * (1 - p) * (pow(1 - t, 4) * (1 - p) + pow(t, 4) * p) - g * g;
    case SC_REINFORCE_MEAN_BASELINE: return D * D * p * (1 - p) * (1 - 2 * p) * (1 - 2 * p);
    case SC_RLOO2: return D * D * p * (1 - p) * (1 - 2 * p * (1 - p)) / 2;
    case SC_ARM: return (2 * D * D / 3) * (0.125 - pow(0.5 - m, 3)) - g * g;
    default: return 0.5 * D * D * M * M * m * (1 - 2 * m);
    }
}

static dg_config sc_toy_config(int which, double t, double p, uint64_t seed)
{
    dg_config c = sc_config(DG_REINFORCE, DG_BASELINE_NONE, 1, seed);
    if (which == SC_REINFORCE_MEAN_BASELINE) {
        c.baseline = DG_BASELINE_CONSTANT;
        c.baseline_value = (dg_real)(p * (1 - t) * (1 - t) + (1 - p) * t * t);
    }
    if (which == SC_RLOO2) { c.method = DG_RLOO; c.samples = 2; }
    if (which == SC_ARM) c.method = DG_ARM;
    if (which == SC_DISARM) c.method = DG_DISARM;
    return c;
}

/* Runs N estimates on the toy; returns the mean of (g - exact)^2, which estimates the variance
   (plus any squared bias), and writes its standard error from the fourth moment. */
static double sc_toy_spread(dg_estimator *e, const dg_problem *p, double exact, long N, double *se)
{
    double s2 = 0, s4 = 0;
    dg_real g;
    long n;
    *se = 0;
    for (n = 0; n < N; ++n) {
        double d;
        if (dg_estimate(e, p, &g, NULL) != DG_OK) { CHECK(!"dg_estimate failed"); return -1; }
        d = (double)g - exact;
        s2 += d * d;
        s4 += d * d * d * d;
    }
    s2 /= (double)N;
    s4 /= (double)N;
    *se = sqrt(fmax(s4 - s2 * s2, 0) / (double)N);
    return s2;
}

/* Every estimator's variance within 3.5% of its closed form at t in {.45, .49, .499} and
   phi in {0, logit(.25)}, with N large enough that 3.5% is at least 4 standard errors.
   Closed forms that are 0 must be met to rounding. */
static void score_toy_variances_match_closed_forms(void)
{
    static const double ts[3] = {0.45, 0.49, 0.499};
    static const double phis[2] = {0.0, -1.0986122886681098};
    static dg_estimator e;
    const long N = 100000;
    int i, j, w;
    for (i = 0; i < 3; ++i)
        for (j = 0; j < 2; ++j) {
            dg_real phi = (dg_real)phis[j];
            dg_problem p = dgt_problem(DG_BERNOULLI, 1, 0, &phi, sc_toy_f, NULL, NULL);
            double pr = dgt_sigmoid(phis[j]), exact = (1 - 2 * ts[i]) * pr * (1 - pr);
            sc_toy_t = ts[i];
            for (w = 0; w < SC_NVAR; ++w) {
                dg_config c = sc_toy_config(w, ts[i], pr, 77 + (uint64_t)(10 * i + w));
                double want = sc_toy_closed_var(w, ts[i], pr), se, got;
                CHECK_INT(dgt_init(&e, &c), DG_OK);
                got = sc_toy_spread(&e, &p, exact, N, &se);
                if (want > 1e-12) {
                    CHECK(4 * se <= 0.035 * want); /* the check has the power it claims */
                    CHECK_REL(got, want, DGT_TOL(0.035, 0.04), 0);
                } else {
                    CHECK_NEAR(got, 0, DGT_TOL(1e-24, 1e-12) + 1e-6 * exact * exact);
                }
            }
        }
}

/* After warm-up the optimal per-coordinate baseline leaves at most 1/100 of plain REINFORCE's
   variance on the toy (its closed-form variance is 0; what remains is the baseline's own
   estimation noise from the running sums). */
static void score_optimal_baseline_cuts_toy_variance(void)
{
    static const double ts[3] = {0.45, 0.49, 0.499};
    static const double phis[2] = {0.0, -1.0986122886681098};
    static dg_estimator e;
    int i, j;
    for (i = 0; i < 3; ++i)
        for (j = 0; j < 2; ++j) {
            dg_real phi = (dg_real)phis[j], g;
            dg_problem p = dgt_problem(DG_BERNOULLI, 1, 0, &phi, sc_toy_f, NULL, NULL);
            dg_config c = sc_config(DG_REINFORCE, DG_BASELINE_OPTIMAL, 1, 5 + (uint64_t)(2 * i + j));
            double pr = dgt_sigmoid(phis[j]), exact = (1 - 2 * ts[i]) * pr * (1 - pr), se, got;
            double plain = sc_toy_closed_var(SC_REINFORCE, ts[i], pr);
            int t;
            sc_toy_t = ts[i];
            CHECK_INT(dgt_init(&e, &c), DG_OK);
            for (t = 0; t < 200; ++t) CHECK_INT(dg_estimate(&e, &p, &g, NULL), DG_OK);
            got = sc_toy_spread(&e, &p, exact, 40000, &se);
            CHECK(got + 4 * se <= plain / 100);
        }
}

/* ---- learned baselines against plain REINFORCE on multi-dimensional problems ------------- */

/* Sum over coordinates of the variance of N estimates after `warm` steps. When fit_input is
   set, the caller's b(x) follows the returned learning signal by SGD, as an NVIL caller does. */
static double sc_total_var(dg_config c, dg_problem p, long warm, long N, int fit_input)
{
    static dg_estimator e;
    static dg_stats st;
    dg_real g[DG_MAX_DIM];
    dg_info info;
    int i, n = p.kind == DG_BERNOULLI ? p.D : p.D * p.K;
    long t;
    double total = 0;
    if (c.baseline == DG_BASELINE_CV) sc_use_cv(&p);
    CHECK_INT(dgt_init(&e, &c), DG_OK);
    dg_stats_init(&st, n);
    for (t = 0; t < warm + N; ++t) {
        if (dg_estimate(&e, &p, g, &info) != DG_OK) { CHECK(!"dg_estimate failed"); return 0; }
        if (fit_input) p.baseline_input += (dg_real)0.05 * info.learning_signal;
        if (t >= warm) dg_stats_push(&st, g);
    }
    for (i = 0; i < n; ++i) total += dg_stats_var(&st, i);
    return total;
}

static void score_learned_baselines_beat_plain_reinforce(void)
{
    int i;
    for (i = 2; i < 8; i += 3) { /* one Bernoulli D = 5 and one categorical 3 x 4 problem */
        dg_problem p = sc_problem(i);
        long warm = 300, N = 20000;
        double plain1 = sc_total_var(sc_config(DG_REINFORCE, DG_BASELINE_NONE, 1, 9), p, warm, N, 0);
        double plain4 = sc_total_var(sc_config(DG_REINFORCE, DG_BASELINE_NONE, 4, 9), p, warm, N, 0);
        double ema = sc_total_var(sc_config(DG_REINFORCE, DG_BASELINE_EMA, 1, 9), p, warm, N, 0);
        double opt1 = sc_total_var(sc_config(DG_REINFORCE, DG_BASELINE_OPTIMAL, 1, 9), p, warm, N, 0);
        double opt4 = sc_total_var(sc_config(DG_REINFORCE, DG_BASELINE_OPTIMAL, 4, 9), p, warm, N, 0);
        double nvil = sc_total_var(sc_config(DG_REINFORCE, DG_BASELINE_INPUT, 1, 9), p, warm, N, 1);
        double rloo = sc_total_var(sc_config(DG_RLOO, DG_BASELINE_NONE, 4, 9), p, warm, N, 0);
        printf("  problem %d total variance: plain %.4g (4 draws %.4g), EMA %.4g, optimal %.4g "
               "(4 draws %.4g), NVIL %.4g, RLOO-4 %.4g\n",
               i, plain1, plain4, ema, opt1, opt4, nvil, rloo);
        CHECK(ema < 0.25 * plain1);
        CHECK(opt1 < 0.25 * plain1);
        CHECK(nvil < 0.25 * plain1);
        CHECK(opt4 < 0.25 * plain4);
        CHECK(rloo < 0.25 * plain4);
    }
}

/* ---- baselines' exact behaviour ----------------------------------------------------------- */

/* With no earlier calls, draw m's optimal baseline is built from the other draw only: with two
   draws c_i = f(other) in every coordinate, which is RLOO with two samples; with one draw it
   falls back to 0, plain REINFORCE. */
static void score_optimal_first_call_matches_rloo(void)
{
    static dg_estimator a, b;
    int i, k, n;
    for (i = 0; i < 8; ++i) {
        dg_problem p = sc_problem(i);
        dg_real ga[DG_MAX_DIM], gb[DG_MAX_DIM];
        dg_config ca = sc_config(DG_REINFORCE, DG_BASELINE_OPTIMAL, 2, 31), cb = sc_config(DG_RLOO, DG_BASELINE_NONE, 2, 31);
        n = p.kind == DG_BERNOULLI ? p.D : p.D * p.K;
        for (k = 0; k < 20; ++k) {
            ca.seed = cb.seed = 31 + (uint64_t)k;
            dgt_init(&a, &ca);
            dgt_init(&b, &cb);
            CHECK_INT(dg_estimate(&a, &p, ga, NULL), DG_OK);
            CHECK_INT(dg_estimate(&b, &p, gb, NULL), DG_OK);
            {
                int j;
                for (j = 0; j < n; ++j) CHECK_NEAR(ga[j], gb[j], DGT_TOL(1e-12, 1e-5));
            }
        }
        ca.samples = 1;
        cb = sc_config(DG_REINFORCE, DG_BASELINE_NONE, 1, 31);
        ca.seed = 31;
        dgt_init(&a, &ca);
        dgt_init(&b, &cb);
        CHECK_INT(dg_estimate(&a, &p, ga, NULL), DG_OK);
        CHECK_INT(dg_estimate(&b, &p, gb, NULL), DG_OK);
        for (k = 0; k < n; ++k) CHECK_NEAR(ga[k], gb[k], 0);
    }
}

/* A counting objective: f of the toy that records every value it returns. */
typedef struct { int calls; double sum; double cv_sum; } sc_counter;
static dg_real sc_count_f(const dg_real *z, void *user)
{
    sc_counter *c = (sc_counter *)user;
    dg_real v = (dg_real)(1.5 + z[0] - 2 * z[1] + 0.5 * z[2] * z[0]);
    c->calls++;
    c->sum += (double)v;
    return v;
}
static dg_real sc_count_cv(const dg_real *z, void *user)
{
    sc_counter *c = (sc_counter *)user;
    dg_real v = (dg_real)(0.5 * z[0] - z[1]);
    c->cv_sum += (double)v;
    return v;
}
static void sc_count_cv_grad(const dg_real *logits, dg_real *grad, void *user)
{
    double p0 = dgt_sigmoid((double)logits[0]), p1 = dgt_sigmoid((double)logits[1]);
    (void)user;
    grad[0] = (dg_real)(0.5 * p0 * (1 - p0));
    grad[1] = (dg_real)(-p1 * (1 - p1));
    grad[2] = 0;
}

/* A counting categorical objective, D = 2, K = 3. */
static dg_real sc_count_cat(const dg_real *z, void *user)
{
    sc_counter *c = (sc_counter *)user;
    dg_real v = (dg_real)(0.5 + z[0] - 2 * z[4] + 0.75 * z[2] * z[5]);
    c->calls++;
    c->sum += (double)v;
    return v;
}

/* info: f_evals, grad_evals, f_mean and the baseline used, for every method and baseline. */
static void score_info_reports_counts_and_baselines(void)
{
    static dg_estimator e;
    static const struct { dg_method m; dg_baseline b; int samples, evals_per; } cases[] = {
        {DG_REINFORCE, DG_BASELINE_NONE, 3, 1}, {DG_REINFORCE, DG_BASELINE_CONSTANT, 3, 1},
        {DG_REINFORCE, DG_BASELINE_EMA, 3, 1}, {DG_REINFORCE, DG_BASELINE_OPTIMAL, 3, 1},
        {DG_REINFORCE, DG_BASELINE_INPUT, 3, 1}, {DG_REINFORCE, DG_BASELINE_CV, 3, 1},
        {DG_RLOO, DG_BASELINE_NONE, 5, 1}, {DG_ARM, DG_BASELINE_NONE, 3, 2},
        {DG_DISARM, DG_BASELINE_NONE, 4, 2}};
    dg_real logits[3] = {0.2, -0.7, 1.1}, g[3];
    sc_counter cnt;
    dg_problem p = dgt_problem(DG_BERNOULLI, 3, 0, logits, sc_count_f, NULL, &cnt);
    size_t i;
    p.cv = sc_count_cv;
    p.cv_mean_grad = sc_count_cv_grad;
    p.baseline_input = (dg_real)0.625;
    for (i = 0; i < sizeof cases / sizeof cases[0]; ++i) {
        dg_config c = sc_config(cases[i].m, cases[i].b, cases[i].samples, 3);
        dg_info info;
        double prev_mean = 0;
        int step;
        c.baseline_value = (dg_real)-0.25;
        c.ema_decay = (dg_real)0.5;
        CHECK_INT(dgt_init(&e, &c), DG_OK);
        for (step = 0; step < 3; ++step) {
            double fm;
            memset(&cnt, 0, sizeof cnt);
            memset(&info, 0x5A, sizeof info);
            CHECK_INT(dg_estimate(&e, &p, g, &info), DG_OK);
            CHECK_INT(cnt.calls, cases[i].samples * cases[i].evals_per);
            CHECK_INT(info.f_evals, cnt.calls);
            CHECK_INT(info.grad_evals, 0);
            fm = cnt.sum / cnt.calls;
            CHECK_NEAR(info.f_mean, fm, DGT_TOL(1e-12, 1e-5));
            switch (cases[i].m == DG_REINFORCE ? (int)cases[i].b : -1) {
            case DG_BASELINE_NONE: CHECK_NEAR(info.baseline, 0, 0); break;
            case DG_BASELINE_CONSTANT: CHECK_NEAR(info.baseline, -0.25, 0); break;
            case DG_BASELINE_EMA:
                /* 0 before any step, then the first mean, then decay 0.5 */
                CHECK_NEAR(info.baseline, prev_mean, DGT_TOL(1e-12, 1e-5));
                prev_mean = step == 0 ? fm : 0.5 * prev_mean + 0.5 * fm;
                break;
            case DG_BASELINE_INPUT:
                CHECK_NEAR(info.baseline, 0.625, 0);
                CHECK_NEAR(info.learning_signal, fm - 0.625, DGT_TOL(1e-12, 1e-5));
                break;
            case DG_BASELINE_CV:
                CHECK_NEAR(info.baseline, cnt.cv_sum / cases[i].samples, DGT_TOL(1e-12, 1e-5));
                break;
            case DG_BASELINE_OPTIMAL: /* a weighted average of f values: inside their range */
                CHECK(info.baseline >= -0.5 - 1e-6 && info.baseline <= 3.0 + 1e-6);
                break;
            default:
                if (cases[i].m == DG_RLOO) CHECK_NEAR(info.baseline, fm, DGT_TOL(1e-12, 1e-5));
                else CHECK_NEAR(info.baseline, 0, 0);
            }
        }
    }
    /* categorical ARM (ARS): between 1 and K f-calls per draw, all counted and averaged */
    {
        dg_real cl[6] = {0.3, -0.2, 0.5, 1.0, 0.0, -0.4}, cg[6];
        dg_problem q = dgt_problem(DG_CATEGORICAL, 2, 3, cl, sc_count_cat, NULL, &cnt);
        dg_config c = sc_config(DG_ARM, DG_BASELINE_NONE, 5, 3);
        dg_info info;
        int step, more = 0;
        CHECK_INT(dgt_init(&e, &c), DG_OK);
        for (step = 0; step < 20; ++step) {
            memset(&cnt, 0, sizeof cnt);
            CHECK_INT(dg_estimate(&e, &q, cg, &info), DG_OK);
            CHECK_INT(info.f_evals, cnt.calls);
            CHECK(cnt.calls >= 5 && cnt.calls <= 15);
            more |= cnt.calls > 5;
            CHECK_INT(info.grad_evals, 0);
            CHECK_NEAR(info.f_mean, cnt.sum / cnt.calls, DGT_TOL(1e-12, 1e-5));
            CHECK_NEAR(info.baseline, 0, 0);
        }
        CHECK(more); /* swaps that change the sample were evaluated */
    }
}

/* NVIL normalisation: the estimate is the unnormalised one divided by max(1, running std of the
   learning signal), the running moments following the documented rule; direction unchanged. */
static dg_real sc_big_f(const dg_real *z, void *user) { return 12 * dgt_f_bern3(z, user); }
static void score_input_normalize_divides_by_running_std(void)
{
    static dg_estimator a, b;
    dg_real logits[3] = {0.3, -1.2, 0.8}, ga[3], gb[3];
    dg_problem p = dgt_problem(DG_BERNOULLI, 3, 0, logits, sc_big_f, NULL, NULL);
    dg_config ca = sc_config(DG_REINFORCE, DG_BASELINE_INPUT, 1, 8), cb = ca;
    double mean = 0, var = 0, beta = 0.9, max_scale = 1;
    int t, k;
    ca.normalize = 1;
    dgt_init(&a, &ca);
    dgt_init(&b, &cb);
    p.baseline_input = (dg_real)1.5;
    for (t = 0; t < 200; ++t) {
        dg_info ia, ib;
        double scale = t > 0 && var > 1 ? sqrt(var) : 1, l;
        CHECK_INT(dg_estimate(&a, &p, ga, &ia), DG_OK);
        CHECK_INT(dg_estimate(&b, &p, gb, &ib), DG_OK);
        for (k = 0; k < 3; ++k) CHECK_NEAR(ga[k] * scale, gb[k], DGT_TOL(1e-10, 1e-4) * (1 + fabs(gb[k])));
        CHECK_NEAR(ia.learning_signal, ib.learning_signal, 0); /* reported before normalisation */
        l = ia.learning_signal;
        if (t == 0) { mean = l; var = 0; }
        else { double dm = l - mean; var = beta * var + (1 - beta) * dm * dm; mean = beta * mean + (1 - beta) * l; }
        if (scale > max_scale) max_scale = scale;
    }
    CHECK(max_scale > 2); /* the division was exercised */
}

/* ---- errors ------------------------------------------------------------------------------- */

static int sc_untouched(const dg_real *x, int n)
{
    int i;
    for (i = 0; i < n; ++i) if (!(x[i] == SC_SENTINEL)) return 0;
    return 1;
}

static void score_errors_unsupported_and_invalid(void)
{
    static dg_estimator e;
    dg_real logits[6] = {0.1, 0.2, 0.3, -0.1, 0.5, 0.0}, g[6];
    dg_problem cat = dgt_problem(DG_CATEGORICAL, 2, 3, logits, dgt_f_cat23, NULL, NULL);
    dg_problem bern = dgt_problem(DG_BERNOULLI, 3, 0, logits, dgt_f_bern3, NULL, NULL);
    dg_info info;
    int i;
    dg_config c;
    /* DisARM: Bernoulli only */
    c = sc_config(DG_DISARM, DG_BASELINE_NONE, 0, 1);
    CHECK_INT(dgt_init(&e, &c), DG_OK);
    for (i = 0; i < 6; ++i) g[i] = SC_SENTINEL;
    info.f_evals = 99;
    CHECK_INT(dg_estimate(&e, &cat, g, &info), DG_EUNSUPPORTED);
    CHECK(sc_untouched(g, 6));
    CHECK_INT(info.f_evals, 99);
    CHECK_INT(e.steps, 0);
    /* RLOO needs two samples */
    c = sc_config(DG_RLOO, DG_BASELINE_NONE, 1, 1);
    CHECK_INT(dgt_init(&e, &c), DG_EINVAL);
    /* DG_BASELINE_CV without its callbacks */
    c = sc_config(DG_REINFORCE, DG_BASELINE_CV, 2, 1);
    CHECK_INT(dgt_init(&e, &c), DG_OK);
    for (i = 0; i < 3; ++i) {
        dg_problem q = bern;
        int k;
        sc_use_cv(&q);
        if (i == 0) q.cv = NULL;
        if (i == 1) q.cv_mean_grad = NULL;
        if (i == 2) q.cv = NULL, q.cv_mean_grad = NULL;
        for (k = 0; k < 3; ++k) g[k] = SC_SENTINEL;
        CHECK_INT(dg_estimate(&e, &q, g, &info), DG_EINVAL);
        CHECK(sc_untouched(g, 3));
    }
    /* DG_BASELINE_INPUT with a b(x) that is not finite */
    c = sc_config(DG_REINFORCE, DG_BASELINE_INPUT, 1, 1);
    CHECK_INT(dgt_init(&e, &c), DG_OK);
    {
        dg_problem q = bern;
        int k;
        for (k = 0; k < 3; ++k) g[k] = SC_SENTINEL;
        q.baseline_input = (dg_real)NAN;
        CHECK_INT(dg_estimate(&e, &q, g, &info), DG_EDOMAIN);
        q.baseline_input = (dg_real)INFINITY;
        CHECK_INT(dg_estimate(&e, &q, g, &info), DG_EDOMAIN);
        CHECK(sc_untouched(g, 3));
    }
}

/* f that fails once armed, from the second evaluation of the call on, after a draw has been
   accumulated: mode 1 NaN, 2 inf, 3 a finite value near the largest one, so that sums overflow
   (alternating in sign with sc_fail_alternate, so that the antithetic differences overflow). */
static int sc_fail_mode, sc_fail_count, sc_fail_alternate;
#define SC_HUGE ((dg_real)(0.9 * (DGT_FLOAT ? 3.4e38 : 1.7e308)))
static dg_real sc_failing_f(const dg_real *z, void *user)
{
    dg_real v = dgt_f_bern3(z, user);
    if (sc_fail_mode && ++sc_fail_count >= 2) {
        if (sc_fail_mode == 1) return (dg_real)NAN;
        if (sc_fail_mode == 2) return (dg_real)INFINITY;
        return sc_fail_alternate && (sc_fail_count & 1) ? -SC_HUGE : SC_HUGE;
    }
    return v;
}
static dg_real sc_failing_cat(const dg_real *z, void *user)
{
    dg_real v = dgt_f_cat23(z, user);
    if (sc_fail_mode && ++sc_fail_count >= 2) return sc_fail_mode == 1 ? (dg_real)NAN : (dg_real)INFINITY;
    return v;
}
static int sc_cv_fail;
static dg_real sc_failing_cv(const dg_real *z, void *user)
{
    return sc_cv_fail == 1 ? (dg_real)NAN : sc_cv(z, user);
}
static void sc_failing_cv_grad(const dg_real *logits, dg_real *grad, void *user)
{
    sc_cv_mean_grad(logits, grad, user);
    if (sc_cv_fail == 2) grad[1] = (dg_real)INFINITY;
}

/* A failing call returns DG_EDOMAIN and leaves grad, info and the learned state as they were,
   after the state has been built up by earlier successful calls. */
static void score_errors_leave_state_untouched(void)
{
    static dg_estimator e;
    static dg_sf_state before;
    static const struct { dg_method m; dg_baseline b; int normalize; } cases[] = {
        {DG_REINFORCE, DG_BASELINE_NONE, 0}, {DG_REINFORCE, DG_BASELINE_EMA, 0},
        {DG_REINFORCE, DG_BASELINE_OPTIMAL, 0}, {DG_REINFORCE, DG_BASELINE_INPUT, 1},
        {DG_REINFORCE, DG_BASELINE_CV, 0}, {DG_RLOO, DG_BASELINE_NONE, 0},
        {DG_ARM, DG_BASELINE_NONE, 0}, {DG_DISARM, DG_BASELINE_NONE, 0}};
    dg_real logits[3] = {0.3, -1.2, 0.8}, g[3];
    dg_problem p = dgt_problem(DG_BERNOULLI, 3, 0, logits, sc_failing_f, NULL, NULL);
    size_t i;
    int mode, k, t;
    sc_use_cv(&p);
    p.cv = sc_failing_cv;
    p.cv_mean_grad = sc_failing_cv_grad;
    p.baseline_input = (dg_real)0.3;
    for (i = 0; i < sizeof cases / sizeof cases[0]; ++i)
        for (mode = 1; mode <= 5; ++mode) {
            dg_config c = sc_config(cases[i].m, cases[i].b, 3, 4);
            dg_info info;
            long steps;
            if (mode >= 4 && cases[i].b != DG_BASELINE_CV) continue;
            c.normalize = cases[i].normalize;
            CHECK_INT(dgt_init(&e, &c), DG_OK);
            sc_fail_alternate = cases[i].m == DG_ARM || cases[i].m == DG_DISARM;
            sc_fail_mode = 0;
            sc_cv_fail = 0;
            for (t = 0; t < 5; ++t) CHECK_INT(dg_estimate(&e, &p, g, NULL), DG_OK);
            memcpy(&before, &e.sf, sizeof before);
            steps = e.steps;
            for (k = 0; k < 3; ++k) g[k] = SC_SENTINEL;
            memset(&info, 0x5A, sizeof info);
            if (mode <= 3) { sc_fail_mode = mode; sc_fail_count = 0; }
            else sc_cv_fail = mode - 3;
            CHECK_INT(dg_estimate(&e, &p, g, &info), DG_EDOMAIN);
            sc_fail_mode = 0;
            sc_cv_fail = 0;
            CHECK(sc_untouched(g, 3));
            CHECK_INT(info.f_evals, 0x5A5A5A5A);
            CHECK(memcmp(&before, &e.sf, sizeof before) == 0);
            CHECK_INT(e.steps, steps);
        }
    /* categorical ARM (ARS): a failing evaluation among the swaps */
    for (mode = 1; mode <= 2; ++mode) {
        dg_real cl[6] = {0.3, -0.2, 0.5, 1.0, 0.0, -0.4}, cg[6];
        dg_problem q = dgt_problem(DG_CATEGORICAL, 2, 3, cl, sc_failing_cat, NULL, NULL);
        dg_config c = sc_config(DG_ARM, DG_BASELINE_NONE, 4, 4);
        dg_info info;
        CHECK_INT(dgt_init(&e, &c), DG_OK);
        for (k = 0; k < 6; ++k) cg[k] = SC_SENTINEL;
        memset(&info, 0x5A, sizeof info);
        sc_fail_mode = mode;
        sc_fail_count = 0;
        CHECK_INT(dg_estimate(&e, &q, cg, &info), DG_EDOMAIN);
        sc_fail_mode = 0;
        CHECK(sc_untouched(cg, 6));
        CHECK_INT(info.f_evals, 0x5A5A5A5A);
        CHECK_INT(e.steps, 0);
    }
    /* huge values whose sum overflows but whose differences do not: the antithetic estimates
       stay finite, and so does the mean of f they report */
    for (i = 0; i < 2; ++i) {
        dg_config c = sc_config(i ? DG_DISARM : DG_ARM, DG_BASELINE_NONE, 3, 4);
        dg_info info;
        CHECK_INT(dgt_init(&e, &c), DG_OK);
        sc_fail_alternate = 0;
        sc_fail_mode = 3;
        sc_fail_count = 1;
        CHECK_INT(dg_estimate(&e, &p, g, &info), DG_OK);
        sc_fail_mode = 0;
        CHECK_NEAR(info.f_mean, SC_HUGE, DGT_TOL(1e-12, 1e-5) * SC_HUGE);
        for (k = 0; k < 3; ++k) CHECK_NEAR(g[k], 0, 0);
    }
}

/* ---- determinism -------------------------------------------------------------------------- */

/* The same seed gives bit-identical estimates, and a copy of an estimator (rng and learned
   state) continues exactly as the original. */
static void score_same_seed_and_copy_are_bit_identical(void)
{
    static dg_estimator a, b, copy;
    static const struct { dg_method m; dg_baseline b; int normalize; } cases[] = {
        {DG_REINFORCE, DG_BASELINE_EMA, 0}, {DG_REINFORCE, DG_BASELINE_OPTIMAL, 0},
        {DG_REINFORCE, DG_BASELINE_INPUT, 1}, {DG_RLOO, DG_BASELINE_NONE, 0},
        {DG_ARM, DG_BASELINE_NONE, 0}, {DG_DISARM, DG_BASELINE_NONE, 0}};
    size_t i;
    int j, t;
    for (i = 0; i < sizeof cases / sizeof cases[0]; ++i)
        for (j = 0; j < 8; j += 2) {
            dg_problem p = sc_problem(j + 1);
            dg_real ga[DG_MAX_DIM], gb[DG_MAX_DIM], gc[DG_MAX_DIM];
            dg_config c = sc_config(cases[i].m, cases[i].b, 3, 99);
            int n = p.kind == DG_BERNOULLI ? p.D : p.D * p.K, same = 1;
            if (p.kind != DG_BERNOULLI && cases[i].m == DG_DISARM) continue;
            c.normalize = cases[i].normalize;
            p.baseline_input = (dg_real)0.7;
            dgt_init(&a, &c);
            dgt_init(&b, &c);
            for (t = 0; t < 30; ++t) {
                CHECK_INT(dg_estimate(&a, &p, ga, NULL), DG_OK);
                CHECK_INT(dg_estimate(&b, &p, gb, NULL), DG_OK);
                same &= memcmp(ga, gb, (size_t)n * sizeof ga[0]) == 0;
            }
            dgt_copy(&copy, &a);
            for (t = 0; t < 30; ++t) {
                CHECK_INT(dg_estimate(&a, &p, ga, NULL), DG_OK);
                CHECK_INT(dg_estimate(&copy, &p, gc, NULL), DG_OK);
                same &= memcmp(ga, gc, (size_t)n * sizeof ga[0]) == 0;
            }
            CHECK(same);
        }
}

/* Logits of +-1e4 (and a moderate one beside them): every method returns finite estimates and
   the saturated coordinates, whose exact gradient is 0 to double precision, come out exactly 0
   (ARM's only on average: each draw weighs every coordinate by u_d - 1/2). */
static void score_extreme_logits_stay_finite(void)
{
    static dg_estimator e;
    static const dg_method ms[4] = {DG_REINFORCE, DG_RLOO, DG_ARM, DG_DISARM};
    dg_real bl[3] = {1e4, -1e4, 0.3}, cl[6] = {1e4, 0, -1e4, 0.2, -0.1, 0.4}, g[6];
    int m, b, k, kind;
    for (kind = 0; kind < 2; ++kind)
        for (m = 0; m < 4; ++m)
            for (b = DG_BASELINE_NONE; b <= DG_BASELINE_CV; ++b) {
                dg_problem p = kind ? dgt_problem(DG_CATEGORICAL, 2, 3, cl, dgt_f_cat23, NULL, NULL)
                                    : dgt_problem(DG_BERNOULLI, 3, 0, bl, dgt_f_bern3, NULL, NULL);
                dg_config c = sc_config(ms[m], (dg_baseline)b, 3, 12);
                int t, n = kind ? 6 : 3, ok = 1;
                if (ms[m] != DG_REINFORCE && b != DG_BASELINE_NONE) continue;
                if (kind && ms[m] == DG_DISARM) continue;
                sc_use_cv(&p);
                CHECK_INT(dgt_init(&e, &c), DG_OK);
                for (t = 0; t < 50; ++t) {
                    CHECK_INT(dg_estimate(&e, &p, g, NULL), DG_OK);
                    for (k = 0; k < n; ++k) ok &= g[k] - g[k] == 0;
                    if (ms[m] == DG_ARM) continue; /* its (u_d - 1/2) weight is 0 only on average */
                    if (kind) for (k = 0; k < 3; ++k) ok &= g[k] == 0;
                    else for (k = 0; k < 2; ++k) ok &= g[k] == 0;
                }
                CHECK(ok);
            }
}

static void register_score(void)
{
    DGT_ADD(score_reinforce_unbiased_no_baseline);
    DGT_ADD(score_reinforce_unbiased_constant);
    DGT_ADD(score_reinforce_unbiased_ema);
    DGT_ADD(score_reinforce_unbiased_optimal_one_draw);
    DGT_ADD(score_reinforce_unbiased_optimal_leave_one_out);
    DGT_ADD(score_reinforce_unbiased_input);
    DGT_ADD(score_reinforce_unbiased_cv);
    DGT_ADD(score_rloo_unbiased);
    DGT_ADD(score_antithetic_unbiased);
    DGT_ADD(score_arm_categorical_unbiased);
#ifndef DGT_SEPARATE_IMPL
    DGT_ADD(score_ars_swaps_match_full_scan);
#endif
    DGT_ADD(score_toy_variances_match_closed_forms);
    DGT_ADD(score_optimal_baseline_cuts_toy_variance);
    DGT_ADD(score_learned_baselines_beat_plain_reinforce);
    DGT_ADD(score_optimal_first_call_matches_rloo);
    DGT_ADD(score_info_reports_counts_and_baselines);
    DGT_ADD(score_input_normalize_divides_by_running_std);
    DGT_ADD(score_errors_unsupported_and_invalid);
    DGT_ADD(score_errors_leave_state_untouched);
    DGT_ADD(score_same_seed_and_copy_are_bit_identical);
    DGT_ADD(score_extreme_logits_stay_finite);
}
