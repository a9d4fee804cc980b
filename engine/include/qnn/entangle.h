/* Visible/hidden split of an n-qubit register and the quantities OME reads
 * from it (docs/PHYSICS.md, "Entanglement of the visible qubits"): the
 * reduced state ρ_v = tr_h |ψ><ψ|, its entanglement entropy
 * S(ρ_v) = -tr ρ_v ln ρ_v, the trace distance ½‖ρ_v - I/D_v‖₁ and the
 * Page value.
 *
 * Qubit order: the visible qubits are qubits 0 .. n_v - 1 (the least
 * significant bits of the basis index b = Σ_k b_k 2^k), the hidden ones
 * n_v .. n - 1. So b = v + D_v h, and the state vector read column-major as
 * a D_v x D_h matrix Ψ (Ψ_vh = ψ_{v + D_v h}) needs no copy:
 * ρ_v = Ψ Ψ† (one ZHERK). Its nonzero eigenvalues are those of the
 * D_h x D_h matrix Ψ†Ψ (the squared singular values of Ψ), so the spectrum
 * is taken from whichever Gram matrix is smaller: O(D min(D_v, D_h)) for
 * the product and O(min(D_v, D_h)³) for the eigenvalues. */
#ifndef QNN_ENTANGLE_H
#define QNN_ENTANGLE_H

#include <stddef.h>
#include "qnn/statevec.h"

typedef struct qnn_entangle qnn_entangle;

/* Workspace for n qubits split into n_v visible (1 <= n_v <= n) and
 * n - n_v hidden. NULL for bad sizes or when memory runs out. */
qnn_entangle *qnn_entangle_new(int n, int n_v);
void qnn_entangle_free(qnn_entangle *e);
/* D_v of the workspace (the length of the spectrum). */
size_t qnn_entangle_dv(const qnn_entangle *e);

/* The D_v eigenvalues of ρ_v for the normalised state psi (D = 2^n
 * entries), descending; those beyond rank min(D_v, D_h) are 0. Returns 0,
 * or -1 when the eigensolver fails. */
int qnn_entangle_spectrum(qnn_entangle *e, const qnn_cplx *psi, double *lambda);

/* ρ_v itself, column-major D_v x D_v (full storage), by ZHERK. */
void qnn_reduced_state(int n, int n_v, const qnn_cplx *psi, qnn_cplx *rho_v);

/* Von Neumann entropy of a spectrum (eigenvalues <= 0 contribute 0), in
 * nats, or in bits when bits != 0. */
double qnn_entropy(const double *lambda, size_t len, int bits);

/* ½ Σ_i |λ_i - 1/D_v| over the D_v eigenvalues: ½‖ρ_v - I/D_v‖₁. */
double qnn_trace_distance_mixed(const double *lambda, size_t Dv);

/* Page's mean entropy of a D_v-dimensional subsystem of a Haar-random pure
 * state on D_v D_h dimensions, in nats:
 * Σ_{k=n+1}^{mn} 1/k - (m - 1)/(2n) with m = min(D_v, D_h), n = max. */
double qnn_page_entropy(double Dv, double Dh);

/* OME Prop. 2 / Fig. 3a: E[½‖ρ_v - I/D_v‖₁] <= ½ √(D_v / D_h). */
double qnn_trace_distance_bound(double Dv, double Dh);

#endif
