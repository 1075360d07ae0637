/* The two phases: dg_ask, dg_tell, dg_commit against dg_estimate (bit for bit), batches and
   out-of-order tells against one at a time, the learned state against commits, the episodic
   bias that per-step commits cause, and the memory the size functions promise. */

/* An objective of any n <= 24 values with its gradient (z of any kind: bits, one-hot rows,
   relaxed points): f(z) = sum_i (z_i - 0.3 i)^2 (1 + 0.1 i) + 0.5 z_i z_{i+1 mod n}. */
static dg_real at_f(const dg_real *z, void *user)
{
    int n = *(const int *)user, i;
    dg_real s = 0;
    for (i = 0; i < n; ++i)
        s += (z[i] - (dg_real)0.3 * i) * (z[i] - (dg_real)0.3 * i) * (1 + (dg_real)0.1 * i) +
             (dg_real)0.5 * z[i] * z[(i + 1) % n];
    return s;
}
static dg_real at_f_grad(const dg_real *z, dg_real *dz, void *user)
{
    int n = *(const int *)user, i;
    for (i = 0; i < n; ++i)
        dz[i] = 2 * (z[i] - (dg_real)0.3 * i) * (1 + (dg_real)0.1 * i) +
                (dg_real)0.5 * (z[(i + 1) % n] + z[(i + n - 1) % n]);
    return at_f(z, user);
}
/* a control variate linear in z (mean gradient J^T w, written by the caller as the header
   documents) and its mean gradient for Bernoulli problems: b(z) = sum_i 0.7 z_i */
static dg_real at_cv(const dg_real *z, void *user)
{
    int n = *(const int *)user, i;
    dg_real s = 0;
    for (i = 0; i < n; ++i) s += (dg_real)0.7 * z[i];
    return s;
}
static void at_cv_mean_grad(const dg_real *logits, dg_real *grad, void *user)
{
    int n = *(const int *)user, i;
    for (i = 0; i < n; ++i) {
        dg_real p = dg_sigmoid(logits[i]);
        grad[i] = (dg_real)0.7 * p * (1 - p);
    }
}

/* a gentler objective of the same shapes, for the statistical test: f(z) = sum_i sin(0.7 i + 1)
   z_i + 0.5 z_0 z_{n-1} */
static dg_real at_gentle(const dg_real *z, void *user)
{
    int n = *(const int *)user, i;
    dg_real s = (dg_real)0.5 * z[0] * z[n - 1];
    for (i = 0; i < n; ++i) s += (dg_real)sin(0.7 * i + 1) * z[i];
    return s;
}

static int at_n_b = 6, at_n_c = 12;
static dg_real at_logits[3 * 24];

static dg_problem at_problem(dg_kind kind, int batch)
{
    dg_problem p;
    int i;
    memset(&p, 0, sizeof p);
    for (i = 0; i < 3 * 24; ++i) at_logits[i] = (dg_real)(0.3 * sin(i * 1.7) + 0.05 * i - 1);
    p.kind = kind;
    p.D = kind == DG_BERNOULLI ? 6 : 3;
    p.K = 4;
    p.logits = at_logits;
    p.f = at_f;
    p.f_grad = at_f_grad;
    p.user = kind == DG_BERNOULLI ? &at_n_b : &at_n_c;
    p.cv = at_cv;
    p.cv_mean_grad = at_cv_mean_grad;
    p.baseline_input = (dg_real)0.25;
    p.batch = batch;
    return p;
}

/* Evaluates a draw's points as dg_estimate would: f or f_grad where dg_point_needs says so. */
static void at_evaluate(const dg_draw *d, const dg_problem *p, dg_real *values, dg_real *grads)
{
    int b, j, n = d->n;
    for (b = 0; b < d->batch; ++b)
        for (j = 0; j < d->per_example; ++j) {
            size_t at = (size_t)b * d->per_example + j;
            int need = dg_point_needs(d, b, j);
            values[at] = (dg_real)-12345; /* what a point that needs nothing keeps */
            if (need == DG_NEED_GRAD) values[at] = p->f_grad(d->points + at * n, grads + at * n, p->user);
            else if (need == DG_NEED_VALUE) values[at] = p->f(d->points + at * n, p->user);
        }
}

#define AT_DRAW_MAX 200000
static dg_real at_dmem[AT_DRAW_MAX], at_values[20000], at_grads[AT_DRAW_MAX];

/* For every method, kind, baseline and tuning, with 1 and 3 samples: dg_ask, the objective at
   the points, dg_tell and dg_commit give the bits of dg_estimate, step after step (learned state
   included), with the same info. */
static void asktell_equals_estimate(void)
{
    static dg_estimator a, b;
    int mi, kind, bl, tune, samples, step, cases = 0;
    for (mi = DG_EXACT; mi <= DG__METHOD_LAST; ++mi)
        for (kind = DG_BERNOULLI; kind <= DG_CATEGORICAL; ++kind)
            for (bl = 0; bl <= DG__BASELINE_LAST; ++bl)
                for (tune = 0; tune <= 1; ++tune)
                    for (samples = 1; samples <= 3; samples += 2) {
                        dg_config c;
                        dg_problem p = at_problem((dg_kind)kind, 0);
                        int n = kind == DG_BERNOULLI ? 6 : 12, same = 1, rc;
                        if (bl && mi != DG_REINFORCE) continue;
                        if (tune && mi != DG_REBAR && mi != DG_RELAX) continue;
                        if (bl == DG_BASELINE_CV && kind == DG_CATEGORICAL) continue;
                        memset(&c, 0, sizeof c);
                        c.method = (dg_method)mi;
                        c.samples = (mi == DG_RLOO || mi == DG_VIMCO) && samples == 1 ? 2 : samples;
                        c.baseline = (dg_baseline)bl;
                        c.tune = tune;
                        c.normalize = 1;
                        c.baseline_value = (dg_real)0.4;
                        c.seed = 7;
                        c.stream = (uint64_t)(mi * 100 + kind * 10 + bl);
                        CHECK_INT(dgt_init(&a, &c), DG_OK);
                        CHECK_INT(dgt_init(&b, &c), DG_OK);
                        for (step = 0; step < 4; ++step) {
                            dg_real ga[24], gb[24];
                            dg_info ia, ib;
                            dg_draw d;
                            int ra = dg_estimate(&a, &p, ga, &ia);
                            rc = dg_ask(&b, &p, &d, at_dmem, AT_DRAW_MAX);
                            CHECK_INT(rc, ra == DG_EUNSUPPORTED ? DG_EUNSUPPORTED : DG_OK);
                            if (ra != DG_OK || rc != DG_OK) break;
                            at_evaluate(&d, &p, at_values, at_grads);
                            /* the extras go with the problem; otherwise the draw's own copy serves */
                            rc = dg_tell(&b, &d, bl >= DG_BASELINE_INPUT || step % 2 ? &p : NULL, at_values,
                                         d.needs_grad ? at_grads : NULL, gb, &ib);
                            CHECK_INT(rc, DG_OK);
                            CHECK_INT(dg_commit(&b), DG_OK);
                            same &= memcmp(ga, gb, (size_t)n * sizeof ga[0]) == 0;
                            same &= memcmp(&ia.f_mean, &ib.f_mean, sizeof ia.f_mean) == 0;
                            same &= ia.f_evals == ib.f_evals && ia.grad_evals == ib.grad_evals;
                            same &= ia.baseline == ib.baseline && ia.learning_signal == ib.learning_signal;
                            same &= ia.eta == ib.eta && ia.tau == ib.tau && ia.surrogate_loss == ib.surrogate_loss;
                            same &= ia.bound == ib.bound;
                        }
                        if (!same) {
                            char buf[160];
                            snprintf(buf, sizeof buf, "method %d kind %d baseline %d tune %d samples %d differs",
                                     mi, kind, bl, tune, samples);
                            dgt_fail(__FILE__, __LINE__, buf);
                        }
                        cases++;
                    }
    CHECK(cases > 60);
}

/* Every method writes its estimate and nothing past it: dg_estimate n values, dg_tell batch * n,
   and nothing past the draw's dg_draw_reals values (the caller's arrays here end in sentinels);
   and where each point of a draw is one discrete
   sample (REINFORCE, RLOO, straight-through, ReinMax), info.f_mean is the mean of the values
   told, computed here. Three samples, batches of two. */
static void asktell_writes_only_the_estimate(void)
{
    static dg_estimator e;
    int mi, kind, i, cases = 0;
    for (mi = DG_EXACT; mi <= DG__METHOD_LAST; ++mi)
        for (kind = DG_BERNOULLI; kind <= DG_CATEGORICAL; ++kind) {
            dg_config c;
            dg_problem p = at_problem((dg_kind)kind, 0);
            int n = kind == DG_BERNOULLI ? 6 : 12, rc, b, j;
            size_t count;
            dg_real g[2 * 12 + 4];
            dg_info info;
            dg_draw d;
            const dg_real sentinel = (dg_real)-7.25;
            memset(&c, 0, sizeof c);
            c.method = (dg_method)mi;
            c.samples = 3;
            c.tune = mi == DG_REBAR || mi == DG_RELAX;
            c.seed = 11;
            CHECK_INT(dgt_init(&e, &c), DG_OK);
            for (i = 0; i < 2 * 12 + 4; ++i) g[i] = sentinel;
            rc = dg_estimate(&e, &p, g, &info);
            if (rc == DG_EUNSUPPORTED) continue;
            CHECK_INT(rc, DG_OK);
            for (i = n; i < 2 * 12 + 4; ++i) CHECK(g[i] == sentinel);
            p.batch = 2;
            p.logits = at_logits;
            count = dg_draw_reals(&e, &p); /* exactly that much: sentinels follow it */
            CHECK(count > 0 && count + 4 <= AT_DRAW_MAX);
            for (i = 0; i < 4; ++i) at_dmem[count + (size_t)i] = sentinel;
            CHECK_INT(dg_ask(&e, &p, &d, at_dmem, count), DG_OK);
            at_evaluate(&d, &p, at_values, at_grads);
            for (i = 0; i < 2 * 12 + 4; ++i) g[i] = sentinel;
            CHECK_INT(dg_tell(&e, &d, &p, at_values, d.needs_grad ? at_grads : NULL, g, &info), DG_OK);
            for (i = 2 * n; i < 2 * 12 + 4; ++i) CHECK(g[i] == sentinel);
            for (i = 0; i < 4; ++i) CHECK(at_dmem[count + (size_t)i] == sentinel);
            if (mi == DG_REINFORCE || mi == DG_RLOO || mi == DG_STRAIGHT_THROUGH || mi == DG_REINMAX) {
                long double sum = 0;
                CHECK_INT(d.per_example, 3);
                for (b = 0; b < 2; ++b)
                    for (j = 0; j < 3; ++j) sum += at_values[b * 3 + j];
                CHECK_REL(info.f_mean, sum / 6, DGT_TOL(1e-12, 1e-5), 1e-6);
            }
            cases++;
        }
    CHECK(cases > 25);
}

/* A draw of B examples gives, example by example, the bits of B draws asked one after the
   other; told in reverse order, the single draws give the same bits as in order; and the
   learned state after one commit is the same all three ways. */
static void asktell_batch_and_order(void)
{
    static dg_estimator e1, e2, e3;
    static const struct { dg_method m; dg_baseline bl; int kind, samples; } cases[] = {
        {DG_REINFORCE, DG_BASELINE_EMA, DG_BERNOULLI, 2}, {DG_REINFORCE, DG_BASELINE_OPTIMAL, DG_CATEGORICAL, 3},
        {DG_REINFORCE, DG_BASELINE_INPUT, DG_BERNOULLI, 2}, {DG_RLOO, DG_BASELINE_NONE, DG_CATEGORICAL, 4},
        {DG_GUMBEL_SOFTMAX, DG_BASELINE_NONE, DG_CATEGORICAL, 1}, {DG_REBAR, DG_BASELINE_NONE, DG_BERNOULLI, 2},
        {DG_ARM, DG_BASELINE_NONE, DG_CATEGORICAL, 2}, {DG_DISARM, DG_BASELINE_NONE, DG_BERNOULLI, 1},
        /* sampling without replacement: the subset sums (4), the integrals (10), a draw outside */
        {DG_UNORDERED_SET, DG_BASELINE_NONE, DG_CATEGORICAL, 4}, {DG_UNORDERED_SET, DG_BASELINE_NONE, DG_BERNOULLI, 10},
        {DG_SUM_AND_SAMPLE, DG_BASELINE_NONE, DG_BERNOULLI, 3}, {DG_SUM_AND_SAMPLE, DG_BASELINE_NONE, DG_CATEGORICAL, 5}};
    static dg_real mem1[AT_DRAW_MAX], mem2[3][AT_DRAW_MAX / 4];
    size_t ci;
    for (ci = 0; ci < sizeof cases / sizeof cases[0]; ++ci) {
        dg_config c;
        dg_problem p = at_problem((dg_kind)cases[ci].kind, 3), q;
        dg_real inputs[3] = {(dg_real)0.1, (dg_real)-0.4, (dg_real)0.9};
        int n = cases[ci].kind == DG_BERNOULLI ? 6 : 12, round, b;
        memset(&c, 0, sizeof c);
        c.method = cases[ci].m;
        c.baseline = cases[ci].bl;
        c.samples = cases[ci].samples;
        c.normalize = 1;
        c.tune = 0; /* tuning sums pool in another association across tells: not bitwise */
        c.seed = 21;
        p.baseline_inputs = inputs;
        CHECK_INT(dgt_init(&e1, &c), DG_OK);
        CHECK_INT(dgt_init(&e2, &c), DG_OK);
        CHECK_INT(dgt_init(&e3, &c), DG_OK);
        for (round = 0; round < 3; ++round) {
            dg_real gbatch[3 * 24], gone[3][24], grev[3][24];
            dg_draw d, dd[3], dr[3];
            int same = 1;
            CHECK_INT(dg_ask(&e1, &p, &d, mem1, AT_DRAW_MAX), DG_OK);
            CHECK_INT(d.batch, 3);
            at_evaluate(&d, &p, at_values, at_grads);
            CHECK_INT(dg_tell(&e1, &d, &p, at_values, at_grads, gbatch, NULL), DG_OK);
            for (b = 0; b < 3; ++b) { /* one example at a time, in order, on e2; and on e3 ... */
                q = p;
                q.batch = 1;
                q.logits = p.logits + b * n;
                q.baseline_input = inputs[b];
                q.baseline_inputs = NULL;
                CHECK_INT(dg_ask(&e2, &q, &dd[b], mem2[b], AT_DRAW_MAX / 4), DG_OK);
                at_evaluate(&dd[b], &q, at_values, at_grads);
                CHECK_INT(dg_tell(&e2, &dd[b], &q, at_values, at_grads, gone[b], NULL), DG_OK);
            }
            for (b = 0; b < 3; ++b) { /* ... asked in order, told in reverse */
                q = p;
                q.batch = 1;
                q.logits = p.logits + b * n;
                CHECK_INT(dg_ask(&e3, &q, &dr[b], mem2[b], AT_DRAW_MAX / 4), DG_OK);
            }
            for (b = 2; b >= 0; --b) {
                q = p;
                q.batch = 1;
                q.logits = p.logits + b * n;
                q.baseline_input = inputs[b];
                q.baseline_inputs = NULL;
                at_evaluate(&dr[b], &q, at_values, at_grads);
                CHECK_INT(dg_tell(&e3, &dr[b], &q, at_values, at_grads, grev[b], NULL), DG_OK);
            }
            for (b = 0; b < 3; ++b) {
                same &= memcmp(gbatch + b * n, gone[b], (size_t)n * sizeof gone[b][0]) == 0;
                same &= memcmp(grev[b], gone[b], (size_t)n * sizeof gone[b][0]) == 0;
            }
            CHECK(same);
            CHECK_INT(dg_commit(&e1), DG_OK);
            CHECK_INT(dg_commit(&e2), DG_OK);
            /* the batch pools its examples exactly as single tells in order do; told in reverse,
               the sums pool in another order (the same values up to rounding), so the next round
               starts e3 from e2's state */
            CHECK(memcmp(&e1.sf, &e2.sf, sizeof e1.sf) == 0);
            CHECK(memcmp(&e1.cv, &e2.cv, sizeof e1.cv) == 0);
            /* the optimal baseline's learned sums and their pending parts: the first 4n values of
               the memory (the rest is scratch, and the two blocks hold different garbage) */
            CHECK(memcmp(e1.mem, e2.mem, 4 * (size_t)n * sizeof(dg_real)) == 0 ||
                  cases[ci].bl != DG_BASELINE_OPTIMAL);
            CHECK(memcmp(&e1.rng, &e3.rng, sizeof e1.rng) == 0);
            dgt_copy(&e3, &e2);
        }
    }
}

/* dg_tell leaves the learned state alone and dg_commit moves it, once per commit: an EMA
   baseline told five draws and committed once moves by their mean, as one dg_estimate of five
   samples would; a second commit with nothing pending changes nothing. */
static void asktell_state_moves_only_on_commit(void)
{
    static dg_estimator e, one;
    static dg_real mem[5][4096];
    dg_config c;
    dg_problem p = at_problem(DG_BERNOULLI, 0);
    dg_draw d[5];
    dg_real g[24], mean = 0, want;
    dg_sf_state before;
    int t;
    memset(&c, 0, sizeof c);
    c.method = DG_REINFORCE;
    c.baseline = DG_BASELINE_EMA;
    c.ema_decay = (dg_real)0.5;
    c.seed = 3;
    CHECK_INT(dgt_init(&e, &c), DG_OK);
    /* a first commit so the average exists */
    CHECK_INT(dg_estimate(&e, &p, g, NULL), DG_OK);
    before = e.sf;
    for (t = 0; t < 5; ++t) {
        CHECK_INT(dg_ask(&e, &p, &d[t], mem[t], 4096), DG_OK);
        at_values[t] = (dg_real)(t + 1);
        CHECK_INT(dg_tell(&e, &d[t], NULL, &at_values[t], NULL, g, NULL), DG_OK);
        CHECK(memcmp(&e.sf, &before, sizeof before) == 0);
        mean += (dg_real)(t + 1) / 5;
    }
    CHECK_INT((int)e.pend.tells, 5);
    CHECK_INT(dg_commit(&e), DG_OK);
    want = (dg_real)0.5 * before.ema + (dg_real)0.5 * mean;
    CHECK_NEAR(e.sf.ema, want, DGT_TOL(1e-12, 1e-5));
    before = e.sf;
    CHECK_INT(dg_commit(&e), DG_OK);
    CHECK(memcmp(&e.sf, &before, sizeof before) == 0);
    CHECK_INT(dg_commit(NULL), DG_EINVAL);
    (void)one;
}

/* Why commit is separate. An episode of two steps, one Bernoulli action a_t ~ sigmoid(phi) per
   step, reward a_t, so the return of step 0 is a_0 + a_1 and of step 1 is a_1; the gradient of
   the expected total is 2 p (1 - p). REINFORCE with an EMA baseline (decay 1/2) told the returns
   at the episode's end: committed once per episode the baseline at step 1 averages earlier
   episodes only and the mean of the summed estimates is the gradient; committed after each
   step, the baseline at step 1 contains a_0 + a_1, which carries the action a_1 it is
   subtracted from, and the mean comes out (1 + 1/2) p (1 - p): the test sees that bias. */
static void asktell_episode_commit_bias(void)
{
    static dg_estimator e;
    static dg_real mem[2][512];
    const long N = 40000;
    int per_step;
    dg_real phi = (dg_real)0.4;
    double p = dgt_sigmoid(0.4), exact = 2 * p * (1 - p);
    for (per_step = 0; per_step <= 1; ++per_step) {
        dg_config c;
        dg_problem q;
        dg_draw d[2];
        double sum = 0, sum2 = 0, mean, se;
        long k;
        memset(&c, 0, sizeof c);
        c.method = DG_REINFORCE;
        c.baseline = DG_BASELINE_EMA;
        c.ema_decay = (dg_real)0.5;
        c.seed = 100 + (uint64_t)per_step;
        memset(&q, 0, sizeof q);
        q.kind = DG_BERNOULLI;
        q.D = 1;
        q.logits = &phi;
        CHECK_INT(dgt_init(&e, &c), DG_OK);
        for (k = 0; k < N; ++k) {
            dg_real ret[2], g[2], total;
            int t;
            for (t = 0; t < 2; ++t) CHECK_INT(dg_ask(&e, &q, &d[t], mem[t], 512), DG_OK);
            ret[1] = d[1].points[0];
            ret[0] = d[0].points[0] + ret[1];
            for (t = 0; t < 2; ++t) {
                CHECK_INT(dg_tell(&e, &d[t], &q, &ret[t], NULL, &g[t], NULL), DG_OK);
                if (per_step) dg_commit(&e);
            }
            dg_commit(&e);
            total = g[0] + g[1];
            sum += total;
            sum2 += total * total;
        }
        mean = sum / N;
        se = sqrt((sum2 / N - mean * mean) / N);
        printf("  episode of 2 steps, commit per %s: mean %.5f, exact %.5f, %.1f se\n",
               per_step ? "step   " : "episode", mean, exact, fabs(mean - exact) / se);
        if (per_step) {
            CHECK(fabs(mean - exact) > 8 * se);          /* the bias is seen ... */
            CHECK(fabs(mean - 0.75 * exact) < 4 * se);   /* ... and is what the algebra says */
        } else {
            CHECK(fabs(mean - exact) < 4 * se);
        }
    }
}

/* Means through ask and tell of a batch of three examples, each with its own logits, agree with
   each example's exact gradient (REINFORCE with an EMA baseline committed per batch, RLOO,
   categorical ARM), and the z-score bound is tight enough to see a 10% error. */
static void asktell_batch_unbiased(void)
{
    static dg_estimator e;
    static const dg_method methods[3] = {DG_REINFORCE, DG_RLOO, DG_ARM};
    static dg_real mem[AT_DRAW_MAX];
    int mi, b, i;
    for (mi = 0; mi < 3; ++mi) {
        dg_config c;
        dg_problem p = at_problem(DG_CATEGORICAL, 3), q;
        static dg_stats st;
        p.f = at_gentle;
        dg_real exact[3 * 12], g[3 * 12];
        double emax = 0;
        const long N = methods[mi] == DG_ARM ? 100000 : 50000; /* ARM's swaps are the noisiest */
        long t;
        memset(&c, 0, sizeof c);
        c.method = methods[mi];
        c.baseline = methods[mi] == DG_REINFORCE ? DG_BASELINE_EMA : DG_BASELINE_NONE;
        c.samples = 4;
        c.seed = 5;
        for (b = 0; b < 3; ++b) {
            q = p;
            q.batch = 1;
            q.logits = p.logits + b * 12;
            CHECK_INT(dg_exact(&q, exact + b * 12, NULL), DG_OK);
        }
        for (i = 0; i < 36; ++i) if (fabs(exact[i]) > emax) emax = fabs(exact[i]);
        CHECK_INT(dgt_init(&e, &c), DG_OK);
        dg_stats_init(&st, 36);
        for (t = 0; t < N; ++t) {
            dg_draw d;
            CHECK_INT(dg_ask(&e, &p, &d, mem, AT_DRAW_MAX), DG_OK);
            at_evaluate(&d, &p, at_values, at_grads);
            CHECK_INT(dg_tell(&e, &d, &p, at_values, NULL, g, NULL), DG_OK);
            dg_commit(&e);
            dg_stats_push(&st, g);
        }
        for (i = 0; i < 36; ++i) {
            double m = dg_stats_mean(&st, i), se = dg_stats_sem(&st, i);
            if (!(fabs(m - exact[i]) <= 4 * se + 1e-9)) {
                char buf[160];
                snprintf(buf, sizeof buf, "method %d coord %d: exact %.5f mean %.5f se %.2g",
                         (int)methods[mi], i, (double)exact[i], m, se);
                dgt_fail(__FILE__, __LINE__, buf);
            }
            /* a 10% error of the coordinate (or of a fifth of the largest) would be seen */
            CHECK(4 * se <= 0.1 * (fabs(exact[i]) > 0.2 * emax ? fabs(exact[i]) : 0.2 * emax));
        }
    }
}

/* The memory the size functions promise: exactly dg_estimator_reals and dg_draw_reals work, one
   value less is DG_ECAPACITY with nothing written; the constant-expression bounds are never
   below; memory filled with garbage before dg_init gives the bits of zeroed memory; a 4-logit
   REINFORCE with an EMA baseline fits in 4 KiB, estimator and memory together. */
static void asktell_memory_sizes(void)
{
    static dg_estimator e, z;
    static dg_real mem[AT_DRAW_MAX], zmem[AT_DRAW_MAX], dm[AT_DRAW_MAX];
    int mi, kind, tune, K, D;
    for (mi = DG_EXACT; mi <= DG__METHOD_LAST; ++mi)
        for (kind = DG_BERNOULLI; kind <= DG_CATEGORICAL; ++kind)
            for (tune = 0; tune <= 1; ++tune)
                for (K = 2; K <= 11; K += 9)
                    for (D = 1; D <= 7; D += 3) {
                        dg_config c;
                        dg_problem p;
                        size_t need, bound, dneed, dbound;
                        dg_real g[80], gz[80], lg[80];
                        dg_draw d;
                        int n = kind == DG_BERNOULLI ? D : D * K, i, rc, want;
                        static int nn;
                        memset(&c, 0, sizeof c);
                        c.method = (dg_method)mi;
                        c.tune = tune;
                        c.samples = 2;
                        c.baseline = mi == DG_REINFORCE ? DG_BASELINE_OPTIMAL : DG_BASELINE_NONE;
                        memset(&p, 0, sizeof p);
                        p.kind = (dg_kind)kind;
                        p.D = D;
                        p.K = K;
                        for (i = 0; i < n; ++i) lg[i] = (dg_real)(0.2 * i - 0.5);
                        p.logits = lg;
                        p.f = at_f;
                        p.f_grad = at_f_grad;
                        nn = n;
                        p.user = &nn;
                        need = dg_estimator_reals(&c, &p);
                        bound = DG_ESTIMATOR_REALS(mi, n, kind == DG_BERNOULLI ? 1 : K);
                        CHECK(need <= bound);
                        want = mi == DG_DISARM && kind == DG_CATEGORICAL ? DG_EUNSUPPORTED : DG_OK;
                        if (mi == DG_EXACT && pow(kind == DG_BERNOULLI ? 2 : K, D) > (double)DG_MAX_ENUM)
                            want = DG_ECAPACITY;
                        /* exact size, over garbage and over zeros: the same bits */
                        memset(mem, 0xA5, sizeof mem);
                        memset(zmem, 0, sizeof zmem);
                        CHECK_INT(dg_init(&e, &c, mem, need), DG_OK);
                        CHECK_INT(dg_init(&z, &c, zmem, need), DG_OK);
                        for (i = 0; i < 3; ++i) {
                            rc = dg_estimate(&e, &p, g, NULL);
                            CHECK_INT(rc, want);
                            CHECK_INT(dg_estimate(&z, &p, gz, NULL), want);
                            if (rc == DG_OK) CHECK(memcmp(g, gz, (size_t)n * sizeof g[0]) == 0);
                        }
                        if (need > 0 && want == DG_OK) {
                            g[0] = (dg_real)-99;
                            CHECK_INT(dg_init(&e, &c, mem, need - 1), DG_OK);
                            CHECK_INT(dg_estimate(&e, &p, g, NULL), DG_ECAPACITY);
                            CHECK(g[0] == (dg_real)-99);
                        }
                        if (want != DG_OK || mi == DG_EXACT) continue;
                        CHECK_INT(dg_init(&e, &c, mem, need), DG_OK);
                        dneed = dg_draw_reals(&e, &p);
                        dbound = DG_DRAW_REALS(mi, n, kind == DG_BERNOULLI ? 1 : K, 2, 1);
                        /* IndeCateR's draws hold 1 + D (K - 1) points per sample: quadratic */
                        CHECK(dneed > 0 && dneed <= dbound && (dneed <= 4096 || mi == DG_INDECATER));
                        if (dneed > AT_DRAW_MAX) {
                            CHECK(dneed <= AT_DRAW_MAX);
                            continue;
                        }
                        CHECK_INT(dg_ask(&e, &p, &d, dm, dneed - 1), DG_ECAPACITY);
                        CHECK_INT(dg_ask(&e, &p, &d, dm, dneed), DG_OK);
                    }
    {
        dg_config c;
        dg_problem p;
        memset(&c, 0, sizeof c);
        memset(&p, 0, sizeof p);
        c.method = DG_REINFORCE;
        c.baseline = DG_BASELINE_EMA;
        p.kind = DG_BERNOULLI;
        p.D = 4;
        printf("  REINFORCE + EMA, 4 logits: dg_estimator %lu bytes + memory %lu bytes "
               "(DG_ESTIMATOR_REALS %lu values)\n", (unsigned long)sizeof(dg_estimator),
               (unsigned long)(dg_estimator_reals(&c, &p) * sizeof(dg_real)),
               (unsigned long)DG_ESTIMATOR_REALS(DG_REINFORCE, 4, 1));
        CHECK(sizeof(dg_estimator) + DG_ESTIMATOR_REALS(DG_REINFORCE, 4, 1) * sizeof(dg_real) <= 4096);
    }
}

/* NVIL's normalisation learns the pooled moments of l = f - b(x) over every draw told since the
   last commit, however they came: after the first commit its mean and (population) variance
   are those of all the draws' l, computed here from the values told. A batch of three examples
   of their own b(x); three tells of three draws each before one commit; and three tells of one
   draw each, so that pooling starts from a single value. */
static void asktell_normalisation_pools_every_draw(void)
{
    static dg_estimator e;
    static dg_real mem[3][AT_DRAW_MAX / 4];
    const dg_real inputs[3] = {(dg_real)0.3, (dg_real)-2.5, (dg_real)1.7};
    dg_config c;
    int way;
    memset(&c, 0, sizeof c);
    c.method = DG_REINFORCE;
    c.baseline = DG_BASELINE_INPUT;
    c.normalize = 1;
    c.samples = 3;
    c.seed = 8;
    for (way = 0; way < 3; ++way) { /* a batch of 3; 3 tells of 3 draws; 3 tells of 1 draw */
        dg_problem p = at_problem(DG_BERNOULLI, way == 0 ? 3 : 1);
        dg_draw d[3];
        dg_real g[3 * 6];
        long double sum = 0, sum_sq = 0, mean, var;
        int t, b, j, count = 0;
        c.samples = way == 2 ? 1 : 3; /* one draw a tell: pooling starts from a single value */
        CHECK_INT(dgt_init(&e, &c), DG_OK);
        p.baseline_inputs = way == 0 ? inputs : NULL;
        for (t = 0; t < (way == 0 ? 1 : 3); ++t) {
            p.logits = at_logits + (way == 0 ? 0 : t * 6);
            CHECK_INT(dg_ask(&e, &p, &d[t], mem[t], AT_DRAW_MAX / 4), DG_OK);
        }
        for (t = 0; t < (way == 0 ? 1 : 3); ++t) {
            p.logits = at_logits + (way == 0 ? 0 : t * 6);
            p.baseline_input = inputs[t];
            at_evaluate(&d[t], &p, at_values, at_grads);
            for (b = 0; b < d[t].batch; ++b)
                for (j = 0; j < d[t].per_example; ++j) {
                    long double l = (long double)at_values[b * d[t].per_example + j] -
                                    (long double)inputs[way == 0 ? b : t];
                    if (dg_point_needs(&d[t], b, j) == DG_NEED_NONE) continue;
                    sum += l;
                    sum_sq += l * l;
                    count++;
                }
            CHECK_INT(dg_tell(&e, &d[t], &p, at_values, at_grads, g, NULL), DG_OK);
        }
        CHECK_INT(count, way == 2 ? 3 : 9);
        CHECK_INT(dg_commit(&e), DG_OK);
        mean = sum / count;
        var = sum_sq / count - mean * mean;
        CHECK(var > 1); /* the spread the normalisation divides by */
        CHECK_REL(e.sf.sig_mean, mean, DGT_TOL(1e-12, 1e-5), 1);
        CHECK_REL(e.sf.sig_var, var, DGT_TOL(1e-12, 1e-5), 1);
    }
}

static void register_asktell(void)
{
    DGT_ADD(asktell_equals_estimate);
    DGT_ADD(asktell_batch_and_order);
    DGT_ADD(asktell_state_moves_only_on_commit);
    DGT_ADD(asktell_episode_commit_bias);
    DGT_ADD(asktell_batch_unbiased);
    DGT_ADD(asktell_memory_sizes);
    DGT_ADD(asktell_normalisation_pools_every_draw);
    DGT_ADD(asktell_writes_only_the_estimate);
}
