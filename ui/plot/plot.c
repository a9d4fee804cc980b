/* Figures with cairo: see plot.h. Layout, in user units of the context:
 * figure title on top, panels in a grid of equal cells that share their
 * margins (so plot areas line up), each panel framed with inward ticks on
 * all four sides, tick labels left and below, axis labels, a title above,
 * a legend in the upper right and an optional note box in the lower left.
 * Font sizes and line widths scale with the figure (10 pt tick labels on a
 * 600 x 400 pt figure). */
#include "plot.h"
#include "plot_ticks.h"
#include "afile.h"
#include "utf8.h"

#include <cairo-pdf.h>
#include <cairo-svg.h>
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#define PLOT_PI 3.14159265358979323846
#define PLOT_FONT "DejaVu Sans"

/* ------------------------------------------------------------------ */
/* Palette                                                             */

/* Okabe & Ito (2008), reordered so that neighbours contrast; yellow left
 * out (too light on white). */
static const unsigned char palette_rgb[][3] = {
    {0, 114, 178},   /* blue */
    {213, 94, 0},    /* vermillion */
    {0, 158, 115},   /* bluish green */
    {204, 121, 167}, /* reddish purple */
    {230, 159, 0},   /* orange */
    {86, 180, 233},  /* sky blue */
    {0, 0, 0},       /* black */
};
#define PALETTE_N (sizeof palette_rgb / sizeof palette_rgb[0])

void plot_palette(int i, double rgb[3])
{
    if (!rgb)
        return;
    if (i < 0) {
        rgb[0] = rgb[1] = rgb[2] = 0.5;
        return;
    }
    const unsigned char *c = palette_rgb[(size_t)i % PALETTE_N];
    for (int k = 0; k < 3; k++)
        rgb[k] = c[k] / 255.0;
}

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
/* Text with markup                                                    */

#define CAP_H 0.73  /* cap / digit height in em (DejaVu Sans) */
#define ASC_H 0.76  /* layout ascent in em */
#define DESC_H 0.24 /* layout descent in em */
#define SCRIPT_SCALE 0.7
#define SUP_RISE 0.42
#define SUB_DROP 0.20

typedef struct {
    double w, asc, desc;
} tbox;

/* Length of a valid UTF-8 sequence at p as cairo validates it (well formed
 * and not a noncharacter), 0 when invalid. */
static size_t utf8_len(const unsigned char *p, unsigned long *cp)
{
    unsigned long c;
    size_t n = utf8_decode((const char *)p, &c);
    if (n == 0 || utf8_is_noncharacter(c))
        return 0;
    *cp = c;
    return n;
}

static int is_combining(unsigned long c)
{
    return (c >= 0x300 && c <= 0x36F) || (c >= 0x1AB0 && c <= 0x1AFF) ||
           (c >= 0x1DC0 && c <= 0x1DFF) || (c >= 0x20D0 && c <= 0x20FF) ||
           (c >= 0xFE20 && c <= 0xFE2F);
}

typedef struct {
    cairo_t *cr;
    int draw;
    double x0, x, y;
    double size, rise;
    double asc, desc;
    int any;
    char buf[256];
    size_t len;
} mk_state;

static void mk_flush(mk_state *st)
{
    if (st->len == 0)
        return;
    st->buf[st->len] = 0;
    cairo_set_font_size(st->cr, st->size);
    cairo_text_extents_t te;
    cairo_text_extents(st->cr, st->buf, &te);
    if (st->draw) {
        cairo_move_to(st->cr, st->x, st->y - st->rise);
        cairo_show_text(st->cr, st->buf);
    }
    st->x += te.x_advance;
    double a = st->rise + ASC_H * st->size, d = DESC_H * st->size - st->rise;
    if (!st->any || a > st->asc)
        st->asc = a;
    if (!st->any || d > st->desc)
        st->desc = d;
    st->any = 1;
    st->len = 0;
}

/* Appends one code point (or '?' for an invalid byte); returns bytes
 * consumed from p. */
static size_t mk_append_cp(mk_state *st, const char *p, unsigned long *cp)
{
    unsigned long c = 0;
    size_t n = utf8_len((const unsigned char *)p, &c);
    if (st->len + 5 >= sizeof st->buf)
        mk_flush(st);
    if (n == 0) {
        st->buf[st->len++] = '?';
        *cp = '?';
        return 1;
    }
    memcpy(st->buf + st->len, p, n);
    st->len += n;
    *cp = c;
    return n;
}

/* Draws (or measures) the combining mark `mark` over/under the glyph of
 * `base` whose origin is (bx, by): the toy text API applies no mark
 * positioning, and DejaVu's marks are placed for lowercase letters, so the
 * mark's ink is centred on the base's ink and set just above its top (or
 * just below its bottom for marks that hang below the baseline). */
static void mk_mark(mk_state *st, const char *base, const char *mark,
                    double bx, double by)
{
    cairo_text_extents_t tb, tm;
    cairo_set_font_size(st->cr, st->size);
    cairo_text_extents(st->cr, base, &tb);
    cairo_text_extents(st->cr, mark, &tm);
    if (tm.width <= 0 || tm.height <= 0)
        return;
    double gap = 0.06 * st->size;
    double ox = bx + tb.x_bearing + 0.5 * tb.width -
                (tm.x_bearing + 0.5 * tm.width);
    if (tb.width <= 0)
        ox = bx + 0.5 * tb.x_advance - (tm.x_bearing + 0.5 * tm.width);
    double oy;
    if (tm.y_bearing >= 0) /* below the baseline */
        oy = by + fmax(tb.y_bearing + tb.height, 0) + gap - tm.y_bearing;
    else
        oy = by + fmin(tb.y_bearing, -0.5 * st->size) - gap -
             (tm.y_bearing + tm.height);
    if (st->draw) {
        cairo_move_to(st->cr, ox, oy);
        cairo_show_text(st->cr, mark);
    }
    double top = st->y - (oy + tm.y_bearing);
    double bot = oy + tm.y_bearing + tm.height - st->y;
    if (top > st->asc)
        st->asc = top;
    if (bot > st->desc)
        st->desc = bot;
}

/* Appends one base character with its combining marks; returns bytes
 * consumed. */
static size_t mk_cluster(mk_state *st, const char *p)
{
    unsigned long cp;
    const char *q = p;
    size_t n = utf8_len((const unsigned char *)q, &cp);
    if (n == 0 || is_combining(cp))
        return mk_append_cp(st, p, &cp);
    q += n;
    size_t nm = utf8_len((const unsigned char *)q, &cp);
    if (nm == 0 || !is_combining(cp))
        return mk_append_cp(st, p, &cp);
    /* base with marks: draw the base as a run of its own */
    mk_flush(st);
    char base[8];
    memcpy(base, p, n);
    base[n] = 0;
    double bx = st->x, by = st->y - st->rise;
    mk_append_cp(st, p, &cp);
    mk_flush(st);
    while (*q) {
        nm = utf8_len((const unsigned char *)q, &cp);
        if (nm == 0 || !is_combining(cp))
            break;
        char mark[8];
        memcpy(mark, q, nm);
        mark[nm] = 0;
        mk_mark(st, base, mark, bx, by);
        q += nm;
    }
    return (size_t)(q - p);
}

#define MK_DEPTH 8

/* Walks the markup of s at baseline (x, y); draws when `draw`. */
static tbox markup(cairo_t *cr, const char *s, double size, double x, double y,
                   int draw)
{
    mk_state st;
    memset(&st, 0, sizeof st);
    st.cr = cr;
    st.draw = draw;
    st.x0 = st.x = x;
    st.y = y;
    st.size = size;
    double ssize[MK_DEPTH], srise[MK_DEPTH];
    int depth = 0, extra = 0; /* extra: groups opened beyond MK_DEPTH */
    const char *p = s ? s : "";
    unsigned long cp;
    while (*p) {
        char c = *p;
        if (c == '\\' && p[1] && strchr("_^{}\\", p[1])) {
            p += 1 + mk_append_cp(&st, p + 1, &cp);
            continue;
        }
        if ((c == '_' || c == '^') && p[1] && p[1] != ' ' && p[1] != '}') {
            double ns = st.size * SCRIPT_SCALE;
            double nr = st.rise + (c == '^' ? SUP_RISE : -SUB_DROP) * st.size;
            mk_flush(&st);
            if (p[1] == '{') {
                if (depth < MK_DEPTH) {
                    ssize[depth] = st.size;
                    srise[depth] = st.rise;
                    depth++;
                    st.size = ns;
                    st.rise = nr;
                } else {
                    extra++;
                }
                p += 2;
                continue;
            }
            double os = st.size, orise = st.rise;
            st.size = ns;
            st.rise = nr;
            p++;
            p += mk_cluster(&st, p);
            mk_flush(&st);
            st.size = os;
            st.rise = orise;
            continue;
        }
        if (c == '}' && (depth > 0 || extra > 0)) {
            if (extra > 0) {
                extra--;
            } else {
                mk_flush(&st);
                depth--;
                st.size = ssize[depth];
                st.rise = srise[depth];
            }
            p++;
            continue;
        }
        p += mk_cluster(&st, p);
    }
    mk_flush(&st);
    tbox b;
    b.w = st.x - st.x0;
    b.asc = st.any ? st.asc : ASC_H * size;
    b.desc = st.any ? st.desc : DESC_H * size;
    return b;
}

static tbox text_measure(cairo_t *cr, const char *s, double size)
{
    return markup(cr, s, size, 0, 0, 0);
}

/* Draws s with its baseline at y; ha: 0 left, 0.5 centre, 1 right. */
static tbox text_draw(cairo_t *cr, const char *s, double size, double x,
                      double y, double ha)
{
    tbox b = text_measure(cr, s, size);
    markup(cr, s, size, x - ha * b.w, y, 1);
    return b;
}

static void font(cairo_t *cr, int bold, int italic)
{
    cairo_select_font_face(cr, PLOT_FONT,
                           italic ? CAIRO_FONT_SLANT_ITALIC
                                  : CAIRO_FONT_SLANT_NORMAL,
                           bold ? CAIRO_FONT_WEIGHT_BOLD
                                : CAIRO_FONT_WEIGHT_NORMAL);
}

static int nonempty(const char *s)
{
    return s && *s;
}

double plot_text(cairo_t *cr, const char *s, double size, double x, double y,
                 double ha, int bold)
{
    if (!nonempty(s))
        return 0.0;
    font(cr, bold, 0);
    return text_draw(cr, s, size, x, y, ha).w;
}

double plot_text_width(cairo_t *cr, const char *s, double size, int bold)
{
    if (!nonempty(s))
        return 0.0;
    font(cr, bold, 0);
    return text_measure(cr, s, size).w;
}

/* ------------------------------------------------------------------ */
/* Axes                                                                */

#define MAXMAJ 40
#define MAXMIN 400

typedef struct {
    int log;
    double lo, hi; /* limits in data units */
    double t0, t1; /* limits transformed (log10 on a log axis) */
    size_t nmaj, nmin;
    double maj[MAXMAJ], mnr[MAXMIN];
    char lbl[MAXMAJ][PLOT_TICK_LABEL_MAX];
    double lw[MAXMAJ];
    double asc, desc, wmax; /* label extents */
} axis;

typedef struct {
    double fs;      /* tick label size */
    double u;       /* line width unit (1 at fs = 10) */
    double lab_fs;  /* axis labels */
    double ttl_fs;  /* panel titles */
    double fig_fs;  /* figure title */
    double leg_fs;  /* legend, notes, reference-line labels */
    double tick;    /* major tick length */
    double pad;     /* tick label to frame */
} metrics;

static int valid_v(double v, int log)
{
    return isfinite(v) && (!log || v > 0);
}

typedef struct {
    double xlo, xhi, ylo, yhi;
    int hx, hy;  /* have x / y extents */
    size_t npts; /* drawable data points */
} extent;

static void ext_add(double *lo, double *hi, int *have, double v)
{
    if (!*have) {
        *lo = *hi = v;
        *have = 1;
    } else {
        if (v < *lo)
            *lo = v;
        if (v > *hi)
            *hi = v;
    }
}

/* outer edges of the histogram bins at the ends of a run of valid points
 * (PLOT_STEPS), so that auto ranges show the whole outer bins */
static void step_edges(const plot_series *se, size_t i, int xl, int yl,
                       double *lo, double *hi, int *have)
{
    int pv = i > 0 && valid_v(se->x[i - 1], xl) && valid_v(se->y[i - 1], yl);
    int nx = i + 1 < se->n && valid_v(se->x[i + 1], xl) &&
             valid_v(se->y[i + 1], yl);
    double x = se->x[i], o, edge;
    if (pv == nx)
        return; /* interior point, or a lone bin (fixed width in points) */
    o = pv ? se->x[i - 1] : se->x[i + 1];
    edge = xl ? x * sqrt(x / o) : x + 0.5 * (x - o);
    if (valid_v(edge, xl))
        ext_add(lo, hi, have, edge);
}

static void panel_extent(const plot_panel *p, extent *e)
{
    memset(e, 0, sizeof *e);
    int xl = p->xscale == PLOT_LOG, yl = p->yscale == PLOT_LOG;
    for (size_t s = 0; p->series && s < p->nseries; s++) {
        const plot_series *se = &p->series[s];
        if (!se->x || !se->y)
            continue;
        for (size_t i = 0; i < se->n; i++) {
            double x = se->x[i], y = se->y[i];
            if (!valid_v(x, xl) || !valid_v(y, yl))
                continue;
            e->npts++;
            ext_add(&e->xlo, &e->xhi, &e->hx, x);
            if (se->style == PLOT_STEPS)
                step_edges(se, i, xl, yl, &e->xlo, &e->xhi, &e->hx);
            ext_add(&e->ylo, &e->yhi, &e->hy, y);
            int bars = se->style == PLOT_POINTS ||
                       se->style == PLOT_LINE_POINTS;
            if (bars && se->yerr && isfinite(se->yerr[i])) {
                double d = fabs(se->yerr[i]);
                if (valid_v(y + d, yl))
                    ext_add(&e->ylo, &e->yhi, &e->hy, y + d);
                if (valid_v(y - d, yl))
                    ext_add(&e->ylo, &e->yhi, &e->hy, y - d);
            }
        }
    }
    for (size_t i = 0; p->vmarks && i < p->nvmarks; i++)
        if (valid_v(p->vmarks[i], xl))
            ext_add(&e->xlo, &e->xhi, &e->hx, p->vmarks[i]);
    for (size_t i = 0; p->hlines && i < p->nhlines; i++)
        if (valid_v(p->hlines[i], yl))
            ext_add(&e->ylo, &e->yhi, &e->hy, p->hlines[i]);
}

static void axis_range(axis *a, double umin, double umax, int log, int have,
                       double dlo, double dhi)
{
    a->log = log;
    if (isfinite(umin) && isfinite(umax) && umin < umax &&
        (!log || umin > 0)) {
        a->lo = umin;
        a->hi = umax;
    } else {
        plot_auto_range(dlo, dhi, have, log, &a->lo, &a->hi);
    }
    a->t0 = log ? log10(a->lo) : a->lo;
    a->t1 = log ? log10(a->hi) : a->hi;
    if (!(a->t1 > a->t0) || !isfinite(a->t1 - a->t0)) {
        /* e.g. -DBL_MAX..DBL_MAX: keep mapping finite */
        a->t0 = log ? 0 : -1;
        a->t1 = 1;
    }
}

static void axis_ticks(cairo_t *cr, axis *a, const metrics *m, size_t max)
{
    if (max > MAXMAJ)
        max = MAXMAJ;
    a->nmaj = plot_nice_ticks(a->lo, a->hi, a->log, a->maj, max);
    a->nmin = a->log ? plot_log_minor_ticks(a->lo, a->hi, a->maj, a->nmaj,
                                            a->mnr, MAXMIN)
                     : 0;
    plot_tick_labels(a->maj, a->nmaj, a->log, &a->lbl[0][0],
                     PLOT_TICK_LABEL_MAX);
    a->asc = ASC_H * m->fs;
    a->desc = DESC_H * m->fs;
    a->wmax = 0;
    for (size_t i = 0; i < a->nmaj; i++) {
        tbox b = text_measure(cr, a->lbl[i], m->fs);
        a->lw[i] = b.w;
        a->asc = fmax(a->asc, b.asc);
        a->desc = fmax(a->desc, b.desc);
        a->wmax = fmax(a->wmax, b.w);
    }
}

/* fraction 0..1 of the axis; +-inf style values clamped far outside */
static double axis_frac(const axis *a, double v)
{
    double t;
    if (a->log)
        t = v > 0 ? log10(v) : -INFINITY;
    else
        t = v;
    double f = (t - a->t0) / (a->t1 - a->t0);
    if (isnan(f))
        return -1e6;
    if (f > 1e6)
        return 1e6;
    if (f < -1e6)
        return -1e6;
    return f;
}

typedef struct {
    double x0, y0, x1, y1; /* plot area (y0 top) */
} rect;

static double map_x(const axis *a, const rect *r, double v)
{
    return r->x0 + axis_frac(a, v) * (r->x1 - r->x0);
}

static double map_y(const axis *a, const rect *r, double v)
{
    return r->y1 - axis_frac(a, v) * (r->y1 - r->y0);
}

/* ------------------------------------------------------------------ */
/* Lines                                                               */

int plot_clip_segment(double x0, double y0, double x1, double y1, double *ax,
                      double *ay, double *bx, double *by)
{
    double dx = *bx - *ax, dy = *by - *ay;
    double t0 = 0, t1 = 1;
    double pp[4] = {-dx, dx, -dy, dy};
    double qq[4] = {*ax - x0, x1 - *ax, *ay - y0, y1 - *ay};
    for (int i = 0; i < 4; i++) {
        if (pp[i] == 0) {
            if (qq[i] < 0)
                return 0;
        } else {
            double t = qq[i] / pp[i];
            if (pp[i] < 0) {
                if (t > t1)
                    return 0;
                if (t > t0)
                    t0 = t;
            } else {
                if (t < t0)
                    return 0;
                if (t < t1)
                    t1 = t;
            }
        }
    }
    double nax = *ax + t0 * dx, nay = *ay + t0 * dy;
    double nbx = *ax + t1 * dx, nby = *ay + t1 * dy;
    *ax = nax;
    *ay = nay;
    *bx = nbx;
    *by = nby;
    return 1;
}

static int clip_seg(const rect *r, double *ax, double *ay, double *bx,
                    double *by)
{
    return plot_clip_segment(r->x0, r->y0, r->x1, r->y1, ax, ay, bx, by);
}

static int in_rect(const rect *r, double x, double y)
{
    return x >= r->x0 && x <= r->x1 && y >= r->y0 && y <= r->y1;
}

typedef struct {
    double lw, alpha;
    double dash[4];
    int ndash;
    cairo_line_cap_t cap;
    int line, markers;
} stylespec;

static stylespec style_of(plot_style s, double u)
{
    stylespec st;
    memset(&st, 0, sizeof st);
    st.lw = 1.5 * u;
    st.alpha = 1;
    st.cap = CAIRO_LINE_CAP_BUTT;
    st.line = 1;
    switch (s) {
    case PLOT_FAINT:
        st.lw = 0.8 * u;
        st.alpha = 0.25;
        break;
    case PLOT_BOLD:
        st.lw = 2.2 * u;
        break;
    case PLOT_DASHED:
        st.lw = 1.6 * u;
        st.dash[0] = 5.5 * u;
        st.dash[1] = 3 * u;
        st.ndash = 2;
        break;
    case PLOT_DOTTED:
        st.lw = 1.6 * u;
        st.dash[0] = 0;
        st.dash[1] = 2.8 * u;
        st.ndash = 2;
        st.cap = CAIRO_LINE_CAP_ROUND;
        break;
    case PLOT_POINTS:
        st.line = 0;
        st.markers = 1;
        break;
    case PLOT_LINE_POINTS:
        st.lw = 1.2 * u;
        st.markers = 1;
        break;
    case PLOT_LINE:
    default:
        break;
    }
    return st;
}

static void set_color(cairo_t *cr, int color, double alpha)
{
    double rgb[3];
    plot_palette(color, rgb);
    cairo_set_source_rgba(cr, rgb[0], rgb[1], rgb[2], alpha);
}

static void apply_stroke_style(cairo_t *cr, const stylespec *st)
{
    cairo_set_line_width(cr, st->lw);
    cairo_set_line_cap(cr, st->cap);
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
    cairo_set_dash(cr, st->dash, st->ndash, 0);
}

/* A polyline fed vertex by vertex, clipped geometrically to `clip` (an
 * enlarged plot area) so that cairo never sees huge coordinates. */
typedef struct {
    cairo_t *cr;
    const rect *clip;
    int have, pen;
    double px, py;
} pen_t;

static void pen_break(pen_t *p)
{
    p->have = 0;
    p->pen = 0;
}

static void pen_to(pen_t *p, double x, double y)
{
    if (!p->have) {
        p->px = x;
        p->py = y;
        p->have = 1;
        p->pen = 0;
        return;
    }
    double a0 = p->px, a1 = p->py, b0 = x, b1 = y;
    if (clip_seg(p->clip, &a0, &a1, &b0, &b1)) {
        if (!p->pen || a0 != p->px || a1 != p->py)
            cairo_move_to(p->cr, a0, a1);
        cairo_line_to(p->cr, b0, b1);
        p->pen = (b0 == x && b1 == y);
    } else {
        p->pen = 0;
    }
    p->px = x;
    p->py = y;
}

static int valid_pt(const plot_series *se, size_t i, const axis *ax,
                    const axis *ay)
{
    return valid_v(se->x[i], ax->log) && valid_v(se->y[i], ay->log);
}

/* Line through the valid points, broken at invalid ones. */
static void draw_polyline(cairo_t *cr, const plot_series *se, const axis *ax,
                          const axis *ay, const rect *area, const rect *clip)
{
    pen_t pn = {cr, clip, 0, 0, 0, 0};
    for (size_t i = 0; i < se->n; i++) {
        if (valid_pt(se, i, ax, ay))
            pen_to(&pn, map_x(ax, area, se->x[i]), map_y(ay, area, se->y[i]));
        else
            pen_break(&pn);
    }
}

/* A dot for each valid point without a valid neighbour (a line through
 * it would not show). */
static void add_isolated_dots(cairo_t *cr, const plot_series *se,
                              const axis *ax, const axis *ay,
                              const rect *area, double r)
{
    for (size_t i = 0; i < se->n; i++) {
        if (!valid_pt(se, i, ax, ay))
            continue;
        if ((i > 0 && valid_pt(se, i - 1, ax, ay)) ||
            (i + 1 < se->n && valid_pt(se, i + 1, ax, ay)))
            continue;
        double x = map_x(ax, area, se->x[i]), y = map_y(ay, area, se->y[i]);
        if (!in_rect(area, x, y))
            continue;
        cairo_new_sub_path(cr);
        cairo_arc(cr, x, y, r, 0, 2 * PLOT_PI);
        cairo_close_path(cr);
    }
}

/* Histogram outline: y[i] is the level of the bin centred on x[i]; bin
 * edges lie halfway (on the axis scale) between neighbouring centres, the
 * outer bins are mirrored; `hw` is the half width of a lone bin. */
static void draw_steps(cairo_t *cr, const plot_series *se, const axis *ax,
                       const axis *ay, const rect *area, const rect *clip,
                       double hw)
{
    pen_t pn = {cr, clip, 0, 0, 0, 0};
    for (size_t i = 0; i < se->n; i++) {
        if (!valid_pt(se, i, ax, ay)) {
            pen_break(&pn);
            continue;
        }
        int pv = i > 0 && valid_pt(se, i - 1, ax, ay);
        int nx = i + 1 < se->n && valid_pt(se, i + 1, ax, ay);
        double c = map_x(ax, area, se->x[i]), y = map_y(ay, area, se->y[i]);
        double cp = pv ? map_x(ax, area, se->x[i - 1]) : 0;
        double cn = nx ? map_x(ax, area, se->x[i + 1]) : 0;
        double l, r;
        if (pv)
            l = 0.5 * (cp + c);
        else if (nx)
            l = c - 0.5 * (cn - c);
        else
            l = c - hw;
        if (nx)
            r = 0.5 * (c + cn);
        else if (pv)
            r = c + 0.5 * (c - cp);
        else
            r = c + hw;
        pen_to(&pn, l, y);
        pen_to(&pn, r, y);
    }
}

static void marker_path(cairo_t *cr, double x, double y, double r)
{
    cairo_new_sub_path(cr);
    cairo_arc(cr, x, y, r, 0, 2 * PLOT_PI);
    cairo_close_path(cr);
}

static void draw_marker(cairo_t *cr, double x, double y, double r, int color,
                        double alpha, double u)
{
    marker_path(cr, x, y, r);
    set_color(cr, color, alpha);
    cairo_fill_preserve(cr);
    cairo_set_source_rgba(cr, 1, 1, 1, 0.9 * alpha);
    cairo_set_line_width(cr, 0.5 * u);
    cairo_set_dash(cr, NULL, 0, 0);
    cairo_stroke(cr);
}

static void errbar(cairo_t *cr, double x, double ya, double yb, double cap,
                   const rect *cr_)
{
    double a0 = x, a1 = ya, b0 = x, b1 = yb;
    if (!clip_seg(cr_, &a0, &a1, &b0, &b1))
        return;
    cairo_move_to(cr, a0, a1);
    cairo_line_to(cr, b0, b1);
    /* caps only at ends that are not clipped away */
    if (a1 == ya && in_rect(cr_, x, ya)) {
        cairo_move_to(cr, x - cap, ya);
        cairo_line_to(cr, x + cap, ya);
    }
    if (b1 == yb && in_rect(cr_, x, yb)) {
        cairo_move_to(cr, x - cap, yb);
        cairo_line_to(cr, x + cap, yb);
    }
}

/* pass 0: error bars and lines (clipped to the area by the caller);
 * pass 1: markers (the caller clips to the area enlarged by a marker) */
static void draw_series(cairo_t *cr, const plot_series *se, const axis *ax,
                        const axis *ay, const rect *area, const metrics *m,
                        int pass)
{
    if (!se->x || !se->y || se->n == 0)
        return;
    stylespec st = style_of(se->style, m->u);
    double big = 20 * m->fs;
    rect cr_ = {area->x0 - big, area->y0 - big, area->x1 + big,
                area->y1 + big};
    double mr = 0.32 * m->fs; /* marker radius */

    if (pass == 0 && se->yerr && st.markers) {
        cairo_save(cr);
        set_color(cr, se->color, st.alpha);
        cairo_set_line_width(cr, 0.9 * m->u);
        cairo_set_line_cap(cr, CAIRO_LINE_CAP_BUTT);
        cairo_set_dash(cr, NULL, 0, 0);
        for (size_t i = 0; i < se->n; i++) {
            double x = se->x[i], y = se->y[i], e = se->yerr[i];
            if (!valid_v(x, ax->log) || !valid_v(y, ay->log) || !isfinite(e))
                continue;
            e = fabs(e);
            double px = map_x(ax, area, x);
            if (px < area->x0 - 1e-6 || px > area->x1 + 1e-6)
                continue;
            double yt = map_y(ay, area, y + e);
            double yb = (ay->log && !(y - e > 0)) ? area->y1 + big
                                                  : map_y(ay, area, y - e);
            errbar(cr, px, yt, yb, 0.75 * mr, &cr_);
        }
        cairo_stroke(cr);
        cairo_restore(cr);
    }
    if (pass == 0 && st.line) {
        cairo_save(cr);
        apply_stroke_style(cr, &st);
        set_color(cr, se->color, st.alpha);
        cairo_new_path(cr);
        if (se->style == PLOT_STEPS) {
            draw_steps(cr, se, ax, ay, area, &cr_, 0.6 * m->fs);
            cairo_stroke(cr);
        } else {
            draw_polyline(cr, se, ax, ay, area, &cr_);
            cairo_stroke(cr);
            add_isolated_dots(cr, se, ax, ay, area, fmax(st.lw, 1.2 * m->u));
            cairo_fill(cr);
        }
        cairo_restore(cr);
    }
    if (pass == 1 && st.markers) {
        cairo_save(cr);
        double r = se->style == PLOT_LINE_POINTS ? 0.8 * mr : mr;
        double tol = 1e-6 * (1 + area->x1 - area->x0);
        for (size_t i = 0; i < se->n; i++) {
            double x = se->x[i], y = se->y[i];
            if (!valid_v(x, ax->log) || !valid_v(y, ay->log))
                continue;
            double px = map_x(ax, area, x), py = map_y(ay, area, y);
            if (px < area->x0 - tol || px > area->x1 + tol ||
                py < area->y0 - tol || py > area->y1 + tol)
                continue;
            draw_marker(cr, px, py, r, se->color, st.alpha, m->u);
        }
        cairo_restore(cr);
    }
}

/* ------------------------------------------------------------------ */
/* Boxes: legend and note                                              */

static void box_bg(cairo_t *cr, double x, double y, double w, double h,
                   const metrics *m)
{
    double r = 0.25 * m->fs;
    cairo_new_path(cr);
    cairo_new_sub_path(cr);
    cairo_arc(cr, x + w - r, y + r, r, -PLOT_PI / 2, 0);
    cairo_arc(cr, x + w - r, y + h - r, r, 0, PLOT_PI / 2);
    cairo_arc(cr, x + r, y + h - r, r, PLOT_PI / 2, PLOT_PI);
    cairo_arc(cr, x + r, y + r, r, PLOT_PI, 1.5 * PLOT_PI);
    cairo_close_path(cr);
    cairo_set_source_rgba(cr, 1, 1, 1, 0.85);
    cairo_fill_preserve(cr);
    cairo_set_source_rgba(cr, 0.6, 0.6, 0.6, 0.9);
    cairo_set_line_width(cr, 0.6 * m->u);
    cairo_set_dash(cr, NULL, 0, 0);
    cairo_stroke(cr);
}

static int legend_dup(const plot_panel *p, size_t s)
{
    const plot_series *a = &p->series[s];
    for (size_t j = 0; j < s; j++) {
        const plot_series *b = &p->series[j];
        if (nonempty(b->label) && strcmp(a->label, b->label) == 0 &&
            a->style == b->style && a->color == b->color)
            return 1;
    }
    return 0;
}

static void legend_sample(cairo_t *cr, const plot_series *se, double x,
                          double yc, double len, const metrics *m)
{
    stylespec st = style_of(se->style, m->u);
    double alpha = se->style == PLOT_FAINT ? 0.55 : st.alpha;
    double mr = 0.32 * m->fs;
    if (st.line) {
        cairo_save(cr);
        apply_stroke_style(cr, &st);
        if (se->style == PLOT_FAINT)
            cairo_set_line_width(cr, 1.0 * m->u);
        set_color(cr, se->color, alpha);
        if (se->style == PLOT_STEPS) {
            double d = 0.3 * m->leg_fs;
            cairo_move_to(cr, x, yc + d);
            cairo_line_to(cr, x + 0.5 * len, yc + d);
            cairo_line_to(cr, x + 0.5 * len, yc - d);
            cairo_line_to(cr, x + len, yc - d);
        } else {
            cairo_move_to(cr, x, yc);
            cairo_line_to(cr, x + len, yc);
        }
        cairo_stroke(cr);
        cairo_restore(cr);
    }
    if (st.markers) {
        double cx = x + 0.5 * len;
        if (se->yerr) {
            set_color(cr, se->color, alpha);
            cairo_set_line_width(cr, 0.9 * m->u);
            cairo_set_dash(cr, NULL, 0, 0);
            cairo_set_line_cap(cr, CAIRO_LINE_CAP_BUTT);
            double h = 0.48 * m->leg_fs, c = 0.75 * mr;
            cairo_move_to(cr, cx, yc - h);
            cairo_line_to(cr, cx, yc + h);
            cairo_move_to(cr, cx - c, yc - h);
            cairo_line_to(cr, cx + c, yc - h);
            cairo_move_to(cr, cx - c, yc + h);
            cairo_line_to(cr, cx + c, yc + h);
            cairo_stroke(cr);
        }
        draw_marker(cr, cx, yc,
                    se->style == PLOT_LINE_POINTS ? 0.8 * mr : mr,
                    se->color, alpha, m->u);
    }
}

/* Size of the note box (0 when there is none). */
static int note_size(cairo_t *cr, const char *note, const metrics *m,
                     double *w, double *h, size_t *nlines)
{
    if (!nonempty(note))
        return 0;
    double fs = m->leg_fs, tw = 0;
    char line[512];
    size_t nl = 0;
    font(cr, 0, 0);
    for (const char *p = note;;) {
        const char *e = strchr(p, '\n');
        size_t L = e ? (size_t)(e - p) : strlen(p);
        if (L >= sizeof line)
            L = sizeof line - 1;
        memcpy(line, p, L);
        line[L] = 0;
        tw = fmax(tw, text_measure(cr, line, fs).w);
        nl++;
        if (!e)
            break;
        p = e + 1;
    }
    double pad = 0.5 * fs, row = 1.3 * fs;
    *w = 2 * pad + tw;
    *h = 2 * pad + (double)nl * row - (row - fs * (ASC_H + DESC_H));
    *nlines = nl;
    return 1;
}

static int note_rect(cairo_t *cr, const char *note, plot_corner corner,
                     const rect *area, const metrics *m, rect *box)
{
    double w, h;
    size_t nl;
    if (!note_size(cr, note, m, &w, &h, &nl))
        return 0;
    double inset = m->tick + 0.35 * m->fs;
    int right = corner == PLOT_UPPER_RIGHT || corner == PLOT_LOWER_RIGHT;
    int upper = corner == PLOT_UPPER_LEFT || corner == PLOT_UPPER_RIGHT;
    box->x0 = right ? area->x1 - inset - w : area->x0 + inset;
    box->y0 = upper ? area->y0 + inset : area->y1 - inset - h;
    box->x1 = box->x0 + w;
    box->y1 = box->y0 + h;
    return 1;
}

static void draw_note(cairo_t *cr, const char *note, plot_corner corner,
                      const rect *area, const metrics *m)
{
    rect b;
    if (!note_rect(cr, note, corner, area, m, &b))
        return;
    double fs = m->leg_fs, pad = 0.5 * fs, row = 1.3 * fs;
    char line[512];
    box_bg(cr, b.x0, b.y0, b.x1 - b.x0, b.y1 - b.y0, m);
    cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
    font(cr, 0, 0);
    double base = b.y0 + pad + ASC_H * fs;
    for (const char *p = note;;) {
        const char *e = strchr(p, '\n');
        size_t L = e ? (size_t)(e - p) : strlen(p);
        if (L >= sizeof line)
            L = sizeof line - 1;
        memcpy(line, p, L);
        line[L] = 0;
        text_draw(cr, line, fs, b.x0 + pad, base, 0);
        base += row;
        if (!e)
            break;
        p = e + 1;
    }
}

static int rects_meet(const rect *a, const rect *b)
{
    return a->x0 < b->x1 && b->x0 < a->x1 && a->y0 < b->y1 && b->y0 < a->y1;
}

/* How much data a legend box at `box` would hide: line segments and
 * markers inside it (faint curves count a quarter). */
static double legend_cover(const plot_panel *p, const axis *ax,
                           const axis *ay, const rect *area, const rect *box,
                           const metrics *m)
{
    double score = 0;
    for (size_t s = 0; p->series && s < p->nseries; s++) {
        const plot_series *se = &p->series[s];
        if (!se->x || !se->y)
            continue;
        stylespec st = style_of(se->style, m->u);
        double wgt = se->style == PLOT_FAINT ? 0.25 : 1;
        int have = 0;
        double px = 0, py = 0;
        for (size_t i = 0; i < se->n; i++) {
            if (!valid_v(se->x[i], ax->log) || !valid_v(se->y[i], ay->log)) {
                have = 0;
                continue;
            }
            double x = map_x(ax, area, se->x[i]);
            double y = map_y(ay, area, se->y[i]);
            if (st.markers && in_rect(box, x, y))
                score += 3 * wgt;
            if (st.line && have) {
                double a0 = px, a1 = py, b0 = x, b1 = y;
                if (clip_seg(box, &a0, &a1, &b0, &b1))
                    score += wgt;
            }
            px = x;
            py = y;
            have = 1;
        }
    }
    return score;
}

/* Legend inside the panel, upper right; moved to another corner only when
 * that hides clearly less data (and not the note box). */
static void draw_legend(cairo_t *cr, const plot_panel *p, const axis *ax,
                        const axis *ay, const rect *area, const metrics *m,
                        rect *where)
{
    if (!p->series)
        return;
    size_t n = 0;
    double tw = 0;
    font(cr, 0, 0);
    for (size_t s = 0; s < p->nseries; s++) {
        if (!nonempty(p->series[s].label) || legend_dup(p, s))
            continue;
        tbox b = text_measure(cr, p->series[s].label, m->leg_fs);
        tw = fmax(tw, b.w);
        n++;
    }
    if (n == 0)
        return;
    double inset = m->tick + 0.35 * m->fs;
    double aw = area->x1 - area->x0 - 2 * inset;
    double ah = area->y1 - area->y0 - 2 * inset;
    double fs = m->leg_fs;
    double w = fs * (1.0 + 2.2 + 0.6) + tw;
    double h = fs * (1.0 + 1.45 * (double)n - 0.45);
    /* shrink (down to 75 %) when the panel is too small for it */
    double k = fmin(1, fmin(aw / w, ah / h));
    if (k < 0.75)
        k = 0.75;
    fs *= k;
    tw *= k;
    double pad = 0.5 * fs, row = 1.45 * fs, len = 2.2 * fs, gap = 0.6 * fs;
    w = 2 * pad + len + gap + tw;
    h = 2 * pad + (double)n * row - (row - fs * (ASC_H + DESC_H));

    rect cand[4] = {
        {area->x1 - inset - w, area->y0 + inset, area->x1 - inset,
         area->y0 + inset + h},
        {area->x0 + inset, area->y0 + inset, area->x0 + inset + w,
         area->y0 + inset + h},
        {area->x1 - inset - w, area->y1 - inset - h, area->x1 - inset,
         area->y1 - inset},
        {area->x0 + inset, area->y1 - inset - h, area->x0 + inset + w,
         area->y1 - inset},
    };
    rect nb;
    int has_note = note_rect(cr, p->note, p->note_corner, area, m, &nb);
    size_t best = 0;
    /* the upper right unless the note sits there */
    if (has_note && rects_meet(&cand[0], &nb))
        for (size_t c = 1; c < 4; c++)
            if (!rects_meet(&cand[c], &nb)) {
                best = c;
                break;
            }
    double best_score = legend_cover(p, ax, ay, area, &cand[best], m);
    for (size_t c = 0; c < 4 && best_score > 0; c++) {
        if (c == best || (has_note && rects_meet(&cand[c], &nb)))
            continue;
        double sc = legend_cover(p, ax, ay, area, &cand[c], m);
        if (sc < best_score - 0.5 && sc < 0.6 * best_score) {
            best = c;
            best_score = sc;
        }
    }
    double x = cand[best].x0, y = cand[best].y0;
    if (x < area->x0 + inset && best != 1 && best != 3)
        x = area->x0 + inset; /* wider than the panel: keep the left edge */
    box_bg(cr, x, y, w, h, m);
    if (where)
        *where = (rect){x, y, x + w, y + h};
    double yrow = y + pad;
    metrics ml = *m;
    ml.leg_fs = fs;
    ml.fs = m->fs * k;
    ml.u = m->u * (0.5 + 0.5 * k);
    for (size_t s = 0; s < p->nseries; s++) {
        const plot_series *se = &p->series[s];
        if (!nonempty(se->label) || legend_dup(p, s))
            continue;
        double base = yrow + ASC_H * fs;
        double yc = base - 0.5 * CAP_H * fs;
        legend_sample(cr, se, x + pad, yc, len, &ml);
        cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
        font(cr, 0, 0);
        text_draw(cr, se->label, fs, x + pad + len + gap, base, 0);
        yrow += row;
    }
}

/* ------------------------------------------------------------------ */
/* Panels                                                              */

typedef struct {
    double left, right, top, bottom;
    double xtick_h; /* tallest x tick labels: x axis labels line up */
} margins;

static void panel_axes(const plot_panel *p, axis *ax, axis *ay, extent *e)
{
    panel_extent(p, e);
    axis_range(ax, p->xmin, p->xmax, p->xscale == PLOT_LOG, e->hx, e->xlo,
               e->xhi);
    axis_range(ay, p->ymin, p->ymax, p->yscale == PLOT_LOG, e->hy, e->ylo,
               e->yhi);
}

void plot_panel_limits(const plot_panel *p, double *xlo, double *xhi,
                       double *ylo, double *yhi)
{
    axis ax, ay;
    extent e;
    panel_axes(p, &ax, &ay, &e);
    *xlo = ax.lo;
    *xhi = ax.hi;
    *ylo = ay.lo;
    *yhi = ay.hi;
}

static void panel_margins(cairo_t *cr, const plot_panel *p, const axis *ax,
                          const axis *ay, const metrics *m, margins *mg)
{
    double outer = 0.35 * m->fs;
    mg->left = outer + ay->wmax + m->pad;
    if (nonempty(p->ylabel)) {
        font(cr, 0, 0);
        tbox b = text_measure(cr, p->ylabel, m->lab_fs);
        mg->left += b.asc + b.desc + 0.55 * m->fs;
    }
    mg->bottom = m->pad + ax->asc + ax->desc + outer;
    if (nonempty(p->xlabel)) {
        font(cr, 0, 0);
        tbox b = text_measure(cr, p->xlabel, m->lab_fs);
        mg->bottom += fmax(b.asc, ASC_H * m->lab_fs) + b.desc + 0.35 * m->fs;
    }
    /* the top y tick label sticks out above the frame by half its height */
    mg->top = fmax(outer + 0.6 * m->fs, outer + 0.5 * CAP_H * m->fs +
                   (ay->asc - CAP_H * m->fs));
    if (nonempty(p->title)) {
        font(cr, 0, 0);
        tbox b = text_measure(cr, p->title, m->ttl_fs);
        mg->top = fmax(mg->top, outer + b.asc + DESC_H * m->ttl_fs +
                                    0.45 * m->fs);
    }
    double half = ax->nmaj > 0 ? 0.5 * ax->lw[ax->nmaj - 1] : 0;
    mg->right = fmax(0.9 * m->fs, half + 0.3 * m->fs);
}

/* tick labels overlap at this area size? */
static int x_overlap(const axis *a, const rect *r, const metrics *m)
{
    for (size_t i = 1; i < a->nmaj; i++) {
        double d = map_x(a, r, a->maj[i]) - map_x(a, r, a->maj[i - 1]);
        if (d < 0.5 * (a->lw[i] + a->lw[i - 1]) + 0.9 * m->fs)
            return 1;
    }
    return 0;
}

static int y_overlap(const axis *a, const rect *r, const metrics *m)
{
    for (size_t i = 1; i < a->nmaj; i++) {
        double d = map_y(a, r, a->maj[i - 1]) - map_y(a, r, a->maj[i]);
        if (d < a->asc + a->desc + 0.35 * m->fs)
            return 1;
    }
    return 0;
}

static void fit_ticks(cairo_t *cr, axis *a, const rect *r, const metrics *m,
                      int is_y)
{
    size_t max = 8;
    font(cr, 0, 0);
    axis_ticks(cr, a, m, max);
    while (a->nmaj > 2 &&
           (is_y ? y_overlap(a, r, m) : x_overlap(a, r, m))) {
        max = a->nmaj - 1;
        axis_ticks(cr, a, m, max);
    }
}

static void draw_ticks(cairo_t *cr, const axis *ax, const axis *ay,
                       const rect *r, const metrics *m)
{
    double tl = m->tick, ml = 0.55 * m->tick;
    double tol = 1e-6;
    cairo_set_source_rgb(cr, 0, 0, 0);
    cairo_set_line_width(cr, 0.8 * m->u);
    cairo_set_line_cap(cr, CAIRO_LINE_CAP_BUTT);
    cairo_set_dash(cr, NULL, 0, 0);
    for (int minor = 0; minor < 2; minor++) {
        const double *tx = minor ? ax->mnr : ax->maj;
        size_t nx = minor ? ax->nmin : ax->nmaj;
        const double *ty = minor ? ay->mnr : ay->maj;
        size_t ny = minor ? ay->nmin : ay->nmaj;
        double L = minor ? ml : tl;
        for (size_t i = 0; i < nx; i++) {
            double f = axis_frac(ax, tx[i]);
            if (f < -tol || f > 1 + tol)
                continue;
            double x = map_x(ax, r, tx[i]);
            cairo_move_to(cr, x, r->y1);
            cairo_line_to(cr, x, r->y1 - L);
            cairo_move_to(cr, x, r->y0);
            cairo_line_to(cr, x, r->y0 + L);
        }
        for (size_t i = 0; i < ny; i++) {
            double f = axis_frac(ay, ty[i]);
            if (f < -tol || f > 1 + tol)
                continue;
            double y = map_y(ay, r, ty[i]);
            cairo_move_to(cr, r->x0, y);
            cairo_line_to(cr, r->x0 + L, y);
            cairo_move_to(cr, r->x1, y);
            cairo_line_to(cr, r->x1 - L, y);
        }
        cairo_set_line_width(cr, (minor ? 0.6 : 0.8) * m->u);
        cairo_stroke(cr);
    }
    /* labels */
    cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
    font(cr, 0, 0);
    for (size_t i = 0; i < ax->nmaj; i++) {
        double f = axis_frac(ax, ax->maj[i]);
        if (f < -tol || f > 1 + tol)
            continue;
        text_draw(cr, ax->lbl[i], m->fs, map_x(ax, r, ax->maj[i]),
                  r->y1 + m->pad + ax->asc, 0.5);
    }
    for (size_t i = 0; i < ay->nmaj; i++) {
        double f = axis_frac(ay, ay->maj[i]);
        if (f < -tol || f > 1 + tol)
            continue;
        double y = map_y(ay, r, ay->maj[i]) + 0.5 * CAP_H * m->fs;
        text_draw(cr, ay->lbl[i], m->fs, r->x0 - m->pad, y, 1);
    }
}

static void draw_refs(cairo_t *cr, const plot_panel *p, const axis *ax,
                      const axis *ay, const rect *r, const metrics *m)
{
    cairo_save(cr);
    cairo_set_line_width(cr, 0.8 * m->u);
    cairo_set_line_cap(cr, CAIRO_LINE_CAP_BUTT);
    double d1[2] = {3.5 * m->u, 2.5 * m->u};
    cairo_set_dash(cr, d1, 2, 0);
    cairo_set_source_rgb(cr, 0.5, 0.5, 0.5);
    for (size_t i = 0; p->vmarks && i < p->nvmarks; i++) {
        double v = p->vmarks[i];
        if (!valid_v(v, ax->log))
            continue;
        double f = axis_frac(ax, v);
        if (f < 0 || f > 1)
            continue;
        double x = map_x(ax, r, v);
        cairo_move_to(cr, x, r->y0);
        cairo_line_to(cr, x, r->y1);
    }
    cairo_stroke(cr);
    double d2[4] = {6 * m->u, 2 * m->u, 1.2 * m->u, 2 * m->u};
    cairo_set_dash(cr, d2, 4, 0);
    cairo_set_source_rgb(cr, 0.4, 0.4, 0.4);
    for (size_t i = 0; p->hlines && i < p->nhlines; i++) {
        double v = p->hlines[i];
        if (!valid_v(v, ay->log))
            continue;
        double f = axis_frac(ay, v);
        if (f < 0 || f > 1)
            continue;
        double y = map_y(ay, r, v);
        cairo_move_to(cr, r->x0, y);
        cairo_line_to(cr, r->x1, y);
    }
    cairo_stroke(cr);
    cairo_restore(cr);
}

/* labels of the horizontal reference lines, on top of the data */
static void draw_ref_labels(cairo_t *cr, const plot_panel *p, const axis *ay,
                            const rect *r, const metrics *m)
{
    cairo_save(cr);
    font(cr, 0, 0);
    double fs = 0.92 * m->leg_fs;
    for (size_t i = 0; p->hlines && p->hline_labels && i < p->nhlines; i++) {
        double v = p->hlines[i];
        if (!valid_v(v, ay->log) || !nonempty(p->hline_labels[i]))
            continue;
        double f = axis_frac(ay, v);
        if (f < 0 || f > 1)
            continue;
        double y = map_y(ay, r, v);
        tbox b = text_measure(cr, p->hline_labels[i], fs);
        double base = y - 0.3 * fs - b.desc;
        if (base - b.asc < r->y0 + m->tick)
            base = y + 0.3 * fs + b.asc;
        double x = r->x1 - m->tick - 0.3 * m->fs;
        /* light halo so the label reads over curves */
        cairo_set_source_rgba(cr, 1, 1, 1, 0.75);
        cairo_rectangle(cr, x - b.w - 0.15 * fs, base - b.asc,
                        b.w + 0.3 * fs, b.asc + b.desc);
        cairo_fill(cr);
        cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
        text_draw(cr, p->hline_labels[i], fs, x, base, 1);
    }
    cairo_restore(cr);
}

static void draw_panel(cairo_t *cr, const plot_panel *p, const rect *cell,
                       const margins *mg, const metrics *m, plot_geom *g)
{
    axis ax, ay;
    extent e;
    rect r = {cell->x0 + mg->left, cell->y0 + mg->top, cell->x1 - mg->right,
              cell->y1 - mg->bottom};
    if (g)
        memset(g, 0, sizeof *g);
    if (!(r.x1 - r.x0 > 2 * m->fs) || !(r.y1 - r.y0 > 2 * m->fs))
        return; /* no room */
    if (g) {
        g->area = (plot_rect){r.x0, r.y0, r.x1 - r.x0, r.y1 - r.y0};
        g->drawn = 1;
    }
    panel_axes(p, &ax, &ay, &e);
    fit_ticks(cr, &ax, &r, m, 0);
    fit_ticks(cr, &ay, &r, m, 1);

    /* data, clipped to the area (plus half the frame width) */
    cairo_save(cr);
    double fw = 0.4 * m->u;
    cairo_rectangle(cr, r.x0 - fw, r.y0 - fw, r.x1 - r.x0 + 2 * fw,
                    r.y1 - r.y0 + 2 * fw);
    cairo_clip(cr);
    draw_refs(cr, p, &ax, &ay, &r, m);
    for (size_t s = 0; p->series && s < p->nseries; s++)
        draw_series(cr, &p->series[s], &ax, &ay, &r, m, 0);
    cairo_restore(cr);
    /* markers on the frame are drawn whole */
    cairo_save(cr);
    double mr = 0.32 * m->fs + m->u;
    cairo_rectangle(cr, r.x0 - mr, r.y0 - mr, r.x1 - r.x0 + 2 * mr,
                    r.y1 - r.y0 + 2 * mr);
    cairo_clip(cr);
    for (size_t s = 0; p->series && s < p->nseries; s++)
        draw_series(cr, &p->series[s], &ax, &ay, &r, m, 1);
    cairo_restore(cr);
    draw_ref_labels(cr, p, &ay, &r, m);

    /* frame and ticks */
    cairo_save(cr);
    draw_ticks(cr, &ax, &ay, &r, m);
    cairo_set_source_rgb(cr, 0, 0, 0);
    cairo_set_line_width(cr, 0.8 * m->u);
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_MITER);
    cairo_rectangle(cr, r.x0, r.y0, r.x1 - r.x0, r.y1 - r.y0);
    cairo_stroke(cr);

    /* axis labels and title */
    cairo_set_source_rgb(cr, 0.05, 0.05, 0.05);
    font(cr, 0, 0);
    if (nonempty(p->xlabel)) {
        tbox b = text_measure(cr, p->xlabel, m->lab_fs);
        double base = r.y1 + m->pad + fmax(mg->xtick_h, ax.asc + ax.desc) +
                      0.35 * m->fs + fmax(b.asc, ASC_H * m->lab_fs);
        text_draw(cr, p->xlabel, m->lab_fs, 0.5 * (r.x0 + r.x1), base, 0.5);
    }
    if (nonempty(p->ylabel)) {
        tbox b = text_measure(cr, p->ylabel, m->lab_fs);
        double xb = r.x0 - m->pad - ay.wmax - 0.55 * m->fs - b.desc;
        cairo_save(cr);
        cairo_translate(cr, xb, 0.5 * (r.y0 + r.y1));
        cairo_rotate(cr, -PLOT_PI / 2);
        text_draw(cr, p->ylabel, m->lab_fs, 0, 0, 0.5);
        cairo_restore(cr);
    }
    if (nonempty(p->title)) {
        /* centred over the plot area; a title wider than that moves left
         * into the margin and, wider than the cell, gets a smaller font
         * (down to the tick-label size) instead of running into the next
         * panel */
        double fs = m->ttl_fs, avail = cell->x1 - cell->x0 - 0.3 * m->fs;
        double w = text_measure(cr, p->title, fs).w;
        if (w > avail && avail > 0)
            fs = fmax(m->fs, fs * avail / w);
        w = text_measure(cr, p->title, fs).w;
        double cx = 0.5 * (r.x0 + r.x1);
        if (cx + 0.5 * w > cell->x1 - 0.15 * m->fs)
            cx = cell->x1 - 0.15 * m->fs - 0.5 * w;
        if (cx - 0.5 * w < cell->x0 + 0.15 * m->fs)
            cx = cell->x0 + 0.15 * m->fs + 0.5 * w;
        text_draw(cr, p->title, fs, cx, r.y0 - 0.45 * m->fs - DESC_H * m->ttl_fs, 0.5);
    }
    if (e.npts == 0) {
        font(cr, 0, 1);
        cairo_set_source_rgb(cr, 0.45, 0.45, 0.45);
        text_draw(cr, "no data", 1.1 * m->fs, 0.5 * (r.x0 + r.x1),
                  0.5 * (r.y0 + r.y1) + 0.5 * CAP_H * 1.1 * m->fs, 0.5);
    }
    cairo_restore(cr);

    cairo_save(cr);
    draw_note(cr, p->note, p->note_corner, &r, m);
    rect lg = {0, 0, 0, 0};
    draw_legend(cr, p, &ax, &ay, &r, m, &lg);
    if (g && lg.x1 > lg.x0) {
        g->legend = (plot_rect){lg.x0, lg.y0, lg.x1 - lg.x0, lg.y1 - lg.y0};
        g->has_legend = 1;
    }
    if (g) {
        g->xlo = ax.lo; g->xhi = ax.hi; g->ylo = ay.lo; g->yhi = ay.hi;
    }
    cairo_restore(cr);
}

/* Axes, ticks and margins of panel p at metrics m. */
static void panel_layout(cairo_t *cr, const plot_panel *p, const metrics *m, axis *ax,
                         axis *ay, margins *mg)
{
    extent e;
    panel_axes(p, ax, ay, &e);
    font(cr, 0, 0);
    axis_ticks(cr, ax, m, 8);
    axis_ticks(cr, ay, m, 8);
    panel_margins(cr, p, ax, ay, m, mg);
}

static void make_metrics(double fs, metrics *m)
{
    m->fs = fs;
    m->u = fs / 10.0;
    m->lab_fs = 1.08 * fs;
    m->ttl_fs = 1.15 * fs;
    m->fig_fs = 1.3 * fs;
    m->leg_fs = 0.92 * fs;
    m->tick = 0.5 * fs;
    m->pad = 0.45 * fs;
}

void plot_draw_panel(cairo_t *cr, const plot_panel *p, double x, double y,
                     double w, double h, double fs, plot_geom *g)
{
    if (g)
        memset(g, 0, sizeof *g);
    if (!cr || !p || !isfinite(w) || !isfinite(h) || !(w > 0) || !(h > 0) ||
        !(fs > 0) || cairo_status(cr) != CAIRO_STATUS_SUCCESS)
        return;
    cairo_save(cr);
    cairo_font_options_t *fo = cairo_font_options_create();
    cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
    cairo_set_font_options(cr, fo);
    cairo_font_options_destroy(fo);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_rectangle(cr, x, y, w, h);
    cairo_fill(cr);
    metrics m;
    make_metrics(fs, &m);
    axis ax, ay;
    margins mg;
    panel_layout(cr, p, &m, &ax, &ay, &mg);
    mg.xtick_h = ax.asc + ax.desc;
    rect cell = {x, y, x + w, y + h};
    cairo_rectangle(cr, x, y, w, h);
    cairo_clip(cr);
    draw_panel(cr, p, &cell, &mg, &m, g);
    cairo_restore(cr);
}

/* ------------------------------------------------------------------ */
/* Figure                                                              */

void plot_draw(cairo_t *cr, const plot_figure *fig, double w, double h)
{
    if (!cr || !fig || !isfinite(w) || !isfinite(h) || !(w > 0) || !(h > 0))
        return;
    if (cairo_status(cr) != CAIRO_STATUS_SUCCESS)
        return;
    cairo_save(cr);
    cairo_font_options_t *fo = cairo_font_options_create();
    cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
    cairo_set_font_options(cr, fo);
    cairo_font_options_destroy(fo);

    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_rectangle(cr, 0, 0, w, h);
    cairo_fill(cr);

    size_t np = fig->panels ? fig->npanels : 0;
    size_t cols = fig->columns >= 1 ? (size_t)fig->columns : 1;
    if (np > 0 && cols > np)
        cols = np;
    size_t rows = np > 0 ? (np + cols - 1) / cols : 1;

    metrics m;
    double fs = 10.0 * sqrt(w * h / (600.0 * 400.0));
    double cw = w / (double)cols, chh = h / (double)rows;
    fs = fmin(fs, fmin(0.05 * cw, 0.065 * chh));
    /* readable in print unless the figure itself is tiny */
    fs = fmax(fs, fmin(7, 0.045 * fmin(w, h)));
    if (fs < 2)
        fs = 2;
    make_metrics(fs, &m);

    double top = 0;
    if (nonempty(fig->title)) {
        font(cr, 1, 0);
        tbox b = text_measure(cr, fig->title, m.fig_fs);
        double base = 0.45 * fs + b.asc;
        cairo_set_source_rgb(cr, 0, 0, 0);
        text_draw(cr, fig->title, m.fig_fs, 0.5 * w, base, 0.5);
        top = base + b.desc + 0.25 * fs;
    }
    if (np == 0) {
        cairo_restore(cr);
        return;
    }

    /* shared margins so that plot areas line up */
    margins mg = {0, 0, 0, 0, 0};
    double xlab = 0; /* bottom margin less the x tick labels */
    for (size_t i = 0; i < np; i++) {
        const plot_panel *p = &fig->panels[i];
        axis ax, ay;
        margins pm;
        panel_layout(cr, p, &m, &ax, &ay, &pm);
        mg.left = fmax(mg.left, pm.left);
        mg.right = fmax(mg.right, pm.right);
        mg.top = fmax(mg.top, pm.top);
        mg.bottom = fmax(mg.bottom, pm.bottom);
        mg.xtick_h = fmax(mg.xtick_h, ax.asc + ax.desc);
        xlab = fmax(xlab, pm.bottom - (ax.asc + ax.desc));
    }
    mg.bottom = fmax(mg.bottom, xlab + mg.xtick_h);
    double ch = (h - top) / (double)rows;
    for (size_t i = 0; i < np; i++) {
        size_t rr = i / cols, cc = i % cols;
        rect cell = {cw * (double)cc, top + ch * (double)rr,
                     cw * (double)(cc + 1), top + ch * (double)(rr + 1)};
        draw_panel(cr, &fig->panels[i], &cell, &mg, &m, NULL);
    }
    cairo_restore(cr);
}

static void set_err(char *err, size_t errlen, const char *what,
                    const char *path)
{
    if (err && errlen > 0)
        snprintf(err, errlen, "plot_write: %s%s%s%s", what,
                 path ? " for '" : "", path ? path : "", path ? "'" : "");
}

int plot_write(const plot_figure *fig, plot_format fmt, const char *path,
               char *err, size_t errlen)
{
    if (err && errlen > 0)
        err[0] = 0;
    if (!fig || !path || !*path) {
        set_err(err, errlen, "no figure or no path", NULL);
        return -1;
    }
    double w = fig->width, h = fig->height;
    if (!isfinite(w) || !isfinite(h) || !(w >= 1) || !(h >= 1) ||
        w > 16384 || h > 16384) {
        set_err(err, errlen, "invalid figure size", path);
        return -1;
    }
    const char *kind = fmt == PLOT_PNG ? "PNG" : fmt == PLOT_SVG ? "SVG"
                                                                 : "PDF";
    cairo_surface_t *surf = NULL;
    int pw = 0, ph = 0;
    errno = 0;
    switch (fmt) {
    case PLOT_PNG:
        pw = (int)ceil(2 * w - 1e-9);
        ph = (int)ceil(2 * h - 1e-9);
        surf = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, pw, ph);
        break;
    case PLOT_SVG:
        surf = cairo_svg_surface_create(path, w, h);
        break;
    case PLOT_PDF:
        surf = cairo_pdf_surface_create(path, w, h);
        break;
    default:
        set_err(err, errlen, "unknown format", path);
        return -1;
    }
    cairo_status_t st = cairo_surface_status(surf);
    if (st != CAIRO_STATUS_SUCCESS) {
        int e = errno;
        if (err && errlen > 0) {
            if (st == CAIRO_STATUS_WRITE_ERROR && e != 0)
                snprintf(err, errlen, "cannot create %s '%s': %s (%s)", kind,
                         path, cairo_status_to_string(st), strerror(e));
            else
                snprintf(err, errlen, "cannot create %s '%s': %s", kind,
                         path, cairo_status_to_string(st));
        }
        cairo_surface_destroy(surf);
        return -1;
    }
    cairo_t *cr = cairo_create(surf);
    if (fmt == PLOT_PNG)
        cairo_scale(cr, (double)pw / w, (double)ph / h);
    plot_draw(cr, fig, w, h);
    st = cairo_status(cr);
    cairo_destroy(cr);
    if (st == CAIRO_STATUS_SUCCESS && fmt == PLOT_PNG) {
        cairo_surface_flush(surf);
        errno = 0;
        st = cairo_surface_write_to_png(surf, path);
        if (st != CAIRO_STATUS_SUCCESS) {
            int e = errno;
            if (err && errlen > 0) {
                if (e != 0)
                    snprintf(err, errlen, "cannot write PNG '%s': %s (%s)",
                             path, cairo_status_to_string(st), strerror(e));
                else
                    snprintf(err, errlen, "cannot write PNG '%s': %s", path,
                             cairo_status_to_string(st));
            }
            cairo_surface_destroy(surf);
            return -1;
        }
    }
    cairo_surface_finish(surf);
    cairo_status_t st2 = cairo_surface_status(surf);
    cairo_surface_destroy(surf);
    if (st == CAIRO_STATUS_SUCCESS)
        st = st2;
    if (st != CAIRO_STATUS_SUCCESS) {
        if (err && errlen > 0)
            snprintf(err, errlen, "cannot write %s '%s': %s", kind, path,
                     cairo_status_to_string(st));
        return -1;
    }
    return 0;
}

int plot_save_png(cairo_surface_t *sf, const char *path, char *err, size_t errlen)
{
    afile a;
    if (afile_reserve(&a, path, err, errlen) != AFILE_OK)
        return -1;
    cairo_surface_flush(sf);
    cairo_status_t st = cairo_surface_write_to_png(sf, a.tmp);
    if (st != CAIRO_STATUS_SUCCESS) {
        if (err && errlen > 0)
            snprintf(err, errlen, "cannot write '%s': %s", path, cairo_status_to_string(st));
        afile_abort(&a);
        return -1;
    }
    return afile_commit(&a, err, errlen) == AFILE_OK ? 0 : -1;
}
