/* main.c - discgrad on a microcontroller: a Cortex-M4F (single-precision FPU) running on QEMU's
   mps2-an386 board, built with arm-none-eabi-gcc against newlib-nano, printing over semihosting.

   Two estimators of the gradient of E_q[f(z)] for 4 categorical variables of 8 classes --
   REINFORCE with its moving-average baseline, and Gumbel-softmax at tau = 0.5 -- each averaged
   over 40 calls of 64 draws, printed beside the exact gradient (dg_exact, 8^4 = 4096 terms).
   REINFORCE is unbiased: its mean must lie within 5 standard errors of the exact gradient, or
   the program fails. Gumbel-softmax estimates the gradient of the relaxed objective, and its
   difference from the exact one is its bias, not an error.

   Build and run: make mcu (examples/mcu/run.sh). The configuration is the block of defines
   below: float arithmetic, limits cut to the problem, only the two methods it runs compiled in
   (DG_METHODS: the others' code is not linked), DG_ASSERT compiled out. dg_init and
   dg_estimate appear only in estimate(). */
#define DG_REAL float
#define DG_MAX_DIM 32
#define DG_MAX_K 8
#define DG_MAX_SAMPLES 64
#define DG_MAX_ENUM 4096
#define DG_EXACT_MAX_DIM 32
#define DG_RELAX_HIDDEN 1
#define DG_METHODS (DG_METHOD_BIT(DG_REINFORCE) | DG_METHOD_BIT(DG_GUMBEL_SOFTMAX))
#define DG_ASSERT(x) ((void)0)
#define DISCGRAD_IMPLEMENTATION
#include "../../discgrad.h"

void dg_mcu_puts(const char *s);
unsigned long dg_mcu_stack_peak(void);

#define NVAR 4
#define NCLS 8
#define N (NVAR * NCLS)
#define CALLS 40

/* f(z) = sum_d (w . z_d - t_d)^2 with w_k = k / 7: each variable picks a level in [0, 1] and
   pays the squared distance to its target t_d. */
static const float targets[NVAR] = {0.2f, 0.5f, 0.8f, 0.35f};

static float level_sum(const float *z, int d, float *s)
{
    int k;
    *s = 0;
    for (k = 0; k < NCLS; ++k) *s += (float)k / 7 * z[d * NCLS + k];
    return *s - targets[d];
}

static float f(const float *z, void *user)
{
    float total = 0, s, r;
    int d;
    (void)user;
    for (d = 0; d < NVAR; ++d) { r = level_sum(z, d, &s); total += r * r; }
    return total;
}

static float f_grad(const float *z, float *dz, void *user)
{
    float total = 0, s, r;
    int d, k;
    (void)user;
    for (d = 0; d < NVAR; ++d) {
        r = level_sum(z, d, &s);
        total += r * r;
        for (k = 0; k < NCLS; ++k) dz[d * NCLS + k] = 2 * r * ((float)k / 7);
    }
    return total;
}

/* The one function that creates and runs estimators: calls estimates of cfg on p, their mean
   and the standard error of that mean per coordinate. */
static int estimate(const dg_config *cfg, const dg_problem *p, float *mean, float *se)
{
    static dg_estimator e;
    /* its memory, sized for this problem (N logits of NCLS classes) and any method used here */
    static float mem[DG_ESTIMATOR_REALS(DG_GUMBEL_SOFTMAX, N, NCLS) > DG_ESTIMATOR_REALS(DG_REINFORCE, N, NCLS)
                         ? DG_ESTIMATOR_REALS(DG_GUMBEL_SOFTMAX, N, NCLS)
                         : DG_ESTIMATOR_REALS(DG_REINFORCE, N, NCLS)];
    float g[N], sum2[N];
    int i, t, rc = dg_init(&e, cfg, mem, sizeof mem / sizeof mem[0]);
    for (i = 0; i < N; ++i) mean[i] = sum2[i] = 0;
    for (t = 0; t < CALLS && rc == DG_OK; ++t) {
        rc = dg_estimate(&e, p, g, NULL);
        for (i = 0; i < N; ++i) { mean[i] += g[i]; sum2[i] += g[i] * g[i]; }
    }
    for (i = 0; i < N; ++i) {
        float m = mean[i] / CALLS, var = (sum2[i] / CALLS - m * m) * CALLS / (CALLS - 1);
        mean[i] = m;
        se[i] = var > 0 ? sqrtf(var / CALLS) : 0;
    }
    return rc;
}

/* Appends v with 4 decimals, right-aligned in 9 characters, without printf's float support (which
   would link double arithmetic). */
static char *put_fixed(char *o, float v)
{
    char tmp[16];
    int n = 0, w;
    long x = (long)((v < 0 ? -v : v) * 10000 + 0.5f);
    int neg = v < 0 && x != 0;
    do { /* digits from the last: four decimals, the point, then at least one more */
        if (n == 4) tmp[n++] = '.';
        tmp[n++] = (char)('0' + x % 10);
        x /= 10;
    } while (x > 0 || n < 6);
    if (neg) tmp[n++] = '-';
    for (w = n; w < 9; ++w) *o++ = ' ';
    while (n > 0) *o++ = tmp[--n];
    return o;
}

static char *put_text(char *o, const char *s)
{
    while (*s) *o++ = *s++;
    return o;
}

static char *put_uint(char *o, unsigned long x)
{
    char tmp[12];
    int n = 0;
    do { tmp[n++] = (char)('0' + x % 10); x /= 10; } while (x > 0);
    while (n > 0) *o++ = tmp[--n];
    return o;
}

int main(void)
{
    static float logits[N], exact[N], rf[N], rf_se[N], gs[N], gs_se[N];
    dg_problem p = {0};
    dg_config c = {0};
    char line[96], *o;
    int i, bad = 0, rc;

    for (i = 0; i < N; ++i) logits[i] = 0.4f * (float)((3 * (i / NCLS) + 5 * (i % NCLS)) % 7 - 3);
    p.kind = DG_CATEGORICAL;
    p.D = NVAR;
    p.K = NCLS;
    p.logits = logits;
    p.f = f;
    p.f_grad = f_grad;
    rc = dg_exact(&p, exact, NULL);

    c.method = DG_REINFORCE;
    c.baseline = DG_BASELINE_EMA;
    c.samples = 64;
    c.seed = 1;
    if (rc == DG_OK) rc = estimate(&c, &p, rf, rf_se);

    c.method = DG_GUMBEL_SOFTMAX;
    c.baseline = DG_BASELINE_NONE;
    c.tau = 0.5f;
    c.seed = 2;
    if (rc == DG_OK) rc = estimate(&c, &p, gs, gs_se);
    if (rc != DG_OK) {
        dg_mcu_puts("mcu: ");
        dg_mcu_puts(dg_strerror(rc));
        dg_mcu_puts("\n");
        return 1;
    }

    dg_mcu_puts("discgrad on a Cortex-M4F: 4 categorical variables x 8 classes, float\n");
    dg_mcu_puts("means of 40 calls of 64 draws, +- their standard error; Gumbel-softmax at tau 0.5\n");
    dg_mcu_puts("d,k    exact  REINFORCE+EMA +- se Gumbel-softmax +- se\n");
    for (i = 0; i < N; ++i) {
        o = line;
        *o++ = (char)('0' + i / NCLS);
        *o++ = ',';
        *o++ = (char)('0' + i % NCLS);
        o = put_fixed(o, exact[i]);
        o = put_fixed(o, rf[i]);
        o = put_text(o, " +-");
        o = put_fixed(o, rf_se[i]);
        o = put_fixed(o, gs[i]);
        o = put_text(o, " +-");
        o = put_fixed(o, gs_se[i]);
        *o++ = '\n';
        *o = 0;
        dg_mcu_puts(line);
        /* REINFORCE is unbiased: within 5 standard errors of the exact gradient */
        if (!((rf[i] - exact[i] <= 5 * rf_se[i] + 1e-6f) && (exact[i] - rf[i] <= 5 * rf_se[i] + 1e-6f)))
            ++bad;
    }
    o = put_text(line, "sizeof(dg_estimator) ");
    o = put_uint(o, (unsigned long)sizeof(dg_estimator));
    o = put_text(o, " B, peak stack ");
    o = put_uint(o, dg_mcu_stack_peak());
    o = put_text(o, " B\n");
    *o = 0;
    dg_mcu_puts(line);
    dg_mcu_puts(bad ? "mcu: REINFORCE's mean is off the exact gradient\n"
                    : "mcu: REINFORCE within 5 standard errors of exact on every logit\n");
    return bad != 0;
}
