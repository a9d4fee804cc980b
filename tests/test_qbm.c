/* Quantum Boltzmann machine (engine/src/qbm.c): the C1 terms, H against
 * Kronecker-product references, ρ against an independent matrix exponential,
 * ρ_v against an explicit partial trace and a product state, the exact
 * gradient against central finite differences and closed forms (also at
 * degenerate and nearly degenerate spectra), argument checks, and the OME
 * Fig. 4c trend (ρ_v → I/2 as hidden qubits are added). Fixed seeds. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_eigen.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_sort.h>

#include "qnn/qbm.h"
#include "reference.h"

void openblas_set_num_threads(int);

static gsl_rng *rng(unsigned long seed)
{
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, seed);
    return r;
}

static qnn_qbm *make(int n, int nv, double beta)
{
    qnn_qbm *q = NULL;
    char err[200];
    int rc = qnn_qbm_new(n, nv, beta, &q, err, sizeof err);
    if (rc)
        fprintf(stderr, "%s\n", err);
    assert_int_equal(rc, QNN_QBM_OK);
    assert_non_null(q);
    return q;
}

static void eval(qnn_qbm *q)
{
    char err[200];
    int rc = qnn_qbm_eval(q, err, sizeof err);
    if (rc)
        fprintf(stderr, "%s\n", err);
    assert_int_equal(rc, QNN_QBM_OK);
}

/* Σ_k θ_k H_k from the Kronecker-product Pauli matrices of reference.c. */
static qnn_cplx *ref_hamiltonian(int n, int K, const qnn_pauli *terms, const double *theta)
{
    size_t D = (size_t)1 << n;
    qnn_cplx *H = calloc(D * D, sizeof *H);
    for (int k = 0; k < K; k++) {
        qnn_cplx *P = ref_pauli(terms[k], n);
        for (size_t i = 0; i < D * D; i++)
            H[i] += theta[k] * P[i];
        free(P);
    }
    return H;
}

static double max_abs(size_t len, const qnn_cplx *a)
{
    double m = 0.0;
    for (size_t i = 0; i < len; i++)
        m = fmax(m, cabs(a[i]));
    return m;
}

/* e^{A} by scaling and squaring a 30-term Taylor series: A/2^s with
 * ‖A/2^s‖_max-row-sum <= 1/2, so the truncation is below 0.5^31/31! and
 * rounding dominates. Plain ref_matmul throughout; shares no code with the
 * engine's eigendecomposition. */
static qnn_cplx *ref_expm(size_t D, const qnn_cplx *A)
{
    double nrm = 0.0;
    for (size_t r = 0; r < D; r++) {
        double s = 0.0;
        for (size_t c = 0; c < D; c++)
            s += cabs(A[r + c * D]);
        nrm = fmax(nrm, s);
    }
    int s = 0;
    while (nrm > 0.5) {
        nrm *= 0.5;
        s++;
    }
    double scale = ldexp(1.0, -s);
    qnn_cplx *X = malloc(D * D * sizeof *X), *T = ref_identity(D), *E = ref_identity(D),
             *tmp = malloc(D * D * sizeof *tmp);
    for (size_t i = 0; i < D * D; i++)
        X[i] = A[i] * scale;
    for (int k = 1; k <= 30; k++) {
        ref_matmul(D, T, X, tmp);
        for (size_t i = 0; i < D * D; i++) {
            T[i] = tmp[i] / k;
            E[i] += T[i];
        }
    }
    for (int i = 0; i < s; i++) {
        ref_matmul(D, E, E, tmp);
        memcpy(E, tmp, D * D * sizeof *E);
    }
    free(X);
    free(T);
    free(tmp);
    return E;
}

/* The explicit partial trace over the hidden qubits (bits n_v .. n-1). */
static void partial_trace(int n, int nv, const qnn_cplx *rho, qnn_cplx *rv)
{
    const size_t D = (size_t)1 << n, Dv = (size_t)1 << nv;
    memset(rv, 0, Dv * Dv * sizeof *rv);
    for (size_t b = 0; b < D; b++)
        for (size_t c = 0; c < D; c++)
            if ((b >> nv) == (c >> nv))
                rv[(b & (Dv - 1)) + (c & (Dv - 1)) * Dv] += rho[b + c * D];
}

/* ---- terms and H ------------------------------------------------------- */

/* Count, order (spot checks by letters) and distinctness. A wrong pair
 * loop, a/b swapped or x/z masks mixed up changes a letter string. */
static void test_c1_terms(void **state)
{
    (void)state;
    for (int n = 1; n <= 10; n++)
        assert_int_equal(qnn_c1_count(n), 3 * n + 9 * n * (n - 1) / 2);
    assert_int_equal(qnn_c1_count(10), 435);
    assert_int_equal(qnn_c1_count(0), -1);
    qnn_pauli t[36], t0 = { 0u, 0u };
    assert_int_equal(qnn_c1_terms(0, t), -1);
    assert_int_equal(qnn_c1_terms(3, t), 36);
    const char *want[][2] = {
        { "0", "IIX" }, { "1", "IIY" }, { "2", "IIZ" }, { "3", "IXI" }, { "8", "ZII" },
        { "9", "IXX" },  /* (0,1), a = x, b = x */
        { "11", "IZX" }, /* (0,1), σ_x^0 σ_z^1 */
        { "12", "IXY" }, /* (0,1), σ_y^0 σ_x^1 */
        { "18", "XIX" }, /* (0,2) */
        { "26", "ZIZ" }, /* (0,2), z z */
        { "27", "XXI" }, /* (1,2), x x */
        { "35", "ZZI" }, /* (1,2), z z */
    };
    char buf[8];
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        qnn_pauli_format(t[atoi(want[i][0])], 3, buf);
        assert_string_equal(buf, want[i][1]);
    }
    for (int i = 0; i < 36; i++) {
        assert_false(t[i].x == t0.x && t[i].z == t0.z);
        for (int j = i + 1; j < 36; j++)
            assert_false(t[i].x == t[j].x && t[i].z == t[j].z);
    }
}

/* H(θ) equals Σ θ_k (Kronecker-product Pauli matrix) to round-off: both add
 * the same K numbers of size |θ_k| <= 4 per entry, so they agree to a few
 * ulps of Σ|θ_k| (< 1e-12 here); a wrong phase i^ny or sign σ(b) moves an
 * entry by 2|θ_k| ~ 1. Hermitian exactly (each entry is built from the
 * same products). */
static void test_hamiltonian(void **state)
{
    (void)state;
    gsl_rng *r = rng(9101);
    const int cases[][2] = { { 1, 1 }, { 2, 1 }, { 3, 2 }, { 4, 1 } };
    for (size_t c = 0; c < 4; c++) {
        int n = cases[c][0];
        size_t D = (size_t)1 << n;
        qnn_qbm *q = make(n, cases[c][1], 1.0);
        int K = qnn_qbm_n_params(q);
        double *th = qnn_qbm_theta(q);
        for (int k = 0; k < K; k++)
            th[k] = gsl_ran_gaussian(r, 1.0);
        qnn_cplx *H = malloc(D * D * sizeof *H);
        qnn_qbm_hamiltonian(q, H);
        qnn_cplx *R = ref_hamiltonian(n, K, qnn_qbm_terms(q), th);
        assert_true(ref_maxdiff(D * D, H, R) < 1e-12);
        for (size_t i = 0; i < D; i++)
            for (size_t j = 0; j < D; j++)
                assert_true(H[i + j * D] == conj(H[j + i * D]));
        /* traceless, as OME assumes */
        qnn_cplx tr = 0;
        for (size_t i = 0; i < D; i++)
            tr += H[i + i * D];
        assert_true(cabs(tr) < 1e-12);
        /* the energies are its eigenvalues (GSL on the reference matrix) */
        eval(q);
        double *ev = malloc(D * sizeof *ev);
        ref_herm_eigs(D, R, ev);
        const double *E = qnn_qbm_energies(q);
        for (size_t i = 0; i < D; i++)
            assert_true(fabs(E[i] - ev[i]) < 1e-12);
        assert_true(fabs(qnn_qbm_op_norm(q) - fmax(-ev[0], ev[D - 1])) < 1e-12);
        free(ev);
        free(H);
        free(R);
        qnn_qbm_free(q);
    }
    gsl_rng_free(r);
}

/* ---- thermal state ----------------------------------------------------- */

/* ρ against e^{-βH}/tr e^{-βH} from the Taylor reference, H from the
 * Kronecker reference. Error budget: both are backward stable to a few
 * D ε ‖βH‖ (D = 16, ε = 2.2e-16, ‖βH‖ <= 25 here: ~1e-13) relative to the
 * largest entry of e^{-βH} (<= e^{β‖H‖} before normalising, so relative is
 * what survives the division by Z), and the scaling and squaring adds
 * ~2^s ε with s <= 7: 1e-10 is two orders above both. A wrong sign of β,
 * a missing √p in the ZHERK, V in place of V† or an unshifted overflow
 * moves entries by ~0.1 or gives NaN. Also: trace 1, Hermitian, spectrum
 * = the Boltzmann weights (>= 0), ln Z. */
static void test_rho_reference(void **state)
{
    (void)state;
    gsl_rng *r = rng(9102);
    const int cases[][2] = { { 2, 1 }, { 3, 1 }, { 4, 2 } };
    const double betas[] = { 1.0, 0.3, 2.5 };
    double worst = 0.0;
    for (size_t c = 0; c < 3; c++)
        for (size_t bi = 0; bi < 3; bi++) {
            int n = cases[c][0];
            size_t D = (size_t)1 << n;
            double beta = betas[bi];
            qnn_qbm *q = make(n, cases[c][1], beta);
            char err[200];
            assert_int_equal(qnn_qbm_init_theta(q, r, 0, err, sizeof err), QNN_QBM_OK);
            const qnn_cplx *rho = qnn_qbm_rho(q);
            int K = qnn_qbm_n_params(q);
            qnn_cplx *H = ref_hamiltonian(n, K, qnn_qbm_terms(q), qnn_qbm_theta(q));
            for (size_t i = 0; i < D * D; i++)
                H[i] *= -beta;
            assert_true(max_abs(D * D, H) < 25.0 * beta + 1e-9);
            qnn_cplx *X = ref_expm(D, H);
            qnn_cplx Z = 0;
            for (size_t i = 0; i < D; i++)
                Z += X[i + i * D];
            for (size_t i = 0; i < D * D; i++)
                X[i] /= Z;
            double dev = ref_maxdiff(D * D, rho, X);
            assert_true(dev < 1e-10);
            worst = fmax(worst, dev);
            assert_true(fabs(qnn_qbm_log_partition(q) - log(creal(Z))) < 1e-10);
            qnn_cplx tr = 0;
            for (size_t i = 0; i < D; i++)
                tr += rho[i + i * D];
            assert_true(cabs(tr - 1.0) < 1e-13);
            for (size_t i = 0; i < D; i++)
                for (size_t j = 0; j < D; j++)
                    assert_true(rho[i + j * D] == conj(rho[j + i * D]));
            double *ev = malloc(D * sizeof *ev);
            ref_herm_eigs(D, rho, ev);
            /* ascending eigenvalues of ρ = the weights e^{-βE}/Z, reversed */
            const double *E = qnn_qbm_energies(q);
            for (size_t a = 0; a < D; a++) {
                double pa = exp(-beta * E[a] - qnn_qbm_log_partition(q));
                assert_true(fabs(ev[D - 1 - a] - pa) < 1e-13);
                assert_true(ev[a] > -1e-15);
            }
            free(ev);
            free(H);
            free(X);
            qnn_qbm_free(q);
        }
    printf("rho vs Taylor reference: max deviation %.2e\n", worst);
    gsl_rng_free(r);
}

/* The draw order (documented in qbm.h) reproduced by hand, and the
 * normalisation: θ_norm = θ_drawn / ‖H(θ_drawn)‖_op, so ‖H(θ_norm)‖ = 1. */
static void test_init_theta(void **state)
{
    (void)state;
    const int n = 4;
    qnn_qbm *a = make(n, 1, 1.0), *b = make(n, 1, 1.0);
    char err[200];
    gsl_rng *r1 = rng(9103), *r2 = rng(9103), *r3 = rng(9103);
    assert_int_equal(qnn_qbm_init_theta(a, r1, 0, err, sizeof err), QNN_QBM_OK);
    assert_int_equal(qnn_qbm_init_theta(b, r2, 1, err, sizeof err), QNN_QBM_OK);
    const int K = qnn_qbm_n_params(a);
    const double *ta = qnn_qbm_theta(a), *tb = qnn_qbm_theta(b);
    for (int k = 0; k < K; k++)
        assert_true(ta[k] == gsl_ran_gaussian(r3, k < 3 * n ? 0.1 : 1.0));
    assert_true(qnn_qbm_norm_scale(a) == 1.0);
    double s = qnn_qbm_norm_scale(b);
    assert_true(fabs(s - qnn_qbm_op_norm(a)) < 1e-12 * s);
    for (int k = 0; k < K; k++)
        assert_true(fabs(tb[k] * s - ta[k]) < 1e-13 * s);
    assert_true(fabs(qnn_qbm_op_norm(b) - 1.0) < 1e-14);
    /* the rescaled energies equal a fresh diagonalisation at θ_norm */
    size_t D = (size_t)1 << n;
    double *E = malloc(D * sizeof *E);
    memcpy(E, qnn_qbm_energies(b), D * sizeof *E);
    eval(b);
    for (size_t i = 0; i < D; i++)
        assert_true(fabs(E[i] - qnn_qbm_energies(b)[i]) < 1e-14);
    free(E);
    gsl_rng_free(r1);
    gsl_rng_free(r2);
    gsl_rng_free(r3);
    qnn_qbm_free(a);
    qnn_qbm_free(b);
}

/* ρ_v against the explicit partial trace of ρ (round-off only: sums of D_h
 * entries, < 1e-15), and for a product Hamiltonian H = Σ_i h_i·σ^i against
 * the closed form ρ_v = ⊗_{i < n_v} (I - tanh(β|h_i|) ĥ_i·σ)/2: swapping
 * visible and hidden bits, or a transposed ρ_v, gives O(0.1) errors.
 * f = tr(O_obj ρ_v) with O_obj built from the reference Pauli matrices. */
static void test_reduced_state(void **state)
{
    (void)state;
    gsl_rng *r = rng(9104);
    const int cases[][2] = { { 3, 1 }, { 4, 2 }, { 4, 3 }, { 3, 3 } };
    for (size_t c = 0; c < 4; c++) {
        int n = cases[c][0], nv = cases[c][1];
        size_t D = (size_t)1 << n, Dv = (size_t)1 << nv;
        qnn_qbm *q = make(n, nv, 0.8);
        char err[200];
        assert_int_equal(qnn_qbm_init_theta(q, r, 0, err, sizeof err), QNN_QBM_OK);
        qnn_cplx *a = malloc(Dv * Dv * sizeof *a), *b = malloc(Dv * Dv * sizeof *b);
        assert_int_equal(qnn_qbm_reduced_state(q, a), QNN_QBM_OK);
        partial_trace(n, nv, qnn_qbm_rho(q), b);
        assert_true(ref_maxdiff(Dv * Dv, a, b) < 1e-15);
        /* objective: two random visible strings and the identity */
        qnn_pauli P[3] = { { 0u, 0u } };
        double coef[3] = { 0.3, gsl_ran_flat(r, -1, 1), gsl_ran_flat(r, -1, 1) };
        for (int j = 1; j < 3; j++)
            P[j] = (qnn_pauli){ (uint32_t)gsl_rng_uniform_int(r, Dv), (uint32_t)gsl_rng_uniform_int(r, Dv) };
        assert_int_equal(qnn_qbm_set_objective(q, 3, coef, P, err, sizeof err), QNN_QBM_OK);
        qnn_cplx f = 0;
        for (int j = 0; j < 3; j++) {
            qnn_cplx *M = ref_pauli(P[j], nv);
            for (size_t i = 0; i < Dv; i++)
                for (size_t k = 0; k < Dv; k++)
                    f += coef[j] * M[i + k * Dv] * b[k + i * Dv];
            free(M);
        }
        assert_true(fabs(qnn_qbm_objective(q) - creal(f)) < 1e-14);
        assert_true(fabs(cimag(f)) < 1e-14);
        free(a);
        free(b);
        qnn_qbm_free(q);
        (void)D;
    }

    /* product state: onsite terms only */
    const int n = 4, nv = 2;
    const double beta = 0.7;
    qnn_qbm *q = make(n, nv, beta);
    double *th = qnn_qbm_theta(q);
    for (int k = 0; k < 3 * n; k++)
        th[k] = gsl_ran_gaussian(r, 1.0);
    eval(q);
    qnn_cplx rv[16], want[16], r0[4], r1[4];
    assert_int_equal(qnn_qbm_reduced_state(q, rv), QNN_QBM_OK);
    qnn_cplx *site[2] = { r0, r1 };
    for (int i = 0; i < nv; i++) {
        const double *h = th + 3 * i;
        double m = sqrt(h[0] * h[0] + h[1] * h[1] + h[2] * h[2]), t = tanh(beta * m) / m;
        /* (I - t h·σ)/2, column-major 2 x 2 */
        site[i][0] = 0.5 * (1.0 - t * h[2]);
        site[i][3] = 0.5 * (1.0 + t * h[2]);
        site[i][1] = -0.5 * t * (h[0] + I * h[1]);  /* (1,0) */
        site[i][2] = -0.5 * t * (h[0] - I * h[1]);  /* (0,1) */
    }
    ref_kron(2, r1, 2, r0, want);  /* qubit 1 is the more significant */
    assert_true(ref_maxdiff(16, rv, want) < 1e-14);
    qnn_qbm_free(q);
    gsl_rng_free(r);
}

/* ---- gradient ---------------------------------------------------------- */

/* Five-point central differences of g over every parameter, h = 1e-5:
 * (8[g(θ+h) - g(θ-h)] - [g(θ+2h) - g(θ-2h)]) / 12h, truncation
 * h⁴ |g⁽⁵⁾| / 30, round-off (16 + 2) δg / 12h = 1.5 δg / h for an absolute
 * error δg of one evaluation. Returns max_k |exact_k - fd_k| and the
 * largest |exact_k| in *maxg. */
static double fd_error(qnn_qbm *q, const double *exact, double (*g)(qnn_qbm *), double *maxg)
{
    const double h = 1e-5;
    double *th = qnn_qbm_theta(q), err = 0.0, mg = 0.0;
    for (int k = 0; k < qnn_qbm_n_params(q); k++) {
        double t0 = th[k], v[4];
        const double off[4] = { h, -h, 2 * h, -2 * h };
        for (int i = 0; i < 4; i++) {
            th[k] = t0 + off[i];
            eval(q);
            v[i] = g(q);
        }
        th[k] = t0;
        double fd = (8.0 * (v[0] - v[1]) - (v[2] - v[3])) / (12.0 * h);
        err = fmax(err, fabs(fd - exact[k]));
        mg = fmax(mg, fabs(exact[k]));
    }
    eval(q);
    *maxg = mg;
    return err;
}

static double objective_of(qnn_qbm *q) { return qnn_qbm_objective(q); }
static double tdist_of(qnn_qbm *q) { return qnn_qbm_trace_distance(q); }

/* The exact gradient (objective and trace distance) against finite
 * differences (fd_error), for (n, n_v) = (3, 1), (4, 2), β = 1 and 0.3,
 * with and without normalisation, O_obj = ½ I plus three random visible
 * strings with coefficients in (-1, 1) (‖O‖ <= 3.5).
 *
 * Tolerance 1e-7. Round-off: f is computed from an eigendecomposition with
 * absolute error ~ a few ε ‖βH‖ ‖O‖ (~1e-14 here; it does not cancel
 * between the shifted points, the eigensolver is not smooth in θ), so
 * 1.5 δf / h ~ 2e-9. Truncation: the k-th derivative of a Gibbs
 * expectation along a Pauli term is at most ~ ‖O‖ k! (2β)^k (one factor
 * 2β‖H_k‖ per order, as in ‖∂ρ‖₁ <= 2β‖H_k‖), so h⁴/30 · 3.5 · 120 · 32
 * ~ 5e-18. For T = ½ Σ|λ_i - 1/D_v|, smooth while every eigenvalue stays a
 * distance >= d from 1/D_v, the k-th derivative grows like k! G^k / d^(k-1)
 * (G = max|∇λ| <= 1, as for |r| with |r| >= d); the cases below have
 * d >= 1e-3 (asserted), so h⁴/30 · 120 / d⁴ <= 4e-8 even with G = 1.
 * 1e-7 is 50x the round-off and above that worst truncation. Plausible bugs — no ∂Z term, β f
 * tr(H_k ρ) with the wrong sign, O' ∘ G' transposed, G' without β,
 * Y = V† M V — give errors of the size of the gradient (0.05 .. 1 here). */
static void test_gradient_fd(void **state)
{
    (void)state;
    gsl_rng *r = rng(9105);
    const int cases[][2] = { { 3, 1 }, { 4, 2 } };
    const double betas[] = { 1.0, 0.3 };
    double worst = 0.0, worst_t = 0.0;
    for (size_t c = 0; c < 2; c++)
        for (size_t bi = 0; bi < 2; bi++)
            for (int norm = 0; norm <= 1; norm++) {
                int n = cases[c][0], nv = cases[c][1];
                size_t Dv = (size_t)1 << nv;
                qnn_qbm *q = make(n, nv, betas[bi]);
                char err[200];
                assert_int_equal(qnn_qbm_init_theta(q, r, norm, err, sizeof err), QNN_QBM_OK);
                qnn_pauli P[4] = { { 0u, 0u } };
                double coef[4] = { 0.5 };
                for (int j = 1; j < 4; j++) {
                    do
                        P[j] = (qnn_pauli){ (uint32_t)gsl_rng_uniform_int(r, Dv),
                                            (uint32_t)gsl_rng_uniform_int(r, Dv) };
                    while (qnn_pauli_is_identity(P[j]));
                    coef[j] = gsl_ran_flat(r, -1, 1);
                }
                assert_int_equal(qnn_qbm_set_objective(q, 4, coef, P, err, sizeof err), QNN_QBM_OK);
                int K = qnn_qbm_n_params(q);
                double *g = malloc((size_t)K * sizeof *g), mg, fa;
                assert_int_equal(qnn_qbm_gradient(q, g), QNN_QBM_OK);
                /* the value computed on the way is f */
                assert_int_equal(qnn_qbm_gradient_visible(q, qnn_qbm_objective_matrix(q), &fa, g),
                                 QNN_QBM_OK);
                assert_true(fabs(fa - qnn_qbm_objective(q)) < 1e-14);
                double e = fd_error(q, g, objective_of, &mg);
                printf("(n, n_v) = (%d, %d), beta = %.1f, normalise %d: f = %+.4f, max|grad f| = %.4f, "
                       "max|exact - fd| = %.2e\n", n, nv, betas[bi], norm, qnn_qbm_objective(q), mg, e);
                assert_true(e < 1e-7);
                assert_true(mg > 1e-3);
                worst = fmax(worst, e);

                double lam[4], T;
                assert_int_equal(qnn_qbm_visible_spectrum(q, lam), QNN_QBM_OK);
                for (size_t i = 0; i < Dv; i++)
                    assert_true(fabs(lam[i] - 1.0 / (double)Dv) > 1e-3);
                assert_int_equal(qnn_qbm_trace_distance_gradient(q, &T, g), QNN_QBM_OK);
                assert_true(fabs(T - qnn_qbm_trace_distance(q)) < 1e-15);
                e = fd_error(q, g, tdist_of, &mg);
                printf("    T = %.4f, max|grad T| = %.4f, max|exact - fd| = %.2e\n", T, mg, e);
                assert_true(e < 1e-7);
                assert_true(mg > 1e-3);
                worst_t = fmax(worst_t, e);
                assert_true(qnn_qbm_inf_norm((size_t)K, g) == mg);
                free(g);
                qnn_qbm_free(q);
            }
    printf("worst deviation: objective %.2e, trace distance %.2e\n", worst, worst_t);
    gsl_rng_free(r);
}

/* Degenerate and nearly degenerate spectra, against closed forms. For
 * H = Σ_i c_i Z_i the state is a product, <Z_i> = t_i = -tanh(β c_i), and
 * for O = Z_0 + X_0 the only nonzero derivatives are
 *     ∂/∂θ(Z_0)      = -β (1 - t_0²),
 *     ∂/∂θ(Z_0 Z_j)  = -β (<Z_j> - <Z_0><Z_0 Z_j>) = -β t_j (1 - t_0²)
 * (perturbations commuting with H: the classical covariance),
 *     ∂/∂θ(X_0)      = -tanh(β c_0)/c_0   (-β at c_0 = 0),
 *     ∂/∂θ(X_0 Z_j)  = t_j ∂/∂θ(X_0)
 * (qubit 0 alone: <X> = -tanh(β|h|) h_x/|h| for H = h·σ; Z_j = ±1 just
 * flips the sign of the extra X field), and every other one vanishes:
 * a π rotation about z on a qubit i maps H and Z_0 to themselves and
 * flips the sign of any term with X or Y on qubit i (for i = 0 it also
 * flips X_0, which leaves the terms with X_0 and Z_0 on qubit 0 as the
 * only survivors). The divided difference enters through X_0, which
 * joins levels 2 c_0 apart: c_0 = δ = 0 gives exactly equal energies (the
 * Δ = 0 branch), δ = 1e-13 and 1e-9 splittings below the series threshold
 * βΔ < 1e-8, δ = 1e-7 the expm1 branch with Δ ~ 1e-7, where the naive
 * (w_b - w_a)/Δ would be off by ~ ε/Δ ~ 1e-9 (worse below) against the
 * 1e-12 tolerance; c_j = 0.7 for all j >= 1 keeps the hidden levels
 * exactly degenerate. The closed forms are accurate to ~1e-16, the engine
 * to a few ε ‖βH‖ D (~1e-13).
 * θ = 0 (H = 0, one D-fold level): ρ = I/D and ∂_k f = -β tr(O P_k)/D. */
static void test_degenerate(void **state)
{
    (void)state;
    const int n = 4;
    const double deltas[] = { 0.0, 1e-13, 1e-9, 1e-7, 1e-3, 0.7 };
    const double betas[] = { 1.0, 0.3 };
    for (size_t bi = 0; bi < 2; bi++)
        for (size_t di = 0; di < 6; di++) {
            double beta = betas[bi];
            qnn_qbm *q = make(n, 1, beta);
            char err[200];
            qnn_pauli O[2] = { { 0u, 1u }, { 1u, 0u } };  /* Z_0, X_0 */
            double ones[2] = { 1.0, 1.0 };
            assert_int_equal(qnn_qbm_set_objective(q, 2, ones, O, err, sizeof err), QNN_QBM_OK);
            int K = qnn_qbm_n_params(q);
            double *th = qnn_qbm_theta(q), t[4];
            for (int i = 0; i < n; i++) {
                double ci = i == 0 ? deltas[di] : 0.7;
                th[3 * i + 2] = ci;
                t[i] = -tanh(beta * ci);
            }
            const double dx = deltas[di] == 0.0 ? -beta : -tanh(beta * deltas[di]) / deltas[di];
            eval(q);
            assert_true(fabs(qnn_qbm_objective(q) - t[0]) < 1e-14);
            double *g = malloc((size_t)K * sizeof *g), dev = 0.0;
            assert_int_equal(qnn_qbm_gradient(q, g), QNN_QBM_OK);
            const qnn_pauli *P = qnn_qbm_terms(q);
            for (int k = 0; k < K; k++) {
                double want = 0.0;
                int two = __builtin_popcount(P[k].x | P[k].z) == 2;
                int j = two ? __builtin_ctz((P[k].x | P[k].z) & ~1u) : 0;
                if (P[k].x == 0 && P[k].z == 1u)
                    want = -beta * (1 - t[0] * t[0]);
                else if (P[k].x == 1u && P[k].z == 0)
                    want = dx;
                else if (two && P[k].x == 0 && (P[k].z & 1u))
                    want = -beta * t[j] * (1 - t[0] * t[0]);
                else if (two && P[k].x == 1u && P[k].z == (1u << j))
                    want = t[j] * dx;
                dev = fmax(dev, fabs(g[k] - want));
            }
            if (dev >= 1e-12)
                printf("beta %.1f delta %g: max deviation %.2e\n", beta, deltas[di], dev);
            assert_true(dev < 1e-12);
            free(g);
            qnn_qbm_free(q);
        }

    /* θ = 0 */
    qnn_qbm *q = make(3, 2, 0.6);
    char err[200];
    qnn_pauli P[2] = { { 1u, 1u }, { 3u, 2u } };  /* Y_0, X_1 Y_0 */
    double coef[2] = { 0.8, -0.4 };
    assert_int_equal(qnn_qbm_set_objective(q, 2, coef, P, err, sizeof err), QNN_QBM_OK);
    eval(q);
    int K = qnn_qbm_n_params(q);
    double *g = malloc((size_t)K * sizeof *g);
    assert_int_equal(qnn_qbm_gradient(q, g), QNN_QBM_OK);
    const qnn_pauli *T = qnn_qbm_terms(q);
    for (int k = 0; k < K; k++) {
        double want = 0.0;
        for (int j = 0; j < 2; j++)
            if (T[k].x == P[j].x && T[k].z == P[j].z)
                want = -0.6 * coef[j];  /* tr(P P)/D = 1 */
        assert_true(fabs(g[k] - want) < 1e-14);
    }
    free(g);
    qnn_qbm_free(q);
}

/* ---- arguments --------------------------------------------------------- */

static void test_bad_arguments(void **state)
{
    (void)state;
    qnn_qbm *q = (qnn_qbm *)&q;
    char err[200] = "";
    const double bad_beta[] = { 0.0, -1.0, -0.0, NAN, INFINITY, -INFINITY };
    for (size_t i = 0; i < 6; i++) {
        err[0] = '\0';
        assert_int_equal(qnn_qbm_new(3, 1, bad_beta[i], &q, err, sizeof err), QNN_QBM_EBETA);
        assert_null(q);
        assert_non_null(strstr(err, "beta"));
        assert_non_null(strstr(err, "> 0"));
    }
    assert_int_equal(qnn_qbm_new(3, 1, -2.0, &q, NULL, 0), QNN_QBM_EBETA);
    assert_int_equal(qnn_qbm_new(0, 1, 1.0, &q, err, sizeof err), QNN_QBM_ESIZE);
    assert_int_equal(qnn_qbm_new(11, 1, 1.0, &q, err, sizeof err), QNN_QBM_ESIZE);
    assert_non_null(strstr(err, "n = 11"));
    assert_int_equal(qnn_qbm_new(3, 0, 1.0, &q, err, sizeof err), QNN_QBM_ESIZE);
    assert_int_equal(qnn_qbm_new(3, 4, 1.0, &q, err, sizeof err), QNN_QBM_ESIZE);
    assert_non_null(strstr(err, "n_v = 4"));

    q = make(3, 2, 1.0);
    double g[36], c = 1.0;
    /* not evaluated / no objective */
    assert_int_equal(qnn_qbm_gradient(q, g), QNN_QBM_ESTATE);
    assert_true(isnan(qnn_qbm_objective(q)));
    assert_true(isnan(qnn_qbm_op_norm(q)));
    assert_true(isnan(qnn_qbm_trace_distance(q)));
    assert_null(qnn_qbm_rho(q));
    eval(q);
    assert_int_equal(qnn_qbm_gradient(q, g), QNN_QBM_ESTATE);
    /* Z on qubit 2 (hidden) */
    qnn_pauli Zh = { 0u, 4u }, Zv = { 0u, 2u };
    assert_int_equal(qnn_qbm_set_objective(q, 1, &c, &Zh, err, sizeof err), QNN_QBM_EOBS);
    assert_non_null(strstr(err, "hidden"));
    assert_int_equal(qnn_qbm_set_objective(q, 0, &c, &Zv, err, sizeof err), QNN_QBM_EOBS);
    double cn = NAN;
    assert_int_equal(qnn_qbm_set_objective(q, 1, &cn, &Zv, err, sizeof err), QNN_QBM_EOBS);
    assert_int_equal(qnn_qbm_set_objective(q, 1, &c, &Zv, err, sizeof err), QNN_QBM_OK);
    /* at θ = 0, f = <Z_1> = 0 and the gradient is -β tr(Z_1 P_k)/D */
    assert_true(fabs(qnn_qbm_objective(q)) < 1e-15);
    assert_int_equal(qnn_qbm_gradient(q, g), QNN_QBM_OK);
    assert_true(fabs(g[5] + 1.0) < 1e-14);  /* term 5 = σ_z on qubit 1 */
    /* a non-finite θ is refused */
    qnn_qbm_theta(q)[3] = NAN;
    assert_int_equal(qnn_qbm_eval(q, err, sizeof err), QNN_QBM_ENOTFINITE);
    assert_non_null(strstr(err, "theta[3]"));
    assert_int_equal(qnn_qbm_gradient(q, g), QNN_QBM_ESTATE);
    qnn_qbm_free(q);
    assert_true(qnn_qbm_inf_norm(0, g) == 0.0);
    double v[3] = { 0.5, -2.0, 1.0 };
    assert_true(qnn_qbm_inf_norm(3, v) == 2.0);
}

/* ---- OME Fig. 4c trend ------------------------------------------------- */

/* With n_v = 1 and the normalised C1 ensemble (β = 1), the mean trace
 * distance ½‖ρ_v - I/2‖₁ over 200 instances falls as hidden qubits are
 * added (n = 2 .. 5). Each step is asserted with a margin of 3 combined
 * standard errors (se = sample sd/√200 per n). With 50 instances the
 * smallest step (n = 4 → 5) was measured at 4.7 combined s.e., so another
 * seed would fail a 3 s.e. margin ~5% of the time; with 200 it measures
 * 7.4 s.e., so a false failure needs a 4.4 s.e. fluctuation (p ~ 5e-6). A machine whose
 * ρ_v ignored the hidden qubits, or that did not normalise, shows no such
 * fall. */
static void test_visible_thermalises(void **state)
{
    (void)state;
    gsl_rng *r = rng(9106);
    const int N = 200;
    double mean[6], se[6];
    for (int n = 2; n <= 5; n++) {
        qnn_qbm *q = make(n, 1, 1.0);
        char err[200];
        double s1 = 0, s2 = 0;
        for (int i = 0; i < N; i++) {
            assert_int_equal(qnn_qbm_init_theta(q, r, 1, err, sizeof err), QNN_QBM_OK);
            double t = qnn_qbm_trace_distance(q);
            s1 += t;
            s2 += t * t;
        }
        mean[n] = s1 / N;
        se[n] = sqrt((s2 / N - mean[n] * mean[n]) / (N - 1));
        printf("n = %d (n_h = %d): mean T = %.5f +- %.5f\n", n, n - 1, mean[n], se[n]);
        qnn_qbm_free(q);
    }
    for (int n = 2; n < 5; n++)
        assert_true(mean[n] - mean[n + 1] > 3.0 * sqrt(se[n] * se[n] + se[n + 1] * se[n + 1]));
    gsl_rng_free(r);
}

int main(void)
{
    openblas_set_num_threads(1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_c1_terms),
        cmocka_unit_test(test_hamiltonian),
        cmocka_unit_test(test_rho_reference),
        cmocka_unit_test(test_init_theta),
        cmocka_unit_test(test_reduced_state),
        cmocka_unit_test(test_gradient_fd),
        cmocka_unit_test(test_degenerate),
        cmocka_unit_test(test_bad_arguments),
        cmocka_unit_test(test_visible_thermalises),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
