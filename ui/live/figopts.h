/* Figure options for papers and slides: the size (inches, mm or cm), the
 * PNG resolution, the font size, the title on or off and a journal or
 * slide style. `qnnlab run` and `qnnlab reproduce` apply them to figure.*
 * (app/figure.c), the live faces to the panels their export (E) writes
 * (ui/live/export.c): the faces parse them from their command line
 * (app/command.h: QNN_FIG_OPTS, qnn_fig_opt) and hand them over with
 * live_fig_opts_use before the loop starts.
 *
 * The styles: onecolumn is a journal's column (3.4 in, as APS's 8.6 cm),
 * tick labels 8 pt, panels stacked (at most 9 in tall), no title; twocolumn the page width (7 in, 17.8 cm), 9 pt, the figure's own
 * grid, no title; slide 10 x 5.625 in (16:9) with 16 pt tick labels and
 * the title. Everything not asked for stays as the figure has it, so the
 * default options change nothing. Implemented in ui/live/export.c. */
#ifndef QNN_LIVE_FIGOPTS_H
#define QNN_LIVE_FIGOPTS_H

#include "plot.h"

#include <stddef.h>

typedef enum {
    LIVE_FIG_SCREEN = 0,   /* no style: the figure's own size and layout */
    LIVE_FIG_ONECOLUMN,
    LIVE_FIG_TWOCOLUMN,
    LIVE_FIG_SLIDE
} live_fig_style;

typedef struct live_fig_opts {
    double width, height;  /* points (1/72 in); 0: the style's, else the figure's own */
    double dpi;            /* PNG pixels per inch; 0: 144 (2 px per point) */
    double font_size;      /* tick labels in points; 0: the style's, else scaled with the figure */
    int title;             /* -1: the style's (off for onecolumn, twocolumn); 0 off; 1 on */
    live_fig_style style;
} live_fig_opts;

/* Limits of the values (the refusals name them). */
#define LIVE_FIG_MIN_IN 0.5
#define LIVE_FIG_MAX_IN 40.0
#define LIVE_FIG_MIN_DPI 10
#define LIVE_FIG_MAX_DPI 1200
#define LIVE_FIG_MIN_PT 4
#define LIVE_FIG_MAX_PT 72
#define LIVE_FIG_MAX_PX 16384   /* PNG pixels a side: inches x dpi */
/* The widest and tallest figure of any kind without a size (the limit
 * of --dpi when no size is given). */
#define LIVE_FIG_NATURAL_W_IN 15.0
#define LIVE_FIG_NATURAL_H_IN 9.0

/* o: every option unset (the figure as it is). */
void live_fig_opts_init(live_fig_opts *o);

/* Sets option `name` (without "--": "fig-size", "dpi", "font-size",
 * "title", "style") from the command line's value. 0, or -1 with one line
 * in err: "--dpi: value '0' is out of range; allowed: 10 .. 1200". */
int live_fig_opts_set(live_fig_opts *o, const char *name, const char *value, char *err, size_t errlen);

/* The checks of the options together, before any work: the PNG's pixels
 * (inches x dpi, at the largest figure without a size) at most
 * LIVE_FIG_MAX_PX a side. 0, or -1 with one line in err. */
int live_fig_opts_check(const live_fig_opts *o, char *err, size_t errlen);

/* 1 when o changes nothing (NULL too). */
int live_fig_opts_is_default(const live_fig_opts *o);

/* Applies o to fig, whose panels are panels[0 .. fig->npanels - 1] (the
 * titles are cleared there when the title is off): size, columns, dpi,
 * font size, title. o NULL or default: nothing changes. */
void live_fig_opts_apply(const live_fig_opts *o, plot_figure *fig, plot_panel *panels);

/* The options of the live export (E): copied; NULL resets them. Called
 * by the faces before their loop. */
void live_fig_opts_use(const live_fig_opts *o);

/* The live export's options (set by live_fig_opts_use; all unset by
 * default). */
const live_fig_opts *live_fig_opts_current(void);

#endif
