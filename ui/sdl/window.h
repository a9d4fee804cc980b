/* The SDL2 face: a resizable, HiDPI-aware window whose every pixel is drawn
 * by cairo (ui/live), with mouse and keyboard controls. The engine steps in
 * the session's worker thread; this loop only reads snapshots. */
#ifndef QNN_WINDOW_H
#define QNN_WINDOW_H

#include <stddef.h>
#include "keys.h"
#include "live.h"

typedef struct qnn_gui_opts {
    int width, height;      /* initial window size (--size; said on stderr when larger than
                               the display), or 0: 1600 x 900 (times the display's HiDPI
                               scale) fitted to the display's usable area, centred */
    int fullscreen;         /* full screen at the display's size (also without a window manager) */
    const char *title;
} qnn_gui_opts;

/* The session's on_publish callback: wakes the window loop. */
void qnn_gui_wake(void *ctx);

/* 1 when a display can be opened (SDL video initialises). */
int qnn_gui_available(void);

/* Runs the window until the user quits (0) or SIGINT, SIGTERM or SIGHUP
 * arrives (returns the signal's number; the caller exits with 128 + it).
 * Starts the session's worker. -1 with a message (no display, no
 * renderer). */
int qnn_gui_run(live_ui *u, const qnn_gui_opts *o, char *err, size_t errlen);

/* A window whose every pixel a client draws (the sweep browser): the same
 * window, HiDPI scaling, signals and F11 (full screen) as the explorer,
 * with the drawing and the keys left to the client. */
typedef struct qnn_gui_canvas {
    void *ctx;
    /* Draws the whole window, w x h logical units (cr scaled for HiDPI). */
    void (*draw)(void *ctx, cairo_t *cr, double w, double h);
    /* A key (keys.h); returns 1 to quit. The window is redrawn after it. */
    int (*key)(void *ctx, int key);
    /* A click or a wheel step (QNN_POINTER_*) at (x, y) in logical units;
     * NULL: none. The window is redrawn after it. */
    void (*pointer)(void *ctx, double x, double y, int what);
    /* After a wake-up (qnn_gui_wake) and at least every 250 ms: 1 when the
     * window must be redrawn. NULL: never. */
    int (*poll)(void *ctx);
} qnn_gui_canvas;

/* Runs the window until c->key returns 1 (0), the window is closed (0), or
 * SIGINT, SIGTERM or SIGHUP arrives (the signal's number). -1 with a
 * message (no display, no renderer). */
int qnn_gui_run_canvas(const qnn_gui_canvas *c, const qnn_gui_opts *o, char *err, size_t errlen);

#endif
