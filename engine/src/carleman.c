/* Carleman linearisation of a quadratic ODE; see qnn/carleman.h. */
#include "qnn/carleman.h"

#include <gsl/gsl_blas.h>
#include <gsl/gsl_cblas.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_odeiv2.h>
#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

void qnn_quadode_free(qnn_quadode *q)
{
    if (!q)
        return;
    free(q->F1);
    free(q->F2);
    free(q->h);
    memset(q, 0, sizeof *q);
}

int qnn_quadode_random(gsl_rng *rng, int n, double f, qnn_quadode *out)
{
    memset(out, 0, sizeof *out);
    if (n < 1 || n > 64 || !(f >= 0.0 && f <= 1.0))
        return -1;
    const size_t N = (size_t)n;
    out->n = n;
    out->F1 = calloc(N * N, sizeof(double));
    out->F2 = calloc(N * N * N, sizeof(double));
    out->h = calloc(N, sizeof(double));
    gsl_matrix *A = gsl_matrix_alloc(N + 1, N), *Q = gsl_matrix_alloc(N, N), *R = gsl_matrix_alloc(N, N);
    gsl_vector *tau = gsl_vector_alloc(N);
    int rc = -1;
    if (!out->F1 || !out->F2 || !out->h || !A || !Q || !R || !tau)
        goto done;
    A->size1 = N;   /* a spare row, as for the complex matrices (gslpad.h) */
    const int ndis = (int)lround(f * n);
    for (int i = 0; i < n; i++)
        out->h[i] = i < ndis ? gsl_ran_flat(rng, 0.0, 1.0) : gsl_ran_flat(rng, -0.01, 0.0);
    for (size_t i = 0; i < N; i++)
        for (size_t j = 0; j < N; j++)
            gsl_matrix_set(A, i, j, gsl_ran_gaussian(rng, 1.0));
    gsl_linalg_QR_decomp(A, tau);
    gsl_linalg_QR_unpack(A, tau, Q, R);
    /* Haar orthogonal: Q diag(sign R_ii) */
    for (size_t j = 0; j < N; j++)
        if (gsl_matrix_get(R, j, j) < 0.0)
            for (size_t i = 0; i < N; i++)
                gsl_matrix_set(Q, i, j, -gsl_matrix_get(Q, i, j));
    /* F1 = -Q diag(h) Qᵀ */
    for (size_t i = 0; i < N; i++)
        for (size_t j = 0; j < N; j++) {
            double s = 0.0;
            for (size_t k = 0; k < N; k++)
                s += gsl_matrix_get(Q, i, k) * out->h[k] * gsl_matrix_get(Q, j, k);
            out->F1[i * N + j] = -s;
        }
    for (size_t k = 0; k < N * N * N; k++)
        out->F2[k] = gsl_ran_flat(rng, -0.015, 0.015);
    rc = 0;
done:
    if (A) gsl_matrix_free(A);
    if (Q) gsl_matrix_free(Q);
    if (R) gsl_matrix_free(R);
    if (tau) gsl_vector_free(tau);
    if (rc != 0)
        qnn_quadode_free(out);
    return rc;
}

size_t qnn_carleman_dim(int n, int N, size_t max_dim)
{
    size_t dim = 0, p = 1;
    for (int j = 1; j <= N; j++) {
        if (p > max_dim / (size_t)n)
            return 0;
        p *= (size_t)n;
        dim += p;
        if (dim > max_dim)
            return 0;
    }
    return dim;
}

int qnn_carleman_matrix(const qnn_quadode *q, int N, double **Aout, size_t *dimout)
{
    const size_t n = (size_t)q->n;
    const size_t dim = qnn_carleman_dim(q->n, N, 20000);
    *Aout = NULL;
    if (dim == 0 || N < 1)
        return -1;
    double *A = calloc(dim * dim, sizeof(double));
    size_t *off = malloc(((size_t)N + 2) * sizeof(size_t)), *pw = malloc(((size_t)N + 2) * sizeof(size_t));
    int *dig = malloc(((size_t)N + 2) * sizeof(int));
    if (!A || !off || !pw || !dig) {
        free(A); free(off); free(pw); free(dig);
        return -1;
    }
    /* block j (1-based) starts at off[j]; pw[j] = n^j */
    pw[0] = 1;
    off[1] = 0;
    for (int j = 1; j <= N + 1; j++)
        pw[j] = pw[j - 1] * n;
    for (int j = 2; j <= N + 1; j++)
        off[j] = off[j - 1] + pw[j - 1];
    for (int j = 1; j <= N; j++) {
        for (size_t r = 0; r < pw[j]; r++) {
            /* digits of r, slot 0 most significant (u^{⊗j} order) */
            size_t t = r;
            for (int s = j - 1; s >= 0; s--) {
                dig[s] = (int)(t % n);
                t /= n;
            }
            double *row = A + (off[j] + r) * dim;
            for (int s = 0; s < j; s++) {
                const size_t place = pw[j - 1 - s];      /* weight of slot s */
                const size_t base = r - (size_t)dig[s] * place;
                const double *f1 = q->F1 + (size_t)dig[s] * n;
                /* A_j^j: F1 on slot s */
                for (size_t b = 0; b < n; b++)
                    row[off[j] + base + b * place] += f1[b];
                /* A_{j+1}^j: F2 maps slots (s, s+1) of u^{⊗(j+1)} onto slot s */
                if (j < N) {
                    /* the (j+1)-digit column: digits before s, (b1, b2), digits after s */
                    const size_t hi = r / (place * n);          /* digits before s */
                    const size_t lo = r % place;                /* digits after s */
                    const double *f2 = q->F2 + (size_t)dig[s] * n * n;
                    for (size_t b12 = 0; b12 < n * n; b12++) {
                        size_t c = (hi * n * n + b12) * place + lo;
                        row[off[j + 1] + c] += f2[b12];
                    }
                }
            }
        }
    }
    free(off);
    free(pw);
    free(dig);
    *Aout = A;
    *dimout = dim;
    return 0;
}

typedef struct ode_ctx {
    const qnn_quadode *q;
    const double *A;
    size_t dim;
    double *uu;
} ode_ctx;

static int rhs_exact(double t, const double *u, double *du, void *p)
{
    (void)t;
    const ode_ctx *c = p;
    const int n = c->q->n;
    for (int a = 0; a < n; a++)
        for (int b = 0; b < n; b++)
            c->uu[a * n + b] = u[a] * u[b];
    cblas_dgemv(CblasRowMajor, CblasNoTrans, n, n, 1.0, c->q->F1, n, u, 1, 0.0, du, 1);
    cblas_dgemv(CblasRowMajor, CblasNoTrans, n, n * n, 1.0, c->q->F2, n * n, c->uu, 1, 1.0, du, 1);
    return GSL_SUCCESS;
}

static int rhs_linear(double t, const double *y, double *dy, void *p)
{
    (void)t;
    const ode_ctx *c = p;
    cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)c->dim, (int)c->dim, 1.0, c->A, (int)c->dim, y, 1, 0.0, dy, 1);
    return GSL_SUCCESS;
}

int qnn_carleman_error(const qnn_quadode *q, const double *u0, int N, const double *times,
                       size_t nt, double *err, int comp_index, double *comp)
{
    const int n = q->n;
    double *A = NULL;
    size_t dim = 0;
    if (qnn_carleman_matrix(q, N, &A, &dim) != 0)
        return -1;
    double *u = malloc((size_t)n * sizeof(double)), *y = malloc(dim * sizeof(double));
    double *uu = malloc((size_t)n * (size_t)n * sizeof(double));
    int rc = -1;
    gsl_odeiv2_driver *de = NULL, *dl = NULL;
    if (!u || !y || !uu)
        goto done;
    memcpy(u, u0, (size_t)n * sizeof(double));
    /* y(0) = (u0, u0^{⊗2}, ..., u0^{⊗N}) */
    memcpy(y, u0, (size_t)n * sizeof(double));
    for (size_t o = (size_t)n, p = (size_t)n, j = 2; j <= (size_t)N; j++) {
        for (size_t r = 0; r < p; r++)
            for (int b = 0; b < n; b++)
                y[o + r * (size_t)n + (size_t)b] = y[o - p + r] * u0[b];
        o += p * (size_t)n;
        p *= (size_t)n;
    }
    ode_ctx ce = { q, NULL, 0, uu }, cl = { q, A, dim, NULL };
    gsl_odeiv2_system se = { rhs_exact, NULL, (size_t)n, &ce }, sl = { rhs_linear, NULL, dim, &cl };
    de = gsl_odeiv2_driver_alloc_y_new(&se, gsl_odeiv2_step_rk8pd, 1e-3, 1e-13, 1e-13);
    dl = gsl_odeiv2_driver_alloc_y_new(&sl, gsl_odeiv2_step_rk8pd, 1e-3, 1e-13, 1e-13);
    if (!de || !dl)
        goto done;
    double te = 0.0, tl = 0.0;
    for (size_t k = 0; k < nt; k++) {
        if ((times[k] > te && gsl_odeiv2_driver_apply(de, &te, times[k], u) != GSL_SUCCESS) ||
            (times[k] > tl && gsl_odeiv2_driver_apply(dl, &tl, times[k], y) != GSL_SUCCESS)) {
            /* a solution ran away (a finite-time singularity of the exact
             * system, or of the truncation): NaN from here on */
            for (size_t j = k; j < nt; j++) {
                err[j] = NAN;
                if (comp)
                    comp[j] = NAN;
            }
            rc = 1;
            goto done;
        }
        double s = 0.0;
        for (int a = 0; a < n; a++)
            s += (u[a] - y[a]) * (u[a] - y[a]);
        err[k] = sqrt(s);
        if (comp)
            comp[k] = fabs(u[comp_index] - y[comp_index]);
    }
    rc = 0;
done:
    if (de) gsl_odeiv2_driver_free(de);
    if (dl) gsl_odeiv2_driver_free(dl);
    free(A);
    free(u);
    free(y);
    free(uu);
    return rc;
}
