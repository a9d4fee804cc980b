/* Tests for qnn/fuse.h: the planner's blocks (at most kmax qubits, the
 * expected count for a brickwork), and the fused application against the
 * gates applied one by one with qnn/gate2.h's reference loops and, for
 * small n, against the dense product of the gates' full matrices
 * (tests/reference.c), forwards and adjoint, for random sequences of 1-
 * and 2-qubit gates on arbitrary (non-neighbour, reversed) pairs, kmax
 * 2 .. 5, n = 1 .. 16 (n ≥ 15 reaches the block kernels: contiguous
 * slices of 2^14 amplitudes, row tiles in place, and the gate-by-gate
 * fallback), on every SIMD level; and the result bit-identical for 1 and
 * 2 kernel threads. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <complex.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_rng.h>

#include "qnn/fuse.h"
#include "qnn/gate2.h"
#include "qnn/haar.h"
#include "qnn/par.h"
#include "qnn/simd.h"
#include "reference.h"

/* A random sequence: 2-qubit gates on random distinct pairs (either
 * order), a quarter 1-qubit gates, Haar-random matrices. */
typedef struct {
    size_t ng;
    qnn_gate_ref *refs;
    qnn_cplx *mats;
} seq;

static void seq_random(seq *s, gsl_rng *r, int n, size_t ng)
{
    s->ng = ng;
    s->refs = calloc(ng ? ng : 1, sizeof *s->refs);
    s->mats = calloc(16 * (ng ? ng : 1), sizeof *s->mats);
    assert_non_null(s->refs);
    assert_non_null(s->mats);
    for (size_t i = 0; i < ng; i++) {
        qnn_gate_ref *g = &s->refs[i];
        g->q0 = (int)gsl_rng_uniform_int(r, (unsigned long)n);
        g->q1 = -1;
        if (n > 1 && gsl_rng_uniform(r) < 0.75) {
            do
                g->q1 = (int)gsl_rng_uniform_int(r, (unsigned long)n);
            while (g->q1 == g->q0);
        }
        assert_int_equal(qnn_haar_unitary(r, g->q1 < 0 ? 2 : 4, s->mats + 16 * i), 0);
        g->g = s->mats + 16 * i;
    }
}

static void seq_free(seq *s)
{
    free(s->refs);
    free(s->mats);
}

/* The reference: the gates one by one (reversed and adjoint when asked)
 * with the plain loops. */
static void seq_apply_ref(const seq *s, int n, qnn_cplx *psi, int adjoint)
{
    for (size_t k = 0; k < s->ng; k++) {
        const qnn_gate_ref *g = &s->refs[adjoint ? s->ng - 1 - k : k];
        if (g->q1 < 0)
            qnn_gate1_apply_ref(psi, n, g->q0, g->g, adjoint);
        else
            qnn_gate2_apply_ref(psi, n, g->q0, g->q1, g->g, adjoint);
    }
}

/* The full D x D (column-major) matrix of one gate: entry (i, j) is
 * g[l(i)][l(j)] when i and j agree off the gate's qubits, with l the
 * local index (bit q1 << 1) | bit q0 of qnn/gate2.h. */
static void dense_gate(int n, const qnn_gate_ref *g, qnn_cplx *M)
{
    const size_t D = (size_t)1 << n;
    const size_t m0 = (size_t)1 << g->q0, m1 = g->q1 < 0 ? 0 : (size_t)1 << g->q1;
    const int dim = g->q1 < 0 ? 2 : 4;
    for (size_t j = 0; j < D; j++)
        for (size_t i = 0; i < D; i++) {
            qnn_cplx v = 0;
            if ((i & ~(m0 | m1)) == (j & ~(m0 | m1))) {
                const int li = (int)(!!(i & m0)) | (m1 && (i & m1) ? 2 : 0);
                const int lj = (int)(!!(j & m0)) | (m1 && (j & m1) ? 2 : 0);
                v = g->g[li * dim + lj];
            }
            M[i + j * D] = v;
        }
}

static gsl_rng *new_rng(unsigned long seed)
{
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    assert_non_null(r);
    gsl_rng_set(r, seed);
    return r;
}

static int quiet_scale(void)
{
    return getenv("QNN_SANITIZED") ? 1 : 3;
}

/* ---- planner ------------------------------------------------------------------- */

static void test_plan_limits(void **state)
{
    (void)state;
    gsl_rng *r = new_rng(11);
    qnn_cplx g[16] = {1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1};
    qnn_gate_ref bad = {0, 3, g};
    assert_null(qnn_fused_new(3, 1, &bad, 4));       /* qubit out of range */
    bad.q1 = 0;
    assert_null(qnn_fused_new(3, 1, &bad, 4));       /* same qubit twice */
    bad.q1 = 1;
    assert_null(qnn_fused_new(3, 1, &bad, 1));       /* kmax < 2 */
    assert_null(qnn_fused_new(3, 1, &bad, 6));       /* kmax > 5 */
    assert_null(qnn_fused_new(0, 0, NULL, 4));
    qnn_fused *f0 = qnn_fused_new(3, 0, NULL, 4);    /* the identity */
    assert_non_null(f0);
    assert_int_equal(qnn_fused_blocks(f0), 0);
    qnn_cplx psi[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    qnn_fused_apply(f0, psi, 0);
    assert_true(creal(psi[7]) == 8.0);
    qnn_fused_free(f0);
    qnn_fused_free(NULL);

    for (int kmax = 2; kmax <= 5; kmax++)
        for (int n = 2; n <= 12; n++) {
            seq s;
            seq_random(&s, r, n, 40);
            qnn_fused *f = qnn_fused_new(n, s.ng, s.refs, kmax);
            assert_non_null(f);
            const size_t nb = qnn_fused_blocks(f);
            assert_true(nb >= 1 && nb <= s.ng);
            for (size_t b = 0; b < nb; b++) {
                const int k = qnn_fused_block_qubits(f, b);
                assert_true(k >= 1 && k <= kmax && k <= n);
            }
            assert_true(qnn_fused_bytes(s.ng) > s.ng * 16 * sizeof(qnn_cplx));
            qnn_fused_free(f);
            seq_free(&s);
        }
    gsl_rng_free(r);
}

/* A depth-2 brickwork layer at n = 10, 9 gates: kmax = 5 gives 3 blocks
 * ({0..3}, {4..7}, {3,4,7,8,9}: a crossing gate joins the later block
 * with the smaller union), kmax = 4 gives 4, kmax = 3 gives 5 (each
 * layer-0 gate with the crossing gate after it) and kmax = 2 one block
 * per gate. */
static void test_plan_brickwork(void **state)
{
    (void)state;
    const int n = 10;
    qnn_cplx g[16] = {1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1};
    qnn_gate_ref refs[9];
    size_t ng = 0;
    for (int j = 0; j < 2; j++)
        for (int k = j; k + 1 < n; k += 2)
            refs[ng++] = (qnn_gate_ref){k, k + 1, g};
    assert_int_equal(ng, 9);
    const size_t want[6] = {0, 0, 9, 5, 4, 3}; /* kmax 2 .. 5 */
    for (int kmax = 2; kmax <= 5; kmax++) {
        qnn_fused *f = qnn_fused_new(n, ng, refs, kmax);
        assert_non_null(f);
        if (qnn_fused_blocks(f) != want[kmax])
            fail_msg("kmax %d: %zu blocks, want %zu", kmax, qnn_fused_blocks(f), want[kmax]);
        qnn_fused_free(f);
    }
}

/* ---- application ------------------------------------------------------------- */

/* Fused vs the gate-by-gate reference on one random state, both ways. */
static void check_seq(const seq *s, int n, int kmax, gsl_rng *r, const char *what)
{
    const size_t D = (size_t)1 << n;
    qnn_cplx *v0 = malloc(sizeof *v0 * D), *a = malloc(sizeof *a * D), *b = malloc(sizeof *b * D);
    assert_non_null(v0);
    assert_non_null(a);
    assert_non_null(b);
    qnn_fused *f = qnn_fused_new(n, s->ng, s->refs, kmax);
    assert_non_null(f);
    ref_random_state(r, D, v0);
    for (int adjoint = 0; adjoint <= 1; adjoint++) {
        memcpy(b, v0, sizeof *b * D);
        seq_apply_ref(s, n, b, adjoint);
        for (int level = 0; level <= qnn_simd_max(); level++) {
            qnn_simd_set(level);
            memcpy(a, v0, sizeof *a * D);
            qnn_fused_apply(f, a, adjoint);
            const double d = ref_maxdiff(D, a, b);
            if (!(d <= 1e-13))
                fail_msg("%s: n=%d kmax=%d %s level %s: max diff %g (%zu gates, %zu blocks)",
                         what, n, kmax, adjoint ? "adjoint" : "forward", qnn_simd_name(level), d,
                         s->ng, qnn_fused_blocks(f));
        }
    }
    qnn_simd_set(-1);
    qnn_fused_free(f);
    free(v0);
    free(a);
    free(b);
}

static void test_random_sequences(void **state)
{
    (void)state;
    gsl_rng *r = new_rng(21);
    for (int n = 1; n <= (quiet_scale() == 1 ? 15 : 16); n++)
        for (int kmax = 2; kmax <= 5; kmax++) {
            if (n >= 13 && kmax != 5 && quiet_scale() == 1) /* sanitizers: fewer */
                continue;
            seq s;
            seq_random(&s, r, n, n >= 15 ? 12 : 24);
            check_seq(&s, n, kmax, r, "random");
            seq_free(&s);
        }
    gsl_rng_free(r);
}

/* Hand-made blocks at n = 16 that reach each path: all qubits below the
 * slice size (contiguous slices), high qubits only (rows in place, runs of
 * 32), qubit 0 with high ones (gate by gate), qubit 1 with high ones (rows
 * in place on AVX2 and scalar, gate by gate on AVX-512), qubit 2 with high
 * ones (runs of 4), 1-qubit gates inside blocks, reversed pairs. */
static void test_tiled_paths(void **state)
{
    (void)state;
    const int n = quiet_scale() == 1 ? 15 : 16; /* qubits ≥ 11 below: n - 16 + q */
    static const int pairs[][10] = {
        {0, 1, 2, 3, 1, 2, 3, 4, 4, 0},            /* slices */
        {15, 14, 12, 13, 14, 13, 11, 15, 12, -1},  /* rows in place */
        {0, 15, 14, 1, 15, 14, 1, 0, 15, -1},      /* qubit 0 and high */
        {1, 15, 14, 13, 15, 1, 13, -1, 14, 15},    /* qubit 1 and high */
        {2, 15, 3, 14, 2, 3, 15, 14, 14, -1},      /* runs of 4 */
    };
    gsl_rng *r = new_rng(31);
    for (size_t t = 0; t < sizeof pairs / sizeof pairs[0]; t++) {
        seq s;
        seq_random(&s, r, n, 5);
        for (size_t i = 0; i < 5; i++) {
            const int q0 = pairs[t][2 * i], q1 = pairs[t][2 * i + 1];
            s.refs[i].q0 = q0 >= 11 ? q0 - 16 + n : q0;
            s.refs[i].q1 = q1 >= 11 ? q1 - 16 + n : q1;
            assert_int_equal(qnn_haar_unitary(r, s.refs[i].q1 < 0 ? 2 : 4, s.mats + 16 * i), 0);
        }
        for (int kmax = quiet_scale() == 1 ? 5 : 4; kmax <= 5; kmax++) {
            qnn_fused *f = qnn_fused_new(n, s.ng, s.refs, kmax);
            assert_non_null(f);
            assert_true(qnn_fused_blocks(f) <= 3);
            qnn_fused_free(f);
            check_seq(&s, n, kmax, r, "tiled");
        }
        seq_free(&s);
    }
    gsl_rng_free(r);
}

/* Blocks of more gates than one pass takes (64): 150 (70 under the
 * sanitizers) gates on 3 qubits,
 * high ones (row tiles) and low ones (slices). */
static void test_long_blocks(void **state)
{
    (void)state;
    const int n = quiet_scale() == 1 ? 15 : 16;
    const int sets[2][3] = {{2, n - 2, n - 1}, {0, 1, 5}};
    gsl_rng *r = new_rng(61);
    for (int t = 0; t < 2; t++) {
        seq s;
        seq_random(&s, r, n, quiet_scale() == 1 ? 70 : 150);
        for (size_t i = 0; i < s.ng; i++) {
            const int a = (int)gsl_rng_uniform_int(r, 3);
            const int b = (a + 1 + (int)gsl_rng_uniform_int(r, 2)) % 3;
            s.refs[i].q0 = sets[t][a];
            s.refs[i].q1 = i % 4 == 3 ? -1 : sets[t][b];
            assert_int_equal(qnn_haar_unitary(r, s.refs[i].q1 < 0 ? 2 : 4, s.mats + 16 * i), 0);
        }
        qnn_fused *f = qnn_fused_new(n, s.ng, s.refs, 3);
        assert_non_null(f);
        assert_int_equal(qnn_fused_blocks(f), 1);
        qnn_fused_free(f);
        check_seq(&s, n, 3, r, "long block");
        seq_free(&s);
    }
    gsl_rng_free(r);
}

/* Dense reference: the product of the gates' full matrices, n = 2 .. 6. */
static void test_dense_reference(void **state)
{
    (void)state;
    gsl_rng *r = new_rng(41);
    for (int n = 2; n <= 6; n++) {
        const size_t D = (size_t)1 << n;
        seq s;
        seq_random(&s, r, n, 16);
        qnn_cplx *U = ref_identity(D), *M = malloc(sizeof *M * D * D);
        qnn_cplx *T = malloc(sizeof *T * D * D);
        for (size_t i = 0; i < s.ng; i++) {
            dense_gate(n, &s.refs[i], M);
            ref_matmul(D, M, U, T);
            memcpy(U, T, sizeof *U * D * D);
        }
        qnn_cplx *x = malloc(sizeof *x * D), *y = malloc(sizeof *y * D), *z = malloc(sizeof *z * D);
        for (int kmax = 2; kmax <= 5; kmax++) {
            qnn_fused *f = qnn_fused_new(n, s.ng, s.refs, kmax);
            assert_non_null(f);
            ref_random_state(r, D, x);
            memcpy(y, x, sizeof *y * D);
            qnn_fused_apply(f, y, 0);
            ref_matvec(D, U, x, z);
            assert_true(ref_maxdiff(D, y, z) <= 1e-13);
            /* adjoint: U† x */
            for (size_t i = 0; i < D; i++)
                for (size_t j = 0; j < D; j++)
                    T[i + j * D] = conj(U[j + i * D]);
            memcpy(y, x, sizeof *y * D);
            qnn_fused_apply(f, y, 1);
            ref_matvec(D, T, x, z);
            assert_true(ref_maxdiff(D, y, z) <= 1e-13);
            qnn_fused_free(f);
        }
        free(x);
        free(y);
        free(z);
        free(U);
        free(M);
        free(T);
        seq_free(&s);
    }
    gsl_rng_free(r);
}

/* Kernel threads: 1 and 2 give the same bits on every level. */
static void test_threads_bitwise(void **state)
{
    (void)state;
    gsl_rng *r = new_rng(51);
    const int n = quiet_scale() == 1 ? 15 : 16;
    const size_t D = (size_t)1 << n;
    seq s;
    seq_random(&s, r, n, 20);
    qnn_fused *f = qnn_fused_new(n, s.ng, s.refs, 5);
    assert_non_null(f);
    qnn_cplx *a = malloc(sizeof *a * D), *b = malloc(sizeof *b * D);
    for (int level = 0; level <= qnn_simd_max(); level++) {
        qnn_simd_set(level);
        ref_random_state(r, D, a);
        memcpy(b, a, sizeof *a * D);
        qnn_par_set_threads(1);
        qnn_fused_apply(f, a, 0);
        qnn_fused_apply(f, a, 1);
        qnn_par_set_threads(2);
        qnn_fused_apply(f, b, 0);
        qnn_fused_apply(f, b, 1);
        qnn_par_set_threads(1);
        assert_memory_equal(a, b, sizeof *a * D);
    }
    qnn_simd_set(-1);
    qnn_fused_free(f);
    free(a);
    free(b);
    seq_free(&s);
    gsl_rng_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plan_limits),
        cmocka_unit_test(test_plan_brickwork),
        cmocka_unit_test(test_random_sequences),
        cmocka_unit_test(test_tiled_paths),
        cmocka_unit_test(test_long_blocks),
        cmocka_unit_test(test_dense_reference),
        cmocka_unit_test(test_threads_bitwise),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
