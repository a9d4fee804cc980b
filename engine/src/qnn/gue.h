/* Real-time evolution under Hamiltonians from the Gaussian unitary
 * ensemble, OME Fig. 4a's ensemble source of states: |ψ(t)> = e^{-iHt}|0…0>.
 *
 * Normalisation: H = (A + A†)/√(2D) with A a complex Ginibre matrix
 * (entries (N(0,1) + i N(0,1))/√2): the standard GUE with E|H_ij|² = 1/D
 * for every entry (Re and Im of an off-diagonal entry N(0, 1/(2D)), the
 * diagonal N(0, 1/D)), whose spectrum fills the semicircle on [-2, 2].
 * OME does not state its normalisation; at t = 10 the state is scrambled
 * for any O(1) bandwidth, which is what Fig. 4a relies on. */
#ifndef QNN_GUE_H
#define QNN_GUE_H

#include <stddef.h>
#include <gsl/gsl_rng.h>
#include "qnn/statevec.h"

/* H (column-major D x D, full storage) drawn from rng: 2 D² Gaussians,
 * row by row over A, real part then imaginary part. 0, or -1 (memory). */
int qnn_gue_hamiltonian(gsl_rng *rng, size_t D, qnn_cplx *H);

/* psi = e^{-iHt} |0…0> for a Hermitian H, by its eigen-decomposition
 * (GSL). 0, or -1 when memory runs out or the eigensolver fails. */
int qnn_gue_evolve(size_t D, const qnn_cplx *H, double t, qnn_cplx *psi);

#endif
