/* Dense 1- and 2-qubit gates (qnn/gate2.h). SKELETON: the reference loops;
 * the vector kernels come with issue 24. */
#include "qnn/gate2.h"

static void load(const qnn_cplx *g, int dim, int adjoint, qnn_cplx *m)
{
    for (int r = 0; r < dim; r++)
        for (int c = 0; c < dim; c++)
            m[r * dim + c] = adjoint ? conj(g[c * dim + r]) : g[r * dim + c];
}

void qnn_gate2_apply_ref(qnn_cplx *psi, int n, int q0, int q1, const qnn_cplx *g, int adjoint)
{
    qnn_cplx m[16];
    load(g, 4, adjoint, m);
    const size_t D = (size_t)1 << n, s0 = (size_t)1 << q0, s1 = (size_t)1 << q1;
    for (size_t b = 0; b < D; b++) {
        if (b & (s0 | s1))
            continue;
        const size_t idx[4] = {b, b | s0, b | s1, b | s0 | s1};
        double xr[4], xi[4];
        for (int j = 0; j < 4; j++) {
            xr[j] = creal(psi[idx[j]]);
            xi[j] = cimag(psi[idx[j]]);
        }
        for (int r = 0; r < 4; r++) {
            double sr = 0.0, si = 0.0;
            for (int j = 0; j < 4; j++) {
                const double mr = creal(m[4 * r + j]), mi = cimag(m[4 * r + j]);
                sr += mr * xr[j] - mi * xi[j];
                si += mr * xi[j] + mi * xr[j];
            }
            psi[idx[r]] = CMPLX(sr, si);
        }
    }
}

void qnn_gate1_apply_ref(qnn_cplx *psi, int n, int q, const qnn_cplx *g, int adjoint)
{
    qnn_cplx m[4];
    load(g, 2, adjoint, m);
    const size_t D = (size_t)1 << n, s = (size_t)1 << q;
    for (size_t b = 0; b < D; b++) {
        if (b & s)
            continue;
        const double ar = creal(psi[b]), ai = cimag(psi[b]);
        const double br = creal(psi[b | s]), bi = cimag(psi[b | s]);
        double yr[2], yi[2];
        for (int r = 0; r < 2; r++) {
            const double m0r = creal(m[2 * r]), m0i = cimag(m[2 * r]);
            const double m1r = creal(m[2 * r + 1]), m1i = cimag(m[2 * r + 1]);
            yr[r] = m0r * ar - m0i * ai + m1r * br - m1i * bi;
            yi[r] = m0r * ai + m0i * ar + m1r * bi + m1i * br;
        }
        psi[b] = CMPLX(yr[0], yi[0]);
        psi[b | s] = CMPLX(yr[1], yi[1]);
    }
}

void qnn_gate2_apply(qnn_cplx *psi, int n, int q0, int q1, const qnn_cplx *g, int adjoint)
{
    qnn_gate2_apply_ref(psi, n, q0, q1, g, adjoint);
}

void qnn_gate1_apply(qnn_cplx *psi, int n, int q, const qnn_cplx *g, int adjoint)
{
    qnn_gate1_apply_ref(psi, n, q, g, adjoint);
}
