/* The training figure of `qnnlab run`: error (or loss) against the step
 * with the class's prediction, the kernel panel, and for registers with
 * hidden qubits the entanglement of the visible ones. */
#include "figure_priv.h"
#include "qnn/model.h"
#include "qnn/theory.h"

#include <math.h>
#include <stdio.h>

/* ------------------------------------------------------------------------ */
/* Training figure: error (or loss) against the step, and the kernel.       */
/* ------------------------------------------------------------------------ */

/* What the parts of the training figure share. */
typedef struct train_fig {
    const qnn_result *res;
    builder *b;
    arena *a;
    plot_panel *pn;
    long P;                /* points */
    int periodic;          /* a kernel per unit (the periodic QNN's K/p) */
    int asym;              /* the asymptotic dynamics and the frozen kernel: K_asym, flow time */
    int you23;             /* periodic || asym */
    int supervised;
    int use_loss;          /* the loss, not |ε| */
    int faint;             /* faint instance curves */
    int hidden;            /* a third panel: entanglement of the visible qubits */
    double *hl, *hl0;      /* reference lines of panels 1 and 0 */
    const char **hll, **hll0;
    double bound_max;      /* the largest off-scale YOU23 bound noted so far */
} train_fig;

/* Point k's colour: two or more swept keys colour by the last key's
 * value, else by the point. */
static int train_color(const train_fig *t, long k)
{
    const int nsw = t->res->preset->nsweep;
    return t->P == 1 ? 0 : nsw >= 2 ? t->res->points[k].value_index[nsw - 1] : (int)k;
}

/* The panels, their titles and reference-line arrays. 0 or -1. */
static int train_layout(train_fig *t, const qnn_params *p0, int npan)
{
    arena *a = t->a;
    const long P = t->P;
    long total_inst = 0;
    for (long k = 0; k < P; k++)
        total_inst += t->res->points[k].run->ninst;
    /* faint instance curves only while they stay readable */
    t->faint = P == 1 ? total_inst <= 500 : total_inst <= 60;
    plot_panel *pn = fig_alloc(a, (size_t)npan * sizeof *pn);
    size_t cap = (size_t)(total_inst * 2 + P * 6 + 8);
    t->b->cap = cap;
    if (!pn)
        return -1;
    t->pn = pn;
    for (int i = 0; i < npan; i++) {
        pn[i].series = fig_alloc(a, cap * sizeof(plot_series));
        pn[i].xlabel = t->asym ? "flow time t (η × steps)" : "step t";
        pn[i].xscale = PLOT_LINEAR;
        pn[i].yscale = PLOT_LOG;
    }
    if (!pn[0].series || !pn[1].series || (t->hidden && !pn[2].series))
        return -1;
    if (t->hidden) {
        pn[2].title = "entanglement of the visible qubits";
        pn[2].ylabel = p0->entropy_bits ? "S(ρ_{v}) [bits]" : "S(ρ_{v}) [nats]";
        pn[2].yscale = PLOT_LINEAR;
        pn[2].hlines = fig_alloc(a, (size_t)P * 2 * sizeof(double));
        pn[2].hline_labels = fig_alloc(a, (size_t)P * 2 * sizeof(char *));
        if (!pn[2].hlines || !pn[2].hline_labels)
            return -1;
    }
    const int supervised = t->supervised, use_loss = t->use_loss;
    pn[0].title = use_loss ? "training loss" : (supervised && p0->m > 1 ? "training error (rms residual)" : "training error");
    pn[0].ylabel = use_loss ? "L(t)" : (supervised && p0->m > 1 ? "ε_{rms}(t)" : "|ε(t)|");
    if (!supervised) {
        pn[1].title = "QNTK";
        pn[1].ylabel = "K(t)";
    } else if (t->periodic) {
        pn[1].title = "smallest kernel eigenvalue per layer";
        pn[1].ylabel = "λ_{min}(K)/p";
    } else if (t->asym) {
        pn[1].title = qnn_model_has(p0->model, QNN_CAP_FROZEN_K) ? "eigenvalues of the frozen K_{asym}(0)"
                                                    : "eigenvalues of K_{asym}(t)";
        pn[1].ylabel = "λ(K_{asym})";
    } else {
        pn[1].title = "kernel eigenvalues";
        pn[1].ylabel = "λ(K)";
    }

    t->hl = fig_alloc(a, (size_t)P * 2 * sizeof(double));
    t->hll = fig_alloc(a, (size_t)P * 2 * sizeof(char *));
    t->hl0 = fig_alloc(a, (size_t)P * sizeof(double));
    t->hll0 = fig_alloc(a, (size_t)P * sizeof(char *));
    if (!t->hl || !t->hll || !t->hl0 || !t->hll0)
        return -1;
    pn[1].hlines = t->hl;
    pn[1].hline_labels = t->hll;
    pn[0].hlines = t->hl0;
    pn[0].hline_labels = t->hll0;
    return 0;
}

/* Point k's faint instance curves: field f in panel 0, and the kernel
 * (K(t), or λ_min where it was computed) in panel 1. 0 or -1. */
static int train_instances(train_fig *t, long k, qnn_field f, double xs, double pl, int color)
{
    const qnn_run *run = t->res->points[k].run;
    const long P = t->P;
    for (int i = 0; i < run->ninst; i++) {
        const qnn_run_instance *ri = &run->inst[i];
        double *x, *y;
        long n = fig_inst_xy(t->a, ri, f, xs, 1.0, 0, &x, &y);
        plot_series *sr = fig_add_curve(t->b, &t->pn[0], x, y, n, PLOT_FAINT, P == 1 ? -1 : color);
        if (!sr)
            return -1;
        if (i == 0 && P == 1)
            sr->label = "instances";
        /* kernel panel: K(t), or λ_min where it was computed */
        qnn_field kf = t->supervised ? QNN_FIELD_LAMBDA_MIN : QNN_FIELD_KERNEL;
        if (t->supervised && !t->you23)
            continue;
        n = fig_inst_xy(t->a, ri, kf, xs, pl, t->supervised, &x, &y);
        plot_series *sk = fig_add_curve(t->b, &t->pn[1], x, y, n, PLOT_FAINT, P == 1 ? -1 : color);
        if (!sk)
            return -1;
        if (i == 0 && P == 1 && t->supervised)
            sk->label = "instances";
    }
    return 0;
}

/* The prediction the class offers for point k's error curve, as the live
 * panels draw it. */
static qnn_live_pred train_pred(const train_fig *t, long k)
{
    const qnn_point *pt = &t->res->points[k];
    const qnn_summary *s = &pt->sum;
    const qnn_consts mc = { .D = s->D, .L = (int)s->L, .trO = s->trO, .trO2 = s->trO2,
                            .trO4 = s->trO4, .H_op2_sum = s->H_op2_sum };
    return qnn_model_prediction(&pt->params, &mc, pt->run->m);
}

/* 1 when point k draws LIU23's rate line ε(0)e^{−ηK̄t}; then its bold
 * curve is the geometric mean over the instances, the statistic that line
 * predicts: for ε_i(t) = ε_i(0) e^{−ηK_i t} with E K_i = K̄, ln|ε| averages
 * to ln|ε(0)|_geo − ηK̄t, while the mean of |ε| lies above it (Jensen),
 * ruled by the slowest instances. */
static int train_rate(const train_fig *t, long k)
{
    return train_pred(t, k) == QNN_LIVE_PRED_RATE && qnn_summary_theory(&t->res->points[k].sum, "mean_qntk");
}

/* Point k's theory curve in panel 0 on the n times tt (the prediction the
 * class offers, as the live panels draw it), or the note that its YOU23
 * bound is off the scale; y is the bold curve drawn (the geometric mean
 * where train_rate, else the mean). 0 or -1. */
static int train_theory(train_fig *t, long k, double *tt, const double *y, size_t n, double xs, int color)
{
    const qnn_point *pt = &t->res->points[k];
    const qnn_summary *s = &pt->sum;
    plot_panel *pn = t->pn;
    const int use_loss = t->use_loss;
    double *th = fig_alloc(t->a, (n ? n : 1) * sizeof(double));
    if (!th)
        return -1;
    const char *thl = NULL;
    int thstyle = PLOT_DASHED;
    const qnn_live_pred pred = train_pred(t, k);
    if (train_rate(t, k)) {
        /* from the geometric mean at t = 0 (record 0), as the bold curve */
        const double Kbar = qnn_summary_theory(s, "mean_qntk")->value;
        const double e0 = n > 0 ? y[0] : NAN;
        for (size_t r = 0; r < n; r++) {
            double e = qnn_theory_eps_exp(1.0, s->eta, Kbar, tt[r]);
            th[r] = use_loss ? qnn_theory_loss_exp(e0, e) : e0 * e;
        }
        thl = use_loss ? "L(0)_{geo} e^{−2ηK̄t} (LIU23 Eq. 10)" : "|ε(0)|_{geo} e^{−ηK̄t} (LIU23 Eq. 10)";
        const qnn_theory_value *na = qnn_summary_theory(s, "noise_abs_eps");
        if (na && !use_loss) {
            t->hl0[pn[0].nhlines] = na->value;
            t->hll0[pn[0].nhlines] = k == 0 ? "E|ε(∞)| (LLJ Eq. 38)" : NULL;
            pn[0].nhlines++;
        }
    } else if (pred == QNN_LIVE_PRED_BOUND) {
        const qnn_theory_value *sb = qnn_summary_theory(s, "sublinear_bound");
        if (sb && n > 0 && sb->value < 1e-2 * y[n - 1]) {
            /* A bound two decades below the data would squash the
             * curves into the top of the panel: say it in a note. */
            char note[160], tend[32];
            snprintf(tend, sizeof tend, t->asym ? "%.3g" : "%.0f", tt[n - 1]);
            snprintf(note, sizeof note, "YOU23 Thm. 3.2 bound L(t) ≥ 1/(c_0 + c_1 t)^{2} holds;\nat t = %s it is %s%.2g, off this scale",
                     tend, t->P > 1 ? "at most " : "", sb->value);
            if (!pn[0].note || sb->value > t->bound_max) {
                pn[0].note = fig_strdup(t->a, note);
                t->bound_max = sb->value;
            }
        } else if (sb) {
            for (size_t r = 0; r < n; r++)
                th[r] = qnn_theory_sublinear_bound(s->loss_t0.mean, s->eta, s->H_op2_sum, tt[r] / xs);
            thl = "1/(c_0 + c_1 t)^{2} (YOU23 Thm. 3.2)";
            thstyle = PLOT_DOTTED;
        }
    }
    if (thl) {
        plot_series *st = fig_add_series(t->b, &pn[0]);
        if (!st)
            return -1;
        st->x = tt;
        st->y = th;
        st->n = n;
        st->style = (plot_style)thstyle;
        st->color = t->P == 1 ? 1 : color;
        st->label = k == 0 ? thl : NULL;
    }
    return 0;
}

/* Point k's kernel panel: the ensemble mean K(t) with K̄ (unsupervised),
 * or the mean λ_min (and λ_max) with LIU23's and YOU23's reference
 * values. 0 or -1. */
static int train_kernel(train_fig *t, long k, double xs, double pl, plot_style mstyle, int color)
{
    const qnn_result *res = t->res;
    const qnn_point *pt = &res->points[k];
    const qnn_run *run = pt->run;
    const qnn_summary *s = &pt->sum;
    plot_panel *pn = t->pn;
    const long P = t->P;
    if (!t->supervised) {
        double *x2, *y2;
        long nk = fig_ens_xy(t->a, run, QNN_FIELD_KERNEL, xs, 1.0, 0, &x2, &y2);
        plot_series *sk = fig_add_series(t->b, &pn[1]);
        if (nk < 0 || !sk)
            return -1;
        sk->x = x2; sk->y = y2; sk->n = (size_t)nk; sk->style = mstyle; sk->color = color;
        /* several points: the colours are named in the left legend */
        sk->label = P == 1 ? "ensemble mean K(t)" : NULL;
        const qnn_theory_value *kb = qnn_summary_theory(s, "mean_qntk");
        if (kb) {
            t->hl[pn[1].nhlines] = kb->value;
            t->hll[pn[1].nhlines] = k == 0 ? "K̄ (exact mean)" : NULL;
            pn[1].nhlines++;
        }
        return 0;
    }
    for (int which = 0; which < 2; which++) {
        if (t->periodic && which == 1)
            break;
        /* keep only the steps where eigenvalues were computed */
        double *x2, *y2;
        long nk = fig_ens_xy(t->a, run, which == 0 ? QNN_FIELD_LAMBDA_MIN : QNN_FIELD_LAMBDA_MAX,
                             xs, pl, 1, &x2, &y2);
        plot_series *sk = fig_add_series(t->b, &pn[1]);
        if (nk < 0 || !sk)
            return -1;
        sk->x = x2; sk->y = y2; sk->n = (size_t)nk;
        sk->style = which == 0 ? mstyle : PLOT_LINE;
        sk->color = color;
        if (P == 1)
            sk->label = which == 0 ? "mean over instances of λ_{min}" : "mean over instances of λ_{max}";
    }
    const qnn_theory_value *lm = qnn_summary_theory(s, "lambda_min_mean_kernel");
    if (lm) {
        t->hl[pn[1].nhlines] = lm->value;
        t->hll[pn[1].nhlines] = k == 0 ? "λ_{min} of the mean kernel (LIU23 Eq. 21)" : NULL;
        pn[1].nhlines++;
    }
    const qnn_theory_value *lg = qnn_summary_theory(s, "global_min_kernel");
    if (lg && pt->params.gamma > 1.0 && k == 0) {
        t->hl[pn[1].nhlines] = lg->value;
        int same_gamma = 1;
        for (long q = 1; q < P; q++)
            same_gamma &= res->points[q].params.gamma == pt->params.gamma;
        char gl[96];
        snprintf(gl, sizeof gl, "2γ^{2}(1 − 1/γ^{2}) at γ = %.3g (YOU23 Thm. 4.4)", pt->params.gamma);
        t->hll[pn[1].nhlines] = same_gamma ? "2γ^{2}(1 − 1/γ^{2}) (YOU23 Thm. 4.4)" : fig_strdup(t->a, gl);
        pn[1].nhlines++;
    }
    return 0;
}

/* Point k's curves: faint instances, the ensemble mean, its theory and
 * the kernel panel. 0 or -1. */
static int train_point(train_fig *t, long k)
{
    const qnn_result *res = t->res;
    const qnn_point *pt = &res->points[k];
    const qnn_run *run = pt->run;
    const long P = t->P;
    /* Two or more swept keys: colour by the last key's value, line
     * weight by the first key's (bold, normal, dotted ...). */
    const int nsw = res->preset->nsweep;
    const int color = train_color(t, k);
    const plot_style mstyle = nsw >= 2 ? (pt->value_index[0] == 0 ? PLOT_BOLD
                                          : pt->value_index[0] == 1 ? PLOT_LINE : PLOT_DOTTED)
                                       : PLOT_BOLD;
    char lab[256];
    fig_point_caption(res, k, lab, sizeof lab);
    const double pl = fig_kernel_div(&pt->params);
    /* x: the step, or the flow time for the asymptotic models */
    const double xs = t->asym ? fig_run_dt(run) : 1.0;
    /* |ε|: the rms residual when m > 1, the signed residual's size at m = 1 */
    const qnn_field f = t->use_loss ? QNN_FIELD_LOSS : QNN_FIELD_ABS_EPS;

    if (t->faint && train_instances(t, k, f, xs, pl, color) != 0)
        return -1;

    /* The bold curve: the statistic the theory line predicts (train_rate:
     * the geometric mean), else the mean. */
    const int rate = train_rate(t, k);
    double *tt, *mean;
    long nl = rate ? fig_geo_xy(t->a, run, f, t->asym, &tt, &mean) : fig_ens_xy(t->a, run, f, xs, 1.0, 0, &tt, &mean);
    if (nl < 0)
        return -1;
    const size_t n = (size_t)nl;
    plot_series *sm = fig_add_series(t->b, &t->pn[0]);
    if (!sm)
        return -1;
    sm->x = tt;
    sm->y = mean;
    sm->n = n;
    sm->style = mstyle;
    sm->color = color;
    sm->label = P > 1 ? fig_strdup(t->a, lab)
              : !rate ? "ensemble mean"
              : t->use_loss ? "geometric mean L" : "geometric mean |ε|";
    /* Beside LLJ's noise floor E|ε(∞)|, a mean, the mean is drawn thin. */
    if (rate && !t->use_loss && qnn_summary_theory(&pt->sum, "noise_abs_eps")) {
        double *ta, *ya;
        long na = fig_ens_xy(t->a, run, f, xs, 1.0, 0, &ta, &ya);
        plot_series *sa = fig_add_curve(t->b, &t->pn[0], ta, ya, na, PLOT_LINE, P == 1 ? 3 : color);
        if (!sa)
            return -1;
        sa->label = k == 0 ? "mean |ε|" : NULL;
    }

    /* Theory curve for panel 0 (computed on the step axis). */
    if (train_theory(t, k, tt, mean, n, xs, color) != 0)
        return -1;
    return train_kernel(t, k, xs, pl, mstyle, color);
}

/* The third panel: S(ρ_v)(t) where it was computed, with Page's value and
 * ln D_v. 0 or -1. */
static int train_entropy(train_fig *t)
{
    const qnn_result *res = t->res;
    plot_panel *pn = t->pn;
    const long P = t->P;
    double *hl2 = (double *)pn[2].hlines;
    const char **hll2 = (const char **)pn[2].hline_labels;
    for (long k = 0; k < P; k++) {
        const qnn_point *pt = &res->points[k];
        const int color = train_color(t, k);
        const double xs = t->asym ? fig_run_dt(pt->run) : 1.0;
        double *x2, *y2;
        long ne = fig_ens_xy(t->a, pt->run, QNN_FIELD_ENTROPY, xs, 1.0, 1, &x2, &y2);
        plot_series *se = fig_add_curve(t->b, &pn[2], x2, y2, ne, PLOT_BOLD, color);
        if (!se)
            return -1;
        /* no legend here: it would cover the reference-line labels */
        const qnn_theory_value *pg = qnn_summary_theory(&pt->sum, "page_entropy");
        const qnn_theory_value *mx = qnn_summary_theory(&pt->sum, "max_entropy");
        if (pg && pn[2].nhlines < (size_t)(2 * P)) {
            hl2[pn[2].nhlines] = pg->value;
            hll2[pn[2].nhlines] = k == 0 ? "Page value (Haar states)" : NULL;
            pn[2].nhlines++;
        }
        if (mx && pn[2].nhlines < (size_t)(2 * P)) {
            hl2[pn[2].nhlines] = mx->value;
            hll2[pn[2].nhlines] = k == 0 ? "ln D_{v} (maximally mixed)" : NULL;
            pn[2].nhlines++;
            /* from 0 to just above the largest ln D_v: the climb to
             * the Page value is the thing to see */
            if (mx->value * 1.12 > pn[2].ymax)
                pn[2].ymax = mx->value * 1.12;
        }
    }
    pn[2].ymin = 0.0;
    return 0;
}

int fig_training(const qnn_result *res, builder *b, plot_figure *fig)
{
    const qnn_params *p0 = &res->points[0].params;
    train_fig t = { .res = res, .b = b, .a = &b->a, .P = res->npoints };
    t.periodic = p0->model->kernel_unit != NULL;
    t.asym = qnn_model_has(p0->model, QNN_CAP_FLOW);
    t.you23 = t.periodic || t.asym;
    t.supervised = t.you23 || p0->task == QNN_TASK_SUPERVISED;
    t.use_loss = p0->curve == QNN_CURVE_LOSS;
    /* a third panel for the entanglement of the visible qubits when the
     * register has hidden qubits (OME) */
    for (long k = 0; k < t.P; k++)
        t.hidden |= res->points[k].params.n_h > 0 && res->points[k].sum.entropy_t0.n > 0;
    const int npan = t.hidden ? 3 : 2;
    if (train_layout(&t, p0, npan) != 0)
        return -1;
    for (long k = 0; k < t.P; k++)
        if (train_point(&t, k) != 0)
            return -1;
    if (t.hidden && train_entropy(&t) != 0)
        return -1;
    /* several points: the legend names them, the title the statistic */
    for (long k = 0; t.P > 1 && k < t.P; k++)
        if (train_rate(&t, k)) {
            t.pn[0].title = t.use_loss ? "training loss (bold: geometric means)" : "training error (bold: geometric means)";
            break;
        }
    if (t.asym && t.P > 1 && res->preset->nsweep < 2) {
        /* the colours are named on the left: say which line is which */
        for (int which = 0; which < 2; which++) {
            plot_series *sl = fig_add_series(b, &t.pn[1]);
            if (!sl)
                return -1;
            sl->style = which == 0 ? PLOT_BOLD : PLOT_LINE;
            sl->color = -1;
            sl->label = which == 0 ? "λ_{min} (bold)" : "λ_{max} (thin)";
        }
    }
    fig->panels = t.pn;
    fig->npanels = (size_t)npan;
    fig->columns = npan;
    fig->width = t.hidden ? 1080 : 720;
    fig->height = 300;
    return 0;
}
