/* Model hidden: OME's unitary network (Eq. 1, App. C1) on n_v visible and
 * n_h hidden qubits. U = e^{-i c_L θ_L H_L} ⋯ e^{-i c_1 θ_1 H_1} over the
 * terms of the random 2-local Hamiltonian, every sweep of 3n + 9n(n-1)/2
 * layers using each term once in a fresh random order, c_l ~ U(0, 1), no
 * frozen entanglers (circuit_family.c draws it). The objective acts on the
 * visible qubits: <O ⊗ I> or the fidelity with a Haar-random visible
 * target. Its physics is the entanglement of the visible qubits with the
 * hidden ones (Page's value, OME's trace-distance bound: the engine's
 * entanglement theory for QNN_CAP_PURE_STATE). */
#include "models.h"

#include <string.h>

static qnn_key_use hidden_key_use(const qnn_params *p, const char *key)
{
    if (!strcmp(key, "L") || !strcmp(key, "p"))
        return QNN_KEY_EXTEND;
    if (!strcmp(key, "entangler") || !strcmp(key, "depth"))
        return QNN_KEY_UNUSED;
    return QNN_KEY_DEFAULT;
}

static int hidden_check(const qnn_params *p, char *err, size_t errlen)
{
    return qnn_circ_check_task(p, err, errlen);
}

static double hidden_n_params(const qnn_params *p) { return (double)p->L; }

static double hidden_bytes(const qnn_params *p, double hessian_bytes)
{
    return qnn_circ_instance_bytes(p, 0.0, 0, hessian_bytes);   /* no entanglers */
}

static void hidden_consts(const qnn_instance *in, qnn_consts *c)
{
    qnn_circ_consts(in, c);
    c->H_op2_sum = c->L;
}

const qnn_model_class qnn_class_hidden = {
    .name = "hidden",
    .help = "OME's unitary network of 2-local Hamiltonian terms (Eq. 1, App. C1) on visible and hidden qubits",
    .title = "unitary network (OME Eq. 1)",
    .label = "unitary network",
    .figure = "training",
    .loss_text = "1/2 sum eps^2, theta -= eta sum eps d eps/d theta (LIU23 Eq. 4)",
    .caps = QNN_CAP_PARAMS | QNN_CAP_PURE_STATE | QNN_CAP_TASK | QNN_CAP_LIVE | QNN_CAP_QUBITS | QNN_CAP_GAMMA,
    .figures = "",
    .key_use = hidden_key_use,
    .check = hidden_check,
    .n_params = hidden_n_params,
    .n_residuals = qnn_circ_n_residuals,
    .instance_bytes = hidden_bytes,
    QNN_CIRCUIT_METHODS,
    .consts = hidden_consts,
};
