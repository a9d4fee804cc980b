#include "qnn/stats.h"
#include "qnn/fit.h"

#include <math.h>
#include <stdlib.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

static size_t finite_copy(const double *x, size_t stride, size_t len, double **out)
{
    *out = malloc((len ? len : 1) * sizeof(double));
    if (!*out)
        return 0;
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        double v = x[i * stride];
        if (isfinite(v))
            (*out)[n++] = v;
    }
    return n;
}

qnn_stat qnn_stat_of(const double *x, size_t stride, size_t len)
{
    qnn_stat s = { NAN, NAN, NAN, NAN, 0, 0 };
    double *v;
    size_t n = finite_copy(x, stride, len, &v);
    if (!v)
        return s;
    s.n = n;
    s.dropped = len - n;
    if (n >= 1)
        s.mean = gsl_stats_mean(v, 1, n);
    if (n >= 2) {
        s.sd = gsl_stats_sd_m(v, 1, n, s.mean);
        s.se = s.sd / sqrt((double)n);
        s.sd_se = qnn_sd_se_of(v, 1, n);
    }
    free(v);
    return s;
}

double qnn_quantile(const double *x, size_t stride, size_t len, double q)
{
    double *v;
    size_t n = finite_copy(x, stride, len, &v);
    double r = NAN;
    if (v && n > 0) {
        gsl_sort(v, 1, n);
        r = gsl_stats_quantile_from_sorted_data(v, 1, n, q);
    }
    free(v);
    return r;
}
