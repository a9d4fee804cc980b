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

/* ---------------------------------------------------------------------- */
/* Panels                                                                 */

void live_panel_plots(int k, int *first, int *count)
{
    static const int f[LIVE_NPANELS] = {0, 1, 3, 4}, c[LIVE_NPANELS] = {1, 2, 1, 1};
    *first = f[k];
    *count = c[k];
}

static plot_series *add(live_panels *lp, int k, const double *x, const double *y, size_t n,
                        plot_style st, int color, const char *label)
{
    plot_panel *p = &lp->p[k];
    if (p->nseries >= sizeof lp->ser[k] / sizeof lp->ser[k][0])
        return NULL;
    plot_series *s = &lp->ser[k][p->nseries++];
    memset(s, 0, sizeof *s);
    s->x = x; s->y = y; s->n = n; s->style = st; s->color = color; s->label = label;
    return s;
}

static void hline(live_panels *lp, int k, double v, const char *label)
{
    plot_panel *p = &lp->p[k];
    if (!isfinite(v) || p->nhlines >= 4)
        return;
    lp->hl[k][p->nhlines] = v;
    lp->hll[k][p->nhlines] = label;
    p->nhlines++;
}

static int any_finite(const double *y, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (isfinite(y[i]))
            return 1;
    return 0;
}

/* A theory line may fall to 10^-60 long after the run has floored: the
 * error panel p0 keeps at most 6 decades below the lowest measured value
 * of sn, so the measured curves are not squashed (the lines leave through
 * the frame). */
static void floor_error_panel(plot_panel *p0, const qnn_snapshot *sn)
{
    const size_t n = sn->nrec, F = (size_t)sn->nfaint;
    double dmin = INFINITY;
    for (size_t k = 0; k < n * (F + 2); k++) {
        double v = k < n * F ? sn->err_inst[k] : k < n * (F + 1) ? sn->err_mean[k - n * F] : sn->err_geo[k - n * (F + 1)];
        if (isfinite(v) && v > 0)
            dmin = fmin(dmin, v);
    }
    double xlo, xhi, ylo, yhi;
    plot_panel_limits(p0, &xlo, &xhi, &ylo, &yhi);
    double floor_y = pow(10.0, floor(log10(dmin)) - 6.0);
    if (isfinite(dmin) && ylo < floor_y && yhi > floor_y) {
        p0->ymin = floor_y;
        p0->ymax = yhi;
    }
}

int live_panels_build(const qnn_snapshot *sn, int show_tdist, live_panels *lp)
{
    memset(lp, 0, sizeof *lp);
    const size_t n = sn->nrec, F = (size_t)sn->nfaint, R = (size_t)sn->ninst, m = (size_t)sn->m;
    /* derived arrays: marks (as x), eigen points (x, y for R m points),
     * their ascending mean, the λ_min points */
    size_t nb = sn->nmarks + 2 * R * m + 2 * m + 2 * R + 6 * n + 4;
    lp->buf = malloc(nb * sizeof(double));
    if (!lp->buf)
        return -1;
    double *marks = lp->buf, *ex = marks + sn->nmarks, *ey = ex + R * m, *mx = ey + R * m,
           *my = mx + m, *lx = my + m, *ly = lx + R, *th_rate = ly + R, *th_bound = th_rate + n,
           *e_geo = th_bound + n, *e_mean = e_geo + n, *e_amean = e_mean + n, *e_frozen = e_amean + n;
    for (size_t k = 0; k < sn->nmarks; k++)
        marks[k] = (double)sn->marks[k].step;
    for (int k = 0; k < LIVE_NPLOTS; k++) {
        lp->p[k].series = lp->ser[k];
        lp->p[k].hlines = lp->hl[k];
        lp->p[k].hline_labels = lp->hll[k];
        lp->p[k].xscale = PLOT_LINEAR;
        lp->p[k].yscale = PLOT_LINEAR;
    }
    const qnn_params *pp = &sn->params;
    /* the class shows its kernel per unit (the periodic QNN's K/p) */
    const int periodic = pp->model->kernel_unit != NULL;

    /* 0: the training error */
    plot_panel *p0 = &lp->p[0];
    snprintf(lp->title[0], sizeof lp->title[0], "%s — %s, R = %d", sn->use_loss ? "training loss" : "training error",
             qnn_model_name(pp->model), sn->ninst);
    p0->title = lp->title[0];
    p0->xlabel = "step t";
    p0->ylabel = sn->use_loss ? "L(t)" : sn->m > 1 ? "ε_{rms}(t)" : "|ε(t)|";
    p0->yscale = PLOT_LOG;
    p0->vmarks = marks;
    p0->nvmarks = sn->nmarks;
    for (size_t f = 0; f < F; f++)
        add(lp, 0, sn->t, sn->err_inst + f * n, n, PLOT_FAINT, -1, f == 0 ? "instances" : NULL);
    /* Bold: the statistic the segment's theory predicts. LIU23's rate
     * e^{−ηK̄t} is that of the geometric mean (ln|ε| averages to
     * ln|ε(0)| − ηK̄t; the mean of |ε| lies above, ruled by the slowest
     * instances), the YOU23 bound and the rest that of the mean. Beside
     * the noise floor E|ε(∞)|, a mean, the mean is drawn thin. The
     * frozen-kernel line takes the bold curve's statistic. */
    const int noise = isfinite(sn->noise_abs_eps) && !sn->use_loss;
    for (size_t k = 0; k < n; k++) {
        const int rate = sn->err_theory_kind[k] == QNN_THEORY_RATE;
        e_geo[k] = rate ? sn->err_geo[k] : NAN;
        e_mean[k] = rate ? NAN : sn->err_mean[k];
        e_amean[k] = rate && noise ? sn->err_mean[k] : NAN;
        e_frozen[k] = rate ? sn->err_frozen_geo[k] : sn->err_frozen[k];
    }
    if (any_finite(e_geo, n))
        add(lp, 0, sn->t, e_geo, n, PLOT_BOLD, 0,
            sn->use_loss ? "geometric mean L" : sn->m > 1 ? "geometric mean ε_{rms}" : "geometric mean |ε|");
    if (any_finite(e_amean, n))
        add(lp, 0, sn->t, e_amean, n, PLOT_LINE, 3, "mean |ε|");
    if (any_finite(e_mean, n) || !any_finite(e_geo, n))
        add(lp, 0, sn->t, e_mean, n, PLOT_BOLD, 0, "ensemble mean");
    /* the theory of each segment is the one of its model: one series per kind */
    for (int kind = QNN_THEORY_RATE; kind <= QNN_THEORY_BOUND; kind++) {
        double *y = kind == QNN_THEORY_RATE ? th_rate : th_bound;
        for (size_t k = 0; k < n; k++)
            y[k] = sn->err_theory_kind[k] == kind ? sn->err_theory[k] : NAN;
        if (any_finite(y, n))
            add(lp, 0, sn->t, y, n, kind == QNN_THEORY_RATE ? PLOT_DASHED : PLOT_DOTTED, kind == QNN_THEORY_RATE ? 1 : 3,
                kind == QNN_THEORY_RATE ? (sn->use_loss ? "L_{geo} e^{−2ηK̄t} (LIU23 Eq. 10)" : "|ε|_{geo} e^{−ηK̄t} (LIU23 Eq. 10)")
                                        : "bound 1/(c_0 + c_1 t)^{2} (YOU23 Thm. 3.2)");
    }
    if (any_finite(e_frozen, n))
        add(lp, 0, sn->t, e_frozen, n, PLOT_DOTTED, 2, "frozen kernel (I − ηK)^{t} r");
    hline(lp, 0, sn->noise_abs_eps, "E|ε(∞)| (LLJ Eq. 38)");
    if (sn->use_loss && any_finite(sn->test_err_mean, n))
        add(lp, 0, sn->t, sn->test_err_mean, n, PLOT_LINE, 3, "test loss (held-out rows)");
    floor_error_panel(p0, sn);
    if (isfinite(sn->rate) && sn->rate > 0) {
        snprintf(lp->note[0], sizeof lp->note[0], "ηK̄ = %.3g per step", sn->rate);
        p0->note = lp->note[0];
    }

    /* 1: kernel eigenvalues now */
    plot_panel *p1 = &lp->p[1];
    p1->title = sn->m > 1 ? "kernel eigenvalues now" : "QNTK of each instance now";
    p1->xlabel = sn->m > 1 ? "index k" : "instance";
    p1->ylabel = periodic ? "λ_{k}(K)/p" : sn->m > 1 ? "λ_{k}(K)" : "K";
    size_t ne = 0, nl = 0;
    for (size_t i = 0; i < R; i++)
        for (size_t j = 0; j < m; j++) {
            double v = sn->eig_now ? sn->eig_now[i * m + j] : NAN;
            if (!isfinite(v))
                continue;
            ex[ne] = sn->m > 1 ? (double)(j + 1) : (double)(i + 1);
            ey[ne++] = v;
            if (j == 0 && sn->m > 1) {
                lx[nl] = 1.0;
                ly[nl++] = v;
            }
        }
    for (size_t j = 0; j < m; j++) {
        double s = 0;
        int c = 0;
        for (size_t i = 0; i < R; i++) {
            double v = sn->eig_now ? sn->eig_now[i * m + j] : NAN;
            if (isfinite(v)) { s += v; c++; }
        }
        mx[j] = (double)(j + 1);
        my[j] = c ? s / c : NAN;
    }
    add(lp, 1, ex, ey, ne, PLOT_POINTS, -1, sn->m > 1 ? "each instance" : "K of each instance");
    if (sn->m > 1) {
        add(lp, 1, mx, my, m, PLOT_LINE_POINTS, 0, "mean over instances");
        add(lp, 1, lx, ly, nl, PLOT_POINTS, 5, "λ_{min}");
        hline(lp, 1, sn->lambda_min_pred, "λ_{min} of the mean kernel (LIU23 Eq. 21)");
        hline(lp, 1, sn->global_min_pred, "2γ^{2}(1 − 1/γ^{2}) (YOU23 Thm. 4.4)");
        p1->xmin = 0.5;
        p1->xmax = (double)m + 0.5;
    } else {
        hline(lp, 1, sn->Kbar, "K̄ exact mean (LIU23 Eq. 9)");
        p1->xmin = 0.5;
        p1->xmax = (double)R + 0.5;
        p1->ymin = 0;
    }
    if (ne == 0) {
        if (!sn->has_params && !qnn_model_has(pp->model, QNN_CAP_FLOW))
            snprintf(lp->note[1], sizeof lp->note[1], "no kernel: the %s model has no parameters", qnn_model_name(pp->model));
        else
            snprintf(lp->note[1], sizeof lp->note[1], "no kernel yet");
        p1->note = lp->note[1];
    }

    /* 2: kernel over time */
    plot_panel *p2 = &lp->p[2];
    p2->title = sn->m > 1 ? "smallest kernel eigenvalue λ_{min}(t)" : "QNTK K(t)";
    p2->xlabel = "step t";
    p2->ylabel = periodic ? (sn->m > 1 ? "λ_{min}/p" : "K/p") : sn->m > 1 ? "λ_{min}(K)" : "K(t)";
    p2->vmarks = marks;
    p2->nvmarks = sn->nmarks;
    for (size_t f = 0; f < F; f++)
        add(lp, 2, sn->t, sn->k_inst + f * n, n, PLOT_FAINT, -1, f == 0 ? "instances" : NULL);
    add(lp, 2, sn->t, sn->k_mean, n, PLOT_BOLD, 0, sn->m > 1 ? "mean λ_{min}" : "mean K");
    if (sn->m > 1 && any_finite(sn->kmax_mean, n))
        add(lp, 2, sn->t, sn->kmax_mean, n, PLOT_LINE, 4, "mean λ_{max}");
    if (sn->m > 1) {
        hline(lp, 2, sn->lambda_min_pred, "LIU23 Eq. 21");
        hline(lp, 2, sn->global_min_pred, "YOU23 Thm. 4.4");
    } else {
        hline(lp, 2, sn->Kbar, "K̄ (LIU23 Eq. 9)");
    }

    /* 3: entanglement of the visible qubits */
    plot_panel *p3 = &lp->p[3];
    p3->xlabel = "step t";
    p3->vmarks = marks;
    p3->nvmarks = sn->nmarks;
    const double *mean = show_tdist ? sn->d_mean : sn->s_mean, *inst = show_tdist ? sn->d_inst : sn->s_inst;
    if (show_tdist) {
        p3->title = "trace distance to I/D_{v}";
        p3->ylabel = "½‖ρ_{v} − I/D_{v}‖_{1}";
        hline(lp, 3, sn->tdist_bound, "½√(D_{v}/D_{h}) (OME Prop. 2)");
        p3->ymin = 0;
    } else {
        p3->title = "entanglement entropy of the visible qubits";
        p3->ylabel = pp->entropy_bits ? "S(ρ_{v}) [bits]" : "S(ρ_{v}) [nats]";
        hline(lp, 3, sn->max_entropy, "ln D_{v}");
        hline(lp, 3, sn->page, "Page value");
        p3->ymin = 0;
        if (isfinite(sn->max_entropy))
            p3->ymax = 1.12 * sn->max_entropy;
    }
    for (size_t f = 0; f < F; f++)
        add(lp, 3, sn->t, inst + f * n, n, PLOT_FAINT, -1, NULL);
    add(lp, 3, sn->t, mean, n, PLOT_BOLD, 0, NULL);
    if (!any_finite(mean, n)) {
        if (qnn_model_has(pp->model, QNN_CAP_FLOW))
            snprintf(lp->note[3], sizeof lp->note[3], "no state: the asymptotic dynamics evolves the measurement");
        else if (!qnn_model_has(pp->model, QNN_CAP_PURE_STATE) && !qnn_model_has(pp->model, QNN_CAP_MIXED_STATE))
            snprintf(lp->note[3], sizeof lp->note[3], "no quantum state: model %s", qnn_model_name(pp->model));
        else
            snprintf(lp->note[3], sizeof lp->note[3], "no entropy recorded yet");
        p3->note = lp->note[3];
        p3->ymax = 0;
    }

    /* 4: Hessian histogram */
    plot_panel *p4 = &lp->p[4];
    p4->title = "Hessian spectrum of the loss (instance 1)";
    p4->xlabel = "eigenvalue λ of ∇²L";
    p4->ylabel = "density";
    if (sn->hist_prev.valid) {
        snprintf(lp->label[4][0], sizeof lp->label[4][0], "step %ld", sn->hist_prev.step);
        add(lp, 4, sn->hist_prev.centre, sn->hist_prev.density, QNN_SESSION_HIST_BINS, PLOT_STEPS, -1, lp->label[4][0]);
    }
    if (sn->hist_now.valid) {
        snprintf(lp->label[4][1], sizeof lp->label[4][1], "step %ld (now)", sn->hist_now.step);
        add(lp, 4, sn->hist_now.centre, sn->hist_now.density, QNN_SESSION_HIST_BINS, PLOT_STEPS, 4, lp->label[4][1]);
        snprintf(lp->note[4], sizeof lp->note[4], "P = %zu, %s\nfraction > 0: %.3f\nerror proxy: %.3g",
                 sn->hist_now.dim, sn->hist_now.exact ? "exact" : "SLQ", sn->hist_now.frac_pos, sn->hist_now.proxy);
        p4->ymin = 0;
    } else if (!sn->has_params) {
        snprintf(lp->note[4], sizeof lp->note[4], "no parameters: model %s has no Hessian", qnn_model_name(pp->model));
    } else if (!sn->hessian_on) {
        snprintf(lp->note[4], sizeof lp->note[4], "Hessian off: press h");
    } else {
        snprintf(lp->note[4], sizeof lp->note[4], "computing the first spectrum ...");
    }
    p4->note = lp->note[4];
    p4->note_corner = PLOT_UPPER_LEFT;
    return 0;
}

void live_panels_free(live_panels *lp)
{
    free(lp->buf);
    lp->buf = NULL;
}
