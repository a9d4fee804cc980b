/* What the two sweep browsers share (browse.h): the selection, the keys,
 * loading a point on a thread, the numbers as text and PNG export. */
#include "browse.h"
#include "plot.h"
#include "keys.h"

#include <cairo.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

const browse_key_doc browse_key_docs[] = {
    {"↑ ↓, k j", "select the previous / next grid point"},
    {"PgUp PgDn, Home End", "a page up / down, the first / last point"},
    {"mouse: click, wheel", "select a point in the list, scroll it"},
    {"Tab", "switch between the point's ensemble and the whole sweep"},
    {"Enter", "back to the point's ensemble"},
    {"[ ]", "previous / next statistic of the sweep (list and sweep plot)"},
    {"← →", "terminal: the point's other curves when not all fit"},
    {"e", "export the figure shown as PNG (into --export-dir, default .)"},
    {"s", "window: screenshot (PNG); terminal: the screen as text"},
    {"F11", "window: full screen"},
    {"F1, ?", "this help (Esc or any other key closes it)"},
    {"q, Esc", "quit"},
};
const size_t browse_nkey_docs = sizeof browse_key_docs / sizeof browse_key_docs[0];

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int browse_init(browser *b, qnn_sweep *sw, const char *export_dir, void (*wake)(void *))
{
    memset(b, 0, sizeof *b);
    b->sw = sw;
    b->npoints = sw->res.npoints;
    b->page = 10;
    b->shown = -1;
    b->failed = -1;
    b->wake = wake;
    atomic_init(&b->load_done, 0);
    snprintf(b->export_dir, sizeof b->export_dir, "%s", export_dir && *export_dir ? export_dir : ".");
    /* DIR's last component names the sweep in titles and file names */
    char d[PATH_MAX];
    snprintf(d, sizeof d, "%s", sw->dir);
    size_t n = strlen(d);
    while (n > 1 && d[n - 1] == '/')
        d[--n] = 0;
    const char *base = strrchr(d, '/');
    snprintf(b->name, sizeof b->name, "%s", base && base[1] ? base + 1 : d);
    /* the sweep's statistics: its figure's comma list */
    char list[sizeof sw->stats];
    snprintf(list, sizeof list, "%s", sw->stats);
    char *save = NULL;
    for (char *t = strtok_r(list, ", \t", &save); t && b->nstats < BROWSE_MAX_STATS; t = strtok_r(NULL, ", \t", &save))
        snprintf(b->stats[b->nstats++], sizeof b->stats[0], "%s", t);
    if (b->nstats == 0) {
        /* a sweep without a figure statistic: its final loss */
        snprintf(b->stats[0], sizeof b->stats[0], "loss_final");
        b->nstats = 1;
    }
    return b->npoints > 0 ? 0 : -1;
}

/* The loader: a pool of one worker with one item, the point loading_k. */
static void load_main(qnn_pool *pool, int w, void *arg)
{
    (void)w;
    browser *b = arg;
    if (qnn_pool_next(pool) < 0)
        return;
    b->load_rc = qnn_sweep_load(b->sw, b->loading_k, b->load_err, sizeof b->load_err);
    atomic_store(&b->load_done, 1);
    if (b->wake)
        b->wake(NULL);
}

void browse_close(browser *b)
{
    if (b->loading) {
        qnn_pool_join(b->loader);
        b->loader = NULL;
        b->loading = 0;
    }
}

double browse_loading_for(const browser *b)
{
    if (!b->loading)
        return -1;
    double t = now_s() - b->load_t0;
    /* a quick load shows no message: it would only flicker */
    return t >= 0.3 ? t : -1;
}

int browse_poll(browser *b)
{
    int redraw = 0;
    if (b->loading && atomic_load(&b->load_done)) {
        qnn_pool_join(b->loader);
        b->loader = NULL;
        b->loading = 0;
        if (b->load_rc == 0) {
            b->shown = b->loading_k;
            if (b->adopt)
                b->adopt(b, b->face);
        } else {
            /* sw->one holds nothing now: the faces drop what they kept */
            b->failed = b->loading_k;
            b->shown = -1;
            if (b->adopt)
                b->adopt(b, b->face);
            snprintf(b->status, sizeof b->status, "point %ld cannot be loaded: %s", b->loading_k + 1, b->load_err);
            b->status_error = 1;
        }
        redraw = 1;
    }
    if (!b->loading && b->sel != b->shown && b->sel != b->failed) {
        b->loading_k = b->sel;
        b->load_t0 = now_s();
        atomic_store(&b->load_done, 0);
        b->loading = 1;
        b->loader = qnn_pool_start(1, 1, NULL, load_main, b);
        if (!b->loader || qnn_pool_workers(b->loader) == 0) {
            /* no thread: load here (the face freezes for the while) */
            qnn_pool_join(b->loader);
            b->loader = NULL;
            b->load_rc = qnn_sweep_load(b->sw, b->loading_k, b->load_err, sizeof b->load_err);
            atomic_store(&b->load_done, 1);
            b->loading = 0;
            b->shown = b->load_rc == 0 ? b->loading_k : -1;
            if (b->load_rc != 0) {
                b->failed = b->loading_k;
                snprintf(b->status, sizeof b->status, "point %ld cannot be loaded: %s", b->loading_k + 1, b->load_err);
                b->status_error = 1;
            }
            if (b->adopt)
                b->adopt(b, b->face);
        }
        redraw = 1;
    }
    if (browse_loading_for(b) >= 0)
        redraw = 1;     /* the time it has taken so far */
    return redraw;
}

void browse_scroll(browser *b, int rows)
{
    if (rows < 1)
        rows = 1;
    if (b->sel < b->top)
        b->top = b->sel;
    if (b->sel >= b->top + rows)
        b->top = b->sel - rows + 1;
    if (b->top > b->npoints - rows)
        b->top = b->npoints - rows;
    if (b->top < 0)
        b->top = 0;
}

void browse_select(browser *b, long k)
{
    if (k < 0)
        k = 0;
    if (k > b->npoints - 1)
        k = b->npoints - 1;
    if (k != b->sel)
        b->failed = -1;     /* coming back to a failed point tries it again */
    b->sel = k;
}

int browse_key(browser *b, int key)
{
    if (b->help) {
        switch (key) {
        case QNN_KEY_UP: case 'k': b->help_scroll--; break;
        case QNN_KEY_DOWN: case 'j': b->help_scroll++; break;
        case 'q': return BROWSE_QUIT;
        default: b->help = 0; break;
        }
        if (b->help_scroll < 0)
            b->help_scroll = 0;
        return BROWSE_NONE;
    }
    const int page = b->page > 1 ? b->page - 1 : 1;
    switch (key) {
    case QNN_KEY_UP: case 'k': browse_select(b, b->sel - 1); break;
    case QNN_KEY_DOWN: case 'j': browse_select(b, b->sel + 1); break;
    case QNN_KEY_PGUP: browse_select(b, b->sel - page); break;
    case QNN_KEY_PGDN: browse_select(b, b->sel + page); break;
    case QNN_KEY_HOME: case 'g': browse_select(b, 0); break;
    case QNN_KEY_END: case 'G': browse_select(b, b->npoints - 1); break;
    case QNN_KEY_TAB: case QNN_KEY_BTAB: b->view = !b->view; break;
    case QNN_KEY_ENTER: b->view = BROWSE_POINT; break;
    case '[': b->stat = (b->stat + b->nstats - 1) % b->nstats; break;
    case ']': b->stat = (b->stat + 1) % b->nstats; break;
    case QNN_KEY_LEFT: case 'h': if (b->plot_first > 0) b->plot_first--; break;
    case QNN_KEY_RIGHT: case 'l': b->plot_first++; break;   /* the face clamps it */
    case '?': case QNN_KEY_F1: b->help = 1; b->help_scroll = 0; break;
    case 'e': case 'E': return BROWSE_EXPORT;
    case 's': case 'S': return BROWSE_SCREENSHOT;
    case 'q': case QNN_KEY_ESC: return BROWSE_QUIT;
    default: break;
    }
    return BROWSE_NONE;
}

int browse_value(const qnn_sweep *sw, long k, const char *name, double *mean, double *se)
{
    *mean = *se = NAN;
    if (k < 0 || k >= sw->res.npoints)
        return -1;
    const qnn_sweep_stat *st = qnn_sweep_point_stat(sw, k, name);
    if (!st && !strcmp(name, "grad_var_t0"))
        st = qnn_sweep_point_stat(sw, k, "grad_ms_t0");   /* the figure's name for it */
    if (st) {
        if (st->n <= 0)
            return -1;
        *mean = st->mean;
        *se = st->se;
        return 0;
    }
    /* the ensemble statistics (a ratio or a spread over the instances)
     * come from the point's summary, as the sweep figure takes them */
    const qnn_summary *s = &sw->res.points[k].sum;
    if (!strcmp(name, "kernel_rel_std_t0")) {
        *mean = s->kernel_rel_std_t0;
        *se = s->kernel_rel_std_t0_se;
    } else if (!strcmp(name, "kernel_rel_var_t0")) {
        *mean = s->kernel_rel_var_t0;
        *se = s->kernel_rel_var_t0_se;
    } else if (!strcmp(name, "eps_std_final")) {
        *mean = s->eps_final.sd;
        *se = s->eps_final.sd_se; /* from the fourth moment */
    } else if (!strcmp(name, "grad_inf_var_t0")) {
        qnn_grad_inf_variance(s, mean, se);
    } else
        return -1;
    return isfinite(*mean) ? 0 : -1;
}

void browse_escape(const char *s, char *out, size_t cap)
{
    size_t o = 0;
    for (; *s && o + 3 < cap; s++) {
        if (strchr("_^{}\\", *s))
            out[o++] = '\\';
        out[o++] = *s;
    }
    if (cap)
        out[o < cap ? o : cap - 1] = 0;
}

void browse_fmt(char *buf, size_t len, double v)
{
    if (!isfinite(v))
        snprintf(buf, len, "%s", isnan(v) ? "n/a" : v > 0 ? "inf" : "-inf");
    else if (v != 0 && (fabs(v) < 1e-3 || fabs(v) >= 1e5))
        snprintf(buf, len, "%.3e", v);
    else
        snprintf(buf, len, "%.4g", v);
}

void browse_fmt_pm(char *buf, size_t len, double mean, double se)
{
    if (!isfinite(mean)) {
        browse_fmt(buf, len, mean);
        return;
    }
    if (!(isfinite(se) && se > 0)) {
        browse_fmt(buf, len, mean);
        return;
    }
    if (mean != 0 && (fabs(mean) < 1e-3 || fabs(mean) >= 1e5)) {
        snprintf(buf, len, "%.3e ± %.1e", mean, se);
        return;
    }
    /* as many decimals as give the s.e. two significant digits */
    int dec = 1 - (int)floor(log10(se));
    dec = dec < 0 ? 0 : dec > 8 ? 8 : dec;
    snprintf(buf, len, "%.*f ± %.*f", dec, mean, dec, se);
}

void browse_export_path(const browser *b, const char *what, const char *ext, char *path, size_t len)
{
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    char stamp[32];
    strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
    snprintf(path, len, "%s/qnnlab-%s-%s-%s.%s", b->export_dir, b->name, what, stamp, ext);
    for (int i = 2; i < 100 && access(path, F_OK) == 0; i++)
        snprintf(path, len, "%s/qnnlab-%s-%s-%s-%d.%s", b->export_dir, b->name, what, stamp, i, ext);
}

int browse_write_png(browser *b, const char *path, double w, double h, double scale,
                     void (*draw)(void *ctx, cairo_t *cr, double w, double h), void *ctx)
{
    int W = (int)lround(w * scale), H = (int)lround(h * scale);
    if (W < 1 || H < 1 || W > 16384 || H > 16384) {
        snprintf(b->status, sizeof b->status, "export: an image of %d x %d pixels; allowed: 1 .. 16384", W, H);
        b->status_error = 1;
        return -1;
    }
    cairo_surface_t *sf = cairo_image_surface_create(CAIRO_FORMAT_RGB24, W, H);
    if (cairo_surface_status(sf) != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(sf);
        snprintf(b->status, sizeof b->status, "export: cannot allocate a %d x %d image", W, H);
        b->status_error = 1;
        return -1;
    }
    cairo_t *cr = cairo_create(sf);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    cairo_scale(cr, scale, scale);
    draw(ctx, cr, w, h);
    cairo_destroy(cr);
    char err[PATH_MAX + 400];
    int rc = plot_save_png(sf, path, err, sizeof err);
    cairo_surface_destroy(sf);
    if (rc != 0) {
        snprintf(b->status, sizeof b->status, "export: %s", err);
        b->status_error = 1;
        return -1;
    }
    snprintf(b->status, sizeof b->status, "saved %s", path);
    b->status_error = 0;
    return 0;
}

/* ---------------------------------------------------------------------- */
/* Zero steps: histograms over the instances                              */

const browse_field browse_fields[] = {
    {QNN_FIELD_LOSS, "loss L(t)", NULL, 1},
    {QNN_FIELD_ABS_EPS, "|ε(t)|", NULL, 1},
    {QNN_FIELD_KERNEL, "kernel K(t) = tr K / m", "kernel K = tr K / m", 0},
    {QNN_FIELD_LAMBDA_MIN, "λ_{min}(K(t))", "λ_{min}(K)", 0},
    {QNN_FIELD_ENTROPY, "entanglement entropy S(ρ_{v})", "entanglement entropy S(ρ_{v})", 0},
    {QNN_FIELD_TDIST, "trace distance ½‖ρ_{v} − I/D_{v}‖_{1}", "trace distance ½‖ρ_{v} − I/D_{v}‖_{1}", 0},
    {QNN_FIELD_KCHANGE, "kernel change ‖ΔK‖_{F}/‖K(0)‖_{F}", NULL, 0},
    {QNN_FIELD_ACCURACY, "training accuracy", "accuracy", 0},
    {QNN_FIELD_TEST_ACCURACY, "test accuracy", "test accuracy", 0},
    {QNN_FIELD_LAZINESS, "laziness ‖θ − θ_{0}‖/‖θ_{0}‖", NULL, 0},
    {QNN_FIELD_H_FRAC_POS, "Hessian: fraction of λ > 0", "Hessian: fraction of λ > 0", 0},
    {QNN_FIELD_ERR_NORM, "Carleman error ‖u − ŷ_{1}‖", NULL, 1},
};
const size_t browse_nfields = sizeof browse_fields / sizeof browse_fields[0];

int browse_zero_steps(const qnn_run *run)
{
    for (int i = 0; i < run->ninst; i++)
        if (run->inst[i].nrec > 1)
            return 0;
    return 1;
}

int browse_hist(const qnn_run *run, qnn_field f, double **x, double **y, size_t *nb, size_t *n, long *step)
{
    *x = *y = NULL;
    double *v = malloc((size_t)(run->ninst > 0 ? run->ninst : 1) * sizeof *v);
    if (!v)
        return -1;
    size_t k = 0;
    double lo = INFINITY, hi = -INFINITY;
    for (int i = 0; i < run->ninst; i++) {
        const qnn_run_instance *ri = &run->inst[i];
        if (ri->nrec == 0)
            continue;
        double u = qnn_obs_field(&ri->rec[ri->nrec - 1], f);
        if (f == QNN_FIELD_ABS_EPS || f == QNN_FIELD_EPS)
            u = fabs(u);
        if (isfinite(u)) {
            v[k++] = u;
            lo = fmin(lo, u);
            hi = fmax(hi, u);
        }
    }
    if (k < 2 || !(hi > lo)) {
        free(v);
        return 0;
    }
    int bins = (int)ceil(sqrt((double)k));
    bins = bins < 5 ? 5 : bins > 30 ? 30 : bins;
    *x = calloc((size_t)bins, sizeof **x);
    *y = calloc((size_t)bins, sizeof **y);
    if (!*x || !*y) {
        free(v);
        free(*x);
        free(*y);
        *x = *y = NULL;
        return -1;
    }
    const double w = (hi - lo) / bins;
    for (int j = 0; j < bins; j++)
        (*x)[j] = lo + (j + 0.5) * w;
    for (size_t i = 0; i < k; i++) {
        int j = (int)((v[i] - lo) / w);
        (*y)[j < 0 ? 0 : j >= bins ? bins - 1 : j] += 1;
    }
    free(v);
    *nb = (size_t)bins;
    *n = k;
    *step = run->ninst > 0 && run->inst[0].nrec ? run->inst[0].rec[run->inst[0].nrec - 1].step : 0;
    return 1;
}

int browse_draw_step0(const qnn_result *res, cairo_t *cr, double w, double h, char *err, size_t errlen)
{
    const qnn_run *run = res->npoints > 0 ? res->points[0].run : NULL;
    if (!run) {
        snprintf(err, errlen, "the point has no run");
        return -1;
    }
    enum { MAXP = 12 };
    plot_panel pn[MAXP];
    plot_series ser[MAXP];
    double *bx[MAXP], *by[MAXP];
    char titles[MAXP][200], title[400], lab[300];
    size_t np = 0;
    int rc = 0;
    memset(pn, 0, sizeof pn);
    for (size_t f = 0; f < browse_nfields && np < MAXP; f++) {
        if (!browse_fields[f].name0)
            continue;
        size_t nb, n;
        long step;
        int r = browse_hist(run, browse_fields[f].f, &bx[np], &by[np], &nb, &n, &step);
        if (r < 0) {
            snprintf(err, errlen, "out of memory for the histograms");
            rc = -1;
            break;
        }
        if (r == 0)
            continue;
        snprintf(titles[np], sizeof titles[np], "%s: %zu instances", browse_fields[f].name0, n);
        ser[np] = (plot_series){bx[np], by[np], NULL, nb, PLOT_STEPS, 0, NULL, 0, 0};
        pn[np].title = titles[np];
        pn[np].xlabel = browse_fields[f].name0;
        pn[np].ylabel = "instances";
        pn[np].series = &ser[np];
        pn[np].nseries = 1;
        double top = 0;
        for (size_t j = 0; j < nb; j++)
            top = fmax(top, by[np][j]);
        pn[np].ymin = 0;   /* counts from zero */
        pn[np].ymax = ceil(1.1 * top + 0.5);
        np++;
    }
    if (rc == 0 && np == 0) {
        snprintf(err, errlen, "no value with a spread over the instances at initialisation");
        rc = -1;
    }
    if (rc == 0) {
        qnn_point_label(res, 0, lab, sizeof lab);
        snprintf(title, sizeof title, "%s, %d instances at initialisation (0 steps)", lab, run->ninst);
        char esc[800];
        browse_escape(title, esc, sizeof esc);
        plot_figure fig;
        memset(&fig, 0, sizeof fig);
        fig.title = esc;
        fig.panels = pn;
        fig.npanels = np;
        fig.columns = np <= 2 ? (int)np : np <= 4 ? 2 : 3;
        plot_draw(cr, &fig, w, h);
    }
    for (size_t i = 0; i < np; i++) {
        free(bx[i]);
        free(by[i]);
    }
    return rc;
}
