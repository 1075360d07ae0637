/* Samplers: frequencies, extreme logits, conditional samplers' support, law and derivatives. */
#include "common.h"

static void softmax_ref(const double *x, int K, double *p)
{
    int k;
    long double m = x[0], s = 0;
    for (k = 1; k < K; ++k) if (x[k] > m) m = x[k];
    for (k = 0; k < K; ++k) s += expl((long double)x[k] - m);
    for (k = 0; k < K; ++k) p[k] = (double)(expl((long double)x[k] - m) / s);
}

static const dg_real cat_logits[5] = {0.3, -1.2, 2.0, 0.0, -0.4};

static void samplers_categorical_chi_square(void)
{
    enum { N = 200000, K = 5 };
    long counts[K] = {0};
    double x[K], p[K];
    dg_rng r;
    int i, k;
    for (k = 0; k < K; ++k) x[k] = (double)cat_logits[k];
    softmax_ref(x, K, p);
    dg_rng_seed(&r, 1, 0);
    for (i = 0; i < N; ++i) {
        int c = dg_sample_categorical(&r, cat_logits, K);
        if (c < 0 || c >= K) { CHECK(c >= 0 && c < K); return; }
        counts[c]++;
    }
    CHECK(dgt_chi2(counts, p, K, N) < dgt_chi2_crit(K - 1));
}

static void samplers_gumbel_max_chi_square(void)
{
    enum { N = 200000, K = 5 };
    long counts[K] = {0};
    double x[K], p[K];
    dg_real pert[K];
    dg_rng r;
    int i, k, argmax_ok = 1;
    for (k = 0; k < K; ++k) x[k] = (double)cat_logits[k];
    softmax_ref(x, K, p);
    dg_rng_seed(&r, 2, 0);
    for (i = 0; i < N; ++i) {
        int c = dg_gumbel_max(&r, cat_logits, K, pert), best = 0;
        if (c < 0 || c >= K) { CHECK(c >= 0 && c < K); return; }
        for (k = 1; k < K; ++k) if (pert[k] > pert[best]) best = k;
        argmax_ok &= best == c;
        counts[c]++;
    }
    CHECK(argmax_ok);
    CHECK(dgt_chi2(counts, p, K, N) < dgt_chi2_crit(K - 1));
}

static void samplers_bernoulli_frequency(void)
{
    static const double logits[] = {-3, -0.5, 0, 1.2, 4};
    enum { N = 100000 };
    dg_rng r;
    int t, i;
    dg_rng_seed(&r, 3, 0);
    for (t = 0; t < 5; ++t) {
        double p = dgt_sigmoid(logits[t]);
        long ones = 0;
        for (i = 0; i < N; ++i) ones += dg_sample_bernoulli(&r, (dg_real)logits[t]);
        CHECK_Z((double)ones / (double)N, p, sqrt(p * (1 - p) / (double)N), 4.5);
    }
}

static void samplers_extreme_logits(void)
{
    dg_real big[4] = {1e4, -1e4, 9990, -700}, pert[4];
    dg_rng r;
    int i, ok = 1;
    dg_rng_seed(&r, 4, 0);
    for (i = 0; i < 1000; ++i) {
        ok &= dg_sample_categorical(&r, big, 4) == 0;
        ok &= dg_gumbel_max(&r, big, 4, pert) == 0;
        ok &= dg_sample_bernoulli(&r, 1e4) == 1 && dg_sample_bernoulli(&r, -1e4) == 0;
    }
    CHECK(ok);
    CHECK(isfinite((double)pert[1]));
}

/* Ties: logits so large that the Gumbel noise is absorbed (1e30 + g == 1e30) tie every draw's
   perturbed values, and dg_gumbel_max documents the lowest index on ties. */
static void samplers_gumbel_max_ties(void)
{
    dg_real first[4] = {(dg_real)1e30, (dg_real)1e30, (dg_real)1e30, (dg_real)-1e30};
    dg_real middle[4] = {(dg_real)-1e30, (dg_real)1e30, (dg_real)1e30, (dg_real)1e29};
    dg_real pert[4];
    dg_rng r;
    int i, ok_first = 1, ok_middle = 1;
    dg_rng_seed(&r, 5, 0);
    for (i = 0; i < 200; ++i) {
        ok_first &= dg_gumbel_max(&r, first, 4, pert) == 0;
        ok_first &= pert[0] == pert[1] && pert[1] == pert[2];
        ok_middle &= dg_gumbel_max(&r, middle, 4, NULL) == 1;
    }
    CHECK(ok_first);
    CHECK(ok_middle);
}

/* Conditional Gumbel: argmax kept, and each coordinate distributed as the unconditional
   perturbed logit restricted to that argmax (two-sample KS against rejection sampling). */
static void samplers_gumbel_given_argmax_law(void)
{
    enum { N = 20000, K = 4 };
    static const dg_real logits[K] = {0.5, -1.0, 1.5, 0.0};
    static double cond[K][N], rej[K][N];
    dg_real z[K];
    dg_rng r;
    int b, i, k, argmax_ok = 1;
    dg_rng_seed(&r, 5, 0);
    for (b = 0; b < K; b += 3) { /* a likely and an unlikely class */
        int m = 0;
        for (i = 0; i < N; ++i) {
            CHECK_INT(dg_gumbel_given_argmax(&r, logits, K, b, z), DG_OK);
            {
                int best = 0;
                for (k = 1; k < K; ++k) if (z[k] > z[best]) best = k;
                argmax_ok &= best == b;
            }
            for (k = 0; k < K; ++k) cond[k][i] = (double)z[k];
        }
        while (m < N) {
            if (dg_gumbel_max(&r, logits, K, z) != b) continue;
            for (k = 0; k < K; ++k) rej[k][m] = (double)z[k];
            m++;
        }
        for (k = 0; k < K; ++k) CHECK(dgt_ks2(cond[k], N, rej[k], N) < DGT_KS2_CRIT(N, N));
    }
    CHECK(argmax_ok);
}

static void samplers_logistic_given_bit_law(void)
{
    enum { N = 20000 };
    static const double logits[] = {-1.3, 0.4, 2.5};
    static double cond[N], rej[N];
    dg_rng r;
    int t, b, i, sign_ok = 1;
    dg_rng_seed(&r, 6, 0);
    for (t = 0; t < 3; ++t) {
        for (b = 0; b < 2; ++b) {
            int m = 0;
            for (i = 0; i < N; ++i) {
                dg_real z = 0;
                CHECK_INT(dg_logistic_given_bit(&r, (dg_real)logits[t], b, &z), DG_OK);
                sign_ok &= (z > 0) == b;
                cond[i] = (double)z;
            }
            while (m < N) {
                double x = logits[t] + (double)dg_logistic(&r);
                if ((x > 0) != b) continue;
                rej[m++] = x;
            }
            CHECK(dgt_ks2(cond, N, rej, N) < DGT_KS2_CRIT(N, N));
        }
    }
    CHECK(sign_ok);
}

/* The conditional samplers stay finite and keep their outcome at extreme logits and noise. */
static void samplers_conditional_extremes(void)
{
    static const double logits[] = {-1e4, -700, -40, 0, 40, 700, 1e4};
    dg_real vs[3];
    int t, b, j, ok = 1;
    vs[0] = dg_uniform_from_bits(0);
    vs[1] = (dg_real)0.5;
    vs[2] = dg_uniform_from_bits(~(uint64_t)0);
    for (t = 0; t < 7; ++t)
        for (b = 0; b < 2; ++b)
            for (j = 0; j < 3; ++j) {
                dg_real z, dz;
                ok &= dg_logistic_given_bit_at((dg_real)logits[t], b, vs[j], &z, &dz) == DG_OK;
                ok &= isfinite((double)z) && isfinite((double)dz) && (z > 0) == b;
            }
    CHECK(ok);
    {
        dg_real lg[3] = {1e4, -1e4, 0}, E[3], z[3] = {0, 0, 0}; /* read after a failed call too */
        for (j = 0; j < 3; ++j) {
            int k, best = 0;
            E[0] = vs[j]; E[1] = 36; E[2] = (dg_real)1e-9;
            for (b = 0; b < 3; ++b) {
                CHECK_INT(dg_gumbel_given_argmax_at(lg, 3, b, E, z), DG_OK);
                best = 0;
                for (k = 1; k < 3; ++k) if (z[k] > z[best]) best = k;
                CHECK_INT(best, b);
                CHECK(isfinite((double)z[0]) && isfinite((double)z[1]) && isfinite((double)z[2]));
            }
        }
    }
}

static void samplers_logistic_derivative_fd(void)
{
    static const double logits[] = {-3, -0.7, 0, 0.4, 2.2};
    static const double vs[] = {0.03, 0.5, 0.91};
    double h = DGT_FLOAT ? 1e-2 : 1e-5;
    int t, j, b;
    for (t = 0; t < 5; ++t)
        for (j = 0; j < 3; ++j)
            for (b = 0; b < 2; ++b) {
                dg_real z = 0, dz = 0, zp = 0, zm = 0;
                double fd;
                dg_logistic_given_bit_at((dg_real)logits[t], b, (dg_real)vs[j], &z, &dz);
                dg_logistic_given_bit_at((dg_real)(logits[t] + h), b, (dg_real)vs[j], &zp, NULL);
                dg_logistic_given_bit_at((dg_real)(logits[t] - h), b, (dg_real)vs[j], &zm, NULL);
                fd = ((double)zp - (double)zm) / (2 * h);
                CHECK_REL(dz, fd, DGT_TOL(1e-6, 2e-2), 1e-3);
            }
}

static void samplers_gumbel_vjp_fd(void)
{
    enum { K = 4 };
    dg_real logits[K] = {0.2, -0.8, 1.1, 0.05}, E[K] = {0.7, 1.9, 0.2, 3.1};
    dg_real dz[K] = {0.3, -1.1, 0.8, 0.45}, dphi[K], zp[K], zm[K], alias[K];
    double h = DGT_FLOAT ? 1e-2 : 1e-5;
    int b, j, k;
    for (b = 0; b < K; ++b) {
        CHECK_INT(dg_gumbel_given_argmax_vjp(logits, K, b, E, dz, dphi), DG_OK);
        for (j = 0; j < K; ++j) {
            double fd = 0;
            dg_real keep = logits[j];
            logits[j] = keep + (dg_real)h;
            dg_gumbel_given_argmax_at(logits, K, b, E, zp);
            logits[j] = keep - (dg_real)h;
            dg_gumbel_given_argmax_at(logits, K, b, E, zm);
            logits[j] = keep;
            for (k = 0; k < K; ++k) fd += (double)dz[k] * ((double)zp[k] - (double)zm[k]) / (2 * h);
            CHECK_REL(dphi[j], fd, DGT_TOL(1e-6, 2e-2), 1e-2);
        }
        /* dlogits may alias dperturbed */
        for (k = 0; k < K; ++k) alias[k] = dz[k];
        dg_gumbel_given_argmax_vjp(logits, K, b, E, alias, alias);
        for (k = 0; k < K; ++k) CHECK_NEAR(alias[k], dphi[k], 0);
    }
}

static void register_samplers(void)
{
    DGT_ADD(samplers_categorical_chi_square);
    DGT_ADD(samplers_gumbel_max_chi_square);
    DGT_ADD(samplers_bernoulli_frequency);
    DGT_ADD(samplers_extreme_logits);
    DGT_ADD(samplers_gumbel_max_ties);
    DGT_ADD(samplers_gumbel_given_argmax_law);
    DGT_ADD(samplers_logistic_given_bit_law);
    DGT_ADD(samplers_conditional_extremes);
    DGT_ADD(samplers_logistic_derivative_fd);
    DGT_ADD(samplers_gumbel_vjp_fd);
}
