/* Controls, panels, share string and help texts of the live faces. */
#include "live.h"
#include "faceloop.h"
#include "qnn/file.h"
#include "qnn/share.h"
#include "qnn/text.h"

#include <errno.h>
#include <stdarg.h>
#include <ini.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void pins_relabel(live_ui *u);
static void memo_forget(const live_ui *u);

#ifndef QNN_ASSET_DIR
#define QNN_ASSET_DIR "assets"
#endif

/* ---------------------------------------------------------------------- */
/* Tables                                                                 */

const live_slider_def live_sliders[LIVE_NSLIDERS] = {
    {"gamma", "γ", LIVE_LIN, 0.0, 4.0, 0.05, 0.25, "measurement scale: outputs are γ tr(ρM)"},
    {"eta", "η", LIVE_LOG, 1e-5, 1.0, 1.1, 2.0, "learning rate (logarithmic)"},
    {"L", "L", LIVE_LOGINT, 1, 1024, 1, 2, "parameters: rotations (periodic: layers p; mlp: hidden layers)"},
    {"n_h", "n_{h}", LIVE_INT, 0, 8, 1, 2, "hidden qubits"},
    {"sigma_theta", "σ_{θ}", LIVE_LIN, 0.0, 0.2, 0.002, 0.02, "parameter noise per step (LLJ App. D)"},
    {"m", "m", LIVE_INT, 1, 64, 1, 8, "training states |A| (m)"},
    {"n_v", "n_{v}", LIVE_INT, 1, 10, 1, 2, "visible qubits"},
    {"seed", "seed", LIVE_INT, 0, 9999, 1, 100, "master seed (rebuilds the instances)"},
    {"spf", "steps/frame", LIVE_LOGINT, 1, 10000, 1, 2, "steps between frames: the speed"},
};

int live_model_count(void)
{
    int n = 0;
    for (size_t i = 0; i < qnn_model_count() && n < LIVE_MAX_MODELS; i++)
        n += qnn_model_has(qnn_model_at(i), QNN_CAP_LIVE);
    return n;
}

const qnn_model_class *live_model_at(int k)
{
    for (size_t i = 0; i < qnn_model_count(); i++)
        if (qnn_model_has(qnn_model_at(i), QNN_CAP_LIVE) && k-- == 0)
            return qnn_model_at(i);
    return NULL;
}

const live_button_def live_buttons[LIVE_NBUTTONS] = {
    {LIVE_PLAY, "play / pause", "Space"},
    {LIVE_STEP, "step", "."},
    {LIVE_RESET, "reset", "r"},
    {LIVE_RESEED, "reseed", "z"},
    {LIVE_EXPORT, "export", "E"},
    {LIVE_SCREENSHOT, "screenshot", "S"},
    {LIVE_SHARE, "share", "C"},
    {LIVE_HELP, "help", "F1 ?"},
};

#define W LIVE_FACE_WINDOW
#define T LIVE_FACE_TERMINAL
#define WT LIVE_FACE_BOTH
const live_key_doc live_key_docs[] = {
    {"Space", "play / pause", WT},
    {". or n", "one step (pauses)", WT},
    {"r", "reset: step 0 with the current values", WT},
    {"z", "reseed: seed + 1 (new instances)", WT},
    {"Tab, Shift+Tab, ↑ ↓", "select a slider", WT},
    {"← →", "fine change of the selected slider", WT},
    {"Shift+← →, PgUp PgDn", "coarse change", WT},
    {"Home End", "slider minimum / maximum", WT},
    {"Enter", "type an exact value (Enter applies, Esc cancels)", WT},
    {"m, M", "next / previous model", WT},
    {"1 2 3 4, [ ]", "show one panel (error, kernel, entropy, Hessian)", T},
    {"g or 0", "back to the four panels (when the terminal is large enough)", T},
    {"t", "entropy panel: S(ρ_v) or the trace distance", WT},
    {"h", "Hessian spectra on / off", WT},
    {"d", "circuit diagram of the running circuit (model circuit only: the other models have no gate-level circuit); ↑ ↓ PgUp PgDn Home End scroll, d or Esc closes; E exports it too", W},
    {"d", "circuit diagram of the running circuit (model circuit only: the other models have no gate-level circuit); ↑ ↓ PgUp PgDn Home End scroll, d or Esc closes; e exports it too", T},
    {"e or E", "export panels (PNG, SVG, PDF) and data (CSV, JSON)", WT},
    {"s or S", "screenshot (PNG)", W},
    {"s or S", "save this screen as text", T},
    {"c or C", "copy the share string (qnnlab gui --state ...; also printed)", W},
    {"c or C", "share string: shown in full on a screen of its own, copied by terminals that allow it, printed on exit", T},
    {"+ −", "larger / smaller text (projector)", W},
    {"F11 or f", "full screen", W},
    {"mouse", "click a slider's track to set it, a tab or a panel to show it; wheel: fine", T},
    {"Ctrl+L", "redraw the screen", T},
    {"F1 or ?", "this help (for the panel under the pointer)", W},
    {"F1 or ?", "this help (↑ ↓ PgUp PgDn scroll, any other key closes)", T},
    {"p", "pin the current run: a ghost reference on every panel, labelled with what differs (at most 4: the oldest goes)", WT},
    {"P", "remove the pins", WT},
    {"o", "earlier segments (before a model change or a rebuild): dimmed, hidden, shown", WT},
    {"w", "time axes: the last 500 steps / everything", WT},
    {"u", "pause when the run converges: on / off", WT},
    {"v", "record the dashboard to MP4: start / stop", W},
    {"v", "record the dashboard to MP4 (drawn at 1280×720): start / stop", T},
    {"V", "record the panel under the pointer (or the error panel) to MP4: start / stop", W},
    {"> <", "guided tour (qnnlab tour): next / previous step", WT},
    {"i", "guided tour: hide / show the tour text", W},
    {"i", "guided tour: the text in full, in brief (when the terminal is small), hidden", T},
    {"q, Esc", "quit (Ctrl+C too)", WT},
};
#undef W
#undef T
#undef WT
const size_t live_nkey_docs = sizeof live_key_docs / sizeof live_key_docs[0];

const char *const live_panel_names[LIVE_NPANELS] = {"error", "kernel", "entropy", "hessian"};

/* ---------------------------------------------------------------------- */
/* Help texts                                                             */

const char *live_asset_dir(void)
{
    const char *e = getenv("QNNLAB_ASSETS");
    return e && *e ? e : QNN_ASSET_DIR;
}

static int help_entry(void *user, const char *section, const char *name, const char *value)
{
    live_help *h = user;
    static const char *const sec[LIVE_NPANELS + 1] = {"error", "kernel", "entropy", "hessian", "controls"};
    for (int k = 0; k <= LIVE_NPANELS; k++) {
        if (strcmp(section, sec[k]))
            continue;
        if (!strcmp(name, "title")) {
            snprintf(h->title[k], sizeof h->title[k], "%s", value);
            return 1;
        }
        if (!strcmp(name, "text")) {
            /* inih hands each continuation line over on its own: join
             * them with spaces; a line "." starts a new paragraph */
            size_t n = strlen(h->text[k]);
            const char *sep = n == 0 ? "" : !strcmp(value, ".") ? "\n" : h->text[k][n - 1] == '\n' ? "" : " ";
            snprintf(h->text[k] + n, sizeof h->text[k] - n, "%s%s", sep, strcmp(value, ".") ? value : "");
            return 1;
        }
    }
    return 1;   /* other sections and keys: for later versions */
}

int live_help_load(live_help *h)
{
    memset(h, 0, sizeof *h);
    snprintf(h->path, sizeof h->path, "%s/help.ini", live_asset_dir());
    /* never opened when it is not a regular file (a FIFO would block) */
    const char *kind = NULL;
    FILE *f = qnn_file_open_read(h->path, &kind);
    if (!f) {
        char q[QNN_QUOTE_CAP(200)];
        qnn_text_quote(h->path, strlen(h->path), 200, q, sizeof q);
        if (kind)
            snprintf(h->error, sizeof h->error, "help file '%s' is %s, not a regular file; allowed: set QNNLAB_ASSETS to the assets/ folder", q, kind);
        else
            snprintf(h->error, sizeof h->error, "help file '%s' cannot be read: %s; allowed: set QNNLAB_ASSETS to the assets/ folder", q, strerror(errno));
        return -1;
    }
    int rc = ini_parse_file(f, help_entry, h);
    fclose(f);
    if (rc < 0) {
        snprintf(h->error, sizeof h->error, "help file '%s' cannot be read; allowed: set QNNLAB_ASSETS to the assets/ folder", h->path);
        return -1;
    }
    if (rc > 0) {
        snprintf(h->error, sizeof h->error, "help file '%s': line %d is not 'key = value'; allowed: [section] lines, key = value lines and indented continuation lines of at most 200 bytes", h->path, rc);
        return -1;
    }
    h->loaded = 1;
    return 0;
}

/* ---------------------------------------------------------------------- */
/* Sliders                                                                */

void live_ui_init(live_ui *u, qnn_session *s, const char *preset, const qnn_params *preset_params)
{
    memset(u, 0, sizeof *u);
    u->s = s;
    snprintf(u->preset, sizeof u->preset, "%s", preset ? preset : "default");
    if (preset_params)
        u->preset_params = *preset_params;
    snprintf(u->export_root, sizeof u->export_root, ".");
    u->hover_panel = -1;
    u->drag = -1;
    u->focus = 1;   /* η */
    u->scale = 1.0;
    memo_forget(u);
    live_help_load(&u->help_text);
}

static int is_key(int i, const char *k) { return !strcmp(live_sliders[i].key, k); }

/* The L and m sliders of a model that has no use for L or m but for the
 * ansatz's layers or the mini-batch (model circuit) move those instead. */
const char *live_slider_key(int i, const qnn_params *p)
{
    if (p && is_key(i, "L") && qnn_model_key_use(p, "L") == QNN_KEY_UNUSED &&
        qnn_model_key_use(p, "layers") != QNN_KEY_UNUSED)
        return "layers";
    if (p && is_key(i, "m") && qnn_model_key_use(p, "m") == QNN_KEY_UNUSED &&
        qnn_model_key_use(p, "batch") != QNN_KEY_UNUSED)
        return "batch";
    return live_sliders[i].key;
}

const char *live_slider_label(int i, const qnn_params *p)
{
    const char *k = live_slider_key(i, p);
    return k == live_sliders[i].key ? live_sliders[i].label : k;
}

double live_slider_value(const live_ui *u, int i, const qnn_params *req)
{
    if (u && u->drag == i)
        return u->drag_value;
    /* while a shared state replays, the sliders show where the replay is
     * (they move when it is done), not the values it will reach */
    qnn_params shown;
    if (u && u->s) {
        const qnn_snapshot *sn = qnn_session_acquire(u->s);
        const int replaying = sn->busy && sn->target_step >= 0;
        if (replaying)
            shown = sn->params;
        qnn_snapshot_release(sn);
        if (replaying)
            req = &shown;
    }
    if (is_key(i, "gamma")) return req->gamma;
    if (is_key(i, "eta")) return req->eta;
    if (is_key(i, "L")) return !strcmp(live_slider_key(i, req), "layers") ? req->layers : req->L;
    if (is_key(i, "n_h")) return req->n_h;
    if (is_key(i, "sigma_theta")) return req->sigma_theta;
    if (is_key(i, "m")) return !strcmp(live_slider_key(i, req), "batch") ? req->batch : req->m;
    if (is_key(i, "n_v")) return qnn_params_visible(req);
    if (is_key(i, "seed")) return (double)req->seed;
    if (is_key(i, "spf")) return u ? qnn_session_speed(u->s) : 1;
    return NAN;
}

int live_slider_applies(int i, const qnn_params *p)
{
    /* seed and steps per frame are the session's, not the model's */
    if (is_key(i, "seed") || is_key(i, "spf"))
        return 1;
    return qnn_model_key_use(p, live_slider_key(i, p)) != QNN_KEY_UNUSED;
}

void live_slider_text(int i, double v, const qnn_params *req, char *buf, size_t len)
{
    const live_slider_def *d = &live_sliders[i];
    if (req && v == 0 && !strcmp(live_slider_key(i, req), "batch"))
        snprintf(buf, len, "0 (all rows)");     /* batch 0: the full training set */
    else if (is_key(i, "n_h"))
        snprintf(buf, len, "%.0f (D_h = %.0f)", v, ldexp(1.0, (int)v));
    else if (d->scale == LIVE_INT || d->scale == LIVE_LOGINT)
        snprintf(buf, len, "%.0f", v);
    else
        snprintf(buf, len, "%.3g", v);
}

double live_slider_frac(int i, double v)
{
    const live_slider_def *d = &live_sliders[i];
    double f;
    if (d->scale == LIVE_LOG || d->scale == LIVE_LOGINT)
        f = (log(fmax(v, d->lo)) - log(d->lo)) / (log(d->hi) - log(d->lo));
    else
        f = (v - d->lo) / (d->hi - d->lo);
    return f < 0 ? 0 : f > 1 ? 1 : f;
}

double live_slider_from_frac(int i, double f)
{
    const live_slider_def *d = &live_sliders[i];
    f = f < 0 ? 0 : f > 1 ? 1 : f;
    double v = (d->scale == LIVE_LOG || d->scale == LIVE_LOGINT)
                   ? exp(log(d->lo) + f * (log(d->hi) - log(d->lo)))
                   : d->lo + f * (d->hi - d->lo);
    if (d->scale == LIVE_INT || d->scale == LIVE_LOGINT)
        v = round(v);
    else if (d->scale == LIVE_LOG) {
        /* three significant digits */
        double e = pow(10.0, floor(log10(v)) - 2);
        v = round(v / e) * e;
    } else {
        v = round(v / d->fine) * d->fine;
    }
    return v;
}

double live_slider_step(int i, double v, int dir, int coarse)
{
    const live_slider_def *d = &live_sliders[i];
    double st = coarse ? d->coarse : d->fine;
    switch (d->scale) {
    case LIVE_LOG:
        return dir > 0 ? v * st : v / st;
    case LIVE_LOGINT:
        if (!coarse)
            return v + dir;
        return dir > 0 ? round(v * st) : fmax(1.0, round(v / st));
    case LIVE_INT:
        return v + dir * st;
    default: {
        double n = v + dir * st;
        return round(n / d->fine) * d->fine;
    }
    }
}

/* The slider keys whose values differ between a and b (skip: a slider
 * index not to list, or -1), as "n_v 4 → 3, L 65 → 32" into buf; the
 * count. The steps per frame are the session's, not a parameter. */
static int forced_keys(const qnn_params *a, const qnn_params *b, int skip, char *buf, size_t len)
{
    int n = 0;
    buf[0] = 0;
    for (int j = 0; j < LIVE_NSLIDERS; j++) {
        if (j == skip || is_key(j, "spf"))
            continue;
        double va = live_slider_value(NULL, j, a), vb = live_slider_value(NULL, j, b);
        if (va == vb || (isnan(va) && isnan(vb)))
            continue;
        char ta[32], tb[32];
        const char *key = live_slider_key(j, b);
        qnn_params_number_text(key, va, ta, sizeof ta);
        qnn_params_number_text(key, vb, tb, sizeof tb);
        size_t o = strlen(buf);
        snprintf(buf + o, len - o, "%s%s %s → %s", n ? ", " : "", key, ta, tb);
        n++;
    }
    return n;
}

int live_slider_set(live_ui *u, int i, double v)
{
    const live_slider_def *d = &live_sliders[i];
    qnn_params req;
    qnn_session_requested(u->s, &req);
    if (!live_slider_applies(i, &req)) {
        snprintf(u->status, sizeof u->status, "%s does not apply to model %s", d->key, qnn_model_name(req.model));
        u->status_error = 1;
        return -1;
    }
    if (!isfinite(v)) {
        snprintf(u->status, sizeof u->status, "key '%s': value is not a number", d->key);
        u->status_error = 1;
        return -1;
    }
    if (is_key(i, "spf")) {
        if (v < 1 || v > QNN_SESSION_MAX_STEPS_PER_FRAME || v != round(v)) {
            snprintf(u->status, sizeof u->status, "steps per frame: value '%.6g' is %s; allowed: whole numbers 1 .. %d",
                     v, v != round(v) ? "not a whole number" : "out of range", QNN_SESSION_MAX_STEPS_PER_FRAME);
            u->status_error = 1;
            return -1;
        }
        qnn_session_set_speed(u->s, (int)v);
        snprintf(u->status, sizeof u->status, "steps per frame = %.0f", v);
        u->status_error = 0;
        return 0;
    }
    const char *key = live_slider_key(i, &req);
    /* A slider's resolution: integers whole (a typed fraction is refused,
     * not rounded: n_h = 0.5 is no number of qubits), other values to 6
     * significant digits, as the nearest double of that decimal (so the
     * share string's log, which holds the decimal, replays the very
     * value). The number then crosses to the worker as it is. */
    if (d->scale == LIVE_INT || d->scale == LIVE_LOGINT) {
        if (v != round(v)) {
            const qnn_key_info *ki = qnn_params_key(key);
            snprintf(u->status, sizeof u->status, "key '%s': value '%.6g' is not a whole number; allowed: whole numbers %s",
                     key, v, ki && ki->allowed ? ki->allowed : "");
            u->status_error = 1;
            return -1;
        }
    } else {
        char six[32];
        snprintf(six, sizeof six, "%.6g", v);
        v = strtod(six, NULL);
    }
    char val[64], err[512];
    if (qnn_session_set_number(u->s, key, v, err, sizeof err) != QNN_OK) {
        snprintf(u->status, sizeof u->status, "%s", err);
        u->status_error = 1;
        return -1;
    }
    qnn_params_number_text(key, v, val, sizeof val);
    /* a key that moves another (n_h moves n_v while n stays) says so */
    qnn_params after;
    qnn_session_requested(u->s, &after);
    char also[256];
    if (forced_keys(&req, &after, i, also, sizeof also) > 0)
        snprintf(u->status, sizeof u->status, "%s = %s, which also sets %s", key, val, also);
    else
        snprintf(u->status, sizeof u->status, "%s = %s", key, val);
    u->status_error = 0;
    pins_relabel(u);
    return 0;
}

/* Keys a model switch may have to set first, in this order, when the
 * target model refuses the current values: knobs that have no meaning for
 * it (the asymptotic and frozen models have no angles and no hidden
 * qubits; mlp has at most 32 hidden layers). */
static const struct { const char *key, *value; } model_adapt[] = {
    {"resample", "all"}, {"sigma_theta", "0"}, {"n_h", "0"}, {"L", "32"},
};
#define NADAPT (sizeof model_adapt / sizeof model_adapt[0])

/* What a model switch remembers: the values of the keys it may force,
 * per model, as the user left them (restored when that model comes back,
 * so a cycle through the models leaves L where it was). One memory per
 * face state and session (a new session, a tour step, starts afresh). */
#define MEMO_SLOTS 4
#define MEMO_VALUE 64
typedef struct model_memo {
    const live_ui *u;
    const qnn_session *s;
    unsigned char have[LIVE_MAX_MODELS];
    char value[LIVE_MAX_MODELS][NADAPT][MEMO_VALUE];
} model_memo;
static model_memo memos[MEMO_SLOTS];
static int memo_next;

/* The memory of u's session; NULL when there is none and !create. */
static model_memo *memo_of(const live_ui *u, int create)
{
    for (int k = 0; k < MEMO_SLOTS; k++)
        if (memos[k].u == u) {
            if (memos[k].s != u->s) {       /* another session: forget */
                memset(&memos[k], 0, sizeof memos[k]);
                memos[k].u = u;
                memos[k].s = u->s;
            }
            return &memos[k];
        }
    if (!create)
        return NULL;
    model_memo *m = &memos[memo_next];
    memo_next = (memo_next + 1) % MEMO_SLOTS;
    memset(m, 0, sizeof *m);
    m->u = u;
    m->s = u->s;
    return m;
}

static void memo_forget(const live_ui *u)
{
    for (int k = 0; k < MEMO_SLOTS; k++)
        if (memos[k].u == u)
            memset(&memos[k], 0, sizeof memos[k]);
}

static int live_index_of(const qnn_model_class *c)
{
    for (int k = 0; k < live_model_count(); k++)
        if (live_model_at(k) == c)
            return k;
    return -1;
}

/* The reason a check gave for refusing a key: what it allows. */
static void refusal_reason(const char *err, const char *model, char *buf, size_t len)
{
    const char *a = strstr(err, "allowed: ");
    if (a)
        snprintf(buf, len, "%s allows %s", model, a + strlen("allowed: "));
    else
        snprintf(buf, len, "%s", err);
}

int live_set_model(live_ui *u, int i)
{
    char err[512], first[512] = "";
    const qnn_model_class *target = live_model_at(i);
    if (!target) {
        snprintf(u->status, sizeof u->status, "model %d: no such model; allowed: 0 .. %d", i, live_model_count() - 1);
        u->status_error = 1;
        return -1;
    }
    const char *name = qnn_model_name(target);
    qnn_params cur, q;
    qnn_session_requested(u->s, &cur);
    q = cur;
    if (qnn_params_set(&q, "model", name, err, sizeof err) != 0) {
        snprintf(u->status, sizeof u->status, "%s", err);
        u->status_error = 1;
        return -1;
    }
    /* adapt, one key at a time, while the check refuses a key we know */
    int use[NADAPT] = {0};
    char why[NADAPT][160];
    while (qnn_session_check(u->s, &q, err, sizeof err) != 0) {
        if (!first[0])
            snprintf(first, sizeof first, "%s", err);
        size_t k = 0;
        char pat[48];
        for (; k < NADAPT; k++) {
            snprintf(pat, sizeof pat, "key '%s'", model_adapt[k].key);
            if (!use[k] && strstr(err, pat))
                break;
        }
        if (k == NADAPT) {
            snprintf(u->status, sizeof u->status, "%s", first);
            u->status_error = 1;
            return -1;
        }
        refusal_reason(err, name, why[k], sizeof why[k]);
        if (qnn_params_set(&q, model_adapt[k].key, model_adapt[k].value, err, sizeof err) != 0) {
            snprintf(u->status, sizeof u->status, "%s", first);
            u->status_error = 1;
            return -1;
        }
        use[k] = 1;
    }
    /* then the values this model had when the user left it, where they
     * still pass the check */
    const int to = live_index_of(target), from = live_index_of(cur.model);
    model_memo *mm = memo_of(u, 1);
    int restored[NADAPT] = {0};
    char *tv = malloc(QNN_PARAMS_GET_MAX);
    if (!tv) {
        snprintf(u->status, sizeof u->status, "model = %s: out of memory", name);
        u->status_error = 1;
        return -1;
    }
    if (to >= 0 && to != from && mm->have[to]) {
        qnn_params trial;
        for (size_t k = 0; k < NADAPT; k++) {
            if (qnn_params_get(&q, model_adapt[k].key, tv, QNN_PARAMS_GET_MAX) != 0 ||
                !strcmp(tv, mm->value[to][k]))
                continue;
            trial = q;
            if (qnn_params_set(&trial, model_adapt[k].key, mm->value[to][k], err, sizeof err) == 0 &&
                qnn_session_check(u->s, &trial, err, sizeof err) == 0) {
                q = trial;
                restored[k] = 1;
            }
        }
    }
    /* queue the forced keys (their values are valid for every model),
     * then the model, then the restored values (valid for it) */
    for (int pass = 0; pass < 3; pass++) {
        for (size_t k = 0; k < NADAPT; k++) {
            const char *key = model_adapt[k].key, *val = NULL;
            if (pass == 0 && use[k])
                val = model_adapt[k].value;
            else if (pass == 2 && restored[k])
                val = mm->value[to][k];
            if (!val)
                continue;
            if (qnn_session_set(u->s, key, val, err, sizeof err) != 0) {
                snprintf(u->status, sizeof u->status, "%s", err);
                u->status_error = 1;
                free(tv);
                return -1;
            }
        }
        if (pass == 1 && qnn_session_set(u->s, "model", name, err, sizeof err) != 0) {
            snprintf(u->status, sizeof u->status, "%s", err);
            u->status_error = 1;
            free(tv);
            return -1;
        }
    }
    /* remember the values the model we leave had */
    if (from >= 0) {
        for (size_t k = 0; k < NADAPT; k++)
            if (qnn_params_get(&cur, model_adapt[k].key, tv, QNN_PARAMS_GET_MAX) == 0)
                snprintf(mm->value[from][k], MEMO_VALUE, "%s", tv);
        mm->have[from] = 1;
    }
    /* say what the switch changed besides the model, and why: the forced
     * keys each with the reason, then the values restored */
    size_t o = (size_t)snprintf(u->status, sizeof u->status, "model %s", name);
    int nchg = 0;
    for (int pass = 0; pass < 2; pass++) {
        int here = 0;
        for (size_t k = 0; k < NADAPT && o < sizeof u->status; k++) {
            char was[MEMO_VALUE], now[MEMO_VALUE];
            if ((pass == 0) == (restored[k] != 0) || qnn_params_get(&cur, model_adapt[k].key, tv, QNN_PARAMS_GET_MAX) != 0)
                continue;
            snprintf(was, sizeof was, "%s", tv);
            if (qnn_params_get(&q, model_adapt[k].key, tv, QNN_PARAMS_GET_MAX) != 0)
                continue;
            snprintf(now, sizeof now, "%s", tv);
            if (!strcmp(was, now))
                continue;
            o += (size_t)snprintf(u->status + o, sizeof u->status - o, "%s%s %s → %s", nchg == 0 ? ": " : pass == 0 || here == 0 ? "; " : ", ",
                                  model_adapt[k].key, was, now);
            if (pass == 0 && o < sizeof u->status)
                o += (size_t)snprintf(u->status + o, sizeof u->status - o, " (%s)", why[k]);
            nchg++;
            here++;
        }
        if (pass == 1 && here && o < sizeof u->status)
            o += (size_t)snprintf(u->status + o, sizeof u->status - o, " (back to the values %s had)", name);
    }
    if (!nchg)
        snprintf(u->status, sizeof u->status, "model = %s", name);
    free(tv);
    u->status_error = 0;
    pins_relabel(u);
    return 0;
}

/* ---------------------------------------------------------------------- */
/* Pins (key p)                                                           */

/* Keys a pin's label never names: how a run is shown or recorded, not
 * what it computes. */
static const char *const label_skip[] = {
    "threads", "instances", "steps", "title", "figure", "curve", "stats",
    "record_every", "record_residuals", "kernel_every", "entropy_every",
};

/* A key's name in plot markup: the slider's label, or the name with its
 * underscores escaped (hessian_budget is no subscript). */
static void key_markup(const char *key, char *buf, size_t len)
{
    for (int j = 0; j < LIVE_NSLIDERS; j++)
        if (is_key(j, key)) {
            snprintf(buf, len, "%s", live_sliders[j].label);
            return;
        }
    size_t o = 0;
    for (const char *c = key; *c && o + 3 < len; c++) {
        if (*c == '_' || *c == '^' || *c == '{' || *c == '}' || *c == '\\')
            buf[o++] = '\\';
        buf[o++] = *c;
    }
    buf[o] = 0;
}

/* The labels of the pins: each names its values of the keys in which the
 * pins and the current run differ ("η = 0.002, L = 16"), or "pin k: step
 * N" when nothing differs; a label two pins would share gets the step. */
static void pins_relabel(live_ui *u)
{
    if (!u || u->npins == 0)
        return;
    size_t nk;
    const qnn_key_info *keys = qnn_params_keys(&nk);
    qnn_params cur;
    qnn_session_requested(u->s, &cur);
    char *a = malloc(QNN_PARAMS_GET_MAX), *b = malloc(QNN_PARAMS_GET_MAX);
    for (int k = 0; k < u->npins; k++)
        u->pins[k].label[0] = 0;
    for (size_t i = 0; a && b && i < nk; i++) {
        const char *key = keys[i].name;
        int skip = 0;
        for (size_t j = 0; j < sizeof label_skip / sizeof label_skip[0]; j++)
            skip |= !strcmp(key, label_skip[j]);
        if (skip || qnn_params_get(&cur, key, b, QNN_PARAMS_GET_MAX) != 0)
            continue;
        int differ = 0;
        for (int k = 0; k < u->npins && !differ; k++)
            differ = qnn_params_get(&u->pins[k].sn->params, key, a, QNN_PARAMS_GET_MAX) == 0 && strcmp(a, b);
        /* ... or two pins differ from each other (the current run agrees
         * with one of them) */
        for (int k = 1; k < u->npins && !differ; k++) {
            char *c = b;
            if (qnn_params_get(&u->pins[0].sn->params, key, c, QNN_PARAMS_GET_MAX) != 0 ||
                qnn_params_get(&u->pins[k].sn->params, key, a, QNN_PARAMS_GET_MAX) != 0)
                break;
            differ = strcmp(a, c) != 0;
        }
        if (!differ)
            continue;
        char name[64];
        key_markup(key, name, sizeof name);
        for (int k = 0; k < u->npins; k++) {
            live_pin *pn = &u->pins[k];
            if (qnn_params_get(&pn->sn->params, key, a, QNN_PARAMS_GET_MAX) != 0)
                continue;
            char v[40];
            if (keys[i].type == QNN_KEY_DOUBLE) {
                double x = strtod(a, NULL);
                snprintf(v, sizeof v, "%.4g", x);
            } else {
                snprintf(v, sizeof v, "%.24s%s", a, strlen(a) > 24 ? "…" : "");
            }
            size_t o = strlen(pn->label);
            if (o + strlen(name) + strlen(v) + 8 < sizeof pn->label)
                snprintf(pn->label + o, sizeof pn->label - o, "%s%s = %s", o ? ", " : "", name, v);
        }
    }
    free(a);
    free(b);
    for (int k = 0; k < u->npins; k++) {
        live_pin *pn = &u->pins[k];
        if (!pn->label[0])
            snprintf(pn->label, sizeof pn->label, "pin %d: step %ld", k + 1, pn->step);
    }
    int dup[LIVE_MAX_PINS] = {0};
    for (int k = 0; k < u->npins; k++)
        for (int j = 0; j < u->npins; j++)
            dup[k] |= j != k && !strcmp(u->pins[j].label, u->pins[k].label);
    for (int k = 0; k < u->npins; k++)
        if (dup[k]) {
            live_pin *pn = &u->pins[k];
            size_t o = strlen(pn->label);
            if (o + 40 < sizeof pn->label)
                snprintf(pn->label + o, sizeof pn->label - o, " (pin %d, step %ld)", k + 1, pn->step);
        }
}

static void pin_clear(live_pin *pn)
{
    qnn_snapshot_release(pn->sn);
    free(pn->log);
    memset(pn, 0, sizeof *pn);
}

void live_pins_free(live_ui *u)
{
    for (int k = 0; k < u->npins; k++)
        pin_clear(&u->pins[k]);
    u->npins = 0;
}

int live_pin_add(live_ui *u, const qnn_snapshot *sn, const qnn_params *base, const qnn_change *log, size_t nlog,
                 long step, char *dropped, size_t droppedlen)
{
    if (dropped && droppedlen)
        dropped[0] = 0;
    qnn_change *copy = NULL;
    if (nlog) {
        copy = malloc(nlog * sizeof *copy);
        if (!copy)
            return -1;
        memcpy(copy, log, nlog * sizeof *copy);
    }
    if (u->npins == LIVE_MAX_PINS) {
        if (dropped && droppedlen)
            snprintf(dropped, droppedlen, "%s", u->pins[0].label);
        pin_clear(&u->pins[0]);
        memmove(&u->pins[0], &u->pins[1], (LIVE_MAX_PINS - 1) * sizeof u->pins[0]);
        memset(&u->pins[LIVE_MAX_PINS - 1], 0, sizeof u->pins[0]);
        u->npins--;
    }
    live_pin *pn = &u->pins[u->npins++];
    memset(pn, 0, sizeof *pn);
    pn->sn = sn;
    pn->base = *base;
    pn->log = copy;
    pn->nlog = nlog;
    pn->step = step;
    pins_relabel(u);
    return 0;
}

/* Key p: holds the latest snapshot of the run with what replays it (the
 * changes logged up to its step). */
static void pin_current(live_ui *u)
{
    const qnn_snapshot *sn = qnn_session_acquire(u->s);
    if (sn->nrec == 0 || sn->busy) {
        snprintf(u->status, sizeof u->status, "nothing to pin yet (%s); allowed: p once the run has taken steps",
                 sn->busy ? (sn->target_step >= 0 ? "the shared state is still replaying" : "the instances are being built")
                          : "no step taken");
        u->status_error = 0;
        qnn_snapshot_release(sn);
        return;
    }
    qnn_params base;
    qnn_change *log = NULL;
    size_t n = 0;
    long step = 0;
    if (qnn_session_log(u->s, &base, &log, &n, &step) != 0) {
        qnn_snapshot_release(sn);
        snprintf(u->status, sizeof u->status, "pin: out of memory");
        u->status_error = 1;
        return;
    }
    /* the worker may have gone on since the snapshot: its own step, and
     * the changes that took effect by then */
    size_t keep = 0;
    while (keep < n && log[keep].step <= sn->step)
        keep++;
    char dropped[160];
    if (live_pin_add(u, sn, &base, log, keep, sn->step, dropped, sizeof dropped) != 0) {
        free(log);
        qnn_snapshot_release(sn);
        snprintf(u->status, sizeof u->status, "pin: out of memory");
        u->status_error = 1;
        return;
    }
    free(log);
    const live_pin *pn = &u->pins[u->npins - 1];
    size_t o = (size_t)snprintf(u->status, sizeof u->status, "pinned run %d at step %ld (%s)", u->npins, pn->step, pn->label);
    if (dropped[0] && o < sizeof u->status)
        snprintf(u->status + o, sizeof u->status - o, "; the oldest pin (%s) was dropped: at most %d pins", dropped, LIVE_MAX_PINS);
    u->status_error = 0;
}

static void set_model(live_ui *u, int dir)
{
    qnn_params req;
    qnn_session_requested(u->s, &req);
    int k = 0;
    const int nm = live_model_count();
    for (int i = 0; i < nm; i++)
        if (live_model_at(i) == req.model)
            k = i;
    /* skip models the current size cannot run (the message of the last
     * refusal is kept when none can) */
    for (int t = 1; t < nm; t++)
        if (live_set_model(u, ((k + dir * t) % nm + nm) % nm) == 0)
            return;
}

int live_do(live_ui *u, live_action a)
{
    qnn_params req;
    qnn_session_requested(u->s, &req);
    const int f = u->focus;
    char err[512];
    switch (a) {
    case LIVE_PLAY: {
        const qnn_snapshot *sn = qnn_session_acquire(u->s);
        int playing = sn->playing;
        qnn_snapshot_release(sn);
        qnn_session_play(u->s, !playing);
        snprintf(u->status, sizeof u->status, "%s", playing ? "paused" : "playing");
        u->status_error = 0;
        return 1;
    }
    case LIVE_STEP:
        qnn_session_play(u->s, 0);
        qnn_session_single_step(u->s);
        return 1;
    case LIVE_RESET:
        qnn_session_reset(u->s);
        snprintf(u->status, sizeof u->status, "reset");
        u->status_error = 0;
        return 1;
    case LIVE_RESEED: {
        char v[32];
        snprintf(v, sizeof v, "%llu", (unsigned long long)(req.seed + 1));
        if (qnn_session_set(u->s, "seed", v, err, sizeof err) != 0) {
            snprintf(u->status, sizeof u->status, "%s", err);
            u->status_error = 1;
        } else {
            snprintf(u->status, sizeof u->status, "seed = %s", v);
            u->status_error = 0;
        }
        return 1;
    }
    case LIVE_HELP: u->help = !u->help; return 1;
    case LIVE_TDIST: u->show_tdist = !u->show_tdist; return 1;
    case LIVE_HESSIAN: {
        const char *v = req.hessian == QNN_HESS_OFF ? "auto" : "off";
        if (qnn_session_set(u->s, "hessian", v, err, sizeof err) != 0) {
            snprintf(u->status, sizeof u->status, "%s", err);
            u->status_error = 1;
        } else {
            snprintf(u->status, sizeof u->status, "hessian = %s", v);
            u->status_error = 0;
        }
        return 1;
    }
    case LIVE_MODEL_NEXT: set_model(u, 1); return 1;
    case LIVE_MODEL_PREV: set_model(u, -1); return 1;
    case LIVE_FOCUS_NEXT: u->focus = (f + 1) % LIVE_NSLIDERS; return 1;
    case LIVE_FOCUS_PREV: u->focus = (f + LIVE_NSLIDERS - 1) % LIVE_NSLIDERS; return 1;
    case LIVE_FINE_UP: case LIVE_FINE_DOWN: case LIVE_COARSE_UP: case LIVE_COARSE_DOWN: {
        int dir = a == LIVE_FINE_UP || a == LIVE_COARSE_UP ? 1 : -1;
        int coarse = a == LIVE_COARSE_UP || a == LIVE_COARSE_DOWN;
        double v = live_slider_value(u, f, &req);
        double n = live_slider_step(f, v, dir, coarse);
        const live_slider_def *d = &live_sliders[f];
        /* the keys move within the slider's range; type beyond it */
        if (n < d->lo) n = d->lo;
        if (n > d->hi) n = d->hi;
        if (n != v)
            live_slider_set(u, f, n);
        return 1;
    }
    case LIVE_MIN: live_slider_set(u, f, live_sliders[f].lo); return 1;
    case LIVE_MAX: live_slider_set(u, f, live_sliders[f].hi); return 1;
    case LIVE_ENTRY:
        u->entry = 1;
        u->entry_buf[0] = 0;
        snprintf(u->status, sizeof u->status, "type a value for %s, Enter to apply, Esc to cancel", live_sliders[f].key);
        u->status_error = 0;
        return 1;
    case LIVE_SCALE_UP: u->scale = fmin(3.0, u->scale * 1.25); return 1;
    case LIVE_SCALE_DOWN: u->scale = fmax(0.6, u->scale / 1.25); return 1;
    case LIVE_SHARE: return live_share(u) == 0;
    case LIVE_CIRCUIT:
        if (!u->circuit_shown && !live_circuit_offered(&req)) {
            snprintf(u->status, sizeof u->status, "no circuit diagram: model %s has no gate-level circuit; allowed: model = circuit (a QASM file or an ansatz)",
                     qnn_model_name(req.model));
            u->status_error = 0;
            return 1;
        }
        u->circuit_shown = !u->circuit_shown;
        snprintf(u->status, sizeof u->status, "%s", u->circuit_shown ? "circuit diagram (↑ ↓ PgUp PgDn scroll, d or Esc closes)"
                                                                     : "circuit diagram closed");
        u->status_error = 0;
        return 1;
    case LIVE_PIN: pin_current(u); return 1;
    case LIVE_UNPIN:
        if (u->npins == 0)
            snprintf(u->status, sizeof u->status, "no pins to remove (p pins the current run)");
        else
            snprintf(u->status, sizeof u->status, "removed %d pin%s", u->npins, u->npins == 1 ? "" : "s");
        live_pins_free(u);
        u->status_error = 0;
        return 1;
    case LIVE_SEGMENTS: {
        static const char *const what[LIVE_OLD_NMODES] = {"dimmed", "hidden", "shown"};
        u->old_segments = (u->old_segments + 1) % LIVE_OLD_NMODES;
        snprintf(u->status, sizeof u->status, "earlier segments %s (o)", what[u->old_segments]);
        u->status_error = 0;
        return 1;
    }
    case LIVE_WINDOW:
        u->window = u->window ? 0 : LIVE_WINDOW_STEPS;
        if (u->window)
            snprintf(u->status, sizeof u->status, "time axes: the last %d steps (w: everything)", LIVE_WINDOW_STEPS);
        else
            snprintf(u->status, sizeof u->status, "time axes: everything (w: the last %d steps)", LIVE_WINDOW_STEPS);
        u->status_error = 0;
        return 1;
    case LIVE_CONVERGE_PAUSE:
        u->pause_converged = !u->pause_converged;
        qnn_session_set_pause_converged(u->s, u->pause_converged);
        snprintf(u->status, sizeof u->status, "%s", u->pause_converged ? "pauses when the run converges (u: keeps running)"
                                                                       : "keeps running when the run converges (u: pauses)");
        u->status_error = 0;
        return 1;
    case LIVE_TOUR_NEXT: case LIVE_TOUR_PREV: case LIVE_TOUR_TOGGLE:
        if (!u->tour) {
            snprintf(u->status, sizeof u->status, "no tour here; allowed: start one with `qnnlab tour` (or --tour)");
            u->status_error = 0;
        } else if (a == LIVE_TOUR_TOGGLE) {
            u->tour->shown = !u->tour->shown;
            snprintf(u->status, sizeof u->status, "tour text %s (i)", u->tour->shown ? "shown" : "hidden");
            u->status_error = 0;
        } else {
            live_tour_go(u, u->tour->cur + (a == LIVE_TOUR_NEXT ? 1 : -1));
        }
        return 1;
    default: return 0;
    }
}

void live_entry_char(live_ui *u, const char *text)
{
    for (const char *c = text; *c; c++) {
        if (!strchr("0123456789.eE-+", *c))
            continue;
        size_t n = strlen(u->entry_buf);
        if (n + 1 < sizeof u->entry_buf) {
            u->entry_buf[n] = *c;
            u->entry_buf[n + 1] = 0;
        }
    }
}

void live_entry_key(live_ui *u, const char *key)
{
    if (!strcmp(key, "Escape")) {
        u->entry = 0;
        snprintf(u->status, sizeof u->status, "cancelled");
        u->status_error = 0;
    } else if (!strcmp(key, "BackSpace")) {
        size_t n = strlen(u->entry_buf);
        if (n)
            u->entry_buf[n - 1] = 0;
    } else if (!strcmp(key, "Return")) {
        u->entry = 0;
        char *end;
        double v = strtod(u->entry_buf, &end);
        if (!u->entry_buf[0] || *end) {
            snprintf(u->status, sizeof u->status, "key '%s': value '%s' is not a number",
                     live_sliders[u->focus].key, u->entry_buf);
            u->status_error = 1;
            return;
        }
        live_slider_set(u, u->focus, v);
    }
}

int live_share(live_ui *u)
{
    qnn_params base;
    qnn_change *log = NULL;
    size_t n = 0;
    long step = 0;
    if (qnn_session_log(u->s, &base, &log, &n, &step) != 0) {
        snprintf(u->status, sizeof u->status, "share string: out of memory");
        u->status_error = 1;
        return -1;
    }
    char *str = NULL;
    qnn_share_pin pins[LIVE_MAX_PINS];
    for (int k = 0; k < u->npins; k++)
        pins[k] = (qnn_share_pin){&u->pins[k].base, u->pins[k].log, u->pins[k].nlog, u->pins[k].step};
    int rc = qnn_share_encode_pins(u->preset, &u->preset_params, &base, log, n, step, pins, (size_t)u->npins, &str);
    free(log);
    if (rc != 0 || !str) {
        snprintf(u->status, sizeof u->status, rc == -2 ? "share string: this state cannot be written as one (a value longer than 63 characters, or too many changes)"
                                                       : "share string: out of memory");
        u->status_error = 1;
        free(str);
        return -1;
    }
    if (strlen(str) >= sizeof u->share) {
        snprintf(u->status, sizeof u->status, "share string: %zu characters, longer than the %zu the face keeps; export (E) writes it to state.json",
                 strlen(str), sizeof u->share - 1);
        u->status_error = 1;
        free(str);
        return -1;
    }
    snprintf(u->share, sizeof u->share, "%s", str);
    free(str);
    snprintf(u->status, sizeof u->status, "share string copied: qnnlab gui --state %.200s", u->share);
    u->status_error = 0;
    return 0;
}

void live_view_of(const live_ui *u, live_view *v)
{
    memset(v, 0, sizeof *v);
    if (!u)
        return;
    v->show_tdist = u->show_tdist;
    v->old_segments = u->old_segments;
    v->window = u->window;
    v->pins = u->pins;
    v->npins = u->npins;
}

int live_refuse(live_ui *u, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(u->status, sizeof u->status, fmt, ap);
    va_end(ap);
    u->status_error = 1;
    return -1;
}
