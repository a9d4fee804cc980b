/* One panel: its margins, frame and inward ticks, tick and axis labels,
 * title, reference lines with their labels, the series, legend and
 * note; plot_draw_panel and plot_panel_limits. */
#include "plot_priv.h"

#include <math.h>
#include <string.h>

/* ------------------------------------------------------------------ */
/* Panels                                                              */

static void panel_axes(const plot_panel *p, axis *ax, axis *ay, extent *e)
{
    pl_panel_extent(p, e);
    pl_axis_range(ax, p->xmin, p->xmax, p->xscale, p->linthresh, e->hx, e->xlo,
                  e->xhi);
    pl_axis_range(ay, p->ymin, p->ymax, p->yscale, p->linthresh, e->hy, e->ylo,
                  e->yhi);
}

void plot_panel_limits(const plot_panel *p, double *xlo, double *xhi,
                       double *ylo, double *yhi)
{
    axis ax, ay;
    extent e;
    panel_axes(p, &ax, &ay, &e);
    *xlo = ax.lo;
    *xhi = ax.hi;
    *ylo = ay.lo;
    *yhi = ay.hi;
}

static void panel_margins(cairo_t *cr, const plot_panel *p, const axis *ax,
                          const axis *ay, const metrics *m, margins *mg)
{
    double outer = 0.35 * m->fs;
    mg->left = outer + ay->wmax + m->pad;
    if (pl_nonempty(p->ylabel)) {
        pl_font(cr, 0, 0);
        tbox b = pl_text_measure(cr, p->ylabel, m->lab_fs);
        mg->left += b.asc + b.desc + 0.55 * m->fs;
    }
    mg->bottom = m->pad + ax->asc + ax->desc + outer;
    if (pl_nonempty(p->xlabel)) {
        pl_font(cr, 0, 0);
        tbox b = pl_text_measure(cr, p->xlabel, m->lab_fs);
        mg->bottom += fmax(b.asc, ASC_H * m->lab_fs) + b.desc + 0.35 * m->fs;
    }
    /* the top y tick label sticks out above the frame by half its height */
    mg->top = fmax(outer + 0.6 * m->fs, outer + 0.5 * CAP_H * m->fs +
                   (ay->asc - CAP_H * m->fs));
    if (pl_nonempty(p->title)) {
        pl_font(cr, 0, 0);
        tbox b = pl_text_measure(cr, p->title, m->ttl_fs);
        mg->top = fmax(mg->top, outer + b.asc + DESC_H * m->ttl_fs +
                                    0.45 * m->fs);
    }
    double half = ax->nmaj > 0 ? 0.5 * ax->lw[ax->nmaj - 1] : 0;
    mg->right = fmax(0.9 * m->fs, half + 0.3 * m->fs);
}

/* tick labels overlap at this area size? */
static int x_overlap(const axis *a, const rect *r, const metrics *m)
{
    for (size_t i = 1; i < a->nmaj; i++) {
        double d = pl_map_x(a, r, a->maj[i]) - pl_map_x(a, r, a->maj[i - 1]);
        if (d < 0.5 * (a->lw[i] + a->lw[i - 1]) + 0.9 * m->fs)
            return 1;
    }
    return 0;
}

static int y_overlap(const axis *a, const rect *r, const metrics *m)
{
    for (size_t i = 1; i < a->nmaj; i++) {
        double d = pl_map_y(a, r, a->maj[i - 1]) - pl_map_y(a, r, a->maj[i]);
        if (d < a->asc + a->desc + 0.35 * m->fs)
            return 1;
    }
    return 0;
}

static void fit_ticks(cairo_t *cr, axis *a, const rect *r, const metrics *m,
                      int is_y)
{
    size_t max = 8;
    pl_font(cr, 0, 0);
    pl_axis_ticks(cr, a, m, max);
    while (a->nmaj > 2 &&
           (is_y ? y_overlap(a, r, m) : x_overlap(a, r, m))) {
        max = a->nmaj - 1;
        pl_axis_ticks(cr, a, m, max);
    }
}

static void draw_ticks(cairo_t *cr, const axis *ax, const axis *ay,
                       const rect *r, const metrics *m)
{
    double tl = m->tick, ml = 0.55 * m->tick;
    double tol = 1e-6;
    cairo_set_source_rgb(cr, 0, 0, 0);
    cairo_set_line_width(cr, 0.8 * m->u);
    cairo_set_line_cap(cr, CAIRO_LINE_CAP_BUTT);
    cairo_set_dash(cr, NULL, 0, 0);
    for (int minor = 0; minor < 2; minor++) {
        const double *tx = minor ? ax->mnr : ax->maj;
        size_t nx = minor ? ax->nmin : ax->nmaj;
        const double *ty = minor ? ay->mnr : ay->maj;
        size_t ny = minor ? ay->nmin : ay->nmaj;
        double L = minor ? ml : tl;
        for (size_t i = 0; i < nx; i++) {
            double f = pl_axis_frac(ax, tx[i]);
            if (f < -tol || f > 1 + tol)
                continue;
            double x = pl_map_x(ax, r, tx[i]);
            cairo_move_to(cr, x, r->y1);
            cairo_line_to(cr, x, r->y1 - L);
            cairo_move_to(cr, x, r->y0);
            cairo_line_to(cr, x, r->y0 + L);
        }
        for (size_t i = 0; i < ny; i++) {
            double f = pl_axis_frac(ay, ty[i]);
            if (f < -tol || f > 1 + tol)
                continue;
            double y = pl_map_y(ay, r, ty[i]);
            cairo_move_to(cr, r->x0, y);
            cairo_line_to(cr, r->x0 + L, y);
            cairo_move_to(cr, r->x1, y);
            cairo_line_to(cr, r->x1 - L, y);
        }
        cairo_set_line_width(cr, (minor ? 0.6 : 0.8) * m->u);
        cairo_stroke(cr);
    }
    /* labels */
    cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
    pl_font(cr, 0, 0);
    for (size_t i = 0; i < ax->nmaj; i++) {
        double f = pl_axis_frac(ax, ax->maj[i]);
        if (f < -tol || f > 1 + tol)
            continue;
        pl_text_draw(cr, ax->lbl[i], m->fs, pl_map_x(ax, r, ax->maj[i]),
                  r->y1 + m->pad + ax->asc, 0.5);
    }
    for (size_t i = 0; i < ay->nmaj; i++) {
        double f = pl_axis_frac(ay, ay->maj[i]);
        if (f < -tol || f > 1 + tol)
            continue;
        double y = pl_map_y(ay, r, ay->maj[i]) + 0.5 * CAP_H * m->fs;
        pl_text_draw(cr, ay->lbl[i], m->fs, r->x0 - m->pad, y, 1);
    }
}

static void draw_refs(cairo_t *cr, const plot_panel *p, const axis *ax,
                      const axis *ay, const rect *r, const metrics *m)
{
    cairo_save(cr);
    cairo_set_line_width(cr, 0.8 * m->u);
    cairo_set_line_cap(cr, CAIRO_LINE_CAP_BUTT);
    double d1[2] = {3.5 * m->u, 2.5 * m->u};
    cairo_set_dash(cr, d1, 2, 0);
    cairo_set_source_rgb(cr, 0.5, 0.5, 0.5);
    for (size_t i = 0; p->vmarks && i < p->nvmarks; i++) {
        double v = p->vmarks[i];
        if (!pl_valid_v(v, ax->log))
            continue;
        double f = pl_axis_frac(ax, v);
        if (f < 0 || f > 1)
            continue;
        double x = pl_map_x(ax, r, v);
        cairo_move_to(cr, x, r->y0);
        cairo_line_to(cr, x, r->y1);
    }
    cairo_stroke(cr);
    double d2[4] = {6 * m->u, 2 * m->u, 1.2 * m->u, 2 * m->u};
    cairo_set_dash(cr, d2, 4, 0);
    cairo_set_source_rgb(cr, 0.4, 0.4, 0.4);
    for (size_t i = 0; p->hlines && i < p->nhlines; i++) {
        double v = p->hlines[i];
        if (!pl_valid_v(v, ay->log))
            continue;
        double f = pl_axis_frac(ay, v);
        if (f < 0 || f > 1)
            continue;
        double y = pl_map_y(ay, r, v);
        cairo_move_to(cr, r->x0, y);
        cairo_line_to(cr, r->x1, y);
    }
    cairo_stroke(cr);
    cairo_restore(cr);
}

/* Boxes already taken by text over the plot area (the legend, the note,
 * labels placed so far). */
typedef struct {
    rect r[16];
    int n;
} taken_t;

static void take(taken_t *t, const rect *r)
{
    if (t->n < (int)(sizeof t->r / sizeof t->r[0]))
        t->r[t->n++] = *r;
}

static int hits_taken(const taken_t *t, const rect *r)
{
    for (int i = 0; i < t->n; i++)
        if (pl_rects_meet(&t->r[i], r))
            return 1;
    return 0;
}

/* labels of the horizontal reference lines, on top of the data: beside
 * their line at the right end, the left end or the middle, above or below
 * it, where they hide the least data and no other text */
static void draw_ref_labels(cairo_t *cr, const plot_panel *p, const axis *ax,
                            const axis *ay, const rect *r, const metrics *m,
                            taken_t *tk)
{
    cairo_save(cr);
    pl_font(cr, 0, 0);
    double fs = 0.92 * m->leg_fs;
    for (size_t i = 0; p->hlines && p->hline_labels && i < p->nhlines; i++) {
        double v = p->hlines[i];
        if (!pl_valid_v(v, ay->log) || !pl_nonempty(p->hline_labels[i]))
            continue;
        double f = pl_axis_frac(ay, v);
        if (f < 0 || f > 1)
            continue;
        double y = pl_map_y(ay, r, v);
        tbox b = pl_text_measure(cr, p->hline_labels[i], fs);
        double in = m->tick + 0.3 * m->fs, hp = 0.15 * fs;
        double above = y - 0.3 * fs - b.desc, below = y + 0.3 * fs + b.asc;
        /* anchor x (right edge of the text) and baseline */
        const double xs[3] = {r->x1 - in, r->x0 + in + b.w, 0.5 * (r->x0 + r->x1 + b.w)};
        double best = INFINITY, bx = xs[0], bb = above;
        for (int c = 0; c < 6; c++) {
            double x = xs[c / 2], base = c % 2 ? below : above;
            rect box = {x - b.w - hp, base - b.asc, x + hp, base + b.desc};
            double sc = pl_data_cover(p, ax, ay, r, &box, m);
            if (box.y0 < r->y0 + 0.5 * m->tick || box.y1 > r->y1 - 0.5 * m->tick)
                sc += 1e5;   /* would leave the area */
            if (hits_taken(tk, &box))
                sc += 1e4;
            sc += 0.01 * c;  /* the order above on a tie */
            if (sc < best) {
                best = sc;
                bx = x;
                bb = base;
            }
        }
        rect box = {bx - b.w - hp, bb - b.asc, bx + hp, bb + b.desc};
        take(tk, &box);
        /* light halo so the label reads over curves */
        cairo_set_source_rgba(cr, 1, 1, 1, 0.75);
        cairo_rectangle(cr, box.x0, box.y0, box.x1 - box.x0, box.y1 - box.y0);
        cairo_fill(cr);
        cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
        pl_text_draw(cr, p->hline_labels[i], fs, bx, bb, 1);
    }
    cairo_restore(cr);
}

/* Labels of the vertical markers: rotated a quarter turn (reading
 * downwards), beginning at the top of the plot area (below a box of text
 * that sits there), right of their line (left at the right edge), clipped
 * at the area's bottom or the next box of text below; a label that would
 * overlap one already drawn (the later markers go first) is left out. */
static void draw_vmark_labels(cairo_t *cr, const plot_panel *p, const axis *ax,
                              const rect *r, const metrics *m, const taken_t *tk)
{
    if (!p->vmarks || !p->vmark_labels || p->nvmarks == 0)
        return;
    cairo_save(cr);
    pl_font(cr, 0, 0);
    double fs = 0.85 * m->leg_fs;
    double placed[64];
    int np = 0;
    double hgt = (ASC_H + DESC_H) * fs;
    for (size_t j = p->nvmarks; j-- > 0;) {
        double v = p->vmarks[j];
        const char *lab = p->vmark_labels[j];
        if (!pl_valid_v(v, ax->log) || !pl_nonempty(lab))
            continue;
        double f = pl_axis_frac(ax, v);
        if (f < 0 || f > 1)
            continue;
        double x = pl_map_x(ax, r, v);
        /* reading downwards the glyphs lie right of the baseline
         * (ascent) and left of it (descent): the baseline xb */
        double xb = x + 0.3 * fs + DESC_H * fs;
        if (xb + ASC_H * fs > r->x1)
            xb = x - 0.3 * fs - ASC_H * fs;   /* no room right of it: left */
        int clash = 0;
        for (int k = 0; k < np; k++)
            if (fabs(placed[k] - xb) < 1.05 * hgt)
                clash = 1;
        if (clash || np >= 64)
            continue;
        tbox b = pl_text_measure(cr, lab, fs);
        double top = r->y0 + m->tick + 0.2 * fs, bot = r->y1 - 0.2 * fs;
        double cx0 = xb - DESC_H * fs, cx1 = xb + ASC_H * fs;
        /* a box at the top pushes the label below it; the first box below
         * ends it */
        for (int pass = 0; pass < 2; pass++)
            for (int i = 0; i < tk->n; i++) {
                const rect *t = &tk->r[i];
                if (t->x1 <= cx0 || t->x0 >= cx1)
                    continue;
                if (t->y0 <= top + 2 * fs && t->y1 > top)
                    top = t->y1 + 0.3 * fs;
                else if (t->y0 > top && t->y0 < bot)
                    bot = t->y0 - 0.2 * fs;
            }
        if (bot - top < 3 * fs)
            continue;
        placed[np++] = xb;
        double len = fmin(b.w, bot - top);
        cairo_save(cr);
        cairo_rectangle(cr, fmax(r->x0, cx0 - 0.1 * fs), top - 0.1 * fs,
                        fmin(r->x1, cx1 + 0.1 * fs) - fmax(r->x0, cx0 - 0.1 * fs), bot - top + 0.2 * fs);
        cairo_clip(cr);
        cairo_set_source_rgba(cr, 1, 1, 1, 0.7);
        cairo_rectangle(cr, cx0, top - 0.1 * fs, cx1 - cx0, len + 0.2 * fs);
        cairo_fill(cr);
        cairo_translate(cr, xb, top);
        cairo_rotate(cr, PLOT_PI / 2);
        cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
        pl_text_draw(cr, lab, fs, 0, 0, 0);
        cairo_restore(cr);
    }
    cairo_restore(cr);
}

void pl_draw_panel(cairo_t *cr, const plot_panel *p, const rect *cell,
                   const margins *mg, const metrics *m, plot_geom *g)
{
    axis ax, ay;
    extent e;
    rect r = {cell->x0 + mg->left, cell->y0 + mg->top, cell->x1 - mg->right,
              cell->y1 - mg->bottom};
    if (g)
        memset(g, 0, sizeof *g);
    if (!(r.x1 - r.x0 > 2 * m->fs) || !(r.y1 - r.y0 > 2 * m->fs))
        return; /* no room */
    panel_axes(p, &ax, &ay, &e);
    fit_ticks(cr, &ax, &r, m, 0);
    fit_ticks(cr, &ay, &r, m, 1);

    /* the legend: where it hides the least data; when it would hide some
     * wherever it goes inside and the area can spare its width, outside,
     * right of the area */
    legend_dims ld;
    rect lg = {0, 0, 0, 0}, nb;
    int has_note = pl_note_place(cr, p, &ax, &ay, &r, m, &nb);
    int has_legend = pl_legend_dims(cr, p, &r, m, &ld);
    if (has_legend) {
        double cover = pl_legend_place(p, &ax, &ay, &r, m, &ld, has_note ? &nb : NULL, &lg);
        double half = ax.nmaj > 0 ? 0.5 * ax.lw[ax.nmaj - 1] : 0;
        double x1 = cell->x1 - 0.3 * m->fs - ld.w - fmax(0.6 * m->fs, half + 0.3 * m->fs);
        if (cover > 0 && x1 - r.x0 >= 0.55 * (r.x1 - r.x0) && ld.h <= r.y1 - r.y0) {
            r.x1 = x1;
            lg = (rect){cell->x1 - 0.3 * m->fs - ld.w, r.y0, cell->x1 - 0.3 * m->fs, r.y0 + ld.h};
            fit_ticks(cr, &ax, &r, m, 0);
            has_note = pl_note_place(cr, p, &ax, &ay, &r, m, &nb);
        }
    }
    if (g) {
        g->area = (plot_rect){r.x0, r.y0, r.x1 - r.x0, r.y1 - r.y0};
        g->drawn = 1;
    }

    /* data, clipped to the area (plus half the frame width): the ghosts
     * (pinned runs) behind the rest */
    cairo_save(cr);
    double fw = 0.4 * m->u;
    cairo_rectangle(cr, r.x0 - fw, r.y0 - fw, r.x1 - r.x0 + 2 * fw,
                    r.y1 - r.y0 + 2 * fw);
    cairo_clip(cr);
    draw_refs(cr, p, &ax, &ay, &r, m);
    for (int ghost = 1; ghost >= 0; ghost--)
        for (size_t s = 0; p->series && s < p->nseries; s++)
            if (!p->series[s].ghost == !ghost)
                pl_draw_series(cr, &p->series[s], &ax, &ay, &r, m, 0);
    cairo_restore(cr);
    /* markers on the frame are drawn whole */
    cairo_save(cr);
    double mr = 0.32 * m->fs + m->u;
    cairo_rectangle(cr, r.x0 - mr, r.y0 - mr, r.x1 - r.x0 + 2 * mr,
                    r.y1 - r.y0 + 2 * mr);
    cairo_clip(cr);
    for (int ghost = 1; ghost >= 0; ghost--)
        for (size_t s = 0; p->series && s < p->nseries; s++)
            if (!p->series[s].ghost == !ghost)
                pl_draw_series(cr, &p->series[s], &ax, &ay, &r, m, 1);
    cairo_restore(cr);
    taken_t tk = {.n = 0};
    if (has_note)
        take(&tk, &nb);
    if (has_legend)
        take(&tk, &lg);
    draw_ref_labels(cr, p, &ax, &ay, &r, m, &tk);
    draw_vmark_labels(cr, p, &ax, &r, m, &tk);

    /* frame and ticks */
    cairo_save(cr);
    draw_ticks(cr, &ax, &ay, &r, m);
    cairo_set_source_rgb(cr, 0, 0, 0);
    cairo_set_line_width(cr, 0.8 * m->u);
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_MITER);
    cairo_rectangle(cr, r.x0, r.y0, r.x1 - r.x0, r.y1 - r.y0);
    cairo_stroke(cr);

    /* axis labels and title */
    cairo_set_source_rgb(cr, 0.05, 0.05, 0.05);
    pl_font(cr, 0, 0);
    if (pl_nonempty(p->xlabel)) {
        tbox b = pl_text_measure(cr, p->xlabel, m->lab_fs);
        double base = r.y1 + m->pad + fmax(mg->xtick_h, ax.asc + ax.desc) +
                      0.35 * m->fs + fmax(b.asc, ASC_H * m->lab_fs);
        pl_text_draw(cr, p->xlabel, m->lab_fs, 0.5 * (r.x0 + r.x1), base, 0.5);
    }
    if (pl_nonempty(p->ylabel)) {
        tbox b = pl_text_measure(cr, p->ylabel, m->lab_fs);
        double xb = r.x0 - m->pad - ay.wmax - 0.55 * m->fs - b.desc;
        cairo_save(cr);
        cairo_translate(cr, xb, 0.5 * (r.y0 + r.y1));
        cairo_rotate(cr, -PLOT_PI / 2);
        pl_text_draw(cr, p->ylabel, m->lab_fs, 0, 0, 0.5);
        cairo_restore(cr);
    }
    if (pl_nonempty(p->title)) {
        /* centred over the plot area; a title wider than that moves left
         * into the margin and, wider than the cell, gets a smaller font
         * (down to the tick-label size) instead of running into the next
         * panel */
        double fs = m->ttl_fs, avail = cell->x1 - cell->x0 - 0.3 * m->fs;
        double w = pl_text_measure(cr, p->title, fs).w;
        if (w > avail && avail > 0)
            fs = fmax(m->fs, fs * avail / w);
        w = pl_text_measure(cr, p->title, fs).w;
        double cx = 0.5 * (r.x0 + r.x1);
        if (cx + 0.5 * w > cell->x1 - 0.15 * m->fs)
            cx = cell->x1 - 0.15 * m->fs - 0.5 * w;
        if (cx - 0.5 * w < cell->x0 + 0.15 * m->fs)
            cx = cell->x0 + 0.15 * m->fs + 0.5 * w;
        pl_text_draw(cr, p->title, fs, cx, r.y0 - 0.45 * m->fs - DESC_H * m->ttl_fs, 0.5);
    }
    if (e.npts == 0) {
        pl_font(cr, 0, 1);
        cairo_set_source_rgb(cr, 0.45, 0.45, 0.45);
        pl_text_draw(cr, "no data", 1.1 * m->fs, 0.5 * (r.x0 + r.x1),
                  0.5 * (r.y0 + r.y1) + 0.5 * CAP_H * 1.1 * m->fs, 0.5);
    }
    cairo_restore(cr);

    cairo_save(cr);
    if (has_note)
        pl_draw_note(cr, p->note, &nb, m);
    if (has_legend) {
        pl_legend_draw(cr, p, &lg, m, &ld);
        if (g) {
            g->legend = (plot_rect){lg.x0, lg.y0, lg.x1 - lg.x0, lg.y1 - lg.y0};
            g->has_legend = 1;
        }
    }
    if (g) {
        g->xlo = ax.lo; g->xhi = ax.hi; g->ylo = ay.lo; g->yhi = ay.hi;
    }
    cairo_restore(cr);
}

void pl_panel_layout(cairo_t *cr, const plot_panel *p, const metrics *m, axis *ax,
                     axis *ay, margins *mg)
{
    extent e;
    panel_axes(p, ax, ay, &e);
    pl_font(cr, 0, 0);
    pl_axis_ticks(cr, ax, m, 8);
    pl_axis_ticks(cr, ay, m, 8);
    panel_margins(cr, p, ax, ay, m, mg);
}

void pl_make_metrics(double fs, metrics *m)
{
    m->fs = fs;
    m->u = fs / 10.0;
    m->lab_fs = 1.08 * fs;
    m->ttl_fs = 1.15 * fs;
    m->fig_fs = 1.3 * fs;
    m->leg_fs = 0.92 * fs;
    m->tick = 0.5 * fs;
    m->pad = 0.45 * fs;
}

void plot_draw_panel(cairo_t *cr, const plot_panel *p, double x, double y,
                     double w, double h, double fs, plot_geom *g)
{
    if (g)
        memset(g, 0, sizeof *g);
    if (!cr || !p || !isfinite(w) || !isfinite(h) || !(w > 0) || !(h > 0) ||
        !(fs > 0) || cairo_status(cr) != CAIRO_STATUS_SUCCESS)
        return;
    cairo_save(cr);
    cairo_font_options_t *fo = cairo_font_options_create();
    cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
    cairo_set_font_options(cr, fo);
    cairo_font_options_destroy(fo);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_rectangle(cr, x, y, w, h);
    cairo_fill(cr);
    metrics m;
    pl_make_metrics(fs, &m);
    axis ax, ay;
    margins mg;
    pl_panel_layout(cr, p, &m, &ax, &ay, &mg);
    mg.xtick_h = ax.asc + ax.desc;
    rect cell = {x, y, x + w, y + h};
    cairo_rectangle(cr, x, y, w, h);
    cairo_clip(cr);
    pl_draw_panel(cr, p, &cell, &mg, &m, g);
    cairo_restore(cr);
}
