/* The registry of model classes (qnn/model.h): the built-in ones in the
 * order the faces cycle through them, then those registered at run time.
 * Adding a built-in model is one file in this folder and one line in
 * `builtin` below (docs/ARCHITECTURE.md, "Adding a model"). */
#include "models.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static const qnn_model_class *const builtin[] = {
    &qnn_class_random,
    &qnn_class_periodic,
    &qnn_class_asymptotic,
    &qnn_class_frozen,
    &qnn_class_hidden,
    &qnn_class_qbm,
    &qnn_class_mlp,
    &qnn_class_gue,
    &qnn_class_carleman,
    &qnn_class_circuit,
};
#define NBUILTIN (sizeof builtin / sizeof builtin[0])
#define QNN_MODEL_MAX 32

static const qnn_model_class *extra[QNN_MODEL_MAX];
static size_t nextra;
static char names[QNN_MODEL_MAX * 24 + 256];

size_t qnn_model_count(void) { return NBUILTIN + nextra; }

const qnn_model_class *qnn_model_at(size_t i)
{
    if (i < NBUILTIN)
        return builtin[i];
    i -= NBUILTIN;
    return i < nextra ? extra[i] : NULL;
}

const qnn_model_class *qnn_model_find(const char *name)
{
    for (size_t i = 0; i < qnn_model_count(); i++)
        if (!strcmp(qnn_model_at(i)->name, name))
            return qnn_model_at(i);
    return NULL;
}

const qnn_model_class *qnn_model_default(void) { return builtin[0]; }

static void build_names(void)
{
    size_t k = 0;
    names[0] = 0;
    for (size_t i = 0; i < qnn_model_count() && k < sizeof names; i++)
        k += (size_t)snprintf(names + k, sizeof names - k, "%s%s", i ? " | " : "", qnn_model_at(i)->name);
}

const char *qnn_model_names(void)
{
    if (!names[0])
        build_names();
    return names;
}

int qnn_model_register(const qnn_model_class *cls)
{
    if (!cls || !cls->name || !cls->name[0] || strlen(cls->name) > 20 || qnn_model_find(cls->name) ||
        nextra >= QNN_MODEL_MAX || !cls->build || !cls->eval || !cls->consts || !cls->n_params ||
        !cls->n_residuals || !cls->instance_bytes)
        return -1;
    extra[nextra++] = cls;
    build_names();
    return 0;
}

int qnn_model_has(const qnn_model_class *cls, unsigned caps)
{
    return (cls->caps & caps) == caps;
}

qnn_live_pred qnn_model_prediction(const qnn_params *p, const qnn_consts *mean, int m)
{
    qnn_live_theory t = { NAN, NAN, NAN, NAN, NAN, QNN_LIVE_PRED_NONE, 0, NULL };
    if (p->model->live_theory)
        p->model->live_theory(p, mean, m, &t);
    return t.pred;
}

int qnn_model_circuit(const qnn_params *p, struct qnn_qc **out, char *err, size_t errlen)
{
    *out = NULL;
    if (!p->model->circuit)
        return qnn_fail(err, errlen, QNN_E_UNSUPPORTED, "model '%s' has no gate-level circuit; allowed: model = circuit (a QASM file or an ansatz)",
                        p->model->name);
    return p->model->circuit(p, out, err, errlen);
}

int qnn_model_offers(const qnn_model_class *cls, const char *figure)
{
    size_t n = strlen(figure);
    for (const char *f = cls->figures; f && *f;) {
        while (*f == ' ')
            f++;
        size_t k = strcspn(f, " ");
        if (k == n && !strncmp(f, figure, n))
            return 1;
        f += k;
    }
    return 0;
}

static int is(const char *key, const char *a) { return !strcmp(key, a); }

/* Keys that belong to one kind of model: unused unless its class says it
 * uses them (mlp, carleman, the asymptotic dynamics, qbm, gue, periodic,
 * circuit). */
static const char *const family_keys[] = {
    "prune", "prune_every", "prune_classical", "width", "widths", "activation", "c_w", "c_b", "data",
    "n_in", "teacher_width", "classes", "n_test", "lr_scale",
    "ode_n", "ode_f", "carleman_order", "ode_tmax", "ode_points", "ode_u0",
    "m0_init", "m0_file", "integrator", "beta", "qbm_normalise", "gue_time", "measure",
    "circuit", "ansatz", "layers", "rotations", "entangling", "topology", "cost", "measure_file",
    "features", "label", "problem", "standardise", "test_fraction", "split_seed", "batch", "encoding",
};

qnn_key_use qnn_model_key_use(const qnn_params *p, const char *key)
{
    const qnn_model_class *c = p->model;
    qnn_key_use u = c->key_use ? c->key_use(p, key) : QNN_KEY_DEFAULT;
    if (u != QNN_KEY_DEFAULT)
        return u;
    const int params = qnn_model_has(c, QNN_CAP_PARAMS);
    if (is(key, "eta") || is(key, "gamma") || is(key, "eta_per_L"))
        return QNN_KEY_CONTINUE;
    if (is(key, "sigma_theta"))
        return params ? QNN_KEY_CONTINUE : QNN_KEY_UNUSED;
    if (!strncmp(key, "hessian", 7) || !strncmp(key, "slq_", 4) || !strncmp(key, "proxy_", 6))
        return params ? QNN_KEY_EXTEND : QNN_KEY_VIEW;
    if (is(key, "kernel_every") || is(key, "entropy_every") || is(key, "record_every") || is(key, "curve") ||
        is(key, "title") || is(key, "figure") || is(key, "stats") || is(key, "threads") || is(key, "steps") ||
        is(key, "record_residuals"))
        return QNN_KEY_VIEW;
    if (is(key, "n_h") || is(key, "n_v"))
        return qnn_model_has(c, QNN_CAP_PURE_STATE) || qnn_model_has(c, QNN_CAP_MIXED_STATE)
                   ? QNN_KEY_REBUILD : QNN_KEY_UNUSED;
    if ((is(key, "m") || is(key, "labels") || is(key, "inputs")) && qnn_model_has(c, QNN_CAP_TASK))
        return p->task == QNN_TASK_SUPERVISED ? QNN_KEY_REBUILD : QNN_KEY_UNUSED;
    if (is(key, "L") || is(key, "p"))
        return params ? QNN_KEY_REBUILD : QNN_KEY_UNUSED;
    for (size_t i = 0; i < sizeof family_keys / sizeof family_keys[0]; i++)
        if (is(key, family_keys[i]))
            return QNN_KEY_UNUSED;
    return QNN_KEY_REBUILD;
}
