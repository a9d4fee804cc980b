/* Threads inside one instance (engine/src/par.c): state-vector kernels split
 * their amplitudes over the calling thread's kernel team.
 *
 * Each thread that calls kernels has a kernel thread count (thread-local,
 * default 1: the kernels run on the calling thread alone). A runner that
 * has fewer instances than cores gives each instance's thread the spare
 * cores with qnn_par_set_threads; the team's extra threads are started on
 * first use and belong to the calling thread (ended when it exits or by
 * qnn_par_set_threads(1)).
 *
 * Determinism: qnn_par_for hands out a FIXED partition of [0, count) that
 * depends on count, grain and the thread count only, and kernels write
 * disjoint amplitudes, so element-wise kernels give the same bits for any
 * thread count. Reductions go through qnn_par_sum, whose chunks (of
 * QNN_PAR_CHUNK items) and the order they are added in do not depend on
 * the thread count either: a sum over count ≤ QNN_PAR_CHUNK items is one
 * chunk, added exactly as a serial loop would. */
#ifndef QNN_PAR_H
#define QNN_PAR_H

#include <stddef.h>

/* Items per reduction chunk (amplitudes): 2^14. */
#define QNN_PAR_CHUNK ((size_t)1 << 14)

/* Kernel threads of the calling thread (1 .. 64; values outside are
 * clamped). */
void qnn_par_set_threads(int threads);
int qnn_par_threads(void);

typedef void (*qnn_par_fn)(void *ctx, size_t begin, size_t end);

/* Calls fn(ctx, b, e) on disjoint ranges covering [0, count), each a
 * multiple of grain long (but the last), at most one range per thread;
 * returns when all have returned. With one thread, or count < 2 * grain,
 * it is fn(ctx, 0, count) on the calling thread. fn must not call
 * qnn_par_for itself (it runs serially if it does).
 * The ranges are fixed; which thread runs which is not: the calling thread
 * runs range 0 and then every range no helper has claimed yet (a helper
 * that sleeps or is preempted holds nothing up), so fn must not depend on
 * the thread it runs on. */
void qnn_par_for(size_t count, size_t grain, qnn_par_fn fn, void *ctx);

typedef void (*qnn_par_sum_fn)(void *ctx, size_t begin, size_t end, double *acc);

/* Sums k ≤ 8 values over [0, count): fn(ctx, b, e, acc) adds chunk
 * [b, e)'s contributions into acc[0 .. k-1] (which it finds zeroed); the
 * chunks are [i·QNN_PAR_CHUNK, (i+1)·QNN_PAR_CHUNK) and their sums are
 * added in chunk order into out[0 .. k-1] (overwritten), so the result
 * does not depend on the thread count. */
void qnn_par_sum(size_t count, int k, qnn_par_sum_fn fn, void *ctx, double *out);

#endif
