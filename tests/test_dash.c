/* The dashboard drawn off screen (ui/live): panels non-empty with curve
 * pixels inside their plot areas, legends, status bar, help overlay; the
 * export folder (files valid, atomic, failure reported); the share string
 * of a live session. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "live.h"
#include "qnn/share.h"

static qnn_session *session(const char *const *kv, int R, long steps)
{
    qnn_params p;
    qnn_params_default(&p);
    char err[512];
    for (int i = 0; kv[i]; i += 2)
        if (qnn_params_set(&p, kv[i], kv[i + 1], err, sizeof err) != 0)
            fail_msg("%s", err);
    qnn_session_opts o;
    qnn_session_opts_default(&o);
    o.instances = R;
    o.playing = 0;
    qnn_session *s = qnn_session_new(&p, &o, err, sizeof err);
    if (!s)
        fail_msg("%s", err);
    assert_int_equal(qnn_session_advance(s, steps), 0);
    return s;
}

/* Pixels of palette colour c (within 40/255 per channel) inside r. */
static long count_colour(cairo_surface_t *sf, plot_rect r, int c)
{
    double rgb[3];
    plot_palette(c, rgb);
    const int W = cairo_image_surface_get_width(sf), H = cairo_image_surface_get_height(sf);
    const int st = cairo_image_surface_get_stride(sf);
    const unsigned char *d = cairo_image_surface_get_data(sf);
    long n = 0;
    for (int y = (int)r.y + 1; y < (int)(r.y + r.h) - 1 && y < H; y++)
        for (int x = (int)r.x + 1; x < (int)(r.x + r.w) - 1 && x < W; x++) {
            const unsigned char *p = d + (size_t)y * st + 4 * (size_t)x;   /* B G R A */
            if (abs(p[2] - (int)(255 * rgb[0])) < 40 && abs(p[1] - (int)(255 * rgb[1])) < 40 &&
                abs(p[0] - (int)(255 * rgb[2])) < 40)
                n++;
        }
    return n;
}

static const char *const HESS[] = {"model", "random", "task", "supervised", "n", "4", "L", "24", "m", "3",
                                   "hessian", "exact", "hessian_every", "3", "hessian_budget", "0",
                                   "seed", "3", NULL};

static void test_draw(void **state)
{
    (void)state;
    qnn_session *s = session(HESS, 6, 40);
    live_ui u;
    live_ui_init(&u, s, "test", NULL);
    cairo_surface_t *sf = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 1920, 1080);
    cairo_t *cr = cairo_create(sf);
    live_layout L;
    live_layout_compute(&L, 1920, 1080, 1.0);
    const qnn_snapshot *sn = qnn_session_acquire(s);
    qnn_params req;
    qnn_session_requested(s, &req);
    plot_geom g[LIVE_NPLOTS];
    live_draw(cr, &L, &u, sn, &req, g);
    cairo_surface_flush(sf);
    for (int k = 0; k < LIVE_NPLOTS; k++) {
        assert_true(g[k].drawn);
        /* the plot area is a good part of its cell */
        assert_true(g[k].area.w > 0.5 * L.plot[k].w);
        assert_true(g[k].area.h > 0.5 * L.plot[k].h);
        assert_true(g[k].area.x >= L.plot[k].x && g[k].area.x + g[k].area.w <= L.plot[k].x + L.plot[k].w);
    }
    /* the ensemble mean (palette 0) in the error, kernel-time and entropy
     * plots; the Hessian histogram (palette 4) in its own */
    assert_true(count_colour(sf, g[0].area, 0) > 200);
    assert_true(count_colour(sf, g[2].area, 0) > 200);
    assert_true(count_colour(sf, g[3].area, 0) > 200);
    assert_true(count_colour(sf, g[4].area, 4) > 50);
    /* the theory lines (palettes 1, 2) in the error plot */
    assert_true(count_colour(sf, g[0].area, 2) > 50);
    /* legends where the panels have labels */
    assert_true(g[0].has_legend);
    assert_true(g[4].has_legend);
    /* nothing of the error curve leaks into the Hessian plot's area */
    assert_int_equal(count_colour(sf, g[4].area, 0) < 20, 1);
    /* the status bar is dark (not an error) */
    const unsigned char *d = cairo_image_surface_get_data(sf);
    const int st = cairo_image_surface_get_stride(sf);
    const unsigned char *px = d + (size_t)(L.status.y + 3) * st + 4 * 3;
    assert_true(px[0] < 100 && px[1] < 100 && px[2] < 100);

    /* the help overlay covers the middle with its light background */
    u.help = 1;
    u.hover_panel = 2;
    live_draw(cr, &L, &u, sn, &req, NULL);
    cairo_surface_flush(sf);
    px = d + (size_t)540 * st + 4 * 300;
    assert_true(px[0] > 230 && px[1] > 240 && px[2] > 240);
    assert_true(u.help_text.loaded);
    assert_non_null(strstr(u.help_text.title[2], "Entanglement"));
    assert_non_null(strstr(u.help_text.text[0], "LIU23 Eq. 10"));

    qnn_snapshot_release(sn);
    cairo_destroy(cr);
    cairo_surface_destroy(sf);
    qnn_session_free(s);
}

/* Every model of the selector draws without failing, at a small size too. */
static void test_every_model(void **state)
{
    (void)state;
    const char *models[] = {"random", "periodic", "asymptotic", "frozen", "hidden", "qbm", "mlp", "gue"};
    for (size_t i = 0; i < sizeof models / sizeof *models; i++) {
        const char *kv[] = {"model", models[i], "n", "3", "L", "6", "m", "2", "seed", "1", NULL};
        qnn_session *s = session(kv, 3, 5);
        live_ui u;
        live_ui_init(&u, s, "test", NULL);
        const qnn_snapshot *sn = qnn_session_acquire(s);
        assert_int_equal(sn->step, 5);
        qnn_params req;
        qnn_session_requested(s, &req);
        for (int size = 0; size < 2; size++) {
            int W = size ? 640 : 1600, H = size ? 480 : 900;
            cairo_surface_t *sf = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, W, H);
            cairo_t *cr = cairo_create(sf);
            live_layout L;
            live_layout_compute(&L, W, H, size ? 1.0 : 1.5);
            plot_geom g[LIVE_NPLOTS];
            live_draw(cr, &L, &u, sn, &req, g);
            assert_int_equal(cairo_status(cr), CAIRO_STATUS_SUCCESS);
            assert_true(g[0].drawn);
            cairo_destroy(cr);
            cairo_surface_destroy(sf);
        }
        qnn_snapshot_release(sn);
        qnn_session_free(s);
    }
}

/* The model selector reaches every model from the default preset's
 * values (resample = theta, L = 64, sigma_theta > 0): keys without meaning
 * for the target are set first and the status says which; a model the
 * adapted keys cannot rescue is refused with the engine's message. */
static void test_model_switch(void **state)
{
    (void)state;
    const char *kv[] = {"model", "random", "n", "4", "L", "64", "resample", "theta", "sigma_theta", "0.01", "seed", "1", NULL};
    qnn_session *s = session(kv, 2, 2);
    live_ui u;
    live_ui_init(&u, s, "test", NULL);
    const int nm = live_model_count();
    assert_int_equal(nm, 9);   /* the built-in classes with a live view */
    for (int i = 1; i <= nm; i++) {
        const int k = i % nm;
        if (live_set_model(&u, k) != 0)
            fail_msg("switch to %s refused: %s", qnn_model_name(live_model_at(k)), u.status);
        qnn_params req;
        qnn_session_requested(s, &req);
        assert_ptr_equal(req.model, live_model_at(k));
        if (!strcmp(live_model_at(k)->name, "asymptotic")) {
            assert_int_equal(req.resample, QNN_RESAMPLE_ALL);
            assert_true(req.sigma_theta == 0.0);
            /* the message says which keys the switch forced */
            if (!strstr(u.status, "resample theta → all") || !strstr(u.status, "sigma_theta 0.01 → 0"))
                fail_msg("status: %s", u.status);
        }
        if (!strcmp(live_model_at(k)->name, "mlp")) {
            assert_int_equal(req.L, 32);
            if (!strstr(u.status, "L 64 → 32"))
                fail_msg("status: %s", u.status);
        }
        assert_int_equal(qnn_session_advance(s, 1), 0);
    }
    /* n = 11 is too large for the asymptotic model: no key rescues it */
    char err[512];
    assert_int_equal(qnn_session_set(s, "n", "11", err, sizeof err), 0);
    int k = 0;
    while (strcmp(live_model_at(k)->name, "asymptotic"))
        k++;
    assert_int_equal(live_set_model(&u, k), -1);
    assert_non_null(strstr(u.status, "key 'n'"));
    qnn_params req;
    qnn_session_requested(s, &req);
    assert_string_not_equal(qnn_model_name(req.model), "asymptotic");
    qnn_session_free(s);
}

static int file_starts(const char *path, const char *magic, size_t n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    char b[64] = {0};
    if (n > sizeof b)
        return 0;
    size_t r = fread(b, 1, n, f);
    fclose(f);
    return r == n && memcmp(b, magic, n) == 0;
}

static void test_export(void **state)
{
    (void)state;
    qnn_session *s = session(HESS, 4, 20);
    live_ui u;
    live_ui_init(&u, s, "default", NULL);
    qnn_params_default(&u.preset_params);
    char root[] = "/tmp/qnnlab-test-export-XXXXXX";
    assert_non_null(mkdtemp(root));
    snprintf(u.export_root, sizeof u.export_root, "%s", root);
    const qnn_snapshot *sn = qnn_session_acquire(s);
    assert_int_equal(live_export(&u, sn, 1280, 800, 1.0), 0);
    assert_non_null(strstr(u.last_export, root));
    const char *names[] = {"error", "kernel", "entropy", "hessian"};
    char p[2048];
    for (int k = 0; k < 4; k++) {
        snprintf(p, sizeof p, "%s/%s.png", u.last_export, names[k]);
        assert_true(file_starts(p, "\x89PNG\r\n\x1a\n", 8));
        snprintf(p, sizeof p, "%s/%s.pdf", u.last_export, names[k]);
        assert_true(file_starts(p, "%PDF-", 5));
        snprintf(p, sizeof p, "%s/%s.svg", u.last_export, names[k]);
        assert_true(file_starts(p, "<?xml", 5));
    }
    snprintf(p, sizeof p, "%s/dashboard.png", u.last_export);
    assert_true(file_starts(p, "\x89PNG\r\n\x1a\n", 8));
    snprintf(p, sizeof p, "%s/error.csv", u.last_export);
    FILE *fe = fopen(p, "r");
    char head[256] = "";
    assert_non_null(fe);
    assert_non_null(fgets(head, sizeof head, fe));
    fclose(fe);
    assert_true(!strncmp(head, "step,error_mean,error_geo_mean,theory,theory_kind,frozen_kernel,frozen_kernel_geo_mean,instance_1,", 97));
    snprintf(p, sizeof p, "%s/state.json", u.last_export);
    json_error_t je;
    json_t *j = json_load_file(p, 0, &je);
    assert_non_null(j);
    assert_int_equal(json_integer_value(json_object_get(j, "step")), 20);
    /* numbers as numbers (issue 23) */
    assert_true(json_is_number(json_object_get(json_object_get(j, "params"), "m")));
    assert_true(json_number_value(json_object_get(json_object_get(j, "params"), "m")) == 3);
    /* the share string in it decodes to the same step */
    qnn_share sh;
    char err[512];
    assert_int_equal(qnn_share_decode(json_string_value(json_object_get(j, "share")), &sh, err, sizeof err), 0);
    assert_int_equal(sh.step, 20);
    assert_string_equal(sh.preset, "default");
    qnn_share_free(&sh);
    json_decref(j);
    /* a second export in the same second gets its own folder */
    char first[1100];
    snprintf(first, sizeof first, "%s", u.last_export);
    assert_int_equal(live_export(&u, sn, 0, 0, 1.0), 0);
    assert_string_not_equal(first, u.last_export);

    /* an unwritable root: reported, nothing left behind */
    snprintf(u.export_root, sizeof u.export_root, "%s/missing/deeper", root);
    assert_int_equal(live_export(&u, sn, 0, 0, 1.0), -1);
    assert_true(u.status_error);
    assert_non_null(strstr(u.status, "missing/deeper"));
    qnn_snapshot_release(sn);
    qnn_session_free(s);
    char cmd[2100];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    assert_int_equal(system(cmd), 0);
}

/* The series of panel p labelled `label`, or NULL. */
static const plot_series *labelled(const plot_panel *p, const char *label)
{
    for (size_t i = 0; i < p->nseries; i++)
        if (p->series[i].label && !strcmp(p->series[i].label, label))
            return &p->series[i];
    return NULL;
}

/* The y of series s at x == t (its first such point), NaN when none. */
static double at_x(const plot_series *s, double t)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->x[i] == t)
            return s->y[i];
    return NAN;
}

/* Beside LIU23's rate line the error panel draws the statistic it predicts
 * (issue 21): the geometric mean of |ε| over the instances, recomputed here
 * from the instances' curves, and the line restarts at a change from the
 * geometric mean there. The mean of |ε| (Jensen: above it, ruled by the
 * slowest instances) is not the bold curve; it is drawn, thin, only beside
 * the noise floor E|ε(∞)|, a mean. A model without the rate line keeps
 * the mean. */
static void test_rate_statistic(void **state)
{
    (void)state;
    static const char *const kv[] = {"model", "random", "task", "optimise", "n", "4", "L", "64", "eta", "0.002",
                                     "resample", "theta", "seed", "1", NULL};
    qnn_session *s = session(kv, 12, 120);
    char err[512];
    assert_int_equal(qnn_session_set(s, "eta", "0.004", err, sizeof err), 0);
    assert_int_equal(qnn_session_advance(s, 80), 0);
    const qnn_snapshot *sn = qnn_session_acquire(s);
    assert_int_equal(sn->nfaint, 12);   /* every instance is drawn: the means can be checked */
    live_panels lp;
    assert_int_equal(live_panels_build(sn, NULL, &lp), 0);
    const plot_panel *p0 = &lp.p[0];
    const plot_series *g = labelled(p0, "geometric mean |ε|");
    const plot_series *th = labelled(p0, "|ε|_{geo} e^{−ηK̄t} (LIU23 Eq. 10)");
    assert_non_null(g);
    assert_non_null(th);
    assert_null(labelled(p0, "ensemble mean"));
    assert_null(labelled(p0, "mean |ε|"));
    const size_t n = sn->nrec, F = (size_t)sn->nfaint;
    /* one gap (a NaN slot) at the marker: n records in n + 1 slots */
    assert_int_equal(g->n, n + 1);
    assert_int_equal(th->n, n + 1);
    size_t kc = n;   /* the record of the change */
    double last_mean = NAN;
    for (size_t k = 0; k < n; k++) {
        double sl = 0.0, sa = 0.0;
        for (size_t f = 0; f < F; f++) {
            sl += log(sn->err_inst[f * n + k]);
            sa += sn->err_inst[f * n + k];
        }
        const double geo = exp(sl / (double)F);
        const double gy = at_x(g, sn->t[k]);
        assert_true(fabs(gy - geo) <= 1e-12 * geo);
        last_mean = sa / (double)F;
        if (kc == n && sn->t[k] == 120.0)
            kc = k;
    }
    assert_true(kc < n && kc > 0);
    /* the line: from the geometric mean at step 0 with η = 0.002, from the
     * geometric mean at the change with η = 0.004 (rate = ηK̄ now) */
    const double Kbar = sn->Kbar;
    const double g0 = at_x(g, sn->t[0]), gc = at_x(g, sn->t[kc]), gn = at_x(g, sn->t[n - 1]);
    assert_true(fabs(at_x(th, sn->t[0]) - g0) <= 1e-12 * g0);
    const double before = g0 * exp(-0.002 * Kbar * sn->t[kc - 1]);
    assert_true(fabs(at_x(th, sn->t[kc - 1]) - before) <= 1e-9 * before);
    assert_true(fabs(at_x(th, sn->t[kc]) - gc) <= 1e-12 * gc);
    const double end = gc * exp(-0.004 * Kbar * (sn->t[n - 1] - sn->t[kc]));
    const double thn = at_x(th, sn->t[n - 1]);
    assert_true(fabs(thn - end) <= 1e-9 * end);
    /* the two statistics part: the mean of |ε| ends far above the line */
    assert_true(last_mean > 3.0 * thn);
    assert_true(gn < 3.0 * thn && gn > thn / 3.0);
    live_panels_free(&lp);
    qnn_snapshot_release(sn);
    qnn_session_free(s);

    /* with σ_θ > 0 the mean of |ε| beside the floor E|ε(∞)| */
    static const char *const noisy[] = {"model", "random", "task", "optimise", "n", "4", "L", "16",
                                        "sigma_theta", "0.005", "seed", "2", NULL};
    s = session(noisy, 4, 30);
    sn = qnn_session_acquire(s);
    assert_int_equal(live_panels_build(sn, NULL, &lp), 0);
    const plot_series *a = labelled(&lp.p[0], "mean |ε|");
    assert_non_null(labelled(&lp.p[0], "geometric mean |ε|"));
    assert_non_null(a);
    for (size_t k = 0; k < sn->nrec; k++)
        assert_true(a->y[k] == sn->err_mean[k]);
    assert_int_equal(lp.p[0].nhlines, 1);
    live_panels_free(&lp);
    qnn_snapshot_release(sn);
    qnn_session_free(s);

    /* the periodic model's YOU23 bound is a bound on the mean: unchanged */
    static const char *const per[] = {"model", "periodic", "n", "3", "L", "6", "m", "2", "seed", "1", NULL};
    s = session(per, 3, 10);
    sn = qnn_session_acquire(s);
    assert_int_equal(live_panels_build(sn, NULL, &lp), 0);
    const plot_series *m = labelled(&lp.p[0], "ensemble mean");
    assert_non_null(m);
    assert_null(labelled(&lp.p[0], "geometric mean |ε|"));
    assert_null(labelled(&lp.p[0], "geometric mean ε_{rms}"));
    for (size_t k = 0; k < sn->nrec; k++)
        assert_true(m->y[k] == sn->err_mean[k] || (isnan(m->y[k]) && isnan(sn->err_mean[k])));
    live_panels_free(&lp);
    qnn_snapshot_release(sn);
    qnn_session_free(s);
}

/* Sliders: steps, ranges and the values they send. */
static void test_sliders(void **state)
{
    (void)state;
    static const char *const kv[] = {"model", "random", "n", "4", "L", "16", "eta", "0.01", NULL};
    qnn_session *s = session(kv, 2, 1);
    live_ui u;
    live_ui_init(&u, s, "test", NULL);
    int eta = -1, L = -1;
    for (int i = 0; i < LIVE_NSLIDERS; i++) {
        if (!strcmp(live_sliders[i].key, "eta")) eta = i;
        if (!strcmp(live_sliders[i].key, "L")) L = i;
        /* the ends of the track map to the ends of the range */
        assert_true(fabs(live_slider_from_frac(i, 0) - live_sliders[i].lo) <= 1e-9 * fmax(1, live_sliders[i].lo));
        assert_true(fabs(live_slider_from_frac(i, 1) - live_sliders[i].hi) <= 1e-9 * live_sliders[i].hi);
    }
    u.focus = eta;
    assert_int_equal(live_do(&u, LIVE_FINE_UP), 1);
    qnn_params req;
    qnn_session_requested(s, &req);
    assert_true(fabs(req.eta - 0.011) < 1e-12);
    u.focus = L;
    live_do(&u, LIVE_COARSE_UP);
    qnn_session_requested(s, &req);
    assert_int_equal(req.L, 32);
    /* typing an exact value beyond the slider's range */
    live_do(&u, LIVE_ENTRY);
    live_entry_char(&u, "2000");
    live_entry_key(&u, "Return");
    qnn_session_requested(s, &req);
    assert_int_equal(req.L, 2000);
    /* a refused value leaves the parameters and says why */
    live_do(&u, LIVE_ENTRY);
    live_entry_char(&u, "0");
    live_entry_key(&u, "Return");
    assert_true(u.status_error);
    assert_non_null(strstr(u.status, "'L'"));
    qnn_session_requested(s, &req);
    assert_int_equal(req.L, 2000);
    /* η from 0.002 three fine steps up (x1.1): the slider keeps 6 digits,
     * 0.002662 as the nearest double, and that number reaches the
     * instances; the log holds "0.002662", as it always did */
    u.focus = eta;
    assert_int_equal(live_slider_set(&u, eta, 0.002), 0);
    for (int k = 0; k < 3; k++)
        live_do(&u, LIVE_FINE_UP);
    assert_string_equal(u.status, "eta = 0.002662");
    assert_int_equal(qnn_session_advance(s, 1), 0);
    const qnn_snapshot *snap = qnn_session_acquire(s);
    assert_true(snap->params.eta == strtod("0.002662", NULL));
    qnn_snapshot_release(snap);
    qnn_params base;
    qnn_change *log;
    size_t n;
    long step;
    assert_int_equal(qnn_session_log(s, &base, &log, &n, &step), 0);
    assert_true(n >= 4);
    assert_string_equal(log[n - 1].key, "eta");
    assert_string_equal(log[n - 1].value, "0.002662");
    assert_string_equal(log[n - 2].value, "0.00242");
    free(log);
    qnn_session_free(s);
}


/* ---------------------------------------------------------------------- */
/* issue 23: segments, pins, convergence, the Hessian panel (synthetic
 * snapshots: the panels are a function of the snapshot and the view) */

#define SN 30   /* records: steps 0 .. 29 */
#define SF 3    /* instances */
typedef struct fake {
    qnn_snapshot sn;
    double a[40][SN * SF];
    qnn_snap_mark marks[2];
    qnn_snap_segment seg[3];
    double eig[64], eig_w[64], peig[8], peig_w[8];
    double eig_now[SF];
} fake;

/* Three segments: steps 0-9, a change of η at step 10 (the same run),
 * a rebuild at step 20 (L: K̄ 5 -> 9, the instances rebuilt); converged at
 * step 25; an exact Hessian spectrum of 64 eigenvalues, 58 of them zero
 * (|λ| <= 1e-14), -0.2, -0.01, 0.003, 0.5, 3 and 40. */
static fake *fake_new(double scale)
{
    fake *f = calloc(1, sizeof *f);
    assert_non_null(f);
    qnn_snapshot *sn = &f->sn;
    qnn_params_default(&sn->params);
    sn->step = SN - 1;
    sn->ninst = sn->nfaint = SF;
    sn->m = 1;
    sn->has_params = 1;
    sn->kernel_div = 1;
    sn->nrec = SN;
    double **arr[] = {&sn->t, &sn->err_mean, &sn->err_inst, &sn->err_geo, &sn->err_theory, &sn->err_theory_kind,
                      &sn->err_frozen, &sn->err_frozen_geo, &sn->k_mean, &sn->k_inst, &sn->kmax_mean,
                      &sn->s_mean, &sn->s_inst, &sn->d_mean, &sn->d_inst, &sn->hfp, &sn->proxy,
                      &sn->acc_mean, &sn->test_acc_mean, &sn->test_err_mean};
    for (size_t k = 0; k < sizeof arr / sizeof arr[0]; k++)
        *arr[k] = f->a[k];
    for (int r = 0; r < SN; r++) {
        const int seg = r < 10 ? 0 : r < 20 ? 1 : 2;
        const double t0 = seg * 10.0;
        sn->t[r] = r;
        /* each segment starts high: a join across a marker would be a jump */
        double e = scale * pow(10.0, -0.5 * (r - t0)) * (seg == 2 ? 1.0 : 0.1);
        if (r >= 25)
            e = scale * 1e-14;   /* the floor */
        sn->err_mean[r] = 2 * e;
        sn->err_geo[r] = e;
        sn->err_theory_kind[r] = QNN_THEORY_RATE;
        sn->err_theory[r] = e * 1.1;
        sn->err_frozen[r] = sn->err_frozen_geo[r] = NAN;
        sn->k_mean[r] = seg == 2 ? 9 * scale : 5 * scale;
        sn->kmax_mean[r] = NAN;
        sn->s_mean[r] = 0.5 + 0.01 * r;
        sn->d_mean[r] = 0.1;
        sn->hfp[r] = sn->proxy[r] = sn->acc_mean[r] = sn->test_acc_mean[r] = sn->test_err_mean[r] = NAN;
        for (int i = 0; i < SF; i++) {
            sn->err_inst[i * SN + r] = e * (1 + i);
            sn->k_inst[i * SN + r] = sn->k_mean[r] + i - 1;
            sn->s_inst[i * SN + r] = sn->s_mean[r] + 0.01 * (i - 1);
            sn->d_inst[i * SN + r] = 0.1;
        }
    }
    for (int i = 0; i < SF; i++)
        f->eig_now[i] = 9 * scale + i - 1;
    sn->eig_now = f->eig_now;
    sn->nmarks = 2;
    sn->marks = f->marks;
    f->marks[0] = (qnn_snap_mark){.step = 10, .time = 10, .what = "η 0.002 → 0.005", .rebuilt = 0};
    f->marks[1] = (qnn_snap_mark){.step = 20, .time = 20, .what = "L 64 → 16 (rebuilt)", .rebuilt = 1};
    sn->nseg = 3;
    sn->seg = f->seg;
    for (int k = 0; k < 3; k++) {
        qnn_snap_segment *g = &f->seg[k];
        g->step0 = 10 * k;
        g->rec0 = (size_t)(10 * k);
        g->rec1 = (size_t)(10 * k + 10);
        g->rebuilt = k != 1;
        snprintf(g->model, sizeof g->model, "random");
        g->m = 1;
        g->has_params = 1;
        g->kernel_div = 1;
        g->Kbar = k == 2 ? 9 * scale : 5 * scale;
        g->rate = 0.01;
        g->noise_abs_eps = g->lambda_min_pred = g->global_min_pred = g->tdist_bound = NAN;
        g->max_entropy = k == 2 ? 2.0 : 1.5;
        g->page = k == 2 ? 1.2 : 0.9;
    }
    sn->converged_step = 25;
    sn->converge_rel = 1e-14;
    sn->Kbar = 9 * scale;
    sn->rate = 0.01;
    sn->noise_abs_eps = sn->lambda_min_pred = sn->global_min_pred = sn->tdist_bound = NAN;
    sn->max_entropy = 2.0;
    sn->page = 1.2;
    /* the Hessian: 58 zeros and six outliers of both signs */
    qnn_snap_hist *h = &sn->hist_now;
    h->valid = 1;
    h->step = 27;
    h->exact = 1;
    h->dim = 64;
    h->neig = 64;
    static const double nz[6] = {-0.2, -0.01, 0.003, 0.5, 3, 40};
    for (int i = 0; i < 64; i++) {
        f->eig[i] = i < 6 ? nz[i] * scale : (i % 2 ? 1e-14 : -1e-14);
        f->eig_w[i] = 1;
    }
    h->eig = f->eig;
    h->eig_w = f->eig_w;
    h->zero_tol = 1e-8;
    h->n_zero = 58;
    h->w_zero = 58.0 / 64;
    h->frac_pos = 4.0 / 6;
    h->proxy = NAN;
    h->hi = 40;
    h->lo = -0.2;
    /* the previous spectrum: 8 eigenvalues */
    qnn_snap_hist *q = &sn->hist_prev;
    q->valid = 1;
    q->step = 24;
    q->exact = 1;
    q->dim = 8;
    q->neig = 8;
    for (int i = 0; i < 8; i++) {
        f->peig[i] = (i - 3) * 2.0;
        f->peig_w[i] = 1;
    }
    q->eig = f->peig;
    q->eig_w = f->peig_w;
    q->zero_tol = 1e-8;
    q->proxy = NAN;
    return f;
}

/* 1 when series s joins two finite points across step t (a marker). */
static int joins_across(const plot_series *s, double t)
{
    for (size_t i = 1; i < s->n; i++)
        if (isfinite(s->y[i - 1]) && isfinite(s->y[i]) && isfinite(s->x[i - 1]) && isfinite(s->x[i]) &&
            s->x[i - 1] < t && s->x[i] >= t)
            return 1;
    return 0;
}

/* The two-point series at value v of panel p (a segment's reference
 * line), or NULL. */
static const plot_series *ref_at(const plot_panel *p, double v)
{
    for (size_t i = 0; i < p->nseries; i++)
        if (p->series[i].n == 2 && p->series[i].y[0] == v && p->series[i].y[1] == v)
            return &p->series[i];
    return NULL;
}

static void test_segments(void **state)
{
    (void)state;
    fake *f = fake_new(1);
    live_panels lp;
    live_view v;
    memset(&v, 0, sizeof v);
    v.old_segments = LIVE_OLD_DIM;
    assert_int_equal(live_panels_build(&f->sn, &v, &lp), 0);
    /* nothing joined across a marker, on every time panel */
    static const int tp[3] = {0, 2, 3};
    for (int k = 0; k < 3; k++) {
        const plot_panel *p = &lp.p[tp[k]];
        assert_true(p->nseries > 0);
        for (size_t i = 0; i < p->nseries; i++) {
            assert_false(joins_across(&p->series[i], 10));
            assert_false(joins_across(&p->series[i], 20));
        }
        /* each marker labelled with its change */
        assert_true(p->nvmarks >= 2);
        assert_non_null(p->vmark_labels);
        assert_true(p->vmarks[0] == 10 && p->vmarks[1] == 20);
        assert_string_equal(p->vmark_labels[0], "η 0.002 → 0.005");
        assert_string_equal(p->vmark_labels[1], "L 64 → 16 (rebuilt)");
    }
    /* the reference lines: each segment's own value over its own steps */
    const plot_panel *p2 = &lp.p[2];
    assert_int_equal(p2->nhlines, 0);
    const plot_series *k0 = ref_at(p2, 5), *k2 = ref_at(p2, 9);
    assert_non_null(k0);
    assert_non_null(k2);
    assert_true(k0->x[0] >= 0 && k0->x[1] < 20);
    assert_true(k2->x[0] == 20 && k2->x[1] == 29);
    assert_non_null(k2->label);          /* the current segment's in the legend */
    assert_null(k0->label);
    assert_true(k0->alpha > 0 && k0->alpha < 0.5);   /* before the rebuild: dimmed */
    const plot_panel *p3 = &lp.p[3];
    assert_non_null(ref_at(p3, 1.5));
    assert_non_null(ref_at(p3, 2.0));
    assert_non_null(ref_at(p3, 0.9));
    assert_non_null(ref_at(p3, 1.2));
    /* dimmed: every point before the rebuild is in a series with alpha
     * ~0.35 and no label, every point after in one without */
    for (size_t i = 0; i < lp.p[0].nseries; i++) {
        const plot_series *s = &lp.p[0].series[i];
        for (size_t j = 0; j < s->n; j++) {
            if (!isfinite(s->y[j]) || s->ghost)
                continue;
            if (s->x[j] < 20) {
                assert_true(s->alpha > 0.2 && s->alpha < 0.5);
                assert_null(s->label);
            } else {
                assert_true(s->alpha == 0 || s->alpha >= 1);
            }
        }
    }
    /* convergence: marked, and the axis stops about a decade below the
     * converged value (not at the floor 1e-14 six decades lower) */
    const plot_panel *p0 = &lp.p[0];
    int conv = 0;
    for (size_t i = 0; i < p0->nvmarks; i++)
        if (p0->vmarks[i] == 25 && strstr(p0->vmark_labels[i], "converged at step 25"))
            conv = 1;
    assert_true(conv);
    double xlo, xhi, ylo, yhi;
    plot_panel_limits(p0, &xlo, &xhi, &ylo, &yhi);
    assert_true(ylo >= 1e-16 && ylo <= 1e-14);
    live_panels_free(&lp);

    /* hidden: nothing before the rebuild */
    v.old_segments = LIVE_OLD_HIDE;
    assert_int_equal(live_panels_build(&f->sn, &v, &lp), 0);
    for (int k = 0; k < 3; k++) {
        const plot_panel *p = &lp.p[tp[k]];
        for (size_t i = 0; i < p->nseries; i++)
            for (size_t j = 0; j < p->series[i].n; j++)
                assert_false(isfinite(p->series[i].y[j]) && p->series[i].x[j] < 20);
        for (size_t i = 0; i < p->nvmarks; i++)
            assert_true(p->vmarks[i] >= 20);
    }
    assert_int_equal(lp.p[2].nhlines, 1);   /* one segment visible: its line, full width */
    assert_true(lp.hl[2][0] == 9);
    live_panels_free(&lp);

    /* shown: nothing dimmed */
    v.old_segments = LIVE_OLD_SHOW;
    assert_int_equal(live_panels_build(&f->sn, &v, &lp), 0);
    for (int k = 0; k < 3; k++)
        for (size_t i = 0; i < lp.p[tp[k]].nseries; i++)
            assert_true(lp.p[tp[k]].series[i].alpha == 0);
    live_panels_free(&lp);

    /* the time window: the last 8 steps */
    v.old_segments = LIVE_OLD_DIM;
    v.window = 8;
    assert_int_equal(live_panels_build(&f->sn, &v, &lp), 0);
    for (int k = 0; k < 3; k++) {
        const plot_panel *p = &lp.p[tp[k]];
        assert_true(p->xmin == 21 && p->xmax == 29);
        for (size_t i = 0; i < p->nseries; i++)
            for (size_t j = 0; j < p->series[i].n; j++)
                assert_false(isfinite(p->series[i].y[j]) && p->series[i].x[j] < 21);
    }
    live_panels_free(&lp);

    /* a first segment of the periodic model (K/p): its kernel is in other
     * units, not drawn under the current segment's K axis, and said so */
    f->seg[0].kernel_div = 4;
    v.window = 0;
    assert_int_equal(live_panels_build(&f->sn, &v, &lp), 0);
    for (size_t i = 0; i < lp.p[2].nseries; i++)
        for (size_t j = 0; j < lp.p[2].series[i].n; j++)
            assert_false(isfinite(lp.p[2].series[i].y[j]) && lp.p[2].series[i].x[j] < 10);
    assert_non_null(lp.p[2].note);
    assert_non_null(strstr(lp.p[2].note, "other units"));
    live_panels_free(&lp);
    free(f);
}

/* Pins: each pinned run is a ghost series, labelled, on the error, kernel,
 * entropy and Hessian panels; two pins get two colours. */
static void test_pins(void **state)
{
    (void)state;
    fake *f = fake_new(1), *a = fake_new(2), *b = fake_new(3);
    live_pin pins[2];
    memset(pins, 0, sizeof pins);
    pins[0].sn = &a->sn;
    snprintf(pins[0].label, sizeof pins[0].label, "η = 0.002");
    pins[1].sn = &b->sn;
    snprintf(pins[1].label, sizeof pins[1].label, "η = 0.02");
    live_view v;
    memset(&v, 0, sizeof v);
    v.pins = pins;
    v.npins = 2;
    /* the first pin ran longer: the time axes show it whole */
    a->sn.t[SN - 1] = 45;
    live_panels lp;
    assert_int_equal(live_panels_build(&f->sn, &v, &lp), 0);
    assert_true(lp.p[0].xmax == 45 && lp.p[2].xmax == 45 && lp.p[3].xmax == 45);
    static const int panels[4] = {0, 2, 3, 4};
    for (int k = 0; k < 4; k++) {
        const plot_panel *p = &lp.p[panels[k]];
        const plot_series *g0 = labelled(p, "η = 0.002"), *g1 = labelled(p, "η = 0.02");
        assert_non_null(g0);
        assert_non_null(g1);
        assert_true(g0->ghost && g1->ghost);
        assert_true(g0->color != g1->color);
        /* the pin's own data: the error panel's ghost is its geometric mean */
        if (panels[k] == 0) {
            for (size_t j = 0; j < g1->n; j++)
                if (isfinite(g1->x[j]) && g1->x[j] == 3)
                    assert_true(g1->y[j] == b->sn.err_geo[3]);
            assert_false(joins_across(g1, 20));
        }
        if (panels[k] == 2)
            for (size_t j = 0; j < g0->n; j++)
                if (isfinite(g0->y[j]))
                    assert_true(g0->y[j] == 10 || g0->y[j] == 18);
    }
    live_panels_free(&lp);
    free(f);
    free(a);
    free(b);
}

/* The Hessian panel: the spectrum binned on a symmetric-log axis (60 or
 * more bins), the numerically zero eigenvalues counted apart and said,
 * the positive fraction of the rest, the previous spectrum as an outline,
 * the error proxy only when it is defined, with its convention. */
static void test_hessian_panel(void **state)
{
    (void)state;
    fake *f = fake_new(1);
    live_panels lp;
    assert_int_equal(live_panels_build(&f->sn, NULL, &lp), 0);
    const plot_panel *p = &lp.p[4];
    assert_int_equal(p->xscale, PLOT_SYMLOG);
    assert_true(p->linthresh > 0 && p->linthresh <= 0.01);
    const plot_series *now = labelled(p, "step 27 (now)"), *prev = labelled(p, "step 24");
    assert_non_null(now);
    assert_non_null(prev);
    assert_int_equal(now->style, PLOT_STEPS);
    assert_true(now->n >= 60);
    /* the six nonzero eigenvalues, each in its own bin; no bin of zeros */
    double tot = 0;
    int nonempty = 0;
    for (size_t i = 0; i < now->n; i++) {
        tot += now->y[i];
        nonempty += now->y[i] > 0;
        assert_true(now->y[i] <= 1.0 + 1e-12);
        if (now->y[i] > 0)
            assert_true(fabs(now->x[i]) > 1e-3);
    }
    assert_true(fabs(tot - 6) < 1e-9);
    assert_int_equal(nonempty, 6);
    /* the limits hold every eigenvalue: -0.2 and 40 inside */
    assert_true(p->xmin <= -0.2 && p->xmax >= 40);
    /* the outlier 40 and the bulk 0.003 are several bins apart: both show */
    double tot_prev = 0;
    for (size_t i = 0; i < prev->n; i++)
        tot_prev += prev->y[i];
    assert_true(fabs(tot_prev - 7) < 1e-9);   /* 8 eigenvalues, one of them 0 */
    assert_non_null(p->note);
    assert_non_null(strstr(p->note, "58 of 64 are 0 within 1e-8"));
    assert_non_null(strstr(p->note, "positive fraction of the nonzero: 0.67"));
    assert_null(strstr(p->note, "proxy"));
    assert_null(strstr(p->note, "nan"));
    live_panels_free(&lp);
    f->sn.hist_now.proxy = 3.2e-4;
    assert_int_equal(live_panels_build(&f->sn, NULL, &lp), 0);
    assert_non_null(strstr(lp.p[4].note, "error proxy (a = −ηλ): 0.00032"));
    live_panels_free(&lp);
    f->sn.hist_now.proxy = INFINITY;
    assert_int_equal(live_panels_build(&f->sn, NULL, &lp), 0);
    assert_null(strstr(lp.p[4].note, "proxy"));
    live_panels_free(&lp);
    /* undefined: the session's reason, with the convention, never a number */
    f->sn.hist_now.proxy = NAN;
    f->sn.hist_now.proxy_note = "a kept mode grows (|1 − ηλ| > 1)";
    assert_int_equal(live_panels_build(&f->sn, NULL, &lp), 0);
    assert_non_null(strstr(lp.p[4].note, "no error proxy (a = −ηλ): a kept mode grows (|1 − ηλ| > 1)"));
    assert_null(strstr(lp.p[4].note, "nan"));
    live_panels_free(&lp);
    free(f);
}


/* The same on a live session: a change of η (the same run) and of L (a
 * rebuild): no series joins across either marker; the kernel panel draws
 * K̄ of each segment, from the snapshot's segments, over its own steps. */
static void test_segments_live(void **state)
{
    (void)state;
    static const char *const kv[] = {"model", "random", "task", "optimise", "n", "4", "L", "64", "eta", "0.002",
                                      "seed", "1", NULL};
    qnn_session *s = session(kv, 4, 30);
    char err[512];
    assert_int_equal(qnn_session_set(s, "eta", "0.005", err, sizeof err), 0);
    assert_int_equal(qnn_session_advance(s, 30), 0);
    assert_int_equal(qnn_session_set(s, "L", "16", err, sizeof err), 0);
    assert_int_equal(qnn_session_advance(s, 30), 0);
    const qnn_snapshot *sn = qnn_session_acquire(s);
    assert_int_equal(sn->nmarks, 2);
    assert_int_equal(sn->nseg, 3);
    live_panels lp;
    assert_int_equal(live_panels_build(sn, NULL, &lp), 0);
    static const int tp[3] = {0, 2, 3};
    for (int k = 0; k < 3; k++)
        for (size_t i = 0; i < lp.p[tp[k]].nseries; i++)
            for (size_t j = 0; j < sn->nmarks; j++)
                assert_false(joins_across(&lp.p[tp[k]].series[i], (double)sn->marks[j].step));
    /* K̄ per segment: L = 64 twice, then L = 16 */
    assert_true(isfinite(sn->seg[0].Kbar) && isfinite(sn->seg[2].Kbar));
    assert_true(sn->seg[0].Kbar != sn->seg[2].Kbar);
    const plot_series *a = ref_at(&lp.p[2], sn->seg[0].Kbar), *c = ref_at(&lp.p[2], sn->seg[2].Kbar);
    assert_non_null(a);
    assert_non_null(c);
    assert_true(a->x[1] < (double)sn->marks[0].step);
    assert_true(c->x[0] >= (double)sn->marks[1].step);
    assert_int_equal(lp.p[2].nhlines, 0);
    live_panels_free(&lp);
    qnn_snapshot_release(sn);
    qnn_session_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_draw),
        cmocka_unit_test(test_every_model),
        cmocka_unit_test(test_model_switch),
        cmocka_unit_test(test_export),
        cmocka_unit_test(test_sliders),
        cmocka_unit_test(test_rate_statistic),
        cmocka_unit_test(test_segments),
        cmocka_unit_test(test_segments_live),
        cmocka_unit_test(test_pins),
        cmocka_unit_test(test_hessian_panel),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
