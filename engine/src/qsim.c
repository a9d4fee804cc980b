/* The statevector simulator of gate-level circuits (qnn/qcircuit.h) with
 * gradients by the adjoint method.
 *
 * Compilation (qnn_qsim_new): every gate becomes an op of one of a few
 * kernel shapes, chosen so that the common gates cost one pass over the
 * amplitudes they touch and no matrix arithmetic beyond their structure:
 *   OP_ID    nothing (id)
 *   OP_X     a swap of the amplitude pairs of the target bit on the
 *            control subspace (x, cx, ccx)
 *   OP_SWAP  a swap of |..1..0..> and |..0..1..> on the control subspace
 *            (swap, cswap)
 *   OP_D1    a diagonal 2x2 on the target bit, on the control subspace
 *            (z, s, sdg, t, tdg, rz, p, cz, crz, cp)
 *   OP_M1    a dense 2x2 on the target bit, on the control subspace
 *            (y, h, sx, sxdg, rx, ry, U, cy, ch, crx, cry, cu)
 *   OP_D2    a diagonal 4x4 on two bits (rzz)
 *   OP_M2    a dense 4x4 on two bits (rxx, ryy, rzx)
 * Every gate's "core" is the 2x2 (target bit) or 4x4 (bits t0, t1: local
 * index bit 0 is the first operand, bit 1 the second) matrix applied on
 * the subspace where all control bits are 1; elsewhere the gate is the
 * identity. The derivative of a controlled gate with respect to one of its
 * angles is therefore the derivative of its core on the control subspace
 * and zero elsewhere, and a single "derivative inner product" kernel per
 * core size serves every parametric gate. That kernel computes
 * Re <λ| ∂G |ψ> in one read-only pass over the core's amplitudes instead of
 * writing ∂G ψ into a scratch state and taking a dot product: the same
 * number, a third of the memory traffic and one state less.
 *
 * A kernel with controls or two targets loops over k < 2^(n - nb), nb the
 * number of bits the op involves, and deposits k around those bits
 * (inserting a zero at each, ascending), then sets the control bits: that
 * visits exactly the amplitudes the op touches, once, with no test in the
 * loop. An uncontrolled 1-qubit op runs over blocks of 2^t contiguous
 * pairs instead, which the compiler vectorises (FOR_PAIRS); the dense
 * uncontrolled ones (OP_M1 with no control, OP_M2) go to the AVX-512 /
 * AVX2 kernels of qnn/gate2.h (0.3 ns per amplitude for a 4x4 at n = 18
 * against 3-5 ns for the deposit loop; 1-qubit 0.25 against 1.2 ns, from
 * n = 6 on: below, FOR_PAIRS is cheaper than the kernel's set-up).
 *
 * Arithmetic is on the (re, im) doubles of the amplitudes, not on
 * `double complex` values: GCC's complex multiply without -ffast-math
 * checks for NaN and calls __muldc3, which blocks vectorisation.
 *
 * Gradients (qnn_qsim_run): forward from |0…0>, keep the final state, then
 * per observable O: λ = O ψ, and for g = G..1: ψ ← G_g† ψ, for each angle
 * α of g that depends on a parameter, ∂f/∂α = 2 Re <λ| ∂G_g/∂α |ψ>, chained
 * to the parameters through ∂α/∂θ_v (qnn_expr_eval's derivative, once per
 * run), and λ ← G_g† λ. The sweep stops at the first gate that has a
 * parameter, since nothing before it has a gradient.
 *
 * Memory: three states of 2^n amplitudes (the final state, the state being
 * un-applied, λ), 64-byte aligned, allocated once in qnn_qsim_new; the run
 * allocates nothing. */
#include <complex.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "qnn/gate2.h"
#include "qnn/qcircuit.h"

/* Uncontrolled dense 1-qubit gates go to qnn_gate1_apply from this many
 * qubits on: below, its set-up (~50 ns) costs more than the loop here. */
#define M1_KERNEL_MIN 6

enum { OP_ID = 0, OP_X, OP_SWAP, OP_D1, OP_M1, OP_D2, OP_M2 };

typedef struct sgate {
    int kind;            /* qnn_gate_kind */
    int op;              /* OP_* */
    int nang;            /* angles of the kind */
    int param;           /* 1 when an angle depends on a parameter */
    int core2;           /* 1: 4x4 core on (t0, t1); 0: 2x2 core on t0 */
    int t0, t1;          /* target bits */
    int nb;              /* bits the op involves (targets and controls) */
    size_t low[QNN_GATE_MAX_QUBITS]; /* (1 << bit) - 1 of those bits, ascending */
    size_t cmask;        /* control bits */
    /* Row-major core matrices (element (r, c) at [r * dim + c]); for OP_D1
     * and OP_D2 m and ma hold the diagonal only. dm holds the derivative
     * cores, dense: for a 2x2 core angle a at dm[4a .. 4a+3], for the 4x4
     * cores (one angle) dm[0 .. 15]. */
    qnn_cplx m[16], ma[16], dm[16];
} sgate;

struct qnn_qsim {
    qnn_qc *qc;          /* a private copy: the expressions are evaluated per run */
    int n;
    size_t D;
    int ngates, nparams;
    sgate *g;
    double *ang;         /* ngates * QNN_GATE_MAX_ANGLES, this run's angles */
    /* The parameters every angle depends on, in CSR form over (gate, angle):
     * uses of angle a of gate i are use_start[i*4 + a] .. use_start[i*4+a+1]-1. */
    int *use_start;
    int *use_var;        /* variable (index into qc->vars) */
    int *use_idx;        /* its θ index */
    double *use_d;       /* ∂α/∂θ at this run's values */
    int first_param;     /* first gate with a parameter (ngates: none) */
    qnn_cplx *psi, *phi, *lam;  /* final state, state being un-applied, λ */
};

/* ---- small helpers ------------------------------------------------------ */

static void *alloc64(size_t bytes)
{
    /* aligned_alloc wants a multiple of the alignment */
    bytes = (bytes + 63) / 64 * 64;
    return aligned_alloc(64, bytes ? bytes : 64);
}

/* k with a zero bit inserted at each of the op's bits (ascending low
 * masks), so that k < 2^(n - nb) runs over the rest of the index. */
static inline size_t deposit(size_t k, int nb, const size_t *low)
{
    for (int j = 0; j < nb; j++)
        k = (k & low[j]) | ((k & ~low[j]) << 1);
    return k;
}

static void mat2_adjoint(const qnn_cplx *m, qnn_cplx *a, int dim)
{
    for (int r = 0; r < dim; r++)
        for (int c = 0; c < dim; c++)
            a[r * dim + c] = conj(m[c * dim + r]);
}

/* The 2x2 Paulis, row-major: 0 I, 1 X, 2 Y, 3 Z. */
static void pauli2(int which, qnn_cplx *m)
{
    static const double re[4][4] = {{1, 0, 0, 1}, {0, 1, 1, 0}, {0, 0, 0, 0}, {1, 0, 0, -1}};
    static const double im[4][4] = {{0, 0, 0, 0}, {0, 0, 0, 0}, {0, -1, 1, 0}, {0, 0, 0, 0}};
    for (int j = 0; j < 4; j++)
        m[j] = CMPLX(re[which][j], im[which][j]);
}

/* P = A (on local bit 0, the first operand) ⊗ B (on local bit 1), 4x4. */
static void pauli4(int a, int b, qnn_cplx *m)
{
    qnn_cplx pa[4], pb[4];
    pauli2(a, pa);
    pauli2(b, pb);
    for (int r = 0; r < 4; r++)
        for (int c = 0; c < 4; c++)
            m[r * 4 + c] = pa[(r & 1) * 2 + (c & 1)] * pb[(r >> 1) * 2 + (c >> 1)];
}

/* exp(-iθP/2) = cos(θ/2) 1 - i sin(θ/2) P and its derivative
 * -1/2 sin(θ/2) 1 - i/2 cos(θ/2) P (= -i/2 P exp(-iθP/2)). */
static void rot(const qnn_cplx *P, int dim, double th, qnn_cplx *m, qnn_cplx *dm)
{
    const double c = cos(th / 2), s = sin(th / 2);
    for (int r = 0; r < dim; r++)
        for (int k = 0; k < dim; k++) {
            const double id = r == k ? 1.0 : 0.0;
            const qnn_cplx p = P[r * dim + k];
            m[r * dim + k] = c * id + CMPLX(cimag(p) * s, -creal(p) * s);
            dm[r * dim + k] = -0.5 * s * id + CMPLX(0.5 * c * cimag(p), -0.5 * c * creal(p));
        }
}

/* U(θ, φ, λ) times e^{iγ} and its four derivatives (θ, φ, λ, γ) into
 * d[4a .. 4a+3]. */
static void ugate(double th, double ph, double la, double ga, qnn_cplx *m, qnn_cplx *d)
{
    const double c = cos(th / 2), s = sin(th / 2);
    const qnn_cplx eg = cexp(CMPLX(0, ga));
    const qnn_cplx ep = cexp(CMPLX(0, ph)), el = cexp(CMPLX(0, la));
    const qnn_cplx epl = cexp(CMPLX(0, ph + la));
    m[0] = eg * c;
    m[1] = -eg * el * s;
    m[2] = eg * ep * s;
    m[3] = eg * epl * c;
    /* ∂θ */
    d[0] = eg * (-0.5 * s);
    d[1] = -eg * el * (0.5 * c);
    d[2] = eg * ep * (0.5 * c);
    d[3] = eg * epl * (-0.5 * s);
    /* ∂φ: the second row carries e^{iφ} */
    d[4] = 0;
    d[5] = 0;
    d[6] = I * m[2];
    d[7] = I * m[3];
    /* ∂λ: the second column carries e^{iλ} */
    d[8] = 0;
    d[9] = I * m[1];
    d[10] = 0;
    d[11] = I * m[3];
    /* ∂γ: the whole core carries e^{iγ} */
    for (int j = 0; j < 4; j++)
        d[12 + j] = I * m[j];
}

/* ---- compilation ------------------------------------------------------- */

/* The op shape, its matrices when they have no angle, and the bits. */
static void compile_gate(sgate *sg, const qnn_gate *gt)
{
    const qnn_gate_info *info = qnn_gate_info_of(gt->kind);
    const double r2 = 1.0 / sqrt(2.0);
    memset(sg, 0, sizeof *sg);
    sg->kind = gt->kind;
    sg->nang = info->nangles;
    const int nq = info->nqubits, nc = info->ncontrols;
    int bits[QNN_GATE_MAX_QUBITS];
    for (int j = 0; j < nq; j++)
        bits[j] = gt->q[j];
    for (int j = 0; j < nc; j++)
        sg->cmask |= (size_t)1 << gt->q[j];
    sg->t0 = gt->q[nc];
    sg->t1 = nq - nc > 1 ? gt->q[nc + 1] : -1;
    /* ascending bits for the deposit loop (at most three: insertion sort) */
    for (int i = 1; i < nq; i++)
        for (int j = i; j > 0 && bits[j - 1] > bits[j]; j--) {
            const int t = bits[j];
            bits[j] = bits[j - 1];
            bits[j - 1] = t;
        }
    sg->nb = nq;
    for (int j = 0; j < nq; j++)
        sg->low[j] = ((size_t)1 << bits[j]) - 1;

    qnn_cplx *m = sg->m;
    switch ((qnn_gate_kind)gt->kind) {
    case QNN_G_ID: sg->op = OP_ID; break;
    case QNN_G_X: case QNN_G_CX: case QNN_G_CCX: sg->op = OP_X; break;
    case QNN_G_SWAP: case QNN_G_CSWAP: sg->op = OP_SWAP; break;
    case QNN_G_Z: case QNN_G_CZ: sg->op = OP_D1; m[0] = 1; m[1] = -1; break;
    case QNN_G_S: sg->op = OP_D1; m[0] = 1; m[1] = I; break;
    case QNN_G_SDG: sg->op = OP_D1; m[0] = 1; m[1] = -I; break;
    case QNN_G_T: sg->op = OP_D1; m[0] = 1; m[1] = CMPLX(r2, r2); break;
    case QNN_G_TDG: sg->op = OP_D1; m[0] = 1; m[1] = CMPLX(r2, -r2); break;
    case QNN_G_Y: case QNN_G_CY: sg->op = OP_M1; pauli2(2, m); break;
    case QNN_G_H: case QNN_G_CH:
        sg->op = OP_M1; m[0] = r2; m[1] = r2; m[2] = r2; m[3] = -r2;
        break;
    case QNN_G_SX: /* pow(0.5) @ x */
        sg->op = OP_M1;
        m[0] = CMPLX(0.5, 0.5); m[1] = CMPLX(0.5, -0.5);
        m[2] = CMPLX(0.5, -0.5); m[3] = CMPLX(0.5, 0.5);
        break;
    case QNN_G_SXDG:
        sg->op = OP_M1;
        m[0] = CMPLX(0.5, -0.5); m[1] = CMPLX(0.5, 0.5);
        m[2] = CMPLX(0.5, 0.5); m[3] = CMPLX(0.5, -0.5);
        break;
    case QNN_G_RX: case QNN_G_RY: case QNN_G_U:
    case QNN_G_CRX: case QNN_G_CRY: case QNN_G_CU:
        sg->op = OP_M1; break;
    case QNN_G_RZ: case QNN_G_P: case QNN_G_CRZ: case QNN_G_CP:
        sg->op = OP_D1; break;
    case QNN_G_RZZ: sg->op = OP_D2; sg->core2 = 1; break;
    case QNN_G_RXX: case QNN_G_RYY: case QNN_G_RZX: sg->op = OP_M2; sg->core2 = 1; break;
    case QNN_G_COUNT: break;
    }
    /* the adjoint of a constant gate (the angle-dependent ones are set per run) */
    if (sg->op == OP_D1) {
        sg->ma[0] = conj(m[0]);
        sg->ma[1] = conj(m[1]);
    } else if (sg->op == OP_M1) {
        mat2_adjoint(m, sg->ma, 2);
    }
}

/* This run's matrices of a gate with angles a[0 .. nang-1]. */
static void gate_matrices(sgate *sg, const double *a)
{
    qnn_cplx P[16], full[4];
    switch ((qnn_gate_kind)sg->kind) {
    case QNN_G_RX: case QNN_G_CRX:
        pauli2(1, P); rot(P, 2, a[0], sg->m, sg->dm); break;
    case QNN_G_RY: case QNN_G_CRY:
        pauli2(2, P); rot(P, 2, a[0], sg->m, sg->dm); break;
    case QNN_G_RZ: case QNN_G_CRZ:
        pauli2(3, P); rot(P, 2, a[0], full, sg->dm);
        sg->m[0] = full[0];
        sg->m[1] = full[3];
        break;
    case QNN_G_P: case QNN_G_CP: {
        const qnn_cplx e = cexp(CMPLX(0, a[0]));
        sg->m[0] = 1;
        sg->m[1] = e;
        sg->dm[0] = 0; sg->dm[1] = 0; sg->dm[2] = 0;
        sg->dm[3] = I * e;
        break;
    }
    case QNN_G_U: ugate(a[0], a[1], a[2], 0.0, sg->m, sg->dm); break;
    case QNN_G_CU: ugate(a[0], a[1], a[2], a[3], sg->m, sg->dm); break;
    case QNN_G_RXX: pauli4(1, 1, P); rot(P, 4, a[0], sg->m, sg->dm); break;
    case QNN_G_RYY: pauli4(2, 2, P); rot(P, 4, a[0], sg->m, sg->dm); break;
    case QNN_G_RZX: pauli4(3, 1, P); rot(P, 4, a[0], sg->m, sg->dm); break;
    case QNN_G_RZZ: {
        qnn_cplx dense[16];
        pauli4(3, 3, P);
        rot(P, 4, a[0], dense, sg->dm);
        for (int j = 0; j < 4; j++)
            sg->m[j] = dense[j * 5];
        break;
    }
    default: return; /* no angle */
    }
    if (sg->op == OP_D1 || sg->op == OP_D2) {
        const int dim = sg->op == OP_D1 ? 2 : 4;
        for (int j = 0; j < dim; j++)
            sg->ma[j] = conj(sg->m[j]);
    } else {
        mat2_adjoint(sg->m, sg->ma, sg->op == OP_M1 ? 2 : 4);
    }
}

/* ---- kernels ------------------------------------------------------------- */

/* The bodies of the 2x2 kernels on one amplitude pair (i0, i1); c holds
 * the matrix as (re, im) of m00, m01, m10, m11. Inline functions, so that
 * the two loop shapes below share them. */
static inline void m1_pair(double *restrict v, size_t i0, size_t i1, const double *c)
{
    const double xr = v[2 * i0], xi = v[2 * i0 + 1];
    const double yr = v[2 * i1], yi = v[2 * i1 + 1];
    v[2 * i0] = c[0] * xr - c[1] * xi + c[2] * yr - c[3] * yi;
    v[2 * i0 + 1] = c[0] * xi + c[1] * xr + c[2] * yi + c[3] * yr;
    v[2 * i1] = c[4] * xr - c[5] * xi + c[6] * yr - c[7] * yi;
    v[2 * i1 + 1] = c[4] * xi + c[5] * xr + c[6] * yi + c[7] * yr;
}

static inline void d1_pair(double *restrict v, size_t i0, size_t i1, const double *c)
{
    const double xr = v[2 * i0], xi = v[2 * i0 + 1];
    const double yr = v[2 * i1], yi = v[2 * i1 + 1];
    v[2 * i0] = c[0] * xr - c[1] * xi;
    v[2 * i0 + 1] = c[0] * xi + c[1] * xr;
    v[2 * i1] = c[2] * yr - c[3] * yi;
    v[2 * i1 + 1] = c[2] * yi + c[3] * yr;
}

static inline void d1_upper(double *restrict v, size_t i1, const double *c)
{
    const double yr = v[2 * i1], yi = v[2 * i1 + 1];
    v[2 * i1] = c[2] * yr - c[3] * yi;
    v[2 * i1 + 1] = c[2] * yi + c[3] * yr;
}

static inline void swap_pair(double *restrict v, size_t i0, size_t i1)
{
    const double r = v[2 * i0], i = v[2 * i0 + 1];
    v[2 * i0] = v[2 * i1];
    v[2 * i0 + 1] = v[2 * i1 + 1];
    v[2 * i1] = r;
    v[2 * i1 + 1] = i;
}

/* Re(<l0| (c00 x + c01 y)) + Re(<l1| (c10 x + c11 y)). */
static inline double m1_inner(const double *restrict lam, const double *restrict psi, size_t i0,
                              size_t i1, const double *c)
{
    const double xr = psi[2 * i0], xi = psi[2 * i0 + 1];
    const double yr = psi[2 * i1], yi = psi[2 * i1 + 1];
    const double ur = c[0] * xr - c[1] * xi + c[2] * yr - c[3] * yi;
    const double ui = c[0] * xi + c[1] * xr + c[2] * yi + c[3] * yr;
    const double wr = c[4] * xr - c[5] * xi + c[6] * yr - c[7] * yi;
    const double wi = c[4] * xi + c[5] * xr + c[6] * yi + c[7] * yr;
    return lam[2 * i0] * ur + lam[2 * i0 + 1] * ui + lam[2 * i1] * wr + lam[2 * i1 + 1] * wi;
}

/* The pairs of a 1-qubit op: without controls (nb = 1) as blocks of
 * contiguous i0 that the compiler can vectorise; with controls by
 * deposit. */
#define FOR_PAIRS(sg, D, i0, i1, ...)                                             \
    do {                                                                          \
        const size_t s0_ = (size_t)1 << (sg)->t0;                                 \
        if ((sg)->nb == 1) {                                                      \
            for (size_t hi_ = 0; hi_ < (D); hi_ += 2 * s0_)                       \
                for (size_t i0 = hi_; i0 < hi_ + s0_; i0++) {                     \
                    const size_t i1 = i0 + s0_;                                   \
                    __VA_ARGS__;                                                  \
                }                                                                 \
        } else {                                                                  \
            const size_t K_ = (D) >> (sg)->nb;                                    \
            for (size_t k_ = 0; k_ < K_; k_++) {                                  \
                const size_t i0 = deposit(k_, (sg)->nb, (sg)->low) | (sg)->cmask; \
                const size_t i1 = i0 | s0_;                                       \
                __VA_ARGS__;                                                      \
            }                                                                     \
        }                                                                         \
    } while (0)

static void cplx_split(const qnn_cplx *m, int len, double *c)
{
    for (int j = 0; j < len; j++) {
        c[2 * j] = creal(m[j]);
        c[2 * j + 1] = cimag(m[j]);
    }
}

/* v ← G v (adj = 0) or G† v (adj = 1). */
static void gate_apply(const sgate *sg, double *restrict v, size_t D, int adj)
{
    const size_t K = D >> sg->nb, cm = sg->cmask;
    const size_t s0 = (size_t)1 << sg->t0;
    const size_t s1 = sg->t1 >= 0 ? (size_t)1 << sg->t1 : 0;
    const qnn_cplx *m = adj ? sg->ma : sg->m;
    const int n = (int)__builtin_ctzll((unsigned long long)D);
    switch (sg->op) {
    case OP_ID:
        break;
    case OP_X:
        FOR_PAIRS(sg, D, i0, i1, swap_pair(v, i0, i1));
        break;
    case OP_SWAP:
        for (size_t k = 0; k < K; k++) {
            const size_t b = deposit(k, sg->nb, sg->low) | cm;
            swap_pair(v, b | s0, b | s1);
        }
        break;
    case OP_D1: {
        double c[4];
        cplx_split(m, 2, c);
        if (c[0] == 1.0 && c[1] == 0.0) /* z, s, t, p: only |1> moves */
            FOR_PAIRS(sg, D, i0, i1, (void)i0, d1_upper(v, i1, c));
        else
            FOR_PAIRS(sg, D, i0, i1, d1_pair(v, i0, i1, c));
        break;
    }
    case OP_M1: {
        if (sg->nb == 1 && n >= M1_KERNEL_MIN) { /* uncontrolled: the vector kernels */
            qnn_gate1_apply((qnn_cplx *)v, n, sg->t0, m, 0);
            break;
        }
        double c[8];
        cplx_split(m, 4, c);
        FOR_PAIRS(sg, D, i0, i1, m1_pair(v, i0, i1, c));
        break;
    }
    case OP_D2: {
        double dr[4], di[4];
        for (int j = 0; j < 4; j++) {
            dr[j] = creal(m[j]);
            di[j] = cimag(m[j]);
        }
        for (size_t k = 0; k < K; k++) {
            const size_t b = deposit(k, sg->nb, sg->low);
            const size_t idx[4] = {b, b | s0, b | s1, b | s0 | s1};
            for (int j = 0; j < 4; j++) {
                const double r = v[2 * idx[j]], i = v[2 * idx[j] + 1];
                v[2 * idx[j]] = dr[j] * r - di[j] * i;
                v[2 * idx[j] + 1] = dr[j] * i + di[j] * r;
            }
        }
        break;
    }
    case OP_M2: {
        if (cm == 0 && sg->nb == 2) { /* uncontrolled: the vector kernels */
            qnn_gate2_apply((qnn_cplx *)v, n, sg->t0, sg->t1, m, 0);
            break;
        }
        double mr[16], mi[16];
        for (int j = 0; j < 16; j++) {
            mr[j] = creal(m[j]);
            mi[j] = cimag(m[j]);
        }
        for (size_t k = 0; k < K; k++) {
            const size_t b = deposit(k, sg->nb, sg->low);
            const size_t idx[4] = {b, b | s0, b | s1, b | s0 | s1};
            double xr[4], xi[4];
            for (int j = 0; j < 4; j++) {
                xr[j] = v[2 * idx[j]];
                xi[j] = v[2 * idx[j] + 1];
            }
            for (int r = 0; r < 4; r++) {
                double sr = 0, si = 0;
                for (int j = 0; j < 4; j++) {
                    sr += mr[4 * r + j] * xr[j] - mi[4 * r + j] * xi[j];
                    si += mr[4 * r + j] * xi[j] + mi[4 * r + j] * xr[j];
                }
                v[2 * idx[r]] = sr;
                v[2 * idx[r] + 1] = si;
            }
        }
        break;
    }
    }
}

/* Re <λ| dG |ψ> for the dense derivative core d (2x2 on t0 on the control
 * subspace, or 4x4 on (t0, t1)); the gate's derivative is zero off the
 * control subspace, so only the amplitudes of the core are read. */
static double deriv_inner(const sgate *sg, const qnn_cplx *d, const double *restrict lam,
                          const double *restrict psi, size_t D)
{
    const size_t K = D >> sg->nb, cm = sg->cmask;
    const size_t s0 = (size_t)1 << sg->t0;
    double acc = 0;
    if (!sg->core2) {
        double c[8];
        cplx_split(d, 4, c);
        FOR_PAIRS(sg, D, i0, i1, acc += m1_inner(lam, psi, i0, i1, c));
        return acc;
    }
    const size_t s1 = (size_t)1 << sg->t1;
    double mr[16], mi[16];
    for (int j = 0; j < 16; j++) {
        mr[j] = creal(d[j]);
        mi[j] = cimag(d[j]);
    }
    for (size_t k = 0; k < K; k++) {
        const size_t b = deposit(k, sg->nb, sg->low) | cm;
        const size_t idx[4] = {b, b | s0, b | s1, b | s0 | s1};
        double xr[4], xi[4];
        for (int j = 0; j < 4; j++) {
            xr[j] = psi[2 * idx[j]];
            xi[j] = psi[2 * idx[j] + 1];
        }
        for (int r = 0; r < 4; r++) {
            double sr = 0, si = 0;
            for (int j = 0; j < 4; j++) {
                sr += mr[4 * r + j] * xr[j] - mi[4 * r + j] * xi[j];
                si += mr[4 * r + j] * xi[j] + mi[4 * r + j] * xr[j];
            }
            acc += lam[2 * idx[r]] * sr + lam[2 * idx[r] + 1] * si;
        }
    }
    return acc;
}

/* out = O in for O = Σ c_k P_k, P|b> = i^ny (-1)^popcount(b & z) |b ^ x>
 * (qnn/statevec.h), accumulated term by term without a scratch state. */
static void obs_apply(const qnn_pauli_sum *o, const double *restrict in, double *restrict out,
                      size_t D)
{
    memset(out, 0, D * 2 * sizeof *out);
    for (int t = 0; t < o->nterms; t++) {
        const qnn_pauli p = o->P[t];
        const int ny = qnn_pauli_ny(p) & 3;
        /* c i^ny = fr + i fi */
        const double c = o->c[t];
        const double fr = ny == 0 ? c : ny == 2 ? -c : 0.0;
        const double fi = ny == 1 ? c : ny == 3 ? -c : 0.0;
        for (size_t b = 0; b < D; b++) {
            const double sg = (__builtin_popcountll((unsigned long long)(b & p.z)) & 1) ? -1.0 : 1.0;
            const size_t t2 = b ^ p.x;
            const double ar = in[2 * b], ai = in[2 * b + 1];
            out[2 * t2] += sg * (fr * ar - fi * ai);
            out[2 * t2 + 1] += sg * (fr * ai + fi * ar);
        }
    }
}

/* ---- the simulator ------------------------------------------------------- */

/* Contract: an executable form of qc (a private deep copy, so qc may be
 * freed or changed afterwards): the gates compiled to kernel shapes, for
 * every gate angle the parameters its expression uses, and three scratch
 * states of 2^n amplitudes. NULL when memory runs out or qc is NULL. */
qnn_qsim *qnn_qsim_new(const qnn_qc *qc)
{
    if (!qc || qc->n < 1 || qc->n > QNN_MAX_QUBITS)
        return NULL;
    qnn_qsim *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->qc = qnn_qc_clone(qc);
    s->n = qc->n;
    s->D = (size_t)1 << qc->n;
    s->ngates = qc->ngates;
    s->nparams = qc->nparams;
    const size_t G = (size_t)qc->ngates, NA = QNN_GATE_MAX_ANGLES;
    s->g = alloc64((G ? G : 1) * sizeof *s->g);
    s->ang = calloc(G * NA + 1, sizeof *s->ang);
    s->use_start = calloc(G * NA + 1, sizeof *s->use_start);
    s->psi = alloc64(s->D * sizeof(qnn_cplx));
    s->phi = alloc64(s->D * sizeof(qnn_cplx));
    s->lam = alloc64(s->D * sizeof(qnn_cplx));
    /* marks for the walk over an expression: visited nodes and seen
     * variables, stamped with the (gate, angle) number so they need no
     * clearing */
    int *node_mark = malloc(((size_t)qc->nexpr + 1) * sizeof *node_mark);
    int *var_mark = malloc(((size_t)qc->nvars + 1) * sizeof *var_mark);
    int *stack = malloc(((size_t)qc->nexpr + 1) * sizeof *stack);
    if (!s->qc || !s->g || !s->ang || !s->use_start || !s->psi || !s->phi || !s->lam
        || !node_mark || !var_mark || !stack)
        goto fail;
    for (int j = 0; j < qc->nexpr; j++)
        node_mark[j] = -1;
    for (int j = 0; j < qc->nvars; j++)
        var_mark[j] = -1;

    /* Two passes over the expressions: count the uses, then record them.
     * The walk follows a and b of every node from the root (a pool is
     * topologically ordered, so it ends) and keeps the parameters it
     * meets, each once per angle. */
    size_t cap = 0, nuse = 0;
    for (int pass = 0; pass < 2; pass++) {
        nuse = 0;
        s->first_param = qc->ngates;
        for (size_t i = 0; i < G; i++) {
            const qnn_gate *gt = &qc->gates[i];
            const int nang = qnn_gate_info_of(gt->kind)->nangles;
            if (pass == 0)
                compile_gate(&s->g[i], gt);
            for (int a = 0; a < (int)NA; a++) {
                const int stamp = (int)(i * NA + (size_t)a) + pass * (int)(G * NA);
                s->use_start[i * NA + (size_t)a] = (int)nuse;
                if (a >= nang)
                    continue;
                if (gt->angle[a] < 0 || gt->angle[a] >= qc->nexpr)
                    continue;
                int top = 0;
                stack[top++] = gt->angle[a];
                node_mark[gt->angle[a]] = stamp;
                while (top > 0) {
                    const qnn_expr *e = &qc->expr[stack[--top]];
                    if (e->op == QNN_EX_VAR) {
                        const int v = e->var;
                        /* a malformed node evaluates to NaN (qnn_expr_eval);
                           it has no parameter to record */
                        if (v < 0 || v >= qc->nvars)
                            continue;
                        if (qc->vars[v].role == QNN_VAR_PARAM && var_mark[v] != stamp) {
                            var_mark[v] = stamp;
                            if (pass == 1) {
                                s->use_var[nuse] = v;
                                s->use_idx[nuse] = qc->vars[v].index;
                            }
                            nuse++;
                        }
                        continue;
                    }
                    if (e->op == QNN_EX_CONST)
                        continue;
                    /* every other op reads a; the binary ones b too */
                    const int kids[2] = {e->a, e->op >= QNN_EX_ADD && e->op <= QNN_EX_POW ? e->b : -1};
                    for (int c = 0; c < 2; c++)
                        if (kids[c] >= 0 && kids[c] < qc->nexpr && node_mark[kids[c]] != stamp) {
                            node_mark[kids[c]] = stamp;
                            stack[top++] = kids[c];
                        }
                }
            }
            if (pass == 1) {
                const int end = (int)nuse;
                s->g[i].param = end > s->use_start[i * NA];
                if (s->g[i].param && s->first_param == qc->ngates)
                    s->first_param = (int)i;
            }
        }
        s->use_start[G * NA] = (int)nuse;
        if (pass == 0) {
            cap = nuse ? nuse : 1;
            s->use_var = malloc(cap * sizeof *s->use_var);
            s->use_idx = malloc(cap * sizeof *s->use_idx);
            s->use_d = malloc(cap * sizeof *s->use_d);
            if (!s->use_var || !s->use_idx || !s->use_d)
                goto fail;
        }
    }
    free(node_mark);
    free(var_mark);
    free(stack);
    return s;
fail:
    free(node_mark);
    free(var_mark);
    free(stack);
    qnn_qsim_free(s);
    return NULL;
}

/* Contract: frees s and all it owns; NULL is allowed. */
void qnn_qsim_free(qnn_qsim *s)
{
    if (!s)
        return;
    qnn_qc_free(s->qc);
    free(s->g);
    free(s->ang);
    free(s->use_start);
    free(s->use_var);
    free(s->use_idx);
    free(s->use_d);
    free(s->psi);
    free(s->phi);
    free(s->lam);
    free(s);
}

/* This run's angles, their derivatives with respect to the parameters they
 * use, and the matrices of the gates that have angles. 0, or -1 when an
 * angle or a derivative is not finite. */
static int eval_angles(qnn_qsim *s, const double *theta, const double *x, int want_deriv)
{
    const size_t NA = QNN_GATE_MAX_ANGLES;
    int ok = 1;
    for (int i = 0; i < s->ngates; i++) {
        sgate *sg = &s->g[i];
        if (sg->nang == 0)
            continue;
        double *a = &s->ang[(size_t)i * NA];
        const qnn_gate *gt = &s->qc->gates[i];
        for (int k = 0; k < sg->nang; k++) {
            const int u0 = s->use_start[(size_t)i * NA + (size_t)k];
            const int u1 = s->use_start[(size_t)i * NA + (size_t)k + 1];
            if (!want_deriv || u0 == u1) {
                a[k] = qnn_expr_eval(s->qc, gt->angle[k], theta, x, u0 < u1 ? s->use_var[u0] : -1,
                                     NULL);
            } else {
                for (int u = u0; u < u1; u++) {
                    a[k] = qnn_expr_eval(s->qc, gt->angle[k], theta, x, s->use_var[u], &s->use_d[u]);
                    ok &= isfinite(s->use_d[u]) != 0;
                }
            }
            ok &= isfinite(a[k]) != 0;
        }
        gate_matrices(sg, a);
    }
    return ok ? 0 : -1;
}

static void forward(const qnn_qsim *s, qnn_cplx *psi)
{
    memset(psi, 0, s->D * sizeof *psi);
    psi[0] = 1;
    for (int i = 0; i < s->ngates; i++)
        gate_apply(&s->g[i], (double *)psi, s->D, 0);
}

/* Contract: see qnn/qcircuit.h. Also -1 (and nothing useful in f, grad)
 * when an observable has a Pauli string on a qubit the circuit lacks.
 * Allocates nothing. */
int qnn_qsim_run(qnn_qsim *s, const double *theta, const double *x,
                 int nobs, const qnn_pauli_sum *const *obs,
                 double *f, double *grad, qnn_cplx *psi_out)
{
    const size_t D = s->D, NA = QNN_GATE_MAX_ANGLES;
    const int P = s->nparams;
    const uint32_t outside = s->n >= 32 ? 0 : ~(uint32_t)0 << s->n;
    for (int k = 0; k < nobs; k++)
        for (int t = 0; t < obs[k]->nterms; t++)
            if ((obs[k]->P[t].x | obs[k]->P[t].z) & outside)
                return -1;
    const int bad = eval_angles(s, theta, x, grad != NULL);
    forward(s, s->psi);
    if (psi_out)
        memcpy(psi_out, s->psi, D * sizeof *psi_out);
    if (grad)
        for (size_t j = 0; j < (size_t)nobs * (size_t)P; j++)
            grad[j] = 0;
    int ok = bad == 0;
    double *phi = (double *)s->phi, *lam = (double *)s->lam;
    for (int k = 0; k < nobs; k++) {
        obs_apply(obs[k], (const double *)s->psi, lam, D);
        const double *p = (const double *)s->psi;
        double e = 0;
        for (size_t b = 0; b < 2 * D; b++)
            e += p[b] * lam[b];
        f[k] = e;
        ok &= isfinite(e) != 0;
        if (!grad || P == 0)
            continue;
        double *gk = grad + (size_t)k * (size_t)P;
        memcpy(phi, s->psi, D * sizeof(qnn_cplx));
        for (int i = s->ngates - 1; i >= s->first_param; i--) {
            const sgate *sg = &s->g[i];
            gate_apply(sg, phi, D, 1);
            if (sg->param)
                for (int a = 0; a < sg->nang; a++) {
                    const int u0 = s->use_start[(size_t)i * NA + (size_t)a];
                    const int u1 = s->use_start[(size_t)i * NA + (size_t)a + 1];
                    if (u0 == u1)
                        continue;
                    const qnn_cplx *dm = sg->core2 ? sg->dm : sg->dm + 4 * a;
                    const double dfa = 2.0 * deriv_inner(sg, dm, lam, phi, D);
                    for (int u = u0; u < u1; u++)
                        gk[s->use_idx[u]] += dfa * s->use_d[u];
                }
            /* λ is not needed past the first gate with a parameter */
            if (i > s->first_param)
                gate_apply(sg, lam, D, 1);
        }
        for (int a = 0; a < P; a++)
            ok &= isfinite(gk[a]) != 0;
    }
    return ok ? 0 : -1;
}

/* Contract: see qnn/qcircuit.h (angles that are not finite give a state
 * that is not finite). */
void qnn_qsim_state(qnn_qsim *s, const double *theta, const double *x, qnn_cplx *psi)
{
    (void)eval_angles(s, theta, x, 0);
    forward(s, psi);
}

/* Contract: see qnn/qcircuit.h; the three states dominate (the gate table
 * grows with the circuit, not with n, and is not counted). */
double qnn_qsim_bytes(int n)
{
    return 3.0 * ldexp((double)sizeof(qnn_cplx), n) + (double)sizeof(qnn_qsim);
}
