/* The headless figure: layout chosen from the preset's figure keys, drawn
 * by ui/plot. All arrays live in a small arena freed after drawing. */
#include "results.h"
#include "plot.h"
#include "qnn/theory.h"

#include <math.h>
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

static double *dup_field(arena *a, const qnn_run_instance *ri, size_t n, int which, int abs_eps)
{
    double *v = aalloc(a, n * sizeof(double));
    if (!v)
        return NULL;
    for (size_t r = 0; r < n; r++) {
        const qnn_obs *o = &ri->rec[r];
        switch (which) {
        case 0: v[r] = (double)o->step; break;
        case 1: v[r] = abs_eps ? fabs(o->eps) : o->loss; break;
        case 2: v[r] = o->kernel; break;
        case 3: v[r] = o->lambda_min; break;
        }
    }
    return v;
}

static size_t valid_nrec(const qnn_run_instance *ri)
{
    return ri->diverged_at >= 0 && ri->nrec > 0 ? ri->nrec - 1 : ri->nrec;
}

/* The symbol a key is written with on an axis or in a legend. */
static const char *key_symbol(const char *key, const qnn_params *p)
{
    static const struct { const char *key, *sym; } tab[] = {
        { "sigma_theta", "σ_{θ}" }, { "eta", "η" }, { "gamma", "γ" }, { "theta_scale", "θ_{scale}" },
        { "n_obs", "n_{obs}" }, { "O0", "O_{0}" }, { "eta_per_L", "η per L" },
    };
    if (!strcmp(key, "m"))
        return p->model == QNN_MODEL_RANDOM ? "|A|" : "m";
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
    const int periodic = p0->model == QNN_MODEL_PERIODIC;
    const int supervised = periodic || p0->task == QNN_TASK_SUPERVISED;
    const int use_loss = p0->curve == QNN_CURVE_LOSS;
    const long P = res->npoints;
    long total_inst = 0;
    for (long k = 0; k < P; k++)
        total_inst += res->points[k].run->ninst;
    /* faint instance curves only while they stay readable */
    const int faint = P == 1 ? total_inst <= 500 : total_inst <= 60;

    plot_panel *pn = aalloc(a, 2 * sizeof *pn);
    size_t cap = (size_t)(total_inst * 2 + P * 6 + 8);
    b->cap = cap;
    for (int i = 0; i < 2; i++) {
        pn[i].series = aalloc(a, cap * sizeof(plot_series));
        pn[i].xlabel = "step t";
        pn[i].xscale = PLOT_LINEAR;
        pn[i].yscale = PLOT_LOG;
    }
    if (!pn || !pn[0].series || !pn[1].series)
        return -1;
    pn[0].title = use_loss ? "training loss" : (supervised ? "training error (rms residual)" : "training error");
    pn[0].ylabel = use_loss ? "L(t)" : (supervised ? "ε_{rms}(t)" : "|ε(t)|");
    if (!supervised) {
        pn[1].title = "QNTK";
        pn[1].ylabel = "K(t)";
    } else if (periodic) {
        pn[1].title = "smallest kernel eigenvalue per layer";
        pn[1].ylabel = "λ_{min}(K)/p";
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
        const double pl = periodic ? (double)pt->params.L : 1.0;

        if (faint)
            for (int i = 0; i < run->ninst; i++) {
                const qnn_run_instance *ri = &run->inst[i];
                size_t n = valid_nrec(ri);
                double *x = dup_field(a, ri, n, 0, 0);
                plot_series *sr = add_series(b, &pn[0]);
                if (!x || !sr)
                    return -1;
                sr->x = x;
                sr->y = dup_field(a, ri, n, 1, !use_loss);
                sr->n = n;
                sr->style = PLOT_FAINT;
                sr->color = P == 1 ? -1 : color;
                if (i == 0 && P == 1)
                    sr->label = "instances";
                if (!supervised) {
                    plot_series *sk = add_series(b, &pn[1]);
                    if (!sk)
                        return -1;
                    sk->x = x;
                    sk->y = dup_field(a, ri, n, 2, 0);
                    sk->n = n;
                    sk->style = PLOT_FAINT;
                    sk->color = P == 1 ? -1 : color;
                }
            }

        /* Ensemble means. */
        double *t, *mean, *se;
        qnn_field f = use_loss ? QNN_FIELD_LOSS : (supervised ? QNN_FIELD_EPS : QNN_FIELD_ABS_EPS);
        size_t n = qnn_ensemble_curve(run, f, &t, &mean, &se);
        if (!t)
            return -1;
        /* hand the arrays to the arena */
        void *owned[3] = { t, mean, se };
        for (int j = 0; j < 3; j++) {
            double *c = aalloc(a, (n ? n : 1) * sizeof(double));
            if (!c) { free(t); free(mean); free(se); return -1; }
            memcpy(c, owned[j], n * sizeof(double));
            free(owned[j]);
            owned[j] = c;
        }
        t = owned[0];
        mean = owned[1];
        plot_series *sm = add_series(b, &pn[0]);
        if (!sm)
            return -1;
        sm->x = t;
        sm->y = mean;
        sm->n = n;
        sm->style = mstyle;
        sm->color = color;
        sm->label = P == 1 ? "ensemble mean" : astr(a, lab);

        /* Theory curve for panel 0. */
        double *th = aalloc(a, (n ? n : 1) * sizeof(double));
        if (!th)
            return -1;
        const char *thl = NULL;
        int thstyle = PLOT_DASHED;
        if (!periodic && !supervised) {
            const qnn_theory_value *kb = qnn_summary_theory(s, "mean_qntk");
            double Kbar = kb ? kb->value : NAN;
            for (size_t r = 0; r < n; r++) {
                double e0 = use_loss ? s->loss_t0.mean : s->abs_eps_t0.mean;
                double e = qnn_theory_eps_exp(1.0, s->eta, Kbar, t[r]);
                th[r] = use_loss ? e0 * e * e : e0 * e;
            }
            thl = use_loss ? "L(0) e^{−2ηK̄t} (LIU23)" : "|ε(0)| e^{−ηK̄t} (LIU23 Eq. 10)";
            const qnn_theory_value *na = qnn_summary_theory(s, "noise_abs_eps");
            if (na && !use_loss) {
                hl0[pn[0].nhlines] = na->value;
                hll0[pn[0].nhlines] = k == 0 ? "E|ε(∞)| (LLJ Eq. 38)" : NULL;
                pn[0].nhlines++;
            }
        } else if (periodic && pt->params.gamma == 1.0 && use_loss) {
            const qnn_theory_value *sb = qnn_summary_theory(s, "sublinear_bound");
            if (sb && n > 0 && sb->value < 1e-2 * mean[n - 1]) {
                /* A bound two decades below the data would squash the
                 * curves into the top of the panel: say it in a note. */
                char note[160];
                snprintf(note, sizeof note, "YOU23 Thm. 3.2 bound L(t) ≥ 1/(c_0 + c_1 t)^{2} holds;\nat t = %.0f it is %s%.2g, off this scale",
                         t[n - 1], P > 1 ? "at most " : "", sb->value);
                if (!pn[0].note || sb->value > bound_max) {
                    pn[0].note = astr(a, note);
                    bound_max = sb->value;
                }
            } else {
                for (size_t r = 0; r < n; r++)
                    th[r] = sb ? qnn_theory_sublinear_bound(s->loss_t0.mean, s->eta, s->H_op2_sum, t[r]) : NAN;
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
            double *kt, *km, *ks;
            size_t nk = qnn_ensemble_curve(run, QNN_FIELD_KERNEL, &kt, &km, &ks);
            if (!kt)
                return -1;
            double *x2 = aalloc(a, (nk ? nk : 1) * sizeof(double)), *y2 = aalloc(a, (nk ? nk : 1) * sizeof(double));
            if (!x2 || !y2) { free(kt); free(km); free(ks); return -1; }
            memcpy(x2, kt, nk * sizeof(double));
            memcpy(y2, km, nk * sizeof(double));
            free(kt); free(km); free(ks);
            plot_series *sk = add_series(b, &pn[1]);
            if (!sk)
                return -1;
            sk->x = x2; sk->y = y2; sk->n = nk; sk->style = mstyle; sk->color = color;
            sk->label = P == 1 ? "ensemble mean K(t)" : astr(a, lab);
            const qnn_theory_value *kb = qnn_summary_theory(s, "mean_qntk");
            if (kb) {
                hl[pn[1].nhlines] = kb->value;
                hll[pn[1].nhlines] = k == 0 ? "K̄ (exact mean)" : NULL;
                pn[1].nhlines++;
            }
        } else {
            for (int which = 0; which < 2; which++) {
                double *kt, *km, *ks;
                size_t nk = qnn_ensemble_curve(run, which == 0 ? QNN_FIELD_LAMBDA_MIN : QNN_FIELD_LAMBDA_MAX, &kt, &km, &ks);
                if (!kt)
                    return -1;
                /* keep only the steps where eigenvalues were computed */
                double *x2 = aalloc(a, (nk ? nk : 1) * sizeof(double)), *y2 = aalloc(a, (nk ? nk : 1) * sizeof(double));
                if (!x2 || !y2) { free(kt); free(km); free(ks); return -1; }
                size_t c = 0;
                for (size_t r = 0; r < nk; r++)
                    if (isfinite(km[r])) {
                        x2[c] = kt[r];
                        y2[c] = km[r] / pl;
                        c++;
                    }
                free(kt); free(km); free(ks);
                if (periodic && which == 1)
                    break;
                plot_series *sk = add_series(b, &pn[1]);
                if (!sk)
                    return -1;
                sk->x = x2; sk->y = y2; sk->n = c;
                sk->style = which == 0 ? mstyle : PLOT_LINE;
                sk->color = color;
                if (P == 1)
                    sk->label = which == 0 ? "mean over instances of λ_{min}" : "mean over instances of λ_{max}";
                else if (which == 0)
                    sk->label = astr(a, lab);
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
                hll[pn[1].nhlines] = "2γ^{2}(1 − 1/γ^{2}) (YOU23 Thm. 4.4)";
                pn[1].nhlines++;
            }
        }
    }
    fig->panels = pn;
    fig->npanels = 2;
    fig->columns = 2;
    fig->width = 720;
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
    { "final_abs_eps", "residual error after training", "E|ε(T)|", "noise_abs_eps", "LLJ Eq. 38" },
    { "final_eps_std", "spread of the final error", "σ_{ε}(T)", "noise_eps_std", "LLJ Eq. 34: √s" },
    { "final_loss", "final loss", "L(T)", "sublinear_bound", "YOU23 Thm. 3.2 bound" },
};

static int sweep_panel(const qnn_result *res, builder *b, plot_panel *pn, const stat_desc *sd)
{
    arena *a = &b->a;
    const qnn_preset *ps = res->preset;
    const char *xkey = ps->nsweep > 0 ? ps->sweep[0].key : NULL;
    const int nx = ps->nsweep > 0 ? ps->sweep[0].nvalues : 1;
    const long P = res->npoints;
    const long ngroups = P / nx;
    pn->title = sd->title;
    pn->ylabel = sd->ylabel;
    pn->xlabel = xkey ? key_symbol(xkey, &res->points[0].params) : "point";
    size_t cap = (size_t)ngroups * 4 + 4;
    b->cap = cap;
    pn->series = aalloc(a, cap * sizeof(plot_series));
    if (!pn->series)
        return -1;
    double xmin = INFINITY, xmax = -INFINITY, ymin = INFINITY, ymax = -INFINITY;
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
            y2[i] = e2[i] = NAN;
            const char *nm = sd->name;
            if (!strcmp(nm, "kernel_t0")) { y[i] = s->kernel_t0.mean; e[i] = s->kernel_t0.se; }
            else if (!strcmp(nm, "kernel_rel_std_t0")) { y[i] = s->kernel_rel_std_t0; e[i] = s->kernel_rel_std_t0_se; }
            else if (!strcmp(nm, "lambda_min_t0")) {
                y[i] = s->lambda_min_mean_kernel_t0; e[i] = s->lambda_min_mean_kernel_t0_se;
                y2[i] = s->lambda_min_t0.mean; e2[i] = s->lambda_min_t0.se;
            }
            else if (!strcmp(nm, "final_abs_eps")) { y[i] = s->abs_eps_final.mean; e[i] = s->abs_eps_final.se; }
            else if (!strcmp(nm, "final_eps_std")) {
                y[i] = s->eps_final.sd;
                e[i] = s->eps_final.n > 1 ? s->eps_final.sd / sqrt(2.0 * (double)(s->eps_final.n - 1)) : NAN;
            }
            else { y[i] = s->loss_final.mean; e[i] = s->loss_final.se; }
            const qnn_theory_value *tv = qnn_summary_theory(s, sd->theory);
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
        s1->x = x; s1->y = y; s1->yerr = e; s1->n = (size_t)nx; s1->style = PLOT_POINTS; s1->color = color;
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
        if (have_th) {
            plot_series *s3 = add_series(b, pn);
            if (!s3)
                return -1;
            s3->x = x; s3->y = th; s3->n = (size_t)nx; s3->style = PLOT_DASHED;
            s3->color = ps->nsweep > 1 ? color : 1;
            s3->label = g == 0 ? sd->theory_label : NULL;
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
    pn->xscale = xmin > 0 && xmax / xmin >= 8 ? PLOT_LOG : PLOT_LINEAR;
    /* power laws read best on log-log axes */
    pn->yscale = ymin > 0 && (ymax / ymin >= 8 || (pn->xscale == PLOT_LOG && ymax / ymin >= 2)) ? PLOT_LOG : PLOT_LINEAR;
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
    for (size_t i = 0; i < nw; i++)
        if (sweep_panel(res, b, &pn[i], want[i]) != 0)
            return -1;
    fig->panels = pn;
    fig->npanels = nw;
    fig->columns = nw >= 2 ? 2 : 1;
    fig->width = nw >= 2 ? 720 : 420;
    fig->height = 300 * (double)((nw + 1) / 2);
    return 0;
}

int qnn_write_figure(const qnn_result *res, int format, const char *path, char *err, size_t errlen)
{
    builder b;
    memset(&b, 0, sizeof b);
    plot_figure fig;
    memset(&fig, 0, sizeof fig);
    const qnn_params *p0 = &res->points[0].params;
    char title[QNN_TEXT_MAX + 64];
    if (p0->title[0])
        snprintf(title, sizeof title, "%s", p0->title);
    else
        snprintf(title, sizeof title, "qnnlab: %s", res->preset->name);
    fig.title = title;
    int rc = p0->figure == QNN_FIG_SWEEP ? sweep_figure(res, &b, &fig) : training_figure(res, &b, &fig);
    if (rc != 0) {
        snprintf(err, errlen, "out of memory while building the figure");
        afree(&b.a);
        return -1;
    }
    rc = plot_write(&fig, (plot_format)format, path, err, errlen);
    afree(&b.a);
    return rc;
}
