/* The sweep figure: ensemble statistics (the table of those a figure can
 * show, qnn_figure_stat_name) against the first swept key, with their
 * theory values. */
#include "figure_priv.h"
#include "qnn/model.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------ */
/* Sweep figure: statistics against the first swept key.                    */
/* ------------------------------------------------------------------------ */

static double key_value(const qnn_params *p, const char *key)
{
    if (!strcmp(key, "d"))
        return ldexp(1.0, p->n);
    char buf[128];
    if (qnn_params_get(p, !strcmp(key, "p") ? "L" : key, buf, sizeof buf) != 0)
        return NAN;
    char *end;
    double v = strtod(buf, &end);
    return *end ? NAN : v;
}

typedef struct stat_desc {
    const char *name, *title, *ylabel, *theory, *theory_label;
} stat_desc;

static const stat_desc stat_table[] = {
    { "kernel_t0", "mean QNTK at initialisation", "K̄", "mean_qntk", "exact 2-design mean" },
    { "kernel_rel_std_t0", "relative fluctuation of the QNTK", "ΔK/K̄", "qntk_rel_std", "LIU23 Eq. 12: √((2 + 3trO^{4}/(trO^{2})^{2})/L)" },
    { "lambda_min_t0", "smallest kernel eigenvalue", "λ_{min}", "lambda_min_mean_kernel", "LIU23 Eq. 21 (mean kernel)" },
    { "lambda_min_final", "λ_{min} of the kernel at the end", NULL, "global_min_kernel", "Thm. 4.4 leading order" },
    { "lambda_min_least", "least λ_{min} during training", NULL, "global_min_kernel", "Thm. 4.4 leading order" },
    { "kernel_change_final", "relative kernel change, ΔK = K(T) − K(0)", NULL, NULL, NULL },
    { "spectral_drift_final", "spectral drift of M (isospectral: 0)", "max_{i}|Δλ_{i}(M)| / ‖M(0)‖", NULL, NULL },
    { "abs_eps_final", "residual error after training", "E|ε(T)|", "noise_abs_eps", "LLJ Eq. 38" },
    { "eps_std_final", "spread of the final error", "σ_{ε}(T)", "noise_eps_std", "LLJ Eq. 34: √s" },
    { "loss_final", "final loss", "L(T)", "sublinear_bound", "YOU23 Thm. 3.2 bound" },
    { "entropy_t0", "entanglement entropy of the visible qubits", "S(ρ_{v})", "page_entropy", "Page value (Haar states)" },
    { "tdist_t0", "distance of ρ_{v} from I/D_{v}", "½‖ρ_{v} − I/D_{v}‖_{1}", "trace_distance_bound", "½√(D_{v}/D_{h}) (OME Prop. 2)" },
    { "grad_inf_var_t0", "variance of the gradient ∞-norm", "Var ‖∇L‖_{∞}", NULL, NULL },
    { "grad_var_t0", "gradient variance at initialisation", "⟨(∂L/∂θ_{μ})^{2}⟩ below the output layer", NULL, NULL },
    { "kernel_rel_var_t0", "relative NTK variance at initialisation", "Var K / K̄^{2}", NULL, NULL },
    { "laziness_final", "parameter motion (laziness)", "‖θ(T) − θ(0)‖ / ‖θ(0)‖", NULL, NULL },
    { "accuracy_final", "training accuracy at the end", "accuracy", NULL, NULL },
    { "test_accuracy_final", "test accuracy at the end", "test accuracy", NULL, NULL },
    { "test_loss_final", "loss on the held-out rows at the end", "test loss", NULL, NULL },
    { "hessian_frac_pos_final", "positive Hessian eigenvalues at the end", "fraction with λ > 0", NULL, NULL },
    { "hessian_min_final", "smallest Hessian eigenvalue at the end", "λ_{min}(∇^{2}L)", NULL, NULL },
    { "hessian_max_final", "largest Hessian eigenvalue at the end", "λ_{max}(∇^{2}L)", NULL, NULL },
};

const char *qnn_figure_stat_name(size_t i)
{
    return i < sizeof stat_table / sizeof stat_table[0] ? stat_table[i].name : NULL;
}

/* The reference line of each width law (qnn_width_laws) in the figure. */
static const char *const width_law_ref_label[QNN_WIDTH_LAWS] = {
    "slope −1 (LLJ Eq. 12)",
    "slope −1 (LLJ Eq. 17)",
    "slope −½ (lazy training, NTK scaling)",
};

/* Axis label of a statistic whose meaning depends on the model: the
 * periodic QNN's kernel is shown per layer (K ≈ p K_asym), the asymptotic
 * models' kernel is K_asym itself. */
static const char *stat_ylabel(const stat_desc *sd, const qnn_params *p)
{
    if (sd->ylabel)
        return sd->ylabel;
    const int per = p->model->kernel_unit != NULL;
    const int asym = qnn_model_has(p->model, QNN_CAP_FLOW);
    if (!strcmp(sd->name, "lambda_min_final"))
        return per ? "λ_{min}(K(T))/p" : asym ? "λ_{min}(K_{asym}(T))" : "λ_{min}(K(T))";
    if (!strcmp(sd->name, "lambda_min_least"))
        return per ? "min_{t} λ_{min}(K(t))/p" : asym ? "min_{t} λ_{min}(K_{asym}(t))" : "min_{t} λ_{min}(K(t))";
    return asym ? "‖ΔK_{asym}‖_{F} / ‖K_{asym}(0)‖_{F}" : "‖ΔK‖_{F} / ‖K(0)‖_{F}";
}

/* Statistic sd of point pt: the value with its standard error, and (for
 * lambda_min_t0) a second one. */
static void stat_value(const stat_desc *sd, const qnn_point *pt, double *y, double *e,
                       double *y2, double *e2)
{
    const qnn_summary *s = &pt->sum;
    const char *nm = sd->name;
    const double kd = fig_kernel_div(&pt->params);
    *y2 = *e2 = NAN;
    if (!strcmp(nm, "kernel_t0")) { *y = s->kernel_t0.mean; *e = s->kernel_t0.se; }
    else if (!strcmp(nm, "kernel_rel_std_t0")) { *y = s->kernel_rel_std_t0; *e = s->kernel_rel_std_t0_se; }
    else if (!strcmp(nm, "lambda_min_t0")) {
        *y = s->lambda_min_mean_kernel_t0; *e = s->lambda_min_mean_kernel_t0_se;
        *y2 = s->lambda_min_t0.mean; *e2 = s->lambda_min_t0.se;
    }
    else if (!strcmp(nm, "lambda_min_final")) { *y = s->lambda_min_final.mean / kd; *e = s->lambda_min_final.se / kd; }
    else if (!strcmp(nm, "lambda_min_least")) { *y = s->lambda_min_least.mean / kd; *e = s->lambda_min_least.se / kd; }
    else if (!strcmp(nm, "kernel_change_final")) { *y = s->kernel_change_final.mean; *e = s->kernel_change_final.se; }
    else if (!strcmp(nm, "spectral_drift_final")) { *y = s->spectral_drift_final.mean; *e = s->spectral_drift_final.se; }
    else if (!strcmp(nm, "abs_eps_final")) { *y = s->abs_eps_final.mean; *e = s->abs_eps_final.se; }
    else if (!strcmp(nm, "eps_std_final")) {
        *y = s->eps_final.sd;
        *e = s->eps_final.sd_se; /* from the fourth moment */
    }
    else if (!strcmp(nm, "entropy_t0")) { *y = s->entropy_t0.mean; *e = s->entropy_t0.se; }
    else if (!strcmp(nm, "tdist_t0")) { *y = s->tdist_t0.mean; *e = s->tdist_t0.se; }
    else if (!strcmp(nm, "grad_inf_var_t0")) qnn_grad_inf_variance(s, y, e);
    else if (!strcmp(nm, "grad_var_t0")) { *y = s->grad_ms_t0.mean; *e = s->grad_ms_t0.se; }
    else if (!strcmp(nm, "kernel_rel_var_t0")) { *y = s->kernel_rel_var_t0; *e = s->kernel_rel_var_t0_se; }
    else if (!strcmp(nm, "laziness_final")) { *y = s->laziness_final.mean; *e = s->laziness_final.se; }
    else if (!strcmp(nm, "accuracy_final")) { *y = s->accuracy_final.mean; *e = s->accuracy_final.se; }
    else if (!strcmp(nm, "test_accuracy_final")) { *y = s->test_accuracy_final.mean; *e = s->test_accuracy_final.se; }
    else if (!strcmp(nm, "test_loss_final")) { *y = s->test_loss_final.mean; *e = s->test_loss_final.se; }
    else if (!strcmp(nm, "hessian_frac_pos_final")) { *y = s->hessian_frac_pos_final.mean; *e = s->hessian_frac_pos_final.se; }
    else if (!strcmp(nm, "hessian_min_final")) { *y = s->hessian_min_final.mean; *e = s->hessian_min_final.se; }
    else if (!strcmp(nm, "hessian_max_final")) { *y = s->hessian_max_final.mean; *e = s->hessian_max_final.se; }
    else { *y = s->loss_final.mean; *e = s->loss_final.se; }
}

/* legend_row: the height of a legend text line over that of the plot area */
/* What the parts of one sweep panel share: the points laid out as
 * ngroups series of nx values of the first swept key, the theory's
 * horizontal lines, and the data's range for the axes. */
typedef struct sweep_pan {
    const qnn_result *res;
    builder *b;
    arena *a;
    plot_panel *pn;
    const stat_desc *sd;
    const char *xkey;      /* the first swept key, or NULL */
    int nx;                /* its values */
    long ngroups;          /* series: combinations of the other keys */
    int th_hlines;         /* the theory is a horizontal line per value */
    double *hl, *hgam;     /* the lines and the γ of each */
    const char **hll;
    double xmin, xmax, ymin, ymax;
    double ebmin, ebmax;   /* positive ends of the error bars */
} sweep_pan;

/* YOU23 Thm. 4.4 depends on γ alone: where it is the same along each
 * series (γ not on the x axis) it is a horizontal line per value. */
static int thm44_hlines(const sweep_pan *t)
{
    const qnn_result *res = t->res;
    const stat_desc *sd = t->sd;
    int th_hlines = sd->theory && !strcmp(sd->theory, "global_min_kernel");
    if (th_hlines)
        for (long g = 0; g < t->ngroups && th_hlines; g++) {
            const qnn_theory_value *t0 = qnn_summary_theory(&res->points[g].sum, sd->theory);
            for (int i = 1; i < t->nx; i++) {
                const qnn_theory_value *ti = qnn_summary_theory(&res->points[(long)i * t->ngroups + g].sum, sd->theory);
                if (!t0 != !ti || (t0 && ti && t0->value != ti->value))
                    th_hlines = 0;
            }
        }
    return th_hlines;
}

/* Series g's values: x, the statistic y ± e (and its second value y2 ±
 * e2), the theory th; widens the panel's ranges. Returns 1 when some
 * point has a theory value. */
static int group_values(sweep_pan *t, long g, double *x, double *y, double *e, double *th, double *y2,
                        double *e2)
{
    int have_th = 0;
    for (int i = 0; i < t->nx; i++) {
        /* The first swept key varies slowest: point = i * ngroups + g. */
        const qnn_point *pt = &t->res->points[(long)i * t->ngroups + g];
        const qnn_summary *s = &pt->sum;
        x[i] = t->xkey ? key_value(&pt->params, t->xkey) : i;
        if (!isfinite(x[i]))
            x[i] = i;
        stat_value(t->sd, pt, &y[i], &e[i], &y2[i], &e2[i]);
        const qnn_theory_value *tv = t->sd->theory ? qnn_summary_theory(s, t->sd->theory) : NULL;
        th[i] = tv ? tv->value : NAN;
        if (tv)
            have_th = 1;
        double vals[3] = { y[i], y2[i], th[i] };
        for (int j = 0; j < 3; j++)
            if (isfinite(vals[j])) {
                if (vals[j] < t->ymin) t->ymin = vals[j];
                if (vals[j] > t->ymax) t->ymax = vals[j];
            }
        if (x[i] < t->xmin) t->xmin = x[i];
        if (x[i] > t->xmax) t->xmax = x[i];
        /* error bars, for the room left to the legend */
        double bars[4] = { y[i] + fabs(e[i]), y[i] - fabs(e[i]), y2[i] + fabs(e2[i]), y2[i] - fabs(e2[i]) };
        for (int j = 0; j < 4; j++)
            if (isfinite(bars[j]) && bars[j] > 0) {
                t->ebmin = fmin(t->ebmin, bars[j]);
                t->ebmax = fmax(t->ebmax, bars[j]);
            }
    }
    return have_th;
}

/* Series g's theory: a horizontal line per distinct value (th_hlines),
 * else a dashed curve through the points. 0 or -1. */
static int group_theory(sweep_pan *t, long g, double *x, double *th, int color)
{
    plot_panel *pn = t->pn;
    if (t->th_hlines) {
        /* one line per distinct value */
        const double v = th[0];
        int seen = !isfinite(v);
        for (size_t j = 0; j < pn->nhlines && !seen; j++)
            seen = t->hl[j] == v;
        if (!seen) {
            t->hgam[pn->nhlines] = t->res->points[g].params.gamma;
            t->hl[pn->nhlines] = v;
            t->hll[pn->nhlines] = t->sd->theory_label;
            pn->nhlines++;
        }
        return 0;
    }
    plot_series *s3 = fig_add_series(t->b, pn);
    if (!s3)
        return -1;
    s3->x = x; s3->y = th; s3->n = (size_t)t->nx; s3->style = PLOT_DASHED;
    s3->color = t->res->preset->nsweep > 1 ? color : 1;
    s3->label = g == 0 ? t->sd->theory_label : NULL;
    return 0;
}

/* OME Fig. 3b: a least-squares exponential fit of series g against the
 * swept key. 0 or -1. */
static int group_exp_fit(sweep_pan *t, long g, double *x, int color)
{
    const int nx = t->nx;
    double *yy = fig_alloc(t->a, (size_t)nx * sizeof(double)), *ee = fig_alloc(t->a, (size_t)nx * sizeof(double));
    double *fy = fig_alloc(t->a, (size_t)nx * sizeof(double));
    if (!yy || !ee || !fy)
        return -1;
    for (int i = 0; i < nx; i++) {
        double yb, eb;
        stat_value(t->sd, &t->res->points[(long)i * t->ngroups + g], &yy[i], &ee[i], &yb, &eb);
    }
    double A, bb, bse;
    if (qnn_fit_exponential(x, yy, ee, (size_t)nx, &A, &bb, &bse) >= 2) {
        for (int i = 0; i < nx; i++)
            fy[i] = qnn_exponential_law(A, bb, x[i]);
        plot_series *sf = fig_add_series(t->b, t->pn);
        if (!sf)
            return -1;
        sf->x = x; sf->y = fy; sf->n = (size_t)nx; sf->style = PLOT_DASHED;
        sf->color = t->res->preset->nsweep > 1 ? color : 2;
        char fl[128];
        snprintf(fl, sizeof fl, "fit ∝ e^{b %s}, b = %.3f ± %.3f", fig_key_symbol(t->xkey, &t->res->points[0].params), bb, bse);
        sf->label = fig_strdup(t->a, fl);
    }
    return 0;
}

/* LLJ App. A: a power law in the width (law wl) fitted to series g on
 * log-log axes, beside the predicted slope drawn through the fit's
 * centre. 0 or -1. */
static int group_width_law(sweep_pan *t, long g, int wl, double *x, double *y, double *e, int color)
{
    const int nx = t->nx;
    const qnn_width_law *law = &qnn_width_laws[wl];
    double *fy = fig_alloc(t->a, (size_t)nx * sizeof(double)), *ry = fig_alloc(t->a, (size_t)nx * sizeof(double));
    if (!fy || !ry)
        return -1;
    double A, bb, bse;
    if (qnn_fit_power(x, y, e, (size_t)nx, &A, &bb, &bse) < 2)
        return 0;
    double xc, yc;
    qnn_power_fit_centre(x, (size_t)nx, A, bb, &xc, &yc);
    for (int i = 0; i < nx; i++) {
        fy[i] = qnn_power_law(A, bb, x[i]);
        ry[i] = isfinite(law->prediction) ? qnn_power_law_through(xc, yc, law->prediction, x[i]) : NAN;
    }
    plot_series *sf = fig_add_series(t->b, t->pn);
    if (!sf)
        return -1;
    sf->x = x; sf->y = fy; sf->n = (size_t)nx; sf->style = PLOT_LINE;
    sf->color = t->res->preset->nsweep > 1 ? color : 2;
    char fl[128];
    snprintf(fl, sizeof fl, "fit ∝ width^{b}: b = %.2f ± %.2f", bb, bse);
    sf->label = fig_strdup(t->a, fl);
    if (isfinite(law->prediction)) {
        plot_series *sr = fig_add_series(t->b, t->pn);
        if (!sr)
            return -1;
        sr->x = x; sr->y = ry; sr->n = (size_t)nx; sr->style = PLOT_DASHED;
        sr->color = -1;
        sr->label = g == 0 ? width_law_ref_label[wl] : NULL;
    }
    return 0;
}

/* LIU23 Eq. 17: the leading order of the mean kernel along series g.
 * 0 or -1. */
static int group_kernel_leading(sweep_pan *t, long g, double *x, int color)
{
    double *lo = fig_alloc(t->a, (size_t)t->nx * sizeof(double));
    if (!lo)
        return -1;
    int any = 0;
    for (int i = 0; i < t->nx; i++) {
        const qnn_theory_value *tv = qnn_summary_theory(&t->res->points[(long)i * t->ngroups + g].sum, "mean_qntk_leading");
        lo[i] = tv ? tv->value : NAN;
        any |= isfinite(lo[i]);
    }
    if (!any) {   /* a model without the 2-design theory: say so, draw nothing */
        if (g == 0 && !t->pn->note)
            t->pn->note = "LIU23 Eqs. 9, 17: no 2-design";
        return 0;
    }
    plot_series *s4 = fig_add_series(t->b, t->pn);
    if (!s4)
        return -1;
    s4->x = x; s4->y = lo; s4->n = (size_t)t->nx; s4->style = PLOT_DOTTED;
    s4->color = t->res->preset->nsweep > 1 ? color : 3;
    s4->label = g == 0 ? "2Lγ^{2}trO^{2}/D^{2} (LIU23 Eq. 17)" : NULL;
    return 0;
}

/* Series g: the measured values (for λ_min also the mean over
 * instances), the theory, and the fits and references of particular
 * statistics. 0 or -1. */
static int sweep_group(sweep_pan *t, long g)
{
    arena *a = t->a;
    const qnn_preset *ps = t->res->preset;
    const stat_desc *sd = t->sd;
    const int nx = t->nx;
    double *x = fig_alloc(a, (size_t)nx * sizeof(double)), *y = fig_alloc(a, (size_t)nx * sizeof(double));
    double *e = fig_alloc(a, (size_t)nx * sizeof(double)), *th = fig_alloc(a, (size_t)nx * sizeof(double));
    double *y2 = fig_alloc(a, (size_t)nx * sizeof(double)), *e2 = fig_alloc(a, (size_t)nx * sizeof(double));
    if (!x || !y || !e || !th || !y2 || !e2)
        return -1;
    const int have_th = group_values(t, g, x, y, e, th, y2, e2);
    char lab[256] = "";
    if (ps->nsweep > 1) {
        /* label the group by the other keys */
        const qnn_point *pt = &t->res->points[g];
        size_t off = 0;
        for (int k = 1; k < ps->nsweep; k++)
            off += (size_t)snprintf(lab + off, sizeof lab - off, "%s%s = %s", k > 1 ? ", " : "",
                                    fig_key_symbol(ps->sweep[k].key, &pt->params), ps->sweep[k].values[pt->value_index[k]]);
    }
    const int color = (int)(g % 8);
    plot_series *s1 = fig_add_series(t->b, t->pn);
    if (!s1)
        return -1;
    /* several series: a line through each helps to follow it */
    s1->x = x; s1->y = y; s1->yerr = e; s1->n = (size_t)nx; s1->color = color;
    s1->style = t->ngroups > 1 && nx > 1 ? PLOT_LINE_POINTS : PLOT_POINTS;
    if (!strcmp(sd->name, "lambda_min_t0"))
        s1->label = fig_strdup(a, ps->nsweep > 1 ? lab : "λ_{min} of the mean kernel");
    else
        s1->label = ps->nsweep > 1 ? fig_strdup(a, lab) : "measured (± 1 s.e.)";
    if (!strcmp(sd->name, "lambda_min_t0")) {
        plot_series *s2 = fig_add_series(t->b, t->pn);
        if (!s2)
            return -1;
        s2->x = x; s2->y = y2; s2->yerr = e2; s2->n = (size_t)nx; s2->style = PLOT_LINE_POINTS;
        s2->color = ps->nsweep > 1 ? color : 2;
        s2->label = g == 0 ? "mean over instances of λ_{min}" : NULL;
    }
    if (have_th && group_theory(t, g, x, th, color) != 0)
        return -1;
    if (!have_th && g == 0 && !strcmp(sd->name, "lambda_min_t0") && !t->pn->note)
        t->pn->note = "LIU23 Eq. 21: no 2-design";
    if (!strcmp(sd->name, "grad_inf_var_t0") && t->xkey && group_exp_fit(t, g, x, color) != 0)
        return -1;
    const int wl = t->xkey && !strcmp(t->xkey, "width") ? qnn_width_law_of(sd->name) : -1;
    if (wl >= 0 && group_width_law(t, g, wl, x, y, e, color) != 0)
        return -1;
    if (!strcmp(sd->name, "kernel_t0") && group_kernel_leading(t, g, x, color) != 0)
        return -1;
    return 0;
}

/* The theory's horizontal lines named (by γ when there are several), the
 * YOU23 Fig. 5 line of 5 % on the kernel change, and the lines in the
 * y range. 0 or -1. */
static int sweep_references(sweep_pan *t)
{
    plot_panel *pn = t->pn;
    const stat_desc *sd = t->sd;
    if (t->th_hlines && pn->nhlines > 1) {
        /* several values: name the γ of each */
        for (size_t j = 0; j < pn->nhlines; j++) {
            char buf[96];
            snprintf(buf, sizeof buf, "%s (γ = %.3g)", sd->theory_label, t->hgam[j]);
            t->hll[j] = fig_strdup(t->a, buf);
        }
    } else if (t->th_hlines && pn->nhlines == 1) {
        t->hll[0] = "Thm. 4.4 leading order 2γ^{2}(1 − 1/γ^{2})";
    }
    if (!strcmp(sd->name, "kernel_change_final") && !qnn_model_has(t->res->points[0].params.model, QNN_CAP_TASK) &&
        isfinite(t->xmin) && isfinite(t->xmax)) {
        /* YOU23 Fig. 5: the kernel changes by at least 5 % everywhere (a
         * series across the data, named in the legend, so that no label
         * sits on the points) */
        double *lx = fig_alloc(t->a, 2 * sizeof(double)), *ly = fig_alloc(t->a, 2 * sizeof(double));
        plot_series *s5 = fig_add_series(t->b, pn);
        if (!lx || !ly || !s5)
            return -1;
        lx[0] = t->xmin; lx[1] = t->xmax;
        ly[0] = ly[1] = 0.05;
        s5->x = lx; s5->y = ly; s5->n = 2;
        s5->style = PLOT_DASHED;
        s5->color = -1;
        s5->label = "5 % (YOU23 Fig. 5: more everywhere)";
        t->ymin = fmin(t->ymin, 0.05);
        t->ymax = fmax(t->ymax, 0.05);
    }
    for (size_t j = 0; j < pn->nhlines; j++)
        if (isfinite(t->hl[j])) {
            if (t->hl[j] < t->ymin) t->ymin = t->hl[j];
            if (t->hl[j] > t->ymax) t->ymax = t->hl[j];
        }
    return 0;
}

/* The panel's scales, and with many series (or a width law) a y range
 * that leaves the legend the top of the panel (legend_row: the height of
 * a legend row as a fraction of the panel's). */
static void sweep_axes(sweep_pan *t, double legend_row)
{
    plot_panel *pn = t->pn;
    const char *xkey = t->xkey;
    const stat_desc *sd = t->sd;
    double xmin = t->xmin, xmax = t->xmax, ymin = t->ymin, ymax = t->ymax;
    pn->xscale = xmin > 0 && xmax / xmin >= 8 ? PLOT_LOG : PLOT_LINEAR;
    /* power laws read best on log-log axes */
    pn->yscale = ymin > 0 && (ymax / ymin >= 8 || (pn->xscale == PLOT_LOG && ymax / ymin >= 2)) ? PLOT_LOG : PLOT_LINEAR;
    if (xkey && !strcmp(xkey, "width") && qnn_width_law_of(sd->name) >= 0 && xmin > 0 && ymin > 0) {
        pn->xscale = PLOT_LOG;
        pn->yscale = PLOT_LOG;
    }
    /* a power law falls across the panel: leave the legend the top */
    const int law_panel = xkey && !strcmp(xkey, "width") && qnn_width_law_of(sd->name) >= 0;
    if ((t->ngroups > 2 || law_panel) && isfinite(ymin) && isfinite(ymax) && ymax > ymin) {
        /* A legend of many series would hide points wherever it goes:
         * leave it the top of the panel. */
        size_t rows = 0;
        for (size_t j = 0; j < pn->nseries; j++)
            rows += pn->series[j].label != NULL;
        double frac = fmin(0.6, legend_row * (1.0 + 1.45 * (double)rows + 2.4));
        if (pn->yscale == PLOT_LOG && t->ebmin > 0) {
            ymin = fmin(ymin, t->ebmin);
            ymax = fmax(ymax, t->ebmax);
        } else if (pn->yscale == PLOT_LINEAR && isfinite(t->ebmax)) {
            ymax = fmax(ymax, t->ebmax);
        }
        if (pn->yscale == PLOT_LOG) {
            /* a 1, 2, 5 x 10^k value a little below the data */
            double v = ymin / 1.12, dec = pow(10.0, floor(log10(v)));
            double lo = log10(v / dec >= 5 ? 5 * dec : v / dec >= 2 ? 2 * dec : dec);
            double span = log10(ymax) - lo;
            pn->ymin = pow(10.0, lo);
            pn->ymax = pow(10.0, lo + span / (1.0 - frac) + 0.02);
        } else {
            double lo = ymin - 0.04 * (ymax - ymin);
            if (ymin >= 0 && lo < 0)
                lo = 0;
            pn->ymin = lo;
            pn->ymax = lo + (ymax - lo) / (1.0 - frac) * 1.02;
        }
    }
}

static int sweep_panel(const qnn_result *res, builder *b, plot_panel *pn, const stat_desc *sd,
                       double legend_row)
{
    const qnn_preset *ps = res->preset;
    sweep_pan t = { .res = res, .b = b, .a = &b->a, .pn = pn, .sd = sd };
    t.xkey = ps->nsweep > 0 ? ps->sweep[0].key : NULL;
    t.nx = ps->nsweep > 0 ? ps->sweep[0].nvalues : 1;
    const long P = res->npoints;
    t.ngroups = P / t.nx;
    pn->title = sd->title;
    pn->ylabel = stat_ylabel(sd, &res->points[0].params);
    pn->xlabel = t.xkey ? fig_key_symbol(t.xkey, &res->points[0].params) : "point";
    size_t cap = (size_t)t.ngroups * 4 + 4;
    b->cap = cap;
    pn->series = fig_alloc(t.a, cap * sizeof(plot_series));
    t.hl = fig_alloc(t.a, ((size_t)P + 1) * sizeof(double));
    t.hgam = fig_alloc(t.a, ((size_t)P + 1) * sizeof(double));
    t.hll = fig_alloc(t.a, ((size_t)P + 1) * sizeof(char *));
    if (!pn->series || !t.hl || !t.hgam || !t.hll)
        return -1;
    pn->hlines = t.hl;
    pn->hline_labels = t.hll;
    t.th_hlines = thm44_hlines(&t);
    t.xmin = t.ymin = t.ebmin = INFINITY;
    t.xmax = t.ymax = t.ebmax = -INFINITY;
    for (long g = 0; g < t.ngroups; g++)
        if (sweep_group(&t, g) != 0)
            return -1;
    if (sweep_references(&t) != 0)
        return -1;
    sweep_axes(&t, legend_row);
    return 0;
}

int fig_sweep(const qnn_result *res, builder *b, plot_figure *fig)
{
    const qnn_params *p0 = &res->points[0].params;
    char buf[QNN_TEXT_MAX];
    snprintf(buf, sizeof buf, "%s", p0->stats);
    const stat_desc *want[8];
    size_t nw = 0;
    char *save = NULL;
    for (char *tok = strtok_r(buf, ", ", &save); tok && nw < 8; tok = strtok_r(NULL, ", ", &save))
        for (size_t i = 0; i < sizeof stat_table / sizeof stat_table[0]; i++)
            if (!strcmp(stat_table[i].name, tok))
                want[nw++] = &stat_table[i];
    if (nw == 0)
        return -1;
    plot_panel *pn = fig_alloc(&b->a, nw * sizeof *pn);
    if (!pn)
        return -1;
    fig->columns = nw >= 2 ? 2 : 1;
    fig->width = nw >= 2 ? 720 : 420;
    fig->height = 300 * (double)((nw + 1) / 2);
    /* The height of one legend row as a fraction of a plot area, from
     * the font size ui/plot picks for this figure (10 pt on 600 x 400). */
    const double rows = (double)((nw + 1) / 2), cw = fig->width / fig->columns, ch = fig->height / rows;
    double fs = fmin(10.0 * sqrt(fig->width * fig->height / 240000.0), fmin(0.05 * cw, 0.065 * ch));
    fs = fmax(fs, fmin(7.0, 0.045 * fmin(fig->width, fig->height)));
    const double plot_h = ch - 1.6 * fs / rows - 6.0 * fs;
    const double legend_row = plot_h > 0 ? 0.92 * fs / plot_h : 0.05;
    for (size_t i = 0; i < nw; i++)
        if (sweep_panel(res, b, &pn[i], want[i], legend_row) != 0)
            return -1;
    fig->panels = pn;
    fig->npanels = nw;
    return 0;
}

