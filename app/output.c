#include "results.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <jansson.h>

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
          "entropy,trace_distance,grad_inf", f);
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
                double vals[13] = { o->eps, o->loss, o->kernel, o->lambda_min, o->lambda_max, o->grad_norm,
                                    o->yhat0, o->time, o->kchange, o->drift, o->entropy, o->tdist, o->grad_inf };
                for (int c = 0; c < 13; c++) {
                    /* empty: not computed at this record (eigenvalues and
                     * drift follow kernel_every, the entropy entropy_every;
                     * drift is asymptotic only) */
                    if (last_bad && isnan(vals[c]) && c != 3 && c != 4 && c != 9 && c != 10 && c != 11)
                        fputs(",nan", f);
                    else
                        csv_num(f, vals[c]);
                }
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

/* ------------------------------------------------------------------------ */
/* summary.json                                                             */
/* ------------------------------------------------------------------------ */

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

static json_t *jparams(const qnn_params *p)
{
    json_t *o = json_object();
    size_t nk;
    const qnn_key_info *keys = qnn_params_keys(&nk);
    for (size_t i = 0; i < nk; i++) {
        char buf[512];
        qnn_params_get(p, keys[i].name, buf, sizeof buf);
        switch (keys[i].type) {
        case QNN_KEY_INT:
        case QNN_KEY_LONG:
            json_object_set_new(o, keys[i].name, json_integer(strtoll(buf, NULL, 10)));
            break;
        case QNN_KEY_U64: /* may exceed JSON integers: keep the digits */
            json_object_set_new(o, keys[i].name, json_string(buf));
            break;
        case QNN_KEY_DOUBLE:
            json_object_set_new(o, keys[i].name, jnum(strtod(buf, NULL)));
            break;
        default:
            json_object_set_new(o, keys[i].name, json_string(buf));
        }
    }
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
                            json_string(res->preset->sweep[i].values[pt->value_index[i]]));
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
            json_object_set_new(d, "status", json_string(msg));
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
    if (pt->params.model == QNN_MODEL_ASYMPTOTIC)
        json_object_set_new(ms, "spectral_drift_final", jstat(s->spectral_drift_final));
    json_object_set_new(ms, "time_final", jnum(s->time_final));
    if (s->n_v_obs > 0) {
        json_t *en = json_object();
        json_object_set_new(en, "n_v", json_integer(s->n_v_obs));
        json_object_set_new(en, "n_h", json_integer(s->n_h_obs));
        json_object_set_new(en, "unit", json_string(pt->params.entropy_bits ? "bits" : "nats"));
        json_object_set_new(en, "entropy_t0", jstat(s->entropy_t0));
        json_object_set_new(en, "entropy_final", jstat(s->entropy_final));
        json_object_set_new(en, "trace_distance_t0", jstat(s->tdist_t0));
        json_object_set_new(en, "trace_distance_final", jstat(s->tdist_final));
        json_object_set_new(ms, "visible", en);
    }
    json_object_set_new(ms, "grad_inf_t0", jstat(s->grad_inf_t0));
    if (s->m > 1) {
        json_t *ev = json_array();
        for (int j = 0; j < run->m; j++)
            json_array_append_new(ev, jnum(run->mean_K0_eig[j]));
        json_object_set_new(ms, "mean_kernel_eigenvalues_t0", ev);
        json_object_set_new(ms, "lambda_min_mean_kernel_t0", jnum(s->lambda_min_mean_kernel_t0));
        json_object_set_new(ms, "lambda_min_mean_kernel_t0_se", jnum(s->lambda_min_mean_kernel_t0_se));
    }
    json_object_set_new(o, "measured", ms);
    json_object_set_new(o, "ensemble_curve", jcurve(run));

    json_t *th = json_object();
    for (size_t i = 0; i < s->ntheory; i++) {
        const qnn_theory_value *v = &s->theory[i];
        json_t *t = json_object();
        json_object_set_new(t, "value", jnum(v->value));
        json_object_set_new(t, "formula", json_string(v->formula));
        json_object_set_new(t, "source", json_string(v->source));
        json_object_set_new(t, "statistic", json_string(v->statistic));
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
    /* LIU23 Eq. 16: both ratios must be small; 0.1 is the threshold used
     * for the flag. */
    const qnn_theory_value *a = qnn_summary_theory(s, "qntk_rel_std");
    const qnn_theory_value *b = qnn_summary_theory(s, "concentration_dqntk");
    if (a && b)
        json_object_set_new(th, "concentration_holds",
                            json_boolean(a->value < 0.1 && b->value < 0.1));
    json_object_set_new(o, "theory", th);
    return o;
}

/* figure = compare: for each combination of the other swept keys, how far
 * the QNN's and the frozen kernel's trajectories lie from the asymptotic
 * dynamics started from the same M(0) and data. */
/* max over common records of |eps_a - eps_b| / |eps_b(0)|, or, when both
 * kept their residual vectors, of ‖r_a - r_b‖ / ‖r_b(0)‖. */
static double max_eps_distance(const qnn_run_instance *a, const qnn_run_instance *b, int m)
{
    size_t n = a->nrec < b->nrec ? a->nrec : b->nrec;
    if (n == 0 || a->diverged_at >= 0 || b->diverged_at >= 0)
        return NAN;
    const int vec = a->resid && b->resid;
    double e0 = 0.0, mx = 0.0;
    for (size_t k = 0; k < n; k++) {
        if (a->rec[k].step != b->rec[k].step)
            return NAN;
        double d = 0.0, e = 0.0;
        if (vec) {
            for (int j = 0; j < m; j++) {
                double x = a->resid[k * (size_t)m + (size_t)j], y = b->resid[k * (size_t)m + (size_t)j];
                d += (x - y) * (x - y);
                e += y * y;
            }
            d = sqrt(d);
            e = sqrt(e);
        } else {
            d = fabs(a->rec[k].eps - b->rec[k].eps);
            e = fabs(b->rec[k].eps);
        }
        if (k == 0)
            e0 = e;
        if (d > mx)
            mx = d;
    }
    return e0 > 0.0 ? mx / e0 : NAN;
}

/* -d ln L/dt in flow time over the last tenth of the records. */
static double late_rate(const qnn_run_instance *ri)
{
    if (ri->nrec < 3 || ri->diverged_at >= 0)
        return NAN;
    size_t k1 = ri->nrec - 1, k0 = ri->nrec - 1 - (ri->nrec - 1) / 10;
    if (k0 == k1)
        k0 = k1 - 1;
    const qnn_obs *a = &ri->rec[k0], *b = &ri->rec[k1];
    if (!(a->loss > 0.0) || !(b->loss > 0.0) || b->time <= a->time)
        return NAN;
    return -(log(b->loss) - log(a->loss)) / (b->time - a->time);
}

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
        if (q->params.model != QNN_MODEL_PERIODIC)
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
            if (c->params.model == QNN_MODEL_ASYMPTOTIC)
                comp[0] = c;
            else if (c->params.model == QNN_MODEL_FROZEN)
                comp[1] = c;
        }
        if (!comp[0])
            continue;
        json_t *o = json_object();
        json_t *sw = json_object();
        for (int i = 0; i < ps->nsweep; i++)
            if (i != mk)
                json_object_set_new(sw, ps->sweep[i].key, json_string(ps->sweep[i].values[q->value_index[i]]));
        json_object_set_new(o, "sweep", sw);
        json_object_set_new(o, "time_final", jnum(q->sum.time_final));
        const int R = q->run->ninst < comp[0]->run->ninst ? q->run->ninst : comp[0]->run->ninst;
        double *col = calloc((size_t)R * 5 + 1, sizeof(double));
        if (!col) {
            json_decref(o);
            continue;
        }
        for (int i = 0; i < R; i++) {
            col[i] = max_eps_distance(&q->run->inst[i], &comp[0]->run->inst[i], q->run->m);
            col[R + i] = comp[1] && i < comp[1]->run->ninst
                             ? max_eps_distance(&comp[1]->run->inst[i], &comp[0]->run->inst[i], q->run->m) : NAN;
            col[2 * R + i] = late_rate(&q->run->inst[i]);
            col[3 * R + i] = late_rate(&comp[0]->run->inst[i]);
            col[4 * R + i] = comp[1] && i < comp[1]->run->ninst ? late_rate(&comp[1]->run->inst[i]) : NAN;
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

int qnn_write_summary_json(const qnn_result *res, FILE *f)
{
    const qnn_preset *ps = res->preset;
    json_t *root = json_object();
    json_object_set_new(root, "program", json_string("qnnlab"));
    json_object_set_new(root, "version", json_string(QNN_VERSION));
    json_object_set_new(root, "preset", json_string(ps->name));
    json_object_set_new(root, "description", json_string(ps->description));
    json_t *ov = json_array();
    for (int i = 0; i < res->noverrides; i++)
        json_array_append_new(ov, json_string(res->overrides[i]));
    json_object_set_new(root, "overrides", ov);
    char seed[32];
    qnn_params_get(&ps->params, "seed", seed, sizeof seed);
    json_object_set_new(root, "seed", json_string(seed));
    json_object_set_new(root, "parameters", jparams(&ps->params));
    json_t *sw = json_array();
    for (int i = 0; i < ps->nsweep; i++) {
        json_t *k = json_object();
        json_object_set_new(k, "key", json_string(ps->sweep[i].key));
        json_t *vals = json_array();
        for (int j = 0; j < ps->sweep[i].nvalues; j++)
            json_array_append_new(vals, json_string(ps->sweep[i].values[j]));
        json_object_set_new(k, "values", vals);
        json_array_append_new(sw, k);
    }
    json_object_set_new(root, "sweep", sw);
    json_t *conv = json_object();
    json_object_set_new(conv, "qubit_order", json_string("basis index b = sum_k b_k 2^k; Pauli strings most significant qubit first"));
    json_object_set_new(conv, "eps", json_string("m = 1: signed residual yhat - y; m > 1: sqrt(sum r^2 / m)"));
    json_object_set_new(conv, "kernel", json_string("tr K / m with K = J J^T, J the Jacobian of the residuals; "
                                                    "asymptotic/frozen: K_asym,ij = tr(i[M,rho_i] i[M,rho_j]) (YOU23 Eq. 7)"));
    json_object_set_new(conv, "loss", json_string(ps->params.model == QNN_MODEL_RANDOM || ps->params.model == QNN_MODEL_HIDDEN
                                                      ? "1/2 sum eps^2, theta -= eta sum eps d eps/d theta (LIU23 Eq. 4)"
                                                      : "(1/2m) sum (yhat - y)^2, theta -= eta grad (YOU23); asymptotic: dM/dt = -eta sum r_j [M,[M,rho_j]] (Eq. 119)"));
    json_object_set_new(conv, "time", json_string("step counts steps; t is the time of the gradient flow the model approximates: "
                                                  "random eta*step, periodic eta*step*p/m (YOU23 Thm. 4.2, tr H^2/(d^2-1) = 1), "
                                                  "asymptotic/frozen eta*step"));
    json_object_set_new(conv, "kernel_change", json_string("||K(t) - K(0)||_F / ||K(0)||_F (YOU23 Fig. 5)"));
    json_object_set_new(conv, "visible_qubits", json_string("qubits 0 .. n_v - 1 (least significant) are visible, n_v = n - n_h; "
                                                            "with n_h = 0 the entropy cut puts qubits 0 .. cut - 1 (cut = 0: n/2) on the visible side; "
                                                            "entropy and trace_distance are those of the output state of the first input"));
    json_object_set_new(conv, "spectral_drift", json_string("asymptotic: max_i |lambda_i(M(t)) - lambda_i(M(0))| / max_i |lambda_i(M(0))|, at the kernel_every records"));
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
            json_object_set_new(fo, "key", json_string(ps->sweep[0].key));
            json_object_set_new(fo, "model", json_string("Var ||grad L||_inf = A exp(b x), weighted least squares on ln Var"));
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
    json_t *cmp = jcomparison(res);
    if (cmp) {
        json_t *c = json_object();
        json_object_set_new(c, "definition", json_string(
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

int qnn_prepare_outdir(const char *dir, char *err, size_t errlen)
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
    /* mkdir -p */
    for (char *s = path + 1; *s; s++) {
        if (*s == '/') {
            *s = '\0';
            if (mkdir(path, 0777) != 0 && errno != EEXIST) {
                snprintf(err, errlen, "--out: value '%s': cannot create '%s': %s; allowed: a writable directory", dir, path, strerror(errno));
                return -1;
            }
            *s = '/';
        }
    }
    if (mkdir(path, 0777) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "--out: value '%s': cannot create it: %s; allowed: a writable directory", dir, strerror(errno));
        return -1;
    }
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "--out: value '%s' is not a directory; allowed: a writable directory", dir);
        return -1;
    }
    char probe[PATH_MAX + 32];
    snprintf(probe, sizeof probe, "%s/.qnnlab-probe-XXXXXX", dir);
    int fd = mkstemp(probe);
    if (fd < 0) {
        snprintf(err, errlen, "--out: value '%s': cannot write there: %s; allowed: a writable directory", dir, strerror(errno));
        return -1;
    }
    close(fd);
    unlink(probe);
    return 0;
}

typedef enum { OUT_CSV, OUT_JSON, OUT_PNG, OUT_SVG, OUT_PDF, NOUT } out_kind;
static const char *const out_names[NOUT] = { "trace.csv", "summary.json", "figure.png", "figure.svg", "figure.pdf" };

static int write_one(const qnn_result *res, out_kind k, const char *tmp, char *err, size_t errlen)
{
    if (k >= OUT_PNG)
        return qnn_write_figure(res, (int)(k - OUT_PNG), tmp, err, errlen);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0666);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f) {
        snprintf(err, errlen, "cannot create '%s': %s", tmp, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    int rc = k == OUT_CSV ? qnn_write_trace_csv(res, f) : qnn_write_summary_json(res, f);
    if (fflush(f) != 0)
        rc = -1;
    if (rc == 0 && fsync(fileno(f)) != 0 && errno != EINVAL)
        rc = -1;
    int e = errno;
    if (fclose(f) != 0)
        rc = -1;
    if (rc != 0)
        snprintf(err, errlen, "cannot write '%s': %s", tmp, strerror(e ? e : EIO));
    return rc;
}

int qnn_write_outputs(const qnn_result *res, const char *dir, char *err, size_t errlen)
{
    char tmp[NOUT][PATH_MAX + 64];
    char fin[NOUT][PATH_MAX + 64];
    int written = 0, rc = 0;
    for (int k = 0; k < NOUT; k++) {
        snprintf(tmp[k], sizeof tmp[k], "%s/.%s.tmp.%ld", dir, out_names[k], (long)getpid());
        snprintf(fin[k], sizeof fin[k], "%s/%s", dir, out_names[k]);
    }
    for (int k = 0; k < NOUT && rc == 0; k++) {
        unlink(tmp[k]);
        char e[512] = "";
        rc = write_one(res, (out_kind)k, tmp[k], e, sizeof e);
        written = k + 1;
        if (rc != 0)
            snprintf(err, errlen, "--out: value '%s': %s; allowed: a writable directory with free space", dir, e);
    }
    if (rc == 0)
        for (int k = 0; k < NOUT; k++)
            if (rename(tmp[k], fin[k]) != 0) {
                snprintf(err, errlen, "--out: value '%s': cannot rename '%s' to '%s': %s; allowed: a writable directory",
                         dir, tmp[k], fin[k], strerror(errno));
                for (int j = 0; j < k; j++)
                    unlink(fin[j]);
                rc = -1;
                break;
            }
    if (rc != 0)
        for (int k = 0; k < written || k < NOUT; k++)
            unlink(tmp[k]);
    return rc;
}
