/* The dashboard's layout and status line for a projector and small
 * windows (ui/live/dash.c, issue 23): the panels keep 60 % of the height
 * (the model row, then the buttons give way, sliders pack tighter), rows
 * never overlap, hidden rows are not hit; --large and + scale every
 * control; the status items are plain words with brief forms, the step
 * first; the replay shows its progress. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "live.h"

static double panels_h(const live_layout *L)
{
    double h = 0;
    for (int k = 0; k < LIVE_NPANELS; k++)
        h = fmax(h, L->panel[k].y + L->panel[k].h);
    return h;
}

static double strip_top(const live_layout *L)
{
    double y = L->status.y;
    for (int i = 0; i < LIVE_NSLIDERS; i++)
        y = fmin(y, L->slider[i].y);
    return y;
}

/* Every shown rectangle of the strip lies between the panels and the
 * status bar, inside the width. */
static void check_strip(const live_layout *L)
{
    const double top = panels_h(L), bot = L->status.y;
    for (int i = 0; i < LIVE_NSLIDERS; i++) {
        assert_true(L->slider[i].y >= top - 1e-9);
        assert_true(L->slider[i].y + L->slider[i].h <= bot + 1e-9);
        assert_true(L->slider[i].x + L->slider[i].w <= L->w + 1e-9);
    }
    for (int i = 0; i < LIVE_NBUTTONS; i++)
        if (L->button[i].w > 0) {
            assert_true(L->button[i].y >= top - 1e-9);
            assert_true(L->button[i].y + L->button[i].h <= bot + 1e-9);
        }
    for (int i = 0; i < live_model_count(); i++)
        if (L->model[i].w > 0) {
            assert_true(L->model[i].y >= top - 1e-9);
            assert_true(L->model[i].y + L->model[i].h <= bot + 1e-9);
        }
}

/* A roomy window keeps every row (the window test clicks at these places). */
static void test_roomy(void **state)
{
    (void)state;
    live_layout L;
    live_layout_compute(&L, 1280, 800, 1.0);
    check_strip(&L);
    assert_true(L.button[0].w > 0);
    assert_true(L.model[0].w > 0);
    /* 6 columns of sliders from x = 6, rows of 46 from y = 602 */
    assert_float_equal(L.slider[0].y, 602, 1e-9);
    assert_float_equal(L.slider[6].y, 648, 1e-9);
    assert_float_equal(L.track[1].x, 226.333333, 1e-5);
    assert_true(panels_h(&L) >= 0.6 * L.status.y);
}

/* 900 x 600: the panels get 60 % and at least 400 units where that leaves
 * the strip a third; nothing overlaps. */
static void test_small(void **state)
{
    (void)state;
    live_layout L;
    live_layout_compute(&L, 900, 600, 1.0);
    check_strip(&L);
    assert_true(panels_h(&L) >= 0.6 * L.status.y);
    assert_true(panels_h(&L) >= 390);
    /* each panel keeps a plot of a useful size */
    for (int k = 0; k < LIVE_NPANELS; k++) {
        assert_true(L.panel[k].w >= 400);
        assert_true(L.panel[k].h >= 190);
    }
}

/* --large (1.5) on the window fitted to 1280 x 720: the side rows give way,
 * the panels keep 60 %; a hidden row is not hit. */
static void test_large(void **state)
{
    (void)state;
    live_layout L;
    live_layout_compute(&L, 1177, 662, 1.5);
    check_strip(&L);
    assert_true(panels_h(&L) >= 0.6 * L.status.y);
    assert_true(L.model[0].w == 0);   /* the model row went first */
    for (int i = 0; i < live_model_count(); i++)
        assert_int_equal(live_hit_model(&L, L.model[i].x, L.model[i].y), -1);
    if (L.button[0].w == 0)
        assert_int_equal(live_hit_button(&L, 0, 0), -1);
    /* the strip is as tall as its slider rows need, at the larger scale */
    assert_float_equal(L.status.h, 28 * 1.5, 1e-9);
    assert_true(L.slider[0].h >= 40 * 1.5);
    assert_true(strip_top(&L) >= panels_h(&L));
}

/* + scales every control: the status bar, slider cells and buttons grow
 * with the scale. */
static void test_scale(void **state)
{
    (void)state;
    live_layout a, b;
    live_layout_compute(&a, 1920, 1080, 1.0);
    live_layout_compute(&b, 1920, 1080, 1.25);
    assert_float_equal(b.status.h, 1.25 * a.status.h, 1e-9);
    assert_float_equal(b.slider[0].h, 1.25 * a.slider[0].h, 1e-9);
    assert_true(b.button[0].w > 0 && a.button[0].w > 0);
    assert_float_equal(b.button[0].h, 1.25 * a.button[0].h, 1e-9);
    assert_float_equal(b.track[0].h, 1.25 * a.track[0].h, 1e-9);
}

static qnn_snapshot snap(void)
{
    qnn_snapshot sn;
    memset(&sn, 0, sizeof sn);
    sn.step = 209;
    sn.playing = 1;
    sn.target_step = -1;
    sn.steps_per_s = 60;
    sn.rate = 0.0442;
    sn.conc_kernel = 0.19;
    sn.conc_dqntk = 0.00063;
    sn.converged_step = -1;
    sn.diverged_step = -1;
    sn.ninst = 16;
    return sn;
}

static const live_status_item *find(const live_status_item *it, int n, const char *s)
{
    for (int i = 0; i < n; i++)
        if (strstr(it[i].text, s))
            return &it[i];
    return NULL;
}

/* The status items in plain words: no equation numbers, no "R =", each
 * long one with a brief form; the step comes first. */
static void test_status_words(void **state)
{
    (void)state;
    qnn_snapshot sn = snap();
    live_status_item it[LIVE_STATUS_ITEMS];
    int n = live_status_items(NULL, &sn, it);
    assert_true(n >= 4 && n <= LIVE_STATUS_ITEMS);
    assert_string_equal(it[0].text, "▶ step 209");
    assert_int_equal(it[0].prio, 0);
    const live_status_item *k = find(it, n, "kernel spread 0.19");
    assert_non_null(k);
    assert_non_null(strstr(k->text, "drift 0.00063"));
    assert_non_null(strstr(k->text, "should be ≪ 1: the theory's assumption holds roughly"));
    assert_true(k->brief[0] && strlen(k->brief) < strlen(k->text));
    assert_non_null(find(it, n, "16 instances"));
    assert_non_null(find(it, n, "predicted rate ηK̄ = 0.0442 per step"));
    for (int i = 0; i < n; i++) {
        assert_null(strstr(it[i].text, "Eq."));
        assert_null(strstr(it[i].text, "LIU23"));
        assert_null(strstr(it[i].text, "R = "));
    }
    /* the verdict follows the worse of the two numbers */
    sn.conc_dqntk = 0.7;
    n = live_status_items(NULL, &sn, it);
    assert_non_null(strstr(find(it, n, "kernel spread")->text, "fails"));
    sn.conc_kernel = 0.05;
    sn.conc_dqntk = 0.01;
    n = live_status_items(NULL, &sn, it);
    assert_non_null(strstr(find(it, n, "kernel spread")->text, "assumption holds)"));
    /* the note of a model without the theory: in words */
    sn.theory_note = "LIU23 Eqs. 9, 21: not applied, the circuit is not known to be a 2-design; the dotted line is the frozen kernel K(0)";
    n = live_status_items(NULL, &sn, it);
    const live_status_item *t = find(it, n, "no theory line");
    assert_non_null(t);
    assert_null(strstr(t->text, "Eq"));
    /* convergence and divergence */
    sn.converged_step = 412;
    n = live_status_items(NULL, &sn, it);
    assert_non_null(find(it, n, "converged at step 412"));
    sn.ndiverged = 3;
    sn.diverged_step = 120;
    n = live_status_items(NULL, &sn, it);
    assert_null(find(it, n, "converged"));
    const live_status_item *d = find(it, n, "DIVERGED: 3 of 16 instances (from step 120)");
    assert_non_null(d);
    assert_int_equal(d->prio, 0);
}

/* A replay says how far it is. */
static void test_status_replay(void **state)
{
    (void)state;
    qnn_snapshot sn = snap();
    sn.busy = 1;
    sn.playing = 0;
    sn.step = 800;
    sn.target_step = 1500;
    live_status_item it[LIVE_STATUS_ITEMS];
    live_status_items(NULL, &sn, it);
    assert_string_equal(it[0].text, "replaying: step 800 of 1500");
    sn.busy = 0;
    sn.target_step = -1;
    live_status_items(NULL, &sn, it);
    assert_string_equal(it[0].text, "paused: step 800");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roomy),         cmocka_unit_test(test_small),
        cmocka_unit_test(test_large),         cmocka_unit_test(test_scale),
        cmocka_unit_test(test_status_words),  cmocka_unit_test(test_status_replay),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
