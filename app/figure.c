/* The headless figure: the kind chosen from the preset's figure keys
 * (build_figure), drawn by ui/plot into a file or onto a cairo surface,
 * and what the kinds share: the arena every array lives in (freed after
 * drawing), the builder's series, and records turned into curves. Each
 * kind is in a file of its own (figure_<kind>.c, figure_priv.h). */
#include "figure_priv.h"
#include "sweep.h"
#include "qnn/model.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void *fig_alloc(arena *a, size_t bytes)
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

char *fig_strdup(arena *a, const char *s)
{
    char *p = fig_alloc(a, strlen(s) + 1);
    if (p)
        strcpy(p, s);
    return p;
}

void fig_arena_free(arena *a)
{
    for (size_t i = 0; i < a->n; i++)
        free(a->ptr[i]);
    free(a->ptr);
}

plot_series *fig_add_series(builder *b, plot_panel *pn)
{
    if (pn->nseries == b->cap)
        return NULL;
    plot_series *s = (plot_series *)pn->series + pn->nseries++;
    memset(s, 0, sizeof *s);
    return s;
}

/* A new series of n points (x, y) in the given style and colour; NULL
 * when n < 0 (the data could not be built) or the panel is full. */
plot_series *fig_add_curve(builder *b, plot_panel *pn, double *x, double *y, long n,
                           plot_style style, int color)
{
    plot_series *s = fig_add_series(b, pn);
    if (n < 0 || !s)
        return NULL;
    s->x = x;
    s->y = y;
    s->n = (size_t)n;
    s->style = style;
    s->color = color;
    return s;
}

size_t fig_valid_nrec(const qnn_run_instance *ri)
{
    return ri->diverged_at >= 0 && ri->nrec > 0 ? ri->nrec - 1 : ri->nrec;
}

/* Instance ri's records as (x, y): x the step times xscale (1, or
 * consts.dt for the flow time), y the field divided by ydiv. Records whose
 * y is not finite are left out when compact (kernel eigenvalues exist only
 * every kernel_every steps). Returns the count, -1 when memory runs out. */
long fig_inst_xy(arena *a, const qnn_run_instance *ri, qnn_field f, double xscale,
                 double ydiv, int compact, double **x, double **y)
{
    size_t n = fig_valid_nrec(ri);
    *x = fig_alloc(a, (n ? n : 1) * sizeof(double));
    *y = fig_alloc(a, (n ? n : 1) * sizeof(double));
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
long fig_ens_xy(arena *a, const qnn_run *run, qnn_field f, double xscale, double ydiv,
                int compact, double **x, double **y)
{
    double *t, *mean, *se;
    size_t n = qnn_ensemble_curve(run, f, &t, &mean, &se);
    if (!t)
        return -1;
    *x = fig_alloc(a, (n ? n : 1) * sizeof(double));
    *y = fig_alloc(a, (n ? n : 1) * sizeof(double));
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
double fig_run_dt(const qnn_run *run)
{
    return run->ninst > 0 && run->inst[0].consts.dt > 0 ? run->inst[0].consts.dt : 1.0;
}

/* Kernels in asymptotic units: the periodic QNN's K ≈ p K_asym. */
double fig_kernel_div(const qnn_params *p)
{
    return p->model->kernel_unit ? p->model->kernel_unit(p) : 1.0;
}

/* The symbol a key is written with on an axis or in a legend. */
const char *fig_key_symbol(const char *key, const qnn_params *p)
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
void fig_point_caption(const qnn_result *res, long k, char *buf, size_t len)
{
    const qnn_preset *ps = res->preset;
    size_t off = 0;
    buf[0] = '\0';
    for (int i = 0; i < ps->nsweep && off < len; i++) {
        int w = snprintf(buf + off, len - off, "%s%s = %s", i ? ", " : "",
                         fig_key_symbol(ps->sweep[i].key, &res->points[k].params),
                         ps->sweep[i].values[res->points[k].value_index[i]]);
        if (w < 0)
            break;
        off += (size_t)w;
    }
}

/* Log scale when the positive values in the panel's series span a decade. */
plot_scale fig_auto_yscale(const plot_panel *pn)
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

/* ------------------------------------------------------------------------ */
/* Shared by the MLP, Hessian and Carleman figures                           */
/* ------------------------------------------------------------------------ */

/* Point k's colour: the last swept key's value index with two or more
 * keys, else the point (as the training figure). */
int fig_point_color(const qnn_result *res, long k)
{
    const int nsw = res->preset->nsweep;
    return res->npoints == 1 ? 0 : nsw >= 2 ? res->points[k].value_index[nsw - 1] : (int)k;
}

/* qnn_ensemble_geo_curve into arrays of the arena; -1 when memory runs
 * out. */
long fig_geo_xy(arena *a, const qnn_run *run, qnn_field f, int use_time, double **x, double **y)
{
    const size_t len = qnn_ensemble_len(run);
    *x = fig_alloc(a, (len ? len : 1) * sizeof(double));
    *y = fig_alloc(a, (len ? len : 1) * sizeof(double));
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
int fig_curves(const qnn_result *res, builder *b, plot_panel *pn, qnn_field f, int compact,
               int faint_ok, const char *mean_label, int geo, int name_points)
{
    arena *a = &b->a;
    const long P = res->npoints;
    for (long k = 0; k < P; k++) {
        const qnn_run *run = res->points[k].run;
        const int color = fig_point_color(res, k);
        if (faint_ok)
            for (int i = 0; i < run->ninst; i++) {
                double *x, *y;
                long n = fig_inst_xy(a, &run->inst[i], f, 1.0, 1.0, compact, &x, &y);
                plot_series *sr = fig_add_curve(b, pn, x, y, n, PLOT_FAINT, color);
                if (!sr)
                    return -1;
            }
        double *x, *y;
        long n = geo ? fig_geo_xy(a, run, f, 0, &x, &y) : fig_ens_xy(a, run, f, 1.0, 1.0, compact, &x, &y);
        plot_series *sm = fig_add_curve(b, pn, x, y, n, PLOT_BOLD, color);
        if (!sm)
            return -1;
        if (P == 1)
            sm->label = mean_label;
        else if (name_points) {
            char lab[256];
            fig_point_caption(res, k, lab, sizeof lab);
            sm->label = fig_strdup(a, lab);
        }
    }
    return 0;
}

/* 1 when some record of some point has a finite value of field f. */
int fig_have_field(const qnn_result *res, qnn_field f)
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
int fig_faint_readable(const qnn_result *res)
{
    long total = 0;
    for (long k = 0; k < res->npoints; k++)
        total += res->points[k].run->ninst;
    return res->npoints == 1 ? total <= 500 : total <= 60;
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
    case QNN_FIG_SWEEP: return fig_sweep(res, b, fig);
    case QNN_FIG_COMPARE: return fig_compare(res, b, fig);
    case QNN_FIG_RATE: return fig_rate(res, b, fig);
    case QNN_FIG_HISTOGRAM: return fig_histogram(res, b, fig);
    case QNN_FIG_HESSIAN: return fig_hessian(res, b, fig);
    case QNN_FIG_CARLEMAN: return fig_carleman(res, b, fig);
    default:
        /* the training figure of the models whose records are not steps
         * of a QNN */
        return fig_kind_of(p0->model)->draw(res, b, fig);
    }
}

/* The training figures a model class can name in its `figure` field
 * (qnn_model_class.figure, engine/include/qnn/model.h): the drawing, and
 * whether the error panel shows the loss. The first is the default. */
static const fig_kind fig_kinds[] = {
    {"training", fig_training, 0},
    {"mlp", fig_mlp, 1},
    {"carleman", fig_carleman, 0},
};

const fig_kind *fig_kind_of(const qnn_model_class *cls)
{
    for (size_t i = 0; cls && cls->figure && i < sizeof fig_kinds / sizeof fig_kinds[0]; i++)
        if (!strcmp(cls->figure, fig_kinds[i].name))
            return &fig_kinds[i];
    return &fig_kinds[0];
}

/* build_figure, then the run's figure options (size, style, title ...):
 * the panels are the arena's, so their titles may be cleared. */
static int build_figure_opts(const qnn_result *res, builder *b, plot_figure *fig, char *title, size_t tlen)
{
    if (build_figure(res, b, fig, title, tlen) != 0)
        return -1;
    live_fig_opts_apply(res->figopts, fig, (plot_panel *)fig->panels);
    return 0;
}

/* A figure built for one call: build_figure (with the run's figure
 * options when opts), or the message "out of memory ..." in err and -1
 * (nothing to free then). Free with fig_arena_free(&x->b.a). */
typedef struct built {
    builder b;
    plot_figure fig;
    char title[QNN_TEXT_MAX + 64];
} built;

static int built_open(built *x, const qnn_result *res, int opts, char *err, size_t errlen)
{
    if ((opts ? build_figure_opts(res, &x->b, &x->fig, x->title, sizeof x->title)
              : build_figure(res, &x->b, &x->fig, x->title, sizeof x->title)) != 0) {
        snprintf(err, errlen, "out of memory while building the figure");
        fig_arena_free(&x->b.a);
        return -1;
    }
    return 0;
}

int qnn_write_figure(const qnn_result *res, int format, const char *path, char *err, size_t errlen)
{
    built x;
    if (built_open(&x, res, 1, err, errlen) != 0)
        return -1;
    int rc = plot_write(&x.fig, (plot_format)format, path, err, errlen);
    fig_arena_free(&x.b.a);
    return rc;
}

int qnn_draw_figure(const qnn_result *res, cairo_t *cr, double w, double h, char *err, size_t errlen)
{
    built x;
    if (built_open(&x, res, 0, err, errlen) != 0)
        return -1;
    plot_draw(cr, &x.fig, w, h);
    fig_arena_free(&x.b.a);
    return 0;
}

int qnn_figure_limits(const qnn_result *res, double (*lim)[4], int max, double *wpt, double *hpt, char *err,
                      size_t errlen)
{
    built x;
    if (built_open(&x, res, 1, err, errlen) != 0)
        return -1;
    int n = (int)x.fig.npanels;
    for (int i = 0; i < n && i < max; i++)
        plot_panel_limits(&x.fig.panels[i], &lim[i][0], &lim[i][1], &lim[i][2], &lim[i][3]);
    if (wpt)
        *wpt = x.fig.width;
    if (hpt)
        *hpt = x.fig.height;
    fig_arena_free(&x.b.a);
    return n;
}

int qnn_draw_figure_with(const qnn_result *res, const double (*lim)[4], int nlim, cairo_t *cr, double w, double h,
                         char *err, size_t errlen)
{
    built x;
    if (built_open(&x, res, 1, err, errlen) != 0)
        return -1;
    if (lim && nlim == (int)x.fig.npanels)
        for (int i = 0; i < nlim; i++) {
            plot_panel *pn = (plot_panel *)&x.fig.panels[i];
            pn->xmin = lim[i][0];
            pn->xmax = lim[i][1];
            pn->ymin = lim[i][2];
            pn->ymax = lim[i][3];
        }
    plot_draw(cr, &x.fig, w, h);
    fig_arena_free(&x.b.a);
    return 0;
}
