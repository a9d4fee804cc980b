/* The controls of the live faces (ui/live/live.c, faceloop.c) without a
 * window: no hidden side effects (a model cycle gives L and ηK̄ back, a
 * typed fraction for a whole-number key is refused with the key, the
 * value and what is allowed, a key that moves another says so), the pins
 * (p, P: labels, the oldest dropped, freed), the view toggles (o, w, u),
 * the share string with pins (written, read back, the pins replayed) and
 * `--state FILE` (live_state_read on a state.json). */
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
#include <time.h>
#include <unistd.h>

#include "live.h"
#include "faceloop.h"
#include "qnn/share.h"

static void params_of(const char *const *kv, qnn_params *p)
{
    qnn_params_default(p);
    char err[512];
    for (int i = 0; kv[i]; i += 2)
        if (qnn_params_set(p, kv[i], kv[i + 1], err, sizeof err) != 0)
            fail_msg("%s", err);
}

static void opts_of(int R, qnn_session_opts *o)
{
    qnn_session_opts_default(o);
    o->instances = R;
    o->playing = 0;
}

static qnn_session *session(const char *const *kv, int R, long steps)
{
    qnn_params p;
    params_of(kv, &p);
    qnn_session_opts o;
    opts_of(R, &o);
    char err[512];
    qnn_session *s = qnn_session_new(&p, &o, err, sizeof err);
    if (!s)
        fail_msg("%s", err);
    assert_int_equal(qnn_session_advance(s, steps), 0);
    return s;
}

static void nap(void)
{
    struct timespec ts = {0, 10000000};
    nanosleep(&ts, NULL);
}

static int slider(const char *key)
{
    for (int i = 0; i < LIVE_NSLIDERS; i++)
        if (!strcmp(live_sliders[i].key, key))
            return i;
    fail_msg("no slider %s", key);
    return -1;
}

static int model_index(const char *name)
{
    for (int k = 0; k < live_model_count(); k++)
        if (!strcmp(qnn_model_name(live_model_at(k)), name))
            return k;
    fail_msg("no live model %s", name);
    return -1;
}

static double rate_now(qnn_session *s)
{
    const qnn_snapshot *sn = qnn_session_acquire(s);
    double r = sn->rate;
    qnn_snapshot_release(sn);
    return r;
}

/* m (next model) through every model and back: L, σ_θ and resample are
 * where they were (a forced L = 32 for mlp is undone), and so is ηK̄; the
 * switch to mlp says that it moved L, from what to what and why. */
static void test_model_cycle(void **state)
{
    (void)state;
    const char *kv[] = {"model", "random", "n", "4", "L", "65", "resample", "theta", "sigma_theta", "0.01",
                        "eta", "0.01", "seed", "1", NULL};
    qnn_session *s = session(kv, 2, 2);
    live_ui u;
    live_ui_init(&u, s, "test", NULL);
    const double rate0 = rate_now(s);
    assert_true(rate0 > 0);
    const int nm = live_model_count();
    int saw_mlp = 0;
    for (int i = 0; i < nm; i++) {
        assert_int_equal(live_do(&u, LIVE_MODEL_NEXT), 1);
        assert_false(u.status_error);
        qnn_params req;
        qnn_session_requested(s, &req);
        if (!strcmp(qnn_model_name(req.model), "mlp")) {
            saw_mlp = 1;
            assert_int_equal(req.L, 32);
            /* names the key, the old and new value, and the reason */
            assert_non_null(strstr(u.status, "model mlp: "));
            assert_non_null(strstr(u.status, "model mlp: L 65 → 32 (mlp allows"));
        }
        if (!strcmp(qnn_model_name(req.model), "asymptotic")) {
            /* no angles: resample and σ_θ are forced, and said so */
            assert_non_null(strstr(u.status, "resample theta → all (asymptotic allows "));
            assert_non_null(strstr(u.status, "sigma_theta 0.01 → 0 (asymptotic allows "));
        }
        assert_int_equal(qnn_session_advance(s, 1), 0);
    }
    assert_true(saw_mlp);
    qnn_params req;
    qnn_session_requested(s, &req);
    assert_string_equal(qnn_model_name(req.model), "random");
    assert_int_equal(req.L, 65);
    assert_true(req.sigma_theta == 0.01);
    assert_int_equal(req.resample, QNN_RESAMPLE_THETA);
    /* the message of the return says what came back */
    assert_non_null(strstr(u.status, "(back to the values random had)"));
    assert_int_equal(qnn_session_advance(s, 1), 0);
    assert_true(rate_now(s) == rate0);

    /* the user's own value under mlp is remembered too: L = 10 there,
     * to random (L = 65 back), to mlp again: L = 10 */
    assert_int_equal(live_set_model(&u, model_index("mlp")), 0);
    assert_int_equal(live_slider_set(&u, slider("L"), 10), 0);
    assert_int_equal(live_set_model(&u, model_index("random")), 0);
    qnn_session_requested(s, &req);
    assert_int_equal(req.L, 65);
    assert_int_equal(live_set_model(&u, model_index("mlp")), 0);
    qnn_session_requested(s, &req);
    assert_int_equal(req.L, 10);
    assert_non_null(strstr(u.status, "L 65 → 10"));
    qnn_session_free(s);
}

/* A typed 0.5 for n_h is refused with the key, the value and what is
 * allowed; nothing moves. A whole n_h that moves n_v says so. */
static void test_whole_numbers(void **state)
{
    (void)state;
    const char *kv[] = {"model", "random", "n", "5", "n_h", "1", "L", "16", "seed", "2", NULL};
    qnn_session *s = session(kv, 2, 1);
    live_ui u;
    live_ui_init(&u, s, "test", NULL);
    const int nh = slider("n_h"), nv = slider("n_v");
    qnn_params before, req;
    qnn_session_requested(s, &before);
    u.focus = nh;
    live_do(&u, LIVE_ENTRY);
    live_entry_char(&u, "0.5");
    live_entry_key(&u, "Return");
    assert_true(u.status_error);
    assert_non_null(strstr(u.status, "key 'n_h'"));
    assert_non_null(strstr(u.status, "'0.5'"));
    assert_non_null(strstr(u.status, "not a whole number"));
    assert_non_null(strstr(u.status, "allowed: whole numbers 0 .. n - 1"));
    qnn_session_requested(s, &req);
    assert_int_equal(req.n_h, before.n_h);
    assert_int_equal(req.n, before.n);
    assert_true(live_slider_value(&u, nv, &req) == live_slider_value(&u, nv, &before));
    /* the same for the other whole-number sliders */
    assert_int_equal(live_slider_set(&u, slider("L"), 16.25), -1);
    assert_non_null(strstr(u.status, "key 'L': value '16.25'"));
    assert_int_equal(live_slider_set(&u, slider("spf"), 2.5), -1);
    assert_non_null(strstr(u.status, "not a whole number"));
    /* n_h = 2 with n = 5: n_v goes 4 → 3, and the line says so */
    assert_int_equal(live_slider_set(&u, nh, 2), 0);
    assert_false(u.status_error);
    assert_string_equal(u.status, "n_h = 2, which also sets n_v 4 → 3");
    /* a key that moves nothing else says only itself */
    assert_int_equal(live_slider_set(&u, slider("eta"), 0.01), 0);
    assert_string_equal(u.status, "eta = 0.01");
    qnn_session_free(s);
}

static const char *const RUN[] = {"model", "random", "n", "3", "L", "16", "eta", "0.02", "seed", "5", NULL};

/* p twice: two pins with distinct labels naming what differs; the 5th
 * drops the oldest with a message; P frees them all (no leak under ASan). */
static void test_pins(void **state)
{
    (void)state;
    qnn_session *s = session(RUN, 2, 10);
    live_ui u;
    live_ui_init(&u, s, "test", NULL);
    assert_int_equal(live_do(&u, LIVE_PIN), 1);
    assert_int_equal(u.npins, 1);
    assert_int_equal(u.pins[0].step, 10);
    /* nothing differs yet: the label says which pin and its step */
    assert_string_equal(u.pins[0].label, "pin 1: step 10");
    assert_non_null(strstr(u.status, "pinned run 1 at step 10"));
    /* η changes: the pin's label names its η */
    assert_int_equal(live_slider_set(&u, slider("eta"), 0.05), 0);
    assert_string_equal(u.pins[0].label, "η = 0.02");
    assert_int_equal(qnn_session_advance(s, 5), 0);
    assert_int_equal(live_do(&u, LIVE_PIN), 1);
    assert_int_equal(u.npins, 2);
    assert_string_not_equal(u.pins[0].label, u.pins[1].label);
    assert_string_equal(u.pins[0].label, "η = 0.02");
    assert_string_equal(u.pins[1].label, "η = 0.05");
    /* the pin's snapshot is the run's at its step, and its log replays it */
    assert_int_equal(u.pins[1].sn->step, 15);
    assert_int_equal(u.pins[1].nlog, 1);
    assert_string_equal(u.pins[1].log[0].key, "eta");
    assert_int_equal(u.pins[1].log[0].step, 10);
    /* L as well: every pin names both keys */
    assert_int_equal(live_slider_set(&u, slider("L"), 32), 0);
    assert_int_equal(qnn_session_advance(s, 3), 0);
    assert_int_equal(live_do(&u, LIVE_PIN), 1);
    assert_string_equal(u.pins[2].label, "L = 32, η = 0.05");
    assert_string_equal(u.pins[0].label, "L = 16, η = 0.02");
    const long second = u.pins[1].step;
    assert_int_equal(qnn_session_advance(s, 2), 0);
    live_do(&u, LIVE_PIN);
    assert_int_equal(u.npins, LIVE_MAX_PINS);
    assert_null(strstr(u.status, "dropped"));
    /* one more: the oldest goes */
    assert_int_equal(qnn_session_advance(s, 2), 0);
    live_do(&u, LIVE_PIN);
    assert_int_equal(u.npins, LIVE_MAX_PINS);
    assert_non_null(strstr(u.status, "the oldest pin (L = 16, η = 0.02) was dropped: at most 4 pins"));
    assert_int_equal(u.pins[0].step, second);
    for (int a = 0; a < u.npins; a++)
        for (int b = a + 1; b < u.npins; b++)
            assert_string_not_equal(u.pins[a].label, u.pins[b].label);
    /* the view hands them to the panels */
    live_view v;
    live_view_of(&u, &v);
    assert_int_equal(v.npins, LIVE_MAX_PINS);
    assert_ptr_equal(v.pins, u.pins);
    /* P: all gone, the snapshots released */
    assert_int_equal(live_do(&u, LIVE_UNPIN), 1);
    assert_int_equal(u.npins, 0);
    assert_null(u.pins[0].sn);
    assert_non_null(strstr(u.status, "removed 4 pins"));
    live_view_of(&u, &v);
    assert_int_equal(v.npins, 0);
    /* nothing to pin before a step */
    qnn_session *s0 = session(RUN, 2, 0);
    live_ui u0;
    live_ui_init(&u0, s0, "test", NULL);
    live_do(&u0, LIVE_PIN);
    assert_int_equal(u0.npins, 0);
    assert_non_null(strstr(u0.status, "nothing to pin yet"));
    qnn_session_free(s0);
    qnn_session_free(s);
}

/* o cycles the earlier segments dimmed → hidden → shown; w the window
 * 500 steps ↔ everything; u the pause at convergence. */
static void test_view_toggles(void **state)
{
    (void)state;
    qnn_session *s = session(RUN, 2, 1);
    live_ui u;
    live_ui_init(&u, s, "test", NULL);
    live_view v;
    live_view_of(&u, &v);
    assert_int_equal(v.old_segments, LIVE_OLD_DIM);
    assert_int_equal(v.window, 0);
    static const int cycle[] = {LIVE_OLD_HIDE, LIVE_OLD_SHOW, LIVE_OLD_DIM, LIVE_OLD_HIDE};
    for (int k = 0; k < 4; k++) {
        assert_int_equal(live_do(&u, LIVE_SEGMENTS), 1);
        live_view_of(&u, &v);
        assert_int_equal(v.old_segments, cycle[k]);
    }
    assert_non_null(strstr(u.status, "earlier segments hidden"));
    assert_int_equal(live_do(&u, LIVE_WINDOW), 1);
    live_view_of(&u, &v);
    assert_int_equal(v.window, LIVE_WINDOW_STEPS);
    assert_non_null(strstr(u.status, "the last 500 steps"));
    live_do(&u, LIVE_WINDOW);
    live_view_of(&u, &v);
    assert_int_equal(v.window, 0);
    assert_int_equal(live_do(&u, LIVE_CONVERGE_PAUSE), 1);
    assert_int_equal(u.pause_converged, 1);
    assert_non_null(strstr(u.status, "pauses when the run converges"));
    live_do(&u, LIVE_CONVERGE_PAUSE);
    assert_int_equal(u.pause_converged, 0);
    /* every new action has its row in the key table */
    static const char *const keys[] = {"p", "P", "o", "w", "u", "v", "V"};
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
        int found = 0;
        for (size_t i = 0; i < live_nkey_docs; i++)
            found |= !strcmp(live_key_docs[i].keys, keys[k]);
        if (!found)
            fail_msg("no row for key %s in live_key_docs", keys[k]);
    }
    qnn_session_free(s);
}

/* Key u reaches the session: with it on, the worker pauses when the run
 * converges; without it, the run goes on. */
static void test_converge_pause(void **state)
{
    (void)state;
    for (int on = 1; on >= 0; on--) {
        qnn_params p;
        params_of(RUN, &p);
        qnn_session_opts o;
        opts_of(2, &o);
        o.converge_rel = 0.5;       /* converged at half the start's error: soon */
        o.playing = 1;
        o.steps_per_frame = 5;
        char err[512];
        qnn_session *s = qnn_session_new(&p, &o, err, sizeof err);
        assert_non_null(s);
        live_ui u;
        live_ui_init(&u, s, "test", &p);
        if (on)
            live_do(&u, LIVE_CONVERGE_PAUSE);
        assert_int_equal(u.pause_converged, on);
        assert_int_equal(qnn_session_start(s, err, sizeof err), 0);
        long conv_step = -1, last = -1;
        int paused = 0;
        for (int k = 0; k < 3000; k++) {
            const qnn_snapshot *sn = qnn_session_acquire(s);
            if (sn->converged_step >= 0 && conv_step < 0)
                conv_step = sn->converged_step;
            paused = conv_step >= 0 && !sn->playing;
            last = sn->step;
            qnn_snapshot_release(sn);
            if (paused || (conv_step >= 0 && last > conv_step + 50))
                break;
            nap();
        }
        if (conv_step < 0)
            fail_msg("the run did not converge (step %ld)", last);
        if (on && !paused)
            fail_msg("u on: still playing at step %ld after converging at %ld", last, conv_step);
        if (!on && paused)
            fail_msg("u off: paused after converging at %ld", conv_step);
        qnn_session_free(s);
    }
}

/* The last error of a snapshot's ensemble mean, and its step. */
static double last_err(const qnn_snapshot *sn)
{
    return sn->nrec ? sn->err_mean[sn->nrec - 1] : NAN;
}

/* The share string carries the pins: written as version 2, read back,
 * replayed headless into pins equal to the originals (bit for bit: the
 * runs are deterministic); a state without pins stays version 1. */
static void test_share_pins(void **state)
{
    (void)state;
    qnn_params pre;
    params_of(RUN, &pre);
    qnn_session *s = session(RUN, 2, 8);
    live_ui u;
    live_ui_init(&u, s, "test", &pre);
    assert_int_equal(live_share(&u), 0);
    assert_non_null(strstr(u.share, "qnnlab:1:test,"));
    live_do(&u, LIVE_PIN);
    assert_int_equal(live_slider_set(&u, slider("eta"), 0.04), 0);
    assert_int_equal(qnn_session_advance(s, 6), 0);
    live_do(&u, LIVE_PIN);
    assert_int_equal(live_slider_set(&u, slider("L"), 24), 0);
    assert_int_equal(qnn_session_advance(s, 4), 0);
    assert_int_equal(u.npins, 2);
    assert_int_equal(live_share(&u), 0);
    assert_non_null(strstr(u.share, "qnnlab:2:test,"));
    char *p1 = strstr(u.share, ",pin,"), *p2 = p1 ? strstr(p1 + 1, ",pin,") : NULL;
    assert_non_null(p1);
    assert_non_null(p2);
    assert_null(strstr(p2 + 1, ",pin,"));
    char err[1024];
    qnn_share sh;
    assert_int_equal(qnn_share_decode(u.share, &sh, err, sizeof err), QNN_OK);
    assert_int_equal(sh.npins, 2);
    assert_int_equal(sh.pins[0].step, 8);
    assert_int_equal(sh.pins[1].step, 14);
    assert_int_equal(sh.step, 18);

    /* restore into a fresh face state: the main run replays as the app
     * does it, the pins are rebuilt headless */
    qnn_params p = pre;
    assert_int_equal(qnn_share_apply_overrides(&sh, &p, err, sizeof err), QNN_OK);
    qnn_session_opts o;
    opts_of(2, &o);
    qnn_session *t = qnn_session_new(&p, &o, err, sizeof err);
    assert_non_null(t);
    assert_int_equal(qnn_session_replay(t, sh.log, sh.nlog, sh.step, err, sizeof err), QNN_OK);
    assert_int_equal(qnn_session_advance(t, sh.step), 0);
    live_ui w;
    live_ui_init(&w, t, sh.preset, &pre);
    if (live_pins_restore(&w, &sh, &o, err, sizeof err) != 0)
        fail_msg("%s", err);
    assert_int_equal(w.npins, 2);
    for (int k = 0; k < 2; k++) {
        assert_int_equal(w.pins[k].sn->step, u.pins[k].sn->step);
        assert_int_equal(w.pins[k].sn->nrec, u.pins[k].sn->nrec);
        assert_true(last_err(w.pins[k].sn) == last_err(u.pins[k].sn));
        assert_true(w.pins[k].sn->params.eta == u.pins[k].sn->params.eta);
        assert_int_equal(w.pins[k].sn->params.L, u.pins[k].sn->params.L);
        assert_string_equal(w.pins[k].label, u.pins[k].label);
    }
    const qnn_snapshot *a = qnn_session_acquire(s), *b = qnn_session_acquire(t);
    assert_true(last_err(a) == last_err(b));
    qnn_snapshot_release(a);
    qnn_snapshot_release(b);
    /* and the restored state writes the same string */
    assert_int_equal(live_share(&w), 0);
    assert_string_equal(w.share, u.share);
    qnn_share_free(&sh);

    /* export (E) writes it, pins included, into state.json, which
     * --state reads back */
    char root[] = "/tmp/qnn_controls_exp_XXXXXX";
    assert_non_null(mkdtemp(root));
    snprintf(u.export_root, sizeof u.export_root, "%s", root);
    const qnn_snapshot *now = qnn_session_acquire(s);
    assert_int_equal(live_export(&u, now, 0, 0, 1.0), 0);
    qnn_snapshot_release(now);
    char sj[1200], *back = NULL;
    snprintf(sj, sizeof sj, "%s/state.json", u.last_export);
    if (live_state_read(sj, &back, err, sizeof err) != 0)
        fail_msg("%s", err);
    assert_string_equal(back, u.share);
    assert_int_equal(qnn_share_decode(back, &sh, err, sizeof err), QNN_OK);
    assert_int_equal(sh.npins, 2);
    qnn_share_free(&sh);
    free(back);
    char cmd[1300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    assert_int_equal(system(cmd), 0);

    /* a pin whose value the engine refuses: one line naming the pin */
    char bad[512];
    snprintf(bad, sizeof bad, "qnnlab:2:test,@3,pin,L=0,@2");
    assert_int_equal(qnn_share_decode(bad, &sh, err, sizeof err), QNN_OK);
    live_ui x;
    live_ui_init(&x, t, "test", &pre);
    assert_int_equal(live_pins_restore(&x, &sh, &o, err, sizeof err), -1);
    assert_non_null(strstr(err, "pin 1"));
    assert_non_null(strstr(err, "'L'"));
    assert_null(strchr(err, '\n'));
    assert_int_equal(x.npins, 0);
    qnn_share_free(&sh);

    live_pins_free(&w);
    live_pins_free(&u);
    qnn_session_free(t);
    qnn_session_free(s);
}

/* While a shared state replays (busy, target_step >= 0) the sliders show
 * the values of the step reached, not those the replay will end with;
 * when it is done they show the requested ones. */
static void test_replay_sliders(void **state)
{
    (void)state;
    qnn_params p;
    params_of(RUN, &p);
    qnn_session_opts o;
    opts_of(2, &o);
    char err[512];
    qnn_session *s = qnn_session_new(&p, &o, err, sizeof err);
    assert_non_null(s);
    /* the change comes late: the replay runs well before it */
    const qnn_change log[] = { { 90000000, "eta", "0.05" } };
    assert_int_equal(qnn_session_replay(s, log, 1, 90000001, err, sizeof err), QNN_OK);
    live_ui u;
    live_ui_init(&u, s, "test", &p);
    const int eta = slider("eta");
    qnn_params req;
    qnn_session_requested(s, &req);
    assert_true(req.eta == 0.05);
    assert_int_equal(qnn_session_start(s, err, sizeof err), 0);
    int seen = 0;
    for (int k = 0; k < 3000 && !seen; k++) {
        const qnn_snapshot *sn = qnn_session_acquire(s);
        if (sn->busy && sn->target_step >= 0 && sn->step > 0) {
            seen = 1;
            assert_true(sn->params.eta == 0.02);
            /* the slider shows where the replay is */
            assert_true(live_slider_value(&u, eta, &req) == 0.02);
        }
        qnn_snapshot_release(sn);
        if (!seen)
            nap();
    }
    assert_true(seen);
    qnn_session_free(s);
    /* no replay: the requested value */
    qnn_session *t = session(RUN, 2, 1);
    live_ui w;
    live_ui_init(&w, t, "test", &p);
    assert_int_equal(live_slider_set(&w, eta, 0.03), 0);
    qnn_session_requested(t, &req);
    assert_true(live_slider_value(&w, eta, &req) == 0.03);
    qnn_session_free(t);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* --state FILE: a state.json written by export gives its share string
 * (pins included); a missing, unreadable, malformed or non-regular file
 * is one line naming it. */
static void test_state_file(void **state)
{
    (void)state;
    char dir[] = "/tmp/qnn_controls_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256], err[1024];
    char *share = NULL;
    /* a share string is taken as it is */
    assert_int_equal(live_state_read("qnnlab:1:default,@5", &share, err, sizeof err), 0);
    assert_string_equal(share, "qnnlab:1:default,@5");
    free(share);
    /* a state.json (as export writes it: numbers as numbers) */
    snprintf(path, sizeof path, "%s/state.json", dir);
    write_file(path, "{\"preset\": \"default\", \"step\": 18, \"params\": {\"eta\": 0.02},\n"
                     " \"share\": \"qnnlab:2:default,@18,pin,eta=0.05,@4\"}\n");
    assert_int_equal(live_state_read(path, &share, err, sizeof err), 0);
    assert_string_equal(share, "qnnlab:2:default,@18,pin,eta=0.05,@4");
    qnn_share sh;
    assert_int_equal(qnn_share_decode(share, &sh, err, sizeof err), QNN_OK);
    assert_int_equal(sh.npins, 1);
    assert_string_equal(sh.pins[0].over[0].key, "eta");
    qnn_share_free(&sh);
    free(share);
    /* refusals: one line naming the file */
    struct { const char *text, *want; } bad[] = {
        {"{\"share\": 3}", "has no share string (member \"share\" not a string)"},
        {"{\"params\": {}}", "has no share string (member \"share\" missing)"},
        {"{\"share\": \"\"}", "has no share string (member \"share\" empty)"},
        {"{\"share\": \"qnnlab:1:default,@5\"", "is not JSON"},
        {"[1, 2]", "has no share string"},
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        write_file(path, bad[k].text);
        share = NULL;
        assert_int_equal(live_state_read(path, &share, err, sizeof err), -1);
        assert_null(share);
        if (!strstr(err, bad[k].want) || !strstr(err, path) || strchr(err, '\n'))
            fail_msg("case %zu: %s", k, err);
    }
    snprintf(path, sizeof path, "%s/missing.json", dir);
    assert_int_equal(live_state_read(path, &share, err, sizeof err), -1);
    assert_non_null(strstr(err, "cannot be read: No such file"));
    assert_non_null(strstr(err, "missing.json"));
    /* a directory (and so a FIFO) is never opened */
    assert_int_equal(live_state_read(dir, &share, err, sizeof err), -1);
    assert_non_null(strstr(err, "is a directory, not a regular file"));
    char fifo[256];
    snprintf(fifo, sizeof fifo, "%s/fifo", dir);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    assert_int_equal(live_state_read(fifo, &share, err, sizeof err), -1);
    assert_non_null(strstr(err, "is a FIFO"));
    unlink(fifo);
    snprintf(path, sizeof path, "%s/state.json", dir);
    unlink(path);
    rmdir(dir);
}

/* The help texts as the code computes them: hessian_budget is no
 * subscript, the proxy is |1 + a|^τ with a = −ηλ (not (1 + a)^{2t}), the
 * status line's equations and R are explained; nothing is cut. */
static void test_help_texts(void **state)
{
    (void)state;
    live_help h;
    if (live_help_load(&h) != 0)
        fail_msg("%s", h.error);
    const char *hess = h.text[3], *ctl = h.text[LIVE_NPANELS];
    assert_non_null(strstr(hess, "hessian\\_budget"));
    assert_null(strstr(hess, " hessian_budget"));
    assert_non_null(strstr(hess, "proxy(τ) = Σ_{c} w_{c}|1 + a_{c}|^{τ}/N_{c}"));
    assert_non_null(strstr(hess, "a_{c} = −ηλ_{c}"));
    assert_null(strstr(hess, "^{2t}"));
    assert_non_null(strstr(ctl, "LIU23 Eq. 16's ΔK/K̄ = √((2 + 3 tr O^{4}/tr^{2}O^{2})/L)"));
    assert_non_null(strstr(ctl, "dQNTK ratio 2√2 η|ε(0)|γ√(tr O^{2})/D"));
    assert_non_null(strstr(ctl, "R in the papers"));
    for (int k = 0; k <= LIVE_NPANELS; k++) {
        /* a text that filled its buffer was cut */
        assert_true(strlen(h.text[k]) < sizeof h.text[k] - 1);
        assert_true(strlen(h.text[k]) > 100);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_model_cycle),
        cmocka_unit_test(test_whole_numbers),
        cmocka_unit_test(test_pins),
        cmocka_unit_test(test_view_toggles),
        cmocka_unit_test(test_converge_pause),
        cmocka_unit_test(test_share_pins),
        cmocka_unit_test(test_state_file),
        cmocka_unit_test(test_replay_sliders),
        cmocka_unit_test(test_help_texts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
