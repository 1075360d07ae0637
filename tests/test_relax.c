/* Tests of the relax estimators (see the header's estimator table). */
#include "common.h"

static void register_relax(void)
{
}
