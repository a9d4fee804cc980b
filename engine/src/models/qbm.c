/* Model qbm: OME's quantum Boltzmann machine (§II, App. C): ρ(θ) =
 * e^{-β H(θ)}/Z over the C1 terms of a 2-local Hamiltonian on n_v visible
 * and n_h hidden qubits (qnn/qbm.h). From the circuit stream: the visible
 * objective O = Σ c_j Q_j (n_obs strings, c_j ~ U(0,1), as the random
 * model), then the coefficients θ (onsite N(0, 0.01), offsite N(0, 1),
 * optionally normalised). Task optimise: ε = γ tr((O ⊗ I) ρ(θ)) - O0,
 * loss ½ε², θ <- θ - η ε ∂ε/∂θ. Its visible state is mixed: the entropy is
 * bounded by ln D_v only (Page's value and OME's bound are for pure
 * states). */
#include "models.h"
#include "instance_impl.h"
#include "qnn/qbm.h"

#include <gsl/gsl_cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct qbm_state {
    qnn_qbm *qb;
    double qscale;   /* θ are the raw coefficients, the machine's are θ / qscale
                        (qscale = ‖H(θ0)‖_op with qbm_normalise, else 1) */
} qbm_state;

static qbm_state *qst(const qnn_instance *in) { return in->state; }

static void qbm_free(qnn_instance *in)
{
    qbm_state *s = qst(in);
    if (!s)
        return;
    qnn_qbm_free(s->qb);
    free(s);
    in->state = NULL;
}

static int qbm_build(qnn_instance *in, const qnn_instance *lender, char *err, size_t errlen)
{
    const qnn_params *p = &in->p;
    qbm_state *s = calloc(1, sizeof *s);
    in->state = s;
    gsl_rng *crng = qnn_instance_stream(p, QNN_STREAM_CIRCUIT, in->index);
    double *c = malloc((size_t)p->n_obs * sizeof *c);
    qnn_pauli *P = malloc((size_t)p->n_obs * sizeof *P);
    if (!s || !crng || !c || !P)
        goto oom;
    const int nv = p->n - p->n_h;
    for (int k = 0; k < p->n_obs; k++) {
        P[k] = qnn_pauli_random(crng, nv);
        c[k] = gsl_rng_uniform(crng);
    }
    if (qnn_qbm_new(p->n, nv, p->beta, &s->qb, err, errlen) != QNN_QBM_OK ||
        qnn_qbm_set_objective(s->qb, (size_t)p->n_obs, c, P, err, errlen) != QNN_QBM_OK ||
        qnn_qbm_init_theta(s->qb, crng, p->qbm_normalise, err, errlen) != QNN_QBM_OK) {
        gsl_rng_free(crng);
        free(c);
        free(P);
        return -1;
    }
    gsl_rng_free(crng);
    crng = NULL;
    free(c);
    free(P);
    c = NULL;
    P = NULL;
    if (qnn_model_alloc(in, 1, qnn_qbm_n_params(s->qb), 1) != 0)
        goto oom;
    /* The parameters are the raw C1 coefficients; with qbm_normalise the
     * Hamiltonian is H(θ)/‖H(θ0)‖_op, the norm fixed at initialisation, so
     * ∂/∂θ_raw = (1/‖H(θ0)‖) ∂/∂θ_machine (OME's normalised QBM). */
    s->qscale = qnn_qbm_norm_scale(s->qb);
    for (int l = 0; l < in->L; l++)
        in->theta[l] = qnn_qbm_theta_const(s->qb)[l] * s->qscale;
    in->lam = malloc(((size_t)1 << nv) * sizeof(double));
    if (!in->lam)
        goto oom;
    return 0;
oom:
    if (crng)
        gsl_rng_free(crng);
    free(c);
    free(P);
    return qnn_fail(err, errlen, QNN_E_NOMEM, "out of memory while building instance %d of model qbm (n = %d)", in->index, p->n);
}

static int qbm_eval(qnn_instance *in, int want, qnn_obs *out)
{
    qbm_state *s = qst(in);
    const int L = in->L;
    const double g = in->p.gamma;
    char e[256];
    double *tq = qnn_qbm_theta(s->qb);
    for (int l = 0; l < L; l++)
        tq[l] = in->theta[l] / s->qscale;
    int bad = qnn_qbm_eval(s->qb, e, sizeof e) != QNN_QBM_OK ||
              qnn_qbm_gradient(s->qb, in->J) != QNN_QBM_OK;
    const double f = qnn_qbm_objective(s->qb);
    in->r[0] = g * f - in->p.O0;
    double k = 0.0;
    for (int l = 0; l < L; l++) {
        in->J[l] *= g / s->qscale;
        k += in->J[l] * in->J[l];
        in->grad[l] = in->r[0] * in->J[l];
    }
    in->K[0] = k;
    out->step = in->step;
    out->time = (double)in->step * in->dt;
    out->eps = in->r[0];
    out->loss = 0.5 * in->r[0] * in->r[0];
    out->kernel = k;
    out->grad_norm = cblas_dnrm2(L, in->grad, 1);
    out->grad_inf = fabs(in->grad[cblas_idamax(L, in->grad, 1)]);
    out->yhat0 = g * f;
    out->lambda_min = out->lambda_max = NAN;
    out->kchange = qnn_model_kernel_change(in);
    out->drift = NAN;
    out->entropy = out->tdist = NAN;
    bad = bad || !isfinite(out->loss) || !isfinite(k) || !qnn_model_finite(in->grad, (size_t)L);
    if (!bad && (want & QNN_WANT_EIGEN)) {
        in->eig[0] = k;
        out->lambda_min = out->lambda_max = k;
    }
    if (!bad && (want & QNN_WANT_ENTROPY) && in->lam &&
        qnn_qbm_visible_spectrum(s->qb, in->lam) == QNN_QBM_OK) {
        const size_t Dv = (size_t)1 << qnn_qbm_visible(s->qb);
        out->entropy = qnn_entropy(in->lam, Dv, in->p.entropy_bits);
        out->tdist = qnn_trace_distance_mixed(in->lam, Dv);
    }
    return bad ? 1 : 0;
}

static int qbm_grad_at(qnn_instance *in, const double *theta, double *g)
{
    qbm_state *s = qst(in);
    const int L = in->L;
    char e[128];
    double *tq = qnn_qbm_theta(s->qb);
    for (int l = 0; l < L; l++)
        tq[l] = theta[l] / s->qscale;
    int bad = qnn_qbm_eval(s->qb, e, sizeof e) != QNN_QBM_OK || qnn_qbm_gradient(s->qb, g) != QNN_QBM_OK;
    double r = in->p.gamma * qnn_qbm_objective(s->qb) - in->p.O0;
    for (int l = 0; l < L; l++)
        g[l] *= r * in->p.gamma / s->qscale;
    for (int l = 0; l < L; l++)
        tq[l] = in->theta[l] / s->qscale;
    return bad ? -1 : 0;
}

static void qbm_residuals_at(qnn_instance *in, const double *theta, double *r)
{
    qbm_state *s = qst(in);
    char e[128];
    double *tq = qnn_qbm_theta(s->qb);
    for (int l = 0; l < in->L; l++)
        tq[l] = theta[l] / s->qscale;
    r[0] = qnn_qbm_eval(s->qb, e, sizeof e) == QNN_QBM_OK
               ? in->p.gamma * qnn_qbm_objective(s->qb) - in->p.O0 : NAN;
    for (int l = 0; l < in->L; l++)
        tq[l] = in->theta[l] / s->qscale;
}

static void qbm_consts(const qnn_instance *in, qnn_consts *c)
{
    c->n = in->p.n;
    c->D = (double)((size_t)1 << in->p.n);
    c->L = in->L;
    c->m = 1;
    c->gamma = in->p.gamma;
    c->eta = qnn_params_eta(&in->p);
    c->sigma_theta = in->p.sigma_theta;
    c->loss_scale = 1.0;
}

static qnn_key_use qbm_key_use(const qnn_params *p, const char *key)
{
    if (!strcmp(key, "beta") || !strcmp(key, "qbm_normalise"))
        return QNN_KEY_REBUILD;
    if (!strcmp(key, "m") || !strcmp(key, "labels") || !strcmp(key, "inputs") || !strcmp(key, "task") || !strcmp(key, "objective") || !strcmp(key, "L") ||
        !strcmp(key, "p") || !strcmp(key, "entangler") || !strcmp(key, "depth") || !strcmp(key, "cut"))
        return QNN_KEY_UNUSED;   /* cut: the visible register n - n_h is observed whole */
    return QNN_KEY_DEFAULT;
}

static int qbm_check(const qnn_params *p, char *err, size_t errlen)
{
    if (p->n > QNN_QBM_MAX_QUBITS) {
        return qnn_fail(err, errlen, QNN_E_SIZE, "key 'n': value '%d' is too large for model = qbm (a dense 2^n x 2^n Gibbs state and its eigenvectors); allowed: 1 .. %d", p->n, QNN_QBM_MAX_QUBITS);
    }
    if (p->task != QNN_TASK_OPTIMISE) {
        return qnn_fail(err, errlen, QNN_E_RELATION, "key 'task': value 'supervised' but model = qbm prepares one thermal state with no inputs; allowed: optimise");
    }
    if (p->resample != QNN_RESAMPLE_ALL) {
        return qnn_fail(err, errlen, QNN_E_RELATION, "key 'resample': value 'theta' but model = qbm draws its coefficients with the machine; allowed: all");
    }
    return 0;
}

static double qbm_n_params(const qnn_params *p) { return 3.0 * p->n + 4.5 * p->n * (p->n - 1.0); }

static double qbm_bytes(const qnn_params *p, double hessian_bytes)
{
    /* H, its eigenvectors, ρ and work (4 D x D), terms and gradients */
    double D = ldexp(1.0, p->n), c = sizeof(qnn_cplx);
    double K = 3.0 * p->n + 4.5 * p->n * (p->n - 1.0);
    return hessian_bytes + (5.0 * D * D * c + K * 8.0 * 6.0 + 5.0 * D * 8.0 + 65536.0);
}

const qnn_model_class qnn_class_qbm = {
    .name = "qbm",
    .help = "OME's quantum Boltzmann machine exp(-beta H(theta))/Z over the same terms",
    .title = "quantum Boltzmann machine",
    .label = "QBM",
    .figure = "training",
    .caps = QNN_CAP_PARAMS | QNN_CAP_MIXED_STATE | QNN_CAP_LIVE | QNN_CAP_QUBITS | QNN_CAP_GAMMA,
    .figures = "",
    .key_use = qbm_key_use,
    .check = qbm_check,
    .n_params = qbm_n_params,
    .n_residuals = qnn_circ_n_residuals,
    .instance_bytes = qbm_bytes,
    .build = qbm_build,
    .free = qbm_free,
    .eval = qbm_eval,
    .grad_at = qbm_grad_at,
    .residuals_at = qbm_residuals_at,
    .consts = qbm_consts,
};
