/* Tests for qnn/statevec.h against slow, plain references built here:
 * dense Pauli matrices from Kronecker products of the 2x2 Pauli matrices,
 * exp(i theta P) built densely from cos/sin (and checked against a Taylor
 * series), letter-by-letter application for large n, and plain loops for
 * the dense helpers. */
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

#include "qnn/statevec.h"
#include "qnn/simd.h"
#include "reference.h"

#define TOL 1e-12

static const char LETTERS[4] = {'I', 'X', 'Y', 'Z'};

/* ---- reference helpers --------------------------------------------------- */

static void pauli2(char c, qnn_cplx m[4]) /* column-major 2x2 */
{
    switch (c) {
    case 'I': m[0] = 1; m[1] = 0; m[2] = 0; m[3] = 1; break;
    case 'X': m[0] = 0; m[1] = 1; m[2] = 1; m[3] = 0; break;
    case 'Y': m[0] = 0; m[1] = I; m[2] = -I; m[3] = 0; break;
    case 'Z': m[0] = 1; m[1] = 0; m[2] = 0; m[3] = -1; break;
    default:
        m[0] = m[1] = m[2] = m[3] = 0;
        fail_msg("bad letter %c", c);
    }
}

static void rand_string(gsl_rng *r, int n, char *s)
{
    for (int i = 0; i < n; i++)
        s[i] = LETTERS[gsl_rng_uniform_int(r, 4)];
    s[n] = '\0';
}

/* exp(i theta P) = cos(theta) 1 + i sin(theta) P, built densely. */
static void dense_exp(size_t D, const qnn_cplx *P, double theta, qnn_cplx *E)
{
    for (size_t r = 0; r < D; r++)
        for (size_t c = 0; c < D; c++)
            E[r + c * D] = (r == c ? cos(theta) : 0.0) + I * sin(theta) * P[r + c * D];
}

/* exp(i theta P) by Taylor series, independent of P^2 = 1. */
static void taylor_exp(size_t D, const qnn_cplx *P, double theta, qnn_cplx *E)
{
    qnn_cplx *term = calloc(D * D, sizeof *term), *tmp = malloc(sizeof *tmp * D * D);
    for (size_t i = 0; i < D; i++)
        term[i + i * D] = 1;
    memcpy(E, term, sizeof *E * D * D);
    for (int k = 1; k < 40; k++) {
        ref_matmul(D, term, P, tmp);
        for (size_t i = 0; i < D * D; i++)
            term[i] = tmp[i] * (I * theta) / k;
        for (size_t i = 0; i < D * D; i++)
            E[i] += term[i];
    }
    free(term);
    free(tmp);
}

/* Checks every primitive for string s against the dense reference. */
static void check_string_dense(gsl_rng *r, const char *s, int n)
{
    const size_t D = (size_t)1 << n;
    qnn_pauli p;
    assert_int_equal(qnn_pauli_parse(s, n, &p), 0);
    qnn_cplx *P = ref_pauli_letters(s, n);
    qnn_cplx *a = malloc(sizeof *a * D), *b = malloc(sizeof *b * D);
    qnn_cplx *out = malloc(sizeof *out * D), *ref = malloc(sizeof *ref * D);
    qnn_cplx *E = malloc(sizeof *E * D * D);
    ref_random_state(r, D, a);
    ref_random_state(r, D, b);

    /* sanity of the reference itself: P Hermitian, ny counts Y letters */
    for (size_t i = 0; i < D; i++)
        for (size_t j = 0; j < D; j++)
            assert_true(cabs(P[i + j * D] - conj(P[j + i * D])) < TOL);
    int ny = 0;
    for (int i = 0; i < n; i++)
        ny += s[i] == 'Y' || s[i] == 'y';
    assert_int_equal(qnn_pauli_ny(p), ny);
    assert_int_equal(qnn_pauli_is_identity(p), strspn(s, "Ii") == (size_t)n);

    /* apply */
    qnn_pauli_apply(p, n, b, out);
    ref_matvec(D, P, b, ref);
    assert_true(ref_maxdiff(D, out, ref) < TOL);

    /* rotate */
    const double thetas[4] = {0.3, -1.1, 1.5707963267948966 + 0.2, 2.5};
    for (int t = 0; t < 4; t++) {
        dense_exp(D, P, thetas[t], E);
        ref_matvec(D, E, b, ref);
        memcpy(out, b, sizeof *out * D);
        qnn_pauli_rotate(p, n, thetas[t], out);
        if (ref_maxdiff(D, out, ref) >= TOL)
            fail_msg("rotate %s theta %g: diff %g", s, thetas[t], ref_maxdiff(D, out, ref));
    }

    /* inner and expect */
    ref_matvec(D, P, b, ref);
    qnn_cplx want = 0;
    for (size_t i = 0; i < D; i++)
        want += conj(a[i]) * ref[i];
    assert_true(cabs(qnn_pauli_inner(p, n, a, b) - want) < TOL);
    ref_matvec(D, P, a, ref);
    qnn_cplx ew = 0;
    for (size_t i = 0; i < D; i++)
        ew += conj(a[i]) * ref[i];
    assert_true(fabs(cimag(ew)) < TOL);
    assert_true(fabs(qnn_pauli_expect(p, n, a) - creal(ew)) < TOL);

    free(P);
    free(a);
    free(b);
    free(out);
    free(ref);
    free(E);
}

/* ---- tests ---------------------------------------------------------------- */

static void test_ny_identity(void **state)
{
    (void)state;
    qnn_pauli id = {0, 0}, y = {5, 7};
    assert_true(qnn_pauli_is_identity(id));
    assert_false(qnn_pauli_is_identity(y));
    assert_int_equal(qnn_pauli_ny(id), 0);
    assert_int_equal(qnn_pauli_ny(y), 2);
    qnn_pauli zonly = {0, 1}, xonly = {1, 0};
    assert_false(qnn_pauli_is_identity(zonly));
    assert_false(qnn_pauli_is_identity(xonly));
}

static void test_parse_known(void **state)
{
    (void)state;
    qnn_pauli p;
    assert_int_equal(qnn_pauli_parse("XIZ", 3, &p), 0);
    assert_int_equal(p.x, 4u);
    assert_int_equal(p.z, 1u);
    assert_int_equal(qnn_pauli_parse("yI", 2, &p), 0);
    assert_int_equal(p.x, 2u);
    assert_int_equal(p.z, 2u);
    assert_int_equal(qnn_pauli_parse("", 0, &p), 0);
    assert_true(qnn_pauli_is_identity(p));
    char buf[8];
    qnn_pauli q = {1u, 3u}; /* Y on qubit 0, Z on qubit 1 */
    qnn_pauli_format(q, 3, buf);
    assert_string_equal(buf, "IZY");
}

static void test_parse_format_roundtrip(void **state)
{
    (void)state;
    char s[32], lower[32], buf[32];
    for (int n = 1; n <= 4; n++) {
        const size_t count = (size_t)1 << (2 * n);
        for (size_t code = 0; code < count; code++) {
            for (int i = 0; i < n; i++) {
                s[i] = LETTERS[(code >> (2 * i)) & 3];
                lower[i] = (char)(s[i] - 'A' + 'a');
            }
            s[n] = lower[n] = '\0';
            qnn_pauli p, q;
            assert_int_equal(qnn_pauli_parse(s, n, &p), 0);
            qnn_pauli_format(p, n, buf);
            assert_string_equal(buf, s);
            assert_int_equal(qnn_pauli_parse(lower, n, &q), 0);
            assert_int_equal(p.x, q.x);
            assert_int_equal(p.z, q.z);
        }
    }
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 11);
    for (int t = 0; t < 200; t++) {
        rand_string(r, QNN_MAX_QUBITS, s);
        qnn_pauli p;
        assert_int_equal(qnn_pauli_parse(s, QNN_MAX_QUBITS, &p), 0);
        qnn_pauli_format(p, QNN_MAX_QUBITS, buf);
        assert_string_equal(buf, s);
    }
    gsl_rng_free(r);
}

static void test_parse_rejects(void **state)
{
    (void)state;
    qnn_pauli p = {123u, 456u};
    assert_int_equal(qnn_pauli_parse("XQZ", 3, &p), -1);
    assert_int_equal(qnn_pauli_parse("XX", 3, &p), -1);
    assert_int_equal(qnn_pauli_parse("XXXX", 3, &p), -1);
    assert_int_equal(qnn_pauli_parse("", 1, &p), -1);
    assert_int_equal(qnn_pauli_parse("X Y", 3, &p), -1);
    assert_int_equal(qnn_pauli_parse("+X", 2, &p), -1);
    assert_int_equal(qnn_pauli_parse("X\n", 2, &p), -1);
    assert_int_equal(qnn_pauli_parse("1X", 2, &p), -1);
    assert_int_equal(qnn_pauli_parse(NULL, 2, &p), -1);
    assert_int_equal(qnn_pauli_parse("X", -1, &p), -1);
    assert_int_equal(qnn_pauli_parse("XXXXXXXXXXXXXXXXXXXXXXXXX", 25, &p), -1);
    /* *out is left alone on failure */
    assert_int_equal(p.x, 123u);
    assert_int_equal(p.z, 456u);
}

static void test_taylor_matches_cos_sin(void **state)
{
    (void)state;
    const char *strs[] = {"X", "Y", "Z", "XY", "ZZ", "YI", "XYZ"};
    for (size_t k = 0; k < sizeof strs / sizeof *strs; k++) {
        int n = (int)strlen(strs[k]);
        size_t D = (size_t)1 << n;
        qnn_cplx *P = ref_pauli_letters(strs[k], n);
        qnn_cplx *E1 = malloc(sizeof *E1 * D * D), *E2 = malloc(sizeof *E2 * D * D);
        dense_exp(D, P, 0.7, E1);
        taylor_exp(D, P, 0.7, E2);
        assert_true(ref_maxdiff(D * D, E1, E2) < 1e-13);
        free(P);
        free(E1);
        free(E2);
    }
}

static void test_all_strings_dense(void **state)
{
    (void)state;
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 2024);
    char s[8];
    for (int n = 1; n <= 3; n++) {
        const size_t count = (size_t)1 << (2 * n);
        for (size_t code = 0; code < count; code++) {
            for (int i = 0; i < n; i++)
                s[i] = LETTERS[(code >> (2 * i)) & 3];
            s[n] = '\0';
            check_string_dense(r, s, n);
        }
    }
    gsl_rng_free(r);
}

static void test_random_strings_dense(void **state)
{
    (void)state;
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 77);
    char s[16];
    const int ns[2] = {5, 7};
    for (int k = 0; k < 2; k++) {
        const int n = ns[k];
        /* fixed shapes: identity, all X/Y/Z, one high X, high+low X */
        for (int f = 0; f < 4; f++) {
            memset(s, LETTERS[f], (size_t)n);
            s[n] = '\0';
            check_string_dense(r, s, n);
        }
        memset(s, 'I', (size_t)n);
        s[0] = 'X';
        check_string_dense(r, s, n);
        s[n - 1] = 'Y';
        check_string_dense(r, s, n);
        s[n - 1] = 'I';
        s[n - 4] = 'Z';
        s[n - 5 < 0 ? 0 : n - 5] = 'Y';
        check_string_dense(r, s, n);
        for (int t = 0; t < 60; t++) {
            rand_string(r, n, s);
            check_string_dense(r, s, n);
        }
    }
    gsl_rng_free(r);
}

/* Reference for large n: apply the letters one qubit at a time. */
static void sequential_apply(const char *s, int n, const qnn_cplx *in, qnn_cplx *out)
{
    const size_t D = (size_t)1 << n;
    qnn_cplx *tmp = malloc(sizeof *tmp * D);
    memcpy(out, in, sizeof *out * D);
    for (int i = 0; i < n; i++) {
        const int q = n - 1 - i;
        const size_t bit = (size_t)1 << q;
        qnn_cplx m[4];
        pauli2(s[i], m);
        for (size_t b = 0; b < D; b++) {
            const size_t b0 = b & ~bit, b1 = b | bit;
            const size_t row = (b >> q) & 1;
            tmp[b] = m[row + 0 * 2] * out[b0] + m[row + 1 * 2] * out[b1];
        }
        memcpy(out, tmp, sizeof *out * D);
    }
    free(tmp);
}

static void check_string_sequential(gsl_rng *r, const char *s, int n)
{
    const size_t D = (size_t)1 << n;
    qnn_pauli p;
    assert_int_equal(qnn_pauli_parse(s, n, &p), 0);
    qnn_cplx *a = malloc(sizeof *a * D), *Pa = malloc(sizeof *Pa * D);
    qnn_cplx *out = malloc(sizeof *out * D), *b = malloc(sizeof *b * D);
    ref_random_state(r, D, a);
    ref_random_state(r, D, b);
    sequential_apply(s, n, a, Pa);

    qnn_pauli_apply(p, n, a, out);
    assert_true(ref_maxdiff(D, out, Pa) < TOL);

    const double theta = 0.41;
    memcpy(out, a, sizeof *out * D);
    qnn_pauli_rotate(p, n, theta, out);
    double m = 0.0;
    for (size_t i = 0; i < D; i++) {
        double d = cabs(out[i] - (cos(theta) * a[i] + I * sin(theta) * Pa[i]));
        if (d > m)
            m = d;
    }
    if (m >= TOL)
        fail_msg("rotate %s: diff %g", s, m);

    qnn_cplx want = 0;
    for (size_t i = 0; i < D; i++)
        want += conj(b[i]) * Pa[i];
    assert_true(cabs(qnn_pauli_inner(p, n, b, a) - want) < TOL);
    free(a);
    free(Pa);
    free(out);
    free(b);
}

static void test_large_n_sequential(void **state)
{
    (void)state;
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 5);
    const int n = 12;
    const char *fixed[] = {
        "XIIIIIIIIIII", "ZZZZZZZZZZZZ", "ZIIIIIIIIIIZ", "IIIIIIIIIIIZ", "ZIIIIIIIIIII",
        "XIIIIIIIIIIX", "YIIIIIIIYIII", "XZXZXZXZXZXZ", "YYYYYYYYYYYY", "IIIIIIIIIIII",
        "IYZIIIIZZIII",
    };
    for (size_t k = 0; k < sizeof fixed / sizeof *fixed; k++)
        check_string_sequential(r, fixed[k], n);
    char s[32];
    for (int t = 0; t < 20; t++) {
        rand_string(r, n, s);
        check_string_sequential(r, s, n);
    }
    gsl_rng_free(r);
}

/* X masks chosen to reach every walk of qnn_pauli_rotate at n = 11..13
 * (tiles of 1024 amplitudes): pairs inside a tile with short or long runs,
 * with or without the touch pass; pairs across tiles with full, permuted
 * or short runs, in order, descending or scrambled. Each with a few Z
 * masks (none, random, all). */
static void rotate_walks(void)
{
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 6);
    const uint32_t xs[] = {
        0x1, 0x3, 0x5, 0x8, 0x10, 0x18, 0x20, 0x30, 0x201, 0x299, 0x200, 0x240, 0x3ff,
        0x400, 0x401, 0x403, 0x40f, 0x410, 0x4f0, 0x599, 0x600, 0x7ff,
        0x800, 0xc00, 0x803, 0x80f, 0x810, 0x8f0, 0x999, 0xfff, 0x1000, 0x1801, 0x1fff,
    };
    char s[32];
    for (int n = 11; n <= 13; n++) {
        const uint32_t full = ((uint32_t)1 << n) - 1;
        for (size_t k = 0; k < sizeof xs / sizeof *xs; k++) {
            if (xs[k] > full)
                continue;
            for (int zk = 0; zk < 3; zk++) {
                uint32_t z = zk == 0 ? 0 : zk == 1 ? (uint32_t)gsl_rng_get(r) & full : full;
                qnn_pauli p = {xs[k], z};
                qnn_pauli_format(p, n, s);
                check_string_sequential(r, s, n);
            }
        }
        for (int t = 0; t < 10; t++) {
            rand_string(r, n, s);
            check_string_sequential(r, s, n);
        }
    }
    gsl_rng_free(r);
}

static void test_rotate_walks(void **state)
{
    (void)state;
    rotate_walks();
}

/* Every SIMD level (qnn_simd_set): the vector walks of qnn_pauli_rotate
 * (partner lanes permuted inside a register, registers paired across the
 * state) against the dense reference for every x/z pattern at n = 2..4,
 * against the letter-by-letter reference for every x (z none, random, all,
 * = x) at n = 5..7 (at n = 8 those below 32 and every 7th), and on every
 * tile walk at n = 11..13. */
static void test_rotate_simd_levels(void **state)
{
    (void)state;
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 8);
    char s[32];
    /* under the sanitizers (QNN_SANITIZED, ~10x slower): n = 2..3 dense,
     * x below 8 then every 5th at n = 5..8 */
    const int quick = getenv("QNN_SANITIZED") != NULL;
    for (int level = 0; level <= qnn_simd_max(); level++) {
        qnn_simd_set(level);
        assert_int_equal(qnn_simd_level(), level);
        for (int n = 2; n <= (quick ? 3 : 4); n++) {
            const uint32_t full = ((uint32_t)1 << n) - 1;
            for (uint32_t x = 0; x <= full; x++)
                for (uint32_t z = 0; z <= full; z++) {
                    qnn_pauli p = {x, z};
                    qnn_pauli_format(p, n, s);
                    check_string_dense(r, s, n);
                }
        }
        for (int n = 5; n <= 8; n++) {
            const uint32_t full = ((uint32_t)1 << n) - 1;
            /* n = 8: every x below 32 (the low bits), then every 7th */
            const uint32_t step = quick ? 5 : 7, dense = quick ? 8 : n < 8 ? full + 1 : 32;
            for (uint32_t x = 1; x <= full; x += x < dense ? 1 : step)
                for (int zk = 0; zk < 4; zk++) {
                    const uint32_t z = zk == 0 ? 0 : zk == 1 ? (uint32_t)gsl_rng_get(r) & full
                                     : zk == 2 ? full : x;
                    qnn_pauli p = {x, z};
                    qnn_pauli_format(p, n, s);
                    check_string_sequential(r, s, n);
                }
        }
        rotate_walks();
    }
    qnn_simd_set(-1);
    gsl_rng_free(r);
}

static void test_vec_dot_norm(void **state)
{
    (void)state;
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 9);
    const size_t len = 37;
    qnn_cplx a[37], b[37];
    for (size_t i = 0; i < len; i++) {
        a[i] = gsl_ran_gaussian(r, 1.0) + I * gsl_ran_gaussian(r, 1.0);
        b[i] = gsl_ran_gaussian(r, 1.0) + I * gsl_ran_gaussian(r, 1.0);
    }
    qnn_cplx d = 0;
    double nn = 0.0;
    for (size_t i = 0; i < len; i++) {
        d += conj(a[i]) * b[i];
        nn += creal(a[i]) * creal(a[i]) + cimag(a[i]) * cimag(a[i]);
    }
    assert_true(cabs(qnn_vec_dot(len, a, b) - d) < TOL);
    assert_true(fabs(qnn_vec_norm2(len, a) - nn) < TOL);
    assert_true(cabs(qnn_vec_dot(0, a, b)) == 0.0);
    assert_true(qnn_vec_norm2(0, a) == 0.0);
    gsl_rng_free(r);
}

static void test_dense_apply(void **state)
{
    (void)state;
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 31);
    const size_t Ds[3] = {1, 8, 16};
    const size_t ms[2] = {1, 3};
    for (int di = 0; di < 3; di++) {
        const size_t D = Ds[di];
        qnn_cplx *A = malloc(sizeof *A * D * D);
        for (size_t i = 0; i < D * D; i++)
            A[i] = gsl_ran_gaussian(r, 1.0) + I * gsl_ran_gaussian(r, 1.0);
        for (int mi = 0; mi < 2; mi++) {
            const size_t m = ms[mi];
            qnn_cplx *in = malloc(sizeof *in * D * m), *out = malloc(sizeof *out * D * m);
            qnn_cplx *ref = malloc(sizeof *ref * D * m);
            for (size_t i = 0; i < D * m; i++)
                in[i] = gsl_ran_gaussian(r, 1.0) + I * gsl_ran_gaussian(r, 1.0);
            for (int adj = 0; adj <= 1; adj++) {
                for (size_t col = 0; col < m; col++)
                    for (size_t row = 0; row < D; row++) {
                        qnn_cplx acc = 0;
                        for (size_t k = 0; k < D; k++) {
                            qnn_cplx a = adj ? conj(A[k + row * D]) : A[row + k * D];
                            acc += a * in[k + col * D];
                        }
                        ref[row + col * D] = acc;
                    }
                for (size_t i = 0; i < D * m; i++)
                    out[i] = NAN; /* beta = 0 must overwrite */
                qnn_dense_apply(D, A, adj, m, in, out);
                if (ref_maxdiff(D * m, out, ref) >= 1e-12)
                    fail_msg("dense_apply D=%zu m=%zu adj=%d diff %g", D, m, adj,
                             ref_maxdiff(D * m, out, ref));
            }
            free(in);
            free(out);
            free(ref);
        }
        free(A);
    }
    gsl_rng_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ny_identity),
        cmocka_unit_test(test_parse_known),
        cmocka_unit_test(test_parse_format_roundtrip),
        cmocka_unit_test(test_parse_rejects),
        cmocka_unit_test(test_taylor_matches_cos_sin),
        cmocka_unit_test(test_all_strings_dense),
        cmocka_unit_test(test_random_strings_dense),
        cmocka_unit_test(test_large_n_sequential),
        cmocka_unit_test(test_rotate_walks),
        cmocka_unit_test(test_rotate_simd_levels),
        cmocka_unit_test(test_vec_dot_norm),
        cmocka_unit_test(test_dense_apply),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
