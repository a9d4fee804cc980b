/* A circuit diagram drawn with cairo (circuit_draw.h). */
#include "circuit_draw.h"
#include "afile.h"

#include <cairo-pdf.h>
#include <cairo-svg.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Geometry in units of the box text size fs. */
#define WIRE_SP 2.5     /* wire to wire */
#define BOX_H 1.75      /* box height */
#define PAD 0.5         /* text to box edge */
#define GLYPH 1.2       /* a column of dots only */
#define GAP 0.9         /* between columns */
#define HEAD 1.5        /* above the first wire of a row: the layer marks */
#define ROW_GAP 1.3     /* between rows */

/* The gate text as plot markup: '_', '^', '{', '}' and '\' literal. */
static void escape(const char *s, char *out, size_t cap)
{
    size_t o = 0;
    for (; *s && o + 3 < cap; s++) {
        if (strchr("_^{}\\", *s))
            out[o++] = '\\';
        out[o++] = *s;
    }
    out[o] = 0;
}

static double measure(void *ctx, const char *text)
{
    char e[4 * CL_TEXT_MAX];
    escape(text, e, sizeof e);
    cairo_t *cr = ((void **)ctx)[0];
    const double fs = *(const double *)((void **)ctx)[1];
    return plot_text_width(cr, e, fs, 0);
}

double cl_cairo_line(double fs)
{
    return WIRE_SP * fs;
}

static double row_height(const cl_layout *L, double fs)
{
    return (HEAD + BOX_H + ROW_GAP) * fs + (L->n - 1) * WIRE_SP * fs;
}

double cl_cairo_fold(cairo_t *cr, cl_layout *L, double w, double fs)
{
    char lab[32];
    cl_wire_label(L->n - 1, lab, sizeof lab);
    const double label_w = plot_text_width(cr, lab, fs, 0) + 0.8 * fs;
    double *colw = malloc((L->ncols > 0 ? (size_t)L->ncols : 1) * sizeof *colw);
    if (!colw)
        return 0;
    void *ctx[2] = {cr, &fs};
    cl_col_widths(L, measure, ctx, PAD * fs, GLYPH * fs, GAP * fs, colw);
    int rc = cl_fold(L, colw, label_w, w, 1);
    free(colw);
    if (rc != 0)
        return 0;
    return L->nrows * row_height(L, fs) - ROW_GAP * fs;
}

/* Colours of a box: fill and edge, by what its angles read. */
static void box_colors(int roles, double fill[3], double edge[3])
{
    double rgb[3];
    if (roles & CL_USES_FEATURE)
        plot_palette(2, rgb);
    else if (roles & CL_USES_PARAM)
        plot_palette(0, rgb);
    else
        rgb[0] = rgb[1] = rgb[2] = 0.35;
    for (int i = 0; i < 3; i++) {
        edge[i] = rgb[i];
        fill[i] = 1.0 - 0.14 * (1.0 - rgb[i]);
    }
}

static void rounded(cairo_t *cr, double x, double y, double w, double h, double r)
{
    cairo_new_sub_path(cr);
    cairo_arc(cr, x + w - r, y + r, r, -M_PI / 2, 0);
    cairo_arc(cr, x + w - r, y + h - r, r, 0, M_PI / 2);
    cairo_arc(cr, x + r, y + h - r, r, M_PI / 2, M_PI);
    cairo_arc(cr, x + r, y + r, r, M_PI, 1.5 * M_PI);
    cairo_close_path(cr);
}

static void draw_row(cairo_t *cr, const cl_layout *L, int r, double x0, double top, double fs)
{
    const int c0 = L->row_start[r], c1 = L->row_start[r + 1];
    double xend = x0 + L->label_w;
    for (int c = c0; c < c1; c++)
        xend += L->colw[c];
    const double wy0 = top + (HEAD + 0.5 * BOX_H) * fs;
    const double lw = fmax(0.6, 0.085 * fs);
    /* wire labels and wires */
    for (int k = 0; k < L->n; k++) {
        const double y = wy0 + k * WIRE_SP * fs;
        char lab[32];
        cl_wire_label(k, lab, sizeof lab);
        cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
        plot_text(cr, lab, fs, x0 + L->label_w - 0.5 * fs, y + 0.36 * fs, 1, 0);
        cairo_set_source_rgb(cr, 0.45, 0.45, 0.45);
        cairo_set_line_width(cr, lw);
        cairo_move_to(cr, x0 + L->label_w - 0.2 * fs, y);
        cairo_line_to(cr, xend, y);
        cairo_stroke(cr);
    }
    /* column positions */
    double *cx = malloc((size_t)(c1 - c0 + 1) * sizeof *cx);
    if (!cx)
        return;
    cx[0] = x0 + L->label_w;
    for (int c = c0; c < c1; c++)
        cx[c - c0 + 1] = cx[c - c0] + L->colw[c];
    /* layer marks: where a layer starts (and at the row's start) */
    if (L->has_layers) {
        double last_x = -1;
        for (int c = c0; c < c1; c++) {
            if (c > c0 && L->col_layer[c] == L->col_layer[c - 1])
                continue;
            const double x = cx[c - c0];
            if (c > c0) {
                static const double dash[2] = {3, 3};
                cairo_set_source_rgb(cr, 0.7, 0.7, 0.7);
                cairo_set_line_width(cr, lw);
                cairo_set_dash(cr, dash, 2, 0);
                cairo_move_to(cr, x, top + 0.3 * fs);
                cairo_line_to(cr, x, wy0 + (L->n - 1) * WIRE_SP * fs + 0.6 * BOX_H * fs);
                cairo_stroke(cr);
                cairo_set_dash(cr, NULL, 0, 0);
            }
            char t[48];
            if (cl_col_mark(L, c, c0, t, sizeof t) && x > last_x) {
                cairo_set_source_rgb(cr, 0.45, 0.45, 0.45);
                last_x = (x + 0.2 * fs + plot_text(cr, t, 0.78 * fs, x + 0.2 * fs, top + 0.9 * fs, 0, 0) + 0.5 * fs);
            }
        }
    }
    /* gates */
    for (int i = 0; i < L->ngates; i++) {
        const cl_gate *g = &L->g[i];
        if (g->row != r)
            continue;
        const double xm = 0.5 * (cx[g->col - c0] + cx[g->col - c0 + 1]);
        double fill[3], edge[3];
        box_colors(g->roles, fill, edge);
        if (g->hi > g->lo) {
            cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
            cairo_set_line_width(cr, 1.4 * lw);
            cairo_move_to(cr, xm, wy0 + g->lo * WIRE_SP * fs);
            cairo_line_to(cr, xm, wy0 + g->hi * WIRE_SP * fs);
            cairo_stroke(cr);
        }
        char e[4 * CL_TEXT_MAX];
        escape(g->text, e, sizeof e);
        const double tw = plot_text_width(cr, e, fs, 0);
        for (int k = 0; k < g->nq; k++) {
            const double y = wy0 + g->q[k] * WIRE_SP * fs;
            switch (g->mark[k]) {
            case CL_CTRL:
                cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
                cairo_arc(cr, xm, y, 0.28 * fs, 0, 2 * M_PI);
                cairo_fill(cr);
                break;
            case CL_OPLUS: {
                const double rr = 0.5 * fs;
                cairo_set_source_rgb(cr, 1, 1, 1);
                cairo_arc(cr, xm, y, rr, 0, 2 * M_PI);
                cairo_fill_preserve(cr);
                cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
                cairo_set_line_width(cr, 1.4 * lw);
                cairo_stroke(cr);
                cairo_move_to(cr, xm - rr, y);
                cairo_line_to(cr, xm + rr, y);
                cairo_move_to(cr, xm, y - rr);
                cairo_line_to(cr, xm, y + rr);
                cairo_stroke(cr);
                break;
            }
            case CL_SWAP: {
                const double d = 0.32 * fs;
                cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
                cairo_set_line_width(cr, 1.6 * lw);
                cairo_move_to(cr, xm - d, y - d);
                cairo_line_to(cr, xm + d, y + d);
                cairo_move_to(cr, xm - d, y + d);
                cairo_line_to(cr, xm + d, y - d);
                cairo_stroke(cr);
                break;
            }
            default: {
                const double bw = tw + 2 * PAD * fs, bh = BOX_H * fs;
                rounded(cr, xm - 0.5 * bw, y - 0.5 * bh, bw, bh, 0.22 * fs);
                cairo_set_source_rgb(cr, fill[0], fill[1], fill[2]);
                cairo_fill_preserve(cr);
                cairo_set_source_rgb(cr, edge[0], edge[1], edge[2]);
                cairo_set_line_width(cr, 1.2 * lw);
                cairo_stroke(cr);
                cairo_set_source_rgb(cr, 0.05, 0.05, 0.05);
                plot_text(cr, e, fs, xm, y + 0.36 * fs, 0.5, 0);
                break;
            }
            }
        }
    }
    /* a row that goes on below: an arrow at the end of its wires */
    if (r + 1 < L->nrows) {
        cairo_set_source_rgb(cr, 0.45, 0.45, 0.45);
        for (int k = 0; k < L->n; k++)
            plot_text(cr, "→", 0.9 * fs, xend + 0.15 * fs, wy0 + k * WIRE_SP * fs + 0.3 * fs, 0, 0);
    }
    free(cx);
}

double cl_cairo_width(const cl_layout *L, double fs)
{
    double wmax = 0;
    for (int r = 0; L->row_start && L->colw && r < L->nrows; r++) {
        double w = L->label_w;
        for (int c = L->row_start[r]; c < L->row_start[r + 1]; c++)
            w += L->colw[c];
        wmax = w > wmax ? w : wmax;
    }
    return wmax + (L->nrows > 1 ? 1.2 * fs : 0);
}

void cl_cairo_draw(cairo_t *cr, const cl_layout *L, double x, double y, double w, double h,
                   double fs, double scroll)
{
    if (!L->row_start || !L->colw || L->n < 1)
        return;
    cairo_save(cr);
    cairo_rectangle(cr, x, y, w, h);
    cairo_clip(cr);
    const double rh = row_height(L, fs);
    for (int r = 0; r < L->nrows; r++) {
        const double top = y + r * rh - scroll;
        if (top + rh < y || top > y + h)
            continue;
        draw_row(cr, L, r, x, top, fs);
    }
    cairo_restore(cr);
}

/* Title, summary, legend of the colours, then the rows. */
static double draw_page(cairo_t *cr, cl_layout *L, const char *title, double W, double fs, int draw, double maxh,
                        double *content_w)
{
    const double m = 18;
    double y = m;
    if (draw) {
        cairo_set_source_rgb(cr, 1, 1, 1);
        cairo_paint(cr);
    }
    double tw = 0;
    if (title && *title) {
        tw = plot_text_width(cr, title, 1.35 * fs, 1);
        if (draw) {
            cairo_set_source_rgb(cr, 0.05, 0.05, 0.05);
            plot_text(cr, title, 1.35 * fs, m, y + 1.35 * fs, 0, 1);
        }
        y += 1.35 * fs + 0.6 * fs;
    }
    char sum[512];
    cl_summary(L, sum, sizeof sum);
    tw = fmax(tw, plot_text_width(cr, sum, 0.85 * fs, 0));
    if (draw) {
        cairo_set_source_rgb(cr, 0.35, 0.35, 0.35);
        plot_text(cr, sum, 0.85 * fs, m, y + 0.85 * fs, 0, 0);
    }
    y += 0.85 * fs + 0.9 * fs;
    const double h = cl_cairo_fold(cr, L, W - 2 * m, fs);
    if (content_w)
        *content_w = fmax(tw, cl_cairo_width(L, fs)) + 2 * m;
    double shown = h;
    if (maxh > 0 && y + h + m > maxh)
        shown = maxh - y - m - 1.5 * fs;
    if (draw) {
        cl_cairo_draw(cr, L, m, y, W - 2 * m, shown, fs, 0);
        if (shown < h) {
            cairo_set_source_rgb(cr, 0.7, 0.1, 0.1);
            plot_text(cr, "… the circuit goes on: too long for one page (circuit.qasm holds all of it)", 0.9 * fs, m,
                      y + shown + 1.2 * fs, 0, 0);
        }
    }
    return y + shown + (shown < h ? 1.5 * fs : 0) + m;
}

int cl_write(cl_layout *L, const char *title, plot_format fmt, const char *path, double width,
             char *err, size_t errlen)
{
    if (err && errlen)
        err[0] = 0;
    const double fs = 10, maxh = 16384;
    if (!(width >= 100) || width > 16384) {
        snprintf(err, errlen, "circuit diagram width %g; allowed: 100 .. 16384 points", width);
        return -1;
    }
    /* measure on a scratch surface */
    cairo_surface_t *ms = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 1, 1);
    cairo_t *mc = cairo_create(ms);
    double cw = width;
    double H = ceil(draw_page(mc, L, title, width, fs, 0, fmt == PLOT_PNG ? maxh / 2 : maxh, &cw));
    /* as wide as the rows need (the fold stays the same) */
    if (cw < width)
        width = fmax(100, ceil(cw));
    cairo_destroy(mc);
    cairo_surface_destroy(ms);
    if (fmt == PLOT_PNG && H > maxh / 2)
        H = maxh / 2;
    if (H > maxh)
        H = maxh;
    cairo_surface_t *sf = NULL;
    errno = 0;
    if (fmt == PLOT_PNG)
        sf = cairo_image_surface_create(CAIRO_FORMAT_RGB24, (int)ceil(2 * width), (int)(2 * H));
    else if (fmt == PLOT_SVG)
        sf = cairo_svg_surface_create(path, width, H);
    else
        sf = cairo_pdf_surface_create(path, width, H);
    if (cairo_surface_status(sf) != CAIRO_STATUS_SUCCESS) {
        int e = errno;
        snprintf(err, errlen, "cannot create '%s': %s%s%s", path, cairo_status_to_string(cairo_surface_status(sf)),
                 e ? ": " : "", e ? strerror(e) : "");
        cairo_surface_destroy(sf);
        return -1;
    }
    cairo_t *cr = cairo_create(sf);
    if (fmt == PLOT_PNG)
        cairo_scale(cr, 2, 2);
    draw_page(cr, L, title, width, fs, 1, H, NULL);
    cairo_status_t st = cairo_status(cr);
    cairo_destroy(cr);
    int rc = 0;
    if (st != CAIRO_STATUS_SUCCESS) {
        snprintf(err, errlen, "cannot draw '%s': %s", path, cairo_status_to_string(st));
        rc = -1;
    } else if (fmt == PLOT_PNG) {
        rc = plot_save_png(sf, path, err, errlen);
    } else {
        cairo_surface_finish(sf);
        st = cairo_surface_status(sf);
        if (st != CAIRO_STATUS_SUCCESS) {
            snprintf(err, errlen, "cannot write '%s': %s", path, cairo_status_to_string(st));
            rc = -1;
        }
    }
    cairo_surface_destroy(sf);
    return rc;
}
