/* What the two faces' event loops share (contracts in faceloop.h). */
#include "faceloop.h"
#include "qnn/file.h"
#include "qnn/text.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static volatile sig_atomic_t stop_sig;
static void (*volatile stop_wake)(void *ctx);
static const int stop_sigs[3] = {SIGINT, SIGTERM, SIGHUP};

static void on_stop(int sig)
{
    stop_sig = sig;
    void (*wake)(void *) = stop_wake;
    if (wake)
        wake(NULL);
}

void live_stop_install(live_stop *st, void (*wake)(void *ctx))
{
    stop_sig = 0;
    stop_wake = wake;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop;
    sigemptyset(&sa.sa_mask);
    for (int i = 0; i < 3; i++)
        sigaction(stop_sigs[i], &sa, &st->old[i]);
}

void live_stop_restore(const live_stop *st)
{
    for (int i = 0; i < 3; i++)
        sigaction(stop_sigs[i], &st->old[i], NULL);
}

int live_stop_signal(void)
{
    return stop_sig;
}

void live_stop_note(int sig)
{
    stop_sig = sig;
}

int live_sync_session(live_ui *u, const qnn_snapshot **sn, qnn_session **shown_s, int *tour_step)
{
    int changed = 0;
    const qnn_snapshot *now = qnn_session_acquire(u->s);
    if (u->s != *shown_s || !*sn || now->seq != (*sn)->seq) {
        qnn_snapshot_release(*sn);
        *sn = now;
        *shown_s = u->s;
        changed |= LIVE_SYNC_SNAPSHOT;
    } else
        qnn_snapshot_release(now);
    if (u->tour && u->tour->nsteps > 0 && u->tour->cur != *tour_step) {
        *tour_step = u->tour->cur;
        changed |= LIVE_SYNC_STEP;
    }
    return changed;
}

int live_pins_restore(live_ui *u, const qnn_share *sh, const qnn_session_opts *o, char *err, size_t errlen)
{
    qnn_session_opts so = *o;
    so.on_publish = NULL;
    so.ctx = NULL;
    so.playing = 0;
    for (size_t k = 0; k < sh->npins; k++) {
        const qnn_share_run *r = &sh->pins[k];
        qnn_params p = u->preset_params;
        char e[1024];
        qnn_session *s = NULL;
        if (qnn_share_apply_run_overrides(r, &p, e, sizeof e) != QNN_OK ||
            !(s = qnn_session_new(&p, &so, e, sizeof e)) ||
            qnn_session_replay(s, r->log, r->nlog, r->step, e, sizeof e) != QNN_OK) {
            snprintf(err, errlen, "share string: pin %zu: %s", k + 1, e);
            qnn_session_free(s);
            live_pins_free(u);
            return -1;
        }
        if (qnn_session_advance(s, r->step) != 0) {
            const qnn_snapshot *sn = qnn_session_acquire(s);
            snprintf(err, errlen, "share string: pin %zu cannot be replayed: %s", k + 1, sn->message);
            qnn_snapshot_release(sn);
            qnn_session_free(s);
            live_pins_free(u);
            return -1;
        }
        /* the base is the pin's parameters at step 0: those the session
         * logged (live-adjusted: instances, threads) */
        qnn_params base;
        qnn_change *log = NULL;
        size_t n = 0;
        long step = 0;
        const qnn_snapshot *sn = qnn_session_acquire(s);
        if (qnn_session_log(s, &base, &log, &n, &step) != 0 ||
            live_pin_add(u, sn, &base, r->log, r->nlog, sn->step, NULL, 0) != 0) {
            free(log);
            qnn_snapshot_release(sn);
            qnn_session_free(s);
            live_pins_free(u);
            snprintf(err, errlen, "share string: pin %zu: out of memory", k + 1);
            return -1;
        }
        free(log);
        qnn_session_free(s);    /* the held snapshot stays valid */
    }
    return 0;
}

int live_state_read(const char *arg, char **share, char *err, size_t errlen)
{
    *share = NULL;
    if (!strncmp(arg, "qnnlab:", 7)) {
        *share = strdup(arg);
        if (!*share) {
            snprintf(err, errlen, "--state: out of memory");
            return -1;
        }
        return 0;
    }
    char q[QNN_QUOTE_CAP(200)];
    qnn_text_quote(arg, strlen(arg), 200, q, sizeof q);
    const char *kind = NULL;
    FILE *f = qnn_file_open_read(arg, &kind);
    if (!f) {
        if (kind)
            snprintf(err, errlen, "--state: '%s' is %s, not a regular file; allowed: a share string (qnnlab:...) or a state.json written by export (E)",
                     q, kind);
        else
            snprintf(err, errlen, "--state: file '%s' cannot be read: %s; allowed: a share string (qnnlab:...) or a state.json written by export (E)",
                     q, strerror(errno));
        return -1;
    }
    json_error_t je;
    json_t *j = json_loadf(f, JSON_REJECT_DUPLICATES, &je);
    const int bad = ferror(f);
    fclose(f);
    if (!j) {
        if (bad)
            snprintf(err, errlen, "--state: file '%s' cannot be read; allowed: a readable state.json written by export (E)", q);
        else
            snprintf(err, errlen, "--state: file '%s' is not JSON (line %d: %s); allowed: a share string (qnnlab:...) or a state.json written by export (E)",
                     q, je.line, je.text);
        return -1;
    }
    json_t *sv = json_is_object(j) ? json_object_get(j, "share") : NULL;
    if (!json_is_string(sv) || !json_string_length(sv)) {
        snprintf(err, errlen, "--state: file '%s' has no share string (member \"share\"%s); allowed: a state.json written by export (E) with its \"share\"",
                 q, !sv ? " missing" : json_is_string(sv) ? " empty" : " not a string");
        json_decref(j);
        return -1;
    }
    *share = strdup(json_string_value(sv));
    json_decref(j);
    if (!*share) {
        snprintf(err, errlen, "--state: out of memory");
        return -1;
    }
    return 0;
}
