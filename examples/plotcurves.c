/* plotcurves.c - one chart from the curves of several runs: the median of the runs per
   estimator, with a band from the lowest to the highest, in the estimators' own colours and line
   styles (plotstyle.h). It draws the VAE figures from the CSV files of several seeds:

      for s in 1 2 3; do ./build/vae --seed $s --csv run$s.csv ...; done
      ./build/plotcurves --out vae.svg --title "..." --caption "..." run1.csv run2.csv run3.csv

   Input: CSV files with a header line and rows "method,step,value" (what vae --csv writes), the
   same methods and steps in every file. The value column's header is the default y label.

   Build: cc -std=c99 -O2 -I. examples/plotcurves.c -o plotcurves -lm    (from the repository root)
   Usage: plotcurves --out FILE [--title T] [--ylabel Y] [--caption C] FILE.csv...
   The caption follows "discgrad <release>; median of N runs, ..." on the chart; a \n written
   out in it (backslash, n) starts a new line.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "discgrad.h" /* the version and the method names only: no implementation */
#include "method_names.h"
#include "svgplot.h"
#include "plotstyle.h"

#define MAXCURVES 16
#define MAXRUNS 32
#define MAXPOINTS 1024

typedef struct curve {
    char name[64];
    int n;                      /* points of the first run; every run must have them */
    double x[MAXPOINTS];
    double y[MAXRUNS][MAXPOINTS];
    int seen[MAXRUNS];          /* points read from each run */
    double med[MAXPOINTS], lo[MAXPOINTS], hi[MAXPOINTS];
} curve;

static curve curves[MAXCURVES];
static int ncurves;

static int read_run(const char *path, int run, char *ylabel, size_t ylabel_size)
{
    char line[512], name[64];
    double x, y;
    int k;
    FILE *fp = fopen(path, "r");
    if (!fp) { perror(path); return -1; }
    if (!fgets(line, sizeof line, fp)) { fprintf(stderr, "%s: empty\n", path); fclose(fp); return -1; }
    if (run == 0 && ylabel[0] == 0) {
        const char *c = strrchr(line, ',');
        if (c) {
            snprintf(ylabel, ylabel_size, "%s", c + 1);
            ylabel[strcspn(ylabel, "\r\n")] = 0;
        }
    }
    while (fgets(line, sizeof line, fp)) {
        if (sscanf(line, "%63[^,],%lf,%lf", name, &x, &y) != 3) continue;
        for (k = 0; k < ncurves && strcmp(curves[k].name, name) != 0; ++k) {}
        if (k == ncurves) {
            if (run > 0 || ncurves == MAXCURVES) {
                fprintf(stderr, "%s: curve %s is not in the first file (or too many curves)\n", path, name);
                fclose(fp);
                return -1;
            }
            strcpy(curves[ncurves++].name, name);
        }
        if (run == 0) {
            if (curves[k].n == MAXPOINTS) continue;
            curves[k].x[curves[k].n++] = x;
        }
        if (curves[k].seen[run] >= curves[k].n || curves[k].x[curves[k].seen[run]] != x) {
            fprintf(stderr, "%s: %s has a point at step %g that the first file does not\n", path, name, x);
            fclose(fp);
            return -1;
        }
        curves[k].y[run][curves[k].seen[run]++] = y;
    }
    fclose(fp);
    for (k = 0; k < ncurves; ++k)
        if (curves[k].seen[run] != curves[k].n) {
            fprintf(stderr, "%s: %s has %d points, the first file %d\n", path, curves[k].name,
                    curves[k].seen[run], curves[k].n);
            return -1;
        }
    return 0;
}

static void usage(void)
{
    fprintf(stderr, "usage: plotcurves --out FILE [--title T] [--ylabel Y] [--caption C] FILE.csv...\n");
    exit(2);
}

int main(int argc, char **argv)
{
    static svgplot plot;
    static char ylabel[128], caption[1024];
    const char *out = NULL, *title = "", *user_caption = NULL, *files[MAXRUNS];
    int nfiles = 0, a, i;

    for (a = 1; a < argc; ++a) {
        if (argv[a][0] == '-' && argv[a][1] == '-') {
            if (a + 1 >= argc) usage();
            if (!strcmp(argv[a], "--out")) out = argv[++a];
            else if (!strcmp(argv[a], "--title")) title = argv[++a];
            else if (!strcmp(argv[a], "--ylabel")) snprintf(ylabel, sizeof ylabel, "%s", argv[++a]);
            else if (!strcmp(argv[a], "--caption")) user_caption = argv[++a];
            else usage();
        } else {
            if (nfiles == MAXRUNS) usage();
            files[nfiles++] = argv[a];
        }
    }
    if (!out || nfiles == 0) usage();
    for (i = 0; i < nfiles; ++i)
        if (read_run(files[i], i, ylabel, sizeof ylabel) != 0) return 1;

    if (user_caption) { /* "\n" written out in the argument starts a new line */
        static char buf[768];
        char *w = buf;
        const char *r;
        for (r = user_caption; *r && w < buf + sizeof buf - 1; ++r) {
            if (r[0] == '\\' && r[1] == 'n') { *w++ = '\n'; ++r; }
            else *w++ = *r;
        }
        *w = 0;
        user_caption = buf;
    }
    if (nfiles > 1)
        snprintf(caption, sizeof caption, "discgrad %d.%d.%d; median of %d runs, band: lowest to highest%s%s",
                 DISCGRAD_VERSION_MAJOR, DISCGRAD_VERSION_MINOR, DISCGRAD_VERSION_PATCH, nfiles,
                 user_caption ? "; " : "", user_caption ? user_caption : "");
    else
        snprintf(caption, sizeof caption, "discgrad %d.%d.%d; one run%s%s", DISCGRAD_VERSION_MAJOR,
                 DISCGRAD_VERSION_MINOR, DISCGRAD_VERSION_PATCH, user_caption ? "; " : "",
                 user_caption ? user_caption : "");
    svgplot_init(&plot, title, "step", ylabel);
    plot.caption = caption;
    plot.note = DGX_STYLE_NOTE;
    for (i = 0; i < ncurves; ++i) {
        curve *c = &curves[i];
        dg_method m = dgx_method_by_name(c->name);
        dgx_style st = dgx_style_of(m, DG_BASELINE_NONE);
        int s;
        svgplot_median_band(&c->y[0][0], nfiles, MAXPOINTS, c->n, c->med, c->lo, c->hi);
        s = svgplot_add(&plot, m ? st.label : c->name, st.color, st.dash, c->x, c->med, c->n);
        if (nfiles > 1) svgplot_band(&plot, s, c->lo, c->hi);
    }
    if (svgplot_write(&plot, out) != 0) { perror(out); return 1; }
    printf("wrote %s (%d curves, %d runs)\n", out, ncurves, nfiles);
    /* the table beside the figure: each curve's median and range at its last point */
    printf("%-18s %10s %22s\n", "curve", "last step", "median (lowest - highest)");
    for (i = 0; i < ncurves; ++i) {
        const curve *c = &curves[i];
        if (c->n == 0) continue;
        printf("%-18s %10g %10.2f (%.2f - %.2f)\n", c->name, c->x[c->n - 1], c->med[c->n - 1],
               c->lo[c->n - 1], c->hi[c->n - 1]);
    }
    return 0;
}
