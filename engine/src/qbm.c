/* Quantum Boltzmann machine: thermal state of a C1 Hamiltonian, visible
 * objective and its exact gradient. Conventions in qnn/qbm.h.
 *
 * ---- Storage -------------------------------------------------------------
 * H is written column-major into the data of a (padded) GSL matrix. GSL
 * reads it row-major, i.e. as Hᵀ = conj(H) (H is Hermitian), whose
 * eigenvalues are those of H and whose eigenvectors are the conjugates of
 * H's: GSL returns U = conj(V) row-major, data[i*D + j] = conj(V_ij). Read
 * column-major that array is V† (row a is v_a†), which is what is kept:
 * A := V† (column-major, leading dimension D). No transposed copy is needed.
 * With QNN_QBM_LAPACK, zheevd reads H column-major as it is and returns V
 * column-major in its place; one conjugate-transposed copy (O(D²)) makes
 * A. zheevd's workspaces are the W and ρ buffers (both free while H is
 * diagonalised), allocated with a little slack for it.
 *
 * ---- Thermal state -------------------------------------------------------
 * H = V diag(E) V†, E ascending. With shifted weights w_a = e^{-β(E_a - E_0)}
 * (all in (0, 1], no overflow), Z' = Σ_a w_a = Z e^{βE_0}, p_a = w_a / Z':
 *     ρ = V diag(p) V† = Bᴴ B,  B = diag(√p) A   (one ZHERK),
 *     ln Z = -β E_0 + ln Z'.
 *
 * ---- Exact gradient (Duhamel / divided differences) ----------------------
 * For a visible operator A_v and O = A_v ⊗ I_h, f = tr(O ρ). Differentiating
 * e^{-βH} along H_k (Duhamel):
 *     ∂_k e^{-βH} = -β ∫_0^1 e^{-sβH} H_k e^{-(1-s)βH} ds,
 * and in the eigenbasis, with H'_k = V† H_k V,
 *     (V† ∂_k e^{-βH} V)_ab = (H'_k)_ab g(E_a, E_b),
 *     g(x, y) = (e^{-βx} - e^{-βy}) / (x - y),   g(x, x) = -β e^{-βx}
 * (∫_0^1 -β e^{-sβx} e^{-(1-s)βy} ds evaluates to exactly this). g is real
 * and symmetric. Since tr ∂_k e^{-βH} = -β tr(H_k e^{-βH}),
 *     ∂_k Z / Z = -β tr(H_k ρ),
 *     ∂_k ρ = ∂_k e^{-βH} / Z - ρ ∂_k Z / Z,
 *     ∂_k f = tr(O ∂_k e^{-βH}) / Z + β f tr(H_k ρ).
 * With O' = V† O V and G'_ab = e^{βE_0} g(E_a, E_b) (the same with the
 * shifted weights: G'_ab = (w_a - w_b)/(E_a - E_b), G'_aa = -β w_a),
 *     tr(O ∂_k e^{-βH}) / Z = Σ_ab O'_ba (H'_k)_ab G'_ab / Z'
 *                           = tr(M₁ H'_k),   M₁ = (O' ∘ G') / Z'
 * (∘ the elementwise product; (O' ∘ G')_ba = O'_ba G'_ab by the symmetry
 * of G', which gives Σ_ab (M₁)_ba (H'_k)_ab = tr(M₁ H'_k)), and
 * β f tr(H_k ρ) = tr(β f diag(p) H'_k). Hence, for every k at once,
 *     ∂_k f = tr(M H'_k) = tr(Y H_k),
 *     M = (O' ∘ G') / Z' + β f diag(p),   Y = V M V†.
 * M and Y are Hermitian (O' Hermitian, G' real symmetric). The diagonal of
 * M is β p_a (f - O'_aa), so Σ_a M_aa = 0: constants in O have no gradient.
 * For a Pauli string P = i^ny X^x Z^z, P|b> = i^ny σ(b)|b ^ x>, so
 *     tr(Y P) = i^ny Σ_b σ(b) Y_{b, b^x},
 * an O(D) sum. Cost: O' = A (O V) (O V by one ZGEMM over the D_v rows of
 * the reshaped columns of V, O(D_v D²), then one D x D ZGEMM), M in O(D²),
 * Y = A† M A (two ZGEMMs), and O(D) per term: O(D³ + D K) in all.
 * f itself is Σ_a p_a O'_aa, computed on the way.
 *
 * Divided differences, stably: for E_a <= E_b (a < b in ascending order),
 * Δ = E_b - E_a >= 0, x = βΔ, G'_ab = (w_b - w_a)/Δ = w_a expm1(-x)/Δ: the
 * argument of expm1 is <= 0 (no overflow, w_a <= 1), and expm1 keeps full
 * relative accuracy for nearly equal energies. For x < 1e-8 the series
 * -β w_a (1 - x/2) is used instead (relative error x²/6 < 2e-17), which
 * also covers Δ = 0 (degenerate levels) exactly. */
#include "qnn/qbm.h"
#include "gslpad.h"

#include <gsl/gsl_cblas.h>
#include <gsl/gsl_eigen.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_sort_vector.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef QNN_QBM_LAPACK
/* LAPACK's divide-and-conquer Hermitian eigensolver through LAPACKE
 * (Debian's liblapacke-dev, 32-bit lapack_int). LAPACKE_zheevd_work with
 * column-major storage calls zheevd_ directly, with no copy or transpose,
 * and zheevd_ itself resolves to the LAPACK inside OpenBLAS, which the
 * engine links: the same routine as before, so the same bits. */
#include <lapacke.h>
#endif

struct qnn_qbm {
    int n, n_v, K;
    size_t D, Dv;
    double beta;
    qnn_pauli *terms;
    double *theta;
    double scale;            /* what the last init divided θ by */
    qnn_cplx *Ov;            /* objective, D_v x D_v, or NULL */
    int evaluated;
    gsl_matrix_complex *Hm;  /* H, then a D x D workspace */
    gsl_matrix_complex *Ev;  /* its data, column-major, is A = V† */
    gsl_vector *E;           /* energies, ascending */
    gsl_eigen_hermv_workspace *ws;
    qnn_cplx *rho;           /* D x D */
    qnn_cplx *W;             /* D x D workspace */
    qnn_cplx *rhov;          /* D_v x D_v */
    int *iwork;              /* zheevd's integer workspace (QNN_QBM_LAPACK) */
    double *w;               /* shifted Boltzmann weights */
    double *p;               /* w / Z' */
    double Zs;               /* Z' = Σ w */
    double logZ, f;
};

int qnn_c1_count(int n)
{
    if (n < 1 || n > QNN_MAX_QUBITS)
        return -1;
    return 3 * n + 9 * n * (n - 1) / 2;
}

/* σ_a on qubit i, a = 0, 1, 2 for x, y, z. */
static qnn_pauli single(int i, int a)
{
    uint32_t bit = (uint32_t)1 << i;
    qnn_pauli p = { a <= 1 ? bit : 0u, a >= 1 ? bit : 0u };
    return p;
}

int qnn_c1_terms(int n, qnn_pauli *out)
{
    int K = qnn_c1_count(n);
    if (K < 0)
        return -1;
    int k = 0;
    for (int i = 0; i < n; i++)
        for (int a = 0; a < 3; a++)
            out[k++] = single(i, a);
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++)
            for (int a = 0; a < 3; a++)
                for (int b = 0; b < 3; b++) {
                    qnn_pauli pa = single(i, a), pb = single(j, b);
                    out[k++] = (qnn_pauli){ pa.x | pb.x, pa.z | pb.z };
                }
    return k;
}

void qnn_qbm_free(qnn_qbm *q)
{
    if (!q)
        return;
    free(q->terms);
    free(q->theta);
    free(q->Ov);
    if (q->Hm)
        gsl_matrix_complex_free(q->Hm);
    if (q->Ev)
        gsl_matrix_complex_free(q->Ev);
    if (q->E)
        gsl_vector_free(q->E);
    if (q->ws)
        gsl_eigen_hermv_free(q->ws);
    free(q->iwork);
    free(q->rho);
    free(q->W);
    free(q->rhov);
    free(q->w);
    free(q->p);
    free(q);
}

int qnn_qbm_new(int n, int n_v, double beta, qnn_qbm **out, char *err, size_t errlen)
{
    *out = NULL;
    if (n < 1 || n > QNN_QBM_MAX_QUBITS)
        return qnn_fail(err, errlen, QNN_QBM_ESIZE,
                    "qbm: n = %d qubits is out of range (1 .. %d)", n, QNN_QBM_MAX_QUBITS);
    if (n_v < 1 || n_v > n)
        return qnn_fail(err, errlen, QNN_QBM_ESIZE,
                    "qbm: n_v = %d visible qubits is out of range (1 .. n = %d)", n_v, n);
    if (!(beta > 0.0) || !isfinite(beta))
        return qnn_fail(err, errlen, QNN_QBM_EBETA,
                    "qbm: beta = %g is not a valid temperature-like scale: it must be a finite number > 0",
                    beta);
    qnn_qbm *q = calloc(1, sizeof *q);
    if (!q)
        return qnn_fail(err, errlen, QNN_QBM_ENOMEM, "qbm: out of memory");
    q->n = n;
    q->n_v = n_v;
    q->D = (size_t)1 << n;
    q->Dv = (size_t)1 << n_v;
    q->beta = beta;
    q->K = qnn_c1_count(n);
    q->scale = 1.0;
    const size_t D = q->D;
    q->terms = malloc((size_t)q->K * sizeof *q->terms);
    q->theta = calloc((size_t)q->K, sizeof *q->theta);
    q->Hm = qnn_cmatrix_alloc(D, D);
    q->Ev = qnn_cmatrix_alloc(D, D);
    q->E = gsl_vector_alloc(D);
#ifdef QNN_QBM_LAPACK
    /* zheevd works in W (2D + D² complex) and rho (1 + 5D + 2D² doubles),
     * both free while H is diagonalised: a little slack, no extra matrix */
    q->ws = NULL;
    q->iwork = malloc((3 + 5 * D) * sizeof *q->iwork);
    q->rho = malloc((D * D + 3 * D + 1) * sizeof *q->rho);
    q->W = malloc((D * D + 2 * D) * sizeof *q->W);
    const int eig_ok = q->iwork != NULL;
#else
    q->ws = gsl_eigen_hermv_alloc(D);
    q->rho = malloc(D * D * sizeof *q->rho);
    q->W = malloc(D * D * sizeof *q->W);
    const int eig_ok = q->ws != NULL;
#endif
    q->rhov = malloc(q->Dv * q->Dv * sizeof *q->rhov);
    q->w = malloc(D * sizeof *q->w);
    q->p = malloc(D * sizeof *q->p);
    if (!q->terms || !q->theta || !q->Hm || !q->Ev || !q->E || !eig_ok || !q->rho || !q->W ||
        !q->rhov || !q->w || !q->p) {
        qnn_qbm_free(q);
        return qnn_fail(err, errlen, QNN_QBM_ENOMEM,
                    "qbm: out of memory for n = %d qubits (four %zu x %zu complex matrices)", n, D, D);
    }
    qnn_c1_terms(n, q->terms);
    q->f = NAN;
    q->logZ = NAN;
    *out = q;
    return QNN_QBM_OK;
}

int qnn_qbm_visible(const qnn_qbm *q) { return q->n_v; }
int qnn_qbm_n_params(const qnn_qbm *q) { return q->K; }
const qnn_pauli *qnn_qbm_terms(const qnn_qbm *q) { return q->terms; }
double *qnn_qbm_theta(qnn_qbm *q) { return q->theta; }
const double *qnn_qbm_theta_const(const qnn_qbm *q) { return q->theta; }
double qnn_qbm_norm_scale(const qnn_qbm *q) { return q->scale; }
const qnn_cplx *qnn_qbm_objective_matrix(const qnn_qbm *q) { return q->Ov; }

/* i^k */
static qnn_cplx ipow(int k)
{
    static const qnn_cplx t[4] = { 1.0, I, -1.0, -I };
    return t[k & 3];
}

static double sigma(size_t b, uint32_t z)
{
    return __builtin_parity((unsigned)(b & z)) ? -1.0 : 1.0;
}

/* out (dim x dim, column-major) += c P for a Pauli string on log2(dim)
 * qubits: P[b ^ x, b] = i^ny σ(b). */
static void add_pauli(size_t dim, qnn_cplx *out, qnn_cplx c, qnn_pauli P)
{
    const qnn_cplx cp = c * ipow(qnn_pauli_ny(P));
    for (size_t b = 0; b < dim; b++)
        out[(b ^ P.x) + b * dim] += cp * sigma(b, P.z);
}

/* tr(O_obj ρ_v) = Σ_ij O_ij (ρ_v)_ji at the current evaluation. */
static double objective_value(qnn_qbm *q)
{
    const size_t Dv = q->Dv;
    qnn_qbm_reduced_state(q, q->rhov);
    double f = 0.0;
    for (size_t j = 0; j < Dv; j++)
        for (size_t i = 0; i < Dv; i++)
            f += creal(q->Ov[i + j * Dv] * q->rhov[j + i * Dv]);
    return f;
}

int qnn_qbm_set_objective(qnn_qbm *q, size_t m, const double *coef, const qnn_pauli *P,
                          char *err, size_t errlen)
{
    if (m == 0 || !coef || !P)
        return qnn_fail(err, errlen, QNN_QBM_EOBS, "qbm: the objective needs at least one Pauli term");
    for (size_t j = 0; j < m; j++) {
        if (!isfinite(coef[j]))
            return qnn_fail(err, errlen, QNN_QBM_EOBS, "qbm: objective coefficient %zu is not finite", j);
        if ((P[j].x | P[j].z) >> q->n_v)
            return qnn_fail(err, errlen, QNN_QBM_EOBS,
                        "qbm: objective term %zu acts on a hidden qubit (only qubits 0 .. %d are visible)",
                        j, q->n_v - 1);
    }
    qnn_cplx *Ov = calloc(q->Dv * q->Dv, sizeof *Ov);
    if (!Ov)
        return qnn_fail(err, errlen, QNN_QBM_ENOMEM, "qbm: out of memory");
    for (size_t j = 0; j < m; j++)
        add_pauli(q->Dv, Ov, coef[j], P[j]);
    free(q->Ov);
    q->Ov = Ov;
    if (q->evaluated)
        q->f = objective_value(q);
    return QNN_QBM_OK;
}

/* The thermal state from the energies and A = V†: weights, ln Z, ρ, f. */
static int thermal(qnn_qbm *q)
{
    const size_t D = q->D;
    const double *E = q->E->data, beta = q->beta;
    double Zs = 0.0;
    for (size_t a = 0; a < D; a++) {
        q->w[a] = exp(-beta * (E[a] - E[0]));
        Zs += q->w[a];
    }
    for (size_t a = 0; a < D; a++)
        q->p[a] = q->w[a] / Zs;
    q->logZ = -beta * E[0] + log(Zs);
    /* B = diag(√p) A in W, ρ = Bᴴ B */
    const qnn_cplx *A = (const qnn_cplx *)q->Ev->data;
    for (size_t c = 0; c < D; c++)
        for (size_t a = 0; a < D; a++)
            q->W[a + c * D] = sqrt(q->p[a]) * A[a + c * D];
    cblas_zherk(CblasColMajor, CblasUpper, CblasConjTrans, (int)D, (int)D, 1.0, q->W, (int)D, 0.0,
                q->rho, (int)D);
    for (size_t c = 0; c < D; c++) {
        q->rho[c + c * D] = creal(q->rho[c + c * D]);
        for (size_t r = c + 1; r < D; r++)
            q->rho[r + c * D] = conj(q->rho[c + r * D]);
    }
    q->Zs = Zs;
    q->evaluated = 1;
    q->f = q->Ov ? objective_value(q) : NAN;
    return isfinite(q->logZ) ? QNN_QBM_OK : QNN_QBM_ENOTFINITE;
}

void qnn_qbm_hamiltonian(const qnn_qbm *q, qnn_cplx *H)
{
    memset(H, 0, q->D * q->D * sizeof *H);
    for (int k = 0; k < q->K; k++)
        if (q->theta[k] != 0.0)
            add_pauli(q->D, H, q->theta[k], q->terms[k]);
}

/* H(θ) into Hm, diagonalised: energies ascending in E, A = V† in Ev. */
static int diagonalise(qnn_qbm *q, char *err, size_t errlen)
{
    const size_t D = q->D;
    q->evaluated = 0;
    for (int k = 0; k < q->K; k++)
        if (!isfinite(q->theta[k]))
            return qnn_fail(err, errlen, QNN_QBM_ENOTFINITE, "qbm: theta[%d] = %g is not finite", k,
                        q->theta[k]);
    qnn_qbm_hamiltonian(q, (qnn_cplx *)q->Hm->data);
#ifdef QNN_QBM_LAPACK
    {
        const lapack_int d = (lapack_int)D, lwork = 2 * d + d * d, lrwork = 1 + 5 * d + 2 * d * d,
                         liwork = 3 + 5 * d;
        qnn_cplx *V = (qnn_cplx *)q->Hm->data;
        const lapack_int info = LAPACKE_zheevd_work(LAPACK_COL_MAJOR, 'V', 'U', d, V, d, q->E->data, q->W, lwork,
                                                    (double *)q->rho, lrwork, q->iwork, liwork);
        if (info != 0)
            return qnn_fail(err, errlen, QNN_QBM_EEIGEN,
                        "qbm: the Hermitian eigensolver failed (zheevd info %d, D = %zu)", info, D);
        /* V (column-major, ascending energies) -> A = V† */
        qnn_cplx *A = (qnn_cplx *)q->Ev->data;
        for (size_t c = 0; c < D; c++)
            for (size_t r = 0; r < D; r++)
                A[c + r * D] = conj(V[r + c * D]);
    }
#else
    if (gsl_eigen_hermv(q->Hm, q->E, q->Ev, q->ws) != 0)
        return qnn_fail(err, errlen, QNN_QBM_EEIGEN, "qbm: the Hermitian eigensolver failed (D = %zu)", D);
    gsl_eigen_hermv_sort(q->E, q->Ev, GSL_EIGEN_SORT_VAL_ASC);
#endif
    return QNN_QBM_OK;
}

int qnn_qbm_eval(qnn_qbm *q, char *err, size_t errlen)
{
    int rc = diagonalise(q, err, errlen);
    if (rc)
        return rc;
    rc = thermal(q);
    if (rc)
        return qnn_fail(err, errlen, rc, "qbm: the thermal state is not finite");
    return QNN_QBM_OK;
}

/* max |E| of the last diagonalisation (also between diagonalise and
 * thermal, where init_theta needs it). */
static double spectral_radius(const qnn_qbm *q)
{
    const double *E = q->E->data;
    return fmax(fabs(E[0]), fabs(E[q->D - 1]));
}

int qnn_qbm_init_theta(qnn_qbm *q, gsl_rng *r, int normalise, char *err, size_t errlen)
{
    const int onsite = 3 * q->n;
    for (int k = 0; k < q->K; k++)
        q->theta[k] = gsl_ran_gaussian(r, k < onsite ? 0.1 : 1.0);
    q->scale = 1.0;
    int rc = diagonalise(q, err, errlen);
    if (rc)
        return rc;
    if (normalise) {
        double s = spectral_radius(q);
        if (s > 0.0) {
            /* H(θ/s) = H(θ)/s has the same eigenvectors: rescale the
             * energies instead of diagonalising again */
            for (int k = 0; k < q->K; k++)
                q->theta[k] /= s;
            for (size_t a = 0; a < q->D; a++)
                q->E->data[a] /= s;
            q->scale = s;
        }
    }
    rc = thermal(q);
    if (rc)
        return qnn_fail(err, errlen, rc, "qbm: the thermal state is not finite");
    return QNN_QBM_OK;
}

double qnn_qbm_objective(const qnn_qbm *q) { return q->evaluated ? q->f : NAN; }
const qnn_cplx *qnn_qbm_rho(const qnn_qbm *q) { return q->evaluated ? q->rho : NULL; }
const double *qnn_qbm_energies(const qnn_qbm *q) { return q->evaluated ? q->E->data : NULL; }
double qnn_qbm_log_partition(const qnn_qbm *q) { return q->evaluated ? q->logZ : NAN; }

double qnn_qbm_op_norm(const qnn_qbm *q) { return q->evaluated ? spectral_radius(q) : NAN; }

int qnn_qbm_reduced_state(const qnn_qbm *q, qnn_cplx *rho_v)
{
    if (!q->evaluated)
        return QNN_QBM_ESTATE;
    const size_t D = q->D, Dv = q->Dv, Dh = D / Dv;
    for (size_t j = 0; j < Dv; j++)
        for (size_t i = 0; i < Dv; i++) {
            qnn_cplx s = 0.0;
            for (size_t h = 0; h < Dh; h++)
                s += q->rho[(i + Dv * h) + (j + Dv * h) * D];
            rho_v[i + j * Dv] = s;
        }
    return QNN_QBM_OK;
}

/* Eigen-decomposition of ρ_v: eigenvalues ascending into lam; when Ud is
 * not NULL, U† (row i = u_i†, column-major Dv x Dv) into Ud (same storage
 * trick as for H). */
static int visible_eigen(const qnn_qbm *q, double *lam, qnn_cplx *Ud)
{
    const size_t Dv = q->Dv;
    int rc = QNN_QBM_ENOMEM;
    gsl_matrix_complex *R = qnn_cmatrix_alloc(Dv, Dv);
    gsl_matrix_complex *U = Ud ? qnn_cmatrix_alloc(Dv, Dv) : NULL;
    gsl_vector *ev = gsl_vector_alloc(Dv);
    gsl_eigen_herm_workspace *w1 = Ud ? NULL : gsl_eigen_herm_alloc(Dv);
    gsl_eigen_hermv_workspace *w2 = Ud ? gsl_eigen_hermv_alloc(Dv) : NULL;
    if (!R || !ev || (Ud && (!U || !w2)) || (!Ud && !w1))
        goto out;
    qnn_qbm_reduced_state(q, (qnn_cplx *)R->data);
    rc = QNN_QBM_EEIGEN;
    if (Ud) {
        if (gsl_eigen_hermv(R, ev, U, w2) != 0)
            goto out;
        gsl_eigen_hermv_sort(ev, U, GSL_EIGEN_SORT_VAL_ASC);
        memcpy(Ud, U->data, Dv * Dv * sizeof *Ud);
    } else {
        if (gsl_eigen_herm(R, ev, w1) != 0)
            goto out;
        gsl_sort_vector(ev);
    }
    memcpy(lam, ev->data, Dv * sizeof *lam);
    rc = QNN_QBM_OK;
out:
    if (R)
        gsl_matrix_complex_free(R);
    if (U)
        gsl_matrix_complex_free(U);
    if (ev)
        gsl_vector_free(ev);
    if (w1)
        gsl_eigen_herm_free(w1);
    if (w2)
        gsl_eigen_hermv_free(w2);
    return rc;
}

int qnn_qbm_visible_spectrum(const qnn_qbm *q, double *lambda)
{
    if (!q->evaluated)
        return QNN_QBM_ESTATE;
    int rc = visible_eigen(q, lambda, NULL);
    if (rc)
        return rc;
    for (size_t i = 0, j = q->Dv - 1; i < j; i++, j--) {
        double t = lambda[i];
        lambda[i] = lambda[j];
        lambda[j] = t;
    }
    return QNN_QBM_OK;
}

double qnn_qbm_trace_distance(const qnn_qbm *q)
{
    if (!q->evaluated)
        return NAN;
    double *lam = malloc(q->Dv * sizeof *lam);
    if (!lam || visible_eigen(q, lam, NULL)) {
        free(lam);
        return NAN;
    }
    double s = 0.0, u = 1.0 / (double)q->Dv;
    for (size_t i = 0; i < q->Dv; i++)
        s += fabs(lam[i] - u);
    free(lam);
    return 0.5 * s;
}

int qnn_qbm_gradient_visible(qnn_qbm *q, const qnn_cplx *Av, double *fa, double *grad)
{
    if (!q->evaluated)
        return QNN_QBM_ESTATE;
    const size_t D = q->D, Dv = q->Dv;
    const int d = (int)D;
    const qnn_cplx one = 1.0, zero = 0.0;
    const qnn_cplx *A = (const qnn_cplx *)q->Ev->data; /* V† */
    qnn_cplx *T = (qnn_cplx *)q->Hm->data, *W = q->W;
    const double *E = q->E->data, beta = q->beta;

    /* V = A† into W */
    for (size_t c = 0; c < D; c++)
        for (size_t r = 0; r < D; r++)
            W[r + c * D] = conj(A[c + r * D]);
    /* (A_v ⊗ I_h) V: every column of V, read as a D_v x D_h matrix, is
     * multiplied by A_v; all columns together form one D_v x (D_h D)
     * matrix with leading dimension D_v. */
    cblas_zgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)Dv, (int)(D / Dv * D), (int)Dv,
                &one, Av, (int)Dv, W, (int)Dv, &zero, T, (int)Dv);
    /* O' = V† (O V) into W */
    cblas_zgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, d, d, d, &one, A, d, T, d, &zero, W, d);
    double f = 0.0;
    for (size_t a = 0; a < D; a++)
        f += q->p[a] * creal(W[a + a * D]);
    /* M = (O' ∘ G') / Z' + β f diag(p), in place */
    const double invZ = 1.0 / q->Zs;
    for (size_t a = 0; a < D; a++) {
        W[a + a * D] = beta * q->p[a] * (f - creal(W[a + a * D]));
        for (size_t b = a + 1; b < D; b++) {
            const double delta = E[b] - E[a], x = beta * delta;
            const double g = x < 1e-8 ? -beta * q->w[a] * (1.0 - 0.5 * x)
                                      : q->w[a] * expm1(-x) / delta;
            W[a + b * D] *= g * invZ;
            W[b + a * D] *= g * invZ;
        }
    }
    /* Y = A† M A */
    cblas_zgemm(CblasColMajor, CblasConjTrans, CblasNoTrans, d, d, d, &one, A, d, W, d, &zero, T, d);
    cblas_zgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, d, d, d, &one, T, d, A, d, &zero, W, d);
    /* ∂_k f = tr(Y H_k) = Re i^ny Σ_b σ(b) Y[b, b ^ x] */
    for (int k = 0; k < q->K; k++) {
        const qnn_pauli P = q->terms[k];
        qnn_cplx s = 0.0;
        for (size_t b = 0; b < D; b++)
            s += sigma(b, P.z) * W[b + (b ^ P.x) * D];
        grad[k] = creal(ipow(qnn_pauli_ny(P)) * s);
    }
    if (fa)
        *fa = f;
    for (int k = 0; k < q->K; k++)
        if (!isfinite(grad[k]))
            return QNN_QBM_ENOTFINITE;
    return QNN_QBM_OK;
}

int qnn_qbm_gradient(qnn_qbm *q, double *grad)
{
    if (!q->Ov)
        return QNN_QBM_ESTATE;
    return qnn_qbm_gradient_visible(q, q->Ov, NULL, grad);
}

int qnn_qbm_trace_distance_gradient(qnn_qbm *q, double *T, double *grad)
{
    if (!q->evaluated)
        return QNN_QBM_ESTATE;
    const size_t Dv = q->Dv;
    double *lam = malloc(Dv * sizeof *lam);
    qnn_cplx *Ud = malloc(Dv * Dv * sizeof *Ud), *B = malloc(Dv * Dv * sizeof *B),
             *S = malloc(Dv * Dv * sizeof *S);
    int rc = QNN_QBM_ENOMEM;
    if (!lam || !Ud || !B || !S)
        goto out;
    rc = visible_eigen(q, lam, Ud);
    if (rc)
        goto out;
    /* S = ½ U diag(s) U† = ½ (U†)† (diag(s) U†) */
    const double u = 1.0 / (double)Dv;
    double t = 0.0;
    for (size_t i = 0; i < Dv; i++) {
        const double s = lam[i] > u ? 0.5 : lam[i] < u ? -0.5 : 0.0;
        t += fabs(lam[i] - u);
        for (size_t c = 0; c < Dv; c++)
            B[i + c * Dv] = s * Ud[i + c * Dv];
    }
    const qnn_cplx one = 1.0, zero = 0.0;
    cblas_zgemm(CblasColMajor, CblasConjTrans, CblasNoTrans, (int)Dv, (int)Dv, (int)Dv, &one, Ud,
                (int)Dv, B, (int)Dv, &zero, S, (int)Dv);
    rc = qnn_qbm_gradient_visible(q, S, NULL, grad);
    if (T)
        *T = 0.5 * t;
out:
    free(lam);
    free(Ud);
    free(B);
    free(S);
    return rc;
}

double qnn_qbm_inf_norm(size_t len, const double *g)
{
    double m = 0.0;
    for (size_t i = 0; i < len; i++) {
        if (isnan(g[i]))
            return NAN;
        if (fabs(g[i]) > m)
            m = fabs(g[i]);
    }
    return m;
}
