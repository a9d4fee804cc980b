#include "results.h"
#include "qnn/model.h"
#include "qnn/hessian.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <jansson.h>
#include <signal.h>

#include "afile.h"
#include "qnn/text.h"

#ifndef QNN_VERSION
#define QNN_VERSION "0.0.0"
#endif

void qnn_point_label(const qnn_result *res, long k, char *buf, size_t len)
{
    const qnn_preset *ps = res->preset;
    size_t off = 0;
    buf[0] = '\0';
    for (int i = 0; i < ps->nsweep && off < len; i++) {
        int n = snprintf(buf + off, len - off, "%s%s = %s", i ? ", " : "", ps->sweep[i].key,
                         ps->sweep[i].values[res->points[k].value_index[i]]);
        if (n < 0)
            break;
        off += (size_t)n;
    }
}

/* ------------------------------------------------------------------------ */
/* trace.csv                                                                */
/* ------------------------------------------------------------------------ */

static void csv_num(FILE *f, double v)
{
    if (isnan(v))
        fputs(",", f); /* empty: not measured at this step */
    else if (isinf(v))
        fputs(v > 0 ? ",inf" : ",-inf", f);
    else
        fprintf(f, ",%.10g", v);
}

int qnn_write_trace_csv(const qnn_result *res, FILE *f)
{
    const qnn_preset *ps = res->preset;
    fputs("step,instance,eps,loss,kernel,lambda_min,lambda_max,grad_norm,yhat,t,kernel_change,spectral_drift,"
          "entropy,trace_distance,grad_inf,grad_ms,laziness,accuracy,test_accuracy,hessian_min,hessian_max,"
          "hessian_trace,hessian_frac_pos,error_proxy,event,err_norm", f);
    /* test_loss: only when a model of the run holds rows out (the column
     * set of every other run stays as it was) */
    int heldout = 0;
    for (long k = 0; k < res->npoints; k++)
        heldout |= qnn_model_has(res->points[k].params.model, QNN_CAP_HELDOUT);
    if (heldout)
        fputs(",test_loss", f);
    for (int i = 0; i < ps->nsweep; i++)
        fprintf(f, ",%s", ps->sweep[i].key);
    /* record_residuals: r_1 .. r_M, M the largest m of the points that keep them */
    int M = 0;
    for (long k = 0; k < res->npoints; k++)
        if (res->points[k].params.record_residuals && res->points[k].run->m > M)
            M = res->points[k].run->m;
    for (int j = 1; j <= M; j++)
        fprintf(f, ",r_%d", j);
    fputc('\n', f);
    for (long k = 0; k < res->npoints; k++) {
        const qnn_point *pt = &res->points[k];
        const qnn_run *run = pt->run;
        for (int i = 0; i < run->ninst; i++) {
            const qnn_run_instance *ri = &run->inst[i];
            for (size_t r = 0; r < ri->nrec; r++) {
                const qnn_obs *o = &ri->rec[r];
                /* a diverged record keeps its non-finite values: NaN there
                 * is a value, not a gap */
                fprintf(f, "%ld,%d", o->step, ri->index);
                int last_bad = ri->diverged_at >= 0 && r + 1 == ri->nrec;
                double vals[24] = { o->eps, o->loss, o->kernel, o->lambda_min, o->lambda_max, o->grad_norm,
                                    o->yhat0, o->time, o->kchange, o->drift, o->entropy, o->tdist, o->grad_inf,
                                    o->grad_ms, o->laziness, o->accuracy, o->test_accuracy, o->h_min, o->h_max,
                                    o->h_trace, o->h_frac_pos, o->proxy, NAN, o->err_norm };
                for (int c = 0; c < 24; c++) {
                    if (c == 22) { /* event bits: always a value */
                        fprintf(f, ",%d", o->event);
                        continue;
                    }
                    /* empty: not computed at this record (eigenvalues and
                     * drift follow kernel_every, the entropy entropy_every,
                     * the Hessian hessian_every; drift is asymptotic only,
                     * accuracies spirals only, err_norm carleman only) */
                    if (last_bad && isnan(vals[c]) && c != 3 && c != 4 && c != 9 && c != 10 && c != 11 && c < 15)
                        fputs(",nan", f);
                    else
                        csv_num(f, vals[c]);
                }
                if (heldout)
                    csv_num(f, o->test_loss);
                for (int s = 0; s < ps->nsweep; s++)
                    fprintf(f, ",%s", ps->sweep[s].values[pt->value_index[s]]);
                for (int j = 0; j < M; j++) {
                    if (ri->resid && j < run->m)
                        csv_num(f, ri->resid[r * (size_t)run->m + (size_t)j]);
                    else
                        fputc(',', f);
                }
                fputc('\n', f);
            }
        }
    }
    return ferror(f) ? -1 : 0;
}

int qnn_result_has_hessian(const qnn_result *res)
{
    for (long k = 0; k < res->npoints; k++)
        if (res->points[k].params.hessian != QNN_HESS_OFF)
            return 1;
    return 0;
}

int qnn_write_spectra_csv(const qnn_result *res, FILE *f)
{
    const qnn_preset *ps = res->preset;
    fputs("step,instance,method,upload,x,weight", f);
    for (int i = 0; i < ps->nsweep; i++)
        fprintf(f, ",%s", ps->sweep[i].key);
    fputc('\n', f);
    for (long k = 0; k < res->npoints; k++) {
        const qnn_point *pt = &res->points[k];
        const qnn_run *run = pt->run;
        for (int i = 0; i < run->ninst; i++) {
            const qnn_run_instance *ri = &run->inst[i];
            for (size_t q = 0; q < ri->nspec; q++) {
                const qnn_spectrum_rec *sp = &ri->spec[q];
                for (size_t j = 0; j < sp->n; j++) {
                    fprintf(f, "%ld,%d,%s,%d", sp->step, ri->index, sp->exact ? "exact" : "slq", sp->upload ? 1 : 0);
                    csv_num(f, sp->x[j]);
                    /* 12 digits: the weights of one spectrum still sum to 1 within 1e-11 */
                    fprintf(f, ",%.12g", sp->w[j]);
                    for (int s = 0; s < ps->nsweep; s++)
                        fprintf(f, ",%s", ps->sweep[s].values[pt->value_index[s]]);
                    fputc('\n', f);
                }
            }
        }
    }
    return ferror(f) ? -1 : 0;
}

/* ------------------------------------------------------------------------ */
/* summary.json                                                             */
/* ------------------------------------------------------------------------ */

/* 1 for the keys summary.json leaves out: the thread count changes how a
 * run is computed, never its numbers, and the files of a run are the same
 * bytes at every --threads (the count is in the run's log line) */
static int unrecorded_key(const char *kv)
{
    return !strncmp(kv, "threads", 7) && (kv[7] == '\0' || kv[7] == '=' || kv[7] == ' ');
}

static json_t *jnum(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

static json_t *jstat(qnn_stat s)
{
    json_t *o = json_object();
    json_object_set_new(o, "mean", jnum(s.mean));
    json_object_set_new(o, "se", jnum(s.se));
    json_object_set_new(o, "sd", jnum(s.sd));
    json_object_set_new(o, "n", json_integer((json_int_t)s.n));
    return o;
}

/* A statistic only where it was measured (models and observers that do
 * not compute it leave it out rather than write nulls). */
static void jstat_if(json_t *o, const char *name, qnn_stat s)
{
    if (s.n > 0 && isfinite(s.mean))
        json_object_set_new(o, name, jstat(s));
}

static const char *param_text(const qnn_params *p, const char *key, char *buf, size_t len)
{
    if (qnn_params_get(p, key, buf, len) != 0)
        buf[0] = '\0';
    return buf;
}

/* The Hessian observer of one point: what was computed, the histogram
 * settings the figure uses, the error proxy's convention, and the summary
 * of every spectrum of instance 0. */
static json_t *jhessian(const qnn_point *pt)
{
    const qnn_params *p = &pt->params;
    const qnn_run *run = pt->run;
    char buf[64];
    json_t *o = json_object();
    size_t nexact = 0, nslq = 0, dim = 0;
    for (int i = 0; i < run->ninst; i++)
        for (size_t q = 0; q < run->inst[i].nspec; q++) {
            const qnn_spectrum_rec *sp = &run->inst[i].spec[q];
            if (sp->exact)
                nexact++;
            else
                nslq++;
            dim = sp->dim;
        }
    json_object_set_new(o, "requested", qnn_json_text(param_text(p, "hessian", buf, sizeof buf)));
    json_object_set_new(o, "method", qnn_json_text(nexact && nslq ? "exact and slq" : nslq ? "slq" : nexact ? "exact" : "none"));
    json_object_set_new(o, "parameters", json_integer((json_int_t)(dim ? (double)dim : qnn_params_n_params(p))));
    json_object_set_new(o, "every", json_integer(p->hessian_every));
    json_object_set_new(o, "spectra", json_integer((json_int_t)(nexact + nslq)));
    if (nslq) {
        json_object_set_new(o, "slq_probes", json_integer(p->slq_probes));
        json_object_set_new(o, "slq_steps", json_integer(p->slq_steps));
    }
    json_object_set_new(o, "weights", qnn_json_text(nslq ? "SLQ: Gauss quadrature weights of the Ritz values over all probes, summing to 1 (weight x P estimates the eigenvalues near a node)"
                                                       : "exact: every eigenvalue with weight 1/P"));
    json_object_set_new(o, "matrix", qnn_json_text(p->model->hessian_matrix ? p->model->hessian_matrix
        : "H, the Hessian of the loss with respect to the parameters"));
    json_object_set_new(o, "bins", json_integer(p->hessian_bins));
    double lo, hi;
    if (p->hessian_lo < p->hessian_hi)
        json_object_set_new(o, "range", json_pack("[f, f]", p->hessian_lo, p->hessian_hi));
    else
        json_object_set_new(o, "range", qnn_json_text("auto"));
    if (qnn_hessian_hist_range(pt, &lo, &hi) == 0)
        json_object_set_new(o, "range_used", json_pack("[f, f]", lo, hi));
    json_t *px = json_object();
    const double eta = qnn_params_eta(p);
    const int by_eta = p->proxy_scale == QNN_PROXY_ETA;
    json_object_set_new(px, "definition", qnn_json_text(
        "LIU24 Eqs. III.12-13: proxy(tau) = (1/N_c) sum_{|a_k| >= cut} w_k |1 + a_k|^tau over the spectrum of the last upload, "
        "tau = steps since that upload (step 0, or a pruning step + prune_classical); exactly 1 during the classical steps after a pruning"));
    json_object_set_new(px, "a", qnn_json_text(by_eta ? "a = -eta lambda: 1 + a = 1 - eta lambda is the multiplier of the linearised step theta <- theta - eta H theta (spec F1 = -eta spec H, LIU24 Eq. II.65); lambda > 0 dissipative"
                                                    : "a = -lambda (LIU24 Fig. 2's words, 'the negative of the Hessian eigenvalues'); lambda > 0 dissipative"));
    json_object_set_new(px, "scale", qnn_json_text(by_eta ? "eta" : "one"));
    json_object_set_new(px, "s", jnum(by_eta ? eta : 1.0));
    json_object_set_new(px, "cut", jnum(p->proxy_cut));
    char lam[160];
    if (by_eta && eta > 0)
        snprintf(lam, sizeof lam, "|a| >= %g keeps the eigenvalues with |lambda| >= %.6g", p->proxy_cut, p->proxy_cut / eta);
    else
        snprintf(lam, sizeof lam, "|a| >= %g keeps the eigenvalues with |lambda| >= %g", p->proxy_cut, p->proxy_cut);
    json_object_set_new(px, "kept", qnn_json_text(lam));
    json_object_set_new(px, "N_c", qnn_json_text("the spectral weight that survives the cut (the fraction of eigenvalues kept); dividing by it makes proxy(0) = 1"));
    json_object_set_new(o, "error_proxy", px);
    json_t *arr = json_array();
    if (run->ninst > 0) {
        const qnn_run_instance *ri = &run->inst[0];
        for (size_t q = 0; q < ri->nspec; q++) {
            const qnn_spectrum_rec *sp = &ri->spec[q];
            qnn_spectrum v = { sp->n, sp->x, sp->w, sp->exact, sp->dim };
            qnn_spectrum_stats st;
            json_t *e = json_object();
            json_object_set_new(e, "step", json_integer(sp->step));
            json_object_set_new(e, "upload", json_boolean(sp->upload));
            /* the engine's zero tolerance: 1e-8 of the largest magnitude */
            double tol = sp->n > 0 ? 1e-8 * fmax(fabs(sp->x[0]), fabs(sp->x[sp->n - 1])) : 0.0;
            if (sp->n > 0 && qnn_spectrum_summary(&v, tol, &st) == QNN_HESS_OK) {
                json_object_set_new(e, "min", jnum(st.min));
                json_object_set_new(e, "max", jnum(st.max));
                json_object_set_new(e, "trace", jnum(st.trace));
                json_object_set_new(e, "frac_pos", jnum(st.frac_pos));
            }
            json_array_append_new(arr, e);
        }
    }
    json_object_set_new(o, "instance_0", arr);
    return o;
}

static json_t *jmlp(const qnn_params *p)
{
    char buf[64];
    int w[QNN_MLP_MAX_HIDDEN + 2];
    const int L = qnn_params_mlp_widths(p, w);
    json_t *o = json_object();
    json_t *wa = json_array();
    for (int l = 0; l <= L; l++)
        json_array_append_new(wa, json_integer(w[l]));
    json_object_set_new(o, "widths", wa);
    json_object_set_new(o, "weight_layers", json_integer(L));
    json_object_set_new(o, "parameters", json_integer((json_int_t)qnn_params_n_params(p)));
    json_object_set_new(o, "activation", qnn_json_text(param_text(p, "activation", buf, sizeof buf)));
    json_object_set_new(o, "init", json_pack("{s:f, s:f, s:s}", "c_w", p->c_w, "c_b", p->c_b,
                                             "rule", "W ~ N(0, c_w / n_{l-1}), b ~ N(0, c_b) (LeCun, LLJ Eq. 2)"));
    json_object_set_new(o, "lr_scale", qnn_json_text(param_text(p, "lr_scale", buf, sizeof buf)));
    json_object_set_new(o, "lr_rule", qnn_json_text(p->lr_scale == QNN_LR_NTK ? "W^(l) steps with eta / n_{l-1}, b^(l) with eta"
                                                                             : "every parameter steps with eta"));
    json_object_set_new(o, "data", qnn_json_text(param_text(p, "data", buf, sizeof buf)));
    json_object_set_new(o, "samples", json_integer(p->m));
    if (p->data == QNN_DATA_SPIRALS) {
        json_object_set_new(o, "classes", json_integer(p->classes));
        json_object_set_new(o, "test_samples", json_integer(p->n_test));
    }
    if (p->prune_every > 0)
        json_object_set_new(o, "sparse", json_pack("{s:f, s:i, s:i, s:s}", "prune", p->prune, "every", p->prune_every,
                                                   "classical", p->prune_classical,
                                                   "rule", "LIU24 Sec. III.B: at steps P, 2P, ... the fraction `prune` of the weights "
                                                           "smallest in magnitude is set to 0"));
    return o;
}

static json_t *jcarleman(const qnn_params *p)
{
    return json_pack("{s:i, s:f, s:i, s:f, s:i, s:f, s:s, s:s, s:s, s:s}",
                     "ode_n", p->ode_n, "ode_f", p->ode_f, "carleman_order", p->carleman_order,
                     "ode_tmax", p->ode_tmax, "ode_points", p->ode_points, "ode_u0", p->ode_u0,
                     "system", "du/dt = F1 u + F2 (u (x) u), F1 = -Q diag(h) Q^T with a fraction f of h ~ U(0, 1) (dissipative) "
                               "and the rest U(-0.01, 0), Q random orthogonal; F2 entries U(-0.015, 0.015) (LIU24 App. III.C)",
                     "times", "record k at t_k = obs t, log-spaced from ode_tmax / 1e3 to ode_tmax",
                     "eps", "|u_c(t) - yhat_{1,c}(t)| for one randomly chosen component c (LIU24 Fig. 4)",
                     "err_norm", "||u(t) - yhat_1(t)||_2 of the order-N Carleman linearisation against the exact solution");
}

/* summary.json's extra section per training figure (qnn_model_class.figure):
 * the figure's parameters under the figure's name. */
static const struct {
    const char *figure;
    json_t *(*section)(const qnn_params *p);
} fig_sections[] = {
    {"mlp", jmlp},
    {"carleman", jcarleman},
};

static json_t *jparams(const qnn_params *p)
{
    json_t *o = json_object();
    size_t nk;
    const qnn_key_info *keys = qnn_params_keys(&nk);
    /* a labels list of 1024 numbers is ~25 KiB: never cut */
    char *buf = malloc(QNN_PARAMS_GET_MAX);
    if (!buf) {
        json_decref(o);
        return NULL;
    }
    for (size_t i = 0; i < nk; i++) {
        if (unrecorded_key(keys[i].name))
            continue;
        qnn_params_get(p, keys[i].name, buf, QNN_PARAMS_GET_MAX);
        switch (keys[i].type) {
        case QNN_KEY_INT:
        case QNN_KEY_LONG:
            json_object_set_new(o, keys[i].name, json_integer(strtoll(buf, NULL, 10)));
            break;
        case QNN_KEY_U64: /* may exceed JSON integers: keep the digits */
            json_object_set_new(o, keys[i].name, qnn_json_text(buf));
            break;
        case QNN_KEY_DOUBLE:
            json_object_set_new(o, keys[i].name, jnum(strtod(buf, NULL)));
            break;
        default:
            json_object_set_new(o, keys[i].name, qnn_json_text(buf));
        }
    }
    free(buf);
    json_object_set_new(o, "D", json_integer((json_int_t)1 << p->n));
    return o;
}

/* The ensemble mean and standard error against the step, at most
 * QNN_CURVE_MAX records (evenly thinned, the last one always kept). */
#define QNN_CURVE_MAX 1000

static json_t *jcurve(const qnn_run *run)
{
    static const struct { const char *name; qnn_field f; } fields[] = {
        { "eps", QNN_FIELD_EPS }, { "abs_eps", QNN_FIELD_ABS_EPS }, { "loss", QNN_FIELD_LOSS },
        { "kernel", QNN_FIELD_KERNEL }, { "lambda_min", QNN_FIELD_LAMBDA_MIN },
        { "kernel_change", QNN_FIELD_KCHANGE },
    };
    json_t *o = json_object();
    json_t *steps = json_array(), *times = json_array();
    json_object_set_new(o, "step", steps);
    json_object_set_new(o, "t", times);
    const double dt = run->ninst > 0 ? run->inst[0].consts.dt : NAN;
    for (size_t f = 0; f < sizeof fields / sizeof fields[0]; f++) {
        double *t, *mean, *se;
        size_t n = qnn_ensemble_curve(run, fields[f].f, &t, &mean, &se);
        size_t stride = n > QNN_CURVE_MAX ? (n + QNN_CURVE_MAX - 1) / QNN_CURVE_MAX : 1;
        json_t *jm = json_array(), *js = json_array();
        for (size_t r = 0; r < n; r += stride) {
            size_t k = r + stride >= n ? n - 1 : r;
            if (f == 0) {
                json_array_append_new(steps, json_integer((json_int_t)t[k]));
                json_array_append_new(times, jnum(t[k] * dt));
            }
            json_array_append_new(jm, jnum(mean[k]));
            json_array_append_new(js, jnum(se[k]));
            if (k == n - 1)
                break;
        }
        free(t);
        free(mean);
        free(se);
        json_t *e = json_object();
        json_object_set_new(e, "mean", jm);
        json_object_set_new(e, "se", js);
        json_object_set_new(o, fields[f].name, e);
    }
    return o;
}

static json_t *jpoint(const qnn_result *res, long k)
{
    const qnn_point *pt = &res->points[k];
    const qnn_summary *s = &pt->sum;
    const qnn_run *run = pt->run;
    json_t *o = json_object();
    json_t *sw = json_object();
    for (int i = 0; i < res->preset->nsweep; i++)
        json_object_set_new(sw, res->preset->sweep[i].key,
                            qnn_json_text(res->preset->sweep[i].values[pt->value_index[i]]));
    json_object_set_new(o, "sweep", sw);

    json_t *c = json_object();
    json_object_set_new(c, "D", jnum(s->D));
    json_object_set_new(c, "L", jnum(s->L));
    json_object_set_new(c, "m", json_integer(s->m));
    json_object_set_new(c, "gamma", jnum(s->gamma));
    json_object_set_new(c, "eta", jnum(s->eta));
    json_object_set_new(c, "sigma_theta", jnum(s->sigma_theta));
    json_object_set_new(c, "trO_mean", jnum(s->trO));
    json_object_set_new(c, "trO2_mean", jnum(s->trO2));
    json_object_set_new(c, "trO4_mean", jnum(s->trO4));
    json_object_set_new(c, "sum_H_op2_mean", jnum(s->H_op2_sum));
    json_object_set_new(c, "time_per_step", jnum(run->ninst > 0 ? run->inst[0].consts.dt : NAN));
    json_object_set_new(o, "constants", c);

    json_object_set_new(o, "instances", json_integer(s->instances));
    json_t *dv = json_array();
    for (int i = 0; i < run->ninst; i++)
        if (run->inst[i].diverged_at >= 0) {
            json_t *d = json_object();
            char msg[64];
            snprintf(msg, sizeof msg, "diverged at step %ld", run->inst[i].diverged_at);
            json_object_set_new(d, "instance", json_integer(run->inst[i].index));
            json_object_set_new(d, "step", json_integer(run->inst[i].diverged_at));
            json_object_set_new(d, "status", qnn_json_text(msg));
            json_array_append_new(dv, d);
        }
    json_object_set_new(o, "diverged", dv);

    json_t *ms = json_object();
    json_object_set_new(ms, "eps_t0", jstat(s->eps_t0));
    json_object_set_new(ms, "abs_eps_t0", jstat(s->abs_eps_t0));
    json_object_set_new(ms, "eps_final", jstat(s->eps_final));
    json_object_set_new(ms, "abs_eps_final", jstat(s->abs_eps_final));
    json_object_set_new(ms, "loss_t0", jstat(s->loss_t0));
    json_object_set_new(ms, "loss_final", jstat(s->loss_final));
    json_object_set_new(ms, "kernel_t0", jstat(s->kernel_t0));
    json_object_set_new(ms, "kernel_final", jstat(s->kernel_final));
    json_object_set_new(ms, "kernel_rel_std_t0", jnum(s->kernel_rel_std_t0));
    json_object_set_new(ms, "kernel_rel_std_t0_se", jnum(s->kernel_rel_std_t0_se));
    json_object_set_new(ms, "lambda_min_t0", jstat(s->lambda_min_t0));
    json_object_set_new(ms, "lambda_max_t0", jstat(s->lambda_max_t0));
    json_object_set_new(ms, "lambda_min_final", jstat(s->lambda_min_final));
    json_object_set_new(ms, "rate_final", jstat(s->rate_final));
    json_object_set_new(ms, "lambda_min_least", jstat(s->lambda_min_least));
    json_object_set_new(ms, "kernel_change_final", jstat(s->kernel_change_final));
    if (qnn_model_has(pt->params.model, QNN_CAP_DRIFT))
        json_object_set_new(ms, "spectral_drift_final", jstat(s->spectral_drift_final));
    json_object_set_new(ms, "time_final", jnum(s->time_final));
    if (s->n_v_obs > 0) {
        json_t *en = json_object();
        json_object_set_new(en, "n_v", json_integer(s->n_v_obs));
        json_object_set_new(en, "n_h", json_integer(s->n_h_obs));
        json_object_set_new(en, "unit", qnn_json_text(pt->params.entropy_bits ? "bits" : "nats"));
        json_object_set_new(en, "entropy_t0", jstat(s->entropy_t0));
        json_object_set_new(en, "entropy_final", jstat(s->entropy_final));
        json_object_set_new(en, "trace_distance_t0", jstat(s->tdist_t0));
        json_object_set_new(en, "trace_distance_final", jstat(s->tdist_final));
        json_object_set_new(ms, "visible", en);
    }
    json_object_set_new(ms, "grad_inf_t0", jstat(s->grad_inf_t0));
    jstat_if(ms, "grad_ms_t0", s->grad_ms_t0);
    jstat_if(ms, "laziness_final", s->laziness_final);
    jstat_if(ms, "accuracy_final", s->accuracy_final);
    jstat_if(ms, "test_accuracy_final", s->test_accuracy_final);
    jstat_if(ms, "test_loss_final", s->test_loss_final);
    jstat_if(ms, "hessian_min_t0", s->hessian_min_t0);
    jstat_if(ms, "hessian_max_t0", s->hessian_max_t0);
    jstat_if(ms, "hessian_frac_pos_t0", s->hessian_frac_pos_t0);
    jstat_if(ms, "hessian_min_final", s->hessian_min_final);
    jstat_if(ms, "hessian_max_final", s->hessian_max_final);
    jstat_if(ms, "hessian_frac_pos_final", s->hessian_frac_pos_final);
    if (isfinite(s->kernel_rel_var_t0)) {
        json_object_set_new(ms, "kernel_rel_var_t0", jnum(s->kernel_rel_var_t0));
        json_object_set_new(ms, "kernel_rel_var_t0_se", jnum(s->kernel_rel_var_t0_se));
    }
    if (s->m > 1) {
        json_t *ev = json_array();
        for (int j = 0; j < run->m; j++)
            json_array_append_new(ev, jnum(run->mean_K0_eig[j]));
        json_object_set_new(ms, "mean_kernel_eigenvalues_t0", ev);
        json_object_set_new(ms, "lambda_min_mean_kernel_t0", jnum(s->lambda_min_mean_kernel_t0));
        json_object_set_new(ms, "lambda_min_mean_kernel_t0_se", jnum(s->lambda_min_mean_kernel_t0_se));
    }
    json_object_set_new(o, "measured", ms);
    /* the section of the figure the class is drawn in, if it has one */
    for (size_t i = 0; i < sizeof fig_sections / sizeof fig_sections[0]; i++)
        if (pt->params.model->figure && !strcmp(pt->params.model->figure, fig_sections[i].figure))
            json_object_set_new(o, fig_sections[i].figure, fig_sections[i].section(&pt->params));
    if (pt->params.hessian != QNN_HESS_OFF)
        json_object_set_new(o, "hessian", jhessian(pt));
    json_object_set_new(o, "ensemble_curve", jcurve(run));

    json_t *th = json_object();
    for (size_t i = 0; i < s->ntheory; i++) {
        const qnn_theory_value *v = &s->theory[i];
        json_t *t = json_object();
        json_object_set_new(t, "value", jnum(v->value));
        json_object_set_new(t, "formula", qnn_json_text(v->formula));
        json_object_set_new(t, "source", qnn_json_text(v->source));
        json_object_set_new(t, "statistic", qnn_json_text(v->statistic));
        json_t *cc = json_object();
        for (size_t j = 0; j < v->nconsts; j++)
            json_object_set_new(cc, v->consts[j].name, jnum(v->consts[j].value));
        json_object_set_new(t, "constants", cc);
        json_object_set_new(t, "measured", jnum(v->measured));
        json_object_set_new(t, "measured_se", jnum(v->measured_se));
        if (isfinite(v->measured) && isfinite(v->measured_se) && v->measured_se > 0)
            json_object_set_new(t, "z", jnum((v->measured - v->value) / v->measured_se));
        json_object_set_new(th, v->name, t);
    }
    const int conc = qnn_concentration_holds(s);
    if (conc >= 0)
        json_object_set_new(th, "concentration_holds", json_boolean(conc));
    json_object_set_new(o, "theory", th);
    return o;
}

/* figure = compare: for each combination of the other swept keys, how far
 * the QNN's and the frozen kernel's trajectories lie from the asymptotic
 * dynamics started from the same M(0) and data. */
static json_t *jcomparison(const qnn_result *res)
{
    const qnn_preset *ps = res->preset;
    int mk = -1;
    for (int i = 0; i < ps->nsweep; i++)
        if (strcmp(ps->sweep[i].key, "model") == 0)
            mk = i;
    if (mk < 0)
        return NULL;
    json_t *arr = json_array();
    for (long k = 0; k < res->npoints; k++) {
        const qnn_point *q = &res->points[k];
        if (!qnn_model_offers(q->params.model, "compare"))
            continue;
        const qnn_point *comp[2] = { NULL, NULL };   /* asymptotic, frozen */
        for (long j = 0; j < res->npoints; j++) {
            const qnn_point *c = &res->points[j];
            int same = 1;
            for (int i = 0; i < ps->nsweep; i++)
                if (i != mk && c->value_index[i] != q->value_index[i])
                    same = 0;
            if (!same)
                continue;
            if (!qnn_model_offers(c->params.model, "companion"))
                continue;
            comp[qnn_model_has(c->params.model, QNN_CAP_FROZEN_K)] = c;
        }
        if (!comp[0])
            continue;
        json_t *o = json_object();
        json_t *sw = json_object();
        for (int i = 0; i < ps->nsweep; i++)
            if (i != mk)
                json_object_set_new(sw, ps->sweep[i].key, qnn_json_text(ps->sweep[i].values[q->value_index[i]]));
        json_object_set_new(o, "sweep", sw);
        json_object_set_new(o, "time_final", jnum(q->sum.time_final));
        const int R = q->run->ninst < comp[0]->run->ninst ? q->run->ninst : comp[0]->run->ninst;
        double *col = calloc((size_t)R * 5 + 1, sizeof(double));
        if (!col) {
            json_decref(o);
            continue;
        }
        for (int i = 0; i < R; i++) {
            col[i] = qnn_max_eps_distance(&q->run->inst[i], &comp[0]->run->inst[i], q->run->m);
            col[R + i] = comp[1] && i < comp[1]->run->ninst
                             ? qnn_max_eps_distance(&comp[1]->run->inst[i], &comp[0]->run->inst[i], q->run->m) : NAN;
            col[2 * R + i] = qnn_late_rate(&q->run->inst[i]);
            col[3 * R + i] = qnn_late_rate(&comp[0]->run->inst[i]);
            col[4 * R + i] = comp[1] && i < comp[1]->run->ninst ? qnn_late_rate(&comp[1]->run->inst[i]) : NAN;
        }
        json_object_set_new(o, "qnn_vs_asymptotic", jstat(qnn_stat_of(col, 1, (size_t)R)));
        json_object_set_new(o, "frozen_vs_asymptotic", jstat(qnn_stat_of(col + R, 1, (size_t)R)));
        json_t *lr = json_object();
        json_object_set_new(lr, "periodic", jstat(qnn_stat_of(col + 2 * R, 1, (size_t)R)));
        json_object_set_new(lr, "asymptotic", jstat(qnn_stat_of(col + 3 * R, 1, (size_t)R)));
        json_object_set_new(lr, "frozen", jstat(qnn_stat_of(col + 4 * R, 1, (size_t)R)));
        json_object_set_new(o, "late_rate", lr);
        json_t *lf = json_object();
        json_object_set_new(lf, "periodic", jstat(q->sum.loss_final));
        json_object_set_new(lf, "asymptotic", jstat(comp[0]->sum.loss_final));
        if (comp[1])
            json_object_set_new(lf, "frozen", jstat(comp[1]->sum.loss_final));
        json_object_set_new(o, "loss_final", lf);
        free(col);
        json_array_append_new(arr, o);
    }
    return arr;
}

int qnn_stats_has(const char *stats, const char *name)
{
    const size_t n = strlen(name);
    for (const char *t = stats; (t = strstr(t, name)) != NULL; t += n) {
        const int start = t == stats || t[-1] == ',' || t[-1] == ' ';
        const int end = t[n] == '\0' || t[n] == ',' || t[n] == ' ';
        if (start && end)
            return 1;
    }
    return 0;
}

int qnn_hessian_hist_range(const qnn_point *pt, double *lo, double *hi)
{
    const qnn_params *p = &pt->params;
    if (p->hessian_lo < p->hessian_hi) {
        *lo = p->hessian_lo;
        *hi = p->hessian_hi;
        return 0;
    }
    double a = INFINITY, b = -INFINITY;
    if (pt->run->ninst > 0) {
        const qnn_run_instance *ri = &pt->run->inst[0];
        for (size_t q = 0; q < ri->nspec; q++)
            for (size_t j = 0; j < ri->spec[q].n; j++) {
                double v = ri->spec[q].x[j];
                if (isfinite(v)) {
                    a = fmin(a, v);
                    b = fmax(b, v);
                }
            }
    }
    if (!(a <= b))
        return -1;
    /* as qnn_spectrum_histogram_auto: 1 % of the spread on either side, so
     * that the extreme eigenvalues fall inside the outer bins */
    double m = b > a ? 0.01 * (b - a) : 1e-3 * fmax(fabs(a), 1.0);
    *lo = a - m;
    *hi = b + m;
    return 0;
}

/* Per combination of the other swept keys: the log-log slope of statistic
 * `which` against the first swept key (width). */
static json_t *jwidth_fit(const qnn_result *res, int which)
{
    const qnn_preset *ps = res->preset;
    const qnn_width_law *law = &qnn_width_laws[which];
    const int nx = ps->sweep[0].nvalues;
    const long ng = res->npoints / nx;
    json_t *fits = json_array();
    double *x = malloc((size_t)nx * sizeof(double)), *y = malloc((size_t)nx * sizeof(double));
    double *e = malloc((size_t)nx * sizeof(double));
    for (long g = 0; x && y && e && g < ng; g++) {
        for (int i = 0; i < nx; i++) {
            const qnn_point *pt = &res->points[(long)i * ng + g];
            x[i] = pt->params.width;
            qnn_width_law_value(&pt->sum, which, &y[i], &e[i]);
        }
        double A, b, bse;
        size_t used = qnn_fit_power(x, y, e, (size_t)nx, &A, &b, &bse);
        json_t *fo = json_object();
        json_t *sw = json_object();
        const qnn_point *pt = &res->points[g];
        for (int i = 1; i < ps->nsweep; i++)
            json_object_set_new(sw, ps->sweep[i].key, qnn_json_text(ps->sweep[i].values[pt->value_index[i]]));
        json_object_set_new(fo, "key", qnn_json_text(ps->sweep[0].key));
        json_object_set_new(fo, "sweep", sw);
        json_object_set_new(fo, "statistic", qnn_json_text(law->summary));
        char model[160];
        snprintf(model, sizeof model, "%s = A width^slope, weighted least squares on ln y against ln width (weights (y/se)^2)", law->summary);
        json_object_set_new(fo, "model", qnn_json_text(model));
        json_object_set_new(fo, "points", json_integer((json_int_t)used));
        json_object_set_new(fo, "A", jnum(A));
        json_object_set_new(fo, "slope", jnum(b));
        json_object_set_new(fo, "slope_se", jnum(bse));
        if (isfinite(law->prediction)) {
            json_object_set_new(fo, "prediction", jnum(law->prediction));
            json_object_set_new(fo, "prediction_source", qnn_json_text(law->source));
            if (isfinite(b) && isfinite(bse) && bse > 0)
                json_object_set_new(fo, "z", jnum((b - law->prediction) / bse));
        }
        json_array_append_new(fits, fo);
    }
    free(x);
    free(y);
    free(e);
    return fits;
}

int qnn_write_summary_json(const qnn_result *res, FILE *f)
{
    const qnn_preset *ps = res->preset;
    json_t *root = json_object();
    json_object_set_new(root, "program", qnn_json_text("qnnlab"));
    json_object_set_new(root, "version", qnn_json_text(QNN_VERSION));
    json_object_set_new(root, "preset", qnn_json_text(ps->name));
    json_object_set_new(root, "description", qnn_json_text(ps->description));
    json_t *ov = json_array();
    for (int i = 0; i < res->noverrides; i++)
        if (!unrecorded_key(res->overrides[i]))
            json_array_append_new(ov, qnn_json_text(res->overrides[i]));
    json_object_set_new(root, "overrides", ov);
    char seed[32];
    qnn_params_get(&ps->params, "seed", seed, sizeof seed);
    json_object_set_new(root, "seed", qnn_json_text(seed));
    json_object_set_new(root, "parameters", jparams(&ps->params));
    json_t *sw = json_array();
    for (int i = 0; i < ps->nsweep; i++) {
        json_t *k = json_object();
        json_object_set_new(k, "key", qnn_json_text(ps->sweep[i].key));
        json_t *vals = json_array();
        for (int j = 0; j < ps->sweep[i].nvalues; j++)
            json_array_append_new(vals, qnn_json_text(ps->sweep[i].values[j]));
        json_object_set_new(k, "values", vals);
        json_array_append_new(sw, k);
    }
    json_object_set_new(root, "sweep", sw);
    json_t *conv = json_object();
    json_object_set_new(conv, "qubit_order", qnn_json_text("basis index b = sum_k b_k 2^k; Pauli strings most significant qubit first"));
    json_object_set_new(conv, "eps", qnn_json_text("m = 1: signed residual yhat - y; m > 1: sqrt(sum r^2 / m)"));
    json_object_set_new(conv, "kernel", qnn_json_text("tr K / m with K = J J^T, J the Jacobian of the residuals; "
                                                    "asymptotic/frozen: K_asym,ij = tr(i[M,rho_i] i[M,rho_j]) (YOU23 Eq. 7)"));
    json_object_set_new(conv, "loss", qnn_json_text(ps->params.model->loss_text ? ps->params.model->loss_text
                                                      : "(1/2m) sum (yhat - y)^2, theta -= eta grad (YOU23); asymptotic: dM/dt = -eta sum r_j [M,[M,rho_j]] (Eq. 119)"));
    json_object_set_new(conv, "time", qnn_json_text("step counts steps; t is the time of the gradient flow the model approximates: "
                                                  "random eta*step, periodic eta*step*p/m (YOU23 Thm. 4.2, tr H^2/(d^2-1) = 1), "
                                                  "asymptotic/frozen eta*step"));
    json_object_set_new(conv, "kernel_change", qnn_json_text("||K(t) - K(0)||_F / ||K(0)||_F (YOU23 Fig. 5)"));
    json_object_set_new(conv, "visible_qubits", qnn_json_text("qubits 0 .. n_v - 1 (least significant) are visible, n_v = n - n_h; "
                                                            "with n_h = 0 the entropy cut puts qubits 0 .. cut - 1 (cut = 0: n/2) on the visible side; "
                                                            "entropy and trace_distance are those of the output state of the first input"));
    json_object_set_new(conv, "spectral_drift", qnn_json_text("asymptotic: max_i |lambda_i(M(t)) - lambda_i(M(0))| / max_i |lambda_i(M(0))|, at the kernel_every records"));
    json_object_set_new(root, "conventions", conv);
    json_t *pts = json_array();
    for (long k = 0; k < res->npoints; k++)
        json_array_append_new(pts, jpoint(res, k));
    json_object_set_new(root, "points", pts);
    if (ps->nsweep > 0 && strstr(ps->params.stats, "grad_inf_var_t0")) {
        /* OME Fig. 3b: Var ‖∇L‖_∞ against the first swept key, exponential
         * least-squares fit per combination of the other keys */
        const int nx = ps->sweep[0].nvalues;
        const long ng = res->npoints / nx;
        json_t *fits = json_array();
        double *x = malloc((size_t)nx * sizeof(double)), *y = malloc((size_t)nx * sizeof(double));
        double *e = malloc((size_t)nx * sizeof(double));
        for (long g = 0; x && y && e && g < ng; g++) {
            for (int i = 0; i < nx; i++) {
                const qnn_point *pt = &res->points[(long)i * ng + g];
                char buf[64];
                x[i] = NAN;
                if (qnn_params_get(&pt->params, !strcmp(ps->sweep[0].key, "p") ? "L" : ps->sweep[0].key, buf, sizeof buf) == 0)
                    x[i] = strtod(buf, NULL);
                if (!strcmp(ps->sweep[0].key, "d"))
                    x[i] = ldexp(1.0, pt->params.n);
                qnn_grad_inf_variance(&pt->sum, &y[i], &e[i]);
            }
            double A, b, bse;
            size_t used = qnn_fit_exponential(x, y, e, (size_t)nx, &A, &b, &bse);
            json_t *fo = json_object();
            json_object_set_new(fo, "key", qnn_json_text(ps->sweep[0].key));
            json_object_set_new(fo, "model", qnn_json_text("Var ||grad L||_inf = A exp(b x), weighted least squares on ln Var"));
            json_object_set_new(fo, "points", json_integer((json_int_t)used));
            json_object_set_new(fo, "A", jnum(A));
            json_object_set_new(fo, "b", jnum(b));
            json_object_set_new(fo, "b_se", jnum(bse));
            json_array_append_new(fits, fo);
        }
        free(x);
        free(y);
        free(e);
        json_object_set_new(root, "grad_inf_variance_fit", fits);
    }
    if (ps->nsweep > 0 && !strcmp(ps->sweep[0].key, "width"))
        for (int w = 0; w < QNN_WIDTH_LAWS; w++)
            if (qnn_stats_has(ps->params.stats, qnn_width_laws[w].stat))
                json_object_set_new(root, qnn_width_laws[w].fit_key, jwidth_fit(res, w));
    json_t *cmp = jcomparison(res);
    if (cmp) {
        json_t *c = json_object();
        json_object_set_new(c, "definition", qnn_json_text(
            "per instance: max over the common records of ||r_X(t) - r_asym(t)|| / ||r_asym(0)|| with the residual "
            "vectors when record_residuals = 1, else of |eps_X(t) - eps_asym(t)| / |eps_asym(0)| "
            "(eps: the residual for m = 1, the rms residual for m > 1); X = the periodic QNN or the frozen kernel, "
            "both started from the asymptotic run's M(0) and data; late_rate: -d ln L/dt in flow time over the last tenth of the records"));
        json_object_set_new(c, "per_point", cmp);
        json_object_set_new(root, "comparison", c);
    }
    int rc = json_dumpf(root, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(17));
    json_decref(root);
    if (rc == 0)
        fputc('\n', f);
    return rc != 0 || ferror(f) ? -1 : 0;
}

/* ------------------------------------------------------------------------ */
/* Files                                                                    */
/* ------------------------------------------------------------------------ */

/* The folders qnn_prepare_outdir made (deepest last), so that an
 * interrupted or failed run can take them away again while they are empty
 * (qnn_outdir_remove_created). Each entry is complete before the count
 * covers it: a signal handler reads them. */
#define CREATED_MAX 64
static char *created[CREATED_MAX];
static volatile sig_atomic_t ncreated;

void qnn_outdir_remove_created(void)
{
    /* async-signal-safe: rmdir removes only an empty folder */
    for (int k = ncreated; k-- > 0;)
        rmdir(created[k]);
}

static void forget_created(int from)
{
    for (int k = ncreated; k-- > from;) {
        rmdir(created[k]);
        ncreated = k;
        free(created[k]);
        created[k] = NULL;
    }
}

/* What path is when it exists and is not a directory ("a FIFO" ...), or
 * NULL (a directory, or absent: *exists says which). */
static const char *not_dir(const char *path, int *exists)
{
    struct stat st;
    *exists = stat(path, &st) == 0;
    return *exists && !S_ISDIR(st.st_mode) ? afile_kind(st.st_mode) : NULL;
}

/* The checks of qnn_prepare_outdir that come before anything is made: a
 * path that fits, and every part of it that exists a directory. 0, or -1
 * with a message; *exists (may be NULL) says whether dir exists. */
static int check_path_ex(const char *dir, int *exists_out, char *err, size_t errlen)
{
    if (!dir || !*dir) {
        snprintf(err, errlen, "--out: value '' is empty; allowed: a directory path");
        return -1;
    }
    char path[PATH_MAX];
    if (snprintf(path, sizeof path, "%s", dir) >= (int)sizeof path) {
        snprintf(err, errlen, "--out: value '%.64s...' is too long; allowed: a path shorter than %d bytes", dir, PATH_MAX);
        return -1;
    }
    int exists;
    const char *kind;
    for (char *s = path + 1; *s; s++)
        if (*s == '/' && s[-1] != '/') {
            *s = '\0';
            kind = not_dir(path, &exists);
            if (kind) {
                snprintf(err, errlen, "--out: value '%s': '%s' is %s, not a directory; allowed: a directory path", dir,
                         path, kind);
                return -1;
            }
            *s = '/';
        }
    if ((kind = not_dir(path, &exists)) != NULL) {
        snprintf(err, errlen, "--out: value '%s' is %s, not a directory; allowed: a directory path", dir, kind);
        return -1;
    }
    if (exists_out)
        *exists_out = exists;
    return 0;
}

static int check_path(const char *dir, char *err, size_t errlen)
{
    return check_path_ex(dir, NULL, err, errlen);
}

int qnn_prepare_outdir(const char *dir, char *err, size_t errlen)
{
    /* every folder on the way that exists must be one, before anything is
     * made (a refusal leaves nothing behind) */
    if (check_path(dir, err, errlen) != 0)
        return -1;
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s", dir);
    int exists;
    /* mkdir -p, remembering what was made */
    const int first = ncreated;
    for (char *s = path + 1;; s++) {
        const int end = *s == '\0';
        if (!end && !(*s == '/' && s[-1] != '/'))
            continue;
        *s = '\0';
        if (mkdir(path, 0777) == 0) {
            char *c = ncreated < CREATED_MAX ? strdup(path) : NULL;
            if (c) {
                created[ncreated] = c;
                ncreated = ncreated + 1;
            }
        } else if (errno != EEXIST) {
            snprintf(err, errlen, "--out: value '%s': cannot create '%s': %s; allowed: a writable directory", dir, path,
                     strerror(errno));
            forget_created(first);
            return -1;
        }
        if (end)
            break;
        *s = '/';
    }
    if (not_dir(path, &exists) || !exists) {
        snprintf(err, errlen, "--out: value '%s' is not a directory; allowed: a writable directory", dir);
        forget_created(first);
        return -1;
    }
    char probe[PATH_MAX + 32];
    snprintf(probe, sizeof probe, "%s/.qnnlab-probe-XXXXXX", dir);
    int fd = mkstemp(probe);
    if (fd < 0) {
        snprintf(err, errlen, "--out: value '%s': cannot write there: %s; allowed: a writable directory", dir, strerror(errno));
        forget_created(first);
        return -1;
    }
    close(fd);
    unlink(probe);
    return 0;
}

typedef enum { OUT_CSV, OUT_JSON, OUT_PNG, OUT_SVG, OUT_PDF, OUT_SPECTRA, NOUT } out_kind;
static const char *const out_names[NOUT] = { "trace.csv", "summary.json", "figure.png", "figure.svg", "figure.pdf",
                                             "spectra.csv" };

/* The sweep whose folder dir is, or NULL: "it holds sweep.json", ... */
static const char *sweep_marker(const char *dir, int point_too)
{
    char p[PATH_MAX + 64];
    struct stat st;
    snprintf(p, sizeof p, "%s/sweep.json", dir);
    if (lstat(p, &st) == 0)
        return "it holds sweep.json";
    snprintf(p, sizeof p, "%s/points", dir);
    if (stat(p, &st) == 0 && S_ISDIR(st.st_mode))
        return "it holds points/";
    snprintf(p, sizeof p, "%s/.lock", dir);
    if (lstat(p, &st) == 0)
        return "it holds a sweep's .lock";
    if (point_too) {
        /* DIR/points/NNNN of a sweep: its inst/ beside, sweep.json two up */
        snprintf(p, sizeof p, "%s/inst", dir);
        if (stat(p, &st) == 0 && S_ISDIR(st.st_mode)) {
            snprintf(p, sizeof p, "%s/../../sweep.json", dir);
            if (lstat(p, &st) == 0)
                return "one of its points: inst/ in it, sweep.json two folders up";
        }
    }
    return NULL;
}

/* The names a run writes into its folder, then the caller's extra ones. */
static int run_names(const char **names, const char *const *extra, int nextra)
{
    int n = 0;
    for (int k = 0; k < NOUT; k++)
        names[n++] = out_names[k];
    for (int k = 0; k < nextra && n < NOUT + QNN_EXTRA_MAX; k++)
        names[n++] = extra[k];
    return n;
}

int qnn_check_outdir(const char *dir, const char *const *names, int n, char *err, size_t errlen)
{
    int exists;
    if (check_path_ex(dir, &exists, err, errlen) != 0)
        return -1;
    if (!exists)
        return 0;
    const char *why = sweep_marker(dir, 1);
    if (why) {
        snprintf(err, errlen, "--out: value '%s' is a sweep's directory (%s), whose files a run would replace; "
                 "allowed: a directory that no sweep writes", dir, why);
        return -1;
    }
    for (int k = 0; k < n; k++) {
        char p[PATH_MAX + 64], why2[PATH_MAX + 160];
        snprintf(p, sizeof p, "%s/%s", dir, names[k]);
        if (afile_check(p, why2, sizeof why2) != AFILE_OK) {
            snprintf(err, errlen, "--out: value '%s': %s; allowed: a directory where %s is a regular file or absent",
                     dir, why2, names[k]);
            return -1;
        }
    }
    return 0;
}

int qnn_check_run_outdir(const char *dir, const char *const *extra, int nextra, char *err, size_t errlen)
{
    const char *names[NOUT + QNN_EXTRA_MAX];
    return qnn_check_outdir(dir, names, run_names(names, extra, nextra), err, errlen);
}

int qnn_prepare_run_outdir(const char *dir, const char *const *extra, int nextra, char *err, size_t errlen)
{
    if (qnn_check_run_outdir(dir, extra, nextra, err, errlen) != 0 || qnn_prepare_outdir(dir, err, errlen) != 0)
        return -1;
    const char *names[NOUT + QNN_EXTRA_MAX];
    afile_clean_stale(dir, names, run_names(names, extra, nextra));
    return 0;
}

static int write_stream(FILE *f, const qnn_result *res, out_kind k)
{
    return k == OUT_CSV ? qnn_write_trace_csv(res, f)
         : k == OUT_SPECTRA ? qnn_write_spectra_csv(res, f) : qnn_write_summary_json(res, f);
}

int qnn_write_outputs_with(const qnn_result *res, const char *dir, const qnn_extra_output *extra, int nextra,
                           char *err, size_t errlen)
{
    if (nextra < 0 || nextra > QNN_EXTRA_MAX) {
        snprintf(err, errlen, "--out: value '%s': %d extra files; allowed: 0 .. %d", dir, nextra, QNN_EXTRA_MAX);
        return -1;
    }
    const char *why = sweep_marker(dir, 0);
    if (why) {
        snprintf(err, errlen, "--out: value '%s' is a sweep's directory (%s), whose files a run would replace; "
                 "allowed: a directory that no sweep writes", dir, why);
        return -1;
    }
    const char *xnames[QNN_EXTRA_MAX], *names[NOUT + QNN_EXTRA_MAX];
    for (int k = 0; k < nextra; k++)
        xnames[k] = extra[k].name;
    const int nn = run_names(names, xnames, nextra);
    /* spectra.csv only when a point computed Hessians; else a spectra.csv
     * of an earlier run in dir goes with the commit (it would not belong
     * to the new files) */
    const int hess = qnn_result_has_hessian(res);
    /* ~8 KiB each: on the heap, not on a caller's (perhaps a thread's) stack */
    afile *m = calloc(NOUT + QNN_EXTRA_MAX, sizeof *m);
    char e[PATH_MAX + 512] = "";
    int n = 0, rc = AFILE_OK;
    if (!m) {
        snprintf(err, errlen, "--out: value '%s': out of memory", dir);
        return -1;
    }
    /* every target checked and every temporary made before anything is
     * written */
    for (int k = 0; k < nn && rc == AFILE_OK; k++) {
        char p[PATH_MAX + 64];
        if (snprintf(p, sizeof p, "%s/%s", dir, names[k]) >= (int)sizeof p) {
            snprintf(e, sizeof e, "the path '%s/%s' is too long", dir, names[k]);
            rc = AFILE_EIO;
            break;
        }
        if (k == OUT_SPECTRA && !hess)
            rc = afile_drop(&m[n], p, e, sizeof e);
        else if (k >= OUT_PNG && k <= OUT_PDF)
            rc = afile_reserve(&m[n], p, e, sizeof e);
        else
            rc = afile_open(&m[n], p, e, sizeof e);
        if (rc == AFILE_OK)
            n++;
    }
    for (int k = 0; k < nn && rc == AFILE_OK; k++) {
        afile *a = &m[k];
        errno = 0;
        if (a->drop)
            continue;
        if (k >= OUT_PNG && k <= OUT_PDF) {
            if (qnn_write_figure(res, (int)(k - OUT_PNG), a->tmp, e, sizeof e) != 0)
                rc = AFILE_EIO;
            continue;
        }
        int w = k < NOUT ? write_stream(a->f, res, (out_kind)k) : extra[k - NOUT].write(a->f, extra[k - NOUT].ctx);
        if (w != 0 || ferror(a->f)) {
            snprintf(e, sizeof e, "cannot write '%s': %s", a->tmp, strerror(errno ? errno : EIO));
            rc = AFILE_EIO;
        }
    }
    if (rc == AFILE_OK)
        rc = afile_commit_set(m, n, e, sizeof e); /* all replace their targets, or none */
    else
        afile_abort_set(m, n);
    free(m);
    if (rc != AFILE_OK)
        qnn_outdir_remove_created(); /* a folder made for these files, still empty */
    if (rc == AFILE_ENOTREG) {
        snprintf(err, errlen, "--out: value '%s': %s; allowed: a directory where the run's files are regular files or absent", dir, e);
        return -1;
    }
    if (rc != AFILE_OK) {
        snprintf(err, errlen, "--out: value '%s': %s; nothing was replaced; allowed: a writable directory with free space", dir, e);
        return -1;
    }
    afile_clean_stale(dir, names, nn);
    return 0;
}

int qnn_write_outputs(const qnn_result *res, const char *dir, char *err, size_t errlen)
{
    return qnn_write_outputs_with(res, dir, NULL, 0, err, errlen);
}
