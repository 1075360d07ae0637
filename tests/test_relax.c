/* Tests of the relaxations: Gumbel-softmax / binary Concrete, straight-through, Gumbel-Rao.
   They are biased for E_q f, so they are checked against what they do estimate: the pathwise
   derivative at a fixed draw (central finite differences), and the mean of that derivative over
   the noise (quadrature). */
#include "common.h"

/* ---- objectives, written in double so finite differences stay accurate in the float build ---- */

/* One Bernoulli: f(z) = (z - 0.45)^2 + 0.8 sin(2z). */
static double rx_fb1(const double *z, double *dz)
{
    dz[0] = 2 * (z[0] - 0.45) + 1.6 * cos(2 * z[0]);
    return (z[0] - 0.45) * (z[0] - 0.45) + 0.8 * sin(2 * z[0]);
}
/* One Bernoulli: f(b) = (b - 0.45)^2, the closed-form case of docs/math.md. */
static double rx_fsq(const double *z, double *dz)
{
    dz[0] = 2 * (z[0] - 0.45);
    return (z[0] - 0.45) * (z[0] - 0.45);
}
/* One categorical variable, K = 3: f(z) = exp(0.5 (z0 - 0.8 z1 + 1.5 z2)) + z0 z2 + (z1 - 0.3)^2. */
static double rx_fc13(const double *z, double *dz)
{
    double e = exp(0.5 * (z[0] - 0.8 * z[1] + 1.5 * z[2]));
    dz[0] = 0.5 * e + z[2];
    dz[1] = -0.4 * e + 2 * (z[1] - 0.3);
    dz[2] = 0.75 * e + z[0];
    return e + z[0] * z[2] + (z[1] - 0.3) * (z[1] - 0.3);
}
/* Linear objectives for the bias-against-tau test: w . z. */
static const double rx_w[6] = {1.0, -2.0, 0.5, 1.5, -0.7, 0.3};
static double rx_flin3(const double *z, double *dz)
{
    int i;
    double s = 0;
    for (i = 0; i < 3; ++i) { dz[i] = rx_w[i]; s += rx_w[i] * z[i]; }
    return s;
}
static double rx_flin2(const double *z, double *dz)
{
    dz[0] = rx_w[0];
    dz[1] = rx_w[1];
    return rx_w[0] * z[0] + rx_w[1] * z[1];
}
static double rx_flin6(const double *z, double *dz)
{
    int i;
    double s = 0;
    for (i = 0; i < 6; ++i) { dz[i] = rx_w[i]; s += rx_w[i] * z[i]; }
    return s;
}

/* What the callbacks see: the objective, and a record of the points f_grad was called at. */
typedef struct rx_user {
    double (*fn)(const double *z, double *dz);
    int D, K;                   /* K = 1 for Bernoulli */
    int record;                 /* count the cell of every point f_grad is called at */
    long cells[64];             /* joint configuration counts (bits, or class per row) */
    long calls, off_vertex;     /* f_grad calls; calls at a point that is not a vertex */
    long nan_at;                /* f_grad returns NaN on this call number (1-based; 0: never) */
    int nan_in_dz;              /* ... and puts it into dz instead of the value */
} rx_user;

static int rx_n(const rx_user *u) { return u->D * u->K; }

static dg_real rx_f(const dg_real *z, void *user)
{
    const rx_user *u = (const rx_user *)user;
    double zd[64] = {0}, dz[64] = {0};
    int i;
    for (i = 0; i < rx_n(u); ++i) zd[i] = (double)z[i];
    return (dg_real)u->fn(zd, dz);
}

static dg_real rx_grad(const dg_real *z, dg_real *dz, void *user)
{
    rx_user *u = (rx_user *)user;
    double zd[64] = {0}, dzd[64] = {0}, v;
    int i, d, k, n = rx_n(u);
    long cell = 0, scale = 1;
    for (i = 0; i < n; ++i) zd[i] = (double)z[i];
    v = u->fn(zd, dzd);
    for (i = 0; i < n; ++i) dz[i] = (dg_real)dzd[i];
    u->calls++;
    if (u->record) {
        for (d = 0; d < u->D; ++d) {
            int cls = -1, ones = 0;
            for (k = 0; k < u->K; ++k) {
                double x = zd[d * u->K + k];
                if (x != 0 && x != 1) u->off_vertex++;
                if (x == 1) { ones++; cls = k; }
            }
            if (u->K == 1) cls = zd[d] == 1; else if (ones != 1) u->off_vertex++;
            cell += (cls < 0 ? 0 : cls) * scale;
            scale *= u->K == 1 ? 2 : u->K;
        }
        if (cell < 64) u->cells[cell]++;
    }
    if (u->nan_at && u->calls == u->nan_at) {
        if (u->nan_in_dz) dz[n - 1] = (dg_real)NAN; else v = NAN;
    }
    return (dg_real)v;
}

static rx_user rx_make(double (*fn)(const double *, double *), int D, int K)
{
    rx_user u;
    memset(&u, 0, sizeof u);
    u.fn = fn;
    u.D = D;
    u.K = K;
    return u;
}

static dg_problem rx_problem(rx_user *u, const dg_real *logits)
{
    return dgt_problem(u->K == 1 ? DG_BERNOULLI : DG_CATEGORICAL, u->D, u->K == 1 ? 0 : u->K,
                       logits, rx_f, rx_grad, u);
}

static dg_config rx_config(dg_method m, int samples, double tau, uint64_t seed)
{
    dg_config c;
    memset(&c, 0, sizeof c);
    c.method = m;
    c.samples = samples;
    c.tau = (dg_real)tau;
    c.seed = seed;
    return c;
}

/* ---- the relaxation in double, written independently of the header ---- */

static double rx_sigmoid(double x) { return x >= 0 ? 1 / (1 + exp(-x)) : exp(x) / (1 + exp(x)); }

/* soft(x): sigmoid(x/tau) per bit, or softmax(x/tau) per row of K. */
static void rx_soft(const double *x, int D, int K, double tau, double *y)
{
    int d, k;
    for (d = 0; d < D; ++d) {
        const double *r = x + d * K;
        double m, s = 0;
        if (K == 1) { y[d] = rx_sigmoid(x[d] / tau); continue; }
        m = r[0];
        for (k = 1; k < K; ++k) if (r[k] > m) m = r[k];
        for (k = 0; k < K; ++k) { y[d * K + k] = exp((r[k] - m) / tau); s += y[d * K + k]; }
        for (k = 0; k < K; ++k) y[d * K + k] /= s;
    }
}

/* H(x): bits 1[x > 0], or one-hot argmax rows. */
static void rx_hard(const double *x, int D, int K, double *h)
{
    int d, k;
    for (d = 0; d < D; ++d) {
        int best = 0;
        if (K == 1) { h[d] = x[d] > 0; continue; }
        for (k = 1; k < K; ++k) if (x[d * K + k] > x[d * K + best]) best = k;
        for (k = 0; k < K; ++k) h[d * K + k] = k == best;
    }
}

/* The surrogate whose derivative in phi each method's estimate is, at fixed draws:
   GUMBEL_SOFTMAX: mean_s f(soft(phi + shift_s));  STRAIGHT_THROUGH and GUMBEL_RAO:
   mean_s v_s . soft(phi + shift_s), with v_s = grad f at the discrete sample held fixed.
   shift_s is the noise (GS, ST) or x~_s - phi at the unperturbed phi (GR, the conditional draw
   given the sample; Paulus et al. differentiate softmax(phi + G) at G ~ (G | sample)). */
static double rx_surrogate(const rx_user *u, dg_method m, double tau, const double *phi,
                           const double *shift, const double *v, int S)
{
    double x[64], y[64], dz[64], total = 0;
    int s, i, n = rx_n(u);
    for (s = 0; s < S; ++s) {
        for (i = 0; i < n; ++i) x[i] = phi[i] + shift[s * n + i];
        rx_soft(x, u->D, u->K, tau, y);
        if (m == DG_GUMBEL_SOFTMAX) total += u->fn(y, dz);
        else for (i = 0; i < n; ++i) total += v[s * n + i] * y[i];
    }
    return total / S;
}

/* Draws the noise of a relaxation estimator from r in the layout of dg_relaxed_grad_at. */
static void rx_draw_noise(dg_rng *r, const rx_user *u, dg_method m, int S, dg_real *noise,
                          dg_real *cond)
{
    int i, n = rx_n(u), draws = m == DG_GUMBEL_RAO ? 1 : S;
    for (i = 0; i < draws * n; ++i) noise[i] = u->K == 1 ? dg_logistic(r) : dg_gumbel(r);
    if (m == DG_GUMBEL_RAO)
        for (i = 0; i < S * n; ++i) cond[i] = u->K == 1 ? dg_uniform(r) : dg_exponential(r);
}

/* The shifts and fixed gradients rx_surrogate needs for the draw (noise, cond) at phi; the
   conditional x~ comes from the public conditional samplers. */
static void rx_shifts(const rx_user *u, dg_method m, int S, const dg_real *logits,
                      const dg_real *noise, const dg_real *cond, double *shift, double *v)
{
    double x[64], h[64];
    dg_real xt[64];
    int s, i, d, n = rx_n(u);
    for (s = 0; s < S; ++s) {
        const dg_real *nz = noise + (m == DG_GUMBEL_RAO ? 0 : s * n);
        for (i = 0; i < n; ++i) x[i] = (double)logits[i] + (double)nz[i];
        rx_hard(x, u->D, u->K, h);
        u->fn(h, v + s * n);
        if (m != DG_GUMBEL_RAO) {
            for (i = 0; i < n; ++i) shift[s * n + i] = (double)nz[i];
            continue;
        }
        for (d = 0; d < u->D; ++d) {
            if (u->K == 1) {
                dg_logistic_given_bit_at(logits[d], h[d] > 0, cond[s * n + d], &xt[d], NULL);
            } else {
                int b = 0;
                while (h[d * u->K + b] == 0) ++b;
                dg_gumbel_given_argmax_at(logits + d * u->K, u->K, b, cond + s * n + d * u->K,
                                          xt + d * u->K);
            }
        }
        for (i = 0; i < n; ++i) shift[s * n + i] = (double)xt[i] - (double)logits[i];
    }
}

static void relax_pathwise_matches_finite_differences(void)
{
    static dg_estimator e;
    static const dg_method methods[3] = {DG_GUMBEL_SOFTMAX, DG_STRAIGHT_THROUGH, DG_GUMBEL_RAO};
    static const double taus[3] = {0.3, 1.0, 2.5};
    dg_real lb[3] = {0.3, -0.8, 1.1}, lc[6] = {0.2, -0.5, 0.9, 1.2, 0.1, -0.7};
    dg_real noise[4 * 8], cond[4 * 8], g[8];
    double phi[8], shift[4 * 8], v[4 * 8], fd, gmax;
    int kind, mi, ti, rep, i, S = 3, checked = 0, informative = 0;
    dg_rng r;
    dg_rng_seed(&r, 11, 0);
    for (kind = 0; kind < 2; ++kind) {
        rx_user u = kind == 0 ? rx_make(dgt_bern3_d, 3, 1) : rx_make(dgt_cat23_d, 2, 3);
        const dg_real *logits = kind == 0 ? lb : lc;
        dg_problem p = rx_problem(&u, logits);
        int n = rx_n(&u);
        for (i = 0; i < n; ++i) phi[i] = (double)logits[i];
        for (mi = 0; mi < 3; ++mi)
            for (ti = 0; ti < 3; ++ti)
                for (rep = 0; rep < 4; ++rep) {
                    dg_config c = rx_config(methods[mi], S, taus[ti], 1);
                    dg_info info;
                    CHECK_INT(dgt_init(&e, &c), DG_OK);
                    rx_draw_noise(&r, &u, methods[mi], S, noise, cond);
                    u.calls = 0;
                    CHECK_INT(dg_relaxed_grad_at(&e, &p, noise, cond, g, &info), DG_OK);
                    CHECK_INT(info.grad_evals, methods[mi] == DG_GUMBEL_RAO ? 1 : S);
                    CHECK_INT(info.f_evals, 0);
                    CHECK_INT(u.calls, info.grad_evals);
                    CHECK_NEAR(info.tau, taus[ti], 1e-6);
                    rx_shifts(&u, methods[mi], S, logits, noise, cond, shift, v);
                    gmax = 0;
                    for (i = 0; i < n; ++i) if (fabs((double)g[i]) > gmax) gmax = fabs((double)g[i]);
                    informative += gmax > 1e-2;
                    for (i = 0; i < n; ++i) {
                        /* central differences, fourth order: error ~ h^4 / tau^5, ~1e-11 here */
                        double h = 1e-3, f[4], off[4] = {2, 1, -1, -2};
                        int j;
                        for (j = 0; j < 4; ++j) {
                            double keep = phi[i];
                            phi[i] += off[j] * h;
                            f[j] = rx_surrogate(&u, methods[mi], taus[ti], phi, shift, v, S);
                            phi[i] = keep;
                        }
                        fd = (8 * (f[1] - f[2]) - (f[0] - f[3])) / (12 * h);
                        CHECK_REL(g[i], fd, DGT_TOL(1e-6, 2e-3), fmax(1e-2 * gmax, 1e-4));
                        checked++;
                    }
                }
    }
    CHECK_INT(checked, (3 + 6) * 3 * 3 * 4); /* coordinates x methods x taus x draws */
    CHECK(2 * informative > 2 * 3 * 3 * 4); /* most draws have a gradient worth checking */
}

/* dg_estimate draws exactly the noise dg_relaxed_grad_at documents and computes the same thing;
   dg_relaxed_grad_at leaves the rng and step count alone. */
static void relax_estimate_equals_grad_at_same_noise(void)
{
    static dg_estimator e, e2;
    static const dg_method methods[3] = {DG_GUMBEL_SOFTMAX, DG_STRAIGHT_THROUGH, DG_GUMBEL_RAO};
    dg_real lb[3] = {0.3, -0.8, 1.1}, lc[6] = {0.2, -0.5, 0.9, 1.2, 0.1, -0.7};
    dg_real noise[5 * 8], cond[5 * 8], g1[8], g2[8];
    int kind, mi, call;
    for (kind = 0; kind < 2; ++kind) {
        rx_user u = kind == 0 ? rx_make(dgt_bern3_d, 3, 1) : rx_make(dgt_cat23_d, 2, 3);
        dg_problem p = rx_problem(&u, kind == 0 ? lb : lc);
        for (mi = 0; mi < 3; ++mi) {
            dg_config c = rx_config(methods[mi], 5, 0.6, 77);
            dg_rng r;
            dg_info i1, i2;
            dgt_init(&e, &c);
            dgt_init(&e2, &c);
            dg_rng_seed(&r, 77, 0);
            for (call = 0; call < 3; ++call) { /* the rng carries over between calls */
                dg_rng before = e2.rng;
                long steps = e2.steps;
                CHECK_INT(dg_estimate(&e, &p, g1, &i1), DG_OK);
                rx_draw_noise(&r, &u, methods[mi], 5, noise, cond);
                CHECK_INT(dg_relaxed_grad_at(&e2, &p, noise, cond, g2, &i2), DG_OK);
                CHECK(memcmp(g1, g2, sizeof(dg_real) * (size_t)rx_n(&u)) == 0);
                CHECK(i1.f_mean == i2.f_mean);
                CHECK_INT(i1.grad_evals, i2.grad_evals);
                CHECK(memcmp(&before, &e2.rng, sizeof before) == 0);
                CHECK_INT(e2.steps, steps);
                CHECK(memcmp(&r, &e.rng, sizeof r) == 0);
            }
        }
    }
}

/* f_grad that records the point it was called at (user: 6 values) and returns 0, dz = 0. */
static dg_real rx_record_grad(const dg_real *z, dg_real *dz, void *user)
{
    int i;
    for (i = 0; i < 6; ++i) { ((dg_real *)user)[i] = z[i]; dz[i] = 0; }
    return 0;
}
static dg_real rx_zero_f(const dg_real *z, void *user) { (void)z; (void)user; return 0; }

/* Straight-through's one-hot sample picks the lowest index among tied maxima of x, the
   argmax rule of the whole header (the fast path compares every value with the row maximum and
   must fall back on a tie). */
static void relax_straight_through_ties_pick_lowest_index(void)
{
    static dg_estimator e;
    static const dg_real noise[6] = {1, 1, 0, 0, 2.5, 2.5}, want[6] = {1, 0, 0, 0, 1, 0};
    static const dg_real three[6] = {0.5, 0.5, 0.5, -1, 3, -1}, want3[6] = {1, 0, 0, 0, 1, 0};
    dg_real logits[6] = {0, 0, 0, 0, 0, 0}, seen[6], g[6];
    dg_config c;
    dg_problem p;
    int i;
    memset(&c, 0, sizeof c);
    memset(&p, 0, sizeof p);
    c.method = DG_STRAIGHT_THROUGH;
    c.seed = 5;
    p.kind = DG_CATEGORICAL;
    p.D = 2;
    p.K = 3;
    p.logits = logits;
    p.f = rx_zero_f;
    p.f_grad = rx_record_grad;
    p.user = seen;
    CHECK_INT(dgt_init(&e, &c), DG_OK);
    CHECK_INT(dg_relaxed_grad_at(&e, &p, noise, NULL, g, NULL), DG_OK);
    for (i = 0; i < 6; ++i) CHECK(seen[i] == want[i]);
    CHECK_INT(dg_relaxed_grad_at(&e, &p, three, NULL, g, NULL), DG_OK);
    for (i = 0; i < 6; ++i) CHECK(seen[i] == want3[i]);
}

/* ---- quadrature of the mean of the estimate ---- */

/* Composite Simpson weights on m (even) intervals: w_j h / 3 with w = 1 4 2 4 ... 2 4 1. */
static double rx_simpson_w(int j, int m) { return (j == 0 || j == m) ? 1 : (j % 2 ? 4 : 2); }

/* One Bernoulli variable: E over x = phi + L of soft'(x) grad f(point), point = soft(x)
   (straight = 0) or 1[x > 0] (straight = 1), by Simpson on each side of x = 0, where the
   straight-through integrand jumps. The logistic density decays like e^{-|x - phi|}: 45 is far
   enough out for double precision. */
static double rx_quad_bern(double (*fn)(const double *, double *), double phi, double tau,
                           int straight)
{
    const int m = 6000;
    const double A = 45 + fabs(phi);
    double total = 0;
    int side, j;
    for (side = 0; side < 2; ++side) {
        double lo = side ? 0 : -A, h = A / m, acc = 0;
        for (j = 0; j <= m; ++j) {
            double x = lo + j * h, y = x - phi, ay = fabs(y), t = exp(-ay);
            double dens = t / ((1 + t) * (1 + t)), s = rx_sigmoid(x / tau), z, dz;
            z = straight ? side : s;
            fn(&z, &dz);
            acc += rx_simpson_w(j, m) * dens * dz * s * (1 - s) / tau;
        }
        total += acc * h / 3;
    }
    return total;
}

/* One categorical variable, K = 3: E over x = phi + g of J(x)^T grad f(point), point =
   softmax_tau(x) (straight = 0) or the one-hot argmax (straight = 1). Split by the argmax k:
   with y_i = x_i - x_k (i != k), argmax = k is the quadrant y < 0, and y - c, c_i = phi_i - phi_k,
   has the density of two differences of Gumbels sharing g_k,
       rho(d1, d2) = 2 e^{-d1-d2} / (1 + e^{-d1} + e^{-d2})^3
   (integrate the three Gumbel densities over g_k). Each piece is smooth on its quadrant, so
   Simpson on [-A, 0]^2 converges at h^4; the density decays like e^{2y}, so A = 22 is far enough.
   mass[k] receives the quadrature of P(argmax = k). */
static void rx_quad_cat3(double (*fn)(const double *, double *), const double *phi, double tau,
                         int straight, int m, double *out, double *mass)
{
    const double A = 22;
    double h = A / m;
    int k, a, b, i;
    for (i = 0; i < 3; ++i) out[i] = 0;
    for (k = 0; k < 3; ++k) {
        int o1 = (k + 1) % 3, o2 = (k + 2) % 3;
        double c1 = phi[o1] - phi[k], c2 = phi[o2] - phi[k], acc[3] = {0, 0, 0}, pm = 0;
        for (a = 0; a <= m; ++a) {
            double y1 = -A + a * h, wa = rx_simpson_w(a, m);
            for (b = 0; b <= m; ++b) {
                double y2 = -A + b * h, d1 = y1 - c1, d2 = y2 - c2;
                double dens = 2 * exp(-d1 - d2 - 3 * log(1 + exp(-d1) + exp(-d2)));
                double w = wa * rx_simpson_w(b, m) * dens, x[3], s[3], pt[3], dz[3], dot = 0;
                x[k] = 0; x[o1] = y1; x[o2] = y2;
                rx_soft(x, 1, 3, tau, s);
                for (i = 0; i < 3; ++i) pt[i] = straight ? (i == k) : s[i];
                fn(pt, dz);
                for (i = 0; i < 3; ++i) dot += s[i] * dz[i];
                for (i = 0; i < 3; ++i) acc[i] += w * s[i] * (dz[i] - dot) / tau;
                pm += w;
            }
        }
        for (i = 0; i < 3; ++i) out[i] += acc[i] * h * h / 9;
        mass[k] = pm * h * h / 9;
    }
}

/* Mean of `calls` estimates; se from the spread of the per-call estimates. */
static int rx_mean(const dg_config *c, const dg_problem *p, long calls, double *mean, double *se,
                   double *var)
{
    static dg_estimator e;
    static dg_stats st;
    dg_real g[64];
    int i, n = p->kind == DG_BERNOULLI ? p->D : p->D * p->K;
    long t;
    if (dgt_init(&e, c) != DG_OK) return -1;
    dg_stats_init(&st, n);
    for (t = 0; t < calls; ++t) {
        if (dg_estimate(&e, p, g, NULL) != DG_OK) return -1;
        dg_stats_push(&st, g);
    }
    for (i = 0; i < n; ++i) {
        mean[i] = dg_stats_mean(&st, i);
        se[i] = dg_stats_sem(&st, i);
        if (var) var[i] = dg_stats_var(&st, i);
    }
    return 0;
}

/* The closed form that checks the Bernoulli quadrature itself: at phi = 0, tau = 1, for
   f(b) = (b - t)^2 straight-through's mean is E[f'(b) s(1 - s)] = (1 - 2t)/6, since
   integral sigma'(x)^2 dx = 1/6 and the two halves carry f'(0) = -2t and f'(1) = 2(1 - t). */
static void relax_bernoulli_quadrature_closed_form(void)
{
    dg_real logit[1] = {0};
    rx_user u = rx_make(rx_fsq, 1, 1);
    dg_problem p = rx_problem(&u, logit);
    dg_config c = rx_config(DG_STRAIGHT_THROUGH, 100, 1, 42);
    double m, se;
    CHECK_NEAR(rx_quad_bern(rx_fsq, 0, 1, 1), (1 - 2 * 0.45) / 6, 1e-12);
    /* the estimator against the closed form directly (not Delta p(1 - p) / 2 = 0.025, the
       gradient of f(p) through p, which is about 40 se away) */
    CHECK_INT(rx_mean(&c, &p, 8000, &m, &se, NULL), 0);
    printf("  ST, f = (b - 0.45)^2, phi = 0, tau = 1: mean %.6f  closed form %.6f  se %.1e\n",
           m, (1 - 2 * 0.45) / 6, se);
    CHECK_Z(m, (1 - 2 * 0.45) / 6, se, 4.5);
    CHECK(4.5 * se < 0.1 * (1 - 2 * 0.45) / 6);
    /* and Gumbel-softmax's at phi = 0, tau = 1: E[(2(s - t)) s(1 - s)] = 2(1/12 - t/6) by
       symmetry and integral sigma sigma'^2 = 1/12 */
    CHECK_NEAR(rx_quad_bern(rx_fsq, 0, 1, 0), 2 * (1.0 / 12 - 0.45 / 6), 1e-12);
}

static void relax_bernoulli_mean_matches_quadrature(void)
{
    static const dg_method methods[3] = {DG_GUMBEL_SOFTMAX, DG_STRAIGHT_THROUGH, DG_GUMBEL_RAO};
    static const double taus[2] = {0.5, 1.0};
    dg_real logit[1] = {0.4}, exact[1];
    rx_user u = rx_make(rx_fb1, 1, 1);
    dg_problem p = rx_problem(&u, logit);
    int mi, ti;
    dg_exact(&p, exact, NULL);
    for (ti = 0; ti < 2; ++ti)
        for (mi = 0; mi < 3; ++mi) {
            /* Gumbel-Rao: 4 conditional draws per call, so more calls for the same power */
            int rao = methods[mi] == DG_GUMBEL_RAO;
            dg_config c = rx_config(methods[mi], rao ? 4 : 100, taus[ti], 100 + mi + 10 * ti);
            double q = rx_quad_bern(rx_fb1, 0.4, taus[ti], methods[mi] != DG_GUMBEL_SOFTMAX);
            double m, se;
            CHECK_INT(rx_mean(&c, &p, rao ? 200000 : 2000, &m, &se, NULL), 0);
            printf("  bernoulli %-3s tau %.1f: mean %.6f  quadrature %.6f  se %.1e  exact %.6f\n",
                   methods[mi] == DG_GUMBEL_SOFTMAX ? "GS" : rao ? "GR" : "ST", taus[ti], m, q,
                   se, (double)exact[0]);
            CHECK_Z(m, q, se, 4.5);
            CHECK(4.5 * se < 0.05 * fabs(q));          /* a 5% error would fail */
            CHECK(fabs(q - exact[0]) > 9 * se);         /* and the bias is visible: not E_q f's */
        }
}

static void relax_categorical_mean_matches_quadrature(void)
{
    static const dg_method methods[3] = {DG_GUMBEL_SOFTMAX, DG_STRAIGHT_THROUGH, DG_GUMBEL_RAO};
    dg_real logits[3] = {0.3, -0.6, 0.9}, exact[3];
    double phi[3] = {0.3, -0.6, 0.9}, pi[3], s = 0, tau = 0.7;
    rx_user u = rx_make(rx_fc13, 1, 3);
    dg_problem p = rx_problem(&u, logits);
    int mi, i, k;
    dg_exact(&p, exact, NULL);
    for (k = 0; k < 3; ++k) s += exp(phi[k]);
    for (k = 0; k < 3; ++k) pi[k] = exp(phi[k]) / s;
    for (mi = 0; mi < 2; ++mi) {
        double q[3], q2[3], mass[3], mass2[3], qmax = 0;
        rx_quad_cat3(rx_fc13, phi, tau, mi, 440, q, mass);
        rx_quad_cat3(rx_fc13, phi, tau, mi, 220, q2, mass2);
        for (k = 0; k < 3; ++k) {
            CHECK_NEAR(mass[k], pi[k], 1e-7);             /* the density and its split are right */
            if (fabs(q[k]) > qmax) qmax = fabs(q[k]);
        }
        for (k = 0; k < 3; ++k) CHECK_NEAR(q[k], q2[k], 1e-6 * qmax); /* converged in h */
        /* straight-through's quadrature serves Gumbel-Rao too: same mean */
        for (i = mi; i < (mi ? 3 : 1); ++i) {
            int rao = methods[i] == DG_GUMBEL_RAO;
            dg_config c = rx_config(methods[i], rao ? 4 : 100, tau, 200 + i);
            double m[3], se[3], gap = 0, semax = 0;
            CHECK_INT(rx_mean(&c, &p, rao ? 150000 : 2000, m, se, NULL), 0);
            for (k = 0; k < 3; ++k) {
                gap += (q[k] - exact[k]) * (q[k] - exact[k]);
                if (se[k] > semax) semax = se[k];
            }
            CHECK(sqrt(gap) > 9 * semax); /* the relaxed mean is not E_q f's gradient */
            for (k = 0; k < 3; ++k) {
                printf("  categorical %-3s tau %.1f k %d: mean % .6f  quadrature % .6f  se %.1e"
                       "  exact % .6f\n", i == 0 ? "GS" : rao ? "GR" : "ST", tau, k, m[k], q[k],
                       se[k], (double)exact[k]);
                CHECK_Z(m[k], q[k], se[k], 4.5);
                CHECK(4.5 * se[k] < 0.05 * qmax);
            }
        }
    }
}

/* Gumbel-Rao has straight-through's mean and a lower variance, per coordinate. */
static void relax_gumbel_rao_same_mean_lower_variance(void)
{
    dg_real lb[3] = {0.3, -0.8, 1.1}, lc[6] = {0.2, -0.5, 0.9, 1.2, 0.1, -0.7};
    int kind, i;
    for (kind = 0; kind < 2; ++kind) {
        rx_user u = kind == 0 ? rx_make(dgt_bern3_d, 3, 1) : rx_make(dgt_cat23_d, 2, 3);
        dg_problem p = rx_problem(&u, kind == 0 ? lb : lc);
        dg_config cst = rx_config(DG_STRAIGHT_THROUGH, 1, 0.5, 301);
        dg_config cgr = rx_config(DG_GUMBEL_RAO, 8, 0.5, 302);
        double ms[6], ss[6], vs[6], mg[6], sg[6], vg[6];
        long N = 60000;
        CHECK_INT(rx_mean(&cst, &p, N, ms, ss, vs), 0);
        CHECK_INT(rx_mean(&cgr, &p, N, mg, sg, vg), 0);
        for (i = 0; i < rx_n(&u); ++i) {
            double se = sqrt(ss[i] * ss[i] + sg[i] * sg[i]);
            printf("  %s coord %d: ST mean % .5f var %.4f | GR(8) mean % .5f var %.4f\n",
                   kind ? "categorical" : "bernoulli", i, ms[i], vs[i], mg[i], vg[i]);
            CHECK_Z(mg[i], ms[i], se, 4.5);
            /* a sample variance of N draws has a relative error of about sqrt(2/N)(1 + excess
               kurtosis/2)^(1/2) < 2%: 0.8 leaves a wide margin and still demands a real drop */
            CHECK(vg[i] < 0.8 * vs[i]);
        }
    }
}

/* For f linear in z, all three methods share one mean (straight-through's estimate is even
   Gumbel-softmax's, draw by draw, as grad f is constant), and its distance to the exact gradient
   shrinks as tau falls while the variance grows. Checked for Gumbel-softmax and Gumbel-Rao, the
   two code paths. */
static void relax_bias_falls_with_tau(void)
{
    static const double taus[3] = {2.0, 1.0, 0.3};
    static const dg_method methods[2] = {DG_GUMBEL_SOFTMAX, DG_GUMBEL_RAO};
    dg_real lb[3] = {0.3, -0.8, 1.1}, lc[6] = {0.2, -0.5, 0.9, 1.2, 0.1, -0.7}, exact[6];
    int kind, mi, ti, i;
    for (kind = 0; kind < 2; ++kind) {
        rx_user u = kind == 0 ? rx_make(rx_flin3, 3, 1) : rx_make(rx_flin6, 2, 3);
        dg_problem p = rx_problem(&u, kind == 0 ? lb : lc);
        int n = rx_n(&u);
        dg_exact(&p, exact, NULL);
        for (mi = 0; mi < 2; ++mi) {
            double bias[3], bse[3];
            for (ti = 0; ti < 3; ++ti) {
                /* Gumbel-Rao: 10 conditional draws around one discrete sample per call */
                dg_config c = rx_config(methods[mi], mi ? 10 : 100, taus[ti], 400 + ti);
                double m[6], se[6], b2 = 0, s2 = 0;
                CHECK_INT(rx_mean(&c, &p, mi ? 20000 : 600, m, se, NULL), 0);
                for (i = 0; i < n; ++i) {
                    b2 += (m[i] - exact[i]) * (m[i] - exact[i]);
                    s2 += se[i] * se[i];
                }
                bias[ti] = sqrt(b2);
                bse[ti] = sqrt(s2);
                printf("  %s %s tau %.1f: |mean - exact| = %.5f (se %.1e)\n",
                       kind ? "categorical" : "bernoulli", mi ? "GR" : "GS", taus[ti], bias[ti],
                       bse[ti]);
            }
            CHECK(bias[0] > bias[1] + 4.5 * sqrt(bse[0] * bse[0] + bse[1] * bse[1]));
            CHECK(bias[1] > bias[2] + 4.5 * sqrt(bse[1] * bse[1] + bse[2] * bse[2]));
            /* while the variance rises (same number of calls per tau, so se orders it; the
               steps are factors of 3 or more in se, far beyond the sampling error of an se) */
            CHECK(bse[1] > 1.5 * bse[0]);
            CHECK(bse[2] > 1.5 * bse[1]);
        }
    }
}

/* The discrete samples straight-through (and Gumbel-Rao) evaluate f_grad at are draws from q:
   vertices only, with the joint configuration frequencies of q (chi-square, alpha = 0.001). */
static void relax_hard_samples_follow_q(void)
{
    static dg_estimator e;
    static const dg_method methods[2] = {DG_STRAIGHT_THROUGH, DG_GUMBEL_RAO};
    dg_real lb[2] = {0.7, -1.2}, lc[6] = {0.5, -1.0, 1.2, 0.0, 0.4, -0.3}, g[6];
    int kind, mi, d, k, cells, D = 2;
    long t, N = 30000;
    for (kind = 0; kind < 2; ++kind)
        for (mi = 0; mi < 2; ++mi) {
            rx_user u = kind == 0 ? rx_make(rx_flin2, D, 1) : rx_make(rx_flin6, D, 3);
            dg_problem p = rx_problem(&u, kind == 0 ? lb : lc);
            dg_config c = rx_config(methods[mi], mi ? 2 : 1, 0.8, 500 + mi);
            double probs[9], chi;
            int K = kind == 0 ? 2 : 3;
            cells = K * K;
            u.record = 1;
            dgt_init(&e, &c);
            for (t = 0; t < N; ++t) CHECK_INT(dg_estimate(&e, &p, g, NULL), DG_OK);
            CHECK_INT(u.calls, N);
            CHECK_INT(u.off_vertex, 0);
            for (k = 0; k < cells; ++k) {
                double pr = 1;
                for (d = 0; d < D; ++d) {
                    int cls = d == 0 ? k % K : k / K;
                    if (kind == 0) pr *= cls ? dgt_sigmoid(lb[d]) : 1 - dgt_sigmoid(lb[d]);
                    else {
                        double s = 0;
                        int j;
                        for (j = 0; j < 3; ++j) s += exp(lc[d * 3 + j]);
                        pr *= exp(lc[d * 3 + cls]) / s;
                    }
                }
                probs[k] = pr;
            }
            chi = dgt_chi2(u.cells, probs, cells, N);
            CHECK(chi < dgt_chi2_crit(cells - 1));
        }
}

static void relax_info_reports_counts(void)
{
    static dg_estimator e;
    dg_real lb[3] = {0.3, -0.8, 1.1}, g[3];
    rx_user u = rx_make(dgt_bern3_d, 3, 1);
    dg_problem p = rx_problem(&u, lb);
    dg_config c;
    dg_info info;
    double z[3], dz[3];
    c = rx_config(DG_GUMBEL_SOFTMAX, 5, 0, 1);
    dgt_init(&e, &c);
    CHECK_INT(dg_estimate(&e, &p, g, &info), DG_OK);
    CHECK_INT(info.grad_evals, 5);
    CHECK_INT(info.f_evals, 0);
    CHECK_NEAR(info.tau, 1, 0); /* the default */
    c = rx_config(DG_STRAIGHT_THROUGH, 7, 0.5, 1);
    dgt_init(&e, &c);
    CHECK_INT(dg_estimate(&e, &p, g, &info), DG_OK);
    CHECK_INT(info.grad_evals, 7);
    CHECK_NEAR(info.tau, 0.5, 0);
    /* Gumbel-Rao: one f_grad call whatever the number of conditional draws, and f_mean is f at
       the discrete sample it was called at */
    c = rx_config(DG_GUMBEL_RAO, 50, 0.5, 1);
    dgt_init(&e, &c);
    u.record = 1;
    u.calls = 0;
    CHECK_INT(dg_estimate(&e, &p, g, &info), DG_OK);
    CHECK_INT(info.grad_evals, 1);
    CHECK_INT(u.calls, 1);
    CHECK_INT(u.off_vertex, 0);
    for (z[0] = 0; z[0] < 2; ++z[0]) /* find the recorded cell */
        for (z[1] = 0; z[1] < 2; ++z[1])
            for (z[2] = 0; z[2] < 2; ++z[2])
                if (u.cells[(int)(z[0] + 2 * z[1] + 4 * z[2])])
                    CHECK_NEAR(info.f_mean, dgt_bern3_d(z, dz), 1e-6);
    CHECK_INT(e.steps, 1);
}

/* Logits of +-1e4 give finite gradients (sigmoid and softmax saturate, never overflow). */
static void relax_extreme_logits_stay_finite(void)
{
    static dg_estimator e;
    static const dg_method methods[3] = {DG_GUMBEL_SOFTMAX, DG_STRAIGHT_THROUGH, DG_GUMBEL_RAO};
    dg_real lb[3] = {1e4, -1e4, 0}, lc[6] = {1e4, -1e4, 0, -1e4, -1e4, 1e4}, g[6];
    int kind, mi, t, i;
    for (kind = 0; kind < 2; ++kind)
        for (mi = 0; mi < 3; ++mi) {
            rx_user u = kind == 0 ? rx_make(dgt_bern3_d, 3, 1) : rx_make(dgt_cat23_d, 2, 3);
            dg_problem p = rx_problem(&u, kind == 0 ? lb : lc);
            dg_config c = rx_config(methods[mi], 4, 0.1, 9);
            dgt_init(&e, &c);
            for (t = 0; t < 200; ++t) {
                CHECK_INT(dg_estimate(&e, &p, g, NULL), DG_OK);
                for (i = 0; i < rx_n(&u); ++i) CHECK(g[i] - g[i] == 0);
            }
        }
}

/* Separable f(z) = sum_i (z_i - 0.3)^2 of any size (user = &n). */
static dg_real rx_fsep(const dg_real *z, void *user)
{
    int i, n = *(const int *)user;
    double s = 0;
    for (i = 0; i < n; ++i) s += (z[i] - 0.3) * (z[i] - 0.3);
    return (dg_real)s;
}
static dg_real rx_fsep_grad(const dg_real *z, dg_real *dz, void *user)
{
    int i, n = *(const int *)user;
    for (i = 0; i < n; ++i) dz[i] = (dg_real)(2 * (z[i] - 0.3));
    return rx_fsep(z, user);
}

/* Problems that fill DG_MAX_DIM: every scratch vector is used to its end. For a separable f the
   estimate of coordinate i depends on coordinate i's noise only, so each coordinate must equal
   the one-variable computation at the same noise. */
static void relax_full_capacity(void)
{
    static dg_estimator e, e1;
    static dg_real logits[DG_MAX_DIM], noise[2 * DG_MAX_DIM], cond[2 * DG_MAX_DIM], g[DG_MAX_DIM];
    static const dg_method methods[3] = {DG_GUMBEL_SOFTMAX, DG_STRAIGHT_THROUGH, DG_GUMBEL_RAO};
    int mi, i, n = DG_MAX_DIM, one = 1, bad = 0;
    dg_rng r;
    dg_rng_seed(&r, 8, 8);
    for (i = 0; i < n; ++i) logits[i] = (dg_real)(0.01 * (i % 200) - 1);
    for (mi = 0; mi < 3; ++mi) {
        dg_problem p = dgt_problem(DG_BERNOULLI, n, 0, logits, rx_fsep, rx_fsep_grad, &n);
        dg_problem p1 = dgt_problem(DG_BERNOULLI, 1, 0, logits, rx_fsep, rx_fsep_grad, &one);
        dg_config c = rx_config(methods[mi], 2, 0.5, 1);
        int rao = methods[mi] == DG_GUMBEL_RAO, draws = rao ? 1 : 2, s;
        dgt_init(&e, &c);
        dgt_init(&e1, &c);
        for (i = 0; i < draws * n; ++i) noise[i] = dg_logistic(&r);
        for (i = 0; i < 2 * n; ++i) cond[i] = dg_uniform(&r);
        CHECK_INT(dg_estimate(&e, &p, g, NULL), DG_OK);
        CHECK_INT(dg_relaxed_grad_at(&e, &p, noise, cond, g, NULL), DG_OK);
        for (i = 0; i < n; i += 37) { /* a spread of coordinates, each as a one-variable problem */
            dg_real n1[2], c1[2], g1;
            for (s = 0; s < 2; ++s) { n1[s] = noise[s * n + i]; c1[s] = cond[s * n + i]; }
            p1.logits = logits + i;
            if (dg_relaxed_grad_at(&e1, &p1, n1, c1, &g1, NULL) != DG_OK || !(g1 == g[i])) bad++;
        }
        CHECK_INT(bad, 0);
    }
    /* categorical rows filling the capacity */
    {
        int K = 4, D = DG_MAX_DIM / 4;
        dg_problem p = dgt_problem(DG_CATEGORICAL, D, K, logits, rx_fsep, rx_fsep_grad, &n);
        n = D * K;
        for (mi = 0; mi < 3; ++mi) {
            dg_config c = rx_config(methods[mi], 2, 0.5, 1);
            dgt_init(&e, &c);
            CHECK_INT(dg_estimate(&e, &p, g, NULL), DG_OK);
            for (i = 0; i < n; ++i) if (!(g[i] - g[i] == 0)) bad++;
            CHECK_INT(bad, 0);
        }
    }
}

static void relax_tau_schedule_and_set_tau(void)
{
    static dg_estimator e, fresh;
    dg_real tau = -1, lb[3] = {0.3, -0.8, 1.1}, g1[3], g2[3];
    rx_user u = rx_make(dgt_bern3_d, 3, 1);
    dg_problem p = rx_problem(&u, lb);
    dg_config c;
    dg_rng before;
    long step;
    /* Jang et al.'s values: tau0 = 1, tau_min = 0.5, r = 1e-4, updated every 1000 steps */
    CHECK_INT(dg_tau_schedule(1, 0.5, 1e-4, 0, &tau), DG_OK);
    CHECK_NEAR(tau, 1, 0);
    CHECK_INT(dg_tau_schedule(1, 0.5, 1e-4, 1000, &tau), DG_OK);
    CHECK_REL(tau, exp(-0.1), DGT_TOL(1e-12, 1e-6), 1);
    step = 5999;
    CHECK_INT(dg_tau_schedule(1, 0.5, 1e-4, step - step % 1000, &tau), DG_OK);
    CHECK_REL(tau, exp(-0.5), DGT_TOL(1e-12, 1e-6), 1);
    CHECK_INT(dg_tau_schedule(1, 0.5, 1e-4, 7000, &tau), DG_OK); /* exp(-0.7) < 0.5 */
    CHECK_NEAR(tau, 0.5, 0);
    CHECK_INT(dg_tau_schedule(2, 0.5, 0, 1000000, &tau), DG_OK);
    CHECK_NEAR(tau, 2, 0);
    /* dg_set_tau changes the temperature and nothing else: the next estimate equals that of an
       estimator initialised with the new tau whose rng is in the same state */
    c = rx_config(DG_STRAIGHT_THROUGH, 3, 1, 5);
    dgt_init(&e, &c);
    CHECK_INT(dg_estimate(&e, &p, g1, NULL), DG_OK);
    before = e.rng;
    CHECK_INT(dg_set_tau(&e, 0.25), DG_OK);
    CHECK(memcmp(&before, &e.rng, sizeof before) == 0);
    c.tau = 0.25;
    dgt_init(&fresh, &c);
    fresh.rng = e.rng;
    CHECK_INT(dg_estimate(&e, &p, g1, NULL), DG_OK);
    CHECK_INT(dg_estimate(&fresh, &p, g2, NULL), DG_OK);
    CHECK(memcmp(g1, g2, sizeof g1) == 0);
}

#define RX_SENTINEL ((dg_real)-12345.5)

static int rx_untouched(const dg_real *x, int n)
{
    int i;
    for (i = 0; i < n; ++i) if (!(x[i] == RX_SENTINEL)) return 0;
    return 1;
}

static void relax_errors_leave_outputs_untouched(void)
{
    static dg_estimator e, copy;
    static const dg_method methods[3] = {DG_GUMBEL_SOFTMAX, DG_STRAIGHT_THROUGH, DG_GUMBEL_RAO};
    const double bad_tau[3] = {-1, DGT_NAN, DGT_INF};
    dg_real lb[3] = {0.3, -0.8, 1.1}, lc[6] = {0.2, -0.5, 0.9, 1.2, 0.1, -0.7};
    dg_real g[6], noise[3 * 6], cond[3 * 6], tau;
    dg_info info;
    int mi, ti, kind, i;
    dg_rng r;
    dg_rng_seed(&r, 3, 3);
#define RX_FILL() do { for (i = 0; i < 6; ++i) g[i] = RX_SENTINEL; memset(&info, 0x5A, sizeof info); } while (0)
#define RX_UNTOUCHED() do { CHECK(rx_untouched(g, 6)); CHECK(((unsigned char *)&info)[0] == 0x5A); } while (0)
    for (mi = 0; mi < 3; ++mi) {
        dg_config c;
        /* a bad tau is refused by dg_init, which leaves e alone; 0 means the default */
        for (ti = 0; ti < 3; ++ti) {
            c = rx_config(methods[mi], 1, bad_tau[ti], 1);
            memset(&e, 0xA5, sizeof e);
            memcpy(&copy, &e, sizeof e);
            CHECK_INT(dgt_init(&e, &c), DG_EINVAL);
            CHECK(memcmp(&e, &copy, sizeof e) == 0);
        }
        for (kind = 0; kind < 2; ++kind) {
            rx_user u = kind == 0 ? rx_make(dgt_bern3_d, 3, 1) : rx_make(dgt_cat23_d, 2, 3);
            dg_problem p = rx_problem(&u, kind == 0 ? lb : lc), q;
            int n = rx_n(&u), rao = methods[mi] == DG_GUMBEL_RAO;
            c = rx_config(methods[mi], 3, 0, 1);
            CHECK_INT(dgt_init(&e, &c), DG_OK);
            CHECK_NEAR(e.cfg.tau, 1, 0);
            /* no f_grad */
            q = p; q.f_grad = NULL;
            RX_FILL();
            CHECK_INT(dg_estimate(&e, &q, g, &info), DG_ENEEDGRAD);
            RX_UNTOUCHED();
            rx_draw_noise(&r, &u, methods[mi], 3, noise, cond);
            CHECK_INT(dg_relaxed_grad_at(&e, &q, noise, cond, g, &info), DG_ENEEDGRAD);
            RX_UNTOUCHED();
            /* f_grad failing on its second call (Gumbel-Rao calls it once: the first), as a value
               and inside dz: nothing written, the step not counted */
            for (i = 0; i < 2; ++i) {
                int j;
                u.calls = 0; u.nan_at = rao ? 1 : 2; u.nan_in_dz = i;
                RX_FILL();
                CHECK_INT(dg_estimate(&e, &p, g, &info), DG_EDOMAIN);
                for (j = 0; j < 6; ++j) CHECK(g[j] == RX_SENTINEL);
                CHECK(((unsigned char *)&info)[0] == 0x5A);
                CHECK_INT(e.steps, 0);
                u.calls = 0;
                CHECK_INT(dg_relaxed_grad_at(&e, &p, noise, cond, g, &info), DG_EDOMAIN);
                RX_UNTOUCHED();
            }
            u.nan_at = 0;
            /* dg_relaxed_grad_at's own arguments: refused before f_grad is called */
            u.calls = 0;
            RX_FILL();
            CHECK_INT(dg_relaxed_grad_at(NULL, &p, noise, cond, g, &info), DG_EINVAL);
            CHECK_INT(dg_relaxed_grad_at(&e, NULL, noise, cond, g, &info), DG_EINVAL);
            CHECK_INT(dg_relaxed_grad_at(&e, &p, NULL, cond, g, &info), DG_EINVAL);
            CHECK_INT(dg_relaxed_grad_at(&e, &p, noise, cond, NULL, &info), DG_EINVAL);
            noise[n - 1] = (dg_real)NAN;
            CHECK_INT(dg_relaxed_grad_at(&e, &p, noise, cond, g, &info), DG_EDOMAIN);
            noise[n - 1] = (dg_real)INFINITY;
            CHECK_INT(dg_relaxed_grad_at(&e, &p, noise, cond, g, &info), DG_EDOMAIN);
            noise[n - 1] = 0;
            if (rao) {
                dg_real keep = cond[3 * n - 1];
                CHECK_INT(dg_relaxed_grad_at(&e, &p, noise, NULL, g, &info), DG_EINVAL);
                cond[3 * n - 1] = 0; /* the last draw's last value: every value is checked */
                CHECK_INT(dg_relaxed_grad_at(&e, &p, noise, cond, g, &info), DG_EINVAL);
                cond[3 * n - 1] = (dg_real)NAN;
                CHECK_INT(dg_relaxed_grad_at(&e, &p, noise, cond, g, &info), DG_EINVAL);
                cond[3 * n - 1] = kind == 0 ? 1 : -1;
                CHECK_INT(dg_relaxed_grad_at(&e, &p, noise, cond, g, &info), DG_EINVAL);
                if (kind == 1) {
                    cond[3 * n - 1] = (dg_real)INFINITY;
                    CHECK_INT(dg_relaxed_grad_at(&e, &p, noise, cond, g, &info), DG_EDOMAIN);
                }
                cond[3 * n - 1] = keep;
            } else {
                /* the last of the S draws is checked too */
                noise[3 * n - 1] = (dg_real)NAN;
                CHECK_INT(dg_relaxed_grad_at(&e, &p, noise, cond, g, &info), DG_EDOMAIN);
                noise[3 * n - 1] = 0;
            }
            CHECK_INT(u.calls, 0);
            RX_UNTOUCHED();
        }
    }
    /* a method that is not a relaxation */
    {
        dg_config c = rx_config(DG_REINFORCE, 1, 0, 1);
        rx_user u = rx_make(dgt_bern3_d, 3, 1);
        dg_problem p = rx_problem(&u, lb);
        dgt_init(&e, &c);
        RX_FILL();
        CHECK_INT(dg_relaxed_grad_at(&e, &p, noise, cond, g, &info), DG_EINVAL);
        RX_UNTOUCHED();
        memcpy(&copy, &e, sizeof e);
        CHECK_INT(dg_set_tau(&e, 0.5), DG_EUNSUPPORTED);
        CHECK(memcmp(&e, &copy, sizeof e) == 0);
        c.method = DG_GUMBEL_SOFTMAX;
        dgt_init(&e, &c);
        memcpy(&copy, &e, sizeof e);
        for (ti = 0; ti < 3; ++ti) CHECK_INT(dg_set_tau(&e, (dg_real)bad_tau[ti]), DG_EINVAL);
        CHECK_INT(dg_set_tau(&e, 0), DG_EINVAL);
        CHECK_INT(dg_set_tau(NULL, 1), DG_EINVAL);
        CHECK(memcmp(&e, &copy, sizeof e) == 0);
    }
    /* the schedule's arguments */
    tau = RX_SENTINEL;
    CHECK_INT(dg_tau_schedule(1, 0.5, 1e-4, 10, NULL), DG_EINVAL);
    CHECK_INT(dg_tau_schedule(0, 0.5, 1e-4, 10, &tau), DG_EINVAL);
    CHECK_INT(dg_tau_schedule(-1, 0.5, 1e-4, 10, &tau), DG_EINVAL);
    CHECK_INT(dg_tau_schedule(1, 0, 1e-4, 10, &tau), DG_EINVAL);
    CHECK_INT(dg_tau_schedule(1, 0.5, -1e-4, 10, &tau), DG_EINVAL);
    CHECK_INT(dg_tau_schedule(1, 0.5, 1e-4, -1, &tau), DG_EINVAL);
    CHECK_INT(dg_tau_schedule((dg_real)NAN, 0.5, 1e-4, 10, &tau), DG_EINVAL);
    CHECK_INT(dg_tau_schedule((dg_real)INFINITY, 0.5, 1e-4, 10, &tau), DG_EINVAL);
    CHECK_INT(dg_tau_schedule(1, (dg_real)NAN, 1e-4, 10, &tau), DG_EINVAL);
    CHECK_INT(dg_tau_schedule(1, 0.5, (dg_real)INFINITY, 10, &tau), DG_EINVAL);
    CHECK_INT(dg_tau_schedule(1, 0.5, (dg_real)NAN, 10, &tau), DG_EINVAL);
    CHECK(tau == RX_SENTINEL);
#undef RX_FILL
#undef RX_UNTOUCHED
}

static void register_relax(void)
{
    DGT_ADD(relax_pathwise_matches_finite_differences);
    DGT_ADD(relax_estimate_equals_grad_at_same_noise);
    DGT_ADD(relax_straight_through_ties_pick_lowest_index);
    DGT_ADD(relax_bernoulli_quadrature_closed_form);
    DGT_ADD(relax_bernoulli_mean_matches_quadrature);
    DGT_ADD(relax_categorical_mean_matches_quadrature);
    DGT_ADD(relax_gumbel_rao_same_mean_lower_variance);
    DGT_ADD(relax_bias_falls_with_tau);
    DGT_ADD(relax_hard_samples_follow_q);
    DGT_ADD(relax_info_reports_counts);
    DGT_ADD(relax_extreme_logits_stay_finite);
    DGT_ADD(relax_full_capacity);
    DGT_ADD(relax_tau_schedule_and_set_tau);
    DGT_ADD(relax_errors_leave_outputs_untouched);
}
