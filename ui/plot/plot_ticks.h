/* Private helpers of the plot module (axis ranges, ticks, tick labels,
 * segment clipping), exposed for the unit tests and the terminal face's
 * text panels. Not part of the public plot API. */
#ifndef QNN_PLOT_TICKS_H
#define QNN_PLOT_TICKS_H

#include <stddef.h>

/* Longest tick label plot_tick_labels writes, terminating NUL included. */
#define PLOT_TICK_LABEL_MAX 48

/* Major tick positions inside [lo, hi] (lo < hi, finite; lo > 0 when log),
 * increasing, at most `max` of them; returns how many were written (0 for
 * an invalid range).
 * Linear: multiples of a 1, 2 or 5 x 10^k step, 4..8 ticks where `max`
 * allows (the count closest to ~5, the larger step on a tie).
 * Log: powers of ten (every 1, 2, 5, 10 ... decades so that at most `max`
 * fit); when fewer than three decades are inside, the 1, 2, 5 x 10^k
 * values; when even those are fewer than three, linear nice ticks. */
size_t plot_nice_ticks(double lo, double hi, int log, double *out, size_t max);

/* Minor ticks of a log axis inside [lo, hi] given its n major ticks:
 * m x 10^k (m = 1..9) that are not major ticks when the majors are one
 * decade apart or closer, the skipped decades when they are several
 * decades apart. Returns the count (<= max). */
size_t plot_log_minor_ticks(double lo, double hi, const double *major,
                            size_t n, double *out, size_t max);

/* Labels for ticks from plot_nice_ticks: label i goes to out + i * stride
 * (stride >= PLOT_TICK_LABEL_MAX), UTF-8 with U+2212 as minus and plot
 * markup for powers ("10^{−3}", "2×10^{5}"); no trailing zeros. On a log
 * axis whose ticks are all powers of ten every label is "10^{k}". */
void plot_tick_labels(const double *ticks, size_t n, int log, char *out,
                      size_t stride);

/* Axis range from the data extent [lo, hi] (have = 0: no data).
 * Linear: padded by 4 % per side; all-equal data get +-10 % (or +-1 at 0).
 * Log (lo > 0): rounded outwards to powers of ten, or to 1, 2, 5 x 10^k
 * when the data span less than ~1.5 decades. Always returns lo < hi,
 * finite (and > 0 on a log axis). */
void plot_auto_range(double lo, double hi, int have, int log,
                     double *out_lo, double *out_hi);

/* Liang-Barsky: clips the segment (ax, ay)-(bx, by) to the box
 * [x0, x1] x [y0, y1] in place; 0 when nothing is left. The cairo figures
 * and the terminal's text panels clip with it. */
int plot_clip_segment(double x0, double y0, double x1, double y1, double *ax,
                      double *ay, double *bx, double *by);

/* Symmetric logarithm (PLOT_SYMLOG) with linear half-width lt > 0: the
 * transformed coordinate is v / lt within [-lt, lt] and
 * sign(v) (1 + log10(|v| / lt)) beyond (continuous, increasing, odd). */
double plot_symlog(double v, double lt);
/* Its inverse. */
double plot_symlog_inv(double t, double lt);

/* Major ticks of a symlog axis inside [lo, hi]: 0 (when inside) and
 * +-10^k with 10^k >= lt (every d decades, d = 1, 2, 3, 5, 10, 20 ... so that at
 * most `max` fit; 0 is kept), increasing. When fewer than two fall inside,
 * the linear nice ticks of [lo, hi]. Returns the count. */
size_t plot_symlog_ticks(double lo, double hi, double lt, double *out, size_t max);

/* Minor ticks of a symlog axis given its majors: m x 10^k (m = 2..9) beyond
 * lt, both signs, when the majors are one decade apart; none otherwise. */
size_t plot_symlog_minor_ticks(double lo, double hi, double lt, const double *major,
                               size_t n, double *out, size_t max);

/* Labels of symlog ticks: "0", "10^{k}", "−10^{k}" for powers of ten,
 * plot_tick_labels' linear form otherwise (as plot_tick_labels: label i at
 * out + i * stride). */
void plot_symlog_labels(const double *ticks, size_t n, char *out, size_t stride);

/* Axis range of a symlog axis around the data [lo, hi] (have = 0: no data):
 * each end rounded outwards to 0, +-lt or a power of ten beyond lt; always
 * lo < hi, finite. */
void plot_symlog_range(double lo, double hi, int have, double lt, double *out_lo,
                       double *out_hi);

#endif
