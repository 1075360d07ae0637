/* Threads: every method run by two threads at once, each with its own estimator, gives results
   bit-identical to the same runs done one after the other in one thread. The library keeps no
   global or static mutable state, so nothing one thread does can reach the other; a data race
   (under `make threads`' ThreadSanitizer build) or any difference fails.

   usage: threads [STEPS]   exit status 0 when every run matched and succeeded. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#define DISCGRAD_IMPLEMENTATION
#include "../discgrad.h"

#define NSTEPS_MAX 200
#define NMAX 12

/* f(z) = w.z + (v.z)^2 / 2 over n values (user = &n): pure, so threads may share it. */
static dg_real obj_f(const dg_real *z, void *user)
{
    int i, n = *(const int *)user;
    double a = 0, c = 0;
    for (i = 0; i < n; ++i) { a += (1 - 0.3 * i) * z[i]; c += (0.5 - (i % 3) * 0.4) * z[i]; }
    return (dg_real)(a + 0.5 * c * c);
}
static dg_real obj_f_grad(const dg_real *z, dg_real *dz, void *user)
{
    int i, n = *(const int *)user;
    double c = 0;
    for (i = 0; i < n; ++i) c += (0.5 - (i % 3) * 0.4) * z[i];
    for (i = 0; i < n; ++i) dz[i] = (dg_real)((1 - 0.3 * i) + c * (0.5 - (i % 3) * 0.4));
    return obj_f(z, user);
}

static const dg_real logits_b[4] = {0.4, -1.0, 1.5, 0.0};
static const dg_real logits_c[9] = {0.2, -0.5, 1.0, 1.5, 0.0, -2.0, 0.3, 0.3, -0.1};
static const int n_b = 4, n_c = 9;

typedef struct job {
    dg_method method;
    dg_kind kind;
    dg_baseline baseline;
    int tune;
    int rc;                              /* first error, or DG_OK */
    dg_real grads[NSTEPS_MAX][NMAX];
    dg_real f_mean[NSTEPS_MAX];
} job;

#define NJOBS_MAX 64
static job serial[NJOBS_MAX], parallel[NJOBS_MAX];
static int njobs, nsteps = 60;

static void run_job(job *j)
{
    dg_estimator *e = (dg_estimator *)calloc(1, sizeof *e); /* each job owns its estimator */
    dg_real *mem = NULL;
    size_t count;
    dg_config c;
    dg_problem p;
    dg_info info;
    int t;
    memset(&c, 0, sizeof c);
    c.method = j->method;
    c.samples = 3;
    c.baseline = j->baseline;
    c.tune = j->tune;
    c.seed = 1000 + (uint64_t)j->method;
    c.stream = (uint64_t)j->kind * 7 + (uint64_t)j->baseline;
    memset(&p, 0, sizeof p);
    p.kind = j->kind;
    p.D = j->kind == DG_BERNOULLI ? 4 : 3;
    p.K = 3;
    p.logits = j->kind == DG_BERNOULLI ? logits_b : logits_c;
    p.f = obj_f;
    p.f_grad = obj_f_grad;
    p.user = (void *)(j->kind == DG_BERNOULLI ? &n_b : &n_c);
    count = dg_estimator_reals(&c, &p);
    mem = (dg_real *)malloc((count ? count : 1) * sizeof *mem); /* and its memory */
    j->rc = e && mem ? dg_init(e, &c, mem, count) : DG_EINVAL;
    for (t = 0; j->rc == DG_OK && t < nsteps; ++t) {
        j->rc = dg_estimate(e, &p, j->grads[t], &info);
        j->f_mean[t] = j->rc == DG_OK ? info.f_mean : 0;
    }
    free(e);
    free(mem);
}

typedef struct share { int first; } share;

static void *thread_main(void *arg)
{
    int i, first = ((share *)arg)->first;
    for (i = first; i < njobs; i += 2) run_job(&parallel[i]);
    return NULL;
}

static void add_job(dg_method m, dg_kind kind, dg_baseline b, int tune)
{
    job *j = &serial[njobs++];
    memset(j, 0, sizeof *j);
    j->method = m;
    j->kind = kind;
    j->baseline = b;
    j->tune = tune;
}

int main(int argc, char **argv)
{
    pthread_t th[2];
    share sh[2] = {{0}, {1}};
    int m, k, i, failed = 0;
    if (argc > 1) nsteps = atoi(argv[1]);
    if (nsteps < 1 || nsteps > NSTEPS_MAX) nsteps = 60;
    for (m = DG_EXACT; m <= DG__METHOD_LAST; ++m)
        for (k = 0; k < 2; ++k) {
            if (m == DG_DISARM && k) continue; /* Bernoulli only */
            add_job((dg_method)m, k ? DG_CATEGORICAL : DG_BERNOULLI, DG_BASELINE_NONE, 0);
        }
    add_job(DG_REINFORCE, DG_BERNOULLI, DG_BASELINE_EMA, 0);
    add_job(DG_REINFORCE, DG_CATEGORICAL, DG_BASELINE_OPTIMAL, 0);
    add_job(DG_REBAR, DG_BERNOULLI, DG_BASELINE_NONE, 1);
    add_job(DG_RELAX, DG_CATEGORICAL, DG_BASELINE_NONE, 1);
    add_job(DG_RELAX, DG_BERNOULLI, DG_BASELINE_NONE, 1);
    for (i = 0; i < njobs; ++i) {
        parallel[i] = serial[i];
        run_job(&serial[i]);
    }
    for (i = 0; i < 2; ++i)
        if (pthread_create(&th[i], NULL, thread_main, &sh[i]) != 0) {
            printf("threads: pthread_create failed\n");
            return 1;
        }
    for (i = 0; i < 2; ++i) pthread_join(th[i], NULL);
    for (i = 0; i < njobs; ++i) {
        const job *a = &serial[i], *b = &parallel[i];
        int same = a->rc == b->rc && memcmp(a->grads, b->grads, sizeof a->grads) == 0 &&
                   memcmp(a->f_mean, b->f_mean, sizeof a->f_mean) == 0;
        if (!same || a->rc != DG_OK) {
            failed++;
            printf("threads: FAIL method %d kind %d baseline %d tune %d: %s\n", (int)a->method,
                   (int)a->kind, (int)a->baseline, a->tune,
                   same ? dg_strerror(a->rc) : "threaded results differ from serial");
        }
    }
    printf("threads: %d runs of %d steps in two threads, %d bit-identical to serial and successful, %d failed\n",
           njobs, nsteps, njobs - failed, failed);
    return failed ? 1 : 0;
}
