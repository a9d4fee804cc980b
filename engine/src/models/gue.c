/* Model gue: OME Fig. 4a's ensemble |ψ> = e^{-iHt}|0…0> with H from the
 * Gaussian unitary ensemble, drawn from the circuit stream (qnn/gue.h). No
 * parameters and no steps: only the observers of the visible qubits mean
 * something (residual and kernel are 0), against Page's value and OME's
 * trace-distance bound. */
#include "models.h"
#include "instance_impl.h"
#include "qnn/gue.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int gue_build(qnn_instance *in, const qnn_instance *lender, char *err, size_t errlen)
{
    const qnn_params *p = &in->p;
    const size_t D = (size_t)1 << p->n;
    gsl_rng *crng = qnn_instance_stream(p, QNN_STREAM_CIRCUIT, in->index);
    qnn_cplx *H = malloc(D * D * sizeof *H);
    in->psi_out = malloc(D * sizeof(qnn_cplx));
    int rc = -1;
    if (crng && H && in->psi_out && qnn_model_alloc(in, 1, 0, 0) == 0 &&
        qnn_gue_hamiltonian(crng, D, H) == 0 && qnn_gue_evolve(D, H, p->gue_time, in->psi_out) == 0 &&
        qnn_instance_observe_state(in, p->n, in->psi_out) == 0)
        rc = 0;
    free(H);
    if (crng)
        gsl_rng_free(crng);
    if (rc != 0)
        qnn_fail(err, errlen, QNN_E_NOMEM, "out of memory (or an eigensolver failure) while building instance %d of model gue (n = %d)", in->index, p->n);
    return rc;
}

static int gue_eval(qnn_instance *in, int want, qnn_obs *out)
{
    in->r[0] = 0.0;
    in->K[0] = 0.0;
    const int event = out->event;
    memset(out, 0, sizeof *out);
    out->grad_ms = out->laziness = out->accuracy = out->test_accuracy = NAN;
    out->h_min = out->h_max = out->h_trace = out->h_frac_pos = NAN;
    out->proxy = out->err_norm = NAN;
    out->event = event;
    out->step = in->step;
    out->lambda_min = out->lambda_max = NAN;
    out->kchange = out->drift = out->grad_inf = NAN;
    out->entropy = out->tdist = NAN;
    if ((want & QNN_WANT_EIGEN))
        in->eig[0] = out->lambda_min = out->lambda_max = 0.0;
    if (want & QNN_WANT_ENTROPY)
        qnn_instance_state_observers(in, out);
    return 0;
}

static void gue_step(qnn_instance *in) { (void)in; }
static double gue_flow_dt(const qnn_instance *in, double eta) { (void)in; (void)eta; return 0.0; }

static void gue_consts(const qnn_instance *in, qnn_consts *c)
{
    c->n = in->p.n;
    c->D = (double)((size_t)1 << in->p.n);
    c->m = 1;
    c->gamma = in->p.gamma;
    c->loss_scale = 1.0;
}

static qnn_key_use gue_key_use(const qnn_params *p, const char *key)
{
    if (!strcmp(key, "gue_time"))
        return QNN_KEY_REBUILD;
    if (!strcmp(key, "gamma") || !strcmp(key, "eta") || !strcmp(key, "m") || !strcmp(key, "labels") || !strcmp(key, "inputs") || !strcmp(key, "L") ||
        !strcmp(key, "p") || !strcmp(key, "task") || !strcmp(key, "objective") || !strcmp(key, "n_obs") ||
        !strcmp(key, "O0") || !strcmp(key, "entangler") || !strcmp(key, "depth"))
        return QNN_KEY_UNUSED;
    return QNN_KEY_DEFAULT;
}

static int gue_check(const qnn_params *p, char *err, size_t errlen)
{
    if (p->n > 12) {
        return qnn_fail(err, errlen, QNN_E_SIZE, "key 'n': value '%d' is too large for model = gue (a dense 2^n x 2^n Hamiltonian and its eigenvectors); allowed: 1 .. 12", p->n);
    }
    if (p->steps != 0) {
        return qnn_fail(err, errlen, QNN_E_RELATION, "key 'steps': value '%ld' but model = gue has no parameters to train; allowed: 0", p->steps);
    }
    if (p->resample != QNN_RESAMPLE_ALL) {
        return qnn_fail(err, errlen, QNN_E_RELATION, "key 'resample': value 'theta' but model = gue has no angles; allowed: all");
    }
    return 0;
}


static double gue_bytes(const qnn_params *p, double hessian_bytes)
{
    double D = ldexp(1.0, p->n), c = sizeof(qnn_cplx);
    return hessian_bytes + (5.0 * D * D * c + 4.0 * D * c + 65536.0);
}

/* live, the steps are the user's; gue has none to train */
static void gue_live_params(qnn_params *p) { p->steps = 0; }

const qnn_model_class qnn_class_gue = {
    .name = "gue",
    .help = "the states exp(-iHt)|0..0> for H from the GUE (OME Fig. 4a; no parameters, steps = 0)",
    .title = "GUE evolution e^{−iHt}|0⟩",
    .label = "GUE evolution",
    .figure = "training",
    .caps = QNN_CAP_PURE_STATE | QNN_CAP_LIVE | QNN_CAP_FROZEN_K | QNN_CAP_QUBITS,
    .figures = "",
    .key_use = gue_key_use,
    .check = gue_check,
    .n_params = qnn_zero_params,
    .n_residuals = qnn_circ_n_residuals,
    .instance_bytes = gue_bytes,
    .live_params = gue_live_params,
    .build = gue_build,
    .eval = gue_eval,
    .step = gue_step,
    .consts = gue_consts,
    .flow_dt = gue_flow_dt,
};
