/* Tests of the score estimators (see the header's estimator table). */
#include "common.h"

static void register_score(void)
{
}
