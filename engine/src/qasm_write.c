/* The OpenQASM 3 writer (qnn/qasm.h): text that qasm.c reads back to the
 * same gates, variables and expression trees, and that Qiskit, Braket and
 * PennyLane read too (only stdgates.inc names; the native gates stdgates
 * lacks come with their definitions, in the form qasm.c recognises). */
#include "qnn/qasm.h"

#include <stdlib.h>
#include <string.h>

/* The definitions of the native gates that stdgates.inc lacks; qasm.c
 * reads exactly these bodies back as the native gate (its templates). */
static const struct { qnn_gate_kind kind; const char *text; } defs[] = {
    {QNN_G_RXX, "gate rxx(_gate_p_0) _gate_q_0, _gate_q_1 {\n"
                "  h _gate_q_0;\n  h _gate_q_1;\n  cx _gate_q_0, _gate_q_1;\n  rz(_gate_p_0) _gate_q_1;\n"
                "  cx _gate_q_0, _gate_q_1;\n  h _gate_q_0;\n  h _gate_q_1;\n}\n"},
    {QNN_G_RYY, "gate ryy(_gate_p_0) _gate_q_0, _gate_q_1 {\n"
                "  rx(pi/2) _gate_q_0;\n  rx(pi/2) _gate_q_1;\n  cx _gate_q_0, _gate_q_1;\n"
                "  rz(_gate_p_0) _gate_q_1;\n  cx _gate_q_0, _gate_q_1;\n  rx(-pi/2) _gate_q_0;\n"
                "  rx(-pi/2) _gate_q_1;\n}\n"},
    {QNN_G_RZZ, "gate rzz(_gate_p_0) _gate_q_0, _gate_q_1 {\n"
                "  cx _gate_q_0, _gate_q_1;\n  rz(_gate_p_0) _gate_q_1;\n  cx _gate_q_0, _gate_q_1;\n}\n"},
    {QNN_G_RZX, "gate rzx(_gate_p_0) _gate_q_0, _gate_q_1 {\n"
                "  h _gate_q_1;\n  cx _gate_q_0, _gate_q_1;\n  rz(_gate_p_0) _gate_q_1;\n"
                "  cx _gate_q_0, _gate_q_1;\n  h _gate_q_1;\n}\n"},
    {QNN_G_SXDG, "gate sxdg _gate_q_0 {\n  s _gate_q_0;\n  h _gate_q_0;\n  s _gate_q_0;\n}\n"},
};

/* A register name that no variable has: q, q_, q__ ... */
static void reg_name(const qnn_qc *qc, char *buf, size_t len)
{
    size_t n = 1;
    for (;;) {
        if (n >= len) {
            buf[0] = '\0';
            return;
        }
        buf[0] = 'q';
        memset(buf + 1, '_', n - 1);
        buf[n] = '\0';
        if (qnn_qc_var_find(qc, buf) < 0)
            return;
        n++;
    }
}

/* An angle's text into *buf (grown as needed); 0 or -1. */
static int format_angle(const qnn_qc *qc, int e, char **buf, size_t *cap)
{
    while (qnn_expr_format(qc, e, *buf, *cap) != 0) {
        if (*cap >= ((size_t)1 << 26))
            return -1;
        char *n = realloc(*buf, *cap * 2);
        if (!n)
            return -1;
        *buf = n;
        *cap *= 2;
    }
    return 0;
}

/* Variables in order as float[64] inputs (the roles are the caller's:
 * the model matches inputs to data columns by name). */
int qnn_qasm_write(const qnn_qc *qc, const char *comment, FILE *f)
{
    if (!qc || !f || qc->n < 1)
        return -1;
    if (comment) {
        fputs("// ", f);
        for (const char *c = comment; *c; c++)
            fputc((unsigned char)*c < 0x20 || *c == 0x7F ? ' ' : *c, f);
        fputc('\n', f);
    }
    fputs("OPENQASM 3.0;\ninclude \"stdgates.inc\";\n", f);
    for (int v = 0; v < qc->nvars; v++)
        fprintf(f, "input float[64] %s;\n", qc->vars[v].name);
    for (size_t d = 0; d < sizeof defs / sizeof defs[0]; d++)
        for (int i = 0; i < qc->ngates; i++)
            if (qc->gates[i].kind == defs[d].kind) {
                fputs(defs[d].text, f);
                break;
            }
    char q[QNN_MAX_QUBITS + 8];
    reg_name(qc, q, sizeof q);
    if (!q[0])
        return -1;
    fprintf(f, "qubit[%d] %s;\n", qc->n, q);
    size_t cap = 256;
    char *buf = malloc(cap);
    if (!buf)
        return -1;
    int rc = 0;
    for (int i = 0; i < qc->ngates && rc == 0; i++) {
        const qnn_gate *g = &qc->gates[i];
        const qnn_gate_info *gi = qnn_gate_info_of(g->kind);
        if (!gi) {
            rc = -1;
            break;
        }
        fputs(gi->name, f);
        for (int a = 0; a < gi->nangles && rc == 0; a++) {
            rc = format_angle(qc, g->angle[a], &buf, &cap);
            fprintf(f, "%s%s", a ? ", " : "(", buf);
        }
        if (gi->nangles)
            fputc(')', f);
        for (int k = 0; k < gi->nqubits; k++)
            fprintf(f, "%s%s[%d]", k ? ", " : " ", q, g->q[k]);
        fputs(";\n", f);
    }
    free(buf);
    if (rc == 0 && (fflush(f) != 0 || ferror(f)))
        rc = -1;
    return rc;
}
