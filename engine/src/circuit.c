#include "circuit.h"
#include "qnn/simd.h"
#include "qnn/par.h"

#include <gsl/gsl_cblas.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- dense entanglers: Y = W X and Y = W^† X for a D x m batch ----------
 *
 * The periodic model and the dense random model spend nearly all their time
 * here: one D x D matrix per layer against a batch of a few states. CBLAS
 * ZGEMM packs the whole of W for every call, which costs more than the
 * multiplication itself when m is small, so on x86-64 with AVX-512 two
 * kernels stream W once instead (m >= 2; every entry of W is loaded once per
 * call). A single state (m = 1) stays with ZGEMV, which packs nothing and
 * was as fast or faster:
 *
 *  - forward (W X, W column-major): blocks of FWD_KB columns of W; for each
 *    block, rows of Y in register tiles of 4·NV amplitudes x NC states are
 *    loaded, updated with the block's columns (y += w x as two FMAs on
 *    interleaved (re, im) pairs: w·xr + (-wi, wr)·xi), and stored. Each
 *    output element is a plain FMA chain over k = 0 .. D-1.
 *  - adjoint (W^† X): column i of W is contiguous, so Y[i, c] = Σ_k
 *    conj(W[k, i]) X[k, c] is a dot product; 2 or 4 columns of W at a time
 *    against up to 4 states, 8-lane partial sums reduced at the end.
 *
 * Both prefetch W ahead in software: beyond the last-level cache the
 * hardware prefetchers alone reached about half the memory bandwidth
 * (__builtin_prefetch, not _mm_prefetch, which GCC 12 dropped here). At
 * D = 256, m = 4 a product takes about 18 us with W in cache and 33 us
 * streamed from memory, against 55-95 us for ZGEMM (docs/PERFORMANCE.md).
 * Elsewhere (m = 1, no AVX-512, D < 4, or built with -DQNN_NO_SIMD_KERNELS)
 * CBLAS does the work. The kernels round differently from CBLAS (at the 1e-16
 * level), so results differ in the last bits between machines with and
 * without AVX-512, as they already did between OpenBLAS's per-CPU kernels. */
#if defined(__GNUC__) && defined(__x86_64__) && !defined(QNN_NO_SIMD_KERNELS)
#define QNN_AVX512_KERNELS 1
#include <immintrin.h>

#define KTARGET __attribute__((target("avx512f")))
#define KINLINE static inline __attribute__((always_inline)) KTARGET

#ifndef FWD_KB
#define FWD_KB 4       /* columns of W per block of the forward kernel */
#endif
#ifndef FWD_PFB
#define FWD_PFB 1      /* blocks the forward kernel prefetches ahead */
#endif
#ifndef ADJ_PF
#define ADJ_PF 2048    /* doubles (16 KiB): least prefetch distance of the adjoint kernel */
#endif

static inline void prefetch_at(const double *base, size_t off)
{
    /* integer arithmetic: the address may lie past the end of W */
    __builtin_prefetch((const void *)((uintptr_t)base + off * sizeof(double)), 0, 3);
}

/* Rows of Y in tiles of 4·NV amplitudes, columns kb .. ke-1 of W, NC states
 * (X, Y with leading dimension D). first: Y starts from zero. */
KINLINE void fwd_rows(size_t D, const double *W, size_t kb, size_t ke, const double *X,
                      double *Y, int first, const int NC, const int NV)
{
    const __m512i negre = _mm512_set_epi64(0, INT64_MIN, 0, INT64_MIN, 0, INT64_MIN, 0, INT64_MIN);
    for (size_t r = 0; r < D; r += 4 * (size_t)NV) {
        __m512d acc[4][8];
        for (int c = 0; c < NC; c++)
            for (int v = 0; v < NV; v++)
                acc[c][v] = first ? _mm512_setzero_pd()
                                  : _mm512_loadu_pd(Y + 2 * (c * D + r) + 8 * v);
        for (size_t k = kb; k < ke; k++) {
            const double *wk = W + 2 * (k * D + r);
            __m512d w[8], s[8];
            for (int v = 0; v < NV; v++) {
                prefetch_at(wk, 2 * FWD_KB * FWD_PFB * D + 8 * (size_t)v);
                w[v] = _mm512_loadu_pd(wk + 8 * v);
                /* (-wi, wr) */
                s[v] = _mm512_castsi512_pd(_mm512_xor_si512(
                    _mm512_castpd_si512(_mm512_permute_pd(w[v], 0x55)), negre));
            }
            for (int c = 0; c < NC; c++) {
                const __m512d xr = _mm512_set1_pd(X[2 * (c * D + k)]);
                const __m512d xi = _mm512_set1_pd(X[2 * (c * D + k) + 1]);
                for (int v = 0; v < NV; v++) {
                    acc[c][v] = _mm512_fmadd_pd(w[v], xr, acc[c][v]);
                    acc[c][v] = _mm512_fmadd_pd(s[v], xi, acc[c][v]);
                }
            }
        }
        for (int c = 0; c < NC; c++)
            for (int v = 0; v < NV; v++)
                _mm512_storeu_pd(Y + 2 * (c * D + r) + 8 * v, acc[c][v]);
    }
}

KINLINE void fwd_panel(size_t D, const double *W, size_t kb, size_t ke, const double *X,
                       double *Y, int first, const int NC, const int NV)
{
    if (D >= 4 * (size_t)NV)
        fwd_rows(D, W, kb, ke, X, Y, first, NC, NV);
    else
        fwd_rows(D, W, kb, ke, X, Y, first, NC, 1);
}

static KTARGET void fwd_avx512(size_t D, const double *W, size_t m, const double *X, double *Y)
{
    for (size_t kb = 0; kb < D; kb += FWD_KB) {
        const size_t ke = kb + FWD_KB < D ? kb + FWD_KB : D;
        const int first = kb == 0;
        for (size_t c0 = 0; c0 < m; c0 += 4) {
            const double *Xc = X + 2 * c0 * D;
            double *Yc = Y + 2 * c0 * D;
            switch (m - c0 < 4 ? m - c0 : 4) {
            case 4: fwd_panel(D, W, kb, ke, Xc, Yc, first, 4, 2); break;
            case 3: fwd_panel(D, W, kb, ke, Xc, Yc, first, 3, 2); break;
            case 2: fwd_panel(D, W, kb, ke, Xc, Yc, first, 2, 4); break;
            default: fwd_panel(D, W, kb, ke, Xc, Yc, first, 1, 8); break;
            }
        }
    }
}

/* Y[i+q, c] = Σ_k conj(W[k, i+q]) X[k, c] for q < IB, c < NC. */
KINLINE void adj_cols(size_t D, const double *W, size_t i, const double *X, double *Y,
                      size_t pf, const int NC, const int IB)
{
    const __m512d sgn = _mm512_set_pd(1.0, -1.0, 1.0, -1.0, 1.0, -1.0, 1.0, -1.0);
    __m512d a[4][4], b[4][4];
    for (int q = 0; q < IB; q++)
        for (int c = 0; c < NC; c++)
            a[q][c] = b[q][c] = _mm512_setzero_pd();
    for (size_t k = 0; k < D; k += 4) {
        __m512d w[4], ws[4];
        for (int q = 0; q < IB; q++) {
            const double *wq = W + 2 * ((i + (size_t)q) * D + k);
            prefetch_at(wq, pf);
            w[q] = _mm512_loadu_pd(wq);
            ws[q] = _mm512_permute_pd(w[q], 0x55);
        }
        for (int c = 0; c < NC; c++) {
            const __m512d x = _mm512_loadu_pd(X + 2 * (c * D + k));
            for (int q = 0; q < IB; q++) {
                a[q][c] = _mm512_fmadd_pd(w[q], x, a[q][c]);   /* (wr xr, wi xi) */
                b[q][c] = _mm512_fmadd_pd(ws[q], x, b[q][c]);  /* (wi xr, wr xi) */
            }
        }
    }
    for (int q = 0; q < IB; q++)
        for (int c = 0; c < NC; c++) {
            double *y = Y + 2 * (c * D + i + (size_t)q);
            y[0] = _mm512_reduce_add_pd(a[q][c]);
            y[1] = _mm512_reduce_add_pd(_mm512_mul_pd(b[q][c], sgn));
        }
}

/* Columns i .. i+3 of W against NC states. */
KINLINE void adj_panel(size_t D, const double *W, size_t i, const double *X, double *Y,
                       size_t pf, const int NC)
{
    if (NC >= 3) {
        adj_cols(D, W, i, X, Y, pf, NC, 2);
        adj_cols(D, W, i + 2, X, Y, pf, NC, 2);
    } else {
        adj_cols(D, W, i, X, Y, pf, NC, 4);
    }
}

static KTARGET void adj_avx512(size_t D, const double *W, size_t m, const double *X, double *Y)
{
    /* Each of the four column streams prefetches its own future: a whole
     * number of 4-column panels ahead, at least ADJ_PF doubles. */
    const size_t panel = 8 * D;
    const size_t pf = panel * ((ADJ_PF + panel - 1) / panel);
    for (size_t i = 0; i < D; i += 4)
        for (size_t c0 = 0; c0 < m; c0 += 4) {
            const double *Xc = X + 2 * c0 * D;
            double *Yc = Y + 2 * c0 * D;
            switch (m - c0 < 4 ? m - c0 : 4) {
            case 4: adj_panel(D, W, i, Xc, Yc, pf, 4); break;
            case 3: adj_panel(D, W, i, Xc, Yc, pf, 3); break;
            case 2: adj_panel(D, W, i, Xc, Yc, pf, 2); break;
            default: adj_panel(D, W, i, Xc, Yc, pf, 1); break;
            }
        }
}
#endif

int qnn_circuit_simd_active(size_t D, size_t m)
{
#ifdef QNN_AVX512_KERNELS
    /* qnn_simd_level: the CPU's, lowered by QNNLAB_SIMD or qnn_simd_set */
    return D >= 4 && m >= 2 && qnn_simd_level() >= QNN_SIMD_AVX512 && __builtin_cpu_supports("avx512f");
#else
    (void)D;
    (void)m;
    return 0;
#endif
}

void qnn_circuit_dense_apply(size_t D, const qnn_cplx *A, int adjoint, size_t m,
                             const qnn_cplx *in, qnn_cplx *out)
{
#ifdef QNN_AVX512_KERNELS
    if (qnn_circuit_simd_active(D, m)) {
        if (adjoint)
            adj_avx512(D, (const double *)A, m, (const double *)in, (double *)out);
        else
            fwd_avx512(D, (const double *)A, m, (const double *)in, (double *)out);
        return;
    }
#endif
    qnn_dense_apply(D, A, adjoint, m, in, out);
}

/* 64-byte aligned blocks (whole cache lines, aligned vector loads). */
static void *alloc_aligned(size_t bytes)
{
    bytes = (bytes + 63) & ~(size_t)63;
    return aligned_alloc(64, bytes ? bytes : 64);
}

void *qnn_circuit_alloc_aligned(size_t bytes)
{
    return alloc_aligned(bytes);
}

void qnn_circuit_free(qnn_circuit *c)
{
    if (!c)
        return;
    if (c->W) {
        for (int l = 0; l <= c->L; l++)
            free(c->W[l]);
        free(c->W);
    }
    if (c->B) {
        for (int l = 0; l <= c->L; l++)
            qnn_brickwork_free(c->B[l]);
        free(c->B);
    }
    free(c->gen);
    free(c->obs);
    free(c->obs_c);
    free(c->gen_coef);
    free(c->obs_proj);
    free(c);
}

qnn_circuit *qnn_circuit_alloc(int n, int L, qnn_entangler ent, int has_w0, int nobs)
{
    qnn_circuit *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->n = n;
    c->D = (size_t)1 << n;
    c->L = L;
    c->gen_scale = 1.0;
    c->ent = ent;
    c->has_w0 = has_w0;
    c->nobs = nobs;
    c->gamma = 1.0;
    c->gen = calloc((size_t)L, sizeof *c->gen);
    c->obs = calloc((size_t)nobs, sizeof *c->obs);
    c->obs_c = calloc((size_t)nobs, sizeof *c->obs_c);
    if (ent == QNN_ENT_HAAR)
        c->W = calloc((size_t)L + 1, sizeof *c->W);
    else
        c->B = calloc((size_t)L + 1, sizeof *c->B);
    if (!c->gen || !c->obs || !c->obs_c || (!c->W && !c->B)) {
        qnn_circuit_free(c);
        return NULL;
    }
    return c;
}

int qnn_circuit_sample_entangler(qnn_circuit *c, int l, gsl_rng *rng, int depth)
{
    if (c->ent == QNN_ENT_HAAR) {
        c->W[l] = alloc_aligned(c->D * c->D * sizeof(qnn_cplx));
        if (!c->W[l])
            return -1;
        return qnn_haar_unitary(rng, c->D, c->W[l]);
    }
    c->B[l] = qnn_brickwork_new(rng, c->n, depth);
    return c->B[l] ? 0 : -1;
}

int qnn_workspace_init(qnn_workspace *w, size_t D, size_t m)
{
    w->D = D;
    w->m = m;
    w->psi0 = NULL;
    w->keep = NULL;
    w->keep_L = 0;
    w->pc = alloc_aligned(2 * D * m * sizeof(qnn_cplx));
    w->tmp = alloc_aligned(2 * D * m * sizeof(qnn_cplx));
    if (!w->pc || !w->tmp) {
        qnn_workspace_free(w);
        return -1;
    }
    return 0;
}

void qnn_workspace_free(qnn_workspace *w)
{
    free(w->pc);
    free(w->tmp);
    free(w->keep);
    w->pc = w->tmp = w->keep = NULL;
    w->keep_L = 0;
}

int qnn_workspace_keep(qnn_workspace *w, const qnn_circuit *c, size_t budget)
{
    free(w->keep);
    w->keep = NULL;
    w->keep_L = 0;
    /* one state: the O(1) sweep's two columns go through the AVX-512
     * kernel, one column through ZGEMV, which measured slower than both */
    if (c->ent != QNN_ENT_HAAR || c->L < 1 || w->m < 2)
        return 0;
    const size_t len = (size_t)c->L * w->D * w->m;
    if (len > budget / sizeof(qnn_cplx))
        return 0;
    w->keep = alloc_aligned(len * sizeof(qnn_cplx));
    if (!w->keep)
        return 0;
    w->keep_L = c->L;
    return 1;
}

/* s c_l of layer l (1-based). */
static inline double gen_s(const qnn_circuit *c, int l)
{
    return c->gen_coef ? c->gen_scale * c->gen_coef[l - 1] : c->gen_scale;
}

/* block <- E_l block (adjoint: E_l^† block); dense entanglers go through a
 * ZGEMM into tmp and swap the pointers, which is why block is passed by
 * address. */
static void apply_entangler(const qnn_circuit *c, int l, int adjoint, size_t m,
                            qnn_cplx **block, qnn_cplx **tmp)
{
    if (c->ent == QNN_ENT_HAAR) {
        qnn_circuit_dense_apply(c->D, c->W[l], adjoint, m, *block, *tmp);
        qnn_cplx *t = *block;
        *block = *tmp;
        *tmp = t;
    } else {
        for (size_t j = 0; j < m; j++)
            qnn_brickwork_apply(c->B[l], adjoint, *block + j * c->D);
    }
}

/* out = O in for one state (tmp: D entries of scratch): the projector
 * (|φ><φ| ⊗ I) and/or the Pauli sum Σ c_k Q_k. */
/* out += c · t over amplitude ranges (element-wise: the same bits split
 * over the kernel threads, qnn/par.h). */
typedef struct axpy_job {
    double c;
    const double *t;
    double *out;
} axpy_job;

static void axpy_range(void *ctx, size_t b0, size_t b1)
{
    const axpy_job *j = ctx;
    for (size_t u = 2 * b0; u < 2 * b1; u++)
        j->out[u] += j->c * j->t[u];
}

/* out = O in, tmp scratch (D entries): each term P_k in into tmp, then
 * out += c_k tmp, in the terms' order. */
static void apply_obs(const qnn_circuit *c, const qnn_cplx *in, qnn_cplx *out, qnn_cplx *tmp)
{
    const size_t D = c->D;
    memset(out, 0, D * sizeof(qnn_cplx));
    if (c->obs_proj) {
        /* (|φ><φ| ⊗ I) ψ: ψ read as the D_v x D_h matrix Ψ (visible = low
         * bits), Ψ' = φ (φ†Ψ), one pass over ψ per product */
        const size_t Dv = (size_t)1 << c->obs_nv, Dh = D / Dv;
        for (size_t h = 0; h < Dh; h++) {
            qnn_cplx s = 0.0;
            for (size_t v = 0; v < Dv; v++)
                s += conj(c->obs_proj[v]) * in[v + Dv * h];
            for (size_t v = 0; v < Dv; v++)
                out[v + Dv * h] = c->obs_proj[v] * s;
        }
    }
    for (int k = 0; k < c->nobs; k++) {
        qnn_pauli_apply(c->obs[k], c->n, in, tmp);
        axpy_job j = {c->obs_c[k], (const double *)tmp, (double *)out};
        if (D >= ((size_t)1 << 14))
            qnn_par_for(D, 4096, axpy_range, &j);
        else
            axpy_range(&j, 0, D);
    }
}

/* qnn_circuit_eval; with J, *phi1 and *chi1 (when not NULL) point at the
 * D x m blocks of φ_1 and χ_1 (frame 1: after R_1) the sweep ended with,
 * valid until the workspace is used again. */
static void eval_impl(const qnn_circuit *c, const double *theta, size_t m,
                      const qnn_cplx *inputs, const double *y,
                      double *r, double *J, qnn_workspace *w,
                      const qnn_cplx **phi1, const qnn_cplx **chi1)
{
    const size_t D = c->D, Dm = D * m;
    const int n = c->n;
    const int L = c->L;
    /* pc holds the batch (columns 0 .. m-1) and, after the forward pass,
     * O U ψ (columns m .. 2m-1): the backward sweep moves both through each
     * entangler in one call, so W_l is streamed once per layer there too. */
    qnn_cplx *pc = w->pc, *tmp = w->tmp;
    /* the state-keeping sweep: φ_l stored after R_l in the forward pass */
    qnn_cplx *keep = (J && w->keep && w->keep_L >= L && m <= w->m && c->ent == QNN_ENT_HAAR) ? w->keep : NULL;

    memcpy(pc, inputs, Dm * sizeof(qnn_cplx));
    if (c->has_w0)
        apply_entangler(c, 0, 0, m, &pc, &tmp);
    for (int l = 1; l <= L; l++) {
        double a = gen_s(c, l) * theta[l - 1];
        for (size_t j = 0; j < m; j++)
            qnn_pauli_rotate(c->gen[l - 1], n, a, pc + j * D);
        if (keep)
            memcpy(keep + (size_t)(l - 1) * Dm, pc, Dm * sizeof(qnn_cplx));
        apply_entangler(c, l, 0, m, &pc, &tmp);
    }

    if (w->psi0)
        memcpy(w->psi0, pc, D * sizeof(qnn_cplx));
    /* chi = O phi, and r_j = γ <phi_j|O|phi_j> - y_j. */
    qnn_cplx *phi = pc, *chi = pc + Dm;
    for (size_t j = 0; j < m; j++) {
        qnn_cplx *pj = phi + j * D, *cj = chi + j * D;
        apply_obs(c, pj, cj, tmp + j * D);
        r[j] = c->gamma * creal(qnn_vec_dot(D, pj, cj)) - y[j];
    }
    if (J && keep) {
        /* Backward sweep over the kept states: only χ is un-applied (m
         * columns per product); φ_l is read back from the forward pass. */
        qnn_cplx *cb = chi, *ct = tmp;
        for (int l = L; l >= 1; l--) {
            apply_entangler(c, l, 1, m, &cb, &ct);
            const qnn_cplx *kl = keep + (size_t)(l - 1) * Dm;
            const double sl = gen_s(c, l), a = -sl * theta[l - 1];
            for (size_t j = 0; j < m; j++) {
                qnn_cplx *cj = cb + j * D;
                qnn_cplx g = qnn_pauli_inner(c->gen[l - 1], n, cj, kl + j * D);
                J[j * (size_t)L + (size_t)(l - 1)] = -2.0 * c->gamma * sl * cimag(g);
                if (l > 1)
                    qnn_pauli_rotate(c->gen[l - 1], n, a, cj);
            }
        }
        if (phi1)
            *phi1 = keep;
        if (chi1)
            *chi1 = cb;
    } else if (J) {
        /* Backward sweep. With phi_l the state right after R_l and
         * chi_l = (W_L R_L ⋯ W_l)^† O U ψ,
         * ∂ŷ/∂θ_l = γ 2 Re <chi_l| i s P_l |phi_l> = -2 γ s Im <chi_l|P_l|phi_l>;
         * phi_l is recovered by un-applying W_l and R_l (O(1) extra states). */
        for (int l = L; l >= 1; l--) {
            apply_entangler(c, l, 1, 2 * m, &pc, &tmp);
            phi = pc;
            chi = pc + Dm;
            double a = -gen_s(c, l) * theta[l - 1];
            for (size_t j = 0; j < m; j++) {
                qnn_cplx *pj = phi + j * D, *cj = chi + j * D;
                qnn_cplx g = qnn_pauli_inner(c->gen[l - 1], n, cj, pj);
                J[j * (size_t)L + (size_t)(l - 1)] = -2.0 * c->gamma * gen_s(c, l) * cimag(g);
                if (l > 1) {
                    qnn_pauli_rotate(c->gen[l - 1], n, a, pj);
                    qnn_pauli_rotate(c->gen[l - 1], n, a, cj);
                }
            }
        }
        if (phi1)
            *phi1 = pc;
        if (chi1)
            *chi1 = pc + Dm;
    }
    /* The swaps may have exchanged the two blocks: keep the workspace's
     * pointers a permutation of its allocations. */
    w->pc = pc;
    w->tmp = tmp;
}

void qnn_circuit_eval(const qnn_circuit *c, const double *theta, size_t m,
                      const qnn_cplx *inputs, const double *y,
                      double *r, double *J, qnn_workspace *w)
{
    eval_impl(c, theta, m, inputs, y, r, J, w, NULL, NULL);
}

/* ---- the exact Hessian: a second-order adjoint ---------------------------
 *
 * With G_a = i s_a P_a (∂R_a/∂θ_a = G_a R_a), φ_b the state after R_b,
 * χ_b = (W_L R_L ⋯ W_b)^† O U ψ and T_{a→b} = R_b W_{b-1} ⋯ R_{a+1} W_a,
 * the tangent of the frame-b state is v_a^(b) = ∂φ_b/∂θ_a = T_{a→b} G_a φ_a
 * (a <= b), and differentiating ∂_b ŷ = 2γ Re <O U ψ|(W_L ⋯ W_b) G_b φ_b>
 * by θ_a (a <= b: the operator W_L ⋯ W_b does not depend on θ_a) gives
 *
 *     ∂_a∂_b ŷ = 2γ Re[<χ_b|G_b v_a^(b)> + <u_a|O|u_b>],  u_a = W_L v_a^(L).
 *
 * One forward sweep per input from frame 1 (φ_1, χ_1 from the adjoint
 * evaluation) carries the block [φ, χ, v_1 .. v_b] (D x (b+2)): at layer b
 * it appends v_b = G_b φ_b, adds the first term for every a <= b as one
 * real DGEMV (Re <g|v> is the real dot product of the interleaved (re, im)
 * vectors, g = G_b^† χ_b), and moves the whole block through W_b and
 * R_{b+1} (dense: one product of D x D by D x (b+2)); at the end u = W_L V
 * and the second term is one DGEMM, Re(U^† O U) = Re(U)ᵀRe(OU) + Im(U)ᵀIm(OU).
 * Cost: ~L²/2 column-layer products per input against the 6 m L² of 2L
 * parameter-shift Jacobians, in products with many columns. */
int qnn_circuit_hessian_force = 0;

/* The frame-1 (transfer-matrix) sweep instead of the tangents: dense
 * entanglers, forced, or cheaper in column products (see above). */
static int use_transfer(size_t D, int L, size_t m, int dense)
{
    if (!dense || qnn_circuit_hessian_force == 1)
        return 0;
    if (qnn_circuit_hessian_force == 2)
        return 1;
    const double d = (double)D, l = (double)L, mm = (double)m;
    return l * (d + 4.0 * mm) + mm * l * l / d < 0.5 * mm * l * l;
}

static size_t hessian_len(size_t D, int L, size_t m, int dense)
{
    const size_t Lz = (size_t)L;
    if (use_transfer(D, L, m, dense))
        return 2 * D * (D + 2 * m) + D * D + D * Lz + 2 * m * D * Lz + D;
    return 2 * D * (Lz + 2) + D;
}

size_t qnn_circuit_hessian_len(const qnn_circuit *c, size_t m)
{
    return hessian_len(c->D, c->L, m, c->ent == QNN_ENT_HAAR);
}

double qnn_circuit_hessian_bytes(int n, int L, size_t m, int dense)
{
    const size_t D = (size_t)1 << n;
    return (double)hessian_len(D, L, m, dense) * (double)sizeof(qnn_cplx);
}

/* psi <- i s P psi-like: out = i s P in (the generator G = i s P). */
static void apply_gen(const qnn_circuit *c, int l, double s, const qnn_cplx *in, qnn_cplx *out)
{
    qnn_pauli_apply(c->gen[l - 1], c->n, in, out);
    double *o = (double *)out;
    for (size_t k = 0; k < c->D; k++) {
        const double re = o[2 * k], im = o[2 * k + 1];
        o[2 * k] = -s * im;
        o[2 * k + 1] = s * re;
    }
}

/* The upper triangle of S mirrored into the lower one. */
static void mirror_upper(size_t L, double *S)
{
    for (size_t a = 0; a < L; a++)
        for (size_t b = 0; b < a; b++)
            S[a * L + b] = S[b * L + a];
}

/* The same in frame 1, for dense entanglers when L is large against D/m:
 * with T_b = T_{1→b} kept as a D x D matrix (one product of W_b with D + 2m
 * columns per layer), v_a^(b) = T_b c_a and χ_b = T_b χ_1 for
 * c_a = T_a^† G_a φ_a, so <χ_b|G_b v_a^(b)> = <h_b|c_a> with
 * h_b = T_b^† G_b^† χ_b, and <u_a|O|u_b> = <c_a|M|c_b> with
 * M = (W_L T_L)^† O (W_L T_L). Per layer: the D + 2m columns [T, φ, χ]
 * through W_b, R_{b+1} and 2m columns pulled back through T_b^†; at the end
 * one D x D measurement M and per input three real products of L x L by 2D. */
static int hessian_transfer(const qnn_circuit *c, const double *theta, size_t m,
                            const qnn_cplx *phi1, const qnn_cplx *chi1, const double *r, double *S,
                            qnn_cplx *work, int (*cancelled)(void *ctx), void *ctx)
{
    const size_t D = c->D, Dm = D * m, cols = D + 2 * m;
    const int L = c->L;
    const size_t Lz = (size_t)L;
    const int D2 = (int)(2 * D), ldc = (int)(4 * Dm);   /* C's columns, in doubles */
    qnn_cplx *X = work, *Y = X + D * cols, *M = Y + D * cols, *MC = M + D * D, *C = MC + D * Lz;
    qnn_cplx *ovec = C + 2 * Dm * Lz;
    /* X = [T_1 = I, φ_1, χ_1] */
    memset(X, 0, D * D * sizeof(qnn_cplx));
    for (size_t k = 0; k < D; k++)
        X[k * D + k] = 1.0;
    memcpy(X + D * D, phi1, Dm * sizeof(qnn_cplx));
    memcpy(X + D * D + Dm, chi1, Dm * sizeof(qnn_cplx));
    for (int b = 1; b <= L; b++) {
        if (cancelled && cancelled(ctx))
            return -1;
        const double sb = gen_s(c, b);
        /* [G_b φ, G_b^† χ] into Y, pulled back through T_b^† into C's
         * columns (b-1)·2m .. : c_b for each input, then h_b */
        for (size_t j = 0; j < m; j++) {
            apply_gen(c, b, sb, X + D * D + j * D, Y + j * D);
            apply_gen(c, b, -sb, X + D * D + Dm + j * D, Y + Dm + j * D);
        }
        qnn_circuit_dense_apply(D, X, 1, 2 * m, Y, C + (size_t)(b - 1) * 2 * Dm);
        if (b < L) {
            apply_entangler(c, b, 0, cols, &X, &Y);
            const double a = gen_s(c, b + 1) * theta[b];
            for (size_t k = 0; k < cols; k++)
                qnn_pauli_rotate(c->gen[b], c->n, a, X + k * D);
        }
    }
    /* M = U'^† O U' with U' = W_L T_L (D columns) */
    apply_entangler(c, L, 0, D, &X, &Y);
    for (size_t k = 0; k < D; k++)
        apply_obs(c, X + k * D, Y + k * D, ovec);
    const qnn_cplx one = 1.0, zero = 0.0;
    const int Di = (int)D;
    cblas_zgemm(CblasColMajor, CblasConjTrans, CblasNoTrans, Di, Di, Di, &one, X, Di, Y, Di, &zero, M, Di);
    for (size_t j = 0; j < m; j++) {
        const double wt = 2.0 * c->gamma * r[j];
        const qnn_cplx *Cj = C + j * D, *Hj = C + Dm + j * D;   /* columns 2m·D apart */
        /* S[a][b] += wt Re <h_b|c_a> (filled for every (a, b); a <= b is
         * the first term, the lower triangle is overwritten by the mirror),
         * S += wt Re(C^† M C) */
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, L, L, D2, wt, (const double *)Cj, ldc,
                    (const double *)Hj, ldc, 1.0, S, L);
        cblas_zgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, Di, L, Di, &one, M, Di, Cj, (int)(2 * Dm), &zero,
                    MC, Di);
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, L, L, D2, wt, (const double *)Cj, ldc,
                    (const double *)MC, D2, 1.0, S, L);
    }
    mirror_upper(Lz, S);
    return 0;
}

int qnn_circuit_hessian(const qnn_circuit *c, const double *theta, size_t m,
                        const qnn_cplx *inputs, const double *y, double *r, double *J,
                        double *S, qnn_cplx *work, qnn_workspace *w,
                        int (*cancelled)(void *ctx), void *ctx)
{
    const size_t D = c->D;
    const int L = c->L;
    const size_t Lz = (size_t)L;
    const int D2 = (int)(2 * D);
    const qnn_cplx *phi1 = NULL, *chi1 = NULL;
    eval_impl(c, theta, m, inputs, y, r, J, w, &phi1, &chi1);
    memset(S, 0, Lz * Lz * sizeof(double));
    if (use_transfer(D, L, m, c->ent == QNN_ENT_HAAR))
        return hessian_transfer(c, theta, m, phi1, chi1, r, S, work, cancelled, ctx);
    const size_t blk = D * (Lz + 2);
    qnn_cplx *ovec = work + 2 * blk;
    for (size_t j = 0; j < m; j++) {
        const double wt = 2.0 * c->gamma * r[j];
        qnn_cplx *B = work, *T = work + blk;
        memcpy(B, phi1 + j * D, D * sizeof(qnn_cplx));
        memcpy(B + D, chi1 + j * D, D * sizeof(qnn_cplx));
        for (int b = 1; b <= L; b++) {
            if (cancelled && cancelled(ctx))
                return -1;
            const double sb = gen_s(c, b);
            qnn_cplx *V = B + 2 * D;
            /* v_b = G_b φ_b; g = G_b^† χ_b = -G_b χ_b (into T, free until
             * the product below) */
            apply_gen(c, b, sb, B, V + (size_t)(b - 1) * D);
            apply_gen(c, b, -sb, B + D, T);
            /* S[a][b] += wt Re <g|v_a>, a = 1 .. b (column b - 1, stride L) */
            cblas_dgemv(CblasColMajor, CblasTrans, D2, b, wt, (const double *)V, D2,
                        (const double *)T, 1, 1.0, S + (b - 1), L);
            if (b < L) {
                /* [φ, χ, v_1 .. v_b] through W_b, then R_{b+1} */
                const size_t cols = (size_t)b + 2;
                apply_entangler(c, b, 0, cols, &B, &T);
                const double a = gen_s(c, b + 1) * theta[b];
                for (size_t k = 0; k < cols; k++)
                    qnn_pauli_rotate(c->gen[b], c->n, a, B + k * D);
            }
        }
        /* u_a = W_L v_a, then S += wt Re(U^† O U) */
        qnn_cplx *U = B + 2 * D, *OU = T + 2 * D;
        apply_entangler(c, L, 0, Lz, &U, &OU);
        for (size_t a = 0; a < Lz; a++)
            apply_obs(c, U + a * D, OU + a * D, ovec);
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, L, L, D2, wt, (const double *)U, D2,
                    (const double *)OU, D2, 1.0, S, L);
    }
    /* the first term filled a <= b only: the upper triangle is the result */
    mirror_upper(Lz, S);
    return 0;
}

void qnn_circuit_obs_traces(const qnn_circuit *c, double *trO, double *trO2)
{
    double D = (double)c->D, t = 0.0, t2 = 0.0;
    if (c->obs_proj) {
        /* O = |φ><φ| ⊗ I_h is a projector of rank D_h: tr O = tr O² = D_h */
        *trO = *trO2 = D / (double)((size_t)1 << c->obs_nv);
        return;
    }
    for (int k = 0; k < c->nobs; k++) {
        if (qnn_pauli_is_identity(c->obs[k]))
            t += c->obs_c[k] * D;
        for (int q = 0; q < c->nobs; q++)
            if (c->obs[k].x == c->obs[q].x && c->obs[k].z == c->obs[q].z)
                t2 += c->obs_c[k] * c->obs_c[q] * D;
    }
    *trO = t;
    *trO2 = t2;
}

int qnn_circuit_measurement(const qnn_circuit *c, const double *theta, qnn_cplx *M)
{
    const size_t D = c->D;
    const size_t cb = D < 64 ? D : 64;   /* columns per forward batch */
    qnn_workspace w;
    qnn_cplx *U = malloc(D * D * sizeof(qnn_cplx));
    qnn_cplx *OU = malloc(D * D * sizeof(qnn_cplx));
    if (!U || !OU || qnn_workspace_init(&w, D, cb) != 0) {
        free(U);
        free(OU);
        return -1;
    }
    /* U e_k for the basis states, cb columns at a time. */
    for (size_t k0 = 0; k0 < D; k0 += cb) {
        const size_t nb = D - k0 < cb ? D - k0 : cb;
        qnn_cplx *pc = w.pc, *tmp = w.tmp;
        memset(pc, 0, D * nb * sizeof(qnn_cplx));
        for (size_t j = 0; j < nb; j++)
            pc[j * D + k0 + j] = 1.0;
        if (c->has_w0)
            apply_entangler(c, 0, 0, nb, &pc, &tmp);
        for (int l = 1; l <= c->L; l++) {
            double a = gen_s(c, l) * theta[l - 1];
            for (size_t j = 0; j < nb; j++)
                qnn_pauli_rotate(c->gen[l - 1], c->n, a, pc + j * D);
            apply_entangler(c, l, 0, nb, &pc, &tmp);
        }
        memcpy(U + k0 * D, pc, D * nb * sizeof(qnn_cplx));
        w.pc = pc;
        w.tmp = tmp;
    }
    /* OU = Σ_k c_k Q_k U, then M = γ U† (O U). */
    qnn_cplx *t = w.tmp;
    memset(OU, 0, D * D * sizeof(qnn_cplx));
    for (size_t j = 0; j < D; j++)
        for (int k = 0; k < c->nobs; k++) {
            qnn_pauli_apply(c->obs[k], c->n, U + j * D, t);
            for (size_t b = 0; b < D; b++)
                OU[j * D + b] += c->obs_c[k] * t[b];
        }
    const qnn_cplx g = c->gamma, zero = 0.0;
    const int Di = (int)D;
    cblas_zgemm(CblasColMajor, CblasConjTrans, CblasNoTrans, Di, Di, Di, &g, U, Di, OU, Di, &zero, M, Di);
    qnn_workspace_free(&w);
    free(U);
    free(OU);
    return 0;
}
