/* The layered circuit shared by the random (LIU23) and periodic (YOU23)
 * models:
 *
 *     U(θ) = W_L R_L(θ_L) ⋯ W_1 R_1(θ_1) W_0,   R_l(θ) = exp(i s c_l θ P_l),
 *
 * with W_0 optional (periodic: U_0; random: none), W_l frozen dense Haar
 * unitaries or brickwork circuits, P_l Pauli strings and s a fixed scale
 * (random: s = 1, exp(iθP); periodic: H = c Z_top, exp(-iθH) = exp(i(-c)θZ)).
 * Outputs for a batch of input states ψ_j are ŷ_j = γ <ψ_j|U† O U|ψ_j> with
 * O = Σ_k c_k Q_k a weighted sum of Pauli strings.
 *
 * qnn_circuit_eval returns the residuals r_j = ŷ_j - y_j and the Jacobian
 * J_jl = ∂r_j/∂θ_l by the adjoint method: one forward pass, one backward
 * sweep that un-applies each gate to the state and to O U ψ together (one
 * product with W_l^† per layer for both), O(1) extra state vectors per
 * input. */
#ifndef QNN_CIRCUIT_H
#define QNN_CIRCUIT_H

#include <stddef.h>
#include <gsl/gsl_rng.h>
#include "qnn/params.h"
#include "qnn/statevec.h"
#include "qnn/haar.h"

typedef struct qnn_circuit {
    int n;
    size_t D;
    int L;
    double gen_scale;       /* s in R_l = exp(i s c_l θ P_l) */
    double *gen_coef;       /* c_l per layer (OME's coefficients J), NULL = all 1 */
    qnn_pauli *gen;         /* L generators */
    qnn_entangler ent;
    int has_w0;
    qnn_cplx **W;           /* dense: W[0..L] (W[0] NULL unless has_w0) */
    qnn_brickwork **B;      /* brickwork: B[0..L] likewise */
    int nobs;
    qnn_cplx *obs_proj;     /* when not NULL, O = |φ><φ| ⊗ I_h instead of the Pauli
                               sum: φ a unit vector on the obs_nv visible qubits
                               (OME's fidelity objective) */
    int obs_nv;
    qnn_pauli *obs;         /* Q_k */
    double *obs_c;          /* c_k */
    double gamma;
} qnn_circuit;

/* Scratch for a batch of m states: two 64-byte aligned D x 2m blocks (the
 * batch and O U ψ side by side, and the target of dense products). */
typedef struct qnn_workspace {
    size_t D, m;
    qnn_cplx *pc, *tmp;
    qnn_cplx *psi0;         /* when not NULL, qnn_circuit_eval copies the output
                               state U ψ_0 of the first input here (D entries) */
} qnn_workspace;

/* Frees everything the circuit owns (NULL-safe). */
void qnn_circuit_free(qnn_circuit *c);
/* Allocates an empty circuit: generators and entanglers still to fill.
 * NULL when memory runs out. */
qnn_circuit *qnn_circuit_alloc(int n, int L, qnn_entangler ent, int has_w0, int nobs);
/* Samples entangler l (dense Haar or brickwork of `depth`). 0 or -1. */
int qnn_circuit_sample_entangler(qnn_circuit *c, int l, gsl_rng *rng, int depth);

int qnn_workspace_init(qnn_workspace *w, size_t D, size_t m);
void qnn_workspace_free(qnn_workspace *w);

/* out = A in (adjoint: A^† in) for a column-major D x D matrix and a D x m
 * batch; in and out must not alias. Two AVX-512 kernels that stream A once
 * do it when qnn_circuit_simd_active(D, m) (chosen at run time), CBLAS
 * otherwise (see the comment in circuit.c for why). */
void qnn_circuit_dense_apply(size_t D, const qnn_cplx *A, int adjoint, size_t m,
                             const qnn_cplx *in, qnn_cplx *out);
int qnn_circuit_simd_active(size_t D, size_t m);

/* Residuals r[m] and, when J != NULL, the Jacobian J[j*L + l]. Inputs are a
 * column-major D x m block. */
void qnn_circuit_eval(const qnn_circuit *c, const double *theta, size_t m,
                      const qnn_cplx *inputs, const double *y,
                      double *r, double *J, qnn_workspace *w);

/* The measurement the outputs read at θ, M(θ) = γ U(θ)† O U(θ), as a
 * column-major D x D matrix (full storage): ŷ_j = <ψ_j|M(θ)|ψ_j>. O(L D²)
 * for the rotations plus one dense product per entangler and column batch.
 * 0, or -1 when memory runs out. */
int qnn_circuit_measurement(const qnn_circuit *c, const double *theta, qnn_cplx *M);

/* tr O and tr O² of the observable (exact, from the Pauli algebra). */
void qnn_circuit_obs_traces(const qnn_circuit *c, double *trO, double *trO2);

#endif
