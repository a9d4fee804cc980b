/* A model from one file (tests/toy_model.c) and one registration: the
 * registry, the key `model`, `qnnlab run` (trace.csv, summary.json with the
 * class's theory value, the figure), `qnnlab --help`, a refusal by the
 * class's check, the live session, the window's panels and model buttons,
 * the terminal's screen, and the share string all take it without any
 * other change (issue "Models as units"). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <fcntl.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "live.h"
#include "qnn/share.h"
#include "toy_model.h"
#include "tui.h"

static char tmpdir[256];

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "%s/qnnlab-toy.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(tmpdir))
        return -1;
    return qnn_model_register(&toy_model_class);
}

static int teardown(void **state)
{
    (void)state;
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

/* Runs the CLI with argv (NULL-terminated), stdout and stderr into `out`. */
static int cli(const char *out, const char *const *argv)
{
    int argc = 0;
    while (argv[argc])
        argc++;
    fflush(stdout);
    fflush(stderr);
    int so = dup(1), se = dup(2);
    int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    assert_true(fd >= 0 && so >= 0 && se >= 0);
    dup2(fd, 1);
    dup2(fd, 2);
    close(fd);
    int rc = qnn_cli_run(argc, (char **)argv);
    fflush(stdout);
    fflush(stderr);
    dup2(so, 1);
    dup2(se, 2);
    close(so);
    close(se);
    return rc;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    static char buf[1 << 20];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    return buf;
}

static void test_registry(void **state)
{
    (void)state;
    assert_ptr_equal(qnn_model_find("toy"), &toy_model_class);
    assert_ptr_equal(qnn_model_at(qnn_model_count() - 1), &toy_model_class);
    assert_non_null(strstr(qnn_model_names(), "| toy"));
    /* a second class of the same name, or one without its methods, is refused */
    assert_int_equal(qnn_model_register(&toy_model_class), -1);
    qnn_model_class broken = toy_model_class;
    broken.name = "toy2";
    broken.eval = NULL;
    assert_int_equal(qnn_model_register(&broken), -1);
    assert_null(qnn_model_find("toy2"));
    /* the key `model` takes it, and its table lists it */
    qnn_params p;
    qnn_params_default(&p);
    char err[512], v[64];
    assert_int_equal(qnn_params_set(&p, "model", "toy", err, sizeof err), 0);
    assert_int_equal(qnn_params_get(&p, "model", v, sizeof v), 0);
    assert_string_equal(v, "toy");
    assert_non_null(strstr(qnn_params_key("model")->allowed, "toy"));
    assert_non_null(strstr(qnn_params_key("model")->help, "linear least squares"));
    assert_int_equal(qnn_params_set(&p, "model", "toy3", err, sizeof err), QNN_E_KEY_TYPE);
    assert_non_null(strstr(err, "toy"));   /* the allowed list names it */
    /* the class's properties reach the generic code */
    assert_true(qnn_params_n_params(&p) == p.L);
    assert_int_equal(qnn_model_key_use(&p, "gamma"), QNN_KEY_UNUSED);
    assert_int_equal(qnn_model_key_use(&p, "n_h"), QNN_KEY_UNUSED);   /* no state */
    assert_int_equal(qnn_model_key_use(&p, "hessian"), QNN_KEY_EXTEND);
}

static const char *write_preset(void)
{
    static char path[300];
    snprintf(path, sizeof path, "%s/toy.ini", tmpdir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("[preset]\ndescription = the toy model\n[model]\nmodel = toy\nm = 4\nL = 12\n"
          "[optimiser]\neta = 0.05\n[run]\nsteps = 60\ninstances = 40\nseed = 7\n", f);
    fclose(f);
    return path;
}

static void test_run(void **state)
{
    (void)state;
    const char *ini = write_preset();
    char out[300], log[300], path[400];
    snprintf(out, sizeof out, "%s/run", tmpdir);
    snprintf(log, sizeof log, "%s/run.log", tmpdir);
    const char *argv[] = {"qnnlab", "run", ini, "--out", out, "--quiet", "--set", "hessian=exact", NULL};
    if (cli(log, argv) != 0)
        fail_msg("qnnlab run: %s", slurp(log));
    snprintf(path, sizeof path, "%s/figure.png", out);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_true(st.st_size > 1000);
    snprintf(path, sizeof path, "%s/trace.csv", out);
    const char *trace = slurp(path);
    assert_non_null(trace);
    size_t rows = 0;
    for (const char *c = trace; *c; c++)
        rows += *c == '\n';
    assert_true(rows >= 40 * 61);   /* every record of every instance, and a header */
    snprintf(path, sizeof path, "%s/summary.json", out);
    json_error_t je;
    json_t *js = json_load_file(path, 0, &je);
    assert_non_null(js);
    assert_string_equal(json_string_value(json_object_get(json_object_get(js, "parameters"), "model")), "toy");
    json_t *pt = json_array_get(json_object_get(js, "points"), 0);
    json_t *th = json_object_get(json_object_get(pt, "theory"), "toy_mean_kernel");
    assert_non_null(th);
    /* E tr K(0)/m = P/3 = 4: the class's own statistic, within 3 s.e. */
    double val = json_real_value(json_object_get(th, "value"));
    double mes = json_real_value(json_object_get(th, "measured"));
    double se = json_real_value(json_object_get(th, "measured_se"));
    assert_true(fabs(val - 4.0) < 1e-12);
    assert_true(se > 0 && se < 0.5);
    if (fabs(mes - val) > 3.0 * se)
        fail_msg("toy_mean_kernel: measured %g +- %g, theory %g", mes, se, val);
    /* gradient descent on least squares: the loss falls */
    json_t *ms = json_object_get(pt, "measured");
    double l0 = json_real_value(json_object_get(json_object_get(ms, "loss_t0"), "mean"));
    double lT = json_real_value(json_object_get(json_object_get(ms, "loss_final"), "mean"));
    assert_true(lT < 0.5 * l0);
    /* the Hessian observer: AᵀA is positive semidefinite */
    double hmin = json_real_value(json_object_get(json_object_get(ms, "hessian_min_t0"), "mean"));
    assert_true(hmin > -1e-9);
    json_decref(js);

    /* --help lists the class among the models */
    const char *help[] = {"qnnlab", "--help", NULL};
    assert_int_equal(cli(log, help), 0);
    assert_non_null(strstr(slurp(log), "toy (linear least squares"));
    /* the class's own check refuses, with its message, exit 2 */
    const char *bad[] = {"qnnlab", "run", ini, "--out", out, "--quiet", "--set", "m=100", NULL};
    assert_int_equal(cli(log, bad), 2);
    assert_non_null(strstr(slurp(log), "for model = toy"));
}

static void test_session_and_faces(void **state)
{
    (void)state;
    qnn_params p;
    qnn_params_default(&p);
    char err[512];
    assert_int_equal(qnn_params_set(&p, "model", "toy", err, sizeof err), 0);
    assert_int_equal(qnn_params_set(&p, "m", "3", err, sizeof err), 0);
    assert_int_equal(qnn_params_set(&p, "L", "10", err, sizeof err), 0);
    assert_int_equal(qnn_params_set(&p, "eta", "0.05", err, sizeof err), 0);
    qnn_session_opts o;
    qnn_session_opts_default(&o);
    o.instances = 4;
    o.playing = 0;
    qnn_session *s = qnn_session_new(&p, &o, err, sizeof err);
    if (!s)
        fail_msg("%s", err);
    assert_int_equal(qnn_session_advance(s, 80), 0);
    const qnn_snapshot *sn = qnn_session_acquire(s);
    assert_true(sn->nrec >= 2);
    assert_true(sn->has_params);
    assert_true(sn->err_mean[sn->nrec - 1] < sn->err_mean[0]);
    /* the window's panels */
    live_panels lp;
    assert_int_equal(live_panels_build(sn, NULL, &lp), 0);
    assert_non_null(strstr(lp.p[0].title, "toy"));
    assert_true(lp.p[0].nseries > 0);
    live_panels_free(&lp);
    /* its model button and sliders */
    int k = -1;
    for (int i = 0; i < live_model_count(); i++)
        if (live_model_at(i) == &toy_model_class)
            k = i;
    assert_int_equal(k, live_model_count() - 1);
    live_ui u;
    live_ui_init(&u, s, "toy", &p);
    for (int i = 0; i < LIVE_NSLIDERS; i++) {
        if (!strcmp(live_sliders[i].key, "gamma"))
            assert_false(live_slider_applies(i, &p));
        if (!strcmp(live_sliders[i].key, "L"))
            assert_true(live_slider_applies(i, &p));
    }
    /* the terminal's screen names it */
    tg_grid g;
    assert_int_equal(tg_init(&g, 120, 40, TG_UTF8), 0);
    tui_view v;
    memset(&v, 0, sizeof v);
    v.cs = g.cs;
    tui_layout L;
    tui_layout_compute(&L, 120, 40, &v);
    qnn_params req;
    qnn_session_requested(s, &req);
    tui_compose(&g, &L, &u, &v, sn, &req);
    char scr[400];
    snprintf(scr, sizeof scr, "%s/screen.txt", tmpdir);
    FILE *f = fopen(scr, "w");
    assert_non_null(f);
    assert_int_equal(tg_dump(&g, f), 0);
    fclose(f);
    assert_non_null(strstr(slurp(scr), "qnnlab · toy · toy"));   /* title: preset · model */
    tg_free(&g);
    /* the share string carries it and restores it */
    char *share = NULL;
    assert_int_equal(qnn_share_encode("toy", &p, &p, NULL, 0, 80, &share), 0);
    qnn_share sh;
    assert_int_equal(qnn_share_decode(share, &sh, err, sizeof err), 0);
    qnn_params back;
    qnn_params_default(&back);
    assert_int_equal(qnn_params_set(&back, "model", "toy", err, sizeof err), 0);
    assert_int_equal(qnn_share_apply_overrides(&sh, &back, err, sizeof err), 0);
    assert_ptr_equal(back.model, &toy_model_class);
    qnn_share_free(&sh);
    free(share);
    qnn_snapshot_release(sn);
    qnn_session_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_registry),
        cmocka_unit_test(test_run),
        cmocka_unit_test(test_session_and_faces),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
