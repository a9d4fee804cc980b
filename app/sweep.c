/* qnnlab sweep: a preset's grid x R instances as independent work items.
 *
 * Every instance is fully determined by its point's parameters and its
 * index (qnn_run_one), so it can be computed by any thread of any process.
 * Each finished instance is serialised (field by field, checksummed) and
 * renamed into DIR/points/K/inst/I.qi only when complete; the reduction
 * reads the files back in point and instance order. A single process and
 * N MPI ranks therefore write the same instance files bit for bit and the
 * same statistics, and an interrupted sweep resumes from the files it
 * finds intact.
 *
 * MPI (built with QNN_HAVE_MPI, used when a launcher started several
 * ranks): rank 0 owns DIR and the queue of missing instances; its main
 * thread answers the other ranks' requests and writes their results while
 * its worker threads take items from the same queue. Every other rank's
 * main thread asks rank 0 for an item whenever one of its worker threads is
 * idle and sends each finished instance back. Only main threads call MPI
 * (MPI_THREAD_FUNNELED); they poll with short sleeps, so they do not take a
 * core from the workers.
 *
 * This file: the command (its options, the preset's points, rank 0's
 * preparation, the MPI hand-over of the preset, the report and the log).
 * sweep_store.c holds the instance files, sweep_dir.c the manifest and the
 * directory, sweep_work.c the worker threads and MPI, sweep_reduce.c the
 * reduction, sweep_read.c the browsers' reading; sweep_priv.h what they
 * share. */
#define _GNU_SOURCE 1   /* sched_getaffinity, CPU_COUNT */
#include "sweep_priv.h"
#include "command.h"
#include "runner.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ------------------------------------------------------------------------ */
/* The command                                                              */
/* ------------------------------------------------------------------------ */

int sweep_usage_fail(int print, const char *msg)
{
    if (print)
        qnn_refuse("qnnlab", msg);
    return QNN_EXIT_USAGE;
}

#ifndef QNN_HAVE_MPI
/* The number of ranks a launcher says this process is one of (1: none). */
static int launcher_ranks(void)
{
    const char *v[] = { "OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE", "MPI_LOCALNRANKS", "SLURM_NTASKS" };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        const char *e = getenv(v[i]);
        if (e && atoi(e) > 1)
            return atoi(e);
    }
    return 1;
}
#endif

/* Started by an MPI launcher (mpirun, mpiexec, srun with PMI/PMIx)? */
static int under_launcher(void)
{
    return getenv("OMPI_COMM_WORLD_SIZE") || getenv("PMIX_RANK") || getenv("PMI_RANK");
}

/* The statistics named in a comma list (256 bytes), checked and written
 * back in their one spelling (qnn_stat_name). 0, or -1 with a message. */
static int check_stats(char *list, char *err, size_t errlen)
{
    char buf[256];
    if (snprintf(buf, sizeof buf, "%s", list) >= (int)sizeof buf || !*list) {
        snprintf(err, errlen, "--stat: value '%.40s' is %s; allowed: a comma list of statistics", list, *list ? "too long" : "empty");
        return -1;
    }
    int n = 0;
    char *save = NULL;
    for (char *tok = strtok_r(buf, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save), n++) {
        int ok = 0;
        for (size_t i = 0; qnn_figure_stat_name(i); i++)
            ok |= !strcmp(qnn_figure_stat_name(i), qnn_stat_name(tok));
        if (!ok || n >= 8) {
            char allowed[1024] = "";
            size_t off = 0;
            for (size_t i = 0; qnn_figure_stat_name(i) && off < sizeof allowed; i++)
                off += (size_t)snprintf(allowed + off, sizeof allowed - off, "%s%s", i ? ", " : "", qnn_figure_stat_name(i));
            if (n >= 8)
                snprintf(err, errlen, "--stat: value '%s' names more than 8 statistics; allowed: at most 8 of %s", list, allowed);
            else
                snprintf(err, errlen, "--stat: value '%s': unknown statistic '%s'; allowed: %s", list, tok, allowed);
            return -1;
        }
    }
    snprintf(buf, sizeof buf, "%s", list);
    if (qnn_stats_canonical(buf, list, 256) != 0) {
        snprintf(err, errlen, "--stat: value '%.40s' is too long; allowed: a comma list of statistics", buf);
        return -1;
    }
    return 0;
}


static void args_free(sweep_args *a)
{
    for (int i = 0; i < a->nowned; i++)
        free(a->owned[i]);
    free(a->owned);
    free(a->over);
    free(a->from_grid);
    free(a->grid_arg);
}

static int add_override(sweep_args *a, const char *prefix, const char *value, int grid, const char *garg)
{
    size_t l = strlen(prefix) + strlen(value) + 2;
    char *s = malloc(l);
    if (!s)
        return -1;
    snprintf(s, l, "%s%s", prefix, value);
    a->owned[a->nowned++] = s;
    a->from_grid[a->nover] = grid;
    a->grid_arg[a->nover] = garg;
    a->over[a->nover++] = s;
    return 0;
}

/* Parses argv (after "sweep"). QNN_EXIT_OK, or QNN_EXIT_USAGE with the
 * message printed when print. */
enum { SW_GRID = 256, SW_INSTANCES, SW_SET, SW_STEPS, SW_SEED, SW_THREADS, SW_STAT };
static const qnn_opt sweep_opts[] = {
    { "out", 'o', "a directory path", 0 },
    { "grid", SW_GRID, "KEY=V1,V2,... with a sweepable key (`qnnlab --help`)", 0 },
    { "instances", SW_INSTANCES, "instances per grid point (as --set instances=R)", 0 },
    { "set", SW_SET, "KEY=VALUE with a key of `qnnlab --help`", 0 },
    { "steps", SW_STEPS, "a number of steps (as --set steps=N)", 0 },
    { "seed", SW_SEED, "a seed (as --set seed=S)", 0 },
    { "threads", SW_THREADS, "an integer from 1 to 1024", 0 },
    { "stat", SW_STAT, "a statistic of summary.csv, or a comma list of them", 0 },
    { "quiet", 'q', NULL, 0 },
};
/* parse_args: -h or --help (nothing else is checked) */
#define SWEEP_HELP (-1)

/* The arguments of `qnnlab sweep` (argv[0] = "sweep") into a (free it with
 * args_free, also after a failure). QNN_EXIT_OK, SWEEP_HELP, or
 * QNN_EXIT_USAGE after the refusal (printed when print is 1). */
static int parse_args(int argc, char **argv, sweep_args *a, int print)
{
    memset(a, 0, sizeof *a);
    a->over = calloc((size_t)argc + 1, sizeof *a->over);
    a->from_grid = calloc((size_t)argc + 1, sizeof *a->from_grid);
    a->grid_arg = calloc((size_t)argc + 1, sizeof *a->grid_arg);
    a->owned = calloc((size_t)argc + 1, sizeof *a->owned);
    if (!a->over || !a->from_grid || !a->grid_arg || !a->owned)
        return sweep_usage_fail(print, "out of memory");
    char err[1024], q[300];
    qnn_optparser op;
    qnn_opt_init(&op, sweep_opts, sizeof sweep_opts / sizeof sweep_opts[0], argc, argv);
    for (int c; (c = qnn_opt_next(&op)) != QNN_OPT_END;) {
        const char *val = op.arg;
        int rc = 0;
        switch (c) {
        case QNN_OPT_HELP:
            return SWEEP_HELP;
        case QNN_OPT_ERROR:
            snprintf(err, sizeof err, "sweep: %s", op.msg);
            return sweep_usage_fail(print, err);
        case QNN_OPT_OPERAND:
            if (a->preset) {
                snprintf(err, sizeof err, "sweep: unexpected argument '%s'; allowed: one PRESET", qnn_quote(val, 80, q, sizeof q));
                return sweep_usage_fail(print, err);
            }
            a->preset = val;
            break;
        case 'o': a->out = val; break;
        case 'q': a->quiet = 1; break;
        case SW_STAT: a->stat = val; break;
        case SW_THREADS: {
            char *end;
            errno = 0;
            long t = strtol(val, &end, 10);
            if (errno || *end || end == val || t < 1 || t > 1024) {
                snprintf(err, sizeof err, "--threads: value '%s' is out of range; allowed: an integer from 1 to 1024",
                         qnn_quote(val, 80, q, sizeof q));
                return sweep_usage_fail(print, err);
            }
            a->threads = (int)t;
            break;
        }
        case SW_GRID: {
            /* KEY=V1,V2,...: a key, and values none of which is empty */
            const char *eq = strchr(val, '=');
            const char *why = NULL;
            if (!eq || eq == val)
                why = "not KEY=V1,V2,...";
            else if (!eq[1])
                why = "no values after '='";
            else if (eq[1] == ',' || val[strlen(val) - 1] == ',' || strstr(eq, ",,"))
                why = "an empty value in the list";
            else if (strchr(val, ' '))
                why = "a space in it";
            if (why) {
                snprintf(err, sizeof err, "--grid: value '%s': %s; allowed: KEY=V1,V2,... with a sweepable key (`qnnlab --help`) and comma-separated values",
                         qnn_quote(val, 200, q, sizeof q), why);
                return sweep_usage_fail(print, err);
            }
            rc = add_override(a, "sweep.", val, 1, val);
            break;
        }
        case SW_SET: rc = add_override(a, "", val, 0, NULL); break;
        case SW_INSTANCES: rc = add_override(a, "instances=", val, 0, NULL); break;
        case SW_STEPS: rc = add_override(a, "steps=", val, 0, NULL); break;
        case SW_SEED: rc = add_override(a, "seed=", val, 0, NULL); break;
        }
        if (rc != 0)
            return sweep_usage_fail(print, "out of memory");
    }
    if (!a->preset)
        return sweep_usage_fail(print, "sweep: missing PRESET; allowed: a name from `qnnlab presets` or a path to an .ini file");
    if (!a->out)
        return sweep_usage_fail(print, "sweep: missing --out DIR; allowed: --out followed by a directory path");
    return QNN_EXIT_OK;
}

/* The grid of ps fits in memory (sweep_grid_bytes against
 * qnn_memory_limit), checked before its points are made. 0, or -1 with
 * the refusal: the grid, the key with the most values, the bytes needed
 * and available. */
static int check_grid_size(const qnn_preset *ps, char *err, size_t errlen)
{
    long P = 1, R = ps->params.instances;
    int big = -1;
    for (int s = 0; s < ps->nsweep; s++) {
        P *= ps->sweep[s].nvalues;
        if (big < 0 || ps->sweep[s].nvalues > ps->sweep[big].nvalues)
            big = s;
        if (!strcmp(ps->sweep[s].key, "instances"))
            for (int v = 0; v < ps->sweep[s].nvalues; v++)
                if (atol(ps->sweep[s].values[v]) > R)
                    R = atol(ps->sweep[s].values[v]);
    }
    /* figure = compare adds a sweep over 3 models (qnn_preset_finalise) */
    if (ps->params.figure == QNN_FIG_COMPARE)
        P *= 3;
    const size_t need = sweep_grid_bytes(P, R), lim = qnn_memory_limit();
    if (big < 0 || need <= lim)
        return 0;
    char grid[512] = "";
    size_t off = 0;
    for (int s = 0; s < ps->nsweep && off < sizeof grid; s++)
        off += (size_t)snprintf(grid + off, sizeof grid - off, "%s%s (%d)", s ? " x " : "", ps->sweep[s].key,
                                ps->sweep[s].nvalues);
    const long fit = (long)((double)lim / ((double)need / (double)P));
    /* "of memory": qnn_refuse adds why the limit is what it is */
    snprintf(err, errlen, "sweep: key 'sweep.%s': %ld grid points (%s) x %ld instances need about %.1f GiB of memory before the first instance, and %.1f GiB are available; allowed: at most about %ld points here (fewer values of '%s')",
             ps->sweep[big].key, P, grid, R, (double)need / 1073741824.0, (double)lim / 1073741824.0, fit,
             ps->sweep[big].key);
    return -1;
}

int sweep_prepare(const sweep_args *a, const char *name, const char *path, const char *text, size_t len,
                  qnn_preset *ps, qnn_result *res, char *err, size_t errlen)
{
    memset(ps, 0, sizeof *ps);
    qnn_params_default(&ps->params);
    snprintf(ps->name, sizeof ps->name, "%s", name);
    snprintf(ps->path, sizeof ps->path, "%s", path);
    if (qnn_preset_parse(text, len, path, ps, err, errlen) != 0)
        return QNN_EXIT_USAGE;
    for (int i = 0; i < a->nover; i++) {
        char e[1024];
        if (qnn_preset_override(ps, a->over[i], e, sizeof e) != 0) {
            if (a->from_grid[i])
                snprintf(err, errlen, "--grid %s: %s", a->grid_arg[i], e);
            else
                snprintf(err, errlen, "--set %s: %s", a->over[i], e);
            return QNN_EXIT_USAGE;
        }
    }
    if (check_grid_size(ps, err, errlen) != 0)
        return QNN_EXIT_USAGE;
    int rc = qnn_result_prepare_loaded(NULL, 0, ps, res, err, errlen);
    res->overrides = a->over;
    res->noverrides = a->nover;
    return rc;
}

/* Threads per process: --threads, else the CPUs this process may use,
 * shared with the other ranks on this node when they may all use the
 * same CPUs (mpirun without binding). */
static int pick_threads(const sweep_args *a, const qnn_result *res, int local_ranks)
{
    int t = a->threads;
    if (t <= 0) {
        int avail = sweep_cpus_available();
        long online = sysconf(_SC_NPROCESSORS_ONLN);
        t = avail;
        if (local_ranks > 1 && avail >= online)
            t = avail / local_ranks;
        if (t < 1)
            t = 1;
    }
    /* the memory check fitted each point's threads (qnn_result_prepare) */
    for (long k = 0; k < res->npoints; k++)
        if (res->points[k].params.threads > 0 && res->points[k].params.threads < t &&
            res->points[k].params.threads < res->points[k].params.instances)
            t = res->points[k].params.threads;
    return t;
}

static void append_log(const char *dir, int ranks, int threads, long computed, long kept, const long *by_rank,
                       double secs, int rc)
{
    char path[PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/sweep.log", dir);
    /* O_NONBLOCK and a regular file only: a FIFO put there must not hang
     * the end of the sweep (the log is not part of the result) */
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NONBLOCK | O_CLOEXEC, 0666);
    struct stat st;
    if (fd < 0)
        return;
    FILE *f = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ? fdopen(fd, "a") : NULL;
    if (!f) {
        close(fd);
        return;
    }
    time_t t = time(NULL);
    struct tm tm;
    char when[64];
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S%z", localtime_r(&t, &tm));
    fprintf(f, "%s qnnlab %s: %d rank(s) x %d thread(s), %ld instance(s) computed", when, QNN_VERSION, ranks, threads, computed);
    if (ranks > 1 && by_rank) {
        fputs(" (by rank:", f);
        for (int r = 0; r < ranks; r++)
            fprintf(f, " %ld", by_rank[r]);
        fputc(')', f);
    }
    fprintf(f, ", %ld kept from before, %.2f s, status %d\n", kept, secs, rc);
    fclose(f);
}

/* Rank 0: reads preset a->preset into *text (*tlen bytes), prepares its
 * points into *ps and *res and picks the statistics of the sweep figure
 * into stats (256 bytes). QNN_EXIT_OK, or the status with the refusal
 * printed. */
static int load_root(const sweep_args *a, qnn_preset *ps, qnn_result *res, unsigned char **text, size_t *tlen,
                     char *stats)
{
    char err[2048];
    qnn_preset probe;
    if (qnn_preset_load(a->preset, &probe, err, sizeof err) != 0)
        return sweep_usage_fail(1, err);
    if (sweep_read_all(probe.path, QNN_PRESET_MAX_BYTES, text, tlen) != 0) {
        snprintf(err, sizeof err, "preset file '%s': cannot be read; allowed: a readable INI file", probe.path);
        return sweep_usage_fail(1, err);
    }
    int rc = sweep_prepare(a, probe.name, probe.path, (const char *)*text, *tlen, ps, res, err, sizeof err);
    if (rc != QNN_EXIT_OK) {
        qnn_refuse("qnnlab", err);   /* the message, whatever the status */
        return rc;
    }
    if (a->stat)
        snprintf(stats, 256, "%s", a->stat);
    else if (ps->params.figure == QNN_FIG_SWEEP && ps->params.stats[0])
        snprintf(stats, 256, "%s", ps->params.stats);
    if (check_stats(stats, err, sizeof err) != 0)
        return sweep_usage_fail(1, err);
    return QNN_EXIT_OK;
}

/* Rank 0: the preset read and prepared (load_root), DIR locked, checked
 * and written; the points' fingerprints into *fp and the manifest into
 * *man. What it leaves in the outputs is the caller's to free, whatever
 * the status. QNN_EXIT_OK, or the status with the refusal printed. */
static int prepare_root(const sweep_args *a, qnn_preset *ps, qnn_result *res, unsigned char **text, size_t *tlen,
                        char *stats, int *lockfd, uint64_t **fp, json_t **man)
{
    int rc = load_root(a, ps, res, text, tlen, stats);
    if (rc == QNN_EXIT_OK) {
        char err[2048];
        if (qnn_prepare_outdir(a->out, err, sizeof err) != 0)
            rc = sweep_usage_fail(1, err);
    }
    if (rc == QNN_EXIT_OK)
        rc = sweep_lock_dir(a->out, lockfd);
    if (rc == QNN_EXIT_OK) {
        *fp = calloc((size_t)res->npoints, sizeof **fp);
        *man = *fp ? sweep_manifest_build(res, a->over, a->nover, stats, *fp) : NULL;
        if (!*man)
            rc = sweep_usage_fail(1, "out of memory");
    }
    if (rc == QNN_EXIT_OK)
        rc = sweep_check_targets(a->out, res);
    if (rc == QNN_EXIT_OK)
        rc = sweep_check_dir(a->out, *man);
    if (rc == QNN_EXIT_OK)
        rc = sweep_write_dir(a->out, *text, *tlen, *man, res->npoints);
    return rc;
}

#ifdef QNN_HAVE_MPI
/* Every rank learns rank 0's status; on QNN_EXIT_OK rank 0 sends the
 * preset's text and name, and the other ranks prepare the same points
 * (*ps, *res, *text, *fp theirs to free). Returns the status every rank
 * goes on with: QNN_EXIT_FAILURE when a rank's points differ from rank
 * 0's (it says so). */
static int share_preset(MPI_Comm comm, int rank, int rc, const sweep_args *a, qnn_preset *ps, qnn_result *res,
                        unsigned char **text, size_t *tlen, uint64_t **fp, const char *stats)
{
    char err[2048];
    MPI_Bcast(&rc, 1, MPI_INT, 0, comm);
    if (rc != QNN_EXIT_OK)
        return rc;
    /* the preset's text and name; the others prepare the same points */
    long n = (long)*tlen;
    char name[sizeof ps->name], path[sizeof ps->path];
    if (rank == 0) {
        snprintf(name, sizeof name, "%s", ps->name);
        snprintf(path, sizeof path, "%s", ps->path);
    }
    MPI_Bcast(&n, 1, MPI_LONG, 0, comm);
    MPI_Bcast(name, (int)sizeof name, MPI_CHAR, 0, comm);
    MPI_Bcast(path, (int)sizeof path, MPI_CHAR, 0, comm);
    if (rank != 0) {
        *tlen = (size_t)n;
        *text = malloc(*tlen + 1);
        if (!*text)
            MPI_Abort(comm, QNN_EXIT_FAILURE);
    }
    MPI_Bcast(*text, (int)n, MPI_BYTE, 0, comm);
    int ok = 1;
    if (rank != 0) {
        ok = sweep_prepare(a, name, path, (const char *)*text, *tlen, ps, res, err, sizeof err) == QNN_EXIT_OK;
        *fp = ok ? calloc((size_t)res->npoints, sizeof **fp) : NULL;
        if (*fp) {
            json_t *m = sweep_manifest_build(res, a->over, a->nover, stats, *fp);
            json_decref(m);
        } else {
            ok = 0;
        }
    }
    /* every rank must have the same points, in the same order */
    uint64_t h = FNV_SEED;
    for (long k = 0; ok && k < res->npoints; k++)
        h = sweep_fnv64(&(*fp)[k], sizeof (*fp)[k], h);
    uint64_t h0 = h;
    MPI_Bcast(&h0, 1, MPI_UINT64_T, 0, comm);
    int bad = !ok || h0 != h, anybad = 0;
    MPI_Allreduce(&bad, &anybad, 1, MPI_INT, MPI_MAX, comm);
    if (anybad) {
        if (bad)
            fprintf(stderr, "qnnlab: sweep: rank %d does not prepare the same grid points as rank 0 (%s); allowed: the same qnnlab on every rank\n",
                    rank, ok ? "other parameters" : err);
        rc = QNN_EXIT_FAILURE;
    }
    return rc;
}
#endif

#ifdef QNN_HAVE_MPI
/* After the work: rank 0's status (rc there) on every rank. The others
 * wait for it in short naps (rank 0 may reduce for a while; a blocking
 * broadcast would keep a core busy on every rank). */
static int share_status(MPI_Comm comm, int rank, int rc)
{
    int v = rank == 0 ? rc : 0;
    MPI_Request rq;
    MPI_Ibcast(&v, 1, MPI_INT, 0, comm, &rq);
    for (int done = 0;;) {
        MPI_Test(&rq, &done, MPI_STATUS_IGNORE);
        if (done)
            break;
        sweep_nap();
    }
    return v;
}
#endif

/* Rank 0, after the work: what became of it (stopped, or the results
 * reduced and written), and the command's status. sig: the signal that
 * stopped the sweep, or 0. */
static int finish_root(sweeper *sw, int sig, const sweep_args *a, qnn_result *res, const uint64_t *fp,
                       const char *stats)
{
    char err[2048];
    int rc;
    if (sig || sw->failed) {
        if (sw->tty && !a->quiet)
            fputc('\n', stderr);
        if (sw->failed)
            fprintf(stderr, "qnnlab: sweep: %s\n", sw->err);
        /* a path that is not a regular file stays in the way until it is
         * removed: the message (above) says so, and no resume is promised */
        if (!sw->blocked || sig)
            fprintf(stderr, "qnnlab: sweep %s: %ld of %ld instances are in %s; %s\n", sig ? "interrupted" : "stopped",
                    sw->done, sw->total, a->out,
                    sw->blocked ? "once that path is removed, the same command goes on from there" : "the same command goes on from there");
        return sig ? 128 + sig : sw->blocked ? QNN_EXIT_USAGE : QNN_EXIT_FAILURE;
    }
    int diverged = 0;
    const int red = sweep_reduce(res, a->out, fp, stats, a->quiet, &sw->stop, &diverged, err, sizeof err);
    if (red != 0) {
        const int s2 = sweep_stop_signal(sw);
        if (s2)
            fprintf(stderr, "qnnlab: sweep interrupted while writing the results; all %ld instances are in %s, and the same command writes the results\n",
                    sw->total, a->out);
        else
            fprintf(stderr, "qnnlab: sweep: %s\n", err);
        return s2 ? 128 + s2 : red == -2 ? QNN_EXIT_USAGE : QNN_EXIT_FAILURE;
    }
    printf("wrote %s/figure.png (and figure.svg, figure.pdf, summary.csv, summary.json; points/*/trace.csv, summary.json, figure.*): %ld points x %d instances, %ld computed now, %ld kept\n",
           a->out, res->npoints, res->points[0].params.instances, (long)sw->nqueue, sw->kept);
    rc = QNN_EXIT_OK;
    if (diverged) {
        fprintf(stderr, "qnnlab: %d instance(s) diverged; see %s/summary.json\n", diverged, a->out);
        rc = QNN_EXIT_DIVERGED;
    }
    return rc;
}

int qnn_cmd_sweep(const qnn_command *self, int argc, char **argv)
{
    int rank = 0, size = 1, local = 1;
    const int launched = under_launcher();
#ifdef QNN_HAVE_MPI
    MPI_Comm comm = MPI_COMM_WORLD;
    if (launched) {
        int provided = 0;
        if (MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS) {
            fprintf(stderr, "qnnlab: sweep: MPI_Init failed\n");
            return QNN_EXIT_FAILURE;
        }
        MPI_Comm_rank(comm, &rank);
        MPI_Comm_size(comm, &size);
        MPI_Comm node;
        if (MPI_Comm_split_type(comm, MPI_COMM_TYPE_SHARED, rank, MPI_INFO_NULL, &node) == MPI_SUCCESS) {
            MPI_Comm_size(node, &local);
            MPI_Comm_free(&node);
        }
    }
    /* every rank leaves through MPI_Finalize with the status rank 0 decided
     * (they agree on it: share_preset, share_status), so a signal gives
     * 128 + its number on every rank, as in a single process */
#define LEAVE(code) do { if (launched) MPI_Finalize(); return (code); } while (0)
#else
    if (launched && launcher_ranks() > 1) {
        fprintf(stderr, "qnnlab: sweep: started as one of %d ranks, but this qnnlab was built without MPI; allowed: build with -DQNN_MPI=ON (libopenmpi-dev), or run one process without mpirun (it uses all cores)\n",
                launcher_ranks());
        return QNN_EXIT_USAGE;
    }
#define LEAVE(code) return (code)
#endif
    const double t_start = sweep_now_s();
    sweep_args a;
    int rc = parse_args(argc, argv, &a, rank == 0);
    if (rc == SWEEP_HELP) {
        if (rank == 0)
            qnn_command_help(self, stdout);
        args_free(&a);
        LEAVE(QNN_EXIT_OK);
    }
    qnn_preset *ps = calloc(1, sizeof *ps);
    qnn_result res;
    memset(&res, 0, sizeof res);
    uint64_t *fp = NULL;
    unsigned char *text = NULL;
    size_t tlen = 0;
    json_t *man = NULL;
    int lockfd = -1;
    sweeper sw;
    memset(&sw, 0, sizeof sw);
    char stats[256] = "loss_final";
    if (rc == QNN_EXIT_OK && !ps)
        rc = sweep_usage_fail(rank == 0, "out of memory");
    /* Rank 0 reads the preset and prepares DIR; the others learn the
     * outcome and the preset's text from it. */
    if (rc == QNN_EXIT_OK && rank == 0)
        rc = prepare_root(&a, ps, &res, &text, &tlen, stats, &lockfd, &fp, &man);
    /* the queue: every instance without an intact file */
    if (rc == QNN_EXIT_OK && rank == 0)
        rc = sweep_build_queue(&a, &res, fp, &sw);
#ifdef QNN_HAVE_MPI
    if (size > 1)
        rc = share_preset(comm, rank, rc, &a, ps, &res, &text, &tlen, &fp, stats);
#endif
    if (rc != QNN_EXIT_OK) {
        if (lockfd >= 0)
            close(lockfd);
        json_decref(man);
        free(fp);
        free(text);
        free(sw.queue);
        qnn_result_release(&res);
        free(ps);
        args_free(&a);
        LEAVE(rc);
    }

    /* the work */
    sw.res = &res;
    sw.dir = a.out;
    sw.fp = fp;
    sw.threads = pick_threads(&a, &res, local);
    sw.remote = rank != 0;
    sw.quiet = a.quiet || rank != 0;
    sw.tty = isatty(STDERR_FILENO);
    sw.ranks = size;
    sw.t0 = sweep_now_s();
    sw.by_rank = rank == 0 ? calloc((size_t)size, sizeof *sw.by_rank) : NULL;
    pthread_mutex_init(&sw.lock, NULL);
    pthread_cond_init(&sw.cond, NULL);
    atomic_init(&sw.stop, 0);
    struct sigaction old_sig[3];
    sweep_signals_on(&sw, old_sig);
    if (rank == 0 && !a.quiet) {
        char grid[512] = "";
        size_t off = 0;
        for (int s = 0; s < ps->nsweep && off < sizeof grid; s++)
            off += (size_t)snprintf(grid + off, sizeof grid - off, "%s%s (%d)", s ? " x " : "", ps->sweep[s].key, ps->sweep[s].nvalues);
        fprintf(stderr, "qnnlab sweep %s: %ld point(s)%s%s x %d instances; %ld to compute, %ld kept in %s; %d rank(s) x %d thread(s)\n",
                ps->name, res.npoints, grid[0] ? ": " : "", grid, res.points[0].params.instances, (long)sw.nqueue, sw.kept, a.out,
                size, sw.threads);
    }
#ifdef QNN_HAVE_MPI
    if (size > 1) {
        if (rank == 0)
            sweep_work_mpi_root(&sw, comm, size);
        else
            sweep_work_mpi_worker(&sw, comm);
    } else
#endif
    {
        if (sw.nqueue > 0)
            sweep_work_local(&sw);
    }
    if (rank == 0) {
        rc = finish_root(&sw, sweep_stop_signal(&sw), &a, &res, fp, stats);
        append_log(a.out, size, sw.threads, sw.done - sw.kept, sw.kept, sw.by_rank, sweep_now_s() - t_start, rc);
    }
#ifdef QNN_HAVE_MPI
    if (size > 1)
        rc = share_status(comm, rank, rc);
#endif
    sweep_signals_off(old_sig);
    pthread_mutex_destroy(&sw.lock);
    pthread_cond_destroy(&sw.cond);
    if (lockfd >= 0)
        close(lockfd);
    json_decref(man);
    free(fp);
    free(text);
    free(sw.queue);
    free(sw.mail);
    free(sw.out);
    free(sw.by_rank);
    qnn_result_release(&res);
    free(ps);
    args_free(&a);
    LEAVE(rc);
}
