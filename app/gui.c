/* `qnnlab gui` and `qnnlab tui`: the live explorer (the window or the
 * terminal face) on a preset, or on a shared state. */
#include "browse.h"
#include "command.h"
#include "runner.h"
#include "preset.h"
#include "tour.h"
#include "qnn/session.h"
#include "qnn/share.h"
#include "tui.h"
#include "window.h"
#include "faceloop.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { FACE_GUI, FACE_TUI };
static int face;
static const char *cmd = "gui";     /* gui, tui or tour: names the command in messages */

/* The refusal: "qnnlab CMD: MSG", one line; QNN_EXIT_USAGE. */
static int usage(const char *msg)
{
    char who[32];
    snprintf(who, sizeof who, "qnnlab %s", cmd);
    return qnn_refuse(who, msg);
}

/* Loads the preset (grid point 0 of a sweep) and applies the overrides. */
static int load(const char *name, const char *const *over, int nover, const qnn_share *sh,
                qnn_preset *ps, qnn_params *preset_params, qnn_params *p, char *note, size_t notelen)
{
    char err[1024];
    if (qnn_preset_load(name, ps, err, sizeof err) != 0)
        return usage(err);
    *preset_params = ps->params;
    for (int i = 0; i < nover; i++)
        if (qnn_preset_override(ps, over[i], err, sizeof err) != 0)
            return usage(err);
    if (qnn_preset_finalise(ps, err, sizeof err) != 0)
        return usage(err);
    if (qnn_preset_point(ps, 0, p, NULL, err, sizeof err) != 0)
        return usage(err);
    if (qnn_preset_points(ps) > 1)
        snprintf(note, notelen, "preset %s sweeps %s over %ld points; the window shows the first (%s = %s): move its slider",
                 ps->name, ps->sweep[0].key, qnn_preset_points(ps), ps->sweep[0].key, ps->sweep[0].values[0]);
    /* the share string's overrides are relative to the preset as loaded */
    if (sh) {
        *p = *preset_params;
        if (qnn_share_apply_overrides(sh, p, err, sizeof err) != 0)
            return usage(err);
    }
    return 0;
}

static int face_only(const char *a, int f)
{
    char m[160];
    snprintf(m, sizeof m, "option '%s' belongs to `qnnlab %s`", a, f == FACE_TUI ? "tui" : "gui");
    return usage(m);
}

/* `--open DIR`: the sweep browser. Every refusal (no such directory, not
 * a sweep, an incomplete one) comes before the window or the terminal
 * opens. */
static int browse_main(const char *dir, const qnn_browse_opts *bo)
{
    static qnn_sweep sw;
    char err[1400];
    if (qnn_sweep_open(dir, &sw, err, sizeof err) != 0)
        return usage(err);
    if (face == FACE_TUI && !qnn_tui_available()) {
        qnn_sweep_close(&sw);
        fprintf(stderr, "qnnlab tui: stdin must be a terminal, and stdout or /dev/tty; allowed: run it in a terminal (or over ssh -t), or `qnnlab gui --open DIR` with a display\n");
        return QNN_EXIT_FAILURE;
    }
    int r = face == FACE_TUI ? qnn_browse_tui(&sw, bo, err, sizeof err) : qnn_browse_gui(&sw, bo, err, sizeof err);
    qnn_sweep_close(&sw);
    if (r < 0) {
        fprintf(stderr, "qnnlab %s: %s\n", cmd, err);
        return QNN_EXIT_FAILURE;
    }
    if (r > 0) {
        fprintf(stderr, "qnnlab %s: stopped by signal %d\n", cmd, r);
        return 128 + r;
    }
    return QNN_EXIT_OK;
}

enum {
    L_OPEN = 256, L_SET, L_STATE, L_INSTANCES, L_EXPORT, L_TOUR, L_TOUR_STEP, L_TOUR_FILE,
    L_LARGE, L_SIZE, L_FULLSCREEN, L_ASCII, L_MONO, L_FPS
};
/* The options of gui, tui and tour: one table, as they share most. */
static const qnn_opt live_opts[] = {
    { "set", L_SET, "KEY=VALUE with a key of `qnnlab --help`", 0 },
    { "state", L_STATE, "a share string (key C in the explorer) or a state.json written by export (key E)", 0 },
    { "instances", L_INSTANCES, "a number of live instances", 0 },
    { "export-dir", L_EXPORT, "a directory path", 0 },
    { "tour", L_TOUR, NULL, 0 },
    { "tour-step", L_TOUR_STEP, "a step of the tour, from 1", 0 },
    { "tour-file", L_TOUR_FILE, "a tour file (as assets/tour.ini)", 0 },
    { "open", L_OPEN, "the directory of a finished `qnnlab sweep`", 0 },
    { "large", L_LARGE, NULL, 0 },
    { "size", L_SIZE, "WIDTHxHEIGHT, 640x480 .. 16384x16384", 0 },
    { "fullscreen", L_FULLSCREEN, NULL, 0 },
    { "ascii", L_ASCII, NULL, 0 },
    { "mono", L_MONO, NULL, 0 },
    { "fps", L_FPS, "redraws per second, 1 .. 60", 0 },
    QNN_FIG_OPTS,   /* the panels that E exports (ui/live/figopts.h) */
};
enum { NLIVE = (int)(sizeof live_opts / sizeof live_opts[0]) };

/* The face an option belongs to, or -1 for both. */
static int opt_face(int val)
{
    return val == L_LARGE || val == L_SIZE || val == L_FULLSCREEN ? FACE_GUI
         : val == L_ASCII || val == L_MONO || val == L_FPS        ? FACE_TUI
                                                                  : -1;
}

/* The options of gui, tui and tour as given. */
typedef struct live_args {
    const char *open_dir, *not_with_open;
    const char *preset, *state, *export_dir, *tour_file, *tour_step_arg;
    const char **over;      /* the --set values, in order */
    int nover, instances, large, fullscreen, W, H, ascii, mono, tour_on;
    double fps;
    live_fig_opts fig;      /* --fig-size, --dpi, --font-size, --title, --style */
    char nwo[48];           /* not_with_open's option name */
} live_args;

#define LIVE_GO (-1)

/* Parses argv into *la; la->over is allocated, the caller's to free
 * whatever the result. LIVE_GO to go on, else the exit status (the help
 * printed, or a refusal). */
static int parse_live(const qnn_command *self, int argc, char **argv, live_args *la)
{
    memset(la, 0, sizeof *la);
    live_fig_opts_init(&la->fig);
    la->tour_on = !strcmp(cmd, "tour");
    la->over = calloc((size_t)argc + 1, sizeof *la->over);
    if (!la->over)
        return QNN_EXIT_FAILURE;
    int rc = 0;
    qnn_opt opts[NLIVE];
    memcpy(opts, live_opts, sizeof opts);
    for (int i = 0; i < NLIVE; i++)
        opts[i].unlisted = la->tour_on ? 0 : opt_face(opts[i].val) >= 0 && opt_face(opts[i].val) != face;
    qnn_optparser op;
    qnn_opt_init(&op, opts, NLIVE, argc, argv);
    for (int c; rc == 0 && (c = qnn_opt_next(&op)) != QNN_OPT_END;) {
        const char *v = op.arg;
        char m[400], q[200];
        if (c == QNN_OPT_HELP) {
            qnn_command_help(self, stdout);
            return QNN_EXIT_OK;
        }
        if (c == QNN_OPT_ERROR) {
            rc = usage(op.msg);
            break;
        }
        /* what --open (a finished sweep) has no use for */
        if (!la->not_with_open && (c == L_SET || c == L_STATE || c == L_INSTANCES || c == L_TOUR || c == L_TOUR_STEP ||
                                   c == L_TOUR_FILE || c == L_FPS || c == QNN_OPT_OPERAND)) {
            snprintf(la->nwo, sizeof la->nwo, "%s", c == QNN_OPT_OPERAND ? "" : op.name);
            la->not_with_open = c == QNN_OPT_OPERAND ? v : la->nwo;
        }
        if (opt_face(c) >= 0 && opt_face(c) != face) {
            rc = face_only(op.name, opt_face(c));
            break;
        }
        char fe[600];
        if (qnn_fig_opt(c, v, &la->fig, fe, sizeof fe) < 0) {
            rc = usage(fe);
            break;
        }
        switch (c) {
        case QNN_OPT_OPERAND:
            if (la->preset) {
                snprintf(m, sizeof m, "a second la->preset '%s'; allowed: one PRESET", qnn_quote(v, 60, q, sizeof q));
                rc = usage(m);
            }
            la->preset = v;
            break;
        case L_OPEN:
            if (la->open_dir) {
                snprintf(m, sizeof m, "a second --open '%s'; allowed: one sweep directory", qnn_quote(v, 60, q, sizeof q));
                rc = usage(m);
            }
            la->open_dir = v;
            break;
        case L_SET: la->over[la->nover++] = v; break;
        case L_STATE: la->state = v; break;
        case L_EXPORT: la->export_dir = v; break;
        case L_TOUR: la->tour_on = 1; break;
        case L_TOUR_STEP: la->tour_step_arg = v; la->tour_on = 1; break;
        case L_TOUR_FILE: la->tour_file = v; la->tour_on = 1; break;
        case L_LARGE: la->large = 1; break;
        case L_FULLSCREEN: la->fullscreen = 1; break;
        case L_ASCII: la->ascii = 1; break;
        case L_MONO: la->mono = 1; break;
        case L_INSTANCES: {
            char *end;
            long n = strtol(v, &end, 10);
            if (*end || n < 1 || n > QNN_SESSION_MAX_INSTANCES) {
                snprintf(m, sizeof m, "--instances: value '%s' is out of range; allowed: 1 .. %d", qnn_quote(v, 60, q, sizeof q),
                         QNN_SESSION_MAX_INSTANCES);
                rc = usage(m);
            }
            la->instances = (int)n;
            break;
        }
        case L_SIZE:
            if (sscanf(v, "%dx%d", &la->W, &la->H) != 2 || la->W < 640 || la->H < 480 || la->W > 16384 || la->H > 16384) {
                snprintf(m, sizeof m, "--size: value '%s' is not WIDTHxHEIGHT; allowed: 640x480 .. 16384x16384", qnn_quote(v, 60, q, sizeof q));
                rc = usage(m);
            }
            break;
        case L_FPS: {
            char *end;
            la->fps = strtod(v, &end);
            if (*end || !(la->fps >= 1 && la->fps <= 60)) {
                snprintf(m, sizeof m, "--fps: value '%s' is out of range; allowed: 1 .. 60", qnn_quote(v, 40, q, sizeof q));
                rc = usage(m);
            }
            break;
        }
        }
    }
    if (rc == 0) {
        char fe[600];
        if (live_fig_opts_check(&la->fig, fe, sizeof fe) != 0)
            return usage(fe);
        /* the live export (E) draws its panels with them */
        live_fig_opts_use(&la->fig);
    }
    return rc ? rc : LIVE_GO;
}

/* `--open DIR` with the options that apply to a finished sweep only. */
static int open_sweep(const live_args *la)
{
    if (la->tour_on || la->not_with_open) {
        char m[400];
        char what[120];
        if (!la->not_with_open)
            snprintf(what, sizeof what, "the tour");
        else if (la->not_with_open[0] != '-')
            snprintf(what, sizeof what, "a PRESET ('%.60s')", la->not_with_open);
        else
            snprintf(what, sizeof what, "'%.60s'", la->not_with_open);
        snprintf(m, sizeof m, "--open browses a finished sweep; %s does not apply to it; allowed with --open: %s", what,
                 face == FACE_TUI ? "--ascii, --mono, --export-dir DIR" : "--large, --size WxH, --fullscreen, --export-dir DIR");
        return usage(m);
    }
    qnn_browse_opts bo = {la->W, la->H, la->fullscreen, la->large, la->ascii, la->mono, la->export_dir};
    return browse_main(la->open_dir, &bo);
}

/* The tour: its file loaded, every step checked, and the session of its
 * first step (or of --tour-step) opened, before a window or a terminal
 * opens; its preset's name into tour_name. NULL with the exit status in
 * *rc (the refusal printed). */
static qnn_session *start_tour(const live_args *la, live_tour *tour, qnn_tour_ctx *tctx, qnn_params *pre,
                               char *tour_name, size_t namelen, int *rc)
{
    char err[1024];
    qnn_session *s = NULL;
    if (la->state || la->preset) {
        *rc = usage(la->state ? "--state restores a whole state; allowed: no --state with a tour"
                              : "a tour loads its own presets; allowed: no PRESET with a tour (--set KEY=VALUE applies to every step)");
        return NULL;
    }
    if (live_tour_load(tour, la->tour_file, err, sizeof err) != 0) {
        *rc = usage(err);
        return NULL;
    }
    int k = 0;
    if (la->tour_step_arg) {
        char *end;
        long v = strtol(la->tour_step_arg, &end, 10);
        if (!*la->tour_step_arg || *end || v < 1 || v > tour->nsteps) {
            char m[1400];
            snprintf(m, sizeof m, "--tour-step: value '%.40s' is out of range; allowed: 1 .. %d (the steps of '%s')",
                     la->tour_step_arg, tour->nsteps, tour->path);
            *rc = usage(m);
            return NULL;
        }
        k = (int)v - 1;
    }
    *tctx = (qnn_tour_ctx){tour, la->over, la->nover, la->instances, qnn_memory_limit(),
                           face == FACE_TUI ? qnn_tui_wake : qnn_gui_wake};
    tour->open = qnn_tour_open;
    tour->ctx = tctx;
    if (qnn_tour_check(tctx, err, sizeof err) != 0 ||
        !(s = qnn_tour_open(tctx, k, pre, tour_name, namelen, err, sizeof err))) {
        *rc = usage(err);
        return NULL;
    }
    tour->cur = k;
    tour->shown = 1;
    if (face == FACE_TUI && !qnn_tui_available()) {
        qnn_session_free(s);
        fprintf(stderr, "qnnlab %s: stdin must be a terminal, and stdout or /dev/tty; allowed: run it in a terminal (or over ssh -t)\n", cmd);
        *rc = QNN_EXIT_FAILURE;
        return NULL;
    }
    return s;
}

/* The session of a preset (default: "default") with the --set overrides,
 * or of a share string (--state: the string, or a state.json holding it;
 * decoded into *sh: the caller frees it) replayed to its step (the worker
 * replays at full speed once started, the faces show its progress);
 * *preset names the preset, note gets what the status line should say,
 * *o the session's options (the pins replay with them). NULL with the
 * exit status in *rc (the refusal printed). */
static qnn_session *start_preset(const live_args *la, qnn_share *sh, qnn_preset *ps, qnn_params *pre,
                                 const char **preset, char *note, size_t notelen, qnn_session_opts *o, int *rc)
{
    char err[1024];
    qnn_params p;
    *preset = la->preset;
    if (la->state) {
        if (la->preset || la->nover) {
            *rc = usage("--state restores a whole state; allowed: no PRESET and no --set with it");
            return NULL;
        }
        char *str = NULL;
        if (live_state_read(la->state, &str, err, sizeof err) != 0) {
            *rc = usage(err);
            return NULL;
        }
        qnn_status st = qnn_share_decode(str, sh, err, sizeof err);
        free(str);
        if (st != QNN_OK) {
            *rc = usage(err);
            return NULL;
        }
        *preset = sh->preset;
    }
    if (!*preset)
        *preset = "default";
    *rc = load(*preset, la->over, la->nover, la->state ? sh : NULL, ps, pre, &p, note, notelen);
    if (*rc)
        return NULL;
    if (face == FACE_TUI && !qnn_tui_available()) {
        fprintf(stderr, "qnnlab tui: stdin must be a terminal, and stdout or /dev/tty; allowed: run it in a terminal (or over ssh -t), or use `qnnlab run` headless\n");
        *rc = QNN_EXIT_FAILURE;
        return NULL;
    }
    qnn_live_session_opts(&p, la->instances, qnn_memory_limit(), face == FACE_TUI ? qnn_tui_wake : qnn_gui_wake, o);
    qnn_session *s = qnn_session_new(&p, o, err, sizeof err);
    if (!s) {
        *rc = usage(err);
        return NULL;
    }
    if (la->state && qnn_session_replay(s, sh->log, sh->nlog, sh->step, err, sizeof err) != 0) {
        qnn_session_free(s);
        *rc = usage(err);
        return NULL;
    }
    return s;
}

/* Runs the face on u until it closes; `shown` names the preset in its
 * title. The exit status: QNN_EXIT_OK, QNN_EXIT_FAILURE with the message,
 * or 128 + the signal that ended it. */
static int run_face(live_ui *u, const live_args *la, const char *shown)
{
    char title[512], err[1024];
    int r;
    if (face == FACE_TUI) {
        snprintf(title, sizeof title, "%s", shown);
        qnn_tui_opts to = {la->ascii, la->mono, la->fps, title};
        r = qnn_tui_run(u, &to, err, sizeof err);
    } else {
        snprintf(title, sizeof title, "qnnlab — %s", shown);
        qnn_gui_opts go = {la->W, la->H, la->fullscreen, title};
        r = qnn_gui_run(u, &go, err, sizeof err);
    }
    /* the pins hold snapshots; a tour step may have replaced the session:
     * free the one in use */
    live_pins_free(u);
    qnn_session_free(u->s);
    u->s = NULL;
    if (r < 0) {
        fprintf(stderr, "qnnlab %s: %s\n", cmd, err);
        return QNN_EXIT_FAILURE;
    }
    if (face == FACE_TUI && u->share[0])
        printf("share: qnnlab gui --state %s\n", u->share);
    if (r > 0) {
        /* ended by a signal (SIGINT, SIGTERM, SIGHUP): the window is closed,
         * the terminal is back */
        fprintf(stderr, "qnnlab %s: stopped by signal %d\n", cmd, r);
        return 128 + r;
    }
    return QNN_EXIT_OK;
}

static int live_main(const qnn_command *self, int argc, char **argv)
{
    live_args la;
    int rc = parse_live(self, argc, argv, &la);
    if (rc != LIVE_GO) {
        free(la.over);
        return rc;
    }
    if (la.open_dir) {
        free(la.over);
        return open_sweep(&la);
    }
    qnn_share sh;
    memset(&sh, 0, sizeof sh);
    char note[512] = "";
    /* static: the tour's context, the preset and the ui outlive this frame's
     * use by the faces, and are large */
    static live_tour tour;
    static qnn_tour_ctx tctx;
    static qnn_preset ps;
    static live_ui u;
    qnn_params pre;
    char tour_name[256] = "";
    const char *preset = la.preset;
    qnn_session_opts so;
    qnn_session *s = la.tour_on ? start_tour(&la, &tour, &tctx, &pre, tour_name, sizeof tour_name, &rc)
                                : start_preset(&la, &sh, &ps, &pre, &preset, note, sizeof note, &so, &rc);
    if (!s) {
        qnn_share_free(&sh);
        free(la.over);
        return rc;
    }
    if (la.tour_on)
        preset = tour_name;
    live_ui_init(&u, s, la.state ? sh.preset : preset, &pre);
    if (la.state && sh.npins) {
        /* the pinned runs replay here, headless, before the face opens */
        char err[1200];
        if (live_pins_restore(&u, &sh, &so, err, sizeof err) != 0) {
            qnn_session_free(s);
            u.s = NULL;
            qnn_share_free(&sh);
            free(la.over);
            return usage(err);
        }
        snprintf(note, sizeof note, "restored %zu pinned run%s; replaying the shared state to step %ld", sh.npins,
                 sh.npins == 1 ? "" : "s", sh.step);
    }
    if (la.tour_on) {
        u.tour = &tour;
        if (tour.step[tour.cur].slider >= 0)
            u.focus = tour.step[tour.cur].slider;
        snprintf(u.status, sizeof u.status, "tour step %d/%d: preset %s · > next, < back, i hides the text",
                 tour.cur + 1, tour.nsteps, tour_name);
    }
    if (la.export_dir)
        snprintf(u.export_root, sizeof u.export_root, "%s", la.export_dir);
    if (la.large)
        u.scale = 1.5;
    if (note[0]) {
        snprintf(u.status, sizeof u.status, "%s", note);
        u.status_error = 0;
    }
    rc = run_face(&u, &la, la.tour_on ? tour_name : ps.name[0] ? ps.name : preset);
    qnn_share_free(&sh);
    free(la.over);
    return rc;
}

int qnn_cmd_gui(const qnn_command *self, int argc, char **argv)
{
    face = FACE_GUI;
    cmd = "gui";
    return live_main(self, argc, argv);
}

int qnn_cmd_tui(const qnn_command *self, int argc, char **argv)
{
    face = FACE_TUI;
    cmd = "tui";
    return live_main(self, argc, argv);
}

int qnn_cmd_tour(const qnn_command *self, int argc, char **argv)
{
    /* the window when there is a display (as `qnnlab` alone), else the
     * terminal; an option of one face picks that face (the last one given;
     * live_main then refuses the other face's) */
    int want = -1;
    qnn_optparser op;
    qnn_opt_init(&op, live_opts, NLIVE, argc, argv);
    for (int c; (c = qnn_opt_next(&op)) != QNN_OPT_END;)
        if (opt_face(c) >= 0)
            want = opt_face(c);
    if (want < 0) {
        const char *x = getenv("DISPLAY"), *wl = getenv("WAYLAND_DISPLAY");
        want = ((x && *x) || (wl && *wl)) && qnn_gui_available() ? FACE_GUI : FACE_TUI;
    }
    face = want;
    cmd = "tour";
    return live_main(self, argc, argv);
}
