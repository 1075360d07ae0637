/* Sampling without replacement: Gumbel-top-k and stochastic beam search against the exact laws
   of sampling without replacement (chi-square), deterministic beam search against enumeration,
   the sampler outside a set, the leave-one-out set probabilities exactly, by the integral and by
   their definition, and DG_UNORDERED_SET and DG_SUM_AND_SAMPLE against dg_exact: means within a
   z-score bound, the exact gradient when the set covers every configuration, and the weights
   each returns for its estimate of E_q f. */

/* Upper 0.001 critical value of chi-square for any df (Wilson-Hilferty beyond 10). */
static double sw_chi2_crit(int df)
{
    double a = 2.0 / (9.0 * df), c;
    if (df <= 10) return dgt_chi2_crit(df);
    c = 1 - a + 3.0902 * sqrt(a);
    return df * c * c * c;
}

/* Configurations of a small problem: index = sum_d class_d C^d (C = 2 or K). */
static int sw_classes(const dg_problem *p) { return p->kind == DG_BERNOULLI ? 2 : p->K; }

static int sw_count(const dg_problem *p)
{
    int d, c = 1;
    for (d = 0; d < p->D; ++d) c *= sw_classes(p);
    return c;
}

/* log q of configuration idx, in double. */
static double sw_logq(const dg_problem *p, int idx)
{
    int d, k, C = sw_classes(p);
    double s = 0;
    for (d = 0; d < p->D; ++d, idx /= C) {
        int c = idx % C;
        if (p->kind == DG_BERNOULLI) {
            double x = (double)p->logits[d];
            s += c ? -log1p(exp(-x)) : -log1p(exp(x));
        } else {
            double m = -1e300, z = 0;
            const dg_real *row = p->logits + d * p->K;
            for (k = 0; k < p->K; ++k) m = row[k] > m ? (double)row[k] : m;
            for (k = 0; k < p->K; ++k) z += exp((double)row[k] - m);
            s += (double)row[c] - m - log(z);
        }
    }
    return s;
}

/* The configuration index of a point (bits or one-hot rows); -1 when it is not a valid point. */
static int sw_index(const dg_problem *p, const dg_real *z)
{
    int d, k, idx = 0, mul = 1, C = sw_classes(p);
    for (d = 0; d < p->D; ++d, mul *= C) {
        int c = -1, ones = 0;
        if (p->kind == DG_BERNOULLI) {
            if (!(z[d] == 0 || z[d] == 1)) return -1;
            c = (int)z[d];
        } else {
            for (k = 0; k < p->K; ++k) {
                if (z[d * p->K + k] == 1) { c = k; ones++; }
                else if (!(z[d * p->K + k] == 0)) return -1;
            }
            if (ones != 1) return -1;
        }
        idx += c * mul;
    }
    return idx;
}

/* The probability of drawing the ordered sequence seq (m elements of probabilities q) without
   replacement, after the elements of mass `gone` were removed from the domain. */
static double sw_ordered(const double *q, const int *seq, int m, double gone)
{
    double pr = 1, left = 1 - gone;
    int i;
    for (i = 0; i < m; ++i) {
        pr *= q[seq[i]] / left;
        left -= q[seq[i]];
    }
    return pr;
}

/* P^{D\T}(A) by its definition: the sum over the orderings of A (heap's algorithm). */
static double sw_set_prob(const double *q, const int *set, int m, double gone)
{
    int a[12] = {0}, c[12] = {0}, i = 0, t;
    double total;
    for (t = 0; t < m; ++t) { a[t] = set[t]; c[t] = 0; }
    total = sw_ordered(q, a, m, gone);
    while (i < m) {
        if (c[i] < i) {
            int j = i % 2 ? c[i] : 0;
            t = a[j]; a[j] = a[i]; a[i] = t;
            total += sw_ordered(q, a, m, gone);
            c[i]++;
            i = 0;
        } else {
            c[i++] = 0;
        }
    }
    return total;
}

static int sw_popcount(unsigned x)
{
    int c = 0;
    for (; x; x &= x - 1) ++c;
    return c;
}

/* Gumbel-top-k on 5 classes, k = 3: the ordered triples against the law of sequential sampling
   without replacement, k = 1 against dg_gumbel_max bit for bit, the largest key against
   Gumbel(logsumexp). */
static void swor_gumbel_top_k_law(void)
{
    static const dg_real logits[5] = {0.5, -0.3, 1.2, 0.0, -1.0};
    static long counts[125];
    static double keys0[20000];
    double q[5], probs[125], z = 0, lse;
    dg_rng r, r2;
    int top[3], i, a, b, c, cells = 0;
    const long N = 200000;
    long t;
    dg_real keys[3], pert[5];
    for (i = 0; i < 5; ++i) z += exp((double)logits[i]);
    for (i = 0; i < 5; ++i) q[i] = exp((double)logits[i]) / z;
    lse = log(z);
    memset(counts, 0, sizeof counts);
    dg_rng_seed(&r, 21, 0);
    for (t = 0; t < N; ++t) {
        CHECK_INT(dg_gumbel_top_k(&r, logits, 5, 3, top, keys), DG_OK);
        if (top[0] == top[1] || top[1] == top[2] || top[0] == top[2] || !(keys[0] >= keys[1] && keys[1] >= keys[2])) {
            CHECK(0);
            break;
        }
        counts[top[0] * 25 + top[1] * 5 + top[2]]++;
        if (t < 20000) keys0[t] = (double)keys[0];
    }
    for (a = 0; a < 5; ++a)
        for (b = 0; b < 5; ++b)
            for (c = 0; c < 5; ++c) {
                int seq[3];
                seq[0] = a; seq[1] = b; seq[2] = c;
                if (a == b || b == c || a == c) continue;
                probs[cells] = sw_ordered(q, seq, 3, 0);
                counts[cells++] = counts[a * 25 + b * 5 + c]; /* compacted: cells only grow */
            }
    CHECK_INT(cells, 60);
    CHECK(dgt_chi2(counts, probs, cells, N) < sw_chi2_crit(cells - 1));
    {
        double gl_lse = lse;
        int n = 20000;
        double d = 0;
        qsort(keys0, (size_t)n, sizeof keys0[0], dgt_cmp_double);
        for (i = 0; i < n; ++i) {
            double F = exp(-exp(-(keys0[i] - gl_lse))), lo = F - (double)i / n, hi = (double)(i + 1) / n - F;
            if (lo > d) d = lo;
            if (hi > d) d = hi;
        }
        CHECK(d < DGT_KS_CRIT(n));
    }
    /* k = 1 is dg_gumbel_max, and both leave the rng alike; k = K sorts every perturbed logit */
    for (t = 0; t < 200; ++t) {
        r2 = r;
        CHECK_INT(dg_gumbel_top_k(&r, logits, 5, 1, top, keys), DG_OK);
        CHECK_INT(dg_gumbel_max(&r2, logits, 5, pert), top[0]);
        CHECK(keys[0] == pert[top[0]] && memcmp(&r, &r2, sizeof r) == 0);
    }
    {
        int all[5];
        dg_real k5[5];
        r2 = r;
        CHECK_INT(dg_gumbel_top_k(&r, logits, 5, 5, all, k5), DG_OK);
        dg_gumbel_max(&r2, logits, 5, pert);
        for (i = 0; i < 5; ++i) CHECK(k5[i] == pert[all[i]]);
        for (i = 1; i < 5; ++i) CHECK(k5[i - 1] > k5[i]);
    }
}

/* One stochastic beam search law check: N draws of k configurations of p; the unordered sets,
   the first two in order, and the first alone against the exact laws; every draw's points
   distinct and valid, its log-probabilities exact, its keys decreasing; the first key against
   Gumbel(0) (the largest perturbed log-probability of all configurations). */
static void sw_beam_law(const dg_problem *p, int k, long N, uint64_t seed)
{
    static long sets[1 << 12], pairs[144], first[12], scells[1 << 12];
    static double sprob[1 << 12], pprob[144], fprob[12], keys0[20000];
    static dg_real pts[12 * 64], lpr[12], keys[12], work[4096];
    double q[12];
    int nc = sw_count(p), n = p->kind == DG_BERNOULLI ? p->D : p->D * p->K, i, j, cells;
    unsigned mask;
    dg_rng r;
    long t, bad = 0;
    CHECK(nc <= 12 && k <= nc);
    for (i = 0; i < nc; ++i) q[i] = exp(sw_logq(p, i));
    memset(sets, 0, sizeof sets);
    memset(pairs, 0, sizeof pairs);
    memset(first, 0, sizeof first);
    dg_rng_seed(&r, seed, 1);
    for (t = 0; t < N; ++t) {
        int idx[12];
        CHECK_INT(dg_beam_search(&r, p, k, pts, lpr, keys, work, sizeof work / sizeof work[0]), k);
        for (mask = 0, j = 0; j < k; ++j) {
            idx[j] = sw_index(p, pts + j * n);
            if (idx[j] < 0 || (mask >> idx[j]) & 1) { bad++; idx[j] = 0; }
            mask |= 1u << idx[j];
            if (fabs((double)lpr[j] - sw_logq(p, idx[j])) > DGT_TOL(1e-12, 1e-5)) bad++;
            if (j > 0 && !(keys[j] <= keys[j - 1])) bad++;
        }
        sets[mask]++;
        pairs[idx[0] * nc + idx[1]]++;
        first[idx[0]]++;
        if (t < 20000) keys0[t] = (double)keys[0];
    }
    CHECK_INT(bad, 0);
    for (cells = 0, mask = 0; mask < (1u << nc); ++mask) {
        int set[12], m = 0;
        if (sw_popcount(mask) != k) continue;
        for (i = 0; i < nc; ++i) if ((mask >> i) & 1) set[m++] = i;
        sprob[cells] = sw_set_prob(q, set, k, 0);
        scells[cells++] = sets[mask];
    }
    CHECK(dgt_chi2(scells, sprob, cells, N) < sw_chi2_crit(cells - 1));
    for (cells = 0, i = 0; i < nc; ++i)
        for (j = 0; j < nc; ++j) {
            int seq[2];
            if (i == j) continue;
            seq[0] = i; seq[1] = j;
            pprob[cells] = sw_ordered(q, seq, 2, 0);
            pairs[cells++] = pairs[i * nc + j]; /* compacted in place: cells <= i nc + j */
        }
    CHECK(dgt_chi2(pairs, pprob, cells, N) < sw_chi2_crit(cells - 1));
    for (i = 0; i < nc; ++i) fprob[i] = q[i];
    CHECK(dgt_chi2(first, fprob, nc, N) < sw_chi2_crit(nc - 1));
    {
        int m = N < 20000 ? (int)N : 20000;
        double d = 0;
        qsort(keys0, (size_t)m, sizeof keys0[0], dgt_cmp_double);
        for (i = 0; i < m; ++i) {
            double F = exp(-exp(-keys0[i])), lo = F - (double)i / m, hi = (double)(i + 1) / m - F;
            if (lo > d) d = lo;
            if (hi > d) d = hi;
        }
        CHECK(d < DGT_KS_CRIT(m));
    }
}

static void swor_beam_search_law(void)
{
    static const dg_real lb[3] = {0.4, -0.7, 1.1}, lc[6] = {0.2, -0.5, 1.0, 1.5, 0.0, -2.0};
    dg_problem pb = dgt_problem(DG_BERNOULLI, 3, 0, lb, NULL, NULL, NULL);
    dg_problem pc = dgt_problem(DG_CATEGORICAL, 2, 3, lc, NULL, NULL, NULL);
    sw_beam_law(&pb, 3, 150000, 5);
    sw_beam_law(&pc, 4, 150000, 6);
    sw_beam_law(&pb, 2, 100000, 7);
}

/* Deterministic beam search: the k most probable configurations, most probable first, against
   enumeration; k above the number of configurations gives them all; uniform logits give the
   first k in the order of the classes, earlier variables first. */
static void swor_beam_search_top_k(void)
{
    static dg_real pts[64 * 10], lpr[64], keys[64], work[4096], lg[12];
    int trial, k, j, i;
    for (trial = 0; trial < 40; ++trial) {
        dg_kind kind = trial % 2 ? DG_CATEGORICAL : DG_BERNOULLI;
        dg_problem p;
        double lq[64], sorted[64];
        int nc, n;
        for (i = 0; i < 12; ++i) lg[i] = (dg_real)(1.7 * sin(1.3 * i + 0.7 * trial) + 0.3 * cos(0.4 * i * trial));
        p = dgt_problem(kind, kind == DG_BERNOULLI ? 5 : 2, 4, lg, NULL, NULL, NULL);
        nc = sw_count(&p);
        n = kind == DG_BERNOULLI ? 5 : 8;
        for (i = 0; i < nc; ++i) lq[i] = sorted[i] = sw_logq(&p, i);
        qsort(sorted, (size_t)nc, sizeof sorted[0], dgt_cmp_double); /* ascending */
        k = 1 + trial % 12;
        CHECK_INT(dg_beam_search(NULL, &p, k, pts, lpr, keys, work, 4096), k);
        for (j = 0; j < k; ++j) {
            int idx = sw_index(&p, pts + j * n);
            CHECK(idx >= 0);
            if (idx < 0) continue;
            CHECK_NEAR(lpr[j], sorted[nc - 1 - j], DGT_TOL(1e-12, 1e-5));
            CHECK_NEAR(lq[idx], sorted[nc - 1 - j], DGT_TOL(1e-12, 1e-5));
            CHECK(keys[j] == lpr[j]);
        }
    }
    {
        static const dg_real zero[4] = {0, 0, 0, 0};
        dg_problem p = dgt_problem(DG_BERNOULLI, 3, 0, zero, NULL, NULL, NULL);
        CHECK_INT(dg_beam_search(NULL, &p, 20, pts, lpr, keys, work, 4096), 8);
        for (j = 0; j < 8; ++j) {
            int idx = sw_index(&p, pts + j * 3);
            /* class order, the first variable most significant: index bits reversed */
            CHECK_INT(((idx & 1) << 2) | (idx & 2) | ((idx >> 2) & 1), j);
        }
    }
}

/* The draw of DG_SUM_AND_SAMPLE: its first points are the deterministic top configurations and
   its last is drawn from q restricted to the others, including when a whole subtree is among the
   top ones (the first variable's class 1 below). */
static void swor_outside_sampler_law(void)
{
    static const dg_real lb[3] = {0.4, -0.7, 1.1}, lc[6] = {0.2, -0.5, 1.0, 1.5, 0.0, -2.0};
    static const dg_real lcov[3] = {3.0, 0.2, -0.5};
    static dg_estimator e;
    static dg_real dmem[4096], pts[64], work[1024];
    struct { dg_kind kind; int D; const dg_real *lg; int samples; } cases[4] = {
        {DG_BERNOULLI, 3, lb, 3}, {DG_CATEGORICAL, 2, lc, 4}, {DG_BERNOULLI, 3, lcov, 5}, {DG_BERNOULLI, 2, lcov, 3}};
    int ci;
    for (ci = 0; ci < 4; ++ci) {
        dg_problem p = dgt_problem(cases[ci].kind, cases[ci].D, 3, cases[ci].lg, NULL, NULL, NULL);
        dg_config c;
        dg_draw d;
        long counts[16], N = 60000, t, bad = 0;
        double q[16], probs[16], mass = 0;
        int nc = sw_count(&p), kt = cases[ci].samples - 1, top[16], cells = 0, i, j;
        int n = p.kind == DG_BERNOULLI ? p.D : p.D * p.K;
        memset(&c, 0, sizeof c);
        c.method = DG_SUM_AND_SAMPLE;
        c.samples = cases[ci].samples;
        c.seed = 40 + (uint64_t)ci;
        CHECK_INT(dgt_init(&e, &c), DG_OK);
        CHECK_INT(dg_beam_search(NULL, &p, kt, pts, NULL, NULL, work, 1024), kt);
        memset(top, 0, sizeof top);
        for (j = 0; j < kt; ++j) top[sw_index(&p, pts + j * n)] = 1;
        for (i = 0; i < nc; ++i) q[i] = exp(sw_logq(&p, i));
        memset(counts, 0, sizeof counts);
        for (t = 0; t < N; ++t) {
            int idx;
            CHECK_INT(dg_ask(&e, &p, &d, dmem, 4096), DG_OK);
            if (d.per_example != kt + 1 || memcmp(d.points, pts, (size_t)(kt * n) * sizeof pts[0]) != 0) bad++;
            idx = sw_index(&p, d.points + kt * n);
            if (idx < 0 || top[idx]) { bad++; continue; }
            counts[idx]++;
        }
        CHECK_INT(bad, 0);
        for (i = 0; i < nc; ++i) if (!top[i]) mass += q[i];
        for (i = 0; i < nc; ++i) {
            if (top[i]) continue;
            probs[cells] = q[i] / mass;
            counts[cells++] = counts[i];
        }
        CHECK(dgt_chi2(counts, probs, cells, N) < sw_chi2_crit(cells - 1));
    }
}

/* A set of k elements of a distribution: probabilities from a pattern, scaled to the mass. */
static void sw_make_set(int k, int mode, int trial, dg_real *lp, double *q)
{
    double w[12], tot = 0, mass;
    int i;
    for (i = 0; i < k; ++i) {
        double u = 0.5 + 0.5 * sin(12.9898 * (i + 1) + 78.233 * (trial + 1));
        w[i] = exp(mode == 1 ? 40 * u - 40 : 5 * u - 2.5);
        tot += w[i];
    }
    mass = mode == 2 ? 1 - 1e-9 : mode == 3 ? 0.02 : mode == 4 ? 1e-25 : mode == 1 ? 0.5 : 0.75;
    if (DGT_FLOAT && mode == 2) mass = 1 - 1e-4;
    if (DGT_FLOAT && mode == 4) mass = 1e-12;
    for (i = 0; i < k; ++i) {
        q[i] = w[i] / tot * mass;
        lp[i] = (dg_real)log(q[i]);
    }
}

/* The leave-one-out ratios: exactly (subsets) and by the integral agree, and both agree with the
   definition (sums over orderings); complete sets give 0; one element gives -log p. */
static void swor_set_ratios(void)
{
    static dg_real lp[12], e1[12], e2[144], i1[12], i2[144];
    int k, mode, trial, s, j;
    double worst = 0, worst_def = 0, tol = DGT_TOL(1e-9, 2e-5);
    for (k = 1; k <= 8; ++k)
        for (mode = 0; mode < 5; ++mode)
            for (trial = 0; trial < 6; ++trial) {
                double q[12];
                sw_make_set(k, mode, trial, lp, q);
                CHECK_INT(dg_set_ratios(lp, k, DG_SET_EXACT, e1, e2), DG_OK);
                CHECK_INT(dg_set_ratios(lp, k, DG_SET_INTEGRAL, i1, i2), DG_OK);
                for (s = 0; s < k; ++s) {
                    double d = fabs((double)e1[s] - (double)i1[s]) / fmax(1, fabs((double)e1[s]));
                    if (d > worst) worst = d;
                    for (j = 0; j < k; ++j) {
                        d = fabs((double)e2[s * k + j] - (double)i2[s * k + j]) / fmax(1, fabs((double)e2[s * k + j]));
                        if (d > worst) worst = d;
                    }
                }
                if (k <= 6 && mode != 2) { /* the definition, in double */
                    int set[12], rest[12], m;
                    double total = 0, ps;
                    for (j = 0; j < k; ++j) { set[j] = j; total += q[j]; }
                    ps = sw_set_prob(q, set, k, 0);
                    for (s = 0; s < k; ++s) {
                        double p1, d;
                        for (m = 0, j = 0; j < k; ++j) if (j != s) rest[m++] = j;
                        p1 = sw_set_prob(q, rest, m, q[s]);
                        d = fabs(log(p1 / ps) - (double)e1[s]) / fmax(1, fabs(log(p1 / ps)));
                        if (d > worst_def) worst_def = d;
                        for (j = 0; j < k; ++j) {
                            int r2[12], m2 = 0, l;
                            double p2;
                            if (j == s) continue;
                            for (l = 0; l < k; ++l) if (l != s && l != j) r2[m2++] = l;
                            p2 = sw_set_prob(q, r2, m2, q[s] + q[j]);
                            d = fabs(log(p2 / p1) - (double)e2[s * k + j]) / fmax(1, fabs(log(p2 / p1)));
                            if (d > worst_def) worst_def = d;
                        }
                    }
                    (void)total;
                }
            }
    CHECK(worst < tol);
    CHECK(worst_def < DGT_TOL(1e-9, 2e-4));
    printf("  set ratios: exact vs integral %.2g, exact vs definition %.2g (relative)\n", worst, worst_def);
    /* the integral beyond the exact range, against the definition: k = 9 */
    {
        double q[12], ps, d, w = 0;
        int set[12], rest[12], m;
        sw_make_set(9, 0, 3, lp, q);
        CHECK_INT(dg_set_ratios(lp, 9, DG_SET_AUTO, i1, i2), DG_OK);
        CHECK_INT(dg_set_ratios(lp, 9, DG_SET_EXACT, e1, NULL), DG_ECAPACITY);
        for (j = 0; j < 9; ++j) set[j] = j;
        ps = sw_set_prob(q, set, 9, 0);
        for (s = 0; s < 9; s += 4) {
            double p1;
            for (m = 0, j = 0; j < 9; ++j) if (j != s) rest[m++] = j;
            p1 = sw_set_prob(q, rest, 8, q[s]);
            d = fabs(log(p1 / ps) - (double)i1[s]);
            if (d > w) w = d;
            for (j = 0; j < 9; j += 3) {
                int r2[12], m2 = 0, l;
                if (j == s) continue;
                for (l = 0; l < 9; ++l) if (l != s && l != j) r2[m2++] = l;
                d = fabs(log(sw_set_prob(q, r2, m2, q[s] + q[j]) / p1) - (double)i2[s * 9 + j]);
                if (d > w) w = d;
            }
        }
        CHECK(w < DGT_TOL(1e-9, 2e-4));
    }
    /* a complete set, one element, and the diagonal */
    {
        dg_real half[2];
        half[0] = half[1] = (dg_real)log(0.5);
        CHECK_INT(dg_set_ratios(half, 2, DG_SET_INTEGRAL, i1, i2), DG_OK);
        CHECK(i1[0] == 0 && i1[1] == 0 && i2[0] == 0 && i2[1] == 0 && i2[2] == 0 && i2[3] == 0);
        half[0] = (dg_real)log(0.3);
        CHECK_INT(dg_set_ratios(half, 1, DG_SET_EXACT, e1, e2), DG_OK);
        CHECK_INT(dg_set_ratios(half, 1, DG_SET_INTEGRAL, i1, i2), DG_OK);
        CHECK_NEAR(e1[0], -log(0.3), DGT_TOL(1e-14, 1e-6));
        CHECK_NEAR(i1[0], -log(0.3), DGT_TOL(1e-10, 1e-5));
        CHECK(e2[0] == 0 && i2[0] == 0);
    }
}

/* Objectives of the unbiasedness tests. */
static int sw_D5 = 5;

/* DG_UNORDERED_SET: means against dg_exact, through the exact ratios (k <= 8) and the
   integrals (k > 8), both kinds; k = 1 is REINFORCE. */
static void swor_unordered_set_unbiased(void)
{
    static const dg_real lb3[3] = {0.3, -1.2, 2.0}, lc23[6] = {0.2, -0.5, 1.0, 1.5, 0.0, -2.0};
    static const dg_real lb5[5] = {0.3, -1.2, 2.0, 0.5, -0.4};
    static const dg_real lc34[12] = {0.2, -0.5, 1.0, 0.4, 1.5, 0.0, -2.0, 0.3, 0.1, -0.7, 0.9, -0.2};
    dg_problem b3 = dgt_problem(DG_BERNOULLI, 3, 0, lb3, dgt_f_bern3, NULL, NULL);
    dg_problem c23 = dgt_problem(DG_CATEGORICAL, 2, 3, lc23, dgt_f_cat23, NULL, NULL);
    dg_problem b5 = dgt_problem(DG_BERNOULLI, 5, 0, lb5, dgt_f_bern_exp, NULL, &sw_D5);
    dg_problem c34 = dgt_problem(DG_CATEGORICAL, 3, 4, lc34, dgt_f_cat34, NULL, NULL);
    dg_config c;
    memset(&c, 0, sizeof c);
    c.method = DG_UNORDERED_SET;
    c.seed = 8;
    c.samples = 1;
    DGT_CHECK_UNBIASED(&c, &b3, 130000, 4.5);
    c.samples = 2;
    dgt_report_label = "unordered set M = 2, Bernoulli D = 3";
    DGT_CHECK_UNBIASED(&c, &b3, 66000, 4.5);
    c.samples = 5;
    DGT_CHECK_UNBIASED(&c, &b3, 6000, 4.5);
    c.samples = 3;
    dgt_report_label = "unordered set M = 3, categorical D = 2 K = 3";
    DGT_CHECK_UNBIASED(&c, &c23, 14000, 4.5);
    c.samples = 10; /* the integrals */
    DGT_CHECK_UNBIASED(&c, &b5, 14000, 4.5);
    c.samples = 9;
    DGT_CHECK_UNBIASED(&c, &c34, 18000, 4.5);
    c.samples = 6;
    DGT_CHECK_UNBIASED(&c, &c34, 37000, 4.5);
}

/* Every configuration in the set: the exact gradient, within rounding. */
static void sw_check_complete(const dg_config *c, const dg_problem *p)
{
    static dg_estimator e;
    dg_real g[16], ex[16], value;
    dg_info info;
    int i, n = p->kind == DG_BERNOULLI ? p->D : p->D * p->K, t;
    double scale = 0;
    CHECK_INT(dg_exact(p, ex, &value), DG_OK);
    for (i = 0; i < n; ++i) scale = fmax(scale, fabs((double)ex[i]));
    CHECK_INT(dgt_init(&e, c), DG_OK);
    for (t = 0; t < 5; ++t) {
        CHECK_INT(dg_estimate(&e, p, g, &info), DG_OK);
        for (i = 0; i < n; ++i) CHECK_NEAR(g[i], ex[i], DGT_TOL(1e-13, 2e-6) * scale);
        CHECK_NEAR(info.f_mean, value, DGT_TOL(1e-13, 2e-6) * fabs((double)value));
    }
}

static void swor_complete_sets_are_exact(void)
{
    static const dg_real lb3[3] = {0.3, -1.2, 2.0}, lc23[6] = {0.2, -0.5, 1.0, 1.5, 0.0, -2.0};
    dg_problem b3 = dgt_problem(DG_BERNOULLI, 3, 0, lb3, dgt_f_bern3, NULL, NULL);
    dg_problem c23 = dgt_problem(DG_CATEGORICAL, 2, 3, lc23, dgt_f_cat23, NULL, NULL);
    dg_config c;
    memset(&c, 0, sizeof c);
    c.seed = 9;
    c.method = DG_UNORDERED_SET;
    c.samples = 8;
    sw_check_complete(&c, &b3);
    c.samples = 30;
    sw_check_complete(&c, &b3);
    c.samples = 9;
    sw_check_complete(&c, &c23);
    c.method = DG_SUM_AND_SAMPLE;
    c.samples = 9; /* 8 summed, nothing left to draw */
    sw_check_complete(&c, &b3);
    c.samples = 8; /* 7 summed, the last one forced */
    sw_check_complete(&c, &b3);
    c.samples = 10;
    sw_check_complete(&c, &c23);
    c.samples = 9;
    sw_check_complete(&c, &c23);
}

/* DG_SUM_AND_SAMPLE: means against dg_exact, both kinds; samples = 1 is REINFORCE. */
static void swor_sum_and_sample_unbiased(void)
{
    static const dg_real lb3[3] = {0.3, -1.2, 2.0}, lc23[6] = {0.2, -0.5, 1.0, 1.5, 0.0, -2.0};
    static const dg_real lb5[5] = {0.3, -1.2, 2.0, 0.5, -0.4};
    static const dg_real lc34[12] = {0.2, -0.5, 1.0, 0.4, 1.5, 0.0, -2.0, 0.3, 0.1, -0.7, 0.9, -0.2};
    dg_problem b3 = dgt_problem(DG_BERNOULLI, 3, 0, lb3, dgt_f_bern3, NULL, NULL);
    dg_problem c23 = dgt_problem(DG_CATEGORICAL, 2, 3, lc23, dgt_f_cat23, NULL, NULL);
    dg_problem b5 = dgt_problem(DG_BERNOULLI, 5, 0, lb5, dgt_f_bern_exp, NULL, &sw_D5);
    dg_problem c34 = dgt_problem(DG_CATEGORICAL, 3, 4, lc34, dgt_f_cat34, NULL, NULL);
    dg_config c;
    memset(&c, 0, sizeof c);
    c.method = DG_SUM_AND_SAMPLE;
    c.seed = 10;
    c.samples = 1;
    DGT_CHECK_UNBIASED(&c, &b3, 130000, 4.5);
    c.samples = 3;
    dgt_report_label = "sum and sample M = 3, Bernoulli D = 3";
    DGT_CHECK_UNBIASED(&c, &b3, 37000, 4.5);
    c.samples = 6;
    DGT_CHECK_UNBIASED(&c, &b3, 20000, 4.5);
    c.samples = 4;
    dgt_report_label = "sum and sample M = 4, categorical D = 2 K = 3";
    DGT_CHECK_UNBIASED(&c, &c23, 180000, 4.5);
    c.samples = 8;
    DGT_CHECK_UNBIASED(&c, &b5, 125000, 4.5);
    c.samples = 10;
    DGT_CHECK_UNBIASED(&c, &c34, 200000, 4.5);
}

/* The weights (problem.weights) through dg_ask and dg_tell: one per point, info.f_mean equal
   to sum_j w_j f(z_j), sum and sample's summing to 1 and its first M - 1 equal to their q(z),
   a complete set's equal to q(z); and the estimate of E_q f they make unbiased (the mean of
   info.f_mean against dg_exact's value within 4.5 standard errors, N large enough that a 2%
   error fails). */
static void swor_weights(void)
{
    static const dg_real lb5[5] = {0.3, -1.2, 2.0, 0.5, -0.4};
    static const dg_real lc34[12] = {0.2, -0.5, 1.0, 0.4, 1.5, 0.0, -2.0, 0.3, 0.1, -0.7, 0.9, -0.2};
    static const dg_real lb3[3] = {0.3, -1.2, 2.0};
    static dg_estimator e;
    static dg_real dmem[1 << 14], vals[64], w[64], g[16];
    /* a set of one point (M = 1) is REINFORCE: weight 1 */
    struct { dg_method m; int kind, samples; long N; int complete; } cases[] = {
        {DG_UNORDERED_SET, DG_BERNOULLI, 4, 20000, 0}, {DG_UNORDERED_SET, DG_CATEGORICAL, 3, 20000, 0},
        {DG_UNORDERED_SET, DG_BERNOULLI, 10, 8000, 0}, {DG_UNORDERED_SET, DG_CATEGORICAL, 12, 8000, 0},
        {DG_SUM_AND_SAMPLE, DG_BERNOULLI, 4, 20000, 0}, {DG_SUM_AND_SAMPLE, DG_CATEGORICAL, 6, 20000, 0},
        {DG_UNORDERED_SET, DG_BERNOULLI, 8, 3, 1}, {DG_SUM_AND_SAMPLE, DG_BERNOULLI, 8, 3, 1},
        {DG_UNORDERED_SET, DG_BERNOULLI, 1, 20000, 0}, {DG_SUM_AND_SAMPLE, DG_BERNOULLI, 1, 20000, 0}};
    int ci;
    for (ci = 0; ci < (int)(sizeof cases / sizeof cases[0]); ++ci) {
        int cat = cases[ci].kind == DG_CATEGORICAL, complete = cases[ci].complete;
        dg_problem p = cat ? dgt_problem(DG_CATEGORICAL, 3, 4, lc34, dgt_f_cat34, NULL, NULL)
                           : complete ? dgt_problem(DG_BERNOULLI, 3, 0, lb3, dgt_f_bern3, NULL, NULL)
                                      : dgt_problem(DG_BERNOULLI, 5, 0, lb5, dgt_f_bern_exp, NULL, &sw_D5);
        int n = cat ? 12 : p.D, M = cases[ci].samples, j, bad = 0;
        double exact_value, sum = 0, sum2 = 0, mean, se;
        dg_real value, gx[16];
        dg_config c;
        dg_info info;
        long t, N = cases[ci].N;
        memset(&c, 0, sizeof c);
        c.method = cases[ci].m;
        c.samples = M;
        c.seed = 50 + (uint64_t)ci;
        CHECK_INT(dgt_init(&e, &c), DG_OK);
        CHECK_INT(dg_exact(&p, gx, &value), DG_OK);
        exact_value = (double)value;
        p.weights = w;
        for (t = 0; t < N; ++t) {
            dg_draw d;
            double fw = 0, wsum = 0;
            CHECK_INT(dg_ask(&e, &p, &d, dmem, 1 << 14), DG_OK);
            if (d.per_example != M) { bad++; break; }
            for (j = 0; j < M; ++j) vals[j] = p.f(d.points + j * n, p.user);
            for (j = 0; j <= M; ++j) w[j] = (dg_real)-1;
            CHECK_INT(dg_tell(&e, &d, &p, vals, NULL, g, &info), DG_OK);
            if (w[M] != (dg_real)-1) bad++; /* M weights, no more */
            for (j = 0; j < M; ++j) {
                double q = exp(sw_logq(&p, sw_index(&p, d.points + j * n)));
                if (!(w[j] >= 0)) bad++;
                fw += (double)w[j] * (double)vals[j];
                wsum += (double)w[j];
                if ((complete || (c.method == DG_SUM_AND_SAMPLE && j < M - 1)) &&
                    fabs((double)w[j] - q) > DGT_TOL(1e-12, 1e-5))
                    bad++;
            }
            if (M == 1 && w[0] != 1) bad++;
            if (fabs(fw - (double)info.f_mean) > DGT_TOL(1e-12, 1e-4) * (1 + fabs(fw))) bad++;
            if (c.method == DG_SUM_AND_SAMPLE && fabs(wsum - 1) > DGT_TOL(1e-12, 1e-5)) bad++;
            sum += (double)info.f_mean;
            sum2 += (double)info.f_mean * (double)info.f_mean;
        }
        CHECK_INT(bad, 0);
        mean = sum / (double)N;
        se = sqrt(fmax(sum2 / (double)N - mean * mean, 0) / (double)N);
        if (complete) {
            CHECK_NEAR(mean, exact_value, DGT_TOL(1e-12, 1e-5) * fabs(exact_value));
            continue;
        }
        CHECK(fabs(mean - exact_value) <= 4.5 * se);
        CHECK(4.5 * se <= 0.02 * fabs(exact_value));
    }
}

/* Logits so large that phi - logsumexp(phi) would drop the log of the sum (ties at 1e17):
   log q comes from each row's maximum, so sum and sample's weights still sum to 1 (they summed
   to 3 before, found by the fuzz harness), the unordered set's weights are finite, and a set
   of every configuration gives dg_exact's gradient. */
static void swor_huge_logits(void)
{
    static const dg_real lc[6] = {1e17, 1e17, -3e16, 2e17, 2e17, 2e17};
    static dg_estimator e;
    dg_problem p = dgt_problem(DG_CATEGORICAL, 2, 3, lc, dgt_f_cat23, NULL, NULL);
    dg_real w[16], g[6], ex[6], value;
    dg_info info;
    int mi, samples, j, i;
    CHECK_INT(dg_exact(&p, ex, &value), DG_OK);
    p.weights = w;
    for (mi = 0; mi < 2; ++mi)
        for (samples = 2; samples <= 9; samples += 7) {
            dg_config c;
            double sum = 0;
            memset(&c, 0, sizeof c);
            c.method = mi ? DG_SUM_AND_SAMPLE : DG_UNORDERED_SET;
            c.samples = samples;
            c.seed = 60;
            CHECK_INT(dgt_init(&e, &c), DG_OK);
            CHECK_INT(dg_estimate(&e, &p, g, &info), DG_OK);
            for (j = 0; j < samples; ++j) {
                CHECK(w[j] >= 0 && w[j] <= 1);
                sum += (double)w[j];
            }
            if (mi || samples == 9) CHECK_NEAR(sum, 1, DGT_TOL(1e-12, 1e-5));
            if (samples == 9) /* every configuration: exact */
                for (i = 0; i < 6; ++i) CHECK_NEAR(g[i], ex[i], DGT_TOL(1e-12, 1e-5) * (1 + fabs((double)ex[i])));
        }
}

static void register_swor(void)
{
    DGT_ADD(swor_gumbel_top_k_law);
    DGT_ADD(swor_beam_search_law);
    DGT_ADD(swor_beam_search_top_k);
    DGT_ADD(swor_outside_sampler_law);
    DGT_ADD(swor_set_ratios);
    DGT_ADD(swor_unordered_set_unbiased);
    DGT_ADD(swor_complete_sets_are_exact);
    DGT_ADD(swor_sum_and_sample_unbiased);
    DGT_ADD(swor_weights);
    DGT_ADD(swor_huge_logits);
}
