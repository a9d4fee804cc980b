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
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    cairo_debug_reset_static_data(); /* font caches: quiet leak checkers */
    return rc;
}
