/* Kernel threads (qnn/par.h): a team of helper threads per calling thread.
 *
 * Design. Each thread that calls kernels has a kernel thread count T
 * (thread-local, default 1). The first qnn_par_for with T > 1 starts a team
 * of T - 1 helpers that belong to the calling thread (the team pointer is
 * thread-local and also registered under a pthread key, whose destructor
 * stops and joins the helpers when the owner exits; qnn_par_set_threads
 * with another count stops them at once). A helper only ever runs ranges
 * that its owner hands out, so teams of different owners never share work.
 *
 * Dispatch is one generation counter: the owner writes the job (fn, ctx,
 * count, grain, T), sets `pending` to the helper count and bumps `gen`;
 * helpers spin on `gen` for a short while (SPIN_NS) after each job, then
 * sleep on a condition variable (a `sleepers` count tells the owner whether
 * a broadcast is needed; both sides use sequentially consistent atomics,
 * so either the helper sees the new generation or the owner sees the
 * sleeper). The owner runs range 0 itself, then spins until `pending` is 0.
 * A dispatch to spinning helpers costs a few hundred ns; to sleeping ones
 * a futex wake.
 *
 * Partition: the grains of [0, count) (ceil(count / grain) of them) are
 * split into T contiguous runs, the first G mod T one grain longer; range i
 * is run i. It depends on count, grain and T only, never on which helper
 * is awake, and a helper that could not be started has its range run by
 * the owner: the same ranges every call.
 *
 * qnn_par_sum: the chunks [c·QNN_PAR_CHUNK, (c+1)·QNN_PAR_CHUNK) are the
 * items of a qnn_par_for (grain 1); each chunk's sums go to its own slot
 * and the owner adds the slots in chunk order, exactly the serial loop's
 * additions: the result does not depend on T.
 *
 * Nesting: while a thread runs a range (owner or helper), qnn_par_for and
 * qnn_par_sum called from it run serially on it. */
#include "qnn/par.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sched.h>

#define PAR_MAX 64
/* How long a helper spins for the next job before it sleeps. */
#define SPIN_NS 200000L
/* Partial sums kept on the stack below this many doubles. */
#define SUM_STACK 1024

typedef struct team team;

typedef struct helper {
    team *t;
    int index;                 /* its range, 1 .. T - 1 */
} helper;

struct team {
    int T;                     /* kernel threads, the owner included */
    int started;               /* helpers running: 0 .. T - 1 */
    atomic_uint gen;           /* bumped once per job and to quit */
    atomic_int pending;        /* helpers still in the current job */
    atomic_int sleepers;       /* helpers in (or entering) the cond wait */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    /* the job: written by the owner before gen is bumped, read by helpers
     * after they see the new gen */
    int quit;
    size_t count, grain;
    qnn_par_fn fn;
    void *ctx;
    pthread_t tid[PAR_MAX - 1];
    helper args[PAR_MAX - 1];
};

static _Thread_local int tl_threads = 1;
static _Thread_local team *tl_team;
static _Thread_local int tl_busy;   /* inside a range: nested calls are serial */

static pthread_once_t key_once = PTHREAD_ONCE_INIT;
static pthread_key_t team_key;
static int key_ok;

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

static long now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long)ts.tv_sec * 1000000000L + ts.tv_nsec;
}

/* Range i of the fixed partition of [0, count) into T runs of grains. */
static void range_of(size_t count, size_t grain, int T, int i, size_t *b, size_t *e)
{
    const size_t G = (count + grain - 1) / grain;
    const size_t q = G / (size_t)T, r = G % (size_t)T, ui = (size_t)i;
    const size_t g0 = ui * q + (ui < r ? ui : r);
    const size_t g1 = g0 + q + (ui < r ? 1 : 0);
    *b = g0 * grain < count ? g0 * grain : count;
    *e = g1 * grain < count ? g1 * grain : count;
}

static void run_range(const team *t, int i)
{
    size_t b, e;
    range_of(t->count, t->grain, t->T, i, &b, &e);
    if (b < e)
        t->fn(t->ctx, b, e);
}

/* Waits until gen differs from seen; returns the new value. */
static unsigned wait_job(team *t, unsigned seen)
{
    unsigned g;
    long deadline = 0;
    for (int k = 1;; k++) {
        g = atomic_load_explicit(&t->gen, memory_order_acquire);
        if (g != seen)
            return g;
        cpu_relax();
        if ((k & 255) == 0) {
            long now = now_ns();
            if (!deadline)
                deadline = now + SPIN_NS;
            else if (now > deadline)
                break;
        }
    }
    pthread_mutex_lock(&t->mu);
    atomic_fetch_add(&t->sleepers, 1);
    while ((g = atomic_load(&t->gen)) == seen)
        pthread_cond_wait(&t->cv, &t->mu);
    atomic_fetch_sub(&t->sleepers, 1);
    pthread_mutex_unlock(&t->mu);
    return g;
}

static void *helper_main(void *arg)
{
    helper *h = arg;
    team *t = h->t;
    tl_busy = 1; /* anything a range calls runs serially here */
    unsigned seen = 0;
    for (;;) {
        seen = wait_job(t, seen);
        if (t->quit)
            break;
        run_range(t, h->index);
        atomic_fetch_sub_explicit(&t->pending, 1, memory_order_release);
    }
    return NULL;
}

/* Publishes the job written into t (and quit) to the helpers. */
static void publish(team *t)
{
    atomic_store_explicit(&t->pending, t->started, memory_order_relaxed);
    atomic_fetch_add(&t->gen, 1);
    if (atomic_load(&t->sleepers) > 0) {
        pthread_mutex_lock(&t->mu);
        pthread_cond_broadcast(&t->cv);
        pthread_mutex_unlock(&t->mu);
    }
}

static void await_helpers(team *t)
{
    for (int k = 1; atomic_load_explicit(&t->pending, memory_order_acquire) != 0; k++) {
        cpu_relax();
        if ((k & 4095) == 0)
            sched_yield(); /* a helper was preempted: let it run */
    }
}

static void team_stop(team *t)
{
    if (!t)
        return;
    t->quit = 1;
    publish(t);
    for (int i = 0; i < t->started; i++)
        pthread_join(t->tid[i], NULL);
    pthread_cond_destroy(&t->cv);
    pthread_mutex_destroy(&t->mu);
    free(t);
}

static void team_key_dtor(void *p)
{
    team_stop(p);
}

static void make_key(void)
{
    key_ok = pthread_key_create(&team_key, team_key_dtor) == 0;
}

/* Starts the calling thread's team of T - 1 helpers (as many as the
 * system allows: the owner runs the ranges of those missing). NULL when
 * out of memory. */
static team *team_start(int T)
{
    pthread_once(&key_once, make_key);
    team *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->T = T;
    atomic_init(&t->gen, 0u);
    atomic_init(&t->pending, 0);
    atomic_init(&t->sleepers, 0);
    pthread_mutex_init(&t->mu, NULL);
    pthread_cond_init(&t->cv, NULL);
    /* helpers take no signals: they belong to the process's threads */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    for (int i = 0; i < T - 1; i++) {
        t->args[i].t = t;
        t->args[i].index = i + 1;
        if (pthread_create(&t->tid[i], NULL, helper_main, &t->args[i]) != 0)
            break;
        t->started++;
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (key_ok)
        pthread_setspecific(team_key, t);
    return t;
}

void qnn_par_set_threads(int threads)
{
    threads = threads < 1 ? 1 : threads > PAR_MAX ? PAR_MAX : threads;
    if (threads == tl_threads)
        return;
    tl_threads = threads;
    if (tl_team) {
        team_stop(tl_team);
        tl_team = NULL;
        if (key_ok)
            pthread_setspecific(team_key, NULL);
    }
}

int qnn_par_threads(void)
{
    return tl_threads;
}

void qnn_par_for(size_t count, size_t grain, qnn_par_fn fn, void *ctx)
{
    if (count == 0)
        return;
    if (grain == 0)
        grain = 1;
    const int T = tl_threads;
    if (T == 1 || tl_busy || count / grain < 2) {
        fn(ctx, 0, count);
        return;
    }
    team *t = tl_team;
    if (!t) {
        t = tl_team = team_start(T);
        if (!t) {
            /* out of memory: the same ranges, one after the other */
            for (int i = 0; i < T; i++) {
                size_t b, e;
                range_of(count, grain, T, i, &b, &e);
                if (b < e)
                    fn(ctx, b, e);
            }
            return;
        }
    }
    t->count = count;
    t->grain = grain;
    t->fn = fn;
    t->ctx = ctx;
    if (t->started)
        publish(t);
    tl_busy = 1;
    run_range(t, 0);
    for (int i = t->started + 1; i < T; i++)
        run_range(t, i);
    tl_busy = 0;
    if (t->started)
        await_helpers(t);
}

typedef struct sum_job {
    size_t count;
    int k;
    qnn_par_sum_fn fn;
    void *ctx;
    double *part;   /* k slots per chunk */
} sum_job;

/* Chunks [b, e) of a qnn_par_sum into their slots. */
static void sum_chunks(void *v, size_t b, size_t e)
{
    sum_job *s = v;
    for (size_t c = b; c < e; c++) {
        const size_t lo = c * QNN_PAR_CHUNK;
        const size_t hi = s->count - lo < QNN_PAR_CHUNK ? s->count : lo + QNN_PAR_CHUNK;
        double acc[8];
        memset(acc, 0, sizeof acc);
        s->fn(s->ctx, lo, hi, acc);
        memcpy(s->part + c * (size_t)s->k, acc, (size_t)s->k * sizeof(double));
    }
}

void qnn_par_sum(size_t count, int k, qnn_par_sum_fn fn, void *ctx, double *out)
{
    double acc[8];
    for (int i = 0; i < k; i++)
        out[i] = 0.0;
    const size_t nch = (count + QNN_PAR_CHUNK - 1) / QNN_PAR_CHUNK;
    double stack[SUM_STACK];
    double *part = NULL;
    if (nch >= 2 && tl_threads > 1 && !tl_busy)
        part = nch * (size_t)k <= SUM_STACK ? stack : malloc(nch * (size_t)k * sizeof(double));
    if (!part) {
        /* serial (also when out of memory: the same additions) */
        for (size_t b = 0; b < count; b += QNN_PAR_CHUNK) {
            size_t e = count - b < QNN_PAR_CHUNK ? count : b + QNN_PAR_CHUNK;
            memset(acc, 0, sizeof acc);
            fn(ctx, b, e, acc);
            for (int i = 0; i < k; i++)
                out[i] += acc[i];
        }
        return;
    }
    sum_job s = {count, k, fn, ctx, part};
    qnn_par_for(nch, 1, sum_chunks, &s);
    for (size_t c = 0; c < nch; c++)
        for (int i = 0; i < k; i++)
            out[i] += part[c * (size_t)k + i];
    if (part != stack)
        free(part);
}
