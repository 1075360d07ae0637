/* DG_REINMAX and DG_INDECATER.

   Both estimates are functions of the discrete sample alone (ReinMax: of b and grad f(b);
   IndeCateR: of x and f at x and its neighbours), so their means and variances over q are
   finite sums: ri_enumerate asks draws until it has seen every configuration, keeps each one's
   estimate (and checks that a configuration seen again gives the same bits), and weighs them
   by q. Those exact means are then held against dg_exact to rounding: ReinMax at tau = 1 for
   objectives quadratic in z (its defining property), where straight-through's mean is not the
   gradient, and ReinMax off it for a cubic objective and at tau = 2; IndeCateR for any
   objective, with variance 0 when D = 1 or f is a sum over the variables. Monte Carlo means
   through dg_estimate against dg_exact (z-score bounds that see a 10% error) check the other
   path. */

/* Quadratic objectives of any n <= 24 values: f(z) = z^T A z + c^T z, A not symmetric, and a
   cubic one, (w . z)^3 + z^T A z. user points to n. */
static double ri_A(int i, int j) { return sin(1.3 * i + 0.7 * j + 0.2); }
static double ri_c(int i) { return cos(0.9 * i + 0.4); }
static double ri_w(int i) { return 0.8 * sin(1 + 1.7 * i) + 0.3; }

static double ri_quad_d(const dg_real *z, dg_real *dz, int n)
{
    double f = 0;
    int i, j;
    for (i = 0; i < n; ++i) {
        double row = 0, g = ri_c(i);
        for (j = 0; j < n; ++j) {
            row += ri_A(i, j) * z[j];
            g += (ri_A(i, j) + ri_A(j, i)) * z[j];
        }
        f += z[i] * row + ri_c(i) * z[i];
        if (dz) dz[i] = (dg_real)g;
    }
    return f;
}
static dg_real ri_quad(const dg_real *z, void *user) { return (dg_real)ri_quad_d(z, NULL, *(const int *)user); }
static dg_real ri_quad_grad(const dg_real *z, dg_real *dz, void *user)
{
    return (dg_real)ri_quad_d(z, dz, *(const int *)user);
}
static double ri_cubic_d(const dg_real *z, dg_real *dz, int n)
{
    double s = 0, f;
    int i;
    for (i = 0; i < n; ++i) s += ri_w(i) * z[i];
    f = ri_quad_d(z, dz, n) + s * s * s;
    if (dz)
        for (i = 0; i < n; ++i) dz[i] += (dg_real)(3 * s * s * ri_w(i));
    return f;
}
static dg_real ri_cubic(const dg_real *z, void *user) { return (dg_real)ri_cubic_d(z, NULL, *(const int *)user); }
static dg_real ri_cubic_grad(const dg_real *z, dg_real *dz, void *user)
{
    return (dg_real)ri_cubic_d(z, dz, *(const int *)user);
}

/* A sum over the variables of a function of one variable each (exp of its row's weights, or of
   its bit), with no coupling: IndeCateR's estimate does not depend on the sample. user: the
   problem's row length K (1 for Bernoulli) followed by n. */
static dg_real ri_additive(const dg_real *z, void *user)
{
    const int *shape = (const int *)user;
    int K = shape[0], n = shape[1], d, k;
    double f = 0;
    for (d = 0; d < n / K; ++d) {
        double a = 0;
        for (k = 0; k < K; ++k) a += ri_w(d * K + k) * z[d * K + k];
        f += exp(a) + 0.5 * sin(2.0 * d + a);
    }
    return (dg_real)f;
}

static int ri_nvals[25]; /* ri_nvals[n] = n, for the user pointers */

/* A problem over one of the objectives above with logits 1.2 sin(1.7 i + 0.9) - 0.1 i. */
static dg_real ri_logits[24];
static dg_problem ri_problem(dg_kind kind, int D, int K, int cubic)
{
    int n = kind == DG_BERNOULLI ? D : D * K, i;
    for (i = 0; i < n; ++i) ri_logits[i] = (dg_real)(1.2 * sin(1.7 * i + 0.9) - 0.1 * i);
    ri_nvals[n] = n;
    return dgt_problem(kind, D, K, ri_logits, cubic ? ri_cubic : ri_quad,
                       cubic ? ri_cubic_grad : ri_quad_grad, &ri_nvals[n]);
}

/* ------------------------------------------------------------------------------------------- */
#define RI_MAXCONF 256
#define RI_DMEM 65536
typedef struct ri_enum {
    int nconf, seen;            /* configurations, and how many were drawn */
    int mismatch;               /* configurations whose estimate differed between draws */
    double mean[24], var[24];   /* the exact mean and variance of the estimate under q */
    double est[RI_MAXCONF][24]; /* each configuration's estimate */
    double q[RI_MAXCONF];       /* its probability */
} ri_enum;

/* The configuration of a sample z, as a number in base 2 (bits) or K (rows), variable 0 last. */
static int ri_config_of(const dg_problem *p, const dg_real *z)
{
    int d, k, idx = 0, K = p->kind == DG_BERNOULLI ? 2 : p->K;
    for (d = p->D - 1; d >= 0; --d) {
        int c = 0;
        if (p->kind == DG_BERNOULLI) c = z[d] > (dg_real)0.5;
        else for (k = 0; k < K; ++k) if (z[d * K + k] > (dg_real)0.5) c = k;
        idx = idx * K + c;
    }
    return idx;
}

/* q(configuration idx), in double from the logits. */
static double ri_q(const dg_problem *p, int idx)
{
    int d, k, K = p->kind == DG_BERNOULLI ? 2 : p->K;
    double q = 1;
    for (d = 0; d < p->D; ++d, idx /= K) {
        int c = idx % K;
        if (p->kind == DG_BERNOULLI) {
            double s = dgt_sigmoid((double)p->logits[d]);
            q *= c ? s : 1 - s;
        } else {
            double mx = -1e300, z = 0;
            for (k = 0; k < K; ++k) if (p->logits[d * K + k] > mx) mx = p->logits[d * K + k];
            for (k = 0; k < K; ++k) z += exp(p->logits[d * K + k] - mx);
            q *= exp(p->logits[d * K + c] - mx) / z;
        }
    }
    return q;
}

/* Every configuration's estimate through dg_ask and dg_tell (one sample per draw), their exact
   mean and variance under q. Draws until every configuration has been seen twice (at most
   200000 draws). */
static void ri_enumerate(const dg_config *c, const dg_problem *p, ri_enum *out)
{
    static dg_estimator e;
    static dg_real dmem[RI_DMEM], vals[4096], grads[RI_DMEM];
    static int count[RI_MAXCONF];
    int n = p->kind == DG_BERNOULLI ? p->D : p->D * p->K, K = p->kind == DG_BERNOULLI ? 2 : p->K;
    int i, j, idx, twice = 0;
    long t;
    memset(out, 0, sizeof *out);
    memset(count, 0, sizeof count);
    out->nconf = 1;
    for (i = 0; i < p->D; ++i) out->nconf *= K;
    if (out->nconf > RI_MAXCONF || n > 24 || dgt_init(&e, c) != DG_OK) {
        out->nconf = -1;
        return;
    }
    for (t = 0; t < 200000 && twice < out->nconf; ++t) {
        dg_draw d;
        dg_real g[24];
        if (dg_ask(&e, p, &d, dmem, RI_DMEM) != DG_OK || d.per_example > 4096) { out->nconf = -1; return; }
        for (j = 0; j < d.per_example; ++j) {
            int need = dg_point_needs(&d, 0, j);
            if (need == DG_NEED_GRAD) vals[j] = p->f_grad(d.points + (size_t)j * n, grads + (size_t)j * n, p->user);
            else vals[j] = p->f(d.points + (size_t)j * n, p->user);
        }
        if (dg_tell(&e, &d, p, vals, d.needs_grad ? grads : NULL, g, NULL) != DG_OK) { out->nconf = -1; return; }
        dg_commit(&e);
        idx = ri_config_of(p, d.points);
        if (count[idx] == 0) {
            for (i = 0; i < n; ++i) out->est[idx][i] = (double)g[i];
            out->seen++;
        } else {
            for (i = 0; i < n; ++i) if (out->est[idx][i] != (double)g[i]) break;
            if (i < n) out->mismatch++;
        }
        if (++count[idx] == 2) twice++;
    }
    for (idx = 0; idx < out->nconf; ++idx) out->q[idx] = ri_q(p, idx);
    for (i = 0; i < n; ++i) {
        for (idx = 0; idx < out->nconf; ++idx) out->mean[i] += out->q[idx] * out->est[idx][i];
        for (idx = 0; idx < out->nconf; ++idx)
            out->var[i] += out->q[idx] * (out->est[idx][i] - out->mean[i]) * (out->est[idx][i] - out->mean[i]);
    }
}

/* The largest |a_i - b_i| and the largest |b_i|. */
static double ri_maxdiff(const double *a, const dg_real *b, int n, double *bmax)
{
    double m = 0;
    int i;
    *bmax = 0;
    for (i = 0; i < n; ++i) {
        if (fabs(a[i] - (double)b[i]) > m) m = fabs(a[i] - (double)b[i]);
        if (fabs((double)b[i]) > *bmax) *bmax = fabs((double)b[i]);
    }
    return m;
}

static dg_config ri_config(dg_method m, dg_real tau, int samples, uint64_t seed)
{
    dg_config c;
    memset(&c, 0, sizeof c);
    c.method = m;
    c.tau = tau;
    c.samples = samples;
    c.seed = seed;
    return c;
}

/* The shapes the exact checks run on: (kind, D, K). */
static const struct { dg_kind kind; int D, K; } ri_shapes[] = {
    {DG_BERNOULLI, 1, 0}, {DG_BERNOULLI, 2, 0}, {DG_BERNOULLI, 4, 0}, {DG_CATEGORICAL, 1, 3},
    {DG_CATEGORICAL, 1, 5}, {DG_CATEGORICAL, 2, 3}, {DG_CATEGORICAL, 3, 2}, {DG_CATEGORICAL, 2, 4}};
#define RI_NSHAPES ((int)(sizeof ri_shapes / sizeof ri_shapes[0]))

/* ------------------------------------------------------------------------------------------- */
/* ReinMax at tau = 1: for every f quadratic in z its mean over b is the exact gradient, to
   rounding, for both kinds and several D, K. */
static void reinmax_quadratic_mean_is_exact(void)
{
    static ri_enum en;
    int si;
    for (si = 0; si < RI_NSHAPES; ++si) {
        dg_problem p = ri_problem(ri_shapes[si].kind, ri_shapes[si].D, ri_shapes[si].K, 0);
        dg_config c = ri_config(DG_REINMAX, 0, 1, 10 + (uint64_t)si);
        dg_real exact[24];
        double diff, emax;
        int n = p.kind == DG_BERNOULLI ? p.D : p.D * p.K;
        ri_enumerate(&c, &p, &en);
        CHECK_INT(dg_exact(&p, exact, NULL), DG_OK);
        CHECK(en.nconf > 0 && en.seen == en.nconf && en.mismatch == 0);
        diff = ri_maxdiff(en.mean, exact, n, &emax);
        printf("  ReinMax tau 1, quadratic f, %s D %d K %d: max |mean - exact| %.2g (max |exact| %.3g)\n",
               p.kind == DG_BERNOULLI ? "Bernoulli" : "categorical", p.D, p.K, diff, emax);
        CHECK(emax > 0.05);
        CHECK(diff <= DGT_TOL(1e-12, 2e-5) * (1 + emax));
    }
}

/* ... where straight-through's mean is not: the first-order rule J(pi)^T g (exactly, by the same
   enumeration of b, in the test) and the header's straight-through Gumbel-softmax at tau = 1
   (Monte Carlo, many standard errors off) both miss the gradient of the same objectives. */
static void reinmax_straight_through_is_not_exact(void)
{
    static dg_estimator e;
    static dg_stats st;
    int si;
    for (si = 0; si < RI_NSHAPES; ++si) {
        dg_problem p = ri_problem(ri_shapes[si].kind, ri_shapes[si].D, ri_shapes[si].K, 0);
        dg_config c = ri_config(DG_STRAIGHT_THROUGH, 1, 1, 30 + (uint64_t)si);
        dg_real exact[24], g[24], dz[24], z[24];
        double first[24] = {0}, diff, emax, zmax = 0;
        int n = p.kind == DG_BERNOULLI ? p.D : p.D * p.K, K = p.kind == DG_BERNOULLI ? 2 : p.K;
        int idx, i, d, k, nconf;
        long t;
        CHECK_INT(dg_exact(&p, exact, NULL), DG_OK);
        /* J(pi)^T grad f(b), weighed by q(b) over every b */
        for (nconf = 1, d = 0; d < p.D; ++d) nconf *= K;
        for (idx = 0; idx < nconf; ++idx) {
            int rest = idx;
            double q = ri_q(&p, idx);
            for (d = 0; d < p.D; ++d, rest /= K) {
                if (p.kind == DG_BERNOULLI) z[d] = (dg_real)(rest % K);
                else for (k = 0; k < K; ++k) z[d * K + k] = (dg_real)(k == rest % K);
            }
            p.f_grad(z, dz, p.user);
            for (d = 0; d < p.D; ++d) {
                if (p.kind == DG_BERNOULLI) {
                    double s = dgt_sigmoid((double)p.logits[d]);
                    first[d] += q * s * (1 - s) * dz[d];
                } else {
                    double pi[8], dot = 0, mx = -1e300, sum = 0;
                    for (k = 0; k < K; ++k) if (p.logits[d * K + k] > mx) mx = p.logits[d * K + k];
                    for (k = 0; k < K; ++k) sum += (pi[k] = exp(p.logits[d * K + k] - mx));
                    for (k = 0; k < K; ++k) dot += (pi[k] /= sum) * dz[d * K + k];
                    for (k = 0; k < K; ++k) first[d * K + k] += q * pi[k] * (dz[d * K + k] - dot);
                }
            }
        }
        diff = ri_maxdiff(first, exact, n, &emax);
        CHECK(diff > 0.02 * emax);
        /* the header's straight-through */
        CHECK_INT(dgt_init(&e, &c), DG_OK);
        dg_stats_init(&st, n);
        for (t = 0; t < 40000; ++t) {
            CHECK_INT(dg_estimate(&e, &p, g, NULL), DG_OK);
            dg_stats_push(&st, g);
        }
        for (i = 0; i < n; ++i) {
            double zi = fabs(dg_stats_mean(&st, i) - exact[i]) / dg_stats_sem(&st, i);
            if (zi > zmax) zmax = zi;
        }
        printf("  straight-through, quadratic f, %s D %d K %d: first-order rule off by %.3g (max |exact| "
               "%.3g); ST Gumbel-softmax %.0f se off\n", p.kind == DG_BERNOULLI ? "Bernoulli" : "categorical",
               p.D, p.K, diff, emax, zmax);
        CHECK(zmax > 8);
    }
}

/* ReinMax is biased off its defining case: for a cubic objective at tau = 1, and for the
   quadratic one at tau = 2, its exact mean misses the gradient by more than 2% of its size. */
static void reinmax_biased_off_quadratic_or_tau_1(void)
{
    static ri_enum en;
    int si, which;
    for (which = 0; which < 2; ++which)
        for (si = 0; si < RI_NSHAPES; ++si) {
            dg_problem p = ri_problem(ri_shapes[si].kind, ri_shapes[si].D, ri_shapes[si].K, which == 0);
            dg_config c = ri_config(DG_REINMAX, which == 0 ? 1 : 2, 1, 50 + (uint64_t)si);
            dg_real exact[24];
            double diff, emax;
            int n = p.kind == DG_BERNOULLI ? p.D : p.D * p.K;
            ri_enumerate(&c, &p, &en);
            CHECK_INT(dg_exact(&p, exact, NULL), DG_OK);
            CHECK(en.nconf > 0 && en.seen == en.nconf && en.mismatch == 0);
            diff = ri_maxdiff(en.mean, exact, n, &emax);
            printf("  ReinMax %s, %s D %d K %d: max |mean - exact| %.3g of max |exact| %.3g\n",
                   which == 0 ? "tau 1, cubic f    " : "tau 2, quadratic f",
                   p.kind == DG_BERNOULLI ? "Bernoulli" : "categorical", p.D, p.K, diff, emax);
            CHECK(diff > 0.02 * emax);
        }
}

/* The Bernoulli form is the 2-class softmax over (0, phi): a Bernoulli problem and the
   categorical problem with rows (0, phi_d) and the same f of z_{d,1} give, sample by sample,
   estimates whose class-1 entries are the Bernoulli estimate (and whose rows sum to 0), at
   tau = 1 and off it, for a cubic f (no property of f is used). */
static dg_real ri_bern_of_rows(const dg_real *z, dg_real *dz, void *user)
{
    int D = *(const int *)user, d;
    dg_real b[8] = {0}, g[8] = {0}, f;
    for (d = 0; d < D; ++d) b[d] = z[2 * d + 1];
    f = ri_cubic_grad(b, g, &ri_nvals[D]);
    if (dz)
        for (d = 0; d < D; ++d) { dz[2 * d] = 0; dz[2 * d + 1] = g[d]; }
    return f;
}
static dg_real ri_bern_of_rows_f(const dg_real *z, void *user) { return ri_bern_of_rows(z, NULL, user); }

static void reinmax_bernoulli_is_two_class_softmax(void)
{
    static ri_enum eb, ec;
    static int D = 3;
    int tau_i;
    for (tau_i = 0; tau_i < 2; ++tau_i) {
        dg_problem pb = ri_problem(DG_BERNOULLI, D, 0, 1), pc;
        dg_real rows[6];
        dg_config c = ri_config(DG_REINMAX, tau_i ? (dg_real)2.5 : 1, 1, 70);
        int idx, d, worst = 0;
        double err = 0, scale = 0;
        for (d = 0; d < D; ++d) { rows[2 * d] = 0; rows[2 * d + 1] = pb.logits[d]; }
        pc = dgt_problem(DG_CATEGORICAL, D, 2, rows, ri_bern_of_rows_f, ri_bern_of_rows, &D);
        ri_enumerate(&c, &pb, &eb);
        ri_enumerate(&c, &pc, &ec);
        CHECK(eb.seen == 8 && ec.seen == 8 && eb.mismatch == 0 && ec.mismatch == 0);
        for (idx = 0; idx < 8; ++idx)
            for (d = 0; d < D; ++d) {
                double e = fabs(ec.est[idx][2 * d + 1] - eb.est[idx][d]);
                if (e > err) { err = e; worst = idx; }
                if (fabs(eb.est[idx][d]) > scale) scale = fabs(eb.est[idx][d]);
                CHECK(fabs(ec.est[idx][2 * d] + ec.est[idx][2 * d + 1]) <= DGT_TOL(1e-13, 1e-5) * (1 + scale));
            }
        CHECK(scale > 0.05);
        if (!(err <= DGT_TOL(1e-13, 1e-5) * (1 + scale))) {
            char buf[160];
            snprintf(buf, sizeof buf, "tau %g: configuration %d, Bernoulli and 2-class estimates differ by %.3g",
                     (double)c.tau, worst, err);
            dgt_fail(__FILE__, __LINE__, buf);
        }
    }
}

/* Each sample's estimate is the documented formula, computed here in double from the logits,
   the sample and grad f there: 2 J(pbar)^T g - 1/2 J(pi)^T g with pbar = (softmax(phi / tau) +
   b)/2 (per bit: (2 pbar (1 - pbar) - 1/2 p (1 - p)) g), at tau = 1 and tau = 2.5. */
static void reinmax_estimate_is_the_formula(void)
{
    static ri_enum en;
    static const dg_real taus[2] = {1, (dg_real)2.5};
    int si, ti;
    for (ti = 0; ti < 2; ++ti)
        for (si = 0; si < RI_NSHAPES; ++si) {
            dg_problem p = ri_problem(ri_shapes[si].kind, ri_shapes[si].D, ri_shapes[si].K, 1);
            dg_config c = ri_config(DG_REINMAX, taus[ti], 1, 60 + (uint64_t)si);
            int n = p.kind == DG_BERNOULLI ? p.D : p.D * p.K, K = p.kind == DG_BERNOULLI ? 2 : p.K;
            int idx, d, k, i;
            double tau = (double)taus[ti], worst = 0, scale = 0;
            ri_enumerate(&c, &p, &en);
            CHECK(en.nconf > 0 && en.seen == en.nconf && en.mismatch == 0);
            for (idx = 0; idx < en.nconf; ++idx) {
                dg_real z[24], dz[24];
                double want[24];
                int rest = idx;
                for (d = 0; d < p.D; ++d, rest /= K) {
                    if (p.kind == DG_BERNOULLI) z[d] = (dg_real)(rest % K);
                    else for (k = 0; k < K; ++k) z[d * K + k] = (dg_real)(k == rest % K);
                }
                p.f_grad(z, dz, p.user);
                for (d = 0; d < p.D; ++d) {
                    if (p.kind == DG_BERNOULLI) {
                        double pr = dgt_sigmoid((double)p.logits[d]), pt = dgt_sigmoid((double)p.logits[d] / tau);
                        double pb = (pt + (double)z[d]) / 2;
                        want[d] = (2 * pb * (1 - pb) - 0.5 * pr * (1 - pr)) * (double)dz[d];
                    } else {
                        double pi[8], pt[8], pb[8], si_ = 0, st_ = 0, dpi = 0, dpb = 0;
                        for (k = 0; k < K; ++k) {
                            si_ += (pi[k] = exp((double)p.logits[d * K + k]));
                            st_ += (pt[k] = exp((double)p.logits[d * K + k] / tau));
                        }
                        for (k = 0; k < K; ++k) {
                            pi[k] /= si_;
                            pb[k] = (pt[k] / st_ + (double)z[d * K + k]) / 2;
                            dpi += pi[k] * dz[d * K + k];
                            dpb += pb[k] * dz[d * K + k];
                        }
                        for (k = 0; k < K; ++k)
                            want[d * K + k] = 2 * pb[k] * (dz[d * K + k] - dpb) - 0.5 * pi[k] * (dz[d * K + k] - dpi);
                    }
                }
                for (i = 0; i < n; ++i) {
                    if (fabs(en.est[idx][i] - want[i]) > worst) worst = fabs(en.est[idx][i] - want[i]);
                    if (fabs(want[i]) > scale) scale = fabs(want[i]);
                }
            }
            CHECK(scale > 0.05);
            if (!(worst <= DGT_TOL(1e-13, 2e-6) * (1 + scale))) {
                char buf[160];
                snprintf(buf, sizeof buf, "tau %g, %s D %d K %d: an estimate is %.3g off the formula",
                         tau, p.kind == DG_BERNOULLI ? "Bernoulli" : "categorical", p.D, p.K, worst);
                dgt_fail(__FILE__, __LINE__, buf);
            }
        }
}

/* Through dg_estimate (several samples per call): the Monte Carlo mean for a quadratic f at
   tau = 1 is within z-score bounds of the exact gradient, the bounds tight enough to see a 10%
   error; a call's info reports f at the samples, the calls and tau. */
static void reinmax_estimate_unbiased_quadratic(void)
{
    static dg_estimator e;
    int si;
    for (si = 0; si < RI_NSHAPES; si += 3) {
        dg_problem p = ri_problem(ri_shapes[si].kind, ri_shapes[si].D, ri_shapes[si].K, 0);
        dg_config c = ri_config(DG_REINMAX, 0, 4, 90 + (uint64_t)si);
        dg_real g[24];
        dg_info info;
        CHECK_INT(DGT_CHECK_UNBIASED(&c, &p, 40000, 4.0), 0);
        CHECK_INT(dgt_init(&e, &c), DG_OK);
        CHECK(e.cfg.tau == 1); /* the default */
        CHECK_INT(dg_estimate(&e, &p, g, &info), DG_OK);
        CHECK_INT(info.grad_evals, 4);
        CHECK_INT(info.f_evals, 0);
        CHECK(info.tau == 1);
        CHECK(info.f_mean - info.f_mean == 0);
    }
}

/* ------------------------------------------------------------------------------------------- */
/* IndeCateR's exact mean is dg_exact's gradient, to rounding, for objectives that couple the
   variables (quadratic and cubic), both kinds, several D and K. */
static void indecater_mean_is_exact(void)
{
    static ri_enum en;
    int si, cubic;
    for (cubic = 0; cubic < 2; ++cubic)
        for (si = 0; si < RI_NSHAPES; ++si) {
            dg_problem p = ri_problem(ri_shapes[si].kind, ri_shapes[si].D, ri_shapes[si].K, cubic);
            dg_config c = ri_config(DG_INDECATER, 0, 1, 110 + (uint64_t)si);
            dg_real exact[24];
            double diff, emax, vmax = 0;
            int n = p.kind == DG_BERNOULLI ? p.D : p.D * p.K, i;
            p.f_grad = NULL; /* not needed */
            ri_enumerate(&c, &p, &en);
            CHECK_INT(dg_exact(&p, exact, NULL), DG_OK);
            CHECK(en.nconf > 0 && en.seen == en.nconf && en.mismatch == 0);
            diff = ri_maxdiff(en.mean, exact, n, &emax);
            for (i = 0; i < n; ++i) if (en.var[i] > vmax) vmax = en.var[i];
            printf("  IndeCateR, %s f, %s D %d K %d: max |mean - exact| %.2g (max |exact| %.3g), "
                   "largest variance %.3g\n", cubic ? "cubic" : "quadratic",
                   p.kind == DG_BERNOULLI ? "Bernoulli" : "categorical", p.D, p.K, diff, emax, vmax);
            CHECK(emax > 0.05);
            CHECK(diff <= DGT_TOL(1e-12, 2e-5) * (1 + emax));
            /* one variable: nothing is left to sample, every draw gives the gradient */
            if (p.D == 1) CHECK(vmax <= DGT_TOL(1e-26, 1e-9) * (1 + emax * emax));
            if (p.D > 1) CHECK(vmax > 1e-4); /* coupled variables: not degenerate */
        }
}

/* Variance 0 when f is a sum of functions of one variable each: every draw's estimate is the
   gradient, for both kinds, through the enumeration and through dg_estimate. */
static void indecater_additive_zero_variance(void)
{
    static ri_enum en;
    static dg_stats st;
    static dg_estimator e;
    int si;
    for (si = 0; si < RI_NSHAPES; ++si) {
        dg_problem p = ri_problem(ri_shapes[si].kind, ri_shapes[si].D, ri_shapes[si].K, 0);
        dg_config c = ri_config(DG_INDECATER, 0, 1, 130 + (uint64_t)si);
        dg_real exact[24], g[24];
        int n = p.kind == DG_BERNOULLI ? p.D : p.D * p.K, i, shape[2];
        double diff, emax, vmax = 0;
        long t;
        shape[0] = p.kind == DG_BERNOULLI ? 1 : p.K;
        shape[1] = n;
        p.f = ri_additive;
        p.f_grad = NULL;
        p.user = shape;
        ri_enumerate(&c, &p, &en);
        CHECK_INT(dg_exact(&p, exact, NULL), DG_OK);
        CHECK(en.seen == en.nconf && en.mismatch == 0);
        diff = ri_maxdiff(en.mean, exact, n, &emax);
        for (i = 0; i < n; ++i) if (en.var[i] > vmax) vmax = en.var[i];
        CHECK(emax > 0.01);
        CHECK(diff <= DGT_TOL(1e-12, 2e-5) * (1 + emax));
        CHECK(vmax <= DGT_TOL(1e-26, 1e-9) * (1 + emax * emax));
        CHECK_INT(dgt_init(&e, &c), DG_OK);
        dg_stats_init(&st, n);
        for (t = 0; t < 200; ++t) {
            CHECK_INT(dg_estimate(&e, &p, g, NULL), DG_OK);
            dg_stats_push(&st, g);
        }
        for (i = 0; i < n; ++i) CHECK(dg_stats_var(&st, i) <= DGT_TOL(1e-26, 1e-9) * (1 + emax * emax));
    }
}

/* Monte Carlo through dg_estimate, several samples per call, on the shared objectives: within
   z-score bounds that see a 10% error. */
static void indecater_estimate_unbiased(void)
{
    static int D4 = 4;
    dg_real lb[3] = {(dg_real)0.3, (dg_real)-1.2, (dg_real)2.0}, lb4[4] = {(dg_real)0.5, (dg_real)-0.7, 0, (dg_real)1.1};
    dg_real lc[6] = {(dg_real)0.2, (dg_real)-0.5, (dg_real)1.0, (dg_real)1.5, 0, (dg_real)-2.0};
    dg_real lc34[12];
    dg_problem p;
    dg_config c = ri_config(DG_INDECATER, 0, 3, 150);
    int i;
    for (i = 0; i < 12; ++i) lc34[i] = (dg_real)(0.6 * cos(1.3 * i) - 0.2);
    p = dgt_problem(DG_BERNOULLI, 3, 0, lb, dgt_f_bern3, NULL, NULL);
    CHECK_INT(DGT_CHECK_UNBIASED(&c, &p, 20000, 4.0), 0);
    p = dgt_problem(DG_BERNOULLI, 4, 0, lb4, dgt_f_bern_exp, NULL, &D4);
    CHECK_INT(DGT_CHECK_UNBIASED(&c, &p, 20000, 4.0), 0);
    p = dgt_problem(DG_CATEGORICAL, 2, 3, lc, dgt_f_cat23, NULL, NULL);
    CHECK_INT(DGT_CHECK_UNBIASED(&c, &p, 20000, 4.0), 0);
    p = dgt_problem(DG_CATEGORICAL, 3, 4, lc34, dgt_f_cat34, NULL, NULL);
    CHECK_INT(DGT_CHECK_UNBIASED(&c, &p, 20000, 4.0), 0);
}

/* A draw's points: per sample x, then for d = 0 .. D-1 the classes k != x_d in increasing order
   (Bernoulli: bit d flipped), each differing from x in variable d only; every point needs its
   value and no gradient; dg_estimate's info counts 1 + D (K - 1) calls per sample and reports
   the mean of f at the samples x. */
static void indecater_points_and_counts(void)
{
    static dg_estimator e;
    static dg_real dmem[RI_DMEM];
    int kind;
    for (kind = DG_BERNOULLI; kind <= DG_CATEGORICAL; ++kind) {
        dg_problem p = ri_problem((dg_kind)kind, 3, 4, 1);
        dg_config c = ri_config(DG_INDECATER, 0, 2, 170);
        int n = kind == DG_BERNOULLI ? 3 : 12, K = kind == DG_BERNOULLI ? 2 : 4, per = 1 + 3 * (K - 1);
        int s, d, k, j, i, ok = 1;
        dg_draw dr;
        dg_info info;
        dg_real g[24], fx = 0;
        p.f_grad = NULL;
        CHECK_INT(dgt_init(&e, &c), DG_OK);
        CHECK_INT(dg_ask(&e, &p, &dr, dmem, RI_DMEM), DG_OK);
        CHECK_INT(dr.per_example, 2 * per);
        CHECK_INT(dr.needs_grad, 0);
        CHECK(dg_draw_reals(&e, &p) <= DG_DRAW_REALS(DG_INDECATER, n, kind == DG_BERNOULLI ? 1 : K, 2, 1));
        for (s = 0; s < 2; ++s) {
            const dg_real *x = dr.points + (size_t)s * per * n;
            int cls[3];
            for (d = 0; d < 3; ++d) {
                if (kind == DG_BERNOULLI) cls[d] = x[d] > (dg_real)0.5;
                else for (cls[d] = 0; !(x[d * K + cls[d]] > (dg_real)0.5); ++cls[d]) {}
            }
            fx += p.f(x, p.user) / 2;
            for (j = 0; j < per; ++j) ok &= dg_point_needs(&dr, 0, s * per + j) == DG_NEED_VALUE;
            for (j = 1, d = 0; d < 3; ++d)
                for (k = 0; k < K; ++k) {
                    const dg_real *z = dr.points + (size_t)(s * per + j) * n;
                    if (k == cls[d]) continue;
                    for (i = 0; i < n; ++i) { /* z is x with variable d at class k */
                        int var = kind == DG_BERNOULLI ? i : i / K;
                        dg_real want = var != d ? x[i] : kind == DG_BERNOULLI ? (dg_real)k : (dg_real)(i % K == k);
                        ok &= z[i] == want;
                    }
                    ++j;
                }
        }
        CHECK(ok);
        CHECK_INT(dgt_init(&e, &c), DG_OK);
        CHECK_INT(dg_estimate(&e, &p, g, &info), DG_OK);
        CHECK_INT(info.f_evals, 2 * per);
        CHECK_INT(info.grad_evals, 0);
        CHECK_NEAR(info.f_mean, fx, DGT_TOL(1e-12, 1e-4)); /* the same first draw */
    }
}

/* The one-bit toy f(b) = (b - t)^2 (docs/math.md, "Closed forms on the one-bit toy"): the exact
   mean and variance of one estimate against the closed forms. ReinMax at tau = 1 (f is
   quadratic): mean g = (1 - 2t) p (1 - p), variance p (1 - p) [(1 - p)(1 - t)^2 + p t^2] - g^2;
   IndeCateR: mean g, variance 0. */
static double ri_toy_t;
static dg_real ri_toy(const dg_real *z, void *user) { (void)user; return (dg_real)(((double)z[0] - ri_toy_t) * ((double)z[0] - ri_toy_t)); }
static dg_real ri_toy_grad(const dg_real *z, dg_real *dz, void *user)
{
    dz[0] = (dg_real)(2 * ((double)z[0] - ri_toy_t));
    return ri_toy(z, user);
}

static void reinmax_indecater_toy_closed_forms(void)
{
    static ri_enum en;
    static const double ts[2] = {0.45, 0.499}, phis[3] = {0, -1.0986122886681098, 1.7};
    int ti, pi_, m;
    for (ti = 0; ti < 2; ++ti)
        for (pi_ = 0; pi_ < 3; ++pi_)
            for (m = 0; m < 2; ++m) {
                dg_real phi = (dg_real)phis[pi_];
                dg_problem p = dgt_problem(DG_BERNOULLI, 1, 0, &phi, ri_toy, ri_toy_grad, NULL);
                dg_config c = ri_config(m ? DG_INDECATER : DG_REINMAX, 0, 1, 190);
                double t = ts[ti], q = dgt_sigmoid((double)phi), g = (1 - 2 * t) * q * (1 - q);
                double var = m ? 0 : q * (1 - q) * ((1 - q) * (1 - t) * (1 - t) + q * t * t) - g * g;
                ri_toy_t = t;
                ri_enumerate(&c, &p, &en);
                CHECK(en.seen == 2 && en.mismatch == 0);
                CHECK_NEAR(en.mean[0], g, DGT_TOL(1e-14, 2e-7));
                CHECK_NEAR(en.var[0], var, DGT_TOL(1e-14, 2e-7));
            }
}

/* IndeCateR's limit: at most 2^22 points per example and call (samples * (1 + D (K - 1))); one
   more is DG_ECAPACITY from dg_estimate and dg_ask, and dg_draw_reals says 0, before a logit is
   read; at the limit the draw's size is counted (64-bit size_t). */
static void indecater_points_capacity(void)
{
    static dg_estimator e;
    static dg_real lg[5000];
    dg_problem p = dgt_problem(DG_BERNOULLI, 5000, 0, lg, ri_quad, NULL, &ri_nvals[1]);
    dg_config c = ri_config(DG_INDECATER, 0, 839, 200); /* 839 * 5001 = 4195839 > 2^22 */
    dg_real g[4] = {-7, -7, -7, -7}, dm[8];
    dg_draw d;
    CHECK(839L * 5001 > (1L << 22) && 838L * 5001 <= (1L << 22));
    CHECK_INT(dgt_init_for(&e, &c, DG_BERNOULLI, 5000, 0), DG_OK);
    CHECK(dg_estimator_reals(&c, &p) > 0);
    CHECK_INT(dg_estimate(&e, &p, g, NULL), DG_ECAPACITY);
    CHECK(g[0] == -7);
    CHECK(dg_draw_reals(&e, &p) == 0);
    CHECK_INT(dg_ask(&e, &p, &d, dm, 8), DG_ECAPACITY);
    c.samples = 838;
    CHECK_INT(dgt_init_for(&e, &c, DG_BERNOULLI, 5000, 0), DG_OK);
    if (sizeof(size_t) >= 8) CHECK(dg_draw_reals(&e, &p) == (size_t)838 * 5001 * 5000 + 2 * 5000);
    CHECK_INT(dg_ask(&e, &p, &d, dm, 8), DG_ECAPACITY); /* too little memory, of course */
}

static void register_reinmax_indecater(void)
{
    DGT_ADD(indecater_points_capacity);
    DGT_ADD(reinmax_indecater_toy_closed_forms);
    DGT_ADD(reinmax_quadratic_mean_is_exact);
    DGT_ADD(reinmax_straight_through_is_not_exact);
    DGT_ADD(reinmax_biased_off_quadratic_or_tau_1);
    DGT_ADD(reinmax_bernoulli_is_two_class_softmax);
    DGT_ADD(reinmax_estimate_is_the_formula);
    DGT_ADD(reinmax_estimate_unbiased_quadratic);
    DGT_ADD(indecater_mean_is_exact);
    DGT_ADD(indecater_additive_zero_variance);
    DGT_ADD(indecater_estimate_unbiased);
    DGT_ADD(indecater_points_and_counts);
}
