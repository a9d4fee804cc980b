/* Quantum Boltzmann machine (OME Sec. II, App. C; docs/PHYSICS.md, "QBM module"):
 *
 *     ρ(θ) = e^{-β H(θ)} / Z(θ),   H(θ) = Σ_k θ_k H_k,   Z = tr e^{-β H},
 *
 * with the H_k the terms of the random 2-local Hamiltonian of OME Eq. C1,
 * and the objective f(θ) = tr((O_obj ⊗ I_h) ρ(θ)) = tr(O_obj ρ_v) for an
 * observable O_obj on the visible qubits, ρ_v = tr_h ρ.
 *
 * Qubits: qubit k is bit k of the basis index (qnn/statevec.h); the visible
 * qubits are 0 .. n_v - 1 (the least significant bits), the hidden ones
 * n_v .. n - 1, as in qnn/entangle.h: b = v + D_v h.
 *
 * C1 terms, in this fixed order (K = 3n + 9 n(n-1)/2 of them):
 *   onsite   k = 3i + a                      σ_a^i,        i = 0 .. n-1
 *   offsite  k = 3n + 9 p(i,j) + 3a + b      σ_a^i σ_b^j,  i < j
 * with a, b = 0, 1, 2 for x, y, z and p(i,j) the position of the pair (i,j)
 * in the order (0,1), (0,2), .., (0,n-1), (1,2), .., (n-2,n-1) (i outer,
 * j inner). OME writes σ_a^j with qubit 1 leftmost; only the labels differ,
 * and the ensemble is invariant under relabelling the qubits.
 *
 * Random initial θ (qnn_qbm_init_theta): θ_k for k = 0, 1, .., K-1 in the
 * order above, each one gsl_ran_gaussian draw: sd 0.1 (variance 0.01) for
 * the onsite terms, sd 1 for the offsite ones. With `normalise`, the drawn
 * vector is then divided by ‖H(θ)‖_op = max |eigenvalue| (OME §VII, Fig.
 * 4c), so that ‖H(θ0)‖_op = 1 at initialisation. This is a one-off rescaling
 * of the coefficient vector: θ stays the parameter vector that gradients
 * refer to, and later changes of θ are not renormalised.
 *
 * β > 0 is the inverse-temperature-like scale (OME: e^{-H}/Z, i.e. β = 1).
 * H is traceless (every C1 term is), as OME assumes.
 *
 * Cost: building H is O(D K); one evaluation (qnn_qbm_eval) is a dense
 * Hermitian eigendecomposition (O(D³)) and a ZHERK for ρ; the exact
 * gradient of any visible objective adds three D x D ZGEMMs and O(D K):
 * O(D³ + D K) in all. The object holds four D x D complex matrices
 * (64 MiB at n = 10). The eigensolver is GSL's gsl_eigen_hermv, or, when
 * qbm.c is compiled with QNN_QBM_LAPACK defined, LAPACK's zheevd from the
 * OpenBLAS already linked. Measured at n = 10 (one thread, AMD EPYC):
 * gsl_eigen_hermv 58 s per evaluation (its accumulation of Givens
 * rotations into the eigenvector matrix is the cost; eigenvalues alone
 * take 0.2 s), zheevd 0.64 s; the gradient 0.45 s either way. Not thread-safe; different objects may be used from
 * different threads. All matrices are column-major (element (r, c) at
 * a[r + c*dim]). */
#ifndef QNN_QBM_H
#define QNN_QBM_H

#include <stddef.h>
#include "qnn/status.h"
#include <gsl/gsl_rng.h>
#include "qnn/statevec.h"

/* Largest register: D = 1024, four dense D x D matrices. */
#define QNN_QBM_MAX_QUBITS 10

/* Status codes: the engine's (qnn/status.h) under the names this module
 * has always used; every failing call also writes a message into err when
 * err is not NULL. */
#define QNN_QBM_OK         QNN_OK
#define QNN_QBM_ESIZE      QNN_E_SIZE     /* n or n_v out of range */
#define QNN_QBM_EBETA      QNN_E_ARGS     /* β not a finite number > 0 */
#define QNN_QBM_ENOMEM     QNN_E_NOMEM
#define QNN_QBM_EOBS       QNN_E_RELATION /* objective: empty, not finite, or acting on a hidden qubit */
#define QNN_QBM_EEIGEN     QNN_E_NUMERIC  /* the eigensolver failed */
#define QNN_QBM_ENOTFINITE QNN_E_DIVERGED /* θ or a result is not finite (diverged) */
#define QNN_QBM_ESTATE     QNN_E_STATE    /* called before qnn_qbm_eval / without an objective */

typedef struct qnn_qbm qnn_qbm;

/* Number of C1 terms on n qubits, 3n + 9 n(n-1)/2; -1 for n < 1 or
 * n > QNN_MAX_QUBITS. */
int qnn_c1_count(int n);
/* Writes the C1 terms in the order above into out (qnn_c1_count(n)
 * entries) and returns their number, or -1 for a bad n (out untouched). */
int qnn_c1_terms(int n, qnn_pauli *out);

/* A machine on n qubits (1 <= n <= QNN_QBM_MAX_QUBITS), the first n_v
 * (1 <= n_v <= n) visible, at scale β (finite, > 0). θ starts at 0 (ρ =
 * I/D) and there is no objective. Returns QNN_QBM_OK and *out, or a status
 * with *out = NULL and a message naming the bad value. */
int qnn_qbm_new(int n, int n_v, double beta, qnn_qbm **out, char *err, size_t errlen);
void qnn_qbm_free(qnn_qbm *q);

int qnn_qbm_visible(const qnn_qbm *q);
/* K, the number of parameters (= C1 terms). */
int qnn_qbm_n_params(const qnn_qbm *q);
/* The K terms, in the documented order. */
const qnn_pauli *qnn_qbm_terms(const qnn_qbm *q);
/* θ (K entries), writable: after changing it call qnn_qbm_eval again. */
double *qnn_qbm_theta(qnn_qbm *q);
const double *qnn_qbm_theta_const(const qnn_qbm *q);

/* Draws θ as documented above (onsite N(0, 0.01), offsite N(0, 1), in term
 * order) and, when normalise != 0, divides it by ‖H(θ)‖_op. Leaves the
 * machine evaluated at the new θ (as after qnn_qbm_eval). Returns a status. */
int qnn_qbm_init_theta(qnn_qbm *q, gsl_rng *r, int normalise, char *err, size_t errlen);
/* The factor the last qnn_qbm_init_theta divided θ by: ‖H(θ_drawn)‖_op with
 * normalise, 1 without (and 1 before any draw). */
double qnn_qbm_norm_scale(const qnn_qbm *q);

/* The objective O_obj = Σ_j coef[j] P_j (m >= 1 terms), each P_j a Pauli
 * string on the visible qubits: its masks must have no bit at or above n_v
 * (the identity is allowed). Copied. Returns a status; on failure the old
 * objective is kept. */
int qnn_qbm_set_objective(qnn_qbm *q, size_t m, const double *coef, const qnn_pauli *P,
                          char *err, size_t errlen);
/* O_obj as a column-major D_v x D_v matrix (NULL before one is set). */
const qnn_cplx *qnn_qbm_objective_matrix(const qnn_qbm *q);

/* H(θ) = Σ_k θ_k H_k at the current θ into H (D x D, full storage), O(D K). */
void qnn_qbm_hamiltonian(const qnn_qbm *q, qnn_cplx *H);

/* Builds H(θ), diagonalises it and forms ρ. Returns a status
 * (QNN_QBM_ENOTFINITE when θ is not finite, QNN_QBM_EEIGEN). */
int qnn_qbm_eval(qnn_qbm *q, char *err, size_t errlen);

/* The following read the last successful qnn_qbm_eval (NaN / NULL /
 * QNN_QBM_ESTATE before one). */

/* f(θ) = tr((O_obj ⊗ I_h) ρ); NaN without an objective. */
double qnn_qbm_objective(const qnn_qbm *q);
/* ρ, D x D, full storage. */
const qnn_cplx *qnn_qbm_rho(const qnn_qbm *q);
/* The eigenvalues of H, ascending (D entries). */
const double *qnn_qbm_energies(const qnn_qbm *q);
/* ‖H(θ)‖_op = max(|E_min|, |E_max|). */
double qnn_qbm_op_norm(const qnn_qbm *q);
/* ln Z = ln tr e^{-βH}. */
double qnn_qbm_log_partition(const qnn_qbm *q);
/* ρ_v = tr_h ρ into rho_v (D_v x D_v): rho_v[i][j] = Σ_h ρ[i + D_v h][j + D_v h].
 * Returns a status. */
int qnn_qbm_reduced_state(const qnn_qbm *q, qnn_cplx *rho_v);
/* The D_v eigenvalues of ρ_v, descending (for qnn_entropy and
 * qnn_trace_distance_mixed of qnn/entangle.h). Returns a status. */
int qnn_qbm_visible_spectrum(const qnn_qbm *q, double *lambda);
/* T = ½‖ρ_v - I/D_v‖₁ (NaN before an evaluation). */
double qnn_qbm_trace_distance(const qnn_qbm *q);

/* The exact gradient ∂f/∂θ_k (K entries) of the objective, by the
 * divided-difference (Duhamel) formula of qbm.c. Returns a status
 * (QNN_QBM_ESTATE without an evaluation or objective). */
int qnn_qbm_gradient(qnn_qbm *q, double *grad);
/* The same for any Hermitian visible operator A (column-major D_v x D_v,
 * full storage; only its Hermitian part counts): g_k = ∂/∂θ_k tr((A ⊗ I_h) ρ),
 * and *fa = tr((A ⊗ I_h) ρ) when fa is not NULL. */
int qnn_qbm_gradient_visible(qnn_qbm *q, const qnn_cplx *A, double *fa, double *grad);
/* The gradient of T = ½‖ρ_v - I/D_v‖₁: with ρ_v = Σ λ_i u_i u_i†,
 * ∂T = tr((S ⊗ I_h) ∂ρ) for S = ½ Σ sign(λ_i - 1/D_v) u_i u_i†. T is not
 * differentiable where an eigenvalue equals 1/D_v; there the sign is taken
 * as 0 (a subgradient). *T gets T when not NULL. Returns a status. */
int qnn_qbm_trace_distance_gradient(qnn_qbm *q, double *T, double *grad);

/* max_k |g_k| (0 for len 0; NaN when an entry is NaN). */
double qnn_qbm_inf_norm(size_t len, const double *g);

#endif
