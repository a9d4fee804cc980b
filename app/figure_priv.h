/* What the files of the headless figure share: the arena every array of a
 * figure lives in, the builder that hands out a panel's series, and the
 * helpers that turn a run's records into curves. Each figure kind is one
 * fig_ function in its own file; figure.c picks one and draws it.
 * Private to app/figure*.c. */
#ifndef QNN_FIGURE_PRIV_H
#define QNN_FIGURE_PRIV_H

#include "results.h"
#include "plot.h"

#include <stddef.h>

typedef struct arena {
    void **ptr;
    size_t n, cap;
} arena;

typedef struct builder {
    arena a;
    plot_series *series;  /* per panel, grown by fig_add_series */
    size_t nseries, cap;
} builder;

/* figure.c: the arena */
/* bytes of zeroed memory owned by the arena (at least 1); NULL when memory
 * runs out. */
void *fig_alloc(arena *a, size_t bytes);
/* A copy of s in the arena; NULL when memory runs out. */
char *fig_strdup(arena *a, const char *s);
/* Frees everything the arena holds. */
void fig_arena_free(arena *a);

/* figure.c: series and curves */
/* The next series of panel pn, zeroed; NULL when the panel is full
 * (b->cap series). */
plot_series *fig_add_series(builder *b, plot_panel *pn);
/* A new series of n points (x, y) in the given style and colour; NULL
 * when n < 0 (the data could not be built) or the panel is full. */
plot_series *fig_add_curve(builder *b, plot_panel *pn, double *x, double *y, long n,
                           plot_style style, int color);
/* Records of ri that count: all but a diverged instance's last one. */
size_t fig_valid_nrec(const qnn_run_instance *ri);
/* Instance ri's records as (x, y): x the step times xscale (1, or
 * consts.dt for the flow time), y the field divided by ydiv. Records whose
 * y is not finite are left out when compact (kernel eigenvalues exist only
 * every kernel_every steps). Returns the count, -1 when memory runs out. */
long fig_inst_xy(arena *a, const qnn_run_instance *ri, qnn_field f, double xscale,
                 double ydiv, int compact, double **x, double **y);
/* The ensemble mean of field f over the records (qnn_ensemble_curve), in
 * the arena, with the conventions of fig_inst_xy. */
long fig_ens_xy(arena *a, const qnn_run *run, qnn_field f, double xscale, double ydiv,
                int compact, double **x, double **y);
/* qnn_ensemble_geo_curve into arrays of the arena; -1 when memory runs
 * out. */
long fig_geo_xy(arena *a, const qnn_run *run, qnn_field f, int use_time, double **x, double **y);
/* Faint per-instance curves and the bold ensemble mean (geometric when
 * geo) of field f of every point into panel pn (x = step); see figure.c. */
int fig_curves(const qnn_result *res, builder *b, plot_panel *pn, qnn_field f, int compact,
               int faint_ok, const char *mean_label, int geo, int name_points);
/* Flow time per step of a run (qnn_consts.dt, the same for every instance). */
double fig_run_dt(const qnn_run *run);
/* Kernels in asymptotic units: the periodic QNN's K ≈ p K_asym. */
double fig_kernel_div(const qnn_params *p);
/* The symbol a key is written with on an axis or in a legend. */
const char *fig_key_symbol(const char *key, const qnn_params *p);
/* "σ_{θ} = 0.01, L = 64" for point k: the swept keys in plot markup. */
void fig_point_caption(const qnn_result *res, long k, char *buf, size_t len);
/* Point k's colour: the last swept key's value index with two or more
 * keys, else the point (as the training figure). */
int fig_point_color(const qnn_result *res, long k);
/* Log scale when the positive values in the panel's series span a decade. */
plot_scale fig_auto_yscale(const plot_panel *pn);
/* 1 when some record of some point has a finite value of field f. */
int fig_have_field(const qnn_result *res, qnn_field f);
/* Whether faint per-instance curves stay readable (few instances in all). */
int fig_faint_readable(const qnn_result *res);

/* The figure kinds: each fills fig (arrays in b's arena) from res and
 * returns 0, or -1 when memory runs out. */
int fig_training(const qnn_result *res, builder *b, plot_figure *fig);   /* figure_training.c */
int fig_sweep(const qnn_result *res, builder *b, plot_figure *fig);      /* figure_sweep.c */
int fig_compare(const qnn_result *res, builder *b, plot_figure *fig);    /* figure_compare.c */
int fig_rate(const qnn_result *res, builder *b, plot_figure *fig);       /* figure_rate.c */
int fig_histogram(const qnn_result *res, builder *b, plot_figure *fig);  /* figure_hist.c */
int fig_mlp(const qnn_result *res, builder *b, plot_figure *fig);        /* figure_mlp.c */
int fig_hessian(const qnn_result *res, builder *b, plot_figure *fig);    /* figure_hessian.c */
int fig_carleman(const qnn_result *res, builder *b, plot_figure *fig);   /* figure_carleman.c */
/* A training figure a model class names (qnn_model_class.figure): its
 * drawing and whether its error panel shows the loss; fig_kind_of gives
 * the class's, "training" when it names none or one not drawn here. */
typedef struct fig_kind {
    const char *name;
    int (*draw)(const qnn_result *res, builder *b, plot_figure *fig);
    int loss;
} fig_kind;
const fig_kind *fig_kind_of(const qnn_model_class *cls);             /* figure.c */

#endif
