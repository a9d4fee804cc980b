/* What the files of the live session share (session.h is the API): the
 * command queue's entries, the history's records, the frozen-kernel
 * segment, the session itself, and the qnn_ses_ functions one file
 * defines and another calls. session.c: the life cycle, the worker and
 * the instances; session_record.c: the history, the segments and the
 * snapshots; session_cmd.c: the command queue and live changes.
 * Private to engine/src/session*.c. */
#ifndef QNN_SESSION_IMPL_H
#define QNN_SESSION_IMPL_H

#include "qnn/session.h"
#include "qnn/hessian.h"
#include "qnn/instance.h"
#include "qnn/model.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

typedef enum { CMD_SET, CMD_PLAY, CMD_STEP, CMD_RESET, CMD_SPEED } cmd_kind;

/* A SET carries the value's text (what the log keeps); a typed SET
 * (qnn_session_set_number) also the number itself, applied as it is. */
typedef struct cmd {
    cmd_kind kind;
    int arg;
    int typed;
    double number;
    char key[32];
    char value[64];
} cmd;

/* What happens when a key changes (see session.h). */
typedef enum { APPLY_RATES, APPLY_GAMMA, APPLY_CONTINUE, APPLY_VIEW, APPLY_REBUILD } apply_kind;

/* One record: the ensemble means, theory, instance 0's Hessian summary,
 * and the first nfaint instances. */
typedef struct rec {
    long step;
    double err, k, kmax, s, d;      /* means over live instances */
    double gerr;                    /* geometric mean of err */
    double th, frozen, gfrozen;     /* gfrozen: geometric mean of the frozen predictions */
    int thkind;
    double hfp, proxy;
    double acc, tacc, terr;         /* accuracies and the held-out error (means) */
} rec;

typedef struct frec { double err, k, s, d; } frec;

/* One change a marker lists: key `from` → `to` (values as shown, 6
 * digits), or, with key "", the free text `to` (a pruning). */
#define QNN_SES_MARK_ITEMS 12
typedef struct mark_item {
    char key[32];
    char from[48], to[64];
} mark_item;

/* Segment state of one instance for the frozen-kernel prediction:
 * r(s + k) = V diag(μ^k) Vᵀ r(s), μ = 1 − f λ. */
typedef struct seg_inst {
    double *V, *lam, *c;            /* m x m (row-major), m, m */
    int valid;
} seg_inst;

struct qnn_session {
    /* shared (under mu) */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_t th;
    int started, quit;
    /* raised (under mu) with quit and with every queued command that
     * rebuilds (reset, a key the class rebuilds for, the model): the
     * instances' long computations poll it and give up; cleared by the
     * worker when it takes the queue */
    atomic_int cancel;
    /* pause when the run converges (qnn_session_set_pause_converged) */
    atomic_int pause_conv;
    cmd *q;
    size_t qn, qcap;
    qnn_params requested;
    qnn_snapshot *cur;
    qnn_change *log;                /* appended by the worker under mu */
    size_t nlog, logcap;
    qnn_params base;
    long step_shared;               /* the worker's step, for qnn_session_log */
    /* worker */
    qnn_session_opts o;
    qnn_params p;
    int R, m, nfaint;
    qnn_instance **inst;
    /* stale: a rebuild was cancelled by a newer command; p holds the
     * parameters in force, inst those of stale_old: no step until a
     * rebuild (keep the angles: stale_keep) succeeds */
    int stale, stale_keep;
    qnn_params stale_old;
    int *dead;
    qnn_obs *obs;                   /* R, the last evaluation */
    long step;
    double flow_time;
    int playing, single, spf;
    long target;                    /* replay target step, -1 */
    qnn_change *replay;
    size_t nreplay, ireplay;
    /* history */
    size_t nrec;
    long interval;
    rec *hist;                      /* HIST_CAP */
    frec *fhist;                    /* HIST_CAP x MAX_FAINT */
    double *eig_now;                /* R x m */
    qnn_snap_mark *marks;
    size_t nmarks, markcap;
    /* the values of segment k (session.h, qnn_snap_segment) for k <
     * nmarks, frozen when marker k was added; the last segment's are the
     * current ones (taken when a snapshot is built). markcap + 1 */
    qnn_snap_segment *segv;
    /* the changes the last marker lists (a change at its step merges into
     * it), and whether one of them rebuilt the instances from their seeds */
    mark_item mitem[QNN_SES_MARK_ITEMS];
    int nmitem, mfresh;
    /* convergence of the current segment (session.h): the relative floor,
     * the statistic at the segment's first step (NaN: not yet taken), the
     * first step it converged at (-1) and the ratio there, the largest
     * value since the instances were built (the rounding floor's scale),
     * the last value it fell below half of and the step of that */
    double conv_rel, conv_e0, conv_ratio, conv_run_max, conv_ref;
    long conv_step, conv_ref_step;
    /* the Hessian spectrum of instance 0 as the snapshots give it (hnow's
     * and hprev's nodes and weights: spec[hcur] and spec[1 - hcur]), and
     * the last uploaded one with its step: the live error proxy's
     * (session.h) */
    qnn_spectrum spec[2];
    size_t spec_cap[2];
    int hcur;
    qnn_spectrum up;
    long up_step;
    double hfp_step;                /* the positive fraction taken at this step, else NaN */
    double proxy_now;               /* the live proxy at this step (session.h) */
    const char *proxy_note;         /* why it is NaN, or NULL */
    /* segment */
    int seg_pending;
    long seg_step;
    double seg_err, seg_loss, seg_abs_eps, seg_err_geo;
    seg_inst *seg;
    double lin_factor;              /* μ = 1 − lin_factor λ */
    /* theory */
    qnn_live_pred pred;             /* the class's prediction of the error curve */
    int dqntk;                      /* the LIU23 dQNTK ratio applies */
    const char *theory_note;
    double Kbar, noise_abs_eps, lambda_min_pred, global_min_pred, page, max_entropy,
           tdist_bound, conc_kernel, trO2, D, H_op2_sum, loss_c, dt;
    /* Hessian */
    qnn_hess_sched sched;
    qnn_snap_hist hnow, hprev;
    /* status */
    char message[256];
    int message_error;
    int ndiverged;
    long diverged_step;
    uint64_t seq;
    double rate_t0;
    long rate_s0;
    double steps_per_s;
    double t_start;
    int dirty;
};

/* session.c */
/* Seconds on CLOCK_MONOTONIC. */
double qnn_ses_now_s(void);
/* 1 when the model has trainable parameters. */
int qnn_ses_has_params(const qnn_params *p);
/* The parameters the instances are built from: the live ensemble size, and
 * no Hessian for a model without parameters. */
void qnn_ses_live_params(qnn_params *p, int R);
/* How a change of `key` applies: the class's answer (qnn_model_key_use),
 * with η, σ_θ and γ applied to the running instances where they can be. */
apply_kind qnn_ses_key_kind(const qnn_params *p, const char *key);
/* The status line of the next snapshot (error: shown as a refusal). */
void qnn_ses_set_message(qnn_session *s, int error, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void qnn_ses_free_instances(qnn_instance **inst, int R);
/* Frees the frozen-kernel segment of every instance. */
void qnn_ses_free_seg(qnn_session *s);
/* Theory values of the current parameters from the instances' constants. */
void qnn_ses_compute_theory(qnn_session *s);
/* Builds R instances of np. keep_theta: copy the angles of the old
 * instances (the first min(L_old, L_new)). 0, -1 with the message set
 * (the old instances are kept), or QNN_SES_CANCELLED: the cancel flag came
 * up (a newer command or quit; the old instances are kept, nothing set). */
int qnn_ses_rebuild(qnn_session *s, const qnn_params *np, int R, int keep_theta);
#define QNN_SES_CANCELLED (-2)
/* A rebuild to np (R = np->instances) was cancelled: np is in force from
 * now on and the instances are rebuilt before the next step. */
void qnn_ses_mark_stale(qnn_session *s, const qnn_params *np, int keep_theta);
/* Builds the instances when there are none or they are stale. 0, -1 with
 * the message set (a stale change is undone: the parameters of the
 * instances are in force again), or QNN_SES_CANCELLED. */
int qnn_ses_ensure_built(qnn_session *s);

/* session_record.c */
/* The values segment-wise reference lines and labels take, of the
 * parameters and theory in force now (session.h, qnn_snap_segment; step0,
 * rec0, rec1 and rebuilt are left 0). */
void qnn_ses_seg_values(const qnn_session *s, qnn_snap_segment *g);
/* A marker at the current step listing the n changes it (or, with a key
 * "", the free text in .to); `before`: the values of the segment it ends
 * (qnn_ses_seg_values before the change). rebuilt: the instances were
 * rebuilt; fresh: from their seeds (the text says "(rebuilt)"). A marker
 * at the step of the last one merges into it (one marker for the keys a
 * change applied together: a model switch with its adapted keys; a key
 * changed twice shows its first and last value); otherwise it begins a
 * new segment, whose convergence starts anew. The marker's text is
 * copied to `text` (may be NULL). */
void qnn_ses_add_mark(qnn_session *s, const qnn_snap_segment *before, const mark_item *items, int n,
                      int rebuilt, int fresh, char *text, size_t textlen);
/* The shown form of a value's text: numbers with a fraction or an
 * exponent to 6 digits ("0.0050000000000000001" → "0.005"), the rest as
 * it is, cut (at a character) to fit len. */
void qnn_ses_shown_value(const char *text, char *buf, size_t len);
/* Forgets the Hessian spectra (the histograms and the proxy's upload). */
void qnn_ses_clear_spectra(qnn_session *s);
/* Empties the history, the markers and the Hessian histograms and sets
 * the step, the flow time and the rate measurement back to 0. */
void qnn_ses_clear_history(qnn_session *s);
/* One step of every live instance: evaluate (recording when due), step.
 * 0, or 1 when the cancel flag interrupted an evaluation: then nothing
 * changed (no record, no step; the next call does the step again). */
int qnn_ses_step_once(qnn_session *s);
/* Publishes a snapshot (called by the worker, or by advance). */
void qnn_ses_publish(qnn_session *s, int playing, int busy);

/* session_cmd.c */
/* Checks a parameter set for live use: its relations, the live models and
 * the memory of R instances. */
qnn_status qnn_ses_live_check(const qnn_params *p, int R, size_t mem_limit, char *err, size_t errlen);
/* Raises the cancel flag when a command of kind k (a SET of key `key`,
 * checked against the parameters p it applies to) will rebuild the
 * instances. Call with mu held, after queueing it. */
void qnn_ses_cancel_for(qnn_session *s, cmd_kind k, const qnn_params *p, const char *key);
/* Takes the queued commands and applies them; 1 when one was applied. */
int qnn_ses_drain(qnn_session *s);
/* Replay: applies the logged changes due at the current step. */
void qnn_ses_replay_due(qnn_session *s);
/* Replay reached its step: the changes logged at that very step (made
 * while paused, after the last step) are due too. Returns 1 when some
 * were applied. */
int qnn_ses_replay_tail(qnn_session *s);

#endif
