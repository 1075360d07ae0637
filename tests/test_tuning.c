/* REBAR and RELAX tuning checked against what it should do, on one Bernoulli variable where
   everything is computed here independently: the single-draw estimate g = a - eta c is written
   out from docs/math.md (a = f(b) s, c = f(y~) s - f'(y) dy/dphi + f'(y~) dy~/dphi through the
   conditional noise), its moments by quadrature over (u, v), and Adam's steps by hand.
     - REBAR's first tuning steps: log tau moves by exactly -lr sign(dE||g||^2/dlog tau) on the
       first call (Adam's bias-corrected first step), then by the second Adam step written out;
       eta stays put until 20 draws were seen, then jumps to the ratio of the decayed sums.
     - REBAR's eta converges to the variance-minimising eta* = E[a c]/E[c c] (quadrature).
     - tau moves in the direction that lowers E||g||^2 (quadrature), one step and many.
     - RELAX's eta follows Adam on -2 g.c call after call, g being the estimate returned. */
#include "reference.h"

/* ---- the toy: one bit, f(z) = k + (z - t)^2 ------------------------------------------------ */
static double tg_t, tg_k;
static double tg_fd(double z) { return tg_k + (z - tg_t) * (z - tg_t); }
static double tg_dfd(double z) { return 2 * (z - tg_t); }
static dg_real tg_f(const dg_real *z, void *u) { (void)u; return (dg_real)tg_fd((double)z[0]); }
static dg_real tg_f_grad(const dg_real *z, dg_real *dz, void *u)
{
    (void)u;
    dz[0] = (dg_real)tg_dfd((double)z[0]);
    return (dg_real)tg_fd((double)z[0]);
}
static double tg_sig(double x) { return 1 / (1 + exp(-x)); }

/* a and c of one draw from x = phi + logistic noise and the conditional uniform v (docs/math.md:
   u' = v(1 - theta) for b = 0, (1 - theta) + v theta for b = 1; x~ = phi + logit(u');
   dx~/dphi = 1 + (du'/dtheta) theta (1 - theta) / (u'(1 - u')), du'/dtheta = -v or v - 1). */
static void tg_ac(double phi, double tau, double x, double v, double *a, double *c)
{
    double th = tg_sig(phi), b = x > 0, s = b - th, up, xt, dxt, y, yt;
    up = b > 0 ? (1 - th) + v * th : v * (1 - th);
    xt = phi + log(up) - log(1 - up);
    dxt = 1 + (b > 0 ? v - 1 : -v) * th * (1 - th) / (up * (1 - up));
    y = tg_sig(x / tau);
    yt = tg_sig(xt / tau);
    *a = tg_fd(b) * s;
    *c = tg_fd(yt) * s - tg_dfd(y) * y * (1 - y) / tau + tg_dfd(yt) * yt * (1 - yt) / tau * dxt;
}

/* E[a^2], E[a c], E[c^2] by the midpoint rule over u (x = phi + logit u, split where b flips)
   and v, N x N points per piece. */
static void tg_moments(double phi, double tau, int N, double *aa, double *ac, double *cc)
{
    double cut = 1 - tg_sig(phi);
    int piece, i, j;
    *aa = *ac = *cc = 0;
    for (piece = 0; piece < 2; ++piece) {
        double lo = piece ? cut : 0, hi = piece ? 1 : cut, w = (hi - lo) / N / N;
        for (i = 0; i < N; ++i) {
            double u = lo + (i + 0.5) * (hi - lo) / N, x = phi + log(u) - log(1 - u);
            for (j = 0; j < N; ++j) {
                double a, c;
                tg_ac(phi, tau, x, (j + 0.5) / N, &a, &c);
                *aa += a * a * w;
                *ac += a * c * w;
                *cc += c * c * w;
            }
        }
    }
}
/* E||g||^2 = E(a - eta c)^2 */
static double tg_V(double phi, double eta, double tau)
{
    double aa, ac, cc;
    tg_moments(phi, tau, 150, &aa, &ac, &cc);
    return aa - 2 * eta * ac + eta * eta * cc;
}

static dg_config tg_config(dg_method m, int samples, double eta, double tau, uint64_t seed)
{
    dg_config c;
    memset(&c, 0, sizeof c);
    c.method = m;
    c.tune = 1;
    c.samples = samples;
    c.eta = (dg_real)eta;
    c.tau = (dg_real)tau;
    c.seed = seed;
    return c;
}

/* One call's draws, taken from a copy of the estimator's stream (per draw: the logistic noise
   of x, then the conditional uniform; see reference.h), each draw's a and c at tau, and the
   central difference of g^2 in log tau (step 0.05) that tuning uses. */
typedef struct tg_call { double ac, cc, d_log_tau, d_log_tau_sq; } tg_call;
static tg_call tg_replay(dg_rng *r, double phi, double eta, double tau, int M, double *g_out)
{
    tg_call k = {0, 0, 0, 0};
    int m;
    if (g_out) *g_out = 0;
    for (m = 0; m < M; ++m) {
        double x = (double)((dg_real)phi + dg_logistic(r)), v = (double)dg_uniform(r), a, c, ap, cp, am, cm, fd;
        tg_ac(phi, tau, x, v, &a, &c);
        tg_ac(phi, tau * exp(0.05), x, v, &ap, &cp);
        tg_ac(phi, tau * exp(-0.05), x, v, &am, &cm);
        fd = ((ap - eta * cp) * (ap - eta * cp) - (am - eta * cm) * (am - eta * cm)) / 0.1;
        k.ac += a * c / M;
        k.cc += c * c / M;
        k.d_log_tau += fd / M;
        k.d_log_tau_sq += fd * fd / M;
        if (g_out) *g_out += (a - eta * c) / M;
    }
    return k;
}

#define TG_TOL DGT_TOL(1e-9, 2e-5)

/* REBAR's first calls by hand. Adam (betas .9, .999, eps 1e-8) with bias correction moves log
   tau by -lr d1/(|d1| + eps) on the first step, whatever the size of d1; the second step is
   -lr (m2/c1)/(sqrt(v2/c2) + eps) with m2 = .09 d1 + .1 d2, v2 = .000999 d1^2 + .001 d2^2,
   c1 = 1 - .9^2, c2 = 1 - .999^2. eta = cfg.eta until 20 draws were seen (8 per call here), then
   avg_ac/avg_cc, both decayed by .999 per call from 0, whose common factor cancels. */
static void tuning_rebar_first_steps_by_hand(void)
{
    static dg_estimator e;
    dg_real phi = (dg_real)-0.4, g;
    dg_problem p = dgt_problem(DG_BERNOULLI, 1, 0, &phi, tg_f, tg_f_grad, NULL);
    dg_config c = tg_config(DG_REBAR, 8, 0.7, 0.5, 31);
    dg_info info;
    dg_rng r;
    tg_call k[4];
    double lr = 0.01, lt0 = log(0.5), lt1, lt2, m2, v2, num = 0, den = 0;
    int t;
    tg_t = 0.2;
    tg_k = 0.5;
    CHECK_INT(dgt_init(&e, &c), DG_OK);
    dg_rng_seed(&r, 31, 0);
    /* call 1 at the configured eta and tau */
    CHECK_INT(dg_estimate(&e, &p, &g, &info), DG_OK);
    CHECK_NEAR(info.eta, 0.7, DGT_TOL(1e-15, 1e-7));
    CHECK_NEAR(info.tau, 0.5, DGT_TOL(1e-15, 1e-7));
    k[0] = tg_replay(&r, (double)phi, 0.7, 0.5, 8, NULL);
    /* call 2: log tau one full step of lr against the sign of the derivative */
    lt1 = lt0 - lr * k[0].d_log_tau / (fabs(k[0].d_log_tau) + 1e-8);
    CHECK(fabs(k[0].d_log_tau) > 1e-3); /* the step is the sign of a clear value */
    CHECK_INT(dg_estimate(&e, &p, &g, &info), DG_OK);
    CHECK_NEAR(info.tau, exp(lt1), TG_TOL * exp(lt1));
    CHECK_NEAR(info.eta, 0.7, DGT_TOL(1e-15, 1e-7)); /* 8 draws seen: not yet */
    k[1] = tg_replay(&r, (double)phi, 0.7, exp(lt1), 8, NULL);
    /* call 3: the second Adam step */
    m2 = 0.09 * k[0].d_log_tau + 0.1 * k[1].d_log_tau;
    v2 = 0.000999 * k[0].d_log_tau * k[0].d_log_tau + 0.001 * k[1].d_log_tau * k[1].d_log_tau;
    lt2 = lt1 - lr * (m2 / (1 - 0.81)) / (sqrt(v2 / (1 - 0.998001)) + 1e-8);
    CHECK_INT(dg_estimate(&e, &p, &g, &info), DG_OK);
    CHECK_NEAR(info.tau, exp(lt2), TG_TOL * exp(lt2));
    CHECK_NEAR(info.eta, 0.7, DGT_TOL(1e-15, 1e-7)); /* 16 draws seen */
    k[2] = tg_replay(&r, (double)phi, 0.7, exp(lt2), 8, NULL);
    /* call 4: 24 draws seen, eta is the ratio of the decayed averages of a.c and c.c */
    for (t = 0; t < 3; ++t) {
        num = 0.999 * num + k[t].ac;
        den = 0.999 * den + k[t].cc;
    }
    CHECK_INT(dg_estimate(&e, &p, &g, &info), DG_OK);
    CHECK_NEAR(info.eta, num / den, DGT_TOL(1e-9, 1e-4) * fabs(num / den));
    CHECK(fabs(num / den - 0.7) > 0.05); /* a real jump */
}

/* REBAR's eta after enough calls: the variance-minimising eta* = E[a c]/E[c c] at the tau it
   ends with, computed by quadrature, within 3% (across seeds the tuned value lands within 1.3%;
   an eta tracking anything else, e.g. a sign slip in a = g + eta c, lands far off). The toy's
   eta* is about 4 at tau = 10, where tuning starts and stays (E||g||^2 falls with tau here), far
   from the starting eta = 1. */
static void tuning_rebar_eta_converges_to_optimum(void)
{
    static dg_estimator e;
    dg_real phi = (dg_real)-1.5, g;
    dg_problem p = dgt_problem(DG_BERNOULLI, 1, 0, &phi, tg_f, tg_f_grad, NULL);
    dg_config c = tg_config(DG_REBAR, 10, 0, 10, 5);
    dg_info info;
    double aa, ac, cc, eta_star;
    int t;
    tg_t = 0.1;
    tg_k = 0;
    CHECK_INT(dgt_init(&e, &c), DG_OK);
    for (t = 0; t < 600; ++t) CHECK_INT(dg_estimate(&e, &p, &g, &info), DG_OK);
    tg_moments((double)phi, (double)info.tau, 200, &aa, &ac, &cc);
    eta_star = ac / cc;
    printf("  REBAR tuned 600 calls: eta %.4f, tau %.3f; eta* at that tau %.4f (quadrature)\n",
           (double)info.eta, (double)info.tau, eta_star);
    CHECK(info.tau > 9);
    CHECK(eta_star > 3.5);
    CHECK_NEAR(info.eta, eta_star, 0.03 * eta_star);
}

/* tau's direction. From eta = 5, tau = 0.5 on the toy (E||g||^2 falls with tau there: the
   quadrature derivative in log tau is about -0.57): the first call, of 400 draws, whose mean
   central difference is many standard errors from 0, moves log tau by exactly +lr; after 150
   more calls tau has risen and E||g||^2 at the current eta is lower at the new tau than at the
   old one. */
static void tuning_tau_moves_downhill(void)
{
    static dg_estimator e;
    dg_real phi = (dg_real)-1.5, g;
    dg_problem p = dgt_problem(DG_BERNOULLI, 1, 0, &phi, tg_f, tg_f_grad, NULL);
    dg_config c = tg_config(DG_REBAR, 400, 5, 0.5, 17);
    dg_info info;
    dg_rng r;
    tg_call k;
    double dV, se, v_new, v_old;
    int t;
    tg_t = 0.1;
    tg_k = 0;
    dV = (tg_V((double)phi, 5, 0.5 * exp(1e-3)) - tg_V((double)phi, 5, 0.5 * exp(-1e-3))) / 2e-3;
    CHECK(dV < -0.3);
    CHECK_INT(dgt_init(&e, &c), DG_OK);
    dg_rng_seed(&r, 17, 0);
    CHECK_INT(dg_estimate(&e, &p, &g, &info), DG_OK);
    k = tg_replay(&r, (double)phi, 5, 0.5, 400, NULL);
    se = sqrt((k.d_log_tau_sq - k.d_log_tau * k.d_log_tau) / 400);
    CHECK(k.d_log_tau < -4 * se); /* the draws agree with the quadrature's sign */
    CHECK_INT(dg_estimate(&e, &p, &g, &info), DG_OK);
    CHECK_NEAR(log((double)info.tau), log(0.5) + 0.01, DGT_TOL(1e-9, 1e-6));
    for (t = 0; t < 150; ++t) CHECK_INT(dg_estimate(&e, &p, &g, &info), DG_OK);
    v_new = tg_V((double)phi, (double)info.eta, (double)info.tau);
    v_old = tg_V((double)phi, (double)info.eta, 0.5);
    printf("  REBAR tuned from tau 0.5: tau %.3f, eta %.3f; E||g||^2 %.4g there, %.4g at tau 0.5\n",
           (double)info.tau, (double)info.eta, v_new, v_old);
    CHECK(info.tau > 0.6);
    CHECK(v_new < v_old);
}

/* One Adam step of RELAX's eta on gradient d by hand (lr 0.01, betas 0.9 and 0.999, eps 1e-8,
   bias-corrected through the running powers b1 and b2), clamped to [-100, 100]. */
static void tg_adam_eta(double *eta, double *m, double *v, double *b1, double *b2, double d)
{
    *b1 *= 0.9;
    *b2 *= 0.999;
    *m = 0.9 * *m + 0.1 * d;
    *v = 0.999 * *v + 0.001 * d * d;
    *eta -= 0.01 * (*m / (1 - *b1)) / (sqrt(*v / (1 - *b2)) + 1e-8);
    *eta = *eta < -100 ? -100 : *eta > 100 ? 100 : *eta;
}

/* RELAX's eta: Adam on d = -2 g.c per call (one draw a call), with g the estimate the call
   returned (the net's terms included) and c = -dg/deta computed here from the same draw at the
   tau the call reports; bias-corrected, clamped to [-100, 100]. 150 calls, each call's eta
   against the hand-run Adam. The first call's tau step is -lr sign(d log tau) as for REBAR (the
   net is zero then). */
static void tuning_relax_eta_follows_adam(void)
{
    static dg_estimator e;
    dg_real phi = (dg_real)0.3, g;
    dg_problem p = dgt_problem(DG_BERNOULLI, 1, 0, &phi, tg_f, tg_f_grad, NULL);
    dg_config c = tg_config(DG_RELAX, 1, 0.4, 0.8, 23);
    dg_info info;
    dg_rng r;
    double eta = 0.4, m = 0, v = 0, b1 = 1, b2 = 1, worst = 0, first_d = 0;
    int t, calls = DGT_FLOAT ? 30 : 150;
    tg_t = 0.45;
    tg_k = 1;
    CHECK_INT(dgt_init(&e, &c), DG_OK);
    dg_rng_seed(&r, 23, 0);
    for (t = 0; t < calls; ++t) {
        double a, cv, x, u, d, gd;
        CHECK_INT(dg_estimate(&e, &p, &g, &info), DG_OK);
        if (fabs((double)info.eta - eta) > worst) worst = fabs((double)info.eta - eta);
        if (t == 1) /* Adam's first step */
            CHECK_NEAR(log((double)info.tau), log(0.8) - 0.01 * first_d / (fabs(first_d) + 1e-8), DGT_TOL(1e-9, 1e-6));
        x = (double)(phi + dg_logistic(&r));
        u = (double)dg_uniform(&r);
        tg_ac((double)phi, (double)info.tau, x, u, &a, &cv);
        if (t == 0) {
            tg_call k;
            dg_rng r0;
            dg_rng_seed(&r0, 23, 0);
            k = tg_replay(&r0, (double)phi, 0.4, 0.8, 1, &gd);
            first_d = k.d_log_tau;
            CHECK_NEAR(g, gd, DGT_TOL(1e-9, 1e-5)); /* the net is zero: REBAR's estimate */
        }
        d = -2 * (double)g * cv;
        tg_adam_eta(&eta, &m, &v, &b1, &b2, d);
    }
    printf("  RELAX eta over %d calls against Adam by hand: worst difference %.3g (eta %.4f)\n",
           calls, worst, eta);
    CHECK(worst <= DGT_TOL(1e-9, 1e-4));
    CHECK(fabs(eta - 0.4) > 0.1); /* it went somewhere */
}

/* The same through ask / tell / commit, with commits over 1 and then 3 draws in turn (batches of
   1 and 3 examples, one draw each): each commit's Adam step is on the mean of -2 g.c over its
   draws, g being each example's estimate from the tell. A step on their sum instead, or on
   any other multiple that changes with the number of draws, leaves this path. */
static void tuning_relax_eta_steps_on_the_mean_of_a_commit(void)
{
    static dg_estimator e;
    static dg_real dmem[4096];
    dg_real phis[3] = {(dg_real)0.3, (dg_real)0.3, (dg_real)0.3}, vals[64], dz[64], g[3];
    dg_problem p = dgt_problem(DG_BERNOULLI, 1, 0, phis, tg_f, tg_f_grad, NULL);
    dg_config c = tg_config(DG_RELAX, 1, 0.4, 0.8, 29);
    dg_info info;
    dg_draw d;
    dg_rng r;
    double eta = 0.4, m = 0, v = 0, b1 = 1, b2 = 1, worst = 0;
    int t, rounds = DGT_FLOAT ? 16 : 60;
    tg_t = 0.45;
    tg_k = 1;
    CHECK_INT(dgt_init(&e, &c), DG_OK);
    dg_rng_seed(&r, 29, 0);
    for (t = 0; t < rounds; ++t) {
        int B = t % 2 ? 3 : 1, b, j, rc;
        double dsum = 0, dm;
        p.batch = B;
        rc = dg_ask(&e, &p, &d, dmem, sizeof dmem / sizeof dmem[0]);
        CHECK_INT(rc, DG_OK);
        if (rc) return;
        for (b = 0; b < B; ++b)
            for (j = 0; j < d.per_example; ++j) {
                int at = b * d.per_example + j;
                vals[at] = tg_f_grad(d.points + at, dz + at, NULL);
            }
        CHECK_INT(dg_tell(&e, &d, &p, vals, dz, g, &info), DG_OK);
        if (fabs((double)info.eta - eta) > worst) worst = fabs((double)info.eta - eta);
        for (b = 0; b < B; ++b) { /* the examples' draws, in order, from the mirrored stream */
            double a, cv, x = (double)(phis[0] + dg_logistic(&r)), u = (double)dg_uniform(&r);
            tg_ac((double)phis[0], (double)info.tau, x, u, &a, &cv);
            dsum += -2 * (double)g[b] * cv;
        }
        CHECK_INT(dg_commit(&e), DG_OK);
        dm = dsum / B;
        tg_adam_eta(&eta, &m, &v, &b1, &b2, dm);
    }
    printf("  RELAX eta over %d commits of 1 and 3 draws against Adam by hand: worst difference %.3g\n",
           rounds, worst);
    CHECK(worst <= DGT_TOL(1e-9, 1e-4));
    CHECK(fabs(eta - 0.4) > 0.05); /* it went somewhere */
}

/* The reference of tests/reference.h follows REBAR's tuned eta and tau for many calls, one draw
   each (so eta's warm-up falls inside a call boundary), and several draws each. */
static void tuning_rebar_long_run_matches_reference(void)
{
    static dg_estimator e;
    static ref_est rf;
    static const int Ms[2] = {1, 6};
    ref_obj o;
    dg_real logits[3] = {0.4, -1.1, 0.2}, g[3];
    double want[3];
    int mi, t, bad = 0;
    memset(&o, 0, sizeof o);
    o.q = 1.5; o.r = -0.8; o.offset = 0.3; o.mult = 1;
    for (mi = 0; mi < 2; ++mi) {
        dg_problem p = ref_problem(DG_BERNOULLI, 3, 0, logits, &o);
        dg_config c = tg_config(DG_REBAR, Ms[mi], 0, 0, 61);
        ref_info ri;
        dg_info info;
        int calls = DGT_FLOAT ? 15 : 120;
        CHECK_INT(dgt_init(&e, &c), DG_OK);
        ref_init(&rf, &c);
        for (t = 0; t < calls; ++t) {
            CHECK_INT(dg_estimate(&e, &p, g, &info), DG_OK);
            ref_estimate(&rf, &p, want, &ri);
            if (!(ref_rel_diff(g, want, 3, 1e-2) <= DGT_TOL(1e-8, 1e-3)) ||
                !(fabs((double)info.eta - ri.eta) <= DGT_TOL(1e-8, 1e-3) * (1 + fabs(ri.eta))) ||
                !(fabs((double)info.tau - ri.tau) <= DGT_TOL(1e-8, 1e-3) * ri.tau)) {
                printf("    M %d call %d: eta %.10g (reference %.10g), tau %.10g (%.10g)\n", Ms[mi], t,
                       (double)info.eta, ri.eta, (double)info.tau, ri.tau);
                bad++;
                break;
            }
        }
    }
    CHECK_INT(bad, 0);
}

/* A problem of another size starts RELAX's learned state afresh (documented): an estimator that
   tuned eta, tau and its net on calls of 5 logits, then given 7, gives the bits of a fresh
   estimator of the same configuration at the same point of the stream: the estimate, dg_info
   and the learned state after the call. */
static void tuning_relax_new_size_starts_afresh(void)
{
    static dg_estimator used, fresh;
    static dg_real lg[7] = {0.4, -1.1, 0.9, 0.2, -0.3, 1.6, -0.7};
    dg_config c = tg_config(DG_RELAX, 2, 0.8, 0.6, 77);
    dg_real gu[7], gf[7];
    dg_info iu, iff;
    ref_obj o;
    dg_problem p;
    int t, first;
    memset(&o, 0, sizeof o);
    o.q = 0.8;
    o.r = 0.6;
    o.offset = 1.5;
    o.mult = 1;
    for (first = 5; first >= 1; first -= 4) { /* a first problem of 5 bits, then of 1 */
        CHECK_INT(dgt_init(&used, &c), DG_OK);
        CHECK_INT(dgt_init(&fresh, &c), DG_OK);
        p = ref_problem(DG_BERNOULLI, first, 1, lg, &o);
        for (t = 0; t < 6; ++t) CHECK_INT(dg_estimate(&used, &p, gu, &iu), DG_OK);
        CHECK(used.cv.eta != fresh.cv.eta && used.cv.log_tau != fresh.cv.log_tau &&
              used.cv.net.b2 != 0); /* it learned something to forget */
        fresh.rng = used.rng;
        p = ref_problem(DG_BERNOULLI, 7, 1, lg, &o);
        CHECK_INT(dg_estimate(&used, &p, gu, &iu), DG_OK);
        CHECK_INT(dg_estimate(&fresh, &p, gf, &iff), DG_OK);
        CHECK(memcmp(gu, gf, sizeof gu) == 0);
        CHECK(memcmp(&iu, &iff, sizeof iu) == 0);
        CHECK(memcmp(&used.cv, &fresh.cv, sizeof used.cv) == 0);
    }
}

#ifndef DGT_SEPARATE_IMPL
/* White box (the net lives in private fields, as in test_cv.c's white-box checks; not in the
   two-unit build): dg_init, over memory filled with 0xA5, starts RELAX's surrogate net as
   documented, w2 = b2 = 0 (RELAX starts as REBAR), b1 = 0, every Adam moment 0, and W1 uniform
   in (-1, 1): inside the interval, mean 0 and variance 1/3 within 4.5 standard errors, rows
   that differ. */
static void tuning_relax_net_starts_as_documented(void)
{
    static dg_estimator e;
    dg_config c = tg_config(DG_RELAX, 1, 0, 0, 3);
    double s1 = 0, s2 = 0, n = (double)DG_RELAX_HIDDEN * DG_MAX_DIM, mean, var;
    int h, i, bad = 0;
    dg_problem p;
    dg__shape sh;
    dg__layout L;
    dg__delta dl;
    memset(&e, 0xA5, sizeof e);
    memset(&p, 0, sizeof p);
    p.kind = DG_BERNOULLI;
    p.D = DG_MAX_DIM;
    CHECK_INT(dgt_init(&e, &c), DG_OK); /* over memory filled with 0xA5 (tests/common.h) */
    CHECK_INT(dg__shape_of(&e.cfg, &p, &sh), DG_OK);
    CHECK_INT(dg__layout_for(&e, &p, &sh, &L), DG_OK);
    dg__delta_start(&e, &L, &dl); /* the net starts when it first meets a problem size */
    bad += e.cv.net.b2 != 0 || e.cv.net_m.b2 != 0 || e.cv.net_v.b2 != 0;
    for (h = 0; h < DG_RELAX_HIDDEN; ++h) {
        bad += e.cv.net.w2[h] != 0 || e.cv.net.b1[h] != 0;
        bad += e.cv.net_m.w2[h] != 0 || e.cv.net_m.b1[h] != 0 || e.cv.net_v.w2[h] != 0 || e.cv.net_v.b1[h] != 0;
        for (i = 0; i < DG_MAX_DIM; ++i) {
            double w = (double)L.w1[h * DG_MAX_DIM + i];
            bad += !(w > -1 && w < 1) || L.w1_m[h * DG_MAX_DIM + i] != 0 || L.w1_v[h * DG_MAX_DIM + i] != 0;
            s1 += w;
            s2 += w * w;
        }
        if (h > 0) bad += L.w1[h * DG_MAX_DIM] == L.w1[(h - 1) * DG_MAX_DIM];
    }
    mean = s1 / n;
    var = s2 / n - mean * mean;
    CHECK_INT(bad, 0);
    CHECK_NEAR(mean, 0, 4.5 * sqrt(1 / 3.0 / n));
    CHECK_NEAR(var, 1 / 3.0, 4.5 * sqrt((1 / 5.0 - 1 / 9.0) / n));
}

/* White box: a commit steps every row of RELAX's first layer W1 by Adam on that row's own
   pending gradient, the mean over the committed draws (pend_dw1 / tune_draws), with the same
   bias corrections as the scalars. After a few calls have moved W1 and its moments off their
   start, one draw is asked and told, the pending sums read, the step computed here, and W1 and
   its moments after dg_commit compared with it, every row and value. */
static void tuning_relax_w1_steps_every_row(void)
{
    static const dg_real logits[12] = {0.2, -0.5, 1.0, 0.4, 1.5, 0.0, -2.0, 0.3, 0.1, -0.7, 0.9, -0.2};
    static dg_estimator e;
    static dg_real dmem[4096], w1[DG_RELAX_HIDDEN * 12], m1[DG_RELAX_HIDDEN * 12], v1[DG_RELAX_HIDDEN * 12];
    dg_problem p = dgt_problem(DG_CATEGORICAL, 3, 4, logits, dgt_f_cat34, dgt_f_cat34_grad, NULL);
    dg_config c = tg_config(DG_RELAX, 1, 0.5, 0.5, 41);
    dg_real grad[12], vals[16], grads[16 * 12], c1, c2, M;
    dg_draw d;
    dg__layout L;
    int t, h, i, j, n = 12, bad = 0, moved = 0;
    CHECK_INT(dgt_init(&e, &c), DG_OK);
    for (t = 0; t < 5; ++t) CHECK_INT(dg_estimate(&e, &p, grad, NULL), DG_OK);
    CHECK_INT(dg_ask(&e, &p, &d, dmem, 4096), DG_OK);
    for (j = 0; j < d.per_example && j < 16; ++j)
        vals[j] = dg_point_needs(&d, 0, j) == DG_NEED_GRAD ? p.f_grad(d.points + j * n, grads + j * n, p.user)
                                                         : p.f(d.points + j * n, p.user);
    CHECK(d.per_example <= 16);
    CHECK_INT(dg_tell(&e, &d, &p, vals, grads, grad, NULL), DG_OK);
    CHECK(e.pend.tune_draws > 0 && !e.pend.tune_bad);
    dg__layout_of(&e.cfg, e.pend.n, 0, e.mem, e.mem_count, &L);
    M = (dg_real)e.pend.tune_draws;
    c1 = 1 - e.cv.beta1_pow * DG__ADAM_BETA1;
    c2 = 1 - e.cv.beta2_pow * DG__ADAM_BETA2;
    for (i = 0; i < DG_RELAX_HIDDEN * n; ++i) { /* the step, as documented, in dg_real */
        dg_real g = L.pend_dw1[i] / M;
        m1[i] = DG__ADAM_BETA1 * L.w1_m[i] + (1 - DG__ADAM_BETA1) * g;
        v1[i] = DG__ADAM_BETA2 * L.w1_v[i] + (1 - DG__ADAM_BETA2) * g * g;
        w1[i] = L.w1[i] - e.cfg.lr * (m1[i] / c1) / (DG_SQRT(v1[i] / c2) + DG__ADAM_EPS);
        moved += L.w1_m[i] != 0 && g != 0;
    }
    CHECK_INT(dg_commit(&e), DG_OK);
    for (h = 0; h < DG_RELAX_HIDDEN; ++h)
        for (i = 0; i < n; ++i) {
            size_t at = (size_t)h * (size_t)n + (size_t)i;
            bad += fabs((double)(L.w1[at] - w1[at])) > DGT_TOL(1e-14, 1e-6) * (1 + fabs((double)w1[at]));
            bad += fabs((double)(L.w1_m[at] - m1[at])) > DGT_TOL(1e-14, 1e-6) * fabs((double)m1[at]);
            bad += fabs((double)(L.w1_v[at] - v1[at])) > DGT_TOL(1e-14, 1e-6) * fabs((double)v1[at]);
        }
    CHECK_INT(bad, 0);
    CHECK(moved > DG_RELAX_HIDDEN * n / 2); /* the moments and the gradient were not zero */
}
#endif

static void register_tuning(void)
{
    DGT_ADD(tuning_rebar_first_steps_by_hand);
    DGT_ADD(tuning_rebar_eta_converges_to_optimum);
    DGT_ADD(tuning_tau_moves_downhill);
    DGT_ADD(tuning_relax_eta_follows_adam);
    DGT_ADD(tuning_relax_eta_steps_on_the_mean_of_a_commit);
    DGT_ADD(tuning_rebar_long_run_matches_reference);
    DGT_ADD(tuning_relax_new_size_starts_afresh);
#ifndef DGT_SEPARATE_IMPL
    DGT_ADD(tuning_relax_net_starts_as_documented);
    DGT_ADD(tuning_relax_w1_steps_every_row);
#endif
}
