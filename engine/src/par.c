/* Kernel threads (qnn/par.h). SKELETON: serial; the team comes with issue 24. */
#include "qnn/par.h"

#include <string.h>

static _Thread_local int par_threads = 1;

void qnn_par_set_threads(int threads)
{
    par_threads = threads < 1 ? 1 : threads > 64 ? 64 : threads;
}

int qnn_par_threads(void)
{
    return par_threads;
}

void qnn_par_for(size_t count, size_t grain, qnn_par_fn fn, void *ctx)
{
    (void)grain;
    if (count)
        fn(ctx, 0, count);
}

void qnn_par_sum(size_t count, int k, qnn_par_sum_fn fn, void *ctx, double *out)
{
    double acc[8];
    for (int i = 0; i < k; i++)
        out[i] = 0.0;
    for (size_t b = 0; b < count; b += QNN_PAR_CHUNK) {
        size_t e = count - b < QNN_PAR_CHUNK ? count : b + QNN_PAR_CHUNK;
        memset(acc, 0, sizeof acc);
        fn(ctx, b, e, acc);
        for (int i = 0; i < k; i++)
            out[i] += acc[i];
    }
}
