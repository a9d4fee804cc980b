/* What the files of `qnnlab sweep` share: the formats, the byte buffer of
 * a serialised instance, the work item and the sweeper (the state of the
 * work, shared by its threads), and the sweep_ functions one file defines
 * and another calls. Private to app/sweep*.c. */
#ifndef QNN_SWEEP_PRIV_H
#define QNN_SWEEP_PRIV_H

#include "sweep.h"
#include "preset.h"
#include "qnn/analysis.h"

#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#ifdef QNN_HAVE_MPI
#include <mpi.h>
#endif

#ifndef QNN_VERSION
#define QNN_VERSION "0.0.0"
#endif

#define SWEEP_FORMAT "qnnlab sweep 1"
#define INST_MAGIC "QNNSWI2\n"   /* 2: qnn_obs.test_loss */

#define FNV_SEED 14695981039346656037ULL

/* The per-instance statistics are the engine's (qnn_instance_stat_name,
 * qnn/analysis.h); a sweep reduces them over the instances of a point. */
#define OBS(f) offsetof(qnn_obs, f)
#define NSTAT ((size_t)QNN_INSTANCE_STATS)

typedef struct bytes {
    unsigned char *p;
    size_t n, cap;
    int oom;
} bytes;

typedef struct item { int32_t point, inst; } item;

/* sweeper.stop: 0 while the work goes on, a signal's number (> 0) once one
 * arrived, SWEEP_STOP_FAILED after a failure. Any non-zero value stops the
 * workers (the pool and qnn_run_one poll it); only a positive one is a
 * signal, so SIGHUP (1) is told apart from a failure. */
#define SWEEP_STOP_FAILED (-1)

typedef struct outmsg { item it; bytes b; } outmsg;

typedef struct sweeper {
    const qnn_result *res;
    const char *dir;
    const uint64_t *fp;
    int threads;
    int remote;               /* 1: a rank > 0 (items from the mailbox, results to the outbox) */
    pthread_mutex_t lock;
    pthread_cond_t cond;
    atomic_int stop;          /* a signal's number, or SWEEP_STOP_FAILED */
    int failed;
    int blocked;              /* the failure: a path in DIR that is not a regular
                                 file (a usage error: status 2) */
    char err[1024];
    /* the queue of missing instances (a single process, rank 0): the
     * pool's item k is queue[k] */
    item *queue;
    size_t nqueue;
    /* rank > 0 */
    item *mail;
    size_t nmail, mailcap;
    int nomore;
    outmsg *out;
    size_t nout, outcap;
    int busy;
    /* progress (rank 0) */
    long done, total, kept;
    long *by_rank;            /* rank 0: instances computed by each rank */
    double t0, last_print;
    int quiet, tty, ranks;
} sweeper;

/* The arguments of `qnnlab sweep`. */
typedef struct sweep_args {
    const char *preset, *out, *stat;
    const char **over;        /* in order: sweep.KEY=..., KEY=VALUE */
    int *from_grid;           /* per override: index of its --grid argument, or -1 */
    const char **grid_arg;
    int nover;
    int threads, quiet;
    char **owned;
    int nowned;
} sweep_args;

/* sweep.c */
/* The refusal (printed by rank 0 only: print); QNN_EXIT_USAGE. */
int sweep_usage_fail(int print, const char *msg);

/* The preset from its text, the overrides applied, every point checked.
 * QNN_EXIT_OK, or QNN_EXIT_USAGE / QNN_EXIT_FAILURE with the message. */
int sweep_prepare(const sweep_args *a, const char *name, const char *path, const char *text, size_t len,
                  qnn_preset *ps, qnn_result *res, char *err, size_t errlen);

/* sweep_store.c */
/* FNV-1a of data[0..n) continuing from h (FNV_SEED to start). */
uint64_t sweep_fnv64(const void *data, size_t n, uint64_t h);

/* Instance file of point k, instance i of a sweep whose point k has the
 * fingerprint fp: header, the instance, FNV-1a of all that. */
int sweep_serialise(bytes *b, uint64_t fp, long k, int i, const qnn_run_instance *ri, int m);

/* The header of an instance file: fingerprint, point, instance. 0 when the
 * file is whole (size, checksum), -1 with the reason. */
int sweep_check_file(const unsigned char *p, size_t n, uint64_t *fp, long *k, int *i, const char **why);

/* DIR/points/K/inst/I.qi of point k, instance i. */
void sweep_inst_path(const char *dir, long k, int i, char *out, size_t len);

/* Creates path and its parents. 0 or -1 (errno). */
int sweep_mkdir_p(const char *path);

/* Writes data to path, whole or not at all (afile.h). 0, or AFILE_EIO /
 * AFILE_ENOTREG (the target exists and is not a regular file) with a
 * message. */
int sweep_write_atomic(const char *path, const void *data, size_t n, char *err, size_t errlen);

/* Reads a whole file of at most max bytes. 0; -1 with errno (EFBIG when
 * larger). */
int sweep_read_all(const char *path, size_t max, unsigned char **data, size_t *n);

/* Loads instance i of point k from DIR into *ri: 0; 1 when there is no
 * file; -1 when the file is there but not a complete instance of this
 * point (why says what); -2 when the path is not a regular file (a FIFO is
 * never opened for reading; why says what it is). */
int sweep_load_instance(const char *dir, long k, int i, uint64_t fp, const qnn_params *prm,
                        qnn_run_instance *ri, const char **why);

/* What the file type of mode m is called in a message ("a directory",
 * "a FIFO", ...). */
const char *sweep_file_kind(unsigned mode);

/* path, when it exists, is a regular file (dir = 0) or a directory
 * (dir = 1), following symbolic links. 0; -1 with "'PATH' is a FIFO, not a
 * regular file" in err. */
int sweep_check_kind(const char *path, int dir, char *err, size_t errlen);

/* The signal that stopped s (its stop flag when positive), or 0. */
int sweep_stop_signal(const sweeper *s);

/* sweep_work.c */
/* Seconds on CLOCK_MONOTONIC. */
double sweep_now_s(void);

/* The longest of the main threads' polling sleeps (2 ms). */
void sweep_nap(void);

/* SIGINT, SIGTERM and SIGHUP store their number in s->stop until
 * sweep_signals_off puts the handlers saved in old[3] back. */
void sweep_signals_on(sweeper *s, struct sigaction old[3]);

void sweep_signals_off(const struct sigaction old[3]);

/* A single process: the worker threads alone (the calling thread one of
 * them). */
void sweep_work_local(sweeper *s);

#ifdef QNN_HAVE_MPI
/* Rank 0: workers on the local queue; the main thread serves the queue to
 * the other ranks and stores what they send back. */
void sweep_work_mpi_root(sweeper *s, MPI_Comm comm, int size);

/* Rank > 0: asks for an item whenever a worker is idle, sends results. */
void sweep_work_mpi_worker(sweeper *s, MPI_Comm comm);
#endif

/* CPUs this process may run on (its affinity mask: mpirun binds ranks). */
int sweep_cpus_available(void);

/* sweep_dir.c */
/* The manifest (sweep.json) of the points of res; point k's fingerprint
 * into fps[k]. A parameter that names an input file (its key's allowed
 * text says "path": m0_file, circuit, measure_file, data = a CSV file, and
 * any such key added later) enters the fingerprint by the file's contents,
 * not by its path, and the manifest records them (the point's "files":
 * key -> path, bytes, FNV-1a of the contents; or what the path is when it
 * is not a readable regular file). */
json_t *sweep_manifest_build(const qnn_result *res, const char *const *over, int nover, const char *stats,
                             uint64_t *fps);

/* Why the sweep recorded in old is not the one in new (NULL: same). What
 * decides it: the grid, R, every point's parameters and the contents of
 * its input files (a file's path alone does not: the same contents under
 * another path are the same sweep). */
const char *sweep_manifest_differs(json_t *old, json_t *nw, char *buf, size_t len);

/* DIR/.lock, held (flock) by this process into *lockfd. QNN_EXIT_OK, or
 * QNN_EXIT_USAGE with the refusal printed (another sweep writes there;
 * .lock is not a regular file). */
int sweep_lock_dir(const char *out, int *lockfd);

/* Every path the sweep of res would read or write in DIR (sweep.json,
 * preset.ini, the results, sweep.log, points/K and its files, each
 * instance file) is, when it exists, of the kind the sweep needs: a
 * regular file, or a directory for points, points/K and points/K/inst.
 * Checked before anything in DIR is written. QNN_EXIT_OK, or
 * QNN_EXIT_USAGE with the refusal printed (it names the first path that
 * is not). */
int sweep_check_targets(const char *out, const qnn_result *res);

/* The bytes a sweep of npoints points x R instances holds in memory before
 * its first instance (the points' parameters, the manifest, the queue and
 * the reduction's statistics): what sweep_check_size compares with the
 * memory limit. */
size_t sweep_grid_bytes(long npoints, long R);

/* DIR holds nothing, or the sweep of manifest man (to resume it).
 * QNN_EXIT_OK, or QNN_EXIT_USAGE with the refusal printed. */
int sweep_check_dir(const char *out, json_t *man);

/* What the sweep is, before any instance: DIR/preset.ini (the preset's
 * text), DIR/sweep.json (the manifest) and each point's inst/.
 * QNN_EXIT_OK, or QNN_EXIT_USAGE with the refusal printed. */
int sweep_write_dir(const char *out, const unsigned char *text, size_t tlen, const json_t *man, long npoints);

/* Rank 0: the queue of sw, every instance without an intact file in DIR
 * (a damaged one is removed, with a note unless quiet); the instances kept
 * counted in sw->kept. QNN_EXIT_OK, or QNN_EXIT_USAGE with the refusal
 * printed (out of memory; an instance's path is not a regular file). */
int sweep_build_queue(const sweep_args *a, const qnn_result *res, const uint64_t *fp, sweeper *sw);

/* sweep_reduce.c */
/* Reads point k's R instance files into a run, analyses it and reduces the
 * per-instance statistics (stat: NSTAT entries). 0, or -1 with a message;
 * -2 when an instance's path is not a regular file. */
int sweep_load_point(const char *dir, qnn_point *pt, long k, uint64_t fp, qnn_sweep_stat *stat,
                     char *err, size_t errlen);

/* A one-point result for point k of res (the point's figure kind). */
void sweep_one_point(const qnn_result *res, long k, qnn_point *pt, qnn_result *one);

/* The sweep figure: figure = sweep with the chosen statistics, and a title
 * that names the sweep (the preset's own may name one of its points). */
void sweep_figure_params(qnn_result *res, const char *stats);

/* Everything from the instance files: per point trace.csv, summary.json,
 * figure; summary.csv, summary.json and the sweep figure. Points get
 * figure = sweep with the given statistics for the sweep figure. 0, or -1
 * with a message; -2 when a path it reads or writes is not a regular file
 * (no resume gets past it until it is removed). */
int sweep_reduce(qnn_result *res, const char *dir, const uint64_t *fp, const char *stats, int quiet,
                 const atomic_int *stop, int *diverged, char *err, size_t errlen);

#endif
