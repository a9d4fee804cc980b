/* Dense 1- and 2-qubit gates on a state vector (qnn/gate2.h).
 *
 * Design. The amplitudes are interleaved (re, im) doubles. A vector
 * register holds W = 2^lb consecutive amplitudes: W = 4 with AVX-512
 * (qubits 0 and 1 vary inside the register, lb = 2), W = 2 with AVX2+FMA
 * (qubit 0, lb = 1). A gate's target qubits split into the in-register
 * ones R (q < lb) and the across-register ones C (q >= lb). The amplitudes
 * are visited in groups of 2^|C| registers, X_β at offset Σ_j β_j 2^{c_j}
 * from the group's base (the base has every C bit and the in-register bits
 * zero). Each output register is
 *     Y_β = Σ_{β', π} coef[β][β', π] ⊙ π(X_β')
 * where π runs over the lane permutations that flip a subset of the R
 * qubits (lane L ↦ L ^ π) and ⊙ is a lane-wise complex product with
 * per-lane coefficients: lane L of Y_β is amplitude l(L, β) of the gate's
 * local index, lane L of π(X_β') is l(L ^ π, β'), and the coefficient is
 * M[l(L, β)][l(L ^ π, β')]. Every case (|C| = 0, 1, 2 for a 2-qubit gate)
 * therefore has 2^nt terms per output register (nt the gate's qubits), one
 * per matrix element: 4 complex multiply-adds per amplitude for a 2-qubit
 * gate, at 2 FMAs each, the FLOP bound of a dense gate.
 *
 * The complex product is split so that only one re/im swap is needed per
 * output register instead of one per term: with A = (c_re, c_re) and
 * B = (c_im, -c_im) per lane,
 *     c·x = A ⊙ x + swap(B ⊙ x),   swap(re, im) = (im, re),
 * so Y = acc_A + swap(acc_B) with acc_A = Σ A_t ⊙ π_t(X), acc_B likewise:
 * two FMA chains per output, one swap and one add. Lane flips are 128-bit
 * block shuffles (qubit 0 of AVX-512: blocks 1,0,3,2; qubit 1: 2,3,0,1;
 * both: 3,2,1,0; qubit 0 of AVX2: the two halves), computed once per input
 * register. The coefficients are laid out once per call. With AVX-512 they
 * are held in registers: the (at most 16) lane vectors when |C| < 2; when
 * |C| = 2 every lane has the same coefficient, so the 16 real parts are
 * broadcasts in registers, the imaginary parts embedded broadcasts from
 * memory (c = Σ c_im ⊙ x, then swap and negate its real lanes): loading
 * 32 full coefficient vectors per 16 amplitudes as FMA memory operands
 * had made that case load-bound (0.6 against 0.32 ns per amplitude). AVX2
 * (16 registers) reads them from L1 as FMA memory operands, except when
 * both targets are across registers (all lanes share a coefficient): then
 * two groups are done at once in split real/imaginary form, each matrix
 * element two broadcasts shared by both groups (y2p1; the lane-vector
 * form was load-bound there, 0.85 against 0.62-0.65 ns).
 *
 * Prefetch: at n = 20 (16 MiB, the L3 shared with other work) gates with
 * a target among qubits 3..9 took 1-3 ns per amplitude on every path (and
 * in Qulacs): the group's 2-4 interleaved streams, a few hundred bytes to
 * a few KiB apart, defeat the hardware prefetcher. Each group prefetches
 * its registers 1-4 KiB ahead per stream (PFD, PFD512) when the state
 * is larger than L2 (n > 16); 0.3-0.45 ns then, and no loss on the other
 * pairs.
 *
 * Each (|C|, flips) case is its own function with the loops over registers
 * and terms fully unrolled (always_inline template with constant
 * arguments). The group index runs over a flat range, the base found by
 * inserting zero bits at the C positions, so that qnn_par_for can split
 * the groups over the kernel team; every group is independent and
 * element-wise, hence bit-identical for any thread count.
 *
 * Paths: AVX-512 (n >= 2), AVX2+FMA, and a scalar loop (the same
 * group-by-deposit structure, plain arithmetic) chosen by
 * qnn_simd_level() at each call; -DQNN_NO_SIMD_KERNELS leaves only the
 * scalar one. The levels round differently (FMA, summation order), each
 * reproducibly. The *_ref loops are the tests' plain reference. */
#include "qnn/gate2.h"

#include "qnn/par.h"
#include "qnn/simd.h"

/* Groups per range handed to a kernel thread (at least). */
#define GRAIN 256
/* States from 2^14 amplitudes split over the kernel threads (qnn/par.h). */
#define PAR_MIN_QUBITS 14
/* Groups the AVX2 kernels prefetch ahead, 1 KiB per stream (see the
 * header comment). */
#define PFD 32
/* AVX-512: 64 groups, 4 KiB ahead per stream (measured against 32 at
 * n = 20: (0,5) 0.36 against 0.37-0.52 ns, (7,3) 0.44-0.65 against
 * 0.51-0.57, the others equal) */
#define PFD512 64
/* ... for states of more qubits than this (> 1 MiB, beyond L2; in cache
 * the prefetches cost ~5-10 %) */
#define PF_MIN_QUBITS 16

static void load(const qnn_cplx *g, int dim, int adjoint, qnn_cplx *m)
{
    for (int r = 0; r < dim; r++)
        for (int c = 0; c < dim; c++)
            m[r * dim + c] = adjoint ? conj(g[c * dim + r]) : g[r * dim + c];
}

/* x with a zero bit inserted at position c. */
static inline size_t ins0(size_t x, int c)
{
    const size_t lo = ((size_t)1 << c) - 1;
    return ((x & ~lo) << 1) | (x & lo);
}

/* ---- plan: the case, offsets and lane coefficients of one call ---------- */

typedef struct plan {
    double *v;          /* the state, interleaved */
    int nc;             /* across-register targets */
    int lb;             /* in-register bits of the path (0: scalar) */
    int cb[2];          /* their qubits, ascending (for the deposit) */
    size_t off[4];      /* amplitude offsets of a group's 2^nc registers */
    int rmask;          /* lane bits of the in-register targets */
    qnn_cplx m[16];     /* the matrix applied (adjoint taken), row-major */
    int pf;             /* 1: prefetch (the state is larger than L2) */
    int nt;             /* gate qubits */
    int q[2];           /* target qubits, local order */
    /* [out β][term t][lane doubles]: A = (re, re), B = (im, -im) per lane */
    _Alignas(64) double A[4 * 4 * 8];
    _Alignas(64) double B[4 * 4 * 8];
    double cr[16], ci[16]; /* m's real and imaginary parts (|C| = 2) */
} plan;

/* Classifies the targets for a path with lb in-register bits and lays out
 * its coefficients. */
static void plan_init(plan *p, double *v, int lb, int nt, const int *tq, const qnn_cplx *g,
                      int adjoint)
{
    const int lanes = 1 << lb, dim = 1 << nt;
    int cpos[2] = {-1, -1}, cq[2] = {0, 0};
    p->v = v;
    p->lb = lb;
    p->nt = nt;
    p->nc = 0;
    p->rmask = 0;
    load(g, dim, adjoint, p->m);
    for (int j = 0; j < dim * dim; j++) {
        p->cr[j] = creal(p->m[j]);
        p->ci[j] = cimag(p->m[j]);
    }
    for (int i = 0; i < nt; i++) {
        p->q[i] = tq[i];
        if (tq[i] < lb) {
            p->rmask |= 1 << tq[i];
        } else {
            cq[p->nc] = tq[i];
            cpos[i] = p->nc++;
        }
    }
    p->cb[0] = cq[0];
    p->cb[1] = cq[1];
    if (p->nc == 2 && p->cb[0] > p->cb[1]) {
        p->cb[0] = cq[1];
        p->cb[1] = cq[0];
    }
    const int nin = 1 << p->nc;
    for (int b = 0; b < nin; b++) {
        p->off[b] = 0;
        for (int j = 0; j < p->nc; j++)
            p->off[b] |= (size_t)((b >> j) & 1) << cq[j];
    }
    if (lb == 0 || p->nc == 2) /* scalar, both across: cr, ci */
        return;
    int perms[4], np = 0;
    for (int s = 0; s < lanes; s++)
        if ((s & ~p->rmask) == 0)
            perms[np++] = s;
    const int nterm = nin * np;
    for (int o = 0; o < nin; o++)
        for (int i = 0; i < nin; i++)
            for (int k = 0; k < np; k++)
                for (int L = 0; L < lanes; L++) {
                    int lo = 0, li = 0;
                    const int Li = L ^ perms[k];
                    for (int t = 0; t < nt; t++) {
                        lo |= (cpos[t] < 0 ? (L >> tq[t]) & 1 : (o >> cpos[t]) & 1) << t;
                        li |= (cpos[t] < 0 ? (Li >> tq[t]) & 1 : (i >> cpos[t]) & 1) << t;
                    }
                    const qnn_cplx c = p->m[lo * dim + li];
                    const size_t at = ((size_t)(o * nterm + i * np + k) * lanes + L) * 2;
                    p->A[at] = creal(c);
                    p->A[at + 1] = creal(c);
                    p->B[at] = cimag(c);
                    p->B[at + 1] = -cimag(c);
                }
}

/* ---- scalar path ---------------------------------------------------------- */

static void scalar2(void *ctx, size_t k0, size_t k1)
{
    const plan *p = ctx;
    double *restrict v = p->v;
    double mr[16], mi[16];
    for (int j = 0; j < 16; j++) {
        mr[j] = creal(p->m[j]);
        mi[j] = cimag(p->m[j]);
    }
    for (size_t k = k0; k < k1; k++) {
        const size_t b = ins0(ins0(k, p->cb[0]), p->cb[1]);
        double xr[4], xi[4];
        for (int j = 0; j < 4; j++) {
            xr[j] = v[2 * (b + p->off[j])];
            xi[j] = v[2 * (b + p->off[j]) + 1];
        }
        for (int r = 0; r < 4; r++) {
            double sr = 0.0, si = 0.0;
            for (int j = 0; j < 4; j++) {
                sr += mr[4 * r + j] * xr[j] - mi[4 * r + j] * xi[j];
                si += mr[4 * r + j] * xi[j] + mi[4 * r + j] * xr[j];
            }
            v[2 * (b + p->off[r])] = sr;
            v[2 * (b + p->off[r]) + 1] = si;
        }
    }
}

static void scalar1(void *ctx, size_t k0, size_t k1)
{
    const plan *p = ctx;
    double *restrict v = p->v;
    const size_t s = p->off[1];
    double c[8];
    for (int j = 0; j < 4; j++) {
        c[2 * j] = creal(p->m[j]);
        c[2 * j + 1] = cimag(p->m[j]);
    }
    for (size_t k = k0; k < k1; k++) {
        const size_t i0 = ins0(k, p->cb[0]), i1 = i0 + s;
        const double xr = v[2 * i0], xi = v[2 * i0 + 1];
        const double yr = v[2 * i1], yi = v[2 * i1 + 1];
        v[2 * i0] = c[0] * xr - c[1] * xi + c[2] * yr - c[3] * yi;
        v[2 * i0 + 1] = c[0] * xi + c[1] * xr + c[2] * yi + c[3] * yr;
        v[2 * i1] = c[4] * xr - c[5] * xi + c[6] * yr - c[7] * yi;
        v[2 * i1 + 1] = c[4] * xi + c[5] * xr + c[6] * yi + c[7] * yr;
    }
}

/* ---- vector paths --------------------------------------------------------- */

#if defined(__GNUC__) && defined(__x86_64__) && !defined(QNN_NO_SIMD_KERNELS)
#define QNN_GATE2_SIMD 1
#include <immintrin.h>

#define T512 __attribute__((target("avx512f")))
#define T256 __attribute__((target("avx2,fma")))
#define INL static inline __attribute__((always_inline))

/* Lane flip by the constant mask f (lane L takes lane L ^ f). */
INL T512 __m512d flip512(__m512d x, int f)
{
    switch (f) {
    case 1: return _mm512_shuffle_f64x2(x, x, 0xB1);
    case 2: return _mm512_shuffle_f64x2(x, x, 0x4E);
    case 3: return _mm512_shuffle_f64x2(x, x, 0x1B);
    default: return x;
    }
}

INL T256 __m256d flip256(__m256d x, int f)
{
    return f ? _mm256_permute2f128_pd(x, x, 0x01) : x;
}

/* One range of groups: NC across-register targets, NP lane permutations
 * (1, 2: {0, RM}, 4: {0, 1, 2, 3}); all constants after inlining. */
INL T512 void run512(const plan *p, size_t k0, size_t k1, const int NC, const int NP, const int RM)
{
    double *restrict v = p->v;
    const double *restrict A = p->A, *restrict B = p->B, *restrict ci = p->ci;
    const int NIN = 1 << NC, NT = NIN * NP, c0 = p->cb[0], c1 = p->cb[1];
    size_t off[4];
    for (int i = 0; i < NIN; i++)
        off[i] = 2 * p->off[i];
    /* coefficients in registers: the lane vectors (|C| < 2, at most 16),
     * or the 16 real parts as broadcasts (|C| = 2: uniform lanes; the
     * imaginary parts stay in memory as embedded broadcasts) */
    __m512d CA[16], CB[16];
#pragma GCC unroll 16
    for (int j = 0; j < 16; j++) {
        CA[j] = NC == 2 ? _mm512_set1_pd(p->cr[j]) : j < NIN * NT ? _mm512_load_pd(A + j * 8) : _mm512_setzero_pd();
        CB[j] = NC < 2 && j < NIN * NT ? _mm512_load_pd(B + j * 8) : _mm512_setzero_pd();
    }
    for (size_t k = k0; k < k1; k++) {
        size_t b = k << 2;
        if (NC >= 1)
            b = ins0(b, c0);
        if (NC >= 2)
            b = ins0(b, c1);
        double *base = v + 2 * b;
        if (p->pf && k + PFD512 < k1) {
            size_t bp = (k + PFD512) << 2;
            if (NC >= 1)
                bp = ins0(bp, c0);
            if (NC >= 2)
                bp = ins0(bp, c1);
#pragma GCC unroll 4
            for (int i = 0; i < NIN; i++)
                __builtin_prefetch(v + 2 * bp + off[i], 1, 3);
        }
        __m512d X[4][4];
#pragma GCC unroll 4
        for (int i = 0; i < NIN; i++) {
            const __m512d x = _mm512_loadu_pd(base + off[i]);
#pragma GCC unroll 4
            for (int j = 0; j < NP; j++)
                X[i][j] = flip512(x, NP == 2 ? (j ? RM : 0) : j);
        }
        if (NC == 2) {
            /* c = Σ ci x: (ci xr, ci xi); swapped and its real lanes
             * negated it is the imaginary parts' share (-ci xi, ci xr) */
#pragma GCC unroll 4
            for (int o = 0; o < 4; o++) {
                __m512d a = _mm512_mul_pd(CA[4 * o], X[0][0]);
                __m512d c = _mm512_mul_pd(_mm512_set1_pd(ci[4 * o]), X[0][0]);
#pragma GCC unroll 4
                for (int i = 1; i < 4; i++) {
                    a = _mm512_fmadd_pd(CA[4 * o + i], X[i][0], a);
                    c = _mm512_fmadd_pd(_mm512_set1_pd(ci[4 * o + i]), X[i][0], c);
                }
                c = _mm512_permute_pd(c, 0x55);
                c = _mm512_mask_sub_pd(c, 0x55, _mm512_setzero_pd(), c);
                _mm512_storeu_pd(base + off[o], _mm512_add_pd(a, c));
            }
            continue;
        }
#pragma GCC unroll 4
        for (int o = 0; o < NIN; o++) {
            __m512d a = _mm512_mul_pd(CA[o * NT], X[0][0]);
            __m512d c = _mm512_mul_pd(CB[o * NT], X[0][0]);
#pragma GCC unroll 16
            for (int t = 1; t < NT; t++) {
                const __m512d x = X[t / NP][t % NP];
                a = _mm512_fmadd_pd(CA[o * NT + t], x, a);
                c = _mm512_fmadd_pd(CB[o * NT + t], x, c);
            }
            _mm512_storeu_pd(base + off[o], _mm512_add_pd(a, _mm512_permute_pd(c, 0x55)));
        }
    }
}

INL T256 void run256(const plan *p, size_t k0, size_t k1, const int NC, const int NP)
{
    double *restrict v = p->v;
    const double *restrict A = p->A, *restrict B = p->B;
    const int NIN = 1 << NC, NT = NIN * NP, c0 = p->cb[0], c1 = p->cb[1];
    size_t off[4];
    for (int i = 0; i < NIN; i++)
        off[i] = 2 * p->off[i];
    for (size_t k = k0; k < k1; k++) {
        size_t b = k << 1;
        if (NC >= 1)
            b = ins0(b, c0);
        if (NC >= 2)
            b = ins0(b, c1);
        double *base = v + 2 * b;
        if (p->pf && k + PFD < k1) {
            size_t bp = (k + PFD) << 1;
            if (NC >= 1)
                bp = ins0(bp, c0);
            if (NC >= 2)
                bp = ins0(bp, c1);
#pragma GCC unroll 4
            for (int i = 0; i < NIN; i++)
                __builtin_prefetch(v + 2 * bp + off[i], 1, 3);
        }
        __m256d X[4][2];
#pragma GCC unroll 4
        for (int i = 0; i < NIN; i++) {
            const __m256d x = _mm256_loadu_pd(base + off[i]);
            X[i][0] = x;
            if (NP == 2)
                X[i][1] = flip256(x, 1);
        }
#pragma GCC unroll 4
        for (int o = 0; o < NIN; o++) {
            __m256d a = _mm256_mul_pd(_mm256_load_pd(A + o * NT * 4), X[0][0]);
            __m256d c = _mm256_mul_pd(_mm256_load_pd(B + o * NT * 4), X[0][0]);
#pragma GCC unroll 16
            for (int t = 1; t < NT; t++) {
                const __m256d x = X[t / NP][t % NP];
                a = _mm256_fmadd_pd(_mm256_load_pd(A + (o * NT + t) * 4), x, a);
                c = _mm256_fmadd_pd(_mm256_load_pd(B + (o * NT + t) * 4), x, c);
            }
            _mm256_storeu_pd(base + off[o], _mm256_add_pd(a, _mm256_permute_pd(c, 0x5)));
        }
    }
}

/* AVX2, both targets across registers: two groups at a time, their
 * registers of one stream split into real and imaginary parts (unpack:
 * lane pairs of group k and group k') so that every matrix element is two
 * register broadcasts shared by both groups and the complex product needs
 * no swap: 40 loads per 64 FMAs. The lane-vector form of run256 reads one
 * full coefficient vector per FMA (36 loads per 32) and was load-bound
 * here: 0.85-0.89 ns per amplitude at n = 20 against Qulacs' 0.67-0.86
 * (which splits the same way); now 0.61-0.66, at the FMA bound (0.62)
 * and ahead of Qulacs on every pair.
 * Four accumulator chains per output (re = Σ cr xr - Σ ci xi, im =
 * Σ cr xi + Σ ci xr), 4 FMAs deep: measured 3-5 % faster than two chains
 * of 8. Prefetch as run256, PFD groups ahead, but each line once: for
 * both groups when c0 >= 2 (group k + 1 is 32 bytes on), and with c0 = 1
 * only the streams without the c0 bit (their partner is the line's other
 * half); none when c1 <= 4 (the group's streams lie in one 256-byte block:
 * a contiguous sweep the hardware follows). Prefetching every register
 * had cost 3-10 % ((1,2): 0.68 against 0.62 ns).
 * An odd range's last group is paired with itself (stored twice, the
 * same values): every lane's arithmetic is the same whatever its partner,
 * hence the same bits for any partition of the groups. */
static T256 void y2p1(void *ctx, size_t k0, size_t k1)
{
    const plan *p = ctx;
    double *v = p->v;
    const double *cr = p->cr, *ci = p->ci;
    const int c0 = p->cb[0], c1 = p->cb[1];
    size_t off[4];
    for (int i = 0; i < 4; i++)
        off[i] = 2 * p->off[i];
    const int pf = p->pf && c1 > 4;
    for (size_t k = k0; k < k1; k += 2) {
        const size_t kk = k + 1 < k1 ? k + 1 : k;
        double *b0 = v + 2 * ins0(ins0(k << 1, c0), c1);
        double *b1 = v + 2 * ins0(ins0(kk << 1, c0), c1);
        if (pf && k + PFD + 1 < k1) {
            const double *p0 = v + 2 * ins0(ins0((k + PFD) << 1, c0), c1);
            const double *p1 = v + 2 * ins0(ins0((k + PFD + 1) << 1, c0), c1);
#pragma GCC unroll 4
            for (int i = 0; i < 4; i++) {
                if (c0 >= 2) {
                    __builtin_prefetch(p0 + off[i], 1, 3);
                } else if (!(off[i] & 4)) {
                    __builtin_prefetch(p0 + off[i], 1, 3);
                    __builtin_prefetch(p1 + off[i], 1, 3);
                }
            }
        }
        __m256d xr[4], xi[4];
#pragma GCC unroll 4
        for (int i = 0; i < 4; i++) {
            const __m256d u = _mm256_loadu_pd(b0 + off[i]), w = _mm256_loadu_pd(b1 + off[i]);
            xr[i] = _mm256_unpacklo_pd(u, w); /* (re k, re k', re k, re k') */
            xi[i] = _mm256_unpackhi_pd(u, w);
        }
#pragma GCC unroll 4
        for (int o = 0; o < 4; o++) {
            __m256d r = _mm256_set1_pd(cr[4 * o]), s = _mm256_set1_pd(ci[4 * o]);
            __m256d ra = _mm256_mul_pd(r, xr[0]), ia = _mm256_mul_pd(r, xi[0]);
            __m256d rb = _mm256_mul_pd(s, xi[0]), ib = _mm256_mul_pd(s, xr[0]);
#pragma GCC unroll 4
            for (int i = 1; i < 4; i++) {
                r = _mm256_set1_pd(cr[4 * o + i]);
                s = _mm256_set1_pd(ci[4 * o + i]);
                ra = _mm256_fmadd_pd(r, xr[i], ra);
                ia = _mm256_fmadd_pd(r, xi[i], ia);
                rb = _mm256_fmadd_pd(s, xi[i], rb);
                ib = _mm256_fmadd_pd(s, xr[i], ib);
            }
            const __m256d re = _mm256_sub_pd(ra, rb), im = _mm256_add_pd(ia, ib);
            _mm256_storeu_pd(b0 + off[o], _mm256_unpacklo_pd(re, im));
            _mm256_storeu_pd(b1 + off[o], _mm256_unpackhi_pd(re, im));
        }
    }
}

/* The cases, as qnn_par_fn: z<NC>p<NP>[r<RM>] */
#define K512(name, NC, NP, RM)                                \
    static T512 void name(void *ctx, size_t k0, size_t k1)    \
    {                                                         \
        run512(ctx, k0, k1, NC, NP, RM);                      \
    }
#define K256(name, NC, NP)                                    \
    static T256 void name(void *ctx, size_t k0, size_t k1)    \
    {                                                         \
        run256(ctx, k0, k1, NC, NP);                          \
    }
K512(z2p1, 2, 1, 0)   /* 2-qubit, both across */
K512(z1p2r1, 1, 2, 1) /* 2-qubit, qubit 0 in-register */
K512(z1p2r2, 1, 2, 2) /* 2-qubit, qubit 1 in-register */
K512(z0p4, 0, 4, 3)   /* 2-qubit on qubits 0 and 1 */
K512(z1p1, 1, 1, 0)   /* 1-qubit across */
K512(z0p2r1, 0, 2, 1) /* 1-qubit on qubit 0 */
K512(z0p2r2, 0, 2, 2) /* 1-qubit on qubit 1 */
K256(y1p2, 1, 2)      /* 2-qubit, qubit 0 in-register */
K256(y1p1, 1, 1)      /* 1-qubit across */
K256(y0p2, 0, 2)      /* 1-qubit on qubit 0 */
#endif

/* ---- dispatch ------------------------------------------------------------- */

static void run(double *v, int n, int nt, const int *tq, const qnn_cplx *g, int adjoint)
{
    plan p;
    int level = qnn_simd_level();
    if (level == QNN_SIMD_AVX512 && n < 2)
        level = QNN_SIMD_AVX2;
    qnn_par_fn fn;
    int lb;
#ifdef QNN_GATE2_SIMD
    if (level == QNN_SIMD_AVX512) {
        lb = 2;
        plan_init(&p, v, lb, nt, tq, g, adjoint);
        if (nt == 2)
            fn = p.nc == 2 ? z2p1 : p.nc == 0 ? z0p4 : p.rmask == 1 ? z1p2r1 : z1p2r2;
        else
            fn = p.nc == 1 ? z1p1 : p.rmask == 1 ? z0p2r1 : z0p2r2;
    } else if (level == QNN_SIMD_AVX2) {
        lb = 1;
        plan_init(&p, v, lb, nt, tq, g, adjoint);
        if (nt == 2)
            fn = p.nc == 2 ? y2p1 : y1p2;
        else
            fn = p.nc == 1 ? y1p1 : y0p2;
    } else
#else
    (void)level;
#endif
    {
        lb = 0;
        plan_init(&p, v, lb, nt, tq, g, adjoint);
        fn = nt == 2 ? scalar2 : scalar1;
    }
    p.pf = n > PF_MIN_QUBITS;
    const size_t groups = (size_t)1 << (n - lb - p.nc);
    /* below 2^PAR_MIN_QUBITS amplitudes one thread (the Pauli kernels'
     * bound, statevec.c): the window's n = 12 ensemble ran at 25 steps/s
     * split against 33 on one thread; element-wise, so the same bits */
    if (n < PAR_MIN_QUBITS)
        fn(&p, 0, groups);
    else
        qnn_par_for(groups, GRAIN, fn, &p);
}

void qnn_gate2_apply(qnn_cplx *psi, int n, int q0, int q1, const qnn_cplx *g, int adjoint)
{
    const int tq[2] = {q0, q1};
    run((double *)psi, n, 2, tq, g, adjoint);
}

void qnn_gate1_apply(qnn_cplx *psi, int n, int q, const qnn_cplx *g, int adjoint)
{
    run((double *)psi, n, 1, &q, g, adjoint);
}

/* ---- reference loops ------------------------------------------------------ */

void qnn_gate2_apply_ref(qnn_cplx *psi, int n, int q0, int q1, const qnn_cplx *g, int adjoint)
{
    qnn_cplx m[16];
    load(g, 4, adjoint, m);
    const size_t D = (size_t)1 << n, s0 = (size_t)1 << q0, s1 = (size_t)1 << q1;
    for (size_t b = 0; b < D; b++) {
        if (b & (s0 | s1))
            continue;
        const size_t idx[4] = {b, b | s0, b | s1, b | s0 | s1};
        double xr[4], xi[4];
        for (int j = 0; j < 4; j++) {
            xr[j] = creal(psi[idx[j]]);
            xi[j] = cimag(psi[idx[j]]);
        }
        for (int r = 0; r < 4; r++) {
            double sr = 0.0, si = 0.0;
            for (int j = 0; j < 4; j++) {
                const double mr = creal(m[4 * r + j]), mi = cimag(m[4 * r + j]);
                sr += mr * xr[j] - mi * xi[j];
                si += mr * xi[j] + mi * xr[j];
            }
            psi[idx[r]] = CMPLX(sr, si);
        }
    }
}

void qnn_gate1_apply_ref(qnn_cplx *psi, int n, int q, const qnn_cplx *g, int adjoint)
{
    qnn_cplx m[4];
    load(g, 2, adjoint, m);
    const size_t D = (size_t)1 << n, s = (size_t)1 << q;
    for (size_t b = 0; b < D; b++) {
        if (b & s)
            continue;
        const double ar = creal(psi[b]), ai = cimag(psi[b]);
        const double br = creal(psi[b | s]), bi = cimag(psi[b | s]);
        double yr[2], yi[2];
        for (int r = 0; r < 2; r++) {
            const double m0r = creal(m[2 * r]), m0i = cimag(m[2 * r]);
            const double m1r = creal(m[2 * r + 1]), m1i = cimag(m[2 * r + 1]);
            yr[r] = m0r * ar - m0i * ai + m1r * br - m1i * bi;
            yi[r] = m0r * ai + m0i * ar + m1r * bi + m1i * br;
        }
        psi[b] = CMPLX(yr[0], yi[0]);
        psi[b | s] = CMPLX(yr[1], yi[1]);
    }
}
