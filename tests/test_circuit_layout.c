/* The layout of circuit diagrams (ui/plot/circuit_layout.c): columns for
 * parallel gates, the span of multi-qubit gates, folding to a width, layer
 * breaks, box texts; and the same circuits drawn with cairo (PNG, SVG,
 * PDF) and as text (ui/tui/circuit_text.c); the live faces' diagram (key
 * d: its cache, the window's overlay, the terminal's screen, scrolling,
 * the export with circuit.qasm). */
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
#include <sys/stat.h>
#include <unistd.h>

#include "circuit_layout.h"
#include "circuit_draw.h"
#include "circuit_text.h"
#include "qnn/ansatz.h"
#include "qnn/qasm.h"
#include "tui.h"

/* ------------------------------------------------------------------ */
/* building circuits                                                   */

static void add1(qnn_qc *qc, qnn_gate_kind k, int q0, int angle, int layer)
{
    char err[256];
    int q[1] = {q0}, a[1] = {angle};
    assert_int_equal(qnn_qc_add(qc, k, q, angle >= 0 ? a : NULL, 0, 0, layer, err, sizeof err), 0);
}

static void add2(qnn_qc *qc, qnn_gate_kind k, int q0, int q1, int angle, int layer)
{
    char err[256];
    int q[2] = {q0, q1}, a[1] = {angle};
    assert_int_equal(qnn_qc_add(qc, k, q, angle >= 0 ? a : NULL, 0, 0, layer, err, sizeof err), 0);
}

static int var(qnn_qc *qc, const char *name)
{
    int v = qnn_qc_add_var(qc, name, 0, 0);
    assert_true(v >= 0);
    int e = qnn_qc_varref(qc, v);
    assert_true(e >= 0);
    return e;
}

/* A hardware-efficient ansatz by hand: per layer ry(theta_k) on every
 * qubit, then cz on (0,1), (1,2), ... */
static qnn_qc *hea(int n, int layers)
{
    qnn_qc *qc = qnn_qc_new(n, "hea-test");
    assert_non_null(qc);
    int k = 0;
    for (int l = 0; l < layers; l++) {
        for (int q = 0; q < n; q++) {
            char name[32];
            snprintf(name, sizeof name, "theta_%d", k++);
            add1(qc, QNN_G_RY, q, var(qc, name), l);
        }
        for (int q = 0; q + 1 < n; q++)
            add2(qc, QNN_G_CZ, q, q + 1, -1, l);
    }
    return qc;
}

static double row_width(const cl_layout *L, const double *colw, double label_w, int r)
{
    double w = label_w;
    for (int c = L->row_start[r]; c < L->row_start[r + 1]; c++)
        w += colw[c];
    return w;
}

/* ------------------------------------------------------------------ */
/* columns                                                             */

static void test_parallel_columns(void **state)
{
    (void)state;
    qnn_qc *qc = qnn_qc_new(3, "par");
    assert_non_null(qc);
    add1(qc, QNN_G_H, 0, -1, -1);                     /* col 0 */
    add1(qc, QNN_G_H, 1, -1, -1);                     /* col 0 */
    add1(qc, QNN_G_H, 2, -1, -1);                     /* col 0 */
    add2(qc, QNN_G_CX, 0, 1, -1, -1);                 /* col 1 */
    add1(qc, QNN_G_RX, 2, var(qc, "theta_0"), -1);    /* col 1: beside the cx */
    add2(qc, QNN_G_CZ, 2, 0, -1, -1);                 /* spans 0..2: col 2 */
    add1(qc, QNN_G_X, 1, -1, -1);                     /* col 3: q1 is crossed by the cz */
    add2(qc, QNN_G_SWAP, 0, 1, -1, -1);               /* col 4 */
    cl_layout L;
    assert_int_equal(cl_build(qc, NULL, &L), 0);
    assert_int_equal(L.n, 3);
    assert_int_equal(L.ngates, 8);
    static const int col[8] = {0, 0, 0, 1, 1, 2, 3, 4};
    for (int i = 0; i < 8; i++)
        assert_int_equal(L.g[i].col, col[i]);
    assert_int_equal(L.ncols, 5);
    /* marks: cx ● ⊕, cz ● ●, swap × × */
    assert_int_equal(L.g[3].mark[0], CL_CTRL);
    assert_int_equal(L.g[3].mark[1], CL_OPLUS);
    assert_int_equal(L.g[5].mark[0], CL_CTRL);
    assert_int_equal(L.g[5].mark[1], CL_CTRL);
    assert_int_equal(L.g[5].lo, 0);
    assert_int_equal(L.g[5].hi, 2);
    assert_int_equal(L.g[7].mark[0], CL_SWAP);
    assert_int_equal(L.g[7].mark[1], CL_SWAP);
    assert_string_equal(L.g[0].text, "H");
    assert_string_equal(L.g[4].text, "Rx(θ0)");
    assert_int_equal(L.g[4].roles, CL_USES_PARAM);
    assert_int_equal(L.g[0].roles, 0);
    cl_free(&L);
    qnn_qc_free(qc);
}

static void test_ccx_span(void **state)
{
    (void)state;
    qnn_qc *qc = qnn_qc_new(4, "ccx");
    assert_non_null(qc);
    char err[256];
    int q[3] = {0, 2, 1};   /* controls 0 and 2, target 1 */
    assert_int_equal(qnn_qc_add(qc, QNN_G_CCX, q, NULL, 0, 0, -1, err, sizeof err), 0);
    add1(qc, QNN_G_H, 3, -1, -1);     /* outside the span: column 0 */
    add1(qc, QNN_G_H, 1, -1, -1);     /* after the ccx */
    int q2[3] = {3, 0, 2};            /* cswap: control 3, swap 0 and 2 */
    assert_int_equal(qnn_qc_add(qc, QNN_G_CSWAP, q2, NULL, 0, 0, -1, err, sizeof err), 0);
    cl_layout L;
    assert_int_equal(cl_build(qc, NULL, &L), 0);
    assert_int_equal(L.g[0].lo, 0);
    assert_int_equal(L.g[0].hi, 2);
    assert_int_equal(L.g[0].nq, 3);
    assert_int_equal(L.g[0].mark[0], CL_CTRL);
    assert_int_equal(L.g[0].mark[1], CL_CTRL);
    assert_int_equal(L.g[0].mark[2], CL_OPLUS);
    assert_int_equal(L.g[0].col, 0);
    assert_int_equal(L.g[1].col, 0);
    assert_int_equal(L.g[2].col, 1);
    assert_int_equal(L.g[3].lo, 0);
    assert_int_equal(L.g[3].hi, 3);
    assert_int_equal(L.g[3].col, 2);
    assert_int_equal(L.g[3].mark[0], CL_CTRL);
    assert_int_equal(L.g[3].mark[1], CL_SWAP);
    assert_int_equal(L.g[3].mark[2], CL_SWAP);
    cl_free(&L);
    qnn_qc_free(qc);
}

/* ------------------------------------------------------------------ */
/* folding                                                             */

static void check_fold(cl_layout *L, double width, int layer_breaks, int *nrows)
{
    double *colw = calloc((size_t)L->ncols + 1, sizeof *colw);
    assert_non_null(colw);
    cl_col_widths(L, NULL, NULL, 1, 1, 2, colw);
    const double label_w = 4;
    assert_int_equal(cl_fold(L, colw, label_w, width, layer_breaks), 0);
    assert_true(L->nrows >= 1);
    assert_int_equal(L->row_start[0], 0);
    assert_int_equal(L->row_start[L->nrows], L->ncols);
    for (int r = 0; r < L->nrows; r++) {
        assert_true(L->row_start[r + 1] > L->row_start[r]);
        /* a row fits, or holds one column only */
        if (L->row_start[r + 1] - L->row_start[r] > 1)
            assert_true(row_width(L, colw, label_w, r) <= width);
        /* and the next column would not have fitted (without layer breaks) */
        if (!layer_breaks && r + 1 < L->nrows)
            assert_true(row_width(L, colw, label_w, r) + colw[L->row_start[r + 1]] > width);
    }
    for (int i = 0; i < L->ngates; i++) {
        const cl_gate *g = &L->g[i];
        assert_true(g->col >= L->row_start[g->row] && g->col < L->row_start[g->row + 1]);
        assert_int_equal(g->rcol, g->col - L->row_start[g->row]);
    }
    *nrows = L->nrows;
    free(colw);
}

static void test_fold_widths(void **state)
{
    (void)state;
    qnn_qc *qc = hea(4, 3);
    cl_layout L;
    assert_int_equal(cl_build(qc, NULL, &L), 0);
    /* the cz ladder is sequential; the next layer's ry start beside it */
    assert_int_equal(L.g[0].col, 0);
    assert_int_equal(L.g[4].col, 1);    /* cz(0,1) */
    assert_int_equal(L.g[5].col, 2);    /* cz(1,2) */
    assert_int_equal(L.g[6].col, 3);    /* cz(2,3) */
    assert_int_equal(L.g[7].col, 2);    /* ry q0 of layer 1, beside cz(1,2) */
    int r40, r200;
    check_fold(&L, 40, 0, &r40);
    assert_true(r40 >= 3);
    check_fold(&L, 200, 0, &r200);
    assert_int_equal(r200, 1);
    /* a width below one column: one column a row */
    int r1;
    check_fold(&L, 1, 0, &r1);
    assert_int_equal(r1, L.ncols);
    cl_free(&L);
    qnn_qc_free(qc);
}

static void test_layer_breaks(void **state)
{
    (void)state;
    qnn_qc *qc = hea(4, 6);
    cl_opts o = {0, 14, 1};
    cl_layout L;
    assert_int_equal(cl_build(qc, &o, &L), 0);
    /* with barriers a layer takes 4 columns: ry, cz, cz, cz */
    assert_int_equal(L.ncols, 6 * 4);
    for (int c = 0; c < L.ncols; c++)
        assert_int_equal(L.col_layer[c], c / 4);
    double colw[24];
    cl_col_widths(&L, NULL, NULL, 1, 1, 2, colw);
    /* ry(θk): "Ry(θ10)" 7 + 2 + 2 = 11; cz: 1 + 2 = 3; a layer 20 */
    assert_true(fabs(colw[0] - 10) < 1e-9 || fabs(colw[0] - 11) < 1e-9);
    assert_true(fabs(colw[1] - 3) < 1e-9);
    int rows;
    /* 4 + 2 layers (43) + part of a third: without breaks the row ends
     * inside layer 2, with breaks at its start */
    check_fold(&L, 56, 0, &rows);
    int inside = 0;
    for (int r = 1; r < L.nrows; r++)
        inside |= L.row_start[r] % 4 != 0;
    assert_true(inside);
    check_fold(&L, 56, 1, &rows);
    for (int r = 1; r < L.nrows; r++)
        assert_int_equal(L.row_start[r] % 4, 0);
    assert_int_equal(rows, 3);
    /* too narrow for half a row at the boundary: breaks where it must */
    check_fold(&L, 16, 1, &rows);
    assert_true(rows > 6);
    cl_free(&L);
    qnn_qc_free(qc);
}

static void test_empty(void **state)
{
    (void)state;
    qnn_qc *qc = qnn_qc_new(2, "empty");
    cl_layout L;
    assert_int_equal(cl_build(qc, NULL, &L), 0);
    assert_int_equal(L.ncols, 0);
    double colw[1];
    assert_int_equal(cl_fold(&L, colw, 4, 40, 1), 0);
    assert_int_equal(L.nrows, 1);
    cl_free(&L);
    cl_free(&L);   /* twice is safe */
    qnn_qc_free(qc);
}

/* ------------------------------------------------------------------ */
/* texts                                                               */

static void test_texts(void **state)
{
    (void)state;
    qnn_qc *qc = qnn_qc_new(2, "texts");
    int x = qnn_qc_add_var(qc, "x_0", 0, 0);
    qnn_qc_set_role(qc, x, QNN_VAR_FEATURE);
    int ex = qnn_qc_varref(qc, x);
    int t1 = var(qc, "theta_1");
    int two = qnn_qc_const(qc, 2.0);
    int e = qnn_qc_binary(qc, QNN_EX_ADD, qnn_qc_binary(qc, QNN_EX_MUL, two, ex), t1);
    add1(qc, QNN_G_RZ, 0, e, -1);
    int pi2 = qnn_qc_const(qc, M_PI / 2);
    add1(qc, QNN_G_RX, 1, pi2, -1);
    /* (θ1 - x0) * 2: parentheses kept; a Qiskit-style name */
    int q = var(qc, "_θ_12_");
    int d = qnn_qc_binary(qc, QNN_EX_MUL, qnn_qc_binary(qc, QNN_EX_SUB, q, ex), two);
    add1(qc, QNN_G_RY, 0, d, -1);
    /* a long one: abbreviated */
    int longe = t1;
    for (int i = 0; i < 6; i++)
        longe = qnn_qc_binary(qc, QNN_EX_ADD, longe, qnn_qc_unary(qc, QNN_EX_SIN, ex));
    add1(qc, QNN_G_RY, 1, longe, -1);
    add1(qc, QNN_G_SDG, 0, -1, -1);

    cl_layout L;
    assert_int_equal(cl_build(qc, NULL, &L), 0);
    assert_string_equal(L.g[0].text, "Rz(2·x0+θ1)");
    assert_int_equal(L.g[0].roles, CL_USES_PARAM | CL_USES_FEATURE);
    assert_string_equal(L.g[1].text, "Rx(π/2)");
    assert_string_equal(L.g[2].text, "Ry((θ12-x0)·2)");
    assert_int_equal(cl_char_width(L.g[3].text), 14);
    assert_non_null(strstr(L.g[3].text, "…)"));
    assert_int_equal(strncmp(L.g[3].text, "Ry(θ1+sin(x0)", strlen("Ry(θ1+sin(x0")), 0);
    assert_true(cl_char_width(L.g[3].full) > 14);
    assert_string_equal(L.g[4].text, "S†");
    cl_free(&L);

    cl_opts o = {1, 12, 0};
    assert_int_equal(cl_build(qc, &o, &L), 0);
    assert_string_equal(L.g[0].text, "Rz(2*x0+th~)");
    assert_string_equal(L.g[0].full, "Rz(2*x0+theta1)");
    assert_string_equal(L.g[1].text, "Rx(pi/2)");
    assert_string_equal(L.g[4].text, "Sdg");
    for (int i = 0; i < L.ngates; i++)
        for (const char *p = L.g[i].text; *p; p++)
            assert_true((unsigned char)*p < 0x80);
    cl_free(&L);
    qnn_qc_free(qc);
}

/* ------------------------------------------------------------------ */
/* drawing                                                             */

static void test_text_drawing(void **state)
{
    (void)state;
    qnn_qc *qc = hea(3, 2);
    char err[256];
    int q[3] = {0, 1, 2};
    assert_int_equal(qnn_qc_add(qc, QNN_G_CCX, q, NULL, 0, 0, 2, err, sizeof err), 0);
    for (int ascii = 0; ascii < 2; ascii++) {
        cl_opts o = {ascii, 14, 1};
        cl_layout L;
        assert_int_equal(cl_build(qc, &o, &L), 0);
        tg_grid g;
        assert_int_equal(tg_init(&g, 40, 60, ascii ? TG_ASCII : TG_UTF8), 0);
        int lines = cl_text_fold(&L, 40);
        assert_true(lines > 0);
        cl_text_draw(&g, &L, 0, 0, 40, 60, 0);
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        tg_dump(&g, f);
        fclose(f);
        if (getenv("SHOW"))
            fputs(buf, stdout);
        assert_non_null(strstr(buf, "q0"));
        assert_non_null(strstr(buf, "q2"));
        assert_non_null(strstr(buf, ascii ? "Ry(theta0)" : "Ry(θ0)"));
        assert_non_null(strstr(buf, ascii ? "*" : "●"));
        assert_non_null(strstr(buf, ascii ? "(+)" : "⊕"));
        /* no line is wider than 40 cells: tg_dump would have cut nothing */
        free(buf);
        tg_free(&g);
        cl_free(&L);
    }
    qnn_qc_free(qc);
}

static void test_files(void **state)
{
    (void)state;
    char dir[] = "/tmp/test_circuit_layout_XXXXXX";
    assert_non_null(mkdtemp(dir));
    qnn_qc *qc = hea(5, 8);
    cl_opts o = {0, 14, 1};
    cl_layout L;
    assert_int_equal(cl_build(qc, &o, &L), 0);
    static const char *const ext[3] = {"png", "svg", "pdf"};
    for (int e = 0; e < 3; e++) {
        char p[128], err[512];
        snprintf(p, sizeof p, "%s/circuit.%s", dir, ext[e]);
        assert_int_equal(cl_write(&L, "circuit diagram", (plot_format)e, p, 700, err, sizeof err), 0);
        struct stat st;
        assert_int_equal(stat(p, &st), 0);
        assert_true(st.st_size > 500);
        if (!getenv("KEEP"))
            unlink(p);
    }
    if (!getenv("KEEP"))
        rmdir(dir);
    else
        printf("kept %s\n", dir);
    cl_free(&L);
    qnn_qc_free(qc);
}

/* ------------------------------------------------------------------ */
/* the live faces                                                      */

static qnn_session *session(const char *const *kv)
{
    qnn_params p;
    qnn_params_default(&p);
    char err[512];
    for (int i = 0; kv[i]; i += 2)
        if (qnn_params_set(&p, kv[i], kv[i + 1], err, sizeof err) != 0)
            fail_msg("%s", err);
    qnn_session_opts o;
    qnn_session_opts_default(&o);
    o.instances = 2;
    o.playing = 0;
    qnn_session *s = qnn_session_new(&p, &o, err, sizeof err);
    if (!s)
        fail_msg("%s", err);
    assert_int_equal(qnn_session_advance(s, 2), 0);
    return s;
}

static char *dump(const tg_grid *g)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    tg_dump(g, f);
    fclose(f);
    return buf;
}

static void test_live(void **state)
{
    (void)state;
    const char *kv[] = {"model", "circuit", "data", "none", "ansatz", "hea", "n", "4", "layers", "8", "seed", "1", NULL};
    qnn_session *s = session(kv);
    live_ui u;
    live_ui_init(&u, s, "test", NULL);
    assert_int_equal(live_do(&u, LIVE_CIRCUIT), 1);
    assert_int_equal(u.circuit_shown, 1);
    const qnn_snapshot *sn = qnn_session_acquire(s);
    assert_int_equal(live_circuit_sync(&u, sn, 0), 1);
    assert_int_equal(live_circuit_sync(&u, sn, 0), 0);   /* the same parameters: kept */
    /* steps do not rebuild it; a change of a key does */
    assert_int_equal(qnn_session_advance(s, 3), 0);
    qnn_snapshot_release(sn);
    sn = qnn_session_acquire(s);
    assert_int_equal(live_circuit_sync(&u, sn, 0), 0);
    char e0[512];
    assert_int_equal(qnn_session_set(s, "layers", "7", e0, sizeof e0), 0);
    assert_int_equal(qnn_session_advance(s, 1), 0);
    qnn_snapshot_release(sn);
    sn = qnn_session_acquire(s);
    assert_int_equal(live_circuit_sync(&u, sn, 0), 1);
    assert_int_equal(u.circuit->L.col_layer[u.circuit->L.ncols - 1], 6);
    assert_int_equal(qnn_session_set(s, "layers", "8", e0, sizeof e0), 0);
    assert_int_equal(qnn_session_advance(s, 1), 0);
    qnn_snapshot_release(sn);
    sn = qnn_session_acquire(s);
    assert_int_equal(live_circuit_sync(&u, sn, 0), 1);
    assert_non_null(u.circuit);
    assert_int_equal(u.circuit->status, 0);
    assert_int_equal(u.circuit->L.n, 4);
    assert_true(u.circuit->L.has_layers);

    /* the window: the overlay over the panels, in larger type when small */
    cairo_surface_t *sf = cairo_image_surface_create(CAIRO_FORMAT_RGB24, 1200, 800);
    cairo_t *cr = cairo_create(sf);
    live_layout L;
    live_layout_for(&L, 1200, 800, 1.0, &u);
    qnn_params req;
    qnn_session_requested(s, &req);
    live_draw(cr, &L, &u, sn, &req, NULL);
    assert_int_equal(cairo_status(cr), CAIRO_STATUS_SUCCESS);
    assert_true(u.circuit->fit_fs >= 12);
    assert_true(u.circuit->page > 1);
    if (getenv("KEEP"))
        cairo_surface_write_to_png(sf, "/tmp/test_circuit_live.png");
    cairo_destroy(cr);
    cairo_surface_destroy(sf);

    /* the terminal: the diagram in place of the panels, scrolled */
    for (int ascii = 0; ascii < 2; ascii++) {
        assert_int_equal(live_circuit_sync(&u, sn, ascii), ascii);   /* ASCII texts: rebuilt */
        tui_view v;
        memset(&v, 0, sizeof v);
        v.cs = ascii ? TG_ASCII : TG_UTF8;
        tui_layout tl;
        tui_layout_compute(&tl, 80, 24, &v);
        tg_grid g;
        assert_int_equal(tg_init(&g, 80, 24, v.cs), 0);
        assert_int_equal(tui_compose(&g, &tl, &u, &v, sn, &req), 0);
        char *t = dump(&g);
        if (getenv("SHOW"))
            fputs(t, stdout);
        assert_non_null(strstr(t, "circuit diagram"));
        assert_non_null(strstr(t, "q3"));
        assert_non_null(strstr(t, ascii ? "[Ry(theta0)]" : "┤Ry(θ0)├"));
        assert_non_null(strstr(t, "lines 1-") ? strstr(t, "lines 1-") : strstr(t, "lines 1–"));
        /* eight layers do not fit 80 x 24: it scrolls */
        assert_true(u.circuit->max_scroll > 0);
        assert_int_equal(live_circuit_key(&u, QNN_KEY_PGDN), 1);
        assert_true(u.circuit->scroll > 0);
        assert_int_equal(live_circuit_key(&u, QNN_KEY_END), 1);
        assert_true(u.circuit->scroll == u.circuit->max_scroll);
        assert_int_equal(tui_compose(&g, &tl, &u, &v, sn, &req), 0);
        free(t);
        t = dump(&g);
        assert_non_null(strstr(t, "layer 7"));
        assert_null(strstr(t, ascii ? "[Ry(theta0)]" : "┤Ry(θ0)├"));
        assert_int_equal(live_circuit_key(&u, QNN_KEY_HOME), 1);
        assert_true(u.circuit->scroll == 0);
        assert_int_equal(live_circuit_key(&u, 'x'), 0);
        free(t);
        tg_free(&g);
    }
    assert_int_equal(live_do(&u, LIVE_CIRCUIT), 1);
    assert_int_equal(u.circuit_shown, 0);
    assert_int_equal(live_circuit_key(&u, QNN_KEY_DOWN), 0);   /* closed: the key is the slider's */

    /* the export: the diagram and circuit.qasm, which reads back */
    char dir[] = "/tmp/test_circuit_live_XXXXXX";
    assert_non_null(mkdtemp(dir));
    int written = 0;
    char err[512];
    assert_int_equal(live_circuit_export(&sn->params, dir, &written, err, sizeof err), 0);
    assert_int_equal(written, 1);
    static const char *const names[4] = {"circuit.png", "circuit.svg", "circuit.pdf", "circuit.qasm"};
    for (int k = 0; k < 4; k++) {
        char p[128];
        snprintf(p, sizeof p, "%s/%s", dir, names[k]);
        struct stat st;
        assert_int_equal(stat(p, &st), 0);
        assert_true(st.st_size > 100);
        if (k == 3) {
            qnn_qc *qc = NULL, *orig = NULL;
            assert_int_equal(qnn_qasm_read(p, &qc, err, sizeof err), 0);
            assert_int_equal(qnn_model_circuit(&sn->params, &orig, err, sizeof err), 0);
            assert_int_equal(qc->ngates, orig->ngates);
            assert_int_equal(qc->n, 4);
            qnn_qc_free(qc);
            qnn_qc_free(orig);
        }
        unlink(p);
    }
    rmdir(dir);
    qnn_snapshot_release(sn);
    live_circuit_free(&u);
    assert_null(u.circuit);
    qnn_session_free(s);

    /* a model without a gate-level circuit: not offered, and said so */
    const char *kr[] = {"model", "random", "n", "3", "L", "8", NULL};
    s = session(kr);
    live_ui_init(&u, s, "test", NULL);
    assert_int_equal(live_do(&u, LIVE_CIRCUIT), 1);
    assert_int_equal(u.circuit_shown, 0);
    assert_non_null(strstr(u.status, "no circuit diagram"));
    sn = qnn_session_acquire(s);
    assert_int_equal(live_circuit_export(&sn->params, "/nonexistent", &written, err, sizeof err), 0);
    assert_int_equal(written, 0);
    qnn_snapshot_release(sn);
    qnn_session_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parallel_columns),
        cmocka_unit_test(test_ccx_span),
        cmocka_unit_test(test_fold_widths),
        cmocka_unit_test(test_layer_breaks),
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_texts),
        cmocka_unit_test(test_text_drawing),
        cmocka_unit_test(test_files),
        cmocka_unit_test(test_live),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
