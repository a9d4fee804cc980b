/* The live session (session.h): a worker thread stepping an ensemble,
 * commands in a queue, immutable snapshots out. This file holds the life
 * cycle (new, start, advance, replay, free), the worker loop and the
 * instances (building them, their theory values); session_record.c the
 * history and the snapshots, session_cmd.c the commands and live changes
 * (session_impl.h). */
#include "session_impl.h"
#include "qnn/entangle.h"
#include "qnn/par.h"
#include "qnn/run.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

double qnn_ses_now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int qnn_ses_has_params(const qnn_params *p)
{
    return qnn_model_has(p->model, QNN_CAP_PARAMS);
}

/* The parameters the instances are built from: the live ensemble size, and
 * no Hessian for a model without parameters. */
void qnn_ses_live_params(qnn_params *p, int R)
{
    p->instances = R;
    p->threads = 1;
    if (!qnn_ses_has_params(p))
        p->hessian = QNN_HESS_OFF;
    if (p->model->live_params)
        p->model->live_params(p);
}

/* How a change of `key` applies: the class's answer (qnn_model_key_use),
 * with η, σ_θ and γ applied to the running instances where they can be. */
apply_kind qnn_ses_key_kind(const qnn_params *p, const char *key)
{
    if (!strcmp(key, "eta") || !strcmp(key, "sigma_theta") || !strcmp(key, "eta_per_L"))
        return APPLY_RATES;
    if (!strcmp(key, "gamma"))
        return APPLY_GAMMA;
    switch (qnn_model_key_use(p, key)) {
    case QNN_KEY_EXTEND: return APPLY_CONTINUE;
    case QNN_KEY_VIEW: return APPLY_VIEW;
    default: return APPLY_REBUILD;
    }
}

void qnn_ses_set_message(qnn_session *s, int error, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->message, sizeof s->message, fmt, ap);
    va_end(ap);
    s->message_error = error;
}

/* ------------------------------------------------------------------------ */
/* Instances                                                                */

void qnn_ses_free_instances(qnn_instance **inst, int R)
{
    if (!inst)
        return;
    for (int i = R; i-- > 0;)   /* borrowers before their lender */
        qnn_instance_free(inst[i]);
    free(inst);
}

void qnn_ses_free_seg(qnn_session *s)
{
    if (s->seg)
        for (int i = 0; i < s->R; i++) {
            free(s->seg[i].V);
            free(s->seg[i].lam);
            free(s->seg[i].c);
        }
    free(s->seg);
    s->seg = NULL;
}

/* Theory values of the current parameters from the instances' constants. */
void qnn_ses_compute_theory(qnn_session *s)
{
    const qnn_params *p = &s->p;
    double D = 0, L = 0, trO = 0, trO2 = 0, trO4 = 0, Hs = 0, ls = 0;
    for (int i = 0; i < s->R; i++) {
        qnn_consts c;
        qnn_instance_consts(s->inst[i], &c);
        D += c.D; L += c.L; trO += c.trO; trO2 += c.trO2; trO4 += c.trO4; Hs += c.H_op2_sum;
        ls += c.loss_scale;
    }
    D /= s->R; L /= s->R; trO /= s->R; trO2 /= s->R; trO4 /= s->R; Hs /= s->R; ls /= s->R;
    {
        qnn_consts c0;
        qnn_instance_consts(s->inst[0], &c0);
        s->dt = c0.dt;
    }
    s->loss_c = ls;
    s->D = D;
    s->trO2 = trO2;
    s->H_op2_sum = Hs;
    const double eta = qnn_params_eta(p);
    s->page = s->max_entropy = s->tdist_bound = NAN;
    qnn_live_theory t = { NAN, NAN, NAN, NAN, NAN, QNN_LIVE_PRED_NONE, 0, NULL };
    if (p->model->live_theory) {
        qnn_consts mean = { .D = D, .L = (int)L, .trO = trO, .trO2 = trO2, .trO4 = trO4, .H_op2_sum = Hs, .loss_scale = ls };
        p->model->live_theory(p, &mean, s->m, &t);
    }
    s->Kbar = t.Kbar;
    s->conc_kernel = t.conc_kernel;
    s->noise_abs_eps = t.noise_abs_eps;
    s->lambda_min_pred = t.lambda_min_pred;
    s->global_min_pred = t.global_min_pred;
    s->pred = t.pred;
    s->dqntk = t.dqntk;
    s->theory_note = t.note;
    const int pure = qnn_model_has(p->model, QNN_CAP_PURE_STATE);
    if (pure || qnn_model_has(p->model, QNN_CAP_MIXED_STATE)) {
        const int nv = qnn_params_visible(p);
        const double Dv = ldexp(1.0, nv), Dh = ldexp(1.0, p->n - nv);
        const double unit = p->entropy_bits ? 1.0 / M_LN2 : 1.0;
        s->max_entropy = log(Dv) * unit;
        if (pure) {
            s->page = qnn_page_entropy(Dv, Dh) * unit;
            s->tdist_bound = qnn_trace_distance_bound(Dv, Dh);
        }
    }
    /* r(t+1) − r(t) = −f K r(t) to first order in the step: the loss is
     * (c/2) Σ r² and θ −= η ∇loss, so f = η c (random c = 1, periodic
     * 1/m, mlp 1 with K in the training metric); the asymptotic dynamics
     * is dr/dt = −η K_asym r, f = η */
    s->lin_factor = qnn_model_has(p->model, QNN_CAP_FLOW) ? eta : eta * ls;
}

/* Builds R instances of np. keep_theta: copy the angles of the old
 * instances (the first min(L_old, L_new)). 0, or -1 with the message set
 * (the old instances are kept). */
int qnn_ses_rebuild(qnn_session *s, const qnn_params *np, int R, int keep_theta)
{
    char err[512] = "";
    qnn_params pp = *np;
    qnn_ses_live_params(&pp, R);
    qnn_instance **inst = calloc((size_t)R, sizeof *inst);
    if (!inst) {
        qnn_ses_set_message(s, 1, "out of memory for %d instances", R);
        return -1;
    }
    for (int i = 0; i < R; i++) {
        qnn_params pi = pp;
        if (i > 0)
            pi.hessian = QNN_HESS_OFF;   /* the live Hessian is instance 0's */
        const qnn_instance *lender = pp.resample == QNN_RESAMPLE_THETA && i > 0 ? inst[0] : NULL;
        inst[i] = qnn_instance_new_cancel(&pi, i, lender, &s->cancel, err, sizeof err);
        if (!inst[i]) {
            qnn_ses_free_instances(inst, i);
            if (atomic_load_explicit(&s->cancel, memory_order_relaxed))
                return QNN_SES_CANCELLED;
            qnn_ses_set_message(s, 1, "%s", err);
            return -1;
        }
    }
    if (keep_theta && s->inst)
        for (int i = 0; i < R && i < s->R; i++) {
            int L;
            const double *th = qnn_instance_theta(s->inst[i], &L);
            if (th && L > 0)
                qnn_instance_set_theta(inst[i], th, L);
        }
    int m = 1;
    qnn_instance_kernel(inst[0], &m);
    int *dead = calloc((size_t)R, sizeof *dead);
    qnn_obs *obs = calloc((size_t)R, sizeof *obs);
    double *eig = malloc((size_t)R * (size_t)m * sizeof *eig);
    seg_inst *seg = calloc((size_t)R, sizeof *seg);
    int ok = dead && obs && eig && seg;
    for (int i = 0; ok && i < R; i++) {
        seg[i].V = malloc((size_t)m * (size_t)m * sizeof(double));
        seg[i].lam = malloc((size_t)m * sizeof(double));
        seg[i].c = malloc((size_t)m * sizeof(double));
        ok = seg[i].V && seg[i].lam && seg[i].c;
    }
    if (!ok) {
        if (seg)
            for (int i = 0; i < R; i++) {
                free(seg[i].V); free(seg[i].lam); free(seg[i].c);
            }
        free(seg); free(dead); free(obs); free(eig);
        qnn_ses_free_instances(inst, R);
        qnn_ses_set_message(s, 1, "out of memory for %d instances", R);
        return -1;
    }
    qnn_ses_free_seg(s);
    qnn_ses_free_instances(s->inst, s->R);
    free(s->dead);
    free(s->obs);
    free(s->eig_now);
    s->inst = inst;
    s->dead = dead;
    s->obs = obs;
    s->seg = seg;
    s->eig_now = eig;
    for (size_t k = 0; k < (size_t)R * (size_t)m; k++)
        eig[k] = NAN;
    s->R = R;
    s->m = m;
    /* new instances upload their spectrum at their first evaluation: the
     * proxy waits for it */
    qnn_spectrum_free(&s->up);
    s->nfaint = R < QNN_SESSION_MAX_FAINT ? R : QNN_SESSION_MAX_FAINT;
    s->p = pp;
    s->stale = 0;
    s->ndiverged = 0;
    s->seg_pending = 1;
    qnn_hess_sched_init(&s->sched, pp.hessian_every > 0 ? pp.hessian_every : 1, pp.hessian_budget);
    qnn_ses_compute_theory(s);
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Life cycle                                                               */

void qnn_session_opts_default(qnn_session_opts *o)
{
    memset(o, 0, sizeof *o);
    o->instances = 16;
    o->steps_per_frame = 1;
    o->frame_hz = 60.0;
    o->playing = 1;
}

qnn_session *qnn_session_new(const qnn_params *p, const qnn_session_opts *o, char *err, size_t errlen)
{
    qnn_session_opts oo;
    if (o)
        oo = *o;
    else
        qnn_session_opts_default(&oo);
    if (oo.instances < 1 || oo.instances > QNN_SESSION_MAX_INSTANCES) {
        qnn_fail(err, errlen, QNN_E_KEY_RANGE, "key 'instances': value '%d' is out of range for the live view; allowed: 1 .. %d",
                 oo.instances, QNN_SESSION_MAX_INSTANCES);
        return NULL;
    }
    if (oo.steps_per_frame < 1 || oo.steps_per_frame > QNN_SESSION_MAX_STEPS_PER_FRAME) {
        qnn_fail(err, errlen, QNN_E_KEY_RANGE, "steps per frame: value '%d' is out of range; allowed: 1 .. %d",
                 oo.steps_per_frame, QNN_SESSION_MAX_STEPS_PER_FRAME);
        return NULL;
    }
    if (!(oo.frame_hz >= 1.0 && oo.frame_hz <= 1000.0))
        oo.frame_hz = 60.0;
    qnn_params q = *p;
    q.instances = oo.instances;
    if (qnn_ses_live_check(&q, oo.instances, oo.mem_limit, err, errlen) != 0)
        return NULL;
    qnn_session *s = calloc(1, sizeof *s);
    if (!s) {
        qnn_fail(err, errlen, QNN_E_NOMEM, "out of memory");
        return NULL;
    }
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    atomic_init(&s->cancel, 0);
    atomic_init(&s->pause_conv, oo.pause_converged != 0);
    s->o = oo;
    qnn_ses_live_params(&q, oo.instances);
    s->p = q;
    s->requested = q;
    s->base = q;
    s->playing = oo.playing;
    s->spf = oo.steps_per_frame;
    s->target = -1;
    s->hist = malloc(QNN_SESSION_HIST_CAP * sizeof *s->hist);
    s->fhist = malloc((size_t)QNN_SESSION_HIST_CAP * QNN_SESSION_MAX_FAINT * sizeof *s->fhist);
    s->cur = calloc(1, sizeof *s->cur);
    if (!s->hist || !s->fhist || !s->cur) {
        qnn_fail(err, errlen, QNN_E_NOMEM, "out of memory");
        qnn_session_free(s);
        return NULL;
    }
    s->conv_rel = oo.converge_rel > 0 ? oo.converge_rel : QNN_SESSION_CONVERGE_REL;
    s->proxy_now = NAN;
    s->cur->refs = 1;
    s->cur->params = q;
    s->cur->diverged_step = -1;
    s->cur->target_step = -1;
    s->cur->converged_step = -1;
    s->cur->converge_rel = s->conv_rel;
    s->cur->converged_err = NAN;
    /* one segment, from step 0, before the first build too */
    s->cur->block = calloc(1, sizeof(qnn_snap_segment));
    if (!s->cur->block) {
        qnn_fail(err, errlen, QNN_E_NOMEM, "out of memory");
        qnn_session_free(s);
        return NULL;
    }
    s->cur->seg = s->cur->block;
    s->cur->nseg = 1;
    s->cur->seg[0].rebuilt = 1;
    snprintf(s->cur->seg[0].model, sizeof s->cur->seg[0].model, "%s", qnn_model_name(q.model));
    {
        const double nan = NAN;
        qnn_snap_segment *g = &s->cur->seg[0];
        g->Kbar = g->rate = g->noise_abs_eps = g->lambda_min_pred = g->global_min_pred = nan;
        g->page = g->max_entropy = g->tdist_bound = nan;
        g->kernel_div = 1.0;
        g->has_params = qnn_ses_has_params(&q);
        g->use_loss = q.curve == QNN_CURVE_LOSS;
    }
    s->cur->busy = 1;
    s->cur->playing = oo.playing;
    s->R = 0;
    qnn_ses_clear_history(s);
    snprintf(s->cur->message, sizeof s->cur->message, "building %d instances", oo.instances);
    return s;
}

void qnn_ses_mark_stale(qnn_session *s, const qnn_params *np, int keep_theta)
{
    if (!s->stale) {
        s->stale_old = s->p;
        s->stale_keep = keep_theta;
    } else {
        s->stale_keep = s->stale_keep && keep_theta;
    }
    s->stale = 1;
    s->p = *np;
    qnn_ses_live_params(&s->p, np->instances);
}

int qnn_ses_ensure_built(qnn_session *s)
{
    if (s->inst && s->stale) {
        int rc = qnn_ses_rebuild(s, &s->p, s->p.instances, s->stale_keep);
        if (rc == -1) {
            /* the message says why; the instances' parameters stay */
            s->p = s->stale_old;
            s->stale = 0;
            pthread_mutex_lock(&s->mu);
            s->requested = s->p;
            pthread_mutex_unlock(&s->mu);
        }
        return rc;
    }
    if (s->inst)
        return 0;
    int rc = qnn_ses_rebuild(s, &s->p, s->p.instances, 0);
    if (rc != 0)
        return rc;
    qnn_ses_clear_history(s);
    s->t_start = qnn_ses_now_s();
    if (!s->message[0])
        qnn_ses_set_message(s, 0, "%d instances of model %s", s->R, qnn_model_name(s->p.model));
    return 0;
}

qnn_status qnn_session_replay(qnn_session *s, const qnn_change *log, size_t n, long step, char *err, size_t errlen)
{
    qnn_change *c = malloc((n ? n : 1) * sizeof *c);
    if (!c)
        return qnn_fail(err, errlen, QNN_E_NOMEM, "out of memory");
    if (n)
        memcpy(c, log, n * sizeof *c);
    /* validate every change in order on a copy of the parameters */
    qnn_params q = s->p;
    for (size_t k = 0; k < n; k++) {
        qnn_status st;
        if ((st = qnn_params_set(&q, c[k].key, c[k].value, err, errlen)) != QNN_OK ||
            (st = qnn_ses_live_check(&q, s->o.instances, s->o.mem_limit, err, errlen)) != QNN_OK) {
            free(c);
            return st;
        }
        if (c[k].step > step || (k > 0 && c[k].step < c[k - 1].step)) {
            qnn_fail(err, errlen, QNN_E_FORMAT, "change %zu (%s = %s at step %ld) is out of order; allowed: non-decreasing steps up to %ld",
                     k + 1, c[k].key, c[k].value, c[k].step, step);
            free(c);
            return QNN_E_FORMAT;
        }
    }
    free(s->replay);
    s->replay = c;
    s->nreplay = n;
    s->ireplay = 0;
    s->target = step;
    s->playing = 0;
    pthread_mutex_lock(&s->mu);
    s->requested = q;
    pthread_mutex_unlock(&s->mu);
    return 0;
}

int qnn_session_advance(qnn_session *s, long n)
{
    qnn_ses_drain(s);
    if (qnn_ses_ensure_built(s) != 0) {
        qnn_ses_publish(s, 0, 0);
        return -1;
    }
    for (long k = 0; k < n; k++) {
        qnn_ses_replay_due(s);
        if (s->ndiverged == s->R || qnn_ses_step_once(s))
            break;
    }
    qnn_ses_replay_tail(s);
    if (s->target >= 0 && s->step >= s->target && s->ireplay >= s->nreplay)
        s->target = -1;     /* the replay is complete */
    qnn_ses_publish(s, s->playing, 0);
    return 0;
}

static void *worker(void *arg)
{
    qnn_session *s = arg;
    /* this one thread steps every instance in turn: each instance's
     * kernels may use every core (they split from n = 14 on; the results
     * do not depend on it) */
    qnn_par_set_threads(qnn_run_default_threads());
    const int built = qnn_ses_ensure_built(s);
    if (built != 0) {
        qnn_ses_publish(s, 0, 0);
        if (built != QNN_SES_CANCELLED)
            s->playing = 0;
    } else {
        qnn_ses_publish(s, s->playing, 0);
    }
    double next_frame = qnn_ses_now_s();
    for (;;) {
        pthread_mutex_lock(&s->mu);
        int quit = s->quit;
        pthread_mutex_unlock(&s->mu);
        if (quit)
            break;
        int changed = qnn_ses_drain(s);
        if (!s->inst ? changed : s->stale)
            qnn_ses_ensure_built(s);
        if (s->inst && !s->stale && qnn_ses_replay_tail(s))
            changed = 1;
        const int replaying = s->target >= 0 && s->step < s->target;
        int run = s->inst && !s->stale && s->ndiverged < s->R && (s->playing || s->single > 0 || replaying);
        if (s->target >= 0 && s->step >= s->target && s->ireplay >= s->nreplay) {
            s->target = -1;
            qnn_ses_set_message(s, 0, "restored the shared state at step %ld (paused)", s->step);
            changed = 1;
        }
        if (changed && run)
            /* what a command did shows at once, before a batch that may
             * be long (a Hessian) */
            qnn_ses_publish(s, s->playing && s->ndiverged < s->R, replaying);
        if (!run) {
            if (changed || s->steps_per_s != 0.0)
                qnn_ses_publish(s, 0, 0);
            pthread_mutex_lock(&s->mu);
            while (!s->quit && s->qn == 0)
                pthread_cond_wait(&s->cv, &s->mu);
            pthread_mutex_unlock(&s->mu);
            continue;
        }
        /* a batch: steps_per_frame steps (one when single-stepping), cut
         * short after 50 ms so commands and frames keep flowing; a replay
         * runs flat out, unpaced, in slices of 0.1 s (a snapshot after
         * each: its progress) */
        const double t0 = qnn_ses_now_s();
        long todo = replaying ? s->target - s->step : s->playing ? s->spf : 1;
        long done = 0;
        const int was_playing = s->playing;
        while (done < todo) {
            if (replaying)
                qnn_ses_replay_due(s);
            if (s->ndiverged == s->R || qnn_ses_step_once(s))
                break;   /* all diverged, or a command cancelled the step */
            done++;
            if (was_playing && !s->playing)
                break;   /* paused at convergence */
            double el = qnn_ses_now_s() - t0;
            if (el > (replaying ? 0.1 : 0.05))
                break;
            pthread_mutex_lock(&s->mu);
            int pending = s->qn > 0 || s->quit;
            pthread_mutex_unlock(&s->mu);
            if (pending)
                break;
        }
        if (!s->playing && !replaying && s->single > 0)
            s->single = 0;
        if (s->ndiverged == s->R && s->R > 0) {
            s->playing = 0;
            qnn_ses_set_message(s, 1, "every instance diverged (first at step %ld): lower eta and reset (r)", s->diverged_step);
        }
        qnn_ses_publish(s, s->playing && s->ndiverged < s->R, replaying);
        if (s->playing && !replaying) {
            /* pace to frame_hz */
            next_frame += 1.0 / s->o.frame_hz;
            double t = qnn_ses_now_s();
            if (next_frame < t - 0.1)
                next_frame = t;
            if (next_frame > t) {
                struct timespec ts;
                clock_gettime(CLOCK_REALTIME, &ts);
                double wait = next_frame - t;
                ts.tv_sec += (time_t)wait;
                ts.tv_nsec += (long)((wait - floor(wait)) * 1e9);
                if (ts.tv_nsec >= 1000000000L) {
                    ts.tv_sec++;
                    ts.tv_nsec -= 1000000000L;
                }
                pthread_mutex_lock(&s->mu);
                while (!s->quit && s->qn == 0) {
                    if (pthread_cond_timedwait(&s->cv, &s->mu, &ts) == ETIMEDOUT)
                        break;
                }
                pthread_mutex_unlock(&s->mu);
            }
        } else {
            next_frame = qnn_ses_now_s();
        }
    }
    return NULL;
}

qnn_status qnn_session_start(qnn_session *s, char *err, size_t errlen)
{
    if (s->started)
        return qnn_fail(err, errlen, QNN_E_STATE, "the session is already running");
    int rc = pthread_create(&s->th, NULL, worker, s);
    if (rc != 0)
        return qnn_fail(err, errlen, QNN_E_SYSTEM, "cannot start the worker thread: %s", strerror(rc));
    s->started = 1;
    return 0;
}

void qnn_session_free(qnn_session *s)
{
    if (!s)
        return;
    if (s->started) {
        pthread_mutex_lock(&s->mu);
        s->quit = 1;
        atomic_store_explicit(&s->cancel, 1, memory_order_relaxed);   /* a Hessian under way gives up */
        pthread_cond_broadcast(&s->cv);
        pthread_mutex_unlock(&s->mu);
        pthread_join(s->th, NULL);
    }
    qnn_ses_free_seg(s);
    qnn_ses_free_instances(s->inst, s->R);
    free(s->dead);
    free(s->obs);
    free(s->eig_now);
    free(s->hist);
    free(s->fhist);
    free(s->marks);
    free(s->segv);
    qnn_spectrum_free(&s->up);
    for (int b = 0; b < 2; b++) {
        free(s->spec[b].x);
        free(s->spec[b].w);
    }
    free(s->q);
    free(s->log);
    free(s->replay);
    qnn_snapshot_release(s->cur);
    pthread_cond_destroy(&s->cv);
    pthread_mutex_destroy(&s->mu);
    free(s);
}

