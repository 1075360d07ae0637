/* The whole test suite as one translation unit. Built once per configuration of the matrix;
   with DGT_SEPARATE_IMPL the implementation comes from impl.c (the two-translation-unit build). */
#ifndef DGT_SEPARATE_IMPL
#define DISCGRAD_IMPLEMENTATION
#endif
#include "common.h"
#include "test_math.c"
#include "test_kernels.c"
#include "test_rng.c"
#include "test_samplers.c"
#include "test_softmax.c"
#include "test_exact.c"
#include "test_core.c"
#include "test_replica.c"
#include "test_limits.c"
#include "test_score.c"
#include "test_relax.c"
#include "test_cv.c"
#include "test_tuning.c"
#include "test_cond.c"
#include "test_errors.c"
#include "test_asktell.c"
#include "test_vimco.c"
#include "test_reinmax_indecater.c"
#include "test_swor.c"

#ifndef DGT_LABEL
#define DGT_LABEL "tests"
#endif

int main(int argc, char **argv)
{
    register_math();
    register_kernels();
    register_rng();
    register_samplers();
    register_softmax();
    register_exact();
    register_core();
    register_replica();
    register_limits();
    register_score();
    register_relax();
    register_cv();
    register_tuning();
    register_cond();
    register_errors();
    register_asktell();
    register_vimco();
    register_reinmax_indecater();
    register_swor();
    return dgt_run(argc, argv, DGT_LABEL);
}
