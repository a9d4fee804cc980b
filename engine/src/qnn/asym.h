/* The asymptotic dynamics of a wide QNN (YOU23 Eqs. 6-10, 119-121): the
 * measurement M(t) itself is evolved,
 *
 *     dM/dt = -η Σ_j r_j [M, [M, ρ_j]] = η [B, M],   B = Σ_j r_j [M, ρ_j],
 *
 * with r_j = tr(M ρ_j) - y_j, ρ_j = v_j v_j† (M includes the scale γ), so
 * that dr/dt = -η K_asym r with (K_asym)_ij = tr(i[M,ρ_i] i[M,ρ_j]).
 *
 * B is anti-Hermitian of rank <= 2m: B = P Q† with Q = [V, W], P = [W R, -V R],
 * W = M V, R = diag(r). A step of length h (= η) is a similarity transform
 * M <- E M E† by the Cayley transform E = (I - hB/2)^{-1}(I + hB/2), unitary, so the
 * spectrum of M is kept to round-off. By the Woodbury identity
 * E = I + h P S Q† with S = (I_2m - (h/2) Q†P)^{-1}, and Q†P is made of the
 * m x m Gram matrices V†W, V†V, W†W: a step costs two products with M
 * (O(m d²)) and one rank-4m Hermitian update (ZHER2K, O(m d²)), never O(d³).
 *
 * Integrators:
 *   cayley    first order: B at the current M (the Lie-Euler analogue).
 *   midpoint  second order explicit midpoint on the group (RK-Munthe-Kaas 2):
 *             B is evaluated at M_{1/2} = cay(hB(M)/2) M cay(.)†.
 *   euler     plain explicit Euler M <- M + h[B, M]; NOT isospectral: the
 *             Frobenius norm grows by h²‖[B,M]‖² per step. Kept only as the
 *             labelled comparison that shows the spectral drift.
 *
 * The frozen-kernel companion ("constant NTK"): r(t) = exp(-η K_asym(0) t) r(0),
 * solved exactly from the eigen-decomposition of K_asym(0).
 *
 * Storage: M is column-major d x d; only its upper triangle is read and
 * written (ZHEMM / ZHER2K), the diagonal is kept real. */
#ifndef QNN_ASYM_H
#define QNN_ASYM_H

#include <stddef.h>
#include <gsl/gsl_rng.h>
#include "qnn/params.h"
#include "qnn/statevec.h"

typedef struct qnn_asym qnn_asym;

/* M0: column-major d x d Hermitian (upper triangle read; it already carries
 * γ). V: column-major d x m input states (orthonormal for the theory, but
 * any are accepted: the kernel uses the overlaps V†V). y: m labels.
 * frozen = 1 builds the frozen-kernel companion. NULL when memory runs out. */
qnn_asym *qnn_asym_new(size_t d, size_t m, const qnn_cplx *M0, const qnn_cplx *V,
                       const double *y, int frozen, qnn_integrator integ);
void qnn_asym_free(qnn_asym *a);

/* Residuals r (m), the kernel K_asym (m x m, row-major, symmetric) and the
 * gradient norm √(rᵀ K r) at the current M. Returns 0, or 1 when a value is
 * not finite. */
int qnn_asym_eval(qnn_asym *a);
const double *qnn_asym_residuals(const qnn_asym *a);
const double *qnn_asym_kernel(const qnn_asym *a);
const double *qnn_asym_labels(const qnn_asym *a);
double qnn_asym_rkr(const qnn_asym *a);

/* One step of length h in units where the flow reads dM/dt = [B, M] with
 * B = Σ r_j [M, ρ_j] (h = η for one step of Eq. 119). Uses the last
 * evaluation when it is current. */
void qnn_asym_step(qnn_asym *a, double h);

/* Eigenvalues of M now, ascending (d values; O(d³), GSL). 0 or -1 (memory).
 * For the frozen companion: those of M(0). */
int qnn_asym_spectrum(const qnn_asym *a, double *out);
/* max_i |λ_i(t) - λ_i(0)| / max_i |λ_i(0)|: 0 for an exact isospectral flow.
 * NaN when memory runs out. */
double qnn_asym_spectral_drift(const qnn_asym *a);

/* The current M (column-major, upper triangle valid) and d. */
const qnn_cplx *qnn_asym_matrix(const qnn_asym *a);
size_t qnn_asym_dim(const qnn_asym *a);

/* M(0) of Eq. 120: γ U diag(+1 ×d/2, -1 ×d/2) U† with U Haar (drawn by
 * qnn_haar_unitary from rng). Column-major, full storage. 0 or -1. */
int qnn_asym_haar_measurement(gsl_rng *rng, size_t d, double gamma, qnn_cplx *M);

/* Reads M(0) from a JSON file {"re": [[...d rows of d numbers...]],
 * "im": [[...]]} ("im" optional), checks it is square with d = 2..1024 a
 * power of two, finite, and Hermitian (max |M - M†| <= 1e-10 max |M|).
 * *M is malloc'd (column-major). 0, or -1 with a message naming the key
 * 'm0_file', the file and what is wrong. */
int qnn_asym_read_matrix(const char *path, size_t *d, qnn_cplx **M, char *err, size_t errlen);

#endif
