/* discgrad.h - v0.3.0 - gradient estimators for discrete latent variables - MIT or public domain

   Estimates the gradient with respect to logits phi of  L(phi) = E_{z ~ q_phi}[ f(z) ]
   for Bernoulli or categorical latent variables z, given a user objective f: the samplers,
   softmax with temperature, the score-function family with its baselines, the relaxations and
   ReinMax, the control-variate estimators, the antithetic estimators, IndeCateR's local
   expectations, sampling without replacement (Gumbel-top-k, stochastic beam search, the
   unordered set estimator, sum and sample), exact enumeration, and VIMCO for the multi-sample
   bound of a model's log p(x, z).
   Fixed-size buffers only: no allocation, bounded stack, nothing beyond libc and libm.

   Do this:
      #define DISCGRAD_IMPLEMENTATION
   before you include this file in *one* C or C++ file to create the implementation.

      // in one file
      #include ...
      #define DISCGRAD_IMPLEMENTATION
      #include "discgrad.h"

   Every other file includes "discgrad.h" without the define. Add
      #define DISCGRAD_STATIC
   before the implementation to make every function static (private to that file).

   CONFIGURATION (each may be #defined before the include; the defaults are shown)

      DG_REAL            double   the scalar type; float works too (nothing wider: a long
                                  double of more than double's size is refused)
      DG_MAX_DIM         1024     most coordinates of dg_stats (estimators have no such limit:
                                  their memory follows the problem, see MEMORY)
      DG_MAX_K           256      most classes per categorical variable
      DG_MAX_SAMPLES     1024     most draws in one dg_estimate call (cfg.samples)
      DG_MAX_ENUM        1048576  most configurations dg_exact enumerates (2^D or K^D)
      DG_EXACT_MAX_DIM   256      most logits dg_exact accepts (its buffers live on the stack)
      DG_RELAX_HIDDEN    10       tanh units of DG_RELAX's built-in surrogate net, 1..256
      DG_MAX_SET         64       most configurations DG_UNORDERED_SET and DG_SUM_AND_SAMPLE
                                  draw together (their cfg.samples), 2..1024 and at most
                                  DG_MAX_SAMPLES: it bounds their DG_ESTIMATOR_REALS and a few
                                  stack arrays of that many reals
      DG_METHODS         all      the methods the implementation compiles in, a mask of
                                  DG_METHOD_BIT(m), e.g. (DG_METHOD_BIT(DG_REINFORCE) |
                                  DG_METHOD_BIT(DG_GUMBEL_SOFTMAX)); dg_init refuses the others
                                  with DG_EUNSUPPORTED, and with optimisation on (-O1 and up,
                                  -Os) their code is not linked: a microcontroller's flash
                                  holds only what it runs. The samplers, the softmax family
                                  and dg_exact stay whatever the mask
      DG_ASSERT(x)       assert(x)  internal invariants only; inputs are checked with error codes.
                         #define DG_ASSERT(x) ((void)0) compiles it out (on a microcontroller
                         assert can pull in printf); <assert.h> is then not included
      DG_EXP DG_LOG DG_LOG1P
                         the header's vectorisable exp, log, log1p (dg_exp, dg_log, dg_log1p:
                         < 1.5 ulp, see "Elementary functions"), except libm's for double on
                         x86 without AVX, where they could not vectorise; libm's everywhere
                         with DG_USE_LIBM
      DG_EXPM1 DG_SQRT DG_FABS
                         libm's expm1, sqrt, fabs of DG_REAL's type: expm1f, sqrtf, fabsf for
                         float, the double ones for double, expm1l ... for a long double wider
                         than double (and so exp, log, log1p under DG_USE_LIBM)
      DG_USE_LIBM        undefined  use libm's exp, log, log1p instead of the header's kernels
      DG_EXCESS_PRECISION_STANDARD
                         undefined  x87 math only: your flags round assignments and casts as C
                                    requires (see PRECISION), which the header cannot detect
      DISCGRAD_STATIC    undefined  make every function static

   PRECISION
      Every per-element computation is done in DG_REAL: a float build does float math, and on a
      single-precision FPU (Cortex-M4F) links no double arithmetic outside two exceptions:
      dg_exact sums its 2^D or K^D terms in long double (double where long double is double,
      as on ARM), as does the DG_EXACT method through the same sweep, and dg_stats
      accumulates in double.
      Where FLT_EVAL_METHOD is not 0 (x87; s390x float in ISO C modes), which evaluates wider
      than the type, the kernels round their rounding steps to the type themselves: the
      answers are as right as elsewhere, though not bit-identical to other targets'. The rest
      relies on C's rule that assignments and casts round to the type, which gcc keeps on x87
      only with -fexcess-precision=standard (the default of -std=c99/c11, not of GNU modes, nor
      of C++ before gcc 13): the implementation refuses x87 math otherwise, with an #error
      naming the fix (-std=c99, -fexcess-precision=standard, or -msse2 -mfpmath=sse).
      -ffast-math, -Ofast, -ffinite-math-only, -fassociative-math and /fp:fast would optimise
      away the NaN checks and the rounding steps: the file that defines DISCGRAD_IMPLEMENTATION
      refuses them with an #error (add -fno-fast-math); other files may use them.

   SPEED
      The hot loops (noise, softmax with temperature and its backward, sigmoid, the conditional
      samplers) are written so that gcc and clang vectorise them with the header's own exp and
      log: build with -O3 (or -O2 with gcc >= 12 or clang) and, above all, for a CPU with AVX2
      or AVX-512 (-march=native, or -mavx2 -mfma). Plain x86-64 has only SSE2: there the
      noise's log and the softmax's exp still run two doubles at a time (kernels without the
      edge cases their arguments rule out) and other exps and logs use libm. The uniforms
      under all the noise come from 8 xoshiro256** lanes stepped together (see dg_rng), a
      round of vector shifts and xors: with AVX2 about 6 instructions per uniform with gcc and
      10 with clang, against 15 for one serial generator. `make microbench` and
      `make microbench-ir` measure the hot paths, `make bench` and `make bench-torch` whole
      estimates (single problems and batches of 64, double and float), `make bench-ir` their
      instruction counts; results are bit-reproducible for a given build.

   MEMORY
      Memory follows the problem, and the caller owns all of it. The estimator, dg_estimator,
      is a small struct (about 1.4 KiB in double: the configuration, the rng's 328 bytes, the
      scalars of the learned state); its vectors live in an array of dg_real the caller gives
      dg_init, sized by dg_estimator_reals(cfg, problem) or, as a constant for static arrays,
      DG_ESTIMATOR_REALS(method, n, K): 12 to 16 n values for the score family and the
      relaxations, 18 n for REBAR, 18 n + 5 DG_RELAX_HIDDEN n for RELAX (8 n more for either
      with cfg.tune), 12 n + cfg.samples for VIMCO, 12 n + M (n + M + 8) for the M configurations
      DG_UNORDERED_SET and DG_SUM_AND_SAMPLE draw together, for a problem of n logits (e.g. 4-logit
      REINFORCE with an EMA baseline: 1376 bytes + 49 values). A draw of the
      two-phase API (dg_ask) has its own array, sized by dg_draw_reals or DG_DRAW_REALS. No
      recompilation is needed for any problem size; the DG_MAX_* limits bound only the stack
      (DG_MAX_K, DG_EXACT_MAX_DIM, DG_MAX_SET), the samples per call, dg_exact's enumeration
      and dg_stats.

   STACK
      At the default configuration no function's own frame exceeds 16 KiB and no chain of calls
      inside the library uses more than 32 KiB; the callbacks' own use comes on top. The largest
      frame is dg_exact's, about 13.5 KiB (its enumeration buffers of DG_EXACT_MAX_DIM scalars,
      long doubles and ints); it scales with DG_EXACT_MAX_DIM. `make stack` checks both bounds.

   QUICK START

      #define DISCGRAD_IMPLEMENTATION
      #include "discgrad.h"
      static dg_real f(const dg_real *z, void *user) {   // any objective of the sample
          (void)user; return (z[0] - 0.45) * (z[0] - 0.45) + z[1] * z[2];
      }
      dg_real logits[3] = {0.0, 1.0, -0.5}, grad[3];
      dg_problem p;  memset(&p, 0, sizeof p);   // zero means "unused" or "default", C and C++
      p.kind = DG_BERNOULLI; p.D = 3; p.logits = logits; p.f = f;
      dg_config c;   memset(&c, 0, sizeof c);
      c.method = DG_REINFORCE; c.samples = 16; c.seed = 1;
      dg_estimator e;
      dg_real mem[DG_ESTIMATOR_REALS(DG_REINFORCE, 3, 1)];  // its memory: 3 logits, 1 class
      dg_init(&e, &c, mem, sizeof mem / sizeof mem[0]);
      int rc = dg_estimate(&e, &p, grad, NULL);           // DG_OK or a negative code

   TWO PHASES
      When the caller evaluates f itself -- later, in a batch, elsewhere -- dg_estimate splits in
      three (see "Two phases: ask, tell, commit" below):
      dg_draw d;  dg_real dmem[DG_DRAW_REALS(DG_REINFORCE, 3, 1, 16, 1)];
      dg_ask(&e, &p, &d, dmem, sizeof dmem / sizeof dmem[0]);   // d.points: 16 samples
      ... values[j] = f at d.points + j * d.n, now or whenever they are known ...
      dg_tell(&e, &d, &p, values, NULL, grad, NULL);          // the estimate
      dg_commit(&e);                         // baselines learn: per step, batch or episode

   ESTIMATORS  (status "yes": implemented and tested for the kinds listed; others return
               DG_EUNSUPPORTED, e.g. DG_DISARM on categorical variables)

      method               kinds   unbiased  needs f_grad  f-calls per draw  status
      DG_EXACT             both    exact     no            2^D or K^D        yes
      DG_REINFORCE         both    yes       no            1                 yes
      DG_RLOO              both    yes       no            1 (samples >= 2)  yes
      DG_ARM               both    yes       no            2 (cat.: <= K)    yes
      DG_DISARM            Bern.   yes       no            2                 yes
      DG_GUMBEL_SOFTMAX    both    no (1)    yes           1 grad            yes
      DG_STRAIGHT_THROUGH  both    no (1)    yes           1 grad            yes
      DG_GUMBEL_RAO        both    no (1)    yes           1 grad per call   yes
      DG_MUPROP            both    yes       yes           1 (+1 grad/call)  yes
      DG_REBAR             both    yes       yes           1 + 2 grad        yes (tuned: 1 + 6 grad)
      DG_RELAX             both    yes       yes           1 + 2 grad        yes (tuned: 1 + 6 grad)
      DG_REINMAX           both    no (2)    yes           1 grad            yes
      DG_INDECATER         both    yes       no            1 + D (K - 1)     yes
      DG_VIMCO (3)         both    yes       no            1 (samples >= 2)  yes
      DG_UNORDERED_SET     both    yes       no            M together (4)    yes
      DG_SUM_AND_SAMPLE    both    yes       no            M together (4)    yes

      (1) The relaxations are biased for E_q f: Gumbel-softmax estimates the gradient of the
          relaxed objective E f(softmax_tau(phi + g)) (bias -> 0 as tau -> 0, variance ~ 1/tau);
          straight-through and Gumbel-Rao share a mean whose bias stays as tau -> 0 unless f is
          linear; Gumbel-Rao has the lower variance. Gumbel-Rao's samples are conditional draws
          around one discrete sample, all sharing one f_grad call. See "Relaxations" at dg_relaxed_grad_at.
      (2) ReinMax is straight-through with a second-order correction: at tau = 1 its mean is
          exact for every f quadratic in z, biased otherwise. IndeCateR's cost per draw: D
          variables of K classes (Bernoulli: K = 2).
      (3) VIMCO estimates the gradient of another objective: the multi-sample bound
          E log (1/K) sum_k p(x, z_k)/q(z_k) of K = samples draws, with f(z) = log p(x, z); it
          returns the bound (dg_info.bound) and the weights of the caller's own gradient
          (problem.weights). See DG_VIMCO beside dg_method.
      (4) M = min(samples, configurations) distinct configurations (samples: default 4, at
          most DG_MAX_SET) are one draw: the unordered set estimator (Kool, van Hoof & Welling
          2020) weighs those of a stochastic beam search with its built-in leave-one-out
          baseline; sum and sample (Liu et al. 2019) sums the M - 1 most probable exactly and
          draws one from the rest. Both are exact when the M cover every configuration, and
          return each point's weight in their estimate of E_q f (problem.weights). See the
          notes beside dg_method.

   ERRORS
      Functions that can fail return int: DG_OK (0) or a negative code; dg_strerror names it.
      A failing call leaves every caller-owned output untouched.

   REVISION HISTORY
      0.3.0  (2026-11-30)  two phases: dg_ask, dg_tell, dg_commit for every method and
                           baseline (draws evaluated later, in batches, anywhere; told once,
                           hashed, checked; learned state changes only on commit); batches of
                           independent problems (problem.batch); memory follows the problem:
                           dg_init takes the caller's array (dg_estimator_reals,
                           DG_ESTIMATOR_REALS), sizeof(dg_estimator) about 1.4 KiB; DG_ESTATE;
                           dg_estimate gives the bits of 0.2.0 for the same seed.
                           portability: right answers under any FLT_EVAL_METHOD (x87, s390x),
                           -ffast-math and x87 without C's rounding refused at compile time;
                           float builds call libm's float functions; the noise's stack blocks
                           shrink with DG_MAX_DIM; -Os keeps one copy of each kernel; make
                           cross (other CPUs under qemu-user), make mcu (a Cortex-M4F);
                           DG_METHODS compiles in only the methods a program names (the
                           Cortex-M4F example: 18.3 KB of flash instead of 34.3 KB); CI runs
                           make cross and a sample of mutation testing (make mutation-ci).
                           speed: a draw's hash runs 32 vectorised lanes (four chains side by
                           side), the finiteness checks 32 partial sums, categorical rows'
                           inverse CDFs 8 rows at a time, the score family's tell loops
                           vectorise, the relaxations form phi + noise in the noise's pass: the
                           same bits, a batch of 64 REINFORCE problems in about half the time;
                           make bench times batches of 64 problems through dg_ask/dg_tell and
                           the arithmetic floor, make bench-torch float32 too, make bench-ir;
                           examples/parallel.c splits the update over the threads as well
                           (2 threads 1.8x one on 1024 x 64).
                           estimators: DG_REINMAX (straight-through with a second-order
                           correction), DG_INDECATER (local expectations), DG_VIMCO (the
                           multi-sample bound).
                           docs: a README a newcomer reads in minutes; docs/api.md and
                           docs/testing.md beside math, studies, benchmarks, threads and
                           portability; make check-docs builds and runs the programs of the
                           README and docs/ as C and C++; VAE figures redrawn, with ReinMax.
                           sampling without replacement: dg_gumbel_top_k, dg_beam_search
                           (stochastic beam search, the k most probable configurations),
                           dg_set_ratios, DG_UNORDERED_SET and DG_SUM_AND_SAMPLE (numbered
                           after DG_VIMCO), DG_MAX_SET.
                           examples: the set methods in the toy, make variance (exact at M = 2
                           on one bit, checked) and both VAE models (the decoder weighted by
                           problem.weights); make variance-d200 (matched f-call cost on 200
                           Bernoulli variables); docs/studies.md measures the new estimators.
      0.2.0  (2026-11-29)  speed: dg_rng is 8 xoshiro256** lanes stepped as one vector round
                           (streams differ from 0.1.0 for the same seed; blocks still equal
                           single draws, for any split); dg_gumbels, dg_logistics,
                           dg_exponentials; the noise transforms' log and the softmax's exp
                           without their dead edge cases (vectorised with SSE2 too); whole-
                           problem conditional samplers (Gumbel-Rao, REBAR, RELAX 3-7x faster),
                           ARM/DisARM and ARS vectorised (ARS swaps O(1) per row), score-family
                           and relaxation noise as blocks; bench times are the fastest of ~16
                           chunks.
      0.1.0  (2026-11-29)  first release: xoshiro256** streams and block uniforms; samplers and
                           conditional samplers with their derivatives; softmax family;
                           vectorisable exp/log/log1p (DG_USE_LIBM for libm); estimator core
                           with full input validation; exact enumeration; REINFORCE with
                           constant, EMA, optimal, NVIL and control-variate baselines; RLOO;
                           ARM (Bernoulli, ARS for categorical) and DisARM (Bernoulli);
                           Gumbel-softmax / binary Concrete, straight-through, Gumbel-Rao,
                           dg_relaxed_grad_at, temperature schedule; MuProp, REBAR and RELAX
                           with online tuning of eta, tau and RELAX's surrogate net; running
                           statistics.

   DOCUMENTATION
      Beside every declaration below. In the repository: README.md (quick start, API overview,
      estimator table, install), docs/api.md (every field and function, memory, the two
      phases, errors), docs/math.md (each estimator's formula, its source and what the tests
      check), docs/studies.md (the estimators on the toy problem and a VAE), docs/benchmarks.md,
      docs/threads.md, docs/portability.md, docs/testing.md.

   LICENSE
      See the end of the file: MIT or public domain, your choice.
*/
#ifndef DISCGRAD_H
#define DISCGRAD_H

#include <stdint.h>
#include <stddef.h>

#define DISCGRAD_VERSION_MAJOR 0
#define DISCGRAD_VERSION_MINOR 3
#define DISCGRAD_VERSION_PATCH 0

/* ---------------------------------------------------------------------------------------------
   Configuration
   ------------------------------------------------------------------------------------------- */
#ifndef DG_REAL
#define DG_REAL double
#endif
#ifndef DG_MAX_DIM
#define DG_MAX_DIM 1024
#endif
#ifndef DG_MAX_K
#define DG_MAX_K 256
#endif
#ifndef DG_MAX_SAMPLES
#define DG_MAX_SAMPLES 1024
#endif
#ifndef DG_MAX_ENUM
#define DG_MAX_ENUM 1048576L
#endif
#ifndef DG_EXACT_MAX_DIM
#define DG_EXACT_MAX_DIM 256
#endif
#ifndef DG_RELAX_HIDDEN
#define DG_RELAX_HIDDEN 10
#endif
#ifndef DG_MAX_SET
#define DG_MAX_SET 64
#endif

#if defined(__GNUC__) || defined(__clang__)
#define DG__MAYBE_UNUSED __attribute__((unused))
#else
#define DG__MAYBE_UNUSED
#endif
#ifdef DISCGRAD_STATIC
#define DGDEF static DG__MAYBE_UNUSED
#else
#define DGDEF extern
#endif

/* Compile-time checks of the limits: a negative array size names the broken rule. */
typedef char dg__check_max_dim_positive[(DG_MAX_DIM >= 1) ? 1 : -1];
typedef char dg__check_max_k_range[(DG_MAX_K >= 2 && DG_MAX_K <= DG_MAX_DIM) ? 1 : -1];
typedef char dg__check_max_samples_range[(DG_MAX_SAMPLES >= 2) ? 1 : -1];
typedef char dg__check_max_enum_range[(DG_MAX_ENUM >= 2 && DG_MAX_ENUM <= 2147483647L) ? 1 : -1];
typedef char dg__check_exact_dim_range[(DG_EXACT_MAX_DIM >= 2 && DG_EXACT_MAX_DIM <= 4096) ? 1 : -1];
typedef char dg__check_relax_hidden_range[(DG_RELAX_HIDDEN >= 1 && DG_RELAX_HIDDEN <= 256) ? 1 : -1];
typedef char dg__check_max_set_range[(DG_MAX_SET >= 2 && DG_MAX_SET <= 1024 && DG_MAX_SET <= DG_MAX_SAMPLES) ? 1 : -1];
/* DG_REAL is float or double (or a type of the same size, as long double is on some targets):
   the elementary functions, the uniforms' grid and the temperature bounds are written for those
   two, so a wider long double would only carry double-precision results. */
typedef char dg__check_real_is_float_or_double[
    (sizeof(DG_REAL) == sizeof(float) || sizeof(DG_REAL) == sizeof(double)) ? 1 : -1];

#ifdef __cplusplus
extern "C" {
#endif

typedef DG_REAL dg_real;

/* ---------------------------------------------------------------------------------------------
   Result codes
   ------------------------------------------------------------------------------------------- */
enum {
    DG_OK = 0,            /* success */
    DG_EINVAL = -1,       /* a bad argument: NULL pointer, D or K < 1, tau <= 0, unknown method */
    DG_ECAPACITY = -2,    /* the problem exceeds the memory given, DG_MAX_K, DG_MAX_SAMPLES, DG_MAX_ENUM
                             or DG_EXACT_MAX_DIM (DG_INDECATER: more than 2^22 points per call) */
    DG_ENEEDGRAD = -3,    /* the method needs problem.f_grad and it is NULL */
    DG_EDOMAIN = -4,      /* a number is not finite: a logit, or a value f or f_grad returned */
    DG_EUNSUPPORTED = -5, /* the method cannot do this: not for this kind of variable (DG_DISARM on
                             categorical ones), not an operation of the method (dg_set_tau on
                             DG_RELAX), or a method this build leaves out (DG_METHODS) */
    DG_ESTATE = -6        /* a draw that cannot be told: told already, asked by another estimator,
                             its points or problem changed since dg_ask, or told with the learned
                             state of another problem size still uncommitted */
};

/* Returns a static, human-readable name for a result code ("unknown error" for others). */
DGDEF const char *dg_strerror(int code);

/* ---------------------------------------------------------------------------------------------
   Random numbers

   xoshiro256** (Blackman & Vigna) in DG_RNG_LANES = 8 independent lanes, each with its own 256
   bits of state (period 2^256 - 1), seeded by splitmix64. One round steps all 8 lanes at once,
   which compilers turn into vector code (a serial xoshiro256** cannot vectorise: each step
   needs the previous one).
   One stream, whatever the call sizes: output number i of the generator is lane i % 8 at its
   round i / 8. Single draws take the buffered outputs of the latest round one at a time; the
   block draws (dg_uniforms, dg_gumbels, ...) first use up what is buffered, then write whole
   rounds straight out. So n single draws, one block of n and any split of n into blocks give
   the same values, bit for bit, and leave the same state.
   dg_rng_seed(r, seed, stream) hashes (seed, stream) into the starting state, so every pair
   starts at an independent pseudo-random point: give each thread or process its own stream.
   The caller owns the struct (sizeof(dg_rng) = 328 bytes: 4 x 8 state words, 8 buffered
   outputs, their index); copying it forks the stream exactly.
   ------------------------------------------------------------------------------------------- */
/* Fixed, not a configuration option: the stream depends on it. */
#define DG_RNG_LANES 8
typedef struct dg_rng {
    uint64_t s[4][DG_RNG_LANES];  /* lane-major: state word w of lane j is s[w][j] */
    uint64_t out[DG_RNG_LANES];   /* the scrambled outputs of the latest round */
    uint64_t next;                /* the next unused out[]; DG_RNG_LANES when all are used (64
                                     bits: no padding, so memcmp compares two copies exactly) */
} dg_rng;

/* Seeds r from (seed, stream). Any values are valid, including 0. */
DGDEF void dg_rng_seed(dg_rng *r, uint64_t seed, uint64_t stream);
/* Next 64 random bits. */
DGDEF uint64_t dg_rng_u64(dg_rng *r);
/* Uniform strictly inside (0,1): u = ((x >> 12) + 0.5) * 2^-52, so u lies in [2^-53, 1 - 2^-53]
   on an exact grid and 1 - u is exact too. With DG_REAL = float the grid is 2^-23 (u in
   [2^-24, 1 - 2^-24]) so no value rounds to 0 or 1. One 64-bit output per value, double or
   float. */
DGDEF dg_real dg_uniform(dg_rng *r);
/* Standard Gumbel: -log(-log u). Always finite (in [-3.61, 36.74] in double). */
DGDEF dg_real dg_gumbel(dg_rng *r);
/* Standard logistic: log u - log(1 - u). Always finite. */
DGDEF dg_real dg_logistic(dg_rng *r);
/* Standard exponential (rate 1): -log u. Always finite and positive. */
DGDEF dg_real dg_exponential(dg_rng *r);
/* Maps 64 random bits to the uniform of dg_uniform (exposed so the extremes can be tested). */
DGDEF dg_real dg_uniform_from_bits(uint64_t x);
/* Writes the next n uniforms to u: the same values, in the same order, as n dg_uniform calls,
   several times faster (the lanes and the conversion vectorise). Does nothing for NULL or
   n < 1 (there is no return code). */
DGDEF void dg_uniforms(dg_rng *r, dg_real *u, int n);
/* Block noise: write the next n standard Gumbel, logistic or exponential draws to out, the
   same values, in the same order, as n calls of dg_gumbel, dg_logistic or dg_exponential,
   several times faster (the uniforms and the transform vectorise). For noise of your own
   sampling, or to reproduce the noise an estimator drew from a copy of its rng. Like
   dg_uniforms they do nothing for NULL or n < 1 (there is no return code). */
DGDEF void dg_gumbels(dg_rng *r, dg_real *out, int n);
DGDEF void dg_logistics(dg_rng *r, dg_real *out, int n);
DGDEF void dg_exponentials(dg_rng *r, dg_real *out, int n);

/* ---------------------------------------------------------------------------------------------
   Samplers. Logits are unnormalised log-probabilities; each must be finite.
   ------------------------------------------------------------------------------------------- */

/* Bernoulli with P(1) = sigmoid(logit), by 1[u < sigmoid(logit)].
   Returns 0 or 1; DG_EINVAL if r is NULL; DG_EDOMAIN if logit is not finite. */
DGDEF int dg_sample_bernoulli(dg_rng *r, dg_real logit);

/* Categorical with P(k) = softmax(logits)_k, by inverting the CDF of exp(logits - max): one
   uniform, O(K), stable for logits of any finite size.
   Returns the index in [0, K); DG_EINVAL (r or logits NULL, K < 1); DG_ECAPACITY (K > DG_MAX_K);
   DG_EDOMAIN (a logit not finite). */
DGDEF int dg_sample_categorical(dg_rng *r, const dg_real *logits, int K);

/* Gumbel-max: returns argmax_k (logits_k + g_k), g iid Gumbel(0,1), which is distributed as
   dg_sample_categorical (lowest index on ties). When perturbed is not NULL it receives the K
   perturbed logits logits_k + g_k. Errors as dg_sample_categorical; perturbed untouched then. */
DGDEF int dg_gumbel_max(dg_rng *r, const dg_real *logits, int K, dg_real *perturbed);

/* Gumbel-top-k (Kool, van Hoof & Welling 2019, "Stochastic Beams and Where to Find Them",
   ICML): the k largest of logits_i + g_i, g_i iid Gumbel(0,1), are k distinct classes drawn
   without replacement from softmax(logits), in the order sequential sampling would draw them.
   Writes the classes to top[0..k) in decreasing order of their perturbed logits (lowest index
   first on ties) and, when keys is not NULL, those perturbed logits to keys[0..k).
   Draws K Gumbels as dg_gumbel_max does, so k = 1 returns its class for the same rng.
   Returns DG_OK; DG_EINVAL (r, logits or top NULL, K < 1, k outside [1, K]); DG_ECAPACITY
   (K > DG_MAX_K); DG_EDOMAIN (a logit not finite). top and keys untouched on error.
   Cost O(K k). Stack: 3 DG_MAX_K reals. */
DGDEF int dg_gumbel_top_k(dg_rng *r, const dg_real *logits, int K, int k, int *top, dg_real *keys);

/* Conditional Gumbel: writes to perturbed (K values) a draw of logits + g conditioned on
   argmax(logits + g) == b (Tucker et al. 2017, appendix): with E_k iid Exp(1) and
   pi = softmax(logits), in the frame of log pi:  z_b = -log E_b,  z_i = -log(E_i/pi_i + E_b);
   logsumexp(logits) is then added back so the result lives in the frame of dg_gumbel_max.
   argmax(perturbed) == b always. Returns DG_OK, or DG_EINVAL (NULL, K < 1, b outside [0,K)),
   DG_ECAPACITY (K > DG_MAX_K), DG_EDOMAIN (a logit not finite); perturbed untouched on error. */
DGDEF int dg_gumbel_given_argmax(dg_rng *r, const dg_real *logits, int K, int b,
                                 dg_real *perturbed);

/* Conditional logistic: writes to *z a draw of logit + L, L ~ Logistic(0,1), conditioned on
   1[logit + L > 0] == b (Tucker et al. 2017): with theta = sigmoid(logit), v ~ U(0,1),
   u' = v(1 - theta) for b = 0 and u' = (1 - theta) + v theta for b = 1; z = logit + logit(u').
   Computed in log space, so it stays finite for logits of +-1e4. (z > 0) == b always.
   Returns DG_OK, or DG_EINVAL (NULL, b not 0 or 1), DG_EDOMAIN (logit not finite). */
DGDEF int dg_logistic_given_bit(dg_rng *r, dg_real logit, int b, dg_real *z);

/* The conditional samplers at a given noise, with their derivatives with respect to the logits
   (b and the noise held fixed): the pathwise pieces REBAR and RELAX differentiate through.
   dg_logistic_given_bit_at: v in (0,1); writes z and, when dz_dlogit is not NULL, dz/dlogit
     = (1 - theta)(1 - v)/(1 - v + v theta) for b = 0 and theta v/(1 - theta + v theta) for b = 1.
   dg_gumbel_given_argmax_at: E holds K positive exponentials; writes the K perturbed logits.
   dg_gumbel_given_argmax_vjp: dlogits = (d perturbed / d logits)^T dperturbed; dlogits may
     alias dperturbed (so the result is not checked: dperturbed near the largest dg_real can
     overflow its sums to infinity).
   Return DG_OK, DG_EINVAL (NULL, b out of range, v outside (0,1), E_k not > 0, K < 1),
   DG_ECAPACITY (K > DG_MAX_K), DG_EDOMAIN (a logit, E_k or dperturbed entry not finite);
   outputs untouched on error.
   Remarks: perturbed may alias logits or E. These functions and dg_gumbel_given_argmax run
   the code the estimators use for whole problems (GUMBEL_RAO, REBAR, RELAX) on one variable,
   and give bit-identical values for the same noise. Stack: up to 6 * DG_MAX_K reals (12 KiB at
   the defaults in double). */
DGDEF int dg_logistic_given_bit_at(dg_real logit, int b, dg_real v, dg_real *z,
                                   dg_real *dz_dlogit);
DGDEF int dg_gumbel_given_argmax_at(const dg_real *logits, int K, int b, const dg_real *E,
                                    dg_real *perturbed);
DGDEF int dg_gumbel_given_argmax_vjp(const dg_real *logits, int K, int b, const dg_real *E,
                                     const dg_real *dperturbed, dg_real *dlogits);

/* ---------------------------------------------------------------------------------------------
   Softmax family
   ------------------------------------------------------------------------------------------- */

/* log sum_k exp(x_k), with the maximum subtracted first. Returns NaN for NULL x, K < 1 or a NaN
   entry; +inf if an entry is +inf. */
DGDEF dg_real dg_logsumexp(const dg_real *x, int K);

/* y = softmax(x / tau). tau > 0; tau == 0 gives the one-hot argmax (lowest index on ties).
   y may alias x. Returns DG_OK; DG_EINVAL (NULL, K < 1, tau < 0 or NaN); DG_EDOMAIN (x not
   finite, tau == +inf, or tau subnormal: 0 < tau < FLT_MIN/DBL_MIN, where 1/tau overflows).
   y is untouched on error. */
DGDEF int dg_softmax(const dg_real *x, int K, dg_real tau, dg_real *y);

/* y = log softmax(x / tau), computed as (x - max)/tau - log sum exp((x - max)/tau); tau == 0
   gives 0 at the argmax and -inf elsewhere. Same arguments and errors as dg_softmax. */
DGDEF int dg_log_softmax(const dg_real *x, int K, dg_real tau, dg_real *y);

/* Vector-Jacobian product of y = softmax(x / tau):  dx_j = (1/tau) y_j (dy_j - sum_k y_k dy_k).
   tau must be > 0, finite and not subnormal (DG_EDOMAIN). dx may alias dy. Returns DG_OK,
   DG_EINVAL or DG_EDOMAIN (a y or dy entry not finite); dx untouched on error. Finite dy near
   the largest dg_real can overflow the sum to infinity: the result is not checked, since dx
   may alias dy (the estimators check their own results). */
DGDEF int dg_softmax_backward(const dg_real *y, const dg_real *dy, int K, dg_real tau,
                              dg_real *dx);

/* 1/(1 + exp(-x)), accurate in both tails (no cancellation, no overflow). */
DGDEF dg_real dg_sigmoid(dg_real x);
/* log sigmoid(x) = -log1p(exp(-x)), accurate in both tails (x for x -> -inf, -exp(-x) for
   x -> +inf). */
DGDEF dg_real dg_log_sigmoid(dg_real x);

/* ---------------------------------------------------------------------------------------------
   Elementary functions: the header's own exp, log and log1p in dg_real's precision, which the
   DG_EXP, DG_LOG and DG_LOG1P hooks use by default (double on x86 without AVX excepted, see
   CONFIGURATION): range reduction and a polynomial, no tables, inlined and branch-free so that
   loops calling them vectorise. Maximum error over the whole domain (tests/test_math.c checks
   it on dense grids): below 1.2 ulp for exp and log, 1.5 ulp for log1p, in double and in float.
   Special values follow C99: exp(-inf) = 0, exp(+inf) = +inf, results beyond the range
   overflow to +inf or underflow through the denormals to 0; log(0) = -inf, log(x < 0) = NaN,
   log1p(-1) = -inf, log1p(-0) = -0; NaN gives NaN.
   Define DG_USE_LIBM to make the hooks use libm's exp, log and log1p instead (these functions
   stay the header's kernels).
   ------------------------------------------------------------------------------------------- */
DGDEF dg_real dg_exp(dg_real x);
DGDEF dg_real dg_log(dg_real x);
DGDEF dg_real dg_log1p(dg_real x);

/* ---------------------------------------------------------------------------------------------
   The problem: what to differentiate
   ------------------------------------------------------------------------------------------- */
typedef enum dg_kind { DG_BERNOULLI = 1, DG_CATEGORICAL = 2 } dg_kind;

typedef struct dg_problem {
    dg_kind kind;
    int D;                      /* number of independent latent variables, >= 1 */
    int K;                      /* classes per variable (categorical only, >= 1) */
    const dg_real *logits;      /* D (Bernoulli) or D*K row-major (categorical), all finite */
    /* The objective of a sample z: D values (Bernoulli: 0/1, or relaxed in (0,1)) or D*K values
       (categorical: rows one-hot, or relaxed rows on the simplex). Must return a finite value. */
    dg_real (*f)(const dg_real *z, void *user);
    /* Optional: returns f(z) and writes df/dz (same shape as z) to dz. Needed by the relaxations
       and the control-variate methods; a method that needs it returns DG_ENEEDGRAD without it. */
    dg_real (*f_grad)(const dg_real *z, dg_real *dz, void *user);
    void *user;                 /* passed back to every callback */

    /* Optional extras: a zero-initialised problem leaves them unused, and only the baseline
       that names them reads them. */

    /* DG_BASELINE_INPUT (NVIL): the caller's input-dependent baseline b(x) for this call, e.g.
       the output of a small network on the input x that produced the logits. Must be finite
       (DG_EDOMAIN otherwise). Fit it by minimising (f - b(x))^2, whose gradient with respect to
       b(x) is -2 dg_info.learning_signal. */
    dg_real baseline_input;
    /* DG_BASELINE_CV: a control variate b(z) of the sample (same z as f receives) whose mean
       mu(phi) = E_q b(z) the caller knows in closed form (b linear in z, say), and
       cv_mean_grad, which writes grad_phi mu(phi) (same shape as logits) to grad. Both are
       needed (DG_EINVAL if either is NULL); a value that is not finite gives DG_EDOMAIN. cv is
       called once per draw, cv_mean_grad once per dg_estimate call; neither is counted in
       dg_info. A wrong mean gradient makes the estimate biased: it is the only part of the
       estimate that b's expectation enters. */
    dg_real (*cv)(const dg_real *z, void *user);
    void (*cv_mean_grad)(const dg_real *logits, dg_real *grad, void *user);

    /* Batches (dg_ask and dg_tell only): batch independent examples of the same shape, each with
       its own logits (logits holds batch * n values, example b at logits + b * n), its own
       leave-one-out group and its own NVIL baseline. 0 means 1. */
    int batch;
    /* DG_BASELINE_INPUT with a batch: b(x) of each example (batch values); NULL uses
       baseline_input for every example. */
    const dg_real *baseline_inputs;

    /* DG_VIMCO, optional output: when not NULL, receives the normalised importance weights
       w_k = exp(l_k) / sum_j exp(l_j) of each example's cfg.samples draws (batch * samples
       values, example b's at weights + b * samples, in the order of its samples: f's calls in
       dg_estimate, the points of a draw), which weigh the gradient of the caller's model:
       grad_theta L = sum_k w_k grad_theta log p(x, z_k). Written by dg_estimate and dg_tell
       (given the problem) only on success, like grad; must not overlap the other arrays.
       DG_UNORDERED_SET and DG_SUM_AND_SAMPLE write the same way each point's weight in their
       estimate of E_q f (M = min(samples, configurations) values per example, example b's at
       weights + b * M; see beside dg_method). Other methods ignore it. */
    dg_real *weights;
} dg_problem;

/* ---------------------------------------------------------------------------------------------
   Estimators
   ------------------------------------------------------------------------------------------- */
/* The estimators. Each returns from dg_estimate an estimate of grad_phi E_q[f(z)]; the table at
   the top of the file sums up cost and bias. M below is cfg.samples.

   DG_REINFORCE  score function (Williams 1992): the mean over M independent draws of
       (f(z) - c) s(z), s = z - E_q z the score with respect to the logits, c from cfg.baseline
       (see dg_baseline). Both kinds, unbiased for every baseline, M f-calls. Needs only f.
   DG_RLOO  leave-one-out REINFORCE (Kool et al. 2019): 1/(M-1) sum_m (f_m - mean f) s_m, each
       draw's baseline being the mean of the other M - 1. M >= 2 (default 2; an explicit 1 is
       DG_EINVAL). Both kinds, unbiased, M f-calls. cfg.baseline is ignored.
   DG_ARM  augment-REINFORCE-merge (Yin & Zhou 2019). Bernoulli: per pair one u in (0,1)^D,
       b1 = 1[u > sigmoid(-phi)], b2 = 1[u < sigmoid(phi)], estimate (f(b1) - f(b2))(u - 1/2)
       averaged over M pairs; unbiased, 2M f-calls. Categorical: the augment-REINFORCE-swap
       (ARS) estimator of Yin, Yue & Zhou 2019 ("ARSM", ICML): per draw Dirichlet(1) weights w_d
       per variable, a reference class j, and the samples z^(m<->j) with w_dm and w_dj swapped
       in every variable; g_dc = (f(z^(c<->j)) - mean_m f(z^(m<->j))) (1 - K w_dj). Unbiased;
       up to K f-calls per draw (swaps that leave the sample unchanged reuse f(z); dg_info
       counts the calls made), O(D K^2) work per draw.
   DG_DISARM  ARM with u integrated out (Dong, Mnih & Tucker 2020), Bernoulli only: the same
       pairs, estimate 1/2 (f(b1) - f(b2)) (-1)^b2 1[b1 != b2] sigmoid(|phi|) per coordinate.
       Unbiased, never more variance than ARM, 2M f-calls. Categorical: DG_EUNSUPPORTED (the
       categorical couplings of Dong, Mnih & Tucker 2021 are not built).
   DG_INDECATER  IndeCateR, the CatLog-derivative trick (De Smet, Sansone & Zuidberg Dos
       Martires, NeurIPS 2023), which is the local expectation gradient of Titsias & Lazaro-
       Gredilla (NeurIPS 2015): per draw one sample x ~ q and, for every variable d and class k,
       f at x^(d<-k), x with variable d set to k; the estimate for variable d is
         g_d = sum_k (d q_d(k) / d phi_d) f(x^(d<-k)) = J(pi_d)^T F_d,  F_dk = f(x^(d<-k)),
       J(p)^T v = p (v - <p, v>): variable d's own sample is summed out exactly, the others are
       drawn. Bernoulli (K = 2): g_d = p_d (1 - p_d) (f(x^(d<-1)) - f(x^(d<-0))). Both kinds,
       unbiased, needs only f; averaged over M draws. Cost: 1 + D (K - 1) f-calls per draw
       (Bernoulli: 1 + D), x^(d<-x_d) = x reusing f(x). Its variance is 0 when D = 1 and when f is
       a sum of functions of one variable each; it comes only from how f couples the variables.
       Points: each draw's first point is x, then for d = 0 .. D-1 the classes k != x_d in
       increasing order (Bernoulli: x with bit d flipped), so a draw has 1 + D (K - 1) points
       and dg_draw_reals grows as M D K n: quadratic in the problem, unlike every other method
       (dg_estimate evaluates them one at a time and needs O(n) memory). The f values are
       differenced against f(x) before they are combined (J^T ignores a constant), so a common
       offset in f does not swamp the differences. M (1 + D (K - 1)) may be at most 2^22
       (DG_ECAPACITY beyond).

   DG_VIMCO  variational inference for Monte Carlo objectives (Mnih & Rezende 2016), for the
       multi-sample bound instead of E_q f: with f(z) = log p(x, z) (the caller's model), K = M
       independent draws z_k ~ q, l_k = f(z_k) - log q(z_k) (the library computes log q), the
       bound L = log (1/K) sum_k exp(l_k) <= log p(x), and the normalised weights
       w_k = exp(l_k) / sum_j exp(l_j), the estimate of grad_phi E[L] is
         g = sum_k [ (L - Lhat_k) - w_k ] s_k,   s_k = z_k - E_q z,
       where Lhat_k is L with l_k replaced by the mean of the other K - 1 values (the geometric
       mean of their exp(l_j): the paper's eq. 9), a baseline that does not depend on z_k. The
       term (L - Lhat_k) s_k is the score function of L, -w_k s_k its pathwise part (L depends
       on phi through -log q(z_k), whose gradient is -s_k). Not averaged: g estimates the
       gradient of E[L] itself. Both kinds, unbiased for grad E[L], M >= 2 (default 2, an
       explicit 1 is DG_EINVAL), M f-calls, O(M n) work. dg_info.bound returns L and
       problem.weights, when not NULL, receives w_1..w_K: the gradient of the caller's own
       model is grad_theta L = sum_k w_k grad_theta log p(x, z_k). cfg.baseline is ignored.
       The K values are combined in log space (log-sum-exps with the maximum taken out, the
       sum without the largest value kept apart so no leave-one-out sum is a difference of
       nearly equal numbers), so l_k of any finite size work. The draws are told in two passes
       (the leave-one-out baselines need all K values first): dg_tell reads the draw's points
       twice, dg_estimate draws its samples again from a copy of its rng, so its memory holds
       one point and the K values l_k, not K points.

   Sampling without replacement. Both draw M = min(cfg.samples, configurations) distinct
   configurations of the whole problem together, as one draw (cfg.samples: default 4, at most
   DG_MAX_SET), and score them with s(z) = z - E_q z as above; q(z) is the probability of
   configuration z. Both kinds, only f, M f-calls per draw, M points per draw (one per f-call).
   DG_UNORDERED_SET  the unordered set estimator with its built-in baseline (Kool, van Hoof &
       Welling 2020, "Estimating Gradients for Discrete Random Variables by Sampling without
       Replacement", ICLR). S = M configurations drawn without replacement by stochastic beam
       search (dg_beam_search), in the order of their keys. With P^{D\T}(A) the probability
       that |A| draws without replacement from q, with the configurations T removed, give the
       set A:
         R(s) = P^{D\s}(S\s) / P(S),  R_s(s') = P^{D\{s,s'}}(S\{s,s'}) / P^{D\s}(S\s),  R_s(s) = 1,
         b_s = sum_{s' in S} q(s') R_s(s') f(s'),
         g = sum_{s in S} q(s) R(s) (f(s) - b_s) s(s).
       Unbiased for every M. M = 1 is REINFORCE (no baseline: R(s) = 1/q(s), b_s = 0); when S
       is every configuration, R = 1 and g is the exact gradient. The ratios come from the 2^M
       subsets of S exactly for M <= 8, by numerical integration beyond (dg_set_ratios: O(M^2)
       integrals of about 300 points each); a set holding all but 8 M epsilon of the mass is
       treated as complete (R = 1). info.f_mean is sum_s q(s) R(s) f(s), an unbiased estimate
       of E_q f; info.baseline the mean of the b_s. Cost per draw: M f-calls, O(D M C log M)
       for the search (C classes per variable), O(2^M M) (M <= 8) or about 300 M^2 exps for
       the ratios.
   DG_SUM_AND_SAMPLE  sum and sample (Liu, Regier, Tripuraneni, Jordan & McAuliffe 2019,
       "Rao-Blackwellized Stochastic Gradients for Discrete Distributions", ICML). C = the M - 1
       most probable configurations (beam search without noise, exact for independent
       variables; ties in probability broken by class order), r = 1 - q(C), u drawn from q
       restricted to the configurations outside C (one uniform per variable); the points are C,
       most probable first, then u:
         g = sum_{z in C} q(z) f(z) s(z) + r f(u) s(u).
       Unbiased for every M (C is fixed by the logits). M = 1 is REINFORCE; when C covers every
       configuration there is no draw and g is the exact gradient (M - 1 configurations summed
       and the last one forced is exact too). info.f_mean is sum_C q f + r f(u), unbiased for
       E_q f; no baseline (info.baseline 0). Cost per draw: M f-calls, O(D M C log M).
     For both, problem.weights, when not NULL, receives each point's weight w_j in info.f_mean
     = sum_j w_j f(z_j) (q(s) R(s); q(z) and r; q(z) / q(S) for a complete set), M values per
     example in the order of the points: sum_j w_j grad_theta f(z_j) is then an unbiased
     estimate of the gradient of E_q f with respect to the parameters theta of the caller's
     own f. cfg.baseline is ignored. The points are told in two passes, as VIMCO's (the ratios
     and the baselines need every value first): dg_estimate evaluates f one point at a time
     and keeps the M configurations' classes (M D values), their values and an M x M table of
     ratios in the estimator's memory.

   Memory: the score-function methods reduce each draw to per-coordinate sums as it comes, so
   any M costs O(D*K) scratch in the estimator and no extra stack; ARM and DisARM keep one pair
   at a time, categorical ARM one draw's keys and its K swapped values of f, IndeCateR one draw
   and its differences f(x^(d<-k)) - f(x); VIMCO one point and its M values l_k (M more values
   of the estimator's memory, and of a draw's per example); DG_UNORDERED_SET and
   DG_SUM_AND_SAMPLE one point, the M configurations' classes, their values and weights and an
   M x M table: M (n + M + 8) values of the estimator's memory (a draw holds its M points,
   their classes and M weights per example), and stack arrays of DG_MAX_SET and 2 DG_MAX_K
   reals.

   DG_REINMAX, a straight-through estimator with a second-order correction, is documented with
   the relaxations (see "Relaxations" at dg_relaxed_grad_at). */
typedef enum dg_method {
    DG_EXACT = 1, DG_REINFORCE, DG_RLOO, DG_GUMBEL_SOFTMAX, DG_STRAIGHT_THROUGH,
    DG_GUMBEL_RAO, DG_MUPROP, DG_REBAR, DG_RELAX, DG_ARM, DG_DISARM, DG_REINMAX, DG_INDECATER,
    /* the multi-sample bound */
    DG_VIMCO,
    /* sampling without replacement */
    DG_UNORDERED_SET, DG_SUM_AND_SAMPLE
} dg_method;
#define DG__METHOD_LAST DG_SUM_AND_SAMPLE
/* The bit of method m in DG_METHODS (see CONFIGURATION), and the mask of every method. */
#define DG_METHOD_BIT(m) (1ul << (m))
#define DG_ALL_METHODS (DG_METHOD_BIT(DG__METHOD_LAST + 1) - 2ul)

/* Baselines of DG_REINFORCE (cfg.baseline; other methods ignore it). Every one is independent of
   the draw it is subtracted from, so the estimate stays unbiased; they differ in variance.

   DG_BASELINE_NONE      c = 0.
   DG_BASELINE_CONSTANT  c = cfg.baseline_value.
   DG_BASELINE_EMA       c = moving average of f over earlier calls, c <- beta c + (1 - beta) mean f,
                         beta = cfg.ema_decay; updated after the call's estimate is formed, and 0
                         until the first call has succeeded.
   DG_BASELINE_OPTIMAL   per coordinate, the variance-minimising constant c_i = E[f s_i^2]/E[s_i^2]
                         (Cov[f s_i, s_i]/Var[s_i] with E s_i = 0), estimated from sums of
                         f s_i^2 and s_i^2 over earlier calls, decayed by cfg.ema_decay per call
                         so they follow moving logits (raise it, e.g. 0.99, for a steadier
                         estimate on slowly moving logits), plus, when M > 1, the call's other
                         draws (leave-one-out, computed in closed form, no second pass). 0 until
                         something is known. An estimator follows one problem size: a problem with
                         a different number of logits restarts the sums.
   DG_BASELINE_INPUT     NVIL (Mnih & Gregor 2014): c = problem.baseline_input, the caller's b(x).
                         dg_info.learning_signal returns mean f - b(x), which the caller uses to
                         fit b(x). With cfg.normalize the estimate is divided by
                         max(1, running std of f - b(x)) over earlier calls (decay
                         cfg.ema_decay): a scale change that steadies step sizes, not a change of
                         direction; it is then an unbiased estimate of the gradient divided by
                         that scale.
   DG_BASELINE_CV        a control variate with known mean: (f(z) - b(z)) s(z) + grad_phi E_q b,
                         from problem.cv and problem.cv_mean_grad (DG_EINVAL if either is NULL). */
typedef enum dg_baseline {
    DG_BASELINE_NONE = 0, DG_BASELINE_CONSTANT, DG_BASELINE_EMA, DG_BASELINE_OPTIMAL,
    DG_BASELINE_INPUT /* NVIL */, DG_BASELINE_CV /* control variate with known mean */
} dg_baseline;
#define DG__BASELINE_LAST DG_BASELINE_CV

/* Zero-initialised fields mean "default"; the defaults are given beside each field. */
typedef struct dg_config {
    dg_method method;           /* required */
    int samples;                /* draws averaged per call: default 1 (RLOO: group size, VIMCO: the
                                   bound's K; default 2, an explicit value < 2 is DG_EINVAL); at
                                   most DG_MAX_SAMPLES (UNORDERED_SET, SUM_AND_SAMPLE: the
                                   configurations drawn together, default 4, at most
                                   DG_MAX_SET) */
    dg_real tau;                /* relaxation temperature > 0: default 1 for GUMBEL_SOFTMAX,
                                   STRAIGHT_THROUGH and GUMBEL_RAO; 0.5 for REBAR and RELAX;
                                   REINMAX: default 1, at least 1 */
    dg_baseline baseline;       /* REINFORCE only: default DG_BASELINE_NONE */
    dg_real baseline_value;     /* DG_BASELINE_CONSTANT: the constant c */
    dg_real ema_decay;          /* beta in (0,1), default 0.9: the decay per call of the running
                                   averages of DG_BASELINE_EMA, DG_BASELINE_OPTIMAL and the
                                   normalisation of DG_BASELINE_INPUT */
    int normalize;              /* DG_BASELINE_INPUT: nonzero divides the learning signal by
                                   max(1, running std), changing the scale, not the direction */
    int tune;                   /* REBAR/RELAX: nonzero learns eta, tau (and surrogate) online */
    dg_real eta;                /* REBAR/RELAX: control-variate scale, default 1 */
    dg_real lr;                 /* RELAX/REBAR tuning learning rate, default 0.01 */
    uint64_t seed, stream;      /* the rng's seed and stream: default 0, 0 */
} dg_config;

/* Running state of the score-function baselines (owned by the estimator). Each part changes
   only at dg_commit; the sums describe committed draws only, never the draws they are used
   with, which is what keeps the baselines unbiased. */
typedef struct dg_sf_state {
    dg_real ema;                    /* DG_BASELINE_EMA: current average of f */
    int ema_ready;                  /* the average has seen at least one step */
    int opt_n;                      /* DG_BASELINE_OPTIMAL: logits its sums describe (decayed
                                       sums over earlier draws of f s_i^2 and s_i^2, kept in the
                                       estimator's memory), 0 = none; a problem of another size
                                       starts them afresh */
    dg_real sig_mean, sig_var;      /* DG_BASELINE_INPUT with normalize: running mean and
                                       variance of the learning signal f - b(x) */
    int sig_ready;                  /* the running moments have seen at least one step */
} dg_sf_state;

/* The control-variate estimators DG_MUPROP, DG_REBAR and DG_RELAX (both kinds, all need f_grad).
   Unbiased for every setting of their parameters; cfg.samples draws are averaged per call.

   DG_MUPROP (Gu et al. 2016): first-order Taylor baseline around zbar = E_q z,
       g = [f(z) - f(zbar) - f'(zbar).(z - zbar)] s(z) + J(zbar)^T f'(zbar),  s = z - E_q z,
     J = diag(pi) - pi pi^T per categorical row, p(1 - p) per bit. Cost: 1 f_grad per call plus
     1 f per draw. No learned state.
   DG_REBAR (Tucker et al. 2017): x = phi + noise(u), b = H(x), x~ = the conditional noise given b
     from an independent v, y = relax_tau(x), y~ = relax_tau(x~),
       g = [f(b) - eta f(y~)] s(b) + eta grad_phi f(y) - eta grad_phi f(y~),
     the last term through x~(phi, b, v) with b, v fixed. eta = cfg.eta (default 1), tau = cfg.tau
     (default 0.5). Cost: 1 f + 2 f_grad per draw.
   DG_RELAX (Grathwohl et al. 2018): the same with the surrogate
       c(x) = eta f(relax_tau(x)) + r(relax_tau(x)),
       r(y) = b2 + sum_h w2_h tanh(b1_h + W1_h.y / sqrt(n)),
     DG_RELAX_HIDDEN tanh units on the relaxed input (n = D or D*K). The net starts with w2 = b2 = 0
     (RELAX starts as REBAR) and W1 uniform in (-1, 1) from (seed, stream). The net assumes one
     problem shape per estimator. Cost: 1 f + 2 f_grad per draw.

   Tuning (cfg.tune != 0) updates the parameters at each dg_commit from the draws told since the
   last one (dg_estimate commits after each call), so an estimate uses only what committed draws
   taught and stays unbiased. Every parameter descends the single-draw E||g||^2 (its mean E g does not depend on them, so this is the variance):
     eta, REBAR: g = a - eta c is affine in eta, so eta* = E[a.c]/E[c.c]; both are tracked as
       averages over calls with decay 0.999 and eta jumps to their ratio once 20 draws were seen.
     eta, RELAX, and the net: Adam (lr cfg.lr, default 0.01, betas 0.9 and 0.999) on the exact
       gradient 2 (dg/dpsi)^T g; the mixed derivative of the net (d/dpsi of the directional
       derivative of r along (dx/dphi) g) is written out by hand, so it costs no calls.
     log tau, both: Adam on a common-random-numbers central difference of ||g||^2 in log tau,
       step 0.05, which recomputes g at tau e^(+-0.05) with the same u, v (the exact derivative
       would need the Hessian of f): 4 more f_grad calls per draw. tau stays in [0.01, 10] and
       eta in [-100, 100].
     So with tuning a draw costs 1 f + 6 f_grad. dg_info reports eta and tau used by the call and
     surrogate_loss = the mean over the call's draws of ||g||^2.
   Memory: the net's first layer, its two Adam moments and its pending gradient take
   4 DG_RELAX_HIDDEN n reals of the estimator's memory (n the problem's logits), and tuning
   uses DG_RELAX_HIDDEN more scratch vectors; the net is started when the estimator first meets
   a problem of n logits, and a problem of another size starts RELAX's learned state afresh.
   Stack: a few arrays of DG_RELAX_HIDDEN reals. */

/* The weights of DG_RELAX's surrogate net, r(y) = b2 + w2 . tanh(b1 + W1 y / sqrt(n)). */
typedef struct dg_relax_net {
    dg_real b2;
    dg_real w2[DG_RELAX_HIDDEN];
    dg_real b1[DG_RELAX_HIDDEN];    /* W1 (DG_RELAX_HIDDEN x n) is in the estimator's memory */
} dg_relax_net;

/* Running state of the control-variate estimators (owned by the estimator). */
typedef struct dg_cv_state {
    dg_real eta;                    /* current eta */
    dg_real log_tau;                /* current log tau */
    long tune_steps;                /* tuning updates made (Adam's step count) */
    long tune_draws;                /* draws seen by tuning */
    dg_real avg_ac, avg_cc;         /* REBAR: running averages of a.c and c.c (decay 0.999) */
    dg_real beta1_pow, beta2_pow;   /* Adam: beta1^t and beta2^t for the bias corrections */
    dg_real m_eta, v_eta;           /* Adam moments of eta (RELAX) */
    dg_real m_log_tau, v_log_tau;   /* Adam moments of log tau */
    dg_relax_net net;               /* RELAX: the surrogate's net */
    dg_relax_net net_m, net_v;      /* RELAX: its Adam moments */
} dg_cv_state;

/* What the draws told since the last dg_commit add to the learned state (owned by the
   estimator; the arrays of the optimal baseline and RELAX's net live in its memory). */
typedef struct dg_pending {
    int n;                          /* logits of the problems told; tells 0: nothing pending */
    long tells, draws;
    dg_real f_mean;                 /* DG_BASELINE_EMA: the mean of f over the draws */
    long sig_n;                     /* DG_BASELINE_INPUT, normalize: pooled moments of f - b(x) */
    dg_real sig_mean, sig_var;
    long tune_draws;                /* REBAR/RELAX tuning: draws, and their gradients summed */
    int tune_bad;                   /* a gradient was not finite: the step is skipped */
    dg_real d_log_tau, d_eta, sum_ac, sum_cc, d_b2;
    dg_real d_w2[DG_RELAX_HIDDEN], d_b1[DG_RELAX_HIDDEN];
} dg_pending;

/* Scratch vectors of n reals every estimator has in its memory (RELAX: DG_RELAX_HIDDEN more). */
#define DG__NWORK_BASE 10
#define DG__MAX2(a, b) ((a) > (b) ? (a) : (b))

/* An upper bound of dg_estimator_reals for any baseline, tuning and samples, as a constant
   expression for static arrays: method, n = D (Bernoulli) or D*K (categorical) logits, K
   classes (1 for Bernoulli). 0 for DG_EXACT, which needs no memory. DG_VIMCO's one value per
   sample is counted at DG_MAX_SAMPLES, the M (n + M + 8) values of DG_UNORDERED_SET and
   DG_SUM_AND_SAMPLE at M = DG_MAX_SET (dg_estimator_reals gives their exact need). */
#define DG_ESTIMATOR_REALS(method, n, K)                                                        \
    ((method) == DG_EXACT ? (size_t)0                                                           \
     : (size_t)(n) * (size_t)(7 + DG__NWORK_BASE + ((method) == DG_RELAX ? 5 * DG_RELAX_HIDDEN : 0) + \
                              2 * (1 + DG__MAX2(7, (K)))) +                                     \
           (size_t)(2 * DG__MAX2(7, (K)) + 4) +                                                 \
           (size_t)((method) == DG_VIMCO ? DG_MAX_SAMPLES : 0) +                                \
           ((method) == DG_UNORDERED_SET || (method) == DG_SUM_AND_SAMPLE                       \
                ? (size_t)DG_MAX_SET * ((size_t)(n) + DG_MAX_SET + 8) : (size_t)0))

/* An upper bound of dg_draw_reals (every method but DG_EXACT, whose draw holds its 2^D or K^D
   configurations), as a constant expression: n logits per example, K classes (1 for Bernoulli),
   cfg.samples, examples in the batch. DG_INDECATER's draw holds 1 + D (K - 1) <= 1 + n points
   per sample, so its bound grows as samples * n^2. */
#define DG_DRAW_REALS(method, n, K, samples, batch)                                             \
    ((size_t)(batch) * ((size_t)(n) * (4 + (size_t)(samples) * (2 + DG__MAX2(7, (K)))) +         \
                        (size_t)(samples) * (size_t)((K) + 1) +                                  \
                        ((method) == DG_INDECATER ? (size_t)(samples) * (size_t)(n) * (size_t)(n) \
                                                  : (size_t)0)))

/* The estimator: configuration, rng, the scalars of the learned state, and the caller's memory
   for its vectors (stb_rect_pack's model: the caller owns every byte, sized by
   dg_estimator_reals or DG_ESTIMATOR_REALS). Initialise with dg_init; treat the fields as
   private. Copying the struct does not copy the memory: two copies share it. */
typedef struct dg_estimator {
    dg_config cfg;                  /* with the defaults filled in */
    dg_rng rng;
    uint64_t id;                    /* names the estimator to its draws */
    uint64_t asked;                 /* draws asked: the next draw's ticket */
    long steps;                     /* successful estimates (dg_estimate or dg_tell) */
    long commits;                   /* commits that folded something in */
    dg_sf_state sf;
    dg_cv_state cv;
    int net_n;                      /* RELAX: logits its net was started for, 0 = none */
    dg_pending pend;
    dg_real *mem;                   /* the caller's memory, mem_count reals */
    size_t mem_count;
} dg_estimator;

/* What one dg_estimate call did. */
typedef struct dg_info {
    dg_real f_mean;             /* mean of the f values evaluated at discrete samples
                                   (DG_UNORDERED_SET, DG_SUM_AND_SAMPLE: their unbiased
                                   estimate of E_q f, a weighted sum of those values) */
    int f_evals;                /* calls of f */
    int grad_evals;             /* calls of f_grad */
    dg_real learning_signal;    /* REINFORCE: f_mean - baseline, before any normalisation; for
                                   DG_BASELINE_INPUT the mean of f - b(x), to fit b(x) by */
    dg_real baseline;           /* the baseline used for this call, averaged over draws (and,
                                   for DG_BASELINE_OPTIMAL, coordinates); DG_BASELINE_CV: mean
                                   b(z); RLOO: f_mean (the mean of the leave-one-out means);
                                   DG_UNORDERED_SET: the mean of its b_s; 0 for methods
                                   without one (ARM, DisARM, DG_SUM_AND_SAMPLE) */
    dg_real eta, tau;           /* REBAR/RELAX: the values used for this call */
    dg_real surrogate_loss;     /* REBAR/RELAX: mean over the call's draws of a single draw's
                                   squared norm ||g||^2, which tuning lowers */
    dg_real bound;              /* DG_VIMCO: the multi-sample bound L = log (1/K) sum_k exp(l_k)
                                   of the call's K draws, a stochastic lower bound of log p(x);
                                   its baseline is the mean of the Lhat_k, its learning_signal
                                   L - baseline. 0 for other methods */
} dg_info;

/* The dg_real values of memory an estimator with configuration cfg needs for problems of the
   shape of p (its kind, D and K are read; nothing else). The count grows linearly with the
   problem's n logits: 12 to 16 n for the score family and the relaxations, 18 n for REBAR and
   18 n + 5 DG_RELAX_HIDDEN n for RELAX (8 n more with cfg.tune), about (10 + K) n for
   categorical ARM; 0 for DG_EXACT. It covers one sample at a time, so
   cfg.samples does not enter (but for DG_VIMCO, which keeps one value per sample: 12 n +
   cfg.samples; and for DG_UNORDERED_SET and DG_SUM_AND_SAMPLE, whose M = min(cfg.samples,
   configurations) points are one draw: about 12 n + M (n + M + 8)): a dg_estimate call of M
   samples runs them one after the other.
   Returns 0 for a cfg dg_init would refuse or a malformed shape (DG_EXACT needs 0 too).
   DG_ESTIMATOR_REALS(method, n, K) is an upper bound as a constant expression. */
DGDEF size_t dg_estimator_reals(const dg_config *cfg, const dg_problem *shape);

/* Initialises e from cfg, filling in defaults and seeding the rng from cfg->seed, cfg->stream.
   Parameters:
     e       the estimator (a small struct: a local, a static or part of the caller's own).
     cfg     the configuration; zero-initialised fields mean the defaults.
     memory  count dg_real values the caller owns for as long as e is used (NULL with count 0
             is valid for DG_EXACT); their contents before the call do not matter.
     count   at least dg_estimator_reals(cfg, p) for every problem p the estimator serves; a
             call with a larger problem returns DG_ECAPACITY.
   Return value: DG_OK; DG_EINVAL for NULL e or cfg, memory NULL with count > 0, an unknown
     method or baseline, samples < 0, RLOO or VIMCO with an explicit samples < 2, tau < 0, NaN, infinite
     or subnormal (1/tau overflows), REINMAX with tau in (0, 1), ema_decay outside [0,1), eta or lr not finite, lr < 0;
     DG_ECAPACITY for samples > DG_MAX_SAMPLES (DG_MAX_SET for DG_UNORDERED_SET and
     DG_SUM_AND_SAMPLE); DG_EUNSUPPORTED for a method this build leaves out (DG_METHODS).
     e is untouched on error. */
DGDEF int dg_init(dg_estimator *e, const dg_config *cfg, dg_real *memory, size_t count);

/* Writes an estimate of grad_phi E_q[f(z)] (same shape as p->logits) to grad: dg_ask, the
   callbacks at every point, dg_tell and dg_commit in one call, one sample at a time.
   Parameters:
     e     an estimator set up by dg_init; its rng and learned state advance.
     p     the problem (batch 0 or 1), with f, and f_grad for the methods that need it;
           validated in full before anything is evaluated.
     grad  D or D*K values, written only on success.
     info  optional (may be NULL): evaluation counts and what was used, written only on success.
   Return value: DG_OK; DG_EINVAL (NULL, kind, D or K out of range, batch > 1; DG_BASELINE_CV
     without problem.cv and problem.cv_mean_grad); DG_ECAPACITY (K > DG_MAX_K, or more memory
     than dg_init was given); DG_EDOMAIN (a logit not finite, or f, f_grad or a baseline callback
     returned a value that is not finite, or finite values overflowed the estimate or the
     learned state); DG_ENEEDGRAD; DG_EUNSUPPORTED (method not available for this kind, e.g.
     DG_DISARM on categorical variables); DG_ESTATE (draws of another problem size told through
     dg_tell and not yet committed, with learned arrays).
   Remarks: on error grad, info and the learned state are untouched (the rng may have advanced).
     The commit at the end folds in whatever dg_tell left pending too. Cost and bias of each
     method: see the estimator table at the top of the file and the notes beside dg_method and
     dg_baseline. Gives the same bits as dg_ask, f at every point, dg_tell and dg_commit. */
DGDEF int dg_estimate(dg_estimator *e, const dg_problem *p, dg_real *grad, dg_info *info);

/* ---------------------------------------------------------------------------------------------
   Two phases: ask, tell, commit

   dg_estimate calls f itself. When the caller evaluates the objective -- later (the return of
   an RL step is known at the end of its episode, a game's reward on the next frame), all at
   once (a network over a whole batch), elsewhere (another thread or language) -- it splits the
   call in three:
     dg_ask     draws the noise and writes into the caller's memory the points at which the
                objective is needed: one draw, for one problem or a batch of them. Each point
                needs its value, or its value and df/dz (dg_point_needs).
     dg_tell    takes the values (and gradients) at those points and writes the estimate. It
                reads the learned state but does not change it: what the draw teaches (the EMA
                baseline's average, the optimal baseline's sums, NVIL's normalisation, REBAR's
                and RELAX's eta, tau and net) waits for ...
     dg_commit  which folds everything told since the last commit into the learned state.
   Any number of draws may be outstanding, told in any order, each at most once.
   Why commit is separate: a baseline is unbiased only if it does not depend on the sample it
   is subtracted from. The steps of one episode are not independent -- the return of step t
   depends on the actions after it -- so a baseline updated between the steps of an episode
   (committing after each tell) averages returns that depend on the action it is then
   subtracted from, and the gradient is biased. Commit once per episode (or batch): every
   estimate of the episode then uses only what earlier episodes taught.

   Points: draw.points holds batch * per_example points of n values (n = D or D*K), example b's
   point j at points + (b * per_example + j) * n; values has batch * per_example entries in the
   same order and grads (when a point needs it) batch * per_example * n. Points that need nothing
   (categorical ARM's unused swap slots) hold a valid sample and their values are ignored.
   A draw's memory (dg_draw_reals) holds the points, a copy of the logits, the noise the tell
   needs, and the estimate while it is formed; the draw is hashed at dg_ask, so changing a point
   or the noise, telling it twice, or to another estimator returns DG_ESTATE: values can only be
   paired with the samples the library drew.

   Example (REINFORCE with an EMA baseline, one commit per episode):
       dg_real mem[DG_ESTIMATOR_REALS(DG_REINFORCE, 4, 1)], dmem[T][DG_DRAW_REALS(DG_REINFORCE, 4, 1, 1, 1)];
       dg_draw d[T];
       dg_init(&e, &cfg, mem, sizeof mem / sizeof *mem);
       for (t = 0; t < T; ++t) {                 // the episode: act with the drawn sample
           dg_ask(&e, &p[t], &d[t], dmem[t], sizeof dmem[t] / sizeof *dmem[t]);
           act(d[t].points);
       }
       for (t = 0; t < T; ++t) dg_tell(&e, &d[t], &p[t], &ret[t], NULL, grad[t], NULL);
       dg_commit(&e);
   ------------------------------------------------------------------------------------------- */
enum { DG_NEED_NONE = 0, DG_NEED_VALUE = 1, DG_NEED_GRAD = 2 };

/* One draw: the points to evaluate (read them; write nothing), and what its tell needs. */
typedef struct dg_draw {
    const dg_real *points;      /* batch * per_example * n values */
    int batch;                  /* examples */
    int per_example;            /* points per example */
    int n;                      /* values per point: the logits of one example */
    int needs_grad;             /* nonzero when some points need df/dz (see dg_point_needs) */
    /* private */
    uint64_t owner_, ticket_, sum_;
    int told_, kind_, D_, K_, P0_, Ps_, M_, method_, tune_;
    long Q0_, Qs_;
    dg_real tau_;
    dg_real *mem_;
} dg_draw;

/* The dg_real values of memory dg_ask needs for a draw of problem p (with its batch) from e:
   batch * ((points per example + 2) n + the stored noise (+ cfg.samples for DG_VIMCO's
   weights; DG_UNORDERED_SET and DG_SUM_AND_SAMPLE: M D classes and M weights for their M
   points)). 0 for invalid arguments, or for a count too large for a size_t (DG_INDECATER's
   draws grow as samples * D * K * n).
   DG_DRAW_REALS(method, n, K, samples, batch) is an upper bound as a constant expression. */
DGDEF size_t dg_draw_reals(const dg_estimator *e, const dg_problem *p);

/* Draws the noise for problem p (batch examples) and writes the points of draw d into memory.
   Parameters:
     e       the estimator; its rng advances (draws are numbered, so the order of dg_ask calls
             fixes the numbers), its learned state does not change. Its memory is scratch.
     p       the problem: kind, D, K, logits (copied into the draw), batch. f and f_grad are not
             used and may be NULL.
     d       receives the draw (caller-owned, any contents before).
     memory  count >= dg_draw_reals(e, p) dg_real values, owned by the caller until the tell.
   Return value: DG_OK; DG_EINVAL (NULL, kind, D, K out of range); DG_ECAPACITY (count or the
     estimator's memory too small, K > DG_MAX_K, DG_EXACT beyond DG_MAX_ENUM configurations or
     DG_EXACT_MAX_DIM logits); DG_EDOMAIN (a logit not finite); DG_EUNSUPPORTED. Nothing is
     written and the rng does not move on error.
   Remarks: the same rng draws as dg_estimate: B draws asked then told give the bits of B
     dg_estimate calls (when nothing is committed in between to change a baseline). */
DGDEF int dg_ask(dg_estimator *e, const dg_problem *p, dg_draw *d, dg_real *memory, size_t count);

/* What point j of example b of d needs: DG_NEED_VALUE (f), DG_NEED_GRAD (f and df/dz) or
   DG_NEED_NONE. DG_EINVAL (negative) for NULL d or an index out of range. */
DGDEF int dg_point_needs(const dg_draw *d, int example, int j);

/* Combines the caller's values (and gradients) at the points of draw d into the estimate.
   Parameters:
     e       the estimator that asked d.
     d       the draw; it can be told once.
     p       optional (may be NULL): the problem asked, for the baselines that read its extras
             (required for DG_BASELINE_INPUT: baseline_input or baseline_inputs; and
             DG_BASELINE_CV: cv, cv_mean_grad, called here). When given, its shape and logits
             must be the ones asked, bit for bit.
     values  batch * per_example values; those of DG_NEED_NONE points are ignored.
     grads   batch * per_example * n values (df/dz at each point that needs it), or NULL when
             d.needs_grad is 0.
     grad    batch * n values: each example's estimate, written only on success.
     info    optional: as for dg_estimate, averaged over the examples; f_evals and grad_evals
             count the points that needed values and gradients.
   Return value: DG_OK; DG_EINVAL (NULL e, d, values or grad; no p for DG_BASELINE_INPUT or
     DG_BASELINE_CV, or p without cv); DG_ESTATE (d told already, asked by another estimator or
     before its dg_init, its points or noise changed, p not the problem asked, the estimator's
     method, samples or tuning changed, or learned arrays of another problem size pending);
     DG_ENEEDGRAD (grads NULL when needed); DG_EDOMAIN (a needed value or gradient not finite,
     or finite values overflowed the estimate or what the commit would fold in); DG_ECAPACITY
     (the estimator's memory too small). On error nothing is written, the draw can still be
     told, and the estimator is unchanged.
   Remarks: pure with respect to the learned state (see dg_commit). The examples of a batch are
     told in order, each as dg_estimate would. */
DGDEF int dg_tell(dg_estimator *e, dg_draw *d, const dg_problem *p, const dg_real *values,
                  const dg_real *grads, dg_real *grad, dg_info *info);

/* Folds what the draws told since the last commit teach into the learned state: the EMA
   baseline moves once by the mean f of those draws, the optimal baseline's sums decay once by
   cfg.ema_decay and add theirs, NVIL's normalisation takes their pooled moments, REBAR and RELAX
   take one tuning step on the mean over them. Nothing pending: nothing changes. Returns DG_OK,
   or DG_EINVAL for NULL. */
DGDEF int dg_commit(dg_estimator *e);

/* The exact gradient by enumerating all 2^D (Bernoulli) or K^D (categorical) configurations:
   grad = sum_z q(z) f(z) (z - E_q z). When value is not NULL it receives E_q[f(z)].
   Returns DG_OK; DG_EINVAL, DG_EDOMAIN as dg_estimate; DG_ECAPACITY when the number of
   configurations exceeds DG_MAX_ENUM or the logits exceed DG_EXACT_MAX_DIM. Cost: one f call
   per configuration. grad and value untouched on error. Stack: 2 * DG_EXACT_MAX_DIM scalars
   and 2 * DG_EXACT_MAX_DIM long doubles. */
DGDEF int dg_exact(const dg_problem *p, dg_real *grad, dg_real *value);

/* ---------------------------------------------------------------------------------------------
   Sampling without replacement: beam search and the unordered set's probabilities

   The samplers and the set probabilities that DG_UNORDERED_SET and DG_SUM_AND_SAMPLE are built
   on, for callers who sample or weigh sets themselves. A Bernoulli variable is the two classes
   0 and 1 (probabilities sigmoid(-phi), sigmoid(phi)), as in dg_exact.
   ------------------------------------------------------------------------------------------- */

/* The dg_real values of work dg_beam_search needs for k beams over D variables. */
#define DG_BEAM_WORK_REALS(D, k) ((size_t)(k) * ((size_t)(D) + 5))

/* Beam search over the D independent variables of p (kind, D, K, logits; f is not used), one
   variable at a time, keeping the k best partial configurations by their keys.
   Stochastic (r not NULL): stochastic beam search (Kool, van Hoof & Welling 2019, algorithm 1):
     the root's key is a Gumbel(0,1); each kept partial configuration y with key G_y and
     log-probability phi_y gives its children y+c the keys of Gumbel(phi_y + log q_d(c)) draws
     conditioned on their maximum being G_y: with G~_c those draws and Z their maximum,
     G_{y+c} = -log(exp(-G_y) - exp(-Z) + exp(-G~_c)), computed in the stable form of the
     paper's appendix. The k leaves are k distinct configurations drawn without replacement from
     q (the Gumbel-top-k of all configurations), in the order sequential sampling would draw
     them, and their keys the k largest perturbed log-probabilities log q(z) + g_z.
   Deterministic (r NULL): the keys are the log-probabilities, and since the variables are
     independent the k leaves are exactly the k most probable configurations (a prefix of one of
     them is among the k most probable prefixes), most probable first; ties keep lower classes
     of earlier variables first.
   Parameters:
     points     k configurations of n = D or D*K values, as f takes them (bits, one-hot rows).
     log_probs  optional (may be NULL): log q(z) of each, k values.
     keys       optional (may be NULL): their keys, k values.
     work       count >= DG_BEAM_WORK_REALS(D, min(k, configurations)) values of scratch.
   Return value: the number of configurations written, min(k, K^D or 2^D), >= 1; or DG_EINVAL
     (p, points or work NULL, p's shape or batch invalid, k < 1); DG_ECAPACITY (K > DG_MAX_K,
     k > DG_MAX_SAMPLES, count too small); DG_EDOMAIN (a logit not finite). Outputs untouched on
     error; the rng moves only on success.
   Cost: O(D k C log k) for C classes, D k C Gumbels when stochastic (plus one for the root).
   Stack: 2 DG_MAX_K reals. */
DGDEF int dg_beam_search(dg_rng *r, const dg_problem *p, int k, dg_real *points,
                         dg_real *log_probs, dg_real *keys, dg_real *work, size_t count);

/* How dg_set_ratios computes: the exact sum over subsets (k <= 8), the integral, or whichever
   DG_UNORDERED_SET would use (exact for k <= 8, else the integral). */
enum { DG_SET_AUTO = 0, DG_SET_EXACT = 1, DG_SET_INTEGRAL = 2 };

/* The leave-one-out ratios of the unordered set estimator (Kool, van Hoof & Welling 2020) for a
   set S of k distinct outcomes of a distribution with probabilities p_s = exp(log_p[s]) (the
   rest of the domain has the probability r = 1 - sum_s p_s). With P^{D\T}(A) the probability
   that |A| draws without replacement from the domain less T give the set A:
     log_r1[s]         = log P^{D\s}(S\s) - log P(S)                       (k values)
     log_r2[s k + s']  = log P^{D\{s,s'}}(S\{s,s'}) - log P^{D\s}(S\s),  0 for s' = s  (k*k)
   Two ways, which tests/test_swor.c checks against each other and against the definition (a sum
   over orderings):
   DG_SET_EXACT  P^{D\T}(S\T) = W(S\T) for every subset A of S, W(empty) = 1,
     W(A) = sum_{a in A} p_a W(A\a) / (r + p(A)), in log space: 2^k k terms, k <= 8.
   DG_SET_INTEGRAL  the exponential race of the paper's appendix: with independent arrival times
     Exp(p_i), S\T arrives before everything outside S, whatever T (removing T rescales time
     alone), so P^{D\T}(S\T) = int_0^inf r e^(-r t) prod_{i in S\T} (1 - e^(-p_i t)) dt. The
     integral is taken over x = log t by the trapezoid rule with step 1/5 on a range that holds
     all but e^-40 of it (up to about 300 points; the integrand is smooth and doubly
     exponentially small at both ends, so the rule converges geometrically: it agrees with
     DG_SET_EXACT to about 1e-12 in double, to float's rounding in float).
   A set whose outside probability r is at most 8 k epsilon is complete: every ratio is 1 (log
   0), its limit as r -> 0.
   Parameters: log_p finite, sum_s p_s <= 1 + 8 k epsilon; method DG_SET_*; log_r2 may be NULL.
   Return value: DG_OK; DG_EINVAL (log_p or log_r1 NULL, k < 1, unknown method); DG_ECAPACITY
     (k > DG_MAX_SET, DG_SET_EXACT with k > 8); DG_EDOMAIN (a log_p not finite, or the
     probabilities sum above 1). Outputs untouched on error.
   Cost: DG_SET_EXACT 2^k k exps; DG_SET_INTEGRAL about 300 k^2 (log_r2) or 300 k (log_r1 only)
   exps and logs. Stack: 4 DG_MAX_SET + 2^8 reals. */
DGDEF int dg_set_ratios(const dg_real *log_p, int k, int method, dg_real *log_r1, dg_real *log_r2);

/* ---------------------------------------------------------------------------------------------
   Relaxations: DG_GUMBEL_SOFTMAX, DG_STRAIGHT_THROUGH, DG_GUMBEL_RAO

   All three need problem.f_grad and use the temperature cfg.tau (default 1; dg_init rejects a
   negative, NaN or infinite tau, and 0 means the default). With x = phi + noise (standard
   logistic noise per Bernoulli variable, standard Gumbel noise per categorical logit),
   soft(x) = sigmoid(x / tau) per bit or softmax(x / tau) per row, H(x) = 1[x > 0] per bit or the
   one-hot argmax per row (a draw from q), and J(x) = d soft / d x (block diagonal):

   DG_GUMBEL_SOFTMAX  Gumbel-softmax / Concrete (Jang et al. 2017; Maddison et al. 2017), binary
     Concrete for Bernoulli variables:  g = J(x)^T grad f(soft(x)),  averaged over cfg.samples
     independent x. f_grad is called at relaxed points (inside the cube, on the simplex), so f
     must be meaningful there.
     Bias: unbiased for the gradient of the relaxed objective E f(soft(x)), biased for E_q f(z);
       the bias vanishes as tau -> 0; at large tau soft(x) flattens towards the centre of the
       cube or simplex and the estimate shrinks towards zero, so the bias approaches the size of
       the gradient itself.
     Variance: grows as tau falls, roughly like 1/tau: J is of size 1/tau on a band of width
       about tau around the decision boundaries. Averaging samples divides it by cfg.samples.
     Cost: cfg.samples f_grad calls. info.f_mean is the mean of f at the relaxed samples.

   DG_STRAIGHT_THROUGH  straight-through Gumbel-softmax (Jang et al. 2017, sec. 2.2), and its
     binary form: the forward pass sees the discrete sample, the backward pass the relaxation's
     Jacobian:  g = J(x)^T grad f(H(x)),  averaged over cfg.samples independent x. f_grad is
     called only at vertices (bits, one-hot rows).
     Bias: biased at every tau, and the bias does not vanish as tau -> 0 unless f is linear in z
       (then its mean equals Gumbel-softmax's, hence tends to the exact gradient); it comes from
       using grad f at the vertex where the relaxed objective would use it between vertices.
     Variance: grows as tau falls, roughly like 1/tau, as for Gumbel-softmax.
     Cost: cfg.samples f_grad calls. info.f_mean is the mean of f at the discrete samples.

   DG_GUMBEL_RAO  Gumbel-Rao (Paulus et al. 2021): one discrete sample b = H(x), then
     S = cfg.samples draws x~_s of the noise conditioned on H(x~_s) = b (dg_logistic_given_bit,
     dg_gumbel_given_argmax):  g = (1/S) sum_s J(x~_s)^T grad f(b).
     Bias: exactly straight-through's mean, at every tau and S.
     Variance: never above straight-through's (it Rao-Blackwellises the noise given b; S = 1 is
       straight-through in distribution); it falls with S towards Var_b of E[g | b], the part
       due to b, which no S removes. Grows as tau falls like straight-through's.
     Cost: one f_grad call per dg_estimate call, whatever S (grad f(b) is computed once), plus
       O(S * n) arithmetic. To average several discrete samples, average several calls.
     info.f_mean is f(b).

   DG_REINMAX  ReinMax (Liu, Dong, Liu, Yu & Gao, NeurIPS 2023, "Bridging Discrete and
     Backpropagation: Straight-Through and Beyond"): straight-through's cost with a second-order
     correction. Per draw a discrete sample b ~ q (drawn from pi directly, no relaxation noise),
     g = grad f(b), and with pi = softmax(phi), pi_tau = softmax(phi / tau), pbar = (pi_tau + b)/2
     and J(p)^T g = p (g - <p, g>) per row,
         estimate = 2 J(pbar)^T g - 1/2 J(pi)^T g,
     averaged over cfg.samples draws. A Bernoulli variable is the 2-class softmax over (0, phi):
     with p = sigmoid(phi) and pbar = (sigmoid(phi / tau) + b)/2 the estimate per bit is
       (2 pbar (1 - pbar) - 1/2 p (1 - p)) df/db.
     Where it comes from: the exact gradient is J(pi)^T F, F_i = f(e_i); ReinMax replaces each
     difference f(e_i) - f(e_j) by Heun's rule 1/2 (grad f(e_i) + grad f(e_j)) . (e_i - e_j)
     (straight-through is the Euler rule, grad f(e_j) . (e_i - e_j)); at tau = 1 the mean over
     b of the estimate is exactly the gradient that follows from those differences.
     Bias: at tau = 1 unbiased for every f quadratic in each variable's z (f(z) = z^T A z + c^T z,
       any A: the trapezoid rule is exact on quadratics), where straight-through is not; biased
       otherwise (e.g. for (w . z)^3), and at every tau != 1.
     tau: at least 1 (dg_init and dg_set_tau return DG_EINVAL below 1), as the authors' package
       requires. The reason is in the formula: as tau -> 0, pi_tau becomes the one-hot mode of q,
       so when b is the mode pbar = b, J(pbar) = 0 and the estimate is -1/2 J(pi)^T g, minus half
       of straight-through's: the mean turns away from the gradient (cosine -0.5 to -0.8 against
       the exact gradient at tau <= 0.1 on quadratic, cubic and exponential f of one 4-class
       variable), and no tau below 1 is safe for every f. Above 1 pi_tau flattens towards the
       uniform and the mean shrinks and tilts (cosine >= 0.83 up to tau = 100 there) but does
       not turn.
     Variance: bounded for every tau (pbar stays on the simplex, no 1/tau factor); the signal is
       df/dz at one vertex, not a difference of f, so on the one-bit toy f(b) = (b - 0.45)^2 at
       p = 1/2 it is 0.0625, four times REINFORCE's (docs/math.md).
     Cost: cfg.samples f_grad calls, each at a discrete sample. info.f_mean is the mean of f
       there; info.tau the temperature.
     Differences from the authors' code (reinmax.py): no output y_soft = pi and no gradient
       through it (f sees only the sample); no final subtraction of the row mean (each J^T g row
       sums to 0 already); the Bernoulli form above.

   info.tau receives the temperature used. Each method but REINMAX draws, per call, exactly the
   noise that dg_relaxed_grad_at takes, in its layout (REINMAX draws one uniform per variable, as
   the score-function methods do, and dg_relaxed_grad_at does not serve it). Stack: a few
   scalars (the scratch vectors live in the estimator).
   ------------------------------------------------------------------------------------------- */

/* The gradient a relaxation estimator computes, at noise given by the caller instead of drawn
   from its rng: for common random numbers across calls, reproducing a draw, or checking the
   pathwise derivative against finite differences.
   Parameters:
     e           set up by dg_init with DG_GUMBEL_SOFTMAX, DG_STRAIGHT_THROUGH or DG_GUMBEL_RAO;
                 its method, tau and samples (S) are used. Only its scratch space is written: the
                 rng, the step count and the configuration are unchanged.
     p           the problem, with f_grad; n = D (Bernoulli) or D*K (categorical) logits.
     noise       finite values, x = phi + noise: standard logistic per Bernoulli variable,
                 standard Gumbel per categorical logit. GUMBEL_SOFTMAX and STRAIGHT_THROUGH:
                 S * n values, draw s at noise + s*n. GUMBEL_RAO: n values, the draw whose
                 H(x) is the discrete sample.
     cond_noise  GUMBEL_RAO only (ignored otherwise, may be NULL): S * n values, draw s at
                 cond_noise + s*n: per Bernoulli variable a uniform v in (0,1), per categorical
                 logit an Exp(1) value E > 0, turned into x~ exactly as dg_logistic_given_bit_at
                 and dg_gumbel_given_argmax_at do.
     grad        n values, written only on success.
     info        optional (may be NULL), as for dg_estimate; written only on success.
   Return value: DG_OK; DG_EINVAL (NULL e, p, noise, grad, or cond_noise for GUMBEL_RAO; e's
     method not one of the three; a conditional noise value out of range); the problem errors of
     dg_estimate (DG_ENEEDGRAD without f_grad); DG_EDOMAIN (a noise value not finite, f_grad
     returned a value that is not finite, or finite values overflowed the gradient).
   Remarks: dg_estimate with these methods draws its noise in exactly this layout -- noise first
     (dg_logistic or dg_gumbel, coordinate by coordinate, draw by draw), then for GUMBEL_RAO the
     conditional noise (dg_uniform or dg_exponential) -- and computes the same expression, so
     the same draws give bit-identical results. Everything is validated before f_grad is called.
     Cost: as dg_estimate with the same configuration. */
DGDEF int dg_relaxed_grad_at(dg_estimator *e, const dg_problem *p, const dg_real *noise,
                             const dg_real *cond_noise, dg_real *grad, dg_info *info);

/* Temperature annealing (Jang et al. 2017, sec. 4):  *tau = max(tau_min, tau0 exp(-rate step)).
   Jang et al. used tau0 = 1, tau_min = 0.5 and rate in {1e-5, 1e-4} per global training step,
   updating tau every N in {500, 1000} steps: pass step - step % N for that.
   Returns DG_OK; DG_EINVAL (tau NULL, tau0 or tau_min not > 0, tau_min subnormal, rate < 0,
   step < 0, a value not finite); *tau untouched on error. */
DGDEF int dg_tau_schedule(dg_real tau0, dg_real tau_min, dg_real rate, long step, dg_real *tau);

/* Sets the temperature of a DG_GUMBEL_SOFTMAX, DG_STRAIGHT_THROUGH, DG_GUMBEL_RAO or DG_REINMAX
   estimator (e.g. from dg_tau_schedule) without touching its rng. Returns DG_OK; DG_EINVAL (e
   NULL, tau not > 0, not finite or subnormal; REINMAX: tau < 1); DG_EUNSUPPORTED for the other
   methods. e is untouched on error. */
DGDEF int dg_set_tau(dg_estimator *e, dg_real tau);

/* ---------------------------------------------------------------------------------------------
   Running per-coordinate mean and variance (Welford, accumulated in double)
   ------------------------------------------------------------------------------------------- */
typedef struct dg_stats {
    int n;                      /* coordinates */
    long count;                 /* vectors pushed */
    double mean[DG_MAX_DIM];
    double m2[DG_MAX_DIM];
} dg_stats;

/* Starts empty statistics of n coordinates. DG_EINVAL (NULL, n < 1), DG_ECAPACITY (n > DG_MAX_DIM). */
DGDEF int dg_stats_init(dg_stats *s, int n);
/* Adds one vector of s->n values. DG_EINVAL (NULL), DG_EDOMAIN (a value not finite, or finite
   values that overflow the running mean or variance; s unchanged). */
DGDEF int dg_stats_push(dg_stats *s, const dg_real *x);
/* Coordinate i's mean, sample variance (n - 1 denominator) and standard error of the mean.
   Return 0 for an empty s (variance and error need two vectors) or i out of range. */
DGDEF double dg_stats_mean(const dg_stats *s, int i);
DGDEF double dg_stats_var(const dg_stats *s, int i);
DGDEF double dg_stats_sem(const dg_stats *s, int i);

#ifdef __cplusplus
}
#endif

#endif /* DISCGRAD_H */

/* =============================================================================================
   IMPLEMENTATION
   ============================================================================================= */
#ifdef DISCGRAD_IMPLEMENTATION
#ifndef DISCGRAD_IMPLEMENTATION_DONE
#define DISCGRAD_IMPLEMENTATION_DONE

/* The implementation needs IEEE arithmetic as C specifies it: its input checks find NaN and inf
   by arithmetic (x - x), which -ffinite-math-only folds away, and its math kernels round through
   (x + 1.5 * 2^52) - 1.5 * 2^52, which -fassociative-math folds to x. Only the file that defines
   DISCGRAD_IMPLEMENTATION needs the flags; the others may include the header under any. */
#if defined(__FAST_MATH__) || (defined(__FINITE_MATH_ONLY__) && __FINITE_MATH_ONLY__) || \
    defined(__ASSOCIATIVE_MATH__) || defined(_M_FP_FAST)
#error "discgrad.h: the implementation does not support -ffast-math, -Ofast, -ffinite-math-only, -fassociative-math or /fp:fast (NaN checks and rounding steps would be optimised away). Compile the file that defines DISCGRAD_IMPLEMENTATION without them (e.g. add -fno-fast-math last); other files may keep them."
#endif

#include <math.h>
#include <float.h>
#include <string.h> /* memcpy: the bit casts of the math kernels */

#ifndef DG_ASSERT
#include <assert.h>
#define DG_ASSERT(x) assert(x)
#endif
#ifndef DG_METHODS
#define DG_METHODS DG_ALL_METHODS
#endif
/* Whether method m is compiled in. The drivers switch on DG__METHOD_OF, which the compiler knows
   lies in 0..31, and label each method's case with DG__CASE: a method left out of DG_METHODS
   gets a negative label no method can equal, so its code is unreachable and dropped (dg__config
   refuses such a method, so none reaches the switches). */
#define DG__METHOD_ON(m) ((DG_METHODS >> (int)(m)) & 1ul)
#define DG__CASE(m) case (DG__METHOD_ON(m) ? (int)(m) : -1 - (int)(m))
#define DG__METHOD_OF(c) ((int)(c)->method & 31)
/* Whether m is method x and x is compiled in: the tests outside the switches that lead to one
   method's code. */
#define DG__IS(m, x) (DG__METHOD_ON(x) && (int)(m) == (int)(x))
/* exp, log and log1p default to the vectorisable kernels below (libm with DG_USE_LIBM). libm's
   functions are called through dg__libm_*, which pick the one of dg_real's type: expf, logf,
   log1pf, expm1f, sqrtf, fabsf for float (a float build does float math), the double ones for
   double, and expl ... for a long double wider than double. */
#ifndef DG_EXP
#ifdef DG_USE_LIBM
#define DG_EXP(x) dg__libm_exp(x)
#else
#define DG_EXP(x) dg__exp(x)
#define DG__EXP_BOUNDED(x) dg__exp_bounded(x)
#endif
#endif
/* exp of an argument known not to be NaN nor above the overflow threshold (the softmax's). */
#ifndef DG__EXP_BOUNDED
#define DG__EXP_BOUNDED(x) DG_EXP(x)
#endif
#ifndef DG_LOG
#ifdef DG_USE_LIBM
#define DG_LOG(x) dg__libm_log(x)
#else
#define DG_LOG(x) dg__log(x)
#define DG__LOG_POS(x) dg__log_pos(x)
#endif
#endif
/* log of an argument known to be positive, normal and finite (the noise transforms'): the
   default log's kernel without its edge cases, or whatever log the build chose. */
#ifndef DG__LOG_POS
#define DG__LOG_POS(x) DG_LOG(x)
#endif
#ifndef DG_LOG1P
#ifdef DG_USE_LIBM
#define DG_LOG1P(x) dg__libm_log1p(x)
#else
#define DG_LOG1P(x) dg__log1p(x)
#endif
#endif
#ifndef DG_EXPM1
#define DG_EXPM1(x) dg__libm_expm1(x)
#endif
#ifndef DG_SQRT
#define DG_SQRT(x) dg__libm_sqrt(x)
#endif
#ifndef DG_FABS
#define DG_FABS(x) dg__libm_fabs(x)
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* Bits of a dg_real's significand: 53 for double, 24 for float. */
#define DG__IS_FLOAT (sizeof(dg_real) == sizeof(float))

/* ---------------------------------------------------------------------------------------------
   math kernels

   exp, log and log1p for double and float, inlined and branch-free on the main path so that gcc
   and clang vectorise the loops that call them (libm's scalar calls stop vectorisation, and the
   noise and softmax loops spend most of their time in them). No tables: range reduction and a
   polynomial, with special inputs (0, denormals, +-inf, NaN, overflow, underflow) fixed up by
   selects the compiler turns into blends. Integer work stays on unsigned 32/64-bit lanes with
   shifts, adds and logical operations only, which SSE2 and AVX2 have; int64 <-> double
   conversions (AVX-512 only) are replaced by the 1.5 * 2^52 shifter trick.
   Maximum error against correctly rounded results, measured by tests/test_math.c over dense
   grids of the whole domain: 1.12 ulp (exp), 0.81 (log), 1.43 (log1p) in double; 1.00, 0.82,
   1.44 in float.
   ------------------------------------------------------------------------------------------- */
#if (defined(__GNUC__) || defined(__clang__)) && defined(__OPTIMIZE_SIZE__)
/* -Os, -Oz: the compiler's choice, which keeps one copy of each kernel rather than dozens */
#define DG__INLINE inline
#define DG__NOINLINE __attribute__((noinline))
#elif defined(__GNUC__) || defined(__clang__)
#define DG__INLINE inline __attribute__((always_inline))
#define DG__NOINLINE __attribute__((noinline))
#elif defined(_MSC_VER) && !defined(__cplusplus)
#define DG__INLINE __inline
#define DG__NOINLINE
#else
#define DG__INLINE inline
#define DG__NOINLINE
#endif

static DG__INLINE uint64_t dg__bits_f64(double x)
{
    uint64_t u;
    memcpy(&u, &x, sizeof u);
    return u;
}
static DG__INLINE double dg__f64_bits(uint64_t u) { double x; memcpy(&x, &u, sizeof x); return x; }
static DG__INLINE uint32_t dg__bits_f32(float x) { uint32_t u; memcpy(&u, &x, sizeof u); return u; }
static DG__INLINE float dg__f32_bits(uint32_t u) { float x; memcpy(&x, &u, sizeof x); return x; }

/* Branch-free selects through integer masks: m is all ones where the condition holds. Written
   with ?: on floating-point values, gcc (with -ftrapping-math, the default) moves arithmetic
   that follows the select into its arms, then refuses to if-convert arms that may trap, and the
   loop stays scalar; bit operations on the representations leave it nothing to move. */
static DG__INLINE uint64_t dg__mask64(int c) { return (uint64_t)0 - (uint64_t)c; }
static DG__INLINE uint32_t dg__mask32(int c) { return (uint32_t)0 - (uint32_t)c; }
static DG__INLINE double dg__sel_f64(uint64_t m, double a, double b)
{
    return dg__f64_bits((dg__bits_f64(a) & m) | (dg__bits_f64(b) & ~m));
}
static DG__INLINE float dg__sel_f32(uint32_t m, float a, float b)
{
    return dg__f32_bits((dg__bits_f32(a) & m) | (dg__bits_f32(b) & ~m));
}

/* Excess precision. Where FLT_EVAL_METHOD is not 0 an expression is not rounded to its type as
   it is evaluated: x87 (i386 without SSE math, method 2) computes every float and double
   operation in long double, s390x in ISO C modes (method 1) every float operation in double.
   C rounds such a value to its type where it is assigned or cast, but gcc's
   -fexcess-precision=fast (its default for GNU C and for C++ before gcc 13, on x87) does not
   even there. The kernels' rounding steps (the shifter's round to an integer, log1p's 1 + x) must
   round to the working type, so they pass through dg__round_f64/_f32: nothing where the type is
   evaluated in itself, a cast where the method is 1 (the compilers that report it honour C's
   rule for casts), and otherwise a volatile store and load, which rounds under any compiler
   and flag (x87 arithmetic is scalar, so it costs no vectorisation). */
#if defined(FLT_EVAL_METHOD)
#define DG__EVAL_METHOD FLT_EVAL_METHOD
#elif defined(__FLT_EVAL_METHOD__)
#define DG__EVAL_METHOD __FLT_EVAL_METHOD__
#elif (defined(__i386__) || defined(_M_IX86)) && !defined(__SSE2_MATH__) && \
    !(defined(_M_IX86_FP) && _M_IX86_FP >= 2)
#define DG__EVAL_METHOD 2 /* 32-bit x86 with x87 math and no way to ask the compiler */
#else
#define DG__EVAL_METHOD 0
#endif
/* Under x87 math the rest of the implementation relies on C's rule that assignments and casts
   round (values compared after they are stored, blocks of draws equal to single draws, bit
   for bit), which gcc keeps only with -fexcess-precision=standard: the default in ISO C modes
   (-std=c99, -std=c11: __STRICT_ANSI__, and __GCC_IEC_559 > 0 unless =fast was asked for) and,
   from gcc 13, in ISO C++ modes; clang never does. Refused otherwise, unless the build defines
   DG_EXCESS_PRECISION_STANDARD to say its flags give C's rounding. */
#if DG__EVAL_METHOD == 2 && !defined(DG_EXCESS_PRECISION_STANDARD) &&                           \
    (defined(__clang__) ||                                                                       \
     (defined(__GNUC__) &&                                                                       \
      (!defined(__STRICT_ANSI__) || (defined(__GCC_IEC_559) && __GCC_IEC_559 == 0) ||            \
       (defined(__cplusplus) && __GNUC__ < 13))))
#error "discgrad.h: x87 math (FLT_EVAL_METHOD 2) without C's rounding of assignments and casts (gcc's GNU modes and C++ before gcc 13 use -fexcess-precision=fast; clang always). Compile the file that defines DISCGRAD_IMPLEMENTATION with -std=c99 or -std=c11 (or add -fexcess-precision=standard), or use SSE math (-msse2 -mfpmath=sse); define DG_EXCESS_PRECISION_STANDARD if your flags already round as C requires."
#endif
/* methods 16 and 32 (ISO/IEC TS 18661-3) evaluate float and double in themselves, as 0 does;
   64 evaluates float in double, as 1 does */
#if DG__EVAL_METHOD == 0 || DG__EVAL_METHOD == 16 || DG__EVAL_METHOD == 32
#define DG__EXCESS_F32 0
#define DG__EXCESS_F64 0
#elif DG__EVAL_METHOD == 1 || DG__EVAL_METHOD == 64
#define DG__EXCESS_F32 1
#define DG__EXCESS_F64 0
#else
#define DG__EXCESS_F32 2
#define DG__EXCESS_F64 2
#endif
static DG__INLINE double dg__round_f64(double x)
{
#if DG__EXCESS_F64 == 2
    volatile double v = x;
    return v;
#else
    return x;
#endif
}
static DG__INLINE float dg__round_f32(float x)
{
#if DG__EXCESS_F32 == 2
    volatile float v = x;
    return v;
#elif DG__EXCESS_F32 == 1
    return (float)x;
#else
    return x;
#endif
}

/* 1.5 * 2^52: adding it rounds a double of magnitude < 2^51 to an integer m held in the low bits
   of the sum's representation (bits(shift + m) = bits(shift) + m), which is how integers move
   between the floating-point and the integer lanes here. 1.5 * 2^23 plays the same role in
   float. The sum must be rounded to the type before the shifter is taken off again
   (dg__round_f64/_f32), or under excess precision the "integer" keeps its fraction. */
#define DG__SHIFT_F64 6755399441055744.0
#define DG__SHIFT_F32 12582912.0f

/* exp(x) = 2^n e^r, n = round(x / ln 2), r = x - n ln 2 (ln 2 split so n ln2_hi is exact),
   e^r = 1 + r + r^2/2 + r^3 P(r) with P a degree-8 fit on |r| <= ln2/2 (error 2.6e-17),
   evaluated in Estrin's scheme (a short dependency chain: one value at a time, as in the
   single draws and the last few values of a loop, the latency is what costs). 2^n is applied
   as 2^n1 * 2^n2 so that results in the denormal range round once and the exponent field
   never overflows for x in [-746, 710]; beyond, exp is 0 or inf, selected at the end rather
   than by clamping x first, which would lengthen the chain. NaN propagates through. */
static DG__INLINE double dg__exp_f64_core(double x)
{
    double t, n, r, r2, r4, p, y, n1, s1, s2;
    t = dg__round_f64(x * 1.4426950408889634 + DG__SHIFT_F64);
    n = t - DG__SHIFT_F64;
    r = (x - n * 0.693147180369123816490) - n * 1.9082149292705877e-10;
    r2 = r * r;
    r4 = r2 * r2;
    p = ((0.16666666666666666 + 0.041666666666651364 * r) +
         (0.0083333333333321571 + 0.0013888888905871347 * r) * r2) +
        ((0.00019841269854330769 + 2.4801536409064087e-05 * r) +
         (2.7557280082684685e-06 + 2.7613795554519861e-07 * r) * r2) * r4 +
        2.509554598170022e-08 * (r4 * r4);
    y = 1.0 + (r + r2 * (0.5 + r * p));
    n1 = dg__round_f64(n * 0.5 + DG__SHIFT_F64) - DG__SHIFT_F64; /* n1, n - n1 in [-538, 512] */
    s1 = dg__f64_bits(dg__bits_f64(n1 + (DG__SHIFT_F64 + 1023.0)) << 52);
    s2 = dg__f64_bits(dg__bits_f64((n - n1) + (DG__SHIFT_F64 + 1023.0)) << 52);
    return y * s1 * s2;
}

static DG__INLINE double dg__exp_f64(double x)
{
    double y = dg__exp_f64_core(x);
    y = dg__sel_f64(dg__mask64(x > 710.0), (double)INFINITY, y);
    return dg__sel_f64(dg__mask64(x < -746.0), 0.0, y);
}

/* The same for x that is not NaN and at most 710 (the softmax's shifted logits, at most 0), whose
   only edge is the underflow to 0 below -746. Its mask comes from the sign bit of x + 746 in the
   integer lanes, not from a compare, so the loop vectorises with SSE2 too (gcc cannot turn a
   double compare into a 64-bit mask there). The same bits as dg__exp_f64 on that range. */
static DG__INLINE double dg__exp_f64_bounded(double x)
{
    return dg__f64_bits(dg__bits_f64(dg__exp_f64_core(x)) & ((dg__bits_f64(x + 746.0) >> 63) - 1));
}

/* The same in float: P of degree 4 in e^r = 1 + r + r^2 P(r) (error 7.8e-9), computed for x in
   [-104, 89], 0 or inf selected beyond. */
static DG__INLINE float dg__exp_f32_core(float x)
{
    float t, n, r, p, y, n1, s1, s2;
    t = dg__round_f32(x * 1.44269502f + DG__SHIFT_F32);
    n = t - DG__SHIFT_F32;
    r = (x - n * 0.693145751953125f) - n * 1.42860677e-06f;
    p = 0.00139261761199f;
    p = p * r + 0.00836317307451f;
    p = p * r + 0.0416665546621f;
    p = p * r + 0.166665770256f;
    p = p * r + 0.5f;
    y = 1.0f + (r + r * r * p);
    n1 = dg__round_f32(n * 0.5f + DG__SHIFT_F32) - DG__SHIFT_F32;
    s1 = dg__f32_bits(dg__bits_f32(n1 + (DG__SHIFT_F32 + 127.0f)) << 23);
    s2 = dg__f32_bits(dg__bits_f32((n - n1) + (DG__SHIFT_F32 + 127.0f)) << 23);
    return y * s1 * s2;
}

static DG__INLINE float dg__exp_f32(float x)
{
    float y = dg__exp_f32_core(x);
    y = dg__sel_f32(dg__mask32(x > 89.0f), (float)INFINITY, y);
    return dg__sel_f32(dg__mask32(x < -104.0f), 0.0f, y);
}

static DG__INLINE float dg__exp_f32_bounded(float x) /* x not NaN, at most 89 */
{
    return dg__f32_bits(dg__bits_f32(dg__exp_f32_core(x)) & ((dg__bits_f32(x + 104.0f) >> 31) - 1));
}

/* log(x) = k ln 2 + log(1 + f), 1 + f in [sqrt(1/2), sqrt(2)), by the fdlibm scheme: with
   s = f/(2 + f), log(1 + f) = f - s (f - R(s^2)), R a degree-7 fit (error 1.6e-18, evaluated
   in Estrin's scheme like exp's). k comes out of the exponent field as an unsigned 12-bit value
   through the shifter. c is added to the result: log1p passes the first-order correction c'/x
   of an argument known as x + c' (plain log passes the constant 0, which folds away).
   This core takes the bits ix of a positive normal finite x, and `scaled` (52 or 0) to take
   off k: the noise transforms, whose arguments are known to be in that range, call it alone,
   without the denormal scaling and special-value selects of dg__log_f64_c (a quarter of its
   operations); for such x both give the same bits. */
static DG__INLINE double dg__log_f64_core(uint64_t ix, double scaled, double c)
{
    double m, f, s, z, z2, R, hfsq, k;
    uint64_t tmp = ix - UINT64_C(0x3fe6a09e667f3bcd);   /* bits of sqrt(1/2) */
    m = dg__f64_bits(ix - (tmp & UINT64_C(0xfff0000000000000)));
    k = dg__f64_bits(dg__bits_f64(DG__SHIFT_F64) + ((tmp + (UINT64_C(1024) << 52)) >> 52)) -
        (DG__SHIFT_F64 + 1024.0) - scaled;
    f = m - 1.0;
    s = f / (2.0 + f);
    z = s * s;
    z2 = z * z;
    R = z * (((0.66666666666666696 + 0.39999999999899505 * z) +
              (0.28571428625975487 + 0.22222211134795081 * z) * z2) +
             ((0.18182889125261723 + 0.15331721600556042 * z) + 0.14616449685043406 * z2) *
                 (z2 * z2));
    hfsq = 0.5 * f * f;
    return k * 0.693147180369123816490 -
           (((hfsq - (s * (hfsq + R) + k * 1.9082149292705877e-10)) - f) - c);
}

/* Any x: denormals are scaled by 2^52 first, and 0, negatives, NaN and +inf are selected at the
   end (they depend on x alone, so only the last select waits for the core). */
static DG__INLINE double dg__log_f64_c(double x, double c)
{
    double y, spec;
    uint64_t tiny = dg__mask64(x < DBL_MIN);
    y = dg__log_f64_core(dg__bits_f64(dg__sel_f64(tiny, x * 4503599627370496.0, x)),
                         dg__sel_f64(tiny, 52.0, 0.0), c);
    spec = dg__sel_f64(dg__mask64(x > DBL_MAX), x, (double)NAN);
    spec = dg__sel_f64(dg__mask64(x == 0), -(double)INFINITY, spec);
    return dg__sel_f64(dg__mask64(!(x > 0) | (x > DBL_MAX)), spec, y);
}

static DG__INLINE float dg__log_f32_core(uint32_t ix, float scaled, float c)
{
    float m, f, s, z, z2, R, hfsq, k;
    uint32_t tmp = ix - 0x3f3504f3u;                     /* bits of sqrt(1/2) */
    m = dg__f32_bits(ix - (tmp & 0xff800000u));
    /* the top 9 bits hold k mod 512; the offset keeps k + 256 in [0, 512) */
    k = (float)(int32_t)((tmp + (256u << 23)) >> 23) - 256.0f - scaled;
    f = m - 1.0f;
    s = f / (2.0f + f);
    z = s * s;
    z2 = z * z;
    R = z * ((0.666666666f + 0.400001218f * z) + (0.285508208f + 0.233304672f * z) * z2);
    hfsq = 0.5f * f * f;
    return k * 0.693145751953125f - (((hfsq - (s * (hfsq + R) + k * 1.42860677e-06f)) - f) - c);
}

static DG__INLINE float dg__log_f32_c(float x, float c)
{
    float y, spec;
    uint32_t tiny = dg__mask32(x < FLT_MIN);
    y = dg__log_f32_core(dg__bits_f32(dg__sel_f32(tiny, x * 8388608.0f, x)),
                         dg__sel_f32(tiny, 23.0f, 0.0f), c);
    spec = dg__sel_f32(dg__mask32(x > FLT_MAX), x, (float)NAN);
    spec = dg__sel_f32(dg__mask32(x == 0), -(float)INFINITY, spec);
    return dg__sel_f32(dg__mask32(!(x > 0) | (x > FLT_MAX)), spec, y);
}

/* log1p(x) = log(u + c) with u = 1 + x rounded and c = x - (u - 1) its rounding error (exact).
   u == 0 and u == inf need no correction (it would be 0/0 or inf - inf); -0 stays -0. */
static DG__INLINE double dg__log1p_f64(double x)
{
    double u = dg__round_f64(1.0 + x), c = (x - (u - 1.0)) / u, y;
    c = dg__sel_f64(dg__mask64((u == 0) | (u > DBL_MAX)), 0.0, c);
    y = dg__log_f64_c(u, c);
    return dg__sel_f64(dg__mask64(x == 0), x, y);
}

static DG__INLINE float dg__log1p_f32(float x)
{
    float u = dg__round_f32(1.0f + x), c = (x - (u - 1.0f)) / u, y;
    c = dg__sel_f32(dg__mask32((u == 0) | (u > FLT_MAX)), 0.0f, c);
    y = dg__log_f32_c(u, c);
    return dg__sel_f32(dg__mask32(x == 0), x, y);
}

/* libm's function of dg_real's type (see DG_SQRT etc.): the sizeof tests are constant, so only
   one call is compiled. A long double no wider than double (ARM, MSVC) takes the double ones,
   and the long double functions are named only where long double is wider. */
#if defined(LDBL_MANT_DIG) && LDBL_MANT_DIG > DBL_MANT_DIG
#define DG__LIBM(fn, x)                                                                          \
    (sizeof(dg_real) == sizeof(float)    ? (dg_real)fn##f((float)(x))                            \
     : sizeof(dg_real) == sizeof(double) ? (dg_real)fn((double)(x))                              \
                                         : (dg_real)fn##l((long double)(x)))
#else
#define DG__LIBM(fn, x)                                                                          \
    (sizeof(dg_real) == sizeof(float) ? (dg_real)fn##f((float)(x)) : (dg_real)fn((double)(x)))
#endif
static DG__INLINE dg_real dg__libm_exp(dg_real x) { return DG__LIBM(exp, x); }
static DG__INLINE dg_real dg__libm_log(dg_real x) { return DG__LIBM(log, x); }
static DG__INLINE dg_real dg__libm_log1p(dg_real x) { return DG__LIBM(log1p, x); }
static DG__INLINE dg_real dg__libm_expm1(dg_real x) { return DG__LIBM(expm1, x); }
static DG__INLINE dg_real dg__libm_sqrt(dg_real x) { return DG__LIBM(sqrt, x); }
static DG__INLINE dg_real dg__libm_fabs(dg_real x) { return DG__LIBM(fabs, x); }

/* The kernels of dg_real's precision (libm for any other type): dg_exp, dg_log, dg_log1p. The
   sizeof tests are constant, so only one branch is compiled into each loop. */
static DG__INLINE dg_real dg__exp_k(dg_real x)
{
    if (sizeof(dg_real) == sizeof(float)) return (dg_real)dg__exp_f32((float)x);
    if (sizeof(dg_real) == sizeof(double)) return (dg_real)dg__exp_f64((double)x);
    return dg__libm_exp(x);
}
static DG__INLINE dg_real dg__log_k(dg_real x)
{
    if (sizeof(dg_real) == sizeof(float)) return (dg_real)dg__log_f32_c((float)x, 0.0f);
    if (sizeof(dg_real) == sizeof(double)) return (dg_real)dg__log_f64_c((double)x, 0.0);
    return dg__libm_log(x);
}
static DG__INLINE dg_real dg__exp_bounded_k(dg_real x)
{
    if (sizeof(dg_real) == sizeof(float)) return (dg_real)dg__exp_f32_bounded((float)x);
    if (sizeof(dg_real) == sizeof(double)) return (dg_real)dg__exp_f64_bounded((double)x);
    return dg__libm_exp(x);
}
static DG__INLINE dg_real dg__log_pos_k(dg_real x)
{
    if (sizeof(dg_real) == sizeof(float))
        return (dg_real)dg__log_f32_core(dg__bits_f32((float)x), 0.0f, 0.0f);
    if (sizeof(dg_real) == sizeof(double))
        return (dg_real)dg__log_f64_core(dg__bits_f64((double)x), 0.0, 0.0);
    return dg__libm_log(x);
}
static DG__INLINE dg_real dg__log1p_k(dg_real x)
{
    if (sizeof(dg_real) == sizeof(float)) return (dg_real)dg__log1p_f32((float)x);
    if (sizeof(dg_real) == sizeof(double)) return (dg_real)dg__log1p_f64((double)x);
    return dg__libm_log1p(x);
}

/* The default DG_EXP, DG_LOG, DG_LOG1P: the kernels where they vectorise, libm where they would
   run one value at a time. On x86 without AVX (plain -O2 / -O3 for x86-64), SSE2 has no 64-bit
   integer compares, gcc cannot vectorise the double kernels' selects, and a scalar kernel
   (about 10 ns) is slower than libm's table-driven scalar exp and log (about 3.5 ns); the float
   kernels only need 32-bit lanes and vectorise with SSE2. The noise transforms' log and the
   softmax's exp, whose arguments need fewer edge cases, are the exceptions (dg__log_pos,
   dg__exp_bounded). */
#if (defined(__x86_64__) || defined(_M_X64) || defined(__i386__) || defined(_M_IX86)) && \
    !defined(__AVX__)
#define DG__VECTOR_F64 0
#else
#define DG__VECTOR_F64 1
#endif
static DG__INLINE dg_real dg__exp(dg_real x)
{
    if (sizeof(dg_real) == sizeof(double) && !DG__VECTOR_F64) return (dg_real)exp((double)x);
    return dg__exp_k(x);
}
static DG__INLINE dg_real dg__log(dg_real x)
{
    if (sizeof(dg_real) == sizeof(double) && !DG__VECTOR_F64) return (dg_real)log((double)x);
    return dg__log_k(x);
}
/* Without the selects, the core of log vectorises with SSE2 as well (two doubles at a time,
   about 1.5 times libm's speed in the noise loops at plain -O2), so it is used everywhere; a
   single draw at a time costs more than libm there. */
static DG__INLINE dg_real dg__log_pos(dg_real x) { return dg__log_pos_k(x); }
/* The same holds for exp with no overflow select (dg__exp_f64_bounded). */
static DG__INLINE dg_real dg__exp_bounded(dg_real x) { return dg__exp_bounded_k(x); }
static DG__INLINE dg_real dg__log1p(dg_real x)
{
    if (sizeof(dg_real) == sizeof(double) && !DG__VECTOR_F64) return (dg_real)log1p((double)x);
    return dg__log1p_k(x);
}

/* A select of dg_real values through the integer masks above. */
static DG__INLINE dg_real dg__sel(int c, dg_real a, dg_real b)
{
    if (sizeof(dg_real) == sizeof(float))
        return (dg_real)dg__sel_f32(dg__mask32(c), (float)a, (float)b);
    if (sizeof(dg_real) == sizeof(double))
        return (dg_real)dg__sel_f64(dg__mask64(c), (double)a, (double)b);
    return c ? a : b;
}

static int dg__finite(dg_real x) { return x - x == x - x; } /* false for NaN and +-inf */

/* Smallest normal dg_real: a temperature below it (subnormal) makes 1/tau overflow. */
#define DG__REAL_MIN (DG__IS_FLOAT ? (dg_real)FLT_MIN : (dg_real)DBL_MIN)

/* x - x is NaN exactly for NaN and +-inf entries, and a NaN stays in its sum, in whatever order
   the sums are added. 32 partial sums: one running sum is a serial chain of adds (4 cycles
   each) the compiler may not reorder, and so are 8 held in one vector register (the check then
   took 23% of Gumbel-softmax's time at 1024 x 64 in float); 32 are four vectors of 8 doubles or
   two of 16 floats whose chains run side by side. */
static int dg__all_finite(const dg_real *x, int n)
{
    int i = 0, j;
    dg_real a[32], t = 0;
    if (n < 8) {
        for (; i < n; ++i) t += x[i] - x[i];
        return t == 0;
    }
    for (j = 0; j < 32; ++j) a[j] = 0;
    for (; i + 32 <= n; i += 32)
        for (j = 0; j < 32; ++j) a[j] += x[i + j] - x[i + j];
    for (; i + 8 <= n; i += 8)
        for (j = 0; j < 8; ++j) a[j] += x[i + j] - x[i + j];
    for (; i < n; ++i) t += x[i] - x[i];
    for (j = 0; j < 16; ++j) a[j] += a[j + 16];
    for (j = 0; j < 8; ++j) a[j] += a[j + 8];
    return ((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7])) + t == 0;
}

static void dg__copy(dg_real *dst, const dg_real *src, int n)
{
    int i;
    for (i = 0; i < n; ++i) dst[i] = src[i];
}

static void dg__one_hot(dg_real *row, int K, int pick)
{
    int k;
    for (k = 0; k < K; ++k) row[k] = k == pick;
}

DGDEF const char *dg_strerror(int code)
{
    switch (code) {
    case DG_OK: return "success";
    /* each message at most 90 characters: callers format them into small buffers */
    case DG_EINVAL:
        return "invalid argument: a NULL pointer, D or K < 1, unknown method, or a value out of range";
    case DG_ECAPACITY:
        return "problem exceeds the memory given or a limit: DG_MAX_K, _SAMPLES, _ENUM, EXACT_MAX_DIM";
    case DG_ENEEDGRAD: return "method needs df/dz, and problem.f_grad (or dg_tell's grads) is NULL";
    case DG_EDOMAIN:
        return "a number is not finite: a logit or other input, a callback's result, or an overflow";
    case DG_EUNSUPPORTED:
        return "method cannot do this: dg_set_tau on RELAX, DisARM on categorical, one not in DG_METHODS";
    case DG_ESTATE:
        return "draw cannot be told: told already, another estimator's, or changed since dg_ask";
    default: return "unknown error";
    }
}

DGDEF dg_real dg_exp(dg_real x) { return dg__exp_k(x); }
DGDEF dg_real dg_log(dg_real x) { return dg__log_k(x); }
DGDEF dg_real dg_log1p(dg_real x) { return dg__log1p_k(x); }

/* ---------------------------------------------------------------------------------------------
   rng
   ------------------------------------------------------------------------------------------- */
static DG__INLINE uint64_t dg__rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static uint64_t dg__splitmix64(uint64_t *x)
{
    uint64_t z = (*x += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

DGDEF void dg_rng_seed(dg_rng *r, uint64_t seed, uint64_t stream)
{
    /* Hash the stream through its own splitmix64 step so that nearby (seed, stream) pairs land
       far apart; lane j's four state words are then splitmix64 outputs 4j .. 4j + 3 of x (lane 0
       starts where the single-lane generator of release 0.1.0 did). No lane is ever all zero,
       xoshiro's one fixed point: splitmix64 maps distinct counters to distinct outputs (its
       finaliser is a bijection), so at most one of a lane's four words can be zero. */
    uint64_t s = stream, x;
    int j, w;
    if (!r) return;
    x = seed ^ dg__splitmix64(&s);
    for (j = 0; j < DG_RNG_LANES; ++j)
        for (w = 0; w < 4; ++w) r->s[w][j] = dg__splitmix64(&x);
    for (j = 0; j < DG_RNG_LANES; ++j) r->out[j] = 0;
    r->next = DG_RNG_LANES;
}

/* xoshiro256**'s output scrambler rotl(s1 * 5, 7) * 9, applied to the state word s[1] before
   the step. The products are written as shifts and adds: x86 has no 64-bit vector multiply
   below AVX-512, and compilers emulate one with three 32-bit multiplies instead. */
static DG__INLINE uint64_t dg__xoshiro_out(uint64_t s1)
{
    uint64_t y = dg__rotl(s1 + (s1 << 2), 7);
    return y + (y << 3);
}

/* Keeps the compilers from fully unrolling a short fixed-count loop, so that their loop
   vectoriser turns it into vector code. Fully unrolled first, the lane round below stayed
   scalar: gcc 12 at -O3 and clang 14 at -O3 without AVX judged the straight-line vector form
   unprofitable. */
#if (defined(__clang__) && __clang_major__ >= 8) || \
    (!defined(__clang__) && !defined(__INTEL_COMPILER) && defined(__GNUC__) && __GNUC__ >= 8)
#define DG__NO_UNROLL _Pragma("GCC unroll 1")
#else
#define DG__NO_UNROLL
#endif

/* One round: every lane's scrambled output of its current state goes to out, then every lane
   takes one xoshiro256** step. Over the lanes of r->s in place: 8 values per word are two AVX2
   registers (four SSE2 ones), and the loop compiles to vector code at -O2 and -O3. */
static DG__INLINE void dg__lanes_round(uint64_t (*s)[DG_RNG_LANES], uint64_t *out)
{
    int j;
    DG__NO_UNROLL
    for (j = 0; j < DG_RNG_LANES; ++j) {
        uint64_t t = s[1][j] << 17;
        out[j] = dg__xoshiro_out(s[1][j]);
        s[2][j] ^= s[0][j];
        s[3][j] ^= s[1][j];
        s[1][j] ^= s[2][j];
        s[0][j] ^= s[3][j];
        s[2][j] ^= t;
        s[3][j] = dg__rotl(s[3][j], 45);
    }
}

/* One round into the buffer. */
static void dg__rng_refill(dg_rng *r)
{
    dg__lanes_round(r->s, r->out);
    r->next = 0;
}

DGDEF uint64_t dg_rng_u64(dg_rng *r)
{
    if (r->next >= DG_RNG_LANES) dg__rng_refill(r); /* also when never seeded: no read outside */
    return r->out[r->next++];
}

/* (2k + 1) 2^-53 for the top 52 bits k (float: (2k + 1) 2^-24 for the top 23 bits), built in the
   integer lanes: k under the exponent of 1.0 gives 1 + k 2^-52, and subtracting 1 - 2^-53 is
   exact. The same values as ((double)k + 0.5) 2^-52, without the int64 -> double conversion
   that only AVX-512 vectorises. */
static DG__INLINE dg_real dg__uniform_from_bits(uint64_t x)
{
    if (DG__IS_FLOAT)
        return (dg_real)(dg__f32_bits((uint32_t)(x >> 41) | 0x3f800000u) -
                         (1.0f - 5.9604644775390625e-08f));
    return (dg_real)(dg__f64_bits((x >> 12) | UINT64_C(0x3ff0000000000000)) -
                     (1.0 - 1.1102230246251565404236316680908203125e-16));
}

/* The noise transforms of a uniform u, shared by the single draws and the block loops so that
   both give the same values. 1 - u is exact on the grid of dg__uniform_from_bits, so the
   logistic's log(1 - u) needs no log1p. Every log here sees a positive normal number: u and
   1 - u are at least 2^-53 (float 2^-24), and -log u is at least about 2^-53 and at most 37
   (float 17). */
static DG__INLINE dg_real dg__gumbel_of(dg_real u) { return -DG__LOG_POS(-DG__LOG_POS(u)); }
static DG__INLINE dg_real dg__exponential_of(dg_real u) { return -DG__LOG_POS(u); }
static DG__INLINE dg_real dg__logistic_of(dg_real u)
{
    return DG__LOG_POS(u) - DG__LOG_POS(1 - u);
}

DGDEF dg_real dg_uniform_from_bits(uint64_t x) { return dg__uniform_from_bits(x); }
DGDEF dg_real dg_uniform(dg_rng *r) { return dg__uniform_from_bits(dg_rng_u64(r)); }
DGDEF dg_real dg_gumbel(dg_rng *r) { return dg__gumbel_of(dg_uniform(r)); }
DGDEF dg_real dg_exponential(dg_rng *r) { return dg__exponential_of(dg_uniform(r)); }
DGDEF dg_real dg_logistic(dg_rng *r) { return dg__logistic_of(dg_uniform(r)); }

/* Values per block of the noise loops: the uniforms of one block stay in L1 between the pass
   that draws them and the pass that transforms them, and on a bounded stack (DG__BLOCK dg_real):
   256, or DG_MAX_DIM rounded up to a multiple of 8 where that is less, so that the frames that
   hold a block shrink with the configuration. Only the grouping of the work depends on it, not
   the values: a block of draws equals the single draws, however it is split. */
#define DG__BLOCK (DG_MAX_DIM < 256 ? (DG_MAX_DIM + 7) / 8 * 8 : 256)

/* Fills u with the next n uniforms, exactly the values n dg_uniform calls return: the buffered
   outputs first, then whole rounds converted straight into u by one vector loop, then, for the
   last n % 8 or fewer, one more round from which they are taken. Every round goes through
   r->out, as with single draws, so any mix of single and block draws that ends at the same
   point leaves the same bytes in r (memcmp compares generators). */
static void dg__uniform_block(dg_rng *r, dg_real *u, int n)
{
    int i = 0, j;
    while (i < n && r->next < DG_RNG_LANES) u[i++] = dg__uniform_from_bits(r->out[r->next++]);
    for (; i + DG_RNG_LANES <= n; i += DG_RNG_LANES) {
        dg__lanes_round(r->s, r->out);
        DG__NO_UNROLL
        for (j = 0; j < DG_RNG_LANES; ++j) u[i + j] = dg__uniform_from_bits(r->out[j]);
    }
    if (i < n) {
        dg__rng_refill(r);
        while (i < n) u[i++] = dg__uniform_from_bits(r->out[r->next++]);
    }
}

DGDEF void dg_uniforms(dg_rng *r, dg_real *u, int n)
{
    if (!r || !u || n < 1) return;
    dg__uniform_block(r, u, n);
}

/* ---------------------------------------------------------------------------------------------
   samplers
   ------------------------------------------------------------------------------------------- */
/* 1/(1 + e^-x) for x >= 0 and e^x/(1 + e^x) below, from one exp of -|x| and one division
   selected without a branch, so loops of it vectorise. */
static DG__INLINE dg_real dg__sigmoid(dg_real x)
{
    dg_real e = DG_EXP(dg__sel(x >= 0, -x, x));
    return dg__sel(x >= 0, (dg_real)1, e) / (1 + e);
}

DGDEF dg_real dg_sigmoid(dg_real x) { return dg__sigmoid(x); }

/* The element-wise maps of the hot loops, y = op(y) in place over n values. */
enum {
    DG__MAP_EXP /* of values neither NaN nor above 710, float 89 (DG__EXP_BOUNDED) */,
    DG__MAP_GUMBEL, DG__MAP_LOGISTIC, DG__MAP_EXPONENTIAL, DG__MAP_SIGMOID,
    DG__MAP_LOG_POS /* log of positive normal values (DG__LOG_POS) */
};

/* In place over the largest multiple of 8 values, then the last few one at a time. gcc
   vectorises the first loop at -O2 as well as -O3 because its trip count is a multiple of any
   vector width and a single pointer cannot alias another (an open-ended loop over two arrays
   needs -O3's cost model and a runtime alias check). Padding the last few into a vector was
   measured no faster than the scalar kernel for them. */
#define DG__MAP_GROUPS(expr)                                                                     \
    for (i = 0; i < n8; ++i) { dg_real v = y[i]; y[i] = (expr); }                                \
    for (i = n8; i < n; ++i) { dg_real v = y[i]; y[i] = (expr); }

static DG__NOINLINE void dg__map(int op, dg_real *y, int n)
{
    int i, n8 = n & ~7;
    switch (op) {
    case DG__MAP_EXP: DG__MAP_GROUPS(DG__EXP_BOUNDED(v)) break;
    case DG__MAP_GUMBEL: DG__MAP_GROUPS(dg__gumbel_of(v)) break;
    case DG__MAP_LOGISTIC: DG__MAP_GROUPS(dg__logistic_of(v)) break;
    case DG__MAP_EXPONENTIAL: DG__MAP_GROUPS(dg__exponential_of(v)) break;
    case DG__MAP_LOG_POS: DG__MAP_GROUPS(DG__LOG_POS(v)) break;
    default: DG__MAP_GROUPS(dg__sigmoid(v)) break;
    }
}

/* The block noise of dg_gumbels etc.: uniforms then the transform in place, in chunks of
   DG__BLOCK so that the second pass reads what the first wrote from L1. */
static void dg__noise_block(dg_rng *r, int op, dg_real *out, int n)
{
    int i, m;
    if (!r || !out || n < 1) return;
    for (i = 0; i < n; i += m) {
        m = n - i < DG__BLOCK ? n - i : DG__BLOCK;
        dg__uniform_block(r, out + i, m);
        dg__map(op, out + i, m);
    }
}

DGDEF void dg_gumbels(dg_rng *r, dg_real *out, int n) { dg__noise_block(r, DG__MAP_GUMBEL, out, n); }
DGDEF void dg_logistics(dg_rng *r, dg_real *out, int n) { dg__noise_block(r, DG__MAP_LOGISTIC, out, n); }
DGDEF void dg_exponentials(dg_rng *r, dg_real *out, int n)
{
    dg__noise_block(r, DG__MAP_EXPONENTIAL, out, n);
}

DGDEF dg_real dg_log_sigmoid(dg_real x)
{
    if (x >= 0) return -DG_LOG1P(DG_EXP(-x));
    return x - DG_LOG1P(DG_EXP(x));
}

static int dg__check_logits(const dg_real *logits, int K)
{
    if (!logits || K < 1) return DG_EINVAL;
    if (K > DG_MAX_K) return DG_ECAPACITY;
    if (!dg__all_finite(logits, K)) return DG_EDOMAIN;
    return DG_OK;
}

/* The reductions below keep 8 interleaved partial results: one running value is a serial
   dependency that compilers may not reorder (without -ffast-math), 8 lanes fill the vector
   registers of double and float alike. The order is fixed, so results stay reproducible. */
static DG__INLINE dg_real dg__max(const dg_real *x, int K)
{
    dg_real a[8];
    int i = 0, j;
    if (K < 8) { /* short rows: the lanes would cost more than they save */
        for (i = 1, a[0] = x[0]; i < K; ++i) a[0] = x[i] > a[0] ? x[i] : a[0];
        return a[0];
    }
    /* a maximum may see a value twice: the tail is the last 8 values, overlapping the blocks,
       instead of a scalar loop (rows of K = 10 spent most of their time there), and the lanes
       fold as a tree of vector halves */
    for (j = 0; j < 8; ++j) a[j] = x[j];
    for (i = 8; i + 8 <= K; i += 8)
        for (j = 0; j < 8; ++j) a[j] = x[i + j] > a[j] ? x[i + j] : a[j];
    if (i < K)
        for (j = 0, i = K - 8; j < 8; ++j) a[j] = x[i + j] > a[j] ? x[i + j] : a[j];
    for (j = 0; j < 4; ++j) a[j] = a[j + 4] > a[j] ? a[j + 4] : a[j];
    for (j = 0; j < 2; ++j) a[j] = a[j + 2] > a[j] ? a[j + 2] : a[j];
    return a[1] > a[0] ? a[1] : a[0];
}

static DG__INLINE dg_real dg__sum(const dg_real *x, int n)
{
    dg_real a[8] = {0, 0, 0, 0, 0, 0, 0, 0}, t = 0;
    int i = 0, j;
    if (n < 8) {
        for (; i < n; ++i) a[0] += x[i];
        return a[0];
    }
    for (; i + 8 <= n; i += 8)
        for (j = 0; j < 8; ++j) a[j] += x[i + j];
    /* the last few into a scalar of their own: adding them to single lanes of a[], which lives
       in vector registers, costs an extract and an insert per value */
    for (; i < n; ++i) t += x[i];
    return (((a[0] + a[4]) + (a[1] + a[5])) + ((a[2] + a[6]) + (a[3] + a[7]))) + t;
}

static DG__INLINE dg_real dg__dot(const dg_real *x, const dg_real *y, int n)
{
    dg_real a[8] = {0, 0, 0, 0, 0, 0, 0, 0}, t = 0;
    int i = 0, j;
    if (n < 8) {
        for (; i < n; ++i) a[0] += x[i] * y[i];
        return a[0];
    }
    for (; i + 8 <= n; i += 8)
        for (j = 0; j < 8; ++j) a[j] += x[i + j] * y[i + j];
    for (; i < n; ++i) t += x[i] * y[i]; /* as in dg__sum */
    return (((a[0] + a[4]) + (a[1] + a[5])) + ((a[2] + a[6]) + (a[3] + a[7]))) + t;
}

/* The lowest index of the maximum: the vectorised maximum, then a scan for its first copy
   (the serial compare-and-branch argmax mispredicts on random rows). */
static int dg__argmax(const dg_real *x, int K)
{
    int k;
    dg_real m = dg__max(x, K);
    for (k = 0; k < K - 1 && !(x[k] == m); ++k) {}
    return k;
}

DGDEF int dg_sample_bernoulli(dg_rng *r, dg_real logit)
{
    if (!r) return DG_EINVAL;
    if (!dg__finite(logit)) return DG_EDOMAIN;
    return dg_uniform(r) < dg_sigmoid(logit);
}

/* The class a target at or above a row's whole sum gets (rounding can put it there): the last
   class with weight, never one of weight 0, or 0 when none has any. */
static int dg__last_weighted(const dg_real *w, int K)
{
    int k = K - 1;
    while (k > 0 && !(w[k] > 0)) --k;
    return k;
}

/* Inverse CDF over K nonnegative weights: the first k whose running sum exceeds target. When
   rounding leaves target at or above the whole sum, the last class with weight. */
static int dg__inverse_cdf(const dg_real *w, int K, dg_real target)
{
    int k;
    dg_real acc = 0;
    if (K <= 16) {
        /* Short rows: the running sum never decreases (weights are nonnegative), so the first
           k with target < acc is the count of running sums <= target. Counting runs the whole
           row without a branch that mispredicts at a random position once per draw. */
        int below = 0;
        for (k = 0; k < K; ++k) {
            acc += w[k];
            below += !(target < acc);
        }
        return below < K ? below : dg__last_weighted(w, K);
    }
    for (k = 0; k < K; ++k) {
        acc += w[k];
        if (target < acc) return k;
    }
    return dg__last_weighted(w, K);
}

/* The one-hot rows of dg__inverse_cdf for `rows` consecutive rows of K weights, row d's target
   target[d]: the same classes, from running sums added in the same order. Each row's running
   sum is a chain of dependent adds (3 to 4 cycles each, which bounded REINFORCE's sampling on
   long rows); DG__CDF_ROWS rows at a time run as independent chains, counting as short rows do. */
#define DG__CDF_ROWS 8
static void dg__inverse_cdf_rows(const dg_real *w, int rows, int K, const dg_real *target,
                                 dg_real *onehot)
{
    int d0, j, k;
    for (d0 = 0; d0 + DG__CDF_ROWS <= rows; d0 += DG__CDF_ROWS) {
        const dg_real *wg = w + (size_t)d0 * (size_t)K;
        dg_real acc[DG__CDF_ROWS], t[DG__CDF_ROWS];
        int below[DG__CDF_ROWS];
        for (j = 0; j < DG__CDF_ROWS; ++j) {
            acc[j] = 0;
            below[j] = 0;
            t[j] = target[d0 + j];
        }
        for (k = 0; k < K; ++k)
            for (j = 0; j < DG__CDF_ROWS; ++j) {
                acc[j] += wg[(size_t)j * (size_t)K + k];
                below[j] += !(t[j] < acc[j]);
            }
        for (j = 0; j < DG__CDF_ROWS; ++j) {
            const dg_real *wr = wg + (size_t)j * (size_t)K;
            dg__one_hot(onehot + (size_t)(d0 + j) * (size_t)K, K,
                        below[j] < K ? below[j] : dg__last_weighted(wr, K));
        }
    }
    for (; d0 < rows; ++d0) {
        size_t at = (size_t)d0 * (size_t)K;
        dg__one_hot(onehot + at, K, dg__inverse_cdf(w + at, K, target[d0]));
    }
}

DGDEF int dg_sample_categorical(dg_rng *r, const dg_real *logits, int K)
{
    int k, rc = dg__check_logits(logits, K);
    dg_real m, total = 0, w[DG_MAX_K]; /* on the stack: DG_MAX_K scalars */
    if (!r) return DG_EINVAL;
    if (rc) return rc;
    m = dg__max(logits, K);
    for (k = 0; k < K; ++k) total += (w[k] = DG_EXP(logits[k] - m));
    return dg__inverse_cdf(w, K, dg_uniform(r) * total);
}

DGDEF int dg_gumbel_max(dg_rng *r, const dg_real *logits, int K, dg_real *perturbed)
{
    int k, best = 0, rc = dg__check_logits(logits, K);
    dg_real g[DG_MAX_K], best_v = 0; /* on the stack: DG_MAX_K scalars */
    if (!r) return DG_EINVAL;
    if (rc) return rc;
    dg_gumbels(r, g, K); /* the values of K dg_gumbel calls, as one vectorised block */
    for (k = 0; k < K; ++k) {
        dg_real v = logits[k] + g[k];
        if (perturbed) perturbed[k] = v;
        if (k == 0 || v > best_v) { best = k; best_v = v; }
    }
    return best;
}

/* Does (ka, ca) rank above (kb, cb): the larger key, then the lower code (the earlier class)? */
static int dg__ranks_above(dg_real ka, dg_real ca, dg_real kb, dg_real cb)
{
    return ka > kb || (ka == kb && ca < cb);
}

DGDEF int dg_gumbel_top_k(dg_rng *r, const dg_real *logits, int K, int k, int *top, dg_real *keys)
{
    int i, j, kept = 0, rc = dg__check_logits(logits, K);
    dg_real g[DG_MAX_K], best_v[DG_MAX_K], best_i[DG_MAX_K]; /* on the stack: 3 DG_MAX_K scalars */
    if (!r || !top) return DG_EINVAL;
    if (rc) return rc;
    if (k < 1 || k > K) return DG_EINVAL;
    dg_gumbels(r, g, K); /* the draws of dg_gumbel_max */
    /* the k best so far, best first; a class enters after every kept one it does not rank
       above, so equal keys keep the lower index first */
    for (i = 0; i < K; ++i) {
        dg_real v = logits[i] + g[i];
        if (kept == k && !dg__ranks_above(v, (dg_real)i, best_v[k - 1], best_i[k - 1])) continue;
        j = kept < k ? kept++ : k - 1;
        for (; j > 0 && dg__ranks_above(v, (dg_real)i, best_v[j - 1], best_i[j - 1]); --j) {
            best_v[j] = best_v[j - 1];
            best_i[j] = best_i[j - 1];
        }
        best_v[j] = v;
        best_i[j] = (dg_real)i;
    }
    for (j = 0; j < k; ++j) {
        top[j] = (int)best_i[j];
        if (keys) keys[j] = best_v[j];
    }
    return DG_OK;
}

/* restrict on the element loops of the conditional samplers: with their arrays known apart and a
   trip count that is a multiple of 8, gcc vectorises them at -O2 too (as dg__map), where it
   would otherwise need -O3's runtime alias checks. */
#if defined(__cplusplus)
#if defined(__GNUC__) || defined(__clang__) || defined(_MSC_VER)
#define DG__RESTRICT __restrict
#else
#define DG__RESTRICT
#endif
#elif defined(__STDC_VERSION__) && __STDC_VERSION__ >= 199901L
#define DG__RESTRICT restrict
#else
#define DG__RESTRICT
#endif

/* y = noise(y) + add over n values (op DG__MAP_GUMBEL or DG__MAP_LOGISTIC): the perturbed
   logits phi + noise straight from the uniforms, in the pass that transforms them. */
static DG__NOINLINE void dg__map_plus(int op, dg_real *DG__RESTRICT y, const dg_real *DG__RESTRICT add,
                                      int n)
{
    int i, n8 = n & ~7;
    if (op == DG__MAP_GUMBEL) {
        DG__MAP_GROUPS(dg__gumbel_of(v) + add[i])
    } else {
        DG__MAP_GROUPS(dg__logistic_of(v) + add[i])
    }
}

/* The per-logit pass of dg__cond_gumbel_rows over n values, zb holding each value's z_b. With
   skip_b (a constant at each call) the argmaxes take a branch past the logs and exps whose
   results the selects would discard: for values that run one at a time, the last few of a
   group (a categorical variable of K = 2 has half its work there) and all of them where the
   loop cannot vectorise (double with libm, see DG__VECTOR_F64); the values are the same bits. */
static DG__INLINE void dg__cond_gumbel_values(const dg_real *DG__RESTRICT logits,
                                              const dg_real *DG__RESTRICT hard,
                                              const dg_real *DG__RESTRICT E,
                                              const dg_real *DG__RESTRICT zb,
                                              dg_real *DG__RESTRICT out, dg_real *DG__RESTRICT q,
                                              int n, int skip_b, int with_q)
{
    const dg_real rel = 4 * (DG__IS_FLOAT ? (dg_real)FLT_EPSILON : (dg_real)DBL_EPSILON);
    int i;
    for (i = 0; i < n; ++i) {
        dg_real z_b, le, a, t, z;
        int at_b = hard[i] > 0;
        if (skip_b && at_b) {
            out[i] = zb[i];
            if (with_q) q[i] = 1;
            continue;
        }
        z_b = zb[i];
        le = DG_LOG(E[i]);
        a = le - logits[i] + z_b;
        t = DG_EXP(-DG_FABS(a));
        /* softplus(a) = max(a, 0) + log1p(e^-|a|); for a > 0, zb - a is phi_i - log E_i taken
           directly, without the cancellation */
        z = dg__sel(a > 0, logits[i] - le, z_b) - DG_LOG1P(t);
        /* the argmax must stay b even when softplus(a) is lost to rounding against zb (rarely:
           where the loop runs one value at a time, a branch beats the select's moves between
           floating-point and integer registers) */
        if (skip_b) z = z < z_b ? z : z_b - (DG_FABS(z_b) + 1) * rel;
        else z = dg__sel(z < z_b, z, z_b - (DG_FABS(z_b) + 1) * rel);
        out[i] = dg__sel(at_b, z_b, z);
        if (with_q) q[i] = dg__sel(at_b, (dg_real)1, dg__sel(a > 0, t, (dg_real)1) / (1 + t));
    }
}

/* Conditional Gumbel draws of D categorical rows of K logits given their argmaxes, in the frame
   of logits + g (Maddison et al.'s top-down construction, in log space so that logits of +-1e4
   stay finite). hard holds the one-hot argmax rows, E the D*K exponentials. With
   lse = logsumexp(row), E_b = hard_row . E_row (the exponential at the argmax, found by a dot
   product rather than an index search) and zb = lse - log E_b:
     z_b = zb,   z_i = zb - softplus(a_i),   a_i = log E_i - phi_i + zb   (i != b),
   which is z_i = lse - logaddexp(log E_i - log pi_i, log E_b). Also writes
   q_i = sigmoid(-a_i) = E_b/(E_i/pi_i + E_b) (1 at b) and pi = softmax(row), the factors of the
   Jacobian (dg__cond_gumbel_rows_vjp/_jvp), which the forward pass has at hand; with_jac 0
   skips them (q and pi are then scratch), for callers that only need out.
   Rows go in groups of about DG__BLOCK * 4 values: per row a maximum, a sum, a dot product and
   a log; then one pass over the whole group without a branch or call per value (a log, an exp,
   a log1p and a division), which vectorises however short the rows are. zb is scratch (D*K
   values, the per-row z_b broadcast over the row). No two arrays may alias. */
static void dg__cond_gumbel_rows(const dg_real *logits, int D, int K, const dg_real *hard,
                                 const dg_real *E, dg_real *out, dg_real *q, dg_real *pi,
                                 dg_real *zb, int with_jac)
{
    const int scalar = sizeof(dg_real) == sizeof(double) && !DG__VECTOR_F64;
    int d0, d, k, rows = K < DG__BLOCK * 4 ? DG__BLOCK * 4 / K : 1;
    for (d0 = 0; d0 < D; d0 += rows) {
        int dn = D - d0 < rows ? D - d0 : rows, i0 = d0 * K, i1 = i0 + dn * K;
        int n8 = (i1 - i0) & ~7, i8 = i0 + n8;
        for (d = 0; d < dn; ++d) {
            int j = i0 + d * K;
            dg_real m = dg__max(logits + j, K);
            for (k = 0; k < K; ++k) pi[j + k] = logits[j + k] - m;
            zb[j] = m; /* until the row's sum is known */
        }
        dg__map(DG__MAP_EXP, pi + i0, i1 - i0);
        for (d = 0; d < dn; ++d) {
            int j = i0 + d * K;
            dg_real s = dg__sum(pi + j, K), inv = 1 / s, eb = dg__dot(hard + j, E + j, K);
            dg_real ratio = s / eb, z;
            /* log s - log E_b in one log, unless E_b is so small or so large that s / E_b leaves
               the normal range */
            if (dg__finite(ratio) && ratio >= DG__REAL_MIN) z = zb[j] + DG_LOG(ratio);
            else z = zb[j] + (DG_LOG(s) - DG_LOG(eb));
            if (with_jac)
                for (k = 0; k < K; ++k) pi[j + k] *= inv;
            for (k = 0; k < K; ++k) zb[j + k] = z;
        }
        /* with_jac is a constant in each call of the inlined loop, so neither copy branches */
        if (with_jac) {
            dg__cond_gumbel_values(logits + i0, hard + i0, E + i0, zb + i0, out + i0, q + i0, n8,
                                   scalar, 1);
            dg__cond_gumbel_values(logits + i8, hard + i8, E + i8, zb + i8, out + i8, q + i8,
                                   i1 - i8, 1, 1);
        } else {
            dg__cond_gumbel_values(logits + i0, hard + i0, E + i0, zb + i0, out + i0, q + i0, n8,
                                   scalar, 0);
            dg__cond_gumbel_values(logits + i8, hard + i8, E + i8, zb + i8, out + i8, q + i8,
                                   i1 - i8, 1, 0);
        }
    }
}

/* dphi = (d out / d logits)^T dz for dg__cond_gumbel_rows (hard and E fixed), from its q and pi:
   d out_i / d phi_j = delta_ij (1 - q_i) + pi_j q_i, so per row
   dphi_j = dz_j (1 - q_j) + pi_j (dz . q)  (the last term is the shift by lse - log E_b that
   every value of the row shares, weighted by how much of it each value follows). One reduction
   per row. dphi may alias dz. */
static void dg__cond_gumbel_rows_vjp(const dg_real *q, const dg_real *pi, int D, int K,
                                     const dg_real *dz, dg_real *dphi)
{
    int d, k;
    for (d = 0; d < D; ++d) {
        int j = d * K;
        dg_real c = dg__dot(dz + j, q + j, K);
        for (k = j; k < j + K; ++k) dphi[k] = dz[k] * (1 - q[k]) + pi[k] * c;
    }
}

/* dz = (d out / d logits) v for dg__cond_gumbel_rows, the transpose of the VJP:
   dz_i = v_i (1 - q_i) + q_i (pi . v). dz may alias v. */
static void dg__cond_gumbel_rows_jvp(const dg_real *q, const dg_real *pi, int D, int K,
                                     const dg_real *v, dg_real *dz)
{
    int d, k;
    for (d = 0; d < D; ++d) {
        int j = d * K;
        dg_real pv = dg__dot(pi + j, v + j, K);
        for (k = j; k < j + K; ++k) dz[k] = v[k] + q[k] * (pv - v[k]);
    }
}

/* One row through dg__cond_gumbel_rows, for the public functions: the one-hot row of b, the
   scratch and the result on the stack (3 * DG_MAX_K values), then copied to out, which may
   alias the caller's logits or E. */
static void dg__cond_gumbel_one(const dg_real *logits, int K, int b, const dg_real *E,
                                dg_real *out, dg_real *q, dg_real *pi)
{
    dg_real hard[DG_MAX_K], zb[DG_MAX_K], z[DG_MAX_K];
    int k;
    /* every caller has checked K; inlined into a caller's error path whose K is too large, gcc
       (32-bit targets) cannot see that and warns that the loops would overrun the arrays */
    if (K > DG_MAX_K) return;
    hard[0] = 1; /* K >= 1: tells gcc the row is initialised */
    for (k = 0; k < K; ++k) hard[k] = (dg_real)(k == b);
    dg__cond_gumbel_rows(logits, 1, K, hard, E, z, q, pi, zb, 1);
    dg__copy(out, z, K);
}

DGDEF int dg_gumbel_given_argmax(dg_rng *r, const dg_real *logits, int K, int b,
                                 dg_real *perturbed)
{
    int rc = dg__check_logits(logits, K);
    dg_real E[DG_MAX_K], q[DG_MAX_K], pi[DG_MAX_K]; /* on the stack: 3 * DG_MAX_K scalars */
    if (!r || !perturbed || b < 0 || (rc == DG_OK && b >= K)) return DG_EINVAL;
    if (rc) return rc;
    E[0] = 0; /* K >= 1 is written below; set here, or gcc -O3 warns E may be unset */
    dg_exponentials(r, E, K); /* the values of K dg_exponential calls, as one block */
    dg__cond_gumbel_one(logits, K, b, E, perturbed, q, pi);
    return DG_OK;
}

/* Conditional logistic draws of D Bernoulli variables given their bits (hard, 0 or 1), from the
   uniforms v, in the frame of logit + L. For b = 0, z = log(theta v / (1 - v(1 - theta))),
   written as log sigmoid(s) + log(w / (1 - w sigmoid(-s))) with s = phi, w = v (log sigmoid
   apart, so that it stays finite where sigmoid(s) underflows); b = 1 is the
   mirror image z(phi, v) = -z0(-phi, 1 - v), which is exactly the u' = (1 - theta) + v theta
   rule: s = -phi, w = 1 - v. Also writes deriv = dz/dphi = sigmoid(-s) w1 / (w1 + w sigmoid(s))
   with w1 = 1 - w (taken as v itself for b = 1, not 1 - (1 - v)): (1 - theta)(1 - v) /
   (1 - v + v theta) for b = 0, theta v / (1 - theta + v theta) for b = 1. One pass without a
   branch or call per value (an exp, a log, a log1p, two divisions): the sigmoids of +-s come
   from one e^-|s|, and the bit's two cases are selects. No two arrays may alias. */
static DG__INLINE void dg__cond_logistic_values(const dg_real *DG__RESTRICT logits,
                                                const dg_real *DG__RESTRICT hard,
                                                const dg_real *DG__RESTRICT v,
                                                dg_real *DG__RESTRICT out,
                                                dg_real *DG__RESTRICT deriv, int D)
{
    int i;
    for (i = 0; i < D; ++i) {
        int b = hard[i] > 0;
        dg_real vi = v[i], s = dg__sel(b, -logits[i], logits[i]);
        dg_real w = dg__sel(b, 1 - vi, vi), w1 = dg__sel(b, vi, 1 - vi);
        dg_real e = DG_EXP(dg__sel(s > 0, -s, s)), inv = 1 / (1 + e);
        dg_real sig_s = dg__sel(s > 0, (dg_real)1, e) * inv;     /* sigmoid(s) */
        dg_real sig_ms = dg__sel(s > 0, e, (dg_real)1) * inv;    /* sigmoid(-s) */
        /* 1 - w sigmoid(-s) as w1 + w sigmoid(s): nonnegative terms, no cancellation (for b = 1
           and small v it keeps v, which 1 - w has lost) */
        dg_real q = 1 / (w1 + w * sig_s);
        dg_real z0 = (dg__sel(s > 0, (dg_real)0, s) - DG_LOG1P(e)) + DG_LOG(w * q);
        z0 = dg__sel(z0 > 0, (dg_real)0, z0); /* rounding must not flip the bit */
        out[i] = dg__sel(b, dg__sel(z0 < 0, -z0, DG__REAL_MIN), z0);
        deriv[i] = sig_ms * w1 * q;
    }
}

/* dg__cond_logistic_values over the largest multiple of 8 values (the loop gcc vectorises at
   -O2), then the last few. */
static void dg__cond_logistic_bits(const dg_real *logits, int D, const dg_real *hard,
                                   const dg_real *v, dg_real *out, dg_real *deriv)
{
    int n8 = D & ~7;
    dg__cond_logistic_values(logits, hard, v, out, deriv, n8);
    dg__cond_logistic_values(logits + n8, hard + n8, v + n8, out + n8, deriv + n8, D - n8);
}

DGDEF int dg_logistic_given_bit(dg_rng *r, dg_real logit, int b, dg_real *z)
{
    dg_real v, bit = (dg_real)b, deriv;
    if (!r || !z || (b != 0 && b != 1)) return DG_EINVAL;
    if (!dg__finite(logit)) return DG_EDOMAIN;
    v = dg_uniform(r);
    dg__cond_logistic_bits(&logit, 1, &bit, &v, z, &deriv);
    return DG_OK;
}

DGDEF int dg_logistic_given_bit_at(dg_real logit, int b, dg_real v, dg_real *z,
                                   dg_real *dz_dlogit)
{
    dg_real bit = (dg_real)b, deriv;
    if (!z || (b != 0 && b != 1) || !(v > 0 && v < 1)) return DG_EINVAL;
    if (!dg__finite(logit)) return DG_EDOMAIN;
    dg__cond_logistic_bits(&logit, 1, &bit, &v, z, &deriv);
    if (dz_dlogit) *dz_dlogit = deriv;
    return DG_OK;
}

static int dg__check_cond_gumbel_args(const dg_real *logits, int K, int b, const dg_real *E)
{
    int k, rc = dg__check_logits(logits, K);
    if (!E || b < 0 || (rc == DG_OK && b >= K)) return DG_EINVAL;
    if (rc) return rc;
    for (k = 0; k < K; ++k) if (!(E[k] > 0)) return DG_EINVAL;
    return dg__all_finite(E, K) ? DG_OK : DG_EDOMAIN;
}

DGDEF int dg_gumbel_given_argmax_at(const dg_real *logits, int K, int b, const dg_real *E,
                                    dg_real *perturbed)
{
    int rc = dg__check_cond_gumbel_args(logits, K, b, E);
    dg_real q[DG_MAX_K], pi[DG_MAX_K];
    if (rc) return rc;
    if (!perturbed) return DG_EINVAL;
    dg__cond_gumbel_one(logits, K, b, E, perturbed, q, pi);
    return DG_OK;
}

DGDEF int dg_gumbel_given_argmax_vjp(const dg_real *logits, int K, int b, const dg_real *E,
                                     const dg_real *dperturbed, dg_real *dlogits)
{
    int rc = dg__check_cond_gumbel_args(logits, K, b, E);
    dg_real out[DG_MAX_K], q[DG_MAX_K], pi[DG_MAX_K];
    if (rc) return rc;
    if (!dperturbed || !dlogits) return DG_EINVAL;
    if (!dg__all_finite(dperturbed, K)) return DG_EDOMAIN;
    dg__cond_gumbel_one(logits, K, b, E, out, q, pi);
    dg__cond_gumbel_rows_vjp(q, pi, 1, K, dperturbed, dlogits);
    return DG_OK;
}

/* ---------------------------------------------------------------------------------------------
   softmax family
   ------------------------------------------------------------------------------------------- */
DGDEF dg_real dg_logsumexp(const dg_real *x, int K)
{
    int k;
    dg_real m, s = 0;
    if (!x || K < 1) return (dg_real)NAN;
    m = dg__max(x, K);
    for (k = 0; k < K; ++k) if (x[k] != x[k]) return x[k];
    if (m - m != 0) return m; /* +-inf */
    for (k = 0; k < K; ++k) s += DG_EXP(x[k] - m);
    return m + DG_LOG(s);
}

/* softmax_tau of D rows of K values without checks (tau > 0); y may alias x. Rows go in groups
   of about DG__BLOCK * 4 values, each in three passes: shift by the row maximum and scale, then
   exp over the whole group as one long vectorised loop (the costly part: short rows would leave
   it mostly in loop tails), then normalise each row. */
static void dg__softmax_rows_hard(const dg_real *x, int D, int K, dg_real tau, dg_real *y,
                                  dg_real *hard);

static void dg__softmax_rows(const dg_real *x, int D, int K, dg_real tau, dg_real *y)
{
    dg__softmax_rows_hard(x, D, K, tau, y, NULL);
}

/* dg__softmax_rows, and when hard is not NULL the one-hot argmax of each row of x as well
   (as dg__hard), from the row maximum the softmax computes anyway. hard may not alias x. */
static void dg__softmax_rows_hard(const dg_real *x, int D, int K, dg_real tau, dg_real *y,
                                  dg_real *hard)
{
    int d0, d, k, rows = K < DG__BLOCK * 4 ? DG__BLOCK * 4 / K : 1;
    dg_real inv_tau = 1 / tau;
    for (d0 = 0; d0 < D; d0 += rows) {
        int dn = D - d0 < rows ? D - d0 : rows, n = dn * K;
        const dg_real *xg = x + d0 * K;
        dg_real *yg = y + d0 * K;
        for (d = 0; d < dn; ++d) {
            dg_real m = dg__max(xg + d * K, K);
            if (hard) { /* before y overwrites x when they alias */
                const dg_real *xr = xg + d * K;
                dg_real *hr = hard + (d0 + d) * K, ties = 0;
                /* a compare per value, no scan for the first maximum (whose branch mispredicts
                   once per row on random rows); a tie, which continuous noise almost never
                   gives, falls back to the lowest index as dg__hard */
                for (k = 0; k < K; ++k) ties += (hr[k] = xr[k] == m);
                if (ties != 1) {
                    int best;
                    for (best = 0; best < K - 1 && !(xr[best] == m); ++best) {}
                    dg__one_hot(hr, K, best);
                }
            }
            for (k = 0; k < K; ++k) yg[d * K + k] = (xg[d * K + k] - m) * inv_tau;
        }
        dg__map(DG__MAP_EXP, yg, n);
        for (d = 0; d < dn; ++d) {
            dg_real s = 1 / dg__sum(yg + d * K, K);
            for (k = 0; k < K; ++k) yg[d * K + k] *= s;
        }
    }
}

/* softmax_tau of one row without checks (tau > 0); y may alias x. */
static void dg__softmax_row(const dg_real *x, int K, dg_real tau, dg_real *y)
{
    dg__softmax_rows(x, 1, K, tau, y);
}

/* Vector-Jacobian product of softmax_tau of D rows without checks; dx may alias dy. */
static void dg__softmax_rows_backward(const dg_real *y, const dg_real *dy, int D, int K,
                                      dg_real tau, dg_real *dx)
{
    int d, k;
    dg_real inv_tau = 1 / tau;
    for (d = 0; d < D; ++d) {
        const dg_real *yr = y + d * K, *dyr = dy + d * K;
        dg_real *dxr = dx + d * K, dot = dg__dot(yr, dyr, K);
        for (k = 0; k < K; ++k) dxr[k] = inv_tau * yr[k] * (dyr[k] - dot);
    }
}

/* Vector-Jacobian product of softmax_tau of one row without checks; dx may alias dy. */
static void dg__softmax_row_backward(const dg_real *y, const dg_real *dy, int K, dg_real tau,
                                     dg_real *dx)
{
    dg__softmax_rows_backward(y, dy, 1, K, tau, dx);
}

static int dg__check_softmax_args(const dg_real *x, int K, dg_real tau, const dg_real *y)
{
    if (!x || !y || K < 1 || !(tau >= 0)) return DG_EINVAL;
    if (!dg__all_finite(x, K) || !dg__finite(tau) || (tau > 0 && tau < DG__REAL_MIN))
        return DG_EDOMAIN;
    return DG_OK;
}

DGDEF int dg_softmax(const dg_real *x, int K, dg_real tau, dg_real *y)
{
    int rc = dg__check_softmax_args(x, K, tau, y);
    if (rc) return rc;
    if (tau == 0) {
        dg__one_hot(y, K, dg__argmax(x, K));
        return DG_OK;
    }
    dg__softmax_row(x, K, tau, y);
    return DG_OK;
}

DGDEF int dg_log_softmax(const dg_real *x, int K, dg_real tau, dg_real *y)
{
    int k, rc = dg__check_softmax_args(x, K, tau, y);
    dg_real m, s = 0, lse;
    if (rc) return rc;
    if (tau == 0) {
        int best = dg__argmax(x, K);
        for (k = 0; k < K; ++k) y[k] = k == best ? 0 : -(dg_real)INFINITY;
        return DG_OK;
    }
    m = dg__max(x, K);
    for (k = 0; k < K; ++k) s += DG_EXP((x[k] - m) / tau);
    lse = DG_LOG(s);
    for (k = 0; k < K; ++k) y[k] = (x[k] - m) / tau - lse;
    return DG_OK;
}

DGDEF int dg_softmax_backward(const dg_real *y, const dg_real *dy, int K, dg_real tau,
                              dg_real *dx)
{
    if (!y || !dy || !dx || K < 1 || !(tau > 0)) return DG_EINVAL;
    if (!dg__finite(tau) || tau < DG__REAL_MIN || !dg__all_finite(y, K) || !dg__all_finite(dy, K))
        return DG_EDOMAIN;
    dg__softmax_row_backward(y, dy, K, tau, dx);
    return DG_OK;
}

/* ---------------------------------------------------------------------------------------------
   problem / estimator core

   Both kinds share one vocabulary so every estimator is written once:
     n        logits in the problem: D (Bernoulli) or D*K (categorical)
     probs    E_q z: sigmoid(phi) or softmax rows
     x        perturbed logits phi + noise (logistic or Gumbel)
     hard     the discrete sample H(x): bits, or one-hot rows of the argmax
     score    d log q(hard) / d phi = hard - probs, the same formula for both kinds (the
              estimators fuse it into their own loops)
     relaxed  sigma(x / tau) or softmax_tau rows, with its vector-Jacobian product
     cond     conditional noise given hard (uniforms v for Bernoulli, exponentials E for
              categorical) and the conditional perturbed logits x~ it yields, with their VJP

   Every method is written as the same five steps, which dg_ask, dg_tell and dg_estimate put
   together: ask_prefix and ask_sample write an example's points (and the noise its tell needs)
   before and for each of its samples; tell_begin, tell_sample and tell_end combine the values
   of those points into the estimate and into a delta for the learned state, which dg_commit
   folds in. dg_estimate runs them one sample at a time through a window of the estimator's
   memory, calling f in between, so a call of M samples needs the memory of one.
   ------------------------------------------------------------------------------------------- */
static int dg__n(const dg_problem *p) { return p->kind == DG_BERNOULLI ? p->D : p->D * p->K; }
static int dg__row(const dg_problem *p) { return p->kind == DG_BERNOULLI ? 1 : p->K; }
static int dg__batch(const dg_problem *p) { return p->batch > 0 ? p->batch : 1; }

/* The largest number of logits of one example, so that sizes in dg_real units never overflow
   a size_t on 32-bit targets for the methods' few dozen vectors. */
#define DG__MAX_N (1L << 22)

/* The checks of a problem that read no logits: shape and the header's limits (needs_f: f too). */
static int dg__check_shape(const dg_problem *p, int needs_f)
{
    int K;
    if (!p || !p->logits || p->D < 1 || p->batch < 0) return DG_EINVAL;
    if (needs_f && !p->f) return DG_EINVAL;
    if (p->kind != DG_BERNOULLI && p->kind != DG_CATEGORICAL) return DG_EINVAL;
    K = dg__row(p);
    if (K < 1) return DG_EINVAL;
    if (K > DG_MAX_K || p->D > DG__MAX_N / K || dg__batch(p) > DG__MAX_N / (p->D * K))
        return DG_ECAPACITY;
    return DG_OK;
}

/* The checks that read the logits (every example of a batch), and f_grad when needed. */
static int dg__check_values(const dg_problem *p, int needs_grad)
{
    if (!dg__all_finite(p->logits, dg__n(p) * dg__batch(p))) return DG_EDOMAIN;
    if (needs_grad && !p->f_grad) return DG_ENEEDGRAD;
    return DG_OK;
}

/* f(z), counted in info; DG_EDOMAIN when the value is not finite. */
static int dg__eval_f(const dg_problem *p, const dg_real *z, dg_real *value, dg_info *info)
{
    dg_real v = p->f(z, p->user);
    info->f_evals++;
    if (!dg__finite(v)) return DG_EDOMAIN;
    *value = v;
    return DG_OK;
}

/* f(z) and df/dz, counted in info; DG_EDOMAIN when any value is not finite. */
static int dg__eval_f_grad(const dg_problem *p, const dg_real *z, dg_real *dz, dg_real *value,
                           dg_info *info)
{
    dg_real v = p->f_grad(z, dz, p->user);
    info->grad_evals++;
    if (!dg__finite(v) || !dg__all_finite(dz, dg__n(p))) return DG_EDOMAIN;
    *value = v;
    return DG_OK;
}

static void dg__probs(const dg_problem *p, dg_real *probs)
{
    int n = dg__n(p), K = dg__row(p);
    if (p->kind == DG_BERNOULLI) {
        dg__copy(probs, p->logits, n);
        dg__map(DG__MAP_SIGMOID, probs, n);
        return;
    }
    dg__softmax_rows(p->logits, p->D, K, 1, probs);
}

/* x = phi + noise: logistic noise per Bernoulli variable, Gumbel noise per categorical logit;
   the same values as dg_logistic / dg_gumbel drawn in order. Whole blocks of uniforms first,
   then one vectorised transform loop per block; x may alias the logits. */
static void dg__draw_perturbed(dg_rng *r, const dg_problem *p, dg_real *x)
{
    dg_real u[DG__BLOCK];
    const dg_real *phi = p->logits;
    int i0, i, m, n = dg__n(p);
    for (i0 = 0; i0 < n; i0 += DG__BLOCK) {
        m = n - i0 < DG__BLOCK ? n - i0 : DG__BLOCK;
        dg__uniform_block(r, u, m);
        dg__map(p->kind == DG_BERNOULLI ? DG__MAP_LOGISTIC : DG__MAP_GUMBEL, u, m);
        for (i = 0; i < m; ++i) x[i0 + i] = phi[i0 + i] + u[i];
    }
}

/* hard = H(x): 1[x > 0] per bit, or the one-hot argmax of each row. hard may not alias x. */
static void dg__hard(const dg_problem *p, const dg_real *x, dg_real *hard)
{
    int d, K = dg__row(p);
    if (p->kind == DG_BERNOULLI) {
        for (d = 0; d < p->D; ++d) hard[d] = x[d] > 0;
        return;
    }
    for (d = 0; d < p->D; ++d) dg__one_hot(hard + d * K, K, dg__argmax(x + d * K, K));
}

/* relaxed = sigma(x / tau) per bit, or softmax_tau of each row. relaxed may alias x. */
static void dg__relax(const dg_problem *p, const dg_real *x, dg_real tau, dg_real *relaxed)
{
    int d;
    dg_real inv_tau = 1 / tau;
    if (p->kind == DG_BERNOULLI) {
        for (d = 0; d < p->D; ++d) relaxed[d] = x[d] * inv_tau;
        dg__map(DG__MAP_SIGMOID, relaxed, p->D);
        return;
    }
    dg__softmax_rows(x, p->D, p->K, tau, relaxed);
}

/* dg__relax and, when hard is not NULL, dg__hard in one pass over the rows (they share the row
   maximum). Neither output may alias x. */
static void dg__relax_hard(const dg_problem *p, const dg_real *x, dg_real tau, dg_real *relaxed,
                           dg_real *hard)
{
    if (p->kind == DG_BERNOULLI) {
        dg__relax(p, x, tau, relaxed);
        if (hard) dg__hard(p, x, hard);
        return;
    }
    dg__softmax_rows_hard(x, p->D, p->K, tau, relaxed, hard);
}

/* x = phi + noise, its relaxation and, when hard is not NULL, H(x), group by group of whole
   rows (about 4 DG__BLOCK values) so that x never leaves the L1 cache: x is built in relaxed,
   which the relaxation then overwrites in place. Noise comes from r, or from the array noise
   (dg__n values) when r is NULL. The same values as dg__draw_perturbed (or phi + noise) followed
   by dg__relax_hard, one pass over memory fewer. */
static void dg__perturb_relax(dg_rng *r, const dg_problem *p, const dg_real *noise, dg_real tau,
                              dg_real *relaxed, dg_real *hard)
{
    int K = dg__row(p), n = dg__n(p), group = (K < DG__BLOCK * 4 ? DG__BLOCK * 4 / K : 1) * K;
    int i0, i, m;
    dg_problem g = *p;
    for (i0 = 0; i0 < n; i0 += group) {
        dg_real *xg = relaxed + i0;
        m = n - i0 < group ? n - i0 : group;
        if (r) {
            dg__uniform_block(r, xg, m);
            dg__map_plus(p->kind == DG_BERNOULLI ? DG__MAP_LOGISTIC : DG__MAP_GUMBEL, xg,
                         p->logits + i0, m);
        } else {
            for (i = 0; i < m; ++i) xg[i] = noise[i0 + i] + p->logits[i0 + i];
        }
        g.D = m / K;
        g.logits = p->logits + i0;
        if (p->kind == DG_CATEGORICAL) {
            dg__softmax_rows_hard(xg, g.D, K, tau, xg, hard ? hard + i0 : NULL);
            continue;
        }
        if (hard) dg__hard(&g, xg, hard + i0); /* before the relaxation overwrites x */
        dg__relax(&g, xg, tau, xg);
    }
}

/* dx = (d relaxed / d x)^T dz, given relaxed = dg__relax(x): z(1 - z)/tau per bit, the softmax
   VJP per row. dx may alias dz. */
static void dg__relax_backward(const dg_problem *p, const dg_real *relaxed, const dg_real *dz,
                               dg_real tau, dg_real *dx)
{
    int d;
    dg_real inv_tau = 1 / tau;
    if (p->kind == DG_BERNOULLI) {
        for (d = 0; d < p->D; ++d) dx[d] = dz[d] * relaxed[d] * (1 - relaxed[d]) * inv_tau;
        return;
    }
    dg__softmax_rows_backward(relaxed, dz, p->D, p->K, tau, dx);
}

/* Conditional noise for the sample hard: a uniform per Bernoulli variable, an exponential per
   categorical logit. */
static void dg__draw_cond_noise(dg_rng *r, const dg_problem *p, dg_real *noise)
{
    int n = dg__n(p);
    dg__uniform_block(r, noise, n);
    if (p->kind == DG_CATEGORICAL) dg__map(DG__MAP_EXPONENTIAL, noise, n);
}

/* x~ = perturbed logits conditioned on H(x~) = hard, a deterministic function of
   (phi, hard, noise); H(x~) == hard always. Also writes the factors of its Jacobian wrt phi
   that dg__cond_perturbed_vjp/_jvp take: jac (n values; dx~/dphi per bit, q per categorical
   logit, see dg__cond_gumbel_rows) and, for categorical problems, pi = softmax of each row of
   phi; tmp is scratch (categorical, n values). with_jac 0: only xt is meaningful (jac and pi are
   scratch then; the Bernoulli derivative costs one product and is written anyway). No two
   arrays may alias. */
static void dg__cond_perturbed(const dg_problem *p, const dg_real *hard, const dg_real *noise,
                               dg_real *xt, dg_real *jac, dg_real *pi, dg_real *tmp, int with_jac)
{
    if (p->kind == DG_BERNOULLI)
        dg__cond_logistic_bits(p->logits, p->D, hard, noise, xt, jac);
    else
        dg__cond_gumbel_rows(p->logits, p->D, p->K, hard, noise, xt, jac, pi, tmp, with_jac);
}

/* dphi = (d x~ / d phi)^T dxt with hard and noise fixed, from the jac and pi dg__cond_perturbed
   wrote (pi: softmax rows of phi, unused for Bernoulli). dphi may alias dxt. */
static void dg__cond_perturbed_vjp(const dg_problem *p, const dg_real *jac, const dg_real *pi,
                                   const dg_real *dxt, dg_real *dphi)
{
    int d;
    if (p->kind == DG_BERNOULLI) {
        for (d = 0; d < p->D; ++d) dphi[d] = dxt[d] * jac[d];
        return;
    }
    dg__cond_gumbel_rows_vjp(jac, pi, p->D, p->K, dxt, dphi);
}

/* Jacobian-vector product of x~(phi) (hard and noise fixed): dxt = (d x~ / d phi) dphi, from
   the same factors. dxt may alias dphi. */
static void dg__cond_perturbed_jvp(const dg_problem *p, const dg_real *jac, const dg_real *pi,
                                   const dg_real *dphi, dg_real *dxt)
{
    int d;
    if (p->kind == DG_BERNOULLI) {
        for (d = 0; d < p->D; ++d) dxt[d] = dphi[d] * jac[d];
        return;
    }
    dg__cond_gumbel_rows_jvp(jac, pi, p->D, p->K, dphi, dxt);
}

static int dg__needs_grad(dg_method m)
{
    return m == DG_GUMBEL_SOFTMAX || m == DG_STRAIGHT_THROUGH || m == DG_GUMBEL_RAO ||
           m == DG_MUPROP || m == DG_REBAR || m == DG_RELAX || m == DG_REINMAX;
}

static dg_real dg__default_tau(dg_method m)
{
    return (m == DG_REBAR || m == DG_RELAX) ? (dg_real)0.5 : (dg_real)1;
}

static void dg__cv_init(dg_cv_state *cv, const dg_config *c); /* control-variate section */
static long dg__enum_count(const dg_problem *p);               /* exact section */
static int dg__exact_fits(const dg_problem *p);
static int dg__set_size(const dg_config *c, const dg_problem *p); /* without replacement */

/* The methods that draw their samples together, without replacement. */
static int dg__is_set(dg_method m) { return DG__IS(m, DG_UNORDERED_SET) || DG__IS(m, DG_SUM_AND_SAMPLE); }

/* Whether an estimator's method is one this build has (an uninitialised estimator's may not be). */
static int dg__method_compiled(dg_method m)
{
    return (int)m >= DG_EXACT && (int)m <= DG__METHOD_LAST && DG__METHOD_ON(m);
}

/* Their scratch for a draw of k configurations of D variables, n logits: 7 k for the searches,
   k (k + 3) for the tell, and k (n - D) more, so that with the k D classes of the prefix's
   data the memory is k (n + k + 7), which grows with n as every method's does (a problem of
   more logits must not fit the memory of fewer). */
static long dg__set_work(int k, long n, int D) { return (long)k * (k + 7 + n - D); }

/* Validates cfg and fills in its defaults; the rules of dg_init. */
static int dg__config(const dg_config *cfg, dg_config *out)
{
    dg_config c;
    if (!cfg) return DG_EINVAL;
    memcpy(&c, cfg, sizeof c); /* padding too: an estimator's bytes are its configuration's */
    if ((int)c.method < DG_EXACT || (int)c.method > DG__METHOD_LAST) return DG_EINVAL;
    if (!DG__METHOD_ON(c.method)) return DG_EUNSUPPORTED; /* left out of DG_METHODS */
    if ((unsigned)c.baseline > (unsigned)DG__BASELINE_LAST) return DG_EINVAL; /* < 0 wraps above */
    if (c.samples < 0 || ((c.method == DG_RLOO || c.method == DG_VIMCO) && c.samples == 1))
        return DG_EINVAL;
    if (c.samples > DG_MAX_SAMPLES || (dg__is_set(c.method) && c.samples > DG_MAX_SET))
        return DG_ECAPACITY;
    if (!(c.tau >= 0) || !dg__finite(c.tau) || (c.tau > 0 && c.tau < DG__REAL_MIN)) return DG_EINVAL;
    if (c.method == DG_REINMAX && c.tau > 0 && c.tau < 1) return DG_EINVAL; /* see DG_REINMAX */
    if (!(c.ema_decay >= 0 && c.ema_decay < 1)) return DG_EINVAL;
    if (!dg__finite(c.eta) || !dg__finite(c.lr) || c.lr < 0) return DG_EINVAL;
    if (!dg__finite(c.baseline_value)) return DG_EINVAL;
    if (c.samples == 0)
        c.samples = c.method == DG_RLOO || c.method == DG_VIMCO ? 2 : dg__is_set(c.method) ? 4 : 1;
    if (c.tau == 0) c.tau = dg__default_tau(c.method);
    if (c.ema_decay == 0) c.ema_decay = (dg_real)0.9;
    if (c.eta == 0) c.eta = 1;
    if (c.lr == 0) c.lr = (dg_real)0.01;
    memcpy(out, &c, sizeof c);
    return DG_OK;
}

/* Where an example's points and noise go: P0 points and Q0 values before its samples (MuProp's
   mean point, Gumbel-Rao's discrete sample, exact enumeration's configurations; the softmax rows
   of REBAR and RELAX), then Ps points and Qs values per sample. A method that keeps values
   (keep per example: VIMCO's l_k, one per sample; the set methods' weights) tells its samples
   twice (dg__tell_again) and keeps them in dg_estimate's window and in a draw's staging area,
   beside the estimate. W is scratch the method needs in the estimator's memory beyond its
   work vectors, after the window (the set methods' searches and ratios). */
typedef struct dg__shape {
    int P0, Ps, M;
    long Q0, Qs;
    int keep;
    long W;
} dg__shape;

/* Whether method m tells its samples twice, and the values it keeps for an example of M. */
static int dg__two_pass(dg_method m) { return DG__IS(m, DG_VIMCO) || dg__is_set(m); }
static int dg__keep(dg_method m, int M) { return dg__two_pass(m) ? M : 0; }

/* DG_INDECATER's points per draw: x, then every other class of every variable. */
static long dg__ic_points(dg_kind kind, int D, int K)
{
    return 1 + (long)D * (kind == DG_BERNOULLI ? 1 : K - 1);
}

/* The largest number of points DG_INDECATER evaluates per example and call. */
#define DG__IC_MAX_POINTS DG__MAX_N

static int dg__shape_of(const dg_config *c, const dg_problem *p, dg__shape *s)
{
    long n = dg__n(p);
    if (!dg__method_compiled(c->method)) return DG_EINVAL; /* an estimator's garbage */
    s->P0 = s->Ps = 0;
    s->Q0 = s->Qs = 0;
    s->M = c->samples;
    s->W = 0;
    switch (DG__METHOD_OF(c)) {
    DG__CASE(DG_EXACT): {
        long count = dg__enum_count(p);
        if (count < 0) return DG_ECAPACITY;
        s->P0 = (int)count;
        s->M = 0;
        break;
    }
    DG__CASE(DG_REINFORCE):
    DG__CASE(DG_RLOO): s->Ps = 1; s->Q0 = n; break; /* E_q z, the draws' and the tell's */
    DG__CASE(DG_GUMBEL_SOFTMAX): s->Ps = 1; break;
    DG__CASE(DG_STRAIGHT_THROUGH): s->Ps = 1; s->Qs = n; break;
    DG__CASE(DG_GUMBEL_RAO): s->P0 = 1; s->Qs = n; break;
    DG__CASE(DG_MUPROP): s->P0 = 1; s->Ps = 1; break;
    DG__CASE(DG_REBAR):
    DG__CASE(DG_RELAX): s->Ps = c->tune ? 7 : 3; s->Q0 = n; s->Qs = n; break;
    DG__CASE(DG_ARM):
        if (p->kind == DG_CATEGORICAL) {
            s->Ps = p->K;
            s->Qs = (long)p->D + p->K + 1;
        } else {
            s->Ps = 2;
            s->Q0 = 2 * n; /* sigma(phi) and sigma(-phi) */
            s->Qs = n;
        }
        break;
    DG__CASE(DG_DISARM):
        if (p->kind == DG_CATEGORICAL) return DG_EUNSUPPORTED;
        s->Ps = 2;
        s->Q0 = 2 * n;
        break;
    DG__CASE(DG_REINMAX): s->Ps = 1; break;
    DG__CASE(DG_INDECATER): {
        /* one point per "sample" of the drivers: dg_estimate then evaluates the 1 + D (K - 1)
           points of a draw one at a time, in O(n) memory, and a draw's points are its cfg.samples
           draws' points in order */
        long per = dg__ic_points(p->kind, p->D, dg__row(p));
        if (per > DG__IC_MAX_POINTS / c->samples) return DG_ECAPACITY;
        s->Ps = 1;
        s->M = (int)(per * c->samples);
        break;
    }
    DG__CASE(DG_VIMCO): s->Ps = 1; s->Q0 = n; break; /* E_q z, as the score family's */
    DG__CASE(DG_UNORDERED_SET):
    DG__CASE(DG_SUM_AND_SAMPLE):
        /* one point per "sample" of the drivers, as IndeCateR's; the prefix's data holds the
           classes of the M configurations, which the search draws together */
        s->M = dg__set_size(c, p);
        s->Ps = 1;
        s->Q0 = (long)s->M * p->D;
        s->W = dg__set_work(s->M, n, p->D);
        break;
    }
    s->keep = dg__keep(c->method, s->M);
    return DG_OK;
}

/* The estimator's memory for problems of n logits, in this order: the learned arrays and what is
   pending for them (their place depends only on n, so they survive calls), the scratch vectors,
   and the window in which dg_estimate runs one sample at a time. */
typedef struct dg__layout {
    int n;
    dg_real *opt_fs2, *opt_s2, *pend_fs2, *pend_s2; /* DG_BASELINE_OPTIMAL's sums */
    dg_real *w1, *w1_m, *w1_v, *pend_dw1;           /* DG_RELAX: the net's first layer */
    dg_real *work;                                  /* DG__NWORK_BASE (+ hidden) vectors */
    dg_real *win;                                   /* dg_estimate's one-sample window */
    dg_real *scratch;                               /* the shape's W values after it */
    size_t total;                                   /* dg_real values in all */
} dg__layout;

#define DG__W(L, slot) ((L)->work + (size_t)(slot) * (size_t)(L)->n)

static size_t dg__window_size(const dg_config *c, const dg__shape *s, size_t n)
{
    size_t pts = (size_t)(s->P0 + s->Ps);
    if (c->method == DG_EXACT) return 0;
    return pts * n * (dg__needs_grad(c->method) ? 2 : 1) + (size_t)(s->Q0 + s->Qs) + pts +
           (size_t)s->keep;
}

/* Lays the memory out from base, room values (or only counts it, base NULL), and returns the
   count; what does not fit gets NULL (the caller compares the count with room). */
static size_t dg__layout_of(const dg_config *c, int n_logits, const dg__shape *s, dg_real *base,
                            size_t room, dg__layout *L)
{
    size_t n = (size_t)n_logits, H = DG_RELAX_HIDDEN, off = 0;
    int optimal = c->method == DG_REINFORCE && c->baseline == DG_BASELINE_OPTIMAL;
    int net = c->method == DG_RELAX;
#define DG__TAKE(ptr, count)                   \
    do {                                       \
        (ptr) = base && off <= room ? base + off : (dg_real *)0; \
        off += (count);                        \
    } while (0)
    L->n = n_logits;
    L->opt_fs2 = L->opt_s2 = L->pend_fs2 = L->pend_s2 = 0;
    L->w1 = L->w1_m = L->w1_v = L->pend_dw1 = 0;
    L->work = L->win = L->scratch = 0;
    if (optimal) {
        DG__TAKE(L->opt_fs2, n);
        DG__TAKE(L->opt_s2, n);
        DG__TAKE(L->pend_fs2, n);
        DG__TAKE(L->pend_s2, n);
    }
    if (net) {
        DG__TAKE(L->w1, H * n);
        DG__TAKE(L->w1_m, H * n);
        DG__TAKE(L->w1_v, H * n);
        DG__TAKE(L->pend_dw1, H * n);
    }
    if (c->method != DG_EXACT) {
        DG__TAKE(L->work, (DG__NWORK_BASE + (net ? H : 0)) * n);
        if (s) {
            DG__TAKE(L->win, dg__window_size(c, s, n));
            DG__TAKE(L->scratch, (size_t)s->W);
        }
    }
#undef DG__TAKE
    L->total = off;
    return off;
}

/* The estimator's layout for problem p (its learned arrays only when s is NULL); DG_ECAPACITY
   when the memory given to dg_init is too small for it. */
static int dg__layout_for(dg_estimator *e, const dg_problem *p, const dg__shape *s, dg__layout *L)
{
    /* laid out from the memory given (addresses past its end are only computed, never used
       unless the count fits) */
    return dg__layout_of(&e->cfg, dg__n(p), s, e->mem, e->mem_count, L) > e->mem_count ? DG_ECAPACITY
                                                                                   : DG_OK;
}

DGDEF size_t dg_estimator_reals(const dg_config *cfg, const dg_problem *shape)
{
    dg_config c;
    dg__shape s;
    dg__layout L;
    dg_problem q;
    if (dg__config(cfg, &c) || !shape || shape->D < 1) return 0;
    if (shape->kind != DG_BERNOULLI && shape->kind != DG_CATEGORICAL) return 0;
    q = *shape;
    if (dg__row(&q) < 1 || dg__row(&q) > DG_MAX_K || q.D > DG__MAX_N / dg__row(&q)) return 0;
    /* a shape the method refuses (too many configurations to enumerate, DG_DISARM on
       categorical variables) needs what its refusal checks: no window */
    return dg__layout_of(&c, dg__n(&q), dg__shape_of(&c, &q, &s) ? 0 : &s, 0, 0, &L);
}

DGDEF int dg_init(dg_estimator *e, const dg_config *cfg, dg_real *memory, size_t count)
{
    dg_config c;
    uint64_t x;
    int rc;
    if (!e) return DG_EINVAL;
    rc = dg__config(cfg, &c);
    if (rc) return rc;
    if (count > 0 && !memory) return DG_EINVAL;
    memcpy(&e->cfg, &c, sizeof c);
    dg_rng_seed(&e->rng, c.seed, c.stream);
    /* the estimator's name for its draws: where it lives and how it was seeded */
    x = (uint64_t)(uintptr_t)e ^ (c.seed * UINT64_C(0x9e3779b97f4a7c15)) ^ c.stream;
    e->id = dg__splitmix64(&x);
    e->asked = 0;
    e->steps = 0;
    e->commits = 0;
    e->sf.ema = 0;
    e->sf.ema_ready = 0;
    e->sf.opt_n = 0;
    e->sf.sig_mean = e->sf.sig_var = 0;
    e->sf.sig_ready = 0;
    dg__cv_init(&e->cv, &c);
    e->net_n = 0;
    memset(&e->pend, 0, sizeof e->pend);
    e->mem = memory;
    e->mem_count = count;
    return DG_OK;
}

/* All bits zero is 0 for every integer and IEEE field, including fields added later. */
static void dg__info_clear(dg_info *info)
{
    unsigned char *b = (unsigned char *)info;
    size_t k;
    for (k = 0; k < sizeof *info; ++k) b[k] = 0;
}

/* A finite f can still overflow a sum of them: the last check before a method succeeds. */
static int dg__finish(const dg_problem *p, const dg_real *grad, const dg_info *info)
{
    if (!dg__finite(info->f_mean) || !dg__finite(info->baseline) ||
        !dg__finite(info->learning_signal) || !dg__finite(info->bound))
        return DG_EDOMAIN;
    return dg__all_finite(grad, dg__n(p)) ? DG_OK : DG_EDOMAIN;
}

/* One example being asked or told. */
typedef struct dg__run {
    dg_estimator *e;
    const dg__layout *L;
    const dg_problem *p;        /* the example: shape, logits, callbacks, baseline input */
    dg_rng *rng;                /* ask: the noise, or NULL for ... */
    const dg_real *noise;       /* ... the noise arrays of dg_relaxed_grad_at */
    const dg_real *cond_noise;
    dg_real tau;                /* the temperature the points are drawn at */
    int fill_unused;            /* categorical ARM: fill unused slots with the sample (dg_ask) */
} dg__run;

/* The points of a prefix or of one sample, with their values, gradients and stored noise. */
typedef struct dg__pts {
    dg_real *z;
    const dg_real *v;
    const dg_real *dz;
    dg_real *data;
} dg__pts;

/* What a tell accumulates over an example's samples. */
typedef struct dg__sf_draws {
    int M;                      /* draws */
    dg_real shift;              /* the first draw's signal */
    dg_real total;              /* sum of (v_m - shift) */
    dg_real total_sq;           /* sum of (v_m - shift)^2 */
    dg_real f_mean;             /* mean of f_m, as a running mean that cannot overflow */
    dg_real cv_total;           /* DG_BASELINE_CV: sum of b(z_m) */
    const dg_real *probs;       /* pi = E_q z */
    dg_real *ones;              /* ones[i]: draws with hard_i = 1 */
    dg_real *sum1;              /* sum1[i]: sum of (v_m - shift) over those draws */
} dg__sf_draws;

/* VIMCO's first pass over an example's samples: l_k, and running log-sum-exps of them. */
typedef struct dg__vi_sums {
    dg_real shift;              /* l_0 */
    dg_real sum;                /* sum of (l_k - shift), for the leave-one-out means */
    dg_real top;                /* the largest l_k, first at index top_k */
    int top_k;
    dg_real rest_m, rest_s;     /* the others' log-sum-exp: rest_m + log rest_s (rest_s 0: none) */
    dg_real lse, lse_rest;      /* log sum_k exp(l_k), and without the largest (second pass) */
    dg_real rest, norm;         /* exp(lse_rest - top), and norm = 1 + rest = sum_k exp(l_k - top) */
    dg_real f_mean, lhat_sum;
} dg__vi_sums;

typedef struct dg__acc {
    dg_real *grad;              /* the example's estimate */
    dg_real *kept;              /* the shape's keep values of the example (VIMCO: l_k, then w_k) */
    dg__sf_draws sf;            /* the score family's sufficient statistics */
    dg__vi_sums vi;             /* VIMCO's */
    dg_real f_sum, f_mean, loss;
    dg_real f_at;               /* IndeCateR: f at the current draw's sample */
    dg_real baseline;           /* DG_UNORDERED_SET: the mean of its b_s */
    long evals;
    const dg__pts *prefix;
} dg__acc;

/* What a tell adds to the learned state, for dg_commit: over the examples and samples told. */
typedef struct dg__delta {
    long draws;
    dg_real f_mean;             /* DG_BASELINE_EMA: the mean of f over the draws */
    long sig_n;                 /* DG_BASELINE_INPUT with normalize: pooled moments of f - b(x) */
    dg_real sig_mean, sig_var;
    int opt;                    /* DG_BASELINE_OPTIMAL: sums in the scratch slots DFS2, DS2 */
    long tune_draws;            /* REBAR/RELAX tuning: the sums of the draws' gradients */
    int tune_bad;
    dg_real d_log_tau, d_eta, sum_ac, sum_cc, d_b2;
    dg_real d_w2[DG_RELAX_HIDDEN], d_b1[DG_RELAX_HIDDEN];
} dg__delta;

/* Pools the mean and (population) variance of n2 values into those of n1 (Chan et al.). */
static void dg__pool(long *n1, dg_real *mean1, dg_real *var1, long n2, dg_real mean2, dg_real var2)
{
    dg_real N, dm;
    if (*n1 == 0) {
        *n1 = n2;
        *mean1 = mean2;
        *var1 = var2;
        return;
    }
    N = (dg_real)(*n1 + n2);
    dm = mean2 - *mean1;
    *var1 = ((dg_real)*n1 * *var1 + (dg_real)n2 * var2) / N +
            dm * dm * ((dg_real)*n1 / N) * ((dg_real)n2 / N);
    *mean1 += dm * ((dg_real)n2 / N);
    *n1 += n2;
}

/* Folds a running mean of n2 values into one of n1. */
static void dg__mean_into(long *n1, dg_real *mean1, long n2, dg_real mean2)
{
    if (*n1 == 0) *mean1 = mean2;
    else *mean1 += (mean2 - *mean1) * ((dg_real)n2 / (dg_real)(*n1 + n2));
    *n1 += n2;
}

/* ---------------------------------------------------------------------------------------------
   score-function family

   Every coordinate i of a discrete sample is 0 or 1 in both kinds (a bit, or one entry of a
   one-hot row), so its score s_i = hard_i - pi_i takes only two values: 1 - pi_i or -pi_i. Any
   sum over the M draws of an example of (v_m - c_m) s_mi, for every baseline rule here, is then
   a function of two per-coordinate sums (how many draws had hard_i = 1, and the sum of their
   signals v) and a few scalars. The draws are reduced to those sums as they are told, and the
   leave-one-out baselines (RLOO, the optimal c within a call) come out in closed form from the
   same sums without a second pass.
   Signals are summed relative to the first draw's value (shift), so a large common offset in f
   does not swamp the differences that carry the gradient.
   ------------------------------------------------------------------------------------------- */
enum {
    DG__W_GRAD = 0, /* every method: the example's estimate (dg_estimate, dg_relaxed_grad_at) */
    DG__W_SF_ONES = 1, DG__W_SF_SUM1, DG__W_SF_CVGRAD,
    DG__W_SF_DFS2, DG__W_SF_DS2 /* DG_BASELINE_OPTIMAL: what a tell adds to the sums */
};

/* A discrete sample drawn straight from probs: one uniform per Bernoulli variable (1[u < p]),
   one per categorical row by inverting its CDF. The score family needs no relaxation, so this
   skips the per-logit noise of dg__draw_perturbed. */
static void dg__sample_hard(dg_rng *r, const dg_problem *p, const dg_real *probs, dg_real *hard)
{
    dg_real u[DG__BLOCK];
    int d0, d, m, K = dg__row(p);
    if (p->kind == DG_BERNOULLI) { /* the uniforms as one block, in place */
        dg__uniform_block(r, hard, p->D);
        for (d = 0; d < p->D; ++d) hard[d] = hard[d] < probs[d];
        return;
    }
    for (d0 = 0; d0 < p->D; d0 += DG__BLOCK) {
        m = p->D - d0 < DG__BLOCK ? p->D - d0 : DG__BLOCK;
        dg__uniform_block(r, u, m);
        dg__inverse_cdf_rows(probs + d0 * K, m, K, u, hard + d0 * K);
    }
}

/* E_q z once per example, kept with the draw for its samples and its tell. */
static void dg__sf_ask_prefix(const dg__run *r, dg__pts *pre) { dg__probs(r->p, pre->data); }

static void dg__sf_ask_sample(const dg__run *r, const dg__pts *pre, dg__pts *s)
{
    dg__sample_hard(r->rng, r->p, pre->data, s->z);
}

static void dg__sf_tell_begin(const dg__run *r, dg__acc *a, const dg__pts *pre)
{
    dg__sf_draws *s = &a->sf;
    s->M = r->e->cfg.samples;
    s->shift = s->total = s->total_sq = s->f_mean = s->cv_total = 0;
    s->probs = pre->data;
    s->ones = DG__W(r->L, DG__W_SF_ONES);
    s->sum1 = DG__W(r->L, DG__W_SF_SUM1);
}

/* Folds draw m into the sums. Its signal is f(z), or f(z) - b(z) with DG_BASELINE_CV. */
static int dg__sf_tell_sample(const dg__run *r, dg__acc *a, int m, const dg__pts *pt)
{
    dg__sf_draws *s = &a->sf;
    const dg_problem *p = r->p;
    const dg_real *hard = pt->z;
    dg_real *ones = s->ones, *sum1 = s->sum1; /* in locals, as in dg__sf_fixed_baseline */
    dg_real f = pt->v[0], v = f, g;
    int i, n = dg__n(p);
    if (r->e->cfg.method == DG_REINFORCE && r->e->cfg.baseline == DG_BASELINE_CV) {
        dg_real b = p->cv(hard, p->user);
        if (!dg__finite(b)) return DG_EDOMAIN;
        s->cv_total += b;
        v = f - b;
    }
    if (m == 0) s->shift = v;
    g = v - s->shift;
    s->total += g;
    s->total_sq += g * g;
    s->f_mean += (f - s->f_mean) / (dg_real)(m + 1);
    /* hard is 0 or 1, so these are the counts and sums of the draws with hard_i = 1, without
       a branch per coordinate. The first draw's g is 0 (its own shift): it initialises both
       arrays, which saves a zeroing pass (a memset per array, per call). */
    if (m == 0) {
        for (i = 0; i < n; ++i) { ones[i] = hard[i]; sum1[i] = hard[i] * g; }
    } else {
        for (i = 0; i < n; ++i) { ones[i] += hard[i]; sum1[i] += hard[i] * g; }
    }
    return DG_OK;
}

/* grad_i = (1/M) sum_m (v_m - c) s_mi for one baseline c shared by every draw and coordinate. */
static void dg__sf_fixed_baseline(const dg__sf_draws *s, int n, dg_real c, dg_real *grad)
{
    /* the sums in locals: read through s in the loop, they would be reloaded after every store
       to grad (which, for the compiler, might alias them), and the loop would not vectorise */
    const dg_real *probs = s->probs, *ones = s->ones, *sum1 = s->sum1;
    dg_real cs = c - s->shift, draws = (dg_real)s->M, total = s->total, inv_m = 1 / draws;
    int i;
    for (i = 0; i < n; ++i) {
        dg_real pi = probs[i], n1 = ones[i], n0 = draws - n1;
        dg_real g1 = sum1[i], g0 = total - g1;
        grad[i] = ((1 - pi) * (g1 - n1 * cs) - pi * (g0 - n0 * cs)) * inv_m;
    }
}

/* RLOO: grad_i = 1/(M-1) sum_m (v_m - mean v) s_mi, which is the average over draws of
   (v_m - mean of the other draws) s_mi. */
static void dg__sf_loo_mean(const dg__sf_draws *s, int n, dg_real *grad)
{
    const dg_real *probs = s->probs, *ones = s->ones, *sum1 = s->sum1; /* as above */
    dg_real draws = (dg_real)s->M, total = s->total, mean = total / draws;
    dg_real inv = (dg_real)1 / (dg_real)(s->M - 1);
    int i;
    for (i = 0; i < n; ++i) {
        dg_real pi = probs[i], n1 = ones[i], n0 = draws - n1;
        dg_real g1 = sum1[i], g0 = total - g1;
        grad[i] = ((1 - pi) * (g1 - n1 * mean) - pi * (g0 - n0 * mean)) * inv;
    }
}

/* DG_BASELINE_OPTIMAL: draw m's baseline for coordinate i is c_i = sum f s_i^2 / sum s_i^2 over
   the committed sums and this example's other draws, never draw m itself. With w1 = (1 - pi)^2,
   w0 = pi^2 and the draws grouped by hard_i, c_i is the same ratio for every draw of a group
   except for removing its own term, so each group's sum of c_i and of (v - c_i) s_i has a
   closed form. A ratio with nothing in its denominator (the first call with one draw) falls
   back to c_i = 0. Returns the mean over draws and coordinates of the c used. */
static dg_real dg__sf_optimal(const dg_sf_state *sf, const dg__layout *L, const dg__sf_draws *s,
                              int n, dg_real *grad)
{
    int i, have = sf->opt_n == n;
    dg_real inv_m = (dg_real)1 / (dg_real)s->M, c_total = 0;
    for (i = 0; i < n; ++i) {
        dg_real pi = s->probs[i], w1 = (1 - pi) * (1 - pi), w0 = pi * pi;
        dg_real n1 = s->ones[i], n0 = (dg_real)s->M - n1;
        dg_real g1 = s->sum1[i], g0 = s->total - g1;
        dg_real B = have ? L->opt_s2[i] : 0;
        dg_real A = have ? L->opt_fs2[i] - s->shift * B : 0; /* in the shifted frame */
        dg_real t1 = 0, t0 = 0, c1 = 0, c0 = 0;      /* per group: sum of (v - c), of c */
        if (n1 > 0) {
            dg_real den = B + (n1 - 1) * w1 + n0 * w0;
            c1 = den > 0 ? (n1 * A + (n1 - 1) * g1 * w1 + n1 * g0 * w0) / den : -n1 * s->shift;
            t1 = g1 - c1;
        }
        if (n0 > 0) {
            dg_real den = B + n1 * w1 + (n0 - 1) * w0;
            c0 = den > 0 ? (n0 * A + n0 * g1 * w1 + (n0 - 1) * g0 * w0) / den : -n0 * s->shift;
            t0 = g0 - c0;
        }
        grad[i] = ((1 - pi) * t1 - pi * t0) * inv_m;
        c_total += (c1 + c0) * inv_m + s->shift;
    }
    return c_total / (dg_real)n;
}

/* This example's terms of the optimal baseline's sums, added to (first: written to) fs2, s2. */
static void dg__sf_optimal_terms(const dg__sf_draws *s, int n, int first, dg_real *fs2, dg_real *s2)
{
    int i;
    for (i = 0; i < n; ++i) {
        dg_real pi = s->probs[i], w1 = (1 - pi) * (1 - pi), w0 = pi * pi;
        dg_real n1 = s->ones[i], n0 = (dg_real)s->M - n1;
        dg_real f1 = s->sum1[i] + n1 * s->shift, f0 = (s->total - s->sum1[i]) + n0 * s->shift;
        dg_real tf = f1 * w1 + f0 * w0, ts = n1 * w1 + n0 * w0;
        if (first) { fs2[i] = tf; s2[i] = ts; }
        else { fs2[i] += tf; s2[i] += ts; }
    }
}

static int dg__reinforce_tell_end(const dg__run *r, dg__acc *a, dg_info *info, dg__delta *dl)
{
    const dg_estimator *e = r->e;
    const dg_problem *p = r->p;
    dg_baseline bl = e->cfg.baseline;
    dg__sf_draws *s = &a->sf;
    dg_real c = 0, scale = 1, *grad = a->grad;
    int i, n = dg__n(p), rc;
    info->f_mean = s->f_mean;
    switch (bl) {
    case DG_BASELINE_CONSTANT: c = e->cfg.baseline_value; break;
    case DG_BASELINE_EMA: c = e->sf.ema_ready ? e->sf.ema : 0; break;
    case DG_BASELINE_INPUT:
        c = p->baseline_input;
        if (e->cfg.normalize && e->sf.sig_ready && e->sf.sig_var > 1) scale = DG_SQRT(e->sf.sig_var);
        break;
    default: break;
    }
    if (bl == DG_BASELINE_OPTIMAL) {
        info->baseline = dg__sf_optimal(&e->sf, r->L, s, n, grad);
    } else {
        dg__sf_fixed_baseline(s, n, c, grad);
        info->baseline = bl == DG_BASELINE_CV ? s->cv_total / (dg_real)s->M : c;
    }
    if (scale != 1)
        for (i = 0; i < n; ++i) grad[i] /= scale;
    if (bl == DG_BASELINE_CV) {
        dg_real *mean_grad = DG__W(r->L, DG__W_SF_CVGRAD);
        p->cv_mean_grad(p->logits, mean_grad, p->user);
        if (!dg__all_finite(mean_grad, n)) return DG_EDOMAIN;
        for (i = 0; i < n; ++i) grad[i] += mean_grad[i];
    }
    info->learning_signal = info->f_mean - info->baseline;
    rc = dg__finish(p, grad, info);
    if (rc) return rc;
    if (bl == DG_BASELINE_OPTIMAL) {
        dg__sf_optimal_terms(s, n, !dl->opt, DG__W(r->L, DG__W_SF_DFS2), DG__W(r->L, DG__W_SF_DS2));
        dl->opt = 1;
    }
    if (bl == DG_BASELINE_INPUT && e->cfg.normalize) {
        /* the draws' moments of l = f - b(x) */
        dg_real mean_g = s->total / (dg_real)s->M;
        dg_real var_b = s->total_sq / (dg_real)s->M - mean_g * mean_g;
        if (var_b < 0) var_b = 0;
        dg__pool(&dl->sig_n, &dl->sig_mean, &dl->sig_var, s->M, s->shift + mean_g - c, var_b);
    }
    dg__mean_into(&dl->draws, &dl->f_mean, s->M, s->f_mean);
    return DG_OK;
}

static int dg__rloo_tell_end(const dg__run *r, dg__acc *a, dg_info *info, dg__delta *dl)
{
    dg__sf_loo_mean(&a->sf, dg__n(r->p), a->grad);
    info->f_mean = info->baseline = a->sf.f_mean;
    (void)dl;
    return dg__finish(r->p, a->grad, info);
}

/* ---------------------------------------------------------------------------------------------
   VIMCO (Mnih & Rezende 2016): the multi-sample bound L = log (1/K) sum_k exp(l_k),
   l_k = f(z_k) - log q(z_k), K = cfg.samples draws of the score family's sampler, and
     g = sum_k c_k s_k,   c_k = (L - Lhat_k) - w_k,   w_k = exp(l_k - LSE),
   LSE = log sum_j exp(l_j), Lhat_k = log (1/K) [ sum_{j != k} exp(l_j) + exp(mean_{j != k} l_j) ].
   Derivation: E[L] = sum_{z_1..z_K} prod_k q(z_k) L(z, phi), and L depends on phi through the
   densities and through each l_k, whose gradient is -s_k; so grad E[L] = E[ sum_k L s_k +
   sum_k w_k (-s_k) ], and Lhat_k, a function of the other draws only, has E[Lhat_k s_k] = 0.
   Every c_k needs all K values, so the samples are told twice: the first pass computes l_k (log q
   from the log-probabilities of each coordinate being 1 or 0), keeps it, and folds it into two
   running log-sum-exps, of all values and of all but the largest; the second adds c_k s_k. The
   sum without l_k is LSE + log1p(-w_k) for every k but the largest (w_k <= 1/2 there, so no
   cancellation) and the kept log-sum-exp without the largest for that one: finite and accurate
   for any spread of the l_k, where exp(LSE) - exp(l_k) would lose everything when one weight
   is near 1.
   ------------------------------------------------------------------------------------------- */
enum { DG__W_VI_LQ1 = 1, DG__W_VI_LQ0 }; /* log q of each coordinate being 1, being 0 */

/* lq1, lq0 = log q of each coordinate being 1, being 0: log sigma(+-phi) per bit, computed as
   min(+-phi, 0) - log1p(exp(-|phi|)); log softmax and 0 per row. Loops without branches (the
   exps as one vectorised map), as the noise's. */
static void dg__vi_tell_begin(const dg__run *r, dg__acc *a, const dg__pts *pre)
{
    const dg_problem *p = r->p;
    const dg_real *x = p->logits;
    dg_real *lq1 = DG__W(r->L, DG__W_VI_LQ1), *lq0 = DG__W(r->L, DG__W_VI_LQ0);
    int d, i, k, K = dg__row(p), n = dg__n(p);
    a->prefix = pre; /* E_q z, kept with the draw */
    if (p->kind == DG_BERNOULLI) {
        for (i = 0; i < n; ++i) lq0[i] = -DG_FABS(x[i]);
        dg__map(DG__MAP_EXP, lq0, n);
        for (i = 0; i < n; ++i) {
            dg_real t = DG_LOG1P(lq0[i]);
            lq1[i] = dg__sel(x[i] < 0, x[i], 0) - t;
            lq0[i] = dg__sel(x[i] > 0, -x[i], 0) - t;
        }
    } else {
        for (d = 0; d < p->D; ++d) {
            dg_real m = dg__max(x + d * K, K);
            for (k = 0; k < K; ++k) lq1[d * K + k] = x[d * K + k] - m;
        }
        dg__copy(lq0, lq1, n);
        dg__map(DG__MAP_EXP, lq0, n);
        for (d = 0; d < p->D; ++d) {
            dg_real t = DG_LOG(dg__sum(lq0 + d * K, K));
            for (k = 0; k < K; ++k) lq1[d * K + k] -= t;
        }
        for (i = 0; i < n; ++i) lq0[i] = 0;
    }
    memset(&a->vi, 0, sizeof a->vi);
}

/* log q(z) of a discrete sample: the sum of lq1 where z is 1 and lq0 where it is 0 (selected,
   not mixed, so a likely sample's small log q keeps its digits), in 8 lanes as dg__sum. */
static dg_real dg__vi_log_q(const dg_real *z, const dg_real *lq1, const dg_real *lq0, int n)
{
    dg_real a[8] = {0, 0, 0, 0, 0, 0, 0, 0}, t = 0;
    int i = 0, j;
    for (; i + 8 <= n; i += 8)
        for (j = 0; j < 8; ++j) a[j] += dg__sel(z[i + j] > 0, lq1[i + j], lq0[i + j]);
    for (; i < n; ++i) t += dg__sel(z[i] > 0, lq1[i], lq0[i]);
    return (((a[0] + a[4]) + (a[1] + a[5])) + ((a[2] + a[6]) + (a[3] + a[7]))) + t;
}

/* First pass, sample m: l_m kept, and folded into the log-sum-exps. */
static int dg__vi_tell_sample(const dg__run *r, dg__acc *a, int m, const dg__pts *pt)
{
    dg__vi_sums *v = &a->vi;
    dg_real l, x;
    l = pt->v[0] - dg__vi_log_q(pt->z, DG__W(r->L, DG__W_VI_LQ1), DG__W(r->L, DG__W_VI_LQ0),
                                dg__n(r->p));
    if (!dg__finite(l)) return DG_EDOMAIN;
    a->kept[m] = l;
    v->f_mean += (pt->v[0] - v->f_mean) / (dg_real)(m + 1);
    if (m == 0) {
        v->shift = v->top = l;
        return DG_OK;
    }
    v->sum += l - v->shift;
    if (l > v->top) { /* the old largest joins the others */
        x = v->top;
        v->top = l;
        v->top_k = m;
    } else {
        x = l;
    }
    if (v->rest_s == 0) {
        v->rest_m = x;
        v->rest_s = 1;
    } else if (x > v->rest_m) {
        v->rest_s = v->rest_s * DG_EXP(v->rest_m - x) + 1;
        v->rest_m = x;
    } else {
        v->rest_s += DG_EXP(x - v->rest_m);
    }
    return DG_OK;
}

/* Second pass, sample m (the same point again): grad += c_m s_m. */
static int dg__vi_tell_again(const dg__run *r, dg__acc *a, int m, const dg__pts *pt)
{
    dg__vi_sums *v = &a->vi;
    const dg_real *z = pt->z, *probs = a->prefix->data;
    dg_real l = a->kept[m], x, w, loo, mu, hi, lo, lhat, c, *grad = a->grad;
    int i, n = dg__n(r->p), M = r->e->cfg.samples;
    if (m == 0) { /* K >= 2: the others are never empty */
        v->lse_rest = v->rest_m + DG_LOG(v->rest_s);
        v->rest = DG_EXP(v->lse_rest - v->top);
        v->norm = 1 + v->rest;
        v->lse = v->top + DG_LOG1P(v->rest);
    }
    /* Relative to the largest l, not to lse: at |l| ~ 1e17 lse rounds to the top, and exp(l - lse)
       would give two tied samples a weight of 1 each. Beside the top, the others' sum keeps the
       top's term, so log sum_{j != m} exp(l_j) never cancels. */
    x = DG_EXP(l - v->top);
    w = x / v->norm;
    loo = m == v->top_k ? v->lse_rest : v->top + DG_LOG1P(v->rest - x);
    mu = v->shift + (v->sum - (l - v->shift)) / (dg_real)(M - 1); /* mean of the others */
    hi = loo > mu ? loo : mu;
    lo = loo > mu ? mu : loo;
    lhat = hi + DG_LOG1P(DG_EXP(lo - hi)); /* Lhat_m + log K */
    c = (v->lse - lhat) - w;
    v->lhat_sum += lhat;
    if (m == 0) for (i = 0; i < n; ++i) grad[i] = c * (z[i] - probs[i]);
    else for (i = 0; i < n; ++i) grad[i] += c * (z[i] - probs[i]);
    return DG_OK;
}

static int dg__vi_tell_end(const dg__run *r, dg__acc *a, dg_info *info, dg__delta *dl)
{
    dg__vi_sums *v = &a->vi;
    int k, M = r->e->cfg.samples;
    dg_real log_k = DG_LOG((dg_real)M), sum = 0;
    (void)dl;
    info->f_mean = v->f_mean;
    info->bound = v->lse - log_k;
    info->baseline = v->lhat_sum / (dg_real)M - log_k;
    info->learning_signal = info->bound - info->baseline;
    if (!dg__finite(info->bound)) return DG_EDOMAIN;
    /* The weights, normalised by their own sum so that they sum to one within rounding at any
       magnitude (the norm of the second pass carries log-then-exp error of lse_rest's size). */
    for (k = 0; k < M; ++k) {
        a->kept[k] = DG_EXP(a->kept[k] - v->top);
        sum += a->kept[k];
    }
    for (k = 0; k < M; ++k) a->kept[k] /= sum;
    return dg__finish(r->p, a->grad, info);
}

/* ---------------------------------------------------------------------------------------------
   relaxations
   ------------------------------------------------------------------------------------------- */
enum {
    DG__W_RX_DPHI = 1, /* J^T dz of one draw */
    DG__W_RX_X,        /* perturbed logits x, or the conditional x~ */
    DG__W_RX_SOFT,     /* soft(x~) */
    DG__W_RX_JAC,      /* dg__cond_perturbed's Jacobian factors and scratch (unused here) */
    DG__W_RX_PI,
    DG__W_RX_TMP
};

static int dg__is_relaxation(dg_method m)
{
    return DG__IS(m, DG_GUMBEL_SOFTMAX) || DG__IS(m, DG_STRAIGHT_THROUGH) || DG__IS(m, DG_GUMBEL_RAO);
}

/* GUMBEL_RAO's one discrete sample: x = phi + noise, from the rng or the caller's noise. */
static void dg__rx_ask_prefix(const dg__run *r, dg__pts *pre)
{
    const dg_problem *p = r->p;
    dg_real *x = DG__W(r->L, DG__W_RX_X);
    int i, n = dg__n(p);
    if (r->e->cfg.method != DG_GUMBEL_RAO) return;
    if (r->rng) dg__draw_perturbed(r->rng, p, x);
    else for (i = 0; i < n; ++i) x[i] = p->logits[i] + r->noise[i];
    dg__hard(p, x, pre->z);
}

/* Draw m: GUMBEL_SOFTMAX's relaxed point, STRAIGHT_THROUGH's hard point with its relaxation
   kept as data, or GUMBEL_RAO's conditional noise. */
static void dg__rx_ask_sample(const dg__run *r, int m, dg__pts *s)
{
    const dg_problem *p = r->p;
    dg_method method = r->e->cfg.method;
    int n = dg__n(p);
    if (method == DG_GUMBEL_RAO) {
        if (r->rng) dg__draw_cond_noise(r->rng, p, s->data);
        else dg__copy(s->data, r->cond_noise + (size_t)m * n, n);
        return;
    }
    if (method == DG_STRAIGHT_THROUGH)
        dg__perturb_relax(r->rng, p, r->rng ? NULL : r->noise + (size_t)m * n, r->tau, s->data, s->z);
    else
        dg__perturb_relax(r->rng, p, r->rng ? NULL : r->noise + (size_t)m * n, r->tau, s->z, NULL);
}

static void dg__rx_tell_begin(const dg__run *r, dg__acc *a, const dg__pts *pre)
{
    (void)r;
    a->prefix = pre;
    a->f_sum = 0;
}

/* The three relaxations, one code path: each of the S draws contributes J(x_s)^T dz_s, where
   x_s is phi + noise (GUMBEL_SOFTMAX, STRAIGHT_THROUGH) or the conditional x~_s given one
   discrete sample (GUMBEL_RAO), and dz_s = grad f at soft(x_s), at H(x_s), or at that one sample. */
static int dg__rx_tell_sample(const dg__run *r, dg__acc *a, int m, const dg__pts *s)
{
    const dg_problem *p = r->p;
    dg_method method = r->e->cfg.method;
    const dg_real *soft = s->z, *dz = s->dz;
    dg_real *dphi = DG__W(r->L, DG__W_RX_DPHI);
    int i, n = dg__n(p);
    if (method == DG_GUMBEL_RAO) {
        dg_real *x = DG__W(r->L, DG__W_RX_X), *sx = DG__W(r->L, DG__W_RX_SOFT);
        dg__cond_perturbed(p, a->prefix->z, s->data, x, DG__W(r->L, DG__W_RX_JAC),
                           DG__W(r->L, DG__W_RX_PI), DG__W(r->L, DG__W_RX_TMP), 0);
        dg__relax_hard(p, x, r->tau, sx, NULL);
        soft = sx;
        dz = a->prefix->dz;
    } else {
        if (method == DG_STRAIGHT_THROUGH) soft = s->data;
        a->f_sum += s->v[0];
    }
    /* the first draw's VJP goes straight to grad: no zeroing pass, no copy; with one draw
       (the default) there is nothing to add or divide either */
    if (m == 0) {
        dg__relax_backward(p, soft, dz, r->tau, a->grad);
    } else {
        dg__relax_backward(p, soft, dz, r->tau, dphi);
        for (i = 0; i < n; ++i) a->grad[i] += dphi[i];
    }
    return DG_OK;
}

static int dg__rx_tell_end(const dg__run *r, dg__acc *a, dg_info *info, dg__delta *dl)
{
    int i, n = dg__n(r->p), S = r->e->cfg.samples;
    (void)dl;
    if (S > 1)
        for (i = 0; i < n; ++i) a->grad[i] /= (dg_real)S;
    /* finite values of f_grad can still overflow the sums: DG_EDOMAIN, nothing returned */
    if (!dg__all_finite(a->grad, n) || !dg__finite(a->f_sum)) return DG_EDOMAIN;
    info->f_mean = r->e->cfg.method == DG_GUMBEL_RAO ? a->prefix->v[0] : a->f_sum / (dg_real)S;
    info->tau = r->tau;
    return DG_OK;
}

/* The conditional noise must be what the conditional samplers accept: uniforms strictly inside
   (0,1) for bits, positive finite exponentials for categorical logits. */
static int dg__check_cond_noise(const dg_problem *p, const dg_real *c, long count)
{
    long i;
    for (i = 0; i < count; ++i) {
        if (p->kind == DG_BERNOULLI ? !(c[i] > 0 && c[i] < 1) : !(c[i] > 0)) return DG_EINVAL;
        if (!dg__finite(c[i])) return DG_EDOMAIN;
    }
    return DG_OK;
}

DGDEF int dg_tau_schedule(dg_real tau0, dg_real tau_min, dg_real rate, long step, dg_real *tau)
{
    dg_real t;
    if (!tau || !(tau0 > 0) || !(tau_min >= DG__REAL_MIN) || !(rate >= 0) || step < 0)
        return DG_EINVAL;
    if (!dg__finite(tau0) || !dg__finite(tau_min) || !dg__finite(rate)) return DG_EINVAL;
    t = tau0 * DG_EXP(-rate * (dg_real)step);
    *tau = t > tau_min ? t : tau_min;
    return DG_OK;
}

DGDEF int dg_set_tau(dg_estimator *e, dg_real tau)
{
    if (!e || !(tau >= DG__REAL_MIN) || !dg__finite(tau)) return DG_EINVAL; /* 1/tau finite */
    if (e->cfg.method == DG_REINMAX && tau < 1) return DG_EINVAL;
    if (!dg__is_relaxation(e->cfg.method) && e->cfg.method != DG_REINMAX) return DG_EUNSUPPORTED;
    e->cfg.tau = tau;
    return DG_OK;
}

/* ---------------------------------------------------------------------------------------------
   ReinMax

   One discrete sample b ~ q per draw (one uniform per variable, as the score family draws it)
   and grad f(b); the tell forms 2 J(pbar)^T g - 1/2 J(pi)^T g with pbar = (pi_tau + b)/2, row by
   row, and per bit (2 pbar (1 - pbar) - 1/2 p (1 - p)) g.
   ------------------------------------------------------------------------------------------- */
enum {
    DG__W_RM_PROBS = 1, /* pi = E_q z: ask draws b from it, tell takes J(pi) */
    DG__W_RM_SOFT       /* tell: pi_tau = sigma(phi / tau) or softmax(phi / tau) */
};

static void dg__rm_ask_prefix(const dg__run *r) { dg__probs(r->p, DG__W(r->L, DG__W_RM_PROBS)); }

static void dg__rm_ask_sample(const dg__run *r, dg__pts *s)
{
    dg__sample_hard(r->rng, r->p, DG__W(r->L, DG__W_RM_PROBS), s->z);
}

static void dg__rm_tell_begin(const dg__run *r, dg__acc *a)
{
    dg__probs(r->p, DG__W(r->L, DG__W_RM_PROBS));
    dg__relax(r->p, r->p->logits, r->tau, DG__W(r->L, DG__W_RM_SOFT));
    a->f_mean = 0;
}

static int dg__rm_tell_sample(const dg__run *r, dg__acc *a, int m, const dg__pts *s)
{
    const dg_problem *p = r->p;
    const dg_real *pi = DG__W(r->L, DG__W_RM_PROBS), *pt = DG__W(r->L, DG__W_RM_SOFT);
    const dg_real *hard = s->z, *g = s->dz;
    dg_real *grad = a->grad, half = (dg_real)0.5;
    int d, k, K = dg__row(p);
    a->f_mean += (s->v[0] - a->f_mean) / (dg_real)(m + 1); /* finite whenever every f is */
    if (p->kind == DG_BERNOULLI) {
        for (d = 0; d < p->D; ++d) {
            dg_real pb = (pt[d] + hard[d]) * half;
            dg_real w = 2 * pb * (1 - pb) - half * pi[d] * (1 - pi[d]);
            grad[d] = m ? grad[d] + w * g[d] : w * g[d];
        }
        return DG_OK;
    }
    for (d = 0; d < p->D; ++d) {
        const dg_real *pr = pi + d * K, *tr = pt + d * K, *hr = hard + d * K, *gr = g + d * K;
        dg_real *out = grad + d * K, dot_bar = 0, dot_pi = 0;
        for (k = 0; k < K; ++k) {
            dot_bar += (tr[k] + hr[k]) * gr[k];
            dot_pi += pr[k] * gr[k];
        }
        dot_bar *= half; /* <pbar, g> */
        for (k = 0; k < K; ++k) {
            dg_real e = 2 * ((tr[k] + hr[k]) * half) * (gr[k] - dot_bar) - half * pr[k] * (gr[k] - dot_pi);
            out[k] = m ? out[k] + e : e;
        }
    }
    return DG_OK;
}

static int dg__rm_tell_end(const dg__run *r, dg__acc *a, dg_info *info, dg__delta *dl)
{
    int i, n = dg__n(r->p), S = r->e->cfg.samples;
    (void)dl;
    if (S > 1)
        for (i = 0; i < n; ++i) a->grad[i] /= (dg_real)S;
    info->f_mean = a->f_mean;
    info->tau = r->tau;
    return dg__finish(r->p, a->grad, info);
}

/* ---------------------------------------------------------------------------------------------
   MuProp
   ------------------------------------------------------------------------------------------- */
enum { DG__W_MP_X = 1, DG__W_MP_T };

static void dg__mp_ask_prefix(const dg__run *r, dg__pts *pre) { dg__probs(r->p, pre->z); }

static void dg__mp_ask_sample(const dg__run *r, dg__pts *s)
{
    dg_real *x = DG__W(r->L, DG__W_MP_X);
    dg__draw_perturbed(r->rng, r->p, x);
    dg__hard(r->p, x, s->z);
}

static void dg__mp_tell_begin(const dg__run *r, dg__acc *a, const dg__pts *pre)
{
    int i, n = dg__n(r->p);
    a->prefix = pre;
    a->f_sum = 0;
    for (i = 0; i < n; ++i) a->grad[i] = 0;
}

static int dg__mp_tell_sample(const dg__run *r, dg__acc *a, const dg__pts *s)
{
    const dg_real *zbar = a->prefix->z, *dfbar = a->prefix->dz, *hard = s->z;
    dg_real fz = s->v[0], taylor = a->prefix->v[0];
    int i, n = dg__n(r->p);
    a->f_sum += fz;
    for (i = 0; i < n; ++i) taylor += dfbar[i] * (hard[i] - zbar[i]);
    for (i = 0; i < n; ++i) a->grad[i] += (fz - taylor) * (hard[i] - zbar[i]);
    return DG_OK;
}

static int dg__mp_tell_end(const dg__run *r, dg__acc *a, dg_info *info, dg__delta *dl)
{
    const dg_problem *p = r->p;
    dg_real *t = DG__W(r->L, DG__W_MP_T);
    int i, n = dg__n(p), M = r->e->cfg.samples;
    (void)dl;
    /* the baseline's mean: E_q[f'(zbar).z] has gradient J(zbar)^T f'(zbar), the softmax VJP at
       tau = 1 (or p(1 - p) per bit) evaluated at zbar itself */
    dg__relax_backward(p, a->prefix->z, a->prefix->dz, 1, t);
    for (i = 0; i < n; ++i) a->grad[i] = a->grad[i] / (dg_real)M + t[i];
    info->f_mean = a->f_sum / (dg_real)M; /* finite values of f can overflow the sum */
    return dg__all_finite(a->grad, n) && dg__finite(info->f_mean) ? DG_OK : DG_EDOMAIN;
}

/* ---------------------------------------------------------------------------------------------
   REBAR and RELAX
   ------------------------------------------------------------------------------------------- */
enum {
    DG__W_CV_X = 1,    /* ask: perturbed logits x */
    DG__W_CV_XT,       /* ask: conditional perturbed logits x~ */
    DG__W_CV_NOISE,    /* ask: the conditional noise */
    DG__W_CV_TMP,      /* ask: the conditional sampler's scratch */
    DG__W_CV_T1,       /* scratch: gradients at y */
    DG__W_CV_T2,       /* scratch: gradients at y~ */
    DG__W_CV_C,        /* c = -dg/deta */
    DG__W_CV_G,        /* one draw's estimate g */
    DG__W_CV_FD_G,     /* g at tau e^(+-h), the temperature's finite difference */
    DG__W_CV_DW1       /* DG_RELAX_HIDDEN slots: the gradient of ||g||^2 wrt the net's W1 */
};
typedef char dg__check_cv_slots[(DG__W_CV_DW1 == DG__NWORK_BASE) ? 1 : -1];

#define DG__CV_AVG_DECAY ((dg_real)0.999) /* REBAR's running averages of a.c and c.c */
#define DG__CV_ETA_WARMUP 20              /* draws before eta jumps to their ratio */
#define DG__CV_ETA_MAX ((dg_real)100)
#define DG__CV_TAU_MIN ((dg_real)0.01)
#define DG__CV_TAU_MAX ((dg_real)10)
#define DG__CV_FD_STEP ((dg_real)0.05)    /* central difference step in log tau */
#define DG__ADAM_BETA1 ((dg_real)0.9)
#define DG__ADAM_BETA2 ((dg_real)0.999)
#define DG__ADAM_EPS ((dg_real)1e-8)

static dg_real dg__clamp(dg_real x, dg_real lo, dg_real hi) { return x < lo ? lo : x > hi ? hi : x; }

static dg_real dg__tanh(dg_real a) { return 2 * dg_sigmoid(2 * a) - 1; }

static void dg__cv_init(dg_cv_state *cv, const dg_config *c)
{
    int h;
    cv->eta = c->eta;
    cv->log_tau = DG_LOG(c->tau);
    cv->tune_steps = cv->tune_draws = 0;
    cv->avg_ac = cv->avg_cc = 0;
    cv->beta1_pow = cv->beta2_pow = 1;
    cv->m_eta = cv->v_eta = cv->m_log_tau = cv->v_log_tau = 0;
    cv->net.b2 = cv->net_m.b2 = cv->net_v.b2 = 0;
    for (h = 0; h < DG_RELAX_HIDDEN; ++h) {
        cv->net.w2[h] = cv->net.b1[h] = 0;
        cv->net_m.w2[h] = cv->net_m.b1[h] = cv->net_v.w2[h] = cv->net_v.b1[h] = 0;
    }
}

/* RELAX's first layer for problems of L->n logits, started when the estimator first meets that
   size: W1 uniform in (-1, 1) so the hidden units differ (w2 = 0, so RELAX starts as REBAR), from
   a stream of its own so the sampling stream is the one every method starts from. Row h takes
   draws h * stride .. h * stride + n - 1 of that stream, stride max(n, DG_MAX_DIM), so a net is
   the same whatever memory the estimator was given. */
static void dg__net_prepare(dg_estimator *e, const dg__layout *L)
{
    dg_rng r;
    long h, i, n = L->n, stride = L->n > DG_MAX_DIM ? L->n : DG_MAX_DIM;
    if (e->net_n == L->n) return;
    dg_rng_seed(&r, e->cfg.seed, e->cfg.stream ^ UINT64_C(0x52454c4158));
    for (h = 0; h < DG_RELAX_HIDDEN; ++h) {
        for (i = 0; i < stride; ++i) {
            dg_real u = dg_uniform(&r);
            if (i >= n) continue;
            L->w1[h * n + i] = 2 * u - 1;
            L->w1_m[h * n + i] = L->w1_v[h * n + i] = 0;
        }
    }
    if (e->net_n != 0) dg__cv_init(&e->cv, &e->cfg); /* a new size: the small layers restart */
    e->net_n = L->n;
}

/* The net at y: writes the hidden activations t (DG_RELAX_HIDDEN) and returns r(y). */
static dg_real dg__net_forward(const dg_relax_net *net, const dg_real *w1, const dg_real *y, int n,
                               dg_real *t)
{
    int h;
    dg_real r = net->b2, kappa = 1 / DG_SQRT((dg_real)n);
    for (h = 0; h < DG_RELAX_HIDDEN; ++h) {
        t[h] = dg__tanh(net->b1[h] + kappa * dg__dot(w1 + (size_t)h * n, y, n));
        r += net->w2[h] * t[h];
    }
    return r;
}

/* dr/dy at y (n values) into dy; returns r(y). */
static dg_real dg__net_input_grad(const dg_relax_net *net, const dg_real *w1, const dg_real *y,
                                  int n, dg_real *dy)
{
    int h, i;
    dg_real t[DG_RELAX_HIDDEN], a[DG_RELAX_HIDDEN], kappa = 1 / DG_SQRT((dg_real)n);
    dg_real r = dg__net_forward(net, w1, y, n, t);
    const dg_real *row;
    for (h = 0; h < DG_RELAX_HIDDEN; ++h) a[h] = net->w2[h] * (1 - t[h] * t[h]) * kappa;
    /* the first unit writes dy and the others add two at a time: half the passes over dy */
    for (i = 0; i < n; ++i) dy[i] = a[0] * w1[i];
    for (h = 1; h + 1 < DG_RELAX_HIDDEN; h += 2) {
        const dg_real *r0 = w1 + (size_t)h * n, *r1 = r0 + n;
        for (i = 0; i < n; ++i) dy[i] += a[h] * r0[i] + a[h + 1] * r1[i];
    }
    row = w1 + (size_t)h * n;
    if (h < DG_RELAX_HIDDEN)
        for (i = 0; i < n; ++i) dy[i] += a[h] * row[i];
    return r;
}

/* REBAR and RELAX ask: per draw x = phi + noise(u), b = H(x), x~ = the conditional noise given b
   from an independent v, and the points b, y = relax_tau(x), y~ = relax_tau(x~) (with tuning
   also y and y~ at tau e^(+-h)); the draw keeps x~'s Jacobian factors, the example E_q z. */
static void dg__cv_ask_prefix(const dg__run *r, dg__pts *pre)
{
    if (r->p->kind == DG_BERNOULLI) dg__probs(r->p, pre->data); /* categorical: per draw */
}

static void dg__cv_ask_sample(const dg__run *r, const dg__pts *pre, dg__pts *s)
{
    const dg_problem *p = r->p;
    dg_real *x = DG__W(r->L, DG__W_CV_X), *xt = DG__W(r->L, DG__W_CV_XT);
    dg_real *noise = DG__W(r->L, DG__W_CV_NOISE), *z = s->z;
    dg_real tau = r->tau;
    size_t n = (size_t)dg__n(p);
    dg__draw_perturbed(r->rng, p, x);
    dg__hard(p, x, z);
    dg__draw_cond_noise(r->rng, p, noise);
    /* the categorical sampler writes E_q z (its softmax rows) to the example's probs */
    dg__cond_perturbed(p, z, noise, xt, s->data, pre->data, DG__W(r->L, DG__W_CV_TMP), 1);
    dg__relax(p, x, tau, z + n);
    dg__relax(p, xt, tau, z + 2 * n);
    if (!r->e->cfg.tune) return;
    dg__relax(p, x, tau * DG_EXP(DG__CV_FD_STEP), z + 3 * n);
    dg__relax(p, xt, tau * DG_EXP(DG__CV_FD_STEP), z + 4 * n);
    dg__relax(p, x, tau * DG_EXP(-DG__CV_FD_STEP), z + 5 * n);
    dg__relax(p, xt, tau * DG_EXP(-DG__CV_FD_STEP), z + 6 * n);
}

/* One draw of REBAR (net NULL) or RELAX at temperature tau and scale eta, from f(b) = fb, the
   relaxed points y, y~ with f(y~) = fyt and the gradients gy, gyt of f there:
     g = [f(b) - c(x~)] s + grad_phi c(x) - grad_phi c(x~),  c(x) = eta f(y) + r(y),  y = relax(x),
   with x~'s Jacobian factors jac and the probs. Writes g and (when cvec is not NULL)
   c = -dg/deta = f(y~) s - grad_phi f(y) + grad_phi f(y~). Without cvec, RELAX's two parts of c
   share their backward passes. */
static void dg__cv_combine(const dg__run *r, const dg_relax_net *net, const dg_real *w1,
                           dg_real eta, dg_real tau, dg_real fb, const dg_real *hard,
                           const dg_real *probs, const dg_real *jac, const dg_real *y,
                           const dg_real *gy, const dg_real *yt, dg_real fyt, const dg_real *gyt,
                           dg_real *g, dg_real *cvec)
{
    const dg_problem *p = r->p;
    dg_real *t1 = DG__W(r->L, DG__W_CV_T1), *t2 = DG__W(r->L, DG__W_CV_T2);
    int i, n = dg__n(p);
    if (net && !cvec) {
        /* c = eta f + r differentiated as one function: its gradients at y (and at y~) add
           before the backward passes, which are linear, so each runs once instead of twice.
           g is scratch until its own loop. */
        dg_real rt;
        dg__net_input_grad(net, w1, y, n, g);
        for (i = 0; i < n; ++i) t1[i] = eta * gy[i] + g[i];
        rt = dg__net_input_grad(net, w1, yt, n, g);
        for (i = 0; i < n; ++i) t2[i] = eta * gyt[i] + g[i];
        dg__relax_backward(p, y, t1, tau, t1);
        dg__relax_backward(p, yt, t2, tau, t2);
        dg__cond_perturbed_vjp(p, jac, probs, t2, t2);
        for (i = 0; i < n; ++i) g[i] = (fb - eta * fyt - rt) * (hard[i] - probs[i]) + t1[i] - t2[i];
        return;
    }
    dg__relax_backward(p, y, gy, tau, t1); /* x = phi + noise: dx/dphi = I (softmax ignores the shift) */
    dg__relax_backward(p, yt, gyt, tau, t2);
    dg__cond_perturbed_vjp(p, jac, probs, t2, t2);
    for (i = 0; i < n; ++i) {
        dg_real s = hard[i] - probs[i], c = fyt * s - t1[i] + t2[i];
        g[i] = fb * s - eta * c;
        if (cvec) cvec[i] = c;
    }
    if (net) {
        dg_real rt;
        dg__net_input_grad(net, w1, y, n, t1);
        dg__relax_backward(p, y, t1, tau, t1);
        rt = dg__net_input_grad(net, w1, yt, n, t2);
        dg__relax_backward(p, yt, t2, tau, t2);
        dg__cond_perturbed_vjp(p, jac, probs, t2, t2);
        for (i = 0; i < n; ++i) g[i] += -rt * (hard[i] - probs[i]) + t1[i] - t2[i];
    }
}

/* The gradient of ||g||^2 with respect to the net's weights for one draw, added to gb2, gw2,
   gb1 and the W1 rows in the scratch slots DG__W_CV_DW1 + h. With S = s.g, u = J_y g and
   u~ = J_y~ (dx~/dphi) g (relax's Jacobian is symmetric, so its VJP is its JVP), and
   D(y, u) = u . grad_y r(y) the directional derivative of the net:
     d||g||^2/dpsi = 2 [ -S dr(y~)/dpsi + dD(y, u)/dpsi - dD(y~, u~)/dpsi ].
   With a_h = b1_h + k W1_h.y, t_h = tanh a_h, k = 1/sqrt(n), d_h = W1_h.u, q_h = 1 - t_h^2:
     dr/db2 = 1, dr/dw2_h = t_h, dr/db1_h = w2_h q_h, dr/dW1_h = w2_h q_h k y;
     D = sum_h w2_h q_h k d_h: dD/dw2_h = q_h k d_h, dD/db1_h = -2 w2_h t_h q_h k d_h,
     dD/dW1_h = w2_h k (q_h u - 2 t_h q_h k d_h y). */
static void dg__relax_net_grad(const dg__run *r, dg_real tau, const dg_real *hard,
                               const dg_real *probs, const dg_real *jac, const dg_real *y,
                               const dg_real *yt, const dg_real *g, dg__delta *dl)
{
    const dg_problem *p = r->p;
    const dg_relax_net *net = &r->e->cv.net;
    const dg_real *w1 = r->L->w1;
    dg_real *u = DG__W(r->L, DG__W_CV_T1), *ut = DG__W(r->L, DG__W_CV_T2);
    dg_real t[DG_RELAX_HIDDEN], tt[DG_RELAX_HIDDEN], S = 0, kappa;
    int h, i, n = dg__n(p);
    kappa = 1 / DG_SQRT((dg_real)n);
    for (i = 0; i < n; ++i) S += (hard[i] - probs[i]) * g[i];
    dg__relax_backward(p, y, g, tau, u);
    dg__cond_perturbed_jvp(p, jac, probs, g, ut);
    dg__relax_backward(p, yt, ut, tau, ut);
    dg__net_forward(net, w1, y, n, t);
    dg__net_forward(net, w1, yt, n, tt);
    dl->d_b2 += -2 * S;
    for (h = 0; h < DG_RELAX_HIDDEN; ++h) {
        const dg_real *w1h = w1 + (size_t)h * n;
        dg_real q = 1 - t[h] * t[h], qt = 1 - tt[h] * tt[h], w2 = net->w2[h];
        dg_real d = dg__dot(w1h, u, n), dt = dg__dot(w1h, ut, n);
        dg_real cy = 2 * w2 * kappa * (-2 * t[h] * q * kappa * d);
        dg_real cu = 2 * w2 * kappa * q;
        dg_real cyt = 2 * (-S * w2 * qt * kappa - w2 * kappa * (-2 * tt[h] * qt * kappa * dt));
        dg_real cut = -2 * w2 * kappa * qt;
        dg_real *row = DG__W(r->L, DG__W_CV_DW1 + h);
        dl->d_w2[h] += 2 * (-S * tt[h] + q * kappa * d - qt * kappa * dt);
        dl->d_b1[h] += 2 * (-S * w2 * qt - 2 * w2 * t[h] * q * kappa * d + 2 * w2 * tt[h] * qt * kappa * dt);
        for (i = 0; i < n; ++i) row[i] += cy * y[i] + cu * u[i] + cyt * yt[i] + cut * ut[i];
    }
}

static void dg__cv_tell_begin(const dg__run *r, dg__acc *a, const dg__pts *pre)
{
    int i, n = dg__n(r->p);
    a->prefix = pre;
    a->f_sum = a->loss = 0;
    for (i = 0; i < n; ++i) a->grad[i] = 0;
}

static int dg__cv_tell_sample(const dg__run *r, dg__acc *a, const dg__pts *s, dg__delta *dl)
{
    const dg_estimator *e = r->e;
    const dg_relax_net *net = e->cfg.method == DG_RELAX ? &e->cv.net : 0;
    const dg_real *w1 = r->L->w1, *probs = a->prefix->data, *jac = s->data;
    const dg_real *z = s->z, *dz = s->dz, *v = s->v;
    dg_real *g = DG__W(r->L, DG__W_CV_G), *cvec = DG__W(r->L, DG__W_CV_C);
    dg_real *fdg = DG__W(r->L, DG__W_CV_FD_G);
    dg_real eta = e->cv.eta, tau = r->tau, fb = v[0], gg;
    size_t n = (size_t)dg__n(r->p), i;
    int tune = e->cfg.tune != 0;
    a->f_sum += fb;
    dg__cv_combine(r, net, w1, eta, tau, fb, z, probs, jac, z + n, dz + n, z + 2 * n, v[2],
                   dz + 2 * n, g, tune ? cvec : 0);
    gg = dg__dot(g, g, (int)n);
    a->loss += gg;
    for (i = 0; i < n; ++i) a->grad[i] += g[i];
    if (tune) {
        /* common random numbers: the same x, b, v at tau e^(+-h) */
        dg_real gp, gm, cc = dg__dot(cvec, cvec, (int)n), gc = dg__dot(g, cvec, (int)n);
        dg__cv_combine(r, net, w1, eta, tau * DG_EXP(DG__CV_FD_STEP), fb, z, probs, jac, z + 3 * n,
                       dz + 3 * n, z + 4 * n, v[4], dz + 4 * n, fdg, 0);
        gp = dg__dot(fdg, fdg, (int)n);
        dg__cv_combine(r, net, w1, eta, tau * DG_EXP(-DG__CV_FD_STEP), fb, z, probs, jac, z + 5 * n,
                       dz + 5 * n, z + 6 * n, v[6], dz + 6 * n, fdg, 0);
        gm = dg__dot(fdg, fdg, (int)n);
        dl->d_log_tau += (gp - gm) / (2 * DG__CV_FD_STEP);
        dl->sum_ac += gc + eta * cc; /* a = g + eta c */
        dl->sum_cc += cc;
        dl->d_eta += -2 * gc;
        if (net) dg__relax_net_grad(r, tau, z, probs, jac, z + n, z + 2 * n, g, dl);
    }
    return DG_OK;
}

static int dg__cv_tell_end(const dg__run *r, dg__acc *a, dg_info *info, dg__delta *dl)
{
    int i, n = dg__n(r->p), M = r->e->cfg.samples;
    for (i = 0; i < n; ++i) a->grad[i] /= (dg_real)M;
    a->loss /= (dg_real)M;
    if (!dg__all_finite(a->grad, n) || !dg__finite(a->loss)) return DG_EDOMAIN;
    if (!dg__finite(a->f_sum / (dg_real)M)) return DG_EDOMAIN; /* finite f overflowed the sum */
    info->f_mean = a->f_sum / (dg_real)M;
    info->eta = r->e->cv.eta;
    info->tau = r->tau;
    info->surrogate_loss = a->loss;
    if (r->e->cfg.tune) dl->tune_draws += M;
    return DG_OK;
}

/* One Adam step on n parameters, gradients g averaged already; c1, c2 the bias corrections. */
static void dg__adam(dg_real *w, dg_real *m, dg_real *v, const dg_real *g, int n, dg_real lr,
                     dg_real c1, dg_real c2)
{
    int i;
    for (i = 0; i < n; ++i) {
        m[i] = DG__ADAM_BETA1 * m[i] + (1 - DG__ADAM_BETA1) * g[i];
        v[i] = DG__ADAM_BETA2 * v[i] + (1 - DG__ADAM_BETA2) * g[i] * g[i];
        w[i] -= lr * (m[i] / c1) / (DG_SQRT(v[i] / c2) + DG__ADAM_EPS);
    }
}

/* The tuning step of a commit: every parameter descends the mean over the committed draws of
   the single-draw ||g||^2 (see dg_cv_state). */
static void dg__cv_commit(dg_estimator *e, const dg__layout *L)
{
    dg_cv_state *cv = &e->cv;
    dg_pending *pd = &e->pend;
    dg_real M = (dg_real)pd->tune_draws;
    dg_real d_log_tau = pd->d_log_tau / M, d_eta = pd->d_eta / M;
    dg_real lr = e->cfg.lr, c1, c2;
    int h, i, n = L->n;
    cv->tune_steps++;
    cv->tune_draws += pd->tune_draws;
    cv->beta1_pow *= DG__ADAM_BETA1;
    cv->beta2_pow *= DG__ADAM_BETA2;
    c1 = 1 - cv->beta1_pow;
    c2 = 1 - cv->beta2_pow;
    dg__adam(&cv->log_tau, &cv->m_log_tau, &cv->v_log_tau, &d_log_tau, 1, lr, c1, c2);
    cv->log_tau = dg__clamp(cv->log_tau, DG_LOG(DG__CV_TAU_MIN), DG_LOG(DG__CV_TAU_MAX));
    if (e->cfg.method == DG_REBAR) {
        cv->avg_ac = DG__CV_AVG_DECAY * cv->avg_ac + (1 - DG__CV_AVG_DECAY) * pd->sum_ac / M;
        cv->avg_cc = DG__CV_AVG_DECAY * cv->avg_cc + (1 - DG__CV_AVG_DECAY) * pd->sum_cc / M;
        if (cv->tune_draws >= DG__CV_ETA_WARMUP && cv->avg_cc > 0)
            cv->eta = dg__clamp(cv->avg_ac / cv->avg_cc, -DG__CV_ETA_MAX, DG__CV_ETA_MAX);
        return;
    }
    dg__adam(&cv->eta, &cv->m_eta, &cv->v_eta, &d_eta, 1, lr, c1, c2);
    cv->eta = dg__clamp(cv->eta, -DG__CV_ETA_MAX, DG__CV_ETA_MAX);
    pd->d_b2 /= M;
    dg__adam(&cv->net.b2, &cv->net_m.b2, &cv->net_v.b2, &pd->d_b2, 1, lr, c1, c2);
    for (h = 0; h < DG_RELAX_HIDDEN; ++h) {
        dg_real *row = L->pend_dw1 + (size_t)h * n;
        pd->d_w2[h] /= M;
        pd->d_b1[h] /= M;
        for (i = 0; i < n; ++i) row[i] /= M;
        dg__adam(L->w1 + (size_t)h * n, L->w1_m + (size_t)h * n, L->w1_v + (size_t)h * n, row, n,
                 lr, c1, c2);
    }
    dg__adam(cv->net.w2, cv->net_m.w2, cv->net_v.w2, pd->d_w2, DG_RELAX_HIDDEN, lr, c1, c2);
    dg__adam(cv->net.b1, cv->net_m.b1, cv->net_v.b1, pd->d_b1, DG_RELAX_HIDDEN, lr, c1, c2);
}

/* ---------------------------------------------------------------------------------------------
   antithetic estimators

   ARM and DisARM (Bernoulli): each pair shares one uniform vector u; b1 = 1[u > sigma(-phi)]
   and b2 = 1[u < sigma(phi)] are each distributed as q, and their difference in f carries the
   gradient. The weight per coordinate is the only difference between the two.
   ------------------------------------------------------------------------------------------- */
enum { DG__W_AT_U = 1 };

/* sigma(phi) and sigma(-phi), kept with the draw (p1 = data, p0 = data + D) */
static void dg__at_probs(const dg__run *r, dg__pts *pre)
{
    dg_real *p1 = pre->data, *p0 = pre->data + r->p->D;
    int d, D = r->p->D;
    for (d = 0; d < D; ++d) {
        p1[d] = r->p->logits[d];
        p0[d] = -r->p->logits[d];
    }
    dg__map(DG__MAP_SIGMOID, p1, D);
    dg__map(DG__MAP_SIGMOID, p0, D);
}

static void dg__at_ask_sample(const dg__run *r, const dg__pts *pre, dg__pts *s)
{
    const dg_real *p1 = pre->data, *p0 = pre->data + r->p->D;
    dg_real *u = r->e->cfg.method == DG_ARM ? s->data : DG__W(r->L, DG__W_AT_U);
    dg_real *b1 = s->z, *b2 = s->z + r->p->D;
    int d, D = r->p->D;
    dg__uniform_block(r->rng, u, D);
    for (d = 0; d < D; ++d) {
        b1[d] = u[d] > p0[d];
        b2[d] = u[d] < p1[d];
    }
}

static void dg__at_tell_begin(const dg__run *r, dg__acc *a, const dg__pts *pre)
{
    int d;
    a->prefix = pre;
    for (d = 0; d < r->p->D; ++d) a->grad[d] = 0;
    a->f_mean = 0; /* a running mean: finite whenever every f is */
}

static int dg__at_tell_sample(const dg__run *r, dg__acc *a, int m, const dg__pts *s)
{
    const dg_real *p1 = a->prefix->data, *p0 = a->prefix->data + r->p->D;
    const dg_real *b1 = s->z, *b2 = s->z + r->p->D;
    dg_real f1 = s->v[0], f2 = s->v[1], diff = f1 - f2;
    int d, D = r->p->D;
    a->f_mean += (f1 - a->f_mean) / (dg_real)(2 * m + 2) + (f2 - a->f_mean) / (dg_real)(2 * m + 2);
    if (r->e->cfg.method == DG_ARM) {
        for (d = 0; d < D; ++d) a->grad[d] += diff * (s->data[d] - (dg_real)0.5);
        return DG_OK;
    }
    /* (b1 - b2) is 0 or +-1 and carries DisARM's sign (-1)^b2 where the bits differ;
       sigma(|phi|) = max(sigma(phi), sigma(-phi)) */
    for (d = 0; d < D; ++d)
        a->grad[d] += (dg_real)0.5 * diff * (b1[d] - b2[d]) * (p1[d] > p0[d] ? p1[d] : p0[d]);
    return DG_OK;
}

/* ARM, DisARM and categorical ARM end alike: the mean over the draws. */
static int dg__at_tell_end(const dg__run *r, dg__acc *a, dg_info *info, dg__delta *dl)
{
    int k, n = dg__n(r->p), M = r->e->cfg.samples;
    (void)dl;
    for (k = 0; k < n; ++k) a->grad[k] /= (dg_real)M;
    info->f_mean = a->f_mean;
    return dg__finish(r->p, a->grad, info);
}

/* Categorical ARM: the augment-REINFORCE-swap (ARS) estimator of Yin, Yue & Zhou 2019, "ARSM:
   Augment-REINFORCE-Swap-Merge estimator for gradient backpropagation through categorical
   variables" (ICML), with all variables swapped together. Per draw: E_dk ~ Exp(1), so that
   w_d = E_d / sum_k E_dk ~ Dirichlet(1); z_d = argmin_k (log E_dk - phi_dk) ~ q; a reference
   class j uniform in [0, K); z^(m<->j) the sample with w_dm and w_dj swapped in every row. Then
     g_dc = (f(z^(c<->j)) - (1/K) sum_m f(z^(m<->j))) (1 - K w_dj).
   Unbiased: swapping back turns the c term into the augment-REINFORCE estimate
   E[f(z)(1 - K w_dc)] of the gradient, and the m terms into the sum over classes of those,
   which is 0 because softmax is shift-invariant. A draw has K point slots: slot 0 is z, and
   each swap that changes the sample takes the next free slot (one that leaves every row's
   argmin unchanged reuses f(z)), so the draw needs up to K f-calls. Its data: the D row weights
   1 - K w_dj, the slot of each swap's value, and how many slots are used. */
enum { DG__W_ARS_KEY = 1, DG__W_ARS_LOGE, DG__W_ARS_E, DG__W_ARS_TOPV, DG__W_ARS_TOPI };

/* A swap of classes a and b changes two keys per row, so the swapped argmin is decided by the
   new keys at a and b and the least key outside {a, b}, which is among the row's three least.
   Those are found once per draw, as (value, index) pairs in lexicographic order (the order in
   which a scan's first-minimum rule picks), and each swap then costs O(1) per row instead of a
   scan of K keys. A row keeps min(K, 3) pairs, so they fit in D*K values. */
static void dg__ars_top3(const dg_real *key, int D, int K, dg_real *top_v, dg_real *top_i)
{
    int d, k, t, c = K < 3 ? K : 3;
    for (d = 0; d < D; ++d) {
        const dg_real *kr = key + d * K;
        dg_real v[3] = {0, 0, 0}, idx[3] = {0, 0, 0};
        int have = 0;
        for (k = 0; k < K; ++k) {
            /* (kr[k], k) goes after every kept pair not greater than it: indices rise with k,
               so an equal value goes after, keeping the lexicographic order */
            if (have == c && !(kr[k] < v[c - 1])) continue;
            t = have < c ? have++ : c - 1;
            for (; t > 0 && kr[k] < v[t - 1]; --t) { v[t] = v[t - 1]; idx[t] = idx[t - 1]; }
            v[t] = kr[k];
            idx[t] = (dg_real)k;
        }
        for (t = 0; t < c; ++t) { top_v[d * c + t] = v[t]; top_i[d * c + t] = idx[t]; }
    }
}

/* The one-hot sample of the keys (log E - phi) with classes a != b swapped in E in every row,
   written to out from hard, the unswapped sample. Returns whether it equals hard. */
static int dg__ars_swapped(const dg_problem *p, const dg_real *log_e, const dg_real *top_v,
                           const dg_real *top_i, int a, int b, const dg_real *hard, dg_real *out)
{
    int d, t, K = p->K, c = K < 3 ? K : 3, same = 1;
    int lo = a < b ? a : b, hi = a < b ? b : a;
    dg__copy(out, hard, p->D * K);
    for (d = 0; d < p->D; ++d) {
        const dg_real *er = log_e + d * K, *phi = p->logits + d * K;
        const dg_real *tv = top_v + d * c, *ti = top_i + d * c;
        /* the keys at lo and hi after the swap */
        dg_real v_lo = er[hi] - phi[lo], v_hi = er[lo] - phi[hi], best_v = 0;
        int best = -1;
        for (t = 0; t < c; ++t) { /* the least key outside {a, b} */
            int k = (int)ti[t];
            if (k != a && k != b) { best = k; best_v = tv[t]; break; }
        }
        /* the lexicographic least of (best_v, best), (v_lo, lo), (v_hi, hi) */
        if (best < 0 || v_lo < best_v || (v_lo == best_v && lo < best)) { best = lo; best_v = v_lo; }
        if (v_hi < best_v || (v_hi == best_v && hi < best)) best = hi;
        if (hard[d * K + best] > 0) continue;
        same = 0;
        out[d * K + (int)ti[0]] = 0;
        out[d * K + best] = 1;
    }
    return same;
}

static DG__NOINLINE void dg__ars_ask_sample(const dg__run *r, dg__pts *s)
{
    const dg_problem *p = r->p;
    int d, k, m, j, K = p->K, D = p->D, c = K < 3 ? K : 3, n = dg__n(p), used = 1;
    dg_real *key = DG__W(r->L, DG__W_ARS_KEY), *log_e = DG__W(r->L, DG__W_ARS_LOGE);
    dg_real *ev = DG__W(r->L, DG__W_ARS_E), *top_v = DG__W(r->L, DG__W_ARS_TOPV);
    dg_real *top_i = DG__W(r->L, DG__W_ARS_TOPI), *hard = s->z;
    dg_real *weight = s->data, *slot = s->data + D;
    /* E as dg_exponential draws in order would give it, then log E */
    dg__uniform_block(r->rng, ev, n);
    dg__map(DG__MAP_EXPONENTIAL, ev, n);
    dg__copy(log_e, ev, n);
    dg__map(DG__MAP_LOG_POS, log_e, n);
    for (k = 0; k < n; ++k) key[k] = log_e[k] - p->logits[k];
    j = (int)(dg_uniform(r->rng) * (dg_real)K);
    if (j >= K) j = K - 1;
    dg__ars_top3(key, D, K, top_v, top_i);
    for (d = 0; d < D; ++d) dg__one_hot(hard + d * K, K, (int)top_i[d * c]);
    for (m = 0; m < K; ++m) {
        if (m == j || dg__ars_swapped(p, log_e, top_v, top_i, m, j, hard, s->z + (size_t)used * n))
            slot[m] = 0;
        else
            slot[m] = (dg_real)used++;
    }
    slot[K] = (dg_real)used;
    if (r->fill_unused) /* slots no swap needed hold z, so a batched f may evaluate them all */
        for (m = used; m < K; ++m) dg__copy(s->z + (size_t)m * n, hard, n);
    for (d = 0; d < D; ++d) /* 1 - K w_dj, with w_dj = E_dj / sum_k E_dk */
        weight[d] = 1 - (dg_real)K * ev[d * K + j] / dg__sum(ev + d * K, K);
}

static void dg__ars_tell_begin(const dg__run *r, dg__acc *a)
{
    int k, n = dg__n(r->p);
    for (k = 0; k < n; ++k) a->grad[k] = 0;
    a->f_mean = 0;
    a->evals = 0;
}

static int dg__ars_tell_sample(const dg__run *r, dg__acc *a, const dg__pts *s)
{
    const dg_problem *p = r->p;
    const dg_real *weight = s->data, *slot = s->data + p->D;
    dg_real fv[DG_MAX_K], fbar = 0;
    int d, k, m, K = p->K, used = (int)slot[K];
    for (m = 0; m < used; ++m) a->f_mean += (s->v[m] - a->f_mean) / (dg_real)(++a->evals);
    for (m = 0; m < K; ++m) fv[m] = s->v[(int)slot[m]];
    for (m = 0; m < K; ++m) fbar += fv[m] / (dg_real)K;
    for (d = 0; d < p->D; ++d)
        for (k = 0; k < K; ++k) a->grad[d * K + k] += (fv[k] - fbar) * weight[d];
    return DG_OK;
}

/* ---------------------------------------------------------------------------------------------
   local expectations: IndeCateR

   Each draw is x ~ q and then x with one variable set to each of its other classes, in order:
   point t = 0 is x, point t = 1 + d (K - 1) + r sets variable d to class r, or r + 1 when r is
   not below x_d (Bernoulli: point 1 + d flips bit d). The drivers see every point as a
   "sample" of its own, so dg_estimate asks, evaluates and tells one point at a time and keeps
   only x between them. The tell keeps f(x), the differences f(x^(d<-k)) - f(x) of the draw
   (0 at k = x_d) and, at the draw's last point, adds J(pi_d)^T of them to each row.
   ------------------------------------------------------------------------------------------- */
enum {
    DG__W_IC_PROBS = 1, /* ask: pi, to draw x */
    DG__W_IC_X,         /* ask: the draw's x */
    DG__W_IC_XC,        /* ask: x's class per variable (categorical) */
    DG__W_IC_TPROBS,    /* tell: pi */
    DG__W_IC_TX,        /* tell: x's class per variable (Bernoulli: its bit) */
    DG__W_IC_DIF        /* tell: f(x^(d<-k)) - f(x) */
};

static void dg__ic_ask_prefix(const dg__run *r) { dg__probs(r->p, DG__W(r->L, DG__W_IC_PROBS)); }

/* The class of each one-hot row of z (the first 1; a sample has exactly one). */
static void dg__ic_classes(const dg_problem *p, const dg_real *z, dg_real *cls)
{
    int d, k, K = p->K;
    for (d = 0; d < p->D; ++d) {
        for (k = 0; k < K - 1 && !(z[d * K + k] > 0); ++k) {}
        cls[d] = (dg_real)k;
    }
}

static void dg__ic_ask_sample(const dg__run *r, int m, dg__pts *s)
{
    const dg_problem *p = r->p;
    dg_real *x = DG__W(r->L, DG__W_IC_X), *xc = DG__W(r->L, DG__W_IC_XC);
    int n = dg__n(p), K = dg__row(p);
    long per = dg__ic_points(p->kind, p->D, K), t = m % per, d, c, k;
    if (t == 0) {
        dg__sample_hard(r->rng, p, DG__W(r->L, DG__W_IC_PROBS), x);
        if (p->kind == DG_CATEGORICAL) dg__ic_classes(p, x, xc);
        dg__copy(s->z, x, n);
        return;
    }
    dg__copy(s->z, x, n);
    if (p->kind == DG_BERNOULLI) {
        s->z[t - 1] = 1 - x[t - 1];
        return;
    }
    d = (t - 1) / (K - 1);
    c = (long)xc[d];
    k = (t - 1) % (K - 1);
    if (k >= c) ++k;
    s->z[d * K + c] = 0;
    s->z[d * K + k] = 1;
}

static void dg__ic_tell_begin(const dg__run *r, dg__acc *a)
{
    int i, n = dg__n(r->p);
    dg__probs(r->p, DG__W(r->L, DG__W_IC_TPROBS));
    for (i = 0; i < n; ++i) a->grad[i] = 0;
    a->f_mean = a->f_at = 0;
}

static int dg__ic_tell_sample(const dg__run *r, dg__acc *a, int m, const dg__pts *s)
{
    const dg_problem *p = r->p;
    const dg_real *pi = DG__W(r->L, DG__W_IC_TPROBS);
    dg_real *xc = DG__W(r->L, DG__W_IC_TX), *dif = DG__W(r->L, DG__W_IC_DIF), *grad = a->grad;
    int i, n = dg__n(p), K = dg__row(p);
    long per = dg__ic_points(p->kind, p->D, K), t = m % per, d, c, k;
    dg_real v = s->v[0];
    if (t == 0) {
        a->f_at = v;
        a->f_mean += (v - a->f_mean) / (dg_real)(m / per + 1); /* over the draws' samples x */
        for (i = 0; i < n; ++i) dif[i] = 0;
        if (p->kind == DG_BERNOULLI) dg__copy(xc, s->z, n);
        else dg__ic_classes(p, s->z, xc);
    } else if (p->kind == DG_BERNOULLI) {
        dif[t - 1] = v - a->f_at;
    } else {
        d = (t - 1) / (K - 1);
        c = (long)xc[d];
        k = (t - 1) % (K - 1);
        if (k >= c) ++k;
        dif[d * K + k] = v - a->f_at;
    }
    if (t != per - 1) return DG_OK;
    /* the draw is complete: g_d += J(pi_d)^T (F_d - f(x)) */
    if (p->kind == DG_BERNOULLI) {
        for (d = 0; d < p->D; ++d) /* f(x^(d<-1)) - f(x^(d<-0)) */
            grad[d] += pi[d] * (1 - pi[d]) * (xc[d] > 0 ? -dif[d] : dif[d]);
        return DG_OK;
    }
    for (d = 0; d < p->D; ++d) {
        const dg_real *pr = pi + d * K, *fr = dif + d * K;
        dg_real mean = dg__dot(pr, fr, K);
        for (k = 0; k < K; ++k) grad[d * K + k] += pr[k] * (fr[k] - mean);
    }
    return DG_OK;
}

static int dg__ic_tell_end(const dg__run *r, dg__acc *a, dg_info *info, dg__delta *dl)
{
    int i, n = dg__n(r->p), S = r->e->cfg.samples;
    (void)dl;
    if (S > 1)
        for (i = 0; i < n; ++i) a->grad[i] /= (dg_real)S;
    info->f_mean = a->f_mean;
    return dg__finish(r->p, a->grad, info);
}

/* ---------------------------------------------------------------------------------------------
   sampling without replacement

   Beam search (stochastic and deterministic), the sampler of the configurations outside a set,
   the set probabilities of the unordered set estimator, and DG_UNORDERED_SET and
   DG_SUM_AND_SAMPLE. Every variable is a row of classes: K for a categorical variable, 2 for a
   Bernoulli one (classes 0 and 1 with log-probabilities log sigma(-phi), log sigma(phi)), as in
   dg_exact. While a configuration is searched it is the row of its D classes in a table; it is
   written out as a point (bits, one-hot rows) at the end.
   ------------------------------------------------------------------------------------------- */
static int dg__classes(const dg_problem *p) { return p->kind == DG_BERNOULLI ? 2 : p->K; }

/* log q_d(c) for the classes c of variable d. */
static void dg__row_logq(const dg_problem *p, int d, dg_real *lq)
{
    int c, K = p->K;
    const dg_real *x;
    dg_real m, lse;
    if (p->kind == DG_BERNOULLI) {
        lq[0] = dg_log_sigmoid(-p->logits[d]);
        lq[1] = dg_log_sigmoid(p->logits[d]);
        return;
    }
    x = p->logits + (size_t)d * K;
    /* in the frame of the row's maximum: phi - logsumexp(phi) would lose the log of the sum
       where phi is so large that it absorbs it (two tied logits of 1e17 would each get log q
       = 0, and their probabilities would sum to 2) */
    m = dg__max(x, K);
    for (c = 0; c < K; ++c) lq[c] = x[c] - m;
    lse = dg_logsumexp(lq, K);
    for (c = 0; c < K; ++c) lq[c] -= lse;
}

/* The number of configurations of p, or cap when there are at least cap (cap <= 2^22). */
static long dg__domain_capped(const dg_problem *p, long cap)
{
    long count = 1;
    int d, C = dg__classes(p);
    for (d = 0; d < p->D && count < cap; ++d) count *= C;
    return count < cap ? count : cap;
}

/* The candidates of one level of a beam search: a binary heap of at most cap (key, log-prob,
   code) triples, the lowest-ranked (dg__ranks_above) at the root, where a better one replaces
   it. Codes are unique, so the ranking is total and the search deterministic. */
typedef struct dg__heap {
    dg_real *key, *lp, *code;
    int size, cap;
} dg__heap;

/* Puts (key, lp, code) at i and moves it down within the first n entries. */
static void dg__heap_sift(dg__heap *h, int i, int n, dg_real key, dg_real lp, dg_real code)
{
    int c;
    for (;; i = c) {
        c = 2 * i + 1;
        if (c >= n) break;
        if (c + 1 < n && dg__ranks_above(h->key[c], h->code[c], h->key[c + 1], h->code[c + 1])) ++c;
        if (!dg__ranks_above(key, code, h->key[c], h->code[c])) break;
        h->key[i] = h->key[c];
        h->lp[i] = h->lp[c];
        h->code[i] = h->code[c];
    }
    h->key[i] = key;
    h->lp[i] = lp;
    h->code[i] = code;
}

static void dg__heap_offer(dg__heap *h, dg_real key, dg_real lp, dg_real code)
{
    int i, up;
    if (h->size == h->cap) {
        if (dg__ranks_above(key, code, h->key[0], h->code[0])) dg__heap_sift(h, 0, h->size, key, lp, code);
        return;
    }
    for (i = h->size++; i > 0; i = up) {
        up = (i - 1) / 2;
        if (!dg__ranks_above(h->key[up], h->code[up], key, code)) break;
        h->key[i] = h->key[up];
        h->lp[i] = h->lp[up];
        h->code[i] = h->code[up];
    }
    h->key[i] = key;
    h->lp[i] = lp;
    h->code[i] = code;
}

/* Heap sort in place: the best first. */
static void dg__heap_sort(dg__heap *h)
{
    int end;
    for (end = h->size - 1; end > 0; --end) {
        dg_real key = h->key[end], lp = h->lp[end], code = h->code[end];
        h->key[end] = h->key[0];
        h->lp[end] = h->lp[0];
        h->code[end] = h->code[0];
        dg__heap_sift(h, 0, end, key, lp, code);
    }
}

/* A child's key in stochastic beam search (Kool et al. 2019, appendix B): g is its Gumbel draw
   (location: its log-probability), Z the largest draw among its siblings, T its parent's key;
   the result, -log(exp(-T) - exp(-Z) + exp(-g)), is the draw conditioned on the siblings'
   maximum being T. With v = T - g + log(1 - exp(g - Z)) it is T - log(1 + e^v), written as
   T - max(v, 0) - log1p(e^-|v|) so that nothing overflows; the maximum itself gets T. */
static dg_real dg__gumbel_shift(dg_real T, dg_real Z, dg_real g)
{
    dg_real a, v;
    if (!(g < Z)) return T;
    a = g - Z;
    v = T - g + (a > (dg_real)-0.6931471805599453 ? DG_LOG(-(dg_real)DG_EXPM1(a)) : DG_LOG1P(-DG_EXP(a)));
    return T - (v > 0 ? v : 0) - DG_LOG1P(DG_EXP(-DG_FABS(v)));
}

/* Beam search with k beams (stochastic with rng, else by log-probability), k at most the number
   of configurations. table receives the classes of the k configurations (row j: D values), best
   first; work (5 k values) ends with their keys in work[0, k) and their log-probabilities in
   work[k, 2k). lqt: the log-probabilities of every class (dg__logq_table), or NULL to compute
   them level by level. While searching, table[j D + d] holds parent * C + class of beam j at
   level d; the rows are traced back at the end.
   The beams are kept in decreasing order of their keys, and no child's key is above its
   parent's (the best child's is the parent's when stochastic; log q_d <= 0 else): once the
   candidates are full and a beam's key does not rank above the worst kept, no later beam's
   children can enter, and the level ends there (their noise is not drawn: that changes nothing
   about the children kept, whose keys are what they would have been). */
static void dg__beam(dg_rng *rng, const dg_problem *p, int k, const dg_real *lqt, dg_real *table,
                     dg_real *work)
{
    dg_real lrow[DG_MAX_K], g[DG_MAX_K]; /* on the stack: 2 DG_MAX_K scalars */
    dg_real *bk = work, *bl = work + k, *anc, *col, best;
    const dg_real *lq;
    dg__heap h;
    int C = dg__classes(p), D = p->D, b = 1, d, j, c;
    h.key = work + 2 * (size_t)k;
    h.lp = work + 3 * (size_t)k;
    h.code = work + 4 * (size_t)k;
    h.cap = k;
    bk[0] = rng ? dg_gumbel(rng) : 0;
    bl[0] = 0;
    for (d = 0; d < D; ++d) {
        if (lqt) {
            lq = lqt + (size_t)d * C;
        } else {
            dg__row_logq(p, d, lrow);
            lq = lrow;
        }
        for (best = lq[0], c = 1; c < C; ++c) best = lq[c] > best ? lq[c] : best;
        h.size = 0;
        for (j = 0; j < b; ++j) {
            dg_real z = 0;
            /* the best key among beam j's children: no better than the worst kept ends it */
            if (h.size == k && !(rng ? bk[j] > h.key[0] : bl[j] + best > h.key[0])) break;
            if (rng) { /* the children's Gumbels at their log-probabilities, and their maximum */
                dg__noise_block(rng, DG__MAP_GUMBEL, g, C);
                for (c = 0; c < C; ++c) {
                    g[c] += bl[j] + lq[c];
                    if (c == 0 || g[c] > z) z = g[c];
                }
            }
            for (c = 0; c < C; ++c) {
                dg_real lp = bl[j] + lq[c];
                dg__heap_offer(&h, rng ? dg__gumbel_shift(bk[j], z, g[c]) : lp, lp, (dg_real)(j * C + c));
            }
        }
        dg__heap_sort(&h);
        b = h.size;
        for (j = 0; j < b; ++j) {
            bk[j] = h.key[j];
            bl[j] = h.lp[j];
            table[(size_t)j * D + d] = h.code[j];
        }
    }
    /* trace back: anc[j] is final beam j's ancestor at the level being read; each level's codes
       are read for every beam before that level's column is overwritten with classes */
    anc = h.key;
    col = h.lp;
    for (j = 0; j < b; ++j) anc[j] = (dg_real)j;
    for (d = D - 1; d >= 0; --d) {
        for (j = 0; j < b; ++j) col[j] = table[(size_t)anc[j] * D + d];
        for (j = 0; j < b; ++j) {
            int code = (int)col[j];
            table[(size_t)j * D + d] = (dg_real)(code % C);
            anc[j] = (dg_real)(code / C);
        }
    }
}

/* The points of count configurations given by their classes (table rows of D values). */
static void dg__set_points(const dg_problem *p, const dg_real *table, int count, dg_real *z)
{
    int j, d, c, K = p->K, D = p->D;
    size_t n = (size_t)dg__n(p);
    for (j = 0; j < count; ++j) {
        const dg_real *row = table + (size_t)j * D;
        dg_real *zj = z + (size_t)j * n;
        if (p->kind == DG_BERNOULLI) {
            dg__copy(zj, row, D);
            continue;
        }
        for (d = 0; d < D; ++d)
            for (c = 0; c < K; ++c) zj[(size_t)d * K + c] = (dg_real)((int)row[d] == c);
    }
}

/* log q_d(c) of every class of every variable (D C values), and log q(z) of a point. */
static void dg__logq_table(const dg_problem *p, dg_real *lq)
{
    int d, C = dg__classes(p);
    for (d = 0; d < p->D; ++d) dg__row_logq(p, d, lq + (size_t)d * C);
}

static dg_real dg__point_logq(const dg_problem *p, const dg_real *lq, const dg_real *z)
{
    int d, c, K = p->K, C = dg__classes(p);
    dg_real s = 0;
    for (d = 0; d < p->D; ++d) {
        if (p->kind == DG_BERNOULLI) {
            c = z[d] > (dg_real)0.5;
        } else {
            for (c = 0; c < K - 1 && !(z[(size_t)d * K + c] > (dg_real)0.5); ++c) {}
        }
        s += lq[(size_t)d * C + c];
    }
    return s;
}

/* A configuration drawn from q restricted to the configurations outside the t rows of top
   (classes, from dg__beam) with log-probabilities top_lp, one uniform per variable, its classes
   written to out (D values); there must be one outside. Variable by variable, class c is drawn
   with probability proportional to the mass outside top under the prefix chosen so far and c:
   relative to the prefix, q_d(c) (1 - sum over the top rows under prefix + c of their
   probability given prefix + c), and exactly 0 when those rows are all of its configurations.
   lqt: dg__logq_table. suf and act: t values of scratch each (each row's log-probability given
   the prefix, and whether it is under the prefix). */
static void dg__sample_outside(dg_rng *rng, const dg_problem *p, const dg_real *lqt,
                               const dg_real *top, const dg_real *top_lp, int t, dg_real *out,
                               dg_real *suf, dg_real *act)
{
    dg_real w[DG_MAX_K], under[DG_MAX_K]; /* on the stack: 2 DG_MAX_K scalars */
    const dg_real *lq;
    int cnt[DG_MAX_K];
    int C = dg__classes(p), D = p->D, d, c, j, m, chosen;
    long full = (long)t + 1, size;
    /* below level d there are C^(D-1-d) configurations; counts are compared up to t + 1, which
       C^m reaches */
    for (m = 0, size = 1; size < full && C > 1; ++m) size *= C;
    for (j = 0; j < t; ++j) {
        suf[j] = top_lp[j];
        act[j] = 1;
    }
    for (d = 0; d < D; ++d) {
        dg_real u = dg_uniform(rng), total = 0;
        int rest = D - 1 - d, open = 0;
        if (rest >= m) size = full;
        else for (size = 1, j = 0; j < rest; ++j) size *= C;
        lq = lqt + (size_t)d * C;
        for (c = 0; c < C; ++c) {
            under[c] = 0;
            cnt[c] = 0;
        }
        for (j = 0; j < t; ++j) {
            if (!(act[j] > 0)) continue;
            c = (int)top[(size_t)j * D + d];
            cnt[c]++;
            under[c] += DG_EXP(suf[j] - lq[c]);
        }
        for (c = 0; c < C; ++c) {
            dg_real pc = DG_EXP(lq[c]);
            if (cnt[c] == 0) w[c] = pc;
            else if ((long)cnt[c] >= size) w[c] = 0;
            else w[c] = under[c] < 1 ? pc * (1 - under[c]) : 0;
            total += w[c];
            open += (long)cnt[c] < size;
        }
        if (total > 0) {
            chosen = dg__inverse_cdf(w, C, u * total);
        } else { /* rounding left no weight where configurations remain: one of those classes */
            int pick = (int)(u * (dg_real)open);
            for (chosen = 0; chosen < C - 1; ++chosen)
                if ((long)cnt[chosen] < size && pick-- == 0) break;
        }
        out[d] = (dg_real)chosen;
        for (j = 0; j < t; ++j) {
            if (!(act[j] > 0)) continue;
            if ((int)top[(size_t)j * D + d] != chosen) act[j] = 0;
            else suf[j] -= lq[chosen];
        }
    }
}

/* ---- the set probabilities (dg_set_ratios) ---------------------------------------------------- */
#define DG__SET_EXACT_MAX 8
#define DG__SET_STEP ((dg_real)0.2)
#define DG__EPS (DG__IS_FLOAT ? (dg_real)FLT_EPSILON : (dg_real)DBL_EPSILON)

/* 1 - sum_j exp(lp_j), the probability outside a set, summed with Neumaier's compensation. */
static dg_real dg__set_rest(const dg_real *lp, int k)
{
    dg_real s = 1, c = 0, t, x;
    int j;
    for (j = 0; j < k; ++j) {
        x = -DG_EXP(lp[j]);
        t = s + x;
        c += DG_FABS(s) >= DG_FABS(x) ? (s - t) + x : (x - t) + s;
        s = t;
    }
    return s + c;
}

/* A set whose outside probability is within rounding of 0 has (numerically) all the mass. */
static int dg__set_complete(dg_real rest, int k) { return !(rest > 8 * (dg_real)k * DG__EPS); }

/* log W(A) for every subset A of the k <= 8 elements (bit j: element j): W(empty) = 1,
   W(A) = sum_{a in A} p_a W(A \ a) / (rest + p(A)), the probability that drawing without
   replacement from the domain less S \ A gives the elements of A first (an element a of A is
   drawn first with probability p_a over the mass left, rest + p(A)), so P^{D\T}(S\T) =
   W(S\T). All terms are positive: no cancellation. */
static void dg__set_table(const dg_real *lp, int k, dg_real rest, dg_real *lw)
{
    int mask, j, full = 1 << k;
    lw[0] = 0;
    for (mask = 1; mask < full; ++mask) {
        dg_real m = 0, sum = 0, mass = rest;
        int first = 1;
        for (j = 0; j < k; ++j) {
            dg_real v;
            if (!((mask >> j) & 1)) continue;
            v = lp[j] + lw[mask ^ (1 << j)];
            if (first || v > m) m = v;
            first = 0;
            mass += DG_EXP(lp[j]);
        }
        for (j = 0; j < k; ++j)
            if ((mask >> j) & 1) sum += DG_EXP(lp[j] + lw[mask ^ (1 << j)] - m);
        lw[mask] = dg__finite(m) ? m + DG_LOG(sum) - DG_LOG(mass) : m;
    }
}

/* log(1 - exp(-e^y)): a factor of the integrand below at y = log(p t). */
static dg_real dg__log1mexp_exp(dg_real y)
{
    dg_real u;
    if (y < (dg_real)-40) return y; /* log(u - u^2/2 + ...) = y - u/2 + ..., u < 5e-18 */
    u = DG_EXP(y);
    if (u < (dg_real)0.6931471805599453) return DG_LOG(-(dg_real)DG_EXPM1(-u));
    return DG_LOG1P(-DG_EXP(-u));
}

/* A running log-sum-exp: m the largest term so far, s the sum of exp(term - m). Terms below
   e^-60 of the largest are dropped (the sums have at most a few hundred terms): their exps
   would be subnormal, which costs a hundred times a normal one on most CPUs. */
static void dg__lse_add(dg_real *m, dg_real *s, dg_real v, int first)
{
    if (first) {
        *m = v;
        *s = 1;
    } else if (v > *m) {
        *s = *m - v > (dg_real)-60 ? *s * DG_EXP(*m - v) + 1 : 1;
        *m = v;
    } else if (v - *m > (dg_real)-60) {
        *s += DG_EXP(v - *m);
    }
}

/* The probabilities of S and of the sets it leaves when one or two elements are taken out, in
   log: returns log P(S); l1[s] = log P^{D\s}(S\s) (k values); when mat is not NULL, mat[s k + i]
   = mat[i k + s] = log P^{D\{s,i}}(S\{s,i}) for s != i and mat[s k + s] = 0 (k x k values).
   Exact (k <= DG__SET_EXACT_MAX) from dg__set_table, else by the integral
     P^{D\T}(S\T) = int r e^(-r t) prod_{i in S\T} (1 - e^(-p_i t)) dt
   over x = log t (dt = t dx): the trapezoid rule with step 1/5 on [x_lo, x_hi], all the sets in
   one pass over the grid (the factors log(1 - e^(-p_i t)) are computed once per point), each a
   running log-sum-exp: for s < i the pair of {s, i} is kept in (mat[s k + i], mat[i k + s]).
   On the left the integrand of a set of m elements falls like e^((m+1) x) below t = 1/(r + p(A))
   >= 1: x_lo leaves out e^-40 of it for the smallest m used (k - 2; the empty set is exact). On
   the right it falls like (r t)^(m+1) e^(-r t): r t = k + 1 + 10 sqrt(k + 1) + 45 leaves out
   e^-50. The integrand is smooth and doubly exponentially small at both ends, so the rule
   converges geometrically in the step. */
static dg_real dg__set_probs(const dg_real *lp, int k, dg_real rest, int exact, dg_real *l1,
                             dg_real *mat)
{
    dg_real lam[DG_MAX_SET], m1[DG_MAX_SET], s1[DG_MAX_SET]; /* on the stack */
    dg_real lw[1 << DG__SET_EXACT_MAX], lr, h = DG__SET_STEP, x_lo, x_hi, m0 = 0, s0 = 0, lps;
    int i, s, j, steps, mmin = k - 2 > 1 ? k - 2 : 1, pairs = mat && k > 2;
    if (exact) {
        int full = (1 << k) - 1;
        dg__set_table(lp, k, rest, lw);
        for (s = 0; s < k; ++s) {
            l1[s] = lw[full ^ (1 << s)];
            if (mat)
                for (i = 0; i < k; ++i) mat[(size_t)s * k + i] = i == s ? 0 : lw[full ^ (1 << s) ^ (1 << i)];
        }
        return lw[full];
    }
    lr = DG_LOG(rest);
    x_lo = -(2 + (dg_real)41 / (dg_real)(mmin + 1));
    x_hi = DG_LOG(((dg_real)(k + 1) + 10 * DG_SQRT((dg_real)(k + 1)) + 45) / rest);
    steps = (int)((x_hi - x_lo) / h) + 1;
    for (j = 0; j <= steps; ++j) {
        dg_real x = x_lo + (dg_real)j * h, total = lr - rest * DG_EXP(x) + x;
        for (i = 0; i < k; ++i) {
            lam[i] = dg__log1mexp_exp(lp[i] + x);
            total += lam[i];
        }
        dg__lse_add(&m0, &s0, total, j == 0);
        for (s = 0; s < k; ++s) {
            dg_real ts = total - lam[s];
            dg__lse_add(&m1[s], &s1[s], ts, j == 0);
            if (pairs)
                for (i = s + 1; i < k; ++i)
                    dg__lse_add(&mat[(size_t)s * k + i], &mat[(size_t)i * k + s], ts - lam[i], j == 0);
        }
    }
    lps = m0 + DG_LOG(s0) + DG_LOG(h);
    for (s = 0; s < k; ++s) l1[s] = k == 1 ? 0 : m1[s] + DG_LOG(s1[s]) + DG_LOG(h);
    if (mat)
        for (s = 0; s < k; ++s) {
            mat[(size_t)s * k + s] = 0;
            for (i = s + 1; i < k; ++i) {
                dg_real v = pairs ? mat[(size_t)s * k + i] + DG_LOG(mat[(size_t)i * k + s]) + DG_LOG(h) : 0;
                mat[(size_t)s * k + i] = mat[(size_t)i * k + s] = v;
            }
        }
    return lps;
}

DGDEF int dg_set_ratios(const dg_real *log_p, int k, int method, dg_real *log_r1, dg_real *log_r2)
{
    dg_real l1[DG_MAX_SET], rest, lps;
    int s, i;
    if (!log_p || !log_r1 || k < 1 || method < DG_SET_AUTO || method > DG_SET_INTEGRAL) return DG_EINVAL;
    if (k > DG_MAX_SET || (method == DG_SET_EXACT && k > DG__SET_EXACT_MAX)) return DG_ECAPACITY;
    if (!dg__all_finite(log_p, k)) return DG_EDOMAIN;
    rest = dg__set_rest(log_p, k);
    if (!(rest >= -8 * (dg_real)k * DG__EPS)) return DG_EDOMAIN;
    if (dg__set_complete(rest, k)) {
        for (s = 0; s < k; ++s) log_r1[s] = 0;
        if (log_r2) for (i = 0; i < k * k; ++i) log_r2[i] = 0;
        return DG_OK;
    }
    lps = dg__set_probs(log_p, k, rest,
                        method == DG_SET_EXACT || (method == DG_SET_AUTO && k <= DG__SET_EXACT_MAX),
                        l1, log_r2);
    for (s = 0; s < k; ++s) {
        log_r1[s] = l1[s] - lps;
        if (log_r2) /* in place: row s reads each entry once, and its mirror is another entry */
            for (i = 0; i < k; ++i) if (i != s) log_r2[(size_t)s * k + i] -= l1[s];
    }
    return DG_OK;
}

DGDEF int dg_beam_search(dg_rng *r, const dg_problem *p, int k, dg_real *points,
                         dg_real *log_probs, dg_real *keys, dg_real *work, size_t count)
{
    int rc = dg__check_shape(p, 0), b, j;
    if (rc) return rc;
    if (!points || !work || k < 1 || p->batch > 1) return DG_EINVAL;
    if (k > DG_MAX_SAMPLES) return DG_ECAPACITY;
    b = (int)dg__domain_capped(p, k);
    if (count < DG_BEAM_WORK_REALS(p->D, b)) return DG_ECAPACITY;
    if (!dg__all_finite(p->logits, dg__n(p))) return DG_EDOMAIN;
    dg__beam(r, p, b, 0, work, work + (size_t)b * p->D);
    dg__set_points(p, work, b, points);
    for (j = 0; j < b; ++j) {
        if (keys) keys[j] = work[(size_t)b * p->D + j];
        if (log_probs) log_probs[j] = work[(size_t)b * p->D + b + j];
    }
    return b;
}


/* ---- the estimators ----------------------------------------------------------------------- */
/* Work vectors of the tell: pi = E_q z, and log q_d(c) of every class (D C values, two slots:
   a Bernoulli problem has 2 n of them), which the ask's searches use too. */
enum { DG__W_SET_PI = 1, DG__W_SET_LQ = 2 /* and 3 */ };

/* The configurations of a draw: min(samples, number of configurations). */
static int dg__set_size(const dg_config *c, const dg_problem *p)
{
    return (int)dg__domain_capped(p, (long)c->samples);
}

/* Sum and sample: kt configurations summed, and one drawn outside them when has. */
static void dg__sas_counts(const dg_config *c, const dg_problem *p, int *kt, int *has)
{
    long dom = dg__domain_capped(p, (long)c->samples + 1);
    *kt = (int)(dom < c->samples - 1 ? dom : c->samples - 1);
    *has = *kt < dom;
}

/* The draw's configurations, as the classes of each (M rows of D values in the prefix's data):
   the stochastic beam search's, or the top M - 1 and one drawn outside them. Scratch: 5 M
   values for a search, then the top rows' log-probabilities and the outside sampler's flags. */
static void dg__set_ask_prefix(const dg__run *r, dg__pts *pre)
{
    const dg_problem *p = r->p;
    int k = dg__set_size(&r->e->cfg, p), kt, has;
    dg_real *table = pre->data, *work = r->L->scratch, *lqt = DG__W(r->L, DG__W_SET_LQ);
    dg_real *top_lp = work + 5 * (size_t)k, *act = top_lp + k;
    dg__logq_table(p, lqt);
    if (r->e->cfg.method == DG_UNORDERED_SET) {
        dg__beam(r->rng, p, k, lqt, table, work);
        return;
    }
    dg__sas_counts(&r->e->cfg, p, &kt, &has);
    if (kt > 0) dg__beam(0, p, kt, lqt, table, work);
    /* the top rows' log-probabilities move out of work, which the outside sampler reuses */
    dg__copy(top_lp, work + kt, kt);
    if (has) dg__sample_outside(r->rng, p, lqt, table, top_lp, kt, table + (size_t)kt * p->D, work, act);
}

/* Point m: configuration m written out (bits, one-hot rows). */
static void dg__set_ask_sample(const dg__run *r, int m, const dg__pts *pre, dg__pts *s)
{
    dg__set_points(r->p, pre->data + (size_t)m * r->p->D, 1, s->z);
}

static void dg__set_tell_begin(const dg__run *r, dg__acc *a)
{
    dg__probs(r->p, DG__W(r->L, DG__W_SET_PI));
    dg__logq_table(r->p, DG__W(r->L, DG__W_SET_LQ));
    a->f_mean = a->baseline = 0;
}

/* First pass, point m: log q(z_m) kept (where its weight goes later), f(z_m) in the scratch. */
static int dg__set_tell_sample(const dg__run *r, dg__acc *a, int m, const dg__pts *s)
{
    a->kept[m] = dg__point_logq(r->p, DG__W(r->L, DG__W_SET_LQ), s->z);
    r->L->scratch[m] = s->v[0];
    return DG_OK;
}

/* c_j = (p_j / P)(f_j - B), B = sum p_j f_j / P, P = sum p_j: the exact gradient's coefficients
   when the configurations are all there are (or all the mass there is), with the weights
   w_j = p_j / P (which may overwrite lp: each is written after its last read). Returns B. */
static dg_real dg__set_complete_coef(const dg_real *lp, const dg_real *f, int k, dg_real *coef,
                                     dg_real *w)
{
    dg_real mass = 0, b = 0;
    int j;
    for (j = 0; j < k; ++j) mass += DG_EXP(lp[j]);
    for (j = 0; j < k; ++j) b += DG_EXP(lp[j]) * f[j];
    b /= mass;
    for (j = 0; j < k; ++j) {
        dg_real q = DG_EXP(lp[j]);
        coef[j] = q * (f[j] - b) / mass;
        w[j] = q / mass;
    }
    return b;
}

/* Once every value is known: the coefficients c_j of g = sum_j c_j s(z_j) (scratch [k, 2k)),
   each point's weight in the estimate of E_q f (kept, over the log-probabilities), and
   info's f_mean and baseline. Scratch: f at [0, k), then l1 (k) and the pairs' table (k k). */
static void dg__set_coefs(const dg__run *r, dg__acc *a)
{
    const dg_problem *p = r->p;
    int k = dg__set_size(&r->e->cfg, p), s, i, kt, has;
    dg_real *lp = a->kept, *w = a->kept, *f = r->L->scratch, *coef = f + k, *l1 = coef + k;
    dg_real *mat = l1 + k, rest, fmean = 0, bmean = 0, lps;
    if (r->e->cfg.method == DG_SUM_AND_SAMPLE) {
        dg__sas_counts(&r->e->cfg, p, &kt, &has);
        if (!has) {
            fmean = dg__set_complete_coef(lp, f, kt, coef, w);
        } else {
            rest = dg__set_rest(lp, kt);
            if (!(rest > 0)) rest = 0;
            for (s = 0; s < kt; ++s) {
                w[s] = DG_EXP(lp[s]);
                coef[s] = w[s] * f[s];
                fmean += coef[s];
            }
            w[kt] = rest;
            coef[kt] = rest * f[kt];
            fmean += coef[kt];
        }
    } else {
        rest = dg__set_rest(lp, k);
        if (k == dg__domain_capped(p, (long)k + 1) || dg__set_complete(rest, k)) {
            fmean = bmean = dg__set_complete_coef(lp, f, k, coef, w);
        } else if (k == 1) { /* REINFORCE: R = 1/q, and no baseline */
            coef[0] = fmean = f[0];
            w[0] = 1;
        } else {
            lps = dg__set_probs(lp, k, rest, k <= DG__SET_EXACT_MAX, l1, mat);
            for (s = 0; s < k; ++s) {
                dg_real b = 0, ws;
                for (i = 0; i < k; ++i)
                    b += DG_EXP(lp[i] + (i == s ? 0 : mat[(size_t)s * k + i] - l1[s])) * f[i];
                ws = DG_EXP(lp[s] + l1[s] - lps);
                coef[s] = ws * (f[s] - b);
                fmean += ws * f[s];
                bmean += b / (dg_real)k;
                l1[s] = ws; /* l1[s] is read for s alone: the weights wait there */
            }
            dg__copy(w, l1, k);
        }
    }
    a->f_mean = fmean;
    a->baseline = bmean;
}

/* Second pass, point m (the same point again): grad += c_m s(z_m). */
static int dg__set_tell_again(const dg__run *r, dg__acc *a, int m, const dg__pts *pt)
{
    const dg_real *z = pt->z, *pi = DG__W(r->L, DG__W_SET_PI);
    dg_real c, *grad = a->grad;
    int i, n = dg__n(r->p), k = dg__set_size(&r->e->cfg, r->p);
    if (m == 0) dg__set_coefs(r, a);
    c = r->L->scratch[k + m];
    if (m == 0) for (i = 0; i < n; ++i) grad[i] = c * (z[i] - pi[i]);
    else for (i = 0; i < n; ++i) grad[i] += c * (z[i] - pi[i]);
    return DG_OK;
}

static int dg__set_tell_end(const dg__run *r, dg__acc *a, dg_info *info, dg__delta *dl)
{
    (void)dl;
    info->f_mean = a->f_mean;
    info->baseline = a->baseline;
    return dg__finish(r->p, a->grad, info);
}

/* ---------------------------------------------------------------------------------------------
   exact
   ------------------------------------------------------------------------------------------- */

/* Number of configurations of the problem, or -1 when it exceeds DG_MAX_ENUM. */
static long dg__enum_count(const dg_problem *p)
{
    int d, classes = p->kind == DG_BERNOULLI ? 2 : p->K;
    long count = 1;
    for (d = 0; d < p->D; ++d) {
        if (count > DG_MAX_ENUM / classes) return -1;
        count *= classes;
    }
    return count;
}

/* Enumerates configurations with an odometer over one class index per variable (Bernoulli: the
   bit). Each variable is written as a row of "classes" with log-probabilities lp and the
   positive-class probabilities pr, so both kinds share the loop: a Bernoulli variable is the
   two-class softmax over (0, phi), whose class-1 coordinate is the bit.
   The gradient is accumulated as the covariance of f and z under the enumerated weights q
   normalised by their own sum (E_q z included), not against separately computed probabilities:
   q carries rounding errors of a few ulps of dg_real, and a mismatch between q and E_q z would
   be multiplied by the size of f, which swamps gradients much smaller than f in float.
   One sweep serves three callers: dg_ask writes the configurations to points (grad NULL), dg_tell
   takes f from values, dg_exact calls p->f. */
static int dg__exact_sweep(const dg_problem *p, dg_real *points, const dg_real *values,
                           dg_real *grad, dg_real *value)
{
    dg_real z[DG_EXACT_MAX_DIM], lp[DG_EXACT_MAX_DIM];
    long double acc[DG_EXACT_MAX_DIM], qz[DG_EXACT_MAX_DIM], total = 0, qsum = 0;
    int digit[DG_EXACT_MAX_DIM];
    int n = dg__n(p), D = p->D, K = dg__row(p), d, k, classes = p->kind == DG_BERNOULLI ? 2 : K;
    long count = dg__enum_count(p), c;
    if (dg__exact_fits(p)) return DG_ECAPACITY;
    if (p->kind == DG_BERNOULLI) {
        for (d = 0; d < D; ++d) {
            lp[2 * d] = dg_log_sigmoid(-p->logits[d]);
            lp[2 * d + 1] = dg_log_sigmoid(p->logits[d]);
        }
    } else {
        for (d = 0; d < D; ++d) {
            dg_real lse = dg_logsumexp(p->logits + d * K, K);
            for (k = 0; k < K; ++k) lp[d * K + k] = p->logits[d * K + k] - lse;
        }
    }
    for (d = 0; d < D; ++d) digit[d] = 0;
    for (k = 0; k < n; ++k) { acc[k] = qz[k] = 0; z[k] = 0; }
    if (p->kind == DG_CATEGORICAL) for (d = 0; d < D; ++d) z[d * K] = 1;
    for (c = 0; c < count; ++c) {
        if (points) {
            dg__copy(points + (size_t)c * n, z, n);
        } else {
            dg_real logq = 0, fz = values ? values[c] : p->f(z, p->user);
            long double q, w;
            if (!dg__finite(fz)) return DG_EDOMAIN;
            for (d = 0; d < D; ++d) logq += lp[d * classes + digit[d]];
            q = (long double)DG_EXP(logq);
            w = q * fz;
            qsum += q;
            total += w;
            for (k = 0; k < n; ++k) { acc[k] += w * z[k]; qz[k] += q * z[k]; }
        }
        /* advance the odometer, keeping z in step */
        for (d = 0; d < D; ++d) {
            int row = p->kind == DG_BERNOULLI ? d : d * K;
            if (p->kind == DG_BERNOULLI) z[row] = 0; else z[row + digit[d]] = 0;
            if (++digit[d] < classes) {
                if (p->kind == DG_BERNOULLI) z[row] = 1; else z[row + digit[d]] = 1;
                break;
            }
            digit[d] = 0;
            if (p->kind == DG_CATEGORICAL) z[row] = 1;
        }
    }
    if (points) return DG_OK;
    total /= qsum;
    for (k = 0; k < n; ++k) grad[k] = (dg_real)((acc[k] - qz[k] * total) / qsum);
    if (value) *value = (dg_real)total;
    return DG_OK;
}

/* The limits of enumeration: DG_MAX_ENUM configurations, DG_EXACT_MAX_DIM logits. */
static int dg__exact_fits(const dg_problem *p)
{
    if (dg__enum_count(p) < 0 || dg__n(p) > DG_EXACT_MAX_DIM || 2 * p->D > DG_EXACT_MAX_DIM)
        return DG_ECAPACITY;
    return DG_OK;
}

DGDEF int dg_exact(const dg_problem *p, dg_real *grad, dg_real *value)
{
    int rc = dg__check_shape(p, 1);
    if (rc) return rc;
    if (!grad || p->batch > 1) return DG_EINVAL;
    rc = dg__exact_fits(p);
    if (!rc) rc = dg__check_values(p, 0);
    return rc ? rc : dg__exact_sweep(p, 0, 0, grad, value);
}

/* ---------------------------------------------------------------------------------------------
   ask, tell, commit: the drivers
   ------------------------------------------------------------------------------------------- */
static int dg__is_cv(dg_method m) { return DG__IS(m, DG_REBAR) || DG__IS(m, DG_RELAX); }

static void dg__ask_prefix(const dg__run *r, dg__pts *pre)
{
    switch (DG__METHOD_OF(&r->e->cfg)) {
    DG__CASE(DG_EXACT): dg__exact_sweep(r->p, pre->z, 0, 0, 0); break;
    DG__CASE(DG_REINFORCE):
    DG__CASE(DG_RLOO):
    DG__CASE(DG_VIMCO): dg__sf_ask_prefix(r, pre); break;
    DG__CASE(DG_GUMBEL_SOFTMAX):
    DG__CASE(DG_STRAIGHT_THROUGH):
    DG__CASE(DG_GUMBEL_RAO): dg__rx_ask_prefix(r, pre); break;
    DG__CASE(DG_MUPROP): dg__mp_ask_prefix(r, pre); break;
    DG__CASE(DG_REBAR):
    DG__CASE(DG_RELAX): dg__cv_ask_prefix(r, pre); break;
    DG__CASE(DG_ARM):
    DG__CASE(DG_DISARM): if (r->p->kind == DG_BERNOULLI) dg__at_probs(r, pre); break;
    DG__CASE(DG_REINMAX): dg__rm_ask_prefix(r); break;
    DG__CASE(DG_INDECATER): dg__ic_ask_prefix(r); break;
    DG__CASE(DG_UNORDERED_SET):
    DG__CASE(DG_SUM_AND_SAMPLE): dg__set_ask_prefix(r, pre); break;
    }
}

static void dg__ask_sample(const dg__run *r, int m, const dg__pts *pre, dg__pts *s)
{
    switch (DG__METHOD_OF(&r->e->cfg)) {
    DG__CASE(DG_EXACT): break;
    DG__CASE(DG_REINFORCE):
    DG__CASE(DG_RLOO):
    DG__CASE(DG_VIMCO): dg__sf_ask_sample(r, pre, s); break;
    DG__CASE(DG_GUMBEL_SOFTMAX):
    DG__CASE(DG_STRAIGHT_THROUGH):
    DG__CASE(DG_GUMBEL_RAO): dg__rx_ask_sample(r, m, s); break;
    DG__CASE(DG_MUPROP): dg__mp_ask_sample(r, s); break;
    DG__CASE(DG_REBAR):
    DG__CASE(DG_RELAX): dg__cv_ask_sample(r, pre, s); break;
    DG__CASE(DG_ARM):
    DG__CASE(DG_DISARM):
        if (r->p->kind == DG_BERNOULLI) dg__at_ask_sample(r, pre, s);
        else dg__ars_ask_sample(r, s);
        break;
    DG__CASE(DG_REINMAX): dg__rm_ask_sample(r, s); break;
    DG__CASE(DG_INDECATER): dg__ic_ask_sample(r, m, s); break;
    DG__CASE(DG_UNORDERED_SET):
    DG__CASE(DG_SUM_AND_SAMPLE): dg__set_ask_sample(r, m, pre, s); break;
    }
}

static void dg__tell_begin(const dg__run *r, dg__acc *a, const dg__pts *pre)
{
    switch (DG__METHOD_OF(&r->e->cfg)) {
    DG__CASE(DG_EXACT): break;
    DG__CASE(DG_REINFORCE):
    DG__CASE(DG_RLOO): dg__sf_tell_begin(r, a, pre); break;
    DG__CASE(DG_GUMBEL_SOFTMAX):
    DG__CASE(DG_STRAIGHT_THROUGH):
    DG__CASE(DG_GUMBEL_RAO): dg__rx_tell_begin(r, a, pre); break;
    DG__CASE(DG_MUPROP): dg__mp_tell_begin(r, a, pre); break;
    DG__CASE(DG_REBAR):
    DG__CASE(DG_RELAX): dg__cv_tell_begin(r, a, pre); break;
    DG__CASE(DG_ARM):
    DG__CASE(DG_DISARM):
        if (r->p->kind == DG_BERNOULLI) dg__at_tell_begin(r, a, pre);
        else dg__ars_tell_begin(r, a);
        break;
    DG__CASE(DG_REINMAX): dg__rm_tell_begin(r, a); break;
    DG__CASE(DG_INDECATER): dg__ic_tell_begin(r, a); break;
    DG__CASE(DG_VIMCO): dg__vi_tell_begin(r, a, pre); break;
    DG__CASE(DG_UNORDERED_SET):
    DG__CASE(DG_SUM_AND_SAMPLE): dg__set_tell_begin(r, a); break;
    }
}

static int dg__tell_sample(const dg__run *r, dg__acc *a, int m, const dg__pts *s, dg__delta *dl)
{
    switch (DG__METHOD_OF(&r->e->cfg)) {
    DG__CASE(DG_REINFORCE):
    DG__CASE(DG_RLOO): return dg__sf_tell_sample(r, a, m, s);
    DG__CASE(DG_GUMBEL_SOFTMAX):
    DG__CASE(DG_STRAIGHT_THROUGH):
    DG__CASE(DG_GUMBEL_RAO): return dg__rx_tell_sample(r, a, m, s);
    DG__CASE(DG_MUPROP): return dg__mp_tell_sample(r, a, s);
    DG__CASE(DG_REBAR):
    DG__CASE(DG_RELAX): return dg__cv_tell_sample(r, a, s, dl);
    DG__CASE(DG_ARM):
    DG__CASE(DG_DISARM):
        if (r->p->kind == DG_BERNOULLI) return dg__at_tell_sample(r, a, m, s);
        return dg__ars_tell_sample(r, a, s);
    DG__CASE(DG_REINMAX): return dg__rm_tell_sample(r, a, m, s);
    DG__CASE(DG_INDECATER): return dg__ic_tell_sample(r, a, m, s);
    DG__CASE(DG_VIMCO): return dg__vi_tell_sample(r, a, m, s);
    DG__CASE(DG_UNORDERED_SET):
    DG__CASE(DG_SUM_AND_SAMPLE): return dg__set_tell_sample(r, a, m, s);
    default: return DG_OK;
    }
}

/* The second pass of a two-pass method (dg__two_pass): sample m told again, with its point. */
static int dg__tell_again(const dg__run *r, dg__acc *a, int m, const dg__pts *s)
{
    switch (DG__METHOD_OF(&r->e->cfg)) {
    DG__CASE(DG_VIMCO): return dg__vi_tell_again(r, a, m, s);
    DG__CASE(DG_UNORDERED_SET):
    DG__CASE(DG_SUM_AND_SAMPLE): return dg__set_tell_again(r, a, m, s);
    default: return DG_OK;
    }
}

static int dg__tell_end(const dg__run *r, dg__acc *a, const dg__pts *pre, dg_info *info,
                        dg__delta *dl)
{
    switch (DG__METHOD_OF(&r->e->cfg)) {
    DG__CASE(DG_EXACT): {
        int rc = dg__exact_sweep(r->p, 0, pre->v, a->grad, &info->f_mean);
        return rc ? rc : (dg__all_finite(a->grad, dg__n(r->p)) ? DG_OK : DG_EDOMAIN);
    }
    DG__CASE(DG_REINFORCE): return dg__reinforce_tell_end(r, a, info, dl);
    DG__CASE(DG_RLOO): return dg__rloo_tell_end(r, a, info, dl);
    DG__CASE(DG_GUMBEL_SOFTMAX):
    DG__CASE(DG_STRAIGHT_THROUGH):
    DG__CASE(DG_GUMBEL_RAO): return dg__rx_tell_end(r, a, info, dl);
    DG__CASE(DG_MUPROP): return dg__mp_tell_end(r, a, info, dl);
    DG__CASE(DG_REBAR):
    DG__CASE(DG_RELAX): return dg__cv_tell_end(r, a, info, dl);
    DG__CASE(DG_ARM):
    DG__CASE(DG_DISARM): return dg__at_tell_end(r, a, info, dl);
    DG__CASE(DG_REINMAX): return dg__rm_tell_end(r, a, info, dl);
    DG__CASE(DG_INDECATER): return dg__ic_tell_end(r, a, info, dl);
    DG__CASE(DG_VIMCO): return dg__vi_tell_end(r, a, info, dl);
    DG__CASE(DG_UNORDERED_SET):
    DG__CASE(DG_SUM_AND_SAMPLE): return dg__set_tell_end(r, a, info, dl);
    }
    return DG_EINVAL;
}

/* What point t of a prefix, or of a sample with the given stored noise, needs. */
static int dg__need(const dg_config *c, const dg_problem *p, int prefix, int t, const dg_real *data)
{
    if (prefix) return c->method == DG_EXACT ? DG_NEED_VALUE : DG_NEED_GRAD;
    switch (DG__METHOD_OF(c)) {
    DG__CASE(DG_GUMBEL_SOFTMAX):
    DG__CASE(DG_STRAIGHT_THROUGH):
    DG__CASE(DG_REINMAX): return DG_NEED_GRAD;
    DG__CASE(DG_REBAR):
    DG__CASE(DG_RELAX): return t == 0 ? DG_NEED_VALUE : DG_NEED_GRAD;
    DG__CASE(DG_ARM):
        if (p->kind == DG_CATEGORICAL && t >= (int)data[p->D + p->K]) return DG_NEED_NONE;
        return DG_NEED_VALUE;
    default: return DG_NEED_VALUE;
    }
}

/* Calls f or f_grad at the count points of g that need them (dg_estimate). */
static int dg__eval_points(const dg__run *r, int prefix, int count, dg_real *z, dg_real *v,
                           dg_real *dz, const dg_real *data, dg_info *info)
{
    size_t n = (size_t)dg__n(r->p);
    int t, rc = DG_OK;
    for (t = 0; t < count && !rc; ++t) {
        int need = dg__need(&r->e->cfg, r->p, prefix, t, data);
        if (need == DG_NEED_GRAD) rc = dg__eval_f_grad(r->p, z + t * n, dz + t * n, v + t, info);
        else if (need == DG_NEED_VALUE) rc = dg__eval_f(r->p, z + t * n, v + t, info);
    }
    return rc;
}

/* dg_estimate and dg_relaxed_grad_at: the prefix, then each sample asked, evaluated through the
   callbacks and told in the window of the estimator's memory, one at a time. A two-pass method
   then asks each sample again from a copy of the rng taken before the first (the same points,
   bit for bit, without keeping them) and tells it again; its kept values end the window. */
static int dg__run_window(const dg__run *r, const dg__shape *s, dg_real *grad, dg_info *info,
                          dg__delta *dl)
{
    size_t n = (size_t)dg__n(r->p), pts = (size_t)(s->P0 + s->Ps);
    dg_real *wz = r->L->win, *wdz = dg__needs_grad(r->e->cfg.method) ? wz + pts * n : 0;
    dg_real *wdata = wz + pts * n * (wdz ? 2 : 1), *wv = wdata + s->Q0 + s->Qs;
    dg__pts pre, smp;
    dg__acc a;
    dg_rng replay;
    dg__run again;
    int m, rc, twice = dg__two_pass(r->e->cfg.method);
    pre.z = wz;
    pre.v = wv;
    pre.dz = wdz;
    pre.data = wdata;
    smp.z = wz + s->P0 * n;
    smp.v = wv + s->P0;
    smp.dz = wdz ? wdz + s->P0 * n : 0;
    smp.data = wdata + s->Q0;
    a.grad = grad;
    a.kept = wv + pts;
    dg__ask_prefix(r, &pre);
    rc = dg__eval_points(r, 1, s->P0, wz, wv, wdz, wdata, info);
    if (rc) return rc;
    dg__tell_begin(r, &a, &pre);
    if (twice) {
        DG_ASSERT(r->rng); /* dg_relaxed_grad_at, without one, runs no two-pass method */
        replay = *r->rng;
    }
    for (m = 0; m < s->M; ++m) {
        dg__ask_sample(r, m, &pre, &smp);
        rc = dg__eval_points(r, 0, s->Ps, smp.z, wv + s->P0, (dg_real *)smp.dz, smp.data, info);
        if (!rc) rc = dg__tell_sample(r, &a, m, &smp, dl);
        if (rc) return rc;
    }
    if (twice) {
        again = *r;
        again.rng = &replay;
        for (m = 0; m < s->M; ++m) { /* the points again; the values are not kept */
            dg__ask_sample(&again, m, &pre, &smp);
            rc = dg__tell_again(r, &a, m, &smp);
            if (rc) return rc;
        }
    }
    return dg__tell_end(r, &a, &pre, info, dl);
}

/* DG_BASELINE_CV and DG_BASELINE_INPUT read the problem's extras: check them before anything
   is drawn or told. */
static int dg__check_extras(const dg_estimator *e, const dg_problem *p)
{
    int b, B = dg__batch(p);
    if (e->cfg.method != DG_REINFORCE) return DG_OK;
    if (e->cfg.baseline == DG_BASELINE_CV && (!p->cv || !p->cv_mean_grad)) return DG_EINVAL;
    if (e->cfg.baseline == DG_BASELINE_INPUT) {
        if (!p->baseline_inputs) return dg__finite(p->baseline_input) ? DG_OK : DG_EDOMAIN;
        for (b = 0; b < B; ++b) if (!dg__finite(p->baseline_inputs[b])) return DG_EDOMAIN;
    }
    return DG_OK;
}

/* Whether commits change anything: the baselines that learn, and REBAR's and RELAX's tuning. */
static int dg__learns(const dg_config *c)
{
    if (c->method == DG_REINFORCE)
        return c->baseline == DG_BASELINE_EMA || c->baseline == DG_BASELINE_OPTIMAL ||
               (c->baseline == DG_BASELINE_INPUT && c->normalize);
    return dg__is_cv(c->method) && c->tune;
}

/* Whether the learned arrays are involved in what a tell leaves pending: then everything
   pending must be of one problem size. */
static int dg__pending_arrays(const dg_config *c)
{
    return (c->method == DG_REINFORCE && c->baseline == DG_BASELINE_OPTIMAL) ||
           (dg__is_cv(c->method) && c->tune);
}

/* The score family's learned state after folding in what is pending (pfs2 and ps2: the
   optimal baseline's pending sums): checked (apply 0) or written (apply 1). */
static int dg__sf_commit(dg_estimator *e, const dg__layout *L, const dg_pending *pd,
                         const dg_real *pfs2, const dg_real *ps2, int apply)
{
    dg_sf_state *sf = &e->sf;
    dg_real decay = e->cfg.ema_decay;
    dg_baseline bl = e->cfg.method == DG_REINFORCE ? e->cfg.baseline : DG_BASELINE_NONE;
    int i, n = L->n;
    if (bl == DG_BASELINE_EMA && apply) {
        sf->ema = sf->ema_ready ? decay * sf->ema + (1 - decay) * pd->f_mean : pd->f_mean;
        sf->ema_ready = 1;
    }
    if (bl == DG_BASELINE_OPTIMAL) {
        int have = sf->opt_n == n;
        for (i = 0; i < n; ++i) {
            dg_real fs2 = pfs2[i] + (have ? decay * L->opt_fs2[i] : 0);
            dg_real s2 = ps2[i] + (have ? decay * L->opt_s2[i] : 0);
            if (!dg__finite(fs2) || !dg__finite(s2)) return DG_EDOMAIN;
            if (apply) { L->opt_fs2[i] = fs2; L->opt_s2[i] = s2; }
        }
        if (apply) sf->opt_n = n;
    }
    if (bl == DG_BASELINE_INPUT && e->cfg.normalize && pd->sig_n > 0) {
        /* the variance tracks E(l - previous mean)^2, which stays right when the mean drifts */
        dg_real mean = pd->sig_mean, var = pd->sig_var, dm;
        if (sf->sig_ready) {
            dm = pd->sig_mean - sf->sig_mean;
            var = decay * sf->sig_var + (1 - decay) * (pd->sig_var + dm * dm);
            mean = decay * sf->sig_mean + (1 - decay) * pd->sig_mean;
        }
        if (!dg__finite(mean) || !dg__finite(var)) return DG_EDOMAIN;
        if (apply) {
            sf->sig_mean = mean;
            sf->sig_var = var;
            sf->sig_ready = 1;
        }
    }
    return DG_OK;
}

/* Adds a tell's delta to what is pending, after checking that the commit it leads to stays
   finite (DG_EDOMAIN, and nothing pending changes, otherwise). A tuning step whose gradient is
   not finite is marked to be skipped: the estimate itself is fine. */
static int dg__pending_add(dg_estimator *e, const dg__layout *L, const dg__delta *dl)
{
    dg_pending cand;
    int have, i, h, n = L->n, rc;
    int optimal = e->cfg.method == DG_REINFORCE && e->cfg.baseline == DG_BASELINE_OPTIMAL;
    int tune = dg__is_cv(e->cfg.method) && e->cfg.tune, net = tune && e->cfg.method == DG_RELAX;
    dg_real *dfs2 = optimal ? DG__W(L, DG__W_SF_DFS2) : 0, *ds2 = optimal ? DG__W(L, DG__W_SF_DS2) : 0;
    if (!dg__learns(&e->cfg)) { /* nothing to fold in: only the count (no copy of the sums) */
        e->pend.tells++;
        e->pend.n = n;
        return DG_OK;
    }
    cand = e->pend;
    have = cand.tells > 0;
    cand.n = n;
    if (dl->draws > 0) dg__mean_into(&cand.draws, &cand.f_mean, dl->draws, dl->f_mean);
    if (dl->sig_n > 0) dg__pool(&cand.sig_n, &cand.sig_mean, &cand.sig_var, dl->sig_n, dl->sig_mean, dl->sig_var);
    if (optimal && have)
        for (i = 0; i < n; ++i) { dfs2[i] += L->pend_fs2[i]; ds2[i] += L->pend_s2[i]; }
    rc = dg__sf_commit(e, L, &cand, dfs2, ds2, 0);
    if (rc) return rc;
    if (tune) {
        cand.tune_draws += dl->tune_draws;
        cand.d_log_tau += dl->d_log_tau;
        cand.d_eta += dl->d_eta;
        cand.sum_ac += dl->sum_ac;
        cand.sum_cc += dl->sum_cc;
        cand.d_b2 += dl->d_b2;
        for (h = 0; h < DG_RELAX_HIDDEN; ++h) {
            cand.d_w2[h] += dl->d_w2[h];
            cand.d_b1[h] += dl->d_b1[h];
        }
        if (!dg__finite(cand.d_log_tau) || !dg__finite(cand.d_eta) || !dg__finite(cand.sum_ac) ||
            !dg__finite(cand.sum_cc))
            cand.tune_bad = 1;
        if (net) {
            int ok = dg__finite(cand.d_b2) && dg__all_finite(cand.d_w2, DG_RELAX_HIDDEN) &&
                     dg__all_finite(cand.d_b1, DG_RELAX_HIDDEN);
            for (h = 0; h < DG_RELAX_HIDDEN; ++h) {
                dg_real *row = DG__W(L, DG__W_CV_DW1 + h), *pend = L->pend_dw1 + (size_t)h * n;
                if (have) for (i = 0; i < n; ++i) row[i] += pend[i];
                ok = ok && dg__all_finite(row, n);
            }
            if (!ok) cand.tune_bad = 1;
            for (h = 0; h < DG_RELAX_HIDDEN; ++h)
                dg__copy(L->pend_dw1 + (size_t)h * n, DG__W(L, DG__W_CV_DW1 + h), n);
        }
    }
    if (optimal) {
        dg__copy(L->pend_fs2, dfs2, n);
        dg__copy(L->pend_s2, ds2, n);
    }
    cand.tells++;
    e->pend = cand;
    return DG_OK;
}

static void dg__commit(dg_estimator *e)
{
    dg__layout L;
    if (e->pend.tells == 0) return;
    e->commits++;
    if (!dg__learns(&e->cfg)) {
        e->pend.tells = 0;
        e->pend.n = 0;
        return;
    }
    dg__layout_of(&e->cfg, e->pend.n, 0, e->mem, e->mem_count, &L);
    dg__sf_commit(e, &L, &e->pend, L.pend_fs2, L.pend_s2, 1);
    if (dg__is_cv(e->cfg.method) && e->cfg.tune && !e->pend.tune_bad && e->pend.tune_draws > 0)
        dg__cv_commit(e, &L);
    memset(&e->pend, 0, sizeof e->pend);
}

DGDEF int dg_commit(dg_estimator *e)
{
    if (!e) return DG_EINVAL;
    dg__commit(e);
    return DG_OK;
}

/* The checks of dg_estimate and dg_ask before anything runs, in the order of the codes' rank:
   the problem's shape, the capacity (the header's limits, then the estimator's memory, before a
   logit is read), the logits and f_grad, the method's support for the kind, and with extras
   (dg_estimate) the problem's extras and one problem size for pending learned arrays. */
static int dg__prepare(dg_estimator *e, const dg_problem *p, int needs_f, int needs_grad,
                       int extras, dg__shape *s, dg__layout *L)
{
    int rc = dg__check_shape(p, needs_f), support;
    if (rc) return rc;
    support = dg__shape_of(&e->cfg, p, s);
    if (support == DG_ECAPACITY) return support;
    if (e->cfg.method == DG_EXACT && dg__exact_fits(p)) return DG_ECAPACITY;
    rc = dg__layout_for(e, p, support ? 0 : s, L); /* unsupported: its memory still counts */
    if (rc) return rc;
    rc = dg__check_values(p, needs_grad);
    if (rc) return rc;
    if (support || !extras) return support;
    rc = dg__check_extras(e, p);
    if (rc) return rc;
    if (e->pend.tells > 0 && e->pend.n != dg__n(p) && dg__pending_arrays(&e->cfg)) return DG_ESTATE;
    return DG_OK;
}

/* The temperature of the points drawn now. */
static dg_real dg__tau_now(const dg_estimator *e)
{
    return dg__is_cv(e->cfg.method) ? DG_EXP(e->cv.log_tau) : e->cfg.tau;
}

/* Starts a tell's delta: zero sums, and RELAX's net started and its W1 gradient zeroed. */
static void dg__delta_start(dg_estimator *e, const dg__layout *L, dg__delta *dl)
{
    int h, i;
    if (DG__IS(e->cfg.method, DG_RELAX)) dg__net_prepare(e, L);
    if (!dg__learns(&e->cfg)) { /* only the counts are read */
        dl->draws = dl->sig_n = dl->tune_draws = 0;
        dl->opt = 0;
        return;
    }
    memset(dl, 0, sizeof *dl);
    if (DG__IS(e->cfg.method, DG_RELAX))
        for (h = 0; h < DG_RELAX_HIDDEN; ++h)
            for (i = 0; i < L->n; ++i) DG__W(L, DG__W_CV_DW1 + h)[i] = 0;
}

DGDEF int dg_estimate(dg_estimator *e, const dg_problem *p, dg_real *grad, dg_info *info)
{
    dg__shape s;
    dg__layout L;
    dg__delta dl;
    dg__run r;
    dg_info local;
    int rc;
    if (!e || !grad) return DG_EINVAL;
    if (!dg__method_compiled(e->cfg.method)) return DG_EINVAL;
    if (p && p->batch > 1) return DG_EINVAL; /* batches go through dg_ask and dg_tell */
    rc = dg__prepare(e, p, 1, dg__needs_grad(e->cfg.method), 1, &s, &L);
    if (rc) return rc;
    dg__info_clear(&local);
    if (DG__IS(e->cfg.method, DG_EXACT)) {
        rc = dg__exact_sweep(p, 0, 0, grad, &local.f_mean);
        if (rc) return rc;
        local.f_evals = (int)dg__enum_count(p);
    } else {
        dg__delta_start(e, &L, &dl);
        r.e = e;
        r.L = &L;
        r.p = p;
        r.rng = &e->rng;
        r.noise = r.cond_noise = 0;
        r.tau = dg__tau_now(e);
        r.fill_unused = 0;
        rc = dg__run_window(&r, &s, DG__W(&L, DG__W_GRAD), &local, &dl);
        if (!rc) rc = dg__pending_add(e, &L, &dl);
        if (rc) return rc;
        dg__copy(grad, DG__W(&L, DG__W_GRAD), dg__n(p));
        if (s.keep && p->weights) /* VIMCO: the window ends with the kept values */
            dg__copy(p->weights, L.win + dg__window_size(&e->cfg, &s, (size_t)L.n) - s.keep, s.keep);
        dg__commit(e);
    }
    e->steps++;
    if (info) *info = local;
    return DG_OK;
}

DGDEF int dg_relaxed_grad_at(dg_estimator *e, const dg_problem *p, const dg_real *noise,
                             const dg_real *cond_noise, dg_real *grad, dg_info *info)
{
    dg__shape s;
    dg__layout L;
    dg__delta dl;
    dg__run r;
    dg_info local;
    int rc, n, S;
    long i, draws;
    if (!e || !noise || !grad || !dg__is_relaxation(e->cfg.method)) return DG_EINVAL;
    if (p && p->batch > 1) return DG_EINVAL;
    rc = dg__prepare(e, p, 1, 1, 0, &s, &L);
    if (rc) return rc;
    n = dg__n(p);
    S = e->cfg.samples;
    draws = e->cfg.method == DG_GUMBEL_RAO ? 1 : S;
    for (i = 0; i < draws * n; ++i) if (!dg__finite(noise[i])) return DG_EDOMAIN;
    if (e->cfg.method == DG_GUMBEL_RAO) {
        if (!cond_noise) return DG_EINVAL;
        rc = dg__check_cond_noise(p, cond_noise, (long)S * n);
        if (rc) return rc;
    }
    memset(&dl, 0, sizeof dl);
    dg__info_clear(&local);
    r.e = e;
    r.L = &L;
    r.p = p;
    r.rng = 0;
    r.noise = noise;
    r.cond_noise = cond_noise;
    r.tau = e->cfg.tau;
    r.fill_unused = 0;
    rc = dg__run_window(&r, &s, DG__W(&L, DG__W_GRAD), &local, &dl);
    if (rc) return rc;
    dg__copy(grad, DG__W(&L, DG__W_GRAD), n);
    if (info) *info = local;
    return DG_OK;
}

/* A draw's memory: the points of every example (contiguous, for one batched call), then per
   example its logits, its stored noise, and the staging area of its estimate. Everything but the
   staging is hashed at ask time and must not change before the tell. */
static size_t dg__draw_q(const dg__shape *s) { return (size_t)s->Q0 + (size_t)s->M * (size_t)s->Qs; }
static size_t dg__draw_p(const dg__shape *s) { return (size_t)s->P0 + (size_t)s->M * (size_t)s->Ps; }

/* a * b and a + b saturating at the largest size_t: overflow checks in integers, since a
   float build must not link double arithmetic for them (a Cortex-M4F has no double FPU). */
static size_t dg__size_mul(size_t a, size_t b) { return b && a > (size_t)-1 / b ? (size_t)-1 : a * b; }
static size_t dg__size_add(size_t a, size_t b) { return a > (size_t)-1 - b ? (size_t)-1 : a + b; }

/* 0 when the count does not fit a size_t (a 32-bit target asked for billions of values, as
   IndeCateR's quadratic draws can): no draw needs 0 values, so 0 means "cannot". */
static size_t dg__draw_size(const dg__shape *s, size_t n, size_t B)
{
    size_t per = dg__size_add(dg__size_add(dg__size_mul(dg__draw_p(s), n), 2 * n),
                              dg__size_add(dg__draw_q(s), (size_t)s->keep));
    size_t all = dg__size_mul(B, per);
    return all >= (size_t)-1 / 2 ? 0 : all;
}

static size_t dg__draw_qd(const dg_draw *d) { return (size_t)d->Q0_ + (size_t)d->M_ * (size_t)d->Qs_; }
static dg_real *dg__draw_logits(const dg_draw *d, int b)
{
    return d->mem_ + (size_t)d->batch * d->per_example * d->n + (size_t)b * d->n;
}
static dg_real *dg__draw_data(const dg_draw *d, int b)
{
    return dg__draw_logits(d, d->batch) + (size_t)b * dg__draw_qd(d);
}
/* Example b's estimate while it is formed, followed by its kept values (VIMCO's weights). */
static dg_real *dg__draw_staging(const dg_draw *d, int b)
{
    return dg__draw_data(d, d->batch) + (size_t)b * ((size_t)d->n + dg__keep((dg_method)d->method_, d->M_));
}

DGDEF size_t dg_draw_reals(const dg_estimator *e, const dg_problem *p)
{
    dg__shape s;
    if (!e || dg__check_shape(p, 0) || dg__shape_of(&e->cfg, p, &s)) return 0; /* no logit read */
    return dg__draw_size(&s, (size_t)dg__n(p), (size_t)dg__batch(p));
}

/* A hash of a draw's memory, enough to tell a changed point from the drawn one: independent
   lanes over 64-bit words, each a chain of bijections (add the word, xor-shift, rotate), so any
   one changed word changes its lane and the result; the last partial block is padded with
   zeros, and the lanes and the length are mixed by multiplies at the end. Adds, shifts and xors
   run on vector lanes with SSE2 as well as AVX2, where the serial multiply of FNV cost 6
   instructions and a multiply's latency per word. 32 lanes are four vectors of 8 (AVX-512) or
   eight of 4 (AVX2), whose chains run side by side: with 8 lanes, one chain of four dependent
   operations per 64 bytes, the hash took 39% of a batched REINFORCE's time (64 x 200 bits). A
   build for small problems (DG_MAX_DIM below 256) keeps 8, for the stack. */
#define DG__HASH_LANES (DG_MAX_DIM < 256 ? 8 : 32)
static DG__INLINE void dg__hash_block(uint64_t *lane, const unsigned char *b)
{
    int j;
    for (j = 0; j < DG__HASH_LANES; ++j) {
        uint64_t v;
        memcpy(&v, b + 8 * j, 8);
        v += lane[j];
        v ^= v >> 29;
        lane[j] = (v << 23) | (v >> 41);
    }
}

static uint64_t dg__hash(uint64_t h, const dg_real *x, size_t count)
{
    const unsigned char *b = (const unsigned char *)x;
    size_t i, bytes = count * sizeof *x;
    uint64_t lane[DG__HASH_LANES];
    unsigned char tail[8 * DG__HASH_LANES];
    int j;
    for (j = 0; j < DG__HASH_LANES; ++j) lane[j] = h ^ (uint64_t)(j + 1) * UINT64_C(0x9e3779b97f4a7c15);
    for (i = 0; i + sizeof tail <= bytes; i += sizeof tail) dg__hash_block(lane, b + i);
    if (i < bytes) { /* the last few bytes, padded */
        memset(tail, 0, sizeof tail);
        memcpy(tail, b + i, bytes - i);
        dg__hash_block(lane, tail);
    }
    h ^= (uint64_t)bytes;
    for (j = 0; j < DG__HASH_LANES; ++j) {
        h = (h ^ lane[j]) * UINT64_C(0x100000001b3);
        h ^= h >> 29;
    }
    return h;
}

static uint64_t dg__draw_hash(const dg_draw *d)
{
    size_t count = (size_t)(dg__draw_staging(d, 0) - d->mem_);
    return dg__hash(UINT64_C(0xcbf29ce484222325) ^ d->ticket_, d->mem_, count);
}

/* The example b of draw d as a problem: the draw's copy of the logits, extras from p. */
static dg_problem dg__draw_example(const dg_draw *d, const dg_problem *p, int b)
{
    dg_problem q;
    if (p) q = *p;
    else memset(&q, 0, sizeof q);
    q.kind = (dg_kind)d->kind_;
    q.D = d->D_;
    q.K = d->K_;
    q.batch = 1;
    q.logits = dg__draw_logits(d, b);
    if (p && p->baseline_inputs) q.baseline_input = p->baseline_inputs[b];
    q.baseline_inputs = 0;
    return q;
}

DGDEF int dg_ask(dg_estimator *e, const dg_problem *p, dg_draw *d, dg_real *memory, size_t count)
{
    dg__shape s;
    dg__layout L;
    dg__run r;
    dg_draw nd;
    size_t n, P;
    int b, m, B, rc;
    if (!e || !d) return DG_EINVAL;
    if (!dg__method_compiled(e->cfg.method)) return DG_EINVAL;
    rc = dg__prepare(e, p, 0, 0, 0, &s, &L);
    if (rc) return rc;
    n = (size_t)dg__n(p);
    B = dg__batch(p);
    if (!memory) return DG_EINVAL;
    if (dg__draw_size(&s, n, (size_t)B) == 0 || count < dg__draw_size(&s, n, (size_t)B))
        return DG_ECAPACITY;
    P = dg__draw_p(&s);
    memset(&nd, 0, sizeof nd);
    nd.points = memory;
    nd.batch = B;
    nd.per_example = (int)P;
    nd.n = (int)n;
    nd.needs_grad = dg__needs_grad(e->cfg.method);
    nd.owner_ = e->id;
    nd.ticket_ = e->asked;
    nd.kind_ = (int)p->kind;
    nd.D_ = p->D;
    nd.K_ = dg__row(p);
    nd.P0_ = s.P0;
    nd.Ps_ = s.Ps;
    nd.M_ = s.M;
    nd.Q0_ = s.Q0;
    nd.Qs_ = s.Qs;
    nd.method_ = (int)e->cfg.method;
    nd.tune_ = e->cfg.tune != 0;
    nd.tau_ = dg__tau_now(e);
    nd.mem_ = memory;
    r.e = e;
    r.L = &L;
    r.rng = &e->rng;
    r.noise = r.cond_noise = 0;
    r.tau = nd.tau_;
    r.fill_unused = 1;
    for (b = 0; b < B; ++b) {
        dg_real *pts = memory + (size_t)b * P * n, *data = dg__draw_data(&nd, b);
        dg_problem q = *p;
        dg__pts pre, smp;
        dg__copy(dg__draw_logits(&nd, b), p->logits + (size_t)b * n, (int)n);
        q.logits = dg__draw_logits(&nd, b);
        q.batch = 1;
        r.p = &q;
        pre.z = pts;
        pre.data = data;
        pre.v = pre.dz = 0;
        smp.v = smp.dz = 0;
        dg__ask_prefix(&r, &pre);
        for (m = 0; m < s.M; ++m) {
            smp.z = pts + ((size_t)s.P0 + (size_t)m * s.Ps) * n;
            smp.data = data + s.Q0 + (size_t)m * s.Qs;
            dg__ask_sample(&r, m, &pre, &smp);
        }
    }
    nd.sum_ = dg__draw_hash(&nd);
    e->asked++;
    *d = nd;
    return DG_OK;
}

/* Whether the draw's samples are those the estimator's configuration asks for. */
static int dg__draw_samples_match(const dg_config *c, const dg_draw *d)
{
    long per;
    dg_problem q;
    if (c->method == DG_EXACT) return d->M_ == 0;
    if (c->method != DG_INDECATER && !dg__is_set(c->method)) return d->M_ == c->samples;
    if (d->D_ < 1 || d->K_ < 1 || d->K_ > DG_MAX_K || d->D_ > DG__MAX_N / d->K_) return 0;
    if (dg__is_set(c->method)) { /* min(samples, configurations) of the draw's shape */
        memset(&q, 0, sizeof q);
        q.kind = (dg_kind)d->kind_;
        q.D = d->D_;
        q.K = d->K_;
        return d->M_ == dg__set_size(c, &q);
    }
    per = dg__ic_points((dg_kind)d->kind_, d->D_, d->K_);
    return d->M_ % c->samples == 0 && d->M_ / c->samples == per;
}

/* The shape dg__shape_of gave at ask time, from the draw. */
static void dg__draw_shape(const dg_draw *d, dg__shape *s)
{
    s->P0 = d->P0_;
    s->Ps = d->Ps_;
    s->M = d->M_;
    s->Q0 = d->Q0_;
    s->Qs = d->Qs_;
    s->keep = dg__keep((dg_method)d->method_, d->M_);
    s->W = dg__is_set((dg_method)d->method_) ? dg__set_work(d->M_, d->n, d->D_) : 0;
}

DGDEF int dg_point_needs(const dg_draw *d, int example, int j)
{
    dg_config c;
    dg_problem q;
    dg__shape s;
    const dg_real *data;
    if (!d || !d->mem_ || example < 0 || example >= d->batch || j < 0 || j >= d->per_example)
        return DG_EINVAL;
    dg__draw_shape(d, &s);
    memset(&c, 0, sizeof c);
    c.method = (dg_method)d->method_;
    q = dg__draw_example(d, 0, example);
    if (j < s.P0) return dg__need(&c, &q, 1, j, 0);
    data = dg__draw_data(d, example) + s.Q0 + (size_t)((j - s.P0) / s.Ps) * s.Qs;
    return dg__need(&c, &q, 0, (j - s.P0) % s.Ps, data);
}

DGDEF int dg_tell(dg_estimator *e, dg_draw *d, const dg_problem *p, const dg_real *values,
                  const dg_real *grads, dg_real *grad, dg_info *info)
{
    dg__shape s;
    dg__layout L;
    dg__delta dl;
    dg__run r;
    dg_info total, one;
    dg_problem q;
    size_t n, P, j;
    int b, m, rc, B, pass;
    if (!e || !d || !values || !grad) return DG_EINVAL;
    if (d->told_ != 0 || d->owner_ != e->id || d->ticket_ >= e->asked || !d->mem_ ||
        d->method_ != (int)e->cfg.method || d->tune_ != (e->cfg.tune != 0) ||
        !dg__draw_samples_match(&e->cfg, d))
        return DG_ESTATE;
    n = (size_t)d->n;
    B = d->batch;
    P = (size_t)d->per_example;
    dg__draw_shape(d, &s);
    q = dg__draw_example(d, p, 0);
    if (p) {
        /* the problem told must be the one asked: same shape, the same logits bit for bit */
        if (p->kind != (dg_kind)d->kind_ || p->D != d->D_ || dg__row(p) != d->K_ ||
            dg__batch(p) != B || !p->logits)
            return DG_ESTATE;
        for (b = 0; b < B; ++b)
            if (memcmp(p->logits + (size_t)b * n, dg__draw_logits(d, b), n * sizeof(dg_real)))
                return DG_ESTATE;
    }
    if (dg__draw_hash(d) != d->sum_) return DG_ESTATE;
    if (e->cfg.method == DG_REINFORCE && e->cfg.baseline >= DG_BASELINE_INPUT && !p) return DG_EINVAL;
    rc = dg__layout_for(e, &q, &s, &L);
    if (!rc && p) rc = dg__check_extras(e, p);
    if (rc) return rc;
    if (e->pend.tells > 0 && e->pend.n != (int)n && dg__pending_arrays(&e->cfg)) return DG_ESTATE;
    /* every value the draw needs finite, gradients present and finite */
    for (b = 0; b < B; ++b) {
        for (j = 0; j < P; ++j) {
            int need = dg_point_needs(d, b, (int)j);
            size_t at = (size_t)b * P + j;
            if (need == DG_NEED_NONE) continue;
            if (!dg__finite(values[at])) return DG_EDOMAIN;
            if (need != DG_NEED_GRAD) continue;
            if (!grads) return DG_ENEEDGRAD;
            if (!dg__all_finite(grads + at * n, (int)n)) return DG_EDOMAIN;
        }
    }
    dg__delta_start(e, &L, &dl);
    dg__info_clear(&total);
    r.e = e;
    r.L = &L;
    r.rng = 0;
    r.noise = r.cond_noise = 0;
    r.tau = d->tau_;
    r.fill_unused = 0;
    for (b = 0; b < B; ++b) {
        dg_real *pts = d->mem_ + (size_t)b * P * n, *data = dg__draw_data(d, b);
        const dg_real *v = values + (size_t)b * P, *dz = grads ? grads + (size_t)b * P * n : 0;
        dg__pts pre, smp;
        dg__acc a;
        q = dg__draw_example(d, p, b);
        r.p = &q;
        pre.z = pts;
        pre.v = v;
        pre.dz = dz;
        pre.data = data;
        a.grad = dg__draw_staging(d, b);
        a.kept = a.grad + n;
        dg__info_clear(&one);
        dg__tell_begin(&r, &a, &pre);
        for (pass = 0; pass < (dg__two_pass(e->cfg.method) ? 2 : 1); ++pass)
            for (m = 0; m < s.M; ++m) {
                size_t first = (size_t)s.P0 + (size_t)m * s.Ps;
                smp.z = pts + first * n;
                smp.v = v + first;
                smp.dz = dz ? dz + first * n : 0;
                smp.data = data + s.Q0 + (size_t)m * s.Qs;
                rc = pass ? dg__tell_again(&r, &a, m, &smp) : dg__tell_sample(&r, &a, m, &smp, &dl);
                if (rc) return rc;
            }
        rc = dg__tell_end(&r, &a, &pre, &one, &dl);
        if (rc) return rc;
        total.f_mean += one.f_mean / (dg_real)B;
        total.learning_signal += one.learning_signal / (dg_real)B;
        total.baseline += one.baseline / (dg_real)B;
        total.surrogate_loss += one.surrogate_loss / (dg_real)B;
        total.bound += one.bound / (dg_real)B;
        total.eta = one.eta;
        total.tau = one.tau;
        for (j = 0; j < P; ++j) {
            int need = dg_point_needs(d, b, (int)j);
            if (need == DG_NEED_GRAD) total.grad_evals++;
            else if (need == DG_NEED_VALUE) total.f_evals++;
        }
    }
    rc = dg__pending_add(e, &L, &dl);
    if (rc) return rc;
    for (b = 0; b < B; ++b) {
        dg__copy(grad + (size_t)b * n, dg__draw_staging(d, b), (int)n);
        if (s.keep && p && p->weights) /* VIMCO's weights, kept after the estimate */
            dg__copy(p->weights + (size_t)b * s.keep, dg__draw_staging(d, b) + n, s.keep);
    }
    d->told_ = 1;
    e->steps++;
    if (info) *info = total;
    return DG_OK;
}

/* ---------------------------------------------------------------------------------------------
   stats
   ------------------------------------------------------------------------------------------- */
DGDEF int dg_stats_init(dg_stats *s, int n)
{
    int i;
    if (!s || n < 1) return DG_EINVAL;
    if (n > DG_MAX_DIM) return DG_ECAPACITY;
    s->n = n;
    s->count = 0;
    for (i = 0; i < n; ++i) s->mean[i] = s->m2[i] = 0;
    return DG_OK;
}

DGDEF int dg_stats_push(dg_stats *s, const dg_real *x)
{
    int i;
    double inv;
    if (!s || !x || s->n < 1 || s->n > DG_MAX_DIM) return DG_EINVAL;
    if (!dg__all_finite(x, s->n)) return DG_EDOMAIN;
    inv = 1.0 / (double)(s->count + 1);
    /* finite values can still overflow the running sums: check every coordinate, then write
       (the same expressions, so the update is exactly what was checked) */
    for (i = 0; i < s->n; ++i) {
        double delta = (double)x[i] - s->mean[i], mean = s->mean[i] + delta * inv;
        double m2 = s->m2[i] + delta * ((double)x[i] - mean);
        if (!(mean - mean == 0) || !(m2 - m2 == 0)) return DG_EDOMAIN;
    }
    s->count++;
    for (i = 0; i < s->n; ++i) {
        double delta = (double)x[i] - s->mean[i];
        s->mean[i] += delta * inv;
        s->m2[i] += delta * ((double)x[i] - s->mean[i]);
    }
    return DG_OK;
}

DGDEF double dg_stats_mean(const dg_stats *s, int i)
{
    if (!s || i < 0 || i >= s->n || s->count < 1) return 0;
    return s->mean[i];
}

DGDEF double dg_stats_var(const dg_stats *s, int i)
{
    if (!s || i < 0 || i >= s->n || s->count < 2) return 0;
    return s->m2[i] / (double)(s->count - 1);
}

DGDEF double dg_stats_sem(const dg_stats *s, int i)
{
    if (!s || s->count < 2) return 0;
    return sqrt(dg_stats_var(s, i) / (double)s->count);
}

#ifdef __cplusplus
}
#endif

#endif /* DISCGRAD_IMPLEMENTATION_DONE */
#endif /* DISCGRAD_IMPLEMENTATION */

/*
------------------------------------------------------------------------------
This software is available under 2 licenses -- choose whichever you prefer.
------------------------------------------------------------------------------
ALTERNATIVE A - MIT License
Copyright (c) 2026 discgrad contributors
Permission is hereby granted, free of charge, to any person obtaining a copy of
this software and associated documentation files (the "Software"), to deal in
the Software without restriction, including without limitation the rights to
use, copy, modify, merge, publish, distribute, sublicense, and/or sell copies
of the Software, and to permit persons to whom the Software is furnished to do
so, subject to the following conditions:
The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.
THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
------------------------------------------------------------------------------
ALTERNATIVE B - Public Domain (www.unlicense.org)
This is free and unencumbered software released into the public domain.
Anyone is free to copy, modify, publish, use, compile, sell, or distribute this
software, either in source code form or as a compiled binary, for any purpose,
commercial or non-commercial, and by any means.
In jurisdictions that recognize copyright laws, the author or authors of this
software dedicate any and all copyright interest in the software to the public
domain. We make this dedication in perpetuity for the benefit of our software
and to the public domain. For more information, please refer to
<http://unlicense.org/>
------------------------------------------------------------------------------
*/
