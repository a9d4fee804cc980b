/* The Carleman figure (LIU24 Fig. 4): the error of the order-N
 * linearisation against time, one colour per grid point. */
#include "figure_priv.h"

#include <math.h>
#include <stdio.h>

/* ------------------------------------------------------------------------ */
/* Carleman figure (LIU24 Fig. 4): the error of the order-N linearisation    */
/* against time, one colour per grid point.                                  */
/* ------------------------------------------------------------------------ */

int fig_carleman(const qnn_result *res, builder *b, plot_figure *fig)
{
    arena *a = &b->a;
    const qnn_params *p0 = &res->points[0].params;
    const long P = res->npoints;
    long total_inst = 0;
    for (long k = 0; k < P; k++)
        total_inst += res->points[k].run->ninst;
    plot_panel *pn = fig_alloc(a, sizeof *pn);
    b->cap = (size_t)(total_inst + P + 4);
    if (!pn || !(pn->series = fig_alloc(a, b->cap * sizeof(plot_series))))
        return -1;
    pn->title = "error of the Carleman linearisation";
    pn->xlabel = "time t";
    pn->ylabel = "|u_{c}(t) − ŷ_{1,c}(t)|";
    pn->xscale = PLOT_LOG;
    pn->yscale = PLOT_LOG;
    const int faint = total_inst <= 400;
    double tmin = INFINITY, tmax = -INFINITY;
    for (long k = 0; k < P; k++) {
        const qnn_run *run = res->points[k].run;
        const int color = fig_point_color(res, k);
        if (faint)
            for (int i = 0; i < run->ninst; i++) {
                const qnn_run_instance *ri = &run->inst[i];
                const size_t n = fig_valid_nrec(ri);
                double *x = fig_alloc(a, (n ? n : 1) * sizeof(double)), *y = fig_alloc(a, (n ? n : 1) * sizeof(double));
                plot_series *sr = fig_add_series(b, pn);
                if (!x || !y || !sr)
                    return -1;
                for (size_t r = 0; r < n; r++) {
                    x[r] = ri->rec[r].time;
                    y[r] = fabs(ri->rec[r].eps);
                    tmin = fmin(tmin, x[r]);
                    tmax = fmax(tmax, x[r]);
                }
                sr->x = x; sr->y = y; sr->n = n;
                sr->style = PLOT_FAINT;
                sr->color = color;
            }
        /* the geometric mean: errors spread over decades between instances */
        double *gx, *gy;
        long len = fig_geo_xy(a, run, QNN_FIELD_ABS_EPS, 1, &gx, &gy);
        if (len < 0)
            return -1;
        for (long r = 0; r < len; r++) {
            tmin = fmin(tmin, gx[r]);
            tmax = fmax(tmax, gx[r]);
        }
        plot_series *sm = fig_add_series(b, pn);
        if (!sm)
            return -1;
        sm->x = gx; sm->y = gy; sm->n = (size_t)len;
        sm->style = PLOT_BOLD;
        sm->color = color;
        char lab[256];
        fig_point_caption(res, k, lab, sizeof lab);
        sm->label = fig_strdup(a, P == 1 ? "geometric mean over instances" : lab);
    }
    /* the system, from the first point (a swept key is in the legend) */
    int fixed_f = 1, fixed_n = 1;
    for (long k = 1; k < P; k++) {
        fixed_f &= res->points[k].params.ode_f == p0->ode_f;
        fixed_n &= res->points[k].params.ode_n == p0->ode_n;
    }
    char note[400], fs[32] = "f", ns[32] = "n", Ns[48] = "";
    if (fixed_f)
        snprintf(fs, sizeof fs, "f = %g", p0->ode_f);
    if (fixed_n)
        snprintf(ns, sizeof ns, "n = %d", p0->ode_n);
    int fixed_N = 1;
    for (long k = 1; k < P; k++)
        fixed_N &= res->points[k].params.carleman_order == p0->carleman_order;
    if (fixed_N)
        snprintf(Ns, sizeof Ns, ", order N = %d", p0->carleman_order);
    int diverged = 0;
    for (long k = 0; k < P; k++)
        diverged += res->points[k].sum.diverged;
    char dv[96] = "";
    if (diverged)
        snprintf(dv, sizeof dv, "\n%d run-away system%s (finite-time blow-up) end early", diverged, diverged > 1 ? "s" : "");
    snprintf(note, sizeof note,
             "du/dt = F_{1}u + F_{2}u⊗u, %s%s, %d instances\n"
             "F_{1} = −Q diag(h) Q^{T}, Q orthogonal: a fraction %s\nof h ~ U(0, 1) (dissipative), the rest U(−0.01, 0)\n"
             "F_{2} entries ~ U(−0.015, 0.015); u(0) ~ U(−%g, %g)^{n}\n"
             "c: a random component; bold: geometric mean%s",
             ns, Ns, res->points[0].run->ninst, fs, p0->ode_u0, p0->ode_u0, dv);
    pn->note = fig_strdup(a, note);
    pn->note_corner = PLOT_LOWER_RIGHT;
    if (tmin > 0 && tmax > tmin) {
        /* the log-spaced times of the run, not whole decades */
        pn->xmin = tmin / 1.15;
        pn->xmax = tmax * 1.15;
    }
    fig->panels = pn;
    fig->npanels = 1;
    fig->columns = 1;
    fig->width = 620;
    fig->height = 460;
    return 0;
}

