/* The rate figure (YOU23 Fig. 2): one-sample training curves and the
 * measured rate against Cor. 4.3's prediction. */
#include "figure_priv.h"

#include <math.h>
#include <stdio.h>

/* ------------------------------------------------------------------------ */
/* Rate figure (YOU23 Fig. 2): one-sample training curves, and the measured */
/* rate −d ln|r|/dt against Cor. 4.3's 2(γ² − ŷ²).                          */
/* ------------------------------------------------------------------------ */

/* Records below this loss are left out of the rate: there the updates
 * η r ∂r/∂θ fall below the resolution of θ and the decay stalls. */
static const int rate_loss_floor_exp = -20;

int fig_rate(const qnn_result *res, builder *b, plot_figure *fig)
{
    arena *a = &b->a;
    const long P = res->npoints;
    const double rate_loss_floor = pow(10.0, rate_loss_floor_exp);
    long total_inst = 0;
    for (long k = 0; k < P; k++)
        total_inst += res->points[k].run->ninst;
    const int faint = total_inst <= 80;
    enum { MAXPTS = 80 };   /* scatter points per instance */

    plot_panel *pn = fig_alloc(a, 2 * sizeof *pn);
    size_t cap = (size_t)(total_inst * 2 + P * 2 + 8);
    b->cap = cap;
    if (!pn)
        return -1;
    for (int i = 0; i < 2; i++) {
        pn[i].series = fig_alloc(a, cap * sizeof(plot_series));
        if (!pn[i].series)
            return -1;
    }
    pn[0].title = "training curves (mean bold, instances faint)";
    pn[0].xlabel = "flow time t";
    pn[0].ylabel = "L(t) = r^{2}/2";
    pn[0].xscale = PLOT_LINEAR;
    pn[0].yscale = PLOT_LOG;
    pn[1].title = "convergence rate against YOU23 Cor. 4.3";
    pn[1].xlabel = "2(γ^{2} − ŷ^{2}) / γ^{2}";
    pn[1].ylabel = "(−d ln|r|/dt) / γ^{2}";
    pn[1].xscale = PLOT_LINEAR;
    pn[1].yscale = PLOT_LINEAR;

    /* all scatter points, for the fit */
    size_t maxall = (size_t)total_inst * (MAXPTS + 2);
    double *fx = fig_alloc(a, (maxall ? maxall : 1) * sizeof(double));
    double *fy = fig_alloc(a, (maxall ? maxall : 1) * sizeof(double));
    if (!fx || !fy)
        return -1;
    size_t nall = 0;
    double xlo = INFINITY, xhi = -INFINITY;
    for (long k = 0; k < P; k++) {
        const qnn_point *pt = &res->points[k];
        const qnn_run *run = pt->run;
        const double xs = fig_run_dt(run);
        char lab[256];
        fig_point_caption(res, k, lab, sizeof lab);
        const int color = P == 1 ? 0 : (int)k;
        const qnn_field f = QNN_FIELD_LOSS;
        size_t k0 = nall;
        plot_series *first = NULL;
        for (int i = 0; i < run->ninst; i++) {
            const qnn_run_instance *ri = &run->inst[i];
            if (faint) {
                double *x, *y;
                long n = fig_inst_xy(a, ri, f, xs, 1.0, 0, &x, &y);
                plot_series *sr = fig_add_curve(b, &pn[0], x, y, n, PLOT_FAINT, color);
                if (!sr)
                    return -1;
            }
            /* finite differences of ln|r| between consecutive records,
             * away from sign changes and the floor where the updates
             * η r ∂r/∂θ fall below the resolution of θ (at p = 320 the
             * rate collapses near L ~ 1e-22, sharply) */
            size_t n = fig_valid_nrec(ri), nok = 0;
            char *ok = fig_alloc(a, n + 1);
            if (!ok)
                return -1;
            for (size_t r = 0; r + 1 < n; r++) {
                const qnn_obs *o0 = &ri->rec[r], *o1 = &ri->rec[r + 1];
                double rx, ry;
                ok[r] = qnn_rate_interval(o0, o1, pt->params.gamma, rate_loss_floor, &rx, &ry) &&
                        isfinite(o0->yhat0) && isfinite(o1->yhat0);
                nok += ok[r] != 0;
            }
            size_t stride = nok > MAXPTS ? (nok + MAXPTS - 1) / MAXPTS : 1, seen = 0;
            double *x = fig_alloc(a, (nok ? nok : 1) * sizeof(double));
            double *y = fig_alloc(a, (nok ? nok : 1) * sizeof(double));
            if (!x || !y)
                return -1;
            size_t c = 0;
            for (size_t r = 0; r + 1 < n; r++) {
                if (!ok[r] || seen++ % stride != 0)
                    continue;
                qnn_rate_interval(&ri->rec[r], &ri->rec[r + 1], pt->params.gamma, rate_loss_floor, &x[c], &y[c]);
                if (nall < maxall) {
                    fx[nall] = x[c];
                    fy[nall] = y[c];
                    nall++;
                }
                xlo = fmin(xlo, x[c]);
                xhi = fmax(xhi, x[c]);
                c++;
            }
            plot_series *sp = fig_add_series(b, &pn[1]);
            if (!sp)
                return -1;
            sp->x = x; sp->y = y; sp->n = c;
            sp->style = PLOT_POINTS;
            sp->color = color;
            if (i == 0)
                first = sp;
        }
        /* least-squares slope through the origin of this point's scatter */
        const double c1 = qnn_fit_origin(fx + k0, fy + k0, nall - k0, NULL);
        if (first) {
            char sl[300];
            snprintf(sl, sizeof sl, "%s: slope %.3f", P == 1 ? "measured" : lab, c1);
            first->label = fig_strdup(a, sl);
        }

        double *t, *mean;
        long nm = fig_ens_xy(a, run, f, xs, 1.0, 0, &t, &mean);
        plot_series *sm = fig_add_curve(b, &pn[0], t, mean, nm, PLOT_BOLD, color);
        if (!sm)
            return -1;
        /* several points: their colours are named in the lower legend */
        sm->label = P == 1 ? "ensemble mean" : NULL;
    }
    /* Cor. 4.3: the rate is the asymptotic kernel k = 2(γ² − ŷ²) */
    if (isfinite(xlo) && isfinite(xhi)) {
        double pad = 0.04 * (xhi - xlo > 0 ? xhi - xlo : 1.0);
        double *lx = fig_alloc(a, 2 * sizeof(double)), *ly = fig_alloc(a, 2 * sizeof(double));
        plot_series *sl = fig_add_series(b, &pn[1]);
        if (!lx || !ly || !sl)
            return -1;
        lx[0] = ly[0] = xlo - pad;
        lx[1] = ly[1] = xhi + pad;
        sl->x = lx; sl->y = ly; sl->n = 2;
        sl->style = PLOT_DASHED;
        sl->color = -1;
        sl->label = "Cor. 4.3: rate = 2(γ^{2} − ŷ^{2})";
    }
    char note[256];
    const double c1 = qnn_fit_origin(fx, fy, nall, NULL);
    snprintf(note, sizeof note, "least-squares slope, all points: %.3f\nt = η p/m × steps (YOU23 Thm. 4.2)\nintervals with L < 10^{−%d} left out",
             c1, -rate_loss_floor_exp);
    pn[1].note = fig_strdup(a, note);
    pn[1].note_corner = PLOT_LOWER_RIGHT; /* the points lie along the diagonal */
    fig->panels = pn;
    fig->npanels = 2;
    fig->columns = 1;
    fig->width = 520;
    fig->height = 640;
    return 0;
}

