#include "qnn/instance.h"
#include "qnn/asym.h"
#include "qnn/entangle.h"
#include "qnn/qbm.h"
#include "qnn/gue.h"
#include "qnn/carleman.h"
#include "qnn/hessian.h"
#include "qnn/mlp.h"
#include "model.h"
#include "rng.h"

#include <gsl/gsl_cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_eigen.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_sort_vector.h>

/* Two independent streams per instance: one draws the circuit and the data,
 * the other the angles and the noise; resample = theta shares the first
 * stream of instance 0 among all instances. */
#define STREAM_CIRCUIT 0x43495243ull /* "CIRC" */
#define STREAM_ANGLES  0x414E474Cull /* "ANGL" */

struct qnn_instance {
    qnn_params p;
    int index;
    gsl_rng *rng;                /* angles and noise */
    qnn_model_data own;
    const qnn_model_data *md;    /* own, or a lender's */
    int m, L;
    double *theta, *r, *J, *K, *eig, *grad;
    gsl_matrix *Kw;
    gsl_vector *ev;
    gsl_eigen_symm_workspace *ew;
    qnn_workspace ws;
    long step;
    qnn_asym *as;                /* asymptotic / frozen models (no circuit) */
    double dt;                   /* flow time per step (see qnn_obs.time) */
    double *K0;                  /* kernel at the first evaluation */
    qnn_entangle *ent;           /* entanglement observer (NULL: no cut) */
    qnn_qbm *qb;                 /* model qbm (no circuit) */
    double qscale;               /* qbm: θ are the raw coefficients, the machine's
                                    are θ / qscale (qscale = ‖H(θ0)‖_op with
                                    qbm_normalise, else 1) */
    int gue;                     /* model gue: psi_out is the state, no parameters */
    qnn_cplx *psi_out;           /* output state of the first input */
    double *lam;                 /* spectrum of ρ_v */
    double K0norm;
    int have_K0;
    /* model mlp: the network, its data and learning-rate factors */
    qnn_mlp *mlp;
    double *X, *Y, *Xt, *Yt, *yhat, *yhat_t;
    int *lab, *lab_t;
    int N, Nt, nL;
    double *lambda;              /* per-parameter learning-rate factors (NULL = 1) */
    double *sqrt_lambda;
    unsigned char *hidden;       /* 1 for the parameters below the output layer */
    unsigned char *is_weight;
    int n_hidden;
    /* every model with parameters */
    double *theta0;
    double theta0_norm;
    int pending_event;           /* QNN_EVENT_* to report at the next evaluation */
    /* Hessian observer */
    double *H;                   /* P x P (exact path) */
    double *hv_a, *hv_b, *hv_c, *hv_r, *hv_J; /* scratch */
    qnn_spectrum spec;           /* the last spectrum computed */
    int spec_fresh, spec_upload;
    long spec_step;
    qnn_spectrum up;             /* the spectrum of the last upload (proxy) */
    long up_step;
    gsl_rng *hrng;               /* SLQ probes */
    /* model carleman: the error curves, computed when the instance is built */
    int carleman;
    double *ode_t, *ode_comp, *ode_norm;
    int ode_nt;
};

void qnn_instance_free(qnn_instance *in)
{
    if (!in)
        return;
    gsl_rng_free(in->rng);
    qnn_model_data_free(&in->own);
    free(in->theta);
    free(in->r);
    free(in->J);
    free(in->K);
    free(in->eig);
    free(in->grad);
    if (in->Kw)
        gsl_matrix_free(in->Kw);
    if (in->ev)
        gsl_vector_free(in->ev);
    if (in->ew)
        gsl_eigen_symm_free(in->ew);
    qnn_workspace_free(&in->ws);
    qnn_asym_free(in->as);
    free(in->K0);
    qnn_entangle_free(in->ent);
    qnn_qbm_free(in->qb);
    free(in->psi_out);
    free(in->lam);
    free(in->ode_t);
    free(in->ode_comp);
    free(in->ode_norm);
    qnn_mlp_free(in->mlp);
    free(in->X);
    free(in->Y);
    free(in->Xt);
    free(in->Yt);
    free(in->yhat);
    free(in->yhat_t);
    free(in->lab);
    free(in->lab_t);
    free(in->lambda);
    free(in->sqrt_lambda);
    free(in->hidden);
    free(in->is_weight);
    free(in->theta0);
    free(in->H);
    free(in->hv_a);
    free(in->hv_b);
    free(in->hv_c);
    free(in->hv_r);
    free(in->hv_J);
    qnn_spectrum_free(&in->spec);
    qnn_spectrum_free(&in->up);
    if (in->hrng)
        gsl_rng_free(in->hrng);
    free(in);
}

static void init_theta(qnn_instance *in)
{
    for (int l = 0; l < in->L; l++) {
        switch (in->p.theta_init) {
        case QNN_INIT_UNIFORM: in->theta[l] = gsl_rng_uniform(in->rng) * 2.0 * M_PI; break;
        case QNN_INIT_ZERO: in->theta[l] = 0.0; break;
        case QNN_INIT_NORMAL: in->theta[l] = gsl_ran_gaussian(in->rng, in->p.theta_scale); break;
        }
    }
}

/* Common arrays for m states and L angles. 0 or -1. */
static int alloc_common(qnn_instance *in)
{
    const size_t m = (size_t)in->m, L = (size_t)(in->L > 0 ? in->L : 1);
    in->theta = calloc(L, sizeof(double));
    in->grad = calloc(L, sizeof(double));
    in->r = malloc(m * sizeof(double));
    in->J = in->as || in->mlp ? NULL : malloc(m * L * sizeof(double));
    in->K = malloc(m * m * sizeof(double));
    in->K0 = malloc(m * m * sizeof(double));
    in->eig = malloc(m * sizeof(double));
    if (!in->rng || !in->theta || !in->grad || !in->r || (!in->as && !in->mlp && !in->J) || !in->K || !in->K0 || !in->eig)
        return -1;
    for (size_t j = 0; j < m; j++)
        in->eig[j] = NAN;
    if (m > 1) {
        in->Kw = gsl_matrix_alloc(m, m);
        in->ev = gsl_vector_alloc(m);
        in->ew = gsl_eigen_symm_alloc(m);
        if (!in->Kw || !in->ev || !in->ew)
            return -1;
    }
    return 0;
}

static void init_theta(qnn_instance *in);

/* The asymptotic model and its frozen-kernel companion: M(0) and the data
 * from Eq. 120 (haar), a file, or the periodic circuit with the same seed,
 * index and p at its initial angles (circuit), so that a comparison starts
 * from the very measurement and data set the QNN starts from. */
static qnn_instance *asym_new(const qnn_params *p, int index, char *err, size_t errlen)
{
    qnn_instance *in = calloc(1, sizeof *in);
    qnn_cplx *M = NULL, *V = NULL;
    double *y = NULL;
    if (!in)
        goto oom;
    in->p = *p;
    in->index = index;
    in->m = p->m;
    in->L = 0;
    in->dt = qnn_params_eta(p);
    gsl_rng *crng = qnn_rng_new(qnn_instance_seed(p->seed ^ STREAM_CIRCUIT, index));
    in->rng = qnn_rng_new(qnn_instance_seed(p->seed ^ STREAM_ANGLES, index));
    if (!crng || !in->rng) {
        if (crng)
            gsl_rng_free(crng);
        goto oom;
    }
    if (p->m0_init == QNN_M0_CIRCUIT) {
        qnn_params pp = *p;
        pp.model = QNN_MODEL_PERIODIC;
        qnn_model_data md;
        int rc = qnn_model_build(&pp, crng, &md, err, errlen);
        gsl_rng_free(crng);
        if (rc != 0) {
            qnn_instance_free(in);
            return NULL;
        }
        const size_t d = md.circ->D, m = md.m;
        double *th = malloc((size_t)p->L * sizeof(double));
        M = malloc(d * d * sizeof(qnn_cplx));
        V = malloc(d * m * sizeof(qnn_cplx));
        y = malloc(m * sizeof(double));
        if (th && M && V && y) {
            /* θ0 exactly as the periodic instance draws it */
            in->L = p->L;
            in->theta = th;
            init_theta(in);
            in->theta = NULL;
            in->L = 0;
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
        if (rc != 0) {
            qnn_instance_free(in);
            return NULL;
        }
    }
    const size_t d = (size_t)1 << p->n;
    in->as = qnn_asym_new(d, (size_t)p->m, M, V, y, p->model == QNN_MODEL_FROZEN, p->integrator);
    free(M);
    free(V);
    free(y);
    M = V = NULL;
    y = NULL;
    if (!in->as || alloc_common(in) != 0)
        goto oom;
    return in;
oom:
    free(M);
    free(V);
    free(y);
    qnn_instance_free(in);
    snprintf(err, errlen, "out of memory while building instance %d of model %s (d = %d, m = %d)",
             index, qnn_model_name(p->model), 1 << p->n, p->m);
    return NULL;
}

static int all_finite(const double *v, size_t n);
static double kernel_change(qnn_instance *in);

/* OME's quantum Boltzmann machine: from the circuit stream, the visible
 * objective O = Σ c_j Q_j (n_obs strings on the visible qubits, c_j ~
 * U(0,1), as the random model), then the coefficients θ (onsite N(0, 0.01),
 * offsite N(0, 1), optionally normalised; qnn/qbm.h). Task optimise:
 * ε = γ tr((O ⊗ I) ρ(θ)) - O0, loss ½ε², θ <- θ - η ε ∂ε/∂θ. */
static qnn_instance *qbm_new(const qnn_params *p, int index, char *err, size_t errlen)
{
    qnn_instance *in = calloc(1, sizeof *in);
    gsl_rng *crng = NULL;
    double *c = NULL;
    qnn_pauli *P = NULL;
    if (!in)
        goto oom;
    in->p = *p;
    in->index = index;
    in->m = 1;
    in->dt = qnn_params_eta(p);
    crng = qnn_rng_new(qnn_instance_seed(p->seed ^ STREAM_CIRCUIT, index));
    in->rng = qnn_rng_new(qnn_instance_seed(p->seed ^ STREAM_ANGLES, index));
    c = malloc((size_t)p->n_obs * sizeof *c);
    P = malloc((size_t)p->n_obs * sizeof *P);
    if (!crng || !in->rng || !c || !P)
        goto oom;
    const int nv = p->n - p->n_h;
    for (int k = 0; k < p->n_obs; k++) {
        P[k] = qnn_pauli_random(crng, nv);
        c[k] = gsl_rng_uniform(crng);
    }
    if (qnn_qbm_new(p->n, nv, p->beta, &in->qb, err, errlen) != QNN_QBM_OK ||
        qnn_qbm_set_objective(in->qb, (size_t)p->n_obs, c, P, err, errlen) != QNN_QBM_OK ||
        qnn_qbm_init_theta(in->qb, crng, p->qbm_normalise, err, errlen) != QNN_QBM_OK) {
        gsl_rng_free(crng);
        free(c);
        free(P);
        qnn_instance_free(in);
        return NULL;
    }
    gsl_rng_free(crng);
    crng = NULL;
    free(c);
    free(P);
    c = NULL;
    P = NULL;
    in->L = qnn_qbm_n_params(in->qb);
    if (alloc_common(in) != 0)
        goto oom;
    /* The parameters are the raw C1 coefficients; with qbm_normalise the
     * Hamiltonian is H(θ)/‖H(θ0)‖_op, the norm fixed at initialisation, so
     * ∂/∂θ_raw = (1/‖H(θ0)‖) ∂/∂θ_machine (OME's normalised QBM). */
    in->qscale = qnn_qbm_norm_scale(in->qb);
    for (int l = 0; l < in->L; l++)
        in->theta[l] = qnn_qbm_theta_const(in->qb)[l] * in->qscale;
    in->lam = malloc(((size_t)1 << nv) * sizeof(double));
    if (!in->lam)
        goto oom;
    return in;
oom:
    if (crng)
        gsl_rng_free(crng);
    free(c);
    free(P);
    qnn_instance_free(in);
    snprintf(err, errlen, "out of memory while building instance %d of model qbm (n = %d)", index, p->n);
    return NULL;
}

static int qbm_eval(qnn_instance *in, int want, qnn_obs *out)
{
    const int L = in->L;
    const double g = in->p.gamma;
    char e[256];
    double *tq = qnn_qbm_theta(in->qb);
    for (int l = 0; l < L; l++)
        tq[l] = in->theta[l] / in->qscale;
    int bad = qnn_qbm_eval(in->qb, e, sizeof e) != QNN_QBM_OK ||
              qnn_qbm_gradient(in->qb, in->J) != QNN_QBM_OK;
    const double f = qnn_qbm_objective(in->qb);
    in->r[0] = g * f - in->p.O0;
    double k = 0.0;
    for (int l = 0; l < L; l++) {
        in->J[l] *= g / in->qscale;
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
    out->kchange = kernel_change(in);
    out->drift = NAN;
    out->entropy = out->tdist = NAN;
    bad = bad || !isfinite(out->loss) || !isfinite(k) || !all_finite(in->grad, (size_t)L);
    if (!bad && (want & QNN_WANT_EIGEN)) {
        in->eig[0] = k;
        out->lambda_min = out->lambda_max = k;
    }
    if (!bad && (want & QNN_WANT_ENTROPY) && in->lam &&
        qnn_qbm_visible_spectrum(in->qb, in->lam) == QNN_QBM_OK) {
        const size_t Dv = (size_t)1 << qnn_qbm_visible(in->qb);
        out->entropy = qnn_entropy(in->lam, Dv, in->p.entropy_bits);
        out->tdist = qnn_trace_distance_mixed(in->lam, Dv);
    }
    return bad ? 1 : 0;
}

/* OME Fig. 4a's ensemble: |ψ> = e^{-iHt}|0…0> with H from the GUE drawn
 * from the circuit stream (qnn/gue.h). No parameters: only the observers of
 * the visible qubits mean something (residual and kernel are 0). */
static void obs_clear_new(qnn_obs *o);

static qnn_instance *gue_new(const qnn_params *p, int index, char *err, size_t errlen)
{
    qnn_instance *in = calloc(1, sizeof *in);
    qnn_cplx *H = NULL;
    gsl_rng *crng = NULL;
    const size_t D = (size_t)1 << p->n;
    if (!in)
        goto oom;
    in->p = *p;
    in->index = index;
    in->m = 1;
    in->L = 0;
    in->gue = 1;
    in->dt = 0.0;
    in->rng = qnn_rng_new(qnn_instance_seed(p->seed ^ STREAM_ANGLES, index));
    crng = qnn_rng_new(qnn_instance_seed(p->seed ^ STREAM_CIRCUIT, index));
    H = malloc(D * D * sizeof *H);
    in->psi_out = malloc(D * sizeof(qnn_cplx));
    if (!in->rng || !crng || !H || !in->psi_out || alloc_common(in) != 0)
        goto oom;
    if (qnn_gue_hamiltonian(crng, D, H) != 0 || qnn_gue_evolve(D, H, p->gue_time, in->psi_out) != 0)
        goto oom;
    const int nv = qnn_params_visible(p);
    if (nv >= 1 && nv < p->n) {
        in->ent = qnn_entangle_new(p->n, nv);
        in->lam = malloc(((size_t)1 << nv) * sizeof(double));
        if (!in->ent || !in->lam)
            goto oom;
    }
    free(H);
    gsl_rng_free(crng);
    return in;
oom:
    free(H);
    if (crng)
        gsl_rng_free(crng);
    qnn_instance_free(in);
    snprintf(err, errlen, "out of memory (or an eigensolver failure) while building instance %d of model gue (n = %d)", index, p->n);
    return NULL;
}

static int gue_eval(qnn_instance *in, int want, qnn_obs *out)
{
    in->r[0] = 0.0;
    in->K[0] = 0.0;
    memset(out, 0, sizeof *out);
    obs_clear_new(out);
    out->step = in->step;
    out->lambda_min = out->lambda_max = NAN;
    out->kchange = out->drift = out->grad_inf = NAN;
    out->entropy = out->tdist = NAN;
    if ((want & QNN_WANT_EIGEN))
        in->eig[0] = out->lambda_min = out->lambda_max = 0.0;
    if ((want & QNN_WANT_ENTROPY) && in->ent && qnn_entangle_spectrum(in->ent, in->psi_out, in->lam) == 0) {
        const size_t Dv = qnn_entangle_dv(in->ent);
        out->entropy = qnn_entropy(in->lam, Dv, in->p.entropy_bits);
        out->tdist = qnn_trace_distance_mixed(in->lam, Dv);
    }
    return 0;
}

/* LIU24 App. III.C: one random quadratic system per instance (circuit
 * stream: F1 with a fraction ode_f of dissipative modes, F2, then u(0) ~
 * U(-ode_u0, ode_u0)^n and the component c whose error is "the error of a
 * randomly chosen parameter" of Fig. 4). The exact and the order-N
 * solutions are integrated once, here; "step" k reads the errors at the
 * k-th of ode_points log-spaced times from ode_tmax·1e-3 to ode_tmax. The
 * draws do not depend on N, so a sweep over carleman_order compares the
 * orders on the same systems. */
static qnn_instance *carleman_new(const qnn_params *p, int index, char *err, size_t errlen)
{
    qnn_instance *in = calloc(1, sizeof *in);
    gsl_rng *crng = NULL;
    double *u0 = NULL;
    qnn_quadode q = {0};
    if (!in)
        goto oom;
    in->p = *p;
    in->index = index;
    in->m = 1;
    in->carleman = 1;
    in->ode_nt = p->ode_points;
    in->rng = qnn_rng_new(qnn_instance_seed(p->seed ^ STREAM_ANGLES, index));
    crng = qnn_rng_new(qnn_instance_seed(p->seed ^ STREAM_CIRCUIT, index));
    u0 = malloc((size_t)p->ode_n * sizeof *u0);
    in->ode_t = malloc((size_t)in->ode_nt * sizeof(double));
    in->ode_comp = malloc((size_t)in->ode_nt * sizeof(double));
    in->ode_norm = malloc((size_t)in->ode_nt * sizeof(double));
    if (!in->rng || !crng || !u0 || !in->ode_t || !in->ode_comp || !in->ode_norm || alloc_common(in) != 0)
        goto oom;
    if (qnn_quadode_random(crng, p->ode_n, p->ode_f, &q) != 0)
        goto oom;
    for (int a = 0; a < p->ode_n; a++)
        u0[a] = p->ode_u0 * (2.0 * gsl_rng_uniform(crng) - 1.0);
    int comp = (int)gsl_rng_uniform_int(crng, (unsigned long)p->ode_n);
    for (int k = 0; k < in->ode_nt; k++)
        in->ode_t[k] = p->ode_tmax * pow(10.0, -3.0 * (1.0 - (double)k / (in->ode_nt - 1)));
    /* rc = 1: a solution ran away; the NaN errors from then on make the
     * instance diverge at that record (reported like any divergence) */
    if (qnn_carleman_error(&q, u0, p->carleman_order, in->ode_t, (size_t)in->ode_nt, in->ode_norm, comp, in->ode_comp) < 0) {
        snprintf(err, errlen, "out of memory for the order-%d Carleman system of instance %d (ode_n = %d)",
                 p->carleman_order, index, p->ode_n);
        qnn_quadode_free(&q);
        gsl_rng_free(crng);
        free(u0);
        qnn_instance_free(in);
        return NULL;
    }
    qnn_quadode_free(&q);
    gsl_rng_free(crng);
    free(u0);
    return in;
oom:
    qnn_quadode_free(&q);
    if (crng)
        gsl_rng_free(crng);
    free(u0);
    qnn_instance_free(in);
    snprintf(err, errlen, "out of memory while building instance %d of model carleman (ode_n = %d, N = %d)", index, p->ode_n, p->carleman_order);
    return NULL;
}

static int carleman_eval(qnn_instance *in, qnn_obs *out)
{
    long k = in->step < in->ode_nt ? in->step : in->ode_nt - 1;
    out->step = in->step;
    out->time = in->ode_t[k];
    out->eps = in->ode_comp[k];
    out->err_norm = in->ode_norm[k];
    out->loss = 0.5 * out->err_norm * out->err_norm;
    out->kernel = 0.0;
    out->lambda_min = out->lambda_max = NAN;
    out->grad_norm = out->grad_inf = NAN;
    out->yhat0 = NAN;
    out->kchange = out->drift = NAN;
    out->entropy = out->tdist = NAN;
    in->r[0] = out->eps;
    in->K[0] = 0.0;
    return isfinite(out->eps) && isfinite(out->err_norm) ? 0 : 1;
}


/* ------------------------------------------------------------------------ */
/* Model mlp (LLJ App. A Eqs. 1-5; LIU24 Sec. III)                          */
/* ------------------------------------------------------------------------ */

#define STREAM_HESSIAN 0x48455353ull /* "HESS" */

static void kernel_eigen(qnn_instance *in, qnn_obs *out);

static qnn_mlp_act mlp_act(qnn_activation_kind a)
{
    switch (a) {
    case QNN_ACT_RELU: return QNN_MLP_RELU;
    case QNN_ACT_LINEAR: return QNN_MLP_LINEAR;
    case QNN_ACT_QUADRATIC: return QNN_MLP_QUADRATIC;
    default: return QNN_MLP_TANH;
    }
}

/* One data set of N samples from the circuit stream (qnn/mlp.h). */
static int mlp_data(const qnn_params *p, gsl_rng *r, const int *w, int L, size_t N,
                    double *X, double *Y, int *lab, char *err, size_t errlen)
{
    switch (p->data) {
    case QNN_DATA_TEACHER:
        return qnn_mlp_data_teacher(r, w[0], w[L], p->teacher_width, 2, mlp_act(p->activation),
                                    p->c_w, p->c_b, N, X, Y, NULL, err, errlen);
    case QNN_DATA_SIN1D: return qnn_mlp_data_sin1d(r, N, X, Y, err, errlen);
    case QNN_DATA_BUMP2D: return qnn_mlp_data_bump2d(r, N, X, Y, err, errlen);
    case QNN_DATA_SPIRALS: return qnn_mlp_data_spirals(r, p->classes, 0.05, N, X, Y, lab, err, errlen);
    }
    return -1;
}

/* The network from the widths, the data from the circuit stream (shared by
 * all instances with resample = theta), the LeCun weights from the angle
 * stream. Loss ½ Σ_{α,i} (ŷ - y)² (LLJ Eq. 4), residuals in the order α
 * major, i minor; GD θ <- θ - η λ ⊙ ∇L with λ of lr_scale. */
static qnn_instance *mlp_new(const qnn_params *p, int index, char *err, size_t errlen)
{
    qnn_instance *in = calloc(1, sizeof *in);
    gsl_rng *crng = NULL;
    int w[QNN_MLP_MAX_HIDDEN + 2];
    const int L = qnn_params_mlp_widths(p, w);
    if (!in)
        goto oom;
    in->p = *p;
    in->index = index;
    in->N = p->m;
    in->Nt = p->n_test;
    in->nL = w[L];
    in->dt = qnn_params_eta(p);
    size_t batch = (size_t)(in->N > in->Nt ? in->N : in->Nt);
    in->mlp = qnn_mlp_new(L, w, mlp_act(p->activation), p->gamma, batch, err, errlen);
    if (!in->mlp) {
        qnn_instance_free(in);
        return NULL;
    }
    in->L = (int)qnn_mlp_n_params(in->mlp);
    in->m = in->N * in->nL;
    const size_t P = (size_t)in->L;
    int circ_index = p->resample == QNN_RESAMPLE_THETA ? 0 : index;
    crng = qnn_rng_new(qnn_instance_seed(p->seed ^ STREAM_CIRCUIT, circ_index));
    in->rng = qnn_rng_new(qnn_instance_seed(p->seed ^ STREAM_ANGLES, index));
    in->X = malloc((size_t)in->N * (size_t)w[0] * sizeof(double));
    in->Y = malloc((size_t)in->m * sizeof(double));
    in->yhat = malloc((size_t)in->m * sizeof(double));
    in->lab = malloc((size_t)in->N * sizeof(int));
    in->lambda = malloc(P * sizeof(double));
    in->sqrt_lambda = malloc(P * sizeof(double));
    in->hidden = malloc(P);
    in->is_weight = malloc(P);
    int *layer = malloc(P * sizeof(int));
    if (!crng || !in->rng || !in->X || !in->Y || !in->yhat || !in->lab || !in->lambda || !in->sqrt_lambda ||
        !in->hidden || !in->is_weight || !layer || alloc_common(in) != 0) {
        free(layer);
        goto oom;
    }
    if (in->Nt > 0) {
        in->Xt = malloc((size_t)in->Nt * (size_t)w[0] * sizeof(double));
        in->Yt = malloc((size_t)in->Nt * (size_t)in->nL * sizeof(double));
        in->yhat_t = malloc((size_t)in->Nt * (size_t)in->nL * sizeof(double));
        in->lab_t = malloc((size_t)in->Nt * sizeof(int));
        if (!in->Xt || !in->Yt || !in->yhat_t || !in->lab_t) {
            free(layer);
            goto oom;
        }
    }
    if (mlp_data(p, crng, w, L, (size_t)in->N, in->X, in->Y, in->lab, err, errlen) != 0 ||
        (in->Nt > 0 && mlp_data(p, crng, w, L, (size_t)in->Nt, in->Xt, in->Yt, in->lab_t, err, errlen) != 0) ||
        qnn_mlp_lambda(in->mlp, p->lr_scale == QNN_LR_NTK ? QNN_MLP_LR_NTK : QNN_MLP_LR_STANDARD,
                       in->lambda, err, errlen) != 0 ||
        qnn_mlp_init(in->mlp, in->theta, p->c_w, p->c_b, in->rng, err, errlen) != 0) {
        free(layer);
        gsl_rng_free(crng);
        qnn_instance_free(in);
        return NULL;
    }
    gsl_rng_free(crng);
    crng = NULL;
    qnn_mlp_param_tags(in->mlp, layer, in->is_weight);
    for (size_t k = 0; k < P; k++) {
        in->sqrt_lambda[k] = sqrt(in->lambda[k]);
        in->hidden[k] = L == 1 || layer[k] < L;
        in->n_hidden += in->hidden[k];
    }
    free(layer);
    if (p->data != QNN_DATA_SPIRALS) {
        free(in->lab);
        in->lab = NULL;
    }
    return in;
oom:
    if (crng)
        gsl_rng_free(crng);
    qnn_instance_free(in);
    snprintf(err, errlen, "out of memory while building instance %d of model mlp (%d parameters, %d samples)",
             index, in ? in->L : 0, p->m);
    return NULL;
}

static int mlp_eval(qnn_instance *in, int want, qnn_obs *out)
{
    char e[256];
    const int m = in->m;
    double loss = NAN;
    int bad = qnn_mlp_forward(in->mlp, in->theta, (size_t)in->N, in->X, in->yhat, e, sizeof e) != 0 ||
              qnn_mlp_loss_grad(in->mlp, in->theta, (size_t)in->N, in->X, in->Y, 1.0, &loss, in->grad, e, sizeof e) != 0;
    double ss = 0.0;
    for (int j = 0; j < m; j++) {
        in->r[j] = in->yhat[j] - in->Y[j];
        ss += in->r[j] * in->r[j];
    }
    out->step = in->step;
    out->time = (double)in->step * in->dt;
    out->eps = m == 1 ? in->r[0] : sqrt(ss / m);
    out->loss = 0.5 * ss;
    out->yhat0 = in->yhat[0];
    out->grad_norm = cblas_dnrm2(in->L, in->grad, 1);
    out->grad_inf = fabs(in->grad[cblas_idamax(in->L, in->grad, 1)]);
    out->kernel = out->lambda_min = out->lambda_max = NAN;
    out->kchange = out->drift = NAN;
    out->entropy = out->tdist = NAN;
    bad = bad || !isfinite(ss) || !all_finite(in->grad, (size_t)in->L);
    /* The NTK (LLJ Eq. 14 with the learning-rate tensor) costs O(N² Σ n_l),
     * so it is computed where the kernel eigenvalues are wanted and at the
     * first evaluation (the reference of kernel_change) only. */
    if (!bad && ((want & QNN_WANT_EIGEN) || !in->have_K0)) {
        if (qnn_mlp_ntk(in->mlp, in->theta, (size_t)in->N, in->X,
                        in->p.lr_scale == QNN_LR_NTK ? QNN_MLP_LR_NTK : QNN_MLP_LR_STANDARD,
                        in->K, e, sizeof e) != 0) {
            bad = 1;
        } else {
            double tr = 0.0;
            for (int j = 0; j < m; j++)
                tr += in->K[(size_t)j * m + j];
            out->kernel = tr / m;
            out->kchange = kernel_change(in);
            if (!isfinite(tr))
                bad = 1;
            else if (want & QNN_WANT_EIGEN)
                kernel_eigen(in, out);
        }
    }
    if (!bad && in->lab)
        out->accuracy = qnn_mlp_accuracy((size_t)in->N, in->nL, in->yhat, in->lab);
    if (!bad && in->Nt > 0 && qnn_mlp_forward(in->mlp, in->theta, (size_t)in->Nt, in->Xt, in->yhat_t, e, sizeof e) == 0)
        out->test_accuracy = qnn_mlp_accuracy((size_t)in->Nt, in->nL, in->yhat_t, in->lab_t);
    return bad;
}

/* Magnitude pruning (LIU24 Sec. III.B): the fraction `prune` of the weights
 * with the smallest |W| are set to 0 (biases are kept); they may grow back
 * under later steps, as in LIU24. Ties at the threshold are broken by
 * index so the count is exact. */
typedef struct { double a; size_t k; } mag_entry;

static int mag_cmp(const void *x, const void *y)
{
    const mag_entry *a = x, *b = y;
    if (a->a != b->a)
        return a->a < b->a ? -1 : 1;
    return a->k < b->k ? -1 : a->k > b->k;
}

static void mlp_prune(qnn_instance *in)
{
    size_t nw = 0;
    for (int k = 0; k < in->L; k++)
        nw += in->is_weight[k];
    mag_entry *e = malloc(nw * sizeof *e);
    if (!e)
        return;   /* memory: the step goes on unpruned (reported by the event bit not being set) */
    size_t j = 0;
    for (int k = 0; k < in->L; k++)
        if (in->is_weight[k])
            e[j++] = (mag_entry){ fabs(in->theta[k]), (size_t)k };
    qsort(e, nw, sizeof *e, mag_cmp);
    size_t cut = (size_t)floor(in->p.prune * (double)nw + 0.5);
    for (size_t i = 0; i < cut && i < nw; i++)
        in->theta[e[i].k] = 0.0;
    free(e);
    in->pending_event |= QNN_EVENT_PRUNE;
}

/* ------------------------------------------------------------------------ */
/* Hessian of the loss (SPEC §3) and the LIU24 error proxy                  */
/* ------------------------------------------------------------------------ */

/* Gradient of the loss at an arbitrary θ into g (circuit models and qbm),
 * leaving the instance's own evaluation untouched. 0 or -1. */
static int grad_at(qnn_instance *in, const double *theta, double *g)
{
    const int L = in->L;
    if (in->qb) {
        char e[128];
        double *tq = qnn_qbm_theta(in->qb);
        for (int l = 0; l < L; l++)
            tq[l] = theta[l] / in->qscale;
        int bad = qnn_qbm_eval(in->qb, e, sizeof e) != QNN_QBM_OK || qnn_qbm_gradient(in->qb, g) != QNN_QBM_OK;
        double r = in->p.gamma * qnn_qbm_objective(in->qb) - in->p.O0;
        for (int l = 0; l < L; l++)
            g[l] *= r * in->p.gamma / in->qscale;
        for (int l = 0; l < L; l++)
            tq[l] = in->theta[l] / in->qscale;
        return bad ? -1 : 0;
    }
    const qnn_model_data *md = in->md;
    qnn_workspace *ws = &in->ws;
    qnn_circuit_eval(md->circ, theta, (size_t)in->m, md->inputs, md->y, in->hv_r, in->hv_J, ws);
    cblas_dgemv(CblasRowMajor, CblasTrans, in->m, L, md->loss_scale, in->hv_J, L, in->hv_r, 1, 0.0, g, 1);
    return 0;
}

/* H v of the loss in the training metric: Λ^{1/2} H Λ^{1/2} v for the mlp
 * (λ of lr_scale, so that its spectrum is that of the step map's Jacobian
 * 1 - η Λ H up to similarity), H v for the others. mlp: exact (R-operator);
 * circuit models and qbm: a central difference of the exact gradient,
 * [g(θ + h v) - g(θ - h v)] / 2h with h = 1e-4 / ‖v‖ (truncation O(h²)
 * ~ 1e-8 relative, rounding ~ 1e-12). */
static int hvp_cb(void *ctx, const double *v, double *Hv)
{
    qnn_instance *in = ctx;
    const int L = in->L;
    if (in->mlp) {
        char e[128];
        for (int k = 0; k < L; k++)
            in->hv_a[k] = in->sqrt_lambda[k] * v[k];
        if (qnn_mlp_hvp(in->mlp, in->theta, (size_t)in->N, in->X, in->Y, 1.0, in->hv_a, Hv, e, sizeof e) != 0)
            return -1;
        for (int k = 0; k < L; k++)
            Hv[k] *= in->sqrt_lambda[k];
        return 0;
    }
    double nv = cblas_dnrm2(L, v, 1);
    if (!(nv > 0.0)) {
        memset(Hv, 0, (size_t)L * sizeof(double));
        return 0;
    }
    const double h = 1e-4 / nv;
    for (int k = 0; k < L; k++)
        in->hv_a[k] = in->theta[k] + h * v[k];
    if (grad_at(in, in->hv_a, in->hv_b) != 0)
        return -1;
    for (int k = 0; k < L; k++)
        in->hv_a[k] = in->theta[k] - h * v[k];
    if (grad_at(in, in->hv_a, in->hv_c) != 0)
        return -1;
    for (int k = 0; k < L; k++)
        Hv[k] = (in->hv_b[k] - in->hv_c[k]) / (2.0 * h);
    return 0;
}

/* The exact Hessian of a circuit model by the parameter-shift rule applied
 * to the Jacobian: each residual r_j depends on θ_a through one gate
 * exp(i s_a θ_a P_a) (eigenvalues ±h_a, h_a = |s_a|), so every ∂r_j/∂θ_b is
 * A + B cos 2h_aθ_a + C sin 2h_aθ_a in θ_a and
 *     ∂_a ∇r_j = h_a [∇r_j(θ + π/(4h_a) e_a) - ∇r_j(θ - π/(4h_a) e_a)]
 * exactly. With loss (c/2) Σ r², column a of H = c (JᵀJ e_a + Σ_j r_j ∂_a ∇r_j):
 * 2P Jacobians, exact to rounding. */
static int circuit_hessian(qnn_instance *in)
{
    const int L = in->L, m = in->m;
    const qnn_circuit *circ = in->md->circ;
    const double c = in->md->loss_scale;
    /* JᵀJ from the current evaluation */
    cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, L, m, c, in->J, L, 0.0, in->H, L);
    for (int a = 0; a < L; a++)
        for (int b = 0; b < a; b++)
            in->H[(size_t)a * L + b] = in->H[(size_t)b * L + a];
    memcpy(in->hv_a, in->theta, (size_t)L * sizeof(double));
    for (int a = 0; a < L; a++) {
        double sa = circ->gen_coef ? circ->gen_scale * circ->gen_coef[a] : circ->gen_scale;
        double h = fabs(sa);
        if (h == 0.0)
            continue;
        double sh = M_PI / (4.0 * h);
        in->hv_a[a] = in->theta[a] + sh;
        qnn_circuit_eval(circ, in->hv_a, (size_t)m, in->md->inputs, in->md->y, in->hv_r, in->hv_J, &in->ws);
        cblas_dgemv(CblasRowMajor, CblasTrans, m, L, 1.0, in->hv_J, L, in->r, 1, 0.0, in->hv_b, 1);
        in->hv_a[a] = in->theta[a] - sh;
        qnn_circuit_eval(circ, in->hv_a, (size_t)m, in->md->inputs, in->md->y, in->hv_r, in->hv_J, &in->ws);
        cblas_dgemv(CblasRowMajor, CblasTrans, m, L, 1.0, in->hv_J, L, in->r, 1, 0.0, in->hv_c, 1);
        in->hv_a[a] = in->theta[a];
        for (int b = 0; b < L; b++)
            in->H[(size_t)b * L + a] += c * h * (in->hv_b[b] - in->hv_c[b]);
    }
    return 0;
}

static int hessian_exact_mode(const qnn_instance *in)
{
    return qnn_params_hessian_exact(&in->p);
}

static int hessian_setup(qnn_instance *in)
{
    if (in->p.hessian == QNN_HESS_OFF || in->L <= 0)
        return 0;
    const size_t P = (size_t)in->L;
    in->hv_a = malloc(P * sizeof(double));
    in->hv_b = malloc(P * sizeof(double));
    in->hv_c = malloc(P * sizeof(double));
    in->hrng = qnn_rng_new(qnn_instance_seed(in->p.seed ^ STREAM_HESSIAN, in->index));
    if (!in->hv_a || !in->hv_b || !in->hv_c || !in->hrng)
        return -1;
    if (in->md) {
        in->hv_r = malloc((size_t)in->m * sizeof(double));
        in->hv_J = malloc((size_t)in->m * P * sizeof(double));
        if (!in->hv_r || !in->hv_J)
            return -1;
    }
    if (hessian_exact_mode(in)) {
        in->H = malloc(P * P * sizeof(double));
        if (!in->H)
            return -1;
    }
    return 0;
}

/* The spectrum at the current θ (after an evaluation) into in->spec. */
static int hessian_compute(qnn_instance *in)
{
    const size_t P = (size_t)in->L;
    qnn_spectrum_free(&in->spec);
    int rc;
    if (hessian_exact_mode(in)) {
        if (in->md)
            rc = circuit_hessian(in);
        else
            rc = qnn_hess_assemble(hvp_cb, in, P, in->H);
        if (rc != 0)
            return -1;
        rc = qnn_hess_dense_spectrum(in->H, P, &in->spec, NULL);
    } else {
        rc = qnn_hess_slq(hvp_cb, in, P, (size_t)in->p.slq_probes, (size_t)in->p.slq_steps, in->hrng, &in->spec, NULL);
    }
    return rc == QNN_HESS_OK ? 0 : -1;
}

static int upload_due(const qnn_instance *in)
{
    const long s = in->step;
    if (s == 0)
        return 1;
    const long P = in->p.prune_every;
    return P > 0 && s >= P && s % P == in->p.prune_classical;
}

static int classical_window(const qnn_instance *in)
{
    const long s = in->step, P = in->p.prune_every;
    return P > 0 && s >= P && s % P < in->p.prune_classical;
}

/* Observers shared by every model with parameters: the mean square
 * gradient, laziness, the Hessian spectrum and the error proxy. */
static int observe_common(qnn_instance *in, int want, int bad, qnn_obs *out)
{
    const int L = in->L;
    out->event = in->pending_event;
    in->pending_event = 0;
    if (L <= 0 || in->as || in->gue || in->carleman)
        return bad;
    if (!in->theta0) {
        in->theta0 = malloc((size_t)L * sizeof(double));
        if (in->theta0) {
            memcpy(in->theta0, in->theta, (size_t)L * sizeof(double));
            in->theta0_norm = cblas_dnrm2(L, in->theta, 1);
        }
    }
    if (bad)
        return bad;
    double g2 = 0.0;
    int nh = 0;
    for (int k = 0; k < L; k++)
        if (!in->hidden || in->hidden[k]) {
            g2 += in->grad[k] * in->grad[k];
            nh++;
        }
    out->grad_ms = nh ? g2 / nh : NAN;
    if (in->theta0 && in->theta0_norm > 0.0) {
        double d2 = 0.0;
        for (int k = 0; k < L; k++)
            d2 += (in->theta[k] - in->theta0[k]) * (in->theta[k] - in->theta0[k]);
        out->laziness = sqrt(d2) / in->theta0_norm;
    }
    if (in->p.hessian == QNN_HESS_OFF)
        return bad;
    const int up = upload_due(in);
    if ((want & QNN_WANT_HESSIAN) || up) {
        if (hessian_compute(in) != 0)
            return 1;
        /* eigenvalues within 1e-8 of the largest magnitude are zero to
         * rounding (a Hessian of rank < P has many): they count as neither
         * sign in the fraction positive */
        qnn_spectrum_stats st;
        double big = fmax(fabs(in->spec.x[0]), fabs(in->spec.x[in->spec.n - 1]));
        qnn_spectrum_summary(&in->spec, 1e-8 * big, &st);
        out->h_min = st.min;
        out->h_max = st.max;
        out->h_trace = st.trace;
        out->h_frac_pos = st.frac_pos;
        in->spec_fresh = 1;
        in->spec_upload = up;
        in->spec_step = in->step;
        if (up) {
            qnn_spectrum_free(&in->up);
            if (qnn_spectrum_alloc(&in->up, in->spec.n) != QNN_HESS_OK)
                return 1;
            memcpy(in->up.x, in->spec.x, in->spec.n * sizeof(double));
            memcpy(in->up.w, in->spec.w, in->spec.n * sizeof(double));
            in->up.exact = in->spec.exact;
            in->up.dim = in->spec.dim;
            in->up_step = in->step;
            out->event |= QNN_EVENT_UPLOAD;
        }
    }
    if (classical_window(in)) {
        out->proxy = 1.0;
    } else if (in->up.n > 0) {
        double s = in->p.proxy_scale == QNN_PROXY_ETA ? qnn_params_eta(&in->p) : 1.0;
        out->proxy = qnn_liu24_proxy_at(&in->up, s, in->p.proxy_cut, (double)(in->step - in->up_step), NULL);
    }
    return bad;
}

int qnn_instance_hessian(qnn_instance *in, double *H)
{
    if (in->L <= 0 || in->as || in->gue || in->carleman || !in->hv_a)
        return -1;
    double *keep = in->H;
    in->H = H;
    int rc = in->md ? circuit_hessian(in) : qnn_hess_assemble(hvp_cb, in, (size_t)in->L, H);
    in->H = keep;
    return rc == 0 ? 0 : -1;
}

int qnn_instance_hvp(qnn_instance *in, const double *v, double *Hv)
{
    if (in->L <= 0 || in->as || in->gue || in->carleman || !in->hv_a)
        return -1;
    return hvp_cb(in, v, Hv);
}

const qnn_spectrum *qnn_instance_take_spectrum(qnn_instance *in, long *step, int *upload)
{
    if (!in->spec_fresh)
        return NULL;
    in->spec_fresh = 0;
    if (step)
        *step = in->spec_step;
    if (upload)
        *upload = in->spec_upload;
    return &in->spec;
}

static qnn_instance *instance_build(const qnn_params *p, int index, const qnn_instance *shared,
                                    char *err, size_t errlen);

qnn_instance *qnn_instance_new(const qnn_params *p, int index,
                               const qnn_instance *shared,
                               char *err, size_t errlen)
{
    qnn_instance *in = instance_build(p, index, shared, err, errlen);
    if (in && hessian_setup(in) != 0) {
        qnn_instance_free(in);
        snprintf(err, errlen, "out of memory for the Hessian of instance %d (%.0f parameters, hessian = %s)",
                 index, qnn_params_n_params(p), hessian_exact_mode(in) ? "exact" : "slq");
        return NULL;
    }
    return in;
}

static qnn_instance *instance_build(const qnn_params *p, int index, const qnn_instance *shared,
                                    char *err, size_t errlen)
{
    if (p->model == QNN_MODEL_MLP)
        return mlp_new(p, index, err, errlen);
    if (p->model == QNN_MODEL_CARLEMAN)
        return carleman_new(p, index, err, errlen);
    if (p->model == QNN_MODEL_GUE)
        return gue_new(p, index, err, errlen);
    if (p->model == QNN_MODEL_ASYMPTOTIC || p->model == QNN_MODEL_FROZEN)
        return asym_new(p, index, err, errlen);
    if (p->model == QNN_MODEL_QBM)
        return qbm_new(p, index, err, errlen);
    qnn_instance *in = calloc(1, sizeof *in);
    if (!in)
        goto oom;
    in->p = *p;
    in->index = index;
    if (shared) {
        in->md = shared->md;
    } else {
        int circ_index = p->resample == QNN_RESAMPLE_THETA ? 0 : index;
        gsl_rng *crng = qnn_rng_new(qnn_instance_seed(p->seed ^ STREAM_CIRCUIT, circ_index));
        if (!crng)
            goto oom;
        int rc = qnn_model_build(p, crng, &in->own, err, errlen);
        gsl_rng_free(crng);
        if (rc != 0) {
            qnn_instance_free(in);
            return NULL;
        }
        in->md = &in->own;
    }
    in->rng = qnn_rng_new(qnn_instance_seed(p->seed ^ STREAM_ANGLES, index));
    in->m = (int)in->md->m;
    in->L = p->L;
    const size_t m = (size_t)in->m;
    /* flow time per step: random dr/dt = -K r in t = η·step; periodic
     * dr/dt = -(ηp/m)(tr H²/(d²-1)) K_asym r as p grows (YOU23 Thm. 4.2),
     * with tr H²/(d²-1) = 1 by the choice of H */
    in->dt = p->model == QNN_MODEL_PERIODIC ? qnn_params_eta(p) * p->L / (double)m : qnn_params_eta(p);
    if (alloc_common(in) != 0)
        goto oom;
    {   /* visible qubits 0 .. n_v - 1, or the cut when everything is visible */
        const int n = in->md->circ->n;
        const int nv = qnn_params_visible(p);
        if (nv >= 1 && nv < n) {
            in->ent = qnn_entangle_new(n, nv);
            in->psi_out = malloc(in->md->circ->D * sizeof(qnn_cplx));
            in->lam = malloc(((size_t)1 << nv) * sizeof(double));
            if (!in->ent || !in->psi_out || !in->lam)
                goto oom;
        }
    }
    if (qnn_workspace_init(&in->ws, in->md->circ->D, m) != 0)
        goto oom;
    init_theta(in);
    return in;
oom:
    qnn_instance_free(in);
    snprintf(err, errlen, "out of memory while building instance %d (n = %d, L = %d)", index, p->n, p->L);
    return NULL;
}

void qnn_instance_resample_theta(qnn_instance *in)
{
    if (in->as || in->mlp || in->carleman)
        return;
    for (int l = 0; l < in->L; l++)
        in->theta[l] = gsl_rng_uniform(in->rng) * 2.0 * M_PI;
}

static int all_finite(const double *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(v[i]))
            return 0;
    return 1;
}

/* Angles beyond 1e15 rad are no longer resolved by a double (its spacing
 * there is 0.125 rad): a run whose steps throw θ that far has diverged as
 * surely as one that produced NaN. */
#define QNN_THETA_MAX 1e15

static int angles_ok(const qnn_instance *in)
{
    for (int l = 0; l < in->L; l++)
        if (!(fabs(in->theta[l]) <= QNN_THETA_MAX))
            return 0;
    return 1;
}

/* Eigenvalues of in->K into in->eig (ascending) and the extremes into out. */
static void kernel_eigen(qnn_instance *in, qnn_obs *out)
{
    const int m = in->m;
    if (m == 1) {
        in->eig[0] = in->K[0];
    } else {
        memcpy(in->Kw->data, in->K, (size_t)m * (size_t)m * sizeof(double));
        gsl_eigen_symm(in->Kw, in->ev, in->ew);
        gsl_sort_vector(in->ev);
        memcpy(in->eig, in->ev->data, (size_t)m * sizeof(double));
    }
    out->lambda_min = in->eig[0];
    out->lambda_max = in->eig[m - 1];
}

/* ‖K - K(0)‖_F / ‖K(0)‖_F (YOU23 Fig. 5), K(0) taken at the first call. */
static double kernel_change(qnn_instance *in)
{
    const size_t mm = (size_t)in->m * (size_t)in->m;
    if (!in->have_K0) {
        memcpy(in->K0, in->K, mm * sizeof(double));
        double s = 0.0;
        for (size_t k = 0; k < mm; k++)
            s += in->K0[k] * in->K0[k];
        in->K0norm = sqrt(s);
        in->have_K0 = 1;
    }
    double s = 0.0;
    for (size_t k = 0; k < mm; k++)
        s += (in->K[k] - in->K0[k]) * (in->K[k] - in->K0[k]);
    return in->K0norm > 0.0 ? sqrt(s) / in->K0norm : NAN;
}

static int asym_eval(qnn_instance *in, int want_eigen, qnn_obs *out)
{
    const int m = in->m;
    int bad = qnn_asym_eval(in->as);
    const double *r = qnn_asym_residuals(in->as);
    memcpy(in->r, r, (size_t)m * sizeof(double));
    memcpy(in->K, qnn_asym_kernel(in->as), (size_t)m * (size_t)m * sizeof(double));
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
    out->grad_norm = sqrt(fmax(qnn_asym_rkr(in->as), 0.0)) / m;
    out->yhat0 = r[0] + qnn_asym_labels(in->as)[0];
    out->lambda_min = out->lambda_max = NAN;
    out->kchange = kernel_change(in);
    out->drift = NAN;
    out->entropy = out->tdist = out->grad_inf = NAN;
    if (!bad && !(isfinite(ss) && isfinite(tr)))
        bad = 1;
    if ((want_eigen & QNN_WANT_EIGEN) && !bad) {
        kernel_eigen(in, out);
        out->drift = qnn_asym_spectral_drift(in->as);
    }
    return bad;
}

static void obs_clear_new(qnn_obs *o)
{
    o->grad_ms = o->laziness = o->accuracy = o->test_accuracy = NAN;
    o->h_min = o->h_max = o->h_trace = o->h_frac_pos = NAN;
    o->proxy = NAN;
    o->event = 0;
    o->err_norm = NAN;
}

static int eval_dispatch(qnn_instance *in, int want_eigen, qnn_obs *out);

int qnn_instance_eval(qnn_instance *in, int want_eigen, qnn_obs *out)
{
    obs_clear_new(out);
    int bad = eval_dispatch(in, want_eigen, out);
    return observe_common(in, want_eigen, bad, out);
}

static int eval_dispatch(qnn_instance *in, int want_eigen, qnn_obs *out)
{
    if (in->mlp)
        return mlp_eval(in, want_eigen, out);
    if (in->carleman)
        return carleman_eval(in, out);
    if (in->as)
        return asym_eval(in, want_eigen, out);
    if (in->qb)
        return qbm_eval(in, want_eigen, out);
    if (in->gue)
        return gue_eval(in, want_eigen, out);
    const qnn_model_data *md = in->md;
    const int m = in->m, L = in->L;
    const int want_ent = (want_eigen & QNN_WANT_ENTROPY) && in->ent;
    in->ws.psi0 = want_ent ? in->psi_out : NULL;
    qnn_circuit_eval(md->circ, in->theta, (size_t)m, md->inputs, md->y, in->r, in->J, &in->ws);
    in->ws.psi0 = NULL;

    double ss = 0.0;
    for (int j = 0; j < m; j++)
        ss += in->r[j] * in->r[j];
    const double c = md->loss_scale;
    /* grad = c Jᵀ r */
    cblas_dgemv(CblasRowMajor, CblasTrans, m, L, c, in->J, L, in->r, 1, 0.0, in->grad, 1);
    /* K = J Jᵀ (upper triangle by DSYRK, then mirrored) */
    cblas_dsyrk(CblasRowMajor, CblasUpper, CblasNoTrans, m, L, 1.0, in->J, L, 0.0, in->K, m);
    double tr = 0.0;
    for (int i = 0; i < m; i++) {
        tr += in->K[i * m + i];
        for (int j = 0; j < i; j++)
            in->K[i * m + j] = in->K[j * m + i];
    }

    out->step = in->step;
    out->time = (double)in->step * in->dt;
    out->kchange = kernel_change(in);
    out->drift = NAN;
    out->eps = m == 1 ? in->r[0] : sqrt(ss / m);
    out->loss = 0.5 * c * ss;
    out->kernel = tr / m;
    out->grad_norm = cblas_dnrm2(L, in->grad, 1);
    out->grad_inf = fabs(in->grad[cblas_idamax(L, in->grad, 1)]);
    out->entropy = out->tdist = NAN;
    if (want_ent && qnn_entangle_spectrum(in->ent, in->psi_out, in->lam) == 0) {
        const size_t Dv = qnn_entangle_dv(in->ent);
        out->entropy = qnn_entropy(in->lam, Dv, in->p.entropy_bits);
        out->tdist = qnn_trace_distance_mixed(in->lam, Dv);
    }
    out->yhat0 = in->r[0] + md->y[0];
    out->lambda_min = out->lambda_max = NAN;

    int finite = isfinite(ss) && isfinite(tr) && all_finite(in->grad, (size_t)L) && angles_ok(in);
    if ((want_eigen & QNN_WANT_EIGEN) && finite)
        kernel_eigen(in, out);
    return finite ? 0 : 1;
}

void qnn_instance_step(qnn_instance *in)
{
    if (in->gue || in->carleman) {
        in->step++;
        return;
    }
    if (in->as) {
        qnn_asym_step(in->as, qnn_params_eta(&in->p));
        in->step++;
        return;
    }
    const double eta = qnn_params_eta(&in->p), sigma = in->p.sigma_theta;
    if (in->lambda)
        for (int l = 0; l < in->L; l++)
            in->theta[l] -= eta * in->lambda[l] * in->grad[l];
    else
        for (int l = 0; l < in->L; l++)
            in->theta[l] -= eta * in->grad[l];
    if (sigma > 0.0)
        for (int l = 0; l < in->L; l++)
            in->theta[l] += gsl_ran_gaussian(in->rng, sigma);
    in->step++;
    if (in->mlp && in->p.prune_every > 0 && in->step % in->p.prune_every == 0)
        mlp_prune(in);
}

static double flow_dt(const qnn_instance *in)
{
    if (in->gue || in->carleman)
        return 0.0;
    const double eta = qnn_params_eta(&in->p);
    return in->p.model == QNN_MODEL_PERIODIC ? eta * in->p.L / (double)in->m : eta;
}

void qnn_instance_set_rates(qnn_instance *in, double eta, int eta_per_L, double sigma_theta)
{
    in->p.eta = eta;
    in->p.eta_per_L = eta_per_L;
    in->p.sigma_theta = sigma_theta;
    in->dt = flow_dt(in);
}

int qnn_instance_set_gamma(qnn_instance *in, double gamma)
{
    if (in->as || in->gue || in->carleman)
        return -1;
    in->p.gamma = gamma;
    if (in->mlp)
        qnn_mlp_set_gamma(in->mlp, gamma);
    if (in->own.circ)
        in->own.circ->gamma = gamma;
    return 0;
}

int qnn_instance_set_theta(qnn_instance *in, const double *theta, int n)
{
    if (!in->theta || in->L <= 0 || in->as || in->gue || in->carleman || n < 0)
        return -1;
    memcpy(in->theta, theta, (size_t)(n < in->L ? n : in->L) * sizeof(double));
    return 0;
}

/* tr O⁴ = tr (O²)² with O² = Σ_{a,b} c_a c_b Q_a Q_b expanded on the Pauli
 * basis: the products are grouped by their string (sorted keys) and
 * tr (O²)² = D Σ_s |coef_s|². Used by the LIU23 Eq. 12 estimate. */
typedef struct { uint64_t key; qnn_cplx v; } pauli_term;

static int term_cmp(const void *a, const void *b)
{
    uint64_t x = ((const pauli_term *)a)->key, y = ((const pauli_term *)b)->key;
    return x < y ? -1 : x > y;
}

static double obs_trace4(const qnn_circuit *circ)
{
    if (circ->obs_proj)   /* a projector: O⁴ = O */
        return (double)circ->D / (double)((size_t)1 << circ->obs_nv);
    static const qnn_cplx ipow[4] = { 1.0, I, -1.0, -I };
    const int k = circ->nobs;
    size_t np = (size_t)k * (size_t)k;
    pauli_term *t = malloc(np * sizeof *t);
    if (!t)
        return NAN;
    size_t s = 0;
    for (int a = 0; a < k; a++)
        for (int b = 0; b < k; b++) {
            qnn_pauli A = circ->obs[a], B = circ->obs[b];
            /* A B = i^{ny(A)+ny(B)} (-1)^{|za & xb|} X^{xa^xb} Z^{za^zb},
             * and X^x Z^z = i^{-ny(C)} C for the Hermitian string C. */
            qnn_pauli C = { A.x ^ B.x, A.z ^ B.z };
            int ph = qnn_pauli_ny(A) + qnn_pauli_ny(B) + 2 * __builtin_popcount(A.z & B.x) - qnn_pauli_ny(C);
            ph = ((ph % 4) + 4) % 4;
            t[s].key = ((uint64_t)C.x << 32) | C.z;
            t[s].v = circ->obs_c[a] * circ->obs_c[b] * ipow[ph];
            s++;
        }
    qsort(t, np, sizeof *t, term_cmp);
    double sum = 0.0;
    for (size_t i = 0; i < np;) {
        qnn_cplx acc = 0.0;
        size_t j = i;
        while (j < np && t[j].key == t[i].key)
            acc += t[j++].v;
        sum += creal(acc * conj(acc));
        i = j;
    }
    free(t);
    return sum * (double)circ->D;
}

void qnn_instance_consts(const qnn_instance *in, qnn_consts *c)
{
    memset(c, 0, sizeof *c);
    c->dt = in->dt;
    if (in->mlp) {
        c->L = in->L;
        c->m = in->m;
        c->gamma = in->p.gamma;
        c->eta = qnn_params_eta(&in->p);
        c->sigma_theta = in->p.sigma_theta;
        c->loss_scale = 1.0;
        return;
    }
    if (in->carleman) {
        c->n = in->p.ode_n;
        c->m = 1;
        c->loss_scale = 1.0;
        return;
    }
    if (in->gue) {
        c->n = in->p.n;
        c->D = (double)((size_t)1 << in->p.n);
        c->m = 1;
        c->gamma = in->p.gamma;
        c->loss_scale = 1.0;
        return;
    }
    if (in->qb) {
        c->n = in->p.n;
        c->D = (double)((size_t)1 << in->p.n);
        c->L = in->L;
        c->m = 1;
        c->gamma = in->p.gamma;
        c->eta = qnn_params_eta(&in->p);
        c->sigma_theta = in->p.sigma_theta;
        c->loss_scale = 1.0;
        return;
    }
    if (in->as) {
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
        return;
    }
    const qnn_circuit *circ = in->md->circ;
    c->n = circ->n;
    c->D = (double)circ->D;
    c->L = in->L;
    c->m = in->m;
    c->gamma = in->p.gamma;
    c->eta = qnn_params_eta(&in->p);
    c->sigma_theta = in->p.sigma_theta;
    qnn_circuit_obs_traces(circ, &c->trO, &c->trO2);
    c->trO4 = obs_trace4(circ);
    if (in->p.model == QNN_MODEL_PERIODIC)
        c->H_op2_sum = in->L * (c->D - 1.0 / c->D);
    else
        c->H_op2_sum = in->L; /* ‖P_l‖_op = 1 */
    c->loss_scale = in->md->loss_scale;
}

const double *qnn_instance_kernel(const qnn_instance *in, int *m) { if (m) *m = in->m; return in->K; }
const double *qnn_instance_eigenvalues(const qnn_instance *in, int *m) { if (m) *m = in->m; return in->eig; }
const double *qnn_instance_residuals(const qnn_instance *in, int *m) { if (m) *m = in->m; return in->r; }
const double *qnn_instance_theta(const qnn_instance *in, int *L) { if (L) *L = in->L; return in->theta; }
const double *qnn_instance_jacobian(const qnn_instance *in, int *m, int *L)
{
    if (m) *m = in->m;
    if (L) *L = in->L;
    return in->J;
}
long qnn_instance_step_count(const qnn_instance *in) { return in->step; }
const double *qnn_instance_gradient(const qnn_instance *in) { return in->grad; }

const qnn_asym *qnn_instance_asym(const qnn_instance *in) { return in->as; }

void qnn_instance_residuals_at(qnn_instance *in, const double *theta, double *r)
{
    if (in->as || in->carleman || in->gue)
        return;
    if (in->mlp) {
        char e[64];
        if (qnn_mlp_forward(in->mlp, theta, (size_t)in->N, in->X, r, e, sizeof e) == 0)
            for (int j = 0; j < in->m; j++)
                r[j] -= in->Y[j];
        return;
    }
    if (in->qb) {
        char e[128];
        double *tq = qnn_qbm_theta(in->qb);
        for (int l = 0; l < in->L; l++)
            tq[l] = theta[l] / in->qscale;
        r[0] = qnn_qbm_eval(in->qb, e, sizeof e) == QNN_QBM_OK
                   ? in->p.gamma * qnn_qbm_objective(in->qb) - in->p.O0 : NAN;
        for (int l = 0; l < in->L; l++)
            tq[l] = in->theta[l] / in->qscale;
        return;
    }
    qnn_circuit_eval(in->md->circ, theta, (size_t)in->m, in->md->inputs, in->md->y, r, NULL, &in->ws);
}
