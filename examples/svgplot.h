/* svgplot.h - line plots as SVG files, for the examples: no dependency beyond libc and libm.

   One chart per file: a title, axes with ticks at round numbers and a light grid, one polyline
   per series, and a legend to the right of the plot area. Everything is static, so any number
   of files may include it.

      svgplot plot;
      svgplot_init(&plot, "Loss", "step", "E[f]");
      svgplot_add(&plot, "REINFORCE", 0, 0, steps, loss, n);    // colour 0, solid
      if (svgplot_write(&plot, "loss.svg") != 0) perror("loss.svg");

   A y value that is not finite (NaN, +-inf: a log of zero, a step that was not logged) breaks the
   line there instead of dragging it off the chart. The series keep pointers to the caller's
   arrays until svgplot_write is done with them; nothing is allocated.
*/
#ifndef SVGPLOT_H
#define SVGPLOT_H

#include <math.h>
#include <stdio.h>

#define SVGPLOT_MAX_SERIES 24
#define SVGPLOT_NCOLORS 10
#define SVGPLOT_NDASHES 3

typedef struct svgplot_series {
    const char *label;
    int color;                  /* index into the palette, modulo SVGPLOT_NCOLORS */
    int dash;                   /* 0 solid, 1 dashed, 2 dotted (modulo SVGPLOT_NDASHES) */
    const double *x, *y;        /* n points, x increasing */
    int n;
} svgplot_series;

typedef struct svgplot {
    const char *title, *xlabel, *ylabel;
    int width, height;          /* pixels of the whole picture: svgplot_init sets 860 x 480 */
    int nseries;
    svgplot_series series[SVGPLOT_MAX_SERIES];
} svgplot;

/* Tableau 10 hues, with the yellow and the pink darkened to stand out on white. */
static const char *const svgplot__colors[SVGPLOT_NCOLORS] = {
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
    "#c9a100", "#b07aa1", "#e377c2", "#9c755f", "#222222"
};
static const char *const svgplot__dashes[SVGPLOT_NDASHES] = { "", "7,4", "2,3" };

static void svgplot_init(svgplot *p, const char *title, const char *xlabel, const char *ylabel)
{
    p->title = title;
    p->xlabel = xlabel;
    p->ylabel = ylabel;
    p->width = 860;
    p->height = 480;
    p->nseries = 0;
}

/* Adds a series; returns 0, or -1 when SVGPLOT_MAX_SERIES are there already. */
static int svgplot_add(svgplot *p, const char *label, int color, int dash,
                       const double *x, const double *y, int n)
{
    svgplot_series *s;
    if (p->nseries >= SVGPLOT_MAX_SERIES) return -1;
    s = &p->series[p->nseries++];
    s->label = label;
    s->color = color;
    s->dash = dash;
    s->x = x;
    s->y = y;
    s->n = n;
    return 0;
}

/* Writes text with the five XML special characters escaped. */
static void svgplot__text(FILE *out, const char *s)
{
    for (; s && *s; ++s) {
        switch (*s) {
        case '&': fputs("&amp;", out); break;
        case '<': fputs("&lt;", out); break;
        case '>': fputs("&gt;", out); break;
        case '"': fputs("&quot;", out); break;
        case '\'': fputs("&#39;", out); break;
        default: fputc(*s, out);
        }
    }
}

/* The tick spacing: 1, 2 or 5 times a power of ten, giving about `want` intervals over span. */
static double svgplot__nice_step(double span, int want)
{
    double raw = span / want, mag = pow(10, floor(log10(raw))), r = raw / mag;
    return (r <= 1 ? 1 : r <= 2 ? 2 : r <= 5 ? 5 : 10) * mag;
}

typedef struct svgplot__axis {
    double lo, hi, step;        /* the drawn range, a whole number of steps */
    int decimals;               /* digits after the point that the tick labels need */
} svgplot__axis;

/* Widens [lo, hi] to whole tick steps; a flat or empty range gets a unit-sized window. */
static svgplot__axis svgplot__make_axis(double lo, double hi, int want)
{
    svgplot__axis a;
    if (!(lo <= hi)) { lo = 0; hi = 1; }
    if (hi - lo <= 1e-12 * (fabs(lo) + fabs(hi)) || hi == lo) {
        double pad = lo != 0 ? fabs(lo) * 0.05 : 0.5;
        lo -= pad;
        hi += pad;
    }
    a.step = svgplot__nice_step(hi - lo, want);
    a.lo = floor(lo / a.step + 1e-9) * a.step;
    a.hi = ceil(hi / a.step - 1e-9) * a.step;
    a.decimals = a.step >= 1 ? 0 : (int)ceil(-log10(a.step) - 1e-9);
    return a;
}

/* Formats a tick value: fixed point with the axis' decimals, or %g when that gets unwieldy. */
static void svgplot__tick_label(char *buf, size_t size, double v, const svgplot__axis *a)
{
    if (fabs(v) < a->step * 1e-9) v = 0; /* no "-0.00" */
    if (a->decimals > 6 || fabs(v) >= 1e7)
        snprintf(buf, size, "%g", v);
    else
        snprintf(buf, size, "%.*f", a->decimals, v);
}

/* Writes the chart to path. Returns 0, or -1 when the file cannot be written (errno says why). */
static int svgplot_write(const svgplot *p, const char *path)
{
    /* Plot area: room for tick labels on the left, the title on top, the legend on the right. */
    const double left = 78, top = 42, right_legend = 200, bottom = 52;
    const double W = p->width, H = p->height;
    const double pw = W - left - right_legend, ph = H - top - bottom;
    double xmin = HUGE_VAL, xmax = -HUGE_VAL, ymin = HUGE_VAL, ymax = -HUGE_VAL, v;
    svgplot__axis ax, ay;
    char label[64];
    int i, k, nlegend = 0;
    FILE *out;

    for (i = 0; i < p->nseries; ++i) {
        const svgplot_series *s = &p->series[i];
        for (k = 0; k < s->n; ++k) {
            if (!isfinite(s->x[k]) || !isfinite(s->y[k])) continue;
            if (s->x[k] < xmin) xmin = s->x[k];
            if (s->x[k] > xmax) xmax = s->x[k];
            if (s->y[k] < ymin) ymin = s->y[k];
            if (s->y[k] > ymax) ymax = s->y[k];
        }
    }
    ax = svgplot__make_axis(xmin, xmax, 8);
    ay = svgplot__make_axis(ymin, ymax, 6);

    out = fopen(path, "w");
    if (!out) return -1;
    fprintf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                 "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%g\" height=\"%g\" "
                 "viewBox=\"0 0 %g %g\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"12\">\n",
            W, H, W, H);
    fprintf(out, "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n");
    fprintf(out, "<text x=\"%.1f\" y=\"24\" text-anchor=\"middle\" font-size=\"15\" font-weight=\"bold\">",
            left + pw / 2);
    svgplot__text(out, p->title);
    fputs("</text>\n", out);

    /* Grid and ticks. The loop runs over tick indices so rounding cannot drop the last one. */
#define SVGPLOT__X(x) (left + ((x) - ax.lo) / (ax.hi - ax.lo) * pw)
#define SVGPLOT__Y(y) (top + ph - ((y) - ay.lo) / (ay.hi - ay.lo) * ph)
    fputs("<g stroke=\"#e4e4e4\" stroke-width=\"1\">\n", out);
    for (k = 0; k <= (int)floor((ax.hi - ax.lo) / ax.step + 0.5); ++k) {
        double x = SVGPLOT__X(ax.lo + k * ax.step);
        fprintf(out, "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\"/>\n", x, top, x, top + ph);
    }
    for (k = 0; k <= (int)floor((ay.hi - ay.lo) / ay.step + 0.5); ++k) {
        double y = SVGPLOT__Y(ay.lo + k * ay.step);
        fprintf(out, "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\"/>\n", left, y, left + pw, y);
    }
    fputs("</g>\n<g stroke=\"black\" stroke-width=\"1\">\n", out);
    fprintf(out, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"none\"/>\n",
            left, top, pw, ph);
    for (k = 0; k <= (int)floor((ax.hi - ax.lo) / ax.step + 0.5); ++k) {
        double x = SVGPLOT__X(ax.lo + k * ax.step);
        fprintf(out, "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\"/>\n", x, top + ph, x, top + ph + 5);
    }
    for (k = 0; k <= (int)floor((ay.hi - ay.lo) / ay.step + 0.5); ++k) {
        double y = SVGPLOT__Y(ay.lo + k * ay.step);
        fprintf(out, "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\"/>\n", left - 5, y, left, y);
    }
    fputs("</g>\n<g fill=\"black\">\n", out);
    for (k = 0; k <= (int)floor((ax.hi - ax.lo) / ax.step + 0.5); ++k) {
        v = ax.lo + k * ax.step;
        svgplot__tick_label(label, sizeof label, v, &ax);
        fprintf(out, "<text x=\"%.2f\" y=\"%.2f\" text-anchor=\"middle\">%s</text>\n",
                SVGPLOT__X(v), top + ph + 19, label);
    }
    for (k = 0; k <= (int)floor((ay.hi - ay.lo) / ay.step + 0.5); ++k) {
        v = ay.lo + k * ay.step;
        svgplot__tick_label(label, sizeof label, v, &ay);
        fprintf(out, "<text x=\"%.2f\" y=\"%.2f\" text-anchor=\"end\">%s</text>\n",
                left - 8, SVGPLOT__Y(v) + 4, label);
    }
    fprintf(out, "<text x=\"%.2f\" y=\"%.2f\" text-anchor=\"middle\">", left + pw / 2, H - 12);
    svgplot__text(out, p->xlabel);
    fprintf(out, "</text>\n<text transform=\"translate(16 %.2f) rotate(-90)\" text-anchor=\"middle\">",
            top + ph / 2);
    svgplot__text(out, p->ylabel);
    fputs("</text>\n</g>\n", out);

    /* The series, clipped to the plot area; "M" starts a new piece after a non-finite point. */
    fprintf(out, "<clipPath id=\"area\"><rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\"/></clipPath>\n",
            left, top, pw, ph);
    fputs("<g clip-path=\"url(#area)\" fill=\"none\" stroke-width=\"1.6\" stroke-linejoin=\"round\">\n", out);
    for (i = 0; i < p->nseries; ++i) {
        const svgplot_series *s = &p->series[i];
        const char *dash = svgplot__dashes[((s->dash % SVGPLOT_NDASHES) + SVGPLOT_NDASHES) % SVGPLOT_NDASHES];
        int pen_down = 0, points = 0;
        for (k = 0; k < s->n; ++k) points += isfinite(s->x[k]) && isfinite(s->y[k]);
        if (points == 0) continue;
        fprintf(out, "<path stroke=\"%s\"%s%s%s d=\"",
                svgplot__colors[((s->color % SVGPLOT_NCOLORS) + SVGPLOT_NCOLORS) % SVGPLOT_NCOLORS],
                *dash ? " stroke-dasharray=\"" : "", dash, *dash ? "\"" : "");
        for (k = 0; k < s->n; ++k) {
            if (!isfinite(s->x[k]) || !isfinite(s->y[k])) { pen_down = 0; continue; }
            fprintf(out, "%s%.2f %.2f", pen_down ? " L" : (k ? " M" : "M"),
                    SVGPLOT__X(s->x[k]), SVGPLOT__Y(s->y[k]));
            pen_down = 1;
        }
        fputs("\"/>\n", out);
    }
    fputs("</g>\n", out);

    /* Legend: one row per series that has something to show. */
    fputs("<g>\n", out);
    for (i = 0; i < p->nseries; ++i) {
        const svgplot_series *s = &p->series[i];
        const char *dash = svgplot__dashes[((s->dash % SVGPLOT_NDASHES) + SVGPLOT_NDASHES) % SVGPLOT_NDASHES];
        double y = top + 10 + 19 * nlegend, x = left + pw + 14;
        int points = 0;
        for (k = 0; k < s->n; ++k) points += isfinite(s->x[k]) && isfinite(s->y[k]);
        if (points == 0) continue;
        ++nlegend;
        fprintf(out, "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\" stroke=\"%s\" stroke-width=\"2.2\"%s%s%s/>\n",
                x, y, x + 26, y,
                svgplot__colors[((s->color % SVGPLOT_NCOLORS) + SVGPLOT_NCOLORS) % SVGPLOT_NCOLORS],
                *dash ? " stroke-dasharray=\"" : "", dash, *dash ? "\"" : "");
        fprintf(out, "<text x=\"%.2f\" y=\"%.2f\">", x + 32, y + 4);
        svgplot__text(out, s->label);
        fputs("</text>\n", out);
    }
    fputs("</g>\n</svg>\n", out);
#undef SVGPLOT__X
#undef SVGPLOT__Y
    if (ferror(out)) { fclose(out); return -1; }
    return fclose(out) == 0 ? 0 : -1;
}

#endif /* SVGPLOT_H */
