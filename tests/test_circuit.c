/* The layered circuit and both models against a dense reference (the full
 * unitary multiplied out matrix by matrix), and the adjoint Jacobian against
 * central finite differences (through the instances, which keep the forward
 * states where they fit: the state-keeping sweep for dense entanglers). The
 * state-keeping sweep against the O(1)-state sweep (residuals bit for bit,
 * Jacobian 1e-13), and the second-order adjoint (qnn_circuit_hessian)
 * against the parameter-shift rule applied to the adjoint Jacobian (1e-10
 * of max |S|) for dense and brickwork entanglers, m = 1 and 4, the
 * periodic model (W_0, s ≠ 1) and OME's network (c_l, projector
 * observable). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <complex.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "circuit.h"
#include "qnn/simd.h"
#include "models/models.h"
#include "rng.h"
#include "reference.h"
#include "qnn/instance.h"
#include "qnn/params.h"

/* Residuals of the dense reference: U = W_L R_L ⋯ W_1 R_1 W_0. */
static void dense_residuals(const qnn_model_data *md, const double *theta, double *r)
{
    const qnn_circuit *c = md->circ;
    const size_t D = c->D;
    qnn_cplx *U = ref_identity(D), *T = malloc(D * D * sizeof *T);
    if (c->has_w0) {
        memcpy(U, c->W[0], D * D * sizeof *U);
    }
    for (int l = 1; l <= c->L; l++) {
        qnn_cplx *R = ref_pauli_exp(c->gen[l - 1], c->n, c->gen_scale * theta[l - 1]);
        ref_matmul(D, R, U, T);
        ref_matmul(D, c->W[l], T, U);
        free(R);
    }
    qnn_cplx *O = calloc(D * D, sizeof *O);
    for (int k = 0; k < c->nobs; k++) {
        qnn_cplx *P = ref_pauli(c->obs[k], c->n);
        for (size_t i = 0; i < D * D; i++)
            O[i] += c->obs_c[k] * P[i];
        free(P);
    }
    qnn_cplx *phi = malloc(D * sizeof *phi);
    for (size_t j = 0; j < md->m; j++) {
        ref_matvec(D, U, md->inputs + j * D, phi);
        r[j] = c->gamma * creal(ref_expect(D, O, phi)) - md->y[j];
    }
    free(phi);
    free(O);
    free(U);
    free(T);
}

static void check_against_dense(const char *const *kv)
{
    qnn_params p = ref_params(kv);
    gsl_rng *rng = qnn_rng_new(77);
    qnn_model_data md;
    char err[256];
    assert_int_equal(qnn_model_build(&p, rng, &md, err, sizeof err), 0);
    double *theta = malloc((size_t)p.L * sizeof *theta);
    for (int l = 0; l < p.L; l++)
        theta[l] = gsl_rng_uniform(rng) * 6.283185307179586;
    double *r = malloc(md.m * sizeof *r), *rr = malloc(md.m * sizeof *rr);
    qnn_workspace ws;
    assert_int_equal(qnn_workspace_init(&ws, md.circ->D, md.m), 0);
    qnn_circuit_eval(md.circ, theta, md.m, md.inputs, md.y, r, NULL, &ws);
    dense_residuals(&md, theta, rr);
    for (size_t j = 0; j < md.m; j++)
        if (fabs(r[j] - rr[j]) > 1e-10 * (1.0 + fabs(rr[j])))
            fail_msg("state %zu: engine %.15g, dense reference %.15g", j, r[j], rr[j]);

    /* inputs orthonormal */
    const size_t D = md.circ->D;
    for (size_t a = 0; a < md.m; a++)
        for (size_t b = 0; b < md.m; b++) {
            qnn_cplx s = qnn_vec_dot(D, md.inputs + a * D, md.inputs + b * D);
            assert_true(cabs(s - (a == b ? 1.0 : 0.0)) < 1e-12);
        }
    /* tr O and tr O² from the Pauli algebra against the dense matrix */
    double trO, trO2;
    qnn_circuit_obs_traces(md.circ, &trO, &trO2);
    qnn_cplx *O = calloc(D * D, sizeof *O), *O2 = malloc(D * D * sizeof *O2);
    for (int k = 0; k < md.circ->nobs; k++) {
        qnn_cplx *P = ref_pauli(md.circ->obs[k], md.circ->n);
        for (size_t i = 0; i < D * D; i++)
            O[i] += md.circ->obs_c[k] * P[i];
        free(P);
    }
    ref_matmul(D, O, O, O2);
    qnn_cplx t1 = 0, t2 = 0;
    for (size_t i = 0; i < D; i++) {
        t1 += O[i + i * D];
        t2 += O2[i + i * D];
    }
    assert_true(fabs(creal(t1) - trO) < 1e-9 * (1 + fabs(trO)));
    assert_true(fabs(creal(t2) - trO2) < 1e-9 * (1 + trO2));
    free(O);
    free(O2);
    qnn_workspace_free(&ws);
    qnn_model_data_free(&md);
    gsl_rng_free(rng);
    free(theta);
    free(r);
    free(rr);
}

static void test_random_optimise_dense(void **state)
{
    (void)state;
    const char *n_vals[] = { "1", "2", "3", "4" };
    const char *L_vals[] = { "1", "5" };
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 2; j++) {
            const char *kv[] = { "model", "random", "task", "optimise", "n", n_vals[i], "L", L_vals[j],
                                 "gamma", "1.3", "O0", "0.2", NULL };
            check_against_dense(kv);
        }
}

static void test_random_supervised_dense(void **state)
{
    (void)state;
    const char *inputs[] = { "basis", "random" };
    for (int i = 0; i < 2; i++) {
        const char *kv[] = { "model", "random", "task", "supervised", "n", "3", "L", "6", "m", "3",
                             "inputs", inputs[i], "labels", "uniform", NULL };
        check_against_dense(kv);
    }
}

static void test_periodic_dense(void **state)
{
    (void)state;
    const char *n_vals[] = { "1", "2", "3", "4" };
    for (int i = 0; i < 4; i++) {
        const char *kv[] = { "model", "periodic", "n", n_vals[i], "L", "4", "m", "2", "gamma", "2", NULL };
        check_against_dense(kv);
    }
    const char *kv[] = { "model", "periodic", "n", "3", "L", "3", "m", "4", "measure", "XYZ", NULL };
    check_against_dense(kv);
}

/* Periodic generator: H = sqrt(d - 1/d) diag(+1 x d/2, -1 x d/2) with
 * tr H² = d² - 1 (YOU23 App. D.1). */
static void test_periodic_generator(void **state)
{
    (void)state;
    for (int n = 1; n <= 5; n++) {
        const char *ns[] = { "", "1", "2", "3", "4", "5" };
        const char *kv[] = { "model", "periodic", "n", ns[n], "L", "2", "m", "1", NULL };
        qnn_params p = ref_params(kv);
        gsl_rng *rng = qnn_rng_new(5);
        qnn_model_data md;
        char err[128];
        assert_int_equal(qnn_model_build(&p, rng, &md, err, sizeof err), 0);
        const double d = (double)md.circ->D;
        /* exp(-iθH) = exp(i s θ P) with s = -sqrt(d - 1/d), P = Z on the top qubit */
        assert_true(fabs(md.circ->gen_scale + sqrt(d - 1.0 / d)) < 1e-15);
        qnn_cplx *P = ref_pauli(md.circ->gen[0], n);
        double tr2 = 0;
        for (size_t b = 0; b < md.circ->D; b++) {
            double h = -md.circ->gen_scale * creal(P[b + b * md.circ->D]);
            assert_true(fabs(h - (b < md.circ->D / 2 ? 1 : -1) * sqrt(d - 1.0 / d)) < 1e-12);
            tr2 += h * h;
        }
        assert_true(fabs(tr2 - (d * d - 1)) < 1e-9);
        free(P);
        qnn_model_data_free(&md);
        gsl_rng_free(rng);
    }
}

/* ---- adjoint Jacobian against central differences ------------------------ */

static void check_gradient(const char *const *kv)
{
    qnn_params p = ref_params(kv);
    char err[256];
    qnn_instance *in = qnn_instance_new(&p, 3, NULL, err, sizeof err);
    assert_non_null(in);
    qnn_obs o;
    assert_int_equal(qnn_instance_eval(in, 1, &o), 0);
    int m, L;
    const double *J = qnn_instance_jacobian(in, &m, &L);
    const double *th0 = qnn_instance_theta(in, NULL);
    double *th = malloc((size_t)L * sizeof *th);
    double *rp = malloc((size_t)m * sizeof *rp), *rm = malloc((size_t)m * sizeof *rm);
    double jmax = 0, dmax = 0;
    const double h = 1e-5;
    for (int l = 0; l < L; l++) {
        memcpy(th, th0, (size_t)L * sizeof *th);
        th[l] += h;
        qnn_instance_residuals_at(in, th, rp);
        th[l] -= 2 * h;
        qnn_instance_residuals_at(in, th, rm);
        for (int j = 0; j < m; j++) {
            double fd = (rp[j] - rm[j]) / (2 * h), a = J[j * L + l];
            jmax = fmax(jmax, fabs(a));
            dmax = fmax(dmax, fabs(fd - a));
            /* element-wise where the derivative is not tiny */
            if (fabs(a) > 1e-3 * jmax && fabs(fd - a) > 1e-6 * fabs(a) + 1e-9)
                fail_msg("J[%d][%d]: adjoint %.12g, central difference %.12g", j, l, a, fd);
        }
    }
    /* 1e-9 absolute: the round-off of a central difference with h = 1e-5
     * (a circuit may have identically zero derivatives, e.g. n = 1, L = 1
     * with P_1 = Z acting on |0>) */
    if (dmax > 1e-6 * jmax + 1e-9)
        fail_msg("max |adjoint - FD| = %.3g > 1e-6 max|J| = %.3g", dmax, 1e-6 * jmax);
    /* K = J Jᵀ and the scalar kernel */
    const double *K = qnn_instance_kernel(in, NULL);
    for (int a = 0; a < m; a++)
        for (int b = 0; b < m; b++) {
            double s = 0;
            for (int l = 0; l < L; l++)
                s += J[a * L + l] * J[b * L + l];
            assert_true(fabs(K[a * m + b] - s) <= 1e-12 * (1 + fabs(s)));
        }
    /* the loss decreases along the step for a small learning rate */
    double loss0 = o.loss;
    qnn_instance_step(in);
    qnn_obs o1;
    qnn_instance_eval(in, 0, &o1);
    if (p.sigma_theta == 0 && o.grad_norm > 1e-8)
        assert_true(o1.loss < loss0);
    free(th);
    free(rp);
    free(rm);
    qnn_instance_free(in);
}

static void test_gradient_random(void **state)
{
    (void)state;
    const char *cfg[][2] = { { "1", "1" }, { "2", "3" }, { "3", "17" }, { "4", "40" }, { "5", "8" } };
    for (int i = 0; i < 5; i++) {
        const char *kv[] = { "model", "random", "n", cfg[i][0], "L", cfg[i][1], "eta", "1e-4", "O0", "0.3", NULL };
        check_gradient(kv);
    }
    const char *bw[] = { "model", "random", "n", "6", "L", "12", "entangler", "brickwork", "depth", "3",
                         "eta", "1e-4", NULL };
    check_gradient(bw);
    const char *sup[] = { "model", "random", "task", "supervised", "n", "3", "L", "10", "m", "4",
                          "inputs", "random", "gamma", "2.5", "eta", "1e-5", NULL };
    check_gradient(sup);
}

static void test_gradient_periodic(void **state)
{
    (void)state;
    const char *cfg[][3] = { { "2", "3", "1" }, { "3", "5", "2" }, { "4", "10", "4" }, { "5", "6", "3" } };
    for (int i = 0; i < 4; i++) {
        const char *kv[] = { "model", "periodic", "n", cfg[i][0], "L", cfg[i][1], "m", cfg[i][2],
                             "gamma", "1.7", "eta", "1e-5", NULL };
        check_gradient(kv);
    }
    const char *bw[] = { "model", "periodic", "n", "5", "L", "4", "m", "2", "entangler", "brickwork",
                         "depth", "4", "eta", "1e-5", NULL };
    check_gradient(bw);
}

/* The dense-entangler kernels against CBLAS (qnn_dense_apply): every size
 * class the kernels dispatch on, both directions, 1e-13 relative. Where the
 * CPU has no AVX-512 both sides are CBLAS and the test says so. */
static void test_dense_kernels(void **state)
{
    (void)state;
    /* below AVX-512 (QNNLAB_SIMD, qnn_simd_set) the kernels stand aside */
    qnn_simd_set(QNN_SIMD_AVX2);
    assert_false(qnn_circuit_simd_active(256, 4));
    qnn_simd_set(-1);
    gsl_rng *rng = qnn_rng_new(99);
    const size_t Ds[] = { 2, 4, 8, 16, 32, 64, 256 };
    int simd_seen = 0;
    for (size_t a = 0; a < sizeof Ds / sizeof Ds[0]; a++)
        for (size_t m = 1; m <= 9; m++) {
            const size_t D = Ds[a];
            qnn_cplx *A = malloc(D * D * sizeof *A), *X = malloc(D * m * sizeof *X);
            qnn_cplx *Y1 = malloc(D * m * sizeof *Y1), *Y2 = malloc(D * m * sizeof *Y2);
            for (size_t i = 0; i < D * D; i++)
                A[i] = gsl_rng_uniform(rng) - 0.5 + I * (gsl_rng_uniform(rng) - 0.5);
            for (size_t i = 0; i < D * m; i++)
                X[i] = gsl_rng_uniform(rng) - 0.5 + I * (gsl_rng_uniform(rng) - 0.5);
            simd_seen |= qnn_circuit_simd_active(D, m);
            for (int adj = 0; adj < 2; adj++) {
                qnn_circuit_dense_apply(D, A, adj, m, X, Y1);
                qnn_dense_apply(D, A, adj, m, X, Y2);
                double scale = sqrt((double)D);
                for (size_t i = 0; i < D * m; i++)
                    if (cabs(Y1[i] - Y2[i]) > 1e-13 * scale)
                        fail_msg("D = %zu m = %zu adjoint = %d: entry %zu differs by %.3g", D, m, adj, i,
                                 cabs(Y1[i] - Y2[i]));
            }
            free(A);
            free(X);
            free(Y1);
            free(Y2);
        }
    if (!simd_seen)
        print_message("no AVX-512 on this CPU: the CBLAS path was compared with itself\n");
    gsl_rng_free(rng);
}


/* ---- the state-keeping sweep ---------------------------------------------- */

/* Model of kv at random θ: residuals and Jacobian of the O(1)-state sweep
 * and of the state-keeping one. */
static void check_keep(const char *const *kv)
{
    qnn_params p = ref_params(kv);
    gsl_rng *rng = qnn_rng_new(31);
    qnn_model_data md;
    char err[256];
    assert_int_equal(qnn_model_build(&p, rng, &md, err, sizeof err), 0);
    const int L = p.L;
    const size_t m = md.m;
    double *theta = malloc((size_t)L * sizeof *theta);
    for (int l = 0; l < L; l++)
        theta[l] = gsl_rng_uniform(rng) * 6.283185307179586;
    double *r1 = malloc(m * sizeof *r1), *r2 = malloc(m * sizeof *r2);
    double *J1 = malloc(m * (size_t)L * sizeof *J1), *J2 = malloc(m * (size_t)L * sizeof *J2);
    qnn_workspace w1, w2;
    assert_int_equal(qnn_workspace_init(&w1, md.circ->D, m), 0);
    assert_int_equal(qnn_workspace_init(&w2, md.circ->D, m), 0);
    /* over budget: no states kept */
    assert_int_equal(qnn_workspace_keep(&w2, md.circ, 16), 0);
    assert_null(w2.keep);
    if (m < 2) {
        /* one state: never kept (ZGEMV for one column was slower) */
        assert_int_equal(qnn_workspace_keep(&w2, md.circ, QNN_CIRCUIT_KEEP_BUDGET), 0);
        assert_null(w2.keep);
        w2.keep = qnn_circuit_alloc_aligned((size_t)L * md.circ->D * m * sizeof(qnn_cplx));
        w2.keep_L = L;
    } else {
        assert_int_equal(qnn_workspace_keep(&w2, md.circ, QNN_CIRCUIT_KEEP_BUDGET), 1);
    }
    assert_non_null(w2.keep);
    for (int rep = 0; rep < 2; rep++) {   /* the second call reuses the swapped blocks */
        qnn_circuit_eval(md.circ, theta, m, md.inputs, md.y, r1, J1, &w1);
        qnn_circuit_eval(md.circ, theta, m, md.inputs, md.y, r2, J2, &w2);
        double jmax = 0.0, dmax = 0.0;
        for (size_t i = 0; i < m * (size_t)L; i++) {
            jmax = fmax(jmax, fabs(J1[i]));
            dmax = fmax(dmax, fabs(J1[i] - J2[i]));
        }
        for (size_t j = 0; j < m; j++)
            assert_true(r1[j] == r2[j]);   /* the same forward pass */
        if (dmax > 1e-13 * jmax)
            fail_msg("%s n = %d L = %d m = %zu: max |J_keep - J| = %.3g > 1e-13 max |J| = %.3g", kv[1], p.n, L, m,
                     dmax, 1e-13 * jmax);
    }
    /* residuals alone (J = NULL) do not touch the kept states */
    qnn_circuit_eval(md.circ, theta, m, md.inputs, md.y, r2, NULL, &w2);
    for (size_t j = 0; j < m; j++)
        assert_true(r1[j] == r2[j]);
    qnn_workspace_free(&w1);
    qnn_workspace_free(&w2);
    qnn_model_data_free(&md);
    gsl_rng_free(rng);
    free(theta);
    free(r1);
    free(r2);
    free(J1);
    free(J2);
}

static void test_keep_sweep(void **state)
{
    (void)state;
    const char *ns[] = { "2", "3", "4", "5", "6" };
    const char *ms[] = { "1", "2", "4" };
    for (int i = 0; i < 5; i++)
        for (int k = 0; k < 3; k++) {
            const char *per[] = { "model", "periodic", "n", ns[i], "L", "9", "m", ms[k], "gamma", "1.3", NULL };
            check_keep(per);
        }
    const char *opt[] = { "model", "random", "n", "4", "L", "12", "O0", "0.2", NULL };
    check_keep(opt);
    const char *sup[] = { "model", "random", "task", "supervised", "n", "4", "L", "20", "m", "5",
                          "inputs", "random", "labels", "uniform", NULL };
    check_keep(sup);
    /* brickwork entanglers: never kept */
    const char *bw[] = { "model", "random", "n", "4", "L", "5", "entangler", "brickwork", "depth", "2", NULL };
    qnn_params p = ref_params(bw);
    gsl_rng *rng = qnn_rng_new(3);
    qnn_model_data md;
    char err[256];
    assert_int_equal(qnn_model_build(&p, rng, &md, err, sizeof err), 0);
    qnn_workspace w;
    assert_int_equal(qnn_workspace_init(&w, md.circ->D, md.m), 0);
    assert_int_equal(qnn_workspace_keep(&w, md.circ, QNN_CIRCUIT_KEEP_BUDGET), 0);
    qnn_workspace_free(&w);
    qnn_model_data_free(&md);
    gsl_rng_free(rng);
}

/* ---- the second-order adjoint ------------------------------------------- */

/* S = Σ_j r_j ∇²r_j by the parameter-shift rule on the adjoint Jacobian:
 * ∂_a ∂_b r_j = h_a [J_jb(θ + π/(4h_a) e_a) - J_jb(θ - π/(4h_a) e_a)],
 * h_a = |s_a| (exact: r_j is A + B cos 2h_aθ_a + C sin 2h_aθ_a in θ_a). */
static void shift_S(const qnn_model_data *md, const double *theta, const double *r, double *S)
{
    const qnn_circuit *c = md->circ;
    const int L = c->L;
    const size_t m = md->m;
    double *th = malloc((size_t)L * sizeof *th), *rr = malloc(m * sizeof *rr);
    double *Jp = malloc(m * (size_t)L * sizeof *Jp), *Jm = malloc(m * (size_t)L * sizeof *Jm);
    qnn_workspace w;
    assert_int_equal(qnn_workspace_init(&w, c->D, m), 0);
    memcpy(th, theta, (size_t)L * sizeof *th);
    for (int a = 0; a < L; a++) {
        const double h = fabs(c->gen_coef ? c->gen_scale * c->gen_coef[a] : c->gen_scale);
        for (int b = 0; b < L; b++)
            S[(size_t)b * L + a] = 0.0;
        if (h == 0.0)
            continue;
        th[a] = theta[a] + M_PI / (4.0 * h);
        qnn_circuit_eval(c, th, m, md->inputs, md->y, rr, Jp, &w);
        th[a] = theta[a] - M_PI / (4.0 * h);
        qnn_circuit_eval(c, th, m, md->inputs, md->y, rr, Jm, &w);
        th[a] = theta[a];
        for (int b = 0; b < L; b++)
            for (size_t j = 0; j < m; j++)
                S[(size_t)b * L + a] += r[j] * h * (Jp[j * (size_t)L + b] - Jm[j * (size_t)L + b]);
    }
    qnn_workspace_free(&w);
    free(th);
    free(rr);
    free(Jp);
    free(Jm);
}

static int never(void *ctx)
{
    (void)ctx;
    return 0;
}

static int after_three(void *ctx)
{
    int *k = ctx;
    return ++*k > 3;
}

/* qnn_circuit_hessian against shift_S at random θ (keep: with the states
 * kept, as the instances run it). */
static void check_circuit_hessian(const char *const *kv, int keep)
{
    qnn_params p = ref_params(kv);
    gsl_rng *rng = qnn_rng_new(41);
    qnn_model_data md;
    char err[256];
    assert_int_equal(qnn_model_build(&p, rng, &md, err, sizeof err), 0);
    const qnn_circuit *c = md.circ;
    const int L = p.L;
    const size_t m = md.m, LL = (size_t)L * L;
    double *theta = malloc((size_t)L * sizeof *theta);
    for (int l = 0; l < L; l++)
        theta[l] = gsl_rng_uniform(rng) * 6.283185307179586;
    /* labels off the outputs so that every r_j weighs in */
    for (size_t j = 0; j < m; j++)
        md.y[j] = 0.3 + 0.1 * (double)j;
    double *r = malloc(m * sizeof *r), *r0 = malloc(m * sizeof *r0);
    double *J = malloc(m * (size_t)L * sizeof *J), *J0 = malloc(m * (size_t)L * sizeof *J0);
    double *S = malloc(LL * sizeof *S), *Sref = malloc(LL * sizeof *Sref);
    qnn_workspace w;
    assert_int_equal(qnn_workspace_init(&w, c->D, m), 0);
    if (keep)
        assert_int_equal(qnn_workspace_keep(&w, c, QNN_CIRCUIT_KEEP_BUDGET), c->ent == QNN_ENT_HAAR && m >= 2);
    qnn_circuit_eval(c, theta, m, md.inputs, md.y, r0, J0, &w);
    shift_S(&md, theta, r0, Sref);
    double smax = 0.0;
    for (size_t i = 0; i < LL; i++)
        smax = fmax(smax, fabs(Sref[i]));
    assert_true(smax > 0.0);
    /* both sweeps: the tangents (1) and, for dense entanglers, frame 1 (2) */
    for (int f = 1; f <= (c->ent == QNN_ENT_HAAR ? 2 : 1); f++) {
        qnn_circuit_hessian_force = f;
        qnn_cplx *work = qnn_circuit_alloc_aligned(qnn_circuit_hessian_len(c, m) * sizeof(qnn_cplx));
        assert_non_null(work);
        assert_int_equal(qnn_circuit_hessian(c, theta, m, md.inputs, md.y, r, J, S, work, &w, never, NULL), 0);
        for (size_t j = 0; j < m; j++)
            assert_true(r[j] == r0[j]);
        for (size_t i = 0; i < m * (size_t)L; i++)
            assert_true(J[i] == J0[i]);
        double dmax = 0.0;
        for (size_t i = 0; i < LL; i++)
            dmax = fmax(dmax, fabs(S[i] - Sref[i]));
        for (int a = 0; a < L; a++)
            for (int b = 0; b < a; b++)
                assert_true(S[(size_t)a * L + b] == S[(size_t)b * L + a]);
        if (dmax > 1e-10 * smax)
            fail_msg("%s n = %d L = %d m = %zu sweep %d: max |S - S_shift| = %.3g, 1e-10 max |S| = %.3g", kv[1], p.n,
                     L, m, f, dmax, 1e-10 * smax);
        /* a cancel flag that comes up stops it */
        int k = 0;
        assert_int_equal(qnn_circuit_hessian(c, theta, m, md.inputs, md.y, r, J, S, work, &w, after_three, &k), -1);
        free(work);
    }
    qnn_circuit_hessian_force = 0;
    qnn_workspace_free(&w);
    qnn_model_data_free(&md);
    gsl_rng_free(rng);
    free(theta);
    free(r);
    free(r0);
    free(J);
    free(J0);
    free(S);
    free(Sref);
}

static void test_circuit_hessian(void **state)
{
    (void)state;
    const char *ns[] = { "2", "3", "4", "5", "6" };
    for (int i = 0; i < 5; i++) {
        const char *opt[] = { "model", "random", "n", ns[i], "L", "7", "O0", "0.1", "n_obs", "2", NULL };
        check_circuit_hessian(opt, 0);
        const char *bw[] = { "model", "random", "n", ns[i], "L", "6", "entangler", "brickwork", "depth", "2", NULL };
        check_circuit_hessian(bw, 0);
    }
    const char *sup[] = { "model", "random", "task", "supervised", "n", "4", "L", "16", "m", "4",
                          "inputs", "random", "gamma", "1.4", NULL };
    check_circuit_hessian(sup, 0);
    check_circuit_hessian(sup, 1);
    const char *bws[] = { "model", "random", "task", "supervised", "n", "5", "L", "12", "m", "4",
                          "entangler", "brickwork", "depth", "3", NULL };
    check_circuit_hessian(bws, 0);
    const char *big[] = { "model", "random", "task", "supervised", "n", "6", "L", "64", "m", "4",
                          "inputs", "basis", "labels", "pm1", NULL };
    check_circuit_hessian(big, 1);
    const char *per[] = { "model", "periodic", "n", "3", "L", "10", "m", "4", "gamma", "1.5", NULL };
    check_circuit_hessian(per, 0);
    check_circuit_hessian(per, 1);
    const char *per1[] = { "model", "periodic", "n", "2", "L", "5", "m", "1", "measure", "XY", NULL };
    check_circuit_hessian(per1, 1);
    const char *hid[] = { "model", "hidden", "n", "4", "n_h", "2", "L", "20", NULL };
    check_circuit_hessian(hid, 0);
    const char *longc[] = { "model", "random", "task", "supervised", "n", "2", "L", "60", "m", "3",
                            "inputs", "random", NULL };
    check_circuit_hessian(longc, 1);
    const char *hidf[] = { "model", "hidden", "n", "3", "n_h", "1", "L", "15", "objective", "fidelity", NULL };
    check_circuit_hessian(hidf, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_optimise_dense),
        cmocka_unit_test(test_random_supervised_dense),
        cmocka_unit_test(test_periodic_dense),
        cmocka_unit_test(test_periodic_generator),
        cmocka_unit_test(test_gradient_random),
        cmocka_unit_test(test_gradient_periodic),
        cmocka_unit_test(test_dense_kernels),
        cmocka_unit_test(test_keep_sweep),
        cmocka_unit_test(test_circuit_hessian),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
