/* test.h - the tiny test runner of discgrad's suite.

   Tests are plain functions registered explicitly with DGT_ADD in a file's register function;
   checks record file:line with expected and actual values and let the test go on. The runner
   prints one line per failed check, then "N passed, N failed" (tests, not checks) as its last
   line, and exits nonzero when anything failed. Arguments, when given, select the tests to run:
   a test runs when its name contains any argument, or equals an argument written "=name".
   With DGT_TIMES set in the environment each test's CPU time is printed ("  time NAME SECONDS"),
   which tests/valgrind.sh uses to pick the tests it runs under memcheck. With DGT_FAIL_FAST set
   the run stops at the first failed test (tests/mutation.py: a mutant is killed as soon as one
   test fails). */
#ifndef DGT_TEST_H
#define DGT_TEST_H

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <time.h>

#define DGT_MAX_TESTS 512

typedef struct dgt_case { const char *name; void (*fn)(void); } dgt_case;

static dgt_case dgt_cases[DGT_MAX_TESTS];
static int dgt_ncases;
static int dgt_current_failures;
static const char *dgt_current_name;

static void dgt_add(const char *name, void (*fn)(void))
{
    if (dgt_ncases >= DGT_MAX_TESTS) {
        fprintf(stderr, "test.h: more than %d tests; raise DGT_MAX_TESTS\n", DGT_MAX_TESTS);
        exit(2);
    }
    dgt_cases[dgt_ncases].name = name;
    dgt_cases[dgt_ncases].fn = fn;
    dgt_ncases++;
}
#define DGT_ADD(fn) dgt_add(#fn, fn)

static void dgt_fail(const char *file, int line, const char *what)
{
    dgt_current_failures++;
    printf("  FAIL %s (%s:%d): %s\n", dgt_current_name, file, line, what);
}

#define CHECK(cond)                                                                        \
    do { if (!(cond)) dgt_fail(__FILE__, __LINE__, "expected " #cond); } while (0)

#define CHECK_INT(actual, expected)                                                        \
    do {                                                                                   \
        long dgt_a = (long)(actual), dgt_e = (long)(expected);                             \
        if (dgt_a != dgt_e) {                                                              \
            char dgt_buf[512];                                                             \
            snprintf(dgt_buf, sizeof dgt_buf, "%s: expected %ld, got %ld", #actual, dgt_e,  \
                     dgt_a);                                                               \
            dgt_fail(__FILE__, __LINE__, dgt_buf);                                         \
        }                                                                                  \
    } while (0)

/* |actual - expected| <= tol; fails on NaN in either. */
#define CHECK_NEAR(actual, expected, tol)                                                  \
    do {                                                                                   \
        double dgt_a = (double)(actual), dgt_e = (double)(expected), dgt_t = (double)(tol); \
        if (!(fabs(dgt_a - dgt_e) <= dgt_t)) {                                             \
            char dgt_buf[512];                                                             \
            snprintf(dgt_buf, sizeof dgt_buf, "%s: expected %.17g, got %.17g (tol %.3g)",   \
                     #actual, dgt_e, dgt_a, dgt_t);                                        \
            dgt_fail(__FILE__, __LINE__, dgt_buf);                                         \
        }                                                                                  \
    } while (0)

/* |actual - expected| <= rel * max(|expected|, floor); fails on NaN. */
#define CHECK_REL(actual, expected, rel, floor)                                            \
    CHECK_NEAR(actual, expected, (rel) * fmax(fabs((double)(expected)), (floor)))

/* A sample mean against its exact value: |mean - exact| <= z * se; fails on NaN, and when
   se is 0 the mean must equal the exact value to 1e-12 relative. */
#define CHECK_Z(mean, exact, se, z)                                                        \
    do {                                                                                   \
        double dgt_m = (double)(mean), dgt_x = (double)(exact), dgt_s = (double)(se);      \
        double dgt_lim = (z) * dgt_s + 1e-12 * fabs(dgt_x);                                \
        if (!(fabs(dgt_m - dgt_x) <= dgt_lim)) {                                           \
            char dgt_buf[512];                                                             \
            snprintf(dgt_buf, sizeof dgt_buf,                                              \
                     "%s: exact %.10g, mean %.10g, se %.3g (%.2f se, bound %.1f)", #mean,   \
                     dgt_x, dgt_m, dgt_s, dgt_s > 0 ? fabs(dgt_m - dgt_x) / dgt_s : 0.0,   \
                     (double)(z));                                                         \
            dgt_fail(__FILE__, __LINE__, dgt_buf);                                         \
        }                                                                                  \
    } while (0)

static int dgt_selected(const char *name, int argc, char **argv)
{
    int a;
    if (argc < 2) return 1;
    for (a = 1; a < argc; ++a) {
        if (argv[a][0] == '=' ? strcmp(name, argv[a] + 1) == 0 : strstr(name, argv[a]) != NULL)
            return 1;
    }
    return 0;
}

/* Runs the registered tests; returns the process exit code. */
static int dgt_run(int argc, char **argv, const char *label)
{
    int i, passed = 0, failed = 0, times = getenv("DGT_TIMES") != NULL;
    int fail_fast = getenv("DGT_FAIL_FAST") != NULL;
    for (i = 0; i < dgt_ncases; ++i) {
        clock_t start;
        if (!dgt_selected(dgt_cases[i].name, argc, argv)) continue;
        dgt_current_name = dgt_cases[i].name;
        dgt_current_failures = 0;
        start = clock();
        dgt_cases[i].fn();
        if (times)
            printf("  time %s %.4f\n", dgt_cases[i].name, (double)(clock() - start) / CLOCKS_PER_SEC);
        if (dgt_current_failures) {
            failed++;
            printf("FAIL %s\n", dgt_cases[i].name);
            if (fail_fast) break;
        } else {
            passed++;
        }
    }
    if (label) printf("%s: ", label);
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}

#endif
