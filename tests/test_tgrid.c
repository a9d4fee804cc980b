/* Tests of the text grid and the text plot panels (ui/tui/tgrid): cells,
 * UTF-8 text with combining marks, truncation, the label markup and the
 * ASCII transliteration, and panels: curves where their data are, ticks
 * at the rows of their values, dash patterns, histogram bars, notes,
 * legends, reference lines, colours, and nothing outside the rectangle
 * whatever the size or the data; symlog axes, dimmed and ghost series,
 * gaps at NaN, marker labels and titles that are not cut (issue 23). */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

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

#include "plot_ticks.h"
#include "tgrid.h"
#include "utf8.h"

/* ------------------------------------------------------------------ */
/* helpers                                                             */

#define assert_near(a, b, tol) \
    assert_true(fabs((double)(a) - (double)(b)) <= (tol))

static tg_grid grid(int w, int h, tg_charset cs)
{
    tg_grid g;
    assert_int_equal(tg_init(&g, w, h, cs), 0);
    return g;
}

static const char *ch(tg_grid *g, int x, int y)
{
    tg_cell *c = tg_at(g, x, y);
    assert_non_null(c);
    return c->ch[0] ? c->ch : " ";
}

/* Row y as text (cells joined, "" as a space). */
static const char *row(tg_grid *g, int y)
{
    static char buf[8192];
    size_t n = 0;
    buf[0] = 0;
    for (int x = 0; x < g->w; x++) {
        const char *s = ch(g, x, y);
        size_t l = strlen(s);
        if (n + l + 1 > sizeof buf)
            break;
        memcpy(buf + n, s, l);
        n += l;
        buf[n] = 0;
    }
    return buf;
}

/* Does s start at cell (x, y), cell by cell? */
static int match_at(tg_grid *g, int x, int y, const char *s)
{
    while (*s) {
        tg_cell *c = tg_at(g, x, y);
        if (!c)
            return 0;
        const char *t = c->ch[0] ? c->ch : " ";
        size_t l = strlen(t);
        if (strncmp(s, t, l) != 0)
            return 0;
        s += l;
        x++;
    }
    return 1;
}

/* The first cell where s starts in rows y0 .. y1, columns x0 .. x1. */
static int find_in(tg_grid *g, const char *s, int x0, int y0, int x1, int y1,
                   int *fx, int *fy)
{
    for (int y = y0; y <= y1 && y < g->h; y++)
        for (int x = x0; x <= x1 && x < g->w; x++)
            if (match_at(g, x, y, s)) {
                if (fx)
                    *fx = x;
                if (fy)
                    *fy = y;
                return 1;
            }
    return 0;
}

static int find(tg_grid *g, const char *s, int *fx, int *fy)
{
    return find_in(g, s, 0, 0, g->w - 1, g->h - 1, fx, fy);
}

/* A braille cell with at least one dot. */
static int braille(tg_grid *g, int x, int y)
{
    const unsigned char *s = (const unsigned char *)ch(g, x, y);
    return s[0] == 0xE2 && (s[1] & 0xFC) == 0xA0 && !(s[1] == 0xA0 && s[2] == 0x80);
}

/* The dots of a braille cell (0 when it is none). */
static unsigned braille_bits(tg_grid *g, int x, int y)
{
    const unsigned char *s = (const unsigned char *)ch(g, x, y);
    if (s[0] != 0xE2 || (s[1] & 0xFC) != 0xA0)
        return 0;
    return ((unsigned)(s[1] & 3) << 6) | (s[2] & 0x3F);
}

static int blank(tg_grid *g, int x, int y)
{
    return strcmp(ch(g, x, y), " ") == 0;
}

/* An ASCII curve cell. */
static int ascii_dot(tg_grid *g, int x, int y)
{
    const char *s = ch(g, x, y);
    return s[1] == 0 && strchr("'-.:|", s[0]) != NULL;
}

static void all_ascii(tg_grid *g)
{
    for (int y = 0; y < g->h; y++)
        for (int x = 0; x < g->w; x++) {
            const unsigned char *s = (const unsigned char *)tg_at(g, x, y)->ch;
            for (; *s; s++)
                if (*s > 127)
                    fail_msg("byte 0x%02x at (%d, %d): row \"%s\"", *s, x, y, row(g, y));
        }
}

static plot_panel panel(const plot_series *s, size_t n)
{
    plot_panel p;
    memset(&p, 0, sizeof p);
    p.series = s;
    p.nseries = n;
    return p;
}

static plot_series series(const double *x, const double *y, size_t n,
                          plot_style st, int color, const char *label)
{
    plot_series s;
    memset(&s, 0, sizeof s);
    s.x = x;
    s.y = y;
    s.n = n;
    s.style = st;
    s.color = color;
    s.label = label;
    return s;
}

/* ------------------------------------------------------------------ */
/* cells and text                                                      */

static void test_grid_basics(void **state)
{
    (void)state;
    tg_grid g;
    assert_int_equal(tg_init(&g, 0, 5, TG_UTF8), -1);
    assert_null(g.c);
    assert_int_equal(tg_init(&g, 5, -1, TG_UTF8), -1);
    g = grid(10, 4, TG_UTF8);
    assert_null(tg_at(&g, -1, 0));
    assert_null(tg_at(&g, 10, 0));
    assert_null(tg_at(&g, 0, 4));
    assert_non_null(tg_at(&g, 9, 3));
    tg_put(&g, 2, 1, "λ", 3, TG_BOLD);
    assert_string_equal(tg_at(&g, 2, 1)->ch, "λ");
    assert_int_equal(tg_at(&g, 2, 1)->color, 3);
    assert_int_equal(tg_at(&g, 2, 1)->attr, TG_BOLD);
    tg_put(&g, 3, 1, "ab", 0, 0);           /* one character only */
    assert_string_equal(tg_at(&g, 3, 1)->ch, "a");
    tg_put(&g, 50, 50, "x", 0, 0);          /* outside: ignored */
    tg_fill(&g, -3, -3, 6, 6, 2, TG_REVERSE);
    assert_string_equal(tg_at(&g, 2, 1)->ch, "");
    assert_int_equal(tg_at(&g, 2, 2)->color, 2);
    assert_int_equal(tg_at(&g, 2, 2)->attr, TG_REVERSE);
    assert_int_equal(tg_at(&g, 3, 0)->color, 0);
    tg_clear(&g);
    for (int y = 0; y < 4; y++)
        for (int x = 0; x < 10; x++) {
            assert_string_equal(tg_at(&g, x, y)->ch, "");
            assert_int_equal(tg_at(&g, x, y)->color, 0);
            assert_int_equal(tg_at(&g, x, y)->attr, 0);
        }
    tg_free(&g);
    assert_null(g.c);
    tg_free(&g);                            /* twice: harmless */
}

static void test_text_truncation(void **state)
{
    (void)state;
    tg_grid g = grid(20, 3, TG_UTF8);
    assert_int_equal(tg_text(&g, 1, 0, 5, "hello world", 1, 0), 5);
    assert_string_equal(row(&g, 0), " hell…              ");
    assert_int_equal(tg_at(&g, 5, 0)->color, 1);
    assert_int_equal(tg_text(&g, 0, 1, 5, "hello", 0, 0), 5);   /* exact fit */
    assert_true(match_at(&g, 0, 1, "hello "));
    assert_int_equal(tg_text(&g, 15, 2, -1, "abcdefgh", 0, 0), 5); /* to the edge */
    assert_true(match_at(&g, 15, 2, "abcd…"));
    assert_int_equal(tg_text(&g, 0, 2, 0, "x", 0, 0), 0);
    assert_int_equal(tg_text(&g, 0, 5, 3, "x", 0, 0), 0);       /* no such row */
    assert_int_equal(tg_text(&g, 0, 2, 1, "xyz", 0, 0), 1);
    assert_string_equal(ch(&g, 0, 2), "…");
    tg_text(&g, 0, 0, 6, "a\tb\nc", 0, 0);                      /* controls: spaces */
    assert_true(match_at(&g, 0, 0, "a b c"));
    tg_free(&g);

    g = grid(20, 2, TG_ASCII);
    assert_int_equal(tg_text(&g, 0, 0, 6, "η = 0.5 per step", 0, 0), 6);
    assert_true(match_at(&g, 0, 0, "eta =~"));
    assert_int_equal(tg_width("η = 0.5", TG_ASCII), 9);
    assert_int_equal(tg_width("η = 0.5", TG_UTF8), 7);
    tg_free(&g);
}

static void test_combining_marks(void **state)
{
    (void)state;
    tg_grid g = grid(10, 2, TG_UTF8);
    /* K̄ = K + U+0304: one cell */
    assert_int_equal(tg_width("ηK̄t", TG_UTF8), 3);
    assert_int_equal(tg_text(&g, 0, 0, -1, "ηK̄t", 0, 0), 3);
    assert_string_equal(tg_at(&g, 1, 0)->ch, "K\xCC\x84");
    assert_string_equal(tg_at(&g, 2, 0)->ch, "t");
    /* a mark with nothing before it is dropped; invalid bytes show U+FFFD */
    assert_int_equal(tg_text(&g, 0, 1, -1, "\xCC\x84" "a\xFF" "b", 0, 0), 3);
    assert_string_equal(tg_at(&g, 0, 1)->ch, "a");
    assert_string_equal(tg_at(&g, 1, 1)->ch, "\xEF\xBF\xBD");
    assert_string_equal(tg_at(&g, 2, 1)->ch, "b");
    /* many marks: kept while the cell holds them, never cut inside one */
    tg_text(&g, 5, 1, -1, "x\xCC\x84\xCC\x84\xCC\x84\xCC\x84\xCC\x84\xCC\x84\xCC\x84\xCC\x84y", 0, 0);
    const char *c = tg_at(&g, 5, 1)->ch;
    assert_true(strlen(c) < sizeof tg_at(&g, 5, 1)->ch);
    assert_int_equal((strlen(c) - 1) % 2, 0);
    assert_string_equal(tg_at(&g, 6, 1)->ch, "y");
    tg_free(&g);

    g = grid(10, 1, TG_ASCII);
    assert_int_equal(tg_text(&g, 0, 0, -1, "K̄ = 1", 0, 0), 8);
    assert_true(match_at(&g, 0, 0, "Kbar = 1"));
    tg_put(&g, 9, 0, "λ", 0, 0);                /* one cell: first letter */
    assert_string_equal(tg_at(&g, 9, 0)->ch, "l");
    tg_free(&g);
}

static void test_markup(void **state)
{
    (void)state;
    static const char *const cases[][3] = {
        /* input, UTF-8, ASCII */
        {"λ_{min}", "λ_min", "lambda_min"},
        {"10^{−3}", "10⁻³", "10^-3"},
        {"10^{0}", "10⁰", "10^0"},
        {"2×10^{5}", "2×10⁵", "2x10^5"},
        {"e^{−2ηK̄t}", "e^(−2ηK̄t)", "e^(-2*eta*Kbar*t)"},
        {"ε_{rms}(t)", "ε_rms(t)", "eps_rms(t)"},
        {"K̄", "K̄", "Kbar"},
        {"D_{v}", "Dᵥ", "D_v"},
        {"c_0 + c_1 t", "c₀ + c₁ t", "c_0 + c_1 t"},
        {"2γ^{2}(1 − 1/γ^{2})", "2γ²(1 − 1/γ²)", "2*gamma^2(1 - 1/gamma^2)"},
        {"(I − ηK)^{t} r", "(I − ηK)ᵗ r", "(I - eta*K)^t r"},
        {"½‖ρ_{v} − I/D_{v}‖_{1}", "½‖ρᵥ − I/Dᵥ‖₁", "1/2||rho_v - I/D_v||_1"},
        {"S(ρ_{v}) [nats]", "S(ρᵥ) [nats]", "S(rho_v) [nats]"},
        {"λ_{k}(K)/p", "λₖ(K)/p", "lambda_k(K)/p"},
        {"K_{ij}", "K_ij", "K_ij"},
        {"(t − t_0)^{t−t_0}", "(t − t₀)^(t−t₀)", "(t - t_0)^(t-t_0)"},
        {"x^2y", "x²y", "x^2y"},
        {"a\\_b \\{c\\} \\\\", "a_b {c} \\", "a_b {c} \\"},
        {"x_ y^}", "x_ y^}", "x_ y^}"},
        {"x^{open", "x^open", "x^open"},
        {"σ_θ", "σ_θ", "sigma_theta"},
        {"x^{}y", "xy", "xy"},
        {"", "", ""},
    };
    char out[256];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t n = tg_markup(cases[i][0], out, sizeof out, TG_UTF8);
        if (strcmp(out, cases[i][1]) != 0)
            fail_msg("UTF-8 markup of \"%s\": \"%s\", not \"%s\"", cases[i][0], out, cases[i][1]);
        assert_int_equal(n, strlen(out));
        tg_markup(cases[i][0], out, sizeof out, TG_ASCII);
        if (strcmp(out, cases[i][2]) != 0)
            fail_msg("ASCII markup of \"%s\": \"%s\", not \"%s\"", cases[i][0], out, cases[i][2]);
    }
    /* cut at a character boundary, always terminated */
    assert_int_equal(tg_markup("λλλ", out, 4, TG_UTF8), 2);
    assert_string_equal(out, "λ");
    assert_int_equal(tg_markup("abc", out, 1, TG_UTF8), 0);
    assert_string_equal(out, "");
    assert_int_equal(tg_markup(NULL, out, sizeof out, TG_UTF8), 0);
    assert_string_equal(out, "");
}

static void test_ascii_translit(void **state)
{
    (void)state;
    static const char *const cases[][2] = {
        {"γ η ε λ θ σ ρ μ π Σ Δ", "gamma eta eps lambda theta sigma rho mu pi Sigma Delta"},
        {"− × … · — –", "- x ... * - -"},
        {"‖x‖ ½ √2 ⟨ψ⟩", "||x|| 1/2 sqrt2 <psi>"},
        {"∇²L ≤ ≥ ≈ → ← ∞ ∑ ∂", "grad^2*L <= >= ~ -> <- inf sum d"},
        {"▶ play ⏸ ❚❚ ✓ ✗", "> play || || ok x"},
        {"x⁻¹² M₁ Oᵀ", "x^-12 M_1 O^T"},
        {"ŷ ĥ é", "yhat hhat e"},
        {"a\xFF" "b\xC3", "a?b?"},
        {"\xE4\xB8\xAD", "?"},                  /* a CJK character: unknown */
    };
    char out[256];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tg_ascii(cases[i][0], out, sizeof out);
        if (strcmp(out, cases[i][1]) != 0)
            fail_msg("tg_ascii(\"%s\") = \"%s\", not \"%s\"", cases[i][0], out, cases[i][1]);
    }
    /* never a partial word: what does not fit ends the output */
    assert_int_equal(tg_ascii("aλ", out, 5), 1);
    assert_string_equal(out, "a");
}

/* Every non-ASCII character in the faces' strings, the help texts and the
 * session's messages has a transliteration (found through this file's
 * path; skipped when the sources are not next to it). */
static void test_ascii_covers_sources(void **state)
{
    (void)state;
    static const char *const files[] = {
        "../ui/live/live.c", "../ui/live/dash.c", "../ui/live/export.c",
        "../ui/live/live.h", "../assets/help.ini", "../engine/src/session.c"};
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", __FILE__);
    char *slash = strrchr(dir, '/');
    if (!slash)
        skip();
    *slash = 0;
    int opened = 0;
    long chars = 0;
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char path[4200];
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        FILE *f = fopen(path, "r");
        if (!f)
            continue;
        opened++;
        char line[4096];
        while (fgets(line, sizeof line, f)) {
            for (const unsigned char *p = (const unsigned char *)line; *p; p++) {
                if (*p < 0xC0)
                    continue;
                size_t n = *p >= 0xF0 ? 4 : *p >= 0xE0 ? 3 : 2;
                char one[8] = {0}, out[32];
                memcpy(one, p, n);
                tg_ascii(one, out, sizeof out);
                if (strcmp(out, "?") == 0 || (out[0] == 0 && (unsigned char)one[0] != 0xCC))
                    fail_msg("%s: \"%s\" has no transliteration", files[i], one);
                for (const unsigned char *q = (const unsigned char *)out; *q; q++)
                    assert_true(*q < 128);
                chars++;
            }
        }
        fclose(f);
    }
    if (opened == 0)
        skip();
    assert_true(chars > 0);
}

static void test_dump(void **state)
{
    (void)state;
    tg_grid g = grid(8, 3, TG_UTF8);
    tg_text(&g, 1, 0, -1, "ab", 0, 0);
    tg_text(&g, 0, 2, -1, "λ  x", 0, 0);
    FILE *f = tmpfile();
    assert_non_null(f);
    assert_int_equal(tg_dump(&g, f), 0);
    rewind(f);
    char buf[128] = {0};
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = 0;
    assert_string_equal(buf, " ab\n\nλ  x\n");
    fclose(f);
    /* a stream that cannot be written */
    f = tmpfile();
    assert_non_null(f);
    FILE *r = fdopen(dup(fileno(f)), "r");
    assert_non_null(r);
    assert_int_equal(tg_dump(&g, r), -1);
    fclose(r);
    fclose(f);
    tg_free(&g);
}

/* ------------------------------------------------------------------ */
/* panels                                                              */

/* y = x on 0..1 lights the diagonal of the area, nothing far from it. */
static void test_diagonal_line(void **state)
{
    (void)state;
    const double x[2] = {0, 1}, y[2] = {0, 1};
    plot_series s = series(x, y, 2, PLOT_LINE, 0, NULL);
    plot_panel p = panel(&s, 1);
    p.xmin = 0; p.xmax = 1; p.ymin = 0; p.ymax = 1;
    tg_grid g = grid(60, 24, TG_UTF8);
    tg_geom geo;
    tg_panel(&g, &p, 0, 0, 60, 24, &geo);
    assert_true(geo.drawn);
    assert_near(geo.xlo, 0, 0);
    assert_near(geo.xhi, 1, 0);
    assert_near(geo.ylo, 0, 0);
    assert_near(geo.yhi, 1, 0);
    assert_true(geo.aw >= 40 && geo.ah >= 15);
    const int nx = 2 * geo.aw, ny = 4 * geo.ah;
    for (int k = 0; k < geo.aw; k++) {
        double f = (2 * k + 0.5) / (nx - 1);
        int r = (int)((1 - f) * (ny - 1) + 0.5) / 4;
        int lit = 0;
        for (int d = -1; d <= 1; d++)
            if (r + d >= 0 && r + d < geo.ah)
                lit |= braille(&g, geo.ax + k, geo.ay + r + d);
        if (!lit)
            fail_msg("column %d: no dot near row %d", k, r);
        for (int rr = 0; rr < geo.ah; rr++)
            if (abs(rr - r) >= 3 && !blank(&g, geo.ax + k, geo.ay + rr))
                fail_msg("column %d row %d: '%s', far from the line (row %d)", k, rr,
                         ch(&g, geo.ax + k, geo.ay + rr), r);
    }
    /* the corners: bottom left and top right dots of the area */
    assert_true(braille_bits(&g, geo.ax, geo.ay + geo.ah - 1) & 0x40);
    assert_true(braille_bits(&g, geo.ax + geo.aw - 1, geo.ay) & 0x08);
    /* the axes */
    assert_string_equal(ch(&g, geo.ax - 1, geo.ay + geo.ah), "└");
    assert_string_equal(ch(&g, geo.ax - 1, geo.ay + 1), "│");
    tg_free(&g);
}

/* On a log axis, 10^-k lands at the row of its tick label "10⁻ᵏ". */
static void test_log_rows_and_labels(void **state)
{
    (void)state;
    enum { N = 50 };
    double x[N], y[3][N];
    for (int i = 0; i < N; i++) {
        x[i] = i;
        y[0][i] = 1e-1;
        y[1][i] = 1e-2;
        y[2][i] = 1e-3;
    }
    plot_series s[3];
    for (int k = 0; k < 3; k++)
        s[k] = series(x, y[k], N, PLOT_LINE, k, NULL);
    plot_panel p = panel(s, 3);
    p.yscale = PLOT_LOG;
    p.ymin = 1e-4;
    p.ymax = 1;
    static const char *const lab_u[3] = {"10⁻¹", "10⁻²", "10⁻³"};
    static const char *const lab_a[3] = {"10^-1", "10^-2", "10^-3"};
    for (int cs = 0; cs < 2; cs++) {
        tg_grid g = grid(70, 26, cs ? TG_ASCII : TG_UTF8);
        tg_geom geo;
        tg_panel(&g, &p, 0, 0, 70, 26, &geo);
        assert_true(geo.drawn);
        assert_true(find_in(&g, cs ? "10^0" : "10⁰", 0, geo.ay, geo.ax - 1, geo.ay, NULL, NULL));
        for (int k = 0; k < 3; k++) {
            int lx = 0, ly = 0;
            if (!find_in(&g, cs ? lab_a[k] : lab_u[k], 0, geo.ay, geo.ax - 1, geo.ay + geo.ah - 1, &lx, &ly))
                fail_msg("no tick label %s", cs ? lab_a[k] : lab_u[k]);
            /* right-aligned against the axis, with its tick mark */
            assert_int_equal(lx + tg_width(cs ? lab_a[k] : lab_u[k], g.cs), geo.ax - 1);
            assert_string_equal(ch(&g, geo.ax - 1, ly), cs ? "+" : "┤");
            /* the curve on that row, all across the data */
            for (int c = geo.aw / 10; c < geo.aw * 9 / 10; c++)
                if (!(cs ? ascii_dot(&g, geo.ax + c, ly) : braille(&g, geo.ax + c, ly)))
                    fail_msg("%s: column %d of row %d is '%s'", cs ? "ASCII" : "UTF-8", c, ly,
                             ch(&g, geo.ax + c, ly));
            assert_int_equal(tg_at(&g, geo.ax + geo.aw / 2, ly)->color, k + 1);
        }
        if (cs)
            all_ascii(&g);
        tg_free(&g);
    }
}

/* Dashed and dotted lines leave gaps along a horizontal line; solid ones
 * do not. */
static void test_dash_patterns(void **state)
{
    (void)state;
    const double x[2] = {0, 1}, y[2] = {0.5, 0.5};
    static const plot_style st[] = {PLOT_LINE, PLOT_BOLD, PLOT_FAINT, PLOT_DASHED, PLOT_DOTTED};
    for (int cs = 0; cs < 2; cs++)
        for (size_t i = 0; i < sizeof st / sizeof st[0]; i++) {
            plot_series s = series(x, y, 2, st[i], 0, NULL);
            plot_panel p = panel(&s, 1);
            p.xmin = 0; p.xmax = 1; p.ymin = 0; p.ymax = 1;
            tg_grid g = grid(60, 20, cs ? TG_ASCII : TG_UTF8);
            tg_geom geo;
            tg_panel(&g, &p, 0, 0, 60, 20, &geo);
            int r = -1, lit = 0, gaps = 0;
            for (int rr = 0; rr < geo.ah && r < 0; rr++)
                if (!blank(&g, geo.ax + 1, geo.ay + rr) || !blank(&g, geo.ax + 2, geo.ay + rr))
                    r = rr;
            assert_true(r >= 0);
            for (int c = 0; c < geo.aw; c++) {
                if (blank(&g, geo.ax + c, geo.ay + r))
                    gaps++;
                else
                    lit++;
            }
            int dashed = st[i] == PLOT_DASHED || st[i] == PLOT_DOTTED;
            if (dashed ? gaps < geo.aw / 6 : gaps != 0)
                fail_msg("%s style %d: %d gaps, %d lit in \"%s\"", cs ? "ASCII" : "UTF-8", (int)st[i],
                         gaps, lit, row(&g, geo.ay + r));
            assert_true(lit >= geo.aw / 4);
            tg_free(&g);
        }
}

/* Histogram bars: heights ordered as the data; the earlier histogram
 * shows as an outline where no bar is. */
static void test_histogram(void **state)
{
    (void)state;
    const double c[4] = {1, 2, 3, 4}, now[4] = {1, 3, 2, 4}, prev[4] = {5, 0.5, 0.5, 0.5};
    plot_series s[2] = {series(c, prev, 4, PLOT_STEPS, -1, "before"),
                        series(c, now, 4, PLOT_STEPS, 4, "now")};
    plot_panel p = panel(s, 2);
    p.ymin = 0;
    p.ymax = 6;
    for (int cs = 0; cs < 2; cs++) {
        tg_grid g = grid(64, 22, cs ? TG_ASCII : TG_UTF8);
        tg_geom geo;
        tg_panel(&g, &p, 0, 0, 64, 22, &geo);
        double h[4];
        for (int b = 0; b < 4; b++) {
            /* the column under the bin's centre */
            double f = (c[b] - geo.xlo) / (geo.xhi - geo.xlo);
            int col = (int)(f * (geo.aw - 1) + 0.5);
            h[b] = 0;
            for (int r = 0; r < geo.ah; r++) {
                tg_cell *cell = tg_at(&g, geo.ax + col, geo.ay + r);
                const unsigned char *t = (const unsigned char *)cell->ch;
                if (cs) {
                    if (t[0] == '#')
                        h[b] += 1;
                    else if (t[0] == '_')
                        h[b] += 0.25;
                    else
                        continue;
                } else if (t[0] == 0xE2 && t[1] == 0x96 && t[2] >= 0x81 && t[2] <= 0x88) {
                    h[b] += (t[2] - 0x80) / 8.0;
                } else {
                    continue;
                }
                assert_int_equal(cell->color, 5);     /* palette 4 */
            }
            /* the bar is as tall as the data (within a cell) */
            assert_near(h[b], now[b] / 6.0 * geo.ah, 1.0);
        }
        assert_true(h[0] < h[2] && h[2] < h[1] && h[1] < h[3]);
        /* the first bin of the earlier histogram (5, above the bar of 1) */
        int grey = 0;
        double f = (1 - geo.xlo) / (geo.xhi - geo.xlo);
        int col = (int)(f * (geo.aw - 1) + 0.5);
        for (int r = 0; r < geo.ah; r++) {
            tg_cell *cell = tg_at(&g, geo.ax + col, geo.ay + r);
            if ((cs ? ascii_dot(&g, geo.ax + col, geo.ay + r) : braille(&g, geo.ax + col, geo.ay + r)) &&
                cell->color == TG_GREY)
                grey++;
        }
        assert_int_equal(grey, 1);
        /* legend: bars sample for both */
        assert_true(find(&g, cs ? "## before  ## now" : "▆▆ before  ▆▆ now", NULL, NULL));
        tg_free(&g);
    }
}

/* An automatic range pads below 0: bars still stand on 0, and empty bins
 * (0) show no bar. */
static void test_histogram_zero_bins(void **state)
{
    (void)state;
    const double c[5] = {-2, -1, 0, 1, 2}, v[5] = {0, 2, 0, 0.5, 0};
    plot_series s = series(c, v, 5, PLOT_STEPS, 0, NULL);
    plot_panel p = panel(&s, 1);
    tg_grid g = grid(50, 16, TG_UTF8);
    tg_geom geo;
    tg_panel(&g, &p, 0, 0, 50, 16, &geo);
    assert_true(geo.ylo < 0);
    int bars[5];
    for (int b = 0; b < 5; b++) {
        int col = (int)((c[b] - geo.xlo) / (geo.xhi - geo.xlo) * (geo.aw - 1) + 0.5);
        bars[b] = 0;
        for (int r = 0; r < geo.ah; r++) {
            const unsigned char *t = (const unsigned char *)ch(&g, geo.ax + col, geo.ay + r);
            bars[b] += t[0] == 0xE2 && t[1] == 0x96;
        }
    }
    assert_int_equal(bars[0], 0);
    assert_int_equal(bars[2], 0);
    assert_int_equal(bars[4], 0);
    assert_true(bars[1] > bars[3] && bars[3] > 0);

    /* 0 in the middle: bars from the middle row up, none below */
    p.ymin = -1;
    p.ymax = 1;
    tg_panel(&g, &p, 0, 0, 50, 16, &geo);
    int col = (int)((1 - geo.xlo) / (geo.xhi - geo.xlo) * (geo.aw - 1) + 0.5), lowest = -1, n = 0;
    for (int r = 0; r < geo.ah; r++) {
        const unsigned char *t = (const unsigned char *)ch(&g, geo.ax + col, geo.ay + r);
        if (t[0] == 0xE2 && t[1] == 0x96) {
            lowest = r;
            n++;
        }
    }
    assert_true(n > 0);
    assert_true(abs(lowest - geo.ah / 2) <= 1);
    assert_true(abs(n - geo.ah / 4) <= 1);     /* 0.5: a quarter of the height */
    tg_free(&g);
}

static void test_points(void **state)
{
    (void)state;
    const double x[1] = {0.5}, y[1] = {0.5};
    plot_series s = series(x, y, 1, PLOT_POINTS, 2, "pt");
    plot_panel p = panel(&s, 1);
    p.xmin = 0; p.xmax = 1; p.ymin = 0; p.ymax = 1;
    for (int cs = 0; cs < 2; cs++) {
        tg_grid g = grid(40, 12, cs ? TG_ASCII : TG_UTF8);
        tg_geom geo;
        tg_panel(&g, &p, 0, 0, 40, 12, &geo);
        int n = 0, px = -1, py = -1;
        for (int r = 0; r < geo.ah; r++)
            for (int c = 0; c < geo.aw; c++)
                if (!blank(&g, geo.ax + c, geo.ay + r)) {
                    n++;
                    px = c;
                    py = r;
                }
        assert_int_equal(n, 1);                 /* one marker, one cell */
        assert_near(px, (geo.aw - 1) / 2.0, 1);
        assert_near(py, (geo.ah - 1) / 2.0, 1);
        const char *m = ch(&g, geo.ax + px, geo.ay + py);
        if (cs)
            assert_string_equal(m, "o");
        else
            assert_true(!strcmp(m, "⠛") || !strcmp(m, "⣤"));
        assert_int_equal(tg_at(&g, geo.ax + px, geo.ay + py)->color, 3);
        assert_true(find(&g, cs ? "oo pt" : "•• pt", NULL, NULL));
        tg_free(&g);
    }
}

/* Colours: faint grey dim under the others; a shared cell takes the last
 * main series' colour; bold curves are bold. */
static void test_layers_and_colours(void **state)
{
    (void)state;
    const double x[2] = {0, 1}, lo[2] = {0.2, 0.2}, hi[2] = {0.8, 0.8}, mid[2] = {0.5, 0.5};
    plot_series s[4] = {series(x, lo, 2, PLOT_FAINT, -1, "inst"),
                        series(x, mid, 2, PLOT_FAINT, -1, NULL),
                        series(x, mid, 2, PLOT_BOLD, 0, "mean"),
                        series(x, hi, 2, PLOT_LINE, 6, "other")};
    plot_panel p = panel(s, 4);
    p.xmin = 0; p.xmax = 1; p.ymin = 0; p.ymax = 1;
    tg_grid g = grid(50, 20, TG_UTF8);
    tg_geom geo;
    tg_panel(&g, &p, 0, 0, 50, 20, &geo);
    int c = geo.aw / 2, seen_faint = 0, seen_bold = 0, seen_other = 0;
    for (int r = 0; r < geo.ah; r++) {
        tg_cell *cell = tg_at(&g, geo.ax + c, geo.ay + r);
        if (!braille(&g, geo.ax + c, geo.ay + r))
            continue;
        if (cell->color == TG_GREY) {
            assert_int_equal(cell->attr, TG_DIM);
            seen_faint++;
        } else if (cell->color == 1) {
            assert_true(cell->attr & TG_BOLD);
            seen_bold++;
        } else if (cell->color == 7) {
            seen_other++;
        } else {
            fail_msg("colour %d", cell->color);
        }
    }
    /* the faint copy of the mean is hidden by the bold mean */
    assert_int_equal(seen_faint, 1);
    assert_true(seen_bold >= 1);
    assert_int_equal(seen_other, 1);
    /* legend: samples in the series' style and colour, labels once */
    int lx = -1, ly = -1;
    assert_true(find(&g, "── inst  ━━ mean  ── other", &lx, &ly));
    assert_int_equal(ly, 19);
    assert_int_equal(tg_at(&g, lx, ly)->color, TG_GREY);
    assert_int_equal(tg_at(&g, lx + 9, ly)->color, 1);
    assert_true(tg_at(&g, lx + 9, ly)->attr & TG_BOLD);
    assert_int_equal(tg_at(&g, lx + 18, ly)->color, 7);
    tg_free(&g);

    /* two main series in one cell: the later one's colour */
    const double a[2] = {0.5, 0.5}, b[2] = {0.5, 0.5};
    plot_series t[2] = {series(x, a, 2, PLOT_LINE, 1, NULL), series(x, b, 2, PLOT_DASHED, 3, NULL)};
    p = panel(t, 2);
    p.xmin = 0; p.xmax = 1; p.ymin = 0; p.ymax = 1;
    g = grid(50, 20, TG_UTF8);
    tg_panel(&g, &p, 0, 0, 50, 20, &geo);
    int r2 = -1;
    for (int r = 0; r < geo.ah; r++)
        if (braille(&g, geo.ax + 1, geo.ay + r))
            r2 = r;
    assert_true(r2 >= 0);
    assert_int_equal(tg_at(&g, geo.ax + 1, geo.ay + r2)->color, 4);   /* dashed, on */
    int solid_only = 0;
    for (int k = 0; k < geo.aw; k++)
        solid_only += tg_at(&g, geo.ax + k, geo.ay + r2)->color == 2;
    assert_true(solid_only > 0);    /* the dashed gaps show the solid line */
    tg_free(&g);
}

/* A note in its corner over cleared cells; reference lines and marks. */
static void test_note_refs(void **state)
{
    (void)state;
    const double x[2] = {0, 1}, y[2] = {0.99, 0.99};
    plot_series s = series(x, y, 2, PLOT_LINE, 0, NULL);
    const double hl[2] = {0.25, 7};     /* the second is out of range */
    const char *const hll[2] = {"floor E|ε(∞)|", "never"};
    const double vm[2] = {0.5, -3};
    plot_panel p = panel(&s, 1);
    p.xmin = 0; p.xmax = 1; p.ymin = 0; p.ymax = 1;
    p.hlines = hl;
    p.hline_labels = hll;
    p.nhlines = 2;
    p.vmarks = vm;
    p.nvmarks = 2;
    p.note = "first line\nηK̄ = 0.01";
    p.note_corner = PLOT_UPPER_RIGHT;
    for (int cs = 0; cs < 2; cs++) {
        tg_grid g = grid(60, 22, cs ? TG_ASCII : TG_UTF8);
        tg_geom geo;
        tg_panel(&g, &p, 0, 0, 60, 22, &geo);
        int nx = -1, ny = -1;
        assert_true(find(&g, "first line", &nx, &ny));
        assert_int_equal(ny, geo.ay);
        const char *l2 = cs ? "eta*Kbar = 0.01" : "ηK̄ = 0.01";
        int w2 = tg_width(l2, g.cs), wbox = (w2 > 10 ? w2 : 10) + 2;
        int x2 = -1, y2 = -1;
        assert_true(find(&g, l2, &x2, &y2));
        assert_int_equal(y2, geo.ay + 1);
        assert_int_equal(x2, nx);
        assert_int_equal(x2 + wbox - 2, geo.ax + geo.aw - 1);  /* one cell of margin */
        assert_string_equal(ch(&g, x2 - 1, y2), " ");
        /* the box is cleared: the curve at 0.99 does not show through */
        for (int k = geo.ax + geo.aw - wbox; k < geo.ax + geo.aw; k++) {
            const char *t = ch(&g, k, geo.ay);
            assert_true(!braille(&g, k, geo.ay) && strcmp(t, "'") != 0 && strcmp(t, "-") != 0);
        }
        /* ... but does left of it */
        assert_true(cs ? ascii_dot(&g, geo.ax + 2, geo.ay) : braille(&g, geo.ax + 2, geo.ay));
        /* the reference line: label at its right end, dim grey; line left of it */
        const char *lab = cs ? "floor E|eps(inf)|" : "floor E|ε(∞)|";
        int hx = -1, hy = -1;
        assert_true(find(&g, lab, &hx, &hy));
        assert_int_equal(hx + tg_width(lab, g.cs), geo.ax + geo.aw);
        assert_int_equal(tg_at(&g, hx, hy)->color, TG_GREY);
        assert_int_equal(tg_at(&g, hx, hy)->attr, TG_DIM);
        double f = 0.25;
        int want = (int)((1 - f) * (geo.ah * (cs ? 3 : 4) - 1) + 0.5) / (cs ? 3 : 4);
        assert_true(abs(hy - (geo.ay + want)) <= 1);
        int dashes = 0, gaps = 0;
        for (int k = 0; k < geo.aw / 3; k++) {
            if (blank(&g, geo.ax + k, geo.ay + want))
                gaps++;
            else if (tg_at(&g, geo.ax + k, geo.ay + want)->color == TG_GREY)
                dashes++;
        }
        assert_true(dashes > 3);
        assert_false(find(&g, "never", NULL, NULL));
        /* the vertical mark: dotted grey at x = 0.5 */
        int vc = -1;
        for (int k = geo.aw / 2 - 1; k <= geo.aw / 2 + 1; k++)
            if (tg_at(&g, geo.ax + k, geo.ay + geo.ah - 2)->color == TG_GREY &&
                !blank(&g, geo.ax + k, geo.ay + geo.ah - 2))
                vc = k;
        assert_true(vc >= 0);
        int marks = 0;
        for (int r = 2; r < geo.ah; r++)
            marks += !blank(&g, geo.ax + vc, geo.ay + r);
        assert_true(marks >= geo.ah - 4);
        if (cs)
            all_ascii(&g);
        tg_free(&g);
    }
    /* lower left (the default) */
    p.note_corner = PLOT_LOWER_LEFT;
    p.note = "one";
    tg_grid g = grid(60, 22, TG_UTF8);
    tg_geom geo;
    tg_panel(&g, &p, 0, 0, 60, 22, &geo);
    int nx = -1, ny = -1;
    assert_true(find(&g, "one", &nx, &ny));
    assert_int_equal(nx, geo.ax + 1);
    assert_int_equal(ny, geo.ay + geo.ah - 1);
    tg_free(&g);
}

/* Title, y label, x label and tick labels where they belong. */
static void test_labels(void **state)
{
    (void)state;
    const double x[3] = {0, 100, 400}, y[3] = {1, 0.1, 0.001};
    plot_series s = series(x, y, 3, PLOT_BOLD, 0, "mean");
    plot_panel p = panel(&s, 1);
    p.title = "training error — random, R = 16";
    p.ylabel = "|ε(t)|";
    p.xlabel = "step t";
    p.yscale = PLOT_LOG;
    tg_grid g = grid(80, 20, TG_UTF8);
    tg_geom geo;
    tg_panel(&g, &p, 0, 0, 80, 20, &geo);
    assert_true(match_at(&g, 0, 0, "training error — random, R = 16   [|ε(t)|]"));
    assert_true(tg_at(&g, 0, 0)->attr & TG_BOLD);
    int tx = -1, ty = -1;
    assert_true(find(&g, "step t", &tx, &ty));
    assert_true(ty > geo.ay + geo.ah);
    assert_true(tx > geo.ax && tx < geo.ax + geo.aw);
    assert_true(find_in(&g, "200", 0, geo.ay + geo.ah + 1, 79, geo.ay + geo.ah + 1, NULL, NULL));
    assert_true(find_in(&g, "10⁻³", 0, geo.ay, geo.ax, geo.ay + geo.ah, NULL, NULL));
    /* the limits of the figures */
    double xlo, xhi, ylo, yhi;
    plot_panel_limits(&p, &xlo, &xhi, &ylo, &yhi);
    assert_true(geo.xlo == xlo && geo.xhi == xhi && geo.ylo == ylo && geo.yhi == yhi);
    tg_free(&g);

    /* a long title is cut, the y label then left out */
    p.title = "a very long title that cannot fit into the narrow panel at all";
    g = grid(30, 10, TG_ASCII);
    tg_panel(&g, &p, 0, 0, 30, 10, &geo);
    assert_true(match_at(&g, 0, 0, "a very long title that cannot~"));
    assert_false(find(&g, "[|eps(t)|]", NULL, NULL));
    assert_true(find(&g, "10^-3", NULL, NULL));
    all_ascii(&g);
    tg_free(&g);
}

/* The x tick labels never run into each other: every word on the tick
 * label row is one of the labels the axis can have, whatever the width. */
static void test_x_ticks_whole(void **state)
{
    (void)state;
    static const double ranges[][3] = {
        {0, 1, 0}, {0.5, 3.5, 0}, {-2.16, 2.16, 0}, {99990, 100010, 0}, {1e-7, 3e-7, 0},
        {-16, 415, 0}, {1, 1e6, 1}, {3e-3, 7e-3, 1}, {1e-300, 1e300, 1}, {-1e6, 1e6, 0}};
    for (size_t k = 0; k < sizeof ranges / sizeof ranges[0]; k++)
        for (int w = 20; w <= 90; w += 7) {
            const double x[2] = {ranges[k][0], ranges[k][1]}, y[2] = {1, 2};
            plot_series s = series(x, y, 2, PLOT_LINE, 0, NULL);
            plot_panel p = panel(&s, 1);
            p.xmin = x[0];
            p.xmax = x[1];
            p.xscale = ranges[k][2] ? PLOT_LOG : PLOT_LINEAR;
            tg_grid g = grid(w, 8, TG_ASCII);
            tg_geom geo;
            tg_panel(&g, &p, 0, 0, w, 8, &geo);
            /* the labels plot_tick_labels can give this axis */
            char known[64][96];
            size_t nk = 0;
            for (size_t max = 2; max <= 8; max++) {
                double tk[16];
                char lab[16][PLOT_TICK_LABEL_MAX];
                size_t n = plot_nice_ticks(geo.xlo, geo.xhi, p.xscale == PLOT_LOG, tk, max);
                plot_tick_labels(tk, n, p.xscale == PLOT_LOG, &lab[0][0], PLOT_TICK_LABEL_MAX);
                for (size_t i = 0; i < n && nk < 64; i++)
                    tg_markup(lab[i], known[nk++], sizeof known[0], TG_ASCII);
            }
            char line[256];
            snprintf(line, sizeof line, "%s", row(&g, geo.ay + geo.ah + 1));
            int words = 0;
            for (char *tok = strtok(line, " "); tok; tok = strtok(NULL, " ")) {
                int ok = 0;
                for (size_t i = 0; i < nk && !ok; i++)
                    ok = strcmp(tok, known[i]) == 0;
                if (!ok)
                    fail_msg("range %zu width %d: \"%s\" in \"%s\"", k, w, tok,
                             row(&g, geo.ay + geo.ah + 1));
                words++;
            }
            assert_true(words >= 1);
            tg_free(&g);
        }
}

/* Legend: duplicate labels once; a second row before cutting. */
static void test_legend_rows(void **state)
{
    (void)state;
    const double x[2] = {0, 1}, y[2] = {0.5, 0.5};
    plot_series s[5] = {series(x, y, 2, PLOT_FAINT, -1, "instances"),
                        series(x, y, 2, PLOT_FAINT, -1, "instances"),
                        series(x, y, 2, PLOT_DASHED, 1, "theory LIU23 Eq. 10"),
                        series(x, y, 2, PLOT_DOTTED, 3, "bound 1/(c_0 + c_1 t)^{2}"),
                        series(x, y, 2, PLOT_LINE_POINTS, 2, "λ_{min}")};
    plot_panel p = panel(s, 5);
    tg_grid g = grid(40, 16, TG_UTF8);
    tg_geom geo;
    tg_panel(&g, &p, 0, 0, 40, 16, &geo);
    int n = 0;
    for (int yy = 0; yy < 16; yy++)
        for (const char *r = row(&g, yy); (r = strstr(r, "instances")); r++)
            n++;
    assert_int_equal(n, 1);
    int x1, y1, x2, y2;
    assert_true(find(&g, "── instances  ╌╌ theory LIU23 Eq. 10", &x1, &y1));
    assert_true(find(&g, "┄┄ bound 1/(c₀ + c₁ t)²  ─• λ_min", &x2, &y2));
    assert_int_equal(y1, 14);
    assert_int_equal(y2, 15);
    assert_int_equal(geo.ay + geo.ah + 2, 14);  /* axis, ticks, then legend */
    tg_free(&g);

    /* ASCII samples */
    g = grid(80, 16, TG_ASCII);
    tg_panel(&g, &p, 0, 0, 80, 16, &geo);
    assert_true(find(&g, "-- instances  -  theory LIU23 Eq. 10  .. bound 1/(c_0 + c_1 t)^2  -o lambda_min", NULL, NULL));
    tg_free(&g);

    /* no room for a second row: an ellipsis says there is more */
    g = grid(40, 6, TG_UTF8);
    tg_panel(&g, &p, 0, 0, 40, 6, &geo);
    assert_true(geo.drawn);
    assert_true(geo.ah >= 2);
    assert_true(match_at(&g, 0, 5, "── instances  ╌╌ theory LIU23 Eq. 10 …"));
    tg_free(&g);
    /* or the label is cut */
    g = grid(30, 6, TG_ASCII);
    tg_panel(&g, &p, 0, 0, 30, 6, &geo);
    assert_true(match_at(&g, 0, 5, "-- instances  -  theory LIU23~"));
    tg_free(&g);
}

/* The panels of the live explorer, drawn as the terminal does: their
 * labels never leave ASCII in the ASCII set. */
static void test_live_like_panels_ascii(void **state)
{
    (void)state;
    enum { N = 120, F = 16, NB = 30 };
    static double t[N], inst[F][N], mean[N], th[N], bd[N], fz[N], ex[F * 4], ey[F * 4], mx[4], my[4],
        hc[NB], hp[NB], hn[NB];
    for (int i = 0; i < N; i++) {
        t[i] = i;
        double m = 0;
        for (int f = 0; f < F; f++) {
            inst[f][i] = exp(-0.02 * (1 + 0.03 * f) * i) * (1 + 0.1 * sin(i + f));
            m += inst[f][i] / F;
        }
        mean[i] = m;
        th[i] = i < 60 ? exp(-0.02 * i) : NAN;
        bd[i] = i >= 60 ? 1 / pow(1 + 0.1 * i, 2) : NAN;
        fz[i] = exp(-0.03 * i);
    }
    for (int k = 0; k < F * 4; k++) {
        ex[k] = k % 4 + 1;
        ey[k] = (k % 4 + 1) * (1 + 0.05 * (k / 4));
    }
    for (int j = 0; j < 4; j++) {
        mx[j] = j + 1;
        my[j] = j + 1.4;
    }
    for (int b = 0; b < NB; b++) {
        hc[b] = -3 + 6.0 * (b + 0.5) / NB;
        hn[b] = exp(-hc[b] * hc[b]);
        hp[b] = exp(-hc[b] * hc[b] / 2) / 2;
    }
    const double marks[2] = {30, 60};
    plot_series s0[F + 4];
    for (int f = 0; f < F; f++)
        s0[f] = series(t, inst[f], N, PLOT_FAINT, -1, f == 0 ? "instances" : NULL);
    s0[F] = series(t, mean, N, PLOT_BOLD, 0, "ensemble mean");
    s0[F + 1] = series(t, th, N, PLOT_DASHED, 1, "|ε| e^{−ηK̄t} (LIU23 Eq. 10)");
    s0[F + 2] = series(t, bd, N, PLOT_DOTTED, 3, "bound 1/(c_0 + c_1 t)^{2} (YOU23 Thm. 3.2)");
    s0[F + 3] = series(t, fz, N, PLOT_DOTTED, 2, "frozen kernel (I − ηK)^{t} r");
    const double h0[1] = {1e-3};
    const char *const h0l[1] = {"E|ε(∞)| (LLJ Eq. 38)"};
    plot_panel p[5];
    p[0] = panel(s0, F + 4);
    p[0].title = "training error — random, R = 16";
    p[0].xlabel = "step t";
    p[0].ylabel = "ε_{rms}(t)";
    p[0].yscale = PLOT_LOG;
    p[0].vmarks = marks;
    p[0].nvmarks = 2;
    p[0].hlines = h0;
    p[0].hline_labels = h0l;
    p[0].nhlines = 1;
    p[0].note = "ηK̄ = 0.0123 per step";

    plot_series s1[3] = {series(ex, ey, F * 4, PLOT_POINTS, -1, "each instance"),
                         series(mx, my, 4, PLOT_LINE_POINTS, 0, "mean over instances"),
                         series(ex, ey, F, PLOT_POINTS, 5, "λ_{min}")};
    const double h1[2] = {1.2, 3.5};
    const char *const h1l[2] = {"λ_{min} of the mean kernel (LIU23 Eq. 21)",
                                "2γ^{2}(1 − 1/γ^{2}) (YOU23 Thm. 4.4)"};
    p[1] = panel(s1, 3);
    p[1].title = "kernel eigenvalues now";
    p[1].xlabel = "index k";
    p[1].ylabel = "λ_{k}(K)/p";
    p[1].xmin = 0.5;
    p[1].xmax = 4.5;
    p[1].hlines = h1;
    p[1].hline_labels = h1l;
    p[1].nhlines = 2;

    plot_series s2[3] = {series(t, inst[0], N, PLOT_FAINT, -1, "instances"),
                         series(t, mean, N, PLOT_BOLD, 0, "mean λ_{min}"),
                         series(t, fz, N, PLOT_LINE, 4, "mean λ_{max}")};
    p[2] = panel(s2, 3);
    p[2].title = "smallest kernel eigenvalue λ_{min}(t)";
    p[2].xlabel = "step t";
    p[2].ylabel = "λ_{min}(K)";

    const double h3[2] = {1.386, 1.0};
    const char *const h3l[2] = {"ln D_{v}", "Page value"};
    plot_series s3[2] = {series(t, inst[1], N, PLOT_FAINT, -1, NULL),
                         series(t, mean, N, PLOT_BOLD, 0, NULL)};
    p[3] = panel(s3, 2);
    p[3].title = "trace distance to I/D_{v}";
    p[3].ylabel = "½‖ρ_{v} − I/D_{v}‖_{1}";
    p[3].xlabel = "step t";
    p[3].hlines = h3;
    p[3].hline_labels = h3l;
    p[3].nhlines = 2;
    p[3].ymin = 0;
    p[3].ymax = 1.12 * 1.386;

    plot_series s4[2] = {series(hc, hp, NB, PLOT_STEPS, -1, "step 100"),
                         series(hc, hn, NB, PLOT_STEPS, 4, "step 120 (now)")};
    p[4] = panel(s4, 2);
    p[4].title = "Hessian spectrum of the loss (instance 1)";
    p[4].xlabel = "eigenvalue λ of ∇²L";
    p[4].ylabel = "density";
    p[4].ymin = 0;
    p[4].note = "P = 64, exact\nfraction > 0: 0.812\nerror proxy: 0.0123";
    p[4].note_corner = PLOT_UPPER_LEFT;

    static const int sizes[][2] = {{200, 60}, {100, 25}, {80, 20}, {40, 12}, {20, 6}, {19, 5}};
    for (size_t k = 0; k < 5; k++)
        for (size_t z = 0; z < sizeof sizes / sizeof sizes[0]; z++) {
            tg_grid g = grid(sizes[z][0], sizes[z][1], TG_ASCII);
            tg_geom geo;
            tg_panel(&g, &p[k], 0, 0, sizes[z][0], sizes[z][1], &geo);
            all_ascii(&g);
            assert_int_equal(geo.drawn, sizes[z][0] >= 20 && sizes[z][1] >= 6);
            tg_free(&g);
        }
    /* the big ASCII panel shows the labels transliterated */
    tg_grid g = grid(120, 30, TG_ASCII);
    tg_panel(&g, &p[0], 0, 0, 120, 30, NULL);
    assert_true(find(&g, "[eps_rms(t)]", NULL, NULL));
    assert_true(find(&g, "|eps| e^(-eta*Kbar*t) (LIU23 Eq. 10)", NULL, NULL));
    assert_true(find(&g, "eta*Kbar = 0.0123 per step", NULL, NULL));
    assert_true(find(&g, "E|eps(inf)| (LLJ Eq. 38)", NULL, NULL));
    tg_panel(&g, &p[3], 0, 0, 120, 30, NULL);
    assert_true(find(&g, "[1/2||rho_v - I/D_v||_1]", NULL, NULL));
    assert_true(find(&g, "ln D_v", NULL, NULL));
    tg_panel(&g, &p[4], 0, 0, 120, 30, NULL);
    assert_true(find(&g, "eigenvalue lambda of grad^2*L", NULL, NULL));
    assert_true(find(&g, "fraction > 0: 0.812", NULL, NULL));
    tg_free(&g);
    /* and in UTF-8 the same labels keep their letters */
    g = grid(120, 30, TG_UTF8);
    tg_panel(&g, &p[1], 0, 0, 120, 30, NULL);
    assert_true(find(&g, "[λₖ(K)/p]", NULL, NULL));
    assert_true(find(&g, "2γ²(1 − 1/γ²) (YOU23 Thm. 4.4)", NULL, NULL));
    tg_free(&g);
}

/* Nothing is drawn outside the rectangle, whatever the data and size. */
static void test_stays_inside(void **state)
{
    (void)state;
    static double x[6] = {0, 1, NAN, 3, INFINITY, 5}, y[6] = {1e300, -1e300, 2, NAN, 4, 1e-300};
    static double big[3] = {-1e308, 0, 1e308}, neg[3] = {-1, -2, -3};
    const double hl[3] = {1e300, 1, NAN};
    const char *const hll[3] = {"huge", "one that has a very long label to cut", "nan"};
    const double vm[2] = {2, NAN};
    plot_series s[8] = {series(x, y, 6, PLOT_LINE, 0, "a line with a long label"),
                        series(x, y, 6, PLOT_BOLD, 1, "bold"),
                        series(big, big, 3, PLOT_DASHED, 2, "big"),
                        series(x, y, 6, PLOT_POINTS, 3, "pts"),
                        series(neg, neg, 3, PLOT_STEPS, -1, "steps"),
                        series(x, y, 6, PLOT_STEPS, 5, "steps 2"),
                        series(x, y, 0, PLOT_LINE_POINTS, 6, "empty"),
                        series(big, neg, 3, PLOT_FAINT, -1, "faint")};
    plot_panel ps[6];
    ps[0] = panel(s, 8);
    ps[0].title = "everything at once, with a title that is rather long";
    ps[0].xlabel = "x";
    ps[0].ylabel = "y";
    ps[0].hlines = hl;
    ps[0].hline_labels = hll;
    ps[0].nhlines = 3;
    ps[0].vmarks = vm;
    ps[0].nvmarks = 2;
    ps[0].note = "a note\nwith lines\nthree\nfour\nfive\nsix\nseven\neight\nnine";
    ps[1] = ps[0];
    ps[1].yscale = PLOT_LOG;
    ps[1].xscale = PLOT_LOG;
    ps[2] = panel(NULL, 0);             /* empty */
    ps[2].note = "no data yet";
    ps[3] = panel(s + 6, 1);            /* n = 0 */
    ps[4] = ps[0];
    ps[4].note_corner = PLOT_LOWER_RIGHT;
    ps[4].ymin = -1;
    ps[4].ymax = 1;
    ps[5] = ps[1];
    ps[5].note_corner = PLOT_UPPER_RIGHT;
    static const int rects[][4] = {{10, 5, 60, 20}, {0, 0, 120, 40}, {3, 2, 20, 6},
                                   {5, 5, 19, 5},   {7, 3, 1, 1},    {50, 30, 70, 10},
                                   {-5, -3, 40, 12}, {100, 2, 20, 36}, {0, 0, 0, 0}};
    for (int cs = 0; cs < 2; cs++)
        for (size_t k = 0; k < 6; k++)
            for (size_t r = 0; r < sizeof rects / sizeof rects[0]; r++) {
                tg_grid g = grid(120, 40, cs ? TG_ASCII : TG_UTF8);
                for (int yy = 0; yy < g.h; yy++)
                    for (int xx = 0; xx < g.w; xx++)
                        tg_put(&g, xx, yy, "X", 6, TG_UNDERLINE);
                const int *R = rects[r];
                tg_geom geo;
                tg_panel(&g, &ps[k], R[0], R[1], R[2], R[3], &geo);
                for (int yy = 0; yy < g.h; yy++)
                    for (int xx = 0; xx < g.w; xx++) {
                        int in = xx >= R[0] && xx < R[0] + R[2] && yy >= R[1] && yy < R[1] + R[3];
                        tg_cell *c = tg_at(&g, xx, yy);
                        if (!in && (strcmp(c->ch, "X") || c->color != 6 || c->attr != TG_UNDERLINE))
                            fail_msg("panel %zu rect %zu: cell (%d, %d) = '%s' outside", k, r, xx, yy, c->ch);
                        if (in && !strcmp(c->ch, "X"))
                            fail_msg("panel %zu rect %zu: cell (%d, %d) not cleared", k, r, xx, yy);
                    }
                if (geo.drawn) {
                    assert_true(geo.ax > R[0] && geo.ax + geo.aw <= R[0] + R[2]);
                    assert_true(geo.ay > R[1] && geo.ay + geo.ah < R[1] + R[3]);
                    assert_true(geo.xlo < geo.xhi && geo.ylo < geo.yhi);
                }
                if (cs)
                    all_ascii(&g);
                tg_free(&g);
            }
}

/* Every small size draws without crashing: the title only below 20 x 6,
 * a plot area of at least 2 rows from there. */
static void test_sizes(void **state)
{
    (void)state;
    enum { N = 40 };
    double x[N], y[N];
    for (int i = 0; i < N; i++) {
        x[i] = i;
        y[i] = exp(-0.1 * i);
    }
    plot_series s[2] = {series(x, y, N, PLOT_BOLD, 0, "mean"), series(x, y, N, PLOT_STEPS, 4, "h")};
    plot_panel p = panel(s, 2);
    p.title = "title";
    p.xlabel = "step t";
    p.ylabel = "|ε(t)|";
    p.yscale = PLOT_LOG;
    p.note = "note";
    for (int cs = 0; cs < 2; cs++)
        for (int w = 1; w <= 34; w++)
            for (int h = 1; h <= 12; h++) {
                tg_grid g = grid(40, 14, cs ? TG_ASCII : TG_UTF8);
                tg_geom geo;
                tg_panel(&g, &p, 1, 1, w, h, &geo);
                assert_int_equal(geo.drawn, w >= 20 && h >= 6);
                if (geo.drawn) {
                    assert_true(geo.ah >= 2 && geo.aw >= 8);
                    assert_true(match_at(&g, 1, 1, "title"));
                } else if (w >= 5) {
                    assert_true(match_at(&g, 1, 1, "title"));
                } else {
                    assert_string_equal(ch(&g, w, 1), cs ? "~" : "…");
                }
                tg_free(&g);
            }
    /* a wide one */
    tg_grid g = grid(500, 120, TG_UTF8);
    tg_geom geo;
    tg_panel(&g, &p, 0, 0, 500, 120, &geo);
    assert_true(geo.drawn && geo.aw > 480 && geo.ah > 100);
    tg_panel(&g, NULL, 0, 0, 500, 120, &geo);   /* no panel: cleared */
    assert_false(geo.drawn);
    assert_true(blank(&g, 0, 0));
    tg_free(&g);
}

/* The one UTF-8 decoder (ui/base/utf8), which the grid and the plot's
 * markup share: its edges. */
static void test_utf8_decoder(void **state)
{
    (void)state;
    unsigned long cp = 12345;
    /* the shortest and longest of each length */
    static const struct { const char *s; size_t n; unsigned long cp; } ok[] = {
        {"A", 1, 0x41},           {"\x7f", 1, 0x7F},
        {"\xc2\x80", 2, 0x80},    {"\xdf\xbf", 2, 0x7FF},
        {"\xe0\xa0\x80", 3, 0x800}, {"\xed\x9f\xbf", 3, 0xD7FF},
        {"\xee\x80\x80", 3, 0xE000}, {"\xef\xbf\xbd", 3, 0xFFFD},
        {"\xf0\x90\x80\x80", 4, 0x10000}, {"\xf4\x8f\xbf\xbf", 4, 0x10FFFF},
        {"γ", 2, 0x3B3}, {"\xcc\x81", 2, 0x301},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        assert_int_equal(utf8_decode(ok[i].s, &cp), ok[i].n);
        assert_int_equal(cp, ok[i].cp);
    }
    assert_int_equal(utf8_decode("", &cp), 1);
    assert_int_equal(cp, 0);
    static const char *const bad[] = {
        "\xc0\x80", "\xc1\xbf",             /* overlong 2-byte (U+0000, U+007F) */
        "\xe0\x80\x80", "\xe0\x9f\xbf",     /* overlong 3-byte */
        "\xf0\x80\x80\x80", "\xf0\x8f\xbf\xbf", /* overlong 4-byte */
        "\xed\xa0\x80", "\xed\xbf\xbf",     /* surrogates U+D800, U+DFFF */
        "\xf4\x90\x80\x80", "\xf7\xbf\xbf\xbf", /* U+110000, U+1FFFFF */
        "\xf8\x88\x80\x80\x80", "\xff", "\xfe", /* 5-byte lead, never valid bytes */
        "\x80", "\xbf",                     /* a continuation alone */
        "\xc2", "\xe2\x82", "\xf0\x9f\x98", /* cut short by the end */
        "\xc2" "A", "\xe2\x82" "A", "\xf0\x9f" "\xc2\x80", /* cut short by another byte */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cp = 12345;
        assert_int_equal(utf8_decode(bad[i], &cp), 0);
        assert_int_equal(cp, 12345);   /* untouched */
    }
    /* noncharacters decode; the plot's (cairo's) rule refuses them */
    assert_int_equal(utf8_decode("\xef\xbf\xbe", &cp), 3);
    assert_true(utf8_is_noncharacter(cp));
    assert_true(utf8_is_noncharacter(0xFDD0) && utf8_is_noncharacter(0xFDEF) && utf8_is_noncharacter(0x10FFFF));
    assert_false(utf8_is_noncharacter(0xFDCF) || utf8_is_noncharacter(0xFFFD) || utf8_is_noncharacter(0x3B3));
    /* encode round-trips every scalar value; others become U+FFFD */
    char buf[8];
    for (unsigned long c = 1; c <= 0x10FFFF; c++) {
        if (c >= 0xD800 && c <= 0xDFFF)
            continue;
        size_t n = utf8_encode(c, buf);
        assert_int_equal(strlen(buf), n);
        unsigned long back = 0;
        assert_int_equal(utf8_decode(buf, &back), n);
        assert_int_equal(back, c);
    }
    assert_int_equal(utf8_encode(0xD800, buf), 3);
    assert_string_equal(buf, "\xef\xbf\xbd");
    assert_int_equal(utf8_encode(0x110000, buf), 3);
    assert_string_equal(buf, "\xef\xbf\xbd");
    /* the grid shows each byte of an invalid sequence as one U+FFFD cell
     * and goes on */
    tg_grid g = grid(6, 1, TG_UTF8);
    tg_text(&g, 0, 0, 6, "a\xed\xa0\x80z", TG_DEFAULT, 0);
    assert_string_equal(row(&g, 0), "a\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbdz ");
    tg_free(&g);
}

/* ------------------------------------------------------------------ */
/* issue 23: symlog axes, dimmed and ghost series, gaps, marker labels, */
/* titles that are not cut                                              */

/* The column of the tick mark ('┬') nearest to area column c on the x
 * axis row, or -1. */
static int x_tick_near(tg_grid *g, const tg_geom *geo, int c)
{
    for (int d = 0; d <= 1; d++)
        for (int sg = -1; sg <= 1; sg += 2) {
            int x = geo->ax + c + sg * d;
            if (x >= geo->ax && x < geo->ax + geo->aw && strcmp(ch(g, x, geo->ay + geo->ah), "┬") == 0)
                return x - geo->ax;
        }
    return -1;
}

/* A symlog axis: the ticks and labels of plot_symlog_ticks at the columns
 * plot_symlog maps them to, and data where the transform puts them (a
 * linear axis would put x = 1 at the middle). */
static void test_symlog_axis(void **state)
{
    (void)state;
    const double lt = 0.01, L = 100;
    const double px[1] = {1}, py[1] = {0.5};
    plot_series s = series(px, py, 1, PLOT_POINTS, 0, NULL);
    plot_panel p = panel(&s, 1);
    p.xscale = PLOT_SYMLOG;
    p.linthresh = lt;
    p.xmin = -L; p.xmax = L; p.ymin = 0; p.ymax = 1;
    tg_grid g = grid(100, 20, TG_UTF8);
    tg_geom geo;
    tg_panel(&g, &p, 0, 0, 100, 20, &geo);
    assert_true(geo.drawn);
    const double T = plot_symlog(L, lt);
    const int nx = geo.aw * 2;
    /* the point: at symlog(1) = 3 of T = 5 from the middle */
    double f1 = (plot_symlog(1, lt) + T) / (2 * T);
    assert_near(f1, 0.8, 1e-12);
    int col = (int)floor(f1 * (nx - 1) + 0.5) / 2, hit = -1;
    for (int r = 0; r < geo.ah; r++)
        if (braille(&g, geo.ax + col, geo.ay + r))
            hit = r;
    if (hit < 0)
        fail_msg("no point at column %d: row \"%s\"", col, row(&g, geo.ay + geo.ah / 2));
    for (int c = 0; c < geo.aw; c++)
        for (int r = 0; r < geo.ah; r++)
            if (braille(&g, geo.ax + c, geo.ay + r) && abs(c - col) > 1)
                fail_msg("a dot at column %d, the point is at %d", c, col);
    /* every tick of the figures' symlog axis, its label under its mark */
    double tk[16];
    char lab[16][PLOT_TICK_LABEL_MAX];
    size_t n = plot_symlog_ticks(-L, L, lt, tk, 8);
    plot_symlog_labels(tk, n, &lab[0][0], PLOT_TICK_LABEL_MAX);
    assert_true(n >= 3);
    int zero_seen = 0;
    for (size_t i = 0; i < n; i++) {
        double f = (plot_symlog(tk[i], lt) + T) / (2 * T);
        int c = (int)floor(f * (nx - 1) + 0.5) / 2;
        int tc = x_tick_near(&g, &geo, c);
        if (tc < 0)
            fail_msg("no tick mark for %g near column %d: \"%s\"", tk[i], c, row(&g, geo.ay + geo.ah));
        char m[64];
        tg_markup(lab[i], m, sizeof m, TG_UTF8);
        int lx = -1, w = tg_width(m, TG_UTF8);
        /* the label under its mark (the "0" of "−10²" is not it) */
        if (!find_in(&g, m, geo.ax + tc - w, geo.ay + geo.ah + 1, geo.ax + tc, geo.ay + geo.ah + 1, &lx, NULL))
            fail_msg("no label %s under column %d: \"%s\"", m, tc, row(&g, geo.ay + geo.ah + 1));
        zero_seen += tk[i] == 0;
    }
    assert_int_equal(zero_seen, 1);
    assert_true(find(&g, "−10²", NULL, NULL) && find(&g, "10²", NULL, NULL));
    tg_free(&g);

    /* narrow, with the ±linthresh ticks crowding 0: the labels of 0 and of
     * the outer ticks stay (those beside 0 give way), the tick marks all */
    p.linthresh = 1e-4;
    g = grid(50, 12, TG_UTF8);
    tg_panel(&g, &p, 0, 0, 50, 12, &geo);
    const char *lr = row(&g, geo.ay + geo.ah + 1);
    char lrow[1024];
    snprintf(lrow, sizeof lrow, "%s", lr);
    if (!strstr(lrow, "−10") || !strstr(lrow, " 0 ") || !strstr(lrow, " 10"))
        fail_msg("narrow symlog axis labels: \"%s\"", lrow);
    int marks = 0;
    for (int c = 0; c < geo.aw; c++)
        marks += strcmp(ch(&g, geo.ax + c, geo.ay + geo.ah), "┬") == 0;
    assert_true(marks >= 5);
    tg_free(&g);

    /* a symlog y axis: values of both signs, the bars of a histogram
     * stand on 0 in the middle; the ASCII labels are plain */
    const double hx[4] = {1, 2, 3, 4}, hy[4] = {-50, -0.005, 0.005, 50};
    plot_series h = series(hx, hy, 4, PLOT_LINE, 1, NULL);
    p = panel(&h, 1);
    p.yscale = PLOT_SYMLOG;
    p.linthresh = lt;
    p.xmin = 1; p.xmax = 4;
    g = grid(60, 24, TG_ASCII);
    tg_panel(&g, &p, 0, 0, 60, 24, &geo);
    assert_true(geo.ylo < -50 && geo.yhi > 50 && geo.ylo == -geo.yhi);
    assert_true(find_in(&g, "-10^", 0, geo.ay, geo.ax - 1, geo.ay + geo.ah - 1, NULL, NULL));
    int zx = -1, zy = -1;
    assert_true(find_in(&g, " 0+", geo.ax - 3, geo.ay, geo.ax - 3, geo.ay + geo.ah - 1, &zx, &zy));
    assert_true(abs(zy - (geo.ay + geo.ah / 2)) <= 1);
    all_ascii(&g);
    tg_free(&g);
}

/* Dimmed series (an earlier segment) and ghosts (a pinned run) differ
 * from full ones: dim, a ghost dotted in grey-blue with a dotted legend
 * sample; where a full curve shares a cell, the full one shows. */
static void test_dim_and_ghost(void **state)
{
    (void)state;
    const double x[2] = {0, 1}, hi[2] = {0.8, 0.8}, mid[2] = {0.5, 0.5}, lo[2] = {0.2, 0.2};
    plot_series s[4] = {series(x, hi, 2, PLOT_BOLD, 0, "mean"),
                        series(x, mid, 2, PLOT_BOLD, 0, NULL),
                        series(x, lo, 2, PLOT_BOLD, -1, "η = 0.02"),
                        series(x, hi, 2, PLOT_BOLD, 2, "pin 2")};
    s[1].alpha = 0.35;
    s[2].ghost = 1;
    s[3].ghost = 1;     /* on the full curve: hidden by it */
    plot_panel p = panel(s, 4);
    p.xmin = 0; p.xmax = 1; p.ymin = 0; p.ymax = 1;
    tg_grid g = grid(60, 20, TG_UTF8);
    tg_geom geo;
    tg_panel(&g, &p, 0, 0, 60, 20, &geo);
    int rows[3] = {-1, -1, -1};
    const double ys[3] = {0.8, 0.5, 0.2};
    for (int k = 0; k < 3; k++)
        rows[k] = (int)floor((1 - ys[k]) * (geo.ah * 4 - 1) + 0.5) / 4;
    int lit[3] = {0}, gaps[3] = {0};
    for (int c = 1; c < geo.aw - 1; c++)
        for (int k = 0; k < 3; k++) {
            tg_cell *cell = tg_at(&g, geo.ax + c, geo.ay + rows[k]);
            if (!braille(&g, geo.ax + c, geo.ay + rows[k])) {
                gaps[k]++;
                continue;
            }
            lit[k]++;
            switch (k) {
            case 0:     /* full: colour 1, bold, not dim */
                assert_int_equal(cell->color, 1);
                assert_true(cell->attr & TG_BOLD);
                assert_false(cell->attr & TG_DIM);
                break;
            case 1:     /* dimmed: its colour, dim, not bold */
                assert_int_equal(cell->color, 1);
                assert_true(cell->attr & TG_DIM);
                assert_false(cell->attr & TG_BOLD);
                break;
            default:    /* ghost: grey-blue (palette 5), dim */
                assert_int_equal(cell->color, 6);
                assert_true(cell->attr & TG_DIM);
                break;
            }
        }
    assert_true(lit[0] >= geo.aw - 3 && gaps[0] == 0);
    assert_true(lit[1] >= geo.aw - 3 && gaps[1] == 0);
    /* dotted: every other cell */
    if (!(gaps[2] >= geo.aw / 3 && lit[2] >= geo.aw / 3))
        fail_msg("ghost row: %d lit, %d gaps: \"%s\"", lit[2], gaps[2], row(&g, geo.ay + rows[2]));
    /* the full curve is not thinner where the ghost lies under it */
    for (int c = 1; c < geo.aw - 1; c++)
        assert_int_equal(tg_at(&g, geo.ax + c, geo.ay + rows[0])->color, 1);
    /* legend: the ghost's sample dotted, grey-blue, dim */
    int lx = -1, ly = -1;
    assert_true(find(&g, "┈┈ η = 0.02", &lx, &ly));
    assert_int_equal(tg_at(&g, lx, ly)->color, 6);
    assert_true(tg_at(&g, lx, ly)->attr & TG_DIM);
    assert_true(find(&g, "━━ mean", &lx, &ly));
    assert_false(tg_at(&g, lx, ly)->attr & TG_DIM);
    tg_free(&g);

    /* ASCII: the same attributes */
    g = grid(60, 20, TG_ASCII);
    tg_panel(&g, &p, 0, 0, 60, 20, &geo);
    int dim_cells = 0;
    for (int r = 0; r < geo.ah; r++)
        for (int c = 0; c < geo.aw; c++)
            if (ascii_dot(&g, geo.ax + c, geo.ay + r) && (tg_at(&g, geo.ax + c, geo.ay + r)->attr & TG_DIM) &&
                tg_at(&g, geo.ax + c, geo.ay + r)->color == 6)
                dim_cells++;
    assert_true(dim_cells >= geo.aw / 3);
    all_ascii(&g);
    tg_free(&g);

    /* a dimmed histogram is an outline; the full one gets the bars */
    const double hx[3] = {1, 2, 3}, ha[3] = {1, 3, 2}, hb[3] = {2, 1, 3};
    plot_series hs[2] = {series(hx, ha, 3, PLOT_STEPS, 4, "now"), series(hx, hb, 3, PLOT_STEPS, -1, "pin")};
    hs[1].ghost = 1;
    p = panel(hs, 2);
    p.ymin = 0;
    g = grid(60, 20, TG_UTF8);
    tg_panel(&g, &p, 0, 0, 60, 20, &geo);
    int bars = 0, ghost_dots = 0;
    for (int r = 0; r < geo.ah; r++)
        for (int c = 0; c < geo.aw; c++) {
            const char *t = ch(&g, geo.ax + c, geo.ay + r);
            if (strncmp(t, "\xE2\x96", 2) == 0) {
                bars++;
                assert_int_equal(tg_at(&g, geo.ax + c, geo.ay + r)->color, 5);
            } else if (braille(&g, geo.ax + c, geo.ay + r) && tg_at(&g, geo.ax + c, geo.ay + r)->color == 6) {
                ghost_dots++;
            }
        }
    assert_true(bars > geo.aw);
    assert_true(ghost_dots > 0);
    tg_free(&g);
}

/* NaN points break a series: nothing is drawn between the points on the
 * two sides of a gap (NaN in y, or in x and y as the pins' gaps). */
static void test_nan_gap(void **state)
{
    (void)state;
    const double x[8] = {0, 1, 2, 3, 4, 5, 6, 7};
    const double y[8] = {0.1, 0.1, 0.1, NAN, NAN, 0.9, 0.9, 0.9};
    const double x2[7] = {0, 1, 2, NAN, 5, 6, 7};
    const double y2[7] = {0.1, 0.1, 0.1, NAN, 0.9, 0.9, 0.9};
    for (int variant = 0; variant < 2; variant++)
        for (int cs = 0; cs < 2; cs++) {
            plot_series s = variant ? series(x2, y2, 7, PLOT_BOLD, 0, NULL) : series(x, y, 8, PLOT_LINE, 0, NULL);
            if (variant)
                s.ghost = 1;
            plot_panel p = panel(&s, 1);
            p.xmin = 0; p.xmax = 7; p.ymin = 0; p.ymax = 1;
            tg_grid g = grid(80, 20, cs ? TG_ASCII : TG_UTF8);
            tg_geom geo;
            tg_panel(&g, &p, 0, 0, 80, 20, &geo);
            /* columns strictly between x = 2 and x = 5 stay empty */
            int c2 = (int)ceil(2.0 / 7 * geo.aw) + 1, c5 = (int)floor(5.0 / 7 * geo.aw) - 1;
            assert_true(c5 - c2 > 10);
            for (int c = c2; c <= c5; c++)
                for (int r = 0; r < geo.ah; r++)
                    if (!blank(&g, geo.ax + c, geo.ay + r))
                        fail_msg("%s %s: '%s' at column %d row %d, inside the gap", variant ? "ghost" : "line",
                                 cs ? "ASCII" : "UTF-8", ch(&g, geo.ax + c, geo.ay + r), c, r);
            /* and both sides are drawn */
            int left = 0, right = 0;
            for (int r = 0; r < geo.ah; r++)
                for (int c = 1; c <= 4; c++) {
                    left += !blank(&g, geo.ax + c, geo.ay + r);
                    right += !blank(&g, geo.ax + geo.aw - 1 - c, geo.ay + r);
                }
            assert_true(left > 0 && right > 0);
            tg_free(&g);
        }
}

/* Is s well-formed UTF-8 throughout? */
static int valid_utf8(const char *s)
{
    while (*s) {
        unsigned long cp;
        size_t n = utf8_decode(s, &cp);
        if (n == 0)
            return 0;
        s += n;
    }
    return 1;
}

/* Marker labels: at the top of the area beside their marker, the later
 * marker first; cut with "…" at a character where the room is short;
 * left out where there is none; never over the note. */
static void test_vmark_labels(void **state)
{
    (void)state;
    const double x[2] = {0, 100}, y[2] = {0.1, 0.1};
    plot_series s = series(x, y, 2, PLOT_LINE, 0, NULL);
    const double vm[2] = {30, 60};
    const char *const vl[2] = {"η 0.002 → 0.005", "model random → mlp (rebuilt)"};
    plot_panel p = panel(&s, 1);
    p.xmin = 0; p.xmax = 100; p.ymin = 0; p.ymax = 1;
    p.vmarks = vm;
    p.vmark_labels = vl;
    p.nvmarks = 2;
    tg_grid g = grid(100, 16, TG_UTF8);
    tg_geom geo;
    tg_panel(&g, &p, 0, 0, 100, 16, &geo);
    const int nx = geo.aw * 2;
    int col[2];
    for (int k = 0; k < 2; k++)
        col[k] = (int)floor(vm[k] / 100 * (nx - 1) + 0.5) / 2;
    int lx = -1, ly = -1;
    /* the later marker's label: right of its line, top row of the area
     * (it fits: 28 columns right of column ~57 of 95) */
    assert_true(find(&g, "model random → mlp (rebuilt)", &lx, &ly));
    assert_int_equal(ly, geo.ay);
    assert_int_equal(lx, geo.ax + col[1] + 1);
    assert_int_equal(tg_at(&g, lx, ly)->color, TG_GREY);
    assert_true(find(&g, "η 0.002 → 0.005", &lx, &ly));
    assert_int_equal(ly, geo.ay);
    assert_int_equal(lx, geo.ax + col[0] + 1);
    tg_free(&g);

    /* a narrow area: the label of the later marker is cut at a character
     * with "…", so is the earlier one; neither crosses the other's line */
    const char *const vl2[2] = {"η 0.002 → 0.005", "model random → mlp, L 65 → 32 (rebuilt)"};
    const double vm2[2] = {40, 60};
    p.vmarks = vm2;
    p.vmark_labels = vl2;
    g = grid(40, 16, TG_UTF8);
    tg_panel(&g, &p, 0, 0, 40, 16, &geo);
    char top[2048];
    snprintf(top, sizeof top, "%s", row(&g, geo.ay));
    const char *m = strstr(top, "model random");
    if (!m)
        fail_msg("no marker label on the top row: \"%s\"", top);
    const char *e = strstr(m, "…");
    assert_non_null(e);
    /* what is before "…" is the label's beginning, whole characters */
    assert_int_equal(strncmp(m, vl2[1], (size_t)(e - m)), 0);
    assert_true(valid_utf8(top));
    assert_true(find_in(&g, "η 0.00", 0, geo.ay, 39, geo.ay + 1, NULL, NULL));
    /* no label crosses a marker's line: it would read as that marker's */
    for (int k = 0; k < 2; k++) {
        int c = (int)floor(vm2[k] / 100 * (geo.aw * 2 - 1) + 0.5) / 2;
        for (int r = 0; r < 2; r++)
            if (!braille(&g, geo.ax + c, geo.ay + r) && !blank(&g, geo.ax + c, geo.ay + r))
                fail_msg("a label over the line of marker %d: \"%s\"", k, row(&g, geo.ay + r));
    }
    tg_free(&g);

    /* a small area (one row for labels): the later marker's label takes
     * the room right of it, the earlier one has less than 6 columns on
     * either side and is left out */
    const double vm4[2] = {20, 55};
    p.vmarks = vm4;
    g = grid(22, 7, TG_UTF8);
    tg_panel(&g, &p, 0, 0, 22, 7, &geo);
    assert_true(geo.ah < 6);
    assert_true(find(&g, "model", NULL, NULL));
    assert_false(find(&g, "η", NULL, NULL));
    tg_free(&g);

    /* the note box in the upper left is not written over */
    const double vm3[1] = {5};
    const char *const vl3[1] = {"converged at step 5"};
    p.vmarks = vm3;
    p.vmark_labels = vl3;
    p.nvmarks = 1;
    p.note = "a note of some width";
    p.note_corner = PLOT_UPPER_LEFT;
    g = grid(80, 16, TG_UTF8);
    tg_panel(&g, &p, 0, 0, 80, 16, &geo);
    assert_true(find(&g, "a note of some width", NULL, NULL));
    assert_true(find(&g, "converged at step 5", &lx, &ly));
    assert_true(ly == geo.ay + 1 || lx > geo.ax + 21);
    tg_free(&g);
}

/* Titles at 120 columns: the live kernel panel's two plots side by side
 * in a 59-column grid cell keep both titles whole (tg_pair_split); a
 * title longer than its panel takes two rows where there are rows, cut
 * only when there are not. */
static void test_titles_not_cut(void **state)
{
    (void)state;
    const double x[2] = {0, 1}, y[2] = {0.2, 0.8};
    plot_series s = series(x, y, 2, PLOT_LINE, 0, NULL);
    plot_panel a = panel(&s, 1), b = panel(&s, 1);
    a.title = "kernel eigenvalues now";
    a.ylabel = "λ_{k}(K)";
    b.title = "smallest kernel eigenvalue λ_{min}(t)";
    b.ylabel = "λ_{min}(K)";
    /* the 2 x 2 grid at 120 columns: the right column is 60 wide, the
     * left 59 (compose.c) */
    for (int w = 59; w <= 60; w++) {
        int w0 = tg_pair_split(&a, &b, w, TG_UTF8);
        assert_true(w0 - 1 >= 20 && w - w0 >= 20);
        tg_grid g = grid(w, 18, TG_UTF8);
        tg_panel(&g, &a, 0, 0, w0 - 1, 18, NULL);
        tg_panel(&g, &b, w0, 0, w - w0, 18, NULL);
        if (!find_in(&g, "kernel eigenvalues now", 0, 0, w - 1, 0, NULL, NULL) ||
            !find_in(&g, "smallest kernel eigenvalue λ_min(t)", 0, 0, w - 1, 0, NULL, NULL))
            fail_msg("width %d: a title is cut: \"%s\"", w, row(&g, 0));
        assert_null(strstr(row(&g, 0), "…"));
        tg_free(&g);
    }
    /* titles that fit at half: half */
    b.title = "QNTK K(t)";
    assert_int_equal(tg_pair_split(&a, &b, 59, TG_UTF8), 29);
    /* too wide for any split: half, and the title wraps */
    b.title = "smallest kernel eigenvalue λ_{min}(t) of every instance of the ensemble";
    assert_int_equal(tg_pair_split(&a, &b, 59, TG_UTF8), 29);
    tg_grid g = grid(30, 18, TG_UTF8);
    tg_geom geo;
    tg_panel(&g, &b, 0, 0, 30, 18, &geo);
    assert_true(match_at(&g, 0, 0, "smallest kernel eigenvalue"));
    assert_true(match_at(&g, 0, 1, "λ_min(t) of every instance of…"));
    assert_int_equal(geo.ay, 2);
    assert_true(tg_at(&g, 0, 1)->attr & TG_BOLD);
    tg_free(&g);
    b.title = "smallest kernel eigenvalue λ_{min}(t)";
    g = grid(30, 18, TG_UTF8);
    tg_panel(&g, &b, 0, 0, 30, 18, &geo);
    assert_true(match_at(&g, 0, 0, "smallest kernel eigenvalue "));
    assert_true(match_at(&g, 0, 1, "λ_min(t)   [λ_min(K)]"));
    assert_null(strstr(row(&g, 0), "…"));
    tg_free(&g);
    /* a short panel: one row, cut */
    g = grid(30, 10, TG_UTF8);
    tg_panel(&g, &b, 0, 0, 30, 10, &geo);
    assert_int_equal(geo.ay, 1);
    assert_non_null(strstr(row(&g, 0), "…"));
    tg_free(&g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_grid_basics),
        cmocka_unit_test(test_utf8_decoder),
        cmocka_unit_test(test_text_truncation),
        cmocka_unit_test(test_combining_marks),
        cmocka_unit_test(test_markup),
        cmocka_unit_test(test_ascii_translit),
        cmocka_unit_test(test_ascii_covers_sources),
        cmocka_unit_test(test_dump),
        cmocka_unit_test(test_diagonal_line),
        cmocka_unit_test(test_log_rows_and_labels),
        cmocka_unit_test(test_dash_patterns),
        cmocka_unit_test(test_histogram),
        cmocka_unit_test(test_histogram_zero_bins),
        cmocka_unit_test(test_points),
        cmocka_unit_test(test_layers_and_colours),
        cmocka_unit_test(test_note_refs),
        cmocka_unit_test(test_labels),
        cmocka_unit_test(test_x_ticks_whole),
        cmocka_unit_test(test_legend_rows),
        cmocka_unit_test(test_live_like_panels_ascii),
        cmocka_unit_test(test_stays_inside),
        cmocka_unit_test(test_sizes),
        cmocka_unit_test(test_symlog_axis),
        cmocka_unit_test(test_dim_and_ghost),
        cmocka_unit_test(test_nan_gap),
        cmocka_unit_test(test_vmark_labels),
        cmocka_unit_test(test_titles_not_cut),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
