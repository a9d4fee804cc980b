/* Plot panels drawn with text: the terminal face's version of
 * plot_draw_panel. Curves go to a canvas of dots (braille: 2 x 4 a cell;
 * ASCII: 1 x 3) in three layers: grey (faint instances and reference
 * lines), dim (dimmed series: earlier segments, alpha < 1, and the ghosts
 * of pinned runs, dotted) and main (everything else); a cell shows the
 * topmost layer that has dots there. Histograms are bars of block
 * elements. The axis limits and ticks are the figures' own
 * (plot_panel_limits, plot_nice_ticks, plot_symlog_ticks), so a panel
 * reads the same in the window and here. */
#include "tgrid.h"
#include "plot_ticks.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAXT 16         /* ticks per axis */
#define LBL 96          /* a tick label as text */
#define TXT 512         /* a title, label or note line as text */

/* ------------------------------------------------------------------ */
/* Axes                                                                */

typedef struct {
    int log, sym;       /* PLOT_LOG; PLOT_SYMLOG with linear half-width lt */
    double lt;
    double lo, hi, t0, t1;
} tax;

/* The value on the axis scale (log10 on a log axis, the symmetric
 * logarithm of plot_ticks.h on a symlog axis). */
static double tval(const tax *a, double v)
{
    return a->log ? log10(v) : a->sym ? plot_symlog(v, a->lt) : v;
}

/* The linear half-width of a symlog axis: the panel's linthresh, or (as
 * the figures choose it without one) three decades below the largest
 * magnitude of the limits. */
static double sym_lt(const plot_panel *p, double lo, double hi)
{
    if (p->linthresh > 0 && isfinite(p->linthresh))
        return p->linthresh;
    double big = fmax(fabs(lo), fabs(hi));
    return big > 0 && isfinite(big) ? pow(10.0, floor(log10(big)) - 3.0) : 1.0;
}

static void tax_init(tax *a, double lo, double hi, plot_scale sc, double lt)
{
    a->log = sc == PLOT_LOG;
    a->sym = sc == PLOT_SYMLOG;
    a->lt = a->sym ? lt : 0;
    a->lo = lo;
    a->hi = hi;
    a->t0 = tval(a, lo);
    a->t1 = tval(a, hi);
    if (!(a->t1 > a->t0) || !isfinite(a->t1 - a->t0)) {
        /* e.g. -DBL_MAX .. DBL_MAX: keep the mapping finite */
        a->t0 = a->log ? 0 : -1;
        a->t1 = 1;
    }
}

static int valid_v(double v, int log)
{
    return isfinite(v) && (!log || v > 0);
}

/* 0..1 inside the limits; far values clamped so that dot coordinates
 * stay small integers' worth of doubles. */
static double frac_t(const tax *a, double t)
{
    double f = (t - a->t0) / (a->t1 - a->t0);
    if (isnan(f))
        return -1e6;
    return f > 1e6 ? 1e6 : f < -1e6 ? -1e6 : f;
}

static double frac(const tax *a, double v)
{
    return frac_t(a, tval(a, v));
}

/* ------------------------------------------------------------------ */
/* The dot canvas                                                      */

typedef struct {
    int aw, ah;         /* cells */
    int dpx, dpy;       /* dots a cell */
    int nx, ny;         /* dots */
    unsigned char *mainb, *greyb;   /* dot bits a cell */
    unsigned char *mcol, *mattr;    /* colour of the last main series there */
    unsigned char *dimb, *dcol;     /* the dim layer and its last colour */
    unsigned char *mark, *markcol;  /* ASCII point markers */
    unsigned char *bar, *barcol;    /* histogram bar: eighths of the cell */
} canvas;

/* The layers of the canvas, bottom to top. */
enum { L_GREY = 0, L_MAIN = 1, L_DIM = 2 };

static const unsigned char braille_bit[4][2] = {
    {0x01, 0x08}, {0x02, 0x10}, {0x04, 0x20}, {0x40, 0x80}};

static int cv_init(canvas *cv, int aw, int ah, int utf)
{
    memset(cv, 0, sizeof *cv);
    cv->aw = aw;
    cv->ah = ah;
    cv->dpx = utf ? 2 : 1;
    cv->dpy = utf ? 4 : 3;
    cv->nx = aw * cv->dpx;
    cv->ny = ah * cv->dpy;
    size_t n = (size_t)aw * (size_t)ah;
    unsigned char *m = calloc(n, 10);
    if (!m)
        return -1;
    cv->mainb = m;
    cv->greyb = m + n;
    cv->mcol = m + 2 * n;
    cv->mattr = m + 3 * n;
    cv->mark = m + 4 * n;
    cv->markcol = m + 5 * n;
    cv->bar = m + 6 * n;
    cv->barcol = m + 7 * n;
    cv->dimb = m + 8 * n;
    cv->dcol = m + 9 * n;
    return 0;
}

static void cv_free(canvas *cv)
{
    free(cv->mainb);
    cv->mainb = NULL;
}

/* A dot of layer L_GREY, L_MAIN or L_DIM. */
static void cv_dot(canvas *cv, int x, int y, int layer, int color, int attr)
{
    if (x < 0 || y < 0 || x >= cv->nx || y >= cv->ny)
        return;
    size_t c = (size_t)(y / cv->dpy) * (size_t)cv->aw + (size_t)(x / cv->dpx);
    unsigned char bit = cv->dpx == 2 ? braille_bit[y % 4][x % 2]
                                     : (unsigned char)(1u << (y % 3));
    if (layer == L_MAIN) {
        cv->mainb[c] |= bit;
        cv->mcol[c] = (unsigned char)color;
        cv->mattr[c] = (unsigned char)attr;
    } else if (layer == L_DIM) {
        cv->dimb[c] |= bit;
        cv->dcol[c] = (unsigned char)color;
    } else {
        cv->greyb[c] |= bit;
    }
}

/* Draws dots along lines, with a dash pattern kept running along the
 * dots drawn ("1111000": 4 on, 3 off). */
typedef struct {
    canvas *cv;
    int main, color, attr;  /* main: the layer (L_*) */
    const char *pat;    /* NULL: solid */
    size_t plen;
    unsigned long count;
    int thick;          /* also the dot below (bold curves) */
    int have, lx, ly;   /* the last dot drawn */
} pen;

static void pen_init(pen *p, canvas *cv, int main, int color, int attr,
                     const char *pat, int thick)
{
    memset(p, 0, sizeof *p);
    p->cv = cv;
    p->main = main;
    p->color = color;
    p->attr = attr;
    p->pat = pat;
    p->plen = pat ? strlen(pat) : 0;
    p->thick = thick;
}

static void pen_dot(pen *p, int x, int y)
{
    if (p->have && x == p->lx && y == p->ly)
        return;
    p->have = 1;
    p->lx = x;
    p->ly = y;
    if (p->plen && p->pat[p->count++ % p->plen] != '1')
        return;
    cv_dot(p->cv, x, y, p->main, p->color, p->attr);
    if (p->thick)
        cv_dot(p->cv, x, y + 1, p->main, p->color, p->attr);
}


static int rnd(double v)
{
    return (int)floor(v + 0.5);
}

/* A segment in dot coordinates (DDA), clipped to the canvas. */
static void pen_seg(pen *p, double ax, double ay, double bx, double by)
{
    const canvas *cv = p->cv;
    if (!plot_clip_segment(-0.5, -0.5, cv->nx - 0.5, cv->ny - 0.5, &ax, &ay, &bx, &by))
        return;
    double dx = bx - ax, dy = by - ay;
    int n = (int)ceil(fmax(fabs(dx), fabs(dy)));
    if (n < 1) {
        pen_dot(p, rnd(ax), rnd(ay));
        return;
    }
    for (int i = 0; i <= n; i++)
        pen_dot(p, rnd(ax + dx * i / n), rnd(ay + dy * i / n));
}

/* Data to dot coordinates. */
static double dot_x(const canvas *cv, const tax *a, double v)
{
    return frac(a, v) * (cv->nx - 1);
}

static double dot_y(const canvas *cv, const tax *a, double v)
{
    return (1 - frac(a, v)) * (cv->ny - 1);
}

static int valid_pt(const plot_series *se, size_t i, const tax *ax,
                    const tax *ay)
{
    return valid_v(se->x[i], ax->log) && valid_v(se->y[i], ay->log);
}

/* Line through the valid points, broken at invalid ones; a lone point
 * (no valid neighbour) is one dot. */
static void draw_polyline(canvas *cv, const plot_series *se, const tax *ax,
                          const tax *ay, pen *pn)
{
    int have = 0;
    double px = 0, py = 0;
    for (size_t i = 0; i < se->n; i++) {
        if (!valid_pt(se, i, ax, ay)) {
            have = 0;
            continue;
        }
        double X = dot_x(cv, ax, se->x[i]), Y = dot_y(cv, ay, se->y[i]);
        if (have)
            pen_seg(pn, px, py, X, Y);
        else if (!(i + 1 < se->n && valid_pt(se, i + 1, ax, ay)))
            pen_seg(pn, X, Y, X, Y);
        px = X;
        py = Y;
        have = 1;
    }
}

static void draw_points(canvas *cv, const plot_series *se, const tax *ax,
                        const tax *ay, int layer, int color, int attr)
{
    for (size_t i = 0; i < se->n; i++) {
        if (!valid_pt(se, i, ax, ay))
            continue;
        double X = dot_x(cv, ax, se->x[i]), Y = dot_y(cv, ay, se->y[i]);
        if (se->yerr && isfinite(se->yerr[i])) {
            double e = fabs(se->yerr[i]), y = se->y[i];
            double yt = dot_y(cv, ay, y + e);
            double yb = valid_v(y - e, ay->log) ? dot_y(cv, ay, y - e)
                                                : cv->ny + 1.0;
            pen pn;
            pen_init(&pn, cv, layer, color, attr, NULL, 0);
            pen_seg(&pn, X, yt, X, yb);
        }
        if (X < -0.5 || Y < -0.5 || X > cv->nx - 0.5 || Y > cv->ny - 0.5)
            continue;
        int dx = rnd(X), dy = rnd(Y);
        if (cv->dpx == 2) {
            /* a 2 x 2 blob inside one cell: crisp, never split */
            int x0 = dx & ~1, y0 = dy & ~1;
            for (int k = 0; k < 4; k++)
                cv_dot(cv, x0 + (k & 1), y0 + (k >> 1), layer, color, attr);
        } else if (layer != L_MAIN) {
            cv_dot(cv, dx, dy, layer, color, attr);   /* ASCII markers are the main ones' */
        } else if (dx >= 0 && dy >= 0 && dx < cv->nx && dy < cv->ny) {
            size_t c = (size_t)(dy / cv->dpy) * (size_t)cv->aw + (size_t)dx;
            cv->mark[c] = 1;
            cv->markcol[c] = (unsigned char)color;
        }
    }
}

/* The bin edges of point i of a histogram, on the axis scale: halfway
 * between neighbouring centres, outer bins mirrored; hw for a lone bin. */
static void bin_edges(const plot_series *se, size_t i, const tax *ax,
                      const tax *ay, double hw, double *l, double *r)
{
    int pv = i > 0 && valid_pt(se, i - 1, ax, ay);
    int nx = i + 1 < se->n && valid_pt(se, i + 1, ax, ay);
    double c = tval(ax, se->x[i]);
    double cp = pv ? tval(ax, se->x[i - 1]) : 0;
    double cn = nx ? tval(ax, se->x[i + 1]) : 0;
    *l = pv ? 0.5 * (cp + c) : nx ? c - 0.5 * (cn - c) : c - hw;
    *r = nx ? 0.5 * (c + cn) : pv ? c + 0.5 * (c - cp) : c + hw;
}

/* A histogram as a step outline (the earlier ones). */
static void draw_step_outline(canvas *cv, const plot_series *se,
                              const tax *ax, const tax *ay, pen *pn)
{
    double hw = 0.5 * (ax->t1 - ax->t0) / cv->aw;
    int have = 0;
    double px = 0, py = 0;
    for (size_t i = 0; i < se->n; i++) {
        if (!valid_pt(se, i, ax, ay)) {
            have = 0;
            continue;
        }
        double l, r;
        bin_edges(se, i, ax, ay, hw, &l, &r);
        double Y = dot_y(cv, ay, se->y[i]);
        double XL = frac_t(ax, l) * (cv->nx - 1), XR = frac_t(ax, r) * (cv->nx - 1);
        if (have)
            pen_seg(pn, px, py, XL, Y);
        pen_seg(pn, XL, Y, XR, Y);
        px = XR;
        py = Y;
        have = 1;
    }
}

/* A histogram as bars: each column takes the bin under its centre. Bars
 * stand on 0 on a linear axis (on the bottom when 0 is below it), on the
 * bottom of a log axis; in cells, so from the cell holding the baseline. */
static void draw_bars(canvas *cv, const plot_series *se, const tax *ax,
                      const tax *ay, int color)
{
    double hw = 0.5 * (ax->t1 - ax->t0) / cv->aw;
    double base = ay->log || ay->lo > 0 ? ay->lo : 0;
    int base_row = 0;   /* cells below the baseline's cell */
    if (base > ay->lo) {
        double f0 = frac(ay, base);
        base_row = f0 >= 1 ? cv->ah : (int)floor(f0 * cv->ah);
    }
    for (int col = 0; col < cv->aw; col++) {
        double dx = col * cv->dpx + 0.5 * (cv->dpx - 1);
        double t = ax->t0 + dx / (cv->nx > 1 ? cv->nx - 1 : 1) * (ax->t1 - ax->t0);
        double v = NAN;
        for (size_t i = 0; i < se->n; i++) {
            if (!valid_pt(se, i, ax, ay))
                continue;
            double l, r;
            bin_edges(se, i, ax, ay, hw, &l, &r);
            if (t >= fmin(l, r) && t < fmax(l, r)) {
                v = se->y[i];
                break;
            }
        }
        if (!valid_v(v, ay->log) || !(v > base))
            continue;
        double f = frac(ay, v);
        if (!(f > 0))
            continue;
        /* eighths of a cell above the bottom of the baseline's cell */
        long e = lround(fmin(f, 1.0) * cv->ah * 8) - 8 * (long)base_row;
        if (e < 1)
            e = 1;  /* above the baseline: show it */
        for (int row = cv->ah - 1 - base_row; row >= 0 && e > 0; row--) {
            size_t c = (size_t)row * (size_t)cv->aw + (size_t)col;
            cv->bar[c] = (unsigned char)(e > 8 ? 8 : e);
            cv->barcol[c] = (unsigned char)color;
            e -= 8;
        }
    }
}

static int tg_color(int palette)
{
    return palette < 0 ? TG_GREY : palette % 7 + 1;
}

/* A series drawn dimmed: an earlier segment (alpha < 1) or a pinned run. */
static int dimmed(const plot_series *se)
{
    return se->ghost || (se->alpha > 0 && se->alpha < 1);
}

/* The colour of a series: a ghost without its own colour is the
 * figures' grey-blue (here palette entry 5, sky blue). */
static int series_color(const plot_series *se)
{
    return se->ghost && se->color < 0 ? tg_color(5) : tg_color(se->color);
}

static const char *dot_glyph(const canvas *cv, unsigned bits, char buf[8])
{
    if (cv->dpx == 2) {
        buf[0] = (char)0xE2;
        buf[1] = (char)(0xA0 + (bits >> 6));
        buf[2] = (char)(0x80 + (bits & 0x3F));
        buf[3] = 0;
        return buf;
    }
    static const char *const asc[8] = {" ", "'", "-", ":", ".", ":", ":", "|"};
    return asc[bits & 7];
}

/* Copies the canvas to the grid at (ax, ay): bars over markers over main
 * dots over dim dots (dim) over grey dots (grey, dim). */
static void cv_blit(const canvas *cv, tg_grid *g, int ax, int ay)
{
    static const char *const blocks[8] = {
        "\xE2\x96\x81", "\xE2\x96\x82", "\xE2\x96\x83", "\xE2\x96\x84",
        "\xE2\x96\x85", "\xE2\x96\x86", "\xE2\x96\x87", "\xE2\x96\x88"};
    const int utf = cv->dpx == 2;
    char buf[8];
    for (int r = 0; r < cv->ah; r++)
        for (int k = 0; k < cv->aw; k++) {
            size_t c = (size_t)r * (size_t)cv->aw + (size_t)k;
            if (cv->bar[c])
                tg_put(g, ax + k, ay + r,
                       utf ? blocks[cv->bar[c] - 1] : cv->bar[c] >= 4 ? "#" : "_",
                       cv->barcol[c], 0);
            else if (cv->mark[c])
                tg_put(g, ax + k, ay + r, "o", cv->markcol[c], 0);
            else if (cv->mainb[c])
                tg_put(g, ax + k, ay + r, dot_glyph(cv, cv->mainb[c], buf),
                       cv->mcol[c], cv->mattr[c]);
            else if (cv->dimb[c])
                tg_put(g, ax + k, ay + r, dot_glyph(cv, cv->dimb[c], buf),
                       cv->dcol[c], TG_DIM);
            else if (cv->greyb[c])
                tg_put(g, ax + k, ay + r, dot_glyph(cv, cv->greyb[c], buf),
                       TG_GREY, TG_DIM);
        }
}

/* ------------------------------------------------------------------ */
/* Ticks                                                               */

typedef struct {
    size_t n;
    double v[MAXT];
    int pos[MAXT];      /* row (y) or column (x) in the area */
    int show[MAXT];     /* label drawn */
    char lbl[MAXT][LBL];
    int lw[MAXT];
} ticks;

static void make_ticks(ticks *t, const tax *a, size_t max, int ndots,
                       int dpc, int is_y, tg_charset cs)
{
    double raw[MAXT];
    char lab[MAXT][PLOT_TICK_LABEL_MAX];
    if (max > MAXT)
        max = MAXT;
    size_t n;
    if (a->sym) {
        n = plot_symlog_ticks(a->lo, a->hi, a->lt, raw, max);
        plot_symlog_labels(raw, n, &lab[0][0], PLOT_TICK_LABEL_MAX);
    } else {
        n = plot_nice_ticks(a->lo, a->hi, a->log, raw, max);
        plot_tick_labels(raw, n, a->log, &lab[0][0], PLOT_TICK_LABEL_MAX);
    }
    t->n = 0;
    for (size_t i = 0; i < n; i++) {
        double f = frac(a, raw[i]);
        if (f < -1e-9 || f > 1 + 1e-9)
            continue;
        int d = rnd((is_y ? 1 - f : f) * (ndots - 1));
        if (d < 0)
            d = 0;
        if (d > ndots - 1)
            d = ndots - 1;
        size_t k = t->n++;
        t->v[k] = raw[i];
        t->pos[k] = d / dpc;
        t->show[k] = 1;
        tg_markup(lab[i], t->lbl[k], LBL, cs);
        t->lw[k] = tg_width(t->lbl[k], cs);
    }
}

/* Rows of the y tick labels at least `mind` apart? */
static int y_fits(const ticks *t, int mind)
{
    for (size_t i = 1; i < t->n; i++)
        if (abs(t->pos[i] - t->pos[i - 1]) < mind)
            return 0;
    return 1;
}

/* The order in which the labels of a symlog axis claim their place: 0,
 * then from the ends inwards (the ±linthresh ticks beside 0 give way
 * first: fewer ticks would not drop them, plot_symlog_ticks keeps them). */
static size_t sym_order(const ticks *t, size_t *ord)
{
    size_t n = 0;
    for (size_t i = 0; i < t->n; i++)
        if (t->v[i] == 0)
            ord[n++] = i;
    for (size_t a = 0, b = t->n; a < b;) {
        if (t->v[a] != 0)
            ord[n++] = a;
        a++;
        if (a < b && t->v[b - 1] != 0)
            ord[n++] = b - 1;
        b--;
    }
    return n;
}

static void y_ticks(ticks *t, const tax *a, int ah, int dpy, tg_charset cs)
{
    int mind = ah >= 8 ? 2 : 1;
    size_t max = 8;
    make_ticks(t, a, max, ah * dpy, dpy, 1, cs);
    if (a->sym) {
        /* every tick mark; the labels that have room, in sym_order */
        size_t ord[MAXT], n = sym_order(t, ord);
        for (size_t i = 0; i < t->n; i++)
            t->show[i] = 0;
        for (size_t k = 0; k < n; k++) {
            size_t i = ord[k];
            int ok = 1;
            for (size_t j = 0; j < t->n && ok; j++)
                ok = !t->show[j] || abs(t->pos[j] - t->pos[i]) >= mind;
            t->show[i] = ok;
        }
        return;
    }
    while (t->n > 2 && !y_fits(t, mind)) {
        max = t->n - 1;
        make_ticks(t, a, max, ah * dpy, dpy, 1, cs);
    }
    /* still crowded (a tiny area): labels only where they fit */
    int last = -1000;
    for (size_t i = 0; i < t->n; i++) {
        t->show[i] = abs(t->pos[i] - last) >= mind;
        if (t->show[i])
            last = t->pos[i];
    }
}

/* Places the x tick labels (start columns in st, relative to the
 * rectangle); 1 when none had to be dropped. */
static int x_place(ticks *t, int ax, int w, int *st)
{
    int ok = 1, end = -1000;
    for (size_t i = 0; i < t->n; i++) {
        int s = ax + t->pos[i] - t->lw[i] / 2;
        if (s + t->lw[i] > w)
            s = w - t->lw[i];
        if (s < 0)
            s = 0;
        st[i] = s;
        t->show[i] = s >= end + 2 && t->lw[i] <= w;
        if (t->show[i])
            end = s + t->lw[i];
        else
            ok = 0;
    }
    return ok;
}

static void x_ticks(ticks *t, const tax *a, int ax, int aw, int dpx, int w,
                    int *st, tg_charset cs)
{
    size_t max = 8;
    if (a->sym) {
        /* about one label in 7 columns; the labels that have room, in
         * sym_order, the tick marks all */
        max = (size_t)(aw / 7 < 3 ? 3 : aw / 7 > 8 ? 8 : aw / 7);
        make_ticks(t, a, max, aw * dpx, dpx, 0, cs);
        x_place(t, ax, w, st);
        size_t ord[MAXT], n = sym_order(t, ord);
        for (size_t i = 0; i < t->n; i++)
            t->show[i] = 0;
        for (size_t k = 0; k < n; k++) {
            size_t i = ord[k];
            int ok = t->lw[i] <= w;
            for (size_t j = 0; j < t->n && ok; j++)
                ok = !t->show[j] || st[i] + t->lw[i] + 2 <= st[j] || st[j] + t->lw[j] + 2 <= st[i];
            t->show[i] = ok;
        }
        return;
    }
    make_ticks(t, a, max, aw * dpx, dpx, 0, cs);
    while (t->n > 2 && !x_place(t, ax, w, st)) {
        max = t->n - 1;
        make_ticks(t, a, max, aw * dpx, dpx, 0, cs);
    }
    x_place(t, ax, w, st);
}

/* ------------------------------------------------------------------ */
/* Legend                                                              */

static const char *sample(plot_style s, int utf)
{
    switch (s) {
    case PLOT_BOLD: return utf ? "\xE2\x94\x81\xE2\x94\x81" : "==";
    case PLOT_DASHED: return utf ? "\xE2\x95\x8C\xE2\x95\x8C" : "- ";
    case PLOT_DOTTED: return utf ? "\xE2\x94\x84\xE2\x94\x84" : "..";
    case PLOT_POINTS: return utf ? "\xE2\x80\xA2\xE2\x80\xA2" : "oo";
    case PLOT_LINE_POINTS: return utf ? "\xE2\x94\x80\xE2\x80\xA2" : "-o";
    case PLOT_STEPS: return utf ? "\xE2\x96\x86\xE2\x96\x86" : "##";
    case PLOT_FAINT:
    case PLOT_LINE:
    default: return utf ? "\xE2\x94\x80\xE2\x94\x80" : "--";
    }
}

static int nonempty(const char *s)
{
    return s && *s;
}

/* The series shown in the legend: labelled, first of their label. */
static size_t legend_list(const plot_panel *p, size_t *idx, size_t max)
{
    size_t n = 0;
    for (size_t s = 0; p->series && s < p->nseries && n < max; s++) {
        if (!nonempty(p->series[s].label))
            continue;
        int dup = 0;
        for (size_t k = 0; k < n && !dup; k++)
            dup = strcmp(p->series[idx[k]].label, p->series[s].label) == 0;
        if (!dup)
            idx[n++] = s;
    }
    return n;
}

/* Lays out (draw = 0: only counts the rows) the legend entries from
 * column x, `rows` rows at most, w columns; returns the rows used. */
static int legend(tg_grid *g, const plot_panel *p, const size_t *idx,
                  size_t n, int x, int y, int w, int rows, int draw)
{
    const int utf = g->cs == TG_UTF8;
    int row = 0, pos = 0;
    char lab[TXT];
    for (size_t k = 0; k < n; k++) {
        const plot_series *se = &p->series[idx[k]];
        tg_markup(se->label, lab, sizeof lab, g->cs);
        int ew = 3 + tg_width(lab, g->cs);
        int gap = pos > 0 ? 2 : 0;
        if (pos + gap + ew > w && pos > 0 && row + 1 < rows) {
            row++;
            pos = 0;
            gap = 0;
        }
        int room = w - pos - gap;
        if (room < 4) {
            /* no room for this one: say that there is more */
            if (draw && w - pos >= 1)
                tg_text(g, x + (pos + 1 < w ? pos + 1 : pos), y + row, 1,
                        utf ? "\xE2\x80\xA6" : "~", TG_DEFAULT, 0);
            break;
        }
        if (draw) {
            int color = series_color(se);
            int attr = se->style == PLOT_FAINT || dimmed(se) ? TG_DIM
                       : se->style == PLOT_BOLD ? TG_BOLD : 0;
            if (se->style == PLOT_FAINT)
                color = TG_GREY;
            int sx = x + pos + gap;
            /* a ghost's sample is dotted, as its curve */
            const char *smp = se->ghost ? (utf ? "\xE2\x94\x88\xE2\x94\x88" : ": ")
                                        : sample(se->style, utf);
            tg_text(g, sx, y + row, 2, smp, color, attr);
            tg_text(g, sx + 3, y + row, room - 3, lab, TG_DEFAULT, 0);
        }
        pos += gap + (ew < room ? ew : room);
        if (ew > room)
            break;
    }
    return n ? row + 1 : 0;
}

/* ------------------------------------------------------------------ */
/* The panel                                                           */

typedef struct {
    int T;              /* title rows (1, or 2 for a long title) */
    int L;              /* legend rows */
    int xlrow;          /* the x label has a row of its own */
    int ah, aw, ax, ay; /* the area, relative to the rectangle */
    int yw;             /* y tick label columns */
    int xl_at;          /* the x label's column on the tick row, -1: none */
    ticks yt, xt;
    int xst[MAXT];
} layout;

/* Where the x label goes on the tick label row: the free place nearest
 * to the centre of the area, or -1. */
static int xlabel_spot(const layout *lo, int w, int xw)
{
    if (xw <= 0 || xw > w)
        return -1;
    int c = lo->ax + (lo->aw - xw) / 2;
    for (int d = 0; d <= w; d++)
        for (int sgn = 0; sgn < 2; sgn++) {
            int s = sgn ? c - d : c + d;
            if (s < 0 || s + xw > w)
                continue;
            int ok = 1;
            for (size_t i = 0; i < lo->xt.n && ok; i++)
                if (lo->xt.show[i] && s - 3 < lo->xst[i] + lo->xt.lw[i] &&
                    lo->xst[i] < s + xw + 3)
                    ok = 0;
            if (ok)
                return s;
        }
    return -1;
}

static void do_layout(layout *lo, int w, int h, int T, int L, int xlrow,
                      const tax *ax, const tax *ay, int xw, tg_charset cs)
{
    const int dpx = cs == TG_UTF8 ? 2 : 1, dpy = cs == TG_UTF8 ? 4 : 3;
    lo->T = T;
    lo->L = L;
    lo->xlrow = xlrow;
    lo->ay = T;
    lo->ah = h - 2 - T - L - xlrow;
    y_ticks(&lo->yt, ay, lo->ah, dpy, cs);
    int yw = 0;
    for (size_t i = 0; i < lo->yt.n; i++)
        if (lo->yt.show[i] && lo->yt.lw[i] > yw)
            yw = lo->yt.lw[i];
    if (yw > w / 3)
        yw = w / 3;
    lo->yw = yw;
    lo->ax = yw + 1;
    lo->aw = w - lo->ax - 1;
    x_ticks(&lo->xt, ax, lo->ax, lo->aw, dpx, w, lo->xst, cs);
    lo->xl_at = xlrow ? -1 : xlabel_spot(lo, w, xw);
}

/* The note box: its lines and where it goes in the area (relative to
 * the area; nl = 0: none). */
typedef struct {
    char lines[8][TXT];
    int nl, bx, by, bw;
} notebox;

static void note_measure(notebox *nb, const plot_panel *p, int aw, int ah,
                         tg_charset cs)
{
    nb->nl = 0;
    if (!nonempty(p->note) || aw < 4 || ah < 1)
        return;
    char (*lines)[TXT] = nb->lines;
    int nl = 0, wmax = 0;
    for (const char *s = p->note; nl < 8 && nl < ah;) {
        const char *e = strchr(s, '\n');
        size_t len = e ? (size_t)(e - s) : strlen(s);
        char raw[TXT];
        if (len >= sizeof raw)
            len = sizeof raw - 1;
        memcpy(raw, s, len);
        raw[len] = 0;
        tg_markup(raw, lines[nl], TXT, cs);
        int lw = tg_width(lines[nl], cs);
        if (lw > wmax)
            wmax = lw;
        nl++;
        if (!e)
            break;
        s = e + 1;
    }
    int bw = wmax + 2 > aw ? aw : wmax + 2;
    int right = p->note_corner == PLOT_UPPER_RIGHT || p->note_corner == PLOT_LOWER_RIGHT;
    int upper = p->note_corner == PLOT_UPPER_LEFT || p->note_corner == PLOT_UPPER_RIGHT;
    nb->nl = nl;
    nb->bw = bw;
    nb->bx = right ? aw - bw : 0;
    nb->by = upper ? 0 : ah - nl;
}

/* The note's lines, in its corner of the area (at ax, ay), over cleared
 * cells. */
static void draw_note(tg_grid *g, const notebox *nb, int ax, int ay)
{
    if (nb->nl <= 0)
        return;
    tg_fill(g, ax + nb->bx, ay + nb->by, nb->bw, nb->nl, TG_DEFAULT, 0);
    for (int i = 0; i < nb->nl; i++)
        tg_text(g, ax + nb->bx + 1, ay + nb->by + i, nb->bw - 2 > 0 ? nb->bw - 2 : 1,
                nb->lines[i], TG_DEFAULT, 0);
}

/* Labels of the vertical markers ("η 0.002 → 0.005"): in the top rows of
 * the area (the second row where the first is taken and the area has 6
 * rows or more), right of the marker's column, or ending left of it
 * where there is no room on the right. The later markers go first; a
 * label stops short of one already placed, of another marker's line and
 * of the note box, cut with "…" at a character; one with fewer than 6
 * columns (or its whole text) left is left out. */
static void vmark_labels(tg_grid *g, const plot_panel *p, const canvas *cv,
                         const tax *ax, const notebox *nb, int AX, int AY)
{
    if (!p->vmarks || !p->vmark_labels || p->nvmarks == 0 || cv->aw < 8)
        return;
    const int rows = cv->ah >= 6 ? 2 : 1, aw = cv->aw;
    unsigned char *occ = calloc((size_t)rows, (size_t)aw);   /* taken cells */
    if (!occ)
        return;
    for (int r = 0; r < rows && nb->nl > 0; r++)
        if (r >= nb->by && r < nb->by + nb->nl)
            memset(occ + (size_t)r * aw + nb->bx, 1, (size_t)nb->bw);
    /* no label crosses another marker's line: it would read as that
     * marker's */
    for (size_t j = 0; j < p->nvmarks; j++) {
        double v = p->vmarks[j];
        double f = valid_v(v, ax->log) ? frac(ax, v) : -1;
        if (f < 0 || f > 1)
            continue;
        const int col = rnd(f * (cv->nx - 1)) / cv->dpx;
        for (int r = 0; r < rows; r++)
            occ[(size_t)r * aw + col] = 1;
    }
    for (size_t j = p->nvmarks; j-- > 0;) {
        double v = p->vmarks[j];
        if (!valid_v(v, ax->log) || !nonempty(p->vmark_labels[j]))
            continue;
        double f = frac(ax, v);
        if (f < 0 || f > 1)
            continue;
        const int col = rnd(f * (cv->nx - 1)) / cv->dpx;
        char lab[TXT];
        tg_markup(p->vmark_labels[j], lab, sizeof lab, g->cs);
        const int lw = tg_width(lab, g->cs);
        if (lw < 1)
            continue;
        const int need = lw < 6 ? lw : 6;
        /* in order: row 0 right, row 0 left, row 1 right, row 1 left; the
         * first where it fits whole, else the widest */
        int best_w = 0, best_s = 0, best_r = 0;
        for (int r = 0; r < rows && best_w < lw; r++)
            for (int side = 0; side < 2 && best_w < lw; side++) {
                const unsigned char *o = occ + (size_t)r * aw;
                int w = 0;
                if (!side)
                    while (w < lw && col + 1 + w < aw && !o[col + 1 + w])
                        w++;
                else
                    while (w < lw && col - 1 - w >= 0 && !o[col - 1 - w])
                        w++;
                if (w >= need && w > best_w) {
                    best_w = w;
                    best_s = side ? col - w : col + 1;
                    best_r = r;
                }
            }
        if (best_w < need)
            continue;
        tg_text(g, AX + best_s, AY + best_r, best_w, lab, TG_GREY, 0);
        /* taken, with a free column on each side */
        int a = best_s - 1 < 0 ? 0 : best_s - 1, b = best_s + best_w + 1 > aw ? aw : best_s + best_w + 1;
        memset(occ + (size_t)best_r * aw + a, 1, (size_t)(b - a));
    }
    free(occ);
}

/* Cells of curves (main layer, bars, markers) under columns x0 .. aw-1
 * of row r. */
static int covered(const canvas *cv, int r, int x0)
{
    int n = 0;
    for (int k = x0 < 0 ? 0 : x0; k < cv->aw; k++) {
        size_t c = (size_t)r * (size_t)cv->aw + (size_t)k;
        n += cv->mainb[c] || cv->dimb[c] || cv->bar[c] || cv->mark[c];
    }
    return n;
}

/* Labels of the reference lines, right-aligned inside the area on their
 * row, or on the row above or below when that hides fewer curve cells or
 * another label is there. */
static void hline_labels(tg_grid *g, const plot_panel *p, const canvas *cv,
                         const tax *ay, int ax, int ayr)
{
    int used[8], nu = 0;
    for (size_t i = 0; p->hlines && p->hline_labels && i < p->nhlines; i++) {
        double v = p->hlines[i];
        if (!valid_v(v, ay->log) || !nonempty(p->hline_labels[i]))
            continue;
        double f = frac(ay, v);
        if (f < 0 || f > 1)
            continue;
        char lab[TXT];
        tg_markup(p->hline_labels[i], lab, sizeof lab, g->cs);
        int lw = tg_width(lab, g->cs), maxw = 2 * cv->aw / 3;
        if (lw > maxw)
            lw = maxw;
        if (lw < 1)
            continue;
        int row = rnd((1 - f) * (cv->ny - 1)) / cv->dpy, at = -1, best = 0;
        static const int tries[3] = {0, -1, 1};
        for (int t = 0; t < 3; t++) {
            int r = row + tries[t], clash = r < 0 || r >= cv->ah;
            for (int k = 0; k < nu && !clash; k++)
                clash = used[k] == r;
            if (clash)
                continue;
            int cov = covered(cv, r, cv->aw - lw - 1);
            if (at < 0 || cov < best) {
                at = r;
                best = cov;
            }
        }
        if (at < 0)
            continue;
        if (nu < 8)
            used[nu++] = at;
        int x0 = ax + cv->aw - lw;
        tg_put(g, x0 - 1, ayr + at, " ", TG_DEFAULT, 0);
        tg_text(g, x0, ayr + at, lw, lab, TG_GREY, TG_DIM);
    }
}

/* One series into the canvas. Dimmed ones go to the dim layer, thin and
 * without the bold's second row; a ghost is dotted whatever its style. */
static void draw_series(canvas *cv, const plot_series *se, const tax *ax,
                        const tax *ay, int bars)
{
    const int utf = cv->dpx == 2;
    const int dim = dimmed(se), layer = dim ? L_DIM : L_MAIN;
    const int color = series_color(se);
    const int attr = dim ? TG_DIM : se->style == PLOT_BOLD ? TG_BOLD : 0;
    const char *ghost_pat = utf ? "1100" : "10";
    pen pn;
    if (se->style == PLOT_FAINT) {
        pen_init(&pn, cv, L_GREY, 0, 0, NULL, 0);
        draw_polyline(cv, se, ax, ay, &pn);
        return;
    }
    if (se->style == PLOT_POINTS || se->style == PLOT_LINE_POINTS) {
        if (se->style == PLOT_LINE_POINTS) {
            pen_init(&pn, cv, layer, color, attr, se->ghost ? ghost_pat : NULL, 0);
            draw_polyline(cv, se, ax, ay, &pn);
        }
        draw_points(cv, se, ax, ay, layer, color, attr);
        return;
    }
    if (se->style == PLOT_STEPS) {
        if (bars) {
            draw_bars(cv, se, ax, ay, color);
        } else {
            pen_init(&pn, cv, layer, color, attr, se->ghost ? ghost_pat : NULL, 0);
            draw_step_outline(cv, se, ax, ay, &pn);
        }
        return;
    }
    const char *pat = NULL;
    if (se->ghost || se->style == PLOT_DOTTED)
        pat = se->style == PLOT_DOTTED ? (utf ? "100" : "10") : ghost_pat;
    else if (se->style == PLOT_DASHED)
        pat = utf ? "1111000" : "11100";
    pen_init(&pn, cv, layer, color, attr, pat, se->style == PLOT_BOLD && !dim && utf);
    draw_polyline(cv, se, ax, ay, &pn);
}

static void draw_data(canvas *cv, const plot_panel *p, const tax *ax,
                      const tax *ay)
{
    const int utf = cv->dpx == 2;
    pen pn;
    /* reference lines under everything, in the grey layer */
    for (size_t i = 0; p->vmarks && i < p->nvmarks; i++) {
        double v = p->vmarks[i];
        if (!valid_v(v, ax->log))
            continue;
        double f = frac(ax, v);
        if (f < 0 || f > 1)
            continue;
        pen_init(&pn, cv, L_GREY, 0, 0, utf ? "10" : "101", 0);
        double X = f * (cv->nx - 1);
        pen_seg(&pn, X, 0, X, cv->ny - 1);
    }
    for (size_t i = 0; p->hlines && i < p->nhlines; i++) {
        double v = p->hlines[i];
        if (!valid_v(v, ay->log))
            continue;
        double f = frac(ay, v);
        if (f < 0 || f > 1)
            continue;
        pen_init(&pn, cv, L_GREY, 0, 0, utf ? "1110" : "110", 0);
        double Y = (1 - f) * (cv->ny - 1);
        pen_seg(&pn, 0, Y, cv->nx - 1, Y);
    }
    /* the last histogram drawn in full gets the bars (dimmed ones and
     * ghosts are outlines) */
    long last_steps = -1;
    for (size_t s = 0; p->series && s < p->nseries; s++)
        if (p->series[s].style == PLOT_STEPS && p->series[s].x && p->series[s].y &&
            !dimmed(&p->series[s]))
            last_steps = (long)s;
    /* ghosts first, then the dimmed series, then the others: a cell of
     * several curves takes the colour of the last drawn */
    for (int pass = 0; pass < 3; pass++)
        for (size_t s = 0; p->series && s < p->nseries; s++) {
            const plot_series *se = &p->series[s];
            if (!se->x || !se->y || se->n == 0)
                continue;
            int want = se->ghost ? 0 : dimmed(se) ? 1 : 2;
            if (want == pass)
                draw_series(cv, se, ax, ay, (long)s == last_steps);
        }
}

/* Where a title longer than w columns breaks: the byte offset of the last
 * space at which the part before it fits in w columns (0: none). */
static size_t title_break(const char *t, int w, tg_charset cs)
{
    size_t best = 0;
    char part[TXT];
    for (size_t i = 1; t[i] && i < sizeof part; i++) {
        if (t[i] != ' ')
            continue;
        memcpy(part, t, i);
        part[i] = 0;
        if (tg_width(part, cs) > w)
            break;
        best = i;
    }
    return best;
}

/* The title rows: the bold title (on two rows when it is longer than the
 * panel is wide and the panel has the rows: broken at a space, the rest
 * cut with "…" only when even two rows are too short), then the y label
 * after it where it fits: "[|ε(t)|]", a label with its own brackets as
 * it is, none when the title says it already. Returns the rows used. */
static int title_rows(tg_grid *g, const char *title, const char *ylab, int x, int y,
                      int w, int h, int draw)
{
    int rows = 1;
    char first[TXT];
    const char *last = title;   /* the row the y label follows */
    size_t br = 0;
    if (tg_width(title, g->cs) > w && w >= 20 && h >= 12)
        br = title_break(title, w, g->cs);
    if (br > 0) {
        memcpy(first, title, br);
        first[br] = 0;
        last = title + br + 1;
        rows = 2;
        if (draw)
            tg_text(g, x, y, w, first, TG_DEFAULT, TG_BOLD);
    }
    if (!draw)
        return rows;
    const int ty = y + rows - 1;
    int tw = tg_text(g, x, ty, w, last, TG_DEFAULT, TG_BOLD);
    if (w < 20 || h < 6)
        return rows;
    if (ylab[0] && !strstr(title, ylab)) {
        int off = tw > 0 ? tw + 3 : 0, brk = strchr(ylab, '[') == NULL;
        if (off + tg_width(ylab, g->cs) + 2 * brk <= w) {
            if (brk)
                tg_text(g, x + off, ty, 1, "[", TG_DEFAULT, TG_DIM);
            int n = tg_text(g, x + off + brk, ty, w - off - brk, ylab, TG_DEFAULT, TG_DIM);
            if (brk)
                tg_text(g, x + off + 1 + n, ty, 1, "]", TG_DEFAULT, TG_DIM);
        }
    }
    return rows;
}

void tg_panel(tg_grid *g, const plot_panel *p, int x, int y, int w, int h, tg_geom *geom)
{
    if (geom)
        memset(geom, 0, sizeof *geom);
    if (w <= 0 || h <= 0)
        return;
    tg_fill(g, x, y, w, h, TG_DEFAULT, 0);
    if (!p)
        return;
    const int utf = g->cs == TG_UTF8;
    char title[TXT], ylab[TXT], xlab[TXT];
    tg_markup(p->title, title, sizeof title, g->cs);
    tg_markup(p->ylabel, ylab, sizeof ylab, g->cs);
    tg_markup(p->xlabel, xlab, sizeof xlab, g->cs);

    const int T = title_rows(g, title, ylab, x, y, w, h, 1);
    if (w < 20 || h < 6)
        return;

    double xlo, xhi, ylo, yhi;
    plot_panel_limits(p, &xlo, &xhi, &ylo, &yhi);
    tax axx, axy;
    tax_init(&axx, xlo, xhi, p->xscale, sym_lt(p, xlo, xhi));
    tax_init(&axy, ylo, yhi, p->yscale, sym_lt(p, ylo, yhi));

    /* rows: title, area, axis, tick labels, [x label], legend */
    size_t idx[64];
    size_t nleg = legend_list(p, idx, 64);
    int L = legend(g, p, idx, nleg, 0, 0, w, 2, 0);
    if (h - 2 - T - L < 2)
        L = h - 2 - T - 2;
    if (L < 0)
        L = 0;
    int xw = tg_width(xlab, g->cs);
    layout lo;
    do_layout(&lo, w, h, T, L, 0, &axx, &axy, xw, g->cs);
    if (xw > 0 && lo.xl_at < 0 && lo.ah >= 10)
        do_layout(&lo, w, h, T, L, 1, &axx, &axy, xw, g->cs);
    const int AX = x + lo.ax, AY = y + lo.ay, AW = lo.aw, AH = lo.ah;

    /* axes and tick labels */
    const char *vline = utf ? "\xE2\x94\x82" : "|", *ytick = utf ? "\xE2\x94\xA4" : "+";
    const char *hline = utf ? "\xE2\x94\x80" : "-", *xtick = utf ? "\xE2\x94\xAC" : "+";
    const char *corner = utf ? "\xE2\x94\x94" : "+";
    for (int r = 0; r < AH; r++)
        tg_put(g, AX - 1, AY + r, vline, TG_DEFAULT, 0);
    for (int k = 0; k < AW; k++)
        tg_put(g, AX + k, AY + AH, hline, TG_DEFAULT, 0);
    tg_put(g, AX - 1, AY + AH, corner, TG_DEFAULT, 0);
    for (size_t i = 0; i < lo.yt.n; i++) {
        tg_put(g, AX - 1, AY + lo.yt.pos[i], ytick, TG_DEFAULT, 0);
        if (!lo.yt.show[i])
            continue;
        int lw = lo.yt.lw[i] < lo.yw ? lo.yt.lw[i] : lo.yw;
        tg_text(g, AX - 1 - lw, AY + lo.yt.pos[i], lo.yw, lo.yt.lbl[i], TG_DEFAULT, 0);
    }
    for (size_t i = 0; i < lo.xt.n; i++) {
        tg_put(g, AX + lo.xt.pos[i], AY + AH, xtick, TG_DEFAULT, 0);
        if (lo.xt.show[i])
            tg_text(g, x + lo.xst[i], AY + AH + 1, lo.xt.lw[i], lo.xt.lbl[i], TG_DEFAULT, 0);
    }
    if (lo.xl_at >= 0)
        tg_text(g, x + lo.xl_at, AY + AH + 1, xw, xlab, TG_DEFAULT, 0);
    else if (lo.xlrow) {
        int s = lo.ax + (AW - xw) / 2;
        if (s + xw > w)
            s = w - xw;
        if (s < 0)
            s = 0;
        tg_text(g, x + s, AY + AH + 2, w - s, xlab, TG_DEFAULT, 0);
    }
    legend(g, p, idx, nleg, x, y + h - lo.L, w, lo.L, 1);

    /* the data */
    notebox nb;
    note_measure(&nb, p, AW, AH, g->cs);
    canvas cv;
    if (cv_init(&cv, AW, AH, utf) == 0) {
        draw_data(&cv, p, &axx, &axy);
        cv_blit(&cv, g, AX, AY);
        hline_labels(g, p, &cv, &axy, AX, AY);
        vmark_labels(g, p, &cv, &axx, &nb, AX, AY);
        cv_free(&cv);
    }
    draw_note(g, &nb, AX, AY);

    if (geom) {
        geom->drawn = 1;
        geom->ax = AX;
        geom->ay = AY;
        geom->aw = AW;
        geom->ah = AH;
        geom->xlo = xlo;
        geom->xhi = xhi;
        geom->ylo = ylo;
        geom->yhi = yhi;
    }
}

int tg_pair_split(const plot_panel *a, const plot_panel *b, int w, tg_charset cs)
{
    const int half = w / 2;
    char t[TXT];
    tg_markup(a && a->title ? a->title : "", t, sizeof t, cs);
    const int ta = tg_width(t, cs);
    tg_markup(b && b->title ? b->title : "", t, sizeof t, cs);
    const int tb = tg_width(t, cs);
    if (ta <= half - 1 && tb <= w - half)
        return half;
    /* the first panel is w0 - 1 columns, the second w - w0 */
    int lo = ta + 1, hi = w - tb;       /* w0 in [lo, hi]: both whole */
    lo = lo < 21 ? 21 : lo;
    hi = hi > w - 20 ? w - 20 : hi;
    if (lo > hi)
        return half;
    return half < lo ? lo : half > hi ? hi : half;
}
