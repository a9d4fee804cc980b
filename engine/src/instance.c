#include "qnn/instance.h"
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

qnn_instance *qnn_instance_new(const qnn_params *p, int index,
                               const qnn_instance *shared,
                               char *err, size_t errlen)
{
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
    const size_t m = (size_t)in->m, L = (size_t)in->L;
    in->theta = malloc(L * sizeof(double));
    in->grad = malloc(L * sizeof(double));
    in->r = malloc(m * sizeof(double));
    in->J = malloc(m * L * sizeof(double));
    in->K = malloc(m * m * sizeof(double));
    in->eig = malloc(m * sizeof(double));
    if (!in->rng || !in->theta || !in->grad || !in->r || !in->J || !in->K || !in->eig)
        goto oom;
    for (size_t j = 0; j < m; j++)
        in->eig[j] = NAN;
    if (m > 1) {
        in->Kw = gsl_matrix_alloc(m, m);
        in->ev = gsl_vector_alloc(m);
        in->ew = gsl_eigen_symm_alloc(m);
        if (!in->Kw || !in->ev || !in->ew)
            goto oom;
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

int qnn_instance_eval(qnn_instance *in, int want_eigen, qnn_obs *out)
{
    const qnn_model_data *md = in->md;
    const int m = in->m, L = in->L;
    qnn_circuit_eval(md->circ, in->theta, (size_t)m, md->inputs, md->y, in->r, in->J, &in->ws);

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
    out->eps = m == 1 ? in->r[0] : sqrt(ss / m);
    out->loss = 0.5 * c * ss;
    out->kernel = tr / m;
    out->grad_norm = cblas_dnrm2(L, in->grad, 1);
    out->yhat0 = in->r[0] + md->y[0];
    out->lambda_min = out->lambda_max = NAN;

    int finite = isfinite(ss) && isfinite(tr) && all_finite(in->grad, (size_t)L) && angles_ok(in);
    if (want_eigen && finite) {
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
    return finite ? 0 : 1;
}

void qnn_instance_step(qnn_instance *in)
{
    const double eta = qnn_params_eta(&in->p), sigma = in->p.sigma_theta;
    for (int l = 0; l < in->L; l++)
        in->theta[l] -= eta * in->grad[l];
    if (sigma > 0.0)
        for (int l = 0; l < in->L; l++)
            in->theta[l] += gsl_ran_gaussian(in->rng, sigma);
    in->step++;
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
    const qnn_circuit *circ = in->md->circ;
    memset(c, 0, sizeof *c);
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

void qnn_instance_residuals_at(qnn_instance *in, const double *theta, double *r)
{
    qnn_circuit_eval(in->md->circ, theta, (size_t)in->m, in->md->inputs, in->md->y, r, NULL, &in->ws);
}
