/* The SDL2 face: a resizable, HiDPI-aware window whose every pixel is drawn
 * by cairo (ui/live), with mouse and keyboard controls. The engine steps in
 * the session's worker thread; this loop only reads snapshots. */
#ifndef QNN_WINDOW_H
#define QNN_WINDOW_H

#include <stddef.h>
#include "live.h"

typedef struct qnn_gui_opts {
    int width, height;      /* initial window size in logical pixels */
    int fullscreen;
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

#endif
