/* Asymptotic dynamics of M(t) and the frozen-kernel companion; see
 * qnn/asym.h for the equations and the low-rank Cayley step. */
#include "gslpad.h"
#include "qnn/asym.h"
#include "qnn/haar.h"
#include "qnn/file.h"
#include "qnn/text.h"

#include <gsl/gsl_cblas.h>
#include <gsl/gsl_eigen.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_permutation.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_sort.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <string.h>

struct qnn_asym {
    size_t d, m;
    int frozen;
    qnn_integrator integ;
    qnn_cplx *M;        /* d x d, upper triangle */
    qnn_cplx *Mh;       /* midpoint stage (d x d) or NULL */
    qnn_cplx *V;        /* d x m inputs */
    double *y;
    /* Gram data of the matrix B was last evaluated at */
    qnn_cplx *Q;        /* d x 2m: [V, W], W = M V */
    qnn_cplx *Z;        /* d x 2m: M_target Q */
    qnn_cplx *P;        /* d x 2m: P, then h P S */
    qnn_cplx *Y;        /* d x 2m */
    qnn_cplx *A, *G, *S;            /* m x m: V†W, W†W, V†V */
    qnn_cplx *X, *T, *Xinv;         /* 2m x 2m */
    gsl_permutation *perm;
    double *r, *K, rkr;
    int fresh;          /* r, K, Q match the current M */
    /* frozen companion */
    double tau;         /* accumulated time */
    double *r0, *K0vec, *K0val, *tmp;
    double *spec0;      /* spectrum of M(0), ascending */
};

static void *xalloc(size_t n)
{
    return n ? calloc(1, n) : NULL;
}

void qnn_asym_free(qnn_asym *a)
{
    if (!a)
        return;
    free(a->M);
    free(a->Mh);
    free(a->V);
    free(a->y);
    free(a->Q);
    free(a->Z);
    free(a->P);
    free(a->Y);
    free(a->A);
    free(a->G);
    free(a->S);
    free(a->X);
    free(a->T);
    free(a->Xinv);
    if (a->perm)
        gsl_permutation_free(a->perm);
    free(a->r);
    free(a->K);
    free(a->r0);
    free(a->K0vec);
    free(a->K0val);
    free(a->tmp);
    free(a->spec0);
    free(a);
}

static const qnn_cplx ONE = 1.0, ZERO = 0.0;

/* From M (upper triangle): Q = [V, W] with W = M V; A = V†W, G = W†W
 * (S = V†V is fixed at creation); r_j = Re A_jj - y_j; K_ij = 2 Re(G_ij S_ji) - 2 |A_ij|². */
static void grams(qnn_asym *a, const qnn_cplx *M)
{
    const int d = (int)a->d, m = (int)a->m;
    qnn_cplx *W = a->Q + a->d * a->m;
    cblas_zhemm(CblasColMajor, CblasLeft, CblasUpper, d, m, &ONE, M, d, a->V, d, &ZERO, W, d);
    cblas_zgemm(CblasColMajor, CblasConjTrans, CblasNoTrans, m, m, d, &ONE, a->V, d, W, d, &ZERO, a->A, m);
    cblas_zgemm(CblasColMajor, CblasConjTrans, CblasNoTrans, m, m, d, &ONE, W, d, W, d, &ZERO, a->G, m);
    for (int j = 0; j < m; j++)
        a->r[j] = creal(a->A[j * m + j]) - a->y[j];
    for (int i = 0; i < m; i++)
        for (int j = 0; j < m; j++) {
            /* column-major: X_ij = X[j*m + i] */
            qnn_cplx Gij = a->G[j * m + i], Sji = a->S[i * m + j], Aij = a->A[j * m + i];
            a->K[i * m + j] = 2.0 * creal(Gij * Sji) - 2.0 * creal(Aij * conj(Aij));
        }
    double s = 0.0;
    for (int i = 0; i < m; i++)
        for (int j = 0; j < m; j++)
            s += a->r[i] * a->K[i * m + j] * a->r[j];
    a->rkr = s;
}

/* target <- E target E† with E = cay(h B), B = P Q† from the last grams().
 * same = 1 when target is the matrix grams() was taken at (then M V = W is
 * reused). Euler instead adds h (P Z† + Z P†). */
static void update(qnn_asym *a, qnn_cplx *target, int same, double h, int euler)
{
    const size_t d = a->d, m = a->m, m2 = 2 * m;
    const int di = (int)d, mi = (int)m, m2i = (int)m2;
    qnn_cplx *V = a->Q, *W = a->Q + d * m;
    /* P = [W R, -V R], R = diag(r) */
    for (size_t j = 0; j < m; j++) {
        const double rj = a->r[j];
        for (size_t i = 0; i < d; i++) {
            a->P[j * d + i] = rj * W[j * d + i];
            a->P[(m + j) * d + i] = -rj * V[j * d + i];
        }
    }
    /* Z = target Q */
    if (same) {
        memcpy(a->Z, W, d * m * sizeof(qnn_cplx));
        cblas_zhemm(CblasColMajor, CblasLeft, CblasUpper, di, mi, &ONE, target, di, W, di, &ZERO, a->Z + d * m, di);
    } else {
        cblas_zhemm(CblasColMajor, CblasLeft, CblasUpper, di, m2i, &ONE, target, di, a->Q, di, &ZERO, a->Z, di);
    }
    if (euler) {
        qnn_cplx alpha = h;
        cblas_zher2k(CblasColMajor, CblasUpper, CblasNoTrans, di, m2i, &alpha, a->P, di, a->Z, di, 1.0, target, di);
        return;
    }
    /* X = I - (h/2) Q†P, Q†P = [[A R, -S R], [G R, -A† R]] (column-major 2m x 2m). */
    for (size_t c = 0; c < m; c++) {
        const double rc = a->r[c];
        for (size_t i = 0; i < m; i++) {
            qnn_cplx Aic = a->A[c * m + i], Sic = a->S[c * m + i], Gic = a->G[c * m + i];
            qnn_cplx Ahic = conj(a->A[i * m + c]);
            a->X[c * m2 + i] = Aic * rc;              /* block (0,0) */
            a->X[(m + c) * m2 + i] = -Sic * rc;       /* block (0,1) */
            a->X[c * m2 + m + i] = Gic * rc;          /* block (1,0) */
            a->X[(m + c) * m2 + m + i] = -Ahic * rc;  /* block (1,1) */
        }
    }
    for (size_t k = 0; k < m2 * m2; k++)
        a->X[k] *= -0.5 * h;
    for (size_t k = 0; k < m2; k++)
        a->X[k * m2 + k] += 1.0;
    /* Xinv = X^{-1}. The row-major GSL view of a column-major buffer is its
     * transpose, and inv(Xᵀ) = inv(X)ᵀ, so the views line up. */
    gsl_matrix_complex_view xv = gsl_matrix_complex_view_array((double *)a->X, m2, m2);
    gsl_matrix_complex_view iv = gsl_matrix_complex_view_array((double *)a->Xinv, m2, m2);
    int sg;
    gsl_linalg_complex_LU_decomp(&xv.matrix, a->perm, &sg);
    gsl_linalg_complex_LU_invert(&xv.matrix, a->perm, &iv.matrix);
    /* Y <- h P Xinv (the "A" of the notes), kept in Y for a moment */
    qnn_cplx hc = h;
    cblas_zgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, di, m2i, m2i, &hc, a->P, di, a->Xinv, m2i, &ZERO, a->Y, di);
    /* T = Q† Z = Q† target Q (Hermitian 2m x 2m) */
    cblas_zgemm(CblasColMajor, CblasConjTrans, CblasNoTrans, m2i, m2i, di, &ONE, a->Q, di, a->Z, di, &ZERO, a->T, m2i);
    /* Z <- Z + ½ Aa T, then target += Aa Z† + Z Aa† */
    qnn_cplx half = 0.5;
    cblas_zgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, di, m2i, m2i, &half, a->Y, di, a->T, m2i, &ONE, a->Z, di);
    cblas_zher2k(CblasColMajor, CblasUpper, CblasNoTrans, di, m2i, &ONE, a->Y, di, a->Z, di, 1.0, target, di);
}

static void copy_upper(size_t d, const qnn_cplx *src, qnn_cplx *dst)
{
    for (size_t j = 0; j < d; j++)
        memcpy(dst + j * d, src + j * d, (j + 1) * sizeof(qnn_cplx));
}

static int frozen_eval(qnn_asym *a)
{
    const size_t m = a->m;
    /* r(τ) = U diag(e^{-λ τ}) Uᵀ r0 */
    for (size_t k = 0; k < m; k++) {
        double c = 0.0;
        for (size_t i = 0; i < m; i++)
            c += a->K0vec[i * m + k] * a->r0[i];
        a->tmp[k] = c * exp(-a->K0val[k] * a->tau);
    }
    double s = 0.0;
    for (size_t i = 0; i < m; i++) {
        double c = 0.0;
        for (size_t k = 0; k < m; k++)
            c += a->K0vec[i * m + k] * a->tmp[k];
        a->r[i] = c;
    }
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < m; j++)
            s += a->r[i] * a->K[i * m + j] * a->r[j];
    a->rkr = s;
    return 0;
}

qnn_asym *qnn_asym_new(size_t d, size_t m, const qnn_cplx *M0, const qnn_cplx *V,
                       const double *y, int frozen, qnn_integrator integ)
{
    qnn_asym *a = calloc(1, sizeof *a);
    if (!a || d < 1 || m < 1)
        goto fail;
    a->d = d;
    a->m = m;
    a->frozen = frozen;
    a->integ = integ;
    const size_t c = sizeof(qnn_cplx), m2 = 2 * m;
    a->M = xalloc(d * d * c);
    a->V = xalloc(d * m * c);
    a->y = xalloc(m * sizeof(double));
    a->Q = xalloc(d * m2 * c);
    a->Z = xalloc(d * m2 * c);
    a->P = xalloc(d * m2 * c);
    a->Y = xalloc(d * m2 * c);
    a->A = xalloc(m * m * c);
    a->G = xalloc(m * m * c);
    a->S = xalloc(m * m * c);
    /* X and Xinv go through GSL's LU (OpenBLAS zdotu): a spare row, see gslpad.h */
    a->X = xalloc((m2 + 1) * m2 * c);
    a->T = xalloc(m2 * m2 * c);
    a->Xinv = xalloc((m2 + 1) * m2 * c);
    a->perm = gsl_permutation_alloc(m2);
    a->r = xalloc(m * sizeof(double));
    a->K = xalloc(m * m * sizeof(double));
    a->spec0 = xalloc(d * sizeof(double));
    if (!a->M || !a->V || !a->y || !a->Q || !a->Z || !a->P || !a->Y || !a->A || !a->G ||
        !a->S || !a->X || !a->T || !a->Xinv || !a->perm || !a->r || !a->K || !a->spec0)
        goto fail;
    if (integ == QNN_INTEG_MIDPOINT && !frozen && !(a->Mh = xalloc(d * d * c)))
        goto fail;
    memcpy(a->M, M0, d * d * c);
    for (size_t i = 0; i < d; i++)
        a->M[i * d + i] = creal(a->M[i * d + i]);
    memcpy(a->V, V, d * m * c);
    memcpy(a->Q, V, d * m * c);
    memcpy(a->y, y, m * sizeof(double));
    cblas_zgemm(CblasColMajor, CblasConjTrans, CblasNoTrans, (int)m, (int)m, (int)d, &ONE, a->V, (int)d,
                a->V, (int)d, &ZERO, a->S, (int)m);
    if (qnn_asym_spectrum(a, a->spec0) != 0)
        goto fail;
    grams(a, a->M);
    a->fresh = 1;
    if (frozen) {
        a->r0 = xalloc(m * sizeof(double));
        a->K0vec = xalloc(m * m * sizeof(double));
        a->K0val = xalloc(m * sizeof(double));
        a->tmp = xalloc(m * sizeof(double));
        gsl_matrix *Kw = gsl_matrix_alloc(m, m);
        gsl_matrix *ev = gsl_matrix_alloc(m, m);
        gsl_vector *val = gsl_vector_alloc(m);
        gsl_eigen_symmv_workspace *w = gsl_eigen_symmv_alloc(m);
        int ok = a->r0 && a->K0vec && a->K0val && a->tmp && Kw && ev && val && w;
        if (ok) {
            memcpy(a->r0, a->r, m * sizeof(double));
            memcpy(Kw->data, a->K, m * m * sizeof(double));
            gsl_eigen_symmv(Kw, val, ev, w);
            for (size_t i = 0; i < m; i++) {
                a->K0val[i] = gsl_vector_get(val, i);
                for (size_t k = 0; k < m; k++)
                    a->K0vec[i * m + k] = gsl_matrix_get(ev, i, k);
            }
        }
        if (Kw) gsl_matrix_free(Kw);
        if (ev) gsl_matrix_free(ev);
        if (val) gsl_vector_free(val);
        if (w) gsl_eigen_symmv_free(w);
        if (!ok)
            goto fail;
    }
    return a;
fail:
    qnn_asym_free(a);
    return NULL;
}

int qnn_asym_eval(qnn_asym *a)
{
    if (a->frozen)
        frozen_eval(a);
    else if (!a->fresh) {
        grams(a, a->M);
        a->fresh = 1;
    }
    int ok = isfinite(a->rkr);
    for (size_t j = 0; j < a->m && ok; j++)
        ok = isfinite(a->r[j]);
    return ok ? 0 : 1;
}

void qnn_asym_step(qnn_asym *a, double h)
{
    if (a->frozen) {
        a->tau += h;
        return;
    }
    if (!a->fresh)
        grams(a, a->M);
    switch (a->integ) {
    case QNN_INTEG_EULER:
        update(a, a->M, 1, h, 1);
        break;
    case QNN_INTEG_CAYLEY:
        update(a, a->M, 1, h, 0);
        break;
    case QNN_INTEG_MIDPOINT:
        copy_upper(a->d, a->M, a->Mh);
        update(a, a->Mh, 1, 0.5 * h, 0);
        grams(a, a->Mh);
        update(a, a->M, 0, h, 0);
        break;
    }
    for (size_t i = 0; i < a->d; i++)
        a->M[i * a->d + i] = creal(a->M[i * a->d + i]);
    a->fresh = 0;
}

const double *qnn_asym_residuals(const qnn_asym *a) { return a->r; }
const double *qnn_asym_kernel(const qnn_asym *a) { return a->K; }
const double *qnn_asym_labels(const qnn_asym *a) { return a->y; }
double qnn_asym_rkr(const qnn_asym *a) { return a->rkr; }
const qnn_cplx *qnn_asym_matrix(const qnn_asym *a) { return a->M; }
size_t qnn_asym_dim(const qnn_asym *a) { return a->d; }

int qnn_asym_spectrum(const qnn_asym *a, double *out)
{
    const size_t d = a->d;
    if (a->frozen && a->spec0 != out) {
        memcpy(out, a->spec0, d * sizeof(double));
        return 0;
    }
    gsl_matrix_complex *w = qnn_cmatrix_alloc(d, d);
    gsl_vector *ev = gsl_vector_alloc(d);
    gsl_eigen_herm_workspace *ws = gsl_eigen_herm_alloc(d);
    int rc = -1;
    if (w && ev && ws) {
        /* The row-major view of the column-major upper triangle is the lower
         * triangle of Mᵀ = conj(M), which has the same eigenvalues; GSL
         * reads only the lower triangle. */
        memcpy(w->data, a->M, d * d * sizeof(qnn_cplx));
        if (gsl_eigen_herm(w, ev, ws) == 0) {
            memcpy(out, ev->data, d * sizeof(double));
            gsl_sort(out, 1, d);
            rc = 0;
        }
    }
    if (w) gsl_matrix_complex_free(w);
    if (ev) gsl_vector_free(ev);
    if (ws) gsl_eigen_herm_free(ws);
    return rc;
}

double qnn_asym_spectral_drift(const qnn_asym *a)
{
    const size_t d = a->d;
    if (a->frozen)
        return 0.0;
    double *s = malloc(d * sizeof(double));
    if (!s || qnn_asym_spectrum(a, s) != 0) {
        free(s);
        return NAN;
    }
    double num = 0.0, den = 0.0;
    for (size_t i = 0; i < d; i++) {
        double e = fabs(s[i] - a->spec0[i]);
        if (!(e <= num))
            num = e;
        if (fabs(a->spec0[i]) > den)
            den = fabs(a->spec0[i]);
    }
    free(s);
    return den > 0.0 ? num / den : num;
}

int qnn_asym_haar_measurement(gsl_rng *rng, size_t d, double gamma, qnn_cplx *M)
{
    qnn_cplx *U = malloc(d * d * sizeof(qnn_cplx));
    qnn_cplx *UD = malloc(d * d * sizeof(qnn_cplx));
    if (!U || !UD || qnn_haar_unitary(rng, d, U) != 0) {
        free(U);
        free(UD);
        return -1;
    }
    /* UD = U diag(+γ ×d/2, -γ ×d/2); M = UD U† */
    for (size_t j = 0; j < d; j++) {
        const double s = j < d / 2 ? gamma : -gamma;
        for (size_t i = 0; i < d; i++)
            UD[j * d + i] = s * U[j * d + i];
    }
    const int di = (int)d;
    cblas_zgemm(CblasColMajor, CblasNoTrans, CblasConjTrans, di, di, di, &ONE, UD, di, U, di, &ZERO, M, di);
    free(U);
    free(UD);
    return 0;
}

static int json_row(const json_t *rows, size_t i, size_t d, double *out)
{
    const json_t *row = json_array_get(rows, i);
    if (!json_is_array(row) || json_array_size(row) != d)
        return -1;
    for (size_t j = 0; j < d; j++) {
        const json_t *v = json_array_get(row, j);
        if (!json_is_number(v))
            return -1;
        out[j] = json_number_value(v);
        if (!isfinite(out[j]))
            return -1;
    }
    return 0;
}

int qnn_asym_read_matrix(const char *path, size_t *dout, qnn_cplx **Mout, char *err, size_t errlen)
{
    json_error_t je;
    *Mout = NULL;
    char show[QNN_QUOTE_CAP(200)];
    qnn_text_quote(path, strlen(path), 200, show, sizeof show);
    /* a FIFO or a device would block json_load_file or never end */
    const char *kind;
    FILE *f = qnn_file_open_read(path, &kind);
    if (!f && kind)
        return qnn_fail(err, errlen, QNN_E_FILE, "key 'm0_file': value '%s' is %s, not a regular file; allowed: a regular file, JSON {\"re\": [[...]], \"im\": [[...]]} holding a Hermitian d x d matrix",
                        show, kind);
    if (!f)
        return qnn_fail(err, errlen, QNN_E_FILE, "key 'm0_file': value '%s' cannot be read (%s); allowed: a readable JSON file {\"re\": [[...]], \"im\": [[...]]} holding a Hermitian d x d matrix",
                        show, strerror(errno));
    json_t *root = json_loadf(f, JSON_REJECT_DUPLICATES, &je);
    fclose(f);
    if (!root) {
        char why[QNN_QUOTE_CAP(sizeof je.text)];
        qnn_text_quote(je.text, strlen(je.text), 0, why, sizeof why);
        return qnn_fail(err, errlen, QNN_E_FILE, "key 'm0_file': value '%s' cannot be read as JSON (%s, line %d); allowed: a JSON file {\"re\": [[...]], \"im\": [[...]]} holding a Hermitian d x d matrix",
                 show, why, je.line);
    }
    const json_t *re = json_object_get(root, "re"), *im = json_object_get(root, "im");
    size_t d = json_is_array(re) ? json_array_size(re) : 0;
    const char *what = NULL;
    qnn_cplx *M = NULL;
    double *row = NULL;
    if (!json_is_object(root) || !json_is_array(re))
        what = "has no array \"re\"";
    else if (d < 2 || d > 1024 || (d & (d - 1)))
        what = "is not d x d with d a power of two in 2 .. 1024";
    else if (im && (!json_is_array(im) || json_array_size(im) != d))
        what = "has an \"im\" part of another size than \"re\"";
    if (!what) {
        M = calloc(d * d, sizeof(qnn_cplx));
        row = malloc(d * sizeof(double));
        if (!M || !row)
            what = "does not fit in memory";
    }
    for (size_t i = 0; !what && i < d; i++) {
        if (json_row(re, i, d, row) != 0) {
            what = "has a row of \"re\" that is not d finite numbers";
            break;
        }
        for (size_t j = 0; j < d; j++)
            M[j * d + i] = row[j];
        if (im) {
            if (json_row(im, i, d, row) != 0) {
                what = "has a row of \"im\" that is not d finite numbers";
                break;
            }
            for (size_t j = 0; j < d; j++)
                M[j * d + i] += I * row[j];
        }
    }
    if (!what) {
        double mx = 0.0, dev = 0.0;
        for (size_t j = 0; j < d; j++)
            for (size_t i = 0; i < d; i++) {
                double a = cabs(M[j * d + i]);
                if (a > mx)
                    mx = a;
                double e = cabs(M[j * d + i] - conj(M[i * d + j]));
                if (e > dev)
                    dev = e;
            }
        if (mx == 0.0)
            what = "is the zero matrix";
        else if (!isfinite(mx))   /* 1e-10 * mx would pass any matrix as Hermitian */
            what = "has an entry whose modulus |re + i im| overflows a double (above 1.8e308)";
        else if (dev > 1e-10 * mx) {
            qnn_fail(err, errlen, QNN_E_FILE, "key 'm0_file': value '%s' is not Hermitian (max |M - M†| = %.3g against max |M| = %.3g); allowed: a Hermitian matrix, |M_ij - conj(M_ji)| <= 1e-10 max |M|",
                     show, dev, mx);
            json_decref(root);
            free(M);
            free(row);
            return -1;
        }
    }
    json_decref(root);
    free(row);
    if (what) {
        qnn_fail(err, errlen, QNN_E_FILE, "key 'm0_file': value '%s' %s; allowed: a JSON file {\"re\": [[...]], \"im\": [[...]]} holding a Hermitian d x d matrix, d = 2 .. 1024 a power of two",
                 show, what);
        free(M);
        return -1;
    }
    *dout = d;
    *Mout = M;
    return 0;
}
