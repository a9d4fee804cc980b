#include "circuit.h"

#include <stdlib.h>
#include <string.h>

void qnn_circuit_free(qnn_circuit *c)
{
    if (!c)
        return;
    if (c->W) {
        for (int l = 0; l <= c->L; l++)
            free(c->W[l]);
        free(c->W);
    }
    if (c->B) {
        for (int l = 0; l <= c->L; l++)
            qnn_brickwork_free(c->B[l]);
        free(c->B);
    }
    free(c->gen);
    free(c->obs);
    free(c->obs_c);
    free(c);
}

qnn_circuit *qnn_circuit_alloc(int n, int L, qnn_entangler ent, int has_w0, int nobs)
{
    qnn_circuit *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->n = n;
    c->D = (size_t)1 << n;
    c->L = L;
    c->gen_scale = 1.0;
    c->ent = ent;
    c->has_w0 = has_w0;
    c->nobs = nobs;
    c->gamma = 1.0;
    c->gen = calloc((size_t)L, sizeof *c->gen);
    c->obs = calloc((size_t)nobs, sizeof *c->obs);
    c->obs_c = calloc((size_t)nobs, sizeof *c->obs_c);
    if (ent == QNN_ENT_HAAR)
        c->W = calloc((size_t)L + 1, sizeof *c->W);
    else
        c->B = calloc((size_t)L + 1, sizeof *c->B);
    if (!c->gen || !c->obs || !c->obs_c || (!c->W && !c->B)) {
        qnn_circuit_free(c);
        return NULL;
    }
    return c;
}

int qnn_circuit_sample_entangler(qnn_circuit *c, int l, gsl_rng *rng, int depth)
{
    if (c->ent == QNN_ENT_HAAR) {
        c->W[l] = malloc(c->D * c->D * sizeof(qnn_cplx));
        if (!c->W[l])
            return -1;
        return qnn_haar_unitary(rng, c->D, c->W[l]);
    }
    c->B[l] = qnn_brickwork_new(rng, c->n, depth);
    return c->B[l] ? 0 : -1;
}

int qnn_workspace_init(qnn_workspace *w, size_t D, size_t m)
{
    w->D = D;
    w->m = m;
    w->phi = malloc(D * m * sizeof(qnn_cplx));
    w->chi = malloc(D * m * sizeof(qnn_cplx));
    w->tmp = malloc(D * m * sizeof(qnn_cplx));
    if (!w->phi || !w->chi || !w->tmp) {
        qnn_workspace_free(w);
        return -1;
    }
    return 0;
}

void qnn_workspace_free(qnn_workspace *w)
{
    free(w->phi);
    free(w->chi);
    free(w->tmp);
    w->phi = w->chi = w->tmp = NULL;
}

/* block <- E_l block (adjoint: E_l^† block); dense entanglers go through a
 * ZGEMM into tmp and swap the pointers, which is why block is passed by
 * address. */
static void apply_entangler(const qnn_circuit *c, int l, int adjoint, size_t m,
                            qnn_cplx **block, qnn_cplx **tmp)
{
    if (c->ent == QNN_ENT_HAAR) {
        qnn_dense_apply(c->D, c->W[l], adjoint, m, *block, *tmp);
        qnn_cplx *t = *block;
        *block = *tmp;
        *tmp = t;
    } else {
        for (size_t j = 0; j < m; j++)
            qnn_brickwork_apply(c->B[l], adjoint, *block + j * c->D);
    }
}

void qnn_circuit_eval(const qnn_circuit *c, const double *theta, size_t m,
                      const qnn_cplx *inputs, const double *y,
                      double *r, double *J, qnn_workspace *w)
{
    const size_t D = c->D;
    const int n = c->n;
    qnn_cplx *phi = w->phi, *chi = w->chi, *tmp = w->tmp;

    memcpy(phi, inputs, D * m * sizeof(qnn_cplx));
    if (c->has_w0)
        apply_entangler(c, 0, 0, m, &phi, &tmp);
    for (int l = 1; l <= c->L; l++) {
        double a = c->gen_scale * theta[l - 1];
        for (size_t j = 0; j < m; j++)
            qnn_pauli_rotate(c->gen[l - 1], n, a, phi + j * D);
        apply_entangler(c, l, 0, m, &phi, &tmp);
    }

    /* chi = O phi, and r_j = γ <phi_j|O|phi_j> - y_j. */
    for (size_t j = 0; j < m; j++) {
        qnn_cplx *pj = phi + j * D, *cj = chi + j * D, *tj = tmp + j * D;
        memset(cj, 0, D * sizeof(qnn_cplx));
        for (int k = 0; k < c->nobs; k++) {
            qnn_pauli_apply(c->obs[k], n, pj, tj);
            const double ck = c->obs_c[k];
            for (size_t b = 0; b < D; b++)
                cj[b] += ck * tj[b];
        }
        r[j] = c->gamma * creal(qnn_vec_dot(D, pj, cj)) - y[j];
    }
    if (!J)
        goto done;

    /* Backward sweep. With phi_l the state right after R_l and
     * chi_l = (W_L R_L ⋯ W_l)^† O U ψ, ∂ŷ/∂θ_l = γ 2 Re <chi_l| i s P_l |phi_l>
     * = -2 γ s Im <chi_l|P_l|phi_l>. */
    const int L = c->L;
    for (int l = L; l >= 1; l--) {
        apply_entangler(c, l, 1, m, &phi, &tmp);
        apply_entangler(c, l, 1, m, &chi, &tmp);
        double a = -c->gen_scale * theta[l - 1];
        for (size_t j = 0; j < m; j++) {
            qnn_cplx *pj = phi + j * D, *cj = chi + j * D;
            qnn_cplx g = qnn_pauli_inner(c->gen[l - 1], n, cj, pj);
            J[j * (size_t)L + (size_t)(l - 1)] = -2.0 * c->gamma * c->gen_scale * cimag(g);
            if (l > 1) {
                qnn_pauli_rotate(c->gen[l - 1], n, a, pj);
                qnn_pauli_rotate(c->gen[l - 1], n, a, cj);
            }
        }
    }
done:
    /* The swaps may have left the blocks in other slots: keep the
     * workspace's three pointers a permutation of the allocations. */
    w->phi = phi;
    w->chi = chi;
    w->tmp = tmp;
}

void qnn_circuit_obs_traces(const qnn_circuit *c, double *trO, double *trO2)
{
    double D = (double)c->D, t = 0.0, t2 = 0.0;
    for (int k = 0; k < c->nobs; k++) {
        if (qnn_pauli_is_identity(c->obs[k]))
            t += c->obs_c[k] * D;
        for (int q = 0; q < c->nobs; q++)
            if (c->obs[k].x == c->obs[q].x && c->obs[k].z == c->obs[q].z)
                t2 += c->obs_c[k] * c->obs_c[q] * D;
    }
    *trO = t;
    *trO2 = t2;
}
