/* One instance of a model: a frozen circuit, its data, its angles θ and its
 * own random generator. Stepping it is deterministic given (params, seed,
 * index). Not thread-safe; different instances may be used from different
 * threads at once. */
#ifndef QNN_INSTANCE_H
#define QNN_INSTANCE_H

#include <stdatomic.h>
#include <stddef.h>
#include "qnn/params.h"

typedef struct qnn_instance qnn_instance;

/* What one evaluation at the current θ measured. */
typedef struct qnn_obs {
    long step;
    double time;       /* time of the gradient flow the model approximates:
                          random η·step (dr/dt = -K r); periodic η·step·p/m
                          (dr/dt = -K_asym r as p → ∞, YOU23 Thm. 4.2, with
                          tr H²/(d²-1) = 1); asymptotic/frozen η·step */
    double eps;        /* m = 1: the residual ŷ - y; m > 1: sqrt(Σ r_j² / m) */
    double loss;       /* ½ Σ r² (random) or (1/2m) Σ r² (periodic) */
    double kernel;     /* tr K / m: the scalar QNTK when m = 1 */
    double lambda_min; /* extreme kernel eigenvalues; NaN when not computed */
    double lambda_max;
    double grad_norm;  /* ‖∇_θ loss‖₂ */
    double yhat0;      /* output of the first state, ŷ_0 */
    double kchange;    /* ‖K(t) - K(0)‖_F / ‖K(0)‖_F (YOU23 Fig. 5) */
    double drift;      /* asymptotic: max |λ_i(M(t)) - λ_i(M(0))| / max |λ_i(M(0))|,
                          with the eigenvalues; NaN otherwise */
    double entropy;    /* S(ρ_v) of the output state of the first input (nats, or
                          bits with entropy_bits), with QNN_WANT_ENTROPY; else NaN */
    double tdist;      /* ½‖ρ_v - I/D_v‖₁ of the same state */
    double grad_inf;   /* ‖∇_θ loss‖_∞ (NaN for models without angles) */
    double grad_ms;    /* mean square gradient component (1/P_h) Σ (∂loss/∂θ_μ)² over
                          the parameters below the output layer (mlp: LLJ Eq. 12, ∝ 1/width)
                          or over all parameters (circuit models); NaN without parameters */
    double laziness;   /* ‖θ(t) - θ(0)‖₂ / ‖θ(0)‖₂ (LLJ App. A); NaN without parameters */
    double accuracy;   /* mlp with data = spirals: training accuracy; else NaN */
    double test_accuracy; /* ... and on the n_test held-out samples; else NaN */
    double test_loss;  /* circuit with a CSV file: the loss on the held-out
                          rows (the training loss's convention); else NaN */
    /* Hessian of the loss, at the records where it was computed (else NaN):
     * extreme eigenvalues, trace, fraction of positive eigenvalues (for SLQ:
     * extreme Ritz values and the quadrature estimates) */
    double h_min, h_max, h_trace, h_frac_pos;
    double proxy;      /* LIU24 error proxy (Eq. III.12) at this step, from the spectrum
                          at the last upload; 1 while training classically; NaN off */
    int event;         /* QNN_EVENT_* bits: what happened at this step */
    double err_norm;   /* carleman: ‖u(t) - ŷ_1(t)‖₂ of the order-N linearisation */
} qnn_obs;

#define QNN_EVENT_PRUNE 1   /* the weights were pruned before this evaluation */
#define QNN_EVENT_UPLOAD 2  /* the proxy restarts from this step's spectrum */

/* Constants of this instance that theory values are computed from. */
typedef struct qnn_consts {
    int n;
    double D;
    int L;
    int m;
    double gamma, eta, sigma_theta;
    double trO, trO2, trO4;    /* random model's observable */
    double H_op2_sum;          /* Σ_l ‖H_l‖²_op (periodic: L (d - 1/d)) */
    double loss_scale;         /* c in loss = (c/2) Σ r² */
    double dt;                 /* flow time per step (qnn_obs.time) */
} qnn_consts;

/* Builds instance `index` of a checked parameter set. `shared`, when not
 * NULL, lends the circuit and data of another instance (resample = theta);
 * the lender must outlive the borrower. Returns NULL with a message in err
 * when memory runs out. */
qnn_instance *qnn_instance_new(const qnn_params *p, int index,
                               const qnn_instance *shared,
                               char *err, size_t errlen);
/* The same with the instance's cancel flag (qnn_instance_set_cancel) set
 * from the start: a class that builds layer by layer (random, periodic,
 * hidden) polls it between layers and the build gives up, NULL with the
 * message "interrupted", once it is non-zero. */
qnn_instance *qnn_instance_new_cancel(const qnn_params *p, int index, const qnn_instance *shared,
                                      const atomic_int *cancel, char *err, size_t errlen);
void qnn_instance_free(qnn_instance *in);

/* What qnn_instance_eval computes beyond residuals, Jacobian and kernel
 * (a bit mask; 0 and 1 keep their old meaning). */
#define QNN_WANT_EIGEN 1    /* kernel eigenvalues (and the asymptotic drift) */
#define QNN_WANT_ENTROPY 2  /* entropy and trace distance of the visible qubits */
#define QNN_WANT_HESSIAN 4  /* the Hessian spectrum (hessian != off); it is also
                               computed at every upload step (step 0 and, with
                               pruning, prune_classical steps after each pruning),
                               where the error proxy restarts */

/* Evaluates residuals, Jacobian and kernel at the current θ; eigenvalues
 * only when want_eigen & QNN_WANT_EIGEN, the entanglement observers when
 * want_eigen & QNN_WANT_ENTROPY (visible qubits 0 .. n_v - 1; with
 * n_h = 0 the cut puts qubits 0 .. cut - 1 on the visible side). Returns
 * 0, or 1 when the instance has diverged: a value is not finite, or an
 * angle has grown beyond 1e15 rad where a double no longer resolves it (do
 * not step it further), or QNN_INSTANCE_INTERRUPTED (below). */
int qnn_instance_eval(qnn_instance *in, int want_eigen, qnn_obs *out);

/* qnn_instance_eval's answer when the instance's cancel flag was raised
 * during a Hessian (QNN_WANT_HESSIAN, or an upload step): the evaluation
 * was given up within milliseconds, *out is not valid, and the instance
 * is as it was before the call (its angles, its pending events and the
 * SLQ probes' generator): evaluating again gives what an uninterrupted
 * call would have. */
#define QNN_INSTANCE_INTERRUPTED 2

/* Makes the instance's long computations (the Hessian: a class's exact
 * Hessian, the assembly from products, the dense eigenvalues, SLQ) poll
 * *cancel and give up once it is non-zero (QNN_INSTANCE_INTERRUPTED). NULL
 * (the default) never cancels and keeps the headless results bit for bit;
 * with a flag the dense spectrum takes the cancellable route of
 * qnn_hess_dense_spectrum_cancel (equal to rounding). The flag must
 * outlive the instance or be replaced first. */
void qnn_instance_set_cancel(qnn_instance *in, const atomic_int *cancel);

/* One gradient-descent step from the last evaluation (plus the parameter
 * noise). Call qnn_instance_eval before each step. */
void qnn_instance_step(qnn_instance *in);

/* Live changes (qnn_session). The next step uses the new learning rate η
 * (per parameter η/L when eta_per_L) and noise σ_θ; the flow time per step
 * follows η. */
void qnn_instance_set_rates(qnn_instance *in, double eta, int eta_per_L, double sigma_theta);
/* Sets the output scale γ of a class with QNN_CAP_GAMMA (instances sharing
 * a circuit share it: set every instance). -1 for the others, whose state
 * is built from γ (rebuild). */
int qnn_instance_set_gamma(qnn_instance *in, double gamma);
/* Overwrites the first min(n, L) angles (parameters) before the next
 * evaluation; the laziness reference θ(0) is taken at the first evaluation.
 * 0, or -1 for a model without parameters. */
int qnn_instance_set_theta(qnn_instance *in, const double *theta, int n);

/* The constants theory values are computed from (the class's consts). */
void qnn_instance_consts(const qnn_instance *in, qnn_consts *c);
/* The m x m kernel matrix of the last evaluation, row-major. */
const double *qnn_instance_kernel(const qnn_instance *in, int *m);
/* Kernel eigenvalues of the last evaluation with want_eigen, ascending. */
const double *qnn_instance_eigenvalues(const qnn_instance *in, int *m);
const double *qnn_instance_residuals(const qnn_instance *in, int *m);
const double *qnn_instance_theta(const qnn_instance *in, int *L);
const double *qnn_instance_jacobian(const qnn_instance *in, int *m, int *L);
long qnn_instance_step_count(const qnn_instance *in);
/* ∇_θ loss of the last evaluation (L entries; the raw gradient, before
 * the mlp's learning-rate factors). */
const double *qnn_instance_gradient(const qnn_instance *in);

/* The asymptotic state of an instance of the asymptotic or frozen model,
 * NULL for the others (tests read M(t) through it). */
struct qnn_asym;
const struct qnn_asym *qnn_instance_asym(const qnn_instance *in);


/* Residuals only at an arbitrary θ (no state is changed; r has m entries;
 * nothing for a class without angles). */
void qnn_instance_residuals_at(qnn_instance *in, const double *theta, double *r);

/* The Hessian of the loss at the θ of the last evaluation (hessian != off
 * must have been set, for the workspaces), P x P row-major, not
 * symmetrised: circuit models exactly by the parameter shift applied to
 * the Jacobian; mlp exactly by R-operator products (in the training
 * metric Λ^{1/2} H Λ^{1/2}); qbm by central differences of the exact
 * gradient. 0, or -1 for a model without parameters. */
int qnn_instance_hessian(qnn_instance *in, double *H);
/* One product with the same matrix (circuit models: a central difference
 * of the exact gradient, O(h²) ~ 1e-8 relative). 0 or -1. */
int qnn_instance_hvp(qnn_instance *in, const double *v, double *Hv);

/* The Hessian spectrum computed by the last evaluation, once (NULL when it
 * computed none, or when it was taken already); *step and *upload (may be
 * NULL) say when and whether the error proxy restarted from it. Owned by
 * the instance, valid until the next evaluation. */
struct qnn_spectrum;
const struct qnn_spectrum *qnn_instance_take_spectrum(qnn_instance *in, long *step, int *upload);

#endif
