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
 * Dispatch is one atomic word: the job's generation, its number of ranges
 * (T) and the next unclaimed range. The owner writes the job (fn, ctx,
 * count, grain), publishes the word with range 0 already its own, runs
 * range 0, then claims whatever ranges are left itself; helpers claim
 * ranges of the current generation by compare-and-swap. So a helper that
 * is asleep or preempted (the machine is shared) never holds the owner up
 * unless it has claimed a range, and the owner can always finish alone.
 * Helpers spin on the word for a short while (SPIN_NS, yielding now and
 * then) after each job, then sleep on a condition variable (a `sleepers`
 * count tells the owner whether a broadcast is needed; both sides use
 * sequentially consistent atomics, so either the helper sees the new
 * generation or the owner sees the sleeper). A dispatch to spinning
 * helpers costs well under a microsecond; to sleeping ones a futex wake.
 *
 * Partition: the grains of [0, count) (ceil(count / grain) of them) are
 * split into T contiguous runs, the first G mod T one grain longer; range i
 * is run i. It depends on count, grain and T only, never on which thread
 * runs which range: the same ranges every call, the same bits.
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
#include <stdint.h>
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

struct team {
    int T;                     /* kernel threads, the owner included */
    int started;               /* helpers running: 0 .. T - 1 */
    /* gen << 16 | ranges << 8 | next: the job's generation, its number of
     * ranges and the next range to claim; one word, so that a claim (a
     * compare-and-swap) can only succeed in the job it was meant for */
    _Atomic uint64_t state;
    atomic_int done;           /* ranges of the current job finished */
    atomic_int sleepers;       /* helpers in (or entering) the cond wait */
    atomic_int quit;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    /* the job: written by the owner before the state is published, read by
     * a helper only after it claimed a range of that job */
    size_t count, grain;
    qnn_par_fn fn;
    void *ctx;
    pthread_t tid[PAR_MAX - 1];
};

#define ST_GEN(s) ((uint32_t)((s) >> 16))
#define ST_RANGES(s) ((int)(((s) >> 8) & 0xff))
#define ST_NEXT(s) ((int)((s) & 0xff))

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

/* Claims and runs ranges of job `gen` until none is left (or the job is
 * no longer current: then nothing is claimed). */
static void work(team *t, uint32_t gen)
{
    uint64_t s = atomic_load(&t->state);
    for (;;) {
        if (ST_GEN(s) != gen || ST_NEXT(s) >= ST_RANGES(s))
            return;
        if (!atomic_compare_exchange_weak(&t->state, &s, s + 1))
            continue; /* s reloaded */
        run_range(t, ST_NEXT(s));
        atomic_fetch_add_explicit(&t->done, 1, memory_order_release);
        s = atomic_load(&t->state);
    }
}

/* Waits until the job generation differs from seen; returns it. Spins
 * (yielding now and then: on a loaded machine the owner may need this
 * core) for SPIN_NS after the last job, then sleeps. */
static uint32_t wait_job(team *t, uint32_t seen)
{
    uint32_t g;
    long deadline = 0;
    for (int k = 1;; k++) {
        g = ST_GEN(atomic_load_explicit(&t->state, memory_order_acquire));
        if (g != seen)
            return g;
        cpu_relax();
        if ((k & 255) == 0) {
            long now = now_ns();
            if (!deadline)
                deadline = now + SPIN_NS;
            else if (now > deadline)
                break;
            sched_yield();
        }
    }
    pthread_mutex_lock(&t->mu);
    atomic_fetch_add(&t->sleepers, 1);
    while ((g = ST_GEN(atomic_load(&t->state))) == seen)
        pthread_cond_wait(&t->cv, &t->mu);
    atomic_fetch_sub(&t->sleepers, 1);
    pthread_mutex_unlock(&t->mu);
    return g;
}

static void *helper_main(void *arg)
{
    team *t = arg;
    tl_busy = 1; /* anything a range calls runs serially here */
    uint32_t seen = 0;
    for (;;) {
        seen = wait_job(t, seen);
        if (atomic_load(&t->quit))
            break;
        work(t, seen);
    }
    return NULL;
}

/* Publishes a new job of `ranges` ranges (range 0 already the owner's);
 * returns its generation. */
static uint32_t publish(team *t, int ranges)
{
    const uint32_t gen = ST_GEN(atomic_load(&t->state)) + 1;
    atomic_store_explicit(&t->done, 0, memory_order_relaxed);
    atomic_store(&t->state, (uint64_t)(gen & 0xffffffffu) << 16 | (uint64_t)ranges << 8 | 1u);
    if (atomic_load(&t->sleepers) > 0) {
        pthread_mutex_lock(&t->mu);
        pthread_cond_broadcast(&t->cv);
        pthread_mutex_unlock(&t->mu);
    }
    return gen;
}

static void await_ranges(team *t, int ranges)
{
    for (int k = 1; atomic_load_explicit(&t->done, memory_order_acquire) != ranges; k++) {
        cpu_relax();
        if ((k & 1023) == 0)
            sched_yield(); /* a helper was preempted: let it run */
    }
}

static void team_stop(team *t)
{
    if (!t)
        return;
    atomic_store(&t->quit, 1);
    publish(t, 0);
    pthread_mutex_lock(&t->mu);
    pthread_cond_broadcast(&t->cv);
    pthread_mutex_unlock(&t->mu);
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
 * system allows; the owner claims whatever ranges they do not). NULL when
 * out of memory. */
static team *team_start(int T)
{
    pthread_once(&key_once, make_key);
    team *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->T = T;
    atomic_init(&t->state, 0);
    atomic_init(&t->done, 0);
    atomic_init(&t->sleepers, 0);
    atomic_init(&t->quit, 0);
    pthread_mutex_init(&t->mu, NULL);
    pthread_cond_init(&t->cv, NULL);
    /* helpers take no signals: they belong to the process's threads */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    for (int i = 0; i < T - 1; i++) {
        if (pthread_create(&t->tid[i], NULL, helper_main, t) != 0)
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
    const uint32_t gen = publish(t, T);
    tl_busy = 1;
    run_range(t, 0);
    atomic_fetch_add_explicit(&t->done, 1, memory_order_relaxed);
    work(t, gen); /* ranges no helper has taken yet */
    tl_busy = 0;
    await_ranges(t, T);
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
