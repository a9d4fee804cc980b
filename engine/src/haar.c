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
 */
#include "gslpad.h"
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

struct qnn_brickwork {
    int n;
    int depth;
    size_t ngates;
    size_t gdim;      /* 4, or 2 when n = 1 */
    qnn_cplx gates[]; /* ngates column-major gdim x gdim blocks, sampling order */
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

size_t qnn_brickwork_bytes(int n, int depth)
{
    if (n < 1 || n > QNN_MAX_QUBITS || depth < 0)
        return 0;
    const size_t gdim = n == 1 ? 2 : 4;
    return sizeof(struct qnn_brickwork)
           + total_gates(n, depth) * gdim * gdim * sizeof(qnn_cplx);
}

qnn_brickwork *qnn_brickwork_new(gsl_rng *rng, int n, int depth)
{
    const size_t bytes = qnn_brickwork_bytes(n, depth);
    if (bytes == 0)
        return NULL;
    qnn_brickwork *bw = malloc(bytes);
    if (!bw)
        return NULL;
    bw->n = n;
    bw->depth = depth;
    bw->ngates = total_gates(n, depth);
    bw->gdim = n == 1 ? 2 : 4;
    const size_t gsz = bw->gdim * bw->gdim;
    for (size_t g = 0; g < bw->ngates; g++) {
        if (qnn_haar_unitary(rng, bw->gdim, bw->gates + g * gsz) != 0) {
            free(bw);
            return NULL;
        }
    }
    return bw;
}

void qnn_brickwork_free(qnn_brickwork *bw)
{
    free(bw);
}

size_t qnn_brickwork_gate_count(const qnn_brickwork *bw)
{
    return bw ? bw->ngates : 0;
}

/* Row-major real/imaginary split of a gate (or of its adjoint):
 * m[r][c] multiplies local amplitude c into local amplitude r. */
static void load_gate(const qnn_cplx *G, size_t d, int adjoint, double *mr, double *mi)
{
    for (size_t r = 0; r < d; r++) {
        for (size_t c = 0; c < d; c++) {
            const qnn_cplx g = adjoint ? conj(G[c + r * d]) : G[r + c * d];
            mr[r * d + c] = creal(g);
            mi[r * d + c] = cimag(g);
        }
    }
}

/* 2x2 gate on qubit 0 of a 1-qubit state. */
static void apply_1q(double *v, const double *mr, const double *mi)
{
    const double ar = v[0], ai = v[1], br = v[2], bi = v[3];
    v[0] = mr[0] * ar - mi[0] * ai + mr[1] * br - mi[1] * bi;
    v[1] = mr[0] * ai + mi[0] * ar + mr[1] * bi + mi[1] * br;
    v[2] = mr[2] * ar - mi[2] * ai + mr[3] * br - mi[3] * bi;
    v[3] = mr[2] * ai + mi[2] * ar + mr[3] * bi + mi[3] * br;
}

/* 4x4 gate on qubits (k, k+1), local index (bit_{k+1} << 1) | bit_k: groups
 * of four amplitudes b0, b0 + s, b0 + 2s, b0 + 3s with s = 2^k, walked as
 * contiguous runs of length s. */
static void apply_2q(double *v, size_t D, int k, const double *mr, const double *mi)
{
    const size_t s = (size_t)1 << k;
    for (size_t base = 0; base < D; base += 4 * s) {
        double *p0 = v + 2 * base;
        double *p1 = p0 + 2 * s;
        double *p2 = p1 + 2 * s;
        double *p3 = p2 + 2 * s;
        for (size_t u = 0; u < s; u++) {
            double xr[4], xi[4];
            xr[0] = p0[2 * u]; xi[0] = p0[2 * u + 1];
            xr[1] = p1[2 * u]; xi[1] = p1[2 * u + 1];
            xr[2] = p2[2 * u]; xi[2] = p2[2 * u + 1];
            xr[3] = p3[2 * u]; xi[3] = p3[2 * u + 1];
            double yr[4], yi[4];
            for (int r = 0; r < 4; r++) {
                double accr = 0.0, acci = 0.0;
                for (int c = 0; c < 4; c++) {
                    accr += mr[4 * r + c] * xr[c] - mi[4 * r + c] * xi[c];
                    acci += mr[4 * r + c] * xi[c] + mi[4 * r + c] * xr[c];
                }
                yr[r] = accr;
                yi[r] = acci;
            }
            p0[2 * u] = yr[0]; p0[2 * u + 1] = yi[0];
            p1[2 * u] = yr[1]; p1[2 * u + 1] = yi[1];
            p2[2 * u] = yr[2]; p2[2 * u + 1] = yi[2];
            p3[2 * u] = yr[3]; p3[2 * u + 1] = yi[3];
        }
    }
}

void qnn_brickwork_apply(const qnn_brickwork *bw, int adjoint, qnn_cplx *psi)
{
    const int n = bw->n;
    const size_t D = (size_t)1 << n;
    const size_t d = bw->gdim, gsz = d * d;
    double *v = (double *)psi;
    double mr[16], mi[16];

    /* Offset of the first gate of each layer, walked forwards or backwards. */
    size_t first = adjoint ? bw->ngates : 0;
    for (int step = 0; step < bw->depth; step++) {
        const int j = adjoint ? bw->depth - 1 - step : step;
        const size_t cnt = gates_in_layer(n, j);
        if (adjoint)
            first -= cnt;
        for (size_t g = 0; g < cnt; g++) {
            load_gate(bw->gates + (first + g) * gsz, d, adjoint, mr, mi);
            if (n == 1)
                apply_1q(v, mr, mi);
            else
                apply_2q(v, D, (j & 1) + 2 * (int)g, mr, mi);
        }
        if (!adjoint)
            first += cnt;
    }
}
