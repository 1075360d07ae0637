/* DG_VIMCO (Mnih & Rezende 2016) against references written here independently, in long
   double: each single draw (the estimate, the bound, the weights and the baseline, from the
   draw's points and values; the leave-one-out bounds by a plain log-sum-exp over K values with
   l_k swapped out, O(K^2), as the reference implementations compute them); extreme spreads of the
   log-weights; the mean against the exact gradient of E[L] by enumeration over all K-tuples of
   samples (itself checked by finite differences of E[L]); the mean of the caller's model gradient
   sum_k w_k grad_theta log p(x, z_k) and of the bound against their exact values; dg_estimate
   against ask/tell, bit for bit, weights and batches included. */

typedef long double tv_real;

/* The model of the tests, for any n values z (bits or one-hot rows):
   log p(x, z) = sum_i u_i z_i + 0.9 z_0 z_{n-1} - 1 + theta sum_i v_i z_i, whose theta-gradient
   at z is a(z) = sum_i v_i z_i. */
static const double tv_u[6] = {0.5, -1.0, 1.5, -0.3, 0.8, 0.1};
static const double tv_v[6] = {1.0, 0.0, -1.0, 0.5, -0.5, 0.2};

typedef struct tv_model {
    int n;
    double theta;
    long calls;                 /* f calls since the counter was reset */
    double a[DG_MAX_SAMPLES];   /* a(z) at each call, in order */
    dg_real z[64 * 24];         /* the first 64 points f saw, in order (n <= 24) */
} tv_model;

static double tv_a(const dg_real *z, int n)
{
    double s = 0;
    int i;
    for (i = 0; i < n; ++i) s += tv_v[i % 6] * (double)z[i];
    return s;
}

static double tv_logp(const dg_real *z, int n, double theta)
{
    double s = 0.9 * (double)z[0] * (double)z[n - 1] - 1;
    int i;
    for (i = 0; i < n; ++i) s += tv_u[i % 6] * (double)z[i];
    return s + theta * tv_a(z, n);
}

static dg_real tv_f(const dg_real *z, void *user)
{
    tv_model *m = (tv_model *)user;
    if (m->calls < DG_MAX_SAMPLES) m->a[m->calls] = tv_a(z, m->n);
    if (m->calls < 64) memcpy(m->z + m->calls * m->n, z, (size_t)m->n * sizeof *z);
    m->calls++;
    return (dg_real)tv_logp(z, m->n, m->theta);
}

static tv_real tv_lse(const tv_real *x, int K)
{
    tv_real m = x[0], s = 0;
    int k;
    for (k = 1; k < K; ++k) if (x[k] > m) m = x[k];
    for (k = 0; k < K; ++k) s += expl(x[k] - m);
    return m + logl(s);
}

/* log q(z) and E_q z of problem p, in long double */
static tv_real tv_log_q(const dg_problem *p, const dg_real *z)
{
    tv_real lq = 0;
    int d, k, K = p->K;
    if (p->kind == DG_BERNOULLI) {
        for (d = 0; d < p->D; ++d) {
            tv_real x = z[d] > 0 ? (tv_real)p->logits[d] : -(tv_real)p->logits[d];
            lq -= log1pl(expl(-x));
        }
        return lq;
    }
    for (d = 0; d < p->D; ++d) {
        tv_real row[16] = {0};
        for (k = 0; k < K; ++k) row[k] = p->logits[d * K + k];
        for (k = 0; k < K; ++k) if (z[d * K + k] > 0) lq += row[k] - tv_lse(row, K);
    }
    return lq;
}

static void tv_mean_z(const dg_problem *p, tv_real *mean)
{
    int d, k, K = p->K;
    if (p->kind == DG_BERNOULLI) {
        for (d = 0; d < p->D; ++d) mean[d] = 1 / (1 + expl(-(tv_real)p->logits[d]));
        return;
    }
    for (d = 0; d < p->D; ++d) {
        tv_real row[16] = {0}, t;
        for (k = 0; k < K; ++k) row[k] = p->logits[d * K + k];
        t = tv_lse(row, K);
        for (k = 0; k < K; ++k) mean[d * K + k] = expl(row[k] - t);
    }
}

/* The reference of one example: K points and the log-weights l (computed by the caller), gives
   the estimate sum_k (L - Lhat_k - w_k)(z_k - E z), the weights, the bound L and the mean of
   the Lhat_k. Lhat_k: the log of the mean of exp over the K values with l_k replaced by the
   mean of the others. Returns sum_k |c_k| (the scale of the estimate, for tolerances). */
static tv_real tv_reference(const dg_problem *p, int K, const dg_real *points, const tv_real *l,
                            tv_real *grad, tv_real *w, tv_real *bound, tv_real *baseline)
{
    tv_real mean[64], swapped[64], lse = tv_lse(l, K), logK = logl((tv_real)K);
    tv_real total = 0, scale = 0;
    int n = p->kind == DG_BERNOULLI ? p->D : p->D * p->K, i, j, k;
    tv_mean_z(p, mean);
    for (i = 0; i < n; ++i) grad[i] = 0;
    for (k = 0; k < K; ++k) total += l[k];
    *bound = lse - logK;
    *baseline = 0;
    for (k = 0; k < K; ++k) {
        tv_real lhat, c;
        for (j = 0; j < K; ++j) swapped[j] = l[j];
        swapped[k] = (total - l[k]) / (K - 1);
        lhat = tv_lse(swapped, K) - logK;
        w[k] = expl(l[k] - lse);
        c = (*bound - lhat) - w[k];
        *baseline += lhat / K;
        scale += fabsl(c);
        for (i = 0; i < n; ++i) grad[i] += c * ((tv_real)points[k * n + i] - mean[i]);
    }
    return scale;
}

static tv_model tv_m;

static dg_problem tv_problem(dg_kind kind, int D, int K, const dg_real *logits)
{
    dg_problem p = dgt_problem(kind, D, K, logits, tv_f, NULL, &tv_m);
    memset(&tv_m, 0, sizeof tv_m);
    tv_m.n = kind == DG_BERNOULLI ? D : D * K;
    tv_m.theta = 0.5;
    return p;
}

static const dg_real tv_logits_b3[3] = {0.3, -1.2, 2.0};
static const dg_real tv_logits_c23[6] = {0.2, -0.5, 1.0, 1.5, 0.0, -2.0};
static const dg_real tv_logits_20[20] = {0.3, -1.2, 2.0, 0.7, -0.4, 1.1, -2.2, 0.0, 0.9, -0.6,
                                         1.4, 0.2, -1.7, 0.5, 0.8, -0.1, 1.9, -0.9, 0.6, -1.3};

/* Single draws against the reference: every coordinate of the estimate, each weight, the bound,
   the baseline and f_mean, for both kinds, several K, and problems of fewer and of more than 8
   logits (3 bits, 2 rows of 3; 19 bits, 4 rows of 5), where the sums go by lanes. */
static void vimco_draws_against_reference(void)
{
    static dg_estimator e;
    static dg_real dmem[1 << 14];
    static const int Ks[4] = {2, 3, 5, 16};
    int kind, ki, t, i, k, big, worst_failures = 0;
    double worst = 0;
    for (big = 0; big < 2; ++big)
    for (kind = DG_BERNOULLI; kind <= DG_CATEGORICAL; ++kind)
        for (ki = 0; ki < 4; ++ki) {
            dg_problem p = kind == DG_BERNOULLI
                               ? (big ? tv_problem(DG_BERNOULLI, 19, 0, tv_logits_20)
                                      : tv_problem(DG_BERNOULLI, 3, 0, tv_logits_b3))
                               : (big ? tv_problem(DG_CATEGORICAL, 4, 5, tv_logits_20)
                                      : tv_problem(DG_CATEGORICAL, 2, 3, tv_logits_c23));
            dg_config c;
            int K = Ks[ki], n = tv_m.n;
            memset(&c, 0, sizeof c);
            c.method = DG_VIMCO;
            c.samples = K;
            c.seed = 5;
            c.stream = (uint64_t)(big * 100 + kind * 10 + ki);
            CHECK_INT(dgt_init(&e, &c), DG_OK);
            for (t = 0; t < 40; ++t) {
                dg_draw d;
                dg_real vals[16], g[20], wts[16];
                tv_real l[16], rg[20], rw[16], rb, rbase, scale;
                dg_info info;
                double tol = DGT_TOL(1e-12, 2e-5), err;
                p.weights = wts;
                CHECK_INT(dg_ask(&e, &p, &d, dmem, sizeof dmem / sizeof dmem[0]), DG_OK);
                CHECK_INT(d.per_example, K);
                for (k = 0; k < K; ++k) {
                    CHECK_INT(dg_point_needs(&d, 0, k), DG_NEED_VALUE);
                    vals[k] = p.f(d.points + k * n, p.user);
                    l[k] = (tv_real)vals[k] - tv_log_q(&p, d.points + k * n);
                }
                CHECK_INT(dg_tell(&e, &d, &p, vals, NULL, g, &info), DG_OK);
                scale = tv_reference(&p, K, d.points, l, rg, rw, &rb, &rbase);
                for (i = 0; i < n; ++i) {
                    err = fabs((double)(g[i] - rg[i])) / (double)(1 + scale);
                    if (err > worst) worst = err;
                    if (err > tol && worst_failures++ < 5) CHECK_NEAR(g[i], rg[i], tol * (double)(1 + scale));
                }
                for (k = 0; k < K; ++k) CHECK_NEAR(wts[k], rw[k], DGT_TOL(1e-13, 1e-6));
                CHECK_NEAR(info.bound, rb, DGT_TOL(1e-12, 1e-5));
                CHECK_NEAR(info.baseline, rbase, DGT_TOL(1e-12, 1e-5));
                CHECK_NEAR(info.learning_signal, rb - rbase, DGT_TOL(1e-12, 1e-5));
                {
                    double fm = 0;
                    for (k = 0; k < K; ++k) fm += (double)vals[k] / K;
                    CHECK_NEAR(info.f_mean, fm, DGT_TOL(1e-12, 1e-5));
                }
                CHECK_INT(info.f_evals, K);
                CHECK_INT(info.grad_evals, 0);
                CHECK_INT(dg_commit(&e), DG_OK);
            }
        }
    printf("  VIMCO single draws against the long-double reference: largest error %.2g of the scale\n", worst);
}

/* Log-weights of any spread, set through the values told: one dominant weight (the sum of the
   others below the rounding of the total), all equal, a large common offset, spreads of 1e4,
   values whose exp overflows, ties at 1e17 and 1e30 (where log-sum-exp rounds to the largest
   value, so exp(l - lse) would give each tied draw a weight of one). The sum without the dominant value must not come from a
   subtraction: with l = {0, -800} the baseline of the first draw is log of (e^-800 + e^-800)/2,
   which exp(LSE) - exp(l_0) gets wrong by log 2 (and TensorFlow Probability's csiszar_vimco
   helper, which keeps the leave-the-maximum-out sum only for a positive maximum, too). */
static void vimco_extreme_spreads(void)
{
    static dg_estimator e;
    static dg_real dmem[1 << 12];
    static const double cases[][6] = {
        {2, 0, -800},
        {4, 0, -40, -45, -50},
        {3, 3, 3, 3},
        {4, 1024, 1024.5, 1023.75, 1024.125},
        {3, -1e4, 0, -5000},
        {3, 700, 710, -700},
        {2, -1e4, -1e4},
        {3, 1e6, 1e6 - 1, 1e6 + 2},
        {5, -300, -320, -300, -500, -310},
        {4, 1e17, 1e17, -1e17, -1e17},
        {2, 1e30, 1e30},
    };
    static const dg_real logit[1] = {0.3};
    int ci, t, k;
    for (ci = 0; ci < (int)(sizeof cases / sizeof cases[0]); ++ci) {
        int K = (int)cases[ci][0];
        dg_problem p = tv_problem(DG_BERNOULLI, 1, 0, logit);
        dg_config c;
        memset(&c, 0, sizeof c);
        c.method = DG_VIMCO;
        c.samples = K;
        c.seed = 77;
        c.stream = (uint64_t)ci;
        CHECK_INT(dgt_init(&e, &c), DG_OK);
        for (t = 0; t < 6; ++t) {
            dg_draw d;
            dg_real vals[8], g[1], wts[8];
            tv_real l[8], rg[1], rw[8], rb, rbase, scale;
            dg_info info;
            int rc;
            double maxabs = 0, tol;
            p.weights = wts;
            CHECK_INT(dg_ask(&e, &p, &d, dmem, sizeof dmem / sizeof dmem[0]), DG_OK);
            for (k = 0; k < K; ++k) {
                /* l_k as the library forms it: the value minus log q (one bit: log sigma(+-phi)) */
                dg_real lq = dg_log_sigmoid(d.points[k] > 0 ? logit[0] : -logit[0]);
                vals[k] = (dg_real)cases[ci][1 + k] + lq;
                l[k] = (tv_real)(dg_real)(vals[k] - lq);
                if (fabs((double)l[k]) > maxabs) maxabs = fabs((double)l[k]);
            }
            /* the l_k carry rounding errors of their own size: a few of them in each c_k */
            tol = (DGT_FLOAT ? FLT_EPSILON : DBL_EPSILON) * 8 * K * (1 + maxabs);
            rc = dg_tell(&e, &d, &p, vals, NULL, g, &info);
            CHECK_INT(rc, DG_OK);
            if (rc != DG_OK) break;
            scale = tv_reference(&p, K, d.points, l, rg, rw, &rb, &rbase);
            (void)scale;
            CHECK_NEAR(g[0], rg[0], tol);
            for (k = 0; k < K; ++k) CHECK_NEAR(wts[k], rw[k], tol);
            { /* the weights sum to one at any magnitude, where tol above is no bound */
                double sum = 0;
                for (k = 0; k < K; ++k) sum += (double)wts[k];
                CHECK_NEAR(sum, 1.0, (DGT_FLOAT ? FLT_EPSILON : DBL_EPSILON) * 4 * K);
            }
            CHECK_NEAR(info.bound, rb, tol);
            CHECK_NEAR(info.baseline, rbase, tol);
        }
    }
}

/* ---- exact values by enumeration over all K-tuples of configurations ------------------------ */
#define TV_MAXC 16
typedef struct tv_enum {
    int C, n;                       /* configurations, values per point */
    dg_real z[TV_MAXC][8];          /* each configuration's point */
    tv_real lq[TV_MAXC], s[TV_MAXC][8], f[TV_MAXC], a[TV_MAXC];
} tv_enum;

static void tv_enumerate(const dg_problem *p, double theta, tv_enum *E)
{
    tv_real mean[8];
    int c, d, i, K = p->K;
    E->n = p->kind == DG_BERNOULLI ? p->D : p->D * K;
    E->C = 1;
    for (d = 0; d < p->D; ++d) E->C *= p->kind == DG_BERNOULLI ? 2 : K;
    tv_mean_z(p, mean);
    for (c = 0; c < E->C; ++c) {
        int rest = c;
        for (i = 0; i < E->n; ++i) E->z[c][i] = 0;
        for (d = 0; d < p->D; ++d) {
            if (p->kind == DG_BERNOULLI) { E->z[c][d] = (dg_real)(rest % 2); rest /= 2; }
            else { E->z[c][d * K + rest % K] = 1; rest /= K; }
        }
        E->lq[c] = tv_log_q(p, E->z[c]);
        E->f[c] = tv_logp(E->z[c], E->n, theta);
        E->a[c] = tv_a(E->z[c], E->n);
        for (i = 0; i < E->n; ++i) E->s[c][i] = (tv_real)E->z[c][i] - mean[i];
    }
}

/* E[L], and (when not NULL) grad_phi E[L] = E sum_k (L - w_k) s_k and grad_theta E[L] =
   E sum_k w_k a(z_k), summed over all C^K tuples. */
static tv_real tv_exact(const dg_problem *p, double theta, int K, tv_real *grad, tv_real *dtheta)
{
    static tv_enum E;
    tv_real EL = 0, l[8], w[8], L, lse, q;
    long t, T = 1;
    int k, i, idx[8];
    tv_enumerate(p, theta, &E);
    for (k = 0; k < K; ++k) T *= E.C;
    if (grad) for (i = 0; i < E.n; ++i) grad[i] = 0;
    if (dtheta) *dtheta = 0;
    for (t = 0; t < T; ++t) {
        long rest = t;
        for (k = 0, q = 0; k < K; ++k) {
            idx[k] = (int)(rest % E.C);
            rest /= E.C;
            q += E.lq[idx[k]];
            l[k] = E.f[idx[k]] - E.lq[idx[k]];
        }
        q = expl(q);
        lse = tv_lse(l, K);
        L = lse - logl((tv_real)K);
        EL += q * L;
        for (k = 0; k < K; ++k) {
            w[k] = expl(l[k] - lse);
            if (grad) for (i = 0; i < E.n; ++i) grad[i] += q * (L - w[k]) * E.s[idx[k]][i];
            if (dtheta) *dtheta += q * w[k] * E.a[idx[k]];
        }
    }
    return EL;
}

/* The enumeration's gradient against central differences of the enumerated E[L], in phi and in
   theta: the derivation of the formula checked without it. */
static void tv_check_exact_by_differences(const dg_problem *p, int K, const tv_real *grad, tv_real dtheta)
{
    dg_real lg[8];
    dg_problem q = *p;
    tv_real h = 1e-5L;
    int i, n = p->kind == DG_BERNOULLI ? p->D : p->D * p->K;
    for (i = 0; i < n; ++i) lg[i] = p->logits[i];
    q.logits = lg;
    for (i = 0; i < n; ++i) {
        tv_real up, down;
        /* logits of dg_real: a step exact in float too (the logits are multiples of 1/16) */
        lg[i] = (dg_real)((tv_real)p->logits[i] + h);
        up = tv_exact(&q, tv_m.theta, K, NULL, NULL);
        lg[i] = (dg_real)((tv_real)p->logits[i] - h);
        down = tv_exact(&q, tv_m.theta, K, NULL, NULL);
        lg[i] = p->logits[i];
        CHECK_NEAR((double)((up - down) / ((tv_real)(dg_real)((tv_real)p->logits[i] + h) -
                                           (tv_real)(dg_real)((tv_real)p->logits[i] - h))),
                   (double)grad[i], DGT_TOL(1e-8, 1e-6));
    }
    {
        tv_real up = tv_exact(p, tv_m.theta + 1e-5, K, NULL, NULL);
        tv_real down = tv_exact(p, tv_m.theta - 1e-5, K, NULL, NULL);
        CHECK_NEAR((double)((up - down) / 2e-5L), (double)dtheta, 1e-8);
    }
}

/* N estimates of one problem: every coordinate's mean within zmax standard errors of the exact
   gradient of E[L], with N large enough that zmax se stays below a tenth of the largest
   coordinate; the mean of sum_k w_k a(z_k) (from problem.weights and the points f saw) against
   grad_theta E[L], and the mean bound against E[L]. */
static void tv_check_mean(const char *name, dg_problem *p, int K, long N, double zmax)
{
    static dg_estimator e;
    static dg_stats st;
    dg_config c;
    tv_real exact[8], dtheta, EL;
    dg_real g[8], wts[8], extra[10];
    int i, k, n = tv_m.n;
    double emax = 0;
    long t;
    EL = tv_exact(p, tv_m.theta, K, exact, &dtheta);
    tv_check_exact_by_differences(p, K, exact, dtheta);
    memset(&c, 0, sizeof c);
    c.method = DG_VIMCO;
    c.samples = K;
    c.seed = 2016;
    CHECK_INT(dgt_init(&e, &c), DG_OK);
    dg_stats_init(&st, n + 2);
    p->weights = wts;
    for (t = 0; t < N; ++t) {
        dg_info info;
        double mg = 0;
        tv_m.calls = 0;
        if (dg_estimate(&e, p, g, &info) != DG_OK) {
            CHECK(0);
            return;
        }
        for (k = 0; k < K; ++k) mg += (double)wts[k] * tv_m.a[k];
        for (i = 0; i < n; ++i) extra[i] = g[i];
        extra[n] = (dg_real)mg;
        extra[n + 1] = info.bound;
        dg_stats_push(&st, extra);
    }
    for (i = 0; i < n; ++i) if (fabs((double)exact[i]) > emax) emax = fabs((double)exact[i]);
    for (i = 0; i < n + 2; ++i) {
        double m = dg_stats_mean(&st, i), se = dg_stats_sem(&st, i);
        double x = (double)(i < n ? exact[i] : i == n ? dtheta : EL);
        char buf[256];
        if (i < n && zmax * se > 0.1 * emax) {
            snprintf(buf, sizeof buf, "%s coord %d: underpowered, %.1f se = %.3g > 10%% of %.3g", name, i,
                     zmax, zmax * se, emax);
            dgt_fail(__FILE__, __LINE__, buf);
        }
        if (!(fabs(m - x) <= zmax * se)) {
            snprintf(buf, sizeof buf, "%s %s %d: exact %.8g, mean %.8g, se %.3g (%.1f se)", name,
                     i < n ? "coord" : "extra", i, x, m, se, se > 0 ? fabs(m - x) / se : 0.0);
            dgt_fail(__FILE__, __LINE__, buf);
        }
    }
    printf("  VIMCO %s, K = %d, %ld estimates: grad", name, K, N);
    for (i = 0; i < n; ++i)
        printf(" %.4f (exact %.4f, %.1f se)", dg_stats_mean(&st, i), (double)exact[i],
               fabs(dg_stats_mean(&st, i) - (double)exact[i]) / dg_stats_sem(&st, i));
    printf("; model grad %.4f (exact %.4f); bound %.4f (E L %.4f)\n", dg_stats_mean(&st, n), (double)dtheta,
           dg_stats_mean(&st, n + 1), (double)EL);
    p->weights = NULL;
}

static void vimco_mean_against_exact(void)
{
    static const dg_real lb[2] = {0.4, -0.9};
    static const dg_real lc[6] = {0.25, -0.5, 0.75, 1.0, 0.0, -0.75};
    dg_problem p = tv_problem(DG_BERNOULLI, 2, 0, lb);
    tv_check_mean("Bernoulli D = 2", &p, 3, 200000, 4.5);
    p = tv_problem(DG_BERNOULLI, 2, 0, lb);
    tv_check_mean("Bernoulli D = 2", &p, 2, 200000, 4.5);
    p = tv_problem(DG_CATEGORICAL, 2, 3, lc);
    tv_check_mean("categorical 2 x 3", &p, 3, 200000, 4.5);
}

/* dg_estimate and ask/tell give the same bits, weights included, and the weights follow f's
   calls (the points f saw are the draw's, in order); a batch of three gives the bits of three
   single draws; a tell without the problem writes no weights. */
static void vimco_estimate_equals_asktell(void)
{
    static dg_estimator a, b, e3;
    static dg_real dmem[1 << 14], dmem3[1 << 15];
    static dg_real logits3[3 * 6];
    int kind, t, i, k;
    for (i = 0; i < 3 * 6; ++i) logits3[i] = (dg_real)(0.4 * sin(1.3 * i) - 0.1);
    for (kind = DG_BERNOULLI; kind <= DG_CATEGORICAL; ++kind) {
        dg_problem p = kind == DG_BERNOULLI ? tv_problem(DG_BERNOULLI, 3, 0, tv_logits_b3)
                                            : tv_problem(DG_CATEGORICAL, 2, 3, tv_logits_c23);
        dg_config c;
        int n = tv_m.n, K = 4;
        memset(&c, 0, sizeof c);
        c.method = DG_VIMCO;
        c.samples = K;
        c.seed = 9;
        CHECK_INT(dgt_init(&a, &c), DG_OK);
        CHECK_INT(dgt_init(&b, &c), DG_OK);
        for (t = 0; t < 20; ++t) {
            dg_real ga[8], gb[8], wa[8], wb[8], vals[8];
            dg_info ia, ib;
            dg_draw d;
            tv_m.calls = 0;
            p.weights = wa;
            CHECK_INT(dg_estimate(&a, &p, ga, &ia), DG_OK);
            CHECK_INT(tv_m.calls, K);
            p.weights = wb;
            for (k = 0; k < K; ++k) wb[k] = (dg_real)-7;
            CHECK_INT(dg_ask(&b, &p, &d, dmem, sizeof dmem / sizeof dmem[0]), DG_OK);
            CHECK(memcmp(d.points, tv_m.z, (size_t)(K * n) * sizeof(dg_real)) == 0);
            for (k = 0; k < K; ++k) vals[k] = p.f(d.points + k * n, p.user);
            CHECK_INT(dg_tell(&b, &d, t % 2 ? &p : NULL, vals, NULL, gb, &ib), DG_OK);
            CHECK(memcmp(ga, gb, (size_t)n * sizeof ga[0]) == 0);
            CHECK(memcmp(&ia.bound, &ib.bound, sizeof ia.bound) == 0);
            CHECK(memcmp(&ia.baseline, &ib.baseline, sizeof ia.baseline) == 0);
            if (t % 2) CHECK(memcmp(wa, wb, (size_t)K * sizeof wa[0]) == 0);
            else for (k = 0; k < K; ++k) CHECK(wb[k] == (dg_real)-7); /* no problem, no weights */
            CHECK_INT(dg_commit(&b), DG_OK);
        }
        /* a batch of three examples against three single draws */
        {
            dg_problem q = p;
            dg_real gbatch[3 * 6], wbatch[3 * 4], vals[3 * 4], g1[6], w1[4];
            dg_draw d, d1;
            int bi;
            CHECK_INT(dgt_init(&e3, &c), DG_OK);
            CHECK_INT(dgt_init(&b, &c), DG_OK);
            q.logits = logits3;
            q.batch = 3;
            q.weights = wbatch;
            CHECK_INT(dg_ask(&e3, &q, &d, dmem3, sizeof dmem3 / sizeof dmem3[0]), DG_OK);
            for (i = 0; i < 3 * K; ++i) vals[i] = p.f(d.points + i * n, p.user);
            CHECK_INT(dg_tell(&e3, &d, &q, vals, NULL, gbatch, NULL), DG_OK);
            for (bi = 0; bi < 3; ++bi) {
                dg_problem one = p;
                one.logits = logits3 + bi * n;
                one.weights = w1;
                CHECK_INT(dg_ask(&b, &one, &d1, dmem, sizeof dmem / sizeof dmem[0]), DG_OK);
                CHECK(memcmp(d1.points, d.points + bi * K * n, (size_t)(K * n) * sizeof(dg_real)) == 0);
                CHECK_INT(dg_tell(&b, &d1, &one, vals + bi * K, NULL, g1, NULL), DG_OK);
                CHECK(memcmp(g1, gbatch + bi * n, (size_t)n * sizeof g1[0]) == 0);
                CHECK(memcmp(w1, wbatch + bi * K, (size_t)K * sizeof w1[0]) == 0);
            }
        }
        p.weights = NULL;
    }
}

static void register_vimco(void)
{
    DGT_ADD(vimco_draws_against_reference);
    DGT_ADD(vimco_extreme_spreads);
    DGT_ADD(vimco_estimate_equals_asktell);
    DGT_ADD(vimco_mean_against_exact);
}
