/* Haar-random unitaries (QR of a Ginibre matrix with the Mezzadri phase fix)
 * and brickwork circuits of Haar 2-qubit gates.
 *
 * Reproducibility contract (a fixed rng state gives the same output):
 *  - qnn_haar_unitary draws exactly 2 D^2 gaussians with
 *    gsl_ran_gaussian(rng, 1.0), in row-major order over the Ginibre matrix
 *    G (G_00, G_01, ..., G_0(D-1), G_10, ...), real part then imaginary part
 *    for each entry; each is divided by sqrt(2).
 *  - qnn_brickwork_new draws nothing but its gates, each with one
 *    qnn_haar_unitary call (D = 4, or D = 2 when n = 1), in the order layer
 *    0, 1, ..., depth-1 and, within a layer, by increasing lower qubit k.
 *
 * Brickwork storage and application: the gates are kept row-major with the
 * local index (bit_{k+1} << 1) | bit_k of qnn/gate2.h (q0 = k, q1 = k+1),
 * transposed from qnn_haar_unitary's column-major output (same numbers,
 * same draws). A brickwork on n ≥ 2 qubits also holds a fusion plan of all
 * its gates (qnn/fuse.h, blocks of at most BW_KMAX = 5 qubits: fewer blocks
 * than 4, measured faster). The rule, from measurements on a Zen 5 core
 * (issue 24; 1 thread, layers of depth 1, 2, 4, quiet machine): states of
 * at least BW_FUSE_MIN_N = 23 qubits (128 MiB, 4x the L3) go through the
 * fused plan, where one pass per block instead of per gate saves DRAM
 * traffic (n = 23, 24: 0.49-0.64 vs 0.56-0.68 ns per amplitude per gate);
 * smaller states go gate by gate through qnn_gate2_apply, which is faster
 * or even while the state is cached or little beyond (n = 20: 0.36-0.40 vs
 * 0.39-0.44 fused; n = 22: 0.42-0.54 vs 0.47-0.55); n = 1 is one 2x2 gate per
 * layer (qnn_gate1_apply). The adjoint applies the inverses in reverse order
 * (the plan's blocks' inverses, or the gates' adjoints).
 */
#include "gslpad.h"
#include "qnn/fuse.h"
#include "qnn/gate2.h"
#include "qnn/haar.h"

#include <gsl/gsl_linalg.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

int qnn_haar_unitary(gsl_rng *rng, size_t D, qnn_cplx *U)
{
    if (D == 0)
        return 0;
    int rc = -1;
    gsl_matrix_complex *A = qnn_cmatrix_alloc(D, D);
    gsl_matrix_complex *T = qnn_cmatrix_alloc(D, D);
    gsl_matrix_complex *Q = qnn_cmatrix_alloc(D, D);
    gsl_matrix_complex *R = qnn_cmatrix_alloc(D, D);
    if (!A || !T || !Q || !R)
        goto done;

    const double inv_sqrt2 = 1.0 / sqrt(2.0);
    for (size_t i = 0; i < D; i++) {
        for (size_t j = 0; j < D; j++) {
            const double re = gsl_ran_gaussian(rng, 1.0) * inv_sqrt2;
            const double im = gsl_ran_gaussian(rng, 1.0) * inv_sqrt2;
            gsl_complex g;
            GSL_SET_COMPLEX(&g, re, im);
            gsl_matrix_complex_set(A, i, j, g);
        }
    }
    if (gsl_linalg_complex_QR_decomp_r(A, T) != 0)
        goto done;
    if (gsl_linalg_complex_QR_unpack_r(A, T, Q, R) != 0)
        goto done;

    /* U = Q diag(R_jj / |R_jj|), written column-major (GSL is row-major). */
    for (size_t j = 0; j < D; j++) {
        const gsl_complex r = gsl_matrix_complex_get(R, j, j);
        const double mod = hypot(GSL_REAL(r), GSL_IMAG(r));
        /* R_jj = 0 has probability zero; keep the column as it is then. */
        const double pr = mod > 0.0 ? GSL_REAL(r) / mod : 1.0;
        const double pi = mod > 0.0 ? GSL_IMAG(r) / mod : 0.0;
        for (size_t i = 0; i < D; i++) {
            const gsl_complex q = gsl_matrix_complex_get(Q, i, j);
            const double qr = GSL_REAL(q), qi = GSL_IMAG(q);
            U[i + j * D] = CMPLX(qr * pr - qi * pi, qr * pi + qi * pr);
        }
    }
    rc = 0;
done:
    gsl_matrix_complex_free(R);
    gsl_matrix_complex_free(Q);
    gsl_matrix_complex_free(T);
    gsl_matrix_complex_free(A);
    return rc;
}

/* ------------------------------------------------------------------------ */

/* Largest fused block (qubits) and the smallest state that is fused. */
#define BW_KMAX 5
#define BW_FUSE_MIN_N 23

struct qnn_brickwork {
    int n;
    int depth;
    size_t ngates;
    size_t gdim;      /* 4, or 2 when n = 1 */
    qnn_fused *plan;  /* all gates in order; NULL when n = 1 */
    qnn_cplx gates[]; /* ngates row-major gdim x gdim blocks, sampling order */
};

static size_t gates_in_layer(int n, int j)
{
    if (n == 1)
        return 1;
    return (size_t)((n - (j & 1)) / 2);
}

static size_t total_gates(int n, int depth)
{
    size_t g = 0;
    for (int j = 0; j < depth; j++)
        g += gates_in_layer(n, j);
    return g;
}

static size_t struct_bytes(int n, int depth)
{
    const size_t gdim = n == 1 ? 2 : 4;
    return sizeof(struct qnn_brickwork) + total_gates(n, depth) * gdim * gdim * sizeof(qnn_cplx);
}

size_t qnn_brickwork_bytes(int n, int depth)
{
    if (n < 1 || n > QNN_MAX_QUBITS || depth < 0)
        return 0;
    return struct_bytes(n, depth) + (n >= 2 ? qnn_fused_bytes(total_gates(n, depth)) : 0);
}

qnn_brickwork *qnn_brickwork_new(gsl_rng *rng, int n, int depth)
{
    if (qnn_brickwork_bytes(n, depth) == 0)
        return NULL;
    qnn_brickwork *bw = malloc(struct_bytes(n, depth));
    if (!bw)
        return NULL;
    bw->n = n;
    bw->depth = depth;
    bw->ngates = total_gates(n, depth);
    bw->gdim = n == 1 ? 2 : 4;
    bw->plan = NULL;
    const size_t d = bw->gdim, gsz = d * d;
    for (size_t g = 0; g < bw->ngates; g++) {
        qnn_cplx U[16];
        if (qnn_haar_unitary(rng, d, U) != 0) {
            free(bw);
            return NULL;
        }
        for (size_t r = 0; r < d; r++) /* column-major -> row-major */
            for (size_t c = 0; c < d; c++)
                bw->gates[g * gsz + r * d + c] = U[r + c * d];
    }
    if (n >= 2) {
        qnn_gate_ref *refs = malloc((bw->ngates ? bw->ngates : 1) * sizeof *refs);
        if (!refs) {
            free(bw);
            return NULL;
        }
        size_t g = 0;
        for (int j = 0; j < depth; j++)
            for (int k = j & 1; k + 1 < n; k += 2, g++) {
                refs[g].q0 = k;
                refs[g].q1 = k + 1;
                refs[g].g = bw->gates + g * gsz;
            }
        bw->plan = qnn_fused_new(n, bw->ngates, refs, BW_KMAX);
        free(refs);
        if (!bw->plan) {
            free(bw);
            return NULL;
        }
    }
    return bw;
}

void qnn_brickwork_free(qnn_brickwork *bw)
{
    if (!bw)
        return;
    qnn_fused_free(bw->plan);
    free(bw);
}

size_t qnn_brickwork_gate_count(const qnn_brickwork *bw)
{
    return bw ? bw->ngates : 0;
}

void qnn_brickwork_apply_path(const qnn_brickwork *bw, int adjoint, qnn_cplx *psi, int fused)
{
    const int n = bw->n;
    if (n == 1) {
        for (size_t s = 0; s < bw->ngates; s++) {
            const size_t g = adjoint ? bw->ngates - 1 - s : s;
            qnn_gate1_apply(psi, 1, 0, bw->gates + 4 * g, adjoint);
        }
        return;
    }
    if (fused) {
        qnn_fused_apply(bw->plan, psi, adjoint);
        return;
    }
    /* gate by gate: layer j's gates sit on (k, k+1), k = j mod 2, +2, ... */
    size_t first = adjoint ? bw->ngates : 0;
    for (int step = 0; step < bw->depth; step++) {
        const int j = adjoint ? bw->depth - 1 - step : step;
        const size_t cnt = gates_in_layer(n, j);
        if (adjoint)
            first -= cnt;
        for (size_t s = 0; s < cnt; s++) {
            const size_t g = adjoint ? cnt - 1 - s : s;
            const int k = (j & 1) + 2 * (int)g;
            qnn_gate2_apply(psi, n, k, k + 1, bw->gates + (first + g) * 16, adjoint);
        }
        if (!adjoint)
            first += cnt;
    }
}

void qnn_brickwork_apply(const qnn_brickwork *bw, int adjoint, qnn_cplx *psi)
{
    qnn_brickwork_apply_path(bw, adjoint, psi, bw->n >= BW_FUSE_MIN_N);
}
