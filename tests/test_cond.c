/* The conditional samplers' whole-problem kernels (dg__cond_gumbel_rows, dg__cond_logistic_bits)
   against straightforward long-double references: values, Jacobian factors and VJP at logits up
   to +-1e4, the argmax or bit kept, problem sizes that are not multiples of 8 and rows that span
   several groups; the VJP against finite differences of the forward; and the public
   one-variable functions giving the bits of the estimators' internal path. */

#define COND_NK 8
static const int cond_ks[COND_NK] = {1, 2, 3, 7, 8, 9, 64, 256};
static const double cond_scales[3] = {1, 30, 1e4};

static double cond_eps(void) { return DGT_FLOAT ? (double)FLT_EPSILON : (double)DBL_EPSILON; }

/* One categorical row in long double: z (the conditional perturbed logits), q and pi, by the
   definition z_i = lse - logaddexp(log E_i - log pi_i, log E_b), z_b = lse - log E_b, and
   q_i = E_b / (E_i/pi_i + E_b) (1 at b), with d z_i / d phi_j = delta_ij (1 - q_i) + pi_j q_i. */
static void cond_gumbel_ref(const dg_real *phi, int K, int b, const dg_real *E, long double *z,
                            long double *q, long double *pi)
{
    long double m = phi[0], s = 0, lse, leb = logl((long double)E[b]);
    int i;
    for (i = 1; i < K; ++i) if (phi[i] > m) m = phi[i];
    for (i = 0; i < K; ++i) s += expl((long double)phi[i] - m);
    lse = m + logl(s);
    for (i = 0; i < K; ++i) {
        long double d = logl((long double)E[i]) - (long double)phi[i] + lse - leb;
        long double sp = d > 0 ? d + log1pl(expl(-d)) : log1pl(expl(d));
        pi[i] = expl((long double)phi[i] - lse);
        z[i] = i == b ? lse - leb : lse - leb - sp;
        q[i] = i == b ? 1 : 1 / (1 + expl(d));
    }
}

/* Random logits of the given scale, a random argmax b (not necessarily the largest logit),
   exponentials from the rng with, on rows 1 and 2 mod 3, an extreme pair: E_b tiny and another
   huge, or E_b huge and another tiny, where z_i rounds to z_b and the argmax must still hold;
   on rows 5 and 6 E_b is the smallest subnormal or the largest finite value (s / E_b, which the
   kernel takes the log of, leaves the normal range). */
static int cond_fill_row(dg_rng *r, int K, double scale, int row, dg_real *phi, dg_real *E)
{
    int k, b = (int)(dg_uniform(r) * K) % K;
    for (k = 0; k < K; ++k) {
        phi[k] = (dg_real)(scale * (2 * (double)dg_uniform(r) - 1));
        E[k] = dg_exponential(r);
    }
    if (row % 3 != 0) {
        dg_real tiny = (dg_real)DGT_TOL(1e-300, 1e-30), huge = (dg_real)DGT_TOL(700.0, 80.0);
        E[(b + 1) % K] = row % 3 == 1 ? huge : tiny;
        E[b] = row % 3 == 1 ? tiny : huge;
    }
    if (row == 5) E[b] = (dg_real)(DGT_FLOAT ? 1.4e-45 : 4.9e-324);
    if (row == 6) E[b] = (dg_real)(DGT_FLOAT ? FLT_MAX : DBL_MAX);
    return b;
}

/* |got - ref| <= tol * (|ref| + scale): the error of values computed from inputs of size
   scale, relative to that size (z_i sits near lse - log E_b, so its rounding scales with the
   logits, not with z_i itself). Returns the ratio error / bound, to report the worst. */
static double cond_ratio(double got, long double ref, double scale, double tol)
{
    double err = fabs((double)((long double)got - ref));
    if (got != got) return 1e30;
    return err / (tol * (fabs((double)ref) + scale));
}

#ifndef DGT_SEPARATE_IMPL
/* The rows kernel on whole problems (D*K not a multiple of 8 except where K is), and on 400
   rows of 7 (2800 values: three groups of rows) against the reference; every row keeps its
   argmax strictly. z is within 8 eps of the logits' scale. q = sigmoid(-a) and
   pi = exp(phi - lse) inherit the rounding of their arguments, whose terms (log E_i, phi_i, lse,
   log E_b) have magnitudes up to A (per row): q within 8 eps (q + q (1 - q) A), pi within
   8 eps pi (1 + A), the VJP within 8 eps (|ref| + sum |dz| (1 + A)). */
static void cond_gumbel_rows_vs_reference(void)
{
    enum { MAXN = 2800 };
    static dg_real phi[MAXN], E[MAXN], hard[MAXN], out[MAXN], qq[MAXN], pi[MAXN], zb[MAXN];
    static dg_real dz[MAXN], dphi[MAXN];
    static long double zr[MAXN], qref[MAXN], piref[MAXN];
    double eps = cond_eps(), worst_z = 0, worst_q = 0, worst_pi = 0, worst_vjp = 0;
    int argmax_kept = 1, ki, si, d, k, i, cases = 0;
    dg_rng r;
    dg_rng_seed(&r, 2718, 0);
    for (ki = 0; ki <= COND_NK; ++ki)
        for (si = 0; si < 3; ++si) {
            int K = ki < COND_NK ? cond_ks[ki] : 7, D = ki < COND_NK ? (K == 256 ? 3 : 7) : 400;
            double scale = cond_scales[si];
            for (d = 0; d < D; ++d) {
                int b = cond_fill_row(&r, K, scale, d, phi + d * K, E + d * K);
                for (k = 0; k < K; ++k) hard[d * K + k] = (dg_real)(k == b);
                cond_gumbel_ref(phi + d * K, K, b, E + d * K, zr + d * K, qref + d * K, piref + d * K);
            }
            for (i = 0; i < D * K; ++i) dz[i] = (dg_real)(dg_uniform(&r) - 0.5);
            dg__cond_gumbel_rows(phi, D, K, hard, E, out, qq, pi, zb, 1);
            dg__cond_gumbel_rows_vjp(qq, pi, D, K, dz, dphi);
            for (d = 0; d < D; ++d) {
                const int j = d * K;
                long double c = 0;
                double A = 0, sdz = 0;
                int b = 0;
                for (k = 0; k < K; ++k) {
                    double ak = fabs(log((double)E[j + k])) + fabs((double)phi[j + k]);
                    if (hard[j + k] > 0) b = k;
                    if (ak > A) A = ak;
                    sdz += fabs((double)dz[j + k]);
                }
                A += fabs((double)zr[j + b]) + fabs(log((double)E[j + b])); /* lse's size */
                for (k = 0; k < K; ++k) {
                    double q, qk = (double)qref[j + k];
                    if (k != b && !(out[j + k] < out[j + b])) argmax_kept = 0;
                    q = cond_ratio((double)out[j + k], zr[j + k], scale, eps);
                    if (q > worst_z) worst_z = q;
                    /* plus the spacing of subnormals, where q = e^-a underflows */
                    q = fabs((double)qq[j + k] - qk) /
                        (eps * (qk + qk * (1 - qk) * A + DGT_TOL(DBL_MIN, FLT_MIN)));
                    if (q > worst_q) worst_q = q;
                    q = fabs((double)pi[j + k] - (double)piref[j + k]) / (eps * (double)piref[j + k] * (1 + A));
                    if (piref[j + k] > DGT_TOL(1e-300, 1e-30) && q > worst_pi) worst_pi = q;
                    c += (long double)dz[j + k] * qref[j + k];
                }
                /* VJP by the definition: d z_i / d phi_j = delta_ij (1 - q_i) + pi_j q_i */
                for (k = 0; k < K; ++k) {
                    long double ref = (long double)dz[j + k] * (1 - qref[j + k]) + piref[j + k] * c;
                    double q = fabs((double)((long double)dphi[j + k] - ref)) /
                               (eps * (fabs((double)ref) + sdz * (1 + A)));
                    if (q > worst_vjp) worst_vjp = q;
                }
                ++cases;
            }
        }
    printf("  conditional Gumbel rows (%d rows): worst error / eps-bound z %.2f, q %.2f, pi %.2f, vjp %.2f\n",
           cases, worst_z, worst_q, worst_pi, worst_vjp);
    CHECK(argmax_kept);
    CHECK(worst_z <= 8);
    CHECK(worst_q <= 8);
    CHECK(worst_pi <= 8);
    CHECK(worst_vjp <= 8);
}

/* The public one-row functions give the bits of the internal whole-problem path for the same
   noise (forward, VJP), and likewise the Bernoulli ones; the internal path gives the same draws
   without its Jacobian factors. */
static void cond_public_matches_internal(void)
{
    enum { D = 5, MAXN = 5 * 256 };
    static dg_real phi[MAXN], E[MAXN], hard[MAXN], out[MAXN], qq[MAXN], pi[MAXN], zb[MAXN];
    static dg_real dz[MAXN], dphi[MAXN], z1[256], g1[256], out0[MAXN], q0[MAXN], pi0[MAXN];
    dg_real bl[37], bv[37], bh[37], bz[37], bd[37];
    int same = 1, ki, d, k, i;
    dg_rng r;
    dg_rng_seed(&r, 31415, 0);
    for (ki = 0; ki < COND_NK; ++ki) {
        int K = cond_ks[ki];
        if (K > DG_MAX_K) continue; /* the public functions refuse it (small limits) */
        for (d = 0; d < D; ++d) {
            int b = cond_fill_row(&r, K, d == 4 ? 1e4 : 3, d, phi + d * K, E + d * K);
            for (k = 0; k < K; ++k) hard[d * K + k] = (dg_real)(k == b);
        }
        for (i = 0; i < D * K; ++i) dz[i] = (dg_real)(dg_uniform(&r) - 0.5);
        dg__cond_gumbel_rows(phi, D, K, hard, E, out, qq, pi, zb, 1);
        dg__cond_gumbel_rows_vjp(qq, pi, D, K, dz, dphi);
        /* Gumbel-Rao's call, without the Jacobian factors: the same draws */
        dg__cond_gumbel_rows(phi, D, K, hard, E, out0, q0, pi0, zb, 0);
        same &= memcmp(out0, out, (size_t)(D * K) * sizeof(dg_real)) == 0;
        for (d = 0; d < D; ++d) {
            int b = 0;
            for (k = 0; k < K; ++k) if (hard[d * K + k] > 0) b = k;
            CHECK_INT(dg_gumbel_given_argmax_at(phi + d * K, K, b, E + d * K, z1), DG_OK);
            CHECK_INT(dg_gumbel_given_argmax_vjp(phi + d * K, K, b, E + d * K, dz + d * K, g1), DG_OK);
            same &= memcmp(z1, out + d * K, (size_t)K * sizeof(dg_real)) == 0;
            same &= memcmp(g1, dphi + d * K, (size_t)K * sizeof(dg_real)) == 0;
        }
    }
    for (i = 0; i < 37; ++i) {
        bl[i] = (dg_real)(i % 5 == 0 ? 1e4 * (i % 2 ? 1 : -1) : 6 * (double)dg_uniform(&r) - 3);
        bv[i] = dg_uniform(&r);
        bh[i] = (dg_real)(dg_uniform(&r) < 0.5);
    }
    dg__cond_logistic_bits(bl, 37, bh, bv, bz, bd);
    for (i = 0; i < 37; ++i) {
        dg_real z = 0, dzd = 0; /* set by the call; gcc (s390x) cannot tell */
        CHECK_INT(dg_logistic_given_bit_at(bl[i], (int)bh[i], bv[i], &z, &dzd), DG_OK);
        same &= memcmp(&z, bz + i, sizeof z) == 0 && memcmp(&dzd, bd + i, sizeof dzd) == 0;
    }
    CHECK(same);
}
#endif

/* The public forward and VJP at logits up to +-1e4 against the reference (every build, the
   two-unit one included), and the VJP against central differences of the forward along a
   random direction: sum_j dphi_j u_j = d/dt sum_i dz_i z_i(phi + t u). The difference quotient
   needs logits small enough for its rounding (eps * scale / h): up to 1e4 in double, 30 in
   float. */
static void cond_gumbel_public_vs_reference_and_fd(void)
{
    static dg_real phi[256], E[256], z[256], zp[256], zm[256], q[256], dz[256], g[256], u[256];
    static long double zr[256], qref[256], piref[256];
    double eps = cond_eps(), worst = 0, worst_fd = 0;
    int ki, si, t, k;
    dg_rng r;
    dg_rng_seed(&r, 1618, 0);
    for (ki = 0; ki < COND_NK; ++ki)
        for (si = 0; si < 3; ++si)
            for (t = 0; t < 7; ++t) {
                int K = cond_ks[ki], b;
                double h = DGT_TOL(1e-4, 1e-2) * (si == 2 ? 10 : 1), fd, an = 0, mag = 0;
                if (K > DG_MAX_K) continue; /* refused (small limits) */
                b = cond_fill_row(&r, K, cond_scales[si], t, phi, E);
                CHECK_INT(dg_gumbel_given_argmax_at(phi, K, b, E, z), DG_OK);
                cond_gumbel_ref(phi, K, b, E, zr, qref, piref);
                for (k = 0; k < K; ++k) {
                    double qq = cond_ratio((double)z[k], zr[k], cond_scales[si], eps);
                    if (qq > worst) worst = qq;
                    if (k != b) CHECK(z[k] < z[b]);
                }
                /* the result may overwrite the logits or the noise it is computed from */
                memcpy(q, phi, (size_t)K * sizeof(dg_real));
                CHECK_INT(dg_gumbel_given_argmax_at(q, K, b, E, q), DG_OK);
                CHECK(memcmp(q, z, (size_t)K * sizeof(dg_real)) == 0);
                memcpy(q, E, (size_t)K * sizeof(dg_real));
                CHECK_INT(dg_gumbel_given_argmax_at(phi, K, b, q, q), DG_OK);
                CHECK(memcmp(q, z, (size_t)K * sizeof(dg_real)) == 0);
                if (t == 2 || (DGT_FLOAT && si == 2)) continue; /* extreme noise: no FD */
                for (k = 0; k < K; ++k) {
                    dz[k] = (dg_real)(dg_uniform(&r) - 0.5);
                    u[k] = (dg_real)(dg_uniform(&r) - 0.5);
                }
                CHECK_INT(dg_gumbel_given_argmax_vjp(phi, K, b, E, dz, g), DG_OK);
                for (k = 0; k < K; ++k) q[k] = phi[k] + (dg_real)h * u[k];
                dg_gumbel_given_argmax_at(q, K, b, E, zp);
                for (k = 0; k < K; ++k) q[k] = phi[k] - (dg_real)h * u[k];
                dg_gumbel_given_argmax_at(q, K, b, E, zm);
                fd = 0;
                for (k = 0; k < K; ++k) {
                    fd += (double)dz[k] * ((double)zp[k] - (double)zm[k]) / (2 * h);
                    an += (double)g[k] * (double)u[k];
                    mag += fabs((double)dz[k]);
                }
                /* rounding of the z's over 2h, and a margin for the second-order terms */
                mag = mag * (eps * 4 * (cond_scales[si] + 10) / h + DGT_TOL(1e-6, 1e-3));
                if (fabs(fd - an) / mag > worst_fd) worst_fd = fabs(fd - an) / mag;
            }
    printf("  dg_gumbel_given_argmax_at: worst error / eps-bound %.2f; vjp vs FD: worst error / bound %.2g\n",
           worst, worst_fd);
    CHECK(worst <= 8);
    CHECK(worst_fd <= 1);
}

/* The Bernoulli kernel against the definition in long double, over logits up to +-1e4 and
   uniforms near 0, 1/2 and 1, both bits: z = logit(u') + phi with u' = v(1 - theta) (b = 0),
   (1 - theta) + v theta (b = 1), in log space; dz/dphi as documented. z within 8 eps of
   |z| + |phi| + 1, the derivative within 8 eps relative; the bit always kept. */
static void cond_logistic_vs_reference(void)
{
    static const double logits[] = {0, 1e-3, -1e-3, 0.7, -0.7, 5, -5, 30, -30, 88, -88, 700, -700, 1e4, -1e4};
    const double vs[] = {DGT_TOL(1e-12, 1e-6), 1e-4, 0.3, 0.5, 0.9, 1 - DGT_TOL(1e-12, 1e-6)};
    double eps = cond_eps(), worst_z = 0, worst_d = 0;
    int t, j, b, kept = 1;
    for (t = 0; t < (int)(sizeof logits / sizeof logits[0]); ++t)
        for (j = 0; j < 6; ++j)
            for (b = 0; b < 2; ++b) {
                dg_real phi = (dg_real)logits[t], v = (dg_real)vs[j], z = 0, dzd = 0;
                long double p = phi, vl = v, w = b ? 1 - vl : vl, w1 = b ? vl : 1 - vl;
                long double s = b ? -p : p;
                long double sig_s = 1 / (1 + expl(-s)), sig_ms = 1 / (1 + expl(s));
                long double log_sig = s > 0 ? -log1pl(expl(-s)) : s - log1pl(expl(s));
                long double z0 = log_sig + logl(w) - logl(w1 + w * sig_s);
                long double zref = b ? -z0 : z0;
                long double dref = sig_ms * w1 / (w1 + w * sig_s);
                double qz, qd;
                CHECK_INT(dg_logistic_given_bit_at(phi, b, v, &z, &dzd), DG_OK);
                kept &= (z > 0) == b;
                qz = cond_ratio((double)z, zref, fabs((double)phi) + 1, eps);
                qd = cond_ratio((double)dzd, dref, 0, eps);
                if (dref < DGT_TOL(1e-300, 1e-35)) qd = fabs((double)dzd) <= DGT_TOL(1e-300, 1e-34) ? 0 : 1e30;
                if (qz > worst_z) worst_z = qz;
                if (qd > worst_d) worst_d = qd;
            }
    printf("  dg_logistic_given_bit_at: worst error / eps-bound z %.2f, dz/dlogit %.2f\n", worst_z,
           worst_d);
    CHECK(kept);
    CHECK(worst_z <= 8);
    CHECK(worst_d <= 8);
}

static void register_cond(void)
{
#ifndef DGT_SEPARATE_IMPL
    DGT_ADD(cond_gumbel_rows_vs_reference);
    DGT_ADD(cond_public_matches_internal);
#endif
    DGT_ADD(cond_gumbel_public_vs_reference_and_fd);
    DGT_ADD(cond_logistic_vs_reference);
}
