/* Carleman linearisation of a quadratic ODE (LIU24 Eqs. II.1-II.13, App.
 * III.C, Fig. 4):
 *
 *     du/dt = F1 u + F2 (u ⊗ u),   u ∈ R^n,
 *
 * embedded as y = (u, u^{⊗2}, ..., u^{⊗N}) with dy/dt = A y, where the
 * block (j, j) of A is A_j^j = Σ_{slots} I ⊗ .. ⊗ F1 ⊗ .. ⊗ I (j terms) and
 * the block (j, j+1) is A_{j+1}^j = Σ_{slots} I ⊗ .. ⊗ F2 ⊗ .. ⊗ I; the
 * truncation drops u^{⊗(N+1)} from the last block row. Kronecker order:
 * u^{⊗2}_{(a,b)} = u_a u_b at index a n + b (LIU24 Eq. II.2).
 *
 * Sign convention (docs/PHYSICS.md, "Hessian of the loss"): LIU24 calls a
 * mode dissipative when its Hessian eigenvalue is positive; the linear part
 * of gradient flow is F1 = -η H (Eq. II.65). qnn_quadode_random builds the Hessian-like matrix
 * H = Q diag(h) Qᵀ with a fraction f of h from U(0, 1) (dissipative) and
 * the rest from U(-0.01, 0) (weakly divergent), Q a random orthogonal
 * matrix, and sets F1 = -H; F2 entries are U(-0.015, 0.015) (LIU24 §III.C). */
#ifndef QNN_CARLEMAN_H
#define QNN_CARLEMAN_H

#include <stddef.h>
#include <gsl/gsl_rng.h>

typedef struct qnn_quadode {
    int n;
    double *F1;   /* n x n, row-major */
    double *F2;   /* n x n², row-major */
    double *h;    /* the n Hessian eigenvalues F1 = -Q diag(h) Qᵀ was built from (or NULL) */
} qnn_quadode;

/* LIU24's random system with a fraction f in [0, 1] of dissipative modes
 * (round(f n) of them). Draw order: h (dissipative first), Q (QR of a
 * Gaussian matrix with the sign fix), F2 row by row. 0 or -1 (memory, bad
 * arguments). */
int qnn_quadode_random(gsl_rng *rng, int n, double f, qnn_quadode *out);
void qnn_quadode_free(qnn_quadode *q);

/* Dimension n + n² + ... + n^N of the truncated system (0 when it would
 * exceed max_dim). */
size_t qnn_carleman_dim(int n, int N, size_t max_dim);

/* The truncated Carleman matrix A (dim x dim, row-major, malloc'd). 0 or -1. */
int qnn_carleman_matrix(const qnn_quadode *q, int N, double **A, size_t *dim);

/* Integrates the exact system from u0 and the order-N linearisation from
 * (u0, u0^{⊗2}, ..., u0^{⊗N}) with the same adaptive Runge-Kutta-Prince-
 * Dormand (8, 9) integrator (GSL odeiv2, relative and absolute tolerance
 * 1e-13), and writes at each of the nt times (ascending, >= 0) the error
 * ‖u(t) - ŷ_1(t)‖₂ and, when comp is not NULL, |u_k(t) - ŷ_{1,k}(t)| of the
 * component k = comp_index. Returns 0; 1 when the integrator failed at
 * some time (a solution ran away: the errors from that time on are NaN);
 * -1 when memory runs out. */
int qnn_carleman_error(const qnn_quadode *q, const double *u0, int N, const double *times,
                       size_t nt, double *err, int comp_index, double *comp);

#endif
