/* Random unitaries: dense Haar unitaries on U(D) and brickwork circuits of
 * Haar 2-qubit gates (the scalable approximate 2-design). */
#ifndef QNN_HAAR_H
#define QNN_HAAR_H

#include <gsl/gsl_rng.h>
#include "qnn/statevec.h"

/* Fills U (column-major D x D) with a Haar-random unitary: QR decomposition
 * of a complex Ginibre matrix (entries (N(0,1) + i N(0,1))/sqrt 2), with the
 * phase fix Q <- Q diag(R_jj/|R_jj|) (Mezzadri 2007) that makes the law
 * exactly Haar. Returns 0, or -1 when memory runs out.
 * Reproducible: draws exactly 2 D^2 values gsl_ran_gaussian(rng, 1.0), row by
 * row over the Ginibre matrix, real part then imaginary part per entry. */
int qnn_haar_unitary(gsl_rng *rng, size_t D, qnn_cplx *U);

/* A brickwork circuit on n qubits: `depth` layers; layer j applies
 * independent Haar 2-qubit gates to pairs (k, k+1) with k = j mod 2,
 * j mod 2 + 2, ... (open boundary). For n = 1 every layer is one Haar
 * 1-qubit gate. Frozen once sampled. Sampling draws only the gates, one
 * qnn_haar_unitary(rng, 4 or 2, .) each, layer 0 first and by increasing k
 * within a layer. */
typedef struct qnn_brickwork qnn_brickwork;

/* NULL when memory runs out, or when n is outside 1..QNN_MAX_QUBITS or
 * depth < 0. depth = 0 is the identity. */
qnn_brickwork *qnn_brickwork_new(gsl_rng *rng, int n, int depth);
void qnn_brickwork_free(qnn_brickwork *bw);
/* psi <- B psi (adjoint = 0) or B^dagger psi (adjoint = 1), in place,
 * O(D * gates). */
void qnn_brickwork_apply(const qnn_brickwork *bw, int adjoint, qnn_cplx *psi);
/* The same through a chosen path: fused = 1 applies the fusion plan's
 * blocks (qnn/fuse.h), 0 the gates one by one (qnn/gate2.h); equal up to
 * rounding. qnn_brickwork_apply picks the faster one for the state size
 * (haar.c says the rule). For tests and benchmarks. */
void qnn_brickwork_apply_path(const qnn_brickwork *bw, int adjoint, qnn_cplx *psi, int fused);
/* Number of 2-qubit (or 1-qubit) gates. */
size_t qnn_brickwork_gate_count(const qnn_brickwork *bw);
/* Bytes it holds, its fusion plan included (0 for arguments qnn_brickwork_new rejects). */
size_t qnn_brickwork_bytes(int n, int depth);

#endif
