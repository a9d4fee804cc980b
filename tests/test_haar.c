/* Tests for qnn/haar.h: unitarity, the documented draw order and phase fix
 * (U^dagger G upper triangular with a positive diagonal), low moments of
 * the Haar law at D = 4, and brickwork circuits against a dense reference
 * built here from Kronecker products of independently re-drawn gates, and
 * the fused brickwork path (qnn/fuse.h) against the gate-by-gate one. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <complex.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "qnn/fuse.h"
#include "qnn/haar.h"
#include "qnn/simd.h"
#include "reference.h"

/* ---- helpers ---------------------------------------------------------------- */

static gsl_rng *new_rng(unsigned long seed)
{
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    assert_non_null(r);
    gsl_rng_set(r, seed);
    return r;
}

/* C = A^dagger B. */
static void matmul_adj(size_t D, const qnn_cplx *A, const qnn_cplx *B, qnn_cplx *C)
{
    for (size_t r = 0; r < D; r++)
        for (size_t c = 0; c < D; c++) {
            qnn_cplx acc = 0;
            for (size_t k = 0; k < D; k++)
                acc += conj(A[k + r * D]) * B[k + c * D];
            C[r + c * D] = acc;
        }
}

/* Frobenius norm of U^dagger U - 1 (which = 0) or U U^dagger - 1. */
static double unitarity_error(size_t D, const qnn_cplx *U, int which)
{
    double s = 0.0;
    for (size_t r = 0; r < D; r++)
        for (size_t c = 0; c < D; c++) {
            qnn_cplx acc = 0;
            for (size_t k = 0; k < D; k++)
                acc += which == 0 ? conj(U[k + r * D]) * U[k + c * D]
                                  : U[r + k * D] * conj(U[c + k * D]);
            if (r == c)
                acc -= 1;
            s += creal(acc) * creal(acc) + cimag(acc) * cimag(acc);
        }
    return sqrt(s);
}

/* ---- Haar unitaries ----------------------------------------------------------- */

static void test_unitarity(void **state)
{
    (void)state;
    gsl_rng *r = new_rng(1);
    assert_int_equal(qnn_haar_unitary(r, 0, NULL), 0); /* nothing to fill */
    const size_t Ds[5] = {1, 2, 4, 16, 64};
    for (int k = 0; k < 5; k++) {
        const size_t D = Ds[k];
        qnn_cplx *U = malloc(sizeof *U * D * D);
        for (int t = 0; t < 5; t++) {
            assert_int_equal(qnn_haar_unitary(r, D, U), 0);
            double e0 = unitarity_error(D, U, 0), e1 = unitarity_error(D, U, 1);
            if (e0 >= 1e-12 || e1 >= 1e-12)
                fail_msg("D=%zu: |U^dag U - 1| = %g, |U U^dag - 1| = %g", D, e0, e1);
        }
        free(U);
    }
    gsl_rng_free(r);
}

static void test_reproducible(void **state)
{
    (void)state;
    const size_t D = 8;
    qnn_cplx U1[64], U2[64], U3[64];
    gsl_rng *r1 = new_rng(42), *r2 = new_rng(42);
    assert_int_equal(qnn_haar_unitary(r1, D, U1), 0);
    assert_int_equal(qnn_haar_unitary(r2, D, U2), 0);
    assert_memory_equal(U1, U2, sizeof U1);
    assert_int_equal(qnn_haar_unitary(r1, D, U3), 0);
    assert_true(ref_maxdiff(D * D, U1, U3) > 1e-3);
    /* exactly 2 D^2 gaussians were consumed */
    for (size_t i = 0; i < 2 * D * D; i++)
        (void)gsl_ran_gaussian(r2, 1.0);
    assert_int_equal(gsl_rng_get(r1), gsl_rng_get(r2));
    gsl_rng_free(r1);
    gsl_rng_free(r2);
}

/* Redraws the Ginibre matrix in the documented order and checks that
 * U^dagger G = R' is upper triangular with a real positive diagonal, which
 * is what Q diag(R_jj/|R_jj|) means (G = Q R = U R'). */
static void test_draw_order_and_phase_fix(void **state)
{
    (void)state;
    const size_t Ds[4] = {1, 2, 4, 16};
    for (int k = 0; k < 4; k++) {
        const size_t D = Ds[k];
        qnn_cplx *U = malloc(sizeof *U * D * D), *G = malloc(sizeof *G * D * D);
        qnn_cplx *Rp = malloc(sizeof *Rp * D * D);
        gsl_rng *r1 = new_rng(100 + (unsigned long)k), *r2 = new_rng(100 + (unsigned long)k);
        assert_int_equal(qnn_haar_unitary(r1, D, U), 0);
        for (size_t i = 0; i < D; i++) /* row-major, real then imaginary */
            for (size_t j = 0; j < D; j++) {
                double re = gsl_ran_gaussian(r2, 1.0) / sqrt(2.0);
                double im = gsl_ran_gaussian(r2, 1.0) / sqrt(2.0);
                G[i + j * D] = re + I * im;
            }
        matmul_adj(D, U, G, Rp);
        for (size_t i = 0; i < D; i++) {
            for (size_t j = 0; j < i; j++)
                assert_true(cabs(Rp[i + j * D]) < 1e-12);
            assert_true(creal(Rp[i + i * D]) > 0.0);
            assert_true(fabs(cimag(Rp[i + i * D])) < 1e-12);
        }
        /* and U R' reproduces G */
        qnn_cplx *G2 = malloc(sizeof *G2 * D * D);
        ref_matmul(D, U, Rp, G2);
        assert_true(ref_maxdiff(D * D, G, G2) < 1e-12);
        free(G2);
        free(U);
        free(G);
        free(Rp);
        gsl_rng_free(r1);
        gsl_rng_free(r2);
    }
}

/* Mean and standard error of a sample. */
static void mean_se(const double *x, size_t N, double *mean, double *se)
{
    double m = 0.0;
    for (size_t i = 0; i < N; i++)
        m += x[i];
    m /= (double)N;
    double v = 0.0;
    for (size_t i = 0; i < N; i++)
        v += (x[i] - m) * (x[i] - m);
    v /= (double)(N - 1);
    *mean = m;
    *se = sqrt(v / (double)N);
}

static void expect_moment(const char *name, const double *x, size_t N, double want)
{
    double m, se;
    mean_se(x, N, &m, &se);
    print_message("  %-28s mean %+.6f  want %+.6f  (%.2f se)\n", name, m, want,
                  se > 0 ? (m - want) / se : 0.0);
    if (fabs(m - want) > 4.0 * se)
        fail_msg("%s: mean %g, want %g, 4 se = %g", name, m, want, 4.0 * se);
}

static void test_two_design_moments(void **state)
{
    (void)state;
    const size_t D = 4, N = 20000;
    const double d = (double)D;
    double *m2 = malloc(sizeof *m2 * N), *m4 = malloc(sizeof *m4 * N);
    double *m22 = malloc(sizeof *m22 * N), *wre = malloc(sizeof *wre * N);
    double *wim = malloc(sizeof *wim * N), *u00re = malloc(sizeof *u00re * N);
    double *u00im = malloc(sizeof *u00im * N);
    qnn_cplx U[16];
    gsl_rng *r = new_rng(7);
    for (size_t s = 0; s < N; s++) {
        assert_int_equal(qnn_haar_unitary(r, D, U), 0);
        const qnn_cplx u00 = U[0], u11 = U[1 + D], u01 = U[0 + D], u10 = U[1];
        const double a = creal(u00 * conj(u00)), b = creal(u11 * conj(u11));
        m2[s] = a;
        m4[s] = a * a;
        m22[s] = a * b;
        const qnn_cplx w = u00 * u11 * conj(u01 * u10);
        wre[s] = creal(w);
        wim[s] = cimag(w);
        u00re[s] = creal(u00);
        u00im[s] = cimag(u00);
    }
    expect_moment("E|U00|^2", m2, N, 1.0 / d);
    expect_moment("E|U00|^4", m4, N, 2.0 / (d * (d + 1.0)));
    expect_moment("E|U00|^2|U11|^2", m22, N, 1.0 / (d * d - 1.0));
    expect_moment("Re E[U00 U11 conj(U01 U10)]", wre, N, -1.0 / (d * (d * d - 1.0)));
    expect_moment("Im E[U00 U11 conj(U01 U10)]", wim, N, 0.0);
    expect_moment("Re E[U00]", u00re, N, 0.0);
    expect_moment("Im E[U00]", u00im, N, 0.0);
    gsl_rng_free(r);
    free(m2);
    free(m4);
    free(m22);
    free(wre);
    free(wim);
    free(u00re);
    free(u00im);
}

/* ---- brickwork ------------------------------------------------------------------ */

static size_t ref_gates_in_layer(int n, int j)
{
    if (n == 1)
        return 1;
    size_t c = 0;
    for (int k = j % 2; k + 1 < n; k += 2)
        c++;
    return c;
}

/* Dense unitary of a brickwork, from gates re-drawn with a copy of the
 * seed in the documented order; layer matrices are Kronecker products
 * written from the top qubit down. */
static qnn_cplx *ref_brickwork(unsigned long seed, int n, int depth)
{
    const size_t D = (size_t)1 << n;
    gsl_rng *r = new_rng(seed);
    qnn_cplx *U = calloc(D * D, sizeof *U), *tmp = malloc(sizeof *tmp * D * D);
    for (size_t i = 0; i < D; i++)
        U[i + i * D] = 1;
    const qnn_cplx id2[4] = {1, 0, 0, 1};
    for (int j = 0; j < depth; j++) {
        const size_t cnt = ref_gates_in_layer(n, j);
        const size_t gd = n == 1 ? 2 : 4;
        qnn_cplx *gates = malloc(sizeof *gates * cnt * gd * gd);
        for (size_t g = 0; g < cnt; g++)
            assert_int_equal(qnn_haar_unitary(r, gd, gates + g * gd * gd), 0);
        qnn_cplx *L = malloc(sizeof *L);
        size_t dl = 1;
        L[0] = 1;
        int q = n - 1;
        while (q >= 0) {
            const int k = q - 1; /* a gate on (q-1, q)? */
            const qnn_cplx *f;
            size_t df;
            if (n == 1) {
                f = gates;
                df = 2;
                q -= 1;
            } else if (k >= j % 2 && (k - j % 2) % 2 == 0) {
                f = gates + (size_t)((k - j % 2) / 2) * 16;
                df = 4;
                q -= 2;
            } else {
                f = id2;
                df = 2;
                q -= 1;
            }
            qnn_cplx *L2 = malloc(sizeof *L2 * dl * df * dl * df);
            ref_kron(dl, L, df, f, L2);
            free(L);
            L = L2;
            dl *= df;
        }
        assert_int_equal(dl, D);
        ref_matmul(D, L, U, tmp); /* U <- L U */
        memcpy(U, tmp, sizeof *U * D * D);
        free(L);
        free(gates);
    }
    free(tmp);
    gsl_rng_free(r);
    return U;
}

static void test_brickwork_vs_dense(void **state)
{
    (void)state;
    const int ns[4] = {1, 2, 3, 5};
    for (int ni = 0; ni < 4; ni++) {
        const int n = ns[ni];
        const size_t D = (size_t)1 << n;
        for (int depth = 0; depth <= 4; depth++) {
            const unsigned long seed = 1000u + 10u * (unsigned long)n + (unsigned long)depth;
            gsl_rng *r = new_rng(seed);
            qnn_brickwork *bw = qnn_brickwork_new(r, n, depth);
            assert_non_null(bw);
            qnn_cplx *U = ref_brickwork(seed, n, depth);

            size_t want_gates = 0;
            for (int j = 0; j < depth; j++)
                want_gates += ref_gates_in_layer(n, j);
            assert_int_equal(qnn_brickwork_gate_count(bw), want_gates);
            assert_true(qnn_brickwork_bytes(n, depth) >=
                        want_gates * (n == 1 ? 4 : 16) * sizeof(qnn_cplx));

            qnn_cplx *psi = malloc(sizeof *psi * D), *col = malloc(sizeof *col * D);
            for (size_t c = 0; c < D; c++) {
                memset(psi, 0, sizeof *psi * D);
                psi[c] = 1;
                qnn_brickwork_apply(bw, 0, psi);
                for (size_t i = 0; i < D; i++)
                    col[i] = U[i + c * D];
                if (ref_maxdiff(D, psi, col) >= 1e-12)
                    fail_msg("n=%d depth=%d column %zu: diff %g", n, depth, c,
                             ref_maxdiff(D, psi, col));
                memset(psi, 0, sizeof *psi * D);
                psi[c] = 1;
                qnn_brickwork_apply_path(bw, 0, psi, 1); /* the fused plan */
                if (ref_maxdiff(D, psi, col) >= 1e-12)
                    fail_msg("n=%d depth=%d column %zu fused: diff %g", n, depth, c,
                             ref_maxdiff(D, psi, col));
                memset(psi, 0, sizeof *psi * D);
                psi[c] = 1;
                qnn_brickwork_apply(bw, 1, psi);
                for (size_t i = 0; i < D; i++)
                    col[i] = conj(U[c + i * D]);
                if (ref_maxdiff(D, psi, col) >= 1e-12)
                    fail_msg("n=%d depth=%d adjoint column %zu: diff %g", n, depth, c,
                             ref_maxdiff(D, psi, col));
            }
            /* adjoint o apply = identity on random states, both orders */
            qnn_cplx *v0 = malloc(sizeof *v0 * D);
            for (int t = 0; t < 3; t++) {
                ref_random_state(r, D, v0);
                memcpy(psi, v0, sizeof *psi * D);
                qnn_brickwork_apply(bw, 0, psi);
                qnn_brickwork_apply(bw, 1, psi);
                assert_true(ref_maxdiff(D, psi, v0) < 1e-12);
                qnn_brickwork_apply(bw, 1, psi);
                qnn_brickwork_apply(bw, 0, psi);
                assert_true(ref_maxdiff(D, psi, v0) < 1e-12);
            }
            free(v0);
            free(psi);
            free(col);
            free(U);
            qnn_brickwork_free(bw);
            gsl_rng_free(r);
        }
    }
}

static void test_brickwork_large_inverse(void **state)
{
    (void)state;
    /* n = 12: exercises strides up to 2^10 in the gate kernel */
    const int n = 12, depth = 5;
    const size_t D = (size_t)1 << n;
    gsl_rng *r = new_rng(3);
    qnn_brickwork *bw = qnn_brickwork_new(r, n, depth);
    assert_non_null(bw);
    qnn_cplx *v0 = malloc(sizeof *v0 * D), *psi = malloc(sizeof *psi * D);
    ref_random_state(r, D, v0);
    memcpy(psi, v0, sizeof *psi * D);
    qnn_brickwork_apply(bw, 0, psi);
    double nrm = 0.0;
    for (size_t i = 0; i < D; i++)
        nrm += creal(psi[i] * conj(psi[i]));
    assert_true(fabs(nrm - 1.0) < 1e-12);
    assert_true(ref_maxdiff(D, psi, v0) > 1e-3);
    qnn_brickwork_apply(bw, 1, psi);
    assert_true(ref_maxdiff(D, psi, v0) < 1e-12);
    free(v0);
    free(psi);
    qnn_brickwork_free(bw);
    gsl_rng_free(r);
}

/* Fused and gate-by-gate paths agree to 1e-13 (forward and adjoint, every
 * SIMD level), from n = 1 to 16 (n ≥ 15: the block kernels), and the
 * automatic choice is one of them. */
static void test_brickwork_fused_vs_unfused(void **state)
{
    (void)state;
    gsl_rng *r = new_rng(9);
    const int depths[3] = {1, 2, 5};
    for (int n = 1; n <= 16; n++) {
        const size_t D = (size_t)1 << n;
        qnn_cplx *v0 = malloc(sizeof *v0 * D), *a = malloc(sizeof *a * D);
        qnn_cplx *b = malloc(sizeof *b * D), *c = malloc(sizeof *c * D);
        for (int di = 0; di < 3; di++) {
            if (n >= 9 && (di != 1 || n != 15) && getenv("QNN_SANITIZED"))
                continue; /* sanitizers: depth 2 at n = 15 only among the large */
            qnn_brickwork *bw = qnn_brickwork_new(r, n, depths[di]);
            assert_non_null(bw);
            ref_random_state(r, D, v0);
            for (int level = 0; level <= qnn_simd_max(); level++) {
                qnn_simd_set(level);
                for (int adjoint = 0; adjoint <= 1; adjoint++) {
                    memcpy(a, v0, sizeof *a * D);
                    memcpy(b, v0, sizeof *b * D);
                    memcpy(c, v0, sizeof *c * D);
                    qnn_brickwork_apply_path(bw, adjoint, a, 1);
                    qnn_brickwork_apply_path(bw, adjoint, b, 0);
                    qnn_brickwork_apply(bw, adjoint, c);
                    const double d = ref_maxdiff(D, a, b);
                    if (!(d <= 1e-13))
                        fail_msg("n=%d depth=%d %s level %s: fused vs unfused %g", n,
                                 depths[di], adjoint ? "adjoint" : "forward",
                                 qnn_simd_name(level), d);
                    assert_true(memcmp(c, a, sizeof *a * D) == 0 ||
                                memcmp(c, b, sizeof *b * D) == 0);
                }
            }
            qnn_simd_set(-1);
            /* the plan is counted in the bytes */
            assert_true(qnn_brickwork_bytes(n, depths[di]) >=
                        qnn_brickwork_gate_count(bw) * (n == 1 ? 4 : 16) * sizeof(qnn_cplx) +
                            (n >= 2 ? qnn_fused_bytes(qnn_brickwork_gate_count(bw)) : 0));
            qnn_brickwork_free(bw);
        }
        free(v0);
        free(a);
        free(b);
        free(c);
    }
    gsl_rng_free(r);
}

static void test_brickwork_invalid(void **state)
{
    (void)state;
    gsl_rng *r = new_rng(4);
    assert_null(qnn_brickwork_new(r, 0, 3));
    assert_null(qnn_brickwork_new(r, 2, -1));
    assert_null(qnn_brickwork_new(r, QNN_MAX_QUBITS + 1, 1));
    assert_int_equal(qnn_brickwork_bytes(0, 1), 0);
    qnn_brickwork_free(NULL);
    gsl_rng_free(r);
}

static void test_brickwork_one_design(void **state)
{
    (void)state;
    const int n = 4, depth = 8; /* depth >= 2n */
    const size_t D = (size_t)1 << n, N = 5000;
    double *x = malloc(sizeof *x * N);
    qnn_cplx psi[16];
    gsl_rng *r = new_rng(8);
    for (size_t s = 0; s < N; s++) {
        qnn_brickwork *bw = qnn_brickwork_new(r, n, depth);
        assert_non_null(bw);
        memset(psi, 0, sizeof psi);
        psi[0] = 1;
        qnn_brickwork_apply(bw, 0, psi);
        x[s] = creal(psi[0] * conj(psi[0]));
        qnn_brickwork_free(bw);
    }
    expect_moment("E|<0|B|0>|^2 (n=4)", x, N, 1.0 / (double)D);
    free(x);
    gsl_rng_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unitarity),
        cmocka_unit_test(test_reproducible),
        cmocka_unit_test(test_draw_order_and_phase_fix),
        cmocka_unit_test(test_two_design_moments),
        cmocka_unit_test(test_brickwork_vs_dense),
        cmocka_unit_test(test_brickwork_large_inverse),
        cmocka_unit_test(test_brickwork_fused_vs_unfused),
        cmocka_unit_test(test_brickwork_invalid),
        cmocka_unit_test(test_brickwork_one_design),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
