/* Tests of the control-variate estimators DG_MUPROP, DG_REBAR and DG_RELAX: unbiasedness against
   enumeration, variances against closed forms and REINFORCE, tuning, the RELAX paper's toy, and
   every error path. */
#include "common.h"

#define CV_SENTINEL ((dg_real)-777.25)

static int cv_bern_D = 4; /* user data of dgt_f_bern_exp */

/* The eight problems of the unbiasedness checks: both kinds, two nonlinear objectives each, two
   logit settings each. */
static const dg_real cv_bern_logits[2][4] = {{0.3, -0.8, 1.2, 0.1}, {-1.5, 2.0, -0.2, 0.7}};
static const dg_real cv_cat23_logits[2][6] = {{0.2, -0.4, 1.0, -1.5, 0.3, 0.8},
                                              {1.5, -1.0, 0.0, 0.4, 0.4, -2.0}};
static const dg_real cv_cat34_logits[2][12] = {{0.1, 0.5, -0.3, 0.2, 0, 0.4, -0.6, 1, 0.3, -0.2, 0.1, 0},
                                               {-1, 1.2, 0.3, 0, 2, -0.5, 0.5, 0.1, -0.7, 0.9, 0, 0.4}};

static dg_problem cv_case(int which)
{
    int s = which & 1;
    switch (which >> 1) {
    case 0: return dgt_problem(DG_BERNOULLI, 3, 0, cv_bern_logits[s], dgt_f_bern3, dgt_f_bern3_grad, NULL);
    case 1: return dgt_problem(DG_BERNOULLI, 4, 0, cv_bern_logits[s], dgt_f_bern_exp, dgt_f_bern_exp_grad, &cv_bern_D);
    case 2: return dgt_problem(DG_CATEGORICAL, 2, 3, cv_cat23_logits[s], dgt_f_cat23, dgt_f_cat23_grad, NULL);
    default: return dgt_problem(DG_CATEGORICAL, 3, 4, cv_cat34_logits[s], dgt_f_cat34, dgt_f_cat34_grad, NULL);
    }
}

static dg_config cv_config(dg_method m, int tune, uint64_t seed)
{
    dg_config c;
    memset(&c, 0, sizeof c);
    c.method = m;
    c.tune = tune;
    c.seed = seed;
    return c;
}

/* Every one of the eight problems, N[which] draws each: enough that a 10% error in any coordinate
   shows (DGT_CHECK_UNBIASED fails otherwise). */
static void cv_unbiased_all(dg_method m, int tune, const long *N)
{
    int which;
    for (which = 0; which < 8; ++which) {
        dg_problem p = cv_case(which);
        dg_config c = cv_config(m, tune, 100 + (uint64_t)which);
        if (DGT_CHECK_UNBIASED(&c, &p, N[which], 4.5)) printf("  (problem %d)\n", which);
    }
}

static const long cv_n_muprop[8] = {110000, 30000, 30000, 30000, 130000, 170000, 65000, 40000};
static const long cv_n_rebar[8] = {150000, 30000, 30000, 50000, 60000, 30000, 75000, 65000};

static void cv_muprop_unbiased(void) { cv_unbiased_all(DG_MUPROP, 0, cv_n_muprop); }
static void cv_rebar_unbiased(void) { cv_unbiased_all(DG_REBAR, 0, cv_n_rebar); }
static void cv_rebar_tuned_unbiased(void) { cv_unbiased_all(DG_REBAR, 1, cv_n_rebar); }
static void cv_relax_tuned_unbiased(void) { cv_unbiased_all(DG_RELAX, 1, cv_n_rebar); }

/* Several draws per call average to the same mean. */
static void cv_samples_unbiased(void)
{
    static const dg_method ms[3] = {DG_MUPROP, DG_REBAR, DG_RELAX};
    int i;
    for (i = 0; i < 3; ++i) {
        dg_problem p = cv_case(i == 0 ? 1 : i == 1 ? 2 : 7);
        dg_config c = cv_config(ms[i], i > 0, 7);
        c.samples = 5;
        DGT_CHECK_UNBIASED(&c, &p, 15000, 4.5);
    }
}

/* --- the one-bit toys of docs/math.md: f(b) = k + (b - t)^2 ---------------------------------- */
static double cv_toy_t, cv_toy_k;
static dg_real cv_toy_f(const dg_real *z, void *u) { (void)u; return cv_toy_k + (z[0] - cv_toy_t) * (z[0] - cv_toy_t); }
static dg_real cv_toy_grad(const dg_real *z, dg_real *dz, void *u)
{
    dz[0] = 2 * (z[0] - cv_toy_t);
    return cv_toy_f(z, u);
}

/* Closed-form single-draw variance of REINFORCE, E[(f s)^2] - g^2, for one bit. */
static double cv_reinforce_var(double phi)
{
    double p = dgt_sigmoid(phi), f0 = cv_toy_k + cv_toy_t * cv_toy_t;
    double f1 = cv_toy_k + (1 - cv_toy_t) * (1 - cv_toy_t), g = (f1 - f0) * p * (1 - p);
    return p * (f1 * (1 - p)) * (f1 * (1 - p)) + (1 - p) * (f0 * p) * (f0 * p) - g * g;
}

/* The variance of N single draws of e on p, the estimator itself left as it was (a copy is
   drawn from, with tuning off, so the variance is that of the current parameters). */
static double cv_var_now(const dg_estimator *e, const dg_problem *p, long N, double *sem_out)
{
    static dg_estimator probe;
    static dg_stats st;
    dg_real g[DG_MAX_DIM];
    int n = p->kind == DG_BERNOULLI ? p->D : p->D * p->K, i;
    long t;
    double v = 0;
    dgt_copy(&probe, e);
    probe.cfg.tune = 0;
    dg_stats_init(&st, n);
    for (t = 0; t < N; ++t) {
        if (dg_estimate(&probe, p, g, NULL) != DG_OK) return -1;
        dg_stats_push(&st, g);
    }
    for (i = 0; i < n; ++i) v += dg_stats_var(&st, i);
    if (sem_out) *sem_out = n == 1 ? dg_stats_sem(&st, 0) : 0;
    return v;
}

/* MuProp on one bit of a quadratic: f(b) - f(p) - f'(p)(b - p) = (b - p)^2 exactly, so
   g = (b - p)^3 + p(1 - p) f'(p) and Var g = E(b - p)^6 - (E(b - p)^3)^2. */
static void cv_muprop_variance_closed_form(void)
{
    static dg_estimator e;
    dg_real phi = 0.5;
    dg_problem p = dgt_problem(DG_BERNOULLI, 1, 0, &phi, cv_toy_f, cv_toy_grad, NULL);
    dg_config c = cv_config(DG_MUPROP, 0, 3);
    double pr = dgt_sigmoid(0.5), m3 = pr * pow(1 - pr, 3) - (1 - pr) * pow(pr, 3);
    double m6 = pr * pow(1 - pr, 6) + (1 - pr) * pow(pr, 6), want = m6 - m3 * m3, v;
    long N = 200000;
    cv_toy_t = 0.45;
    cv_toy_k = 3;
    CHECK_INT(dgt_init(&e, &c), DG_OK);
    v = cv_var_now(&e, &p, N, NULL);
    /* the sample variance's standard error: sqrt((mu4 - var^2)/N); mu4 <= E(b-p)^12 bounds it */
    CHECK_NEAR(v, want, 4.5 * sqrt((pr * pow(1 - pr, 12) + (1 - pr) * pow(pr, 12)) / (double)N));
}

/* docs/math.md / issue: on f(b) = 3 + (b - .45)^2 at phi = .5 REINFORCE's variance is about 2.47;
   REBAR (eta 1, tau .5) and tuned RELAX must each be at most a tenth of it. */
static void cv_rebar_relax_variance_vs_reinforce(void)
{
    static dg_estimator e;
    dg_real phi = 0.5, g;
    dg_problem p = dgt_problem(DG_BERNOULLI, 1, 0, &phi, cv_toy_f, cv_toy_grad, NULL);
    dg_config c = cv_config(DG_REBAR, 0, 5);
    double rf, v_rebar, v_relax;
    int t;
    cv_toy_t = 0.45;
    cv_toy_k = 3;
    rf = cv_reinforce_var(0.5);
    CHECK_NEAR(rf, 2.467, 0.001);
    c.eta = 1;
    c.tau = 0.5;
    CHECK_INT(dgt_init(&e, &c), DG_OK);
    v_rebar = cv_var_now(&e, &p, 50000, NULL);
    c = cv_config(DG_RELAX, 1, 6);
    CHECK_INT(dgt_init(&e, &c), DG_OK);
    for (t = 0; t < 2000; ++t) CHECK_INT(dg_estimate(&e, &p, &g, NULL), DG_OK);
    v_relax = cv_var_now(&e, &p, 50000, NULL);
    printf("  f = 3 + (b-.45)^2, phi = .5: variance REINFORCE %.4g, REBAR %.4g, RELAX tuned %.4g\n",
           rf, v_rebar, v_relax);
    CHECK(v_rebar >= 0 && v_rebar <= 0.1 * rf);
    CHECK(v_relax >= 0 && v_relax <= 0.1 * rf);
}

/* On (b - .45)^2 at phi = 0, eta = 1 is worse than REINFORCE (plain REBAR's 0.0226 against
   0.01594); tuning must bring REBAR to within 10% of REINFORCE. */
static void cv_rebar_tuning_finds_reinforce(void)
{
    static dg_estimator e;
    dg_real phi = 0, g;
    dg_problem p = dgt_problem(DG_BERNOULLI, 1, 0, &phi, cv_toy_f, cv_toy_grad, NULL);
    dg_config c = cv_config(DG_REBAR, 0, 8);
    double rf, v_fixed, v_tuned;
    dg_info info;
    int t;
    cv_toy_t = 0.45;
    cv_toy_k = 0;
    rf = cv_reinforce_var(0);
    CHECK_NEAR(rf, 1.594e-2, 1e-5);
    CHECK_INT(dgt_init(&e, &c), DG_OK);
    v_fixed = cv_var_now(&e, &p, 100000, NULL);
    c.tune = 1;
    CHECK_INT(dgt_init(&e, &c), DG_OK);
    for (t = 0; t < 1000; ++t) CHECK_INT(dg_estimate(&e, &p, &g, &info), DG_OK);
    v_tuned = cv_var_now(&e, &p, 100000, NULL);
    printf("  f = (b-.45)^2, phi = 0: variance REINFORCE %.4g, REBAR eta 1 %.4g, tuned %.4g "
           "(eta %.3g, tau %.3g)\n", rf, v_fixed, v_tuned, (double)info.eta, (double)info.tau);
    CHECK(v_fixed > 1.1 * rf); /* otherwise the check below shows nothing */
    CHECK(fabs(v_tuned / rf - 1) <= 0.1);
}

/* Categorical: REBAR cuts the variance of REINFORCE (computed here from f(z) s(z) directly) at
   least tenfold on the smooth objective dgt_f_cat23. */
static void cv_rebar_categorical_variance(void)
{
    static dg_estimator e;
    static dg_stats st;
    const dg_real *logits = cv_cat23_logits[0];
    dg_problem p = dgt_problem(DG_CATEGORICAL, 2, 3, logits, dgt_f_cat23, dgt_f_cat23_grad, NULL);
    dg_config c = cv_config(DG_REBAR, 0, 9);
    dg_real z[6], g[6], pr[6], f;
    dg_rng r;
    double v_rebar, v_rf = 0;
    long t, N = 50000;
    int d, k;
    CHECK_INT(dgt_init(&e, &c), DG_OK);
    v_rebar = cv_var_now(&e, &p, N, NULL);
    dg_rng_seed(&r, 9, 1);
    dg_softmax(logits, 3, 1, pr);
    dg_softmax(logits + 3, 3, 1, pr + 3);
    dg_stats_init(&st, 6);
    for (t = 0; t < N; ++t) {
        for (d = 0; d < 2; ++d) {
            int b = dg_sample_categorical(&r, logits + 3 * d, 3);
            for (k = 0; k < 3; ++k) z[3 * d + k] = k == b;
        }
        f = dgt_f_cat23(z, NULL);
        for (k = 0; k < 6; ++k) g[k] = f * (z[k] - pr[k]);
        dg_stats_push(&st, g);
    }
    for (k = 0; k < 6; ++k) v_rf += dg_stats_var(&st, k);
    printf("  categorical 2x3: total variance REINFORCE %.4g, REBAR %.4g (%.1fx)\n", v_rf, v_rebar,
           v_rf / v_rebar);
    CHECK(v_rebar > 0 && v_rf >= 10 * v_rebar);
}

/* The RELAX paper's toy (Grathwohl et al. 2018, Fig. 1): minimise E[(b - .499)^2] from phi = 0
   with Adam (lr .01) on one draw per step; every 10 steps the variance of 1000 draws at the
   current parameters. Mean natural-log variance over steps 500-3000: RELAX <= -10 (paper -10 to
   -20), REINFORCE near -4.2, and REBAR no worse than REINFORCE (compared at REBAR's own phi, as
   REINFORCE's variance depends on where its own noisier path went). */
typedef struct cv_toy_run { double mean_logvar, paired_excess, phi; } cv_toy_run;

static cv_toy_run cv_relax_toy_run(dg_method m)
{
    static dg_estimator e;
    dg_real phi = 0, g;
    dg_problem p = dgt_problem(DG_BERNOULLI, 1, 0, &phi, cv_toy_f, cv_toy_grad, NULL);
    dg_config c = cv_config(m == DG_REINFORCE ? DG_REBAR : m, 1, 21);
    cv_toy_run out = {0, 0, 0};
    double am = 0, av = 0, b1 = 1, b2 = 1;
    dg_rng r;
    int step, count = 0;
    dgt_init(&e, &c);
    dg_rng_seed(&r, 21, 2);
    for (step = 1; step <= 3000; ++step) {
        if (m == DG_REINFORCE) { /* REINFORCE by hand: g = f(b)(b - p) */
            dg_real pr = dg_sigmoid(phi), b = dg_uniform(&r) < pr;
            g = cv_toy_f(&b, NULL) * (b - pr);
        } else if (dg_estimate(&e, &p, &g, NULL) != DG_OK) {
            out.mean_logvar = 1e9;
            return out;
        }
        b1 *= 0.9;
        b2 *= 0.999;
        am = 0.9 * am + 0.1 * g;
        av = 0.999 * av + 0.001 * g * g;
        phi -= (dg_real)(0.01 * (am / (1 - b1)) / (sqrt(av / (1 - b2)) + 1e-8));
        if (step >= 500 && step % 10 == 0) {
            double lv = m == DG_REINFORCE ? log(cv_reinforce_var(phi)) : log(cv_var_now(&e, &p, 1000, NULL));
            out.mean_logvar += lv;
            out.paired_excess += lv - log(cv_reinforce_var(phi));
            count++;
        }
    }
    out.mean_logvar /= count;
    out.paired_excess /= count;
    out.phi = phi;
    return out;
}

static void cv_relax_paper_toy(void)
{
    cv_toy_run rf, rebar, relax;
    cv_toy_t = 0.499;
    cv_toy_k = 0;
    rf = cv_relax_toy_run(DG_REINFORCE);
    rebar = cv_relax_toy_run(DG_REBAR);
    relax = cv_relax_toy_run(DG_RELAX);
    printf("  RELAX toy, mean log-variance over steps 500-3000: REINFORCE %.2f, REBAR %.2f "
           "(%+.3f against REINFORCE at its phi), RELAX %.2f; final phi %.2f, %.2f, %.2f\n",
           rf.mean_logvar, rebar.mean_logvar, rebar.paired_excess, relax.mean_logvar, rf.phi,
           rebar.phi, relax.phi);
    CHECK(relax.mean_logvar <= -10);
    CHECK(fabs(rf.mean_logvar + 4.2) <= 0.2);
    CHECK(rebar.paired_excess <= 0.05);
    CHECK(relax.phi < -0.5); /* RELAX's low variance is what lets the logit move */
}

/* --- bookkeeping: counts, reported parameters, determinism, tuning bounds --------------------- */
static void cv_info_counts_and_parameters(void)
{
    static dg_estimator e;
    dg_problem p = cv_case(4);
    dg_real g[6];
    dg_info info;
    dg_config c = cv_config(DG_MUPROP, 0, 1);
    c.samples = 3;
    CHECK_INT(dgt_init(&e, &c), DG_OK);
    CHECK_INT(dg_estimate(&e, &p, g, &info), DG_OK);
    CHECK_INT(info.f_evals, 3);
    CHECK_INT(info.grad_evals, 1);
    c.method = DG_REBAR;
    c.tau = 0.7;
    c.eta = 0.8;
    CHECK_INT(dgt_init(&e, &c), DG_OK);
    CHECK_INT(dg_estimate(&e, &p, g, &info), DG_OK);
    CHECK_INT(info.f_evals, 3);
    CHECK_INT(info.grad_evals, 6);
    CHECK_NEAR(info.eta, 0.8, DGT_TOL(1e-12, 1e-6));
    CHECK_NEAR(info.tau, 0.7, DGT_TOL(1e-12, 1e-6));
    CHECK(info.surrogate_loss > 0);
    c.samples = 1;
    c.method = DG_RELAX;
    c.tune = 1;
    CHECK_INT(dgt_init(&e, &c), DG_OK);
    CHECK_INT(dg_estimate(&e, &p, g, &info), DG_OK);
    CHECK_INT(info.f_evals, 1);
    CHECK_INT(info.grad_evals, 6);
    CHECK_NEAR(info.surrogate_loss, g[0] * g[0] + g[1] * g[1] + g[2] * g[2] + g[3] * g[3] +
               g[4] * g[4] + g[5] * g[5], DGT_TOL(1e-12, 1e-5) * info.surrogate_loss);
    CHECK_NEAR(info.eta, 0.8, DGT_TOL(1e-12, 1e-6)); /* the first call uses the configured values */
    CHECK_INT(dg_estimate(&e, &p, g, &info), DG_OK);
    CHECK(info.eta != (dg_real)0.8 && info.tau != (dg_real)0.7); /* and tuning moved them */
}

static void cv_deterministic_per_seed(void)
{
    static dg_estimator a, b;
    static const dg_method ms[3] = {DG_MUPROP, DG_REBAR, DG_RELAX};
    dg_problem p = cv_case(6);
    dg_real ga[12], gb[12];
    int i, t, same = 1;
    for (i = 0; i < 3; ++i) {
        dg_config c = cv_config(ms[i], 1, 77);
        dgt_init(&a, &c);
        dgt_init(&b, &c);
        for (t = 0; t < 20; ++t) {
            dg_estimate(&a, &p, ga, NULL);
            dg_estimate(&b, &p, gb, NULL);
            same &= memcmp(ga, gb, sizeof ga) == 0;
        }
    }
    CHECK(same);
}

/* A large gradient pushes log tau hard; tau must stay in [0.01, 10] and eta in [-100, 100]. */
static dg_real cv_steep_f(const dg_real *z, void *u) { (void)u; return 1e6 * z[0] * z[0] - 5e5 * z[1]; }
static dg_real cv_steep_grad(const dg_real *z, dg_real *dz, void *u)
{
    dz[0] = 2e6 * z[0];
    dz[1] = -5e5;
    return cv_steep_f(z, u);
}

static void cv_tuning_stays_in_range(void)
{
    static dg_estimator e;
    dg_real logits[2] = {3, -3}, g[2];
    dg_problem p = dgt_problem(DG_BERNOULLI, 2, 0, logits, cv_steep_f, cv_steep_grad, NULL);
    int i, t, ok = 1;
    dg_info info;
    for (i = 0; i < 2; ++i) {
        dg_config c = cv_config(i ? DG_RELAX : DG_REBAR, 1, 4);
        c.lr = 0.5;
        c.tau = 9;
        dgt_init(&e, &c);
        for (t = 0; t < 400; ++t) {
            ok &= dg_estimate(&e, &p, g, &info) == DG_OK;
            ok &= info.tau >= (dg_real)0.0099 && info.tau <= (dg_real)10.01;
            ok &= info.eta >= -100 && info.eta <= 100;
        }
    }
    CHECK(ok);
}

/* --- errors: codes, outputs and learned state untouched ---------------------------------------- */
static int cv_bad_at;
static dg_real cv_bad_f(const dg_real *z, void *u)
{
    (void)u;
    return z[0] > 0.5 && cv_bad_at == 0 ? (dg_real)NAN : z[0] + z[1];
}
static dg_real cv_bad_grad(const dg_real *z, dg_real *dz, void *u)
{
    (void)u;
    dz[0] = cv_bad_at == 1 ? (dg_real)INFINITY : 1;
    dz[1] = 1;
    return cv_bad_at == 2 ? (dg_real)NAN : z[0] + z[1];
}

static void cv_errors_leave_outputs_and_state(void)
{
    static dg_estimator e, before;
    static const dg_method ms[3] = {DG_MUPROP, DG_REBAR, DG_RELAX};
    dg_real logits[2] = {2, 0}, g[2];
    dg_problem p = dgt_problem(DG_BERNOULLI, 2, 0, logits, cv_bad_f, cv_bad_grad, NULL);
    dg_info info;
    int i, bad, t;
    for (i = 0; i < 3; ++i) {
        dg_config c = cv_config(ms[i], 1, 12);
        c.samples = 4;
        dgt_init(&e, &c);
        cv_bad_at = 9; /* a few good steps so tuning has moved the state */
        for (t = 0; t < 3; ++t) CHECK_INT(dg_estimate(&e, &p, g, NULL), DG_OK);
        for (bad = 0; bad < 3; ++bad) {
            cv_bad_at = bad;
            memcpy(&before, &e, sizeof e);
            g[0] = g[1] = CV_SENTINEL;
            info.f_evals = -5;
            CHECK_INT(dg_estimate(&e, &p, g, &info), DG_EDOMAIN);
            CHECK(g[0] == CV_SENTINEL && g[1] == CV_SENTINEL);
            CHECK_INT(info.f_evals, -5);
            CHECK(memcmp(&e.cv, &before.cv, sizeof e.cv) == 0);
            CHECK(e.steps == before.steps);
        }
        p.f_grad = NULL;
        cv_bad_at = 9;
        CHECK_INT(dg_estimate(&e, &p, g, &info), DG_ENEEDGRAD);
        CHECK(g[0] == CV_SENTINEL && g[1] == CV_SENTINEL);
        p.f_grad = cv_bad_grad;
    }
}

/* Extreme logits: the conditional samplers and relaxations saturate without NaN. */
static void cv_extreme_logits_finite(void)
{
    static dg_estimator e;
    static const dg_method ms[3] = {DG_MUPROP, DG_REBAR, DG_RELAX};
    dg_real lb[3] = {1e4, -1e4, 0}, lc[6] = {1e4, -1e4, 0, -1e4, 0, 1e4}, g[6];
    dg_problem pb = dgt_problem(DG_BERNOULLI, 3, 0, lb, dgt_f_bern3, dgt_f_bern3_grad, NULL);
    dg_problem pc = dgt_problem(DG_CATEGORICAL, 2, 3, lc, dgt_f_cat23, dgt_f_cat23_grad, NULL);
    int i, t, ok = 1;
    for (i = 0; i < 3; ++i) {
        dg_config c = cv_config(ms[i], 1, 13);
        dgt_init(&e, &c);
        for (t = 0; t < 50; ++t) {
            ok &= dg_estimate(&e, &pb, g, NULL) == DG_OK && fabs(g[0]) < 1e-3 && fabs(g[1]) < 1e-3;
            ok &= dg_estimate(&e, &pc, g, NULL) == DG_OK && fabs(g[0]) < 1e-3 && fabs(g[5]) < 1e-3;
        }
    }
    CHECK(ok);
}


#ifndef DGT_SEPARATE_IMPL
/* White-box checks of the pieces tuning differentiates by hand. They call the implementation's
   private functions, so they exist where the implementation is in this translation unit (every
   build of the matrix but the two-unit one, which runs everything else). */

/* dg__cond_perturbed_jvp against central differences of dg__cond_perturbed along a direction,
   both kinds, hard sample and noise fixed. */
static void cv_cond_jvp_matches_fd(void)
{
    static dg_estimator e;
    int which, i, t;
    double h = DGT_TOL(1e-6, 1e-2), worst = 0;
    for (which = 2; which < 8; which += 2) {
        dg_problem p = cv_case(which);
        dg_real lg[12], dir[12], jv[12], xp[12], xm[12], x[12], hard[12], noise[12];
        dg_real jac[12], pi[12], tmp[12], jac2[12], pi2[12];
        int n = p.kind == DG_BERNOULLI ? p.D : p.D * p.K;
        dg_config c = cv_config(DG_REBAR, 0, 31);
        dgt_init(&e, &c);
        for (t = 0; t < 20; ++t) {
            dg_problem q = p;
            dg__draw_perturbed(&e.rng, &p, x);
            dg__hard(&p, x, hard);
            dg__draw_cond_noise(&e.rng, &p, noise);
            for (i = 0; i < n; ++i) dir[i] = (dg_real)sin(3.0 * i + t);
            dg__cond_perturbed(&p, hard, noise, xp, jac, pi, tmp, 1);
            dg__cond_perturbed_jvp(&p, jac, pi, dir, jv);
            for (i = 0; i < n; ++i) lg[i] = p.logits[i] + (dg_real)h * dir[i];
            q.logits = lg;
            dg__cond_perturbed(&q, hard, noise, xp, jac2, pi2, tmp, 0);
            for (i = 0; i < n; ++i) lg[i] = p.logits[i] - (dg_real)h * dir[i];
            dg__cond_perturbed(&q, hard, noise, xm, jac2, pi2, tmp, 0);
            for (i = 0; i < n; ++i) {
                double fd = ((double)xp[i] - xm[i]) / (2 * h), err = fabs(fd - jv[i]);
                if (err > worst) worst = err;
            }
        }
    }
    CHECK(worst <= DGT_TOL(1e-6, 2e-2));
}

/* The tuning gradient of ||g||^2 (eta: -2 g.c; the net: dg__relax_net_grad) against central
   differences of ||g||^2 recomputed with the same noise, for both kinds, with a net whose
   weights are all nonzero. One draw is asked through the estimator's own ask step, f and f_grad
   are evaluated at its points, and g is recombined from them. */
typedef struct cv_draw1 {
    dg__run r;
    dg_real z[7 * 12], probs[12], jac[12], gy[12], gyt[12], g[12], c[12], g2[12];
    dg_real fb, fyt;
    int n;
} cv_draw1;

static double cv_loss_at(cv_draw1 *d, dg_real eta, dg_real tau)
{
    int n = d->n;
    dg__cv_combine(&d->r, &d->r.e->cv.net, d->r.L->w1, eta, tau, d->fb, d->z, d->probs, d->jac,
                   d->z + n, d->gy, d->z + 2 * n, d->fyt, d->gyt, d->g2, 0);
    return (double)dg__dot(d->g2, d->g2, n);
}

static void cv_relax_tuning_gradient_matches_fd(void)
{
    static dg_estimator e;
    static cv_draw1 d;
    int which, h, k, i;
    double hs = DGT_TOL(1e-6, 2e-3);
    for (which = 0; which < 8; which += 4) {
        dg_problem p = cv_case(which);
        int n = p.kind == DG_BERNOULLI ? p.D : p.D * p.K;
        dg_config c = cv_config(DG_RELAX, 1, 41);
        dg_real eta = 0.7, tau = 0.6, fy;
        double worst = 0, scale = 0, fd, an;
        dg__shape s;
        dg__layout L;
        dg__delta dl;
        dg__pts pre, smp;
        dgt_init(&e, &c);
        CHECK_INT(dg__shape_of(&e.cfg, &p, &s), DG_OK);
        CHECK_INT(dg__layout_for(&e, &p, &s, &L), DG_OK);
        dg__delta_start(&e, &L, &dl); /* starts the net and zeroes the W1 gradient rows */
        for (h = 0; h < DG_RELAX_HIDDEN; ++h) {
            e.cv.net.w2[h] = (dg_real)(0.3 * sin(h + 1.0));
            e.cv.net.b1[h] = (dg_real)(0.2 * cos(2.0 * h));
        }
        e.cv.net.b2 = (dg_real)0.1;
        memset(&d.r, 0, sizeof d.r);
        d.r.e = &e;
        d.r.L = &L;
        d.r.p = &p;
        d.r.rng = &e.rng;
        d.r.tau = tau;
        d.n = n;
        pre.z = 0;
        pre.data = d.probs;
        smp.z = d.z;
        smp.data = d.jac;
        dg__cv_ask_prefix(&d.r, &pre);
        dg__cv_ask_sample(&d.r, &pre, &smp);
        d.fb = p.f(d.z, p.user);
        fy = p.f_grad(d.z + n, d.gy, p.user);
        d.fyt = p.f_grad(d.z + 2 * n, d.gyt, p.user);
        (void)fy;
        dg__cv_combine(&d.r, &e.cv.net, L.w1, eta, tau, d.fb, d.z, d.probs, d.jac, d.z + n, d.gy,
                       d.z + 2 * n, d.fyt, d.gyt, d.g, d.c);
        dg__relax_net_grad(&d.r, tau, d.z, d.probs, d.jac, d.z + n, d.z + 2 * n, d.g, &dl);
        fd = (cv_loss_at(&d, eta + (dg_real)hs, tau) - cv_loss_at(&d, eta - (dg_real)hs, tau)) / (2 * hs);
        an = -2 * (double)dg__dot(d.g, d.c, n);
        CHECK_NEAR(an, fd, DGT_TOL(1e-6, 3e-2) * (fabs(fd) + 0.1));
        for (k = -1; k < DG_RELAX_HIDDEN * (n + 2); ++k) {
            dg_real *w, old;
            double a, b;
            if (k < 0) { w = &e.cv.net.b2; an = dl.d_b2; }
            else if (k % (n + 2) == 0) { w = &e.cv.net.w2[k / (n + 2)]; an = dl.d_w2[k / (n + 2)]; }
            else if (k % (n + 2) == 1) { w = &e.cv.net.b1[k / (n + 2)]; an = dl.d_b1[k / (n + 2)]; }
            else {
                w = &L.w1[(k / (n + 2)) * n + k % (n + 2) - 2];
                an = DG__W(&L, DG__W_CV_DW1 + k / (n + 2))[k % (n + 2) - 2];
            }
            old = *w;
            *w = old + (dg_real)hs;
            a = cv_loss_at(&d, eta, tau);
            *w = old - (dg_real)hs;
            b = cv_loss_at(&d, eta, tau);
            *w = old;
            fd = (a - b) / (2 * hs);
            if (fabs(fd - an) > worst) worst = fabs(fd - an);
            if (fabs(fd) > scale) scale = fabs(fd);
        }
        CHECK(scale > 1e-3); /* the net's terms are really present */
        CHECK(worst <= DGT_TOL(1e-6, 3e-2) * scale);
        (void)i;
    }
}
#endif

static void register_cv_white_box(void)
{
#ifndef DGT_SEPARATE_IMPL
    DGT_ADD(cv_cond_jvp_matches_fd);
    DGT_ADD(cv_relax_tuning_gradient_matches_fd);
#endif
}

static void register_cv(void)
{
    DGT_ADD(cv_muprop_unbiased);
    DGT_ADD(cv_rebar_unbiased);
    DGT_ADD(cv_rebar_tuned_unbiased);
    DGT_ADD(cv_relax_tuned_unbiased);
    DGT_ADD(cv_samples_unbiased);
    DGT_ADD(cv_muprop_variance_closed_form);
    DGT_ADD(cv_rebar_relax_variance_vs_reinforce);
    DGT_ADD(cv_rebar_tuning_finds_reinforce);
    DGT_ADD(cv_rebar_categorical_variance);
    DGT_ADD(cv_relax_paper_toy);
    DGT_ADD(cv_info_counts_and_parameters);
    DGT_ADD(cv_deterministic_per_seed);
    DGT_ADD(cv_tuning_stays_in_range);
    DGT_ADD(cv_errors_leave_outputs_and_state);
    DGT_ADD(cv_extreme_logits_finite);
    register_cv_white_box();
}
