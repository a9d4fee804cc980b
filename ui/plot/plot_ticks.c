/* Tick positions, tick labels and automatic axis ranges (declared in
 * plot_ticks.h, where the tests and the terminal's text panels reach
 * them). Pure arithmetic and text: no cairo here. */
#include "plot_priv.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

/* ------------------------------------------------------------------ */
/* Ticks and ranges                                                    */

#define TICK_EPS 1e-9

static double pow10i(long k)
{
    if (k > 308)
        return 1e308;
    if (k < -307)
        return 1e-307;
    return pow(10.0, (double)k);
}

/* floor(log10(v)) robust against log10(1000) = 2.9999... */
static long dec_floor(double v)
{
    return (long)floor(log10(v) + TICK_EPS);
}

static size_t lin_ticks(double lo, double hi, double *out, size_t max)
{
    double span = hi - lo;
    if (!(span > 0) || !isfinite(span) || max == 0)
        return 0;
    if (span < 1e-12 * fmax(fabs(lo), fabs(hi)))
        return 0; /* below double resolution: no meaningful ticks */
    static const double mult[3] = {1, 2, 5};
    double target = max < 6 ? (double)max : 5.5;
    long e0 = (long)floor(log10(span));
    double best_step = 0, best_pen = INFINITY, best_a = 0;
    size_t best_n = 0;
    for (long e = e0 - 2; e <= e0 + 1; e++) {
        for (int m = 0; m < 3; m++) {
            double step = mult[m] * pow10i(e);
            double a = ceil(lo / step - TICK_EPS);
            double b = floor(hi / step + TICK_EPS);
            if (!(b >= a))
                continue;
            double nd = b - a + 1;
            if (nd > (double)max)
                continue;
            /* counts in [min(4, max), max] first, closest to ~5 */
            double lo_ok = max < 4 ? (double)max : 4;
            double pen = fabs(nd - target);
            if (nd < lo_ok)
                pen += 100 + (lo_ok - nd);
            if (pen < best_pen - 1e-12 ||
                (fabs(pen - best_pen) <= 1e-12 && step > best_step)) {
                best_pen = pen;
                best_step = step;
                best_a = a;
                best_n = (size_t)nd;
            }
        }
    }
    size_t n = 0;
    for (size_t j = 0; j < best_n; j++) {
        double v = (best_a + (double)j) * best_step;
        if (fabs(v) < best_step * TICK_EPS)
            v = 0;
        if (n > 0 && !(v > out[n - 1]))
            continue;
        out[n++] = v;
    }
    return n;
}

size_t plot_nice_ticks(double lo, double hi, int log, double *out, size_t max)
{
    if (!out || max == 0 || !isfinite(lo) || !isfinite(hi) || !(lo < hi))
        return 0;
    if (!log)
        return lin_ticks(lo, hi, out, max);
    if (!(lo > 0))
        return 0;
    long klo = (long)ceil(log10(lo) - TICK_EPS);
    long khi = (long)floor(log10(hi) + TICK_EPS);
    long ndec = khi - klo + 1;
    if (ndec >= 3) {
        /* every d decades, d from 1, 2, 5, 10, 20, 50 ... */
        for (long scale = 1;; scale *= 10) {
            static const long dm[3] = {1, 2, 5};
            for (int m = 0; m < 3; m++) {
                long d = dm[m] * scale;
                long a = (long)ceil((double)klo / (double)d);
                long b = (long)floor((double)khi / (double)d);
                if (b - a + 1 <= (long)max || d > 1000) {
                    size_t n = 0;
                    for (long k = a; k <= b && n < max; k++)
                        out[n++] = pow10i(k * d);
                    return n;
                }
            }
        }
    }
    /* 1, 2, 5 x 10^k */
    static const double mult[3] = {1, 2, 5};
    size_t n = 0;
    int too_many = 0;
    for (long k = klo - 1; k <= khi && !too_many; k++) {
        for (int m = 0; m < 3; m++) {
            double v = mult[m] * pow10i(k);
            if (v < lo * (1 - TICK_EPS) || v > hi * (1 + TICK_EPS))
                continue;
            if (n >= max) {
                too_many = 1;
                break;
            }
            out[n++] = v;
        }
    }
    if (!too_many && n >= 3)
        return n;
    if (too_many) {
        n = 0;
        for (long k = klo; k <= khi && n < max; k++)
            out[n++] = pow10i(k);
        return n;
    }
    double tmp[64];
    size_t nl = lin_ticks(lo, hi, tmp, max < 64 ? max : 64);
    if (nl >= 2 && nl >= n) {
        memcpy(out, tmp, nl * sizeof *tmp);
        return nl;
    }
    return n;
}

static int is_major(double v, const double *major, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (fabs(v - major[i]) <= 1e-9 * fabs(v))
            return 1;
    return 0;
}

size_t plot_log_minor_ticks(double lo, double hi, const double *major,
                            size_t n, double *out, size_t max)
{
    if (!out || max == 0 || !isfinite(lo) || !isfinite(hi) || !(lo > 0) ||
        !(lo < hi))
        return 0;
    long klo = dec_floor(lo), khi = dec_floor(hi);
    if (khi - klo > 2000)
        return 0;
    /* majors d > 1 decades apart: minors every `sub` decades (every decade
     * for d <= 5, else d / 5 when that divides, else every decade) */
    long d = 1, sub = 1;
    if (n >= 2 && major && major[0] > 0 && major[1] > 0)
        d = lround(log10(major[1]) - log10(major[0]));
    if (d > 5 && d % 5 == 0)
        sub = d / 5;
    size_t cnt = 0;
    for (long k = klo; k <= khi; k++) {
        if (d > 1 && k % sub != 0)
            continue;
        for (int m = 1; m <= 9; m++) {
            if (d > 1 && m > 1)
                break;
            double v = m * pow10i(k);
            if (v < lo * (1 - TICK_EPS) || v > hi * (1 + TICK_EPS))
                continue;
            if (is_major(v, major, n))
                continue;
            if (cnt >= max)
                return cnt;
            out[cnt++] = v;
        }
    }
    return cnt;
}

/* Replaces '-' by U+2212 (in place, within cap bytes). */
static void unicode_minus(char *s, size_t cap)
{
    char tmp[PLOT_TICK_LABEL_MAX * 2];
    size_t j = 0;
    for (size_t i = 0; s[i] && j + 4 < sizeof tmp; i++) {
        if (s[i] == '-') {
            tmp[j++] = (char)0xE2;
            tmp[j++] = (char)0x88;
            tmp[j++] = (char)0x92;
        } else {
            tmp[j++] = s[i];
        }
    }
    tmp[j] = 0;
    snprintf(s, cap, "%s", tmp);
}

static void strip_zeros(char *s)
{
    if (!strchr(s, '.'))
        return;
    size_t L = strlen(s);
    while (L > 0 && s[L - 1] == '0')
        s[--L] = 0;
    if (L > 0 && s[L - 1] == '.')
        s[--L] = 0;
}

/* mantissa x 10^k with `dec` decimals in the mantissa */
static void fmt_sci(double v, int dec, char *out, size_t cap)
{
    if (v == 0) {
        snprintf(out, cap, "0");
        return;
    }
    long k = dec_floor(fabs(v));
    double m = v / pow10i(k);
    if (dec < 0)
        dec = 0;
    if (dec > 6)
        dec = 6;
    char mb[32];
    snprintf(mb, sizeof mb, "%.*f", dec, m);
    strip_zeros(mb);
    if (strcmp(mb, "10") == 0 || strcmp(mb, "-10") == 0) {
        k++;
        snprintf(mb, sizeof mb, "%s", v < 0 ? "-1" : "1");
    }
    snprintf(out, cap, "%s\xC3\x97" "10^{%ld}", mb, k); /* U+00D7 times */
    unicode_minus(out, cap);
}

/* plain if 1e-3 <= |v| < 1e5, otherwise m x 10^k */
static void fmt_generic(double v, char *out, size_t cap)
{
    double a = fabs(v);
    if (a == 0 || (a >= 1e-3 && a < 1e5)) {
        snprintf(out, cap, "%.6g", v);
        strip_zeros(out);
        if (strcmp(out, "-0") == 0)
            snprintf(out, cap, "0");
        unicode_minus(out, cap);
    } else {
        long k = dec_floor(a);
        char mb[32];
        snprintf(mb, sizeof mb, "%.5g", v / pow10i(k));
        strip_zeros(mb);
        snprintf(out, cap, "%s\xC3\x97" "10^{%ld}", mb, k);
        unicode_minus(out, cap);
    }
}

void plot_tick_labels(const double *ticks, size_t n, int log, char *out,
                      size_t stride)
{
    if (!ticks || !out || stride == 0)
        return;
    size_t cap = stride < PLOT_TICK_LABEL_MAX ? stride : PLOT_TICK_LABEL_MAX;
    if (log) {
        int decades = 1;
        for (size_t i = 0; i < n; i++) {
            if (!(ticks[i] > 0)) {
                decades = 0;
                break;
            }
            double l = log10(ticks[i]);
            if (fabs(l - round(l)) > 1e-9)
                decades = 0;
        }
        for (size_t i = 0; i < n; i++) {
            char *o = out + i * stride;
            if (decades && n > 0) {
                snprintf(o, cap, "10^{%ld}", (long)round(log10(ticks[i])));
                unicode_minus(o, cap);
            } else {
                fmt_generic(ticks[i], o, cap);
            }
        }
        return;
    }
    double step = 0, maxabs = 0;
    for (size_t i = 0; i < n; i++) {
        maxabs = fmax(maxabs, fabs(ticks[i]));
        if (i > 0 && (step == 0 || ticks[i] - ticks[i - 1] < step))
            step = ticks[i] - ticks[i - 1];
    }
    if (!(step > 0))
        step = maxabs > 0 ? pow10i(dec_floor(maxabs)) : 1;
    long se = dec_floor(step);
    int sci = maxabs >= 1e5 || (maxabs > 0 && maxabs < 1e-3);
    for (size_t i = 0; i < n; i++) {
        char *o = out + i * stride;
        double v = ticks[i];
        if (fabs(v) < step * 1e-6)
            v = 0;
        if (sci) {
            long k = v == 0 ? 0 : dec_floor(fabs(v));
            fmt_sci(v, (int)(k - se), o, cap);
        } else {
            int dec = se < 0 ? (int)-se : 0;
            if (dec > 12)
                dec = 12;
            snprintf(o, cap, "%.*f", dec, v);
            strip_zeros(o);
            if (strcmp(o, "-0") == 0)
                snprintf(o, cap, "0");
            unicode_minus(o, cap);
        }
    }
}

static double floor125(double v)
{
    long k = dec_floor(v);
    double p = pow10i(k), m = v / p;
    if (m >= 5 * (1 - TICK_EPS))
        return 5 * p;
    if (m >= 2 * (1 - TICK_EPS))
        return 2 * p;
    return p;
}

static double ceil125(double v)
{
    long k = dec_floor(v);
    double p = pow10i(k), m = v / p;
    if (m <= 1 + TICK_EPS)
        return p;
    if (m <= 2 * (1 + TICK_EPS))
        return 2 * p;
    if (m <= 5 * (1 + TICK_EPS))
        return 5 * p;
    return 10 * p;
}

#define LOG_MIN 1e-300
#define LOG_MAX 1e300

void plot_auto_range(double lo, double hi, int have, int log, double *out_lo,
                     double *out_hi)
{
    double a, b;
    if (have && (!isfinite(lo) || !isfinite(hi) || lo > hi ||
                 (log && !(lo > 0))))
        have = 0;
    if (!log) {
        if (!have) {
            a = 0;
            b = 1;
        } else if (hi - lo <= 1e-12 * fmax(fabs(lo), fabs(hi)) ||
                   hi - lo < DBL_MIN) {
            double v = 0.5 * (lo + hi);
            double d = fabs(v) > 1e-300 ? 0.1 * fabs(v) : 1;
            a = v - d;
            b = v + d;
        } else {
            double pad = 0.04 * (hi - lo);
            if (!isfinite(pad))
                pad = 0.04 * (hi / 2 - lo / 2) * 2;
            a = lo - pad;
            b = hi + pad;
        }
        if (!isfinite(a))
            a = -DBL_MAX;
        if (!isfinite(b))
            b = DBL_MAX;
        if (!(a < b)) {
            a = lo - 1;
            b = lo + 1;
            if (!(a < b)) {
                a = 0;
                b = 1;
            }
        }
    } else {
        if (!have) {
            a = 1;
            b = 10;
        } else {
            lo = fmax(lo, LOG_MIN);
            hi = fmin(fmax(hi, LOG_MIN), LOG_MAX);
            if (hi <= lo * (1 + 1e-9)) {
                double v = sqrt(lo * hi);
                double l = log10(v);
                if (fabs(l - round(l)) < 1e-9) {
                    a = pow10i((long)round(l) - 1);
                    b = pow10i((long)round(l) + 1);
                } else {
                    a = floor125(v);
                    b = ceil125(v);
                    if (!(a < b)) {
                        a = pow10i(dec_floor(v));
                        b = 10 * a;
                    }
                }
            } else if (hi / lo < 30) {
                a = floor125(lo);
                b = ceil125(hi);
            } else {
                a = pow10i(dec_floor(lo));
                b = pow10i((long)ceil(log10(hi) - TICK_EPS));
            }
        }
        a = fmax(a, LOG_MIN);
        b = fmin(b, LOG_MAX);
        if (!(a < b)) {
            a = LOG_MIN;
            b = LOG_MAX;
        }
    }
    *out_lo = a;
    *out_hi = b;
}

/* ------------------------------------------------------------------ */
/* Symmetric logarithm                                                 */

double plot_symlog(double v, double lt)
{
    double a = fabs(v);
    if (a <= lt)
        return v / lt;
    return (v < 0 ? -1.0 : 1.0) * (1.0 + log10(a / lt));
}

double plot_symlog_inv(double t, double lt)
{
    double a = fabs(t);
    if (a <= 1)
        return t * lt;
    return (t < 0 ? -1.0 : 1.0) * lt * pow(10.0, a - 1.0);
}

/* the smallest k with 10^k >= lt */
static long sym_k0(double lt)
{
    return (long)ceil(log10(lt) - TICK_EPS);
}

size_t plot_symlog_ticks(double lo, double hi, double lt, double *out, size_t max)
{
    if (!out || max == 0 || !isfinite(lo) || !isfinite(hi) || !(lo < hi) || !(lt > 0) ||
        !isfinite(lt))
        return 0;
    long k0 = sym_k0(lt);
    /* decades inside on each side */
    long kpos = hi >= pow10i(k0) * (1 - TICK_EPS) ? dec_floor(hi) : k0 - 1;
    long kneg = -lo >= pow10i(k0) * (1 - TICK_EPS) ? dec_floor(-lo) : k0 - 1;
    int zero = lo <= 0 && hi >= 0;
    for (long d = 1;; d = d == 1 ? 2 : d == 2 ? 3 : d == 3 ? 5 : d * 2) {
        /* k = k0 + j d (j >= 0) on each side */
        long np = kpos >= k0 ? (kpos - k0) / d + 1 : 0;
        long nn = kneg >= k0 ? (kneg - k0) / d + 1 : 0;
        if (np + nn + zero <= (long)max || d > 2000) {
            size_t n = 0;
            for (long j = nn - 1; j >= 0 && n < max; j--)
                out[n++] = -pow10i(k0 + j * d);
            if (zero && n < max)
                out[n++] = 0;
            for (long j = 0; j < np && n < max; j++)
                out[n++] = pow10i(k0 + j * d);
            if (n >= 2)
                return n;
            return lin_ticks(lo, hi, out, max);
        }
    }
}

size_t plot_symlog_minor_ticks(double lo, double hi, double lt, const double *major,
                               size_t n, double *out, size_t max)
{
    if (!out || max == 0 || !isfinite(lo) || !isfinite(hi) || !(lo < hi) || !(lt > 0))
        return 0;
    /* majors one decade apart (two consecutive powers of ten of a sign) */
    int decade = 0;
    for (size_t i = 1; i < n && major; i++)
        if (major[i - 1] > 0 && major[i] > 0 && fabs(major[i] / major[i - 1] - 10) < 1e-6)
            decade = 1;
        else if (major[i - 1] < 0 && major[i] < 0 && fabs(major[i - 1] / major[i] - 10) < 1e-6)
            decade = 1;
    if (!decade)
        return 0;
    long k0 = sym_k0(lt);
    size_t cnt = 0;
    for (int sgn = -1; sgn <= 1; sgn += 2) {
        double lim = sgn > 0 ? hi : -lo;
        if (!(lim > 0))
            continue;
        long k1 = dec_floor(lim);
        for (long k = k0; k <= k1 && k - k0 < 400; k++)
            for (int m = 2; m <= 9; m++) {
                double v = sgn * m * pow10i(k);
                if (v < lo || v > hi)
                    continue;
                if (cnt >= max)
                    return cnt;
                out[cnt++] = v;
            }
    }
    return cnt;
}

void plot_symlog_labels(const double *ticks, size_t n, char *out, size_t stride)
{
    if (!ticks || !out || stride == 0)
        return;
    size_t cap = stride < PLOT_TICK_LABEL_MAX ? stride : PLOT_TICK_LABEL_MAX;
    int powers = 1;
    for (size_t i = 0; i < n; i++) {
        double a = fabs(ticks[i]);
        if (a == 0)
            continue;
        double l = log10(a);
        if (fabs(l - round(l)) > 1e-9)
            powers = 0;
    }
    if (!powers) {
        plot_tick_labels(ticks, n, 0, out, stride);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        char *o = out + i * stride;
        if (ticks[i] == 0)
            snprintf(o, cap, "0");
        else {
            snprintf(o, cap, "%s10^{%ld}", ticks[i] < 0 ? "-" : "", (long)round(log10(fabs(ticks[i]))));
            unicode_minus(o, cap);
        }
    }
}

/* v rounded away from the axis' inside: up (dir > 0) or down (dir < 0) to
 * 0, +-lt or a power of ten at least lt */
static double sym_round(double v, double lt, int dir)
{
    double a = fabs(v);
    int out = (v > 0) == (dir > 0);   /* moving away from zero */
    if (v == 0)
        return 0;
    if (a <= lt * (1 + TICK_EPS))
        return out ? (v > 0 ? lt : -lt) : 0;
    double p = out ? pow10i((long)ceil(log10(a) - TICK_EPS)) : pow10i(dec_floor(a));
    if (!out && p < lt * (1 - TICK_EPS))
        p = lt;
    return v > 0 ? p : -p;
}

void plot_symlog_range(double lo, double hi, int have, double lt, double *out_lo,
                       double *out_hi)
{
    if (!(lt > 0) || !isfinite(lt))
        lt = 1;
    if (have && (!isfinite(lo) || !isfinite(hi) || lo > hi))
        have = 0;
    if (!have) {
        *out_lo = -lt;
        *out_hi = lt;
        return;
    }
    lo = fmax(lo, -1e300);
    hi = fmin(hi, 1e300);
    double a = sym_round(lo, lt, -1), b = sym_round(hi, lt, 1);
    if (!(a < b)) {
        a = sym_round(a - lt, lt, -1);
        b = sym_round(b + lt, lt, 1);
    }
    *out_lo = a;
    *out_hi = b;
}
