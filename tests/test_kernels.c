/* The vectorised paths against their scalar definitions: block uniforms and block noise against
   single draws (any split of a block, from any point of the 8-lane round buffer), the bit-built
   uniforms against the arithmetic formula, the branch-free sigmoid against long double, and
   softmax rows whose length is not a multiple of the 8 reduction lanes. */
#include "common.h"
#include <float.h>

static void kernels_uniforms_match_single_draws(void)
{
    static const int sizes[] = {1, 5, 255, 256, 257, 1000};
    static dg_real block[1000];
    int t, i, same;
    for (t = 0; t < 6; ++t) {
        dg_rng a, b;
        dg_rng_seed(&a, 99, (uint64_t)t);
        dg_rng_seed(&b, 99, (uint64_t)t);
        dg_uniforms(&a, block, sizes[t]);
        for (i = 0, same = 1; i < sizes[t]; ++i) same &= block[i] == dg_uniform(&b);
        CHECK(same);
        CHECK(dg_rng_u64(&a) == dg_rng_u64(&b)); /* the state advanced by exactly n draws */
    }
}

static void kernels_uniforms_bad_arguments_do_nothing(void)
{
    dg_rng a, b;
    dg_real u[2] = {7, 7};
    dg_rng_seed(&a, 5, 0);
    b = a;
    dg_uniforms(&a, u, 0);
    dg_uniforms(&a, u, -3);
    dg_uniforms(&a, NULL, 2);
    dg_uniforms(NULL, u, 2);
    CHECK(u[0] == 7 && u[1] == 7);
    CHECK(dg_rng_u64(&a) == dg_rng_u64(&b));
}

/* n single draws, one block of n and any split of n into blocks give the same values and leave
   the generator in the same bytes: splits that start, end or straddle the 8-value round buffer,
   after 0 .. 9 single draws already taken from it. */
static void kernels_block_splits_match_single_draws(void)
{
    static const int splits[][6] = {{3, 13, 8, 1, 0, 0}, {25, 0, 0, 0, 0, 0}, {8, 8, 8, 1, 0, 0},
                                    {1, 7, 1, 16, 0, 0}, {5, 5, 5, 5, 5, 0}, {9, 15, 1, 0, 0, 0},
                                    {2, 6, 2, 6, 9, 0}, {24, 1, 0, 0, 0, 0}};
    dg_real want[40], got[40], one[40];
    int t, pre, i, k, bad = 0;
    for (pre = 0; pre < 10; ++pre)
        for (t = 0; t < 8; ++t) {
            dg_rng a, b, c;
            dg_rng_seed(&a, 31, (uint64_t)pre);
            for (i = 0; i < pre; ++i) (void)dg_rng_u64(&a);
            b = a;
            c = a;
            for (i = 0; i < 25; ++i) want[i] = dg_uniform(&a);
            dg_uniforms(&c, one, 25);
            for (i = 0, k = 0; k < 6 && splits[t][k] > 0; i += splits[t][k++]) dg_uniforms(&b, got + i, splits[t][k]);
            if (i != 25 || memcmp(want, got, 25 * sizeof *got) != 0 || memcmp(want, one, 25 * sizeof *one) != 0 ||
                memcmp(&a, &b, sizeof a) != 0 || memcmp(&a, &c, sizeof a) != 0 || dg_rng_u64(&a) != dg_rng_u64(&b)) {
                ++bad;
                printf("    split %d after %d single draws differs\n", t, pre);
            }
        }
    CHECK_INT(bad, 0);
}

/* Random splits of 2000 values mixing blocks, single uniforms and raw 64-bit draws. */
static void kernels_random_splits_match_single_draws(void)
{
    static dg_real want[2000], got[2000];
    dg_rng a, b, pick;
    int i = 0, m, same;
    dg_rng_seed(&a, 8, 8);
    b = a;
    dg_rng_seed(&pick, 1, 2);
    while (i < 2000) {
        m = 1 + (int)(dg_rng_u64(&pick) % 40);
        if (m > 2000 - i) m = 2000 - i;
        if (m == 1 && dg_rng_u64(&pick) % 2) got[i] = dg_uniform_from_bits(dg_rng_u64(&b));
        else dg_uniforms(&b, got + i, m);
        i += m;
    }
    for (i = 0; i < 2000; ++i) want[i] = dg_uniform(&a);
    same = memcmp(want, got, sizeof want) == 0 && memcmp(&a, &b, sizeof a) == 0;
    CHECK(same);
}

/* dg_gumbels, dg_logistics and dg_exponentials give exactly the single draws, across the
   DG__BLOCK chunks of the vectorised transform and from a partly used round buffer. */
static void kernels_noise_blocks_match_single_draws(void)
{
    static const int sizes[] = {1, 7, 8, 9, 255, 256, 257, 600};
    static dg_real got[600], want[600];
    int t, pre, op, i, bad = 0;
    for (op = 0; op < 3; ++op)
        for (pre = 0; pre < 4; pre += 3)
            for (t = 0; t < 8; ++t) {
                dg_rng a, b;
                int n = sizes[t];
                dg_rng_seed(&a, 500 + (uint64_t)op, (uint64_t)t);
                for (i = 0; i < pre; ++i) (void)dg_uniform(&a);
                b = a;
                if (op == 0) dg_gumbels(&b, got, n);
                else if (op == 1) dg_logistics(&b, got, n);
                else dg_exponentials(&b, got, n);
                for (i = 0; i < n; ++i)
                    want[i] = op == 0 ? dg_gumbel(&a) : op == 1 ? dg_logistic(&a) : dg_exponential(&a);
                if (memcmp(want, got, (size_t)n * sizeof *got) != 0 || memcmp(&a, &b, sizeof a) != 0) {
                    ++bad;
                    printf("    noise %d, n = %d after %d draws differs\n", op, n, pre);
                }
            }
    CHECK_INT(bad, 0);
}

static void kernels_uniform_bits_match_formula(void)
{
    /* The documented value: (k + 1/2) 2^-52 for the top 52 bits k (float: top 23 bits, 2^-23). */
    dg_rng r;
    int i, same = 1;
    uint64_t x;
    dg_rng_seed(&r, 8, 1);
    for (i = 0; i < 20000; ++i) {
        double want;
        x = i == 0 ? 0 : i == 1 ? ~(uint64_t)0 : i == 2 ? (uint64_t)1 << 63 : dg_rng_u64(&r);
        want = DGT_FLOAT ? ((double)(x >> 41) + 0.5) * ldexp(1, -23)
                         : ((double)(x >> 12) + 0.5) * ldexp(1, -52);
        same &= (double)dg_uniform_from_bits(x) == want;
    }
    CHECK(same);
}

static void kernels_sigmoid_both_tails(void)
{
    double lim = DGT_FLOAT ? 100 : 740, worst = 0, x;
    int i, N = 200001;
    for (i = 0; i < N; ++i) {
        long double ref, err;
        x = (double)(dg_real)(-lim + 2 * lim * i / (N - 1));
        ref = 1 / (1 + expl(-(long double)x));
        err = fabsl((long double)dg_sigmoid((dg_real)x) - ref) / ref;
        if (ref > (DGT_FLOAT ? 1e-37L : 1e-300L) && err > worst) worst = (double)err;
    }
    CHECK_NEAR(worst, 0, DGT_TOL(4 * DBL_EPSILON, 4 * FLT_EPSILON));
    CHECK(dg_sigmoid((dg_real)INFINITY) == 1 && dg_sigmoid(-(dg_real)INFINITY) == 0);
    CHECK(isnan((double)dg_sigmoid((dg_real)NAN)));
}

static void kernels_softmax_row_lengths(void)
{
    static const int Ks[] = {2, 7, 8, 9, 13, 255, 256};
    dg_real x[256], y[256], dy[256], dx[256];
    dg_rng r;
    int t, k;
    dg_rng_seed(&r, 4, 4);
    for (t = 0; t < 7; ++t) {
        int K = Ks[t];
        long double m = -1e300L, s = 0, dot = 0;
        double tau = 0.3;
        for (k = 0; k < K; ++k) {
            x[k] = 8 * dg_uniform(&r) - 4;
            dy[k] = dg_uniform(&r) - (dg_real)0.5;
        }
        x[K - 1] = 6; /* the maximum in the tail of the lanes */
        for (k = 0; k < K; ++k) if (x[k] > m) m = x[k];
        for (k = 0; k < K; ++k) s += expl(((long double)x[k] - m) / (long double)(dg_real)tau);
        CHECK_INT(dg_softmax(x, K, (dg_real)tau, y), DG_OK);
        CHECK_INT(dg_softmax_backward(y, dy, K, (dg_real)tau, dx), DG_OK);
        for (k = 0; k < K; ++k) dot += (long double)y[k] * dy[k];
        for (k = 0; k < K; ++k) {
            long double arg = ((long double)x[k] - m) / (long double)(dg_real)tau;
            long double ref = expl(arg) / s;
            long double dref = (long double)y[k] * (dy[k] - dot) / (long double)(dg_real)tau;
            /* the rounding of (x - max) / tau is amplified by the size of the exponent */
            double eps = DGT_FLOAT ? FLT_EPSILON : DBL_EPSILON;
            CHECK_REL(y[k], ref, 4 * eps * (2 + fabs((double)arg)), 1e-300);
            CHECK_NEAR(dx[k], dref, DGT_TOL(1e-14, 2e-6));
        }
        /* a maximum that overflows exp unless it is found, in the last lane position */
        x[K - 1] = 1000;
        CHECK_INT(dg_softmax(x, K, (dg_real)tau, y), DG_OK);
        CHECK_NEAR(y[K - 1], 1, 0);
        CHECK_NEAR(y[0], 0, 0);
    }
}

static void register_kernels(void)
{
    DGT_ADD(kernels_uniforms_match_single_draws);
    DGT_ADD(kernels_uniforms_bad_arguments_do_nothing);
    DGT_ADD(kernels_block_splits_match_single_draws);
    DGT_ADD(kernels_random_splits_match_single_draws);
    DGT_ADD(kernels_noise_blocks_match_single_draws);
    DGT_ADD(kernels_uniform_bits_match_formula);
    DGT_ADD(kernels_sigmoid_both_tails);
    DGT_ADD(kernels_softmax_row_lengths);
}
