/* Bad and extreme inputs for every public function and every method.

   Every error case fills the caller's outputs with a sentinel first and checks that the call
   returned its code and left every output element (and the estimator's learned state) as it was.
   Extreme-but-valid inputs check that every method returns finite gradients or its documented
   error. The method checks are written against the final contract: a method that is still a
   stub (DG_EUNSUPPORTED) fails them. */
#include <float.h>
#include <limits.h>
#include <stdarg.h>
#include "common.h"

#define TE_SENT ((dg_real)-4242.25)
/* A subnormal temperature: 1/tau overflows. */
#define TE_TAU_SUBNORMAL ((dg_real)(DGT_FLOAT ? FLT_MIN : DBL_MIN) / 4)
#define TE_NMETHODS 16

static void te_fill(dg_real *x, int n)
{
    int i;
    for (i = 0; i < n; ++i) x[i] = TE_SENT;
}

/* Index of the first element that is not the sentinel, or -1. */
static int te_touched(const dg_real *x, int n)
{
    int i;
    for (i = 0; i < n; ++i)
        if (!(x[i] == TE_SENT)) return i;
    return -1;
}

static const char *te_method_name(dg_method m)
{
    static const char *names[TE_NMETHODS + 1] = {
        "?", "EXACT", "REINFORCE", "RLOO", "GUMBEL_SOFTMAX", "STRAIGHT_THROUGH",
        "GUMBEL_RAO", "MUPROP", "REBAR", "RELAX", "ARM", "DISARM", "REINMAX", "INDECATER",
        /* the multi-sample bound */
        "VIMCO",
        /* sampling without replacement */
        "UNORDERED_SET", "SUM_AND_SAMPLE"};
    return (int)m >= 1 && (int)m <= TE_NMETHODS ? names[m] : "?";
}

static int te_needs_grad(dg_method m)
{
    return m == DG_GUMBEL_SOFTMAX || m == DG_STRAIGHT_THROUGH || m == DG_GUMBEL_RAO ||
           m == DG_MUPROP || m == DG_REBAR || m == DG_RELAX || m == DG_REINMAX;
}

/* ARM has a categorical form (ARS); DisARM is Bernoulli only. */
static int te_bernoulli_only(dg_method m) { return m == DG_DISARM; }

/* The methods that draw their samples together, at most DG_MAX_SET of them. */
static int te_set_method(dg_method m) { return m == DG_UNORDERED_SET || m == DG_SUM_AND_SAMPLE; }

/* Their points per example: min(samples, configurations of D variables of C classes). */
static int te_set_size(int samples, int D, int C)
{
    long count = 1;
    int d;
    for (d = 0; d < D && count < samples; ++d) count *= C;
    return count < samples ? (int)count : samples;
}

/* A failed expectation, reported with what was being tried. */
#if defined(__GNUC__) || defined(__clang__)
static void te_fail(int line, const char *ctx, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
#endif
static void te_fail(int line, const char *ctx, const char *fmt, ...)
{
    char what[256], buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    snprintf(buf, sizeof buf, "[%s] %s", ctx, what);
    dgt_fail(__FILE__, line, buf);
}
static long te_cases; /* error cases checked, printed by errors_summary */
#define TE_RC(ctx, got, want)                                                              \
    do {                                                                                   \
        int te_g = (got), te_w = (want);                                                   \
        te_cases++;                                                                        \
        if (te_g != te_w) te_fail(__LINE__, ctx, "returned %d, expected %d", te_g, te_w);   \
    } while (0)
#define TE_UNTOUCHED(ctx, x, n)                                                            \
    do {                                                                                   \
        int te_i = te_touched(x, n);                                                       \
        if (te_i >= 0) te_fail(__LINE__, ctx, "output element %d of %d written", te_i, (int)(n)); \
    } while (0)

/* ---------------------------------------------------------------------------------------------
   The objective: any number n of values, with a counter of f and f_grad calls and a poison that
   makes one call (or every call) return a value that is not finite.
   f(z) = w.z + (v.z)^2 / 2 with w_i = 1 - ((37 i) mod 17) / 8, v_i = (((13 i) mod 7) - 3) / 4.
   ------------------------------------------------------------------------------------------- */
enum { TE_CLEAN = 0, TE_F_NAN, TE_F_INF, TE_F_NEG_INF, TE_DZ_NAN, TE_DZ_INF, TE_F_HUGE, TE_DZ_HUGE,
       TE_F_HUGE_POS /* f = +2/3 of the largest value: two of them overflow a sum */ };

/* Finite values so large that a difference or sum of two overflows: +-2/3 of the largest. */
#define TE_HUGE ((dg_real)((DGT_FLOAT ? 3.4028234663852886e38 : 1.7976931348623157e308) / 1.5))

typedef struct te_obj {
    dg_kind kind;
    int n;              /* values in z */
    int K;              /* classes per row (1 for Bernoulli) */
    long calls;         /* f and f_grad calls so far */
    long poison_at;     /* which call is poisoned (1-based); 0: none; -1: every call */
    int poison;         /* TE_F_* poisons the value (f and f_grad), TE_DZ_* the gradient only */
    int cv_poison;      /* 1: cv returns NaN; 2: cv_mean_grad writes a NaN */
} te_obj;

static double te_w(int i) { return 1 - ((37 * i) % 17) / 8.0; }
static double te_v(int i) { return (((13 * i) % 7) - 3) / 4.0; }

static int te_poisoned(te_obj *o)
{
    o->calls++;
    return o->poison_at == -1 || o->poison_at == o->calls;
}

static dg_real te_bad_value(int poison)
{
    if (poison == TE_F_NAN) return (dg_real)NAN;
    if (poison == TE_F_INF) return (dg_real)INFINITY;
    return -(dg_real)INFINITY;
}

static dg_real te_f(const dg_real *z, void *user)
{
    te_obj *o = (te_obj *)user;
    double a = 0, c = 0;
    int i;
    for (i = 0; i < o->n; ++i) { a += te_w(i) * z[i]; c += te_v(i) * z[i]; }
    if (te_poisoned(o)) {
        if (o->poison >= TE_F_NAN && o->poison <= TE_F_NEG_INF) return te_bad_value(o->poison);
        if (o->poison == TE_F_HUGE) return o->calls % 2 ? TE_HUGE : -TE_HUGE;
        if (o->poison == TE_F_HUGE_POS) return TE_HUGE;
    }
    return (dg_real)(a + 0.5 * c * c);
}

static dg_real te_f_grad(const dg_real *z, dg_real *dz, void *user)
{
    te_obj *o = (te_obj *)user;
    double a = 0, c = 0;
    int i;
    for (i = 0; i < o->n; ++i) { a += te_w(i) * z[i]; c += te_v(i) * z[i]; }
    for (i = 0; i < o->n; ++i) dz[i] = (dg_real)(te_w(i) + c * te_v(i));
    if (te_poisoned(o)) {
        if (o->poison == TE_DZ_NAN) dz[o->n - 1] = (dg_real)NAN;
        if (o->poison == TE_DZ_INF) dz[0] = (dg_real)INFINITY;
        if (o->poison >= TE_F_NAN && o->poison <= TE_F_NEG_INF) return te_bad_value(o->poison);
        if (o->poison == TE_DZ_HUGE)
            for (i = 0; i < o->n; ++i) dz[i] = (o->calls + i) % 2 ? TE_HUGE : -TE_HUGE;
        if (o->poison == TE_F_HUGE) return o->calls % 2 ? TE_HUGE : -TE_HUGE;
        if (o->poison == TE_F_HUGE_POS) return TE_HUGE;
    }
    return (dg_real)(a + 0.5 * c * c);
}

/* The control variate b(z) = w.z / 2, whose mean has gradient (w/2) . dE_q z/dphi. */
static dg_real te_cv(const dg_real *z, void *user)
{
    te_obj *o = (te_obj *)user;
    double a = 0;
    int i;
    for (i = 0; i < o->n; ++i) a += te_w(i) * z[i];
    return o->cv_poison == 1 ? (dg_real)NAN : (dg_real)(0.5 * a);
}

static void te_cv_mean_grad(const dg_real *logits, dg_real *grad, void *user)
{
    te_obj *o = (te_obj *)user;
    int i, k, K = o->K;
    if (o->kind == DG_BERNOULLI) {
        for (i = 0; i < o->n; ++i) {
            double p = dgt_sigmoid((double)logits[i]);
            grad[i] = (dg_real)(0.5 * te_w(i) * p * (1 - p));
        }
    } else {
        dg_real pi[DG_MAX_K];
        for (i = 0; i < o->n; i += K) {
            double dot = 0;
            dg_softmax(logits + i, K, 1, pi);
            for (k = 0; k < K; ++k) dot += pi[k] * te_w(i + k);
            for (k = 0; k < K; ++k) grad[i + k] = (dg_real)(0.5 * pi[k] * (te_w(i + k) - dot));
        }
    }
    if (o->cv_poison == 2) grad[0] = (dg_real)NAN;
}

static te_obj te_o;
/* The weights output (problem.weights) of every problem here: written on success only, by
   VIMCO and the sampling-without-replacement methods only; room for a batch of two at
   DG_MAX_SAMPLES */
#define TE_NWTS (2 * DG_MAX_SAMPLES + 8)
static dg_real te_wts[TE_NWTS];

/* A problem over te_o of D Bernoulli variables, or D categorical rows of K classes. */
static dg_problem te_problem(dg_kind kind, int D, int K, const dg_real *logits)
{
    dg_problem p = dgt_problem(kind, D, K, logits, te_f, te_f_grad, &te_o);
    memset(&te_o, 0, sizeof te_o);
    te_o.kind = kind;
    te_o.n = kind == DG_BERNOULLI ? D : D * K;
    te_o.K = kind == DG_BERNOULLI ? 1 : K;
    p.cv = te_cv;
    p.cv_mean_grad = te_cv_mean_grad;
    p.baseline_input = (dg_real)0.25;
    p.weights = te_wts;
    return p;
}

static const dg_real te_logits3[3] = {0.3, -1.2, 2.0};
static const dg_real te_logits23[6] = {0.2, -0.5, 1.0, 1.5, 0.0, -2.0};
static const dg_real te_logits23_nan[6] = {0.2, -0.5, NAN, 1.5, 0.0, -2.0};

static dg_problem te_small(dg_kind kind)
{
    return kind == DG_BERNOULLI ? te_problem(kind, 3, 0, te_logits3)
                                : te_problem(kind, 2, 3, te_logits23);
}

static dg_config te_config(dg_method m, int samples)
{
    dg_config c;
    memset(&c, 0, sizeof c);
    c.method = m;
    c.samples = samples;
    c.seed = 11;
    c.stream = (uint64_t)m;
    return c;
}

/* The estimator's learned state: everything dg_estimate may not change on error (the rng may
   advance, the scratch is scratch). */
static int te_same_state(const dg_estimator *a, const dg_estimator *b)
{
    return memcmp(&a->cfg, &b->cfg, sizeof a->cfg) == 0 && a->steps == b->steps &&
           memcmp(&a->sf, &b->sf, sizeof a->sf) == 0 && memcmp(&a->cv, &b->cv, sizeof a->cv) == 0;
}

static dg_estimator te_e, te_snap;
static dg_real te_grad[DG_MAX_DIM + 8];

/* Calls dg_estimate on a sentinel-filled gradient and info and checks the code, that neither
   output was written, and that the learned state is as in te_snap. */
static void te_expect_error(int line, const char *ctx, dg_estimator *e, const dg_problem *p,
                            int want)
{
    dg_info info;
    unsigned char pattern[sizeof(dg_info)];
    int rc, i;
    memset(&info, 0x5A, sizeof info);
    memset(pattern, 0x5A, sizeof pattern);
    te_fill(te_grad, DG_MAX_DIM + 8);
    te_fill(te_wts, TE_NWTS);
    te_cases++;
    rc = dg_estimate(e, p, te_grad, &info);
    if (rc != want) te_fail(line, ctx, "dg_estimate returned %d, expected %d", rc, want);
    i = te_touched(te_grad, DG_MAX_DIM + 8);
    if (i >= 0) te_fail(line, ctx, "gradient element %d written (code %d)", i, rc);
    i = te_touched(te_wts, TE_NWTS);
    if (i >= 0) te_fail(line, ctx, "weight %d written (code %d)", i, rc);
    if (memcmp(&info, pattern, sizeof info) != 0) te_fail(line, ctx, "info written (code %d)", rc);
    if (e && !te_same_state(e, &te_snap)) te_fail(line, ctx, "learned state changed (code %d)", rc);
}

static void te_ctx(char *buf, size_t size, dg_method m, dg_kind kind, const char *what)
{
    snprintf(buf, size, "%s %s: %s", te_method_name(m), kind == DG_BERNOULLI ? "Bernoulli" : "categorical",
             what);
}

/* ---------------------------------------------------------------------------------------------
   dg_estimate: bad problems, for every method and both kinds
   ------------------------------------------------------------------------------------------- */
static void errors_estimate_bad_problem_every_method(void)
{
    const dg_real nan_first[6] = {DGT_NAN, 0, 1, 0, 0, 0}, nan_last[6] = {0, 1, 2, 3, 4, DGT_NAN};
    const dg_real pinf[6] = {0, DGT_INF, 0, 0, 0, 0}, minf[6] = {0, 0, -DGT_INF, 0, 0, 0};
    int mi, ki;
    char ctx[160];
    for (mi = 1; mi <= TE_NMETHODS; ++mi)
        for (ki = 0; ki < 2; ++ki) {
            dg_method m = (dg_method)mi;
            dg_kind kind = ki ? DG_CATEGORICAL : DG_BERNOULLI;
            dg_problem p = te_small(kind), q;
            dg_config c = te_config(m, 2);
            /* memory for DG_MAX_DIM logits (categorical: K = 2, the fewest classes below), so one
               logit more is over capacity */
            CHECK_INT(dgt_init_for(&te_e, &c, kind, DG_MAX_DIM / (kind == DG_BERNOULLI ? 1 : 2), 2), DG_OK);
            te_snap = te_e;
#define TE_BAD(what, edit, want)                                                            \
    do {                                                                                    \
        q = p;                                                                              \
        edit;                                                                               \
        te_ctx(ctx, sizeof ctx, m, kind, what);                                             \
        te_expect_error(__LINE__, ctx, &te_e, &q, want);                                    \
    } while (0)
            te_ctx(ctx, sizeof ctx, m, kind, "NULL problem");
            te_expect_error(__LINE__, ctx, &te_e, NULL, DG_EINVAL);
            te_ctx(ctx, sizeof ctx, m, kind, "NULL estimator");
            te_expect_error(__LINE__, ctx, NULL, &p, DG_EINVAL);
            te_ctx(ctx, sizeof ctx, m, kind, "NULL gradient");
            CHECK_INT(dg_estimate(&te_e, &p, NULL, NULL), DG_EINVAL);
            CHECK(te_same_state(&te_e, &te_snap));
            TE_BAD("kind 0", q.kind = (dg_kind)0, DG_EINVAL);
            TE_BAD("kind 3", q.kind = (dg_kind)3, DG_EINVAL);
            TE_BAD("kind -1", q.kind = (dg_kind)-1, DG_EINVAL);
            TE_BAD("D = 0", q.D = 0, DG_EINVAL);
            TE_BAD("D = -1", q.D = -1, DG_EINVAL);
            TE_BAD("D = INT_MIN", q.D = INT_MIN, DG_EINVAL);
            TE_BAD("D over capacity", q.D = DG_MAX_DIM / (kind == DG_BERNOULLI ? 1 : 3) + 1, DG_ECAPACITY);
            TE_BAD("D = INT_MAX", q.D = INT_MAX, DG_ECAPACITY);
            TE_BAD("logits NULL", q.logits = NULL, DG_EINVAL);
            TE_BAD("f NULL", q.f = NULL, DG_EINVAL);
            TE_BAD("first logit NaN", q.logits = nan_first, DG_EDOMAIN);
            TE_BAD("logit +inf", q.logits = pinf, DG_EDOMAIN);
            TE_BAD("logit -inf", q.logits = minf, DG_EDOMAIN);
            if (kind == DG_CATEGORICAL) {
                TE_BAD("last logit NaN", q.logits = nan_last, DG_EDOMAIN);
                TE_BAD("K = 0", q.K = 0, DG_EINVAL);
                TE_BAD("K = -3", q.K = -3, DG_EINVAL);
                TE_BAD("K = INT_MIN", q.K = INT_MIN, DG_EINVAL);
                TE_BAD("K over DG_MAX_K", (q.K = DG_MAX_K + 1, q.D = 1), DG_ECAPACITY);
                TE_BAD("K = INT_MAX", q.K = INT_MAX, DG_ECAPACITY);
                TE_BAD("D*K over DG_MAX_DIM", (q.K = 2, q.D = DG_MAX_DIM / 2 + 1), DG_ECAPACITY);
            }
            if (te_needs_grad(m)) TE_BAD("no f_grad", q.f_grad = NULL, DG_ENEEDGRAD);
            if (te_bernoulli_only(m) && kind == DG_CATEGORICAL)
                TE_BAD("categorical", (void)0, DG_EUNSUPPORTED);
#undef TE_BAD
        }
}

/* An estimator whose method or configuration was overwritten is refused, not run. */
static void errors_estimate_corrupted_estimator(void)
{
    dg_problem p = te_small(DG_BERNOULLI);
    dg_config c = te_config(DG_REINFORCE, 1);
    static const int bad_methods[] = {0, -1, TE_NMETHODS + 1, INT_MAX, INT_MIN};
    size_t i;
    char ctx[64];
    for (i = 0; i < sizeof bad_methods / sizeof bad_methods[0]; ++i) {
        CHECK_INT(dgt_init(&te_e, &c), DG_OK);
        te_e.cfg.method = (dg_method)bad_methods[i];
        te_snap = te_e;
        snprintf(ctx, sizeof ctx, "method %d", bad_methods[i]);
        te_expect_error(__LINE__, ctx, &te_e, &p, DG_EINVAL);
    }
}

/* ---------------------------------------------------------------------------------------------
   f, f_grad and the control variate returning values that are not finite
   ------------------------------------------------------------------------------------------- */

/* Configurations that exercise every method and every learned state. */
typedef struct te_setup { dg_method m; int samples; dg_baseline baseline; int tune; int normalize; } te_setup;
static const te_setup te_setups[] = {
    {DG_EXACT, 0, DG_BASELINE_NONE, 0, 0},
    {DG_REINFORCE, 1, DG_BASELINE_NONE, 0, 0},
    {DG_REINFORCE, 3, DG_BASELINE_CONSTANT, 0, 0},
    {DG_REINFORCE, 2, DG_BASELINE_EMA, 0, 0},
    {DG_REINFORCE, 1, DG_BASELINE_OPTIMAL, 0, 0},
    {DG_REINFORCE, 3, DG_BASELINE_OPTIMAL, 0, 0},
    {DG_REINFORCE, 2, DG_BASELINE_INPUT, 0, 1},
    {DG_REINFORCE, 2, DG_BASELINE_CV, 0, 0},
    {DG_RLOO, 3, DG_BASELINE_NONE, 0, 0},
    {DG_GUMBEL_SOFTMAX, 2, DG_BASELINE_NONE, 0, 0},
    {DG_STRAIGHT_THROUGH, 2, DG_BASELINE_NONE, 0, 0},
    {DG_GUMBEL_RAO, 3, DG_BASELINE_NONE, 0, 0},
    {DG_MUPROP, 2, DG_BASELINE_NONE, 0, 0},
    {DG_REBAR, 2, DG_BASELINE_NONE, 0, 0},
    {DG_REBAR, 2, DG_BASELINE_NONE, 1, 0},
    {DG_RELAX, 1, DG_BASELINE_NONE, 0, 0},
    {DG_RELAX, 2, DG_BASELINE_NONE, 1, 0},
    {DG_ARM, 2, DG_BASELINE_NONE, 0, 0},
    {DG_DISARM, 2, DG_BASELINE_NONE, 0, 0},
    {DG_REINMAX, 1, DG_BASELINE_NONE, 0, 0},
    {DG_REINMAX, 3, DG_BASELINE_NONE, 0, 0},
    {DG_INDECATER, 1, DG_BASELINE_NONE, 0, 0},
    {DG_INDECATER, 2, DG_BASELINE_NONE, 0, 0},
    {DG_VIMCO, 3, DG_BASELINE_NONE, 0, 0},
    {DG_UNORDERED_SET, 3, DG_BASELINE_NONE, 0, 0},
    {DG_UNORDERED_SET, 12, DG_BASELINE_NONE, 0, 0}, /* the integrals, on problems of > 12 */
    {DG_SUM_AND_SAMPLE, 3, DG_BASELINE_NONE, 0, 0},
    {DG_SUM_AND_SAMPLE, 1, DG_BASELINE_NONE, 0, 0},
};
#define TE_NSETUPS ((int)(sizeof te_setups / sizeof te_setups[0]))

static void te_setup_ctx(char *buf, size_t size, const te_setup *s, dg_kind kind, const char *what)
{
    snprintf(buf, size, "%s samples %d baseline %d tune %d %s: %s", te_method_name(s->m), s->samples,
             (int)s->baseline, s->tune, kind == DG_BERNOULLI ? "Bernoulli" : "categorical", what);
}

/* Sets te_e up for s and takes 4 successful steps so every learned quantity is in play, then
   snapshots it. Returns the number of f and f_grad calls the next step makes, or -1 (reported as
   a failure) when the estimator cannot run. */
static long te_warm(const te_setup *s, const dg_problem *p, dg_kind kind)
{
    dg_config c = te_config(s->m, s->samples);
    char ctx[200];
    int t, rc;
    long before;
    c.baseline = s->baseline;
    c.tune = s->tune;
    c.normalize = s->normalize;
    c.baseline_value = (dg_real)0.3;
    rc = dgt_init(&te_e, &c);
    for (t = 0; rc == DG_OK && t < 4; ++t) rc = dg_estimate(&te_e, p, te_grad, NULL);
    if (rc != DG_OK) {
        te_setup_ctx(ctx, sizeof ctx, s, kind, "clean run");
        te_fail(__LINE__, ctx, "returned %d (expected DG_OK)", rc);
        return -1;
    }
    te_snap = te_e;
    before = te_o.calls;
    rc = dg_estimate(&te_e, p, te_grad, NULL);
    te_e = te_snap;
    if (rc != DG_OK || te_o.calls - before < 1) {
        te_setup_ctx(ctx, sizeof ctx, s, kind, "counting calls");
        te_fail(__LINE__, ctx, "returned %d after %ld calls of f and f_grad", rc, te_o.calls - before);
        return -1;
    }
    return te_o.calls - before;
}

/* Poisoning any single call of f or f_grad within a step, or every call, fails the step with
   DG_EDOMAIN and leaves gradient, info and learned state untouched: nothing is half-written,
   even when the bad value comes last. */
static void errors_estimate_objective_not_finite(void)
{
    static const int poisons[] = {TE_F_NAN, TE_F_INF, TE_F_NEG_INF, TE_DZ_NAN, TE_DZ_INF};
    static const char *poison_names[] = {"", "f NaN", "f +inf", "f -inf", "df/dz NaN", "df/dz inf"};
    int si, ki, pi;
    char ctx[200], what[64];
    for (si = 0; si < TE_NSETUPS; ++si)
        for (ki = 0; ki < 2; ++ki) {
            const te_setup *s = &te_setups[si];
            dg_kind kind = ki ? DG_CATEGORICAL : DG_BERNOULLI;
            dg_problem p = te_small(kind);
            long calls, k;
            if (te_bernoulli_only(s->m) && kind == DG_CATEGORICAL) continue;
            calls = te_warm(s, &p, kind);
            if (calls < 1) continue; /* reported */
            for (pi = 0; pi < (int)(sizeof poisons / sizeof poisons[0]); ++pi) {
                int dz = poisons[pi] == TE_DZ_NAN || poisons[pi] == TE_DZ_INF;
                if (dz && !te_needs_grad(s->m)) continue; /* f_grad is never called */
                /* every call bad */
                te_e = te_snap;
                te_o.poison = poisons[pi];
                te_o.poison_at = -1;
                snprintf(what, sizeof what, "%s on every call", poison_names[poisons[pi]]);
                te_setup_ctx(ctx, sizeof ctx, s, kind, what);
                te_expect_error(__LINE__, ctx, &te_e, &p, DG_EDOMAIN);
                /* exactly one bad call, at every position within the step */
                for (k = 1; k <= calls; ++k) {
                    te_e = te_snap;
                    te_o.calls = 0;
                    te_o.poison_at = k;
                    snprintf(what, sizeof what, "%s on call %ld of %ld", poison_names[poisons[pi]], k, calls);
                    te_setup_ctx(ctx, sizeof ctx, s, kind, what);
                    if (dz) {
                        /* only f_grad calls carry a gradient: a poisoned f call is harmless */
                        dg_info info;
                        int rc = dg_estimate(&te_e, &p, te_grad, &info);
                        te_e = te_snap;
                        if (rc == DG_OK) continue;
                        te_o.calls = 0;
                    }
                    te_expect_error(__LINE__, ctx, &te_e, &p, DG_EDOMAIN);
                }
            }
            te_o.poison = TE_CLEAN;
            te_o.poison_at = 0;
        }
}

/* f or df/dz finite but so large that the estimate overflows, on every call or on one (f of
   alternating sign, or always positive so that sums of f overflow): the answer is finite
   gradients and info, or DG_EDOMAIN ("finite values overflowed the estimate") with the gradient,
   info and learned state untouched -- never an infinite or NaN gradient or mean of f. */
static void errors_estimate_objective_huge(void)
{
    static const int poisons[] = {TE_F_HUGE, TE_DZ_HUGE, TE_F_HUGE_POS};
    int si, ki, pi, i;
    char ctx[200], what[64];
    for (si = 0; si < TE_NSETUPS; ++si)
        for (ki = 0; ki < 2; ++ki) {
            const te_setup *s = &te_setups[si];
            dg_kind kind = ki ? DG_CATEGORICAL : DG_BERNOULLI;
            dg_problem p = te_small(kind);
            long calls, k;
            if (te_bernoulli_only(s->m) && kind == DG_CATEGORICAL) continue;
            calls = te_warm(s, &p, kind);
            if (calls < 1) continue; /* reported */
            for (pi = 0; pi < 3; ++pi) {
                if (poisons[pi] == TE_DZ_HUGE && !te_needs_grad(s->m)) continue;
                for (k = -1; k <= calls; ++k) {
                    dg_info info;
                    int rc;
                    if (k == 0) continue;
                    te_e = te_snap;
                    te_o.calls = 0;
                    te_o.poison = poisons[pi];
                    te_o.poison_at = k;
                    snprintf(what, sizeof what, "%s %s", poisons[pi] == TE_F_HUGE ? "f"
                             : poisons[pi] == TE_F_HUGE_POS ? "f > 0" : "df/dz",
                             k < 0 ? "huge on every call" : "huge on one call");
                    te_setup_ctx(ctx, sizeof ctx, s, kind, what);
                    te_fill(te_grad, DG_MAX_DIM);
                    memset(&info, 0x5A, sizeof info);
                    te_cases++;
                    rc = dg_estimate(&te_e, &p, te_grad, &info);
                    if (rc == DG_OK) {
                        int n = kind == DG_BERNOULLI ? 3 : 6;
                        for (i = 0; i < n; ++i)
                            if (!(te_grad[i] - te_grad[i] == 0)) {
                                te_fail(__LINE__, ctx, "call %ld: DG_OK with gradient element %d = %g",
                                        k, i, (double)te_grad[i]);
                                break;
                            }
                        if (!(info.f_mean - info.f_mean == 0))
                            te_fail(__LINE__, ctx, "call %ld: DG_OK with info.f_mean = %g", k, (double)info.f_mean);
                    } else {
                        if (rc != DG_EDOMAIN) te_fail(__LINE__, ctx, "call %ld: returned %d", k, rc);
                        TE_UNTOUCHED(ctx, te_grad, DG_MAX_DIM);
                        if (!te_same_state(&te_e, &te_snap)) te_fail(__LINE__, ctx, "call %ld: learned state changed", k);
                    }
                }
            }
            te_o.poison = TE_CLEAN;
            te_o.poison_at = 0;
        }
}

/* Sums the learned state would fold in that overflow: NVIL's pooled variance of f - b(x), from
   values each finite (1e200, 4e200; float 1e30, 4e30) whose squares are not. The call's estimate
   is finite, but the learned state cannot take the draw: DG_EDOMAIN, the gradient untouched and
   the state as before; the next call with moderate values succeeds. */
static dg_real te_big_f(const dg_real *z, void *user)
{
    (void)user;
    return (dg_real)(DGT_FLOAT ? 1e30 : 1e200) * (1 + 3 * z[0]);
}

static dg_real te_moderate_f(const dg_real *z, void *user)
{
    (void)user;
    return z[0] + 2 * z[1];
}

static void errors_learned_sums_overflow(void)
{
    static dg_estimator e, snap;
    dg_real logits[2] = {(dg_real)0.1, (dg_real)-0.2}, g[2];
    dg_problem p = dgt_problem(DG_BERNOULLI, 2, 0, logits, te_big_f, NULL, NULL);
    dg_config c;
    memset(&c, 0, sizeof c);
    c.method = DG_REINFORCE;
    c.baseline = DG_BASELINE_INPUT;
    c.normalize = 1;
    c.samples = 16;
    c.seed = 3;
    CHECK_INT(dgt_init(&e, &c), DG_OK);
    snap = e;
    g[0] = g[1] = (dg_real)7;
    CHECK_INT(dg_estimate(&e, &p, g, NULL), DG_EDOMAIN);
    CHECK(g[0] == 7 && g[1] == 7);
    CHECK(te_same_state(&e, &snap));
    p.f = te_moderate_f;
    CHECK_INT(dg_estimate(&e, &p, g, NULL), DG_OK);
}

/* The score-function baselines' own inputs: a control variate that returns NaN, a mean gradient
   with a NaN, missing callbacks, a non-finite input baseline. */
static void errors_baseline_inputs(void)
{
    static const te_setup cv = {DG_REINFORCE, 2, DG_BASELINE_CV, 0, 0};
    static const te_setup in = {DG_REINFORCE, 2, DG_BASELINE_INPUT, 0, 1};
    int ki;
    char ctx[200];
    for (ki = 0; ki < 2; ++ki) {
        dg_kind kind = ki ? DG_CATEGORICAL : DG_BERNOULLI;
        dg_problem p = te_small(kind), q;
        if (te_warm(&cv, &p, kind) >= 1) {
            te_o.cv_poison = 1;
            te_setup_ctx(ctx, sizeof ctx, &cv, kind, "cv returns NaN");
            te_expect_error(__LINE__, ctx, &te_e, &p, DG_EDOMAIN);
            te_o.cv_poison = 2;
            te_setup_ctx(ctx, sizeof ctx, &cv, kind, "cv_mean_grad writes NaN");
            te_expect_error(__LINE__, ctx, &te_e, &p, DG_EDOMAIN);
            te_o.cv_poison = 0;
            q = p; q.cv = NULL;
            te_setup_ctx(ctx, sizeof ctx, &cv, kind, "cv NULL");
            te_expect_error(__LINE__, ctx, &te_e, &q, DG_EINVAL);
            q = p; q.cv_mean_grad = NULL;
            te_setup_ctx(ctx, sizeof ctx, &cv, kind, "cv_mean_grad NULL");
            te_expect_error(__LINE__, ctx, &te_e, &q, DG_EINVAL);
        }
        if (te_warm(&in, &p, kind) >= 1) {
            const double bad[3] = {dgt_nan(), dgt_inf(), -dgt_inf()};
            int i;
            for (i = 0; i < 3; ++i) {
                dg_info info;
                int rc;
                q = p;
                q.baseline_input = (dg_real)bad[i];
                te_setup_ctx(ctx, sizeof ctx, &in, kind, "baseline_input not finite");
                te_fill(te_grad, DG_MAX_DIM);
                memset(&info, 0x5A, sizeof info);
                rc = dg_estimate(&te_e, &q, te_grad, &info);
                /* "a bad number" is DG_EDOMAIN; DG_EINVAL would do as well */
                if (rc != DG_EDOMAIN && rc != DG_EINVAL)
                    te_fail(__LINE__, ctx, "returned %d, expected DG_EDOMAIN", rc);
                TE_UNTOUCHED(ctx, te_grad, DG_MAX_DIM);
                if (!te_same_state(&te_e, &te_snap)) te_fail(__LINE__, ctx, "learned state changed");
            }
        }
    }
}

/* ---------------------------------------------------------------------------------------------
   dg_init: every bad field leaves the estimator byte-for-byte untouched
   ------------------------------------------------------------------------------------------- */
static void errors_init_every_field(void)
{
    static dg_estimator e, copy;
    dg_config c;
    int i, ncase = 0;
    memset(&e, 0xC3, sizeof e);
    copy = e;
    for (i = 0;; ++i) {
        int want = DG_EINVAL;
        c = te_config(DG_REINFORCE, 1);
        switch (i) {
        case 0: c.method = (dg_method)0; break;
        case 1: c.method = (dg_method)-1; break;
        case 2: c.method = (dg_method)(TE_NMETHODS + 1); break;
        case 3: c.method = (dg_method)INT_MAX; break;
        case 4: c.samples = -1; break;
        case 5: c.samples = INT_MIN; break;
        case 6: c.samples = DG_MAX_SAMPLES + 1; want = DG_ECAPACITY; break;
        case 7: c.samples = INT_MAX; want = DG_ECAPACITY; break;
        case 8: c.method = DG_RLOO; c.samples = 1; break;
        case 9: c.method = DG_GUMBEL_SOFTMAX; c.tau = -1; break;
        case 10: c.method = DG_GUMBEL_SOFTMAX; c.tau = (dg_real)NAN; break;
        case 11: c.method = DG_GUMBEL_SOFTMAX; c.tau = (dg_real)INFINITY; break;
        case 12: c.method = DG_REBAR; c.tau = -(dg_real)INFINITY; break;
        case 13: c.method = DG_RELAX; c.tau = (dg_real)-1e-30; break;
        case 26: c.method = DG_GUMBEL_SOFTMAX; c.tau = TE_TAU_SUBNORMAL; break;
        case 27: c.method = DG_REBAR; c.tau = TE_TAU_SUBNORMAL; break;
        case 28: c.method = DG_VIMCO; c.samples = 1; break;
        case 29: c.method = DG_REINMAX; c.tau = (dg_real)0.5; break; /* ReinMax: tau >= 1 */
        case 30: c.method = DG_REINMAX; c.tau = (dg_real)0.999; break;
        case 31: c.method = DG_REINMAX; c.tau = TE_TAU_SUBNORMAL; break;
        case 32: c.method = DG_UNORDERED_SET; c.samples = DG_MAX_SET + 1; want = DG_ECAPACITY; break;
        case 33: c.method = DG_SUM_AND_SAMPLE; c.samples = DG_MAX_SET + 1; want = DG_ECAPACITY; break;
        case 34: c.method = DG_SUM_AND_SAMPLE; c.samples = -1; break;
        case 35: c.method = DG_UNORDERED_SET; c.samples = INT_MIN; break;
        case 14: c.baseline = (dg_baseline)-1; break;
        case 15: c.baseline = (dg_baseline)(DG_BASELINE_CV + 1); break;
        case 16: c.baseline = DG_BASELINE_EMA; c.ema_decay = 1; break;
        case 17: c.baseline = DG_BASELINE_EMA; c.ema_decay = (dg_real)NAN; break;
        case 18: c.baseline = DG_BASELINE_EMA; c.ema_decay = (dg_real)-0.5; break;
        case 19: c.baseline = DG_BASELINE_CONSTANT; c.baseline_value = (dg_real)NAN; break;
        case 20: c.baseline = DG_BASELINE_CONSTANT; c.baseline_value = (dg_real)INFINITY; break;
        case 21: c.method = DG_REBAR; c.eta = (dg_real)NAN; break;
        case 22: c.method = DG_RELAX; c.eta = -(dg_real)INFINITY; break;
        case 23: c.method = DG_RELAX; c.lr = (dg_real)NAN; break;
        case 24: c.method = DG_REBAR; c.lr = (dg_real)-0.5; break;
        case 25: c.method = DG_RELAX; c.lr = (dg_real)INFINITY; break;
        default: c.method = (dg_method)0; break;
        }
        if (i > 35) break;
        ncase++;
        te_cases++;
        CHECK_INT(dgt_init(&e, &c), want);
        if (memcmp(&e, &copy, sizeof e) != 0) te_fail(__LINE__, "dg_init", "case %d wrote the estimator", i);
    }
    CHECK_INT(ncase, 36);
    CHECK_INT(dgt_init(NULL, &c), DG_EINVAL);
    CHECK_INT(dgt_init(&e, NULL), DG_EINVAL);
    CHECK(memcmp(&e, &copy, sizeof e) == 0);
}

/* ---------------------------------------------------------------------------------------------
   dg_exact
   ------------------------------------------------------------------------------------------- */
static void errors_exact(void)
{
    static dg_real big[DG_MAX_DIM];
    const dg_real nanv[3] = {0, DGT_NAN, 0};
    dg_problem p = te_small(DG_BERNOULLI), q;
    dg_real value = TE_SENT;
    long k;
    int i;
    char ctx[64];
    for (i = 0; i < DG_MAX_DIM; ++i) big[i] = (dg_real)(0.01 * (i % 7));
#define TE_EXACT(what, edit, grad, want)                                                    \
    do {                                                                                    \
        q = p;                                                                              \
        edit;                                                                               \
        te_fill(te_grad, DG_MAX_DIM);                                                       \
        value = TE_SENT;                                                                    \
        TE_RC(what, dg_exact(&q, grad, &value), want);                                      \
        TE_UNTOUCHED(what, te_grad, DG_MAX_DIM);                                            \
        TE_UNTOUCHED(what, &value, 1);                                                      \
    } while (0)
    TE_EXACT("NULL grad", (void)0, NULL, DG_EINVAL);
    TE_RC("NULL problem", dg_exact(NULL, te_grad, NULL), DG_EINVAL);
    TE_EXACT("D = 0", q.D = 0, te_grad, DG_EINVAL);
    TE_EXACT("kind 7", q.kind = (dg_kind)7, te_grad, DG_EINVAL);
    TE_EXACT("logits NULL", q.logits = NULL, te_grad, DG_EINVAL);
    TE_EXACT("f NULL", q.f = NULL, te_grad, DG_EINVAL);
    TE_EXACT("NaN logit", q.logits = nanv, te_grad, DG_EDOMAIN);
    TE_EXACT("2^21 configurations", (q.logits = big, q.D = 21, te_o.n = 21), te_grad, DG_ECAPACITY);
    TE_EXACT("D at capacity", (q.logits = big, q.D = DG_MAX_DIM, te_o.n = DG_MAX_DIM), te_grad, DG_ECAPACITY);
    TE_EXACT("logits over DG_EXACT_MAX_DIM", (q.logits = big, q.kind = DG_CATEGORICAL, q.K = DG_EXACT_MAX_DIM + 1 <= DG_MAX_K ? DG_EXACT_MAX_DIM + 1 : DG_MAX_K, q.D = DG_EXACT_MAX_DIM / q.K + 1), te_grad, DG_ECAPACITY);
    te_o.n = 3;
    /* a bad value at any configuration, the last one included */
    for (k = 1; k <= 8; ++k) {
        te_o.calls = 0;
        te_o.poison = TE_F_NAN;
        te_o.poison_at = k;
        snprintf(ctx, sizeof ctx, "dg_exact: f NaN at configuration %ld", k);
        TE_EXACT(ctx, (void)0, te_grad, DG_EDOMAIN);
    }
    te_o.poison = TE_CLEAN;
    te_o.poison_at = 0;
#undef TE_EXACT
}

/* ---------------------------------------------------------------------------------------------
   Samplers, conditional samplers, softmax family, stats
   ------------------------------------------------------------------------------------------- */
static void errors_samplers(void)
{
    const dg_real ok[3] = {0.1, 0.2, 0.3}, nanv[3] = {0.1, DGT_NAN, 0.3}, infv[3] = {DGT_INF, 0, 0};
    static dg_real many[DG_MAX_K + 1];
    dg_real out[DG_MAX_K + 1];
    dg_rng r, r0;
    dg_rng_seed(&r, 5, 6);
    r0 = r;
    dg_rng_seed(NULL, 1, 2); /* must not crash */
    CHECK_INT(dg_sample_bernoulli(NULL, 0), DG_EINVAL);
    CHECK_INT(dg_sample_bernoulli(&r, (dg_real)NAN), DG_EDOMAIN);
    CHECK_INT(dg_sample_bernoulli(&r, (dg_real)INFINITY), DG_EDOMAIN);
    CHECK_INT(dg_sample_bernoulli(&r, -(dg_real)INFINITY), DG_EDOMAIN);
    CHECK(memcmp(&r, &r0, sizeof r) == 0); /* refused calls draw nothing */
    CHECK_INT(dg_sample_categorical(NULL, ok, 3), DG_EINVAL);
    CHECK_INT(dg_sample_categorical(&r, NULL, 3), DG_EINVAL);
    CHECK_INT(dg_sample_categorical(&r, ok, 0), DG_EINVAL);
    CHECK_INT(dg_sample_categorical(&r, ok, -2), DG_EINVAL);
    CHECK_INT(dg_sample_categorical(&r, ok, INT_MIN), DG_EINVAL);
    CHECK_INT(dg_sample_categorical(&r, many, DG_MAX_K + 1), DG_ECAPACITY);
    CHECK_INT(dg_sample_categorical(&r, many, INT_MAX), DG_ECAPACITY);
    CHECK_INT(dg_sample_categorical(&r, nanv, 3), DG_EDOMAIN);
    CHECK_INT(dg_sample_categorical(&r, infv, 3), DG_EDOMAIN);
    CHECK(memcmp(&r, &r0, sizeof r) == 0);
#define TE_OUT(what, call, want, n)                                                         \
    do {                                                                                    \
        te_fill(out, DG_MAX_K + 1);                                                         \
        TE_RC(what, call, want);                                                            \
        TE_UNTOUCHED(what, out, n);                                                         \
    } while (0)
    TE_OUT("gumbel_max NULL rng", dg_gumbel_max(NULL, ok, 3, out), DG_EINVAL, 3);
    TE_OUT("gumbel_max NULL logits", dg_gumbel_max(&r, NULL, 3, out), DG_EINVAL, 3);
    TE_OUT("gumbel_max K = 0", dg_gumbel_max(&r, ok, 0, out), DG_EINVAL, 3);
    TE_OUT("gumbel_max K over", dg_gumbel_max(&r, many, DG_MAX_K + 1, out), DG_ECAPACITY, DG_MAX_K + 1);
    TE_OUT("gumbel_max NaN", dg_gumbel_max(&r, nanv, 3, out), DG_EDOMAIN, 3);
    TE_OUT("gumbel_max inf", dg_gumbel_max(&r, infv, 3, out), DG_EDOMAIN, 3);
    {
        int top[4] = {-7, -7, -7, -7};
        TE_OUT("gumbel_top_k NULL rng", dg_gumbel_top_k(NULL, ok, 3, 2, top, out), DG_EINVAL, 3);
        TE_OUT("gumbel_top_k NULL logits", dg_gumbel_top_k(&r, NULL, 3, 2, top, out), DG_EINVAL, 3);
        TE_OUT("gumbel_top_k NULL top", dg_gumbel_top_k(&r, ok, 3, 2, NULL, out), DG_EINVAL, 3);
        TE_OUT("gumbel_top_k K = 0", dg_gumbel_top_k(&r, ok, 0, 1, top, out), DG_EINVAL, 3);
        TE_OUT("gumbel_top_k k = 0", dg_gumbel_top_k(&r, ok, 3, 0, top, out), DG_EINVAL, 3);
        TE_OUT("gumbel_top_k k = -1", dg_gumbel_top_k(&r, ok, 3, -1, top, out), DG_EINVAL, 3);
        TE_OUT("gumbel_top_k k > K", dg_gumbel_top_k(&r, ok, 3, 4, top, out), DG_EINVAL, 3);
        TE_OUT("gumbel_top_k k = INT_MIN", dg_gumbel_top_k(&r, ok, 3, INT_MIN, top, out), DG_EINVAL, 3);
        TE_OUT("gumbel_top_k K over", dg_gumbel_top_k(&r, many, DG_MAX_K + 1, 2, top, out), DG_ECAPACITY, DG_MAX_K + 1);
        TE_OUT("gumbel_top_k NaN", dg_gumbel_top_k(&r, nanv, 3, 2, top, out), DG_EDOMAIN, 3);
        TE_OUT("gumbel_top_k inf", dg_gumbel_top_k(&r, infv, 3, 2, top, out), DG_EDOMAIN, 3);
        CHECK(top[0] == -7 && top[1] == -7 && top[2] == -7 && top[3] == -7);
        CHECK_INT(dg_gumbel_top_k(&r, ok, 3, 3, top, NULL), DG_OK); /* keys may be NULL */
        CHECK(top[3] == -7 && top[0] != top[1] && top[1] != top[2] && top[0] != top[2]);
        r = r0;
    }
    TE_OUT("given_argmax NULL rng", dg_gumbel_given_argmax(NULL, ok, 3, 0, out), DG_EINVAL, 3);
    TE_OUT("given_argmax NULL logits", dg_gumbel_given_argmax(&r, NULL, 3, 0, out), DG_EINVAL, 3);
    TE_OUT("given_argmax b = K", dg_gumbel_given_argmax(&r, ok, 3, 3, out), DG_EINVAL, 3);
    TE_OUT("given_argmax b = -1", dg_gumbel_given_argmax(&r, ok, 3, -1, out), DG_EINVAL, 3);
    TE_OUT("given_argmax b = INT_MAX", dg_gumbel_given_argmax(&r, ok, 3, INT_MAX, out), DG_EINVAL, 3);
    TE_OUT("given_argmax K = 0", dg_gumbel_given_argmax(&r, ok, 0, 0, out), DG_EINVAL, 3);
    TE_OUT("given_argmax K over", dg_gumbel_given_argmax(&r, many, DG_MAX_K + 1, 0, out), DG_ECAPACITY, DG_MAX_K + 1);
    TE_OUT("given_argmax NaN", dg_gumbel_given_argmax(&r, nanv, 3, 0, out), DG_EDOMAIN, 3);
    TE_OUT("given_argmax -inf", dg_gumbel_given_argmax(&r, infv, 3, 1, out), DG_EDOMAIN, 3);
    CHECK_INT(dg_gumbel_given_argmax(&r, ok, 3, 0, NULL), DG_EINVAL);
    CHECK(memcmp(&r, &r0, sizeof r) == 0);
    TE_OUT("given_bit NULL rng", dg_logistic_given_bit(NULL, 0, 1, out), DG_EINVAL, 1);
    TE_OUT("given_bit b = 2", dg_logistic_given_bit(&r, 0, 2, out), DG_EINVAL, 1);
    TE_OUT("given_bit b = -1", dg_logistic_given_bit(&r, 0, -1, out), DG_EINVAL, 1);
    TE_OUT("given_bit NaN", dg_logistic_given_bit(&r, (dg_real)NAN, 0, out), DG_EDOMAIN, 1);
    TE_OUT("given_bit inf", dg_logistic_given_bit(&r, (dg_real)INFINITY, 1, out), DG_EDOMAIN, 1);
    CHECK_INT(dg_logistic_given_bit(&r, 0, 1, NULL), DG_EINVAL);
    CHECK(memcmp(&r, &r0, sizeof r) == 0);
#undef TE_OUT
}

/* dg_beam_search and dg_set_ratios: every bad argument refused, outputs and rng untouched. */
static void errors_without_replacement(void)
{
    static const dg_real lg[6] = {0.2, -0.5, 1.0, 1.5, 0.0, -2.0}, lg_nan[6] = {0.2, -0.5, NAN, 1.5, 0.0, -2.0};
    static const dg_real lp_ok[3] = {-1.5, -2.0, -2.5}, lp_nan[3] = {-1.5, NAN, -2.5};
    static const dg_real lp_over[3] = {-0.1, -0.2, -0.3};
    const dg_real lp_inf[3] = {-1, -DGT_INF, -1}; /* automatic: tcc takes no -INFINITY in a static */
    dg_real pts[64], lpr[8], keys[8], work[64], r1[8], r2[64];
    dg_problem p = te_small(DG_CATEGORICAL), q;
    dg_rng r, r0;
    char ctx[96];
    int i, k;
    dg_rng_seed(&r, 1, 2);
    r0 = r;
#define TE_BEAM(what, call, want)                                                           \
    do {                                                                                    \
        te_fill(pts, 64); te_fill(lpr, 8); te_fill(keys, 8);                                \
        TE_RC(what, call, want);                                                            \
        TE_UNTOUCHED(what, pts, 64); TE_UNTOUCHED(what, lpr, 8); TE_UNTOUCHED(what, keys, 8); \
        if (memcmp(&r, &r0, sizeof r) != 0) te_fail(__LINE__, what, "the rng moved");       \
    } while (0)
    TE_BEAM("beam NULL problem", dg_beam_search(&r, NULL, 2, pts, lpr, keys, work, 64), DG_EINVAL);
    TE_BEAM("beam NULL points", dg_beam_search(&r, &p, 2, NULL, lpr, keys, work, 64), DG_EINVAL);
    TE_BEAM("beam NULL work", dg_beam_search(&r, &p, 2, pts, lpr, keys, NULL, 64), DG_EINVAL);
    TE_BEAM("beam k = 0", dg_beam_search(&r, &p, 0, pts, lpr, keys, work, 64), DG_EINVAL);
    TE_BEAM("beam k = INT_MIN", dg_beam_search(&r, &p, INT_MIN, pts, lpr, keys, work, 64), DG_EINVAL);
    TE_BEAM("beam k over", dg_beam_search(&r, &p, DG_MAX_SAMPLES + 1, pts, lpr, keys, work, 64), DG_ECAPACITY);
    TE_BEAM("beam k = INT_MAX", dg_beam_search(&r, &p, INT_MAX, pts, lpr, keys, work, 64), DG_ECAPACITY);
    TE_BEAM("beam work short", dg_beam_search(&r, &p, 2, pts, lpr, keys, work, DG_BEAM_WORK_REALS(2, 2) - 1),
            DG_ECAPACITY);
    q = p; q.logits = lg_nan;
    TE_BEAM("beam logit NaN", dg_beam_search(&r, &q, 2, pts, lpr, keys, work, 64), DG_EDOMAIN);
    q = p; q.logits = NULL;
    TE_BEAM("beam logits NULL", dg_beam_search(&r, &q, 2, pts, lpr, keys, work, 64), DG_EINVAL);
    q = p; q.K = 0;
    TE_BEAM("beam K = 0", dg_beam_search(&r, &q, 2, pts, lpr, keys, work, 64), DG_EINVAL);
    q = p; q.K = DG_MAX_K + 1; q.D = 1;
    TE_BEAM("beam K over", dg_beam_search(&r, &q, 2, pts, lpr, keys, work, 64), DG_ECAPACITY);
    q = p; q.kind = (dg_kind)0;
    TE_BEAM("beam kind 0", dg_beam_search(&r, &q, 2, pts, lpr, keys, work, 64), DG_EINVAL);
    q = p; q.D = -1;
    TE_BEAM("beam D = -1", dg_beam_search(&r, &q, 2, pts, lpr, keys, work, 64), DG_EINVAL);
    q = p; q.batch = 2;
    TE_BEAM("beam batch 2", dg_beam_search(&r, &q, 2, pts, lpr, keys, work, 64), DG_EINVAL);
#undef TE_BEAM
    /* the exact work size does; every configuration when k is larger; optional outputs */
    te_fill(pts, 64);
    CHECK_INT(dg_beam_search(&r, &p, 20, pts, NULL, NULL, work, DG_BEAM_WORK_REALS(2, 9)), 9);
    CHECK(te_touched(pts + 54, 10) < 0);
    p.logits = lg;
    CHECK_INT(dg_beam_search(NULL, &p, 3, pts, lpr, keys, work, DG_BEAM_WORK_REALS(2, 3)), 3);
    /* dg_set_ratios */
    for (k = 0; k < 8; ++k) {
        int method = k % 3;
        const dg_real *lp = lp_ok;
        int n = 3, want = DG_EINVAL;
        dg_real *o1 = r1, *o2 = r2;
        switch (k) {
        case 0: lp = NULL; break;
        case 1: o1 = NULL; break;
        case 2: n = 0; break;
        case 3: method = 3; break;
        case 4: method = -1; break;
        case 5: lp = lp_nan; want = DG_EDOMAIN; break;
        case 6: lp = lp_over; want = DG_EDOMAIN; break;
        default: lp = lp_inf; want = DG_EDOMAIN; break;
        }
        snprintf(ctx, sizeof ctx, "dg_set_ratios case %d", k);
        te_fill(r1, 8);
        te_fill(r2, 64);
        TE_RC(ctx, dg_set_ratios(lp, n, method, o1, o2), want);
        TE_UNTOUCHED(ctx, r1, 8);
        TE_UNTOUCHED(ctx, r2, 64);
    }
    {
        static dg_real big[DG_MAX_SET + 1];
        for (i = 0; i <= DG_MAX_SET; ++i) big[i] = (dg_real)-10;
        te_fill(r1, 8);
        TE_RC("dg_set_ratios k over", dg_set_ratios(big, DG_MAX_SET + 1, DG_SET_INTEGRAL, r1, NULL), DG_ECAPACITY);
        TE_RC("dg_set_ratios exact k = 9", dg_set_ratios(big, 9, DG_SET_EXACT, r1, NULL), DG_ECAPACITY);
        TE_RC("dg_set_ratios k = INT_MAX", dg_set_ratios(big, INT_MAX, DG_SET_AUTO, r1, NULL), DG_ECAPACITY);
        TE_UNTOUCHED("dg_set_ratios over capacity", r1, 8);
    }
    CHECK_INT(dg_set_ratios(lp_ok, 3, DG_SET_EXACT, r1, NULL), DG_OK); /* log_r2 may be NULL */
}

static void errors_conditional_at(void)
{
    const dg_real ok[3] = {0.1, 0.2, 0.3}, nanv[3] = {0.1, DGT_NAN, 0.3}, E[3] = {0.5, 1, 2};
    const dg_real E0[3] = {0.5, 0, 2}, Eneg[3] = {-1, 1, 2}, Enan[3] = {1, DGT_NAN, 1};
    const dg_real Einf[3] = {1, 1, DGT_INF}, dinf[3] = {0, -DGT_INF, 0};
    static dg_real many[DG_MAX_K + 1], Emany[DG_MAX_K + 1];
    dg_real out[DG_MAX_K + 1], d = TE_SENT;
    int i;
    for (i = 0; i <= DG_MAX_K; ++i) Emany[i] = 1;
#define TE_AT(what, call, want)                                                             \
    do {                                                                                    \
        te_fill(out, DG_MAX_K + 1);                                                         \
        d = TE_SENT;                                                                        \
        TE_RC(what, call, want);                                                            \
        TE_UNTOUCHED(what, out, DG_MAX_K + 1);                                              \
        TE_UNTOUCHED(what, &d, 1);                                                          \
    } while (0)
    TE_AT("bit_at v = 0", dg_logistic_given_bit_at(0, 1, 0, out, &d), DG_EINVAL);
    TE_AT("bit_at v = 1", dg_logistic_given_bit_at(0, 0, 1, out, &d), DG_EINVAL);
    TE_AT("bit_at v NaN", dg_logistic_given_bit_at(0, 0, (dg_real)NAN, out, &d), DG_EINVAL);
    TE_AT("bit_at v -0.5", dg_logistic_given_bit_at(0, 0, (dg_real)-0.5, out, &d), DG_EINVAL);
    TE_AT("bit_at b = 3", dg_logistic_given_bit_at(0, 3, (dg_real)0.5, out, &d), DG_EINVAL);
    TE_AT("bit_at logit NaN", dg_logistic_given_bit_at((dg_real)NAN, 1, (dg_real)0.5, out, &d), DG_EDOMAIN);
    TE_AT("bit_at logit -inf", dg_logistic_given_bit_at(-(dg_real)INFINITY, 0, (dg_real)0.5, out, &d), DG_EDOMAIN);
    TE_AT("bit_at NULL z", dg_logistic_given_bit_at(0, 1, (dg_real)0.5, NULL, &d), DG_EINVAL);
    TE_AT("argmax_at NULL logits", dg_gumbel_given_argmax_at(NULL, 3, 0, E, out), DG_EINVAL);
    TE_AT("argmax_at NULL E", dg_gumbel_given_argmax_at(ok, 3, 0, NULL, out), DG_EINVAL);
    TE_AT("argmax_at NULL out", dg_gumbel_given_argmax_at(ok, 3, 0, E, NULL), DG_EINVAL);
    TE_AT("argmax_at K = 0", dg_gumbel_given_argmax_at(ok, 0, 0, E, out), DG_EINVAL);
    TE_AT("argmax_at K over", dg_gumbel_given_argmax_at(many, DG_MAX_K + 1, 0, Emany, out), DG_ECAPACITY);
    TE_AT("argmax_at b = K", dg_gumbel_given_argmax_at(ok, 3, 3, E, out), DG_EINVAL);
    TE_AT("argmax_at b < 0", dg_gumbel_given_argmax_at(ok, 3, -1, E, out), DG_EINVAL);
    TE_AT("argmax_at E = 0", dg_gumbel_given_argmax_at(ok, 3, 0, E0, out), DG_EINVAL);
    TE_AT("argmax_at E < 0", dg_gumbel_given_argmax_at(ok, 3, 0, Eneg, out), DG_EINVAL);
    TE_AT("argmax_at E NaN", dg_gumbel_given_argmax_at(ok, 3, 0, Enan, out), DG_EINVAL);
    TE_AT("argmax_at E inf", dg_gumbel_given_argmax_at(ok, 3, 0, Einf, out), DG_EDOMAIN);
    TE_AT("argmax_at logit NaN", dg_gumbel_given_argmax_at(nanv, 3, 0, E, out), DG_EDOMAIN);
    TE_AT("vjp NULL dperturbed", dg_gumbel_given_argmax_vjp(ok, 3, 0, E, NULL, out), DG_EINVAL);
    TE_AT("vjp NULL dlogits", dg_gumbel_given_argmax_vjp(ok, 3, 0, E, ok, NULL), DG_EINVAL);
    TE_AT("vjp dperturbed inf", dg_gumbel_given_argmax_vjp(ok, 3, 0, E, dinf, out), DG_EDOMAIN);
    TE_AT("vjp E = 0", dg_gumbel_given_argmax_vjp(ok, 3, 1, E0, ok, out), DG_EINVAL);
    TE_AT("vjp b = 3", dg_gumbel_given_argmax_vjp(ok, 3, 3, E, ok, out), DG_EINVAL);
    TE_AT("vjp logit NaN", dg_gumbel_given_argmax_vjp(nanv, 3, 0, E, ok, out), DG_EDOMAIN);
    TE_AT("vjp K over", dg_gumbel_given_argmax_vjp(many, DG_MAX_K + 1, 0, Emany, Emany, out), DG_ECAPACITY);
#undef TE_AT
}

static void errors_softmax_family(void)
{
    const dg_real ok[3] = {0.1, 0.2, 0.3}, nanv[3] = {0.1, DGT_NAN, 0.3}, infv[3] = {0, 0, -DGT_INF};
    dg_real out[4];
    int f;
    typedef int (*fwd_fn)(const dg_real *, int, dg_real, dg_real *);
    static const fwd_fn fwd[2] = {dg_softmax, dg_log_softmax};
    static const char *names[2] = {"softmax", "log_softmax"};
    for (f = 0; f < 2; ++f) {
        char ctx[64];
#define TE_SM(what, call, want)                                                             \
    do {                                                                                    \
        snprintf(ctx, sizeof ctx, "%s: %s", names[f], what);                                \
        te_fill(out, 4);                                                                    \
        TE_RC(ctx, call, want);                                                             \
        TE_UNTOUCHED(ctx, out, 4);                                                          \
    } while (0)
        TE_SM("NULL x", fwd[f](NULL, 3, 1, out), DG_EINVAL);
        TE_SM("NULL y", fwd[f](ok, 3, 1, NULL), DG_EINVAL);
        TE_SM("K = 0", fwd[f](ok, 0, 1, out), DG_EINVAL);
        TE_SM("K = INT_MIN", fwd[f](ok, INT_MIN, 1, out), DG_EINVAL);
        TE_SM("tau < 0", fwd[f](ok, 3, -1, out), DG_EINVAL);
        TE_SM("tau NaN", fwd[f](ok, 3, (dg_real)NAN, out), DG_EINVAL);
        TE_SM("tau +inf", fwd[f](ok, 3, (dg_real)INFINITY, out), DG_EDOMAIN);
        TE_SM("tau subnormal", fwd[f](ok, 3, TE_TAU_SUBNORMAL, out), DG_EDOMAIN);
        TE_SM("x NaN", fwd[f](nanv, 3, 1, out), DG_EDOMAIN);
        TE_SM("x -inf", fwd[f](infv, 3, 1, out), DG_EDOMAIN);
        TE_SM("x NaN, tau 0", fwd[f](nanv, 3, 0, out), DG_EDOMAIN);
#undef TE_SM
    }
#define TE_BW(what, call, want)                                                             \
    do {                                                                                    \
        te_fill(out, 4);                                                                    \
        TE_RC(what, call, want);                                                            \
        TE_UNTOUCHED(what, out, 4);                                                         \
    } while (0)
    TE_BW("backward NULL y", dg_softmax_backward(NULL, ok, 3, 1, out), DG_EINVAL);
    TE_BW("backward NULL dy", dg_softmax_backward(ok, NULL, 3, 1, out), DG_EINVAL);
    TE_BW("backward NULL dx", dg_softmax_backward(ok, ok, 3, 1, NULL), DG_EINVAL);
    TE_BW("backward K = 0", dg_softmax_backward(ok, ok, 0, 1, out), DG_EINVAL);
    TE_BW("backward tau = 0", dg_softmax_backward(ok, ok, 3, 0, out), DG_EINVAL);
    TE_BW("backward tau NaN", dg_softmax_backward(ok, ok, 3, (dg_real)NAN, out), DG_EINVAL);
    TE_BW("backward tau inf", dg_softmax_backward(ok, ok, 3, (dg_real)INFINITY, out), DG_EDOMAIN);
    TE_BW("backward tau subnormal", dg_softmax_backward(ok, ok, 3, TE_TAU_SUBNORMAL, out), DG_EDOMAIN);
    TE_BW("backward y NaN", dg_softmax_backward(nanv, ok, 3, 1, out), DG_EDOMAIN);
    TE_BW("backward dy inf", dg_softmax_backward(ok, infv, 3, 1, out), DG_EDOMAIN);
#undef TE_BW
    /* the functions that return a value answer NaN (or the infinity) instead of a code */
    CHECK(dg_logsumexp(NULL, 3) != dg_logsumexp(NULL, 3));
    CHECK(dg_logsumexp(ok, 0) != dg_logsumexp(ok, 0));
    CHECK(dg_logsumexp(nanv, 3) != dg_logsumexp(nanv, 3));
    CHECK(fabs((double)dg_logsumexp(infv, 3) - log(2.0)) < 1e-6); /* a -inf entry weighs 0 */
    CHECK(dg_sigmoid((dg_real)NAN) != dg_sigmoid((dg_real)NAN));
    CHECK(dg_log_sigmoid((dg_real)NAN) != dg_log_sigmoid((dg_real)NAN));
    CHECK(dg_sigmoid((dg_real)INFINITY) == 1 && dg_sigmoid(-(dg_real)INFINITY) == 0);
    CHECK(dg_log_sigmoid((dg_real)INFINITY) == 0 && dg_log_sigmoid(-(dg_real)INFINITY) < -1e30);
}

static void errors_stats(void)
{
    static dg_stats s, copy;
    dg_real x[3] = {1, 2, 3};
    memset(&s, 0x77, sizeof s);
    copy = s;
    CHECK_INT(dg_stats_init(&s, 0), DG_EINVAL);
    CHECK_INT(dg_stats_init(&s, -5), DG_EINVAL);
    CHECK_INT(dg_stats_init(&s, INT_MIN), DG_EINVAL);
    CHECK_INT(dg_stats_init(&s, DG_MAX_DIM + 1), DG_ECAPACITY);
    CHECK_INT(dg_stats_init(&s, INT_MAX), DG_ECAPACITY);
    CHECK(memcmp(&s, &copy, sizeof s) == 0);
    CHECK_INT(dg_stats_init(NULL, 3), DG_EINVAL);
    /* a corrupted count of coordinates is refused, not used as a length */
    s.n = DG_MAX_DIM + 1;
    copy = s;
    CHECK_INT(dg_stats_push(&s, x), DG_EINVAL);
    s.n = -1;
    CHECK_INT(dg_stats_push(&s, x), DG_EINVAL);
    s.n = DG_MAX_DIM + 1;
    CHECK(memcmp(&s, &copy, sizeof s) == 0);
    CHECK_INT(dg_stats_init(&s, 3), DG_OK);
    CHECK_INT(dg_stats_push(&s, x), DG_OK);
    copy = s;
    CHECK_INT(dg_stats_push(NULL, x), DG_EINVAL);
    CHECK_INT(dg_stats_push(&s, NULL), DG_EINVAL);
    x[2] = (dg_real)NAN;
    CHECK_INT(dg_stats_push(&s, x), DG_EDOMAIN);
    x[2] = -(dg_real)INFINITY;
    CHECK_INT(dg_stats_push(&s, x), DG_EDOMAIN);
    CHECK(memcmp(&s, &copy, sizeof s) == 0);
    /* finite values whose running sums overflow: refused, s unchanged, never a NaN mean */
    {
        dg_real big[3], small[3];
        int i, rc;
        big[0] = big[1] = big[2] = TE_HUGE;
        small[0] = small[1] = small[2] = -TE_HUGE;
        CHECK_INT(dg_stats_init(&s, 3), DG_OK);
        CHECK_INT(dg_stats_push(&s, big), DG_OK);
        copy = s;
        rc = dg_stats_push(&s, small);
        if (rc == DG_OK) {
            for (i = 0; i < 3; ++i)
                CHECK(dg_stats_mean(&s, i) - dg_stats_mean(&s, i) == 0 &&
                      dg_stats_var(&s, i) - dg_stats_var(&s, i) == 0);
        } else {
            CHECK_INT(rc, DG_EDOMAIN);
            CHECK(memcmp(&s, &copy, sizeof s) == 0);
        }
        x[2] = 3;
        CHECK_INT(dg_stats_init(&s, 3), DG_OK);
        CHECK_INT(dg_stats_push(&s, x), DG_OK);
        copy = s;
    }
    CHECK(dg_stats_mean(NULL, 0) == 0 && dg_stats_var(NULL, 0) == 0 && dg_stats_sem(NULL, 0) == 0);
    CHECK(dg_stats_mean(&s, -1) == 0 && dg_stats_mean(&s, 3) == 0 && dg_stats_var(&s, 3) == 0);
    CHECK(dg_stats_sem(&s, 0) == 0); /* one vector: no spread yet */
    CHECK(dg_stats_sem(&s, INT_MAX) == 0 && dg_stats_var(&s, INT_MIN) == 0);
}

/* ---------------------------------------------------------------------------------------------
   Extreme but valid inputs: every method answers DG_OK with finite gradients, or its documented
   error (DisARM on categorical variables; exact enumeration past its capacity; DG_EDOMAIN
   for overflow at the smallest normal temperature).
   ------------------------------------------------------------------------------------------- */
static dg_real te_ext_logits[DG_MAX_DIM];

typedef struct te_case { const char *name; dg_kind kind; int D, K; int pattern; double tau; } te_case;
/* Marks the smallest normal dg_real as a case's temperature: 1/tau is finite but near overflow,
   so a gradient may overflow -- the one place DG_EDOMAIN is an acceptable answer. */
#define TE_TAU_MIN_NORMAL (-1.0)
enum { TE_PM_1E4, TE_PM_700, TE_DOMINANT, TE_MILD, TE_NEG_1E4 };

static void te_fill_logits(int pattern, int n, int K)
{
    int i;
    for (i = 0; i < n; ++i) {
        double v = 0;
        switch (pattern) {
        case TE_PM_1E4: v = (i % 3 == 1) ? -1e4 : (i % 3 == 2 ? 1e4 : 0.5); break;
        case TE_PM_700: v = i % 2 ? -700 : 700; break;
        case TE_DOMINANT: v = (i % K) == (i / K) % K ? 60 : -0.5 * (i % 5); break;
        case TE_MILD: v = 0.3 * ((i * 7) % 11) - 1.5; break;
        case TE_NEG_1E4: v = -1e4; break;
        }
        te_ext_logits[i] = (dg_real)v;
    }
}

static void errors_extreme_inputs(void)
{
    static const te_case cases[] = {
        {"Bernoulli logits +-1e4", DG_BERNOULLI, 6, 0, TE_PM_1E4, 0},
        {"Bernoulli logits +-700", DG_BERNOULLI, 6, 0, TE_PM_700, 0},
        {"Bernoulli all -1e4", DG_BERNOULLI, 3, 0, TE_NEG_1E4, 0},
        {"Bernoulli D = 1", DG_BERNOULLI, 1, 0, TE_MILD, 0},
        {"Bernoulli D at capacity", DG_BERNOULLI, DG_MAX_DIM, 0, TE_MILD, 0},
        {"Bernoulli +-1e4 at capacity", DG_BERNOULLI, DG_MAX_DIM, 0, TE_PM_1E4, 0},
        {"Bernoulli tau 1e-30", DG_BERNOULLI, 5, 0, TE_MILD, 1e-30},
        {"Bernoulli tau 1e-4", DG_BERNOULLI, 5, 0, TE_PM_1E4, 1e-4},
        {"Bernoulli tau smallest normal", DG_BERNOULLI, 5, 0, TE_MILD, TE_TAU_MIN_NORMAL},
        {"Bernoulli tau 1e4", DG_BERNOULLI, 5, 0, TE_MILD, 1e4},
        {"Bernoulli tau 1e30", DG_BERNOULLI, 5, 0, TE_PM_700, 1e30},
        {"categorical logits +-1e4", DG_CATEGORICAL, 3, 3, TE_PM_1E4, 0},
        {"categorical logits +-700", DG_CATEGORICAL, 2, 4, TE_PM_700, 0},
        {"categorical all -1e4", DG_CATEGORICAL, 2, 3, TE_NEG_1E4, 0},
        {"categorical one dominant class", DG_CATEGORICAL, 3, 5, TE_DOMINANT, 0},
        {"categorical K = 1", DG_CATEGORICAL, 4, 1, TE_MILD, 0},
        {"categorical D = 1", DG_CATEGORICAL, 1, 6, TE_MILD, 0},
        {"categorical D = 1, K = 1", DG_CATEGORICAL, 1, 1, TE_MILD, 0},
        {"categorical K = DG_MAX_K", DG_CATEGORICAL, 1, DG_MAX_K, TE_DOMINANT, 0},
        {"categorical D*K at capacity", DG_CATEGORICAL, DG_MAX_DIM / 4, 4, TE_MILD, 0},
        {"categorical +-1e4 at capacity", DG_CATEGORICAL, DG_MAX_DIM / 8, 8, TE_PM_1E4, 0},
        {"categorical tau 1e-30", DG_CATEGORICAL, 2, 3, TE_MILD, 1e-30},
        {"categorical tau 1e-4", DG_CATEGORICAL, 2, 3, TE_PM_1E4, 1e-4},
        {"categorical tau smallest normal", DG_CATEGORICAL, 2, 3, TE_MILD, TE_TAU_MIN_NORMAL},
        {"categorical tau 1e4", DG_CATEGORICAL, 2, 3, TE_DOMINANT, 1e4},
        {"categorical tau 1e30", DG_CATEGORICAL, 2, 3, TE_PM_700, 1e30},
    };
    int ci, si;
    char ctx[200];
    for (ci = 0; ci < (int)(sizeof cases / sizeof cases[0]); ++ci) {
        const te_case *tc = &cases[ci];
        int n = tc->kind == DG_BERNOULLI ? tc->D : tc->D * tc->K;
        dg_problem p;
        te_fill_logits(tc->pattern, n, tc->K > 0 ? tc->K : 1);
        p = te_problem(tc->kind, tc->D, tc->K, te_ext_logits);
        for (si = 0; si < TE_NSETUPS; ++si) {
            const te_setup *s = &te_setups[si];
            dg_config c = te_config(s->m, s->samples);
            dg_info info;
            int rc, want = DG_OK, t, bad;
            long configs = 1;
            c.baseline = s->baseline;
            c.tune = s->tune;
            c.normalize = s->normalize;
            c.tau = tc->tau == TE_TAU_MIN_NORMAL ? (dg_real)(DGT_FLOAT ? FLT_MIN : DBL_MIN) : (dg_real)tc->tau;
            if (tc->tau != 0 && !te_needs_grad(s->m)) continue; /* tau is theirs alone */
            if (s->m == DG_REINMAX && c.tau > 0 && c.tau < 1) { /* ReinMax takes tau >= 1 only */
                snprintf(ctx, sizeof ctx, "REINMAX: %s", tc->name);
                TE_RC(ctx, dgt_init(&te_e, &c), DG_EINVAL);
                continue;
            }
            if (s->m == DG_EXACT) {
                int d;
                for (d = 0; d < tc->D && configs <= DG_MAX_ENUM; ++d)
                    configs *= tc->kind == DG_BERNOULLI ? 2 : tc->K;
                if (configs > DG_MAX_ENUM || n > DG_EXACT_MAX_DIM) want = DG_ECAPACITY;
                else if (configs > 4096) continue; /* valid but slow: dg_exact's own tests */
            }
            if (te_bernoulli_only(s->m) && tc->kind == DG_CATEGORICAL) want = DG_EUNSUPPORTED;
            snprintf(ctx, sizeof ctx, "%s samples %d baseline %d tune %d: %s", te_method_name(s->m),
                     s->samples, (int)s->baseline, s->tune, tc->name);
            CHECK_INT(dgt_init(&te_e, &c), DG_OK);
            /* a few steps, so tuned temperatures and baselines move too */
            for (t = 0; t < 3; ++t) {
                te_fill(te_grad, n);
                te_fill(te_wts, TE_NWTS);
                rc = dg_estimate(&te_e, &p, te_grad, &info);
                if (rc == DG_EDOMAIN && want == DG_OK && tc->tau == TE_TAU_MIN_NORMAL) {
                    TE_UNTOUCHED(ctx, te_grad, n); /* documented: finite values overflowed */
                    break;
                }
                if (rc != want) {
                    te_fail(__LINE__, ctx, "returned %d, expected %d", rc, want);
                    break;
                }
                if (rc != DG_OK) {
                    TE_UNTOUCHED(ctx, te_grad, n);
                    break;
                }
                bad = -1;
                {
                    int i;
                    for (i = 0; i < n && bad < 0; ++i)
                        if (!(te_grad[i] - te_grad[i] == 0)) bad = i;
                }
                if (bad >= 0) {
                    te_fail(__LINE__, ctx, "gradient element %d not finite (step %d)", bad, t);
                    break;
                }
                if (!(info.f_mean - info.f_mean == 0))
                    te_fail(__LINE__, ctx, "info.f_mean not finite (step %d)", t);
                if (s->m != DG_VIMCO && !te_set_method(s->m) && te_touched(te_wts, TE_NWTS) >= 0)
                    te_fail(__LINE__, ctx, "weights written by a method without them (step %d)", t);
                if (te_set_method(s->m)) { /* M weights in [0, 1] (sum and sample: summing to 1) */
                    double sum = 0;
                    int M = te_set_size(s->samples, tc->D, tc->kind == DG_BERNOULLI ? 2 : tc->K), k;
                    int ok = te_touched(te_wts + M, TE_NWTS - M) < 0;
                    for (k = 0; k < M; ++k) {
                        ok = ok && te_wts[k] >= 0 && (te_wts[k] <= 1 || s->m == DG_UNORDERED_SET) &&
                             te_wts[k] - te_wts[k] == 0;
                        sum += te_wts[k];
                    }
                    if (!ok || (s->m == DG_SUM_AND_SAMPLE && !(fabs(sum - 1) <= DGT_TOL(1e-9, 1e-4))))
                        te_fail(__LINE__, ctx, "%d weights (sum %g) wrong (step %d)", M, sum, t);
                }
                if (s->m == DG_VIMCO) { /* K weights in [0, 1] summing to 1, the bound finite */
                    double sum = 0;
                    int k, ok = te_touched(te_wts + s->samples, TE_NWTS - s->samples) < 0;
                    for (k = 0; k < s->samples; ++k) {
                        ok = ok && te_wts[k] >= 0 && te_wts[k] <= 1;
                        sum += te_wts[k];
                    }
                    /* each w_k carries the rounding of l_k - LSE: eps |l| relative */
                    if (!ok || !(fabs(sum - 1) <= DGT_TOL(1e-9, 1e-3)) || !(info.bound - info.bound == 0))
                        te_fail(__LINE__, ctx, "weights (sum %g) or bound %g wrong (step %d)", sum,
                                (double)info.bound, t);
                }
            }
        }
    }
}

/* ---------------------------------------------------------------------------------------------
   dg_relaxed_grad_at, dg_tau_schedule, dg_set_tau
   ------------------------------------------------------------------------------------------- */

/* dg_relaxed_grad_at writes only the estimator's scratch: everything before the work arrays. */
static int te_same_but_scratch(const dg_estimator *a, const dg_estimator *b)
{
    return te_same_state(a, b) && memcmp(&a->rng, &b->rng, sizeof a->rng) == 0;
}

static void errors_relaxed_grad_at(void)
{
    static const dg_method methods[3] = {DG_GUMBEL_SOFTMAX, DG_STRAIGHT_THROUGH, DG_GUMBEL_RAO};
    dg_real noise[12], cond[12], bad[12];
    int mi, ki, i;
    char ctx[160];
    for (mi = 0; mi < 3; ++mi)
        for (ki = 0; ki < 2; ++ki) {
            dg_method m = methods[mi];
            dg_kind kind = ki ? DG_CATEGORICAL : DG_BERNOULLI;
            dg_problem p = te_small(kind), q;
            dg_config c = te_config(m, 2);
            int n = kind == DG_BERNOULLI ? 3 : 6, gr = m == DG_GUMBEL_RAO;
            dg_info info;
            unsigned char pattern[sizeof(dg_info)];
            for (i = 0; i < 12; ++i) {
                noise[i] = (dg_real)(0.3 * ((i * 5) % 7) - 0.9);
                cond[i] = (dg_real)(kind == DG_BERNOULLI ? 0.1 + 0.07 * i : 0.2 + 0.3 * i);
            }
            CHECK_INT(dgt_init(&te_e, &c), DG_OK);
            te_snap = te_e;
            memset(pattern, 0x5A, sizeof pattern);
            /* the valid call works and leaves rng, steps and configuration alone */
            te_fill(te_grad, n);
            CHECK_INT(dg_relaxed_grad_at(&te_e, &p, noise, cond, te_grad, NULL), DG_OK);
            CHECK(te_touched(te_grad, n) == 0);
            CHECK(te_same_but_scratch(&te_e, &te_snap));
#define TE_AT_ERR(what, call, want)                                                         \
    do {                                                                                    \
        te_ctx(ctx, sizeof ctx, m, kind, what);                                             \
        te_fill(te_grad, DG_MAX_DIM);                                                       \
        memset(&info, 0x5A, sizeof info);                                                   \
        TE_RC(ctx, call, want);                                                             \
        TE_UNTOUCHED(ctx, te_grad, DG_MAX_DIM);                                             \
        if (memcmp(&info, pattern, sizeof info) != 0) te_fail(__LINE__, ctx, "info written"); \
        if (!te_same_but_scratch(&te_e, &te_snap)) te_fail(__LINE__, ctx, "estimator changed"); \
    } while (0)
            TE_AT_ERR("relaxed_grad_at NULL e", dg_relaxed_grad_at(NULL, &p, noise, cond, te_grad, &info), DG_EINVAL);
            TE_AT_ERR("relaxed_grad_at NULL p", dg_relaxed_grad_at(&te_e, NULL, noise, cond, te_grad, &info), DG_EINVAL);
            TE_AT_ERR("relaxed_grad_at NULL noise", dg_relaxed_grad_at(&te_e, &p, NULL, cond, te_grad, &info), DG_EINVAL);
            TE_AT_ERR("relaxed_grad_at NULL grad", dg_relaxed_grad_at(&te_e, &p, noise, cond, NULL, &info), DG_EINVAL);
            if (gr) TE_AT_ERR("relaxed_grad_at NULL cond_noise", dg_relaxed_grad_at(&te_e, &p, noise, NULL, te_grad, &info), DG_EINVAL);
            q = p; q.f_grad = NULL;
            TE_AT_ERR("relaxed_grad_at no f_grad", dg_relaxed_grad_at(&te_e, &q, noise, cond, te_grad, &info), DG_ENEEDGRAD);
            q = p; q.D = 0;
            TE_AT_ERR("relaxed_grad_at D = 0", dg_relaxed_grad_at(&te_e, &q, noise, cond, te_grad, &info), DG_EINVAL);
            q = p; q.D = DG_MAX_DIM + 1;
            TE_AT_ERR("relaxed_grad_at D over", dg_relaxed_grad_at(&te_e, &q, noise, cond, te_grad, &info), DG_ECAPACITY);
            /* a bad noise value at the last position read */
            memcpy(bad, noise, sizeof bad);
            bad[(gr ? 1 : 2) * n - 1] = (dg_real)NAN;
            TE_AT_ERR("relaxed_grad_at noise NaN", dg_relaxed_grad_at(&te_e, &p, bad, cond, te_grad, &info), DG_EDOMAIN);
            bad[(gr ? 1 : 2) * n - 1] = -(dg_real)INFINITY;
            TE_AT_ERR("relaxed_grad_at noise -inf", dg_relaxed_grad_at(&te_e, &p, bad, cond, te_grad, &info), DG_EDOMAIN);
            if (gr) {
                memcpy(bad, cond, sizeof bad);
                bad[2 * n - 1] = 0;
                TE_AT_ERR("relaxed_grad_at cond 0", dg_relaxed_grad_at(&te_e, &p, noise, bad, te_grad, &info), DG_EINVAL);
                bad[2 * n - 1] = (dg_real)NAN;
                TE_AT_ERR("relaxed_grad_at cond NaN", dg_relaxed_grad_at(&te_e, &p, noise, bad, te_grad, &info), DG_EINVAL);
                bad[2 * n - 1] = kind == DG_BERNOULLI ? 1 : -1;
                TE_AT_ERR("relaxed_grad_at cond out of range", dg_relaxed_grad_at(&te_e, &p, noise, bad, te_grad, &info), DG_EINVAL);
                if (kind == DG_CATEGORICAL) {
                    bad[2 * n - 1] = (dg_real)INFINITY;
                    TE_AT_ERR("relaxed_grad_at cond inf", dg_relaxed_grad_at(&te_e, &p, noise, bad, te_grad, &info), DG_EDOMAIN);
                }
            }
            /* f_grad failing at any of its calls */
            for (i = 1; i <= (gr ? 1 : 2); ++i) {
                te_o.calls = 0;
                te_o.poison = TE_DZ_NAN;
                te_o.poison_at = i;
                TE_AT_ERR("relaxed_grad_at df/dz NaN", dg_relaxed_grad_at(&te_e, &p, noise, cond, te_grad, &info), DG_EDOMAIN);
                te_o.calls = 0;
                te_o.poison = TE_F_INF;
                TE_AT_ERR("relaxed_grad_at f inf", dg_relaxed_grad_at(&te_e, &p, noise, cond, te_grad, &info), DG_EDOMAIN);
            }
            te_o.poison = TE_CLEAN;
            te_o.poison_at = 0;
            /* an estimator of another method */
            c = te_config(DG_REINFORCE, 2);
            CHECK_INT(dgt_init(&te_e, &c), DG_OK);
            te_snap = te_e;
            TE_AT_ERR("relaxed_grad_at REINFORCE estimator", dg_relaxed_grad_at(&te_e, &p, noise, cond, te_grad, &info), DG_EINVAL);
#undef TE_AT_ERR
        }
}

static void errors_tau_schedule_and_set_tau(void)
{
    static dg_estimator e, copy;
    dg_real tau = TE_SENT, sub = TE_TAU_SUBNORMAL, nan = (dg_real)NAN, inf = (dg_real)INFINITY;
    dg_config c = te_config(DG_GUMBEL_SOFTMAX, 1);
#define TE_SCHED(what, call)                                                                \
    do {                                                                                    \
        tau = TE_SENT;                                                                      \
        TE_RC(what, call, DG_EINVAL);                                                       \
        TE_UNTOUCHED(what, &tau, 1);                                                        \
    } while (0)
    TE_SCHED("schedule NULL", dg_tau_schedule(1, (dg_real)0.5, (dg_real)1e-4, 10, NULL));
    TE_SCHED("schedule tau0 0", dg_tau_schedule(0, (dg_real)0.5, (dg_real)1e-4, 10, &tau));
    TE_SCHED("schedule tau0 -1", dg_tau_schedule(-1, (dg_real)0.5, (dg_real)1e-4, 10, &tau));
    TE_SCHED("schedule tau0 NaN", dg_tau_schedule(nan, (dg_real)0.5, (dg_real)1e-4, 10, &tau));
    TE_SCHED("schedule tau0 inf", dg_tau_schedule(inf, (dg_real)0.5, (dg_real)1e-4, 10, &tau));
    TE_SCHED("schedule tau_min 0", dg_tau_schedule(1, 0, (dg_real)1e-4, 10, &tau));
    TE_SCHED("schedule tau_min NaN", dg_tau_schedule(1, nan, (dg_real)1e-4, 10, &tau));
    TE_SCHED("schedule tau_min inf", dg_tau_schedule(1, inf, (dg_real)1e-4, 10, &tau));
    TE_SCHED("schedule tau_min subnormal", dg_tau_schedule(1, sub, (dg_real)1e-4, 10, &tau));
    TE_SCHED("schedule rate < 0", dg_tau_schedule(1, (dg_real)0.5, -1, 10, &tau));
    TE_SCHED("schedule rate NaN", dg_tau_schedule(1, (dg_real)0.5, nan, 10, &tau));
    TE_SCHED("schedule rate inf", dg_tau_schedule(1, (dg_real)0.5, inf, 10, &tau));
    TE_SCHED("schedule step < 0", dg_tau_schedule(1, (dg_real)0.5, (dg_real)1e-4, -1, &tau));
#undef TE_SCHED
    /* extremes: the result stays a usable temperature */
    CHECK_INT(dg_tau_schedule(1, (dg_real)0.5, (dg_real)1e30, LONG_MAX, &tau), DG_OK);
    CHECK(tau == (dg_real)0.5);
    CHECK_INT(dg_tau_schedule((dg_real)1e30, (dg_real)1e-30, 0, LONG_MAX, &tau), DG_OK);
    CHECK(tau == (dg_real)1e30);
    CHECK_INT(dgt_init(&e, &c), DG_OK);
    copy = e;
    CHECK_INT(dg_set_tau(NULL, 1), DG_EINVAL);
    CHECK_INT(dg_set_tau(&e, 0), DG_EINVAL);
    CHECK_INT(dg_set_tau(&e, -1), DG_EINVAL);
    CHECK_INT(dg_set_tau(&e, nan), DG_EINVAL);
    CHECK_INT(dg_set_tau(&e, inf), DG_EINVAL);
    CHECK_INT(dg_set_tau(&e, sub), DG_EINVAL);
    CHECK(memcmp(&e, &copy, sizeof e) == 0);
    /* ReinMax takes a temperature of at least 1 (see DG_REINMAX) */
    c = te_config(DG_REINMAX, 1);
    CHECK_INT(dgt_init(&e, &c), DG_OK);
    copy = e;
    CHECK_INT(dg_set_tau(&e, (dg_real)0.5), DG_EINVAL);
    CHECK_INT(dg_set_tau(&e, (dg_real)0.999), DG_EINVAL);
    CHECK_INT(dg_set_tau(&e, nan), DG_EINVAL);
    CHECK_INT(dg_set_tau(&e, inf), DG_EINVAL);
    CHECK(memcmp(&e, &copy, sizeof e) == 0);
    CHECK_INT(dg_set_tau(&e, 2), DG_OK);
    CHECK(e.cfg.tau == 2);
    CHECK_INT(dg_set_tau(&e, 1), DG_OK);
    CHECK(e.cfg.tau == 1);
    c = te_config(DG_INDECATER, 1);
    CHECK_INT(dgt_init(&e, &c), DG_OK);
    copy = e;
    CHECK_INT(dg_set_tau(&e, 1), DG_EUNSUPPORTED);
    CHECK(memcmp(&e, &copy, sizeof e) == 0);
    c = te_config(DG_REINFORCE, 1);
    CHECK_INT(dgt_init(&e, &c), DG_OK);
    copy = e;
    CHECK_INT(dg_set_tau(&e, 1), DG_EUNSUPPORTED);
    CHECK(memcmp(&e, &copy, sizeof e) == 0);
}

/* The functions that cannot fail: any argument gives a usable answer. */
static void errors_total_functions(void)
{
    static const int codes[] = {INT_MIN, -7, 1, INT_MAX};
    static const uint64_t bits[] = {0, 1, UINT64_C(0xFFFFFFFFFFFFFFFF), UINT64_C(0x8000000000000000),
                                    UINT64_C(0xFFFFFFFFFFFFF000), UINT64_C(0x0000000000000FFF)};
    dg_rng r;
    int i;
    for (i = 0; i < 4; ++i) CHECK(strcmp(dg_strerror(codes[i]), "unknown error") == 0);
    for (i = 0; i < 6; ++i) {
        dg_real u = dg_uniform_from_bits(bits[i]);
        CHECK(u > 0 && u < 1);
    }
    dg_rng_seed(&r, UINT64_C(0xFFFFFFFFFFFFFFFF), UINT64_C(0xFFFFFFFFFFFFFFFF));
    for (i = 0; i < 2000; ++i) {
        dg_real u = dg_uniform(&r), g = dg_gumbel(&r), l = dg_logistic(&r), x = dg_exponential(&r);
        if (!(u > 0 && u < 1) || !(g - g == 0) || !(l - l == 0) || !(x > 0 && x - x == 0)) {
            te_fail(__LINE__, "rng", "draw %d: u %g gumbel %g logistic %g exponential %g", i,
                    (double)u, (double)g, (double)l, (double)x);
            break;
        }
    }
    dg_rng_seed(&r, 0, 0);
    CHECK(dg_rng_u64(&r) != dg_rng_u64(&r)); /* the all-zero seed still moves */
}

/* samples at DG_MAX_SAMPLES, the largest valid value, for every method and both kinds: finite
   gradients, and one more sample is DG_ECAPACITY at dg_init. */
static void errors_samples_at_capacity(void)
{
    int mi, ki, i;
    char ctx[120];
    for (mi = 1; mi <= TE_NMETHODS; ++mi)
        for (ki = 0; ki < 2; ++ki) {
            dg_method m = (dg_method)mi;
            dg_kind kind = ki ? DG_CATEGORICAL : DG_BERNOULLI;
            dg_problem p = te_small(kind);
            int most = te_set_method(m) ? DG_MAX_SET : DG_MAX_SAMPLES;
            dg_config c = te_config(m, most);
            int n = kind == DG_BERNOULLI ? 3 : 6, rc;
            c.tune = m == DG_REBAR || m == DG_RELAX;
            te_ctx(ctx, sizeof ctx, m, kind, te_set_method(m) ? "samples = DG_MAX_SET" : "samples = DG_MAX_SAMPLES");
            TE_RC(ctx, dgt_init(&te_e, &c), DG_OK);
            te_fill(te_grad, n);
            rc = dg_estimate(&te_e, &p, te_grad, NULL);
            if (te_bernoulli_only(m) && kind == DG_CATEGORICAL) {
                TE_RC(ctx, rc, DG_EUNSUPPORTED);
                continue;
            }
            TE_RC(ctx, rc, DG_OK);
            for (i = 0; rc == DG_OK && i < n; ++i)
                if (!(te_grad[i] - te_grad[i] == 0)) {
                    te_fail(__LINE__, ctx, "gradient element %d = %g", i, (double)te_grad[i]);
                    break;
                }
            c.samples = most + 1;
            TE_RC(ctx, dgt_init(&te_e, &c), DG_ECAPACITY);
        }
}

/* The block uniforms and block noise refuse NULL and n < 1 by doing nothing; the math kernels follow C99 on the
   special values and never turn a number into NaN. */
static void errors_uniforms_and_kernels(void)
{
    static const double finite[] = {0.0, -0.0, 1e-300, -1e-300, 4.9e-324, 1.0, -1.0, 0.5, 88.7, -88.7,
                                    103.9, -103.9, 709.7, -709.7, 745.2, -745.2, 1e4, -1e4, 1e30, -1e30};
    dg_real u[8], v[8], inf = (dg_real)INFINITY, nan = (dg_real)NAN;
    dg_rng r, r0;
    int i, k;
    dg_rng_seed(&r, 3, 4);
    /* every block draw: refused without a trace, then exactly the n values of n single draws,
       leaving the generator where they leave it */
    for (k = 0; k < 4; ++k) {
        void (*block)(dg_rng *, dg_real *, int) =
            k == 0 ? dg_uniforms : k == 1 ? dg_gumbels : k == 2 ? dg_logistics : dg_exponentials;
        dg_real (*single)(dg_rng *) =
            k == 0 ? dg_uniform : k == 1 ? dg_gumbel : k == 2 ? dg_logistic : dg_exponential;
        r0 = r;
        te_fill(u, 8);
        block(NULL, u, 8);
        block(&r, NULL, 8);
        block(&r, u, 0);
        block(&r, u, -5);
        block(&r, u, INT_MIN);
        TE_UNTOUCHED("block draw refused", u, 8);
        CHECK(memcmp(&r, &r0, sizeof r) == 0);
        block(&r, u, 5 + k);
        for (i = 0; i < 5 + k; ++i) v[i] = single(&r0);
        CHECK(memcmp(u, v, (size_t)(5 + k) * sizeof *u) == 0);
        CHECK(memcmp(&r, &r0, sizeof r) == 0);
        TE_UNTOUCHED("block draw wrote past n", u + 5 + k, 3 - k);
    }
    CHECK(dg_exp(-inf) == 0 && dg_exp(inf) == inf && dg_exp(nan) != dg_exp(nan));
    CHECK(dg_log(0) == -inf && dg_log(inf) == inf && dg_log(-1) != dg_log(-1) && dg_log(nan) != dg_log(nan));
    CHECK(dg_log1p(-1) == -inf && dg_log1p(inf) == inf && dg_log1p(-2) != dg_log1p(-2));
    CHECK(dg_log1p(nan) != dg_log1p(nan));
    for (i = 0; i < (int)(sizeof finite / sizeof finite[0]); ++i) {
        dg_real x = (dg_real)finite[i], e = dg_exp(x), l = dg_log(x > 0 ? x : -x), l1 = dg_log1p(x > -1 ? x : -x);
        if (e != e || !(e >= 0) || l != l || l1 != l1)
            te_fail(__LINE__, "kernels", "x = %g: exp %g, log|x| %g, log1p %g", (double)x, (double)e, (double)l, (double)l1);
    }
}

/* A Bernoulli problem ignores K, whatever it holds. */
static void errors_bernoulli_ignores_k(void)
{
    dg_problem p = te_small(DG_BERNOULLI);
    dg_real g1[3], g2[3];
    dg_config c = te_config(DG_EXACT, 0);
    CHECK_INT(dgt_init(&te_e, &c), DG_OK);
    CHECK_INT(dg_estimate(&te_e, &p, g1, NULL), DG_OK);
    p.K = -7;
    CHECK_INT(dg_estimate(&te_e, &p, g2, NULL), DG_OK);
    CHECK(memcmp(g1, g2, sizeof g1) == 0);
    p.K = INT_MAX;
    CHECK_INT(dg_estimate(&te_e, &p, g2, NULL), DG_OK);
    CHECK(memcmp(g1, g2, sizeof g1) == 0);
}

/* Not a check: runs last and reports how many bad-input cases the tests above checked (the
   CHECK_INT cases of this file and its extreme valid inputs come on top). */
/* ---------------------------------------------------------------------------------------------
   dg_ask, dg_tell, dg_commit, dg_point_needs, dg_draw_reals, dg_estimator_reals: every misuse of a
   draw returns its code and changes nothing -- the caller's gradient and info, the estimator's
   state, the draw (which can still be told afterwards, with the estimate it would have given)
   ------------------------------------------------------------------------------------------- */
static dg_real te_dmem[4][8192], te_vals[256], te_grads[256 * 8];

/* f (or f_grad) at every point of d that needs it */
static void te_evaluate(const dg_draw *d, const dg_problem *p)
{
    int j;
    for (j = 0; j < d->batch * d->per_example; ++j) {
        int need = dg_point_needs(d, j / d->per_example, j % d->per_example);
        te_vals[j] = need == DG_NEED_GRAD ? p->f_grad(d->points + j * d->n, te_grads + j * d->n, p->user)
                     : need == DG_NEED_VALUE ? p->f(d->points + j * d->n, p->user) : (dg_real)0;
    }
}

/* A tell that must fail with want, leaving everything as it was. */
static void te_tell_fails(int line, const char *ctx, dg_estimator *e, dg_draw *d, const dg_problem *p,
                          const dg_real *vals, const dg_real *grads, int want)
{
    dg_real g[16];
    dg_info info;
    dg_draw before = *d;
    dg_pending pend = e->pend;
    unsigned char pattern[sizeof(dg_info)];
    int rc;
    te_fill(g, 16);
    te_fill(te_wts, TE_NWTS);
    memset(&info, 0x5A, sizeof info);
    memset(pattern, 0x5A, sizeof pattern);
    te_cases++;
    rc = dg_tell(e, d, p, vals, grads, g, &info);
    if (rc != want) te_fail(line, ctx, "dg_tell returned %d, expected %d", rc, want);
    if (te_touched(g, 16) >= 0) te_fail(line, ctx, "gradient written (code %d)", rc);
    if (te_touched(te_wts, TE_NWTS) >= 0) te_fail(line, ctx, "weights written (code %d)", rc);
    if (memcmp(&info, pattern, sizeof info) != 0) te_fail(line, ctx, "info written (code %d)", rc);
    if (memcmp(d, &before, sizeof before) != 0) te_fail(line, ctx, "draw changed (code %d)", rc);
    if (memcmp(&e->pend, &pend, sizeof pend) != 0 || (e != NULL && !te_same_state(e, &te_snap)))
        te_fail(line, ctx, "estimator changed (code %d)", rc);
}

static void errors_ask_tell(void)
{
    static dg_estimator other;
    int mi, ki;
    char ctx[160];
    for (mi = 1; mi <= TE_NMETHODS; ++mi)
        for (ki = 0; ki < 2; ++ki) {
            dg_method m = (dg_method)mi;
            dg_kind kind = ki ? DG_CATEGORICAL : DG_BERNOULLI;
            dg_problem p = te_small(kind), q;
            dg_config c = te_config(m, 2);
            dg_draw d, d2;
            dg_real g[16], g_ref[16], *pt;
            dg_real lg_other[6] = {0.5, 0.5, 0.5, 0.5, 0.5, 0.5};
            int n = p.kind == DG_BERNOULLI ? p.D : p.D * p.K, rc, j, P;
            size_t need;
            c.baseline = m == DG_REINFORCE ? DG_BASELINE_EMA : DG_BASELINE_NONE;
            CHECK_INT(dgt_init(&te_e, &c), DG_OK);
            te_ctx(ctx, sizeof ctx, m, kind, "ask");
            if (m == DG_DISARM && kind == DG_CATEGORICAL) {
                TE_RC(ctx, dg_ask(&te_e, &p, &d, te_dmem[0], 8192), DG_EUNSUPPORTED);
                continue;
            }
            /* dg_ask's bad arguments: nothing written to the draw, the rng does not move */
            need = dg_draw_reals(&te_e, &p);
            CHECK(need > 0 && need <= 8192);
            te_snap = te_e;
            memset(&d, 0x77, sizeof d);
            d2 = d;
            TE_RC(ctx, dg_ask(NULL, &p, &d, te_dmem[0], 8192), DG_EINVAL);
            TE_RC(ctx, dg_ask(&te_e, NULL, &d, te_dmem[0], 8192), DG_EINVAL);
            TE_RC(ctx, dg_ask(&te_e, &p, NULL, te_dmem[0], 8192), DG_EINVAL);
            TE_RC(ctx, dg_ask(&te_e, &p, &d, NULL, 8192), DG_EINVAL);
            TE_RC(ctx, dg_ask(&te_e, &p, &d, te_dmem[0], need - 1), DG_ECAPACITY);
            q = p; q.logits = NULL;
            TE_RC(ctx, dg_ask(&te_e, &q, &d, te_dmem[0], 8192), DG_EINVAL);
            q = p; q.batch = -1;
            TE_RC(ctx, dg_ask(&te_e, &q, &d, te_dmem[0], 8192), DG_EINVAL);
            q = p; q.logits = te_logits23_nan;
            TE_RC(ctx, dg_ask(&te_e, &q, &d, te_dmem[0], 8192), DG_EDOMAIN);
            q = p; q.kind = DG_CATEGORICAL; q.K = DG_MAX_K + 1; q.D = 1;
            TE_RC(ctx, dg_ask(&te_e, &q, &d, te_dmem[0], 8192), DG_ECAPACITY);
            CHECK(memcmp(&d, &d2, sizeof d) == 0);
            CHECK(te_same_but_scratch(&te_e, &te_snap) && te_e.asked == te_snap.asked);
            /* dg_point_needs outside the draw */
            CHECK_INT(dg_ask(&te_e, &p, &d, te_dmem[0], need), DG_OK);
            P = d.per_example;
            TE_RC(ctx, dg_point_needs(NULL, 0, 0), DG_EINVAL);
            TE_RC(ctx, dg_point_needs(&d, 1, 0), DG_EINVAL);
            TE_RC(ctx, dg_point_needs(&d, -1, 0), DG_EINVAL);
            TE_RC(ctx, dg_point_needs(&d, 0, P), DG_EINVAL);
            TE_RC(ctx, dg_point_needs(&d, 0, -1), DG_EINVAL);
            te_evaluate(&d, &p);
            te_snap = te_e;
            /* every misuse of dg_tell */
            te_ctx(ctx, sizeof ctx, m, kind, "tell: NULL arguments");
            te_tell_fails(__LINE__, ctx, &te_e, &d, &p, NULL, te_grads, DG_EINVAL);
            te_cases++;
            CHECK_INT(dg_tell(NULL, &d, &p, te_vals, te_grads, g, NULL), DG_EINVAL);
            CHECK_INT(dg_tell(&te_e, NULL, &p, te_vals, te_grads, g, NULL), DG_EINVAL);
            CHECK_INT(dg_tell(&te_e, &d, &p, te_vals, te_grads, NULL, NULL), DG_EINVAL);
            if (d.needs_grad) {
                te_ctx(ctx, sizeof ctx, m, kind, "tell: gradients needed, none given");
                te_tell_fails(__LINE__, ctx, &te_e, &d, &p, te_vals, NULL, DG_ENEEDGRAD);
                te_ctx(ctx, sizeof ctx, m, kind, "tell: a gradient NaN");
                for (j = 0; j < P && dg_point_needs(&d, 0, j) != DG_NEED_GRAD; ++j) {}
                te_grads[j * n + n - 1] = NAN;
                te_tell_fails(__LINE__, ctx, &te_e, &d, &p, te_vals, te_grads, DG_EDOMAIN);
                te_evaluate(&d, &p);
            }
            te_ctx(ctx, sizeof ctx, m, kind, "tell: a value not finite");
            for (j = P - 1; j > 0 && dg_point_needs(&d, 0, j) == DG_NEED_NONE; --j) {}
            te_vals[j] = INFINITY;
            te_tell_fails(__LINE__, ctx, &te_e, &d, &p, te_vals, te_grads, DG_EDOMAIN);
            te_evaluate(&d, &p);
            te_ctx(ctx, sizeof ctx, m, kind, "tell: to another estimator");
            CHECK_INT(dgt_init(&other, &c), DG_OK);
            te_tell_fails(__LINE__, ctx, &other, &d, &p, te_vals, te_grads, DG_ESTATE);
            te_ctx(ctx, sizeof ctx, m, kind, "tell: another problem's logits");
            q = p; q.logits = lg_other;
            te_tell_fails(__LINE__, ctx, &te_e, &d, &q, te_vals, te_grads, DG_ESTATE);
            te_ctx(ctx, sizeof ctx, m, kind, "tell: a problem of another shape");
            q = p; q.D = p.D - 1;
            te_tell_fails(__LINE__, ctx, &te_e, &d, &q, te_vals, te_grads, DG_ESTATE);
            q = p; q.batch = 2;
            te_tell_fails(__LINE__, ctx, &te_e, &d, &q, te_vals, te_grads, DG_ESTATE);
            te_ctx(ctx, sizeof ctx, m, kind, "tell: a point changed (the caller's own sample)");
            pt = (dg_real *)d.points;
            g[0] = pt[0];
            pt[0] = g[0] == 0 ? 1 : 0;
            te_tell_fails(__LINE__, ctx, &te_e, &d, &p, te_vals, te_grads, DG_ESTATE);
            pt[0] = g[0];
            te_ctx(ctx, sizeof ctx, m, kind, "tell: the stored noise changed");
            {
                /* the last value hashed: before the staging of the estimate (n values) and,
                   for VIMCO and the set methods, its weights (one per sample: 2 <= 8, 9) */
                size_t last = need - (size_t)n - (m == DG_VIMCO || te_set_method(m) ? (size_t)c.samples : 0) - 1;
                dg_real kept = te_dmem[0][last];
                te_dmem[0][last] = kept + 1;
                te_tell_fails(__LINE__, ctx, &te_e, &d, &p, te_vals, te_grads, DG_ESTATE);
                te_dmem[0][last] = kept;
            }
            te_ctx(ctx, sizeof ctx, m, kind, "tell: the estimator re-initialised since the ask");
            other = te_e;
            CHECK_INT(dgt_init(&te_e, &c), DG_OK);
            te_snap = te_e;
            te_tell_fails(__LINE__, ctx, &te_e, &d, &p, te_vals, te_grads, DG_ESTATE);
            te_e = other;
            te_snap = te_e;
            te_ctx(ctx, sizeof ctx, m, kind, "tell: the method changed since the ask");
            te_e.cfg.method = m == DG_REINFORCE ? DG_RLOO : DG_REINFORCE;
            te_snap = te_e;
            te_tell_fails(__LINE__, ctx, &te_e, &d, &p, te_vals, te_grads, DG_ESTATE);
            te_e = other;
            te_snap = te_e;
            /* after all that, the draw is told as if nothing had happened, once */
            te_ctx(ctx, sizeof ctx, m, kind, "tell after the misuses");
            rc = dg_tell(&te_e, &d, &p, te_vals, te_grads, g_ref, NULL);
            TE_RC(ctx, rc, DG_OK);
            te_snap = te_e;
            te_ctx(ctx, sizeof ctx, m, kind, "tell: twice");
            te_tell_fails(__LINE__, ctx, &te_e, &d, &p, te_vals, te_grads, DG_ESTATE);
            /* a draw asked by a copy of the estimator and told to the original (or the
               reverse) is another estimator's too: copies share memory, not draws */
            CHECK_INT(dg_commit(&te_e), DG_OK);
            CHECK_INT(dg_commit(NULL), DG_EINVAL);
        }
    /* the size functions refuse what dg_init or dg_ask would: 0 */
    {
        dg_config c = te_config(DG_REINFORCE, 1), bad = c;
        dg_problem p = te_small(DG_BERNOULLI), q = p;
        bad.method = (dg_method)0;
        TE_RC("dg_estimator_reals", (int)dg_estimator_reals(NULL, &p), 0);
        TE_RC("dg_estimator_reals", (int)dg_estimator_reals(&c, NULL), 0);
        TE_RC("dg_estimator_reals", (int)dg_estimator_reals(&bad, &p), 0);
        q.D = 0;
        TE_RC("dg_estimator_reals", (int)dg_estimator_reals(&c, &q), 0);
        q = p; q.kind = (dg_kind)7;
        TE_RC("dg_estimator_reals", (int)dg_estimator_reals(&c, &q), 0);
        q = p; q.kind = DG_CATEGORICAL; q.K = DG_MAX_K + 1;
        TE_RC("dg_estimator_reals", (int)dg_estimator_reals(&c, &q), 0);
        CHECK_INT(dgt_init(&te_e, &c), DG_OK);
        TE_RC("dg_draw_reals", (int)dg_draw_reals(NULL, &p), 0);
        TE_RC("dg_draw_reals", (int)dg_draw_reals(&te_e, NULL), 0);
        q = p; q.logits = NULL;
        TE_RC("dg_draw_reals", (int)dg_draw_reals(&te_e, &q), 0);
        /* dg_init with memory NULL but a count */
        TE_RC("dg_init", dg_init(&te_e, &c, NULL, 10), DG_EINVAL);
    }
}

/* A shape the method refuses needs no draw: dg_draw_reals is 0 where dg_ask refuses the problem
   before reading a logit, DG_EXACT beyond DG_MAX_ENUM configurations (DG_ECAPACITY) and DisARM
   on categorical variables (DG_EUNSUPPORTED); at exactly DG_MAX_ENUM configurations the draw is
   counted. */
static void errors_refused_shapes_have_no_draw_size(void)
{
    static dg_estimator e;
    static dg_real lg[64];
    dg_real dm[8];
    dg_draw d;
    dg_config c = te_config(DG_EXACT, 0);
    dg_problem p;
    int kind, D;
    for (kind = 0; kind < 2; ++kind) {
        int K = kind ? 4 : 2;
        long count = 1;
        for (D = 0; count <= DG_MAX_ENUM / K; ++D) count *= K; /* K^D <= DG_MAX_ENUM < K^(D+1) */
        CHECK_INT(dgt_init(&e, &c), DG_OK);
        p = te_problem(kind ? DG_CATEGORICAL : DG_BERNOULLI, D, kind ? K : 0, lg);
        CHECK(dg_draw_reals(&e, &p) > 0);
        p = te_problem(kind ? DG_CATEGORICAL : DG_BERNOULLI, D + 1, kind ? K : 0, lg);
        CHECK(dg_draw_reals(&e, &p) == 0);
        CHECK_INT(dg_ask(&e, &p, &d, dm, 8), DG_ECAPACITY);
    }
    c = te_config(DG_DISARM, 2);
    CHECK_INT(dgt_init(&e, &c), DG_OK);
    p = te_small(DG_CATEGORICAL);
    CHECK(dg_draw_reals(&e, &p) == 0);
    CHECK_INT(dg_ask(&e, &p, &d, dm, 8), DG_EUNSUPPORTED);
    p = te_small(DG_BERNOULLI);
    CHECK(dg_draw_reals(&e, &p) > 0);
}

/* DG_BASELINE_INPUT and DG_BASELINE_CV read the problem at tell time: without it, or with a
   NaN b(x) among a batch's, the tell fails and changes nothing; with OPTIMAL sums of one size
   pending, a tell or dg_estimate of another size is DG_ESTATE until the commit. */
static void errors_tell_extras_and_pending(void)
{
    static dg_real mem[2][8192];
    dg_config c = te_config(DG_REINFORCE, 2);
    dg_problem p = te_small(DG_BERNOULLI), q;
    dg_real inputs[2] = {0.5, NAN}, g[16], logits2[6] = {0.1, 0.2, 0.3, 0.4, 0.5, 0.6};
    dg_draw d;
    c.baseline = DG_BASELINE_INPUT;
    CHECK_INT(dgt_init(&te_e, &c), DG_OK);
    q = p;
    q.batch = 2;
    q.logits = logits2;
    q.baseline_inputs = inputs;
    CHECK_INT(dg_ask(&te_e, &q, &d, mem[0], 8192), DG_OK);
    te_evaluate(&d, &q);
    te_snap = te_e;
    te_tell_fails(__LINE__, "INPUT: no problem at tell", &te_e, &d, NULL, te_vals, NULL, DG_EINVAL);
    te_tell_fails(__LINE__, "INPUT: a NaN b(x) in the batch", &te_e, &d, &q, te_vals, NULL, DG_EDOMAIN);
    inputs[1] = 0.25;
    TE_RC("INPUT: batch told", dg_tell(&te_e, &d, &q, te_vals, NULL, g, NULL), DG_OK);
    c.baseline = DG_BASELINE_CV;
    CHECK_INT(dgt_init(&te_e, &c), DG_OK);
    CHECK_INT(dg_ask(&te_e, &p, &d, mem[0], 8192), DG_OK);
    te_evaluate(&d, &p);
    te_snap = te_e;
    te_tell_fails(__LINE__, "CV: no problem at tell", &te_e, &d, NULL, te_vals, NULL, DG_EINVAL);
    q = p;
    q.cv = NULL;
    te_tell_fails(__LINE__, "CV: no cv callback", &te_e, &d, &q, te_vals, NULL, DG_EINVAL);
    c.baseline = DG_BASELINE_OPTIMAL;
    CHECK_INT(dgt_init(&te_e, &c), DG_OK);
    CHECK_INT(dg_ask(&te_e, &p, &d, mem[0], 8192), DG_OK);
    te_evaluate(&d, &p);
    CHECK_INT(dg_tell(&te_e, &d, &p, te_vals, NULL, g, NULL), DG_OK);
    q = te_small(DG_CATEGORICAL); /* 6 logits where 3 are pending */
    CHECK_INT(dg_ask(&te_e, &q, &d, mem[1], 8192), DG_OK);
    te_evaluate(&d, &q);
    te_snap = te_e;
    te_tell_fails(__LINE__, "OPTIMAL: another size pending", &te_e, &d, &q, te_vals, NULL, DG_ESTATE);
    te_expect_error(__LINE__, "OPTIMAL: dg_estimate of another size pending", &te_e, &q, DG_ESTATE);
    CHECK_INT(dg_commit(&te_e), DG_OK);
    TE_RC("OPTIMAL: told after the commit", dg_tell(&te_e, &d, &q, te_vals, NULL, g, NULL), DG_OK);
}

static void errors_summary(void)
{
    printf("  test_errors.c: %ld bad-input cases checked for code and untouched outputs\n", te_cases);
}

static void register_errors(void)
{
    DGT_ADD(errors_estimate_bad_problem_every_method);
    DGT_ADD(errors_estimate_corrupted_estimator);
    DGT_ADD(errors_estimate_objective_not_finite);
    DGT_ADD(errors_estimate_objective_huge);
    DGT_ADD(errors_baseline_inputs);
    DGT_ADD(errors_init_every_field);
    DGT_ADD(errors_exact);
    DGT_ADD(errors_samplers);
    DGT_ADD(errors_without_replacement);
    DGT_ADD(errors_conditional_at);
    DGT_ADD(errors_softmax_family);
    DGT_ADD(errors_stats);
    DGT_ADD(errors_extreme_inputs);
    DGT_ADD(errors_bernoulli_ignores_k);
    DGT_ADD(errors_samples_at_capacity);
    DGT_ADD(errors_relaxed_grad_at);
    DGT_ADD(errors_total_functions);
    DGT_ADD(errors_uniforms_and_kernels);
    DGT_ADD(errors_tau_schedule_and_set_tau);
    DGT_ADD(errors_ask_tell);
    DGT_ADD(errors_tell_extras_and_pending);
    DGT_ADD(errors_refused_shapes_have_no_draw_size);
    DGT_ADD(errors_learned_sums_overflow);
    DGT_ADD(errors_summary);
}
