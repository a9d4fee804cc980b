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
 * either error left out when not finite; with no error at all 0 when
 * meas == pred, else +∞. */
double qnn_zscore(double meas, double se, double pred, double pred_se);

/* Standard error of a sample standard deviation sd of n values, normal
 * approximation: sd / √(2(n − 1)); NaN when n < 2. */
double qnn_sd_se(double sd, size_t n);

#endif
