/* Least-squares fits and small sample statistics (qnn/fit.h). */
#include "qnn/fit.h"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_fit.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_statistics_double.h>
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
    double d = meas - pred;
    if (e > 0)
        return d / e;
    /* no error at all: the sign of the difference is all that is known */
    return d > 0 ? INFINITY : d < 0 ? -INFINITY : d == 0 ? 0.0 : NAN;
}

/* Mean, unbiased variance and fourth central moment (over the count) of the
 * finite values; returns the count. */
static size_t moments(const double *x, size_t stride, size_t n, double *mean, double *var, double *m4)
{
    double s = 0;
    size_t c = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(x[i * stride])) {
            s += x[i * stride];
            c++;
        }
    *mean = *var = *m4 = NAN;
    if (!c)
        return 0;
    double m = s / (double)c, s2 = 0, s4 = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(x[i * stride])) {
            double d = x[i * stride] - m, d2 = d * d;
            s2 += d2;
            s4 += d2 * d2;
        }
    *mean = m;
    *var = c > 1 ? s2 / (double)(c - 1) : NAN;
    *m4 = s4 / (double)c;
    return c;
}

double qnn_var_se(const double *x, size_t stride, size_t n)
{
    double m, v, m4;
    size_t c = moments(x, stride, n, &m, &v, &m4);
    if (c < 4)
        return NAN;
    double cn = (double)c;
    double var_s2 = (m4 - v * v * (cn - 3.0) / (cn - 1.0)) / cn;
    /* the estimate of a variance can come out negative for a few values
     * of a light-tailed law; its error is then no smaller than zero */
    return sqrt(var_s2 > 0 ? var_s2 : 0.0);
}

double qnn_sd_se_of(const double *x, size_t stride, size_t n)
{
    double m, v, m4;
    if (moments(x, stride, n, &m, &v, &m4) < 4 || !(v > 0))
        return NAN;
    return qnn_var_se(x, stride, n) / (2.0 * sqrt(v));
}

double qnn_cv_se(const double *x, size_t stride, size_t n)
{
    double m, v, m4;
    size_t c = moments(x, stride, n, &m, &v, &m4);
    if (c < 4 || !(v > 0) || m == 0)
        return NAN;
    double m3 = 0, cn = (double)c;
    for (size_t i = 0; i < n; i++)
        if (isfinite(x[i * stride])) {
            double d = x[i * stride] - m;
            m3 += d * d * d;
        }
    m3 /= cn;
    double vs2 = qnn_var_se(x, stride, n);
    double vl = vs2 * vs2 / (4.0 * v * v) + v / (cn * m * m) - m3 / (cn * m * v);
    return fabs(sqrt(v) / m) * sqrt(vl > 0 ? vl : 0.0);
}

double qnn_bootstrap_se(size_t n, qnn_resample_fn stat, void *ctx, int B, unsigned long seed, int *used)
{
    if (used)
        *used = 0;
    if (n < 2 || B < 2)
        return NAN;
    size_t *idx = malloc(n * sizeof(size_t));
    double *v = malloc((size_t)B * sizeof(double));
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    double se = NAN;
    if (idx && v && r) {
        gsl_rng_set(r, seed);
        size_t k = 0;
        for (int b = 0; b < B; b++) {
            for (size_t i = 0; i < n; i++)
                idx[i] = (size_t)gsl_rng_uniform_int(r, n);
            double s = stat(idx, n, ctx);
            if (isfinite(s))
                v[k++] = s;
        }
        if (used)
            *used = (int)k;
        if (k >= 2)
            se = gsl_stats_sd(v, 1, k);
    }
    if (r)
        gsl_rng_free(r);
    free(idx);
    free(v);
    return se;
}

static void line_nan(qnn_line_fit *o)
{
    o->c0 = o->c1 = o->c0_se = o->c1_se = o->cov01 = NAN;
    o->chi2 = o->p = o->r2 = NAN;
}

/* The fit over k points already gathered (w NULL: unweighted). */
static void line_on(const double *x, const double *y, const double *w, size_t k, qnn_line_fit *o)
{
    double c0, c1, cov00, cov01, cov11, chi2;
    if (w)
        gsl_fit_wlinear(x, 1, w, 1, y, 1, k, &c0, &c1, &cov00, &cov01, &cov11, &chi2);
    else
        gsl_fit_linear(x, 1, y, 1, k, &c0, &c1, &cov00, &cov01, &cov11, &chi2);
    double sw = 0, swy = 0, sst = 0;
    for (size_t i = 0; i < k; i++) {
        double wi = w ? w[i] : 1.0;
        sw += wi;
        swy += wi * y[i];
    }
    double ym = swy / sw;
    for (size_t i = 0; i < k; i++)
        sst += (w ? w[i] : 1.0) * (y[i] - ym) * (y[i] - ym);
    o->n = k;
    o->c0 = c0;
    o->c1 = c1;
    /* the unweighted fit's errors come from the residuals: none with 2 points */
    o->c0_se = w || k > 2 ? sqrt(cov00) : NAN;
    o->c1_se = w || k > 2 ? sqrt(cov11) : NAN;
    o->cov01 = cov01;
    o->chi2 = chi2;
    o->p = w && k > 2 ? gsl_cdf_chisq_Q(chi2, (double)(k - 2)) : NAN;
    o->r2 = sst > 0 ? 1.0 - chi2 / sst : NAN;
}

size_t qnn_fit_line(const double *x, const double *y, const double *se, size_t n, qnn_line_fit *out)
{
    double *lx = malloc((n + 1) * sizeof(double)), *ly = malloc((n + 1) * sizeof(double));
    double *w = malloc((n + 1) * sizeof(double));
    size_t k = 0;
    line_nan(out);
    out->n = 0;
    if (!lx || !ly || !w) {
        free(lx); free(ly); free(w);
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(x[i]) || !isfinite(y[i]))
            continue;
        if (se && !(isfinite(se[i]) && se[i] > 0))
            continue;
        lx[k] = x[i];
        ly[k] = y[i];
        w[k] = se ? 1.0 / (se[i] * se[i]) : 1.0;
        k++;
    }
    out->n = k;
    if (k >= 2)
        line_on(lx, ly, se ? w : NULL, k, out);
    free(lx); free(ly); free(w);
    return k;
}

size_t qnn_fit_decay_laws(const double *t, const double *y, const double *se, size_t n, qnn_decay_laws *out)
{
    double *lt = malloc((n + 1) * sizeof(double)), *tt = malloc((n + 1) * sizeof(double));
    double *ly = malloc((n + 1) * sizeof(double)), *w = malloc((n + 1) * sizeof(double));
    size_t k = 0;
    out->n = 0;
    out->pow_a = out->pow_a_se = out->chi2_pow = out->red_pow = out->p_pow = NAN;
    out->exp_rate = out->exp_rate_se = out->chi2_exp = out->red_exp = out->p_exp = NAN;
    out->daic = NAN;
    if (!lt || !tt || !ly || !w) {
        free(lt); free(tt); free(ly); free(w);
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        if (!(isfinite(t[i]) && t[i] > 0 && isfinite(y[i]) && y[i] > 0))
            continue;
        if (se && !(isfinite(se[i]) && se[i] > 0))
            continue;
        tt[k] = t[i];
        lt[k] = log(t[i]);
        ly[k] = log(y[i]);
        double sl = se ? se[i] / y[i] : 1.0;   /* s.e. of ln y */
        w[k] = 1.0 / (sl * sl);
        k++;
    }
    out->n = k;
    if (k >= 3) {
        qnn_line_fit fp, fe;
        line_on(lt, ly, se ? w : NULL, k, &fp);
        line_on(tt, ly, se ? w : NULL, k, &fe);
        double dof = (double)(k - 2);
        out->pow_a = -fp.c1;
        out->pow_a_se = fp.c1_se;
        out->chi2_pow = fp.chi2;
        out->red_pow = fp.chi2 / dof;
        out->p_pow = fp.p;
        out->exp_rate = -fe.c1;
        out->exp_rate_se = fe.c1_se;
        out->chi2_exp = fe.chi2;
        out->red_exp = fe.chi2 / dof;
        out->p_exp = fe.p;
        out->daic = fp.chi2 - fe.chi2;
    }
    free(lt); free(tt); free(ly); free(w);
    return k;
}
