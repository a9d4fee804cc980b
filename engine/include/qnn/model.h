/* Model classes: everything qnnlab knows about one kind of model, in one
 * const table of functions and properties (docs/ARCHITECTURE.md).
 *
 * A model is one file, engine/src/models/<name>.c, that defines one
 * `const qnn_model_class` and is listed once in engine/src/models/registry.c.
 * A parameter set points to its class (qnn_params.model); an instance is
 * the class plus the class's own state (qnn_instance). Everything outside
 * the model files asks the class — its properties (caps), the meaning of a
 * key for it, its checks, sizes, theory and figure — and never which model
 * it is.
 *
 * The instance owns the arrays every model shares: the angles θ (P of
 * them), the residuals r (m), the Jacobian J (m x P, row-major, when the
 * model forms one), the kernel K (m x m), its eigenvalues and ∇loss (P).
 * A class's build allocates them with qnn_model_alloc once it knows m and
 * P, and its eval fills them; the engine around it adds what is common to
 * every model (kernel eigenvalues and change, laziness, the mean square
 * gradient, the Hessian spectrum and the LIU24 error proxy, divergence).
 *
 * Contract of every method: `in` is the instance being built or used; a
 * method returning int gives 0 on success and a negative qnn_status on
 * failure (qnn/status.h: QNN_E_RELATION, QNN_E_SIZE... with a message in
 * err where it takes one; -1, QNN_E_FAIL, when no code fits), except eval
 * (0, or 1 when the instance has diverged). Methods marked optional may be NULL: the engine then uses
 * the default named beside them. */
#ifndef QNN_MODEL_CLASS_H
#define QNN_MODEL_CLASS_H

#include <stddef.h>
#include "qnn/params.h"
#include "qnn/instance.h"

/* Properties of a class (qnn_model_class.caps). */
#define QNN_CAP_PARAMS      0x01u /* trainable parameters: gradient, laziness,
                                     Hessian, parameter noise σ_θ */
#define QNN_CAP_PURE_STATE  0x02u /* a pure output state on visible and hidden
                                     qubits: entropy, trace distance, Page's
                                     value and OME's bound (Haar states) */
#define QNN_CAP_MIXED_STATE 0x04u /* a mixed visible state: entropy and trace
                                     distance, bounded by ln D_v only */
#define QNN_CAP_TASK        0x08u /* key `task` applies: task = optimise has one
                                     residual, supervised m of them */
#define QNN_CAP_LIVE        0x10u /* has a live view (gui, tui) */
#define QNN_CAP_FLOW        0x20u /* steps a flow of the measurement (YOU23
                                     Eq. 119): r(t+1) - r(t) = -η K r(t) with
                                     no loss scale, no angles */
#define QNN_CAP_FROZEN_K    0x40u /* the kernel does not move: no frozen-kernel
                                     prediction is drawn beside it */
#define QNN_CAP_QUBITS      0x80u /* has qubits: keys n, d, n_h, n_v, cut mean
                                     something */
#define QNN_CAP_GAMMA      0x100u /* γ can change live without a rebuild */
#define QNN_CAP_DRIFT      0x200u /* records the spectral drift of M(t) */
#define QNN_CAP_HELDOUT    0x400u /* records a test loss on held-out data
                                     (trace.csv column test_loss) */

/* How a live change of a key applies to the running instances of a class
 * (qnn_model_class.key_use); QNN_KEY_DEFAULT leaves it to the engine's
 * table (session.c), which knows the keys every model shares. */
typedef enum {
    QNN_KEY_DEFAULT = 0, /* the engine's answer */
    QNN_KEY_UNUSED,      /* no meaning for this model (sliders show it off) */
    QNN_KEY_VIEW,        /* changes what is recorded or drawn, not the instances */
    QNN_KEY_CONTINUE,    /* applies to the running instances (η, γ, σ_θ) */
    QNN_KEY_EXTEND,      /* rebuilds the instances keeping the angles they share
                            (L of a circuit: nested circuits under one seed) */
    QNN_KEY_REBUILD      /* new instances from step 0 */
} qnn_key_use;

/* What the live faces draw beside the error curve of a segment. */
typedef enum { QNN_LIVE_PRED_NONE = 0, QNN_LIVE_PRED_RATE = 1, QNN_LIVE_PRED_BOUND = 2 } qnn_live_pred;

/* Theory values of the live session, from the instances' mean constants
 * (qnn_consts averaged; NaN where a value does not apply). */
typedef struct qnn_live_theory {
    double Kbar;             /* mean QNTK (LIU23): the rate ηK̄ of ε(t) */
    double conc_kernel;      /* relative spread of K(0) (LIU23 Eq. 12/17) */
    double noise_abs_eps;    /* LLJ Eq. 38 with σ_θ > 0 */
    double lambda_min_pred;  /* LIU23 Eq. 21, supervised */
    double global_min_pred;  /* YOU23 Thm. 4.4 (γ > 1) */
    qnn_live_pred pred;      /* the prediction of the error curve */
    int dqntk;               /* 1: the LIU23 dQNTK ratio (Eqs. 15-16) applies */
    const char *note;        /* why no ensemble theory is drawn (a static
                                string), or NULL */
} qnn_live_theory;

struct qnn_summary;
struct qnn_qc;
struct qnn_run;
struct qnn_stat;

/* Statistics of a run the ensemble theories compare with, beyond those in
 * qnn_summary (qnn_analyse computes them for every class). */
typedef struct qnn_analysis_extra {
    double rate_eps_mean, rate_eps_se;   /* -ln(|ε(T)|/|ε(0)|)/T */
    double eps2T_mean, eps2T_se;         /* ε(T)² */
    double y2T_mean, y2T_se;             /* ŷ_0(T)² */
    double kTs_mean, kTs_se;             /* K(T) in the class's kernel unit */
} qnn_analysis_extra;

typedef struct qnn_model_class {
    const char *name;        /* the value of key `model` */
    const char *help;        /* one line for --help and the key table */
    const char *title;       /* what a figure's title calls it ("periodic QNN") */
    const char *label;       /* the word of legends and reports ("QNN", "QBM") */
    int line;                /* how a comparison draws it: 0 bold, 1 dashed, 2 dotted */
    const char *loss_text;   /* summary.json's convention for the loss and the
                                step (NULL: the YOU23 one) */
    const char *hessian_matrix; /* what its Hessian observer diagonalises
                                (NULL: H with respect to the parameters) */
    const char *figure;      /* its preferred figure: "training", "mlp" or
                                "carleman" (app/figure.c draws them) */
    unsigned caps;           /* QNN_CAP_* */
    const char *figures;     /* the special figures it can be drawn in, space
                                separated: "rate" (YOU23 Cor. 4.3), "compare"
                                (it leads figure = compare), "companion" (it
                                runs beside the leader, from its circuit's
                                M(0) and in its flow time) */

    /* --- parameters -------------------------------------------------- */
    /* The meaning of `key` for p's model and how a live change applies.
     * Optional: QNN_KEY_DEFAULT for every key. */
    qnn_key_use (*key_use)(const qnn_params *p, const char *key);
    /* Relations between keys that only this model has (m <= D, sizes it
     * can hold, keys it refuses). Optional. */
    int (*check)(const qnn_params *p, char *err, size_t errlen);
    /* Trainable parameters P (0 without). */
    double (*n_params)(const qnn_params *p);
    /* Residuals of one evaluation m (training states x outputs). */
    double (*n_residuals)(const qnn_params *p);
    /* Bytes one instance needs besides the Hessian observer's
     * `hessian_bytes`. */
    double (*instance_bytes)(const qnn_params *p, double hessian_bytes);
    /* The key a memory refusal names (the one that makes it large).
     * Optional: "n" for dense Haar entanglers from n = 9 and for other
     * circuits whose 2^n states outgrow L, else "L". */
    const char *(*memory_key)(const qnn_params *p);
    /* Records of a run: *T steps, one record every *every (the last step
     * always). Optional: steps and record_every. */
    void (*records)(const qnn_params *p, long *T, int *every);
    /* Adjusts the parameters of live instances (a model without
     * parameters has no steps to take). Optional. */
    void (*live_params)(qnn_params *p);
    /* The unit the figures show the kernel in: K / unit (the periodic QNN's
     * K ≈ p K_asym). Optional: 1. */
    double (*kernel_unit)(const qnn_params *p);
    /* 1 when hessian = auto should take the exact path for P parameters
     * (already <= QNN_HESSIAN_EXACT_AUTO). Optional: 1. */
    int (*hessian_auto_exact)(const qnn_params *p, double P);

    /* --- an instance ------------------------------------------------- */
    /* Builds instance in->index of in->p (checked) into in: the class's
     * state, then qnn_model_alloc. `lender`, when not NULL, is instance 0
     * of the same parameters (resample = theta): share its data. */
    int (*build)(qnn_instance *in, const qnn_instance *lender, char *err, size_t errlen);
    /* Frees the class's state (the engine frees the shared arrays). */
    void (*free)(qnn_instance *in);
    /* Residuals, Jacobian/gradient and kernel at the current θ, and what
     * `want` (QNN_WANT_*) asks of the model's own observers (kernel
     * eigenvalues: qnn_model_kernel_eigen; the visible state: entropy).
     * 0, or 1 when the instance has diverged. */
    int (*eval)(qnn_instance *in, int want, qnn_obs *out);
    /* One step from the last evaluation. Optional: θ -= η λ ⊙ ∇loss plus
     * the parameter noise (qnn_model_gradient_step). */
    void (*step)(qnn_instance *in);
    /* ∇loss at an arbitrary θ into g, the instance's own evaluation left
     * as it is. Optional (no Hessian by differences without it). */
    int (*grad_at)(qnn_instance *in, const double *theta, double *g);
    /* H v exactly, in the training metric. Optional: a central difference
     * of grad_at. */
    int (*hvp)(qnn_instance *in, const double *v, double *Hv);
    /* The exact P x P Hessian. Optional: assembled from hvp. */
    int (*hessian)(qnn_instance *in, double *H);
    /* Residuals only at an arbitrary θ (m entries). Optional. */
    void (*residuals_at)(qnn_instance *in, const double *theta, double *r);
    /* A live change of γ (after in->p.gamma is set). Optional: -1
     * (a rebuild). */
    int (*set_gamma)(qnn_instance *in, double gamma);
    /* The constants theory values are computed from. */
    void (*consts)(const qnn_instance *in, qnn_consts *c);
    /* Flow time per step at learning rate eta (qnn_obs.time). Optional:
     * eta. */
    double (*flow_dt)(const qnn_instance *in, double eta);

    /* The gate-level circuit of p's model (qnn/qcircuit.h), for a circuit
     * diagram and `qnnlab circuit export`: a new circuit the caller frees
     * with qnn_qc_free. Optional: models without one (dense Haar layers,
     * matrices) leave it NULL. 0 or a negative qnn_status with a message. */
    int (*circuit)(const qnn_params *p, struct qnn_qc **out, char *err, size_t errlen);

    /* --- theory ------------------------------------------------------ */
    /* The theory values of a finished ensemble, added to s with
     * qnn_summary_add_theory (the engine adds the entanglement ones).
     * Optional. */
    void (*analyse)(struct qnn_summary *s, const struct qnn_run *run, const qnn_analysis_extra *x);
    /* The live session's theory values from the mean constants. Optional:
     * none. */
    void (*live_theory)(const qnn_params *p, const qnn_consts *mean, int m, qnn_live_theory *t);
} qnn_model_class;

/* --- the registry ---------------------------------------------------- */

/* The classes, built-in first in registry order then those registered, and
 * their count. */
size_t qnn_model_count(void);
const qnn_model_class *qnn_model_at(size_t i);
/* The class named `name`, or NULL. */
const qnn_model_class *qnn_model_find(const char *name);
/* Adds a class (tests, plug-ins). Call before any other use of the
 * registry from other threads. 0, or -1 when the name is taken, the
 * table is full, or a required method (build, eval, consts, n_params,
 * n_residuals, instance_bytes) is missing. */
int qnn_model_register(const qnn_model_class *cls);
/* "random | periodic | ...": the names joined, for messages. */
const char *qnn_model_names(void);
/* The default class (the default preset's: random). */
const qnn_model_class *qnn_model_default(void);
/* The prediction of the error curve the class offers for p (its
 * live_theory with the mean constants `mean` of m training states): the
 * live panels and the headless figure both draw this one. */
qnn_live_pred qnn_model_prediction(const qnn_params *p, const qnn_consts *mean, int m);
/* The gate-level circuit of p's model (its class's `circuit`), or
 * QNN_E_UNSUPPORTED with a message when the class has none. */
int qnn_model_circuit(const qnn_params *p, struct qnn_qc **out, char *err, size_t errlen);
/* 1 when the class lists `figure` in its figures. */
int qnn_model_offers(const qnn_model_class *cls, const char *figure);
/* 1 when the class has every bit of caps. */
int qnn_model_has(const qnn_model_class *cls, unsigned caps);
/* The class's answer for `key`, with QNN_KEY_DEFAULT resolved: keys of
 * parameters (σ_θ, hessian...) unused without QNN_CAP_PARAMS, qubit keys
 * without QNN_CAP_QUBITS, everything else as the class says or used. */
qnn_key_use qnn_model_key_use(const qnn_params *p, const char *key);

/* --- for the classes' methods ---------------------------------------- */

/* The class's state of an instance, and setting it (build). */
void *qnn_model_state(const qnn_instance *in);
void qnn_model_set_state(qnn_instance *in, void *state);
/* The instance's parameters (live changes of η, γ, σ_θ included). */
const qnn_params *qnn_model_params(const qnn_instance *in);
long qnn_model_step(const qnn_instance *in);

/* The shared arrays of an instance (see the top of this file). */
typedef struct qnn_model_arrays {
    int m, P;
    double *theta, *r, *J, *K, *eig, *grad;
} qnn_model_arrays;
/* Allocates them for m residuals and P parameters (J when with_jacobian),
 * and sets the flow time per step. 0 or -1 (memory). */
int qnn_model_alloc(qnn_instance *in, int m, int P, int with_jacobian);
qnn_model_arrays qnn_model_get_arrays(qnn_instance *in);
/* Per-parameter learning-rate factors λ (P entries, kept by the class;
 * NULL = 1) and the parameters below the output layer that the mean
 * square gradient averages over (NULL = all). */
void qnn_model_set_metric(qnn_instance *in, const double *lambda, const double *sqrt_lambda,
                          const unsigned char *hidden, int n_hidden);

/* Helpers for eval: the kernel eigenvalues (ascending, into the arrays'
 * eig and out's λ_min/λ_max); ‖K - K(0)‖_F/‖K(0)‖_F with K(0) taken at the
 * first call; 1 when every value is finite; 1 when every angle is below
 * 1e15 rad (beyond, a double no longer resolves it: diverged); θ by
 * theta_init from the instance's angle stream; a uniform draw in [0, 1)
 * from that stream (a class that draws its data per instance). */
void qnn_model_kernel_eigen(qnn_instance *in, qnn_obs *out);
double qnn_model_kernel_change(qnn_instance *in);
int qnn_model_finite(const double *v, size_t n);
int qnn_model_angles_ok(const qnn_instance *in);
void qnn_model_init_theta(qnn_instance *in, double *theta, int P);
double qnn_model_uniform(qnn_instance *in);
/* The default step (see `step`). */
void qnn_model_gradient_step(qnn_instance *in);
/* Raises QNN_EVENT_* bits for the next evaluation's record. */
void qnn_model_raise_event(qnn_instance *in, int event);

#endif
