/* The Hessian of the loss through the instance API, for every model with
 * parameters, and the physics of the classical MLP (LLJ App. A) and of
 * sparse training (LIU24 §III.B).
 *
 * - circuit models: the exact Hessian (the second-order adjoint; the
 *   parameter shift where it is chosen) against the Hessian assembled from
 *   central differences of the exact gradient (h = 1e-4: truncation
 *   h² |∂³g| ~ 1e-8, rounding ε|g|/h ~ 1e-12), and its symmetry (exact to
 *   rounding); a wrong shift (π/2 for every gate) or a missing Σ r_j ∇²r_j
 *   term fails by O(1); the adjoint against the parameter shift (1e-10 of
 *   max |H|), the shift chosen over budget or by QNNLAB_HESSIAN_PATH, and
 *   the cancel flag;
 * - mlp: the R-operator Hessian against central differences of the
 *   backpropagated gradient;
 * - SLQ on a real Hessian (mlp, P = 193) against its exact spectrum in the
 *   1-Wasserstein distance, with the bound derived below;
 * - LLJ Eq. 12: the hidden-layer gradient variance at initialisation
 *   falls as 1/width (log-log slope -1 within its standard error);
 * - pruning: the fraction of zero weights, the events and the proxy = 1 on
 *   the classical steps. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_fit.h>
#include <gsl/gsl_rng.h>

#include "qnn/params.h"
#include "qnn/instance.h"
#include "qnn/hessian.h"
#include "qnn/run.h"
#include "qnn/stats.h"
#include "reference.h"
#include "circuit.h"

void openblas_set_num_threads(int);


/* ‖A - B‖_F / ‖B‖_F */
static double rel_diff(size_t n, const double *A, const double *B)
{
    double d = 0.0, b = 0.0;
    for (size_t i = 0; i < n; i++) {
        d += (A[i] - B[i]) * (A[i] - B[i]);
        b += B[i] * B[i];
    }
    return sqrt(d / b);
}

/* H from central differences of the gradient the instance evaluates. */
static void fd_hessian(qnn_instance *in, double *H)
{
    int L;
    double *th = (double *)qnn_instance_theta(in, &L);
    double *gp = malloc((size_t)L * sizeof *gp), *gm = malloc((size_t)L * sizeof *gm);
    const double h = 1e-4;
    qnn_obs o;
    for (int a = 0; a < L; a++) {
        double t0 = th[a];
        th[a] = t0 + h;
        qnn_instance_eval(in, 0, &o);
        memcpy(gp, qnn_instance_gradient(in), (size_t)L * sizeof *gp);
        th[a] = t0 - h;
        qnn_instance_eval(in, 0, &o);
        memcpy(gm, qnn_instance_gradient(in), (size_t)L * sizeof *gm);
        th[a] = t0;
        for (int b = 0; b < L; b++)
            H[(size_t)b * L + a] = (gp[b] - gm[b]) / (2.0 * h);
    }
    qnn_instance_eval(in, 0, &o);
    free(gp);
    free(gm);
}

static void check_model_hessian(const char *const *kv, double tol_fd)
{
    qnn_instance *in = ref_instance(kv, 0);
    qnn_obs o;
    /* a few steps away from the initial point so that r ≠ 0 matters */
    for (int k = 0; k < 3; k++) {
        assert_int_equal(qnn_instance_eval(in, 0, &o), 0);
        qnn_instance_step(in);
    }
    assert_int_equal(qnn_instance_eval(in, 0, &o), 0);
    int L;
    qnn_instance_theta(in, &L);
    double *H = malloc((size_t)L * L * sizeof *H), *F = malloc((size_t)L * L * sizeof *F);
    assert_int_equal(qnn_instance_hessian(in, H), 0);
    double asym = 0.0, nrm = 0.0;
    for (int a = 0; a < L; a++)
        for (int b = 0; b < L; b++) {
            asym += (H[a * L + b] - H[b * L + a]) * (H[a * L + b] - H[b * L + a]);
            nrm += H[a * L + b] * H[a * L + b];
        }
    fd_hessian(in, F);
    double d = rel_diff((size_t)L * L, H, F);
    printf("  %s: P = %d, |H - H_fd|/|H| = %.2e, asymmetry %.2e\n", kv[1], L, d, sqrt(asym / nrm));
    assert_true(d < tol_fd);
    assert_true(sqrt(asym / nrm) < 1e-10);
    free(H);
    free(F);
    qnn_instance_free(in);
}

static void test_circuit_hessians(void **state)
{
    (void)state;
    const char *rnd[] = { "model", "random", "task", "supervised", "n", "3", "m", "3", "L", "10",
                          "eta", "0.05", "hessian", "exact", "seed", "3", NULL };
    const char *per[] = { "model", "periodic", "n", "3", "m", "2", "L", "6", "eta", "0.01",
                          "hessian", "exact", "seed", "4", NULL };
    const char *hid[] = { "model", "hidden", "n", "4", "n_h", "2", "L", "12", "eta", "0.05",
                          "hessian", "exact", "seed", "5", NULL };
    const char *opt[] = { "model", "random", "n", "4", "L", "14", "eta", "0.05", "O0", "0.4",
                          "hessian", "exact", "seed", "6", NULL };
    const char *bw[] = { "model", "random", "task", "supervised", "n", "5", "m", "4", "L", "12",
                         "entangler", "brickwork", "depth", "2", "eta", "0.05", "hessian", "exact", "seed", "7", NULL };
    check_model_hessian(rnd, 1e-6);
    check_model_hessian(per, 1e-6);
    check_model_hessian(hid, 1e-6);
    /* L large against D/m: the frame-1 sweep */
    const char *lng[] = { "model", "random", "task", "supervised", "n", "2", "m", "3", "L", "40", "inputs", "random",
                          "eta", "0.05", "hessian", "exact", "seed", "8", NULL };
    check_model_hessian(opt, 1e-6);
    check_model_hessian(bw, 1e-6);
    check_model_hessian(lng, 1e-6);
}

/* max |A - B| / max |B| over P x P */
static double rel_max(size_t n, const double *A, const double *B)
{
    double d = 0.0, b = 0.0;
    for (size_t i = 0; i < n; i++) {
        d = fmax(d, fabs(A[i] - B[i]));
        b = fmax(b, fabs(B[i]));
    }
    return d / b;
}

/* The instance's Hessian (adjoint expected) against the parameter shift. */
static void check_paths(const char *const *kv)
{
    qnn_instance *in = ref_instance(kv, 0);
    assert_int_equal(qnn_circ_hessian_path(in), 1);
    qnn_obs o;
    for (int k = 0; k < 2; k++) {
        assert_int_equal(qnn_instance_eval(in, 0, &o), 0);
        qnn_instance_step(in);
    }
    assert_int_equal(qnn_instance_eval(in, 0, &o), 0);
    int L;
    qnn_instance_theta(in, &L);
    const size_t LL = (size_t)L * L;
    double *H = malloc(LL * sizeof *H), *Hs = malloc(LL * sizeof *Hs);
    assert_int_equal(qnn_instance_hessian(in, H), 0);
    assert_int_equal(qnn_circ_hessian_shift(in, Hs), 0);
    double d = rel_max(LL, H, Hs);
    printf("  %s: P = %d, max |H_adjoint - H_shift| / max |H| = %.2e\n", kv[1], L, d);
    assert_true(d <= 1e-10);
    /* the cancel flag stops the adjoint */
    atomic_int flag = 1;
    qnn_instance_set_cancel(in, &flag);
    assert_int_equal(qnn_instance_hessian(in, H), -1);
    qnn_instance_set_cancel(in, NULL);
    free(H);
    free(Hs);
    qnn_instance_free(in);
}

static void test_hessian_paths(void **state)
{
    (void)state;
    /* hessian-live's model (n = 6, L = 64, |A| = 4) */
    const char *live[] = { "model", "random", "task", "supervised", "n", "6", "L", "64", "m", "4", "inputs", "basis",
                           "labels", "pm1", "eta", "0.05", "hessian", "exact", "seed", "24", NULL };
    const char *bw[] = { "model", "random", "task", "optimise", "n", "6", "L", "24", "entangler", "brickwork",
                         "depth", "3", "eta", "0.05", "hessian", "exact", "seed", "2", NULL };
    const char *per[] = { "model", "periodic", "n", "4", "m", "3", "L", "20", "eta", "0.01", "hessian", "exact",
                          "seed", "3", NULL };
    const char *hid[] = { "model", "hidden", "n", "5", "n_h", "2", "L", "30", "eta", "0.05", "hessian", "exact",
                          "seed", "4", NULL };
    check_paths(live);
    check_paths(bw);
    check_paths(per);
    check_paths(hid);

    /* over budget, or QNNLAB_HESSIAN_PATH = shift: the parameter shift, bit
     * for bit (the adjoint rounds differently) */
    for (int way = 0; way < 2; way++) {
        const size_t saved = qnn_circ_hessian_budget;
        if (way == 0)
            qnn_circ_hessian_budget = 1000;
        else
            setenv("QNNLAB_HESSIAN_PATH", "shift", 1);
        qnn_instance *in = ref_instance(per, 0);
        qnn_circ_hessian_budget = saved;
        unsetenv("QNNLAB_HESSIAN_PATH");
        assert_int_equal(qnn_circ_hessian_path(in), 0);
        qnn_obs o;
        assert_int_equal(qnn_instance_eval(in, 0, &o), 0);
        int L;
        qnn_instance_theta(in, &L);
        double *H = malloc((size_t)L * L * sizeof *H), *Hs = malloc((size_t)L * L * sizeof *Hs);
        assert_int_equal(qnn_instance_hessian(in, H), 0);
        assert_int_equal(qnn_circ_hessian_shift(in, Hs), 0);
        assert_memory_equal(H, Hs, (size_t)L * L * sizeof *H);
        assert_int_equal(qnn_circ_hessian_adjoint(in, Hs), 0);
        assert_true(rel_max((size_t)L * L, Hs, H) <= 1e-10);
        free(H);
        free(Hs);
        qnn_instance_free(in);
    }
    /* QNNLAB_HESSIAN_PATH = adjoint: the default */
    setenv("QNNLAB_HESSIAN_PATH", "adjoint", 1);
    qnn_instance *in = ref_instance(per, 0);
    unsetenv("QNNLAB_HESSIAN_PATH");
    assert_int_equal(qnn_circ_hessian_path(in), 1);
    qnn_instance_free(in);
}

static void test_mlp_hessian(void **state)
{
    (void)state;
    const char *kv[] = { "model", "mlp", "data", "bump2d", "m", "12", "width", "6", "L", "2",
                         "activation", "tanh", "c_b", "0.1", "lr_scale", "standard", "eta", "0.01",
                         "hessian", "exact", "seed", "6", NULL };
    check_model_hessian(kv, 1e-6);
}

/* SLQ against the exact spectrum of the same Hessian (mlp, sin1d, widths
 * 1-12-12-1: P = 24 + 156 + 13 = 193). Bound on E W1 = ∫ E|F̂(x) - F(x)| dx
 * over the spectral interval [a, b]:
 * - stochastic part: with a Rademacher probe v, F̂_v(x) = vᵀΠ_x v / P and
 *   Var = (2/P²)(tr Π² - Σ_i Π_ii²) <= 2f(1-f)/P <= 1/(2P) (f = rank/P;
 *   Σ Π_ii² >= r²/P). Averaged over n_p probes, E|F̂ - F| <= 1/√(2 P n_p),
 *   so the contribution is at most (b - a)/√(2 P n_p);
 * - quadrature part: k-point Gauss quadrature is exact to degree 2k - 1,
 *   and for a 1-Lipschitz f Jackson's theorem gives a polynomial of that
 *   degree within π(b - a)/(4·2k) of f; both measures integrate it exactly,
 *   so W1 <= 2 · π(b - a)/(8k) = π(b - a)/(4k).
 * With P = 193, n_p = 20, k = 60: (0.0114 + 0.0131)(b - a). The test
 * allows three times the stochastic part plus the quadrature part; weights
 * that are not the squared first components exceed it. (W1 does not see a
 * missing reorthogonalisation — finite-precision Lanczos quadrature stays
 * accurate, Greenbaum 1989 — so tests/test_hessian.c checks that node by
 * node with steps = P.) The extreme Ritz values must also match the
 * extreme eigenvalues, which a wrong Hessian-vector product would not. */
static int hvp_instance(void *ctx, const double *v, double *Hv)
{
    return qnn_instance_hvp(ctx, v, Hv);
}

static void test_slq_vs_exact(void **state)
{
    (void)state;
    const char *kv[] = { "model", "mlp", "data", "sin1d", "m", "40", "width", "12", "L", "2",
                         "lr_scale", "standard", "hessian", "exact", "seed", "7", NULL };
    qnn_instance *in = ref_instance(kv, 0);
    qnn_obs o;
    for (int k = 0; k < 20; k++) {
        assert_int_equal(qnn_instance_eval(in, 0, &o), 0);
        qnn_instance_step(in);
    }
    assert_int_equal(qnn_instance_eval(in, 0, &o), 0);
    int L;
    qnn_instance_theta(in, &L);
    assert_int_equal(L, 193);
    double *H = malloc((size_t)L * L * sizeof *H);
    assert_int_equal(qnn_instance_hessian(in, H), 0);
    qnn_spectrum ex, sl;
    assert_int_equal(qnn_hess_dense_spectrum(H, (size_t)L, &ex, NULL), QNN_HESS_OK);
    qnn_hess_rng *r = qnn_hess_rng_new(8);
    assert_non_null(r);
    const size_t probes = 20, k = 60;
    assert_int_equal(qnn_hess_slq(hvp_instance, in, (size_t)L, probes, k, r, &sl, NULL), QNN_HESS_OK);
    const double width = ex.x[ex.n - 1] - ex.x[0];
    const double stoch = width / sqrt(2.0 * L * (double)probes), quad = M_PI * width / (4.0 * k);
    const double w1 = qnn_spectrum_w1(&sl, &ex);
    printf("  W1(SLQ, exact) = %.3e; bound 3 x %.3e + %.3e (spectrum [%.3g, %.3g])\n", w1, stoch, quad,
           ex.x[0], ex.x[ex.n - 1]);
    assert_true(w1 < 3.0 * stoch + quad);
    /* the extreme Ritz values converge first: within 1e-6 of the spread */
    assert_true(fabs(sl.x[0] - ex.x[0]) < 1e-6 * width);
    assert_true(fabs(sl.x[sl.n - 1] - ex.x[ex.n - 1]) < 1e-6 * width);
    qnn_spectrum_free(&ex);
    qnn_spectrum_free(&sl);
    qnn_hess_rng_free(r);
    free(H);
    qnn_instance_free(in);
}

/* LLJ Eq. 12: E (∂L/∂θ_μ)² of a hidden-layer parameter at LeCun
 * initialisation is ∝ C_W/width (one factor W^(L) of variance C_W/n_{L-1}
 * in every path to the output). The ensemble mean of grad_ms (the mean
 * over hidden-layer parameters of (∂L/∂θ)²) at widths 32 .. 512, weighted
 * least squares of its log against log width; corrections are O(1/width)
 * relative (the residual ε contains the very weight it multiplies), a
 * slope bias of order 1/64 at these widths, far below the tolerance below
 * (3 standard errors of the slope, about 0.05 here). A gradient that is
 * not scaled like the weights, or an init variance C_W/n_l instead of
 * C_W/n_{l-1}, moves the slope by O(1). */
static void test_grad_variance_width(void **state)
{
    (void)state;
    const int widths[] = { 32, 64, 128, 256, 512 };
    const int nw = 5, R = 200;
    double x[5], y[5], wt[5];
    for (int i = 0; i < nw; i++) {
        char wbuf[16];
        snprintf(wbuf, sizeof wbuf, "%d", widths[i]);
        const char *kv[] = { "model", "mlp", "data", "teacher", "n_in", "4", "m", "16", "width", wbuf,
                             "L", "2", "activation", "tanh", "resample", "theta", "steps", "0",
                             "instances", "200", "seed", "9", NULL };
        (void)kv;
        qnn_params p = ref_params(kv);
        double *g = malloc((size_t)R * sizeof *g);
        for (int k = 0; k < R; k++) {
            char err[256];
            qnn_instance *in = qnn_instance_new(&p, k, NULL, err, sizeof err);
            assert_non_null(in);
            qnn_obs o;
            assert_int_equal(qnn_instance_eval(in, 0, &o), 0);
            g[k] = o.grad_ms;
            qnn_instance_free(in);
        }
        qnn_stat st = qnn_stat_of(g, 1, (size_t)R);
        x[i] = log((double)widths[i]);
        y[i] = log(st.mean);
        double sel = st.se / st.mean;   /* SE of the log */
        wt[i] = 1.0 / (sel * sel);
        printf("  width %4d: E grad_ms = %.4e ± %.1e\n", widths[i], st.mean, st.se);
        free(g);
    }
    double c0, c1, c00, c01, c11, chisq;
    gsl_fit_wlinear(x, 1, wt, 1, y, 1, (size_t)nw, &c0, &c1, &c00, &c01, &c11, &chisq);
    double se = sqrt(c11);
    printf("  slope %.3f ± %.3f (LLJ Eq. 12: -1), chi2 = %.2f for %d dof\n", c1, se, chisq, nw - 2);
    assert_true(fabs(c1 + 1.0) < 3.0 * se);
}

/* Sparse training: after the pruning step exactly round(0.9 N_W) weights
 * are zero (the biases untouched), the events mark the pruning and the
 * upload, and the proxy is exactly 1 on the classical steps in between
 * and ≠ 1 afterwards. */
static void test_pruning(void **state)
{
    (void)state;
    const char *kv[] = { "model", "mlp", "data", "spirals", "classes", "3", "m", "30", "width", "10",
                         "L", "2", "lr_scale", "standard", "eta", "0.002", "c_b", "0.1", "prune", "0.9",
                         "prune_every", "5", "prune_classical", "2", "hessian", "exact",
                         "proxy_scale", "one", "seed", "10", NULL };
    qnn_instance *in = ref_instance(kv, 0);
    int L;
    qnn_obs o;
    for (int t = 0; t <= 8; t++) {
        assert_int_equal(qnn_instance_eval(in, t == 5 ? QNN_WANT_HESSIAN : 0, &o), 0);
        const double *th = qnn_instance_theta(in, &L);
        if (t == 0)
            assert_int_equal(o.event, QNN_EVENT_UPLOAD);
        if (t == 5) {
            assert_int_equal(o.event, QNN_EVENT_PRUNE);
            /* widths 2-10-10-3: 20 + 100 + 30 = 150 weights, 23 biases */
            int zw = 0, zb = 0;
            for (int k = 0; k < L; k++)
                if (th[k] == 0.0) {
                    int is_bias = (k >= 20 && k < 30) || (k >= 130 && k < 140) || k >= 170;
                    zb += is_bias;
                    zw += !is_bias;
                }
            assert_int_equal(L, 173);
            assert_int_equal(zw, 135);
            assert_int_equal(zb, 0);
            assert_true(isfinite(o.h_min));
        }
        if (t == 5 || t == 6)
            assert_true(o.proxy == 1.0);
        if (t == 7) {
            assert_int_equal(o.event, QNN_EVENT_UPLOAD);
            assert_true(o.proxy == 1.0);   /* τ = 0 */
        }
        if (t == 8)
            assert_true(o.proxy != 1.0 && isfinite(o.proxy));
        qnn_instance_step(in);
    }
    qnn_instance_free(in);
}

int main(void)
{
    openblas_set_num_threads(1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_circuit_hessians),
        cmocka_unit_test(test_hessian_paths),
        cmocka_unit_test(test_mlp_hessian),
        cmocka_unit_test(test_slq_vs_exact),
        cmocka_unit_test(test_grad_variance_width),
        cmocka_unit_test(test_pruning),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
