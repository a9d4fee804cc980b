/* Model mlp: a classical multilayer perceptron (LLJ App. A Eqs. 1-5;
 * LIU24 Sec. III) beside the QNNs: L hidden layers of `width` units (or
 * `widths`), LeCun initialisation, the NTK learning-rate tensor (lr_scale),
 * data from a teacher network, sin(x), a 2-D bump or spirals, and sparse
 * training by magnitude pruning (LIU24 Sec. III.B). Its kernel is the NTK
 * in the training metric; its Hessian is exact (R-operator products). */
#include "models.h"
#include "instance_impl.h"
#include "qnn/mlp.h"

#include <gsl/gsl_cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct mlp_state {
    qnn_mlp *mlp;
    double *X, *Y, *Xt, *Yt, *yhat, *yhat_t;
    int *lab, *lab_t;
    int N, Nt, nL;
    double *lambda;              /* per-parameter learning-rate factors */
    double *sqrt_lambda;
    unsigned char *hidden;       /* 1 for the parameters below the output layer */
    unsigned char *is_weight;
    int n_hidden;
} mlp_state;

static mlp_state *mst(const qnn_instance *in) { return in->state; }

static void mlp_free(qnn_instance *in)
{
    mlp_state *s = mst(in);
    if (!s)
        return;
    qnn_mlp_free(s->mlp);
    free(s->X);
    free(s->Y);
    free(s->Xt);
    free(s->Yt);
    free(s->yhat);
    free(s->yhat_t);
    free(s->lab);
    free(s->lab_t);
    free(s->lambda);
    free(s->sqrt_lambda);
    free(s->hidden);
    free(s->is_weight);
    free(s);
    in->state = NULL;
}

static qnn_mlp_act mlp_act(qnn_activation_kind a)
{
    switch (a) {
    case QNN_ACT_RELU: return QNN_MLP_RELU;
    case QNN_ACT_LINEAR: return QNN_MLP_LINEAR;
    case QNN_ACT_QUADRATIC: return QNN_MLP_QUADRATIC;
    default: return QNN_MLP_TANH;
    }
}

int qnn_params_data(const qnn_params *p, gsl_rng *r, int n0, int nL, size_t N,
                    double *X, double *Y, int *lab, char *err, size_t errlen)
{
    switch (p->data) {
    case QNN_DATA_TEACHER:
        return qnn_mlp_data_teacher(r, n0, nL, p->teacher_width, 2, mlp_act(p->activation),
                                    p->c_w, p->c_b, N, X, Y, NULL, err, errlen);
    case QNN_DATA_SIN1D: return qnn_mlp_data_sin1d(r, N, X, Y, err, errlen);
    case QNN_DATA_BUMP2D: return qnn_mlp_data_bump2d(r, N, X, Y, err, errlen);
    case QNN_DATA_SPIRALS: return qnn_mlp_data_spirals(r, p->classes, 0.05, N, X, Y, lab, err, errlen);
    case QNN_DATA_NONE: case QNN_DATA_FILE: break;   /* the circuit model's (mlp_check refuses them) */
    }
    return -1;
}

/* One data set of N samples from the circuit stream. */
static int mlp_data(const qnn_params *p, gsl_rng *r, const int *w, int L, size_t N,
                    double *X, double *Y, int *lab, char *err, size_t errlen)
{
    return qnn_params_data(p, r, w[0], w[L], N, X, Y, lab, err, errlen);
}

/* The network from the widths, the data from the circuit stream (shared by
 * all instances with resample = theta), the LeCun weights from the angle
 * stream. Loss ½ Σ_{α,i} (ŷ - y)² (LLJ Eq. 4), residuals in the order α
 * major, i minor; GD θ <- θ - η λ ⊙ ∇L with λ of lr_scale. */
static int mlp_build(qnn_instance *in, const qnn_instance *lender, char *err, size_t errlen)
{
    const qnn_params *p = &in->p;
    const int index = in->index;
    mlp_state *s = calloc(1, sizeof *s);
    in->state = s;
    gsl_rng *crng = NULL;
    int w[QNN_MLP_MAX_HIDDEN + 2];
    const int L = qnn_params_mlp_widths(p, w);
    if (!s)
        goto oom;
    s->N = p->m;
    s->Nt = p->n_test;
    s->nL = w[L];
    size_t batch = (size_t)(s->N > s->Nt ? s->N : s->Nt);
    s->mlp = qnn_mlp_new(L, w, mlp_act(p->activation), p->gamma, batch, err, errlen);
    if (!s->mlp)
        return -1;
    const int nP = (int)qnn_mlp_n_params(s->mlp);
    const size_t P = (size_t)nP;
    int circ_index = p->resample == QNN_RESAMPLE_THETA ? 0 : index;
    crng = qnn_instance_stream(p, QNN_STREAM_CIRCUIT, circ_index);
    s->X = malloc((size_t)s->N * (size_t)w[0] * sizeof(double));
    s->Y = malloc((size_t)s->N * (size_t)s->nL * sizeof(double));
    s->yhat = malloc((size_t)s->N * (size_t)s->nL * sizeof(double));
    s->lab = malloc((size_t)s->N * sizeof(int));
    s->lambda = malloc(P * sizeof(double));
    s->sqrt_lambda = malloc(P * sizeof(double));
    s->hidden = malloc(P);
    s->is_weight = malloc(P);
    int *layer = malloc(P * sizeof(int));
    if (!crng || !s->X || !s->Y || !s->yhat || !s->lab || !s->lambda || !s->sqrt_lambda ||
        !s->hidden || !s->is_weight || !layer || qnn_model_alloc(in, s->N * s->nL, nP, 0) != 0) {
        free(layer);
        goto oom;
    }
    if (s->Nt > 0) {
        s->Xt = malloc((size_t)s->Nt * (size_t)w[0] * sizeof(double));
        s->Yt = malloc((size_t)s->Nt * (size_t)s->nL * sizeof(double));
        s->yhat_t = malloc((size_t)s->Nt * (size_t)s->nL * sizeof(double));
        s->lab_t = malloc((size_t)s->Nt * sizeof(int));
        if (!s->Xt || !s->Yt || !s->yhat_t || !s->lab_t) {
            free(layer);
            goto oom;
        }
    }
    if (mlp_data(p, crng, w, L, (size_t)s->N, s->X, s->Y, s->lab, err, errlen) != 0 ||
        (s->Nt > 0 && mlp_data(p, crng, w, L, (size_t)s->Nt, s->Xt, s->Yt, s->lab_t, err, errlen) != 0) ||
        qnn_mlp_lambda(s->mlp, p->lr_scale == QNN_LR_NTK ? QNN_MLP_LR_NTK : QNN_MLP_LR_STANDARD,
                       s->lambda, err, errlen) != 0 ||
        qnn_mlp_init(s->mlp, in->theta, p->c_w, p->c_b, in->rng, err, errlen) != 0) {
        free(layer);
        gsl_rng_free(crng);
        return -1;
    }
    gsl_rng_free(crng);
    crng = NULL;
    qnn_mlp_param_tags(s->mlp, layer, s->is_weight);
    for (size_t k = 0; k < P; k++) {
        s->sqrt_lambda[k] = sqrt(s->lambda[k]);
        s->hidden[k] = L == 1 || layer[k] < L;
        s->n_hidden += s->hidden[k];
    }
    free(layer);
    if (p->data != QNN_DATA_SPIRALS) {
        free(s->lab);
        s->lab = NULL;
    }
    qnn_model_set_metric(in, s->lambda, s->sqrt_lambda, s->hidden, s->n_hidden);
    return 0;
oom:
    if (crng)
        gsl_rng_free(crng);
    return qnn_fail(err, errlen, QNN_E_NOMEM, "out of memory while building instance %d of model mlp (%.0f parameters, %d samples)",
             index, qnn_params_n_params(p), p->m);
}

static int mlp_eval(qnn_instance *in, int want, qnn_obs *out)
{
    mlp_state *s = mst(in);
    char e[256];
    const int m = in->m;
    double loss = NAN;
    int bad = qnn_mlp_forward(s->mlp, in->theta, (size_t)s->N, s->X, s->yhat, e, sizeof e) != 0 ||
              qnn_mlp_loss_grad(s->mlp, in->theta, (size_t)s->N, s->X, s->Y, 1.0, &loss, in->grad, e, sizeof e) != 0;
    double ss = 0.0;
    for (int j = 0; j < m; j++) {
        in->r[j] = s->yhat[j] - s->Y[j];
        ss += in->r[j] * in->r[j];
    }
    out->step = in->step;
    out->time = (double)in->step * in->dt;
    out->eps = m == 1 ? in->r[0] : sqrt(ss / m);
    out->loss = 0.5 * ss;
    out->yhat0 = s->yhat[0];
    out->grad_norm = cblas_dnrm2(in->L, in->grad, 1);
    out->grad_inf = fabs(in->grad[cblas_idamax(in->L, in->grad, 1)]);
    out->kernel = out->lambda_min = out->lambda_max = NAN;
    out->kchange = out->drift = NAN;
    out->entropy = out->tdist = NAN;
    bad = bad || !isfinite(ss) || !qnn_model_finite(in->grad, (size_t)in->L);
    /* The NTK (LLJ Eq. 14 with the learning-rate tensor) costs O(N² Σ n_l),
     * so it is computed where the kernel eigenvalues are wanted and at the
     * first evaluation (the reference of kernel_change) only. */
    if (!bad && ((want & QNN_WANT_EIGEN) || !in->have_K0)) {
        if (qnn_mlp_ntk(s->mlp, in->theta, (size_t)s->N, s->X,
                        in->p.lr_scale == QNN_LR_NTK ? QNN_MLP_LR_NTK : QNN_MLP_LR_STANDARD,
                        in->K, e, sizeof e) != 0) {
            bad = 1;
        } else {
            double tr = 0.0;
            for (int j = 0; j < m; j++)
                tr += in->K[(size_t)j * m + j];
            out->kernel = tr / m;
            out->kchange = qnn_model_kernel_change(in);
            if (!isfinite(tr))
                bad = 1;
            else if (want & QNN_WANT_EIGEN)
                qnn_model_kernel_eigen(in, out);
        }
    }
    if (!bad && s->lab)
        out->accuracy = qnn_mlp_accuracy((size_t)s->N, s->nL, s->yhat, s->lab);
    if (!bad && s->Nt > 0 && qnn_mlp_forward(s->mlp, in->theta, (size_t)s->Nt, s->Xt, s->yhat_t, e, sizeof e) == 0)
        out->test_accuracy = qnn_mlp_accuracy((size_t)s->Nt, s->nL, s->yhat_t, s->lab_t);
    return bad;
}

/* Magnitude pruning (LIU24 Sec. III.B): the fraction `prune` of the weights
 * with the smallest |W| are set to 0 (biases are kept); they may grow back
 * under later steps, as in LIU24. Ties at the threshold are broken by
 * index so the count is exact. */
typedef struct { double a; size_t k; } mag_entry;

static int mag_cmp(const void *x, const void *y)
{
    const mag_entry *a = x, *b = y;
    if (a->a != b->a)
        return a->a < b->a ? -1 : 1;
    return a->k < b->k ? -1 : a->k > b->k;
}

static void mlp_prune(qnn_instance *in)
{
    mlp_state *s = mst(in);
    size_t nw = 0;
    for (int k = 0; k < in->L; k++)
        nw += s->is_weight[k];
    mag_entry *e = malloc(nw * sizeof *e);
    if (!e)
        return;   /* memory: the step goes on unpruned (reported by the event bit not being set) */
    size_t j = 0;
    for (int k = 0; k < in->L; k++)
        if (s->is_weight[k])
            e[j++] = (mag_entry){ fabs(in->theta[k]), (size_t)k };
    qsort(e, nw, sizeof *e, mag_cmp);
    size_t cut = (size_t)floor(in->p.prune * (double)nw + 0.5);
    for (size_t i = 0; i < cut && i < nw; i++)
        in->theta[e[i].k] = 0.0;
    free(e);
    qnn_model_raise_event(in, QNN_EVENT_PRUNE);
}


static void mlp_step(qnn_instance *in)
{
    qnn_model_gradient_step(in);
    const long next = qnn_model_step(in) + 1;
    if (in->p.prune_every > 0 && next % in->p.prune_every == 0)
        mlp_prune(in);
}

/* H v in the training metric Λ^{1/2} H Λ^{1/2} (λ of lr_scale, so that its
 * spectrum is that of the step map's Jacobian 1 - η Λ H up to similarity),
 * exactly by the R-operator. */
static int mlp_hvp(qnn_instance *in, const double *v, double *Hv)
{
    mlp_state *s = mst(in);
    const int L = in->L;
    char e[128];
    for (int k = 0; k < L; k++)
        in->hv_a[k] = s->sqrt_lambda[k] * v[k];
    if (qnn_mlp_hvp(s->mlp, in->theta, (size_t)s->N, s->X, s->Y, 1.0, in->hv_a, Hv, e, sizeof e) != 0)
        return -1;
    for (int k = 0; k < L; k++)
        Hv[k] *= s->sqrt_lambda[k];
    return 0;
}

static void mlp_residuals_at(qnn_instance *in, const double *theta, double *r)
{
    mlp_state *s = mst(in);
    char e[64];
    if (qnn_mlp_forward(s->mlp, theta, (size_t)s->N, s->X, r, e, sizeof e) == 0)
        for (int j = 0; j < in->m; j++)
            r[j] -= s->Y[j];
}

static int mlp_set_gamma(qnn_instance *in, double gamma)
{
    qnn_mlp_set_gamma(mst(in)->mlp, gamma);
    return 0;
}

static void mlp_consts(const qnn_instance *in, qnn_consts *c)
{
    c->L = in->L;
    c->m = in->m;
    c->gamma = in->p.gamma;
    c->eta = qnn_params_eta(&in->p);
    c->sigma_theta = in->p.sigma_theta;
    c->loss_scale = 1.0;
}

static qnn_key_use mlp_key_use(const qnn_params *p, const char *key)
{
    static const char *const own[] = { "width", "widths", "activation", "c_w", "c_b", "data", "n_in",
                                       "teacher_width", "classes", "n_test", "lr_scale" };
    for (size_t i = 0; i < sizeof own / sizeof own[0]; i++)
        if (!strcmp(key, own[i]))
            return QNN_KEY_REBUILD;
    if (!strcmp(key, "n_h") || !strcmp(key, "n_v") || !strcmp(key, "task") || !strcmp(key, "objective") ||
        !strcmp(key, "n_obs") || !strcmp(key, "O0") || !strcmp(key, "entangler") || !strcmp(key, "depth") ||
        !strcmp(key, "cut") || !strcmp(key, "n") || !strcmp(key, "d"))
        return QNN_KEY_UNUSED;
    if (!strncmp(key, "prune", 5))
        return QNN_KEY_REBUILD;
    return QNN_KEY_DEFAULT;
}

static int mlp_check(const qnn_params *p, char *err, size_t errlen)
{
    if (p->data == QNN_DATA_NONE || p->data == QNN_DATA_FILE) {   /* the circuit model's */
        return qnn_fail(err, errlen, QNN_E_RELATION, "key 'data': value '%s' is for model = circuit; allowed for model = mlp: teacher | sin1d | bump2d | spirals",
                        p->data == QNN_DATA_NONE ? "none" : p->data_file);
    }
    double r = p->model->n_residuals(p);
    if (p->nwidths == 0 && p->L > QNN_MLP_MAX_HIDDEN) {
        return qnn_fail(err, errlen, QNN_E_SIZE, "key 'L': value '%d' is too many hidden layers for model = mlp; allowed: 1 .. %d", p->L, QNN_MLP_MAX_HIDDEN);
    }
    if (p->n_h != 0) {
        return qnn_fail(err, errlen, QNN_E_RELATION, "key 'n_h': value '%d' but model = mlp has no qubits; allowed: 0", p->n_h);
    }
    if (p->m > 100000) {
        return qnn_fail(err, errlen, QNN_E_SIZE, "key 'm': value '%d' is too many training samples for model = mlp; allowed: 1 .. 100000", p->m);
    }
    if (r > 4096.0) {
        return qnn_fail(err, errlen, QNN_E_SIZE, "key 'm': value '%d' gives %g residuals (samples x outputs) for the mlp's %g x %g neural tangent kernel; allowed: m x outputs <= 4096",
                 p->m, r, r, r);
    }
    if (p->data != QNN_DATA_SPIRALS && p->n_test > 0) {
        return qnn_fail(err, errlen, QNN_E_RELATION, "key 'n_test': value '%d' but the test accuracy needs data = spirals (the others are regressions); allowed: 0", p->n_test);
    }
    return 0;
}

static double mlp_n_params(const qnn_params *p)
{
    int w[QNN_MLP_MAX_HIDDEN + 2];
    int L = qnn_params_mlp_widths(p, w);
    double P = 0.0;
    for (int l = 1; l <= L; l++)
        P += (double)w[l] * ((double)w[l - 1] + 1.0);
    return P;
}

/* samples times outputs */
static double mlp_n_residuals(const qnn_params *p)
{
    int w[QNN_MLP_MAX_HIDDEN + 2];
    int L = qnn_params_mlp_widths(p, w);
    return (double)p->m * w[L];
}

static double mlp_bytes(const qnn_params *p, double hessian_bytes)
{
    int w[QNN_MLP_MAX_HIDDEN + 2];
    int L = qnn_params_mlp_widths(p, w);
    double P = mlp_n_params(p), units = 0.0, N = (double)p->m + p->n_test;
    for (int l = 0; l <= L; l++)
        units += w[l];
    double r = mlp_n_residuals(p);
    /* θ, θ(0), gradient, λ and work (8 P), activations and their
     * R-operator copies (8 N units), the data, NTK and eigen work (4 r²) */
    return 8.0 * P * 8.0 + 8.0 * N * units * 8.0 + 4.0 * r * r * 8.0 + hessian_bytes + 65536.0;
}

/* the samples when the NTK and its eigen work (m outputs squared) hold
 * most of an instance, else the hidden layers' widths */
static const char *mlp_memory_key(const qnn_params *p)
{
    double r = mlp_n_residuals(p);
    if (4.0 * r * r * 8.0 > 0.5 * mlp_bytes(p, 0.0))
        return "m";
    return p->nwidths > 0 ? "widths" : "width";
}

const qnn_model_class qnn_class_mlp = {
    .name = "mlp",
    .help = "a classical multilayer perceptron (LLJ App. A, LIU24 Sec. III)",
    .title = "multilayer perceptron",
    .label = "MLP",
    .figure = "mlp",
    .hessian_matrix = "Lambda^{1/2} H Lambda^{1/2}: the Hessian of the loss in the learning-rate metric (Lambda = lr_scale factors), "
                      "similar to the step map's Jacobian 1 - eta Lambda H",
    .caps = QNN_CAP_PARAMS | QNN_CAP_LIVE | QNN_CAP_GAMMA,
    .figures = "",
    .key_use = mlp_key_use,
    .check = mlp_check,
    .n_params = mlp_n_params,
    .n_residuals = mlp_n_residuals,
    .instance_bytes = mlp_bytes,
    .memory_key = mlp_memory_key,
    .build = mlp_build,
    .free = mlp_free,
    .eval = mlp_eval,
    .step = mlp_step,
    .hvp = mlp_hvp,
    .residuals_at = mlp_residuals_at,
    .set_gamma = mlp_set_gamma,
    .consts = mlp_consts,
};
