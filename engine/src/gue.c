/* GUE Hamiltonians and real-time evolution; see qnn/gue.h. */
#include "qnn/gue.h"
#include "gslpad.h"

#include <gsl/gsl_complex_math.h>
#include <gsl/gsl_eigen.h>
#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdlib.h>

int qnn_gue_hamiltonian(gsl_rng *rng, size_t D, qnn_cplx *H)
{
    qnn_cplx *A = malloc(D * D * sizeof(qnn_cplx));
    if (!A)
        return -1;
    const double s = 1.0 / sqrt(2.0);
    for (size_t i = 0; i < D; i++)
        for (size_t j = 0; j < D; j++) {
            double re = gsl_ran_gaussian(rng, 1.0) * s;
            double im = gsl_ran_gaussian(rng, 1.0) * s;
            A[j * D + i] = re + I * im;
        }
    const double c = 1.0 / sqrt(2.0 * (double)D);
    for (size_t j = 0; j < D; j++)
        for (size_t i = 0; i < D; i++)
            H[j * D + i] = c * (A[j * D + i] + conj(A[i * D + j]));
    free(A);
    return 0;
}

int qnn_gue_evolve(size_t D, const qnn_cplx *H, double t, qnn_cplx *psi)
{
    gsl_matrix_complex *M = qnn_cmatrix_alloc(D, D), *V = qnn_cmatrix_alloc(D, D);
    gsl_vector *E = gsl_vector_alloc(D);
    gsl_eigen_hermv_workspace *w = gsl_eigen_hermv_alloc(D);
    int rc = -1;
    if (M && V && E && w) {
        for (size_t i = 0; i < D; i++)
            for (size_t j = 0; j < D; j++) {
                qnn_cplx z = H[j * D + i];
                gsl_matrix_complex_set(M, i, j, gsl_complex_rect(creal(z), cimag(z)));
            }
        if (gsl_eigen_hermv(M, E, V, w) == 0) {
            /* ψ = V e^{-iEt} V† e_0: (V† e_0)_k = conj(V_0k) */
            for (size_t i = 0; i < D; i++)
                psi[i] = 0.0;
            for (size_t k = 0; k < D; k++) {
                gsl_complex v0 = gsl_matrix_complex_get(V, 0, k);
                qnn_cplx c = cexp(-I * gsl_vector_get(E, k) * t) * (GSL_REAL(v0) - I * GSL_IMAG(v0));
                for (size_t i = 0; i < D; i++) {
                    gsl_complex vik = gsl_matrix_complex_get(V, i, k);
                    psi[i] += c * (GSL_REAL(vik) + I * GSL_IMAG(vik));
                }
            }
            rc = 0;
        }
    }
    if (M) gsl_matrix_complex_free(M);
    if (V) gsl_matrix_complex_free(V);
    if (E) gsl_vector_free(E);
    if (w) gsl_eigen_hermv_free(w);
    return rc;
}
