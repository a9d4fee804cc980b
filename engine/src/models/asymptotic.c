/* Model asymptotic: the matrix dynamics of very wide periodic QNNs (YOU23
 * Eqs. 119-121): M(t) evolves isospectrally, dM/dt = -η [[M, Σ_j r_j ρ_j],
 * M] (qnn/asym.h), with M(0) from Eq. 120 (Haar), a file, or the periodic
 * circuit at its initial angles (same seed, instance and p), so that a
 * comparison starts from the very measurement and data the QNN starts
 * from. It has no angles: the step is one step of the flow. Its methods
 * are shared with the frozen-kernel model (frozen.c). */
#include "models.h"
#include "instance_impl.h"
#include "qnn/asym.h"
#include "qnn/text.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct asym_state { qnn_asym *as; } asym_state;

static qnn_asym *asm_of(const qnn_instance *in) { return ((asym_state *)in->state)->as; }

void qnn_asym_class_free(qnn_instance *in)
{
    asym_state *s = in->state;
    if (!s)
        return;
    qnn_asym_free(s->as);
    free(s);
    in->state = NULL;
}

int qnn_asym_class_build(qnn_instance *in, const qnn_instance *lender, char *err, size_t errlen)
{
    const qnn_params *p = &in->p;
    const int index = in->index;
    qnn_cplx *M = NULL, *V = NULL;
    double *y = NULL;
    asym_state *st = calloc(1, sizeof *st);
    gsl_rng *crng = qnn_instance_stream(p, QNN_STREAM_CIRCUIT, index);
    in->state = st;
    if (!st || !crng) {
        if (crng)
            gsl_rng_free(crng);
        goto oom;
    }
    if (p->m0_init == QNN_M0_CIRCUIT) {
        qnn_params pp = *p;
        pp.model = &qnn_class_periodic;
        qnn_model_data md;
        int rc = qnn_model_build(&pp, crng, &md, err, errlen);
        gsl_rng_free(crng);
        if (rc != 0)
            return -1;
        const size_t d = md.circ->D, m = md.m;
        double *th = malloc((size_t)p->L * sizeof(double));
        M = malloc(d * d * sizeof(qnn_cplx));
        V = malloc(d * m * sizeof(qnn_cplx));
        y = malloc(m * sizeof(double));
        if (th && M && V && y) {
            /* θ0 exactly as the periodic instance draws it */
            qnn_model_init_theta(in, th, p->L);
            rc = qnn_circuit_measurement(md.circ, th, M);
            memcpy(V, md.inputs, d * m * sizeof(qnn_cplx));
            memcpy(y, md.y, m * sizeof(double));
        } else {
            rc = -1;
        }
        free(th);
        qnn_model_data_free(&md);
        if (rc != 0)
            goto oom;
    } else {
        int rc = qnn_model_build_asym(p, crng, &M, &V, &y, err, errlen);
        gsl_rng_free(crng);
        if (rc != 0)
            return -1;
    }
    const size_t d = (size_t)1 << p->n;
    st->as = qnn_asym_new(d, (size_t)p->m, M, V, y, in->cls == &qnn_class_frozen, p->integrator);
    free(M);
    free(V);
    free(y);
    M = V = NULL;
    y = NULL;
    if (!st->as || qnn_model_alloc(in, p->m, 0, 0) != 0)
        goto oom;
    return 0;
oom:
    free(M);
    free(V);
    free(y);
    return qnn_fail(err, errlen, QNN_E_NOMEM, "out of memory while building instance %d of model %s (d = %d, m = %d)",
             index, in->cls->name, 1 << p->n, p->m);
}

int qnn_asym_class_eval(qnn_instance *in, int want_eigen, qnn_obs *out)
{
    qnn_asym *as = asm_of(in);
    const int m = in->m;
    int bad = qnn_asym_eval(as);
    const double *r = qnn_asym_residuals(as);
    memcpy(in->r, r, (size_t)m * sizeof(double));
    memcpy(in->K, qnn_asym_kernel(as), (size_t)m * (size_t)m * sizeof(double));
    double ss = 0.0, tr = 0.0;
    for (int j = 0; j < m; j++) {
        ss += r[j] * r[j];
        tr += in->K[j * m + j];
    }
    out->step = in->step;
    out->time = (double)in->step * in->dt;
    out->eps = m == 1 ? r[0] : sqrt(ss / m);
    out->loss = 0.5 * ss / m;
    out->kernel = tr / m;
    out->grad_norm = sqrt(fmax(qnn_asym_rkr(as), 0.0)) / m;
    out->yhat0 = r[0] + qnn_asym_labels(as)[0];
    out->lambda_min = out->lambda_max = NAN;
    out->kchange = qnn_model_kernel_change(in);
    out->drift = NAN;
    out->entropy = out->tdist = out->grad_inf = NAN;
    if (!bad && !(isfinite(ss) && isfinite(tr)))
        bad = 1;
    if ((want_eigen & QNN_WANT_EIGEN) && !bad) {
        qnn_model_kernel_eigen(in, out);
        out->drift = qnn_asym_spectral_drift(as);
    }
    return bad;
}

void qnn_asym_class_step(qnn_instance *in)
{
    qnn_asym_step(asm_of(in), qnn_params_eta(&in->p));
}

void qnn_asym_class_consts(const qnn_instance *in, qnn_consts *c)
{
    c->n = in->p.n;
    c->D = (double)((size_t)1 << in->p.n);
    c->L = in->p.L;
    c->m = in->m;
    c->gamma = in->p.gamma;
    c->eta = qnn_params_eta(&in->p);
    c->loss_scale = 1.0 / in->m;
    /* Thm. 3.2's Σ‖H_l‖²_op in flow time: a periodic step of flow time
     * ηp/m carries Σ = p (d - 1/d), so per unit time m (d - 1/d) */
    c->H_op2_sum = in->m * (c->D - 1.0 / c->D);
}

int qnn_asym_class_check(const qnn_params *p, char *err, size_t errlen)
{
    long long D = 1LL << p->n;
    const char *mn = p->model->name;
    if (p->n_h != 0) {
        return qnn_fail(err, errlen, QNN_E_RELATION, "key 'n_h': value '%d' but model = %s evolves a measurement, not a state on visible and hidden qubits; allowed: 0",
                 p->n_h, mn);
    }
    if (p->n > 10) {
        return qnn_fail(err, errlen, QNN_E_SIZE, "key 'n': value '%d' gives d = 2^%d, too large for model = %s (a dense d x d matrix M(t)); allowed: 1 .. 10 (d = 2 .. 1024)", p->n, p->n, mn);
    }
    if (p->m > D) {
        return qnn_fail(err, errlen, QNN_E_RELATION, "key 'm': value '%d' is more orthogonal states than d = %lld; allowed: 1 .. %lld", p->m, D, D);
    }
    if (p->resample != QNN_RESAMPLE_ALL) {
        return qnn_fail(err, errlen, QNN_E_RELATION, "key 'resample': value 'theta' has no meaning for model = %s (it has no angles); allowed: all", mn);
    }
    if (p->sigma_theta != 0.0) {
        return qnn_fail(err, errlen, QNN_E_RELATION, "key 'sigma_theta': value '%g' has no meaning for model = %s (it has no angles); allowed: 0", p->sigma_theta, mn);
    }
    if (p->m0_init == QNN_M0_FILE) {
        if (!p->m0_file[0]) {
            return qnn_fail(err, errlen, QNN_E_RELATION, "key 'm0_file': value '' is empty but m0_init = file needs it; allowed: a path to a JSON file holding a Hermitian d x d matrix");
        }
        size_t d = 0;
        qnn_cplx *M = NULL;
        if (qnn_asym_read_matrix(p->m0_file, &d, &M, err, errlen) != 0)
            return -1;
        free(M);
        if ((long long)d != D) {
            char show[QNN_QUOTE_CAP(200)];
            qnn_text_quote(p->m0_file, strlen(p->m0_file), 200, show, sizeof show);
            return qnn_fail(err, errlen, QNN_E_FILE, "key 'm0_file': value '%s' holds a %zu x %zu matrix but n = %d needs d = %lld; allowed: a %lld x %lld Hermitian matrix (or set d = %zu)",
                     show, d, d, p->n, D, D, D, d);
        }
    }
    if (p->m0_init == QNN_M0_CIRCUIT)
        return qnn_check_measure(p, 0, err, errlen);
    return 0;
}

double qnn_asym_class_bytes(const qnn_params *p, double hessian_bytes)
{
    double D = ldexp(1.0, p->n), m = (double)p->m, c = sizeof(qnn_cplx);
    /* M, the midpoint copy, the eigenvalue work matrix, 4 d x 2m blocks */
    double bytes = hessian_bytes;
    bytes += D * D * c * (p->integrator == QNN_INTEG_MIDPOINT ? 3.0 : 2.0) + 9.0 * D * m * c +
             m * m * 8.0 * 6.0 + 65536.0;
    if (p->m0_init == QNN_M0_CIRCUIT)   /* the periodic circuit M(0) is read from */
        bytes += (p->L + 4.0) * D * D * c;
    else
        bytes += 3.0 * D * D * c;
    return bytes;
}

qnn_key_use qnn_asym_class_key_use(const qnn_params *p, const char *key)
{
    if (!strcmp(key, "m0_init") || !strcmp(key, "integrator") || (!strcmp(key, "m0_file") && p->m0_init == QNN_M0_FILE) ||
        (!strcmp(key, "measure") && p->m0_init == QNN_M0_CIRCUIT))
        return QNN_KEY_REBUILD;
    if (!strcmp(key, "L") || !strcmp(key, "p"))   /* the layers of the circuit M(0) comes from */
        return p->m0_init == QNN_M0_CIRCUIT ? QNN_KEY_REBUILD : QNN_KEY_UNUSED;
    if (!strcmp(key, "task") || !strcmp(key, "n_obs") || !strcmp(key, "objective") || !strcmp(key, "O0") ||
        !strcmp(key, "entangler") || !strcmp(key, "depth") || !strcmp(key, "resample") || !strcmp(key, "theta_init"))
        return QNN_KEY_UNUSED;
    return QNN_KEY_DEFAULT;
}

const qnn_asym *qnn_instance_asym(const qnn_instance *in)
{
    return in->cls->build == qnn_asym_class_build ? asm_of(in) : NULL;
}

static void asym_analyse(qnn_summary *s, const qnn_run *run, const qnn_analysis_extra *x)
{
    qnn_you23_analyse(s, run, x, 0, 0);
}

static void asym_live_theory(const qnn_params *p, const qnn_consts *c, int m, qnn_live_theory *t)
{
    qnn_you23_live_theory(p, c, m, t, 0);
}

const qnn_model_class qnn_class_asymptotic = {
    .name = "asymptotic",
    .help = "the asymptotic dynamics of M(t) (YOU23 Eq. 119)",
    .title = "asymptotic dynamics",
    .label = "asymptotic",
    .line = 1,
    .figure = "training",
    .caps = QNN_CAP_LIVE | QNN_CAP_FLOW | QNN_CAP_QUBITS | QNN_CAP_DRIFT,
    .figures = "rate companion",
    QNN_ASYM_METHODS,
    .analyse = asym_analyse,
    .live_theory = asym_live_theory,
};
