/* `qnnlab gui` and `qnnlab tui`: the live explorer (the window or the
 * terminal face) on a preset, or on a shared state. */
#include "cli.h"
#include "preset.h"
#include "qnn/session.h"
#include "qnn/share.h"
#include "tui.h"
#include "window.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { FACE_GUI, FACE_TUI };
static int face;

static int usage(const char *msg)
{
    const char *note = qnn_memory_limit_note();
    if (note[0] && strstr(msg, "of memory"))
        fprintf(stderr, "qnnlab %s: %s (%s)\n", face == FACE_TUI ? "tui" : "gui", msg, note);
    else
        fprintf(stderr, "qnnlab %s: %s\n", face == FACE_TUI ? "tui" : "gui", msg);
    if (face == FACE_TUI)
        fputs("usage: qnnlab tui [PRESET] [--set KEY=VALUE]... [--state STRING] [--instances R]\n"
              "                  [--ascii] [--mono] [--fps F] [--export-dir DIR]\n", stderr);
    else
        fputs("usage: qnnlab gui [PRESET] [--set KEY=VALUE]... [--state STRING] [--instances R]\n"
              "                  [--large] [--size WxH] [--fullscreen] [--export-dir DIR]\n", stderr);
    return QNN_EXIT_USAGE;
}

int qnn_gui_default_instances(const qnn_params *p)
{
    return p->instances < 16 ? p->instances : 16;
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

static int live_main(int argc, char **argv)
{
    const char *preset = NULL, *state = NULL, *export_dir = NULL;
    const char **over = calloc((size_t)argc + 1, sizeof *over);
    int nover = 0, instances = 0, large = 0, fullscreen = 0, W = 0, H = 0, ascii = 0, mono = 0;
    double fps = 0;
    int rc = 0;
    if (!over)
        return QNN_EXIT_FAILURE;
    for (int i = 0; i < argc && rc == 0; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--set") && i + 1 < argc)
            over[nover++] = argv[++i];
        else if (!strcmp(a, "--state") && i + 1 < argc)
            state = argv[++i];
        else if (!strcmp(a, "--instances") && i + 1 < argc) {
            char *end;
            long v = strtol(argv[++i], &end, 10);
            if (*end || v < 1 || v > QNN_SESSION_MAX_INSTANCES) {
                char m[160];
                snprintf(m, sizeof m, "--instances: value '%s' is out of range; allowed: 1 .. %d", argv[i], QNN_SESSION_MAX_INSTANCES);
                rc = usage(m);
            }
            instances = (int)v;
        } else if (!strcmp(a, "--size") && i + 1 < argc && face == FACE_GUI) {
            if (sscanf(argv[++i], "%dx%d", &W, &H) != 2 || W < 640 || H < 480 || W > 16384 || H > 16384) {
                char m[160];
                snprintf(m, sizeof m, "--size: value '%s' is not WIDTHxHEIGHT; allowed: 640x480 .. 16384x16384", argv[i]);
                rc = usage(m);
            }
        } else if (!strcmp(a, "--export-dir") && i + 1 < argc)
            export_dir = argv[++i];
        else if (!strcmp(a, "--large") && face == FACE_GUI)
            large = 1;
        else if (!strcmp(a, "--fullscreen") && face == FACE_GUI)
            fullscreen = 1;
        else if (!strcmp(a, "--ascii") && face == FACE_TUI)
            ascii = 1;
        else if (!strcmp(a, "--mono") && face == FACE_TUI)
            mono = 1;
        else if (!strcmp(a, "--fps") && i + 1 < argc && face == FACE_TUI) {
            char *end;
            fps = strtod(argv[++i], &end);
            if (*end || !(fps >= 1 && fps <= 60)) {
                char m[160];
                snprintf(m, sizeof m, "--fps: value '%.40s' is out of range; allowed: 1 .. 60", argv[i]);
                rc = usage(m);
            }
        } else if (!strcmp(a, "--large") || !strcmp(a, "--fullscreen") || !strcmp(a, "--size"))
            rc = face_only(a, FACE_GUI);
        else if (!strcmp(a, "--ascii") || !strcmp(a, "--mono") || !strcmp(a, "--fps"))
            rc = face_only(a, FACE_TUI);
        else if (a[0] == '-') {
            char m[160];
            snprintf(m, sizeof m, "unknown or incomplete option '%.60s'", a);
            rc = usage(m);
        } else if (!preset)
            preset = a;
        else {
            char m[160];
            snprintf(m, sizeof m, "a second preset '%.60s'; allowed: one PRESET", a);
            rc = usage(m);
        }
    }
    if (rc) {
        free(over);
        return rc;
    }
    qnn_share sh;
    memset(&sh, 0, sizeof sh);
    char err[1024], note[512] = "";
    if (state) {
        if (preset || nover) {
            free(over);
            return usage("--state restores a whole state; allowed: no PRESET and no --set with it");
        }
        if (qnn_share_decode(state, &sh, err, sizeof err) != 0) {
            free(over);
            return usage(err);
        }
        preset = sh.preset;
    }
    if (!preset)
        preset = "default";
    static qnn_preset ps;
    qnn_params pre, p;
    rc = load(preset, over, nover, state ? &sh : NULL, &ps, &pre, &p, note, sizeof note);
    free(over);
    if (rc) {
        qnn_share_free(&sh);
        return rc;
    }
    if (face == FACE_TUI && !qnn_tui_available()) {
        qnn_share_free(&sh);
        fprintf(stderr, "qnnlab tui: stdin must be a terminal, and stdout or /dev/tty; allowed: run it in a terminal (or over ssh -t), or use `qnnlab run` headless\n");
        return QNN_EXIT_FAILURE;
    }
    qnn_session_opts o;
    qnn_session_opts_default(&o);
    o.instances = instances ? instances : qnn_gui_default_instances(&p);
    o.mem_limit = qnn_memory_limit();
    o.on_publish = face == FACE_TUI ? qnn_tui_wake : qnn_gui_wake;
    /* the preset's run in about ten seconds at 60 frames/s */
    o.steps_per_frame = p.steps > 600 ? (int)fmin(QNN_SESSION_MAX_STEPS_PER_FRAME, round(p.steps / 600.0)) : 1;
    qnn_session *s = qnn_session_new(&p, &o, err, sizeof err);
    if (!s) {
        qnn_share_free(&sh);
        return usage(err);
    }
    if (state && qnn_session_replay(s, sh.log, sh.nlog, sh.step, err, sizeof err) != 0) {
        qnn_session_free(s);
        qnn_share_free(&sh);
        return usage(err);
    }
    static live_ui u;
    live_ui_init(&u, s, state ? sh.preset : preset, &pre);
    if (export_dir)
        snprintf(u.export_root, sizeof u.export_root, "%s", export_dir);
    if (large)
        u.scale = 1.5;
    if (note[0]) {
        snprintf(u.status, sizeof u.status, "%s", note);
        u.status_error = 0;
    }
    char title[512];
    int r;
    if (face == FACE_TUI) {
        snprintf(title, sizeof title, "%s", ps.name[0] ? ps.name : preset);
        qnn_tui_opts to = {ascii, mono, fps, title};
        r = qnn_tui_run(&u, &to, err, sizeof err);
    } else {
        snprintf(title, sizeof title, "qnnlab — %s", ps.name[0] ? ps.name : preset);
        qnn_gui_opts go = {W, H, fullscreen, title};
        r = qnn_gui_run(&u, &go, err, sizeof err);
    }
    qnn_session_free(s);
    qnn_share_free(&sh);
    if (r < 0) {
        fprintf(stderr, "qnnlab %s: %s\n", face == FACE_TUI ? "tui" : "gui", err);
        return QNN_EXIT_FAILURE;
    }
    if (face == FACE_TUI && u.share[0])
        printf("share: qnnlab gui --state %s\n", u.share);
    if (r > 0) {
        /* ended by a signal (SIGINT, SIGTERM, SIGHUP): the window is closed,
         * the terminal is back */
        fprintf(stderr, "qnnlab %s: stopped by signal %d\n", face == FACE_TUI ? "tui" : "gui", r);
        return 128 + r;
    }
    return QNN_EXIT_OK;
}

int qnn_cmd_gui(int argc, char **argv)
{
    face = FACE_GUI;
    return live_main(argc, argv);
}

int qnn_cmd_tui(int argc, char **argv)
{
    face = FACE_TUI;
    return live_main(argc, argv);
}
