/* `qnnlab bench --gui`: the frame time of the explorer window's drawing
 * (the whole dashboard rendered off screen with cairo, as the window does,
 * while the worker thread steps the engine) and the latency of a slider
 * change (from the command to the first snapshot that carries it).
 * `qnnlab bench --tui`: the same for the terminal face (text cells composed
 * and copied through curses to a screen writing to /dev/null). */
#include "command.h"
#include "live.h"
#include "runner.h"
#include "tour.h"
#include "tui.h"
#include "preset.h"
#include "qnn/session.h"

#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void nap(double s)
{
    struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
    nanosleep(&ts, NULL);
}

static void report(const char *what, double *v, size_t n)
{
    gsl_sort(v, 1, n);
    printf("  %-34s median %7.2f ms   p90 %7.2f ms   max %7.2f ms   (n = %zu)\n", what,
           1e3 * gsl_stats_median_from_sorted_data(v, 1, n),
           1e3 * gsl_stats_quantile_from_sorted_data(v, 1, n, 0.9), 1e3 * v[n - 1], n);
}

enum { BG_GUI = 256, BG_TUI, BG_FRAMES, BG_PRESET, BG_SIZE, BG_ASCII };
static const qnn_opt bench_gui_opts[] = {
    { "gui", BG_GUI, NULL, 0 },
    { "tui", BG_TUI, NULL, 0 },
    { "frames", BG_FRAMES, "10 .. 100000", 0 },
    { "preset", BG_PRESET, "a preset name or an .ini file", 0 },
    { "size", BG_SIZE, "WxH", 0 },
    { "ascii", BG_ASCII, NULL, 0 },
};

int qnn_bench_gui(const qnn_command *self, int argc, char **argv)
{
    const char *preset = "hessian-live";
    int frames = 300, W = 1920, H = 1080, tui = 0, ascii = 0;
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--tui")) {
            tui = 1;
            W = 120;
            H = 40;
        }
    const char *me = tui ? "bench --tui" : "bench --gui";
    qnn_optparser op;
    qnn_opt_init(&op, bench_gui_opts, sizeof bench_gui_opts / sizeof bench_gui_opts[0], argc, argv);
    for (int c; (c = qnn_opt_next(&op)) != QNN_OPT_END;) {
        const char *v = op.arg;
        char q[120];
        switch (c) {
        case QNN_OPT_HELP:
            qnn_command_help(self, stdout);
            return QNN_EXIT_OK;
        case QNN_OPT_ERROR:
            fprintf(stderr, "qnnlab: %s: %s\n", me, op.msg);
            return QNN_EXIT_USAGE;
        case QNN_OPT_OPERAND:
            fprintf(stderr, "qnnlab: %s: unexpected argument '%s'; allowed: options only\n", me, qnn_quote(v, 40, q, sizeof q));
            return QNN_EXIT_USAGE;
        case BG_GUI:
        case BG_TUI:
            break;
        case BG_FRAMES: {
            char *end;
            long n = strtol(v, &end, 10);
            if (*end || end == v || n < 10 || n > 100000) {
                fprintf(stderr, "qnnlab: %s: --frames: value '%s'; allowed: 10 .. 100000\n", me, qnn_quote(v, 40, q, sizeof q));
                return QNN_EXIT_USAGE;
            }
            frames = (int)n;
            break;
        }
        case BG_PRESET: preset = v; break;
        case BG_SIZE: {
            const int lw = tui ? 80 : 320, lh = tui ? 24 : 240, hw = tui ? 1000 : 8192, hh = tui ? 400 : 8192;
            if (sscanf(v, "%dx%d", &W, &H) != 2 || W < lw || H < lh || W > hw || H > hh) {
                fprintf(stderr, "qnnlab: %s: --size: value '%s'; allowed: WxH from %dx%d to %dx%d\n", me,
                        qnn_quote(v, 40, q, sizeof q), lw, lh, hw, hh);
                return QNN_EXIT_USAGE;
            }
            break;
        }
        case BG_ASCII:
            if (!tui) {
                fprintf(stderr, "qnnlab: %s: --ascii belongs to bench --tui; allowed: --frames N, --preset P, --size WxH\n", me);
                return QNN_EXIT_USAGE;
            }
            ascii = 1;
            break;
        }
    }
    static qnn_preset ps;
    char err[1024];
    qnn_params p;
    if (qnn_preset_load(preset, &ps, err, sizeof err) != 0 || qnn_preset_finalise(&ps, err, sizeof err) != 0 ||
        qnn_preset_point(&ps, 0, &p, NULL, err, sizeof err) != 0) {
        fprintf(stderr, "qnnlab: bench --gui: %s\n", err);
        return QNN_EXIT_USAGE;
    }
    qnn_session_opts o;
    qnn_session_opts_default(&o);
    o.instances = qnn_live_default_instances(&p);
    o.mem_limit = qnn_memory_limit();
    qnn_session *s = qnn_session_new(&p, &o, err, sizeof err);
    if (!s || qnn_session_start(s, err, sizeof err) != 0) {
        fprintf(stderr, "qnnlab: bench --gui: %s\n", err);
        qnn_session_free(s);
        return QNN_EXIT_FAILURE;
    }
    static live_ui u;
    live_ui_init(&u, s, preset, &ps.params);
    cairo_surface_t *sf = NULL;
    cairo_t *cr = NULL;
    qnn_tui_bench *tb = NULL;
    if (tui) {
        if (!(tb = qnn_tui_bench_open(&u, W, H, ascii ? TG_ASCII : TG_UTF8, err, sizeof err))) {
            fprintf(stderr, "qnnlab: %s: %s\n", me, err);
            qnn_session_free(s);
            return QNN_EXIT_FAILURE;
        }
    } else {
        sf = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, W, H);
        cr = cairo_create(sf);
    }
    live_layout L;
    live_layout_compute(&L, W, H, 1.0);
    /* warm up until the history has a few hundred records */
    double t0 = now_s();
    for (;;) {
        const qnn_snapshot *sn = qnn_session_acquire(s);
        long st = sn->step;
        qnn_snapshot_release(sn);
        if (st >= 150 || now_s() - t0 > 30)
            break;
        nap(0.05);
    }
    double *ft = malloc(2 * (size_t)frames * sizeof *ft), *fc = ft + frames;
    long step0 = -1, step1 = 0;
    double tt0 = now_s();
    for (int f = 0; f < frames; f++) {
        double a = now_s();
        const qnn_snapshot *sn = qnn_session_acquire(s);
        if (step0 < 0)
            step0 = sn->step;
        step1 = sn->step;
        if (tui) {
            qnn_tui_bench_frame(tb, sn, &fc[f], &ft[f]);
            qnn_snapshot_release(sn);
            continue;
        }
        qnn_params req;
        qnn_session_requested(s, &req);
        live_draw(cr, &L, &u, sn, &req, NULL);
        cairo_surface_flush(sf);
        qnn_snapshot_release(sn);
        ft[f] = now_s() - a;
    }
    double wall = now_s() - tt0;
    const qnn_snapshot *sn = qnn_session_acquire(s);
    printf("qnnlab %s: preset %s (%s, R = %d, m = %d, hessian %s), %d x %d%s, %d frames back to back\n",
           me, preset, qnn_model_name(sn->params.model), sn->ninst, sn->m, sn->hessian_on ? "on" : "off", W, H,
           tui ? (ascii ? " cells (ASCII)" : " cells (UTF-8)") : "", frames);
    printf("  the worker stepped %.0f steps/s meanwhile (paced to 60 frames of %d step(s))\n",
           (double)(step1 - step0) / wall, qnn_session_speed(s));
    qnn_snapshot_release(sn);
    if (tui) {
        qnn_tui_bench_close(tb);
        report("compose the text cells", fc, (size_t)frames);
        report("frame (compose + curses update)", ft, (size_t)frames);
    } else {
        report("frame (snapshot + draw all)", ft, (size_t)frames);
    }
    /* latency of a change: set eta, wait for the snapshot carrying it */
    enum { NL = 40 };
    double lat[NL];
    for (int k = 0; k < NL; k++) {
        char v[32];
        snprintf(v, sizeof v, "%.6g", k % 2 ? 0.05 : 0.04);
        double a = now_s();
        if (qnn_session_set(s, "eta", v, err, sizeof err) != 0) {
            fprintf(stderr, "qnnlab: %s: %s\n", me, err);
            break;
        }
        double want = atof(v);
        for (;;) {
            const qnn_snapshot *x = qnn_session_acquire(s);
            int ok = x->params.eta == want;
            qnn_snapshot_release(x);
            if (ok || now_s() - a > 5)
                break;
            nap(0.0002);
        }
        lat[k] = now_s() - a;
        nap(0.03);
    }
    report("slider change -> snapshot", lat, NL);
    free(ft);
    if (cr)
        cairo_destroy(cr);
    if (sf)
        cairo_surface_destroy(sf);
    qnn_session_free(s);
    return QNN_EXIT_OK;
}
