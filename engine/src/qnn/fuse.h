/* Gate fusion (engine/src/fuse.c): a sequence of dense 1- and 2-qubit
 * gates grouped into blocks on at most kmax qubits, each block applied in
 * one pass over the state, so that a circuit whose state does not fit the
 * caches streams memory once per block instead of once per gate.
 *
 * The plan keeps the gates' order where it matters: a gate joins the
 * latest block it commutes back to (no later block touches its qubits)
 * when the union stays within kmax qubits. Applying the plan equals
 * applying the gates one by one (qnn/gate2.h) up to rounding; the adjoint
 * applies the blocks' inverses in reverse order.
 *
 * Ownership: the plan copies the gates' matrices; the caller's gate array
 * can go after qnn_fused_new. Thread-safety: a plan is read-only once
 * built and may be applied from several threads at once. */
#ifndef QNN_FUSE_H
#define QNN_FUSE_H

#include <stddef.h>
#include "qnn/statevec.h"

typedef struct qnn_gate_ref {
    int q0, q1;            /* target qubits; q1 = -1 for a 1-qubit gate */
    const qnn_cplx *g;     /* row-major 4x4 (2x2 when q1 = -1), qnn/gate2.h's local index */
} qnn_gate_ref;

typedef struct qnn_fused qnn_fused;

/* A plan for ngates gates on n qubits with blocks of at most kmax qubits
 * (2 .. 5; 2 keeps every 2-qubit gate on its own). NULL when memory runs
 * out or an argument is out of range. */
qnn_fused *qnn_fused_new(int n, size_t ngates, const qnn_gate_ref *gates, int kmax);
void qnn_fused_free(qnn_fused *f);
/* psi ← (product of the gates) psi, or its adjoint. */
void qnn_fused_apply(const qnn_fused *f, qnn_cplx *psi, int adjoint);
/* Blocks in the plan, and the number of qubits of block i. */
size_t qnn_fused_blocks(const qnn_fused *f);
int qnn_fused_block_qubits(const qnn_fused *f, size_t i);
/* Bytes a plan of ngates gates holds (whatever its blocks), for memory
 * estimates. */
size_t qnn_fused_bytes(size_t ngates);

#endif
