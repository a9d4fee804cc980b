/* The layout of a circuit diagram (circuit_layout.h). */
#include "circuit_layout.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------------- */
/* Text                                                                   */

int cl_char_width(const char *s)
{
    int n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p & 0xC0) == 0x80)
            continue;
        /* combining marks U+0300 .. U+036F (CC 80 .. CD AF) take no column */
        if ((p[0] == 0xCC && p[1] >= 0x80) || (p[0] == 0xCD && p[1] >= 0x80 && p[1] <= 0xAF))
            continue;
        n++;
    }
    return n;
}

/* Appends s to buf (len bytes, used *o), cut at a character boundary. */
static void put(char *buf, size_t len, size_t *o, const char *s)
{
    size_t n = strlen(s);
    if (*o + n + 1 > len) {
        n = len > *o + 1 ? len - *o - 1 : 0;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
    }
    memcpy(buf + *o, s, n);
    *o += n;
    buf[*o] = 0;
}

static const struct { const char *latin, *greek; } greek_names[] = {
    {"theta", "θ"}, {"gamma", "γ"}, {"beta", "β"}, {"phi", "φ"}, {"lambda", "λ"},
    {"alpha", "α"}, {"omega", "ω"}, {"tau", "τ"}, {"psi", "ψ"}, {"pi", "π"},
};
#define NGREEK (sizeof greek_names / sizeof greek_names[0])

/* A variable's name shortened: surrounding '_' dropped, the '_' before a
 * trailing number dropped, a Greek name as its letter (or, in ASCII, a
 * Greek letter as its name). */
static void short_name(const char *id, size_t n, int ascii, char *out, size_t cap)
{
    while (n > 0 && *id == '_') {
        id++;
        n--;
    }
    while (n > 0 && id[n - 1] == '_')
        n--;
    size_t d = n;   /* the trailing digits start at d */
    while (d > 0 && id[d - 1] >= '0' && id[d - 1] <= '9')
        d--;
    size_t b = d;   /* the base ends at b */
    if (d < n)
        while (b > 0 && id[b - 1] == '_')
            b--;
    if (b == 0) {   /* all digits (or underscores): keep it as it is */
        b = d = 0;
    }
    char base[128];
    snprintf(base, sizeof base, "%.*s", (int)(b < sizeof base - 1 ? b : sizeof base - 1), id);
    const char *shown = base;
    for (size_t k = 0; k < NGREEK; k++) {
        if (!strcmp(base, greek_names[k].latin) || !strcmp(base, greek_names[k].greek)) {
            shown = ascii ? greek_names[k].latin : greek_names[k].greek;
            break;
        }
    }
    snprintf(out, cap, "%s%.*s", shown, (int)(n - d), id + d);
}

/* v as a multiple of π/4 ("π", "π/2", "3π/4", "-2π"), or 0 when it is none. */
static int pi_text(double v, int ascii, char *out, size_t cap)
{
    if (v == 0 || !isfinite(v))
        return 0;
    const double q = v / (M_PI / 4);
    const double r = round(q);
    if (fabs(q - r) > 1e-12 * fmax(1.0, fabs(q)) || fabs(r) > 64)
        return 0;
    long k = (long)r, den = 4;
    while (den > 1 && k % 2 == 0) {
        k /= 2;
        den /= 2;
    }
    const char *pi = ascii ? "pi" : "π";
    char num[32];
    if (k == 1)
        snprintf(num, sizeof num, "%s", pi);
    else if (k == -1)
        snprintf(num, sizeof num, "-%s", pi);
    else
        snprintf(num, sizeof num, "%ld%s", k, pi);
    if (den == 1)
        snprintf(out, cap, "%s", num);
    else
        snprintf(out, cap, "%s/%ld", num, den);
    return 1;
}

/* Precedence of a node: sums 1, products 2, negation 3, powers 4, atoms 5. */
static int prec(const qnn_expr *n)
{
    switch (n->op) {
    case QNN_EX_ADD: case QNN_EX_SUB: return 1;
    case QNN_EX_MUL: case QNN_EX_DIV: return 2;
    case QNN_EX_NEG: return 3;
    case QNN_EX_POW: return 4;
    case QNN_EX_CONST: return n->value < 0 ? 3 : 5;
    default: return 5;
    }
}

static void expr_rec(const qnn_qc *qc, int e, int ascii, char *buf, size_t len, size_t *o, int depth)
{
    if (e < 0 || e >= qc->nexpr || depth > 64) {
        put(buf, len, o, "?");
        return;
    }
    const qnn_expr *n = &qc->expr[e];
    char t[256];
    switch (n->op) {
    case QNN_EX_CONST:
        if (!pi_text(n->value, ascii, t, sizeof t))
            snprintf(t, sizeof t, "%.3g", n->value);
        put(buf, len, o, t);
        return;
    case QNN_EX_VAR:
        if (n->var < 0 || n->var >= qc->nvars || !qc->vars[n->var].name) {
            put(buf, len, o, "?");
            return;
        }
        short_name(qc->vars[n->var].name, strlen(qc->vars[n->var].name), ascii, t, sizeof t);
        put(buf, len, o, t);
        return;
    case QNN_EX_NEG: {
        put(buf, len, o, "-");
        const int wrap = n->a >= 0 && n->a < e && prec(&qc->expr[n->a]) < 4;
        if (wrap)
            put(buf, len, o, "(");
        expr_rec(qc, n->a, ascii, buf, len, o, depth + 1);
        if (wrap)
            put(buf, len, o, ")");
        return;
    }
    case QNN_EX_ADD: case QNN_EX_SUB: case QNN_EX_MUL: case QNN_EX_DIV: case QNN_EX_POW: {
        static const char *const sym[] = {[QNN_EX_ADD] = "+", [QNN_EX_SUB] = "-", [QNN_EX_MUL] = "*",
                                          [QNN_EX_DIV] = "/", [QNN_EX_POW] = "^"};
        const int p = prec(n);
        const int pa = n->a >= 0 && n->a < e ? prec(&qc->expr[n->a]) : 5;
        const int pb = n->b >= 0 && n->b < e ? prec(&qc->expr[n->b]) : 5;
        /* left-associative but for the power; a negative number or a
         * negation on the right of an operator in parentheses */
        const int wa = n->op == QNN_EX_POW ? pa <= p : pa < p;
        const int wb = n->op == QNN_EX_POW ? pb < p
                                           : pb < p || (pb == p && (n->op == QNN_EX_SUB || n->op == QNN_EX_DIV)) || pb == 3;
        if (wa)
            put(buf, len, o, "(");
        expr_rec(qc, n->a, ascii, buf, len, o, depth + 1);
        if (wa)
            put(buf, len, o, ")");
        put(buf, len, o, n->op == QNN_EX_MUL && !ascii ? "·" : sym[n->op]);
        if (wb)
            put(buf, len, o, "(");
        expr_rec(qc, n->b, ascii, buf, len, o, depth + 1);
        if (wb)
            put(buf, len, o, ")");
        return;
    }
    default: {
        static const char *const fname[] = {
            [QNN_EX_SIN] = "sin", [QNN_EX_COS] = "cos", [QNN_EX_TAN] = "tan", [QNN_EX_EXP] = "exp",
            [QNN_EX_LN] = "ln", [QNN_EX_SQRT] = "sqrt", [QNN_EX_ASIN] = "asin", [QNN_EX_ACOS] = "acos",
            [QNN_EX_ATAN] = "atan"};
        if (n->op < QNN_EX_SIN || n->op > QNN_EX_ATAN) {
            put(buf, len, o, "?");
            return;
        }
        put(buf, len, o, fname[n->op]);
        put(buf, len, o, "(");
        expr_rec(qc, n->a, ascii, buf, len, o, depth + 1);
        put(buf, len, o, ")");
        return;
    }
    }
}

void cl_expr_text(const qnn_qc *qc, int e, int ascii, char *buf, size_t len)
{
    if (!len)
        return;
    buf[0] = 0;
    size_t o = 0;
    expr_rec(qc, e, ascii, buf, len, &o, 0);
}

/* The first `cols` columns of s (a code point each) into out. */
static void prefix_cols(const char *s, int cols, char *out, size_t cap)
{
    size_t o = 0;
    int k = 0;
    const unsigned char *p = (const unsigned char *)s;
    while (*p && k < cols) {
        size_t n = 1;
        while (p[n] && (p[n] & 0xC0) == 0x80)
            n++;
        if (o + n + 1 > cap)
            break;
        memcpy(out + o, p, n);
        o += n;
        p += n;
        k++;
    }
    out[o] = 0;
}

/* The box text of gate gi: "Rx(θ3)", "U(θ0,φ1,λ2)", "H"; full and
 * abbreviated to max columns. */
static void gate_text(const qnn_qc *qc, const qnn_gate *gt, const qnn_gate_info *info, const cl_opts *o,
                      char *full, size_t flen, char *text, size_t tlen)
{
    const char *label = info && info->label ? info->label : info && info->name ? info->name : "?";
    char lab[64];
    if (o->ascii) {
        /* the labels of stdgates are ASCII already but for † and √ */
        size_t w = 0;
        for (const char *p = label; *p && w + 5 < sizeof lab; p++) {
            if (!strncmp(p, "†", strlen("†"))) {
                memcpy(lab + w, "dg", 2);
                w += 2;
                p += strlen("†") - 1;
            } else if (!strncmp(p, "√", strlen("√"))) {
                memcpy(lab + w, "sqrt", 4);
                w += 4;
                p += strlen("√") - 1;
            } else if ((unsigned char)*p < 0x80) {
                lab[w++] = *p;
            }
        }
        lab[w] = 0;
        label = lab;
    }
    const int na = info ? info->nangles : 0;
    if (na == 0) {
        snprintf(full, flen, "%s", label);
    } else {
        size_t fo = 0;
        full[0] = 0;
        put(full, flen, &fo, label);
        put(full, flen, &fo, "(");
        for (int a = 0; a < na && a < QNN_GATE_MAX_ANGLES; a++) {
            char t[512];
            cl_expr_text(qc, gt->angle[a], o->ascii, t, sizeof t);
            if (a)
                put(full, flen, &fo, ",");
            put(full, flen, &fo, t);
        }
        put(full, flen, &fo, ")");
    }
    const int max = o->max_text > 3 ? o->max_text : 14;
    if (cl_char_width(full) <= max) {
        snprintf(text, tlen, "%s", full);
        return;
    }
    const char *ell = o->ascii ? "~" : "…";
    char head[CL_TEXT_MAX * 4];
    prefix_cols(full, na ? max - 2 : max - 1, head, sizeof head);
    snprintf(text, tlen, "%s%s%s", head, ell, na ? ")" : "");
}

/* The roles of the variables expression e reads (CL_USES_*). */
static int expr_roles(const qnn_qc *qc, int e, int depth)
{
    if (e < 0 || e >= qc->nexpr || depth > 64)
        return 0;
    const qnn_expr *n = &qc->expr[e];
    switch (n->op) {
    case QNN_EX_CONST:
        return 0;
    case QNN_EX_VAR:
        if (n->var < 0 || n->var >= qc->nvars)
            return 0;
        return qc->vars[n->var].role == QNN_VAR_FEATURE ? CL_USES_FEATURE : CL_USES_PARAM;
    default: {
        int r = n->a >= 0 && n->a < e ? expr_roles(qc, n->a, depth + 1) : 0;
        if (n->op >= QNN_EX_ADD && n->op <= QNN_EX_POW && n->b >= 0 && n->b < e)
            r |= expr_roles(qc, n->b, depth + 1);
        return r;
    }
    }
}

/* ---------------------------------------------------------------------- */
/* Columns                                                                */

void cl_free(cl_layout *L)
{
    free(L->g);
    free(L->col_layer);
    free(L->col_first);
    free(L->row_start);
    free(L->colw);
    memset(L, 0, sizeof *L);
}

int cl_build(const qnn_qc *qc, const cl_opts *opts, cl_layout *L)
{
    static const cl_opts defaults = {0, 14, 0};
    const cl_opts *o = opts ? opts : &defaults;
    memset(L, 0, sizeof *L);
    if (!qc || qc->n < 1)
        return 0;
    L->n = qc->n;
    L->ascii = o->ascii != 0;
    L->nparams = qc->nparams;
    L->nfeatures = qc->nfeatures;
    snprintf(L->source, sizeof L->source, "%s", qc->source ? qc->source : "");
    int *last = malloc((size_t)qc->n * sizeof *last);
    L->g = calloc(qc->ngates > 0 ? (size_t)qc->ngates : 1, sizeof *L->g);
    if (!last || !L->g) {
        free(last);
        cl_free(L);
        return -1;
    }
    for (int w = 0; w < qc->n; w++)
        last[w] = -1;
    int ncols = 0, barrier = 0, prev_layer = 0;
    for (int i = 0; i < qc->ngates; i++) {
        const qnn_gate *gt = &qc->gates[i];
        const qnn_gate_info *info = qnn_gate_info_of(gt->kind);
        cl_gate *g = &L->g[L->ngates];
        memset(g, 0, sizeof *g);
        g->index = i;
        g->layer = gt->layer;
        L->has_layers |= gt->layer >= 0;
        g->nq = info && info->nqubits >= 1 && info->nqubits <= QNN_GATE_MAX_QUBITS ? info->nqubits : 1;
        g->lo = qc->n;
        g->hi = -1;
        int bad = 0;
        for (int k = 0; k < g->nq; k++) {
            g->q[k] = gt->q[k];
            if (gt->q[k] < 0 || gt->q[k] >= qc->n)
                bad = 1;
            g->lo = gt->q[k] < g->lo ? gt->q[k] : g->lo;
            g->hi = gt->q[k] > g->hi ? gt->q[k] : g->hi;
        }
        if (bad)
            continue;   /* the circuit checks its operands: never here */
        /* the marks: controls first, then the target(s) */
        const int nc = info ? info->ncontrols : 0;
        for (int k = 0; k < g->nq; k++)
            g->mark[k] = k < nc ? CL_CTRL : CL_BOX;
        switch (gt->kind) {
        case QNN_G_CX: case QNN_G_CCX: g->mark[g->nq - 1] = CL_OPLUS; break;
        case QNN_G_CZ: g->mark[1] = CL_CTRL; break;
        case QNN_G_SWAP: g->mark[0] = g->mark[1] = CL_SWAP; break;
        case QNN_G_CSWAP: g->mark[1] = g->mark[2] = CL_SWAP; break;
        default: break;
        }
        for (int a = 0; info && a < info->nangles && a < QNN_GATE_MAX_ANGLES; a++)
            g->roles |= expr_roles(qc, gt->angle[a], 0);
        gate_text(qc, gt, info, o, g->full, sizeof g->full, g->text, sizeof g->text);
        /* the column: after the last one used on its wires, and after
         * the previous layers with barriers */
        if (o->layer_barriers && L->ngates > 0 && gt->layer != prev_layer)
            barrier = ncols;
        prev_layer = gt->layer;
        int col = barrier;
        for (int w = g->lo; w <= g->hi; w++)
            col = last[w] + 1 > col ? last[w] + 1 : col;
        for (int w = g->lo; w <= g->hi; w++)
            last[w] = col;
        g->col = col;
        ncols = col + 1 > ncols ? col + 1 : ncols;
        L->ngates++;
    }
    free(last);
    L->ncols = ncols;
    L->col_layer = malloc((ncols > 0 ? (size_t)ncols : 1) * sizeof *L->col_layer);
    L->col_first = malloc((ncols > 0 ? (size_t)ncols : 1) * sizeof *L->col_first);
    if (!L->col_layer || !L->col_first) {
        cl_free(L);
        return -1;
    }
    for (int c = 0; c < ncols; c++) {
        L->col_layer[c] = -1;
        L->col_first[c] = -1;
    }
    for (int i = 0; i < L->ngates; i++) {
        const int c = L->g[i].col;
        if (L->col_first[c] < 0) {
            L->col_first[c] = i;
            L->col_layer[c] = L->g[i].layer;
        }
    }
    /* one row of everything until cl_fold */
    L->row_start = malloc(2 * sizeof *L->row_start);
    if (!L->row_start) {
        cl_free(L);
        return -1;
    }
    L->nrows = 1;
    L->row_start[0] = 0;
    L->row_start[1] = ncols;
    for (int i = 0; i < L->ngates; i++)
        L->g[i].rcol = L->g[i].col;
    return 0;
}

void cl_col_widths(const cl_layout *L, cl_measure_fn measure, void *ctx, double pad,
                   double glyph, double gap, double *colw)
{
    for (int c = 0; c < L->ncols; c++)
        colw[c] = glyph;
    for (int i = 0; i < L->ngates; i++) {
        const cl_gate *g = &L->g[i];
        int box = 0;
        for (int k = 0; k < g->nq; k++)
            box |= g->mark[k] == CL_BOX;
        if (!box)
            continue;
        double w = (measure ? measure(ctx, g->text) : cl_char_width(g->text)) + 2 * pad;
        colw[g->col] = w > colw[g->col] ? w : colw[g->col];
    }
    for (int c = 0; c < L->ncols; c++)
        colw[c] += gap;
}

/* ---------------------------------------------------------------------- */
/* Rows                                                                   */

static int boundary(const cl_layout *L, int c)
{
    return c > 0 && c < L->ncols && L->col_layer[c] != L->col_layer[c - 1];
}

int cl_fold(cl_layout *L, const double *colw, double label_w, double width, int layer_breaks)
{
    int cap = 8, n = 0;
    int *rs = malloc((size_t)cap * sizeof *rs);
    double *keep = malloc((L->ncols > 0 ? (size_t)L->ncols : 1) * sizeof *keep);
    if (!rs || !keep) {
        free(rs);
        free(keep);
        return -1;
    }
    if (L->ncols > 0)
        memcpy(keep, colw, (size_t)L->ncols * sizeof *keep);
    free(L->colw);
    L->colw = keep;
    L->label_w = label_w;
    L->folds++;
    int start = 0;
    while (start < L->ncols) {
        int end = start;
        double w = label_w;
        while (end < L->ncols && (end == start || w + colw[end] <= width)) {
            w += colw[end];
            end++;
        }
        if (layer_breaks && end < L->ncols && !boundary(L, end)) {
            int b = end - 1;
            while (b > start && !boundary(L, b))
                b--;
            if (b > start) {
                double used = label_w;
                for (int c = start; c < b; c++)
                    used += colw[c];
                if (used >= 0.5 * width)
                    end = b;
            }
        }
        if (n + 2 > cap) {
            cap *= 2;
            int *t = realloc(rs, (size_t)cap * sizeof *rs);
            if (!t) {
                free(rs);
                return -1;
            }
            rs = t;
        }
        rs[n++] = start;
        start = end;
    }
    if (n == 0)
        rs[n++] = 0;
    rs[n] = L->ncols;
    free(L->row_start);
    L->row_start = rs;
    L->nrows = n;
    for (int i = 0; i < L->ngates; i++) {
        cl_gate *g = &L->g[i];
        int r = 0;
        while (r + 1 < n && rs[r + 1] <= g->col)
            r++;
        g->row = r;
        g->rcol = g->col - rs[r];
    }
    return 0;
}

int cl_col_mark(const cl_layout *L, int c, int c0, char *buf, size_t len)
{
    if (len)
        buf[0] = 0;
    if (!L->has_layers || c < 0 || c >= L->ncols || (c > c0 && L->col_layer[c] == L->col_layer[c - 1]))
        return 0;
    if (L->col_layer[c] >= 0)
        snprintf(buf, len, "layer %d", L->col_layer[c]);
    else if (L->col_first[c] >= 0 && (L->g[L->col_first[c]].roles & CL_USES_FEATURE))
        snprintf(buf, len, "encoding");
    return len && buf[0] != 0;
}

void cl_wire_label(int k, char *buf, size_t len)
{
    snprintf(buf, len, "q%d", k);
}

void cl_summary(const cl_layout *L, char *buf, size_t len)
{
    char feat[64] = "";
    if (L->nfeatures > 0)
        snprintf(feat, sizeof feat, " · %d data feature%s", L->nfeatures, L->nfeatures == 1 ? "" : "s");
    snprintf(buf, len, "%d qubit%s · %d gate%s · %d parameter%s%s · q0 is bit 0 of the basis index (the least significant)",
             L->n, L->n == 1 ? "" : "s", L->ngates, L->ngates == 1 ? "" : "s", L->nparams,
             L->nparams == 1 ? "" : "s", feat);
}
