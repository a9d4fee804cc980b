/* Gate fusion (qnn/fuse.h): a planner that groups a gate sequence into
 * blocks on at most kmax qubits, and a block kernel that applies all of a
 * block's gates in one pass over the state.
 *
 * Planner. Gates are taken in order. For gate g (qubit mask m) let b be the
 * last block whose qubits intersect m: g must come after b, and it commutes
 * with every later block (they do not touch its qubits), so it may join any
 * block from b to the last. It joins the one whose qubit union with m is
 * smallest (the earliest on ties) when that union has at most kmax qubits,
 * else a new block is opened at the end. A gate no block touches may join
 * any block. Within a block the gates keep their order, so applying the
 * blocks in order equals applying the gates in order (every moved gate
 * commutes with the blocks it was moved past).
 *
 * Block kernels ("sequence fusion": the block's gates one after another on
 * a cache-resident part of the state, so that the state streams through
 * memory once per block instead of once per gate, which is what counts
 * once it no longer fits the caches, n ≥ 21 on a 32 MiB L3):
 *  - slices: a block whose qubits are all below SLICE_QUBITS (14) is
 *    applied slice by slice, a slice being 2^14 contiguous amplitudes
 *    (256 KiB, in L2) on which the gates run as a 14-qubit state through
 *    qnn/gate2.h's kernels (every SIMD level of those);
 *  - row tiles: otherwise a tile is the 2^m amplitudes (m = TILE_QUBITS =
 *    10) whose indices agree outside C ∪ F, C the block's k qubits and F
 *    the lowest m - k qubits not in C. It is 2^k rows (C's bits) of runs
 *    of 2^min(C) contiguous amplitudes; every gate acts on row indices
 *    only, so one kernel covers every target pair: per group of 4 rows
 *    (2 for a 1-qubit gate) Y_r = Σ_c G[r][c] X_c, vectorised along the
 *    runs (4 amplitudes per AVX-512 register, 2 per AVX2 register, plain
 *    doubles on the scalar path), coefficients broadcast from the plan:
 *    per term two FMAs (Σ Re G·x, Σ Im G·x), per output one re/im swap
 *    and one fmaddsub, i.e. the dense gate's 4 complex multiply-adds per
 *    amplitude. The tiles are worked in place; the next tile's lines are
 *    prefetched;
 *  - gate by gate (qnn/gate2.h on the whole state): blocks of one gate,
 *    states of at most SLICE_QUBITS qubits, and blocks mixing qubit 0 or 1
 *    (runs shorter than a vector) with qubits ≥ SLICE_QUBITS (copying
 *    those rows into a buffer measured 2x slower than the plain gates).
 * A dense 2^k x 2^k block matrix was the alternative: 16 (k = 4) to 32
 * (k = 5) multiply-adds per amplitude for the 2-6 gates a brickwork block
 * holds, no fewer flops than the gates themselves.
 *
 * The row kernels' coefficients (real and imaginary parts of G, or of G†
 * for the adjoint, row-major) are laid out once per pass, so a tile costs
 * no set-up and the plan holds only the gates. A block of more than
 * CHUNK_GATES (64) gates takes one pass per 64 gates. SIMD level:
 * qnn_simd_level() at each call; -DQNN_NO_SIMD_KERNELS leaves the scalar
 * path. Levels round differently (FMA), each reproducibly.
 *
 * Threads: the tiles are split with qnn_par_for (fixed partition, each tile
 * written by one thread with the same operations whatever the thread
 * count), so results are bit-identical for any kernel thread count.
 *
 * Adjoint: the blocks in reverse order, each block's gates in reverse order
 * with their adjoints, i.e. each block's inverse. */
#include "qnn/fuse.h"
#include "qnn/gate2.h"
#include "qnn/par.h"
#include "qnn/simd.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if defined(__GNUC__) && defined(__x86_64__) && !defined(QNN_NO_SIMD_KERNELS)
#define FUSE_SIMD 1
#include <immintrin.h>
#define T512 __attribute__((target("avx512f")))
#define T256 __attribute__((target("avx2,fma")))
#endif

/* Gates of a block applied in one pass at most (longer blocks take several
 * passes). */
#define CHUNK_GATES 64

/* Qubits of a row tile: 2^10 amplitudes = 16 KiB. */
#ifndef TILE_QUBITS
#define TILE_QUBITS 10
#endif

/* Qubits of a contiguous slice (blocks on qubits below it): 2^14
 * amplitudes = 256 KiB, in L2 (measured: 12, 14, 15, 16 within noise,
 * 14 best at n = 16 .. 24). */
#ifndef SLICE_QUBITS
#define SLICE_QUBITS 14
#endif

struct qnn_fused {
    int n;
    size_t ngates, nblocks;
    qnn_cplx *g;      /* 16 per gate (2x2 gates use the first 4), in block order */
    int *q;           /* 2 per gate: global q0, q1 (q1 = -1 for 1-qubit gates) */
    int *lq;          /* 2 per gate: the same as row bits of the block's tile */
    size_t *bstart;   /* nblocks + 1: block i holds gates bstart[i] .. bstart[i+1]-1 */
    uint32_t *bmask;  /* qubits of each block */
};

size_t qnn_fused_bytes(size_t ngates)
{
    const size_t g = ngates ? ngates : 1;
    return sizeof(struct qnn_fused) + g * 16 * sizeof(qnn_cplx) + 2 * g * 2 * sizeof(int)
           + (g + 1) * sizeof(size_t) + g * sizeof(uint32_t);
}

static int popcount32(uint32_t x)
{
    return __builtin_popcount(x);
}

static uint32_t gate_mask(const qnn_gate_ref *r)
{
    return ((uint32_t)1 << r->q0) | (r->q1 >= 0 ? (uint32_t)1 << r->q1 : 0u);
}

/* Rank of qubit q among the set bits of c. */
static int rank_in(uint32_t c, int q)
{
    return popcount32(c & (((uint32_t)1 << q) - 1));
}

/* Real (co[0..15]) and imaginary (co[16..31]) parts of g (dim x dim,
 * row-major) or of g†. */
static void lay_coef(const qnn_cplx *g, int dim, int adjoint, double *co)
{
    for (int r = 0; r < dim; r++)
        for (int c = 0; c < dim; c++) {
            const qnn_cplx v = adjoint ? conj(g[c * dim + r]) : g[r * dim + c];
            co[r * dim + c] = creal(v);
            co[16 + r * dim + c] = cimag(v);
        }
}

qnn_fused *qnn_fused_new(int n, size_t ngates, const qnn_gate_ref *gates, int kmax)
{
    if (n < 1 || n > QNN_MAX_QUBITS || n > 31 || kmax < 2 || kmax > 5 || (ngates && !gates))
        return NULL;
    for (size_t i = 0; i < ngates; i++) {
        const qnn_gate_ref *r = &gates[i];
        if (r->q0 < 0 || r->q0 >= n || r->q1 < -1 || r->q1 >= n || r->q1 == r->q0 || !r->g)
            return NULL;
    }
    qnn_fused *f = calloc(1, sizeof *f);
    if (!f)
        return NULL;
    const size_t cap = ngates ? ngates : 1;
    f->n = n;
    f->ngates = ngates;
    f->g = malloc(cap * 16 * sizeof(qnn_cplx));
    f->q = malloc(cap * 2 * sizeof(int));
    f->lq = malloc(cap * 2 * sizeof(int));
    f->bstart = malloc((cap + 1) * sizeof(size_t));
    f->bmask = malloc(cap * sizeof(uint32_t));
    size_t *blk = malloc(cap * sizeof(size_t)); /* block of each gate */
    if (!f->g || !f->q || !f->lq || !f->bstart || !f->bmask || !blk) {
        free(blk);
        qnn_fused_free(f);
        return NULL;
    }

    size_t nb = 0;
    for (size_t i = 0; i < ngates; i++) {
        const uint32_t m = gate_mask(&gates[i]);
        size_t b = nb; /* last block touching m; nb = none */
        for (size_t j = nb; j-- > 0;)
            if (f->bmask[j] & m) {
                b = j;
                break;
            }
        size_t best = nb;
        int best_w = kmax + 1;
        for (size_t j = b == nb ? 0 : b; j < nb; j++) {
            const int w = popcount32(f->bmask[j] | m);
            if (w < best_w) {
                best_w = w;
                best = j;
            }
        }
        if (best == nb)
            f->bmask[nb++] = 0;
        f->bmask[best] |= m;
        blk[i] = best;
    }
    f->nblocks = nb;

    /* stable counting sort of the gates by block */
    memset(f->bstart, 0, (nb + 1) * sizeof(size_t));
    for (size_t i = 0; i < ngates; i++)
        f->bstart[blk[i] + 1]++;
    for (size_t j = 0; j < nb; j++)
        f->bstart[j + 1] += f->bstart[j];
    for (size_t i = 0; i < ngates; i++) {
        const size_t pos = f->bstart[blk[i]]++;
        const qnn_gate_ref *r = &gates[i];
        const uint32_t c = f->bmask[blk[i]];
        const int dim = r->q1 < 0 ? 2 : 4;
        f->q[2 * pos] = r->q0;
        f->q[2 * pos + 1] = r->q1;
        f->lq[2 * pos] = rank_in(c, r->q0);
        f->lq[2 * pos + 1] = r->q1 < 0 ? -1 : rank_in(c, r->q1);
        memcpy(f->g + 16 * pos, r->g, (size_t)(dim * dim) * sizeof(qnn_cplx));
    }
    /* the increments left bstart[j] at block j's end: shift back */
    for (size_t j = nb; j > 0; j--)
        f->bstart[j] = f->bstart[j - 1];
    f->bstart[0] = 0;
    free(blk);
    return f;
}

void qnn_fused_free(qnn_fused *f)
{
    if (!f)
        return;
    free(f->g);
    free(f->q);
    free(f->lq);
    free(f->bstart);
    free(f->bmask);
    free(f);
}

/* ---- row kernels ----------------------------------------------------------
 * A tile is 2^k rows (the block's qubits); row r starts at p_r (in the
 * state) and holds nrun runs of len amplitudes (interleaved doubles, len at
 * least a vector), run u at p_r + 2 foff[u]. */

/* Rows p[0..3] <- G (p[0..3]) for a 4x4 g (dim = 4), or rows p[0..1] for a
 * 2x2 one (dim = 2). cr, ci: row-major real and imaginary parts. */
static void rows_scalar(double *const *p, const size_t *foff, size_t nrun, size_t len, int dim,
                        const double *cr, const double *ci)
{
    for (size_t u = 0; u < nrun; u++)
        for (size_t j = 2 * foff[u]; j < 2 * (foff[u] + len); j += 2) {
            double xr[4], xi[4];
            for (int c = 0; c < dim; c++) {
                xr[c] = p[c][j];
                xi[c] = p[c][j + 1];
            }
            for (int r = 0; r < dim; r++) {
                double yr = 0.0, yi = 0.0;
                for (int c = 0; c < dim; c++) {
                    yr += cr[r * dim + c] * xr[c] - ci[r * dim + c] * xi[c];
                    yi += cr[r * dim + c] * xi[c] + ci[r * dim + c] * xr[c];
                }
                p[r][j] = yr;
                p[r][j + 1] = yi;
            }
        }
}

#ifdef FUSE_SIMD
/* Y = Σ_c G[r][c] X_c per output r: acc_a = Σ Re G ⊙ X, acc_b = Σ Im G ⊙ X,
 * Y = acc_a ∓ swap(acc_b) (fmaddsub: even lanes subtract, odd lanes add).
 * len is a multiple of 4 amplitudes. */
static inline __attribute__((always_inline)) T512 void
rows512_t(double *const *p, const size_t *foff, size_t nrun, size_t len, int dim,
          const double *cr, const double *ci)
{
    const __m512d one = _mm512_set1_pd(1.0);
    for (size_t u = 0; u < nrun; u++)
        for (size_t j = 2 * foff[u]; j < 2 * (foff[u] + len); j += 8) {
            __m512d x[4];
            for (int c = 0; c < dim; c++)
                x[c] = _mm512_loadu_pd(p[c] + j);
            for (int r = 0; r < dim; r++) {
                __m512d a = _mm512_mul_pd(_mm512_set1_pd(cr[r * dim]), x[0]);
                __m512d b = _mm512_mul_pd(_mm512_set1_pd(ci[r * dim]), x[0]);
                for (int c = 1; c < dim; c++) {
                    a = _mm512_fmadd_pd(_mm512_set1_pd(cr[r * dim + c]), x[c], a);
                    b = _mm512_fmadd_pd(_mm512_set1_pd(ci[r * dim + c]), x[c], b);
                }
                _mm512_storeu_pd(p[r] + j, _mm512_fmaddsub_pd(one, a, _mm512_permute_pd(b, 0x55)));
            }
        }
}

static T512 void rows512_2(double *const *p, const size_t *foff, size_t nrun, size_t len,
                           const double *cr, const double *ci)
{
    rows512_t(p, foff, nrun, len, 4, cr, ci);
}

static T512 void rows512_1(double *const *p, const size_t *foff, size_t nrun, size_t len,
                           const double *cr, const double *ci)
{
    rows512_t(p, foff, nrun, len, 2, cr, ci);
}

/* The same, 2 amplitudes per register; len a multiple of 2. */
static inline __attribute__((always_inline)) T256 void
rows256_t(double *const *p, const size_t *foff, size_t nrun, size_t len, int dim,
          const double *cr, const double *ci)
{
    const __m256d one = _mm256_set1_pd(1.0);
    for (size_t u = 0; u < nrun; u++)
        for (size_t j = 2 * foff[u]; j < 2 * (foff[u] + len); j += 4) {
            __m256d x[4];
            for (int c = 0; c < dim; c++)
                x[c] = _mm256_loadu_pd(p[c] + j);
            for (int r = 0; r < dim; r++) {
                __m256d a = _mm256_mul_pd(_mm256_set1_pd(cr[r * dim]), x[0]);
                __m256d b = _mm256_mul_pd(_mm256_set1_pd(ci[r * dim]), x[0]);
                for (int c = 1; c < dim; c++) {
                    a = _mm256_fmadd_pd(_mm256_set1_pd(cr[r * dim + c]), x[c], a);
                    b = _mm256_fmadd_pd(_mm256_set1_pd(ci[r * dim + c]), x[c], b);
                }
                _mm256_storeu_pd(p[r] + j, _mm256_fmaddsub_pd(one, a, _mm256_permute_pd(b, 0x5)));
            }
        }
}

static T256 void rows256_2(double *const *p, const size_t *foff, size_t nrun, size_t len,
                           const double *cr, const double *ci)
{
    rows256_t(p, foff, nrun, len, 4, cr, ci);
}

static T256 void rows256_1(double *const *p, const size_t *foff, size_t nrun, size_t len,
                           const double *cr, const double *ci)
{
    rows256_t(p, foff, nrun, len, 2, cr, ci);
}
#endif

/* Amplitudes per vector register at a level. */
static size_t lanes_of(int level)
{
    return level == QNN_SIMD_AVX512 ? 4 : level == QNN_SIMD_AVX2 ? 2 : 1;
}

/* The gates b .. e-1 of a plan (reversed and adjoint when asked) on a tile
 * whose row r starts at rp[r]; co: 32 coefficients per gate from b, laid
 * out for the direction. */
static void tile_gates(const qnn_fused *f, size_t b, size_t e, const double *co, int k,
                       double *const *rp, const size_t *foff, size_t nrun, size_t len,
                       int adjoint, int level)
{
    const size_t R = (size_t)1 << k;
    for (size_t s = b; s < e; s++) {
        const size_t i = adjoint ? b + e - 1 - s : s;
        const double *cr = co + 32 * (i - b), *ci = cr + 16;
        const int a0 = f->lq[2 * i], a1 = f->lq[2 * i + 1];
        const size_t s0 = (size_t)1 << a0, s1 = a1 < 0 ? 0 : (size_t)1 << a1;
        const int dim = a1 < 0 ? 2 : 4;
        for (size_t r = 0; r < R; r++) {
            if (r & (s0 | s1))
                continue;
            double *const p[4] = {rp[r], rp[r | s0], rp[r | s1], rp[r | s0 | s1]};
#ifdef FUSE_SIMD
            if (level == QNN_SIMD_AVX512) {
                if (dim == 4)
                    rows512_2(p, foff, nrun, len, cr, ci);
                else
                    rows512_1(p, foff, nrun, len, cr, ci);
                continue;
            }
            if (level == QNN_SIMD_AVX2) {
                if (dim == 4)
                    rows256_2(p, foff, nrun, len, cr, ci);
                else
                    rows256_1(p, foff, nrun, len, cr, ci);
                continue;
            }
#else
            (void)level;
#endif
            rows_scalar(p, foff, nrun, len, dim, cr, ci);
        }
    }
}

/* The gates b .. e-1 one by one through qnn/gate2.h, on an nq-qubit state
 * (the whole state, or a contiguous slice holding all their qubits). */
static void direct_gates(const qnn_fused *f, size_t b, size_t e, qnn_cplx *psi, int nq,
                         int adjoint)
{
    for (size_t s = b; s < e; s++) {
        const size_t i = adjoint ? b + e - 1 - s : s;
        if (f->q[2 * i + 1] < 0)
            qnn_gate1_apply(psi, nq, f->q[2 * i], f->g + 16 * i, adjoint);
        else
            qnn_gate2_apply(psi, nq, f->q[2 * i], f->q[2 * i + 1], f->g + 16 * i, adjoint);
    }
}

typedef struct {
    const qnn_fused *f;
    size_t b, e;
    qnn_cplx *psi;
    int m, adjoint;
} slice_ctx;

static void slice_range(void *vctx, size_t ob, size_t oe)
{
    const slice_ctx *c = vctx;
    for (size_t o = ob; o < oe; o++)
        direct_gates(c->f, c->b, c->e, c->psi + (o << c->m), c->m, c->adjoint);
}

typedef struct {
    const qnn_fused *f;
    size_t b, e;         /* the block's gates */
    qnn_cplx *psi;
    int adjoint, level;
    int k;               /* block qubits: 2^k rows */
    size_t W;            /* amplitudes per row: 2^(m-k) */
    size_t run;          /* contiguous amplitudes per run: 2^t, t ≤ m-k */
    int nout;            /* qubits outside the tile */
    int outpos[32];      /* their positions, ascending */
    size_t roff[32];     /* global offset of each row (C's bits) */
    size_t foff[(size_t)1 << TILE_QUBITS]; /* offset of each run of a row (F's bits) */
    double co[32 * CHUNK_GATES]; /* the gates' coefficients, 32 each */
} tile_ctx;

/* Index of the first amplitude of tile o: o's bits deposited on the
 * qubits outside the tile. */
static size_t tile_base(const tile_ctx *c, size_t o)
{
    size_t base = 0;
    for (int i = 0; i < c->nout; i++)
        base |= ((o >> i) & 1) << c->outpos[i];
    return base;
}

static void prefetch_tile(const tile_ctx *c, size_t base)
{
    const size_t R = (size_t)1 << c->k, nrun = c->W / c->run;
    const size_t bytes = c->run * sizeof(qnn_cplx);
    for (size_t r = 0; r < R; r++)
        for (size_t u = 0; u < nrun; u++) {
            const char *p = (const char *)(c->psi + base + c->roff[r] + c->foff[u]);
            for (size_t off = 0; off < bytes; off += 64)
                __builtin_prefetch(p + off, 1, 3);
        }
}

static void tile_range(void *vctx, size_t ob, size_t oe)
{
    const tile_ctx *c = vctx;
    const size_t R = (size_t)1 << c->k, nrun = c->W / c->run;
    double *rp[32];
    for (size_t o = ob; o < oe; o++) {
        const size_t base = tile_base(c, o);
        if (o + 1 < oe)
            prefetch_tile(c, tile_base(c, o + 1));
        for (size_t r = 0; r < R; r++)
            rp[r] = (double *)(c->psi + base + c->roff[r]);
        tile_gates(c->f, c->b, c->e, c->co, c->k, rp, c->foff, nrun, c->run, c->adjoint,
                   c->level);
    }
}

/* Gates b .. e-1 (at most CHUNK_GATES) of a block on the qubits C, in one
 * pass. */
static void apply_chunk(const qnn_fused *f, uint32_t C, size_t b, size_t e, qnn_cplx *psi,
                        int adjoint)
{
    const int n = f->n, m = TILE_QUBITS;
    if (e - b == 1 || n <= SLICE_QUBITS) {
        direct_gates(f, b, e, psi, n, adjoint);
        return;
    }
    if (C < (uint32_t)1 << SLICE_QUBITS) {
        /* all qubits low: contiguous slices of 2^SLICE_QUBITS amplitudes */
        slice_ctx sc = {f, b, e, psi, SLICE_QUBITS, adjoint};
        qnn_par_for((size_t)1 << (n - SLICE_QUBITS), 1, slice_range, &sc);
        return;
    }
    tile_ctx *c = malloc(sizeof *c);
    if (!c) { /* out of memory: the same gates one by one */
        direct_gates(f, b, e, psi, n, adjoint);
        return;
    }
    c->f = f;
    c->b = b;
    c->e = e;
    c->psi = psi;
    c->adjoint = adjoint;
    c->level = qnn_simd_level();
    for (size_t i = b; i < e; i++)
        lay_coef(f->g + 16 * i, f->q[2 * i + 1] < 0 ? 2 : 4, adjoint, c->co + 32 * (i - b));
    c->k = popcount32(C);
    c->W = (size_t)1 << (m - c->k);
    /* F: the lowest m - k qubits not in C; runs: F's qubits below min(C) */
    uint32_t F = 0;
    for (int q = 0; popcount32(F) < m - c->k; q++)
        if (!(C >> q & 1))
            F |= (uint32_t)1 << q;
    const int t = __builtin_ctz(C) < m - c->k ? __builtin_ctz(C) : m - c->k;
    c->run = (size_t)1 << t;
    if (c->run < lanes_of(c->level)) {
        /* qubit 0 (or 1) with high ones: the rows' runs are shorter than a
         * vector; copying them into a buffer measured 2x slower than the
         * gates one by one, so they go one by one */
        free(c);
        direct_gates(f, b, e, psi, n, adjoint);
        return;
    }
    c->nout = 0;
    for (int q = 0; q < n; q++)
        if (!((C | F) >> q & 1))
            c->outpos[c->nout++] = q;
    for (size_t r = 0; r < ((size_t)1 << c->k); r++) {
        size_t off = 0;
        for (int q = 0, bit = 0; q < n; q++)
            if (C >> q & 1)
                off |= ((r >> bit++) & 1) << q;
        c->roff[r] = off;
    }
    for (size_t u = 0; u < c->W / c->run; u++) { /* u's bits on F above t */
        size_t off = 0;
        for (int q = t, bit = 0; q < n; q++)
            if (F >> q & 1)
                off |= ((u >> bit++) & 1) << q;
        c->foff[u] = off;
    }
    qnn_par_for((size_t)1 << (n - m), 1, tile_range, c);
    free(c);
}

/* A block, in chunks of at most CHUNK_GATES gates (one pass each; the
 * last chunk first for the adjoint). */
static void apply_block(const qnn_fused *f, size_t blk, qnn_cplx *psi, int adjoint)
{
    const size_t b = f->bstart[blk], e = f->bstart[blk + 1];
    const size_t nch = (e - b + CHUNK_GATES - 1) / CHUNK_GATES;
    for (size_t s = 0; s < nch; s++) {
        const size_t j = adjoint ? nch - 1 - s : s;
        const size_t cb = b + j * CHUNK_GATES;
        apply_chunk(f, f->bmask[blk], cb, cb + CHUNK_GATES < e ? cb + CHUNK_GATES : e, psi,
                    adjoint);
    }
}

void qnn_fused_apply(const qnn_fused *f, qnn_cplx *psi, int adjoint)
{
    for (size_t s = 0; s < f->nblocks; s++)
        apply_block(f, adjoint ? f->nblocks - 1 - s : s, psi, adjoint);
}

size_t qnn_fused_blocks(const qnn_fused *f)
{
    return f->nblocks;
}

int qnn_fused_block_qubits(const qnn_fused *f, size_t i)
{
    return popcount32(f->bmask[i]);
}
