/* libFuzzer target: the bytes as an OpenQASM file (qnnlab --set
 * circuit=FILE.qasm).
 *
 * qnn_qasm_parse on the bytes. A refusal must return a negative status,
 * leave no circuit, and give one line that starts with the file name and
 * says what is allowed. An accepted circuit must keep the invariants of
 * qnn/qcircuit.h (1 .. QNN_MAX_QUBITS qubits, operands in range and
 * distinct, angles that are earlier pool nodes, variables in range), and
 * survive the round trip: qnn_qasm_write, then qnn_qasm_parse of that text
 * gives the same gates, variables and expression trees, and writing that
 * again gives the same text (for circuits of at most ROUND_TRIP_GATES
 * gates: a loop may make a million, whose text takes seconds to write and
 * read under the sanitizers; tests/test_qasm.c writes such sizes). Any
 * violation prints what it saw and calls abort(). */
#define _POSIX_C_SOURCE 200809L
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qnn/qasm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NAME "fuzz.qasm"
#define ROUND_TRIP_GATES 20000

static void die(const char *what, const char *detail)
{
    fprintf(stderr, "fuzz_qasm: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    abort();
}

static void check_refusal(int rc, const qnn_qc *qc, const char *err)
{
    if (rc >= 0 || qc)
        die("a refusal with a status >= 0 or a circuit left", err);
    if (!err[0] || !strstr(err, "allowed") || strchr(err, '\n'))
        die("a refusal whose message is not one line saying what is allowed", err);
    if (strncmp(err, NAME ":", strlen(NAME ":")) != 0)
        die("a refusal whose message does not start with the file name", err);
}

static void check_invariants(const qnn_qc *qc)
{
    if (qc->n < 1 || qc->n > QNN_MAX_QUBITS)
        die("a circuit with a qubit count out of range", NULL);
    if (qc->nparams + qc->nfeatures != qc->nvars || qc->ngates > QNN_QASM_MAX_GATES)
        die("a circuit with inconsistent counts", NULL);
    for (int i = 0; i < qc->nexpr; i++) {
        const qnn_expr *e = &qc->expr[i];
        if (e->op == QNN_EX_VAR && (e->var < 0 || e->var >= qc->nvars))
            die("an expression with a variable out of range", NULL);
        if (e->op != QNN_EX_VAR && e->op != QNN_EX_CONST && (e->a < 0 || e->a >= i))
            die("an expression node that refers to a later node", NULL);
    }
    for (int i = 0; i < qc->ngates; i++) {
        const qnn_gate *g = &qc->gates[i];
        const qnn_gate_info *gi = qnn_gate_info_of(g->kind);
        if (!gi)
            die("a gate of unknown kind", NULL);
        for (int k = 0; k < gi->nqubits; k++) {
            if (g->q[k] < 0 || g->q[k] >= qc->n)
                die("a gate operand out of range", NULL);
            for (int j = 0; j < k; j++)
                if (g->q[j] == g->q[k])
                    die("a gate with an operand twice", NULL);
        }
        for (int k = 0; k < gi->nangles; k++)
            if (g->angle[k] < 0 || g->angle[k] >= qc->nexpr)
                die("a gate angle that is not a pool node", NULL);
    }
}

static int expr_same(const qnn_qc *a, int ea, const qnn_qc *b, int eb)
{
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

static void same_circuit(const qnn_qc *a, const qnn_qc *b, const char *text)
{
    int ok = a->n == b->n && a->nvars == b->nvars && a->ngates == b->ngates;
    for (int v = 0; ok && v < a->nvars; v++)
        ok = !strcmp(a->vars[v].name, b->vars[v].name);
    for (int i = 0; ok && i < a->ngates; i++) {
        const qnn_gate *g = &a->gates[i], *h = &b->gates[i];
        ok = g->kind == h->kind && !memcmp(g->q, h->q, sizeof g->q);
        for (int k = 0; ok && k < qnn_gate_info_of(g->kind)->nangles; k++)
            ok = expr_same(a, g->angle[k], b, h->angle[k]);
    }
    if (!ok)
        die("the written text reads back to another circuit", text);
}

/* The circuit as text (malloc'd), or abort. */
static char *write_text(const qnn_qc *qc, size_t *len)
{
    char *buf = NULL;
    FILE *f = open_memstream(&buf, len);
    if (!f)
        abort();
    if (qnn_qasm_write(qc, "fuzz", f) != 0)
        die("qnn_qasm_write failed on an accepted circuit", NULL);
    fclose(f);
    return buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[1024] = "";
    qnn_qc *qc = (qnn_qc *)err;   /* the parser must set it */
    int rc = qnn_qasm_parse((const char *)data, size, NAME, &qc, err, sizeof err);
    if (rc != 0) {
        check_refusal(rc, qc, err);
        return 0;
    }
    if (!qc)
        die("accepted without a circuit", NULL);
    check_invariants(qc);
    if (qc->ngates > ROUND_TRIP_GATES) {
        qnn_qc_free(qc);
        return 0;
    }
    size_t len1, len2;
    char *t1 = write_text(qc, &len1);
    qnn_qc *back = NULL;
    if (qnn_qasm_parse(t1, len1, "written.qasm", &back, err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", t1);
        die("the written text is refused", err);
    }
    check_invariants(back);
    same_circuit(qc, back, t1);
    char *t2 = write_text(back, &len2);
    if (len1 != len2 || memcmp(t1, t2, len1) != 0)
        die("writing the read-back circuit gives another text", t2);
    free(t1);
    free(t2);
    qnn_qc_free(back);
    qnn_qc_free(qc);
    return 0;
}
