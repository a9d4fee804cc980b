/* Text with markup: ^{...} and _{...} for super- and subscripts,
 * combining marks over their base glyph, measured or drawn with cairo's
 * toy text API at a baseline; the fonts of the figure. While an SVG
 * recorder is active on the context (plot_svgtext.h), the runs of text are
 * recorded as <text>/<tspan> elements at the same positions instead of
 * being drawn as glyphs. */
#include "plot_priv.h"
#include "plot_svgtext.h"
#include "utf8.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ */
/* SVG text recorder (plot_svgtext.h)                                  */

struct pl_svgtext {
    cairo_t *cr;
    double w, h;      /* the page in device units */
    char *buf;
    size_t len, cap;
    int oom;
    int open;         /* a <text> element is open */
    long nclip;       /* clip paths written (their ids) */
};

/* the recorder of this thread, or NULL */
static _Thread_local pl_svgtext *svg_rec;

static void sv_printf(pl_svgtext *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sv_printf(pl_svgtext *t, const char *fmt, ...)
{
    if (t->oom)
        return;
    for (int pass = 0; pass < 2; pass++) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(t->buf + t->len, t->cap - t->len, fmt, ap);
        va_end(ap);
        if (n < 0) {
            t->oom = 1;
            return;
        }
        if ((size_t)n < t->cap - t->len) {
            t->len += (size_t)n;
            return;
        }
        size_t nc = t->cap * 2 + (size_t)n + 1;
        char *nb = realloc(t->buf, nc);
        if (!nb) {
            t->oom = 1;
            return;
        }
        t->buf = nb;
        t->cap = nc;
    }
}

/* v with at most 3 decimals, trailing zeros removed ("12.5", "-3") */
static const char *sv_num(double v, char *b, size_t len)
{
    if (!isfinite(v))
        v = 0;
    if (fabs(v) < 0.0005)
        v = 0;
    snprintf(b, len, "%.3f", v);
    char *dot = strchr(b, '.');
    if (dot) {
        char *e = b + strlen(b) - 1;
        while (e > dot && *e == '0')
            *e-- = 0;
        if (e == dot)
            *e = 0;
    }
    return b;
}

/* s XML-escaped; control characters (not allowed in XML 1.0) as '?' */
static void sv_text(pl_svgtext *t, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '&': sv_printf(t, "&amp;"); break;
        case '<': sv_printf(t, "&lt;"); break;
        case '>': sv_printf(t, "&gt;"); break;
        case '"': sv_printf(t, "&quot;"); break;
        case '\'': sv_printf(t, "&apos;"); break;
        default: sv_printf(t, "%c", *p < 0x20 || *p == 0x7f ? '?' : (char)*p);
        }
    }
}

pl_svgtext *pl_svgtext_begin(cairo_t *cr, double w, double h)
{
    pl_svgtext *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->cap = 4096;
    t->buf = malloc(t->cap);
    if (!t->buf) {
        free(t);
        return NULL;
    }
    t->buf[0] = 0;
    t->cr = cr;
    t->w = w;
    t->h = h;
    sv_printf(t, "<g id=\"qnnlab-text\" xml:space=\"preserve\" font-family=\"%s\" stroke=\"none\">\n", PLOT_FONT);
    svg_rec = t;
    return t;
}

void pl_svgtext_discard(pl_svgtext *t)
{
    if (!t)
        return;
    if (svg_rec == t)
        svg_rec = NULL;
    free(t->buf);
    free(t);
}

int pl_svgtext_end(pl_svgtext *t, FILE *f)
{
    if (!t)
        return -1;
    sv_printf(t, "</g>\n");
    int rc = t->oom || fwrite(t->buf, 1, t->len, f) != t->len ? -1 : 0;
    pl_svgtext_discard(t);
    return rc;
}

/* The recorder when text drawn on cr is to be recorded. */
static pl_svgtext *sv_for(cairo_t *cr)
{
    return svg_rec && svg_rec->cr == cr ? svg_rec : NULL;
}

/* Opens a <text> element for a label drawn on t->cr now: the context's
 * transform, face, colour and clip. */
static void sv_label_begin(pl_svgtext *t)
{
    cairo_t *cr = t->cr;
    char a[6][32];
    cairo_matrix_t m;
    cairo_get_matrix(cr, &m);
    /* the clip, in user units; written only when it cuts the page */
    double cx0, cy0, cx1, cy1;
    cairo_clip_extents(cr, &cx0, &cy0, &cx1, &cy1);
    double dx0 = INFINITY, dy0 = INFINITY, dx1 = -INFINITY, dy1 = -INFINITY;
    for (int k = 0; k < 4; k++) {
        double x = k & 1 ? cx1 : cx0, y = k & 2 ? cy1 : cy0;
        cairo_user_to_device(cr, &x, &y);
        dx0 = fmin(dx0, x); dy0 = fmin(dy0, y);
        dx1 = fmax(dx1, x); dy1 = fmax(dy1, y);
    }
    int clip = dx0 > 0.01 || dy0 > 0.01 || dx1 < t->w - 0.01 || dy1 < t->h - 0.01;
    if (clip) {
        t->nclip++;
        /* in the user space of the <text> that uses it (its transform
         * applies: clipPathUnits = userSpaceOnUse) */
        sv_printf(t, "<clipPath id=\"qnnlab-tc%ld\"><rect x=\"%s\" y=\"%s\" width=\"%s\" height=\"%s\"/></clipPath>\n",
                  t->nclip, sv_num(cx0, a[0], 32), sv_num(cy0, a[1], 32), sv_num(cx1 - cx0, a[2], 32),
                  sv_num(cy1 - cy0, a[3], 32));
    }
    sv_printf(t, "<text");
    if (m.xx != 1 || m.yx != 0 || m.xy != 0 || m.yy != 1 || m.x0 != 0 || m.y0 != 0)
        sv_printf(t, " transform=\"matrix(%s %s %s %s %s %s)\"", sv_num(m.xx, a[0], 32),
                  sv_num(m.yx, a[1], 32), sv_num(m.xy, a[2], 32), sv_num(m.yy, a[3], 32),
                  sv_num(m.x0, a[4], 32), sv_num(m.y0, a[5], 32));
    cairo_font_face_t *ff = cairo_get_font_face(cr);
    if (ff && cairo_font_face_get_type(ff) == CAIRO_FONT_TYPE_TOY) {
        if (cairo_toy_font_face_get_weight(ff) == CAIRO_FONT_WEIGHT_BOLD)
            sv_printf(t, " font-weight=\"bold\"");
        if (cairo_toy_font_face_get_slant(ff) != CAIRO_FONT_SLANT_NORMAL)
            sv_printf(t, " font-style=\"italic\"");
    }
    double r = 0, g = 0, b = 0, al = 1;
    if (cairo_pattern_get_rgba(cairo_get_source(cr), &r, &g, &b, &al) != CAIRO_STATUS_SUCCESS) {
        r = g = b = 0;
        al = 1;
    }
    sv_printf(t, " fill=\"#%02x%02x%02x\"", (int)lround(255 * r), (int)lround(255 * g), (int)lround(255 * b));
    if (al < 0.999)
        sv_printf(t, " fill-opacity=\"%s\"", sv_num(al, a[0], 32));
    if (clip)
        sv_printf(t, " clip-path=\"url(#qnnlab-tc%ld)\"", t->nclip);
    sv_printf(t, ">");
    t->open = 1;
}

/* One run of a label: s at (x, y) (user units, baseline) at size. */
static void sv_run(pl_svgtext *t, const char *s, double x, double y, double size)
{
    char a[3][32];
    if (!t->open)
        sv_label_begin(t);
    sv_printf(t, "<tspan x=\"%s\" y=\"%s\" font-size=\"%s\">", sv_num(x, a[0], 32), sv_num(y, a[1], 32),
              sv_num(size, a[2], 32));
    sv_text(t, s);
    sv_printf(t, "</tspan>");
}

/* A combining mark over the run just recorded (its base, a run of its
 * own): appended to that run's text, so that the SVG renderer places it
 * with the font's anchors (a mark alone in a run is drawn over a dotted
 * circle), and the text reads as the label's characters. */
static void sv_mark(pl_svgtext *t, const char *mark, double x, double y, double size)
{
    static const char close[] = "</tspan>";
    const size_t cl = sizeof close - 1;
    if (!t->open || t->oom || t->len < cl || memcmp(t->buf + t->len - cl, close, cl) != 0) {
        sv_run(t, mark, x, y, size);
        return;
    }
    t->len -= cl;
    t->buf[t->len] = 0;
    sv_text(t, mark);
    sv_printf(t, "%s", close);
}

static void sv_label_end(pl_svgtext *t)
{
    if (t->open)
        sv_printf(t, "</text>\n");
    t->open = 0;
}

/* ------------------------------------------------------------------ */
/* Text with markup                                                    */

#define SCRIPT_SCALE 0.7
#define SUP_RISE 0.42
#define SUB_DROP 0.20

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
        pl_svgtext *t = sv_for(st->cr);
        if (t) {
            sv_run(t, st->buf, st->x, st->y - st->rise, st->size);
        } else {
            cairo_move_to(st->cr, st->x, st->y - st->rise);
            cairo_show_text(st->cr, st->buf);
        }
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
        pl_svgtext *t = sv_for(st->cr);
        if (t) {
            sv_mark(t, mark, ox, oy, st->size);
        } else {
            cairo_move_to(st->cr, ox, oy);
            cairo_show_text(st->cr, mark);
        }
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
    pl_svgtext *t = draw ? sv_for(cr) : NULL;
    if (t)
        sv_label_end(t);
    tbox b;
    b.w = st.x - st.x0;
    b.asc = st.any ? st.asc : ASC_H * size;
    b.desc = st.any ? st.desc : DESC_H * size;
    return b;
}

tbox pl_text_measure(cairo_t *cr, const char *s, double size)
{
    return markup(cr, s, size, 0, 0, 0);
}

tbox pl_text_draw(cairo_t *cr, const char *s, double size, double x,
                  double y, double ha)
{
    tbox b = pl_text_measure(cr, s, size);
    markup(cr, s, size, x - ha * b.w, y, 1);
    return b;
}

void pl_font(cairo_t *cr, int bold, int italic)
{
    cairo_select_font_face(cr, PLOT_FONT,
                           italic ? CAIRO_FONT_SLANT_ITALIC
                                  : CAIRO_FONT_SLANT_NORMAL,
                           bold ? CAIRO_FONT_WEIGHT_BOLD
                                : CAIRO_FONT_WEIGHT_NORMAL);
}

int pl_nonempty(const char *s)
{
    return s && *s;
}

double plot_text(cairo_t *cr, const char *s, double size, double x, double y,
                 double ha, int bold)
{
    if (!pl_nonempty(s))
        return 0.0;
    pl_font(cr, bold, 0);
    return pl_text_draw(cr, s, size, x, y, ha).w;
}

double plot_text_width(cairo_t *cr, const char *s, double size, int bold)
{
    if (!pl_nonempty(s))
        return 0.0;
    pl_font(cr, bold, 0);
    return pl_text_measure(cr, s, size).w;
}
