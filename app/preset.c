#include "preset.h"
#include "qnn/file.h"
#include "qnn/model.h"
#include "qnn/text.h"

#include <ctype.h>
#include <stdarg.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <ini.h>

#ifndef QNN_PRESET_DIR
#define QNN_PRESET_DIR "presets"
#endif

const char *qnn_preset_dir(void)
{
    const char *e = getenv("QNNLAB_PRESETS");
    return e && *e ? e : QNN_PRESET_DIR;
}

typedef struct parse_ctx {
    qnn_preset *ps;
    const char *origin;
    char *err;
    size_t errlen;
    int failed;
    char seen[128][40];  /* "section.key" pairs already set (71 keys, the
                            description and 5 swept keys at most) */
    int nseen;
} parse_ctx;

static void trim_copy(const char *s, char *out, size_t len)
{
    while (*s && isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        n--;
    if (n >= len)
        n = len - 1;
    memcpy(out, s, n);
    out[n] = '\0';
}

/* s as a message quotes it (qnn_text_quote: control characters, C1 and
 * bytes that are not UTF-8 as \xNN), at most `show` bytes of it and at
 * most Q(show) bytes written (escapes take four bytes for one: the quote
 * is cut sooner then, so the message keeps its "allowed" part). */
#define Q(n) ((n) + 16)
static const char *quote(const char *s, size_t show, char *buf, size_t len)
{
    return qnn_text_quote(s ? s : "", s ? strlen(s) : 0, show, buf, len);
}

__attribute__((format(printf, 2, 3)))
static int ctx_fail(parse_ctx *c, const char *fmt, ...)
{
    if (!c->failed) {
        char msg[2048];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        char o[Q(200)];
        if (c->origin && *c->origin)
            snprintf(c->err, c->errlen, "%s: %s", quote(c->origin, 200, o, sizeof o), msg);
        else
            snprintf(c->err, c->errlen, "%s", msg);
    }
    c->failed = 1;
    return 0;
}

static int parse_sweep(parse_ctx *c, const char *key, const char *value)
{
    qnn_preset *ps = c->ps;
    char k[Q(40)], v[Q(200)];
    quote(key, 40, k, sizeof k);
    quote(value, 200, v, sizeof v);
    const qnn_key_info *ki = qnn_params_key(strcmp(key, "p") == 0 ? "L" : key);
    if (!ki && strcmp(key, "d") != 0)
        return ctx_fail(c, "[sweep] unknown key '%s' (value '%s'); allowed: %s", k, v,
                        "a key listed by `qnnlab --help`");
    if (ki && !ki->sweepable)
        return ctx_fail(c, "[sweep] key '%s' (value '%s') cannot be swept; allowed: %s", k, v,
                        "model, task, n/d, L/p, entangler, depth, n_obs, O0, m, gamma, eta, sigma_theta, steps, instances, seed");
    if (ps->nsweep >= QNN_MAX_SWEEP_KEYS)
        return ctx_fail(c, "[sweep] key '%s' (value '%s'): too many swept keys; allowed: %s", k, v, "at most 4");
    qnn_sweep_key *sk = &ps->sweep[ps->nsweep];
    memset(sk, 0, sizeof *sk);
    snprintf(sk->key, sizeof sk->key, "%s", key);
    /* the entries one at a time from the value itself (a copy into a
     * fixed buffer would cut a long list short) */
    const char *s = value;
    if (!*value || strspn(value, " \t") == strlen(value))
        return ctx_fail(c, "[sweep] key '%s': value '%s' has no entries; allowed: %s", k, v, "a comma-separated list");
    for (int entry = 1;; entry++) {
        const char *comma = strchr(s, ',');
        size_t n = comma ? (size_t)(comma - s) : strlen(s);
        while (n > 0 && isspace((unsigned char)*s))
            s++, n--;
        while (n > 0 && isspace((unsigned char)s[n - 1]))
            n--;
        if (n == 0)   /* "a,,b", ",a", "a,": refused, as --grid refuses them */
            return ctx_fail(c, "[sweep] key '%s': value '%s' has an empty entry (entry %d: two commas in a row, or one at the start or the end); allowed: %s",
                            k, v, entry, "a comma-separated list of values, none of them empty");
        char e1[48];
        if (n >= sizeof e1)   /* cut short, 1.000...0e-5 would read as 1 */
            return ctx_fail(c, "[sweep] key '%s': value '%s' has an entry longer than %zu bytes; allowed: %s", k, v,
                            sizeof e1 - 1, "entries of at most 47 bytes");
        memcpy(e1, s, n);
        e1[n] = '\0';
        if (sk->nvalues >= QNN_MAX_SWEEP_VALUES)
            return ctx_fail(c, "[sweep] key '%s' (value '%s'): too many values; allowed: %s", k, v, "at most 64");
        /* Validate now, so a bad value stops the run before any work. */
        qnn_params scratch = ps->params;
        char e[1024];
        if (qnn_params_set(&scratch, key, e1, e, sizeof e) != 0)
            return ctx_fail(c, "[sweep] %s", e);
        snprintf(sk->values[sk->nvalues++], sizeof sk->values[0], "%s", e1);
        if (!comma)
            break;
        s = comma + 1;
    }
    ps->nsweep++;
    return 1;
}

/* A relative file name in a preset file (keys circuit, data, measure_file,
 * m0_file) names the file beside the preset when one is there, so a preset
 * and its files move together; else it stays relative to the working
 * directory. The result goes into buf. */
static const char *preset_path(const parse_ctx *c, const char *name, const char *value, char *buf, size_t len)
{
    static const char *const path_keys[] = { "circuit", "data", "measure_file", "m0_file", NULL };
    int is_path = 0;
    for (const char *const *k = path_keys; *k; k++)
        is_path |= !strcmp(name, *k);
    const char *slash = c->origin ? strrchr(c->origin, '/') : NULL;
    if (!is_path || !slash || !*value || value[0] == '/')
        return value;
    int w = snprintf(buf, len, "%.*s/%s", (int)(slash - c->origin), c->origin, value);
    if (w < 0 || (size_t)w >= len || access(buf, F_OK) != 0)
        return value;
    return buf;
}

static int handler(void *user, const char *section, const char *name, const char *value)
{
    parse_ctx *c = user;
    if (c->failed)
        return 0;
    /* [model], [optimiser], [run] and [figure] all set the one parameter
     * struct, so a key counts once across them; an alias counts as the key
     * it sets (d as n, p as L), in [sweep] too. */
    int params = !strcmp(section, "model") || !strcmp(section, "optimiser") ||
                 !strcmp(section, "run") || !strcmp(section, "figure");
    const char *key = !strcmp(name, "d") ? "n" : !strcmp(name, "p") ? "L" : name;
    /* section, key and value quoted for the messages (a preset is input:
     * ESC ] 0 ; ... BEL in it must not reach the terminal as it is) */
    char sq[Q(40)], nq[Q(40)], vq[Q(200)];
    quote(section, 40, sq, sizeof sq);
    quote(name, 40, nq, sizeof nq);
    quote(value, 200, vq, sizeof vq);
    char pair[40];
    snprintf(pair, sizeof pair, "%.15s.%.23s", params ? "params" : section, key);
    for (int i = 0; i < c->nseen; i++)
        if (strcmp(c->seen[i], pair) == 0)
            return ctx_fail(c, "[%s] key '%s' (value '%s') is given twice; allowed: each key once (d counts as n, p as L)",
                            sq, nq, vq);
    if (c->nseen < (int)(sizeof c->seen / sizeof c->seen[0]))
        snprintf(c->seen[c->nseen++], sizeof c->seen[0], "%s", pair);

    if (strcmp(section, "preset") == 0) {
        if (strcmp(name, "description") == 0) {
            size_t bad;
            if (!qnn_utf8_valid(value, strlen(value), &bad))
                return ctx_fail(c, "[preset] key 'description': value '%s' is not UTF-8 text (byte %zu, \\x%02X, is not part of a UTF-8 character); allowed: one line of UTF-8 text",
                                vq, bad + 1, (unsigned char)value[bad]);
            snprintf(c->ps->description, sizeof c->ps->description, "%s", value);
            return 1;
        }
        return ctx_fail(c, "[preset] unknown key '%s' (value '%s'); allowed: %s", nq, vq, "description");
    }
    if (strcmp(section, "sweep") == 0)
        return parse_sweep(c, name, value);
    if (strcmp(section, "model") && strcmp(section, "optimiser") && strcmp(section, "run") && strcmp(section, "figure"))
        return ctx_fail(c, "unknown section [%s] (key '%s'); allowed: %s", sq, nq,
                        "[preset], [model], [optimiser], [run], [figure], [sweep]");
    char e[1024], path[PATH_MAX + 256];
    value = preset_path(c, name, value, path, sizeof path);
    if (qnn_params_set(&c->ps->params, name, value, e, sizeof e) != 0)
        return ctx_fail(c, "[%s] %s", sq, e);
    return 1;
}

static int accept_any(void *user, const char *section, const char *name, const char *value)
{
    (void)user;
    (void)section;
    (void)name;
    (void)value;
    return 1;
}

/* inih's settings for presets (Debian's libinih exposes them at run time,
 * <ini.h>): lines on the heap, grown up to PRESET_MAX_LINE bytes, so a
 * 255-byte title, a 1024-entry label list or 64-value sweep lists fit on
 * their lines; no continuation lines (an indented line is refused by
 * number, not handed over as the previous key again). The tour and help
 * files keep inih's defaults: the settings are put back after each parse
 * (all parses run on the thread that reads the files). */
typedef struct ini_settings {
    bool use_stack, allow_realloc, allow_multiline;
    int max_line, initial_alloc;
} ini_settings;

static ini_settings ini_set(ini_settings want)
{
    ini_settings was = { ini_use_stack, ini_allow_realloc, ini_allow_multiline, ini_max_line, ini_initial_alloc };
    ini_use_stack = want.use_stack;
    ini_allow_realloc = want.allow_realloc;
    ini_allow_multiline = want.allow_multiline;
    ini_max_line = want.max_line;
    ini_initial_alloc = want.initial_alloc;
    return was;
}

/* The line n (1-based) of text, for the message about it: 1 when it
 * starts with a space or a tab. */
static int line_indented(const char *text, long n)
{
    const char *s = text;
    for (long k = 1; k < n && s; k++) {
        s = strchr(s, '\n');
        if (s)
            s++;
    }
    return s && (*s == ' ' || *s == '\t');
}

int qnn_preset_parse(const char *text, size_t len, const char *origin,
                     qnn_preset *out, char *err, size_t errlen)
{
    char oq0[Q(200)];
    if (memchr(text, '\0', len)) {
        snprintf(err, errlen, "%s: contains a NUL byte; allowed: a text INI file", quote(origin, 200, oq0, sizeof oq0));
        return -1;
    }
    char *copy = malloc(len + 1);
    if (!copy) {
        snprintf(err, errlen, "%s: out of memory", quote(origin, 200, oq0, sizeof oq0));
        return -1;
    }
    memcpy(copy, text, len);
    copy[len] = '\0';
    /* inih silently splits lines longer than its buffer: refuse them. The
     * buffer holds PRESET_MAX_LINE bytes with the line break and the NUL. */
    char oq[Q(200)];
    quote(origin, 200, oq, sizeof oq);
    size_t col = 0;
    long line = 1;
    for (size_t i = 0; i < len; i++) {
        if (copy[i] == '\n') {
            col = 0;
            line++;
        } else if (++col > QNN_PRESET_MAX_LINE) {
            snprintf(err, errlen, "%s: line %ld is longer than %d bytes; allowed: lines of at most %d bytes",
                     oq, line, QNN_PRESET_MAX_LINE, QNN_PRESET_MAX_LINE);
            free(copy);
            return -1;
        }
    }
    parse_ctx c;
    memset(&c, 0, sizeof c);
    c.ps = out;
    c.origin = origin;
    c.err = err;
    c.errlen = errlen;
    /* Syntax first: inih goes on after a bad line (after an unclosed
     * "[model" the keys below stay in the previous section), so an error
     * reported by the handler could hide the real mistake. */
    ini_settings was = ini_set((ini_settings){ false, true, false, QNN_PRESET_MAX_LINE + 2, 256 });
    int rc = ini_parse_string(copy, accept_any, NULL);
    if (rc == 0)
        rc = ini_parse_string(copy, handler, &c);
    ini_set(was);
    int indented = rc > 0 && line_indented(copy, rc);
    free(copy);
    if (c.failed)
        return -1;
    if (rc < 0) {
        snprintf(err, errlen, "%s: out of memory while parsing it", oq);
        return -1;
    }
    if (rc > 0 && indented) {
        snprintf(err, errlen, "%s: line %d is indented and is not 'key = value' (a preset has no continuation lines); allowed: each value whole on its key's line, 'key = value', '[section]' or a comment",
                 oq, rc);
        return -1;
    }
    if (rc != 0) {
        snprintf(err, errlen, "%s: line %d is not 'key = value', '[section]' or a comment; allowed: INI syntax", oq, rc);
        return -1;
    }
    return 0;
}

int qnn_preset_load(const char *name_or_path, qnn_preset *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    qnn_params_default(&out->params);
    size_t nl = strlen(name_or_path), bad;
    int is_path = strchr(name_or_path, '/') != NULL || (nl > 4 && strcmp(name_or_path + nl - 4, ".ini") == 0);
    char nq[Q(200)];
    quote(name_or_path, 200, nq, sizeof nq);
    if (!is_path) {
        for (const char *s = name_or_path; *s; s++)
            if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_') {
                snprintf(err, errlen, "preset '%s': not a preset name; allowed: letters, digits, '-', '_' (`qnnlab presets` lists them) or a path to an .ini file", nq);
                return -1;
            }
        snprintf(out->path, sizeof out->path, "%s/%s.ini", qnn_preset_dir(), name_or_path);
        snprintf(out->name, sizeof out->name, "%s", name_or_path);
    } else {
        snprintf(out->path, sizeof out->path, "%s", name_or_path);
        const char *b = strrchr(name_or_path, '/');
        snprintf(out->name, sizeof out->name, "%s", b ? b + 1 : name_or_path);
        size_t bl = strlen(out->name);
        if (bl > 4 && strcmp(out->name + bl - 4, ".ini") == 0)
            out->name[bl - 4] = '\0';
        /* a long name is cut to fit: at a character's start, so that it
         * stays UTF-8 */
        bl = strlen(out->name);
        size_t ok;
        if (!qnn_utf8_valid(out->name, bl, &ok) && qnn_utf8_valid(b ? b + 1 : name_or_path, strlen(b ? b + 1 : name_or_path), NULL))
            out->name[ok] = '\0';
    }
    char pq[Q(200)];
    quote(out->path, 200, pq, sizeof pq);
    if ((is_path ? nl : strlen(qnn_preset_dir()) + nl + 5) >= sizeof out->path) {   /* it would be cut */
        snprintf(err, errlen, "preset file '%s': the path is longer than %zu bytes; allowed: a shorter path", nq, sizeof out->path - 1);
        return -1;
    }
    /* the name is recorded (summary.json, share strings): UTF-8 only, as
     * every string value is */
    if (!qnn_utf8_valid(name_or_path, nl, &bad)) {
        snprintf(err, errlen, "preset file '%s': the name is not UTF-8 (byte %zu, \\x%02X, is not part of a UTF-8 character); allowed: a file name in UTF-8 (rename the file)",
                 nq, bad + 1, (unsigned char)name_or_path[bad]);
        return -1;
    }
    const char *kind;
    FILE *f = qnn_file_open_read(out->path, &kind);
    if (!f && kind) {
        snprintf(err, errlen, "preset file '%s' is %s, not a regular file; allowed: a regular INI file", pq, kind);
        return -1;
    }
    if (!f) {
        if (is_path)
            snprintf(err, errlen, "preset file '%s': %s; allowed: a readable INI file", pq, strerror(errno));
        else
            snprintf(err, errlen, "unknown preset '%s' (no %s); allowed: a name listed by `qnnlab presets`", nq, pq);
        return -1;
    }
    char *buf = malloc(QNN_PRESET_MAX_BYTES + 1);
    size_t len = buf ? fread(buf, 1, QNN_PRESET_MAX_BYTES + 1, f) : 0;
    int rerr = ferror(f);
    fclose(f);
    if (!buf || rerr) {
        free(buf);
        snprintf(err, errlen, "preset file '%s': cannot be read; allowed: a readable INI file", pq);
        return -1;
    }
    if (len > QNN_PRESET_MAX_BYTES) {
        free(buf);
        snprintf(err, errlen, "preset file '%s': larger than %d bytes; allowed: a small INI file", pq, QNN_PRESET_MAX_BYTES);
        return -1;
    }
    int rc = qnn_preset_parse(buf, len, out->path, out, err, errlen);
    free(buf);
    return rc;
}

/* a and b name the same parameter (d is n, p is L) */
static int same_key(const char *a, const char *b)
{
    const char *ca = !strcmp(a, "d") ? "n" : !strcmp(a, "p") ? "L" : a;
    const char *cb = !strcmp(b, "d") ? "n" : !strcmp(b, "p") ? "L" : b;
    return strcmp(ca, cb) == 0;
}

int qnn_preset_override(qnn_preset *ps, const char *assignment, char *err, size_t errlen)
{
    const char *eq = strchr(assignment, '=');
    char aq[Q(200)];
    if (!eq || eq == assignment) {
        snprintf(err, errlen, "--set '%s': not KEY=VALUE; allowed: KEY=VALUE with a key from `qnnlab --help`",
                 quote(assignment, 200, aq, sizeof aq));
        return -1;
    }
    char key[64];
    size_t kl = (size_t)(eq - assignment);
    if (kl >= sizeof key) {   /* cut short, "seed<spaces>junk" would read as seed */
        snprintf(err, errlen, "--set '%s': the key is %zu bytes long; allowed: KEY=VALUE with a key from `qnnlab --help` (at most %zu bytes before '=')",
                 quote(assignment, 40, aq, sizeof aq), kl, sizeof key - 1);
        return -1;
    }
    memcpy(key, assignment, kl);
    key[kl] = '\0';
    char k2[64];
    trim_copy(key, k2, sizeof k2);
    if (!strncmp(k2, "sweep.", 6)) {
        /* sweep.KEY=v1,v2,...: sweep KEY over these values instead (in the
         * place of its own list when the preset sweeps it already) */
        const char *sk = k2 + 6;
        int at = -1;
        for (int i = 0; i < ps->nsweep; i++)
            if (same_key(ps->sweep[i].key, sk))
                at = i;
        qnn_preset *tmp = malloc(sizeof *tmp);
        parse_ctx *c = calloc(1, sizeof *c);
        if (!tmp || !c) {
            free(tmp);
            free(c);
            snprintf(err, errlen, "--set '%s': out of memory", quote(assignment, 200, aq, sizeof aq));
            return -1;
        }
        *tmp = *ps;
        if (at >= 0) {
            memmove(&tmp->sweep[at], &tmp->sweep[at + 1], (size_t)(tmp->nsweep - at - 1) * sizeof tmp->sweep[0]);
            tmp->nsweep--;
        }
        c->ps = tmp;
        c->origin = "";   /* the caller names the --set */
        c->err = err;
        c->errlen = errlen;
        parse_sweep(c, sk, eq + 1);
        int failed = c->failed;
        if (!failed) {
            if (at >= 0) {
                qnn_sweep_key moved = tmp->sweep[tmp->nsweep - 1];
                memmove(&tmp->sweep[at + 1], &tmp->sweep[at], (size_t)(tmp->nsweep - 1 - at) * sizeof tmp->sweep[0]);
                tmp->sweep[at] = moved;
            }
            *ps = *tmp;
        }
        free(tmp);
        free(c);
        return failed ? -1 : 0;
    }
    if (qnn_params_set(&ps->params, k2, eq + 1, err, errlen) != 0)
        return -1;
    /* An explicit value replaces a sweep over the same key (or its alias). */
    for (int i = 0; i < ps->nsweep; i++) {
        if (same_key(ps->sweep[i].key, k2)) {
            memmove(&ps->sweep[i], &ps->sweep[i + 1], (size_t)(ps->nsweep - i - 1) * sizeof ps->sweep[0]);
            ps->nsweep--;
            i--;
        }
    }
    return 0;
}

long qnn_preset_points(const qnn_preset *ps)
{
    long n = 1;
    for (int i = 0; i < ps->nsweep; i++)
        n *= ps->sweep[i].nvalues;
    return n;
}

int qnn_preset_point(const qnn_preset *ps, long k, qnn_params *out, int *value_index,
                     char *err, size_t errlen)
{
    *out = ps->params;
    long rem = k;
    int idx[QNN_MAX_SWEEP_KEYS];
    for (int i = ps->nsweep - 1; i >= 0; i--) {
        idx[i] = (int)(rem % ps->sweep[i].nvalues);
        rem /= ps->sweep[i].nvalues;
    }
    for (int i = 0; i < ps->nsweep; i++) {
        if (value_index)
            value_index[i] = idx[i];
        if (qnn_params_set(out, ps->sweep[i].key, ps->sweep[i].values[idx[i]], err, errlen) != 0)
            return -1;
    }
    if (out->figure == QNN_FIG_COMPARE && qnn_model_offers(out->model, "companion")) {
        /* The companions of the periodic QNN start from its measurement and
         * data (m0_init = circuit: same seed, instance and p) and take the
         * flow time one QNN step covers, η_step p/m (YOU23 Thm. 4.2 with
         * tr H²/(d²-1) = 1), so record k of every model lies at one time. */
        out->m0_init = QNN_M0_CIRCUIT;
        out->eta = qnn_params_eta(out) * (double)out->L / (double)out->m;
        out->eta_per_L = 0;
    }
    return 0;
}

int qnn_preset_finalise(qnn_preset *ps, char *err, size_t errlen)
{
    /* a class may count its steps otherwise (carleman: the times of its
     * error curve, one record each) */
    {
        long T;
        int every;
        qnn_params_records(&ps->params, &T, &every);
        ps->params.steps = T;
        ps->params.record_every = every;
    }
    if (ps->params.figure != QNN_FIG_COMPARE)
        return 0;
    if (!qnn_model_offers(ps->params.model, "compare")) {
        snprintf(err, errlen, "key 'model': value '%s' but figure = compare runs the periodic QNN beside its asymptotic dynamics and frozen kernel; allowed: periodic",
                 qnn_model_name(ps->params.model));
        return -1;
    }
    for (int i = 0; i < ps->nsweep; i++)
        if (strcmp(ps->sweep[i].key, "model") == 0)
            return 0;
    if (ps->nsweep >= QNN_MAX_SWEEP_KEYS) {
        snprintf(err, errlen, "key 'figure': value 'compare' adds a sweep over model (periodic, asymptotic, frozen) but the preset already sweeps %d keys; allowed: at most %d swept keys besides it",
                 ps->nsweep, QNN_MAX_SWEEP_KEYS - 1);
        return -1;
    }
    qnn_sweep_key *k = &ps->sweep[ps->nsweep++];
    memset(k, 0, sizeof *k);
    snprintf(k->key, sizeof k->key, "model");
    k->nvalues = 3;
    snprintf(k->values[0], sizeof k->values[0], "periodic");
    snprintf(k->values[1], sizeof k->values[1], "asymptotic");
    snprintf(k->values[2], sizeof k->values[2], "frozen");
    return 0;
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int qnn_preset_list(qnn_preset_visit fn, void *ctx, char *err, size_t errlen)
{
    const char *dir = qnn_preset_dir();
    DIR *d = opendir(dir);
    if (!d) {
        char dq[Q(200)];
        snprintf(err, errlen, "preset directory '%s': %s; allowed: set QNNLAB_PRESETS to the presets/ folder",
                 quote(dir, 200, dq, sizeof dq), strerror(errno));
        return -1;
    }
    char *names[512];
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < 512) {
        size_t l = strlen(e->d_name);
        if (l > 4 && strcmp(e->d_name + l - 4, ".ini") == 0 && e->d_name[0] != '.') {
            names[n] = strndup(e->d_name, l - 4);
            if (names[n])
                n++;
        }
    }
    closedir(d);
    qsort(names, (size_t)n, sizeof names[0], name_cmp);
    for (int i = 0; i < n; i++) {
        qnn_preset ps;
        char e2[1024], nq[Q(200)], dq[Q(sizeof ps.description)];
        /* both shown as they are listed: quoted (a file name or a
         * description holding ESC ... must not reach the terminal) */
        quote(names[i], 200, nq, sizeof nq);
        if (qnn_preset_load(names[i], &ps, e2, sizeof e2) == 0)
            fn(ctx, nq, quote(ps.description, 0, dq, sizeof dq));
        else
            fn(ctx, nq, e2);
        free(names[i]);
    }
    return 0;
}
