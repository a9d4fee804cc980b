/* The sweep browsers: `qnnlab gui --open DIR` (the window, browse_gui.c)
 * and `qnnlab tui --open DIR` (the terminal, browse_tui.c) over a finished
 * sweep (sweep.h). Both show the grid points with the sweep's statistic,
 * the selected point's ensemble and its statistics, and the whole sweep.
 * This header is the state and the key handling the two faces share
 * (browse.c). */
#ifndef QNN_BROWSE_H
#define QNN_BROWSE_H

#include "sweep.h"
#include "qnn/pool.h"

#include <stdatomic.h>
#include <stddef.h>

typedef struct qnn_browse_opts {
    int width, height, fullscreen, large;   /* the window */
    int ascii, mono;                        /* the terminal */
    const char *export_dir;                 /* where e and s write (default ".") */
} qnn_browse_opts;

/* Runs the window or the terminal face on an open sweep until the user
 * quits (0) or a signal ends it (the signal's number); -1 with a message
 * when the face cannot start. */
int qnn_browse_gui(qnn_sweep *sw, const qnn_browse_opts *o, char *err, size_t errlen);
int qnn_browse_tui(qnn_sweep *sw, const qnn_browse_opts *o, char *err, size_t errlen);

/* ---------------------------------------------------------------------- */
/* Shared by the two faces                                                */

enum { BROWSE_POINT = 0, BROWSE_SWEEP = 1 };
/* What a key asks of the face beyond the shared state. */
enum { BROWSE_NONE = 0, BROWSE_QUIT, BROWSE_EXPORT, BROWSE_SCREENSHOT };

#define BROWSE_MAX_STATS 8

typedef struct browser {
    qnn_sweep *sw;
    long npoints;
    long sel;                   /* the selected point */
    long top;                   /* first point of the list shown (faces keep sel in view) */
    int page;                   /* points the list shows (PgUp/PgDn), set by the face */
    int view;                   /* BROWSE_POINT or BROWSE_SWEEP */
    int help, help_scroll;
    int plot_first;             /* terminal: the first curve panel shown (← →) */
    /* the sweep's statistics (its figure's comma list), one shown in the list */
    int nstats, stat;
    char stats[BROWSE_MAX_STATS][64];
    char name[256];             /* the sweep's name: DIR's last component */
    char export_dir[1024];
    char status[1400];
    int status_error;
    /* Loading a point runs on a thread: sw->one belongs to it meanwhile, and
     * the faces show what they kept of the point before (shown). */
    void (*wake)(void *);       /* the face's wake-up (from the thread) */
    void (*adopt)(struct browser *b, void *face);   /* point `shown` is loaded: build caches */
    void *face;
    qnn_pool *loader;           /* the loading thread: a pool of one worker */
    int loading;                /* a load runs (joined in browse_poll) */
    long loading_k;
    double load_t0;
    atomic_int load_done;
    int load_rc;
    char load_err[512];
    long shown;                 /* the point in sw->one the faces' caches hold, -1 none */
    long failed;                /* a point whose load failed (not retried until reselected), -1 */
} browser;

/* 0, or -1 when the sweep has no points. */
int browse_init(browser *b, qnn_sweep *sw, const char *export_dir, void (*wake)(void *));
/* Waits for a load in progress. */
void browse_close(browser *b);
/* A key (keys.h): moves the selection, switches the view, help ... Returns
 * BROWSE_NONE, or what the face must do. */
int browse_key(browser *b, int key);
/* Joins a finished load (then b->adopt), starts the load of the selected
 * point when it is not the one shown. 1 when the face must redraw (a load
 * finished, or one in progress for long enough to say so). */
int browse_poll(browser *b);
/* Seconds the current load has taken, or a negative number when none is
 * running or it is too recent to mention (fast loads show no message). */
double browse_loading_for(const browser *b);
/* Selects point k (clamped to the grid). */
void browse_select(browser *b, long k);
/* Keeps sel within top .. top + rows - 1 (rows >= 1). */
void browse_scroll(browser *b, int rows);

/* The value of the sweep statistic `name` at point k, with its standard
 * error: the per-instance statistic of sweep.h when there is one, else
 * the ensemble value of the point's summary (ratios and variances). 0, or
 * -1 when the point has none. */
int browse_value(const qnn_sweep *sw, long k, const char *name, double *mean, double *se);
/* "0.5123 ± 0.0032" (s.e. to two significant digits), "1.234e-05 ± 4.1e-07",
 * "0.5123" without an s.e., "n/a". */
void browse_fmt_pm(char *buf, size_t len, double mean, double se);
/* s with the plot markup characters (_ ^ { } \\) escaped: keys and
 * statistics hold '_' ("n_h", "loss_final"), which plot labels would set
 * as subscripts. */
void browse_escape(const char *s, char *out, size_t cap);
/* A number in 4 significant digits ("0.01234", "1.234e+05", "n/a"). */
void browse_fmt(char *buf, size_t len, double v);

/* A point of a preset with zero steps recorded its instances at
 * initialisation only: the faces show histograms over the instances of
 * the fields below that have a spread, and no curves over time (no ε(t)
 * or loss panel: nothing was trained). */
typedef struct browse_field {
    qnn_field f;
    const char *name;           /* plot markup, over time ("|ε(t)|") */
    const char *name0;          /* at initialisation ("K = tr K / m"), NULL: not shown then */
    int logy;                   /* on a log axis when every value is > 0 */
} browse_field;
extern const browse_field browse_fields[];
extern const size_t browse_nfields;
/* 1 when no instance of run recorded more than one step. */
int browse_zero_steps(const qnn_run *run);
/* The histogram over the instances of field f at their last record:
 * *nb bins at centres (*x)[j] with counts (*y)[j] (malloc'd), *n values,
 * at *step. 1 made, 0 nothing to show (fewer than 2 finite values or no
 * spread), -1 out of memory. */
int browse_hist(const qnn_run *run, qnn_field f, double **x, double **y, size_t *nb, size_t *n, long *step);
/* Draws the histograms of a zero-steps point (browse_zero_steps) of res
 * as a figure w x h: title, one panel per field with a spread. 0, or -1
 * with a message (out of memory, nothing to show). */
int browse_draw_step0(const qnn_result *res, struct _cairo *cr, double w, double h, char *err, size_t errlen);

/* The key list of the help screens. */
typedef struct browse_key_doc { const char *keys, *what; } browse_key_doc;
extern const browse_key_doc browse_key_docs[];
extern const size_t browse_nkey_docs;

/* export_dir/qnnlab-NAME-WHAT-YYYYMMDD-HHMMSS.EXT, with -2, -3 ... when
 * that exists. */
void browse_export_path(const browser *b, const char *what, const char *ext, char *path, size_t len);
/* Draws w x h user units with draw(ctx, cr, w, h) into a PNG of
 * (w * scale) x (h * scale) pixels at path, through a hidden temporary
 * file renamed when complete; the outcome in b->status. 0 or -1. */
int browse_write_png(browser *b, const char *path, double w, double h, double scale,
                     void (*draw)(void *ctx, struct _cairo *cr, double w, double h), void *ctx);

#endif
