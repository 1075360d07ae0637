/* plotstyle.h - how the examples draw each estimator: one colour per estimator, one line style
   per family, the same in every plot (toy, VAE). Include after discgrad.h and svgplot.h.

      dgx_style st = dgx_style_of(DG_REBAR, DG_BASELINE_NONE);
      svgplot_add(&plot, st.label, st.color, st.dash, x, y, n);
      plot.note = DGX_STYLE_NOTE;        // DGX_STYLE_NOTE_EXACT with an exact line
*/
#ifndef DG_EXAMPLE_PLOTSTYLE_H
#define DG_EXAMPLE_PLOTSTYLE_H

#if defined(__GNUC__) || defined(__clang__)
#define DGX_STYLE_UNUSED __attribute__((unused))
#else
#define DGX_STYLE_UNUSED
#endif

typedef struct dgx_style {
    dg_method method;
    dg_baseline baseline;       /* REINFORCE's variants; DG_BASELINE_NONE for the others */
    const char *label;          /* the name in legends and tables */
    int color;                  /* svgplot palette index, one per row */
    int dash;                   /* SVGPLOT_SOLID unbiased, _DASHED relaxation, _DOTTED exact */
} dgx_style;

static const dgx_style dgx_styles[] = {
    {DG_REINFORCE, DG_BASELINE_NONE, "REINFORCE", 0, SVGPLOT_SOLID},
    {DG_REINFORCE, DG_BASELINE_EMA, "REINFORCE+EMA", 1, SVGPLOT_SOLID},
    {DG_REINFORCE, DG_BASELINE_OPTIMAL, "REINFORCE+optimal", 2, SVGPLOT_SOLID},
    {DG_RLOO, DG_BASELINE_NONE, "RLOO", 3, SVGPLOT_SOLID},
    {DG_ARM, DG_BASELINE_NONE, "ARM", 4, SVGPLOT_SOLID},
    {DG_DISARM, DG_BASELINE_NONE, "DisARM", 5, SVGPLOT_SOLID},
    {DG_MUPROP, DG_BASELINE_NONE, "MuProp", 6, SVGPLOT_SOLID},
    {DG_REBAR, DG_BASELINE_NONE, "REBAR", 7, SVGPLOT_SOLID},
    {DG_RELAX, DG_BASELINE_NONE, "RELAX", 8, SVGPLOT_SOLID},
    {DG_GUMBEL_SOFTMAX, DG_BASELINE_NONE, "Gumbel-softmax", 9, SVGPLOT_DASHED},
    {DG_STRAIGHT_THROUGH, DG_BASELINE_NONE, "straight-through", 10, SVGPLOT_DASHED},
    {DG_GUMBEL_RAO, DG_BASELINE_NONE, "Gumbel-Rao", 11, SVGPLOT_DASHED},
    {DG_EXACT, DG_BASELINE_NONE, "exact", 12, SVGPLOT_DOTTED},
    {DG_INDECATER, DG_BASELINE_NONE, "IndeCateR", 13, SVGPLOT_SOLID},
    {DG_REINMAX, DG_BASELINE_NONE, "ReinMax", 14, SVGPLOT_DASHED},
    {DG_UNORDERED_SET, DG_BASELINE_NONE, "unordered set", 15, SVGPLOT_SOLID},
    {DG_SUM_AND_SAMPLE, DG_BASELINE_NONE, "sum and sample", 16, SVGPLOT_SOLID},
};
#define DGX_NSTYLES ((int)(sizeof dgx_styles / sizeof dgx_styles[0]))

/* The legend note that says what the line styles mean (with the exact gradient's line when the
   plot has one). */
#define DGX_STYLE_NOTE "solid: unbiased\ndashed: relaxation (biased)"
#define DGX_STYLE_NOTE_EXACT DGX_STYLE_NOTE "\ndotted: exact gradient"

/* The style of a method (and, for REINFORCE, its baseline; other baselines fall back to plain
   REINFORCE's row). */
DGX_STYLE_UNUSED static dgx_style dgx_style_of(dg_method m, dg_baseline b)
{
    int i;
    for (i = 0; i < DGX_NSTYLES; ++i)
        if (dgx_styles[i].method == m && dgx_styles[i].baseline == b) return dgx_styles[i];
    for (i = 0; i < DGX_NSTYLES; ++i)
        if (dgx_styles[i].method == m) return dgx_styles[i];
    return dgx_styles[0];
}

#endif
