/* Figures drawn with cairo: panels with linear or logarithmic axes, curves,
 * points with error bars, histograms-as-steps, reference lines and legends.
 * Used by headless runs (PNG/SVG/PDF export) and, later, by the live window
 * and figure export of the faces. The plot module owns no data: every array
 * is borrowed for the duration of a call.
 *
 * Text: UTF-8 (ε, η, γ, λ, ⟨⟩ ...). "_{...}" and "^{...}" in a label draw a
 * subscript / superscript (e.g. "λ_{min}", "10^{-3}"); "_x" / "^x" apply to
 * one character. A backslash makes the next _ ^ { } or backslash literal
 * (the C literal "a\\_b" draws a_b). Combining accents ("K̄" = K + U+0304)
 * are placed over the letter before them. A note may hold several lines
 * separated by '\n'.
 */
#ifndef QNN_PLOT_H
#define QNN_PLOT_H

#include <stddef.h>
#include <cairo.h>

/* PLOT_SYMLOG: symmetric logarithm, linear within ±linthresh (the panel's
 * linthresh), logarithmic in |x| beyond: bulk and outliers of a spectrum
 * of both signs on one axis. */
typedef enum { PLOT_LINEAR = 0, PLOT_LOG = 1, PLOT_SYMLOG = 2 } plot_scale;

typedef enum {
    PLOT_LINE = 0,      /* solid line, normal width */
    PLOT_FAINT,         /* thin, translucent line (one instance of many) */
    PLOT_BOLD,          /* thick line (ensemble mean) */
    PLOT_DASHED,        /* dashed line (theory) */
    PLOT_DOTTED,        /* dotted line (a bound) */
    PLOT_POINTS,        /* markers only; with yerr: error bars */
    PLOT_LINE_POINTS,   /* line through markers; with yerr: error bars */
    PLOT_STEPS          /* histogram outline: y[i] is the bin centred on
                           x[i]; edges halfway between centres (on the
                           axis scale), outer bins mirrored */
} plot_style;

/* A corner of the plot area (the note box). */
typedef enum { PLOT_LOWER_LEFT = 0, PLOT_UPPER_LEFT, PLOT_UPPER_RIGHT,
               PLOT_LOWER_RIGHT } plot_corner;

typedef struct plot_series {
    const double *x;      /* n values; NaN/inf points are skipped (a gap) */
    const double *y;      /* n values; on a log axis y <= 0 is skipped */
    const double *yerr;   /* NULL or n symmetric error half-widths */
    size_t n;
    plot_style style;
    int color;            /* index into the palette; -1 = grey */
    const char *label;    /* NULL: not in the legend */
    double alpha;         /* 0: the style's opacity; else a factor (0 < alpha < 1 dims: earlier segments, pins) */
    int ghost;            /* a pinned run: drawn behind the others, dashed grey-blue unless color says */
} plot_series;

typedef struct plot_panel {
    const char *title;    /* drawn above the panel, may be NULL */
    const char *xlabel;
    const char *ylabel;
    plot_scale xscale, yscale;
    /* Axis limits; when lo >= hi the range is chosen from the data
     * (nice round limits; decades on log axes). */
    double xmin, xmax, ymin, ymax;
    const plot_series *series;
    size_t nseries;
    const double *vmarks; /* x positions of vertical event markers */
    size_t nvmarks;
    const char *const *vmark_labels; /* NULL or nvmarks labels ("η 0.002 → 0.005") */
    double linthresh;     /* PLOT_SYMLOG axes: the linear half-width (> 0) */
    const double *hlines; /* y positions of horizontal reference lines */
    const char *const *hline_labels; /* NULL or nhlines labels */
    size_t nhlines;
    const char *note;     /* NULL or a short text drawn in a corner box */
    plot_corner note_corner; /* where the note goes (default lower left) */
} plot_panel;

typedef struct plot_figure {
    const char *title;    /* may be NULL */
    const plot_panel *panels;
    size_t npanels;
    int columns;          /* panels per row (>= 1) */
    double width, height; /* in points (1/72 in); PNG: dpi/72 px per point (default 2) */
    double dpi;           /* PNG pixels per inch (0: 144, i.e. 2 px per point) */
    double font_size;     /* tick-label size in points (0: the default) */
} plot_figure;

typedef enum { PLOT_PNG = 0, PLOT_SVG, PLOT_PDF } plot_format;

/* Draws the figure into an existing cairo context covering w x h user units
 * (the live window uses this). */
void plot_draw(cairo_t *cr, const plot_figure *fig, double w, double h);

/* A rectangle in the user units of a drawing call. */
typedef struct plot_rect { double x, y, w, h; } plot_rect;

/* Where a panel was drawn: its plot area (inside the frame), its legend box
 * (has_legend), and the axis limits chosen (data units). drawn = 0 when
 * the cell was too small for a plot area. */
typedef struct plot_geom {
    int drawn, has_legend;
    plot_rect area, legend;
    double xlo, xhi, ylo, yhi;
} plot_geom;

/* Draws one panel into the cell (x, y, w, h) on a white background, with
 * tick labels of size fs user units (titles, labels and legends scale with
 * it: the live faces pass their UI scale here). Nothing is drawn outside
 * the cell. *g (may be NULL) receives the geometry. */
void plot_draw_panel(cairo_t *cr, const plot_panel *p, double x, double y,
                     double w, double h, double fs, plot_geom *g);

/* The axis limits plot_draw_panel chooses for p (its fixed limits, or the
 * nice range around the data, the markers and the reference lines): the
 * terminal face draws the same ranges as the figures. */
void plot_panel_limits(const plot_panel *p, double *xlo, double *xhi,
                       double *ylo, double *yhi);

/* Text with the label markup above (subscripts, superscripts, accents) in
 * the current source colour, baseline at y, aligned by ha (0 left, 0.5
 * centre, 1 right); returns its width. plot_text_width only measures. */
double plot_text(cairo_t *cr, const char *s, double size, double x, double y,
                 double ha, int bold);
double plot_text_width(cairo_t *cr, const char *s, double size, int bold);

/* Renders to `path` in the given format: PNG carries its dpi (a pHYs
 * chunk), SVG text is written as <text> elements (selectable), PDF embeds
 * its font subsets with a Unicode map. Returns 0, or -1 with a message in
 * err (errlen bytes) when cairo cannot create or write the file; on failure
 * the file may exist partially: callers write to a temporary name and
 * rename. */
int plot_write(const plot_figure *fig, plot_format fmt, const char *path,
               char *err, size_t errlen);

/* Writes an image surface as PNG to path, whole or not at all (afile.h:
 * a temporary beside it, synced and renamed; a target that is not a
 * regular file is refused). 0, or -1 with a message naming path in err. */
int plot_save_png(cairo_surface_t *sf, const char *path, char *err, size_t errlen);

/* RGB (0..1) of palette entry i (cycled); i < 0 gives grey. */
void plot_palette(int i, double rgb[3]);

#endif
