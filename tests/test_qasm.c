/* The OpenQASM 3 reader and writer (qnn/qasm.h) and the circuit builder
 * and expressions they rest on (qnn/qcircuit.h): files in the styles of
 * Qiskit's exporter, PennyLane, OpenQASM 2, gate definitions and loops;
 * the write/parse round trip; the refusals, each with file:line:col and
 * what is allowed. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "qnn/qasm.h"
#include "qnn/qcircuit.h"

#define DATA QNN_TEST_DATA "/qasm/"

static qnn_qc *load(const char *file)
{
    char path[512], err[512] = "";
    snprintf(path, sizeof path, "%s%s", DATA, file);
    qnn_qc *qc = NULL;
    int rc = qnn_qasm_read(path, &qc, err, sizeof err);
    if (rc != 0)
        fprintf(stderr, "%s\n", err);
    assert_int_equal(rc, 0);
    assert_non_null(qc);
    return qc;
}

static int parse(const char *text, qnn_qc **qc, char *err, size_t errlen)
{
    return qnn_qasm_parse(text, strlen(text), "t.qasm", qc, err, errlen);
}

static void expect_kinds(const qnn_qc *qc, const qnn_gate_kind *k, int n)
{
    if (qc->ngates != n) {
        for (int i = 0; i < qc->ngates; i++)
            fprintf(stderr, "gate %d: %s\n", i, qnn_gate_info_of(qc->gates[i].kind)->name);
    }
    assert_int_equal(qc->ngates, n);
    for (int i = 0; i < n; i++)
        assert_int_equal(qc->gates[i].kind, k[i]);
}

static void expect_qubits(const qnn_gate *g, int a, int b, int c)
{
    assert_int_equal(g->q[0], a);
    assert_int_equal(g->q[1], b);
    assert_int_equal(g->q[2], c);
}

static double angle(const qnn_qc *qc, int gate, int a, const double *theta, const double *x)
{
    return qnn_expr_eval(qc, qc->gates[gate].angle[a], theta, x, -1, NULL);
}

/* Two expression trees alike node for node (values to the bit). */
static int expr_same(const qnn_qc *a, int ea, const qnn_qc *b, int eb)
{
    if (ea < 0 || eb < 0)
        return ea == eb;
    const qnn_expr *x = &a->expr[ea], *y = &b->expr[eb];
    if (x->op != y->op)
        return 0;
    switch (x->op) {
    case QNN_EX_CONST:
        return memcmp(&x->value, &y->value, sizeof x->value) == 0;
    case QNN_EX_VAR:
        return x->var == y->var;
    case QNN_EX_ADD: case QNN_EX_SUB: case QNN_EX_MUL: case QNN_EX_DIV: case QNN_EX_POW:
        return expr_same(a, x->a, b, y->a) && expr_same(a, x->b, b, y->b);
    default:
        return expr_same(a, x->a, b, y->a);
    }
}

static void expect_same_circuit(const qnn_qc *a, const qnn_qc *b)
{
    assert_int_equal(a->n, b->n);
    assert_int_equal(a->nvars, b->nvars);
    for (int v = 0; v < a->nvars; v++)
        assert_string_equal(a->vars[v].name, b->vars[v].name);
    assert_int_equal(a->ngates, b->ngates);
    for (int i = 0; i < a->ngates; i++) {
        const qnn_gate *g = &a->gates[i], *h = &b->gates[i];
        assert_int_equal(g->kind, h->kind);
        for (int k = 0; k < QNN_GATE_MAX_QUBITS; k++)
            assert_int_equal(g->q[k], h->q[k]);
        for (int k = 0; k < qnn_gate_info_of(g->kind)->nangles; k++)
            assert_true(expr_same(a, g->angle[k], b, h->angle[k]));
    }
}

/* write, parse the text back, compare */
static void round_trip(const qnn_qc *qc)
{
    FILE *f = tmpfile();
    assert_non_null(f);
    assert_int_equal(qnn_qasm_write(qc, "round trip\nof a test", f), 0);
    long n = ftell(f);
    assert_true(n > 0);
    rewind(f);
    char *text = malloc((size_t)n);
    assert_non_null(text);
    assert_int_equal(fread(text, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    qnn_qc *back = NULL;
    char err[512] = "";
    int rc = qnn_qasm_parse(text, (size_t)n, "written.qasm", &back, err, sizeof err);
    if (rc != 0)
        fprintf(stderr, "%s\n%.*s\n", err, (int)n, text);
    assert_int_equal(rc, 0);
    expect_same_circuit(qc, back);
    qnn_qc_free(back);
    free(text);
}

/* --- the gate table and expressions ------------------------------------ */

static void test_gate_table(void **state)
{
    (void)state;
    for (int k = 0; k < QNN_G_COUNT; k++) {
        const qnn_gate_info *gi = qnn_gate_info_of((qnn_gate_kind)k);
        assert_non_null(gi);
        assert_int_equal(qnn_gate_kind_find(gi->name), k);
        assert_true(gi->nqubits >= 1 && gi->nqubits <= QNN_GATE_MAX_QUBITS);
        assert_true(gi->nangles >= 0 && gi->nangles <= QNN_GATE_MAX_ANGLES);
        assert_true(gi->ncontrols < gi->nqubits);
        assert_non_null(gi->label);
    }
    assert_null(qnn_gate_info_of(QNN_G_COUNT));
    assert_int_equal(qnn_gate_kind_find("CX"), QNN_G_CX);
    assert_int_equal(qnn_gate_kind_find("phase"), QNN_G_P);
    assert_int_equal(qnn_gate_kind_find("cphase"), QNN_G_CP);
    assert_int_equal(qnn_gate_kind_find("u3"), QNN_G_U);
    assert_int_equal(qnn_gate_kind_find("u"), QNN_G_U);
    assert_int_equal(qnn_gate_kind_find("u1"), QNN_G_P);
    assert_int_equal(qnn_gate_kind_find("nope"), -1);
    assert_int_equal(qnn_gate_kind_find("H"), -1);
    assert_int_equal(qnn_gate_info_of(QNN_G_CU)->nangles, 4);
    assert_int_equal(qnn_gate_info_of(QNN_G_CCX)->ncontrols, 2);
    assert_int_equal(qnn_gate_info_of(QNN_G_CSWAP)->ncontrols, 1);
}

static void test_builder(void **state)
{
    (void)state;
    char err[256];
    assert_null(qnn_qc_new(0, "x"));
    assert_null(qnn_qc_new(QNN_MAX_QUBITS + 1, "x"));
    qnn_qc *qc = qnn_qc_new(3, "hea");
    assert_non_null(qc);
    assert_string_equal(qc->source, "hea");
    int a = qnn_qc_add_var(qc, "a", 1, 2), x = qnn_qc_add_var(qc, "x", 2, 1), b = qnn_qc_add_var(qc, "b", 3, 1);
    assert_int_equal(qnn_qc_add_var(qc, "x", 9, 9), x);
    assert_int_equal(qc->nparams, 3);
    qnn_qc_set_role(qc, x, QNN_VAR_FEATURE);
    assert_int_equal(qc->nparams, 2);
    assert_int_equal(qc->nfeatures, 1);
    assert_int_equal(qc->vars[a].index, 0);
    assert_int_equal(qc->vars[b].index, 1);
    assert_int_equal(qc->vars[x].index, 0);
    assert_int_equal(qnn_qc_var_find(qc, "b"), b);
    assert_int_equal(qnn_qc_var_find(qc, "c"), -1);
    int e = qnn_qc_binary(qc, QNN_EX_ADD, qnn_qc_varref(qc, a), qnn_qc_varref(qc, x));
    int q[3] = {0, 2, 1};
    assert_int_equal(qnn_qc_add(qc, QNN_G_RY, q, &e, 4, 5, 0, err, sizeof err), 0);
    assert_int_equal(qnn_qc_add(qc, QNN_G_CCX, q, NULL, 0, 0, -1, err, sizeof err), 0);
    int bad[2] = {1, 1};
    assert_int_equal(qnn_qc_add(qc, QNN_G_CZ, bad, NULL, 0, 0, -1, err, sizeof err), QNN_E_RELATION);
    assert_non_null(strstr(err, "allowed"));
    bad[1] = 3;
    assert_int_equal(qnn_qc_add(qc, QNN_G_CZ, bad, NULL, 0, 0, -1, err, sizeof err), QNN_E_RELATION);
    assert_non_null(strstr(err, "0 .. 2"));
    int nope = 999;
    assert_int_equal(qnn_qc_add(qc, QNN_G_RX, q, &nope, 0, 0, -1, err, sizeof err), QNN_E_RELATION);
    assert_int_equal(qc->ngates, 2);
    assert_int_equal(qc->gates[0].layer, 0);
    assert_int_equal(qc->gates[1].angle[0], -1);
    assert_int_equal(qnn_qc_unary(qc, QNN_EX_ADD, e), -1);
    assert_int_equal(qnn_qc_binary(qc, QNN_EX_SIN, e, e), -1);
    assert_int_equal(qnn_qc_varref(qc, 7), -1);
    assert_true(qnn_expr_uses(qc, e, a));
    assert_true(qnn_expr_uses(qc, e, x));
    assert_false(qnn_expr_uses(qc, e, b));
    double th[2] = {0.25, 9}, xv[1] = {0.5}, d;
    assert_true(fabs(qnn_expr_eval(qc, e, th, xv, a, &d) - 0.75) < 1e-15);
    assert_true(d == 1.0);
    qnn_qc *c = qnn_qc_clone(qc);
    assert_non_null(c);
    expect_same_circuit(qc, c);
    assert_int_equal(c->nfeatures, 1);
    qnn_qc_free(qc);
    assert_string_equal(c->vars[1].name, "x");
    qnn_qc_free(c);
    qnn_qc_free(NULL);
}

/* Every operation's value and derivative against central differences. */
static void test_expr_derivatives(void **state)
{
    (void)state;
    qnn_qc *qc = qnn_qc_new(1, "t");
    int u = qnn_qc_add_var(qc, "u", 0, 0), w = qnn_qc_add_var(qc, "w", 0, 0);
    int U = qnn_qc_varref(qc, u), W = qnn_qc_varref(qc, w);
    int half = qnn_qc_binary(qc, QNN_EX_MUL, qnn_qc_const(qc, 0.5), U); /* keeps asin/acos in range */
    int ex[] = {
        qnn_qc_unary(qc, QNN_EX_NEG, U),       qnn_qc_binary(qc, QNN_EX_ADD, U, W),
        qnn_qc_binary(qc, QNN_EX_SUB, U, W),   qnn_qc_binary(qc, QNN_EX_MUL, U, W),
        qnn_qc_binary(qc, QNN_EX_DIV, U, W),   qnn_qc_binary(qc, QNN_EX_POW, U, W),
        qnn_qc_binary(qc, QNN_EX_POW, U, qnn_qc_const(qc, 3)),
        qnn_qc_unary(qc, QNN_EX_SIN, U),       qnn_qc_unary(qc, QNN_EX_COS, U),
        qnn_qc_unary(qc, QNN_EX_TAN, U),       qnn_qc_unary(qc, QNN_EX_EXP, U),
        qnn_qc_unary(qc, QNN_EX_LN, U),        qnn_qc_unary(qc, QNN_EX_SQRT, U),
        qnn_qc_unary(qc, QNN_EX_ASIN, half),   qnn_qc_unary(qc, QNN_EX_ACOS, half),
        qnn_qc_unary(qc, QNN_EX_ATAN, U),
        qnn_qc_binary(qc, QNN_EX_MUL, qnn_qc_unary(qc, QNN_EX_SIN, qnn_qc_binary(qc, QNN_EX_MUL, U, W)), U),
    };
    double th[2] = {0.7, 1.3};
    for (size_t i = 0; i < sizeof ex / sizeof ex[0]; i++) {
        assert_true(ex[i] >= 0);
        for (int v = 0; v < 2; v++) {
            double d, h = 1e-6, p[2] = {th[0], th[1]}, m[2] = {th[0], th[1]};
            double f = qnn_expr_eval(qc, ex[i], th, NULL, v, &d);
            p[v] += h;
            m[v] -= h;
            double fd = (qnn_expr_eval(qc, ex[i], p, NULL, v, NULL) - qnn_expr_eval(qc, ex[i], m, NULL, v, NULL)) /
                        (2 * h);
            assert_true(isfinite(f));
            if (fabs(d - fd) > 1e-7 * (1 + fabs(fd)))
                fprintf(stderr, "expression %zu, variable %d: %.12g, finite differences %.12g\n", i, v, d, fd);
            assert_true(fabs(d - fd) <= 1e-7 * (1 + fabs(fd)));
        }
    }
    /* a negative base with a constant exponent: no log of it */
    double neg[2] = {-1.5, 0}, d;
    assert_true(fabs(qnn_expr_eval(qc, ex[6], neg, NULL, u, &d) + 3.375) < 1e-12);
    assert_true(fabs(d - 3 * 2.25) < 1e-12);
    /* formatting: parenthesised, 17 digits */
    char buf[256];
    int c = qnn_qc_binary(qc, QNN_EX_SUB, qnn_qc_const(qc, 0.1), qnn_qc_const(qc, -2.5));
    assert_int_equal(qnn_expr_format(qc, c, buf, sizeof buf), 0);
    assert_string_equal(buf, "(0.10000000000000001 - (-2.5))");
    assert_int_equal(qnn_expr_format(qc, ex[16], buf, sizeof buf), 0);
    assert_string_equal(buf, "(sin((u * w)) * u)");
    assert_int_equal(qnn_expr_format(qc, ex[16], buf, 5), -1);
    qnn_qc_free(qc);
}

/* --- files ----------------------------------------------------------------- */

static void test_qiskit_rzz(void **state)
{
    (void)state;
    qnn_qc *qc = load("qiskit_rzz.qasm");
    assert_int_equal(qc->n, 2);
    assert_int_equal(qc->nvars, 2);
    assert_string_equal(qc->vars[0].name, "_\xce\xb8_0_");
    assert_string_equal(qc->vars[1].name, "_\xce\xb8_1_");
    assert_int_equal(qc->vars[1].line, 4);
    assert_int_equal(qc->vars[1].col, 17);
    /* the definition is Qiskit's decomposition of rzz: the native gate */
    const qnn_gate_kind k[] = {QNN_G_RY, QNN_G_RZZ};
    expect_kinds(qc, k, 2);
    expect_qubits(&qc->gates[1], 0, 1, -1);
    assert_int_equal(qc->gates[1].line, 13);
    assert_int_equal(qc->gates[1].col, 1);
    double th[2] = {0.3, 0.4};
    assert_true(angle(qc, 0, 0, th, NULL) == 0.3);
    assert_true(angle(qc, 1, 0, th, NULL) == 0.8);
    round_trip(qc);
    qnn_qc_free(qc);
}

static void test_qiskit_ansatz(void **state)
{
    (void)state;
    qnn_qc *qc = load("qiskit_ansatz.qasm");
    assert_int_equal(qc->n, 3);
    assert_int_equal(qc->nparams, 6);
    const qnn_gate_kind k[] = {QNN_G_RY, QNN_G_RY, QNN_G_RY, QNN_G_CX, QNN_G_CX, QNN_G_RXX, QNN_G_RYY, QNN_G_U,
                               QNN_G_SXDG, QNN_G_P, QNN_G_CX, QNN_G_P, QNN_G_CX, QNN_G_P, QNN_G_CRX};
    expect_kinds(qc, k, 15);
    double th[6] = {0.1, 0.2, 0.3, 0.4, 0.5, 0.6};
    assert_true(angle(qc, 6, 0, th, NULL) == 0.25);
    assert_true(angle(qc, 7, 0, th, NULL) == 0.6);
    assert_true(angle(qc, 7, 1, th, NULL) == -M_PI / 2);
    assert_true(angle(qc, 7, 2, th, NULL) == M_PI / 2);
    /* cs expanded on q[0], q[2] */
    expect_qubits(&qc->gates[9], 0, -1, -1);
    expect_qubits(&qc->gates[10], 0, 2, -1);
    assert_true(angle(qc, 11, 0, th, NULL) == -M_PI / 4);
    expect_qubits(&qc->gates[14], 2, 0, -1);
    assert_true(fabs(angle(qc, 14, 0, th, NULL) - 0.1) < 1e-16);
    /* the angle of crx depends on θ0 and θ1 only */
    assert_true(qnn_expr_uses(qc, qc->gates[14].angle[0], 0));
    assert_true(qnn_expr_uses(qc, qc->gates[14].angle[0], 1));
    assert_false(qnn_expr_uses(qc, qc->gates[14].angle[0], 2));
    round_trip(qc);
    qnn_qc_free(qc);
}

static void test_pennylane(void **state)
{
    (void)state;
    qnn_qc *qc = load("pennylane.qasm");
    assert_int_equal(qc->n, 4);
    assert_int_equal(qc->nvars, 3);
    assert_string_equal(qc->vars[2].name, "w");
    const qnn_gate_kind k[] = {QNN_G_RX, QNN_G_RX, QNN_G_H, QNN_G_H, QNN_G_H, QNN_G_H,
                               QNN_G_CZ, QNN_G_CZ, QNN_G_RZ, QNN_G_RY, QNN_G_CX};
    expect_kinds(qc, k, 11);
    for (int i = 0; i < 4; i++)
        expect_qubits(&qc->gates[2 + i], i, -1, -1);
    /* the model makes x_0, x_1 features when the data has such columns */
    qnn_qc_set_role(qc, 0, QNN_VAR_FEATURE);
    qnn_qc_set_role(qc, 1, QNN_VAR_FEATURE);
    assert_int_equal(qc->nparams, 1);
    double th[1] = {0.5}, x[2] = {0.25, 0.75};
    assert_true(angle(qc, 1, 0, th, x) == 0.75);
    assert_true(angle(qc, 9, 0, th, x) == sin(0.25) * 0.5);
    round_trip(qc);
    qnn_qc_free(qc);
}

static void test_qelib1(void **state)
{
    (void)state;
    qnn_qc *qc = load("qelib1.qasm");
    assert_int_equal(qc->n, 3);
    assert_int_equal(qc->nvars, 0);
    const qnn_gate_kind k[] = {QNN_G_U, QNN_G_U, QNN_G_P, QNN_G_CX, QNN_G_RZ, QNN_G_CP, QNN_G_CCX};
    expect_kinds(qc, k, 7);
    assert_true(angle(qc, 0, 2, NULL, NULL) == 0.3);
    assert_true(angle(qc, 1, 0, NULL, NULL) == M_PI / 2);
    assert_true(angle(qc, 1, 2, NULL, NULL) == M_PI);
    assert_true(angle(qc, 2, 0, NULL, NULL) == M_PI / 4);
    expect_qubits(&qc->gates[6], 0, 1, 2);
    round_trip(qc);
    qnn_qc_free(qc);
}

static void test_loops_and_gates(void **state)
{
    (void)state;
    qnn_qc *qc = load("loops.qasm");
    assert_int_equal(qc->n, 4);
    assert_int_equal(qc->nvars, 2);
    assert_int_equal(qc->ngates, 20);
    double th[2] = {0.3, 0.7};
    for (int i = 0; i < 3; i++) {
        const qnn_gate *g = &qc->gates[6 * i];
        /* layer(a, -a) x, y with a = θ + i on q[i], q[i+1] */
        assert_int_equal(g[0].kind, QNN_G_RY);
        expect_qubits(&g[0], i, -1, -1);
        assert_true(angle(qc, 6 * i, 0, th, NULL) == 0.3 + i);
        assert_int_equal(g[1].kind, QNN_G_RZ);
        expect_qubits(&g[1], i + 1, -1, -1);
        assert_true(angle(qc, 6 * i + 1, 0, th, NULL) == -(0.3 + i) * (M_PI / 2));
        assert_int_equal(g[2].kind, QNN_G_CZ);
        expect_qubits(&g[2], i, i + 1, -1);
        /* layer(2a, a**2) y, x */
        expect_qubits(&g[3], i + 1, -1, -1);
        assert_true(angle(qc, 6 * i + 3, 0, th, NULL) == 2 * (0.3 + i));
        assert_true(angle(qc, 6 * i + 4, 0, th, NULL) == pow(0.3 + i, 2) * (M_PI / 2));
        expect_qubits(&g[5], i + 1, i, -1);
    }
    assert_int_equal(qc->gates[18].kind, QNN_G_RX);
    expect_qubits(&qc->gates[19], 2, -1, -1);
    assert_true(angle(qc, 19, 0, th, NULL) == 1.4);
    double d;
    qnn_expr_eval(qc, qc->gates[4].angle[0], th, NULL, 0, &d);
    assert_true(fabs(d - 2 * 0.3 * M_PI / 2) < 1e-14);
    round_trip(qc);
    qnn_qc_free(qc);
}

static void test_registers_and_forms(void **state)
{
    (void)state;
    char err[512] = "";
    qnn_qc *qc = NULL;
    const char *text =
        "\xEF\xBB\xBF// several registers, concatenated\n"
        "OPENQASM 3;\nqubit[2] a;\nqubit b;\nqubit[3] c;\nbit[6] m;\n"
        "input angle t;\ninput float f;\nfor i in [0:0] { reset c[i]; }\nreset c;\n"
        "h a[1]; x b; cx b, c[2];\n"
        "rx(-2 ** 2) c[0];\n"
        "ry(2 ** 3 ** 2 / 512 + 1e-3) c[1];\n"
        "rz(\xcf\x80 - \xcf\x84 + euler - \xe2\x84\x87 + tau/2) a[0];\n"
        "U(t, f, -t) b; u(1, 2, 3) b;\n"
        "cu(t, 0, 0, f) a[0], a[1];\n"
        "swap a[0], a[1]; cswap a[0], a[1], b;\n"
        "rx(arcsin(0.5) + arccos(0.5) + arctan(1) + sqrt(4) + ln(euler) + exp(0) + tan(0) + cos(0)) c[2];\n"
        "gate id2 x { }\n id2 c;\n"
        "barrier; barrier a, b;\n"
        "measure a[0] -> m[0];\n"
        "m[1] = measure a[1];\nm = measure c;\nmeasure b;\nmeasure b;\n";
    int rc = parse(text, &qc, err, sizeof err);
    if (rc)
        fprintf(stderr, "%s\n", err);
    assert_int_equal(rc, 0);
    assert_int_equal(qc->n, 6);
    const qnn_gate_kind k[] = {QNN_G_H,  QNN_G_X, QNN_G_CX, QNN_G_RX,    QNN_G_RY,   QNN_G_RZ,
                               QNN_G_U,  QNN_G_U, QNN_G_CU, QNN_G_SWAP, QNN_G_CSWAP, QNN_G_RX};
    expect_kinds(qc, k, 12);
    expect_qubits(&qc->gates[0], 1, -1, -1);
    expect_qubits(&qc->gates[1], 2, -1, -1);
    expect_qubits(&qc->gates[2], 2, 5, -1);
    assert_true(angle(qc, 3, 0, NULL, NULL) == -4);
    assert_true(angle(qc, 4, 0, NULL, NULL) == 1.001);
    assert_true(fabs(angle(qc, 5, 0, NULL, NULL)) < 1e-15);
    double th[2] = {0.5, 0.25};
    assert_true(angle(qc, 6, 2, th, NULL) == -0.5);
    assert_true(angle(qc, 8, 3, th, NULL) == 0.25);
    expect_qubits(&qc->gates[9], 0, 1, -1);
    expect_qubits(&qc->gates[10], 0, 1, 2);
    assert_true(fabs(angle(qc, 11, 0, NULL, NULL) - (M_PI / 2 + M_PI / 4 + 2 + 1 + 1 + 1)) < 1e-14);
    round_trip(qc);
    qnn_qc_free(qc);
}

/* --- refusals ---------------------------------------------------------- */

typedef struct {
    const char *text;
    const char *where;   /* "line:col" */
    const char *has;     /* a further fragment */
    int code;
} refusal;

static const refusal refusals[] = {
    {"OPENQASM 3;\nqubit[2] q;\nfoo q[0];", "3:1", "'foo'", QNN_E_RELATION},
    {"qubit[2] q;\nh q[2];", "2:5", "0 .. 1 (qubit[2] q)", QNN_E_RELATION},
    {"qubit[20] q;\nqubit[5] r;", "2:1", "25 qubits", QNN_E_SIZE},
    {"qubit[2] q;\nif (c) h q[0];", "2:1", "control flow", QNN_E_FORMAT},
    {"qubit[2] q;\nctrl @ x q[0], q[1];", "2:1", "modifiers", QNN_E_FORMAT},
    {"qubit[2] q;\ninv @ h q[0];", "2:1", "modifiers", QNN_E_FORMAT},
    {"defcalgrammar \"openpulse\";", "1:1", "calibrations", QNN_E_FORMAT},
    {"qubit[1] q;\ncal { }", "2:1", "'cal'", QNN_E_FORMAT},
    {"def f() { }", "1:1", "subroutines", QNN_E_FORMAT},
    {"qubit[1] q;\nwhile (true) { h q[0]; }", "2:1", "'while'", QNN_E_FORMAT},
    {"qubit[1] q;\nint x = 1;", "2:1", "classical", QNN_E_FORMAT},
    {"qubit[1] q;\nh q[0]", "2:7", "'end of file'", QNN_E_FORMAT},
    {"qubit[1] q;\nrx(1/0) q[0];", "2:5", "finite", QNN_E_RELATION},
    {"qubit[1] q;\nrx(foo) q[0];", "2:4", "not declared", QNN_E_RELATION},
    {"qubit[2] q;\ncx q[0], q[0];", "2:10", "used twice", QNN_E_RELATION},
    {"qubit[1] q;\nmeasure q[0];\nh q[0];", "3:1", "measurement at 2:1", QNN_E_RELATION},
    {"qubit[1] q;\nh q[0];\nreset q[0];", "3:1", "reset only", QNN_E_RELATION},
    {"include \"stdgates.inc\";\ngate h a { x a; }", "2:6", "stdgates.inc", QNN_E_RELATION},
    {"qubit[1] q;\ngate g a { g a; }", "2:12", "cannot call itself", QNN_E_RELATION},
    {"qubit[1] q;\nfor int i in [0:10000000] { h q[0]; }", "2:14", "iterations", QNN_E_SIZE},
    {"qubit[1] q;\nh q[0]; /* open", "2:9", "*/", QNN_E_FORMAT},
    {"qubit[1] q;\n\x01", "2:1", "'\\x01'", QNN_E_FORMAT},
    {"qubit[1] q;\nh q[0];\xff", "2:8", "'\\xFF'", QNN_E_FORMAT},
    {"qubit[1] q;\ninclude \"other.inc\";", "2:9", "not read", QNN_E_RELATION},
    {"OPENQASM 4;", "1:10", "version", QNN_E_RELATION},
    {"qubit[1] q;\nrx(0.1, 0.2) q[0];", "2:1", "1 parameter", QNN_E_RELATION},
    {"qubit[2] q;\nqubit[3] r;\ncx q, r;", "3:7", "same size", QNN_E_RELATION},
    {"qubit[1] q;\nh $0;", "2:3", "physical", QNN_E_FORMAT},
    {"", "1:1", "qubit declaration", QNN_E_RELATION},
    {"qubit[1] q;\nOPENQASM 3;", "2:1", "first statement", QNN_E_FORMAT},
    {"qubit[1] q;\ninput float x;\nconst float y = x;", "3:17", "constant", QNN_E_RELATION},
    {"qubit[2] q;\nh q[0:1];", "2:6", "slices", QNN_E_FORMAT},
    {"qubit[2] q;\nh q[1.5];", "2:5", "integer", QNN_E_RELATION},
    {"qubit[1] q;\nfor i in [0:0:3] h q[0];", "2:10", "step", QNN_E_RELATION},
    {"qubit[1] q;\nh q[0];\nqubit[1] q;", "3:10", "not declared before", QNN_E_RELATION},
    {"qubit[1] q;\ninput int n;", "2:7", "float", QNN_E_FORMAT},
    {"qubit[1] q;\nrx(1 % 2) q[0];", "2:6", "classical arithmetic", QNN_E_FORMAT},
    {"qubit[1] q;\nfor i in [0:1] { qubit r; }", "2:18", "top level", QNN_E_FORMAT},
    {"qubit[1] q;\ngate g a { measure a; }", "2:12", "gate definition", QNN_E_FORMAT},
    {"qubit[1] q;\nfor i in [0:1] { h q[i]; }", "2:22", "0 .. 0 (qubit[1] q)", QNN_E_RELATION},
    {"qubit[1] q;\ngate g a { h b; }", "2:14", "qubit argument", QNN_E_RELATION},
    {"qubit[2] q;\n#pragma braket result\n", "2:1", "pragmas", QNN_E_FORMAT},
    {"qubit[1] q;\nrx(pi) q[0];\nrx(1e999) q[0];", "3:4", "finite number", QNN_E_RELATION},
};

static void test_refusals(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof refusals / sizeof refusals[0]; i++) {
        const refusal *r = &refusals[i];
        char err[512] = "", want[64];
        qnn_qc *qc = (qnn_qc *)&err;   /* must be set to NULL */
        int rc = parse(r->text, &qc, err, sizeof err);
        snprintf(want, sizeof want, "t.qasm:%s: found '", r->where);
        int ok = rc == r->code && qc == NULL && strstr(err, want) == err && strstr(err, "; allowed: ") &&
                 strstr(err, r->has) && !strchr(err, '\n');
        if (!ok)
            fprintf(stderr, "refusal %zu: rc %d (want %d), message '%s' (want '%s...' with '%s')\n", i, rc, r->code,
                    err, want, r->has);
        assert_true(ok);
    }
}

static void test_too_many_qubits(void **state)
{
    (void)state;
    char err[512];
    qnn_qc *qc = NULL;
    assert_int_equal(parse("qubit[30] q;", &qc, err, sizeof err), QNN_E_SIZE);
    assert_non_null(strstr(err, "30 qubits"));
    assert_non_null(strstr(err, "16*2^30 bytes = 16 GiB"));
    assert_non_null(strstr(err, "at most 24"));
    assert_int_equal(parse("qubit[24] q; h q;", &qc, err, sizeof err), 0);
    assert_int_equal(qc->n, 24);
    assert_int_equal(qc->ngates, 24);
    qnn_qc_free(qc);
}

/* Inputs made to cost: each refused quickly with a bounded message. */
static void test_limits(void **state)
{
    (void)state;
    char err[512];
    qnn_qc *qc = NULL;
    size_t cap = 1 << 16;
    char *t = malloc(cap);
    assert_non_null(t);
    /* expressions nested beyond the depth limit */
    strcpy(t, "qubit[1] q;\nrx(");
    for (int i = 0; i < 200; i++)
        strcat(t, "(");
    strcat(t, "1");
    for (int i = 0; i < 200; i++)
        strcat(t, ")");
    strcat(t, ") q[0];");
    assert_int_equal(parse(t, &qc, err, sizeof err), QNN_E_SIZE);
    assert_non_null(strstr(err, "nested"));
    /* gates doubling at every level: 2^30 gates */
    strcpy(t, "qubit[1] q;\ngate g0 a { h a; }\n");
    for (int i = 1; i <= 30; i++)
        snprintf(t + strlen(t), cap - strlen(t), "gate g%d a { g%d a; g%d a; }\n", i, i - 1, i - 1);
    strcat(t, "g30 q[0];\n");
    clock_t c0 = clock();
    assert_int_equal(parse(t, &qc, err, sizeof err), QNN_E_SIZE);
    assert_non_null(strstr(err, "gates after expanding"));
    /* empty bodies doubling: no gate, but work */
    strcpy(t, "qubit[1] q;\ngate e0 a { }\n");
    for (int i = 1; i <= 40; i++)
        snprintf(t + strlen(t), cap - strlen(t), "gate e%d a { e%d a; e%d a; }\n", i, i - 1, i - 1);
    strcat(t, "e40 q[0];\n");
    assert_int_equal(parse(t, &qc, err, sizeof err), QNN_E_SIZE);
    assert_non_null(strstr(err, "statements executed"));
    /* loops nested in loops of nothing */
    assert_int_equal(parse("qubit[1] q; for i in [0:999999] { for j in [0:999999] { } }", &qc, err, sizeof err),
                     QNN_E_SIZE);
    /* an angle expression doubled at every call */
    strcpy(t, "qubit[1] q;\ngate f0(x) a { rx(x) a; }\n");
    for (int i = 1; i <= 30; i++)
        snprintf(t + strlen(t), cap - strlen(t), "gate f%d(x) a { f%d(x + x) a; }\n", i, i - 1);
    strcat(t, "input float w;\nf30(w) q[0];\n");
    assert_int_equal(parse(t, &qc, err, sizeof err), QNN_E_SIZE);
    assert_non_null(strstr(err, "angle expressions"));
    /* gate calls nested beyond the depth limit */
    strcpy(t, "qubit[1] q;\ngate d0 a { h a; }\n");
    for (int i = 1; i <= 70; i++)
        snprintf(t + strlen(t), cap - strlen(t), "gate d%d a { d%d a; }\n", i, i - 1);
    strcat(t, "d70 q[0];\n");
    assert_int_equal(parse(t, &qc, err, sizeof err), QNN_E_SIZE);
    assert_non_null(strstr(err, "nested at most 64"));
    double secs = (double)(clock() - c0) / CLOCKS_PER_SEC;
    assert_true(secs < 60);
    free(t);
    /* the largest allowed loop */
    assert_int_equal(parse("qubit[1] q; input float a; for i in [1:1000000] rx(a*i) q[0];", &qc, err, sizeof err),
                     0);
    assert_int_equal(qc->ngates, QNN_QASM_MAX_GATES);
    qnn_qc_free(qc);
    assert_int_equal(parse("qubit[1] q; for i in [1:1000001] x q[0];", &qc, err, sizeof err), QNN_E_SIZE);
}

static void test_read_errors(void **state)
{
    (void)state;
    char err[512];
    qnn_qc *qc = NULL;
    assert_int_equal(qnn_qasm_read(DATA "no-such-file.qasm", &qc, err, sizeof err), QNN_E_FILE);
    assert_non_null(strstr(err, "no-such-file.qasm"));
    assert_non_null(strstr(err, "allowed"));
    assert_int_equal(qnn_qasm_read(DATA, &qc, err, sizeof err), QNN_E_FILE);
    assert_null(qc);
    /* not NUL-terminated: the length is what counts */
    const char text[] = "qubit q; h q;XXXX";
    assert_int_equal(qnn_qasm_parse(text, 13, "n.qasm", &qc, err, sizeof err), 0);
    assert_int_equal(qc->ngates, 1);
    qnn_qc_free(qc);
}

/* A user definition of a native extension's name with another body is
 * expanded, not taken for the native gate. */
static void test_user_definitions(void **state)
{
    (void)state;
    char err[512];
    qnn_qc *qc = NULL;
    assert_int_equal(parse("qubit[2] q;\ngate rzz(t) a, b { cz a, b; rz(t) b; }\nrzz(0.5) q[0], q[1];", &qc, err,
                           sizeof err),
                     0);
    const qnn_gate_kind k1[] = {QNN_G_CZ, QNN_G_RZ};
    expect_kinds(qc, k1, 2);
    qnn_qc_free(qc);
    /* the template is matched exactly: the mirrored body (the same
       unitary) is expanded, and rz(2*t) is another gate */
    assert_int_equal(parse("qubit[2] q;\ngate rzz(t) a, b { cx b, a; rz(t) a; cx b, a; }\nrzz(0.5) q[0], q[1];",
                           &qc, err, sizeof err),
                     0);
    assert_int_equal(qc->ngates, 3);
    qnn_qc_free(qc);
    assert_int_equal(parse("qubit[2] q;\ngate rzz(t) a, b { cx a, b; rz(2*t) b; cx a, b; }\nrzz(0.5) q[0], q[1];",
                           &qc, err, sizeof err),
                     0);
    assert_int_equal(qc->ngates, 3);
    qnn_qc_free(qc);
    /* without stdgates.inc a definition may take a standard name */
    assert_int_equal(parse("qubit[1] q;\ngate h a { x a; }\nh q[0];", &qc, err, sizeof err), 0);
    assert_int_equal(qc->gates[0].kind, QNN_G_X);
    qnn_qc_free(qc);
    /* a loop that never runs is still checked */
    assert_int_equal(parse("qubit[1] q;\nfor i in [1:0] { nope q[0]; }", &qc, err, sizeof err), QNN_E_RELATION);
    assert_int_equal(parse("qubit[1] q;\nfor i in [1:0] { h q[i]; }", &qc, err, sizeof err), 0);
    assert_int_equal(qc->ngates, 0);
    qnn_qc_free(qc);
}

/* Builder circuits with every gate kind and every operation survive the
 * writer and the reader. */
static void test_round_trip_all_kinds(void **state)
{
    (void)state;
    char err[256];
    qnn_qc *qc = qnn_qc_new(3, "all");
    int a = qnn_qc_add_var(qc, "a", 0, 0), q = qnn_qc_add_var(qc, "q", 0, 0);
    int A = qnn_qc_varref(qc, a), Q = qnn_qc_varref(qc, q);
    int e[] = {
        A,
        qnn_qc_binary(qc, QNN_EX_ADD, qnn_qc_binary(qc, QNN_EX_MUL, qnn_qc_const(qc, -0.1), A), Q),
        qnn_qc_unary(qc, QNN_EX_NEG, qnn_qc_binary(qc, QNN_EX_POW, A, qnn_qc_const(qc, 1e-300))),
        qnn_qc_binary(qc, QNN_EX_DIV, qnn_qc_unary(qc, QNN_EX_SIN, A), qnn_qc_unary(qc, QNN_EX_COS, Q)),
        qnn_qc_binary(qc, QNN_EX_SUB, qnn_qc_unary(qc, QNN_EX_TAN, A), qnn_qc_unary(qc, QNN_EX_EXP, Q)),
        qnn_qc_binary(qc, QNN_EX_SUB, qnn_qc_unary(qc, QNN_EX_LN, A), qnn_qc_unary(qc, QNN_EX_SQRT, Q)),
        qnn_qc_unary(qc, QNN_EX_ASIN, qnn_qc_unary(qc, QNN_EX_ACOS, qnn_qc_unary(qc, QNN_EX_ATAN, A))),
        qnn_qc_const(qc, 0.7),
    };
    for (int k = 0; k < QNN_G_COUNT; k++) {
        const qnn_gate_info *gi = qnn_gate_info_of((qnn_gate_kind)k);
        int qs[3] = {k % 3, (k + 1) % 3, (k + 2) % 3}, ang[4];
        for (int i = 0; i < 4; i++)
            ang[i] = e[(k + i) % 8];
        assert_int_equal(qnn_qc_add(qc, (qnn_gate_kind)k, qs, gi->nangles ? ang : NULL, 0, 0, -1, err, sizeof err),
                         0);
    }
    round_trip(qc);
    qnn_qc_free(qc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gate_table),
        cmocka_unit_test(test_builder),
        cmocka_unit_test(test_expr_derivatives),
        cmocka_unit_test(test_qiskit_rzz),
        cmocka_unit_test(test_qiskit_ansatz),
        cmocka_unit_test(test_pennylane),
        cmocka_unit_test(test_qelib1),
        cmocka_unit_test(test_loops_and_gates),
        cmocka_unit_test(test_registers_and_forms),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_too_many_qubits),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_read_errors),
        cmocka_unit_test(test_user_definitions),
        cmocka_unit_test(test_round_trip_all_kinds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
