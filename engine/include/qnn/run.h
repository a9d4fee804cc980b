/* An ensemble run: R instances of one parameter set, stepped on worker
 * threads (each instance on one thread from start to end, so results do not
 * depend on the number of threads), with their records kept in memory.
 *
 * Threads: the `threads` key is the number of worker threads; with fewer
 * instances than that, min(threads, R) workers step the instances and each
 * gets threads / R kernel threads (qnn/par.h) that split its state-vector
 * kernels (a single large circuit uses every core). Kernel threads use a
 * fixed partition and chunk-ordered sums, so the results stay bit for bit
 * those of one thread. */
#ifndef QNN_RUN_H
#define QNN_RUN_H

#include <stdatomic.h>
#include <stddef.h>
#include "qnn/params.h"
#include "qnn/status.h"
#include "qnn/instance.h"

/* One Hessian spectrum of one instance: the eigenvalues (exact, weights
 * 1/P) or the SLQ quadrature nodes and weights (summing to 1). */
typedef struct qnn_spectrum_rec {
    long step;
    int exact;            /* 1 exact eigenvalues, 0 SLQ */
    int upload;           /* the error proxy starts from this spectrum */
    size_t dim;           /* P, the number of parameters */
    size_t n;             /* nodes */
    double *x, *w;        /* ascending nodes and weights */
} qnn_spectrum_rec;

typedef struct qnn_run_instance {
    int index;
    long diverged_at;     /* step at which a value stopped being finite, or -1 */
    size_t nrec;
    qnn_obs *rec;         /* nrec records, increasing step */
    qnn_consts consts;
    double *K0;           /* m x m kernel at step 0 (row-major) */
    double *eig0;         /* its eigenvalues, ascending */
    double *resid;        /* record_residuals: nrec x m residuals, row per record; else NULL */
    size_t nspec;         /* hessian != off: the spectra, increasing step */
    qnn_spectrum_rec *spec;
} qnn_run_instance;

typedef struct qnn_run {
    qnn_params params;
    int threads_used;
    int ninst;
    int m;
    qnn_run_instance *inst;
    double *mean_K0;      /* m x m instance mean of K0 */
    double *mean_K0_eig;  /* its eigenvalues, ascending */
} qnn_run;

/* Called from worker threads (serialised by the runner) after each finished
 * instance; return non-zero to stop early (the run then fails with
 * "interrupted"). */
typedef int (*qnn_progress_fn)(void *ctx, int done, int total);

/* Runs a checked parameter set. Returns 0 and *out, or a negative
 * qnn_status with a message: QNN_E_NOMEM, QNN_E_INTERRUPTED (progress
 * asked to stop), QNN_E_FAIL (an instance could not be built: the message
 * says why). */
int qnn_run_execute(const qnn_params *p, qnn_progress_fn progress, void *ctx,
                    qnn_run **out, char *err, size_t errlen);
void qnn_run_free(qnn_run *run);

/* The pieces of qnn_run_execute, for runners that spread the instances of
 * one or many parameter sets over threads, processes or machines (qnnlab
 * sweep). An instance is fully determined by the parameters and its index:
 * qnn_run_one gives bit for bit what qnn_run_execute keeps for instance i.
 *
 * The number of outputs m of a run of p (the kernel is m x m). */
int qnn_run_outputs(const qnn_params *p);
/* With resample = theta every instance borrows the circuit and data of
 * instance 0: *lender is that instance (free it with qnn_instance_free after
 * the last qnn_run_one), else NULL. 0, or QNN_E_FAIL with the message of
 * the failed build. */
int qnn_run_lender(const qnn_params *p, qnn_instance **lender, char *err, size_t errlen);
/* Runs instance i of the checked parameter set p into *ri (owned by the
 * caller: qnn_run_instance_clear). stop, when not NULL, is polled every 64
 * steps. 0 done; 1 stopped (ri left empty); a negative qnn_status with a
 * message: QNN_E_NOMEM, or QNN_E_FAIL when the instance cannot be built. */
int qnn_run_one(const qnn_params *p, int i, const qnn_instance *lender, const atomic_int *stop,
                qnn_run_instance *ri, char *err, size_t errlen);
void qnn_run_instance_clear(qnn_run_instance *ri);
/* A run of p from ninst finished instances (inst[i].index == i), taking
 * ownership of the array (malloc'd) and its contents, also on failure: the
 * instance mean kernel and its spectrum are reduced in index order. 0, or
 * QNN_E_NOMEM with a message. */
int qnn_run_assemble(const qnn_params *p, qnn_run_instance *inst, int ninst, qnn_run **out,
                     char *err, size_t errlen);

/* Number of worker threads `threads = 0` resolves to here. */
int qnn_run_default_threads(void);

#endif
