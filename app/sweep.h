/* Sweeps: a preset's grid x R instances, each instance computed once (on
 * threads, or on MPI ranks with a work queue), kept in DIR as its own file,
 * and reduced in a fixed order into per-point traces, ensemble statistics
 * and a figure. Reading a finished sweep back for the browsers
 * (`qnnlab gui --open DIR`, `qnnlab tui --open DIR`).
 *
 * DIR/sweep.json            what the sweep is (preset, overrides, grid, R, the
 *                           parameters of every point); written first
 * DIR/preset.ini            the preset's text as it was loaded
 * DIR/points/K/inst/I.qi    instance I of point K (binary, checksummed; only
 *                           ever renamed into place complete)
 * DIR/points/K/trace.csv    every record of every instance of point K
 * DIR/points/K/summary.json the point's ensemble summary and theory values
 * DIR/points/K/figure.png   the point's ensemble figure (also .svg)
 * DIR/summary.csv           per point and statistic: n, mean, s.e., sd,
 *                           min, quantiles 5 25 50 75 95 %, max
 * DIR/summary.json          every point's summary (as `qnnlab run` writes)
 * DIR/figure.png/.svg/.pdf  the chosen statistic(s) against the swept key(s)
 * DIR/sweep.log             one line per invocation (not part of the result)
 */
#ifndef QNN_SWEEP_H
#define QNN_SWEEP_H

#include <limits.h>
#include <stddef.h>
#include "results.h"

/* Ensemble statistic of one per-instance scalar over the instances of a
 * point that have it (finite; the final values only of instances that did
 * not diverge), reduced in instance order. */
typedef struct qnn_sweep_stat {
    const char *name;     /* e.g. "loss_final" (qnn_sweep_stat_names) */
    long n;
    double mean, se, sd, min, q05, q25, median, q75, q95, max;   /* NaN when n = 0 */
} qnn_sweep_stat;

/* The per-instance statistics, in the order of summary.csv. */
const char *const *qnn_sweep_stat_names(size_t *count);

/* A finished sweep read back from its directory. */
typedef struct qnn_sweep {
    char dir[PATH_MAX];
    qnn_preset *preset;     /* DIR/preset.ini with the sweep's overrides and grid */
    char **overrides;       /* as recorded in sweep.json */
    int noverrides;
    int instances;          /* R */
    char stats[256];        /* the statistic(s) of the sweep figure (comma list) */
    /* every point: params (figure = sweep, stats = the sweep's), value_index,
     * sum and run (all of them are read by qnn_sweep_open, which holds what
     * the sweep's reduction held: as much as `qnnlab run` of the grid) */
    qnn_result res;
    size_t nstat;           /* per point nstat statistics: stat[k * nstat + s] */
    qnn_sweep_stat *stat;
    /* after qnn_sweep_load(k): a one-point result for point k with its run
     * (params.figure: the point's ensemble figure, as in points/K/figure.png) */
    long loaded;            /* -1: none */
    qnn_point one_point;
    qnn_result one;
} qnn_sweep;

/* Reads DIR (a complete sweep: every instance file present and intact).
 * 0, or -1 with a one-line message naming DIR and what is wrong. */
int qnn_sweep_open(const char *dir, qnn_sweep *sw, char *err, size_t errlen);
/* Loads point k's instances (freeing the previously loaded point). 0 or -1. */
int qnn_sweep_load(qnn_sweep *sw, long k, char *err, size_t errlen);
void qnn_sweep_close(qnn_sweep *sw);

/* The statistic named `name` of point k, or NULL. */
const qnn_sweep_stat *qnn_sweep_point_stat(const qnn_sweep *sw, long k, const char *name);

/* Draws the figure of a result (as qnn_write_figure would write it) on a
 * cairo context of w x h user units. 0, or -1 with a message. */
struct _cairo;
int qnn_draw_figure(const qnn_result *res, struct _cairo *cr, double w, double h,
                    char *err, size_t errlen);
/* The axis limits (x0, x1, y0, y1) of each panel of res's figure, with
 * its figure options, into lim[0 .. max-1], and the figure's size in
 * points (wpt, hpt may be NULL): the count of panels, or -1 with a
 * message. */
int qnn_figure_limits(const qnn_result *res, double (*lim)[4], int max, double *wpt, double *hpt, char *err,
                      size_t errlen);
/* qnn_draw_figure with the run's figure options and, when lim holds one
 * row per panel (nlim = the figure's panel count), those axis limits: the
 * frames of a movie that grows into a figure keep its axes. */
int qnn_draw_figure_with(const qnn_result *res, const double (*lim)[4], int nlim, struct _cairo *cr, double w,
                         double h, char *err, size_t errlen);

#endif
