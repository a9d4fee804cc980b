/* A model class in one file, written against the public API alone
 * (qnn/model.h): linear least squares, r(θ) = A θ - y, with A (m x P) and
 * y drawn from the instance's angle stream, entries U(-1, 1). Its kernel is
 * K = A Aᵀ (constant: the NTK picture holds exactly), its Hessian AᵀA, and
 * gradient descent converges to the least-squares fit. It offers one theory
 * value: the mean of tr K(0)/m over instances, E tr(A Aᵀ)/m = P/3.
 *
 * tests/test_toy_model.c registers it and drives it through `qnnlab run`,
 * the live session, both faces' panel builders and the share string: what
 * "a new model is one file plus one line in the registry" promises. */
#include "toy_model.h"
#include "qnn/analysis.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct toy_state {
    double *A, *y;   /* m x P row-major, m */
} toy_state;

static void toy_free(qnn_instance *in)
{
    toy_state *s = qnn_model_state(in);
    if (!s)
        return;
    free(s->A);
    free(s->y);
    free(s);
    qnn_model_set_state(in, NULL);
}

static int toy_build(qnn_instance *in, const qnn_instance *lender, char *err, size_t errlen)
{
    (void)lender;
    const qnn_params *p = qnn_model_params(in);
    const int m = p->m, P = p->L;
    toy_state *s = calloc(1, sizeof *s);
    qnn_model_set_state(in, s);
    if (!s || !(s->A = malloc((size_t)m * P * sizeof(double))) || !(s->y = malloc((size_t)m * sizeof(double))) ||
        qnn_model_alloc(in, m, P, 1) != 0) {
        snprintf(err, errlen, "out of memory for the toy model (m = %d, P = %d)", m, P);
        return -1;
    }
    for (int k = 0; k < m * P; k++)
        s->A[k] = 2.0 * qnn_model_uniform(in) - 1.0;
    for (int j = 0; j < m; j++)
        s->y[j] = 2.0 * qnn_model_uniform(in) - 1.0;
    qnn_model_arrays a = qnn_model_get_arrays(in);
    qnn_model_init_theta(in, a.theta, P);
    for (int k = 0; k < P; k++)   /* small angles: a well-posed start */
        a.theta[k] *= 0.01;
    return 0;
}

/* r = A θ - y at theta, and the loss ½ Σ r² */
static double residuals(const toy_state *s, int m, int P, const double *theta, double *r)
{
    double ss = 0.0;
    for (int j = 0; j < m; j++) {
        double v = -s->y[j];
        for (int k = 0; k < P; k++)
            v += s->A[j * P + k] * theta[k];
        r[j] = v;
        ss += v * v;
    }
    return 0.5 * ss;
}

static int toy_eval(qnn_instance *in, int want, qnn_obs *out)
{
    toy_state *s = qnn_model_state(in);
    qnn_model_arrays a = qnn_model_get_arrays(in);
    const int m = a.m, P = a.P;
    double loss = residuals(s, m, P, a.theta, a.r);
    memcpy(a.J, s->A, (size_t)m * P * sizeof(double));
    double g2 = 0.0, ginf = 0.0, tr = 0.0;
    for (int k = 0; k < P; k++) {
        double g = 0.0;
        for (int j = 0; j < m; j++)
            g += s->A[j * P + k] * a.r[j];
        a.grad[k] = g;
        g2 += g * g;
        ginf = fmax(ginf, fabs(g));
    }
    for (int i = 0; i < m; i++)
        for (int j = 0; j < m; j++) {
            double v = 0.0;
            for (int k = 0; k < P; k++)
                v += s->A[i * P + k] * s->A[j * P + k];
            a.K[i * m + j] = v;
            if (i == j)
                tr += v;
        }
    double ss = 2.0 * loss;
    out->step = qnn_model_step(in);
    out->time = (double)out->step * qnn_params_eta(qnn_model_params(in));
    out->eps = m == 1 ? a.r[0] : sqrt(ss / m);
    out->loss = loss;
    out->kernel = tr / m;
    out->grad_norm = sqrt(g2);
    out->grad_inf = ginf;
    out->yhat0 = a.r[0] + s->y[0];
    out->lambda_min = out->lambda_max = NAN;
    out->kchange = qnn_model_kernel_change(in);
    out->drift = out->entropy = out->tdist = NAN;
    int finite = isfinite(loss) && qnn_model_finite(a.grad, (size_t)P);
    if (finite && (want & QNN_WANT_EIGEN))
        qnn_model_kernel_eigen(in, out);
    return finite ? 0 : 1;
}

static int toy_grad_at(qnn_instance *in, const double *theta, double *g)
{
    toy_state *s = qnn_model_state(in);
    qnn_model_arrays a = qnn_model_get_arrays(in);
    double *r = malloc((size_t)a.m * sizeof(double));
    if (!r)
        return -1;
    residuals(s, a.m, a.P, theta, r);
    for (int k = 0; k < a.P; k++) {
        g[k] = 0.0;
        for (int j = 0; j < a.m; j++)
            g[k] += s->A[j * a.P + k] * r[j];
    }
    free(r);
    return 0;
}

static void toy_consts(const qnn_instance *in, qnn_consts *c)
{
    const qnn_params *p = qnn_model_params(in);
    c->L = p->L;
    c->m = p->m;
    c->gamma = p->gamma;
    c->eta = qnn_params_eta(p);
    c->sigma_theta = p->sigma_theta;
    c->loss_scale = 1.0;
}

static int toy_check(const qnn_params *p, char *err, size_t errlen)
{
    if (p->m > 64) {
        snprintf(err, errlen, "key 'm': value '%d' is too many residuals for model = toy; allowed: 1 .. 64", p->m);
        return -1;
    }
    return 0;
}

static qnn_key_use toy_key_use(const qnn_params *p, const char *key)
{
    (void)p;
    if (!strcmp(key, "m"))
        return QNN_KEY_REBUILD;
    if (!strcmp(key, "gamma") || !strcmp(key, "objective"))
        return QNN_KEY_UNUSED;
    return QNN_KEY_DEFAULT;
}

static double toy_n_params(const qnn_params *p) { return (double)p->L; }
static double toy_n_residuals(const qnn_params *p) { return (double)p->m; }
static double toy_bytes(const qnn_params *p, double hessian_bytes)
{
    return hessian_bytes + 8.0 * ((double)p->m * p->L * 2.0 + 4.0 * p->m * p->m + 6.0 * p->L) + 65536.0;
}

static void toy_analyse(qnn_summary *s, const qnn_run *run, const qnn_analysis_extra *x)
{
    (void)x;
    qnn_theory_value *v = qnn_summary_add_theory(s, "toy_mean_kernel", "E tr(A A^T)/m for A_jk ~ U(-1, 1)",
                                                 "P / 3", "mean over instances of tr K(0)/m", run->params.L / 3.0);
    qnn_theory_add_const(v, "P", run->params.L);
    qnn_theory_set_measured(v, s->kernel_t0);
}

const qnn_model_class toy_model_class = {
    .name = "toy",
    .help = "linear least squares r = A theta - y (a test of the model registry)",
    .title = "linear least squares",
    .label = "toy",
    .figure = "training",
    .caps = QNN_CAP_PARAMS | QNN_CAP_LIVE,
    .key_use = toy_key_use,
    .check = toy_check,
    .n_params = toy_n_params,
    .n_residuals = toy_n_residuals,
    .instance_bytes = toy_bytes,
    .build = toy_build,
    .free = toy_free,
    .eval = toy_eval,
    .grad_at = toy_grad_at,
    .consts = toy_consts,
    .analyse = toy_analyse,
};
