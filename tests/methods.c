/* DG_METHODS: a build with some methods left out (tests/methods_impl.c with -DDGT_SUBSET:
   REINFORCE, Gumbel-softmax and VIMCO, and DG_MAX_DIM 4) against a build with all of them. The left-out methods
   are refused by dg_init with DG_EUNSUPPORTED and nothing written, dg_estimator_reals gives 0
   for them, an estimator holding one is refused by the entry points, and the methods kept give
   the same bits as the full build's, through dg_estimate and through ask / tell / commit.
   (That their code is not linked is checked by the Makefile's rule, with nm.) */
#include "../discgrad.h"
#include "methods_lib.h"
#include "test.h"

#define DGT_MEM 8192
#define DGT_BITS(m) (1ul << (m))
static const unsigned long dgt_kept =
    DGT_BITS(DG_REINFORCE) | DGT_BITS(DG_GUMBEL_SOFTMAX) | DGT_BITS(DG_VIMCO);

static dg_real mt_f(const dg_real *z, void *user)
{
    const dg_problem *p = (const dg_problem *)user;
    int i, n = p->kind == DG_BERNOULLI ? p->D : p->D * p->K;
    dg_real s = 0;
    for (i = 0; i < n; ++i) s += (dg_real)(0.3 + 0.1 * i) * z[i] * (1 + z[(i + 1) % n]);
    return s;
}

static dg_real mt_f_grad(const dg_real *z, dg_real *g, void *user)
{
    const dg_problem *p = (const dg_problem *)user;
    int i, n = p->kind == DG_BERNOULLI ? p->D : p->D * p->K;
    for (i = 0; i < n; ++i) g[i] = 0;
    for (i = 0; i < n; ++i) {
        int j = (i + 1) % n;
        g[i] += (dg_real)(0.3 + 0.1 * i) * (1 + z[j]);
        g[j] += (dg_real)(0.3 + 0.1 * i) * z[i];
    }
    return mt_f(z, user);
}

static const dg_real mt_logits[12] = { 0.3, -0.2, 1.1, 0.0, -0.7, 0.5, 0.25, -1.3, 0.8, 0.1, -0.4, 0.6 };

static dg_problem mt_problem(dg_kind kind)
{
    dg_problem p;
    memset(&p, 0, sizeof p);
    p.kind = kind;
    p.D = kind == DG_BERNOULLI ? 5 : 3;
    p.K = kind == DG_BERNOULLI ? 0 : 4;
    p.logits = mt_logits;
    p.f = mt_f;
    p.f_grad = mt_f_grad;
    return p;
}

static dg_config mt_config(int method)
{
    dg_config c;
    memset(&c, 0, sizeof c);
    c.method = (dg_method)method;
    c.seed = 2026;
    c.stream = 3;
    if (method == DG_REINFORCE) { c.baseline = DG_BASELINE_EMA; c.samples = 3; }
    if (method == DG_VIMCO) c.samples = 4;
    return c;
}

static void methods_left_out_are_refused(void)
{
    static dg_real mem[DGT_MEM], before[DGT_MEM];
    int m, kind;
    for (kind = DG_BERNOULLI; kind <= DG_CATEGORICAL; ++kind) {
        for (m = DG_EXACT; m <= DG_SUM_AND_SAMPLE; ++m) {
            dg_problem p = mt_problem((dg_kind)kind);
            dg_config c = mt_config(m);
            dg_estimator e, e0;
            size_t all = dgt_all_methods.estimator_reals(&c, &p);
            size_t three = dgt_three_methods.estimator_reals(&c, &p);
            int rc;
            p.user = &p;
            if (m == DG_DISARM && kind == DG_CATEGORICAL) continue; /* refused by both */
            CHECK(m == DG_EXACT ? all == 0 : all > 0 && all <= DGT_MEM); /* exact keeps nothing */
            memset(&e, 0xA5, sizeof e);
            memcpy(&e0, &e, sizeof e);
            memset(mem, 0x41, sizeof mem);
            memcpy(before, mem, sizeof mem);
            rc = dgt_three_methods.init(&e, &c, mem, DGT_MEM);
            if (dgt_kept & DGT_BITS(m)) {
                CHECK_INT(three, all);
                CHECK_INT(rc, DG_OK);
            } else {
                CHECK_INT(three, 0);
                CHECK_INT(rc, DG_EUNSUPPORTED);
                CHECK(memcmp(&e, &e0, sizeof e) == 0);
                CHECK(memcmp(mem, before, sizeof mem) == 0);
            }
            CHECK_INT(dgt_all_methods.init(&e, &c, mem, DGT_MEM), DG_OK);
        }
    }
}

/* An estimator whose method this build lacks (here: initialised by the full build) reaches no
   method's code: every entry point refuses it, and writes nothing. */
static void methods_estimator_of_a_left_out_method(void)
{
    static dg_real mem[DGT_MEM], dmem[DGT_MEM];
    dg_problem p = mt_problem(DG_CATEGORICAL);
    dg_config c = mt_config(DG_REBAR);
    dg_estimator e, copy;
    dg_real g[12], g0[12];
    dg_draw d;
    int i;
    p.user = &p;
    for (i = 0; i < 12; ++i) g[i] = g0[i] = (dg_real)(i + 0.5);
    CHECK_INT(dgt_all_methods.init(&e, &c, mem, DGT_MEM), DG_OK);
    memcpy(&copy, &e, sizeof e);
    CHECK_INT(dgt_three_methods.estimate(&e, &p, g, NULL), DG_EINVAL);
    CHECK_INT(dgt_three_methods.ask(&e, &p, &d, dmem, DGT_MEM), DG_EINVAL);
    CHECK_INT(dgt_three_methods.relaxed_grad_at(&e, &p, mt_logits, mt_logits, g, NULL), DG_EINVAL);
    CHECK_INT(dgt_three_methods.draw_reals(&e, &p), 0);
    CHECK(memcmp(&e, &copy, sizeof e) == 0);
    CHECK(memcmp(g, g0, sizeof g) == 0);
    /* the full build runs it */
    CHECK_INT(dgt_all_methods.estimate(&e, &p, g, NULL), DG_OK);
}

/* Five dg_estimate calls, then a batch of two through ask, the caller's values, tell and
   commit, then one more dg_estimate (after the commit's baseline step): every estimate's bits
   from lib. */
static int mt_run(const dgt_methods_lib *lib, int method, dg_kind kind, dg_real *out)
{
    static dg_real mem[DGT_MEM], dmem[DGT_MEM], vals[256], grads[256 * 12];
    dg_problem p = mt_problem(kind), pb;
    dg_config c = mt_config(method);
    dg_estimator e;
    dg_draw d;
    dg_info info;
    int t, j, rc, n = kind == DG_BERNOULLI ? 5 : 12, w = 0, b;
    dg_real logits2[24];
    p.user = &p;
    memset(mem, 0xA5, sizeof mem);
    rc = lib->init(&e, &c, mem, DGT_MEM);
    for (t = 0; t < 5 && !rc; ++t) {
        rc = lib->estimate(&e, &p, out + w, &info);
        out[w + n] = info.f_mean;
        w += n + 1;
    }
    for (j = 0; j < n; ++j) logits2[j] = mt_logits[j], logits2[n + j] = (dg_real)(mt_logits[j] * 0.5);
    pb = p;
    pb.logits = logits2;
    pb.batch = 2;
    if (!rc) rc = lib->ask(&e, &pb, &d, dmem, DGT_MEM);
    for (b = 0; !rc && b < d.batch; ++b)
        for (j = 0; j < d.per_example; ++j) {
            const dg_real *z = d.points + ((size_t)b * d.per_example + j) * n;
            int at = b * d.per_example + j;
            if (at >= 256) return DG_ECAPACITY;
            vals[at] = mt_f_grad(z, grads + (size_t)at * n, &p);
        }
    if (!rc) rc = lib->tell(&e, &d, &pb, vals, d.needs_grad ? grads : NULL, out + w, NULL);
    w += 2 * n;
    if (!rc) rc = lib->commit(&e);
    if (!rc) rc = lib->estimate(&e, &p, out + w, NULL);
    return rc;
}

static void methods_kept_give_the_full_builds_bits(void)
{
    static const int kept[3] = { DG_REINFORCE, DG_GUMBEL_SOFTMAX, DG_VIMCO };
    int i, kind;
    for (i = 0; i < 3; ++i)
        for (kind = DG_BERNOULLI; kind <= DG_CATEGORICAL; ++kind) {
            dg_real a[8 * 13 + 24], b[8 * 13 + 24];
            size_t len = sizeof a;
            memset(a, 0, sizeof a);
            memset(b, 0, sizeof b);
            CHECK_INT(mt_run(&dgt_all_methods, kept[i], (dg_kind)kind, a), DG_OK);
            CHECK_INT(mt_run(&dgt_three_methods, kept[i], (dg_kind)kind, b), DG_OK);
            CHECK(memcmp(a, b, len) == 0);
            /* and the run did something: not every estimate is zero */
            CHECK(a[0] != 0 || a[1] != 0 || a[2] != 0);
        }
}

int main(int argc, char **argv)
{
    DGT_ADD(methods_left_out_are_refused);
    DGT_ADD(methods_estimator_of_a_left_out_method);
    DGT_ADD(methods_kept_give_the_full_builds_bits);
    return dgt_run(argc, argv, "gcc-methods");
}
