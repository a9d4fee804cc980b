/* The headless figure: layout chosen from the preset's figure keys, drawn
 * by ui/plot. All arrays live in a small arena freed after drawing. */
#include "results.h"
#include "sweep.h"
#include "plot.h"
#include "qnn/model.h"
#include "qnn/theory.h"
#include "qnn/hessian.h"

#include <math.h>
#include <gsl/gsl_histogram.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct arena {
    void **ptr;
    size_t n, cap;
} arena;

static void *aalloc(arena *a, size_t bytes)
{
    if (a->n == a->cap) {
        size_t nc = a->cap ? 2 * a->cap : 64;
        void **np = realloc(a->ptr, nc * sizeof *np);
        if (!np)
            return NULL;
        a->ptr = np;
        a->cap = nc;
    }
    void *p = calloc(1, bytes ? bytes : 1);
    if (p)
        a->ptr[a->n++] = p;
    return p;
}

static char *astr(arena *a, const char *s)
{
    char *p = aalloc(a, strlen(s) + 1);
    if (p)
        strcpy(p, s);
    return p;
}

static void afree(arena *a)
{
    for (size_t i = 0; i < a->n; i++)
        free(a->ptr[i]);
    free(a->ptr);
}

typedef struct builder {
    arena a;
    plot_series *series;  /* per panel, grown by add_series */
    size_t nseries, cap;
} builder;

static plot_series *add_series(builder *b, plot_panel *pn)
{
    if (pn->nseries == b->cap)
        return NULL;
    plot_series *s = (plot_series *)pn->series + pn->nseries++;
    memset(s, 0, sizeof *s);
    return s;
}

/* A new series of n points (x, y) in the given style and colour; NULL
 * when n < 0 (the data could not be built) or the panel is full. */
static plot_series *add_curve(builder *b, plot_panel *pn, double *x, double *y, long n,
                              plot_style style, int color)
{
    plot_series *s = add_series(b, pn);
    if (n < 0 || !s)
        return NULL;
    s->x = x;
    s->y = y;
    s->n = (size_t)n;
    s->style = style;
    s->color = color;
    return s;
}

static size_t valid_nrec(const qnn_run_instance *ri)
{
    return ri->diverged_at >= 0 && ri->nrec > 0 ? ri->nrec - 1 : ri->nrec;
}

/* Instance ri's records as (x, y): x the step times xscale (1, or
 * consts.dt for the flow time), y the field divided by ydiv. Records whose
 * y is not finite are left out when compact (kernel eigenvalues exist only
 * every kernel_every steps). Returns the count, -1 when memory runs out. */
static long inst_xy(arena *a, const qnn_run_instance *ri, qnn_field f, double xscale,
                    double ydiv, int compact, double **x, double **y)
{
    size_t n = valid_nrec(ri);
    *x = aalloc(a, (n ? n : 1) * sizeof(double));
    *y = aalloc(a, (n ? n : 1) * sizeof(double));
    if (!*x || !*y)
        return -1;
    size_t c = 0;
    for (size_t r = 0; r < n; r++) {
        double v = qnn_obs_field(&ri->rec[r], f) / ydiv;
        if (compact && !isfinite(v))
            continue;
        (*x)[c] = (double)ri->rec[r].step * xscale;
        (*y)[c] = v;
        c++;
    }
    return (long)c;
}

/* The ensemble mean of field f over the records (qnn_ensemble_curve), in
 * the arena, with the conventions of inst_xy. */
static long ens_xy(arena *a, const qnn_run *run, qnn_field f, double xscale, double ydiv,
                   int compact, double **x, double **y)
{
    double *t, *mean, *se;
    size_t n = qnn_ensemble_curve(run, f, &t, &mean, &se);
    if (!t)
        return -1;
    *x = aalloc(a, (n ? n : 1) * sizeof(double));
    *y = aalloc(a, (n ? n : 1) * sizeof(double));
    if (!*x || !*y) {
        free(t); free(mean); free(se);
        return -1;
    }
    size_t c = 0;
    for (size_t r = 0; r < n; r++) {
        double v = mean[r] / ydiv;
        if (compact && !isfinite(v))
            continue;
        (*x)[c] = t[r] * xscale;
        (*y)[c] = v;
        c++;
    }
    free(t); free(mean); free(se);
    return (long)c;
}

/* Flow time per step of a run (qnn_consts.dt, the same for every instance). */
static double run_dt(const qnn_run *run)
{
    return run->ninst > 0 && run->inst[0].consts.dt > 0 ? run->inst[0].consts.dt : 1.0;
}

/* Kernels in asymptotic units: the periodic QNN's K ≈ p K_asym. */
static double kernel_div(const qnn_params *p)
{
    return p->model->kernel_unit ? p->model->kernel_unit(p) : 1.0;
}

/* The symbol a key is written with on an axis or in a legend. */
static const char *key_symbol(const char *key, const qnn_params *p)
{
    static const struct { const char *key, *sym; } tab[] = {
        { "sigma_theta", "σ_{θ}" }, { "eta", "η" }, { "gamma", "γ" }, { "theta_scale", "θ_{scale}" },
        { "n_obs", "n_{obs}" }, { "O0", "O_{0}" }, { "eta_per_L", "η per L" },
        { "carleman_order", "N" }, { "ode_f", "f" }, { "ode_n", "n" }, { "c_w", "C_{W}" }, { "c_b", "C_{b}" },
        { "prune", "pruned fraction" },
    };
    if (!strcmp(key, "m"))
        return qnn_model_has(p->model, QNN_CAP_TASK) ? "|A|" : "m";   /* LIU23's training set */
    for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++)
        if (!strcmp(tab[i].key, key))
            return tab[i].sym;
    return key;
}

/* "σ_{θ} = 0.01, L = 64" for point k: the swept keys in plot markup. */
static void point_caption(const qnn_result *res, long k, char *buf, size_t len)
{
    const qnn_preset *ps = res->preset;
    size_t off = 0;
    buf[0] = '\0';
    for (int i = 0; i < ps->nsweep && off < len; i++) {
        int w = snprintf(buf + off, len - off, "%s%s = %s", i ? ", " : "",
                         key_symbol(ps->sweep[i].key, &res->points[k].params),
                         ps->sweep[i].values[res->points[k].value_index[i]]);
        if (w < 0)
            break;
        off += (size_t)w;
    }
}

/* ------------------------------------------------------------------------ */
/* Training figure: error (or loss) against the step, and the kernel.       */
/* ------------------------------------------------------------------------ */

static int training_figure(const qnn_result *res, builder *b, plot_figure *fig)
{
    arena *a = &b->a;
    const qnn_params *p0 = &res->points[0].params;
    /* a kernel per unit (the periodic QNN's K/p) */
    const int periodic = p0->model->kernel_unit != NULL;
    /* the asymptotic dynamics and the frozen kernel: K_asym, flow time */
    const int asym = qnn_model_has(p0->model, QNN_CAP_FLOW);
    const int you23 = periodic || asym;
    const int supervised = you23 || p0->task == QNN_TASK_SUPERVISED;
    const int use_loss = p0->curve == QNN_CURVE_LOSS;
    const long P = res->npoints;
    long total_inst = 0;
    for (long k = 0; k < P; k++)
        total_inst += res->points[k].run->ninst;
    /* faint instance curves only while they stay readable */
    const int faint = P == 1 ? total_inst <= 500 : total_inst <= 60;

    /* a third panel for the entanglement of the visible qubits when the
     * register has hidden qubits (OME) */
    int hidden = 0;
    for (long k = 0; k < P; k++)
        hidden |= res->points[k].params.n_h > 0 && res->points[k].sum.entropy_t0.n > 0;
    const int npan = hidden ? 3 : 2;
    plot_panel *pn = aalloc(a, (size_t)npan * sizeof *pn);
    size_t cap = (size_t)(total_inst * 2 + P * 6 + 8);
    b->cap = cap;
    if (!pn)
        return -1;
    for (int i = 0; i < npan; i++) {
        pn[i].series = aalloc(a, cap * sizeof(plot_series));
        pn[i].xlabel = asym ? "flow time t (η × steps)" : "step t";
        pn[i].xscale = PLOT_LINEAR;
        pn[i].yscale = PLOT_LOG;
    }
    if (!pn[0].series || !pn[1].series || (hidden && !pn[2].series))
        return -1;
    if (hidden) {
        pn[2].title = "entanglement of the visible qubits";
        pn[2].ylabel = p0->entropy_bits ? "S(ρ_{v}) [bits]" : "S(ρ_{v}) [nats]";
        pn[2].yscale = PLOT_LINEAR;
        pn[2].hlines = aalloc(a, (size_t)P * 2 * sizeof(double));
        pn[2].hline_labels = aalloc(a, (size_t)P * 2 * sizeof(char *));
        if (!pn[2].hlines || !pn[2].hline_labels)
            return -1;
    }
    pn[0].title = use_loss ? "training loss" : (supervised && p0->m > 1 ? "training error (rms residual)" : "training error");
    pn[0].ylabel = use_loss ? "L(t)" : (supervised && p0->m > 1 ? "ε_{rms}(t)" : "|ε(t)|");
    if (!supervised) {
        pn[1].title = "QNTK";
        pn[1].ylabel = "K(t)";
    } else if (periodic) {
        pn[1].title = "smallest kernel eigenvalue per layer";
        pn[1].ylabel = "λ_{min}(K)/p";
    } else if (asym) {
        pn[1].title = qnn_model_has(p0->model, QNN_CAP_FROZEN_K) ? "eigenvalues of the frozen K_{asym}(0)"
                                                    : "eigenvalues of K_{asym}(t)";
        pn[1].ylabel = "λ(K_{asym})";
    } else {
        pn[1].title = "kernel eigenvalues";
        pn[1].ylabel = "λ(K)";
    }

    double *hl = aalloc(a, (size_t)P * 2 * sizeof(double));
    const char **hll = aalloc(a, (size_t)P * 2 * sizeof(char *));
    double *hl0 = aalloc(a, (size_t)P * sizeof(double));
    const char **hll0 = aalloc(a, (size_t)P * sizeof(char *));
    if (!hl || !hll || !hl0 || !hll0)
        return -1;
    pn[1].hlines = hl;
    pn[1].hline_labels = hll;
    pn[0].hlines = hl0;
    pn[0].hline_labels = hll0;

    double bound_max = 0.0;
    for (long k = 0; k < P; k++) {
        const qnn_point *pt = &res->points[k];
        const qnn_run *run = pt->run;
        const qnn_summary *s = &pt->sum;
        /* Two or more swept keys: colour by the last key's value, line
         * weight by the first key's (bold, normal, dotted ...). */
        const int nsw = res->preset->nsweep;
        const int color = P == 1 ? 0 : nsw >= 2 ? pt->value_index[nsw - 1] : (int)k;
        const plot_style mstyle = nsw >= 2 ? (pt->value_index[0] == 0 ? PLOT_BOLD
                                              : pt->value_index[0] == 1 ? PLOT_LINE : PLOT_DOTTED)
                                           : PLOT_BOLD;
        char lab[256];
        point_caption(res, k, lab, sizeof lab);
        const double pl = kernel_div(&pt->params);
        /* x: the step, or the flow time for the asymptotic models */
        const double xs = asym ? run_dt(run) : 1.0;
        /* |ε|: the rms residual when m > 1, the signed residual's size at m = 1 */
        const qnn_field f = use_loss ? QNN_FIELD_LOSS : QNN_FIELD_ABS_EPS;

        if (faint)
            for (int i = 0; i < run->ninst; i++) {
                const qnn_run_instance *ri = &run->inst[i];
                double *x, *y;
                long n = inst_xy(a, ri, f, xs, 1.0, 0, &x, &y);
                plot_series *sr = add_curve(b, &pn[0], x, y, n, PLOT_FAINT, P == 1 ? -1 : color);
                if (!sr)
                    return -1;
                if (i == 0 && P == 1)
                    sr->label = "instances";
                /* kernel panel: K(t), or λ_min where it was computed */
                qnn_field kf = supervised ? QNN_FIELD_LAMBDA_MIN : QNN_FIELD_KERNEL;
                if (supervised && !you23)
                    continue;
                n = inst_xy(a, ri, kf, xs, pl, supervised, &x, &y);
                plot_series *sk = add_curve(b, &pn[1], x, y, n, PLOT_FAINT, P == 1 ? -1 : color);
                if (!sk)
                    return -1;
                if (i == 0 && P == 1 && supervised)
                    sk->label = "instances";
            }

        /* Ensemble means. */
        double *t, *mean;
        long nl = ens_xy(a, run, f, xs, 1.0, 0, &t, &mean);
        if (nl < 0)
            return -1;
        const size_t n = (size_t)nl;
        plot_series *sm = add_series(b, &pn[0]);
        if (!sm)
            return -1;
        sm->x = t;
        sm->y = mean;
        sm->n = n;
        sm->style = mstyle;
        sm->color = color;
        sm->label = P == 1 ? "ensemble mean" : astr(a, lab);

        /* Theory curve for panel 0 (computed on the step axis). */
        double *th = aalloc(a, (n ? n : 1) * sizeof(double));
        if (!th)
            return -1;
        const char *thl = NULL;
        int thstyle = PLOT_DASHED;
        const qnn_theory_value *kbar = qnn_summary_theory(s, "mean_qntk");
        /* the prediction the class offers, as the live panels draw it */
        const qnn_consts mc = { .D = s->D, .L = (int)s->L, .trO = s->trO, .trO2 = s->trO2,
                                .trO4 = s->trO4, .H_op2_sum = s->H_op2_sum };
        const qnn_live_pred pred = qnn_model_prediction(&pt->params, &mc, run->m);
        if (pred == QNN_LIVE_PRED_RATE && kbar) {
            const qnn_theory_value *kb = kbar;
            double Kbar = kb ? kb->value : NAN;
            for (size_t r = 0; r < n; r++) {
                double e0 = use_loss ? s->loss_t0.mean : s->abs_eps_t0.mean;
                double e = qnn_theory_eps_exp(1.0, s->eta, Kbar, t[r]);
                th[r] = use_loss ? qnn_theory_loss_exp(e0, e) : e0 * e;
            }
            thl = use_loss ? "L(0) e^{−2ηK̄t} (LIU23)" : "|ε(0)| e^{−ηK̄t} (LIU23 Eq. 10)";
            const qnn_theory_value *na = qnn_summary_theory(s, "noise_abs_eps");
            if (na && !use_loss) {
                hl0[pn[0].nhlines] = na->value;
                hll0[pn[0].nhlines] = k == 0 ? "E|ε(∞)| (LLJ Eq. 38)" : NULL;
                pn[0].nhlines++;
            }
        } else if (pred == QNN_LIVE_PRED_BOUND) {
            const qnn_theory_value *sb = qnn_summary_theory(s, "sublinear_bound");
            if (sb && n > 0 && sb->value < 1e-2 * mean[n - 1]) {
                /* A bound two decades below the data would squash the
                 * curves into the top of the panel: say it in a note. */
                char note[160], tend[32];
                snprintf(tend, sizeof tend, asym ? "%.3g" : "%.0f", t[n - 1]);
                snprintf(note, sizeof note, "YOU23 Thm. 3.2 bound L(t) ≥ 1/(c_0 + c_1 t)^{2} holds;\nat t = %s it is %s%.2g, off this scale",
                         tend, P > 1 ? "at most " : "", sb->value);
                if (!pn[0].note || sb->value > bound_max) {
                    pn[0].note = astr(a, note);
                    bound_max = sb->value;
                }
            } else if (sb) {
                for (size_t r = 0; r < n; r++)
                    th[r] = qnn_theory_sublinear_bound(s->loss_t0.mean, s->eta, s->H_op2_sum, t[r] / xs);
                thl = "1/(c_0 + c_1 t)^{2} (YOU23 Thm. 3.2)";
                thstyle = PLOT_DOTTED;
            }
        }
        if (thl) {
            plot_series *st = add_series(b, &pn[0]);
            if (!st)
                return -1;
            st->x = t;
            st->y = th;
            st->n = n;
            st->style = (plot_style)thstyle;
            st->color = P == 1 ? 1 : color;
            st->label = k == 0 ? thl : NULL;
        }

        /* Kernel panel. */
        if (!supervised) {
            double *x2, *y2;
            long nk = ens_xy(a, run, QNN_FIELD_KERNEL, xs, 1.0, 0, &x2, &y2);
            plot_series *sk = add_series(b, &pn[1]);
            if (nk < 0 || !sk)
                return -1;
            sk->x = x2; sk->y = y2; sk->n = (size_t)nk; sk->style = mstyle; sk->color = color;
            /* several points: the colours are named in the left legend */
            sk->label = P == 1 ? "ensemble mean K(t)" : NULL;
            const qnn_theory_value *kb = qnn_summary_theory(s, "mean_qntk");
            if (kb) {
                hl[pn[1].nhlines] = kb->value;
                hll[pn[1].nhlines] = k == 0 ? "K̄ (exact mean)" : NULL;
                pn[1].nhlines++;
            }
        } else {
            for (int which = 0; which < 2; which++) {
                if (periodic && which == 1)
                    break;
                /* keep only the steps where eigenvalues were computed */
                double *x2, *y2;
                long nk = ens_xy(a, run, which == 0 ? QNN_FIELD_LAMBDA_MIN : QNN_FIELD_LAMBDA_MAX,
                                 xs, pl, 1, &x2, &y2);
                plot_series *sk = add_series(b, &pn[1]);
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
                hl[pn[1].nhlines] = lm->value;
                hll[pn[1].nhlines] = k == 0 ? "λ_{min} of the mean kernel (LIU23 Eq. 21)" : NULL;
                pn[1].nhlines++;
            }
            const qnn_theory_value *lg = qnn_summary_theory(s, "global_min_kernel");
            if (lg && pt->params.gamma > 1.0 && k == 0) {
                hl[pn[1].nhlines] = lg->value;
                int same_gamma = 1;
                for (long q = 1; q < P; q++)
                    same_gamma &= res->points[q].params.gamma == pt->params.gamma;
                char gl[96];
                snprintf(gl, sizeof gl, "2γ^{2}(1 − 1/γ^{2}) at γ = %.3g (YOU23 Thm. 4.4)", pt->params.gamma);
                hll[pn[1].nhlines] = same_gamma ? "2γ^{2}(1 − 1/γ^{2}) (YOU23 Thm. 4.4)" : astr(a, gl);
                pn[1].nhlines++;
            }
        }
    }
    if (hidden) {
        /* S(ρ_v)(t) where it was computed, with Page's value and ln D_v */
        double *hl2 = (double *)pn[2].hlines;
        const char **hll2 = (const char **)pn[2].hline_labels;
        for (long k = 0; k < P; k++) {
            const qnn_point *pt = &res->points[k];
            const int nsw = res->preset->nsweep;
            const int color = P == 1 ? 0 : nsw >= 2 ? pt->value_index[nsw - 1] : (int)k;
            const double xs = asym ? run_dt(pt->run) : 1.0;
            double *x2, *y2;
            long ne = ens_xy(a, pt->run, QNN_FIELD_ENTROPY, xs, 1.0, 1, &x2, &y2);
            plot_series *se = add_curve(b, &pn[2], x2, y2, ne, PLOT_BOLD, color);
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
    }
    if (asym && P > 1 && res->preset->nsweep < 2) {
        /* the colours are named on the left: say which line is which */
        for (int which = 0; which < 2; which++) {
            plot_series *sl = add_series(b, &pn[1]);
            if (!sl)
                return -1;
            sl->style = which == 0 ? PLOT_BOLD : PLOT_LINE;
            sl->color = -1;
            sl->label = which == 0 ? "λ_{min} (bold)" : "λ_{max} (thin)";
        }
    }
    fig->panels = pn;
    fig->npanels = (size_t)npan;
    fig->columns = npan;
    fig->width = hidden ? 1080 : 720;
    fig->height = 300;
    return 0;
}

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
    { "final_abs_eps", "residual error after training", "E|ε(T)|", "noise_abs_eps", "LLJ Eq. 38" },
    { "final_eps_std", "spread of the final error", "σ_{ε}(T)", "noise_eps_std", "LLJ Eq. 34: √s" },
    { "final_loss", "final loss", "L(T)", "sublinear_bound", "YOU23 Thm. 3.2 bound" },
    { "entropy_t0", "entanglement entropy of the visible qubits", "S(ρ_{v})", "page_entropy", "Page value (Haar states)" },
    { "tdist_t0", "distance of ρ_{v} from I/D_{v}", "½‖ρ_{v} − I/D_{v}‖_{1}", "trace_distance_bound", "½√(D_{v}/D_{h}) (OME Prop. 2)" },
    { "grad_inf_var_t0", "variance of the gradient ∞-norm", "Var ‖∇L‖_{∞}", NULL, NULL },
    { "grad_var_t0", "gradient variance at initialisation", "⟨(∂L/∂θ_{μ})^{2}⟩ below the output layer", NULL, NULL },
    { "kernel_rel_var_t0", "relative NTK variance at initialisation", "Var K / K̄^{2}", NULL, NULL },
    { "laziness_final", "parameter motion (laziness)", "‖θ(T) − θ(0)‖ / ‖θ(0)‖", NULL, NULL },
    { "accuracy_final", "training accuracy at the end", "accuracy", NULL, NULL },
    { "test_accuracy_final", "test accuracy at the end", "test accuracy", NULL, NULL },
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
    const double kd = kernel_div(&pt->params);
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
    else if (!strcmp(nm, "final_abs_eps")) { *y = s->abs_eps_final.mean; *e = s->abs_eps_final.se; }
    else if (!strcmp(nm, "final_eps_std")) {
        *y = s->eps_final.sd;
        *e = qnn_sd_se(s->eps_final.sd, s->eps_final.n);
    }
    else if (!strcmp(nm, "entropy_t0")) { *y = s->entropy_t0.mean; *e = s->entropy_t0.se; }
    else if (!strcmp(nm, "tdist_t0")) { *y = s->tdist_t0.mean; *e = s->tdist_t0.se; }
    else if (!strcmp(nm, "grad_inf_var_t0")) qnn_grad_inf_variance(s, y, e);
    else if (!strcmp(nm, "grad_var_t0")) { *y = s->grad_ms_t0.mean; *e = s->grad_ms_t0.se; }
    else if (!strcmp(nm, "kernel_rel_var_t0")) { *y = s->kernel_rel_var_t0; *e = s->kernel_rel_var_t0_se; }
    else if (!strcmp(nm, "laziness_final")) { *y = s->laziness_final.mean; *e = s->laziness_final.se; }
    else if (!strcmp(nm, "accuracy_final")) { *y = s->accuracy_final.mean; *e = s->accuracy_final.se; }
    else if (!strcmp(nm, "test_accuracy_final")) { *y = s->test_accuracy_final.mean; *e = s->test_accuracy_final.se; }
    else if (!strcmp(nm, "hessian_frac_pos_final")) { *y = s->h_frac_pos_final.mean; *e = s->h_frac_pos_final.se; }
    else if (!strcmp(nm, "hessian_min_final")) { *y = s->h_min_final.mean; *e = s->h_min_final.se; }
    else if (!strcmp(nm, "hessian_max_final")) { *y = s->h_max_final.mean; *e = s->h_max_final.se; }
    else { *y = s->loss_final.mean; *e = s->loss_final.se; }
}

/* legend_row: the height of a legend text line over that of the plot area */
static int sweep_panel(const qnn_result *res, builder *b, plot_panel *pn, const stat_desc *sd,
                       double legend_row)
{
    arena *a = &b->a;
    const qnn_preset *ps = res->preset;
    const char *xkey = ps->nsweep > 0 ? ps->sweep[0].key : NULL;
    const int nx = ps->nsweep > 0 ? ps->sweep[0].nvalues : 1;
    const long P = res->npoints;
    const long ngroups = P / nx;
    /* YOU23 Thm. 4.4 depends on γ alone: where it is the same along each
     * series (γ not on the x axis) it is a horizontal line per value */
    const int thm44 = sd->theory && !strcmp(sd->theory, "global_min_kernel");
    int th_hlines = thm44;
    pn->title = sd->title;
    pn->ylabel = stat_ylabel(sd, &res->points[0].params);
    pn->xlabel = xkey ? key_symbol(xkey, &res->points[0].params) : "point";
    size_t cap = (size_t)ngroups * 4 + 4;
    b->cap = cap;
    pn->series = aalloc(a, cap * sizeof(plot_series));
    double *hl = aalloc(a, ((size_t)P + 1) * sizeof(double));
    double *hgam = aalloc(a, ((size_t)P + 1) * sizeof(double));
    const char **hll = aalloc(a, ((size_t)P + 1) * sizeof(char *));
    if (!pn->series || !hl || !hgam || !hll)
        return -1;
    pn->hlines = hl;
    pn->hline_labels = hll;
    if (thm44)
        for (long g = 0; g < ngroups && th_hlines; g++) {
            const qnn_theory_value *t0 = qnn_summary_theory(&res->points[g].sum, sd->theory);
            for (int i = 1; i < nx; i++) {
                const qnn_theory_value *ti = qnn_summary_theory(&res->points[(long)i * ngroups + g].sum, sd->theory);
                if (!t0 != !ti || (t0 && ti && t0->value != ti->value))
                    th_hlines = 0;
            }
        }
    double xmin = INFINITY, xmax = -INFINITY, ymin = INFINITY, ymax = -INFINITY;
    double ebmin = INFINITY, ebmax = -INFINITY;
    for (long g = 0; g < ngroups; g++) {
        double *x = aalloc(a, (size_t)nx * sizeof(double)), *y = aalloc(a, (size_t)nx * sizeof(double));
        double *e = aalloc(a, (size_t)nx * sizeof(double)), *th = aalloc(a, (size_t)nx * sizeof(double));
        double *y2 = aalloc(a, (size_t)nx * sizeof(double)), *e2 = aalloc(a, (size_t)nx * sizeof(double));
        if (!x || !y || !e || !th || !y2 || !e2)
            return -1;
        int have_th = 0;
        for (int i = 0; i < nx; i++) {
            /* The first swept key varies slowest: point = i * ngroups + g. */
            const qnn_point *pt = &res->points[(long)i * ngroups + g];
            const qnn_summary *s = &pt->sum;
            x[i] = xkey ? key_value(&pt->params, xkey) : i;
            if (!isfinite(x[i]))
                x[i] = i;
            stat_value(sd, pt, &y[i], &e[i], &y2[i], &e2[i]);
            const qnn_theory_value *tv = sd->theory ? qnn_summary_theory(s, sd->theory) : NULL;
            th[i] = tv ? tv->value : NAN;
            if (tv)
                have_th = 1;
            double vals[3] = { y[i], y2[i], th[i] };
            for (int j = 0; j < 3; j++)
                if (isfinite(vals[j])) {
                    if (vals[j] < ymin) ymin = vals[j];
                    if (vals[j] > ymax) ymax = vals[j];
                }
            if (x[i] < xmin) xmin = x[i];
            if (x[i] > xmax) xmax = x[i];
            /* error bars, for the room left to the legend */
            double bars[4] = { y[i] + fabs(e[i]), y[i] - fabs(e[i]), y2[i] + fabs(e2[i]), y2[i] - fabs(e2[i]) };
            for (int j = 0; j < 4; j++)
                if (isfinite(bars[j]) && bars[j] > 0) {
                    ebmin = fmin(ebmin, bars[j]);
                    ebmax = fmax(ebmax, bars[j]);
                }
        }
        char lab[256] = "";
        if (ps->nsweep > 1) {
            /* label the group by the other keys */
            const qnn_point *pt = &res->points[g];
            size_t off = 0;
            for (int k = 1; k < ps->nsweep; k++)
                off += (size_t)snprintf(lab + off, sizeof lab - off, "%s%s = %s", k > 1 ? ", " : "",
                                        key_symbol(ps->sweep[k].key, &pt->params), ps->sweep[k].values[pt->value_index[k]]);
        }
        const int color = (int)(g % 8);
        plot_series *s1 = add_series(b, pn);
        if (!s1)
            return -1;
        /* several series: a line through each helps to follow it */
        s1->x = x; s1->y = y; s1->yerr = e; s1->n = (size_t)nx; s1->color = color;
        s1->style = ngroups > 1 && nx > 1 ? PLOT_LINE_POINTS : PLOT_POINTS;
        if (!strcmp(sd->name, "lambda_min_t0"))
            s1->label = astr(a, ps->nsweep > 1 ? lab : "λ_{min} of the mean kernel");
        else
            s1->label = ps->nsweep > 1 ? astr(a, lab) : "measured (± 1 s.e.)";
        if (!strcmp(sd->name, "lambda_min_t0")) {
            plot_series *s2 = add_series(b, pn);
            if (!s2)
                return -1;
            s2->x = x; s2->y = y2; s2->yerr = e2; s2->n = (size_t)nx; s2->style = PLOT_LINE_POINTS;
            s2->color = ps->nsweep > 1 ? color : 2;
            s2->label = g == 0 ? "mean over instances of λ_{min}" : NULL;
        }
        if (have_th && th_hlines) {
            /* one line per distinct value */
            const double v = th[0];
            int seen = !isfinite(v);
            for (size_t j = 0; j < pn->nhlines && !seen; j++)
                seen = hl[j] == v;
            if (!seen) {
                hgam[pn->nhlines] = res->points[g].params.gamma;
                hl[pn->nhlines] = v;
                hll[pn->nhlines] = sd->theory_label;
                pn->nhlines++;
            }
        } else if (have_th) {
            plot_series *s3 = add_series(b, pn);
            if (!s3)
                return -1;
            s3->x = x; s3->y = th; s3->n = (size_t)nx; s3->style = PLOT_DASHED;
            s3->color = ps->nsweep > 1 ? color : 1;
            s3->label = g == 0 ? sd->theory_label : NULL;
        }
        if (!strcmp(sd->name, "grad_inf_var_t0") && xkey) {
            /* OME Fig. 3b: least-squares exponential fit against the swept key */
            double *yy = aalloc(a, (size_t)nx * sizeof(double)), *ee = aalloc(a, (size_t)nx * sizeof(double));
            double *fy = aalloc(a, (size_t)nx * sizeof(double));
            if (!yy || !ee || !fy)
                return -1;
            for (int i = 0; i < nx; i++) {
                double yb, eb;
                stat_value(sd, &res->points[(long)i * ngroups + g], &yy[i], &ee[i], &yb, &eb);
            }
            double A, bb, bse;
            if (qnn_fit_exponential(x, yy, ee, (size_t)nx, &A, &bb, &bse) >= 2) {
                for (int i = 0; i < nx; i++)
                    fy[i] = qnn_exponential_law(A, bb, x[i]);
                plot_series *sf = add_series(b, pn);
                if (!sf)
                    return -1;
                sf->x = x; sf->y = fy; sf->n = (size_t)nx; sf->style = PLOT_DASHED;
                sf->color = ps->nsweep > 1 ? color : 2;
                char fl[128];
                snprintf(fl, sizeof fl, "fit ∝ e^{b %s}, b = %.3f ± %.3f", key_symbol(xkey, &res->points[0].params), bb, bse);
                sf->label = astr(a, fl);
            }
        }
        const int wl = xkey && !strcmp(xkey, "width") ? qnn_width_law_of(sd->name) : -1;
        if (wl >= 0) {
            /* LLJ App. A: a power law in the width, fitted on log-log axes,
             * beside the predicted slope drawn through the fit's centre */
            const qnn_width_law *law = &qnn_width_laws[wl];
            double *fy = aalloc(a, (size_t)nx * sizeof(double)), *ry = aalloc(a, (size_t)nx * sizeof(double));
            if (!fy || !ry)
                return -1;
            double A, bb, bse;
            if (qnn_fit_power(x, y, e, (size_t)nx, &A, &bb, &bse) >= 2) {
                double xc, yc;
                qnn_power_fit_centre(x, (size_t)nx, A, bb, &xc, &yc);
                for (int i = 0; i < nx; i++) {
                    fy[i] = qnn_power_law(A, bb, x[i]);
                    ry[i] = isfinite(law->prediction) ? qnn_power_law_through(xc, yc, law->prediction, x[i]) : NAN;
                }
                plot_series *sf = add_series(b, pn);
                if (!sf)
                    return -1;
                sf->x = x; sf->y = fy; sf->n = (size_t)nx; sf->style = PLOT_LINE;
                sf->color = ps->nsweep > 1 ? color : 2;
                char fl[128];
                snprintf(fl, sizeof fl, "fit ∝ width^{b}: b = %.2f ± %.2f", bb, bse);
                sf->label = astr(a, fl);
                if (isfinite(law->prediction)) {
                    plot_series *sr = add_series(b, pn);
                    if (!sr)
                        return -1;
                    sr->x = x; sr->y = ry; sr->n = (size_t)nx; sr->style = PLOT_DASHED;
                    sr->color = -1;
                    sr->label = g == 0 ? width_law_ref_label[wl] : NULL;
                }
            }
        }
        if (!strcmp(sd->name, "kernel_t0")) {
            double *lo = aalloc(a, (size_t)nx * sizeof(double));
            if (!lo)
                return -1;
            for (int i = 0; i < nx; i++) {
                const qnn_theory_value *tv = qnn_summary_theory(&res->points[(long)i * ngroups + g].sum, "mean_qntk_leading");
                lo[i] = tv ? tv->value : NAN;
            }
            plot_series *s4 = add_series(b, pn);
            if (!s4)
                return -1;
            s4->x = x; s4->y = lo; s4->n = (size_t)nx; s4->style = PLOT_DOTTED;
            s4->color = ps->nsweep > 1 ? color : 3;
            s4->label = g == 0 ? "2Lγ^{2}trO^{2}/D^{2} (LIU23 Eq. 17)" : NULL;
        }
    }
    if (th_hlines && pn->nhlines > 1) {
        /* several values: name the γ of each */
        for (size_t j = 0; j < pn->nhlines; j++) {
            char buf[96];
            snprintf(buf, sizeof buf, "%s (γ = %.3g)", sd->theory_label, hgam[j]);
            hll[j] = astr(a, buf);
        }
    } else if (th_hlines && pn->nhlines == 1) {
        hll[0] = "Thm. 4.4 leading order 2γ^{2}(1 − 1/γ^{2})";
    }
    if (!strcmp(sd->name, "kernel_change_final") && !qnn_model_has(res->points[0].params.model, QNN_CAP_TASK) &&
        isfinite(xmin) && isfinite(xmax)) {
        /* YOU23 Fig. 5: the kernel changes by at least 5 % everywhere (a
         * series across the data, named in the legend, so that no label
         * sits on the points) */
        double *lx = aalloc(a, 2 * sizeof(double)), *ly = aalloc(a, 2 * sizeof(double));
        plot_series *s5 = add_series(b, pn);
        if (!lx || !ly || !s5)
            return -1;
        lx[0] = xmin; lx[1] = xmax;
        ly[0] = ly[1] = 0.05;
        s5->x = lx; s5->y = ly; s5->n = 2;
        s5->style = PLOT_DASHED;
        s5->color = -1;
        s5->label = "5 % (YOU23 Fig. 5: more everywhere)";
        ymin = fmin(ymin, 0.05);
        ymax = fmax(ymax, 0.05);
    }
    for (size_t j = 0; j < pn->nhlines; j++)
        if (isfinite(hl[j])) {
            if (hl[j] < ymin) ymin = hl[j];
            if (hl[j] > ymax) ymax = hl[j];
        }
    pn->xscale = xmin > 0 && xmax / xmin >= 8 ? PLOT_LOG : PLOT_LINEAR;
    /* power laws read best on log-log axes */
    pn->yscale = ymin > 0 && (ymax / ymin >= 8 || (pn->xscale == PLOT_LOG && ymax / ymin >= 2)) ? PLOT_LOG : PLOT_LINEAR;
    if (xkey && !strcmp(xkey, "width") && qnn_width_law_of(sd->name) >= 0 && xmin > 0 && ymin > 0) {
        pn->xscale = PLOT_LOG;
        pn->yscale = PLOT_LOG;
    }
    /* a power law falls across the panel: leave the legend the top */
    const int law_panel = xkey && !strcmp(xkey, "width") && qnn_width_law_of(sd->name) >= 0;
    if ((ngroups > 2 || law_panel) && isfinite(ymin) && isfinite(ymax) && ymax > ymin) {
        /* A legend of many series would hide points wherever it goes:
         * leave it the top of the panel. */
        size_t rows = 0;
        for (size_t j = 0; j < pn->nseries; j++)
            rows += pn->series[j].label != NULL;
        double frac = fmin(0.6, legend_row * (1.0 + 1.45 * (double)rows + 2.4));
        if (pn->yscale == PLOT_LOG && ebmin > 0) {
            ymin = fmin(ymin, ebmin);
            ymax = fmax(ymax, ebmax);
        } else if (pn->yscale == PLOT_LINEAR && isfinite(ebmax)) {
            ymax = fmax(ymax, ebmax);
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
    return 0;
}

static int sweep_figure(const qnn_result *res, builder *b, plot_figure *fig)
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
    plot_panel *pn = aalloc(&b->a, nw * sizeof *pn);
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

/* ------------------------------------------------------------------------ */
/* Compare figure: the periodic QNN beside its asymptotic dynamics and the  */
/* frozen-kernel caricature (YOU23), all on the flow-time axis.             */
/* ------------------------------------------------------------------------ */

/* Index of the swept key `model`, or -1. */
static int model_key(const qnn_preset *ps)
{
    for (int i = 0; i < ps->nsweep; i++)
        if (!strcmp(ps->sweep[i].key, "model"))
            return i;
    return -1;
}

/* The combination of the swept keys other than `skip` at point k: its
 * index (mixed radix over those keys) and its caption. */
static long other_keys(const qnn_result *res, long k, int skip, char *buf, size_t len)
{
    const qnn_preset *ps = res->preset;
    const qnn_point *pt = &res->points[k];
    long g = 0;
    size_t off = 0;
    buf[0] = '\0';
    for (int i = 0; i < ps->nsweep; i++) {
        if (i == skip)
            continue;
        g = g * ps->sweep[i].nvalues + pt->value_index[i];
        if (off < len) {
            int w = snprintf(buf + off, len - off, "%s%s = %s", off ? ", " : "",
                             key_symbol(ps->sweep[i].key, &pt->params),
                             ps->sweep[i].values[pt->value_index[i]]);
            if (w > 0)
                off += (size_t)w;
        }
    }
    return g;
}

static plot_style model_style(const qnn_model_class *m)
{
    return m->line == 1 ? PLOT_DASHED : m->line == 2 ? PLOT_DOTTED : PLOT_BOLD;
}

static const char *model_word(const qnn_model_class *m)
{
    return m->label;
}

/* Log scale when the positive values in the panel's series span a decade. */
static plot_scale auto_yscale(const plot_panel *pn)
{
    double lo = INFINITY, hi = -INFINITY;
    for (size_t s = 0; s < pn->nseries; s++)
        for (size_t i = 0; i < pn->series[s].n; i++) {
            double v = pn->series[s].y[i];
            if (!isfinite(v))
                continue;
            if (v <= 0)
                return PLOT_LINEAR;
            lo = fmin(lo, v);
            hi = fmax(hi, v);
        }
    return lo > 0 && hi / lo >= 10 ? PLOT_LOG : PLOT_LINEAR;
}

static int compare_figure(const qnn_result *res, builder *b, plot_figure *fig)
{
    arena *a = &b->a;
    const qnn_preset *ps = res->preset;
    const qnn_params *p0 = &res->points[0].params;
    const int use_loss = p0->curve == QNN_CURVE_LOSS;
    const int mk = model_key(ps);
    const long P = res->npoints;
    long qnn_inst = 0;
    int have_model[4] = { 0, 0, 0, 0 }, have_lead = 0;   /* by line; a leader of figure = compare */
    long *group = aalloc(a, (size_t)P * sizeof(long));
    char **gcap = aalloc(a, (size_t)P * sizeof(char *));
    char *named = aalloc(a, (size_t)P + 1);   /* per group: colour in the legend */
    char *has_qnn = aalloc(a, (size_t)P + 1); /* per group: a QNN point */
    if (!group || !gcap || !named || !has_qnn)
        return -1;
    for (long k = 0; k < P; k++) {
        const qnn_point *pt = &res->points[k];
        char c[256];
        group[k] = other_keys(res, k, mk, c, sizeof c);
        if (group[k] < 0 || group[k] >= P)
            group[k] = k;
        if (!(gcap[k] = astr(a, c)))
            return -1;
        have_model[pt->params.model->line & 3] = 1;
        if (qnn_model_offers(pt->params.model, "compare")) {
            have_lead = 1;
            qnn_inst += pt->run->ninst;
            has_qnn[group[k]] = 1;
        }
    }
    /* faint instance curves of the QNN while they stay readable */
    const int faint = qnn_inst <= 40;

    enum { NPANEL = 3 };
    plot_panel *pn = aalloc(a, NPANEL * sizeof *pn);
    size_t cap = (size_t)(qnn_inst + P * 2 + 8);
    b->cap = cap;
    if (!pn)
        return -1;
    for (int i = 0; i < NPANEL; i++) {
        pn[i].series = aalloc(a, cap * sizeof(plot_series));
        if (!pn[i].series)
            return -1;
        pn[i].xlabel = "flow time t";
        pn[i].xscale = PLOT_LINEAR;
    }
    pn[0].title = use_loss ? "training loss" : p0->m > 1 ? "training error (rms residual)" : "training error";
    pn[0].ylabel = use_loss ? "L(t)" : p0->m > 1 ? "ε_{rms}(t)" : "|ε(t)|";
    pn[0].yscale = PLOT_LOG;
    pn[1].title = "smallest kernel eigenvalue";
    pn[1].ylabel = "λ_{min}(K_{asym}),  QNN: λ_{min}(K)/p";
    pn[2].title = have_model[2] ? "relative kernel change (frozen: 0)" : "relative kernel change";
    pn[2].ylabel = "‖K(t) − K(0)‖_{F} / ‖K(0)‖_{F}";
    pn[2].yscale = PLOT_LINEAR;
    /* the legend explains the whole figure from the kernel-change panel,
     * where the curves leave the lower right free */
    plot_panel *leg = &pn[2];

    if (faint)
        for (long k = 0; k < P; k++) {
            const qnn_point *pt = &res->points[k];
            if (!qnn_model_offers(pt->params.model, "compare"))
                continue;
            for (int i = 0; i < pt->run->ninst; i++) {
                double *x, *y;
                long n = inst_xy(a, &pt->run->inst[i], use_loss ? QNN_FIELD_LOSS : QNN_FIELD_ABS_EPS,
                                 run_dt(pt->run), 1.0, 0, &x, &y);
                plot_series *sr = add_curve(b, &pn[0], x, y, n, PLOT_FAINT, (int)group[k]);
                if (!sr)
                    return -1;
            }
        }
    /* Means: the frozen kernel and the asymptotic dynamics first, the QNN
     * on top. Records without eigenvalues are left out, not drawn as gaps. */
    /* by line: dotted (frozen), dashed (asymptotic), then the QNN */
    double lo_qa = INFINITY, hi_all = -INFINITY, lo_all = INFINITY;
    for (int o = 0; o < 3; o++)
        for (long k = 0; k < P; k++) {
            const qnn_point *pt = &res->points[k];
            const qnn_model_class *mod = pt->params.model;
            if (mod->line != 2 - o)
                continue;
            const qnn_run *run = pt->run;
            const long g = group[k];
            const double xs = run_dt(run), kd = kernel_div(&pt->params);
            static const qnn_field fields[NPANEL] = { QNN_FIELD_LOSS, QNN_FIELD_LAMBDA_MIN, QNN_FIELD_KCHANGE };
            plot_series *mine[NPANEL] = { NULL, NULL, NULL };
            for (int j = 0; j < NPANEL; j++) {
                if (j == 2 && qnn_model_has(mod, QNN_CAP_FROZEN_K))
                    continue; /* 0 by construction */
                qnn_field f = j == 0 && !use_loss ? QNN_FIELD_ABS_EPS : fields[j];
                double *x, *y;
                long n = ens_xy(a, run, f, xs, j == 1 ? kd : 1.0, 1, &x, &y);
                plot_series *sr = add_series(b, &pn[j]);
                if (n < 0 || !sr)
                    return -1;
                sr->x = x; sr->y = y; sr->n = (size_t)n;
                sr->style = model_style(mod);
                sr->color = (int)g;
                mine[j] = sr;
                if (j == 0)
                    for (long r = 0; r < n; r++)
                        if (y[r] > 0 && isfinite(y[r])) {
                            if (!qnn_model_has(mod, QNN_CAP_FROZEN_K))
                                lo_qa = fmin(lo_qa, y[r]);
                            lo_all = fmin(lo_all, y[r]);
                            hi_all = fmax(hi_all, y[r]);
                        }
            }
            /* Each colour is named once, on the QNN's curve where the group
             * has one (so that a solid line reads "QNN"). */
            if (!named[g] && (qnn_model_offers(mod, "compare") || !has_qnn[g])) {
                plot_series *sl = mine[2];
                if (!sl) {
                    /* no curve in the legend's panel: an entry alone */
                    if (!(sl = add_series(b, leg)))
                        return -1;
                    sl->style = model_style(mod);
                    sl->color = (int)g;
                }
                char lab[300];
                snprintf(lab, sizeof lab, "%s%s%s", model_word(mod), gcap[k][0] ? " " : "", gcap[k]);
                sl->label = astr(a, lab);
                named[g] = 1;
            }
        }
    /* the line styles, in grey, for the models beside the QNN */
    static const struct { int line; const char *label; } key[2] = {
        { 1, "asymptotic dynamics (dashed)" },
        { 2, "frozen kernel K_{asym}(0) (dotted)" },
    };
    for (int j = 0; j < 2; j++) {
        if (!have_model[key[j].line])
            continue;
        plot_series *sr = add_series(b, leg);
        if (!sr)
            return -1;
        sr->style = key[j].line == 1 ? PLOT_DASHED : PLOT_DOTTED;
        sr->color = -1;
        sr->label = key[j].label;
    }
    /* The frozen kernel's straight line may run many decades further
     * down: keep the QNN and the asymptotic dynamics readable and let it
     * leave through the bottom. */
    if (isfinite(lo_qa) && lo_all < 1e-3 * lo_qa) {
        pn[0].ymin = pow(10.0, floor(log10(lo_qa)) - 2.0);
        pn[0].ymax = pow(10.0, ceil(log10(hi_all)));
    }
    pn[1].yscale = auto_yscale(&pn[1]);
    {
        /* keep the lowest fifth free for the note */
        double lo = INFINITY, hi = -INFINITY;
        for (size_t j = 0; j < pn[1].nseries; j++)
            for (size_t i = 0; i < pn[1].series[j].n; i++) {
                double v = pn[1].series[j].y[i];
                if (isfinite(v) && (pn[1].yscale == PLOT_LINEAR || v > 0)) {
                    lo = fmin(lo, v);
                    hi = fmax(hi, v);
                }
            }
        if (isfinite(lo) && hi > lo) {
            if (pn[1].yscale == PLOT_LOG) {
                double top = ceil(log10(hi) + 0.02), span = top - log10(lo);
                pn[1].ymax = pow(10.0, top);
                pn[1].ymin = pow(10.0, top - span / 0.8);
            } else {
                pn[1].ymax = hi + 0.04 * (hi - lo);
                pn[1].ymin = pn[1].ymax - (pn[1].ymax - lo) / 0.8;
            }
        }
    }
    pn[1].note = have_lead ? "QNN kernel shown as K/p;\nt = η p/m × QNN steps (YOU23 Thm. 4.2)"
                                                : "t = η × steps";
    fig->panels = pn;
    fig->npanels = NPANEL;
    fig->columns = NPANEL;
    fig->width = 1020;
    fig->height = 340;
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Rate figure (YOU23 Fig. 2): one-sample training curves, and the measured */
/* rate −d ln|r|/dt against Cor. 4.3's 2(γ² − ŷ²).                          */
/* ------------------------------------------------------------------------ */

/* Records below this loss are left out of the rate: there the updates
 * η r ∂r/∂θ fall below the resolution of θ and the decay stalls. */
static const int rate_loss_floor_exp = -20;

static int rate_figure(const qnn_result *res, builder *b, plot_figure *fig)
{
    arena *a = &b->a;
    const long P = res->npoints;
    const double rate_loss_floor = pow(10.0, rate_loss_floor_exp);
    long total_inst = 0;
    for (long k = 0; k < P; k++)
        total_inst += res->points[k].run->ninst;
    const int faint = total_inst <= 80;
    enum { MAXPTS = 80 };   /* scatter points per instance */

    plot_panel *pn = aalloc(a, 2 * sizeof *pn);
    size_t cap = (size_t)(total_inst * 2 + P * 2 + 8);
    b->cap = cap;
    if (!pn)
        return -1;
    for (int i = 0; i < 2; i++) {
        pn[i].series = aalloc(a, cap * sizeof(plot_series));
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
    double *fx = aalloc(a, (maxall ? maxall : 1) * sizeof(double));
    double *fy = aalloc(a, (maxall ? maxall : 1) * sizeof(double));
    if (!fx || !fy)
        return -1;
    size_t nall = 0;
    double xlo = INFINITY, xhi = -INFINITY;
    for (long k = 0; k < P; k++) {
        const qnn_point *pt = &res->points[k];
        const qnn_run *run = pt->run;
        const double xs = run_dt(run);
        char lab[256];
        point_caption(res, k, lab, sizeof lab);
        const int color = P == 1 ? 0 : (int)k;
        const qnn_field f = QNN_FIELD_LOSS;
        size_t k0 = nall;
        plot_series *first = NULL;
        for (int i = 0; i < run->ninst; i++) {
            const qnn_run_instance *ri = &run->inst[i];
            if (faint) {
                double *x, *y;
                long n = inst_xy(a, ri, f, xs, 1.0, 0, &x, &y);
                plot_series *sr = add_curve(b, &pn[0], x, y, n, PLOT_FAINT, color);
                if (!sr)
                    return -1;
            }
            /* finite differences of ln|r| between consecutive records,
             * away from sign changes and the floor where the updates
             * η r ∂r/∂θ fall below the resolution of θ (at p = 320 the
             * rate collapses near L ~ 1e-22, sharply) */
            size_t n = valid_nrec(ri), nok = 0;
            char *ok = aalloc(a, n + 1);
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
            double *x = aalloc(a, (nok ? nok : 1) * sizeof(double));
            double *y = aalloc(a, (nok ? nok : 1) * sizeof(double));
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
            plot_series *sp = add_series(b, &pn[1]);
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
            first->label = astr(a, sl);
        }

        double *t, *mean;
        long nm = ens_xy(a, run, f, xs, 1.0, 0, &t, &mean);
        plot_series *sm = add_curve(b, &pn[0], t, mean, nm, PLOT_BOLD, color);
        if (!sm)
            return -1;
        /* several points: their colours are named in the lower legend */
        sm->label = P == 1 ? "ensemble mean" : NULL;
    }
    /* Cor. 4.3: the rate is the asymptotic kernel k = 2(γ² − ŷ²) */
    if (isfinite(xlo) && isfinite(xhi)) {
        double pad = 0.04 * (xhi - xlo > 0 ? xhi - xlo : 1.0);
        double *lx = aalloc(a, 2 * sizeof(double)), *ly = aalloc(a, 2 * sizeof(double));
        plot_series *sl = add_series(b, &pn[1]);
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
    pn[1].note = astr(a, note);
    pn[1].note_corner = PLOT_LOWER_RIGHT; /* the points lie along the diagonal */
    fig->panels = pn;
    fig->npanels = 2;
    fig->columns = 1;
    fig->width = 520;
    fig->height = 640;
    return 0;
}

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

static int histogram_figure(const qnn_result *res, builder *b, plot_figure *fig)
{
    arena *a = &b->a;
    const qnn_preset *ps = res->preset;
    const qnn_params *p0 = &res->points[0].params;
    const int which = strstr(p0->stats, "entropy_t0") == p0->stats ? 1
                      : strstr(p0->stats, "grad_inf") == p0->stats ? 2 : 0;
    const int split = ps->nsweep >= 2;
    const int npan = split ? ps->sweep[0].nvalues : 1;
    const long P = res->npoints, per = P / npan;
    plot_panel *pn = aalloc(a, (size_t)npan * sizeof *pn);
    b->cap = (size_t)per + 4;
    if (!pn)
        return -1;
    for (int q = 0; q < npan; q++) {
        plot_panel *pp = &pn[q];
        pp->series = aalloc(a, b->cap * sizeof(plot_series));
        double *vm = aalloc(a, (size_t)per * sizeof(double));
        if (!pp->series || !vm)
            return -1;
        pp->vmarks = vm;
        pp->xlabel = which == 0 ? "½‖ρ_{v} − I/D_{v}‖_{1}" : which == 1 ? "S(ρ_{v})" : "‖∇L‖_{∞}";
        pp->ylabel = "probability density";
        pp->xscale = PLOT_LINEAR;
        pp->yscale = PLOT_LINEAR;
        const qnn_point *first = &res->points[(long)q * per];
        pp->title = split && !strcmp(ps->sweep[0].key, "model") ? model_title(&first->params)
                    : split ? astr(a, ps->sweep[0].values[first->value_index[0]]) : model_title(p0);
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
            double *x = aalloc(a, nb * sizeof(double)), *y = aalloc(a, nb * sizeof(double));
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
            plot_series *sr = add_series(b, pp);
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
                                  key_symbol(ps->sweep[s2].key, &pt->params), ps->sweep[s2].values[pt->value_index[s2]]);
                if (wr < 0)
                    break;
                off += (size_t)wr;
            }
            sr->label = astr(a, lab);
            const qnn_theory_value *tb = which == 0 ? qnn_summary_theory(&pt->sum, "trace_distance_bound") : NULL;
            if (tb)
                vm[pp->nvmarks++] = tb->value;
        }
        if (which == 0 && pp->nvmarks)
            pp->note = "vertical lines: ½√(D_{v}/D_{h}) (OME Prop. 2)";
    }
    fig->panels = pn;
    fig->npanels = (size_t)npan;
    fig->columns = npan;
    fig->width = 360.0 * npan;
    fig->height = 320;
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Shared by the MLP, Hessian and Carleman figures                           */
/* ------------------------------------------------------------------------ */

/* Point k's colour: the last swept key's value index with two or more
 * keys, else the point (as the training figure). */
static int point_color(const qnn_result *res, long k)
{
    const int nsw = res->preset->nsweep;
    return res->npoints == 1 ? 0 : nsw >= 2 ? res->points[k].value_index[nsw - 1] : (int)k;
}

/* qnn_ensemble_geo_curve into arrays of the arena; -1 when memory runs
 * out. */
static long geo_xy(arena *a, const qnn_run *run, qnn_field f, int use_time, double **x, double **y)
{
    const size_t len = qnn_ensemble_len(run);
    *x = aalloc(a, (len ? len : 1) * sizeof(double));
    *y = aalloc(a, (len ? len : 1) * sizeof(double));
    if (!*x || !*y)
        return -1;
    return (long)qnn_ensemble_geo_curve(run, f, use_time, *x, *y);
}

/* Faint per-instance curves and the bold ensemble mean (geometric when
 * geo) of field f of every point into panel pn (x = step). Records where
 * f is not finite are left out when compact. faint_ok: draw the
 * instances. One point: the mean is labelled mean_label; several: by the
 * point's swept values when name_points (one panel of a figure names
 * the colours). */
static int curves(const qnn_result *res, builder *b, plot_panel *pn, qnn_field f, int compact,
                  int faint_ok, const char *mean_label, int geo, int name_points)
{
    arena *a = &b->a;
    const long P = res->npoints;
    for (long k = 0; k < P; k++) {
        const qnn_run *run = res->points[k].run;
        const int color = point_color(res, k);
        if (faint_ok)
            for (int i = 0; i < run->ninst; i++) {
                double *x, *y;
                long n = inst_xy(a, &run->inst[i], f, 1.0, 1.0, compact, &x, &y);
                plot_series *sr = add_curve(b, pn, x, y, n, PLOT_FAINT, color);
                if (!sr)
                    return -1;
            }
        double *x, *y;
        long n = geo ? geo_xy(a, run, f, 0, &x, &y) : ens_xy(a, run, f, 1.0, 1.0, compact, &x, &y);
        plot_series *sm = add_curve(b, pn, x, y, n, PLOT_BOLD, color);
        if (!sm)
            return -1;
        if (P == 1)
            sm->label = mean_label;
        else if (name_points) {
            char lab[256];
            point_caption(res, k, lab, sizeof lab);
            sm->label = astr(a, lab);
        }
    }
    return 0;
}

/* 1 when some record of some point has a finite value of field f. */
static int have_field(const qnn_result *res, qnn_field f)
{
    for (long k = 0; k < res->npoints; k++) {
        const qnn_run *run = res->points[k].run;
        for (int i = 0; i < run->ninst; i++)
            for (size_t r = 0; r < run->inst[i].nrec; r++)
                if (isfinite(qnn_obs_field(&run->inst[i].rec[r], f)))
                    return 1;
    }
    return 0;
}

/* Total instances over the points, for the "faint curves while readable"
 * rule of the training figure. */
static int faint_readable(const qnn_result *res)
{
    long total = 0;
    for (long k = 0; k < res->npoints; k++)
        total += res->points[k].run->ninst;
    return res->npoints == 1 ? total <= 500 : total <= 60;
}

/* ------------------------------------------------------------------------ */
/* MLP training figure: loss, NTK eigenvalues, laziness (LLJ App. A).        */
/* ------------------------------------------------------------------------ */

static int mlp_figure(const qnn_result *res, builder *b, plot_figure *fig)
{
    arena *a = &b->a;
    const qnn_params *p0 = &res->points[0].params;
    const int use_loss = p0->curve == QNN_CURVE_LOSS;
    const long P = res->npoints;
    const int faint = faint_readable(res);
    long total_inst = 0;
    for (long k = 0; k < P; k++)
        total_inst += res->points[k].run->ninst;
    enum { NPAN = 3 };
    plot_panel *pn = aalloc(a, NPAN * sizeof *pn);
    b->cap = (size_t)(2 * total_inst + 4 * P + 8);
    if (!pn)
        return -1;
    for (int i = 0; i < NPAN; i++) {
        if (!(pn[i].series = aalloc(a, b->cap * sizeof(plot_series))))
            return -1;
        pn[i].xlabel = "step t";
        pn[i].xscale = PLOT_LINEAR;
        pn[i].yscale = PLOT_LOG;
    }
    pn[0].title = use_loss ? "training loss" : "training error (rms residual)";
    pn[0].ylabel = use_loss ? "L(t)" : "ε_{rms}(t)";
    if (curves(res, b, &pn[0], use_loss ? QNN_FIELD_LOSS : QNN_FIELD_ABS_EPS, 0, faint, "ensemble mean", 0, 1) != 0)
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
            long n = ens_xy(a, run, which == 0 ? QNN_FIELD_LAMBDA_MIN : QNN_FIELD_LAMBDA_MAX, 1.0, 1.0, 1, &x, &y);
            plot_series *sr = add_series(b, &pn[1]);
            if (n < 0 || !sr)
                return -1;
            sr->x = x; sr->y = y; sr->n = (size_t)n;
            sr->style = which == 0 ? PLOT_BOLD : PLOT_LINE;
            sr->color = point_color(res, k);
            if (k == 0)
                sr->label = which == 0 ? "λ_{min} (bold), mean over instances" : "λ_{max} (thin)";
        }
    }

    pn[2].title = "parameter motion (laziness)";
    pn[2].ylabel = "‖θ(t) − θ(0)‖ / ‖θ(0)‖";
    if (curves(res, b, &pn[2], QNN_FIELD_LAZINESS, 1, faint, "ensemble mean", 0, 0) != 0)
        return -1;
    /* it starts at 0: a log axis hides the first record, which is fine,
     * and shows how the motion falls with the width */
    for (int i = 0; i < NPAN; i++)
        if (auto_yscale(&pn[i]) == PLOT_LINEAR && i != 1)
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

/* ------------------------------------------------------------------------ */
/* Hessian figure (LIU24 Fig. 2 analogue): spectra of instance 0 as          */
/* histograms, the error proxy, the accuracy and the positive fraction.     */
/* ------------------------------------------------------------------------ */

/* Pruning steps of point pt (P, 2P, ... up to steps) into the arena. */
static long prune_steps(arena *a, const qnn_params *p, double **out)
{
    long n = p->prune_every > 0 ? p->steps / p->prune_every : 0;
    *out = aalloc(a, (size_t)(n > 0 ? n : 1) * sizeof(double));
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
    double *vm = aalloc(a, (size_t)(2 * n + 1) * sizeof(double));
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

static int hessian_figure(const qnn_result *res, builder *b, plot_figure *fig)
{
    arena *a = &b->a;
    const qnn_point *pt0 = &res->points[0];
    const qnn_params *p0 = &pt0->params;
    const long P = res->npoints;
    const int faint = faint_readable(res);
    long total_inst = 0;
    for (long k = 0; k < P; k++)
        total_inst += res->points[k].run->ninst;
    enum { NPAN = 4, NREG = 4, NPRUNE = 2 };
    plot_panel *pn = aalloc(a, NPAN * sizeof *pn);
    b->cap = (size_t)(3 * total_inst + 6 * P + NREG + NPRUNE + 8);
    if (!pn)
        return -1;
    for (int i = 0; i < NPAN; i++) {
        if (!(pn[i].series = aalloc(a, b->cap * sizeof(plot_series))))
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
        char *is_post = aalloc(a, nspec);
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
            double *x = aalloc(a, (size_t)bins * sizeof(double)), *y = aalloc(a, (size_t)bins * sizeof(double));
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
            plot_series *sr = add_series(b, &pn[0]);
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
            sr->label = astr(a, lab);
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
        double *vm = aalloc(a, 2 * sizeof(double));
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
        pn[0].title = astr(a, t);
        snprintf(xl, sizeof xl, "Hessian eigenvalue λ%s", nv ? (sc == 1.0 && p0->proxy_scale != QNN_PROXY_ETA
                                                                   ? "  (dashed: |λ| = cut)" : "  (dashed: |ηλ| = cut)") : "");
        pn[0].xlabel = astr(a, xl);
    } else {
        pn[0].note = "no Hessian spectra recorded";
    }

    /* (b) the LIU24 error proxy */
    pn[1].title = "LIU24 error proxy (Eq. III.12)";
    pn[1].ylabel = "proxy(τ)";
    pn[1].yscale = PLOT_LOG;
    if (curves(res, b, &pn[1], QNN_FIELD_PROXY, 1, faint, "geometric mean over instances", 1, 0) != 0)
        return -1;
    const int pruning = p0->prune_every > 0;   /* sparse training (the mlp's) */
    {
        double *hl = aalloc(a, sizeof(double));
        const char **hll = aalloc(a, sizeof(char *));
        if (!hl || !hll)
            return -1;
        hl[0] = 1.0;
        hll[0] = NULL;
        /* the reference line at 1: a dashed series across the run, so that
         * it is in the legend */
        double *lx = aalloc(a, 2 * sizeof(double)), *ly = aalloc(a, 2 * sizeof(double));
        plot_series *s1 = add_series(b, &pn[1]);
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
                 have_field(res, QNN_FIELD_PROXY) ? "" : "\nno mode with |a| ≥ cut: no proxy");
        pn[1].note = astr(a, note);
    }

    /* (c) accuracy, or the loss */
    if (have_field(res, QNN_FIELD_ACCURACY)) {
        pn[2].title = "accuracy";
        pn[2].ylabel = "fraction correct";
        if (curves(res, b, &pn[2], QNN_FIELD_ACCURACY, 1, faint && P == 1 && total_inst <= 20, "training", 0, 1) != 0)
            return -1;
        if (have_field(res, QNN_FIELD_TEST_ACCURACY)) {
            /* the test accuracy in the next colour, no faint curves */
            for (long k = 0; k < P; k++) {
                double *x, *y;
                long n = ens_xy(a, res->points[k].run, QNN_FIELD_TEST_ACCURACY, 1.0, 1.0, 1, &x, &y);
                plot_series *sr = add_curve(b, &pn[2], x, y, n, PLOT_DASHED, P == 1 ? 1 : point_color(res, k));
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
        if (curves(res, b, &pn[2], use_loss ? QNN_FIELD_LOSS : QNN_FIELD_ABS_EPS, 0, faint, "ensemble mean", 0, 1) != 0)
            return -1;
    }

    /* (d) fraction of positive eigenvalues */
    pn[3].title = "positive (dissipative) Hessian eigenvalues";
    pn[3].ylabel = "fraction with λ > 0";
    if (curves(res, b, &pn[3], QNN_FIELD_H_FRAC_POS, 1, faint, "ensemble mean", 0, 0) != 0)
        return -1;
    fig->panels = pn;
    fig->npanels = NPAN;
    fig->columns = 2;
    fig->width = 820;
    fig->height = 640;
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Carleman figure (LIU24 Fig. 4): the error of the order-N linearisation    */
/* against time, one colour per grid point.                                  */
/* ------------------------------------------------------------------------ */

static int carleman_figure(const qnn_result *res, builder *b, plot_figure *fig)
{
    arena *a = &b->a;
    const qnn_params *p0 = &res->points[0].params;
    const long P = res->npoints;
    long total_inst = 0;
    for (long k = 0; k < P; k++)
        total_inst += res->points[k].run->ninst;
    plot_panel *pn = aalloc(a, sizeof *pn);
    b->cap = (size_t)(total_inst + P + 4);
    if (!pn || !(pn->series = aalloc(a, b->cap * sizeof(plot_series))))
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
        const int color = point_color(res, k);
        if (faint)
            for (int i = 0; i < run->ninst; i++) {
                const qnn_run_instance *ri = &run->inst[i];
                const size_t n = valid_nrec(ri);
                double *x = aalloc(a, (n ? n : 1) * sizeof(double)), *y = aalloc(a, (n ? n : 1) * sizeof(double));
                plot_series *sr = add_series(b, pn);
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
        long len = geo_xy(a, run, QNN_FIELD_ABS_EPS, 1, &gx, &gy);
        if (len < 0)
            return -1;
        for (long r = 0; r < len; r++) {
            tmin = fmin(tmin, gx[r]);
            tmax = fmax(tmax, gx[r]);
        }
        plot_series *sm = add_series(b, pn);
        if (!sm)
            return -1;
        sm->x = gx; sm->y = gy; sm->n = (size_t)len;
        sm->style = PLOT_BOLD;
        sm->color = color;
        char lab[256];
        point_caption(res, k, lab, sizeof lab);
        sm->label = astr(a, P == 1 ? "geometric mean over instances" : lab);
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
    pn->note = astr(a, note);
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

/* Builds the figure of res into fig (arrays in b's arena). 0 or -1. */
static int build_figure(const qnn_result *res, builder *b, plot_figure *fig, char *title, size_t tlen)
{
    memset(b, 0, sizeof *b);
    memset(fig, 0, sizeof *fig);
    const qnn_params *p0 = &res->points[0].params;
    if (p0->title[0])
        snprintf(title, tlen, "%s", p0->title);
    else
        snprintf(title, tlen, "qnnlab: %s", res->preset->name);
    fig->title = title;
    switch (p0->figure) {
    case QNN_FIG_SWEEP: return sweep_figure(res, b, fig);
    case QNN_FIG_COMPARE: return compare_figure(res, b, fig);
    case QNN_FIG_RATE: return rate_figure(res, b, fig);
    case QNN_FIG_HISTOGRAM: return histogram_figure(res, b, fig);
    case QNN_FIG_HESSIAN: return hessian_figure(res, b, fig);
    case QNN_FIG_CARLEMAN: return carleman_figure(res, b, fig);
    default:
        /* the training figure of the models whose records are not steps
         * of a QNN */
        return !strcmp(p0->model->figure, "carleman") ? carleman_figure(res, b, fig)
             : !strcmp(p0->model->figure, "mlp") ? mlp_figure(res, b, fig) : training_figure(res, b, fig);
    }
}

int qnn_write_figure(const qnn_result *res, int format, const char *path, char *err, size_t errlen)
{
    builder b;
    plot_figure fig;
    char title[QNN_TEXT_MAX + 64];
    if (build_figure(res, &b, &fig, title, sizeof title) != 0) {
        snprintf(err, errlen, "out of memory while building the figure");
        afree(&b.a);
        return -1;
    }
    int rc = plot_write(&fig, (plot_format)format, path, err, errlen);
    afree(&b.a);
    return rc;
}

int qnn_draw_figure(const qnn_result *res, cairo_t *cr, double w, double h, char *err, size_t errlen)
{
    builder b;
    plot_figure fig;
    char title[QNN_TEXT_MAX + 64];
    if (build_figure(res, &b, &fig, title, sizeof title) != 0) {
        snprintf(err, errlen, "out of memory while building the figure");
        afree(&b.a);
        return -1;
    }
    plot_draw(cr, &fig, w, h);
    afree(&b.a);
    return 0;
}
