/* The visible/hidden split inside the models and the ensemble runner: the
 * observable acts on the visible qubits only, and the entanglement
 * observers of a run agree with Page's value and OME's trace-distance
 * bound (a circuit that ends in a Haar W_L outputs a Haar-random state).
 * Fixed seeds. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qnn/analysis.h"
#include "qnn/entangle.h"
#include "qnn/instance.h"
#include "qnn/params.h"
#include "qnn/qbm.h"
#include "qnn/run.h"
#include "models/models.h"
#include "rng.h"
#include "reference.h"

/* A bug that draws the observable on all n qubits (or on the high bits)
 * puts X/Y/Z letters on hidden qubits: the masks would reach bit n_v. */
static void test_observable_on_visible_qubits(void **state)
{
    (void)state;
    const char *kv[] = { "model", "random", "n", "6", "n_h", "3", "L", "4", "n_obs", "64", NULL };
    qnn_params p = ref_params(kv);
    gsl_rng *r = qnn_rng_new(99);
    qnn_model_data md;
    char err[256];
    assert_int_equal(qnn_model_build(&p, r, &md, err, sizeof err), 0);
    for (int k = 0; k < md.circ->nobs; k++) {
        assert_true(md.circ->obs[k].x < 8u);
        assert_true(md.circ->obs[k].z < 8u);
        assert_false(md.circ->obs[k].x == 0 && md.circ->obs[k].z == 0);
    }
    qnn_model_data_free(&md);
    gsl_rng_free(r);
}

/* R = 400 instances at t = 0: the mean entropy of the 3 visible qubits of
 * 6 lies within 3 standard errors of Page's value (the s.e. is the sample
 * sd / √R, ~0.003 nats here, while capturing the wrong state or the wrong
 * side of the cut moves the mean by far more: the state before W_L is not
 * Haar, and the cut is symmetric only for n_v = n_h, so also n_v = 2 is
 * run). The mean trace distance lies below ½√(D_v/D_h). In bits the
 * entropy is the value in nats over ln 2. */
static void test_run_entropy_page(void **state)
{
    (void)state;
    const int splits[][2] = { { 6, 3 }, { 6, 4 } };   /* n, n_h */
    for (int c = 0; c < 2; c++) {
        char n[8], nh[8];
        snprintf(n, sizeof n, "%d", splits[c][0]);
        snprintf(nh, sizeof nh, "%d", splits[c][1]);
        const char *kv[] = { "model", "random", "n", n, "n_h", nh, "L", "8", "steps", "0",
                             "instances", "400", "seed", "515", NULL };
        qnn_run *run = ref_run(kv);
        qnn_summary s;
        assert_int_equal(qnn_analyse(run, &s), 0);
        const int nv = splits[c][0] - splits[c][1];
        const double Dv = ldexp(1.0, nv), Dh = ldexp(1.0, splits[c][1]);
        const double page = qnn_page_entropy(Dv, Dh);
        printf("n_v = %d, n_h = %d: S = %.4f +- %.4f (Page %.4f), T = %.4f +- %.4f (bound %.4f)\n", nv,
               splits[c][1], s.entropy_t0.mean, s.entropy_t0.se, page, s.tdist_t0.mean, s.tdist_t0.se,
               qnn_trace_distance_bound(Dv, Dh));
        assert_int_equal(s.n_v_obs, nv);
        assert_int_equal((int)s.entropy_t0.n, 400);
        assert_true(fabs(s.entropy_t0.mean - page) < 3.0 * s.entropy_t0.se);
        assert_true(s.tdist_t0.mean + 3.0 * s.tdist_t0.se < qnn_trace_distance_bound(Dv, Dh));
        const qnn_theory_value *tv = qnn_summary_theory(&s, "page_entropy");
        assert_non_null(tv);
        assert_true(fabs(tv->value - page) < 1e-12);
        qnn_run_free(run);
    }
    /* bits: same run with entropy_bits = 1 */
    const char *kb[] = { "model", "random", "n", "4", "n_h", "2", "L", "4", "steps", "0",
                         "instances", "3", "seed", "7", "entropy_bits", "1", NULL };
    const char *kn[] = { "model", "random", "n", "4", "n_h", "2", "L", "4", "steps", "0",
                         "instances", "3", "seed", "7", NULL };
    qnn_run *rb = ref_run(kb), *rn = ref_run(kn);
    for (int i = 0; i < 3; i++)
        assert_true(fabs(rb->inst[i].rec[0].entropy * M_LN2 - rn->inst[i].rec[0].entropy) < 1e-14);
    qnn_run_free(rb);
    qnn_run_free(rn);
}

/* With n_h = 0 the entropy is taken across the cut: never empty, and
 * entropy_every thins it out (NaN in between) while step 0 and the last
 * step always have it. */
static void test_cut_and_cadence(void **state)
{
    (void)state;
    const char *kv[] = { "model", "random", "n", "4", "L", "8", "steps", "10", "instances", "1",
                         "entropy_every", "4", "record_every", "1", "seed", "3", NULL };
    qnn_run *run = ref_run(kv);
    const qnn_run_instance *ri = &run->inst[0];
    assert_int_equal((int)ri->nrec, 11);
    for (size_t k = 0; k < ri->nrec; k++) {
        long t = ri->rec[k].step;
        int want = t == 0 || t == 10 || t % 4 == 0;
        assert_int_equal(!isnan(ri->rec[k].entropy), want);
        if (want) {
            assert_true(ri->rec[k].entropy >= 0.0 && ri->rec[k].entropy <= log(4.0) + 1e-12);
            assert_true(ri->rec[k].tdist >= 0.0 && ri->rec[k].tdist <= 0.75 + 1e-12);
        }
        assert_true(ri->rec[k].grad_inf <= ri->rec[k].grad_norm + 1e-15);
        assert_true(ri->rec[k].grad_inf > 0.0);
    }
    qnn_run_free(run);
}

/* OME's unitary network: generators are the C1 terms (weight 1 or 2,
 * each term once per sweep of T layers), coefficients in [0, 1), no
 * entanglers; the adjoint gradient with the per-layer coefficients agrees
 * with central finite differences (h = 1e-5: truncation O(h²) ~ 1e-10,
 * round-off ~1e-16/h ~ 1e-11, so 1e-8 leaves a wide margin while a missing
 * coefficient c_l in the Jacobian is off by O(1)). */
static void test_hidden_model(void **state)
{
    (void)state;
    const int n = 4, T = qnn_c1_count(n);
    char Ls[16];
    snprintf(Ls, sizeof Ls, "%d", 2 * T);
    const char *kv[] = { "model", "hidden", "n", "4", "n_h", "2", "L", Ls, "n_obs", "5", "seed", "808", NULL };
    qnn_params p = ref_params(kv);
    gsl_rng *r = qnn_rng_new(77);
    qnn_model_data md;
    char err[256];
    assert_int_equal(qnn_model_build(&p, r, &md, err, sizeof err), 0);
    qnn_pauli *terms = malloc((size_t)T * sizeof *terms);
    qnn_c1_terms(n, terms);
    for (int sweep = 0; sweep < 2; sweep++) {
        int *used = calloc((size_t)T, sizeof(int));
        for (int l = sweep * T; l < (sweep + 1) * T; l++) {
            int found = -1;
            for (int k = 0; k < T; k++)
                if (terms[k].x == md.circ->gen[l].x && terms[k].z == md.circ->gen[l].z)
                    found = k;
            assert_true(found >= 0);
            used[found]++;
            assert_true(md.circ->gen_coef[l] >= 0.0 && md.circ->gen_coef[l] < 1.0);
        }
        for (int k = 0; k < T; k++)
            assert_int_equal(used[k], 1);
        free(used);
    }
    for (int k = 0; k < md.circ->nobs; k++)
        assert_true(md.circ->obs[k].x < 4u && md.circ->obs[k].z < 4u);
    free(terms);
    qnn_model_data_free(&md);
    gsl_rng_free(r);

    qnn_instance *in = qnn_instance_new(&p, 0, NULL, err, sizeof err);
    assert_non_null(in);
    qnn_obs o;
    assert_int_equal(qnn_instance_eval(in, 0, &o), 0);
    int L, m;
    const double *J = qnn_instance_jacobian(in, &m, &L);
    double *th = malloc((size_t)L * sizeof(double));
    memcpy(th, qnn_instance_theta(in, NULL), (size_t)L * sizeof(double));
    const double h = 1e-5;
    double worst = 0.0;
    for (int l = 0; l < L; l++) {
        double rp, rm, t0 = th[l];
        th[l] = t0 + h;
        qnn_instance_residuals_at(in, th, &rp);
        th[l] = t0 - h;
        qnn_instance_residuals_at(in, th, &rm);
        th[l] = t0;
        double fd = (rp - rm) / (2 * h);
        if (fabs(fd - J[l]) > worst)
            worst = fabs(fd - J[l]);
    }
    printf("hidden model: max |adjoint - finite difference| = %.2e over %d parameters\n", worst, L);
    assert_true(worst < 1e-8);
    free(th);
    qnn_instance_free(in);
}

/* OME Fig. 3b / Thm. 3: the variance over instances of ‖∇L‖_∞ at the
 * initial angles of the unitary model decays exponentially in n_h (n_v = 1,
 * 300 instances per n_h = 1 .. 5). The fitted rate b must be negative with
 * its 3-standard-error bar excluding 0 (the variance falls by ~e per hidden
 * qubit, b ≈ -1.1, against a fit s.e. of ~0.05); a gradient that ignored
 * the hidden qubits (observable drawn on them, or a missing coefficient)
 * would not decay like this. */
static void test_gradient_variance_decay(void **state)
{
    (void)state;
    double x[5], y[5], e[5];
    for (int k = 0; k < 5; k++) {
        char nh[8];
        snprintf(nh, sizeof nh, "%d", k + 1);
        const char *kv[] = { "model", "hidden", "n_v", "1", "n_h", nh, "L", "200", "n_obs", "3", "steps", "0",
                             "instances", "300", "seed", "909", NULL };
        qnn_run *run = ref_run(kv);
        qnn_summary s;
        assert_int_equal(qnn_analyse(run, &s), 0);
        x[k] = k + 1;
        qnn_grad_inf_variance(&s, &y[k], &e[k]);
        qnn_run_free(run);
    }
    double A, b, bse;
    assert_int_equal((int)qnn_fit_exponential(x, y, e, 5, &A, &b, &bse), 5);
    printf("Var |grad|_inf = %.3g exp(%.3f n_h), b s.e. %.3f\n", A, b, bse);
    assert_true(b < 0.0);
    assert_true(b + 3.0 * bse < 0.0);
}

/* The QBM as a model of the runner: its Jacobian (the exact Duhamel
 * gradient of γ tr((O ⊗ I) ρ)) agrees with central finite differences of
 * the residual through the instance (h = 1e-5; truncation ~1e-10, round-off
 * ~1e-11: 1e-7 is safe, a dropped γ or a wrong sign is off by O(1)); a
 * short gradient descent lowers the loss by orders of magnitude; at the
 * normalised initialisation (‖βH‖ = 1) the visible state is close to I/2. */
static void test_qbm_model(void **state)
{
    (void)state;
    const char *kv[] = { "model", "qbm", "n_v", "1", "n_h", "2", "gamma", "1.5", "O0", "0.1",
                         "eta", "0.5", "resample", "all", "seed", "1212", NULL };
    qnn_params p = ref_params(kv);
    char err[256];
    qnn_instance *in = qnn_instance_new(&p, 0, NULL, err, sizeof err);
    assert_non_null(in);
    qnn_obs o;
    assert_int_equal(qnn_instance_eval(in, QNN_WANT_EIGEN | QNN_WANT_ENTROPY, &o), 0);
    int m, L;
    const double *J = qnn_instance_jacobian(in, &m, &L);
    assert_int_equal(L, qnn_c1_count(3));
    double *th = malloc((size_t)L * sizeof(double)), worst = 0.0;
    memcpy(th, qnn_instance_theta(in, NULL), (size_t)L * sizeof(double));
    for (int l = 0; l < L; l++) {
        double rp, rm, t0 = th[l], h = 1e-5;
        th[l] = t0 + h;
        qnn_instance_residuals_at(in, th, &rp);
        th[l] = t0 - h;
        qnn_instance_residuals_at(in, th, &rm);
        th[l] = t0;
        if (fabs((rp - rm) / (2 * h) - J[l]) > worst)
            worst = fabs((rp - rm) / (2 * h) - J[l]);
    }
    printf("qbm model: max |exact - finite difference| = %.2e over %d parameters; T(0) = %.4f\n", worst, L, o.tdist);
    assert_true(worst < 1e-7);
    assert_true(o.tdist >= 0.0 && o.tdist < 0.1);
    assert_true(o.entropy > 0.9 * log(2.0) && o.entropy <= log(2.0) + 1e-12);
    const double loss0 = o.loss;
    for (int t = 0; t < 100; t++) {
        qnn_instance_step(in);
        assert_int_equal(qnn_instance_eval(in, 0, &o), 0);
    }
    printf("qbm model: loss %.3g -> %.3g in 100 steps\n", loss0, o.loss);
    assert_true(o.loss < 1e-3 * loss0);
    free(th);
    qnn_instance_free(in);
}

/* The fidelity objective (OME): the output is γ<φ|ρ_v|φ> for the
 * Haar-random visible target φ, which must equal the overlap computed from
 * the explicit reduced state of the output state (1e-12), lie in [0, 1],
 * and have an adjoint gradient that matches finite differences (1e-8, as
 * above). A projector applied on the wrong qubits (high bits) or without
 * the conjugate changes the value at O(1). */
static void test_fidelity_objective(void **state)
{
    (void)state;
    const char *kv[] = { "model", "hidden", "n_v", "2", "n_h", "2", "L", "60", "objective", "fidelity",
                         "O0", "1", "seed", "31", NULL };
    qnn_params p = ref_params(kv);
    /* the instance's circuit stream (STREAM_CIRCUIT "CIRC" in instance.c) */
    gsl_rng *r = qnn_rng_new(qnn_instance_seed(p.seed ^ 0x43495243ull, 0));
    qnn_model_data md;
    char err[256];
    assert_int_equal(qnn_model_build(&p, r, &md, err, sizeof err), 0);
    gsl_rng_free(r);
    qnn_instance *in = qnn_instance_new(&p, 0, NULL, err, sizeof err);
    assert_non_null(in);
    qnn_obs o;
    assert_int_equal(qnn_instance_eval(in, 0, &o), 0);
    /* the output state U|0000> from a plain forward pass of the same circuit */
    const double *th = qnn_instance_theta(in, NULL);
    qnn_cplx psi[16] = { 1.0 };
    for (int l = 1; l <= md.circ->L; l++)
        qnn_pauli_rotate(md.circ->gen[l - 1], 4, md.circ->gen_scale * md.circ->gen_coef[l - 1] * th[l - 1], psi);
    qnn_cplx rho[16];
    qnn_reduced_state(4, 2, psi, rho);
    qnn_cplx f = 0.0;
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++)
            f += conj(md.circ->obs_proj[i]) * rho[j * 4 + i] * md.circ->obs_proj[j];
    printf("fidelity objective: yhat = %.15f, <phi|rho_v|phi> = %.15f\n", o.yhat0, creal(f));
    assert_true(fabs(o.yhat0 - creal(f)) < 1e-12);
    assert_true(o.yhat0 >= 0.0 && o.yhat0 <= 1.0);
    int m, L;
    const double *J = qnn_instance_jacobian(in, &m, &L);
    double *t2 = malloc((size_t)L * sizeof(double)), worst = 0.0;
    memcpy(t2, th, (size_t)L * sizeof(double));
    for (int l = 0; l < L; l++) {
        double rp, rm, t0 = t2[l], h = 1e-5;
        t2[l] = t0 + h;
        qnn_instance_residuals_at(in, t2, &rp);
        t2[l] = t0 - h;
        qnn_instance_residuals_at(in, t2, &rm);
        t2[l] = t0;
        if (fabs((rp - rm) / (2 * h) - J[l]) > worst)
            worst = fabs((rp - rm) / (2 * h) - J[l]);
    }
    assert_true(worst < 1e-8);
    free(t2);
    qnn_instance_free(in);
    qnn_model_data_free(&md);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_observable_on_visible_qubits),
        cmocka_unit_test(test_run_entropy_page),
        cmocka_unit_test(test_cut_and_cadence),
        cmocka_unit_test(test_hidden_model),
        cmocka_unit_test(test_gradient_variance_decay),
        cmocka_unit_test(test_qbm_model),
        cmocka_unit_test(test_fidelity_objective),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
