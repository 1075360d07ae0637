/* Random numbers: reproducibility, streams, the open interval, distributions. */
#include "common.h"

static void rng_same_seed_and_stream_reproduce(void)
{
    dg_rng a, b;
    int i, same = 1;
    dg_rng_seed(&a, 42, 7);
    dg_rng_seed(&b, 42, 7);
    for (i = 0; i < 1000; ++i) same &= dg_rng_u64(&a) == dg_rng_u64(&b);
    CHECK(same);
}

static void rng_streams_and_seeds_differ(void)
{
    /* Different streams (and seeds) must not share outputs, and their uniforms must be
       uncorrelated: |r| < 4.5 / sqrt(N). */
    enum { N = 20000 };
    static const uint64_t pairs[][4] = {{1, 0, 1, 1}, {1, 0, 2, 0}, {0, 0, 0, 1}, {5, 1, 5, 2}};
    int t, i;
    for (t = 0; t < 4; ++t) {
        dg_rng a, b;
        double sa = 0, sb = 0, sab = 0, saa = 0, sbb = 0, r;
        int equal = 0;
        dg_rng_seed(&a, pairs[t][0], pairs[t][1]);
        dg_rng_seed(&b, pairs[t][2], pairs[t][3]);
        for (i = 0; i < N; ++i) {
            double x = (double)dg_uniform(&a), y = (double)dg_uniform(&b);
            equal += x == y;
            sa += x; sb += y; sab += x * y; saa += x * x; sbb += y * y;
        }
        r = (sab / N - sa / N * sb / N) /
            sqrt((saa / N - sa / N * sa / N) * (sbb / N - sb / N * sb / N));
        CHECK(equal < 3);
        CHECK_NEAR(r, 0, 4.5 / sqrt((double)N));
    }
}

static void rng_uniform_strictly_inside(void)
{
    dg_real lo = dg_uniform_from_bits(0), hi = dg_uniform_from_bits(~(uint64_t)0);
    dg_rng r;
    int i, inside = 1;
    CHECK(lo > 0);
    CHECK(hi < 1);
    CHECK(1 - hi > 0);
    if (DGT_FLOAT) {
        CHECK_NEAR(lo, ldexp(1.0, -24), 0);
        CHECK_NEAR(hi, 1 - ldexp(1.0, -24), 0);
    } else {
        CHECK_NEAR(lo, ldexp(1.0, -53), 0);
        CHECK_NEAR(hi, 1 - ldexp(1.0, -53), 0);
    }
    /* the noise built on the extremes stays finite */
    CHECK(isfinite((double)-log(-log((double)lo))) && isfinite((double)-log(-log((double)hi))));
    dg_rng_seed(&r, 3, 0);
    for (i = 0; i < 200000; ++i) {
        dg_real u = dg_uniform(&r);
        inside &= u > 0 && u < 1;
    }
    CHECK(inside);
}

static double cdf_uniform(double x) { return x < 0 ? 0 : x > 1 ? 1 : x; }
static double cdf_gumbel(double x) { return exp(-exp(-x)); }
static double cdf_logistic(double x) { return dgt_sigmoid(x); }
static double cdf_exponential(double x) { return x < 0 ? 0 : -expm1(-x); }

static void rng_distributions_ks(void)
{
    enum { N = 40000 };
    static double x[N];
    dg_rng r;
    int i;
    double d;
    dg_rng_seed(&r, 11, 0);
    for (i = 0; i < N; ++i) x[i] = (double)dg_uniform(&r);
    d = dgt_ks(x, N, cdf_uniform);
    CHECK(d < DGT_KS_CRIT(N));
    for (i = 0; i < N; ++i) x[i] = (double)dg_gumbel(&r);
    d = dgt_ks(x, N, cdf_gumbel);
    CHECK(d < DGT_KS_CRIT(N));
    for (i = 0; i < N; ++i) x[i] = (double)dg_logistic(&r);
    d = dgt_ks(x, N, cdf_logistic);
    CHECK(d < DGT_KS_CRIT(N));
    for (i = 0; i < N; ++i) x[i] = (double)dg_exponential(&r);
    d = dgt_ks(x, N, cdf_exponential);
    CHECK(d < DGT_KS_CRIT(N));
}

static void register_rng(void)
{
    DGT_ADD(rng_same_seed_and_stream_reproduce);
    DGT_ADD(rng_streams_and_seeds_differ);
    DGT_ADD(rng_uniform_strictly_inside);
    DGT_ADD(rng_distributions_ks);
}
