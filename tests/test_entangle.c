/* Reduced states, entanglement entropy, trace distance and the Page value
 * (engine/src/entangle.c) against explicit partial traces, exact cases and
 * Monte Carlo over Haar-random states. Fixed seeds. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_complex_math.h>
#include <gsl/gsl_eigen.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_sort.h>

#include "qnn/entangle.h"
#include "qnn/gue.h"
#include "reference.h"

void openblas_set_num_threads(int);

/* The explicit partial trace, element by element: visible qubits are bits
 * 0 .. n_v - 1 of the basis index. */
static void partial_trace(int n, int n_v, const qnn_cplx *psi, qnn_cplx *rho)
{
    const size_t Dv = (size_t)1 << n_v, D = (size_t)1 << n;
    memset(rho, 0, Dv * Dv * sizeof(qnn_cplx));
    for (size_t b = 0; b < D; b++)
        for (size_t c = 0; c < D; c++) {
            /* same hidden bits: contributes |v(b)><v(c)| */
            if ((b >> n_v) != (c >> n_v))
                continue;
            size_t i = b & (Dv - 1), j = c & (Dv - 1);
            rho[j * Dv + i] += psi[b] * conj(psi[c]);
        }
}

/* Eigenvalues, descending, of a Hermitian column-major matrix. */
static void herm_eigs(size_t n, const qnn_cplx *A, double *ev)
{
    ref_herm_eigs(n, A, ev);
    for (size_t i = 0, k = n - 1; i < k; i++, k--) {
        double t = ev[i];
        ev[i] = ev[k];
        ev[k] = t;
    }
}

/* A bug in the reshape (wrong leading dimension, visible and hidden
 * swapped, a missing conjugate) changes the entries at O(1). */
static void test_reduced_state_matches_partial_trace(void **state)
{
    (void)state;
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 4001);
    const int cases[][2] = { { 4, 1 }, { 4, 2 }, { 5, 3 }, { 5, 5 }, { 3, 1 } };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        int n = cases[c][0], nv = cases[c][1];
        size_t D = (size_t)1 << n, Dv = (size_t)1 << nv;
        qnn_cplx *psi = malloc(D * sizeof *psi), *a = malloc(Dv * Dv * sizeof *a), *b = malloc(Dv * Dv * sizeof *b);
        ref_random_state(r, D, psi);
        qnn_reduced_state(n, nv, psi, a);
        partial_trace(n, nv, psi, b);
        assert_true(ref_maxdiff(Dv * Dv, a, b) < 1e-14);
        /* the spectrum from the smaller Gram matrix equals that of ρ_v */
        double *e1 = malloc(Dv * sizeof(double)), *e2 = malloc(Dv * sizeof(double));
        qnn_entangle *e = qnn_entangle_new(n, nv);
        assert_non_null(e);
        assert_int_equal(qnn_entangle_spectrum(e, psi, e1), 0);
        herm_eigs(Dv, b, e2);
        for (size_t i = 0; i < Dv; i++)
            assert_true(fabs(e1[i] - e2[i]) < 1e-13);
        qnn_entangle_free(e);
        free(e1);
        free(e2);
        free(psi);
        free(a);
        free(b);
    }
    gsl_rng_free(r);
}

static double entropy_of(int n, int nv, const qnn_cplx *psi, double *td)
{
    size_t Dv = (size_t)1 << nv;
    double *l = malloc(Dv * sizeof(double));
    qnn_entangle *e = qnn_entangle_new(n, nv);
    assert_non_null(e);
    assert_int_equal(qnn_entangle_spectrum(e, psi, l), 0);
    double s = qnn_entropy(l, Dv, 0);
    if (td)
        *td = qnn_trace_distance_mixed(l, Dv);
    qnn_entangle_free(e);
    free(l);
    return s;
}

/* Exact cases: product state 0 (and trace distance 1 - 1/D_v), a Bell pair
 * across the cut ln 2, n_v qubits each paired with a hidden one ln D_v
 * (trace distance 0); bits = nats / ln 2. */
static void test_exact_entropies(void **state)
{
    (void)state;
    qnn_cplx psi[16] = { 0 };
    double td;
    psi[0] = 1.0;
    assert_true(fabs(entropy_of(4, 2, psi, &td)) < 1e-14);
    assert_true(fabs(td - 0.75) < 1e-14);

    /* Bell pair of qubit 0 (visible) and qubit 1 (hidden): (|00> + |11>)/√2 */
    qnn_cplx bell[4] = { M_SQRT1_2, 0.0, 0.0, M_SQRT1_2 };
    assert_true(fabs(entropy_of(2, 1, bell, &td) - M_LN2) < 1e-14);
    assert_true(fabs(td) < 1e-14);
    /* a Bell pair on qubits 1 and 2 (both hidden) with qubit 0 in |0>:
     * a product across the cut, S = 0 (catches visible = high bits) */
    qnn_cplx p3[8] = { 0 };
    p3[0] = M_SQRT1_2;          /* |0>_2 |0>_1 |0>_0 */
    p3[6] = M_SQRT1_2;          /* |1>_2 |1>_1 |0>_0 */
    assert_true(fabs(entropy_of(3, 1, p3, NULL)) < 1e-14);

    /* maximally entangled: Σ_v |v>_visible |v>_hidden / 2, n_v = n_h = 2 */
    memset(psi, 0, sizeof psi);
    for (int v = 0; v < 4; v++)
        psi[v + 4 * v] = 0.5;
    assert_true(fabs(entropy_of(4, 2, psi, &td) - log(4.0)) < 1e-13);
    assert_true(fabs(td) < 1e-14);
    double l[4] = { 0.25, 0.25, 0.25, 0.25 };
    assert_true(fabs(qnn_entropy(l, 4, 1) - 2.0) < 1e-14);
}

/* Page's formula against Monte Carlo over Haar states, within 3 standard
 * errors of the sample mean (the standard error is sd/√N with the sample
 * sd of S over the N states). A wrong Page sum (off by one in the limits,
 * the correction term with D_h and D_v swapped) or an entropy off by a
 * constant factor misses by far more: at (1, 3) the correction alone is
 * 1/16 and 3 s.e. is ~0.005. The trace-distance bound ½√(D_v/D_h) of OME
 * Prop. 2 must hold for the ensemble mean. */
static void test_page_and_trace_bound(void **state)
{
    (void)state;
    const int cases[][2] = { { 1, 3 }, { 2, 4 }, { 3, 3 } };
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 4002);
    const int N = 4000;
    for (size_t c = 0; c < 3; c++) {
        int nv = cases[c][0], nh = cases[c][1], n = nv + nh;
        size_t D = (size_t)1 << n, Dv = (size_t)1 << nv;
        qnn_cplx *psi = malloc(D * sizeof *psi);
        double *l = malloc(Dv * sizeof(double));
        qnn_entangle *e = qnn_entangle_new(n, nv);
        double s1 = 0, s2 = 0, t1 = 0, t2 = 0;
        for (int k = 0; k < N; k++) {
            ref_random_state(r, D, psi);
            assert_int_equal(qnn_entangle_spectrum(e, psi, l), 0);
            double s = qnn_entropy(l, Dv, 0), t = qnn_trace_distance_mixed(l, Dv);
            s1 += s;
            s2 += s * s;
            t1 += t;
            t2 += t * t;
        }
        double ms = s1 / N, ses = sqrt((s2 / N - ms * ms) / (N - 1));
        double mt = t1 / N, set = sqrt((t2 / N - mt * mt) / (N - 1));
        double page = qnn_page_entropy((double)Dv, (double)(1 << nh));
        double bound = qnn_trace_distance_bound((double)Dv, (double)(1 << nh));
        printf("(n_v, n_h) = (%d, %d): S = %.5f +- %.5f, Page %.5f (z = %.2f); T = %.4f +- %.4f, bound %.4f\n",
               nv, nh, ms, ses, page, (ms - page) / ses, mt, set, bound);
        assert_true(fabs(ms - page) < 3.0 * ses);
        assert_true(mt + 3.0 * set < bound);
        assert_true(page < log((double)Dv));
        qnn_entangle_free(e);
        free(psi);
        free(l);
    }
    /* symmetric in D_v, D_h; for D_v = 2, D_h = n: H(2n) - H(n) - 1/(2n)
     * = ln 2 - 1/(4n) - 1/(2n) + O(1/n²) (harmonic-number expansion) */
    assert_true(fabs(qnn_page_entropy(2, 8) - qnn_page_entropy(8, 2)) < 1e-15);
    assert_true(fabs(qnn_page_entropy(2, 1024) - (log(2.0) - 3.0 / 4096.0)) < 1e-6);
    gsl_rng_free(r);
}

/* GUE: Hermitian, E|H_ij|² = 1/D on and off the diagonal (a wrong
 * normalisation, e.g. 1/(2D), misses by 50 %, far outside 3 s.e. of 3000
 * draws); the evolved state is normalised, |0> at t = 0, and solves
 * i dψ/dt = Hψ (central difference, O(h²) = 1e-8 error at h = 1e-4, so a
 * sign error in the exponent or a missing conjugate fails by O(1)). As the
 * hidden register grows with D_v = 2, the visible state of e^{-iHt}|0> at
 * t = 10 approaches I/2 (OME Fig. 4a): the mean trace distance over 300
 * draws falls from n = 2 to n = 5 by many standard errors. */
static void test_gue(void **state)
{
    (void)state;
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 4003);
    const size_t D = 8;
    qnn_cplx H[64];
    const int N = 3000;
    double od1 = 0, od2 = 0, dg1 = 0, dg2 = 0;
    for (int k = 0; k < N; k++) {
        assert_int_equal(qnn_gue_hamiltonian(r, D, H), 0);
        for (size_t i = 0; i < D; i++)
            for (size_t j = 0; j < D; j++)
                assert_true(cabs(H[j * D + i] - conj(H[i * D + j])) < 1e-15);
        double a = creal(H[1 * D + 0] * conj(H[1 * D + 0])), b = creal(H[0]) * creal(H[0]);
        od1 += a; od2 += a * a; dg1 += b; dg2 += b * b;
    }
    double mo = od1 / N, so = sqrt((od2 / N - mo * mo) / (N - 1));
    double md = dg1 / N, sd = sqrt((dg2 / N - md * md) / (N - 1));
    printf("GUE D = 8: E|H_01|^2 = %.5f +- %.5f, E H_00^2 = %.5f +- %.5f (1/D = %.5f)\n", mo, so, md, sd, 1.0 / D);
    assert_true(fabs(mo - 1.0 / D) < 3.0 * so);
    assert_true(fabs(md - 1.0 / D) < 3.0 * sd);

    qnn_cplx p0[8], pa[8], pb[8];
    assert_int_equal(qnn_gue_evolve(D, H, 0.0, p0), 0);
    assert_true(cabs(p0[0] - 1.0) < 1e-13);
    const double t = 0.7, h = 1e-4;
    assert_int_equal(qnn_gue_evolve(D, H, t, p0), 0);
    assert_int_equal(qnn_gue_evolve(D, H, t + h, pa), 0);
    assert_int_equal(qnn_gue_evolve(D, H, t - h, pb), 0);
    double nrm = 0;
    for (size_t i = 0; i < D; i++) {
        nrm += creal(p0[i] * conj(p0[i]));
        qnn_cplx hp = 0;
        for (size_t j = 0; j < D; j++)
            hp += H[j * D + i] * p0[j];
        qnn_cplx dpsi = (pa[i] - pb[i]) / (2 * h);
        assert_true(cabs(I * dpsi - hp) < 1e-7);
    }
    assert_true(fabs(nrm - 1.0) < 1e-13);

    double mt[6] = { 0 }, st[6] = { 0 };
    for (int n = 2; n <= 5; n += 3) {
        size_t Dn = (size_t)1 << n;
        qnn_cplx *Hn = malloc(Dn * Dn * sizeof *Hn), *psi = malloc(Dn * sizeof *psi);
        qnn_entangle *e = qnn_entangle_new(n, 1);
        double l[2], t1 = 0, t2 = 0;
        const int R = 300;
        for (int k = 0; k < R; k++) {
            assert_int_equal(qnn_gue_hamiltonian(r, Dn, Hn), 0);
            assert_int_equal(qnn_gue_evolve(Dn, Hn, 10.0, psi), 0);
            assert_int_equal(qnn_entangle_spectrum(e, psi, l), 0);
            double x = qnn_trace_distance_mixed(l, 2);
            t1 += x;
            t2 += x * x;
        }
        mt[n] = t1 / R;
        st[n] = sqrt((t2 / R - mt[n] * mt[n]) / (R - 1));
        printf("GUE t = 10, n_v = 1, n_h = %d: mean trace distance %.4f +- %.4f (bound %.4f)\n", n - 1, mt[n], st[n],
               qnn_trace_distance_bound(2, (double)(Dn / 2)));
        qnn_entangle_free(e);
        free(Hn);
        free(psi);
    }
    assert_true(mt[2] - mt[5] > 3.0 * sqrt(st[2] * st[2] + st[5] * st[5]));
    gsl_rng_free(r);
}

static void test_bad_sizes(void **state)
{
    (void)state;
    assert_null(qnn_entangle_new(4, 0));
    assert_null(qnn_entangle_new(4, 5));
    assert_null(qnn_entangle_new(0, 0));
}

int main(void)
{
    openblas_set_num_threads(1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reduced_state_matches_partial_trace),
        cmocka_unit_test(test_exact_entropies),
        cmocka_unit_test(test_page_and_trace_bound),
        cmocka_unit_test(test_gue),
        cmocka_unit_test(test_bad_sizes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
