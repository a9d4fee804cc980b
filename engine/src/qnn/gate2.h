/* Dense 1- and 2-qubit gates on a state vector (engine/src/gate2.c): the
 * kernel of brickwork entanglers and of user circuits' two-qubit gates.
 *
 * Matrices are row-major (element (r, c) at g[r * dim + c]). For a 2-qubit
 * gate on qubits (q0, q1) the local index is (bit q1 << 1) | bit q0: q0 is
 * the gate's first operand, whichever of the two is the lower qubit.
 * `adjoint` applies G† instead of G.
 *
 * Paths (qnn/simd.h): AVX-512, AVX2+FMA, scalar; every target pair (both
 * qubits low, inside one vector register, mixed, both high) on each.
 * Threads (qnn/par.h): the amplitudes are split over the calling thread's
 * kernel team; element-wise, so bit-identical for any thread count. */
#ifndef QNN_GATE2_H
#define QNN_GATE2_H

#include "qnn/statevec.h"

/* psi ← G psi (or G† psi) for a 4x4 row-major g on qubits q0 != q1, both
 * in 0 .. n-1, of an n-qubit state (2^n amplitudes, 64-byte aligned or
 * not). */
void qnn_gate2_apply(qnn_cplx *psi, int n, int q0, int q1, const qnn_cplx *g, int adjoint);

/* psi ← G psi for a 2x2 row-major g on qubit q. */
void qnn_gate1_apply(qnn_cplx *psi, int n, int q, const qnn_cplx *g, int adjoint);

/* The straightforward scalar loops, kept as the tests' and benches'
 * reference (same contract). */
void qnn_gate2_apply_ref(qnn_cplx *psi, int n, int q0, int q1, const qnn_cplx *g, int adjoint);
void qnn_gate1_apply_ref(qnn_cplx *psi, int n, int q, const qnn_cplx *g, int adjoint);

#endif
