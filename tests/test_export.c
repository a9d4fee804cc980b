/* The figure options of the live export and of `run` (ui/live/figopts.h):
 * parsing and its refusals, what each option does to a figure, the live
 * export's panels at a journal size (PNG pixels = inches x dpi, SVG text as
 * <text>); state.json holds numbers as numbers, the segments, the pins and
 * the share string (issue 23). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "figopts.h"
#include "live.h"

static qnn_session *session(int R, long steps)
{
    qnn_params p;
    qnn_params_default(&p);
    char err[512];
    if (qnn_params_set(&p, "m", "3", err, sizeof err) != 0 || qnn_params_set(&p, "n", "4", err, sizeof err) != 0 ||
        qnn_params_set(&p, "L", "16", err, sizeof err) != 0)
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

static void set_ok(live_fig_opts *o, const char *name, const char *v)
{
    char err[600];
    if (live_fig_opts_set(o, name, v, err, sizeof err) != 0)
        fail_msg("--%s %s: %s", name, v, err);
}

static void set_refused(const char *name, const char *v, const char *want)
{
    live_fig_opts o;
    live_fig_opts_init(&o);
    char err[600] = "";
    assert_int_equal(live_fig_opts_set(&o, name, v, err, sizeof err), -1);
    assert_string_equal(err, want);
    assert_true(live_fig_opts_is_default(&o));
}

static void test_parse(void **state)
{
    (void)state;
    live_fig_opts o;
    live_fig_opts_init(&o);
    assert_true(live_fig_opts_is_default(&o));
    set_ok(&o, "fig-size", "3.4x2.6in");
    assert_true(fabs(o.width - 244.8) < 1e-9 && fabs(o.height - 187.2) < 1e-9);
    set_ok(&o, "fig-size", "86x60mm");
    assert_true(fabs(o.width - 86 / 25.4 * 72) < 1e-9 && fabs(o.height - 60 / 25.4 * 72) < 1e-9);
    set_ok(&o, "fig-size", "8.6\xc3\x97" "6cm");   /* '×' */
    assert_true(fabs(o.width - 86 / 25.4 * 72) < 1e-9);
    set_ok(&o, "dpi", "300");
    assert_true(o.dpi == 300);
    set_ok(&o, "font-size", "8.5");
    assert_true(o.font_size == 8.5);
    set_ok(&o, "title", "off");
    assert_int_equal(o.title, 0);
    set_ok(&o, "style", "twocolumn");
    assert_int_equal(o.style, LIVE_FIG_TWOCOLUMN);
    assert_false(live_fig_opts_is_default(&o));

    const char *form = "allowed: positive numbers and in, mm or cm (3.4x2.6in, 86x60mm, 8.6x6cm)";
    char want[600];
    static const char *const bad_form[] = {"", "3.4", "3.4x2.6", "3.4x2.6pt", "-3x2in", "1e1x2in", "0x10x2in",
                                           "nanxnanin", "infx2in", "3.4x2.6in ", "3,4x2in"};
    for (size_t i = 0; i < sizeof bad_form / sizeof bad_form[0]; i++) {
        snprintf(want, sizeof want, "--fig-size: value '%s' is not WIDTHxHEIGHT with a unit; %s", bad_form[i], form);
        set_refused("fig-size", bad_form[i], want);
    }
    static const char *const bad_range[] = {"0x0in", "0.4x2in", "2x41in", "100x100in", "1016.1x20mm"};
    for (size_t i = 0; i < sizeof bad_range / sizeof bad_range[0]; i++) {
        snprintf(want, sizeof want, "--fig-size: value '%s' is out of range; allowed: each side 0.5 .. 40 in "
                 "(12.7 .. 1016 mm)", bad_range[i]);
        set_refused("fig-size", bad_range[i], want);
    }
    set_refused("fig-size", "3x\x1b]0;x", "--fig-size: value '3x\\x1B]0;x' is not WIDTHxHEIGHT with a unit; "
                "allowed: positive numbers and in, mm or cm (3.4x2.6in, 86x60mm, 8.6x6cm)");
    set_refused("dpi", "0", "--dpi: value '0' is out of range; allowed: 10 .. 1200 (PNG pixels per inch)");
    set_refused("dpi", "1201", "--dpi: value '1201' is out of range; allowed: 10 .. 1200 (PNG pixels per inch)");
    set_refused("dpi", "300.5", "--dpi: value '300.5' is not a whole number; allowed: 10 .. 1200 (PNG pixels per inch)");
    set_refused("dpi", "-300", "--dpi: value '-300' is not a whole number; allowed: 10 .. 1200 (PNG pixels per inch)");
    set_refused("font-size", "3", "--font-size: value '3' is out of range; allowed: 4 .. 72 (points)");
    set_refused("font-size", "NaN", "--font-size: value 'NaN' is not a number of points; allowed: 4 .. 72 "
                "(the tick labels; the rest scales with them)");
    set_refused("title", "", "--title: value '' is not on or off; allowed: on, off");
    set_refused("style", "OneColumn", "--style: value 'OneColumn' is not a style; allowed: onecolumn (3.4 in, 8 pt), "
                "twocolumn (7 in, 9 pt), slide (10 x 5.6 in, 16 pt)");

    /* together: the PNG's pixels */
    char err[600];
    live_fig_opts_init(&o);
    set_ok(&o, "dpi", "1200");
    assert_int_equal(live_fig_opts_check(&o, err, sizeof err), -1);   /* 15 in at 1200 dpi */
    assert_non_null(strstr(err, "allowed: at most 16384 pixels a side"));
    set_ok(&o, "style", "onecolumn");
    assert_int_equal(live_fig_opts_check(&o, err, sizeof err), 0);
    set_ok(&o, "fig-size", "14x3in");
    assert_int_equal(live_fig_opts_check(&o, err, sizeof err), -1);
    set_ok(&o, "dpi", "1170");
    assert_int_equal(live_fig_opts_check(&o, err, sizeof err), 0);
}

static void test_apply(void **state)
{
    (void)state;
    plot_panel pn[4];
    memset(pn, 0, sizeof pn);
    for (int i = 0; i < 4; i++)
        pn[i].title = "panel";
    plot_figure base = {.title = "figure", .panels = pn, .npanels = 2, .columns = 2, .width = 720, .height = 300};
    plot_figure f = base;
    live_fig_opts o;
    live_fig_opts_init(&o);
    live_fig_opts_apply(&o, &f, pn);
    assert_memory_equal(&f, &base, sizeof f);   /* the default changes nothing */
    live_fig_opts_apply(NULL, &f, pn);
    assert_memory_equal(&f, &base, sizeof f);

    set_ok(&o, "style", "onecolumn");
    live_fig_opts_apply(&o, &f, pn);
    assert_true(fabs(f.width - 244.8) < 1e-9);
    assert_int_equal(f.columns, 1);                      /* stacked */
    assert_true(fabs(f.height - 2 * 244.8 * 0.7) < 1e-9);
    assert_true(f.font_size == 8);
    assert_null(f.title);
    assert_null(pn[0].title);
    assert_null(pn[1].title);
    assert_non_null(pn[2].title);                        /* not the figure's */

    pn[0].title = pn[1].title = "panel";
    f = base;
    f.npanels = 4;
    live_fig_opts_apply(&o, &f, pn);
    assert_int_equal(f.columns, 1);                      /* four panels: stacked, flatter */
    assert_true(fabs(f.height - 4 * 244.8 * 0.6) < 1e-9);
    f = base;
    f.npanels = 4;
    f.columns = 4;
    set_ok(&o, "style", "twocolumn");
    live_fig_opts_apply(&o, &f, pn);
    assert_int_equal(f.columns, 4);                      /* the figure's grid */
    assert_true(f.width == 504 && f.font_size == 9);

    pn[0].title = pn[1].title = pn[2].title = pn[3].title = "panel";
    f = base;
    live_fig_opts_init(&o);
    set_ok(&o, "style", "slide");
    set_ok(&o, "font-size", "20");
    set_ok(&o, "fig-size", "6x4in");
    set_ok(&o, "dpi", "100");
    live_fig_opts_apply(&o, &f, pn);
    assert_true(f.width == 432 && f.height == 288);     /* the size wins over the style's */
    assert_true(f.font_size == 20 && f.dpi == 100);
    assert_int_equal(f.columns, 2);
    assert_string_equal(f.title, "figure");              /* slides keep the title */
    assert_string_equal(pn[0].title, "panel");

    f = base;
    live_fig_opts_init(&o);
    set_ok(&o, "title", "off");
    live_fig_opts_apply(&o, &f, pn);
    assert_null(f.title);
    assert_null(pn[1].title);
    assert_true(f.width == 720 && f.height == 300 && f.font_size == 0 && f.dpi == 0);
}

static void png_size(const char *path, unsigned *w, unsigned *h)
{
    unsigned char b[24];
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    assert_int_equal(fread(b, 1, 24, f), 24);
    fclose(f);
    *w = (unsigned)b[16] << 24 | (unsigned)b[17] << 16 | (unsigned)b[18] << 8 | b[19];
    *h = (unsigned)b[20] << 24 | (unsigned)b[21] << 16 | (unsigned)b[22] << 8 | b[23];
}

static char *slurp_n(const char *path, size_t *len);

static char *slurp(const char *path)
{
    size_t n;
    return slurp_n(path, &n);
}

/* 1 when the n bytes at b hold s */
static int has(const char *b, size_t n, const char *s)
{
    size_t l = strlen(s);
    for (size_t i = 0; i + l <= n; i++)
        if (!memcmp(b + i, s, l))
            return 1;
    return 0;
}

static char *slurp_n(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    assert_non_null(b);
    assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
    b[n] = 0;
    fclose(f);
    *len = (size_t)n;
    return b;
}

static void test_live_export(void **state)
{
    (void)state;
    qnn_session *s = session(3, 15);
    live_ui u;
    live_ui_init(&u, s, "default", NULL);
    qnn_params_default(&u.preset_params);
    char root[] = "/tmp/qnnlab-test-figopts-XXXXXX";
    assert_non_null(mkdtemp(root));
    snprintf(u.export_root, sizeof u.export_root, "%s", root);

    /* a pin, then a change that rebuilds: two segments */
    const qnn_snapshot *sn = qnn_session_acquire(s);
    assert_true(live_do(&u, LIVE_PIN) >= 0);
    qnn_snapshot_release(sn);
    char err[512];
    assert_int_equal(qnn_session_set(s, "L", "20", err, sizeof err), QNN_OK);
    assert_int_equal(qnn_session_advance(s, 10), 0);
    sn = qnn_session_acquire(s);

    live_fig_opts o;
    live_fig_opts_init(&o);
    set_ok(&o, "style", "onecolumn");
    set_ok(&o, "dpi", "300");
    live_fig_opts_use(&o);
    assert_int_equal(live_export(&u, sn, 0, 0, 1.0), 0);
    live_fig_opts_use(NULL);
    assert_true(live_fig_opts_is_default(live_fig_opts_current()));

    char p[2048];
    unsigned w, h;
    snprintf(p, sizeof p, "%s/error.png", u.last_export);
    png_size(p, &w, &h);
    assert_int_equal(w, 1020);              /* 3.4 in x 300 dpi */
    assert_int_equal(h, 714);               /* 0.7 x the width */
    snprintf(p, sizeof p, "%s/error.svg", u.last_export);
    char *svg = slurp(p);
    assert_non_null(strstr(svg, "width=\"244.8pt\""));
    assert_non_null(strstr(svg, "<text"));
    assert_non_null(strstr(svg, ">step t</tspan>"));
    assert_non_null(strstr(svg, "font-size=\"8\""));
    assert_null(strstr(svg, "<symbol"));    /* no glyph outlines */
    /* the marker's label: rotated, clipped to the plot area; the clip is
     * in the text's own (rotated) user space, so it has no transform of
     * its own, and it holds the text's anchor */
    const char *lab = strstr(svg, "L 16 \xe2\x86\x92 20</tspan>");
    assert_non_null(lab);
    const char *txt = lab;
    while (txt > svg && strncmp(txt, "<text ", 6))
        txt--;
    double a, b, c, d, e, f2, ax, ay;
    assert_int_equal(sscanf(txt, "<text transform=\"matrix(%lf %lf %lf %lf %lf %lf)\"", &a, &b, &c, &d, &e, &f2), 6);
    assert_true(a == 0 && d == 0 && fabs(b) == 1 && fabs(c) == 1);   /* a quarter turn */
    const char *cp = strstr(txt, "clip-path=\"url(#");
    assert_non_null(cp);
    char id[64], want[96];
    assert_int_equal(sscanf(cp, "clip-path=\"url(#%63[^)])", id), 1);
    snprintf(want, sizeof want, "<clipPath id=\"%s\"><rect ", id);
    const char *clip = strstr(svg, want);
    assert_non_null(clip);
    double rx, ry, rw, rh;
    assert_int_equal(sscanf(clip + strlen(want), "x=\"%lf\" y=\"%lf\" width=\"%lf\" height=\"%lf\"", &rx, &ry, &rw, &rh), 4);
    assert_non_null(strstr(txt, "<tspan x=\""));
    assert_int_equal(sscanf(strstr(txt, "<tspan x=\""), "<tspan x=\"%lf\" y=\"%lf\"", &ax, &ay), 2);
    assert_true(ax >= rx && ax <= rx + rw && ay >= ry && ay <= ry + rh);
    /* on the page: the anchor through the text's matrix */
    double px = a * ax + c * ay + e, py = b * ax + d * ay + f2;
    assert_true(px > 0 && px < 244.8 && py > 0 && py < 171.36);
    free(svg);
    snprintf(p, sizeof p, "%s/error.pdf", u.last_export);
    size_t npdf;
    char *pdf = slurp_n(p, &npdf);
    assert_true(has(pdf, npdf, "/ToUnicode"));
    assert_true(has(pdf, npdf, "/FontFile2") || has(pdf, npdf, "/FontFile3"));
    free(pdf);

    /* state.json: numbers as numbers */
    snprintf(p, sizeof p, "%s/state.json", u.last_export);
    json_error_t je;
    json_t *j = json_load_file(p, 0, &je);
    assert_non_null(j);
    json_t *par = json_object_get(j, "params");
    size_t nk;
    const qnn_key_info *keys = qnn_params_keys(&nk);
    for (size_t k = 0; k < nk; k++) {
        json_t *v = json_object_get(par, keys[k].name);
        if (!v)
            fail_msg("state.json: params.%s missing", keys[k].name);
        int numeric = keys[k].type == QNN_KEY_INT || keys[k].type == QNN_KEY_LONG || keys[k].type == QNN_KEY_U64 ||
                      keys[k].type == QNN_KEY_DOUBLE;
        if (numeric && !json_is_number(v) && !(json_is_string(v) && strspn(json_string_value(v), "0123456789") == 0))
            fail_msg("state.json: params.%s is not a number", keys[k].name);
        if (!numeric && !json_is_string(v))
            fail_msg("state.json: params.%s is not a string", keys[k].name);
    }
    assert_int_equal(json_integer_value(json_object_get(par, "L")), 20);
    assert_int_equal(json_integer_value(json_object_get(par, "m")), 3);
    assert_true(json_is_real(json_object_get(par, "eta")));
    assert_int_equal(json_integer_value(json_object_get(j, "step")), 25);
    assert_true(json_is_real(json_object_get(json_object_get(j, "theory"), "mean_qntk")));
    json_t *ch = json_object_get(j, "changes");
    assert_true(json_array_size(ch) >= 1);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(ch, 0), "step")), 15);
    assert_true(json_is_boolean(json_object_get(json_array_get(ch, 0), "rebuilt")));
    json_t *sg = json_object_get(j, "segments");
    assert_int_equal(json_array_size(sg), sn->nseg);
    assert_true(json_array_size(sg) >= 2);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(sg, 0), "step")), 0);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(sg, 1), "step")), 15);
    assert_true(json_is_integer(json_object_get(json_array_get(sg, 1), "records")));
    json_t *pins = json_object_get(j, "pins");
    assert_int_equal(u.npins, 1);   /* key p above */
    assert_int_equal(json_array_size(pins), (size_t)u.npins);
    if (u.npins > 0) {
        json_t *p0 = json_array_get(pins, 0);
        assert_int_equal(json_integer_value(json_object_get(p0, "step")), 15);
        assert_true(json_is_string(json_object_get(p0, "label")));
        assert_int_equal(json_integer_value(json_object_get(json_object_get(p0, "params"), "L")), 16);
    }
    assert_true(json_is_string(json_object_get(j, "share")));
    json_decref(j);

    qnn_snapshot_release(sn);
    live_pins_free(&u);
    qnn_session_free(s);
    char cmd[2100];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_apply),
        cmocka_unit_test(test_live_export),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
