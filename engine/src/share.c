/* The share string (qnn/share.h): percent-encoding, the encoder that turns
 * a preset, its overrides and a log of changes into one shell-safe line,
 * and the strict decoder that reads it back. */
#include "qnn/share.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PREFIX "qnnlab:"
#define VERSION_PREFIX "qnnlab:1:"
#define VERSION2_PREFIX "qnnlab:2:"
#define PIN_TOKEN "pin"
#define QUOTE_MAX 40
#define GET_MAX QNN_PARAMS_GET_MAX /* qnn_params_get of the longest label list fits */
#define MAX_PASSES 4

#define VALUE_MAX (sizeof(((qnn_change *)0)->value) - 1)
#define KEY_MAX (sizeof(((qnn_change *)0)->key) - 1)
#define PRESET_MAX (sizeof(((qnn_share *)0)->preset) - 1)

static int unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '.' || c == '+' || c == '/' || c == '-';
}

static int hexval(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* ------------------------------------------------------------------------ */
/* Encoder                                                                  */
/* ------------------------------------------------------------------------ */

typedef struct sbuf {
    char *s;
    size_t len, cap;
    int rc;          /* 0, -1 (memory), -2 (too long) */
} sbuf;

static void sb_put(sbuf *b, const char *s, size_t n)
{
    if (b->rc || n == 0)
        return;
    if (b->len + n > QNN_SHARE_MAX_LEN) {
        b->rc = -2;
        return;
    }
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *t = realloc(b->s, cap);
        if (!t) {
            b->rc = -1;
            return;
        }
        b->s = t;
        b->cap = cap;
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

static void sb_str(sbuf *b, const char *s) { sb_put(b, s, strlen(s)); }

static void sb_enc(sbuf *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    const char *run = s;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (unreserved(c))
            continue;
        sb_put(b, run, (size_t)(s - run));
        char e[3] = { '%', hex[c >> 4], hex[c & 15] };
        sb_put(b, e, 3);
        run = s + 1;
    }
    sb_put(b, run, (size_t)(s - run));
}

static void sb_step(sbuf *b, long step)
{
    char t[32];
    snprintf(t, sizeof t, "@%ld", step);
    sb_str(b, t);
}

/* The shortest text that strtod reads back to the same bits. */
static void shortest_double(double v, char *buf, size_t len)
{
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, len, "%.*g", prec, v);
        double w = strtod(buf, NULL);
        if (memcmp(&w, &v, sizeof v) == 0)
            return;
    }
    snprintf(buf, len, "%.17g", v);
}

/* A number item of a value: its shortest form, or the item itself when it
 * is not a plain finite number. */
static void compact_number(const char *item, char *buf, size_t len)
{
    char *end;
    errno = 0;
    double v = strtod(item, &end);
    if (end == item || *end || errno || !isfinite(v))
        snprintf(buf, len, "%s", item);
    else
        shortest_double(v, buf, len);
}

/* The text written for a key's value: qnn_params_get's canonical text with
 * doubles in their shortest exact form and comma lists without spaces.
 * Returns 0, or -1 when the result does not fit out (len bytes). */
static int compact_value(const qnn_key_info *k, const char *in, char *out, size_t len)
{
    int list = !strcmp(k->name, "widths") ||
               (!strcmp(k->name, "labels") && strcmp(in, "pm1") && strcmp(in, "uniform")) ||
               (!strcmp(k->name, "hessian_range") && strcmp(in, "auto"));
    int numbers = list && strcmp(k->name, "widths");
    size_t off = 0;
    if (k->type == QNN_KEY_DOUBLE && !list) {
        char t[64];
        compact_number(in, t, sizeof t);
        if (strlen(t) >= len)
            return -1;
        memcpy(out, t, strlen(t) + 1);
        return 0;
    }
    if (!list) {
        if (strlen(in) >= len)
            return -1;
        memcpy(out, in, strlen(in) + 1);
        return 0;
    }
    out[0] = '\0';
    const char *s = in;
    for (int first = 1;; first = 0) {
        const char *comma = strchr(s, ',');
        size_t n = comma ? (size_t)(comma - s) : strlen(s);
        while (n > 0 && (*s == ' ' || *s == '\t'))
            s++, n--;
        while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
            n--;
        char item[64], t[64];
        if (n >= sizeof item)
            return -1;
        memcpy(item, s, n);
        item[n] = '\0';
        if (numbers)
            compact_number(item, t, sizeof t);
        else
            memcpy(t, item, n + 1);
        size_t tl = strlen(t);
        if (off + !first + tl >= len)
            return -1;
        if (!first)
            out[off++] = ',';
        memcpy(out + off, t, tl + 1);
        off += tl;
        if (!comma)
            break;
        s = comma + 1;
    }
    return 0;
}

static int push_change(qnn_change **a, size_t *n, size_t *cap, long step,
                       const char *key, const char *value)
{
    if (*n == *cap) {
        size_t c = *cap ? 2 * *cap : 16;
        qnn_change *t = realloc(*a, c * sizeof *t);
        if (!t)
            return -1;
        *a = t;
        *cap = c;
    }
    qnn_change *ch = &(*a)[(*n)++];
    memset(ch, 0, sizeof *ch);
    ch->step = step;
    snprintf(ch->key, sizeof ch->key, "%s", key);
    snprintf(ch->value, sizeof ch->value, "%s", value);
    return 0;
}

/* The overrides that turn *from into *to, found by applying them to a copy
 * of *from in key order until every key but threads agrees (a few passes:
 * n, n_h and n_v move each other). 0, -1 (memory), -2 (not representable). */
static int find_overrides(const qnn_params *from, const qnn_params *to,
                          qnn_change **over, size_t *nover)
{
    size_t nk, cap = 0;
    const qnn_key_info *keys = qnn_params_keys(&nk);
    qnn_params *q = malloc(sizeof *q);
    char *qv = malloc(GET_MAX), *tv = malloc(GET_MAX);
    int rc = -1;
    *over = NULL;
    *nover = 0;
    if (!q || !qv || !tv)
        goto done;
    *q = *from;
    for (int pass = 0;; pass++) {
        int differ = 0;
        size_t pending[16], npending = 0;
        for (size_t i = 0; i < nk; i++) {
            if (!strcmp(keys[i].name, "threads"))
                continue;
            if (qnn_params_get(q, keys[i].name, qv, GET_MAX) != 0 ||
                qnn_params_get(to, keys[i].name, tv, GET_MAX) != 0) {
                rc = -2;
                goto done;
            }
            if (!strcmp(qv, tv))
                continue;
            differ = 1;
            if (pass == MAX_PASSES) {   /* did not converge */
                rc = -2;
                goto done;
            }
            char v[VALUE_MAX + 1], err[8];
            if (compact_value(&keys[i], tv, v, sizeof v) != 0) {
                rc = -2;
                goto done;
            }
            /* a refusal (n_v + n_h too large for a moment) is retried
             * after each key that is set, and in the next pass */
            if (qnn_params_set(q, keys[i].name, v, err, sizeof err) != 0) {
                if (npending < sizeof pending / sizeof pending[0])
                    pending[npending++] = i;
                continue;
            }
            if (push_change(over, nover, &cap, 0, keys[i].name, v) != 0)
                goto done;
            for (size_t j = 0; j < npending;) {
                const char *name = keys[pending[j]].name;
                if (qnn_params_get(q, name, qv, GET_MAX) != 0 || qnn_params_get(to, name, tv, GET_MAX) != 0 ||
                    compact_value(&keys[pending[j]], tv, v, sizeof v) != 0) {
                    rc = -2;
                    goto done;
                }
                if (strcmp(qv, tv) != 0) {
                    if (qnn_params_set(q, name, v, err, sizeof err) != 0) {
                        j++;            /* still refused */
                        continue;
                    }
                    if (push_change(over, nover, &cap, 0, name, v) != 0)
                        goto done;
                }
                memmove(pending + j, pending + j + 1, (npending - j - 1) * sizeof pending[0]);
                npending--;
            }
        }
        if (!differ)
            break;
    }
    rc = 0;
done:
    if (rc != 0) {
        free(*over);
        *over = NULL;
        *nover = 0;
    }
    free(q);
    free(qv);
    free(tv);
    return rc;
}

/* A logged key as written: aliases p and d become L and n. 0, or -2. */
static int canonical_change(const qnn_change *c, char *key, char *value)
{
    size_t kl = strnlen(c->key, sizeof c->key), vl = strnlen(c->value, sizeof c->value);
    if (kl == 0 || kl > KEY_MAX || vl > VALUE_MAX)
        return -2;
    memcpy(key, c->key, kl + 1);
    memcpy(value, c->value, vl + 1);
    if (!strcmp(key, "p")) {
        strcpy(key, "L");
    } else if (!strcmp(key, "d")) {
        qnn_params t;
        char err[8];
        qnn_params_default(&t);
        if (qnn_params_set(&t, "d", value, err, sizeof err) != 0)
            return -2;
        strcpy(key, "n");
        snprintf(value, VALUE_MAX + 1, "%d", t.n);
    }
    return qnn_params_key(key) ? 0 : -2;
}

/* Checks a run's log and step. 0, or -2. */
static int run_ok(const qnn_change *log, size_t nlog, long step)
{
    if (step < 0 || step > QNN_SHARE_MAX_STEP || nlog > QNN_SHARE_MAX_CHANGES || (nlog && !log))
        return -2;
    long prev = 0;
    for (size_t i = 0; i < nlog; i++) {
        if (log[i].step < prev || log[i].step > step)
            return -2;
        prev = log[i].step;
    }
    return 0;
}

/* Writes ",KEY=VALUE..." (the overrides of preset_params into base), the
 * timed changes ",@S:KEY=VALUE" and the final ",@STEP" of one run into b.
 * 0, -1 (memory) or -2 (not representable). */
static int encode_run(sbuf *b, const qnn_params *preset_params, const qnn_params *base,
                      const qnn_change *log, size_t nlog, long step)
{
    qnn_change *over = NULL;
    size_t nover = 0;
    int rc = find_overrides(preset_params, base, &over, &nover);
    if (rc != 0)
        return rc;
    for (size_t i = 0; i < nover; i++) {
        sb_str(b, ",");
        sb_str(b, over[i].key);
        sb_str(b, "=");
        sb_enc(b, over[i].value);
    }
    free(over);
    for (size_t i = 0; i < nlog && !b->rc; i++) {
        char key[KEY_MAX + 1], value[VALUE_MAX + 1];
        if (canonical_change(&log[i], key, value) != 0)
            return -2;
        sb_str(b, ",");
        sb_step(b, log[i].step);
        sb_str(b, ":");
        sb_str(b, key);
        sb_str(b, "=");
        sb_enc(b, value);
    }
    sb_str(b, ",");
    sb_step(b, step);
    return b->rc;
}

int qnn_share_encode_pins(const char *preset, const qnn_params *preset_params, const qnn_params *base,
                          const qnn_change *log, size_t nlog, long step,
                          const qnn_share_pin *pins, size_t npins, char **out)
{
    *out = NULL;
    if (!preset || !preset[0] || strnlen(preset, PRESET_MAX + 1) > PRESET_MAX)
        return -2;
    if (run_ok(log, nlog, step) != 0 || npins > QNN_SHARE_MAX_PINS || (npins && !pins))
        return -2;
    for (size_t k = 0; k < npins; k++)
        if (!pins[k].base || run_ok(pins[k].log, pins[k].nlog, pins[k].step) != 0)
            return -2;
    sbuf b = { NULL, 0, 0, 0 };
    sb_str(&b, npins ? VERSION2_PREFIX : VERSION_PREFIX);
    sb_enc(&b, preset);
    int rc = b.rc ? b.rc : encode_run(&b, preset_params, base, log, nlog, step);
    for (size_t k = 0; k < npins && rc == 0; k++) {
        sb_str(&b, "," PIN_TOKEN);
        rc = b.rc ? b.rc : encode_run(&b, preset_params, pins[k].base, pins[k].log, pins[k].nlog, pins[k].step);
    }
    if (rc == 0)
        rc = b.rc;
    if (rc) {
        free(b.s);
        return rc;
    }
    *out = b.s;
    return 0;
}

int qnn_share_encode(const char *preset, const qnn_params *preset_params, const qnn_params *base,
                     const qnn_change *log, size_t nlog, long step, char **out)
{
    return qnn_share_encode_pins(preset, preset_params, base, log, nlog, step, NULL, 0, out);
}

/* ------------------------------------------------------------------------ */
/* Decoder                                                                  */
/* ------------------------------------------------------------------------ */

typedef struct reader {
    char *err;
    size_t errlen;
    size_t index;           /* token number, 1 = the preset */
    const char *tok;        /* the current token */
    size_t toklen;
    size_t pin;             /* 0: the main run; k: the k-th pinned run */
} reader;

/* At most QUOTE_MAX bytes of t, printable ASCII as is, others as \xHH. */
static void quote(const char *t, size_t n, char *buf, size_t len)
{
    size_t off = 0, i;
    buf[0] = '\0';
    for (i = 0; i < n && i < QUOTE_MAX && off + 5 < len; i++) {
        unsigned char c = (unsigned char)t[i];
        if (c >= 0x20 && c < 0x7f)
            buf[off++] = (char)c;
        else
            off += (size_t)snprintf(buf + off, len - off, "\\x%02X", c);
    }
    buf[off] = '\0';
    if (i < n && off + 4 < len)
        memcpy(buf + off, "...", 4);
}

__attribute__((format(printf, 2, 3)))
static qnn_status refuse(const reader *r, const char *fmt, ...)
{
    if (!r->err || !r->errlen)
        return QNN_E_FORMAT;
    char q[4 * QUOTE_MAX + 8], what[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    quote(r->tok, r->toklen, q, sizeof q);
    if (r->index == 1)
        return qnn_fail(r->err, r->errlen, QNN_E_FORMAT, "share string: preset '%s' %s", q, what);
    if (r->pin)
        return qnn_fail(r->err, r->errlen, QNN_E_FORMAT, "share string: pin %zu: token %zu '%s' %s", r->pin, r->index, q, what);
    return qnn_fail(r->err, r->errlen, QNN_E_FORMAT, "share string: token %zu '%s' %s", r->index, q, what);
}

/* Percent-decodes t[0 .. n) into out (cap bytes with the NUL). */
static int unescape(const reader *r, const char *what, const char *t, size_t n,
                    char *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)t[i];
        if (c == '%') {
            int hi = i + 1 < n ? hexval((unsigned char)t[i + 1]) : -1;
            int lo = i + 2 < n ? hexval((unsigned char)t[i + 2]) : -1;
            if (hi < 0 || lo < 0) {
                char esc[4] = "";
                size_t k = n - i < 3 ? n - i : 3;
                memcpy(esc, t + i, k);
                esc[k] = '\0';
                char q[24];
                quote(esc, k, q, sizeof q);
                return refuse(r, "has a bad escape '%s' in its %s; allowed: %% followed by two hex digits (%%2C for a comma)", q, what);
            }
            c = (unsigned char)(hi * 16 + lo);
            if (c == 0)
                return refuse(r, "has %%00 (a NUL byte) in its %s; allowed: %%01 .. %%FF", what);
            i += 2;
        } else if (!unreserved(c)) {
            char q[8];
            quote(t + i, 1, q, sizeof q);
            return refuse(r, "has the character '%s' in its %s; allowed: A-Z a-z 0-9 _ . + / - as they are, every other byte as %%XX (%%%02X)",
                          q, what, c);
        }
        if (o + 1 >= cap)
            return refuse(r, "has a %s longer than %zu bytes; allowed: at most %zu bytes (after decoding %%XX)",
                          what, cap - 1, cap - 1);
        out[o++] = (char)c;
    }
    out[o] = '\0';
    return 0;
}

/* A step: decimal digits only, 0 .. QNN_SHARE_MAX_STEP. */
static int read_step(const reader *r, const char *t, size_t n, long *step)
{
    char q[4 * QUOTE_MAX + 8];
    quote(t, n, q, sizeof q);
    if (n == 0)
        return refuse(r, "has no step after '@'; allowed: @STEP with STEP in 0 .. %ld", QNN_SHARE_MAX_STEP);
    long v = 0;
    for (size_t i = 0; i < n; i++) {
        if (t[i] < '0' || t[i] > '9')
            return refuse(r, "has step '%s', not a non-negative decimal integer; allowed: 0 .. %ld", q, QNN_SHARE_MAX_STEP);
        v = v * 10 + (t[i] - '0');
        if (v > QNN_SHARE_MAX_STEP)
            return refuse(r, "has step '%s', out of range; allowed: 0 .. %ld", q, QNN_SHARE_MAX_STEP);
    }
    *step = v;
    return 0;
}

/* KEY=VALUE into c->key, c->value. */
static int read_assignment(const reader *r, const char *t, size_t n, qnn_change *c)
{
    const char *eq = memchr(t, '=', n);
    if (!eq)
        return refuse(r, "has no '='; allowed: KEY=VALUE (an override) or @STEP:KEY=VALUE (a timed change)");
    size_t kn = (size_t)(eq - t);
    if (kn == 0)
        return refuse(r, "has no key before '='; allowed: KEY=VALUE with a key listed by `qnnlab --help`");
    if (unescape(r, "key", t, kn, c->key, sizeof c->key) != 0)
        return -1;
    if (!qnn_params_key(c->key)) {
        char q[4 * QUOTE_MAX + 8];
        quote(c->key, strlen(c->key), q, sizeof q);
        return refuse(r, "has the unknown key '%s'; allowed: a key listed by `qnnlab --help` (aliases: L for p, n for d)", q);
    }
    return unescape(r, "value", eq + 1, n - kn - 1, c->value, sizeof c->value);
}

static int grow(qnn_change **a, size_t n, size_t *cap)
{
    if (n < *cap)
        return 0;
    size_t c = *cap ? 2 * *cap : 16;
    if (c > QNN_SHARE_MAX_CHANGES)
        c = QNN_SHARE_MAX_CHANGES;
    qnn_change *t = realloc(*a, c * sizeof *t);
    if (!t)
        return -1;
    *a = t;
    *cap = c;
    return 0;
}

qnn_status qnn_share_decode(const char *s, qnn_share *out, char *err, size_t errlen)
{
    reader r = { err, errlen, 0, s, 0, 0 };
    qnn_status st = QNN_E_FORMAT;
    enum { PRESET, OVERRIDES, CHANGES, DONE } state = PRESET;
    size_t capo = 0, capl = 0;
    size_t lastchange = 0, lastchange_len = 0;
    const char *lastchange_tok = NULL;
    int version = 1;
    memset(out, 0, sizeof *out);
    if (err && errlen)
        err[0] = '\0';
    /* the run being read: the main one, then each pin */
    qnn_change **over = &out->over, **log = &out->log;
    size_t *nover = &out->nover, *nlog = &out->nlog;
    long *stepp = &out->step;

    size_t len = strnlen(s, (size_t)QNN_SHARE_MAX_LEN + 1);
    r.toklen = len;
    if (len > QNN_SHARE_MAX_LEN) {
        return qnn_fail(err, errlen, QNN_E_FORMAT, "share string: longer than %d bytes; allowed: at most %d bytes", QNN_SHARE_MAX_LEN, QNN_SHARE_MAX_LEN);
    }
    {
        char q[4 * QUOTE_MAX + 8];
        quote(s, len, q, sizeof q);
        if (len < strlen(PREFIX) || memcmp(s, PREFIX, strlen(PREFIX)) != 0) {
            return qnn_fail(err, errlen, QNN_E_FORMAT, "share string '%s' does not start with '%s'; allowed: %sPRESET,KEY=VALUE,...,@STEP:KEY=VALUE,...,@STEP",
                         q, VERSION_PREFIX, VERSION_PREFIX);
        }
        if (len >= strlen(VERSION2_PREFIX) && memcmp(s, VERSION2_PREFIX, strlen(VERSION2_PREFIX)) == 0) {
            version = 2;
        } else if (len < strlen(VERSION_PREFIX) || memcmp(s, VERSION_PREFIX, strlen(VERSION_PREFIX)) != 0) {
            const char *v = s + strlen(PREFIX);
            size_t vn = 0;
            while (v + vn < s + len && v[vn] != ':' && vn < 16)
                vn++;
            char vq[4 * QUOTE_MAX + 8];
            quote(v, vn, vq, sizeof vq);
            return qnn_fail(err, errlen, QNN_E_FORMAT, "share string '%s' has version '%s', which this qnnlab does not read; allowed: version 1 (%s...) or 2 (%s..., with pinned runs)",
                         q, vq, VERSION_PREFIX, VERSION2_PREFIX);
        }
    }

    const char *p = s + strlen(VERSION_PREFIX), *end = s + len;
    long prev_step = 0;
    for (;;) {
        const char *comma = memchr(p, ',', (size_t)(end - p));
        const char *tend = comma ? comma : end;
        r.index++;
        r.tok = p;
        r.toklen = (size_t)(tend - p);
        const char *t = p;
        size_t n = r.toklen;
        if (state == DONE && version == 2 && n == strlen(PIN_TOKEN) && !memcmp(t, PIN_TOKEN, n)) {
            /* a pinned run starts */
            if (out->npins >= QNN_SHARE_MAX_PINS) {
                refuse(&r, "is one pin too many; allowed: at most %d pinned runs", QNN_SHARE_MAX_PINS);
                goto fail;
            }
            if (!out->pins && !(out->pins = calloc(QNN_SHARE_MAX_PINS, sizeof *out->pins))) {
                refuse(&r, "could not be stored (out of memory); allowed: a shorter share string");
                st = QNN_E_NOMEM;
                goto fail;
            }
            qnn_share_run *pr = &out->pins[out->npins++];
            r.pin = out->npins;
            over = &pr->over;
            log = &pr->log;
            nover = &pr->nover;
            nlog = &pr->nlog;
            stepp = &pr->step;
            capo = capl = 0;
            prev_step = 0;
            lastchange = lastchange_len = 0;
            lastchange_tok = NULL;
            state = OVERRIDES;
        } else if (state == DONE) {
            if (n > 0 && t[0] == '@' && !memchr(t, ':', n))
                refuse(&r, "is a second final step; allowed: exactly one final @STEP, the last token%s",
                       version == 2 ? " of its run (then 'pin' starts a pinned run)" : "");
            else if (version == 2)
                refuse(&r, "comes after the final step; allowed: nothing after the final @STEP but '%s' starting a pinned run", PIN_TOKEN);
            else
                refuse(&r, "comes after the final step; allowed: nothing after the final @STEP");
            goto fail;
        } else if (state == PRESET) {
            if (n == 0) {
                refuse(&r, "is empty; allowed: a preset name or path (1 .. %zu bytes, %%XX-encoded)", PRESET_MAX);
                goto fail;
            }
            if (unescape(&r, "name", t, n, out->preset, sizeof out->preset) != 0)
                goto fail;
            state = OVERRIDES;
        } else if (n == 0) {
            refuse(&r, "is empty (two commas in a row, or one at the end); allowed: KEY=VALUE, @STEP:KEY=VALUE or the final @STEP");
            goto fail;
        } else if (t[0] == '@') {
            const char *colon = memchr(t, ':', n);
            long step;
            if (!colon) {
                if (read_step(&r, t + 1, n - 1, &step) != 0)
                    goto fail;
                if (step < prev_step) {
                    char q[4 * QUOTE_MAX + 8];
                    quote(lastchange_tok, lastchange_len, q, sizeof q);
                    refuse(&r, "is a final step %ld before the change at step %ld (token %zu '%s'); allowed: a final step >= %ld",
                           step, prev_step, lastchange, q, prev_step);
                    goto fail;
                }
                *stepp = step;
                state = DONE;
            } else {
                if (read_step(&r, t + 1, (size_t)(colon - t - 1), &step) != 0)
                    goto fail;
                if (step < prev_step) {
                    refuse(&r, "has step %ld before the previous change's step %ld; allowed: non-decreasing steps", step, prev_step);
                    goto fail;
                }
                if (*nlog >= QNN_SHARE_MAX_CHANGES) {
                    refuse(&r, "is one timed change too many; allowed: at most %d timed changes", QNN_SHARE_MAX_CHANGES);
                    goto fail;
                }
                if (grow(log, *nlog, &capl) != 0) {
                    refuse(&r, "could not be stored (out of memory); allowed: a shorter share string");
                    st = QNN_E_NOMEM;
                    goto fail;
                }
                qnn_change *c = &(*log)[*nlog];
                memset(c, 0, sizeof *c);
                c->step = step;
                if (read_assignment(&r, colon + 1, (size_t)(t + n - colon - 1), c) != 0)
                    goto fail;
                (*nlog)++;
                prev_step = step;
                lastchange = r.index;
                lastchange_tok = t;
                lastchange_len = n;
                state = CHANGES;
            }
        } else {
            if (state == CHANGES) {
                refuse(&r, "is an override after a timed change; allowed: overrides (KEY=VALUE) before the first @STEP:KEY=VALUE");
                goto fail;
            }
            if (*nover >= QNN_SHARE_MAX_CHANGES) {
                refuse(&r, "is one override too many; allowed: at most %d overrides", QNN_SHARE_MAX_CHANGES);
                goto fail;
            }
            if (grow(over, *nover, &capo) != 0) {
                refuse(&r, "could not be stored (out of memory); allowed: a shorter share string");
                st = QNN_E_NOMEM;
                goto fail;
            }
            qnn_change *c = &(*over)[*nover];
            memset(c, 0, sizeof *c);
            if (read_assignment(&r, t, n, c) != 0)
                goto fail;
            (*nover)++;
        }
        if (!comma)
            break;
        p = comma + 1;
    }
    if (state != DONE) {
        refuse(&r, "is the last token, but the %s must end with the final step; allowed: ...,@STEP (the step to run to, 0 .. %ld)",
               r.pin ? "pinned run" : "string", QNN_SHARE_MAX_STEP);
        goto fail;
    }
    return 0;
fail:
    qnn_share_free(out);
    return st;
}

static qnn_status apply_changes(const qnn_change *over, size_t nover, qnn_params *p, char *err, size_t errlen)
{
    qnn_params *q = malloc(sizeof *q);
    if (!q)
        return qnn_fail(err, errlen, QNN_E_NOMEM, "share string: out of memory applying the overrides");
    *q = *p;
    for (size_t i = 0; i < nover; i++) {
        qnn_status st = qnn_params_set(q, over[i].key, over[i].value, err, errlen);
        if (st != QNN_OK) {
            free(q);
            return st;
        }
    }
    *p = *q;
    free(q);
    return 0;
}

qnn_status qnn_share_apply_run_overrides(const qnn_share_run *r, qnn_params *p, char *err, size_t errlen)
{
    return apply_changes(r->over, r->nover, p, err, errlen);
}

qnn_status qnn_share_apply_overrides(const qnn_share *sh, qnn_params *p, char *err, size_t errlen)
{
    return apply_changes(sh->over, sh->nover, p, err, errlen);
}

void qnn_share_free(qnn_share *sh)
{
    if (!sh)
        return;
    free(sh->over);
    free(sh->log);
    for (size_t k = 0; sh->pins && k < sh->npins; k++) {
        free(sh->pins[k].over);
        free(sh->pins[k].log);
    }
    free(sh->pins);
    memset(sh, 0, sizeof *sh);
}
