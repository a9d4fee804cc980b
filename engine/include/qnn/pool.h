/* A worker pool: a fixed set of threads that take numbered work items
 * 0, 1, ..., n - 1 from one shared counter until every item is taken or
 * the pool is stopped. The ensemble run (qnn_run_execute) and `qnnlab
 * sweep` use it; the result of an item must depend on its number only, so
 * that any thread count gives the same numbers.
 *
 * Ownership: the pool owns its threads and its counter, nothing else. ctx
 * and whatever the items write belong to the caller, who must keep them
 * alive until qnn_pool_join (or qnn_pool_run) has returned; the items'
 * shared state is the caller's to lock.
 *
 * Stopping: qnn_pool_stop, or a non-zero *stop (the caller's flag, read
 * before every item is handed out), ends the handing out: qnn_pool_next
 * then returns -1 in every worker. Items already taken run to their end;
 * to cut one short the item itself must watch the same flag (as
 * qnn_run_one does with its `stop`). The pool never writes *stop.
 *
 * pthread_create failure: the pool goes on with the workers it could
 * start (qnn_pool_workers says how many). qnn_pool_run always has at least
 * the calling thread, so its items are all done (unless stopped) whatever
 * the system allows; after qnn_pool_start with no worker started the
 * caller decides (take the items itself with qnn_pool_next, or give up). */
#ifndef QNN_POOL_H
#define QNN_POOL_H

#include <stdatomic.h>

typedef struct qnn_pool qnn_pool;

/* A worker's body: called once per worker thread with worker = 0 ..
 * workers - 1; it takes items with qnn_pool_next until that returns -1
 * (or until it decides to end, e.g. after a failure: then it calls
 * qnn_pool_stop so that the others end too). State kept from item to item
 * (buffers, a cache) lives in the body's locals and is freed before it
 * returns. */
typedef void (*qnn_pool_fn)(qnn_pool *pool, int worker, void *ctx);

/* Runs fn on `threads` workers over items 0 .. nitems - 1 and returns when
 * all of them have returned: the calling thread is worker 0, threads - 1
 * new threads are workers 1 ... threads < 1 counts as 1. stop may be NULL.
 * Returns the number of workers that ran (>= 1). */
int qnn_pool_run(int threads, long nitems, const atomic_int *stop, qnn_pool_fn fn, void *ctx);

/* Starts `threads` new threads (workers 0 .. threads - 1) running fn over
 * items 0 .. nitems - 1 and returns at once; the calling thread may take
 * items too (qnn_pool_next) and must end with qnn_pool_join. NULL when out
 * of memory (nothing started). */
qnn_pool *qnn_pool_start(int threads, long nitems, const atomic_int *stop, qnn_pool_fn fn, void *ctx);

/* How many threads qnn_pool_start started (0 .. threads); for the thread
 * that started the pool. */
int qnn_pool_workers(const qnn_pool *pool);

/* The next item's number, each handed out once, in increasing order; -1
 * when all are taken or the pool is stopped. Any thread may call it. */
long qnn_pool_next(qnn_pool *pool);

/* No more items are handed out (idempotent; any thread). */
void qnn_pool_stop(qnn_pool *pool);

/* Waits for every worker of a qnn_pool_start pool to return, then frees
 * the pool. NULL is ignored. */
void qnn_pool_join(qnn_pool *pool);

#endif
