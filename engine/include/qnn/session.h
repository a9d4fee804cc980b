/* A live session: an ensemble of instances stepped by a worker thread while
 * the faces (window, terminal) read immutable snapshots and send commands.
 *
 *  - Commands (set a key, play/pause, single step, reset) are queued by any
 *    thread and applied by the worker between steps, in order; every applied
 *    change is logged with the step it took effect at, so the whole history
 *    can be replayed (the share string).
 *  - After each batch of steps the worker publishes a snapshot: the thinned
 *    history of the observables (ensemble mean, a few instances, the theory
 *    curves), the kernel eigenvalues now, the last two Hessian histograms,
 *    theory values and status. A snapshot is reference-counted and never
 *    changes after it is published; readers never wait on a step.
 *  - How a change applies: eta and sigma_theta continue the same run; gamma
 *    too, except for the asymptotic, frozen and gue models (their state is
 *    built from gamma: they restart); L on the circuit models (random,
 *    periodic, hidden) rebuilds the circuit, whose first layers are the same
 *    (the generators are drawn layer by layer), and keeps the current angles
 *    of the layers that remain; every other key rebuilds the instances from
 *    their seeds. History is kept and the change is marked: every marker
 *    begins a segment (qnn_snap_segment) with its own values.
 *  - The worker watches the error for convergence and can pause there
 *    (qnn_snapshot.converged_step); a replay runs unpaced.
 *
 * Deterministic: given the parameters and the log of changes with their
 * steps, the records are the same whatever the timing of the UI.
 */
#ifndef QNN_SESSION_H
#define QNN_SESSION_H

#include <stddef.h>
#include <stdint.h>
#include "qnn/params.h"

typedef struct qnn_session qnn_session;

#define QNN_SESSION_HIST_CAP 2048  /* records kept; thinned by 2 when full */
#define QNN_SESSION_MAX_FAINT 16   /* instances drawn individually */
#define QNN_SESSION_MAX_INSTANCES 256
#define QNN_SESSION_MAX_STEPS_PER_FRAME 10000
#define QNN_SESSION_HIST_BINS 40

typedef struct qnn_session_opts {
    int instances;          /* live ensemble size, 1 .. QNN_SESSION_MAX_INSTANCES */
    size_t mem_limit;       /* bytes the instances may use (0: no limit) */
    int steps_per_frame;    /* steps between snapshots while playing (1 .. 10000) */
    double frame_hz;        /* snapshots per second while playing (pacing) */
    int playing;            /* start playing */
    /* called from the worker after each publish (may be NULL); must be
     * thread-safe and quick (e.g. push an event to the UI loop) */
    void (*on_publish)(void *ctx);
    void *ctx;
    /* convergence (issue 23; see qnn_snapshot.converged_step): the
     * relative floor (0: QNN_SESSION_CONVERGE_REL), and whether the worker
     * pauses when the run converges (qnn_session_set_pause_converged
     * changes it later) */
    double converge_rel;
    int pause_converged;
} qnn_session_opts;

#define QNN_SESSION_CONVERGE_REL 1e-14

void qnn_session_opts_default(qnn_session_opts *o);

/* A logged change: `key` was set to `value` before step `step`. */
typedef struct qnn_change {
    long step;
    char key[32];
    char value[64];
} qnn_change;

#define QNN_THEORY_RATE 1   /* LIU23 Eq. 10: ε_geo(t0) e^{−ηK̄(t − t0)}, ε_geo the
                               geometric mean of |ε| (err_geo) */
#define QNN_THEORY_BOUND 2  /* YOU23 Thm. 3.2: 1/(c0 + c1 (t − t0))² */

/* One Hessian spectrum of instance 0 (the live Hessian is instance 0's).
 *
 * Zero eigenvalues: a Hessian of rank r < P has P − r directions that are
 * zero in exact arithmetic and come out as ±1e-16·‖H‖ (times the
 * eigensolver's small factor); counted by sign they make the positive
 * fraction jump at random. Eigenvalues with |λ| <= zero_tol · max|λ|
 * count as zero: zero_tol = 1e-8 for an exact Hessian (circuits, mlp),
 * 1e-6 where it comes from differences (SLQ, the qbm).
 *
 * The error proxy (LIU24 Eqs. 4–5, docs/PHYSICS.md) is shown live in the
 * convention a = −ηλ (1 + a = 1 − ηλ is the multiplier of a mode under
 * one step), whatever the key proxy_scale says (it rules trace.csv):
 * proxy(τ) = (1/N_c) Σ_{|a| ≥ proxy_cut} w |1 + a|^τ over the spectrum of
 * the last upload (step 0 of the instances, or the end of a pruning's
 * classical steps), τ = steps since. It is NaN where that definition does
 * not give an error proxy, proxy_note saying why: before the first
 * spectrum (or with the Hessian off), when no eigenvalue has |ηλ| >=
 * proxy_cut (nothing to average), and when a kept mode grows, |1 − ηλ| >
 * 1 (λ < 0, or ηλ > 2 — the average then grows without bound: 7.8e+179
 * on hessian-live, a divergence, not an error); 1 on the classical steps
 * after a pruning (the run's rule); so a shown proxy lies in [0, 1]. */
typedef struct qnn_snap_hist {
    int valid;
    long step;
    int exact;
    size_t dim;             /* parameters P */
    double lo, hi;          /* bin range */
    double centre[QNN_SESSION_HIST_BINS];
    double density[QNN_SESSION_HIST_BINS]; /* weight / bin width (all
                                              eigenvalues, zeros too) */
    double frac_pos;        /* positive fraction of the nonzero
                               eigenvalues (weights), NaN if all are zero */
    double h_min, h_max;    /* smallest and largest eigenvalue (node) */
    double proxy;           /* the live error proxy at `step` (above) */
    const char *proxy_note; /* why proxy is NaN (static text), or NULL */
    double zero_tol;        /* the relative zero tolerance (above) */
    double w_zero;          /* weight of the zero eigenvalues */
    size_t n_zero;          /* how many nodes are zero */
    /* the spectrum itself: neig nodes eig (ascending; exact: the P
     * eigenvalues) with weights eig_w (summing to 1; exact: 1/P each), so
     * that a face can bin it on its own axis (symmetric-log); they point
     * into the snapshot's block */
    size_t neig;
    const double *eig, *eig_w;
} qnn_snap_hist;

/* A marker on the time axes: a change took effect before this step (or a
 * pruning happened at it). Every marker begins a segment.
 *
 * what: "key from → to" for each key the change set, in plot markup with
 * the sliders' names (γ, η, σ_{θ}, n_{h}, n_{v}; other keys by name),
 * values as shown (6 digits), the model first, ", " between them:
 * "η 0.002 → 0.005", "L 64 → 80", "model random → mlp, L 65 → 32
 * (rebuilt)", "seed 3 → 4 (rebuilt)", "model random → asymptotic,
 * hessian exact → off (rebuilt)" (a key the change forced is listed
 * too, and the message says "it also set hessian exact → off").
 * " (rebuilt)": the instances were built anew from their seeds. Changes
 * applied before the same step make one marker (a model switch queues its
 * adapted keys and the model together; a key set twice shows its first
 * and last value).
 * A text longer than what holds ends in " +N more" (the keys left off),
 * cut at a character, never inside a UTF-8 sequence. A pruning: "pruned
 * 50 % of the weights". */
typedef struct qnn_snap_mark {
    long step;
    double time;
    char what[96];          /* the change (above) */
    int rebuilt;            /* 1: the change rebuilt the instances — the model,
                               a key that rebuilds (seed, n, m...), γ where it
                               restarts, L of a circuit model (rebuilt keeping
                               the angles of the layers that remain); 0: it
                               continues the run (η, σ_θ, γ on a circuit; a
                               pruning) */
} qnn_snap_mark;

/* A segment of the history: from step 0 or a marker to the next marker,
 * with the values its reference lines and labels take (those in force in
 * it, not the current ones: stored with each marker when it is added; the
 * last segment's are the current ones). seg[0] starts at step 0; seg[k]
 * (k >= 1) at marks[k - 1]. rec0 .. rec1 - 1 are its records: those at
 * steps >= step0 and before the next segment's step0 (the record at a
 * marker's step is taken after the change: it belongs to the new
 * segment). Thinning (QNN_SESSION_HIST_CAP) keeps the first record of
 * each segment where it can, so rec0 < rec1 unless a segment had no step;
 * the ranges stay right under thinning. */
typedef struct qnn_snap_segment {
    long step0;
    size_t rec0, rec1;
    int rebuilt;            /* begun by a rebuild (seg[0]: 1): its marker's */
    char model[32];         /* the model's name */
    int m, use_loss, has_params;  /* as the snapshot's fields of the same names */
    double kernel_div;
    double Kbar, rate, noise_abs_eps, lambda_min_pred, global_min_pred,
           page, max_entropy, tdist_bound;   /* rate = η·K̄; as the snapshot's */
} qnn_snap_segment;

/* An immutable snapshot. Arrays have nrec entries (per instance: nfaint
 * rows of nrec); NaN where a value was not measured. Times are steps. */
typedef struct qnn_snapshot {
    uint64_t seq;           /* increases with every publish */
    qnn_params params;      /* the parameters in force */
    long step;              /* steps taken */
    double flow_time;       /* flow time of the model (qnn_obs.time convention) */
    double steps_per_s;     /* measured over the last second while playing */
    int playing, busy;      /* busy: a rebuild or a replay is under way */
    long target_step;       /* replay: run to this step, then pause (-1: none).
                               While a replay runs (busy, target_step >= 0)
                               the worker steps as fast as it can and
                               publishes about every 0.1 s: step / target_step
                               is its progress; the last snapshot has
                               target_step -1, busy 0, playing 0 */
    int ninst, nfaint, m;
    int ndiverged;
    long diverged_step;     /* first step at which an instance diverged, -1 */
    int has_params;         /* the model has trainable parameters */
    int use_loss;           /* panel 1 shows the loss, not |ε| */
    double kernel_div;      /* kernel values are shown divided by this (periodic: p) */
    /* history */
    size_t nrec;
    double *t;              /* step of each record */
    double *err_mean, *err_inst;     /* |ε| (rms for m > 1) or the loss */
    double *err_geo;        /* its geometric mean over the instances (those
                               with a value > 0), NaN if none: the statistic
                               of QNN_THEORY_RATE (for ε_i = ε_i(0)e^{−ηK_i t},
                               ln|ε| averages to ln ε_geo(0) − ηK̄t when
                               E K_i = K̄; the mean of |ε| lies above it by
                               Jensen, ruled by the slowest instances) */
    double *err_theory;     /* segment-wise theory (rate or sublinear bound) */
    double *err_theory_kind; /* which: QNN_THEORY_RATE (compare with err_geo),
                                QNN_THEORY_BOUND (err_mean), 0 none */
    double *err_frozen;     /* frozen-kernel prediction from each segment start,
                               mean over the instances of each one's */
    double *err_frozen_geo; /* the same, geometric mean (beside err_geo) */
    double *k_mean, *k_inst;         /* K (m = 1) or λ_min (m > 1), divided by kernel_div */
    double *kmax_mean;               /* λ_max (m > 1), else NaN */
    double *s_mean, *s_inst;         /* S(ρ_v) */
    double *d_mean, *d_inst;         /* trace distance to I/D_v */
    double *hfp, *proxy;             /* instance 0: the positive fraction of the nonzero Hessian
                                        eigenvalues (at the steps a spectrum was taken, else NaN)
                                        and the live error proxy (a = −ηλ, NaN where it is not
                                        defined: qnn_snap_hist) */
    double *acc_mean, *test_acc_mean; /* training and test accuracy (classification), else NaN */
    double *test_err_mean;           /* the loss on held-out rows (models with QNN_CAP_HELDOUT), else NaN */
    /* kernel eigenvalues now: ninst rows of m (ascending, / kernel_div), NaN if none */
    double *eig_now;
    /* Hessian */
    qnn_snap_hist hist_now, hist_prev;
    int hessian_on;
    /* markers */
    size_t nmarks;
    qnn_snap_mark *marks;
    /* segments: nmarks + 1 of them (issue 23) */
    size_t nseg;
    qnn_snap_segment *seg;
    /* Convergence of the current segment (a new segment starts it anew).
     * The error watched is the bold statistic of panel 1: the geometric
     * mean of the instances' errors (err_geo) where the theory is the
     * rate, else their mean (err_mean: |ε|, rms for m > 1, or the loss),
     * taken at every step (not only at the records). With e0 its value at
     * the segment's first step, the run has converged at the first step t
     * of the segment where
     *   e(t) <= converge_rel · e0                       (its floor), or
     *   e(t) <= 1e-12 · the largest e since the instances were built, and
     *   e has not fallen below half its last low for 100 steps
     *                                    (stagnating at rounding precision;
     *    a segment begun at the floor, e.g. η changed after convergence).
     * The worker then says "converged at step t (error 1.2e-14 of its
     * start)" in message, and pauses (adding ": paused") when
     * pause_converged is on (qnn_session_set_pause_converged); a replay
     * is never paused by it. */
    long converged_step;    /* -1: not yet */
    double converge_rel;    /* the relative floor in force */
    double converged_err;   /* e(converged_step) / e0, NaN while not converged */
    /* theory values (NaN when they do not apply) */
    double Kbar;            /* random model: exact mean QNTK (LIU23 Eq. 9/17) */
    const char *theory_note;/* why no ensemble theory is drawn (the class's
                               static text), or NULL */
    double rate;            /* predicted rate ηK̄ per step */
    double noise_abs_eps;   /* LLJ Eq. 38 */
    double lambda_min_pred; /* LIU23 Eq. 21 (random, m > 1) */
    double global_min_pred; /* YOU23 Thm. 4.4 (γ > 1) */
    double page, max_entropy, tdist_bound;
    double conc_kernel, conc_dqntk; /* LIU23 Eq. 16: must be ≪ 1 */
    char message[256];      /* last status message (an applied change, a refusal) */
    int message_error;      /* the message reports an error */
    /* internal */
    int refs;
    void *block;
} qnn_snapshot;

/* Creates a session from checked parameters (instances are built by the
 * worker, or by the first qnn_session_advance). NULL with a message when
 * the parameters cannot be used live (model carleman, or a size the
 * memory check refuses). */
qnn_session *qnn_session_new(const qnn_params *p, const qnn_session_opts *o,
                             char *err, size_t errlen);
/* Stops the worker (if started) and frees everything; snapshots still held
 * stay valid until released. */
void qnn_session_free(qnn_session *s);

/* Starts the worker thread. QNN_OK, or QNN_E_STATE (already started) or
 * QNN_E_SYSTEM with a message. */
qnn_status qnn_session_start(qnn_session *s, char *err, size_t errlen);

/* Synchronous stepping without a worker (tests, benchmarks, replay): applies
 * the queued commands and takes n steps (regardless of play/pause), then
 * publishes. Must not be mixed with a started worker. 0, or -1 on a
 * rebuild failure (the message is in the snapshot). */
int qnn_session_advance(qnn_session *s, long n);

/* Commands. qnn_session_set validates at once against the parameters the
 * queue will have produced (key, value and the combination: n_v + n_h,
 * memory) and returns QNN_OK, or the status of qnn_params_set or
 * qnn_params_check, QNN_E_UNSUPPORTED (a model without a live view),
 * QNN_E_SIZE (memory) or QNN_E_NOMEM, with a message naming the key, the
 * value and what is allowed (nothing is queued then). The worker applies
 * the text as qnn_params_set reads it; the log keeps the text. */
qnn_status qnn_session_set(qnn_session *s, const char *key, const char *value,
                           char *err, size_t errlen);
/* The same for a number (a slider): checked once, here, by
 * qnn_params_set_number, and queued as the number, which the worker
 * applies bit for bit without parsing text; the log keeps
 * qnn_params_number_text's text of it (which replays to the same bits),
 * the marker shows it to 6 digits. */
qnn_status qnn_session_set_number(qnn_session *s, const char *key, double v,
                                  char *err, size_t errlen);
/* The check qnn_session_set makes, on a whole candidate parameter set (the
 * live faces try a model switch with adapted keys before they queue it).
 * QNN_OK, or a status as above with the message. */
qnn_status qnn_session_check(qnn_session *s, const qnn_params *q, char *err, size_t errlen);
void qnn_session_play(qnn_session *s, int playing);
void qnn_session_single_step(qnn_session *s);
/* Restart from step 0 with the current parameters; history is cleared. */
void qnn_session_reset(qnn_session *s);
void qnn_session_set_speed(qnn_session *s, int steps_per_frame);
/* Whether the worker pauses when the run converges (key u of the faces):
 * it takes effect at the next convergence event (a run that converged
 * already is not paused by turning it on). Any thread. */
void qnn_session_set_pause_converged(qnn_session *s, int on);
int qnn_session_speed(const qnn_session *s);
/* Replay: run (as fast as possible) to `step`, applying each logged change
 * at its step, then pause. Call before qnn_session_start. QNN_OK, or the
 * status of the first change refused (QNN_E_FORMAT: out of order). */
qnn_status qnn_session_replay(qnn_session *s, const qnn_change *log, size_t n, long step,
                       char *err, size_t errlen);
/* The parameters the queued commands will produce (what a slider shows). */
void qnn_session_requested(qnn_session *s, qnn_params *out);

/* The log of applied changes since the last reset, and the parameters at
 * the last reset (the base). *log is malloc'd (free it). */
int qnn_session_log(qnn_session *s, qnn_params *base, qnn_change **log, size_t *n, long *step);

/* The latest snapshot (never NULL after qnn_session_new: an empty one
 * before the first step). Take a reference; release it when done. */
const qnn_snapshot *qnn_session_acquire(qnn_session *s);
void qnn_snapshot_release(const qnn_snapshot *snap);

#endif
