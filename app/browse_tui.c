/* `qnnlab tui --open DIR`: the sweep browser in a terminal (browse.h).
 * Left: the grid points with the sweep's statistic; right: the selected
 * point's ensemble curves as text plots (its instances faint, their mean
 * bold; a histogram over the instances when the run recorded one step
 * only) above a table of its statistics, or, after Tab, the statistic
 * against the swept key over every point with the selected one marked. */
#include "afile.h"
#include "browse.h"
#include "keys.h"
#include "tui.h"
#include "qnn/analysis.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---------------------------------------------------------------------- */
/* The curves of the loaded point (copied out of sw->one: the loader owns
 * that while the next point loads)                                       */

#define MAX_CURVES 10
#define MAX_FAINT 8

typedef struct tcurve {
    char title[160], xlabel[64], ylabel[96];
    plot_scale yscale;
    int hist;                   /* a histogram over the instances */
    size_t n;
    double *x, *y;              /* the mean (or the bins and their counts) */
    int nfaint;
    size_t fn[MAX_FAINT];
    double *fx[MAX_FAINT], *fy[MAX_FAINT];   /* instances */
} tcurve;

typedef struct tface {
    browser *b;
    tg_grid *g;                 /* the last screen composed (s saves it) */
    int list_x, list_y, list_w, list_rows;
    long cur;                   /* the point the curves are of, -1 */
    int ncurves;
    tcurve c[MAX_CURVES];
} tface;

typedef browse_field field_def;

static void curve_free(tcurve *c)
{
    free(c->x);
    free(c->y);
    for (int i = 0; i < c->nfaint; i++) {
        free(c->fx[i]);
        free(c->fy[i]);
    }
    memset(c, 0, sizeof *c);
}

static void curves_free(tface *t)
{
    for (int i = 0; i < t->ncurves; i++)
        curve_free(&t->c[i]);
    t->ncurves = 0;
    t->cur = -1;
}

/* The mean curve of field fd over the records, with up to MAX_FAINT
 * instances. 1 made, 0 nothing to show (all NaN, or one record), -1 out
 * of memory. */
static int make_curve(const qnn_run *run, const field_def *fd, tcurve *c)
{
    double *t = NULL, *mean = NULL, *se = NULL;
    size_t n = qnn_ensemble_curve(run, fd->f, &t, &mean, &se);
    free(se);
    size_t fin = 0, pos = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(mean[i])) {
            fin++;
            pos += mean[i] > 0;
        }
    if (n < 2 || fin < 2) {
        free(t);
        free(mean);
        return n == 0 && run->ninst > 0 && run->inst[0].nrec > 1 ? -1 : 0;
    }
    memset(c, 0, sizeof *c);
    c->x = t;
    c->y = mean;
    c->n = n;
    c->yscale = fd->logy && pos == fin ? PLOT_LOG : PLOT_LINEAR;
    snprintf(c->title, sizeof c->title, "%s: mean of %d", fd->name, run->ninst);
    snprintf(c->xlabel, sizeof c->xlabel, "step");
    snprintf(c->ylabel, sizeof c->ylabel, "%s", fd->name);
    for (int i = 0; i < run->ninst && c->nfaint < MAX_FAINT; i++) {
        const qnn_run_instance *ri = &run->inst[i];
        double *fx = malloc((ri->nrec ? ri->nrec : 1) * sizeof *fx), *fy = malloc((ri->nrec ? ri->nrec : 1) * sizeof *fy);
        if (!fx || !fy) {
            free(fx);
            free(fy);
            curve_free(c);
            return -1;
        }
        for (size_t r = 0; r < ri->nrec; r++) {
            fx[r] = (double)ri->rec[r].step;
            fy[r] = qnn_obs_field(&ri->rec[r], fd->f);
        }
        c->fx[c->nfaint] = fx;
        c->fy[c->nfaint] = fy;
        c->fn[c->nfaint++] = ri->nrec;
    }
    return 1;
}

/* A run that recorded one step only (steps = 0: the statistics at
 * initialisation): the distribution of field fd over the instances (none
 * for the fields of training: loss, ε, kernel change). */
static int make_hist(const qnn_run *run, const field_def *fd, tcurve *c)
{
    if (!fd->name0)
        return 0;
    memset(c, 0, sizeof *c);
    size_t nb, n;
    long step;
    int r = browse_hist(run, fd->f, &c->x, &c->y, &nb, &n, &step);
    if (r <= 0)
        return r;
    c->n = nb;
    c->hist = 1;
    c->yscale = PLOT_LINEAR;
    snprintf(c->title, sizeof c->title, "%s at step %ld: %zu instances", fd->name0, step, n);
    snprintf(c->xlabel, sizeof c->xlabel, "%s", fd->name0);
    snprintf(c->ylabel, sizeof c->ylabel, "instances");
    return 1;
}

/* A point finished loading: its curves, copied while sw->one is ours. */
static void adopt(browser *b, void *face)
{
    tface *t = face;
    curves_free(t);
    if (b->shown < 0 || !b->sw->one.points || !b->sw->one.points[0].run)
        return;
    const qnn_run *run = b->sw->one.points[0].run;
    int many = 0;
    for (int i = 0; i < run->ninst; i++)
        many |= run->inst[i].nrec > 1;
    for (size_t f = 0; f < browse_nfields && t->ncurves < MAX_CURVES; f++) {
        int r = many ? make_curve(run, &browse_fields[f], &t->c[t->ncurves]) : make_hist(run, &browse_fields[f], &t->c[t->ncurves]);
        if (r < 0) {
            snprintf(b->status, sizeof b->status, "out of memory for the curves of point %ld", b->shown + 1);
            b->status_error = 1;
            break;
        }
        t->ncurves += r;
    }
    t->cur = b->shown;
}

/* ---------------------------------------------------------------------- */
/* Drawing                                                                */

/* Text that may hold '_' (keys, statistics) as plain text. */
static int plain(tg_grid *g, int x, int y, int maxw, const char *s, int color, int attr)
{
    return tg_text(g, x, y, maxw, s, color, attr);
}

/* Right-aligned plain text ending before column xe. */
static void rtext(tg_grid *g, int xe, int y, int maxw, const char *s, int color, int attr)
{
    int w = tg_width(s, g->cs);
    if (w > maxw)
        w = maxw;
    tg_text(g, xe - w, y, maxw, s, color, attr);
}

static void panel_of_curve(tg_grid *g, const tcurve *c, int x, int y, int w, int h)
{
    plot_series ser[MAX_FAINT + 1];
    size_t ns = 0;
    for (int i = 0; i < c->nfaint; i++)
        ser[ns++] = (plot_series){c->fx[i], c->fy[i], NULL, c->fn[i], PLOT_FAINT, -1, NULL, 0, 0};
    ser[ns++] = (plot_series){c->x, c->y, NULL, c->n, c->hist ? PLOT_STEPS : PLOT_BOLD, 0,
                              c->hist ? NULL : c->nfaint ? "mean" : NULL, 0, 0};
    plot_panel p;
    memset(&p, 0, sizeof p);
    p.title = c->title;
    p.xlabel = c->xlabel;
    p.ylabel = c->hist ? c->ylabel : NULL;
    p.yscale = c->yscale;
    p.series = ser;
    p.nseries = ns;
    if (c->hist)
        p.ymin = 0, p.ymax = -1;    /* from the data */
    tg_panel(g, &p, x, y, w, h, NULL);
}

static void too_small(tg_grid *g)
{
    char t[256];
    snprintf(t, sizeof t, "qnnlab needs a terminal of at least %d x %d; this one is %d x %d. Enlarge it, or press q to quit.",
             TUI_MIN_W, TUI_MIN_H, g->w, g->h);
    int n = (int)strlen(t), per = g->w > 0 ? g->w : 1;
    for (int r = 0, o = 0; r < g->h && o < n; r++, o += per) {
        char part[512];
        snprintf(part, sizeof part, "%.*s", per, t + o);
        tg_text(g, 0, r, g->w, part, TG_DEFAULT, TG_BOLD);
    }
}

static void help_screen(tg_grid *g, browser *b)
{
    const int rows = g->h - 3;
    int maxs = (int)browse_nkey_docs - rows;
    maxs = maxs < 0 ? 0 : maxs;
    b->help_scroll = b->help_scroll > maxs ? maxs : b->help_scroll;
    tg_text(g, 1, 0, g->w - 2, "Sweep browser: keys", TG_DEFAULT, TG_BOLD);
    int kw = 0;
    for (size_t i = 0; i < browse_nkey_docs; i++) {
        int w = tg_width(browse_key_docs[i].keys, g->cs);
        kw = w > kw ? w : kw;
    }
    for (int r = 0; r < rows && (size_t)(b->help_scroll + r) < browse_nkey_docs; r++) {
        const browse_key_doc *d = &browse_key_docs[b->help_scroll + r];
        tg_text(g, 2, r + 2, kw, d->keys, 1, TG_BOLD);
        tg_text(g, 4 + kw, r + 2, g->w - 5 - kw, d->what, TG_DEFAULT, 0);
    }
    tg_fill(g, 0, g->h - 1, g->w, 1, TG_DEFAULT, TG_REVERSE);
    tg_text(g, 0, g->h - 1, g->w, " help · ↑ ↓ scroll · any other key closes ", TG_DEFAULT, TG_REVERSE);
}

static void header(tg_grid *g, const browser *b)
{
    tg_fill(g, 0, 0, g->w, 1, TG_DEFAULT, TG_REVERSE);
    char t[1200];
    const qnn_preset *ps = b->sw->preset;
    snprintf(t, sizeof t, " qnnlab · sweep %s · preset %s · %ld points × %d instances ", b->name, ps->name, b->npoints,
             b->sw->instances);
    const char *view = b->view == BROWSE_SWEEP ? " [whole sweep] " : " [point] ";
    const int vw = tg_width(view, g->cs);
    plain(g, 0, 0, g->w - vw, t, TG_DEFAULT, TG_REVERSE | TG_BOLD);
    plain(g, g->w - vw, 0, vw, view, TG_DEFAULT, TG_REVERSE);
}

static void point_list(tg_grid *g, tface *t, int x, int y, int w, int h)
{
    browser *b = t->b;
    char head[200];
    snprintf(head, sizeof head, "%s%s", b->stats[b->stat], b->nstats > 1 ? " [ ]" : "");
    plain(g, x + 1, y, 12, "point", TG_DEFAULT, TG_BOLD | TG_UNDERLINE);
    rtext(g, x + w, y, w - 8, head, TG_DEFAULT, TG_BOLD | TG_UNDERLINE);
    y++;
    h--;
    int rows = h > 1 ? h : 1;
    b->page = rows;
    browse_scroll(b, rows);
    t->list_x = x;
    t->list_y = y;
    t->list_w = w;
    t->list_rows = rows;
    for (int r = 0; r < rows && b->top + r < b->npoints; r++) {
        const long k = b->top + r;
        const int sel = k == b->sel, attr = sel ? TG_REVERSE | TG_BOLD : 0;
        if (sel)
            tg_fill(g, x, y + r, w, 1, TG_DEFAULT, attr);
        char lab[300], val[96];
        qnn_point_label(&b->sw->res, k, lab, sizeof lab);
        double m, se;
        if (browse_value(b->sw, k, b->stats[b->stat], &m, &se) == 0)
            browse_fmt_pm(val, sizeof val, m, se);
        else
            snprintf(val, sizeof val, "n/a");
        const int vw = tg_width(val, g->cs);
        tg_text(g, x, y + r, 1, sel ? (g->cs == TG_UTF8 ? "▶" : ">") : " ", TG_DEFAULT, attr);
        plain(g, x + 1, y + r, w - vw - 3, lab, TG_DEFAULT, attr);
        plain(g, x + w - vw, y + r, vw, val, sel ? TG_DEFAULT : 1, attr);
    }
    if (b->npoints > rows) {
        char s[64];
        snprintf(s, sizeof s, "%ld–%ld of %ld", b->top + 1, b->top + rows, b->npoints);
        /* on the separator's last row: where the window is in the list */
        rtext(g, x + w, y + rows, w, s, TG_GREY, 0);
    }
}

/* The selected point's statistics over its instances (no load needed). */
static void stat_table(tg_grid *g, const browser *b, int x, int y, int w, int h)
{
    const qnn_sweep *sw = b->sw;
    static const char *const head[] = {"statistic", "n", "mean ± s.e.", "median", "5 %", "95 %", "25 %", "75 %", "min", "max"};
    static const int cw[] = {16, 4, 19, 10, 10, 10, 10, 10, 10, 10};
    int ncol = 10, need = 0;
    for (int c = 0; c < ncol; c++)
        need += cw[c] + 1;
    while (ncol > 3 && need > w)
        need -= cw[--ncol] + 1;
    /* the names take what the numbers leave (they run to 22 characters) */
    int c0w = cw[0] + (w - need > 6 ? 6 : w - need > 0 ? w - need : 0);
    int cx[11];
    cx[0] = x;
    cx[1] = x + c0w + 1;
    for (int c = 1; c < ncol; c++)
        cx[c + 1] = cx[c] + cw[c] + 1;
    for (int c = 0; c < ncol; c++) {
        if (c == 0)
            plain(g, cx[0], y, c0w, head[0], TG_DEFAULT, TG_BOLD | TG_UNDERLINE);
        else
            rtext(g, cx[c + 1] - 1, y, cw[c], head[c], TG_DEFAULT, TG_BOLD | TG_UNDERLINE);
    }
    size_t nnames;
    const char *const *names = qnn_sweep_stat_names(&nnames);
    const char *show[64 + BROWSE_MAX_STATS];
    int nshow = 0;
    for (int i = 0; i < b->nstats; i++)
        show[nshow++] = b->stats[i];
    for (size_t i = 0; i < nnames && nshow < (int)(sizeof show / sizeof show[0]); i++) {
        int dup = 0;
        for (int j = 0; j < b->nstats; j++)
            dup |= !strcmp(b->stats[j], names[i]);
        const qnn_sweep_stat *st = qnn_sweep_point_stat(sw, b->sel, names[i]);
        if (!dup && st && st->n > 0)
            show[nshow++] = names[i];
    }
    int rows = h - 1, shown = nshow <= rows ? nshow : rows - 1;
    for (int r = 0; r < shown; r++) {
        const char *nm = show[r];
        const qnn_sweep_stat *st = qnn_sweep_point_stat(sw, b->sel, nm);
        char v[10][96];
        snprintf(v[0], sizeof v[0], "%s", nm);
        if (st && st->n > 0) {
            snprintf(v[1], sizeof v[1], "%ld", st->n);
            browse_fmt_pm(v[2], sizeof v[2], st->mean, st->se);
            const double q[7] = {st->median, st->q05, st->q95, st->q25, st->q75, st->min, st->max};
            for (int j = 0; j < 7; j++)
                browse_fmt(v[3 + j], sizeof v[3 + j], q[j]);
        } else {
            double m, se;
            snprintf(v[1], sizeof v[1], "%d", sw->res.points[b->sel].sum.instances);
            if (browse_value(sw, b->sel, nm, &m, &se) == 0)
                browse_fmt_pm(v[2], sizeof v[2], m, se);
            else
                snprintf(v[2], sizeof v[2], "n/a");
            for (int j = 3; j < 10; j++)
                snprintf(v[j], sizeof v[j], "-");
        }
        const int own = r < b->nstats, attr = own ? TG_BOLD : 0;
        plain(g, cx[0], y + 1 + r, c0w, v[0], TG_DEFAULT, attr);
        for (int c = 1; c < ncol; c++)
            rtext(g, cx[c + 1] - 1, y + 1 + r, cw[c], v[c], c == 2 ? 1 : TG_DEFAULT, c == 2 ? attr : 0);
    }
    if (shown < nshow) {
        char m[160];
        snprintf(m, sizeof m, "… %d more (a taller terminal shows them; all in summary.csv)", nshow - shown);
        plain(g, cx[0], y + 1 + shown, w, m, TG_GREY, 0);
    }
}

static void point_view(tg_grid *g, tface *t, int x, int y, int w, int h)
{
    browser *b = t->b;
    char lab[300], line[600];
    qnn_point_label(&b->sw->res, b->sel, lab, sizeof lab);
    snprintf(line, sizeof line, "point %ld/%ld: %s · %d instances", b->sel + 1, b->npoints, lab, b->sw->instances);
    int used = plain(g, x, y, w, line, TG_DEFAULT, TG_BOLD);
    /* the table keeps what its rows need, at most 40 % */
    size_t nnames;
    int want = 2 + b->nstats;
    const char *const *names = qnn_sweep_stat_names(&nnames);
    for (size_t i = 0; i < nnames; i++) {
        const qnn_sweep_stat *st = qnn_sweep_point_stat(b->sw, b->sel, names[i]);
        want += st && st->n > 0;
    }
    int th = (int)(0.42 * (h - 1));
    th = want < th ? want : th;
    th = th < 3 ? 3 : th;
    const int py = y + 1, ph = h - 1 - th;
    stat_table(g, b, x, y + h - th, w, th);
    if (b->failed == b->sel) {
        plain(g, x + 2, py + ph / 2, w - 4, b->status, 2, TG_BOLD);
        return;
    }
    if (t->cur != b->sel) {
        char m[400];
        double s = browse_loading_for(b);
        snprintf(m, sizeof m, "loading point %ld of %ld (%s)…", b->sel + 1, b->npoints, lab);
        if (s >= 0)
            snprintf(m + strlen(m), sizeof m - strlen(m), " %.1f s", s);
        plain(g, x + 2, py + ph / 2, w - 4, m, TG_DEFAULT, TG_BOLD);
        return;
    }
    if (t->ncurves == 0) {
        plain(g, x + 2, py + ph / 2, w - 4, "this point's run recorded nothing to plot", TG_GREY, 0);
        return;
    }
    /* as many panels as fit: two side by side from 72 columns, two rows
     * from 26 rows */
    const int cols = w >= 72 ? 2 : 1, rows = ph >= 26 ? 2 : 1;
    int np = cols * rows;
    np = np > t->ncurves ? t->ncurves : np;
    if (b->plot_first > t->ncurves - np)
        b->plot_first = t->ncurves - np;
    if (b->plot_first < 0)
        b->plot_first = 0;
    if (np < t->ncurves) {
        char s[96];
        if (np == 1)
            snprintf(s, sizeof s, "  ← → curve %d of %d", b->plot_first + 1, t->ncurves);
        else
            snprintf(s, sizeof s, "  ← → curves %d–%d of %d", b->plot_first + 1, b->plot_first + np, t->ncurves);
        plain(g, x + used, y, w - used, s, TG_GREY, 0);
    }
    const int cw = w / cols, rh = ph / (np > cols ? rows : 1);
    for (int i = 0; i < np; i++) {
        const int cx = x + (i % cols) * cw, cy = py + (i / cols) * rh;
        panel_of_curve(g, &t->c[b->plot_first + i], cx, cy, i % cols == cols - 1 ? w - (i % cols) * cw : cw - 1, rh);
    }
}

/* The statistic against the first swept key, one series per value of
 * the others, the selected point marked. */
static int sweep_view(tg_grid *g, tface *t, int x, int y, int w, int h)
{
    browser *b = t->b;
    const qnn_sweep *sw = b->sw;
    const qnn_preset *ps = sw->preset;
    const char *stat = b->stats[b->stat];
    const int nx = ps->nsweep > 0 ? ps->sweep[0].nvalues : (int)b->npoints;
    const long ng = b->npoints / (nx > 0 ? nx : 1);
    /* x: the values of the first key where they are numbers, else 1, 2 ... */
    int numeric = ps->nsweep > 0;
    for (int i = 0; i < nx && numeric; i++) {
        char *end;
        strtod(ps->sweep[0].values[i], &end);
        numeric = end != ps->sweep[0].values[i] && *end == 0;
    }
    const size_t P = (size_t)b->npoints;
    double *xs = malloc(3 * P * sizeof *xs + 2 * sizeof *xs);
    plot_series *ser = calloc((size_t)ng + 1, sizeof *ser);
    char (*labels)[128] = calloc((size_t)ng + 1, sizeof *labels);
    if (!xs || !ser || !labels) {
        free(xs);
        free(ser);
        free(labels);
        plain(g, x, y, w, "out of memory for the sweep plot", 2, TG_BOLD);
        return -1;
    }
    double *ys = xs + P, *es = ys + P, *sel = es + P;
    sel[0] = sel[1] = NAN;
    double xmin = INFINITY, xmax = -INFINITY, ymin = INFINITY, ymax = -INFINITY;
    for (long gi = 0; gi < ng; gi++) {
        for (int i = 0; i < nx; i++) {
            /* the first swept key varies slowest: point = i * ng + g */
            const long k = (long)i * ng + gi;
            const size_t o = (size_t)gi * (size_t)nx + (size_t)i;
            xs[o] = numeric ? strtod(ps->sweep[0].values[sw->res.points[k].value_index[0]], NULL) : i + 1;
            if (browse_value(sw, k, stat, &ys[o], &es[o]) != 0)
                ys[o] = es[o] = NAN;
            if (isfinite(ys[o])) {
                xmin = fmin(xmin, xs[o]);
                xmax = fmax(xmax, xs[o]);
                ymin = fmin(ymin, ys[o]);
                ymax = fmax(ymax, ys[o]);
            }
            if (k == b->sel) {
                sel[0] = xs[o];
                sel[1] = ys[o];
            }
        }
        /* the other keys' values name the series */
        size_t off = 0;
        const long k0 = gi;
        for (int s = 1; s < ps->nsweep && off < sizeof labels[0]; s++)
            off += (size_t)snprintf(labels[gi] + off, sizeof labels[0] - off, "%s%s = %s", s > 1 ? ", " : "",
                                    ps->sweep[s].key, ps->sweep[s].values[sw->res.points[k0].value_index[s]]);
        char e[128];
        browse_escape(labels[gi], e, sizeof e);
        snprintf(labels[gi], sizeof labels[0], "%s", e);
        ser[gi] = (plot_series){xs + (size_t)gi * nx, ys + (size_t)gi * nx, es + (size_t)gi * nx, (size_t)nx,
                                PLOT_LINE_POINTS, (int)(gi % 7), ng > 1 && ng <= 6 ? labels[gi] : NULL, 0, 0};
    }
    char sl[400], slab[300];
    qnn_point_label(&sw->res, b->sel, slab, sizeof slab);
    browse_escape(slab, sl, sizeof sl);
    snprintf(labels[ng], sizeof labels[0], "selected: %s", sl);
    ser[ng] = (plot_series){sel, sel + 1, NULL, 1, PLOT_POINTS, 1, labels[ng], 0, 0};
    char title[300], xl[100], yl[100];
    char se_[100];
    browse_escape(stat, se_, sizeof se_);
    browse_escape(ps->nsweep > 0 ? ps->sweep[0].key : "point", xl, sizeof xl);
    snprintf(title, sizeof title, "%s against %s%s", se_, xl, numeric ? "" : " (its values in order)");
    snprintf(yl, sizeof yl, "%s", se_);
    plot_panel p;
    memset(&p, 0, sizeof p);
    p.title = title;
    p.xlabel = xl;
    p.ylabel = yl;
    /* log axes where the values span decades */
    p.xscale = numeric && xmin > 0 && xmax >= 20 * xmin ? PLOT_LOG : PLOT_LINEAR;
    p.yscale = ymin > 0 && ymax >= 20 * ymin ? PLOT_LOG : PLOT_LINEAR;
    p.series = ser;
    p.nseries = (size_t)ng + 1;
    p.vmarks = sel;     /* a dotted line through the selected point */
    p.nvmarks = isfinite(sel[0]) ? 1 : 0;
    double m, se;
    char val[96], line[600];
    if (browse_value(sw, b->sel, stat, &m, &se) == 0)
        browse_fmt_pm(val, sizeof val, m, se);
    else
        snprintf(val, sizeof val, "n/a");
    snprintf(line, sizeof line, "whole sweep · selected point %ld/%ld: %s → %s = %s", b->sel + 1, b->npoints, slab, stat, val);
    plain(g, x, y, w, line, TG_DEFAULT, TG_BOLD);
    tg_panel(g, &p, x, y + 1, w, h - 1, NULL);
    free(xs);
    free(ser);
    free(labels);
    return 0;
}

static int compose(void *ctx, tg_grid *g)
{
    tface *t = ctx;
    browser *b = t->b;
    t->g = g;
    tg_clear(g);
    if (g->w < TUI_MIN_W || g->h < TUI_MIN_H) {
        too_small(g);
        return 0;
    }
    if (b->help) {
        help_screen(g, b);
        return 0;
    }
    header(g, b);
    int lw = g->w * 36 / 100;
    lw = lw < 30 ? 30 : lw > 52 ? 52 : lw;
    const int top = 1, bottom = g->h - 2;   /* rows top .. bottom - 1 */
    point_list(g, t, 0, top, lw, bottom - top - 1);
    for (int y = top; y < bottom; y++)
        tg_put(g, lw, y, g->cs == TG_UTF8 ? "│" : "|", TG_GREY, 0);
    const int rx = lw + 2, rw = g->w - rx;
    int rc = 0;
    if (b->view == BROWSE_SWEEP)
        rc = sweep_view(g, t, rx, top, rw, bottom - top);
    else
        point_view(g, t, rx, top, rw, bottom - top);
    /* the message line, then the keys */
    if (b->status[0])
        plain(g, 0, g->h - 2, g->w, b->status, b->status_error ? 2 : TG_DEFAULT, b->status_error ? TG_BOLD : 0);
    tg_fill(g, 0, g->h - 1, g->w, 1, TG_DEFAULT, TG_REVERSE);
    plain(g, 0, g->h - 1, g->w,
          g->w >= 110 ? " ↑↓ point · Tab point/sweep · [ ] statistic · ← → curves · e export PNG · s save screen · ? help · q quit "
                      : " ↑↓ point · Tab view · [ ] stat · ←→ curves · e PNG · s text · ? help · q quit",
          TG_DEFAULT, TG_REVERSE);
    return rc;
}

/* ---------------------------------------------------------------------- */
/* Input                                                                  */

static void save_screen(tface *t)
{
    browser *b = t->b;
    if (!t->g)
        return;
    char path[PATH_MAX + 200], err[PATH_MAX + 400];
    browse_export_path(b, "screen", "txt", path, sizeof path);
    if (tg_save(t->g, path, err, sizeof err) != 0) {
        snprintf(b->status, sizeof b->status, "cannot save the screen: %s", err);
        b->status_error = 1;
    } else {
        snprintf(b->status, sizeof b->status, "screen saved to %s", path);
        b->status_error = 0;
    }
}

/* The figure of the view as `qnnlab run` draws it (PNG). */
static void export_figure(tface *t)
{
    browser *b = t->b;
    const qnn_result *res = &b->sw->res;
    char what[48];
    if (b->view == BROWSE_SWEEP)
        snprintf(what, sizeof what, "sweep");
    else {
        if (b->loading || b->shown != b->sel) {
            snprintf(b->status, sizeof b->status, "point %ld is still loading: export it once it is shown", b->sel + 1);
            b->status_error = 1;
            return;
        }
        res = &b->sw->one;
        snprintf(what, sizeof what, "point%ld", b->sel + 1);
    }
    char path[PATH_MAX + 200], err[PATH_MAX + 400];
    browse_export_path(b, what, "png", path, sizeof path);
    afile a;
    int rc = afile_reserve(&a, path, err, sizeof err);
    if (rc == AFILE_OK && qnn_write_figure(res, 0, a.tmp, err, sizeof err) != 0) {
        afile_abort(&a);
        rc = AFILE_EIO;
    }
    if (rc == AFILE_OK)
        rc = afile_commit(&a, err, sizeof err);
    if (rc != AFILE_OK) {
        snprintf(b->status, sizeof b->status, "cannot write '%s': %s", path, err);
        b->status_error = 1;
    } else {
        snprintf(b->status, sizeof b->status, "saved %s", path);
        b->status_error = 0;
    }
}

static int key(void *ctx, int k)
{
    tface *t = ctx;
    browser *b = t->b;
    const long sel = b->sel;
    const int view = b->view, help = b->help;
    const int a = browse_key(b, k);
    if (a == BROWSE_QUIT)
        return 1;
    if (b->sel != sel || b->view != view || b->help != help)
        b->status[0] = 0;
    if (a == BROWSE_EXPORT)
        export_figure(t);
    else if (a == BROWSE_SCREENSHOT)
        save_screen(t);
    return 0;
}

static void pointer(void *ctx, int x, int y, int what)
{
    tface *t = ctx;
    browser *b = t->b;
    if (b->help) {
        b->help = 0;
        return;
    }
    if (what == QNN_POINTER_CLICK) {
        if (x >= t->list_x && x < t->list_x + t->list_w && y >= t->list_y && y < t->list_y + t->list_rows &&
            b->top + (y - t->list_y) < b->npoints)
            browse_select(b, b->top + (y - t->list_y));
    } else
        browse_key(b, what == QNN_POINTER_WHEEL_UP ? QNN_KEY_UP : QNN_KEY_DOWN);
}

static int poll_cb(void *ctx)
{
    tface *t = ctx;
    return browse_poll(t->b);
}

int qnn_browse_tui(qnn_sweep *sw, const qnn_browse_opts *o, char *err, size_t errlen)
{
    static browser b;
    static tface t;
    memset(&t, 0, sizeof t);
    t.cur = -1;
    if (browse_init(&b, sw, o->export_dir, qnn_tui_wake) != 0) {
        snprintf(err, errlen, "the sweep in '%s' has no points", sw->dir);
        return -1;
    }
    t.b = &b;
    b.face = &t;
    b.adopt = adopt;
    qnn_tui_opts to = {o->ascii, o->mono, 0, b.name};
    qnn_tui_canvas c = {&t, compose, key, pointer, poll_cb};
    int rc = qnn_tui_run_canvas(&c, &to, err, errlen);
    browse_close(&b);
    curves_free(&t);
    return rc;
}
