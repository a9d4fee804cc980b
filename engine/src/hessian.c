/* Hessian spectra, SLQ, histograms and the LIU24 error proxy; see
 * qnn/hessian.h for the conventions. */
#include "qnn/hessian.h"
#include "qnn/hessian_gsl.h"

#include <gsl/gsl_cblas.h>
#include <gsl/gsl_eigen.h>
#include <gsl/gsl_histogram.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_vector.h>
#include <float.h>
#include <lapacke.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

const char *qnn_hess_strerror(int status)
{
    switch (status) {
    case QNN_HESS_OK: return "ok";
    case QNN_HESS_EARGS: return "bad argument";
    case QNN_HESS_ENOMEM: return "out of memory";
    case QNN_HESS_EHVP: return "the Hessian-vector product failed";
    case QNN_HESS_ENOTFINITE: return "the Hessian is not finite";
    case QNN_HESS_EEIGEN: return "the eigensolver failed";
    case QNN_HESS_EMPTYCUT: return "no eigenvalue survives the cut";
    case QNN_HESS_ECANCEL: return "cancelled";
    default: return "unknown status";
    }
}

/* ------------------------------------------------------------------ */
/* Spectra                                                             */
/* ------------------------------------------------------------------ */

int qnn_spectrum_alloc(qnn_spectrum *s, size_t n)
{
    memset(s, 0, sizeof *s);
    if (n == 0 || n > SIZE_MAX / sizeof(double))
        return QNN_HESS_EARGS;
    s->x = malloc(n * sizeof(double));
    s->w = malloc(n * sizeof(double));
    if (!s->x || !s->w) {
        qnn_spectrum_free(s);
        return QNN_HESS_ENOMEM;
    }
    s->n = n;
    return QNN_HESS_OK;
}

void qnn_spectrum_free(qnn_spectrum *s)
{
    if (!s)
        return;
    free(s->x);
    free(s->w);
    memset(s, 0, sizeof *s);
}

int qnn_spectrum_from_values(const double *values, size_t n, qnn_spectrum *out)
{
    memset(out, 0, sizeof *out);
    if (!values || n == 0)
        return QNN_HESS_EARGS;
    for (size_t i = 0; i < n; i++)
        if (!isfinite(values[i]))
            return QNN_HESS_EARGS;
    int rc = qnn_spectrum_alloc(out, n);
    if (rc != QNN_HESS_OK)
        return rc;
    memcpy(out->x, values, n * sizeof(double));
    gsl_sort(out->x, 1, n);
    for (size_t i = 0; i < n; i++)
        out->w[i] = 1.0 / (double)n;
    out->exact = 1;
    out->dim = n;
    return QNN_HESS_OK;
}

/* ------------------------------------------------------------------ */
/* Dense path                                                          */
/* ------------------------------------------------------------------ */

/* ‖H - Hᵀ‖_F / ‖H‖_F with the entries scaled by max |h| (no overflow). */
static double asymmetry(const double *H, size_t P)
{
    double amax = 0.0;
    for (size_t k = 0; k < P * P; k++)
        amax = fmax(amax, fabs(H[k]));
    if (amax == 0.0)
        return 0.0;
    double num = 0.0, den = 0.0;
    for (size_t i = 0; i < P; i++) {
        const double hii = H[i * P + i] / amax;
        den += hii * hii;
        for (size_t j = i + 1; j < P; j++) {
            const double a = H[i * P + j] / amax, b = H[j * P + i] / amax;
            num += 2.0 * (a - b) * (a - b);
            den += a * a + b * b;
        }
    }
    return sqrt(num / den);
}

int qnn_hess_symmetrise(double *H, size_t P, double *asym)
{
    if (!H || P == 0)
        return QNN_HESS_EARGS;
    if (asym)
        *asym = asymmetry(H, P);
    for (size_t i = 0; i < P; i++)
        for (size_t j = i + 1; j < P; j++) {
            const double m = 0.5 * (H[i * P + j] + H[j * P + i]);
            H[i * P + j] = m;
            H[j * P + i] = m;
        }
    return QNN_HESS_OK;
}

size_t qnn_hess_dense_bytes(size_t P)
{
    /* H (P²) + working copy ((P + 1) P) + eigenvalues and GSL workspace (3 P) */
    if (P == 0)
        return 0;
    if (P > SIZE_MAX / 8 / (P + 1) / 2)
        return SIZE_MAX;
    return (P * P + (P + 1) * P + 3 * P) * sizeof(double);
}

int qnn_hess_dense_spectrum(const double *H, size_t P, qnn_spectrum *out, double *asym)
{
    memset(out, 0, sizeof *out);
    if (!H || P == 0 || qnn_hess_dense_bytes(P) == SIZE_MAX)
        return QNN_HESS_EARGS;
    for (size_t k = 0; k < P * P; k++)
        if (!isfinite(H[k]))
            return QNN_HESS_ENOTFINITE;
    /* One spare row behind the matrix, as for the complex matrices
     * (gslpad.h): GSL's Householder steps run BLAS kernels on its rows and
     * columns, and a block ending at the top of the heap must not fault
     * on an over-read. */
    gsl_matrix *A = gsl_matrix_alloc(P + 1, P);
    gsl_vector *ev = gsl_vector_alloc(P);
    gsl_eigen_symm_workspace *ws = gsl_eigen_symm_alloc(P);
    int rc = QNN_HESS_ENOMEM;
    if (!A || !ev || !ws)
        goto done;
    A->size1 = P;
    for (size_t i = 0; i < P; i++)
        memcpy(A->data + i * A->tda, H + i * P, P * sizeof(double));
    qnn_hess_symmetrise(A->data, P, asym); /* tda == P: contiguous */
    if (gsl_eigen_symm(A, ev, ws) != 0) {
        rc = QNN_HESS_EEIGEN;
        goto done;
    }
    rc = qnn_spectrum_from_values(ev->data, P, out);
    if (rc == QNN_HESS_EARGS)
        rc = QNN_HESS_EEIGEN; /* a non-finite eigenvalue */
done:
    if (A) gsl_matrix_free(A);
    if (ev) gsl_vector_free(ev);
    if (ws) gsl_eigen_symm_free(ws);
    return rc;
}

/* The caller's cancel flag is up. */
static int cancelled(const atomic_int *cancel)
{
    return cancel && atomic_load_explicit(cancel, memory_order_relaxed) != 0;
}

/* Eigenvalues per dstebz call: ~60 bisection steps of O(P) each per
 * eigenvalue, so 256 of them at P = 4096 are ~6e7 operations (~20 ms). */
#define BISECT_BLOCK 256

/* The eigenvalues of the symmetric A (P x P, row-major, lda = P; its lower
 * triangle is overwritten) into ev, ascending: Householder reflections
 * Q_k = I - β v vᵀ take column k below the diagonal to (α, 0, ..., 0), the
 * trailing block becoming A22 - v wᵀ - w vᵀ with p = β A22 v and
 * w = p - (β/2)(pᵀv) v (Golub and Van Loan, Matrix Computations, §8.3.1),
 * one column per cancel check; then LAPACK's dstebz bisects the
 * tridiagonal (d, e) for BISECT_BLOCK eigenvalues at a time. */
static int tridiag_eigenvalues(double *A, size_t P, double *ev, const atomic_int *cancel)
{
    const int n = (int)P;
    double *d = malloc(P * sizeof(double)), *e = malloc(P * sizeof(double));
    double *v = malloc(P * sizeof(double)), *w = malloc(P * sizeof(double));
    double *wb = malloc(P * sizeof(double));   /* dstebz may use all P entries */
    lapack_int *iblock = malloc(P * sizeof(lapack_int)), *isplit = malloc(P * sizeof(lapack_int));
    int rc = QNN_HESS_ENOMEM;
    if (!d || !e || !v || !w || !wb || !iblock || !isplit)
        goto done;
    rc = QNN_HESS_OK;
    for (int k = 0; k + 2 < n && rc == QNN_HESS_OK; k++) {
        if (cancelled(cancel)) {
            rc = QNN_HESS_ECANCEL;
            break;
        }
        const int r = n - k - 1;            /* rows below the diagonal */
        double *x = v;
        for (int i = 0; i < r; i++)
            x[i] = A[(size_t)(k + 1 + i) * P + (size_t)k];
        d[k] = A[(size_t)k * P + (size_t)k];
        const double tail = r > 1 ? cblas_dnrm2(r - 1, x + 1, 1) : 0.0;
        if (tail == 0.0) {                  /* already in tridiagonal form */
            e[k] = x[0];
            continue;
        }
        const double norm = hypot(x[0], tail);
        const double alpha = x[0] >= 0.0 ? -norm : norm;
        x[0] -= alpha;                      /* v = x - α e_1, no cancellation */
        const double vv = x[0] * x[0] + tail * tail;
        const double beta = 2.0 / vv;
        double *A22 = A + (size_t)(k + 1) * P + (size_t)(k + 1);
        cblas_dsymv(CblasRowMajor, CblasLower, r, beta, A22, n, v, 1, 0.0, w, 1);
        const double c = -0.5 * beta * cblas_ddot(r, w, 1, v, 1);
        cblas_daxpy(r, c, v, 1, w, 1);
        cblas_dsyr2(CblasRowMajor, CblasLower, r, -1.0, v, 1, w, 1, A22, n);
        e[k] = alpha;
    }
    if (rc == QNN_HESS_OK) {
        if (n >= 2) {
            d[n - 2] = A[(size_t)(n - 2) * P + (size_t)(n - 2)];
            e[n - 2] = A[(size_t)(n - 1) * P + (size_t)(n - 2)];
        }
        d[n - 1] = A[(size_t)(n - 1) * P + (size_t)(n - 1)];
        for (int il = 1; il <= n && rc == QNN_HESS_OK; il += BISECT_BLOCK) {
            if (cancelled(cancel)) {
                rc = QNN_HESS_ECANCEL;
                break;
            }
            const int iu = il + BISECT_BLOCK - 1 < n ? il + BISECT_BLOCK - 1 : n;
            lapack_int m = 0, nsplit = 0;
            /* abstol 2 DBL_MIN: as accurate as bisection gets (LAPACK) */
            lapack_int info = LAPACKE_dstebz('I', 'E', n, 0.0, 0.0, il, iu, 2.0 * DBL_MIN, d, e, &m, &nsplit,
                                             wb, iblock, isplit);
            if (info != 0 || m != iu - il + 1)
                rc = QNN_HESS_EEIGEN;
            else
                memcpy(ev + (il - 1), wb, (size_t)m * sizeof(double));
        }
    }
done:
    free(d);
    free(e);
    free(v);
    free(w);
    free(wb);
    free(iblock);
    free(isplit);
    return rc;
}

int qnn_hess_dense_spectrum_cancel(const double *H, size_t P, qnn_spectrum *out, double *asym,
                                   const atomic_int *cancel)
{
    if (!cancel)
        return qnn_hess_dense_spectrum(H, P, out, asym);
    memset(out, 0, sizeof *out);
    if (!H || P == 0 || qnn_hess_dense_bytes(P) == SIZE_MAX || P > (size_t)INT_MAX)
        return QNN_HESS_EARGS;
    for (size_t k = 0; k < P * P; k++)
        if (!isfinite(H[k]))
            return QNN_HESS_ENOTFINITE;
    /* one spare row behind the copy, as in qnn_hess_dense_spectrum */
    double *A = malloc((P + 1) * P * sizeof(double));
    double *ev = malloc(P * sizeof(double));
    int rc = QNN_HESS_ENOMEM;
    if (A && ev) {
        memcpy(A, H, P * P * sizeof(double));
        qnn_hess_symmetrise(A, P, asym);
        rc = tridiag_eigenvalues(A, P, ev, cancel);
        if (rc == QNN_HESS_OK) {
            rc = qnn_spectrum_from_values(ev, P, out);
            if (rc == QNN_HESS_EARGS)
                rc = QNN_HESS_EEIGEN; /* a non-finite eigenvalue */
        }
    }
    free(A);
    free(ev);
    return rc;
}

int qnn_hess_assemble(qnn_hvp_fn hvp, void *ctx, size_t P, double *H)
{
    return qnn_hess_assemble_cancel(hvp, ctx, P, H, NULL);
}

int qnn_hess_assemble_cancel(qnn_hvp_fn hvp, void *ctx, size_t P, double *H, const atomic_int *cancel)
{
    if (!hvp || !H || P == 0 || P > SIZE_MAX / sizeof(double) / P)
        return QNN_HESS_EARGS;
    double *e = calloc(P, sizeof(double)), *col = malloc(P * sizeof(double));
    int rc = QNN_HESS_ENOMEM;
    if (!e || !col)
        goto done;
    rc = QNN_HESS_OK;
    for (size_t j = 0; j < P && rc == QNN_HESS_OK; j++) {
        if (cancelled(cancel)) {
            rc = QNN_HESS_ECANCEL;
            break;
        }
        e[j] = 1.0;
        if (hvp(ctx, e, col) != 0) {
            rc = QNN_HESS_EHVP;
            break;
        }
        e[j] = 0.0;
        for (size_t i = 0; i < P; i++) {
            if (!isfinite(col[i]))
                rc = QNN_HESS_ENOTFINITE;
            H[i * P + j] = col[i];
        }
    }
done:
    free(e);
    free(col);
    return rc;
}

qnn_hess_method qnn_hess_choose(size_t P, size_t exact_limit)
{
    if (exact_limit == 0)
        exact_limit = QNN_HESS_EXACT_LIMIT;
    return P <= exact_limit ? QNN_HESS_METHOD_EXACT : QNN_HESS_METHOD_SLQ;
}

/* ------------------------------------------------------------------ */
/* Stochastic Lanczos quadrature                                        */
/* ------------------------------------------------------------------ */

typedef struct node {
    double x, w;
} node;

static int node_cmp(const void *pa, const void *pb)
{
    const double a = ((const node *)pa)->x, b = ((const node *)pb)->x;
    return (a > b) - (a < b);
}

/* Breakdown: β_j <= BREAKDOWN scale_j (qnn/hessian.h). */
#define BREAKDOWN 1e-12

struct qnn_hess_rng {
    gsl_rng *r;
};

qnn_hess_rng *qnn_hess_rng_new(unsigned long seed)
{
    qnn_hess_rng *rng = malloc(sizeof *rng);
    if (!rng)
        return NULL;
    rng->r = gsl_rng_alloc(gsl_rng_mt19937);
    if (!rng->r) {
        free(rng);
        return NULL;
    }
    gsl_rng_set(rng->r, seed);
    return rng;
}

void qnn_hess_rng_seed(qnn_hess_rng *rng, unsigned long seed)
{
    gsl_rng_set(rng->r, seed);
}

void qnn_hess_rng_free(qnn_hess_rng *rng)
{
    if (!rng)
        return;
    gsl_rng_free(rng->r);
    free(rng);
}

int qnn_hess_slq(qnn_hvp_fn hvp, void *ctx, size_t P, size_t probes, size_t steps,
                 qnn_hess_rng *rng, qnn_spectrum *out, qnn_slq_info *info)
{
    if (!rng) {
        memset(out, 0, sizeof *out);
        return QNN_HESS_EARGS;
    }
    return qnn_hess_slq_gsl(hvp, ctx, P, probes, steps, rng->r, out, info);
}

int qnn_hess_slq_gsl(qnn_hvp_fn hvp, void *ctx, size_t P, size_t probes, size_t steps,
                     gsl_rng *rng, qnn_spectrum *out, qnn_slq_info *info)
{
    return qnn_hess_slq_gsl_cancel(hvp, ctx, P, probes, steps, rng, out, info, NULL);
}

int qnn_hess_slq_gsl_cancel(qnn_hvp_fn hvp, void *ctx, size_t P, size_t probes, size_t steps,
                            gsl_rng *rng, qnn_spectrum *out, qnn_slq_info *info,
                            const atomic_int *cancel)
{
    memset(out, 0, sizeof *out);
    if (!hvp || !rng || P == 0 || probes == 0 || steps == 0 || P > (size_t)INT_MAX)
        return QNN_HESS_EARGS;
    if (steps > P)
        steps = P;
    if (probes > SIZE_MAX / sizeof(node) / steps || steps + 1 > SIZE_MAX / sizeof(double) / P)
        return QNN_HESS_EARGS;
    const int iP = (int)P;
    double *Q = malloc((steps + 1) * P * sizeof(double));  /* Lanczos vectors, one per row */
    double *w = malloc(P * sizeof(double));
    double *h = malloc((steps + 1) * sizeof(double));
    double *alpha = malloc(steps * sizeof(double)), *beta = malloc(steps * sizeof(double));
    double *Tbuf = malloc((steps + 1) * steps * sizeof(double));  /* m x m and a spare row */
    double *tr = malloc(probes * sizeof(double));
    node *nodes = malloc(probes * steps * sizeof(node));
    gsl_vector *theta = gsl_vector_alloc(steps);
    gsl_matrix *Y = gsl_matrix_alloc(steps + 1, steps);
    gsl_eigen_symmv_workspace *ws = NULL;
    size_t ws_size = 0, nn = 0, min_m = steps, max_m = 0;
    int rc = QNN_HESS_ENOMEM;
    if (!Q || !w || !h || !alpha || !beta || !Tbuf || !tr || !nodes || !theta || !Y)
        goto done;
    const double inv_sqrt_P = 1.0 / sqrt((double)P);
    for (size_t p = 0; p < probes; p++) {
        for (size_t i = 0; i < P; i++)
            Q[i] = (2.0 * (double)gsl_rng_uniform_int(rng, 2) - 1.0) * inv_sqrt_P;
        size_t m = 0;
        double scale = 0.0, beta_prev = 0.0;
        for (size_t j = 0; j < steps; j++) {
            const double *qj = Q + j * P;
            if (cancelled(cancel)) {
                rc = QNN_HESS_ECANCEL;
                goto done;
            }
            if (hvp(ctx, qj, w) != 0) {
                rc = QNN_HESS_EHVP;
                goto done;
            }
            for (size_t i = 0; i < P; i++)
                if (!isfinite(w[i])) {
                    rc = QNN_HESS_ENOTFINITE;
                    goto done;
                }
            /* Full reorthogonalisation: w <- (I - Q_j Q_jᵀ) w twice
             * (classical Gram-Schmidt, two passes). The first pass holds
             * the three-term recurrence (its coefficients on q_j and
             * q_{j-1} are α_j and β_{j-1}); α_j takes both passes'
             * coefficients on q_j. */
            const int rows = (int)(j + 1);
            double a = 0.0;
            for (int pass = 0; pass < 2; pass++) {
                cblas_dgemv(CblasRowMajor, CblasNoTrans, rows, iP, 1.0, Q, iP, w, 1, 0.0, h, 1);
                cblas_dgemv(CblasRowMajor, CblasTrans, rows, iP, -1.0, Q, iP, h, 1, 1.0, w, 1);
                a += h[j];
            }
            alpha[j] = a;
            m = j + 1;
            scale = fmax(scale, fabs(a) + beta_prev);
            if (j + 1 == steps)
                break;
            const double b = cblas_dnrm2(iP, w, 1);
            if (!(b > BREAKDOWN * scale))
                break;
            beta[j] = b;
            beta_prev = b;
            double *qn = Q + (j + 1) * P;
            for (size_t i = 0; i < P; i++)
                qn[i] = w[i] / b;
        }
        tr[p] = (double)P * alpha[0];
        min_m = m < min_m ? m : min_m;
        max_m = m > max_m ? m : max_m;
        /* eigenpairs of T_m: nodes θ_i, weights (y_i)_1² / probes */
        gsl_matrix_view T = gsl_matrix_view_array(Tbuf, m, m);
        gsl_matrix_set_zero(&T.matrix);
        for (size_t j = 0; j < m; j++) {
            gsl_matrix_set(&T.matrix, j, j, alpha[j]);
            if (j + 1 < m) {
                gsl_matrix_set(&T.matrix, j, j + 1, beta[j]);
                gsl_matrix_set(&T.matrix, j + 1, j, beta[j]);
            }
        }
        if (ws_size != m) {
            if (ws)
                gsl_eigen_symmv_free(ws);
            ws = gsl_eigen_symmv_alloc(m);
            ws_size = m;
            if (!ws) {
                rc = QNN_HESS_ENOMEM;
                goto done;
            }
        }
        gsl_vector_view th = gsl_vector_subvector(theta, 0, m);
        gsl_matrix_view Ym = gsl_matrix_submatrix(Y, 0, 0, m, m);
        if (gsl_eigen_symmv(&T.matrix, &th.vector, &Ym.matrix, ws) != 0) {
            rc = QNN_HESS_EEIGEN;
            goto done;
        }
        for (size_t i = 0; i < m; i++) {
            const double y1 = gsl_matrix_get(&Ym.matrix, 0, i);
            nodes[nn].x = gsl_vector_get(&th.vector, i);
            nodes[nn].w = y1 * y1 / (double)probes;
            if (!isfinite(nodes[nn].x)) {
                rc = QNN_HESS_EEIGEN;
                goto done;
            }
            nn++;
        }
    }
    qsort(nodes, nn, sizeof(node), node_cmp);
    rc = qnn_spectrum_alloc(out, nn);
    if (rc != QNN_HESS_OK)
        goto done;
    for (size_t k = 0; k < nn; k++) {
        out->x[k] = nodes[k].x;
        out->w[k] = nodes[k].w;
    }
    out->exact = 0;
    out->dim = P;
    if (info) {
        double mean = 0.0, ss = 0.0;
        for (size_t p = 0; p < probes; p++)
            mean += tr[p];
        mean /= (double)probes;
        for (size_t p = 0; p < probes; p++)
            ss += (tr[p] - mean) * (tr[p] - mean);
        info->min_steps = min_m;
        info->max_steps = max_m;
        info->trace = mean;
        info->trace_se = probes > 1 ? sqrt(ss / (double)(probes - 1) / (double)probes) : NAN;
    }
done:
    free(Q);
    free(w);
    free(h);
    free(alpha);
    free(beta);
    free(Tbuf);
    free(tr);
    free(nodes);
    if (theta) gsl_vector_free(theta);
    if (Y) gsl_matrix_free(Y);
    if (ws) gsl_eigen_symmv_free(ws);
    if (rc != QNN_HESS_OK)
        qnn_spectrum_free(out);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Summary numbers, density, histogram, distance                        */
/* ------------------------------------------------------------------ */

static int spectrum_ok(const qnn_spectrum *s)
{
    return s && s->n > 0 && s->x && s->w;
}

int qnn_spectrum_summary(const qnn_spectrum *s, double tol, qnn_spectrum_stats *out)
{
    if (!spectrum_ok(s) || !out || !(tol >= 0.0))
        return QNN_HESS_EARGS;
    double sx = 0.0, fp = 0.0, fn = 0.0;
    long nneg = 0;
    for (size_t k = 0; k < s->n; k++) {
        sx += s->w[k] * s->x[k];
        if (s->x[k] > tol)
            fp += s->w[k];
        else if (s->x[k] < -tol) {
            fn += s->w[k];
            nneg++;
        }
    }
    out->min = s->x[0];
    out->max = s->x[s->n - 1];
    out->trace = (double)s->dim * sx;
    out->frac_pos = fp;
    out->frac_neg = fn;
    out->n_neg = s->exact ? nneg : -1;
    return QNN_HESS_OK;
}

void qnn_spectrum_density(const qnn_spectrum *s, double sigma, const double *x, size_t nx,
                          double *rho)
{
    const double c = 1.0 / (sqrt(2.0 * M_PI) * sigma), k2 = 0.5 / (sigma * sigma);
    for (size_t i = 0; i < nx; i++) {
        double r = 0.0;
        for (size_t k = 0; k < s->n; k++) {
            const double d = x[i] - s->x[k];
            r += s->w[k] * exp(-k2 * d * d);
        }
        rho[i] = c * r;
    }
}

/* Smallest node whose cumulative weight reaches the fraction q of W. */
static double wquantile(const qnn_spectrum *s, double W, double q)
{
    double c = 0.0;
    for (size_t k = 0; k < s->n; k++) {
        c += s->w[k];
        if (c >= q * W)
            return s->x[k];
    }
    return s->x[s->n - 1];
}

double qnn_spectrum_sigma(const qnn_spectrum *s)
{
    if (!spectrum_ok(s))
        return 1e-3;
    const double lo = s->x[0], hi = s->x[s->n - 1];
    const double fallback = 1e-3 * fmax(fmax(fabs(lo), fabs(hi)), 1.0);
    if (!(hi > lo))
        return fallback;
    double W = 0.0, W2 = 0.0, mean = 0.0;
    for (size_t k = 0; k < s->n; k++) {
        W += s->w[k];
        W2 += s->w[k] * s->w[k];
        mean += s->w[k] * s->x[k];
    }
    if (!(W > 0.0))
        return fallback;
    mean /= W;
    double var = 0.0;
    for (size_t k = 0; k < s->n; k++)
        var += s->w[k] * (s->x[k] - mean) * (s->x[k] - mean);
    const double sd = sqrt(var / W), iqr = wquantile(s, W, 0.75) - wquantile(s, W, 0.25);
    const double neff = W * W / W2;
    const double spread = iqr > 0.0 ? fmin(sd, iqr / 1.34) : sd;
    double sigma = 0.9 * spread * pow(neff, -0.2);
    sigma = fmax(sigma, 0.005 * (hi - lo));
    return sigma > 0.0 && isfinite(sigma) ? sigma : fallback;
}

/* Adds the spectrum to h (ranges set): node k adds w_k dim to its bin;
 * *outside (may be NULL) the mass outside [range[0], range[n]). */
static void hist_fill(const qnn_spectrum *s, gsl_histogram *h, double *outside)
{
    const double lo = h->range[0], hi = h->range[h->n], scale = (double)s->dim;
    double out = 0.0;
    for (size_t k = 0; k < s->n; k++) {
        const double x = s->x[k], m = s->w[k] * scale;
        if (x >= lo && x < hi && gsl_histogram_accumulate(h, x, m) == 0)
            continue;
        out += m;
    }
    if (outside)
        *outside = out;
}

int qnn_spectrum_histogram(const qnn_spectrum *s, double lo, double hi, size_t bins, double *edges,
                           double *counts, double *outside)
{
    if (bins == 0 || !counts || !isfinite(lo) || !isfinite(hi) || !(lo < hi))
        return QNN_HESS_EARGS;
    gsl_histogram *h = gsl_histogram_alloc(bins);
    if (!h)
        return QNN_HESS_ENOMEM;
    gsl_histogram_set_ranges_uniform(h, lo, hi);
    const int ok = spectrum_ok(s) && s->dim > 0;
    if (ok)
        hist_fill(s, h, outside);
    for (size_t i = 0; i < bins; i++)
        counts[i] = h->bin[i];
    if (edges)
        for (size_t i = 0; i <= bins; i++)
            edges[i] = h->range[i];
    gsl_histogram_free(h);
    return ok ? QNN_HESS_OK : QNN_HESS_EARGS;
}

int qnn_spectrum_histogram_auto(const qnn_spectrum *s, size_t bins, double *edges, double *counts,
                                double *outside)
{
    if (!spectrum_ok(s) || bins == 0 || s->dim == 0 || !counts)
        return QNN_HESS_EARGS;
    const double mn = s->x[0], mx = s->x[s->n - 1];
    if (!isfinite(mn) || !isfinite(mx))
        return QNN_HESS_EARGS;
    const double m = mx > mn ? 0.01 * (mx - mn) : 1e-3 * fmax(fabs(mn), 1.0);
    double lo = mn - m, hi = mx + m;
    if (!(lo < mn))
        lo = nextafter(mn, -HUGE_VAL);
    if (!(hi > mx))
        hi = nextafter(mx, HUGE_VAL);
    return qnn_spectrum_histogram(s, lo, hi, bins, edges, counts, outside);
}

double qnn_spectrum_w1(const qnn_spectrum *a, const qnn_spectrum *b)
{
    if (!spectrum_ok(a) || !spectrum_ok(b))
        return NAN;
    size_t i = 0, j = 0;
    double Fa = 0.0, Fb = 0.0, d = 0.0;
    double prev = fmin(a->x[0], b->x[0]);
    while (i < a->n || j < b->n) {
        const double xa = i < a->n ? a->x[i] : HUGE_VAL, xb = j < b->n ? b->x[j] : HUGE_VAL;
        const double x = fmin(xa, xb);
        d += fabs(Fa - Fb) * (x - prev);
        while (i < a->n && a->x[i] == x)
            Fa += a->w[i++];
        while (j < b->n && b->x[j] == x)
            Fb += b->w[j++];
        prev = x;
    }
    return d;
}

/* ------------------------------------------------------------------ */
/* LIU24 error proxy                                                   */
/* ------------------------------------------------------------------ */

/* ln |1 + a|, accurate near a = 0 (log1p) and exact-argument for
 * a in [-2, -0.5], where 1 + a is computed without rounding (Sterbenz). */
static double log_abs_1pa(double a)
{
    return a > -0.5 ? log1p(a) : log(fabs(1.0 + a));
}

int qnn_liu24_proxy(const qnn_spectrum *s, double scale, double cut, const double *t, size_t nt,
                    double *proxy, double *log_proxy, double *Nc)
{
    int rc = QNN_HESS_OK;
    double nc = 0.0;
    if (!spectrum_ok(s) || !isfinite(scale) || !(cut >= 0.0) || !isfinite(cut) || (nt > 0 && !t))
        rc = QNN_HESS_EARGS;
    for (size_t i = 0; rc == QNN_HESS_OK && i < nt; i++)
        if (!(t[i] >= 0.0) || !isfinite(t[i]))
            rc = QNN_HESS_EARGS;
    if (rc == QNN_HESS_OK) {
        for (size_t k = 0; k < s->n; k++)
            if (s->w[k] > 0.0 && fabs(-scale * s->x[k]) >= cut)
                nc += s->w[k];
        if (!(nc > 0.0))
            rc = QNN_HESS_EMPTYCUT;
    }
    if (Nc)
        *Nc = rc == QNN_HESS_OK || rc == QNN_HESS_EMPTYCUT ? nc : NAN;
    if (rc != QNN_HESS_OK) {
        for (size_t i = 0; i < nt; i++) {
            if (proxy) proxy[i] = NAN;
            if (log_proxy) log_proxy[i] = NAN;
        }
        return rc;
    }
    const double lnc = log(nc);
    for (size_t i = 0; i < nt; i++) {
        double lp;
        if (t[i] == 0.0) {
            lp = 0.0; /* Σ_kept w |1 + a|^0 = N_c, with 0^0 = 1 */
        } else {
            /* ln Σ w |1+a|^t = M + ln Σ exp(ln w + t ln|1+a| - M) */
            double M = -HUGE_VAL;
            for (size_t k = 0; k < s->n; k++) {
                const double a = -scale * s->x[k];
                if (s->w[k] > 0.0 && fabs(a) >= cut)
                    M = fmax(M, log(s->w[k]) + t[i] * log_abs_1pa(a));
            }
            if (M == -HUGE_VAL) {
                lp = -HUGE_VAL; /* only modes with 1 + a = 0 */
            } else {
                double sum = 0.0;
                for (size_t k = 0; k < s->n; k++) {
                    const double a = -scale * s->x[k];
                    if (s->w[k] > 0.0 && fabs(a) >= cut)
                        sum += exp(log(s->w[k]) + t[i] * log_abs_1pa(a) - M);
                }
                lp = M + log(sum) - lnc;
            }
        }
        if (proxy)
            proxy[i] = exp(lp);
        if (log_proxy)
            log_proxy[i] = lp;
    }
    return QNN_HESS_OK;
}

double qnn_liu24_proxy_at(const qnn_spectrum *s, double scale, double cut, double t, int *status)
{
    double p = NAN;
    const int rc = qnn_liu24_proxy(s, scale, cut, &t, 1, &p, NULL, NULL);
    if (status)
        *status = rc;
    return p;
}

/* ------------------------------------------------------------------ */
/* Time budget                                                         */
/* ------------------------------------------------------------------ */

static int time_rule_on(const qnn_hess_sched *s)
{
    return s->max_fraction > 0.0 && s->max_fraction < 1.0;
}

void qnn_hess_sched_init(qnn_hess_sched *s, long every, double max_fraction)
{
    s->every = every < 1 ? 1 : every;
    s->max_fraction = max_fraction;
    s->last_step = QNN_HESS_SCHED_NEVER;
    s->spent_s = 0.0;
    s->next_allowed_s = -HUGE_VAL;
}

int qnn_hess_sched_due(const qnn_hess_sched *s, long step, double now_s)
{
    if (s->last_step != QNN_HESS_SCHED_NEVER) {
        if (step < s->last_step || step - s->last_step < s->every)
            return 0;
    }
    if (time_rule_on(s) && now_s < s->next_allowed_s)
        return 0;
    return 1;
}

void qnn_hess_sched_done(qnn_hess_sched *s, long step, double now_s, double cost_s)
{
    if (!(cost_s >= 0.0) || !isfinite(cost_s))
        cost_s = 0.0;
    s->last_step = step;
    s->spent_s += cost_s;
    if (time_rule_on(s))
        s->next_allowed_s = now_s + cost_s * (1.0 / s->max_fraction - 1.0);
}
