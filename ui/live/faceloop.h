/* What the two faces' event loops share (the SDL window, ui/sdl, and the
 * terminal, ui/tui): the stop signals and keeping up with the session. */
#ifndef QNN_FACELOOP_H
#define QNN_FACELOOP_H

#include <signal.h>

#include "live.h"
#include "qnn/share.h"

/* ---- Stop signals --------------------------------------------------- */

/* SIGINT, SIGTERM and SIGHUP while a face runs: the handler records the
 * signal's number (live_stop_signal) and calls wake(NULL) when given (it
 * must be async-signal-safe: a write to a pipe), so the loop ends, closes
 * the face properly and returns the number. The handlers the process had
 * are kept here and put back by live_stop_restore. */
typedef struct live_stop {
    struct sigaction old[3];
} live_stop;

/* Installs the handlers and clears the recorded signal. */
void live_stop_install(live_stop *st, void (*wake)(void *ctx));
/* Puts back the handlers live_stop_install replaced. */
void live_stop_restore(const live_stop *st);
/* The last stop signal caught since live_stop_install, or 0. */
int live_stop_signal(void);
/* Records sig as if it had been caught (a terminal that went away counts
 * as SIGHUP). */
void live_stop_note(int sig);

/* ---- The session a face shows --------------------------------------- */

enum {
    LIVE_SYNC_SNAPSHOT = 1, /* *sn is a newer snapshot: redraw */
    LIVE_SYNC_STEP = 2,     /* a tour step is new: the face sets up its view
                               for u->tour->cur */
};

/* Brings what a face shows up to date with u: after a tour step replaced
 * u->s, *sn becomes the new session's snapshot and *shown_s the session;
 * a newer snapshot of the same session replaces *sn (the old one is
 * released); *tour_step follows u->tour->cur. Start with *sn = NULL,
 * *shown_s = NULL and *tour_step = -1; release *sn when the face closes.
 * Returns the LIVE_SYNC_* bits of what changed. */
int live_sync_session(live_ui *u, const qnn_snapshot **sn, qnn_session **shown_s, int *tour_step);

/* ---- Pins and saved states ------------------------------------------ */

/* Adds a pin (key p): takes over the reference sn (released with the pin),
 * copies base and the nlog changes of log (what replays it to step). At
 * LIVE_MAX_PINS pins the oldest goes first: its label is copied into
 * dropped (may be NULL), else dropped is "". Relabels every pin (what
 * differs between the pins and the current run). 0, or -1 when memory
 * runs out (sn is then still the caller's). */
int live_pin_add(live_ui *u, const qnn_snapshot *sn, const qnn_params *base, const qnn_change *log,
                 size_t nlog, long step, char *dropped, size_t droppedlen);

/* Rebuilds the pins of a decoded share string (after u->preset_params is
 * set): each pinned run, the preset with its overrides, is replayed
 * headless in a scratch session (options o, its on_publish unused; never
 * started: qnn_session_advance) to its step, and its last snapshot is
 * held as the pin. 0, or -1 with one line in err naming the pin, the
 * value and what is allowed (the pins already rebuilt are freed). */
int live_pins_restore(live_ui *u, const qnn_share *sh, const qnn_session_opts *o, char *err, size_t errlen);

/* The state `--state ARG` names: ARG itself when it starts with
 * "qnnlab:" (a share string), else the path of a state.json written by
 * export (key E), whose member "share" holds the share string (its pins
 * included). *share gets a malloc'd copy. 0, or -1 with one line in err
 * naming the file: missing or unreadable, not a regular file (never
 * opened: a FIFO would block), not JSON, or without a "share" string. */
int live_state_read(const char *arg, char **share, char *err, size_t errlen);

#endif
