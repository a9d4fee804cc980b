/* The Hessian figure (LIU24 Fig. 2 analogue): spectra of instance 0 as
 * histograms, the error proxy, the accuracy and the positive fraction,
 * with the pruning events marked. */
#include "figure_priv.h"
#include "qnn/model.h"
#include "qnn/hessian.h"

#include <math.h>
#include <gsl/gsl_histogram.h>
#include <stdio.h>
#include <string.h>

/* ------------------------------------------------------------------------ */
/* Hessian figure (LIU24 Fig. 2 analogue): spectra of instance 0 as          */
/* histograms, the error proxy, the accuracy and the positive fraction.     */
/* ------------------------------------------------------------------------ */

/* Pruning steps of point pt (P, 2P, ... up to steps) into the arena. */
static long prune_steps(arena *a, const qnn_params *p, double **out)
{
    long n = p->prune_every > 0 ? p->steps / p->prune_every : 0;
    *out = fig_alloc(a, (size_t)(n > 0 ? n : 1) * sizeof(double));
    if (!*out)
        return -1;
    for (long j = 0; j < n; j++)
        (*out)[j] = (double)((j + 1) * (long)p->prune_every);
    return n;
}

/* Event markers: the pruning steps and the uploads after them. */
static int event_marks(arena *a, const qnn_params *p, plot_panel *pn)
{
    double *ps;
    long n = prune_steps(a, p, &ps);
    if (n < 0)
        return -1;
    double *vm = fig_alloc(a, (size_t)(2 * n + 1) * sizeof(double));
    if (!vm)
        return -1;
    size_t c = 0;
    for (long j = 0; j < n; j++) {
        vm[c++] = ps[j];
        if (p->prune_classical > 0 && ps[j] + p->prune_classical <= (double)p->steps)
            vm[c++] = ps[j] + p->prune_classical;
    }
    pn->vmarks = vm;
    pn->nvmarks = c;
    return 0;
}

int fig_hessian(const qnn_result *res, builder *b, plot_figure *fig)
{
    arena *a = &b->a;
    const qnn_point *pt0 = &res->points[0];
    const qnn_params *p0 = &pt0->params;
    const long P = res->npoints;
    const int faint = fig_faint_readable(res);
    long total_inst = 0;
    for (long k = 0; k < P; k++)
        total_inst += res->points[k].run->ninst;
    enum { NPAN = 4, NREG = 4, NPRUNE = 2 };
    plot_panel *pn = fig_alloc(a, NPAN * sizeof *pn);
    b->cap = (size_t)(3 * total_inst + 6 * P + NREG + NPRUNE + 8);
    if (!pn)
        return -1;
    for (int i = 0; i < NPAN; i++) {
        if (!(pn[i].series = fig_alloc(a, b->cap * sizeof(plot_series))))
            return -1;
        pn[i].xlabel = "step t";
        pn[i].xscale = PLOT_LINEAR;
        pn[i].yscale = PLOT_LINEAR;
        if (i > 0 && event_marks(a, p0, &pn[i]) != 0)
            return -1;
    }

    /* (a) spectra of instance 0 of the first point */
    const qnn_run_instance *ri = pt0->run->ninst > 0 ? &pt0->run->inst[0] : NULL;
    const size_t nspec = ri ? ri->nspec : 0;
    int slq = 0;
    for (size_t q = 0; q < nspec; q++)
        slq |= !ri->spec[q].exact;
    pn[0].title = "Hessian spectra";
    pn[0].xlabel = "Hessian eigenvalue λ";
    pn[0].ylabel = slq ? "eigenvalues per bin (SLQ estimate)" : "eigenvalues per bin";
    pn[0].yscale = PLOT_LOG;
    double lo, hi;
    if (nspec > 0 && qnn_hessian_hist_range(pt0, &lo, &hi) == 0) {
        /* the spectra right after a pruning (the first and the last one),
         * and up to NREG others spread over the run, early light, late dark */
        double *ps;
        long np = prune_steps(a, p0, &ps);
        if (np < 0)
            return -1;
        long pick_prune[NPRUNE] = { -1, -1 };
        for (int j = 0; j < NPRUNE && np > 0; j++) {
            const double want = ps[j == 0 ? 0 : np - 1];
            /* the spectrum at the pruning step, else the first after it */
            for (size_t q = 0; q < nspec; q++)
                if ((double)ri->spec[q].step >= want) {
                    pick_prune[j] = (long)q;
                    break;
                }
        }
        if (pick_prune[1] == pick_prune[0])
            pick_prune[1] = -1;
        char *is_post = fig_alloc(a, nspec);
        if (!is_post)
            return -1;
        for (size_t q = 0; q < nspec; q++) {
            /* right after a pruning: from the pruning step to its upload */
            for (long j = 0; j < np; j++)
                if ((double)ri->spec[q].step >= ps[j] && (double)ri->spec[q].step <= ps[j] + p0->prune_classical)
                    is_post[q] = 1;
        }
        size_t nreg = 0;
        for (size_t q = 0; q < nspec; q++)
            nreg += !is_post[q];
        long pick_reg[NREG];
        int npick = 0;
        for (int j = 0; j < NREG && nreg > 0; j++) {
            /* the j-th of NREG evenly spaced among the regular spectra */
            size_t want = nreg == 1 ? 0 : (size_t)llround((double)j * (double)(nreg - 1) / (NREG - 1));
            size_t c = 0;
            for (size_t q = 0; q < nspec; q++)
                if (!is_post[q] && c++ == want) {
                    if (npick == 0 || pick_reg[npick - 1] != (long)q)
                        pick_reg[npick++] = (long)q;
                    break;
                }
        }
        /* light to dark: sky blue, bluish green, blue, black */
        static const int reg_color[NREG] = { 5, 2, 0, 6 };
        const int bins = p0->hessian_bins;
        double cmin = INFINITY, cmax = 0.0;
        plot_series *hs[NREG + NPRUNE];
        int nhs = 0;
        for (int j = 0; j < npick + NPRUNE; j++) {
            long q = j < npick ? pick_reg[j] : pick_prune[j - npick];
            if (q < 0)
                continue;
            const qnn_spectrum_rec *sp = &ri->spec[q];
            qnn_spectrum v = { sp->n, sp->x, sp->w, sp->exact, sp->dim };
            gsl_histogram *h = gsl_histogram_alloc((size_t)bins);
            double *x = fig_alloc(a, (size_t)bins * sizeof(double)), *y = fig_alloc(a, (size_t)bins * sizeof(double));
            if (!h || !x || !y) {
                if (h)
                    gsl_histogram_free(h);
                return -1;
            }
            gsl_histogram_set_ranges_uniform(h, lo, hi);
            qnn_spectrum_histogram(&v, h, NULL);
            for (int i = 0; i < bins; i++) {
                double l, u;
                gsl_histogram_get_range(h, (size_t)i, &l, &u);
                x[i] = 0.5 * (l + u);
                y[i] = gsl_histogram_get(h, (size_t)i);
                if (y[i] > 0) {
                    cmin = fmin(cmin, y[i]);
                    cmax = fmax(cmax, y[i]);
                }
            }
            gsl_histogram_free(h);
            plot_series *sr = fig_add_series(b, &pn[0]);
            if (!sr)
                return -1;
            sr->x = x; sr->y = y; sr->n = (size_t)bins;
            sr->style = PLOT_STEPS;
            char lab[96];
            if (j < npick) {
                /* spread the four shades over the picks */
                int shade = npick == 1 ? NREG - 1 : (int)llround((double)j * (NREG - 1) / (npick - 1));
                sr->color = reg_color[shade];
                snprintf(lab, sizeof lab, "t = %ld", sp->step);
            } else {
                sr->color = j == npick ? 1 : 3;
                const long pstep = (long)ps[j == npick ? 0 : np - 1];
                if (sp->step == pstep)
                    snprintf(lab, sizeof lab, "t = %ld, just pruned", sp->step);
                else
                    snprintf(lab, sizeof lab, "t = %ld, pruned at %ld", sp->step, pstep);
            }
            sr->label = fig_strdup(a, lab);
            hs[nhs++] = sr;
        }
        /* empty bins: below the axis, so that an outline drops to the
         * bottom instead of breaking */
        if (cmax > 0) {
            /* SLQ bins may hold a small fraction of an eigenvalue: below a
             * tenth of one the estimate is noise */
            double floor_ = fmax(fmax(cmin, cmax * 1e-7), slq ? 0.1 : 0.0);
            pn[0].ymin = pow(10.0, floor(log10(floor_ * 0.5)));
            /* the upper 40 % for the legend: the bulk peaks near λ = 0, the
             * outliers on either side are single eigenvalues */
            const double span = log10(cmax * 1.5) - log10(pn[0].ymin);
            pn[0].ymax = pow(10.0, ceil(log10(pn[0].ymin) + span / 0.6));
            for (int j = 0; j < nhs; j++)
                for (size_t i = 0; i < hs[j]->n; i++)
                    if (!(hs[j]->y[i] >= pn[0].ymin))
                        ((double *)hs[j]->y)[i] = pn[0].ymin * 1e-3;
        }
        pn[0].xmin = lo;
        pn[0].xmax = hi;
        /* the cut of the error proxy: |a| = cut at λ = ±cut/s */
        const double sc = p0->proxy_scale == QNN_PROXY_ETA ? qnn_params_eta(p0) : 1.0;
        double *vm = fig_alloc(a, 2 * sizeof(double));
        if (!vm)
            return -1;
        size_t nv = 0;
        if (sc > 0 && p0->proxy_cut > 0) {
            const double c = p0->proxy_cut / sc;
            if (-c > lo && -c < hi)
                vm[nv++] = -c;
            if (c > lo && c < hi)
                vm[nv++] = c;
        }
        pn[0].vmarks = vm;
        pn[0].nvmarks = nv;
        char t[160], xl[160];
        snprintf(t, sizeof t, "Hessian spectra, %s (P = %zu%s)", P > 1 ? "instance 0 of the first point" : "instance 0",
                 ri->spec[0].dim, slq ? ", SLQ" : "");
        pn[0].title = fig_strdup(a, t);
        snprintf(xl, sizeof xl, "Hessian eigenvalue λ%s", nv ? (sc == 1.0 && p0->proxy_scale != QNN_PROXY_ETA
                                                                   ? "  (dashed: |λ| = cut)" : "  (dashed: |ηλ| = cut)") : "");
        pn[0].xlabel = fig_strdup(a, xl);
    } else {
        pn[0].note = "no Hessian spectra recorded";
    }

    /* (b) the LIU24 error proxy */
    pn[1].title = "LIU24 error proxy (Eq. III.12)";
    pn[1].ylabel = "proxy(τ)";
    pn[1].yscale = PLOT_LOG;
    if (fig_curves(res, b, &pn[1], QNN_FIELD_PROXY, 1, faint, "geometric mean over instances", 1, 0) != 0)
        return -1;
    const int pruning = p0->prune_every > 0;   /* sparse training (the mlp's) */
    {
        double *hl = fig_alloc(a, sizeof(double));
        const char **hll = fig_alloc(a, sizeof(char *));
        if (!hl || !hll)
            return -1;
        hl[0] = 1.0;
        hll[0] = NULL;
        /* the reference line at 1: a dashed series across the run, so that
         * it is in the legend */
        double *lx = fig_alloc(a, 2 * sizeof(double)), *ly = fig_alloc(a, 2 * sizeof(double));
        plot_series *s1 = fig_add_series(b, &pn[1]);
        if (!lx || !ly || !s1)
            return -1;
        lx[0] = 0.0;
        lx[1] = (double)p0->steps;
        ly[0] = ly[1] = 1.0;
        s1->x = lx; s1->y = ly; s1->n = 2;
        s1->style = PLOT_DASHED;
        s1->color = -1;
        s1->label = pruning ? "1 (classical steps after a pruning)" : "1";
        char note[300];
        const int by_eta = p0->proxy_scale == QNN_PROXY_ETA;
        snprintf(note, sizeof note, "a = −%sλ, modes with |a| ≥ %g kept;\nτ = steps since the last upload%s%s",
                 by_eta ? "η" : "", p0->proxy_cut,
                 pruning ? "\ndashed verticals: prunings, uploads" : " (step 0)",
                 fig_have_field(res, QNN_FIELD_PROXY) ? "" : "\nno mode with |a| ≥ cut: no proxy");
        pn[1].note = fig_strdup(a, note);
    }

    /* (c) accuracy, or the loss */
    if (fig_have_field(res, QNN_FIELD_ACCURACY)) {
        pn[2].title = "accuracy";
        pn[2].ylabel = "fraction correct";
        if (fig_curves(res, b, &pn[2], QNN_FIELD_ACCURACY, 1, faint && P == 1 && total_inst <= 20, "training", 0, 1) != 0)
            return -1;
        if (fig_have_field(res, QNN_FIELD_TEST_ACCURACY)) {
            /* the test accuracy in the next colour, no faint curves */
            for (long k = 0; k < P; k++) {
                double *x, *y;
                long n = fig_ens_xy(a, res->points[k].run, QNN_FIELD_TEST_ACCURACY, 1.0, 1.0, 1, &x, &y);
                plot_series *sr = fig_add_curve(b, &pn[2], x, y, n, PLOT_DASHED, P == 1 ? 1 : fig_point_color(res, k));
                if (!sr)
                    return -1;
                sr->label = k == 0 ? (P == 1 ? "test (held out)" : "test (dashed)") : NULL;
            }
        }
        pn[2].ymin = 0.0;
        pn[2].ymax = 1.0;
        pn[2].note_corner = PLOT_LOWER_RIGHT;
    } else {
        const int use_loss = p0->curve == QNN_CURVE_LOSS || !strcmp(p0->model->figure, "mlp");
        const int rms = p0->m > 1 && (p0->task == QNN_TASK_SUPERVISED || p0->model->kernel_unit ||
                                      qnn_model_has(p0->model, QNN_CAP_FLOW));
        pn[2].title = use_loss ? "training loss" : rms ? "training error (rms residual)" : "training error";
        pn[2].ylabel = use_loss ? "L(t)" : rms ? "ε_{rms}(t)" : "|ε(t)|";
        pn[2].yscale = PLOT_LOG;
        if (fig_curves(res, b, &pn[2], use_loss ? QNN_FIELD_LOSS : QNN_FIELD_ABS_EPS, 0, faint, "ensemble mean", 0, 1) != 0)
            return -1;
    }

    /* (d) fraction of positive eigenvalues */
    pn[3].title = "positive (dissipative) Hessian eigenvalues";
    pn[3].ylabel = "fraction with λ > 0";
    if (fig_curves(res, b, &pn[3], QNN_FIELD_H_FRAC_POS, 1, faint, "ensemble mean", 0, 0) != 0)
        return -1;
    fig->panels = pn;
    fig->npanels = NPAN;
    fig->columns = 2;
    fig->width = 820;
    fig->height = 640;
    return 0;
}

