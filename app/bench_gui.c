/* `qnnlab bench --gui`: the frame time of the explorer window's drawing
 * (the whole dashboard rendered off screen with cairo, as the window does,
 * while the worker thread steps the engine) and the latency of a slider
 * change (from the command to the first snapshot that carries it). */
#include "cli.h"
#include "live.h"
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

int qnn_bench_gui(int argc, char **argv)
{
    const char *preset = "hessian-live";
    int frames = 300, W = 1920, H = 1080;
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--frames") && i + 1 < argc)
            frames = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--preset") && i + 1 < argc)
            preset = argv[++i];
        else if (!strcmp(argv[i], "--size") && i + 1 < argc) {
            if (sscanf(argv[++i], "%dx%d", &W, &H) != 2 || W < 320 || H < 240 || W > 8192 || H > 8192) {
                fprintf(stderr, "qnnlab: bench --gui: --size: value '%s'; allowed: WxH from 320x240 to 8192x8192\n", argv[i]);
                return QNN_EXIT_USAGE;
            }
        } else if (strcmp(argv[i], "--gui")) {
            fprintf(stderr, "qnnlab: bench --gui: unknown option '%s'; allowed: --frames N, --preset P, --size WxH\n", argv[i]);
            return QNN_EXIT_USAGE;
        }
    }
    if (frames < 10 || frames > 100000) {
        fprintf(stderr, "qnnlab: bench --gui: --frames: value %d; allowed: 10 .. 100000\n", frames);
        return QNN_EXIT_USAGE;
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
    o.instances = qnn_gui_default_instances(&p);
    o.mem_limit = qnn_memory_limit();
    qnn_session *s = qnn_session_new(&p, &o, err, sizeof err);
    if (!s || qnn_session_start(s, err, sizeof err) != 0) {
        fprintf(stderr, "qnnlab: bench --gui: %s\n", err);
        qnn_session_free(s);
        return QNN_EXIT_FAILURE;
    }
    static live_ui u;
    live_ui_init(&u, s, preset, &ps.params);
    cairo_surface_t *sf = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, W, H);
    cairo_t *cr = cairo_create(sf);
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
    double *ft = malloc((size_t)frames * sizeof *ft);
    long step0 = -1, step1 = 0;
    double tt0 = now_s();
    for (int f = 0; f < frames; f++) {
        double a = now_s();
        const qnn_snapshot *sn = qnn_session_acquire(s);
        if (step0 < 0)
            step0 = sn->step;
        step1 = sn->step;
        qnn_params req;
        qnn_session_requested(s, &req);
        live_draw(cr, &L, &u, sn, &req, NULL);
        cairo_surface_flush(sf);
        qnn_snapshot_release(sn);
        ft[f] = now_s() - a;
    }
    double wall = now_s() - tt0;
    const qnn_snapshot *sn = qnn_session_acquire(s);
    printf("qnnlab bench --gui: preset %s (%s, R = %d, m = %d, hessian %s), %d x %d, %d frames back to back\n",
           preset, qnn_model_name(sn->params.model), sn->ninst, sn->m, sn->hessian_on ? "on" : "off", W, H, frames);
    printf("  the worker stepped %.0f steps/s meanwhile (paced to 60 frames of %d step(s))\n",
           (double)(step1 - step0) / wall, qnn_session_speed(s));
    qnn_snapshot_release(sn);
    report("frame (snapshot + draw all)", ft, (size_t)frames);
    /* latency of a change: set eta, wait for the snapshot carrying it */
    enum { NL = 40 };
    double lat[NL];
    for (int k = 0; k < NL; k++) {
        char v[32];
        snprintf(v, sizeof v, "%.6g", k % 2 ? 0.05 : 0.04);
        double a = now_s();
        if (qnn_session_set(s, "eta", v, err, sizeof err) != 0) {
            fprintf(stderr, "qnnlab: bench --gui: %s\n", err);
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
    cairo_destroy(cr);
    cairo_surface_destroy(sf);
    qnn_session_free(s);
    return QNN_EXIT_OK;
}
