/* The work of `qnnlab sweep`: the worker threads (the engine's pool) that
 * compute missing instances and store their files, progress, signals, and
 * with MPI rank 0's server of the queue and the other ranks' clients. */
#define _GNU_SOURCE 1   /* sched_getaffinity, CPU_COUNT */
#include "sweep_priv.h"
#include "afile.h"
#include "runner.h"
#include "qnn/pool.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

double sweep_now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* The main threads' poll: a sleep that grows from 50 us to 2 ms while
 * nothing arrives (*idle counts the empty polls; 0 after a message), so an
 * answer comes within about 2 ms of a 0.1 s instance and an idle main thread
 * costs its core's worker almost nothing. */
static void nap_idle(int *idle)
{
    long ns = 50000L << (*idle < 5 ? *idle : 5);
    if (ns > 2000000L)
        ns = 2000000L;
    (*idle)++;
    struct timespec ts = { 0, ns };
    nanosleep(&ts, NULL);
}

void sweep_nap(void)
{
    int idle = 5;
    nap_idle(&idle);
}
/* ------------------------------------------------------------------------ */
/* The work                                                                 */
/* ------------------------------------------------------------------------ */

static atomic_int *signal_target;

static void on_sweep_signal(int sig)
{
    if (signal_target)
        atomic_store(signal_target, sig);
}

void sweep_signals_on(sweeper *s, struct sigaction old[3])
{
    signal_target = &s->stop;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sweep_signal;
    sigaction(SIGINT, &sa, &old[0]);
    sigaction(SIGTERM, &sa, &old[1]);
    sigaction(SIGHUP, &sa, &old[2]);
}

void sweep_signals_off(const struct sigaction old[3])
{
    signal_target = NULL;
    sigaction(SIGINT, &old[0], NULL);
    sigaction(SIGTERM, &old[1], NULL);
    sigaction(SIGHUP, &old[2], NULL);
}

int sweep_stop_signal(const sweeper *s)
{
    const int v = atomic_load(&s->stop);
    return v > 0 ? v : 0;
}

/* Records the sweep's first failure (msg; blocked: a path in DIR that is
 * not a regular file) and stops the work. A signal that came first stays
 * the stop flag's value. */
static void sweep_fail_as(sweeper *s, const char *msg, int blocked)
{
    pthread_mutex_lock(&s->lock);
    if (!s->failed) {
        snprintf(s->err, sizeof s->err, "%s", msg);
        s->blocked = blocked;
    }
    s->failed = 1;
    int zero = 0;
    atomic_compare_exchange_strong(&s->stop, &zero, SWEEP_STOP_FAILED);
    pthread_cond_broadcast(&s->cond);
    pthread_mutex_unlock(&s->lock);
}

static void sweep_fail(sweeper *s, const char *msg)
{
    sweep_fail_as(s, msg, 0);
}

/* Under s->lock: one more instance is in DIR. */
static void progress_locked(sweeper *s)
{
    s->done++;
    if (s->quiet)
        return;
    double t = sweep_now_s();
    long fresh = s->done - s->kept;
    int last = s->done == s->total;
    if (!last && t - s->last_print < (s->tty ? 0.25 : 10.0))
        return;
    s->last_print = t;
    double el = t - s->t0;
    double eta = fresh > 0 ? el / (double)fresh * (double)(s->total - s->done) : NAN;
    fprintf(stderr, "%s  %ld/%ld instances (%.0f %%), %.1f s", s->tty ? "\r" : "", s->done, s->total,
            100.0 * (double)s->done / (double)(s->total > 0 ? s->total : 1), el);
    if (!last && isfinite(eta))
        fprintf(stderr, ", about %.0f s to go   ", eta);
    if (!s->tty || last)
        fputc('\n', stderr);
    fflush(stderr);
}

/* Writes one serialised instance into DIR. 0, or -1 (failure recorded). */
static int store(sweeper *s, item it, const bytes *b, int from)
{
    char path[PATH_MAX + 64], err[PATH_MAX + 256];
    sweep_inst_path(s->dir, it.point, it.inst, path, sizeof path);
    const int wrc = sweep_write_atomic(path, b->p, b->n, err, sizeof err);
    if (wrc != 0) {
        char msg[sizeof err + 256];
        if (wrc == AFILE_ENOTREG)
            snprintf(msg, sizeof msg, "--out: value '%s': %s; allowed: only instance files in points/K/inst/ (remove it, and the same command goes on)",
                     s->dir, err);
        else
            snprintf(msg, sizeof msg, "--out: value '%s': %s; allowed: a writable directory with free space", s->dir, err);
        sweep_fail_as(s, msg, wrc == AFILE_ENOTREG);
        return -1;
    }
    pthread_mutex_lock(&s->lock);
    if (s->by_rank)
        s->by_rank[from]++;
    progress_locked(s);
    pthread_mutex_unlock(&s->lock);
    return 0;
}

/* A worker of the sweep's pool: items from the pool (a single process,
 * rank 0) or from the mailbox (rank > 0), until there are none, the sweep
 * stops or an item fails. */
static void sweep_worker(qnn_pool *pool, int w, void *arg)
{
    (void)w;
    sweeper *s = arg;
    qnn_instance *lender = NULL;
    long lender_point = -1;
    bytes b = { 0 };
    for (;;) {
        item it;
        if (!s->remote) {
            long k = qnn_pool_next(pool);   /* none once s->stop is set */
            if (k < 0)
                break;
            it = s->queue[k];
            pthread_mutex_lock(&s->lock);
        } else {
            pthread_mutex_lock(&s->lock);
            while (s->nmail == 0 && !s->nomore && !s->failed && !atomic_load(&s->stop))
                pthread_cond_wait(&s->cond, &s->lock);
            if (s->nmail == 0 || s->failed || atomic_load(&s->stop)) {
                pthread_mutex_unlock(&s->lock);
                break;
            }
            it = s->mail[0];
            memmove(s->mail, s->mail + 1, --s->nmail * sizeof *s->mail);
        }
        s->busy++;
        pthread_mutex_unlock(&s->lock);

        const qnn_params *p = &s->res->points[it.point].params;
        char err[512];
        int ok = 1;
        if (p->resample == QNN_RESAMPLE_THETA && lender_point != it.point) {
            qnn_instance_free(lender);
            lender_point = -1;
            if (qnn_run_lender(p, &lender, err, sizeof err) != 0) {
                sweep_fail(s, err);
                ok = 0;
            } else {
                lender_point = it.point;
            }
        }
        qnn_run_instance ri;
        int rc = ok ? qnn_run_one(p, it.inst, lender, &s->stop, &ri, err, sizeof err) : -1;
        if (rc < 0 && ok)
            sweep_fail(s, err);
        if (rc == 0) {
            if (sweep_serialise(&b, s->fp[it.point], it.point, it.inst, &ri, qnn_run_outputs(p)) != 0) {
                sweep_fail(s, "out of memory while keeping an instance");
                rc = -1;
            }
            qnn_run_instance_clear(&ri);
        }
        if (rc == 0 && !s->remote) {
            rc = store(s, it, &b, 0);
        } else if (rc == 0) {
            pthread_mutex_lock(&s->lock);
            if (s->nout == s->outcap) {
                size_t nc = s->outcap ? 2 * s->outcap : 8;
                outmsg *no = realloc(s->out, nc * sizeof *no);
                if (no) {
                    s->out = no;
                    s->outcap = nc;
                }
            }
            if (s->nout < s->outcap) {
                s->out[s->nout].it = it;
                s->out[s->nout].b = b;   /* handed over */
                s->nout++;
                memset(&b, 0, sizeof b);
            } else {
                rc = -1;
            }
            pthread_mutex_unlock(&s->lock);
            if (rc != 0)
                sweep_fail(s, "out of memory while keeping an instance");
        }
        pthread_mutex_lock(&s->lock);
        s->busy--;
        pthread_mutex_unlock(&s->lock);
        if (rc != 0)
            break;
    }
    qnn_instance_free(lender);
    free(b.p);
}

void sweep_work_local(sweeper *s)
{
    qnn_pool_run(s->threads, (long)s->nqueue, &s->stop, sweep_worker, s);
}

#ifdef QNN_HAVE_MPI
/* The messages between rank 0 and the others (int32 payloads):
 *   REQ    rank r -> 0  an item, please (one outstanding per rank)
 *   ITEM   0 -> r       {point, instance}
 *   DONE   0 -> r       no more items
 *   RESULT r -> 0       a finished instance file
 *   FAIL   r -> 0       rank r failed: the message
 *   STOP   0 -> r       {v}: stop now (v: the signal, or SWEEP_STOP_FAILED)
 *   BYE    r -> 0       {reason}: r sends nothing more (reason: its signal,
 *                       SWEEP_STOP_FAILED, or 0 when it ran out of items)
 *   FIN    0 -> r       the answer to BYE: 0 sends nothing more to r
 * Messages between two ranks arrive in order, so when rank 0 has every BYE
 * it has every result, and when rank r has its FIN it has every message
 * rank 0 sent it: no message is left unreceived at MPI_Finalize, and an
 * interrupted sweep ends every rank through MPI_Finalize (no MPI_Abort). */
enum { TAG_REQ = 11, TAG_ITEM = 12, TAG_DONE = 13, TAG_RESULT = 14, TAG_FAIL = 15, TAG_STOP = 16, TAG_BYE = 17,
       TAG_FIN = 18 };

/* Sets the stop flag to v (a signal, or SWEEP_STOP_FAILED) unless it is set. */
static void stop_as(sweeper *s, int v)
{
    int zero = 0;
    if (v != 0 && atomic_compare_exchange_strong(&s->stop, &zero, v)) {
        pthread_mutex_lock(&s->lock);
        pthread_cond_broadcast(&s->cond);
        pthread_mutex_unlock(&s->lock);
    }
}

void sweep_work_mpi_root(sweeper *s, MPI_Comm comm, int size)
{
    qnn_pool *pool = qnn_pool_start(s->threads, (long)s->nqueue, &s->stop, sweep_worker, s);
    if (!pool)
        sweep_fail(s, "out of memory");
    char *gone = calloc((size_t)size, 1);   /* ranks that said BYE */
    if (!gone)
        MPI_Abort(comm, QNN_EXIT_FAILURE);  /* cannot even track the ranks */
    int byes = 0, told = 0;
    unsigned char *rbuf = NULL;
    int idle = 0;
    /* the other ranks are served until each has said BYE, also after a
     * signal or a failure (they are told to STOP, and their results so far
     * are kept) */
    while (byes < size - 1) {
        const int v = atomic_load(&s->stop);
        if (v != 0 && !told) {
            int32_t msg[2] = { v, 0 };
            for (int r = 1; r < size; r++)
                if (!gone[r])
                    MPI_Send(msg, 2, MPI_INT32_T, r, TAG_STOP, comm);
            told = 1;
        }
        int flag = 0;
        MPI_Status st;
        MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, comm, &flag, &st);
        if (!flag) {
            nap_idle(&idle);
            continue;
        }
        idle = 0;
        if (st.MPI_TAG == TAG_REQ) {
            int32_t dummy[2] = { 0, 0 };
            MPI_Recv(dummy, 2, MPI_INT32_T, st.MPI_SOURCE, TAG_REQ, comm, MPI_STATUS_IGNORE);
            long k = pool && !atomic_load(&s->stop) ? qnn_pool_next(pool) : -1;   /* the workers' queue */
            if (k >= 0) {
                int32_t msg[2] = { s->queue[k].point, s->queue[k].inst };
                MPI_Send(msg, 2, MPI_INT32_T, st.MPI_SOURCE, TAG_ITEM, comm);
            } else {
                MPI_Send(dummy, 0, MPI_INT32_T, st.MPI_SOURCE, TAG_DONE, comm);
            }
        } else if (st.MPI_TAG == TAG_RESULT || st.MPI_TAG == TAG_FAIL) {
            int cnt = 0;
            MPI_Get_count(&st, MPI_BYTE, &cnt);
            free(rbuf);
            rbuf = malloc((size_t)cnt + 1);
            if (!rbuf) {
                sweep_fail(s, "out of memory for a result from another rank");
                MPI_Recv(NULL, 0, MPI_BYTE, st.MPI_SOURCE, st.MPI_TAG, comm, MPI_STATUS_IGNORE);   /* truncated: dropped */
                continue;
            }
            MPI_Recv(rbuf, cnt, MPI_BYTE, st.MPI_SOURCE, st.MPI_TAG, comm, MPI_STATUS_IGNORE);
            if (st.MPI_TAG == TAG_FAIL) {
                rbuf[cnt] = 0;
                char msg[1200];
                snprintf(msg, sizeof msg, "rank %d: %s", st.MPI_SOURCE, (char *)rbuf);
                sweep_fail(s, msg);
                continue;
            }
            uint64_t fp;
            long k;
            int i;
            const char *why = "";
            if (sweep_check_file(rbuf, (size_t)cnt, &fp, &k, &i, &why) != 0 || k < 0 || k >= s->res->npoints ||
                i < 0 || fp != s->fp[k]) {
                char msg[256];
                snprintf(msg, sizeof msg, "rank %d sent an instance that is not one of this sweep (%s)", st.MPI_SOURCE, why);
                sweep_fail(s, msg);
                continue;
            }
            bytes b = { rbuf, (size_t)cnt, (size_t)cnt, 0 };
            item it = { (int32_t)k, i };
            store(s, it, &b, st.MPI_SOURCE);
        } else if (st.MPI_TAG == TAG_BYE) {
            int32_t msg[2] = { 0, 0 };
            MPI_Recv(msg, 2, MPI_INT32_T, st.MPI_SOURCE, TAG_BYE, comm, MPI_STATUS_IGNORE);
            if (!gone[st.MPI_SOURCE]) {
                gone[st.MPI_SOURCE] = 1;
                byes++;
            }
            if (msg[0] > 0)
                stop_as(s, msg[0]);   /* a signal on one rank stops them all */
            MPI_Send(msg, 0, MPI_INT32_T, st.MPI_SOURCE, TAG_FIN, comm);
        } else {
            /* not ours: take it off the queue so the loop cannot spin */
            MPI_Recv(NULL, 0, MPI_BYTE, st.MPI_SOURCE, st.MPI_TAG, comm, MPI_STATUS_IGNORE);
        }
    }
    free(rbuf);
    free(gone);
    if (pool)
        qnn_pool_join(pool);
}

/* Rank > 0: the results the workers finished, sent to rank 0. 1 when any
 * was sent. */
static int send_results(sweeper *s, MPI_Comm comm)
{
    pthread_mutex_lock(&s->lock);
    outmsg *send = NULL;
    size_t nsend = s->nout;
    if (nsend) {
        send = malloc(nsend * sizeof *send);
        if (send) {
            memcpy(send, s->out, nsend * sizeof *send);
            s->nout = 0;
        } else {
            nsend = 0;
        }
    }
    pthread_mutex_unlock(&s->lock);
    for (size_t j = 0; j < nsend; j++) {
        MPI_Send(send[j].b.p, (int)send[j].b.n, MPI_BYTE, 0, TAG_RESULT, comm);
        free(send[j].b.p);
    }
    free(send);
    return nsend > 0;
}

void sweep_work_mpi_worker(sweeper *s, MPI_Comm comm)
{
    s->mail = calloc((size_t)s->threads + 1, sizeof *s->mail);
    s->mailcap = (size_t)s->threads + 1;
    /* the workers take items from the mailbox, not from the pool */
    qnn_pool *pool = s->mail ? qnn_pool_start(s->threads, 0, &s->stop, sweep_worker, s) : NULL;
    int n = pool ? qnn_pool_workers(pool) : 0;
    if (n == 0)
        sweep_fail(s, s->mail ? "cannot start a worker thread" : "out of memory");
    int asked = 0, polls = 0, reported = 0;
    for (;;) {
        /* results first: they free rank 0's bookkeeping */
        int did = send_results(s, comm);
        pthread_mutex_lock(&s->lock);
        int failed = s->failed, idle = s->threads - s->busy - (int)s->nmail;
        int finished = s->nomore && s->busy == 0 && s->nmail == 0 && s->nout == 0;
        char err[1024];
        snprintf(err, sizeof err, "%s", s->err);
        pthread_mutex_unlock(&s->lock);
        if (failed && !reported) {
            /* rank 0 prints it and stops the others */
            MPI_Send(err, (int)strlen(err), MPI_BYTE, 0, TAG_FAIL, comm);
            reported = 1;
        }
        if (finished || atomic_load(&s->stop))
            break;
        if (!asked && !s->nomore && idle > 0) {
            int32_t dummy[2] = { 0, 0 };
            MPI_Send(dummy, 2, MPI_INT32_T, 0, TAG_REQ, comm);
            asked = 1;
            did = 1;
        }
        int flag = 0;
        MPI_Status st;
        MPI_Iprobe(0, MPI_ANY_TAG, comm, &flag, &st);
        if (flag) {
            int32_t msg[2] = { 0, 0 };
            MPI_Recv(msg, 2, MPI_INT32_T, 0, st.MPI_TAG, comm, MPI_STATUS_IGNORE);
            if (st.MPI_TAG == TAG_STOP) {
                stop_as(s, msg[0]);
            } else {
                pthread_mutex_lock(&s->lock);
                if (st.MPI_TAG == TAG_ITEM && s->nmail < s->mailcap)
                    s->mail[s->nmail++] = (item){ msg[0], msg[1] };
                else
                    s->nomore = 1;
                pthread_cond_broadcast(&s->cond);
                pthread_mutex_unlock(&s->lock);
                asked = 0;
            }
            did = 1;
        }
        if (!did)
            nap_idle(&polls);
        else
            polls = 0;
    }
    pthread_mutex_lock(&s->lock);
    s->nomore = 1;
    pthread_cond_broadcast(&s->cond);
    pthread_mutex_unlock(&s->lock);
    if (pool)
        qnn_pool_join(pool);   /* a stop ends the instances under way within 64 steps */
    send_results(s, comm);      /* those finished before the stop are kept */
    if (s->failed && !reported) {
        MPI_Send(s->err, (int)strlen(s->err), MPI_BYTE, 0, TAG_FAIL, comm);
        reported = 1;
    }
    const int v = atomic_load(&s->stop);
    int32_t bye[2] = { v, 0 };
    MPI_Send(bye, 2, MPI_INT32_T, 0, TAG_BYE, comm);
    /* until FIN: an answer to the last REQ, a STOP (both moot now) */
    for (;;) {
        int flag = 0;
        MPI_Status st;
        MPI_Iprobe(0, MPI_ANY_TAG, comm, &flag, &st);
        if (!flag) {
            nap_idle(&polls);
            continue;
        }
        int32_t msg[2];
        MPI_Recv(msg, 2, MPI_INT32_T, 0, st.MPI_TAG, comm, MPI_STATUS_IGNORE);
        if (st.MPI_TAG == TAG_FIN)
            break;
    }
    for (size_t j = 0; j < s->nout; j++)
        free(s->out[j].b.p);
    s->nout = 0;
}
#endif

int sweep_cpus_available(void)
{
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0)
        return CPU_COUNT(&set);
    return qnn_run_default_threads();
}
