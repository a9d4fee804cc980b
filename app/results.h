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

/* Writers return 0, or -1 on a write error (errno set). */
int qnn_write_trace_csv(const qnn_result *res, FILE *f);
int qnn_write_summary_json(const qnn_result *res, FILE *f);

/* trace.csv, summary.json, figure.png, figure.svg, figure.pdf into dir: each
 * written to a hidden temporary name first and renamed only when all five
 * are complete, so dir never holds a partial file. 0, or -1 with a message. */
int qnn_write_outputs(const qnn_result *res, const char *dir, char *err, size_t errlen);

/* Checks that dir exists or can be created and that a file can be written
 * in it (before any work starts). 0, or -1 with a message. */
int qnn_prepare_outdir(const char *dir, char *err, size_t errlen);

/* Draws the run's figure (layout from the preset's figure keys) into
 * path in the given format (0 PNG, 1 SVG, 2 PDF). */
int qnn_write_figure(const qnn_result *res, int format, const char *path, char *err, size_t errlen);

/* "L=64, gamma=1.2" for point k; buf of len bytes. */
void qnn_point_label(const qnn_result *res, long k, char *buf, size_t len);

#endif
