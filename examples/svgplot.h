/* svgplot.h - line plots as SVG files, for the examples: no dependency beyond libc and libm.

   One chart per file: a title, axes with ticks at round numbers and a light grid, one polyline
   per series (optionally over a shaded band, e.g. the spread of several runs), a legend to the
   right of the plot area with an optional note under it, and an optional caption line under the
   chart (what was run: release, seeds, setup). Everything is static, so any number of files may
   include it.

      svgplot plot;
      int s;
      svgplot_init(&plot, "Loss", "step", "E[f]");
      plot.caption = "discgrad 0.2.0; median of 5 seeds, band: lowest to highest";
      plot.note = "solid: unbiased\ndashed: relaxation";
      s = svgplot_add(&plot, "REINFORCE", 0, SVGPLOT_SOLID, steps, median, n);
      svgplot_band(&plot, s, lowest, highest);                  // optional
      if (svgplot_write(&plot, "loss.svg") != 0) perror("loss.svg");

   Values that are not finite: NaN (nothing measured) breaks the line there. -inf (the log of a
   zero) does too, and unless plot.floor_label is set it is not drawn at all; with it, the chart
   gets a floor row one tick below the lowest value, marked with that label and a dashed line,
   and each -inf value is a dot on that row in its series' colour.
   The y range follows the lines, not the bands; plot.trim = 0.01, say, ignores the lowest and
   highest 1% of the line values when choosing it, so a single dip does not squash the chart
   (what falls outside is clipped at the edge). The series keep pointers to the caller's arrays
   until svgplot_write is done with them; nothing is allocated.

   Colours: palette index i is the i-th of SVGPLOT_NCOLORS distinct colours; examples/plotstyle.h
   gives each estimator its own and each family its own line style.
*/
#ifndef SVGPLOT_H
#define SVGPLOT_H

#include <math.h>
#include <stdio.h>
#include <string.h>

#define SVGPLOT_MAX_SERIES 24
#define SVGPLOT_NCOLORS 17
#define SVGPLOT_NDASHES 3
#if defined(__GNUC__) || defined(__clang__)
#define SVGPLOT_UNUSED __attribute__((unused))
#else
#define SVGPLOT_UNUSED
#endif
enum { SVGPLOT_SOLID = 0, SVGPLOT_DASHED = 1, SVGPLOT_DOTTED = 2 };

typedef struct svgplot_series {
    const char *label;
    int color;                  /* index into the palette, modulo SVGPLOT_NCOLORS */
    int dash;                   /* SVGPLOT_SOLID, _DASHED or _DOTTED (modulo SVGPLOT_NDASHES) */
    const double *x, *y;        /* n points, x increasing */
    const double *lo, *hi;      /* optional band around the line (NULL: none), n points each */
    int n;
} svgplot_series;

typedef struct svgplot {
    const char *title, *xlabel, *ylabel;
    const char *caption;        /* optional lines under the chart, separated by '\n' */
    const char *note;           /* optional lines under the legend, separated by '\n' */
    const char *floor_label;    /* optional: draw -inf values on a floor row with this label */
    double trim;                /* fraction of line values at each end ignored by the y range */
    int width, height;          /* pixels without the caption: svgplot_init sets 860 x 480;
                                   each caption line adds 15 below */
    int nseries;
    svgplot_series series[SVGPLOT_MAX_SERIES];
} svgplot;

/* Seventeen colours that stay apart on white, in line and in legend: strong hues first, then
   darker and lighter ones. */
static const char *const svgplot__colors[SVGPLOT_NCOLORS] = {
    "#1f77b4", "#17a2b8", "#3b3b98", "#ff7f0e", "#8c8c00", "#2ca02c", "#8c564b",
    "#9467bd", "#d62728", "#e377c2", "#7f7f7f", "#c08a00", "#000000", "#aa3377", "#66ccee",
    "#5b3a00", "#a0d060"
};
static const char *const svgplot__dashes[SVGPLOT_NDASHES] = { "", "7,4", "1.5,3" };

SVGPLOT_UNUSED static void svgplot_init(svgplot *p, const char *title, const char *xlabel, const char *ylabel)
{
    p->title = title;
    p->xlabel = xlabel;
    p->ylabel = ylabel;
    p->caption = p->note = p->floor_label = NULL;
    p->trim = 0;
    p->width = 860;
    p->height = 480;
    p->nseries = 0;
}

/* Adds a series; returns its index, or -1 when SVGPLOT_MAX_SERIES are there already. */
SVGPLOT_UNUSED static int svgplot_add(svgplot *p, const char *label, int color, int dash,
                       const double *x, const double *y, int n)
{
    svgplot_series *s;
    if (p->nseries >= SVGPLOT_MAX_SERIES) return -1;
    s = &p->series[p->nseries];
    s->label = label;
    s->color = color;
    s->dash = dash;
    s->x = x;
    s->y = y;
    s->lo = s->hi = NULL;
    s->n = n;
    return p->nseries++;
}

/* Shades the band from lo to hi (same points as the series' x) behind series i. */
SVGPLOT_UNUSED static void svgplot_band(svgplot *p, int i, const double *lo, const double *hi)
{
    if (i < 0 || i >= p->nseries) return;
    p->series[i].lo = lo;
    p->series[i].hi = hi;
}

/* The median, lowest and highest of runs[r * stride + k] over r < nruns, for each k < n, into
   med, lo and hi (any may be NULL). NaN values are skipped (all NaN gives NaN); -inf counts as
   the lowest value, so a median of zeros on a log scale stays -inf. At most 64 runs. */
SVGPLOT_UNUSED static void svgplot_median_band(const double *runs, int nruns, int stride, int n,
                                double *med, double *lo, double *hi)
{
    double v[64];
    int k, r, m, j;
    if (nruns > 64) nruns = 64;
    for (k = 0; k < n; ++k) {
        for (r = m = 0; r < nruns; ++r) {
            double x = runs[(size_t)r * stride + k];
            if (x != x) continue;
            for (j = m++; j > 0 && v[j - 1] > x; --j) v[j] = v[j - 1]; /* insertion sort */
            v[j] = x;
        }
        if (med) med[k] = m == 0 ? NAN : m % 2 ? v[m / 2] : 0.5 * (v[m / 2 - 1] + v[m / 2]);
        if (med && m > 0 && m % 2 == 0 && isinf(v[m / 2 - 1]) && v[m / 2 - 1] < 0) med[k] = -HUGE_VAL;
        if (lo) lo[k] = m == 0 ? NAN : v[0];
        if (hi) hi[k] = m == 0 ? NAN : v[m - 1];
    }
}

/* Writes text with the five XML special characters escaped, up to the end or a '\n'. */
static const char *svgplot__text(FILE *out, const char *s)
{
    for (; s && *s && *s != '\n'; ++s) {
        switch (*s) {
        case '&': fputs("&amp;", out); break;
        case '<': fputs("&lt;", out); break;
        case '>': fputs("&gt;", out); break;
        case '"': fputs("&quot;", out); break;
        case '\'': fputs("&#39;", out); break;
        default: fputc(*s, out);
        }
    }
    return s && *s == '\n' ? s + 1 : NULL;
}

static int svgplot__lines(const char *s)
{
    int n = 0;
    while (s) {
        ++n;
        s = strchr(s, '\n');
        if (s) ++s;
    }
    return n;
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
        snprintf(buf, size, "%.6g", v);
    else
        snprintf(buf, size, "%.*f", a->decimals, v);
}

/* The value below which a fraction q of the finite line values lie (bisection on counts: no
   buffer). */
static double svgplot__quantile(const svgplot *p, double q, double lo, double hi)
{
    long total = 0, below;
    int i, k, it;
    for (i = 0; i < p->nseries; ++i)
        for (k = 0; k < p->series[i].n; ++k) total += isfinite(p->series[i].y[k]) != 0;
    for (it = 0; it < 60; ++it) {
        double mid = 0.5 * (lo + hi);
        below = 0;
        for (i = 0; i < p->nseries; ++i)
            for (k = 0; k < p->series[i].n; ++k)
                below += isfinite(p->series[i].y[k]) && p->series[i].y[k] < mid;
        if ((double)below < q * (double)total) lo = mid;
        else hi = mid;
    }
    return 0.5 * (lo + hi);
}

/* Where a line's or a band's value goes on the y axis: itself, or NaN (a gap). With a floor row
   (floor_y, one tick step below the range), values below the range, -inf included, stop half a
   step above the floor: only the dots of -inf values are drawn on it. */
static double svgplot__yval(double v, int has_floor, double floor_y, double step)
{
    if (has_floor && !(v >= floor_y + 0.5 * step) && !(v != v)) return floor_y + 0.5 * step;
    return isfinite(v) ? v : NAN;
}

static const char *svgplot__color(int c)
{
    return svgplot__colors[((c % SVGPLOT_NCOLORS) + SVGPLOT_NCOLORS) % SVGPLOT_NCOLORS];
}

static const char *svgplot__dash(int d)
{
    return svgplot__dashes[((d % SVGPLOT_NDASHES) + SVGPLOT_NDASHES) % SVGPLOT_NDASHES];
}

static int svgplot__drawn(const svgplot *p, const svgplot_series *s)
{
    int k;
    for (k = 0; k < s->n; ++k)
        if (isfinite(s->x[k]) && (isfinite(s->y[k]) || (p->floor_label && isinf(s->y[k]) && s->y[k] < 0)))
            return 1;
    return 0;
}

/* Writes the chart to path. Returns 0, or -1 when the file cannot be written (errno says why). */
SVGPLOT_UNUSED static int svgplot_write(const svgplot *p, const char *path)
{
    /* Plot area: room for tick labels on the left, the title on top, the legend on the right,
       the x label and the caption at the bottom. */
    const int ncaption = p->caption ? svgplot__lines(p->caption) : 0;
    const double left = 78, top = 42, right_legend = 210, bottom = 52;
    const double W = p->width, H = p->height + (ncaption ? 15.0 * ncaption + 6 : 0);
    const double pw = W - left - right_legend, ph = p->height - top - bottom;
    double xmin = HUGE_VAL, xmax = -HUGE_VAL, ymin = HUGE_VAL, ymax = -HUGE_VAL, v, floor_y = 0;
    svgplot__axis ax, ay;
    char label[64];
    int i, k, nlegend = 0, has_floor = 0, nyticks;
    const char *line;
    FILE *out;

    for (i = 0; i < p->nseries; ++i) {
        const svgplot_series *s = &p->series[i];
        for (k = 0; k < s->n; ++k) {
            if (!isfinite(s->x[k])) continue;
            if (isinf(s->y[k]) && s->y[k] < 0) has_floor = 1;
            if (s->lo && isinf(s->lo[k]) && s->lo[k] < 0) has_floor = 1;
            if (!isfinite(s->y[k]) && !(s->lo && isfinite(s->lo[k]))) continue;
            if (s->x[k] < xmin) xmin = s->x[k];
            if (s->x[k] > xmax) xmax = s->x[k];
            if (!isfinite(s->y[k])) continue;
            if (s->y[k] < ymin) ymin = s->y[k];
            if (s->y[k] > ymax) ymax = s->y[k];
        }
    }
    has_floor = has_floor && p->floor_label;
    if (p->trim > 0 && ymin < ymax) {
        double qlo = svgplot__quantile(p, p->trim, ymin, ymax);
        double qhi = svgplot__quantile(p, 1 - p->trim, ymin, ymax);
        ymin = qlo;
        ymax = qhi;
    }
    ax = svgplot__make_axis(xmin, xmax, 8);
    ay = svgplot__make_axis(ymin, ymax, 6);
    if (has_floor) { ay.lo -= ay.step; floor_y = ay.lo; }
    nyticks = (int)floor((ay.hi - ay.lo) / ay.step + 0.5);

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
    for (k = has_floor; k <= nyticks; ++k) {
        double y = SVGPLOT__Y(ay.lo + k * ay.step);
        fprintf(out, "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\"/>\n", left, y, left + pw, y);
    }
    fputs("</g>\n", out);
    if (has_floor) /* the floor row: a dashed line, a white gap above it */
        fprintf(out, "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\" stroke=\"#888888\" "
                     "stroke-dasharray=\"4,3\"/>\n",
                left, SVGPLOT__Y(floor_y), left + pw, SVGPLOT__Y(floor_y));
    fputs("<g stroke=\"black\" stroke-width=\"1\">\n", out);
    fprintf(out, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"none\"/>\n",
            left, top, pw, ph);
    for (k = 0; k <= (int)floor((ax.hi - ax.lo) / ax.step + 0.5); ++k) {
        double x = SVGPLOT__X(ax.lo + k * ax.step);
        fprintf(out, "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\"/>\n", x, top + ph, x, top + ph + 5);
    }
    for (k = 0; k <= nyticks; ++k) {
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
    for (k = 0; k <= nyticks; ++k) {
        v = ay.lo + k * ay.step;
        fprintf(out, "<text x=\"%.2f\" y=\"%.2f\" text-anchor=\"end\">", left - 8, SVGPLOT__Y(v) + 4);
        if (k == 0 && has_floor) {
            svgplot__text(out, p->floor_label);
        } else {
            svgplot__tick_label(label, sizeof label, v, &ay);
            fputs(label, out);
        }
        fputs("</text>\n", out);
    }
    fprintf(out, "<text x=\"%.2f\" y=\"%.2f\" text-anchor=\"middle\">", left + pw / 2, top + ph + 40);
    svgplot__text(out, p->xlabel);
    fprintf(out, "</text>\n<text transform=\"translate(16 %.2f) rotate(-90)\" text-anchor=\"middle\">",
            top + ph / 2);
    svgplot__text(out, p->ylabel);
    fputs("</text>\n</g>\n", out);

    /* Bands first, then the lines, clipped to the plot area; "M" starts a new piece after a
       gap. A band is one polygon per run of points where both of its edges are drawable. */
    fprintf(out, "<clipPath id=\"area\"><rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\"/></clipPath>\n",
            left, top, pw, ph);
    fputs("<g clip-path=\"url(#area)\" stroke=\"none\" fill-opacity=\"0.13\">\n", out);
    for (i = 0; i < p->nseries; ++i) {
        const svgplot_series *s = &p->series[i];
        int start = 0, end, j;
        if (!s->lo || !s->hi) continue;
        while (start < s->n) {
            for (; start < s->n; ++start)
                if (isfinite(s->x[start]) && isfinite(svgplot__yval(s->lo[start], has_floor, floor_y, ay.step)) &&
                    isfinite(svgplot__yval(s->hi[start], has_floor, floor_y, ay.step)))
                    break;
            for (end = start; end < s->n; ++end)
                if (!(isfinite(s->x[end]) && isfinite(svgplot__yval(s->lo[end], has_floor, floor_y, ay.step)) &&
                      isfinite(svgplot__yval(s->hi[end], has_floor, floor_y, ay.step))))
                    break;
            if (end > start) {
                fprintf(out, "<path fill=\"%s\" d=\"", svgplot__color(s->color));
                for (j = start; j < end; ++j)
                    fprintf(out, "%s%.2f %.2f", j == start ? "M" : " L", SVGPLOT__X(s->x[j]),
                            SVGPLOT__Y(svgplot__yval(s->hi[j], has_floor, floor_y, ay.step)));
                for (j = end - 1; j >= start; --j)
                    fprintf(out, " L%.2f %.2f", SVGPLOT__X(s->x[j]),
                            SVGPLOT__Y(svgplot__yval(s->lo[j], has_floor, floor_y, ay.step)));
                fputs(" Z\"/>\n", out);
            }
            start = end;
        }
    }
    fputs("</g>\n", out);
    fputs("<g clip-path=\"url(#area)\" fill=\"none\" stroke-width=\"1.6\" stroke-linejoin=\"round\">\n", out);
    for (i = 0; i < p->nseries; ++i) {
        const svgplot_series *s = &p->series[i];
        const char *dash = svgplot__dash(s->dash);
        int pen_down = 0;
        if (!svgplot__drawn(p, s)) continue;
        fprintf(out, "<path stroke=\"%s\"%s%s%s d=\"", svgplot__color(s->color),
                *dash ? " stroke-dasharray=\"" : "", dash, *dash ? "\"" : "");
        for (k = 0; k < s->n; ++k) {
            double y = isfinite(s->y[k]) ? svgplot__yval(s->y[k], has_floor, floor_y, ay.step) : NAN;
            if (!isfinite(s->x[k]) || !isfinite(y)) { pen_down = 0; continue; }
            fprintf(out, "%s%.2f %.2f", pen_down ? " L" : (k ? " M" : "M"), SVGPLOT__X(s->x[k]), SVGPLOT__Y(y));
            pen_down = 1;
        }
        fputs("\"/>\n", out);
    }
    fputs("</g>\n", out);
    /* Values on the floor: a dot each, not joined to the line (which breaks there), one row of
       dots per series that has any, stacked upwards from the floor line. */
    if (has_floor) {
        int nfloor = 0, rank = 0;
        double gap;
        for (i = 0; i < p->nseries; ++i)
            for (k = 0; k < p->series[i].n; ++k)
                if (isinf(p->series[i].y[k]) && p->series[i].y[k] < 0) { ++nfloor; break; }
        gap = nfloor > 1 ? 0.4 * (SVGPLOT__Y(floor_y) - SVGPLOT__Y(floor_y + ay.step)) / (nfloor - 1) : 0;
        if (gap > 4) gap = 4;
        fputs("<g clip-path=\"url(#area)\" stroke=\"none\">\n", out);
        for (i = 0; i < p->nseries; ++i) {
            const svgplot_series *s = &p->series[i];
            int any = 0;
            for (k = 0; k < s->n; ++k) {
                if (!isfinite(s->x[k]) || !(isinf(s->y[k]) && s->y[k] < 0)) continue;
                fprintf(out, "<circle cx=\"%.2f\" cy=\"%.2f\" r=\"1.8\" fill=\"%s\"/>\n", SVGPLOT__X(s->x[k]),
                        SVGPLOT__Y(floor_y) - 2.5 - rank * gap, svgplot__color(s->color));
                any = 1;
            }
            rank += any;
        }
        fputs("</g>\n", out);
    }

    /* Legend: one row per series that has something to show (a swatch behind the line when it
       has a band), then the note. */
    fputs("<g>\n", out);
    for (i = 0; i < p->nseries; ++i) {
        const svgplot_series *s = &p->series[i];
        const char *dash = svgplot__dash(s->dash);
        double y = top + 10 + 19 * nlegend, x = left + pw + 14;
        if (!svgplot__drawn(p, s)) continue;
        ++nlegend;
        if (s->lo && s->hi)
            fprintf(out, "<rect x=\"%.2f\" y=\"%.2f\" width=\"26\" height=\"10\" fill=\"%s\" fill-opacity=\"0.13\"/>\n",
                    x, y - 5, svgplot__color(s->color));
        fprintf(out, "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\" stroke=\"%s\" stroke-width=\"2.2\"%s%s%s/>\n",
                x, y, x + 26, y, svgplot__color(s->color),
                *dash ? " stroke-dasharray=\"" : "", dash, *dash ? "\"" : "");
        fprintf(out, "<text x=\"%.2f\" y=\"%.2f\">", x + 32, y + 4);
        svgplot__text(out, s->label);
        fputs("</text>\n", out);
    }
    for (line = p->note, k = 0; line; ++k) {
        fprintf(out, "<text x=\"%.2f\" y=\"%.2f\" font-size=\"11\" fill=\"#444444\">", left + pw + 14,
                top + 10 + 19 * nlegend + 10 + 15 * k);
        line = svgplot__text(out, line);
        fputs("</text>\n", out);
    }
    fputs("</g>\n", out);
    /* Caption: what was run, under the x label. */
    for (line = p->caption, k = 0; line; ++k) {
        fprintf(out, "<text x=\"12\" y=\"%.2f\" font-size=\"11\" fill=\"#444444\">", p->height + 6 + 15.0 * k);
        line = svgplot__text(out, line);
        fputs("</text>\n", out);
    }
    fputs("</svg>\n", out);
#undef SVGPLOT__X
#undef SVGPLOT__Y
    if (ferror(out)) { fclose(out); return -1; }
    return fclose(out) == 0 ? 0 : -1;
}

#endif /* SVGPLOT_H */
