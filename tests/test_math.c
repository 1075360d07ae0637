/* Elementary functions (dg_exp, dg_log, dg_log1p) against long double references on dense grids
   of their whole domains, in ulps of dg_real, plus the special values. */
#include "common.h"
#include <float.h>

/* Error of y in ulps of dg_real at the reference ref (denormal ulp below the normal range). A
   reference beyond dg_real's range must give inf; NaN must give NaN. */
static double math_ulps(dg_real y, long double ref)
{
    int e, mant = DGT_FLOAT ? 24 : 53, emin = DGT_FLOAT ? -125 : -1021;
    dg_real rounded = (dg_real)ref;
    if (ref != ref) return y != y ? 0 : 1e300;
    if (isinf((double)rounded)) return (double)y == (double)rounded ? 0 : 1e300;
    if (ref == 0) return y == 0 ? 0 : 1e300;
    frexpl(ref, &e);
    if (e < emin) e = emin;
    return (double)(fabsl((long double)y - ref) / ldexpl(1, e - mant));
}

/* A jitter in [0,1) from a fixed LCG, so that grid points do not all sit at round offsets. */
static double math_jitter(unsigned long *state)
{
    *state = (*state * 6364136223846793005UL + 1442695040888963407UL) & 0xffffffffffffUL;
    return (double)(*state >> 16) / 4294967296.0;
}

static int math_verbose(void) { return getenv("DGT_VERBOSE") != NULL; }

static double math_worst_x;
static void math_track(double err, double x, double *worst)
{
    if (err > *worst) { *worst = err; math_worst_x = x; }
}

static void math_report(const char *name, double worst)
{
    if (math_verbose()) printf("  %s: max error %.3f ulp at %.17g\n", name, worst, math_worst_x);
}

static void math_exp_max_error(void)
{
    double lo = DGT_FLOAT ? -103.98 : -745.2, hi = DGT_FLOAT ? 88.73 : 709.79, worst = 0, x;
    unsigned long st = 1;
    long i, N = 600000;
    for (i = 0; i < N; ++i) { /* the whole range, through overflow and the denormals */
        x = (double)(dg_real)(lo + (hi - lo) * ((double)i + math_jitter(&st)) / N);
        math_track(math_ulps(dg_exp((dg_real)x), expl((long double)x)), x, &worst);
    }
    for (i = 0; i < N / 2; ++i) { /* the reduced range and its neighbours, densely */
        x = (double)(dg_real)(-3 + 6 * ((double)i + math_jitter(&st)) / (N / 2));
        math_track(math_ulps(dg_exp((dg_real)x), expl((long double)x)), x, &worst);
    }
    for (i = 0; i < 20000; ++i) { /* tiny arguments of both signs */
        x = (double)(dg_real)((i & 1 ? -1 : 1) * pow(10, -40 * math_jitter(&st)) * (DGT_FLOAT ? 1e-2 : 1e-3));
        math_track(math_ulps(dg_exp((dg_real)x), expl((long double)x)), x, &worst);
    }
    math_report("exp", worst);
    CHECK_NEAR(worst, 0, 1.2); /* the bound the header documents */
}

static void math_log_max_error(void)
{
    int e, emin = DGT_FLOAT ? -149 : -1074, emax = DGT_FLOAT ? 127 : 1023;
    int J = DGT_FLOAT ? 3000 : 300, j;
    unsigned long st = 2;
    double worst = 0, x;
    long i, N = 300000;
    for (e = emin; e <= emax; ++e) /* every binade, denormals included */
        for (j = 0; j < J; ++j) {
            x = (double)(dg_real)ldexp(1 + ((double)j + math_jitter(&st)) / J, e);
            if (!(x > 0) || isinf(x)) continue;
            math_track(math_ulps(dg_log((dg_real)x), logl((long double)x)), x, &worst);
        }
    for (i = 0; i < N; ++i) { /* around 1, where the result is small and cancellation lurks */
        x = (double)(dg_real)(0.6 + 0.9 * ((double)i + math_jitter(&st)) / N);
        math_track(math_ulps(dg_log((dg_real)x), logl((long double)x)), x, &worst);
    }
    math_report("log", worst);
    CHECK_NEAR(worst, 0, 1.2); /* the bound the header documents */
}

static void math_log1p_max_error(void)
{
    int e, emin = DGT_FLOAT ? -149 : -1074, emax = DGT_FLOAT ? 127 : 1023, J = DGT_FLOAT ? 1500 : 150, j;
    int mant = DGT_FLOAT ? 24 : 53;
    unsigned long st = 3;
    double worst = 0, x;
    long i, N = 300000;
    for (e = emin; e <= emax; ++e)
        for (j = 0; j < J; ++j) {
            double m = 1 + ((double)j + math_jitter(&st)) / J;
            x = (double)(dg_real)ldexp(m, e); /* positive, every binade */
            if (x > 0 && !isinf(x))
                math_track(math_ulps(dg_log1p((dg_real)x), log1pl((long double)x)), x, &worst);
            if (e < 0) { /* negative, in (-1, 0) */
                x = -(double)(dg_real)ldexp(m, e - 1);
                math_track(math_ulps(dg_log1p((dg_real)x), log1pl((long double)x)), x, &worst);
            }
        }
    for (e = -mant; e < -1; ++e) /* just above -1 */
        for (j = 0; j < J; ++j) {
            x = (double)(dg_real)(-1 + ldexp(1 + ((double)j + math_jitter(&st)) / J, e));
            if (x > -1) math_track(math_ulps(dg_log1p((dg_real)x), log1pl((long double)x)), x, &worst);
        }
    for (i = 0; i < N; ++i) {
        x = (double)(dg_real)(-0.6 + 1.8 * ((double)i + math_jitter(&st)) / N);
        math_track(math_ulps(dg_log1p((dg_real)x), log1pl((long double)x)), x, &worst);
    }
    math_report("log1p", worst);
    CHECK_NEAR(worst, 0, 1.5); /* the bound the header documents */
}

static void math_special_values(void)
{
    dg_real inf = (dg_real)INFINITY, nan = (dg_real)NAN;
    dg_real tiny = DGT_FLOAT ? (dg_real)1.40129846e-45f : (dg_real)4.9406564584124654e-324;
    double ovf = DGT_FLOAT ? 88.722 : 709.78; /* exp overflows 0.01 above */
    double unf = DGT_FLOAT ? -103.972084 : -745.13321910194110; /* exp rounds to 0 below */
    CHECK_NEAR(dg_exp(0), 1, 0);
    CHECK_NEAR(dg_exp(-(dg_real)0), 1, 0);
    CHECK(isinf((double)dg_exp(inf)) && dg_exp(inf) > 0);
    CHECK(dg_exp(-inf) == 0);
    CHECK(isnan((double)dg_exp(nan)));
    CHECK(isfinite((double)dg_exp((dg_real)ovf)) && isinf((double)dg_exp((dg_real)(ovf + 0.01))));
    CHECK(dg_exp((dg_real)(unf - 0.01)) == 0 && dg_exp((dg_real)(unf + 0.01)) > 0);
    CHECK(dg_exp((dg_real)(unf + 0.01)) < (DGT_FLOAT ? FLT_MIN : DBL_MIN)); /* a denormal */
    CHECK(isinf((double)dg_exp((dg_real)1e30)) && dg_exp((dg_real)-1e30) == 0);
    CHECK(isinf((double)dg_log(0)) && dg_log(0) < 0);
    CHECK(isinf((double)dg_log(-(dg_real)0)) && dg_log(-(dg_real)0) < 0);
    CHECK(isnan((double)dg_log(-1)) && isnan((double)dg_log(-tiny)) && isnan((double)dg_log(-inf)));
    CHECK(isinf((double)dg_log(inf)) && dg_log(inf) > 0);
    CHECK(isnan((double)dg_log(nan)));
    CHECK_NEAR(dg_log(1), 0, 0);
    CHECK_REL(dg_log(tiny), logl((long double)tiny), DGT_TOL(4e-16, 1.2e-7), 0);
    CHECK_REL(dg_log(DGT_FLOAT ? (dg_real)FLT_MAX : (dg_real)DBL_MAX),
              logl((long double)(DGT_FLOAT ? FLT_MAX : DBL_MAX)), DGT_TOL(4e-16, 1.2e-7), 0);
    CHECK(isinf((double)dg_log1p(-1)) && dg_log1p(-1) < 0);
    CHECK(isnan((double)dg_log1p(-2)) && isnan((double)dg_log1p(-inf)) && isnan((double)dg_log1p(nan)));
    CHECK(isinf((double)dg_log1p(inf)) && dg_log1p(inf) > 0);
    CHECK(dg_log1p(0) == 0 && !signbit((double)dg_log1p(0)));
    CHECK(dg_log1p(-(dg_real)0) == 0 && signbit((double)dg_log1p(-(dg_real)0)));
    CHECK(dg_log1p(tiny) == tiny && dg_log1p(-tiny) == -tiny);
    CHECK_REL(dg_log1p(DGT_FLOAT ? (dg_real)FLT_MAX : (dg_real)DBL_MAX),
              logl((long double)(DGT_FLOAT ? FLT_MAX : DBL_MAX)), DGT_TOL(4e-16, 1.2e-7), 0);
}

/* The noise transforms use log's kernel without its edge cases (their arguments are positive
   normal numbers): the single draws must be exactly the transforms written with dg_log (libm's
   log when the build uses libm), draw for draw. */
static dg_real math_noise_log(dg_real x)
{
#ifdef DG_USE_LIBM
    return DGT_FLOAT ? (dg_real)logf((float)x) : (dg_real)log((double)x); /* libm's of the type */
#else
    return dg_log(x);
#endif
}

/* White box: the edge-free kernel against dg_log on every argument the noise transforms can
   pass it, at the ends of the uniform grid (u, 1 - u and -log u) and on random bit patterns.
   Only where the private kernel is visible and is what the transforms use. */
static void math_log_pos_matches_log(dg_rng *r)
{
#if !defined(DGT_SEPARATE_IMPL) && !defined(DG_USE_LIBM)
    static const uint64_t ends[] = {0, 1, UINT64_C(0xFFFFFFFFFFFFFFFF), UINT64_C(0x8000000000000000),
                                    UINT64_C(0x7FFFFFFFFFFFFFFF)};
    long i, n_ends = (long)(sizeof ends / sizeof ends[0]), bad = 0;
    for (i = 0; i < 100000 + n_ends; ++i) {
        uint64_t bits = i < n_ends ? ends[i] : dg_rng_u64(r);
        dg_real u = dg_uniform_from_bits(bits), e = -dg_log(u);
        bad += dg__log_pos_k(u) != dg_log(u) || dg__log_pos_k(1 - u) != dg_log(1 - u) ||
               dg__log_pos_k(e) != dg_log(e);
    }
    CHECK_INT(bad, 0);
#else
    (void)r;
#endif
}

/* White box, as above: the softmax's exp (no overflow select, its underflow mask from a sign
   bit) against dg_exp on the arguments it may see, which are neither NaN nor above the
   overflow threshold: a dense sweep through the underflow edge, the edge itself, -inf. */
static void math_exp_bounded_matches_exp(void)
{
#if !defined(DGT_SEPARATE_IMPL) && !defined(DG_USE_LIBM)
    double lo = DGT_FLOAT ? -110 : -760, hi = DGT_FLOAT ? 89 : 710, x;
    double edge = DGT_FLOAT ? -104 : -746;
    long i, bad = 0, N = 400000;
    unsigned long st = 5;
    for (i = 0; i <= N; ++i) {
        x = (double)(dg_real)(lo + (hi - lo) * ((double)i + (i < N ? math_jitter(&st) : 0)) / N);
        bad += dg__exp_bounded_k((dg_real)x) != dg_exp((dg_real)x);
    }
    for (i = -50; i <= 50; ++i) { /* the underflow edge, ulp by ulp */
        dg_real e = (dg_real)edge;
        long k;
        for (k = 0; k < (i < 0 ? -i : i); ++k)
            e = DGT_FLOAT ? (dg_real)nextafterf((float)e, i < 0 ? -1e9f : 1e9f)
                          : (dg_real)nextafter((double)e, i < 0 ? -1e9 : 1e9);
        bad += dg__exp_bounded_k(e) != dg_exp(e);
    }
    bad += dg__exp_bounded_k(-(dg_real)INFINITY) != 0 || dg__exp_bounded_k((dg_real)-1e30) != 0;
    bad += dg__exp_bounded_k(0) != 1;
    CHECK_INT(bad, 0);
#endif
}

static void math_noise_transforms_use_log(void)
{
    dg_rng a, b;
    long i, N = 200000, bad = 0;
    dg_rng_seed(&a, 17, 3);
    dg_rng_seed(&b, 17, 3);
    for (i = 0; i < N; ++i) {
        dg_real u, g = dg_gumbel(&a), e, l;
        u = dg_uniform(&b);
        bad += g != -math_noise_log(-math_noise_log(u));
        e = dg_exponential(&a);
        u = dg_uniform(&b);
        bad += e != -math_noise_log(u);
        l = dg_logistic(&a);
        u = dg_uniform(&b);
        /* the cast rounds the difference to dg_real, as returning it from dg_logistic does,
           where FLT_EVAL_METHOD != 0 (x87, s390x float) would otherwise keep it wider */
        bad += l != (dg_real)(math_noise_log(u) - math_noise_log(1 - u));
    }
    CHECK_INT(bad, 0);
    math_log_pos_matches_log(&a);
}

/* At a power of two the reduction leaves f = 0 and log(2^k) = k ln2_hi + k ln2_lo, rounded
   once: within half an ulp (correctly rounded) for every k, denormals included. */
static void math_log_of_powers_of_two(void)
{
    int e, emin = DGT_FLOAT ? -149 : -1074, emax = DGT_FLOAT ? 127 : 1023;
    double worst = 0;
    for (e = emin; e <= emax; ++e) {
        dg_real x = (dg_real)ldexp(1, e), y = dg_log(x);
        if (e == 0) { CHECK_NEAR(y, 0, 0); continue; }
        math_track(math_ulps(y, logl((long double)x)), (double)x, &worst);
    }
    math_report("log at powers of two", worst);
    CHECK_NEAR(worst, 0, 0.5);
}

/* White box: dg__libm_* call libm's function of dg_real's type, bit for bit (expf ... in a
   float build, exp ... in a double one), not a wider one rounded back, which differs in the
   last bit now and then (long double's expm1 and log1p in about 5% of these arguments, exp and
   log in about 0.1%). */
static void math_libm_functions_of_the_real_type(void)
{
#ifndef DGT_SEPARATE_IMPL
    long i, bad = 0;
    unsigned long st = 11;
    for (i = 0; i < 40000; ++i) {
        double u = math_jitter(&st);
        dg_real x = (dg_real)(-30 + 60 * u), p = (dg_real)(1e-3 + 50 * u), got[6], want[6];
        got[0] = dg__libm_exp(x);
        got[1] = dg__libm_log(p);
        got[2] = dg__libm_log1p(p);
        got[3] = dg__libm_expm1(x);
        got[4] = dg__libm_sqrt(p);
        got[5] = dg__libm_fabs(x);
        if (DGT_FLOAT) {
            want[0] = (dg_real)expf((float)x);
            want[1] = (dg_real)logf((float)p);
            want[2] = (dg_real)log1pf((float)p);
            want[3] = (dg_real)expm1f((float)x);
            want[4] = (dg_real)sqrtf((float)p);
            want[5] = (dg_real)fabsf((float)x);
        } else {
            want[0] = (dg_real)exp((double)x);
            want[1] = (dg_real)log((double)p);
            want[2] = (dg_real)log1p((double)p);
            want[3] = (dg_real)expm1((double)x);
            want[4] = (dg_real)sqrt((double)p);
            want[5] = (dg_real)fabs((double)x);
        }
        bad += memcmp(got, want, sizeof got) != 0;
    }
    CHECK_INT(bad, 0);
#endif
}

/* White box: the hooks DG_EXP, DG_LOG and DG_LOG1P are the header's kernels (dg_exp, dg_log,
   dg_log1p), except libm's where the header documents it: double on x86 without AVX, and
   everywhere with DG_USE_LIBM. The kernels and libm differ in the last bit on some of these
   arguments, which the test requires so that it can tell which one a hook calls. */
static void math_hooks_call_kernels_or_libm(void)
{
#ifndef DGT_SEPARATE_IMPL
#if defined(DG_USE_LIBM)
    const int libm = 1;
#elif (defined(__x86_64__) || defined(_M_X64) || defined(__i386__) || defined(_M_IX86)) && \
    !defined(__AVX__)
    const int libm = !DGT_FLOAT;
#else
    const int libm = 0;
#endif
    long i, bad = 0, apart = 0;
    unsigned long st = 12;
    for (i = 0; i < 40000; ++i) {
        double u = math_jitter(&st);
        dg_real x = (dg_real)(-30 + 60 * u), p = (dg_real)(1e-3 + 50 * u), got[3], lib[3], ker[3];
        got[0] = DG_EXP(x);
        got[1] = DG_LOG(p);
        got[2] = DG_LOG1P(p);
        lib[0] = DGT_FLOAT ? (dg_real)expf((float)x) : (dg_real)exp((double)x);
        lib[1] = DGT_FLOAT ? (dg_real)logf((float)p) : (dg_real)log((double)p);
        lib[2] = DGT_FLOAT ? (dg_real)log1pf((float)p) : (dg_real)log1p((double)p);
        ker[0] = dg_exp(x);
        ker[1] = dg_log(p);
        ker[2] = dg_log1p(p);
        bad += memcmp(got, libm ? lib : ker, sizeof got) != 0;
        apart += memcmp(lib, ker, sizeof lib) != 0;
    }
    CHECK_INT(bad, 0);
    CHECK(apart > 100);
#endif
}

static void register_math(void)
{
    DGT_ADD(math_exp_max_error);
    DGT_ADD(math_log_max_error);
    DGT_ADD(math_log1p_max_error);
    DGT_ADD(math_log_of_powers_of_two);
    DGT_ADD(math_special_values);
    DGT_ADD(math_noise_transforms_use_log);
    DGT_ADD(math_exp_bounded_matches_exp);
    DGT_ADD(math_libm_functions_of_the_real_type);
    DGT_ADD(math_hooks_call_kernels_or_libm);
}
