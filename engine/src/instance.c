/* One instance of a model: its class, the class's state, and what every
 * model shares (qnn/model.h): the angles, residuals, Jacobian, kernel and
 * gradient, the kernel's eigenvalues and change, laziness, the Hessian
 * spectrum and the LIU24 error proxy. Nothing here knows which model it
 * runs: it asks the class. */
#include "instance_impl.h"
#include "rng.h"
#include "qnn/hessian_gsl.h"

#include <gsl/gsl_cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_sort_vector.h>

gsl_rng *qnn_instance_stream(const qnn_params *p, uint64_t stream, int index)
{
    return qnn_rng_new(qnn_instance_seed(p->seed ^ stream, index));
}

void qnn_instance_free(qnn_instance *in)
{
    if (!in)
        return;
    if (in->cls && in->cls->free)
        in->cls->free(in);
    gsl_rng_free(in->rng);
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
    free(in->K0);
    qnn_entangle_free(in->ent);
    free(in->psi_out);
    free(in->lam);
    free(in->theta0);
    free(in->H);
    free(in->hv_a);
    free(in->hv_b);
    free(in->hv_c);
    qnn_spectrum_free(&in->spec);
    qnn_spectrum_free(&in->up);
    if (in->hrng)
        gsl_rng_free(in->hrng);
    free(in);
}

/* ------------------------------------------------------------------------ */
/* What the classes' methods may use (qnn/model.h)                          */
/* ------------------------------------------------------------------------ */

void *qnn_model_state(const qnn_instance *in) { return in->state; }
void qnn_model_set_state(qnn_instance *in, void *state) { in->state = state; }
const qnn_params *qnn_model_params(const qnn_instance *in) { return &in->p; }
long qnn_model_step(const qnn_instance *in) { return in->step; }

static double flow_dt(const qnn_instance *in)
{
    const double eta = qnn_params_eta(&in->p);
    return in->cls->flow_dt ? in->cls->flow_dt(in, eta) : eta;
}

int qnn_model_alloc(qnn_instance *in, int m_, int P, int with_jacobian)
{
    in->m = m_;
    in->L = P;
    const size_t m = (size_t)m_, L = (size_t)(P > 0 ? P : 1);
    in->theta = calloc(L, sizeof(double));
    in->grad = calloc(L, sizeof(double));
    in->r = malloc(m * sizeof(double));
    in->J = with_jacobian ? malloc(m * L * sizeof(double)) : NULL;
    in->K = malloc(m * m * sizeof(double));
    in->K0 = malloc(m * m * sizeof(double));
    in->eig = malloc(m * sizeof(double));
    in->dt = flow_dt(in);
    if (!in->rng || !in->theta || !in->grad || !in->r || (with_jacobian && !in->J) || !in->K || !in->K0 || !in->eig)
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

qnn_model_arrays qnn_model_get_arrays(qnn_instance *in)
{
    return (qnn_model_arrays){ in->m, in->L, in->theta, in->r, in->J, in->K, in->eig, in->grad };
}

void qnn_model_set_metric(qnn_instance *in, const double *lambda, const double *sqrt_lambda,
                          const unsigned char *hidden, int n_hidden)
{
    in->lambda = lambda;
    in->sqrt_lambda = sqrt_lambda;
    in->hidden = hidden;
    in->n_hidden = n_hidden;
}

void qnn_model_init_theta(qnn_instance *in, double *theta, int P)
{
    for (int l = 0; l < P; l++) {
        switch (in->p.theta_init) {
        case QNN_INIT_UNIFORM: theta[l] = gsl_rng_uniform(in->rng) * 2.0 * M_PI; break;
        case QNN_INIT_ZERO: theta[l] = 0.0; break;
        case QNN_INIT_NORMAL: theta[l] = gsl_ran_gaussian(in->rng, in->p.theta_scale); break;
        }
    }
}

double qnn_model_uniform(qnn_instance *in) { return gsl_rng_uniform(in->rng); }
void qnn_model_raise_event(qnn_instance *in, int event) { in->pending_event |= event; }

int qnn_model_finite(const double *v, size_t n)
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

int qnn_model_angles_ok(const qnn_instance *in)
{
    for (int l = 0; l < in->L; l++)
        if (!(fabs(in->theta[l]) <= QNN_THETA_MAX))
            return 0;
    return 1;
}

void qnn_model_kernel_eigen(qnn_instance *in, qnn_obs *out)
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

double qnn_model_kernel_change(qnn_instance *in)
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

void qnn_model_gradient_step(qnn_instance *in)
{
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
}

int qnn_instance_observe_state(qnn_instance *in, int n, qnn_cplx *psi)
{
    const int nv = qnn_params_visible(&in->p);
    if (!(nv >= 1 && nv < n))
        return 0;
    in->ent = qnn_entangle_new(n, nv);
    if (!psi)
        in->psi_out = malloc(((size_t)1 << n) * sizeof(qnn_cplx));
    in->lam = malloc(((size_t)1 << nv) * sizeof(double));
    return in->ent && in->psi_out && in->lam ? 0 : -1;
}

void qnn_instance_state_observers(qnn_instance *in, qnn_obs *out)
{
    if (in->ent && qnn_entangle_spectrum(in->ent, in->psi_out, in->lam) == 0) {
        const size_t Dv = qnn_entangle_dv(in->ent);
        out->entropy = qnn_entropy(in->lam, Dv, in->p.entropy_bits);
        out->tdist = qnn_trace_distance_mixed(in->lam, Dv);
    }
}

/* ------------------------------------------------------------------------ */
/* Hessian of the loss (docs/PHYSICS.md) and the LIU24 error proxy          */
/* ------------------------------------------------------------------------ */

/* H v of the loss in the training metric: the class's exact product, or a
 * central difference of its exact gradient, [g(θ + h v) - g(θ - h v)] / 2h
 * with h = 1e-4 / ‖v‖ (truncation O(h²) ~ 1e-8 relative, rounding
 * ~ 1e-12). */
static int hvp_cb(void *ctx, const double *v, double *Hv)
{
    qnn_instance *in = ctx;
    const int L = in->L;
    if (in->cls->hvp)
        return in->cls->hvp(in, v, Hv);
    if (!in->cls->grad_at)
        return -1;
    double nv = cblas_dnrm2(L, v, 1);
    if (!(nv > 0.0)) {
        memset(Hv, 0, (size_t)L * sizeof(double));
        return 0;
    }
    const double h = 1e-4 / nv;
    for (int k = 0; k < L; k++)
        in->hv_a[k] = in->theta[k] + h * v[k];
    if (in->cls->grad_at(in, in->hv_a, in->hv_b) != 0)
        return -1;
    for (int k = 0; k < L; k++)
        in->hv_a[k] = in->theta[k] - h * v[k];
    if (in->cls->grad_at(in, in->hv_a, in->hv_c) != 0)
        return -1;
    for (int k = 0; k < L; k++)
        Hv[k] = (in->hv_b[k] - in->hv_c[k]) / (2.0 * h);
    return 0;
}

int qnn_instance_cancelled(const qnn_instance *in)
{
    return in->cancel && atomic_load_explicit(in->cancel, memory_order_relaxed) != 0;
}

void qnn_instance_set_cancel(qnn_instance *in, const atomic_int *cancel)
{
    in->cancel = cancel;
}

/* The P x P Hessian into H: the class's exact one, or assembled from P
 * products. */
static int full_hessian(qnn_instance *in, double *H)
{
    if (in->cls->hessian)
        return in->cls->hessian(in, H);
    return qnn_hess_assemble_cancel(hvp_cb, in, (size_t)in->L, H, in->cancel) == QNN_HESS_OK ? 0 : -1;
}

static int hessian_setup(qnn_instance *in)
{
    if (in->p.hessian == QNN_HESS_OFF || in->L <= 0)
        return 0;
    const size_t P = (size_t)in->L;
    in->hv_a = malloc(P * sizeof(double));
    in->hv_b = malloc(P * sizeof(double));
    in->hv_c = malloc(P * sizeof(double));
    in->hrng = qnn_instance_stream(&in->p, QNN_STREAM_HESSIAN, in->index);
    if (!in->hv_a || !in->hv_b || !in->hv_c || !in->hrng)
        return -1;
    if (qnn_params_hessian_exact(&in->p)) {
        in->H = malloc(P * P * sizeof(double));
        if (!in->H)
            return -1;
    }
    return 0;
}

/* The spectrum at the current θ (after an evaluation) into in->spec. 0,
 * -1 on failure, or QNN_INSTANCE_INTERRUPTED when the cancel flag came up
 * (the probes' generator is then put back as it was). */
static int hessian_compute(qnn_instance *in)
{
    const size_t P = (size_t)in->L;
    qnn_spectrum_free(&in->spec);
    int rc;
    if (qnn_params_hessian_exact(&in->p)) {
        if (full_hessian(in, in->H) != 0)
            return qnn_instance_cancelled(in) ? QNN_INSTANCE_INTERRUPTED : -1;
        rc = qnn_hess_dense_spectrum_cancel(in->H, P, &in->spec, NULL, in->cancel);
    } else {
        /* a cancelled SLQ has drawn some probes: the retry must draw the
         * same ones */
        gsl_rng *saved = in->cancel ? gsl_rng_clone(in->hrng) : NULL;
        if (in->cancel && !saved)
            return -1;
        rc = qnn_hess_slq_gsl_cancel(hvp_cb, in, P, (size_t)in->p.slq_probes, (size_t)in->p.slq_steps, in->hrng,
                                     &in->spec, NULL, in->cancel);
        if (saved) {
            if (rc == QNN_HESS_ECANCEL || (rc != QNN_HESS_OK && qnn_instance_cancelled(in)))
                gsl_rng_memcpy(in->hrng, saved);
            gsl_rng_free(saved);
        }
    }
    if (rc != QNN_HESS_OK && (rc == QNN_HESS_ECANCEL || qnn_instance_cancelled(in)))
        return QNN_INSTANCE_INTERRUPTED;
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
    if (L <= 0 || !qnn_model_has(in->cls, QNN_CAP_PARAMS))
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
        const int hc = hessian_compute(in);
        if (hc == QNN_INSTANCE_INTERRUPTED) {
            in->pending_event = out->event;   /* reported by the retry */
            return QNN_INSTANCE_INTERRUPTED;
        }
        if (hc != 0)
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
    if (in->L <= 0 || !qnn_model_has(in->cls, QNN_CAP_PARAMS) || !in->hv_a)
        return -1;
    return full_hessian(in, H);
}

int qnn_instance_hvp(qnn_instance *in, const double *v, double *Hv)
{
    if (in->L <= 0 || !qnn_model_has(in->cls, QNN_CAP_PARAMS) || !in->hv_a)
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

/* ------------------------------------------------------------------------ */
/* The instance                                                             */
/* ------------------------------------------------------------------------ */

qnn_instance *qnn_instance_new(const qnn_params *p, int index,
                               const qnn_instance *shared,
                               char *err, size_t errlen)
{
    return qnn_instance_new_cancel(p, index, shared, NULL, err, errlen);
}

qnn_instance *qnn_instance_new_cancel(const qnn_params *p, int index, const qnn_instance *shared,
                                      const atomic_int *cancel, char *err, size_t errlen)
{
    const qnn_model_class *cls = p->model;
    qnn_instance *in = calloc(1, sizeof *in);
    if (!in) {
        qnn_fail(err, errlen, QNN_E_NOMEM, "out of memory while building instance %d of model %s", index, cls->name);
        return NULL;
    }
    in->cancel = cancel;
    in->cls = cls;
    in->p = *p;
    in->index = index;
    in->rng = qnn_instance_stream(p, QNN_STREAM_ANGLES, index);
    char e[512] = "";
    if (!in->rng || cls->build(in, shared, e, sizeof e) != 0) {
        const int stopped = qnn_instance_cancelled(in);
        qnn_instance_free(in);
        if (stopped)
            qnn_fail(err, errlen, QNN_E_INTERRUPTED, "interrupted");
        else if (e[0])
            snprintf(err, errlen, "%s", e);
        else
            qnn_fail(err, errlen, QNN_E_NOMEM, "out of memory while building instance %d of model %s", index, cls->name);
        return NULL;
    }
    if (hessian_setup(in) != 0) {
        qnn_fail(err, errlen, QNN_E_NOMEM, "out of memory for the Hessian of instance %d (%.0f parameters, hessian = %s)",
                 index, qnn_params_n_params(p), qnn_params_hessian_exact(p) ? "exact" : "slq");
        qnn_instance_free(in);
        return NULL;
    }
    return in;
}

static void obs_clear_new(qnn_obs *o)
{
    o->grad_ms = o->laziness = o->accuracy = o->test_accuracy = o->test_loss = NAN;
    o->h_min = o->h_max = o->h_trace = o->h_frac_pos = NAN;
    o->proxy = NAN;
    o->event = 0;
    o->err_norm = NAN;
}

int qnn_instance_eval(qnn_instance *in, int want_eigen, qnn_obs *out)
{
    obs_clear_new(out);
    int bad = in->cls->eval(in, want_eigen, out);
    return observe_common(in, want_eigen, bad, out);
}

void qnn_instance_step(qnn_instance *in)
{
    if (in->cls->step)
        in->cls->step(in);
    else
        qnn_model_gradient_step(in);
    in->step++;
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
    if (!qnn_model_has(in->cls, QNN_CAP_GAMMA))
        return -1;
    in->p.gamma = gamma;
    if (in->cls->set_gamma)
        return in->cls->set_gamma(in, gamma);
    return 0;
}

int qnn_instance_set_theta(qnn_instance *in, const double *theta, int n)
{
    if (!in->theta || in->L <= 0 || !qnn_model_has(in->cls, QNN_CAP_PARAMS) || n < 0)
        return -1;
    memcpy(in->theta, theta, (size_t)(n < in->L ? n : in->L) * sizeof(double));
    return 0;
}

void qnn_instance_consts(const qnn_instance *in, qnn_consts *c)
{
    memset(c, 0, sizeof *c);
    c->dt = in->dt;
    in->cls->consts(in, c);
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

void qnn_instance_residuals_at(qnn_instance *in, const double *theta, double *r)
{
    if (in->cls->residuals_at)
        in->cls->residuals_at(in, theta, r);
}
