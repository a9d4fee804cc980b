/* Statevector primitives: Pauli strings applied and rotated in O(D) without
 * matrices, plus dense column-major helpers on top of CBLAS.
 *
 * Notation used below: P = i^ny X^x Z^z, sigma(b) = (-1)^popcount(b & z), so
 * P|b> = i^ny sigma(b) |b ^ x>. Because sigma is a character,
 * sigma(b0 | u) = sigma(b0) sigma(u) whenever b0 and u share no bits; the
 * hot loops use this to read sigma for the low bits of an index from a small
 * table and fold the high bits into one per-block sign.
 *
 * Speed: qnn_pauli_rotate walks pairs with AVX-512 or AVX2+FMA registers
 * (target attributes, chosen per call by qnn_simd_level(); scalar loops at
 * the scalar level and with -DQNN_NO_SIMD_KERNELS), the partner lanes of
 * low-bit x found by one in-register permutation. From PAR_MIN amplitudes
 * on the kernels split their tiles or ranges over the calling thread's
 * kernel threads (qnn/par.h), and reductions add fixed chunks in order:
 * the bits never depend on the thread count.
 *
 * Hot loops work on the interleaved (re, im) doubles directly: the
 * representation of double complex is an array of two doubles (C11 6.2.5),
 * and spelling the arithmetic out avoids the NaN-recovery path (__muldc3)
 * that ISO C mode attaches to every complex multiplication.
 */
#include "qnn/statevec.h"

#include "qnn/par.h"
#include "qnn/simd.h"

#include <cblas.h>
#include <math.h>
#if defined(__GNUC__) && defined(__x86_64__) && !defined(QNN_NO_SIMD_KERNELS)
#define SV_SIMD 1
#include <immintrin.h>
#endif

/* Low index bits whose signs come from the table: 2^10 doubles (8 KiB). */
#define SIGN_TABLE_BITS 10
#define SIGN_TABLE_LEN ((size_t)1 << SIGN_TABLE_BITS)
/* States of at least this many amplitudes split their work over the
 * calling thread's kernel threads (qnn/par.h). */
#define PAR_MIN ((size_t)1 << 14)

static inline double sign_of(uint32_t b, uint32_t z)
{
    return 1.0 - 2.0 * (double)__builtin_parity(b & z);
}

/* tab[u] = sigma(u) for u < len. */
static void fill_signs(double *tab, size_t len, uint32_t z)
{
    for (size_t u = 0; u < len; u++)
        tab[u] = sign_of((uint32_t)u, z);
}

/* i^k as (re, im). */
static void ipow(int k, double *re, double *im)
{
    static const double r[4] = {1.0, 0.0, -1.0, 0.0};
    static const double s[4] = {0.0, 1.0, 0.0, -1.0};
    *re = r[k & 3];
    *im = s[k & 3];
}

int qnn_pauli_ny(qnn_pauli p)
{
    return __builtin_popcount(p.x & p.z);
}

int qnn_pauli_is_identity(qnn_pauli p)
{
    return p.x == 0 && p.z == 0;
}

int qnn_pauli_parse(const char *s, int n, qnn_pauli *out)
{
    if (!s || !out || n < 0 || n > QNN_MAX_QUBITS)
        return -1;
    qnn_pauli p = {0u, 0u};
    for (int i = 0; i < n; i++) {
        int k = n - 1 - i; /* most-significant qubit first */
        uint32_t bit = (uint32_t)1 << k;
        switch (s[i]) {
        case 'I': case 'i': break;
        case 'X': case 'x': p.x |= bit; break;
        case 'Y': case 'y': p.x |= bit; p.z |= bit; break;
        case 'Z': case 'z': p.z |= bit; break;
        default: return -1; /* also catches a NUL: string too short */
        }
    }
    if (s[n] != '\0')
        return -1;
    *out = p;
    return 0;
}

void qnn_pauli_format(qnn_pauli p, int n, char *buf)
{
    static const char letter[4] = {'I', 'X', 'Z', 'Y'}; /* index xbit | zbit<<1 */
    for (int i = 0; i < n; i++) {
        int k = n - 1 - i;
        unsigned idx = ((p.x >> k) & 1u) | (((p.z >> k) & 1u) << 1);
        buf[i] = letter[idx];
    }
    buf[n] = '\0';
}

typedef struct apply_job {
    qnn_pauli p;
    const double *a;
    double *o;
    double pr, pi;
} apply_job;

/* out[b ^ x] for b in [b0, b1): each output written by one b. */
static void apply_range(void *ctx, size_t b0, size_t b1)
{
    const apply_job *j = ctx;
    const double *a = j->a;
    double *o = j->o;
    for (size_t b = b0; b < b1; b++) {
        const double sg = sign_of((uint32_t)b, j->p.z);
        const double fr = sg * j->pr, fi = sg * j->pi;
        const double ar = a[2 * b], ai = a[2 * b + 1];
        const size_t t = b ^ j->p.x;
        o[2 * t] = fr * ar - fi * ai;
        o[2 * t + 1] = fr * ai + fi * ar;
    }
}

void qnn_pauli_apply(qnn_pauli p, int n, const qnn_cplx *in, qnn_cplx *out)
{
    const size_t D = (size_t)1 << n;
    apply_job j = {p, (const double *)in, (double *)out, 0.0, 0.0};
    ipow(qnn_pauli_ny(p), &j.pr, &j.pi);
    if (D >= PAR_MIN)
        qnn_par_for(D, SIGN_TABLE_LEN, apply_range, &j);
    else
        apply_range(&j, 0, D);
}

/* ---- exp(i theta P) ------------------------------------------------------
 *
 * exp(i theta P) psi = c psi + i s P psi (c = cos theta, s = sin theta).
 *
 * x = 0 (diagonal): psi_b <- (c + i s sigma(b)) psi_b.
 *
 * x != 0: with h the highest bit of x, every pair {b, b ^ x} has exactly one
 * end with bit h clear; call it b, A = psi_b, B = psi_{b^x}. Then
 *   A' = c A + i s i^ny sigma(b ^ x) B,   B' = c B + i s i^ny sigma(b) A,
 * and sigma(b ^ x) = (-1)^ny sigma(b) since popcount(x & z) = ny. The factor
 * i^(ny+1) is one of +-1, +-i, so with q = kappa sigma(b), kappa = +-s:
 *   ny even ("imag" form): A' = c A + i q B,  B' = c B + i q A
 *   ny odd  ("real" form): A' = c A -   q B,  B' = c B +   q A
 * (kappa: ny mod 4 = 0 -> s, 1 -> -s, 2 -> -s, 3 -> s).
 *
 * Memory is walked once, in tiles of W = min(D, 2^SIGN_TABLE_BITS)
 * amplitudes (16 KiB):
 *  - h below the tile bits: each aligned tile holds whole pairs;
 *  - otherwise a tile of lower ends [w0, w0 + W) (bit h of w0 clear) pairs
 *    with the tile at w0 ^ xhi, entry u with entry u ^ xm (xm = x mod W,
 *    xhi = x - xm).
 * Inside a tile, with t the lowest set bit of the within-tile part of x
 * other than h (t = h, or the tile bits, when there is none), lower ends
 * come in contiguous runs of 2^t whose partners are contiguous too; runs of
 * at least 2^RUN_MIN_BITS go to a vectorisable kernel, shorter ones to a
 * per-pair walk.
 * Beyond the caches, the hardware prefetchers follow some of these walks
 * poorly: pairs inside a tile (two interleaved streams per 2^(h+1) block),
 * and cross-tile pairs whose runs are permuted out of order at cache-line
 * granularity. Such tiles (the whole tile, or the B tile) are first
 * streamed in by one sequential load per cache line (touch), which at
 * n = 22 roughly halves the time of the worst walks; the update is still
 * in place and each amplitude is read and written once in memory.
 * Signs: tab[u] = sigma(u) for u < W, times sigma(tile base). */

#define RUN_MIN_BITS 4
/* Amplitudes per 64-byte cache line. */
#define LINE_AMPS 4
/* See qnn_pauli_rotate. */
#define TOUCH_MIN_HALF 32

static inline __attribute__((always_inline)) void
diag_body(double *restrict v, size_t len, const double *restrict tab, double sbs,
          double c)
{
    for (size_t u = 0; u < len; u++) {
        const double q = sbs * tab[u];
        const double re = v[2 * u], im = v[2 * u + 1];
        v[2 * u] = c * re - q * im;
        v[2 * u + 1] = c * im + q * re;
    }
}

/* Not inlined so that restrict stays visible to the vectoriser; a full tile
 * gets a literal trip count, which -O2's cheap cost model needs. */
static __attribute__((noinline)) void
diag_run(double *restrict v, size_t len, const double *restrict tab, double sbs,
         double c)
{
    if (len == SIGN_TABLE_LEN)
        diag_body(v, SIGN_TABLE_LEN, tab, sbs, c);
    else
        diag_body(v, len, tab, sbs, c);
}

/* One pair, q = kappa sigma(b). `imag` is a literal at every call site. */
static inline __attribute__((always_inline)) void
pair_update(double *restrict A, double *restrict B, double c, double q, int imag)
{
    const double ar = A[0], ai = A[1], br = B[0], bi = B[1];
    if (imag) {
        A[0] = c * ar - q * bi;
        A[1] = c * ai + q * br;
        B[0] = c * br - q * ai;
        B[1] = c * bi + q * ar;
    } else {
        A[0] = c * ar - q * br;
        A[1] = c * ai - q * bi;
        B[0] = c * br + q * ar;
        B[1] = c * bi + q * ai;
    }
}

static inline __attribute__((always_inline)) void
pair_body(double *restrict A, double *restrict B, size_t len,
          const double *restrict tab, double c, double sbk, int imag)
{
    if (len == SIGN_TABLE_LEN) {
        for (size_t u = 0; u < SIGN_TABLE_LEN; u++)
            pair_update(A + 2 * u, B + 2 * u, c, sbk * tab[u], imag);
    } else {
        for (size_t u = 0; u < len; u++)
            pair_update(A + 2 * u, B + 2 * u, c, sbk * tab[u], imag);
    }
}

/* Two disjoint contiguous runs A, B (see diag_run for the noinline). */
static __attribute__((noinline)) void
pair_run_imag(double *restrict A, double *restrict B, size_t len,
              const double *restrict tab, double c, double sbk)
{
    pair_body(A, B, len, tab, c, sbk, 1);
}

static __attribute__((noinline)) void
pair_run_real(double *restrict A, double *restrict B, size_t len,
              const double *restrict tab, double c, double sbk)
{
    pair_body(A, B, len, tab, c, sbk, 0);
}

typedef struct {
    uint32_t x, z;
    int h;          /* highest bit of x */
    size_t half;    /* 2^h */
    size_t W;       /* tile length */
    size_t rest;    /* within-tile part of x, bit h removed */
    size_t run;     /* 2^t */
    int touched;    /* stream tiles in before walking them */
    double c, kappa;
    const double *tab;
    int simd;       /* vector walk (quad_*): its QNN_SIMD_* level, or 0 */
    size_t unit;    /* amplitudes per vector register: 4 (AVX-512), 2 (AVX2) */
    size_t xq;      /* x & ~(unit - 1) within a tile (bit h included when inside) */
    double lv[8];   /* lane factors: kappa sigma(l) and the form's signs */
    int64_t idx[8]; /* lane permutation: partner lane l ^ (x & (unit-1)), re/im */
    int32_t idx32[8];
} rot_plan;

/* A tile holding whole pairs (h below the tile bits). */
static inline __attribute__((always_inline)) void
tile_inner(const rot_plan *pl, double *win, double sbk, int imag)
{
    const size_t half = pl->half, x = pl->x;
    if (pl->run >= ((size_t)1 << RUN_MIN_BITS)) {
        for (size_t base = 0; base < pl->W; base += 2 * half)
            for (size_t j0 = base; j0 < base + half; j0 += pl->run) {
                if (imag)
                    pair_run_imag(win + 2 * j0, win + 2 * (j0 ^ x), pl->run,
                                  pl->tab + j0, pl->c, sbk);
                else
                    pair_run_real(win + 2 * j0, win + 2 * (j0 ^ x), pl->run,
                                  pl->tab + j0, pl->c, sbk);
            }
    } else {
        for (size_t base = 0; base < pl->W; base += 2 * half)
            for (size_t u = base; u < base + half; u++)
                pair_update(win + 2 * u, win + 2 * (u ^ x), pl->c, sbk * pl->tab[u], imag);
    }
}

/* A tile of lower ends A paired with the tile B (h at or above the tile bits). */
static inline __attribute__((always_inline)) void
tile_cross(const rot_plan *pl, double *A, double *B, double sbk, int imag)
{
    const size_t xm = pl->rest;
    if (pl->run >= ((size_t)1 << RUN_MIN_BITS)) {
        for (size_t j0 = 0; j0 < pl->W; j0 += pl->run) {
            if (imag)
                pair_run_imag(A + 2 * j0, B + 2 * (j0 ^ xm), pl->run, pl->tab + j0,
                              pl->c, sbk);
            else
                pair_run_real(A + 2 * j0, B + 2 * (j0 ^ xm), pl->run, pl->tab + j0,
                              pl->c, sbk);
        }
    } else {
        for (size_t u = 0; u < pl->W; u++)
            pair_update(A + 2 * u, B + 2 * (u ^ xm), pl->c, sbk * pl->tab[u], imag);
    }
}

/* Streams a tile in: one volatile load per cache line, in address order,
 * before the out-of-order walk over it. */
static inline void touch(const double *p, size_t len)
{
    const volatile double *q = p;
    for (size_t k = 0; k < 2 * len; k += 2 * LINE_AMPS)
        (void)q[k];
}

/* ---- vector walks: low bits of x inside a register ---------------------
 *
 * With the uniform form of the update, every amplitude a of a pair
 *   psi'_a = c psi_a + kappa sigma(a) M(psi_{a ^ x}),
 * M(u) = (-u_im, u_re) for ny even ("imag"), (-u_re, -u_im) for ny odd
 * (the two ends of a pair differ only in sigma: the lower end's formulas
 * above, rewritten with sigma(b ^ x) = (-1)^ny sigma(b)). A register holds
 * `unit` amplitudes (4 for AVX-512, 2 for AVX2) whose index bits below the
 * unit are l = 0 .. unit-1; the partner of lane l is lane l ^ xl (xl = x mod
 * unit) of the register at j ^ xq: one fixed lane permutation (with the
 * re/im swap of M folded in), and for xq = 0 the register is its own
 * partner. sigma(j + l) = sigma(j) sigma(l): lv holds kappa sigma(l) times
 * M's signs per lane, and each register multiplies it by sigma(j), a
 * broadcast of the sign table. The walk over tiles (and the touch pass)
 * is the scalar one's. Used for every x != 0 at AVX2 and above: besides
 * the low-bit x, whose scalar walk goes pair by pair, it also beats the
 * compiler's SSE2 code of the long runs (measured at n = 20: X on qubit 0
 * 37 -> 110 GB/s, X on qubit 19 55 -> 119, random strings 28-39 -> 63-87
 * with AVX-512; /work/notes/perf24_par.md).
 * Arithmetic: c psi_a rounded, then one FMA: the bits differ from the
 * scalar walk's in the last place, never with the thread count. */
#ifdef SV_SIMD
#define T512 __attribute__((target("avx512f,avx512dq")))
#define T256 __attribute__((target("avx2,fma")))

/* A region whose registers are their own partners (xq = 0). */
static T512 void quad_self_512(double *v, size_t len, const double *tab, double sb,
                               const rot_plan *pl)
{
    const __m512d cc = _mm512_set1_pd(pl->c), lv = _mm512_loadu_pd(pl->lv);
    const __m512i ix = _mm512_loadu_si512((const void *)pl->idx);
    for (size_t j = 0; j < len; j += 4) {
        const __m512d a = _mm512_loadu_pd(v + 2 * j);
        const __m512d co = _mm512_mul_pd(_mm512_set1_pd(sb * tab[j]), lv);
        const __m512d ca = _mm512_mul_pd(cc, a);
        _mm512_storeu_pd(v + 2 * j, _mm512_fmadd_pd(co, _mm512_permutexvar_pd(ix, a), ca));
    }
}

/* Registers j in [j0, j1) of Av (step 4) with their partners j ^ xq of Bv;
 * signs sA sigma(j), sB sigma(j ^ xq) (tab indexed like j). */
static T512 void quad_pairs_512(double *Av, double *Bv, size_t j0, size_t j1, size_t xq,
                                const double *tab, double sA, double sB, const rot_plan *pl)
{
    const __m512d cc = _mm512_set1_pd(pl->c), lv = _mm512_loadu_pd(pl->lv);
    const __m512i ix = _mm512_loadu_si512((const void *)pl->idx);
    for (size_t j = j0; j < j1; j += 4) {
        const size_t jb = j ^ xq;
        const __m512d a = _mm512_loadu_pd(Av + 2 * j), b = _mm512_loadu_pd(Bv + 2 * jb);
        const __m512d coa = _mm512_mul_pd(_mm512_set1_pd(sA * tab[j]), lv);
        const __m512d cob = _mm512_mul_pd(_mm512_set1_pd(sB * tab[jb]), lv);
        const __m512d ca = _mm512_mul_pd(cc, a), cb = _mm512_mul_pd(cc, b);
        _mm512_storeu_pd(Av + 2 * j, _mm512_fmadd_pd(coa, _mm512_permutexvar_pd(ix, b), ca));
        _mm512_storeu_pd(Bv + 2 * jb, _mm512_fmadd_pd(cob, _mm512_permutexvar_pd(ix, a), cb));
    }
}

static T256 inline __m256d perm_256(__m256i ix, __m256d a)
{
    return _mm256_castps_pd(_mm256_permutevar8x32_ps(_mm256_castpd_ps(a), ix));
}

static T256 void quad_self_256(double *v, size_t len, const double *tab, double sb,
                               const rot_plan *pl)
{
    const __m256d cc = _mm256_set1_pd(pl->c), lv = _mm256_loadu_pd(pl->lv);
    const __m256i ix = _mm256_loadu_si256((const __m256i *)pl->idx32);
    for (size_t j = 0; j < len; j += 2) {
        const __m256d a = _mm256_loadu_pd(v + 2 * j);
        const __m256d co = _mm256_mul_pd(_mm256_set1_pd(sb * tab[j]), lv);
        const __m256d ca = _mm256_mul_pd(cc, a);
        _mm256_storeu_pd(v + 2 * j, _mm256_fmadd_pd(co, perm_256(ix, a), ca));
    }
}

static T256 void quad_pairs_256(double *Av, double *Bv, size_t j0, size_t j1, size_t xq,
                                const double *tab, double sA, double sB, const rot_plan *pl)
{
    const __m256d cc = _mm256_set1_pd(pl->c), lv = _mm256_loadu_pd(pl->lv);
    const __m256i ix = _mm256_loadu_si256((const __m256i *)pl->idx32);
    for (size_t j = j0; j < j1; j += 2) {
        const size_t jb = j ^ xq;
        const __m256d a = _mm256_loadu_pd(Av + 2 * j), b = _mm256_loadu_pd(Bv + 2 * jb);
        const __m256d coa = _mm256_mul_pd(_mm256_set1_pd(sA * tab[j]), lv);
        const __m256d cob = _mm256_mul_pd(_mm256_set1_pd(sB * tab[jb]), lv);
        const __m256d ca = _mm256_mul_pd(cc, a), cb = _mm256_mul_pd(cc, b);
        _mm256_storeu_pd(Av + 2 * j, _mm256_fmadd_pd(coa, perm_256(ix, b), ca));
        _mm256_storeu_pd(Bv + 2 * jb, _mm256_fmadd_pd(cob, perm_256(ix, a), cb));
    }
}

static void quad_self(const rot_plan *pl, double *v, size_t len, double sb)
{
    if (pl->simd == QNN_SIMD_AVX512)
        quad_self_512(v, len, pl->tab, sb, pl);
    else
        quad_self_256(v, len, pl->tab, sb, pl);
}

static void quad_pairs(const rot_plan *pl, double *Av, double *Bv, size_t j0, size_t j1,
                       size_t xq, double sA, double sB)
{
    if (pl->simd == QNN_SIMD_AVX512)
        quad_pairs_512(Av, Bv, j0, j1, xq, pl->tab, sA, sB, pl);
    else
        quad_pairs_256(Av, Bv, j0, j1, xq, pl->tab, sA, sB, pl);
}

/* One tile of the vector walk: pairs inside the tile at w0 (half < W), or
 * the lower-end tile at w0 with its partner tile w0 ^ xhi. */
static void quad_tile(const rot_plan *pl, double *v, size_t w0, size_t xhi)
{
    const size_t W = pl->W, half = pl->half;
    const double sA = sign_of((uint32_t)w0, pl->z);
    if (half < W) {
        double *win = v + 2 * w0;
        if (pl->touched)
            touch(win, W);
        if (half < pl->unit) {
            quad_self(pl, win, W, sA);
            return;
        }
        for (size_t base = 0; base < W; base += 2 * half)
            quad_pairs(pl, win, win, base, base + half, pl->xq, sA, sA);
        return;
    }
    const size_t wb = w0 ^ xhi;
    double *B = v + 2 * wb;
    if (pl->touched)
        touch(B, W);
    quad_pairs(pl, v + 2 * w0, B, 0, W, pl->xq, sA, sign_of((uint32_t)wb, pl->z));
}

/* Sets up the vector walk for x (ny Y factors) at the current level (none
 * at the scalar level, or for a state smaller than one register). */
static void quad_plan(rot_plan *pl, int ny)
{
    pl->simd = 0;
    const int level = qnn_simd_level();
    if (level < QNN_SIMD_AVX2 || pl->W < 4)
        return;
    pl->simd = level;
    pl->unit = level == QNN_SIMD_AVX512 ? 4 : 2;
    const size_t xl = pl->x & (pl->unit - 1);
    pl->xq = (pl->half < pl->W ? pl->x : pl->rest) & (pl->W - 1) & ~(pl->unit - 1);
    const int imag = (ny & 1) == 0;
    for (size_t l = 0; l < pl->unit; l++)
        for (int r = 0; r < 2; r++) {
            const size_t lane = 2 * l + (size_t)r;
            const double m = imag ? (r ? 1.0 : -1.0) : -1.0;
            pl->lv[lane] = pl->kappa * sign_of((uint32_t)l, pl->z) * m;
            const size_t src = 2 * (l ^ xl) + (size_t)(imag ? 1 - r : r);
            pl->idx[lane] = (int64_t)src;
            if (lane < 4) { /* AVX2: 8 float lanes */
                pl->idx32[2 * lane] = (int32_t)(2 * src);
                pl->idx32[2 * lane + 1] = (int32_t)(2 * src + 1);
            }
        }
}
#else
static void quad_tile(const rot_plan *pl, double *v, size_t w0, size_t xhi)
{
    (void)pl, (void)v, (void)w0, (void)xhi;
}

static void quad_plan(rot_plan *pl, int ny)
{
    (void)ny;
    pl->simd = 0;
}
#endif

/* Tiles [k0, k1) of the walk: with pairs inside tiles (half < W) tile k
 * starts at k W; otherwise tile k is the k-th tile of lower ends (bit h
 * clear), paired with the tile at w0 ^ xhi. */
static inline __attribute__((always_inline)) void
rotate_pairs(const rot_plan *pl, double *v, size_t k0, size_t k1, int imag)
{
    const size_t W = pl->W, half = pl->half;
    if (pl->simd) {
        const size_t xhi = pl->x & ~(W - 1), per = half < W ? 1 : half / W;
        for (size_t k = k0; k < k1; k++)
            quad_tile(pl, v, half < W ? k * W : (k / per) * 2 * half + (k % per) * W, xhi);
        return;
    }
    if (half < W) {
        for (size_t k = k0; k < k1; k++) {
            const size_t w0 = k * W;
            const double sbk = sign_of((uint32_t)w0, pl->z) * pl->kappa;
            double *win = v + 2 * w0;
            if (pl->touched)
                touch(win, W);
            tile_inner(pl, win, sbk, imag);
        }
        return;
    }
    const size_t xhi = pl->x & ~(W - 1), per = half / W;
    for (size_t k = k0; k < k1; k++) {
        const size_t w0 = (k / per) * 2 * half + (k % per) * W;
        const double sbk = sign_of((uint32_t)w0, pl->z) * pl->kappa;
        double *A = v + 2 * w0, *B = v + 2 * (w0 ^ xhi);
        if (pl->touched)
            touch(B, W);
        tile_cross(pl, A, B, sbk, imag);
    }
}

typedef struct rot_job {
    const rot_plan *pl;
    double *v;
    double s, c;    /* diagonal: sin, cos */
} rot_job;

static void rot_diag_tiles(void *ctx, size_t k0, size_t k1)
{
    const rot_job *j = ctx;
    const rot_plan *pl = j->pl;
    for (size_t k = k0; k < k1; k++) {
        const size_t w0 = k * pl->W;
        diag_run(j->v + 2 * w0, pl->W, pl->tab, sign_of((uint32_t)w0, pl->z) * j->s, j->c);
    }
}

static void rot_imag_tiles(void *ctx, size_t k0, size_t k1)
{
    const rot_job *j = ctx;
    rotate_pairs(j->pl, j->v, k0, k1, 1);
}

static void rot_real_tiles(void *ctx, size_t k0, size_t k1)
{
    const rot_job *j = ctx;
    rotate_pairs(j->pl, j->v, k0, k1, 0);
}

void qnn_pauli_rotate(qnn_pauli p, int n, double theta, qnn_cplx *psi)
{
    const size_t D = (size_t)1 << n;
    double *v = (double *)psi;
    const double c = cos(theta), s = sin(theta);
    const size_t W = D < SIGN_TABLE_LEN ? D : SIGN_TABLE_LEN;
    double tab[SIGN_TABLE_LEN];
    fill_signs(tab, W, p.z);
    rot_plan pl;
    pl.x = p.x;
    pl.z = p.z;
    pl.W = W;
    pl.tab = tab;
    rot_job job = {&pl, v, s, c};
    /* tiles are split over the kernel threads from PAR_MIN amplitudes on;
     * each tile is updated by one thread, the same way for any count */
    const int par = D >= PAR_MIN;

    if (p.x == 0) {
        if (par)
            qnn_par_for(D / W, 1, rot_diag_tiles, &job);
        else
            rot_diag_tiles(&job, 0, D / W);
        return;
    }

    const int ny = qnn_pauli_ny(p);
    static const double sgn4[4] = {1.0, -1.0, -1.0, 1.0};
    pl.h = 31 - __builtin_clz(p.x);
    pl.half = (size_t)1 << pl.h;
    pl.rest = (p.x & (W - 1)) & ~pl.half;
    int t;
    if (pl.rest)
        t = __builtin_ctz((uint32_t)pl.rest);
    else
        t = pl.half < W ? pl.h : 31 - __builtin_clz((uint32_t)W);
    pl.run = (size_t)1 << t;
    if (pl.half < W) {
        /* Pairs inside a tile: the two halves of each 2^(h+1) block are
         * walked as interleaved streams, which the hardware prefetchers
         * follow poorly (measured) once the blocks are TOUCH_MIN_HALF or more
         * amplitudes apart and the state is larger than the caches. */
        pl.touched = D > W && pl.half >= TOUCH_MIN_HALF;
    } else {
        /* B tile permuted by rest: harmless when the permutation moves cache
         * lines in order (mask 0) or in descending order (mask 2^k - 1). */
        const size_t mask = pl.rest / LINE_AMPS;
        pl.touched = (mask & (mask + 1)) != 0;
    }
    pl.c = c;
    pl.kappa = sgn4[ny & 3] * s;
    quad_plan(&pl, ny);

    const size_t tiles = pl.half < W ? D / W : D / (2 * W);
    qnn_par_fn fn = (ny & 1) == 0 ? rot_imag_tiles : rot_real_tiles;
    if (par)
        qnn_par_for(tiles, 1, fn, &job);
    else
        fn(&job, 0, tiles);
}

/* Reductions go through qnn_par_sum: sums over chunks of QNN_PAR_CHUNK
 * amplitudes, added in chunk order, so the bits do not depend on the
 * thread count; up to one chunk (n <= 14) this is the plain serial loop. */
typedef struct inner_job {
    qnn_pauli p;
    const double *A, *B;
    int simd;           /* vector chunks at this QNN_SIMD_* level, or 0 */
    const double *tab;  /* sigma(u), u < min(D, SIGN_TABLE_LEN) */
    size_t W;
    int64_t idx[8];     /* partner lanes: l ^ (x mod 4), AVX-512 */
    int32_t idx32[8];   /* ... x mod 2, AVX2 (float lanes) */
    double lsg[8];      /* sigma(l) per lane */
} inner_job;

static void inner_chunk(void *ctx, size_t j0, size_t j1, double *acc)
{
    const inner_job *jb = ctx;
    const double *A = jb->A, *B = jb->B;
    double sr = acc[0], si = acc[1];
    for (size_t j = j0; j < j1; j++) {
        const size_t t = j ^ jb->p.x;
        const double sg = sign_of((uint32_t)j, jb->p.z);
        const double ar = A[2 * t], ai = A[2 * t + 1];
        const double br = B[2 * j], bi = B[2 * j + 1];
        sr += sg * (ar * br + ai * bi);
        si += sg * (ar * bi - ai * br);
    }
    acc[0] = sr;
    acc[1] = si;
}

/* Vector chunks of the inner product: registers of B at j, the partner
 * register of A at j ^ xq with its lanes permuted (l ^ xl), signs
 * sigma(j) sigma(l); two accumulators per sum (a.b lane-wise, and a.swap(b)
 * with its im lanes subtracted at the end), reduced in a fixed lane order
 * per chunk: the sums depend on the level, never on the thread count. */
#ifdef SV_SIMD
static T512 void inner_chunk_512(void *ctx, size_t j0, size_t j1, double *acc)
{
    const inner_job *jb = ctx;
    const double *A = jb->A, *B = jb->B;
    const size_t W = jb->W, xq = jb->p.x & ~(size_t)3;
    const __m512i ix = _mm512_loadu_si512((const void *)jb->idx);
    const __m512d lsg = _mm512_loadu_pd(jb->lsg);
    __m512d s1 = _mm512_setzero_pd(), s2 = _mm512_setzero_pd();
    __m512d t1 = _mm512_setzero_pd(), t2 = _mm512_setzero_pd();
    for (size_t w0 = j0; w0 < j1; w0 += W) {
        const double sb = sign_of((uint32_t)w0, jb->p.z);
        for (size_t u = 0; u < W; u += 8) {
            const size_t j = w0 + u;
            const __m512d b0 = _mm512_loadu_pd(B + 2 * j), b1 = _mm512_loadu_pd(B + 2 * j + 8);
            const __m512d a0 = _mm512_permutexvar_pd(ix, _mm512_loadu_pd(A + 2 * (j ^ xq)));
            const __m512d a1 = _mm512_permutexvar_pd(ix, _mm512_loadu_pd(A + 2 * ((j + 4) ^ xq)));
            const __m512d g0 = _mm512_mul_pd(_mm512_set1_pd(sb * jb->tab[u]), lsg);
            const __m512d g1 = _mm512_mul_pd(_mm512_set1_pd(sb * jb->tab[u + 4]), lsg);
            const __m512d sa0 = _mm512_mul_pd(g0, a0), sa1 = _mm512_mul_pd(g1, a1);
            s1 = _mm512_fmadd_pd(sa0, b0, s1);
            s2 = _mm512_fmadd_pd(sa1, b1, s2);
            t1 = _mm512_fmadd_pd(sa0, _mm512_permute_pd(b0, 0x55), t1);
            t2 = _mm512_fmadd_pd(sa1, _mm512_permute_pd(b1, 0x55), t2);
        }
    }
    double x[8], y[8];
    _mm512_storeu_pd(x, _mm512_add_pd(s1, s2));
    _mm512_storeu_pd(y, _mm512_add_pd(t1, t2));
    acc[0] += ((x[0] + x[1]) + (x[2] + x[3])) + ((x[4] + x[5]) + (x[6] + x[7]));
    acc[1] += ((y[0] - y[1]) + (y[2] - y[3])) + ((y[4] - y[5]) + (y[6] - y[7]));
}

static T256 void inner_chunk_256(void *ctx, size_t j0, size_t j1, double *acc)
{
    const inner_job *jb = ctx;
    const double *A = jb->A, *B = jb->B;
    const size_t W = jb->W, xq = jb->p.x & ~(size_t)1;
    const __m256i ix = _mm256_loadu_si256((const __m256i *)jb->idx32);
    const __m256d lsg = _mm256_loadu_pd(jb->lsg);
    __m256d s1 = _mm256_setzero_pd(), s2 = _mm256_setzero_pd();
    __m256d t1 = _mm256_setzero_pd(), t2 = _mm256_setzero_pd();
    for (size_t w0 = j0; w0 < j1; w0 += W) {
        const double sb = sign_of((uint32_t)w0, jb->p.z);
        for (size_t u = 0; u < W; u += 4) {
            const size_t j = w0 + u;
            const __m256d b0 = _mm256_loadu_pd(B + 2 * j), b1 = _mm256_loadu_pd(B + 2 * j + 4);
            const __m256d a0 = perm_256(ix, _mm256_loadu_pd(A + 2 * (j ^ xq)));
            const __m256d a1 = perm_256(ix, _mm256_loadu_pd(A + 2 * ((j + 2) ^ xq)));
            const __m256d g0 = _mm256_mul_pd(_mm256_set1_pd(sb * jb->tab[u]), lsg);
            const __m256d g1 = _mm256_mul_pd(_mm256_set1_pd(sb * jb->tab[u + 2]), lsg);
            const __m256d sa0 = _mm256_mul_pd(g0, a0), sa1 = _mm256_mul_pd(g1, a1);
            s1 = _mm256_fmadd_pd(sa0, b0, s1);
            s2 = _mm256_fmadd_pd(sa1, b1, s2);
            t1 = _mm256_fmadd_pd(sa0, _mm256_permute_pd(b0, 0x5), t1);
            t2 = _mm256_fmadd_pd(sa1, _mm256_permute_pd(b1, 0x5), t2);
        }
    }
    double x[4], y[4];
    _mm256_storeu_pd(x, _mm256_add_pd(s1, s2));
    _mm256_storeu_pd(y, _mm256_add_pd(t1, t2));
    acc[0] += (x[0] + x[1]) + (x[2] + x[3]);
    acc[1] += (y[0] - y[1]) + (y[2] - y[3]);
}
#endif

qnn_cplx qnn_pauli_inner(qnn_pauli p, int n, const qnn_cplx *a, const qnn_cplx *b)
{
    /* <a|P|b> = i^ny sum_j sigma(j) conj(a_{j^x}) b_j. */
    const size_t D = (size_t)1 << n;
    inner_job jb = {p, (const double *)a, (const double *)b, 0, NULL, 0, {0}, {0}, {0}};
    qnn_par_sum_fn fn = inner_chunk;
    double tab[SIGN_TABLE_LEN];
#ifdef SV_SIMD
    /* chunks are whole tiles of W >= 8 amplitudes (two registers a step) */
    const int level = qnn_simd_level();
    if (level >= QNN_SIMD_AVX2 && D >= 8) {
        jb.simd = level;
        jb.W = D < SIGN_TABLE_LEN ? D : SIGN_TABLE_LEN;
        fill_signs(tab, jb.W, p.z);
        jb.tab = tab;
        const size_t unit = level == QNN_SIMD_AVX512 ? 4 : 2, xl = p.x & (unit - 1);
        for (size_t l = 0; l < unit; l++)
            for (size_t r = 0; r < 2; r++) {
                const size_t lane = 2 * l + r, src = 2 * (l ^ xl) + r;
                jb.lsg[lane] = sign_of((uint32_t)l, p.z);
                jb.idx[lane] = (int64_t)src;
                if (lane < 4) {
                    jb.idx32[2 * lane] = (int32_t)(2 * src);
                    jb.idx32[2 * lane + 1] = (int32_t)(2 * src + 1);
                }
            }
        fn = level == QNN_SIMD_AVX512 ? inner_chunk_512 : inner_chunk_256;
    }
#else
    (void)tab;
#endif
    double acc[2] = {0.0, 0.0};
    if (D <= QNN_PAR_CHUNK)
        fn(&jb, 0, D, acc);
    else
        qnn_par_sum(D, 2, fn, &jb, acc);
    const double sr = acc[0], si = acc[1];
    double pr, pi;
    ipow(qnn_pauli_ny(p), &pr, &pi);
    return CMPLX(pr * sr - pi * si, pr * si + pi * sr);
}

double qnn_pauli_expect(qnn_pauli p, int n, const qnn_cplx *psi)
{
    return creal(qnn_pauli_inner(p, n, psi, psi));
}

typedef struct dot_job {
    const double *A, *B;
} dot_job;

static void dot_chunk(void *ctx, size_t j0, size_t j1, double *acc)
{
    const dot_job *jb = ctx;
    const double *A = jb->A, *B = jb->B;
    double sr = acc[0], si = acc[1];
    for (size_t j = j0; j < j1; j++) {
        const double ar = A[2 * j], ai = A[2 * j + 1];
        const double br = B[2 * j], bi = B[2 * j + 1];
        sr += ar * br + ai * bi;
        si += ar * bi - ai * br;
    }
    acc[0] = sr;
    acc[1] = si;
}

qnn_cplx qnn_vec_dot(size_t len, const qnn_cplx *a, const qnn_cplx *b)
{
    dot_job jb = {(const double *)a, (const double *)b};
    double acc[2] = {0.0, 0.0};
    if (len <= QNN_PAR_CHUNK)
        dot_chunk(&jb, 0, len, acc);
    else
        qnn_par_sum(len, 2, dot_chunk, &jb, acc);
    return CMPLX(acc[0], acc[1]);
}

static void norm2_chunk(void *ctx, size_t j0, size_t j1, double *acc)
{
    const double *A = ctx;
    double s = acc[0];
    for (size_t j = 2 * j0; j < 2 * j1; j++)
        s += A[j] * A[j];
    acc[0] = s;
}

double qnn_vec_norm2(size_t len, const qnn_cplx *a)
{
    double acc[1] = {0.0};
    if (len <= QNN_PAR_CHUNK)
        norm2_chunk((void *)a, 0, len, acc);
    else
        qnn_par_sum(len, 1, norm2_chunk, (void *)a, acc);
    return acc[0];
}

void qnn_dense_apply(size_t D, const qnn_cplx *A, int adjoint, size_t m,
                     const qnn_cplx *in, qnn_cplx *out)
{
    if (D == 0 || m == 0)
        return;
    const double one[2] = {1.0, 0.0}, zero[2] = {0.0, 0.0};
    const enum CBLAS_TRANSPOSE tr = adjoint ? CblasConjTrans : CblasNoTrans;
    const blasint d = (blasint)D;
    if (m == 1)
        cblas_zgemv(CblasColMajor, tr, d, d, one, A, d, in, 1, zero, out, 1);
    else
        cblas_zgemm(CblasColMajor, tr, CblasNoTrans, d, (blasint)m, d, one, A, d,
                    in, d, zero, out, d);
}
