#include "reference.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static void pauli2(char c, qnn_cplx m[4])
{
    m[0] = m[1] = m[2] = m[3] = 0;
    switch (c) {
    case 'X': m[1] = 1; m[2] = 1; break;
    case 'Y': m[1] = I; m[2] = -I; break;
    case 'Z': m[0] = 1; m[3] = -1; break;
    default: m[0] = 1; m[3] = 1; break;
    }
}

qnn_cplx *ref_pauli_letters(const char *s, int n)
{
    size_t d = 1;
    qnn_cplx *M = malloc(sizeof *M);
    M[0] = 1;
    for (int i = 0; i < n; i++) {
        qnn_cplx p[4];
        pauli2(s[i], p);
        size_t dn = 2 * d;
        qnn_cplx *N = malloc(dn * dn * sizeof *N);
        /* N = M (x) p: row (r, rb) = r*2 + rb */
        for (size_t r = 0; r < d; r++)
            for (size_t c = 0; c < d; c++)
                for (size_t rb = 0; rb < 2; rb++)
                    for (size_t cb = 0; cb < 2; cb++)
                        N[(r * 2 + rb) + (c * 2 + cb) * dn] = M[r + c * d] * p[rb + cb * 2];
        free(M);
        M = N;
        d = dn;
    }
    return M;
}

qnn_cplx *ref_pauli(qnn_pauli p, int n)
{
    char s[64];
    for (int i = 0; i < n; i++) {
        int q = n - 1 - i;
        int x = (p.x >> q) & 1, z = (p.z >> q) & 1;
        s[i] = x && z ? 'Y' : x ? 'X' : z ? 'Z' : 'I';
    }
    s[n] = '\0';
    return ref_pauli_letters(s, n);
}

void ref_matmul(size_t D, const qnn_cplx *A, const qnn_cplx *B, qnn_cplx *C)
{
    for (size_t c = 0; c < D; c++)
        for (size_t r = 0; r < D; r++) {
            qnn_cplx s = 0;
            for (size_t k = 0; k < D; k++)
                s += A[r + k * D] * B[k + c * D];
            C[r + c * D] = s;
        }
}

void ref_matvec(size_t D, const qnn_cplx *A, const qnn_cplx *x, qnn_cplx *y)
{
    for (size_t r = 0; r < D; r++) {
        qnn_cplx s = 0;
        for (size_t k = 0; k < D; k++)
            s += A[r + k * D] * x[k];
        y[r] = s;
    }
}

qnn_cplx *ref_identity(size_t D)
{
    qnn_cplx *M = calloc(D * D, sizeof *M);
    for (size_t i = 0; i < D; i++)
        M[i + i * D] = 1;
    return M;
}

qnn_cplx *ref_pauli_exp(qnn_pauli p, int n, double a)
{
    size_t D = (size_t)1 << n;
    qnn_cplx *P = ref_pauli(p, n);
    for (size_t i = 0; i < D * D; i++)
        P[i] *= I * sin(a);
    for (size_t i = 0; i < D; i++)
        P[i + i * D] += cos(a);
    return P;
}

qnn_cplx ref_expect(size_t D, const qnn_cplx *A, const qnn_cplx *x)
{
    qnn_cplx *y = malloc(D * sizeof *y);
    ref_matvec(D, A, x, y);
    qnn_cplx s = 0;
    for (size_t i = 0; i < D; i++)
        s += conj(x[i]) * y[i];
    free(y);
    return s;
}
