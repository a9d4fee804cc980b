/* Controls, panels, share string and help texts of the live faces. */
#include "live.h"
#include "qnn/file.h"
#include "qnn/share.h"
#include "qnn/text.h"

#include <errno.h>
#include <ini.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
    {"c or C", "share string (shown, copied by terminals that allow it, printed on exit)", T},
    {"+ −", "larger / smaller text (projector)", W},
    {"F11 or f", "full screen", W},
    {"mouse", "click a slider's track to set it, a tab or a panel to show it; wheel: fine", T},
    {"Ctrl+L", "redraw the screen", T},
    {"F1 or ?", "this help (for the panel under the pointer)", W},
    {"F1 or ?", "this help (↑ ↓ PgUp PgDn scroll, any other key closes)", T},
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
    (void)req;
    const live_slider_def *d = &live_sliders[i];
    if (is_key(i, "n_h"))
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
        if (v < 1 || v > QNN_SESSION_MAX_STEPS_PER_FRAME) {
            snprintf(u->status, sizeof u->status, "steps per frame: value '%.0f' is out of range; allowed: 1 .. %d",
                     v, QNN_SESSION_MAX_STEPS_PER_FRAME);
            u->status_error = 1;
            return -1;
        }
        qnn_session_set_speed(u->s, (int)v);
        snprintf(u->status, sizeof u->status, "steps per frame = %.0f", v);
        u->status_error = 0;
        return 0;
    }
    /* A slider's resolution: integers whole, other values to 6 significant
     * digits, as the nearest double of that decimal (so the share string's
     * log, which holds the decimal, replays the very value). The number
     * then crosses to the worker as it is. */
    if (d->scale == LIVE_INT || d->scale == LIVE_LOGINT)
        v = round(v);
    else {
        char six[32];
        snprintf(six, sizeof six, "%.6g", v);
        v = strtod(six, NULL);
    }
    char val[64], err[512];
    const char *key = live_slider_key(i, &req);
    if (qnn_session_set_number(u->s, key, v, err, sizeof err) != QNN_OK) {
        snprintf(u->status, sizeof u->status, "%s", err);
        u->status_error = 1;
        return -1;
    }
    qnn_params_number_text(key, v, val, sizeof val);
    snprintf(u->status, sizeof u->status, "%s = %s", key, val);
    u->status_error = 0;
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

int live_set_model(live_ui *u, int i)
{
    char err[512], first[512] = "";
    const char *name = qnn_model_name(live_model_at(i));
    qnn_params q;
    qnn_session_requested(u->s, &q);
    if (qnn_params_set(&q, "model", name, err, sizeof err) != 0) {
        snprintf(u->status, sizeof u->status, "%s", err);
        u->status_error = 1;
        return -1;
    }
    /* adapt, one key at a time, while the check refuses a key we know */
    int use[NADAPT] = {0};
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
        if (k == NADAPT || qnn_params_set(&q, model_adapt[k].key, model_adapt[k].value, err, sizeof err) != 0) {
            snprintf(u->status, sizeof u->status, "%s", first);
            u->status_error = 1;
            return -1;
        }
        use[k] = 1;
    }
    /* queue the adapted keys, then the model (each state on the way is
     * valid: the adapted values are valid for every model) */
    char done[256] = "";
    for (size_t k = 0; k < NADAPT; k++) {
        if (!use[k])
            continue;
        if (qnn_session_set(u->s, model_adapt[k].key, model_adapt[k].value, err, sizeof err) != 0) {
            snprintf(u->status, sizeof u->status, "%s", err);
            u->status_error = 1;
            return -1;
        }
        size_t n = strlen(done);
        snprintf(done + n, sizeof done - n, "%s%s = %s", n ? ", " : "", model_adapt[k].key, model_adapt[k].value);
    }
    if (qnn_session_set(u->s, "model", name, err, sizeof err) != 0) {
        snprintf(u->status, sizeof u->status, "%s", err);
        u->status_error = 1;
        return -1;
    }
    if (done[0])
        snprintf(u->status, sizeof u->status, "model = %s (first %s: the preset's values have no meaning for it)", name, done);
    else
        snprintf(u->status, sizeof u->status, "model = %s", name);
    u->status_error = 0;
    return 0;
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
    int rc = qnn_share_encode(u->preset, &u->preset_params, &base, log, n, step, &str);
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
