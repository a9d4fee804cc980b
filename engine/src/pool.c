/* The worker pool (qnn/pool.h): threads over one counter of numbered
 * items, guarded by a mutex; stopping is a flag under the same mutex plus
 * the caller's atomic flag. */
#include "qnn/pool.h"

#include <pthread.h>
#include <stdlib.h>

typedef struct pool_arg {
    qnn_pool *pool;
    int worker;
} pool_arg;

struct qnn_pool {
    pthread_mutex_t lock;
    long next, nitems;
    int stopped;                /* qnn_pool_stop was called (under lock) */
    const atomic_int *stop;     /* the caller's flag, or NULL */
    qnn_pool_fn fn;
    void *ctx;
    int nthreads;               /* threads started */
    pthread_t *tid;
    pool_arg *args;
};

static void *pool_main(void *arg)
{
    pool_arg *a = arg;
    a->pool->fn(a->pool, a->worker, a->pool->ctx);
    return NULL;
}

static void pool_init(qnn_pool *p, long nitems, const atomic_int *stop, qnn_pool_fn fn, void *ctx)
{
    pthread_mutex_init(&p->lock, NULL);
    p->next = 0;
    p->nitems = nitems > 0 ? nitems : 0;
    p->stopped = 0;
    p->stop = stop;
    p->fn = fn;
    p->ctx = ctx;
    p->nthreads = 0;
    p->tid = NULL;
    p->args = NULL;
}

/* Starts up to n threads with worker numbers first, first + 1, ...; the
 * count started goes to p->nthreads (fewer when pthread_create or the
 * allocation fails). */
static void pool_spawn(qnn_pool *p, int n, int first)
{
    if (n < 1)
        return;
    p->tid = calloc((size_t)n, sizeof *p->tid);
    p->args = calloc((size_t)n, sizeof *p->args);
    if (!p->tid || !p->args)
        return;
    for (; p->nthreads < n; p->nthreads++) {
        pool_arg *a = &p->args[p->nthreads];
        a->pool = p;
        a->worker = first + p->nthreads;
        if (pthread_create(&p->tid[p->nthreads], NULL, pool_main, a) != 0)
            break;
    }
}

static void pool_wait(qnn_pool *p)
{
    for (int t = 0; t < p->nthreads; t++)
        pthread_join(p->tid[t], NULL);
    free(p->tid);
    free(p->args);
    pthread_mutex_destroy(&p->lock);
}

int qnn_pool_run(int threads, long nitems, const atomic_int *stop, qnn_pool_fn fn, void *ctx)
{
    qnn_pool p;
    pool_init(&p, nitems, stop, fn, ctx);
    pool_spawn(&p, (threads > 1 ? threads : 1) - 1, 1);
    fn(&p, 0, ctx); /* the calling thread works too */
    int ran = p.nthreads + 1;
    pool_wait(&p);
    return ran;
}

qnn_pool *qnn_pool_start(int threads, long nitems, const atomic_int *stop, qnn_pool_fn fn, void *ctx)
{
    qnn_pool *p = malloc(sizeof *p);
    if (!p)
        return NULL;
    pool_init(p, nitems, stop, fn, ctx);
    pool_spawn(p, threads, 0);
    return p;
}

int qnn_pool_workers(const qnn_pool *pool)
{
    return pool->nthreads;
}

long qnn_pool_next(qnn_pool *pool)
{
    long i = -1;
    pthread_mutex_lock(&pool->lock);
    if (!pool->stopped && !(pool->stop && atomic_load(pool->stop)) && pool->next < pool->nitems)
        i = pool->next++;
    pthread_mutex_unlock(&pool->lock);
    return i;
}

void qnn_pool_stop(qnn_pool *pool)
{
    pthread_mutex_lock(&pool->lock);
    pool->stopped = 1;
    pthread_mutex_unlock(&pool->lock);
}

void qnn_pool_join(qnn_pool *pool)
{
    if (!pool)
        return;
    pool_wait(pool);
    free(pool);
}
