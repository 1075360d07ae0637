/* vae.c - a discrete variational autoencoder on binarised Fashion-MNIST, trained with any of
   discgrad's estimators for the encoder's logits.

   Data: run examples/get-data.sh first (installs Debian's dataset-fashion-mnist when absent and
   unpacks the IDX files into build/data/). Pixels are binarised at 0.5 (fixed threshold).

   Models:
     bernoulli    200 Bernoulli latents, linear encoder 784-200 and decoder 200-784 (the DisARM
                  protocol's linear model; batch 50). Default Adam rate 1e-3, ten times DisARM's
                  1e-4, so that a run of a few thousand steps shows progress.
     categorical  20 categorical latents of 10 classes, encoder 784-512-256-(20x10) and decoder
                  (20x10)-256-512-784 with ReLU (Jang et al. 2017). Adam 1e-3.
   Prior: uniform (p = 1/2 per bit, 1/10 per class).

   Objective: -ELBO(x) = E_q[-log p(x|z)] + KL(q(z|x) || p(z)), minimised. The KL is analytic
   (q and p factorise), so its gradient is exact; the estimator handles the expectation only:
   per example the problem's f(z) is the decoder's negative log-likelihood -log p(x|z), with
   df/dz by backpropagation through the decoder for the methods that need it. The decoder gets
   its gradient at the samples the estimator evaluated: the discrete ones (averaged) when there
   are any, else (Gumbel-softmax) the relaxed ones. The set methods (unordered-set,
   sum-and-sample) evaluate M distinct configurations, not M draws from q: their estimate of
   E_q f is sum_j w_j f(z_j) with the weights problem.weights returns, and the decoder's
   gradient is weighted the same way, sum_j w_j grad f(z_j) (a plain mean would be biased);
   their train -ELBO is that weighted sum plus the KL. vimco trains another objective, the
   multi-sample bound L = log (1/K) sum_k p(x, z_k) / q(z_k) of K = --samples draws (default 2):
   its f is log p(x, z) = log p(z) - NLL, the encoder follows the estimate of grad L (no KL term:
   the bound has it inside), the decoder sum_k w_k grad NLL(z_k) with VIMCO's weights, and its
   train column is -L (at most the -ELBO for K = 1). Test -ELBO values are single-sample
   estimates at discrete z ~ q (nats, lower is better), so relaxed and discrete methods are
   measured the same way.

   Training step: through ask, tell and commit. The encoder runs over the batch's examples at
   once, one dg_ask draws for all of them (problem.batch = B), the decoder evaluates every point
   of that draw in one batched pass (its NLL, and df/dz at the points that need it), one dg_tell
   forms the B estimates and one dg_commit ends the step. The batched passes give each row the
   bits of a pass of its own, so --unbatched (one dg_estimate per example, the decoder called
   back once per point) trains the same model bit for bit, more slowly -- except with --tune:
   REBAR and RELAX learn at each commit, once per step here and once per example there.

   Usage:
     vae [--model bernoulli|categorical] [--methods disarm,rloo,...] [--steps N] [--batch B]
         [--lr R] [--eval-every N] [--test-n N] [--samples S] [--tau T] [--tune] [--seed S]
         [--unbatched]
         [--data DIR] [--svg FILE] [--csv FILE] [--require-improvement NATS]
     vae --replot CSV [--model M] --svg FILE
   --csv saves the test -ELBO curves; --replot draws such a file again without training.
   --require-improvement makes the exit status 1 when a method that ran lowered the test -ELBO
   by less than NATS (methods the header does not provide yet are reported and skipped).
   Every method starts from the same initial weights and sees the same batches. Several methods
   write an SVG of the test -ELBO curves (examples/svgplot.h) (default build/vae-<model>.svg). */
#define _POSIX_C_SOURCE 199309L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#define DISCGRAD_IMPLEMENTATION
#include "discgrad.h"
#include "method_names.h"
#include "svgplot.h"
#include "plotstyle.h"

#define NPIX 784
#define MAXW 1024       /* widest layer */
#define MAXL 4          /* most layers per network */
#define MAXREC 64       /* f calls recorded per example for the decoder's gradient */
#define MAXMETHODS 16
#define MAXPOINTS 4096

/* ---------------------------------------------------------------------------------------------
   Data
   ------------------------------------------------------------------------------------------- */
typedef struct dataset {
    int n;
    unsigned char *pix; /* n * NPIX bits as bytes 0/1 */
} dataset;

static unsigned long be32(const unsigned char *b)
{
    return ((unsigned long)b[0] << 24) | ((unsigned long)b[1] << 16) | ((unsigned long)b[2] << 8) | b[3];
}

/* Reads an IDX3 image file and binarises it at 0.5. */
static int load_idx_images(const char *path, dataset *ds)
{
    unsigned char h[16];
    unsigned long i, n;
    FILE *fp = fopen(path, "rb");
    if (!fp) return -1;
    if (fread(h, 1, 16, fp) != 16 || be32(h) != 0x803 || be32(h + 8) != 28 || be32(h + 12) != 28) {
        fclose(fp);
        return -2;
    }
    n = be32(h + 4);
    ds->pix = (unsigned char *)malloc(n * NPIX);
    if (!ds->pix || fread(ds->pix, 1, n * NPIX, fp) != n * NPIX) {
        fclose(fp);
        return -2;
    }
    fclose(fp);
    for (i = 0; i < n * NPIX; ++i) ds->pix[i] = ds->pix[i] >= 128;
    ds->n = (int)n;
    return 0;
}

/* ---------------------------------------------------------------------------------------------
   A small fully connected network with hand-written backward. Weights are stored input-major,
   W[i * out + o], so a zero input (a 0 bit, a 0 pixel) skips a whole row.
   ------------------------------------------------------------------------------------------- */
typedef struct layer {
    int in, out;
    dg_real *W, *b;          /* parameters */
    dg_real *gW, *gb;        /* accumulated gradients */
    dg_real *mW, *vW, *mb, *vb; /* Adam moments */
} layer;

typedef struct mlp {
    int n;                   /* layers; ReLU after every layer but the last */
    layer L[MAXL];
} mlp;

/* Activations of one pass: act[0] is the input, act[l + 1] the output of layer l. */
typedef struct trace {
    dg_real act[MAXL + 1][MAXW];
    dg_real delta[MAXL + 1][MAXW];
} trace;

static dg_real *zeros(size_t n)
{
    dg_real *p = (dg_real *)calloc(n, sizeof *p);
    if (!p) { fprintf(stderr, "out of memory\n"); exit(1); }
    return p;
}

static void mlp_init(mlp *m, const int *widths, int nlayers, dg_rng *r)
{
    int l;
    size_t i;
    m->n = nlayers;
    for (l = 0; l < nlayers; ++l) {
        layer *L = &m->L[l];
        size_t nw;
        dg_real s;
        L->in = widths[l];
        L->out = widths[l + 1];
        nw = (size_t)L->in * (size_t)L->out;
        L->W = zeros(nw); L->gW = zeros(nw); L->mW = zeros(nw); L->vW = zeros(nw);
        L->b = zeros((size_t)L->out); L->gb = zeros((size_t)L->out);
        L->mb = zeros((size_t)L->out); L->vb = zeros((size_t)L->out);
        s = (dg_real)sqrt(6.0 / (L->in + L->out)); /* Glorot uniform */
        for (i = 0; i < nw; ++i) L->W[i] = s * (2 * dg_uniform(r) - 1);
    }
}

static void mlp_copy_params(mlp *dst, const mlp *src)
{
    int l;
    for (l = 0; l < src->n; ++l) {
        const layer *S = &src->L[l];
        layer *T = &dst->L[l];
        size_t nw = (size_t)S->in * (size_t)S->out, nb = (size_t)S->out;
        memcpy(T->W, S->W, nw * sizeof *T->W);
        memcpy(T->b, S->b, nb * sizeof *T->b);
        memset(T->gW, 0, nw * sizeof *T->gW); memset(T->mW, 0, nw * sizeof *T->mW);
        memset(T->vW, 0, nw * sizeof *T->vW);
        memset(T->gb, 0, nb * sizeof *T->gb); memset(T->mb, 0, nb * sizeof *T->mb);
        memset(T->vb, 0, nb * sizeof *T->vb);
    }
}

/* Forward pass of x through m, recording activations in t; returns the output. */
static const dg_real *mlp_forward(const mlp *m, const dg_real *x, trace *t)
{
    int l, i, o;
    memcpy(t->act[0], x, (size_t)m->L[0].in * sizeof *x);
    for (l = 0; l < m->n; ++l) {
        const layer *L = &m->L[l];
        const dg_real *in = t->act[l];
        dg_real *out = t->act[l + 1];
        memcpy(out, L->b, (size_t)L->out * sizeof *out);
        for (i = 0; i < L->in; ++i) {
            const dg_real xi = in[i], *w = L->W + (size_t)i * L->out;
            if (xi == 0) continue;
            for (o = 0; o < L->out; ++o) out[o] += xi * w[o];
        }
        if (l + 1 < m->n)
            for (o = 0; o < L->out; ++o) out[o] = out[o] > 0 ? out[o] : 0;
    }
    return t->act[m->n];
}

/* Backward pass from dout (gradient wrt the output of the last forward through t). Adds the
   parameter gradients (scaled by `scale`) when accumulate is set; writes the gradient wrt the
   input to dx when it is not NULL. */
static void mlp_backward(mlp *m, trace *t, const dg_real *dout, dg_real scale, int accumulate,
                         dg_real *dx)
{
    int l, i, o;
    memcpy(t->delta[m->n], dout, (size_t)m->L[m->n - 1].out * sizeof *dout);
    for (l = m->n - 1; l >= 0; --l) {
        layer *L = &m->L[l];
        const dg_real *in = t->act[l], *d = t->delta[l + 1];
        dg_real *din = t->delta[l];
        int need_din = l > 0 || dx != NULL;
        if (accumulate) {
            for (o = 0; o < L->out; ++o) L->gb[o] += scale * d[o];
            for (i = 0; i < L->in; ++i) {
                const dg_real xi = scale * in[i];
                dg_real *g = L->gW + (size_t)i * L->out;
                if (xi == 0) continue;
                for (o = 0; o < L->out; ++o) g[o] += xi * d[o];
            }
        }
        if (!need_din) break;
        for (i = 0; i < L->in; ++i) {
            const dg_real *w = L->W + (size_t)i * L->out;
            dg_real s = 0;
            if (l > 0 && in[i] <= 0) { din[i] = 0; continue; } /* ReLU was off */
            for (o = 0; o < L->out; ++o) s += w[o] * d[o];
            din[i] = s;
        }
    }
    if (dx) memcpy(dx, t->delta[0], (size_t)m->L[0].in * sizeof *dx);
}

static void adam_update(dg_real *w, dg_real *g, dg_real *m, dg_real *v, size_t n, double lr,
                        double c1, double c2)
{
    size_t i;
    for (i = 0; i < n; ++i) {
        m[i] = (dg_real)(0.9 * m[i] + 0.1 * g[i]);
        v[i] = (dg_real)(0.999 * v[i] + 0.001 * g[i] * g[i]);
        w[i] -= (dg_real)(lr * (m[i] / c1) / (sqrt(v[i] / c2) + 1e-8));
        g[i] = 0;
    }
}

static void mlp_adam(mlp *m, double lr, long t)
{
    int l;
    double c1 = 1 - pow(0.9, (double)t), c2 = 1 - pow(0.999, (double)t);
    for (l = 0; l < m->n; ++l) {
        layer *L = &m->L[l];
        adam_update(L->W, L->gW, L->mW, L->vW, (size_t)L->in * (size_t)L->out, lr, c1, c2);
        adam_update(L->b, L->gb, L->mb, L->vb, (size_t)L->out, lr, c1, c2);
    }
}

/* Forward and backward passes over N rows at once (row r of X is an input). Each weight row is
   used for RB rows while it is in the cache, instead of once per row: the batched matrix
   product that one dg_ask of a whole batch makes possible. Every row gets the bits mlp_forward
   and mlp_backward give it alone (the same sums in the same order). act[l] and delta[l] hold
   N rows of layer l's width. */
#define RB 16

static void mlp_forward_rows(const mlp *m, const dg_real *X, int N, dg_real **act)
{
    int l, i, o, r, r0;
    memcpy(act[0], X, (size_t)N * m->L[0].in * sizeof *X);
    for (l = 0; l < m->n; ++l) {
        const layer *L = &m->L[l];
        for (r = 0; r < N; ++r) memcpy(act[l + 1] + (size_t)r * L->out, L->b, (size_t)L->out * sizeof *L->b);
        for (r0 = 0; r0 < N; r0 += RB) {
            int r1 = r0 + RB < N ? r0 + RB : N;
            for (i = 0; i < L->in; ++i) {
                const dg_real *w = L->W + (size_t)i * L->out;
                for (r = r0; r < r1; ++r) {
                    dg_real xi = act[l][(size_t)r * L->in + i], *out = act[l + 1] + (size_t)r * L->out;
                    if (xi == 0) continue;
                    for (o = 0; o < L->out; ++o) out[o] += xi * w[o];
                }
            }
        }
        if (l + 1 < m->n)
            for (r = 0; r < N * L->out; ++r) act[l + 1][r] = act[l + 1][r] > 0 ? act[l + 1][r] : 0;
    }
}

/* From delta[m->n] (the gradients wrt the outputs): adds each row's parameter gradients scaled
   by scale[r] (rows with 0 add nothing), and leaves in delta[0] the gradient wrt the input of
   the rows with want_dx[r]. */
static void mlp_backward_rows(mlp *m, int N, dg_real **act, dg_real **delta, const dg_real *scale,
                              const int *want_dx)
{
    int l, i, o, r, r0;
    for (l = m->n - 1; l >= 0; --l) {
        layer *L = &m->L[l];
        for (r = 0; r < N; ++r) {
            const dg_real *d = delta[l + 1] + (size_t)r * L->out;
            if (scale[r] != 0) for (o = 0; o < L->out; ++o) L->gb[o] += scale[r] * d[o];
        }
        for (r0 = 0; r0 < N; r0 += RB) {
            int r1 = r0 + RB < N ? r0 + RB : N;
            for (i = 0; i < L->in; ++i) {
                dg_real *g = L->gW + (size_t)i * L->out;
                const dg_real *w = L->W + (size_t)i * L->out;
                for (r = r0; r < r1; ++r) {
                    const dg_real *d = delta[l + 1] + (size_t)r * L->out;
                    const dg_real in = act[l][(size_t)r * L->in + i], xi = scale[r] * in;
                    dg_real sum = 0;
                    if (xi != 0) for (o = 0; o < L->out; ++o) g[o] += xi * d[o];
                    /* inner layers' deltas for every row that learns or wants dx; the input's for
                       the rows that want it */
                    if (!(want_dx[r] || (l > 0 && scale[r] != 0)) || (l > 0 && in <= 0)) {
                        delta[l][(size_t)r * L->in + i] = 0;
                        continue;
                    }
                    for (o = 0; o < L->out; ++o) sum += w[o] * d[o];
                    delta[l][(size_t)r * L->in + i] = sum;
                }
            }
        }
    }
}

/* ---------------------------------------------------------------------------------------------
   The VAE
   ------------------------------------------------------------------------------------------- */
typedef struct vae {
    dg_kind kind;
    int D, K, nz;            /* latents, classes, logits (D or D*K) */
    mlp enc, dec;
} vae;

static dg_real softplus(dg_real a) { return a > 0 ? a + (dg_real)log1p(exp(-a)) : (dg_real)log1p(exp(a)); }

/* -log p(x | decoder logits a) for binary x, and its gradient wrt a when da is not NULL. */
static dg_real bernoulli_nll(const dg_real *a, const dg_real *x, dg_real *da)
{
    dg_real s = 0;
    int j;
    for (j = 0; j < NPIX; ++j) {
        s += softplus(a[j]) - x[j] * a[j];
        if (da) da[j] = dg_sigmoid(a[j]) - x[j];
    }
    return s;
}

/* KL(q || uniform prior) and its gradient wrt the logits (added to grad when not NULL). */
static dg_real kl_uniform(const vae *v, const dg_real *phi, dg_real *grad)
{
    dg_real kl = 0;
    int d, k;
    if (v->kind == DG_BERNOULLI) {
        for (d = 0; d < v->D; ++d) {
            dg_real p = dg_sigmoid(phi[d]), lp = -softplus(-phi[d]), lq = -softplus(phi[d]);
            kl += p * lp + (1 - p) * lq + (dg_real)log(2.0);
            if (grad) grad[d] += p * (1 - p) * phi[d];
        }
        return kl;
    }
    for (d = 0; d < v->D; ++d) {
        dg_real lp[MAXW], ent = 0;
        const dg_real *row = phi + d * v->K;
        dg_log_softmax(row, v->K, 1, lp);
        for (k = 0; k < v->K; ++k) ent += (dg_real)exp(lp[k]) * lp[k];
        kl += ent + (dg_real)log((double)v->K);
        if (grad)
            for (k = 0; k < v->K; ++k) grad[d * v->K + k] += (dg_real)exp(lp[k]) * (lp[k] - ent);
    }
    return kl;
}

/* log p(z) under the uniform prior, the same for every z: -D log 2, or -D log K. */
static dg_real log_prior(const vae *v)
{
    return -(dg_real)v->D * (dg_real)log(v->kind == DG_BERNOULLI ? 2.0 : (double)v->K);
}

/* What the objective callbacks see for one example, and what they record. */
typedef struct example_ctx {
    vae *v;
    int log_joint;           /* DG_VIMCO: f is log p(x, z) = log p(z) - NLL, not the NLL */
    dg_real x[NPIX];
    trace t;
    dg_real a_grad[NPIX];
    int nrec, ncalls;
    dg_real rec_z[MAXREC][MAXW];
    dg_real rec_f[MAXREC];
    int rec_discrete[MAXREC];
} example_ctx;

static int is_discrete(const dg_real *z, int n)
{
    int i;
    for (i = 0; i < n; ++i) if (z[i] != 0 && z[i] != 1) return 0;
    return 1;
}

static void record(example_ctx *c, const dg_real *z, dg_real f)
{
    c->ncalls++;
    if (c->nrec == MAXREC) return;
    memcpy(c->rec_z[c->nrec], z, (size_t)c->v->nz * sizeof *z);
    c->rec_f[c->nrec] = f;
    c->rec_discrete[c->nrec] = is_discrete(z, c->v->nz);
    c->nrec++;
}

static dg_real f_nll(const dg_real *z, void *user)
{
    example_ctx *c = (example_ctx *)user;
    dg_real f = bernoulli_nll(mlp_forward(&c->v->dec, z, &c->t), c->x, NULL);
    record(c, z, f);
    return c->log_joint ? log_prior(c->v) - f : f;
}

static dg_real f_nll_grad(const dg_real *z, dg_real *dz, void *user)
{
    example_ctx *c = (example_ctx *)user;
    dg_real f = bernoulli_nll(mlp_forward(&c->v->dec, z, &c->t), c->x, c->a_grad);
    mlp_backward(&c->v->dec, &c->t, c->a_grad, 1, 0, dz);
    record(c, z, f);
    return f;
}

/* One discrete sample z ~ q(.|x) with the given rng. */
static void sample_latent(const vae *v, const dg_real *phi, dg_rng *r, dg_real *z)
{
    int d, k;
    if (v->kind == DG_BERNOULLI) {
        for (d = 0; d < v->D; ++d) z[d] = (dg_real)dg_sample_bernoulli(r, phi[d]);
        return;
    }
    for (d = 0; d < v->D; ++d) {
        int c = dg_sample_categorical(r, phi + d * v->K, v->K);
        for (k = 0; k < v->K; ++k) z[d * v->K + k] = k == c;
    }
}

static void load_example(const dataset *ds, int i, dg_real *x)
{
    int j;
    for (j = 0; j < NPIX; ++j) x[j] = ds->pix[(size_t)i * NPIX + j];
}

/* Mean single-sample -ELBO over the first n test images; the rng is reseeded so every call
   (and every method) sees the same noise. */
static double evaluate(vae *v, const dataset *test, int n, example_ctx *c)
{
    dg_rng r;
    dg_real phi[MAXW], z[MAXW];
    double total = 0;
    int i;
    dg_rng_seed(&r, 777, 0);
    for (i = 0; i < n; ++i) {
        load_example(test, i, c->x);
        memcpy(phi, mlp_forward(&v->enc, c->x, &c->t), (size_t)v->nz * sizeof *phi);
        sample_latent(v, phi, &r, z);
        total += bernoulli_nll(mlp_forward(&v->dec, z, &c->t), c->x, NULL) + kl_uniform(v, phi, NULL);
    }
    return total / n;
}

typedef struct curve {
    const char *name;
    int n;
    double x[MAXPOINTS], y[MAXPOINTS];
} curve;

/* Reads the curves of a file written by --csv; returns how many, or -1 when unreadable. */
static int read_curves(const char *path, curve *cs, int max, char names[][64])
{
    char line[256], name[64];
    double x, y;
    int nc = 0, k;
    FILE *fp = fopen(path, "r");
    if (!fp) return -1;
    if (!fgets(line, sizeof line, fp)) { fclose(fp); return -1; } /* header */
    while (fgets(line, sizeof line, fp)) {
        if (sscanf(line, "%63[^,],%lf,%lf", name, &x, &y) != 3) continue;
        for (k = 0; k < nc && strcmp(names[k], name) != 0; ++k) {}
        if (k == nc) {
            if (nc == max) continue;
            strcpy(names[nc], name);
            cs[nc].name = names[nc];
            cs[nc].n = 0;
            nc++;
        }
        if (cs[k].n < MAXPOINTS) { cs[k].x[cs[k].n] = x; cs[k].y[cs[k].n++] = y; }
    }
    fclose(fp);
    return nc;
}

/* ---------------------------------------------------------------------------------------------
   Training
   ------------------------------------------------------------------------------------------- */
typedef struct options {
    dg_kind kind;
    int steps, batch, eval_every, test_n, samples, tune;
    int unbatched;           /* the per-example path: dg_estimate with callbacks, one at a time */
    double lr, tau, require; /* require: least test -ELBO improvement (nats), 0 = no check */
    double initial;          /* test -ELBO at the common starting point: every curve's step 0 */
    unsigned long seed;
    const char *data, *svg, *csv, *replot;
} options;

typedef struct run_result {
    int rc;                       /* DG_OK, or the error that stopped the run */
    double train, test, steps_per_s;
    curve test_curve;
} run_result;

static dg_estimator est;
static dg_real *est_mem; /* its memory, sized for the model's latent layer */
static example_ctx ctx;

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* Decoder gradient for one example at the recorded samples: the discrete ones when there are
   any, else the relaxed ones; with weights (the set methods' problem.weights: dg_estimate calls
   f once per point, in the order of the points, so one per recorded call) each sample counts
   by its weight instead, since their points are not draws from q and a plain mean over them
   would be biased. Returns the NLL at discrete samples (their mean,
   or the weighted sum), or -1 when none. */
static dg_real decoder_step(vae *v, example_ctx *c, dg_real scale, const dg_real *weights)
{
    int i, ndisc = 0, use_disc;
    dg_real nll = 0;
    for (i = 0; i < c->nrec; ++i) ndisc += c->rec_discrete[i];
    use_disc = ndisc > 0;
    for (i = 0; i < c->nrec; ++i) {
        dg_real w = weights ? weights[i] : (dg_real)1 / (use_disc ? ndisc : c->nrec);
        if (c->rec_discrete[i] != use_disc) continue;
        bernoulli_nll(mlp_forward(&v->dec, c->rec_z[i], &c->t), c->x, c->a_grad);
        mlp_backward(&v->dec, &c->t, c->a_grad, scale * w, 1, NULL);
        if (use_disc) nll += w * c->rec_f[i];
    }
    return use_disc ? nll : -1;
}

/* Whether the method estimates E_q f as a weighted sum over distinct points, whose weights
   (problem.weights) must then weigh the decoder's gradient too. */
static int weighted_points(dg_method m) { return m == DG_UNORDERED_SET || m == DG_SUM_AND_SAMPLE; }

/* The buffers of the batched step: rows for the encoder (one per example) and for the decoder
   (one per point of the batch's draw). */
typedef struct batch_bufs {
    int rows;                                       /* decoder rows the buffers hold */
    dg_real *x, *phi, *g, *values, *grads, *scale, *weights, *draw_mem;
    size_t draw_count;
    int *want_dx;
    dg_real *eact[MAXL + 1], *edelta[MAXL + 1], *dact[MAXL + 1], *ddelta[MAXL + 1];
} batch_bufs;
static batch_bufs bb;

static void bufs_free(void)
{
    int l;
    free(bb.x); free(bb.phi); free(bb.g); free(bb.values); free(bb.grads); free(bb.scale);
    free(bb.weights); free(bb.draw_mem); free(bb.want_dx);
    for (l = 0; l <= MAXL; ++l) { free(bb.eact[l]); free(bb.edelta[l]); free(bb.dact[l]); free(bb.ddelta[l]); }
    memset(&bb, 0, sizeof bb);
}

/* The buffers for B examples and a draw of draw_count values; the decoder's rows, which depend
   on the points per example, come with the first draw (bufs_rows). */
static void bufs_alloc(const vae *v, int B, size_t draw_count)
{
    int l;
    bufs_free();
    bb.x = zeros((size_t)B * NPIX);
    bb.phi = zeros((size_t)B * v->nz);
    bb.g = zeros((size_t)B * v->nz);
    bb.draw_mem = zeros(draw_count);
    bb.draw_count = draw_count;
    for (l = 0; l <= v->enc.n; ++l) {
        int w = l == 0 ? v->enc.L[0].in : v->enc.L[l - 1].out;
        bb.eact[l] = zeros((size_t)B * w);
        bb.edelta[l] = zeros((size_t)B * w);
    }
}

static void bufs_rows(const vae *v, int N)
{
    int l;
    if (bb.rows >= N) return;
    free(bb.values); free(bb.grads); free(bb.scale); free(bb.weights); free(bb.want_dx);
    bb.rows = N > 1 ? N : 1;
    bb.values = zeros((size_t)bb.rows);
    bb.weights = zeros((size_t)bb.rows);
    bb.grads = zeros((size_t)bb.rows * v->nz);
    bb.scale = zeros((size_t)bb.rows);
    bb.want_dx = (int *)calloc((size_t)bb.rows, sizeof(int));
    if (!bb.want_dx) { fprintf(stderr, "out of memory\n"); exit(1); }
    for (l = 0; l <= v->dec.n; ++l) {
        int w = l == 0 ? v->dec.L[0].in : v->dec.L[l - 1].out;
        free(bb.dact[l]);
        free(bb.ddelta[l]);
        bb.dact[l] = zeros((size_t)bb.rows * w);
        bb.ddelta[l] = zeros((size_t)bb.rows * w);
    }
}

/* The end of a batched step, after the tell: the commit, and the encoder's gradient (the
   estimates in bb.g plus the KL's, averaged over the batch; for DG_VIMCO, whose estimate is of
   the bound's gradient, to be raised, its negation and no KL). Returns loss. */
static double encoder_step(vae *v, int B, double loss, int *rc_out)
{
    int b, j, n = v->nz, vimco = est.cfg.method == DG_VIMCO;
    dg_commit(&est);
    for (b = 0; b < B; ++b) {
        dg_real *gb = bb.g + (size_t)b * n;
        if (!vimco) kl_uniform(v, bb.phi + (size_t)b * n, gb);
        for (j = 0; j < n; ++j) gb[j] /= vimco ? -B : B;
        bb.scale[b] = 1;
        bb.want_dx[b] = 0;
    }
    memcpy(bb.edelta[v->enc.n], bb.g, (size_t)B * n * sizeof *bb.g);
    mlp_backward_rows(&v->enc, B, bb.eact, bb.edelta, bb.scale, bb.want_dx);
    *rc_out = DG_OK;
    return loss;
}

/* One training step through ask, tell and commit: the encoder over the batch's B examples at
   once, one draw for all of them (problem.batch = B), the decoder over all the draw's points at
   once (its NLL, and df/dz where the method needs it), the tell, one commit. The decoder learns
   at each example's discrete points (else its relaxed ones) as in the per-example step.
   Returns the batch's summed -ELBO at discrete points. */
static double train_step_batched(vae *v, const options *o, dg_problem *p, const int *idx,
                                 const dataset *train, dg_rng *aux_rng, int *rc_out)
{
    int B = o->batch, b, j, r, P, n = v->nz, rc;
    double loss = 0;
    dg_draw d;
    dg_real z[MAXW];
    for (b = 0; b < B; ++b) load_example(train, idx[b], bb.x + (size_t)b * NPIX);
    mlp_forward_rows(&v->enc, bb.x, B, bb.eact);
    memcpy(bb.phi, bb.eact[v->enc.n], (size_t)B * n * sizeof *bb.phi);
    p->logits = bb.phi;
    p->batch = B;
    rc = dg_ask(&est, p, &d, bb.draw_mem, bb.draw_count);
    if (rc != DG_OK) { *rc_out = rc; return 0; }
    P = d.per_example;
    bufs_rows(v, B * P > B ? B * P : B);
    /* the decoder over every point: NLL, and the gradient wrt the point where it is needed */
    mlp_forward_rows(&v->dec, d.points, B * P, bb.dact);
    for (r = 0; r < B * P; ++r) {
        const dg_real *a = bb.dact[v->dec.n] + (size_t)r * NPIX, *x = bb.x + (size_t)(r / P) * NPIX;
        int need = dg_point_needs(&d, r / P, r % P);
        bb.want_dx[r] = need == DG_NEED_GRAD;
        bb.values[r] = bernoulli_nll(a, x, bb.ddelta[v->dec.n] + (size_t)r * NPIX);
        bb.scale[r] = 0;
    }
    if (est.cfg.method == DG_VIMCO) { /* f = log p(x, z); the loss is -L, the decoder's w_k NLL_k */
        dg_info info;
        for (r = 0; r < B * P; ++r) bb.values[r] = log_prior(v) - bb.values[r];
        p->weights = bb.weights;
        rc = dg_tell(&est, &d, p, bb.values, NULL, bb.g, &info);
        p->weights = NULL;
        if (rc != DG_OK) { *rc_out = rc; return 0; }
        for (r = 0; r < B * P; ++r) bb.scale[r] = bb.weights[r] / (dg_real)B;
        mlp_backward_rows(&v->dec, B * P, bb.dact, bb.ddelta, bb.scale, bb.want_dx);
        return encoder_step(v, B, -(double)info.bound * B, rc_out);
    }
    if (weighted_points(est.cfg.method)) { /* the weights come with the tell: the decoder after it */
        p->weights = bb.weights;
        rc = dg_tell(&est, &d, p, bb.values, NULL, bb.g, NULL);
        p->weights = NULL;
        if (rc != DG_OK) { *rc_out = rc; return 0; }
        for (b = 0; b < B; ++b) {
            for (j = 0; j < P; ++j) {
                r = b * P + j;
                bb.scale[r] = bb.weights[r] / (dg_real)B;
                loss += bb.weights[r] * bb.values[r];
            }
            loss += kl_uniform(v, bb.phi + (size_t)b * n, NULL);
        }
        mlp_backward_rows(&v->dec, B * P, bb.dact, bb.ddelta, bb.scale, bb.want_dx);
        return encoder_step(v, B, loss, rc_out);
    }
    /* which points teach the decoder: each example's discrete ones, else its relaxed ones */
    for (b = 0; b < B; ++b) {
        int ndisc = 0, nrel = 0, use_disc;
        dg_real nll = 0;
        for (j = 0; j < P; ++j) {
            r = b * P + j;
            if (dg_point_needs(&d, b, j) == DG_NEED_NONE) continue;
            if (is_discrete(d.points + (size_t)r * n, n)) { ndisc++; nll += bb.values[r]; } else nrel++;
        }
        use_disc = ndisc > 0;
        for (j = 0; j < P; ++j) {
            r = b * P + j;
            if (dg_point_needs(&d, b, j) == DG_NEED_NONE) continue;
            if (is_discrete(d.points + (size_t)r * n, n) == use_disc)
                bb.scale[r] = (dg_real)1 / (dg_real)(B * (use_disc ? ndisc : nrel));
        }
        if (!use_disc) { /* only relaxed points: measure at a discrete one */
            sample_latent(v, bb.phi + (size_t)b * n, aux_rng, z);
            nll = bernoulli_nll(mlp_forward(&v->dec, z, &ctx.t), bb.x + (size_t)b * NPIX, NULL);
            ndisc = 1;
        }
        loss += nll / ndisc + kl_uniform(v, bb.phi + (size_t)b * n, NULL);
    }
    mlp_backward_rows(&v->dec, B * P, bb.dact, bb.ddelta, bb.scale, bb.want_dx);
    for (r = 0; r < B * P; ++r)
        if (bb.want_dx[r]) memcpy(bb.grads + (size_t)r * n, bb.ddelta[0] + (size_t)r * n, (size_t)n * sizeof *bb.grads);
    rc = dg_tell(&est, &d, p, bb.values, d.needs_grad ? bb.grads : NULL, bb.g, NULL);
    if (rc != DG_OK) { *rc_out = rc; return 0; }
    return encoder_step(v, B, loss, rc_out);
}

static void run_method(vae *v, const vae *init, dg_method method, const options *o,
                       const dataset *train, const dataset *test, run_result *res)
{
    dg_config cfg;
    dg_problem p;
    dg_info info;
    dg_rng data_rng, aux_rng;
    dg_real phi[MAXW], g[MAXW], z[MAXW], weights[MAXREC];
    const char *name = dgx_method_name_of(method);
    double t_start = now(), train_sum = 0, t_eval = 0;
    int train_count = 0, step, b, rc;

    mlp_copy_params(&v->enc, &init->enc);
    mlp_copy_params(&v->dec, &init->dec);
    memset(&cfg, 0, sizeof cfg);
    cfg.method = method;
    cfg.samples = o->samples;
    cfg.tau = (dg_real)o->tau;
    cfg.tune = o->tune;
    cfg.seed = o->seed;
    memset(res, 0, sizeof *res);
    res->test_curve.name = name;
    res->test_curve.x[0] = 0;
    res->test_curve.y[0] = o->initial;
    res->test_curve.n = 1;
    memset(&p, 0, sizeof p);
    p.kind = v->kind;
    p.D = v->D;
    p.K = v->kind == DG_CATEGORICAL ? v->K : 0;
    free(est_mem);
    est_mem = (dg_real *)malloc((dg_estimator_reals(&cfg, &p) + 1) * sizeof *est_mem);
    rc = est_mem ? dg_init(&est, &cfg, est_mem, dg_estimator_reals(&cfg, &p)) : DG_ECAPACITY;
    if (rc != DG_OK) { res->rc = rc; printf("%-16s %s\n", name, dg_strerror(rc)); return; }
    p.logits = phi;
    p.f = f_nll;
    p.f_grad = f_nll_grad;
    p.user = &ctx;
    ctx.v = v;
    ctx.log_joint = method == DG_VIMCO;
    dg_rng_seed(&data_rng, o->seed, 1);
    dg_rng_seed(&aux_rng, o->seed, 2);
    if (!o->unbatched) {
        dg_problem shape = p;
        shape.batch = o->batch;
        bufs_alloc(v, o->batch, dg_draw_reals(&est, &shape));
    }

    for (step = 1; step <= o->steps; ++step) {
        double loss = 0;
        if (!o->unbatched) {
            int idx[1024];
            for (b = 0; b < o->batch; ++b) idx[b] = (int)(dg_rng_u64(&data_rng) % (uint64_t)train->n);
            loss = train_step_batched(v, o, &p, idx, train, &aux_rng, &rc);
            p.batch = 0;
            p.logits = phi;
            if (rc != DG_OK) {
                res->rc = rc;
                printf("%-16s %s: skipped\n", name, dg_strerror(rc));
                return;
            }
        }
        for (b = 0; o->unbatched && b < o->batch; ++b) {
            int i = (int)(dg_rng_u64(&data_rng) % (uint64_t)train->n), j;
            dg_real nll, kl;
            load_example(train, i, ctx.x);
            memcpy(phi, mlp_forward(&v->enc, ctx.x, &ctx.t), (size_t)v->nz * sizeof *phi);
            ctx.nrec = ctx.ncalls = 0;
            p.weights = weighted_points(method) || method == DG_VIMCO ? weights : NULL;
            rc = dg_estimate(&est, &p, g, &info);
            if (rc != DG_OK) {
                res->rc = rc;
                printf("%-16s %s: skipped\n", name, dg_strerror(rc));
                return;
            }
            /* DG_VIMCO: g is the bound's gradient, to be raised, and the bound has no KL term */
            kl = method == DG_VIMCO ? 0 : kl_uniform(v, phi, g);
            /* the encoder's trace was overwritten by the decoder calls: run it again */
            mlp_forward(&v->enc, ctx.x, &ctx.t);
            for (j = 0; j < v->nz; ++j) g[j] /= method == DG_VIMCO ? -o->batch : o->batch;
            mlp_backward(&v->enc, &ctx.t, g, 1, 1, NULL);
            nll = decoder_step(v, &ctx, (dg_real)1 / o->batch, p.weights);
            if (method == DG_VIMCO) nll = -info.bound; /* the loss: -L */
            if (nll < 0) { /* only relaxed samples were seen: measure at a discrete one */
                sample_latent(v, phi, &aux_rng, z);
                nll = bernoulli_nll(mlp_forward(&v->dec, z, &ctx.t), ctx.x, NULL);
            }
            loss += nll + kl;
        }
        mlp_adam(&v->enc, o->lr, step);
        mlp_adam(&v->dec, o->lr, step);
        train_sum += loss / o->batch;
        train_count++;
        if (step % o->eval_every == 0 || step == o->steps) {
            double te = now(), test_elbo = evaluate(v, test, o->test_n, &ctx);
            double sps;
            t_eval += now() - te;
            sps = step / (now() - t_start - t_eval);
            res->train = train_sum / train_count;
            res->test = test_elbo;
            res->steps_per_s = sps;
            if (res->test_curve.n < MAXPOINTS) {
                res->test_curve.x[res->test_curve.n] = step;
                res->test_curve.y[res->test_curve.n++] = test_elbo;
            }
            printf("%-16s step %6d  train -ELBO %8.2f  test -ELBO %8.2f  %6.1f steps/s\n", name, step,
                   res->train, test_elbo, sps);
            fflush(stdout);
            train_sum = 0;
            train_count = 0;
        }
    }
    res->rc = DG_OK;
}

static void usage(const char *prog)
{
    fprintf(stderr,
            "usage: %s [--model bernoulli|categorical] [--methods a,b,...] [--steps N] [--batch B]\n"
            "          [--lr R] [--eval-every N] [--test-n N] [--samples S] [--tau T] [--tune]\n"
            "          [--seed S] [--data DIR] [--svg FILE] [--csv FILE] [--require-improvement NATS]\n"
            "          [--unbatched]\n"
            "       %s --replot CSV [--model M] --svg FILE\n"
            "methods:", prog, prog);
    {
        int i;
        for (i = 0; i < DGX_NMETHODS; ++i) fprintf(stderr, " %s", dgx_methods[i].name);
    }
    fprintf(stderr, "\n");
    exit(2);
}

int main(int argc, char **argv)
{
    static vae v, init;
    static run_result results[MAXMETHODS];
    static curve curves[MAXMETHODS];
    dg_method methods[MAXMETHODS];
    int nmethods = 0, a, i, ncurves = 0;
    char path[1100], svg_default[256], methods_arg[1024] = "disarm";
    options o;
    dataset train, test;
    dg_rng r;
    int enc_w[MAXL + 1], dec_w[MAXL + 1], nl;
    double mean_pixel = 0, initial;
    int status = 0;

    memset(&o, 0, sizeof o);
    o.kind = DG_BERNOULLI;
    o.steps = 1000;
    o.batch = 50;
    o.eval_every = 100;
    o.test_n = 1000;
    o.lr = 1e-3;
    o.seed = 1;
    o.data = "build/data";
    for (a = 1; a < argc; ++a) {
        const char *arg = argv[a], *val = a + 1 < argc ? argv[a + 1] : NULL;
        if (strcmp(arg, "--tune") == 0) { o.tune = 1; continue; }
        if (strcmp(arg, "--unbatched") == 0) { o.unbatched = 1; continue; }
        if (!val) usage(argv[0]);
        ++a;
        if (strcmp(arg, "--model") == 0) {
            if (strcmp(val, "bernoulli") == 0) o.kind = DG_BERNOULLI;
            else if (strcmp(val, "categorical") == 0) o.kind = DG_CATEGORICAL;
            else usage(argv[0]);
        } else if (strcmp(arg, "--methods") == 0) {
            strncpy(methods_arg, val, sizeof methods_arg - 1);
        } else if (strcmp(arg, "--steps") == 0) o.steps = atoi(val);
        else if (strcmp(arg, "--batch") == 0) o.batch = atoi(val);
        else if (strcmp(arg, "--lr") == 0) o.lr = atof(val);
        else if (strcmp(arg, "--eval-every") == 0) o.eval_every = atoi(val);
        else if (strcmp(arg, "--test-n") == 0) o.test_n = atoi(val);
        else if (strcmp(arg, "--samples") == 0) o.samples = atoi(val);
        else if (strcmp(arg, "--tau") == 0) o.tau = atof(val);
        else if (strcmp(arg, "--seed") == 0) o.seed = strtoul(val, NULL, 10);
        else if (strcmp(arg, "--data") == 0) o.data = val;
        else if (strcmp(arg, "--svg") == 0) o.svg = val;
        else if (strcmp(arg, "--csv") == 0) o.csv = val;
        else if (strcmp(arg, "--require-improvement") == 0) o.require = atof(val);
        else if (strcmp(arg, "--replot") == 0) o.replot = val;
        else usage(argv[0]);
    }
    if (o.replot) {
        static char names[MAXMETHODS][64];
        ncurves = read_curves(o.replot, curves, MAXMETHODS, names);
        if (ncurves < 1 || !o.svg) { fprintf(stderr, "cannot read curves from %s (or no --svg)\n", o.replot); return 1; }
        goto plot;
    }
    if (o.steps < 1 || o.batch < 1 || o.eval_every < 1 || o.test_n < 1 || !(o.lr > 0)) usage(argv[0]);
    {
        char *tok = strtok(methods_arg, ",");
        for (; tok; tok = strtok(NULL, ",")) {
            dg_method m = dgx_method_by_name(tok);
            if (!m) { fprintf(stderr, "unknown method '%s'\n", tok); usage(argv[0]); }
            if (nmethods == MAXMETHODS) usage(argv[0]);
            methods[nmethods++] = m;
        }
    }

    sprintf(path, "%.1000s/train-images-idx3-ubyte", o.data);
    if (load_idx_images(path, &train) != 0) {
        fprintf(stderr, "cannot read %s: run examples/get-data.sh first\n", path);
        return 1;
    }
    sprintf(path, "%.1000s/t10k-images-idx3-ubyte", o.data);
    if (load_idx_images(path, &test) != 0) {
        fprintf(stderr, "cannot read %s: run examples/get-data.sh first\n", path);
        return 1;
    }
    if (o.test_n > test.n) o.test_n = test.n;

    v.kind = o.kind;
    if (o.kind == DG_BERNOULLI) {
        v.D = 200; v.K = 2; v.nz = 200;
        enc_w[0] = NPIX; enc_w[1] = v.nz;
        dec_w[0] = v.nz; dec_w[1] = NPIX;
        nl = 1;
    } else {
        v.D = 20; v.K = 10; v.nz = 200;
        enc_w[0] = NPIX; enc_w[1] = 512; enc_w[2] = 256; enc_w[3] = v.nz;
        dec_w[0] = v.nz; dec_w[1] = 256; dec_w[2] = 512; dec_w[3] = NPIX;
        nl = 3;
    }
    init = v;
    dg_rng_seed(&r, o.seed, 3);
    mlp_init(&init.enc, enc_w, nl, &r);
    mlp_init(&init.dec, dec_w, nl, &r);
    mlp_init(&v.enc, enc_w, nl, &r);
    mlp_init(&v.dec, dec_w, nl, &r);
    /* decoder output bias at the logit of the mean training pixel: a common, fair start */
    for (i = 0; i < train.n * NPIX; ++i) mean_pixel += train.pix[i];
    mean_pixel /= (double)train.n * NPIX;
    for (i = 0; i < NPIX; ++i) init.dec.L[nl - 1].b[i] = (dg_real)log(mean_pixel / (1 - mean_pixel));

    printf("# %s VAE on binarised Fashion-MNIST: %d latents%s, batch %d, Adam %g, %d steps,"
           " test -ELBO on %d test images (nats, lower is better)\n",
           o.kind == DG_BERNOULLI ? "Bernoulli 784-200 linear" : "categorical 784-512-256-(20x10)",
           v.D, o.kind == DG_BERNOULLI ? "" : " x 10 classes", o.batch, o.lr, o.steps, o.test_n);
    initial = evaluate(&init, &test, o.test_n, &ctx);
    printf("# initial test -ELBO %.2f\n", initial);
    o.initial = initial;
    for (i = 0; i < nmethods; ++i) {
        run_method(&v, &init, methods[i], &o, &train, &test, &results[i]);
        if (results[i].rc == DG_OK) curves[ncurves++] = results[i].test_curve;
    }

    printf("\n%-17s %12s %12s %10s\n", "method", "train -ELBO", "test -ELBO", "steps/s");
    for (i = 0; i < nmethods; ++i) {
        if (results[i].rc != DG_OK)
            printf("%-17s %s\n", dgx_method_name_of(methods[i]), dg_strerror(results[i].rc));
        else {
            int weak = o.require > 0 && !(initial - results[i].test >= o.require);
            printf("%-17s %12.2f %12.2f %10.1f%s\n", dgx_method_name_of(methods[i]), results[i].train,
                   results[i].test, results[i].steps_per_s,
                   weak ? "  improved too little" : "");
            if (weak) status = 1;
        }
    }
    fflush(stdout);
    if (o.csv) {
        FILE *fp = fopen(o.csv, "w");
        if (!fp) { fprintf(stderr, "cannot write %s\n", o.csv); return 1; }
        fprintf(fp, "method,step,test_neg_elbo\n");
        for (i = 0; i < ncurves; ++i) {
            int k;
            for (k = 0; k < curves[i].n; ++k)
                fprintf(fp, "%s,%g,%.4f\n", curves[i].name, curves[i].x[k], curves[i].y[k]);
        }
        fclose(fp);
    }
    free(train.pix);
    free(test.pix);
plot:
    if (ncurves > 1 || o.svg) {
        static svgplot plot;
        char title[256], caption[320];
        if (!o.svg) {
            sprintf(svg_default, "build/vae-%s.svg", o.kind == DG_BERNOULLI ? "bernoulli" : "categorical");
            o.svg = svg_default;
        }
        sprintf(title, "%s VAE on Fashion-MNIST: test -ELBO",
                o.kind == DG_BERNOULLI ? "Bernoulli 200" : "Categorical 20x10");
        svgplot_init(&plot, title, "step", "test -ELBO (nats)");
        plot.note = DGX_STYLE_NOTE;
        if (!o.replot) {
            sprintf(caption, "discgrad %d.%d.%d; one run, seed %lu; batch %d, Adam %g, %d steps%s; "
                             "test -ELBO: one sample on each of %d test images",
                    DISCGRAD_VERSION_MAJOR, DISCGRAD_VERSION_MINOR, DISCGRAD_VERSION_PATCH, o.seed,
                    o.batch, o.lr, o.steps, o.tune ? ", REBAR/RELAX tuned" : "", o.test_n);
            plot.caption = caption;
        }
        for (i = 0; i < ncurves; ++i) {
            dgx_style st = dgx_style_of(dgx_method_by_name(curves[i].name), DG_BASELINE_NONE);
            svgplot_add(&plot, st.label, st.color, st.dash, curves[i].x, curves[i].y, curves[i].n);
        }
        if (svgplot_write(&plot, o.svg) != 0)
            fprintf(stderr, "cannot write %s\n", o.svg);
        else
            printf("wrote %s\n", o.svg);
    }
    return status;
}
