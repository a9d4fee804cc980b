/* The boxes over a panel's data: the legend (upper right, moved to the
 * corner where it hides the least) and the note box (lower left). */
#include "plot_priv.h"

#include <math.h>
#include <string.h>

/* ------------------------------------------------------------------ */
/* Boxes: legend and note                                              */

static void box_bg(cairo_t *cr, double x, double y, double w, double h,
                   const metrics *m)
{
    double r = 0.25 * m->fs;
    cairo_new_path(cr);
    cairo_new_sub_path(cr);
    cairo_arc(cr, x + w - r, y + r, r, -PLOT_PI / 2, 0);
    cairo_arc(cr, x + w - r, y + h - r, r, 0, PLOT_PI / 2);
    cairo_arc(cr, x + r, y + h - r, r, PLOT_PI / 2, PLOT_PI);
    cairo_arc(cr, x + r, y + r, r, PLOT_PI, 1.5 * PLOT_PI);
    cairo_close_path(cr);
    cairo_set_source_rgba(cr, 1, 1, 1, 0.85);
    cairo_fill_preserve(cr);
    cairo_set_source_rgba(cr, 0.6, 0.6, 0.6, 0.9);
    cairo_set_line_width(cr, 0.6 * m->u);
    cairo_set_dash(cr, NULL, 0, 0);
    cairo_stroke(cr);
}

static int legend_dup(const plot_panel *p, size_t s)
{
    const plot_series *a = &p->series[s];
    for (size_t j = 0; j < s; j++) {
        const plot_series *b = &p->series[j];
        if (pl_nonempty(b->label) && strcmp(a->label, b->label) == 0 &&
            a->style == b->style && a->color == b->color && a->ghost == b->ghost)
            return 1;
    }
    return 0;
}

static void legend_sample(cairo_t *cr, const plot_series *se, double x,
                          double yc, double len, const metrics *m)
{
    stylespec st = pl_series_style(se, m->u);
    double alpha = se->style == PLOT_FAINT ? 0.55 : st.alpha;
    if (se->style == PLOT_FAINT && se->alpha > 0 && se->alpha < 1)
        alpha *= se->alpha;
    double rgb[3];
    pl_series_rgb(se, rgb);
    double mr = 0.32 * m->fs;
    if (st.line) {
        cairo_save(cr);
        pl_apply_stroke_style(cr, &st);
        if (se->style == PLOT_FAINT)
            cairo_set_line_width(cr, 1.0 * m->u);
        pl_set_series_color(cr, se, alpha);
        if (se->style == PLOT_STEPS) {
            double d = 0.3 * m->leg_fs;
            cairo_move_to(cr, x, yc + d);
            cairo_line_to(cr, x + 0.5 * len, yc + d);
            cairo_line_to(cr, x + 0.5 * len, yc - d);
            cairo_line_to(cr, x + len, yc - d);
        } else {
            cairo_move_to(cr, x, yc);
            cairo_line_to(cr, x + len, yc);
        }
        cairo_stroke(cr);
        cairo_restore(cr);
    }
    if (st.markers) {
        double cx = x + 0.5 * len;
        if (se->yerr) {
            pl_set_series_color(cr, se, alpha);
            cairo_set_line_width(cr, 0.9 * m->u);
            cairo_set_dash(cr, NULL, 0, 0);
            cairo_set_line_cap(cr, CAIRO_LINE_CAP_BUTT);
            double h = 0.48 * m->leg_fs, c = 0.75 * mr;
            cairo_move_to(cr, cx, yc - h);
            cairo_line_to(cr, cx, yc + h);
            cairo_move_to(cr, cx - c, yc - h);
            cairo_line_to(cr, cx + c, yc - h);
            cairo_move_to(cr, cx - c, yc + h);
            cairo_line_to(cr, cx + c, yc + h);
            cairo_stroke(cr);
        }
        pl_draw_marker_rgb(cr, cx, yc,
                           se->style == PLOT_LINE_POINTS ? 0.8 * mr : mr,
                           rgb, alpha, m->u);
    }
}

/* Size of the note box (0 when there is none). */
static int note_size(cairo_t *cr, const char *note, double fs,
                     double *w, double *h, size_t *nlines)
{
    if (!pl_nonempty(note))
        return 0;
    double tw = 0;
    char line[512];
    size_t nl = 0;
    pl_font(cr, 0, 0);
    for (const char *p = note;;) {
        const char *e = strchr(p, '\n');
        size_t L = e ? (size_t)(e - p) : strlen(p);
        if (L >= sizeof line)
            L = sizeof line - 1;
        memcpy(line, p, L);
        line[L] = 0;
        tw = fmax(tw, pl_text_measure(cr, line, fs).w);
        nl++;
        if (!e)
            break;
        p = e + 1;
    }
    double pad = 0.5 * fs, row = 1.3 * fs;
    *w = 2 * pad + tw;
    *h = 2 * pad + (double)nl * row - (row - fs * (ASC_H + DESC_H));
    *nlines = nl;
    return 1;
}

/* The note's font size: the legend's, shrunk (down to 70 %) when the
 * note is wider than the plot area. */
static double note_fs(cairo_t *cr, const char *note, const rect *area, const metrics *m)
{
    double w, h;
    size_t nl;
    if (!note_size(cr, note, m->leg_fs, &w, &h, &nl))
        return m->leg_fs;
    double room = area->x1 - area->x0 - 2 * (m->tick + 0.35 * m->fs);
    double k = w > room && room > 0 ? room / w : 1;
    return m->leg_fs * fmax(0.7, k);
}

int pl_note_rect(cairo_t *cr, const char *note, plot_corner corner,
                     const rect *area, const metrics *m, rect *box)
{
    double w, h;
    size_t nl;
    double inset = m->tick + 0.35 * m->fs;
    if (!note_size(cr, note, note_fs(cr, note, area, m), &w, &h, &nl))
        return 0;
    int right = corner == PLOT_UPPER_RIGHT || corner == PLOT_LOWER_RIGHT;
    int upper = corner == PLOT_UPPER_LEFT || corner == PLOT_UPPER_RIGHT;
    box->x0 = right ? area->x1 - inset - w : area->x0 + inset;
    box->y0 = upper ? area->y0 + inset : area->y1 - inset - h;
    box->x1 = box->x0 + w;
    box->y1 = box->y0 + h;
    return 1;
}

int pl_note_place(cairo_t *cr, const plot_panel *p, const axis *ax,
                  const axis *ay, const rect *area, const metrics *m, rect *box)
{
    if (!pl_note_rect(cr, p->note, p->note_corner, area, m, box))
        return 0;
    double best = pl_data_cover(p, ax, ay, area, box, m);
    if (best <= 0)
        return 1;
    /* the other corners, then the middles of the sides */
    double w = box->x1 - box->x0, h = box->y1 - box->y0;
    double inset = m->tick + 0.35 * m->fs;
    double xl = area->x0 + inset, xr = area->x1 - inset - w,
           xc = 0.5 * (area->x0 + area->x1 - w);
    double yt = area->y0 + inset, yb = area->y1 - inset - h,
           ym = 0.5 * (area->y0 + area->y1 - h);
    const double cx[8] = {xl, xl, xr, xr, xc, xc, xl, xr};
    const double cy[8] = {yb, yt, yt, yb, yt, yb, ym, ym};
    rect keep = *box;
    for (int c = 0; c < 8; c++) {
        rect b = {cx[c], cy[c], cx[c] + w, cy[c] + h};
        if (b.x0 < area->x0 || b.y0 < area->y0)
            continue;
        double sc = pl_data_cover(p, ax, ay, area, &b, m);
        if (sc < best - 1e-9) {
            best = sc;
            keep = b;
        }
    }
    *box = keep;
    return 1;
}

void pl_draw_note(cairo_t *cr, const char *note, const rect *box,
                  const metrics *m)
{
    rect b = *box;
    if (!pl_nonempty(note))
        return;
    /* the size pl_note_rect chose: the box's width over the note's at
     * the legend size */
    double fs = m->leg_fs, w0, h0;
    size_t nl0;
    if (note_size(cr, note, fs, &w0, &h0, &nl0) && w0 > 0 && b.x1 - b.x0 < w0)
        fs *= (b.x1 - b.x0) / w0;
    double pad = 0.5 * fs, row = 1.3 * fs;
    char line[512];
    box_bg(cr, b.x0, b.y0, b.x1 - b.x0, b.y1 - b.y0, m);
    cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
    pl_font(cr, 0, 0);
    double base = b.y0 + pad + ASC_H * fs;
    for (const char *p = note;;) {
        const char *e = strchr(p, '\n');
        size_t L = e ? (size_t)(e - p) : strlen(p);
        if (L >= sizeof line)
            L = sizeof line - 1;
        memcpy(line, p, L);
        line[L] = 0;
        pl_text_draw(cr, line, fs, b.x0 + pad, base, 0);
        base += row;
        if (!e)
            break;
        p = e + 1;
    }
}

int pl_rects_meet(const rect *a, const rect *b)
{
    return a->x0 < b->x1 && b->x0 < a->x1 && a->y0 < b->y1 && b->y0 < a->y1;
}

double pl_data_cover(const plot_panel *p, const axis *ax, const axis *ay,
                     const rect *area, const rect *box, const metrics *m)
{
    double score = 0;
    /* a marker or a line touches the box when its centre is within its
     * radius (half width) of it */
    double mr = 0.32 * m->fs + 0.5 * m->u;
    rect bm = {box->x0 - mr, box->y0 - mr, box->x1 + mr, box->y1 + mr};
    for (size_t s = 0; p->series && s < p->nseries; s++) {
        const plot_series *se = &p->series[s];
        if (!se->x || !se->y)
            continue;
        stylespec st = pl_style_of(se->style, m->u);
        rect bl = {box->x0 - 0.5 * st.lw, box->y0 - 0.5 * st.lw, box->x1 + 0.5 * st.lw,
                   box->y1 + 0.5 * st.lw};
        double wgt = se->style == PLOT_FAINT ? 0.25 : 1;
        if (se->ghost || (se->alpha > 0 && se->alpha < 1))
            wgt *= 0.5;
        int have = 0;
        double px = 0, py = 0;
        for (size_t i = 0; i < se->n; i++) {
            if (!pl_valid_v(se->x[i], ax->log) || !pl_valid_v(se->y[i], ay->log)) {
                have = 0;
                continue;
            }
            double x = pl_map_x(ax, area, se->x[i]);
            double y = pl_map_y(ay, area, se->y[i]);
            if (st.markers && pl_in_rect(&bm, x, y))
                score += 3 * wgt;
            if (st.line && have) {
                double a0 = px, a1 = py, b0 = x, b1 = y;
                if (pl_clip_seg(&bl, &a0, &a1, &b0, &b1))
                    score += wgt;
            } else if (st.line && pl_in_rect(&bl, x, y)) {
                score += wgt;
            }
            px = x;
            py = y;
            have = 1;
        }
    }
    return score;
}

int pl_legend_dims(cairo_t *cr, const plot_panel *p, const rect *area,
                   const metrics *m, legend_dims *d)
{
    memset(d, 0, sizeof *d);
    if (!p->series)
        return 0;
    double tw = 0;
    pl_font(cr, 0, 0);
    for (size_t s = 0; s < p->nseries; s++) {
        if (!pl_nonempty(p->series[s].label) || legend_dup(p, s))
            continue;
        tbox b = pl_text_measure(cr, p->series[s].label, m->leg_fs);
        tw = fmax(tw, b.w);
        d->n++;
    }
    if (d->n == 0)
        return 0;
    double inset = m->tick + 0.35 * m->fs;
    double aw = area->x1 - area->x0 - 2 * inset;
    double ah = area->y1 - area->y0 - 2 * inset;
    double fs = m->leg_fs;
    double w = fs * (1.0 + 2.2 + 0.6) + tw;
    double h = fs * (1.0 + 1.45 * (double)d->n - 0.45);
    /* shrink (down to 75 %) when the panel is too small for it */
    double k = fmin(1, fmin(aw / w, ah / h));
    if (k < 0.75)
        k = 0.75;
    d->k = k;
    d->fs = fs * k;
    d->tw = tw * k;
    d->w = d->fs * (1.0 + 2.2 + 0.6) + d->tw;
    d->h = d->fs * (1.0 + 1.45 * (double)d->n - 0.45);
    return 1;
}

static int rect_inside(const rect *a, const rect *outer)
{
    return a->x0 >= outer->x0 - 1e-9 && a->x1 <= outer->x1 + 1e-9 &&
           a->y0 >= outer->y0 - 1e-9 && a->y1 <= outer->y1 + 1e-9;
}

double pl_legend_place(const plot_panel *p, const axis *ax,
                       const axis *ay, const rect *area, const metrics *m,
                       const legend_dims *d, const rect *note, rect *box)
{
    double inset = m->tick + 0.35 * m->fs;
    double w = d->w, h = d->h;
    double xl = area->x0 + inset, xr = area->x1 - inset - w,
           xc = 0.5 * (area->x0 + area->x1 - w);
    double yt = area->y0 + inset, yb = area->y1 - inset - h,
           ym = 0.5 * (area->y0 + area->y1 - h);
    /* in order of preference: the corners (upper right first), then the
     * middles of the sides */
    const double cx[8] = {xr, xl, xr, xl, xc, xc, xr, xl};
    const double cy[8] = {yt, yt, yb, yb, yt, yb, ym, ym};
    double best_score = INFINITY;
    int best = -1;
    for (int c = 0; c < 8; c++) {
        rect b = {cx[c], cy[c], cx[c] + w, cy[c] + h};
        if (b.x0 < xl - 1e-9 && c != 1 && c != 3 && c != 7)
            continue; /* wider than the area: only the left column */
        if (note && pl_rects_meet(&b, note))
            continue;
        double sc = pl_data_cover(p, ax, ay, area, &b, m);
        /* a box that cannot fit inside the area counts as covering */
        if (!rect_inside(&b, area))
            sc += 1e6;
        if (sc < best_score - 1e-9) {
            best_score = sc;
            best = c;
        }
    }
    if (best < 0) {
        best = 1;
        best_score = INFINITY;
    }
    *box = (rect){cx[best], cy[best], cx[best] + w, cy[best] + h};
    if (best == 0 || best == 2 || best == 6) {
        if (box->x0 < xl) { /* wider than the panel: keep the left edge */
            box->x0 = xl;
            box->x1 = xl + w;
        }
    }
    return best_score;
}

void pl_legend_draw(cairo_t *cr, const plot_panel *p, const rect *box,
                    const metrics *m, const legend_dims *d)
{
    double fs = d->fs, k = d->k;
    double pad = 0.5 * fs, row = 1.45 * fs, len = 2.2 * fs, gap = 0.6 * fs;
    double x = box->x0, y = box->y0;
    box_bg(cr, x, y, d->w, d->h, m);
    double yrow = y + pad;
    metrics ml = *m;
    ml.leg_fs = fs;
    ml.fs = m->fs * k;
    ml.u = m->u * (0.5 + 0.5 * k);
    for (size_t s = 0; s < p->nseries; s++) {
        const plot_series *se = &p->series[s];
        if (!pl_nonempty(se->label) || legend_dup(p, s))
            continue;
        double base = yrow + ASC_H * fs;
        double yc = base - 0.5 * CAP_H * fs;
        legend_sample(cr, se, x + pad, yc, len, &ml);
        cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
        pl_font(cr, 0, 0);
        pl_text_draw(cr, se->label, fs, x + pad + len + gap, base, 0);
        yrow += row;
    }
}
