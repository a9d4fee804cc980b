/* Model conventions, next to the code as SPEC.md §1 asks:
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
#include "gslpad.h"
#include "model.h"
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
    memset(out, 0, sizeof *out);
    const int n = p->n;
    const size_t D = (size_t)1 << n;
    const int periodic = p->model == QNN_MODEL_PERIODIC;
    const size_t m = (!periodic && p->task == QNN_TASK_OPTIMISE) ? 1 : (size_t)p->m;
    const int nobs = periodic ? 1 : p->n_obs;
    /* OME's unitary network: no frozen entanglers (a brickwork of depth 0
     * is the identity and draws nothing) */
    const int hidden = p->model == QNN_MODEL_HIDDEN;

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
                snprintf(err, errlen, "key 'measure': value '%s' is not a Pauli string of %d letters; allowed: letters IXYZ", p->measure, n);
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
        for (int l = 1; l <= p->L; l++)
            if (qnn_circuit_sample_entangler(c, l, rng, 0) != 0)
                goto oom;
        out->loss_scale = 1.0;
        return 0;
    }
    for (int l = 1; l <= p->L; l++) {
        c->gen[l - 1] = qnn_pauli_random(rng, n);
        if (qnn_circuit_sample_entangler(c, l, rng, p->depth) != 0)
            goto oom;
    }
    out->loss_scale = 1.0;
    return 0;
oom:
    qnn_model_data_free(out);
    snprintf(err, errlen, "out of memory while building the %s model (n = %d, L = %d)",
             periodic ? "periodic" : "random", n, p->L);
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
            snprintf(err, errlen, "key 'm0_file': value '%s' holds a %zu x %zu matrix but d = %zu; allowed: a %zu x %zu Hermitian matrix",
                     p->m0_file, fd, fd, d, d, d);
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
    snprintf(err, errlen, "out of memory while building M(0) (d = %zu, m = %zu)", d, m);
fail:
    free(*M);
    free(*V);
    free(*y);
    *M = *V = NULL;
    *y = NULL;
    return -1;
}
