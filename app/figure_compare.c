/* The compare figure (YOU23): the periodic QNN beside its asymptotic
 * dynamics and the frozen-kernel caricature, on the flow-time axis. */
#include "figure_priv.h"
#include "qnn/model.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

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
                             fig_key_symbol(ps->sweep[i].key, &pt->params),
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

int fig_compare(const qnn_result *res, builder *b, plot_figure *fig)
{
    arena *a = &b->a;
    const qnn_preset *ps = res->preset;
    const qnn_params *p0 = &res->points[0].params;
    const int use_loss = p0->curve == QNN_CURVE_LOSS;
    const int mk = model_key(ps);
    const long P = res->npoints;
    long qnn_inst = 0;
    int have_model[4] = { 0, 0, 0, 0 }, have_lead = 0;   /* by line; a leader of figure = compare */
    long *group = fig_alloc(a, (size_t)P * sizeof(long));
    char **gcap = fig_alloc(a, (size_t)P * sizeof(char *));
    char *named = fig_alloc(a, (size_t)P + 1);   /* per group: colour in the legend */
    char *has_qnn = fig_alloc(a, (size_t)P + 1); /* per group: a QNN point */
    if (!group || !gcap || !named || !has_qnn)
        return -1;
    for (long k = 0; k < P; k++) {
        const qnn_point *pt = &res->points[k];
        char c[256];
        group[k] = other_keys(res, k, mk, c, sizeof c);
        if (group[k] < 0 || group[k] >= P)
            group[k] = k;
        if (!(gcap[k] = fig_strdup(a, c)))
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
    plot_panel *pn = fig_alloc(a, NPANEL * sizeof *pn);
    size_t cap = (size_t)(qnn_inst + P * 2 + 8);
    b->cap = cap;
    if (!pn)
        return -1;
    for (int i = 0; i < NPANEL; i++) {
        pn[i].series = fig_alloc(a, cap * sizeof(plot_series));
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
                long n = fig_inst_xy(a, &pt->run->inst[i], use_loss ? QNN_FIELD_LOSS : QNN_FIELD_ABS_EPS,
                                 fig_run_dt(pt->run), 1.0, 0, &x, &y);
                plot_series *sr = fig_add_curve(b, &pn[0], x, y, n, PLOT_FAINT, (int)group[k]);
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
            const double xs = fig_run_dt(run), kd = fig_kernel_div(&pt->params);
            static const qnn_field fields[NPANEL] = { QNN_FIELD_LOSS, QNN_FIELD_LAMBDA_MIN, QNN_FIELD_KCHANGE };
            plot_series *mine[NPANEL] = { NULL, NULL, NULL };
            for (int j = 0; j < NPANEL; j++) {
                if (j == 2 && qnn_model_has(mod, QNN_CAP_FROZEN_K))
                    continue; /* 0 by construction */
                qnn_field f = j == 0 && !use_loss ? QNN_FIELD_ABS_EPS : fields[j];
                double *x, *y;
                long n = fig_ens_xy(a, run, f, xs, j == 1 ? kd : 1.0, 1, &x, &y);
                plot_series *sr = fig_add_series(b, &pn[j]);
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
                    if (!(sl = fig_add_series(b, leg)))
                        return -1;
                    sl->style = model_style(mod);
                    sl->color = (int)g;
                }
                char lab[300];
                snprintf(lab, sizeof lab, "%s%s%s", model_word(mod), gcap[k][0] ? " " : "", gcap[k]);
                sl->label = fig_strdup(a, lab);
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
        plot_series *sr = fig_add_series(b, leg);
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
    pn[1].yscale = fig_auto_yscale(&pn[1]);
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

