/* The plain parameter struct every run is built from, and the table of keys
 * that presets, --set overrides and the faces use to change it. Every key is
 * validated when it is set (type and range) and the whole struct once more
 * by qnn_params_check (relations between keys, memory). Nothing here prints:
 * errors come back as one line in a caller-supplied buffer naming the key,
 * the value and what is allowed. */
#ifndef QNN_PARAMS_H
#define QNN_PARAMS_H

#include <stddef.h>
#include <stdint.h>
#include "qnn/status.h"

/* A model class (qnn/model.h): the key `model` names one. */
typedef struct qnn_model_class qnn_model_class;
typedef enum { QNN_TASK_OPTIMISE = 0, QNN_TASK_SUPERVISED = 1 } qnn_task;
typedef enum { QNN_ENT_HAAR = 0, QNN_ENT_BRICKWORK = 1 } qnn_entangler;
typedef enum { QNN_INPUT_BASIS = 0, QNN_INPUT_RANDOM = 1 } qnn_inputs;
typedef enum { QNN_LABEL_PM1 = 0, QNN_LABEL_UNIFORM = 1, QNN_LABEL_LIST = 2 } qnn_labels;
typedef enum { QNN_INIT_UNIFORM = 0, QNN_INIT_ZERO = 1, QNN_INIT_NORMAL = 2 } qnn_init;
typedef enum { QNN_FIG_TRAINING = 0, QNN_FIG_SWEEP = 1, QNN_FIG_COMPARE = 2,
               QNN_FIG_RATE = 3, QNN_FIG_HISTOGRAM = 4, QNN_FIG_HESSIAN = 5,
               QNN_FIG_CARLEMAN = 6 } qnn_figure_kind;
typedef enum { QNN_OBJ_OBSERVABLE = 0, QNN_OBJ_FIDELITY = 1 } qnn_objective;
typedef enum { QNN_M0_HAAR = 0, QNN_M0_CIRCUIT = 1, QNN_M0_FILE = 2 } qnn_m0_init;
typedef enum { QNN_INTEG_CAYLEY = 0, QNN_INTEG_MIDPOINT = 1, QNN_INTEG_EULER = 2 } qnn_integrator;
typedef enum { QNN_RESAMPLE_ALL = 0, QNN_RESAMPLE_THETA = 1 } qnn_resample;
typedef enum { QNN_CURVE_ABS_EPS = 0, QNN_CURVE_LOSS = 1 } qnn_curve;
typedef enum { QNN_ACT_TANH = 0, QNN_ACT_RELU = 1, QNN_ACT_LINEAR = 2, QNN_ACT_QUADRATIC = 3 } qnn_activation_kind;
typedef enum { QNN_DATA_TEACHER = 0, QNN_DATA_SIN1D = 1, QNN_DATA_BUMP2D = 2, QNN_DATA_SPIRALS = 3,
               QNN_DATA_NONE = 4,   /* circuit: no data (optimise one output) */
               QNN_DATA_FILE = 5    /* circuit: the CSV file data_file */ } qnn_data_kind;
typedef enum { QNN_ANSATZ_HEA = 0, QNN_ANSATZ_QAOA = 1 } qnn_ansatz_kind;
typedef enum { QNN_LR_NTK = 0, QNN_LR_STANDARD = 1 } qnn_lr_scale;
typedef enum { QNN_HESS_OFF = 0, QNN_HESS_AUTO = 1, QNN_HESS_EXACT = 2, QNN_HESS_SLQ = 3 } qnn_hessian_mode;
typedef enum { QNN_PROXY_ETA = 0, QNN_PROXY_ONE = 1 } qnn_proxy_scale;

#define QNN_PAULI_STR_MAX 32
#define QNN_TEXT_MAX 256
#define QNN_MAX_LABELS 1024
#define QNN_MLP_MAX_HIDDEN 32     /* hidden layers of model mlp */
#define QNN_HESSIAN_EXACT_AUTO 1024 /* hessian = auto: exact up to this many parameters */
#define QNN_HESSIAN_EXACT_MAX 4096  /* hessian = exact: refused beyond (P² doubles, O(P³)) */
#define QNN_HESSIAN_AUTO_WORK 536870912.0 /* hessian = auto, circuit models: exact while P² D² <= 2^29
                                             (n = 6, L = 256: 0.6 s; L = 1024: 36 s) */

typedef struct qnn_params {
    /* model */
    const qnn_model_class *model; /* the class (qnn/model.h); never NULL */
    qnn_task task;            /* models with QNN_CAP_TASK */
    int n;                    /* qubits, D = 2^n: n_v = n - n_h visible + n_h hidden */
    int n_h;                  /* hidden qubits (the most significant ones); objectives
                                 act on the n_v visible qubits 0 .. n_v - 1 */
    int n_v;                  /* 0: n is the whole register (n_v = n - n_h); > 0: set
                                 by the key n_v, and n = n_v + n_h follows n_h (so a
                                 sweep over n_h keeps the visible qubits) */
    int cut;                  /* n_h = 0: visible side of the entropy cut (0 = n/2) */
    int entropy_bits;         /* entropy observer in bits instead of nats */
    int L;                    /* parameters (random: rotations; periodic: p layers) */
    qnn_entangler entangler;  /* random model: W_l dense Haar or brickwork */
    int depth;                /* brickwork layers per W_l */
    int n_obs;                /* Pauli terms in the observable O (random) */
    qnn_objective objective;  /* random/hidden: <O ⊗ I> or the fidelity <φ|ρ_v|φ>
                                 with a Haar-random visible target φ (OME) */
    double O0;                /* target value of the optimisation task */
    int m;                    /* training states |A| (random supervised) or m (periodic) */
    qnn_inputs inputs;        /* random supervised: basis states or a random orthonormal set */
    qnn_labels labels;        /* ±1 (half each), U(-1, 1), or the list below */
    int nlabels;              /* labels = list: the supplied label vector */
    double label_list[QNN_MAX_LABELS];
    /* asymptotic / frozen models (YOU23 Eqs. 119-121) */
    qnn_m0_init m0_init;      /* M(0): Eq. 120 Haar, the periodic circuit's
                                 γU(θ0)†M0U(θ0) (same seed, index, p), or a file */
    char m0_file[QNN_TEXT_MAX];
    qnn_integrator integrator;
    /* qbm (OME §II, App. C): ρ = e^{-β H(θ)}/Z over the C1 terms */
    double beta;              /* temperature-like scale, > 0 */
    int qbm_normalise;        /* divide θ(0) by ‖H(θ(0))‖_op */
    double gue_time;          /* gue: |ψ> = e^{-iHt}|0…0>, H from the GUE (OME Fig. 4a) */
    char measure[QNN_TEXT_MAX]; /* periodic: Pauli string M0, "" = Z on qubit 0;
                                   circuit: Pauli sums, one per output (';') */
    /* circuit: a user's gate-level circuit (docs/CIRCUITS.md) */
    char circuit[QNN_TEXT_MAX];   /* an OpenQASM 3 file; "" = the ansatz below */
    qnn_ansatz_kind ansatz;       /* hea | qaoa */
    int layers;                   /* ansatz layers */
    char rotations[32];           /* hea: rotations per layer, "ry" or "ry,rz" */
    int entangling;               /* hea: qnn_entgate (0 cz, 1 cx) */
    int topology;                 /* hea: qnn_topology (0 line, 1 ring) */
    char cost[QNN_TEXT_MAX];      /* qaoa: the Pauli-sum cost ("" = ring ZZ) */
    char measure_file[QNN_TEXT_MAX]; /* circuit: observables from a file */
    char data_file[QNN_TEXT_MAX]; /* data = a CSV file: its path */
    char features[QNN_TEXT_MAX];  /* CSV columns used as features ("" = all
                                     but the label) */
    char label[72];               /* CSV label column ("" = the last; a column
                                     name has at most QNN_DATA_MAX_NAME bytes) */
    int problem;                  /* qnn_problem: auto, regression, classification */
    int standardise;              /* 1: features to mean 0, sd 1 (training rows) */
    double test_fraction;         /* rows held out for the test loss and accuracy */
    uint64_t split_seed;          /* the train/test split */
    int batch;                    /* mini-batch size (0 = the full training set) */
    int encoding;                 /* angle encoding of the features: 0 ry, 1 rx */
    qnn_resample resample;    /* all: every instance draws its own circuit; theta:
                                 one circuit (W, P, O, data) shared by all
                                 instances, only the angles differ (LIU23) */
    qnn_init theta_init;      /* initial angles: U[0, 2π), zero, N(0, theta_scale²) */
    double theta_scale;
    /* optimiser */
    double gamma;             /* measurement scale γ */
    double eta;               /* learning rate η */
    int eta_per_L;            /* 1: the step uses η/L (YOU23's η = 10⁻³/p) */
    double sigma_theta;       /* parameter noise σ_θ per step */
    /* mlp (LLJ App. A; LIU24 §III): L hidden layers of `width` units (or the
     * list `widths`), n_0 from the data, n_L = 1 (regression) or the classes */
    int width;
    int nwidths;              /* > 0: the hidden widths below override L and width */
    int widths[QNN_MLP_MAX_HIDDEN];
    qnn_activation_kind activation;
    double c_w, c_b;          /* LeCun init: E W² = c_w / n_{l-1}, E b² = c_b */
    qnn_data_kind data;
    int n_in;                 /* data = teacher: input dimension n_0 */
    int teacher_width;        /* data = teacher: hidden width of the teacher */
    int classes;              /* data = spirals: classes k (one-hot outputs) */
    int n_test;               /* held-out samples for the test accuracy (spirals) */
    qnn_lr_scale lr_scale;    /* ntk: weights of layer l step with eta / n_{l-1} */
    /* sparse training (LIU24 §III.B), mlp only */
    double prune;             /* fraction of the weights set to 0 by magnitude */
    int prune_every;          /* prune at steps P, 2P, ... (0 = never) */
    int prune_classical;      /* steps after each pruning trained "classically" */
    /* Hessian of the loss (docs/PHYSICS.md) and the LIU24 error proxy */
    qnn_hessian_mode hessian;
    int hessian_every;        /* spectrum every k steps (and at step 0, the last
                                 step and every upload) */
    int slq_probes, slq_steps;
    int hessian_bins;
    double hessian_lo, hessian_hi; /* histogram range; lo >= hi: automatic */
    double hessian_budget;    /* live faces: largest fraction of wall time spent
                                 on Hessians (0 = no limit; headless ignores it) */
    double proxy_cut;         /* keep |a| >= cut (LIU24 Eq. III.12: 0.4) */
    qnn_proxy_scale proxy_scale; /* a = -eta lambda (eta) or -lambda (one) */
    /* model carleman (LIU24 App. III.C, Fig. 4) */
    int ode_n;                /* dimension of u */
    double ode_f;             /* fraction of dissipative modes */
    int carleman_order;       /* orders N = 1 .. carleman_order */
    double ode_tmax;          /* errors at ode_points log-spaced times up to ode_tmax */
    int ode_points;
    double ode_u0;            /* u(0) ~ U(-ode_u0, ode_u0)^n */
    /* run */
    long steps;
    int instances;
    uint64_t seed;
    int kernel_every;         /* kernel eigenvalues every k steps (and at step 0) */
    int entropy_every;        /* entanglement observers every k steps (and at step 0
                                 and the last step) on recorded steps */
    int record_every;         /* rows in trace.csv every k steps (and the last) */
    int record_residuals;     /* 1: keep the residual vector r(t) at every record
                                 (trace.csv columns r_1 .. r_m) */
    int threads;              /* worker threads over instances, 0 = all cores */
    /* presentation */
    qnn_figure_kind figure;
    qnn_curve curve;          /* training figure: |ε(t)| or the loss */
    char stats[QNN_TEXT_MAX]; /* sweep figure: comma list of statistics, one panel each */
    char title[QNN_TEXT_MAX];
} qnn_params;

typedef enum { QNN_KEY_INT, QNN_KEY_LONG, QNN_KEY_U64, QNN_KEY_DOUBLE,
               QNN_KEY_ENUM, QNN_KEY_STRING } qnn_key_type;

typedef struct qnn_key_info {
    const char *name;
    qnn_key_type type;
    const char *allowed;      /* human-readable allowed values/range */
    const char *help;         /* one line */
    const char *section;      /* preset section it belongs to */
    int sweepable;            /* may appear in a [sweep] list */
} qnn_key_info;

/* Defaults: the `default` preset's model before its file is applied. */
void qnn_params_default(qnn_params *p);

/* Sets one key from its text value, checking type and range. Aliases:
 * d = 2^n (sets n; must be a power of two), p = L. Returns QNN_OK, or
 * QNN_E_KEY_UNKNOWN, QNN_E_KEY_TYPE (not a number, not one of the
 * choices...), QNN_E_KEY_RANGE or QNN_E_RELATION (n_v + n_h too large) with
 * "key 'K': value 'V' ...; allowed: ..." in err; p is unchanged then. */
qnn_status qnn_params_set(qnn_params *p, const char *key, const char *value,
                          char *err, size_t errlen);

/* The same for a value that is a number already (a slider): the key
 * table's checks without parsing text, the value kept bit for bit (an
 * integer key needs a whole v). Keys that are not one number (enums,
 * strings, lists, aliases) take qnn_params_number_text's text of v. The
 * messages are those qnn_params_set gives for that text. */
qnn_status qnn_params_set_number(qnn_params *p, const char *key, double v,
                                 char *err, size_t errlen);

/* The text of the number v as a value of `key`, which qnn_params_set reads
 * back to the same value: integer keys whole ("80"), doubles as %.6g when
 * that reads back to the same bits ("0.002662"), else with the fewest
 * digits up to 17 that do. */
void qnn_params_number_text(const char *key, double v, char *buf, size_t len);

/* Bytes of buf that qnn_params_get needs for the longest value of any key
 * (a labels list of QNN_MAX_LABELS numbers): a smaller buf cuts it. */
#define QNN_PARAMS_GET_MAX 65536

/* Writes the canonical text of a key's current value into buf. Returns 0, or
 * -1 for an unknown key. */
int qnn_params_get(const qnn_params *p, const char *key, char *buf, size_t len);

/* Checks relations between keys (m <= D, periodic needs n >= 1 and a Pauli
 * of length n, ...) and the memory a run needs against `mem_limit` bytes
 * (0 = no limit). Returns QNN_OK, or QNN_E_RELATION, QNN_E_SIZE (memory,
 * dense limits), QNN_E_FILE (m0_file) or the class's code with a message
 * in err. */
qnn_status qnn_params_check(const qnn_params *p, size_t mem_limit, char *err, size_t errlen);

/* Bytes one instance needs (circuit, states, Jacobian), and a whole run
 * with `threads` instances alive at once plus what every instance keeps
 * until the files are written: its records (sizeof(qnn_obs) each, steps /
 * record_every + 2 of them), residuals, Hessian spectra and kernel at
 * step 0, and the analysis' arrays. SIZE_MAX when it does not fit a
 * size_t. qnn_params_check refuses a run past its limit naming the key
 * that drives the size (steps for the records, n or L for a circuit, width
 * for an mlp, hessian for its observer, ...). */
size_t qnn_params_instance_bytes(const qnn_params *p);
size_t qnn_params_run_bytes(const qnn_params *p, int threads_alive);

/* The memory of `live` live instances of p (a session: the instances, no
 * records) against mem_limit bytes (0 = no limit): QNN_OK, or QNN_E_SIZE
 * with the refusal naming the key that drives the size, the need and the
 * limit in binary units, and what to lower. */
qnn_status qnn_params_check_live_memory(const qnn_params *p, int live, size_t mem_limit, char *err, size_t errlen);

/* The key table, for help texts and the faces. */
const qnn_key_info *qnn_params_keys(size_t *count);
const qnn_key_info *qnn_params_key(const char *name);

/* The visible side of the entanglement observers: n - n_h with hidden
 * qubits; n for a model with a mixed state (qbm: its visible register is
 * the whole register); else `cut`, or (cut = 0) n/2 but at most QNN_DEFAULT_CUT_MAX so
 * that the default observer stays cheap on large registers (its eigensolve
 * is O(min(D_v, D_h)³)). 0 means no cut (n = 1). */
#define QNN_DEFAULT_CUT_MAX 8
int qnn_params_visible(const qnn_params *p);

/* Model mlp: the widths n_0 (from the data) .. n_L (outputs) into w (at
 * least QNN_MLP_MAX_HIDDEN + 2 entries); returns L, the weight layers. */
int qnn_params_mlp_widths(const qnn_params *p, int *w);

/* 1 when the Hessian observer uses the exact path (hessian = exact, or
 * auto within QNN_HESSIAN_EXACT_AUTO parameters and QNN_HESSIAN_AUTO_WORK). */
int qnn_params_hessian_exact(const qnn_params *p);

/* The records of a run: *T steps, one record every *every steps (and the
 * last); the class may count its steps otherwise (carleman: its times). */
void qnn_params_records(const qnn_params *p, long *T, int *every);

/* Trainable parameters P of the model (0 for models without any). */
double qnn_params_n_params(const qnn_params *p);

/* The learning rate a step actually uses: eta, or eta / L when eta_per_L. */
double qnn_params_eta(const qnn_params *p);

/* A statistic's one spelling: the name for an older one ("final_loss" ->
 * "loss_final", as summary.json writes it), else `name` itself. */
const char *qnn_stat_name(const char *name);
/* A comma list of statistics with every older spelling replaced (", "
 * between the items then; the list as it is when none was old). 0, or -1
 * when out (len bytes) is too small. */
int qnn_stats_canonical(const char *list, char *out, size_t len);

/* The name of a class ("random"). */
const char *qnn_model_name(const qnn_model_class *k);

#endif
