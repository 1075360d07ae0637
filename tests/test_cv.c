/* Tests of the cv estimators (see the header's estimator table). */
#include "common.h"

static void register_cv(void)
{
}
