/* What the live faces share: the controls (sliders, model selector,
 * actions and their keys), the panels built from a session snapshot, the
 * share string, the export folder and the help texts. The SDL window
 * (ui/sdl) draws all of it with cairo; the terminal face draws the same
 * panels with text. Nothing here talks to a window system. */
#ifndef QNN_LIVE_H
#define QNN_LIVE_H

#include <stddef.h>
#include <cairo.h>
#include "plot.h"
#include "circuit_layout.h"
#include "qnn/params.h"
#include "qnn/model.h"
#include "qnn/session.h"

/* ---------------------------------------------------------------------- */
/* Controls                                                               */

typedef enum { LIVE_LIN = 0, LIVE_LOG, LIVE_INT, LIVE_LOGINT } live_scale;

typedef struct live_slider_def {
    const char *key;        /* params key, or "spf" (steps per frame) */
    const char *label;      /* plot markup */
    live_scale scale;
    double lo, hi;          /* slider range (the engine may allow more: type it) */
    double fine, coarse;    /* step: added (LIN/INT) or a factor (LOG/LOGINT) */
    const char *help;
} live_slider_def;

#define LIVE_NSLIDERS 9
extern const live_slider_def live_sliders[LIVE_NSLIDERS];

/* The models of the live faces: the registered classes with a live view
 * (QNN_CAP_LIVE), in registry order, at most LIVE_MAX_MODELS of them. */
#define LIVE_MAX_MODELS 16
int live_model_count(void);
const qnn_model_class *live_model_at(int i);

typedef enum {
    LIVE_NONE = 0, LIVE_QUIT, LIVE_PLAY, LIVE_STEP, LIVE_RESET, LIVE_RESEED,
    LIVE_HELP, LIVE_EXPORT, LIVE_SCREENSHOT, LIVE_SHARE, LIVE_TDIST, LIVE_HESSIAN,
    LIVE_MODEL_NEXT, LIVE_MODEL_PREV, LIVE_FOCUS_NEXT, LIVE_FOCUS_PREV,
    LIVE_FINE_UP, LIVE_FINE_DOWN, LIVE_COARSE_UP, LIVE_COARSE_DOWN,
    LIVE_MIN, LIVE_MAX, LIVE_ENTRY, LIVE_SCALE_UP, LIVE_SCALE_DOWN,
    LIVE_FULLSCREEN, LIVE_TOUR_NEXT, LIVE_TOUR_PREV, LIVE_TOUR_TOGGLE, LIVE_CIRCUIT,
    LIVE_PIN,               /* p: pin the current run as a ghost reference */
    LIVE_UNPIN,             /* P: remove the pins */
    LIVE_SEGMENTS,          /* o: earlier segments dimmed / hidden / shown */
    LIVE_WINDOW,            /* w: time window: the last LIVE_WINDOW_STEPS steps / everything */
    LIVE_CONVERGE_PAUSE,    /* u: pause when the run converges, on / off */
    LIVE_RECORD,            /* v: start / stop recording the dashboard (MP4) */
    LIVE_RECORD_PANEL,      /* V: start / stop recording the panel under the pointer (or the error panel) */
    LIVE_NACTIONS
} live_action;

/* The one key table of both faces: the window's help overlay and the
 * terminal's help screen list the rows of their face, and README.md's
 * "Main keys" table sums up the rows of both. A key that works alike in
 * both is one row (LIVE_FACE_BOTH); where a face adds keys or a key does
 * something else there, each face has its row. */
enum { LIVE_FACE_WINDOW = 1, LIVE_FACE_TERMINAL = 2, LIVE_FACE_BOTH = 3 };
typedef struct live_key_doc {
    const char *keys, *what;
    unsigned faces;   /* LIVE_FACE_* bits */
} live_key_doc;
extern const live_key_doc live_key_docs[];
extern const size_t live_nkey_docs;

#define LIVE_NBUTTONS 8
typedef struct live_button_def { live_action action; const char *label; const char *key; } live_button_def;
extern const live_button_def live_buttons[LIVE_NBUTTONS];

/* Help texts (assets/help.ini): one section per panel. */
#define LIVE_NPANELS 4
typedef struct live_help {
    char title[LIVE_NPANELS + 1][128];
    char text[LIVE_NPANELS + 1][2048];   /* [LIVE_NPANELS]: the controls */
    int loaded;
    char path[1024];
    char error[512];
} live_help;
/* Reads assets/help.ini ($QNNLAB_ASSETS or the source tree's assets/).
 * 0, or -1 with h->error set (the overlay then says so). */
int live_help_load(live_help *h);
const char *live_asset_dir(void);

/* ---------------------------------------------------------------------- */
/* The guided tour (assets/tour.ini)                                      */

/* A tour is a sequence of steps; each loads a preset (plus overrides) into
 * the running explorer and shows a box with a title, paragraphs, the
 * formula that matters and what to try. The file is plain text (inih) so a
 * teacher can edit or translate it without recompiling:
 *
 *   [step]
 *   title   = one line
 *   preset  = a preset name (or path)
 *   set     = KEY=VALUE          (zero or more lines, applied in order)
 *   slider  = a slider key (gamma, eta, L, n_h, sigma_theta, m, n_v, seed, spf): focused
 *   panel   = error | kernel | entropy | hessian (shown when one panel fits)
 *   text    = paragraphs (indented continuation lines; "." starts a paragraph)
 *   formula = the formula, in plot markup (x_{ab}, x^{ab})
 *   try     = what to do with the sliders and what will be seen
 *
 * title, preset, text and try are required. */
#define LIVE_TOUR_MAX_STEPS 32
#define LIVE_TOUR_MAX_SETS 16
typedef struct live_tour_step {
    int line;                   /* line of its [step] header */
    char title[160];
    char preset[256];
    int preset_line;
    int nset;
    char set[LIVE_TOUR_MAX_SETS][128];
    int set_line[LIVE_TOUR_MAX_SETS];
    int slider;                 /* index into live_sliders, or -1 */
    int panel;                  /* 0..LIVE_NPANELS-1 */
    char text[2048];            /* paragraphs separated by '\n' */
    char formula[512];
    char try_[768];
} live_tour_step;

struct live_ui;
/* Builds the session of step k (not started): the app's presets live
 * outside ui/live. Returns it with the preset's parameters as loaded
 * (before overrides) and its display name, or NULL with a message. */
typedef qnn_session *(*live_tour_open_fn)(void *ctx, int k, qnn_params *preset_params,
                                          char *name, size_t namelen, char *err, size_t errlen);

typedef struct live_tour {
    char path[1024];
    int nsteps;
    live_tour_step step[LIVE_TOUR_MAX_STEPS];
    int cur;                    /* the step shown, 0-based */
    int shown;                  /* the tour box is shown */
    live_tour_open_fn open;
    void *ctx;
} live_tour;

/* Parses a tour from memory (origin names it in messages). 0, or -1 with
 * one line naming the file, the line, the key, the value and what is
 * allowed. Checks the syntax, the keys, each `set` against the engine's
 * keys and ranges, and the slider and panel names; the presets are the
 * app's to check (they are outside ui/live). */
int live_tour_parse(live_tour *t, const char *text, size_t len, const char *origin,
                    char *err, size_t errlen);
/* Reads path, or tour.ini in live_asset_dir() when path is NULL. */
int live_tour_load(live_tour *t, const char *path, char *err, size_t errlen);
/* Goes to step k: opens its session (t->open), starts it, puts it in
 * u->s in place of the old one (which is freed: a face holding one of its
 * snapshots keeps it valid until it releases it), focuses the step's
 * slider and shows the box. 0, or -1 with the refusal in u->status (the
 * old session stays). */
int live_tour_go(struct live_ui *u, int k);

/* A pinned run (key p): a held snapshot drawn as a ghost reference on
 * every panel, its label, and what replays it (the share string carries
 * the pins: preset, base parameters, the log of changes, the step). */
#define LIVE_MAX_PINS 4
typedef struct live_pin {
    const qnn_snapshot *sn;     /* a held reference (qnn_snapshot_release) */
    char label[160];            /* "η = 0.002, L = 64" : what differs, in plot markup */
    qnn_params base;            /* the parameters at its last reset */
    qnn_change *log;            /* malloc'd, nlog entries */
    size_t nlog;
    long step;
} live_pin;

/* What the panels show of a snapshot (besides the snapshot itself). */
enum { LIVE_OLD_DIM = 0, LIVE_OLD_HIDE, LIVE_OLD_SHOW, LIVE_OLD_NMODES };
#define LIVE_WINDOW_STEPS 500   /* key w: the last this many steps */
typedef struct live_view {
    int show_tdist;             /* panel 3: the trace distance instead of S(ρ_v) */
    int old_segments;           /* LIVE_OLD_*: segments before the last rebuild */
    long window;                /* > 0: the time axes show the last `window` steps; 0: all */
    const live_pin *pins;       /* npins ghost references */
    int npins;
} live_view;

/* The state of the controls, shared by both faces. */
typedef struct live_ui {
    qnn_session *s;
    char preset[256];           /* name or path, for the share string */
    qnn_params preset_params;   /* the preset as loaded (before overrides) */
    char export_root[1024];     /* where export folders are made */
    int focus;                  /* slider with the keyboard focus */
    int help;                   /* help overlay shown */
    int hover_panel;            /* panel under the pointer, -1 */
    int show_tdist;
    double scale;               /* user scale (large-font mode 1.5) */
    int entry;                  /* typing an exact value for the focused slider */
    char entry_buf[64];
    int drag;                   /* slider being dragged, -1 */
    double drag_value;
    char status[512];           /* the last face-side message */
    int status_error;
    char last_export[1100];
    char share[4096];           /* the last share string */
    live_help help_text;
    live_tour *tour;            /* the guided tour, or NULL */
    int circuit_shown;          /* the circuit diagram is shown (key d) */
    struct live_circuit *circuit; /* its cache (live_circuit_sync), or NULL */
    live_pin pins[LIVE_MAX_PINS]; /* pinned runs (key p), oldest first */
    int npins;
    int old_segments;           /* LIVE_OLD_* (key o) */
    long window;                /* time window in steps, 0: all (key w) */
    int pause_converged;        /* pause when the run converges (key u) */
    struct live_record *record; /* the recording under way (keys v, V), or NULL */
} live_ui;

/* Puts a refusal (printf format) in u->status, marked as an error; returns
 * -1 (what the live functions return when they refuse). */
int live_refuse(live_ui *u, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The view of u (its toggles and pins) for live_panels_build. */
void live_view_of(const live_ui *u, live_view *v);

void live_ui_init(live_ui *u, qnn_session *s, const char *preset, const qnn_params *preset_params);

/* Slider value as the slider shows it: the requested parameters (what the
 * queued commands will produce), or the dragged value. */
double live_slider_value(const live_ui *u, int i, const qnn_params *req);
/* The key slider i moves for p's model (L and m become layers and batch
 * for a model that uses those instead) and the label to show for it. */
const char *live_slider_key(int i, const qnn_params *p);
const char *live_slider_label(int i, const qnn_params *p);
/* 1 when the slider means something for the model. */
int live_slider_applies(int i, const qnn_params *req);
/* Text of a slider's value ("0.002", "3 (D_h = 8)"). */
void live_slider_text(int i, double v, const qnn_params *req, char *buf, size_t len);
/* Position (0..1) on the track and back. */
double live_slider_frac(int i, double v);
double live_slider_from_frac(int i, double f);
/* Sets slider i to v (rounded and clamped to the engine's range, not the
 * slider's). 0, or -1 with the refusal in u->status. */
int live_slider_set(live_ui *u, int i, double v);
/* The next value one fine/coarse step up or down. */
double live_slider_step(int i, double v, int dir, int coarse);

/* Performs an action that needs no window (the faces handle QUIT,
 * SCREENSHOT and FULLSCREEN themselves, and EXPORT with live_export).
 * Returns 1 when it did something. */
int live_do(live_ui *u, live_action a);
/* Switches to live_model_at(i). 0, or -1 with the refusal in u->status. */
int live_set_model(live_ui *u, int i);
/* Typed characters while u->entry: digits, '.', 'e', '-', '+'; Enter
 * applies, Escape cancels (key names "Return", "Escape", "BackSpace"). */
void live_entry_char(live_ui *u, const char *text);
void live_entry_key(live_ui *u, const char *key);

/* The share string of the current state (also kept in u->share). 0, or -1
 * with the reason in u->status. */
int live_share(live_ui *u);

/* ---------------------------------------------------------------------- */
/* The circuit diagram (key d; models with a gate-level circuit)          */

/* The diagram of the running parameters, rebuilt when they change. The
 * faces scroll it in lines: wire distances in the window, text lines in
 * the terminal. */
typedef struct live_circuit {
    qnn_params params;          /* the parameters it was built for */
    int built;                  /* params holds a value */
    int ascii;                  /* built with ASCII texts */
    int status;                 /* 0: L holds the diagram; else a qnn_status, err says why */
    char err[512];
    char title[400];
    cl_layout L;
    double scroll;              /* the first line shown */
    double page;                /* lines the last drawing showed */
    double max_scroll;          /* the largest scroll of the last drawing */
    double fit_w, fit_h, fit_s, fit_fs; /* the window's type size for that area and scale */
    double fold_w, fold_fs, fold_total; /* the window's last fold: kept while L.folds == fold_id */
    int fold_id;
} live_circuit;

/* 1 when the model of p has a gate-level circuit (the diagram is offered). */
int live_circuit_offered(const qnn_params *p);
/* When u->circuit_shown: makes u->circuit the diagram of sn->params
 * (allocated at the first call, rebuilt when the parameters or ascii
 * changed). Returns 1 when it was rebuilt (redraw), 0 otherwise, -1 when
 * out of memory (u->circuit_shown is then cleared). */
int live_circuit_sync(live_ui *u, const qnn_snapshot *sn, int ascii);
/* A key while the diagram is shown (keys.h: ↑ ↓ PgUp PgDn Home End):
 * scrolls it; returns 1 when the key was used. */
int live_circuit_key(live_ui *u, int key);
/* Frees u->circuit (the faces call it when their loop ends). */
void live_circuit_free(live_ui *u);
/* Releases the pins (key p) and empties u->pins (the faces call it when their loop ends; key P). */
void live_pins_free(live_ui *u);
/* Writes circuit.png, circuit.svg, circuit.pdf and circuit.qasm of the
 * parameters p into dir. 0 (also when the model has no circuit: nothing
 * written, *written = 0), or -1 with a message in err. */
int live_circuit_export(const qnn_params *p, const char *dir, int *written, char *err, size_t errlen);

/* ---------------------------------------------------------------------- */
/* Panels                                                                 */

/* The plot panels of one snapshot: [0] error, [1] kernel now, [2] kernel
 * over time, [3] entropy (or trace distance), [4] Hessian histogram. The
 * arrays point into the snapshot and into storage owned by the struct;
 * keep the snapshot until live_panels_free. */
#define LIVE_NPLOTS 5
typedef struct live_panels {
    plot_panel p[LIVE_NPLOTS];
    double hl[LIVE_NPLOTS][4];
    const char *hll[LIVE_NPLOTS][4];
    char note[LIVE_NPLOTS][256];
    char label[LIVE_NPLOTS][4][96];
    char title[LIVE_NPLOTS][128];
    double *buf;                /* derived arrays (eigen points, marks) */
} live_panels;

/* Builds the panels of sn as the view v shows them (v may be NULL: the
 * defaults). 0, or -1 when out of memory. */
int live_panels_build(const qnn_snapshot *sn, const live_view *v, live_panels *lp);
void live_panels_free(live_panels *lp);
/* Which plots make up panel k (0..3): first index and count. */
void live_panel_plots(int k, int *first, int *count);
extern const char *const live_panel_names[LIVE_NPANELS];  /* error, kernel, entropy, hessian */

/* ---------------------------------------------------------------------- */
/* The dashboard drawn with cairo (window, screenshot, benchmark, tests)   */

typedef struct live_layout {
    double w, h, u;             /* size and scale (logical units) */
    plot_rect panel[LIVE_NPANELS];
    plot_rect plot[LIVE_NPLOTS];
    plot_rect slider[LIVE_NSLIDERS];    /* whole cell */
    plot_rect track[LIVE_NSLIDERS];     /* the track */
    plot_rect button[LIVE_NBUTTONS];
    plot_rect model[LIVE_MAX_MODELS];
    plot_rect status;
    plot_rect tour;             /* the tour box (w = 0: none) */
} live_layout;

void live_layout_compute(live_layout *L, double w, double h, double u);
/* The same, with the column of the guided tour on the right when the tour
 * box is shown (L->tour; zero size otherwise): what the window and its
 * screenshot use. */
void live_layout_for(live_layout *L, double w, double h, double u, const live_ui *ui);
/* Draws everything; geometry of the plots in g (may be NULL). */
void live_draw(cairo_t *cr, const live_layout *L, const live_ui *u, const qnn_snapshot *sn,
               const qnn_params *req, plot_geom g[LIVE_NPLOTS]);
/* Hit tests in layout units: slider index, button index, model index, or -1. */
int live_hit_slider(const live_layout *L, double x, double y);
int live_hit_track(const live_layout *L, double x, double y);
int live_hit_button(const live_layout *L, double x, double y);
int live_hit_model(const live_layout *L, double x, double y);
int live_hit_panel(const live_layout *L, double x, double y);
/* The status line text (both faces): the items below joined by " · ". */
void live_status_text(const live_ui *u, const qnn_snapshot *sn, char *buf, size_t len);
/* The items of the status line in their order, each with a priority (0
 * first: play state and step, a divergence; then steps/s, typing, the
 * predicted rate, the accuracies, R, the LIU23 Eq. 16 concentration, why
 * no ensemble theory is drawn): a narrow face keeps
 * the most important ones that fit. Returns the count. */
#define LIVE_STATUS_ITEMS 10
typedef struct live_status_item {
    char text[200];
    char brief[80];     /* a shorter form, or "" */
    int prio;
} live_status_item;
int live_status_items(const live_ui *u, const qnn_snapshot *sn, live_status_item it[LIVE_STATUS_ITEMS]);

/* ---------------------------------------------------------------------- */
/* Export                                                                 */

/* Writes a new folder root/qnnlab-YYYYMMDD-HHMMSS[-k] with every panel as
 * PNG, SVG and PDF, the data behind each (CSV), state.json (parameters,
 * share string, theory values, markers), the whole dashboard as
 * dashboard.png (w x h at scale u; skipped when w or h is 0) and, for a
 * model with a gate-level circuit, circuit.png, .svg, .pdf and .qasm. Written into
 * a hidden temporary folder and renamed when complete. 0 with the folder
 * in u->last_export, or -1 with the reason in u->status. */
int live_export(live_ui *u, const qnn_snapshot *sn, double w, double h, double ui_scale);
/* root/PREFIX-YYYYMMDD-HHMMSS.EXT under u->export_root, local time now:
 * the name of a screenshot or a saved screen; when that name exists,
 * PREFIX-YYYYMMDD-HHMMSS-2.EXT, -3 ... (afile_unique_path). */
void live_stamped_path(const live_ui *u, const char *prefix, const char *ext, char *path, size_t len);
/* The dashboard as a PNG (the window's screenshot); atomically written. */
int live_screenshot(live_ui *u, const qnn_snapshot *sn, const char *path, double w, double h,
                    double ui_scale, char *err, size_t errlen);

#endif
