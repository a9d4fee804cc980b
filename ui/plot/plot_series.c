/* Series drawn inside the plot area: line styles, polylines clipped to
 * an enlarged area and broken at invalid points, histogram steps,
 * markers and error bars. */
#include "plot_priv.h"

#include <math.h>
#include <string.h>

/* ------------------------------------------------------------------ */
/* Lines                                                               */

int plot_clip_segment(double x0, double y0, double x1, double y1, double *ax,
                      double *ay, double *bx, double *by)
{
    double dx = *bx - *ax, dy = *by - *ay;
    double t0 = 0, t1 = 1;
    double pp[4] = {-dx, dx, -dy, dy};
    double qq[4] = {*ax - x0, x1 - *ax, *ay - y0, y1 - *ay};
    for (int i = 0; i < 4; i++) {
        if (pp[i] == 0) {
            if (qq[i] < 0)
                return 0;
        } else {
            double t = qq[i] / pp[i];
            if (pp[i] < 0) {
                if (t > t1)
                    return 0;
                if (t > t0)
                    t0 = t;
            } else {
                if (t < t0)
                    return 0;
                if (t < t1)
                    t1 = t;
            }
        }
    }
    double nax = *ax + t0 * dx, nay = *ay + t0 * dy;
    double nbx = *ax + t1 * dx, nby = *ay + t1 * dy;
    *ax = nax;
    *ay = nay;
    *bx = nbx;
    *by = nby;
    return 1;
}

int pl_clip_seg(const rect *r, double *ax, double *ay, double *bx,
                double *by)
{
    return plot_clip_segment(r->x0, r->y0, r->x1, r->y1, ax, ay, bx, by);
}

int pl_in_rect(const rect *r, double x, double y)
{
    return x >= r->x0 && x <= r->x1 && y >= r->y0 && y <= r->y1;
}

stylespec pl_style_of(plot_style s, double u)
{
    stylespec st;
    memset(&st, 0, sizeof st);
    st.lw = 1.5 * u;
    st.alpha = 1;
    st.cap = CAIRO_LINE_CAP_BUTT;
    st.line = 1;
    switch (s) {
    case PLOT_FAINT:
        st.lw = 0.8 * u;
        st.alpha = 0.25;
        break;
    case PLOT_BOLD:
        st.lw = 2.2 * u;
        break;
    case PLOT_DASHED:
        st.lw = 1.6 * u;
        st.dash[0] = 5.5 * u;
        st.dash[1] = 3 * u;
        st.ndash = 2;
        break;
    case PLOT_DOTTED:
        st.lw = 1.6 * u;
        st.dash[0] = 0;
        st.dash[1] = 2.8 * u;
        st.ndash = 2;
        st.cap = CAIRO_LINE_CAP_ROUND;
        break;
    case PLOT_POINTS:
        st.line = 0;
        st.markers = 1;
        break;
    case PLOT_LINE_POINTS:
        st.lw = 1.2 * u;
        st.markers = 1;
        break;
    case PLOT_LINE:
    default:
        break;
    }
    return st;
}

stylespec pl_series_style(const plot_series *se, double u)
{
    stylespec st = pl_style_of(se->style, u);
    if (se->alpha > 0 && se->alpha < 1)
        st.alpha *= se->alpha;
    if (se->ghost) {
        st.alpha *= 0.7;
        if (st.line && se->style != PLOT_DOTTED) {
            st.dash[0] = 7 * u;
            st.dash[1] = 3.5 * u;
            st.ndash = 2;
            st.cap = CAIRO_LINE_CAP_BUTT;
        }
    }
    return st;
}

void pl_series_rgb(const plot_series *se, double rgb[3])
{
    if (se->ghost && se->color < 0) {
        rgb[0] = 0.42;
        rgb[1] = 0.52;
        rgb[2] = 0.68;
        return;
    }
    plot_palette(se->color, rgb);
    if (se->ghost) /* lighter: a third of the way to white */
        for (int k = 0; k < 3; k++)
            rgb[k] += (1 - rgb[k]) / 3;
}

void pl_set_series_color(cairo_t *cr, const plot_series *se, double alpha)
{
    double rgb[3];
    pl_series_rgb(se, rgb);
    cairo_set_source_rgba(cr, rgb[0], rgb[1], rgb[2], alpha);
}

void pl_set_color(cairo_t *cr, int color, double alpha)
{
    double rgb[3];
    plot_palette(color, rgb);
    cairo_set_source_rgba(cr, rgb[0], rgb[1], rgb[2], alpha);
}

void pl_apply_stroke_style(cairo_t *cr, const stylespec *st)
{
    cairo_set_line_width(cr, st->lw);
    cairo_set_line_cap(cr, st->cap);
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
    cairo_set_dash(cr, st->dash, st->ndash, 0);
}

/* A polyline fed vertex by vertex, clipped geometrically to `clip` (an
 * enlarged plot area) so that cairo never sees huge coordinates. */
typedef struct {
    cairo_t *cr;
    const rect *clip;
    int have, pen;
    double px, py;
} pen_t;

static void pen_break(pen_t *p)
{
    p->have = 0;
    p->pen = 0;
}

static void pen_to(pen_t *p, double x, double y)
{
    if (!p->have) {
        p->px = x;
        p->py = y;
        p->have = 1;
        p->pen = 0;
        return;
    }
    double a0 = p->px, a1 = p->py, b0 = x, b1 = y;
    if (pl_clip_seg(p->clip, &a0, &a1, &b0, &b1)) {
        if (!p->pen || a0 != p->px || a1 != p->py)
            cairo_move_to(p->cr, a0, a1);
        cairo_line_to(p->cr, b0, b1);
        p->pen = (b0 == x && b1 == y);
    } else {
        p->pen = 0;
    }
    p->px = x;
    p->py = y;
}

static int valid_pt(const plot_series *se, size_t i, const axis *ax,
                    const axis *ay)
{
    return pl_valid_v(se->x[i], ax->log) && pl_valid_v(se->y[i], ay->log);
}

/* Line through the valid points, broken at invalid ones. */
static void draw_polyline(cairo_t *cr, const plot_series *se, const axis *ax,
                          const axis *ay, const rect *area, const rect *clip)
{
    pen_t pn = {cr, clip, 0, 0, 0, 0};
    for (size_t i = 0; i < se->n; i++) {
        if (valid_pt(se, i, ax, ay))
            pen_to(&pn, pl_map_x(ax, area, se->x[i]), pl_map_y(ay, area, se->y[i]));
        else
            pen_break(&pn);
    }
}

/* A dot for each valid point without a valid neighbour (a line through
 * it would not show). */
static void add_isolated_dots(cairo_t *cr, const plot_series *se,
                              const axis *ax, const axis *ay,
                              const rect *area, double r)
{
    for (size_t i = 0; i < se->n; i++) {
        if (!valid_pt(se, i, ax, ay))
            continue;
        if ((i > 0 && valid_pt(se, i - 1, ax, ay)) ||
            (i + 1 < se->n && valid_pt(se, i + 1, ax, ay)))
            continue;
        double x = pl_map_x(ax, area, se->x[i]), y = pl_map_y(ay, area, se->y[i]);
        if (!pl_in_rect(area, x, y))
            continue;
        cairo_new_sub_path(cr);
        cairo_arc(cr, x, y, r, 0, 2 * PLOT_PI);
        cairo_close_path(cr);
    }
}

/* Histogram outline: y[i] is the level of the bin centred on x[i]; bin
 * edges lie halfway (on the axis scale) between neighbouring centres, the
 * outer bins are mirrored; `hw` is the half width of a lone bin. */
static void draw_steps(cairo_t *cr, const plot_series *se, const axis *ax,
                       const axis *ay, const rect *area, const rect *clip,
                       double hw)
{
    pen_t pn = {cr, clip, 0, 0, 0, 0};
    for (size_t i = 0; i < se->n; i++) {
        if (!valid_pt(se, i, ax, ay)) {
            pen_break(&pn);
            continue;
        }
        int pv = i > 0 && valid_pt(se, i - 1, ax, ay);
        int nx = i + 1 < se->n && valid_pt(se, i + 1, ax, ay);
        double c = pl_map_x(ax, area, se->x[i]), y = pl_map_y(ay, area, se->y[i]);
        double cp = pv ? pl_map_x(ax, area, se->x[i - 1]) : 0;
        double cn = nx ? pl_map_x(ax, area, se->x[i + 1]) : 0;
        double l, r;
        if (pv)
            l = 0.5 * (cp + c);
        else if (nx)
            l = c - 0.5 * (cn - c);
        else
            l = c - hw;
        if (nx)
            r = 0.5 * (c + cn);
        else if (pv)
            r = c + 0.5 * (c - cp);
        else
            r = c + hw;
        pen_to(&pn, l, y);
        pen_to(&pn, r, y);
    }
}

static void marker_path(cairo_t *cr, double x, double y, double r)
{
    cairo_new_sub_path(cr);
    cairo_arc(cr, x, y, r, 0, 2 * PLOT_PI);
    cairo_close_path(cr);
}

void pl_draw_marker(cairo_t *cr, double x, double y, double r, int color,
                    double alpha, double u)
{
    double rgb[3];
    plot_palette(color, rgb);
    pl_draw_marker_rgb(cr, x, y, r, rgb, alpha, u);
}

void pl_draw_marker_rgb(cairo_t *cr, double x, double y, double r,
                        const double rgb[3], double alpha, double u)
{
    marker_path(cr, x, y, r);
    cairo_set_source_rgba(cr, rgb[0], rgb[1], rgb[2], alpha);
    cairo_fill_preserve(cr);
    cairo_set_source_rgba(cr, 1, 1, 1, 0.9 * alpha);
    cairo_set_line_width(cr, 0.5 * u);
    cairo_set_dash(cr, NULL, 0, 0);
    cairo_stroke(cr);
}

static void errbar(cairo_t *cr, double x, double ya, double yb, double cap,
                   const rect *cr_)
{
    double a0 = x, a1 = ya, b0 = x, b1 = yb;
    if (!pl_clip_seg(cr_, &a0, &a1, &b0, &b1))
        return;
    cairo_move_to(cr, a0, a1);
    cairo_line_to(cr, b0, b1);
    /* caps only at ends that are not clipped away */
    if (a1 == ya && pl_in_rect(cr_, x, ya)) {
        cairo_move_to(cr, x - cap, ya);
        cairo_line_to(cr, x + cap, ya);
    }
    if (b1 == yb && pl_in_rect(cr_, x, yb)) {
        cairo_move_to(cr, x - cap, yb);
        cairo_line_to(cr, x + cap, yb);
    }
}

void pl_draw_series(cairo_t *cr, const plot_series *se, const axis *ax,
                    const axis *ay, const rect *area, const metrics *m,
                    int pass)
{
    if (!se->x || !se->y || se->n == 0)
        return;
    stylespec st = pl_series_style(se, m->u);
    double rgb[3];
    pl_series_rgb(se, rgb);
    double big = 20 * m->fs;
    rect cr_ = {area->x0 - big, area->y0 - big, area->x1 + big,
                area->y1 + big};
    double mr = 0.32 * m->fs; /* marker radius */

    if (pass == 0 && se->yerr && st.markers) {
        cairo_save(cr);
        pl_set_series_color(cr, se, st.alpha);
        cairo_set_line_width(cr, 0.9 * m->u);
        cairo_set_line_cap(cr, CAIRO_LINE_CAP_BUTT);
        cairo_set_dash(cr, NULL, 0, 0);
        for (size_t i = 0; i < se->n; i++) {
            double x = se->x[i], y = se->y[i], e = se->yerr[i];
            if (!pl_valid_v(x, ax->log) || !pl_valid_v(y, ay->log) || !isfinite(e))
                continue;
            e = fabs(e);
            double px = pl_map_x(ax, area, x);
            if (px < area->x0 - 1e-6 || px > area->x1 + 1e-6)
                continue;
            double yt = pl_map_y(ay, area, y + e);
            double yb = (ay->log && !(y - e > 0)) ? area->y1 + big
                                                  : pl_map_y(ay, area, y - e);
            errbar(cr, px, yt, yb, 0.75 * mr, &cr_);
        }
        cairo_stroke(cr);
        cairo_restore(cr);
    }
    if (pass == 0 && st.line) {
        cairo_save(cr);
        pl_apply_stroke_style(cr, &st);
        pl_set_series_color(cr, se, st.alpha);
        cairo_new_path(cr);
        if (se->style == PLOT_STEPS) {
            draw_steps(cr, se, ax, ay, area, &cr_, 0.6 * m->fs);
            cairo_stroke(cr);
        } else {
            draw_polyline(cr, se, ax, ay, area, &cr_);
            cairo_stroke(cr);
            add_isolated_dots(cr, se, ax, ay, area, fmax(st.lw, 1.2 * m->u));
            cairo_fill(cr);
        }
        cairo_restore(cr);
    }
    if (pass == 1 && st.markers) {
        cairo_save(cr);
        double r = se->style == PLOT_LINE_POINTS ? 0.8 * mr : mr;
        double tol = 1e-6 * (1 + area->x1 - area->x0);
        for (size_t i = 0; i < se->n; i++) {
            double x = se->x[i], y = se->y[i];
            if (!pl_valid_v(x, ax->log) || !pl_valid_v(y, ay->log))
                continue;
            double px = pl_map_x(ax, area, x), py = pl_map_y(ay, area, y);
            if (px < area->x0 - tol || px > area->x1 + tol ||
                py < area->y0 - tol || py > area->y1 + tol)
                continue;
            pl_draw_marker_rgb(cr, px, py, r, rgb, st.alpha, m->u);
        }
        cairo_restore(cr);
    }
}
