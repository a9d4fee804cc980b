/* Least-squares fits and small sample statistics over plain arrays: the
 * exponential and power laws of the sweep figures and the paper checks
 * (OME Fig. 3b, LLJ App. A, LIU23 Eqs. 9 and 12), the slope through the
 * origin of YOU23 Fig. 2. GSL's least-squares fits underneath; no GSL type
 * crosses this header. Every function is pure: the caller owns every
 * array, none is kept, and nothing is printed. */
#ifndef QNN_FIT_H
#define QNN_FIT_H

#include <stddef.h>

/* Least-squares exponential fit y = A e^{b x} (OME Fig. 3b): a weighted
 * linear fit of ln y against x with weights (y/se)², by GSL's wlinear fit;
 * points with y <= 0 or se not finite and > 0 are left out. Returns the
 * number of points used (0 when fewer than 2, or when memory runs out;
 * then A = b = b_se = NaN); b_se is the standard error of b from the fit's
 * covariance, scaled by the reduced chi-square when that exceeds 1. */
size_t qnn_fit_exponential(const double *x, const double *y, const double *se, size_t n,
                           double *A, double *b, double *b_se);

/* Power law y = A x^b: the weighted least-squares line of ln y against
 * ln x (qnn_fit_exponential on ln x; weights (y/se)², points with x <= 0,
 * y <= 0 or no finite se > 0 left out). Returns the points used (0 with
 * A = b = b_se = NaN when fewer than 2 or when memory runs out). */
size_t qnn_fit_power(const double *x, const double *y, const double *se, size_t n,
                     double *A, double *b, double *b_se);

/* The laws the fits above return, evaluated at x: A x^b and A e^{b x}. */
double qnn_power_law(double A, double b, double x);
double qnn_exponential_law(double A, double b, double x);

/* Where a power-law fit is anchored on log-log axes: *xc the geometric
 * mean of the positive x (1 when there is none), *yc = A xc^b. A line of
 * another slope s "through the fit's centre" is qnn_power_law_through. */
void qnn_power_fit_centre(const double *x, size_t n, double A, double b, double *xc, double *yc);
/* yc (x/xc)^s: the power law of slope s through (xc, yc). */
double qnn_power_law_through(double xc, double yc, double s, double x);

/* Unweighted least-squares slope c of y = c x through the origin over n
 * points (GSL's fit_mul). Returns c, or NaN when n < 2. When r2 is not
 * NULL, *r2 is the uncentred R² = 1 − Σ(y − c x)² / Σ y² (NaN when
 * n < 2). */
double qnn_fit_origin(const double *x, const double *y, size_t n, double *r2);

/* Mean and standard error of the finite values of x[0..n): n counts them;
 * mean = se = NaN when there is none, se = NaN when there is one. The
 * functions of qnn/analysis.h that return it set n = -1 when memory runs
 * out. */
typedef struct qnn_mean_se { double mean, se; int n; } qnn_mean_se;
qnn_mean_se qnn_mean_se_of(const double *x, int n);

/* (meas − pred) over the combined standard error √(se² + pred_se²),
 * either error left out when not finite. With no error at all (both zero
 * or absent) the sign of meas − pred is kept: 0 when meas == pred, +∞ when
 * meas > pred, −∞ when meas < pred; NaN when either is NaN. */
double qnn_zscore(double meas, double se, double pred, double pred_se);

/* ------------------------------------------------------------------------ */
/* Errors of statistics that are not plain means (issue 21)                 */
/* ------------------------------------------------------------------------ */

/* Standard error of the unbiased sample variance s² of the finite values
 * of x[0..n) (stride in doubles) from the fourth central moment m4:
 *   Var(s²) ≈ (m4 − s⁴ (n − 3)/(n − 1)) / n,
 * valid for any distribution with a finite fourth moment (the Gaussian
 * formula s²√(2/(n − 1)) assumes kurtosis 3 and is ~2× too small at the
 * kurtosis 7–14 the gradient variances show). NaN when fewer than 4
 * finite values. */
double qnn_var_se(const double *x, size_t stride, size_t n);

/* Standard error of the sample standard deviation s of the finite values of
 * x[0..n), by the delta method from qnn_var_se: se(s²)/(2s). NaN when
 * fewer than 4 finite values or s = 0. */
double qnn_sd_se_of(const double *x, size_t stride, size_t n);

/* Standard error of the sample coefficient of variation cv = s/x̄ of the
 * finite values of x[0..n), by the delta method with the sample's own
 * third and fourth moments:
 *   Var(ln cv) ≈ Var(s²)/(4 s⁴) + s²/(n x̄²) − m3/(n x̄ s²),
 * Var(s²) as in qnn_var_se (for a Gaussian: cv √((1/2 + cv²)/n)). NaN
 * when fewer than 4 finite values, x̄ = 0 or s = 0. */
double qnn_cv_se(const double *x, size_t stride, size_t n);

/* A statistic of the n items idx[0..n) (indices into the caller's data,
 * repeats allowed): what qnn_bootstrap_se resamples. */
typedef double (*qnn_resample_fn)(const size_t *idx, size_t n, void *ctx);

/* Bootstrap standard error of stat over n independent items (instances):
 * the standard deviation of stat over B resamples of n indices drawn with
 * replacement (GSL's mt19937 seeded with seed, so the result is
 * reproducible); resamples where stat is not finite are left out, and
 * *used (when not NULL) counts the finite ones. NaN when n < 2, B < 2,
 * fewer than 2 finite resamples, or memory runs out. */
double qnn_bootstrap_se(size_t n, qnn_resample_fn stat, void *ctx, int B, unsigned long seed, int *used);

/* ------------------------------------------------------------------------ */
/* Fits that can tell laws apart (issue 21)                                 */
/* ------------------------------------------------------------------------ */

/* A weighted least-squares line y = c0 + c1 x over the points with finite
 * x, y (and finite se > 0 when se is not NULL; weights 1/se², unweighted
 * when se is NULL), by GSL's fit_wlinear / fit_linear. c0_se, c1_se: the
 * parameters' standard errors (from the weights when se is given, else
 * from the residual scatter); chi2: Σ w r² (the residual sum of squares
 * when unweighted); dof = n − 2; p: P(χ²_dof ≥ chi2) when se is given
 * (NaN otherwise); r2: the centred R² = 1 − Σw r²/Σw (y − ȳ_w)². */
typedef struct qnn_line_fit {
    size_t n;
    double c0, c1, c0_se, c1_se, cov01;
    double chi2, p, r2;
} qnn_line_fit;
/* Returns the points used; fewer than 2 leave every field NaN but n
 * (with 2 points the weighted fit's errors come from the weights and p is
 * NaN; the unweighted fit's errors need 3). */
size_t qnn_fit_line(const double *x, const double *y, const double *se, size_t n, qnn_line_fit *out);

/* A decaying y(t) > 0 fitted by both two-parameter laws it could follow:
 * the power law y = A t^{−a} (a line of ln y against ln t) and the
 * exponential y = A e^{−λt} (a line of ln y against t), each weighted by
 * (y/se)² when se is given (unweighted otherwise), over the points with
 * t > 0, y > 0 finite. Both have two parameters, so daic = chi2_pow −
 * chi2_exp is their AIC difference (> 0 favours the exponential); with
 * se given, p_pow and p_exp are each law's goodness of fit, P(χ²_{n−2} ≥
 * chi2), and red_pow, red_exp the reduced χ². */
typedef struct qnn_decay_laws {
    size_t n;
    double pow_a, pow_a_se, chi2_pow, red_pow, p_pow;
    double exp_rate, exp_rate_se, chi2_exp, red_exp, p_exp;
    double daic;
} qnn_decay_laws;
/* Returns the points used (fewer than 3: every field NaN but n). */
size_t qnn_fit_decay_laws(const double *t, const double *y, const double *se, size_t n, qnn_decay_laws *out);

#endif
