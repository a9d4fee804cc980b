/* The reduction of `qnnlab sweep`: the instance files of each point read
 * back into a run, analysed, reduced to per-instance statistics and
 * written (trace.csv, summary.json, figures), then the sweep's
 * summary.csv, summary.json and figure. */
#include "sweep_priv.h"
#include "afile.h"
#include "runner.h"
#include "qnn/analysis.h"
#include "qnn/stats.h"

#include <errno.h>
#include <math.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ------------------------------------------------------------------------ */
/* Per-instance statistics                                                  */
/* ------------------------------------------------------------------------ */

const char *const *qnn_sweep_stat_names(size_t *count)
{
    static const char *names[NSTAT];
    for (size_t s = 0; s < NSTAT; s++)
        names[s] = qnn_instance_stat_name(s);
    *count = NSTAT;
    return names;
}

/* The statistics of a run's instances, in instance order. 0 or -1. */
static int reduce_stats(const qnn_run *run, qnn_sweep_stat *out)
{
    double *x = malloc((size_t)(run->ninst > 0 ? run->ninst : 1) * sizeof *x);
    if (!x)
        return -1;
    for (size_t s = 0; s < NSTAT; s++) {
        for (int i = 0; i < run->ninst; i++)
            x[i] = qnn_instance_stat(s, &run->inst[i]);
        qnn_stat st = qnn_stat_of(x, 1, (size_t)run->ninst);
        qnn_sweep_stat *o = &out[s];
        o->name = qnn_instance_stat_name(s);
        o->n = (long)st.n;
        o->mean = st.mean;
        o->sd = st.sd;
        o->se = st.se;
        const double q[7] = { 0, 0.05, 0.25, 0.5, 0.75, 0.95, 1 };
        double *dst[7] = { &o->min, &o->q05, &o->q25, &o->median, &o->q75, &o->q95, &o->max };
        for (int j = 0; j < 7; j++)
            *dst[j] = st.n > 0 ? qnn_quantile(x, 1, (size_t)run->ninst, q[j]) : NAN;
    }
    free(x);
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Reduction: instance files -> runs -> summaries, traces, figures          */
/* ------------------------------------------------------------------------ */

/* The figure of one point: the preset's own when it shows one point's
 * ensemble, else the training figure. */
static qnn_figure_kind point_figure(qnn_figure_kind f)
{
    return f == QNN_FIG_HESSIAN || f == QNN_FIG_HISTOGRAM || f == QNN_FIG_CARLEMAN ? f : QNN_FIG_TRAINING;
}

int sweep_load_point(const char *dir, qnn_point *pt, long k, uint64_t fp, qnn_sweep_stat *stat,
                     char *err, size_t errlen)
{
    const qnn_params *p = &pt->params;
    const int R = p->instances;
    qnn_run_instance *inst = calloc((size_t)R, sizeof *inst);
    if (!inst) {
        snprintf(err, errlen, "out of memory for %d instances", R);
        return -1;
    }
    for (int i = 0; i < R; i++) {
        const char *why = "";
        int rc = sweep_load_instance(dir, k, i, fp, p, &inst[i], &why);
        if (rc != 0) {
            char path[PATH_MAX + 64];
            sweep_inst_path(dir, k, i, path, sizeof path);
            if (rc == -2)   /* no resume gets past it */
                snprintf(err, errlen, "'%s': %s; allowed: only instance files in points/K/inst/ (remove it, and `qnnlab sweep` with the same arguments computes the instance again)",
                         path, why);
            else
                snprintf(err, errlen, "'%s': %s; allowed: a complete sweep (run `qnnlab sweep` with the same arguments to finish it)",
                         path, rc > 0 ? "missing" : why);
            for (int j = 0; j < i; j++)
                qnn_run_instance_clear(&inst[j]);
            free(inst);
            return rc == -2 ? -2 : -1;
        }
    }
    qnn_run *run = NULL;
    if (qnn_run_assemble(p, inst, R, &run, err, errlen) != 0)
        return -1;
    pt->run = run;
    if (qnn_analyse(run, &pt->sum) != 0 || reduce_stats(run, stat) != 0) {
        snprintf(err, errlen, "out of memory while analysing point %ld", k);
        return -1;
    }
    return 0;
}

static void csv_field(FILE *f, double v)
{
    if (isnan(v))
        fputc(',', f);
    else
        fprintf(f, ",%.17g", v);
}

/* summary.csv: one row per point and statistic that any point has. */
static int write_summary_csv(const qnn_result *res, const qnn_sweep_stat *stat, FILE *f)
{
    const qnn_preset *ps = res->preset;
    fputs("point", f);
    for (int s = 0; s < ps->nsweep; s++)
        fprintf(f, ",%s", ps->sweep[s].key);
    fputs(",statistic,n,mean,se,sd,min,q05,q25,median,q75,q95,max\n", f);
    for (size_t s = 0; s < NSTAT; s++) {
        int any = 0;
        for (long k = 0; k < res->npoints; k++)
            any |= stat[(size_t)k * NSTAT + s].n > 0;
        if (!any)
            continue;
        for (long k = 0; k < res->npoints; k++) {
            const qnn_sweep_stat *st = &stat[(size_t)k * NSTAT + s];
            fprintf(f, "%ld", k);
            for (int j = 0; j < ps->nsweep; j++)
                fprintf(f, ",%s", ps->sweep[j].values[res->points[k].value_index[j]]);
            fprintf(f, ",%s,%ld", st->name, st->n);
            const double v[] = { st->mean, st->se, st->sd, st->min, st->q05, st->q25, st->median, st->q75, st->q95, st->max };
            for (size_t j = 0; j < sizeof v / sizeof v[0]; j++)
                csv_field(f, v[j]);
            fputc('\n', f);
        }
    }
    return ferror(f) ? -1 : 0;
}

typedef int (*stream_writer)(const void *ctx, const void *ctx2, FILE *f);

/* Writes what fn prints into path, atomically. 0, or -1 with a message. */
static int write_stream(const char *path, stream_writer fn, const void *ctx, const void *ctx2, char *err, size_t errlen)
{
    char *mem = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&mem, &n);
    if (!f) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    int rc = fn(ctx, ctx2, f);
    if (fclose(f) != 0)
        rc = -1;
    if (rc != 0) {
        free(mem);
        snprintf(err, errlen, "out of memory while writing '%s'", path);
        return -1;
    }
    rc = sweep_write_atomic(path, mem, n, err, errlen);
    free(mem);
    return rc == AFILE_ENOTREG ? -2 : rc != 0 ? -1 : 0;
}

static int w_summary_csv(const void *a, const void *b, FILE *f) { return write_summary_csv(a, b, f); }
static int w_summary_json(const void *a, const void *b, FILE *f) { (void)b; return qnn_write_summary_json(a, f); }

/* A figure, whole or not at all. */
static int write_figure_atomic(const qnn_result *res, int format, const char *path, char *err, size_t errlen)
{
    afile a;
    const int r = afile_reserve(&a, path, err, errlen);
    if (r != AFILE_OK)
        return r == AFILE_ENOTREG ? -2 : -1;
    if (qnn_write_figure(res, format, a.tmp, err, errlen) != 0) {
        afile_abort(&a);
        return -1;
    }
    const int c = afile_commit(&a, err, errlen);
    return c == AFILE_ENOTREG ? -2 : c != AFILE_OK ? -1 : 0;
}

void sweep_one_point(const qnn_result *res, long k, qnn_point *pt, qnn_result *one)
{
    *pt = res->points[k];
    pt->params.figure = point_figure(res->preset->params.figure);
    /* the preset's own title may name a value the grid changes */
    char label[256];
    qnn_point_label(res, k, label, sizeof label);
    snprintf(pt->params.title, sizeof pt->params.title, "qnnlab sweep: %s%s%s, %d instance%s", res->preset->name,
             label[0] ? ", " : "", label, pt->params.instances, pt->params.instances == 1 ? "" : "s");
    memset(one, 0, sizeof *one);
    one->preset = res->preset;
    one->overrides = res->overrides;
    one->noverrides = res->noverrides;
    one->npoints = 1;
    one->points = pt;
}

void sweep_figure_params(qnn_result *res, const char *stats)
{
    const int R = res->npoints > 0 ? res->points[0].params.instances : 0;
    for (long k = 0; k < res->npoints; k++) {
        qnn_params *p = &res->points[k].params;
        p->figure = QNN_FIG_SWEEP;
        snprintf(p->stats, sizeof p->stats, "%s", stats);
        snprintf(p->title, sizeof p->title, "qnnlab sweep: %s, %d instance%s per point", res->preset->name, R,
                 R == 1 ? "" : "s");
    }
}

int sweep_reduce(qnn_result *res, const char *dir, const uint64_t *fp, const char *stats, int quiet,
                 const atomic_int *stop, int *diverged, char *err, size_t errlen)
{
    const long P = res->npoints;
    qnn_sweep_stat *stat = calloc((size_t)P * NSTAT, sizeof *stat);
    if (!stat) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    *diverged = 0;
    int rc = 0;
    for (long k = 0; k < P && rc == 0; k++) {
        qnn_point *pt = &res->points[k];
        if (atomic_load(stop)) {
            snprintf(err, errlen, "interrupted");
            rc = -1;
            break;
        }
        rc = sweep_load_point(dir, pt, k, fp[k], &stat[(size_t)k * NSTAT], err, errlen);
        if (rc != 0)
            break;
        *diverged += pt->sum.diverged;
        qnn_point opt;
        qnn_result one;
        sweep_one_point(res, k, &opt, &one);
        char pdir[PATH_MAX + 32];
        snprintf(pdir, sizeof pdir, "%s/points/%04ld", dir, k);
        rc = qnn_write_outputs(&one, pdir, err, errlen);
        if (!quiet) {
            char label[256];
            qnn_point_label(res, k, label, sizeof label);
            const qnn_sweep_stat *fl = &stat[(size_t)k * NSTAT + 1];
            fprintf(stderr, "  point %ld/%ld%s%s: %d instances", k + 1, P, label[0] ? " " : "", label, pt->sum.instances);
            if (fl->n > 0)
                fprintf(stderr, ", final loss %.4g ± %.2g (median %.4g)", fl->mean, fl->se, fl->median);
            else
                fprintf(stderr, ", K(0) = %.4g ± %.2g", pt->sum.kernel_t0.mean, pt->sum.kernel_t0.se);
            if (pt->sum.diverged)
                fprintf(stderr, ", %d diverged", pt->sum.diverged);
            fputc('\n', stderr);
        }
    }
    char path[PATH_MAX + 32];
    if (rc == 0) {
        snprintf(path, sizeof path, "%s/summary.csv", dir);
        rc = write_stream(path, w_summary_csv, res, stat, err, errlen);
    }
    sweep_figure_params(res, stats);
    if (rc == 0) {
        snprintf(path, sizeof path, "%s/summary.json", dir);
        rc = write_stream(path, w_summary_json, res, NULL, err, errlen);
    }
    static const char *const ext[3] = { "png", "svg", "pdf" };
    if (rc == 0 && atomic_load(stop)) {
        snprintf(err, errlen, "interrupted");
        rc = -1;
    }
    for (int f = 0; f < 3 && rc == 0; f++) {
        snprintf(path, sizeof path, "%s/figure.%s", dir, ext[f]);
        rc = write_figure_atomic(res, f, path, err, errlen);
    }
    free(stat);
    if (rc == -2 && !strstr(err, "allowed:")) {
        size_t l = strlen(err);
        snprintf(err + l, errlen - l, "; allowed: a regular file or nothing at that path (remove it, and the same command writes the results)");
    }
    return rc;
}
