/* Text with markup: ^{...} and _{...} for super- and subscripts,
 * combining marks over their base glyph, measured or drawn with cairo's
 * toy text API at a baseline; the fonts of the figure. */
#include "plot_priv.h"
#include "utf8.h"

#include <math.h>
#include <string.h>

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
