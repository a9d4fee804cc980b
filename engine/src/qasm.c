/* The OpenQASM 3 reader (qnn/qasm.h): a hand-written recursive-descent
 * parser of the subset in docs/QASM.md that builds a qnn_qc as it goes.
 *
 * There is no syntax tree: `for` bodies and `gate` bodies are kept as a
 * position in the text and read again for every iteration or call, with
 * the loop variable or the gate's parameters and qubits bound in a scope.
 * A definition's body and a loop that runs zero times are read once "dry"
 * (nothing emitted, unknown values) so that their errors are found where
 * they are written. Constant subexpressions are folded as they are read,
 * so a circuit's expressions hold no operation on constants alone: the
 * writer's text (qasm_write.c) then reads back to the same trees.
 *
 * Bounds that keep any input cheap: the file size, the nesting depth of
 * expressions and of loops and gate calls, the gates after expansion, the
 * statements executed (nested loops of nothing), the size and depth of an
 * expression tree after substitution (shared nodes could otherwise make a
 * tree exponential in the text), the expression pool. */
#include "qnn/qasm.h"
#include "qnn/file.h"
#include "qnn/text.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* A fuzzing build (tests/fuzz/clang_compat.h) expands fewer gates: a
 * million take tens of seconds under its instrumentation. */
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
#define GATE_LIMIT     20000
#else
#define GATE_LIMIT     QNN_QASM_MAX_GATES
#endif
#define MAX_WORK       (4L * GATE_LIMIT)         /* statements executed */
#define MAX_NODES      4000000                   /* expression pool */
#define MAX_TREE_SIZE  4096                      /* nodes of one angle's tree */
#define MAX_TREE_DEPTH 256                       /* its depth */
#define MAX_ARGS       32                        /* operands / parameters of a call */
#define MAX_NAME       255                       /* bytes of an identifier */
#define MAX_CAPTURE    16

#define STMT_ALLOWED "a statement: qubit, qreg, bit, creg, input, const, gate, for, a gate call, barrier, " \
                     "measure, reset, gphase (docs/QASM.md)"
#define EXPR_ALLOWED "a number, pi, tau, euler, a declared input or const, a loop variable, (, -, " \
                     "sin, cos, tan, exp, ln, sqrt, arcsin, arccos, arctan"

enum { T_EOF, T_ID, T_NUM, T_STR, T_OP, T_BAD, T_OPENCOMMENT };

typedef struct {
    size_t pos;
    int line, col;
} lexpos;

typedef struct {
    int t;
    size_t s, len;   /* the bytes text[s .. s+len) */
    int line, col;
    int isint;       /* a number without '.' or exponent */
} tok;

/* A value while reading: a constant not yet in the pool, a pool node, or
 * unknown (a dry read). pj: the gate parameter an unknown value is, as
 * such (-1 once anything is done to it); a definition's body is compared
 * with the native decompositions through it. */
enum { V_CONST, V_NODE, V_DRY };
typedef struct {
    int k;
    double c;
    int node;
    int pj;
} val;

enum { S_QREG, S_CREG, S_VAR, S_CONST, S_GATE, S_LOOP, S_GPARAM, S_GQARG };
typedef struct {
    size_t s, len;   /* the name in the text */
    int kind;
    int a, b;        /* QREG: offset, size; CREG: size; VAR: var; GATE: def;
                        GQARG: qubit */
    val v;           /* CONST, LOOP, GPARAM */
} sym;

typedef struct {
    int size, depth;
} treeinfo;

typedef struct {
    size_t s, len;            /* name */
    int nparams, nqargs;
    int names;                /* index of its parameter and qubit names in P.dnames */
    lexpos body;              /* just after '{' */
    tok body_tok;             /* the first token of the body */
    int native;               /* a native kind the body was recognised as, or -1 */
} gdef;

typedef struct {
    int kind;
    int q[QNN_GATE_MAX_QUBITS];
    int pj[QNN_GATE_MAX_ANGLES];   /* parameter index, or -1: constant c */
    double c[QNN_GATE_MAX_ANGLES];
} capgate;

typedef struct {
    const char *text;
    size_t len;
    const char *name;
    char *err;
    size_t errlen;
    int failed;

    lexpos lp;   /* after the current token */
    tok tk;      /* the current token */

    qnn_qc *qc;
    int v2, stdgates, nstmts;
    int nqubits;

    sym *syms;
    int nsyms, capsyms;
    int barrier;           /* symbols below it are hidden but CONST and GATE */
    gdef *defs;
    int ndefs, capdefs;
    tok *dnames;           /* the definitions' parameter and qubit names */
    int ndnames, capdnames;
    size_t defining_s, defining_len;   /* the gate whose body is read (no recursion) */

    int edepth, sdepth;
    long work;
    int dry;
    int const_only;

    int capturing, capture_ok, ncap;
    capgate cap[MAX_CAPTURE];

    int *varnode;          /* the node of each variable, made once */
    int capvn;
    treeinfo *tree;        /* per pool node */
    int captree;

    int measured_line[QNN_MAX_QUBITS], measured_col[QNN_MAX_QUBITS];
    unsigned char touched[QNN_MAX_QUBITS];
} P;

/* --- messages ----------------------------------------------------------- */

/* The token as the user wrote it, escaped for one line: control bytes,
 * DEL, C1 and bytes that are not UTF-8 as \xNN, cut after 40 bytes
 * (qnn_text_quote). */
static void tok_text(const P *p, const tok *t, char *buf, size_t n)
{
    if (t->t == T_EOF) {
        snprintf(buf, n, "end of file");
        return;
    }
    qnn_text_quote(p->text + t->s, t->len, 40, buf, n);
}

/* "name:line:col: " and the rest; the first failure wins. Returns -1 so
 * that callers can `return failf(...)`. */
#if defined(__GNUC__)
__attribute__((format(printf, 5, 6)))
#endif
static int failf(P *p, int line, int col, qnn_status code, const char *fmt, ...)
{
    if (p->failed)
        return -1;
    p->failed = code;
    if (p->err && p->errlen > 0) {
        char msg[512];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        char name[QNN_QUOTE_CAP(200)];
        qnn_text_quote(p->name, strlen(p->name), 200, name, sizeof name);
        qnn_fail(p->err, p->errlen, code, "%s:%d:%d: %s", name, line, col, msg);
    }
    return -1;
}

/* "found 'TOKEN'; allowed: ..." at the token. */
#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
static int fail_tok(P *p, const tok *t, qnn_status code, const char *allowed, ...)
{
    if (p->failed)
        return -1;
    char found[256], what[400];
    va_list ap;
    va_start(ap, allowed);
    vsnprintf(what, sizeof what, allowed, ap);
    va_end(ap);
    tok_text(p, t, found, sizeof found);
    if (t->t == T_OPENCOMMENT)
        return failf(p, t->line, t->col, code, "found '/*' without its '*/'; allowed: a comment closed by */");
    return failf(p, t->line, t->col, code, "found '%s'; allowed: %s", found, what);
}

/* --- the lexer ------------------------------------------------------------- */

static int at(const P *p, size_t i)
{
    return i < p->len ? (unsigned char)p->text[i] : -1;
}

static void adv(P *p)
{
    int c = at(p, p->lp.pos);
    p->lp.pos++;
    if (c == '\n') {
        p->lp.line++;
        p->lp.col = 1;
    } else if ((c & 0xC0) != 0x80) {
        p->lp.col++;
    }
}

/* Length of a well-formed UTF-8 sequence of 2 to 4 bytes at i, or 0. */
static int utf8_len(const P *p, size_t i)
{
    int c = at(p, i);
    int n = c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
    if (!n)
        return 0;
    for (int j = 1; j < n; j++)
        if ((at(p, i + (size_t)j) & 0xC0) != 0x80)
            return 0;
    int c1 = at(p, i + 1);
    if ((c == 0xE0 && c1 < 0xA0) || (c == 0xED && c1 >= 0xA0) || (c == 0xF0 && c1 < 0x90) ||
        (c == 0xF4 && c1 >= 0x90))
        return 0;   /* overlong, surrogate, beyond U+10FFFF */
    return n;
}

static int id_start(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static int is_digit(int c)
{
    return c >= '0' && c <= '9';
}

static void next(P *p)
{
    for (;;) {
        int c = at(p, p->lp.pos);
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
            adv(p);
        } else if (c == '/' && at(p, p->lp.pos + 1) == '/') {
            while (at(p, p->lp.pos) != -1 && at(p, p->lp.pos) != '\n')
                adv(p);
        } else if (c == '/' && at(p, p->lp.pos + 1) == '*') {
            tok t = {T_OPENCOMMENT, p->lp.pos, 2, p->lp.line, p->lp.col, 0};
            adv(p);
            adv(p);
            while (at(p, p->lp.pos) != -1 && !(at(p, p->lp.pos) == '*' && at(p, p->lp.pos + 1) == '/'))
                adv(p);
            if (at(p, p->lp.pos) == -1) {
                p->tk = t;
                return;
            }
            adv(p);
            adv(p);
        } else {
            break;
        }
    }
    tok t = {T_EOF, p->lp.pos, 0, p->lp.line, p->lp.col, 0};
    int c = at(p, p->lp.pos);
    if (c == -1) {
        p->tk = t;
        return;
    }
    if (id_start(c) || (c >= 0x80 && utf8_len(p, p->lp.pos))) {
        t.t = T_ID;
        for (;;) {
            c = at(p, p->lp.pos);
            if (id_start(c) || is_digit(c)) {
                adv(p);
            } else if (c >= 0x80 && utf8_len(p, p->lp.pos)) {
                int n = utf8_len(p, p->lp.pos);
                for (int j = 0; j < n; j++)
                    adv(p);
            } else {
                break;
            }
        }
    } else if (is_digit(c) || (c == '.' && is_digit(at(p, p->lp.pos + 1)))) {
        t.t = T_NUM;
        t.isint = 1;
        while (is_digit(at(p, p->lp.pos)))
            adv(p);
        if (at(p, p->lp.pos) == '.') {
            t.isint = 0;
            adv(p);
            while (is_digit(at(p, p->lp.pos)))
                adv(p);
        }
        c = at(p, p->lp.pos);
        if (c == 'e' || c == 'E') {
            int d = at(p, p->lp.pos + 1);
            int sign = d == '+' || d == '-';
            if (is_digit(at(p, p->lp.pos + 1 + (size_t)sign))) {
                t.isint = 0;
                adv(p);
                if (sign)
                    adv(p);
                while (is_digit(at(p, p->lp.pos)))
                    adv(p);
            }
        }
    } else if (c == '"') {
        t.t = T_STR;
        adv(p);
        while (at(p, p->lp.pos) != -1 && at(p, p->lp.pos) != '"' && at(p, p->lp.pos) != '\n')
            adv(p);
        if (at(p, p->lp.pos) == '"')
            adv(p);
        else
            t.t = T_BAD;
    } else if (c > 0x20 && c < 0x7F) {
        static const char *const two[] = {"**", "->", "==", "!=", "<=", ">=", "&&", "||", "<<", ">>",
                                          "++", "+=", "-=", "*=", "/=", "::"};
        t.t = T_OP;
        int d = at(p, p->lp.pos + 1);
        adv(p);
        for (size_t i = 0; i < sizeof two / sizeof two[0]; i++)
            if (two[i][0] == c && two[i][1] == d) {
                adv(p);
                break;
            }
    } else {
        t.t = T_BAD;
        adv(p);
    }
    t.len = p->lp.pos - t.s;
    p->tk = t;
}

/* The n bytes at a equal the string b. A loop, not strlen and memcmp:
 * the keyword tests run for every statement of every loop iteration, and
 * under the fuzzer each library call is intercepted and recorded. */
static int eqs(const char *a, size_t n, const char *b)
{
    for (size_t i = 0; i < n; i++)
        if (a[i] != b[i])   /* b's NUL differs from any byte of a name */
            return 0;
    return b[n] == '\0';
}

static int tok_is(const P *p, const tok *t, int type, const char *s)
{
    return t->t == type && eqs(p->text + t->s, t->len, s);
}

static int is_op(const P *p, const char *s)
{
    return tok_is(p, &p->tk, T_OP, s);
}

static int is_id(const P *p, const char *s)
{
    return tok_is(p, &p->tk, T_ID, s);
}

static int expect_op(P *p, const char *s, const char *allowed)
{
    if (!is_op(p, s))
        return fail_tok(p, &p->tk, QNN_E_FORMAT, "%s", allowed);
    next(p);
    return 0;
}

static int same_name(const P *p, size_t s1, size_t l1, size_t s2, size_t l2)
{
    if (l1 != l2)
        return 0;
    for (size_t i = 0; i < l1; i++)
        if (p->text[s1 + i] != p->text[s2 + i])
            return 0;
    return 1;
}

static int name_is(const P *p, size_t s, size_t l, const char *name)
{
    return eqs(p->text + s, l, name);
}

/* --- names -------------------------------------------------------------- */

static const char *const keywords[] = {
    "OPENQASM", "include", "qubit", "qreg", "bit", "creg", "input", "output", "const", "gate", "for", "in",
    "barrier", "measure", "reset", "gphase", "if", "else", "while", "def", "defcal", "defcalgrammar", "cal",
    "box", "let", "extern", "opaque", "return", "break", "continue", "end", "delay", "stretch", "duration",
    "switch", "case", "default", "array", "bool", "int", "uint", "float", "angle", "complex", "durationof",
    "ctrl", "negctrl", "inv", "pow", "true", "false", "U", "CX", "pragma", "sizeof", "void", "readonly",
    "mutable", "dt", "ns", "us", "ms", "s", "im",
    "pi", "\xcf\x80", "tau", "\xcf\x84", "euler", "\xe2\x84\x87",
    "sin", "cos", "tan", "exp", "ln", "sqrt", "arcsin", "arccos", "arctan",
};

/* The gates of stdgates.inc (and the language's U, gphase): a file that
 * includes stdgates.inc may not define them again. */
static const char *const stdgates[] = {
    "p", "x", "y", "z", "h", "s", "sdg", "t", "tdg", "sx", "rx", "ry", "rz", "cx", "cy", "cz", "cp", "crx",
    "cry", "crz", "ch", "swap", "ccx", "cswap", "cu", "CX", "phase", "cphase", "id", "u1", "u2", "u3",
};

static int in_list(const P *p, size_t s, size_t l, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (name_is(p, s, l, list[i]))
            return 1;
    return 0;
}

/* The visible symbol of that name: inside a gate body only the body's
 * own names, consts and gates. */
static sym *lookup(P *p, size_t s, size_t l)
{
    for (int i = p->nsyms - 1; i >= 0; i--) {
        sym *y = &p->syms[i];
        if (!same_name(p, y->s, y->len, s, l))
            continue;
        if (i < p->barrier && y->kind != S_CONST && y->kind != S_GATE)
            continue;
        return y;
    }
    return NULL;
}

static sym *push_sym(P *p, const tok *t, int kind)
{
    if (p->nsyms == p->capsyms) {
        int c = p->capsyms ? 2 * p->capsyms : 32;
        sym *n = realloc(p->syms, (size_t)c * sizeof *n);
        if (!n) {
            fail_tok(p, t, QNN_E_NOMEM, "fewer names (out of memory)");
            return NULL;
        }
        p->syms = n;
        p->capsyms = c;
    }
    sym *y = &p->syms[p->nsyms++];
    memset(y, 0, sizeof *y);
    y->s = t->s;
    y->len = t->len;
    y->kind = kind;
    return y;
}

/* A new name at the top level: not a keyword, not a gate the file can
 * call, not declared before. */
static int check_new_name(P *p, const tok *t, const char *what)
{
    if (t->t != T_ID)
        return fail_tok(p, t, QNN_E_FORMAT, "the name of the %s (an identifier)", what);
    if (t->len > MAX_NAME)
        return fail_tok(p, t, QNN_E_FORMAT, "a name of at most %d bytes", MAX_NAME);
    if (in_list(p, t->s, t->len, keywords, sizeof keywords / sizeof keywords[0]))
        return fail_tok(p, t, QNN_E_FORMAT, "the name of the %s (not a keyword, constant or function)", what);
    if (lookup(p, t->s, t->len))
        return fail_tok(p, t, QNN_E_RELATION, "a name not declared before (for the %s)", what);
    return 0;
}

/* --- expressions --------------------------------------------------------- */

static int grow_ints(int **a, int *cap, int need)
{
    if (need <= *cap)
        return 0;
    int c = *cap ? *cap : 256;
    while (c < need)
        c *= 2;
    int *n = realloc(*a, (size_t)c * sizeof *n);
    if (!n)
        return -1;
    *a = n;
    *cap = c;
    return 0;
}

/* Records size and depth of a new node's tree, refusing trees that
 * substitution made too large to evaluate cheaply. */
static int node_done(P *p, int node, int size, int depth, const tok *t)
{
    if (node < 0) {
        fail_tok(p, t, QNN_E_NOMEM, "a smaller circuit (out of memory)");
        return -1;
    }
    if (node >= p->captree) {
        int c = p->captree ? 2 * p->captree : 256;
        while (c <= node)
            c *= 2;
        treeinfo *n = realloc(p->tree, (size_t)c * sizeof *n);
        if (!n) {
            fail_tok(p, t, QNN_E_NOMEM, "a smaller circuit (out of memory)");
            return -1;
        }
        p->tree = n;
        p->captree = c;
    }
    p->tree[node].size = size;
    p->tree[node].depth = depth;
    if (size > MAX_TREE_SIZE || depth > MAX_TREE_DEPTH) {
        fail_tok(p, t, QNN_E_SIZE,
                 "angle expressions of at most %d operations and %d levels after expanding gate definitions",
                 MAX_TREE_SIZE, MAX_TREE_DEPTH);
        return -1;
    }
    if (p->qc->nexpr > MAX_NODES) {
        fail_tok(p, t, QNN_E_SIZE, "at most %d expression nodes in all", MAX_NODES);
        return -1;
    }
    return node;
}

static int materialise(P *p, val v, const tok *t)
{
    if (v.k == V_NODE)
        return v.node;
    if (v.k == V_DRY)
        return -1;
    return node_done(p, qnn_qc_const(p->qc, v.c), 1, 1, t);
}

static double apply_op(qnn_expr_op op, double a, double b)
{
    switch (op) {
    case QNN_EX_NEG:  return -a;
    case QNN_EX_ADD:  return a + b;
    case QNN_EX_SUB:  return a - b;
    case QNN_EX_MUL:  return a * b;
    case QNN_EX_DIV:  return a / b;
    case QNN_EX_POW:  return pow(a, b);
    case QNN_EX_SIN:  return sin(a);
    case QNN_EX_COS:  return cos(a);
    case QNN_EX_TAN:  return tan(a);
    case QNN_EX_EXP:  return exp(a);
    case QNN_EX_LN:   return log(a);
    case QNN_EX_SQRT: return sqrt(a);
    case QNN_EX_ASIN: return asin(a);
    case QNN_EX_ACOS: return acos(a);
    case QNN_EX_ATAN: return atan(a);
    default:          return NAN;
    }
}

/* a op b (b unused for a unary op), folded when both are constants with
 * the same C arithmetic the evaluator uses, so folding changes no value. */
static val combine(P *p, qnn_expr_op op, val a, val b, int binary, const tok *t)
{
    val r = {V_DRY, 0.0, -1, -1};
    if (p->failed)
        return r;
    if (a.k == V_DRY || (binary && b.k == V_DRY))
        return r;
    if (a.k == V_CONST && (!binary || b.k == V_CONST)) {
        r.k = V_CONST;
        r.c = apply_op(op, a.c, binary ? b.c : 0.0);
        if (!isfinite(r.c))
            fail_tok(p, t, QNN_E_RELATION, "an operation on constants with a finite result");
        return r;
    }
    int na = materialise(p, a, t);
    int nb = binary ? materialise(p, b, t) : -1;
    if (na < 0 || (binary && nb < 0))
        return r;
    int size = 1 + p->tree[na].size + (binary ? p->tree[nb].size : 0);
    int depth = 1 + (binary && p->tree[nb].depth > p->tree[na].depth ? p->tree[nb].depth : p->tree[na].depth);
    int n = binary ? qnn_qc_binary(p->qc, op, na, nb) : qnn_qc_unary(p->qc, op, na);
    if (node_done(p, n, size > MAX_TREE_SIZE + 1 ? MAX_TREE_SIZE + 1 : size, depth, t) < 0)
        return r;
    r.k = V_NODE;
    r.node = n;
    return r;
}

static val expr(P *p);

static val dry_val(void)
{
    return (val){V_DRY, 0.0, -1, -1};
}

static val primary(P *p)
{
    static const struct { const char *name; qnn_expr_op op; } funcs[] = {
        {"sin", QNN_EX_SIN}, {"cos", QNN_EX_COS}, {"tan", QNN_EX_TAN}, {"exp", QNN_EX_EXP},
        {"ln", QNN_EX_LN}, {"sqrt", QNN_EX_SQRT}, {"arcsin", QNN_EX_ASIN}, {"arccos", QNN_EX_ACOS},
        {"arctan", QNN_EX_ATAN},
    };
    tok t = p->tk;
    val r = dry_val();
    if (t.t == T_NUM) {
        char buf[64];
        if (t.len >= sizeof buf) {
            fail_tok(p, &t, QNN_E_FORMAT, "a number of at most 63 characters");
            return r;
        }
        memcpy(buf, p->text + t.s, t.len);
        buf[t.len] = '\0';
        r.k = V_CONST;
        r.c = strtod(buf, NULL);
        if (!isfinite(r.c))
            fail_tok(p, &t, QNN_E_RELATION, "a finite number");
        next(p);
        return r;
    }
    if (is_op(p, "(")) {
        next(p);
        r = expr(p);
        if (expect_op(p, ")", "')' or an operator (+ - * / **)") < 0)
            return dry_val();
        return r;
    }
    if (t.t != T_ID) {
        fail_tok(p, &t, QNN_E_FORMAT, "%s", EXPR_ALLOWED);
        return r;
    }
    if (name_is(p, t.s, t.len, "pi") || name_is(p, t.s, t.len, "\xcf\x80")) {
        next(p);
        return (val){V_CONST, M_PI, -1, -1};
    }
    if (name_is(p, t.s, t.len, "tau") || name_is(p, t.s, t.len, "\xcf\x84")) {
        next(p);
        return (val){V_CONST, 2.0 * M_PI, -1, -1};
    }
    if (name_is(p, t.s, t.len, "euler") || name_is(p, t.s, t.len, "\xe2\x84\x87")) {
        next(p);
        return (val){V_CONST, M_E, -1, -1};
    }
    for (size_t i = 0; i < sizeof funcs / sizeof funcs[0]; i++) {
        if (!name_is(p, t.s, t.len, funcs[i].name))
            continue;
        next(p);
        if (expect_op(p, "(", "'(' after a function name") < 0)
            return r;
        val a = expr(p);
        if (expect_op(p, ")", "')' or an operator (+ - * / **)") < 0)
            return r;
        return combine(p, funcs[i].op, a, a, 0, &t);
    }
    sym *y = lookup(p, t.s, t.len);
    if (!y) {
        if (p->defining_len && same_name(p, t.s, t.len, p->defining_s, p->defining_len))
            fail_tok(p, &t, QNN_E_FORMAT, "%s", EXPR_ALLOWED);
        else
            fail_tok(p, &t, QNN_E_RELATION, "%s (this name is not declared)", EXPR_ALLOWED);
        return r;
    }
    switch (y->kind) {
    case S_CONST: case S_LOOP: case S_GPARAM:
        next(p);
        return y->v;
    case S_VAR:
        if (p->const_only) {
            fail_tok(p, &t, QNN_E_RELATION, "a constant expression (numbers, pi, tau, euler, consts)");
            return r;
        }
        next(p);
        if (p->dry)
            return r;
        if (p->varnode[y->a] < 0)
            p->varnode[y->a] = node_done(p, qnn_qc_varref(p->qc, y->a), 1, 1, &t);
        if (p->varnode[y->a] < 0)
            return r;
        return (val){V_NODE, 0.0, p->varnode[y->a], -1};
    default:
        fail_tok(p, &t, QNN_E_RELATION, "%s (this name is a register or gate)", EXPR_ALLOWED);
        return r;
    }
}

static val unary(P *p);

/* ** binds tighter than unary minus and to the right: -2**2 = -4,
 * 2**3**2 = 2**9 (OpenQASM 3). OpenQASM 2 spells it ^. */
static val power(P *p)
{
    val a = primary(p);
    if (p->failed)
        return a;
    if (is_op(p, "**") || (p->v2 && is_op(p, "^"))) {
        tok t = p->tk;
        next(p);
        val b = unary(p);
        return combine(p, QNN_EX_POW, a, b, 1, &t);
    }
    return a;
}

static val unary(P *p)
{
    tok t = p->tk;
    if (++p->edepth > QNN_QASM_MAX_DEPTH) {
        fail_tok(p, &t, QNN_E_SIZE, "expressions nested at most %d deep", QNN_QASM_MAX_DEPTH);
        p->edepth--;
        return dry_val();
    }
    val r;
    if (is_op(p, "-")) {
        next(p);
        val a = unary(p);
        r = combine(p, QNN_EX_NEG, a, a, 0, &t);
    } else if (is_op(p, "+")) {
        next(p);
        r = unary(p);
    } else {
        r = power(p);
    }
    p->edepth--;
    return r;
}

static val term(P *p)
{
    val a = unary(p);
    while (!p->failed && (is_op(p, "*") || is_op(p, "/"))) {
        tok t = p->tk;
        qnn_expr_op op = is_op(p, "*") ? QNN_EX_MUL : QNN_EX_DIV;
        next(p);
        val b = unary(p);
        a = combine(p, op, a, b, 1, &t);
    }
    if (!p->failed && (is_op(p, "%") || is_op(p, "&") || is_op(p, "|") || is_op(p, "<<") || is_op(p, ">>") ||
                       is_op(p, "^") || is_op(p, "==") || is_op(p, "!=") || is_op(p, "<") || is_op(p, ">") ||
                       is_op(p, "<=") || is_op(p, ">=") || is_op(p, "&&") || is_op(p, "||")))
        fail_tok(p, &p->tk, QNN_E_FORMAT, "the operators + - * / ** (classical arithmetic is outside the subset)");
    return a;
}

static val expr(P *p)
{
    val a = term(p);
    while (!p->failed && (is_op(p, "+") || is_op(p, "-"))) {
        tok t = p->tk;
        qnn_expr_op op = is_op(p, "+") ? QNN_EX_ADD : QNN_EX_SUB;
        next(p);
        val b = term(p);
        a = combine(p, op, a, b, 1, &t);
    }
    return a;
}

/* A constant integer expression in lo .. hi; *dry set when its value is
 * unknown (a dry read). */
static int int_expr(P *p, long lo, long hi, long *out, int *dry, const char *what)
{
    tok t = p->tk;
    val v = expr(p);
    if (p->failed)
        return -1;
    *dry = v.k == V_DRY;
    if (*dry) {
        *out = lo;
        return 0;
    }
    if (v.k != V_CONST || v.c != floor(v.c))
        return fail_tok(p, &t, QNN_E_RELATION, "%s: an integer constant expression", what);
    if (v.c < (double)lo || v.c > (double)hi)
        return failf(p, t.line, t.col, QNN_E_RELATION, "found '%.17g'; allowed: %s in %ld .. %ld", v.c, what, lo, hi);
    *out = (long)v.c;
    return 0;
}

/* --- qubits ------------------------------------------------------------- */

typedef struct {
    int whole;       /* a whole register: off, size */
    int off, size;
    int q;           /* one qubit (-1: unknown, dry) */
    tok at;
} qarg;

static void qubit_name(const P *p, int q, char *buf, size_t n)
{
    for (int i = 0; i < p->nsyms; i++) {
        const sym *y = &p->syms[i];
        if (y->kind == S_QREG && q >= y->a && q < y->a + y->b) {
            snprintf(buf, n, "%.*s[%d]", (int)(y->len > 64 ? 64 : y->len), p->text + y->s, q - y->a);
            return;
        }
    }
    snprintf(buf, n, "qubit %d", q);
}

static int parse_qarg(P *p, qarg *a, int in_body)
{
    tok t = p->tk;
    memset(a, 0, sizeof *a);
    a->at = t;
    a->q = -1;
    if (t.t == T_OP && is_op(p, "$"))
        return fail_tok(p, &t, QNN_E_FORMAT, "a declared qubit register (physical qubits $n are outside the subset)");
    if (t.t != T_ID)
        return fail_tok(p, &t, QNN_E_FORMAT, in_body ? "a qubit argument of the gate" : "a qubit: NAME or NAME[index]");
    sym *y = lookup(p, t.s, t.len);
    if (in_body) {
        if (!y || y->kind != S_GQARG)
            return fail_tok(p, &t, QNN_E_RELATION, "a qubit argument of the gate being defined");
        next(p);
        if (is_op(p, "["))
            return fail_tok(p, &p->tk, QNN_E_FORMAT, "a qubit argument without index (inside a gate definition)");
        a->q = y->a;
        return 0;
    }
    if (!y || y->kind != S_QREG)
        return fail_tok(p, &t, QNN_E_RELATION, "a declared qubit register");
    next(p);
    if (!is_op(p, "[")) {
        if (y->b == 1) {
            a->q = y->a;
            return 0;
        }
        a->whole = 1;
        a->off = y->a;
        a->size = y->b;
        return 0;
    }
    next(p);
    tok it = p->tk;
    val v = expr(p);
    if (p->failed)
        return -1;
    if (is_op(p, ":") || is_op(p, ","))
        return fail_tok(p, &p->tk, QNN_E_FORMAT, "']' (register slices q[a:b] and index lists are outside the subset)");
    if (expect_op(p, "]", "']' or an operator (+ - * / **)") < 0)
        return -1;
    if (v.k == V_DRY)
        return 0;
    if (v.k != V_CONST || v.c != floor(v.c))
        return fail_tok(p, &it, QNN_E_RELATION, "an integer constant index");
    if (v.c < 0 || v.c >= y->b)
        return failf(p, it.line, it.col, QNN_E_RELATION, "found '%.17g'; allowed: an index of %.*s in 0 .. %d (qubit[%d] %.*s)",
                     v.c, (int)(y->len > 64 ? 64 : y->len), p->text + y->s, y->b - 1, y->b,
                     (int)(y->len > 64 ? 64 : y->len), p->text + y->s);
    a->q = y->a + (int)v.c;
    return 0;
}

/* Operands until ';' (none allowed when allow_none). */
static int parse_qargs(P *p, qarg *args, int *n, int in_body, int allow_none)
{
    *n = 0;
    if (allow_none && is_op(p, ";"))
        return 0;
    for (;;) {
        if (*n == MAX_ARGS)
            return fail_tok(p, &p->tk, QNN_E_SIZE, "at most %d operands", MAX_ARGS);
        if (parse_qarg(p, &args[*n], in_body) < 0)
            return -1;
        (*n)++;
        if (!is_op(p, ","))
            break;
        next(p);
    }
    return 0;
}

/* The number of applications a broadcast call makes: 1, or the common
 * size of its whole-register operands. */
static int broadcast(P *p, const qarg *args, int n)
{
    int k = 1, first = -1;
    for (int i = 0; i < n; i++) {
        if (!args[i].whole)
            continue;
        if (first < 0) {
            first = i;
            k = args[i].size;
        } else if (args[i].size != k) {
            return fail_tok(p, &args[i].at, QNN_E_RELATION,
                            "registers of the same size in one call (the first has %d qubits, this one %d)", k,
                            args[i].size);
        }
    }
    return k;
}

static int qubit_at(const qarg *a, int j)
{
    return a->whole ? a->off + j : a->q;
}

/* --- statements --------------------------------------------------------- */

enum { CTX_TOP, CTX_LOOP, CTX_BODY };

static int stmt(P *p, int ctx);

static int tick(P *p, const tok *t)
{
    if (++p->work > MAX_WORK)
        return fail_tok(p, t, QNN_E_SIZE, "at most %ld statements executed after expanding loops and gate calls",
                        MAX_WORK);
    return 0;
}

/* Checks that the qubits may still be acted on (no measurement before)
 * and marks them touched. */
static int touch(P *p, const int *q, int n, const tok *t)
{
    for (int i = 0; i < n; i++) {
        if (q[i] < 0 || q[i] >= QNN_MAX_QUBITS)
            continue;
        if (p->measured_line[q[i]]) {
            char nm[96];
            qubit_name(p, q[i], nm, sizeof nm);
            return fail_tok(p, t, QNN_E_RELATION,
                            "gates on %s only before its measurement at %d:%d (mid-circuit measurement is outside the subset)",
                            nm, p->measured_line[q[i]], p->measured_col[q[i]]);
        }
    }
    for (int i = 0; i < n; i++)
        if (q[i] >= 0 && q[i] < QNN_MAX_QUBITS)
            p->touched[q[i]] = 1;
    return 0;
}

static int distinct(P *p, const int *q, int n, const qarg *args, const tok *name)
{
    for (int i = 0; i < n; i++)
        for (int j = 0; j < i; j++)
            if (q[i] >= 0 && q[i] == q[j]) {
                char nm[96];
                qubit_name(p, q[i], nm, sizeof nm);
                return fail_tok(p, args ? &args[i].at : name, QNN_E_RELATION,
                                "distinct qubits in one gate (%s is used twice)", nm);
            }
    return 0;
}

static int emit_native(P *p, int kind, const val *ang, const int *q, const tok *t)
{
    const qnn_gate_info *gi = qnn_gate_info_of((qnn_gate_kind)kind);
    if (p->dry) {
        if (p->capturing) {
            if (p->ncap == MAX_CAPTURE) {
                p->capture_ok = 0;
                return 0;
            }
            capgate *c = &p->cap[p->ncap++];
            c->kind = kind;
            for (int i = 0; i < gi->nqubits; i++)
                c->q[i] = q[i];
            for (int i = 0; i < gi->nangles; i++) {
                c->pj[i] = ang[i].k == V_DRY ? ang[i].pj : -1;
                c->c[i] = ang[i].c;
                if (ang[i].k == V_DRY && ang[i].pj < 0)
                    p->capture_ok = 0;
            }
        }
        return 0;
    }
    if (touch(p, q, gi->nqubits, t) < 0)
        return -1;
    if (p->qc->ngates >= GATE_LIMIT)
        return fail_tok(p, t, QNN_E_SIZE, "at most %d gates after expanding loops and gate definitions",
                        GATE_LIMIT);
    int nodes[QNN_GATE_MAX_ANGLES];
    for (int i = 0; i < gi->nangles; i++)
        if ((nodes[i] = materialise(p, ang[i], t)) < 0)
            return -1;
    char err[256];
    int rc = qnn_qc_add(p->qc, (qnn_gate_kind)kind, q, nodes, t->line, t->col, -1, err, sizeof err);
    if (rc < 0)
        return fail_tok(p, t, rc == QNN_E_NOMEM ? QNN_E_NOMEM : QNN_E_RELATION, "a valid gate (%s)", err);
    return 0;
}

/* Reads the statements of a body until its '}' and consumes it. */
static int block(P *p, int ctx)
{
    while (!p->failed && !is_op(p, "}")) {
        if (p->tk.t == T_EOF)
            return fail_tok(p, &p->tk, QNN_E_FORMAT, "'}' closing the block");
        if (stmt(p, ctx) < 0)
            return -1;
    }
    if (p->failed)
        return -1;
    next(p);
    return 0;
}

/* Expands a call of a defined gate: its parameters and qubit names bound
 * in a scope that hides the file's registers and inputs, its body read
 * again from the text. */
static int call_user(P *p, const gdef *g, const val *params, const int *q, const tok *t)
{
    if (p->sdepth >= QNN_QASM_MAX_DEPTH)
        return fail_tok(p, t, QNN_E_SIZE, "gate calls and loops nested at most %d deep", QNN_QASM_MAX_DEPTH);
    p->sdepth++;
    lexpos save_lp = p->lp;
    tok save_tk = p->tk;
    int save_barrier = p->barrier, base = p->nsyms;
    p->barrier = base;
    int rc = 0;
    for (int i = 0; i < g->nparams + g->nqargs && rc == 0; i++) {
        sym *y = push_sym(p, &p->dnames[g->names + i], i < g->nparams ? S_GPARAM : S_GQARG);
        if (!y)
            rc = -1;
        else if (i < g->nparams)
            y->v = params[i];
        else
            y->a = q[i - g->nparams];
    }
    if (rc == 0) {
        p->lp = g->body;
        p->tk = g->body_tok;
        rc = block(p, CTX_BODY);
    }
    p->lp = save_lp;
    p->tk = save_tk;
    p->nsyms = base;
    p->barrier = save_barrier;
    p->sdepth--;
    return rc;
}

/* Gate names read besides qnn_gate_kind_find's: OpenQASM 2's qelib1.inc
 * (u2, cu1, cu3) and Amazon Braket's spellings. */
enum { MAP_ID, MAP_U2, MAP_CU3 };
static const struct { const char *name; qnn_gate_kind kind; int map; } gate_aliases[] = {
    {"u2", QNN_G_U, MAP_U2}, {"cu1", QNN_G_CP, MAP_ID}, {"cu3", QNN_G_CU, MAP_CU3},
    {"cnot", QNN_G_CX, MAP_ID}, {"i", QNN_G_ID, MAP_ID}, {"phaseshift", QNN_G_P, MAP_ID},
    {"cphaseshift", QNN_G_CP, MAP_ID}, {"si", QNN_G_SDG, MAP_ID}, {"ti", QNN_G_TDG, MAP_ID},
    {"v", QNN_G_SX, MAP_ID}, {"vi", QNN_G_SXDG, MAP_ID}, {"xx", QNN_G_RXX, MAP_ID},
    {"yy", QNN_G_RYY, MAP_ID}, {"zz", QNN_G_RZZ, MAP_ID},
};

static int gate_call(P *p, int ctx)
{
    tok nt = p->tk;
    char nm[MAX_NAME + 1];
    if (nt.len > MAX_NAME)
        return fail_tok(p, &nt, QNN_E_FORMAT, "a name of at most %d bytes", MAX_NAME);
    memcpy(nm, p->text + nt.s, nt.len);
    nm[nt.len] = '\0';
    sym *y = lookup(p, nt.s, nt.len);
    const gdef *g = y && y->kind == S_GATE ? &p->defs[y->a] : NULL;
    int kind = -1, map = MAP_ID;
    if (g && g->native >= 0)
        kind = g->native;
    /* an input or register may share a gate's name (x, t): a statement
       starts with a gate */
    if (!g) {
        kind = qnn_gate_kind_find(nm);
        for (size_t i = 0; kind < 0 && i < sizeof gate_aliases / sizeof gate_aliases[0]; i++)
            if (eqs(nm, nt.len, gate_aliases[i].name)) {
                kind = (int)gate_aliases[i].kind;
                map = gate_aliases[i].map;
            }
    }
    if (!g && kind < 0) {
        if (p->defining_len && same_name(p, nt.s, nt.len, p->defining_s, p->defining_len))
            return fail_tok(p, &nt, QNN_E_RELATION, "a gate defined before this one (a gate cannot call itself)");
        if (y)
            return fail_tok(p, &nt, QNN_E_RELATION, "%s (this name is not a gate)",
                            ctx == CTX_BODY ? "gate calls, gphase, barrier" : STMT_ALLOWED);
        return fail_tok(p, &nt, QNN_E_RELATION,
                        "%s; gates: those of stdgates.inc, U, rxx, ryy, rzz, rzx, sxdg, or one defined before "
                        "with gate",
                        ctx == CTX_BODY ? "gate calls, gphase, barrier" : STMT_ALLOWED);
    }
    const qnn_gate_info *gi = kind >= 0 ? qnn_gate_info_of((qnn_gate_kind)kind) : NULL;
    int np = g && kind < 0 ? g->nparams : map == MAP_U2 ? 2 : map == MAP_CU3 ? 3 : gi->nangles;
    int nq = g && kind < 0 ? g->nqargs : gi->nqubits;
    next(p);
    val params[MAX_ARGS];
    int npar = 0;
    if (is_op(p, "(")) {
        next(p);
        if (!is_op(p, ")"))
            for (;;) {
                if (npar == MAX_ARGS)
                    return fail_tok(p, &p->tk, QNN_E_SIZE, "at most %d parameters", MAX_ARGS);
                params[npar++] = expr(p);
                if (p->failed)
                    return -1;
                if (!is_op(p, ","))
                    break;
                next(p);
            }
        if (expect_op(p, ")", "')' or ',' or an operator (+ - * / **)") < 0)
            return -1;
    }
    if (npar != np)
        return fail_tok(p, &nt, QNN_E_RELATION, "%s with %d parameter%s (found %d)", nm, np, np == 1 ? "" : "s",
                        npar);
    qarg args[MAX_ARGS];
    int nargs;
    if (parse_qargs(p, args, &nargs, ctx == CTX_BODY, 0) < 0)
        return -1;
    if (expect_op(p, ";", "',' or ';' after the qubits") < 0)
        return -1;
    if (nargs != nq)
        return fail_tok(p, &nt, QNN_E_RELATION, "%s on %d qubit%s (found %d)", nm, nq, nq == 1 ? "" : "s", nargs);
    int k = broadcast(p, args, nargs);
    if (k < 0)
        return -1;
    val ang[QNN_GATE_MAX_ANGLES];
    if (kind >= 0) {
        for (int i = 0; i < np && i < QNN_GATE_MAX_ANGLES; i++)
            ang[i] = params[i];
        if (map == MAP_U2) {
            ang[0] = (val){V_CONST, M_PI / 2, -1, -1};
            ang[1] = params[0];
            ang[2] = params[1];
        } else if (map == MAP_CU3) {
            ang[3] = (val){V_CONST, 0.0, -1, -1};
        }
    }
    for (int j = 0; j < k; j++) {
        int q[MAX_ARGS];
        for (int i = 0; i < nargs; i++)
            q[i] = qubit_at(&args[i], j);
        if (distinct(p, q, nargs, args, &nt) < 0)
            return -1;
        if (kind >= 0) {
            if (emit_native(p, kind, ang, q, &nt) < 0)
                return -1;
        } else if (p->dry) {
            p->capture_ok = 0;
        } else if (call_user(p, g, params, q, &nt) < 0) {
            return -1;
        }
        if (j + 1 < k && tick(p, &nt) < 0)
            return -1;
    }
    return 0;
}

/* Bytes of one state of n qubits, for the message that refuses them. */
static void state_bytes(long n, char *buf, size_t len)
{
    static const char *const unit[] = {"bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    if (n > 55) {
        snprintf(buf, len, "more than 512 EiB");
        return;
    }
    double b = 16.0 * ldexp(1.0, (int)n);
    int u = 0;
    while (b >= 1024.0 && u < 6) {
        b /= 1024.0;
        u++;
    }
    snprintf(buf, len, "%.0f %s", b, unit[u]);
}

/* qubit[n] name; qubit name; qreg name[n]; qreg name; and the bit
 * registers likewise. */
static int reg_decl(P *p, int quantum, int v2style)
{
    tok kw = p->tk;
    const char *what = quantum ? "qubit register" : "bit register";
    long size = 1;
    int dry;
    next(p);
    if (!v2style && is_op(p, "[")) {
        next(p);
        if (int_expr(p, 1, 1L << 30, &size, &dry, "a register size") < 0 ||
            expect_op(p, "]", "']' after the register size") < 0)
            return -1;
    }
    tok nt = p->tk;
    if (check_new_name(p, &nt, what) < 0)
        return -1;
    next(p);
    if (v2style && is_op(p, "[")) {
        next(p);
        if (int_expr(p, 1, 1L << 30, &size, &dry, "a register size") < 0 ||
            expect_op(p, "]", "']' after the register size") < 0)
            return -1;
    }
    if (is_op(p, "="))
        return fail_tok(p, &p->tk, QNN_E_FORMAT, "';' (an initial value is outside the subset)");
    if (expect_op(p, ";", "';' after the declaration") < 0)
        return -1;
    if (quantum && p->nqubits + size > QNN_MAX_QUBITS) {
        char b[64];
        long total = p->nqubits + size;
        state_bytes(total, b, sizeof b);
        return failf(p, kw.line, kw.col, QNN_E_SIZE,
                     "found '%.*s' (%ld qubits in all); allowed: at most %d qubits (a state of %ld qubits needs "
                     "16*2^%ld bytes = %s)",
                     (int)(nt.len > 64 ? 64 : nt.len), p->text + nt.s, total, QNN_MAX_QUBITS, total, total, b);
    }
    sym *y = push_sym(p, &nt, quantum ? S_QREG : S_CREG);
    if (!y)
        return -1;
    y->a = quantum ? p->nqubits : 0;
    y->b = (int)size;
    if (quantum)
        p->nqubits += (int)size;
    return 0;
}

/* A type: float, float[64], angle, angle[32], int, uint[8] ... Only the
 * kinds in `allowed_kinds` pass; *is_int for int and uint. */
static int type_spec(P *p, int with_int, int *is_int, int *is_uint)
{
    tok t = p->tk;
    int fl = is_id(p, "float") || is_id(p, "angle");
    int in = with_int && (is_id(p, "int") || is_id(p, "uint"));
    if (!fl && !in)
        return fail_tok(p, &t, QNN_E_FORMAT, "%s",
                        with_int ? "float, float[64], angle, angle[32], int or uint (other types are outside the subset)"
                                 : "float, float[64], angle or angle[32] (other types are outside the subset)");
    *is_int = in;
    *is_uint = is_id(p, "uint");
    next(p);
    if (is_op(p, "[")) {
        long w;
        int dry;
        next(p);
        if (int_expr(p, 1, 128, &w, &dry, "a type width") < 0 || expect_op(p, "]", "']' after the width") < 0)
            return -1;
    }
    return 0;
}

static int input_decl(P *p)
{
    int is_int, is_uint;
    next(p);
    if (type_spec(p, 0, &is_int, &is_uint) < 0)
        return -1;
    tok nt = p->tk;
    if (check_new_name(p, &nt, "input") < 0)
        return -1;
    next(p);
    if (expect_op(p, ";", "';' after the input's name") < 0)
        return -1;
    char nm[MAX_NAME + 1];
    memcpy(nm, p->text + nt.s, nt.len);
    nm[nt.len] = '\0';
    int v = qnn_qc_add_var(p->qc, nm, nt.line, nt.col);
    if (v < 0 || grow_ints(&p->varnode, &p->capvn, v + 1) < 0)
        return fail_tok(p, &nt, QNN_E_NOMEM, "fewer inputs (out of memory)");
    p->varnode[v] = -1;
    sym *y = push_sym(p, &nt, S_VAR);
    if (!y)
        return -1;
    y->a = v;
    return 0;
}

static int const_decl(P *p)
{
    int is_int, is_uint;
    next(p);
    if (type_spec(p, 1, &is_int, &is_uint) < 0)
        return -1;
    tok nt = p->tk;
    if (check_new_name(p, &nt, "const") < 0)
        return -1;
    next(p);
    if (expect_op(p, "=", "'=' and the constant's value") < 0)
        return -1;
    tok et = p->tk;
    p->const_only = 1;
    val v = expr(p);
    p->const_only = 0;
    if (p->failed)
        return -1;
    if (v.k != V_CONST)
        return fail_tok(p, &et, QNN_E_RELATION, "a constant expression");
    if (is_int && (v.c != floor(v.c) || (is_uint && v.c < 0)))
        return failf(p, et.line, et.col, QNN_E_RELATION, "found '%.17g'; allowed: an integer%s for an int const",
                     v.c, is_uint ? " >= 0" : "");
    if (expect_op(p, ";", "';' or an operator (+ - * / **)") < 0)
        return -1;
    sym *y = push_sym(p, &nt, S_CONST);
    if (!y)
        return -1;
    y->v = v;
    return 0;
}

/* The decompositions qasm_write.c writes and Qiskit's exporter emits for
 * the native gates that stdgates.inc lacks: a definition with exactly
 * this body is that native gate (one gate instead of three to seven, and
 * the diagram says Rzz). Entries: kind, qubits, parameter index or -1 and
 * then the constant angle. */
typedef struct {
    int kind, q0, q1, pj;
    double c;
} tgate;
#define TG_H(a) {QNN_G_H, a, -1, -1, 0}
#define TG_CX {QNN_G_CX, 0, 1, -1, 0}
#define TG_RZ {QNN_G_RZ, 1, -1, 0, 0}
static const tgate t_rzz[] = {TG_CX, TG_RZ, TG_CX};
static const tgate t_rxx[] = {TG_H(0), TG_H(1), TG_CX, TG_RZ, TG_CX, TG_H(0), TG_H(1)};
static const tgate t_ryy[] = {{QNN_G_RX, 0, -1, -1, M_PI / 2}, {QNN_G_RX, 1, -1, -1, M_PI / 2}, TG_CX, TG_RZ, TG_CX,
                              {QNN_G_RX, 0, -1, -1, -M_PI / 2}, {QNN_G_RX, 1, -1, -1, -M_PI / 2}};
static const tgate t_rzx[] = {TG_H(1), TG_CX, TG_RZ, TG_CX, TG_H(1)};
static const tgate t_sxdg[] = {{QNN_G_S, 0, -1, -1, 0}, TG_H(0), {QNN_G_S, 0, -1, -1, 0}};
static const struct { const char *name; int kind, n; const tgate *g; } templates[] = {
    {"rzz", QNN_G_RZZ, 3, t_rzz}, {"rxx", QNN_G_RXX, 7, t_rxx}, {"ryy", QNN_G_RYY, 7, t_ryy},
    {"rzx", QNN_G_RZX, 5, t_rzx}, {"sxdg", QNN_G_SXDG, 3, t_sxdg},
};

static int native_of(const P *p, const tok *nt, int np, int nq)
{
    if (!p->capture_ok)
        return -1;
    for (size_t i = 0; i < sizeof templates / sizeof templates[0]; i++) {
        const qnn_gate_info *gi = qnn_gate_info_of((qnn_gate_kind)templates[i].kind);
        if (!name_is(p, nt->s, nt->len, templates[i].name) || np != gi->nangles || nq != gi->nqubits ||
            p->ncap != templates[i].n)
            continue;
        int ok = 1;
        for (int j = 0; ok && j < p->ncap; j++) {
            const capgate *c = &p->cap[j];
            const tgate *t = &templates[i].g[j];
            const qnn_gate_info *ci = qnn_gate_info_of((qnn_gate_kind)c->kind);
            ok = c->kind == t->kind && c->q[0] == t->q0 && (ci->nqubits < 2 || c->q[1] == t->q1);
            if (ok && ci->nangles == 1)
                ok = t->pj >= 0 ? c->pj[0] == t->pj : c->pj[0] < 0 && c->c[0] == t->c;
        }
        if (ok)
            return templates[i].kind;
    }
    return -1;
}

/* gate name(params) qargs { body } */
static int gate_def(P *p)
{
    next(p);
    tok nt = p->tk;
    if (nt.t != T_ID)
        return fail_tok(p, &nt, QNN_E_FORMAT, "the name of the gate (an identifier)");
    if (nt.len > MAX_NAME)
        return fail_tok(p, &nt, QNN_E_FORMAT, "a name of at most %d bytes", MAX_NAME);
    if (in_list(p, nt.s, nt.len, keywords, sizeof keywords / sizeof keywords[0]))
        return fail_tok(p, &nt, QNN_E_RELATION, "a gate name that is not a keyword or built-in (U, CX, gphase)");
    if (p->stdgates && in_list(p, nt.s, nt.len, stdgates, sizeof stdgates / sizeof stdgates[0]))
        return fail_tok(p, &nt, QNN_E_RELATION, "a gate name not defined in the included stdgates.inc/qelib1.inc");
    if (lookup(p, nt.s, nt.len))
        return fail_tok(p, &nt, QNN_E_RELATION, "a gate name not declared before");
    next(p);
    int names = p->ndnames, np = 0, nq = 0;
    for (int part = 0; part < 2; part++) {
        if (part == 0) {
            if (!is_op(p, "("))
                continue;
            next(p);
            if (is_op(p, ")")) {
                next(p);
                continue;
            }
        }
        for (;;) {
            tok t = p->tk;
            if (t.t != T_ID || in_list(p, t.s, t.len, keywords, sizeof keywords / sizeof keywords[0]))
                return fail_tok(p, &t, QNN_E_FORMAT, "the name of a %s of the gate (an identifier, not a keyword)",
                                part ? "qubit argument" : "parameter");
            if (t.len > MAX_NAME)
                return fail_tok(p, &t, QNN_E_FORMAT, "a name of at most %d bytes", MAX_NAME);
            for (int i = names; i < p->ndnames; i++)
                if (same_name(p, p->dnames[i].s, p->dnames[i].len, t.s, t.len))
                    return fail_tok(p, &t, QNN_E_RELATION, "a name not used before in this definition");
            if (p->ndnames - names >= 2 * MAX_ARGS || (part && nq >= MAX_ARGS) || (!part && np >= MAX_ARGS))
                return fail_tok(p, &t, QNN_E_SIZE, "at most %d parameters and %d qubits", MAX_ARGS, MAX_ARGS);
            if (p->ndnames == p->capdnames) {
                int c = p->capdnames ? 2 * p->capdnames : 64;
                tok *n = realloc(p->dnames, (size_t)c * sizeof *n);
                if (!n)
                    return fail_tok(p, &t, QNN_E_NOMEM, "fewer gate definitions (out of memory)");
                p->dnames = n;
                p->capdnames = c;
            }
            p->dnames[p->ndnames++] = t;
            if (part)
                nq++;
            else
                np++;
            next(p);
            if (!is_op(p, ","))
                break;
            next(p);
        }
        if (part == 0 && expect_op(p, ")", "',' or ')' after a parameter name") < 0)
            return -1;
    }
    if (nq == 0)
        return fail_tok(p, &p->tk, QNN_E_FORMAT, "the gate's qubit arguments before '{'");
    if (expect_op(p, "{", "'{' and the gate's body, or ',' and another qubit argument") < 0)
        return -1;
    gdef g = {nt.s, nt.len, np, nq, names, p->lp, p->tk, -1};
    /* the dry read: errors where they are written, and the body's gates
       captured for native_of */
    int base = p->nsyms, save_barrier = p->barrier, save_dry = p->dry;
    p->barrier = base;
    int rc = 0;
    for (int i = 0; i < np + nq && rc == 0; i++) {
        sym *y = push_sym(p, &p->dnames[names + i], i < np ? S_GPARAM : S_GQARG);
        if (!y)
            rc = -1;
        else if (i < np)
            y->v = (val){V_DRY, 0.0, -1, i};
        else
            y->a = i - np;
    }
    p->dry = 1;
    p->capturing = 1;
    p->capture_ok = 1;
    p->ncap = 0;
    p->defining_s = nt.s;
    p->defining_len = nt.len;
    if (rc == 0)
        rc = block(p, CTX_BODY);
    p->defining_len = 0;
    p->capturing = 0;
    p->dry = save_dry;
    p->nsyms = base;
    p->barrier = save_barrier;
    if (rc < 0)
        return -1;
    g.native = native_of(p, &nt, np, nq);
    if (p->ndefs == p->capdefs) {
        int c = p->capdefs ? 2 * p->capdefs : 16;
        gdef *n = realloc(p->defs, (size_t)c * sizeof *n);
        if (!n)
            return fail_tok(p, &nt, QNN_E_NOMEM, "fewer gate definitions (out of memory)");
        p->defs = n;
        p->capdefs = c;
    }
    p->defs[p->ndefs] = g;
    sym *y = push_sym(p, &nt, S_GATE);
    if (!y)
        return -1;
    y->a = p->ndefs++;
    return 0;
}

/* for [int|uint[w]] i in [a:b] / [a:step:b] body; the end is included. */
static int for_stmt(P *p)
{
    tok kw = p->tk;
    next(p);
    if (is_id(p, "int") || is_id(p, "uint")) {
        next(p);
        if (is_op(p, "[")) {
            long w;
            int dry;
            next(p);
            if (int_expr(p, 1, 64, &w, &dry, "a type width") < 0 || expect_op(p, "]", "']' after the width") < 0)
                return -1;
        }
    } else if (is_id(p, "float") || is_id(p, "angle") || is_id(p, "bit") || is_id(p, "bool")) {
        return fail_tok(p, &p->tk, QNN_E_FORMAT, "int, uint or the loop variable (loops over other types are "
                                                 "outside the subset)");
    }
    tok vt = p->tk;
    if (vt.t != T_ID || vt.len > MAX_NAME ||
        in_list(p, vt.s, vt.len, keywords, sizeof keywords / sizeof keywords[0]))
        return fail_tok(p, &vt, QNN_E_FORMAT, "the loop variable (an identifier, not a keyword)");
    if (lookup(p, vt.s, vt.len))
        return fail_tok(p, &vt, QNN_E_RELATION, "a loop variable not declared before");
    next(p);
    if (!is_id(p, "in"))
        return fail_tok(p, &p->tk, QNN_E_FORMAT, "'in' after the loop variable");
    next(p);
    tok rt = p->tk;
    if (is_op(p, "{"))
        return fail_tok(p, &rt, QNN_E_FORMAT, "a range [a:b] or [a:step:b] (sets {...} are outside the subset)");
    if (expect_op(p, "[", "a range [a:b] or [a:step:b]") < 0)
        return -1;
    long a, b, st = 1, x;
    int d1, d2, d3 = 0;
    const long big = 1L << 31;
    if (int_expr(p, -big, big, &a, &d1, "a loop bound") < 0 || expect_op(p, ":", "':' in the range") < 0 ||
        int_expr(p, -big, big, &x, &d2, "a loop bound") < 0)
        return -1;
    b = x;
    if (is_op(p, ":")) {
        next(p);
        st = x;
        d3 = d2;
        if (int_expr(p, -big, big, &b, &d2, "a loop bound") < 0)
            return -1;
    }
    if (expect_op(p, "]", "']' or ':' in the range") < 0)
        return -1;
    int dry = d1 || d2 || d3 || p->dry;
    if (!dry && st == 0)
        return fail_tok(p, &rt, QNN_E_RELATION, "a range whose step is not 0");
    long long count = 0;
    if (!dry) {
        if (st > 0 && a <= b)
            count = ((long long)b - a) / st + 1;
        else if (st < 0 && a >= b)
            count = ((long long)a - b) / -st + 1;
        if (count > GATE_LIMIT)
            return failf(p, rt.line, rt.col, QNN_E_SIZE,
                         "found '[%ld:%ld:%ld]' (%lld iterations); allowed: at most %d iterations", a, st, b, count,
                         GATE_LIMIT);
    }
    if (p->sdepth >= QNN_QASM_MAX_DEPTH)
        return fail_tok(p, &kw, QNN_E_SIZE, "gate calls and loops nested at most %d deep", QNN_QASM_MAX_DEPTH);
    p->sdepth++;
    lexpos body = p->lp;
    tok body_tok = p->tk;
    sym *y = push_sym(p, &vt, S_LOOP);
    if (!y)
        return -1;
    int vi = p->nsyms - 1, save_dry = p->dry, rc = 0;
    long long runs = dry || count == 0 ? 1 : count;
    if (dry || count == 0)
        p->dry = 1;
    for (long long it = 0; it < runs && rc == 0; it++) {
        p->syms[vi].v = p->dry ? dry_val() : (val){V_CONST, (double)(a + it * st), -1, -1};
        p->lp = body;
        p->tk = body_tok;
        if (it > 0 && tick(p, &kw) < 0) {
            rc = -1;
            break;
        }
        if (is_op(p, "{")) {
            next(p);
            rc = block(p, CTX_LOOP);
        } else {
            rc = stmt(p, CTX_LOOP);
        }
    }
    p->dry = save_dry;
    p->nsyms = vi;
    p->sdepth--;
    return rc;
}

static int creg_arg(P *p)
{
    tok t = p->tk;
    sym *y = t.t == T_ID ? lookup(p, t.s, t.len) : NULL;
    if (!y || y->kind != S_CREG)
        return fail_tok(p, &t, QNN_E_RELATION, "a declared bit register");
    int size = y->b;
    next(p);
    if (is_op(p, "[")) {
        long i;
        int dry;
        next(p);
        if (int_expr(p, 0, size - 1, &i, &dry, "a bit index") < 0 || expect_op(p, "]", "']' after the index") < 0)
            return -1;
    }
    return 0;
}

/* Marks the measured qubits; a later gate on them is refused (touch). */
static int measured(P *p, const qarg *a, const tok *kw)
{
    if (p->dry)
        return 0;
    int n = a->whole ? a->size : 1;
    for (int j = 0; j < n; j++) {
        int q = qubit_at(a, j);
        if (q >= 0 && q < QNN_MAX_QUBITS && !p->measured_line[q]) {
            p->measured_line[q] = kw->line;
            p->measured_col[q] = kw->col;
        }
    }
    return 0;
}

/* measure q[0]; measure q -> c; */
static int measure_stmt(P *p)
{
    tok kw = p->tk;
    next(p);
    qarg a;
    if (parse_qarg(p, &a, 0) < 0)
        return -1;
    if (is_op(p, "->")) {
        next(p);
        if (creg_arg(p) < 0)
            return -1;
    }
    if (expect_op(p, ";", "';' or '-> bits' after the measured qubits") < 0)
        return -1;
    return measured(p, &a, &kw);
}

/* c[0] = measure q[0]; c = measure q; */
static int measure_assign(P *p)
{
    if (creg_arg(p) < 0)
        return -1;
    if (!is_op(p, "="))
        return fail_tok(p, &p->tk, QNN_E_FORMAT, "'= measure' (classical assignments are outside the subset)");
    next(p);
    tok kw = p->tk;
    if (!is_id(p, "measure"))
        return fail_tok(p, &kw, QNN_E_FORMAT, "measure (classical arithmetic is outside the subset)");
    next(p);
    qarg a;
    if (parse_qarg(p, &a, 0) < 0 || expect_op(p, ";", "';' after the measured qubits") < 0)
        return -1;
    return measured(p, &a, &kw);
}

/* reset on a qubit nothing has acted on is the identity (every qubit
 * starts in |0>); anywhere else it would need mixed states. */
static int reset_stmt(P *p)
{
    tok kw = p->tk;
    next(p);
    qarg a;
    if (parse_qarg(p, &a, 0) < 0 || expect_op(p, ";", "';' after the qubits") < 0)
        return -1;
    if (p->dry)
        return 0;
    int n = a.whole ? a.size : 1;
    for (int j = 0; j < n; j++) {
        int q = qubit_at(&a, j);
        if (q >= 0 && q < QNN_MAX_QUBITS && (p->touched[q] || p->measured_line[q])) {
            char nm[96];
            qubit_name(p, q, nm, sizeof nm);
            return fail_tok(p, &kw, QNN_E_RELATION,
                            "reset only before any gate or measurement on %s (a reset mid-circuit is outside the "
                            "subset)",
                            nm);
        }
    }
    return 0;
}

static int barrier_stmt(P *p, int ctx)
{
    qarg args[MAX_ARGS];
    int n;
    next(p);
    if (parse_qargs(p, args, &n, ctx == CTX_BODY, 1) < 0)
        return -1;
    return expect_op(p, ";", "',' or ';' after the qubits");
}

/* gphase(γ); a global phase changes no expectation value. */
static int gphase_stmt(P *p, int ctx)
{
    next(p);
    if (expect_op(p, "(", "'(' and the phase") < 0)
        return -1;
    expr(p);
    if (p->failed || expect_op(p, ")", "')' or an operator (+ - * / **)") < 0)
        return -1;
    qarg args[MAX_ARGS];
    int n;
    if (parse_qargs(p, args, &n, ctx == CTX_BODY, 1) < 0)
        return -1;
    return expect_op(p, ";", "';' after gphase(...)");
}

static int version_stmt(P *p)
{
    next(p);
    tok t = p->tk;
    char buf[16];
    if (t.t != T_NUM || t.len >= sizeof buf)
        return fail_tok(p, &t, QNN_E_FORMAT, "a version: 3, 3.0 or 2.0");
    memcpy(buf, p->text + t.s, t.len);
    buf[t.len] = '\0';
    double v = strtod(buf, NULL);
    if (floor(v) != 2.0 && floor(v) != 3.0)
        return fail_tok(p, &t, QNN_E_RELATION, "a version: 3, 3.0 or 2.0");
    p->v2 = floor(v) == 2.0;
    next(p);
    return expect_op(p, ";", "';' after the version");
}

static int include_stmt(P *p)
{
    next(p);
    tok t = p->tk;
    if (!tok_is(p, &t, T_STR, "\"stdgates.inc\"") && !tok_is(p, &t, T_STR, "\"qelib1.inc\""))
        return fail_tok(p, &t, QNN_E_RELATION, "\"stdgates.inc\" or \"qelib1.inc\" (other files are not read)");
    p->stdgates = 1;
    next(p);
    return expect_op(p, ";", "';' after the file name");
}

static int stmt(P *p, int ctx)
{
    static const char *const toponly[] = {"OPENQASM", "include", "qubit", "qreg", "bit", "creg", "input", "const",
                                          "gate"};
    static const char *const control[] = {"if", "else", "while", "switch", "case", "default", "break",
                                          "continue", "end", "return"};
    static const char *const modifiers[] = {"ctrl", "negctrl", "inv", "pow"};
    static const char *const classical[] = {"int", "uint", "float", "angle", "bool", "complex", "array",
                                            "duration", "stretch", "output", "let", "extern", "def", "defcal",
                                            "defcalgrammar", "cal", "box", "delay", "opaque", "pragma"};
    const char *allowed = ctx == CTX_BODY ? "in a gate definition: gate calls, gphase, barrier" : STMT_ALLOWED;
    tok t = p->tk;
    if (p->failed)
        return -1;
    if (tick(p, &t) < 0)
        return -1;
    int first = p->nstmts++ == 0;
    if (is_op(p, ";")) {
        next(p);
        return 0;
    }
    if (is_op(p, "#") || is_op(p, "@"))
        return fail_tok(p, &t, QNN_E_FORMAT, "%s (pragmas and annotations are outside the subset)", allowed);
    if (t.t != T_ID)
        return fail_tok(p, &t, QNN_E_FORMAT, "%s", allowed);
    if (in_list(p, t.s, t.len, toponly, sizeof toponly / sizeof toponly[0]) && ctx != CTX_TOP)
        return fail_tok(p, &t, QNN_E_FORMAT, "%s (declarations, definitions and OPENQASM only at the top level)",
                        allowed);
    if (is_id(p, "OPENQASM")) {
        if (!first)
            return fail_tok(p, &t, QNN_E_FORMAT, "%s (OPENQASM only as the first statement)", allowed);
        return version_stmt(p);
    }
    if (is_id(p, "include"))
        return include_stmt(p);
    if (is_id(p, "qubit") || is_id(p, "qreg"))
        return reg_decl(p, 1, is_id(p, "qreg"));
    if (is_id(p, "bit") || is_id(p, "creg"))
        return reg_decl(p, 0, is_id(p, "creg"));
    if (is_id(p, "input"))
        return input_decl(p);
    if (is_id(p, "const"))
        return const_decl(p);
    if (is_id(p, "gate"))
        return gate_def(p);
    if (is_id(p, "barrier"))
        return barrier_stmt(p, ctx);
    if (is_id(p, "gphase"))
        return gphase_stmt(p, ctx);
    if (ctx == CTX_BODY && (is_id(p, "for") || is_id(p, "measure") || is_id(p, "reset")))
        return fail_tok(p, &t, QNN_E_FORMAT, "%s", allowed);
    if (is_id(p, "for"))
        return for_stmt(p);
    if (is_id(p, "measure"))
        return measure_stmt(p);
    if (is_id(p, "reset"))
        return reset_stmt(p);
    if (in_list(p, t.s, t.len, control, sizeof control / sizeof control[0]))
        return fail_tok(p, &t, QNN_E_FORMAT, "%s (classical control flow is outside the subset)", allowed);
    if (in_list(p, t.s, t.len, modifiers, sizeof modifiers / sizeof modifiers[0]))
        return fail_tok(p, &t, QNN_E_FORMAT,
                        "%s (gate modifiers ctrl @, negctrl @, inv @, pow @ are outside the subset: write the gate "
                        "out, e.g. cx, crx, sdg)",
                        allowed);
    if (in_list(p, t.s, t.len, classical, sizeof classical / sizeof classical[0]))
        return fail_tok(p, &t, QNN_E_FORMAT,
                        "%s (classical declarations, subroutines and calibrations are outside the subset)", allowed);
    sym *y = lookup(p, t.s, t.len);
    if (y && y->kind == S_CREG && ctx != CTX_BODY)
        return measure_assign(p);
    return gate_call(p, ctx);
}

/* Messages name `name`; no circuit is made unless all of the text is read. */
int qnn_qasm_parse(const char *text, size_t len, const char *name, qnn_qc **out, char *err, size_t errlen)
{
    if (err && errlen)
        err[0] = '\0';
    if (!out)
        return qnn_fail(err, errlen, QNN_E_ARGS, "qnn_qasm_parse: no place for the circuit; allowed: a pointer");
    *out = NULL;
    if (!name)
        name = "<qasm>";
    if (!text && len)
        return qnn_fail(err, errlen, QNN_E_ARGS, "%s: no text; allowed: a text", name);
    if (len > QNN_QASM_MAX_BYTES)
        return qnn_fail(err, errlen, QNN_E_SIZE, "%s:1:1: found a file of %zu bytes; allowed: at most %d bytes",
                        name, len, QNN_QASM_MAX_BYTES);
    P *p = calloc(1, sizeof *p);
    if (!p)
        return qnn_fail(err, errlen, QNN_E_NOMEM, "%s: out of memory; allowed: a smaller file", name);
    p->text = text ? text : "";
    p->len = len;
    p->name = name;
    p->err = err;
    p->errlen = errlen;
    p->lp = (lexpos){0, 1, 1};
    if (len >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3))
        p->lp.pos = 3;   /* a byte order mark */
    p->qc = qnn_qc_new(QNN_MAX_QUBITS, name);
    int rc;
    if (!p->qc) {
        rc = qnn_fail(err, errlen, QNN_E_NOMEM, "%s: out of memory; allowed: a smaller file", name);
    } else {
        next(p);
        while (!p->failed && p->tk.t != T_EOF)
            stmt(p, CTX_TOP);
        if (!p->failed && p->nqubits == 0)
            fail_tok(p, &p->tk, QNN_E_RELATION, "a qubit declaration (qubit[n] q; or qreg q[n];) before the end");
        rc = p->failed;
    }
    if (rc == 0) {
        p->qc->n = p->nqubits;
        *out = p->qc;
    } else {
        qnn_qc_free(p->qc);
    }
    free(p->syms);
    free(p->defs);
    free(p->dnames);
    free(p->varnode);
    free(p->tree);
    free(p);
    return rc;
}

/* Only a regular file, read whole: a FIFO or a device could block or
 * never end. */
int qnn_qasm_read(const char *path, qnn_qc **out, char *err, size_t errlen)
{
    if (out)
        *out = NULL;
    if (!path || !out)
        return qnn_fail(err, errlen, QNN_E_ARGS, "qnn_qasm_read: no file; allowed: a path");
    char show[QNN_QUOTE_CAP(200)];
    qnn_text_quote(path, strlen(path), 200, show, sizeof show);
    const char *kind;
    FILE *f = qnn_file_open_read(path, &kind);
    if (!f && kind)
        return qnn_fail(err, errlen, QNN_E_FILE, "%s: is %s, not a regular file; allowed: a readable OpenQASM file", show, kind);
    if (!f)
        return qnn_fail(err, errlen, QNN_E_FILE, "%s: cannot be read (%s); allowed: a readable OpenQASM file", show,
                        strerror(errno));
    struct stat st;
    if (fstat(fileno(f), &st) != 0) {
        fclose(f);
        return qnn_fail(err, errlen, QNN_E_FILE, "%s: cannot be read (%s); allowed: a readable OpenQASM file", show,
                        strerror(errno));
    }
    if (st.st_size > QNN_QASM_MAX_BYTES) {
        fclose(f);
        return qnn_fail(err, errlen, QNN_E_FILE, "%s: %lld bytes; allowed: an OpenQASM file of at most %d bytes",
                        show, (long long)st.st_size, QNN_QASM_MAX_BYTES);
    }
    size_t cap = (size_t)st.st_size + 1;
    char *buf = malloc(cap);
    if (!buf) {
        fclose(f);
        return qnn_fail(err, errlen, QNN_E_NOMEM, "%s: out of memory; allowed: a smaller file", show);
    }
    size_t n = fread(buf, 1, cap, f);
    int bad = ferror(f) || n > (size_t)st.st_size;   /* it grew while read */
    fclose(f);
    if (bad) {
        free(buf);
        return qnn_fail(err, errlen, QNN_E_FILE, "%s: cannot be read whole; allowed: a file that is not being written",
                        show);
    }
    int rc = qnn_qasm_parse(buf, n, path, out, err, errlen);
    free(buf);
    return rc;
}
