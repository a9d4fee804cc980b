/* Carleman linearisation of du/dt = F1 u + F2 (u ⊗ u) (LIU24 App. III.C,
 * Fig. 4): the matrix against the Kronecker-product derivative, exactness
 * without the quadratic term, and the two behaviours of Fig. 4 — with all
 * modes dissipative (f = 1) the error falls with the order N and vanishes
 * in time; with divergent modes (f < 1) it eventually grows. Deterministic
 * systems from fixed seeds: the margins below are orders of magnitude. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_rng.h>

#include "qnn/carleman.h"

void openblas_set_num_threads(int);

/* y = (u, u^{⊗2}, ..., u^{⊗N}) in the Kronecker order of the header */
static void lift(int n, int N, const double *u, double *y)
{
    memcpy(y, u, (size_t)n * sizeof(double));
    size_t o = (size_t)n, p = (size_t)n;
    for (int j = 2; j <= N; j++) {
        for (size_t r = 0; r < p; r++)
            for (int b = 0; b < n; b++)
                y[o + r * (size_t)n + (size_t)b] = y[o - p + r] * u[b];
        o += p * (size_t)n;
        p *= (size_t)n;
    }
}

/* For j < N the block rows of A y are d(u^{⊗j})/dt exactly: the product
 * rule with du = F1 u + F2 (u⊗u) in each slot. A misplaced slot, a
 * transposed F1 or F2 acting on the wrong pair of factors fails at O(1). */
static void test_matrix_is_the_derivative(void **state)
{
    (void)state;
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 11);
    const int n = 3, N = 4;
    qnn_quadode q;
    assert_int_equal(qnn_quadode_random(r, n, 0.5, &q), 0);
    double u[3] = { 0.3, -0.7, 0.5 }, du[3];
    for (int a = 0; a < n; a++) {
        du[a] = 0.0;
        for (int b = 0; b < n; b++)
            du[a] += q.F1[a * n + b] * u[b];
        for (int b = 0; b < n * n; b++)
            du[a] += q.F2[a * n * n + b] * u[b / n] * u[b % n];
    }
    double *A;
    size_t dim;
    assert_int_equal(qnn_carleman_matrix(&q, N, &A, &dim), 0);
    assert_int_equal((int)dim, 3 + 9 + 27 + 81);
    double *y = malloc(dim * sizeof(double)), *Ay = calloc(dim, sizeof(double));
    lift(n, N, u, y);
    for (size_t i = 0; i < dim; i++)
        for (size_t k = 0; k < dim; k++)
            Ay[i] += A[i * dim + k] * y[k];
    /* blocks 1..N-1: d/dt of u^{⊗j} = Σ_s u ⊗ .. ⊗ du ⊗ .. ⊗ u */
    size_t off = 0, p = (size_t)n;
    for (int j = 1; j < N; j++) {
        for (size_t idx = 0; idx < p; idx++) {
            int dig[8];
            size_t t = idx;
            for (int s = j - 1; s >= 0; s--) {
                dig[s] = (int)(t % (size_t)n);
                t /= (size_t)n;
            }
            double want = 0.0;
            for (int s = 0; s < j; s++) {
                double prod = 1.0;
                for (int k = 0; k < j; k++)
                    prod *= k == s ? du[dig[k]] : u[dig[k]];
                want += prod;
            }
            assert_true(fabs(Ay[off + idx] - want) < 1e-13);
        }
        off += p;
        p *= (size_t)n;
    }
    free(A);
    free(y);
    free(Ay);
    qnn_quadode_free(&q);
    gsl_rng_free(r);
}

/* Without F2 the linearisation of order 1 is exact: only the integrator's
 * tolerance (1e-13) remains. */
static void test_linear_is_exact(void **state)
{
    (void)state;
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 12);
    qnn_quadode q;
    assert_int_equal(qnn_quadode_random(r, 4, 0.75, &q), 0);
    memset(q.F2, 0, 4 * 16 * sizeof(double));
    double u0[4] = { 0.5, -0.2, 0.9, -0.4 }, T[3] = { 1, 10, 100 }, e[3];
    assert_int_equal(qnn_carleman_error(&q, u0, 1, T, 3, e, 0, NULL), 0);
    for (int k = 0; k < 3; k++)
        assert_true(e[k] < 1e-9);
    qnn_quadode_free(&q);
    gsl_rng_free(r);
}

/* LIU24 Fig. 4: n = 4, u0 ~ U(-1, 1)^4. (a) f = 1: at every time the error
 * falls with N (each order gains ~2 decades here), and by t = 200 it is
 * below a hundredth of its value at t = 10 (dissipation). (b) N = 4 with
 * f = 0.5: the divergent modes take over, the error at t = 200 exceeds ten
 * times that at t = 10. */
static void test_fig4_behaviour(void **state)
{
    (void)state;
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    const double T[6] = { 1, 5, 10, 20, 100, 200 };
    double e[5][6];
    gsl_rng_set(r, 7);
    qnn_quadode q;
    assert_int_equal(qnn_quadode_random(r, 4, 1.0, &q), 0);
    for (int i = 0; i < 4; i++)
        assert_true(q.h[i] > 0.0);
    double u0[4];
    for (int i = 0; i < 4; i++)
        u0[i] = 2.0 * gsl_rng_uniform(r) - 1.0;
    for (int N = 1; N <= 4; N++)
        assert_int_equal(qnn_carleman_error(&q, u0, N, T, 6, e[N], 0, NULL), 0);
    for (int k = 0; k < 6; k++)
        for (int N = 1; N < 4; N++)
            assert_true(e[N + 1][k] < 0.1 * e[N][k]);
    for (int N = 1; N <= 4; N++)
        assert_true(e[N][5] < 0.01 * e[N][2]);
    qnn_quadode_free(&q);

    gsl_rng_set(r, 7);
    assert_int_equal(qnn_quadode_random(r, 4, 0.5, &q), 0);
    int neg = 0;
    for (int i = 0; i < 4; i++)
        neg += q.h[i] < 0.0;
    assert_int_equal(neg, 2);
    for (int i = 0; i < 4; i++)
        u0[i] = 2.0 * gsl_rng_uniform(r) - 1.0;
    double e4[6];
    assert_int_equal(qnn_carleman_error(&q, u0, 4, T, 6, e4, 0, NULL), 0);
    printf("f = 0.5, N = 4: error %.2e at t = 10, %.2e at t = 200\n", e4[2], e4[5]);
    assert_true(e4[5] > 10.0 * e4[2]);
    qnn_quadode_free(&q);
    gsl_rng_free(r);
}

static void test_bad_arguments(void **state)
{
    (void)state;
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    qnn_quadode q;
    assert_int_equal(qnn_quadode_random(r, 4, 1.5, &q), -1);
    assert_int_equal(qnn_quadode_random(r, 4, -0.1, &q), -1);
    assert_int_equal(qnn_quadode_random(r, 0, 0.5, &q), -1);
    assert_int_equal((int)qnn_carleman_dim(10, 6, 20000), 0);
    assert_int_equal((int)qnn_carleman_dim(3, 2, 20000), 12);
    gsl_rng_free(r);
}

int main(void)
{
    openblas_set_num_threads(1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_matrix_is_the_derivative),
        cmocka_unit_test(test_linear_is_exact),
        cmocka_unit_test(test_fig4_behaviour),
        cmocka_unit_test(test_bad_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
