/* The plot panels of the live faces, built from a session snapshot and a
 * view (live.h: live_view): the error, the kernel now and over time, the
 * entropy (or trace distance) and the Hessian spectrum. Both faces draw
 * these panels (the window with cairo, the terminal with text) and the
 * export writes them: what the panels show is decided here once. */
#include "live.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------------- */
/* Panels                                                                 */

void live_panel_plots(int k, int *first, int *count)
{
    static const int f[LIVE_NPANELS] = {0, 1, 3, 4}, c[LIVE_NPANELS] = {1, 2, 1, 1};
    *first = f[k];
    *count = c[k];
}

static plot_series *add(live_panels *lp, int k, const double *x, const double *y, size_t n,
                        plot_style st, int color, const char *label)
{
    plot_panel *p = &lp->p[k];
    if (p->nseries >= sizeof lp->ser[k] / sizeof lp->ser[k][0])
        return NULL;
    plot_series *s = &lp->ser[k][p->nseries++];
    memset(s, 0, sizeof *s);
    s->x = x; s->y = y; s->n = n; s->style = st; s->color = color; s->label = label;
    return s;
}

static void hline(live_panels *lp, int k, double v, const char *label)
{
    plot_panel *p = &lp->p[k];
    if (!isfinite(v) || p->nhlines >= 4)
        return;
    lp->hl[k][p->nhlines] = v;
    lp->hll[k][p->nhlines] = label;
    p->nhlines++;
}

static int any_finite(const double *y, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (isfinite(y[i]))
            return 1;
    return 0;
}

/* A theory line may fall to 10^-60 long after the run has floored: the
 * error panel p0 keeps at most 6 decades below the lowest measured value
 * of sn, so the measured curves are not squashed (the lines leave through
 * the frame). */
static void floor_error_panel(plot_panel *p0, const qnn_snapshot *sn)
{
    const size_t n = sn->nrec, F = (size_t)sn->nfaint;
    double dmin = INFINITY;
    for (size_t k = 0; k < n * (F + 2); k++) {
        double v = k < n * F ? sn->err_inst[k] : k < n * (F + 1) ? sn->err_mean[k - n * F] : sn->err_geo[k - n * (F + 1)];
        if (isfinite(v) && v > 0)
            dmin = fmin(dmin, v);
    }
    double xlo, xhi, ylo, yhi;
    plot_panel_limits(p0, &xlo, &xhi, &ylo, &yhi);
    double floor_y = pow(10.0, floor(log10(dmin)) - 6.0);
    if (isfinite(dmin) && ylo < floor_y && yhi > floor_y) {
        p0->ymin = floor_y;
        p0->ymax = yhi;
    }
}

int live_panels_build(const qnn_snapshot *sn, const live_view *view, live_panels *lp)
{
    const int show_tdist = view ? view->show_tdist : 0;
    memset(lp, 0, sizeof *lp);
    const size_t n = sn->nrec, F = (size_t)sn->nfaint, R = (size_t)sn->ninst, m = (size_t)sn->m;
    /* derived arrays: marks (as x), eigen points (x, y for R m points),
     * their ascending mean, the λ_min points */
    size_t nb = sn->nmarks + 2 * R * m + 2 * m + 2 * R + 6 * n + 4;
    lp->buf = malloc(nb * sizeof(double));
    if (!lp->buf)
        return -1;
    double *marks = lp->buf, *ex = marks + sn->nmarks, *ey = ex + R * m, *mx = ey + R * m,
           *my = mx + m, *lx = my + m, *ly = lx + R, *th_rate = ly + R, *th_bound = th_rate + n,
           *e_geo = th_bound + n, *e_mean = e_geo + n, *e_amean = e_mean + n, *e_frozen = e_amean + n;
    for (size_t k = 0; k < sn->nmarks; k++)
        marks[k] = (double)sn->marks[k].step;
    for (int k = 0; k < LIVE_NPLOTS; k++) {
        lp->p[k].series = lp->ser[k];
        lp->p[k].hlines = lp->hl[k];
        lp->p[k].hline_labels = lp->hll[k];
        lp->p[k].xscale = PLOT_LINEAR;
        lp->p[k].yscale = PLOT_LINEAR;
    }
    const qnn_params *pp = &sn->params;
    /* the class shows its kernel per unit (the periodic QNN's K/p) */
    const int periodic = pp->model->kernel_unit != NULL;

    /* 0: the training error */
    plot_panel *p0 = &lp->p[0];
    snprintf(lp->title[0], sizeof lp->title[0], "%s — %s, R = %d", sn->use_loss ? "training loss" : "training error",
             qnn_model_name(pp->model), sn->ninst);
    p0->title = lp->title[0];
    p0->xlabel = "step t";
    p0->ylabel = sn->use_loss ? "L(t)" : sn->m > 1 ? "ε_{rms}(t)" : "|ε(t)|";
    p0->yscale = PLOT_LOG;
    p0->vmarks = marks;
    p0->nvmarks = sn->nmarks;
    for (size_t f = 0; f < F; f++)
        add(lp, 0, sn->t, sn->err_inst + f * n, n, PLOT_FAINT, -1, f == 0 ? "instances" : NULL);
    /* Bold: the statistic the segment's theory predicts. LIU23's rate
     * e^{−ηK̄t} is that of the geometric mean (ln|ε| averages to
     * ln|ε(0)| − ηK̄t; the mean of |ε| lies above, ruled by the slowest
     * instances), the YOU23 bound and the rest that of the mean. Beside
     * the noise floor E|ε(∞)|, a mean, the mean is drawn thin. The
     * frozen-kernel line takes the bold curve's statistic. */
    const int noise = isfinite(sn->noise_abs_eps) && !sn->use_loss;
    for (size_t k = 0; k < n; k++) {
        const int rate = sn->err_theory_kind[k] == QNN_THEORY_RATE;
        e_geo[k] = rate ? sn->err_geo[k] : NAN;
        e_mean[k] = rate ? NAN : sn->err_mean[k];
        e_amean[k] = rate && noise ? sn->err_mean[k] : NAN;
        e_frozen[k] = rate ? sn->err_frozen_geo[k] : sn->err_frozen[k];
    }
    if (any_finite(e_geo, n))
        add(lp, 0, sn->t, e_geo, n, PLOT_BOLD, 0,
            sn->use_loss ? "geometric mean L" : sn->m > 1 ? "geometric mean ε_{rms}" : "geometric mean |ε|");
    if (any_finite(e_amean, n))
        add(lp, 0, sn->t, e_amean, n, PLOT_LINE, 3, "mean |ε|");
    if (any_finite(e_mean, n) || !any_finite(e_geo, n))
        add(lp, 0, sn->t, e_mean, n, PLOT_BOLD, 0, "ensemble mean");
    /* the theory of each segment is the one of its model: one series per kind */
    for (int kind = QNN_THEORY_RATE; kind <= QNN_THEORY_BOUND; kind++) {
        double *y = kind == QNN_THEORY_RATE ? th_rate : th_bound;
        for (size_t k = 0; k < n; k++)
            y[k] = sn->err_theory_kind[k] == kind ? sn->err_theory[k] : NAN;
        if (any_finite(y, n))
            add(lp, 0, sn->t, y, n, kind == QNN_THEORY_RATE ? PLOT_DASHED : PLOT_DOTTED, kind == QNN_THEORY_RATE ? 1 : 3,
                kind == QNN_THEORY_RATE ? (sn->use_loss ? "L_{geo} e^{−2ηK̄t} (LIU23 Eq. 10)" : "|ε|_{geo} e^{−ηK̄t} (LIU23 Eq. 10)")
                                        : "bound 1/(c_0 + c_1 t)^{2} (YOU23 Thm. 3.2)");
    }
    if (any_finite(e_frozen, n))
        add(lp, 0, sn->t, e_frozen, n, PLOT_DOTTED, 2, "frozen kernel (I − ηK)^{t} r");
    hline(lp, 0, sn->noise_abs_eps, "E|ε(∞)| (LLJ Eq. 38)");
    if (sn->use_loss && any_finite(sn->test_err_mean, n))
        add(lp, 0, sn->t, sn->test_err_mean, n, PLOT_LINE, 3, "test loss (held-out rows)");
    floor_error_panel(p0, sn);
    if (isfinite(sn->rate) && sn->rate > 0) {
        snprintf(lp->note[0], sizeof lp->note[0], "ηK̄ = %.3g per step", sn->rate);
        p0->note = lp->note[0];
    }

    /* 1: kernel eigenvalues now */
    plot_panel *p1 = &lp->p[1];
    p1->title = sn->m > 1 ? "kernel eigenvalues now" : "QNTK of each instance now";
    p1->xlabel = sn->m > 1 ? "index k" : "instance";
    p1->ylabel = periodic ? "λ_{k}(K)/p" : sn->m > 1 ? "λ_{k}(K)" : "K";
    size_t ne = 0, nl = 0;
    for (size_t i = 0; i < R; i++)
        for (size_t j = 0; j < m; j++) {
            double v = sn->eig_now ? sn->eig_now[i * m + j] : NAN;
            if (!isfinite(v))
                continue;
            ex[ne] = sn->m > 1 ? (double)(j + 1) : (double)(i + 1);
            ey[ne++] = v;
            if (j == 0 && sn->m > 1) {
                lx[nl] = 1.0;
                ly[nl++] = v;
            }
        }
    for (size_t j = 0; j < m; j++) {
        double s = 0;
        int c = 0;
        for (size_t i = 0; i < R; i++) {
            double v = sn->eig_now ? sn->eig_now[i * m + j] : NAN;
            if (isfinite(v)) { s += v; c++; }
        }
        mx[j] = (double)(j + 1);
        my[j] = c ? s / c : NAN;
    }
    add(lp, 1, ex, ey, ne, PLOT_POINTS, -1, sn->m > 1 ? "each instance" : "K of each instance");
    if (sn->m > 1) {
        add(lp, 1, mx, my, m, PLOT_LINE_POINTS, 0, "mean over instances");
        add(lp, 1, lx, ly, nl, PLOT_POINTS, 5, "λ_{min}");
        hline(lp, 1, sn->lambda_min_pred, "λ_{min} of the mean kernel (LIU23 Eq. 21)");
        hline(lp, 1, sn->global_min_pred, "2γ^{2}(1 − 1/γ^{2}) (YOU23 Thm. 4.4)");
        p1->xmin = 0.5;
        p1->xmax = (double)m + 0.5;
    } else {
        hline(lp, 1, sn->Kbar, "K̄ exact mean (LIU23 Eq. 9)");
        p1->xmin = 0.5;
        p1->xmax = (double)R + 0.5;
        p1->ymin = 0;
    }
    if (ne == 0) {
        if (!sn->has_params && !qnn_model_has(pp->model, QNN_CAP_FLOW))
            snprintf(lp->note[1], sizeof lp->note[1], "no kernel: the %s model has no parameters", qnn_model_name(pp->model));
        else
            snprintf(lp->note[1], sizeof lp->note[1], "no kernel yet");
        p1->note = lp->note[1];
    }

    /* 2: kernel over time */
    plot_panel *p2 = &lp->p[2];
    p2->title = sn->m > 1 ? "smallest kernel eigenvalue λ_{min}(t)" : "QNTK K(t)";
    p2->xlabel = "step t";
    p2->ylabel = periodic ? (sn->m > 1 ? "λ_{min}/p" : "K/p") : sn->m > 1 ? "λ_{min}(K)" : "K(t)";
    p2->vmarks = marks;
    p2->nvmarks = sn->nmarks;
    for (size_t f = 0; f < F; f++)
        add(lp, 2, sn->t, sn->k_inst + f * n, n, PLOT_FAINT, -1, f == 0 ? "instances" : NULL);
    add(lp, 2, sn->t, sn->k_mean, n, PLOT_BOLD, 0, sn->m > 1 ? "mean λ_{min}" : "mean K");
    if (sn->m > 1 && any_finite(sn->kmax_mean, n))
        add(lp, 2, sn->t, sn->kmax_mean, n, PLOT_LINE, 4, "mean λ_{max}");
    if (sn->m > 1) {
        hline(lp, 2, sn->lambda_min_pred, "LIU23 Eq. 21");
        hline(lp, 2, sn->global_min_pred, "YOU23 Thm. 4.4");
    } else {
        hline(lp, 2, sn->Kbar, "K̄ (LIU23 Eq. 9)");
    }

    /* 3: entanglement of the visible qubits */
    plot_panel *p3 = &lp->p[3];
    p3->xlabel = "step t";
    p3->vmarks = marks;
    p3->nvmarks = sn->nmarks;
    const double *mean = show_tdist ? sn->d_mean : sn->s_mean, *inst = show_tdist ? sn->d_inst : sn->s_inst;
    if (show_tdist) {
        p3->title = "trace distance to I/D_{v}";
        p3->ylabel = "½‖ρ_{v} − I/D_{v}‖_{1}";
        hline(lp, 3, sn->tdist_bound, "½√(D_{v}/D_{h}) (OME Prop. 2)");
        p3->ymin = 0;
    } else {
        p3->title = "entanglement entropy of the visible qubits";
        p3->ylabel = pp->entropy_bits ? "S(ρ_{v}) [bits]" : "S(ρ_{v}) [nats]";
        hline(lp, 3, sn->max_entropy, "ln D_{v}");
        hline(lp, 3, sn->page, "Page value");
        p3->ymin = 0;
        if (isfinite(sn->max_entropy))
            p3->ymax = 1.12 * sn->max_entropy;
    }
    for (size_t f = 0; f < F; f++)
        add(lp, 3, sn->t, inst + f * n, n, PLOT_FAINT, -1, NULL);
    add(lp, 3, sn->t, mean, n, PLOT_BOLD, 0, NULL);
    if (!any_finite(mean, n)) {
        if (qnn_model_has(pp->model, QNN_CAP_FLOW))
            snprintf(lp->note[3], sizeof lp->note[3], "no state: the asymptotic dynamics evolves the measurement");
        else if (!qnn_model_has(pp->model, QNN_CAP_PURE_STATE) && !qnn_model_has(pp->model, QNN_CAP_MIXED_STATE))
            snprintf(lp->note[3], sizeof lp->note[3], "no quantum state: model %s", qnn_model_name(pp->model));
        else
            snprintf(lp->note[3], sizeof lp->note[3], "no entropy recorded yet");
        p3->note = lp->note[3];
        p3->ymax = 0;
    }

    /* 4: Hessian histogram */
    plot_panel *p4 = &lp->p[4];
    p4->title = "Hessian spectrum of the loss (instance 1)";
    p4->xlabel = "eigenvalue λ of ∇²L";
    p4->ylabel = "density";
    if (sn->hist_prev.valid) {
        snprintf(lp->label[4][0], sizeof lp->label[4][0], "step %ld", sn->hist_prev.step);
        add(lp, 4, sn->hist_prev.centre, sn->hist_prev.density, QNN_SESSION_HIST_BINS, PLOT_STEPS, -1, lp->label[4][0]);
    }
    if (sn->hist_now.valid) {
        snprintf(lp->label[4][1], sizeof lp->label[4][1], "step %ld (now)", sn->hist_now.step);
        add(lp, 4, sn->hist_now.centre, sn->hist_now.density, QNN_SESSION_HIST_BINS, PLOT_STEPS, 4, lp->label[4][1]);
        snprintf(lp->note[4], sizeof lp->note[4], "P = %zu, %s\nfraction > 0: %.3f\nerror proxy: %.3g",
                 sn->hist_now.dim, sn->hist_now.exact ? "exact" : "SLQ", sn->hist_now.frac_pos, sn->hist_now.proxy);
        p4->ymin = 0;
    } else if (!sn->has_params) {
        snprintf(lp->note[4], sizeof lp->note[4], "no parameters: model %s has no Hessian", qnn_model_name(pp->model));
    } else if (!sn->hessian_on) {
        snprintf(lp->note[4], sizeof lp->note[4], "Hessian off: press h");
    } else {
        snprintf(lp->note[4], sizeof lp->note[4], "computing the first spectrum ...");
    }
    p4->note = lp->note[4];
    p4->note_corner = PLOT_UPPER_LEFT;
    return 0;
}

void live_panels_free(live_panels *lp)
{
    free(lp->buf);
    lp->buf = NULL;
}
