/* The terminal face's screen composed from a real session (tui_compose,
 * no terminal): the header's replay progress and convergence, the share
 * screen that shows a long share string whole, the panel titles at 120
 * columns, and a pin's ghost entry in the legends (issue 23). */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui.h"

static qnn_session *session(const char *const *kv)
{
    qnn_params p;
    qnn_params_default(&p);
    char err[512];
    for (int i = 0; kv && kv[i]; i += 2)
        if (qnn_params_set(&p, kv[i], kv[i + 1], err, sizeof err) != 0)
            fail_msg("%s", err);
    qnn_session_opts o;
    qnn_session_opts_default(&o);
    o.instances = 3;
    o.playing = 0;
    qnn_session *s = qnn_session_new(&p, &o, err, sizeof err);
    if (!s)
        fail_msg("%s", err);
    assert_int_equal(qnn_session_advance(s, 5), 0);
    return s;
}

/* The screen as text (rows joined by '\n'), malloc'd. */
static char *compose(live_ui *u, tui_view *v, const qnn_snapshot *sn, int W, int H, tg_grid *g)
{
    tui_layout L;
    tui_tour_prepare(v, u, W);
    tui_layout_compute(&L, W, H, v);
    qnn_params req;
    qnn_session_requested(u->s, &req);
    assert_int_equal(tg_init(g, W, H, v->cs), 0);
    assert_int_equal(tui_compose(g, &L, u, v, sn, &req), 0);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    tg_dump(g, f);
    fclose(f);
    if (getenv("SHOW"))
        fputs(buf, stdout);
    return buf;
}

/* Row y of the dumped screen, into out. */
static const char *line(const char *t, int y, char *out, size_t cap)
{
    for (int i = 0; i < y && t; i++) {
        t = strchr(t, '\n');
        if (t)
            t++;
    }
    out[0] = 0;
    if (!t)
        return out;
    const char *e = strchr(t, '\n');
    size_t n = e ? (size_t)(e - t) : strlen(t);
    snprintf(out, cap, "%.*s", (int)n, t);
    return out;
}

static void test_header_replay_converged(void **state)
{
    (void)state;
    qnn_session *s = session(NULL);
    live_ui u;
    live_ui_init(&u, s, "default", NULL);
    const qnn_snapshot *sn = qnn_session_acquire(s);
    qnn_snapshot c = *sn;   /* the arrays shared: only the header's fields change */
    c.busy = 1;
    c.target_step = 1500;
    c.step = 800;
    c.converged_step = -1;
    char row0[2048];
    for (int W = 80; W <= 120; W += 40) {
        tui_view v;
        memset(&v, 0, sizeof v);
        v.cs = TG_UTF8;
        tg_grid g;
        char *t = compose(&u, &v, &c, W, W == 80 ? 24 : 40, &g);
        line(t, 0, row0, sizeof row0);
        if (!strstr(row0, "replaying 800/1500 ▕██████░░░░░░▏"))
            fail_msg("%d columns: no replay progress in the header: \"%s\"", W, row0);
        assert_non_null(strstr(row0, "4 Hessian"));  /* the tabs stay */
        free(t);
        tg_free(&g);
    }
    /* done replaying, converged */
    c.busy = 0;
    c.target_step = -1;
    c.converged_step = 412;
    tui_view v;
    memset(&v, 0, sizeof v);
    v.cs = TG_ASCII;
    tg_grid g;
    char *t = compose(&u, &v, &c, 120, 40, &g);
    line(t, 0, row0, sizeof row0);
    if (!strstr(row0, "converged at step 412") || strstr(row0, "replaying"))
        fail_msg("no convergence in the header: \"%s\"", row0);
    assert_non_null(strstr(row0, "qnnlab * default * random * converged"));   /* room for the names too */
    free(t);
    tg_free(&g);
    /* ASCII: the bar in brackets */
    c.busy = 1;
    c.target_step = 100;
    c.step = 100;
    c.converged_step = -1;
    t = compose(&u, &v, &c, 80, 24, &g);
    line(t, 0, row0, sizeof row0);
    if (!strstr(row0, "replaying 100/100 [############]"))
        fail_msg("ASCII replay bar: \"%s\"", row0);
    free(t);
    tg_free(&g);
    qnn_snapshot_release(sn);
    qnn_session_free(s);
}

static void test_share_screen(void **state)
{
    (void)state;
    qnn_session *s = session(NULL);
    live_ui u;
    live_ui_init(&u, s, "default", NULL);
    const qnn_snapshot *sn = qnn_session_acquire(s);
    /* a long string: 700 characters, then 3000 (taller than 80 x 24) */
    for (int n = 700; n <= 3000; n += 2300) {
        size_t o = (size_t)snprintf(u.share, sizeof u.share, "qnnlab:2:default,instances=16");
        for (int k = 0; o < (size_t)n; k++)
            o += (size_t)snprintf(u.share + o, sizeof u.share - o, ",@%d:eta=0.00%d", 10 * k, k % 10);
        u.share[n] = 0;
        tui_view v;
        memset(&v, 0, sizeof v);
        v.cs = TG_UTF8;
        v.share = 1;
        char got[8192] = "", r[2048];
        size_t gl = 0;
        int last = 0;
        for (int pass = 0; pass < 2 && !last; pass++) {
            tg_grid g;
            char *t = compose(&u, &v, sn, 80, 24, &g);
            /* the rows from the one that starts the string (or the first
             * after the text above it, when scrolled) to the footer */
            int y = 0;
            while (y < 24 && strncmp(line(t, y, r, sizeof r), pass ? "" : "qnnlab:", pass ? 0 : 7) != 0)
                y++;
            if (pass) {
                /* scrolled to the end: the rows between the text and the footer */
                y = 0;
                while (y < 24 && line(t, y, r, sizeof r)[0])
                    y++;
                y++;
            }
            for (; y < 23; y++) {
                line(t, y, r, sizeof r);
                if (!r[0])
                    break;
                if (!pass || !strstr(got, r)) {
                    memcpy(got + gl, r, strlen(r));
                    gl += strlen(r);
                    got[gl] = 0;
                }
            }
            line(t, 23, r, sizeof r);
            char want[64];
            snprintf(want, sizeof want, " %d characters", n);
            assert_non_null(strstr(r, want));
            last = strstr(r, "rows") == NULL;
            free(t);
            tg_free(&g);
            if (pass == 0)
                v.share_scroll = 1 << 20;   /* clamped by the next compose: the end */
        }
        if (n == 700) {
            assert_int_equal(gl, 700);
            assert_string_equal(got, u.share);
        } else {
            /* the first page and the last: its beginning and its end */
            assert_int_equal(strncmp(got, u.share, 80 * 17), 0);
            assert_non_null(strstr(got, u.share + n - 40));
            assert_true(v.share_scroll > 0 && v.share_scroll < 1 << 20);
        }
    }
    qnn_snapshot_release(sn);
    qnn_session_free(s);
}

static void test_titles_and_pins_at_120(void **state)
{
    (void)state;
    const char *kv[] = {"task", "supervised", "n", "6", "m", "4", "inputs", "basis", "labels", "pm1", NULL};
    qnn_session *s = session(kv);
    live_ui u;
    live_ui_init(&u, s, "default", NULL);
    const qnn_snapshot *sn = qnn_session_acquire(s);
    tui_view v;
    memset(&v, 0, sizeof v);
    v.cs = TG_UTF8;
    tg_grid g;
    char *t = compose(&u, &v, sn, 120, 40, &g);
    assert_non_null(strstr(t, "kernel eigenvalues now"));
    assert_non_null(strstr(t, "smallest kernel eigenvalue λ_min(t)"));
    assert_non_null(strstr(t, "entanglement entropy of the visible qubits"));
    char r[2048];
    line(t, 1, r, sizeof r);
    if (strstr(r, "…"))
        fail_msg("a title cut at 120 columns: \"%s\"", r);
    free(t);
    tg_free(&g);
    /* p: a ghost, its dotted sample in the legends */
    assert_int_equal(live_do(&u, LIVE_PIN), 1);
    assert_int_equal(u.npins, 1);
    assert_int_equal(qnn_session_advance(s, 3), 0);
    qnn_snapshot_release(sn);
    sn = qnn_session_acquire(s);
    t = compose(&u, &v, sn, 120, 40, &g);
    assert_non_null(strstr(t, "┈┈ "));
    free(t);
    tg_free(&g);
    live_do(&u, LIVE_UNPIN);
    t = compose(&u, &v, sn, 120, 40, &g);
    assert_null(strstr(t, "┈┈ "));
    free(t);
    tg_free(&g);
    qnn_snapshot_release(sn);
    qnn_session_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_header_replay_converged),
        cmocka_unit_test(test_share_screen),
        cmocka_unit_test(test_titles_and_pins_at_120),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
