/* Model conventions, next to the code (docs/PHYSICS.md, "Models"):
 *
 * random (LIU23 Eqs. 1-3, 20): U(θ) = W_L e^{iθ_L P_L} ⋯ W_1 e^{iθ_1 P_1};
 *   P_l uniform over the 4^n - 1 non-identity Pauli strings, W_l Haar on
 *   U(D) (or a brickwork), O = Σ_{j=1..n_obs} c_j Q_j with Q_j uniform
 *   non-identity strings drawn independently (repeats allowed) and
 *   c_j ~ U(0,1). Optimisation task: ψ0 = |0…0>, ε = γ<ψ0|U†OU|ψ0> - O0,
 *   loss ½ε², θ <- θ - η ε ∂ε/∂θ (LIU23 Eq. 4). Supervised task: m = |A|
 *   orthogonal inputs, loss ½ Σ ε_j² (Eq. 3), θ <- θ - η Σ_j ε_j ∂ε_j/∂θ.
 *
 * periodic (YOU23 Def. 2.1, App. D.1): U = U_p e^{-iθ_p H} ⋯ U_1 e^{-iθ_1 H} U_0
 *   with U_l Haar (on U(d): the global phase that separates it from SU(d)
 *   cancels in U† M0 U), H = √(d - 1/d) diag(+1 ×d/2, -1 ×d/2) = √(d - 1/d)
 *   Z on the most significant qubit (tr H² = d² - 1). Data: m Haar-random
 *   orthonormal states, labels half +1 / half -1 in random order.
 *   ŷ_j = γ tr(ρ_j U† M0 U), loss (1/2m) Σ (ŷ_j - y_j)², θ <- θ - η ∇loss,
 *   so dr/dt = -(η/m) K r with K = J Jᵀ (YOU23 Eq. 3). */
#include "qnn/text.h"
#include "gslpad.h"
#include "models.h"
#include "instance_impl.h"
#include "rng.h"
#include "qnn/asym.h"
#include "qnn/qbm.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_complex_math.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_randist.h>

qnn_pauli qnn_pauli_random(gsl_rng *rng, int n)
{
    qnn_pauli p;
    const unsigned long D = 1ul << n;
    do {
        p.x = (uint32_t)gsl_rng_uniform_int(rng, D);
        p.z = (uint32_t)gsl_rng_uniform_int(rng, D);
    } while (p.x == 0 && p.z == 0);
    return p;
}

int qnn_random_orthonormal(gsl_rng *rng, size_t D, size_t m, qnn_cplx *out)
{
    gsl_matrix_complex *A = qnn_cmatrix_alloc(D, m);
    gsl_vector_complex *tau = qnn_cvector_alloc(m);
    gsl_vector_complex *v = qnn_cvector_alloc(D);
    if (!A || !tau || !v) {
        gsl_matrix_complex_free(A);
        gsl_vector_complex_free(tau);
        gsl_vector_complex_free(v);
        return -1;
    }
    const double s = 1.0 / sqrt(2.0);
    for (size_t i = 0; i < D; i++)
        for (size_t j = 0; j < m; j++) {
            double re = gsl_ran_gaussian(rng, 1.0) * s;
            double im = gsl_ran_gaussian(rng, 1.0) * s;
            gsl_matrix_complex_set(A, i, j, gsl_complex_rect(re, im));
        }
    gsl_linalg_complex_QR_decomp(A, tau);
    for (size_t j = 0; j < m; j++) {
        gsl_vector_complex_set_zero(v);
        gsl_vector_complex_set(v, j, gsl_complex_rect(1.0, 0.0));
        gsl_linalg_complex_QR_Qvec(A, tau, v);
        for (size_t i = 0; i < D; i++) {
            gsl_complex z = gsl_vector_complex_get(v, i);
            out[j * D + i] = GSL_REAL(z) + I * GSL_IMAG(z);
        }
    }
    gsl_matrix_complex_free(A);
    gsl_vector_complex_free(tau);
    gsl_vector_complex_free(v);
    return 0;
}

void qnn_model_data_free(qnn_model_data *md)
{
    qnn_circuit_free(md->circ);
    free(md->inputs);
    free(md->y);
    memset(md, 0, sizeof *md);
}

static void make_labels(const qnn_params *p, gsl_rng *rng, size_t m, double *y)
{
    if (p->labels == QNN_LABEL_LIST) {
        for (size_t j = 0; j < m; j++)
            y[j] = p->label_list[j];
        return;
    }
    if (p->labels == QNN_LABEL_UNIFORM) {
        for (size_t j = 0; j < m; j++)
            y[j] = gsl_ran_flat(rng, -1.0, 1.0);
        return;
    }
    /* Half +1 (the extra one when m is odd), half -1, in random order. */
    for (size_t j = 0; j < m; j++)
        y[j] = j < (m + 1) / 2 ? 1.0 : -1.0;
    gsl_ran_shuffle(rng, y, m, sizeof *y);
}

int qnn_model_build(const qnn_params *p, gsl_rng *rng, qnn_model_data *out,
                    char *err, size_t errlen)
{
    return qnn_model_build_cancel(p, rng, out, NULL, err, errlen);
}

/* The caller's cancel flag is up (checked between layers). */
static int build_cancelled(const atomic_int *cancel)
{
    return cancel && atomic_load_explicit(cancel, memory_order_relaxed) != 0;
}

int qnn_model_build_cancel(const qnn_params *p, gsl_rng *rng, qnn_model_data *out,
                           const atomic_int *cancel, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    const int n = p->n;
    const size_t D = (size_t)1 << n;
    const int periodic = p->model == &qnn_class_periodic;
    const size_t m = (!periodic && p->task == QNN_TASK_OPTIMISE) ? 1 : (size_t)p->m;
    const int nobs = periodic ? 1 : p->n_obs;
    /* OME's unitary network: no frozen entanglers (a brickwork of depth 0
     * is the identity and draws nothing) */
    const int hidden = p->model == &qnn_class_hidden;

    qnn_circuit *c = qnn_circuit_alloc(n, p->L, hidden ? QNN_ENT_BRICKWORK : p->entangler, periodic, nobs);
    out->circ = c;
    out->m = m;
    out->inputs = calloc(D * m, sizeof(qnn_cplx));
    out->y = calloc(m, sizeof(double));
    if (!c || !out->inputs || !out->y)
        goto oom;
    c->gamma = p->gamma;

    if (periodic) {
        c->gen_scale = -sqrt((double)D - 1.0 / (double)D);
        if (p->measure[0]) {
            if (qnn_pauli_parse(p->measure, n, &c->obs[0]) != 0) {
                qnn_fail(err, errlen, QNN_E_KEY_TYPE, "key 'measure': value '%s' is not a Pauli string of %d letters; allowed: letters IXYZ", p->measure, n);
                qnn_model_data_free(out);
                return -1;
            }
        } else {
            c->obs[0].x = 0;
            c->obs[0].z = 1;
        }
        c->obs_c[0] = 1.0;
        if (qnn_random_orthonormal(rng, D, m, out->inputs) != 0)
            goto oom;
        make_labels(p, rng, m, out->y);
        for (int l = 0; l <= p->L; l++) {
            if (build_cancelled(cancel))
                goto interrupted;
            if (l > 0) {
                c->gen[l - 1].x = 0;
                c->gen[l - 1].z = (uint32_t)1u << (n - 1);
            }
            if (qnn_circuit_sample_entangler(c, l, rng, p->depth) != 0)
                goto oom;
        }
        out->loss_scale = 1.0 / (double)m;
        return 0;
    }

    c->gen_scale = 1.0;
    /* the objective acts on the visible qubits 0 .. n - n_h - 1 only */
    if (p->objective == QNN_OBJ_FIDELITY) {
        /* O = |φ><φ| ⊗ I_h, φ Haar on the visible qubits */
        const size_t Dv = (size_t)1 << (n - p->n_h);
        c->obs_nv = n - p->n_h;
        c->obs_proj = malloc(Dv * sizeof(qnn_cplx));
        if (!c->obs_proj || qnn_random_orthonormal(rng, Dv, 1, c->obs_proj) != 0)
            goto oom;
        c->nobs = 0;
    } else {
        for (int k = 0; k < nobs; k++) {
            c->obs[k] = qnn_pauli_random(rng, n - p->n_h);
            c->obs_c[k] = gsl_rng_uniform(rng);
        }
    }
    if (p->task == QNN_TASK_OPTIMISE) {
        out->inputs[0] = 1.0;
        out->y[0] = p->O0;
    } else {
        if (p->inputs == QNN_INPUT_BASIS) {
            for (size_t j = 0; j < m; j++)
                out->inputs[j * D + j] = 1.0;
        } else if (qnn_random_orthonormal(rng, D, m, out->inputs) != 0) {
            goto oom;
        }
        make_labels(p, rng, m, out->y);
    }
    if (hidden) {
        /* U = e^{-i c_L θ_L H_L} ⋯ e^{-i c_1 θ_1 H_1} over the terms of the
         * random 2-local Hamiltonian (OME Eq. 1, App. C1), "exhaustively":
         * every sweep of T = 3n + 9n(n-1)/2 layers uses each term once, in
         * a fresh random order; c_l ~ U(0, 1) (OME Fig. 4b). */
        const int T = qnn_c1_count(n);
        qnn_pauli *terms = malloc((size_t)T * sizeof *terms);
        size_t *perm = malloc((size_t)T * sizeof *perm);
        c->gen_coef = malloc((size_t)p->L * sizeof(double));
        if (!terms || !perm || !c->gen_coef) {
            free(terms);
            free(perm);
            goto oom;
        }
        qnn_c1_terms(n, terms);
        c->gen_scale = -1.0;
        for (int l = 0; l < p->L; l++) {
            if (l % T == 0) {
                for (int k = 0; k < T; k++)
                    perm[k] = (size_t)k;
                gsl_ran_shuffle(rng, perm, (size_t)T, sizeof *perm);
            }
            c->gen[l] = terms[perm[l % T]];
            c->gen_coef[l] = gsl_rng_uniform(rng);
        }
        free(terms);
        free(perm);
        for (int l = 1; l <= p->L; l++) {
            if (build_cancelled(cancel))
                goto interrupted;
            if (qnn_circuit_sample_entangler(c, l, rng, 0) != 0)
                goto oom;
        }
        out->loss_scale = 1.0;
        return 0;
    }
    for (int l = 1; l <= p->L; l++) {
        if (build_cancelled(cancel))
            goto interrupted;
        c->gen[l - 1] = qnn_pauli_random(rng, n);
        if (qnn_circuit_sample_entangler(c, l, rng, p->depth) != 0)
            goto oom;
    }
    out->loss_scale = 1.0;
    return 0;
oom:
    qnn_model_data_free(out);
    return qnn_fail(err, errlen, QNN_E_NOMEM, "out of memory while building the %s model (n = %d, L = %d)",
             periodic ? "periodic" : "random", n, p->L);
interrupted:
    qnn_model_data_free(out);
    qnn_fail(err, errlen, QNN_E_INTERRUPTED, "interrupted");
    return -1;
}

int qnn_model_build_asym(const qnn_params *p, gsl_rng *rng, qnn_cplx **M, qnn_cplx **V,
                         double **y, char *err, size_t errlen)
{
    const size_t d = (size_t)1 << p->n, m = (size_t)p->m;
    *M = malloc(d * d * sizeof(qnn_cplx));
    *V = calloc(d * m, sizeof(qnn_cplx));
    *y = malloc(m * sizeof(double));
    if (!*M || !*V || !*y)
        goto oom;
    if (p->inputs == QNN_INPUT_BASIS) {
        for (size_t j = 0; j < m; j++)
            (*V)[j * d + j] = 1.0;
    } else if (qnn_random_orthonormal(rng, d, m, *V) != 0) {
        goto oom;
    }
    make_labels(p, rng, m, *y);
    if (p->m0_init == QNN_M0_FILE) {
        size_t fd = 0;
        qnn_cplx *F = NULL;
        if (qnn_asym_read_matrix(p->m0_file, &fd, &F, err, errlen) != 0)
            goto fail;
        if (fd != d) {
            free(F);
            char q[QNN_QUOTE_CAP(120)];
            qnn_text_quote(p->m0_file, strlen(p->m0_file), 120, q, sizeof q);
            qnn_fail(err, errlen, QNN_E_FILE, "key 'm0_file': value '%s' holds a %zu x %zu matrix but d = %zu; allowed: a %zu x %zu Hermitian matrix",
                     q, fd, fd, d, d, d);
            goto fail;
        }
        for (size_t k = 0; k < d * d; k++)
            (*M)[k] = p->gamma * F[k];
        free(F);
    } else if (qnn_asym_haar_measurement(rng, d, p->gamma, *M) != 0) {
        goto oom;
    }
    return 0;
oom:
    qnn_fail(err, errlen, QNN_E_NOMEM, "out of memory while building M(0) (d = %zu, m = %zu)", d, m);
fail:
    free(*M);
    free(*V);
    free(*y);
    *M = *V = NULL;
    *y = NULL;
    return -1;
}

/* ------------------------------------------------------------------------ */
/* The circuit classes' methods                                             */
/* ------------------------------------------------------------------------ */

#include <gsl/gsl_cblas.h>
#include "qnn/entangle.h"

/* The exact Hessian's two ways (qnn_circ_hessian): the second-order
 * adjoint of circuit.c while its scratch (two D x (L+2) blocks) fits
 * qnn_circ_hessian_budget, else 2L parameter-shift Jacobians. The
 * environment variable QNNLAB_HESSIAN_PATH = shift | adjoint, read when an
 * instance is built, forces one (adjoint still only within the budget):
 * `qnnlab bench` times both. */
enum { HESS_PATH_ADJOINT, HESS_PATH_SHIFT };

size_t qnn_circ_hessian_budget = QNN_CIRC_HESSIAN_BUDGET;

typedef struct circ_state {
    qnn_model_data own;
    const qnn_model_data *md;    /* own, or the lender's */
    qnn_workspace ws;
    double *hv_r, *hv_J;         /* Hessian scratch: residuals, Jacobian */
    int hess_path;               /* HESS_PATH_* chosen at build */
    qnn_cplx *hess_work;         /* the adjoint's scratch, allocated on first use */
} circ_state;

/* Bytes of the second-order adjoint's scratch (circuit.c). */
static double adjoint_bytes(const qnn_params *p, double m, int dense)
{
    return qnn_circuit_hessian_bytes(p->n, p->L, (size_t)m, dense);
}

static circ_state *cst(const qnn_instance *in) { return in->state; }

void qnn_circ_free(qnn_instance *in)
{
    circ_state *s = cst(in);
    if (!s)
        return;
    qnn_model_data_free(&s->own);
    qnn_workspace_free(&s->ws);
    free(s->hv_r);
    free(s->hv_J);
    free(s->hess_work);
    free(s);
    in->state = NULL;
}

int qnn_circ_build(qnn_instance *in, const qnn_instance *lender, char *err, size_t errlen)
{
    const qnn_params *p = &in->p;
    circ_state *s = calloc(1, sizeof *s);
    if (!s)
        goto oom;
    in->state = s;
    if (lender) {
        s->md = cst(lender)->md;
    } else {
        int circ_index = p->resample == QNN_RESAMPLE_THETA ? 0 : in->index;
        gsl_rng *crng = qnn_instance_stream(p, QNN_STREAM_CIRCUIT, circ_index);
        if (!crng)
            goto oom;
        int rc = qnn_model_build_cancel(p, crng, &s->own, in->cancel, err, errlen);
        gsl_rng_free(crng);
        if (rc != 0)
            return -1;
        s->md = &s->own;
    }
    const size_t m = s->md->m;
    /* flow time per step (the class's flow_dt): random dr/dt = -K r in
     * t = η·step; periodic dr/dt = -(ηp/m)(tr H²/(d²-1)) K_asym r as p
     * grows (YOU23 Thm. 4.2), with tr H²/(d²-1) = 1 by the choice of H */
    if (qnn_model_alloc(in, (int)m, p->L, 1) != 0)
        goto oom;
    /* visible qubits 0 .. n_v - 1, or the cut when everything is visible */
    if (qnn_instance_observe_state(in, s->md->circ->n, NULL) != 0)
        goto oom;
    if (qnn_workspace_init(&s->ws, s->md->circ->D, m) != 0)
        goto oom;
    /* the state-keeping adjoint where its states fit (else the O(1) sweep) */
    qnn_workspace_keep(&s->ws, s->md->circ, QNN_CIRCUIT_KEEP_BUDGET);
    {
        const char *hp = getenv("QNNLAB_HESSIAN_PATH");
        const int shift = hp && !strcmp(hp, "shift");
        const double hb = (double)qnn_circuit_hessian_len(s->md->circ, m) * (double)sizeof(qnn_cplx);
        s->hess_path = !shift && hb <= (double)qnn_circ_hessian_budget
                           ? HESS_PATH_ADJOINT : HESS_PATH_SHIFT;
    }
    if (p->hessian != QNN_HESS_OFF && p->L > 0) {
        s->hv_r = malloc(m * sizeof(double));
        s->hv_J = malloc(m * (size_t)p->L * sizeof(double));
        if (!s->hv_r || !s->hv_J)
            goto oom;
    }
    qnn_model_init_theta(in, in->theta, in->L);
    return 0;
oom:
    return qnn_fail(err, errlen, QNN_E_NOMEM, "out of memory while building instance %d (n = %d, L = %d)", in->index, p->n, p->L);
}

void qnn_circ_observe(qnn_instance *in, double c, int want_ent, qnn_obs *out, double *ss_out, double *tr_out)
{
    const int m = in->m, L = in->L;
    double ss = 0.0;
    for (int j = 0; j < m; j++)
        ss += in->r[j] * in->r[j];
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
    out->kchange = qnn_model_kernel_change(in);
    out->drift = NAN;
    out->eps = m == 1 ? in->r[0] : sqrt(ss / m);
    out->loss = 0.5 * c * ss;
    out->kernel = tr / m;
    out->grad_norm = cblas_dnrm2(L, in->grad, 1);
    out->grad_inf = fabs(in->grad[cblas_idamax(L, in->grad, 1)]);
    out->entropy = out->tdist = NAN;
    if (want_ent)
        qnn_instance_state_observers(in, out);
    *ss_out = ss;
    *tr_out = tr;
}

int qnn_circ_eval(qnn_instance *in, int want_eigen, qnn_obs *out)
{
    circ_state *s = cst(in);
    const qnn_model_data *md = s->md;
    const int m = in->m, L = in->L;
    const int want_ent = (want_eigen & QNN_WANT_ENTROPY) && in->ent;
    s->ws.psi0 = want_ent ? in->psi_out : NULL;
    qnn_circuit_eval(md->circ, in->theta, (size_t)m, md->inputs, md->y, in->r, in->J, &s->ws);
    s->ws.psi0 = NULL;

    double ss, tr;
    qnn_circ_observe(in, md->loss_scale, want_ent, out, &ss, &tr);
    out->yhat0 = in->r[0] + md->y[0];
    out->lambda_min = out->lambda_max = NAN;

    int finite = isfinite(ss) && isfinite(tr) && qnn_model_finite(in->grad, (size_t)L) && qnn_model_angles_ok(in);
    if ((want_eigen & QNN_WANT_EIGEN) && finite)
        qnn_model_kernel_eigen(in, out);
    return finite ? 0 : 1;
}

int qnn_circ_grad_at(qnn_instance *in, const double *theta, double *g)
{
    circ_state *s = cst(in);
    const qnn_model_data *md = s->md;
    qnn_circuit_eval(md->circ, theta, (size_t)in->m, md->inputs, md->y, s->hv_r, s->hv_J, &s->ws);
    cblas_dgemv(CblasRowMajor, CblasTrans, in->m, in->L, md->loss_scale, s->hv_J, in->L, s->hv_r, 1, 0.0, g, 1);
    return 0;
}

/* The exact Hessian of a circuit model by the parameter-shift rule applied
 * to the Jacobian: each residual r_j depends on θ_a through one gate
 * exp(i s_a θ_a P_a) (eigenvalues ±h_a, h_a = |s_a|), so every ∂r_j/∂θ_b is
 * A + B cos 2h_aθ_a + C sin 2h_aθ_a in θ_a and
 *     ∂_a ∇r_j = h_a [∇r_j(θ + π/(4h_a) e_a) - ∇r_j(θ - π/(4h_a) e_a)]
 * exactly. With loss (c/2) Σ r², column a of H = c (JᵀJ e_a + Σ_j r_j ∂_a ∇r_j):
 * 2P Jacobians, exact to rounding. -1 when the instance's cancel flag
 * comes up (checked before each column). */
int qnn_circ_hessian_shift(qnn_instance *in, double *H)
{
    circ_state *s = cst(in);
    const int L = in->L, m = in->m;
    const qnn_circuit *circ = s->md->circ;
    const double c = s->md->loss_scale;
    /* JᵀJ from the current evaluation */
    cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, L, m, c, in->J, L, 0.0, H, L);
    for (int a = 0; a < L; a++)
        for (int b = 0; b < a; b++)
            H[(size_t)a * L + b] = H[(size_t)b * L + a];
    memcpy(in->hv_a, in->theta, (size_t)L * sizeof(double));
    for (int a = 0; a < L; a++) {
        if (qnn_instance_cancelled(in))
            return -1;   /* two Jacobians per column: a few ms at most */
        double sa = circ->gen_coef ? circ->gen_scale * circ->gen_coef[a] : circ->gen_scale;
        double h = fabs(sa);
        if (h == 0.0)
            continue;
        double sh = M_PI / (4.0 * h);
        in->hv_a[a] = in->theta[a] + sh;
        qnn_circuit_eval(circ, in->hv_a, (size_t)m, s->md->inputs, s->md->y, s->hv_r, s->hv_J, &s->ws);
        cblas_dgemv(CblasRowMajor, CblasTrans, m, L, 1.0, s->hv_J, L, in->r, 1, 0.0, in->hv_b, 1);
        in->hv_a[a] = in->theta[a] - sh;
        qnn_circuit_eval(circ, in->hv_a, (size_t)m, s->md->inputs, s->md->y, s->hv_r, s->hv_J, &s->ws);
        cblas_dgemv(CblasRowMajor, CblasTrans, m, L, 1.0, s->hv_J, L, in->r, 1, 0.0, in->hv_c, 1);
        in->hv_a[a] = in->theta[a];
        for (int b = 0; b < L; b++)
            H[(size_t)b * L + a] += c * h * (in->hv_b[b] - in->hv_c[b]);
    }
    return 0;
}

static int hess_cancelled(void *ctx)
{
    return qnn_instance_cancelled(ctx);
}

/* H = c (JᵀJ + Σ_j r_j ∇²r_j) with the second term from qnn_circuit_hessian
 * (circuit.c: one forward sweep of L tangents per input). -1 when the
 * cancel flag comes up (checked once per layer and input) or the scratch
 * cannot be had (the caller then takes the parameter shift). */
int qnn_circ_hessian_adjoint(qnn_instance *in, double *H)
{
    circ_state *s = cst(in);
    const int L = in->L, m = in->m;
    const qnn_circuit *circ = s->md->circ;
    if (!s->hv_r || !s->hv_J)
        return -1;
    if (!s->hess_work) {
        s->hess_work = qnn_circuit_alloc_aligned(qnn_circuit_hessian_len(circ, (size_t)m) * sizeof(qnn_cplx));
        if (!s->hess_work)
            return -1;
    }
    if (qnn_circuit_hessian(circ, in->theta, (size_t)m, s->md->inputs, s->md->y, s->hv_r, s->hv_J, H,
                            s->hess_work, &s->ws, hess_cancelled, in) != 0)
        return -1;
    /* upper triangle: c JᵀJ + c S, then mirrored */
    const double c = s->md->loss_scale;
    cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, L, m, c, in->J, L, c, H, L);
    for (int a = 0; a < L; a++)
        for (int b = 0; b < a; b++)
            H[(size_t)a * L + b] = H[(size_t)b * L + a];
    return 0;
}

/* The exact Hessian: the second-order adjoint where the instance chose it
 * (budget, QNNLAB_HESSIAN_PATH), else, or when its scratch cannot be had,
 * the parameter shift. */
int qnn_circ_hessian(qnn_instance *in, double *H)
{
    circ_state *s = cst(in);
    if (s->hess_path == HESS_PATH_ADJOINT && s->hv_r && s->hv_J) {
        if (qnn_circ_hessian_adjoint(in, H) == 0)
            return 0;
        if (qnn_instance_cancelled(in))
            return -1;
    }
    return qnn_circ_hessian_shift(in, H);
}

int qnn_circ_hessian_path(const qnn_instance *in)
{
    return cst(in)->hess_path == HESS_PATH_ADJOINT;
}

void qnn_circ_residuals_at(qnn_instance *in, const double *theta, double *r)
{
    circ_state *s = cst(in);
    qnn_circuit_eval(s->md->circ, theta, (size_t)in->m, s->md->inputs, s->md->y, r, NULL, &s->ws);
}

int qnn_circ_set_gamma(qnn_instance *in, double gamma)
{
    circ_state *s = cst(in);
    if (s->own.circ)
        s->own.circ->gamma = gamma;
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

void qnn_circ_consts(const qnn_instance *in, qnn_consts *c)
{
    const qnn_circuit *circ = cst(in)->md->circ;
    c->n = circ->n;
    c->D = (double)circ->D;
    c->L = in->L;
    c->m = in->m;
    c->gamma = in->p.gamma;
    c->eta = qnn_params_eta(&in->p);
    c->sigma_theta = in->p.sigma_theta;
    qnn_circuit_obs_traces(circ, &c->trO, &c->trO2);
    c->trO4 = obs_trace4(circ);
    c->loss_scale = cst(in)->md->loss_scale;
}

double qnn_circ_n_residuals(const qnn_params *p)
{
    return p->task == QNN_TASK_OPTIMISE ? 1.0 : (double)p->m;
}

double qnn_circ_instance_bytes(const qnn_params *p, double layers, int haar_work, double hessian_bytes)
{
    double D = ldexp(1.0, p->n);
    double m = p->model->n_residuals(p);
    double c = sizeof(qnn_cplx);
    double bytes = hessian_bytes;
    /* the exact Hessian's second-order adjoint (two D x (L+2) blocks) */
    const int dense = layers > 0.0 && p->entangler == QNN_ENT_HAAR;
    if (p->hessian != QNN_HESS_OFF && p->L > 0 && qnn_params_hessian_exact(p) &&
        adjoint_bytes(p, m, dense) <= (double)qnn_circ_hessian_budget)
        bytes += adjoint_bytes(p, m, dense);
    /* the forward states the state-keeping adjoint holds */
    if (layers > 0.0 && p->entangler == QNN_ENT_HAAR && m >= 2.0 && (double)p->L * D * m * c <= (double)QNN_CIRCUIT_KEEP_BUDGET)
        bytes += (double)p->L * D * m * c;
    if (p->entangler == QNN_ENT_HAAR)
        bytes += layers * D * D * c;
    else
        bytes += layers * (double)qnn_brickwork_bytes(p->n, p->depth); /* gates and fused plan */
    bytes += 5.0 * D * m * c;                /* inputs, two D x 2m work blocks */
    bytes += m * (double)p->L * 8.0 * 2.0;   /* Jacobian and its copy */
    bytes += m * m * 8.0 * 3.0;              /* kernel and eigen workspace */
    bytes += (double)p->L * 8.0 * 3.0 + 65536.0;
    {   /* entanglement observer: output state, Gram matrix and eigen work */
        int nv = qnn_params_visible(p);
        double k = ldexp(1.0, nv < p->n - nv ? nv : p->n - nv);
        bytes += D * c + (k + 1.0) * k * c + 4.0 * k * c + ldexp(1.0, nv) * 8.0;
    }
    if (p->entangler == QNN_ENT_HAAR && haar_work)
        bytes += 3.0 * D * D * c;            /* Haar sampling work space */
    return bytes;
}

int qnn_circ_hessian_auto_exact(const qnn_params *p, double P)
{
    /* circuit models: the threshold dates from the parameter shift (2P
     * Jacobians, O(P² D²)); the second-order adjoint is 10-100x cheaper,
     * but the threshold is kept so that hessian = auto picks the same
     * observer (exact or SLQ) for every preset as before */
    return P * P * ldexp(1.0, 2 * p->n) <= QNN_HESSIAN_AUTO_WORK;
}

int qnn_circ_check_task(const qnn_params *p, char *err, size_t errlen)
{
    long long D = 1LL << p->n;
    if (p->task == QNN_TASK_SUPERVISED && p->m > D) {
        return qnn_fail(err, errlen, QNN_E_RELATION, "key 'm': value '%d' is more states than fit in D = 2^%d = %lld dimensions; allowed: 1 .. %lld", p->m, p->n, D, D);
    }
    return 0;
}

int qnn_check_measure(const qnn_params *p, int hidden_too, char *err, size_t errlen)
{
    if (!p->measure[0])
        return 0;
    qnn_pauli P;
    if (qnn_pauli_parse(p->measure, p->n, &P) != 0 || qnn_pauli_is_identity(P)) {
        return qnn_fail(err, errlen, QNN_E_RELATION, "key 'measure': value '%s' is not a non-identity Pauli string of n = %d letters; allowed: %d letters from IXYZ, not all I", p->measure, p->n, p->n);
    }
    if (hidden_too)
        for (int k = 0; k < p->n_h; k++)
            if (p->measure[k] != 'I' && p->measure[k] != 'i') {
                return qnn_fail(err, errlen, QNN_E_RELATION, "key 'measure': value '%s' acts on hidden qubit %d (letter %d); allowed: identity (I) on the n_h = %d hidden qubits, the leftmost letters",
                         p->measure, p->n - 1 - k, k + 1, p->n_h);
            }
    return 0;
}

double qnn_zero_params(const qnn_params *p) { (void)p; return 0.0; }
double qnn_m_residuals(const qnn_params *p) { return (double)p->m; }
