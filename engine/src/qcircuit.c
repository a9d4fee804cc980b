/* Gate-level circuits: the gate table, the circuit builder and the angle
 * expressions (qnn/qcircuit.h). The simulator is qsim.c.
 *
 * Expressions live in one pool per circuit; a node refers only to earlier
 * nodes, so the pool is a DAG in topological order and a node can be shared
 * by several gates. Evaluation recurses on the tree: the readers bound the
 * depth (QNN_QASM_MAX_DEPTH), and builders make shallow trees. */
#include "qnn/qcircuit.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const qnn_gate_info gate_table[QNN_G_COUNT] = {
    [QNN_G_ID]    = {"id",    1, 0, 0, "I"},
    [QNN_G_X]     = {"x",     1, 0, 0, "X"},
    [QNN_G_Y]     = {"y",     1, 0, 0, "Y"},
    [QNN_G_Z]     = {"z",     1, 0, 0, "Z"},
    [QNN_G_H]     = {"h",     1, 0, 0, "H"},
    [QNN_G_S]     = {"s",     1, 0, 0, "S"},
    [QNN_G_SDG]   = {"sdg",   1, 0, 0, "S\u2020"},
    [QNN_G_T]     = {"t",     1, 0, 0, "T"},
    [QNN_G_TDG]   = {"tdg",   1, 0, 0, "T\u2020"},
    [QNN_G_SX]    = {"sx",    1, 0, 0, "\u221aX"},
    [QNN_G_SXDG]  = {"sxdg",  1, 0, 0, "\u221aX\u2020"},
    [QNN_G_RX]    = {"rx",    1, 1, 0, "Rx"},
    [QNN_G_RY]    = {"ry",    1, 1, 0, "Ry"},
    [QNN_G_RZ]    = {"rz",    1, 1, 0, "Rz"},
    [QNN_G_P]     = {"p",     1, 1, 0, "P"},
    [QNN_G_U]     = {"U",     1, 3, 0, "U"},
    [QNN_G_CX]    = {"cx",    2, 0, 1, "X"},
    [QNN_G_CY]    = {"cy",    2, 0, 1, "Y"},
    [QNN_G_CZ]    = {"cz",    2, 0, 1, "Z"},
    [QNN_G_CH]    = {"ch",    2, 0, 1, "H"},
    [QNN_G_SWAP]  = {"swap",  2, 0, 0, "\u00d7"},
    [QNN_G_CRX]   = {"crx",   2, 1, 1, "Rx"},
    [QNN_G_CRY]   = {"cry",   2, 1, 1, "Ry"},
    [QNN_G_CRZ]   = {"crz",   2, 1, 1, "Rz"},
    [QNN_G_CP]    = {"cp",    2, 1, 1, "P"},
    [QNN_G_CU]    = {"cu",    2, 4, 1, "U"},
    [QNN_G_RXX]   = {"rxx",   2, 1, 0, "Rxx"},
    [QNN_G_RYY]   = {"ryy",   2, 1, 0, "Ryy"},
    [QNN_G_RZZ]   = {"rzz",   2, 1, 0, "Rzz"},
    [QNN_G_RZX]   = {"rzx",   2, 1, 0, "Rzx"},
    [QNN_G_CCX]   = {"ccx",   3, 0, 2, "X"},
    [QNN_G_CSWAP] = {"cswap", 3, 0, 1, "\u00d7"},
};

/* The table of kinds: NULL for a value outside the enum. */
const qnn_gate_info *qnn_gate_info_of(qnn_gate_kind k)
{
    if ((int)k < 0 || k >= QNN_G_COUNT)
        return NULL;
    return &gate_table[k];
}

/* The QASM name or one of stdgates.inc's aliases (and "u", which Qiskit
 * and PennyLane write for U), case-sensitive as OpenQASM is. */
int qnn_gate_kind_find(const char *name)
{
    static const struct { const char *alias; qnn_gate_kind k; } aliases[] = {
        {"CX", QNN_G_CX}, {"phase", QNN_G_P}, {"cphase", QNN_G_CP},
        {"u3", QNN_G_U}, {"u1", QNN_G_P}, {"u", QNN_G_U},
    };
    if (!name)
        return -1;
    /* the first byte first: the reader asks for every gate it expands */
    for (int k = 0; k < QNN_G_COUNT; k++)
        if (gate_table[k].name[0] == name[0] && !strcmp(gate_table[k].name, name))
            return k;
    for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++)
        if (aliases[i].alias[0] == name[0] && !strcmp(aliases[i].alias, name))
            return (int)aliases[i].k;
    return -1;
}

/* --- the circuit ------------------------------------------------------ */

static char *dup_str(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

/* Grows *p (of *cap elements of size sz) to hold at least need; 0 or -1.
 * Doubling keeps appends amortised O(1); the checks keep the byte count
 * from wrapping. */
static int grow(void **p, int *cap, int need, size_t sz)
{
    if (need <= *cap)
        return 0;
    if (need < 0 || need > INT32_MAX / 2)
        return -1;
    int c = *cap < 16 ? 16 : *cap;
    while (c < need)
        c *= 2;
    if ((size_t)c > SIZE_MAX / sz)
        return -1;
    void *q = realloc(*p, (size_t)c * sz);
    if (!q)
        return -1;
    *p = q;
    *cap = c;
    return 0;
}

/* n in 1 .. QNN_MAX_QUBITS; source NULL is stored as "". */
qnn_qc *qnn_qc_new(int n, const char *source)
{
    if (n < 1 || n > QNN_MAX_QUBITS)
        return NULL;
    qnn_qc *qc = calloc(1, sizeof *qc);
    if (!qc)
        return NULL;
    qc->n = n;
    qc->source = dup_str(source ? source : "");
    if (!qc->source) {
        free(qc);
        return NULL;
    }
    return qc;
}

/* NULL is allowed. */
void qnn_qc_free(qnn_qc *qc)
{
    if (!qc)
        return;
    for (int i = 0; i < qc->nvars; i++)
        free(qc->vars[i].name);
    free(qc->vars);
    free(qc->gates);
    free(qc->expr);
    free(qc->source);
    free(qc);
}

/* A copy sharing nothing with qc; the capacities shrink to the counts. */
qnn_qc *qnn_qc_clone(const qnn_qc *qc)
{
    if (!qc)
        return NULL;
    qnn_qc *c = qnn_qc_new(qc->n, qc->source);
    if (!c)
        return NULL;
    if (grow((void **)&c->gates, &c->cap_gates, qc->ngates, sizeof *c->gates) ||
        grow((void **)&c->expr, &c->cap_expr, qc->nexpr, sizeof *c->expr) ||
        grow((void **)&c->vars, &c->cap_vars, qc->nvars, sizeof *c->vars))
        goto fail;
    if (qc->ngates)
        memcpy(c->gates, qc->gates, (size_t)qc->ngates * sizeof *c->gates);
    if (qc->nexpr)
        memcpy(c->expr, qc->expr, (size_t)qc->nexpr * sizeof *c->expr);
    c->ngates = qc->ngates;
    c->nexpr = qc->nexpr;
    for (int i = 0; i < qc->nvars; i++) {
        c->vars[i] = qc->vars[i];
        c->vars[i].name = dup_str(qc->vars[i].name);
        if (!c->vars[i].name)
            goto fail;
        c->nvars = i + 1;
    }
    c->nparams = qc->nparams;
    c->nfeatures = qc->nfeatures;
    return c;
fail:
    qnn_qc_free(c);
    return NULL;
}

/* Linear search: circuits have tens of variables, and the reader looks a
 * name up once per use in the text. */
int qnn_qc_var_find(const qnn_qc *qc, const char *name)
{
    if (!qc || !name)
        return -1;
    for (int i = 0; i < qc->nvars; i++)
        if (!strcmp(qc->vars[i].name, name))
            return i;
    return -1;
}

/* A new variable is a parameter numbered after the existing ones. */
int qnn_qc_add_var(qnn_qc *qc, const char *name, int line, int col)
{
    if (!qc || !name)
        return -1;
    int v = qnn_qc_var_find(qc, name);
    if (v >= 0)
        return v;
    if (grow((void **)&qc->vars, &qc->cap_vars, qc->nvars + 1, sizeof *qc->vars))
        return -1;
    char *d = dup_str(name);
    if (!d)
        return -1;
    qnn_qc_var *var = &qc->vars[qc->nvars];
    var->name = d;
    var->role = QNN_VAR_PARAM;
    var->index = qc->nparams++;
    var->line = line;
    var->col = col;
    return qc->nvars++;
}

/* Indices follow the order of declaration within each role, so θ and x
 * keep the file's order whatever the roles. */
void qnn_qc_set_role(qnn_qc *qc, int v, qnn_var_role role)
{
    if (!qc || v < 0 || v >= qc->nvars || (role != QNN_VAR_PARAM && role != QNN_VAR_FEATURE))
        return;
    qc->vars[v].role = role;
    int np = 0, nf = 0;
    for (int i = 0; i < qc->nvars; i++)
        qc->vars[i].index = qc->vars[i].role == QNN_VAR_PARAM ? np++ : nf++;
    qc->nparams = np;
    qc->nfeatures = nf;
}

/* --- expressions ------------------------------------------------------ */

static int new_node(qnn_qc *qc, qnn_expr_op op, int a, int b, int var, double value)
{
    if (grow((void **)&qc->expr, &qc->cap_expr, qc->nexpr + 1, sizeof *qc->expr))
        return -1;
    qc->expr[qc->nexpr] = (qnn_expr){.op = op, .a = a, .b = b, .var = var, .value = value};
    return qc->nexpr++;
}

static int is_unary(qnn_expr_op op)
{
    return op == QNN_EX_NEG || (op >= QNN_EX_SIN && op <= QNN_EX_ATAN);
}

static int is_binary(qnn_expr_op op)
{
    return op >= QNN_EX_ADD && op <= QNN_EX_POW;
}

/* -1 also for a NULL circuit. */
int qnn_qc_const(qnn_qc *qc, double value)
{
    return qc ? new_node(qc, QNN_EX_CONST, -1, -1, -1, value) : -1;
}

/* -1 also for a variable that does not exist. */
int qnn_qc_varref(qnn_qc *qc, int var)
{
    if (!qc || var < 0 || var >= qc->nvars)
        return -1;
    return new_node(qc, QNN_EX_VAR, -1, -1, var, 0.0);
}

/* -1 also for an op that is not unary or an operand not in the pool. */
int qnn_qc_unary(qnn_qc *qc, qnn_expr_op op, int a)
{
    if (!qc || !is_unary(op) || a < 0 || a >= qc->nexpr)
        return -1;
    return new_node(qc, op, a, -1, -1, 0.0);
}

/* -1 also for an op that is not binary or an operand not in the pool. */
int qnn_qc_binary(qnn_qc *qc, qnn_expr_op op, int a, int b)
{
    if (!qc || !is_binary(op) || a < 0 || a >= qc->nexpr || b < 0 || b >= qc->nexpr)
        return -1;
    return new_node(qc, op, a, b, -1, 0.0);
}

/* Unused operand and angle slots are set to -1, so gates compare with
 * memcmp after a copy. */
int qnn_qc_add(qnn_qc *qc, qnn_gate_kind kind, const int *qubits, const int *angles,
               int line, int col, int layer, char *err, size_t errlen)
{
    if (!qc)
        return qnn_fail(err, errlen, QNN_E_ARGS, "qnn_qc_add: no circuit; allowed: a circuit from qnn_qc_new");
    const qnn_gate_info *gi = qnn_gate_info_of(kind);
    if (!gi)
        return qnn_fail(err, errlen, QNN_E_RELATION, "gate kind %d is unknown; allowed: 0 .. %d", (int)kind,
                        QNN_G_COUNT - 1);
    if ((gi->nqubits > 0 && !qubits) || (gi->nangles > 0 && !angles))
        return qnn_fail(err, errlen, QNN_E_ARGS, "gate %s: operands missing; allowed: %d qubits and %d angles",
                        gi->name, gi->nqubits, gi->nangles);
    qnn_gate g;
    memset(&g, 0, sizeof g);
    g.kind = kind;
    for (int i = 0; i < QNN_GATE_MAX_QUBITS; i++)
        g.q[i] = -1;
    for (int i = 0; i < QNN_GATE_MAX_ANGLES; i++)
        g.angle[i] = -1;
    for (int i = 0; i < gi->nqubits; i++) {
        if (qubits[i] < 0 || qubits[i] >= qc->n)
            return qnn_fail(err, errlen, QNN_E_RELATION, "gate %s: qubit %d is out of range; allowed: 0 .. %d",
                            gi->name, qubits[i], qc->n - 1);
        for (int j = 0; j < i; j++)
            if (qubits[j] == qubits[i])
                return qnn_fail(err, errlen, QNN_E_RELATION,
                                "gate %s: qubit %d is used twice; allowed: distinct qubits", gi->name, qubits[i]);
        g.q[i] = qubits[i];
    }
    for (int i = 0; i < gi->nangles; i++) {
        if (angles[i] < 0 || angles[i] >= qc->nexpr)
            return qnn_fail(err, errlen, QNN_E_RELATION,
                            "gate %s: angle %d is expression %d; allowed: 0 .. %d", gi->name, i, angles[i],
                            qc->nexpr - 1);
        g.angle[i] = angles[i];
    }
    g.line = line;
    g.col = col;
    g.layer = layer;
    if (grow((void **)&qc->gates, &qc->cap_gates, qc->ngates + 1, sizeof *qc->gates))
        return qnn_fail(err, errlen, QNN_E_NOMEM, "gate %s: out of memory; allowed: fewer gates", gi->name);
    qc->gates[qc->ngates++] = g;
    return 0;
}

/* Value and, when d is not NULL, the derivative with respect to variable
 * v, by the chain rule in one recursion. */
static double ev(const qnn_qc *qc, int e, const double *theta, const double *x, int v, double *d)
{
    if (e < 0 || e >= qc->nexpr) {
        if (d)
            *d = 0.0;
        return NAN;
    }
    const qnn_expr *n = &qc->expr[e];
    double a = 0.0, b = 0.0, da = 0.0, db = 0.0, r;
    double *pda = d ? &da : NULL, *pdb = d ? &db : NULL;
    switch (n->op) {
    case QNN_EX_CONST:
        if (d)
            *d = 0.0;
        return n->value;
    case QNN_EX_VAR: {
        if (d)
            *d = n->var == v ? 1.0 : 0.0;
        if (n->var < 0 || n->var >= qc->nvars)
            return NAN;
        const qnn_qc_var *var = &qc->vars[n->var];
        const double *src = var->role == QNN_VAR_PARAM ? theta : x;
        return src ? src[var->index] : NAN;
    }
    default:
        break;
    }
    if (n->a < 0 || n->a >= e) {
        if (d)
            *d = NAN;
        return NAN;
    }
    a = ev(qc, n->a, theta, x, v, pda);
    if (is_binary(n->op)) {
        if (n->b < 0 || n->b >= e) {
            if (d)
                *d = NAN;
            return NAN;
        }
        b = ev(qc, n->b, theta, x, v, pdb);
    }
    switch (n->op) {
    case QNN_EX_NEG:  r = -a; if (d) *d = -da; break;
    case QNN_EX_ADD:  r = a + b; if (d) *d = da + db; break;
    case QNN_EX_SUB:  r = a - b; if (d) *d = da - db; break;
    case QNN_EX_MUL:  r = a * b; if (d) *d = da * b + a * db; break;
    case QNN_EX_DIV:  r = a / b; if (d) *d = (da * b - a * db) / (b * b); break;
    case QNN_EX_POW:
        r = pow(a, b);
        /* a constant exponent needs no log(a), which a negative base
           would make NaN */
        if (d)
            *d = (db == 0.0 ? 0.0 : r * log(a) * db) + (da == 0.0 ? 0.0 : b * pow(a, b - 1.0) * da);
        break;
    case QNN_EX_SIN:  r = sin(a); if (d) *d = cos(a) * da; break;
    case QNN_EX_COS:  r = cos(a); if (d) *d = -sin(a) * da; break;
    case QNN_EX_TAN:  { r = tan(a); if (d) *d = (1.0 + r * r) * da; break; }
    case QNN_EX_EXP:  r = exp(a); if (d) *d = r * da; break;
    case QNN_EX_LN:   r = log(a); if (d) *d = da / a; break;
    case QNN_EX_SQRT: r = sqrt(a); if (d) *d = da / (2.0 * r); break;
    case QNN_EX_ASIN: r = asin(a); if (d) *d = da / sqrt(1.0 - a * a); break;
    case QNN_EX_ACOS: r = acos(a); if (d) *d = -da / sqrt(1.0 - a * a); break;
    case QNN_EX_ATAN: r = atan(a); if (d) *d = da / (1.0 + a * a); break;
    default:
        r = NAN;
        if (d)
            *d = NAN;
        break;
    }
    return r;
}

/* A variable of role param reads theta[index], of role feature
 * x[index]; NaN where that array is NULL or e is not a node. A derivative
 * that the chain rule leaves at 0 (a constant subtree) is exactly 0. */
double qnn_expr_eval(const qnn_qc *qc, int e, const double *theta, const double *x, int v, double *deriv)
{
    if (!qc) {
        if (deriv)
            *deriv = NAN;
        return NAN;
    }
    return ev(qc, e, theta, x, v, deriv);
}

/* An appending writer that remembers overflow instead of stopping, so
 * the recursion stays simple. */
typedef struct {
    char *buf;
    size_t len, pos;
    int over;
} sbuf;

static void put(sbuf *s, const char *t)
{
    size_t n = strlen(t);
    if (s->over || s->pos + n >= s->len) {
        s->over = 1;
        return;
    }
    memcpy(s->buf + s->pos, t, n + 1);
    s->pos += n;
}

static void fmt(const qnn_qc *qc, int e, sbuf *s)
{
    static const char *const fname[] = {
        [QNN_EX_SIN] = "sin", [QNN_EX_COS] = "cos", [QNN_EX_TAN] = "tan", [QNN_EX_EXP] = "exp",
        [QNN_EX_LN] = "ln", [QNN_EX_SQRT] = "sqrt", [QNN_EX_ASIN] = "arcsin", [QNN_EX_ACOS] = "arccos",
        [QNN_EX_ATAN] = "arctan",
    };
    static const char *const bop[] = {
        [QNN_EX_ADD] = " + ", [QNN_EX_SUB] = " - ", [QNN_EX_MUL] = " * ", [QNN_EX_DIV] = " / ",
        [QNN_EX_POW] = " ** ",
    };
    if (s->over)
        return;
    if (e < 0 || e >= qc->nexpr) {
        s->over = 1;
        return;
    }
    const qnn_expr *n = &qc->expr[e];
    char num[40];
    switch (n->op) {
    case QNN_EX_CONST:
        /* a negative number in parentheses: a bare "-1" after an operator
           would read as a unary minus node, and "a - -1" is not QASM */
        snprintf(num, sizeof num, signbit(n->value) ? "(%.17g)" : "%.17g", n->value);
        put(s, num);
        return;
    case QNN_EX_VAR:
        if (n->var < 0 || n->var >= qc->nvars) {
            s->over = 1;
            return;
        }
        put(s, qc->vars[n->var].name);
        return;
    case QNN_EX_NEG:
        put(s, "(-");
        fmt(qc, n->a, s);
        put(s, ")");
        return;
    default:
        break;
    }
    if (is_binary(n->op)) {
        put(s, "(");
        fmt(qc, n->a, s);
        put(s, bop[n->op]);
        fmt(qc, n->b, s);
        put(s, ")");
        return;
    }
    if (n->op >= QNN_EX_SIN && n->op <= QNN_EX_ATAN) {
        put(s, fname[n->op]);
        put(s, "(");
        fmt(qc, n->a, s);
        put(s, ")");
        return;
    }
    s->over = 1;
}

/* Every binary operation and every negation is parenthesised, so the text
 * reads back to the same tree whatever the precedence rules. */
int qnn_expr_format(const qnn_qc *qc, int e, char *buf, size_t len)
{
    if (!buf || len == 0)
        return -1;
    buf[0] = '\0';
    if (!qc)
        return -1;
    sbuf s = {buf, len, 0, 0};
    fmt(qc, e, &s);
    if (s.over) {
        buf[0] = '\0';
        return -1;
    }
    return 0;
}

/* Recursion on the tree; a node shared by several parents is visited once
 * per path, which the readers' depth limit keeps small. */
int qnn_expr_uses(const qnn_qc *qc, int e, int v)
{
    if (!qc || e < 0 || e >= qc->nexpr)
        return 0;
    const qnn_expr *n = &qc->expr[e];
    if (n->op == QNN_EX_VAR)
        return n->var == v;
    if (n->op == QNN_EX_CONST)
        return 0;
    if (n->a >= 0 && n->a < e && qnn_expr_uses(qc, n->a, v))
        return 1;
    return is_binary(n->op) && n->b >= 0 && n->b < e && qnn_expr_uses(qc, n->b, v);
}
