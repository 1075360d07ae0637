/* parallel.c - one estimator on several threads, with results that do not depend on scheduling.

   The draws of each step are split into shards; every shard owns an estimator (its own rng
   stream, stream = shard index, and its own learned state) and writes its gradient to its own
   slot. Threads take whole shards (thread t runs shards t, t + T, ...), and the shard gradients
   are averaged in shard order after the threads join. So no result depends on which thread ran
   a shard or when: a run with 1 thread and a run with 2 threads give bit-identical logits.

   The program minimises E_q[f(z)] over the logits of 32 categorical variables with 10 classes
   (--size DxK for others; Bernoulli-only methods: D*K bits), f(z) = w.z + (v.z)^2 / 2, with
   Adam, and prints the time, the estimates per second and a hash of the final logits for 1 and
   2 threads, each run twice.

   Build: cc -std=c99 -O2 -pthread -I. examples/parallel.c -o build/parallel -lm
   Usage: parallel [--method NAME] [--steps N] [--shards S] [--samples M] [--size DxK]
   e.g. parallel --method gumbel-softmax --size 1024x64 --steps 10 --samples 2 */
#define _POSIX_C_SOURCE 199309L
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#define DISCGRAD_IMPLEMENTATION
#include "discgrad.h"
#include "method_names.h"

#define MAXSHARDS 64

static int NVAR = 32, NCLASS = 10, N = 320; /* the problem's shape (--size) */

typedef struct objective { dg_real *w, *v; int n; } objective;

static dg_real f_obj(const dg_real *z, void *user)
{
    const objective *o = (const objective *)user;
    dg_real a = 0, b = 0;
    int i;
    for (i = 0; i < o->n; ++i) { a += o->w[i] * z[i]; b += o->v[i] * z[i]; }
    return a + b * b / 2;
}

static dg_real f_obj_grad(const dg_real *z, dg_real *dz, void *user)
{
    const objective *o = (const objective *)user;
    dg_real a = 0, b = 0;
    int i;
    for (i = 0; i < o->n; ++i) { a += o->w[i] * z[i]; b += o->v[i] * z[i]; }
    for (i = 0; i < o->n; ++i) dz[i] = o->w[i] + b * o->v[i];
    return a + b * b / 2;
}

static objective obj;
static dg_estimator shard_est[MAXSHARDS];   /* one estimator, rng stream and state per shard */
static dg_real *shard_mem[MAXSHARDS];        /* and its memory */
static dg_real *shard_grad[MAXSHARDS];
static int shard_rc[MAXSHARDS];

/* A step has two phases, each split over the threads: the shards' estimates, then the update
   of the logits, by slices of equal length (every logit's arithmetic is the same whichever thread
   does it, so the update too is independent of the thread count). */
typedef struct job {
    int first, stride, nshards;
    const dg_problem *p;
    int lo, hi;                   /* this thread's slice of the logits, for the update */
    dg_real *logits, *m1, *m2;
    double bias1, bias2;          /* Adam's bias corrections, 1 - beta^step */
} job;

static void *estimate_shards(void *arg)
{
    const job *j = (const job *)arg;
    int s;
    for (s = j->first; s < j->nshards; s += j->stride)
        shard_rc[s] = dg_estimate(&shard_est[s], j->p, shard_grad[s], NULL);
    return NULL;
}

/* The shards' gradients averaged in shard order, then one Adam step (lr 0.05) on the slice. */
static void *update_slice(void *arg)
{
    const job *j = (const job *)arg;
    int i, s;
    for (i = j->lo; i < j->hi; ++i) {
        dg_real g = 0;
        double mh, vh;
        for (s = 0; s < j->nshards; ++s) g += shard_grad[s][i];
        g /= j->nshards;
        j->m1[i] = (dg_real)(0.9 * j->m1[i] + 0.1 * g);
        j->m2[i] = (dg_real)(0.999 * j->m2[i] + 0.001 * g * g);
        mh = j->m1[i] / j->bias1;
        vh = j->m2[i] / j->bias2;
        j->logits[i] -= (dg_real)(0.05 * mh / (sqrt(vh) + 1e-8));
    }
    return NULL;
}

/* Runs fn on every job, job 0 on the calling thread. */
static void run_threads(void *(*fn)(void *), job *jobs, int threads)
{
    pthread_t tid[MAXSHARDS];
    int t;
    for (t = 1; t < threads; ++t) pthread_create(&tid[t], NULL, fn, &jobs[t]);
    fn(&jobs[0]);
    for (t = 1; t < threads; ++t) pthread_join(tid[t], NULL);
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* FNV-1a over the bytes of the logits: equal hashes mean bit-identical results. */
static unsigned long long hash_bytes(const void *data, size_t n)
{
    const unsigned char *b = (const unsigned char *)data;
    unsigned long long h = 1469598103934665603ULL;
    size_t i;
    for (i = 0; i < n; ++i) { h ^= b[i]; h *= 1099511628211ULL; }
    return h;
}

typedef struct run_out { int rc; double seconds, f_mean; unsigned long long hash; } run_out;

/* Trains the logits for `steps` Adam steps with `threads` threads. */
static run_out train(dg_method method, dg_kind kind, int threads, int steps, int nshards, int samples)
{
    dg_real *logits = (dg_real *)calloc((size_t)N, sizeof(dg_real));
    dg_real *m1 = (dg_real *)calloc((size_t)N, sizeof(dg_real));
    dg_real *m2 = (dg_real *)calloc((size_t)N, sizeof(dg_real));
    dg_real *z = (dg_real *)calloc((size_t)N, sizeof(dg_real));
    dg_problem p;
    job jobs[MAXSHARDS];
    run_out out;
    int s, t, i, step, n = N;
    double t0;

    memset(&out, 0, sizeof out);
    memset(&p, 0, sizeof p);
    out.rc = DG_ECAPACITY;
    if (!logits || !m1 || !m2 || !z) return out;
    p.kind = kind;
    p.D = kind == DG_BERNOULLI ? N : NVAR;
    p.K = kind == DG_BERNOULLI ? 0 : NCLASS;
    p.logits = logits;
    p.f = f_obj;
    p.f_grad = f_obj_grad;
    p.user = &obj;
    for (i = 0; i < n; ++i) logits[i] = m1[i] = m2[i] = 0;
    for (s = 0; s < nshards; ++s) {
        dg_config c;
        memset(&c, 0, sizeof c);
        c.method = method;
        c.samples = samples;
        c.seed = 2026;
        c.stream = (uint64_t)s;
        free(shard_mem[s]);
        free(shard_grad[s]);
        shard_mem[s] = (dg_real *)malloc((dg_estimator_reals(&c, &p) + 1) * sizeof(dg_real));
        shard_grad[s] = (dg_real *)malloc((size_t)n * sizeof(dg_real));
        out.rc = shard_mem[s] && shard_grad[s]
                     ? dg_init(&shard_est[s], &c, shard_mem[s], dg_estimator_reals(&c, &p))
                     : DG_ECAPACITY;
        if (out.rc != DG_OK) return out;
    }
    t0 = now();
    for (t = 0; t < threads; ++t) {
        jobs[t].first = t;
        jobs[t].stride = threads;
        jobs[t].nshards = nshards;
        jobs[t].p = &p;
        jobs[t].lo = (int)((long)n * t / threads);
        jobs[t].hi = (int)((long)n * (t + 1) / threads);
        jobs[t].logits = logits;
        jobs[t].m1 = m1;
        jobs[t].m2 = m2;
    }
    for (step = 1; step <= steps; ++step) {
        run_threads(estimate_shards, jobs, threads);
        for (s = 0; s < nshards; ++s)
            if (shard_rc[s] != DG_OK) { out.rc = shard_rc[s]; return out; }
        for (t = 0; t < threads; ++t) {
            jobs[t].bias1 = 1 - pow(0.9, step);
            jobs[t].bias2 = 1 - pow(0.999, step);
        }
        run_threads(update_slice, jobs, threads);
    }
    out.seconds = now() - t0;
    out.hash = hash_bytes(logits, (size_t)n * sizeof logits[0]);
    {   /* E_q f at the final logits, by a fixed-seed Monte Carlo of 4000 draws */
        dg_rng r;
        double sum = 0;
        int draw, d, k;
        dg_rng_seed(&r, 99, 0);
        for (draw = 0; draw < 4000; ++draw) {
            if (kind == DG_BERNOULLI)
                for (i = 0; i < N; ++i) z[i] = (dg_real)dg_sample_bernoulli(&r, logits[i]);
            else
                for (d = 0; d < NVAR; ++d) {
                    int c = dg_sample_categorical(&r, logits + d * NCLASS, NCLASS);
                    for (k = 0; k < NCLASS; ++k) z[d * NCLASS + k] = k == c;
                }
            sum += f_obj(z, &obj);
        }
        out.f_mean = sum / 4000;
    }
    out.rc = DG_OK;
    free(logits);
    free(m1);
    free(m2);
    free(z);
    return out;
}

int main(int argc, char **argv)
{
    const char *name = "rloo";
    int steps = 100, nshards = 8, samples = 128, a, i, identical = 1;
    dg_method method;
    dg_kind kind;
    dg_rng r;
    run_out runs[4];
    static const int threads_of[4] = {1, 2, 1, 2};

    for (a = 1; a + 1 < argc; a += 2) {
        if (strcmp(argv[a], "--method") == 0) name = argv[a + 1];
        else if (strcmp(argv[a], "--steps") == 0) steps = atoi(argv[a + 1]);
        else if (strcmp(argv[a], "--shards") == 0) nshards = atoi(argv[a + 1]);
        else if (strcmp(argv[a], "--samples") == 0) samples = atoi(argv[a + 1]);
        else if (strcmp(argv[a], "--size") == 0 && sscanf(argv[a + 1], "%dx%d", &NVAR, &NCLASS) == 2) {}
        else break;
    }
    method = dgx_method_by_name(name);
    if (a < argc || !method || steps < 1 || nshards < 2 || nshards > MAXSHARDS || samples < 1 ||
        NVAR < 1 || NCLASS < 2 || NCLASS > DG_MAX_K || NVAR > (1 << 22) / NCLASS) {
        fprintf(stderr, "usage: %s [--method NAME] [--steps N] [--shards 2..%d] [--samples M]"
                        " [--size DxK]\n", argv[0], MAXSHARDS);
        return 2;
    }
    N = NVAR * NCLASS;
    obj.w = (dg_real *)malloc((size_t)N * sizeof(dg_real));
    obj.v = (dg_real *)malloc((size_t)N * sizeof(dg_real));
    if (!obj.w || !obj.v) return 1;
    kind = (method == DG_ARM || method == DG_DISARM) ? DG_BERNOULLI : DG_CATEGORICAL;
    obj.n = N;
    dg_rng_seed(&r, 7, 0);
    for (i = 0; i < N; ++i) {
        obj.w[i] = 2 * dg_uniform(&r) - 1;
        obj.v[i] = (dg_real)0.3 * (2 * dg_uniform(&r) - 1);
    }
    if (kind == DG_BERNOULLI)
        printf("# %s on %d Bernoulli variables", dgx_method_name_of(method), N);
    else
        printf("# %s on %d categorical variables x %d classes", dgx_method_name_of(method), NVAR, NCLASS);
    printf(", %d steps, %d shards x %d draws per step, one estimator and rng stream per shard\n",
           steps, nshards, samples);
    for (i = 0; i < 4; ++i) {
        runs[i] = train(method, kind, threads_of[i], steps, nshards, samples);
        if (runs[i].rc != DG_OK) {
            printf("%s: %s\n", dgx_method_name_of(method), dg_strerror(runs[i].rc));
            return 0;
        }
        printf("threads %d  run %d  %7.3f s  %9.0f estimates/s  E f %.6f  logits hash %016llx\n",
               threads_of[i], i / 2 + 1, runs[i].seconds,
               (double)steps * nshards * samples / runs[i].seconds, runs[i].f_mean, runs[i].hash);
        if (runs[i].hash != runs[0].hash) identical = 0;
    }
    printf("speed-up with 2 threads: %.2fx (best of two runs each)\n",
           (runs[0].seconds < runs[2].seconds ? runs[0].seconds : runs[2].seconds) /
               (runs[1].seconds < runs[3].seconds ? runs[1].seconds : runs[3].seconds));
    {   /* the speed-up is bounded by the other work on the machine: show how busy it is */
        FILE *fp = fopen("/proc/loadavg", "r");
        double load;
        if (fp && fscanf(fp, "%lf", &load) == 1) printf("(load average %.2f before this run ended)\n", load);
        if (fp) fclose(fp);
    }
    printf("bit-identical across thread counts and runs: %s\n", identical ? "yes" : "NO");
    return identical ? 0 : 1;
}
