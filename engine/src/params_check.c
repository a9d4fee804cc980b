/* The checks of a whole parameter set (relations between keys, the
 * model's own, memory) and the sizes they rest on: parameters, residuals,
 * bytes of an instance and of a run, the Hessian's path (qnn/params.h).
 * The key table and the setting of single keys are in params.c. */
#include "qnn/params.h"
#include "qnn/status.h"
#include "qnn/model.h"
#include "qnn/run.h"

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

/* What a run keeps in memory, by what makes it large: the instances
 * computing at once, and what every instance leaves behind until the
 * files are written (qnn_run_one's records, residuals, spectra and
 * kernel at step 0, and the analysis' per-record and per-instance
 * arrays). Doubles: the sizes can exceed size_t. */
typedef struct mem_parts {
    double one;        /* one instance (its Hessian observer included) */
    double inst;       /* the instances alive at once (+ the lender of resample = theta) */
    double rec;        /* the records (qnn_obs) of every instance */
    double resid;      /* record_residuals: m residuals per record */
    double spec;       /* Hessian spectra kept for spectra.csv */
    double kern;       /* the m x m kernel at step 0 of every instance */
    double total;
    double nrec;       /* records per instance (the array qnn_run_one allocates) */
    double nspec;      /* spectra per instance */
    double nodes;      /* nodes per spectrum */
    double m;          /* residuals of one evaluation */
} mem_parts;

static long long gcd_ll(long long a, long long b)
{
    while (b) {
        long long t = a % b;
        a = b;
        b = t;
    }
    return a;
}

static mem_parts memory_parts(const qnn_params *p, int alive)
{
    mem_parts b;
    memset(&b, 0, sizeof b);
    const double R = (double)p->instances;
    b.one = p->model->instance_bytes(p, hessian_bytes(p));
    b.inst = b.one * alive + (p->resample == QNN_RESAMPLE_THETA ? b.one : 0.0);
    /* qnn_run_one: one array of T / every + 2 records, allocated whole */
    long T;
    int every;
    qnn_params_records(p, &T, &every);
    b.nrec = (double)(T / (every > 0 ? every : 1)) + 2.0;
    b.m = residual_count(p);
    /* the records, the run's per-instance entry, and the analysis: a column
     * per statistic for every instance and a few curves over the records */
    b.rec = R * b.nrec * (double)sizeof(qnn_obs) + R * ((double)sizeof(qnn_run_instance) + 64.0 * 8.0) +
            b.nrec * 16.0 * 8.0;
    if (p->record_residuals)
        b.resid = R * b.nrec * b.m * 8.0;
    b.kern = R * (b.m * b.m + b.m) * 8.0;
    if (p->hessian != QNN_HESS_OFF) {
        /* a spectrum at the records on a multiple of hessian_every, the
         * first and the last, and each upload after pruning; the array of
         * them grows by doubling (old and new live during realloc) */
        const double P = qnn_params_n_params(p);
        b.nodes = qnn_params_hessian_exact(p) ? P : (double)p->slq_probes * p->slq_steps;
        long long he = p->hessian_every > 0 ? p->hessian_every : 1, ev = every > 0 ? every : 1;
        double lcm = (double)(ev / gcd_ll(ev, he)) * (double)he;
        b.nspec = floor((double)T / lcm) + 2.0;
        if (p->prune_every > 0)
            b.nspec += floor((double)T / p->prune_every) + 1.0;
        b.spec = R * b.nspec * (b.nodes * 16.0 + 32.0 + 3.0 * (double)sizeof(qnn_spectrum_rec));
    }
    b.total = b.inst + b.rec + b.resid + b.spec + b.kern;
    return b;
}

size_t qnn_params_run_bytes(const qnn_params *p, int threads_alive)
{
    double total = memory_parts(p, threads_alive).total;
    return total >= (double)SIZE_MAX ? SIZE_MAX : (size_t)total;   /* (double)SIZE_MAX is 2^64: not a size_t */
}

/* "12.3 MiB"; past the binary prefixes, "more than 1000 EiB". */
static void human_bytes(double b, char *buf, size_t len)
{
    const char *u[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    int i = 0;
    while (b >= 1024.0 && i < 6) {
        b /= 1024.0;
        i++;
    }
    if (b >= 1000.0 && i == 6)
        snprintf(buf, len, "more than 1000 EiB");
    else if (i == 0)
        snprintf(buf, len, "%.0f B", b);
    else
        snprintf(buf, len, "%.1f %s", b, u[i]);
}

/* The key that makes one instance large: the Hessian observer when it
 * holds most of it, else the class's own (memory_key), else for the
 * circuit models "n" (dense Haar layers from n = 9, or the states when
 * they outgrow the layers) or "L". */
static const char *instance_key(const qnn_params *p)
{
    if (hessian_bytes(p) > 0.5 * p->model->instance_bytes(p, hessian_bytes(p)))
        return "hessian";
    if (p->model->memory_key)
        return p->model->memory_key(p);
    if (p->entangler == QNN_ENT_HAAR)
        return p->n >= 9 ? "n" : "L";
    return ldexp(1.0, p->n) >= (double)p->L ? "n" : "L";
}

/* What to lower when `key` makes an instance large. */
static const char *instance_remedy(const char *key)
{
    static const struct { const char *key, *what; } r[] = {
        {"n", "fewer qubits (n)"},
        {"L", "fewer layers (L)"},
        {"hessian", "hessian = slq or off"},
        {"width", "narrower hidden layers (width)"},
        {"widths", "narrower hidden layers (widths)"},
        {"m", "fewer training samples (m)"},
        {"carleman_order", "a lower carleman_order"},
    };
    for (size_t i = 0; i < sizeof r / sizeof r[0]; i++)
        if (!strcmp(key, r[i].key))
            return r[i].what;
    return NULL;
}

/* The keys that size p's model, as "n = 10, L = 64, entangler = haar,
 * m = 1" (those the model uses; widths, when given, in place of width
 * and L), into buf. */
static void size_keys(const qnn_params *p, char *buf, size_t len)
{
    static const char *const keys[] = {"n", "L", "entangler", "width", "widths", "m", "carleman_order", "hessian"};
    const int widths = p->nwidths > 0 && qnn_model_key_use(p, "widths") != QNN_KEY_UNUSED;
    size_t k = 0;
    buf[0] = 0;
    for (size_t i = 0; i < sizeof keys / sizeof keys[0] && k < len; i++) {
        const char *key = keys[i];
        if (qnn_model_key_use(p, key) == QNN_KEY_UNUSED)
            continue;
        if (widths && (!strcmp(key, "width") || !strcmp(key, "L")))
            continue;
        if (!strcmp(key, "hessian") && p->hessian == QNN_HESS_OFF)
            continue;
        char v[48];
        if (qnn_params_get(p, key, v, sizeof v) != 0 || !v[0])
            continue;
        k += (size_t)snprintf(buf + k, len - k, "%s%s = %s", k ? ", " : "", key, v);
    }
}

/* The refusal of `need` bytes against `limit`, naming the key that drives
 * the size (the largest of the parts): live > 0 for that many live
 * instances of a session (nothing recorded), else a run with `alive`
 * instances at once. */
static qnn_status refuse_memory(const qnn_params *p, const mem_parts *b, int alive, int live, size_t limit,
                                char *err, size_t errlen)
{
    enum { P_INST, P_REC, P_RESID, P_SPEC, P_KERN, NPART };
    const double part[NPART] = {b->inst, live ? 0 : b->rec, live ? 0 : b->resid, live ? 0 : b->spec,
                                live ? 0 : b->kern};
    int big = P_INST;
    for (int i = 1; i < NPART; i++)
        if (part[i] > part[big])
            big = i;
    char total[32], avail[32], size[32], each[32], keys[256], what[400], remedy[200];
    human_bytes(b->total, total, sizeof total);
    if (limit <= 1)
        snprintf(avail, sizeof avail, "none");
    else
        human_bytes((double)limit, avail, sizeof avail);
    human_bytes(part[big], size, sizeof size);
    const int R = live ? live : p->instances;
    const char *key = "instances";
    /* a class that counts its own records (carleman: ode_points) */
    const int own_records = p->model->records && qnn_model_key_use(p, "ode_points") != QNN_KEY_UNUSED;
    switch (big) {
    case P_INST: {
        key = instance_key(p);
        human_bytes(b->one, each, sizeof each);
        size_keys(p, keys, sizeof keys);
        const int lender = !live && p->resample == QNN_RESAMPLE_THETA;
        snprintf(what, sizeof what, "%d %sinstance(s) at once%s, %s each: model = %s%s%s", live ? live : alive,
                 live ? "live " : "", lender ? " and the one that lends its data (resample = theta)" : "", each,
                 p->model->name, keys[0] ? ", " : "", keys);
        const char *r = instance_remedy(key);
        char own[64];
        if (!r) {
            snprintf(own, sizeof own, "a smaller %s", key);
            r = own;
        }
        const int haar = p->entangler == QNN_ENT_HAAR && strcmp(key, "hessian") &&
                         qnn_model_key_use(p, "entangler") != QNN_KEY_UNUSED;
        const int more = live ? live > 1 : alive > 1;
        snprintf(remedy, sizeof remedy, "%s%s%s%s", r, haar ? ", entangler = brickwork" : "",
                 more ? ", or fewer " : "", more ? (live ? "instances" : "threads") : "");
        break;
    }
    case P_REC:
        key = (double)R > b->nrec ? "instances" : own_records ? "ode_points" : "steps";
        snprintf(what, sizeof what, "%d instance(s) x %.0f records of %zu bytes = %s for the records", R, b->nrec,
                 sizeof(qnn_obs), size);
        snprintf(remedy, sizeof remedy, "%s or fewer instances",
                 own_records ? "fewer ode_points" : "fewer steps, a larger record_every");
        break;
    case P_RESID:
        key = "record_residuals";
        snprintf(what, sizeof what, "%d instance(s) x %.0f records x %.0f residuals = %s for record_residuals", R,
                 b->nrec, b->m, size);
        snprintf(remedy, sizeof remedy, "record_residuals = 0, fewer steps, a larger record_every or fewer instances");
        break;
    case P_SPEC:
        key = "hessian_every";
        snprintf(what, sizeof what, "%d instance(s) x %.0f spectra of %.0f nodes = %s for the Hessian spectra", R,
                 b->nspec, b->nodes, size);
        snprintf(remedy, sizeof remedy, "a larger hessian_every, hessian = slq or off, or fewer instances");
        break;
    case P_KERN:
        key = (double)R > b->m ? "instances" : "m";
        snprintf(what, sizeof what, "%d instance(s) x the %.0f x %.0f kernel at step 0 = %s", R, b->m, b->m, size);
        snprintf(remedy, sizeof remedy, "a smaller m or fewer instances");
        break;
    }
    char val[48];
    if (qnn_params_get(p, key, val, sizeof val) != 0)
        val[0] = 0;
    if (live)
        return qnn_fail(err, errlen, QNN_E_SIZE,
                        "key '%s': value '%s' makes the live view need %s of memory (%s) but %s is available; allowed: a size that fits (%s)",
                        key, val, total, what, avail, remedy);
    return qnn_fail(err, errlen, QNN_E_SIZE,
                    "key '%s': value '%s' makes the run need %s of memory (%s) but %s is available; allowed: a size that fits (%s)",
                    key, val, total, what, avail, remedy);
}

qnn_status qnn_params_check_live_memory(const qnn_params *p, int live, size_t mem_limit, char *err, size_t errlen)
{
    mem_parts b;
    memset(&b, 0, sizeof b);
    b.one = p->model->instance_bytes(p, hessian_bytes(p));
    b.inst = b.total = b.one * live;
    if (mem_limit == 0 || b.total <= (double)mem_limit)
        return QNN_OK;
    return refuse_memory(p, &b, live, live, mem_limit, err, errlen);
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
        mem_parts b = memory_parts(p, alive);
        if (b.total > (double)mem_limit)
            return refuse_memory(p, &b, alive, 0, mem_limit, err, errlen);
    }
    return 0;
}
