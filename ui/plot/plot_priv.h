/* What the files of the plot module share and nothing outside it sees:
 * the layout constants, the axis, metrics, extent, rectangle, style and
 * margin types, and the pl_ helpers one file defines and another calls
 * (text with markup, axis mapping, series styles, the legend and note
 * boxes, panel layout). The public API is plot.h; plot_ticks.h exposes the
 * tick helpers to the tests and the terminal face. */
#ifndef QNN_PLOT_PRIV_H
#define QNN_PLOT_PRIV_H

#include "plot.h"
#include "plot_ticks.h"

#include <cairo.h>
#include <stddef.h>

#define PLOT_PI 3.14159265358979323846
#define PLOT_FONT "DejaVu Sans"

#define CAP_H 0.73  /* cap / digit height in em (DejaVu Sans) */
#define ASC_H 0.76  /* layout ascent in em */
#define DESC_H 0.24 /* layout descent in em */

typedef struct {
    double w, asc, desc;
} tbox;

#define MAXMAJ 40
#define MAXMIN 400

typedef struct {
    int log;
    int sym;       /* PLOT_SYMLOG (log = 0): linear within +-lt */
    double lt;
    double lo, hi; /* limits in data units */
    double t0, t1; /* limits transformed (log10 on a log axis) */
    size_t nmaj, nmin;
    double maj[MAXMAJ], mnr[MAXMIN];
    char lbl[MAXMAJ][PLOT_TICK_LABEL_MAX];
    double lw[MAXMAJ];
    double asc, desc, wmax; /* label extents */
} axis;

typedef struct {
    double fs;      /* tick label size */
    double u;       /* line width unit (1 at fs = 10) */
    double lab_fs;  /* axis labels */
    double ttl_fs;  /* panel titles */
    double fig_fs;  /* figure title */
    double leg_fs;  /* legend, notes, reference-line labels */
    double tick;    /* major tick length */
    double pad;     /* tick label to frame */
} metrics;

typedef struct {
    double xlo, xhi, ylo, yhi;
    int hx, hy;  /* have x / y extents */
    size_t npts; /* drawable data points */
} extent;

typedef struct {
    double x0, y0, x1, y1; /* plot area (y0 top) */
} rect;

typedef struct {
    double lw, alpha;
    double dash[4];
    int ndash;
    cairo_line_cap_t cap;
    int line, markers;
} stylespec;

typedef struct {
    double left, right, top, bottom;
    double xtick_h; /* tallest x tick labels: x axis labels line up */
} margins;

/* plot_text.c */
/* Extent of s with markup at font size `size` in the current face; draws
 * nothing. */
tbox pl_text_measure(cairo_t *cr, const char *s, double size);

/* Draws s with its baseline at y; ha: 0 left, 0.5 centre, 1 right. */
tbox pl_text_draw(cairo_t *cr, const char *s, double size, double x,
                  double y, double ha);

/* Selects the figure's face (PLOT_FONT), bold and/or italic. */
void pl_font(cairo_t *cr, int bold, int italic);

/* 1 when s is a string with at least one byte. */
int pl_nonempty(const char *s);

/* plot_axes.c */
/* 1 when v can be drawn on an axis (finite; > 0 on a log axis). */
int pl_valid_v(double v, int log);

/* Extent of the drawable points of p's series (the outer bins of
 * PLOT_STEPS included). */
void pl_panel_extent(const plot_panel *p, extent *e);

/* Sets a's limits: [umin, umax] when valid, else an automatic range
 * around the data [dlo, dhi] (have = 0: no data), on scale sc (lt: the
 * linear half-width of PLOT_SYMLOG; <= 0: chosen from the data). */
void pl_axis_range(axis *a, double umin, double umax, plot_scale sc, double lt,
                   int have, double dlo, double dhi);

/* The axis coordinate of v (log10 on a log axis, plot_symlog on a symlog
 * axis). */
double pl_axis_t(const axis *a, double v);

/* Fills a's major (at most max) and minor ticks and their labels, measured
 * at m's tick label size. */
void pl_axis_ticks(cairo_t *cr, axis *a, const metrics *m, size_t max);

/* fraction 0..1 of the axis; +-inf style values clamped far outside */
double pl_axis_frac(const axis *a, double v);

/* Page coordinate of the data value v in the plot area r (y grows down). */
double pl_map_x(const axis *a, const rect *r, double v);

double pl_map_y(const axis *a, const rect *r, double v);

/* plot_series.c */
/* plot_clip_segment to the rectangle r. */
int pl_clip_seg(const rect *r, double *ax, double *ay, double *bx,
                double *by);

/* 1 when (x, y) is inside r, edges included. */
int pl_in_rect(const rect *r, double x, double y);

/* Line width, dash, alpha and markers of style s at line width unit u. */
stylespec pl_style_of(plot_style s, double u);

/* The style of series se: its plot_style at u, with its alpha factor and,
 * for a ghost (a pinned run), a long dash and a lighter opacity. */
stylespec pl_series_style(const plot_series *se, double u);

/* The colour of series se: its palette colour, or for a ghost without one
 * (color < 0) a grey-blue. */
void pl_series_rgb(const plot_series *se, double rgb[3]);

/* Sets the source to series se's colour at alpha. */
void pl_set_series_color(cairo_t *cr, const plot_series *se, double alpha);

/* Sets the source to palette colour `color` (negative: grey) at alpha. */
void pl_set_color(cairo_t *cr, int color, double alpha);

/* Sets cairo's line width, cap, join and dash from st. */
void pl_apply_stroke_style(cairo_t *cr, const stylespec *st);

/* A filled disc of radius r in `color` with a thin white rim. */
void pl_draw_marker(cairo_t *cr, double x, double y, double r, int color,
                    double alpha, double u);
/* The same in rgb. */
void pl_draw_marker_rgb(cairo_t *cr, double x, double y, double r,
                        const double rgb[3], double alpha, double u);

/* pass 0: error bars and lines (clipped to the area by the caller);
 * pass 1: markers (the caller clips to the area enlarged by a marker) */
void pl_draw_series(cairo_t *cr, const plot_series *se, const axis *ax,
                    const axis *ay, const rect *area, const metrics *m,
                    int pass);

/* plot_legend.c */
/* The note box of p (lines split at '\n'): at its corner of the plot area
 * when it hides no data there, else at the corner or side middle where it
 * hides the least. 0 when p has no note. */
int pl_note_place(cairo_t *cr, const plot_panel *p, const axis *ax,
                  const axis *ay, const rect *area, const metrics *m, rect *box);

/* Draws the note box at box (from pl_note_place). */
void pl_draw_note(cairo_t *cr, const char *note, const rect *box,
                  const metrics *m);

/* 1 when the rectangles overlap (touching edges do not). */
int pl_rects_meet(const rect *a, const rect *b);

/* The note box's rectangle (0 when there is no note). */
int pl_note_rect(cairo_t *cr, const char *note, plot_corner corner,
                 const rect *area, const metrics *m, rect *box);

/* How much data a box at `box` would hide: line segments and markers of
 * p's series inside it (faint curves count a quarter, dimmed and ghost
 * series half). */
double pl_data_cover(const plot_panel *p, const axis *ax, const axis *ay,
                     const rect *area, const rect *box, const metrics *m);

/* The legend's entries (n, one per distinct label), its font size fs (the
 * legend size shrunk by k, 0.75 <= k <= 1, to fit the area) and box size. */
typedef struct {
    size_t n;
    double fs, k, tw, w, h;
} legend_dims;

/* Fills d for p's legend in area; 0 when p has no labelled series. */
int pl_legend_dims(cairo_t *cr, const plot_panel *p, const rect *area,
                   const metrics *m, legend_dims *d);

/* Chooses the legend's box inside the area: the corner or side middle
 * whose box hides the least data (pl_data_cover; upper right, upper left,
 * lower right, lower left, top, bottom, right, left on a tie), never on
 * the note box (NULL: none). Returns the data it hides there (0: a free
 * place). */
double pl_legend_place(const plot_panel *p, const axis *ax,
                       const axis *ay, const rect *area, const metrics *m,
                       const legend_dims *d, const rect *note, rect *box);

/* Draws the legend into box (from pl_legend_place or outside the area). */
void pl_legend_draw(cairo_t *cr, const plot_panel *p, const rect *box,
                    const metrics *m, const legend_dims *d);

/* plot_panel.c */
/* Draws panel p in cell with margins mg; fills g (when not NULL) with
 * where its plot area went. */
void pl_draw_panel(cairo_t *cr, const plot_panel *p, const rect *cell,
                   const margins *mg, const metrics *m, plot_geom *g);

/* Axes, ticks and margins of panel p at metrics m. */
void pl_panel_layout(cairo_t *cr, const plot_panel *p, const metrics *m,
                     axis *ax, axis *ay, margins *mg);

/* Font sizes, tick lengths and line width unit for tick labels of size fs. */
void pl_make_metrics(double fs, metrics *m);

#endif
