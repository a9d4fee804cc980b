/* Measures of a run's records: rates, distances between
 * trajectories, errors at a time (qnn/analysis.h). The figures, summary.json
 * and the paper checks of qnnlab reproduce call these. */
#include "qnn/analysis.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

static const qnn_mean_se mse_oom = { NAN, NAN, -1 };

size_t qnn_rec_near_time(const qnn_run_instance *ri, double t)
{
    size_t best = 0;
    double bd = INFINITY;
    for (size_t r = 0; r < ri->nrec; r++) {
        double d = fabs(ri->rec[r].time - t);
        if (d < bd) {
            bd = d;
            best = r;
        }
    }
    return best;
}

double qnn_run_final_time(const qnn_run *run)
{
    double t = 0;
    for (int i = 0; i < run->ninst; i++)
        if (run->inst[i].nrec)
            t = fmax(t, run->inst[i].rec[run->inst[i].nrec - 1].time);
    return t;
}

double qnn_late_rate(const qnn_run_instance *ri)
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

double qnn_max_eps_distance(const qnn_run_instance *a, const qnn_run_instance *b, int m)
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

qnn_mean_se qnn_min_rate(const qnn_run *run, double loss_floor)
{
    double *v = calloc((size_t)run->ninst + 1, sizeof *v);
    if (!v)
        return mse_oom;
    for (int i = 0; i < run->ninst; i++) {
        const qnn_run_instance *ri = &run->inst[i];
        double best = INFINITY;
        for (size_t k = 0; k + 1 < ri->nrec; k++) {
            const qnn_obs *a = &ri->rec[k], *b = &ri->rec[k + 1];
            if (!(a->loss > loss_floor && b->loss > loss_floor && b->time > a->time))
                continue;
            double rt = -(log(b->loss) - log(a->loss)) / (b->time - a->time);
            best = fmin(best, rt);
        }
        v[i] = isfinite(best) ? best : NAN;
    }
    qnn_mean_se m = qnn_mean_se_of(v, run->ninst);
    free(v);
    return m;
}

int qnn_rate_interval(const qnn_obs *o0, const qnn_obs *o1, double gamma, double loss_floor,
                      double *x, double *y)
{
    if (!(isfinite(o0->eps) && isfinite(o1->eps) && o0->eps * o1->eps > 0 && o0->loss > loss_floor &&
          o1->loss > loss_floor && o1->time > o0->time))
        return 0;
    const double g2 = gamma * gamma;
    double yh = 0.5 * (o0->yhat0 + o1->yhat0);
    double rate = -(log(fabs(o1->eps)) - log(fabs(o0->eps))) / (o1->time - o0->time);
    *x = 2.0 * (g2 - yh * yh) / g2;
    *y = rate / g2;
    return 1;
}

qnn_mean_se qnn_least_over_final(const qnn_run *run)
{
    double *q = calloc((size_t)run->ninst + 1, sizeof *q);
    if (!q)
        return mse_oom;
    for (int i = 0; i < run->ninst; i++) {
        const qnn_run_instance *ri = &run->inst[i];
        double least = INFINITY, fin = NAN;
        for (size_t j = 0; j < ri->nrec; j++)
            if (isfinite(ri->rec[j].lambda_min)) {
                least = fmin(least, ri->rec[j].lambda_min);
                fin = ri->rec[j].lambda_min;
            }
        q[i] = isfinite(least) && fin > 0 ? least / fin : NAN;
    }
    qnn_mean_se m = qnn_mean_se_of(q, run->ninst);
    free(q);
    return m;
}

double qnn_log_err(const qnn_run *run, int i, double t)
{
    if (i >= run->ninst || !run->inst[i].nrec)
        return NAN;
    double e = fabs(run->inst[i].rec[qnn_rec_near_time(&run->inst[i], t)].eps);
    return e > 0 ? log10(e) : NAN;
}

qnn_mean_se qnn_log_err_mean(const qnn_run *run, double t)
{
    double *v = calloc((size_t)run->ninst + 1, sizeof *v);
    if (!v)
        return mse_oom;
    for (int i = 0; i < run->ninst; i++)
        v[i] = qnn_log_err(run, i, t);
    qnn_mean_se m = qnn_mean_se_of(v, run->ninst);
    free(v);
    return m;
}

qnn_mean_se qnn_log_err_change(const qnn_run *run, double t0, double t1)
{
    double *d = calloc((size_t)run->ninst + 1, sizeof *d);
    if (!d)
        return mse_oom;
    for (int i = 0; i < run->ninst; i++)
        d[i] = qnn_log_err(run, i, t1) - qnn_log_err(run, i, t0);
    qnn_mean_se m = qnn_mean_se_of(d, run->ninst);
    free(d);
    return m;
}

qnn_mean_se qnn_log_err_paired(const qnn_run *a, const qnn_run *b, double t)
{
    double *d = calloc((size_t)a->ninst + 1, sizeof *d);
    if (!d)
        return mse_oom;
    for (int i = 0; i < a->ninst; i++)
        d[i] = qnn_log_err(b, i, t) - qnn_log_err(a, i, t);
    qnn_mean_se m = qnn_mean_se_of(d, a->ninst);
    free(d);
    return m;
}

int qnn_prune_changes(const qnn_run *run, double *dmin, double *dmax, double *dfp, int cap)
{
    int nr = 0;
    for (int i = 0; i < run->ninst; i++) {
        const qnn_run_instance *ri = &run->inst[i];
        const qnn_obs *last = NULL;
        for (size_t j = 0; j < ri->nrec; j++) {
            const qnn_obs *o = &ri->rec[j];
            if (!isfinite(o->h_min) || !isfinite(o->h_max))
                continue;
            if ((o->event & QNN_EVENT_PRUNE) && last && nr < cap) {
                dmin[nr] = o->h_min - last->h_min;
                dmax[nr] = o->h_max - last->h_max;
                dfp[nr] = o->h_frac_pos - last->h_frac_pos;
                nr++;
            }
            last = o;
        }
    }
    return nr;
}

void qnn_upload_proxy(const qnn_run *run, int *uploads, int *below)
{
    int np = 0, npdown = 0;
    for (int i = 0; i < run->ninst; i++) {
        const qnn_run_instance *ri = &run->inst[i];
        for (size_t j = 0; j + 1 < ri->nrec; j++) {
            if (!(ri->rec[j].event & QNN_EVENT_UPLOAD))
                continue;
            for (size_t q = j + 1; q < ri->nrec; q++) {
                double pxy = ri->rec[q].proxy;
                if (ri->rec[q].event)
                    break;
                if (isfinite(pxy) && ri->rec[q].step > ri->rec[j].step) {
                    np++;
                    npdown += pxy < 1.0;
                    break;
                }
            }
        }
    }
    *uploads = np;
    *below = npdown;
}

/* ------------------------------------------------------------------------ */
/* Per-instance statistics (qnnlab sweep's summary.csv)                      */
/* ------------------------------------------------------------------------ */

typedef enum { AT_T0, AT_FINAL, AT_LEAST } stat_at;

typedef struct inst_stat {
    const char *name;
    size_t off;       /* offsetof(qnn_obs, field) of a double */
    stat_at at;
    int absolute;
} inst_stat;

#define OBS(f) offsetof(qnn_obs, f)
static const inst_stat inst_stats[QNN_INSTANCE_STATS] = {
    { "loss_t0", OBS(loss), AT_T0, 0 },
    { "loss_final", OBS(loss), AT_FINAL, 0 },
    { "abs_eps_t0", OBS(eps), AT_T0, 1 },
    { "abs_eps_final", OBS(eps), AT_FINAL, 1 },
    { "eps_final", OBS(eps), AT_FINAL, 0 },
    { "kernel_t0", OBS(kernel), AT_T0, 0 },
    { "kernel_final", OBS(kernel), AT_FINAL, 0 },
    { "lambda_min_t0", OBS(lambda_min), AT_T0, 0 },
    { "lambda_max_t0", OBS(lambda_max), AT_T0, 0 },
    { "lambda_min_final", OBS(lambda_min), AT_FINAL, 0 },
    { "lambda_min_least", OBS(lambda_min), AT_LEAST, 0 },
    { "kernel_change_final", OBS(kchange), AT_FINAL, 0 },
    { "spectral_drift_final", OBS(drift), AT_FINAL, 0 },
    { "entropy_t0", OBS(entropy), AT_T0, 0 },
    { "entropy_final", OBS(entropy), AT_FINAL, 0 },
    { "tdist_t0", OBS(tdist), AT_T0, 0 },
    { "tdist_final", OBS(tdist), AT_FINAL, 0 },
    { "grad_norm_t0", OBS(grad_norm), AT_T0, 0 },
    { "grad_inf_t0", OBS(grad_inf), AT_T0, 0 },
    { "grad_ms_t0", OBS(grad_ms), AT_T0, 0 },
    { "laziness_final", OBS(laziness), AT_FINAL, 0 },
    { "accuracy_final", OBS(accuracy), AT_FINAL, 0 },
    { "test_accuracy_final", OBS(test_accuracy), AT_FINAL, 0 },
    { "hessian_min_t0", OBS(h_min), AT_T0, 0 },
    { "hessian_min_final", OBS(h_min), AT_FINAL, 0 },
    { "hessian_max_final", OBS(h_max), AT_FINAL, 0 },
    { "hessian_frac_pos_t0", OBS(h_frac_pos), AT_T0, 0 },
    { "hessian_frac_pos_final", OBS(h_frac_pos), AT_FINAL, 0 },
    { "err_norm_final", OBS(err_norm), AT_FINAL, 0 },
};
_Static_assert(sizeof inst_stats / sizeof inst_stats[0] == QNN_INSTANCE_STATS, "QNN_INSTANCE_STATS");
#undef OBS

const char *qnn_instance_stat_name(size_t s)
{
    return s < QNN_INSTANCE_STATS ? inst_stats[s].name : NULL;
}

static double obs_field(const qnn_obs *o, size_t off)
{
    double v;
    memcpy(&v, (const char *)o + off, sizeof v);
    return v;
}

double qnn_instance_stat(size_t s, const qnn_run_instance *ri)
{
    if (s >= QNN_INSTANCE_STATS)
        return NAN;
    const inst_stat *st = &inst_stats[s];
    if (ri->nrec == 0)
        return NAN;
    double v = NAN;
    switch (st->at) {
    case AT_T0:
        if (ri->rec[0].step == 0 && ri->diverged_at != 0)
            v = obs_field(&ri->rec[0], st->off);
        break;
    case AT_FINAL:
        if (ri->diverged_at < 0)
            v = obs_field(&ri->rec[ri->nrec - 1], st->off);
        break;
    case AT_LEAST:
        if (ri->diverged_at < 0)
            for (size_t r = 0; r < ri->nrec; r++) {
                double x = obs_field(&ri->rec[r], st->off);
                if (isfinite(x) && !(x >= v))
                    v = x;
            }
        break;
    }
    if (st->absolute)
        v = fabs(v);
    return isfinite(v) ? v : NAN;
}
