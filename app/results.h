/* A finished headless run: the preset, the overrides, and one engine run
 * with its summary per grid point. Writers for trace.csv, summary.json and
 * the figure files. */
#ifndef QNN_RESULTS_H
#define QNN_RESULTS_H

#include <stdio.h>
#include "preset.h"
#include "qnn/analysis.h"
#include "qnn/run.h"
#include "qnn/text.h" /* qnn_json_text, used by every JSON writer of app/ */
#include "figopts.h"

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
    /* the figure options of figure.* (--fig-size, --style ...: figopts.h);
     * NULL: the figure as its kind lays it out */
    const live_fig_opts *figopts;
} qnn_result;

/* Preparing and running a result: app/runner.h. */

/* Writers return 0, or -1 on a write error (errno set). */
int qnn_write_trace_csv(const qnn_result *res, FILE *f);
int qnn_write_summary_json(const qnn_result *res, FILE *f);

/* trace.csv, summary.json, figure.png, figure.svg, figure.pdf (and, when a
 * point has hessian != off, spectra.csv) into the existing folder dir,
 * committed as one set (ui/base/afile.h): either every new file replaces
 * its old one or none does. A spectra.csv of an earlier run is removed with
 * the commit when no point computed Hessians. Refused, with nothing
 * touched: a target that exists and is not a regular file, and a sweep's
 * folder (sweep.json, points/ or .lock in it). After the commit the stale
 * temporaries of killed writers of these names are removed
 * (afile_clean_stale). 0, or -1 with a message ("--out: value 'DIR': ..."). */
int qnn_write_outputs(const qnn_result *res, const char *dir, char *err, size_t errlen);

/* A further file written and committed in the same set as the run's
 * (reproduce's report.json and report.md): write(f, ctx) returns 0, or -1
 * with errno set. */
#define QNN_EXTRA_MAX 4
typedef struct qnn_extra_output {
    const char *name; /* a plain file name in the folder */
    int (*write)(FILE *f, void *ctx);
    void *ctx;
} qnn_extra_output;

/* qnn_write_outputs with nextra (0 .. QNN_EXTRA_MAX) further files. */
int qnn_write_outputs_with(const qnn_result *res, const char *dir, const qnn_extra_output *extra, int nextra,
                           char *err, size_t errlen);

/* Checks that dir is a directory or can be created as one (every part of
 * the path that exists is a directory) and that a file can be written in
 * it, before any work starts; then creates what is missing (mkdir -p). A
 * refusal creates nothing. 0, or -1 with a message. */
int qnn_prepare_outdir(const char *dir, char *err, size_t errlen);

/* The checks before a command writes the files names[0 .. n-1] into dir,
 * nothing created or removed: every part of the path that exists is a
 * directory, dir is not a sweep's folder (sweep.json, points/, .lock, or a
 * point of a sweep), and each name is a regular file or absent. A dir that
 * does not exist passes. 0, or -1 with a message. */
int qnn_check_outdir(const char *dir, const char *const *names, int n, char *err, size_t errlen);

/* qnn_check_outdir with the run's file names and extra[0 .. nextra-1]: the
 * checks of qnn_prepare_run_outdir alone (reproduce all checks every
 * figure's folder before the first figure runs). */
int qnn_check_run_outdir(const char *dir, const char *const *extra, int nextra, char *err, size_t errlen);

/* qnn_prepare_outdir for a run's folder, checking first, so that a run
 * that could not write its files is refused before it computes: not a
 * sweep's folder (or a point folder of one), and each of the run's file
 * names (and extra[0 .. nextra-1], nextra <= QNN_EXTRA_MAX) a regular file
 * or absent. Then removes the stale temporaries of those names
 * (afile_clean_stale). 0, or -1 with a message and nothing touched. */
int qnn_prepare_run_outdir(const char *dir, const char *const *extra, int nextra, char *err, size_t errlen);

/* Removes the folders qnn_prepare_outdir created in this process while
 * they are empty (deepest first): an interrupted or failed run leaves no
 * empty folder behind. Async-signal-safe. */
void qnn_outdir_remove_created(void);



/* Draws the run's figure (layout from the preset's figure keys, then
 * res->figopts) into path in the given format (0 PNG, 1 SVG, 2 PDF). */
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
