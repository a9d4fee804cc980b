/* The checks of a whole parameter set (relations between keys, the
 * model's own, memory) and the sizes they rest on: parameters, residuals,
 * bytes of an instance and of a run, the Hessian's path (qnn/params.h).
 * The key table and the setting of single keys are in params.c. */
#include "qnn/params.h"
#include "qnn/status.h"
#include "qnn/model.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* ------------------------------------------------------------------------ */
/* Whole-struct checks                                                      */
/* ------------------------------------------------------------------------ */

int qnn_params_mlp_widths(const qnn_params *p, int *w)
{
    int k = 0;
    switch (p->data) {
    case QNN_DATA_TEACHER: w[k++] = p->n_in; break;
    case QNN_DATA_SIN1D: w[k++] = 1; break;
    case QNN_DATA_BUMP2D: w[k++] = 2; break;
    case QNN_DATA_SPIRALS: w[k++] = 2; break;
    case QNN_DATA_NONE: case QNN_DATA_FILE: w[k++] = 1; break;   /* not an mlp's (its check refuses) */
    }
    if (p->nwidths > 0) {
        for (int i = 0; i < p->nwidths; i++)
            w[k++] = p->widths[i];
    } else {
        int L = p->L < QNN_MLP_MAX_HIDDEN ? p->L : QNN_MLP_MAX_HIDDEN;
        for (int i = 0; i < L; i++)
            w[k++] = p->width;
    }
    w[k++] = p->data == QNN_DATA_SPIRALS ? p->classes : 1;
    return k - 1;
}

void qnn_params_records(const qnn_params *p, long *T, int *every)
{
    *T = p->steps;
    *every = p->record_every;
    if (p->model->records)
        p->model->records(p, T, every);
}

double qnn_params_n_params(const qnn_params *p)
{
    return p->model->n_params(p);
}

/* Residuals of one evaluation: training states, or samples times outputs. */
static double residual_count(const qnn_params *p)
{
    return p->model->n_residuals(p);
}

int qnn_params_hessian_exact(const qnn_params *p)
{
    if (p->hessian == QNN_HESS_EXACT)
        return 1;
    if (p->hessian != QNN_HESS_AUTO)
        return 0;
    double P = qnn_params_n_params(p);
    if (P > QNN_HESSIAN_EXACT_AUTO)
        return 0;
    return p->model->hessian_auto_exact ? p->model->hessian_auto_exact(p, P) : 1;
}

/* Memory of the Hessian observer: the P x P matrix and its eigen work
 * (exact), or the Lanczos basis (SLQ). */
static double hessian_bytes(const qnn_params *p)
{
    if (p->hessian == QNN_HESS_OFF)
        return 0.0;
    double P = qnn_params_n_params(p);
    if (qnn_params_hessian_exact(p))
        return 2.0 * P * P * 8.0 + 8.0 * P * 8.0;
    return ((double)p->slq_steps + 6.0) * P * 8.0 + 4.0 * (double)p->slq_steps * p->slq_steps * 8.0;
}

size_t qnn_params_instance_bytes(const qnn_params *p)
{
    double bytes = p->model->instance_bytes(p, hessian_bytes(p));
    return bytes >= (double)SIZE_MAX ? SIZE_MAX : (size_t)bytes;
}

size_t qnn_params_run_bytes(const qnn_params *p, int threads_alive)
{
    double per = (double)qnn_params_instance_bytes(p);
    double rec = (double)p->steps / (double)p->record_every + 2.0;
    double trace = rec * (double)p->instances * 64.0;
    double m = residual_count(p);
    double kern = (double)p->instances * m * m * 8.0;
    if (p->record_residuals)
        trace += rec * (double)p->instances * m * 8.0;
    if (p->hessian != QNN_HESS_OFF) {   /* spectra kept for spectra.csv */
        double P = qnn_params_n_params(p);
        double nodes = qnn_params_hessian_exact(p) ? P : (double)p->slq_probes * p->slq_steps;
        trace += ((double)p->steps / p->hessian_every + 3.0) * (double)p->instances * nodes * 16.0;
    }
    double shared = p->resample == QNN_RESAMPLE_THETA ? per : 0.0;
    double total = per * threads_alive + trace + kern + shared;
    return total >= (double)SIZE_MAX ? SIZE_MAX : (size_t)total;   /* (double)SIZE_MAX is 2^64: not a size_t */
}

static void human_bytes(double b, char *buf, size_t len)
{
    const char *u[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    int i = 0;
    while (b >= 1024.0 && i < 6) {
        b /= 1024.0;
        i++;
    }
    snprintf(buf, len, "%.1f %s", b, u[i]);
}

/* "periodic or asymptotic": the classes that offer `figure`. */
static void offering(const char *figure, char *buf, size_t len)
{
    size_t k = 0, n = 0;
    buf[0] = 0;
    for (size_t i = 0; i < qnn_model_count(); i++)
        if (qnn_model_offers(qnn_model_at(i), figure))
            n++;
    for (size_t i = 0, j = 0; i < qnn_model_count() && k < len; i++) {
        const qnn_model_class *c = qnn_model_at(i);
        if (!qnn_model_offers(c, figure))
            continue;
        j++;
        k += (size_t)snprintf(buf + k, len - k, "%s%s", j == 1 ? "" : j == n ? " or " : ", ", c->name);
    }
}

qnn_status qnn_params_check(const qnn_params *p, size_t mem_limit, char *err, size_t errlen)
{
    const char *mn = p->model->name;
    if (p->n_h >= p->n) {
        return qnn_fail(err, errlen, QNN_E_RELATION, "key 'n_h': value '%d' leaves no visible qubit (n = %d qubits in all); allowed: 0 .. %d", p->n_h, p->n, p->n - 1);
    }
    if (p->cut >= p->n && p->cut > 0) {
        return qnn_fail(err, errlen, QNN_E_RELATION, "key 'cut': value '%d' is not inside the register of n = %d qubits; allowed: 0 (= n/2) .. %d", p->cut, p->n, p->n - 1);
    }
    if (p->model->check) {
        int rc = p->model->check(p, err, errlen);
        if (rc != 0)
            return qnn_status_of(rc);
    }
    if (p->prune_every > 0 && qnn_model_key_use(p, "prune_every") == QNN_KEY_UNUSED) {
        return qnn_fail(err, errlen, QNN_E_RELATION, "key 'prune_every': value '%d' but sparse training (LIU24 Sec. III.B) prunes the weights of model = mlp, not %s; allowed: 0",
                 p->prune_every, mn);
    }
    if (p->prune_every > 0 && p->prune_classical >= p->prune_every) {
        return qnn_fail(err, errlen, QNN_E_RELATION, "key 'prune_classical': value '%d' leaves no step between uploads (prune_every = %d); allowed: 0 .. %d",
                 p->prune_classical, p->prune_every, p->prune_every - 1);
    }
    if (p->hessian != QNN_HESS_OFF) {
        double P = qnn_params_n_params(p);
        if (P <= 0.0) {
            char hv[16];
            qnn_params_get(p, "hessian", hv, sizeof hv);
            return qnn_fail(err, errlen, QNN_E_RELATION, "key 'hessian': value '%s' but model = %s has no trainable parameters; allowed: off",
                     hv, mn);
        }
        if (p->hessian == QNN_HESS_EXACT && P > QNN_HESSIAN_EXACT_MAX) {
            return qnn_fail(err, errlen, QNN_E_SIZE, "key 'hessian': value 'exact' needs a %.0f x %.0f matrix (%.0f parameters) and O(P^3) work per spectrum; allowed: exact up to %d parameters, or auto / slq (stochastic Lanczos quadrature)",
                     P, P, P, QNN_HESSIAN_EXACT_MAX);
        }
        if (p->hessian == QNN_HESS_SLQ && p->slq_steps > P) {
            return qnn_fail(err, errlen, QNN_E_RELATION, "key 'slq_steps': value '%d' is more Lanczos steps than the %.0f parameters; allowed: 2 .. %.0f", p->slq_steps, P, P);
        }
    }
    if (p->objective == QNN_OBJ_FIDELITY && qnn_model_key_use(p, "objective") == QNN_KEY_UNUSED) {
        return qnn_fail(err, errlen, QNN_E_RELATION, "key 'objective': value 'fidelity' is for the random and hidden models, not %s; allowed: observable", mn);
    }
    const int supervised = qnn_model_key_use(p, "labels") != QNN_KEY_UNUSED;
    if (supervised && p->labels == QNN_LABEL_LIST && p->nlabels != p->m) {
        char lv[64];
        qnn_params_get(p, "labels", lv, sizeof lv);
        return qnn_fail(err, errlen, QNN_E_RELATION, "key 'labels': value '%s%s' has %d entries but m = %d; allowed: exactly m numbers, pm1 or uniform",
                 lv, strlen(lv) >= sizeof lv - 1 ? "..." : "", p->nlabels, p->m);
    }
    if (p->figure == QNN_FIG_RATE) {
        if (!qnn_model_offers(p->model, "rate")) {
            char who[256];
            offering("rate", who, sizeof who);
            return qnn_fail(err, errlen, QNN_E_RELATION, "key 'figure': value 'rate' needs model = %s (YOU23 Cor. 4.3), not %s; allowed: training, sweep, compare", who, mn);
        }
        if (p->m != 1) {
            return qnn_fail(err, errlen, QNN_E_RELATION, "key 'm': value '%d' but figure = rate plots YOU23 Cor. 4.3, a statement about one training state; allowed: 1", p->m);
        }
        if (p->labels == QNN_LABEL_UNIFORM || (p->labels == QNN_LABEL_LIST && fabs(p->label_list[0]) != 1.0)) {
            char lv[64];
            qnn_params_get(p, "labels", lv, sizeof lv);
            return qnn_fail(err, errlen, QNN_E_RELATION, "key 'labels': value '%s' but figure = rate needs a label of +1 or -1 (YOU23 Cor. 4.3 assumes y = ±1); allowed: pm1, 1 or -1", lv);
        }
    }
    if (p->figure == QNN_FIG_COMPARE && !qnn_model_offers(p->model, "compare") &&
        !qnn_model_offers(p->model, "companion")) {
        return qnn_fail(err, errlen, QNN_E_RELATION, "key 'model': value '%s' but figure = compare runs the periodic QNN beside its asymptotic and frozen-kernel companions; allowed: periodic",
                 mn);
    }
    if (p->figure == QNN_FIG_SWEEP && !p->stats[0]) {
        return qnn_fail(err, errlen, QNN_E_RELATION, "key 'stats': value '' is empty but figure = sweep needs at least one statistic; allowed: the statistics listed by `qnnlab --help` under stats");
    }
    if (mem_limit) {
        int alive = p->threads > 0 ? p->threads : 1;
        if (alive > p->instances)
            alive = p->instances;
        size_t need = qnn_params_run_bytes(p, alive);
        if (need > mem_limit) {
            char a[32], b[32];
            human_bytes((double)need, a, sizeof a);
            human_bytes((double)mem_limit, b, sizeof b);
            const char *key = p->model->memory_key ? p->model->memory_key(p)
                              : p->entangler == QNN_ENT_HAAR && p->n >= 9 ? "n" : "L";
            if (hessian_bytes(p) > 0.5 * (double)qnn_params_instance_bytes(p))
                key = "hessian";
            char val[32], ev[16];
            qnn_params_get(p, key, val, sizeof val);
            qnn_params_get(p, "entangler", ev, sizeof ev);
            return qnn_fail(err, errlen, QNN_E_SIZE,
                     "key '%s': value '%s' makes the run need %s of memory (n = %d, L = %d, entangler = %s, m = %d, %d instance(s) at once) but %s is available; allowed: a size that fits (fewer qubits or parameters, entangler = brickwork, or fewer threads)",
                     key, val, a, p->n, p->L, ev, p->m, alive, b);
        }
    }
    return 0;
}
