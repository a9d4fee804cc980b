/* Building the two models' circuits and data sets (SPEC.md §2). */
#ifndef QNN_MODEL_H
#define QNN_MODEL_H

#include <gsl/gsl_rng.h>
#include "circuit.h"

typedef struct qnn_model_data {
    qnn_circuit *circ;
    size_t m;            /* states in the batch */
    qnn_cplx *inputs;    /* column-major D x m */
    double *y;           /* m targets */
    double loss_scale;   /* loss = (loss_scale/2) Σ r² */
} qnn_model_data;

/* Draws circuit and data from rng in a fixed order: the observable, the
 * input states, the labels, then layer by layer (P_l, W_l) (periodic: U_0
 * first). So under one seed a circuit with more layers extends the one with
 * fewer, with the same observable and data: a sweep over L (or a live change
 * of L) compares nested circuits. Returns 0, or -1 with a message. */
int qnn_model_build(const qnn_params *p, gsl_rng *rng, qnn_model_data *out,
                    char *err, size_t errlen);
void qnn_model_data_free(qnn_model_data *md);

/* Data and M(0) of the asymptotic model for m0_init = haar or file, in this
 * draw order: the inputs (basis, or a random orthonormal set), the labels,
 * then U of Eq. 120 (haar). *M (d x d, with γ), *V (d x m), *y (m) are
 * malloc'd. 0, or -1 with a message. */
int qnn_model_build_asym(const qnn_params *p, gsl_rng *rng, qnn_cplx **M, qnn_cplx **V,
                         double **y, char *err, size_t errlen);

/* A Haar-random orthonormal set of m states in C^D: QR of a D x m complex
 * Ginibre matrix, the first m columns of Q. 0 or -1 (memory). */
int qnn_random_orthonormal(gsl_rng *rng, size_t D, size_t m, qnn_cplx *out);

/* A uniformly random non-identity Pauli string on n qubits. */
qnn_pauli qnn_pauli_random(gsl_rng *rng, int n);

#endif
