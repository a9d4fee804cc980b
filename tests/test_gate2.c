/* Dense 1- and 2-qubit gates (engine/src/gate2.c) on every SIMD path
 * (scalar, AVX2+FMA, AVX-512 where the CPU has them, forced with
 * qnn_simd_set) against the plain reference loops for every ordered target
 * pair and n = 2..12 (1-qubit: every qubit, n = 1..12), against the dense
 * D x D matrix of the gate (built from its definition, applied by
 * ref_matvec) for small n, G then G† back to the start for unitaries, a
 * few pairs at n = 13..17 (loop boundaries of the vector paths; the
 * prefetching beyond n = 16), and the
 * same bits for one and two kernel threads. Random complex matrices (not
 * unitary) for the linearity checks. Tolerance: rounding of four-term sums
 * (1e-13 relative to the largest amplitude). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <complex.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "qnn/gate2.h"
#include "qnn/par.h"
#include "qnn/simd.h"
#include "reference.h"

#define TOL 1e-13

static void random_matrix(gsl_rng *r, int dim, qnn_cplx *m)
{
    for (int j = 0; j < dim * dim; j++)
        m[j] = CMPLX(gsl_ran_gaussian(r, 1.0), gsl_ran_gaussian(r, 1.0));
}

/* A random unitary: Gram-Schmidt on the rows of a Gaussian matrix. */
static void random_unitary(gsl_rng *r, int dim, qnn_cplx *m)
{
    random_matrix(r, dim, m);
    for (int i = 0; i < dim; i++) {
        for (int k = 0; k < i; k++) {
            qnn_cplx d = 0;
            for (int j = 0; j < dim; j++)
                d += conj(m[k * dim + j]) * m[i * dim + j];
            for (int j = 0; j < dim; j++)
                m[i * dim + j] -= d * m[k * dim + j];
        }
        double s = 0;
        for (int j = 0; j < dim; j++)
            s += creal(m[i * dim + j] * conj(m[i * dim + j]));
        s = 1.0 / sqrt(s);
        for (int j = 0; j < dim; j++)
            m[i * dim + j] *= s;
    }
}

static double maxabs(size_t D, const qnn_cplx *v)
{
    double m = 0;
    for (size_t i = 0; i < D; i++)
        m = fmax(m, cabs(v[i]));
    return m;
}

/* |a - b| <= TOL * max|b|, with the case in the failure message. */
static void check_close(size_t D, const qnn_cplx *a, const qnn_cplx *b, const char *what, int level,
                        int n, int q0, int q1, int adj)
{
    const double d = ref_maxdiff(D, a, b), s = maxabs(D, b);
    if (!(d <= TOL * s)) {
        print_error("%s: level %s n %d q (%d, %d) adjoint %d: max diff %g (scale %g)\n", what,
                    qnn_simd_name(level), n, q0, q1, adj, d, s);
        fail();
    }
}

static int levels(int *lv)
{
    int k = 0;
    for (int l = QNN_SIMD_SCALAR; l <= qnn_simd_max(); l++)
        lv[k++] = l;
    return k;
}

static gsl_rng *rng(unsigned long seed)
{
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, seed);
    return r;
}

/* Kernel vs reference loop on one case (state x0, a random matrix), both
 * directions. */
static void one_gate2(gsl_rng *r, int level, int n, int q0, int q1, const qnn_cplx *x0, qnn_cplx *a,
                      qnn_cplx *b)
{
    const size_t D = (size_t)1 << n;
    qnn_cplx g[16];
    random_matrix(r, 4, g);
    for (int adj = 0; adj < 2; adj++) {
        memcpy(a, x0, D * sizeof *a);
        memcpy(b, x0, D * sizeof *a);
        qnn_simd_set(level);
        qnn_gate2_apply(a, n, q0, q1, g, adj);
        qnn_gate2_apply_ref(b, n, q0, q1, g, adj);
        check_close(D, a, b, "gate2 vs ref", level, n, q0, q1, adj);
    }
}

static void one_gate1(gsl_rng *r, int level, int n, int q, const qnn_cplx *x0, qnn_cplx *a,
                      qnn_cplx *b)
{
    const size_t D = (size_t)1 << n;
    qnn_cplx g[4];
    random_matrix(r, 2, g);
    for (int adj = 0; adj < 2; adj++) {
        memcpy(a, x0, D * sizeof *a);
        memcpy(b, x0, D * sizeof *a);
        qnn_simd_set(level);
        qnn_gate1_apply(a, n, q, g, adj);
        qnn_gate1_apply_ref(b, n, q, g, adj);
        check_close(D, a, b, "gate1 vs ref", level, n, q, -1, adj);
    }
}

static void test_gate2_vs_ref(void **state)
{
    (void)state;
    gsl_rng *r = rng(24);
    int lv[3];
    const int nl = levels(lv);
    qnn_cplx *a = malloc(sizeof(qnn_cplx) << 17), *b = malloc(sizeof(qnn_cplx) << 17);
    qnn_cplx *x0 = malloc(sizeof(qnn_cplx) << 17);
    for (int l = 0; l < nl; l++)
        for (int n = 2; n <= 12; n++) {
            ref_random_state(r, (size_t)1 << n, x0);
            for (int q0 = 0; q0 < n; q0++)
                for (int q1 = 0; q1 < n; q1++)
                    if (q0 != q1)
                        one_gate2(r, lv[l], n, q0, q1, x0, a, b);
        }
    /* loop boundaries of the vector paths at larger n; n = 17: with
     * prefetches (states beyond L2) */
    for (int l = 0; l < nl; l++)
        for (int n = 13; n <= 17; n++) {
            ref_random_state(r, (size_t)1 << n, x0);
            /* the first four: one of each case (both in-register, qubit 1
             * or 0 in-register, both across) */
            const int pairs[][2] = {{0, 1}, {n - 1, 1}, {5, n - 3}, {0, n - 1},
                                    {1, 0}, {2, 3}, {n - 1, n - 2}, {1, n - 1}};
            for (int k = 0; k < (n == 17 ? 4 : 8); k++)
                one_gate2(r, lv[l], n, pairs[k][0], pairs[k][1], x0, a, b);
        }
    qnn_simd_set(-1);
    free(a);
    free(b);
    free(x0);
    gsl_rng_free(r);
}

static void test_gate1_vs_ref(void **state)
{
    (void)state;
    gsl_rng *r = rng(241);
    int lv[3];
    const int nl = levels(lv);
    qnn_cplx *a = malloc(sizeof(qnn_cplx) << 17), *b = malloc(sizeof(qnn_cplx) << 17);
    qnn_cplx *x0 = malloc(sizeof(qnn_cplx) << 17);
    for (int l = 0; l < nl; l++) {
        for (int n = 1; n <= 12; n++) {
            ref_random_state(r, (size_t)1 << n, x0);
            for (int q = 0; q < n; q++)
                one_gate1(r, lv[l], n, q, x0, a, b);
        }
        for (int n = 13; n <= 17; n++) {
            ref_random_state(r, (size_t)1 << n, x0);
            const int qs[] = {0, n - 1, 1, 2};
            for (int k = 0; k < (n == 17 ? 2 : 4); k++)
                one_gate1(r, lv[l], n, qs[k], x0, a, b);
        }
    }
    qnn_simd_set(-1);
    free(a);
    free(b);
    free(x0);
    gsl_rng_free(r);
}

/* Local index of basis state i for targets q[0 .. nt-1] (bit t = bit q[t]). */
static size_t local(size_t i, int nt, const int *q)
{
    size_t l = 0;
    for (int t = 0; t < nt; t++)
        l |= ((i >> q[t]) & 1) << t;
    return l;
}

/* The gate's D x D column-major matrix from its definition: <r|U|c> =
 * g[l(r)][l(c)] when r and c agree off the targets, else 0. */
static void dense(int n, int nt, const int *q, const qnn_cplx *g, int adj, qnn_cplx *U)
{
    const size_t D = (size_t)1 << n, dim = (size_t)1 << nt;
    size_t tm = 0;
    for (int t = 0; t < nt; t++)
        tm |= (size_t)1 << q[t];
    for (size_t c = 0; c < D; c++)
        for (size_t rr = 0; rr < D; rr++) {
            qnn_cplx e = 0;
            if ((rr & ~tm) == (c & ~tm)) {
                const size_t lr = local(rr, nt, q), lc = local(c, nt, q);
                e = adj ? conj(g[lc * dim + lr]) : g[lr * dim + lc];
            }
            U[rr + c * D] = e;
        }
}

static void test_dense_reference(void **state)
{
    (void)state;
    gsl_rng *r = rng(2424);
    int lv[3];
    const int nl = levels(lv);
    const size_t DM = 32;
    qnn_cplx *U = malloc(DM * DM * sizeof *U), x[32], y[32], z[32], g[16];
    for (int l = 0; l < nl; l++)
        for (int n = 1; n <= 5; n++) {
            const size_t D = (size_t)1 << n;
            for (int q0 = 0; q0 < n; q0++)
                for (int q1 = -1; q1 < n; q1++) {
                    if (q1 == q0)
                        continue;
                    const int nt = q1 < 0 ? 1 : 2, q[2] = {q0, q1};
                    random_matrix(r, 1 << nt, g);
                    for (int adj = 0; adj < 2; adj++) {
                        ref_random_state(r, D, x);
                        dense(n, nt, q, g, adj, U);
                        ref_matvec(D, U, x, y);
                        memcpy(z, x, D * sizeof *x);
                        qnn_simd_set(lv[l]);
                        if (nt == 2)
                            qnn_gate2_apply(z, n, q0, q1, g, adj);
                        else
                            qnn_gate1_apply(z, n, q0, g, adj);
                        check_close(D, z, y, "vs dense", lv[l], n, q0, q1, adj);
                    }
                }
        }
    qnn_simd_set(-1);
    free(U);
    gsl_rng_free(r);
}

/* G then G† gives the state back (unitary G). */
static void test_adjoint_roundtrip(void **state)
{
    (void)state;
    gsl_rng *r = rng(42);
    int lv[3];
    const int nl = levels(lv);
    const int n = 9;
    const size_t D = (size_t)1 << n;
    qnn_cplx *a = malloc(D * sizeof *a), *b = malloc(D * sizeof *b), g[16];
    for (int l = 0; l < nl; l++) {
        qnn_simd_set(lv[l]);
        for (int q0 = 0; q0 < n; q0++)
            for (int q1 = 0; q1 < n; q1++) {
                ref_random_state(r, D, a);
                memcpy(b, a, D * sizeof *a);
                if (q0 == q1) {
                    random_unitary(r, 2, g);
                    qnn_gate1_apply(a, n, q0, g, 0);
                    assert_true(ref_maxdiff(D, a, b) > 1e-6); /* it did something */
                    qnn_gate1_apply(a, n, q0, g, 1);
                } else {
                    random_unitary(r, 4, g);
                    qnn_gate2_apply(a, n, q0, q1, g, 0);
                    assert_true(ref_maxdiff(D, a, b) > 1e-6);
                    qnn_gate2_apply(a, n, q0, q1, g, 1);
                }
                check_close(D, a, b, "G then G^dagger", lv[l], n, q0, q1, 2);
            }
    }
    qnn_simd_set(-1);
    free(a);
    free(b);
    gsl_rng_free(r);
}

/* One and two kernel threads give the same bits on every path. */
static void test_threads_bitwise(void **state)
{
    (void)state;
    gsl_rng *r = rng(7);
    int lv[3];
    const int nl = levels(lv);
    const int n = 14;
    const size_t D = (size_t)1 << n;
    qnn_cplx *a = malloc(D * sizeof *a), *b = malloc(D * sizeof *b), g[16];
    const int pairs[][2] = {{0, 1}, {1, 5}, {0, 13}, {12, 7}, {3, 2}};
    for (int l = 0; l < nl; l++) {
        qnn_simd_set(lv[l]);
        for (size_t k = 0; k < sizeof pairs / sizeof pairs[0]; k++) {
            random_matrix(r, 4, g);
            ref_random_state(r, D, a);
            memcpy(b, a, D * sizeof *a);
            qnn_par_set_threads(1);
            qnn_gate2_apply(a, n, pairs[k][0], pairs[k][1], g, 0);
            qnn_gate1_apply(a, n, pairs[k][1], g, 1);
            qnn_par_set_threads(2);
            qnn_gate2_apply(b, n, pairs[k][0], pairs[k][1], g, 0);
            qnn_gate1_apply(b, n, pairs[k][1], g, 1);
            assert_memory_equal(a, b, D * sizeof *a);
        }
    }
    qnn_par_set_threads(1);
    qnn_simd_set(-1);
    free(a);
    free(b);
    gsl_rng_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gate2_vs_ref),
        cmocka_unit_test(test_gate1_vs_ref),
        cmocka_unit_test(test_dense_reference),
        cmocka_unit_test(test_adjoint_roundtrip),
        cmocka_unit_test(test_threads_bitwise),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
