/* The ncurses face: the explorer in a terminal (over ssh, in a lecture
 * hall's terminal). The same panels, controls, status line and export as
 * the window (ui/live), drawn with text cells (tgrid.h): a 2 x 2 grid of
 * panels when the terminal is large, one panel with tabs when it is small.
 * The engine steps in the session's worker thread; this loop reads
 * snapshots, redraws at a steady rate while playing and sleeps in poll()
 * when nothing changes. */
#ifndef QNN_TUI_H
#define QNN_TUI_H

#include <stddef.h>
#include "keys.h"
#include "live.h"
#include "tgrid.h"

typedef struct qnn_tui_opts {
    int ascii;              /* force the ASCII character set */
    int mono;               /* force monochrome */
    double fps;             /* redraws per second while playing (0: 25) */
    const char *title;      /* shown in the header (the preset's name) */
} qnn_tui_opts;

/* ---------------------------------------------------------------------- */
/* The screen as text cells (no terminal needed: the benchmark and the
 * tests compose frames without one)                                     */

#define TUI_MIN_W 80
#define TUI_MIN_H 24
/* Key v records the dashboard at this size (pixels), whatever the
 * terminal's: the movie is for slides, drawn with cairo. */
#define TUI_RECORD_W 1280
#define TUI_RECORD_H 720

typedef struct tui_view {
    int tab;                /* the panel shown alone (0..3) */
    int zoom;               /* one panel even when the grid fits */
    int help_scroll;        /* first line of the help screen shown */
    tg_charset cs;
    /* the guided tour (tui_tour_prepare): rows its box wants in full and
     * in brief (title and what to try), 0 without a tour box; tour_brief:
     * the user chose the brief box over a full page */
    int tour_full, tour_brief_rows, tour_brief;
    /* the share screen (key c): u->share in full, wrapped, in place of
     * everything; share_scroll its first row shown */
    int share, share_scroll;
} tui_view;

typedef struct tui_layout {
    int W, H;
    int too_small;          /* below TUI_MIN_W x TUI_MIN_H: a message only */
    int grid;               /* four panels (else one, with tabs) */
    int npanels, pk[LIVE_NPANELS];          /* the panels shown */
    int px[LIVE_NPANELS], py[LIVE_NPANELS], pw[LIVE_NPANELS], ph[LIVE_NPANELS];
    int tab_x[LIVE_NPANELS], tab_w[LIVE_NPANELS];   /* tabs in row 0 */
    int sl_x[LIVE_NSLIDERS], sl_y[LIVE_NSLIDERS], sl_w[LIVE_NSLIDERS];
    int tr_x[LIVE_NSLIDERS], tr_w[LIVE_NSLIDERS];   /* slider tracks */
    int sl_rows;
    int detail_y, msg_y, status_y;
    /* the tour box: rows tour_y .. tour_y + tour_h - 1 (tour_h = 0: none);
     * TUI_TOUR_BAND in full below the panels, TUI_TOUR_PAGE in place of
     * the panels (too little room for both), TUI_TOUR_BRIEF title and
     * what to try below the panels */
    int tour_mode, tour_y, tour_h;
} tui_layout;

enum { TUI_TOUR_NONE = 0, TUI_TOUR_BAND, TUI_TOUR_PAGE, TUI_TOUR_BRIEF };
/* Rows of panels the tour box leaves at least, or it takes their place. */
#define TUI_TOUR_MIN_PANEL 12

/* Measures the tour box of u at width W into v (tour_full,
 * tour_brief_rows; 0 when u has no tour or its box is hidden). Call
 * before tui_layout_compute. */
void tui_tour_prepare(tui_view *v, const live_ui *u, int W);
void tui_layout_compute(tui_layout *L, int W, int H, const tui_view *v);
/* Draws the whole screen (or the help screen when u->help, the share
 * screen when v->share) into g, which
 * must be W x H of the layout. Clamps v->help_scroll. 0, or -1 when out
 * of memory (a message is drawn instead). */
int tui_compose(tg_grid *g, const tui_layout *L, const live_ui *u, tui_view *v,
                const qnn_snapshot *sn, const qnn_params *req);
/* Hit tests (cells): slider index (and in *frac the position on its track,
 * or -1 when not on it), tab index, panel index, or -1. */
int tui_hit_slider(const tui_layout *L, int x, int y, double *frac);
int tui_hit_tab(const tui_layout *L, int x, int y);
int tui_hit_panel(const tui_layout *L, int x, int y);

/* ---------------------------------------------------------------------- */
/* The terminal                                                           */

/* The session's on_publish callback: wakes the terminal loop. */
void qnn_tui_wake(void *ctx);

/* 1 when stdin is a terminal and the screen can go to stdout or, when
 * stdout is redirected, to /dev/tty (the face can run). */
int qnn_tui_available(void);

/* Runs the terminal face until the user quits (0) or a SIGINT, SIGTERM or
 * SIGHUP arrives (returns the signal's number: the caller exits with
 * 128 + it). Starts the session's worker. The terminal is restored on
 * every return, and by a last-resort handler on a crash. -1 with a message
 * when the terminal cannot be used. After it returns, u->share holds the
 * last share string made with C (empty if none). */
int qnn_tui_run(live_ui *u, const qnn_tui_opts *o, char *err, size_t errlen);

/* A screen that a client composes itself (the sweep browser): the same
 * terminal set-up, restoring, signals, colours and mouse as the explorer,
 * with the cells and the keys left to the client. */
typedef struct qnn_tui_canvas {
    void *ctx;
    /* Composes the whole screen into g (the terminal's size; g->cs the
     * character set). 0, or -1 when out of memory (the face then ends). */
    int (*compose)(void *ctx, tg_grid *g);
    /* A key (keys.h); returns 1 to quit. The screen is composed again
     * after it (and after a resize). */
    int (*key)(void *ctx, int key);
    /* A click or a wheel step (QNN_POINTER_*) at cell (x, y); NULL: none. */
    void (*pointer)(void *ctx, int x, int y, int what);
    /* After a wake-up (qnn_tui_wake) and at least every 250 ms: 1 when the
     * screen must be composed again. NULL: never (the loop then sleeps
     * until input). */
    int (*poll)(void *ctx);
} qnn_tui_canvas;

/* Runs the screen until c->key returns 1 (0) or SIGINT, SIGTERM or SIGHUP
 * arrives (the signal's number). The terminal is restored on every return
 * and by the last-resort handler on a crash. -1 with a message when the
 * terminal cannot be used. o->fps is not used. */
int qnn_tui_run_canvas(const qnn_tui_canvas *c, const qnn_tui_opts *o, char *err, size_t errlen);

/* The benchmark: frames composed and copied through curses exactly as the
 * face does, into a curses screen of W x H that writes to /dev/null
 * (TERM xterm-256color, 256 colours). */
typedef struct qnn_tui_bench qnn_tui_bench;
qnn_tui_bench *qnn_tui_bench_open(live_ui *u, int W, int H, tg_charset cs, char *err, size_t errlen);
/* One frame: seconds to compose the text cells and in all (compose, copy,
 * curses' update). */
void qnn_tui_bench_frame(qnn_tui_bench *b, const qnn_snapshot *sn, double *compose_s, double *total_s);
void qnn_tui_bench_close(qnn_tui_bench *b);

#endif
