/* Estimator core and every error path of the foundation: codes returned, outputs untouched. */
#include "common.h"

#define SENTINEL ((dg_real)-12345.5)
static void fill(dg_real *x, int n) { int i; for (i = 0; i < n; ++i) x[i] = SENTINEL; }
static int untouched(const dg_real *x, int n)
{
    int i;
    for (i = 0; i < n; ++i) if (!(x[i] == SENTINEL)) return 0;
    return 1;
}

static dg_real f_sum(const dg_real *z, void *user) { (void)user; return z[0] + z[1]; }
static dg_real f_nan(const dg_real *z, void *user) { (void)user; return z[0] > 0.5 ? (dg_real)NAN : 1; }
static dg_real f_inf(const dg_real *z, void *user) { (void)user; return z[1] > 0.5 ? (dg_real)INFINITY : 1; }

static void core_strerror_names_every_code(void)
{
    static const int codes[] = {DG_OK, DG_EINVAL, DG_ECAPACITY, DG_ENEEDGRAD, DG_EDOMAIN, DG_EUNSUPPORTED, DG_ESTATE};
    int i, j;
    for (i = 0; i < 7; ++i) {
        CHECK(dg_strerror(codes[i]) != NULL);
        CHECK(strcmp(dg_strerror(codes[i]), "unknown error") != 0);
        for (j = 0; j < i; ++j) CHECK(strcmp(dg_strerror(codes[i]), dg_strerror(codes[j])) != 0);
    }
    CHECK(strcmp(dg_strerror(-99), "unknown error") == 0);
    CHECK(strcmp(dg_strerror(7), "unknown error") == 0);
}

static void core_init_defaults(void)
{
    dg_config c;
    dg_estimator *e = (dg_estimator *)malloc(sizeof *e);
    memset(&c, 0, sizeof c);
    c.method = DG_RLOO;
    CHECK_INT(dgt_init(e, &c), DG_OK);
    CHECK_INT(e->cfg.samples, 2);
    c.method = DG_REINFORCE;
    CHECK_INT(dgt_init(e, &c), DG_OK);
    CHECK_INT(e->cfg.samples, 1);
    CHECK_NEAR(e->cfg.tau, 1, 0);
    CHECK_NEAR(e->cfg.ema_decay, 0.9, 1e-7);
    CHECK_NEAR(e->cfg.eta, 1, 0);
    CHECK_NEAR(e->cfg.lr, 0.01, 1e-9);
    c.method = DG_REBAR;
    CHECK_INT(dgt_init(e, &c), DG_OK);
    CHECK_NEAR(e->cfg.tau, 0.5, 0);
    printf("  sizeof(dg_estimator) = %lu bytes, sizeof(dg_stats) = %lu bytes\n",
           (unsigned long)sizeof(dg_estimator), (unsigned long)sizeof(dg_stats));
    free(e);
}

static void core_init_errors_leave_estimator_untouched(void)
{
    struct { dg_method m; int samples; double tau, ema, eta, lr; int baseline; int want; } bad[] = {
        {(dg_method)0, 0, 0, 0, 0, 0, 0, DG_EINVAL},
        {(dg_method)(DG__METHOD_LAST + 1), 0, 0, 0, 0, 0, 0, DG_EINVAL},
        {DG_REINMAX, 0, 0.5, 0, 0, 0, 0, DG_EINVAL},
        {DG_REINMAX, 0, 0.999, 0, 0, 0, 0, DG_EINVAL},
        {DG_REINFORCE, -1, 0, 0, 0, 0, 0, DG_EINVAL},
        {DG_RLOO, 1, 0, 0, 0, 0, 0, DG_EINVAL},
        {DG_VIMCO, 1, 0, 0, 0, 0, 0, DG_EINVAL},
        {DG_REINFORCE, DG_MAX_SAMPLES + 1, 0, 0, 0, 0, 0, DG_ECAPACITY},
        {DG_GUMBEL_SOFTMAX, 0, -1, 0, 0, 0, 0, DG_EINVAL},
        {DG_GUMBEL_SOFTMAX, 0, NAN, 0, 0, 0, 0, DG_EINVAL},
        {DG_GUMBEL_SOFTMAX, 0, INFINITY, 0, 0, 0, 0, DG_EINVAL},
        {DG_REINFORCE, 0, 0, 1.0, 0, 0, 0, DG_EINVAL},
        {DG_REINFORCE, 0, 0, -0.1, 0, 0, 0, DG_EINVAL},
        {DG_REBAR, 0, 0, 0, NAN, 0, 0, DG_EINVAL},
        {DG_RELAX, 0, 0, 0, 0, -0.01, 0, DG_EINVAL},
        {DG_REINFORCE, 0, 0, 0, 0, 0, DG_BASELINE_CV + 1, DG_EINVAL},
        {DG_REINFORCE, 0, 0, 0, 0, 0, -1, DG_EINVAL},
    };
    dg_estimator *e = (dg_estimator *)malloc(sizeof *e), *copy = (dg_estimator *)malloc(sizeof *e);
    dg_config c;
    size_t i;
    memset(e, 0xA5, sizeof *e);
    memcpy(copy, e, sizeof *e);
    for (i = 0; i < sizeof bad / sizeof bad[0]; ++i) {
        memset(&c, 0, sizeof c);
        c.method = bad[i].m;
        c.samples = bad[i].samples;
        c.tau = (dg_real)bad[i].tau;
        c.ema_decay = (dg_real)bad[i].ema;
        c.eta = (dg_real)bad[i].eta;
        c.lr = (dg_real)bad[i].lr;
        c.baseline = (dg_baseline)bad[i].baseline;
        CHECK_INT(dgt_init(e, &c), bad[i].want);
        CHECK(memcmp(e, copy, sizeof *e) == 0);
    }
    CHECK_INT(dgt_init(NULL, &c), DG_EINVAL);
    CHECK_INT(dgt_init(e, NULL), DG_EINVAL);
    free(e);
    free(copy);
}

static void core_estimate_errors_leave_outputs_untouched(void)
{
    dg_real logits[4] = {0.1, -0.2, 0.3, 0.4}, bad_logits[4] = {0.1, NAN, 0.3, 0.4};
    dg_real inf_logits[4] = {0.1, 0.2, -INFINITY, 0.4}, g[DG_MAX_DIM + 1];
    dg_estimator *e = (dg_estimator *)malloc(sizeof *e);
    dg_config c;
    dg_info info;
    dg_problem p, q;
    memset(&c, 0, sizeof c);
    c.method = DG_EXACT;
    dgt_init(e, &c);
    p = dgt_problem(DG_BERNOULLI, 2, 0, logits, f_sum, NULL, NULL);
#define EXPECT_ERR(prob, want)                                                              \
    do {                                                                                    \
        fill(g, 4);                                                                         \
        memset(&info, 0x5A, sizeof info);                                                   \
        CHECK_INT(dg_estimate(e, prob, g, &info), want);                                    \
        CHECK(untouched(g, 4));                                                             \
        CHECK(((unsigned char *)&info)[0] == 0x5A);                                         \
    } while (0)
    EXPECT_ERR(NULL, DG_EINVAL);
    q = p; q.kind = (dg_kind)3; EXPECT_ERR(&q, DG_EINVAL);
    q = p; q.D = 0; EXPECT_ERR(&q, DG_EINVAL);
    q = p; q.D = -4; EXPECT_ERR(&q, DG_EINVAL);
    q = p; q.logits = NULL; EXPECT_ERR(&q, DG_EINVAL);
    q = p; q.f = NULL; EXPECT_ERR(&q, DG_EINVAL);
    q = p; q.D = DG_MAX_DIM + 1; EXPECT_ERR(&q, DG_ECAPACITY);
    q = p; q.logits = bad_logits; EXPECT_ERR(&q, DG_EDOMAIN);
    q = p; q.logits = inf_logits; q.D = 4; EXPECT_ERR(&q, DG_EDOMAIN);
    q = p; q.f = f_nan; EXPECT_ERR(&q, DG_EDOMAIN);
    q = p; q.f = f_inf; EXPECT_ERR(&q, DG_EDOMAIN);
    q = p; q.kind = DG_CATEGORICAL; q.K = 0; EXPECT_ERR(&q, DG_EINVAL);
    q = p; q.kind = DG_CATEGORICAL; q.K = DG_MAX_K + 1; EXPECT_ERR(&q, DG_ECAPACITY);
    q = p; q.kind = DG_CATEGORICAL; q.D = DG_MAX_DIM; q.K = 2; EXPECT_ERR(&q, DG_ECAPACITY);
    q = p; q.kind = DG_CATEGORICAL; q.D = 1; q.K = 2; q.logits = bad_logits; EXPECT_ERR(&q, DG_EDOMAIN);
    /* methods that need f_grad say so before anything else runs */
    c.method = DG_GUMBEL_SOFTMAX; dgt_init(e, &c); EXPECT_ERR(&p, DG_ENEEDGRAD);
    c.method = DG_REBAR; dgt_init(e, &c); EXPECT_ERR(&p, DG_ENEEDGRAD);
    /* NULL estimator or gradient */
    fill(g, 4);
    CHECK_INT(dg_estimate(NULL, &p, g, NULL), DG_EINVAL);
    CHECK_INT(dg_estimate(e, &p, NULL, NULL), DG_EINVAL);
    CHECK(untouched(g, 4));
    /* dg_exact's own errors */
    fill(g, 4);
    CHECK_INT(dg_exact(&p, NULL, NULL), DG_EINVAL);
    q = p; q.f = f_nan; CHECK_INT(dg_exact(&q, g, g + 3), DG_EDOMAIN);
    CHECK(untouched(g, 4));
#undef EXPECT_ERR
    free(e);
}

static void core_sampler_and_softmax_errors(void)
{
    dg_real ok[3] = {0.1, 0.2, 0.3}, nanv[3] = {0.1, NAN, 0.3}, out[3], E[3] = {1, 2, 3}, Ebad[3] = {1, 0, 3};
    dg_rng r;
    dg_rng_seed(&r, 1, 1);
    CHECK_INT(dg_sample_bernoulli(NULL, 0), DG_EINVAL);
    CHECK_INT(dg_sample_bernoulli(&r, (dg_real)NAN), DG_EDOMAIN);
    CHECK_INT(dg_sample_bernoulli(&r, (dg_real)INFINITY), DG_EDOMAIN);
    CHECK_INT(dg_sample_categorical(NULL, ok, 3), DG_EINVAL);
    CHECK_INT(dg_sample_categorical(&r, NULL, 3), DG_EINVAL);
    CHECK_INT(dg_sample_categorical(&r, ok, 0), DG_EINVAL);
    CHECK_INT(dg_sample_categorical(&r, ok, DG_MAX_K + 1), DG_ECAPACITY);
    CHECK_INT(dg_sample_categorical(&r, nanv, 3), DG_EDOMAIN);
    fill(out, 3);
    CHECK_INT(dg_gumbel_max(&r, nanv, 3, out), DG_EDOMAIN);
    CHECK_INT(dg_gumbel_given_argmax(&r, ok, 3, 3, out), DG_EINVAL);
    CHECK_INT(dg_gumbel_given_argmax(&r, ok, 3, -1, out), DG_EINVAL);
    CHECK_INT(dg_gumbel_given_argmax(&r, ok, 3, 0, NULL), DG_EINVAL);
    CHECK_INT(dg_gumbel_given_argmax(&r, nanv, 3, 0, out), DG_EDOMAIN);
    CHECK_INT(dg_gumbel_given_argmax_at(ok, 3, 0, Ebad, out), DG_EINVAL);
    CHECK_INT(dg_gumbel_given_argmax_at(ok, 3, 0, NULL, out), DG_EINVAL);
    CHECK_INT(dg_gumbel_given_argmax_vjp(ok, 3, 0, E, nanv, out), DG_EDOMAIN);
    CHECK_INT(dg_gumbel_given_argmax_vjp(ok, 3, 5, E, ok, out), DG_EINVAL);
    CHECK(untouched(out, 3));
    CHECK_INT(dg_logistic_given_bit(&r, 0, 2, out), DG_EINVAL);
    CHECK_INT(dg_logistic_given_bit(&r, (dg_real)NAN, 1, out), DG_EDOMAIN);
    CHECK_INT(dg_logistic_given_bit(NULL, 0, 1, out), DG_EINVAL);
    CHECK_INT(dg_logistic_given_bit_at(0, 1, 0, out, NULL), DG_EINVAL);
    CHECK_INT(dg_logistic_given_bit_at(0, 1, 1, out, NULL), DG_EINVAL);
    CHECK(untouched(out, 3));
    CHECK_INT(dg_softmax(ok, 3, -1, out), DG_EINVAL);
    CHECK_INT(dg_softmax(ok, 3, (dg_real)NAN, out), DG_EINVAL);
    CHECK_INT(dg_softmax(ok, 3, (dg_real)INFINITY, out), DG_EDOMAIN);
    CHECK_INT(dg_softmax(nanv, 3, 1, out), DG_EDOMAIN);
    CHECK_INT(dg_softmax(NULL, 3, 1, out), DG_EINVAL);
    CHECK_INT(dg_softmax(ok, 0, 1, out), DG_EINVAL);
    CHECK_INT(dg_log_softmax(ok, 3, -1, out), DG_EINVAL);
    CHECK_INT(dg_log_softmax(nanv, 3, 1, out), DG_EDOMAIN);
    CHECK_INT(dg_softmax_backward(ok, ok, 3, 0, out), DG_EINVAL);
    CHECK_INT(dg_softmax_backward(ok, nanv, 3, 1, out), DG_EDOMAIN);
    CHECK_INT(dg_softmax_backward(ok, ok, 3, 1, NULL), DG_EINVAL);
    CHECK(untouched(out, 3));
}

static void core_stats_welford(void)
{
    static dg_stats s;
    dg_real x[2];
    double data[6] = {1.5, -2.0, 4.25, 1e3, 0.0, 3.0}, mean = 0, var = 0;
    int i;
    CHECK_INT(dg_stats_init(&s, 2), DG_OK);
    for (i = 0; i < 6; ++i) { x[0] = (dg_real)data[i]; x[1] = (dg_real)(2 * data[i]); CHECK_INT(dg_stats_push(&s, x), DG_OK); }
    for (i = 0; i < 6; ++i) mean += data[i] / 6;
    for (i = 0; i < 6; ++i) var += (data[i] - mean) * (data[i] - mean) / 5;
    CHECK_REL(dg_stats_mean(&s, 0), mean, 1e-12, 1);
    CHECK_REL(dg_stats_var(&s, 0), var, 1e-12, 1);
    CHECK_REL(dg_stats_var(&s, 1), 4 * var, 1e-12, 1);
    CHECK_REL(dg_stats_sem(&s, 1), sqrt(4 * var / 6), 1e-12, 1);
    x[1] = (dg_real)NAN;
    CHECK_INT(dg_stats_push(&s, x), DG_EDOMAIN);
    CHECK_INT((int)s.count, 6);
    CHECK_INT(dg_stats_init(&s, 0), DG_EINVAL);
    CHECK_INT(dg_stats_init(&s, DG_MAX_DIM + 1), DG_ECAPACITY);
    CHECK_INT(dg_stats_init(NULL, 3), DG_EINVAL);
    CHECK_INT(dg_stats_push(NULL, x), DG_EINVAL);
}

/* The variance from exactly two values (1 and 3: 2, the sample variance), and a push whose finite
   values would overflow the sum of squares refused whole. The second needs values near 1e154,
   which only a double dg_real holds (dg_stats accumulates in double either way), so the float
   build checks the first part only. */
static void core_stats_edges(void)
{
    static dg_stats s;
    dg_real x[1];
    CHECK_INT(dg_stats_init(&s, 1), DG_OK);
    x[0] = 1;
    CHECK_INT(dg_stats_push(&s, x), DG_OK);
    CHECK(dg_stats_var(&s, 0) == 0); /* one value: no variance yet */
    x[0] = 3;
    CHECK_INT(dg_stats_push(&s, x), DG_OK);
    CHECK(dg_stats_var(&s, 0) == 2);
    if (!DGT_FLOAT) {
        volatile double big = 1.8e154;
        CHECK_INT(dg_stats_init(&s, 1), DG_OK);
        x[0] = 0;
        CHECK_INT(dg_stats_push(&s, x), DG_OK);
        x[0] = (dg_real)big;
        CHECK_INT(dg_stats_push(&s, x), DG_OK); /* sum of squares 1.62e308: finite */
        CHECK_INT(dg_stats_push(&s, x), DG_EDOMAIN); /* 1.62e308 + 0.54e308 overflows */
        CHECK_INT((int)s.count, 2);
        CHECK(isfinite(dg_stats_var(&s, 0)));
    }
}

static void register_core(void)
{
    DGT_ADD(core_strerror_names_every_code);
    DGT_ADD(core_init_defaults);
    DGT_ADD(core_init_errors_leave_estimator_untouched);
    DGT_ADD(core_estimate_errors_leave_outputs_untouched);
    DGT_ADD(core_sampler_and_softmax_errors);
    DGT_ADD(core_stats_welford);
    DGT_ADD(core_stats_edges);
}
