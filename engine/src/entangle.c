/* Reduced states, entanglement entropy and trace distance; see
 * qnn/entangle.h for the qubit order and the Gram-matrix shortcut. */
#include "qnn/entangle.h"
#include "gslpad.h"

#include <gsl/gsl_cblas.h>
#include <gsl/gsl_eigen.h>
#include <gsl/gsl_sort.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

struct qnn_entangle {
    int n, n_v;
    size_t Dv, Dh, k;          /* k = min(Dv, Dh): size of the Gram matrix */
    gsl_matrix_complex *G;
    gsl_vector *ev;
    gsl_eigen_herm_workspace *w;
};

void qnn_entangle_free(qnn_entangle *e)
{
    if (!e)
        return;
    if (e->G)
        gsl_matrix_complex_free(e->G);
    if (e->ev)
        gsl_vector_free(e->ev);
    if (e->w)
        gsl_eigen_herm_free(e->w);
    free(e);
}

size_t qnn_entangle_dv(const qnn_entangle *e) { return e->Dv; }

qnn_entangle *qnn_entangle_new(int n, int n_v)
{
    if (n < 1 || n > QNN_MAX_QUBITS || n_v < 1 || n_v > n)
        return NULL;
    qnn_entangle *e = calloc(1, sizeof *e);
    if (!e)
        return NULL;
    e->n = n;
    e->n_v = n_v;
    e->Dv = (size_t)1 << n_v;
    e->Dh = (size_t)1 << (n - n_v);
    e->k = e->Dv < e->Dh ? e->Dv : e->Dh;
    e->G = qnn_cmatrix_alloc(e->k, e->k);
    e->ev = gsl_vector_alloc(e->k);
    e->w = gsl_eigen_herm_alloc(e->k);
    if (!e->G || !e->ev || !e->w) {
        qnn_entangle_free(e);
        return NULL;
    }
    return e;
}

void qnn_reduced_state(int n, int n_v, const qnn_cplx *psi, qnn_cplx *rho)
{
    const int Dv = 1 << n_v, Dh = 1 << (n - n_v);
    /* ρ_v = Ψ Ψ†, Ψ the D_v x D_h column-major view of psi */
    cblas_zherk(CblasColMajor, CblasUpper, CblasNoTrans, Dv, Dh, 1.0, psi, Dv, 0.0, rho, Dv);
    for (int j = 0; j < Dv; j++)
        for (int i = j + 1; i < Dv; i++)
            rho[j * Dv + i] = conj(rho[i * Dv + j]);
}

int qnn_entangle_spectrum(qnn_entangle *e, const qnn_cplx *psi, double *lambda)
{
    const int Dv = (int)e->Dv, Dh = (int)e->Dh, k = (int)e->k;
    qnn_cplx *g = (qnn_cplx *)e->G->data;
    /* Column-major upper triangle of Ψ Ψ† (D_v <= D_h) or Ψ† Ψ (D_v > D_h);
     * seen row-major by GSL it is the lower triangle of the conjugate,
     * which has the same eigenvalues and is what gsl_eigen_herm reads. */
    if (Dv <= Dh)
        cblas_zherk(CblasColMajor, CblasUpper, CblasNoTrans, Dv, Dh, 1.0, psi, Dv, 0.0, g, k);
    else
        cblas_zherk(CblasColMajor, CblasUpper, CblasConjTrans, Dh, Dv, 1.0, psi, Dv, 0.0, g, k);
    if (gsl_eigen_herm(e->G, e->ev, e->w) != 0)
        return -1;
    memset(lambda, 0, e->Dv * sizeof(double));
    memcpy(lambda, e->ev->data, e->k * sizeof(double));
    gsl_sort(lambda, 1, e->Dv);
    /* descending */
    for (size_t i = 0, j = e->Dv - 1; i < j; i++, j--) {
        double t = lambda[i];
        lambda[i] = lambda[j];
        lambda[j] = t;
    }
    return 0;
}

double qnn_entropy(const double *lambda, size_t len, int bits)
{
    double s = 0.0;
    for (size_t i = 0; i < len; i++)
        if (lambda[i] > 0.0)
            s -= lambda[i] * log(lambda[i]);
    return bits ? s / M_LN2 : s;
}

double qnn_trace_distance_mixed(const double *lambda, size_t Dv)
{
    double s = 0.0, u = 1.0 / (double)Dv;
    for (size_t i = 0; i < Dv; i++)
        s += fabs(lambda[i] - u);
    return 0.5 * s;
}

double qnn_page_entropy(double Dv, double Dh)
{
    double m = Dv < Dh ? Dv : Dh, n = Dv < Dh ? Dh : Dv;
    /* Σ_{k=n+1}^{mn} 1/k, summed from the small terms up */
    double s = 0.0;
    for (double k = m * n; k > n; k -= 1.0)
        s += 1.0 / k;
    return s - (m - 1.0) / (2.0 * n);
}

double qnn_trace_distance_bound(double Dv, double Dh)
{
    return 0.5 * sqrt(Dv / Dh);
}
