/* libFuzzer harness: decodes the input bytes into a problem, a configuration and logits
   (NaN, infinities, huge and tiny values included) and calls every public entry point with them,
   checking the contract beyond "no crash":
     - a failing call leaves every output untouched (sentinel-filled arrays, info, the
       estimator's learned state; dg_init leaves the whole estimator untouched);
     - a successful dg_estimate or dg_relaxed_grad_at gives finite numbers whatever the input
       (overflow is DG_EDOMAIN), and repeating it from a copy of the estimator gives
       bit-identical results; dg_exact's gradient is finite for moderate inputs;
     - samplers return indices in range, the conditional samplers honour their condition,
       softmax rows are finite and sum to 1.
   Any violation aborts, which libFuzzer reports with the input that caused it.

   Build and run: `make fuzz` (clang -fsanitize=fuzzer,address,undefined; FUZZ_TIME seconds,
   default 60, starting from the seed corpus in tests/fuzz_corpus). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <float.h>
#include <math.h>
#define DISCGRAD_IMPLEMENTATION
#include "../discgrad.h"

#define SENT ((dg_real)-7777.5)

static void fail(const char *what, int code)
{
    fprintf(stderr, "fuzz_estimate: contract violated: %s (code %d)\n", what, code);
    abort();
}

static int is_finite(dg_real x) { return x - x == 0; }

/* Finite outputs are asserted only for moderate inputs: with values near DBL_MAX a sum of a few
   of them overflows in any floating-point code, which is not a contract violation. */
#define MODERATE 1e15
static int moderate(const dg_real *x, long n)
{
    long i;
    for (i = 0; i < n; ++i)
        if (!(fabs((double)x[i]) <= MODERATE)) return 0;
    return 1;
}
static int moderate_tau(dg_real tau) { return tau == 0 || (tau >= 1e-30 && tau <= 1e30); }

/* ---- input decoding ------------------------------------------------------------------------ */
typedef struct reader { const uint8_t *p; size_t n; } reader;

static unsigned u8(reader *r)
{
    if (!r->n) return 0;
    r->n--;
    return *r->p++;
}

static uint64_t u64(reader *r)
{
    uint64_t x = 0;
    int i;
    for (i = 0; i < 8; ++i) x = (x << 8) | u8(r);
    return x;
}

/* Mostly small numbers, sometimes a special value or raw bits (any double, NaN payloads too). */
static dg_real real(reader *r)
{
    static const double special[] = {
        0.0, -0.0, 1.0, -1.0, NAN, INFINITY, -INFINITY, 1e4, -1e4, 700, -700, 710, -745,
        DBL_MAX, -DBL_MAX, DBL_MIN, 4.9e-324, 1e-30, 1e30, 1e-300, 1e300, FLT_MAX, FLT_MIN,
        3.4e38, 1e-45, 0.5, 1e-8, 36.7, 88.7, -88.7, 1e15, 2.0};
    unsigned b = u8(r);
    if (b < 200) return (dg_real)(((int)b - 100) / 16.0);
    b -= 200;
    if (b < sizeof special / sizeof special[0]) return (dg_real)special[b];
    if (b < 50) {
        uint64_t bits = u64(r);
        double d;
        memcpy(&d, &bits, sizeof d);
        return (dg_real)d;
    }
    return (dg_real)((double)(int8_t)u8(r) * 1000.0);
}

/* A bounded real for the objective's weights, so finite logits keep f finite. */
static double weight(reader *r)
{
    return ((int)u8(r) - 128) / 32.0;
}

/* Mostly small counts, sometimes a boundary or absurd value. */
static int count(reader *r, int small)
{
    static const int special[] = {0, -1, INT_MIN, INT_MAX, DG_MAX_DIM, DG_MAX_DIM + 1, DG_MAX_K,
                                  DG_MAX_K + 1, DG_MAX_SAMPLES, DG_MAX_SAMPLES + 1, 1, 2, 20, 21,
                                  DG_MAX_DIM / 2, DG_MAX_DIM / 4};
    unsigned b = u8(r);
    if (b < 240) return (int)(b % (unsigned)(small + 1));
    return special[(b - 240) % (sizeof special / sizeof special[0])];
}

/* ---- the objective -------------------------------------------------------------------------- */
enum { OBJ_OK, OBJ_NAN_AT, OBJ_INF_AT, OBJ_DZ_NAN_AT };
typedef struct objective {
    int n;                   /* values in z */
    double w[8], v[8];       /* f(z) = sum w_{i%8} z_i + (sum v_{i%8} z_i)^2 / 2 */
    int mode;                /* OBJ_*: which bad value to return, at call number bad_at */
    long calls, bad_at;
} objective;

static double obj_parts(const objective *o, const dg_real *z, double *c)
{
    int i;
    double a = 0;
    *c = 0;
    for (i = 0; i < o->n; ++i) { a += o->w[i % 8] * z[i]; *c += o->v[i % 8] * z[i]; }
    return a;
}

static dg_real obj_f(const dg_real *z, void *user)
{
    objective *o = (objective *)user;
    double c, a = obj_parts(o, z, &c);
    if (++o->calls == o->bad_at) {
        if (o->mode == OBJ_NAN_AT) return (dg_real)NAN;
        if (o->mode == OBJ_INF_AT) return (dg_real)-INFINITY;
    }
    return (dg_real)(a + 0.5 * c * c);
}

static dg_real obj_f_grad(const dg_real *z, dg_real *dz, void *user)
{
    objective *o = (objective *)user;
    double c, a = obj_parts(o, z, &c);
    int i;
    for (i = 0; i < o->n; ++i) dz[i] = (dg_real)(o->w[i % 8] + c * o->v[i % 8]);
    if (++o->calls == o->bad_at) {
        if (o->mode == OBJ_NAN_AT) return (dg_real)NAN;
        if (o->mode == OBJ_INF_AT) return (dg_real)INFINITY;
        if (o->mode == OBJ_DZ_NAN_AT) dz[o->n - 1] = (dg_real)NAN;
    }
    return (dg_real)(a + 0.5 * c * c);
}

static dg_real obj_cv(const dg_real *z, void *user)
{
    objective *o = (objective *)user;
    double c;
    return (dg_real)(0.5 * obj_parts(o, z, &c));
}

static void obj_cv_mean_grad(const dg_real *logits, dg_real *grad, void *user)
{
    objective *o = (objective *)user;
    int i;
    for (i = 0; i < o->n; ++i) grad[i] = (dg_real)(0.1 * o->w[i % 8]) * dg_sigmoid(logits[i]);
}

/* ---- checks ----------------------------------------------------------------------------------- */
static void fill(dg_real *x, long n)
{
    long i;
    for (i = 0; i < n; ++i) x[i] = SENT;
}

static void expect_untouched(const dg_real *x, long n, const char *what, int rc)
{
    long i;
    for (i = 0; i < n; ++i)
        if (!(x[i] == SENT)) fail(what, rc);
}

static void expect_finite(const dg_real *x, long n, const char *what, int rc)
{
    long i;
    for (i = 0; i < n; ++i)
        if (!is_finite(x[i])) fail(what, rc);
}

static int is_code(int rc)
{
    return rc == DG_OK || rc == DG_EINVAL || rc == DG_ECAPACITY || rc == DG_ENEEDGRAD ||
           rc == DG_EDOMAIN || rc == DG_EUNSUPPORTED || rc == DG_ESTATE;
}

static int same_state(const dg_estimator *a, const dg_estimator *b)
{
    return memcmp(&a->cfg, &b->cfg, sizeof a->cfg) == 0 && a->steps == b->steps &&
           memcmp(&a->sf, &b->sf, sizeof a->sf) == 0 && memcmp(&a->cv, &b->cv, sizeof a->cv) == 0;
}

static int is_set_method(dg_method m) { return m == DG_UNORDERED_SET || m == DG_SUM_AND_SAMPLE; }

/* The points of a draw of the sampling-without-replacement methods: min(samples, the problem's
   configurations); the problem is valid. */
static int set_points(const dg_problem *p, int samples)
{
    long count = 1;
    int d, C = p->kind == DG_BERNOULLI ? 2 : p->K;
    for (d = 0; d < p->D && count < samples; ++d) count *= C;
    return count < samples ? (int)count : samples;
}

/* The weights (problem.weights): written on success, by VIMCO and the set methods only; K of
   them in [0, 1] summing to 1 (VIMCO, sum and sample), or K finite and nonnegative (the
   unordered set's q(s) R(s), whose sum is an estimate of 1) */
#define FUZZ_WTS (DG_MAX_SAMPLES + 8)
static dg_real wts[FUZZ_WTS];
static void expect_weights(int rc, dg_method m, const dg_problem *p, int samples, const char *what)
{
    double sum = 0;
    int k, K = samples;
    if (rc != DG_OK || (m != DG_VIMCO && !is_set_method(m))) {
        expect_untouched(wts, FUZZ_WTS, what, rc);
        return;
    }
    if (is_set_method(m)) K = set_points(p, samples);
    for (k = 0; k < K; ++k) {
        if (!(wts[k] >= 0 && is_finite(wts[k]))) fail(what, rc);
        if (m != DG_UNORDERED_SET && !(wts[k] <= 1)) fail(what, rc);
        sum += wts[k];
    }
    if (m != DG_UNORDERED_SET && !(fabs(sum - 1) <= 1e-3)) fail(what, rc);
    expect_untouched(wts + K, FUZZ_WTS - K, what, rc);
}

static dg_estimator est, est_copy, est_before;
/* The estimator's memory, and snapshots of it: mem_used values are what the problem's layout
   touches (dg_estimator_reals), so only those are copied. */
#define FUZZ_MEM (1L << 20)
static dg_real est_mem[FUZZ_MEM], before_mem[FUZZ_MEM], copy_mem[FUZZ_MEM];
static size_t mem_used;

static void snapshot(void)
{
    est_before = est;
    memcpy(before_mem, est_mem, mem_used * sizeof *est_mem);
}

/* est_copy: est_before with its memory of its own */
static void fork_before(void)
{
    est_copy = est_before;
    memcpy(copy_mem, before_mem, mem_used * sizeof *est_mem);
    est_copy.mem = copy_mem;
}

/* The row functions on the first L logits. L may be out of range: the samplers must refuse
   K > DG_MAX_K before reading. */
static void fuzz_rows(reader *r, const dg_real *logits, long nalloc)
{
    dg_rng rng;
    dg_real out[DG_MAX_K], dy[DG_MAX_K], E[DG_MAX_K], tau, z, dz;
    int L = count(r, 8), b = count(r, 8), rc, k, bit = (int)(u8(r) % 3);
    int inside = L >= 1 && L <= nalloc && L <= DG_MAX_K;
    double s;
    int calm;
    if (b != INT_MIN) b -= 1; /* -1 is a bad argmax too */
    if (!inside && L >= 1 && L <= DG_MAX_K) L = 0; /* never pass more than was allocated */
    dg_rng_seed(&rng, u64(r), u8(r));
    tau = real(r);
    for (k = 0; k < DG_MAX_K; ++k) { E[k] = real(r); dy[k] = real(r); if (r->n == 0) break; }
    for (; k < DG_MAX_K; ++k) { E[k] = (dg_real)(0.5 + (k % 5)); dy[k] = (dg_real)(k % 3 - 1); }
    calm = inside && moderate(logits, L) && moderate(dy, L) && moderate_tau(tau);
    for (k = 0; calm && k < L; ++k) calm = E[k] >= 1e-300;

    rc = dg_sample_categorical(&rng, logits, L);
    if (rc >= 0 && (!inside || rc >= L)) fail("dg_sample_categorical index", rc);
    if (rc < 0 && !is_code(rc)) fail("dg_sample_categorical code", rc);
    fill(out, DG_MAX_K);
    rc = dg_gumbel_max(&rng, logits, L, out);
    if (rc >= 0) { if (rc >= L) fail("dg_gumbel_max index", rc); if (calm) expect_finite(out, L, "gumbel_max out", rc); }
    else expect_untouched(out, DG_MAX_K, "dg_gumbel_max output on error", rc);
    fill(out, DG_MAX_K);
    rc = dg_gumbel_given_argmax(&rng, logits, L, b, out);
    if (rc == DG_OK) {
        for (k = 0; k < L; ++k) if (k != b && !(out[k] < out[b])) fail("gumbel_given_argmax argmax", rc);
    } else expect_untouched(out, DG_MAX_K, "dg_gumbel_given_argmax output on error", rc);
    fill(out, DG_MAX_K);
    rc = dg_gumbel_given_argmax_at(logits, L, b, E, out);
    if (rc == DG_OK) {
        for (k = 0; k < L; ++k) if (k != b && !(out[k] < out[b])) fail("gumbel_given_argmax_at argmax", rc);
        if (calm) expect_finite(out, L, "gumbel_given_argmax_at out", rc);
    } else expect_untouched(out, DG_MAX_K, "dg_gumbel_given_argmax_at output on error", rc);
    fill(out, DG_MAX_K);
    rc = dg_gumbel_given_argmax_vjp(logits, L, b, E, dy, out);
    if (rc == DG_OK) { if (calm) expect_finite(out, L, "gumbel_given_argmax_vjp out", rc); }
    else expect_untouched(out, DG_MAX_K, "dg_gumbel_given_argmax_vjp output on error", rc);

    /* the softmax family has no capacity limit (it needs no buffer): only lengths in range */
    if (!inside && L >= 1) L = 0;
    fill(out, DG_MAX_K);
    rc = dg_softmax(logits, L, tau, out);
    if (rc == DG_OK) {
        for (s = 0, k = 0; k < L; ++k) s += out[k];
        expect_finite(out, L, "softmax out", rc);
        if (!(fabs(s - 1) < 1e-3)) fail("softmax sum", rc);
        rc = dg_softmax_backward(out, dy, L, tau, dy); /* in place */
        if (rc == DG_OK && calm) expect_finite(dy, L, "softmax_backward out", rc);
    } else expect_untouched(out, DG_MAX_K, "dg_softmax output on error", rc);
    fill(out, DG_MAX_K);
    rc = dg_log_softmax(logits, L, tau, out);
    if (rc == DG_OK) { for (k = 0; k < L; ++k) if (!(out[k] <= 0) || out[k] != out[k]) fail("log_softmax > 0", rc); }
    else expect_untouched(out, DG_MAX_K, "dg_log_softmax output on error", rc);
    fill(out, DG_MAX_K);
    rc = dg_softmax_backward(logits, dy, L, tau, out);
    if (rc != DG_OK) expect_untouched(out, DG_MAX_K, "dg_softmax_backward output on error", rc);
    (void)dg_logsumexp(logits, L);

    /* the scalar functions on the first logit (or a decoded value) */
    z = SENT;
    {
        dg_real x = nalloc > 0 ? logits[0] : real(r), v = dg_uniform(&rng);
        (void)dg_sigmoid(x);
        (void)dg_log_sigmoid(x);
        rc = dg_sample_bernoulli(&rng, x);
        if (rc != 0 && rc != 1 && rc != DG_EDOMAIN) fail("dg_sample_bernoulli", rc);
        rc = dg_logistic_given_bit(&rng, x, bit, &z);
        if (rc == DG_OK && (z > 0) != bit) fail("logistic_given_bit condition", rc);
        if (rc != DG_OK && !(z == SENT)) fail("logistic_given_bit output on error", rc);
        z = dz = SENT;
        if (u8(r) & 1) v = real(r);
        rc = dg_logistic_given_bit_at(x, bit, v, &z, &dz);
        if (rc == DG_OK && (z > 0) != bit) fail("logistic_given_bit_at condition", rc);
        if (rc == DG_OK && (!is_finite(dz) || !is_finite(z))) fail("logistic_given_bit_at not finite", rc);
        if (rc != DG_OK && (!(z == SENT) || !(dz == SENT))) fail("logistic_given_bit_at output on error", rc);
    }
    /* the math kernels against libm on a decoded value */
    {
        double x = (double)real(r), tol = sizeof(dg_real) == sizeof(float) ? 4e-7 : 2e-15;
        double pairs[3][2];
        int j;
        dg_real ub[5];
        pairs[0][0] = (double)dg_exp((dg_real)x); pairs[0][1] = (double)(dg_real)exp((double)(dg_real)x);
        pairs[1][0] = (double)dg_log((dg_real)x); pairs[1][1] = (double)(dg_real)log((double)(dg_real)x);
        pairs[2][0] = (double)dg_log1p((dg_real)x); pairs[2][1] = (double)(dg_real)log1p((double)(dg_real)x);
        for (j = 0; j < 3; ++j) {
            double a = pairs[j][0], b = pairs[j][1];
            if (b != b) { if (a == a) fail("math kernel: a number where libm gives NaN", j); continue; }
            if (a != a) fail("math kernel: NaN where libm gives a number", j);
            if (fabs(b) > 1e300 || fabs(b) < 1e-290) continue; /* near overflow/underflow thresholds */
            if (!(fabs(a - b) <= tol * fabs(b))) fail("math kernel: error against libm", j);
        }
        fill(ub, 5);
        dg_uniforms(&rng, ub, (int)(u8(r) % 6) - 1);
        for (j = 0; j < 5; ++j) if (!(ub[j] == SENT) && !(ub[j] > 0 && ub[j] < 1)) fail("dg_uniforms value", j);
        fill(ub, 5);
        dg_gumbels(&rng, ub, (int)(u8(r) % 6) - 1);
        for (j = 0; j < 5; ++j) if (!(ub[j] == SENT) && !(ub[j] - ub[j] == 0)) fail("dg_gumbels value", j);
        fill(ub, 5);
        dg_logistics(&rng, ub, (int)(u8(r) % 6) - 1);
        for (j = 0; j < 5; ++j) if (!(ub[j] == SENT) && !(ub[j] - ub[j] == 0)) fail("dg_logistics value", j);
        fill(ub, 5);
        dg_exponentials(&rng, ub, (int)(u8(r) % 6) - 1);
        for (j = 0; j < 5; ++j) if (!(ub[j] == SENT) && !(ub[j] > 0 && ub[j] - ub[j] == 0)) fail("dg_exponentials value", j);
    }
    (void)dg_gumbel(&rng);
    (void)dg_logistic(&rng);
    (void)dg_exponential(&rng);
    (void)dg_uniform_from_bits(dg_rng_u64(&rng));
    (void)dg_strerror(rc);
}

/* Sampling without replacement on the problem and on decoded log-probabilities: the beam
   search's configurations are distinct valid points (or every configuration), with decreasing
   keys; Gumbel-top-k's classes distinct, in range, keys decreasing; the set ratios finite for
   moderate inputs; every refusal leaves the outputs (and the rng) untouched. */
static void fuzz_without_replacement(reader *r, const dg_problem *p, const dg_real *logits, long nalloc)
{
    static dg_real pts[1L << 16], work[1L << 16], lp[64], keys[64], lpr[64], r1[64], r2[64 * 64];
    int k = count(r, 9), rc, j, i, n = 0, top[DG_MAX_K], K = count(r, 8), m;
    dg_rng rng, rng0;
    dg_rng_seed(&rng, u64(r), 3);
    if (p->D >= 1 && (p->kind == DG_BERNOULLI || (p->kind == DG_CATEGORICAL && p->K >= 1)) &&
        (long)p->D * (p->kind == DG_BERNOULLI ? 1 : p->K) <= nalloc)
        n = p->kind == DG_BERNOULLI ? p->D : p->D * p->K;
    if (n > 0 && (long)k * n <= (1L << 16) && k <= 64) { /* the problem's logits are all there */
        size_t wc = (u8(r) & 1) ? (size_t)(1L << 16) : (size_t)u8(r);
        int stochastic = (int)(u8(r) & 1);
        fill(pts, (long)k * n);
        fill(keys, 64);
        fill(lpr, 64);
        rng0 = rng;
        rc = dg_beam_search(stochastic ? &rng : NULL, p, k, pts, lpr, keys, work, wc);
        if (rc < 0) {
            if (!is_code(rc)) fail("dg_beam_search code", rc);
            expect_untouched(pts, (long)k * n, "dg_beam_search points on error", rc);
            expect_untouched(keys, 64, "dg_beam_search keys on error", rc);
            expect_untouched(lpr, 64, "dg_beam_search log_probs on error", rc);
            if (memcmp(&rng, &rng0, sizeof rng) != 0) fail("dg_beam_search moved the rng on error", rc);
        } else {
            if (rc < 1 || rc > k) fail("dg_beam_search count", rc);
            for (j = 0; j < rc; ++j) {
                const dg_real *z = pts + (size_t)j * n;
                for (i = 0; i < n; ++i) if (!(z[i] == 0 || z[i] == 1)) fail("dg_beam_search point", rc);
                for (m = 0; m < j; ++m)
                    if (memcmp(z, pts + (size_t)m * n, (size_t)n * sizeof *z) == 0) fail("dg_beam_search repeated", rc);
                if (j > 0 && keys[j] > keys[j - 1]) fail("dg_beam_search keys order", rc);
                if (!(lpr[j] <= 1e-3)) fail("dg_beam_search log-probability above 0", rc);
            }
            if (rc < k) expect_untouched(pts + (size_t)rc * n, (long)(k - rc) * n, "dg_beam_search wrote past", rc);
        }
    } else {
        (void)dg_beam_search(&rng, p, k, NULL, NULL, NULL, NULL, 0); /* refused, any shape */
    }
    /* Gumbel-top-k on the first K logits */
    if (K >= 1 && K <= nalloc && K <= DG_MAX_K) {
        int tk = count(r, 8);
        for (j = 0; j < DG_MAX_K; ++j) top[j] = -5;
        fill(keys, 64);
        rc = dg_gumbel_top_k(&rng, logits, K, tk, top, (u8(r) & 1) ? keys : NULL);
        if (rc == DG_OK) {
            for (j = 0; j < tk; ++j) {
                if (top[j] < 0 || top[j] >= K) fail("dg_gumbel_top_k class", rc);
                for (m = 0; m < j; ++m) if (top[m] == top[j]) fail("dg_gumbel_top_k repeated", rc);
                if (j > 0 && j < 64 && keys[j] > keys[j - 1]) fail("dg_gumbel_top_k keys order", rc);
            }
        } else {
            if (!is_code(rc)) fail("dg_gumbel_top_k code", rc);
            for (j = 0; j < DG_MAX_K; ++j) if (top[j] != -5) fail("dg_gumbel_top_k classes on error", rc);
            expect_untouched(keys, 64, "dg_gumbel_top_k keys on error", rc);
        }
    } else if (K < 1 || K > DG_MAX_K) { /* refused before a logit is read */
        if (dg_gumbel_top_k(&rng, logits, K, 1, top, NULL) == DG_OK) fail("dg_gumbel_top_k K out of range", K);
    }
    /* the set ratios of decoded log-probabilities: moderate ones scaled to sum below 1 */
    {
        int sk = count(r, 9), method = (int)(u8(r) % 4) - 1 + (int)(u8(r) == 255) * 100, calm = 1, k2;
        k2 = sk >= 1 && sk <= 64 ? sk : 1;
        for (j = 0; j < k2; ++j) {
            lp[j] = r->n ? real(r) : (dg_real)(-1 - j);
            if (!(lp[j] >= -600 && lp[j] <= 0)) calm = 0;
        }
        if (u8(r) & 1) /* mostly valid sets: p_j = exp(lp_j) / (k2 + 1) */
            for (j = 0; j < k2; ++j) if (lp[j] >= -600 && lp[j] <= 0) lp[j] -= (dg_real)log(k2 + 1.0);
        fill(r1, 64);
        fill(r2, 64 * 64);
        rc = dg_set_ratios(lp, sk, method, r1, (u8(r) & 1) ? r2 : NULL);
        if (rc == DG_OK) {
            if (calm) expect_finite(r1, sk, "dg_set_ratios log_r1", rc);
        } else {
            if (!is_code(rc)) fail("dg_set_ratios code", rc);
            expect_untouched(r1, 64, "dg_set_ratios log_r1 on error", rc);
            expect_untouched(r2, 64 * 64, "dg_set_ratios log_r2 on error", rc);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    reader rd = {data, size}, *r = &rd;
    objective obj;
    dg_problem p;
    dg_config c;
    dg_info info, info_copy;
    dg_real *logits, *grad, *grad2, value;
    long n, nalloc, i, configs;
    int rc, rc2, init_rc, calm_problem;
    unsigned flags;

    /* the problem */
    memset(&p, 0, sizeof p);
    memset(&obj, 0, sizeof obj);
    flags = u8(r);
    p.kind = (flags & 3) == 3 ? (dg_kind)((int)(u8(r) % 5) - 1) : (flags & 1) ? DG_CATEGORICAL : DG_BERNOULLI;
    p.D = count(r, 12);
    p.K = count(r, 6);
    n = p.kind == DG_CATEGORICAL ? (long)p.D * p.K : p.D;
    nalloc = n >= 1 && n <= DG_MAX_DIM ? n : 1;
    logits = (dg_real *)malloc((size_t)nalloc * sizeof *logits);
    grad = (dg_real *)malloc((size_t)nalloc * sizeof *grad);
    grad2 = (dg_real *)malloc((size_t)nalloc * sizeof *grad2);
    if (!logits || !grad || !grad2) abort();
    for (i = 0; i < nalloc; ++i)
        logits[i] = r->n ? real(r) : (dg_real)(((i * 37) % 23) / 8.0 - 1.4);
    for (i = 0; i < 8; ++i) { obj.w[i] = weight(r); obj.v[i] = weight(r) / 4; }
    if (flags & 128) obj.w[0] = (double)real(r); /* any value: huge, infinite, NaN */
    obj.n = (int)nalloc;
    obj.mode = (int)(u8(r) % 4);
    obj.bad_at = obj.mode ? (long)(u8(r) % 16) : 0;
    p.logits = (flags & 4) ? NULL : logits;
    p.f = (flags & 8) ? NULL : obj_f;
    p.f_grad = (flags & 16) ? NULL : obj_f_grad;
    p.user = &obj;
    if (flags & 32) { p.cv = obj_cv; p.cv_mean_grad = obj_cv_mean_grad; }
    if (flags & 64) p.cv_mean_grad = NULL;
    p.baseline_input = real(r);
    p.weights = wts;

    /* the configuration */
    memset(&c, 0, sizeof c);
    c.method = (dg_method)(int)(u8(r) % (DG__METHOD_LAST + 2)); /* 0 and LAST + 1 invalid */
    c.samples = count(r, 5);
    /* keep each input fast: many draws only on small problems (the limit itself still tested) */
    if (c.samples <= DG_MAX_SAMPLES && (long)c.samples * nalloc > 8192) c.samples = 2;
    /* ... and DG_EXACT enumerates only a few configurations per call (those beyond DG_MAX_ENUM
       or DG_EXACT_MAX_DIM, refused up front, still run): 3^12 of them take seconds under the
       sanitizers */
    if (c.method == DG_EXACT && n >= 1 && n <= DG_EXACT_MAX_DIM &&
        (p.kind == DG_BERNOULLI || p.kind == DG_CATEGORICAL)) {
        long many = 1;
        int d;
        for (d = 0; d < p.D && many <= 4096; ++d) many *= p.kind == DG_BERNOULLI ? 2 : p.K;
        if (many > 4096 && many <= DG_MAX_ENUM) c.method = DG_REINFORCE;
    }
    c.tau = (u8(r) & 1) ? real(r) : 0;
    c.baseline = (dg_baseline)((int)(u8(r) % 8) - 1);
    c.baseline_value = real(r);
    c.ema_decay = (u8(r) & 1) ? real(r) : 0;
    c.normalize = (int)(u8(r) & 1);
    c.tune = (int)(u8(r) & 1);
    c.eta = (u8(r) & 1) ? real(r) : 0;
    c.lr = (u8(r) & 1) ? real(r) : 0;
    c.seed = u64(r);
    c.stream = u8(r);

    calm_problem = moderate(logits, nalloc) && fabs(obj.w[0]) <= MODERATE && moderate_tau(c.tau) && moderate(&c.baseline_value, 1) &&
                   moderate(&p.baseline_input, 1) && (c.eta == 0 || moderate(&c.eta, 1));

    /* dg_init: untouched on error */
    memset(&est, 0x3C, sizeof est);
    {
        /* memory for this problem when it has at most DG_MAX_DIM logits, else for DG_MAX_DIM
           logits of its kind: a larger problem (whose logits are not all allocated) must be
           over capacity before a logit is read */
        dg_problem cap = p;
        if (n > DG_MAX_DIM && cap.kind == DG_CATEGORICAL && cap.K >= 1) cap.D = DG_MAX_DIM / cap.K;
        else if (n > DG_MAX_DIM) cap.D = DG_MAX_DIM;
        mem_used = cap.D >= 1 ? dg_estimator_reals(&c, &cap) : 0;
        if (mem_used > (size_t)FUZZ_MEM) mem_used = (size_t)FUZZ_MEM;
    }
    init_rc = dg_init(&est, &c, est_mem, mem_used);
    if (!is_code(init_rc)) fail("dg_init code", init_rc);
    if (init_rc != DG_OK) {
        const unsigned char *b = (const unsigned char *)&est;
        size_t k;
        for (k = 0; k < sizeof est; ++k)
            if (b[k] != 0x3C) fail("dg_init wrote on error", init_rc);
    }

    if (init_rc == DG_OK) {
        int steps = 1 + (int)(u8(r) % 3), t;
        for (t = 0; t < steps; ++t) {
            /* dg_estimate: untouched on error; finite and repeatable on success */
            snapshot();
            fill(grad, nalloc);
            fill(wts, FUZZ_WTS);
            memset(&info, 0x5A, sizeof info);
            memset(&info_copy, 0x5A, sizeof info_copy);
            obj.calls = 0;
            rc = dg_estimate(&est, &p, grad, &info);
            if (!is_code(rc)) fail("dg_estimate code", rc);
            expect_weights(rc, est.cfg.method, &p, est.cfg.samples, "dg_estimate weights");
            if (rc != DG_OK) {
                expect_untouched(grad, nalloc, "dg_estimate gradient on error", rc);
                if (memcmp(&info, &info_copy, sizeof info) != 0) fail("dg_estimate info on error", rc);
                if (!same_state(&est, &est_before)) fail("dg_estimate learned state on error", rc);
                break;
            }
            /* overflow of finite values is DG_EDOMAIN, so success means finite, whatever the input */
            expect_finite(grad, n, "dg_estimate gradient", rc);
            if (!is_finite(info.f_mean) || !is_finite(info.bound)) fail("dg_estimate info.f_mean or bound", rc);
            if (est.steps != est_before.steps + 1) fail("dg_estimate steps", rc);
            /* the same step from a copy of the estimator repeats bit for bit (first step) */
            if (t > 0) continue;
            fork_before();
            obj.calls = 0;
            rc2 = dg_estimate(&est_copy, &p, grad2, NULL);
            if (rc2 != DG_OK || memcmp(grad, grad2, (size_t)n * sizeof *grad) != 0)
                fail("dg_estimate not repeatable", rc2);
        }
    }
    /* ask, tell, commit: a draw of the problem; its points evaluated by the objective, or
       replaced by values decoded from the input (NaN and infinities included); told with or
       without the problem; then told again, which must be DG_ESTATE. A failing tell writes
       nothing and leaves the estimator's state, and a successful one gives finite numbers. */
    if (init_rc == DG_OK) {
        static dg_real dmem[1L << 16], vals[4096], grads[1L << 16];
        size_t dneed = dg_draw_reals(&est, &p);
        dg_draw d;
        int j, np, tell_p = (int)(u8(r) & 1), corrupt = (int)(u8(r) % 4);
        (void)dg_estimator_reals(&est.cfg, &p); /* any shape: a size or 0, never a crash */
        est_before = est;
        rc = dg_ask(&est, &p, &d, dmem, (size_t)(1L << 16));
        if (!is_code(rc)) fail("dg_ask code", rc);
        if (rc != DG_OK && (est.asked != est_before.asked || !same_state(&est, &est_before)))
            fail("dg_ask changed the estimator on error", rc);
        if (rc == DG_OK && (dneed == 0 || dneed > (size_t)(1L << 16))) fail("dg_draw_reals", rc);
        np = rc == DG_OK ? d.batch * d.per_example : 0;
        if (np > 4096 || (long)np * d.n > (1L << 16)) np = 0;
        for (j = 0; j < np; ++j) {
            int need = dg_point_needs(&d, j / d.per_example, j % d.per_example);
            if (need < 0) fail("dg_point_needs in range", need);
            vals[j] = 0;
            if (need == DG_NEED_GRAD && p.f_grad) vals[j] = p.f_grad(d.points + (size_t)j * d.n, grads + (size_t)j * d.n, p.user);
            else if (need != DG_NEED_NONE && p.f) vals[j] = p.f(d.points + (size_t)j * d.n, p.user);
            if (corrupt == 1 && j == 0) vals[j] = real(r);
        }
        if (corrupt == 2 && np > 0) ((dg_real *)d.points)[0] += (dg_real)1; /* the caller's own sample */
        if (np > 0) {
            dg_pending pend = est.pend;
            est_before = est;
            fill(grad, nalloc);
            fill(wts, FUZZ_WTS);
            memset(&info, 0x5A, sizeof info);
            memset(&info_copy, 0x5A, sizeof info_copy);
            rc = dg_tell(&est, &d, tell_p ? &p : NULL, vals, corrupt == 3 ? NULL : grads, grad, &info);
            if (!is_code(rc)) fail("dg_tell code", rc);
            /* without the problem, no weights */
            expect_weights(tell_p ? rc : DG_EINVAL, est.cfg.method, &p, est.cfg.samples, "dg_tell weights");
            if (rc != DG_OK) {
                expect_untouched(grad, nalloc, "dg_tell gradient on error", rc);
                if (memcmp(&info, &info_copy, sizeof info) != 0) fail("dg_tell info on error", rc);
                if (!same_state(&est, &est_before) || memcmp(&est.pend, &pend, sizeof pend) != 0)
                    fail("dg_tell changed the estimator on error", rc);
            } else {
                expect_finite(grad, n, "dg_tell gradient", rc);
                if (corrupt == 2) fail("dg_tell took a changed point", rc);
                if (dg_tell(&est, &d, NULL, vals, grads, grad2, NULL) != DG_ESTATE) fail("dg_tell twice", rc);
            }
        }
        if (dg_commit(&est) != DG_OK || dg_commit(NULL) != DG_EINVAL) fail("dg_commit", rc);
    }
    /* the relaxations at given noise, and the temperature helpers */
    if (init_rc == DG_OK) {
        long draws = (long)est.cfg.samples * nalloc, k;
        dg_real *noise = (dg_real *)malloc((size_t)draws * sizeof *noise);
        dg_real *cond = (dg_real *)malloc((size_t)draws * sizeof *cond);
        dg_real tau = SENT;
        if (!noise || !cond) abort();
        for (k = 0; k < draws; ++k) {
            noise[k] = r->n ? real(r) : (dg_real)((k % 7) * 0.4 - 1.2);
            cond[k] = r->n ? real(r) : (dg_real)(0.05 + 0.9 * (double)(k % 11) / 11);
        }
        est_before = est;
        fill(grad, nalloc);
        memset(&info, 0x5A, sizeof info);
        memset(&info_copy, 0x5A, sizeof info_copy);
        obj.calls = 0;
        rc = dg_relaxed_grad_at(&est, &p, noise, (u8(r) & 1) ? cond : NULL, grad, &info);
        if (!is_code(rc)) fail("dg_relaxed_grad_at code", rc);
        if (!same_state(&est, &est_before) || memcmp(&est.rng, &est_before.rng, sizeof est.rng) != 0)
            fail("dg_relaxed_grad_at changed the estimator", rc);
        if (rc != DG_OK) {
            expect_untouched(grad, nalloc, "dg_relaxed_grad_at gradient on error", rc);
            if (memcmp(&info, &info_copy, sizeof info) != 0) fail("dg_relaxed_grad_at info on error", rc);
        } else {
            expect_finite(grad, n, "dg_relaxed_grad_at gradient", rc);
        }
        rc = dg_tau_schedule(real(r), real(r), real(r), (long)u64(r), &tau);
        if (rc == DG_OK) {
            est_before = est;
            rc = dg_set_tau(&est, tau);
            if (rc != DG_OK && memcmp(&est, &est_before, sizeof est) != 0) fail("dg_set_tau on error", rc);
        } else if (!(tau == SENT)) {
            fail("dg_tau_schedule wrote on error", rc);
        }
        rc = dg_set_tau(&est, real(r));
        if (rc == DG_OK && (u8(r) & 1)) { /* one more step at the new temperature */
            fill(grad, nalloc);
            obj.calls = 0;
            rc = dg_estimate(&est, &p, grad, NULL);
            if (rc == DG_OK) expect_finite(grad, n, "dg_estimate gradient after dg_set_tau", rc);
            if (rc != DG_OK) expect_untouched(grad, nalloc, "dg_estimate after dg_set_tau", rc);
        }
        free(noise);
        free(cond);
    }
    (void)dg_estimate(NULL, &p, grad, NULL);
    if (init_rc == DG_OK) {
        rc = dg_estimate(&est, &p, NULL, NULL);
        if (rc != DG_EINVAL) fail("dg_estimate NULL grad", rc);
    }

    /* dg_exact, when the enumeration is cheap or refused up front */
    configs = 1;
    if (n >= 1 && n <= DG_MAX_DIM && (p.kind == DG_BERNOULLI || p.kind == DG_CATEGORICAL)) {
        int d, classes = p.kind == DG_BERNOULLI ? 2 : p.K;
        for (d = 0; d < p.D && configs <= 4096; ++d) configs *= classes;
    }
    if (configs <= 4096 || n > DG_EXACT_MAX_DIM) {
        fill(grad, nalloc);
        value = SENT;
        obj.calls = 0;
        rc = dg_exact(&p, grad, (u8(r) & 1) ? &value : NULL);
        if (!is_code(rc)) fail("dg_exact code", rc);
        if (rc != DG_OK) {
            expect_untouched(grad, nalloc, "dg_exact gradient on error", rc);
            if (!(value == SENT)) fail("dg_exact value on error", rc);
        } else {
            if (calm_problem) expect_finite(grad, n, "dg_exact gradient", rc);
        }
    }

    /* running statistics of the gradient */
    {
        static dg_stats st, st_copy;
        int sn = count(r, 12);
        rc = dg_stats_init(&st, sn);
        if (rc == DG_OK && sn <= nalloc) {
            st_copy = st;
            rc = dg_stats_push(&st, logits);
            if (rc != DG_OK && memcmp(&st, &st_copy, sizeof st) != 0) fail("dg_stats_push on error", rc);
            if (rc == DG_OK) {
                rc = dg_stats_push(&st, grad); /* a second vector, so the variance exists */
                if (rc != DG_OK && st.count != 1) fail("dg_stats_push second on error", rc);
                for (i = 0; i < sn; ++i)
                    if (!(dg_stats_mean(&st, (int)i) - dg_stats_mean(&st, (int)i) == 0) ||
                        !(dg_stats_var(&st, (int)i) - dg_stats_var(&st, (int)i) == 0))
                        fail("dg_stats mean or variance not finite after DG_OK", rc);
            }
            (void)dg_stats_mean(&st, count(r, 12));
            (void)dg_stats_var(&st, count(r, 12));
            (void)dg_stats_sem(&st, count(r, 12));
        }
    }

    fuzz_without_replacement(r, &p, logits, nalloc);
    fuzz_rows(r, logits, nalloc);
    free(logits);
    free(grad);
    free(grad2);
    return 0;
}

#ifdef FUZZ_STANDALONE
/* Without libFuzzer: runs each file named on the command line once (the seed corpus, a crash). */
int main(int argc, char **argv)
{
    static uint8_t buf[1 << 16];
    int i;
    for (i = 1; i < argc; ++i) {
        FILE *f = fopen(argv[i], "rb");
        size_t n;
        if (!f) { perror(argv[i]); return 2; }
        n = fread(buf, 1, sizeof buf, f);
        fclose(f);
        LLVMFuzzerTestOneInput(buf, n);
    }
    printf("fuzz_estimate: %d inputs ran clean\n", argc - 1);
    return 0;
}
#endif
