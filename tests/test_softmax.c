/* Softmax family against long-double references, finite differences and the tails. */
#include "common.h"

static void ref_softmax(const dg_real *x, int K, double tau, long double *y)
{
    int k;
    long double m = x[0], s = 0;
    for (k = 1; k < K; ++k) if (x[k] > m) m = x[k];
    for (k = 0; k < K; ++k) s += expl(((long double)x[k] - m) / tau);
    for (k = 0; k < K; ++k) y[k] = expl(((long double)x[k] - m) / tau) / s;
}

static const dg_real sm_x[6] = {0.5, -2.0, 3.25, 0.0, 1e-3, -0.75};
static const double sm_taus[4] = {0.1, 0.5, 1.0, 4.0};

static void softmax_matches_reference(void)
{
    dg_real y[6], ly[6];
    long double ref[6];
    int t, k;
    for (t = 0; t < 4; ++t) {
        CHECK_INT(dg_softmax(sm_x, 6, (dg_real)sm_taus[t], y), DG_OK);
        CHECK_INT(dg_log_softmax(sm_x, 6, (dg_real)sm_taus[t], ly), DG_OK);
        ref_softmax(sm_x, 6, (double)(dg_real)sm_taus[t], ref);
        for (k = 0; k < 6; ++k) {
            CHECK_REL(y[k], ref[k], DGT_TOL(1e-14, 2e-5), 1e-300);
            if (ref[k] > 1e-300L) CHECK_REL(ly[k], logl(ref[k]), DGT_TOL(1e-13, 2e-5), 1e-3);
        }
    }
}

static void softmax_huge_logits_and_aliasing(void)
{
    dg_real x[3] = {1e4, -1e4, 9999}, y[3], ly[3];
    CHECK_INT(dg_softmax(x, 3, 1, y), DG_OK);
    CHECK_REL(y[0], 1 / (1 + exp(-1.0)), DGT_TOL(1e-14, 1e-6), 1);
    CHECK_NEAR(y[1], 0, 0);
    CHECK_INT(dg_log_softmax(x, 3, 1, ly), DG_OK);
    CHECK_REL(ly[1], -2e4 - log1p(exp(-1.0)), DGT_TOL(1e-14, 1e-6), 1);
    /* y may alias x */
    CHECK_INT(dg_softmax(x, 3, 1, x), DG_OK);
    CHECK_NEAR(x[0], y[0], 0);
    CHECK_NEAR(x[2], y[2], 0);
}

static void softmax_zero_tau_is_argmax(void)
{
    dg_real x[5] = {1, 3, -2, 3, 0}, y[5], ly[5];
    int k;
    CHECK_INT(dg_softmax(x, 5, 0, y), DG_OK);
    for (k = 0; k < 5; ++k) CHECK_NEAR(y[k], k == 1, 0); /* lowest index among the tie */
    CHECK_INT(dg_log_softmax(x, 5, 0, ly), DG_OK);
    CHECK_NEAR(ly[1], 0, 0);
    CHECK(isinf((double)ly[3]) && ly[3] < 0);
}

static void softmax_backward_matches_fd(void)
{
    dg_real y[6], dy[6] = {0.3, -1.0, 0.25, 2.0, -0.5, 0.1}, dx[6], yp[6], ym[6], x[6], alias[6];
    double h = DGT_FLOAT ? 1e-2 : 1e-6;
    int t, j, k;
    for (t = 0; t < 4; ++t) {
        dg_real tau = (dg_real)sm_taus[t];
        for (k = 0; k < 6; ++k) x[k] = sm_x[k];
        dg_softmax(x, 6, tau, y);
        CHECK_INT(dg_softmax_backward(y, dy, 6, tau, dx), DG_OK);
        for (j = 0; j < 6; ++j) {
            double fd = 0;
            dg_real keep = x[j];
            x[j] = keep + (dg_real)h; dg_softmax(x, 6, tau, yp);
            x[j] = keep - (dg_real)h; dg_softmax(x, 6, tau, ym);
            x[j] = keep;
            for (k = 0; k < 6; ++k) fd += (double)dy[k] * ((double)yp[k] - (double)ym[k]) / (2 * h);
            CHECK_REL(dx[j], fd, DGT_TOL(1e-6, 5e-2), 1e-2);
        }
        for (k = 0; k < 6; ++k) alias[k] = dy[k];
        CHECK_INT(dg_softmax_backward(y, alias, 6, tau, alias), DG_OK);
        for (k = 0; k < 6; ++k) CHECK_NEAR(alias[k], dx[k], 0);
    }
}

static void softmax_sigmoid_tails(void)
{
    static const double xs[] = {-700, -100, -37, -5, -1e-8, 0, 1e-8, 3, 20, 40, 700};
    int i;
    for (i = 0; i < 11; ++i) {
        long double x = xs[i], s = 1 / (1 + expl(-x)), ls = -log1pl(expl(-x));
        double lo = DGT_FLOAT ? 1e-37 : 1e-307;
        if (s > lo) CHECK_REL(dg_sigmoid((dg_real)xs[i]), s, DGT_TOL(1e-14, 1e-6), lo);
        CHECK_REL(dg_log_sigmoid((dg_real)xs[i]), ls, DGT_TOL(1e-14, 1e-6), DGT_FLOAT ? 1e-37 : 1e-300);
    }
    CHECK_NEAR(dg_log_sigmoid(-1e4), -1e4, 0);
    CHECK_NEAR(dg_sigmoid(-1e4), 0, 0);
    CHECK_NEAR(dg_sigmoid(1e4), 1, 0);
}

static void softmax_logsumexp_values(void)
{
    dg_real a[3] = {1e4, 1e4, -5}, b[2] = {-INFINITY, -INFINITY}, c[2] = {1, NAN};
    CHECK_REL(dg_logsumexp(a, 3), 1e4 + log(2.0), DGT_TOL(1e-15, 1e-7), 1);
    CHECK(isinf((double)dg_logsumexp(b, 2)) && dg_logsumexp(b, 2) < 0);
    CHECK(isnan((double)dg_logsumexp(c, 2)));
    CHECK(isnan((double)dg_logsumexp(a, 0)));
    CHECK(isnan((double)dg_logsumexp(NULL, 3)));
}

static void register_softmax(void)
{
    DGT_ADD(softmax_matches_reference);
    DGT_ADD(softmax_huge_logits_and_aliasing);
    DGT_ADD(softmax_zero_tau_is_argmax);
    DGT_ADD(softmax_backward_matches_fd);
    DGT_ADD(softmax_sigmoid_tails);
    DGT_ADD(softmax_logsumexp_values);
}
