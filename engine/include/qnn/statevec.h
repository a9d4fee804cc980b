/* Statevector primitives: Pauli strings and their rotations, applied in O(D)
 * without building matrices, plus dense column-major matrix helpers.
 *
 * Conventions (used everywhere in qnnlab):
 *  - n qubits, D = 2^n amplitudes; basis index b = sum_k b_k 2^k, so qubit k
 *    is bit k of the index.
 *  - A Pauli string is written most-significant qubit first, like a ket:
 *    "XIZ" means X on qubit 2, I on qubit 1, Z on qubit 0.
 *  - Internally P = i^ny X^x Z^z (x, z bit masks, ny = number of Y factors),
 *    so P|b> = i^ny (-1)^popcount(b & z) |b ^ x>.
 *  - Dense D x D matrices are stored column-major (element (r, c) at
 *    a[r + c*D]); a batch of m states is a column-major D x m matrix, each
 *    state contiguous.
 */
#ifndef QNN_STATEVEC_H
#define QNN_STATEVEC_H

#include <complex.h>
#include <stddef.h>
#include <stdint.h>

typedef double complex qnn_cplx;

#define QNN_MAX_QUBITS 24

typedef struct qnn_pauli {
    uint32_t x;  /* bit k set: X or Y on qubit k */
    uint32_t z;  /* bit k set: Z or Y on qubit k */
} qnn_pauli;

/* Number of Y factors (popcount(x & z)). */
int qnn_pauli_ny(qnn_pauli p);
/* 1 when p is the identity string. */
int qnn_pauli_is_identity(qnn_pauli p);

/* Parses "XIZY" (n characters from I, X, Y, Z, case-insensitive) into *out.
 * Returns 0, or -1 when the length differs from n or a character is not a
 * Pauli letter. */
int qnn_pauli_parse(const char *s, int n, qnn_pauli *out);
/* Writes the n-character string and a NUL into buf (at least n+1 bytes). */
void qnn_pauli_format(qnn_pauli p, int n, char *buf);

/* out = P in. in and out must not alias; both of length 2^n. */
void qnn_pauli_apply(qnn_pauli p, int n, const qnn_cplx *in, qnn_cplx *out);
/* psi <- exp(i theta P) psi = cos(theta) psi + i sin(theta) P psi, in place,
 * one pass over memory. */
void qnn_pauli_rotate(qnn_pauli p, int n, double theta, qnn_cplx *psi);
/* <a|P|b> without forming P b. */
qnn_cplx qnn_pauli_inner(qnn_pauli p, int n, const qnn_cplx *a, const qnn_cplx *b);
/* <psi|P|psi> (real because P is Hermitian). */
double qnn_pauli_expect(qnn_pauli p, int n, const qnn_cplx *psi);

/* <a|b> = sum conj(a_i) b_i. */
qnn_cplx qnn_vec_dot(size_t len, const qnn_cplx *a, const qnn_cplx *b);
/* ||a||^2. */
double qnn_vec_norm2(size_t len, const qnn_cplx *a);

/* Out = A In (adjoint = 0) or A^dagger In (adjoint = 1) for a column-major
 * D x D matrix A and a D x m batch In; Out must not alias In. Uses CBLAS
 * (zgemv for m = 1, zgemm otherwise). */
void qnn_dense_apply(size_t D, const qnn_cplx *A, int adjoint, size_t m,
                     const qnn_cplx *in, qnn_cplx *out);

#endif
