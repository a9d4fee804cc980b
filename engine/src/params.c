/* The key table: one row per preset key with its type, range and help text,
 * and the setters/getters that go through it. */
#include "qnn/params.h"
#include "qnn/status.h"
#include "qnn/model.h"
#include "qnn/statevec.h"
#include "qnn/qasm.h"
#include "qnn/text.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------ */
/* Enum names                                                               */
/* ------------------------------------------------------------------------ */

typedef struct { const char *name; int value; } enum_entry;

static const enum_entry act_names[] = { {"tanh", QNN_ACT_TANH}, {"relu", QNN_ACT_RELU}, {"linear", QNN_ACT_LINEAR},
                                        {"quadratic", QNN_ACT_QUADRATIC}, {NULL, 0} };
static const enum_entry data_kind_names[] = { {"teacher", QNN_DATA_TEACHER}, {"sin1d", QNN_DATA_SIN1D},
                                              {"bump2d", QNN_DATA_BUMP2D}, {"spirals", QNN_DATA_SPIRALS},
                                              {"none", QNN_DATA_NONE}, {NULL, 0} };
static const enum_entry ansatz_names[] = { {"hea", QNN_ANSATZ_HEA}, {"qaoa", QNN_ANSATZ_QAOA}, {NULL, 0} };
static const enum_entry entgate_names[] = { {"cz", 0}, {"cx", 1}, {NULL, 0} };
static const enum_entry topology_names[] = { {"line", 0}, {"ring", 1}, {NULL, 0} };
static const enum_entry problem_names[] = { {"auto", 0}, {"regression", 1}, {"classification", 2}, {NULL, 0} };
static const enum_entry encoding_names[] = { {"ry", 0}, {"rx", 1}, {NULL, 0} };
static const enum_entry lr_names[] = { {"ntk", QNN_LR_NTK}, {"standard", QNN_LR_STANDARD}, {NULL, 0} };
static const enum_entry hess_names[] = { {"off", QNN_HESS_OFF}, {"auto", QNN_HESS_AUTO}, {"exact", QNN_HESS_EXACT},
                                         {"slq", QNN_HESS_SLQ}, {NULL, 0} };
static const enum_entry proxy_names[] = { {"eta", QNN_PROXY_ETA}, {"one", QNN_PROXY_ONE}, {NULL, 0} };
static const enum_entry task_names[] = { {"optimise", QNN_TASK_OPTIMISE}, {"supervised", QNN_TASK_SUPERVISED}, {NULL, 0} };
static const enum_entry ent_names[] = { {"haar", QNN_ENT_HAAR}, {"brickwork", QNN_ENT_BRICKWORK}, {NULL, 0} };
static const enum_entry input_names[] = { {"basis", QNN_INPUT_BASIS}, {"random", QNN_INPUT_RANDOM}, {NULL, 0} };
static const enum_entry label_names[] = { {"pm1", QNN_LABEL_PM1}, {"uniform", QNN_LABEL_UNIFORM}, {NULL, 0} };
static const enum_entry objective_names[] = { {"observable", QNN_OBJ_OBSERVABLE}, {"fidelity", QNN_OBJ_FIDELITY}, {NULL, 0} };
static const enum_entry m0_names[] = { {"haar", QNN_M0_HAAR}, {"circuit", QNN_M0_CIRCUIT}, {"file", QNN_M0_FILE}, {NULL, 0} };
static const enum_entry integ_names[] = { {"cayley", QNN_INTEG_CAYLEY}, {"midpoint", QNN_INTEG_MIDPOINT}, {"euler", QNN_INTEG_EULER}, {NULL, 0} };
static const enum_entry init_names[] = { {"uniform", QNN_INIT_UNIFORM}, {"zero", QNN_INIT_ZERO}, {"normal", QNN_INIT_NORMAL}, {NULL, 0} };
static const enum_entry resample_names[] = { {"all", QNN_RESAMPLE_ALL}, {"theta", QNN_RESAMPLE_THETA}, {NULL, 0} };
static const enum_entry figure_names[] = { {"training", QNN_FIG_TRAINING}, {"sweep", QNN_FIG_SWEEP},
                                           {"compare", QNN_FIG_COMPARE}, {"rate", QNN_FIG_RATE},
                                           {"histogram", QNN_FIG_HISTOGRAM}, {"hessian", QNN_FIG_HESSIAN},
                                           {"carleman", QNN_FIG_CARLEMAN}, {NULL, 0} };
static const enum_entry curve_names[] = { {"abs_eps", QNN_CURVE_ABS_EPS}, {"loss", QNN_CURVE_LOSS}, {NULL, 0} };

static const char *enum_name(const enum_entry *e, int v)
{
    for (; e->name; e++)
        if (e->value == v)
            return e->name;
    return "?";
}

int qnn_params_visible(const qnn_params *p)
{
    if (p->n_h > 0)
        return p->n - p->n_h;
    /* a mixed state (qbm) is observed on its visible register n - n_h
     * whole, not across a cut: with n_h = 0 that is all n qubits, and the
     * entropy's bound is ln 2^n */
    if (p->model && qnn_model_has(p->model, QNN_CAP_MIXED_STATE))
        return p->n;
    if (p->cut > 0)
        return p->cut;
    return p->n / 2 < QNN_DEFAULT_CUT_MAX ? p->n / 2 : QNN_DEFAULT_CUT_MAX;
}

double qnn_params_eta(const qnn_params *p)
{
    return p->eta_per_L ? p->eta / (double)p->L : p->eta;
}

const char *qnn_model_name(const qnn_model_class *k) { return k ? k->name : "?"; }

/* ------------------------------------------------------------------------ */
/* The table                                                                */
/* ------------------------------------------------------------------------ */

typedef struct key_row {
    qnn_key_info info;
    size_t offset;
    double lo, hi;              /* numeric range (inclusive) */
    const enum_entry *enums;    /* for QNN_KEY_ENUM */
    size_t maxlen;              /* for QNN_KEY_STRING */
} key_row;

#define OFF(f) offsetof(qnn_params, f)

static const key_row rows[] = {
    {{"model", QNN_KEY_ENUM, "(the registered model classes)", "(the classes' help)", "model", 1}, OFF(model), 0, 0, NULL, 0},
    {{"task", QNN_KEY_ENUM, "optimise | supervised", "random model: one-state optimisation (Eq. 1) or supervised learning (Eq. 3)", "model", 1}, OFF(task), 0, 0, task_names, 0},
    {{"n", QNN_KEY_INT, "1 .. 24", "number of qubits; D = 2^n (alias: d = D, a power of two)", "model", 1}, OFF(n), 1, QNN_MAX_QUBITS, NULL, 0},
    {{"n_h", QNN_KEY_INT, "0 .. n - 1", "hidden qubits (the n_h most significant); the observable, the measurement and the entropy act on the n_v = n - n_h visible qubits 0 .. n_v - 1 (OME)", "model", 1}, OFF(n_h), 0, QNN_MAX_QUBITS - 1, NULL, 0},
    {{"n_v", QNN_KEY_INT, "0 .. 24", "visible qubits; when set (> 0), n = n_v + n_h follows n_h (so a sweep over n_h adds hidden qubits and keeps the visible ones); 0, or setting n or d afterwards, makes n the whole register again", "model", 1}, OFF(n_v), 0, QNN_MAX_QUBITS, NULL, 0},
    {{"cut", QNN_KEY_INT, "0 .. n - 1", "with n_h = 0: the entropy observer's cut, qubits 0 .. cut - 1 on the visible side (0 = n/2, at most 8)", "model", 0}, OFF(cut), 0, QNN_MAX_QUBITS - 1, NULL, 0},
    {{"entropy_bits", QNN_KEY_INT, "0 | 1", "1: the entropy observer in bits (log base 2) instead of nats", "figure", 0}, OFF(entropy_bits), 0, 1, NULL, 0},
    {{"L", QNN_KEY_INT, "1 .. 100000", "trainable parameters: rotations (random) or layers p (periodic; alias p); mlp: hidden layers (1 .. 32)", "model", 1}, OFF(L), 1, 100000, NULL, 0},
    {{"width", QNN_KEY_INT, "1 .. 65536", "mlp: units in each hidden layer", "model", 1}, OFF(width), 1, 65536, NULL, 0},
    {{"widths", QNN_KEY_STRING, "empty, or a comma list of 1 .. 32 hidden widths, each 1 .. 65536", "mlp: hidden widths n_1 .. n_{L-1} (overrides L and width)", "model", 0}, OFF(nwidths), 0, 0, NULL, 0},
    {{"activation", QNN_KEY_ENUM, "tanh | relu | linear | quadratic", "mlp: activation sigma of the hidden layers (quadratic: z^2)", "model", 1}, OFF(activation), 0, 0, act_names, 0},
    {{"c_w", QNN_KEY_DOUBLE, "0 .. 100", "mlp: LeCun weight variance, E W^2 = c_w / n_{l-1} (LLJ Eq. 2)", "model", 1}, OFF(c_w), 0, 100, NULL, 0},
    {{"c_b", QNN_KEY_DOUBLE, "0 .. 100", "mlp: bias variance, E b^2 = c_b", "model", 1}, OFF(c_b), 0, 100, NULL, 0},
    {{"data", QNN_KEY_ENUM, "teacher | sin1d | bump2d | spirals; none | a path to a CSV file (circuit only)", "training data: a random teacher network on N(0, I) inputs, sin(x) on U(-pi, pi), exp(-2|x|^2) cos(3 x_1) on U(-1, 1)^2, or interleaved spirals of `classes` classes (one-hot targets, accuracy), m rows and n_test held out; circuit also: none (optimise gamma <O> towards O0) or a CSV table of features and a label (docs/CIRCUITS.md)", "model", 1}, OFF(data), 0, 0, data_kind_names, 0},
    {{"circuit", QNN_KEY_STRING, "empty, or a path to an OpenQASM 3 file (docs/QASM.md)", "circuit: the user's circuit; its inputs named like a data column are features, every other input a trainable parameter (empty: the ansatz)", "model", 0}, OFF(circuit), 0, 0, NULL, QNN_TEXT_MAX - 1},
    {{"ansatz", QNN_KEY_ENUM, "hea | qaoa", "circuit without a file: the hardware-efficient ansatz (rotations, then an entangler, per layer) or a QAOA-style ansatz for the Pauli-sum cost", "model", 1}, OFF(ansatz), 0, 0, ansatz_names, 0},
    {{"layers", QNN_KEY_INT, "1 .. 10000", "circuit: layers of the ansatz", "model", 1}, OFF(layers), 1, 10000, NULL, 0},
    {{"rotations", QNN_KEY_STRING, "a comma list of 1 .. 3 of rx, ry, rz", "circuit, hea: the rotations of each layer on every qubit, in this order", "model", 0}, OFF(rotations), 0, 0, NULL, 31},
    {{"entangling", QNN_KEY_ENUM, "cz | cx", "circuit, hea: the two-qubit gate of the entangler", "model", 1}, OFF(entangling), 0, 0, entgate_names, 0},
    {{"topology", QNN_KEY_ENUM, "line | ring", "circuit, hea: the entangler on neighbours (0,1) .. (n-2,n-1), and (n-1,0) for a ring", "model", 1}, OFF(topology), 0, 0, topology_names, 0},
    {{"cost", QNN_KEY_STRING, "empty, or a Pauli sum on n qubits (docs/CIRCUITS.md)", "circuit, qaoa: the cost C of exp(-i gamma_l C) (empty: the ring sum of Z_i Z_{i+1})", "model", 0}, OFF(cost), 0, 0, NULL, QNN_TEXT_MAX - 1},
    {{"measure_file", QNN_KEY_STRING, "empty, or a path to a file of Pauli sums", "circuit: the observables from a file (one sum per output, separated by ';' or a blank line; '#' comments); overrides measure", "model", 0}, OFF(measure_file), 0, 0, NULL, QNN_TEXT_MAX - 1},
    {{"features", QNN_KEY_STRING, "empty, or a comma list of column names", "circuit with a CSV file: the feature columns (empty: every column but the label)", "model", 0}, OFF(features), 0, 0, NULL, QNN_TEXT_MAX - 1},
    {{"label", QNN_KEY_STRING, "empty, or a column name (at most 64 bytes)", "circuit with a CSV file: the label column (empty: the last)", "model", 0}, OFF(label), 0, 0, NULL, 64},
    {{"problem", QNN_KEY_ENUM, "auto | regression | classification", "circuit with a CSV file: the label is a regression target or a class (auto: classes when it holds words or at most 16 distinct integers)", "model", 0}, OFF(problem), 0, 0, problem_names, 0},
    {{"standardise", QNN_KEY_INT, "0 | 1", "circuit with a CSV file: 1 scales each feature to mean 0 and standard deviation 1 over the training rows", "model", 1}, OFF(standardise), 0, 1, NULL, 0},
    {{"test_fraction", QNN_KEY_DOUBLE, "0 .. 0.99", "circuit with a CSV file: the fraction of rows held out for the test loss and accuracy (stratified by class)", "model", 1}, OFF(test_fraction), 0, 0.99, NULL, 0},
    {{"split_seed", QNN_KEY_U64, "0 .. 18446744073709551615", "circuit with a CSV file: the seed of the train/test split (the same for every instance)", "model", 1}, OFF(split_seed), 0, 0, NULL, 0},
    {{"batch", QNN_KEY_INT, "0 .. 1000000", "circuit: mini-batch size of each step, rows drawn without replacement (0: the full training set)", "optimiser", 1}, OFF(batch), 0, 1000000, NULL, 0},
    {{"encoding", QNN_KEY_ENUM, "ry | rx", "circuit: the angle encoding ry(x_i) (or rx) on qubit i, used when the circuit has no data inputs of its own", "model", 1}, OFF(encoding), 0, 0, encoding_names, 0},
    {{"n_in", QNN_KEY_INT, "1 .. 1024", "mlp with data = teacher: input dimension n_0", "model", 1}, OFF(n_in), 1, 1024, NULL, 0},
    {{"teacher_width", QNN_KEY_INT, "1 .. 4096", "mlp with data = teacher: hidden width of the one-hidden-layer teacher", "model", 0}, OFF(teacher_width), 1, 4096, NULL, 0},
    {{"classes", QNN_KEY_INT, "2 .. 16", "mlp or circuit with data = spirals: number of classes (outputs)", "model", 1}, OFF(classes), 2, 16, NULL, 0},
    {{"n_test", QNN_KEY_INT, "0 .. 100000", "held-out samples for the test loss and accuracy: mlp with data = spirals; circuit with a data set the program makes (teacher, sin1d, bump2d, spirals)", "model", 0}, OFF(n_test), 0, 100000, NULL, 0},
    {{"lr_scale", QNN_KEY_ENUM, "ntk | standard", "mlp: ntk steps the weights of layer l with eta / n_{l-1} and the biases with eta (the learning-rate tensor that keeps the NTK O(1) in the width, LLJ Eq. 14-17); standard uses eta for all", "optimiser", 1}, OFF(lr_scale), 0, 0, lr_names, 0},
    {{"prune", QNN_KEY_DOUBLE, "0 .. 1 (1 excluded)", "mlp sparse training: fraction of the weights set to zero by magnitude at each pruning (LIU24 Sec. III.B: 0.9)", "optimiser", 1}, OFF(prune), 0, 1, NULL, 0},
    {{"prune_every", QNN_KEY_INT, "0 .. 100000000", "mlp sparse training: prune at steps P, 2P, ... (0: never)", "optimiser", 1}, OFF(prune_every), 0, 1e8, NULL, 0},
    {{"prune_classical", QNN_KEY_INT, "0 .. 100000000", "mlp sparse training: steps after each pruning trained classically (error proxy 1) before the upload the proxy starts from", "optimiser", 0}, OFF(prune_classical), 0, 1e8, NULL, 0},
    {{"hessian", QNN_KEY_ENUM, "off | auto | exact | slq", "Hessian of the loss: exact eigenvalues (P <= 4096 parameters), stochastic Lanczos quadrature, or auto (exact up to 1024 parameters and, for circuit models, P^2 D^2 <= 2^29; SLQ otherwise)", "run", 0}, OFF(hessian), 0, 0, hess_names, 0},
    {{"hessian_every", QNN_KEY_INT, "1 .. 100000000", "Hessian spectrum every k steps (and at step 0, the last step and each upload after pruning)", "run", 0}, OFF(hessian_every), 1, 1e8, NULL, 0},
    {{"slq_probes", QNN_KEY_INT, "1 .. 1000", "SLQ: random probe vectors", "run", 0}, OFF(slq_probes), 1, 1000, NULL, 0},
    {{"slq_steps", QNN_KEY_INT, "2 .. 1000", "SLQ: Lanczos steps per probe", "run", 0}, OFF(slq_steps), 2, 1000, NULL, 0},
    {{"hessian_bins", QNN_KEY_INT, "2 .. 10000", "bins of the Hessian histogram", "figure", 0}, OFF(hessian_bins), 2, 10000, NULL, 0},
    {{"hessian_range", QNN_KEY_STRING, "auto, or lo, hi with lo < hi", "range of the Hessian histogram (auto: the extreme eigenvalues)", "figure", 0}, OFF(hessian_lo), 0, 0, NULL, 0},
    {{"hessian_budget", QNN_KEY_DOUBLE, "0 .. 1", "live faces: the largest fraction of wall time spent on Hessians (0: no limit); headless runs follow hessian_every only", "run", 0}, OFF(hessian_budget), 0, 1, NULL, 0},
    {{"proxy_cut", QNN_KEY_DOUBLE, "0 .. 1e6", "LIU24 error proxy: keep modes with |a| >= cut (Eq. III.12: 0.4)", "run", 0}, OFF(proxy_cut), 0, 1e6, NULL, 0},
    {{"proxy_scale", QNN_KEY_ENUM, "eta | one", "LIU24 error proxy: a = -eta lambda (the step map 1 - eta H, Eq. II.65) or a = -lambda (the paper's words)", "run", 0}, OFF(proxy_scale), 0, 0, proxy_names, 0},
    {{"ode_n", QNN_KEY_INT, "1 .. 16", "carleman: dimension n of u (the order-N system has n + n^2 + .. + n^N unknowns)", "model", 1}, OFF(ode_n), 1, 16, NULL, 0},
    {{"ode_f", QNN_KEY_DOUBLE, "0 .. 1", "carleman: fraction f of dissipative modes (Hessian eigenvalues U(0, 1); the rest U(-0.01, 0))", "model", 1}, OFF(ode_f), 0, 1, NULL, 0},
    {{"carleman_order", QNN_KEY_INT, "1 .. 8", "carleman: truncation orders N = 1 .. this", "model", 1}, OFF(carleman_order), 1, 8, NULL, 0},
    {{"ode_tmax", QNN_KEY_DOUBLE, "1e-6 .. 1e6", "carleman: last time of the error curve", "run", 1}, OFF(ode_tmax), 1e-6, 1e6, NULL, 0},
    {{"ode_points", QNN_KEY_INT, "2 .. 100000", "carleman: times of the error curve (log-spaced from ode_tmax / 1e3)", "run", 0}, OFF(ode_points), 2, 100000, NULL, 0},
    {{"ode_u0", QNN_KEY_DOUBLE, "0 .. 100", "carleman: u(0) ~ U(-ode_u0, ode_u0)^n", "model", 1}, OFF(ode_u0), 0, 100, NULL, 0},
    {{"entangler", QNN_KEY_ENUM, "haar | brickwork", "the frozen unitaries W_l: dense Haar on U(D), or a brickwork of Haar 2-qubit gates", "model", 1}, OFF(entangler), 0, 0, ent_names, 0},
    {{"depth", QNN_KEY_INT, "1 .. 256", "brickwork layers in each W_l", "model", 1}, OFF(depth), 1, 256, NULL, 0},
    {{"n_obs", QNN_KEY_INT, "1 .. 256", "random model: Pauli terms in O = sum c_j P_j, c_j ~ U(0,1)", "model", 1}, OFF(n_obs), 1, 256, NULL, 0},
    {{"objective", QNN_KEY_ENUM, "observable | fidelity", "random/hidden models: the output is gamma <O (x) I> for the random visible Pauli sum O, or gamma times the fidelity <phi|rho_v|phi> with a Haar-random visible target state phi (OME; set O0 = 1 to maximise it)", "model", 1}, OFF(objective), 0, 0, objective_names, 0},
    {{"O0", QNN_KEY_DOUBLE, "-1e6 .. 1e6", "random optimisation task: target value, eps = gamma <O> - O0", "model", 1}, OFF(O0), -1e6, 1e6, NULL, 0},
    {{"m", QNN_KEY_INT, "1 .. D", "training states: |A| (random supervised) or m (periodic, asymptotic, frozen); training rows (mlp; circuit with a data set the program makes)", "model", 1}, OFF(m), 1, 1 << QNN_MAX_QUBITS, NULL, 0},
    {{"inputs", QNN_KEY_ENUM, "basis | random", "random supervised: basis states |0>..|m-1> or a Haar-random orthonormal set", "model", 0}, OFF(inputs), 0, 0, input_names, 0},
    {{"labels", QNN_KEY_ENUM, "pm1 | uniform | a comma list of m numbers in -1e6 .. 1e6", "labels: half +1 / half -1 in random order, U(-1, 1), or the given vector y_1, ..., y_m", "model", 0}, OFF(labels), 0, 0, label_names, 0},
    {{"m0_init", QNN_KEY_ENUM, "haar | circuit | file", "asymptotic/frozen: M(0) = gamma U diag(+1.., -1..) U^dagger with U Haar (YOU23 Eq. 120); the periodic circuit's gamma U(theta0)^dagger M0 U(theta0) with its data (same seed, instance and p); or gamma times the matrix in m0_file", "model", 1}, OFF(m0_init), 0, 0, m0_names, 0},
    {{"m0_file", QNN_KEY_STRING, "a path to a JSON file {\"re\": [[..]], \"im\": [[..]]}", "asymptotic/frozen with m0_init = file: a Hermitian d x d matrix (d = 2^n)", "model", 0}, OFF(m0_file), 0, 0, NULL, QNN_TEXT_MAX - 1},
    {{"beta", QNN_KEY_DOUBLE, "1e-6 .. 1e6 (> 0)", "qbm: the temperature-like scale beta of rho = exp(-beta H(theta))/Z", "model", 1}, OFF(beta), 1e-6, 1e6, NULL, 0},
    {{"qbm_normalise", QNN_KEY_INT, "0 | 1", "qbm: divide the initial coefficients by ||H(theta0)||_op (OME Fig. 3c, 4c)", "model", 1}, OFF(qbm_normalise), 0, 1, NULL, 0},
    {{"gue_time", QNN_KEY_DOUBLE, "0 .. 1e6", "gue: the evolution time t of exp(-iHt)|0..0> (OME Fig. 4a: 10); H has E|H_ij|^2 = 1/D (semicircle on [-2, 2])", "model", 1}, OFF(gue_time), 0, 1e6, NULL, 0},
    {{"integrator", QNN_KEY_ENUM, "cayley | midpoint | euler", "asymptotic: isospectral Cayley step (1st order), its 2nd-order midpoint version, or plain explicit Euler (not isospectral: shown only to see the spectral drift)", "optimiser", 1}, OFF(integrator), 0, 0, integ_names, 0},
    {{"measure", QNN_KEY_STRING, "a Pauli string of n letters from IXYZ, not all I; empty = Z on qubit 0 (periodic); Pauli sums separated by ';' (circuit)", "periodic: measured Pauli M0 (most significant qubit first); circuit: the observable of each output, e.g. 0.5*ZZII - 0.2*XIII (docs/CIRCUITS.md)", "model", 0}, OFF(measure), 0, 0, NULL, QNN_TEXT_MAX - 1},
    {{"resample", QNN_KEY_ENUM, "all | theta", "all: each instance draws its own circuit; theta: one shared circuit, instances differ in the angles only", "run", 0}, OFF(resample), 0, 0, resample_names, 0},
    {{"theta_init", QNN_KEY_ENUM, "uniform | zero | normal", "initial angles: U[0, 2 pi), all zero, or N(0, theta_scale^2)", "run", 0}, OFF(theta_init), 0, 0, init_names, 0},
    {{"theta_scale", QNN_KEY_DOUBLE, "0 .. 100", "standard deviation of the normal initial angles", "run", 0}, OFF(theta_scale), 0, 100, NULL, 0},
    {{"gamma", QNN_KEY_DOUBLE, "0 .. 1000", "measurement scale: every output is gamma tr(rho M)", "optimiser", 1}, OFF(gamma), 0, 1000, NULL, 0},
    {{"eta", QNN_KEY_DOUBLE, "1e-12 .. 1e300", "learning rate (random: theta -= eta eps d eps; periodic: theta -= eta grad of (1/2m) sum r^2; asymptotic/frozen: the time step of YOU23 Eq. 119)", "optimiser", 1}, OFF(eta), 1e-12, 1e300, NULL, 0},
    {{"eta_per_L", QNN_KEY_INT, "0 | 1", "1: the step uses eta / L (YOU23 sets eta = 1e-3/p); summary.json reports the effective eta", "optimiser", 1}, OFF(eta_per_L), 0, 1, NULL, 0},
    {{"sigma_theta", QNN_KEY_DOUBLE, "0 .. 10", "parameter noise: N(0, sigma_theta^2) added to every angle after each step (LLJ App. D)", "optimiser", 1}, OFF(sigma_theta), 0, 10, NULL, 0},
    {{"steps", QNN_KEY_LONG, "0 .. 100000000", "gradient-descent steps (0: only the statistics at the initial angles)", "run", 1}, OFF(steps), 0, 1e8, NULL, 0},
    {{"instances", QNN_KEY_INT, "1 .. 1000000", "ensemble size R (instance seeds derived from seed)", "run", 1}, OFF(instances), 1, 1000000, NULL, 0},
    {{"seed", QNN_KEY_U64, "0 .. 18446744073709551615", "master seed", "run", 1}, OFF(seed), 0, 0, NULL, 0},
    {{"kernel_every", QNN_KEY_INT, "1 .. 100000000", "kernel eigenvalues every k steps (and at step 0 and the last step); asymptotic model: also the spectral drift of M, an O(d^3) eigen-decomposition", "run", 0}, OFF(kernel_every), 1, 1e8, NULL, 0},
    {{"entropy_every", QNN_KEY_INT, "1 .. 100000000", "entropy S(rho_v) and trace distance of the visible qubits every k steps (and at step 0 and the last step), on recorded steps; O(D min(D_v, D_h) + min(D_v, D_h)^3)", "run", 0}, OFF(entropy_every), 1, 1e8, NULL, 0},
    {{"record_every", QNN_KEY_INT, "1 .. 100000000", "a row in trace.csv every k steps (and the last step)", "run", 0}, OFF(record_every), 1, 1e8, NULL, 0},
    {{"record_residuals", QNN_KEY_INT, "0 | 1", "1: trace.csv also holds the residual vector r_1 .. r_m at every recorded step", "run", 0}, OFF(record_residuals), 0, 1, NULL, 0},
    {{"threads", QNN_KEY_INT, "0 .. 256", "worker threads over instances; 0 = all cores (results do not depend on it)", "run", 0}, OFF(threads), 0, 256, NULL, 0},
    {{"figure", QNN_KEY_ENUM, "training | sweep | compare | rate | histogram | hessian | carleman", "figure layout: curves against the step; statistics against the swept key; the periodic QNN beside its asymptotic dynamics and the frozen kernel on one time axis; YOU23 Fig. 2 (m = 1 training curves and the rate against 2(gamma^2 - yhat^2)); histograms at t = 0; Hessian spectra during training with the LIU24 error proxy and the accuracy (LIU24 Fig. 2); or the Carleman error against time (LIU24 Fig. 4)", "figure", 0}, OFF(figure), 0, 0, figure_names, 0},
    {{"curve", QNN_KEY_ENUM, "abs_eps | loss", "training figure: plot |eps(t)| or the loss L(t)", "figure", 0}, OFF(curve), 0, 0, curve_names, 0},
    {{"stats", QNN_KEY_STRING, "comma list of: kernel_t0, kernel_rel_std_t0, kernel_rel_var_t0, lambda_min_t0, lambda_min_final, lambda_min_least, kernel_change_final, spectral_drift_final, abs_eps_final, eps_std_final, loss_final, entropy_t0, tdist_t0, grad_inf_var_t0, grad_var_t0, laziness_final, accuracy_final, test_accuracy_final, test_loss_final, hessian_frac_pos_final, hessian_min_final, hessian_max_final", "sweep figure: one panel per statistic", "figure", 0}, OFF(stats), 0, 0, NULL, QNN_TEXT_MAX - 1},
    {{"title", QNN_KEY_STRING, "text up to 255 bytes", "figure title", "figure", 0}, OFF(title), 0, 0, NULL, QNN_TEXT_MAX - 1},
};

#define NROWS (sizeof rows / sizeof rows[0])

static const char *const sweep_stats[] = { "kernel_t0", "kernel_rel_std_t0", "kernel_rel_var_t0", "lambda_min_t0",
                                           "lambda_min_final", "lambda_min_least", "kernel_change_final",
                                           "spectral_drift_final", "abs_eps_final", "eps_std_final",
                                           "loss_final", "entropy_t0", "tdist_t0", "grad_inf_var_t0",
                                           "grad_var_t0", "laziness_final", "accuracy_final",
                                           "test_accuracy_final", "test_loss_final", "hessian_frac_pos_final",
                                           "hessian_min_final", "hessian_max_final", NULL };

/* "model: random (LIU23 random circuit), periodic (...), ...": the help of
 * the key `model` from the registry. */
static const char *model_help(void)
{
    static char buf[4096];
    static size_t built;
    if (built == qnn_model_count())
        return buf;
    size_t k = (size_t)snprintf(buf, sizeof buf, "model class:");
    for (size_t i = 0; i < qnn_model_count() && k < sizeof buf; i++) {
        const qnn_model_class *c = qnn_model_at(i);
        k += (size_t)snprintf(buf + k, sizeof buf - k, "%s %s (%s)", i ? "," : "", c->name, c->help);
    }
    built = qnn_model_count();
    return buf;
}

const qnn_key_info *qnn_params_keys(size_t *count)
{
    static qnn_key_info infos[NROWS];
    static size_t listed;   /* qnn_model_count() when infos was written, 0: never */
    /* Written at the first call and again only after a class was
     * registered (which qnn/model.h asks to happen before other threads
     * use the registry), so the threads of a session only read it. The
     * key `model` lists the registry's classes. */
    if (listed != qnn_model_count()) {
        for (size_t i = 0; i < NROWS; i++)
            infos[i] = rows[i].info;
        infos[0].allowed = qnn_model_names();
        infos[0].help = model_help();
        listed = qnn_model_count();
    }
    if (count)
        *count = NROWS;
    return infos;
}

static const key_row *find_row(const char *name)
{
    for (size_t i = 0; i < NROWS; i++)
        if (strcmp(rows[i].info.name, name) == 0)
            return &rows[i];
    return NULL;
}

const qnn_key_info *qnn_params_key(const char *name)
{
    size_t n;
    const qnn_key_info *all = qnn_params_keys(&n);
    for (size_t i = 0; i < n; i++)
        if (strcmp(all[i].name, name) == 0)
            return &all[i];
    return NULL;
}

void qnn_params_default(qnn_params *p)
{
    memset(p, 0, sizeof *p);
    p->model = qnn_model_default();
    p->task = QNN_TASK_OPTIMISE;
    p->n = 4;
    p->L = 64;
    p->entangler = QNN_ENT_HAAR;
    p->depth = 4;
    p->n_obs = 10;
    p->O0 = 0.0;
    p->m = 1;
    p->inputs = QNN_INPUT_BASIS;
    p->labels = QNN_LABEL_PM1;
    p->measure[0] = '\0';
    p->resample = QNN_RESAMPLE_ALL;
    p->theta_init = QNN_INIT_UNIFORM;
    p->theta_scale = 1.0;
    p->gamma = 1.0;
    p->eta = 1e-3;
    p->sigma_theta = 0.0;
    p->steps = 1000;
    p->instances = 20;
    p->seed = 1;
    p->kernel_every = 1;
    p->beta = 1.0;
    p->gue_time = 10.0;
    p->qbm_normalise = 1;
    p->entropy_every = 1;
    p->record_every = 1;
    p->threads = 0;
    p->width = 64;
    p->activation = QNN_ACT_TANH;
    p->c_w = 1.0;
    p->c_b = 0.0;
    p->data = QNN_DATA_TEACHER;
    p->ansatz = QNN_ANSATZ_HEA;
    p->layers = 2;
    snprintf(p->rotations, sizeof p->rotations, "ry");
    p->standardise = 1;
    p->test_fraction = 0.25;
    p->split_seed = 1;
    p->n_in = 4;
    p->teacher_width = 16;
    p->classes = 2;
    p->lr_scale = QNN_LR_NTK;
    p->prune = 0.9;
    p->hessian = QNN_HESS_OFF;
    p->hessian_every = 10;
    p->slq_probes = 10;
    p->slq_steps = 80;
    p->hessian_bins = 60;
    p->hessian_budget = 0.25;
    p->proxy_cut = 0.4;
    p->proxy_scale = QNN_PROXY_ETA;
    p->ode_n = 4;
    p->ode_f = 1.0;
    p->carleman_order = 4;
    p->ode_tmax = 200.0;
    p->ode_points = 100;
    p->ode_u0 = 1.0;
    p->figure = QNN_FIG_TRAINING;
    p->curve = QNN_CURVE_ABS_EPS;
    p->stats[0] = '\0';
    p->title[0] = '\0';
}

/* ------------------------------------------------------------------------ */
/* Parsing                                                                  */
/* ------------------------------------------------------------------------ */

static void trim(const char *s, char *out, size_t len)
{
    while (*s && isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        n--;
    if (n >= len)
        n = len - 1;
    memcpy(out, s, n);
    out[n] = '\0';
}

/* The length trim() would copy before cutting it to fit. */
static size_t trimmed_len(const char *s)
{
    while (*s && isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        n--;
    return n;
}

/* Values are quoted up to VALUE_QUOTE bytes (a long label list is cut,
 * so that what is allowed still fits the message). */
#define VALUE_QUOTE (QNN_TEXT_MAX + 63)

/* s as a message quotes it (qnn_text_quote): control characters, C1 and
 * bytes that are not UTF-8 as \xNN, so a value holding ESC ] 0 ; ... BEL
 * cannot set the terminal's title when the message reaches stderr. A
 * quoted value takes at most QUOTE_CAP bytes (escapes take four for one),
 * as much as a plain one did, so that what is allowed still fits. */
#define QUOTE_CAP (VALUE_QUOTE + 16)
static const char *quoted(const char *s, size_t show, char *buf, size_t len)
{
    return qnn_text_quote(s ? s : "", s ? strlen(s) : 0, show, buf, len);
}

/* The refusal of one key's value: "key 'K': value 'V' WHAT; allowed: ...",
 * the key and the value quoted. */
static qnn_status fail(char *err, size_t errlen, qnn_status code, const char *key, const char *value,
                       const char *what, const char *allowed)
{
    char k[QNN_QUOTE_CAP(64)], v[QUOTE_CAP];
    return qnn_fail(err, errlen, code, "key '%s': value '%s' %s; allowed: %s", quoted(key, 64, k, sizeof k),
                    quoted(value, VALUE_QUOTE, v, sizeof v), what, allowed);
}

static int parse_double(const char *s, double *out)
{
    if (!*s)
        return -1;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (*end || errno == ERANGE || !isfinite(v))
        return -1;
    *out = v;
    return 0;
}

/* An integer: 0, -1 when s is not one, -2 when it is one (decimal
 * digits, or an integral number such as 1e5) beyond what any key allows
 * (|v| >= 9e18: the caller says "out of range", not "not an integer"). */
static int parse_long(const char *s, long long *out)
{
    if (!*s)
        return -1;
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (*end == '\0' && errno == 0) {
        *out = v;
        return 0;
    }
    if (*end == '\0' && errno == ERANGE)
        return -2;
    /* Accept integral values written in floating point, e.g. 1e5. */
    char *dend;
    errno = 0;
    double d = strtod(s, &dend);
    if (*dend || dend == s)
        return -1;
    if (errno == ERANGE && fabs(d) > 1.0)   /* 1e400: a whole number, too large */
        return -2;
    if (errno == ERANGE || !isfinite(d) || d != floor(d))
        return -1;
    if (fabs(d) >= 9e18)
        return -2;
    *out = (long long)d;
    return 0;
}

/* The spellings statistics had before they took one ("final_loss" is
 * "loss_final", as summary.json writes it): accepted on input. */
static const struct { const char *old, *name; } stat_aliases[] = {
    { "final_loss", "loss_final" }, { "final_abs_eps", "abs_eps_final" },
    { "final_eps_std", "eps_std_final" }, { "final_eps", "eps_final" },
};

const char *qnn_stat_name(const char *name)
{
    for (size_t i = 0; i < sizeof stat_aliases / sizeof stat_aliases[0]; i++)
        if (!strcmp(name, stat_aliases[i].old))
            return stat_aliases[i].name;
    return name;
}

int qnn_stats_canonical(const char *list, char *out, size_t len)
{
    char buf[QNN_TEXT_MAX + 64], t[64];
    if (snprintf(buf, sizeof buf, "%s", list) >= (int)sizeof buf)
        return -1;
    int alias = 0;
    char *save = NULL;
    for (char *tok = strtok_r(buf, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save))
        alias |= qnn_stat_name(tok) != tok;
    if (!alias)
        return snprintf(out, len, "%s", list) < (int)len ? 0 : -1;
    snprintf(buf, sizeof buf, "%s", list);
    size_t k = 0;
    out[0] = 0;
    for (char *tok = strtok_r(buf, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
        snprintf(t, sizeof t, "%s", qnn_stat_name(tok));
        int w = snprintf(out + k, len - k, "%s%s", k ? ", " : "", t);
        if (w < 0 || (size_t)w >= len - k)
            return -1;
        k += (size_t)w;
    }
    return 0;
}

static int check_stats(const char *v)
{
    char buf[QNN_TEXT_MAX + 64];
    snprintf(buf, sizeof buf, "%s", v);
    char *save = NULL;
    for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        char t[64];
        trim(tok, t, sizeof t);
        int ok = 0;
        for (const char *const *s = sweep_stats; *s; s++)
            if (strcmp(*s, qnn_stat_name(t)) == 0)
                ok = 1;
        if (!ok)
            return -1;
    }
    return 0;
}

/* The trimmed items of a comma list, one at a time: *s advances past the
 * item written into tok. 1 for an item, 0 at the end, -1 for an item that
 * does not fit tok. */
static int next_item(const char **s, int *done, char *tok, size_t len)
{
    if (*done)
        return 0;
    const char *comma = strchr(*s, ',');
    size_t n = comma ? (size_t)(comma - *s) : strlen(*s);
    if (n >= len)
        return -1;
    char raw[64];
    memcpy(raw, *s, n);
    raw[n] = '\0';
    trim(raw, tok, len);
    if (comma)
        *s = comma + 1;
    else
        *done = 1;
    return 1;
}

/* labels = y1, y2, ...: the supplied label vector. */
static int set_label_list(qnn_params *p, const char *value, char *err, size_t errlen)
{
    static const char allowed[] = "pm1, uniform, or a comma list of 1 .. 1024 numbers in -1e6 .. 1e6 (one per training state)";
    double v[QNN_MAX_LABELS];
    int n = 0, done = 0, rc;
    const char *s = value;
    char t[64];
    while ((rc = next_item(&s, &done, t, sizeof t)) != 0) {
        double x;
        if (rc < 0)
            return fail(err, errlen, QNN_E_KEY_TYPE, "labels", value, "has an entry that is not a number", allowed);
        if (parse_double(t, &x) != 0)
            return fail(err, errlen, QNN_E_KEY_TYPE, "labels", value, "is not pm1, uniform or a list of numbers", allowed);
        if (fabs(x) > 1e6)
            return fail(err, errlen, QNN_E_KEY_RANGE, "labels", value, "has an entry out of range", allowed);
        if (n >= QNN_MAX_LABELS)
            return fail(err, errlen, QNN_E_KEY_RANGE, "labels", value, "has too many entries", allowed);
        v[n++] = x;
    }
    p->labels = QNN_LABEL_LIST;
    p->nlabels = n;
    memcpy(p->label_list, v, (size_t)n * sizeof(double));
    return 0;
}

static qnn_status set_raw(qnn_params *p, const char *key_in, const char *value_in,
                          char *err, size_t errlen);

/* The keys whose values are comma lists (labels as a vector). */
static int is_list_key(const char *key)
{
    static const char *const lists[] = { "labels", "widths", "stats", "rotations", "features", "hessian_range", NULL };
    for (const char *const *k = lists; *k; k++)
        if (!strcmp(key, *k))
            return 1;
    return 0;
}

/* What every value of a known key must be before it is parsed: UTF-8
 * text (summary.json and the share string store it; jansson refuses a
 * string that is not UTF-8 and the key would be lost), and, for a comma
 * list, no empty entry (two commas in a row, one at the start or the end:
 * sweep lists and --grid refuse them alike), and no control character.
 * Unknown keys pass: their
 * refusal comes later. */
static qnn_status check_text(const char *key, const char *value, char *err, size_t errlen)
{
    const key_row *r = find_row(!strcmp(key, "p") ? "L" : !strcmp(key, "d") ? "n" : key);
    if (!r)
        return QNN_OK;
    const char *allowed = !strcmp(key, "d") ? "2, 4, 8, ... 16777216 (d = 2^n)" : r->info.allowed;
    size_t len = strlen(value), bad;
    if (!qnn_utf8_valid(value, len, &bad)) {
        char what[160], al[1024];
        snprintf(what, sizeof what, "is not UTF-8 text (byte %zu of %zu, \\x%02X, is not part of a UTF-8 character)",
                 bad + 1, len, (unsigned char)value[bad]);
        snprintf(al, sizeof al, "%s, in UTF-8", allowed);
        return fail(err, errlen, QNN_E_KEY_TYPE, key, value, what, al);
    }
    /* no control characters either (C0, DEL, C1): no value needs one, and
     * every message, title and file name that shows a value later is
     * then safe to print as it is (the blanks around a value are trimmed,
     * not refused) */
    size_t lo = 0, hi = len;
    while (lo < hi && isspace((unsigned char)value[lo]))
        lo++;
    while (hi > lo && isspace((unsigned char)value[hi - 1]))
        hi--;
    for (size_t i = lo; i < hi; i++) {
        const unsigned char *u = (const unsigned char *)value + i;
        if (*u < 0x20 || *u == 0x7f || (*u == 0xc2 && i + 1 < hi && u[1] >= 0x80 && u[1] <= 0x9f)) {
            char what[160], al[1024];
            snprintf(what, sizeof what, "holds a control character (byte %zu, \\x%02X%s)", i + 1, *u,
                     *u == 0xc2 ? " starts the C1 control" : "");
            snprintf(al, sizeof al, "%s, without control characters", allowed);
            return fail(err, errlen, QNN_E_KEY_TYPE, key, value, what, al);
        }
    }
    if (!is_list_key(key) || trimmed_len(value) == 0)
        return QNN_OK;
    int entry = 1;
    const char *s = value;
    for (;;) {
        const char *comma = strchr(s, ',');
        size_t n = comma ? (size_t)(comma - s) : strlen(s);
        int blank = 1;
        for (size_t i = 0; i < n; i++)
            blank &= isspace((unsigned char)s[i]) != 0;
        if (blank) {
            char what[160];
            snprintf(what, sizeof what, "has an empty entry (entry %d: two commas in a row, or one at the start or the end)", entry);
            return fail(err, errlen, QNN_E_KEY_TYPE, key, value, what, allowed);
        }
        if (!comma)
            return QNN_OK;
        s = comma + 1;
        entry++;
    }
}

/* widths = n_1, n_2, ...: the hidden widths of model mlp ("" clears). */
static int set_widths(qnn_params *p, const char *value, char *err, size_t errlen)
{
    static const char allowed[] = "empty, or a comma list of 1 .. 32 hidden widths, each 1 .. 65536";
    int w[QNN_MLP_MAX_HIDDEN], n = 0;
    if (!*value) {
        p->nwidths = 0;
        return 0;
    }
    const char *s = value;
    int done = 0, rc;
    char t[64];
    while ((rc = next_item(&s, &done, t, sizeof t)) != 0) {
        long long x;
        int pr = rc < 0 ? -1 : parse_long(t, &x);
        if (pr == -1)
            return fail(err, errlen, QNN_E_KEY_TYPE, "widths", value, "has an entry that is not an integer", allowed);
        if (pr == -2 || x < 1 || x > 65536)
            return fail(err, errlen, QNN_E_KEY_RANGE, "widths", value, "has a width out of range (a layer needs at least one unit)", allowed);
        if (n >= QNN_MLP_MAX_HIDDEN)
            return fail(err, errlen, QNN_E_KEY_RANGE, "widths", value, "has too many layers", allowed);
        w[n++] = (int)x;
    }
    p->nwidths = n;
    memcpy(p->widths, w, (size_t)n * sizeof(int));
    return 0;
}

/* hessian_range = auto | lo, hi */
static int set_hessian_range(qnn_params *p, const char *value, char *err, size_t errlen)
{
    static const char allowed[] = "auto, or two numbers lo, hi with lo < hi";
    if (strcmp(value, "auto") == 0 || !*value) {
        p->hessian_lo = p->hessian_hi = 0.0;
        return 0;
    }
    const char *comma = strchr(value, ',');
    if (!comma || strchr(comma + 1, ','))
        return fail(err, errlen, QNN_E_KEY_TYPE, "hessian_range", value, "is not auto or a pair of numbers", allowed);
    char a[64], b[64], t[64];
    size_t len = (size_t)(comma - value);
    if (len >= sizeof a || strlen(comma + 1) >= sizeof b)
        return fail(err, errlen, QNN_E_KEY_TYPE, "hessian_range", value, "is not auto or a pair of numbers", allowed);
    memcpy(t, value, len);
    t[len] = '\0';
    trim(t, a, sizeof a);
    trim(comma + 1, b, sizeof b);
    double lo, hi;
    if (parse_double(a, &lo) != 0 || parse_double(b, &hi) != 0)
        return fail(err, errlen, QNN_E_KEY_TYPE, "hessian_range", value, "is not auto or a pair of numbers", allowed);
    if (!(lo < hi))
        return fail(err, errlen, QNN_E_KEY_RANGE, "hessian_range", value, "has lo >= hi", allowed);
    p->hessian_lo = lo;
    p->hessian_hi = hi;
    return 0;
}

/* After key `key` (trimmed) was set in q from the value written `shown`:
 * n, n_v and n_h. The last of n (or d) and n_v says whether n is the whole
 * register or follows n_v + n_h; either way the order of the keys in a
 * preset does not matter for the result. */
static qnn_status set_register(qnn_params *q, const char *key, const char *shown, char *err, size_t errlen)
{
    if (!strcmp(key, "n") || !strcmp(key, "d"))
        q->n_v = 0;
    if (q->n_v > 0 && (!strcmp(key, "n_v") || !strcmp(key, "n_h"))) {
        if (q->n_v + q->n_h > QNN_MAX_QUBITS) {
            char v[QNN_QUOTE_CAP(64)];
            quoted(shown, 60, v, sizeof v);
            return qnn_fail(err, errlen, QNN_E_RELATION, "key '%s': value '%s' makes n_v + n_h = %d + %d qubits; allowed: n_v + n_h <= %d",
                            key, v, q->n_v, q->n_h, QNN_MAX_QUBITS);
        }
        q->n = q->n_v + q->n_h;
    }
    return QNN_OK;
}

/* The key, trimmed into key[64]; QNN_E_KEY_UNKNOWN when it is longer. */
static qnn_status trim_key(const char *key_in, char key[64], char *err, size_t errlen)
{
    if (trimmed_len(key_in ? key_in : "") >= 64) {   /* cut short, it could read as a key */
        char k[QNN_QUOTE_CAP(40)];
        return qnn_fail(err, errlen, QNN_E_KEY_UNKNOWN, "unknown key '%s' (%zu bytes); allowed: a key listed by `qnnlab --help`",
                        quoted(key_in, 40, k, sizeof k), trimmed_len(key_in));
    }
    trim(key_in ? key_in : "", key, 64);
    return QNN_OK;
}

qnn_status qnn_params_set(qnn_params *p, const char *key_in, const char *value_in,
                          char *err, size_t errlen)
{
    char key[64];
    qnn_status st = trim_key(key_in, key, err, errlen);
    if (st != QNN_OK)
        return st;
    qnn_params q = *p;
    if ((st = set_raw(&q, key, value_in, err, errlen)) != QNN_OK ||
        (st = set_register(&q, key, value_in ? value_in : "", err, errlen)) != QNN_OK)
        return st;
    *p = q;
    return QNN_OK;
}

/* Integer keys are written whole; doubles (and a fraction given for an
 * integer key, for its refusal) as %.6g when that reads back to the same
 * bits (what a slider always sends), else with the fewest digits that do. */
void qnn_params_number_text(const char *key, double v, char *buf, size_t len)
{
    const qnn_key_info *k = qnn_params_key(key);
    if (!isfinite(v) || ((!k || k->type != QNN_KEY_DOUBLE) && v == floor(v))) {
        snprintf(buf, len, "%.0f", v);
        return;
    }
    for (int prec = 6; prec <= 17; prec++) {
        snprintf(buf, len, "%.*g", prec, v);
        double w = strtod(buf, NULL);
        if (memcmp(&w, &v, sizeof v) == 0)
            return;
    }
}

qnn_status qnn_params_set_number(qnn_params *p, const char *key_in, double v, char *err, size_t errlen)
{
    char key[64], text[64];
    qnn_status st = trim_key(key_in, key, err, errlen);
    if (st != QNN_OK)
        return st;
    const key_row *r = find_row(key);
    qnn_params_number_text(key, v, text, sizeof text);
    /* keys that are not one plain number (aliases, enums, strings, lists,
     * prune's half-open range) take the text of the value */
    if (!r || !strcmp(key, "prune") || r->info.type == QNN_KEY_ENUM || r->info.type == QNN_KEY_STRING)
        return qnn_params_set(p, key, text, err, errlen);
    qnn_params q = *p;
    char *base = (char *)&q + r->offset;
    const int whole = isfinite(v) && v == floor(v);
    switch (r->info.type) {
    case QNN_KEY_INT:
    case QNN_KEY_LONG:
        if (!whole)
            return fail(err, errlen, QNN_E_KEY_TYPE, key, text, "is not an integer", r->info.allowed);
        if (fabs(v) >= 9e18 || v < r->lo || v > r->hi)
            return fail(err, errlen, QNN_E_KEY_RANGE, key, text, "is out of range", r->info.allowed);
        if (r->info.type == QNN_KEY_INT)
            *(int *)base = (int)v;
        else
            *(long *)base = (long)v;
        break;
    case QNN_KEY_U64:
        if (!whole || v < 0)
            return fail(err, errlen, QNN_E_KEY_TYPE, key, text, "is not an unsigned integer", r->info.allowed);
        if (v >= 18446744073709551616.0)
            return fail(err, errlen, QNN_E_KEY_RANGE, key, text, "is out of range", r->info.allowed);
        *(uint64_t *)base = (uint64_t)v;
        break;
    default:   /* QNN_KEY_DOUBLE */
        if (!isfinite(v))
            return fail(err, errlen, QNN_E_KEY_TYPE, key, text, "is not a finite number", r->info.allowed);
        if (v < r->lo || v > r->hi)
            return fail(err, errlen, QNN_E_KEY_RANGE, key, text, "is out of range", r->info.allowed);
        *(double *)base = v;
        break;
    }
    if ((st = set_register(&q, key, text, err, errlen)) != QNN_OK)
        return st;
    *p = q;
    return QNN_OK;
}

static qnn_status set_raw(qnn_params *p, const char *key_in, const char *value_in,
                          char *err, size_t errlen)
{
    char key[64], value[QNN_TEXT_MAX + 64];
    trim(key_in ? key_in : "", key, sizeof key);
    trim(value_in ? value_in : "", value, sizeof value);
    qnn_status st = check_text(key, value_in ? value_in : "", err, errlen);
    if (st != QNN_OK)
        return st;
    if (trimmed_len(value_in ? value_in : "") >= sizeof value) {
        /* a label list may be longer (1024 numbers; qnn_params_get writes
         * them so); any other value would be cut short: refused */
        if (strcmp(key, "labels") == 0)
            return set_label_list(p, value_in, err, errlen);
        const key_row *r = find_row(strcmp(key, "p") == 0 ? "L" : key);
        if (!r && strcmp(key, "d") != 0) {
            char k[QNN_QUOTE_CAP(64)], v[QNN_QUOTE_CAP(40)];
            return qnn_fail(err, errlen, QNN_E_KEY_UNKNOWN, "unknown key '%s' (value '%s'); allowed: a key listed by `qnnlab --help`",
                            quoted(key, 64, k, sizeof k), quoted(value, 40, v, sizeof v));
        }
        char what[64];
        snprintf(what, sizeof what, "is longer than %zu bytes", sizeof value - 1);
        return fail(err, errlen, QNN_E_KEY_TYPE, key, value_in, what, r ? r->info.allowed : "2, 4, 8, ... 16777216 (d = 2^n)");
    }

    /* Aliases from the papers' notation. */
    if (strcmp(key, "d") == 0) {
        long long v;
        int pr = parse_long(value, &v);
        if (pr == -1)
            return fail(err, errlen, QNN_E_KEY_TYPE, "d", value, "is not an integer", "2, 4, 8, ... 16777216 (d = 2^n)");
        if (pr == -2 || v < 2 || v > (1LL << QNN_MAX_QUBITS) || (v & (v - 1)) != 0)
            return fail(err, errlen, QNN_E_KEY_RANGE, "d", value, "is not a power of two in range", "2, 4, 8, ... 16777216 (d = 2^n)");
        int n = 0;
        while ((1LL << n) < v)
            n++;
        p->n = n;
        return 0;
    }
    if (strcmp(key, "p") == 0)
        key[0] = 'L', key[1] = '\0';

    if (strcmp(key, "labels") == 0 && strcmp(value, "pm1") != 0 && strcmp(value, "uniform") != 0)
        return set_label_list(p, value, err, errlen);
    if (strcmp(key, "widths") == 0)
        return set_widths(p, value, err, errlen);
    if (strcmp(key, "data") == 0 && *value) {
        int named = 0;
        for (const enum_entry *e = data_kind_names; e->name; e++)
            named |= strcmp(e->name, value) == 0;
        if (!named) {   /* a CSV file (the circuit model reads it) */
            for (const char *c = value; *c; c++)
                if ((unsigned char)*c < 0x20 || *c == 0x7f)
                    return fail(err, errlen, QNN_E_KEY_TYPE, "data", value, "holds a control character", "teacher | sin1d | bump2d | spirals (mlp); none | a path to a CSV file (circuit)");
            if (strlen(value) >= sizeof p->data_file)
                return fail(err, errlen, QNN_E_KEY_TYPE, "data", value, "is too long", "a path of at most 255 bytes");
            p->data = QNN_DATA_FILE;
            memcpy(p->data_file, value, strlen(value) + 1);
            return 0;
        }
    }
    if (strcmp(key, "hessian_range") == 0)
        return set_hessian_range(p, value, err, errlen);
    if (strcmp(key, "prune") == 0) {
        double v;
        if (parse_double(value, &v) != 0)
            return fail(err, errlen, QNN_E_KEY_TYPE, "prune", value, "is not a finite number", "0 .. 1 (1 excluded: a fraction of the weights to zero)");
        if (!(v >= 0.0 && v < 1.0))
            return fail(err, errlen, QNN_E_KEY_RANGE, "prune", value, "is out of range", "0 <= prune < 1 (a fraction of the weights to zero; 1 would delete the network)");
        p->prune = v;
        return 0;
    }

    const key_row *r = find_row(key);
    if (!r) {
        char k[QNN_QUOTE_CAP(64)], v[QUOTE_CAP];
        return qnn_fail(err, errlen, QNN_E_KEY_UNKNOWN, "unknown key '%s' (value '%s'); allowed: a key listed by `qnnlab --help`",
                        quoted(key, 64, k, sizeof k), quoted(value, VALUE_QUOTE, v, sizeof v));
    }
    char *base = (char *)p + r->offset;
    const char *name = r->info.name;
    switch (r->info.type) {
    case QNN_KEY_INT:
    case QNN_KEY_LONG: {
        long long v;
        int pr = parse_long(value, &v);
        if (pr == -1)
            return fail(err, errlen, QNN_E_KEY_TYPE, name, value, "is not an integer", r->info.allowed);
        if (pr == -2 || (double)v < r->lo || (double)v > r->hi)
            return fail(err, errlen, QNN_E_KEY_RANGE, name, value, "is out of range", r->info.allowed);
        if (r->info.type == QNN_KEY_INT)
            *(int *)base = (int)v;
        else
            *(long *)base = (long)v;
        return 0;
    }
    case QNN_KEY_U64: {
        if (!*value || value[0] == '-')
            return fail(err, errlen, QNN_E_KEY_TYPE, name, value, "is not an unsigned integer", r->info.allowed);
        char *end;
        errno = 0;
        unsigned long long v = strtoull(value, &end, 10);
        if (!*end && errno == ERANGE && isdigit((unsigned char)value[0]))
            return fail(err, errlen, QNN_E_KEY_RANGE, name, value, "is out of range", r->info.allowed);
        if (*end || errno)
            return fail(err, errlen, QNN_E_KEY_TYPE, name, value, "is not an unsigned integer", r->info.allowed);
        *(uint64_t *)base = (uint64_t)v;
        return 0;
    }
    case QNN_KEY_DOUBLE: {
        double v;
        if (parse_double(value, &v) != 0)
            return fail(err, errlen, QNN_E_KEY_TYPE, name, value, "is not a finite number", r->info.allowed);
        if (v < r->lo || v > r->hi)
            return fail(err, errlen, QNN_E_KEY_RANGE, name, value, "is out of range", r->info.allowed);
        *(double *)base = v;
        return 0;
    }
    case QNN_KEY_ENUM:
        if (!r->enums) {   /* the key `model`: a registered class */
            const qnn_model_class *c = qnn_model_find(value);
            if (!c)
                return fail(err, errlen, QNN_E_KEY_TYPE, name, value, "is not one of the choices", qnn_model_names());
            p->model = c;
            return 0;
        }
        for (const enum_entry *e = r->enums; e->name; e++)
            if (strcmp(e->name, value) == 0) {
                *(int *)base = e->value;
                return 0;
            }
        return fail(err, errlen, QNN_E_KEY_TYPE, name, value, "is not one of the choices", r->info.allowed);
    case QNN_KEY_STRING:
        if (strlen(value) > r->maxlen)
            return fail(err, errlen, QNN_E_KEY_TYPE, name, value, "is too long", r->info.allowed);
        if (strcmp(name, "measure") == 0 && *value) {
            /* the letters of a Pauli string or the tokens of a Pauli sum
             * (the model's check parses it against n) */
            for (const char *c = value; *c; c++)
                if (!strchr("IXYZixyz0123456789.+-*;eE ()", *c))
                    return fail(err, errlen, QNN_E_KEY_TYPE, name, value, "is not a Pauli string or a sum of them", r->info.allowed);
        }
        if (strcmp(name, "stats") == 0) {
            char canon[QNN_TEXT_MAX];
            if (check_stats(value) != 0)
                return fail(err, errlen, QNN_E_KEY_TYPE, name, value, "names an unknown statistic", r->info.allowed);
            if (qnn_stats_canonical(value, canon, sizeof canon) != 0)
                return fail(err, errlen, QNN_E_KEY_RANGE, name, value, "is too long", r->info.allowed);
            memcpy(base, canon, strlen(canon) + 1);
            return 0;
        }
        if (strcmp(name, "circuit") == 0 && *value) {
            /* the file is read now: a malformed one is refused where it is
             * named, and n follows its qubits (a later n must agree: the
             * model's check) */
            qnn_qc *qc = NULL;
            int rc = qnn_qasm_read(value, &qc, err, errlen);
            if (rc != 0)
                return qnn_status_of(rc);
            p->n = qc->n;
            p->n_v = 0;
            qnn_qc_free(qc);
        }
        memcpy(base, value, strlen(value) + 1);
        return 0;
    }
    return fail(err, errlen, QNN_E_KEY_TYPE, name, value, "cannot be set", r->info.allowed);
}

int qnn_params_get(const qnn_params *p, const char *key, char *buf, size_t len)
{
    const key_row *r = find_row(key);
    if (!r)
        return -1;
    if (strcmp(key, "widths") == 0) {
        size_t off = 0;
        buf[0] = '\0';
        for (int i = 0; i < p->nwidths && off < len; i++) {
            int w = snprintf(buf + off, len - off, "%s%d", i ? ", " : "", p->widths[i]);
            if (w < 0)
                break;
            off += (size_t)w;
        }
        return 0;
    }
    if (strcmp(key, "hessian_range") == 0) {
        if (p->hessian_lo < p->hessian_hi)
            snprintf(buf, len, "%.17g, %.17g", p->hessian_lo, p->hessian_hi);
        else
            snprintf(buf, len, "auto");
        return 0;
    }
    if (strcmp(key, "labels") == 0 && p->labels == QNN_LABEL_LIST) {
        size_t off = 0;
        buf[0] = '\0';
        for (int i = 0; i < p->nlabels && off < len; i++) {
            int w = snprintf(buf + off, len - off, "%s%.17g", i ? ", " : "", p->label_list[i]);
            if (w < 0)
                break;
            off += (size_t)w;
        }
        return 0;
    }
    if (strcmp(key, "data") == 0 && p->data == QNN_DATA_FILE) {
        snprintf(buf, len, "%s", p->data_file);
        return 0;
    }
    const char *base = (const char *)p + r->offset;
    switch (r->info.type) {
    case QNN_KEY_INT: snprintf(buf, len, "%d", *(const int *)base); break;
    case QNN_KEY_LONG: snprintf(buf, len, "%ld", *(const long *)base); break;
    case QNN_KEY_U64: snprintf(buf, len, "%" PRIu64, *(const uint64_t *)base); break;
    case QNN_KEY_DOUBLE: snprintf(buf, len, "%.17g", *(const double *)base); break;
    case QNN_KEY_ENUM:
        snprintf(buf, len, "%s", r->enums ? enum_name(r->enums, *(const int *)base) : qnn_model_name(p->model));
        break;
    case QNN_KEY_STRING: snprintf(buf, len, "%s", base); break;
    }
    return 0;
}
