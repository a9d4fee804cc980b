#include "reference.h"
#include "qnn/instance.h"
#include <gsl/gsl_sort.h>
#include <gsl/gsl_eigen.h>
#include <gsl/gsl_complex_math.h>
#include "qnn/run.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <gsl/gsl_randist.h>

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

void ref_kron(size_t da, const qnn_cplx *A, size_t db, const qnn_cplx *B, qnn_cplx *C)
{
    const size_t dc = da * db;
    for (size_t ra = 0; ra < da; ra++)
        for (size_t ca = 0; ca < da; ca++)
            for (size_t rb = 0; rb < db; rb++)
                for (size_t cb = 0; cb < db; cb++)
                    C[(ra * db + rb) + (ca * db + cb) * dc] = A[ra + ca * da] * B[rb + cb * db];
}

qnn_cplx *ref_pauli_letters(const char *s, int n)
{
    size_t d = 1;
    qnn_cplx *M = malloc(sizeof *M);
    M[0] = 1;
    for (int i = 0; i < n; i++) {
        qnn_cplx p[4];
        char c = s[i] >= 'a' ? (char)(s[i] - 'a' + 'A') : s[i];
        pauli2(c, p);
        qnn_cplx *N = malloc(4 * d * d * sizeof *N);
        ref_kron(d, M, 2, p, N);
        free(M);
        M = N;
        d *= 2;
    }
    return M;
}

void ref_random_state(gsl_rng *r, size_t D, qnn_cplx *v)
{
    double nrm = 0.0;
    for (size_t i = 0; i < D; i++) {
        double re = gsl_ran_gaussian(r, 1.0), im = gsl_ran_gaussian(r, 1.0);
        v[i] = re + I * im;
        nrm += re * re + im * im;
    }
    for (size_t i = 0; i < D; i++)
        v[i] /= sqrt(nrm);
}

double ref_maxdiff(size_t len, const qnn_cplx *a, const qnn_cplx *b)
{
    double m = 0.0;
    for (size_t i = 0; i < len; i++) {
        double d = cabs(a[i] - b[i]);
        if (d > m)
            m = d;
    }
    return m;
}

qnn_params ref_params(const char *const *kv)
{
    qnn_params p;
    qnn_params_default(&p);
    char err[256];
    for (; *kv; kv += 2)
        if (qnn_params_set(&p, kv[0], kv[1], err, sizeof err) != 0)
            fail_msg("%s", err);
    if (qnn_params_check(&p, 0, err, sizeof err) != 0)
        fail_msg("%s", err);
    return p;
}

struct qnn_instance *ref_instance(const char *const *kv, int index)
{
    qnn_params p = ref_params(kv);
    char err[256];
    qnn_instance *in = qnn_instance_new(&p, index, NULL, err, sizeof err);
    if (!in)
        fail_msg("%s", err);
    return in;
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

qnn_run *ref_run(const char *const *kv)
{
    qnn_params p = ref_params(kv);
    char err[256];
    qnn_run *run = NULL;
    if (qnn_run_execute(&p, NULL, NULL, &run, err, sizeof err) != 0)
        fail_msg("%s", err);
    return run;
}

void ref_herm_eigs(size_t n, const qnn_cplx *A, double *ev)
{
    gsl_matrix_complex *M = gsl_matrix_complex_alloc(n + 1, n);
    M->size1 = n;
    gsl_vector *v = gsl_vector_alloc(n);
    gsl_eigen_herm_workspace *w = gsl_eigen_herm_alloc(n);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            qnn_cplx z = A[j * n + i];
            gsl_matrix_complex_set(M, i, j, gsl_complex_rect(creal(z), cimag(z)));
        }
    gsl_eigen_herm(M, v, w);
    memcpy(ev, v->data, n * sizeof *ev);
    gsl_sort(ev, 1, n);
    gsl_matrix_complex_free(M);
    gsl_vector_free(v);
    gsl_eigen_herm_free(w);
}
