/* The layered circuit shared by the random (LIU23) and periodic (YOU23)
 * models:
 *
 *     U(θ) = W_L R_L(θ_L) ⋯ W_1 R_1(θ_1) W_0,   R_l(θ) = exp(i s c_l θ P_l),
 *
 * with W_0 optional (periodic: U_0; random: none), W_l frozen dense Haar
 * unitaries or brickwork circuits, P_l Pauli strings and s a fixed scale
 * (random: s = 1, exp(iθP); periodic: H = c Z_top, exp(-iθH) = exp(i(-c)θZ)).
 * Outputs for a batch of input states ψ_j are ŷ_j = γ <ψ_j|U† O U|ψ_j> with
 * O = Σ_k c_k Q_k a weighted sum of Pauli strings.
 *
 * qnn_circuit_eval returns the residuals r_j = ŷ_j - y_j and the Jacobian
 * J_jl = ∂r_j/∂θ_l by the adjoint method: one forward pass, one backward
 * sweep that un-applies each gate to the state and to O U ψ together (one
 * product with W_l^† per layer for both), O(1) extra state vectors per
 * input. With dense entanglers and a workspace that keeps the forward
 * states (qnn_workspace_keep: L·D·m amplitudes within
 * QNN_CIRCUIT_KEEP_BUDGET), the sweep reads φ_l back instead and un-applies
 * W_l to O U ψ alone: m columns per product instead of 2m.
 *
 * qnn_circuit_hessian adds the second derivatives Σ_j r_j ∇²r_j by a
 * second-order adjoint (forward-over-reverse): one forward sweep per input
 * that carries the tangents v_a = ∂φ/∂θ_a of every earlier layer as the
 * columns of a D x L block, or, for dense entanglers with L large against
 * D/m, one sweep that carries the D x D transfer matrix and pulls every
 * tangent back to frame 1 (see circuit.c). */
#ifndef QNN_CIRCUIT_H
#define QNN_CIRCUIT_H

#include <stddef.h>
#include <gsl/gsl_rng.h>
#include "qnn/params.h"
#include "qnn/statevec.h"
#include "qnn/haar.h"

typedef struct qnn_circuit {
    int n;
    size_t D;
    int L;
    double gen_scale;       /* s in R_l = exp(i s c_l θ P_l) */
    double *gen_coef;       /* c_l per layer (OME's coefficients J), NULL = all 1 */
    qnn_pauli *gen;         /* L generators */
    qnn_entangler ent;
    int has_w0;
    qnn_cplx **W;           /* dense: W[0..L] (W[0] NULL unless has_w0) */
    qnn_brickwork **B;      /* brickwork: B[0..L] likewise */
    int nobs;
    qnn_cplx *obs_proj;     /* when not NULL, O = |φ><φ| ⊗ I_h instead of the Pauli
                               sum: φ a unit vector on the obs_nv visible qubits
                               (OME's fidelity objective) */
    int obs_nv;
    qnn_pauli *obs;         /* Q_k */
    double *obs_c;          /* c_k */
    double gamma;
} qnn_circuit;

/* Scratch for a batch of m states: two 64-byte aligned D x 2m blocks (the
 * batch and O U ψ side by side, and the target of dense products). */
typedef struct qnn_workspace {
    size_t D, m;
    qnn_cplx *pc, *tmp;
    qnn_cplx *psi0;         /* when not NULL, qnn_circuit_eval copies the output
                               state U ψ_0 of the first input here (D entries) */
    qnn_cplx *keep;         /* when not NULL: L blocks of D x m, the forward
                               states φ_l the adjoint sweep reads back */
    int keep_L;             /* the L that keep was sized for */
} qnn_workspace;

/* Bytes of forward states (L·D·m amplitudes) the state-keeping adjoint may
 * hold: 8 MiB, a quarter of the L3 cache of the machine measured. The
 * periodic evaluation with the Jacobian was 1.3-1.5x faster with the states
 * kept both at d = 64 (0.3 MiB, in L2) and d = 256, p = 80, m = 4 (1.25 MiB,
 * past the 1 MiB L2). */
#define QNN_CIRCUIT_KEEP_BUDGET ((size_t)8 << 20)

/* Frees everything the circuit owns (NULL-safe). */
void qnn_circuit_free(qnn_circuit *c);
/* Allocates an empty circuit: generators and entanglers still to fill.
 * NULL when memory runs out. */
qnn_circuit *qnn_circuit_alloc(int n, int L, qnn_entangler ent, int has_w0, int nobs);
/* Samples entangler l (dense Haar or brickwork of `depth`). 0 or -1. */
int qnn_circuit_sample_entangler(qnn_circuit *c, int l, gsl_rng *rng, int depth);

/* Two D x 2m blocks; keep = NULL. 0, or -1 when memory runs out. */
int qnn_workspace_init(qnn_workspace *w, size_t D, size_t m);
/* Lets qnn_circuit_eval keep the forward states of circuit c (dense
 * entanglers, m >= 2 states) when L·D·m·16 bytes <= budget: 1 when it
 * will, 0 when not (brickwork, one state, over budget, or no memory: the
 * O(1)-state sweep then). */
int qnn_workspace_keep(qnn_workspace *w, const qnn_circuit *c, size_t budget);
/* Frees the blocks (and the kept states). */
void qnn_workspace_free(qnn_workspace *w);

/* out = A in (adjoint: A^† in) for a column-major D x D matrix and a D x m
 * batch; in and out must not alias. Two AVX-512 kernels that stream A once
 * do it when qnn_circuit_simd_active(D, m) (chosen at run time), CBLAS
 * otherwise (see the comment in circuit.c for why). */
void qnn_circuit_dense_apply(size_t D, const qnn_cplx *A, int adjoint, size_t m,
                             const qnn_cplx *in, qnn_cplx *out);
int qnn_circuit_simd_active(size_t D, size_t m);

/* Residuals r[m] and, when J != NULL, the Jacobian J[j*L + l]. Inputs are a
 * column-major D x m block. */
void qnn_circuit_eval(const qnn_circuit *c, const double *theta, size_t m,
                      const qnn_cplx *inputs, const double *y,
                      double *r, double *J, qnn_workspace *w);

/* Complex entries of the scratch qnn_circuit_hessian needs for m inputs:
 * tangents, two D x (L+2) blocks and a state; frame 1 (dense entanglers
 * with L large against D/m), two D x (D+2m) blocks, D x D, D x L, 2m D x L
 * and a state. */
size_t qnn_circuit_hessian_len(const qnn_circuit *c, size_t m);
/* The same in bytes for n qubits, L layers, m inputs, dense (1) or
 * brickwork (0) entanglers, before a circuit exists (memory estimates). */
double qnn_circuit_hessian_bytes(int n, int L, size_t m, int dense);
/* Which sweep qnn_circuit_hessian takes: 0 by cost (default), 1 the
 * tangents, 2 frame 1 (dense entanglers only). For the tests. */
extern int qnn_circuit_hessian_force;

/* The residuals r[m], the Jacobian J[j*L + l] (as qnn_circuit_eval) and
 * S = Σ_j r_j ∇²r_j into S (L x L, row-major, symmetric: both triangles),
 * by the second-order adjoint:
 *     ∂_a∂_b ŷ_j = 2γ Re[<χ_b|G_b v_a^(b)> + <u_a|O|u_b>]   (a <= b)
 * with G_a = i s_a P_a, φ_b the state after R_b, χ_b the adjoint state of
 * the sweep at frame b, v_a^(b) = ∂φ_b/∂θ_a and u_a = W_L v_a^(L).
 * work: qnn_circuit_hessian_len(c, m) entries, 64-byte aligned. cancelled
 * (may be NULL) is asked once per layer; 0, or -1 when it said yes (S is
 * then incomplete). */
int qnn_circuit_hessian(const qnn_circuit *c, const double *theta, size_t m,
                        const qnn_cplx *inputs, const double *y, double *r, double *J,
                        double *S, qnn_cplx *work, qnn_workspace *w,
                        int (*cancelled)(void *ctx), void *ctx);

/* 64-byte aligned memory of `bytes` bytes (free with free()); NULL when
 * memory runs out. */
void *qnn_circuit_alloc_aligned(size_t bytes);

/* ---- the circuit models' exact Hessian (models/circuit_family.c) ----- */
struct qnn_instance;
/* Scratch bytes the second-order adjoint may take per instance (two
 * D x (L+2) blocks and a state); above it the parameter shift. */
#define QNN_CIRC_HESSIAN_BUDGET ((size_t)256 << 20)
/* The budget in force (tests lower it to see the fallback chosen). */
extern size_t qnn_circ_hessian_budget;
/* The exact Hessian of a circuit instance's loss at its θ (after an
 * evaluation: uses its r and J) into H (P x P, row-major):
 *  - _shift: 2P Jacobians by the parameter-shift rule;
 *  - _adjoint: the second-order adjoint (qnn_circuit_hessian); -1 when its
 *    scratch cannot be allocated.
 * Both: -1 when the instance's cancel flag comes up. */
int qnn_circ_hessian_shift(struct qnn_instance *in, double *H);
int qnn_circ_hessian_adjoint(struct qnn_instance *in, double *H);
/* 1 when the instance takes the adjoint path (chosen when it was built:
 * QNNLAB_HESSIAN_PATH = shift | adjoint and the budget), 0 the shift. */
int qnn_circ_hessian_path(const struct qnn_instance *in);

/* The measurement the outputs read at θ, M(θ) = γ U(θ)† O U(θ), as a
 * column-major D x D matrix (full storage): ŷ_j = <ψ_j|M(θ)|ψ_j>. O(L D²)
 * for the rotations plus one dense product per entangler and column batch.
 * 0, or -1 when memory runs out. */
int qnn_circuit_measurement(const qnn_circuit *c, const double *theta, qnn_cplx *M);

/* tr O and tr O² of the observable (exact, from the Pauli algebra). */
void qnn_circuit_obs_traces(const qnn_circuit *c, double *trO, double *trO2);

#endif
