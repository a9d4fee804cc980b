/* The MLP training figure (LLJ App. A): loss, NTK eigenvalues and
 * laziness of the classical network. */
#include "figure_priv.h"

/* ------------------------------------------------------------------------ */
/* MLP training figure: loss, NTK eigenvalues, laziness (LLJ App. A).        */
/* ------------------------------------------------------------------------ */

int fig_mlp(const qnn_result *res, builder *b, plot_figure *fig)
{
    arena *a = &b->a;
    const qnn_params *p0 = &res->points[0].params;
    const int use_loss = p0->curve == QNN_CURVE_LOSS;
    const long P = res->npoints;
    const int faint = fig_faint_readable(res);
    long total_inst = 0;
    for (long k = 0; k < P; k++)
        total_inst += res->points[k].run->ninst;
    enum { NPAN = 3 };
    plot_panel *pn = fig_alloc(a, NPAN * sizeof *pn);
    b->cap = (size_t)(2 * total_inst + 4 * P + 8);
    if (!pn)
        return -1;
    for (int i = 0; i < NPAN; i++) {
        if (!(pn[i].series = fig_alloc(a, b->cap * sizeof(plot_series))))
            return -1;
        pn[i].xlabel = "step t";
        pn[i].xscale = PLOT_LINEAR;
        pn[i].yscale = PLOT_LOG;
    }
    pn[0].title = use_loss ? "training loss" : "training error (rms residual)";
    pn[0].ylabel = use_loss ? "L(t)" : "ε_{rms}(t)";
    if (fig_curves(res, b, &pn[0], use_loss ? QNN_FIELD_LOSS : QNN_FIELD_ABS_EPS, 0, faint, "ensemble mean", 0, 1) != 0)
        return -1;

    /* lr_scale = ntk: the kernel of the actual step, K = Σ_μ λ_μ ∂ŷ ∂ŷ with
     * λ = 1/n_{ℓ−1} on the weights of layer ℓ */
    pn[1].title = p0->lr_scale == QNN_LR_NTK ? "NTK eigenvalues, learning-rate weighted (LLJ Eq. 14)"
                                            : "NTK eigenvalues (LLJ Eq. 14)";
    pn[1].ylabel = "λ(H_{NTK})";
    for (long k = 0; k < P; k++) {
        const qnn_run *run = res->points[k].run;
        for (int which = 0; which < 2; which++) {
            double *x, *y;
            long n = fig_ens_xy(a, run, which == 0 ? QNN_FIELD_LAMBDA_MIN : QNN_FIELD_LAMBDA_MAX, 1.0, 1.0, 1, &x, &y);
            plot_series *sr = fig_add_series(b, &pn[1]);
            if (n < 0 || !sr)
                return -1;
            sr->x = x; sr->y = y; sr->n = (size_t)n;
            sr->style = which == 0 ? PLOT_BOLD : PLOT_LINE;
            sr->color = fig_point_color(res, k);
            if (k == 0)
                sr->label = which == 0 ? "λ_{min} (bold), mean over instances" : "λ_{max} (thin)";
        }
    }

    pn[2].title = "parameter motion (laziness)";
    pn[2].ylabel = "‖θ(t) − θ(0)‖ / ‖θ(0)‖";
    if (fig_curves(res, b, &pn[2], QNN_FIELD_LAZINESS, 1, faint, "ensemble mean", 0, 0) != 0)
        return -1;
    /* it starts at 0: a log axis hides the first record, which is fine,
     * and shows how the motion falls with the width */
    for (int i = 0; i < NPAN; i++)
        if (fig_auto_yscale(&pn[i]) == PLOT_LINEAR && i != 1)
            pn[i].yscale = PLOT_LINEAR;
    if (pn[2].yscale == PLOT_LINEAR)
        pn[2].ymin = 0.0;
    fig->panels = pn;
    fig->npanels = NPAN;
    fig->columns = NPAN;
    fig->width = 1080;
    fig->height = 320;
    return 0;
}

