/* Export of the live faces: every panel as PNG/SVG/PDF with the data
 * behind it, and the dashboard screenshot. Files are written into a hidden
 * temporary folder (or name) and renamed when complete. Also the figure
 * options of figopts.h (parsed here, applied to every figure file of the
 * program: the live panels and `qnnlab run`'s figure). */
#include "live.h"
#include "figopts.h"
#include "qnn/share.h"
#include "qnn/text.h"
#include "afile.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <dirent.h>

#include <stdarg.h>

/* ------------------------------------------------------------------ */
/* Figure options (figopts.h)                                          */

static live_fig_opts fig_current = {0, 0, 0, 0, -1, LIVE_FIG_SCREEN};

void live_fig_opts_init(live_fig_opts *o)
{
    memset(o, 0, sizeof *o);
    o->title = -1;
    o->style = LIVE_FIG_SCREEN;
}

void live_fig_opts_use(const live_fig_opts *o)
{
    if (o)
        fig_current = *o;
    else
        live_fig_opts_init(&fig_current);
}

const live_fig_opts *live_fig_opts_current(void)
{
    return &fig_current;
}

int live_fig_opts_is_default(const live_fig_opts *o)
{
    return !o || (!(o->width > 0) && !(o->height > 0) && !(o->dpi > 0) && !(o->font_size > 0) && o->title < 0 &&
                  o->style == LIVE_FIG_SCREEN);
}

/* A plain decimal number at *p ("3", "3.4", ".5"; no sign, exponent,
 * hex, NaN or infinity), *p moved past it; 0, or -1 when there is none. */
static int fig_decimal(const char **p, double *v)
{
    const char *s = *p;
    size_t n = 0, digits = 0;
    while (s[n] >= '0' && s[n] <= '9')
        n++, digits++;
    if (s[n] == '.') {
        n++;
        while (s[n] >= '0' && s[n] <= '9')
            n++, digits++;
    }
    if (digits == 0 || n > 30)
        return -1;
    char b[32];
    memcpy(b, s, n);
    b[n] = 0;
    *v = strtod(b, NULL);
    *p = s + n;
    return isfinite(*v) ? 0 : -1;
}

/* WIDTHxHEIGHT followed by in, mm or cm ('x', 'X' or '×'), in points. */
static int fig_parse_size(const char *v, double *w, double *h, double *unit_pt, const char **unit)
{
    const char *p = v;
    double a, b;
    if (fig_decimal(&p, &a) != 0)
        return -1;
    if (*p == 'x' || *p == 'X')
        p++;
    else if (!strncmp(p, "\xc3\x97", 2))
        p += 2;
    else
        return -1;
    if (fig_decimal(&p, &b) != 0)
        return -1;
    static const struct { const char *name; double pt; } units[] = {
        {"in", 72.0}, {"mm", 72.0 / 25.4}, {"cm", 72.0 / 2.54},
    };
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (!strcmp(p, units[i].name)) {
            *w = a * units[i].pt;
            *h = b * units[i].pt;
            *unit_pt = units[i].pt;
            *unit = units[i].name;
            return 0;
        }
    return -1;
}

int live_fig_opts_set(live_fig_opts *o, const char *name, const char *value, char *err, size_t errlen)
{
    char q[QNN_QUOTE_CAP(60)];
    const char *v = value ? value : "";
    qnn_text_quote(v, strlen(v), 60, q, sizeof q);
    if (!strcmp(name, "fig-size")) {
        double w, h, u;
        const char *unit;
        if (fig_parse_size(v, &w, &h, &u, &unit) != 0) {
            snprintf(err, errlen, "--fig-size: value '%s' is not WIDTHxHEIGHT with a unit; allowed: positive numbers "
                     "and in, mm or cm (3.4x2.6in, 86x60mm, 8.6x6cm)", q);
            return -1;
        }
        if (!(w >= LIVE_FIG_MIN_IN * 72 - 1e-9) || !(h >= LIVE_FIG_MIN_IN * 72 - 1e-9) ||
            !(w <= LIVE_FIG_MAX_IN * 72 + 1e-9) || !(h <= LIVE_FIG_MAX_IN * 72 + 1e-9)) {
            snprintf(err, errlen, "--fig-size: value '%s' is out of range; allowed: each side %g .. %g in "
                     "(%g .. %g mm)", q, LIVE_FIG_MIN_IN, LIVE_FIG_MAX_IN, LIVE_FIG_MIN_IN * 25.4,
                     LIVE_FIG_MAX_IN * 25.4);
            return -1;
        }
        o->width = w;
        o->height = h;
        return 0;
    }
    if (!strcmp(name, "dpi")) {
        const char *p = v;
        double d;
        if (fig_decimal(&p, &d) != 0 || *p || strchr(v, '.')) {
            snprintf(err, errlen, "--dpi: value '%s' is not a whole number; allowed: %d .. %d (PNG pixels per inch)",
                     q, LIVE_FIG_MIN_DPI, LIVE_FIG_MAX_DPI);
            return -1;
        }
        if (d < LIVE_FIG_MIN_DPI || d > LIVE_FIG_MAX_DPI) {
            snprintf(err, errlen, "--dpi: value '%s' is out of range; allowed: %d .. %d (PNG pixels per inch)", q,
                     LIVE_FIG_MIN_DPI, LIVE_FIG_MAX_DPI);
            return -1;
        }
        o->dpi = d;
        return 0;
    }
    if (!strcmp(name, "font-size")) {
        const char *p = v;
        double d;
        if (fig_decimal(&p, &d) != 0 || (*p && strcmp(p, "pt"))) {
            snprintf(err, errlen, "--font-size: value '%s' is not a number of points; allowed: %d .. %d (the tick "
                     "labels; the rest scales with them)", q, LIVE_FIG_MIN_PT, LIVE_FIG_MAX_PT);
            return -1;
        }
        if (d < LIVE_FIG_MIN_PT || d > LIVE_FIG_MAX_PT) {
            snprintf(err, errlen, "--font-size: value '%s' is out of range; allowed: %d .. %d (points)", q,
                     LIVE_FIG_MIN_PT, LIVE_FIG_MAX_PT);
            return -1;
        }
        o->font_size = d;
        return 0;
    }
    if (!strcmp(name, "title")) {
        if (strcmp(v, "on") && strcmp(v, "off")) {
            snprintf(err, errlen, "--title: value '%s' is not on or off; allowed: on, off", q);
            return -1;
        }
        o->title = !strcmp(v, "on");
        return 0;
    }
    if (!strcmp(name, "style")) {
        static const char *const names[] = {"onecolumn", "twocolumn", "slide"};
        for (int i = 0; i < 3; i++)
            if (!strcmp(v, names[i])) {
                o->style = (live_fig_style)(LIVE_FIG_ONECOLUMN + i);
                return 0;
            }
        snprintf(err, errlen, "--style: value '%s' is not a style; allowed: onecolumn (3.4 in, 8 pt), "
                 "twocolumn (7 in, 9 pt), slide (10 x 5.6 in, 16 pt)", q);
        return -1;
    }
    snprintf(err, errlen, "unknown figure option '--%.40s'; allowed: --fig-size, --dpi, --font-size, --title, --style",
             name);
    return -1;
}

/* The style's page in points (0 x 0 for none). */
static void fig_style_size(live_fig_style st, double *w, double *h)
{
    *w = *h = 0;
    switch (st) {
    case LIVE_FIG_ONECOLUMN: *w = 3.4 * 72; break;
    case LIVE_FIG_TWOCOLUMN: *w = 7.0 * 72; break;
    case LIVE_FIG_SLIDE: *w = 10.0 * 72; *h = 5.625 * 72; break;
    default: break;
    }
}

int live_fig_opts_check(const live_fig_opts *o, char *err, size_t errlen)
{
    if (!o || !(o->dpi > 0))
        return 0;
    double w, h;
    fig_style_size(o->style, &w, &h);
    const char *of = "the figure's size";
    if (o->width > 0) {
        w = o->width;
        h = o->height;
        of = "--fig-size";
    } else if (w > 0) {
        /* the journal styles' heights follow the panels: at most 9 in */
        if (!(h > 0))
            h = 9.0 * 72;
        of = "--style";
    } else {
        w = LIVE_FIG_NATURAL_W_IN * 72;
        h = LIVE_FIG_NATURAL_H_IN * 72;
        of = "the largest figure without --fig-size";
    }
    double pw = w / 72 * o->dpi, ph = h / 72 * o->dpi;
    if (pw > LIVE_FIG_MAX_PX || ph > LIVE_FIG_MAX_PX) {
        snprintf(err, errlen, "--dpi: value '%g' gives a PNG of up to %.0f x %.0f pixels at %s (%.3g x %.3g in); "
                 "allowed: at most %d pixels a side (inches x dpi)", o->dpi, ceil(pw), ceil(ph), of, w / 72, h / 72,
                 LIVE_FIG_MAX_PX);
        return -1;
    }
    return 0;
}

void live_fig_opts_apply(const live_fig_opts *o, plot_figure *fig, plot_panel *panels)
{
    if (live_fig_opts_is_default(o) || !fig)
        return;
    size_t n = fig->npanels;
    int cols0 = fig->columns >= 1 ? fig->columns : 1;
    if (n > 0 && (size_t)cols0 > n)
        cols0 = (int)n;
    size_t rows0 = n > 0 ? (n + (size_t)cols0 - 1) / (size_t)cols0 : 1;
    /* a panel's height over its width in the figure as drawn */
    double aspect = fig->width > 0 && fig->height > 0 ? (fig->height / (double)rows0) / (fig->width / cols0) : 0.75;
    int cols = cols0;
    double w = 0, h = 0, fs = 0;
    int title = 1;
    switch (o->style) {
    case LIVE_FIG_ONECOLUMN:
        /* a narrow column: panels stacked (two a row leave 1.7 in a
         * panel, too narrow for 8 pt labels), flatter from three on */
        cols = 1;
        aspect = n <= 2 ? 0.7 : 0.6;
        fs = 8;
        title = 0;
        break;
    case LIVE_FIG_TWOCOLUMN:
        aspect = fmin(fmax(aspect, 0.55), 1.0);
        fs = 9;
        title = 0;
        break;
    case LIVE_FIG_SLIDE:
        fs = 16;
        break;
    default:
        break;
    }
    fig_style_size(o->style, &w, &h);
    size_t rows = n > 0 ? (n + (size_t)cols - 1) / (size_t)cols : 1;
    if (w > 0 && !(h > 0))
        h = fmin(9.0 * 72, (double)rows * (w / cols) * aspect);
    if (o->width > 0 && o->height > 0) {
        w = o->width;
        h = o->height;
    }
    if (w > 0 && h > 0) {
        fig->width = w;
        fig->height = h;
        fig->columns = cols;
    }
    if (o->font_size > 0)
        fs = o->font_size;
    if (fs > 0)
        fig->font_size = fs;
    if (o->dpi > 0)
        fig->dpi = o->dpi;
    if (o->title >= 0)
        title = o->title;
    if (!title) {
        fig->title = NULL;
        for (size_t i = 0; panels && i < n; i++)
            panels[i].title = NULL;
    }
}

/* ------------------------------------------------------------------ */
/* Export                                                              */


static void num(FILE *f, double v)
{
    if (isfinite(v))
        fprintf(f, ",%.17g", v);
    else
        fputs(",", f);
}

/* CSV of a time series panel: t, mean, (extra columns), instances. */
static int write_series(const char *path, const qnn_snapshot *sn, const char *const *names,
                        const double *const *cols, int ncols, const double *inst, const char *iname)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    fputs("step", f);
    for (int c = 0; c < ncols; c++)
        fprintf(f, ",%s", names[c]);
    for (int i = 0; inst && i < sn->nfaint; i++)
        fprintf(f, ",%s_%d", iname, i + 1);
    fputc('\n', f);
    for (size_t k = 0; k < sn->nrec; k++) {
        fprintf(f, "%.0f", sn->t[k]);
        for (int c = 0; c < ncols; c++)
            num(f, cols[c][k]);
        for (int i = 0; inst && i < sn->nfaint; i++)
            num(f, inst[(size_t)i * sn->nrec + k]);
        fputc('\n', f);
    }
    int bad = ferror(f);
    return fclose(f) == 0 && !bad ? 0 : -1;
}

static int write_data(const char *dir, const qnn_snapshot *sn)
{
    char p[1400];
    snprintf(p, sizeof p, "%s/error.csv", dir);
    /* theory: of the geometric mean where the LIU23 rate is drawn
     * (QNN_THEORY_RATE, session.h), else of the mean */
    const char *en[] = {sn->use_loss ? "loss_mean" : "error_mean", sn->use_loss ? "loss_geo_mean" : "error_geo_mean",
                        "theory", "theory_kind", "frozen_kernel", "frozen_kernel_geo_mean"};
    const double *ec[] = {sn->err_mean, sn->err_geo, sn->err_theory, sn->err_theory_kind, sn->err_frozen,
                          sn->err_frozen_geo};
    if (write_series(p, sn, en, ec, 6, sn->err_inst, "instance") != 0)
        return -1;
    snprintf(p, sizeof p, "%s/kernel_t.csv", dir);
    const char *kn[] = {sn->m > 1 ? "lambda_min_mean" : "kernel_mean", "lambda_max_mean"};
    const double *kc[] = {sn->k_mean, sn->kmax_mean};
    if (write_series(p, sn, kn, kc, 2, sn->k_inst, "instance") != 0)
        return -1;
    snprintf(p, sizeof p, "%s/entropy.csv", dir);
    const char *sname[] = {"entropy_mean", "trace_distance_mean"};
    const double *scol[] = {sn->s_mean, sn->d_mean};
    if (write_series(p, sn, sname, scol, 2, sn->s_inst, "entropy_instance") != 0)
        return -1;
    snprintf(p, sizeof p, "%s/kernel_now.csv", dir);
    FILE *f = fopen(p, "w");
    if (!f)
        return -1;
    fputs("instance,k,eigenvalue\n", f);
    for (int i = 0; i < sn->ninst; i++)
        for (int j = 0; j < sn->m; j++) {
            fprintf(f, "%d,%d", i + 1, j + 1);
            num(f, sn->eig_now[(size_t)i * sn->m + j]);
            fputc('\n', f);
        }
    if (fclose(f) != 0)
        return -1;
    snprintf(p, sizeof p, "%s/hessian.csv", dir);
    f = fopen(p, "w");
    if (!f)
        return -1;
    fputs("which,step,bin_centre,density\n", f);
    const qnn_snap_hist *hs[2] = {&sn->hist_now, &sn->hist_prev};
    for (int w = 0; w < 2; w++)
        for (int b = 0; hs[w]->valid && b < QNN_SESSION_HIST_BINS; b++)
            fprintf(f, "%s,%ld,%.17g,%.17g\n", w ? "previous" : "now", hs[w]->step, hs[w]->centre[b], hs[w]->density[b]);
    return fclose(f) == 0 ? 0 : -1;
}

static json_t *jnum(double v) { return isfinite(v) ? json_real(v) : json_null(); }

/* a JSON string that never drops its key (qnn/text.h) */
static json_t *jstr(const char *s) { return qnn_json_text(s); }

/* The text value v of a key of type t as JSON: whole numbers as integers
 * (a 64-bit seed above 2^53, which a reader with doubles would round, as
 * its decimal string), real numbers as numbers, choices and texts (and a
 * number key's non-numeric value, "auto") as strings. */
static json_t *jparam(qnn_key_type t, const char *v)
{
    char *end;
    errno = 0;
    switch (t) {
    case QNN_KEY_INT:
    case QNN_KEY_LONG: {
        long long x = strtoll(v, &end, 10);
        if (*v && !*end && !errno)
            return json_integer(x);
        break;
    }
    case QNN_KEY_U64: {
        if (*v == '-')
            break;
        unsigned long long x = strtoull(v, &end, 10);
        if (*v && !*end && !errno && x <= (1ULL << 53))
            return json_integer((json_int_t)x);
        break;
    }
    case QNN_KEY_DOUBLE: {
        double x = strtod(v, &end);
        if (*v && !*end && isfinite(x))
            return json_real(x);
        break;
    }
    default:
        break;
    }
    return jstr(v);
}

/* Every key of p with its value (jparam), or NULL when memory runs out. */
static json_t *jparams(const qnn_params *p)
{
    json_t *par = json_object();
    size_t nk;
    const qnn_key_info *keys = qnn_params_keys(&nk);
    char *buf = malloc(QNN_PARAMS_GET_MAX); /* a 1024-entry labels list fits */
    for (size_t k = 0; buf && par && k < nk; k++)
        if (qnn_params_get(p, keys[k].name, buf, QNN_PARAMS_GET_MAX) == 0)
            json_object_set_new(par, keys[k].name, jparam(keys[k].type, buf));
    free(buf);
    return par;
}

/* The segments of sn (a model change or a rebuild starts one): where each
 * starts, its records and the values its labels and reference lines take. */
static json_t *jsegments(const qnn_snapshot *sn)
{
    json_t *a = json_array();
    for (size_t k = 0; a && sn->seg && k < sn->nseg; k++) {
        const qnn_snap_segment *g = &sn->seg[k];
        json_t *o = json_object();
        json_object_set_new(o, "step", json_integer(g->step0));
        json_object_set_new(o, "first_record", json_integer((json_int_t)g->rec0));
        json_object_set_new(o, "records", json_integer((json_int_t)(g->rec1 >= g->rec0 ? g->rec1 - g->rec0 : 0)));
        json_object_set_new(o, "rebuilt", json_boolean(g->rebuilt));
        json_object_set_new(o, "model", jstr(g->model));
        json_object_set_new(o, "m", json_integer(g->m));
        json_object_set_new(o, "curve", jstr(g->use_loss ? "loss" : "error"));
        json_object_set_new(o, "has_params", json_boolean(g->has_params));
        json_object_set_new(o, "kernel_unit", jnum(g->kernel_div));
        json_t *th = json_object();
        json_object_set_new(th, "mean_qntk", jnum(g->Kbar));
        json_object_set_new(th, "predicted_rate", jnum(g->rate));
        json_object_set_new(th, "noise_abs_eps", jnum(g->noise_abs_eps));
        json_object_set_new(th, "lambda_min_mean_kernel", jnum(g->lambda_min_pred));
        json_object_set_new(th, "global_min_kernel", jnum(g->global_min_pred));
        json_object_set_new(th, "page_entropy", jnum(g->page));
        json_object_set_new(th, "max_entropy", jnum(g->max_entropy));
        json_object_set_new(th, "trace_distance_bound", jnum(g->tdist_bound));
        json_object_set_new(o, "theory", th);
        json_array_append_new(a, o);
    }
    return a;
}

/* The pinned runs (key p): label (plot markup), step, changes replayed
 * and the parameters in force (the share string carries them too). */
static json_t *jpins(const live_ui *u)
{
    json_t *a = json_array();
    for (int i = 0; a && i < u->npins && i < LIVE_MAX_PINS; i++) {
        const live_pin *pn = &u->pins[i];
        json_t *o = json_object();
        json_object_set_new(o, "label", jstr(pn->label));
        json_object_set_new(o, "step", json_integer(pn->step));
        json_object_set_new(o, "changes", json_integer((json_int_t)pn->nlog));
        if (pn->sn)
            json_object_set_new(o, "params", jparams(&pn->sn->params));
        json_array_append_new(a, o);
    }
    return a;
}

static int write_state(const char *path, const live_ui *u, const qnn_snapshot *sn)
{
    json_t *o = json_object(), *par = jparams(&sn->params), *th = json_object(), *mk = json_array();
    json_object_set_new(th, "mean_qntk", jnum(sn->Kbar));
    json_object_set_new(th, "predicted_rate", jnum(sn->rate));
    json_object_set_new(th, "noise_abs_eps", jnum(sn->noise_abs_eps));
    json_object_set_new(th, "lambda_min_mean_kernel", jnum(sn->lambda_min_pred));
    json_object_set_new(th, "global_min_kernel", jnum(sn->global_min_pred));
    json_object_set_new(th, "page_entropy", jnum(sn->page));
    json_object_set_new(th, "max_entropy", jnum(sn->max_entropy));
    json_object_set_new(th, "trace_distance_bound", jnum(sn->tdist_bound));
    json_object_set_new(th, "concentration_kernel", jnum(sn->conc_kernel));
    json_object_set_new(th, "concentration_dqntk", jnum(sn->conc_dqntk));
    for (size_t k = 0; k < sn->nmarks; k++) {
        json_t *m = json_object();
        json_object_set_new(m, "step", json_integer(sn->marks[k].step));
        json_object_set_new(m, "time", jnum(sn->marks[k].time));
        json_object_set_new(m, "change", jstr(sn->marks[k].what));
        json_object_set_new(m, "rebuilt", json_boolean(sn->marks[k].rebuilt));
        json_array_append_new(mk, m);
    }
    json_object_set_new(o, "program", jstr("qnnlab gui"));
    json_object_set_new(o, "preset", jstr(u->preset));
    if (u->tour && u->tour->nsteps > 0) {
        json_t *tj = json_object();
        json_object_set_new(tj, "file", jstr(u->tour->path));
        json_object_set_new(tj, "step", json_integer(u->tour->cur + 1));
        json_object_set_new(tj, "steps", json_integer(u->tour->nsteps));
        json_object_set_new(tj, "title", jstr(u->tour->step[u->tour->cur].title));
        json_object_set_new(tj, "shown", json_boolean(u->tour->shown));
        json_object_set_new(o, "tour", tj);
    }
    /* `qnnlab gui --state state.json` restores from this member */
    json_object_set_new(o, "share", jstr(u->share));
    json_object_set_new(o, "step", json_integer(sn->step));
    json_object_set_new(o, "flow_time", jnum(sn->flow_time));
    json_object_set_new(o, "instances", json_integer(sn->ninst));
    json_object_set_new(o, "diverged", json_integer(sn->ndiverged));
    json_object_set_new(o, "diverged_step", sn->diverged_step >= 0 ? json_integer(sn->diverged_step) : json_null());
    json_object_set_new(o, "converged_step", sn->converged_step >= 0 ? json_integer(sn->converged_step) : json_null());
    json_object_set_new(o, "converge_rel", jnum(sn->converge_rel));
    json_object_set_new(o, "params", par);
    json_object_set_new(o, "theory", th);
    json_object_set_new(o, "changes", mk);
    json_object_set_new(o, "segments", jsegments(sn));
    json_object_set_new(o, "pins", jpins(u));
    json_t *vw = json_object();
    static const char *const old_names[LIVE_OLD_NMODES] = {"dim", "hide", "show"};
    json_object_set_new(vw, "old_segments",
                        jstr(u->old_segments >= 0 && u->old_segments < LIVE_OLD_NMODES ? old_names[u->old_segments] : "dim"));
    json_object_set_new(vw, "window_steps", json_integer(u->window));
    json_object_set_new(vw, "pause_converged", json_boolean(u->pause_converged));
    json_object_set_new(o, "view", vw);
    int rc = json_dump_file(o, path, JSON_INDENT(2) | JSON_ENSURE_ASCII);
    json_decref(o);
    return rc;
}

static int write_panels(const char *dir, const qnn_snapshot *sn, const live_view *vw)
{
    live_panels lp;
    if (live_panels_build(sn, vw, &lp) != 0)
        return -1;
    static const char *const ext[3] = {"png", "svg", "pdf"};
    int rc = 0;
    for (int k = 0; k < LIVE_NPANELS && rc == 0; k++) {
        int first, count;
        live_panel_plots(k, &first, &count);
        plot_figure fig = {.panels = &lp.p[first], .npanels = (size_t)count, .columns = count,
                           .width = count == 2 ? 760 : 480, .height = 320};
        /* the faces' figure options (--fig-size, --style ...) */
        live_fig_opts_apply(&fig_current, &fig, &lp.p[first]);
        for (int e = 0; e < 3 && rc == 0; e++) {
            char p[1400], err[512];
            snprintf(p, sizeof p, "%s/%s.%s", dir, live_panel_names[k], ext[e]);
            rc = plot_write(&fig, (plot_format)e, p, err, sizeof err);
        }
    }
    live_panels_free(&lp);
    return rc;
}

static void remove_tree(const char *dir)
{
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d))) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
                continue;
            char p[1400];
            snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
            unlink(p);
        }
        closedir(d);
    }
    rmdir(dir);
}

int live_export(live_ui *u, const qnn_snapshot *sn, double w, double h, double ui_scale)
{
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    char stamp[64], final[1100], tmp[1100];
    strftime(stamp, sizeof stamp, "qnnlab-%Y%m%d-%H%M%S", &tm);
    snprintf(tmp, sizeof tmp, "%s/.%s.%ld.tmp", u->export_root, stamp, (long)getpid());
    if (mkdir(tmp, 0777) != 0)
        return live_refuse(u, "export: cannot create a folder in '%s': %s; allowed: a writable directory (--export-dir)",
                    u->export_root, strerror(errno));
    live_share(u);   /* state.json carries it (an empty string if it failed) */
    char err[512] = "";
    char p[1400];
    live_view vw;
    live_view_of(u, &vw);
    int rc = write_panels(tmp, sn, &vw);
    if (rc == 0)
        rc = write_data(tmp, sn);
    if (rc == 0) {
        snprintf(p, sizeof p, "%s/state.json", tmp);
        rc = write_state(p, u, sn);
    }
    /* the circuit diagram and circuit.qasm (models with a gate-level
     * circuit); a failure there keeps the rest and says so */
    int circ = 0;
    char cerr[512] = "";
    if (rc == 0 && live_circuit_export(&sn->params, tmp, &circ, cerr, sizeof cerr) != 0) {
        static const char *const cx[4] = {"png", "svg", "pdf", "qasm"};
        for (int k = 0; k < 4; k++) {
            snprintf(p, sizeof p, "%s/circuit.%s", tmp, cx[k]);
            unlink(p);
        }
    }
    if (rc == 0 && w > 0 && h > 0) {
        snprintf(p, sizeof p, "%s/dashboard.png", tmp);
        rc = live_screenshot(u, sn, p, w, h, ui_scale, err, sizeof err);
    }
    if (rc != 0) {
        int e = errno;
        remove_tree(tmp);
        return live_refuse(u, "export to '%s' failed (%s); nothing was kept", u->export_root, err[0] ? err : strerror(e));
    }
    /* a unique final name: -2, -3 ... when a folder of that second exists */
    snprintf(final, sizeof final, "%s/%s", u->export_root, stamp);
    for (int k = 2; k < 1000; k++) {
        struct stat st;
        if (stat(final, &st) != 0)
            break;
        snprintf(final, sizeof final, "%s/%s-%d", u->export_root, stamp, k);
    }
    if (rename(tmp, final) != 0) {
        int e = errno;
        remove_tree(tmp);
        return live_refuse(u, "export: cannot rename the folder in '%s': %s", u->export_root, strerror(e));
    }
    snprintf(u->last_export, sizeof u->last_export, "%s", final);
    if (cerr[0])
        snprintf(u->status, sizeof u->status, "exported to %s, without the circuit diagram: %s", final, cerr);
    else
        snprintf(u->status, sizeof u->status, "exported to %s%s", final, circ ? " (with the circuit diagram and circuit.qasm)" : "");
    u->status_error = cerr[0] != 0;
    return 0;
}

void live_stamped_path(const live_ui *u, const char *prefix, const char *ext, char *path, size_t len)
{
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    char stamp[32], stem[96];
    strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
    snprintf(stem, sizeof stem, "%s-%s", prefix, stamp);
    /* several presses in one second: -2, -3 ... (afile_unique_path) */
    if (afile_unique_path(u->export_root, stem, ext, path, len) != 0)
        snprintf(path, len, "%s/%s.%s", u->export_root, stem, ext);
}

int live_screenshot(live_ui *u, const qnn_snapshot *sn, const char *path, double w, double h,
                    double ui_scale, char *err, size_t errlen)
{
    int W = (int)lround(w), H = (int)lround(h);
    if (W < 1 || H < 1 || W > 16384 || H > 16384) {
        snprintf(err, errlen, "screenshot size %d x %d; allowed: 1 .. 16384", W, H);
        return -1;
    }
    cairo_surface_t *sf = cairo_image_surface_create(CAIRO_FORMAT_RGB24, W, H);
    if (cairo_surface_status(sf) != CAIRO_STATUS_SUCCESS) {
        snprintf(err, errlen, "cannot allocate a %d x %d image", W, H);
        cairo_surface_destroy(sf);
        return -1;
    }
    cairo_t *cr = cairo_create(sf);
    live_layout L;
    live_layout_for(&L, w, h, ui_scale, u);
    qnn_params req;
    qnn_session_requested(u->s, &req);
    live_draw(cr, &L, u, sn, &req, NULL);
    cairo_destroy(cr);
    int rc = plot_save_png(sf, path, err, errlen);
    cairo_surface_destroy(sf);
    return rc;
}
