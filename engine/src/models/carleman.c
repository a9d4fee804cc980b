/* Model carleman: the Carleman linearisation of LIU24 App. III.C (Fig. 4).
 * One random quadratic system per instance (circuit stream: F1 with a
 * fraction ode_f of dissipative modes, F2, then u(0) ~ U(-ode_u0,
 * ode_u0)^n and the component c whose error is "the error of a randomly
 * chosen parameter" of Fig. 4). The exact and the order-N solutions are
 * integrated once, when the instance is built; "step" k reads the errors
 * at the k-th of ode_points log-spaced times from ode_tmax·1e-3 to
 * ode_tmax. The draws do not depend on N, so a sweep over carleman_order
 * compares the orders on the same systems. No live view. */
#include "models.h"
#include "instance_impl.h"
#include "qnn/carleman.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct carleman_state {
    double *ode_t, *ode_comp, *ode_norm;
    int ode_nt;
} carleman_state;

static void carleman_free(qnn_instance *in)
{
    carleman_state *s = in->state;
    if (!s)
        return;
    free(s->ode_t);
    free(s->ode_comp);
    free(s->ode_norm);
    free(s);
    in->state = NULL;
}

static int carleman_build(qnn_instance *in, const qnn_instance *lender, char *err, size_t errlen)
{
    const qnn_params *p = &in->p;
    const int index = in->index;
    carleman_state *s = calloc(1, sizeof *s);
    in->state = s;
    gsl_rng *crng = NULL;
    double *u0 = NULL;
    qnn_quadode q = {0};
    if (!s)
        goto oom;
    s->ode_nt = p->ode_points;
    crng = qnn_instance_stream(p, QNN_STREAM_CIRCUIT, index);
    u0 = malloc((size_t)p->ode_n * sizeof *u0);
    s->ode_t = malloc((size_t)s->ode_nt * sizeof(double));
    s->ode_comp = malloc((size_t)s->ode_nt * sizeof(double));
    s->ode_norm = malloc((size_t)s->ode_nt * sizeof(double));
    if (!crng || !u0 || !s->ode_t || !s->ode_comp || !s->ode_norm || qnn_model_alloc(in, 1, 0, 0) != 0)
        goto oom;
    if (qnn_quadode_random(crng, p->ode_n, p->ode_f, &q) != 0)
        goto oom;
    for (int a = 0; a < p->ode_n; a++)
        u0[a] = p->ode_u0 * (2.0 * gsl_rng_uniform(crng) - 1.0);
    int comp = (int)gsl_rng_uniform_int(crng, (unsigned long)p->ode_n);
    for (int k = 0; k < s->ode_nt; k++)
        s->ode_t[k] = p->ode_tmax * pow(10.0, -3.0 * (1.0 - (double)k / (s->ode_nt - 1)));
    /* rc = 1: a solution ran away; the NaN errors from then on make the
     * instance diverge at that record (reported like any divergence) */
    if (qnn_carleman_error(&q, u0, p->carleman_order, s->ode_t, (size_t)s->ode_nt, s->ode_norm, comp, s->ode_comp) < 0) {
        qnn_fail(err, errlen, QNN_E_NOMEM, "out of memory for the order-%d Carleman system of instance %d (ode_n = %d)",
                 p->carleman_order, index, p->ode_n);
        qnn_quadode_free(&q);
        gsl_rng_free(crng);
        free(u0);
        return -1;
    }
    qnn_quadode_free(&q);
    gsl_rng_free(crng);
    free(u0);
    return 0;
oom:
    qnn_quadode_free(&q);
    if (crng)
        gsl_rng_free(crng);
    free(u0);
    return qnn_fail(err, errlen, QNN_E_NOMEM, "out of memory while building instance %d of model carleman (ode_n = %d, N = %d)", index, p->ode_n, p->carleman_order);
}

static int carleman_eval(qnn_instance *in, int want, qnn_obs *out)
{
    carleman_state *s = in->state;
    long k = in->step < s->ode_nt ? in->step : s->ode_nt - 1;
    out->step = in->step;
    out->time = s->ode_t[k];
    out->eps = s->ode_comp[k];
    out->err_norm = s->ode_norm[k];
    out->loss = 0.5 * out->err_norm * out->err_norm;
    out->kernel = 0.0;
    out->lambda_min = out->lambda_max = NAN;
    out->grad_norm = out->grad_inf = NAN;
    out->yhat0 = NAN;
    out->kchange = out->drift = NAN;
    out->entropy = out->tdist = NAN;
    in->r[0] = out->eps;
    in->K[0] = 0.0;
    return isfinite(out->eps) && isfinite(out->err_norm) ? 0 : 1;
}

static void carleman_step(qnn_instance *in) { (void)in; }
static double carleman_flow_dt(const qnn_instance *in, double eta) { (void)in; (void)eta; return 0.0; }

static void carleman_consts(const qnn_instance *in, qnn_consts *c)
{
    c->n = in->p.ode_n;
    c->m = 1;
    c->loss_scale = 1.0;
}

/* n + n² + ... + n^N of the order-N system. */
static double carleman_dim(const qnn_params *p)
{
    double dim = 0.0, pw = 1.0;
    for (int j = 1; j <= p->carleman_order; j++) {
        pw *= p->ode_n;
        dim += pw;
    }
    return dim;
}

static int carleman_check(const qnn_params *p, char *err, size_t errlen)
{
    double dim = carleman_dim(p);
    if (dim > 6000.0) {
        return qnn_fail(err, errlen, QNN_E_SIZE, "key 'carleman_order': value '%d' makes the order-N system %.0f-dimensional for ode_n = %d (a dense matrix); allowed: n + n^2 + .. + n^N <= 6000",
                 p->carleman_order, dim, p->ode_n);
    }
    if (p->resample != QNN_RESAMPLE_ALL) {
        return qnn_fail(err, errlen, QNN_E_RELATION, "key 'resample': value 'theta' but model = carleman draws one system per instance; allowed: all");
    }
    return 0;
}


/* bytes of the whole instance: the Hessian observer has nothing to hold */
static double carleman_bytes(const qnn_params *p, double hessian_bytes)
{
    double dim = carleman_dim(p);
    (void)hessian_bytes;
    return 3.0 * dim * dim * 8.0 + 40.0 * dim * 8.0 + 65536.0;
}

static const char *carleman_memory_key(const qnn_params *p) { (void)p; return "carleman_order"; }

/* "steps" are the ode_points times of the error curve */
static void carleman_records(const qnn_params *p, long *T, int *every)
{
    *T = p->ode_points - 1;
    *every = 1;
}

static qnn_key_use carleman_key_use(const qnn_params *p, const char *key)
{
    if (!strncmp(key, "ode_", 4) || !strcmp(key, "carleman_order"))
        return QNN_KEY_REBUILD;
    if (!strcmp(key, "objective") || !strcmp(key, "n_h") || !strcmp(key, "n_v") || !strcmp(key, "gamma") ||
        !strcmp(key, "eta") || !strcmp(key, "L") || !strcmp(key, "p"))
        return QNN_KEY_UNUSED;
    return QNN_KEY_DEFAULT;
}

const qnn_model_class qnn_class_carleman = {
    .name = "carleman",
    .help = "the Carleman linearisation of a random quadratic ODE (LIU24 App. III.C, Fig. 4)",
    .title = "Carleman linearisation",
    .label = "Carleman",
    .figure = "carleman",
    .caps = 0,
    .figures = "",
    .key_use = carleman_key_use,
    .check = carleman_check,
    .n_params = qnn_zero_params,
    .n_residuals = qnn_m_residuals,   /* m, as qnn_run_outputs counts them (1 by default) */
    .instance_bytes = carleman_bytes,
    .memory_key = carleman_memory_key,
    .records = carleman_records,
    .build = carleman_build,
    .free = carleman_free,
    .eval = carleman_eval,
    .step = carleman_step,
    .consts = carleman_consts,
    .flow_dt = carleman_flow_dt,
};
