/* Pauli sums (engine/src/pauli_sum.c) and the built-in circuit families
 * (engine/src/ansatz.c): parsing, refusals, the text round trip, O ψ and
 * <ψ|O|ψ> against dense matrices; the HEA's and QAOA's gates and
 * parameters; the QAOA state against dense exponentials (through a small
 * gate-by-gate reference simulator written here, independent of
 * qsim.c); the angle encoding. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <complex.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gsl/gsl_complex_math.h>
#include <gsl/gsl_eigen.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_rng.h>

#include "qnn/ansatz.h"
#include "qnn/pauli_sum.h"
#include "qnn/qasm.h"
#include "qnn/qcircuit.h"
#include "qnn/statevec.h"
#include "reference.h"

/* ---- helpers -------------------------------------------------------- */

static qnn_pauli pstr(const char *s)
{
    qnn_pauli p;
    assert_int_equal(qnn_pauli_parse(s, (int)strlen(s), &p), 0);
    return p;
}

/* The coefficient of string s in sum (0 when absent). */
static double coef_of(const qnn_pauli_sum *sum, const char *s)
{
    qnn_pauli p = pstr(s);
    for (int k = 0; k < sum->nterms; k++)
        if (sum->P[k].x == p.x && sum->P[k].z == p.z)
            return sum->c[k];
    return 0.0;
}

static void parse_ok(const char *text, int n, qnn_pauli_sum *s)
{
    char err[512] = "";
    int rc = qnn_pauli_sum_parse(text, n, "key 'measure'", s, NULL, err, sizeof err);
    if (rc != 0)
        fail_msg("'%s' refused: %s", text, err);
}

/* The dense matrix of a sum. */
static qnn_cplx *dense_sum(const qnn_pauli_sum *s)
{
    size_t D = (size_t)1 << s->n;
    qnn_cplx *O = calloc(D * D, sizeof *O);
    for (int k = 0; k < s->nterms; k++) {
        qnn_cplx *P = ref_pauli(s->P[k], s->n);
        for (size_t i = 0; i < D * D; i++)
            O[i] += s->c[k] * P[i];
        free(P);
    }
    return O;
}

/* exp(-i t H) of a Hermitian column-major D x D matrix by its
 * eigen-decomposition (GSL). */
static qnn_cplx *herm_exp(size_t D, const qnn_cplx *H, double t)
{
    /* spare rows against OpenBLAS 0.3.21's zdot over-read (as ref_herm_eigs) */
    gsl_matrix_complex *Ab = gsl_matrix_complex_alloc(D + 1, D), *Vb = gsl_matrix_complex_alloc(D + 1, D);
    gsl_matrix_complex_view Av = gsl_matrix_complex_submatrix(Ab, 0, 0, D, D),
                            Vv = gsl_matrix_complex_submatrix(Vb, 0, 0, D, D);
    gsl_matrix_complex *A = &Av.matrix, *V = &Vv.matrix;
    gsl_vector *ev = gsl_vector_alloc(D + 1);
    gsl_vector_view evv = gsl_vector_subvector(ev, 0, D);
    gsl_eigen_hermv_workspace *w = gsl_eigen_hermv_alloc(D);
    for (size_t r = 0; r < D; r++)
        for (size_t c = 0; c < D; c++) {
            qnn_cplx v = H[r + c * D];
            gsl_matrix_complex_set(A, r, c, gsl_complex_rect(creal(v), cimag(v)));
        }
    assert_int_equal(gsl_eigen_hermv(A, &evv.vector, V, w), 0);
    qnn_cplx *E = calloc(D * D, sizeof *E);
    for (size_t r = 0; r < D; r++)
        for (size_t c = 0; c < D; c++) {
            qnn_cplx sum = 0;
            for (size_t k = 0; k < D; k++) {
                gsl_complex a = gsl_matrix_complex_get(V, r, k), b = gsl_matrix_complex_get(V, c, k);
                qnn_cplx va = GSL_REAL(a) + I * GSL_IMAG(a), vb = GSL_REAL(b) + I * GSL_IMAG(b);
                sum += va * cexp(-I * t * gsl_vector_get(ev, k)) * conj(vb);
            }
            E[r + c * D] = sum;
        }
    gsl_eigen_hermv_free(w);
    gsl_vector_free(ev);
    gsl_matrix_complex_free(Vb);
    gsl_matrix_complex_free(Ab);
    return E;
}

/* ---- a reference simulator for the gates the families use ----------- */

static void apply1(int n, qnn_cplx *psi, int q, const qnn_cplx u[4]) /* u row-major */
{
    size_t D = (size_t)1 << n, bit = (size_t)1 << q;
    for (size_t b = 0; b < D; b++)
        if (!(b & bit)) {
            qnn_cplx a0 = psi[b], a1 = psi[b | bit];
            psi[b] = u[0] * a0 + u[1] * a1;
            psi[b | bit] = u[2] * a0 + u[3] * a1;
        }
}

static void ref_run_qc(const qnn_qc *qc, const double *theta, const double *x, qnn_cplx *psi)
{
    size_t D = (size_t)1 << qc->n;
    for (size_t b = 0; b < D; b++)
        psi[b] = b == 0;
    const double h = 1.0 / sqrt(2.0);
    for (int g = 0; g < qc->ngates; g++) {
        const qnn_gate *G = &qc->gates[g];
        double t = G->angle[0] >= 0 ? qnn_expr_eval(qc, G->angle[0], theta, x, -1, NULL) : 0.0;
        double c = cos(t / 2), s = sin(t / 2);
        qnn_cplx u[4];
        switch (G->kind) {
        case QNN_G_H: u[0] = h; u[1] = h; u[2] = h; u[3] = -h; break;
        case QNN_G_S: u[0] = 1; u[1] = 0; u[2] = 0; u[3] = I; break;
        case QNN_G_SDG: u[0] = 1; u[1] = 0; u[2] = 0; u[3] = -I; break;
        case QNN_G_RX: u[0] = c; u[1] = -I * s; u[2] = -I * s; u[3] = c; break;
        case QNN_G_RY: u[0] = c; u[1] = -s; u[2] = s; u[3] = c; break;
        case QNN_G_RZ: u[0] = cexp(-I * t / 2); u[1] = 0; u[2] = 0; u[3] = cexp(I * t / 2); break;
        case QNN_G_CX:
        case QNN_G_CZ: {
            size_t cb = (size_t)1 << G->q[0], tb = (size_t)1 << G->q[1];
            for (size_t b = 0; b < D; b++)
                if ((b & cb) && !(b & tb)) {
                    if (G->kind == QNN_G_CX) {
                        qnn_cplx tmp = psi[b];
                        psi[b] = psi[b | tb];
                        psi[b | tb] = tmp;
                    } else {
                        psi[b | tb] = -psi[b | tb];
                    }
                }
            continue;
        }
        default:
            fail_msg("gate kind %d not in the reference simulator", (int)G->kind);
            return;
        }
        apply1(qc->n, psi, G->q[0], u);
    }
}

/* ---- Pauli sums: parsing --------------------------------------------- */

static void test_parse_dense(void **st)
{
    (void)st;
    qnn_pauli_sum s;
    parse_ok("0.5*ZZII - 0.2*XIII + IIIZ", 4, &s);
    assert_int_equal(s.n, 4);
    assert_int_equal(s.nterms, 3);
    assert_true(s.P[0].x == pstr("ZZII").x && s.P[0].z == pstr("ZZII").z);
    assert_true(s.c[0] == 0.5 && s.c[1] == -0.2 && s.c[2] == 1.0);
    assert_true(coef_of(&s, "XIII") == -0.2);
    qnn_pauli_sum_free(&s);
    /* leading sign, either case, spaces and line breaks, exponents */
    parse_ok("  -2.5e-1 * zzi\n\t+ 3.*IXy  -  .5 *YYY ", 3, &s);
    assert_int_equal(s.nterms, 3);
    assert_true(coef_of(&s, "ZZI") == -0.25 && coef_of(&s, "IXY") == 3.0 && coef_of(&s, "YYY") == -0.5);
    qnn_pauli_sum_free(&s);
    parse_ok("Z", 1, &s);
    assert_int_equal(s.nterms, 1);
    assert_true(coef_of(&s, "Z") == 1.0);
    qnn_pauli_sum_free(&s);
}

static void test_parse_sparse(void **st)
{
    (void)st;
    qnn_pauli_sum s;
    parse_ok("0.5*Z0*Z1 - 0.2*X3 + Z0", 4, &s);
    assert_int_equal(s.nterms, 3);
    assert_true(coef_of(&s, "IIZZ") == 0.5 && coef_of(&s, "XIII") == -0.2 && coef_of(&s, "IIIZ") == 1.0);
    qnn_pauli_sum_free(&s);
    /* spaces around '*', lower case, any order of factors, identity factors */
    parse_ok("1.5 * y2 * x0 - Z1 * I0", 3, &s);
    assert_int_equal(s.nterms, 2);
    assert_true(coef_of(&s, "YIX") == 1.5 && coef_of(&s, "IZI") == -1.0);
    qnn_pauli_sum_free(&s);
    /* sparse and dense mixed in one sum, indices above 9 */
    parse_ok("Z11 + 0.25*ZIIIIIIIIIII", 12, &s);
    assert_int_equal(s.nterms, 1);
    assert_true(coef_of(&s, "ZIIIIIIIIIII") == 1.25);
    qnn_pauli_sum_free(&s);
}

static void test_parse_merge_identity(void **st)
{
    (void)st;
    qnn_pauli_sum s;
    parse_ok("ZZ + 0.5*ZZ - Z1*Z0 + XI", 2, &s);
    assert_int_equal(s.nterms, 2);
    assert_true(coef_of(&s, "ZZ") == 0.5 && coef_of(&s, "XI") == 1.0);
    /* merged terms keep the place of their first appearance */
    assert_true(s.P[0].z == pstr("ZZ").z && s.P[0].x == 0u);
    qnn_pauli_sum_free(&s);
    parse_ok("XX - XX", 2, &s); /* cancels: the zero observable */
    assert_int_equal(s.nterms, 0);
    char buf[16];
    assert_int_equal(qnn_pauli_sum_format(&s, buf, sizeof buf), 0);
    assert_string_equal(buf, "0");
    qnn_pauli_sum_free(&s);
    parse_ok("2 + 0.5*II + ZI - 0.5", 2, &s);
    assert_int_equal(s.nterms, 2);
    assert_true(coef_of(&s, "II") == 2.0 && coef_of(&s, "ZI") == 1.0);
    double t1, t2, ob;
    qnn_pauli_sum_moments(&s, &t1, &t2, &ob);
    assert_true(t1 == 2.0 && t2 == 5.0 && ob == 3.0);
    qnn_pauli_sum_free(&s);
}

static void test_parse_list(void **st)
{
    (void)st;
    char err[512];
    qnn_pauli_sum *list = NULL;
    int count = 0;
    assert_int_equal(qnn_pauli_sum_parse_list("ZZ; XI + IX ;0.5*YY", 2, "key 'measure'", &list, &count, err, sizeof err), 0);
    assert_int_equal(count, 3);
    assert_true(coef_of(&list[0], "ZZ") == 1.0);
    assert_int_equal(list[1].nterms, 2);
    assert_true(coef_of(&list[2], "YY") == 0.5);
    qnn_pauli_sum_free_list(list, count);
    /* one sum: its end */
    qnn_pauli_sum s;
    const char *text = "Z0 - X1 ; YY", *end = NULL;
    assert_int_equal(qnn_pauli_sum_parse(text, 2, "obs", &s, &end, err, sizeof err), 0);
    assert_ptr_equal(end, text + 8);
    assert_int_equal(s.nterms, 2);
    qnn_pauli_sum_free(&s);
    /* empty text, an empty item */
    assert_true(qnn_pauli_sum_parse_list("", 2, "key 'measure'", &list, &count, err, sizeof err) < 0);
    assert_non_null(strstr(err, "allowed"));
    assert_ptr_equal(list, NULL);
    assert_true(qnn_pauli_sum_parse_list("ZZ;;XX", 2, "key 'measure'", &list, &count, err, sizeof err) < 0);
    assert_non_null(strstr(err, "column 4:"));
    assert_true(qnn_pauli_sum_parse_list("ZZ;XX;", 2, "key 'measure'", &list, &count, err, sizeof err) < 0);
    assert_non_null(strstr(err, "column 7:"));
    /* an error in the second sum counts columns from the start of the text */
    assert_true(qnn_pauli_sum_parse_list("ZZ; XQ", 2, "key 'measure'", &list, &count, err, sizeof err) < 0);
    assert_non_null(strstr(err, "key 'measure': column 6: found 'Q'"));
}

static char *write_tmp(const char *text, size_t len)
{
    char *path = strdup("/tmp/qnn_test_ansatz_XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, len), (ssize_t)len);
    close(fd);
    return path;
}

static void test_read_file(void **st)
{
    (void)st;
    const char *text =
        "# two outputs\n"
        "0.5*ZZII   # the coupling\n"
        "  - 0.2*XIII\n"
        "# a comment line does not end the sum\n"
        "  + Z0\n"
        "\n"
        "\n"
        "# output 1\n"
        "XXXX; Y3*Y2\n";
    char *path = write_tmp(text, strlen(text));
    qnn_pauli_sum *list = NULL;
    int count = 0;
    char err[512] = "";
    int rc = qnn_pauli_sum_read(path, 4, &list, &count, err, sizeof err);
    if (rc)
        fail_msg("%s", err);
    assert_int_equal(count, 3);
    assert_int_equal(list[0].nterms, 3);
    assert_true(coef_of(&list[0], "ZZII") == 0.5 && coef_of(&list[0], "XIII") == -0.2 && coef_of(&list[0], "IIIZ") == 1.0);
    assert_true(coef_of(&list[1], "XXXX") == 1.0);
    assert_true(coef_of(&list[2], "YYII") == 1.0);
    qnn_pauli_sum_free_list(list, count);
    unlink(path);
    free(path);

    /* messages name file:line:column */
    const char *bad = "# header\nZZII +\n  0.5*ZZQI\n";
    path = write_tmp(bad, strlen(bad));
    assert_true(qnn_pauli_sum_read(path, 4, &list, &count, err, sizeof err) < 0);
    char want[256];
    snprintf(want, sizeof want, "%s:3:9: found 'Q'", path);
    assert_non_null(strstr(err, want));
    assert_non_null(strstr(err, "allowed"));
    unlink(path);
    free(path);
    /* a blank line inside a sum */
    const char *gap = "ZZ +\n\nXX\n";
    path = write_tmp(gap, strlen(gap));
    assert_true(qnn_pauli_sum_read(path, 2, &list, &count, err, sizeof err) < 0);
    snprintf(want, sizeof want, "%s:2:1: found a blank line", path);
    assert_non_null(strstr(err, want));
    unlink(path);
    free(path);
    /* a NUL byte, a file with comments only, a missing file */
    const char nul[] = "ZZ + \0XX\n";
    path = write_tmp(nul, sizeof nul - 1);
    assert_true(qnn_pauli_sum_read(path, 2, &list, &count, err, sizeof err) < 0);
    assert_non_null(strstr(err, "\\x00"));
    unlink(path);
    free(path);
    const char *empty = "# nothing\n\n   \n";
    path = write_tmp(empty, strlen(empty));
    assert_true(qnn_pauli_sum_read(path, 2, &list, &count, err, sizeof err) < 0);
    assert_non_null(strstr(err, "allowed"));
    unlink(path);
    free(path);
    assert_int_equal(qnn_pauli_sum_read("/nonexistent/obs.txt", 2, &list, &count, err, sizeof err), QNN_E_FILE);
    assert_int_equal(qnn_pauli_sum_read("/tmp", 2, &list, &count, err, sizeof err), QNN_E_FILE);
}

/* Refusals: status < 0, the message names the column and what is allowed. */
static void test_refusals(void **st)
{
    (void)st;
    static const struct {
        const char *text;
        int n;
        int col;
        const char *also; /* a further substring of the message, or NULL */
    } cases[] = {
        {"", 2, 1, "end of the text"},
        {"   ", 2, 4, "end of the text"},
        {"ZZQ", 3, 3, "found 'Q'"},
        {"ZZZ", 4, 1, "n = 4"},
        {"ZZZZZ", 4, 1, "n = 4"},
        {"Z5", 4, 1, "n = 4"},
        {"0.5*Z0*X4", 4, 8, "0 .. 3"},
        {"0.5*", 2, 5, "end of the text"},
        {"nan*ZZ", 2, 1, "found 'nan'"},
        {"inf*ZZ", 2, 2, NULL},
        {"1e999*ZZ", 2, 1, "finite"},
        {"1e13*ZZ", 2, 1, "1e12"},
        {"ZZ + + XX", 2, 6, NULL},
        {"ZZ XX", 2, 4, NULL},
        {"Z0 Z1", 2, 4, NULL},
        {"Z0*Z0", 2, 4, "at most once"},
        {"0.5ZZ", 2, 1, NULL},
        {"ZZ\x01", 2, 3, "\\x01"},
        {"ZZ\x7f", 2, 3, "\\x7F"},
        {"Z0 * 3", 2, 6, NULL},
        {"ZZ*XX", 2, 3, NULL},
        {"1.5.2*ZZ", 2, 1, NULL},
        {"Z(0)", 2, 1, "n = 2"},
        {"-", 2, 2, "end of the text"},
        {"ZZ + \xce\xb8", 2, 6, "found '\xce\xb8'"},
        {"ZZ + \xff", 2, 6, "\\xFF"},
        {"1e*ZZ", 2, 1, "exponent"},
        {"ZZ0", 2, 1, NULL},
        {"2*-ZZ", 2, 3, NULL},
        {";", 2, 1, NULL},
        {"Z99999999999999999999", 2, 1, "0 .. 1"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        qnn_pauli_sum s;
        char err[512] = "", col[32];
        int rc = qnn_pauli_sum_parse(cases[i].text, cases[i].n, "key 'measure'", &s, NULL, err, sizeof err);
        if (rc >= 0)
            fail_msg("case %zu '%s' accepted", i, cases[i].text);
        snprintf(col, sizeof col, "column %d:", cases[i].col);
        if (!strstr(err, col) || !strstr(err, "allowed") || strncmp(err, "key 'measure': ", 15) != 0 ||
            (cases[i].also && !strstr(err, cases[i].also)))
            fail_msg("case %zu '%s': message '%s' (wanted '%s' and '%s')", i, cases[i].text, err, col,
                     cases[i].also ? cases[i].also : "");
        assert_int_equal(s.nterms, 0);
        assert_null(s.P);
        for (const char *p = err; *p; p++)
            assert_true((unsigned char)*p >= 0x20 && *p != 0x7f);
    }
    /* n out of range, NULL text */
    qnn_pauli_sum s;
    char err[256];
    assert_true(qnn_pauli_sum_parse("Z", 0, "x", &s, NULL, err, sizeof err) < 0);
    assert_true(qnn_pauli_sum_parse("Z", QNN_MAX_QUBITS + 1, "x", &s, NULL, err, sizeof err) < 0);
    assert_true(qnn_pauli_sum_parse(NULL, 2, "x", &s, NULL, err, sizeof err) < 0);
    /* no message buffer: still refused, nothing written */
    assert_true(qnn_pauli_sum_parse("ZQ", 2, "x", &s, NULL, NULL, 0) < 0);
}

/* Random byte strings never crash the parser. */
static void test_garbage(void **st)
{
    (void)st;
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 7);
    static const char alphabet[] = "IXYZixyz0123456789.*+-eE ;\t\n#()\x01\xce\xb8";
    char text[64];
    for (int it = 0; it < 20000; it++) {
        size_t len = gsl_rng_uniform_int(r, sizeof text - 1);
        for (size_t i = 0; i < len; i++)
            text[i] = alphabet[gsl_rng_uniform_int(r, sizeof alphabet - 1)];
        text[len] = '\0';
        int n = 1 + (int)gsl_rng_uniform_int(r, 4);
        qnn_pauli_sum *list = NULL;
        int count = 0;
        char err[512];
        if (qnn_pauli_sum_parse_list(text, n, "key 'measure'", &list, &count, err, sizeof err) == 0) {
            assert_true(count >= 1);
            for (int k = 0; k < count; k++)
                for (int t = 0; t < list[k].nterms; t++)
                    assert_true(isfinite(list[k].c[t]) && list[k].c[t] != 0.0);
            qnn_pauli_sum_free_list(list, count);
        } else {
            assert_non_null(strstr(err, "allowed"));
            assert_null(list);
        }
    }
    gsl_rng_free(r);
}

/* ---- format, expect, apply ------------------------------------------- */

static void random_sum(gsl_rng *r, int n, int terms, qnn_pauli_sum *s)
{
    s->n = n;
    s->nterms = 0;
    s->P = malloc((size_t)terms * sizeof *s->P);
    s->c = malloc((size_t)terms * sizeof *s->c);
    for (int k = 0; k < terms; k++) {
        qnn_pauli p = {0u, 0u};
        for (int q = 0; q < n; q++) {
            unsigned l = (unsigned)gsl_rng_uniform_int(r, 4);
            if (l & 1u)
                p.x |= 1u << q;
            if (l & 2u)
                p.z |= 1u << q;
        }
        int dup = 0;
        for (int j = 0; j < s->nterms; j++)
            dup |= s->P[j].x == p.x && s->P[j].z == p.z;
        if (dup)
            continue;
        double c = (gsl_rng_uniform(r) - 0.5) * pow(10.0, (double)gsl_rng_uniform_int(r, 13) - 6.0);
        if (k % 5 == 0)
            c = k % 2 ? 1.0 : -1.0;
        s->P[s->nterms] = p;
        s->c[s->nterms++] = c;
    }
}

static void test_format_round_trip(void **st)
{
    (void)st;
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 11);
    char buf[8192];
    for (int it = 0; it < 200; it++) {
        int n = 1 + (int)gsl_rng_uniform_int(r, 6);
        qnn_pauli_sum s, t;
        random_sum(r, n, 1 + (int)gsl_rng_uniform_int(r, 12), &s);
        assert_int_equal(qnn_pauli_sum_format(&s, buf, sizeof buf), 0);
        parse_ok(buf, n, &t);
        assert_int_equal(t.nterms, s.nterms);
        for (int k = 0; k < s.nterms; k++) {
            assert_true(t.P[k].x == s.P[k].x && t.P[k].z == s.P[k].z);
            assert_true(t.c[k] == s.c[k]);
        }
        qnn_pauli_sum_free(&s);
        qnn_pauli_sum_free(&t);
    }
    qnn_pauli_sum s;
    parse_ok("0.5*ZZII - 0.2*XIII + IIIZ - Z3", 4, &s);
    assert_int_equal(qnn_pauli_sum_format(&s, buf, sizeof buf), 0);
    assert_string_equal(buf, "0.5*ZZII - 0.2*XIII + IIIZ - ZIII");
    assert_int_equal(qnn_pauli_sum_format(&s, buf, 10), -1);
    qnn_pauli_sum_free(&s);
    parse_ok("-3*XY", 2, &s);
    assert_int_equal(qnn_pauli_sum_format(&s, buf, sizeof buf), 0);
    assert_string_equal(buf, "-3*XY");
    qnn_pauli_sum_free(&s);
    gsl_rng_free(r);
}

static void test_expect_apply(void **st)
{
    (void)st;
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 5);
    for (int n = 1; n <= 5; n++) {
        size_t D = (size_t)1 << n;
        qnn_pauli_sum s;
        random_sum(r, n, 6, &s);
        qnn_cplx *O = dense_sum(&s), *psi = malloc(D * sizeof *psi), *a = malloc(D * sizeof *a),
                 *b = malloc(D * sizeof *b);
        ref_random_state(r, D, psi);
        ref_matvec(D, O, psi, a);
        qnn_pauli_sum_apply(&s, psi, b);
        double scale = 0;
        for (int k = 0; k < s.nterms; k++)
            scale += fabs(s.c[k]);
        assert_true(ref_maxdiff(D, a, b) <= 1e-14 * scale);
        double e = qnn_pauli_sum_expect(&s, psi);
        qnn_cplx re = ref_expect(D, O, psi);
        assert_true(fabs(e - creal(re)) <= 1e-14 * scale);
        /* moments: tr O / D and tr O^2 / D from the matrix */
        double t1, t2, ob;
        qnn_pauli_sum_moments(&s, &t1, &t2, &ob);
        qnn_cplx tr = 0, tr2 = 0;
        for (size_t i = 0; i < D; i++) {
            tr += O[i + i * D];
            for (size_t j = 0; j < D; j++)
                tr2 += O[i + j * D] * O[j + i * D];
        }
        assert_true(fabs(creal(tr) / (double)D - t1) <= 1e-12 * scale);
        assert_true(fabs(creal(tr2) / (double)D - t2) <= 1e-12 * scale * scale);
        assert_true(ob == scale);
        free(O);
        free(psi);
        free(a);
        free(b);
        qnn_pauli_sum_free(&s);
    }
    gsl_rng_free(r);
}

/* ---- the hardware-efficient ansatz ------------------------------------ */

static void test_hea_counts(void **st)
{
    (void)st;
    static const char *rots[] = {"ry", "ry,rz", "rz, ry ,RZ"};
    static const qnn_gate_kind rk[3][3] = {{QNN_G_RY}, {QNN_G_RY, QNN_G_RZ}, {QNN_G_RZ, QNN_G_RY, QNN_G_RZ}};
    static const int ns[] = {1, 2, 5};
    char err[512];
    for (int ri = 0; ri < 3; ri++)
        for (int ni = 0; ni < 3; ni++)
            for (int topo = 0; topo < 2; topo++)
                for (int ent = 0; ent < 2; ent++)
                    for (int L = 1; L <= 3; L++) {
                        int n = ns[ni], nrot = ri + 1;
                        qnn_qc *qc = NULL;
                        int rc = qnn_ansatz_hea(n, L, rots[ri], (qnn_entgate)ent, (qnn_topology)topo, &qc, err, sizeof err);
                        if (rc)
                            fail_msg("%s", err);
                        int pairs = n == 1 ? 0 : n == 2 ? 1 : topo == QNN_TOPO_RING ? n : n - 1;
                        assert_int_equal(qc->n, n);
                        assert_int_equal(qc->nparams, L * nrot * n);
                        assert_int_equal(qc->nvars, L * nrot * n);
                        assert_int_equal(qc->nfeatures, 0);
                        assert_int_equal(qc->ngates, L * (nrot * n + pairs));
                        int g = 0, k = 0;
                        for (int l = 0; l < L; l++) {
                            for (int rr = 0; rr < nrot; rr++)
                                for (int q = 0; q < n; q++, g++, k++) {
                                    const qnn_gate *G = &qc->gates[g];
                                    assert_int_equal(G->kind, rk[ri][rr]);
                                    assert_int_equal(G->q[0], q);
                                    assert_int_equal(G->layer, l);
                                    char name[32];
                                    snprintf(name, sizeof name, "theta_%d", k);
                                    assert_string_equal(qc->vars[k].name, name);
                                    assert_int_equal(qc->vars[k].index, k);
                                    assert_int_equal(qc->expr[G->angle[0]].op, QNN_EX_VAR);
                                    assert_int_equal(qc->expr[G->angle[0]].var, k);
                                }
                            for (int i = 0; i < pairs; i++, g++) {
                                const qnn_gate *G = &qc->gates[g];
                                assert_int_equal(G->kind, ent == QNN_ENTGATE_CX ? QNN_G_CX : QNN_G_CZ);
                                assert_int_equal(G->q[0], i);
                                assert_int_equal(G->q[1], (i + 1) % n);
                                assert_int_equal(G->layer, l);
                            }
                        }
                        qnn_qc_free(qc);
                    }
    /* the refusals */
    qnn_qc *qc = NULL;
    assert_int_equal(qnn_ansatz_hea(0, 1, "ry", QNN_ENTGATE_CZ, QNN_TOPO_LINE, &qc, err, sizeof err), QNN_E_KEY_RANGE);
    assert_int_equal(qnn_ansatz_hea(2, 0, "ry", QNN_ENTGATE_CZ, QNN_TOPO_LINE, &qc, err, sizeof err), QNN_E_KEY_RANGE);
    assert_int_equal(qnn_ansatz_hea(20, 100000, "rx,ry,rz", QNN_ENTGATE_CZ, QNN_TOPO_LINE, &qc, err, sizeof err), QNN_E_SIZE);
    assert_int_equal(qnn_ansatz_hea(2, 1, "rw", QNN_ENTGATE_CZ, QNN_TOPO_LINE, &qc, err, sizeof err), QNN_E_KEY_TYPE);
    assert_null(qc);
}

static void test_rotations_check(void **st)
{
    (void)st;
    char err[512];
    assert_int_equal(qnn_ansatz_check_rotations("ry", err, sizeof err), 0);
    assert_int_equal(qnn_ansatz_check_rotations("rx,ry,rz", err, sizeof err), 0);
    assert_int_equal(qnn_ansatz_check_rotations(" RY , rz ", err, sizeof err), 0);
    static const struct { const char *v; int col; } bad[] = {
        {"", 1}, {"ry,", 4}, {",ry", 1}, {"rw", 1}, {"ry rz", 4}, {"rx,ry,rz,rx", 10}, {"ry,\x01", 4}, {"u3", 1},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int rc = qnn_ansatz_check_rotations(bad[i].v, err, sizeof err);
        char col[32];
        snprintf(col, sizeof col, "column %d:", bad[i].col);
        if (rc != QNN_E_KEY_TYPE || !strstr(err, "key 'rotations'") || !strstr(err, "allowed") || !strstr(err, col))
            fail_msg("'%s': rc %d, '%s' (wanted %s)", bad[i].v, rc, err, col);
    }
    assert_non_null(strstr(err, "found 'u3'"));
    assert_int_equal(qnn_ansatz_check_rotations(NULL, err, sizeof err), QNN_E_KEY_TYPE);
}

/* ---- QAOA ---------------------------------------------------------------- */

static void test_default_cost(void **st)
{
    (void)st;
    qnn_pauli_sum c;
    assert_int_equal(qnn_ansatz_default_cost(4, &c), 0);
    assert_int_equal(c.nterms, 4);
    assert_true(coef_of(&c, "IIZZ") == 1 && coef_of(&c, "IZZI") == 1 && coef_of(&c, "ZZII") == 1 && coef_of(&c, "ZIIZ") == 1);
    qnn_pauli_sum_free(&c);
    assert_int_equal(qnn_ansatz_default_cost(2, &c), 0);
    assert_int_equal(c.nterms, 1);
    assert_true(coef_of(&c, "ZZ") == 1);
    qnn_pauli_sum_free(&c);
    assert_int_equal(qnn_ansatz_default_cost(1, &c), 0);
    assert_int_equal(c.nterms, 1);
    assert_true(coef_of(&c, "Z") == 1);
    qnn_pauli_sum_free(&c);
    assert_true(qnn_ansatz_default_cost(0, &c) < 0);
}

/* The state of the circuit for the angles theta against
 *   Π_l [ Π_q exp(-i β_l X_q) · U_l ] H^n |0>,
 * U_l = exp(-i γ_l C) (dense, by eigen-decomposition) when `commuting`,
 * otherwise the product of the term exponentials in the order of the sum. */
static void check_qaoa_state(const qnn_pauli_sum *cost, int layers, int commuting, gsl_rng *r)
{
    int n = cost->n;
    size_t D = (size_t)1 << n;
    char err[512];
    qnn_qc *qc = NULL;
    if (qnn_ansatz_qaoa(n, layers, cost, &qc, err, sizeof err) != 0)
        fail_msg("%s", err);
    assert_int_equal(qc->nparams, 2 * layers);
    double theta[8];
    for (int l = 0; l < layers; l++) {
        char g[16], b[16];
        snprintf(g, sizeof g, "gamma_%d", l);
        snprintf(b, sizeof b, "beta_%d", l);
        assert_string_equal(qc->vars[2 * l].name, g);
        assert_string_equal(qc->vars[2 * l + 1].name, b);
        theta[2 * l] = 2 * M_PI * gsl_rng_uniform(r) - M_PI;
        theta[2 * l + 1] = 2 * M_PI * gsl_rng_uniform(r) - M_PI;
    }
    for (int g = 0; g < qc->ngates; g++)
        assert_true(qc->gates[g].layer >= 0 && qc->gates[g].layer < layers);
    qnn_cplx *psi = malloc(D * sizeof *psi), *want = malloc(D * sizeof *want), *tmp = malloc(D * sizeof *tmp);
    ref_run_qc(qc, theta, NULL, psi);
    for (size_t b = 0; b < D; b++)
        want[b] = 1.0 / sqrt((double)D);
    qnn_cplx *C = dense_sum(cost);
    for (int l = 0; l < layers; l++) {
        double gm = theta[2 * l], bt = theta[2 * l + 1];
        if (commuting) {
            qnn_cplx *E = herm_exp(D, C, gm);
            ref_matvec(D, E, want, tmp);
            memcpy(want, tmp, D * sizeof *tmp);
            free(E);
        } else {
            for (int k = 0; k < cost->nterms; k++) {
                qnn_cplx *E = ref_pauli_exp(cost->P[k], n, -gm * cost->c[k]);
                ref_matvec(D, E, want, tmp);
                memcpy(want, tmp, D * sizeof *tmp);
                free(E);
            }
        }
        for (int q = 0; q < n; q++) {
            qnn_pauli X = {1u << q, 0u};
            qnn_cplx *E = ref_pauli_exp(X, n, -bt);
            ref_matvec(D, E, want, tmp);
            memcpy(want, tmp, D * sizeof *tmp);
            free(E);
        }
    }
    /* identity terms: a global phase only; compare up to it */
    qnn_cplx ov = qnn_vec_dot(D, want, psi);
    double fid = cabs(ov);
    if (!(fabs(fid - 1.0) < 1e-12))
        fail_msg("|<want|psi>| = %.17g", fid);
    qnn_cplx ph = ov / fid;
    for (size_t b = 0; b < D; b++)
        tmp[b] = want[b] * ph;
    assert_true(ref_maxdiff(D, tmp, psi) < 1e-12);
    free(C);
    free(psi);
    free(want);
    free(tmp);
    qnn_qc_free(qc);
}

static void test_qaoa_state(void **st)
{
    (void)st;
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 3);
    qnn_pauli_sum c;
    for (int n = 1; n <= 5; n++) {
        assert_int_equal(qnn_ansatz_default_cost(n, &c), 0);
        check_qaoa_state(&c, 1, 1, r);
        check_qaoa_state(&c, 3, 1, r);
        qnn_pauli_sum_free(&c);
    }
    /* weighted Z terms and a constant */
    parse_ok("0.7*ZZI - 1.3*IZZ + 0.4*ZIZ + 0.25*ZZZ - 0.9*IIZ + 2", 3, &c);
    check_qaoa_state(&c, 2, 1, r);
    qnn_pauli_sum_free(&c);
    /* X and Y terms that commute: exp(-i γ C) exactly */
    parse_ok("0.7*XXI + 0.3*YYI - 0.5*ZZI + 0.25*IIX + 0.4*XXX", 3, &c);
    check_qaoa_state(&c, 1, 1, r);
    check_qaoa_state(&c, 2, 1, r);
    qnn_pauli_sum_free(&c);
    /* terms that do not commute: the product of the term exponentials */
    parse_ok("0.6*Y1 - 0.8*XYZI + 0.3*X0 + 1.1*Z2*Y0 - 0.45*YXIY + IIYI", 4, &c);
    check_qaoa_state(&c, 1, 0, r);
    check_qaoa_state(&c, 2, 0, r);
    qnn_pauli_sum_free(&c);
    gsl_rng_free(r);
}

static void test_qaoa_gates(void **st)
{
    (void)st;
    char err[512];
    qnn_pauli_sum c;
    qnn_qc *qc = NULL;
    assert_int_equal(qnn_ansatz_default_cost(4, &c), 0);
    assert_int_equal(qnn_ansatz_qaoa(4, 2, &c, &qc, err, sizeof err), 0);
    /* h^4, then per layer 4 ZZ terms of 3 gates (cx, rz, cx) and 4 rx */
    assert_int_equal(qc->ngates, 4 + 2 * (4 * 3 + 4));
    assert_int_equal(qc->gates[0].kind, QNN_G_H);
    assert_int_equal(qc->gates[4].kind, QNN_G_CX);  /* ladder onto the lowest qubit: cx(1, 0) */
    assert_int_equal(qc->gates[4].q[0], 1);
    assert_int_equal(qc->gates[4].q[1], 0);
    assert_int_equal(qc->gates[5].kind, QNN_G_RZ);
    assert_int_equal(qc->gates[5].q[0], 0);
    /* rz(2 c gamma): d angle / d gamma_0 = 2 */
    double th[4] = {0.3, 0.7, -0.2, 0.1}, d = 0;
    double a = qnn_expr_eval(qc, qc->gates[5].angle[0], th, NULL, 0, &d);
    assert_true(a == 0.6 && d == 2.0);
    assert_int_equal(qc->gates[6].kind, QNN_G_CX);
    assert_int_equal(qc->gates[4 + 12].kind, QNN_G_RX);
    a = qnn_expr_eval(qc, qc->gates[4 + 12].angle[0], th, NULL, 1, &d);
    assert_true(a == 1.4 && d == 2.0);
    assert_int_equal(qc->gates[4 + 15].layer, 0);
    assert_int_equal(qc->gates[4 + 16].layer, 1);
    qnn_qc_free(qc);
    qnn_pauli_sum_free(&c);
    /* single-qubit terms are one rotation; identity terms none */
    parse_ok("0.5*IX + 2*YI - Z0 + 3", 2, &c);
    assert_int_equal(qnn_ansatz_qaoa(2, 1, &c, &qc, err, sizeof err), 0);
    assert_int_equal(qc->ngates, 2 + 3 + 2);
    assert_int_equal(qc->gates[2].kind, QNN_G_RX);
    assert_int_equal(qc->gates[3].kind, QNN_G_RY);
    assert_int_equal(qc->gates[4].kind, QNN_G_RZ);
    qnn_qc_free(qc);
    qnn_pauli_sum_free(&c);
    /* refusals */
    parse_ok("2 + 0*ZZ", 2, &c);
    assert_int_equal(qnn_ansatz_qaoa(2, 1, &c, &qc, err, sizeof err), QNN_E_RELATION);
    assert_non_null(strstr(err, "allowed"));
    assert_int_equal(qnn_ansatz_qaoa(3, 1, &c, &qc, err, sizeof err), QNN_E_RELATION);
    assert_non_null(strstr(err, "n = 3"));
    qnn_pauli_sum_free(&c);
    parse_ok("ZZ", 2, &c);
    assert_int_equal(qnn_ansatz_qaoa(2, 0, &c, &qc, err, sizeof err), QNN_E_KEY_RANGE);
    assert_null(qc);
    qnn_pauli_sum_free(&c);
}

/* ---- encoding ------------------------------------------------------------ */

static void test_encode(void **st)
{
    (void)st;
    char err[512];
    qnn_qc *qc = NULL;
    assert_int_equal(qnn_ansatz_hea(4, 2, "ry,rz", QNN_ENTGATE_CZ, QNN_TOPO_RING, &qc, err, sizeof err), 0);
    int ng = qc->ngates, nv = qc->nvars;
    qnn_gate first = qc->gates[0], last = qc->gates[ng - 1];
    assert_int_equal(qnn_ansatz_encode(qc, 3, QNN_G_RY, err, sizeof err), 0);
    assert_int_equal(qc->ngates, ng + 3);
    assert_int_equal(qc->nvars, nv + 3);
    assert_int_equal(qc->nparams, nv);
    assert_int_equal(qc->nfeatures, 3);
    for (int i = 0; i < 3; i++) {
        const qnn_gate *G = &qc->gates[i];
        assert_int_equal(G->kind, QNN_G_RY);
        assert_int_equal(G->q[0], i);
        assert_int_equal(G->layer, -1);
        const qnn_qc_var *v = &qc->vars[nv + i];
        char name[16];
        snprintf(name, sizeof name, "x_%d", i);
        assert_string_equal(v->name, name);
        assert_int_equal(v->role, QNN_VAR_FEATURE);
        assert_int_equal(v->index, i);
        assert_true(qnn_expr_uses(qc, G->angle[0], nv + i));
    }
    assert_true(memcmp(&qc->gates[3], &first, sizeof first) == 0);
    assert_true(memcmp(&qc->gates[ng + 2], &last, sizeof last) == 0);
    /* the encoded state: ry(x_i) then the ansatz */
    double th[64], x[3] = {0.3, -1.1, 2.0};
    for (int k = 0; k < qc->nparams; k++)
        th[k] = 0.1 * k - 0.5;
    qnn_cplx psi[16];
    ref_run_qc(qc, th, x, psi);
    assert_true(fabs(qnn_vec_norm2(16, psi) - 1.0) < 1e-14);
    /* refusals: more features than qubits, a second encoding (names taken),
     * a gate that is not rx/ry */
    assert_int_equal(qnn_ansatz_encode(qc, 5, QNN_G_RY, err, sizeof err), QNN_E_RELATION);
    assert_non_null(strstr(err, "allowed"));
    assert_int_equal(qnn_ansatz_encode(qc, 1, QNN_G_RY, err, sizeof err), QNN_E_RELATION);
    assert_int_equal(qnn_ansatz_encode(qc, 1, QNN_G_CX, err, sizeof err), QNN_E_ARGS);
    assert_int_equal(qc->ngates, ng + 3);
    assert_int_equal(qnn_ansatz_encode(qc, 0, QNN_G_RX, err, sizeof err), 0);
    qnn_qc_free(qc);
}

/* ---- the families through the simulator (engine/src/qsim.c) ------------- */

/* <O> of the reference simulator. */
static double ref_value(const qnn_qc *qc, const double *theta, const double *x, const qnn_pauli_sum *O)
{
    size_t D = (size_t)1 << qc->n;
    qnn_cplx *psi = malloc(D * sizeof *psi);
    ref_run_qc(qc, theta, x, psi);
    double v = qnn_pauli_sum_expect(O, psi);
    free(psi);
    return v;
}

/* qnn_qsim_state against the reference simulator, and the adjoint
 * gradient of <O> against central differences of the reference. */
static void check_qsim(const qnn_qc *qc, const qnn_pauli_sum *O, const double *x, gsl_rng *r)
{
    size_t D = (size_t)1 << qc->n;
    int P = qc->nparams;
    double *theta = malloc((size_t)P * sizeof *theta), *grad = malloc((size_t)P * sizeof *grad);
    for (int a = 0; a < P; a++)
        theta[a] = 2 * M_PI * gsl_rng_uniform(r) - M_PI;
    qnn_qsim *sim = qnn_qsim_new(qc);
    assert_non_null(sim);
    qnn_cplx *psi = malloc(D * sizeof *psi), *ref = malloc(D * sizeof *ref);
    qnn_qsim_state(sim, theta, x, psi);
    ref_run_qc(qc, theta, x, ref);
    assert_true(ref_maxdiff(D, psi, ref) < 1e-12);
    const qnn_pauli_sum *obs[1] = {O};
    double f = 0;
    assert_int_equal(qnn_qsim_run(sim, theta, x, 1, obs, &f, grad, NULL), 0);
    assert_true(fabs(f - ref_value(qc, theta, x, O)) < 1e-12);
    double scale = 0;
    for (int k = 0; k < O->nterms; k++)
        scale += fabs(O->c[k]);
    for (int a = 0; a < P; a++) {
        double h = 1e-5, keep = theta[a];
        theta[a] = keep + h;
        double fp = ref_value(qc, theta, x, O);
        theta[a] = keep - h;
        double fm = ref_value(qc, theta, x, O);
        theta[a] = keep;
        double fd = (fp - fm) / (2 * h);
        if (!(fabs(fd - grad[a]) < 1e-7 * (1 + scale)))
            fail_msg("parameter %d (%s): adjoint %.12g, differences %.12g", a, qc->vars[a].name, grad[a], fd);
    }
    qnn_qsim_free(sim);
    free(psi);
    free(ref);
    free(theta);
    free(grad);
}

static void test_families_qsim(void **st)
{
    (void)st;
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 17);
    char err[512];
    qnn_pauli_sum O;
    qnn_qc *qc = NULL;
    parse_ok("0.5*ZZIZ - 0.2*XIII + 0.7*Y1*X2 + IIIZ", 4, &O);
    assert_int_equal(qnn_ansatz_hea(4, 2, "ry,rz", QNN_ENTGATE_CX, QNN_TOPO_RING, &qc, err, sizeof err), 0);
    check_qsim(qc, &O, NULL, r);
    qnn_qc_free(qc);
    assert_int_equal(qnn_ansatz_hea(4, 3, "rz,ry,rx", QNN_ENTGATE_CZ, QNN_TOPO_LINE, &qc, err, sizeof err), 0);
    check_qsim(qc, &O, NULL, r);
    /* with the encoding: features are not parameters */
    assert_int_equal(qnn_ansatz_encode(qc, 3, QNN_G_RY, err, sizeof err), 0);
    double x[3] = {0.4, -0.9, 1.7};
    check_qsim(qc, &O, x, r);
    qnn_qc_free(qc);
    qnn_pauli_sum cost;
    parse_ok("0.6*Y1 - 0.8*XYZI + 0.3*X0 + 1.1*Z2*Y0 - 0.45*YXIY + IIYI + 2", 4, &cost);
    assert_int_equal(qnn_ansatz_qaoa(4, 2, &cost, &qc, err, sizeof err), 0);
    check_qsim(qc, &O, NULL, r);
    check_qsim(qc, &cost, NULL, r);
    qnn_qc_free(qc);
    qnn_pauli_sum_free(&cost);
    qnn_pauli_sum_free(&O);
    gsl_rng_free(r);
}

/* ---- a family and its QASM export (qnn_qasm_write, qnn_qasm_parse) ------- */

/* Writes qc as OpenQASM 3, reads it back, and checks the same gates,
 * the same variables in the same order, and the same values and adjoint
 * gradients for random angles, bit for bit. */
static void check_qasm_equivalent(const qnn_qc *qc, const qnn_pauli_sum *O, const double *x, gsl_rng *r)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    assert_non_null(f);
    assert_int_equal(qnn_qasm_write(qc, "test_ansatz: a family", f), 0);
    assert_int_equal(fclose(f), 0);
    char err[512] = "";
    qnn_qc *back = NULL;
    if (qnn_qasm_parse(text, len, "family.qasm", &back, err, sizeof err) != 0)
        fail_msg("the export does not read back: %s\n%s", err, text);
    for (int v = 0; v < back->nvars; v++)
        if (qnn_qc_var_find(qc, back->vars[v].name) >= 0 &&
            qc->vars[qnn_qc_var_find(qc, back->vars[v].name)].role == QNN_VAR_FEATURE)
            qnn_qc_set_role(back, v, QNN_VAR_FEATURE);
    assert_int_equal(back->n, qc->n);
    assert_int_equal(back->ngates, qc->ngates);
    assert_int_equal(back->nvars, qc->nvars);
    assert_int_equal(back->nparams, qc->nparams);
    assert_int_equal(back->nfeatures, qc->nfeatures);
    for (int v = 0; v < qc->nvars; v++) {
        assert_string_equal(back->vars[v].name, qc->vars[v].name);
        assert_int_equal(back->vars[v].index, qc->vars[v].index);
    }
    for (int g = 0; g < qc->ngates; g++) {
        assert_int_equal(back->gates[g].kind, qc->gates[g].kind);
        for (int i = 0; i < QNN_GATE_MAX_QUBITS; i++)
            assert_int_equal(back->gates[g].q[i], qc->gates[g].q[i]);
    }
    int P = qc->nparams;
    double *theta = malloc((size_t)P * sizeof *theta), *g1 = malloc((size_t)P * sizeof *g1),
           *g2 = malloc((size_t)P * sizeof *g2), f1 = 0, f2 = 0;
    qnn_qsim *s1 = qnn_qsim_new(qc), *s2 = qnn_qsim_new(back);
    assert_non_null(s1);
    assert_non_null(s2);
    const qnn_pauli_sum *obs[1] = {O};
    for (int it = 0; it < 3; it++) {
        for (int a = 0; a < P; a++)
            theta[a] = 2 * M_PI * gsl_rng_uniform(r) - M_PI;
        assert_int_equal(qnn_qsim_run(s1, theta, x, 1, obs, &f1, g1, NULL), 0);
        assert_int_equal(qnn_qsim_run(s2, theta, x, 1, obs, &f2, g2, NULL), 0);
        if (f1 != f2)
            fail_msg("<O>: built %.17g, read back %.17g", f1, f2);
        for (int a = 0; a < P; a++)
            if (g1[a] != g2[a])
                fail_msg("d<O>/d%s: built %.17g, read back %.17g", qc->vars[a].name, g1[a], g2[a]);
    }
    qnn_qsim_free(s1);
    qnn_qsim_free(s2);
    free(theta);
    free(g1);
    free(g2);
    qnn_qc_free(back);
    free(text);
}

static void test_families_qasm(void **st)
{
    (void)st;
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 23);
    char err[512];
    static const char *rots[] = {"ry", "rx,rz", "rz,ry,rz"};
    static const int ns[] = {1, 2, 5};
    for (int ni = 0; ni < 3; ni++) {
        int n = ns[ni];
        qnn_pauli_sum O;
        assert_int_equal(qnn_ansatz_default_cost(n, &O), 0);
        for (int ri = 0; ri < 3; ri++)
            for (int t = 0; t < 4; t++) {
                qnn_qc *qc = NULL;
                assert_int_equal(qnn_ansatz_hea(n, 2, rots[ri], (qnn_entgate)(t & 1), (qnn_topology)(t >> 1), &qc, err, sizeof err), 0);
                check_qasm_equivalent(qc, &O, NULL, r);
                qnn_qc_free(qc);
            }
        qnn_qc *qc = NULL;
        assert_int_equal(qnn_ansatz_qaoa(n, 3, &O, &qc, err, sizeof err), 0);
        check_qasm_equivalent(qc, &O, NULL, r);
        qnn_qc_free(qc);
        qnn_pauli_sum_free(&O);
    }
    /* a cost with X and Y letters and coefficients that are not short decimals */
    qnn_pauli_sum cost;
    parse_ok("0.1*Y1 - 0.3333333333333333*XYZI + 1e-7*X0 + 1.1*Z2*Y0 - 0.45*YXIY + 2", 4, &cost);
    qnn_qc *qc = NULL;
    assert_int_equal(qnn_ansatz_qaoa(4, 2, &cost, &qc, err, sizeof err), 0);
    check_qasm_equivalent(qc, &cost, NULL, r);
    qnn_qc_free(qc);
    /* with the angle encoding (features read back by name) */
    assert_int_equal(qnn_ansatz_hea(4, 2, "ry,rz", QNN_ENTGATE_CZ, QNN_TOPO_RING, &qc, err, sizeof err), 0);
    assert_int_equal(qnn_ansatz_encode(qc, 3, QNN_G_RY, err, sizeof err), 0);
    double x[3] = {0.25, -1.5, 2.75};
    check_qasm_equivalent(qc, &cost, x, r);
    qnn_qc_free(qc);
    qnn_pauli_sum_free(&cost);
    gsl_rng_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_dense),
        cmocka_unit_test(test_parse_sparse),
        cmocka_unit_test(test_parse_merge_identity),
        cmocka_unit_test(test_parse_list),
        cmocka_unit_test(test_read_file),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_garbage),
        cmocka_unit_test(test_format_round_trip),
        cmocka_unit_test(test_expect_apply),
        cmocka_unit_test(test_hea_counts),
        cmocka_unit_test(test_rotations_check),
        cmocka_unit_test(test_default_cost),
        cmocka_unit_test(test_qaoa_state),
        cmocka_unit_test(test_qaoa_gates),
        cmocka_unit_test(test_encode),
        cmocka_unit_test(test_families_qsim),
        cmocka_unit_test(test_families_qasm),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
