/* Exact enumeration against closed forms. */
#include "common.h"

static double toy_t;
static dg_real toy_f(const dg_real *z, void *user) { (void)user; return (z[0] - toy_t) * (z[0] - toy_t); }

static void exact_toy_closed_form(void)
{
    static const double ts[] = {0.45, 0.499, 0.1};
    static const double phis[] = {0, -1.0986122886681098, 2.5};
    int i, j;
    for (i = 0; i < 3; ++i)
        for (j = 0; j < 3; ++j) {
            dg_real phi = (dg_real)phis[j], g, v;
            dg_problem p = dgt_problem(DG_BERNOULLI, 1, 0, &phi, toy_f, NULL, NULL);
            double pr = dgt_sigmoid((double)phi);
            toy_t = ts[i];
            CHECK_INT(dg_exact(&p, &g, &v), DG_OK);
            CHECK_REL(g, (1 - 2 * ts[i]) * pr * (1 - pr), DGT_TOL(1e-12, 1e-5), 1e-12);
            CHECK_REL(v, pr * (1 - ts[i]) * (1 - ts[i]) + (1 - pr) * ts[i] * ts[i], DGT_TOL(1e-12, 1e-5), 1e-12);
        }
}

/* f = z0 z1 + 2 z2: grad_0 = p0(1-p0) p1, grad_1 = p1(1-p1) p0, grad_2 = 2 p2(1-p2). */
static dg_real prod_f(const dg_real *z, void *user) { (void)user; return z[0] * z[1] + 2 * z[2]; }

static void exact_bernoulli_product(void)
{
    dg_real logits[3] = {0.3, -1.1, 2.0}, g[3], v;
    dg_problem p = dgt_problem(DG_BERNOULLI, 3, 0, logits, prod_f, NULL, NULL);
    double p0 = dgt_sigmoid(0.3), p1 = dgt_sigmoid(-1.1), p2 = dgt_sigmoid(2.0);
    CHECK_INT(dg_exact(&p, g, &v), DG_OK);
    CHECK_REL(g[0], p0 * (1 - p0) * p1, DGT_TOL(1e-12, 1e-5), 1e-12);
    CHECK_REL(g[1], p1 * (1 - p1) * p0, DGT_TOL(1e-12, 1e-5), 1e-12);
    CHECK_REL(g[2], 2 * p2 * (1 - p2), DGT_TOL(1e-12, 1e-5), 1e-12);
    CHECK_REL(v, p0 * p1 + 2 * p2, DGT_TOL(1e-12, 1e-5), 1e-12);
}

/* Categorical D = 2, K = 3, f = a.z_0 + b.z_1 + c z_{0,0} z_{1,2}, by hand:
   d/dphi_{0,k} = pi_0k (a_k - pi_0.a) + c pi_12 pi_0k (delta_k0 - pi_00), likewise for row 1. */
static const double cat_a[3] = {1.0, -2.0, 0.5}, cat_b[3] = {0.25, 3.0, -1.0}, cat_c = 1.7;
static dg_real cat_f(const dg_real *z, void *user)
{
    int k;
    double s = 0;
    (void)user;
    for (k = 0; k < 3; ++k) s += cat_a[k] * z[k] + cat_b[k] * z[3 + k];
    return s + cat_c * z[0] * z[5];
}

static void exact_categorical_by_hand(void)
{
    dg_real logits[6] = {0.2, -0.4, 1.0, -1.5, 0.3, 0.8}, g[6], v, p0[3], p1[3];
    dg_problem p = dgt_problem(DG_CATEGORICAL, 2, 3, logits, cat_f, NULL, NULL);
    double ma = 0, mb = 0;
    int k;
    dg_softmax(logits, 3, 1, p0);
    dg_softmax(logits + 3, 3, 1, p1);
    for (k = 0; k < 3; ++k) { ma += p0[k] * cat_a[k]; mb += p1[k] * cat_b[k]; }
    CHECK_INT(dg_exact(&p, g, &v), DG_OK);
    for (k = 0; k < 3; ++k) {
        double e0 = p0[k] * (cat_a[k] - ma) + cat_c * p1[2] * p0[k] * ((k == 0) - p0[0]);
        double e1 = p1[k] * (cat_b[k] - mb) + cat_c * p0[0] * p1[k] * ((k == 2) - p1[2]);
        CHECK_REL(g[k], e0, DGT_TOL(1e-12, 1e-5), 1e-12);
        CHECK_REL(g[3 + k], e1, DGT_TOL(1e-12, 1e-5), 1e-12);
    }
    CHECK_REL(v, ma + mb + cat_c * p0[0] * p1[2], DGT_TOL(1e-12, 1e-5), 1e-12);
}

/* An objective of the K = 1 problem below, which has only D = 2 values. */
static dg_real k1_f(const dg_real *z, void *user) { (void)user; return 3 * z[0] - 2 * z[1]; }

static void exact_through_estimator_and_k1(void)
{
    dg_real logits[6] = {0.2, -0.4, 1.0, -1.5, 0.3, 0.8}, g[6], ge[6], one[2] = {3.0, -2.0}, g1[2];
    dg_problem p = dgt_problem(DG_CATEGORICAL, 2, 3, logits, cat_f, NULL, NULL);
    dg_problem p1 = dgt_problem(DG_CATEGORICAL, 2, 1, one, k1_f, NULL, NULL);
    dg_config c;
    dg_estimator *e = (dg_estimator *)malloc(sizeof *e);
    dg_info info;
    int k;
    memset(&c, 0, sizeof c);
    c.method = DG_EXACT;
    CHECK_INT(dgt_init(e, &c), DG_OK);
    CHECK_INT(dg_exact(&p, g, NULL), DG_OK);
    CHECK_INT(dg_estimate(e, &p, ge, &info), DG_OK);
    for (k = 0; k < 6; ++k) CHECK_NEAR(ge[k], g[k], 0);
    CHECK_INT(info.f_evals, 9);
    /* K = 1: a single certain class has zero gradient */
    CHECK_INT(dg_exact(&p1, g1, NULL), DG_OK);
    CHECK_NEAR(g1[0], 0, 0);
    CHECK_NEAR(g1[1], 0, 0);
    free(e);
}

static void exact_capacity(void)
{
    dg_real logits[32] = {0}, g[32];
    dg_problem p = dgt_problem(DG_BERNOULLI, 21, 0, logits, prod_f, NULL, NULL);
    int k;
    for (k = 0; k < 32; ++k) g[k] = 7;
    CHECK_INT(dg_exact(&p, g, NULL), (1L << 21) > DG_MAX_ENUM ? DG_ECAPACITY : DG_OK);
    if ((1L << 21) > DG_MAX_ENUM) for (k = 0; k < 32; ++k) CHECK_NEAR(g[k], 7, 0);
}

static void register_exact(void)
{
    DGT_ADD(exact_toy_closed_form);
    DGT_ADD(exact_bernoulli_product);
    DGT_ADD(exact_categorical_by_hand);
    DGT_ADD(exact_through_estimator_and_k1);
    DGT_ADD(exact_capacity);
}
