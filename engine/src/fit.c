/* Least-squares fits and small sample statistics (qnn/fit.h). */
#include "qnn/fit.h"

#include <gsl/gsl_fit.h>
#include <math.h>
#include <stdlib.h>

size_t qnn_fit_exponential(const double *x, const double *y, const double *se, size_t n,
                           double *A, double *b, double *b_se)
{
    double *lx = malloc((n + 1) * sizeof(double)), *ly = malloc((n + 1) * sizeof(double));
    double *w = malloc((n + 1) * sizeof(double));
    size_t k = 0;
    *A = *b = *b_se = NAN;
    if (!lx || !ly || !w) {
        free(lx); free(ly); free(w);
        return 0;
    }
    for (size_t i = 0; i < n; i++)
        if (y[i] > 0.0 && isfinite(y[i]) && isfinite(x[i]) && isfinite(se[i]) && se[i] > 0.0) {
            lx[k] = x[i];
            ly[k] = log(y[i]);
            double sl = se[i] / y[i];   /* s.e. of ln y */
            w[k] = 1.0 / (sl * sl);
            k++;
        }
    if (k >= 2) {
        double c0, c1, cov00, cov01, cov11, chisq;
        gsl_fit_wlinear(lx, 1, w, 1, ly, 1, k, &c0, &c1, &cov00, &cov01, &cov11, &chisq);
        double red = k > 2 ? chisq / (double)(k - 2) : 1.0;
        *A = exp(c0);
        *b = c1;
        *b_se = sqrt(cov11 * (red > 1.0 ? red : 1.0));
    } else {
        k = 0;
    }
    free(lx); free(ly); free(w);
    return k;
}

size_t qnn_fit_power(const double *x, const double *y, const double *se, size_t n,
                     double *A, double *b, double *b_se)
{
    /* y = A x^b is y = A e^{b ln x}: the weighted fit of ln y on ln x */
    double *lx = malloc((n + 1) * sizeof(double));
    if (!lx) {
        *A = *b = *b_se = NAN;
        return 0;
    }
    for (size_t i = 0; i < n; i++)
        lx[i] = x[i] > 0 ? log(x[i]) : NAN;
    size_t used = qnn_fit_exponential(lx, y, se, n, A, b, b_se);
    free(lx);
    return used;
}

double qnn_power_law(double A, double b, double x)
{
    return A * pow(x, b);
}

double qnn_exponential_law(double A, double b, double x)
{
    return A * exp(b * x);
}

void qnn_power_fit_centre(const double *x, size_t n, double A, double b, double *xc, double *yc)
{
    double lxm = 0.0;
    int nxp = 0;
    for (size_t i = 0; i < n; i++)
        if (x[i] > 0) {
            lxm += log(x[i]);
            nxp++;
        }
    *xc = exp(lxm / (nxp ? nxp : 1));
    *yc = A * pow(*xc, b);
}

double qnn_power_law_through(double xc, double yc, double s, double x)
{
    return yc * pow(x / xc, s);
}

double qnn_fit_origin(const double *x, const double *y, size_t n, double *r2)
{
    double c1 = NAN, cov, ss;
    if (r2)
        *r2 = NAN;
    if (n < 2)
        return c1;
    gsl_fit_mul(x, 1, y, 1, n, &c1, &cov, &ss);
    if (r2) {
        double sy2 = 0;
        for (size_t q = 0; q < n; q++)
            sy2 += y[q] * y[q];
        *r2 = 1.0 - ss / sy2;
    }
    return c1;
}

qnn_mean_se qnn_mean_se_of(const double *x, int n)
{
    qnn_mean_se r = { NAN, NAN, 0 };
    double s = 0, s2 = 0;
    int c = 0;
    for (int i = 0; i < n; i++)
        if (isfinite(x[i])) {
            s += x[i];
            c++;
        }
    if (!c)
        return r;
    double m = s / c;
    for (int i = 0; i < n; i++)
        if (isfinite(x[i]))
            s2 += (x[i] - m) * (x[i] - m);
    r.mean = m;
    r.se = c > 1 ? sqrt(s2 / (c - 1) / c) : NAN;
    r.n = c;
    return r;
}

double qnn_zscore(double meas, double se, double pred, double pred_se)
{
    double e = sqrt((isfinite(se) ? se * se : 0) + (isfinite(pred_se) ? pred_se * pred_se : 0));
    return e > 0 ? (meas - pred) / e : (meas == pred ? 0 : INFINITY);
}

double qnn_sd_se(double sd, size_t n)
{
    return n > 1 ? sd / sqrt(2.0 * (double)(n - 1)) : NAN;
}
