/* Tests of the plot module: export in all formats, degenerate data, write
 * errors, tick generation and labels. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

/* The tables below initialise plot_series and plot_figure by position up to
 * the fields they need; the later fields (alpha, ghost, dpi, font_size) are
 * zero on purpose. */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cairo.h>

#include "plot.h"
#include "plot_ticks.h"

/* ------------------------------------------------------------------ */
/* helpers                                                             */

typedef struct {
    char dir[64];
} tmpdir;

static int setup_dir(void **state)
{
    tmpdir *t = calloc(1, sizeof *t);
    if (!t)
        return -1;
    snprintf(t->dir, sizeof t->dir, "/tmp/test_plot_XXXXXX");
    if (!mkdtemp(t->dir)) {
        free(t);
        return -1;
    }
    *state = t;
    return 0;
}

static int teardown_dir(void **state)
{
    tmpdir *t = *state;
    static const char *names[] = {"fig.png", "fig.svg", "fig.pdf",
                                  "deg.png", "deg.svg", "deg.pdf",
                                  "odd.png", "empty.png"};
    char p[128];
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        snprintf(p, sizeof p, "%s/%s", t->dir, names[i]);
        remove(p);
    }
    rmdir(t->dir);
    free(t);
    return 0;
}

/* reads up to n bytes of the file start; returns the file size or -1 */
static long file_head(const char *path, unsigned char *buf, size_t n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    size_t got = fread(buf, 1, n, f);
    if (got < n)
        memset(buf + got, 0, n - got);
    if (fseek(f, 0, SEEK_END) != 0) {
        fclose(f);
        return -1;
    }
    long sz = ftell(f);
    fclose(f);
    return sz;
}

static uint32_t be32(const unsigned char *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
           ((uint32_t)p[2] << 8) | (uint32_t)p[3];
}

/* ------------------------------------------------------------------ */
/* the two-panel figure of a training run                              */

enum { NT = 400, NINST = 50, NL = 7 };

typedef struct {
    double t[NT], inst[NINST][NT], mean[NT], theory[NT];
    double L[NL], K[NL], Kerr[NL];
    plot_series s1[NINST + 2], s2[3];
    plot_panel panels[2];
    double vm[1], hl[1];
    const char *hll[1];
    plot_figure fig;
} training_fig;

static void make_training_fig(training_fig *f)
{
    unsigned seed = 12345;
    for (int i = 0; i < NT; i++) {
        f->t[i] = i;
        f->theory[i] = exp(-i * log(1e4) / (NT - 1));
        f->mean[i] = 0;
    }
    for (int k = 0; k < NINST; k++) {
        for (int i = 0; i < NT; i++) {
            seed = seed * 1103515245u + 12345u;
            double noise = ((seed >> 9) & 0xFFFF) / 65536.0 - 0.5;
            f->inst[k][i] = f->theory[i] * exp(0.8 * noise);
            f->mean[i] += f->inst[k][i] / NINST;
        }
        f->s1[k] = (plot_series){f->t, f->inst[k], NULL, NT, PLOT_FAINT, 0,
                                 k == 0 ? "instances" : NULL};
    }
    f->s1[NINST] = (plot_series){f->t, f->mean, NULL, NT, PLOT_BOLD, 0,
                                 "mean"};
    f->s1[NINST + 1] = (plot_series){f->t, f->theory, NULL, NT, PLOT_DASHED,
                                     1, "ε(0) e^{−ηK̄t}"};
    for (int i = 0; i < NL; i++) {
        f->L[i] = 2 + 3 * i;
        f->K[i] = -1 + 0.4 * i + 0.05 * (i % 2);
        f->Kerr[i] = 0.1 + 0.02 * i;
    }
    f->s2[0] = (plot_series){f->L, f->K, f->Kerr, NL, PLOT_POINTS, 2,
                             "measured"};
    f->s2[1] = (plot_series){f->L, f->K, NULL, NL, PLOT_DOTTED, 3, "bound"};
    f->s2[2] = (plot_series){f->L, f->K, f->Kerr, NL, PLOT_LINE_POINTS, -1,
                             NULL};
    f->vm[0] = 200;
    f->hl[0] = 0;
    f->hll[0] = "λ_{min} = 0";
    memset(f->panels, 0, sizeof f->panels);
    f->panels[0] = (plot_panel){
        .title = "training error", .xlabel = "step t", .ylabel = "|ε(t)|",
        .xscale = PLOT_LINEAR, .yscale = PLOT_LOG, .series = f->s1,
        .nseries = NINST + 2, .vmarks = f->vm, .nvmarks = 1,
        .note = "n = 4\nη = 0.1"};
    f->panels[1] = (plot_panel){
        .title = "QNTK", .xlabel = "L", .ylabel = "K̄", .series = f->s2,
        .nseries = 3, .hlines = f->hl, .hline_labels = f->hll, .nhlines = 1};
    f->fig = (plot_figure){"Figure 1", f->panels, 2, 2, 600, 400};
}

static void test_write_all_formats(void **state)
{
    tmpdir *t = *state;
    training_fig *f = malloc(sizeof *f);
    assert_non_null(f);
    make_training_fig(f);
    char path[128], err[256];
    unsigned char head[32];

    snprintf(path, sizeof path, "%s/fig.png", t->dir);
    err[0] = 'x';
    err[1] = 0;
    assert_int_equal(plot_write(&f->fig, PLOT_PNG, path, err, sizeof err), 0);
    assert_string_equal(err, "");
    long sz = file_head(path, head, sizeof head);
    assert_true(sz > 1000);
    assert_memory_equal(head, "\x89PNG\r\n\x1a\n", 8);
    assert_memory_equal(head + 12, "IHDR", 4);
    assert_int_equal(be32(head + 16), 1200); /* 2 px per point */
    assert_int_equal(be32(head + 20), 800);

    snprintf(path, sizeof path, "%s/fig.svg", t->dir);
    assert_int_equal(plot_write(&f->fig, PLOT_SVG, path, err, sizeof err), 0);
    sz = file_head(path, head, sizeof head);
    assert_true(sz > 1000);
    assert_true(memcmp(head, "<?xml", 5) == 0 || memcmp(head, "<svg", 4) == 0);

    snprintf(path, sizeof path, "%s/fig.pdf", t->dir);
    assert_int_equal(plot_write(&f->fig, PLOT_PDF, path, err, sizeof err), 0);
    sz = file_head(path, head, sizeof head);
    assert_true(sz > 1000);
    assert_memory_equal(head, "%PDF", 4);

    /* odd size: PNG is still 2 px per point (rounded up) */
    f->fig.width = 333.5;
    f->fig.height = 201;
    snprintf(path, sizeof path, "%s/odd.png", t->dir);
    assert_int_equal(plot_write(&f->fig, PLOT_PNG, path, err, sizeof err), 0);
    assert_true(file_head(path, head, sizeof head) > 0);
    assert_int_equal(be32(head + 16), 667);
    assert_int_equal(be32(head + 20), 402);
    free(f);
}

static void test_degenerate(void **state)
{
    tmpdir *t = *state;
    double x[5] = {1, 2, 3, 4, 5};
    double nanv[5] = {NAN, NAN, NAN, NAN, NAN};
    double infv[5] = {INFINITY, -INFINITY, NAN, INFINITY, NAN};
    double eq[5] = {2, 2, 2, 2, 2};
    double zero[5] = {0, 0, 0, 0, 0};
    double neg[5] = {-1, -2, 0, -4, -5};
    double mixed[5] = {-1, 1e-3, NAN, 0, 1e3};
    double big[5] = {1e300, -1e300, 1e-300, 0, 1e308};
    double err[5] = {NAN, -0.5, INFINITY, 3, 0};
    double one[1] = {42};
    double hl[2] = {NAN, -3};
    double vm[2] = {-1, INFINITY};
    const char *hll[2] = {NULL, ""};
    plot_series s_nan[2] = {{x, nanv, NULL, 5, PLOT_LINE, 0, "nan"},
                            {nanv, x, NULL, 5, PLOT_POINTS, 1, "nan x"}};
    plot_series s_eq[2] = {{x, eq, err, 5, PLOT_LINE_POINTS, 0, "equal"},
                           {eq, x, NULL, 5, PLOT_BOLD, 1, "vertical"}};
    plot_series s_zero[1] = {{x, zero, NULL, 5, PLOT_DASHED, 2, "zeros"}};
    plot_series s_neg[2] = {{x, neg, err, 5, PLOT_POINTS, 3, "neg"},
                            {x, mixed, NULL, 5, PLOT_LINE, 4, "mixed"}};
    plot_series s_one[2] = {{one, one, NULL, 1, PLOT_LINE, 5, "single"},
                            {one, one, one, 1, PLOT_POINTS, 6, "single pt"}};
    plot_series s_big[2] = {{x, big, NULL, 5, PLOT_LINE, 0, NULL},
                            {big, x, err, 5, PLOT_LINE_POINTS, 1, NULL}};
    plot_series s_steps[3] = {{x, mixed, NULL, 5, PLOT_STEPS, 2, "steps"},
                              {one, one, NULL, 1, PLOT_STEPS, 3, "lone bin"},
                              {x, eq, NULL, 5, PLOT_STEPS, 4, "flat"}};
    plot_series s_null[3] = {{NULL, NULL, NULL, 5, PLOT_LINE, 0, "null"},
                             {x, x, NULL, 0, PLOT_LINE, 0, NULL},
                             {x, infv, NULL, 5, PLOT_DOTTED, 99, "inf"}};
    plot_panel p[11];
    memset(p, 0, sizeof p);
    p[0] = (plot_panel){.title = "empty", .xlabel = "x", .ylabel = "y"};
    p[1] = (plot_panel){.title = "NaN only", .series = s_nan, .nseries = 2,
                        .yscale = PLOT_LOG, .note = "all NaN"};
    p[2] = (plot_panel){.title = "all equal", .series = s_eq, .nseries = 2,
                        .xscale = PLOT_LOG, .yscale = PLOT_LOG};
    p[3] = (plot_panel){.title = "zeros", .series = s_zero, .nseries = 1};
    p[4] = (plot_panel){.title = "negative on log", .series = s_neg,
                        .nseries = 2, .yscale = PLOT_LOG, .hlines = hl,
                        .hline_labels = hll, .nhlines = 2, .vmarks = vm,
                        .nvmarks = 2};
    p[5] = (plot_panel){.title = "single point", .series = s_one,
                        .nseries = 2, .xscale = PLOT_LOG};
    p[6] = (plot_panel){.title = "extremes", .series = s_big, .nseries = 2,
                        .xmin = 0, .xmax = 10, .ymin = -1, .ymax = 1};
    p[7] = (plot_panel){.title = "bad limits", .series = s_big, .nseries = 2,
                        .xscale = PLOT_LOG, .yscale = PLOT_LOG, .xmin = -5,
                        .xmax = 10, .ymin = NAN, .ymax = 1};
    p[8] = (plot_panel){.title = "odd markup: ^{ _ x_ \\_ }} \xff\xfe ^",
                        .xlabel = "a^{b_{c^{d_{e^{f^{g^{h^{i^{j}}}}}}}}}",
                        .ylabel = "\xc3", .series = s_null, .nseries = 3};
    p[9] = (plot_panel){.title = "steps, log x", .series = s_steps,
                        .nseries = 3, .xscale = PLOT_LOG};
    p[10] = (plot_panel){.title = "steps", .series = s_steps, .nseries = 3};
    plot_figure fig = {"Degenerate ^{", p, 11, 4, 600, 400};
    char path[128], msg[256];
    static const plot_format fmts[3] = {PLOT_PNG, PLOT_SVG, PLOT_PDF};
    static const char *ext[3] = {"png", "svg", "pdf"};
    for (int i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/deg.%s", t->dir, ext[i]);
        msg[0] = 0;
        int rc = plot_write(&fig, fmts[i], path, msg, sizeof msg);
        if (rc != 0)
            fail_msg("%s: %s", path, msg);
        unsigned char head[8];
        assert_true(file_head(path, head, sizeof head) > 100);
    }

    /* no panels at all; columns < 1 */
    plot_figure none = {"only a title", NULL, 0, 0, 200, 100};
    snprintf(path, sizeof path, "%s/empty.png", t->dir);
    assert_int_equal(plot_write(&none, PLOT_PNG, path, msg, sizeof msg), 0);
    plot_figure tiny = {NULL, p, 11, -3, 20, 10};
    assert_int_equal(plot_write(&tiny, PLOT_PNG, path, msg, sizeof msg), 0);
}

static void test_draw_on_context(void **state)
{
    (void)state;
    training_fig *f = malloc(sizeof *f);
    assert_non_null(f);
    make_training_fig(f);
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32,
                                                    320, 240);
    cairo_t *cr = cairo_create(s);
    cairo_set_source_rgb(cr, 0.2, 0.4, 0.6);
    plot_draw(cr, &f->fig, 320, 240);
    assert_int_equal(cairo_status(cr), CAIRO_STATUS_SUCCESS);
    /* state of the caller's context is restored */
    double r, g, b, a;
    assert_int_equal(cairo_pattern_get_rgba(cairo_get_source(cr), &r, &g, &b,
                                            &a),
                     CAIRO_STATUS_SUCCESS);
    assert_true(fabs(r - 0.2) < 1e-9 && fabs(g - 0.4) < 1e-9);
    /* nonsense sizes and NULLs draw nothing and do not crash */
    plot_draw(cr, &f->fig, 0, 240);
    plot_draw(cr, &f->fig, NAN, 240);
    plot_draw(cr, &f->fig, -5, -5);
    plot_draw(cr, NULL, 320, 240);
    plot_draw(NULL, &f->fig, 320, 240);
    assert_int_equal(cairo_status(cr), CAIRO_STATUS_SUCCESS);
    /* the background is white where the figure is drawn */
    cairo_surface_flush(s);
    const unsigned char *d = cairo_image_surface_get_data(s);
    assert_int_equal(d[0], 255);
    assert_int_equal(d[1], 255);
    assert_int_equal(d[2], 255);
    cairo_destroy(cr);
    cairo_surface_destroy(s);
    free(f);
}

static void test_unwritable(void **state)
{
    (void)state;
    training_fig *f = malloc(sizeof *f);
    assert_non_null(f);
    make_training_fig(f);
    char err[256];
    static const plot_format fmts[3] = {PLOT_PNG, PLOT_SVG, PLOT_PDF};
    static const char *paths[3] = {"/nonexistent/dir/x.png",
                                   "/nonexistent/dir/x.svg",
                                   "/nonexistent/dir/x.pdf"};
    for (int i = 0; i < 3; i++) {
        err[0] = 0;
        assert_int_equal(
            plot_write(&f->fig, fmts[i], paths[i], err, sizeof err), -1);
        assert_true(strlen(err) > 0);
        assert_non_null(strstr(err, paths[i]));
    }
    /* short and absent error buffers */
    char small[8];
    memset(small, 'x', sizeof small);
    assert_int_equal(plot_write(&f->fig, PLOT_PNG, paths[0], small,
                                sizeof small),
                     -1);
    assert_true(memchr(small, 0, sizeof small) != NULL);
    assert_int_equal(plot_write(&f->fig, PLOT_PDF, paths[2], NULL, 0), -1);
    /* invalid arguments */
    assert_int_equal(plot_write(NULL, PLOT_PNG, "/tmp/x.png", err, sizeof err),
                     -1);
    assert_true(strlen(err) > 0);
    assert_int_equal(plot_write(&f->fig, PLOT_PNG, NULL, err, sizeof err), -1);
    f->fig.width = NAN;
    assert_int_equal(plot_write(&f->fig, PLOT_PNG, "/tmp/x.png", err,
                                sizeof err),
                     -1);
    assert_true(strlen(err) > 0);
    free(f);
}

/* ------------------------------------------------------------------ */
/* ticks                                                               */

/* v = m x 10^k with m in {1, 2, 5}? */
static int is_125(double v)
{
    if (!(v > 0))
        return 0;
    double k = floor(log10(v) + 1e-9);
    double m = v / pow(10, k);
    return fabs(m - 1) < 1e-6 || fabs(m - 2) < 1e-6 || fabs(m - 5) < 1e-6;
}

static void check_linear(double lo, double hi)
{
    double t[16];
    size_t n = plot_nice_ticks(lo, hi, 0, t, 8);
    if (n < 3 || n > 8)
        fail_msg("[%g, %g]: %zu ticks", lo, hi, n);
    if (n == 3) {
        /* only when no 1-2-5 step gives 4..8 ticks */
        double sp = pow(10, floor(log10(hi - lo)) - 2);
        for (int k = 0; k < 12; k++) {
            static const double mult[3] = {1, 2, 5};
            double s = mult[k % 3] * sp * pow(10, k / 3);
            double c = floor(hi / s + 1e-9) - ceil(lo / s - 1e-9) + 1;
            if (c >= 4 && c <= 8)
                fail_msg("[%g, %g]: 3 ticks, step %g gives %g", lo, hi, s, c);
        }
    }
    double step = t[1] - t[0];
    assert_true(is_125(step));
    { /* the exact 1-2-5 value (t[1] - t[0] carries rounding errors) */
        double k = floor(log10(step) + 1e-6), p10 = pow(10, k);
        double mm = step / p10;
        step = (mm < 1.5 ? 1 : mm < 3.5 ? 2 : mm < 7.5 ? 5 : 10) * p10;
    }
    double tol = 1e-9 * (hi - lo);
    for (size_t i = 0; i < n; i++) {
        assert_true(t[i] >= lo - tol && t[i] <= hi + tol);
        if (i > 0) {
            assert_true(t[i] > t[i - 1]);
            assert_true(fabs((t[i] - t[i - 1]) - step) < 1e-6 * step +
                                                         1e-14 * fabs(t[i]));
        }
        double q = t[i] / step; /* a multiple of the step */
        if (!(fabs(q - round(q)) < 1e-6 + 1e-9 * fabs(q)))
            fail_msg("[%.17g, %.17g] tick %.17g step %.17g", lo, hi, t[i], step);
    }
}

static void test_ticks_linear(void **state)
{
    (void)state;
    check_linear(0, 1);
    check_linear(-40, 1040);
    check_linear(0.96, 1.04);
    check_linear(-1.7, 1.3);
    check_linear(-3e-7, 7e-6);
    check_linear(2.2e6, 7.9e6);
    check_linear(123.4, 123.9);
    check_linear(1.8, 2.2);
    unsigned seed = 1;
    for (int i = 0; i < 2000; i++) {
        seed = seed * 1103515245u + 12345u;
        double a = ((seed >> 8) & 0xFFFF) / 65536.0 * 20 - 10;
        seed = seed * 1103515245u + 12345u;
        double span = pow(10, ((seed >> 8) & 0xFFFF) / 65536.0 * 12 - 6);
        double sc = pow(10, (double)(i % 9) - 4);
        check_linear(a * sc, a * sc + span * sc);
    }
    /* max is honoured; invalid ranges give nothing */
    double t[16];
    size_t n = plot_nice_ticks(0, 100, 0, t, 3);
    assert_true(n >= 1 && n <= 3);
    assert_int_equal(plot_nice_ticks(1, 1, 0, t, 8), 0);
    assert_int_equal(plot_nice_ticks(2, 1, 0, t, 8), 0);
    assert_int_equal(plot_nice_ticks(NAN, 1, 0, t, 8), 0);
    assert_int_equal(plot_nice_ticks(0, INFINITY, 0, t, 8), 0);
    assert_int_equal(plot_nice_ticks(0, 1, 0, t, 0), 0);
    assert_int_equal(plot_nice_ticks(0, 1, 0, NULL, 8), 0);
}

static void test_ticks_log(void **state)
{
    (void)state;
    double t[40], mn[400];
    /* decades */
    size_t n = plot_nice_ticks(1e-6, 10, 1, t, 8);
    assert_int_equal(n, 8);
    for (size_t i = 0; i < n; i++)
        assert_true(fabs(t[i] / pow(10, (double)i - 6) - 1) < 1e-12);
    size_t nm = plot_log_minor_ticks(1e-6, 10, t, n, mn, 400);
    assert_int_equal(nm, 7 * 8); /* 2..9 in each of 7 decades */
    for (size_t i = 0; i < nm; i++)
        assert_true(mn[i] > 1e-6 && mn[i] < 10);
    /* many decades: thinned to at most max, still powers of ten */
    n = plot_nice_ticks(1e-30, 1e30, 1, t, 8);
    assert_true(n >= 2 && n <= 8);
    for (size_t i = 0; i < n; i++) {
        double l = log10(t[i]);
        assert_true(fabs(l - round(l)) < 1e-9);
        if (i > 0)
            assert_true(t[i] > t[i - 1]);
    }
    nm = plot_log_minor_ticks(1e-30, 1e30, t, n, mn, 400);
    assert_true(nm > 0);
    for (size_t i = 0; i < nm; i++) {
        double l = log10(mn[i]);
        assert_true(fabs(l - round(l)) < 1e-9);
    }
    /* less than a decade: 1, 2, 5 labelled */
    n = plot_nice_ticks(1, 5, 1, t, 8);
    assert_int_equal(n, 3);
    assert_true(fabs(t[0] - 1) < 1e-12 && fabs(t[1] - 2) < 1e-12 &&
                fabs(t[2] - 5) < 1e-12);
    n = plot_nice_ticks(0.05, 2, 1, t, 8);
    assert_int_equal(n, 6); /* 0.05 0.1 0.2 0.5 1 2 */
    for (size_t i = 0; i < n; i++)
        assert_true(is_125(t[i]));
    /* too narrow for 1-2-5: linear nice ticks, all in range */
    n = plot_nice_ticks(2, 5, 1, t, 8);
    assert_true(n >= 3);
    for (size_t i = 0; i < n; i++) {
        assert_true(t[i] >= 2 - 1e-12 && t[i] <= 5 + 1e-12);
        if (i > 0)
            assert_true(t[i] > t[i - 1]);
    }
    /* invalid */
    assert_int_equal(plot_nice_ticks(0, 10, 1, t, 8), 0);
    assert_int_equal(plot_nice_ticks(-1, 10, 1, t, 8), 0);
}

static void test_tick_labels(void **state)
{
    (void)state;
    char lb[8][PLOT_TICK_LABEL_MAX];
    double a[6] = {0, 0.2, 0.4, 0.6, 0.8, 1.0};
    plot_tick_labels(a, 6, 0, &lb[0][0], PLOT_TICK_LABEL_MAX);
    assert_string_equal(lb[0], "0");
    assert_string_equal(lb[1], "0.2");
    assert_string_equal(lb[5], "1");
    double b[4] = {-1, -0.5, 0, 0.5};
    plot_tick_labels(b, 4, 0, &lb[0][0], PLOT_TICK_LABEL_MAX);
    assert_string_equal(lb[0], "\xe2\x88\x92" "1"); /* U+2212 minus */
    assert_string_equal(lb[1], "\xe2\x88\x92" "0.5");
    assert_string_equal(lb[2], "0");
    double c[3] = {0, 200, 400};
    plot_tick_labels(c, 3, 0, &lb[0][0], PLOT_TICK_LABEL_MAX);
    assert_string_equal(lb[2], "400");
    double d[3] = {2e6, 4e6, 6e6};
    plot_tick_labels(d, 3, 0, &lb[0][0], PLOT_TICK_LABEL_MAX);
    assert_string_equal(lb[0], "2\xc3\x97" "10^{6}");
    double e[3] = {0, 2e-6, 4e-6};
    plot_tick_labels(e, 3, 0, &lb[0][0], PLOT_TICK_LABEL_MAX);
    assert_string_equal(lb[0], "0");
    assert_string_equal(lb[1], "2\xc3\x97" "10^{\xe2\x88\x92" "6}");
    double f[3] = {1e-3, 1e-2, 1e-1};
    plot_tick_labels(f, 3, 1, &lb[0][0], PLOT_TICK_LABEL_MAX);
    assert_string_equal(lb[0], "10^{\xe2\x88\x92" "3}");
    assert_string_equal(lb[2], "10^{\xe2\x88\x92" "1}");
    double g[3] = {1, 2, 5};
    plot_tick_labels(g, 3, 1, &lb[0][0], PLOT_TICK_LABEL_MAX);
    assert_string_equal(lb[0], "1");
    assert_string_equal(lb[1], "2");
    assert_string_equal(lb[2], "5");
    double h[4] = {0.1, 0.2, 0.5, 1};
    plot_tick_labels(h, 4, 1, &lb[0][0], PLOT_TICK_LABEL_MAX);
    assert_string_equal(lb[0], "0.1");
    assert_string_equal(lb[3], "1");
    /* no label has a trailing zero after a decimal point */
    double t[16];
    size_t n = plot_nice_ticks(-0.37, 2.91, 0, t, 8);
    plot_tick_labels(t, n, 0, &lb[0][0], PLOT_TICK_LABEL_MAX);
    for (size_t i = 0; i < n; i++) {
        size_t L = strlen(lb[i]);
        assert_true(L > 0);
        if (strchr(lb[i], '.'))
            assert_true(lb[i][L - 1] != '0' && lb[i][L - 1] != '.');
    }
}

static void test_auto_range(void **state)
{
    (void)state;
    double lo, hi;
    plot_auto_range(0, 1000, 1, 0, &lo, &hi);
    assert_true(lo < 0 && lo >= -50 && hi > 1000 && hi <= 1050);
    plot_auto_range(3, 3, 1, 0, &lo, &hi);
    assert_true(lo < 3 && hi > 3);
    plot_auto_range(0, 0, 1, 0, &lo, &hi);
    assert_true(lo < 0 && hi > 0);
    plot_auto_range(0, 0, 0, 0, &lo, &hi);
    assert_true(lo < hi);
    plot_auto_range(NAN, 1, 1, 0, &lo, &hi);
    assert_true(isfinite(lo) && isfinite(hi) && lo < hi);
    plot_auto_range(-1e308, 1e308, 1, 0, &lo, &hi);
    assert_true(isfinite(lo) && isfinite(hi) && lo < hi);
    /* log: decades */
    plot_auto_range(3e-5, 1.7, 1, 1, &lo, &hi);
    assert_true(fabs(lo / 1e-5 - 1) < 1e-9 && fabs(hi / 10 - 1) < 1e-9);
    plot_auto_range(1e-4, 1, 1, 1, &lo, &hi);
    assert_true(fabs(lo / 1e-4 - 1) < 1e-9 && fabs(hi - 1) < 1e-9);
    /* log, small span: 1-2-5 */
    plot_auto_range(1.3, 4.2, 1, 1, &lo, &hi);
    assert_true(fabs(lo - 1) < 1e-9 && fabs(hi - 5) < 1e-9);
    plot_auto_range(2.3, 4.6, 1, 1, &lo, &hi);
    assert_true(fabs(lo - 2) < 1e-9 && fabs(hi - 5) < 1e-9);
    /* log, degenerate */
    plot_auto_range(7, 7, 1, 1, &lo, &hi);
    assert_true(lo > 0 && lo < 7 && hi > 7);
    plot_auto_range(100, 100, 1, 1, &lo, &hi);
    assert_true(fabs(lo - 10) < 1e-9 && fabs(hi - 1000) < 1e-6);
    plot_auto_range(0, 0, 0, 1, &lo, &hi);
    assert_true(lo > 0 && lo < hi);
    plot_auto_range(-5, 3, 1, 1, &lo, &hi);
    assert_true(lo > 0 && lo < hi);
    plot_auto_range(1e-320, 1e-310, 1, 1, &lo, &hi);
    assert_true(lo > 0 && lo < hi && isfinite(hi));
}

static void test_palette(void **state)
{
    (void)state;
    double a[3], b[3], g[3];
    plot_palette(-1, g);
    assert_true(g[0] == g[1] && g[1] == g[2] && g[0] > 0.2 && g[0] < 0.8);
    plot_palette(0, a);
    plot_palette(1, b);
    assert_true(a[0] != b[0] || a[1] != b[1] || a[2] != b[2]);
    for (int i = 0; i < 40; i++) {
        plot_palette(i, a);
        for (int k = 0; k < 3; k++)
            assert_true(a[k] >= 0 && a[k] <= 1);
    }
    /* cycles */
    int period = 0;
    plot_palette(0, a);
    for (int i = 1; i < 40 && !period; i++) {
        plot_palette(i, b);
        if (a[0] == b[0] && a[1] == b[1] && a[2] == b[2])
            period = i;
    }
    assert_true(period >= 6);
    plot_palette(1000000, b); /* no crash on large indices */
    plot_palette(0, NULL);
}

/* Fontconfig, which cairo's text uses, keeps its parsed configuration for
 * the life of the process; tell LeakSanitizer (sanitizer builds only look
 * this up) that this is not a leak of ours. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
    return "leak:libfontconfig.so\n";
}


/* ------------------------------------------------------------------ */
/* issue 23: symlog axes, legend and label placement, ghosts, text size */

static void test_symlog(void **state)
{
    (void)state;
    /* the transform: linear within +-lt, a decade per unit beyond */
    assert_true(plot_symlog(0, 0.1) == 0);
    assert_true(fabs(plot_symlog(0.05, 0.1) - 0.5) < 1e-12);
    assert_true(fabs(plot_symlog(0.1, 0.1) - 1) < 1e-12);
    assert_true(fabs(plot_symlog(1, 0.1) - 2) < 1e-12);
    assert_true(fabs(plot_symlog(-100, 0.1) + 4) < 1e-12);
    double prev = -INFINITY;
    for (double v = -1e4; v <= 1e4; v += 7.3) {
        double t = plot_symlog(v, 0.5);
        assert_true(t > prev);
        prev = t;
        assert_true(fabs(plot_symlog_inv(t, 0.5) - v) <= 1e-9 * fmax(1, fabs(v)));
    }
    /* ticks: 0 and the powers of ten beyond lt, both signs */
    double t[40];
    size_t n = plot_symlog_ticks(-100, 1000, 1, t, 40);
    const double want[] = {-100, -10, -1, 0, 1, 10, 100, 1000};
    assert_int_equal(n, 8);
    for (size_t i = 0; i < n; i++)
        assert_true(t[i] == want[i]);
    /* at most max, 0 kept, every other decade */
    n = plot_symlog_ticks(-1e6, 1e6, 1, t, 8);
    assert_true(n <= 8 && n >= 5);
    int zero = 0;
    for (size_t i = 0; i < n; i++) {
        zero |= t[i] == 0;
        if (i > 0)
            assert_true(t[i] > t[i - 1]);
    }
    assert_true(zero);
    /* no tick inside the linear part but 0 (and +-lt when a power of ten) */
    n = plot_symlog_ticks(-0.5, 50, 0.01, t, 40);
    for (size_t i = 0; i < n; i++)
        assert_true(t[i] == 0 || fabs(t[i]) >= 0.01 * (1 - 1e-12));
    /* labels */
    char lb[8][PLOT_TICK_LABEL_MAX];
    n = plot_symlog_ticks(-100, 1000, 1, t, 40);
    plot_symlog_labels(t, 3, &lb[0][0], PLOT_TICK_LABEL_MAX);
    assert_string_equal(lb[0], "\xE2\x88\x92" "10^{2}");
    assert_string_equal(lb[2], "\xE2\x88\x92" "10^{0}");
    double t2[3] = {-1, 0, 1000};
    plot_symlog_labels(t2, 3, &lb[0][0], PLOT_TICK_LABEL_MAX);
    assert_string_equal(lb[1], "0");
    assert_string_equal(lb[2], "10^{3}");
    /* range: outwards to +-lt and powers of ten */
    double lo, hi;
    plot_symlog_range(-0.5, 300, 1, 1, &lo, &hi);
    assert_true(lo == -1 && hi == 1000);
    plot_symlog_range(2e-3, 0.3, 1, 1e-2, &lo, &hi);
    assert_true(lo == 0 && hi == 1);
    plot_symlog_range(0, 0, 1, 1, &lo, &hi);
    assert_true(lo < 0 && hi > 0);
    plot_symlog_range(0, 0, 0, 2, &lo, &hi);
    assert_true(lo == -2 && hi == 2);
    /* a panel on a symlog axis draws and keeps its limits */
    double x[5] = {-50, -0.01, 0, 0.02, 400}, y[5] = {1, 2, 3, 2, 1};
    plot_series se = {x, y, NULL, 5, PLOT_LINE, 0, NULL};
    plot_panel p = {.xscale = PLOT_SYMLOG, .linthresh = 0.1, .series = &se, .nseries = 1};
    double xlo, xhi, ylo, yhi;
    plot_panel_limits(&p, &xlo, &xhi, &ylo, &yhi);
    assert_true(xlo <= -50 && xlo >= -1000 && xhi >= 400 && xhi <= 1e4);
    cairo_surface_t *sf = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 400, 300);
    cairo_t *cr = cairo_create(sf);
    plot_geom g;
    plot_draw_panel(cr, &p, 0, 0, 400, 300, 10, &g);
    assert_true(g.drawn);
    assert_true(g.xlo == xlo && g.xhi == xhi);
    assert_int_equal(cairo_status(cr), CAIRO_STATUS_SUCCESS);
    cairo_destroy(cr);
    cairo_surface_destroy(sf);
}

/* Pixels within 40 of rgb (0..255) inside the rectangle. */
static long count_rgb(cairo_surface_t *sf, double x0, double y0, double x1, double y1,
                      int r, int gg, int b, int tol)
{
    cairo_surface_flush(sf);
    const int W = cairo_image_surface_get_width(sf), H = cairo_image_surface_get_height(sf);
    const int st = cairo_image_surface_get_stride(sf);
    const unsigned char *d = cairo_image_surface_get_data(sf);
    long n = 0;
    for (int y = (int)fmax(0, y0); y < (int)y1 && y < H; y++)
        for (int x = (int)fmax(0, x0); x < (int)x1 && x < W; x++) {
            const unsigned char *p = d + (size_t)y * st + 4 * (size_t)x;
            if (abs(p[2] - r) <= tol && abs(p[1] - gg) <= tol && abs(p[0] - b) <= tol)
                n++;
        }
    return n;
}

static int in_box(const plot_rect *r, double x, double y)
{
    return x >= r->x && x <= r->x + r->w && y >= r->y && y <= r->y + r->h;
}

/* The legend goes where it hides no data: here every corner holds points
 * and only the middle of the top side is free (the old rule kept a
 * corner); with data everywhere it goes outside the plot area. */
static void test_legend_placement(void **state)
{
    (void)state;
    double x[64], y[64];
    size_t n = 0;
    /* clusters in the four corners and along the bottom */
    for (int c = 0; c < 4; c++)
        for (int k = 0; k < 5; k++) {
            x[n] = (c % 2 ? 10.0 : 0.0) + (c % 2 ? -0.25 : 0.25) * k;
            y[n++] = (c / 2 ? 10.0 : 0.0) + (c / 2 ? -0.3 : 0.3) * (k % 3);
        }
    for (int k = 0; k < 11; k++) {
        x[n] = k;
        y[n++] = 5 + (k % 2 ? 0.4 : -0.4);
    }
    plot_series se[2] = {{x, y, NULL, n, PLOT_POINTS, 0, "points"},
                         {x, y, NULL, 0, PLOT_LINE, 1, "a second entry"}};
    plot_panel p = {.series = se, .nseries = 2, .xmin = -0.5, .xmax = 10.5, .ymin = -0.5, .ymax = 10.5};
    cairo_surface_t *sf = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 600, 400);
    cairo_t *cr = cairo_create(sf);
    plot_geom g;
    plot_draw_panel(cr, &p, 0, 0, 600, 400, 10, &g);
    assert_true(g.drawn && g.has_legend);
    /* inside the area, covering no point */
    assert_true(g.legend.x >= g.area.x && g.legend.x + g.legend.w <= g.area.x + g.area.w);
    for (size_t i = 0; i < n; i++) {
        double px = g.area.x + (x[i] - g.xlo) / (g.xhi - g.xlo) * g.area.w;
        double py = g.area.y + g.area.h - (y[i] - g.ylo) / (g.yhi - g.ylo) * g.area.h;
        assert_false(in_box(&g.legend, px, py));
    }
    /* a grid of points everywhere: outside, right of the area */
    double gx[400], gy[400];
    size_t m = 0;
    for (int i = 0; i < 20; i++)
        for (int j = 0; j < 20; j++) {
            gx[m] = i;
            gy[m++] = j;
        }
    se[0].x = gx;
    se[0].y = gy;
    se[0].n = m;
    p.xmax = p.ymax = 19.5;
    plot_draw_panel(cr, &p, 0, 0, 600, 400, 10, &g);
    assert_true(g.has_legend);
    assert_true(g.legend.x >= g.area.x + g.area.w);
    assert_true(g.legend.x + g.legend.w <= 600);
    cairo_destroy(cr);
    cairo_surface_destroy(sf);
}

/* A reference line's label does not cover the points near the line's
 * right end (the K̄ label on the kernel panel's scatter), a note not the
 * points in its corner: the points' pixels are the same with and without
 * the text. */
static void test_ref_label_avoids_points(void **state)
{
    (void)state;
    double x[6] = {7, 7.5, 8, 7.2, 7.8, 1}, y[6] = {21, 21.6, 22, 20.5, 21.2, 12};
    double hl = 20.8;
    const char *hll[1] = {"K̄ exact mean (LIU23 Eq. 9)"};
    plot_series se = {x, y, NULL, 6, PLOT_POINTS, 0, NULL};
    plot_panel p = {.series = &se, .nseries = 1, .xmin = 0.5, .xmax = 8.5, .ymin = 0, .ymax = 40,
                    .hlines = &hl, .nhlines = 1};
    long cnt[2];
    for (int k = 0; k < 2; k++) {
        p.hline_labels = k ? hll : NULL;
        cairo_surface_t *sf = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 360, 260);
        cairo_t *cr = cairo_create(sf);
        plot_geom g;
        plot_draw_panel(cr, &p, 0, 0, 360, 260, 10, &g);
        double rgb[3];
        plot_palette(0, rgb);
        cnt[k] = count_rgb(sf, g.area.x, g.area.y, g.area.x + g.area.w, g.area.y + g.area.h,
                           (int)(255 * rgb[0]), (int)(255 * rgb[1]), (int)(255 * rgb[2]), 40);
        cairo_destroy(cr);
        cairo_surface_destroy(sf);
    }
    assert_true(cnt[0] > 50);
    assert_true(cnt[1] >= cnt[0] - 2);
    /* a note whose corner (lower left) holds points goes where it hides none */
    double nx[6] = {1, 1.3, 1.6, 1.2, 1.5, 8}, ny[6] = {2, 3, 4, 5, 1.5, 38};
    se.x = nx;
    se.y = ny;
    p.nhlines = 0;
    for (int k = 0; k < 2; k++) {
        p.note = k ? "a note of two lines\nover the lower left corner" : NULL;
        p.note_corner = PLOT_LOWER_LEFT;
        cairo_surface_t *sf = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 360, 260);
        cairo_t *cr = cairo_create(sf);
        plot_geom g;
        plot_draw_panel(cr, &p, 0, 0, 360, 260, 10, &g);
        double rgb[3];
        plot_palette(0, rgb);
        cnt[k] = count_rgb(sf, g.area.x, g.area.y, g.area.x + g.area.w, g.area.y + g.area.h,
                           (int)(255 * rgb[0]), (int)(255 * rgb[1]), (int)(255 * rgb[2]), 40);
        cairo_destroy(cr);
        cairo_surface_destroy(sf);
    }
    assert_true(cnt[0] > 50);
    assert_true(cnt[1] >= cnt[0] - 2);
}

/* Series alpha dims, a ghost is drawn lighter and behind the others. */
static void test_alpha_ghost(void **state)
{
    (void)state;
    double x[2] = {0, 1}, y[2] = {0.5, 0.5};
    long cnt[3];
    for (int k = 0; k < 3; k++) {
        plot_series se = {x, y, NULL, 2, PLOT_BOLD, 0, NULL};
        if (k == 1)
            se.alpha = 0.35;
        if (k == 2)
            se.ghost = 1;
        plot_panel p = {.series = &se, .nseries = 1, .xmin = 0, .xmax = 1, .ymin = 0, .ymax = 1};
        cairo_surface_t *sf = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 300, 200);
        cairo_t *cr = cairo_create(sf);
        plot_geom g;
        plot_draw_panel(cr, &p, 0, 0, 300, 200, 10, &g);
        double rgb[3];
        plot_palette(0, rgb);
        /* the full colour */
        cnt[k] = count_rgb(sf, g.area.x, g.area.y, g.area.x + g.area.w, g.area.y + g.area.h,
                           (int)(255 * rgb[0]), (int)(255 * rgb[1]), (int)(255 * rgb[2]), 20);
        cairo_destroy(cr);
        cairo_surface_destroy(sf);
    }
    assert_true(cnt[0] > 200);
    assert_true(cnt[1] < cnt[0] / 10);
    assert_true(cnt[2] < cnt[0] / 10);
    /* a ghost listed first is drawn behind a normal series: where they
     * cross the normal one's colour is on top */
    double x2[2] = {0.5, 0.5}, y2[2] = {0, 1};
    plot_series two[2] = {{x, y, NULL, 2, PLOT_BOLD, 0, NULL}, {x2, y2, NULL, 2, PLOT_BOLD, 1, NULL}};
    two[0].ghost = 0;
    two[1].ghost = 1;
    plot_panel p = {.series = two, .nseries = 2, .xmin = 0, .xmax = 1, .ymin = 0, .ymax = 1};
    cairo_surface_t *sf = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 300, 200);
    cairo_t *cr = cairo_create(sf);
    plot_geom g;
    plot_draw_panel(cr, &p, 0, 0, 300, 200, 10, &g);
    double rgb[3];
    plot_palette(0, rgb);
    double cx = g.area.x + 0.5 * g.area.w, cy = g.area.y + 0.5 * g.area.h;
    assert_true(count_rgb(sf, cx - 3, cy - 2, cx + 3, cy + 2, (int)(255 * rgb[0]), (int)(255 * rgb[1]),
                          (int)(255 * rgb[2]), 25) >= 4);
    cairo_destroy(cr);
    cairo_surface_destroy(sf);
}

/* Ink (sum of darkness, 0..765 per pixel) inside the rectangle. */
static double ink(cairo_surface_t *sf, const plot_geom *g)
{
    cairo_surface_flush(sf);
    const int W = cairo_image_surface_get_width(sf), H = cairo_image_surface_get_height(sf);
    const int st = cairo_image_surface_get_stride(sf);
    const unsigned char *d = cairo_image_surface_get_data(sf);
    double s = 0;
    for (int y = (int)g->area.y + 1; y < (int)(g->area.y + g->area.h) - 1 && y < H; y++)
        for (int x = (int)g->area.x + 1; x < (int)(g->area.x + g->area.w) - 1 && x < W; x++) {
            const unsigned char *p = d + (size_t)y * st + 4 * (size_t)x;
            s += 765 - p[0] - p[1] - p[2];
        }
    return s;
}

/* The ink of panel p's texts inside its area at size fs x f in a cell f
 * times 400 x 300: the panel drawn with them less the panel without. */
static double text_ink(plot_panel *p, double f, const char *const *hll, const char *const *vml, const char *note)
{
    double r[2];
    for (int k = 0; k < 2; k++) {
        p->hline_labels = k ? hll : NULL;
        p->vmark_labels = k ? vml : NULL;
        p->note = k ? note : NULL;
        cairo_surface_t *sf = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, (int)(400 * f), (int)(300 * f));
        cairo_t *cr = cairo_create(sf);
        plot_geom g;
        plot_draw_panel(cr, p, 0, 0, 400 * f, 300 * f, 10 * f, &g);
        r[k] = ink(sf, &g);
        cairo_destroy(cr);
        cairo_surface_destroy(sf);
    }
    return r[1] - r[0];
}

/* Every text scales with fs: a reference-line label, a marker label and a
 * note drawn at twice the size in a cell twice as large take four times
 * the ink (a text of a fixed size: the same ink). */
static void test_text_scales(void **state)
{
    (void)state;
    double x[2] = {0, 10}, y[2] = {-5, -5};  /* off the range: no data drawn */
    double hl = 0.5, vm = 5;
    const char *hll[1] = {"ln D_{v}"}, *vml[1] = {"η 0.002 → 0.005"};
    plot_series se = {x, y, NULL, 2, PLOT_LINE, 0, NULL};
    plot_panel p = {.series = &se, .nseries = 1, .xmin = 0, .xmax = 10, .ymin = 0, .ymax = 1,
                    .hlines = &hl, .nhlines = 1, .vmarks = &vm, .nvmarks = 1,
                    .note_corner = PLOT_UPPER_LEFT};
    /* the labels of the lines */
    double a = text_ink(&p, 1, hll, vml, NULL), b = text_ink(&p, 2, hll, vml, NULL);
    assert_true(a > 2000);
    assert_true(b > 3.3 * a && b < 4.7 * a);
    /* the note */
    p.nhlines = p.nvmarks = 0;
    a = text_ink(&p, 1, NULL, NULL, "ηK̄ = 0.044 per step\nconverged at step 120");
    b = text_ink(&p, 2, NULL, NULL, "ηK̄ = 0.044 per step\nconverged at step 120");
    assert_true(a > 2000);
    assert_true(b > 3.3 * a && b < 4.7 * a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_write_all_formats, setup_dir,
                                        teardown_dir),
        cmocka_unit_test_setup_teardown(test_degenerate, setup_dir,
                                        teardown_dir),
        cmocka_unit_test(test_draw_on_context),
        cmocka_unit_test(test_unwritable),
        cmocka_unit_test(test_ticks_linear),
        cmocka_unit_test(test_ticks_log),
        cmocka_unit_test(test_tick_labels),
        cmocka_unit_test(test_auto_range),
        cmocka_unit_test(test_palette),
        cmocka_unit_test(test_symlog),
        cmocka_unit_test(test_legend_placement),
        cmocka_unit_test(test_ref_label_avoids_points),
        cmocka_unit_test(test_alpha_ghost),
        cmocka_unit_test(test_text_scales),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    cairo_debug_reset_static_data(); /* font caches: quiet leak checkers */
    return rc;
}
