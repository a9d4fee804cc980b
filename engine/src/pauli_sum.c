/* Pauli sums as text (qnn/pauli_sum.h, docs/CIRCUITS.md "Observables").
 *
 * The grammar (spaces, tabs and line breaks anywhere between tokens):
 *     sum     = [sign] term { sign term }
 *     sign    = '+' | '-'
 *     term    = number [ '*' string ] | string
 *     string  = dense | factor { '*' factor }
 *     dense   = exactly n letters from I X Y Z (either case), most
 *               significant qubit first
 *     factor  = one letter from I X Y Z and a qubit index 0 .. n-1 ("Z0")
 *     number  = digits [ '.' [digits] ] [ exponent ] | '.' digits [ exponent ]
 * A number alone is a constant (a multiple of the identity). A sum ends at
 * ';' or at the end of the text. Terms with the same string are merged
 * (their coefficients added, in the order written) and terms whose
 * coefficient is then exactly 0 are dropped; the terms keep the order in
 * which their string first appears. */
#include "qnn/pauli_sum.h"
#include "qnn/file.h"
#include "qnn/text.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* The largest |coefficient| read (a larger one is a typo or an overflow
 * waiting to happen in γ·c·⟨P⟩ sums). */
#define PS_MAX_COEF 1e12
/* The longest number token read (digits included). */
#define PS_MAX_NUMBER 400
/* The largest observable file read. */
#define PS_MAX_FILE (16 << 20)

#define ALLOWED_TERM "a Pauli term: [coefficient '*'] a string of n letters from I, X, Y, Z (most significant qubit first) or factors like Z0*Z1, or a number"

/* ---- where a message points ------------------------------------------ */

typedef struct ps_ctx {
    const char *base;   /* start of the whole text (columns count from here) */
    const char *what;   /* "key 'measure'", or the file name */
    int file;           /* 1: positions as file:line:column */
    int n;
    const char *orig;   /* file: the text as read (base has its comments
                           blanked and its blank lines as ';') */
} ps_ctx;

/* The location prefix of position p: "what: column C" or "path:L:C". */
static void ps_where(const ps_ctx *c, const char *p, char *buf, size_t len)
{
    if (c->file) {
        long line = 1;
        const char *ls = c->base;
        for (const char *q = c->base; q < p; q++)
            if (*q == '\n') {
                line++;
                ls = q + 1;
            }
        snprintf(buf, len, "%s:%ld:%ld", c->what, line, (long)(p - ls) + 1);
    } else {
        snprintf(buf, len, "%s: column %ld", c->what ? c->what : "observable",
                 (long)(p - c->base) + 1);
    }
}

/* Length of a valid UTF-8 sequence at p (stop bounds it), or 0. */
static int utf8_len(const unsigned char *p, const unsigned char *stop)
{
    int len = p[0] >= 0xf0 && p[0] <= 0xf4 ? 4 : p[0] >= 0xe0 ? 3 : p[0] >= 0xc2 && p[0] < 0xe0 ? 2 : 0;
    if (len == 0 || p + len > stop)
        return 0;
    for (int i = 1; i < len; i++)
        if ((p[i] & 0xc0) != 0x80)
            return 0;
    return len;
}

/* The text of a token [p, p+len) as a message shows it: at most 32 bytes,
 * control characters (C0, DEL, C1) and bytes that are not UTF-8 as \xNN
 * (qnn_text_quote). */
static void ps_show(const char *p, size_t len, char *buf, size_t cap)
{
    qnn_text_quote(p, len, 32, buf, cap);
}

static int is_word(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_';
}

/* The token a message shows at p: a word, a number, or one character. */
static size_t ps_token_len(const char *p, const char *stop)
{
    if (p >= stop)
        return 0;
    if (is_word(*p) || *p == '.') {
        const char *q = p;
        while (q < stop && (is_word(*q) || *q == '.'))
            q++;
        return (size_t)(q - p);
    }
    if ((unsigned char)*p >= 0x80) {
        int l = utf8_len((const unsigned char *)p, (const unsigned char *)stop);
        return l > 0 ? (size_t)l : 1;
    }
    return 1;
}

/* "<where>: found '<token at p>'; allowed: <allowed>" (the end of the text
 * when p == stop). */
static int ps_fail_at(const ps_ctx *c, const char *p, const char *stop, size_t toklen,
                      const char *allowed, char *err, size_t errlen)
{
    char where[512], tok[160];
    ps_where(c, p, where, sizeof where);
    if (p >= stop)
        return qnn_fail(err, errlen, QNN_E_KEY_TYPE, "%s: found the end of the text; allowed: %s", where, allowed);
    if (c->orig && *p == ';' && c->orig[p - c->base] != ';')
        return qnn_fail(err, errlen, QNN_E_KEY_TYPE, "%s: found a blank line (it ends an observable); allowed: %s",
                        where, allowed);
    if (toklen == 0)
        toklen = ps_token_len(p, stop);
    ps_show(p, toklen, tok, sizeof tok);
    return qnn_fail(err, errlen, QNN_E_KEY_TYPE, "%s: found '%s'; allowed: %s", where, tok, allowed);
}

/* ---- building a sum -------------------------------------------------- */

/* Terms in order of first appearance, merged through an open-addressing
 * table of their strings. */
typedef struct ps_build {
    int nterms, cap;
    qnn_pauli *P;
    double *c;
    int *slot;          /* table: term index + 1, 0 empty */
    size_t nslot;       /* power of two */
} ps_build;

static void ps_build_free(ps_build *b)
{
    free(b->P);
    free(b->c);
    free(b->slot);
    memset(b, 0, sizeof *b);
}

static size_t ps_hash(qnn_pauli p)
{
    uint64_t h = ((uint64_t)p.x << 32 | p.z) * 0x9E3779B97F4A7C15ull;
    return (size_t)(h ^ (h >> 29));
}

static int ps_rehash(ps_build *b, size_t nslot)
{
    int *s = calloc(nslot, sizeof *s);
    if (!s)
        return -1;
    for (int k = 0; k < b->nterms; k++) {
        size_t i = ps_hash(b->P[k]) & (nslot - 1);
        while (s[i])
            i = (i + 1) & (nslot - 1);
        s[i] = k + 1;
    }
    free(b->slot);
    b->slot = s;
    b->nslot = nslot;
    return 0;
}

/* Adds c·P, merging with an earlier P. 0 or -1 (memory). */
static int ps_build_add(ps_build *b, qnn_pauli P, double c)
{
    if ((size_t)(b->nterms + 1) * 2 > b->nslot && ps_rehash(b, b->nslot ? b->nslot * 2 : 16) != 0)
        return -1;
    size_t i = ps_hash(P) & (b->nslot - 1);
    while (b->slot[i]) {
        int k = b->slot[i] - 1;
        if (b->P[k].x == P.x && b->P[k].z == P.z) {
            b->c[k] += c;
            return 0;
        }
        i = (i + 1) & (b->nslot - 1);
    }
    if (b->nterms == b->cap) {
        int cap = b->cap ? b->cap * 2 : 8;
        qnn_pauli *nP = realloc(b->P, (size_t)cap * sizeof *nP);
        if (!nP)
            return -1;
        b->P = nP;
        double *nc = realloc(b->c, (size_t)cap * sizeof *nc);
        if (!nc)
            return -1;
        b->c = nc;
        b->cap = cap;
    }
    b->P[b->nterms] = P;
    b->c[b->nterms] = c;
    b->nterms++;
    b->slot[i] = b->nterms;
    return 0;
}

/* Moves the merged terms (zeros dropped) into *out. 0 or QNN_E_NOMEM. */
static int ps_build_finish(ps_build *b, int n, qnn_pauli_sum *out, char *err, size_t errlen)
{
    int m = 0;
    for (int k = 0; k < b->nterms; k++)
        if (b->c[k] != 0.0) {
            b->P[m] = b->P[k];
            b->c[m] = b->c[k];
            m++;
        }
    out->n = n;
    out->nterms = m;
    out->P = malloc((size_t)(m ? m : 1) * sizeof *out->P);
    out->c = malloc((size_t)(m ? m : 1) * sizeof *out->c);
    if (!out->P || !out->c) {
        free(out->P);
        free(out->c);
        memset(out, 0, sizeof *out);
        return qnn_fail(err, errlen, QNN_E_NOMEM, "observable: out of memory");
    }
    if (m) {
        memcpy(out->P, b->P, (size_t)m * sizeof *out->P);
        memcpy(out->c, b->c, (size_t)m * sizeof *out->c);
    }
    return 0;
}

/* ---- the parser ------------------------------------------------------ */

static const char *skip_ws(const char *p, const char *stop)
{
    while (p < stop && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
        p++;
    return p;
}

static int is_digit(char ch)
{
    return ch >= '0' && ch <= '9';
}

static int pauli_letter(char ch)
{
    switch (ch) {
    case 'I': case 'i': return 0;
    case 'X': case 'x': return 1;
    case 'Y': case 'y': return 2;
    case 'Z': case 'z': return 3;
    default: return -1;
    }
}

/* Reads a number at *pp; 0 with *v, or a message. */
static int ps_number(const ps_ctx *c, const char **pp, const char *stop, double *v,
                     char *err, size_t errlen)
{
    const char *p = *pp, *q = p;
    int digits = 0;
    while (q < stop && is_digit(*q)) {
        q++;
        digits++;
    }
    if (q < stop && *q == '.') {
        q++;
        while (q < stop && is_digit(*q)) {
            q++;
            digits++;
        }
    }
    if (digits == 0)
        return ps_fail_at(c, p, stop, 0, "a number like 0.5, 2 or 1e-3", err, errlen);
    if (q < stop && (*q == 'e' || *q == 'E')) {
        const char *e = q + 1;
        if (e < stop && (*e == '+' || *e == '-'))
            e++;
        if (e >= stop || !is_digit(*e))
            return ps_fail_at(c, p, stop, 0, "a number like 0.5, 2 or 1e-3 (an exponent needs digits)", err, errlen);
        while (e < stop && is_digit(*e))
            e++;
        q = e;
    }
    if (q < stop && (is_word(*q) || *q == '.'))
        return ps_fail_at(c, p, stop, 0, "a number like 0.5, 2 or 1e-3, then '*' and a Pauli string", err, errlen);
    size_t len = (size_t)(q - p);
    if (len > PS_MAX_NUMBER)
        return ps_fail_at(c, p, stop, len, "a number of at most 400 characters", err, errlen);
    char buf[PS_MAX_NUMBER + 1];
    memcpy(buf, p, len);
    buf[len] = '\0';
    double x = strtod(buf, NULL);
    if (!isfinite(x) || fabs(x) > PS_MAX_COEF)
        return ps_fail_at(c, p, stop, len, "a finite coefficient of magnitude at most 1e12", err, errlen);
    *v = x;
    *pp = q;
    return 0;
}

/* Reads a Pauli string (dense or sparse) at *pp. */
static int ps_string(const ps_ctx *c, const char **pp, const char *stop, qnn_pauli *out,
                     char *err, size_t errlen)
{
    const char *p = *pp, *w = p;
    while (w < stop && is_word(*w))
        w++;
    size_t len = (size_t)(w - p);
    char allowed[256];
    if (len == 0)
        return ps_fail_at(c, p, stop, 0, ALLOWED_TERM, err, errlen);
    if (pauli_letter(p[0]) < 0)
        return ps_fail_at(c, p, stop, len, ALLOWED_TERM, err, errlen);
    if (len >= 2 && is_digit(p[1])) {
        /* sparse: factor { '*' factor } */
        qnn_pauli P = {0u, 0u};
        uint32_t used = 0;
        for (;;) {
            const char *f = p, *q = p + 1;
            int letter = pauli_letter(*p);
            if (letter < 0 || q >= stop || !is_digit(*q))
                return ps_fail_at(c, f, stop, 0, "a factor: one letter from I, X, Y, Z and a qubit index, like Z0", err, errlen);
            long idx = 0;
            while (q < stop && is_digit(*q)) {
                if (idx < 100000)
                    idx = idx * 10 + (*q - '0');
                q++;
            }
            if (q < stop && is_word(*q))
                return ps_fail_at(c, f, stop, 0, "a factor: one letter from I, X, Y, Z and a qubit index, like Z0, joined by '*' (Z0*Z1)", err, errlen);
            if (idx >= c->n) {
                snprintf(allowed, sizeof allowed, "qubit indices 0 .. %d (the observable acts on n = %d qubit%s)",
                         c->n - 1, c->n, c->n == 1 ? "" : "s");
                return ps_fail_at(c, f, stop, (size_t)(q - f), allowed, err, errlen);
            }
            uint32_t bit = (uint32_t)1 << idx;
            if (used & bit)
                return ps_fail_at(c, f, stop, (size_t)(q - f), "each qubit at most once in a term (Z0*Z1, not Z0*X0)", err, errlen);
            used |= bit;
            if (letter == 1 || letter == 2)
                P.x |= bit;
            if (letter == 2 || letter == 3)
                P.z |= bit;
            const char *r = skip_ws(q, stop);
            if (r < stop && *r == '*') {
                r = skip_ws(r + 1, stop);
                if (r >= stop || pauli_letter(*r) < 0 || r + 1 >= stop || !is_digit(r[1]))
                    return ps_fail_at(c, r, stop, 0, "a factor: one letter from I, X, Y, Z and a qubit index, like Z0", err, errlen);
                p = r;
                continue;
            }
            *pp = q;
            *out = P;
            return 0;
        }
    }
    /* dense */
    for (size_t i = 0; i < len; i++)
        if (pauli_letter(p[i]) < 0) {
            if (is_digit(p[i]))
                return ps_fail_at(c, p, stop, len, "a dense string of letters I, X, Y, Z only, or sparse factors like Z0*Z1", err, errlen);
            return ps_fail_at(c, p + i, stop, 1, "the letters I, X, Y, Z", err, errlen);
        }
    if (len != (size_t)c->n) {
        snprintf(allowed, sizeof allowed, "a string of n = %d letter%s from I, X, Y, Z (found %zu), or sparse factors like Z0*Z1",
                 c->n, c->n == 1 ? "" : "s", len);
        return ps_fail_at(c, p, stop, len, allowed, err, errlen);
    }
    char buf[QNN_MAX_QUBITS + 1];
    memcpy(buf, p, len);
    buf[len] = '\0';
    if (qnn_pauli_parse(buf, c->n, out) != 0)
        return ps_fail_at(c, p, stop, len, ALLOWED_TERM, err, errlen);
    *pp = w;
    return 0;
}

/* Parses one sum from [p, stop), ending at ';' or stop; *endp at the ';'
 * or stop. */
static int ps_parse(const ps_ctx *c, const char *p, const char *stop, qnn_pauli_sum *out,
                    const char **endp, char *err, size_t errlen)
{
    ps_build b;
    memset(&b, 0, sizeof b);
    memset(out, 0, sizeof *out);
    int rc = 0;
    p = skip_ws(p, stop);
    if (p >= stop || *p == ';') {
        rc = ps_fail_at(c, p, stop, 0, ALLOWED_TERM, err, errlen);
        goto done;
    }
    int first = 1;
    for (;;) {
        double sign = 1.0;
        if (p < stop && (*p == '+' || *p == '-')) {
            sign = *p == '-' ? -1.0 : 1.0;
            p = skip_ws(p + 1, stop);
        } else if (!first) {
            rc = ps_fail_at(c, p, stop, 0, "'+' or '-' and a term, ';', or the end of the observable", err, errlen);
            goto done;
        }
        first = 0;
        double coef = 1.0;
        qnn_pauli P = {0u, 0u};
        if (p < stop && (is_digit(*p) || *p == '.')) {
            if ((rc = ps_number(c, &p, stop, &coef, err, errlen)) != 0)
                goto done;
            const char *q = skip_ws(p, stop);
            if (q < stop && *q == '*') {
                p = skip_ws(q + 1, stop);
                if ((rc = ps_string(c, &p, stop, &P, err, errlen)) != 0)
                    goto done;
            }
        } else if ((rc = ps_string(c, &p, stop, &P, err, errlen)) != 0) {
            goto done;
        }
        if (ps_build_add(&b, P, sign * coef) != 0) {
            rc = qnn_fail(err, errlen, QNN_E_NOMEM, "%s: out of memory", c->what ? c->what : "observable");
            goto done;
        }
        p = skip_ws(p, stop);
        if (p >= stop || *p == ';')
            break;
        if (*p == '*') {
            rc = ps_fail_at(c, p, stop, 0, "'+' or '-' and a term, ';', or the end of the observable (a term is [coefficient '*'] one Pauli string)", err, errlen);
            goto done;
        }
    }
    if (endp)
        *endp = p;
    rc = ps_build_finish(&b, c->n, out, err, errlen);
done:
    ps_build_free(&b);
    return rc;
}

static int ps_check_n(int n, char *err, size_t errlen)
{
    if (n < 1 || n > QNN_MAX_QUBITS)
        return qnn_fail(err, errlen, QNN_E_ARGS, "observable: n = %d qubits; allowed: 1 .. %d", n, QNN_MAX_QUBITS);
    return 0;
}

/* Contract: qnn/pauli_sum.h. *end points at the ';' that ends the sum or at
 * the terminating NUL. On failure *out is empty (nothing to free). */
int qnn_pauli_sum_parse(const char *text, int n, const char *what, qnn_pauli_sum *out,
                        const char **end, char *err, size_t errlen)
{
    if (!out)
        return qnn_fail(err, errlen, QNN_E_ARGS, "observable: no output");
    memset(out, 0, sizeof *out);
    if (!text)
        return qnn_fail(err, errlen, QNN_E_ARGS, "observable: no text");
    int rc = ps_check_n(n, err, errlen);
    if (rc)
        return rc;
    ps_ctx c = {text, what, 0, n, NULL};
    return ps_parse(&c, text, text + strlen(text), out, end, err, errlen);
}

/* Appends one sum to a growing list. */
static int ps_list_push(qnn_pauli_sum **list, int *count, int *cap, qnn_pauli_sum *s)
{
    if (*count == *cap) {
        int nc = *cap ? *cap * 2 : 4;
        qnn_pauli_sum *l = realloc(*list, (size_t)nc * sizeof *l);
        if (!l)
            return -1;
        *list = l;
        *cap = nc;
    }
    (*list)[(*count)++] = *s;
    return 0;
}

/* Contract: qnn/pauli_sum.h. Every sum of the list must hold a term: an
 * empty item (";;", a trailing ';') is refused. */
int qnn_pauli_sum_parse_list(const char *text, int n, const char *what, qnn_pauli_sum **out,
                             int *count, char *err, size_t errlen)
{
    if (!out || !count)
        return qnn_fail(err, errlen, QNN_E_ARGS, "observable: no output");
    *out = NULL;
    *count = 0;
    if (!text)
        return qnn_fail(err, errlen, QNN_E_ARGS, "observable: no text");
    int rc = ps_check_n(n, err, errlen);
    if (rc)
        return rc;
    ps_ctx c = {text, what, 0, n, NULL};
    const char *p = text, *stop = text + strlen(text);
    qnn_pauli_sum *list = NULL;
    int cnt = 0, cap = 0;
    for (;;) {
        qnn_pauli_sum s;
        const char *e = NULL;
        if ((rc = ps_parse(&c, p, stop, &s, &e, err, errlen)) != 0)
            break;
        if (ps_list_push(&list, &cnt, &cap, &s) != 0) {
            qnn_pauli_sum_free(&s);
            rc = qnn_fail(err, errlen, QNN_E_NOMEM, "%s: out of memory", what ? what : "observable");
            break;
        }
        if (e >= stop)
            break;
        p = e + 1; /* past ';' */
    }
    if (rc) {
        qnn_pauli_sum_free_list(list, cnt);
        return rc;
    }
    *out = list;
    *count = cnt;
    return 0;
}

/* Contract: qnn/pauli_sum.h. The file: '#' starts a comment to the end of
 * its line; ';' or a blank line (whitespace only; a line holding only a
 * comment is not blank) ends a sum; a sum may run over several lines;
 * empty sums (several blank lines, a trailing ';') are skipped, but the
 * file must hold at least one. At most 16 MiB. */
int qnn_pauli_sum_read(const char *path, int n, qnn_pauli_sum **out, int *count,
                       char *err, size_t errlen)
{
    if (!out || !count)
        return qnn_fail(err, errlen, QNN_E_ARGS, "observable: no output");
    *out = NULL;
    *count = 0;
    if (!path)
        return qnn_fail(err, errlen, QNN_E_ARGS, "observable: no file name");
    int rc = ps_check_n(n, err, errlen);
    if (rc)
        return rc;
    char show[QNN_QUOTE_CAP(200)];
    qnn_text_quote(path, strlen(path), 200, show, sizeof show);
    const char *kind;
    FILE *f = qnn_file_open_read(path, &kind);
    if (!f && kind)
        return qnn_fail(err, errlen, QNN_E_FILE, "%s: is %s, not a regular file; allowed: a text file of Pauli sums", show, kind);
    if (!f)
        return qnn_fail(err, errlen, QNN_E_FILE, "%s: cannot be read (%s); allowed: a readable text file of Pauli sums",
                        show, strerror(errno));
    struct stat st;
    if (fstat(fileno(f), &st) != 0) {
        fclose(f);
        return qnn_fail(err, errlen, QNN_E_FILE, "%s: cannot be read (%s); allowed: a text file of Pauli sums", show,
                        strerror(errno));
    }
    if (st.st_size > PS_MAX_FILE) {
        fclose(f);
        return qnn_fail(err, errlen, QNN_E_FILE, "%s: %lld bytes; allowed: at most %d bytes", show,
                        (long long)st.st_size, PS_MAX_FILE);
    }
    size_t cap = (size_t)st.st_size + 1, len = 0;
    char *text = malloc(cap);
    if (!text) {
        fclose(f);
        return qnn_fail(err, errlen, QNN_E_NOMEM, "%s: out of memory", show);
    }
    /* read to the end even when the size changed under us (never past cap) */
    size_t got;
    while (len < cap - 1 && (got = fread(text + len, 1, cap - 1 - len, f)) > 0)
        len += got;
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(text);
        return qnn_fail(err, errlen, QNN_E_FILE, "%s: read error", show);
    }
    text[len] = '\0';
    /* comments become spaces (columns keep their place); a blank line
     * becomes ';' at its line break */
    char *work = malloc(len + 1);
    if (!work) {
        free(text);
        return qnn_fail(err, errlen, QNN_E_NOMEM, "%s: out of memory", show);
    }
    memcpy(work, text, len + 1);
    size_t ls = 0;
    int in_comment = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i == len || text[i] == '\n') {
            int blank = 1;
            for (size_t k = ls; k < i; k++)
                if (!(text[k] == ' ' || text[k] == '\t' || text[k] == '\r'))
                    blank = 0;
            if (blank && i < len)
                work[i] = ';';
            in_comment = 0;
            ls = i + 1;
            continue;
        }
        if (text[i] == '#')
            in_comment = 1;
        if (in_comment)
            work[i] = ' ';
    }
    ps_ctx c = {work, show, 1, n, text};
    const char *p = work, *stop = work + len;
    qnn_pauli_sum *list = NULL;
    int cnt = 0, lcap = 0;
    rc = 0;
    while (p < stop) {
        const char *q = skip_ws(p, stop);
        if (q >= stop)
            break;
        if (*q == ';') {
            p = q + 1;
            continue;
        }
        qnn_pauli_sum s;
        const char *e = NULL;
        if ((rc = ps_parse(&c, q, stop, &s, &e, err, errlen)) != 0)
            break;
        if (ps_list_push(&list, &cnt, &lcap, &s) != 0) {
            qnn_pauli_sum_free(&s);
            rc = qnn_fail(err, errlen, QNN_E_NOMEM, "%s: out of memory", show);
            break;
        }
        p = e < stop ? e + 1 : stop;
    }
    if (rc == 0 && cnt == 0)
        rc = qnn_fail(err, errlen, QNN_E_KEY_TYPE, "%s: holds no observable; allowed: Pauli sums like 0.5*ZZII - 0.2*XIII, separated by ';' or blank lines", show);
    free(work);
    free(text);
    if (rc) {
        qnn_pauli_sum_free_list(list, cnt);
        return rc;
    }
    *out = list;
    *count = cnt;
    return 0;
}

/* Contract: qnn/pauli_sum.h. */
void qnn_pauli_sum_free(qnn_pauli_sum *s)
{
    if (!s)
        return;
    free(s->P);
    free(s->c);
    s->P = NULL;
    s->c = NULL;
    s->nterms = 0;
}

/* Contract: qnn/pauli_sum.h. */
void qnn_pauli_sum_free_list(qnn_pauli_sum *s, int count)
{
    if (!s)
        return;
    for (int i = 0; i < count; i++)
        qnn_pauli_sum_free(&s[i]);
    free(s);
}

/* The shortest %.Ng (N = 1 .. 17) that strtod reads back to v. */
static void shortest(double v, char *buf, size_t len)
{
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, len, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            return;
    }
}

/* Contract: qnn/pauli_sum.h. A term with coefficient 1 is written as its
 * string alone; an empty sum as "0". */
int qnn_pauli_sum_format(const qnn_pauli_sum *s, char *buf, size_t len)
{
    if (!s || !buf || len == 0 || s->n < 1 || s->n > QNN_MAX_QUBITS)
        return -1;
    size_t o = 0;
    buf[0] = '\0';
    if (s->nterms == 0) {
        if (len < 2)
            return -1;
        memcpy(buf, "0", 2);
        return 0;
    }
    for (int k = 0; k < s->nterms; k++) {
        char num[40], str[QNN_MAX_QUBITS + 1], piece[96];
        double c = s->c[k];
        const char *sep = k == 0 ? (c < 0 ? "-" : "") : (c < 0 ? " - " : " + ");
        qnn_pauli_format(s->P[k], s->n, str);
        if (fabs(c) == 1.0) {
            snprintf(piece, sizeof piece, "%s%s", sep, str);
        } else {
            shortest(fabs(c), num, sizeof num);
            snprintf(piece, sizeof piece, "%s%s*%s", sep, num, str);
        }
        size_t pl = strlen(piece);
        if (o + pl + 1 > len) {
            buf[0] = '\0';
            return -1;
        }
        memcpy(buf + o, piece, pl + 1);
        o += pl;
    }
    return 0;
}

/* Contract: qnn/pauli_sum.h. */
double qnn_pauli_sum_expect(const qnn_pauli_sum *s, const qnn_cplx *psi)
{
    double v = 0.0;
    for (int k = 0; k < s->nterms; k++)
        v += s->c[k] * qnn_pauli_expect(s->P[k], s->n, psi);
    return v;
}

/* Contract: qnn/pauli_sum.h. One pass over psi per term, no scratch:
 * out[b ^ x] += c i^ny (-1)^{popcount(b & z)} psi[b]. */
void qnn_pauli_sum_apply(const qnn_pauli_sum *s, const qnn_cplx *psi, qnn_cplx *out)
{
    const size_t D = (size_t)1 << s->n;
    for (size_t b = 0; b < D; b++)
        out[b] = 0.0;
    for (int k = 0; k < s->nterms; k++) {
        const qnn_pauli P = s->P[k];
        int ny = qnn_pauli_ny(P) & 3;
        /* c i^ny */
        qnn_cplx f = ny == 0 ? 1.0 : ny == 1 ? I : ny == 2 ? -1.0 : -I;
        f *= s->c[k];
        const qnn_cplx fm = -f;
        for (size_t b = 0; b < D; b++) {
            int odd = __builtin_parity((unsigned)((uint32_t)b & P.z));
            out[b ^ P.x] += (odd ? fm : f) * psi[b];
        }
    }
}

/* Contract: qnn/pauli_sum.h. */
void qnn_pauli_sum_moments(const qnn_pauli_sum *s, double *tr_norm, double *tr2_norm, double *op_bound)
{
    double t1 = 0.0, t2 = 0.0, ob = 0.0;
    for (int k = 0; k < s->nterms; k++) {
        if (qnn_pauli_is_identity(s->P[k]))
            t1 += s->c[k];
        t2 += s->c[k] * s->c[k];
        ob += fabs(s->c[k]);
    }
    if (tr_norm)
        *tr_norm = t1;
    if (tr2_norm)
        *tr2_norm = t2;
    if (op_bound)
        *op_bound = ob;
}
