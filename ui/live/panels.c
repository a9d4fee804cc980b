/* The plot panels of the live faces, built from a session snapshot and a
 * view (live.h: live_view): the error, the kernel now and over time, the
 * entropy (or trace distance) and the Hessian spectrum. Both faces draw
 * these panels (the window with cairo, the terminal with text) and the
 * export writes them: what the panels show is decided here once.
 *
 * Segments (issue 23): the history is cut at every marker. A time series
 * is copied with a NaN between the records of two segments, so nothing is
 * joined across a marker; each segment's reference lines (K̄, ln D_v, Page,
 * the λ_min predictions, the noise floor) are drawn over its own steps with
 * its own values; the segments before the last rebuild are dimmed, hidden
 * or shown as they are (view->old_segments); a segment whose kernel is in
 * other units (the periodic model's K/p) or whose error is another
 * quantity (a loss) is not drawn on the current segment's axis, and a note
 * says so. Pinned runs are ghost series on every panel. The snapshot's
 * fields of issue 23 (segments, marks[].rebuilt, converged_step, the raw
 * Hessian spectrum) are read only when it has segments (nseg > 0); a
 * snapshot without them is one segment with its own values. */
#include "live.h"
#include "plot_ticks.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------------- */
/* Panels                                                                 */

void live_panel_plots(int k, int *first, int *count)
{
    static const int f[LIVE_NPANELS] = {0, 1, 3, 4}, c[LIVE_NPANELS] = {1, 2, 1, 1};
    *first = f[k];
    *count = c[k];
}

#define OLD_ALPHA 0.35      /* the dimmed segments before the last rebuild */
#define HESS_BINS 72        /* bins of the Hessian spectrum on its symlog axis */
#define HESS_ZERO_TOL 1e-8  /* relative zero tolerance when the snapshot has none */

/* The storage of one build: series, doubles, label pointers (carved from
 * one block, lp->buf) and the geometry of the time axes. */
typedef struct build {
    live_panels *lp;
    const qnn_snapshot *sn;
    /* pools */
    plot_series *ser;           /* LIVE_NPLOTS x ps */
    size_t ps;
    double *d;
    size_t nd, capd;
    const char **ptr;
    size_t np, capp;
    /* time axes: N slots, slot i shows record rec[i] (-1: a gap) */
    size_t n, v0, cut;          /* records, first visible, first of the current run */
    size_t N, dcut;             /* slots, the slot where the current run starts */
    long *rec;
    double *x;
    int old_mode;
    /* segments */
    const qnn_snap_segment *seg;
    size_t nseg;
    qnn_snap_segment one;       /* the whole history when the snapshot has none */
    int *segof;                 /* segment of each record */
    double tlo, thi;            /* the time window (tlo > thi: none) */
} build;

static double *dalloc(build *b, size_t k)
{
    if (b->nd + k > b->capd)
        return NULL;
    double *p = b->d + b->nd;
    b->nd += k;
    return p;
}

static const char **palloc(build *b, size_t k)
{
    if (b->np + k > b->capp)
        return NULL;
    const char **p = b->ptr + b->np;
    b->np += k;
    return p;
}

static plot_series *add(build *b, int k, const double *x, const double *y, size_t n,
                        plot_style st, int color, const char *label)
{
    plot_panel *p = &b->lp->p[k];
    if (p->nseries >= b->ps || !x || !y)
        return NULL;
    plot_series *s = &b->ser[(size_t)k * b->ps + p->nseries++];
    memset(s, 0, sizeof *s);
    s->x = x; s->y = y; s->n = n; s->style = st; s->color = color; s->label = label;
    return s;
}

static void hline(live_panels *lp, int k, double v, const char *label)
{
    plot_panel *p = &lp->p[k];
    if (!isfinite(v) || p->nhlines >= 4)
        return;
    lp->hl[k][p->nhlines] = v;
    lp->hll[k][p->nhlines] = label;
    p->nhlines++;
}

static int any_finite(const double *y, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (isfinite(y[i]))
            return 1;
    return 0;
}

/* 1 when src has a finite value in the visible records of the current run */
static int cur_finite(const build *b, const double *src)
{
    for (size_t r = b->cut > b->v0 ? b->cut : b->v0; r < b->n; r++)
        if (isfinite(src[r]))
            return 1;
    return 0;
}

/* the first record at or after step t (n when none) */
static size_t rec_at(const qnn_snapshot *sn, double t)
{
    size_t i = 0;
    while (i < sn->nrec && sn->t[i] < t)
        i++;
    return i;
}

/* A time series of the current snapshot: the visible records with a gap at
 * each marker; records whose mask is 0 (mask may be NULL) are gaps too.
 * With earlier segments dimmed, two series: the part before the last
 * rebuild at OLD_ALPHA without a label, then the rest. Returns the series
 * of the current run (or NULL). */
static plot_series *tseries(build *b, int k, const double *src, const unsigned char *mask,
                            plot_style st, int color, const char *label)
{
    double *y = dalloc(b, b->N);
    if (!y)
        return NULL;
    for (size_t i = 0; i < b->N; i++) {
        long r = b->rec[i];
        y[i] = r < 0 || (mask && !mask[r]) ? NAN : src[r];
    }
    if (b->dcut > 0 && b->dcut < b->N && b->old_mode == LIVE_OLD_DIM) {
        plot_series *o = add(b, k, b->x, y, b->dcut, st, color, NULL);
        if (o)
            o->alpha = OLD_ALPHA;
        return add(b, k, b->x + b->dcut, y + b->dcut, b->N - b->dcut, st, color, label);
    }
    return add(b, k, b->x, y, b->N, st, color, label);
}

/* ---------------------------------------------------------------------- */
/* Segments and the time axes                                             */

/* Which reference line of a segment: its value (NaN: none) */
enum { REF_NOISE, REF_KBAR, REF_LMIN, REF_GMIN, REF_MAXENT, REF_PAGE, REF_TDIST };

static double ref_value(const qnn_snap_segment *s, int ref)
{
    switch (ref) {
    case REF_NOISE: return s->use_loss ? NAN : s->noise_abs_eps;
    case REF_KBAR: return s->m > 1 ? NAN : s->Kbar;
    case REF_LMIN: return s->m > 1 ? s->lambda_min_pred : NAN;
    case REF_GMIN: return s->m > 1 ? s->global_min_pred : NAN;
    case REF_MAXENT: return s->max_entropy;
    case REF_PAGE: return s->page;
    case REF_TDIST: return s->tdist_bound;
    default: return NAN;
    }
}

/* the kernel of segment s is shown in the units of the current one */
static int same_kernel_units(const qnn_snap_segment *s, const qnn_snap_segment *cur)
{
    return (s->m > 1) == (cur->m > 1) && s->kernel_div == cur->kernel_div;
}

/* A reference line over each visible segment's steps with that segment's
 * value: one full-width line (labelled on it) when a single segment is
 * visible, else a two-point series per segment (the current one labelled
 * in the legend, the earlier ones dimmed like their curves). ok: the
 * segments drawn on this panel (NULL: all). */
static void seg_refs(build *b, int k, int ref, const unsigned char *segok, plot_style st,
                     const char *label)
{
    const qnn_snapshot *sn = b->sn;
    size_t first = b->nseg, nvis = 0;
    for (size_t j = 0; j < b->nseg; j++)
        if (b->seg[j].rec1 > b->v0 && b->seg[j].rec1 > b->seg[j].rec0) {
            if (first == b->nseg)
                first = j;
            nvis++;
        }
    if (nvis <= 1) {
        /* the one segment drawn (right after a change the new segment has
         * no record yet: the one before it) */
        size_t j = nvis ? first : b->nseg - 1;
        if (!segok || segok[j])
            hline(b->lp, k, ref_value(&b->seg[j], ref), label);
        return;
    }
    for (size_t j = first; j < b->nseg; j++) {
        const qnn_snap_segment *s = &b->seg[j];
        double v = ref_value(s, ref);
        if (!isfinite(v) || (segok && !segok[j]) || s->rec1 <= s->rec0)
            continue;
        size_t r0 = s->rec0 > b->v0 ? s->rec0 : b->v0;
        if (r0 >= s->rec1)
            continue;
        int last = j + 1 == b->nseg;
        double *xy = dalloc(b, 4);
        if (!xy)
            return;
        xy[0] = sn->t[r0];
        /* to the segment's last record, as its curves */
        xy[1] = last || s->rec1 >= b->n ? sn->t[b->n - 1] : sn->t[s->rec1 - 1];
        xy[2] = xy[3] = v;
        plot_series *se = add(b, k, xy, xy + 2, 2, st, -1, last ? label : NULL);
        if (se && s->rec1 <= b->cut && b->old_mode == LIVE_OLD_DIM)
            se->alpha = OLD_ALPHA;
    }
}

/* The segments (the snapshot's, or the whole history as one with the
 * snapshot's values), the gaps, the visible records and the slots of the
 * time axes. 0, or -1 when out of memory. */
static int time_axes(build *b, const live_view *view)
{
    const qnn_snapshot *sn = b->sn;
    const size_t n = sn->nrec;
    b->n = n;
    if (sn->nseg > 0 && sn->seg) {
        b->seg = sn->seg;
        b->nseg = sn->nseg;
    } else {
        qnn_snap_segment *o = &b->one;
        memset(o, 0, sizeof *o);
        o->rec1 = n;
        o->rebuilt = 1;
        snprintf(o->model, sizeof o->model, "%s", qnn_model_name(sn->params.model));
        o->m = sn->m;
        o->use_loss = sn->use_loss;
        o->has_params = sn->has_params;
        o->kernel_div = sn->kernel_div;
        o->Kbar = sn->Kbar;
        o->rate = sn->rate;
        o->noise_abs_eps = sn->noise_abs_eps;
        o->lambda_min_pred = sn->lambda_min_pred;
        o->global_min_pred = sn->global_min_pred;
        o->page = sn->page;
        o->max_entropy = sn->max_entropy;
        o->tdist_bound = sn->tdist_bound;
        b->seg = o;
        b->nseg = 1;
    }
    b->segof = malloc((n + 1) * sizeof *b->segof);
    unsigned char *brk = calloc(n + 1, 1);
    if (!b->segof || !brk) {
        free(brk);
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        b->segof[i] = 0;
    for (size_t j = 0; j < b->nseg; j++)
        for (size_t r = b->seg[j].rec0; r < b->seg[j].rec1 && r < n; r++)
            b->segof[r] = (int)j;
    /* gaps: at every segment start and every marker */
    for (size_t j = 1; j < b->nseg; j++)
        if (b->seg[j].rec0 < n)
            brk[b->seg[j].rec0] = 1;
    for (size_t k = 0; k < sn->nmarks; k++) {
        size_t r = rec_at(sn, (double)sn->marks[k].step);
        if (r < n)
            brk[r] = 1;
    }
    /* the current run: from the last rebuild */
    b->cut = 0;
    if (sn->nseg > 0) {
        for (size_t j = 1; j < b->nseg; j++)
            if (b->seg[j].rebuilt)
                b->cut = b->seg[j].rec0;
    }
    if (b->cut > n)
        b->cut = n;
    b->old_mode = view ? view->old_segments : LIVE_OLD_DIM;
    if (b->old_mode < 0 || b->old_mode >= LIVE_OLD_NMODES)
        b->old_mode = LIVE_OLD_DIM;
    b->v0 = b->old_mode == LIVE_OLD_HIDE ? b->cut : 0;
    /* the time window: the last `window` steps */
    b->tlo = 1;
    b->thi = 0;
    if (view && view->window > 0 && n > 0) {
        double tend = fmax(sn->t[n - 1], (double)sn->step);
        if (tend > (double)view->window) {
            b->tlo = tend - (double)view->window;
            b->thi = tend;
            size_t r = rec_at(sn, b->tlo);
            if (r > b->v0)
                b->v0 = r;
        }
    }
    if (b->v0 > n)
        b->v0 = n;
    size_t N = 0;
    for (size_t r = b->v0; r < n; r++)
        N += 1 + (r > b->v0 && brk[r]);
    b->N = N;
    b->rec = malloc((N + 1) * sizeof *b->rec);
    b->x = dalloc(b, N + 1);
    if (!b->rec || !b->x) {
        free(brk);
        return -1;
    }
    size_t i = 0;
    b->dcut = 0;
    for (size_t r = b->v0; r < n; r++) {
        if (r > b->v0 && brk[r]) {
            if (r == b->cut)
                b->dcut = i;
            b->rec[i] = -1;
            b->x[i++] = NAN;
        }
        b->rec[i] = (long)r;
        b->x[i++] = sn->t[r];
    }
    free(brk);
    return 0;
}

/* The markers shown on a time panel (those inside the visible steps) with
 * their changes as labels, and the convergence marker on the error panel. */
static void time_marks(build *b, int k, int converged)
{
    const qnn_snapshot *sn = b->sn;
    plot_panel *p = &b->lp->p[k];
    double *v = dalloc(b, sn->nmarks + 1);
    const char **l = palloc(b, sn->nmarks + 1);
    if (!v || !l)
        return;
    double t0 = b->v0 < b->n ? b->sn->t[b->v0] : 0;
    if (b->tlo <= b->thi)
        t0 = fmax(t0, b->tlo);
    size_t c = 0;
    for (size_t j = 0; j < sn->nmarks; j++) {
        double t = (double)sn->marks[j].step;
        if (b->v0 > 0 || b->tlo <= b->thi) {
            if (t < t0)
                continue;
        }
        v[c] = t;
        l[c++] = sn->marks[j].what;
    }
    if (converged && sn->nseg > 0 && sn->converged_step >= 0 && (double)sn->converged_step >= t0) {
        snprintf(b->lp->label[0][3], sizeof b->lp->label[0][3], "converged at step %ld", sn->converged_step);
        v[c] = (double)sn->converged_step;
        l[c++] = b->lp->label[0][3];
    }
    p->vmarks = v;
    p->vmark_labels = l;
    p->nvmarks = c;
}

/* The x range of the time panels: the visible steps (the window when one
 * is set), the same on every time panel whatever each one draws; a pinned
 * run longer than the current one widens it (the comparison is whole). */
static void time_range(build *b, plot_panel *p, const live_view *view)
{
    const qnn_snapshot *sn = b->sn;
    if (b->tlo <= b->thi && b->thi > b->tlo) {
        p->xmin = b->tlo;
        p->xmax = b->thi;
        return;
    }
    if (b->v0 >= b->n)
        return;
    double hi = sn->t[b->n - 1];
    for (int i = 0; view && view->pins && i < view->npins && i < LIVE_MAX_PINS; i++) {
        const qnn_snapshot *ps = view->pins[i].sn;
        if (ps && ps->nrec > 0 && ps->t && isfinite(ps->t[ps->nrec - 1]))
            hi = fmax(hi, ps->t[ps->nrec - 1]);
    }
    if (hi > sn->t[b->v0]) {
        p->xmin = sn->t[b->v0];
        p->xmax = hi;
    }
}

/* ---------------------------------------------------------------------- */
/* Pins                                                                   */

/* ghost colour of pin i of np: grey-blue for one, distinct colours for more */
static int pin_color(int i, int np)
{
    static const int c[LIVE_MAX_PINS] = {-1, 3, 4, 2};
    return np <= 1 ? -1 : c[i % LIVE_MAX_PINS];
}

/* A pinned run's curve: its records (inside the window) with a gap at each
 * of its markers; NULL when nothing is finite. */
static plot_series *pin_series(build *b, int k, const qnn_snapshot *ps, const double *y0,
                               plot_style st, int color, const char *label)
{
    const size_t n = ps->nrec;
    if (!y0 || !ps->t || n == 0)
        return NULL;
    size_t N = n + ps->nmarks + 1, i = 0;
    double *x = dalloc(b, N), *y = dalloc(b, N);
    if (!x || !y)
        return NULL;
    size_t km = 0;
    int any = 0;
    for (size_t r = 0; r < n; r++) {
        double t = ps->t[r];
        if (b->tlo <= b->thi && (t < b->tlo || t > b->thi))
            continue;
        int gap = 0;
        while (km < ps->nmarks && (double)ps->marks[km].step <= t) {
            gap = r > 0;
            km++;
        }
        if (gap && i > 0 && i < N) {
            x[i] = y[i] = NAN;
            i++;
        }
        if (i >= N)
            break;
        x[i] = t;
        y[i] = y0[r];
        any |= isfinite(y0[r]);
        i++;
    }
    if (!any)
        return NULL;
    plot_series *s = add(b, k, x, y, i, st, color, label);
    if (s)
        s->ghost = 1;
    return s;
}

/* ---------------------------------------------------------------------- */
/* The Hessian spectrum on a symmetric-log axis                           */

/* The zero tolerance of h (absolute): |λ| at or below it counts as 0. */
static double hess_tol(const qnn_snap_hist *h, double *rel)
{
    double mx = 0;
    for (size_t i = 0; i < h->neig; i++)
        if (isfinite(h->eig[i]))
            mx = fmax(mx, fabs(h->eig[i]));
    *rel = h->zero_tol > 0 ? h->zero_tol : HESS_ZERO_TOL;
    return *rel * mx;
}

/* Counts of h's nonzero eigenvalues in nb bins uniform in the symlog
 * coordinate over [T0, T1] (eigenvalues per bin: the weights scaled so
 * that the whole spectrum counts dim). */
static void hess_count(const qnn_snap_hist *h, double T0, double T1, double lt, double *cnt, int nb)
{
    double rel, tol = hess_tol(h, &rel), W = 0;
    for (int i = 0; i < nb; i++)
        cnt[i] = 0;
    for (size_t i = 0; i < h->neig; i++)
        if (isfinite(h->eig_w[i]) && h->eig_w[i] > 0)
            W += h->eig_w[i];
    if (!(W > 0))
        return;
    const double P = h->dim > 0 ? (double)h->dim : 1.0;
    for (size_t i = 0; i < h->neig; i++) {
        double v = h->eig[i], w = h->eig_w[i];
        if (!isfinite(v) || !(w > 0) || fabs(v) <= tol)
            continue;
        int j = (int)floor((plot_symlog(v, lt) - T0) / (T1 - T0) * nb);
        if (j < 0)
            j = 0;
        if (j >= nb)
            j = nb - 1;
        cnt[j] += w / W * P;
    }
}

/* The weight of h's eigenvalues within its zero tolerance, a fraction of
 * the whole. */
static double hess_zero_frac(const qnn_snap_hist *h)
{
    double rel, tol = hess_tol(h, &rel), W = 0, Z = 0;
    for (size_t i = 0; i < h->neig; i++)
        if (isfinite(h->eig[i]) && h->eig_w[i] > 0) {
            W += h->eig_w[i];
            if (fabs(h->eig[i]) <= tol)
                Z += h->eig_w[i];
        }
    return W > 0 ? Z / W : 0;
}

/* The range of the nonzero eigenvalues of h into [*lo, *hi] and their
 * magnitudes' weighted 20 % quantile candidate into *q (smallest so far). */
static void hess_extent(const qnn_snap_hist *h, double *lo, double *hi, double *q, double *mx)
{
    if (!h || !h->valid || h->neig == 0 || !h->eig || !h->eig_w)
        return;
    double rel, tol = hess_tol(h, &rel), W = 0, acc = 0;
    for (size_t i = 0; i < h->neig; i++)
        if (isfinite(h->eig[i]) && fabs(h->eig[i]) > tol && h->eig_w[i] > 0) {
            *lo = fmin(*lo, h->eig[i]);
            *hi = fmax(*hi, h->eig[i]);
            *mx = fmax(*mx, fabs(h->eig[i]));
            W += h->eig_w[i];
        }
    /* the weighted 20 % quantile of |λ|: the bulk's scale */
    double *a = malloc(h->neig * sizeof *a), *w = malloc(h->neig * sizeof *w);
    if (!a || !w || !(W > 0)) {
        free(a);
        free(w);
        return;
    }
    size_t m = 0;
    for (size_t i = 0; i < h->neig; i++)
        if (isfinite(h->eig[i]) && fabs(h->eig[i]) > tol && h->eig_w[i] > 0) {
            a[m] = fabs(h->eig[i]);
            w[m++] = h->eig_w[i];
        }
    /* insertion sort by magnitude (a spectrum has at most a few thousand nodes) */
    for (size_t i = 1; i < m; i++)
        for (size_t j = i; j > 0 && a[j - 1] > a[j]; j--) {
            double t = a[j]; a[j] = a[j - 1]; a[j - 1] = t;
            t = w[j]; w[j] = w[j - 1]; w[j - 1] = t;
        }
    for (size_t i = 0; i < m; i++) {
        acc += w[i];
        if (acc >= 0.2 * W) {
            *q = fmin(*q, a[i]);
            break;
        }
    }
    free(a);
    free(w);
}

static void hessian_panel(build *b, const live_view *view)
{
    const qnn_snapshot *sn = b->sn;
    live_panels *lp = b->lp;
    plot_panel *p4 = &lp->p[4];
    const qnn_params *pp = &sn->params;
    const qnn_snap_hist *hn = &sn->hist_now, *hp = &sn->hist_prev;
    p4->title = "Hessian spectrum of the loss (instance 1)";
    p4->xlabel = "eigenvalue λ of ∇²L";
    p4->ylabel = "density";
    p4->note_corner = PLOT_UPPER_LEFT;
    p4->note = lp->note[4];
    const int npins = view ? view->npins : 0;
    if (sn->nseg > 0 && hn->valid && hn->neig > 0 && hn->eig && hn->eig_w) {
        double lo = INFINITY, hi = -INFINITY, q = INFINITY, mx = 0;
        hess_extent(hn, &lo, &hi, &q, &mx);
        hess_extent(hp, &lo, &hi, &q, &mx);
        for (int i = 0; i < npins; i++)
            if (view->pins[i].sn && view->pins[i].sn->nseg > 0)
                hess_extent(&view->pins[i].sn->hist_now, &lo, &hi, &q, &mx);
        double lt = 1.0;
        if (mx > 0) {
            lt = pow(10.0, floor(log10(isfinite(q) ? q : mx)));
            lt = fmin(lt, pow(10.0, floor(log10(mx)) - 1.0));
        } else {
            lo = -1;
            hi = 1;
        }
        double xlo, xhi;
        plot_symlog_range(fmin(lo, -lt), fmax(hi, lt), 1, lt, &xlo, &xhi);
        double T0 = plot_symlog(xlo, lt), T1 = plot_symlog(xhi, lt);
        /* a margin of 3 % each side: the outer bins do not end on the frame */
        const double pad = 0.03 * (T1 - T0);
        T0 -= pad;
        T1 += pad;
        xlo = plot_symlog_inv(T0, lt);
        xhi = plot_symlog_inv(T1, lt);
        double *c = dalloc(b, HESS_BINS), *y = dalloc(b, HESS_BINS);
        if (!c || !y)
            return;
        for (int i = 0; i < HESS_BINS; i++)
            c[i] = plot_symlog_inv(T0 + (i + 0.5) * (T1 - T0) / HESS_BINS, lt);
        p4->xscale = PLOT_SYMLOG;
        p4->linthresh = lt;
        p4->xmin = xlo;
        p4->xmax = xhi;
        p4->ymin = 0;
        p4->xlabel = "eigenvalue λ of ∇²L (symmetric log axis)";
        p4->ylabel = hn->exact ? "eigenvalues per bin" : "eigenvalues per bin (estimate)";
        /* ghosts, the previous spectrum (outline), then the one now */
        for (int i = 0; i < npins; i++) {
            const qnn_snapshot *ps = view->pins[i].sn;
            if (!ps || ps->nseg == 0 || !ps->hist_now.valid || ps->hist_now.neig == 0 || !ps->hist_now.eig)
                continue;
            double *g = dalloc(b, HESS_BINS);
            if (!g)
                break;
            hess_count(&ps->hist_now, T0, T1, lt, g, HESS_BINS);
            plot_series *s = add(b, 4, c, g, HESS_BINS, PLOT_STEPS, pin_color(i, npins), view->pins[i].label);
            if (s)
                s->ghost = 1;
        }
        if (hp->valid && hp->neig > 0 && hp->eig && hp->eig_w && hp->zero_tol >= 0) {
            double *g = dalloc(b, HESS_BINS);
            if (g) {
                hess_count(hp, T0, T1, lt, g, HESS_BINS);
                snprintf(lp->label[4][0], sizeof lp->label[4][0], "step %ld", hp->step);
                add(b, 4, c, g, HESS_BINS, PLOT_STEPS, -1, lp->label[4][0]);
            }
        }
        hess_count(hn, T0, T1, lt, y, HESS_BINS);
        snprintf(lp->label[4][1], sizeof lp->label[4][1], "step %ld (now)", hn->step);
        add(b, 4, c, y, HESS_BINS, PLOT_STEPS, 4, lp->label[4][1]);
        /* the zeros: a marker at 0 and a line of the note */
        double rel;
        (void)hess_tol(hn, &rel);
        char zl[112], fl[48], el[112], rt[24];
        int rk = (int)lround(log10(rel));
        if (fabs(rel - pow(10.0, rk)) <= 1e-9 * rel)
            snprintf(rt, sizeof rt, "1e%d", rk);
        else
            snprintf(rt, sizeof rt, "%.2g", rel);
        if (hn->n_zero > 0) {
            double *z = dalloc(b, 1);
            const char **zlab = palloc(b, 1);
            if (z && zlab) {
                snprintf(lp->label[4][2], sizeof lp->label[4][2], "%zu at 0", hn->n_zero);
                z[0] = 0;
                zlab[0] = lp->label[4][2];
                p4->vmarks = z;
                p4->vmark_labels = zlab;
                p4->nvmarks = 1;
            }
            if (hn->exact)
                snprintf(zl, sizeof zl, "\n%zu of %zu are 0 within %s·max|λ| (not binned)", hn->n_zero, hn->dim, rt);
            else
                snprintf(zl, sizeof zl, "\n≈ %.0f %% of it is 0 within %s·max|λ| (not binned)",
                         100.0 * hess_zero_frac(hn), rt);
        } else {
            zl[0] = 0;
        }
        if (hn->n_zero < hn->dim || !hn->exact)
            snprintf(fl, sizeof fl, "\npositive fraction of the nonzero: %.2f", hn->frac_pos);
        else
            fl[0] = 0;
        if (isfinite(hn->proxy))
            snprintf(el, sizeof el, "\nerror proxy (a = −ηλ): %.2g", hn->proxy);
        else if (hn->proxy_note)
            snprintf(el, sizeof el, "\nno error proxy (a = −ηλ): %s", hn->proxy_note);
        else
            el[0] = 0;
        snprintf(lp->note[4], sizeof lp->note[4], "P = %zu, %s%s%s%s", hn->dim, hn->exact ? "exact" : "SLQ", zl, fl, el);
        return;
    }
    if (hp->valid) {
        snprintf(lp->label[4][0], sizeof lp->label[4][0], "step %ld", hp->step);
        add(b, 4, hp->centre, hp->density, QNN_SESSION_HIST_BINS, PLOT_STEPS, -1, lp->label[4][0]);
    }
    if (hn->valid) {
        snprintf(lp->label[4][1], sizeof lp->label[4][1], "step %ld (now)", hn->step);
        add(b, 4, hn->centre, hn->density, QNN_SESSION_HIST_BINS, PLOT_STEPS, 4, lp->label[4][1]);
        char el[112] = "";
        if (isfinite(hn->proxy))
            snprintf(el, sizeof el, "\nerror proxy (a = −ηλ): %.2g", hn->proxy);
        else if (hn->proxy_note)
            snprintf(el, sizeof el, "\nno error proxy (a = −ηλ): %s", hn->proxy_note);
        snprintf(lp->note[4], sizeof lp->note[4], "P = %zu, %s\npositive fraction: %.2f%s",
                 hn->dim, hn->exact ? "exact" : "SLQ", hn->frac_pos, el);
        p4->ymin = 0;
    } else if (!sn->has_params) {
        snprintf(lp->note[4], sizeof lp->note[4], "no parameters: model %s has no Hessian", qnn_model_name(pp->model));
    } else if (!sn->hessian_on) {
        snprintf(lp->note[4], sizeof lp->note[4], "Hessian off: press h");
    } else {
        snprintf(lp->note[4], sizeof lp->note[4], "computing the first spectrum ...");
    }
}

/* ---------------------------------------------------------------------- */
/* The error panel's range                                                */

/* A theory line may fall to 10^-60 long after the run has floored: the
 * error panel keeps at most 6 decades below the lowest measured value dmin
 * (the lines leave through the frame); after convergence (its value vconv
 * > 0) the range stops a decade below it. */
static void floor_error_panel(plot_panel *p0, double dmin, double vconv)
{
    double xlo, xhi, ylo, yhi;
    plot_panel_limits(p0, &xlo, &xhi, &ylo, &yhi);
    double floor_y = isfinite(dmin) && dmin > 0 ? pow(10.0, floor(log10(dmin)) - 6.0) : 0;
    if (isfinite(vconv) && vconv > 0)
        floor_y = fmax(floor_y, pow(10.0, floor(log10(vconv)) - 1.0));
    if (floor_y > 0 && ylo < floor_y && yhi > floor_y) {
        p0->ymin = floor_y;
        p0->ymax = yhi;
    }
}

/* ---------------------------------------------------------------------- */

int live_panels_build(const qnn_snapshot *sn, const live_view *view, live_panels *lp)
{
    const int show_tdist = view ? view->show_tdist : 0;
    const int npins = view && view->pins ? (view->npins < LIVE_MAX_PINS ? view->npins : LIVE_MAX_PINS) : 0;
    memset(lp, 0, sizeof *lp);
    const size_t n = sn->nrec, F = (size_t)sn->nfaint, R = (size_t)sn->ninst, m = (size_t)sn->m;
    const size_t nsegmax = (sn->nseg > 0 ? sn->nseg : 1) + 1;
    /* the block: series, label pointers, doubles */
    build b;
    memset(&b, 0, sizeof b);
    b.lp = lp;
    b.sn = sn;
    b.ps = 2 * F + 32 + 8 * nsegmax + 2 * (size_t)npins;
    b.capp = LIVE_NPLOTS * (sn->nmarks + 4);
    size_t pinrec = 0;
    for (int i = 0; i < npins; i++)
        if (view->pins[i].sn)
            pinrec += 2 * (view->pins[i].sn->nrec + view->pins[i].sn->nmarks + 1);
    const size_t N = n + sn->nmarks + nsegmax + 2;
    b.capd = (3 * F + 14) * N + 8 * nsegmax * 4 + 4 * pinrec + (size_t)(4 + npins) * HESS_BINS +
             LIVE_NPLOTS * (sn->nmarks + 2) + 2 * R * m + 2 * m + 2 * R + 64;
    size_t bs = LIVE_NPLOTS * b.ps * sizeof(plot_series), bp = b.capp * sizeof(const char *);
    char *blk = malloc(bs + bp + b.capd * sizeof(double));
    if (!blk)
        return -1;
    lp->buf = (double *)(void *)blk;
    b.ser = (plot_series *)(void *)blk;
    b.ptr = (const char **)(void *)(blk + bs);
    b.d = (double *)(void *)(blk + bs + bp);
    int rc = -1;
    if (time_axes(&b, view) != 0)
        goto out;
    for (int k = 0; k < LIVE_NPLOTS; k++) {
        lp->p[k].series = b.ser + (size_t)k * b.ps;
        lp->p[k].hlines = lp->hl[k];
        lp->p[k].hline_labels = lp->hll[k];
        lp->p[k].xscale = PLOT_LINEAR;
        lp->p[k].yscale = PLOT_LINEAR;
    }
    const qnn_params *pp = &sn->params;
    const qnn_snap_segment *cur = &b.seg[b.nseg - 1];
    /* the class shows its kernel per unit (the periodic QNN's K/p) */
    const int periodic = pp->model->kernel_unit != NULL;
    /* which records each panel draws: the kernel of a segment in other
     * units, the error of a segment that measured another quantity, are
     * left out */
    unsigned char *kmask = malloc(n + 1), *emask = malloc(n + 1), *ksegok = malloc(b.nseg), *esegok = malloc(b.nseg);
    if (!kmask || !emask || !ksegok || !esegok) {
        free(kmask); free(emask); free(ksegok); free(esegok);
        goto out;
    }
    int khidden = 0, ehidden = 0;
    for (size_t j = 0; j < b.nseg; j++) {
        ksegok[j] = (unsigned char)same_kernel_units(&b.seg[j], cur);
        esegok[j] = (unsigned char)(b.seg[j].use_loss == cur->use_loss);
        int vis = b.seg[j].rec1 > b.v0 && b.seg[j].rec1 > b.seg[j].rec0;
        khidden |= vis && !ksegok[j];
        ehidden |= vis && !esegok[j];
    }
    for (size_t r = 0; r < n; r++) {
        kmask[r] = ksegok[b.segof[r]];
        emask[r] = esegok[b.segof[r]];
    }
    if (b.old_mode == LIVE_OLD_HIDE || b.cut == 0)
        khidden = ehidden = 0;   /* only the current run is visible */

    /* 0: the training error */
    plot_panel *p0 = &lp->p[0];
    snprintf(lp->title[0], sizeof lp->title[0], "%s — %s, R = %d", sn->use_loss ? "training loss" : "training error",
             qnn_model_name(pp->model), sn->ninst);
    p0->title = lp->title[0];
    p0->xlabel = "step t";
    p0->ylabel = sn->use_loss ? "L(t)" : sn->m > 1 ? "ε_{rms}(t)" : "|ε(t)|";
    p0->yscale = PLOT_LOG;
    time_marks(&b, 0, 1);
    time_range(&b, p0, view);
    for (int i = 0; i < npins; i++) {
        const qnn_snapshot *ps = view->pins[i].sn;
        if (!ps || ps->use_loss != sn->use_loss || ps->nrec == 0)
            continue;
        /* the pin's bold statistic: the geometric mean where its theory is the rate */
        double *y = dalloc(&b, ps->nrec);
        if (!y)
            break;
        for (size_t k = 0; k < ps->nrec; k++)
            y[k] = ps->err_theory_kind[k] == QNN_THEORY_RATE ? ps->err_geo[k] : ps->err_mean[k];
        pin_series(&b, 0, ps, y, PLOT_BOLD, pin_color(i, npins), view->pins[i].label);
    }
    for (size_t f = 0; f < F; f++)
        tseries(&b, 0, sn->err_inst + f * n, emask, PLOT_FAINT, -1, f == 0 ? "instances" : NULL);
    /* Bold: the statistic the segment's theory predicts. LIU23's rate
     * e^{−ηK̄t} is that of the geometric mean (ln|ε| averages to
     * ln|ε(0)| − ηK̄t; the mean of |ε| lies above, ruled by the slowest
     * instances), the YOU23 bound and the rest that of the mean. Beside
     * the noise floor E|ε(∞)|, a mean, the mean is drawn thin. The
     * frozen-kernel line takes the bold curve's statistic. */
    const int noise = isfinite(sn->noise_abs_eps) && !sn->use_loss;
    double *th_rate = malloc(6 * (n + 1) * sizeof(double));
    if (!th_rate) {
        free(kmask); free(emask); free(ksegok); free(esegok);
        goto out;
    }
    double *th_bound = th_rate + n + 1, *e_geo = th_bound + n + 1, *e_mean = e_geo + n + 1,
           *e_amean = e_mean + n + 1, *e_frozen = e_amean + n + 1;
    for (size_t k = 0; k < n; k++) {
        const int rate = sn->err_theory_kind[k] == QNN_THEORY_RATE;
        e_geo[k] = rate ? sn->err_geo[k] : NAN;
        e_mean[k] = rate ? NAN : sn->err_mean[k];
        e_amean[k] = rate && noise ? sn->err_mean[k] : NAN;
        e_frozen[k] = rate ? sn->err_frozen_geo[k] : sn->err_frozen[k];
        th_rate[k] = sn->err_theory_kind[k] == QNN_THEORY_RATE ? sn->err_theory[k] : NAN;
        th_bound[k] = sn->err_theory_kind[k] == QNN_THEORY_BOUND ? sn->err_theory[k] : NAN;
    }
    const int has_geo = cur_finite(&b, e_geo);
    if (has_geo)
        tseries(&b, 0, e_geo, emask, PLOT_BOLD, 0,
                sn->use_loss ? "geometric mean L" : sn->m > 1 ? "geometric mean ε_{rms}" : "geometric mean |ε|");
    if (cur_finite(&b, e_amean))
        tseries(&b, 0, e_amean, emask, PLOT_LINE, 3, "mean |ε|");
    if (cur_finite(&b, e_mean) || !has_geo)
        tseries(&b, 0, e_mean, emask, PLOT_BOLD, 0, "ensemble mean");
    /* the theory of each segment is the one of its model: one series per kind */
    /* (a line only earlier segments have is drawn there, without a label) */
    if (any_finite(th_rate, n))
        tseries(&b, 0, th_rate, emask, PLOT_DASHED, 1, !cur_finite(&b, th_rate) ? NULL
                : sn->use_loss ? "L_{geo} e^{−2ηK̄t} (LIU23 Eq. 10)" : "|ε|_{geo} e^{−ηK̄t} (LIU23 Eq. 10)");
    if (any_finite(th_bound, n))
        tseries(&b, 0, th_bound, emask, PLOT_DOTTED, 3,
                cur_finite(&b, th_bound) ? "bound 1/(c_0 + c_1 t)^{2} (YOU23 Thm. 3.2)" : NULL);
    if (any_finite(e_frozen, n))
        tseries(&b, 0, e_frozen, emask, PLOT_DOTTED, 2, cur_finite(&b, e_frozen) ? "frozen kernel (I − ηK)^{t} r" : NULL);
    seg_refs(&b, 0, REF_NOISE, esegok, PLOT_DASHED, "E|ε(∞)| (LLJ Eq. 38)");
    if (sn->use_loss && cur_finite(&b, sn->test_err_mean))
        tseries(&b, 0, sn->test_err_mean, emask, PLOT_LINE, 3, "test loss (held-out rows)");
    /* the range: the lowest measured value drawn, the converged value */
    double dmin = INFINITY, vconv = NAN;
    for (size_t r = b.v0; r < n; r++) {
        if (!emask[r])
            continue;
        for (size_t f = 0; f <= F + 1; f++) {
            double v = f < F ? sn->err_inst[f * n + r] : f == F ? sn->err_mean[r] : sn->err_geo[r];
            if (isfinite(v) && v > 0)
                dmin = fmin(dmin, v);
        }
    }
    if (sn->nseg > 0 && sn->converged_step >= 0) {
        size_t rc0 = rec_at(sn, (double)sn->converged_step);
        if (rc0 < n && rc0 >= b.v0)
            vconv = isfinite(e_geo[rc0]) ? e_geo[rc0] : e_mean[rc0];
    }
    free(th_rate);
    floor_error_panel(p0, dmin, vconv);
    {
        char a[96] = "", c[96] = "";
        if (isfinite(sn->rate) && sn->rate > 0)
            snprintf(a, sizeof a, "ηK̄ = %.3g per step", sn->rate);
        if (ehidden)
            snprintf(c, sizeof c, "%searlier: another quantity, not drawn", a[0] ? "\n" : "");
        if (a[0] || c[0]) {
            snprintf(lp->note[0], sizeof lp->note[0], "%s%s", a, c);
            p0->note = lp->note[0];
        }
    }

    /* 1: kernel eigenvalues now */
    plot_panel *p1 = &lp->p[1];
    p1->title = sn->m > 1 ? "kernel eigenvalues now" : "QNTK of each instance now";
    p1->xlabel = sn->m > 1 ? "index k" : "instance";
    p1->ylabel = periodic ? (sn->m > 1 ? "λ_{k}(K)/p" : "K/p") : sn->m > 1 ? "λ_{k}(K)" : "K";
    double *ex = dalloc(&b, R * m + 1), *ey = dalloc(&b, R * m + 1), *mx = dalloc(&b, m + 1),
           *my = dalloc(&b, m + 1), *lx = dalloc(&b, R + 1), *ly = dalloc(&b, R + 1);
    if (!ex || !ey || !mx || !my || !lx || !ly) {
        free(kmask); free(emask); free(ksegok); free(esegok);
        goto out;
    }
    size_t ne = 0, nl = 0;
    for (size_t i = 0; i < R; i++)
        for (size_t j = 0; j < m; j++) {
            double v = sn->eig_now ? sn->eig_now[i * m + j] : NAN;
            if (!isfinite(v))
                continue;
            ex[ne] = sn->m > 1 ? (double)(j + 1) : (double)(i + 1);
            ey[ne++] = v;
            if (j == 0 && sn->m > 1) {
                lx[nl] = 1.0;
                ly[nl++] = v;
            }
        }
    for (size_t j = 0; j < m; j++) {
        double s = 0;
        int c = 0;
        for (size_t i = 0; i < R; i++) {
            double v = sn->eig_now ? sn->eig_now[i * m + j] : NAN;
            if (isfinite(v)) { s += v; c++; }
        }
        mx[j] = (double)(j + 1);
        my[j] = c ? s / c : NAN;
    }
    add(&b, 1, ex, ey, ne, PLOT_POINTS, -1, sn->m > 1 ? "each instance" : "K of each instance");
    if (sn->m > 1) {
        add(&b, 1, mx, my, m, PLOT_LINE_POINTS, 0, "mean over instances");
        add(&b, 1, lx, ly, nl, PLOT_POINTS, 5, "λ_{min}");
        hline(lp, 1, sn->lambda_min_pred, "λ_{min} (LIU23 Eq. 21)");
        hline(lp, 1, sn->global_min_pred, "2γ^{2}(1 − 1/γ^{2}) (YOU23 Thm. 4.4)");
        p1->xmin = 0.5;
        p1->xmax = (double)m + 0.5;
    } else {
        hline(lp, 1, sn->Kbar, "K̄ exact mean (LIU23 Eq. 9)");
        p1->xmin = 0.5;
        p1->xmax = (double)R + 0.5;
        p1->ymin = 0;
    }
    if (ne == 0) {
        if (!sn->has_params && !qnn_model_has(pp->model, QNN_CAP_FLOW))
            snprintf(lp->note[1], sizeof lp->note[1], "no kernel: the %s model has no parameters", qnn_model_name(pp->model));
        else
            snprintf(lp->note[1], sizeof lp->note[1], "no kernel yet");
        p1->note = lp->note[1];
    }

    /* 2: kernel over time */
    plot_panel *p2 = &lp->p[2];
    p2->title = sn->m > 1 ? "smallest kernel eigenvalue λ_{min}(t)" : "QNTK K(t)";
    p2->xlabel = "step t";
    p2->ylabel = periodic ? (sn->m > 1 ? "λ_{min}/p" : "K/p") : sn->m > 1 ? "λ_{min}(K)" : "K(t)";
    time_marks(&b, 2, 0);
    time_range(&b, p2, view);
    for (int i = 0; i < npins; i++) {
        const qnn_snapshot *ps = view->pins[i].sn;
        if (!ps || (ps->m > 1) != (sn->m > 1) || ps->kernel_div != sn->kernel_div)
            continue;
        pin_series(&b, 2, ps, ps->k_mean, PLOT_BOLD, pin_color(i, npins), view->pins[i].label);
    }
    for (size_t f = 0; f < F; f++)
        tseries(&b, 2, sn->k_inst + f * n, kmask, PLOT_FAINT, -1, f == 0 ? "instances" : NULL);
    tseries(&b, 2, sn->k_mean, kmask, PLOT_BOLD, 0, sn->m > 1 ? "mean λ_{min}" : "mean K");
    if (sn->m > 1 && cur_finite(&b, sn->kmax_mean))
        tseries(&b, 2, sn->kmax_mean, kmask, PLOT_LINE, 4, "mean λ_{max}");
    if (sn->m > 1) {
        seg_refs(&b, 2, REF_LMIN, ksegok, PLOT_DASHED, "LIU23 Eq. 21");
        seg_refs(&b, 2, REF_GMIN, ksegok, PLOT_DOTTED, "YOU23 Thm. 4.4");
    } else {
        seg_refs(&b, 2, REF_KBAR, ksegok, PLOT_DASHED, "K̄ (LIU23 Eq. 9)");
    }
    if (khidden) {
        snprintf(lp->note[2], sizeof lp->note[2], "earlier K: other units, not drawn");
        p2->note = lp->note[2];
    }

    /* 3: entanglement of the visible qubits */
    plot_panel *p3 = &lp->p[3];
    p3->xlabel = "step t";
    time_marks(&b, 3, 0);
    time_range(&b, p3, view);
    const double *mean = show_tdist ? sn->d_mean : sn->s_mean, *inst = show_tdist ? sn->d_inst : sn->s_inst;
    if (show_tdist) {
        p3->title = "trace distance to I/D_{v}";
        p3->ylabel = "½‖ρ_{v} − I/D_{v}‖_{1}";
        seg_refs(&b, 3, REF_TDIST, NULL, PLOT_DASHED, "½√(D_{v}/D_{h}) (OME Prop. 2)");
        p3->ymin = 0;
    } else {
        p3->title = "entanglement entropy of the visible qubits";
        p3->ylabel = pp->entropy_bits ? "S(ρ_{v}) [bits]" : "S(ρ_{v}) [nats]";
        seg_refs(&b, 3, REF_MAXENT, NULL, PLOT_DASHED, "ln D_{v}");
        seg_refs(&b, 3, REF_PAGE, NULL, PLOT_DOTTED, "Page value");
        p3->ymin = 0;
        double smax = NAN;
        for (size_t j = 0; j < b.nseg; j++)
            if (b.seg[j].rec1 > b.v0 && isfinite(b.seg[j].max_entropy))
                smax = isfinite(smax) ? fmax(smax, b.seg[j].max_entropy) : b.seg[j].max_entropy;
        if (!isfinite(smax))
            smax = sn->max_entropy;
        if (isfinite(smax))
            p3->ymax = 1.12 * smax;
    }
    for (int i = 0; i < npins; i++) {
        const qnn_snapshot *ps = view->pins[i].sn;
        if (ps)
            pin_series(&b, 3, ps, show_tdist ? ps->d_mean : ps->s_mean, PLOT_BOLD, pin_color(i, npins),
                       view->pins[i].label);
    }
    for (size_t f = 0; f < F; f++)
        tseries(&b, 3, inst + f * n, NULL, PLOT_FAINT, -1, NULL);
    tseries(&b, 3, mean, NULL, PLOT_BOLD, 0, NULL);
    if (!cur_finite(&b, mean)) {
        if (qnn_model_has(pp->model, QNN_CAP_FLOW))
            snprintf(lp->note[3], sizeof lp->note[3], "no state: the asymptotic dynamics evolves the measurement");
        else if (!qnn_model_has(pp->model, QNN_CAP_PURE_STATE) && !qnn_model_has(pp->model, QNN_CAP_MIXED_STATE))
            snprintf(lp->note[3], sizeof lp->note[3], "no quantum state: model %s", qnn_model_name(pp->model));
        else
            snprintf(lp->note[3], sizeof lp->note[3], "no entropy recorded yet");
        p3->note = lp->note[3];
        if (!any_finite(mean, n))
            p3->ymax = 0;
    }
    free(kmask); free(emask); free(ksegok); free(esegok);

    /* 4: Hessian spectrum */
    hessian_panel(&b, view);
    rc = 0;
out:
    free(b.rec);
    free(b.segof);
    if (rc != 0) {
        free(lp->buf);
        lp->buf = NULL;
    }
    return rc;
}

void live_panels_free(live_panels *lp)
{
    free(lp->buf);
    lp->buf = NULL;
}
