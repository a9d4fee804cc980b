/* Complex GSL matrices and vectors with one spare row (element) behind
 * them. OpenBLAS 0.3.21 (Debian bookworm) reads one element past the end
 * of a strided vector in its Haswell zdotc/zdotu kernels (upstream issue
 * #3740, fixed later); GSL's Householder, LU and Hermitian eigen routines
 * call those kernels on columns of the matrices below, and a block that
 * ends at the top of the heap then faults. The spare row keeps that read
 * inside the allocation; the matrix itself is the usual n1 x n2 (its
 * block is freed whole by gsl_matrix_complex_free). */
#ifndef QNN_GSLPAD_H
#define QNN_GSLPAD_H

#include <gsl/gsl_matrix_complex_double.h>
#include <gsl/gsl_vector_complex_double.h>

static inline gsl_matrix_complex *qnn_cmatrix_alloc(size_t n1, size_t n2)
{
    gsl_matrix_complex *m = gsl_matrix_complex_alloc(n1 + 1, n2);
    if (m)
        m->size1 = n1;
    return m;
}

static inline gsl_vector_complex *qnn_cvector_alloc(size_t n)
{
    gsl_vector_complex *v = gsl_vector_complex_alloc(n + 1);
    if (v)
        v->size = n;
    return v;
}

#endif
