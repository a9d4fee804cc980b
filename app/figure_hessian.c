/* The Hessian figure (LIU24 Fig. 2 analogue): spectra of instance 0 as
 * histograms, the error proxy, the accuracy and the positive fraction,
 * with the pruning events marked. */
#include "figure_priv.h"
#include "qnn/model.h"
#include "qnn/hessian.h"

#include <math.h>
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

enum { NPAN = 4, NREG = 4, NPRUNE = 2 };

/* What the parts of the Hessian figure share. */
typedef struct hess_fig {
    const qnn_result *res;
    builder *b;
    arena *a;
    plot_panel *pn;        /* NPAN panels */
    const qnn_params *p0;  /* the first point's */
    long P;
    long total_inst;
    int faint;
} hess_fig;

/* The spectra to draw: those right after a pruning (the first and the
 * last one) into pick_prune (-1: none), and up to NREG others spread over
 * the run into pick_reg (*npick of them). ps: the np pruning steps.
 * 0 or -1. */
static int pick_spectra(const hess_fig *t, const qnn_run_instance *ri, const double *ps, long np,
                        long pick_prune[NPRUNE], long pick_reg[NREG], int *npick)
{
    const size_t nspec = ri->nspec;
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
    char *is_post = fig_alloc(t->a, nspec);
    if (!is_post)
        return -1;
    for (size_t q = 0; q < nspec; q++) {
        /* right after a pruning: from the pruning step to its upload */
        for (long j = 0; j < np; j++)
            if ((double)ri->spec[q].step >= ps[j] && (double)ri->spec[q].step <= ps[j] + t->p0->prune_classical)
                is_post[q] = 1;
    }
    size_t nreg = 0;
    for (size_t q = 0; q < nspec; q++)
        nreg += !is_post[q];
    *npick = 0;
    for (int j = 0; j < NREG && nreg > 0; j++) {
        /* the j-th of NREG evenly spaced among the regular spectra */
        size_t want = nreg == 1 ? 0 : (size_t)llround((double)j * (double)(nreg - 1) / (NREG - 1));
        size_t c = 0;
        for (size_t q = 0; q < nspec; q++)
            if (!is_post[q] && c++ == want) {
                if (*npick == 0 || pick_reg[*npick - 1] != (long)q)
                    pick_reg[(*npick)++] = (long)q;
                break;
            }
    }
    return 0;
}

/* Spectrum sp as a step outline of p0->hessian_bins bins over [lo, hi)
 * in panel 0, counting eigenvalues; widens [*cmin, *cmax] to its
 * nonzero bins. NULL when memory runs out. */
static plot_series *spectrum_series(hess_fig *t, const qnn_spectrum_rec *sp, double lo, double hi,
                                    double *cmin, double *cmax)
{
    const int bins = t->p0->hessian_bins;
    qnn_spectrum v = { sp->n, sp->x, sp->w, sp->exact, sp->dim };
    double *edge = fig_alloc(t->a, ((size_t)bins + 1) * sizeof(double));
    double *x = fig_alloc(t->a, (size_t)bins * sizeof(double)), *y = fig_alloc(t->a, (size_t)bins * sizeof(double));
    /* an empty spectrum: empty bins (EARGS, counts zero) */
    if (!edge || !x || !y || qnn_spectrum_histogram(&v, lo, hi, (size_t)bins, edge, y, NULL) == QNN_HESS_ENOMEM)
        return NULL;
    for (int i = 0; i < bins; i++) {
        x[i] = 0.5 * (edge[i] + edge[i + 1]);
        if (y[i] > 0) {
            *cmin = fmin(*cmin, y[i]);
            *cmax = fmax(*cmax, y[i]);
        }
    }
    plot_series *sr = fig_add_series(t->b, &t->pn[0]);
    if (!sr)
        return NULL;
    sr->x = x; sr->y = y; sr->n = (size_t)bins;
    sr->style = PLOT_STEPS;
    return sr;
}

/* Panel 0's y range over the counts [cmin, cmax] of the nhs outlines hs,
 * with empty bins below the axis, so that an outline drops to the bottom
 * instead of breaking. */
static void spectra_yrange(plot_panel *pn, plot_series **hs, int nhs, double cmin, double cmax, int slq)
{
    if (!(cmax > 0))
        return;
    /* SLQ bins may hold a small fraction of an eigenvalue: below a
     * tenth of one the estimate is noise */
    double floor_ = fmax(fmax(cmin, cmax * 1e-7), slq ? 0.1 : 0.0);
    pn->ymin = pow(10.0, floor(log10(floor_ * 0.5)));
    /* the upper 40 % for the legend: the bulk peaks near λ = 0, the
     * outliers on either side are single eigenvalues */
    const double span = log10(cmax * 1.5) - log10(pn->ymin);
    pn->ymax = pow(10.0, ceil(log10(pn->ymin) + span / 0.6));
    for (int j = 0; j < nhs; j++)
        for (size_t i = 0; i < hs[j]->n; i++)
            if (!(hs[j]->y[i] >= pn->ymin))
                ((double *)hs[j]->y)[i] = pn->ymin * 1e-3;
}

/* Panel 0's x range [lo, hi], the cut of the error proxy (|a| = cut at
 * λ = ±cut/s) as dashed verticals, its title and x label. 0 or -1. */
static int spectra_axes(hess_fig *t, const qnn_run_instance *ri, double lo, double hi, int slq)
{
    plot_panel *pn = &t->pn[0];
    const qnn_params *p0 = t->p0;
    pn->xmin = lo;
    pn->xmax = hi;
    /* the cut of the error proxy: |a| = cut at λ = ±cut/s */
    const double sc = p0->proxy_scale == QNN_PROXY_ETA ? qnn_params_eta(p0) : 1.0;
    double *vm = fig_alloc(t->a, 2 * sizeof(double));
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
    pn->vmarks = vm;
    pn->nvmarks = nv;
    char ti[160], xl[160];
    snprintf(ti, sizeof ti, "Hessian spectra, %s (P = %zu%s)", t->P > 1 ? "instance 0 of the first point" : "instance 0",
             ri->spec[0].dim, slq ? ", SLQ" : "");
    pn->title = fig_strdup(t->a, ti);
    snprintf(xl, sizeof xl, "Hessian eigenvalue λ%s", nv ? (sc == 1.0 && p0->proxy_scale != QNN_PROXY_ETA
                                                               ? "  (dashed: |λ| = cut)" : "  (dashed: |ηλ| = cut)") : "");
    pn->xlabel = fig_strdup(t->a, xl);
    return 0;
}

/* (a) The spectra of instance 0 of the first point as histograms: right
 * after a pruning in their own colours, the others early light, late
 * dark. 0 or -1. */
static int hess_spectra(hess_fig *t)
{
    const qnn_point *pt0 = &t->res->points[0];
    const qnn_params *p0 = t->p0;
    plot_panel *pn = t->pn;
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
    if (!(nspec > 0 && qnn_hessian_hist_range(pt0, &lo, &hi) == 0)) {
        pn[0].note = "no Hessian spectra recorded";
        return 0;
    }
    double *ps;
    long np = prune_steps(t->a, p0, &ps);
    if (np < 0)
        return -1;
    long pick_prune[NPRUNE] = { -1, -1 };
    long pick_reg[NREG];
    int npick;
    if (pick_spectra(t, ri, ps, np, pick_prune, pick_reg, &npick) != 0)
        return -1;
    /* light to dark: sky blue, bluish green, blue, black */
    static const int reg_color[NREG] = { 5, 2, 0, 6 };
    double cmin = INFINITY, cmax = 0.0;
    plot_series *hs[NREG + NPRUNE];
    int nhs = 0;
    for (int j = 0; j < npick + NPRUNE; j++) {
        long q = j < npick ? pick_reg[j] : pick_prune[j - npick];
        if (q < 0)
            continue;
        const qnn_spectrum_rec *sp = &ri->spec[q];
        plot_series *sr = spectrum_series(t, sp, lo, hi, &cmin, &cmax);
        if (!sr)
            return -1;
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
        sr->label = fig_strdup(t->a, lab);
        hs[nhs++] = sr;
    }
    spectra_yrange(&pn[0], hs, nhs, cmin, cmax, slq);
    return spectra_axes(t, ri, lo, hi, slq);
}

/* (b) The LIU24 error proxy, the reference line at 1 and a note on its
 * reading. 0 or -1. */
static int hess_proxy(hess_fig *t)
{
    const qnn_params *p0 = t->p0;
    plot_panel *pn = &t->pn[1];
    pn->title = "LIU24 error proxy (Eq. III.12)";
    pn->ylabel = "proxy(τ)";
    pn->yscale = PLOT_LOG;
    if (fig_curves(t->res, t->b, pn, QNN_FIELD_PROXY, 1, t->faint, "geometric mean over instances", 1, 0) != 0)
        return -1;
    const int pruning = p0->prune_every > 0;   /* sparse training (the mlp's) */
    double *hl = fig_alloc(t->a, sizeof(double));
    const char **hll = fig_alloc(t->a, sizeof(char *));
    if (!hl || !hll)
        return -1;
    /* the reference line at 1, labelled on the line (placed off the
     * curves): the legend keeps one entry and fits above the curves */
    hl[0] = 1.0;
    hll[0] = pruning ? "1: classical steps after a pruning" : "1";
    pn->hlines = hl;
    pn->hline_labels = hll;
    pn->nhlines = 1;
    char note[300];
    const int by_eta = p0->proxy_scale == QNN_PROXY_ETA;
    snprintf(note, sizeof note, "a = −%sλ, modes with |a| ≥ %g kept;\nτ = steps since the last upload%s%s",
             by_eta ? "η" : "", p0->proxy_cut, pruning ? "" : " (step 0)",
             fig_have_field(t->res, QNN_FIELD_PROXY) ? "" : "\nno mode with |a| ≥ cut: no proxy");
    if (pruning)
        pn->xlabel = "step t  (dashed: prunings, uploads)";
    pn->note = fig_strdup(t->a, note);
    /* a band above the curves for the legend and one below for the note:
     * neither covers a curve */
    double ylo = INFINITY, yhi = 0.0;
    for (size_t s = 0; s < pn->nseries; s++)
        for (size_t i = 0; i < pn->series[s].n; i++) {
            double v = pn->series[s].y[i];
            if (isfinite(v) && v > 0) {
                ylo = fmin(ylo, v);
                yhi = fmax(yhi, v);
            }
        }
    if (yhi > 0 && isfinite(ylo) && yhi > ylo) {
        const double l0 = floor(log10(ylo)), l1 = ceil(log10(yhi));
        pn->ymin = pow(10.0, l0 - ceil(0.45 * (l1 - l0)));
        pn->ymax = pow(10.0, l1 + ceil(0.3 * (l1 - l0)));
    }
    return 0;
}

/* (c) The training and test accuracy where recorded, else the loss or
 * the error. 0 or -1. */
static int hess_progress(hess_fig *t)
{
    const qnn_result *res = t->res;
    const qnn_params *p0 = t->p0;
    const long P = t->P;
    plot_panel *pn = &t->pn[2];
    if (fig_have_field(res, QNN_FIELD_ACCURACY)) {
        pn->title = "accuracy";
        pn->ylabel = "fraction correct";
        if (fig_curves(res, t->b, pn, QNN_FIELD_ACCURACY, 1, t->faint && P == 1 && t->total_inst <= 20, "training", 0, 1) != 0)
            return -1;
        if (fig_have_field(res, QNN_FIELD_TEST_ACCURACY)) {
            /* the test accuracy in the next colour, no faint curves */
            for (long k = 0; k < P; k++) {
                double *x, *y;
                long n = fig_ens_xy(t->a, res->points[k].run, QNN_FIELD_TEST_ACCURACY, 1.0, 1.0, 1, &x, &y);
                plot_series *sr = fig_add_curve(t->b, pn, x, y, n, PLOT_DASHED, P == 1 ? 1 : fig_point_color(res, k));
                if (!sr)
                    return -1;
                sr->label = k == 0 ? (P == 1 ? "test (held out)" : "test (dashed)") : NULL;
            }
        }
        pn->ymin = 0.0;
        pn->ymax = 1.0;
        pn->note_corner = PLOT_LOWER_RIGHT;
        return 0;
    }
    const int use_loss = p0->curve == QNN_CURVE_LOSS || fig_kind_of(p0->model)->loss;
    const int rms = p0->m > 1 && (p0->task == QNN_TASK_SUPERVISED || p0->model->kernel_unit ||
                                  qnn_model_has(p0->model, QNN_CAP_FLOW));
    pn->title = use_loss ? "training loss" : rms ? "training error (rms residual)" : "training error";
    pn->ylabel = use_loss ? "L(t)" : rms ? "ε_{rms}(t)" : "|ε(t)|";
    pn->yscale = PLOT_LOG;
    return fig_curves(res, t->b, pn, use_loss ? QNN_FIELD_LOSS : QNN_FIELD_ABS_EPS, 0, t->faint, "ensemble mean", 0, 1);
}

int fig_hessian(const qnn_result *res, builder *b, plot_figure *fig)
{
    hess_fig t = { .res = res, .b = b, .a = &b->a, .p0 = &res->points[0].params, .P = res->npoints };
    t.faint = fig_faint_readable(res);
    for (long k = 0; k < t.P; k++)
        t.total_inst += res->points[k].run->ninst;
    plot_panel *pn = fig_alloc(t.a, NPAN * sizeof *pn);
    b->cap = (size_t)(3 * t.total_inst + 6 * t.P + NREG + NPRUNE + 8);
    if (!pn)
        return -1;
    t.pn = pn;
    for (int i = 0; i < NPAN; i++) {
        if (!(pn[i].series = fig_alloc(t.a, b->cap * sizeof(plot_series))))
            return -1;
        pn[i].xlabel = "step t";
        pn[i].xscale = PLOT_LINEAR;
        pn[i].yscale = PLOT_LINEAR;
        if (i > 0 && event_marks(t.a, t.p0, &pn[i]) != 0)
            return -1;
    }
    if (hess_spectra(&t) != 0 || hess_proxy(&t) != 0 || hess_progress(&t) != 0)
        return -1;

    /* (d) fraction of positive eigenvalues */
    pn[3].title = "positive (dissipative) Hessian eigenvalues";
    pn[3].ylabel = "fraction with λ > 0";
    if (fig_curves(res, b, &pn[3], QNN_FIELD_H_FRAC_POS, 1, t.faint, "ensemble mean", 0, 0) != 0)
        return -1;
    fig->panels = pn;
    fig->npanels = NPAN;
    fig->columns = 2;
    fig->width = 820;
    fig->height = 640;
    return 0;
}
