/* method_names.h - the estimator names the example programs accept on their command lines.
   Shared by the examples; include after discgrad.h. */
#ifndef DG_EXAMPLE_METHOD_NAMES_H
#define DG_EXAMPLE_METHOD_NAMES_H

#include <string.h>

#if defined(__GNUC__) || defined(__clang__)
#define DGX_UNUSED __attribute__((unused))
#else
#define DGX_UNUSED
#endif

typedef struct dgx_method_name {
    dg_method method;
    const char *name;
} dgx_method_name;

/* Every method, in the order the examples list them. */
static const dgx_method_name dgx_methods[] = {
    {DG_EXACT, "exact"},
    {DG_REINFORCE, "reinforce"},
    {DG_RLOO, "rloo"},
    {DG_ARM, "arm"},
    {DG_DISARM, "disarm"},
    {DG_INDECATER, "indecater"},
    {DG_GUMBEL_SOFTMAX, "gumbel-softmax"},
    {DG_STRAIGHT_THROUGH, "straight-through"},
    {DG_GUMBEL_RAO, "gumbel-rao"},
    {DG_REINMAX, "reinmax"},
    {DG_MUPROP, "muprop"},
    {DG_REBAR, "rebar"},
    {DG_RELAX, "relax"},
    /* the multi-sample bound */
    {DG_VIMCO, "vimco"},
    /* sampling without replacement */
    {DG_UNORDERED_SET, "unordered-set"},
    {DG_SUM_AND_SAMPLE, "sum-and-sample"},
};
#define DGX_NMETHODS ((int)(sizeof dgx_methods / sizeof dgx_methods[0]))

/* The method called name (also accepts the short forms gs, st, gr, us, sas), or 0 when unknown. */
DGX_UNUSED static dg_method dgx_method_by_name(const char *name)
{
    int i;
    if (strcmp(name, "gs") == 0) return DG_GUMBEL_SOFTMAX;
    if (strcmp(name, "st") == 0) return DG_STRAIGHT_THROUGH;
    if (strcmp(name, "gr") == 0) return DG_GUMBEL_RAO;
    if (strcmp(name, "us") == 0) return DG_UNORDERED_SET;
    if (strcmp(name, "sas") == 0) return DG_SUM_AND_SAMPLE;
    for (i = 0; i < DGX_NMETHODS; ++i)
        if (strcmp(name, dgx_methods[i].name) == 0) return dgx_methods[i].method;
    return (dg_method)0;
}

DGX_UNUSED static const char *dgx_method_name_of(dg_method m)
{
    int i;
    for (i = 0; i < DGX_NMETHODS; ++i)
        if (dgx_methods[i].method == m) return dgx_methods[i].name;
    return "?";
}

#endif
