/* The guided tour: assets/tour.ini parsed with inih, and going from step
 * to step in a running explorer (live.h). */
#include "live.h"

#include "qnn/file.h"
#include "qnn/text.h"

#include <ini.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TOUR_MAX_BYTES (256 * 1024)

static const char *const panel_keys[LIVE_NPANELS] = {"error", "kernel", "entropy", "hessian"};
static const char allowed_keys[] = "title, preset, set, slider, panel, text, formula, try";

/* The parser's state: inih reads the lines through `reader`, which counts
 * them and sees the [step] headers; `entry` gets the keys. */
typedef struct parse {
    live_tour *t;
    const char *origin;
    const char *p, *end;
    int line;                   /* the line inih is working on */
    int cont;                   /* it is an indented continuation line */
    int have_name;              /* inih has a previous key in this section */
    char last_key[32];          /* the key the continuation belongs to */
    char *err;
    size_t errlen;
    int failed;
} parse;

static void fail(parse *ps, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(parse *ps, const char *fmt, ...)
{
    if (ps->failed)
        return;     /* the first error is the one to fix */
    ps->failed = 1;
    /* the message quotes the file's text: made safe to print whole
     * (control characters, C1 and bytes that are not UTF-8 as \xNN) */
    char msg[2048];
    int n = snprintf(msg, sizeof msg, "tour file '%s', line %d: ", ps->origin, ps->line);
    if (n < 0 || (size_t)n >= sizeof msg)
        n = 0;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg + n, sizeof msg - (size_t)n, fmt, ap);
    va_end(ap);
    if (ps->errlen)
        qnn_text_quote(msg, strlen(msg), 0, ps->err, ps->errlen);
}

static const char *lskip(const char *s, const char *end)
{
    while (s < end && (*s == ' ' || *s == '\t' || *s == '\r'))
        s++;
    return s;
}

/* fgets over the buffer, one line at a time; refuses lines inih would cut
 * (it reads at most num - 1 bytes, the newline included) and NUL bytes. */
static char *reader(char *str, int num, void *stream)
{
    parse *ps = stream;
    if (ps->failed || ps->p >= ps->end)
        return NULL;
    const char *nl = memchr(ps->p, '\n', (size_t)(ps->end - ps->p));
    size_t n = nl ? (size_t)(nl - ps->p) + 1 : (size_t)(ps->end - ps->p);
    ps->line++;
    if (n + 1 > (size_t)num) {
        fail(ps, "the line is %zu bytes long; allowed: at most %d bytes a line (inih's limit): continue a long value on indented lines",
             n - (nl ? 1 : 0), num - 3);
        return NULL;
    }
    if (memchr(ps->p, 0, n)) {
        fail(ps, "the line holds a NUL byte; allowed: UTF-8 text");
        return NULL;
    }
    memcpy(str, ps->p, n);
    str[n] = 0;
    const char *line = ps->p, *le = ps->p + n;
    ps->p += n;
    /* what inih will make of it (ini.c: comment, continuation, section) */
    const char *s = lskip(line, le);
    ps->cont = 0;
    if (s >= le || *s == '\n' || *s == ';' || *s == '#')
        return str;
    if (ps->have_name && s > line) {
        ps->cont = 1;
        return str;
    }
    if (*s == '[') {
        const char *close = memchr(s, ']', (size_t)(le - s));
        if (!close)
            return str;     /* inih reports the line */
        char name[64];
        const char *a = lskip(s + 1, close);
        const char *b = close;
        while (b > a && (b[-1] == ' ' || b[-1] == '\t'))
            b--;
        size_t k = (size_t)(b - a) < sizeof name - 1 ? (size_t)(b - a) : sizeof name - 1;
        memcpy(name, a, k);
        name[k] = 0;
        ps->have_name = 0;
        if (strcmp(name, "step")) {
            fail(ps, "section '[%.60s]'; allowed: [step] (one per step of the tour, in the order shown)", name);
            return NULL;
        }
        live_tour *t = ps->t;
        if (t->nsteps == LIVE_TOUR_MAX_STEPS) {
            fail(ps, "a step beyond the %dth; allowed: at most %d [step] sections", LIVE_TOUR_MAX_STEPS, LIVE_TOUR_MAX_STEPS);
            return NULL;
        }
        live_tour_step *st = &t->step[t->nsteps++];
        memset(st, 0, sizeof *st);
        st->line = ps->line;
        st->slider = -1;
    }
    return str;
}

/* Appends a continuation to a value: joined with a space; for `text` a
 * line "." starts a new paragraph. */
static int append(char *dst, size_t cap, const char *v, int paragraphs)
{
    size_t n = strlen(dst);
    const int dot = paragraphs && !strcmp(v, ".");
    const char *sep = n == 0 ? "" : dot ? "\n" : dst[n - 1] == '\n' ? "" : " ";
    const char *add = dot ? "" : v;
    if (n + strlen(sep) + strlen(add) + 1 > cap)
        return -1;
    snprintf(dst + n, cap - n, "%s%s", sep, add);
    return 0;
}

static int entry(void *user, const char *section, const char *name, const char *value)
{
    parse *ps = user;
    (void)section;
    ps->have_name = 1;
    if (ps->failed)
        return 1;
    live_tour *t = ps->t;
    if (t->nsteps == 0) {
        fail(ps, "key '%.40s' before the first [step]; allowed: keys inside a [step] section", name);
        return 1;
    }
    live_tour_step *st = &t->step[t->nsteps - 1];
    const int cont = ps->cont;
    if (!cont)
        snprintf(ps->last_key, sizeof ps->last_key, "%s", name);
    struct { const char *key; char *dst; size_t cap; } text_keys[] = {
        {"title", st->title, sizeof st->title},
        {"text", st->text, sizeof st->text},
        {"formula", st->formula, sizeof st->formula},
        {"try", st->try_, sizeof st->try_},
    };
    for (size_t i = 0; i < sizeof text_keys / sizeof text_keys[0]; i++) {
        if (strcmp(name, text_keys[i].key))
            continue;
        if (!cont && text_keys[i].dst[0]) {
            fail(ps, "key '%s' a second time in the step that starts at line %d; allowed: one %s per [step] (continue it on indented lines)",
                 name, st->line, name);
            return 1;
        }
        if (!cont && !value[0]) {
            fail(ps, "key '%s': the value is empty; allowed: text (continued on indented lines)", name);
            return 1;
        }
        if (append(text_keys[i].dst, text_keys[i].cap, value, !strcmp(name, "text")) != 0)
            fail(ps, "key '%s': value '%.40s...' makes it longer than %zu bytes; allowed: at most %zu bytes", name, value,
                 text_keys[i].cap - 1, text_keys[i].cap - 1);
        return 1;
    }
    if (!strcmp(name, "preset")) {
        if (cont) {
            fail(ps, "key 'preset': a continuation line '%.60s'; allowed: one preset name on the line of the key", value);
        } else if (st->preset[0]) {
            fail(ps, "key 'preset' a second time in the step that starts at line %d (value '%.60s'); allowed: one preset per [step] (add set = KEY=VALUE lines to change it)",
                 st->line, value);
        } else if (!value[0] || strlen(value) >= sizeof st->preset || strchr(value, ' ')) {
            fail(ps, "key 'preset': value '%.60s'; allowed: a preset name from `qnnlab presets` (or a path to an .ini file), without spaces", value);
        } else {
            snprintf(st->preset, sizeof st->preset, "%s", value);
            st->preset_line = ps->line;
        }
        return 1;
    }
    if (!strcmp(name, "set")) {
        /* every line is one override, the key's own or a continuation */
        if (st->nset == LIVE_TOUR_MAX_SETS) {
            fail(ps, "key 'set': value '%.60s' is the %dth in the step; allowed: at most %d set lines per [step]", value,
                 LIVE_TOUR_MAX_SETS + 1, LIVE_TOUR_MAX_SETS);
            return 1;
        }
        const char *eq = strchr(value, '=');
        if (!eq || eq == value || strlen(value) >= sizeof st->set[0]) {
            fail(ps, "key 'set': value '%.60s' is not KEY=VALUE; allowed: one KEY=VALUE per line, KEY a preset key (qnnlab --help)", value);
            return 1;
        }
        char key[64], val[128], e[512];
        size_t kl = (size_t)(eq - value);
        while (kl > 0 && (value[kl - 1] == ' ' || value[kl - 1] == '\t'))
            kl--;
        snprintf(key, sizeof key, "%.*s", (int)(kl < sizeof key - 1 ? kl : sizeof key - 1), value);
        const char *v = eq + 1;
        while (*v == ' ' || *v == '\t')
            v++;
        snprintf(val, sizeof val, "%s", v);
        /* the key and the value on their own; the combination with the
         * preset is checked when the step's session is opened */
        qnn_params scratch;
        qnn_params_default(&scratch);
        if (qnn_params_set(&scratch, key, val, e, sizeof e) != 0) {
            fail(ps, "key 'set': value '%.60s': %s", value, e);
            return 1;
        }
        snprintf(st->set[st->nset], sizeof st->set[0], "%s=%s", key, val);
        st->set_line[st->nset++] = ps->line;
        return 1;
    }
    if (!strcmp(name, "slider")) {
        for (int i = 0; i < LIVE_NSLIDERS; i++)
            if (!strcmp(value, live_sliders[i].key) && !cont && st->slider < 0) {
                st->slider = i;
                return 1;
            }
        char names[256] = "";
        for (int i = 0; i < LIVE_NSLIDERS; i++) {
            size_t n = strlen(names);
            snprintf(names + n, sizeof names - n, "%s%s", i ? ", " : "", live_sliders[i].key);
        }
        fail(ps, "key 'slider': value '%.60s'%s; allowed: one of %s, once per [step]", value,
             cont || st->slider >= 0 ? " (a second slider)" : "", names);
        return 1;
    }
    if (!strcmp(name, "panel")) {
        for (int k = 0; k < LIVE_NPANELS; k++)
            if (!strcmp(value, panel_keys[k]) && !cont) {
                st->panel = k;
                return 1;
            }
        fail(ps, "key 'panel': value '%.60s'; allowed: error, kernel, entropy or hessian, once per [step]", value);
        return 1;
    }
    if (cont)
        fail(ps, "key '%.40s': value '%.60s'; allowed: keys %s", name, value, allowed_keys);
    else
        fail(ps, "key '%.40s' (value '%.60s') is not a key of a tour step; allowed: %s", name, value, allowed_keys);
    return 1;
}

int live_tour_parse(live_tour *t, const char *text, size_t len, const char *origin, char *err, size_t errlen)
{
    live_tour_open_fn open = t->open;
    void *ctx = t->ctx;
    memset(t, 0, sizeof *t);
    t->open = open;
    t->ctx = ctx;
    t->shown = 1;
    snprintf(t->path, sizeof t->path, "%s", origin);
    parse ps = {.t = t, .origin = origin, .p = text, .end = text + len, .err = err, .errlen = errlen};
    if (errlen)
        err[0] = 0;
    int rc = ini_parse_stream(reader, &ps, entry, &ps);
    if (ps.failed)
        return -1;
    if (rc > 0) {
        ps.line = rc;
        fail(&ps, "the line is not '[step]', 'key = value' or an indented continuation line; allowed: those, blank lines and comments (; or #)");
        return -1;
    }
    char oq[QNN_QUOTE_CAP(200)];
    qnn_text_quote(origin, strlen(origin), 200, oq, sizeof oq);
    if (rc < 0) {
        snprintf(err, errlen, "tour file '%s': out of memory while parsing it", oq);
        return -1;
    }
    if (t->nsteps == 0) {
        snprintf(err, errlen, "tour file '%s': no [step] section (the file is empty or holds only comments); allowed: one [step] section per step, each with title, preset, text and try",
                 oq);
        return -1;
    }
    for (int k = 0; k < t->nsteps; k++) {
        const live_tour_step *st = &t->step[k];
        const char *miss = !st->title[0] ? "title" : !st->preset[0] ? "preset" : !st->text[0] ? "text" : !st->try_[0] ? "try" : NULL;
        if (miss) {
            char tq[QNN_QUOTE_CAP(60)];
            qnn_text_quote(st->title, strlen(st->title), 60, tq, sizeof tq);
            snprintf(err, errlen, "tour file '%s', line %d: the step that starts there (step %d%s%s%s) has no key '%s'; allowed: every [step] has title, preset, text and try (set, slider, panel and formula are optional)",
                     oq, st->line, k + 1, st->title[0] ? ", '" : "", tq, st->title[0] ? "'" : "", miss);
            return -1;
        }
    }
    return 0;
}

int live_tour_load(live_tour *t, const char *path, char *err, size_t errlen)
{
    char def[1100];
    if (!path) {
        snprintf(def, sizeof def, "%s/tour.ini", live_asset_dir());
        path = def;
    }
    char pq[QNN_QUOTE_CAP(200)];
    qnn_text_quote(path, strlen(path), 200, pq, sizeof pq);
    const char *kind;
    FILE *f = qnn_file_open_read(path, &kind);   /* a FIFO would block */
    if (!f && kind) {
        snprintf(err, errlen, "tour file '%s' is %s, not a regular file; allowed: a regular text file (assets/tour.ini, or one named with --tour-file)",
                 pq, kind);
        return -1;
    }
    if (!f) {
        snprintf(err, errlen, "tour file '%s' cannot be read; allowed: set QNNLAB_ASSETS to the assets/ folder that holds tour.ini, or name a file with --tour-file",
                 pq);
        return -1;
    }
    char *buf = malloc(TOUR_MAX_BYTES + 1);
    if (!buf) {
        fclose(f);
        snprintf(err, errlen, "tour file '%s': out of memory", pq);
        return -1;
    }
    size_t n = fread(buf, 1, TOUR_MAX_BYTES + 1, f);
    int bad = ferror(f);
    fclose(f);
    if (bad || n > TOUR_MAX_BYTES) {
        snprintf(err, errlen, bad ? "tour file '%s' cannot be read; allowed: a readable text file"
                                  : "tour file '%s' is larger than 256 KiB; allowed: at most 256 KiB",
                 pq);
        free(buf);
        return -1;
    }
    int rc = live_tour_parse(t, buf, n, path, err, errlen);
    free(buf);
    return rc;
}

int live_tour_go(live_ui *u, int k)
{
    live_tour *t = u->tour;
    if (!t || !t->open)
        return -1;
    if (k < 0 || k >= t->nsteps) {
        snprintf(u->status, sizeof u->status, k < 0 ? "this is the first step of the tour (%d steps: > next)"
                                                    : "this is the last step of the tour (%d steps: < back)",
                 t->nsteps);
        u->status_error = 0;
        return -1;
    }
    char err[1024], name[256];
    qnn_params pre;
    qnn_session *s = t->open(t->ctx, k, &pre, name, sizeof name, err, sizeof err);
    if (!s) {
        snprintf(u->status, sizeof u->status, "tour step %d: %s", k + 1, err);
        u->status_error = 1;
        return -1;
    }
    /* the old instances go before the new ones are built (the worker
     * builds them once started): one ensemble in memory at a time */
    qnn_session *old = u->s;
    qnn_session_free(old);
    u->s = s;
    if (qnn_session_start(s, err, sizeof err) != 0) {
        snprintf(u->status, sizeof u->status, "tour step %d: %s", k + 1, err);
        u->status_error = 1;
    } else {
        snprintf(u->status, sizeof u->status, "tour step %d/%d: preset %s", k + 1, t->nsteps, name);
        u->status_error = 0;
        /* a value beyond its slider's track is said, not hidden at an end */
        qnn_params req;
        qnn_session_requested(s, &req);
        for (int i = 0; i < LIVE_NSLIDERS; i++) {
            const live_slider_def *d = &live_sliders[i];
            if (!strcmp(d->key, "spf") || !live_slider_applies(i, &req))
                continue;
            double v = live_slider_value(NULL, i, &req);
            const char *key = live_slider_key(i, &req);
            /* batch 0 is the full training set, shown as such at the left end */
            if (!(v < d->lo || v > d->hi) || (v == 0 && !strcmp(key, "batch")))
                continue;
            char vt[32], lo[32], hi[32];
            qnn_params_number_text(key, v, vt, sizeof vt);
            qnn_params_number_text(key, d->lo, lo, sizeof lo);
            qnn_params_number_text(key, d->hi, hi, sizeof hi);
            size_t o = strlen(u->status);
            snprintf(u->status + o, sizeof u->status - o, "; %s = %s lies beyond its slider (%s .. %s): Enter types a value",
                     key, vt, lo, hi);
        }
    }
    snprintf(u->preset, sizeof u->preset, "%s", name);
    u->preset_params = pre;
    live_pins_free(u);          /* the pins were of another step's runs */
    u->entry = 0;
    u->drag = -1;
    u->share[0] = 0;
    if (t->step[k].slider >= 0)
        u->focus = t->step[k].slider;
    t->cur = k;
    t->shown = 1;
    return 0;
}
