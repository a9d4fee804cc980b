/* A finished headless run: the preset, the overrides, and one engine run
 * with its summary per grid point. Writers for trace.csv, summary.json and
 * the figure files. */
#ifndef QNN_RESULTS_H
#define QNN_RESULTS_H

#include <stdio.h>
#include "preset.h"
#include "qnn/analysis.h"
#include "qnn/run.h"

typedef struct qnn_point {
    qnn_params params;
    int value_index[QNN_MAX_SWEEP_KEYS];
    qnn_run *run;
    qnn_summary sum;
} qnn_point;

typedef struct qnn_result {
    const qnn_preset *preset;
    const char *const *overrides;
    int noverrides;
    long npoints;
    qnn_point *points;
} qnn_result;

/* Preparing and running a result: app/runner.h. */

/* Writers return 0, or -1 on a write error (errno set). */
int qnn_write_trace_csv(const qnn_result *res, FILE *f);
int qnn_write_summary_json(const qnn_result *res, FILE *f);

/* trace.csv, summary.json, figure.png, figure.svg, figure.pdf (and, when a
 * point has hessian != off, spectra.csv) into dir: each written to a hidden
 * temporary name first and renamed only when all of them are complete, so
 * dir never holds a partial file. 0, or -1 with a message. */
int qnn_write_outputs(const qnn_result *res, const char *dir, char *err, size_t errlen);

/* Checks that dir exists or can be created and that a file can be written
 * in it (before any work starts). 0, or -1 with a message. */
int qnn_prepare_outdir(const char *dir, char *err, size_t errlen);

/* Draws the run's figure (layout from the preset's figure keys) into
 * path in the given format (0 PNG, 1 SVG, 2 PDF). */
int qnn_write_figure(const qnn_result *res, int format, const char *path, char *err, size_t errlen);

/* spectra.csv (every Hessian spectrum of every instance; written only when
 * qnn_result_has_hessian). */
int qnn_write_spectra_csv(const qnn_result *res, FILE *f);
int qnn_result_has_hessian(const qnn_result *res);

/* The statistics a sweep figure (figure = sweep, stats = ...) can show:
 * name i, or NULL past the last. */
const char *qnn_figure_stat_name(size_t i);

/* 1 when the comma list `stats` names the statistic `name`. */
int qnn_stats_has(const char *stats, const char *name);

/* The Hessian histogram range of point pt: hessian_range, or (auto) the
 * extreme eigenvalues of all spectra of instance 0 widened by 1 % of the
 * spread. 0, or -1 when there is no spectrum. */
int qnn_hessian_hist_range(const qnn_point *pt, double *lo, double *hi);

/* "L=64, gamma=1.2" for point k; buf of len bytes. */
void qnn_point_label(const qnn_result *res, long k, char *buf, size_t len);

#endif
