/* The built-in circuit families (qnn/ansatz.h, docs/CIRCUITS.md
 * "Families"): the hardware-efficient ansatz, the QAOA-style layered
 * ansatz for a Pauli-sum cost, the default cost, and the angle encoding of
 * data features. Everything is built through the builder API of
 * qnn/qcircuit.h, so a family is exactly the circuit its QASM export
 * describes. */
#include "qnn/ansatz.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qnn/qasm.h"

#define ALLOWED_ROT "a comma list of 1 to 3 rotations from rx, ry, rz (e.g. 'ry' or 'rz,ry,rz')"

/* Parses a rotations list into kinds[0 .. *count-1]; 0 or a message. */
static int parse_rotations(const char *rotations, qnn_gate_kind *kinds, int *count,
                           char *err, size_t errlen)
{
    if (!rotations)
        return qnn_fail(err, errlen, QNN_E_KEY_TYPE, "key 'rotations': no value; allowed: " ALLOWED_ROT);
    int cnt = 0;
    const char *p = rotations;
    for (;;) {
        while (*p == ' ' || *p == '\t')
            p++;
        const char *w = p;
        while (*p && *p != ',' && *p != ' ' && *p != '\t')
            p++;
        size_t len = (size_t)(p - w);
        while (*p == ' ' || *p == '\t')
            p++;
        qnn_gate_kind k = QNN_G_COUNT;
        if (len == 2 && (w[0] == 'r' || w[0] == 'R')) {
            switch (w[1]) {
            case 'x': case 'X': k = QNN_G_RX; break;
            case 'y': case 'Y': k = QNN_G_RY; break;
            case 'z': case 'Z': k = QNN_G_RZ; break;
            default: break;
            }
        }
        if (k == QNN_G_COUNT || (*p && *p != ',') || cnt == 3) {
            char shown[64];
            size_t o = 0;
            const char *s = (k == QNN_G_COUNT) ? w : cnt == 3 ? w : p;
            size_t sl = (k == QNN_G_COUNT) ? (len ? len : (*s ? 1 : 0)) : cnt == 3 ? len : 1;
            for (size_t i = 0; i < sl && o + 5 < sizeof shown; i++) {
                unsigned char ch = (unsigned char)s[i];
                if (ch < 0x20 || ch >= 0x7f)
                    o += (size_t)snprintf(shown + o, sizeof shown - o, "\\x%02X", ch);
                else
                    shown[o++] = (char)ch;
            }
            shown[o] = '\0';
            if (cnt == 3 && k != QNN_G_COUNT)
                return qnn_fail(err, errlen, QNN_E_KEY_TYPE,
                                "key 'rotations': column %ld: found a fourth rotation '%s'; allowed: " ALLOWED_ROT,
                                (long)(s - rotations) + 1, shown);
            if (sl == 0)
                return qnn_fail(err, errlen, QNN_E_KEY_TYPE,
                                "key 'rotations': column %ld: found the end of the value; allowed: " ALLOWED_ROT,
                                (long)(s - rotations) + 1);
            return qnn_fail(err, errlen, QNN_E_KEY_TYPE, "key 'rotations': column %ld: found '%s'; allowed: " ALLOWED_ROT,
                            (long)(s - rotations) + 1, shown);
        }
        kinds[cnt++] = k;
        if (!*p)
            break;
        p++; /* ',' */
    }
    *count = cnt;
    return 0;
}

/* Contract: qnn/ansatz.h. Rotation names either case, spaces around the
 * commas; repeats allowed ("rz,ry,rz" is a general rotation). */
int qnn_ansatz_check_rotations(const char *rotations, char *err, size_t errlen)
{
    qnn_gate_kind kinds[3];
    int cnt = 0;
    return parse_rotations(rotations, kinds, &cnt, err, errlen);
}

static int check_size(int n, int layers, double gates, char *err, size_t errlen)
{
    if (n < 1 || n > QNN_MAX_QUBITS)
        return qnn_fail(err, errlen, QNN_E_KEY_RANGE, "key 'n': value '%d' is out of range; allowed: 1 .. %d",
                        n, QNN_MAX_QUBITS);
    if (layers < 1)
        return qnn_fail(err, errlen, QNN_E_KEY_RANGE, "key 'layers': value '%d' is out of range; allowed: 1 or more", layers);
    if (gates > QNN_QASM_MAX_GATES)
        return qnn_fail(err, errlen, QNN_E_SIZE,
                        "key 'layers': value '%d' gives %.0f gates; allowed: at most %d gates (fewer layers)",
                        layers, gates, QNN_QASM_MAX_GATES);
    return 0;
}

/* An angle expression factor · var (the variable alone when factor is 1),
 * or -1 (memory). */
static int scaled_var(qnn_qc *qc, double factor, int var)
{
    int v = qnn_qc_varref(qc, var);
    if (v < 0 || factor == 1.0)
        return v;
    int c = qnn_qc_const(qc, factor);
    if (c < 0)
        return -1;
    return qnn_qc_binary(qc, QNN_EX_MUL, c, v);
}

static int nomem(char *err, size_t errlen, const char *what)
{
    return qnn_fail(err, errlen, QNN_E_NOMEM, "%s: out of memory", what);
}

/* Appends a gate; 0 or the status of qnn_qc_add. */
static int put(qnn_qc *qc, qnn_gate_kind k, int q0, int q1, int angle, int layer, char *err, size_t errlen)
{
    int q[QNN_GATE_MAX_QUBITS] = {q0, q1, -1};
    int a[QNN_GATE_MAX_ANGLES] = {angle, -1, -1, -1};
    return qnn_qc_add(qc, k, q, a, 0, 0, layer, err, errlen);
}

/* Contract: qnn/ansatz.h. Variables theta_k in the order layer, rotation,
 * qubit; the entangler acts with the lower operand of a pair (i, i+1) as
 * the control of cx, and (n-1, 0) closes a ring; every gate of layer l has
 * qnn_gate.layer = l. */
int qnn_ansatz_hea(int n, int layers, const char *rotations, qnn_entgate ent,
                   qnn_topology topo, qnn_qc **out, char *err, size_t errlen)
{
    if (!out)
        return qnn_fail(err, errlen, QNN_E_ARGS, "hea: no output");
    *out = NULL;
    qnn_gate_kind rot[3];
    int nrot = 0, rc;
    if ((rc = parse_rotations(rotations, rot, &nrot, err, errlen)) != 0)
        return rc;
    if (ent != QNN_ENTGATE_CZ && ent != QNN_ENTGATE_CX)
        return qnn_fail(err, errlen, QNN_E_KEY_TYPE, "key 'entangling': value %d; allowed: cz, cx", (int)ent);
    if (topo != QNN_TOPO_LINE && topo != QNN_TOPO_RING)
        return qnn_fail(err, errlen, QNN_E_KEY_TYPE, "key 'topology': value %d; allowed: line, ring", (int)topo);
    int npairs = n < 2 ? 0 : (topo == QNN_TOPO_RING && n > 2) ? n : n - 1;
    if ((rc = check_size(n, layers, (double)layers * (nrot * (double)n + npairs), err, errlen)) != 0)
        return rc;
    qnn_qc *qc = qnn_qc_new(n, "hea");
    if (!qc)
        return nomem(err, errlen, "hea");
    qnn_gate_kind eg = ent == QNN_ENTGATE_CX ? QNN_G_CX : QNN_G_CZ;
    int k = 0;
    char name[32];
    for (int l = 0; l < layers; l++) {
        for (int r = 0; r < nrot; r++)
            for (int q = 0; q < n; q++) {
                snprintf(name, sizeof name, "theta_%d", k++);
                int v = qnn_qc_add_var(qc, name, 0, 0);
                int a = v < 0 ? -1 : qnn_qc_varref(qc, v);
                if (a < 0) {
                    rc = nomem(err, errlen, "hea");
                    goto fail;
                }
                if ((rc = put(qc, rot[r], q, -1, a, l, err, errlen)) != 0)
                    goto fail;
            }
        for (int i = 0; i < npairs; i++)
            if ((rc = put(qc, eg, i, (i + 1) % n, -1, l, err, errlen)) != 0)
                goto fail;
    }
    *out = qc;
    return 0;
fail:
    qnn_qc_free(qc);
    return rc;
}

/* Contract: qnn/ansatz.h. Ring Σ_i Z_i Z_{i+1 mod n} for n > 2, Z_1 Z_0
 * for n = 2, Z_0 for n = 1; coefficients 1. 0, or QNN_E_ARGS / QNN_E_NOMEM. */
int qnn_ansatz_default_cost(int n, qnn_pauli_sum *out)
{
    if (!out)
        return QNN_E_ARGS;
    memset(out, 0, sizeof *out);
    if (n < 1 || n > QNN_MAX_QUBITS)
        return QNN_E_ARGS;
    int m = n == 1 ? 1 : n == 2 ? 1 : n;
    out->P = malloc((size_t)m * sizeof *out->P);
    out->c = malloc((size_t)m * sizeof *out->c);
    if (!out->P || !out->c) {
        free(out->P);
        free(out->c);
        memset(out, 0, sizeof *out);
        return QNN_E_NOMEM;
    }
    out->n = n;
    out->nterms = m;
    for (int i = 0; i < m; i++) {
        uint32_t z = n == 1 ? 1u : ((uint32_t)1 << i) | ((uint32_t)1 << ((i + 1) % n));
        out->P[i].x = 0u;
        out->P[i].z = z;
        out->c[i] = 1.0;
    }
    return 0;
}

/* exp(-i γ c P) for one non-identity string P, appended in layer l:
 * weight 1: rx/ry/rz(2 c γ) on its qubit; weight w >= 2: the basis change
 * (h for X; sdg then h for Y), cx(q_{j}, q_{j-1}) for j = w-1 .. 1 (the
 * parity onto the lowest qubit q_0), rz(2 c γ) on q_0, then the ladder and
 * the basis change undone (h; h then s). */
static int term_exp(qnn_qc *qc, qnn_pauli P, double c, int gvar, int l, char *err, size_t errlen)
{
    int qs[QNN_MAX_QUBITS], w = 0, rc;
    uint32_t support = P.x | P.z;
    for (int q = 0; q < qc->n; q++)
        if (support >> q & 1u)
            qs[w++] = q;
    int a = scaled_var(qc, 2.0 * c, gvar);
    if (a < 0)
        return nomem(err, errlen, "qaoa");
    if (w == 1) {
        int q = qs[0];
        int isx = (int)(P.x >> q & 1u), isz = (int)(P.z >> q & 1u);
        qnn_gate_kind k = isx && isz ? QNN_G_RY : isx ? QNN_G_RX : QNN_G_RZ;
        return put(qc, k, q, -1, a, l, err, errlen);
    }
    for (int j = 0; j < w; j++) {
        int q = qs[j];
        int isx = (int)(P.x >> q & 1u), isz = (int)(P.z >> q & 1u);
        if (isx && isz && (rc = put(qc, QNN_G_SDG, q, -1, -1, l, err, errlen)) != 0)
            return rc;
        if (isx && (rc = put(qc, QNN_G_H, q, -1, -1, l, err, errlen)) != 0)
            return rc;
    }
    for (int j = w - 1; j >= 1; j--)
        if ((rc = put(qc, QNN_G_CX, qs[j], qs[j - 1], -1, l, err, errlen)) != 0)
            return rc;
    if ((rc = put(qc, QNN_G_RZ, qs[0], -1, a, l, err, errlen)) != 0)
        return rc;
    for (int j = 1; j < w; j++)
        if ((rc = put(qc, QNN_G_CX, qs[j], qs[j - 1], -1, l, err, errlen)) != 0)
            return rc;
    for (int j = 0; j < w; j++) {
        int q = qs[j];
        int isx = (int)(P.x >> q & 1u), isz = (int)(P.z >> q & 1u);
        if (isx && (rc = put(qc, QNN_G_H, q, -1, -1, l, err, errlen)) != 0)
            return rc;
        if (isx && isz && (rc = put(qc, QNN_G_S, q, -1, -1, l, err, errlen)) != 0)
            return rc;
    }
    return 0;
}

/* Gates term_exp appends for P. */
static double term_gates(qnn_pauli P, int n)
{
    int w = 0, nx = 0, ny = 0;
    for (int q = 0; q < n; q++) {
        int isx = (int)(P.x >> q & 1u), isz = (int)(P.z >> q & 1u);
        w += isx | isz;
        nx += isx;
        ny += isx & isz;
    }
    return w == 0 ? 0.0 : w == 1 ? 1.0 : 2.0 * (nx + ny) + 2.0 * (w - 1) + 1.0;
}

/* Contract: qnn/ansatz.h. The initial h layer has qnn_gate.layer 0;
 * identity terms (a global phase) and terms with coefficient 0 make no
 * gate; a cost without any other term is refused (QNN_E_RELATION), as is
 * a cost on another number of qubits. The cost's terms are taken in their
 * order; they commute only when they do, so for non-commuting terms layer
 * l is the first-order product of the term exponentials, as written. */
int qnn_ansatz_qaoa(int n, int layers, const qnn_pauli_sum *cost, qnn_qc **out,
                    char *err, size_t errlen)
{
    if (!out)
        return qnn_fail(err, errlen, QNN_E_ARGS, "qaoa: no output");
    *out = NULL;
    if (!cost)
        return qnn_fail(err, errlen, QNN_E_ARGS, "qaoa: no cost");
    if (cost->n != n)
        return qnn_fail(err, errlen, QNN_E_RELATION,
                        "qaoa: the cost acts on %d qubits; allowed: a Pauli sum on the circuit's n = %d qubits",
                        cost->n, n);
    double per_layer = n;
    int live = 0;
    for (int k = 0; k < cost->nterms; k++)
        if (!qnn_pauli_is_identity(cost->P[k]) && cost->c[k] != 0.0) {
            live++;
            per_layer += term_gates(cost->P[k], n);
        }
    int rc;
    if ((rc = check_size(n, layers, n + (double)layers * per_layer, err, errlen)) != 0)
        return rc;
    if (live == 0)
        return qnn_fail(err, errlen, QNN_E_RELATION,
                        "qaoa: the cost has no term but the identity; allowed: a Pauli sum with at least one non-identity term");
    qnn_qc *qc = qnn_qc_new(n, "qaoa");
    if (!qc)
        return nomem(err, errlen, "qaoa");
    for (int q = 0; q < n; q++)
        if ((rc = put(qc, QNN_G_H, q, -1, -1, 0, err, errlen)) != 0)
            goto fail;
    char name[32];
    for (int l = 0; l < layers; l++) {
        snprintf(name, sizeof name, "gamma_%d", l);
        int g = qnn_qc_add_var(qc, name, 0, 0);
        snprintf(name, sizeof name, "beta_%d", l);
        int b = g < 0 ? -1 : qnn_qc_add_var(qc, name, 0, 0);
        if (b < 0) {
            rc = nomem(err, errlen, "qaoa");
            goto fail;
        }
        for (int k = 0; k < cost->nterms; k++)
            if (!qnn_pauli_is_identity(cost->P[k]) && cost->c[k] != 0.0 &&
                (rc = term_exp(qc, cost->P[k], cost->c[k], g, l, err, errlen)) != 0)
                goto fail;
        for (int q = 0; q < n; q++) {
            int a = scaled_var(qc, 2.0, b);
            if (a < 0) {
                rc = nomem(err, errlen, "qaoa");
                goto fail;
            }
            if ((rc = put(qc, QNN_G_RX, q, -1, a, l, err, errlen)) != 0)
                goto fail;
        }
    }
    *out = qc;
    return 0;
fail:
    qnn_qc_free(qc);
    return rc;
}

/* Contract: qnn/ansatz.h. rot is QNN_G_RY or QNN_G_RX (QNN_E_ARGS
 * otherwise); the gates carry qnn_gate.layer -1 and come first, in qubit
 * order; the feature variables x_0 .. x_{nfeat-1} are added after the
 * existing ones. A circuit that already has a variable of one of those
 * names is refused (QNN_E_RELATION) before anything changes; on running
 * out of memory the added variables may remain but no gate does. */
int qnn_ansatz_encode(qnn_qc *qc, int nfeat, qnn_gate_kind rot, char *err, size_t errlen)
{
    if (!qc || nfeat < 0)
        return qnn_fail(err, errlen, QNN_E_ARGS, "encoding: no circuit or a negative feature count");
    if (rot != QNN_G_RY && rot != QNN_G_RX)
        return qnn_fail(err, errlen, QNN_E_ARGS, "encoding: gate kind %d; allowed: ry, rx", (int)rot);
    if (nfeat > qc->n)
        return qnn_fail(err, errlen, QNN_E_RELATION,
                        "encoding: %d features; allowed: at most one per qubit, n = %d (angle encoding puts feature i on qubit i)",
                        nfeat, qc->n);
    if (nfeat == 0)
        return 0;
    char name[32];
    for (int i = 0; i < nfeat; i++) {
        snprintf(name, sizeof name, "x_%d", i);
        if (qnn_qc_var_find(qc, name) >= 0)
            return qnn_fail(err, errlen, QNN_E_RELATION,
                            "encoding: the circuit already has a variable '%s'; allowed: a circuit whose variables are not named x_0 .. x_%d",
                            name, nfeat - 1);
    }
    qnn_gate *moved = malloc((size_t)nfeat * sizeof *moved);
    if (!moved)
        return nomem(err, errlen, "encoding");
    int old = qc->ngates, rc = 0;
    for (int i = 0; i < nfeat; i++) {
        snprintf(name, sizeof name, "x_%d", i);
        int v = qnn_qc_add_var(qc, name, 0, 0);
        if (v < 0) {
            rc = nomem(err, errlen, "encoding");
            break;
        }
        qnn_qc_set_role(qc, v, QNN_VAR_FEATURE);
        int a = qnn_qc_varref(qc, v);
        if (a < 0) {
            rc = nomem(err, errlen, "encoding");
            break;
        }
        if ((rc = put(qc, rot, i, -1, a, -1, err, errlen)) != 0)
            break;
    }
    if (rc) {
        qc->ngates = old;
        free(moved);
        return rc;
    }
    /* rotate the new gates to the front */
    memcpy(moved, qc->gates + old, (size_t)nfeat * sizeof *moved);
    memmove(qc->gates + nfeat, qc->gates, (size_t)old * sizeof *qc->gates);
    memcpy(qc->gates, moved, (size_t)nfeat * sizeof *moved);
    free(moved);
    return 0;
}
