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
            assert_non_null(strstr(u.status, "resample = all"));
            assert_non_null(strstr(u.status, "sigma_theta = 0"));
        }
        if (!strcmp(live_model_at(k)->name, "mlp")) {
            assert_int_equal(req.L, 32);
            assert_non_null(strstr(u.status, "L = 32"));
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
    assert_string_equal(json_string_value(json_object_get(json_object_get(j, "params"), "m")), "3");
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
    assert_int_equal(g->n, n);
    size_t kc = n;   /* the record of the change */
    double last_mean = NAN;
    for (size_t k = 0; k < n; k++) {
        double sl = 0.0, sa = 0.0;
        for (size_t f = 0; f < F; f++) {
            sl += log(sn->err_inst[f * n + k]);
            sa += sn->err_inst[f * n + k];
        }
        const double geo = exp(sl / (double)F);
        assert_true(fabs(g->y[k] - geo) <= 1e-12 * geo);
        last_mean = sa / (double)F;
        if (kc == n && sn->t[k] == 120.0)
            kc = k;
    }
    assert_true(kc < n);
    /* the line: from the geometric mean at step 0 with η = 0.002, from the
     * geometric mean at the change with η = 0.004 (rate = ηK̄ now) */
    const double Kbar = sn->Kbar;
    assert_true(fabs(th->y[0] - g->y[0]) <= 1e-12 * g->y[0]);
    const double before = g->y[0] * exp(-0.002 * Kbar * sn->t[kc - 1]);
    assert_true(fabs(th->y[kc - 1] - before) <= 1e-9 * before);
    assert_true(fabs(th->y[kc] - g->y[kc]) <= 1e-12 * g->y[kc]);
    const double end = g->y[kc] * exp(-0.004 * Kbar * (sn->t[n - 1] - sn->t[kc]));
    assert_true(fabs(th->y[n - 1] - end) <= 1e-9 * end);
    /* the two statistics part: the mean of |ε| ends far above the line */
    assert_true(last_mean > 3.0 * th->y[n - 1]);
    assert_true(g->y[n - 1] < 3.0 * th->y[n - 1] && g->y[n - 1] > th->y[n - 1] / 3.0);
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_draw),
        cmocka_unit_test(test_every_model),
        cmocka_unit_test(test_model_switch),
        cmocka_unit_test(test_export),
        cmocka_unit_test(test_sliders),
        cmocka_unit_test(test_rate_statistic),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
