/* Tests for the simulator of gate-level circuits (qnn_qsim_* of
 * qnn/qcircuit.h, engine/src/qsim.c) against slow, plain references built
 * here:
 *  - every gate's small matrix from the definitions of OpenQASM 3's
 *    stdgates.inc (U(θ, φ, λ) and products of gates: x = U(π, 0, π),
 *    rx(θ) = U(θ, -π/2, π/2), sx = e^{iπ/4} sdg·h·sdg, ...), controlled
 *    gates by the block construction, the two-qubit rotations by a Taylor
 *    series of exp(-iθ P⊗Q/2);
 *  - the full 2^n x 2^n matrix of each gate by placing its small matrix on
 *    its operands (identity elsewhere), the circuit multiplied out;
 *  - observables as dense sums of Kronecker products (reference.c);
 *  - angles computed in plain C from the same recipe the expressions are
 *    built from;
 *  - gradients by central finite differences of the simulator's own values.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <complex.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_rng.h>

#include "qnn/qcircuit.h"
#include "qnn/pauli_sum.h"
#include "qnn/simd.h"
#include "reference.h"

#define TOL 1e-12
#define FD_H 1e-6
#define FD_TOL 1e-7
#define NP 4   /* parameters theta_0 .. theta_3 */
#define NF 2   /* features x_0, x_1 */
#define MAXG 64

/* ---- circuits described in plain C --------------------------------------- */

/* How an angle is made: the expression built for the simulator and the
 * value the reference computes from the same recipe. */
enum { A_VAR, A_AFFINE, A_PROD, A_SIN, A_FEAT, A_CONST, A_NPAT };

typedef struct {
    int pat, i, j;   /* θ_i; θ_j (A_PROD) or x_j (A_FEAT) */
    double c;        /* A_CONST */
} angle_spec;

typedef struct {
    int n, ng;
    int kind[MAXG];
    int q[MAXG][QNN_GATE_MAX_QUBITS];
    angle_spec a[MAXG][QNN_GATE_MAX_ANGLES];
} spec;

static double angle_value(const angle_spec *a, const double *th, const double *x)
{
    switch (a->pat) {
    case A_VAR: return th[a->i];
    case A_AFFINE: return 2.0 * th[a->i] + 0.3;
    case A_PROD: return th[a->i] * th[a->j];
    case A_SIN: return sin(th[a->i]);
    case A_FEAT: return x[a->j] + th[a->i];
    default: return a->c;
    }
}

static int angle_expr(qnn_qc *qc, const angle_spec *a)
{
    const int ti = qnn_qc_varref(qc, a->i);          /* theta_i is variable i */
    switch (a->pat) {
    case A_VAR: return ti;
    case A_AFFINE:
        return qnn_qc_binary(qc, QNN_EX_ADD, qnn_qc_binary(qc, QNN_EX_MUL, qnn_qc_const(qc, 2.0), ti),
                             qnn_qc_const(qc, 0.3));
    case A_PROD: return qnn_qc_binary(qc, QNN_EX_MUL, ti, qnn_qc_varref(qc, a->j));
    case A_SIN: return qnn_qc_unary(qc, QNN_EX_SIN, ti);
    case A_FEAT: return qnn_qc_binary(qc, QNN_EX_ADD, qnn_qc_varref(qc, NP + a->j), ti);
    default: return qnn_qc_const(qc, a->c);
    }
}

static qnn_qc *build(const spec *sp)
{
    qnn_qc *qc = qnn_qc_new(sp->n, "test");
    assert_non_null(qc);
    char name[32];
    for (int i = 0; i < NP; i++) {
        snprintf(name, sizeof name, "theta_%d", i);
        assert_int_equal(qnn_qc_add_var(qc, name, 0, 0), i);
    }
    for (int j = 0; j < NF; j++) {
        snprintf(name, sizeof name, "x_%d", j);
        assert_int_equal(qnn_qc_add_var(qc, name, 0, 0), NP + j);
        qnn_qc_set_role(qc, NP + j, QNN_VAR_FEATURE);
    }
    assert_int_equal(qc->nparams, NP);
    assert_int_equal(qc->nfeatures, NF);
    for (int g = 0; g < sp->ng; g++) {
        const qnn_gate_info *gi = qnn_gate_info_of(sp->kind[g]);
        int ang[QNN_GATE_MAX_ANGLES] = {0};
        for (int k = 0; k < gi->nangles; k++) {
            ang[k] = angle_expr(qc, &sp->a[g][k]);
            assert_true(ang[k] >= 0);
        }
        char err[256];
        assert_int_equal(qnn_qc_add(qc, sp->kind[g], sp->q[g], ang, 0, 0, -1, err, sizeof err), 0);
    }
    return qc;
}

/* Random distinct operands, random angle recipes. */
static void add_gate(gsl_rng *r, spec *sp, int kind, int const_only)
{
    const qnn_gate_info *gi = qnn_gate_info_of(kind);
    const int g = sp->ng++;
    assert_true(g < MAXG);
    sp->kind[g] = kind;
    for (int j = 0; j < gi->nqubits; j++) {
        int q, dup;
        do {
            q = (int)gsl_rng_uniform_int(r, (unsigned long)sp->n);
            dup = 0;
            for (int i = 0; i < j; i++)
                dup |= sp->q[g][i] == q;
        } while (dup);
        sp->q[g][j] = q;
    }
    for (int k = 0; k < gi->nangles; k++) {
        angle_spec *a = &sp->a[g][k];
        a->pat = const_only ? A_CONST : (int)gsl_rng_uniform_int(r, A_NPAT);
        a->i = (int)gsl_rng_uniform_int(r, NP);
        a->j = (int)gsl_rng_uniform_int(r, a->pat == A_FEAT ? NF : NP);
        a->c = 2.0 * M_PI * (gsl_rng_uniform(r) - 0.5);
    }
}

/* ---- the reference: small matrices from stdgates.inc --------------------- */

/* Row-major small matrices; local index bit j is operand j. */
static void mat_U(double th, double ph, double la, qnn_cplx m[4])
{
    m[0] = cos(th / 2);
    m[1] = -cexp(I * la) * sin(th / 2);
    m[2] = cexp(I * ph) * sin(th / 2);
    m[3] = cexp(I * (ph + la)) * cos(th / 2);
}

static void mul2(const qnn_cplx *a, const qnn_cplx *b, qnn_cplx *c, int d)
{
    for (int i = 0; i < d; i++)
        for (int k = 0; k < d; k++) {
            qnn_cplx s = 0;
            for (int j = 0; j < d; j++)
                s += a[i * d + j] * b[j * d + k];
            c[i * d + k] = s;
        }
}

static void scale(qnn_cplx *m, int len, qnn_cplx f)
{
    for (int j = 0; j < len; j++)
        m[j] *= f;
}

static void pauli_small(char c, qnn_cplx m[4])
{
    m[0] = m[1] = m[2] = m[3] = 0;
    switch (c) {
    case 'X': m[1] = m[2] = 1; break;
    case 'Y': m[1] = -I; m[2] = I; break;
    case 'Z': m[0] = 1; m[3] = -1; break;
    default: m[0] = m[3] = 1; break;
    }
}

/* exp(-iθ A⊗B/2) (A on operand 0 = local bit 0) by its Taylor series. */
static void rot2(char a, char b, double th, qnn_cplx m[16])
{
    qnn_cplx pa[4], pb[4], P[16], term[16], tmp[16];
    pauli_small(a, pa);
    pauli_small(b, pb);
    for (int r = 0; r < 4; r++)
        for (int c = 0; c < 4; c++) {
            P[r * 4 + c] = pa[(r & 1) * 2 + (c & 1)] * pb[(r >> 1) * 2 + (c >> 1)];
            term[r * 4 + c] = m[r * 4 + c] = r == c;
        }
    for (int k = 1; k < 60; k++) {
        mul2(term, P, tmp, 4);
        for (int j = 0; j < 16; j++)
            m[j] += term[j] = tmp[j] * (-I * th / 2) / k;
    }
}

/* The base (uncontrolled) matrix of a 1-qubit kind. */
static void base1(int kind, const double *a, qnn_cplx m[4])
{
    qnn_cplx s[4], h[4], t[4];
    switch (kind) {
    case QNN_G_ID: mat_U(0, 0, 0, m); break;
    case QNN_G_X: case QNN_G_CX: case QNN_G_CCX: mat_U(M_PI, 0, M_PI, m); break;
    case QNN_G_Y: case QNN_G_CY: mat_U(M_PI, M_PI / 2, M_PI / 2, m); break;
    case QNN_G_Z: case QNN_G_CZ: mat_U(0, 0, M_PI, m); break;
    case QNN_G_H: case QNN_G_CH: mat_U(M_PI / 2, 0, M_PI, m); break;
    case QNN_G_S: mat_U(0, 0, M_PI / 2, m); break;
    case QNN_G_SDG: mat_U(0, 0, -M_PI / 2, m); break;
    case QNN_G_T: mat_U(0, 0, M_PI / 4, m); break;
    case QNN_G_TDG: mat_U(0, 0, -M_PI / 4, m); break;
    case QNN_G_SX: /* gphase(π/4); sdg; h; sdg */
        mat_U(0, 0, -M_PI / 2, s);
        mat_U(M_PI / 2, 0, M_PI, h);
        mul2(h, s, t, 2);
        mul2(s, t, m, 2);
        scale(m, 4, cexp(I * M_PI / 4));
        break;
    case QNN_G_SXDG: /* the inverse: gphase(-π/4); s; h; s */
        mat_U(0, 0, M_PI / 2, s);
        mat_U(M_PI / 2, 0, M_PI, h);
        mul2(h, s, t, 2);
        mul2(s, t, m, 2);
        scale(m, 4, cexp(-I * M_PI / 4));
        break;
    case QNN_G_RX: case QNN_G_CRX: mat_U(a[0], -M_PI / 2, M_PI / 2, m); break;
    case QNN_G_RY: case QNN_G_CRY: mat_U(a[0], 0, 0, m); break;
    case QNN_G_RZ: case QNN_G_CRZ: /* gphase(-θ/2); U(0, 0, θ) */
        mat_U(0, 0, a[0], m);
        scale(m, 4, cexp(-I * a[0] / 2));
        break;
    case QNN_G_P: case QNN_G_CP: mat_U(0, 0, a[0], m); break;
    case QNN_G_U: mat_U(a[0], a[1], a[2], m); break;
    case QNN_G_CU: mat_U(a[0], a[1], a[2], m); scale(m, 4, cexp(I * a[3])); break;
    default: fail_msg("kind %d is not a 1-qubit base", kind);
    }
}

static void swap_small(qnn_cplx m[16])
{
    for (int r = 0; r < 4; r++)
        for (int c = 0; c < 4; c++)
            m[r * 4 + c] = (r == c && (r == 0 || r == 3)) || (r == 1 && c == 2) || (r == 2 && c == 1);
}

/* The block matrix: B on the targets (high local bits) when all nc
 * controls (low local bits) are 1, the identity otherwise. */
static void controlled(int nc, int bd, const qnn_cplx *B, qnn_cplx *M)
{
    const int d = bd << nc, cm = (1 << nc) - 1;
    for (int r = 0; r < d; r++)
        for (int c = 0; c < d; c++) {
            qnn_cplx v;
            if ((r & cm) != (c & cm))
                v = 0;
            else if ((c & cm) == cm)
                v = B[(r >> nc) * bd + (c >> nc)];
            else
                v = r == c;
            M[r * d + c] = v;
        }
}

/* The small matrix (2^nqubits square, row-major) of a gate. */
static int small(int kind, const double *a, qnn_cplx *M)
{
    const qnn_gate_info *gi = qnn_gate_info_of(kind);
    qnn_cplx b[16];
    switch (kind) {
    case QNN_G_SWAP: swap_small(M); break;
    case QNN_G_CSWAP: swap_small(b); controlled(1, 4, b, M); break;
    case QNN_G_RXX: rot2('X', 'X', a[0], M); break;
    case QNN_G_RYY: rot2('Y', 'Y', a[0], M); break;
    case QNN_G_RZZ: rot2('Z', 'Z', a[0], M); break;
    case QNN_G_RZX: rot2('Z', 'X', a[0], M); break;
    default:
        base1(kind, a, b);
        if (gi->ncontrols)
            controlled(gi->ncontrols, 2, b, M);
        else
            memcpy(M, b, 4 * sizeof *M);
    }
    return 1 << gi->nqubits;
}

/* The full column-major D x D matrix of gate g of sp. */
static void place(const spec *sp, int g, const double *th, const double *x, qnn_cplx *F)
{
    const qnn_gate_info *gi = qnn_gate_info_of(sp->kind[g]);
    double a[QNN_GATE_MAX_ANGLES] = {0};
    for (int k = 0; k < gi->nangles; k++)
        a[k] = angle_value(&sp->a[g][k], th, x);
    qnn_cplx M[64];
    const int d = small(sp->kind[g], a, M);
    const size_t D = (size_t)1 << sp->n;
    size_t opmask = 0;
    for (int j = 0; j < gi->nqubits; j++)
        opmask |= (size_t)1 << sp->q[g][j];
    for (size_t r = 0; r < D; r++)
        for (size_t c = 0; c < D; c++) {
            qnn_cplx v = 0;
            if ((r & ~opmask) == (c & ~opmask)) {
                int lr = 0, lc = 0;
                for (int j = 0; j < gi->nqubits; j++) {
                    lr |= (int)((r >> sp->q[g][j]) & 1) << j;
                    lc |= (int)((c >> sp->q[g][j]) & 1) << j;
                }
                v = M[lr * d + lc];
            }
            F[r + c * D] = v;
        }
}

/* ψ = (circuit) |0…0> by dense products. */
static void ref_state(const spec *sp, const double *th, const double *x, qnn_cplx *psi)
{
    const size_t D = (size_t)1 << sp->n;
    qnn_cplx *F = malloc(D * D * sizeof *F), *t = malloc(D * sizeof *t);
    memset(psi, 0, D * sizeof *psi);
    psi[0] = 1;
    for (int g = 0; g < sp->ng; g++) {
        place(sp, g, th, x, F);
        ref_matvec(D, F, psi, t);
        memcpy(psi, t, D * sizeof *t);
    }
    free(F);
    free(t);
}

/* ---- observables ------------------------------------------------------------ */

typedef struct {
    qnn_pauli_sum s;
    qnn_pauli P[8];
    double c[8];
} obs_buf;

static void random_obs(gsl_rng *r, int n, int nterms, obs_buf *o)
{
    o->s.n = n;
    o->s.nterms = nterms;
    o->s.P = o->P;
    o->s.c = o->c;
    for (int t = 0; t < nterms; t++) {
        o->P[t].x = (uint32_t)gsl_rng_uniform_int(r, 1ul << n);
        o->P[t].z = (uint32_t)gsl_rng_uniform_int(r, 1ul << n);
        o->c[t] = 2.0 * gsl_rng_uniform(r) - 1.0;
    }
}

/* <ψ|O|ψ> with O = Σ c_k (dense Kronecker product of the letters). */
static double ref_obs(const qnn_pauli_sum *o, int n, const qnn_cplx *psi)
{
    const size_t D = (size_t)1 << n;
    double e = 0;
    for (int t = 0; t < o->nterms; t++) {
        qnn_cplx *P = ref_pauli(o->P[t], n);
        e += o->c[t] * creal(ref_expect(D, P, psi));
        free(P);
    }
    return e;
}

/* ---- checks ----------------------------------------------------------------- */

static void random_theta(gsl_rng *r, double *th, double *x)
{
    for (int i = 0; i < NP; i++)
        th[i] = 2.0 * M_PI * (gsl_rng_uniform(r) - 0.5);
    for (int j = 0; j < NF; j++)
        x[j] = 2.0 * M_PI * (gsl_rng_uniform(r) - 0.5);
}

/* State (psi_out and qnn_qsim_state) and values against the reference. */
static void check_values(const spec *sp, const double *th, const double *x, int nobs,
                         const qnn_pauli_sum *const *obs)
{
    const size_t D = (size_t)1 << sp->n;
    qnn_qc *qc = build(sp);
    qnn_qsim *s = qnn_qsim_new(qc);
    assert_non_null(s);
    qnn_cplx *ref = malloc(D * sizeof *ref), *psi = malloc(D * sizeof *psi);
    double f[8], g[8 * NP];
    ref_state(sp, th, x, ref);
    assert_int_equal(qnn_qsim_run(s, th, x, nobs, obs, f, g, psi), 0);
    assert_true(ref_maxdiff(D, ref, psi) < TOL);
    for (int k = 0; k < nobs; k++)
        assert_true(fabs(f[k] - ref_obs(obs[k], sp->n, ref)) < TOL);
    memset(psi, 0, D * sizeof *psi);
    qnn_qsim_state(s, th, x, psi);
    assert_true(ref_maxdiff(D, ref, psi) < TOL);
    /* without a gradient: the same values */
    double f2[8];
    assert_int_equal(qnn_qsim_run(s, th, x, nobs, obs, f2, NULL, NULL), 0);
    for (int k = 0; k < nobs; k++)
        assert_true(fabs(f2[k] - f[k]) < TOL);
    free(ref);
    free(psi);
    qnn_qsim_free(s);
    qnn_qc_free(qc);
}

/* Every ∂f_k/∂θ_a against central differences of f_k; the grad array has
 * exactly nobs * NP entries (features get none). Returns the largest
 * |gradient| seen, so callers can insist the check was not vacuous. */
static double check_grad(const spec *sp, const double *th0, const double *x, int nobs,
                         const qnn_pauli_sum *const *obs, const char *what)
{
    qnn_qc *qc = build(sp);
    qnn_qsim *s = qnn_qsim_new(qc);
    assert_non_null(s);
    qnn_qc_free(qc); /* the simulator keeps its own copy */
    double f[8], g[8 * NP + 1], fp[8], fm[8], th[NP];
    g[nobs * NP] = 12345.0;
    assert_int_equal(qnn_qsim_run(s, th0, x, nobs, obs, f, g, NULL), 0);
    assert_true(g[nobs * NP] == 12345.0);
    double gmax = 0;
    for (int a = 0; a < NP; a++) {
        memcpy(th, th0, sizeof th);
        th[a] = th0[a] + FD_H;
        assert_int_equal(qnn_qsim_run(s, th, x, nobs, obs, fp, NULL, NULL), 0);
        th[a] = th0[a] - FD_H;
        assert_int_equal(qnn_qsim_run(s, th, x, nobs, obs, fm, NULL, NULL), 0);
        for (int k = 0; k < nobs; k++) {
            const double fd = (fp[k] - fm[k]) / (2 * FD_H), ad = g[k * NP + a];
            if (!(fabs(ad - fd) <= FD_TOL * fmax(1.0, fabs(fd))))
                fail_msg("%s: gradient %d of observable %d: adjoint %.15g, finite difference %.15g",
                         what, a, k, ad, fd);
            gmax = fmax(gmax, fabs(ad));
        }
    }
    qnn_qsim_free(s);
    return gmax;
}

/* ---- tests ---------------------------------------------------------------- */

/* A generic state first (constant U on every qubit), then gates of one
 * kind with random operands and angle recipes. */
static void test_every_kind_state(void **st)
{
    (void)st;
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 20);
    for (int kind = 0; kind < QNN_G_COUNT; kind++)
        for (int trial = 0; trial < 6; trial++) {
            spec sp = {.n = 3 + trial % 2};
            for (int q = 0; q < sp.n; q++) {
                add_gate(r, &sp, QNN_G_U, 1);
                sp.q[sp.ng - 1][0] = q;
            }
            for (int j = 0; j < 3; j++)
                add_gate(r, &sp, kind, 0);
            double th[NP], x[NF];
            random_theta(r, th, x);
            obs_buf o[2];
            random_obs(r, sp.n, 4, &o[0]);
            random_obs(r, sp.n, 1, &o[1]);
            const qnn_pauli_sum *obs[2] = {&o[0].s, &o[1].s};
            check_values(&sp, th, x, 2, obs);
        }
    gsl_rng_free(r);
}

/* Gradients through every kind: parametrised rotations before and after
 * (so λ and ψ are un-applied through the kind), gates of the kind with
 * angle recipes 2θ+0.3, θθ', sin θ, x + θ, and parameters shared by
 * several gates (four parameters for about a dozen angles). */
static void test_every_kind_grad(void **st)
{
    (void)st;
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 21);
    for (int kind = 0; kind < QNN_G_COUNT; kind++)
        for (int trial = 0; trial < 4; trial++) {
            spec sp = {.n = 3 + trial % 2};
            for (int q = 0; q < sp.n; q++) {
                add_gate(r, &sp, QNN_G_RY, 0);
                sp.q[sp.ng - 1][0] = q;
                add_gate(r, &sp, QNN_G_RX, 0);
                sp.q[sp.ng - 1][0] = q;
            }
            for (int j = 0; j < 3; j++)
                add_gate(r, &sp, kind, 0);
            add_gate(r, &sp, QNN_G_CX, 0);
            for (int q = 0; q < sp.n; q++) {
                add_gate(r, &sp, QNN_G_RZ, 0);
                sp.q[sp.ng - 1][0] = q;
                add_gate(r, &sp, QNN_G_RY, 0);
                sp.q[sp.ng - 1][0] = q;
            }
            double th[NP], x[NF];
            random_theta(r, th, x);
            obs_buf o[2];
            random_obs(r, sp.n, 3, &o[0]);
            random_obs(r, sp.n, 2, &o[1]);
            const qnn_pauli_sum *obs[2] = {&o[0].s, &o[1].s};
            check_values(&sp, th, x, 2, obs);
            assert_true(check_grad(&sp, th, x, 2, obs, qnn_gate_info_of(kind)->name) > 1e-6);
        }
    gsl_rng_free(r);
}

/* Only gates of one parametric kind, every angle a recipe of the
 * parameters: the derivative of that kind's matrix alone is checked. */
static void test_parametric_kind_alone(void **st)
{
    (void)st;
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 22);
    for (int kind = 0; kind < QNN_G_COUNT; kind++) {
        const qnn_gate_info *gi = qnn_gate_info_of(kind);
        if (gi->nangles == 0)
            continue;
        for (int trial = 0; trial < 6; trial++) {
            spec sp = {.n = 3};
            /* H on every qubit: a state every kind acts on nontrivially */
            for (int q = 0; q < sp.n; q++) {
                add_gate(r, &sp, QNN_G_H, 0);
                sp.q[sp.ng - 1][0] = q;
            }
            for (int j = 0; j < 4; j++)
                add_gate(r, &sp, kind, 0);
            double th[NP], x[NF];
            random_theta(r, th, x);
            obs_buf o;
            random_obs(r, sp.n, 5, &o);
            const qnn_pauli_sum *obs[1] = {&o.s};
            check_values(&sp, th, x, 1, obs);
            check_grad(&sp, th, x, 1, obs, gi->name);
        }
    }
    gsl_rng_free(r);
}

/* A long random circuit of all kinds on four to six qubits (targets in
 * high bits, blocks of several pairs), three observables. */
static void test_mixed_multi_observable(void **st)
{
    (void)st;
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 23);
    for (int trial = 0; trial < 5; trial++) {
        spec sp = {.n = 4 + trial % 3};
        for (int j = 0; j < 48; j++)
            add_gate(r, &sp, (int)gsl_rng_uniform_int(r, QNN_G_COUNT), 0);
        double th[NP], x[NF];
        random_theta(r, th, x);
        obs_buf o[3];
        random_obs(r, sp.n, 4, &o[0]);
        random_obs(r, sp.n, 1, &o[1]);
        random_obs(r, sp.n, 6, &o[2]);
        const qnn_pauli_sum *obs[3] = {&o[0].s, &o[1].s, &o[2].s};
        check_values(&sp, th, x, 3, obs);
        assert_true(check_grad(&sp, th, x, 3, obs, "mixed") > 1e-6);
        /* the rows of grad are the observables': each alone gives its row */
        qnn_qc *qc = build(&sp);
        qnn_qsim *s = qnn_qsim_new(qc);
        double f[3], g[3 * NP], f1, g1[NP];
        assert_int_equal(qnn_qsim_run(s, th, x, 3, obs, f, g, NULL), 0);
        for (int k = 0; k < 3; k++) {
            assert_int_equal(qnn_qsim_run(s, th, x, 1, &obs[k], &f1, g1, NULL), 0);
            assert_true(fabs(f1 - f[k]) < TOL);
            for (int a = 0; a < NP; a++)
                assert_true(fabs(g1[a] - g[k * NP + a]) < TOL);
        }
        qnn_qsim_free(s);
        qnn_qc_free(qc);
    }
    gsl_rng_free(r);
}

/* The two-qubit rotations (rxx, ryy, rzx: the dense 4x4 kernels of
 * qnn/gate2.h) and the uncontrolled 1-qubit rotations on wider states, on
 * every SIMD path: operands low (both in one vector register), mixed and
 * high, in both orders, n = 6, 8 (10 on the highest path); states
 * against the dense product, gradients against finite differences. */
static void test_two_qubit_rotations_wide(void **st)
{
    (void)st;
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 24);
    for (int level = QNN_SIMD_SCALAR; level <= qnn_simd_max(); level++) {
        qnn_simd_set(level);
        /* n = 10 (a 1024 x 1024 dense reference per gate) on the top path only */
        for (int n = 6; n <= (level == qnn_simd_max() ? 10 : 8); n += 2) {
            const int pairs[][2] = {{0, 1}, {1, 0}, {0, n - 1}, {n - 2, 1}, {1, 4},
                                    {n - 1, n - 3}, {3, 2}, {2, n - 1}};
            const int kinds[3] = {QNN_G_RXX, QNN_G_RYY, QNN_G_RZX};
            spec sp = {.n = n};
            for (int q = 0; q < n; q++) {
                add_gate(r, &sp, QNN_G_U, 1);
                sp.q[sp.ng - 1][0] = q;
            }
            for (int k = 0; k < 8; k++) {
                add_gate(r, &sp, kinds[k % 3], 0);
                sp.q[sp.ng - 1][0] = pairs[k][0];
                sp.q[sp.ng - 1][1] = pairs[k][1];
                add_gate(r, &sp, k % 2 ? QNN_G_RX : QNN_G_RY, 0);
                sp.q[sp.ng - 1][0] = (int[]){0, 1, 2, n - 1}[k % 4];
            }
            double th[NP], x[NF];
            random_theta(r, th, x);
            obs_buf o[2];
            random_obs(r, n, 3, &o[0]);
            random_obs(r, n, 2, &o[1]);
            const qnn_pauli_sum *obs[2] = {&o[0].s, &o[1].s};
            check_values(&sp, th, x, 2, obs);
            assert_true(check_grad(&sp, th, x, 2, obs, "two-qubit rotations") > 1e-6);
        }
    }
    qnn_simd_set(-1);
    gsl_rng_free(r);
}

/* A feature moves the state (x matters) but has no entry in grad; the
 * parameters' gradient at fixed x still matches finite differences; a
 * parameter shared by four gates sums its uses. */
static void test_features_and_sharing(void **st)
{
    (void)st;
    spec sp = {.n = 2, .ng = 5};
    const int kinds[5] = {QNN_G_RY, QNN_G_RX, QNN_G_CRZ, QNN_G_RYY, QNN_G_RY};
    const int qs[5][2] = {{0, 0}, {1, 0}, {0, 1}, {1, 0}, {1, 0}};
    for (int g = 0; g < 5; g++) {
        sp.kind[g] = kinds[g];
        sp.q[g][0] = qs[g][0];
        sp.q[g][1] = qs[g][1];
        sp.a[g][0] = (angle_spec){.pat = A_VAR, .i = 0};       /* θ_0 everywhere */
    }
    sp.a[1][0] = (angle_spec){.pat = A_FEAT, .i = 0, .j = 1};  /* x_1 + θ_0 */
    sp.a[4][0] = (angle_spec){.pat = A_FEAT, .i = 2, .j = 0};  /* x_0 + θ_2 */
    double th[NP] = {0.3, -0.7, 1.1, 0.4}, x[NF] = {0.9, -1.3};
    obs_buf o = {.s = {.n = 2, .nterms = 2}};
    o.s.P = o.P;
    o.s.c = o.c;
    o.P[0] = (qnn_pauli){.x = 0, .z = 1};
    o.P[1] = (qnn_pauli){.x = 1, .z = 2};   /* X_0 Z_1: ry on qubit 1 moves it */
    o.c[0] = 0.8;
    o.c[1] = -0.5;
    const qnn_pauli_sum *obs[1] = {&o.s};
    check_values(&sp, th, x, 1, obs);
    check_grad(&sp, th, x, 1, obs, "features");

    qnn_qc *qc = build(&sp);
    qnn_qsim *s = qnn_qsim_new(qc);
    double f0, f1, g[NP + 1];
    g[NP] = -7.0;
    assert_int_equal(qnn_qsim_run(s, th, x, 1, obs, &f0, g, NULL), 0);
    assert_true(g[NP] == -7.0);
    /* θ_1, θ_3 appear nowhere: exactly zero */
    assert_true(g[1] == 0.0 && g[3] == 0.0);
    assert_true(fabs(g[0]) > 1e-3 && fabs(g[2]) > 1e-3);
    /* the feature matters: a changed x changes f and the reference agrees */
    double x2[NF] = {x[0] + 1.0, x[1] - 0.8};
    assert_int_equal(qnn_qsim_run(s, th, x2, 1, obs, &f1, NULL, NULL), 0);
    assert_true(fabs(f1 - f0) > 1e-2);
    check_values(&sp, th, x2, 1, obs);
    /* ∂f/∂θ_2 = ∂f/∂x_0 since the angle is x_0 + θ_2: the feature's
     * derivative exists, it is just not reported */
    double xp[NF] = {x[0] + FD_H, x[1]}, xm[NF] = {x[0] - FD_H, x[1]}, fp, fm;
    qnn_qsim_run(s, th, xp, 1, obs, &fp, NULL, NULL);
    qnn_qsim_run(s, th, xm, 1, obs, &fm, NULL, NULL);
    assert_true(fabs((fp - fm) / (2 * FD_H) - g[2]) < FD_TOL);
    qnn_qsim_free(s);
    qnn_qc_free(qc);
}

/* No gates: |0…0>, f = <0|O|0>, a zero gradient. */
static void test_empty(void **st)
{
    (void)st;
    spec sp = {.n = 3, .ng = 0};
    double th[NP] = {0.1, 0.2, 0.3, 0.4}, x[NF] = {0, 0};
    obs_buf o = {.s = {.n = 3, .nterms = 3}};
    o.s.P = o.P;
    o.s.c = o.c;
    o.P[0] = (qnn_pauli){.x = 0, .z = 5};   /* Z?Z: +1 on |000> */
    o.P[1] = (qnn_pauli){.x = 1, .z = 0};   /* X: 0 */
    o.P[2] = (qnn_pauli){.x = 0, .z = 0};   /* identity */
    o.c[0] = 0.5;
    o.c[1] = 2.0;
    o.c[2] = -0.25;
    const qnn_pauli_sum *obs[1] = {&o.s};
    qnn_qc *qc = build(&sp);
    qnn_qsim *s = qnn_qsim_new(qc);
    assert_non_null(s);
    double f, g[NP];
    qnn_cplx psi[8];
    assert_int_equal(qnn_qsim_run(s, th, x, 1, obs, &f, g, psi), 0);
    assert_true(fabs(f - 0.25) < TOL);
    for (int a = 0; a < NP; a++)
        assert_true(g[a] == 0.0);
    assert_true(psi[0] == 1.0);
    for (int b = 1; b < 8; b++)
        assert_true(psi[b] == 0.0);
    /* no observables at all */
    assert_int_equal(qnn_qsim_run(s, th, x, 0, NULL, NULL, g, psi), 0);
    qnn_qsim_free(s);
    qnn_qc_free(qc);
}

/* One qubit: every 1-qubit kind in a row, values and gradients. */
static void test_one_qubit(void **st)
{
    (void)st;
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 24);
    for (int trial = 0; trial < 4; trial++) {
        spec sp = {.n = 1};
        for (int kind = 0; kind < QNN_G_COUNT; kind++)
            if (qnn_gate_info_of(kind)->nqubits == 1) {
                add_gate(r, &sp, kind, 0);
                add_gate(r, &sp, QNN_G_RY, 0);
            }
        double th[NP], x[NF];
        random_theta(r, th, x);
        obs_buf o;
        random_obs(r, 1, 3, &o);
        const qnn_pauli_sum *obs[1] = {&o.s};
        check_values(&sp, th, x, 1, obs);
        assert_true(check_grad(&sp, th, x, 1, obs, "one qubit") > 1e-6);
    }
    gsl_rng_free(r);
}

/* A circuit of fixed gates on constant angles, its final state. */
static void run_fixed(int n, int ng, const int *kinds, const int (*q)[3], const double (*ang)[4],
                      qnn_cplx *psi)
{
    qnn_qc *qc = qnn_qc_new(n, "known");
    char err[128];
    for (int g = 0; g < ng; g++) {
        int e[4] = {0};
        for (int k = 0; k < qnn_gate_info_of(kinds[g])->nangles; k++)
            e[k] = qnn_qc_const(qc, ang[g][k]);
        assert_int_equal(qnn_qc_add(qc, kinds[g], q[g], e, 0, 0, -1, err, sizeof err), 0);
    }
    qnn_qsim *s = qnn_qsim_new(qc);
    assert_non_null(s);
    qnn_qsim_state(s, NULL, NULL, psi);
    qnn_qsim_free(s);
    qnn_qc_free(qc);
}

static void expect_state(size_t D, const qnn_cplx *psi, const qnn_cplx *want)
{
    for (size_t b = 0; b < D; b++)
        if (cabs(psi[b] - want[b]) > TOL)
            fail_msg("amplitude %zu: %g%+gi, expected %g%+gi", b, creal(psi[b]), cimag(psi[b]),
                     creal(want[b]), cimag(want[b]));
}

/* Known values, written out by hand. */
static void test_known_values(void **st)
{
    (void)st;
    const double r2 = 1.0 / sqrt(2.0);
    qnn_cplx psi[8];
    {   /* h q[0]; cx q[0], q[1]: (|00> + |11>)/√2, qubit k = bit k */
        const int k[2] = {QNN_G_H, QNN_G_CX};
        const int q[2][3] = {{0}, {0, 1}};
        const double a[2][4] = {{0}};
        run_fixed(2, 2, k, q, a, psi);
        expect_state(4, psi, (qnn_cplx[]){r2, 0, 0, r2});
    }
    {   /* x q[1] on three qubits: |010>, basis index 2 */
        const int k[1] = {QNN_G_X};
        const int q[1][3] = {{1}};
        const double a[1][4] = {{0}};
        run_fixed(3, 1, k, q, a, psi);
        expect_state(8, psi, (qnn_cplx[]){0, 0, 1, 0, 0, 0, 0, 0});
    }
    {   /* rx(π) = -iX: |0> -> -i|1> */
        const int k[1] = {QNN_G_RX};
        const int q[1][3] = {{0}};
        const double a[1][4] = {{M_PI}};
        run_fixed(1, 1, k, q, a, psi);
        expect_state(2, psi, (qnn_cplx[]){0, -I});
    }
    {   /* ry(π)|0> = |1>; rz(π)|0> = -i|0> */
        const int k[1] = {QNN_G_RY};
        const int q[1][3] = {{0}};
        const double a[1][4] = {{M_PI}};
        run_fixed(1, 1, k, q, a, psi);
        expect_state(2, psi, (qnn_cplx[]){0, 1});
        const int k2[1] = {QNN_G_RZ};
        run_fixed(1, 1, k2, q, a, psi);
        expect_state(2, psi, (qnn_cplx[]){-I, 0});
    }
    {   /* sx sx = x, and x H|0> = H|0> */
        const int k[3] = {QNN_G_H, QNN_G_SX, QNN_G_SX};
        const int q[3][3] = {{0}, {0}, {0}};
        const double a[3][4] = {{0}};
        run_fixed(1, 3, k, q, a, psi);
        expect_state(2, psi, (qnn_cplx[]){r2, r2});
        /* sx|0> = ((1+i)|0> + (1-i)|1>)/2 */
        run_fixed(1, 1, k + 1, q, a, psi);
        expect_state(2, psi, (qnn_cplx[]){0.5 + 0.5 * I, 0.5 - 0.5 * I});
    }
    {   /* h; t; t = h; s: (|0> + i|1>)/√2 */
        const int k[3] = {QNN_G_H, QNN_G_T, QNN_G_T};
        const int q[3][3] = {{0}, {0}, {0}};
        const double a[3][4] = {{0}};
        run_fixed(1, 3, k, q, a, psi);
        expect_state(2, psi, (qnn_cplx[]){r2, I * r2});
    }
    {   /* U(π/2, 0, π) = H */
        const int k[1] = {QNN_G_U};
        const int q[1][3] = {{0}};
        const double a[1][4] = {{M_PI / 2, 0, M_PI}};
        run_fixed(1, 1, k, q, a, psi);
        expect_state(2, psi, (qnn_cplx[]){r2, r2});
    }
    {   /* x q[0]; cu(π, 0, π, π/2) q[0], q[1]: controlled i·X: i|11> */
        const int k[2] = {QNN_G_X, QNN_G_CU};
        const int q[2][3] = {{0}, {0, 1}};
        const double a[2][4] = {{0}, {M_PI, 0, M_PI, M_PI / 2}};
        run_fixed(2, 2, k, q, a, psi);
        expect_state(4, psi, (qnn_cplx[]){0, 0, 0, I});
    }
    {   /* the control is the first operand: cx q[1], q[0] on |00> does nothing */
        const int k[1] = {QNN_G_CX};
        const int q[1][3] = {{1, 0}};
        const double a[1][4] = {{0}};
        run_fixed(2, 1, k, q, a, psi);
        expect_state(4, psi, (qnn_cplx[]){1, 0, 0, 0});
    }
    {   /* x q[0]; x q[2]; ccx q[0], q[2], q[1]: |111> */
        const int k[3] = {QNN_G_X, QNN_G_X, QNN_G_CCX};
        const int q[3][3] = {{0}, {2}, {0, 2, 1}};
        const double a[3][4] = {{0}};
        run_fixed(3, 3, k, q, a, psi);
        expect_state(8, psi, (qnn_cplx[]){0, 0, 0, 0, 0, 0, 0, 1});
    }
    {   /* x q[2]; x q[0] (index 5); cswap q[2], q[0], q[1] swaps q0, q1: index 6 */
        const int k[3] = {QNN_G_X, QNN_G_X, QNN_G_CSWAP};
        const int q[3][3] = {{2}, {0}, {2, 0, 1}};
        const double a[3][4] = {{0}};
        run_fixed(3, 3, k, q, a, psi);
        expect_state(8, psi, (qnn_cplx[]){0, 0, 0, 0, 0, 0, 1, 0});
    }
    {   /* rzz(θ)|00> = e^{-iθ/2}|00>; rzx(π) q[0], q[1] = -i Z⊗X: -i|10> (q1 set) */
        const int k[1] = {QNN_G_RZZ};
        const int q[1][3] = {{0, 1}};
        const double a[1][4] = {{0.8}};
        run_fixed(2, 1, k, q, a, psi);
        expect_state(4, psi, (qnn_cplx[]){cexp(-0.4 * I), 0, 0, 0});
        const int k2[1] = {QNN_G_RZX};
        const double a2[1][4] = {{M_PI}};
        run_fixed(2, 1, k2, q, a2, psi);
        expect_state(4, psi, (qnn_cplx[]){0, 0, -I, 0});
    }
    {   /* x; p(λ): e^{iλ}|1>; swap moves it to qubit 1 */
        const int k[3] = {QNN_G_X, QNN_G_P, QNN_G_SWAP};
        const int q[3][3] = {{0}, {0}, {0, 1}};
        const double a[3][4] = {{0}, {0.6}, {0}};
        run_fixed(2, 3, k, q, a, psi);
        expect_state(4, psi, (qnn_cplx[]){0, 0, cexp(0.6 * I), 0});
    }
}

/* A value that is not finite is refused; an observable on a qubit the
 * circuit lacks too. */
static void test_not_finite(void **st)
{
    (void)st;
    spec sp = {.n = 2, .ng = 1};
    sp.kind[0] = QNN_G_RX;
    sp.a[0][0] = (angle_spec){.pat = A_VAR, .i = 1};
    qnn_qc *qc = build(&sp);
    qnn_qsim *s = qnn_qsim_new(qc);
    obs_buf o = {.s = {.n = 2, .nterms = 1}};
    o.s.P = o.P;
    o.s.c = o.c;
    o.P[0] = (qnn_pauli){.x = 0, .z = 1};
    o.c[0] = 1;
    const qnn_pauli_sum *obs[1] = {&o.s};
    double th[NP] = {0, NAN, 0, 0}, x[NF] = {0}, f, g[NP];
    assert_int_equal(qnn_qsim_run(s, th, x, 1, obs, &f, g, NULL), -1);
    assert_int_equal(qnn_qsim_run(s, th, x, 1, obs, &f, NULL, NULL), -1);
    th[1] = 0.5;
    assert_int_equal(qnn_qsim_run(s, th, x, 1, obs, &f, g, NULL), 0);
    o.P[0].z = 4; /* Z on qubit 2 of a 2-qubit circuit */
    assert_int_equal(qnn_qsim_run(s, th, x, 1, obs, &f, g, NULL), -1);
    qnn_qsim_free(s);
    qnn_qc_free(qc);
}

static void test_bytes(void **st)
{
    (void)st;
    for (int n = 1; n <= 24; n++) {
        assert_true(qnn_qsim_bytes(n) >= 3.0 * 16.0 * ldexp(1.0, n));
        assert_true(qnn_qsim_bytes(n) < 4.0 * 16.0 * ldexp(1.0, n) + 4096.0);
    }
    assert_null(qnn_qsim_new(NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_values),
        cmocka_unit_test(test_every_kind_state),
        cmocka_unit_test(test_every_kind_grad),
        cmocka_unit_test(test_parametric_kind_alone),
        cmocka_unit_test(test_mixed_multi_observable),
        cmocka_unit_test(test_two_qubit_rotations_wide),
        cmocka_unit_test(test_features_and_sharing),
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_one_qubit),
        cmocka_unit_test(test_not_finite),
        cmocka_unit_test(test_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
