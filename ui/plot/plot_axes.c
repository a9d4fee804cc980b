/* Axes of a panel: the data extent of its series, the axis ranges
 * (given or automatic) with their ticks and labels, and the map from data
 * to page coordinates. */
#include "plot_priv.h"

#include <float.h>
#include <math.h>
#include <string.h>

/* ------------------------------------------------------------------ */
/* Axes                                                                */

int pl_valid_v(double v, int log)
{
    return isfinite(v) && (!log || v > 0);
}

static void ext_add(double *lo, double *hi, int *have, double v)
{
    if (!*have) {
        *lo = *hi = v;
        *have = 1;
    } else {
        if (v < *lo)
            *lo = v;
        if (v > *hi)
            *hi = v;
    }
}

/* outer edges of the histogram bins at the ends of a run of valid points
 * (PLOT_STEPS), so that auto ranges show the whole outer bins */
static void step_edges(const plot_series *se, size_t i, int xl, int yl,
                       double lt, double *lo, double *hi, int *have)
{
    int pv = i > 0 && pl_valid_v(se->x[i - 1], xl) && pl_valid_v(se->y[i - 1], yl);
    int nx = i + 1 < se->n && pl_valid_v(se->x[i + 1], xl) &&
             pl_valid_v(se->y[i + 1], yl);
    double x = se->x[i], o, edge;
    if (pv == nx)
        return; /* interior point, or a lone bin (fixed width in points) */
    o = pv ? se->x[i - 1] : se->x[i + 1];
    if (lt > 0) /* symlog: halfway on the axis scale */
        edge = plot_symlog_inv(1.5 * plot_symlog(x, lt) - 0.5 * plot_symlog(o, lt), lt);
    else
        edge = xl ? x * sqrt(x / o) : x + 0.5 * (x - o);
    if (pl_valid_v(edge, xl))
        ext_add(lo, hi, have, edge);
}

void pl_panel_extent(const plot_panel *p, extent *e)
{
    memset(e, 0, sizeof *e);
    int xl = p->xscale == PLOT_LOG, yl = p->yscale == PLOT_LOG;
    double xsym = p->xscale == PLOT_SYMLOG && p->linthresh > 0 ? p->linthresh : 0;
    for (size_t s = 0; p->series && s < p->nseries; s++) {
        const plot_series *se = &p->series[s];
        if (!se->x || !se->y)
            continue;
        for (size_t i = 0; i < se->n; i++) {
            double x = se->x[i], y = se->y[i];
            if (!pl_valid_v(x, xl) || !pl_valid_v(y, yl))
                continue;
            e->npts++;
            ext_add(&e->xlo, &e->xhi, &e->hx, x);
            if (se->style == PLOT_STEPS)
                step_edges(se, i, xl, yl, xsym, &e->xlo, &e->xhi, &e->hx);
            ext_add(&e->ylo, &e->yhi, &e->hy, y);
            int bars = se->style == PLOT_POINTS ||
                       se->style == PLOT_LINE_POINTS;
            if (bars && se->yerr && isfinite(se->yerr[i])) {
                double d = fabs(se->yerr[i]);
                if (pl_valid_v(y + d, yl))
                    ext_add(&e->ylo, &e->yhi, &e->hy, y + d);
                if (pl_valid_v(y - d, yl))
                    ext_add(&e->ylo, &e->yhi, &e->hy, y - d);
            }
        }
    }
    for (size_t i = 0; p->vmarks && i < p->nvmarks; i++)
        if (pl_valid_v(p->vmarks[i], xl))
            ext_add(&e->xlo, &e->xhi, &e->hx, p->vmarks[i]);
    for (size_t i = 0; p->hlines && i < p->nhlines; i++)
        if (pl_valid_v(p->hlines[i], yl))
            ext_add(&e->ylo, &e->yhi, &e->hy, p->hlines[i]);
}

double pl_axis_t(const axis *a, double v)
{
    if (a->log)
        return v > 0 ? log10(v) : -INFINITY;
    if (a->sym)
        return plot_symlog(v, a->lt);
    return v;
}

void pl_axis_range(axis *a, double umin, double umax, plot_scale sc, double lt,
                   int have, double dlo, double dhi)
{
    int log = sc == PLOT_LOG;
    a->log = log;
    a->sym = sc == PLOT_SYMLOG;
    if (a->sym) {
        if (!(lt > 0) || !isfinite(lt)) {
            /* three decades of log below the largest magnitude */
            double big = 0;
            if (have)
                big = fmax(fabs(dlo), fabs(dhi));
            if (isfinite(umin) && isfinite(umax) && umin < umax)
                big = fmax(fabs(umin), fabs(umax));
            lt = big > 0 && isfinite(big) ? pow(10.0, floor(log10(big)) - 3.0) : 1.0;
        }
        a->lt = lt;
    } else {
        a->lt = 0;
    }
    if (isfinite(umin) && isfinite(umax) && umin < umax &&
        (!log || umin > 0)) {
        a->lo = umin;
        a->hi = umax;
    } else if (a->sym) {
        plot_symlog_range(dlo, dhi, have, a->lt, &a->lo, &a->hi);
    } else {
        plot_auto_range(dlo, dhi, have, log, &a->lo, &a->hi);
    }
    a->t0 = pl_axis_t(a, a->lo);
    a->t1 = pl_axis_t(a, a->hi);
    if (!(a->t1 > a->t0) || !isfinite(a->t1 - a->t0)) {
        /* e.g. -DBL_MAX..DBL_MAX: keep mapping finite */
        a->t0 = log ? 0 : -1;
        a->t1 = 1;
    }
}

void pl_axis_ticks(cairo_t *cr, axis *a, const metrics *m, size_t max)
{
    if (max > MAXMAJ)
        max = MAXMAJ;
    if (a->sym) {
        a->nmaj = plot_symlog_ticks(a->lo, a->hi, a->lt, a->maj, max);
        a->nmin = plot_symlog_minor_ticks(a->lo, a->hi, a->lt, a->maj, a->nmaj,
                                          a->mnr, MAXMIN);
        plot_symlog_labels(a->maj, a->nmaj, &a->lbl[0][0], PLOT_TICK_LABEL_MAX);
    } else {
        a->nmaj = plot_nice_ticks(a->lo, a->hi, a->log, a->maj, max);
        a->nmin = a->log ? plot_log_minor_ticks(a->lo, a->hi, a->maj, a->nmaj,
                                                a->mnr, MAXMIN)
                         : 0;
        plot_tick_labels(a->maj, a->nmaj, a->log, &a->lbl[0][0],
                         PLOT_TICK_LABEL_MAX);
    }
    a->asc = ASC_H * m->fs;
    a->desc = DESC_H * m->fs;
    a->wmax = 0;
    for (size_t i = 0; i < a->nmaj; i++) {
        tbox b = pl_text_measure(cr, a->lbl[i], m->fs);
        a->lw[i] = b.w;
        a->asc = fmax(a->asc, b.asc);
        a->desc = fmax(a->desc, b.desc);
        a->wmax = fmax(a->wmax, b.w);
    }
}

double pl_axis_frac(const axis *a, double v)
{
    double t = pl_axis_t(a, v);
    double f = (t - a->t0) / (a->t1 - a->t0);
    if (isnan(f))
        return -1e6;
    if (f > 1e6)
        return 1e6;
    if (f < -1e6)
        return -1e6;
    return f;
}

double pl_map_x(const axis *a, const rect *r, double v)
{
    return r->x0 + pl_axis_frac(a, v) * (r->x1 - r->x0);
}

double pl_map_y(const axis *a, const rect *r, double v)
{
    return r->y1 - pl_axis_frac(a, v) * (r->y1 - r->y0);
}
