/* `qnnlab gui --open DIR`: the sweep browser in the window (browse.h).
 * Left: the grid points with the sweep's statistic; right: the selected
 * point's ensemble figure (or, after Tab, the whole sweep's figure) drawn
 * by the figure code of `qnnlab run`, and below it the point's statistics
 * over its instances. Figures are drawn once into an image and kept: the
 * list moves without redrawing them, and while the next point loads the
 * last one stays in view. */
#include "browse.h"
#include "keys.h"
#include "plot.h"
#include "window.h"

#include <cairo.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A figure recorded as drawing operations (a cairo recording surface):
 * replayed, not scaled as a bitmap, so that it is sharp at the window's
 * pixels and HiDPI scale, and shown while the next point loads. */
typedef struct fig_cache {
    cairo_surface_t *sf;
    long point;                 /* the point it shows (point view) */
    int stat;                   /* unused by the point figure */
    double w, h;                /* the size it was recorded at (logical units) */
} fig_cache;

typedef struct gface {
    browser *b;
    double w, h, dpi, u;        /* last size drawn (logical), pixels per unit, text scale */
    int large;
    /* the list, for clicks */
    double list_x, list_y, list_w, row_h;
    int list_rows;
    /* the figure area */
    double fx, fy, fw, fh;
    fig_cache point_fig, sweep_fig;
    char fig_err[300];
} gface;

/* ---------------------------------------------------------------------- */
/* Text                                                                   */

static void rgb(cairo_t *cr, unsigned hex)
{
    cairo_set_source_rgb(cr, ((hex >> 16) & 255) / 255.0, ((hex >> 8) & 255) / 255.0, (hex & 255) / 255.0);
}

/* Plain text (escaped here) with its baseline at y, aligned by ha, kept
 * within maxw (smaller type first, then cut off at the edge). */
static double text(cairo_t *cr, const char *s, double size, double x, double y, double ha, int bold, double maxw)
{
    char e[1600];
    browse_escape(s, e, sizeof e);
    double w = plot_text_width(cr, e, size, bold);
    if (maxw > 0 && w > maxw) {
        double s2 = fmax(size * 0.82, size * maxw / w);
        w = plot_text_width(cr, e, s2, bold);
        size = s2;
    }
    if (maxw > 0 && w > maxw) {
        cairo_save(cr);
        cairo_rectangle(cr, x - ha * maxw, y - 2 * size, maxw, 3 * size);
        cairo_clip(cr);
        plot_text(cr, e, size, x - ha * maxw, y, 0, bold);
        cairo_restore(cr);
        return maxw;
    }
    return plot_text(cr, e, size, x, y, ha, bold);
}

/* ---------------------------------------------------------------------- */
/* Figures                                                                */

typedef struct fig_job { const qnn_result *res; char *err; size_t errlen; int rc; } fig_job;

/* The figure of a result: a point of a preset with zero steps as
 * histograms over its instances (no curves over time), else the figure
 * of `qnnlab run`. */
static void draw_result(void *ctx, cairo_t *cr, double w, double h)
{
    fig_job *j = ctx;
    const qnn_result *r = j->res;
    if (r->npoints == 1 && r->points[0].run && browse_zero_steps(r->points[0].run))
        j->rc = browse_draw_step0(r, cr, w, h, j->err, j->errlen);
    else
        j->rc = qnn_draw_figure(r, cr, w, h, j->err, j->errlen);
}

static void cache_drop(fig_cache *c)
{
    if (c->sf)
        cairo_surface_destroy(c->sf);
    memset(c, 0, sizeof *c);
    c->point = -1;
}

/* Records the figure of res into c at w x h units. 0, or -1 with the
 * reason in err. */
static int cache_render(fig_cache *c, const qnn_result *res, double w, double h, char *err, size_t errlen)
{
    cache_drop(c);
    cairo_surface_t *sf = cairo_recording_surface_create(CAIRO_CONTENT_COLOR, &(cairo_rectangle_t){0, 0, w, h});
    if (cairo_surface_status(sf) != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(sf);
        snprintf(err, errlen, "out of memory for a %.0f x %.0f figure", w, h);
        return -1;
    }
    cairo_t *cr = cairo_create(sf);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    fig_job j = {res, err, errlen, 0};
    draw_result(&j, cr, w, h);
    const cairo_status_t st = cairo_status(cr);
    cairo_destroy(cr);
    if (j.rc == 0 && st != CAIRO_STATUS_SUCCESS) {
        snprintf(err, errlen, "the figure cannot be drawn: %s", cairo_status_to_string(st));
        j.rc = -1;
    }
    if (j.rc != 0) {
        cairo_surface_destroy(sf);
        return -1;
    }
    c->sf = sf;
    c->w = w;
    c->h = h;
    return 0;
}

/* The recorded figure replayed into the rectangle (at its own size; a
 * figure recorded at another size, shown while the next one is made, is
 * scaled as a drawing). */
static void cache_paint(cairo_t *cr, const fig_cache *c, double x, double y, double w, double h)
{
    cairo_save(cr);
    cairo_rectangle(cr, x, y, w, h);
    cairo_clip(cr);
    cairo_translate(cr, x, y);
    if (c->w != w || c->h != h)
        cairo_scale(cr, w / c->w, h / c->h);
    cairo_set_source_surface(cr, c->sf, 0, 0);
    cairo_paint(cr);
    cairo_restore(cr);
}

/* A box with a line or two of text in the middle of the figure area. */
static void notice(cairo_t *cr, const gface *g, const char *l1, const char *l2, unsigned color)
{
    const double fs = 15 * g->u;
    double w1 = plot_text_width(cr, l1, fs, 1), w2 = l2 ? plot_text_width(cr, l2, fs * 0.85, 0) : 0;
    double bw = fmin(g->fw - 20 * g->u, fmax(w1, w2) + 40 * g->u), bh = (l2 ? 3.6 : 2.4) * fs;
    double bx = g->fx + (g->fw - bw) / 2, by = g->fy + (g->fh - bh) / 2;
    cairo_set_source_rgba(cr, 1, 1, 1, 0.95);
    cairo_rectangle(cr, bx, by, bw, bh);
    cairo_fill_preserve(cr);
    rgb(cr, color);
    cairo_set_line_width(cr, 1.5 * g->u);
    cairo_stroke(cr);
    text(cr, l1, fs, bx + bw / 2, by + 1.55 * fs, 0.5, 1, bw - 16 * g->u);
    if (l2) {
        rgb(cr, 0x333333);
        text(cr, l2, fs * 0.85, bx + bw / 2, by + 2.9 * fs, 0.5, 0, bw - 16 * g->u);
    }
}

/* The figure of the view into the figure area. */
static void figure(cairo_t *cr, gface *g)
{
    browser *b = g->b;
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_rectangle(cr, g->fx, g->fy, g->fw, g->fh);
    cairo_fill(cr);
    if (g->fw * g->dpi < 8 || g->fh * g->dpi < 8)
        return;
    if (b->view == BROWSE_SWEEP) {
        fig_cache *c = &g->sweep_fig;
        if ((!c->sf || c->w != g->fw || c->h != g->fh) &&
            cache_render(c, &b->sw->res, g->fw, g->fh, g->fig_err, sizeof g->fig_err) != 0) {
            notice(cr, g, "the sweep figure cannot be drawn", g->fig_err, 0xc0392b);
            return;
        }
        cache_paint(cr, c, g->fx, g->fy, g->fw, g->fh);
        return;
    }
    fig_cache *c = &g->point_fig;
    /* sw->one is the loader's while it runs: draw it only when it holds
     * the selected point and no load is under way */
    const int current = !b->loading && b->shown == b->sel;
    if (current && (!c->sf || c->point != b->sel || c->w != g->fw || c->h != g->fh)) {
        if (cache_render(c, &b->sw->one, g->fw, g->fh, g->fig_err, sizeof g->fig_err) != 0) {
            notice(cr, g, "this point's figure cannot be drawn", g->fig_err, 0xc0392b);
            return;
        }
        c->point = b->sel;
    }
    if (c->sf)
        cache_paint(cr, c, g->fx, g->fy, g->fw, g->fh);
    if (current)
        return;
    char l1[400], l2[600], lab[300];
    qnn_point_label(&b->sw->res, b->sel, lab, sizeof lab);
    if (b->failed == b->sel) {
        snprintf(l1, sizeof l1, "point %ld (%s) cannot be loaded", b->sel + 1, lab);
        notice(cr, g, l1, b->status, 0xc0392b);
        return;
    }
    const double t = browse_loading_for(b);
    if (t >= 0 || !c->sf) {
        if (c->sf) {
            /* the previous point fades: it is not the selected one */
            cairo_set_source_rgba(cr, 1, 1, 1, 0.6);
            cairo_rectangle(cr, g->fx, g->fy, g->fw, g->fh);
            cairo_fill(cr);
        }
        snprintf(l1, sizeof l1, "loading point %ld of %ld: %s", b->sel + 1, b->npoints, lab);
        snprintf(l2, sizeof l2, "%d instances from %s/points/%ld · %.1f s", b->sw->instances, b->name, b->sel,
                 t > 0 ? t : 0.0);
        notice(cr, g, l1, l2, 0x1f6fd1);
    }
}

/* ---------------------------------------------------------------------- */
/* The window                                                             */

static void header(cairo_t *cr, gface *g, double hh)
{
    browser *b = g->b;
    const double fs = 15 * g->u;
    rgb(cr, 0x28313b);
    cairo_rectangle(cr, 0, 0, g->w, hh);
    cairo_fill(cr);
    char t[1200];
    const qnn_preset *ps = b->sw->preset;
    snprintf(t, sizeof t, "sweep %s", b->name);
    cairo_set_source_rgb(cr, 1, 1, 1);
    double x = 12 * g->u;
    x += text(cr, t, fs * 1.05, x, hh * 0.66, 0, 1, g->w * 0.4) + 18 * g->u;
    char keys[300] = "";
    size_t o = 0;
    for (int i = 0; i < ps->nsweep && o < sizeof keys; i++)
        o += (size_t)snprintf(keys + o, sizeof keys - o, "%s%s (%d)", i ? " × " : "", ps->sweep[i].key, ps->sweep[i].nvalues);
    snprintf(t, sizeof t, "preset %s · %s · %ld points × %d instances · %s", ps->name, keys, b->npoints,
             b->sw->instances, b->sw->dir);
    rgb(cr, 0xc9d3de);
    text(cr, t, fs * 0.85, x, hh * 0.66, 0, 0, g->w - x - 12 * g->u);
}

static void point_list(cairo_t *cr, gface *g, double x, double y, double w, double h)
{
    browser *b = g->b;
    const double fs = 14 * g->u, rh = 1.75 * fs;
    /* column heads: the point, and the statistic with its place in the list */
    rgb(cr, 0x55606b);
    text(cr, "grid point", fs * 0.82, x + 10 * g->u, y + 1.2 * fs, 0, 1, w * 0.4);
    char t[200];
    if (b->nstats > 1)
        snprintf(t, sizeof t, "%s, mean ± s.e.  [ %d/%d ]", b->stats[b->stat], b->stat + 1, b->nstats);
    else
        snprintf(t, sizeof t, "%s, mean ± s.e.", b->stats[b->stat]);
    text(cr, t, fs * 0.82, x + w - 10 * g->u, y + 1.2 * fs, 1, 1, w * 0.58);
    rgb(cr, 0xc4cad1);
    cairo_rectangle(cr, x + 6 * g->u, y + 1.65 * fs, w - 12 * g->u, 1);
    cairo_fill(cr);
    y += 1.9 * fs;
    h -= 1.9 * fs;
    int rows = (int)floor(h / rh);
    if (rows < 1)
        rows = 1;
    b->page = rows;
    browse_scroll(b, rows);
    g->list_x = x;
    g->list_y = y;
    g->list_w = w;
    g->row_h = rh;
    g->list_rows = rows;
    for (int r = 0; r < rows && b->top + r < b->npoints; r++) {
        const long k = b->top + r;
        const double ry = y + r * rh;
        if (k == b->sel) {
            rgb(cr, 0xd4e4fb);
            cairo_rectangle(cr, x + 4 * g->u, ry, w - 8 * g->u, rh);
            cairo_fill(cr);
            rgb(cr, 0x1f6fd1);
            cairo_rectangle(cr, x + 4 * g->u, ry, 4 * g->u, rh);
            cairo_fill(cr);
        } else if (k % 2) {
            rgb(cr, 0xeceef1);
            cairo_rectangle(cr, x + 4 * g->u, ry, w - 8 * g->u, rh);
            cairo_fill(cr);
        }
        char lab[300], val[96], idx[24];
        qnn_point_label(&b->sw->res, k, lab, sizeof lab);
        double m, se;
        if (browse_value(b->sw, k, b->stats[b->stat], &m, &se) == 0)
            browse_fmt_pm(val, sizeof val, m, se);
        else
            snprintf(val, sizeof val, "n/a");
        snprintf(idx, sizeof idx, "%ld", k + 1);
        const double base = ry + rh * 0.68;
        rgb(cr, 0x8a949e);
        text(cr, idx, fs * 0.75, x + 14 * g->u + 2.2 * fs, base, 1, 0, 0);
        rgb(cr, k == b->sel ? 0x0b2545 : 0x222222);
        const double vw = plot_text_width(cr, val, fs, k == b->sel);
        text(cr, lab, fs, x + 20 * g->u + 2.4 * fs, base, 0, k == b->sel, w - vw - 44 * g->u - 2.4 * fs);
        text(cr, val, fs, x + w - 12 * g->u, base, 1, k == b->sel, 0);
    }
    if (b->npoints > rows) {
        /* where the shown rows are in the whole list */
        const double th = rows * rh, bh = fmax(12 * g->u, th * rows / (double)b->npoints);
        const double by = y + (th - bh) * (double)b->top / (double)(b->npoints - rows);
        rgb(cr, 0xd5d9de);
        cairo_rectangle(cr, x + w - 3 * g->u, y, 3 * g->u, th);
        cairo_fill(cr);
        rgb(cr, 0x7d8a97);
        cairo_rectangle(cr, x + w - 3 * g->u, by, 3 * g->u, bh);
        cairo_fill(cr);
    }
}

/* The selected point's statistics over its instances (sw->stat: no load
 * needed), the sweep's own statistics first. */
static void stat_table(cairo_t *cr, gface *g, double x, double y, double w, double h)
{
    browser *b = g->b;
    const qnn_sweep *sw = b->sw;
    const double fs = 13 * g->u, rh = 1.5 * fs;
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_rectangle(cr, x, y, w, h);
    cairo_fill(cr);
    char lab[300], t[400];
    qnn_point_label(&sw->res, b->sel, lab, sizeof lab);
    snprintf(t, sizeof t, "point %ld of %ld: %s · statistics over its instances", b->sel + 1, b->npoints, lab);
    rgb(cr, 0x222222);
    text(cr, t, fs * 1.05, x + 10 * g->u, y + 1.3 * fs, 0, 1, w - 20 * g->u);
    /* columns, the last ones dropped when narrow */
    static const char *const head[] = {"statistic", "n", "mean ± s.e.", "median", "5 %", "25 %", "75 %", "95 %", "min", "max"};
    static const double cw[] = {12.5, 3.5, 10.5, 5.6, 5.6, 5.6, 5.6, 5.6, 5.6, 5.6};
    int ncol = 10;
    double need = 0;
    for (int c = 0; c < ncol; c++)
        need += cw[c];
    double unit = fs * 0.62;
    while (ncol > 3 && need * unit > w - 20 * g->u)
        need -= cw[--ncol];
    unit = (w - 20 * g->u) / need;
    if (unit > fs * 0.9)
        unit = fs * 0.9;
    double cx[11];
    cx[0] = x + 10 * g->u;
    for (int c = 0; c < ncol; c++)
        cx[c + 1] = cx[c] + cw[c] * unit;
    double ty = y + 2.0 * fs + rh * 0.7;
    rgb(cr, 0x55606b);
    for (int c = 0; c < ncol; c++)
        text(cr, head[c], fs * 0.85, c == 0 ? cx[0] : cx[c + 1] - 6 * g->u, ty, c == 0 ? 0 : 1, 1, 0);
    rgb(cr, 0xc4cad1);
    cairo_rectangle(cr, x + 6 * g->u, ty + 0.45 * fs, w - 12 * g->u, 1);
    cairo_fill(cr);
    /* rows: the sweep's statistics, then every other one this point has */
    size_t nnames;
    const char *const *names = qnn_sweep_stat_names(&nnames);
    const int maxrows = (int)floor((y + h - ty - 0.6 * fs) / rh);
    int row = 0, hidden = 0;
    for (int pass = 0; pass < 2; pass++) {
        const size_t n = pass == 0 ? (size_t)b->nstats : nnames;
        for (size_t i = 0; i < n; i++) {
            const char *nm = pass == 0 ? b->stats[i] : names[i];
            if (pass == 1) {
                int dup = 0;
                for (int j = 0; j < b->nstats; j++)
                    dup |= !strcmp(b->stats[j], nm);
                if (dup)
                    continue;
            }
            const qnn_sweep_stat *st = qnn_sweep_point_stat(sw, b->sel, nm);
            double m, se;
            const int have = browse_value(sw, b->sel, nm, &m, &se) == 0;
            if (pass == 1 && (!st || st->n <= 0))
                continue;
            if (row >= maxrows - 1) {     /* the last row says how many more */
                hidden++;
                continue;
            }
            const double ry = ty + rh * (row + 1);
            if (row % 2 == 0) {
                rgb(cr, 0xf2f4f6);
                cairo_rectangle(cr, x + 6 * g->u, ry - 0.95 * fs, w - 12 * g->u, rh);
                cairo_fill(cr);
            }
            char v[10][96];
            snprintf(v[0], sizeof v[0], "%s", nm);
            if (st && st->n > 0) {
                snprintf(v[1], sizeof v[1], "%ld", st->n);
                browse_fmt_pm(v[2], sizeof v[2], st->mean, st->se);
                const double q[7] = {st->median, st->q05, st->q25, st->q75, st->q95, st->min, st->max};
                for (int j = 0; j < 7; j++)
                    browse_fmt(v[3 + j], sizeof v[3 + j], q[j]);
            } else {
                /* an ensemble value (a ratio, a spread): no quantiles */
                snprintf(v[1], sizeof v[1], "%d", sw->res.points[b->sel].sum.instances);
                if (have)
                    browse_fmt_pm(v[2], sizeof v[2], m, se);
                else
                    snprintf(v[2], sizeof v[2], "n/a");
                for (int j = 3; j < 10; j++)
                    snprintf(v[j], sizeof v[j], "–");
            }
            rgb(cr, pass == 0 ? 0x0b2545 : 0x222222);
            for (int c = 0; c < ncol; c++)
                text(cr, v[c], fs * 0.88, c == 0 ? cx[0] : cx[c + 1] - 6 * g->u, ry, c == 0 ? 0 : 1, pass == 0 && c <= 2,
                     (cx[c + 1] - cx[c]) - 8 * g->u);
            row++;
        }
    }
    if (hidden) {
        char m[96];
        snprintf(m, sizeof m, "… %d more (a larger window shows them; all in %s/summary.csv)", hidden, b->name);
        rgb(cr, 0x6b7580);
        text(cr, m, fs * 0.8, x + 10 * g->u, ty + rh * (row + 1), 0, 0, w - 20 * g->u);
    }
}

static void status_bar(cairo_t *cr, gface *g, double y, double sh)
{
    browser *b = g->b;
    const double fs = 13 * g->u;
    rgb(cr, 0xe3e6ea);
    cairo_rectangle(cr, 0, y, g->w, sh);
    cairo_fill(cr);
    static const char hint[] = "↑↓ point · Tab sweep/point · [ ] statistic · e export PNG · s screenshot · ? help · q quit";
    const double hw = plot_text_width(cr, hint, fs * 0.9, 0);
    double room = g->w - 24 * g->u;
    if (hw + 24 * g->u < g->w * 0.6) {
        rgb(cr, 0x4a545e);
        text(cr, hint, fs * 0.9, g->w - 12 * g->u, y + sh * 0.66, 1, 0, 0);
        room -= hw + 24 * g->u;
    }
    char t[1500];
    if (b->status[0])
        snprintf(t, sizeof t, "%s", b->status);
    else
        snprintf(t, sizeof t, "%s: %s", b->view == BROWSE_SWEEP ? "the whole sweep" : "the point's ensemble",
                 b->view == BROWSE_SWEEP ? "the statistics against the swept key (Tab: the point)"
                                         : "its instances and their mean (Tab: the whole sweep)");
    rgb(cr, b->status_error ? 0xb0281a : 0x222222);
    text(cr, t, fs, 12 * g->u, y + sh * 0.66, 0, b->status_error, room);
}

static void help_overlay(cairo_t *cr, gface *g)
{
    browser *b = g->b;
    cairo_set_source_rgba(cr, 0.1, 0.12, 0.15, 0.55);
    cairo_paint(cr);
    const double fs = 15 * g->u, rh = 1.7 * fs;
    const double bw = fmin(g->w - 40 * g->u, 860 * g->u);
    const double bh = fmin(g->h - 40 * g->u, rh * ((double)browse_nkey_docs + 4));
    const double bx = (g->w - bw) / 2, by = (g->h - bh) / 2;
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_rectangle(cr, bx, by, bw, bh);
    cairo_fill(cr);
    rgb(cr, 0x222222);
    text(cr, "Sweep browser: keys", fs * 1.2, bx + 20 * g->u, by + 1.6 * fs, 0, 1, bw - 40 * g->u);
    const size_t first = (size_t)b->help_scroll < browse_nkey_docs ? (size_t)b->help_scroll : browse_nkey_docs - 1;
    b->help_scroll = (int)first;
    for (size_t i = first; i < browse_nkey_docs; i++) {
        const double y = by + 2.2 * fs + rh * (double)(i - first + 1);
        if (y > by + bh - 1.8 * fs)
            break;
        rgb(cr, 0x1f6fd1);
        text(cr, browse_key_docs[i].keys, fs, bx + 20 * g->u, y, 0, 1, bw * 0.3);
        rgb(cr, 0x222222);
        text(cr, browse_key_docs[i].what, fs, bx + 20 * g->u + bw * 0.32, y, 0, 0, bw * 0.68 - 40 * g->u);
    }
    rgb(cr, 0x6b7580);
    text(cr, "Esc or any key closes this help", fs * 0.85, bx + bw - 20 * g->u, by + bh - 0.8 * fs, 1, 0, bw - 40 * g->u);
}

static void draw(void *ctx, cairo_t *cr, double w, double h)
{
    gface *g = ctx;
    browser *b = g->b;
    double ux = 1, uy = 1;
    cairo_user_to_device_distance(cr, &ux, &uy);
    g->dpi = fabs(ux) > 0 ? fabs(ux) : 1;
    g->w = w;
    g->h = h;
    g->u = fmin(fmax(fmin(w / 1600.0, h / 900.0), 0.72), 2.0) * (g->large ? 1.4 : 1.0);
    rgb(cr, 0xf6f7f9);
    cairo_paint(cr);
    const double hh = 34 * g->u, sh = 28 * g->u, gap = 8 * g->u;
    header(cr, g, hh);
    const double lw = fmax(fmin(0.3 * w, 500 * g->u), fmin(300 * g->u, 0.45 * w));
    const double top = hh + gap, bottom = h - sh - gap;
    point_list(cr, g, gap, top, lw - gap, bottom - top);
    const double rx = lw + gap, rw = w - rx - gap;
    if (b->view == BROWSE_SWEEP) {
        g->fx = rx;
        g->fy = top;
        g->fw = rw;
        g->fh = bottom - top;
    } else {
        /* the table keeps what its rows need, at most 40 % */
        const double th = fmin(0.4 * (bottom - top), 13 * g->u * (2.2 + 1.5 * 12));
        g->fx = rx;
        g->fy = top;
        g->fw = rw;
        g->fh = bottom - top - th - gap;
        stat_table(cr, g, rx, bottom - th, rw, th);
    }
    figure(cr, g);
    rgb(cr, 0xc4cad1);
    cairo_set_line_width(cr, 1);
    cairo_rectangle(cr, g->fx + 0.5, g->fy + 0.5, g->fw - 1, g->fh - 1);
    cairo_stroke(cr);
    status_bar(cr, g, h - sh, sh);
    if (b->help)
        help_overlay(cr, g);
}

/* ---------------------------------------------------------------------- */
/* Input                                                                  */

static void export_figure(gface *g)
{
    browser *b = g->b;
    char path[PATH_MAX + 200], what[48], err[300] = "";
    fig_job j = {NULL, err, sizeof err, 0};
    if (b->view == BROWSE_SWEEP) {
        j.res = &b->sw->res;
        snprintf(what, sizeof what, "sweep");
    } else {
        if (b->loading || b->shown != b->sel) {
            snprintf(b->status, sizeof b->status, "point %ld is still loading: export it once it is shown", b->sel + 1);
            b->status_error = 1;
            return;
        }
        j.res = &b->sw->one;
        snprintf(what, sizeof what, "point%ld", b->sel + 1);
    }
    browse_export_path(b, what, "png", path, sizeof path);
    /* the figure at the size it has on the screen, at twice the pixels */
    if (browse_write_png(b, path, g->fw, g->fh, 2.0, draw_result, &j) == 0 && j.rc != 0) {
        remove(path);
        snprintf(b->status, sizeof b->status, "export failed: %s", err);
        b->status_error = 1;
    }
}

static int key(void *ctx, int k)
{
    gface *g = ctx;
    browser *b = g->b;
    const long sel = b->sel;
    const int view = b->view, help = b->help;
    const int a = browse_key(b, k);
    if (a == BROWSE_QUIT)
        return 1;
    /* a new point or view: the last message has had its time */
    if (b->sel != sel || b->view != view || b->help != help)
        b->status[0] = 0;
    if (a == BROWSE_EXPORT)
        export_figure(g);
    else if (a == BROWSE_SCREENSHOT) {
        char path[PATH_MAX + 200];
        browse_export_path(b, "screenshot", "png", path, sizeof path);
        browse_write_png(b, path, g->w, g->h, g->dpi, draw, g);
    }
    return 0;
}

static void pointer(void *ctx, double x, double y, int what)
{
    gface *g = ctx;
    browser *b = g->b;
    if (b->help) {
        b->help = 0;
        return;
    }
    const int in_list = x >= g->list_x && x < g->list_x + g->list_w && y >= g->list_y &&
                        y < g->list_y + g->row_h * g->list_rows;
    if (what == QNN_POINTER_CLICK && in_list) {
        long k = b->top + (long)floor((y - g->list_y) / g->row_h);
        if (k >= 0 && k < b->npoints)
            browse_select(b, k);
    } else if (what == QNN_POINTER_WHEEL_UP || what == QNN_POINTER_WHEEL_DOWN) {
        browse_key(b, what == QNN_POINTER_WHEEL_UP ? QNN_KEY_UP : QNN_KEY_DOWN);
    }
}

static int poll_cb(void *ctx)
{
    gface *g = ctx;
    return browse_poll(g->b);
}

/* A loaded point: its figure is drawn anew on the next frame. */
static void adopt(browser *b, void *face)
{
    gface *g = face;
    (void)b;
    g->point_fig.point = -1;
}

int qnn_browse_gui(qnn_sweep *sw, const qnn_browse_opts *o, char *err, size_t errlen)
{
    static browser b;
    static gface g;
    memset(&g, 0, sizeof g);
    if (browse_init(&b, sw, o->export_dir, qnn_gui_wake) != 0) {
        snprintf(err, errlen, "the sweep in '%s' has no points", sw->dir);
        return -1;
    }
    g.b = &b;
    g.large = o->large;
    g.point_fig.point = g.sweep_fig.point = -1;
    b.face = &g;
    b.adopt = adopt;
    char title[PATH_MAX + 64];
    snprintf(title, sizeof title, "qnnlab — sweep %s", b.name);
    qnn_gui_opts go = {o->width, o->height, o->fullscreen, title};
    qnn_gui_canvas c = {&g, draw, key, pointer, poll_cb};
    int rc = qnn_gui_run_canvas(&c, &go, err, errlen);
    browse_close(&b);
    cache_drop(&g.point_fig);
    cache_drop(&g.sweep_fig);
    return rc;
}
