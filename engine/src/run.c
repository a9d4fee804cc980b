#include "qnn/run.h"
#include "qnn/hessian.h"
#include "qnn/model.h"
#include "qnn/par.h"
#include "qnn/pool.h"

#include <gsl/gsl_cblas.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <gsl/gsl_eigen.h>
#include <gsl/gsl_sort_vector.h>

/* OpenBLAS runs single-threaded inside the engine: parallelism is over
 * instances, which keeps every result independent of the thread count. */
void openblas_set_num_threads(int); /* OpenBLAS; its cblas.h clashes with GSL's */

int qnn_run_default_threads(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}

void qnn_run_instance_clear(qnn_run_instance *ri)
{
    free(ri->rec);
    free(ri->K0);
    free(ri->eig0);
    free(ri->resid);
    for (size_t k = 0; k < ri->nspec; k++) {
        free(ri->spec[k].x);
        free(ri->spec[k].w);
    }
    free(ri->spec);
    memset(ri, 0, sizeof *ri);
    ri->diverged_at = -1;
}

void qnn_run_free(qnn_run *run)
{
    if (!run)
        return;
    for (int i = 0; i < run->ninst; i++)
        qnn_run_instance_clear(&run->inst[i]);
    free(run->inst);
    free(run->mean_K0);
    free(run->mean_K0_eig);
    free(run);
}

typedef struct job {
    const qnn_params *p;
    qnn_run *run;
    const qnn_instance *lender;
    pthread_mutex_t lock;
    int done, failed;
    atomic_int stop;          /* read without the lock inside the step loop */
    char err[512];
    qnn_progress_fn progress;
    void *ctx;
    int kernel_threads;       /* each worker's kernel threads (qnn/par.h) */
} job;

static int record_due(long t, long T, int every) { return t % every == 0 || t == T; }

/* Keeps a copy of the spectrum the instance just computed. 0 or -1. */
static int keep_spectrum(qnn_run_instance *ri, qnn_instance *in, size_t *cap)
{
    long step;
    int upload;
    const qnn_spectrum *sp = qnn_instance_take_spectrum(in, &step, &upload);
    if (!sp)
        return 0;
    if (ri->nspec == *cap) {
        size_t nc = *cap ? 2 * *cap : 16;
        qnn_spectrum_rec *r = realloc(ri->spec, nc * sizeof *r);
        if (!r)
            return -1;
        ri->spec = r;
        *cap = nc;
    }
    qnn_spectrum_rec *r = &ri->spec[ri->nspec];
    r->step = step;
    r->exact = sp->exact;
    r->upload = upload;
    r->dim = sp->dim;
    r->n = sp->n;
    r->x = malloc(sp->n * sizeof(double));
    r->w = malloc(sp->n * sizeof(double));
    if (!r->x || !r->w) {
        free(r->x);
        free(r->w);
        return -1;
    }
    memcpy(r->x, sp->x, sp->n * sizeof(double));
    memcpy(r->w, sp->w, sp->n * sizeof(double));
    ri->nspec++;
    return 0;
}

int qnn_run_one(const qnn_params *p, int i, const qnn_instance *lender, const atomic_int *stop,
                qnn_run_instance *ri, char *err, size_t errlen)
{
    memset(ri, 0, sizeof *ri);
    ri->index = i;
    ri->diverged_at = -1;
    qnn_instance *in = qnn_instance_new(p, i, lender, err, errlen);
    if (!in)
        return -1;
    /* model carleman: "steps" are the ode_points times of the error curve */
    long T = p->steps;
    int every = p->record_every;
    qnn_params_records(p, &T, &every);
    size_t cap = (size_t)(T / every) + 2;
    ri->rec = malloc(cap * sizeof *ri->rec);
    int m = 0;
    qnn_instance_kernel(in, &m);
    ri->K0 = malloc((size_t)m * (size_t)m * sizeof(double));
    ri->eig0 = malloc((size_t)m * sizeof(double));
    if (p->record_residuals)
        ri->resid = malloc(cap * (size_t)m * sizeof(double));
    if (!ri->rec || !ri->K0 || !ri->eig0 || (p->record_residuals && !ri->resid)) {
        qnn_instance_free(in);
        qnn_run_instance_clear(ri);
        return qnn_fail(err, errlen, QNN_E_NOMEM, "out of memory for the records of instance %d (%zu records)", i, cap);
    }
    qnn_instance_consts(in, &ri->consts);
    size_t spec_cap = 0;
    int stopped = 0;
    for (long t = 0; t <= T; t++) {
        int rec = record_due(t, T, every);
        int eig = rec && (t == 0 || t == T || t % p->kernel_every == 0) ? QNN_WANT_EIGEN : 0;
        if (rec && (t == 0 || t == T || t % p->entropy_every == 0))
            eig |= QNN_WANT_ENTROPY;
        if (rec && p->hessian != QNN_HESS_OFF && (t == 0 || t == T || t % p->hessian_every == 0))
            eig |= QNN_WANT_HESSIAN;
        qnn_obs o;
        memset(&o, 0, sizeof o);
        int bad = qnn_instance_eval(in, eig, &o);
        if (keep_spectrum(ri, in, &spec_cap) != 0) {
            qnn_instance_free(in);
            qnn_run_instance_clear(ri);
            return qnn_fail(err, errlen, QNN_E_NOMEM, "out of memory for the Hessian spectra of instance %d", i);
        }
        if (t == 0) {
            memcpy(ri->K0, qnn_instance_kernel(in, NULL), (size_t)m * (size_t)m * sizeof(double));
            memcpy(ri->eig0, qnn_instance_eigenvalues(in, NULL), (size_t)m * sizeof(double));
        }
        if (bad || rec) {
            if (ri->resid)
                memcpy(ri->resid + ri->nrec * (size_t)m, qnn_instance_residuals(in, NULL), (size_t)m * sizeof(double));
            ri->rec[ri->nrec++] = o;   /* a diverged record keeps its non-finite values */
        }
        if (bad) {
            ri->diverged_at = t;
            break;
        }
        if (t < T)
            qnn_instance_step(in);
        if ((t & 63) == 0 && stop && atomic_load_explicit(stop, memory_order_relaxed)) {
            stopped = 1;
            break;
        }
    }
    qnn_instance_free(in);
    if (stopped) {
        qnn_run_instance_clear(ri);
        qnn_fail(err, errlen, QNN_E_INTERRUPTED, "interrupted");
        return 1;
    }
    return 0;
}

/* Runs instance i into the job's run; 0, or -1 with job->err set (a stop
 * request leaves the instance empty and returns 0: the run fails later). */
static int run_one(job *jb, int i)
{
    char err[512];
    int rc = qnn_run_one(jb->p, i, jb->lender, &jb->stop, &jb->run->inst[i], err, sizeof err);
    if (rc < 0) {
        pthread_mutex_lock(&jb->lock);
        if (!jb->failed)
            snprintf(jb->err, sizeof jb->err, "%s", err);
        jb->failed = 1;
        pthread_mutex_unlock(&jb->lock);
        return -1;
    }
    return 0;
}

/* A worker of the run's pool: instances in the order the pool hands them
 * out; a failure stops the handing out (instances under way finish). */
static void worker(qnn_pool *pool, int w, void *arg)
{
    (void)w;
    job *jb = arg;
    /* worker 0 is the caller's thread: its own count is given back */
    const int had = qnn_par_threads();
    qnn_par_set_threads(jb->kernel_threads);
    for (long i; (i = qnn_pool_next(pool)) >= 0;) {
        if (run_one(jb, (int)i) != 0) {
            qnn_pool_stop(pool);
            break;
        }
        pthread_mutex_lock(&jb->lock);
        jb->done++;
        if (jb->progress && jb->progress(jb->ctx, jb->done, jb->run->ninst))
            atomic_store(&jb->stop, 1);
        pthread_mutex_unlock(&jb->lock);
    }
    qnn_par_set_threads(had);
}

static int mean_kernel(qnn_run *run)
{
    const int m = run->m;
    const size_t mm = (size_t)m * (size_t)m;
    run->mean_K0 = calloc(mm, sizeof(double));
    run->mean_K0_eig = calloc((size_t)m, sizeof(double));
    if (!run->mean_K0 || !run->mean_K0_eig)
        return -1;
    int used = 0;
    for (int i = 0; i < run->ninst; i++) {
        const qnn_run_instance *ri = &run->inst[i];
        if (ri->diverged_at == 0)
            continue;
        for (size_t k = 0; k < mm; k++)
            run->mean_K0[k] += ri->K0[k];
        used++;
    }
    if (used == 0) {
        for (int k = 0; k < m; k++)
            run->mean_K0_eig[k] = NAN;
        return 0;
    }
    for (size_t k = 0; k < mm; k++)
        run->mean_K0[k] /= used;
    gsl_matrix *A = gsl_matrix_alloc((size_t)m, (size_t)m);
    gsl_vector *ev = gsl_vector_alloc((size_t)m);
    gsl_eigen_symm_workspace *w = gsl_eigen_symm_alloc((size_t)m);
    if (!A || !ev || !w) {
        if (A) gsl_matrix_free(A);
        if (ev) gsl_vector_free(ev);
        if (w) gsl_eigen_symm_free(w);
        return -1;
    }
    memcpy(A->data, run->mean_K0, mm * sizeof(double));
    gsl_eigen_symm(A, ev, w);
    gsl_sort_vector(ev);
    memcpy(run->mean_K0_eig, ev->data, (size_t)m * sizeof(double));
    gsl_matrix_free(A);
    gsl_vector_free(ev);
    gsl_eigen_symm_free(w);
    return 0;
}

int qnn_run_outputs(const qnn_params *p)
{
    /* the training states: one where the class does not use m (an
     * optimisation task), else m (the mlp's samples, not its outputs) */
    return qnn_model_key_use(p, "m") == QNN_KEY_UNUSED ? 1 : p->m;
}

int qnn_run_lender(const qnn_params *p, qnn_instance **lender, char *err, size_t errlen)
{
    *lender = NULL;
    if (p->resample != QNN_RESAMPLE_THETA)
        return 0;
    *lender = qnn_instance_new(p, 0, NULL, err, errlen);
    return *lender ? 0 : -1;
}

int qnn_run_assemble(const qnn_params *p, qnn_run_instance *inst, int ninst, qnn_run **out,
                     char *err, size_t errlen)
{
    *out = NULL;
    qnn_run *run = calloc(1, sizeof *run);
    if (!run) {
        for (int i = 0; i < ninst; i++)
            qnn_run_instance_clear(&inst[i]);
        free(inst);
        return qnn_fail(err, errlen, QNN_E_NOMEM, "out of memory");
    }
    run->params = *p;
    run->ninst = ninst;
    run->m = qnn_run_outputs(p);
    run->inst = inst;
    run->threads_used = 0;
    if (mean_kernel(run) != 0) {
        qnn_fail(err, errlen, QNN_E_NOMEM, "out of memory for the mean kernel (m = %d)", run->m);
        qnn_run_free(run);
        return QNN_E_NOMEM;
    }
    *out = run;
    return 0;
}

int qnn_run_execute(const qnn_params *p, qnn_progress_fn progress, void *ctx,
                    qnn_run **out, char *err, size_t errlen)
{
    *out = NULL;
    openblas_set_num_threads(1);
    qnn_run *run = calloc(1, sizeof *run);
    if (!run) {
        return qnn_fail(err, errlen, QNN_E_NOMEM, "out of memory");
    }
    run->params = *p;
    run->ninst = p->instances;
    run->m = qnn_run_outputs(p);
    run->inst = calloc((size_t)p->instances, sizeof *run->inst);
    if (!run->inst) {
        qnn_run_free(run);
        return qnn_fail(err, errlen, QNN_E_NOMEM, "out of memory for %d instances", p->instances);
    }
    int threads = p->threads > 0 ? p->threads : qnn_run_default_threads();
    /* fewer instances than threads: the spare threads split the state-
     * vector kernels of each instance (bit-identical for any split) */
    const int kernel_threads = threads > p->instances ? threads / p->instances : 1;
    if (threads > p->instances)
        threads = p->instances;
    run->threads_used = threads;

    job jb;
    memset(&jb, 0, sizeof jb);
    atomic_init(&jb.stop, 0);
    jb.p = p;
    jb.run = run;
    jb.progress = progress;
    jb.ctx = ctx;
    jb.kernel_threads = kernel_threads;
    pthread_mutex_init(&jb.lock, NULL);
    qnn_instance *lender = NULL;
    if (p->resample == QNN_RESAMPLE_THETA) {
        lender = qnn_instance_new(p, 0, NULL, err, errlen);
        if (!lender) {
            pthread_mutex_destroy(&jb.lock);
            qnn_run_free(run);
            return -1;
        }
        jb.lender = lender;
    }

    qnn_pool_run(threads, run->ninst, &jb.stop, worker, &jb);
    qnn_instance_free(lender);
    pthread_mutex_destroy(&jb.lock);

    if (jb.failed || atomic_load(&jb.stop)) {
        qnn_status st = qnn_fail(err, errlen, jb.failed ? QNN_E_FAIL : QNN_E_INTERRUPTED, "%s",
                                 jb.failed ? jb.err : "interrupted");
        qnn_run_free(run);
        return st;
    }
    if (mean_kernel(run) != 0) {
        qnn_fail(err, errlen, QNN_E_NOMEM, "out of memory for the mean kernel (m = %d)", run->m);
        qnn_run_free(run);
        return QNN_E_NOMEM;
    }
    *out = run;
    return 0;
}
