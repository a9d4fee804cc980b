/* Gate-level circuits: a user's circuit (OpenQASM 3, qnn/qasm.h) or a
 * built-in family (hardware-efficient ansatz, QAOA: qnn/ansatz.h), as a list
 * of standard gates whose angles are expressions in named variables, and
 * the statevector simulator that runs it with gradients by the adjoint
 * method (docs/CIRCUITS.md).
 *
 * Conventions: those of qnn/statevec.h (qubit k is bit k of the basis
 * index). Gate matrices are OpenQASM 3's stdgates.inc ones:
 *   rx(θ) = exp(-iθX/2), ry, rz likewise; p(λ) = diag(1, e^{iλ});
 *   U(θ, φ, λ) = [[cos θ/2, -e^{iλ} sin θ/2], [e^{iφ} sin θ/2, e^{i(φ+λ)} cos θ/2]];
 *   rxx(θ) = exp(-iθ X⊗X/2), ryy, rzz, rzx(θ) = exp(-iθ Z⊗X/2) (Z on the
 *   first operand);
 *   controlled gates act with their first operand(s) as control(s);
 *   cu(θ, φ, λ, γ) = controlled (e^{iγ} U(θ, φ, λ)).
 * A global phase (gphase) changes no expectation value and is dropped.
 *
 * Variables: every angle is an expression over constants and variables.
 * A variable is a trainable parameter or a data feature (qnn_qc_var.role);
 * the same variable may appear in many gates (shared parameters), and its
 * gradient is the sum over its uses (chain rule through the expression).
 *
 * Ownership: a qnn_qc owns everything it points to; qnn_qc_free releases
 * it. Builders return 0, or a negative qnn_status with a message in err
 * (one line: what was wrong and what is allowed). Nothing here prints. */
#ifndef QNN_QCIRCUIT_H
#define QNN_QCIRCUIT_H

#include <stddef.h>
#include "qnn/statevec.h"
#include "qnn/status.h"
#include "qnn/pauli_sum.h"

/* The gate kinds (OpenQASM 3 stdgates.inc names, plus U, rxx, ryy, rzz,
 * rzx). Order matters only inside this enum; qnn_gate_info gives the rest. */
typedef enum {
    QNN_G_ID = 0, QNN_G_X, QNN_G_Y, QNN_G_Z, QNN_G_H, QNN_G_S, QNN_G_SDG,
    QNN_G_T, QNN_G_TDG, QNN_G_SX, QNN_G_SXDG,
    QNN_G_RX, QNN_G_RY, QNN_G_RZ, QNN_G_P, QNN_G_U,   /* U: 3 angles θ, φ, λ */
    QNN_G_CX, QNN_G_CY, QNN_G_CZ, QNN_G_CH, QNN_G_SWAP,
    QNN_G_CRX, QNN_G_CRY, QNN_G_CRZ, QNN_G_CP, QNN_G_CU, /* CU: 4 angles θ, φ, λ, γ */
    QNN_G_RXX, QNN_G_RYY, QNN_G_RZZ, QNN_G_RZX,
    QNN_G_CCX, QNN_G_CSWAP,
    QNN_G_COUNT
} qnn_gate_kind;

#define QNN_GATE_MAX_QUBITS 3
#define QNN_GATE_MAX_ANGLES 4

/* What every kind is: its QASM name ("cx"), its qubit and angle counts,
 * and the label a circuit diagram draws ("X", "Rx", "•"). */
typedef struct qnn_gate_info {
    const char *name;
    int nqubits;
    int nangles;
    int ncontrols;            /* leading operands that are controls */
    const char *label;        /* diagram text of the target box */
} qnn_gate_info;
const qnn_gate_info *qnn_gate_info_of(qnn_gate_kind k);
/* The kind named `name` (QASM spelling, also the aliases CX, phase,
 * cphase, u3 = U, u1 = p), or -1. */
int qnn_gate_kind_find(const char *name);

/* --- expressions ----------------------------------------------------- */

typedef enum {
    QNN_EX_CONST = 0,   /* value */
    QNN_EX_VAR,         /* var: index into qnn_qc.vars */
    QNN_EX_NEG,         /* -a */
    QNN_EX_ADD, QNN_EX_SUB, QNN_EX_MUL, QNN_EX_DIV, QNN_EX_POW, /* a op b */
    QNN_EX_SIN, QNN_EX_COS, QNN_EX_TAN, QNN_EX_EXP, QNN_EX_LN, QNN_EX_SQRT,
    QNN_EX_ASIN, QNN_EX_ACOS, QNN_EX_ATAN                       /* f(a) */
} qnn_expr_op;

/* One node of an expression; a and b index earlier nodes of the same
 * circuit's pool (so a pool is topologically ordered). */
typedef struct qnn_expr {
    qnn_expr_op op;
    int a, b;
    int var;
    double value;
} qnn_expr;

/* --- the circuit ------------------------------------------------------ */

typedef enum { QNN_VAR_PARAM = 0, QNN_VAR_FEATURE = 1 } qnn_var_role;

typedef struct qnn_qc_var {
    char *name;               /* as declared ("theta_3", "_θ_0_", "x0") */
    qnn_var_role role;
    int index;                /* position among the variables of its role:
                                 θ[index] or x[index] */
    int line, col;            /* where it was declared (0: generated) */
} qnn_qc_var;

typedef struct qnn_gate {
    qnn_gate_kind kind;
    int q[QNN_GATE_MAX_QUBITS];     /* operands, controls first */
    int angle[QNN_GATE_MAX_ANGLES]; /* expression roots (pool indices) */
    int line, col;                  /* source position (0: generated) */
    int layer;                      /* the ansatz layer that made it (-1: none);
                                       a diagram may fold there */
} qnn_gate;

typedef struct qnn_qc {
    int n;                    /* qubits, 1 .. QNN_MAX_QUBITS */
    int ngates, cap_gates;
    qnn_gate *gates;
    int nexpr, cap_expr;
    qnn_expr *expr;
    int nvars, cap_vars;
    qnn_qc_var *vars;
    int nparams, nfeatures;   /* variables of each role */
    char *source;             /* the file it was read from, or "hea", "qaoa" */
} qnn_qc;

/* An empty circuit on n qubits (1 .. QNN_MAX_QUBITS). NULL when memory
 * runs out or n is out of range. */
qnn_qc *qnn_qc_new(int n, const char *source);
void qnn_qc_free(qnn_qc *qc);
/* A deep copy, or NULL (memory). */
qnn_qc *qnn_qc_clone(const qnn_qc *qc);

/* Adds a variable (role param; qnn_qc_set_role changes it) and returns
 * its index, or the index of the existing one of that name; -1 (memory). */
int qnn_qc_add_var(qnn_qc *qc, const char *name, int line, int col);
/* The variable named `name`, or -1. */
int qnn_qc_var_find(const qnn_qc *qc, const char *name);
/* Sets the role of variable v and renumbers the roles' indices in order of
 * declaration (nparams, nfeatures follow). */
void qnn_qc_set_role(qnn_qc *qc, int v, qnn_var_role role);

/* Expression nodes; each returns the new node's index, or -1 (memory). */
int qnn_qc_const(qnn_qc *qc, double value);
int qnn_qc_varref(qnn_qc *qc, int var);
int qnn_qc_unary(qnn_qc *qc, qnn_expr_op op, int a);
int qnn_qc_binary(qnn_qc *qc, qnn_expr_op op, int a, int b);

/* Appends a gate (angles: the expression roots, nangles of the kind).
 * Checks the operands: in 0 .. n-1 and distinct. 0, or QNN_E_RELATION
 * with a message, or QNN_E_NOMEM. */
int qnn_qc_add(qnn_qc *qc, qnn_gate_kind kind, const int *qubits, const int *angles,
               int line, int col, int layer, char *err, size_t errlen);

/* The value of expression e with variables θ (params) and x (features)
 * by their role indices; x may be NULL when the circuit has no features.
 * d/dvar v of it in *deriv when deriv is not NULL. */
double qnn_expr_eval(const qnn_qc *qc, int e, const double *theta, const double *x,
                     int v, double *deriv);
/* Writes e as text (QASM syntax, fully parenthesised where needed, numbers
 * with 17 significant digits so they read back to the same double). 0, or
 * -1 when len is too small. */
int qnn_expr_format(const qnn_qc *qc, int e, char *buf, size_t len);

/* 1 when variable v occurs in expression e. */
int qnn_expr_uses(const qnn_qc *qc, int e, int v);

/* --- the simulator ------------------------------------------------------ */

/* An executable form of a circuit: the expression uses of every variable
 * resolved, scratch states allocated for 2^n amplitudes. Not thread-safe;
 * one per thread. */
typedef struct qnn_qsim qnn_qsim;

/* NULL when memory runs out. */
qnn_qsim *qnn_qsim_new(const qnn_qc *qc);
void qnn_qsim_free(qnn_qsim *s);

/* Runs the circuit from |0…0> with parameters θ (qc->nparams) and features
 * x (qc->nfeatures) and gives, for each of the nobs observables O_k,
 *     f_k = <ψ(θ, x)| O_k |ψ(θ, x)>
 * in f[k] and, when grad is not NULL, ∂f_k/∂θ_a in grad[k * nparams + a]
 * by the adjoint method: one forward pass, then per observable one
 * backward sweep that un-applies each gate to |ψ> and to O_k|ψ> and reads
 * the derivative of every angle from its derivative matrix (every gate
 * kind, not only Pauli rotations), summed over the uses of each parameter
 * through the angle expressions. The final state is copied to psi_out (2^n
 * amplitudes) when not NULL. 0, or -1 when a value is not finite. */
int qnn_qsim_run(qnn_qsim *s, const double *theta, const double *x,
                 int nobs, const qnn_pauli_sum *const *obs,
                 double *f, double *grad, qnn_cplx *psi_out);

/* The state ψ(θ, x) alone into psi (2^n amplitudes). */
void qnn_qsim_state(qnn_qsim *s, const double *theta, const double *x, qnn_cplx *psi);

/* Bytes qnn_qsim_new needs for a circuit on n qubits. */
double qnn_qsim_bytes(int n);

#endif
