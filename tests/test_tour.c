/* The guided tour (assets/tour.ini, ui/live/tour.c, app/tour.c): the
 * loader on a good file and on every kind of malformed one (each refused
 * with one line naming the file, the line, the key and what is allowed);
 * the shipped tour (every step's preset and set lines open a live
 * session); going from step to step in a running session; the tour box in
 * the terminal face at 80 x 24 (UTF-8 and ASCII: nothing cut) and at
 * 120 x 40, and in the window (drawn, inside its column). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "live.h"
#include "preset.h"
#include "tour.h"
#include "tui.h"

#ifndef QNN_TOUR_ASSETS
#define QNN_TOUR_ASSETS "assets"
#endif

static live_tour tour;

static int parse(const char *text, char *err, size_t errlen)
{
    memset(&tour, 0, sizeof tour);
    int rc = live_tour_parse(&tour, text, strlen(text), "t.ini", err, errlen);
    if (getenv("TOUR_DEBUG"))
        fprintf(stderr, "parse: %d %s\n", rc, rc ? err : "");
    return rc;
}

static void good_file(void **state)
{
    (void)state;
    static const char text[] =
        "; a comment\n"
        "[step]\n"
        "title = First\n"
        "preset = default\n"
        "set = L=16\n"
        "set = eta = 0.004\n"
        "  n_h=1\n"
        "slider = L\n"
        "panel = kernel\n"
        "text = one two\n"
        "  three\n"
        "  .\n"
        "  second paragraph\n"
        "formula = K = Σ_{l} x^{2}\n"
        "try = press\n"
        "  PgUp\n"
        "\n"
        "[ step ]\n"
        "title = Second\n"
        "preset = hessian-live\n"
        "text = t\n"
        "try = r\n";
    char err[1024];
    assert_int_equal(parse(text, err, sizeof err), 0);
    assert_int_equal(tour.nsteps, 2);
    const live_tour_step *a = &tour.step[0], *b = &tour.step[1];
    assert_string_equal(a->title, "First");
    assert_string_equal(a->preset, "default");
    assert_int_equal(a->nset, 3);
    assert_string_equal(a->set[0], "L=16");
    assert_string_equal(a->set[1], "eta=0.004");
    assert_string_equal(a->set[2], "n_h=1");
    assert_int_equal(a->set_line[1], 6);
    assert_string_equal(live_sliders[a->slider].key, "L");
    assert_int_equal(a->panel, 1);
    assert_string_equal(a->text, "one two three\nsecond paragraph");
    assert_string_equal(a->formula, "K = Σ_{l} x^{2}");
    assert_string_equal(a->try_, "press PgUp");
    assert_int_equal(a->line, 2);
    assert_int_equal(b->line, 18);
    assert_int_equal(b->slider, -1);
    assert_int_equal(b->panel, 0);
    assert_int_equal(b->nset, 0);
}

/* Each malformed file is refused with a message holding these words. */
static void malformed(void **state)
{
    (void)state;
    static const struct { const char *text, *want[4]; } cases[] = {
        {"", {"t.ini", "no [step]", "allowed", NULL}},
        {"; only a comment\n", {"t.ini", "no [step]", "allowed", NULL}},
        {"[step]\ntitle = a\npreset = default\ntext = x\ntry = y\nfoo = bar\n", {"line 6", "'foo'", "'bar'", "allowed"}},
        {"[step]\ntitle = a\ntext = x\ntry = y\n", {"line 1", "'preset'", "allowed", NULL}},
        {"[step]\ntitle = a\npreset = default\ntext = x\n", {"line 1", "'try'", "allowed", NULL}},
        {"[step]\ntitle = a\npreset = default\nset = L\ntext = x\ntry = y\n", {"line 4", "'set'", "'L'", "allowed"}},
        {"[step]\ntitle = a\npreset = default\nset = nosuchkey=3\ntext = x\ntry = y\n", {"line 4", "'set'", "nosuchkey", "allowed"}},
        {"[step]\ntitle = a\npreset = default\nset = L=-4\ntext = x\ntry = y\n", {"line 4", "'set'", "L=-4", "allowed"}},
        {"[step]\ntitle = a\npreset = default\nslider = zeta\ntext = x\ntry = y\n", {"line 4", "'slider'", "'zeta'", "allowed"}},
        {"[step]\ntitle = a\npreset = default\npanel = graph\ntext = x\ntry = y\n", {"line 4", "'panel'", "'graph'", "allowed"}},
        {"[step]\ntitle = a\ntitle = b\n", {"line 3", "'title'", "allowed", NULL}},
        {"[step]\ntitle = a\npreset = default\npreset = hessian-live\n", {"line 4", "'preset'", "allowed", NULL}},
        {"[tour]\ntitle = a\n", {"line 1", "[tour]", "allowed", NULL}},
        {"title = a\n[step]\n", {"line 1", "'title'", "allowed", NULL}},
        {"[step]\ntitle = a\nthis line has no equals sign\n", {"line 3", "allowed", NULL, NULL}},
        {"[step]\npreset = two words\n", {"line 2", "'preset'", "allowed", NULL}},
    };
    char err[1024];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        if (parse(cases[i].text, err, sizeof err) == 0)
            fail_msg("case %zu was accepted", i);
        for (int k = 0; k < 4 && cases[i].want[k]; k++)
            if (!strstr(err, cases[i].want[k]))
                fail_msg("case %zu: '%s' is not in the message: %s", i, cases[i].want[k], err);
        assert_non_null(strstr(err, "tour file 't.ini'"));
    }
    /* a line longer than inih's limit */
    char lng[600];
    snprintf(lng, sizeof lng, "[step]\ntitle = %0300d\n", 7);
    assert_int_equal(parse(lng, err, sizeof err), -1);
    assert_non_null(strstr(err, "line 2"));
    assert_non_null(strstr(err, "allowed"));
    /* too many steps */
    char *many = malloc(64 * (LIVE_TOUR_MAX_STEPS + 2));
    many[0] = 0;
    for (int k = 0; k <= LIVE_TOUR_MAX_STEPS; k++)
        strcat(many, "[step]\ntitle=a\npreset=default\ntext=x\ntry=y\n");
    assert_int_equal(parse(many, err, sizeof err), -1);
    assert_non_null(strstr(err, "allowed"));
    free(many);
}

static qnn_tour_ctx ctx;

static void setup_ctx(void)
{
    ctx = (qnn_tour_ctx){&tour, NULL, 0, 2, 0, NULL};
    tour.open = qnn_tour_open;
    tour.ctx = &ctx;
}

/* A preset the app does not know, and set lines the preset refuses: the
 * check before any face opens says so, with the line. */
static void bad_presets(void **state)
{
    (void)state;
    char err[1024];
    assert_int_equal(parse("[step]\ntitle = a\npreset = default\ntext = x\ntry = y\n"
                           "[step]\ntitle = b\npreset = no-such-preset\ntext = x\ntry = y\n", err, sizeof err), 0);
    setup_ctx();
    assert_int_equal(qnn_tour_check(&ctx, err, sizeof err), -1);
    assert_non_null(strstr(err, "line 8"));
    assert_non_null(strstr(err, "'preset'"));
    assert_non_null(strstr(err, "no-such-preset"));
    assert_non_null(strstr(err, "allowed"));
    /* a model the live view cannot run */
    assert_int_equal(parse("[step]\ntitle = a\npreset = liu24-fig4a\ntext = x\ntry = y\n", err, sizeof err), 0);
    setup_ctx();
    assert_int_equal(qnn_tour_check(&ctx, err, sizeof err), -1);
    assert_non_null(strstr(err, "liu24-fig4a"));
    assert_non_null(strstr(err, "allowed"));
    /* a combination the memory cannot hold */
    assert_int_equal(parse("[step]\ntitle = a\npreset = default\nset = n=14\nset = L=1024\ntext = x\ntry = y\n", err, sizeof err), 0);
    setup_ctx();
    ctx.mem_limit = (size_t)64 << 20;
    assert_int_equal(qnn_tour_check(&ctx, err, sizeof err), -1);
    assert_non_null(strstr(err, "allowed"));
    /* the user's --set applies to every step */
    assert_int_equal(parse("[step]\ntitle = a\npreset = default\ntext = x\ntry = y\n", err, sizeof err), 0);
    setup_ctx();
    static const char *const over[] = {"seed=oops"};
    ctx.over = over;
    ctx.nover = 1;
    assert_int_equal(qnn_tour_check(&ctx, err, sizeof err), -1);
    assert_non_null(strstr(err, "--set seed=oops"));
}

static void load_shipped(void)
{
    char err[1024];
    memset(&tour, 0, sizeof tour);
    if (live_tour_load(&tour, QNN_TOUR_ASSETS "/tour.ini", err, sizeof err) != 0)
        fail_msg("%s", err);
    setup_ctx();
}

/* The shipped tour: 7 to 10 steps, every one opens, and has a formula and
 * a slider or says that none is needed. */
static void shipped(void **state)
{
    (void)state;
    char err[1024];
    load_shipped();
    assert_in_range(tour.nsteps, 7, 10);
    if (qnn_tour_check(&ctx, err, sizeof err) != 0)
        fail_msg("%s", err);
    for (int k = 0; k < tour.nsteps; k++) {
        const live_tour_step *st = &tour.step[k];
        if (!st->formula[0])
            fail_msg("step %d has no formula", k + 1);
        if (st->slider < 0 && !strstr(st->try_, "No slider"))
            fail_msg("step %d names no slider", k + 1);
    }
    /* $QNNLAB_ASSETS is where the default file is read */
    setenv("QNNLAB_ASSETS", QNN_TOUR_ASSETS, 1);
    memset(&tour, 0, sizeof tour);
    assert_int_equal(live_tour_load(&tour, NULL, err, sizeof err), 0);
    setenv("QNNLAB_ASSETS", "/nonexistent-qnnlab-assets", 1);
    assert_int_equal(live_tour_load(&tour, NULL, err, sizeof err), -1);
    assert_non_null(strstr(err, "/nonexistent-qnnlab-assets/tour.ini"));
    assert_non_null(strstr(err, "allowed"));
    unsetenv("QNNLAB_ASSETS");
}

/* Next and back in a live session: the session, the preset, the focused
 * slider change; the ends are refused and nothing changes. */
static void navigate(void **state)
{
    (void)state;
    char err[1024], name[256];
    load_shipped();
    qnn_params pre;
    qnn_session *s = qnn_tour_open(&ctx, 0, &pre, name, sizeof name, err, sizeof err);
    assert_non_null(s);
    static live_ui u;
    live_ui_init(&u, s, name, &pre);
    u.tour = &tour;
    assert_int_equal(qnn_session_start(s, err, sizeof err), 0);
    assert_int_equal(live_do(&u, LIVE_TOUR_PREV), 1);
    assert_ptr_equal(u.s, s);
    assert_int_equal(tour.cur, 0);
    live_do(&u, LIVE_TOUR_NEXT);
    assert_ptr_not_equal(u.s, s);
    assert_int_equal(tour.cur, 1);
    assert_int_equal(u.focus, tour.step[1].slider);
    assert_non_null(strstr(u.status, "tour step 2/"));
    /* step 3 loads another preset */
    live_do(&u, LIVE_TOUR_NEXT);
    assert_string_equal(u.preset, tour.step[2].preset);
    qnn_params req;
    qnn_session_requested(u.s, &req);
    assert_true(req.sigma_theta > 0);
    live_do(&u, LIVE_TOUR_TOGGLE);
    assert_int_equal(tour.shown, 0);
    live_do(&u, LIVE_TOUR_TOGGLE);
    assert_int_equal(tour.shown, 1);
    /* a slider still works */
    u.focus = 1;
    assert_int_equal(live_slider_set(&u, 1, 0.01), 0);
    qnn_session_requested(u.s, &req);
    assert_true(req.eta == 0.01);
    /* to the last step and past it */
    while (tour.cur < tour.nsteps - 1) {
        int before = tour.cur;
        live_do(&u, LIVE_TOUR_NEXT);
        assert_int_equal(tour.cur, before + 1);
    }
    qnn_session *last = u.s;
    live_do(&u, LIVE_TOUR_NEXT);
    assert_ptr_equal(u.s, last);
    assert_non_null(strstr(u.status, "last step"));
    qnn_session_free(u.s);
}

/* No step sets a slider outside its track (step 9 once showed m = 150 on
 * a 1 .. 64 slider); a step of another tour that does is told on the
 * status line with the value and the track. */
static void slider_ranges(void **state)
{
    (void)state;
    char err[1024], name[256];
    load_shipped();
    for (int k = 0; k < tour.nsteps; k++) {
        qnn_params pre, p;
        if (qnn_tour_params(&ctx, k, &pre, &p, name, sizeof name, err, sizeof err) != 0)
            fail_msg("%s", err);
        for (int i = 0; i < LIVE_NSLIDERS; i++) {
            const live_slider_def *d = &live_sliders[i];
            if (!strcmp(d->key, "spf") || !live_slider_applies(i, &p))
                continue;
            const double v = live_slider_value(NULL, i, &p);
            /* batch 0 (the full training set) reads as such at the left end */
            if (v == 0 && !strcmp(live_slider_key(i, &p), "batch")) {
                char t[64];
                live_slider_text(i, v, &p, t, sizeof t);
                assert_string_equal(t, "0 (all rows)");
                continue;
            }
            if (v < d->lo || v > d->hi)
                fail_msg("tour step %d (%s): %s = %g outside its slider %g .. %g", k + 1, tour.step[k].title,
                         live_slider_key(i, &p), v, d->lo, d->hi);
        }
    }
    assert_int_equal(parse("[step]\ntitle = a\npreset = default\nset = n=3\ntext = x\ntry = y\n"
                           "[step]\ntitle = b\npreset = default\nset = n=3\nset = L=2000\ntext = x\ntry = y\n", err, sizeof err), 0);
    setup_ctx();
    qnn_params pre;
    qnn_session *s = qnn_tour_open(&ctx, 0, &pre, name, sizeof name, err, sizeof err);
    assert_non_null(s);
    static live_ui u;
    live_ui_init(&u, s, name, &pre);
    u.tour = &tour;
    assert_int_equal(live_tour_go(&u, 1), 0);
    assert_non_null(strstr(u.status, "tour step 2/2"));
    assert_non_null(strstr(u.status, "; L = 2000 lies beyond its slider (1 .. 1024): Enter types a value"));
    assert_int_equal(live_tour_go(&u, 0), 0);
    assert_null(strstr(u.status, "beyond"));
    qnn_session_free(u.s);
}

/* Formulas as the code computes them: Page's value with m = min and
 * n = max of D_v and D_h (the step starts at D_h = 2 < D_v = 4), the
 * LIU24 proxy as |1 + a|^τ with a = −ηλ. */
static void formulas(void **state)
{
    (void)state;
    load_shipped();
    int page = 0, proxy = 0;
    for (int k = 0; k < tour.nsteps; k++) {
        const char *f = tour.step[k].formula;
        if (strstr(f, "⟨S⟩")) {
            page = 1;
            assert_non_null(strstr(f, "Σ_{k=n+1}^{mn} 1/k − (m − 1)/(2n)"));
            assert_non_null(strstr(f, "m = min(D_{v},D_{h}), n = max(D_{v},D_{h})"));
        }
        if (strstr(f, "proxy")) {
            proxy = 1;
            assert_non_null(strstr(f, "|1 + a_{c}|^{τ}"));
            assert_non_null(strstr(f, "a_{c} = −ηλ_{c}"));
            assert_null(strstr(f, "2t"));
        }
    }
    assert_true(page && proxy);
}

/* The presets about the Hessian open with the Hessian panel on in the
 * explorer (their hessian key survives the live view's adjustments). */
static void hessian_presets(void **state)
{
    (void)state;
    static const char *const names[] = {"hessian-live", "liu24-fig2-mlp"};
    char err[1024];
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
        static qnn_preset ps;
        qnn_params p;
        if (qnn_preset_load(names[k], &ps, err, sizeof err) != 0 || qnn_preset_finalise(&ps, err, sizeof err) != 0 ||
            qnn_preset_point(&ps, 0, &p, NULL, err, sizeof err) != 0)
            fail_msg("%s: %s", names[k], err);
        qnn_session_opts o;
        qnn_live_session_opts(&p, 1, 0, NULL, &o);
        o.playing = 0;
        qnn_session *s = qnn_session_new(&p, &o, err, sizeof err);
        if (!s)
            fail_msg("%s: %s", names[k], err);
        assert_int_equal(qnn_session_advance(s, 1), 0);
        const qnn_snapshot *sn = qnn_session_acquire(s);
        if (!sn->hessian_on || !sn->hist_now.valid)
            fail_msg("%s opens with the Hessian off", names[k]);
        qnn_snapshot_release(sn);
        qnn_session_free(s);
    }
}

/* The text of the box, row by row. */
static int rows_with(const tg_grid *g, int y0, int y1, const char *needle)
{
    int n = 0;
    char row[4096];
    for (int y = y0; y < y1; y++) {
        size_t o = 0;
        for (int x = 0; x < g->w && o + 8 < sizeof row; x++) {
            const char *c = g->c[(size_t)y * g->w + x].ch;
            size_t l = strlen(c);
            memcpy(row + o, l ? c : " ", l ? l : 1);
            o += l ? l : 1;
        }
        row[o] = 0;
        n += strstr(row, needle) != NULL;
    }
    return n;
}

/* Every step in the terminal: at 80 x 24 in both character sets the box
 * takes the panel's place and nothing is cut; in brief it leaves room for
 * a panel; at 120 x 40 it sits below the step's panel. */
static void terminal_box(void **state)
{
    (void)state;
    char err[1024], name[256];
    load_shipped();
    qnn_params pre;
    qnn_session *s = qnn_tour_open(&ctx, 0, &pre, name, sizeof name, err, sizeof err);
    assert_non_null(s);
    assert_int_equal(qnn_session_advance(s, 2), 0);
    static live_ui u;
    live_ui_init(&u, s, name, &pre);
    u.tour = &tour;
    const qnn_snapshot *sn = qnn_session_acquire(s);
    qnn_params req;
    qnn_session_requested(s, &req);
    static const int sizes[][2] = {{80, 24}, {120, 40}};
    for (int k = 0; k < tour.nsteps; k++) {
        tour.cur = k;
        for (int cs = 0; cs < 2; cs++)
            for (int z = 0; z < 2; z++) {
                const int W = sizes[z][0], H = sizes[z][1];
                tg_grid g;
                assert_int_equal(tg_init(&g, W, H, cs ? TG_ASCII : TG_UTF8), 0);
                tui_view v;
                memset(&v, 0, sizeof v);
                v.cs = g.cs;
                v.tab = tour.step[k].panel;
                tui_tour_prepare(&v, &u, W);
                tui_layout L;
                tui_layout_compute(&L, W, H, &v);
                assert_true(L.tour_h > 0);
                if (z == 0)
                    assert_int_equal(L.tour_mode, TUI_TOUR_PAGE);
                else
                    assert_int_equal(L.tour_mode, TUI_TOUR_BAND);
                if (v.tour_full > L.tour_h)
                    fail_msg("step %d at %dx%d (%s): the box needs %d rows, has %d", k + 1, W, H, cs ? "ASCII" : "UTF-8",
                             v.tour_full, L.tour_h);
                tui_compose(&g, &L, &u, &v, sn, &req);
                char head[32];
                snprintf(head, sizeof head, "Tour %d/%d", k + 1, tour.nsteps);
                assert_int_equal(rows_with(&g, L.tour_y, L.tour_y + 1, head), 1);
                assert_int_equal(rows_with(&g, L.tour_y, L.tour_y + L.tour_h, "Try:"), 1);
                assert_int_equal(rows_with(&g, 0, 1, cs ? "tour " : "tour "), 1);
                if (z == 1)
                    assert_int_equal(L.npanels, 1);
                /* the brief box beside a panel */
                if (z == 0) {
                    v.tour_brief = 1;
                    tui_layout_compute(&L, W, H, &v);
                    assert_int_equal(L.tour_mode, TUI_TOUR_BRIEF);
                    assert_int_equal(L.npanels, 1);
                    assert_true(L.ph[0] >= 8);
                    tui_compose(&g, &L, &u, &v, sn, &req);
                    assert_int_equal(rows_with(&g, L.tour_y, L.tour_y + L.tour_h, "Try:"), 1);
                }
                tg_free(&g);
            }
    }
    /* hidden: no box, the panels as before */
    tour.shown = 0;
    tui_view v;
    memset(&v, 0, sizeof v);
    tui_tour_prepare(&v, &u, 120);
    assert_int_equal(v.tour_full, 0);
    tour.shown = 1;
    qnn_snapshot_release(sn);
    qnn_session_free(s);
}

/* The window: the column on the right, the panels beside it, and ink in it. */
static void window_box(void **state)
{
    (void)state;
    char err[1024], name[256];
    load_shipped();
    qnn_params pre;
    qnn_session *s = qnn_tour_open(&ctx, 0, &pre, name, sizeof name, err, sizeof err);
    assert_non_null(s);
    assert_int_equal(qnn_session_advance(s, 2), 0);
    static live_ui u;
    live_ui_init(&u, s, name, &pre);
    u.tour = &tour;
    const qnn_snapshot *sn = qnn_session_acquire(s);
    qnn_params req;
    qnn_session_requested(s, &req);
    live_layout L;
    live_layout_for(&L, 1600, 900, 1.0, &u);
    assert_true(L.tour.w > 250);
    assert_true(L.panel[1].x + L.panel[1].w <= L.tour.x);
    cairo_surface_t *sf = cairo_image_surface_create(CAIRO_FORMAT_RGB24, 1600, 900);
    cairo_t *cr = cairo_create(sf);
    live_draw(cr, &L, &u, sn, &req, NULL);
    cairo_surface_flush(sf);
    const unsigned char *d = cairo_image_surface_get_data(sf);
    const int st = cairo_image_surface_get_stride(sf);
    long dark = 0;
    for (int y = (int)L.tour.y; y < (int)(L.tour.y + L.tour.h); y++)
        for (int x = (int)L.tour.x; x < (int)(L.tour.x + L.tour.w); x++) {
            const unsigned char *p = d + (size_t)y * st + 4 * (size_t)x;
            dark += p[0] < 80 && p[1] < 80 && p[2] < 80;
        }
    assert_true(dark > 2000);
    cairo_destroy(cr);
    cairo_surface_destroy(sf);
    /* hidden: the usual layout */
    tour.shown = 0;
    live_layout_for(&L, 1600, 900, 1.0, &u);
    assert_true(L.tour.w == 0);
    tour.shown = 1;
    qnn_snapshot_release(sn);
    qnn_session_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(good_file),
        cmocka_unit_test(malformed),
        cmocka_unit_test(bad_presets),
        cmocka_unit_test(shipped),
        cmocka_unit_test(navigate),
        cmocka_unit_test(slider_ranges),
        cmocka_unit_test(hessian_presets),
        cmocka_unit_test(formulas),
        cmocka_unit_test(terminal_box),
        cmocka_unit_test(window_box),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
