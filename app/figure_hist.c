/* The histogram figure (OME Fig. 4): the distribution over instances of
 * a quantity at t = 0. */
#include "figure_priv.h"
#include "qnn/model.h"

#include <math.h>
#include <gsl/gsl_histogram.h>
#include <stdio.h>
#include <string.h>

/* ------------------------------------------------------------------------ */
/* Histogram figure (OME Fig. 4): the distribution over instances of a       */
/* quantity at t = 0, one panel per value of the first swept key when there */
/* are two or more, one outline per remaining grid point.                    */
/* ------------------------------------------------------------------------ */

static double hist_value(const qnn_run_instance *ri, int which)
{
    if (ri->nrec == 0)
        return NAN;
    const qnn_obs *o = &ri->rec[0];
    return which == 0 ? o->tdist : which == 1 ? o->entropy : o->grad_inf;
}

static const char *model_title(const qnn_params *p)
{
    return p->model->title;
}

int fig_histogram(const qnn_result *res, builder *b, plot_figure *fig)
{
    arena *a = &b->a;
    const qnn_preset *ps = res->preset;
    const qnn_params *p0 = &res->points[0].params;
    const int which = strstr(p0->stats, "entropy_t0") == p0->stats ? 1
                      : strstr(p0->stats, "grad_inf") == p0->stats ? 2 : 0;
    const int split = ps->nsweep >= 2;
    const int npan = split ? ps->sweep[0].nvalues : 1;
    const long P = res->npoints, per = P / npan;
    plot_panel *pn = fig_alloc(a, (size_t)npan * sizeof *pn);
    b->cap = (size_t)per + 4;
    if (!pn)
        return -1;
    for (int q = 0; q < npan; q++) {
        plot_panel *pp = &pn[q];
        pp->series = fig_alloc(a, b->cap * sizeof(plot_series));
        double *vm = fig_alloc(a, (size_t)per * sizeof(double));
        if (!pp->series || !vm)
            return -1;
        pp->vmarks = vm;
        pp->xlabel = which == 0 ? "½‖ρ_{v} − I/D_{v}‖_{1}" : which == 1 ? "S(ρ_{v})" : "‖∇L‖_{∞}";
        pp->ylabel = "probability density";
        pp->xscale = PLOT_LINEAR;
        pp->yscale = PLOT_LINEAR;
        const qnn_point *first = &res->points[(long)q * per];
        pp->title = split && !strcmp(ps->sweep[0].key, "model") ? model_title(&first->params)
                    : split ? fig_strdup(a, ps->sweep[0].values[first->value_index[0]]) : model_title(p0);
        /* one range for the panel so that the outlines compare */
        double hi = 0.0;
        for (long k = (long)q * per; k < (long)(q + 1) * per; k++)
            for (int i = 0; i < res->points[k].run->ninst; i++) {
                double v = hist_value(&res->points[k].run->inst[i], which);
                if (isfinite(v) && v > hi)
                    hi = v;
            }
        if (!(hi > 0.0))
            hi = 1.0;
        const size_t nb = 40;
        for (long k = (long)q * per; k < (long)(q + 1) * per; k++) {
            const qnn_point *pt = &res->points[k];
            gsl_histogram *h = gsl_histogram_alloc(nb);
            double *x = fig_alloc(a, nb * sizeof(double)), *y = fig_alloc(a, nb * sizeof(double));
            if (!h || !x || !y) {
                if (h)
                    gsl_histogram_free(h);
                return -1;
            }
            gsl_histogram_set_ranges_uniform(h, 0.0, hi * (1.0 + 1e-9));
            size_t cnt = 0;
            for (int i = 0; i < pt->run->ninst; i++) {
                double v = hist_value(&pt->run->inst[i], which);
                if (isfinite(v) && gsl_histogram_increment(h, v) == 0)
                    cnt++;
            }
            const double w = hi * (1.0 + 1e-9) / (double)nb;
            for (size_t j = 0; j < nb; j++) {
                double lo, up;
                gsl_histogram_get_range(h, j, &lo, &up);
                x[j] = 0.5 * (lo + up);
                y[j] = cnt ? gsl_histogram_get(h, j) / ((double)cnt * w) : NAN;
            }
            gsl_histogram_free(h);
            plot_series *sr = fig_add_series(b, pp);
            if (!sr)
                return -1;
            sr->x = x; sr->y = y; sr->n = nb;
            sr->style = PLOT_STEPS;
            sr->color = (int)(k - (long)q * per);
            char lab[160];
            size_t off = 0;
            lab[0] = '\0';
            for (int s2 = split ? 1 : 0; s2 < ps->nsweep && off < sizeof lab; s2++) {
                int wr = snprintf(lab + off, sizeof lab - off, "%s%s = %s", off ? ", " : "",
                                  fig_key_symbol(ps->sweep[s2].key, &pt->params), ps->sweep[s2].values[pt->value_index[s2]]);
                if (wr < 0)
                    break;
                off += (size_t)wr;
            }
            sr->label = fig_strdup(a, lab);
            const qnn_theory_value *tb = which == 0 ? qnn_summary_theory(&pt->sum, "trace_distance_bound") : NULL;
            if (tb)
                vm[pp->nvmarks++] = tb->value;
        }
        /* the vertical lines in the legend (a series without points) */
        if (which == 0 && pp->nvmarks) {
            plot_series *sr = fig_add_series(b, pp);
            if (!sr)
                return -1;
            sr->x = sr->y = vm;
            sr->n = 0;
            sr->style = PLOT_DASHED;
            sr->color = -1;
            sr->label = "½√(D_{v}/D_{h}) (OME Prop. 2)";
        }
        /* headroom above the tallest bin: the legend goes there, not over
         * the outlines */
        double top = 0.0;
        for (size_t s = 0; s < pp->nseries; s++)
            for (size_t j = 0; j < pp->series[s].n; j++)
                if (isfinite(pp->series[s].y[j]) && pp->series[s].y[j] > top)
                    top = pp->series[s].y[j];
        if (top > 0.0) {
            pp->ymin = 0.0;
            pp->ymax = 1.6 * top;
        }
    }
    fig->panels = pn;
    fig->npanels = (size_t)npan;
    fig->columns = npan;
    fig->width = 360.0 * npan;
    fig->height = 320;
    return 0;
}

