/* Ensemble statistics over instances (GSL's statistics routines underneath;
 * non-finite values are left out and counted). */
#ifndef QNN_STATS_H
#define QNN_STATS_H

#include <stddef.h>

typedef struct qnn_stat {
    double mean;   /* NaN when n = 0 */
    double sd;     /* sample standard deviation (n - 1); NaN when n < 2 */
    double se;     /* sd / √n */
    double sd_se;  /* standard error of sd from the fourth moment (qnn_sd_se_of);
                    * NaN when n < 4 or sd = 0 */
    size_t n;      /* finite values used */
    size_t dropped;/* non-finite values left out */
} qnn_stat;

/* Statistics of x[0..len) with stride (in doubles). */
qnn_stat qnn_stat_of(const double *x, size_t stride, size_t len);

/* Quantile q in [0,1] of the finite values (sorted copy, GSL's
 * interpolation); NaN when none. */
double qnn_quantile(const double *x, size_t stride, size_t len, double q);

#endif
