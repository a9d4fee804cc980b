/* bench/peers: qnnlab's state-vector kernels timed side by side with the
 * Qulacs csim kernels and QuEST (../shared/peers), in one process, on the
 * same state, back to back. Optional: nothing in the build or the tests
 * needs it (bench/peers/build.sh builds it against an engine build).
 *
 *   peers [--n N] [--repeats R] [--min-time S] [--only gates,pauli,fusion]
 *         [--commit C]
 *
 * Three tables, in Markdown, after a header with the machine (CPU model
 * and flags from /proc/cpuinfo), the commit and the date:
 *  - gates: a dense 2-qubit gate (a fixed Haar-random 4x4 unitary) on the
 *    target pairs low/low, mixed and high of the issue, ns per amplitude,
 *    qnnlab on every SIMD level (qnn_simd_set) and on 2 kernel threads
 *    (qnn_par_set_threads), Qulacs' double_qubit_dense_matrix_gate_c and
 *    QuEST's applyCompMatr2;
 *  - pauli: exp(iθP) for six Pauli strings (qnn_pauli_rotate, Qulacs'
 *    multi_qubit_Pauli_rotation_gate_whole_list, QuEST's applyPauliGadget),
 *    ms per call;
 *  - fusion: a brickwork layer of depth 2 (n − 1 Haar gates, pairs (2i,
 *    2i+1) then (2i+1, 2i+2)) at n = 20, 22, 24 where memory allows, ns per
 *    amplitude and gate: qnnlab one gate at a time (qnn_gate2_apply) and
 *    fused (qnn/fuse.h, blocks of at most 4 and 5 qubits), Qulacs and QuEST
 *    gate by gate (csim has no fusion).
 *
 * Timing: every implementation gets its own copy of one random state; each
 * repeat runs k calls (k calibrated so that a repeat lasts --min-time) of
 * every implementation in turn (so a slow spell of a shared machine hits
 * all alike), and the figure is the best (minimum) of R repeats. Before the
 * timing each implementation's result of one call on the common state is
 * compared with qnnlab's (max |Δ| column): the peers must compute the same
 * operation, with the conventions (angles, qubit order) translated here.
 * Single-threaded throughout except the "2 thr" column (OpenBLAS is not
 * used by these kernels; Qulacs is built without OpenMP, QuEST with
 * multithreading off). */
#include "peers.h"
#include "qnn/fuse.h"
#include "qnn/gate2.h"
#include "qnn/par.h"
#include "qnn/simd.h"
#include "qnn/statevec.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifdef PEER_QULACS
#define HAVE_QULACS 1
#else
#define HAVE_QULACS 0
#endif
#ifdef PEER_QUEST
#define HAVE_QUEST 1
#else
#define HAVE_QUEST 0
#endif

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* ------------------------------------------------------------------------ */
/* Random numbers, states and unitaries (fixed seeds: every run the same)   */
/* ------------------------------------------------------------------------ */

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static double urand(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return ((double)(rng_state >> 11) + 0.5) / 9007199254740992.0;
}

static double grand(void) { return sqrt(-2.0 * log(urand())) * cos(6.283185307179586 * urand()); }

/* A Haar-random 4x4 unitary, row-major: Gram-Schmidt on the columns of a
 * complex Gaussian matrix. */
static void haar4(qnn_cplx g[16])
{
    qnn_cplx a[4][4]; /* a[c] = column c */
    for (int c = 0; c < 4; c++)
        for (int r = 0; r < 4; r++)
            a[c][r] = CMPLX(grand(), grand());
    for (int c = 0; c < 4; c++) {
        for (int p = 0; p < c; p++) {
            qnn_cplx d = 0;
            for (int r = 0; r < 4; r++)
                d += conj(a[p][r]) * a[c][r];
            for (int r = 0; r < 4; r++)
                a[c][r] -= d * a[p][r];
        }
        double nn = 0;
        for (int r = 0; r < 4; r++)
            nn += creal(a[c][r] * conj(a[c][r]));
        for (int r = 0; r < 4; r++)
            a[c][r] /= sqrt(nn);
    }
    for (int r = 0; r < 4; r++)
        for (int c = 0; c < 4; c++)
            g[4 * r + c] = a[c][r];
}

static void random_state(qnn_cplx *psi, size_t D)
{
    double nn = 0;
    for (size_t i = 0; i < D; i++) {
        psi[i] = CMPLX(grand(), grand());
        nn += creal(psi[i] * conj(psi[i]));
    }
    const double s = 1.0 / sqrt(nn);
    for (size_t i = 0; i < D; i++)
        psi[i] *= s;
}

static double max_diff(const qnn_cplx *a, const qnn_cplx *b, size_t D)
{
    double m = 0;
    for (size_t i = 0; i < D; i++) {
        double d = cabs(a[i] - b[i]);
        if (d > m || d != d)
            m = d;
    }
    return m;
}

static qnn_cplx *state_alloc(size_t D)
{
    return aligned_alloc(64, D * sizeof(qnn_cplx));
}

/* ------------------------------------------------------------------------ */
/* Implementations and the interleaved timing                               */
/* ------------------------------------------------------------------------ */

enum { IMPL_QNN, IMPL_QULACS, IMPL_QUEST };

typedef struct impl {
    const char *name;
    int kind;          /* IMPL_* */
    int level;         /* qnnlab: SIMD level */
    int threads;       /* qnnlab: kernel threads */
    int fused;         /* qnnlab, fusion table: 0 gate by gate, else kmax */
    int on;            /* available on this machine / build */
    qnn_cplx *psi;     /* its state (QuEST: the register's amplitudes) */
    long k;            /* calls per timed repeat */
    double best;       /* seconds per call, best repeat */
    double check;      /* max |Δ| against qnnlab's result */
} impl;

/* The operation being timed: applied by op(impl, ctx) to impl->psi. */
typedef void (*op_fn)(const impl *im, void *ctx);

static void impl_prepare(const impl *im)
{
    if (im->kind != IMPL_QNN)
        return;
    qnn_simd_set(im->level);
    if (qnn_par_threads() != im->threads)
        qnn_par_set_threads(im->threads);
}

static double run_calls(op_fn op, const impl *im, void *ctx, long k)
{
    double t0 = now_s();
    for (long i = 0; i < k; i++)
        op(im, ctx);
    return now_s() - t0;
}

/* Times op on every available implementation: calibration (one untimed
 * call, then k so that a repeat lasts min_time), then R rounds, each
 * running k calls of every implementation in turn; best = the fastest
 * round's seconds per call. */
static void time_interleaved(impl *ims, int nim, op_fn op, void *ctx, int R, double min_time)
{
    for (int i = 0; i < nim; i++) {
        impl *im = &ims[i];
        if (!im->on)
            continue;
        impl_prepare(im);
        op(im, ctx);
        double t = run_calls(op, im, ctx, 1);
        long k = t > 0 ? (long)ceil(min_time / t) : 1000;
        im->k = k < 1 ? 1 : k > 100000 ? 100000 : k;
        im->best = INFINITY;
    }
    for (int r = 0; r < R; r++)
        for (int i = 0; i < nim; i++) {
            impl *im = &ims[i];
            if (!im->on)
                continue;
            impl_prepare(im);
            op(im, ctx); /* the team (if any) started, the caches as the others left them */
            double t = run_calls(op, im, ctx, im->k) / (double)im->k;
            if (t < im->best)
                im->best = t;
        }
    qnn_simd_set(-1);
    qnn_par_set_threads(1);
}

/* Copies psi0 into every implementation's state. */
static void load_state(impl *ims, int nim, const qnn_cplx *psi0, size_t D)
{
    for (int i = 0; i < nim; i++)
        if (ims[i].on)
            memcpy(ims[i].psi, psi0, D * sizeof(qnn_cplx));
}

/* One call of op on psi0 by every implementation, compared with ims[0]'s
 * (qnnlab at the highest level) result: im->check. */
static void check_against_first(impl *ims, int nim, op_fn op, void *ctx, const qnn_cplx *psi0, size_t D)
{
    load_state(ims, nim, psi0, D);
    for (int i = 0; i < nim; i++)
        if (ims[i].on) {
            impl_prepare(&ims[i]);
            op(&ims[i], ctx);
        }
    for (int i = 0; i < nim; i++)
        ims[i].check = ims[i].on ? max_diff(ims[i].psi, ims[0].psi, D) : NAN;
    qnn_simd_set(-1);
    qnn_par_set_threads(1);
}

/* ------------------------------------------------------------------------ */
/* The operations                                                           */
/* ------------------------------------------------------------------------ */

typedef struct gate_ctx {
    int n, q0, q1;
    qnn_cplx g[16];
} gate_ctx;

static void op_gate(const impl *im, void *v)
{
    gate_ctx *c = v;
    switch (im->kind) {
    case IMPL_QNN: qnn_gate2_apply(im->psi, c->n, c->q0, c->q1, c->g, 0); break;
#if HAVE_QULACS
    case IMPL_QULACS: peer_qulacs_gate2(c->q0, c->q1, c->g, im->psi, c->n); break;
#endif
#if HAVE_QUEST
    case IMPL_QUEST: peer_quest_gate2(c->q0, c->q1, c->g); break;
#endif
    default: break;
    }
}

typedef struct pauli_ctx {
    int n;
    double theta;      /* qnnlab: exp(iθP) */
    qnn_pauli p;
    unsigned codes[32];
} pauli_ctx;

static void op_pauli(const impl *im, void *v)
{
    pauli_ctx *c = v;
    switch (im->kind) {
    case IMPL_QNN: qnn_pauli_rotate(c->p, c->n, c->theta, im->psi); break;
#if HAVE_QULACS
    /* Qulacs: cos(a/2) I + i sin(a/2) P, a = 2θ */
    case IMPL_QULACS: peer_qulacs_pauli(c->codes, c->n, 2.0 * c->theta, im->psi); break;
#endif
#if HAVE_QUEST
    /* QuEST: exp(−i a/2 P), a = −2θ */
    case IMPL_QUEST: peer_quest_pauli(c->codes, c->n, -2.0 * c->theta); break;
#endif
    default: break;
    }
}

typedef struct layer_ctx {
    int n, ngates;
    qnn_gate_ref gates[64];
    qnn_cplx g[64][16];
    qnn_fused *plan[6]; /* by kmax */
} layer_ctx;

static void op_layer(const impl *im, void *v)
{
    layer_ctx *c = v;
    switch (im->kind) {
    case IMPL_QNN:
        if (im->fused)
            qnn_fused_apply(c->plan[im->fused], im->psi, 0);
        else
            for (int i = 0; i < c->ngates; i++)
                qnn_gate2_apply(im->psi, c->n, c->gates[i].q0, c->gates[i].q1, c->gates[i].g, 0);
        break;
#if HAVE_QULACS
    case IMPL_QULACS:
        for (int i = 0; i < c->ngates; i++)
            peer_qulacs_gate2(c->gates[i].q0, c->gates[i].q1, c->gates[i].g, im->psi, c->n);
        break;
#endif
#if HAVE_QUEST
    case IMPL_QUEST:
        for (int i = 0; i < c->ngates; i++)
            peer_quest_gate2(c->gates[i].q0, c->gates[i].q1, c->gates[i].g);
        break;
#endif
    default: break;
    }
}

/* ------------------------------------------------------------------------ */
/* Setup: the implementations of a table                                    */
/* ------------------------------------------------------------------------ */

#define MAX_IMPL 10

static int quest_n = -1;

/* Allocates the states of ims for n qubits (QuEST: (re)opens its
 * register). 0, or -1 when memory runs out. */
static int impls_alloc(impl *ims, int nim, int n)
{
    const size_t D = (size_t)1 << n;
    for (int i = 0; i < nim; i++) {
        if (!ims[i].on)
            continue;
        if (ims[i].kind == IMPL_QUEST) {
#if HAVE_QUEST
            if (quest_n != n) {
                peer_quest_open(n);
                quest_n = n;
            }
            ims[i].psi = peer_quest_amps();
#endif
        } else if (!(ims[i].psi = state_alloc(D))) {
            return -1;
        }
    }
    return 0;
}

static void impls_free(impl *ims, int nim)
{
    for (int i = 0; i < nim; i++) {
        if (ims[i].kind != IMPL_QUEST)
            free(ims[i].psi);
        ims[i].psi = NULL;
    }
}

static void add_impl(impl *ims, int *nim, const char *name, int kind, int level, int threads, int fused)
{
    impl *im = &ims[(*nim)++];
    memset(im, 0, sizeof *im);
    im->name = name;
    im->kind = kind;
    im->level = level;
    im->threads = threads;
    im->fused = fused;
    im->on = kind == IMPL_QNN ? level <= qnn_simd_max() : kind == IMPL_QULACS ? HAVE_QULACS : HAVE_QUEST;
    im->best = im->check = NAN;
}

static void print_cell_ns(const impl *im, double per)
{
    if (im->on)
        printf(" %.3f |", im->best * 1e9 / per);
    else
        printf(" — |");
}

/* ------------------------------------------------------------------------ */
/* Tables                                                                   */
/* ------------------------------------------------------------------------ */

static const int pairs[][2] = {{0, 1}, {1, 2}, {0, 5}, {1, 10}, {0, 19}, {2, 3}, {5, 6}, {10, 11}, {18, 19}, {3, 17}};
static const char *const pair_kind[] = {"low/low", "low/low", "mixed", "mixed", "mixed", "high", "high", "high", "high", "high"};
#define NPAIRS ((int)(sizeof pairs / sizeof pairs[0]))

static void table_gates(int n, int R, double min_time)
{
    const size_t D = (size_t)1 << n;
    impl ims[MAX_IMPL];
    int nim = 0;
    add_impl(ims, &nim, "qnnlab avx512", IMPL_QNN, QNN_SIMD_AVX512, 1, 0);
    add_impl(ims, &nim, "qnnlab avx2", IMPL_QNN, QNN_SIMD_AVX2, 1, 0);
    add_impl(ims, &nim, "qnnlab scalar", IMPL_QNN, QNN_SIMD_SCALAR, 1, 0);
    add_impl(ims, &nim, "qnnlab best, 2 threads", IMPL_QNN, qnn_simd_max(), 2, 0);
    add_impl(ims, &nim, "Qulacs", IMPL_QULACS, 0, 1, 0);
    add_impl(ims, &nim, "QuEST", IMPL_QUEST, 0, 1, 0);
    if (!ims[0].on) { /* no AVX-512: the first column (the reference) is the best level */
        ims[0].level = qnn_simd_max();
        ims[0].on = 1;
        ims[0].name = "qnnlab best";
    }
    qnn_cplx *psi0 = state_alloc(D);
    if (!psi0 || impls_alloc(ims, nim, n) != 0) {
        printf("gates: out of memory at n = %d\n\n", n);
        free(psi0);
        impls_free(ims, nim);
        return;
    }
    random_state(psi0, D);
    printf("### Dense 2-qubit gate, n = %d: ns per amplitude (best of %d)\n\n", n, R);
    printf("| pair | kind |");
    for (int i = 0; i < nim; i++)
        printf(" %s |", ims[i].name);
    printf(" Qulacs / qnnlab 1 thr | max abs diff |\n|---|---|");
    for (int i = 0; i < nim + 2; i++)
        printf("---:|");
    printf("\n");
    for (int k = 0; k < NPAIRS; k++) {
        gate_ctx c = {n, pairs[k][0], pairs[k][1], {0}};
        if (c.q0 >= n || c.q1 >= n)
            continue;
        haar4(c.g);
        check_against_first(ims, nim, op_gate, &c, psi0, D);
        load_state(ims, nim, psi0, D);
        time_interleaved(ims, nim, op_gate, &c, R, min_time);
        printf("| (%d,%d) | %s |", c.q0, c.q1, pair_kind[k]);
        double best1 = INFINITY, chk = 0;
        for (int i = 0; i < nim; i++) {
            print_cell_ns(&ims[i], (double)D);
            if (ims[i].on && ims[i].kind == IMPL_QNN && ims[i].threads == 1 && ims[i].best < best1)
                best1 = ims[i].best;
            if (ims[i].on && ims[i].check > chk)
                chk = ims[i].check;
        }
        if (HAVE_QULACS)
            printf(" %.2f× |", ims[4].best / best1);
        else
            printf(" — |");
        printf(" %.1e |\n", chk);
        fflush(stdout);
    }
    printf("\n");
    free(psi0);
    impls_free(ims, nim);
}

typedef struct pauli_case {
    const char *label;
    const char *s20; /* at n = 20, qubit 19 first */
} pauli_case;

static const pauli_case pauli_cases[] = {
    {"X on qubit 0", "IIIIIIIIIIIIIIIIIIIX"},
    {"X on qubit 19", "XIIIIIIIIIIIIIIIIIII"},
    {"Z on all", "ZZZZZZZZZZZZZZZZZZZZ"},
    {"Y on all", "YYYYYYYYYYYYYYYYYYYY"},
    {"X19 Z0", "XIIIIIIIIIIIIIIIIIIZ"},
    {"random 1", "XYZIYXZZIXYZIIZXYZXI"},
};
#define NPAULI ((int)(sizeof pauli_cases / sizeof pauli_cases[0]))

static void table_pauli(int n, int R, double min_time)
{
    const size_t D = (size_t)1 << n;
    impl ims[MAX_IMPL];
    int nim = 0;
    add_impl(ims, &nim, "qnnlab", IMPL_QNN, qnn_simd_max(), 1, 0);
    add_impl(ims, &nim, "Qulacs", IMPL_QULACS, 0, 1, 0);
    add_impl(ims, &nim, "QuEST", IMPL_QUEST, 0, 1, 0);
    qnn_cplx *psi0 = state_alloc(D);
    if (n != 20 || !psi0 || impls_alloc(ims, nim, n) != 0) {
        printf(n != 20 ? "pauli: the strings are those of n = 20\n\n" : "pauli: out of memory\n\n");
        free(psi0);
        impls_free(ims, nim);
        return;
    }
    random_state(psi0, D);
    printf("### exp(iθP), n = %d: ms per call (best of %d)\n\n", n, R);
    printf("| case | P (qubit 19 … 0) | qnnlab | Qulacs | QuEST | Qulacs / qnnlab | QuEST / qnnlab | max abs diff |\n");
    printf("|---|---|---:|---:|---:|---:|---:|---:|\n");
    for (int k = 0; k < NPAULI; k++) {
        pauli_ctx c = {n, 0.37, {0, 0}, {0}};
        if (qnn_pauli_parse(pauli_cases[k].s20, n, &c.p) != 0)
            continue;
        for (int q = 0; q < n; q++) {
            const char ch = pauli_cases[k].s20[n - 1 - q];
            c.codes[q] = ch == 'X' ? 1u : ch == 'Y' ? 2u : ch == 'Z' ? 3u : 0u;
        }
        check_against_first(ims, nim, op_pauli, &c, psi0, D);
        load_state(ims, nim, psi0, D);
        time_interleaved(ims, nim, op_pauli, &c, R, min_time);
        printf("| %s | `%s` |", pauli_cases[k].label, pauli_cases[k].s20);
        for (int i = 0; i < nim; i++) {
            if (ims[i].on)
                printf(" %.3f |", ims[i].best * 1e3);
            else
                printf(" — |");
        }
        for (int i = 1; i < nim; i++) {
            if (ims[i].on)
                printf(" %.2f× |", ims[i].best / ims[0].best);
            else
                printf(" — |");
        }
        double chk = 0;
        for (int i = 0; i < nim; i++)
            if (ims[i].on && ims[i].check > chk)
                chk = ims[i].check;
        printf(" %.1e |\n", chk);
        fflush(stdout);
    }
    printf("\n");
    free(psi0);
    impls_free(ims, nim);
}

static double mem_available(void)
{
    FILE *f = fopen("/proc/meminfo", "r");
    char line[256];
    double kb = 0;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "MemAvailable: %lf kB", &kb) == 1)
            break;
    if (f)
        fclose(f);
    return kb * 1024.0;
}

static void table_fusion(int R, double min_time)
{
    static const int ns[] = {20, 22, 24};
    printf("### Brickwork layer of depth 2 (n − 1 gates): ns per amplitude and gate (best of %d)\n\n", R);
    printf("| n | state | qnnlab gate by gate | qnnlab fused k ≤ 4 (blocks) | qnnlab fused k ≤ 5 (blocks) |"
           " Qulacs gate by gate | QuEST gate by gate | fused / gate by gate | max abs diff fused |\n");
    printf("|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (int t = 0; t < (int)(sizeof ns / sizeof ns[0]); t++) {
        const int n = ns[t];
        const size_t D = (size_t)1 << n;
        /* states: the common one, qnnlab x3, Qulacs, QuEST */
        const double need = 6.0 * (double)D * sizeof(qnn_cplx);
        if (need > 0.8 * mem_available()) {
            printf("| %d | %.0f MiB | skipped: needs %.0f MiB, %.0f MiB available | | | | | | |\n", n,
                   (double)D * 16 / 1048576.0, need / 1048576.0, mem_available() / 1048576.0);
            continue;
        }
        layer_ctx *c = calloc(1, sizeof *c);
        impl ims[MAX_IMPL];
        int nim = 0;
        add_impl(ims, &nim, "qnnlab", IMPL_QNN, qnn_simd_max(), 1, 0);
        add_impl(ims, &nim, "qnnlab fused 4", IMPL_QNN, qnn_simd_max(), 1, 4);
        add_impl(ims, &nim, "qnnlab fused 5", IMPL_QNN, qnn_simd_max(), 1, 5);
        add_impl(ims, &nim, "Qulacs", IMPL_QULACS, 0, 1, 0);
        add_impl(ims, &nim, "QuEST", IMPL_QUEST, 0, 1, 0);
        qnn_cplx *psi0 = state_alloc(D);
        if (!c || !psi0 || impls_alloc(ims, nim, n) != 0) {
            printf("| %d | out of memory | | | | | | | |\n", n);
            free(c);
            free(psi0);
            impls_free(ims, nim);
            continue;
        }
        c->n = n;
        for (int q = 0; q + 1 < n; q += 2)
            c->gates[c->ngates++] = (qnn_gate_ref){q, q + 1, NULL};
        for (int q = 1; q + 1 < n; q += 2)
            c->gates[c->ngates++] = (qnn_gate_ref){q, q + 1, NULL};
        for (int i = 0; i < c->ngates; i++) {
            haar4(c->g[i]);
            c->gates[i].g = c->g[i];
        }
        c->plan[4] = qnn_fused_new(n, (size_t)c->ngates, c->gates, 4);
        c->plan[5] = qnn_fused_new(n, (size_t)c->ngates, c->gates, 5);
        ims[1].on = c->plan[4] != NULL;
        ims[2].on = c->plan[5] != NULL;
        random_state(psi0, D);
        check_against_first(ims, nim, op_layer, c, psi0, D);
        load_state(ims, nim, psi0, D);
        time_interleaved(ims, nim, op_layer, c, R, min_time);
        const double per = (double)D * (double)c->ngates;
        printf("| %d | %.0f MiB |", n, (double)D * 16 / 1048576.0);
        print_cell_ns(&ims[0], per);
        for (int i = 1; i <= 2; i++) {
            if (ims[i].on)
                printf(" %.3f (%zu) |", ims[i].best * 1e9 / per, qnn_fused_blocks(c->plan[ims[i].fused]));
            else
                printf(" — |");
        }
        print_cell_ns(&ims[3], per);
        print_cell_ns(&ims[4], per);
        double fb = fmin(ims[1].on ? ims[1].best : INFINITY, ims[2].on ? ims[2].best : INFINITY);
        printf(" %.2f |", fb / ims[0].best);
        printf(" %.1e |\n", fmax(ims[1].on ? ims[1].check : 0, ims[2].on ? ims[2].check : 0));
        fflush(stdout);
        qnn_fused_free(c->plan[4]);
        qnn_fused_free(c->plan[5]);
        free(c);
        free(psi0);
        impls_free(ims, nim);
    }
    printf("\n");
}

/* ------------------------------------------------------------------------ */
/* Header: machine, commit, date                                            */
/* ------------------------------------------------------------------------ */

static void header(const char *commit, int n, int R, double min_time)
{
    char model[256] = "unknown", line[4096];
    int avx512 = 0, avx2 = 0;
    FILE *f = fopen("/proc/cpuinfo", "r");
    while (f && fgets(line, sizeof line, f)) {
        if (!strncmp(line, "model name", 10) && !strcmp(model, "unknown")) {
            char *c = strchr(line, ':');
            if (c) {
                snprintf(model, sizeof model, "%s", c + 2);
                model[strcspn(model, "\n")] = '\0';
            }
        }
        if (!strncmp(line, "flags", 5)) {
            avx512 |= strstr(line, " avx512f") != NULL;
            avx2 |= strstr(line, " avx2") != NULL;
        }
    }
    if (f)
        fclose(f);
    char cm[64] = "unknown";
    if (commit) {
        snprintf(cm, sizeof cm, "%s", commit);
    } else {
        FILE *g = popen("git rev-parse --short HEAD 2>/dev/null", "r");
        if (g && fgets(cm, sizeof cm, g))
            cm[strcspn(cm, "\n")] = '\0';
        if (g)
            pclose(g);
    }
    time_t t = time(NULL);
    char date[64];
    strftime(date, sizeof date, "%Y-%m-%d %H:%M UTC", gmtime(&t));
    printf("## qnnlab against Qulacs and QuEST (bench/peers)\n\n");
    printf("| | |\n|---|---|\n");
    printf("| CPU | %s (avx512f: %s, avx2: %s) |\n", model, avx512 ? "yes" : "no", avx2 ? "yes" : "no");
    printf("| commit | %s |\n| date | %s |\n", cm, date);
    printf("| qnnlab SIMD levels | up to %s |\n", qnn_simd_name(qnn_simd_max()));
    printf("| peers | Qulacs csim: %s; QuEST v4.1: %s |\n", HAVE_QULACS ? "linked" : "not given",
           HAVE_QUEST ? "linked" : "not given");
    printf("| timing | n = %d, 1 thread (but the 2-thread column), best of %d interleaved repeats of ≥ %.2g s |\n\n",
           n, R, min_time);
}

int main(int argc, char **argv)
{
    int n = 20, R = 9;
    double min_time = 0.1;
    const char *only = NULL, *commit = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--n") && v) {
            n = atoi(v);
            i++;
        } else if (!strcmp(a, "--repeats") && v) {
            R = atoi(v);
            i++;
        } else if (!strcmp(a, "--min-time") && v) {
            min_time = atof(v);
            i++;
        } else if (!strcmp(a, "--only") && v) {
            only = v;
            i++;
        } else if (!strcmp(a, "--commit") && v) {
            commit = v;
            i++;
        } else {
            fprintf(stderr, "usage: peers [--n N (6..24)] [--repeats R] [--min-time S] [--only gates,pauli,fusion] [--commit C]\n");
            return 2;
        }
    }
    if (n < 6 || n > QNN_MAX_QUBITS || R < 1 || R > 1000 || !(min_time > 0)) {
        fprintf(stderr, "peers: n must be 6 .. %d, repeats 1 .. 1000, min-time > 0\n", QNN_MAX_QUBITS);
        return 2;
    }
    header(commit, n, R, min_time);
    if (!only || strstr(only, "gates"))
        table_gates(n, R, min_time);
    if (!only || strstr(only, "pauli"))
        table_pauli(n, R, min_time);
    if (!only || strstr(only, "fusion"))
        table_fusion(R, min_time);
#if HAVE_QUEST
    if (quest_n >= 0)
        peer_quest_close();
#endif
    return 0;
}
