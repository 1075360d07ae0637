/* reference.h - every estimator recomputed from its formula (docs/math.md, the header's docs), draw
   by draw, for comparisons with dg_estimate on the same random numbers.

   ref_estimate runs a method the way the header documents it, in double, on noise drawn from its
   own copy of the estimator's stream (dg_rng_seed with cfg.seed and cfg.stream), and tracks the
   learned state (EMA, optimal-baseline sums, NVIL moments, REBAR/RELAX eta and tau) by the
   documented rules. What it takes from the library is only public and separately tested: the
   rng's block draws (equal to single draws, test_kernels.c), dg_sigmoid, dg_softmax and
   dg_softmax_backward, dg_log, and the conditional samplers at a given noise
   (dg_logistic_given_bit_at, dg_gumbel_given_argmax_at and _vjp, test_cond.c and
   test_samplers.c). It knows nothing of the estimators' scratch, groups or lanes, so a
   mistake there (a loop one short or one past the end, a slot read before it is written, state
   left from an earlier problem) shows as a difference.

   The one thing it must share with the library is the order in which each method takes its
   random numbers from the stream, written out once in ref_draw_* below:
     score family (REINFORCE, RLOO)  per draw: one uniform per Bernoulli variable, b = u < p;
                                     one per categorical row, the class by inverting the CDF
     ARM, DisARM (Bernoulli)         per pair: D uniforms u, b1 = u > sigmoid(-phi),
                                     b2 = u < sigmoid(phi)
     ARM (categorical, ARS)          per draw: n exponentials E, then one uniform for the
                                     reference class j = floor(u K)
     relaxations, MuProp             per draw: n logistic (Bernoulli) or Gumbel (categorical)
                                     values; Gumbel-Rao then S draws of conditional noise
     REBAR, RELAX                    per draw: n logistic/Gumbel values, then n conditional
                                     uniforms (Bernoulli) or exponentials (categorical)
   RELAX is reproduced while its net is zero: on the first call of an estimator, where its
   surrogate is REBAR's (w2 = b2 = 0, documented). */
#ifndef DGT_REFERENCE_H
#define DGT_REFERENCE_H

#include "common.h"

/* ---- a test objective over n values ------------------------------------------------------
   f(z) = offset + sum_i a_i z_i + q (sum_i b_i z_i)^2 / n + r z_0 z_{n-1},
   a_i = sin(1.3 i + 0.4), b_i = cos(0.7 i), all times mult: nonlinear, every coordinate matters,
   gradient by hand; in double whatever dg_real is. The counts let tests compare dg_info with
   the calls really made. */
typedef struct ref_obj {
    int n;
    double offset, q, r, mult;
    long f_calls, grad_calls;
} ref_obj;

static double ref_coef_a[DG_MAX_DIM], ref_coef_b[DG_MAX_DIM], ref_coef_c[DG_MAX_DIM];
static int ref_coef_ready;
static void ref_coefs(void)
{
    int i;
    if (ref_coef_ready) return;
    for (i = 0; i < DG_MAX_DIM; ++i) {
        ref_coef_a[i] = sin(1.3 * i + 0.4);
        ref_coef_b[i] = cos(0.7 * i);
        ref_coef_c[i] = 0.5 * sin(0.9 * i);
    }
    ref_coef_ready = 1;
}

static double ref_obj_eval(const ref_obj *o, const dg_real *z, dg_real *dz)
{
    int i, n = o->n;
    double lin = 0, s = 0;
    ref_coefs();
    for (i = 0; i < n; ++i) {
        lin += ref_coef_a[i] * (double)z[i];
        s += ref_coef_b[i] * (double)z[i];
    }
    if (dz) {
        for (i = 0; i < n; ++i)
            dz[i] = (dg_real)(o->mult * (ref_coef_a[i] + 2 * o->q * s * ref_coef_b[i] / n));
        dz[0] += (dg_real)(o->mult * o->r * (double)z[n - 1]);
        dz[n - 1] += (dg_real)(o->mult * o->r * (double)z[0]);
    }
    return o->offset + o->mult * (lin + o->q * s * s / n + o->r * (double)z[0] * (double)z[n - 1]);
}
DGT_UNUSED static dg_real ref_f(const dg_real *z, void *user)
{
    ref_obj *o = (ref_obj *)user;
    o->f_calls++;
    return (dg_real)ref_obj_eval(o, z, NULL);
}
DGT_UNUSED static dg_real ref_f_grad(const dg_real *z, dg_real *dz, void *user)
{
    ref_obj *o = (ref_obj *)user;
    o->grad_calls++;
    return (dg_real)ref_obj_eval(o, z, dz);
}
/* DG_BASELINE_CV's control variate b(z) = 0.3 + sum_i c_i z_i, c_i = 0.5 sin(0.9 i), and the
   gradient of its mean by hand: c_i p_i (1 - p_i) per bit, pi_k (c_k - pi.c) per row. */
static int ref_cv_K; /* 1 for Bernoulli problems, else K; set by ref_problem */
DGT_UNUSED static dg_real ref_cv(const dg_real *z, void *user)
{
    const ref_obj *o = (const ref_obj *)user;
    int i;
    double s = 0.3;
    ref_coefs();
    for (i = 0; i < o->n; ++i) s += ref_coef_c[i] * (double)z[i];
    return (dg_real)s;
}
DGT_UNUSED static void ref_cv_mean_grad(const dg_real *logits, dg_real *grad, void *user)
{
    const ref_obj *o = (const ref_obj *)user;
    int i, k, K = ref_cv_K;
    ref_coefs();
    for (i = 0; i < o->n; i += K) {
        double pi[DG_MAX_K], dot = 0;
        double m = (double)logits[i], s = 0;
        if (K == 1) {
            double p = dgt_sigmoid((double)logits[i]);
            grad[i] = (dg_real)(ref_coef_c[i] * p * (1 - p));
            continue;
        }
        for (k = 1; k < K; ++k) if ((double)logits[i + k] > m) m = (double)logits[i + k];
        for (k = 0; k < K; ++k) s += (pi[k] = exp((double)logits[i + k] - m));
        for (k = 0; k < K; ++k) dot += (pi[k] /= s) * ref_coef_c[i + k];
        for (k = 0; k < K; ++k) grad[i + k] = (dg_real)(pi[k] * (ref_coef_c[i + k] - dot));
    }
}

/* A problem over o (n = D or D*K values) with every callback set. */
DGT_UNUSED static dg_problem ref_problem(dg_kind kind, int D, int K, const dg_real *logits, ref_obj *o)
{
    dg_problem p = dgt_problem(kind, D, K, logits, ref_f, ref_f_grad, o);
    o->n = kind == DG_BERNOULLI ? D : D * K;
    ref_cv_K = kind == DG_BERNOULLI ? 1 : K;
    p.cv = ref_cv;
    p.cv_mean_grad = ref_cv_mean_grad;
    return p;
}

/* ---- the reference estimator ------------------------------------------------------------ */
typedef struct ref_est {
    dg_config cfg;              /* with dg_init's defaults filled in */
    dg_rng rng;
    double ema;                 /* DG_BASELINE_EMA */
    int ema_ready;
    int opt_n;                  /* DG_BASELINE_OPTIMAL: decayed sums of f s^2 and s^2 */
    double opt_fs2[DG_MAX_DIM], opt_s2[DG_MAX_DIM];
    double sig_mean, sig_var;   /* DG_BASELINE_INPUT with normalize */
    int sig_ready;
    double max_scale;           /* the largest NVIL normalisation used so far */
    double eta, log_tau;        /* REBAR/RELAX */
    double avg_ac, avg_cc, m_eta, v_eta, m_lt, v_lt, b1pow, b2pow;
    long tune_draws;
} ref_est;

typedef struct ref_info {
    double f_mean, baseline, learning_signal, eta, tau, surrogate_loss;
    long f_evals, grad_evals;
} ref_info;

DGT_UNUSED static void ref_init(ref_est *r, const dg_config *c)
{
    memset(r, 0, sizeof *r);
    r->cfg = *c;
    if (r->cfg.samples == 0) r->cfg.samples = c->method == DG_RLOO ? 2 : 1;
    if (r->cfg.tau == 0) r->cfg.tau = (dg_real)(c->method == DG_REBAR || c->method == DG_RELAX ? 0.5 : 1);
    if (r->cfg.ema_decay == 0) r->cfg.ema_decay = (dg_real)0.9;
    if (r->cfg.eta == 0) r->cfg.eta = 1;
    if (r->cfg.lr == 0) r->cfg.lr = (dg_real)0.01;
    dg_rng_seed(&r->rng, c->seed, c->stream);
    r->eta = (double)r->cfg.eta;
    r->log_tau = log((double)r->cfg.tau);
    r->b1pow = r->b2pow = 1;
}

/* scratch of the reference (the tests run one at a time) */
static dg_real ref_u[DG_MAX_DIM], ref_hard[DG_MAX_DIM], ref_hard2[DG_MAX_DIM], ref_x[DG_MAX_DIM];
static dg_real ref_y[DG_MAX_DIM], ref_yt[DG_MAX_DIM], ref_xt[DG_MAX_DIM], ref_dz[DG_MAX_DIM];
static dg_real ref_dzt[DG_MAX_DIM], ref_tmp[DG_MAX_DIM], ref_cond[DG_MAX_DIM], ref_probs[DG_MAX_DIM];
static dg_real ref_zbar_grad[DG_MAX_DIM], ref_swap[DG_MAX_DIM], ref_loge[DG_MAX_DIM];
#define REF_MAX_DRAWS 64 /* score family: draws per call the reference keeps */
static double ref_s[REF_MAX_DRAWS][DG_MAX_DIM], ref_v[REF_MAX_DRAWS]; /* scores and signals */
static double ref_dxt[DG_MAX_DIM], ref_c[DG_MAX_DIM], ref_g1[DG_MAX_DIM], ref_fv[DG_MAX_K];

static int ref_n(const dg_problem *p) { return p->kind == DG_BERNOULLI ? p->D : p->D * p->K; }
static int ref_row(const dg_problem *p) { return p->kind == DG_BERNOULLI ? 1 : p->K; }

/* E_q z: sigmoid per bit, softmax per row. */
static void ref_probs_of(const dg_problem *p, dg_real *probs)
{
    int i, K = ref_row(p), n = ref_n(p);
    if (K == 1) { for (i = 0; i < n; ++i) probs[i] = dg_sigmoid(p->logits[i]); return; }
    for (i = 0; i < n; i += K) dg_softmax(p->logits + i, K, 1, probs + i);
}

/* The first index of the maximum of a row. */
static int ref_argmax(const dg_real *x, int K)
{
    int k, best = 0;
    for (k = 1; k < K; ++k) if (x[k] > x[best]) best = k;
    return best;
}

/* H(x): bits 1[x > 0], or the one-hot argmax of each row. */
static void ref_hard_of(const dg_problem *p, const dg_real *x, dg_real *hard)
{
    int i, k, K = ref_row(p), n = ref_n(p);
    if (K == 1) { for (i = 0; i < n; ++i) hard[i] = x[i] > 0; return; }
    for (i = 0; i < n; i += K) {
        int b = ref_argmax(x + i, K);
        for (k = 0; k < K; ++k) hard[i + k] = k == b;
    }
}

/* ref_draw_*: what each method takes from the stream (see the top of the file). */
static void ref_draw_score_sample(ref_est *r, const dg_problem *p, const dg_real *probs, dg_real *hard)
{
    int d, k, K = ref_row(p);
    dg_uniforms(&r->rng, ref_u, p->D);
    for (d = 0; d < p->D; ++d) {
        if (K == 1) { hard[d] = ref_u[d] < probs[d]; continue; }
        {   /* the first class whose running sum exceeds u; the last class with weight when
               rounding leaves u at or above the whole sum */
            dg_real acc = 0;
            int pick = -1, last = 0;
            for (k = 0; k < K; ++k) {
                acc += probs[d * K + k];
                if (probs[d * K + k] > 0) last = k;
                if (pick < 0 && ref_u[d] < acc) pick = k;
            }
            if (pick < 0) pick = last;
            for (k = 0; k < K; ++k) hard[d * K + k] = k == pick;
        }
    }
}
static void ref_draw_noise(ref_est *r, const dg_problem *p, dg_real *x)
{
    int i, n = ref_n(p);
    if (p->kind == DG_BERNOULLI) dg_logistics(&r->rng, x, n);
    else dg_gumbels(&r->rng, x, n);
    for (i = 0; i < n; ++i) x[i] += p->logits[i];
}
static void ref_draw_cond_noise(ref_est *r, const dg_problem *p, dg_real *c)
{
    if (p->kind == DG_BERNOULLI) dg_uniforms(&r->rng, c, ref_n(p));
    else dg_exponentials(&r->rng, c, ref_n(p));
}

/* The conditional perturbation x~ given hard and the noise c, and dphi = (dx~/dphi)^T dxt. */
static void ref_cond_perturbed(const dg_problem *p, const dg_real *hard, const dg_real *c, dg_real *xt)
{
    int i, K = ref_row(p), n = ref_n(p);
    for (i = 0; i < n; i += K) {
        if (K == 1) dg_logistic_given_bit_at(p->logits[i], hard[i] > 0, c[i], xt + i, NULL);
        else dg_gumbel_given_argmax_at(p->logits + i, K, ref_argmax(hard + i, K), c + i, xt + i);
    }
}
static void ref_cond_vjp(const dg_problem *p, const dg_real *hard, const dg_real *c,
                         const dg_real *dxt, dg_real *dphi)
{
    int i, K = ref_row(p), n = ref_n(p);
    for (i = 0; i < n; i += K) {
        if (K == 1) {
            dg_real z = 0, d = 0; /* set by the call; initialised for compilers that cannot see it */
            dg_logistic_given_bit_at(p->logits[i], hard[i] > 0, c[i], &z, &d);
            dphi[i] = dxt[i] * d;
        } else {
            dg_gumbel_given_argmax_vjp(p->logits + i, K, ref_argmax(hard + i, K), c + i, dxt + i, dphi + i);
        }
    }
}

/* relax_tau(x) and its VJP (d relaxed / dx)^T dz. */
static void ref_relax(const dg_problem *p, const dg_real *x, double tau, dg_real *y)
{
    int i, K = ref_row(p), n = ref_n(p);
    if (K == 1) { for (i = 0; i < n; ++i) y[i] = dg_sigmoid((dg_real)((double)x[i] / tau)); return; }
    for (i = 0; i < n; i += K) dg_softmax(x + i, K, (dg_real)tau, y + i);
}
static void ref_relax_vjp(const dg_problem *p, const dg_real *y, const dg_real *dz, double tau, double *out)
{
    int i, k, K = ref_row(p), n = ref_n(p);
    if (K == 1) {
        for (i = 0; i < n; ++i) out[i] = (double)dz[i] * (double)y[i] * (1 - (double)y[i]) / tau;
        return;
    }
    for (i = 0; i < n; i += K) {
        double dot = 0;
        for (k = 0; k < K; ++k) dot += (double)y[i + k] * (double)dz[i + k];
        for (k = 0; k < K; ++k) out[i + k] = (double)y[i + k] * ((double)dz[i + k] - dot) / tau;
    }
}

/* ---- score family ------------------------------------------------------------------------ */
static int ref_score(ref_est *r, const dg_problem *p, double *g, ref_info *info)
{
    int i, m, n = ref_n(p), M = r->cfg.samples, rloo = r->cfg.method == DG_RLOO;
    dg_baseline bl = rloo ? DG_BASELINE_NONE : r->cfg.baseline;
    double beta = (double)r->cfg.ema_decay, c = 0, cv_sum = 0, f_sum = 0, scale = 1;
    if (M > REF_MAX_DRAWS) return DG_ECAPACITY;
    ref_probs_of(p, ref_probs);
    for (m = 0; m < M; ++m) {
        double f;
        ref_draw_score_sample(r, p, ref_probs, ref_hard);
        f = (double)p->f(ref_hard, p->user);
        f_sum += f;
        ref_v[m] = f;
        if (bl == DG_BASELINE_CV) {
            double b = (double)p->cv(ref_hard, p->user);
            cv_sum += b;
            ref_v[m] = f - b;
        }
        for (i = 0; i < n; ++i) ref_s[m][i] = (double)ref_hard[i] - (double)ref_probs[i];
    }
    info->f_evals = M;
    info->f_mean = f_sum / M;
    switch (bl) {
    case DG_BASELINE_CONSTANT: c = (double)r->cfg.baseline_value; break;
    case DG_BASELINE_EMA: c = r->ema_ready ? r->ema : 0; break;
    case DG_BASELINE_INPUT:
        c = (double)p->baseline_input;
        if (r->cfg.normalize && r->sig_ready && r->sig_var > 1) scale = sqrt(r->sig_var);
        if (scale > r->max_scale) r->max_scale = scale;
        break;
    default: break;
    }
    info->baseline = bl == DG_BASELINE_CV ? cv_sum / M : c;
    if (rloo) {
        double mean = f_sum / M;
        for (i = 0; i < n; ++i) {
            double s = 0;
            for (m = 0; m < M; ++m) s += (ref_v[m] - mean) * ref_s[m][i];
            g[i] = s / (M - 1);
        }
        info->baseline = mean;
    } else if (bl == DG_BASELINE_OPTIMAL) {
        /* c_mi = (A_i + sum_{m' != m} f s^2) / (B_i + sum_{m' != m} s^2), 0 with nothing */
        int have = r->opt_n == n;
        double c_total = 0;
        for (i = 0; i < n; ++i) {
            double A = have ? r->opt_fs2[i] : 0, B = have ? r->opt_s2[i] : 0, s = 0;
            for (m = 0; m < M; ++m) {
                double num = A, den = B, cm;
                int o;
                for (o = 0; o < M; ++o) {
                    if (o == m) continue;
                    num += ref_v[o] * ref_s[o][i] * ref_s[o][i];
                    den += ref_s[o][i] * ref_s[o][i];
                }
                cm = den > 0 ? num / den : 0;
                c_total += cm;
                s += (ref_v[m] - cm) * ref_s[m][i];
            }
            g[i] = s / M;
        }
        info->baseline = c_total / ((double)M * n);
    } else {
        for (i = 0; i < n; ++i) {
            double s = 0;
            for (m = 0; m < M; ++m) s += (ref_v[m] - c) * ref_s[m][i];
            g[i] = s / M / scale;
        }
    }
    if (bl == DG_BASELINE_CV) {
        p->cv_mean_grad(p->logits, ref_tmp, p->user);
        for (i = 0; i < n; ++i) g[i] += (double)ref_tmp[i];
    }
    info->learning_signal = info->f_mean - info->baseline;
    /* the state moves after the estimate */
    if (bl == DG_BASELINE_EMA) {
        r->ema = r->ema_ready ? beta * r->ema + (1 - beta) * info->f_mean : info->f_mean;
        r->ema_ready = 1;
    } else if (bl == DG_BASELINE_OPTIMAL) {
        int have = r->opt_n == n;
        for (i = 0; i < n; ++i) {
            double fs2 = 0, s2 = 0;
            for (m = 0; m < M; ++m) {
                fs2 += ref_v[m] * ref_s[m][i] * ref_s[m][i];
                s2 += ref_s[m][i] * ref_s[m][i];
            }
            r->opt_fs2[i] = fs2 + (have ? beta * r->opt_fs2[i] : 0);
            r->opt_s2[i] = s2 + (have ? beta * r->opt_s2[i] : 0);
        }
        r->opt_n = n;
    } else if (bl == DG_BASELINE_INPUT && r->cfg.normalize) {
        /* the moments of l = f - b(x) over the call's draws, folded into running ones */
        double mean_b = 0, sq = 0, var_b;
        for (m = 0; m < M; ++m) { mean_b += (ref_v[m] - c) / M; sq += (ref_v[m] - c) * (ref_v[m] - c) / M; }
        var_b = sq - mean_b * mean_b;
        if (var_b < 0) var_b = 0;
        if (!r->sig_ready) {
            r->sig_mean = mean_b;
            r->sig_var = var_b;
        } else {
            double dm = mean_b - r->sig_mean;
            r->sig_var = beta * r->sig_var + (1 - beta) * (var_b + dm * dm);
            r->sig_mean = beta * r->sig_mean + (1 - beta) * mean_b;
        }
        r->sig_ready = 1;
    }
    return DG_OK;
}

/* ---- ARM, DisARM, ARS -------------------------------------------------------------------- */
static int ref_antithetic(ref_est *r, const dg_problem *p, double *g, ref_info *info)
{
    int d, m, D = p->D, M = r->cfg.samples, disarm = r->cfg.method == DG_DISARM;
    double f_sum = 0;
    if (p->kind != DG_BERNOULLI) return disarm ? DG_EUNSUPPORTED : DG_EINVAL;
    for (d = 0; d < D; ++d) g[d] = 0;
    for (m = 0; m < M; ++m) {
        double f1, f2;
        dg_uniforms(&r->rng, ref_u, D);
        for (d = 0; d < D; ++d) {
            ref_hard[d] = ref_u[d] > dg_sigmoid(-p->logits[d]);
            ref_hard2[d] = ref_u[d] < dg_sigmoid(p->logits[d]);
        }
        f1 = (double)p->f(ref_hard, p->user);
        f2 = (double)p->f(ref_hard2, p->user);
        f_sum += f1 + f2;
        for (d = 0; d < D; ++d) {
            if (!disarm) { g[d] += (f1 - f2) * ((double)ref_u[d] - 0.5); continue; }
            if (ref_hard[d] != ref_hard2[d]) {
                double sig_abs = dgt_sigmoid(fabs((double)p->logits[d]));
                g[d] += 0.5 * (f1 - f2) * ((double)ref_hard[d] - (double)ref_hard2[d]) * sig_abs;
            }
        }
    }
    for (d = 0; d < D; ++d) g[d] /= M;
    info->f_mean = f_sum / (2.0 * M);
    info->f_evals = 2L * M;
    return DG_OK;
}

/* The one-hot sample argmin_k (log E_src(k) - phi_k) per row, E's classes a and b swapped. */
static void ref_ars_sample(const dg_problem *p, int a, int b, dg_real *out)
{
    int d, k, K = p->K;
    for (d = 0; d < p->D; ++d) {
        int best = 0;
        dg_real best_v = 0;
        for (k = 0; k < K; ++k) {
            int src = k == a ? b : k == b ? a : k;
            dg_real v = ref_loge[d * K + src] - p->logits[d * K + k];
            if (k == 0 || v < best_v) { best = k; best_v = v; }
        }
        for (k = 0; k < K; ++k) out[d * K + k] = k == best;
    }
}
static int ref_ars(ref_est *r, const dg_problem *p, double *g, ref_info *info)
{
    int s, d, k, m, K = p->K, n = ref_n(p), M = r->cfg.samples;
    double f_sum = 0;
    long evals = 0;
    for (k = 0; k < n; ++k) g[k] = 0;
    for (s = 0; s < M; ++s) {
        double f0, fbar = 0;
        int j;
        dg_exponentials(&r->rng, ref_cond, n);
        for (k = 0; k < n; ++k) ref_loge[k] = dg_log(ref_cond[k]);
        j = (int)((double)dg_uniform(&r->rng) * K);
        if (j >= K) j = K - 1;
        ref_ars_sample(p, 0, 0, ref_hard);
        f0 = (double)p->f(ref_hard, p->user);
        f_sum += f0;
        evals++;
        for (m = 0; m < K; ++m) {
            ref_fv[m] = f0;
            if (m == j) continue;
            ref_ars_sample(p, m, j, ref_swap);
            if (memcmp(ref_swap, ref_hard, sizeof(dg_real) * (size_t)n) == 0) continue;
            ref_fv[m] = (double)p->f(ref_swap, p->user);
            f_sum += ref_fv[m];
            evals++;
        }
        for (m = 0; m < K; ++m) fbar += ref_fv[m] / K;
        for (d = 0; d < p->D; ++d) {
            double tot = 0, w;
            for (k = 0; k < K; ++k) tot += (double)ref_cond[d * K + k];
            w = 1 - K * (double)ref_cond[d * K + j] / tot;
            for (k = 0; k < K; ++k) g[d * K + k] += (ref_fv[k] - fbar) * w;
        }
    }
    for (k = 0; k < n; ++k) g[k] /= M;
    info->f_mean = f_sum / (double)evals;
    info->f_evals = evals;
    return DG_OK;
}

/* ---- relaxations ------------------------------------------------------------------------- */
static int ref_relaxation(ref_est *r, const dg_problem *p, double *g, ref_info *info)
{
    dg_method meth = r->cfg.method;
    int i, s, n = ref_n(p), S = r->cfg.samples, K = ref_row(p);
    double tau = (double)r->cfg.tau, f_sum = 0;
    for (i = 0; i < n; ++i) g[i] = 0;
    if (meth == DG_GUMBEL_RAO) {
        ref_draw_noise(r, p, ref_x);
        ref_hard_of(p, ref_x, ref_hard);
        f_sum = (double)p->f_grad(ref_hard, ref_dz, p->user);
        info->grad_evals = 1;
    }
    for (s = 0; s < S; ++s) {
        if (meth == DG_GUMBEL_RAO) {
            ref_draw_cond_noise(r, p, ref_cond);
            ref_cond_perturbed(p, ref_hard, ref_cond, ref_xt);
            ref_relax(p, ref_xt, tau, ref_y);
        } else {
            ref_draw_noise(r, p, ref_x);
            ref_relax(p, ref_x, tau, ref_y);
            ref_hard_of(p, ref_x, ref_hard);
            f_sum += (double)p->f_grad(meth == DG_STRAIGHT_THROUGH ? ref_hard : ref_y, ref_dz, p->user);
            info->grad_evals++;
        }
        ref_relax_vjp(p, ref_y, ref_dz, tau, ref_g1);
        for (i = 0; i < n; ++i) g[i] += ref_g1[i] / S;
    }
    (void)K;
    info->f_mean = meth == DG_GUMBEL_RAO ? f_sum : f_sum / S;
    info->tau = tau;
    return DG_OK;
}

/* ---- MuProp ----------------------------------------------------------------------------- */
static int ref_muprop(ref_est *r, const dg_problem *p, double *g, ref_info *info)
{
    int i, m, n = ref_n(p), M = r->cfg.samples;
    double fbar, f_sum = 0;
    ref_probs_of(p, ref_probs);
    fbar = (double)p->f_grad(ref_probs, ref_zbar_grad, p->user);
    for (i = 0; i < n; ++i) g[i] = 0;
    for (m = 0; m < M; ++m) {
        double f, taylor = fbar;
        ref_draw_noise(r, p, ref_x);
        ref_hard_of(p, ref_x, ref_hard);
        f = (double)p->f(ref_hard, p->user);
        f_sum += f;
        for (i = 0; i < n; ++i) taylor += (double)ref_zbar_grad[i] * ((double)ref_hard[i] - (double)ref_probs[i]);
        for (i = 0; i < n; ++i) g[i] += (f - taylor) * ((double)ref_hard[i] - (double)ref_probs[i]) / M;
    }
    /* + J(zbar)^T f'(zbar): the softmax VJP at tau = 1 at zbar itself (p(1 - p) per bit) */
    ref_relax_vjp(p, ref_probs, ref_zbar_grad, 1, ref_g1);
    for (i = 0; i < n; ++i) g[i] += ref_g1[i];
    info->f_mean = f_sum / M;
    info->f_evals = M;
    info->grad_evals = 1;
    return DG_OK;
}

/* ---- REBAR and RELAX (net zero) ---------------------------------------------------------- */
/* One draw's g at (eta, tau) and c = -dg/deta for the noise in ref_x, ref_hard, ref_cond:
     c = f(y~) s - grad_phi f(y) + grad_phi f(y~),  g = f(b) s - eta c. */
static void ref_cv_draw(const dg_problem *p, double fb, double eta, double tau, double *g, double *c)
{
    int i, n = ref_n(p);
    double fyt;
    ref_relax(p, ref_x, tau, ref_y);
    (void)p->f_grad(ref_y, ref_dz, p->user);
    ref_relax_vjp(p, ref_y, ref_dz, tau, ref_g1);               /* grad_phi f(y): dx/dphi = I */
    ref_relax(p, ref_xt, tau, ref_yt);
    fyt = (double)p->f_grad(ref_yt, ref_dzt, p->user);
    ref_relax_vjp(p, ref_yt, ref_dzt, tau, ref_dxt);
    for (i = 0; i < n; ++i) ref_tmp[i] = (dg_real)ref_dxt[i];
    ref_cond_vjp(p, ref_hard, ref_cond, ref_tmp, ref_tmp);      /* through x~(phi) */
    for (i = 0; i < n; ++i) {
        double s = (double)ref_hard[i] - (double)ref_probs[i];
        c[i] = fyt * s - ref_g1[i] + (double)ref_tmp[i];
        g[i] = fb * s - eta * c[i];
    }
}

static double ref_dot(const double *a, const double *b, int n)
{
    int i;
    double s = 0;
    for (i = 0; i < n; ++i) s += a[i] * b[i];
    return s;
}

static double ref_clamp(double x, double lo, double hi) { return x < lo ? lo : x > hi ? hi : x; }

/* One Adam step (betas 0.9 and 0.999, eps 1e-8) with the bias corrections of step t. */
static double ref_adam(double w, double *m, double *v, double grad, double lr, double c1, double c2)
{
    *m = 0.9 * *m + 0.1 * grad;
    *v = 0.999 * *v + 0.001 * grad * grad;
    return w - lr * (*m / c1) / (sqrt(*v / c2) + 1e-8);
}

static double ref_gp[DG_MAX_DIM], ref_cp[DG_MAX_DIM];

static int ref_rebar(ref_est *r, const dg_problem *p, double *g, ref_info *info)
{
    int i, m, n = ref_n(p), M = r->cfg.samples, tune = r->cfg.tune != 0;
    int relax = r->cfg.method == DG_RELAX;
    double eta = r->eta, tau = exp(r->log_tau), f_sum = 0, loss = 0, h = 0.05;
    double sum_ac = 0, sum_cc = 0, d_eta = 0, d_lt = 0;
    ref_probs_of(p, ref_probs);
    for (i = 0; i < n; ++i) g[i] = 0;
    for (m = 0; m < M; ++m) {
        double fb;
        ref_draw_noise(r, p, ref_x);
        ref_hard_of(p, ref_x, ref_hard);
        ref_draw_cond_noise(r, p, ref_cond);
        ref_cond_perturbed(p, ref_hard, ref_cond, ref_xt);
        fb = (double)p->f(ref_hard, p->user);
        f_sum += fb;
        ref_cv_draw(p, fb, eta, tau, ref_gp, ref_c);
        loss += ref_dot(ref_gp, ref_gp, n);
        for (i = 0; i < n; ++i) g[i] += ref_gp[i] / M;
        if (!tune) continue;
        {
            double gc = ref_dot(ref_gp, ref_c, n), cc = ref_dot(ref_c, ref_c, n), gp2, gm2;
            ref_cv_draw(p, fb, eta, tau * exp(h), ref_gp, ref_cp);
            gp2 = ref_dot(ref_gp, ref_gp, n);
            ref_cv_draw(p, fb, eta, tau * exp(-h), ref_gp, ref_cp);
            gm2 = ref_dot(ref_gp, ref_gp, n);
            d_lt += (gp2 - gm2) / (2 * h);
            sum_ac += gc + eta * cc; /* a = g + eta c */
            sum_cc += cc;
            d_eta += -2 * gc;
        }
    }
    info->f_mean = f_sum / M;
    info->f_evals = M;
    info->grad_evals = (tune ? 6L : 2L) * M + 0;
    info->eta = eta;
    info->tau = tau;
    info->surrogate_loss = loss / M;
    if (!tune) return DG_OK;
    r->tune_draws += M;
    r->b1pow *= 0.9;
    r->b2pow *= 0.999;
    {
        double lr = (double)r->cfg.lr, c1 = 1 - r->b1pow, c2 = 1 - r->b2pow;
        r->log_tau = ref_clamp(ref_adam(r->log_tau, &r->m_lt, &r->v_lt, d_lt / M, lr, c1, c2),
                               log(0.01), log(10.0));
        if (relax) {
            r->eta = ref_clamp(ref_adam(r->eta, &r->m_eta, &r->v_eta, d_eta / M, lr, c1, c2), -100, 100);
        } else {
            r->avg_ac = 0.999 * r->avg_ac + 0.001 * sum_ac / M;
            r->avg_cc = 0.999 * r->avg_cc + 0.001 * sum_cc / M;
            if (r->tune_draws >= 20 && r->avg_cc > 0) r->eta = ref_clamp(r->avg_ac / r->avg_cc, -100, 100);
        }
    }
    return DG_OK;
}

/* The reference of one dg_estimate call: g (n values) and info. */
DGT_UNUSED static int ref_estimate(ref_est *r, const dg_problem *p, double *g, ref_info *info)
{
    memset(info, 0, sizeof *info);
    switch (r->cfg.method) {
    case DG_REINFORCE:
    case DG_RLOO: return ref_score(r, p, g, info);
    case DG_ARM: return p->kind == DG_CATEGORICAL ? ref_ars(r, p, g, info) : ref_antithetic(r, p, g, info);
    case DG_DISARM: return ref_antithetic(r, p, g, info);
    case DG_GUMBEL_SOFTMAX:
    case DG_STRAIGHT_THROUGH:
    case DG_GUMBEL_RAO: return ref_relaxation(r, p, g, info);
    case DG_MUPROP: return ref_muprop(r, p, g, info);
    case DG_REBAR:
    case DG_RELAX: return ref_rebar(r, p, g, info);
    default: return DG_EINVAL;
    }
}

/* Largest |a_i - b_i| over the largest |b_i| (at least floor): 0 when equal. */
DGT_UNUSED static double ref_rel_diff(const dg_real *a, const double *b, int n, double floor)
{
    int i;
    double worst = 0, scale = floor;
    for (i = 0; i < n; ++i) if (fabs(b[i]) > scale) scale = fabs(b[i]);
    for (i = 0; i < n; ++i) {
        double d = fabs((double)a[i] - b[i]);
        if (!(d <= worst)) worst = d; /* NaN sticks */
    }
    return worst / scale;
}

#endif
