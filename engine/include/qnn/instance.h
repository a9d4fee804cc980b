/* One instance of a model: a frozen circuit, its data, its angles θ and its
 * own random generator. Stepping it is deterministic given (params, seed,
 * index). Not thread-safe; different instances may be used from different
 * threads at once. */
#ifndef QNN_INSTANCE_H
#define QNN_INSTANCE_H

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
} qnn_obs;

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
void qnn_instance_free(qnn_instance *in);

/* What qnn_instance_eval computes beyond residuals, Jacobian and kernel
 * (a bit mask; 0 and 1 keep their old meaning). */
#define QNN_WANT_EIGEN 1    /* kernel eigenvalues (and the asymptotic drift) */
#define QNN_WANT_ENTROPY 2  /* entropy and trace distance of the visible qubits */

/* Evaluates residuals, Jacobian and kernel at the current θ; eigenvalues
 * only when want_eigen & QNN_WANT_EIGEN, the entanglement observers when
 * want_eigen & QNN_WANT_ENTROPY (visible qubits 0 .. n_v - 1; with
 * n_h = 0 the cut puts qubits 0 .. cut - 1 on the visible side). Returns
 * 0, or 1 when the instance has diverged: a value is not finite, or an
 * angle has grown beyond 1e15 rad where a double no longer resolves it (do
 * not step it further). */
int qnn_instance_eval(qnn_instance *in, int want_eigen, qnn_obs *out);

/* One gradient-descent step from the last evaluation (plus the parameter
 * noise). Call qnn_instance_eval before each step. */
void qnn_instance_step(qnn_instance *in);

/* Redraws all angles uniformly in [0, 2π) (sample mode). */
void qnn_instance_resample_theta(qnn_instance *in);

void qnn_instance_consts(const qnn_instance *in, qnn_consts *c);
/* The m x m kernel matrix of the last evaluation, row-major. */
const double *qnn_instance_kernel(const qnn_instance *in, int *m);
/* Kernel eigenvalues of the last evaluation with want_eigen, ascending. */
const double *qnn_instance_eigenvalues(const qnn_instance *in, int *m);
const double *qnn_instance_residuals(const qnn_instance *in, int *m);
const double *qnn_instance_theta(const qnn_instance *in, int *L);
const double *qnn_instance_jacobian(const qnn_instance *in, int *m, int *L);
long qnn_instance_step_count(const qnn_instance *in);

/* Model-free access for tests: evaluate residuals only at an arbitrary θ
 * (no state is changed). r has m entries. */
/* The asymptotic state of model asymptotic/frozen, NULL for the others. */
struct qnn_asym;
const struct qnn_asym *qnn_instance_asym(const qnn_instance *in);

void qnn_instance_residuals_at(qnn_instance *in, const double *theta, double *r);

#endif
