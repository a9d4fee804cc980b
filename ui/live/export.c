/* Export of the live faces: every panel as PNG/SVG/PDF with the data
 * behind it, and the dashboard screenshot. Files are written into a hidden
 * temporary folder (or name) and renamed when complete. */
#include "live.h"
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

static int fail(live_ui *u, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#include <stdarg.h>
static int fail(live_ui *u, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(u->status, sizeof u->status, fmt, ap);
    va_end(ap);
    u->status_error = 1;
    return -1;
}

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

static int write_state(const char *path, const live_ui *u, const qnn_snapshot *sn)
{
    json_t *o = json_object(), *par = json_object(), *th = json_object(), *mk = json_array();
    size_t nk;
    const qnn_key_info *keys = qnn_params_keys(&nk);
    char *buf = malloc(QNN_PARAMS_GET_MAX); /* a 1024-entry labels list fits */
    for (size_t k = 0; buf && k < nk; k++)
        if (qnn_params_get(&sn->params, keys[k].name, buf, QNN_PARAMS_GET_MAX) == 0)
            json_object_set_new(par, keys[k].name, jstr(buf));
    free(buf);
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
        json_object_set_new(m, "change", jstr(sn->marks[k].what));
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
    json_object_set_new(o, "share", jstr(u->share));
    json_object_set_new(o, "step", json_integer(sn->step));
    json_object_set_new(o, "instances", json_integer(sn->ninst));
    json_object_set_new(o, "diverged", json_integer(sn->ndiverged));
    json_object_set_new(o, "params", par);
    json_object_set_new(o, "theory", th);
    json_object_set_new(o, "changes", mk);
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
        return fail(u, "export: cannot create a folder in '%s': %s; allowed: a writable directory (--export-dir)",
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
        return fail(u, "export to '%s' failed (%s); nothing was kept", u->export_root, err[0] ? err : strerror(e));
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
        return fail(u, "export: cannot rename the folder in '%s': %s", u->export_root, strerror(e));
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
