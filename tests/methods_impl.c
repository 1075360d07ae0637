/* One build of the implementation for tests/methods.c, private to its translation unit
   (DISCGRAD_STATIC), with the entry points that test calls gathered in a table named
   DGT_METHODS_LIB. Compiled twice: once with every method, once with -DDGT_SUBSET, a
   DG_METHODS of three and the smallest limits (DG_MAX_DIM 4: noise blocks of 8 values instead
   of 256, which must change nothing but the grouping of the work). */
#define DISCGRAD_STATIC
#ifdef DGT_SUBSET
#define DG_MAX_DIM 4
#define DG_MAX_K 4
#define DG_METHODS \
    (DG_METHOD_BIT(DG_REINFORCE) | DG_METHOD_BIT(DG_GUMBEL_SOFTMAX) | DG_METHOD_BIT(DG_VIMCO))
#endif
#define DISCGRAD_IMPLEMENTATION
#include "../discgrad.h"
#include "methods_lib.h"

const dgt_methods_lib DGT_METHODS_LIB = {
    dg_estimator_reals, dg_init, dg_estimate, dg_draw_reals, dg_ask, dg_tell, dg_commit,
    dg_relaxed_grad_at
};
