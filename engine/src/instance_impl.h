/* The instance as the engine and the built-in model classes see it (the
 * public qnn/instance.h keeps it opaque; qnn/model.h gives other classes
 * functions for the same fields). What every model shares lives here; a
 * class keeps the rest in its own state (qnn_model_state). */
#ifndef QNN_INSTANCE_IMPL_H
#define QNN_INSTANCE_IMPL_H

#include <gsl/gsl_eigen.h>
#include <gsl/gsl_rng.h>
#include "qnn/entangle.h"
#include "qnn/hessian.h"
#include "qnn/model.h"
#include "qnn/statevec.h"

struct qnn_instance {
    const qnn_model_class *cls;
    void *state;                 /* the class's own */
    qnn_params p;
    int index;
    gsl_rng *rng;                /* angles and noise (STREAM_ANGLES) */
    int m, L;                    /* residuals, parameters */
    double *theta, *r, *J, *K, *eig, *grad;
    gsl_matrix *Kw;
    gsl_vector *ev;
    gsl_eigen_symm_workspace *ew;
    long step;
    double dt;                   /* flow time per step (see qnn_obs.time) */
    double *K0;                  /* kernel at the first evaluation */
    double K0norm;
    int have_K0;
    /* the pure output state of the first input and its visible-qubit
     * observer (classes with QNN_CAP_PURE_STATE that have a cut) */
    qnn_entangle *ent;
    qnn_cplx *psi_out;
    double *lam;                 /* spectrum of ρ_v */
    /* training metric (mlp): per-parameter learning-rate factors */
    const double *lambda;        /* NULL = 1 */
    const double *sqrt_lambda;
    const unsigned char *hidden; /* parameters of the mean square gradient (NULL = all) */
    int n_hidden;
    /* every model with parameters */
    double *theta0;
    double theta0_norm;
    int pending_event;           /* QNN_EVENT_* to report at the next evaluation */
    /* Hessian observer */
    double *H;                   /* P x P (exact path) */
    double *hv_a, *hv_b, *hv_c;  /* scratch */
    qnn_spectrum spec;           /* the last spectrum computed */
    int spec_fresh, spec_upload;
    long spec_step;
    qnn_spectrum up;             /* the spectrum of the last upload (proxy) */
    long up_step;
    gsl_rng *hrng;               /* SLQ probes */
    const atomic_int *cancel;    /* qnn_instance_set_cancel; NULL: never */
};

/* Two independent streams per instance: one draws the circuit and the data,
 * the other the angles and the noise; resample = theta shares the first
 * stream of instance 0 among all instances. A third draws the SLQ probes. */
#define QNN_STREAM_CIRCUIT 0x43495243ull /* "CIRC" */
#define QNN_STREAM_ANGLES  0x414E474Cull /* "ANGL" */
#define QNN_STREAM_HESSIAN 0x48455353ull /* "HESS" */

/* 1 when the instance's cancel flag is up (long computations poll it:
 * the class's Hessian between columns, SLQ between Lanczos steps). */
int qnn_instance_cancelled(const qnn_instance *in);

/* A new generator on stream `stream` of instance `index` (NULL: memory). */
gsl_rng *qnn_instance_stream(const qnn_params *p, uint64_t stream, int index);

/* The visible-qubit observer of a pure state on n qubits (qnn_params_visible
 * picks the cut): allocates in->ent, in->lam and, when psi is NULL, the
 * state in->psi_out (D entries). 0 (also when there is no cut) or -1. */
int qnn_instance_observe_state(qnn_instance *in, int n, qnn_cplx *psi);
/* Entropy and trace distance of in->psi_out into out when there is a cut. */
void qnn_instance_state_observers(qnn_instance *in, qnn_obs *out);

#endif
