/* What a finished run measured, reduced over the ensemble, and the theory
 * values that apply to it (with the constants they were computed from).
 * Shared by the headless writer, the figures and (later) the live faces. */
#ifndef QNN_ANALYSIS_H
#define QNN_ANALYSIS_H

#include <stddef.h>
#include "qnn/run.h"
#include "qnn/stats.h"

#define QNN_MAX_THEORY 16
#define QNN_MAX_CONSTS 12

typedef struct qnn_named { const char *name; double value; } qnn_named;

/* One theory value: what it predicts, for which measured statistic. */
typedef struct qnn_theory_value {
    const char *name;       /* e.g. "mean_qntk" */
    const char *source;     /* e.g. "exact 2-design mean; LIU23 Eq. 9/17" */
    const char *formula;    /* plain-text formula */
    const char *statistic;  /* the measured quantity it is compared with */
    double value;
    double measured;        /* NaN when not measured here */
    double measured_se;     /* standard error of `measured`, NaN if none */
    size_t nconsts;
    qnn_named consts[QNN_MAX_CONSTS];
} qnn_theory_value;

typedef struct qnn_summary {
    int instances, diverged, m;
    long steps;             /* requested */
    /* constants averaged over instances */
    double D, L, gamma, eta, sigma_theta, trO, trO2, trO4, H_op2_sum;
    /* measured */
    qnn_stat eps_t0, abs_eps_t0, eps_final, abs_eps_final;
    qnn_stat loss_t0, loss_final;
    qnn_stat kernel_t0, kernel_final;
    qnn_stat lambda_min_t0, lambda_max_t0, lambda_min_final;
    qnn_stat rate_final;    /* -d ln loss / dt over the last recorded interval (per step) */
    qnn_stat lambda_min_least;     /* smallest recorded lambda_min over the run */
    qnn_stat kernel_change_final;  /* ‖K(T) - K(0)‖_F / ‖K(0)‖_F */
    qnn_stat spectral_drift_final; /* asymptotic: relative drift of the spectrum of M */
    double time_final;      /* flow time of the last step (qnn_obs.time) */
    /* entanglement of the visible qubits (OME): output state of the first input */
    int n_v_obs, n_h_obs;   /* the split the observers used (0, 0: none) */
    qnn_stat entropy_t0, entropy_final, tdist_t0, tdist_final;
    qnn_stat grad_inf_t0;   /* ‖∇ loss‖_∞ at t = 0; its sd² is OME Fig. 3b's variance */
    double kernel_rel_std_t0;     /* sd/mean of the kernel at t = 0 */
    double kernel_rel_std_t0_se;  /* its standard error (normal approximation) */
    /* mlp and the Hessian observer */
    qnn_stat grad_ms_t0;    /* mean square hidden-layer gradient at t = 0 (LLJ Eq. 12) */
    qnn_stat laziness_final;
    qnn_stat accuracy_final, test_accuracy_final;
    qnn_stat h_min_t0, h_max_t0, h_frac_pos_t0, h_min_final, h_max_final, h_frac_pos_final;
    double kernel_rel_var_t0, kernel_rel_var_t0_se; /* Var K / mean² at t = 0 (LLJ Eq. 17) */
    double lambda_min_mean_kernel_t0;    /* smallest eigenvalue of the mean K(0) */
    double lambda_min_mean_kernel_t0_se; /* SE of vᵀK(0)v over instances, v its eigenvector */
    size_t ntheory;
    qnn_theory_value theory[QNN_MAX_THEORY];
} qnn_summary;

/* Reduces a run. Returns 0, or -1 when memory runs out. */
int qnn_analyse(const qnn_run *run, qnn_summary *s);

/* For the classes' analyse methods (qnn/model.h): adds a theory value to
 * s (NULL when s holds QNN_MAX_THEORY already; the others accept NULL),
 * a constant it was computed from, and the measured statistic it is
 * compared with. The strings must outlive s (literals). */
qnn_theory_value *qnn_summary_add_theory(qnn_summary *s, const char *name, const char *source,
                                         const char *formula, const char *statistic, double value);
void qnn_theory_add_const(qnn_theory_value *v, const char *name, double value);
void qnn_theory_set_measured(qnn_theory_value *v, qnn_stat st);
void qnn_theory_set_measured_ms(qnn_theory_value *v, double mean, double se);

/* The theory value named `name` in s, or NULL. */
const qnn_theory_value *qnn_summary_theory(const qnn_summary *s, const char *name);

/* Ensemble curve over the records: for record k, the mean and standard
 * error over the instances that have it of field(obs) (|ε| when
 * abs_eps); *t is the step of record k (multiply by consts.dt for the flow
 * time). Arrays have run->inst[0].nrec... the longest nrec entries;
 * returns that length, 0 on failure. The caller frees *t, *mean, *se. */
typedef enum { QNN_FIELD_EPS, QNN_FIELD_ABS_EPS, QNN_FIELD_LOSS, QNN_FIELD_KERNEL,
               QNN_FIELD_LAMBDA_MIN, QNN_FIELD_LAMBDA_MAX, QNN_FIELD_KCHANGE,
               QNN_FIELD_DRIFT, QNN_FIELD_YHAT0, QNN_FIELD_ENTROPY, QNN_FIELD_TDIST,
               QNN_FIELD_GRAD_INF, QNN_FIELD_GRAD_MS, QNN_FIELD_LAZINESS,
               QNN_FIELD_ACCURACY, QNN_FIELD_TEST_ACCURACY, QNN_FIELD_H_MIN,
               QNN_FIELD_H_MAX, QNN_FIELD_H_FRAC_POS, QNN_FIELD_PROXY,
               QNN_FIELD_ERR_NORM } qnn_field;
size_t qnn_ensemble_curve(const qnn_run *run, qnn_field f, double **t,
                          double **mean, double **se);
double qnn_obs_field(const qnn_obs *o, qnn_field f);

/* Least-squares exponential fit y = A e^{b x} (OME Fig. 3b): a weighted
 * linear fit of ln y against x with weights (y/se)², by gsl_fit_wlinear;
 * points with y <= 0 or se not finite and > 0 are left out. Returns the
 * number of points used (0 when fewer than 2, then b = NaN); b_se is the
 * standard error of b from the fit's covariance, scaled by the reduced
 * chi-square when that exceeds 1. */
size_t qnn_fit_exponential(const double *x, const double *y, const double *se, size_t n,
                           double *A, double *b, double *b_se);

/* Variance over instances of ‖∇loss‖_∞ at t = 0 and its standard error
 * (normal approximation: sd² √(2/(n-1))). */
void qnn_grad_inf_variance(const qnn_summary *s, double *var, double *se);

#endif
