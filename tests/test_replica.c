/* Every estimator against tests/reference.h, the same method recomputed from its formulas on
   the same random numbers: the estimate, every field of dg_info (f_mean, the baseline used,
   the learning signal, the counts, eta, tau, surrogate_loss) and, over several calls, the
   learned state (EMA, the optimal baseline's sums with M > 2, NVIL normalisation with M > 1,
   REBAR's eta and tau). On small problems, at categorical rows longer than 16 (the long-row
   sampling loop), at K = DG_MAX_K, and at exactly DG_MAX_DIM logits with several samples, where
   a loop one past the end of a scratch vector writes into the next one. Estimators start from
   memory filled with 0xA5 or 0x41 (tiny and large values), not zero, and estimators set up over
   zeroed, garbage and used memory give bit-identical results. */
#include "reference.h"

typedef struct rp_case {
    const char *name;
    dg_method method;
    dg_baseline baseline;
    int samples, tune, normalize, calls;
    double tau, eta, mult;
} rp_case;

/* calls: how many consecutive calls the reference follows (RELAX tuned: the first only, while
   its net is zero). mult scales the objective (NVIL normalisation needs a spread above 1). */
static const rp_case rp_cases[] = {
    {"reinforce", DG_REINFORCE, DG_BASELINE_NONE, 3, 0, 0, 3, 0, 0, 1},
    {"reinforce constant", DG_REINFORCE, DG_BASELINE_CONSTANT, 3, 0, 0, 3, 0, 0, 1},
    {"reinforce ema", DG_REINFORCE, DG_BASELINE_EMA, 3, 0, 0, 4, 0, 0, 1},
    {"reinforce optimal", DG_REINFORCE, DG_BASELINE_OPTIMAL, 4, 0, 0, 4, 0, 0, 1},
    {"reinforce optimal 1", DG_REINFORCE, DG_BASELINE_OPTIMAL, 1, 0, 0, 3, 0, 0, 1},
    {"reinforce input", DG_REINFORCE, DG_BASELINE_INPUT, 3, 0, 0, 3, 0, 0, 1},
    {"reinforce input normalize", DG_REINFORCE, DG_BASELINE_INPUT, 3, 0, 1, 5, 0, 0, 12},
    {"reinforce cv", DG_REINFORCE, DG_BASELINE_CV, 3, 0, 0, 3, 0, 0, 1},
    {"rloo", DG_RLOO, DG_BASELINE_NONE, 3, 0, 0, 3, 0, 0, 1},
    {"arm", DG_ARM, DG_BASELINE_NONE, 3, 0, 0, 3, 0, 0, 1},
    {"disarm", DG_DISARM, DG_BASELINE_NONE, 3, 0, 0, 3, 0, 0, 1},
    {"gumbel-softmax", DG_GUMBEL_SOFTMAX, DG_BASELINE_NONE, 3, 0, 0, 2, 0.7, 0, 1},
    {"straight-through", DG_STRAIGHT_THROUGH, DG_BASELINE_NONE, 3, 0, 0, 2, 0.6, 0, 1},
    {"gumbel-rao", DG_GUMBEL_RAO, DG_BASELINE_NONE, 3, 0, 0, 2, 0.8, 0, 1},
    {"muprop", DG_MUPROP, DG_BASELINE_NONE, 3, 0, 0, 3, 0, 0, 1},
    {"rebar", DG_REBAR, DG_BASELINE_NONE, 3, 0, 0, 2, 0.6, 0.8, 1},
    {"rebar tuned", DG_REBAR, DG_BASELINE_NONE, 3, 1, 0, 3, 0.6, 0.8, 1},
    {"rebar tuned 1", DG_REBAR, DG_BASELINE_NONE, 1, 1, 0, 25, 0, 0, 1},
    {"relax", DG_RELAX, DG_BASELINE_NONE, 3, 0, 0, 2, 0.6, 0.8, 1},
    {"relax tuned", DG_RELAX, DG_BASELINE_NONE, 3, 1, 0, 1, 0.6, 0.8, 1},
};
#define RP_NCASES ((int)(sizeof rp_cases / sizeof rp_cases[0]))

static dg_config rp_config(const rp_case *k, uint64_t seed)
{
    dg_config c;
    memset(&c, 0, sizeof c);
    c.method = k->method;
    c.baseline = k->baseline;
    c.samples = k->samples;
    c.tune = k->tune;
    c.normalize = k->normalize;
    c.tau = (dg_real)k->tau;
    c.eta = (dg_real)k->eta;
    c.seed = seed;
    c.stream = 3;
    c.baseline_value = (dg_real)0.7;
    c.ema_decay = (dg_real)(k->baseline == DG_BASELINE_OPTIMAL ? 0.8 : 0.5);
    return c;
}

/* Tolerances of a comparison with the reference, which computes in double: tight in double
   (the relaxations' sigmoid of x / tau against x * (1 / tau) differs in the last bits), float's
   own rounding in float. */
#define RP_TOL DGT_TOL(1e-9, 2e-4)

static dg_estimator rp_e;
static ref_est rp_r;
static dg_real rp_g[DG_MAX_DIM];
static double rp_want[DG_MAX_DIM];

/* One case on one problem: `calls` consecutive calls of the estimator (set up over memory
   filled with 0xA5) against the reference. Returns the number of mismatches, each printed. */
static int rp_run(const rp_case *k, dg_kind kind, int D, int K, const dg_real *logits, uint64_t seed)
{
    ref_obj o;
    dg_problem p;
    dg_config c = rp_config(k, seed);
    int call, bad = 0, n = kind == DG_BERNOULLI ? D : D * K;
    memset(&o, 0, sizeof o);
    o.q = 0.8;
    o.r = 0.6;
    o.offset = 1.5;
    o.mult = k->mult > 0 ? k->mult : 1;
    p = ref_problem(kind, D, K, logits, &o);
    p.baseline_input = (dg_real)(k->normalize ? 0.4 * o.mult : 1.1);
    memset(&rp_e, seed & 1 ? 0xA5 : 0x41, sizeof rp_e); /* 0x41...: 2.3e6 (double), 12.1 (float) */
    if (dgt_init(&rp_e, &c) != DG_OK) { printf("    %s: dg_init failed\n", k->name); return 1; }
    ref_init(&rp_r, &c);
    for (call = 0; call < k->calls; ++call) {
        dg_info info;
        ref_info want;
        long f0 = o.f_calls, g0 = o.grad_calls;
        int rc = dg_estimate(&rp_e, &p, rp_g, &info), wrc;
        double d, fscale = fabs((double)info.f_mean) > 1 ? fabs((double)info.f_mean) : 1;
        long f_calls = o.f_calls - f0, grad_calls = o.grad_calls - g0;
        if (rc != DG_OK) {
            printf("    %s (%s D %d K %d): dg_estimate returned %d\n", k->name,
                   kind == DG_BERNOULLI ? "Bernoulli" : "categorical", D, K, rc);
            return bad + 1;
        }
        wrc = ref_estimate(&rp_r, &p, rp_want, &want);
        if (wrc != DG_OK) { printf("    %s: reference returned %d\n", k->name, wrc); return bad + 1; }
        d = ref_rel_diff(rp_g, rp_want, n, DGT_TOL(1e-3, 1e-2));
#define RP_MISMATCH(what, got, exp)                                                               \
    do {                                                                                          \
        bad++;                                                                                    \
        printf("    %s (%s D %d K %d) call %d: %s %.12g, reference %.12g\n", k->name,             \
               kind == DG_BERNOULLI ? "Bernoulli" : "categorical", D, K, call, what,              \
               (double)(got), (double)(exp));                                                     \
    } while (0)
#define RP_NEAR(what, got, exp, scale)                                                            \
    do { if (!(fabs((double)(got) - (double)(exp)) <= RP_TOL * (scale))) RP_MISMATCH(what, got, exp); } while (0)
        if (!(d <= RP_TOL)) {
            int i, worst = 0;
            for (i = 0; i < n; ++i)
                if (!(fabs((double)rp_g[i] - rp_want[i]) <= fabs((double)rp_g[worst] - rp_want[worst]))) worst = i;
            printf("      (grad[%d], largest difference of %d)\n", worst, n);
            RP_MISMATCH("grad", rp_g[worst], rp_want[worst]);
        }
        RP_NEAR("f_mean", info.f_mean, want.f_mean, fscale);
        RP_NEAR("baseline", info.baseline, want.baseline, fscale);
        RP_NEAR("learning_signal", info.learning_signal, want.learning_signal, fscale);
        if (info.f_evals != want.f_evals || info.f_evals != f_calls) RP_MISMATCH("f_evals", info.f_evals, want.f_evals);
        if (info.grad_evals != want.grad_evals || info.grad_evals != grad_calls)
            RP_MISMATCH("grad_evals", info.grad_evals, want.grad_evals);
        RP_NEAR("eta", info.eta, want.eta, 1);
        RP_NEAR("tau", info.tau, want.tau, want.tau);
        RP_NEAR("surrogate_loss", info.surrogate_loss, want.surrogate_loss,
                want.surrogate_loss > 1 ? want.surrogate_loss : 1);
#undef RP_NEAR
#undef RP_MISMATCH
    }
    if (k->normalize && !(rp_r.max_scale > 1.5)) { /* the division must have been exercised */
        printf("    %s: the normalisation never divided (largest scale %g)\n", k->name, rp_r.max_scale);
        bad++;
    }
    return bad;
}

/* Every case on a problem, Bernoulli only where the method is (DisARM); none where the problem
   exceeds the limits (builds with small ones). */
static int rp_all_cases(dg_kind kind, int D, int K, const dg_real *logits, uint64_t seed)
{
    int i, bad = 0;
    if (K > DG_MAX_K || (kind == DG_BERNOULLI ? D : D * K) > DG_MAX_DIM) return 0;
    for (i = 0; i < RP_NCASES; ++i) {
        if (kind == DG_CATEGORICAL && rp_cases[i].method == DG_DISARM) continue;
        bad += rp_run(&rp_cases[i], kind, D, K, logits, seed + (uint64_t)i);
    }
    return bad;
}

static dg_real rp_logits[DG_MAX_DIM];
static void rp_fill_logits(int n, double spread)
{
    int i;
    for (i = 0; i < n; ++i) rp_logits[i] = (dg_real)(spread * sin(2.1 * i + 0.3) + 0.2 * cos(0.37 * i));
}

static void replica_small_problems(void)
{
    rp_fill_logits(12, 1.5);
    CHECK_INT(rp_all_cases(DG_BERNOULLI, 1, 1, rp_logits, 100), 0);
    CHECK_INT(rp_all_cases(DG_BERNOULLI, 5, 1, rp_logits, 200), 0);
    CHECK_INT(rp_all_cases(DG_CATEGORICAL, 2, 3, rp_logits, 300), 0);
    CHECK_INT(rp_all_cases(DG_CATEGORICAL, 3, 4, rp_logits, 400), 0);
    CHECK_INT(rp_all_cases(DG_CATEGORICAL, 1, 2, rp_logits, 500), 0);
}

/* Rows of more than 16 classes take the sampling loop for long rows. */
static void replica_long_rows(void)
{
    rp_fill_logits(3 * 40, 2);
    CHECK_INT(rp_all_cases(DG_CATEGORICAL, 2, 17, rp_logits, 600), 0);
    CHECK_INT(rp_all_cases(DG_CATEGORICAL, 3, 40, rp_logits, 700), 0);
}

/* Exactly DG_MAX_DIM logits: Bernoulli, rows of 4, rows of DG_MAX_K; and as many rows of 3 or
   of 7 as fit (with DG_MAX_DIM = 1024: 341 rows of 3 are a block of 256 rows and 85 more). */
static void replica_full_capacity(void)
{
    rp_fill_logits(DG_MAX_DIM, 1.5);
    CHECK_INT(rp_all_cases(DG_BERNOULLI, DG_MAX_DIM, 1, rp_logits, 800), 0);
    CHECK_INT(rp_all_cases(DG_CATEGORICAL, DG_MAX_DIM / 4, 4, rp_logits, 900), 0);
    rp_fill_logits(DG_MAX_DIM, 3);
    CHECK_INT(rp_all_cases(DG_CATEGORICAL, DG_MAX_DIM / DG_MAX_K, DG_MAX_K, rp_logits, 1000), 0);
    /* rows that do not divide the capacity, the blocks or the groups evenly */
    CHECK_INT(rp_all_cases(DG_CATEGORICAL, DG_MAX_DIM / 3, 3, rp_logits, 1100), 0);
    CHECK_INT(rp_all_cases(DG_CATEGORICAL, DG_MAX_DIM / 7, 7, rp_logits, 1200), 0);
}

/* Three estimators of each case: over zeroed memory, over 0xA5 or 0x41, and over memory another
   estimator has used on a larger problem (every scratch slot and learned value nonzero), each
   then set up by dg_init with the same configuration. Their estimates and info must agree bit
   for bit, call after call, whatever the problem size. */
static void replica_memory_before_init_does_not_matter(void)
{
    static dg_estimator a, b, used;
    static dg_real ga[DG_MAX_DIM], gb[DG_MAX_DIM], gu[DG_MAX_DIM];
    ref_obj o;
    int i, call, size, bad = 0;
    memset(&o, 0, sizeof o);
    o.q = 0.8; o.r = 0.6; o.offset = 1.5; o.mult = 1;
    rp_fill_logits(DG_MAX_DIM, 1.5);
    for (i = 0; i < RP_NCASES; ++i)
        for (size = 0; size < 5; ++size) {
            static const int Ds[5] = {5, 3, DG_MAX_DIM / 2, DG_MAX_DIM / 8, 1};
            static const int Ks[5] = {1, 4, 1, 8, 1};
            const rp_case *k = &rp_cases[i];
            dg_kind kind = Ks[size] == 1 ? DG_BERNOULLI : DG_CATEGORICAL;
            dg_problem p, big;
            dg_config c = rp_config(k, 40 + (uint64_t)i), cu = rp_config(&rp_cases[RP_NCASES - 1], 41);
            int n;
            if (kind == DG_CATEGORICAL && k->method == DG_DISARM) continue;
            /* the used estimator: tuned RELAX on a full-capacity problem, then any method */
            cu.tune = 1;
            big = ref_problem(DG_BERNOULLI, DG_MAX_DIM, 1, rp_logits, &o);
            memset(&used, 0, sizeof used);
            dgt_init(&used, &cu);
            for (call = 0; call < 2; ++call) dg_estimate(&used, &big, gu, NULL);
            cu = rp_config(&rp_cases[(i + 7) % RP_NCASES], 42);
            dgt_init(&used, &cu);
            dg_estimate(&used, &big, gu, NULL);
            p = ref_problem(kind, Ds[size], Ks[size], rp_logits, &o);
            n = kind == DG_BERNOULLI ? Ds[size] : Ds[size] * Ks[size];
            p.baseline_input = (dg_real)0.9;
            memset(&a, 0, sizeof a);
            memset(&b, size & 1 ? 0xA5 : 0x41, sizeof b);
            CHECK_INT(dgt_init(&a, &c), DG_OK);
            CHECK_INT(dgt_init(&b, &c), DG_OK);
            CHECK_INT(dgt_init(&used, &c), DG_OK);
            for (call = 0; call < 3; ++call) {
                dg_info ia, ib, iu;
                int ra = dg_estimate(&a, &p, ga, &ia), rb = dg_estimate(&b, &p, gb, &ib);
                int ru = dg_estimate(&used, &p, gu, &iu);
                if (ra != DG_OK || rb != DG_OK || ru != DG_OK ||
                    memcmp(ga, gb, sizeof(dg_real) * (size_t)n) != 0 ||
                    memcmp(ga, gu, sizeof(dg_real) * (size_t)n) != 0 ||
                    memcmp(&ia, &ib, sizeof ia) != 0 || memcmp(&ia, &iu, sizeof ia) != 0) {
                    printf("    %s, D %d K %d, call %d: estimators differ by the memory they were "
                           "set up over\n", k->name, Ds[size], Ks[size], call);
                    bad++;
                    break;
                }
            }
        }
    CHECK_INT(bad, 0);
}

static void register_replica(void)
{
    DGT_ADD(replica_small_problems);
    DGT_ADD(replica_long_rows);
    DGT_ADD(replica_full_capacity);
    DGT_ADD(replica_memory_before_init_does_not_matter);
}
