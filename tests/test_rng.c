/* Random numbers: reproducibility, streams, the open interval, distributions, and the 8 lanes:
   each against a reference xoshiro256**, their mutual independence, each lane's distribution. */
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
    const double dn = N; /* N in double arithmetic (C++20 deprecates enum-float mixing) */
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
        r = (sab / dn - sa / dn * sb / dn) /
            sqrt((saa / dn - sa / dn * sa / dn) * (sbb / dn - sb / dn * sb / dn));
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

/* The published xoshiro256** (Blackman & Vigna, xoshiro256starstar.c) and splitmix64, written
   here from the reference code, not from the header, so that a wrong shift, rotation or
   multiplier in the header's lane round fails the comparison below. */
static uint64_t ref_rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
static uint64_t ref_xoshiro256ss(uint64_t s[4])
{
    const uint64_t result = ref_rotl(s[1] * 5, 7) * 9;
    const uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = ref_rotl(s[3], 45);
    return result;
}
static uint64_t ref_splitmix64(uint64_t *x)
{
    uint64_t z = (*x += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}
/* The documented seeding: x = seed ^ splitmix64(stream), lane j's four words are splitmix64
   outputs 4j .. 4j + 3 of x. */
static void ref_seed(uint64_t lanes[8][4], uint64_t seed, uint64_t stream)
{
    uint64_t s = stream, x = seed ^ ref_splitmix64(&s);
    int j, w;
    for (j = 0; j < 8; ++j)
        for (w = 0; w < 4; ++w) lanes[j][w] = ref_splitmix64(&x);
}

static void rng_lanes_match_reference_xoshiro(void)
{
    /* output i of the generator is lane i % 8 at its round i / 8, each lane a plain scalar
       xoshiro256** from its own seed words */
    static const uint64_t seeds[][2] = {{0, 0}, {42, 7}, {UINT64_C(0xFFFFFFFFFFFFFFFF), 1}};
    int t, i, wrong;
    CHECK_INT(DG_RNG_LANES, 8);
    /* the documented size, with no padding: memcmp compares two generators exactly */
    CHECK_INT((int)sizeof(dg_rng), 4 * 8 * 8 + 8 * 8 + 8);
    for (t = 0; t < 3; ++t) {
        uint64_t lanes[8][4];
        dg_rng r;
        dg_rng_seed(&r, seeds[t][0], seeds[t][1]);
        ref_seed(lanes, seeds[t][0], seeds[t][1]);
        for (i = 0, wrong = 0; i < 8 * 300; ++i) wrong += dg_rng_u64(&r) != ref_xoshiro256ss(lanes[i % 8]);
        CHECK_INT(wrong, 0);
    }
}

/* Pearson correlation of x[i] and x[i + lag] over the n pairs i = first, first + step, ... */
static double lag_corr(const double *x, int first, int step, int lag, int n)
{
    double sa = 0, sb = 0, sab = 0, saa = 0, sbb = 0;
    int k;
    for (k = 0; k < n; ++k) {
        double a = x[first + k * step], b = x[first + k * step + lag];
        sa += a; sb += b; sab += a * b; saa += a * a; sbb += b * b;
    }
    return (sab / n - sa / n * sb / n) / sqrt((saa / n - sa / n * sa / n) * (sbb / n - sb / n * sb / n));
}

static void rng_lanes_uncorrelated(void)
{
    /* every pair of lanes within a round, consecutive outputs of the stream (which crosses from
       lane 7 of one round to lane 0 of the next) and consecutive rounds of one lane:
       |r| < 4.5 / sqrt(N) each. Lanes seeded alike would give r = 1. */
    enum { R = 20000 };
    static double x[8 * (R + 1)];
    double lim = 4.5 / sqrt((double)R);
    int i, j, k, bad = 0;
    dg_rng r;
    dg_rng_seed(&r, 2024, 3);
    for (i = 0; i < 8 * (R + 1); ++i) x[i] = (double)dg_uniform(&r);
    for (j = 0; j < 8; ++j)
        for (k = j + 1; k < 8; ++k) {
            double c = lag_corr(x, j, 8, k - j, R);
            if (!(fabs(c) < lim)) { ++bad; printf("    lanes %d and %d: r = %.4f\n", j, k, c); }
        }
    CHECK_INT(bad, 0);
    CHECK_NEAR(lag_corr(x, 0, 1, 1, 8 * R), 0, 4.5 / sqrt(8.0 * (double)R));
    for (j = 0; j < 8; ++j) CHECK_NEAR(lag_corr(x, j, 8, 8, R), 0, lim);
}

static void rng_each_lane_uniform_ks(void)
{
    enum { R = 20000 };
    static double x[8][R];
    int i, j;
    dg_rng r;
    dg_rng_seed(&r, 77, 5);
    for (i = 0; i < 8 * R; ++i) x[i % 8][i / 8] = (double)dg_uniform(&r);
    for (j = 0; j < 8; ++j) {
        double d = dgt_ks(x[j], R, cdf_uniform);
        if (!(d < DGT_KS_CRIT(R))) printf("    lane %d: KS D = %.5f\n", j, d);
        CHECK(d < DGT_KS_CRIT(R));
    }
}

static void register_rng(void)
{
    DGT_ADD(rng_same_seed_and_stream_reproduce);
    DGT_ADD(rng_streams_and_seeds_differ);
    DGT_ADD(rng_uniform_strictly_inside);
    DGT_ADD(rng_distributions_ks);
    DGT_ADD(rng_lanes_match_reference_xoshiro);
    DGT_ADD(rng_lanes_uncorrelated);
    DGT_ADD(rng_each_lane_uniform_ks);
}
