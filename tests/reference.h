/* Slow, plain, obviously-correct dense-matrix references for the tests:
 * Pauli strings as Kronecker products of 2x2 matrices, matrix products,
 * and the full circuit unitary multiplied out layer by layer. Column-major
 * D x D matrices throughout, like the engine. */
#ifndef QNN_TEST_REFERENCE_H
#define QNN_TEST_REFERENCE_H

#include <stddef.h>
#include <gsl/gsl_rng.h>
#include "qnn/params.h"
#include "qnn/statevec.h"

/* C = A ⊗ B for a da x da A and a db x db B. */
void ref_kron(size_t da, const qnn_cplx *A, size_t db, const qnn_cplx *B, qnn_cplx *C);
/* A Haar-random unit vector (normalised complex Gaussian). */
void ref_random_state(gsl_rng *r, size_t D, qnn_cplx *v);
/* max_i |a_i - b_i|. */
double ref_maxdiff(size_t len, const qnn_cplx *a, const qnn_cplx *b);
/* Defaults, then the NULL-terminated key/value pairs, checked; a bad pair
 * fails the calling cmocka test. */
qnn_params ref_params(const char *const *kv);
/* Instance `index` of ref_params(kv); failure fails the calling test. */
struct qnn_instance *ref_instance(const char *const *kv, int index);
/* An ensemble run of ref_params(kv); failure fails the calling test. */
struct qnn_run *ref_run(const char *const *kv);

/* New D x D matrix of the Pauli string (letters most significant qubit
 * first, either case), built by Kronecker products of the 2x2 Pauli
 * matrices. */
qnn_cplx *ref_pauli_letters(const char *s, int n);
/* The same from the engine's bit-mask form, converted letter by letter. */
qnn_cplx *ref_pauli(qnn_pauli p, int n);
/* C = A B (all D x D); C must not alias. */
void ref_matmul(size_t D, const qnn_cplx *A, const qnn_cplx *B, qnn_cplx *C);
/* y = A x. */
void ref_matvec(size_t D, const qnn_cplx *A, const qnn_cplx *x, qnn_cplx *y);
/* exp(i a P) = cos a I + i sin a P for a Pauli matrix P (P² = I). */
qnn_cplx *ref_pauli_exp(qnn_pauli p, int n, double a);
/* New identity matrix. */
qnn_cplx *ref_identity(size_t D);
/* Eigenvalues, ascending, of a Hermitian column-major n x n matrix (GSL,
 * with a spare row against OpenBLAS 0.3.21's zdot over-read). */
void ref_herm_eigs(size_t n, const qnn_cplx *A, double *ev);
/* <x|A|x>. */
qnn_cplx ref_expect(size_t D, const qnn_cplx *A, const qnn_cplx *x);

#endif
