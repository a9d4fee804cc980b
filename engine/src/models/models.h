/* The built-in model classes (registry.c lists them) and what they share,
 * private to engine/src/models/. The circuit models (random, periodic,
 * hidden) share the frozen circuit and data set they draw
 * (docs/PHYSICS.md) and the methods that run it: evaluation by the
 * simulator's adjoint pass, the exact Hessian by the parameter shift, the
 * constants of the theory (circuit_family.c). The asymptotic model shares
 * the orthonormal inputs and labels with them, and its methods with the
 * frozen kernel; the YOU23 theory is shared by periodic, asymptotic and
 * frozen (periodic.c). */
#ifndef QNN_MODELS_H
#define QNN_MODELS_H

#include <gsl/gsl_rng.h>
#include "circuit.h"
#include "qnn/analysis.h"
#include "qnn/model.h"

typedef struct qnn_model_data {
    qnn_circuit *circ;
    size_t m;            /* states in the batch */
    qnn_cplx *inputs;    /* column-major D x m */
    double *y;           /* m targets */
    double loss_scale;   /* loss = (loss_scale/2) Σ r² */
} qnn_model_data;

/* The built-in classes (registry.c lists them). */
extern const qnn_model_class qnn_class_random, qnn_class_periodic, qnn_class_asymptotic,
    qnn_class_frozen, qnn_class_hidden, qnn_class_qbm, qnn_class_gue, qnn_class_mlp,
    qnn_class_carleman, qnn_class_circuit;

/* Draws circuit and data of a circuit model (p->model: random, periodic or
 * hidden) from rng in a fixed order: the observable, the input states, the
 * labels, then layer by layer (P_l, W_l) (periodic: U_0 first). So under
 * one seed a circuit with more layers extends the one with fewer, with the
 * same observable and data: a sweep over L (or a live change of L)
 * compares nested circuits. Returns 0, or -1 with a message. */
int qnn_model_build(const qnn_params *p, gsl_rng *rng, qnn_model_data *out,
                    char *err, size_t errlen);
/* The same, giving up between layers (a Haar entangler of D x D each)
 * once *cancel (not NULL) is non-zero: -1 with status QNN_E_INTERRUPTED
 * in the message ("interrupted") and *out freed. */
int qnn_model_build_cancel(const qnn_params *p, gsl_rng *rng, qnn_model_data *out,
                           const atomic_int *cancel, char *err, size_t errlen);
void qnn_model_data_free(qnn_model_data *md);

/* Data and M(0) of the asymptotic model for m0_init = haar or file, in this
 * draw order: the inputs (basis, or a random orthonormal set), the labels,
 * then U of Eq. 120 (haar). *M (d x d, with γ), *V (d x m), *y (m) are
 * malloc'd. 0, or -1 with a message. */
int qnn_model_build_asym(const qnn_params *p, gsl_rng *rng, qnn_cplx **M, qnn_cplx **V,
                         double **y, char *err, size_t errlen);

/* A Haar-random orthonormal set of m states in C^D: QR of a D x m complex
 * Ginibre matrix, the first m columns of Q. 0 or -1 (memory). */
int qnn_random_orthonormal(gsl_rng *rng, size_t D, size_t m, qnn_cplx *out);

/* A uniformly random non-identity Pauli string on n qubits. */
qnn_pauli qnn_pauli_random(gsl_rng *rng, int n);

/* --- the circuit classes' methods -------------------------------------- */
int qnn_circ_build(qnn_instance *in, const qnn_instance *lender, char *err, size_t errlen);
void qnn_circ_free(qnn_instance *in);
int qnn_circ_eval(qnn_instance *in, int want, qnn_obs *out);
/* From the residuals r and the Jacobian J (m x P) of an evaluation:
 * ∇loss = c Jᵀ r, the kernel K = J Jᵀ, and what every model with a
 * Jacobian records of them (step, time, kernel change, ε, loss (c/2)Σr²,
 * tr K/m, gradient norms; the visible state's entropy when want_ent); the
 * caller sets ŷ_0 and the eigenvalues. Σ r² and tr K in *ss and *tr. */
void qnn_circ_observe(qnn_instance *in, double c, int want_ent, qnn_obs *out, double *ss, double *tr);
int qnn_circ_grad_at(qnn_instance *in, const double *theta, double *g);
int qnn_circ_hessian(qnn_instance *in, double *H);
void qnn_circ_residuals_at(qnn_instance *in, const double *theta, double *r);
int qnn_circ_set_gamma(qnn_instance *in, double gamma);
/* The constants (n, D, L, m, γ, η, σ_θ, the observable's traces, loss
 * scale); H_op2_sum is the caller's. */
void qnn_circ_consts(const qnn_instance *in, qnn_consts *c);
/* Residuals: one for task = optimise, else m. */
double qnn_circ_n_residuals(const qnn_params *p);
/* Bytes of one instance with `layers` frozen entanglers (haar_work: the
 * Haar sampling work space). */
double qnn_circ_instance_bytes(const qnn_params *p, double layers, int haar_work, double hessian_bytes);
/* Exact Hessian under hessian = auto (P²D² ≤ 2^29): the threshold dates
 * from the parameter shift (2P Jacobians, O(P² D²)) and is kept so that
 * auto picks the same observer as before the second-order adjoint. */
int qnn_circ_hessian_auto_exact(const qnn_params *p, double P);
/* `m` of a supervised task within D; key use of the keys all three share. */
int qnn_circ_check_task(const qnn_params *p, char *err, size_t errlen);

/* The methods every circuit class shares, for its class table. */
#define QNN_CIRCUIT_METHODS                                                     \
    .hessian_auto_exact = qnn_circ_hessian_auto_exact, .build = qnn_circ_build, \
    .free = qnn_circ_free, .eval = qnn_circ_eval, .grad_at = qnn_circ_grad_at,  \
    .hessian = qnn_circ_hessian, .residuals_at = qnn_circ_residuals_at,         \
    .set_gamma = qnn_circ_set_gamma

/* --- helpers of the other classes --------------------------------------- */
/* The data sets the program makes (key data = teacher, sin1d, bump2d,
 * spirals; qnn/mlp.h): N samples of n0 inputs and nL outputs (spirals:
 * one-hot over p->classes, with the class in lab) drawn from r. The mlp and
 * the circuit model train on them. 0 or -1 with a message. */
int qnn_params_data(const qnn_params *p, gsl_rng *r, int n0, int nL, size_t N,
                    double *X, double *Y, int *lab, char *err, size_t errlen);
/* A Pauli string `measure` of n letters acting as I on the n_h hidden
 * qubits (hidden_too: checked), as periodic and asymptotic (m0 from the
 * circuit) take it. 0 or -1 with a message. */
int qnn_check_measure(const qnn_params *p, int hidden_too, char *err, size_t errlen);
/* The YOU23 theory of a finished run (periodic QNN, its asymptotic
 * dynamics, the frozen kernel): periodic.c. */
void qnn_you23_analyse(struct qnn_summary *s, const struct qnn_run *run, const qnn_analysis_extra *x,
                       int periodic, int frozen);
void qnn_you23_live_theory(const qnn_params *p, const qnn_consts *mean, int m, qnn_live_theory *t,
                           int frozen);
/* The asymptotic model's methods, which frozen shares (asymptotic.c). */
int qnn_asym_class_build(qnn_instance *in, const qnn_instance *lender, char *err, size_t errlen);
void qnn_asym_class_free(qnn_instance *in);
int qnn_asym_class_eval(qnn_instance *in, int want, qnn_obs *out);
void qnn_asym_class_step(qnn_instance *in);
void qnn_asym_class_consts(const qnn_instance *in, qnn_consts *c);
int qnn_asym_class_check(const qnn_params *p, char *err, size_t errlen);
double qnn_asym_class_bytes(const qnn_params *p, double hessian_bytes);
qnn_key_use qnn_asym_class_key_use(const qnn_params *p, const char *key);
/* The methods the asymptotic and frozen classes share. */
#define QNN_ASYM_METHODS                                                          \
    .key_use = qnn_asym_class_key_use, .check = qnn_asym_class_check,             \
    .n_params = qnn_zero_params, .n_residuals = qnn_m_residuals,                  \
    .instance_bytes = qnn_asym_class_bytes, .build = qnn_asym_class_build,        \
    .free = qnn_asym_class_free, .eval = qnn_asym_class_eval,                     \
    .step = qnn_asym_class_step, .consts = qnn_asym_class_consts
double qnn_zero_params(const qnn_params *p);
double qnn_m_residuals(const qnn_params *p);

#endif
