/* What a finished run measured, reduced over the ensemble, and the theory
 * values that apply to it (with the constants they were computed from).
 * Shared by the headless writer, the figures and the live faces. */
#ifndef QNN_ANALYSIS_H
#define QNN_ANALYSIS_H

#include <stddef.h>
#include "qnn/run.h"
#include "qnn/stats.h"
#include "qnn/fit.h"

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
    double kernel_rel_std_t0_se;  /* its standard error (qnn_cv_se over the instances) */
    /* mlp and the Hessian observer */
    qnn_stat grad_ms_t0;    /* mean square hidden-layer gradient at t = 0 (LLJ Eq. 12) */
    qnn_stat laziness_final;
    qnn_stat accuracy_final, test_accuracy_final;
    qnn_stat test_loss_final;    /* circuit with held-out rows */
    qnn_stat hessian_min_t0, hessian_max_t0, hessian_frac_pos_t0, hessian_min_final, hessian_max_final, hessian_frac_pos_final;
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

/* LIU23 Eq. 16: 1 when both concentration ratios of s (qntk_rel_std and
 * concentration_dqntk) are below 0.1, 0 when one is not, -1 when s does
 * not hold both. */
int qnn_concentration_holds(const qnn_summary *s);

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

/* The number of records on the common grid of qnn_ensemble_curve: the
 * longest instance's, a diverged instance's last (non-finite) record left
 * out. */
size_t qnn_ensemble_len(const qnn_run *run);
/* The geometric mean over the instances, record by record, of the finite
 * positive values of field f (quantities that spread over decades between
 * instances, e.g. |ε| of LIU24 Fig. 4): x[c] is the step of the record
 * (its flow time when use_time) in the first instance that has it.
 * Records without any such value are left out. x and y, owned by the
 * caller, hold qnn_ensemble_len(run) entries; returns how many were
 * written. */
size_t qnn_ensemble_geo_curve(const qnn_run *run, qnn_field f, int use_time, double *x, double *y);

/* Variance over instances of ‖∇loss‖_∞ at t = 0 and its standard error
 * from the instances' fourth moment (2 sd · grad_inf_t0.sd_se, which is
 * qnn_var_se of the per-instance values; NaN with fewer than 4). */
void qnn_grad_inf_variance(const qnn_summary *s, double *var, double *se);

/* The statistics of a width sweep (mlp) that follow a power law in the
 * width, fitted with qnn_fit_power: the sweep statistic, the summary name,
 * the summary.json key of the fits, the predicted slope (NaN: none) and
 * its source. */
typedef struct qnn_width_law {
    const char *stat, *summary, *fit_key;
    double prediction;
    const char *source;
} qnn_width_law;
#define QNN_WIDTH_LAWS 3
extern const qnn_width_law qnn_width_laws[QNN_WIDTH_LAWS];
/* The index in qnn_width_laws of the law of sweep statistic stat, or -1. */
int qnn_width_law_of(const char *stat);
/* The value and standard error in s of law w's statistic (w in
 * [0, QNN_WIDTH_LAWS)). */
void qnn_width_law_value(const qnn_summary *s, int w, double *y, double *se);

/* ------------------------------------------------------------------------
 * Measures of a run's records (engine/src/measure.c). Times are flow times
 * (qnn_obs.time). Pure functions of the run: nothing is kept or printed;
 * those returning qnn_mean_se (qnn/fit.h) give {NaN, NaN, -1} when memory
 * runs out.
 * ------------------------------------------------------------------------ */

/* The record of ri nearest to flow time t (the first of equals; 0 when ri
 * has none). */
size_t qnn_rec_near_time(const qnn_run_instance *ri, double t);

/* The latest flow time any instance recorded (0 when none did). */
double qnn_run_final_time(const qnn_run *run);

/* −d ln L/dt of instance ri over the last tenth of its records (at least
 * the last interval). NaN with fewer than 3 records, after a divergence,
 * or when a loss is not > 0 or the time does not advance. */
double qnn_late_rate(const qnn_run_instance *ri);

/* How far trajectory a lies from b (figure = compare): the maximum over
 * their common records of ‖r_a − r_b‖ / ‖r_b(0)‖ when both kept their m
 * residuals, else of |ε_a − ε_b| / |ε_b(0)|. NaN when either diverged, has
 * no record, the steps of a common record differ, or the norm at 0 is 0. */
double qnn_max_eps_distance(const qnn_run_instance *a, const qnn_run_instance *b, int m);

/* The mean over instances of each instance's smallest −d ln L/dt between
 * consecutive records (YOU23 Fig. 2), intervals with a loss at or below
 * loss_floor or no advance in time left out. */
qnn_mean_se qnn_min_rate(const qnn_run *run, double loss_floor);

/* One interval of the YOU23 Cor. 4.3 check, between consecutive records o0
 * and o1 of a one-sample run with scale gamma: *x = 2(γ² − ŷ²)/γ² with ŷ the
 * mean of the two ŷ_0 (NaN when ŷ_0 was not recorded), *y = the rate
 * −d ln|r|/dt over γ². Returns 1 when the interval is usable (finite ε of
 * the same sign at both ends, both losses above loss_floor, time advancing);
 * then *x and *y are set, else they are left alone. */
int qnn_rate_interval(const qnn_obs *o0, const qnn_obs *o1, double gamma, double loss_floor,
                      double *x, double *y);

/* The mean over instances of (smallest recorded λ_min) / (last recorded
 * λ_min), instances whose last λ_min is not > 0 left out (YOU23 Fig. 6). */
qnn_mean_se qnn_least_over_final(const qnn_run *run);

/* log10 |ε| of instance i at the record nearest flow time t; NaN when i is
 * out of range, the instance has no record or ε = 0. */
double qnn_log_err(const qnn_run *run, int i, double t);
/* Over the instances of run: the mean of qnn_log_err at t (the log of the
 * geometric-mean error, LIU24 Fig. 4) ... */
qnn_mean_se qnn_log_err_mean(const qnn_run *run, double t);
/* ... its change from t0 to t1, paired per instance ... */
qnn_mean_se qnn_log_err_change(const qnn_run *run, double t0, double t1);
/* ... and the change from run a to run b at t, paired per instance index
 * over a's instances (the same systems at another order). */
qnn_mean_se qnn_log_err_paired(const qnn_run *a, const qnn_run *b, double t);

/* LIU24 Fig. 2a: for each record marked QNN_EVENT_PRUNE with a Hessian, the
 * change of h_min, h_max and h_frac_pos against the previous record with
 * one, per instance in order, into the first cap entries of dmin, dmax,
 * dfp. Returns the number written. */
int qnn_prune_changes(const qnn_run *run, double *dmin, double *dmax, double *dfp, int cap);
/* LIU24 Fig. 2c: over every upload (QNN_EVENT_UPLOAD) that is followed,
 * before the next event, by a later record with a finite proxy: *uploads
 * counts them and *below those whose proxy there is below 1. */
void qnn_upload_proxy(const qnn_run *run, int *uploads, int *below);

/* The per-instance statistics that qnnlab sweep reduces over the instances
 * of each point (summary.csv): statistic s in [0, QNN_INSTANCE_STATS) is a
 * field of the first record ("_t0", NaN when the instance has no step-0
 * record or diverged there), of the last ("final", NaN after a divergence),
 * or the smallest finite one ("least"; NaN after a divergence);
 * abs_eps_t0 and abs_eps_final take |ε|. qnn_instance_stat_name gives its name
 * (a literal; NULL past the last), qnn_instance_stat its value for one
 * instance (NaN when it has none or s is out of range). */
#define QNN_INSTANCE_STATS 29
const char *qnn_instance_stat_name(size_t s);
double qnn_instance_stat(size_t s, const qnn_run_instance *ri);

#endif
