/* The live session's commands (session.h): the queue the UI fills (set,
 * play, step, reset, speed), the checks a change must pass first, the log
 * of changes (and the replay of one), and how the worker applies each key
 * as the model class's key_use says. */
#include "qnn/text.h"
#include "session_impl.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------ */
/* Commands                                                                 */

static int push(qnn_session *s, const cmd *c)
{
    if (s->qn == s->qcap) {
        size_t cap = s->qcap ? 2 * s->qcap : 32;
        cmd *q = realloc(s->q, cap * sizeof *q);
        if (!q)
            return -1;
        s->q = q;
        s->qcap = cap;
    }
    s->q[s->qn++] = *c;
    pthread_cond_signal(&s->cv);
    return 0;
}

static int log_change(qnn_session *s, const char *key, const char *value)
{
    pthread_mutex_lock(&s->mu);
    int rc = 0;
    if (s->nlog == s->logcap) {
        size_t cap = s->logcap ? 2 * s->logcap : 32;
        qnn_change *l = realloc(s->log, cap * sizeof *l);
        if (!l)
            rc = -1;
        else {
            s->log = l;
            s->logcap = cap;
        }
    }
    if (rc == 0) {
        qnn_change *c = &s->log[s->nlog++];
        c->step = s->step;
        snprintf(c->key, sizeof c->key, "%s", key);
        snprintf(c->value, sizeof c->value, "%s", value);
    }
    pthread_mutex_unlock(&s->mu);
    return rc;
}

/* Checks a parameter set for live use: its relations, the live models and
 * the memory of R instances. */
qnn_status qnn_ses_live_check(const qnn_params *p, int R, size_t mem_limit, char *err, size_t errlen)
{
    if (!qnn_model_has(p->model, QNN_CAP_LIVE)) {
        char live[512];
        size_t k = 0;
        live[0] = 0;
        for (size_t i = 0; i < qnn_model_count() && k < sizeof live; i++)
            if (qnn_model_has(qnn_model_at(i), QNN_CAP_LIVE))
                k += (size_t)snprintf(live + k, sizeof live - k, "%s%s", k ? ", " : "", qnn_model_at(i)->name);
        return qnn_fail(err, errlen, QNN_E_UNSUPPORTED, "key 'model': value '%s' has no live view; allowed here: %s; use `qnnlab run` for %s",
                 p->model->name, live, p->model->name);
    }
    qnn_params q = *p;
    qnn_ses_live_params(&q, R);
    qnn_status st = qnn_params_check(&q, 0, err, errlen);
    if (st != QNN_OK)
        return st;
    return qnn_params_check_live_memory(&q, R, mem_limit, err, errlen);
}

qnn_status qnn_session_check(qnn_session *s, const qnn_params *q, char *err, size_t errlen)
{
    int R = q->instances < 1 ? 1 : q->instances > QNN_SESSION_MAX_INSTANCES ? QNN_SESSION_MAX_INSTANCES : q->instances;
    pthread_mutex_lock(&s->mu);
    size_t lim = s->o.mem_limit;
    pthread_mutex_unlock(&s->mu);
    return qnn_ses_live_check(q, R, lim, err, errlen);
}

static int clamp_instances(int n)
{
    return n < 1 ? 1 : n > QNN_SESSION_MAX_INSTANCES ? QNN_SESSION_MAX_INSTANCES : n;
}

/* Queues c after checking the requested parameters with its change made
 * (q, or the status of making it). */
static qnn_status queue_set(qnn_session *s, cmd *c, qnn_params *q, char *err, size_t errlen)
{
    qnn_status st = qnn_ses_live_check(q, clamp_instances(q->instances), s->o.mem_limit, err, errlen);
    if (st == QNN_OK) {
        if (push(s, c) != 0)
            return qnn_fail(err, errlen, QNN_E_NOMEM, "out of memory for the command queue");
        qnn_ses_cancel_for(s, CMD_SET, &s->requested, c->key);
        s->requested = *q;
    }
    return st;
}

/* Raises the cancel flag when the command rebuilds the instances: what it
 * would wait for is thrown away. A SET is judged on the parameters the
 * queue has produced before it (the worker judges on the same ones). */
void qnn_ses_cancel_for(qnn_session *s, cmd_kind k, const qnn_params *p, const char *key)
{
    int rebuild = k == CMD_RESET;
    if (k == CMD_SET) {
        const apply_kind a = qnn_ses_key_kind(p, key);
        rebuild = a == APPLY_REBUILD || a == APPLY_CONTINUE || !strcmp(key, "instances") ||
                  (a == APPLY_GAMMA && !qnn_model_has(p->model, QNN_CAP_GAMMA));
    }
    if (rebuild)
        atomic_store_explicit(&s->cancel, 1, memory_order_relaxed);
}

qnn_status qnn_session_set(qnn_session *s, const char *key, const char *value, char *err, size_t errlen)
{
    cmd c = { .kind = CMD_SET };
    if (strlen(key) >= sizeof c.key || strlen(value) >= sizeof c.value)
    {
        char qk[QNN_QUOTE_CAP(40)], qv[QNN_QUOTE_CAP(40)];
        return qnn_fail(err, errlen, QNN_E_KEY_TYPE, "key '%s': value '%s' is too long; allowed: keys of %zu and values of %zu characters at most",
                        qnn_text_quote(key, strlen(key), 40, qk, sizeof qk), qnn_text_quote(value, strlen(value), 40, qv, sizeof qv),
                        sizeof c.key - 1, sizeof c.value - 1);
    }
    snprintf(c.key, sizeof c.key, "%s", key);
    snprintf(c.value, sizeof c.value, "%s", value);
    pthread_mutex_lock(&s->mu);
    qnn_params q = s->requested;
    qnn_status st = qnn_params_set(&q, key, value, err, errlen);
    if (st == QNN_OK)
        st = queue_set(s, &c, &q, err, errlen);
    pthread_mutex_unlock(&s->mu);
    return st;
}

qnn_status qnn_session_set_number(qnn_session *s, const char *key, double v, char *err, size_t errlen)
{
    cmd c = { .kind = CMD_SET, .typed = 1, .number = v };
    qnn_params_number_text(key, v, c.value, sizeof c.value);
    if (strlen(key) >= sizeof c.key)
    {
        char qk[QNN_QUOTE_CAP(40)];
        return qnn_fail(err, errlen, QNN_E_KEY_TYPE, "key '%s': value '%s' is too long; allowed: keys of %zu and values of %zu characters at most",
                        qnn_text_quote(key, strlen(key), 40, qk, sizeof qk), c.value, sizeof c.key - 1, sizeof c.value - 1);
    }
    snprintf(c.key, sizeof c.key, "%s", key);
    pthread_mutex_lock(&s->mu);
    qnn_params q = s->requested;
    qnn_status st = qnn_params_set_number(&q, key, v, err, errlen);
    if (st == QNN_OK)
        st = queue_set(s, &c, &q, err, errlen);
    pthread_mutex_unlock(&s->mu);
    return st;
}

static void push_simple(qnn_session *s, cmd_kind k, int arg)
{
    cmd c = { .kind = k, .arg = arg };
    pthread_mutex_lock(&s->mu);
    if (push(s, &c) == 0)
        qnn_ses_cancel_for(s, k, &s->requested, "");
    pthread_mutex_unlock(&s->mu);
}

void qnn_session_play(qnn_session *s, int playing) { push_simple(s, CMD_PLAY, playing != 0); }
void qnn_session_single_step(qnn_session *s) { push_simple(s, CMD_STEP, 1); }
void qnn_session_reset(qnn_session *s) { push_simple(s, CMD_RESET, 0); }

void qnn_session_set_speed(qnn_session *s, int spf)
{
    if (spf < 1)
        spf = 1;
    if (spf > QNN_SESSION_MAX_STEPS_PER_FRAME)
        spf = QNN_SESSION_MAX_STEPS_PER_FRAME;
    pthread_mutex_lock(&s->mu);
    s->o.steps_per_frame = spf;   /* what qnn_session_speed reports at once */
    cmd c = { .kind = CMD_SPEED, .arg = spf };
    push(s, &c);
    pthread_mutex_unlock(&s->mu);
}

void qnn_session_set_pause_converged(qnn_session *s, int on)
{
    atomic_store_explicit(&s->pause_conv, on != 0, memory_order_relaxed);
}

int qnn_session_speed(const qnn_session *s)
{
    qnn_session *w = (qnn_session *)s;
    pthread_mutex_lock(&w->mu);
    int v = w->o.steps_per_frame;
    pthread_mutex_unlock(&w->mu);
    return v;
}

void qnn_session_requested(qnn_session *s, qnn_params *out)
{
    pthread_mutex_lock(&s->mu);
    *out = s->requested;
    pthread_mutex_unlock(&s->mu);
}

int qnn_session_log(qnn_session *s, qnn_params *base, qnn_change **log, size_t *n, long *step)
{
    pthread_mutex_lock(&s->mu);
    *base = s->base;
    *n = s->nlog;
    *step = s->step_shared;
    if (s->nlog && s->log[s->nlog - 1].step > *step)
        *step = s->log[s->nlog - 1].step;
    *log = malloc((s->nlog ? s->nlog : 1) * sizeof **log);
    if (*log && s->nlog)
        memcpy(*log, s->log, s->nlog * sizeof **log);
    pthread_mutex_unlock(&s->mu);
    return *log ? 0 : -1;
}

/* The marker's text of a typed value: doubles to 6 digits ("0.002662",
 * not the round-trip "0.0026619999999999999"), integers whole (the text
 * path's rule, from the number). */
static void shown_number(const char *key, double v, char *buf, size_t len)
{
    const qnn_key_info *k = qnn_params_key(key);
    if (k && k->type == QNN_KEY_DOUBLE && !(v == floor(v) && fabs(v) < 1e17))
        snprintf(buf, len, "%.6g", v);
    else
        snprintf(buf, len, "%.0f", v);
}

/* The keys a change set, as a marker lists them (session_impl.h): the
 * named key first (its value as shown: `shown`), then every other key
 * whose value differs between a and b (one key can move another: n_h
 * moves n_v while n stays; a model without parameters turns the Hessian
 * off), in the order of the key table; the ensemble size and the thread
 * count are not keys of the run here. At most cap; the count (>= 1: the
 * named key even when its value did not change). */
static int changed_keys(const char *key, const char *shown, const qnn_params *a, const qnn_params *b,
                        mark_item *it, int cap)
{
    char *va = malloc(QNN_PARAMS_GET_MAX), *vb = malloc(QNN_PARAMS_GET_MAX);
    const qnn_key_info *named = qnn_params_key(key);
    const char *canon = named ? named->name : key;
    memset(&it[0], 0, sizeof it[0]);
    snprintf(it[0].key, sizeof it[0].key, "%s", canon);
    snprintf(it[0].to, sizeof it[0].to, "%s", shown);
    if (va && qnn_params_get(a, canon, va, QNN_PARAMS_GET_MAX) == 0)
        qnn_ses_shown_value(va, it[0].from, sizeof it[0].from);
    else
        snprintf(it[0].from, sizeof it[0].from, "?");
    int n = 1;
    size_t nk = 0;
    const qnn_key_info *keys = qnn_params_keys(&nk);
    for (size_t i = 0; va && vb && i < nk && n < cap; i++) {
        const char *k = keys[i].name;
        if (!strcmp(k, canon) || !strcmp(k, "instances") || !strcmp(k, "threads"))
            continue;
        if (qnn_params_get(a, k, va, QNN_PARAMS_GET_MAX) != 0 || qnn_params_get(b, k, vb, QNN_PARAMS_GET_MAX) != 0 ||
            !strcmp(va, vb))
            continue;
        memset(&it[n], 0, sizeof it[n]);
        snprintf(it[n].key, sizeof it[n].key, "%s", k);
        qnn_ses_shown_value(va, it[n].from, sizeof it[n].from);
        qnn_ses_shown_value(vb, it[n].to, sizeof it[n].to);
        n++;
    }
    free(va);
    free(vb);
    return n;
}

/* Applies one SET in the worker: `value` is the text (logged), `number`
 * the typed value when not NULL (applied as it is, never parsed). */
static void apply_set(qnn_session *s, const char *key, const char *value, const double *number)
{
    qnn_params q = s->p;
    char err[512];
    if ((number ? qnn_params_set_number(&q, key, *number, err, sizeof err)
                : qnn_params_set(&q, key, value, err, sizeof err)) != QNN_OK) {
        qnn_ses_set_message(s, 1, "%s", err);
        return;
    }
    if (!s->inst) {
        /* before the first step: part of the starting parameters */
        s->p = q;
        qnn_ses_live_params(&s->p, q.instances > QNN_SESSION_MAX_INSTANCES ? QNN_SESSION_MAX_INSTANCES : q.instances);
        pthread_mutex_lock(&s->mu);
        s->base = s->p;
        pthread_mutex_unlock(&s->mu);
        return;
    }
    const apply_kind k = qnn_ses_key_kind(&s->p, key);
    /* only the key `instances` changes the ensemble size (it rebuilds) */
    const int R = strcmp(key, "instances") ? s->R
                  : q.instances > QNN_SESSION_MAX_INSTANCES ? QNN_SESSION_MAX_INSTANCES : q.instances;
    q.instances = R;
    char shown[64];
    if (number)
        shown_number(key, *number, shown, sizeof shown);
    else {
        qnn_params_get(&q, key, shown, sizeof shown);
        /* the marker and the message show 6 digits ("0.002662", not the
         * round-trip "0.0026619999999999999"); integers stay whole */
        char *end;
        double v = strtod(shown, &end);
        if (end != shown && !*end && isfinite(v) && strpbrk(shown, ".eE"))
            snprintf(shown, sizeof shown, "%.6g", v);
    }
    int rc = 0, rebuilt = 0, fresh = 0;
    const char *how = "";
    const qnn_params before = s->p;
    qnn_snap_segment segb;
    qnn_ses_seg_values(s, &segb);
    if (k == APPLY_CONTINUE || k == APPLY_REBUILD) {
        /* the change shows at once; the build may take seconds */
        qnn_ses_set_message(s, 0, "%s = %s at step %ld: building %d instances", key, shown, s->step, R);
        qnn_ses_publish(s, s->playing, 1);
    }
    if (k == APPLY_RATES) {
        for (int i = 0; i < s->R; i++)
            qnn_instance_set_rates(s->inst[i], q.eta, q.eta_per_L, q.sigma_theta);
        s->p = q;
        qnn_ses_compute_theory(s);
        s->seg_pending = 1;
    } else if (k == APPLY_GAMMA && qnn_instance_set_gamma(s->inst[0], q.gamma) == 0) {
        for (int i = 1; i < s->R; i++)
            qnn_instance_set_gamma(s->inst[i], q.gamma);
        s->p = q;
        qnn_ses_compute_theory(s);
        s->seg_pending = 1;
    } else if (k == APPLY_VIEW) {
        s->p = q;
        qnn_ses_live_params(&s->p, s->R);
    } else if (k == APPLY_CONTINUE) {
        rc = qnn_ses_rebuild(s, &q, R, 1);
        if (rc == QNN_SES_CANCELLED)
            qnn_ses_mark_stale(s, &q, 1);
        how = " (circuit extended, angles kept)";
        if (strcmp(key, "L") && strcmp(key, "p"))
            how = "";
        rebuilt = 1;
    } else {
        rc = qnn_ses_rebuild(s, &q, R, 0);
        if (rc == QNN_SES_CANCELLED)
            qnn_ses_mark_stale(s, &q, 0);
        how = " (instances rebuilt)";
        rebuilt = fresh = 1;
    }
    if (rc == QNN_SES_CANCELLED)
        rc = 0;   /* in force; built before the next step */
    if (rc != 0) {
        /* the message says why; the parameters in force stay */
        pthread_mutex_lock(&s->mu);
        s->requested = s->p;
        pthread_mutex_unlock(&s->mu);
        return;
    }
    mark_item items[QNN_SES_MARK_ITEMS];
    const int n = changed_keys(key, shown, &before, &s->p, items, QNN_SES_MARK_ITEMS);
    if (k != APPLY_VIEW)
        qnn_ses_add_mark(s, &segb, items, n, rebuilt, fresh, NULL, 0);
    /* the message: this change, plain key names; the keys it forced */
    char msg[256];
    size_t o = (size_t)snprintf(msg, sizeof msg, "%s %s → %s at step %ld%s", items[0].key, items[0].from, items[0].to,
                                s->step, how);
    for (int i = 1; i < n && o < sizeof msg; i++)
        o += (size_t)snprintf(msg + o, sizeof msg - o, "%s%s %s → %s", i == 1 ? "; it also set " : ", ",
                              items[i].key, items[i].from, items[i].to);
    qnn_ses_set_message(s, 0, "%s", msg);
    log_change(s, key, value);
}

static void do_reset(qnn_session *s)
{
    if (s->inst) {   /* none yet: the worker builds them */
        const qnn_params np = s->p;
        qnn_ses_set_message(s, 0, "reset: building %d instances", np.instances);
        qnn_ses_publish(s, s->playing, 1);
        int rc = qnn_ses_rebuild(s, &np, np.instances, 0);
        if (rc == QNN_SES_CANCELLED)
            qnn_ses_mark_stale(s, &np, 0);
        else if (rc != 0)
            return;
    }
    qnn_ses_clear_history(s);
    pthread_mutex_lock(&s->mu);
    s->base = s->p;
    s->nlog = 0;
    pthread_mutex_unlock(&s->mu);
    qnn_ses_set_message(s, 0, "reset: step 0 with the current parameters");
}

/* Takes the queued commands and applies them. Returns 1 when a command was
 * applied. */
int qnn_ses_drain(qnn_session *s)
{
    pthread_mutex_lock(&s->mu);
    /* the commands the flag was raised for are taken now (a quit keeps it) */
    atomic_store_explicit(&s->cancel, s->quit, memory_order_relaxed);
    size_t n = s->qn;
    cmd *q = NULL;
    if (n) {
        q = malloc(n * sizeof *q);
        if (q) {
            memcpy(q, s->q, n * sizeof *q);
            s->qn = 0;
        } else {
            n = 0;
        }
    }
    pthread_mutex_unlock(&s->mu);
    for (size_t k = 0; k < n; k++) {
        switch (q[k].kind) {
        case CMD_SET: apply_set(s, q[k].key, q[k].value, q[k].typed ? &q[k].number : NULL); break;
        case CMD_PLAY: s->playing = q[k].arg; break;
        case CMD_STEP: s->single += q[k].arg; break;
        case CMD_RESET: do_reset(s); break;
        case CMD_SPEED: s->spf = q[k].arg; break;
        }
    }
    free(q);
    return n > 0;
}

/* Replay: the logged changes due at the current step. */
void qnn_ses_replay_due(qnn_session *s)
{
    while (s->ireplay < s->nreplay && s->replay[s->ireplay].step <= s->step) {
        const qnn_change *c = &s->replay[s->ireplay++];
        apply_set(s, c->key, c->value, NULL);
        pthread_mutex_lock(&s->mu);
        s->requested = s->p;
        pthread_mutex_unlock(&s->mu);
    }
}

/* Replay reached its step: the changes logged at that very step (made
 * while paused, after the last step) are due too. Returns 1 when some
 * were applied. */
int qnn_ses_replay_tail(qnn_session *s)
{
    if (s->target < 0 || s->step < s->target || s->ireplay >= s->nreplay)
        return 0;
    qnn_ses_replay_due(s);
    return 1;
}

