/* Model circuit (engine/src/models/circuit.c): a user's circuit with its
 * data, observables and mini-batches, through the engine's public API.
 *
 *  - the gradient of every evaluation is the gradient of its loss (central
 *    differences of the residuals), for a file, both families, one and
 *    three outputs;
 *  - a mini-batch gradient is unbiased: its mean over many draws equals the
 *    full gradient within 4 standard errors (fixed seed);
 *  - the exported family read back as a file gives the same residuals,
 *    Jacobian and kernel, bit for bit;
 *  - accuracies as fractions of the rows, a finite test loss;
 *  - hard limits for every build: kernel positive semi-definite, entropy
 *    <= ln D_v, trace distance <= 1;
 *  - refusals of bad combinations: status < 0, the key or file named,
 *    "allowed" in the message. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "qnn/instance.h"
#include "qnn/model.h"
#include "qnn/params.h"
#include "qnn/qasm.h"
#include "qnn/qcircuit.h"

static char tmpdir[256];

static void setp(qnn_params *p, const char *k, const char *v)
{
    char err[1024];
    int rc = qnn_params_set(p, k, v, err, sizeof err);
    if (rc != 0)
        fail_msg("set %s=%s: %s", k, v, err);
}

/* The circuit model on a shipped data set with small sizes. */
static qnn_params base(const char *data)
{
    qnn_params p;
    qnn_params_default(&p);
    setp(&p, "model", "circuit");
    setp(&p, "n", "3");
    setp(&p, "layers", "2");
    setp(&p, "rotations", "rx, ry");
    if (data) {
        char path[512];
        snprintf(path, sizeof path, "%s/data/%s", QNN_PRESETS, data);
        setp(&p, "data", path);
    } else {
        setp(&p, "data", "none");
    }
    setp(&p, "instances", "1");
    return p;
}

static qnn_instance *build(const qnn_params *p)
{
    char err[1024];
    int rc = qnn_params_check(p, 0, err, sizeof err);
    if (rc != 0)
        fail_msg("check: %s", err);
    qnn_instance *in = qnn_instance_new(p, 0, NULL, err, sizeof err);
    if (!in)
        fail_msg("build: %s", err);
    return in;
}

/* loss = (c/2) Σ r² at theta */
static double loss_at(qnn_instance *in, const double *theta, int m, double c)
{
    double *r = malloc((size_t)m * sizeof *r);
    qnn_instance_residuals_at(in, theta, r);
    double ss = 0;
    for (int j = 0; j < m; j++)
        ss += r[j] * r[j];
    free(r);
    return 0.5 * c * ss;
}

static void check_gradient(const qnn_params *p)
{
    qnn_instance *in = build(p);
    qnn_obs o;
    assert_int_equal(qnn_instance_eval(in, QNN_WANT_EIGEN, &o), 0);
    int P, m;
    const double *th = qnn_instance_theta(in, &P);
    qnn_instance_residuals(in, &m);
    qnn_consts c;
    memset(&c, 0, sizeof c);
    qnn_instance_consts(in, &c);
    const double *g = qnn_instance_gradient(in);
    double *t = malloc((size_t)P * sizeof *t);
    memcpy(t, th, (size_t)P * sizeof *t);
    assert_true(fabs(loss_at(in, t, m, c.loss_scale) - o.loss) <= 1e-12 * fmax(1.0, o.loss));
    for (int a = 0; a < P; a++) {
        const double h = 1e-5, x = t[a];
        t[a] = x + h;
        double lp = loss_at(in, t, m, c.loss_scale);
        t[a] = x - h;
        double lm = loss_at(in, t, m, c.loss_scale);
        t[a] = x;
        double fd = (lp - lm) / (2 * h);
        /* central difference: error O(h²) ~ 1e-10 times the third
         * derivative, rounding ~ 1e-16/h ~ 1e-11 */
        if (fabs(fd - g[a]) > 1e-7 * fmax(1.0, fabs(g[a])))
            fail_msg("parameter %d: adjoint %.12g, difference %.12g", a, g[a], fd);
    }
    /* kernel K = J Jᵀ: symmetric, positive semi-definite (hard limit) */
    int mm;
    const double *K = qnn_instance_kernel(in, &mm);
    for (int i = 0; i < mm; i++)
        for (int j = 0; j < mm; j++)
            assert_true(K[i * mm + j] == K[j * mm + i]);
    assert_true(o.lambda_min >= -1e-12 * fmax(1.0, o.lambda_max));
    free(t);
    qnn_instance_free(in);
}

static void test_gradient_families(void **st)
{
    (void)st;
    qnn_params p = base("moons.csv");
    check_gradient(&p);
    setp(&p, "ansatz", "qaoa");
    setp(&p, "cost", "0.7*Z0*Z1 - 0.4*X2 + 0.2*Y0*Z2");
    check_gradient(&p);
    /* three classes, three observables (one a sum) */
    qnn_params q = base("iris.csv");
    setp(&q, "n", "4");
    setp(&q, "test_fraction", "0.8");
    setp(&q, "measure", "Z0; 0.5*Z1 + 0.5*X1*X2; Z2");
    check_gradient(&q);
    /* no data: one residual gamma <O> - O0 */
    qnn_params r = base(NULL);
    setp(&r, "measure", "0.3*ZZI - XIY");
    setp(&r, "O0", "0.2");
    setp(&r, "gamma", "1.7");
    check_gradient(&r);
}

static void test_file_gradient(void **st)
{
    (void)st;
    char path[512];
    snprintf(path, sizeof path, "%s/shared.qasm", tmpdir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    /* a parameter used twice, through expressions; a data input x1 */
    fputs("OPENQASM 3.0;\ninclude \"stdgates.inc\";\ninput float[64] x1;\ninput float[64] x2;\n"
          "input float[64] a;\ninput angle[32] b;\nqubit[2] q;\n"
          "ry(x1) q[0];\nry(x2) q[1];\nrx(2*a + 0.1) q[0];\ncrz(a*b) q[0], q[1];\n"
          "u(b, sin(a), pi/3) q[1];\nrzz(x1*x2 + b) q[0], q[1];\ncu(a, b, 0.2, a - b) q[1], q[0];\n", f);
    fclose(f);
    qnn_params p = base("moons.csv");
    setp(&p, "circuit", path);
    assert_int_equal(p.n, 2);   /* n follows the file */
    assert_int_equal((int)qnn_params_n_params(&p), 2);
    check_gradient(&p);
}

/* The family and its export read back: identical residuals, Jacobian,
 * kernel. */
static void test_export_identical(void **st)
{
    (void)st;
    qnn_params p = base("circles.csv");
    setp(&p, "rotations", "ry, rz");
    setp(&p, "topology", "ring");
    setp(&p, "entangling", "cx");
    qnn_qc *qc = NULL;
    char err[1024], path[512];
    assert_int_equal(qnn_model_circuit(&p, &qc, err, sizeof err), 0);
    snprintf(path, sizeof path, "%s/hea.qasm", tmpdir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(qnn_qasm_write(qc, "test", f), 0);
    fclose(f);
    qnn_qc_free(qc);
    qnn_params q = p;
    /* the encoding's inputs x_0, x_1 are the features in column order */
    setp(&q, "circuit", path);
    qnn_instance *a = build(&p);
    qnn_instance *b = build(&q);
    qnn_obs oa, ob;
    assert_int_equal(qnn_instance_eval(a, 0, &oa), 0);
    assert_int_equal(qnn_instance_eval(b, 0, &ob), 0);
    int m1, m2, P1, P2;
    const double *Ja = qnn_instance_jacobian(a, &m1, &P1), *Jb = qnn_instance_jacobian(b, &m2, &P2);
    assert_int_equal(m1, m2);
    assert_int_equal(P1, P2);
    assert_memory_equal(qnn_instance_residuals(a, &m1), qnn_instance_residuals(b, &m2), (size_t)m1 * sizeof(double));
    assert_memory_equal(Ja, Jb, (size_t)m1 * P1 * sizeof(double));
    assert_memory_equal(qnn_instance_kernel(a, &m1), qnn_instance_kernel(b, &m2), (size_t)m1 * m1 * sizeof(double));
    qnn_instance_free(a);
    qnn_instance_free(b);
}

/* A mini-batch gradient is an unbiased estimate of the full one. The
 * step's gradient is recovered from θ before and after (σ_θ = 0):
 * g_B = (θ - θ') / η. Over S = 400 draws of B = 5 of the N training rows
 * each component's mean must lie within 4 standard errors of the full
 * gradient (a sampled mean; the bound fails by chance with p < 1e-4 per
 * component). A biased batch (wrong scale 1/N instead of 1/B, or the same
 * rows every time) fails it. */
static void test_batch_unbiased(void **st)
{
    (void)st;
    qnn_params p = base("moons.csv");
    setp(&p, "batch", "5");
    setp(&p, "eta", "1e-9");
    qnn_instance *in = build(&p);
    qnn_obs o;
    int P;
    assert_int_equal(qnn_instance_eval(in, 0, &o), 0);
    const double *th = qnn_instance_theta(in, &P);
    double *t0 = malloc((size_t)P * sizeof *t0), *full = malloc((size_t)P * sizeof *full);
    double *s1 = calloc((size_t)P, sizeof *s1), *s2 = calloc((size_t)P, sizeof *s2);
    memcpy(t0, th, (size_t)P * sizeof *t0);
    memcpy(full, qnn_instance_gradient(in), (size_t)P * sizeof *full);
    const int S = 400;
    for (int s = 0; s < S; s++) {
        qnn_instance_set_theta(in, t0, P);
        assert_int_equal(qnn_instance_eval(in, 0, &o), 0);
        qnn_instance_step(in);
        th = qnn_instance_theta(in, &P);
        for (int a = 0; a < P; a++) {
            double g = (t0[a] - th[a]) / 1e-9;
            s1[a] += g;
            s2[a] += g * g;
        }
    }
    int different = 0;
    for (int a = 0; a < P; a++) {
        double mean = s1[a] / S, var = (s2[a] / S - mean * mean) * S / (S - 1), se = sqrt(var / S);
        different |= var > 1e-6 * full[a] * full[a];
        /* θ - θ' loses ~1e-16/1e-9 relative to θ: allow that rounding too */
        if (fabs(mean - full[a]) > 4 * se + 1e-5 * fmax(1.0, fabs(full[a])))
            fail_msg("parameter %d: batch mean %.9g (s.e. %.3g), full gradient %.9g", a, mean, se, full[a]);
    }
    assert_true(different);   /* the batches do differ */
    free(t0);
    free(full);
    free(s1);
    free(s2);
    qnn_instance_free(in);
}

/* Accuracy from the residuals; test loss from a plain forward pass of the
 * same circuit; hard limits. */
static void test_metrics_and_limits(void **st)
{
    (void)st;
    qnn_params p = base("iris.csv");
    setp(&p, "n", "4");
    setp(&p, "test_fraction", "0.3");
    qnn_instance *in = build(&p);
    qnn_obs o;
    assert_int_equal(qnn_instance_eval(in, QNN_WANT_EIGEN | QNN_WANT_ENTROPY, &o), 0);
    int m;
    const double *r = qnn_instance_residuals(in, &m);
    assert_int_equal(m, 105 * 3);   /* 150 rows, 45 held out (15 per class), 3 outputs */
    /* accuracies are fractions of the 105 training and 45 test rows */
    assert_true(fabs(o.accuracy * 105 - round(o.accuracy * 105)) < 1e-9);
    assert_true(fabs(o.test_accuracy * 45 - round(o.test_accuracy * 45)) < 1e-9);
    (void)r;
    assert_true(o.accuracy >= 0.0 && o.accuracy <= 1.0);
    assert_true(o.test_accuracy >= 0.0 && o.test_accuracy <= 1.0);
    assert_true(isfinite(o.test_loss) && o.test_loss >= 0.0);
    /* hard limits */
    assert_true(o.lambda_min >= -1e-12 * o.lambda_max);
    assert_true(o.entropy >= -1e-12 && o.entropy <= log(4.0) + 1e-12);   /* cut n/2 = 2: D_v = 4 */
    assert_true(o.tdist >= 0.0 && o.tdist <= 1.0);
    /* a run: the loss goes down on the training rows */
    double l0 = o.loss;
    for (int s = 0; s < 30; s++) {
        qnn_instance_step(in);
        assert_int_equal(qnn_instance_eval(in, 0, &o), 0);
    }
    assert_true(o.loss < l0);
    qnn_instance_free(in);
}

static void expect_refusal(qnn_params *p, const char *key, const char *value, const char *names)
{
    char err[1024];
    qnn_params q = *p;
    int rc = qnn_params_set(&q, key, value, err, sizeof err);
    if (rc == 0)
        rc = qnn_params_check(&q, 0, err, sizeof err);
    if (rc >= 0)
        fail_msg("%s=%s: accepted", key, value);
    if (!strstr(err, "allowed") || !strstr(err, names))
        fail_msg("%s=%s: message '%s' lacks 'allowed' or '%s'", key, value, err, names);
}

static void test_refusals(void **st)
{
    (void)st;
    char path[512], noparams[512], big[512];
    snprintf(path, sizeof path, "%s/one.csv", tmpdir);
    FILE *f = fopen(path, "w");
    fputs("a,b,label\n1,2,1\n3,4,1\n5,6,1\n", f);
    fclose(f);
    snprintf(noparams, sizeof noparams, "%s/noparams.qasm", tmpdir);
    f = fopen(noparams, "w");
    fputs("OPENQASM 3;\ninclude \"stdgates.inc\";\nqubit[2] q;\nh q[0];\ncx q[0], q[1];\n", f);
    fclose(f);
    snprintf(big, sizeof big, "%s/big.qasm", tmpdir);
    f = fopen(big, "w");
    fputs("OPENQASM 3;\ninclude \"stdgates.inc\";\ninput float a;\nqubit[30] q;\nrx(a) q[0];\n", f);
    fclose(f);
    qnn_params p = base("moons.csv");
    expect_refusal(&p, "data", path, "one.csv");                  /* one class */
    expect_refusal(&p, "circuit", noparams, "no trainable");      /* no parameters */
    expect_refusal(&p, "circuit", big, "30");                     /* too many qubits */
    expect_refusal(&p, "batch", "151", "batch");                  /* more rows than trained on */
    expect_refusal(&p, "measure", "Z0; Z1", "measure");           /* 2 observables, 1 output */
    expect_refusal(&p, "measure", "Q0", "measure");               /* not a Pauli sum */
    expect_refusal(&p, "measure", "Z7", "measure");               /* qubit 7 of 3 */
    expect_refusal(&p, "data", "teacher", "data");                /* mlp data for circuit */
    expect_refusal(&p, "n_h", "1", "n_h");
    expect_refusal(&p, "rotations", "ry, rq", "rotations");
    char iris[512];
    snprintf(iris, sizeof iris, "%s/data/iris.csv", QNN_PRESETS);
    qnn_params q = base("iris.csv");
    setp(&q, "n", "4");
    expect_refusal(&q, "n", "2", "iris.csv");                     /* 4 features, 2 qubits */
    expect_refusal(&q, "measure", "Z0; Z1", "measure");           /* 3 classes, 2 observables */
    qnn_params m;
    qnn_params_default(&m);
    setp(&m, "model", "mlp");
    expect_refusal(&m, "data", iris, "data");                     /* a CSV for mlp */
    /* a file set before n: a later n must agree */
    qnn_params r = base("moons.csv");
    char two[512];
    snprintf(two, sizeof two, "%s/shared.qasm", tmpdir);
    if (access(two, R_OK) == 0) {
        setp(&r, "circuit", two);
        expect_refusal(&r, "n", "3", "n");
    }
}

static int setup(void **st)
{
    (void)st;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/qnn_circuit_model.XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **st)
{
    (void)st;
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gradient_families),
        cmocka_unit_test(test_file_gradient),
        cmocka_unit_test(test_export_identical),
        cmocka_unit_test(test_batch_unbiased),
        cmocka_unit_test(test_metrics_and_limits),
        cmocka_unit_test(test_refusals),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
