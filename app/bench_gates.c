/* The state-vector kernels of issue 24 for `qnnlab bench`: the dense
 * 2-qubit gate on every SIMD level (--only gates), a brickwork layer gate by
 * gate against fused (--only fusion), a random brickwork step on 1 and 2
 * kernel threads with a bit-identity check (--only threads), and the live
 * window's engine rate on a random brickwork ensemble (--only window).
 *
 * The first two time the engine's internal kernels (engine/src/qnn/gate2.h,
 * fuse.h, simd.h, par.h: this file alone is compiled with engine/src on its
 * include path); the last two go through the public API (an instance, a
 * session). Every table interleaves its variants (repeat r of each, then
 * repeat r + 1) so that a slow spell of the shared machine hits them alike,
 * and reports the best (minimum) repeat next to the median: the kernels
 * are deterministic, so the minimum is the least disturbed figure (the
 * issue's "best of 9" is `--repeats 9`). Memory: every size is checked
 * against MemAvailable first and skipped (with a note) when it would not
 * fit. */
#include "bench_priv.h"
#include "qnn/fuse.h"
#include "qnn/gate2.h"
#include "qnn/par.h"
#include "qnn/params.h"
#include "qnn/run.h"
#include "qnn/session.h"
#include "qnn/simd.h"
#include "qnn/statevec.h"

#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------ */
/* Shared: random states and gates, interleaved timing                      */
/* ------------------------------------------------------------------------ */

typedef struct brng {
    uint64_t s;
} brng;

static double brng_u(brng *r)
{
    r->s ^= r->s << 13;
    r->s ^= r->s >> 7;
    r->s ^= r->s << 17;
    return ((double)(r->s >> 11) + 0.5) / 9007199254740992.0;
}

static double brng_g(brng *r) { return sqrt(-2.0 * log(brng_u(r))) * cos(6.283185307179586 * brng_u(r)); }

/* A Haar-random 4x4 unitary, row-major (Gram-Schmidt on a complex Gaussian
 * matrix's columns). */
static void haar4(brng *r, qnn_cplx g[16])
{
    qnn_cplx a[4][4];
    for (int c = 0; c < 4; c++)
        for (int k = 0; k < 4; k++)
            a[c][k] = CMPLX(brng_g(r), brng_g(r));
    for (int c = 0; c < 4; c++) {
        for (int p = 0; p < c; p++) {
            qnn_cplx d = 0;
            for (int k = 0; k < 4; k++)
                d += conj(a[p][k]) * a[c][k];
            for (int k = 0; k < 4; k++)
                a[c][k] -= d * a[p][k];
        }
        double nn = 0;
        for (int k = 0; k < 4; k++)
            nn += creal(a[c][k] * conj(a[c][k]));
        for (int k = 0; k < 4; k++)
            a[c][k] /= sqrt(nn);
    }
    for (int k = 0; k < 4; k++)
        for (int c = 0; c < 4; c++)
            g[4 * k + c] = a[c][k];
}

static void random_state(brng *r, qnn_cplx *psi, size_t D)
{
    double nn = 0;
    for (size_t i = 0; i < D; i++) {
        psi[i] = CMPLX(brng_g(r), brng_g(r));
        nn += creal(psi[i] * conj(psi[i]));
    }
    for (size_t i = 0; i < D; i++)
        psi[i] /= sqrt(nn);
}

static double max_abs_diff(const qnn_cplx *a, const qnn_cplx *b, size_t D)
{
    double m = 0;
    for (size_t i = 0; i < D; i++) {
        double d = cabs(a[i] - b[i]);
        if (d > m || d != d)
            m = d;
    }
    return m;
}

/* 1 when bytes more fit in what is available (leaving a tenth). */
static int fits(double bytes)
{
    double avail = bench_meminfo_bytes("MemAvailable");
    return avail <= 0.0 || bytes <= 0.9 * avail;
}

/* One variant of a kernel: its SIMD level and kernel threads, set before
 * each of its repeats. */
typedef struct variant {
    int level, threads;
    int on;
    work_fn f;
    void *ctx;
    long k;          /* calls per repeat */
    double *sec;     /* seconds per call, per repeat */
    stat3 st;
} variant;

static void variant_enter(const variant *v)
{
    qnn_simd_set(v->level);
    if (qnn_par_threads() != v->threads)
        qnn_par_set_threads(v->threads);
}

static void variants_leave(void)
{
    qnn_simd_set(-1);
    qnn_par_set_threads(1);
}

/* Calibrates every variant that is on (bench_calibrate, at a third of the
 * usual repeat length: these calls are short and deterministic), then R
 * interleaved rounds; v[i].st = stats of seconds per call. 0, or -1 out of
 * memory. */
static int time_variants(variant *v, int nv, const bench_opts *o)
{
    bench_opts q = *o;
    q.min_time = o->min_time / 3.0;
    q.warm_time = o->warm_time / 2.0;
    const int R = o->repeats;
    for (int i = 0; i < nv; i++) {
        v[i].st = (stat3){NAN, NAN, NAN, 0};
        v[i].sec = NULL;
        if (!v[i].on)
            continue;
        if (!(v[i].sec = malloc((size_t)R * sizeof(double)))) {
            for (int j = 0; j <= i; j++)
                free(v[j].sec);
            variants_leave();
            return -1;
        }
        variant_enter(&v[i]);
        v[i].k = bench_calibrate(v[i].f, v[i].ctx, &q, NULL);
    }
    for (int r = 0; r < R; r++)
        for (int i = 0; i < nv; i++)
            if (v[i].on) {
                variant_enter(&v[i]);
                v[i].f(v[i].ctx); /* untimed: the team up, caches as the others left them */
                v[i].sec[r] = bench_timed_repeat(v[i].f, v[i].ctx, v[i].k, q.min_time);
            }
    for (int i = 0; i < nv; i++)
        if (v[i].on) {
            v[i].st = bench_stat_of(v[i].sec, R);
            free(v[i].sec);
            v[i].sec = NULL;
        }
    variants_leave();
    return 0;
}

/* ------------------------------------------------------------------------ */
/* gates: the dense 2-qubit gate per target pair and SIMD level             */
/* ------------------------------------------------------------------------ */

#define GATES_N 20
#define GATE_TARGET_NS 0.5

static const int gate_pairs[][2] = {{0, 1}, {1, 2}, {0, 5}, {1, 10}, {0, 19},
                                    {2, 3}, {5, 6}, {10, 11}, {18, 19}, {3, 17}};
static const char *const gate_kind[] = {"low/low", "low/low", "mixed", "mixed", "mixed",
                                        "high", "high", "high", "high", "high"};
#define NGPAIRS ((int)(sizeof gate_pairs / sizeof gate_pairs[0]))

typedef struct gate_ctx {
    qnn_cplx *psi;
    int n, q0, q1;
    qnn_cplx g[16];
} gate_ctx;

static void do_gate(void *v)
{
    gate_ctx *c = v;
    qnn_gate2_apply(c->psi, c->n, c->q0, c->q1, c->g, 0);
}

/* Columns: avx512, avx2, scalar (1 thread), the highest level on 2 threads. */
#define GV 4

static void section_gates(const bench_opts *o, json_t *root)
{
    const int n = GATES_N;
    const size_t D = (size_t)1 << n;
    qnn_cplx *psi = aligned_alloc(64, D * sizeof(qnn_cplx));
    qnn_cplx *chk = aligned_alloc(64, D * sizeof(qnn_cplx));
    qnn_cplx *ref = aligned_alloc(64, D * sizeof(qnn_cplx));
    if (!psi || !chk || !ref) {
        printf("Gates: out of memory\n\n");
        free(psi);
        free(chk);
        free(ref);
        return;
    }
    brng rg = {0x2545f4914f6cdd1dULL};
    random_state(&rg, psi, D);
    static const char *const colname[GV] = {"avx512", "avx2", "scalar", "2 threads"};
    const int top = qnn_simd_max();
    printf("Dense 2-qubit gate (qnn_gate2_apply, a Haar-random 4x4 unitary) at n = %d (%.0f MiB state):\n"
           "ns per amplitude, best (median) of %d interleaved repeats; SIMD level by qnn_simd_set\n"
           "(this CPU: up to %s); '2 threads': the highest level on 2 kernel threads (qnn_par_set_threads);\n"
           "target <= %.2g ns per amplitude on 1 thread for every pair; max |d| against qnn_gate2_apply_ref\n",
           n, (double)D * sizeof(qnn_cplx) / 1048576.0, o->repeats, qnn_simd_name(top), GATE_TARGET_NS);
    printf("  %-8s %-8s", "pair", "kind");
    for (int c = 0; c < GV; c++)
        printf(" %17s", colname[c]);
    printf(" %8s %9s\n", "target", "max |d|");
    json_t *jr = json_array();
    double worst1 = 0.0;
    for (int k = 0; k < NGPAIRS; k++) {
        gate_ctx c = {psi, n, gate_pairs[k][0], gate_pairs[k][1], {0}};
        haar4(&rg, c.g);
        /* the check: every level against the reference loops */
        double dmax = 0.0;
        memcpy(ref, psi, D * sizeof(qnn_cplx));
        qnn_gate2_apply_ref(ref, n, c.q0, c.q1, c.g, 0);
        for (int lv = 0; lv <= top; lv++) {
            memcpy(chk, psi, D * sizeof(qnn_cplx));
            qnn_simd_set(lv);
            qnn_gate2_apply(chk, n, c.q0, c.q1, c.g, 0);
            double d = max_abs_diff(chk, ref, D);
            if (d > dmax || d != d)
                dmax = d;
        }
        qnn_simd_set(-1);
        variant v[GV] = {
            {QNN_SIMD_AVX512, 1, top >= QNN_SIMD_AVX512, do_gate, &c, 0, NULL, {0, 0, 0, 0}},
            {QNN_SIMD_AVX2, 1, top >= QNN_SIMD_AVX2, do_gate, &c, 0, NULL, {0, 0, 0, 0}},
            {QNN_SIMD_SCALAR, 1, 1, do_gate, &c, 0, NULL, {0, 0, 0, 0}},
            {top, 2, 1, do_gate, &c, 0, NULL, {0, 0, 0, 0}},
        };
        if (time_variants(v, GV, o) != 0)
            break;
        char pr[16];
        snprintf(pr, sizeof pr, "(%d,%d)", c.q0, c.q1);
        printf("  %-8s %-8s", pr, gate_kind[k]);
        json_t *jp = json_pack("{s:i, s:i, s:s, s:o}", "q0", c.q0, "q1", c.q1, "kind", gate_kind[k],
                               "max_abs_diff_ref", bench_jnum(dmax));
        double best1 = INFINITY;
        for (int i = 0; i < GV; i++) {
            if (!v[i].on) {
                printf(" %17s", "-");
                continue;
            }
            const double bmin = v[i].st.min * 1e9 / (double)D, bmed = v[i].st.med * 1e9 / (double)D;
            char cell[40];
            snprintf(cell, sizeof cell, "%.3f (%.3f)", bmin, bmed);
            printf(" %17s", cell);
            if (v[i].threads == 1 && bmin < best1)
                best1 = bmin;
            json_object_set_new(jp, colname[i],
                                json_pack("{s:o, s:o}", "ns_per_amp_best", bench_jnum(bmin), "ns_per_amp_median",
                                          bench_jnum(bmed)));
        }
        if (best1 > worst1)
            worst1 = best1;
        printf(" %8s %9.1e\n", best1 <= GATE_TARGET_NS ? "met" : "missed", dmax);
        fflush(stdout);
        json_array_append_new(jr, jp);
    }
    printf("  slowest pair at the best level, 1 thread: %.3f ns per amplitude (target <= %.2g: %s)\n\n", worst1,
           GATE_TARGET_NS, worst1 <= GATE_TARGET_NS ? "met" : "missed");
    json_object_set_new(root, "gates",
                        json_pack("{s:i, s:s, s:o, s:o}", "qubits", n, "top_level", qnn_simd_name(top),
                                  "worst_pair_ns_per_amp", bench_jnum(worst1), "pairs", jr));
    free(psi);
    free(chk);
    free(ref);
}

/* ------------------------------------------------------------------------ */
/* fusion: a brickwork layer gate by gate against fused                     */
/* ------------------------------------------------------------------------ */

typedef struct layer_ctx {
    qnn_cplx *psi;
    int n, ngates;
    qnn_gate_ref gates[QNN_MAX_QUBITS];
    qnn_cplx g[QNN_MAX_QUBITS][16];
    qnn_fused *plan;
} layer_ctx;

static void do_layer_gates(void *v)
{
    layer_ctx *c = v;
    for (int i = 0; i < c->ngates; i++)
        qnn_gate2_apply(c->psi, c->n, c->gates[i].q0, c->gates[i].q1, c->gates[i].g, 0);
}

static void do_layer_fused(void *v)
{
    layer_ctx *c = v;
    qnn_fused_apply(c->plan, c->psi, 0);
}

#define FUSION_RATIO_TARGET 1.3

static void section_fusion(const bench_opts *o, json_t *root)
{
    static const int ns[] = {16, 20, 22, 24};
    static const int kmaxes[] = {4, 5};
    enum { NK = 2 };
    printf("Brickwork layer of depth 2 (n - 1 Haar 2-qubit gates, pairs (2i,2i+1) then (2i+1,2i+2)),\n"
           "highest SIMD level, 1 thread: ns per amplitude and gate, best (median) of %d interleaved repeats;\n"
           "gate by gate (qnn_gate2_apply) against fused blocks of <= k qubits (qnn_fused_apply);\n"
           "max |d| between the fused and the gate-by-gate results (target 1e-13)\n",
           o->repeats);
    printf("  %-4s %9s %17s %17s %7s %17s %7s %9s\n", "n", "state", "gate by gate", "fused k<=4", "blocks",
           "fused k<=5", "blocks", "max |d|");
    json_t *jr = json_array();
    double best20 = NAN, best24 = NAN, gates20 = NAN;
    for (size_t t = 0; t < sizeof ns / sizeof ns[0]; t++) {
        const int n = ns[t];
        const size_t D = (size_t)1 << n;
        const double sb = (double)D * sizeof(qnn_cplx);
        if (!fits(3.0 * sb)) {
            printf("  %-4d %7.0f MiB skipped: needs %.0f MiB, %.0f MiB available\n", n, sb / 1048576.0,
                   3.0 * sb / 1048576.0, bench_meminfo_bytes("MemAvailable") / 1048576.0);
            json_array_append_new(jr, json_pack("{s:i, s:s}", "qubits", n, "status", "skipped (memory)"));
            continue;
        }
        layer_ctx *c = calloc(1, sizeof *c);
        qnn_cplx *psi0 = aligned_alloc(64, D * sizeof(qnn_cplx));
        qnn_cplx *a = aligned_alloc(64, D * sizeof(qnn_cplx));
        qnn_fused *plan[NK] = {NULL, NULL};
        if (!c || !psi0 || !a) {
            printf("  %-4d out of memory\n", n);
            free(c);
            free(psi0);
            free(a);
            continue;
        }
        brng rg = {0x9e3779b97f4a7c15ULL ^ (uint64_t)n};
        c->n = n;
        for (int q = 0; q + 1 < n; q += 2)
            c->gates[c->ngates++] = (qnn_gate_ref){q, q + 1, NULL};
        for (int q = 1; q + 1 < n; q += 2)
            c->gates[c->ngates++] = (qnn_gate_ref){q, q + 1, NULL};
        for (int i = 0; i < c->ngates; i++) {
            haar4(&rg, c->g[i]);
            c->gates[i].g = c->g[i];
        }
        random_state(&rg, psi0, D);
        /* the check: each plan against the gates one by one */
        memcpy(a, psi0, D * sizeof(qnn_cplx));
        c->psi = a;
        do_layer_gates(c);
        double dmax = 0.0;
        layer_ctx cf[NK];
        for (int k = 0; k < NK; k++) {
            plan[k] = qnn_fused_new(n, (size_t)c->ngates, c->gates, kmaxes[k]);
            cf[k] = *c;
            cf[k].plan = plan[k];
            cf[k].psi = psi0;
        }
        for (int k = 0; k < NK; k++) {
            if (!plan[k])
                continue;
            qnn_cplx *b = aligned_alloc(64, D * sizeof(qnn_cplx));
            if (!b)
                break;
            memcpy(b, psi0, D * sizeof(qnn_cplx));
            qnn_fused_apply(plan[k], b, 0);
            double d = max_abs_diff(a, b, D);
            if (d > dmax || d != d)
                dmax = d;
            free(b);
        }
        /* the timing: all three on one state (the layers are unitary) */
        memcpy(a, psi0, D * sizeof(qnn_cplx));
        c->psi = a;
        for (int k = 0; k < NK; k++)
            cf[k].psi = a;
        const int top = qnn_simd_max();
        variant v[1 + NK] = {
            {top, 1, 1, do_layer_gates, c, 0, NULL, {0, 0, 0, 0}},
            {top, 1, plan[0] != NULL, do_layer_fused, &cf[0], 0, NULL, {0, 0, 0, 0}},
            {top, 1, plan[1] != NULL, do_layer_fused, &cf[1], 0, NULL, {0, 0, 0, 0}},
        };
        if (time_variants(v, 1 + NK, o) == 0) {
            const double per = (double)D * (double)c->ngates;
            char cell[3][40];
            for (int i = 0; i < 1 + NK; i++) {
                if (v[i].on)
                    snprintf(cell[i], sizeof cell[i], "%.3f (%.3f)", v[i].st.min * 1e9 / per, v[i].st.med * 1e9 / per);
                else
                    snprintf(cell[i], sizeof cell[i], "-");
            }
            printf("  %-4d %5.0f MiB %17s %17s %7zu %17s %7zu %9.1e\n", n, sb / 1048576.0, cell[0], cell[1],
                   plan[0] ? qnn_fused_blocks(plan[0]) : 0, cell[2], plan[1] ? qnn_fused_blocks(plan[1]) : 0, dmax);
            double best = v[0].st.min;
            for (int i = 1; i < 1 + NK; i++)
                if (v[i].on && v[i].st.min < best)
                    best = v[i].st.min;
            if (n == 20) {
                best20 = best * 1e9 / per;
                gates20 = v[0].st.min * 1e9 / per;
            }
            if (n == 24)
                best24 = best * 1e9 / per;
            json_t *j = json_pack("{s:i, s:i, s:s, s:o, s:o}", "qubits", n, "gates", c->ngates, "status", "measured",
                                  "gate_by_gate_ns_per_amp_gate", bench_jnum(v[0].st.min * 1e9 / per),
                                  "max_abs_diff_fused", bench_jnum(dmax));
            for (int k = 0; k < NK; k++)
                if (v[1 + k].on) {
                    char key[32];
                    snprintf(key, sizeof key, "fused_k%d", kmaxes[k]);
                    json_object_set_new(j, key,
                                        json_pack("{s:o, s:i}", "ns_per_amp_gate", bench_jnum(v[1 + k].st.min * 1e9 / per),
                                                  "blocks", (int)qnn_fused_blocks(plan[k])));
                }
            json_array_append_new(jr, j);
        }
        fflush(stdout);
        for (int k = 0; k < NK; k++)
            qnn_fused_free(plan[k]);
        free(c);
        free(psi0);
        free(a);
    }
    const double ratio = best24 / best20;
    if (isfinite(ratio))
        printf("  n = 24 against n = 20 (the faster path of each): %.2fx per gate (target <= %.1fx: %s);\n"
               "  against n = 20 gate by gate: %.2fx\n",
               ratio, FUSION_RATIO_TARGET, ratio <= FUSION_RATIO_TARGET ? "met" : "missed", best24 / gates20);
    printf("\n");
    json_object_set_new(root, "fusion",
                        json_pack("{s:o, s:o}", "ratio_n24_n20", bench_jnum(ratio), "sizes", jr));
}

/* ------------------------------------------------------------------------ */
/* threads: a random brickwork step on 1 and 2 kernel threads               */
/* ------------------------------------------------------------------------ */

static const char *const thr_sets[] = {"model=random", "n=20", "L=8", "entangler=brickwork", "depth=2", NULL};

static qnn_instance *thr_instance(char *err, size_t errlen)
{
    qnn_params p;
    qnn_params_default(&p);
    for (int i = 0; thr_sets[i]; i++) {
        char key[32];
        const char *eq = strchr(thr_sets[i], '=');
        snprintf(key, sizeof key, "%.*s", (int)(eq - thr_sets[i]), thr_sets[i]);
        if (qnn_params_set(&p, key, eq + 1, err, errlen) != 0)
            return NULL;
    }
    p.instances = 1;
    p.threads = 1;
    p.steps = 0;
    if (qnn_params_check(&p, 0, err, errlen) != 0)
        return NULL;
    if (!fits((double)qnn_params_instance_bytes(&p))) {
        snprintf(err, errlen, "skipped: needs %.2f GiB", bench_gib((double)qnn_params_instance_bytes(&p)));
        return NULL;
    }
    return qnn_instance_new(&p, 0, NULL, err, errlen);
}

typedef struct thr_ctx {
    qnn_instance *in;
    int bad;
} thr_ctx;

static void do_thr_step(void *v)
{
    thr_ctx *c = v;
    qnn_obs ob;
    if (qnn_instance_eval(c->in, 0, &ob) != 0)
        c->bad = 1;
    qnn_instance_step(c->in);
}

/* Two steps from the seed on `threads` kernel threads; the angles after
 * them and the residuals there into theta[L], r[m]. 0, or -1. */
static int thr_run(int threads, double *theta, double *r, int *L, int *m)
{
    char err[256];
    qnn_par_set_threads(threads);
    qnn_instance *in = thr_instance(err, sizeof err);
    if (!in) {
        qnn_par_set_threads(1);
        return -1;
    }
    thr_ctx c = {in, 0};
    do_thr_step(&c);
    do_thr_step(&c);
    const double *th = qnn_instance_theta(in, L);
    qnn_instance_residuals(in, m);
    if (theta)
        memcpy(theta, th, (size_t)*L * sizeof(double));
    if (r)
        qnn_instance_residuals_at(in, th, r);
    qnn_instance_free(in);
    qnn_par_set_threads(1);
    return c.bad ? -1 : 0;
}

static void section_threads(const bench_opts *o, json_t *root)
{
    char err[256];
    printf("Kernel threads inside one instance: random n = 20, L = 8, brickwork(2) (one step = eval\n"
           "without eigenvalues + step), highest SIMD level, 1 and 2 kernel threads (qnn_par_set_threads);\n"
           "best (median) of %d interleaved repeats; target >= 1.8x on 2 cores, results bit-identical\n",
           o->repeats);
    qnn_instance *in = thr_instance(err, sizeof err);
    if (!in) {
        printf("  %s\n\n", err);
        return;
    }
    thr_ctx c = {in, 0};
    variant v[2] = {
        {qnn_simd_max(), 1, 1, do_thr_step, &c, 0, NULL, {0, 0, 0, 0}},
        {qnn_simd_max(), 2, 1, do_thr_step, &c, 0, NULL, {0, 0, 0, 0}},
    };
    bench_opts q = *o;
    q.min_time = 3.0 * o->min_time; /* time_variants takes a third */
    int ok = time_variants(v, 2, &q) == 0;
    qnn_instance_free(in);
    if (!ok) {
        printf("  out of memory\n\n");
        return;
    }
    /* bit identity: two steps from the seed on 1 and on 2 threads */
    int L = 0, m = 0;
    int same = -1;
    double *t1 = NULL, *t2 = NULL, *r1 = NULL, *r2 = NULL;
    if (thr_run(1, NULL, NULL, &L, &m) == 0 && L > 0 && m > 0) {
        t1 = malloc((size_t)L * sizeof *t1);
        t2 = malloc((size_t)L * sizeof *t2);
        r1 = malloc((size_t)m * sizeof *r1);
        r2 = malloc((size_t)m * sizeof *r2);
        if (t1 && t2 && r1 && r2 && thr_run(1, t1, r1, &L, &m) == 0 && thr_run(2, t2, r2, &L, &m) == 0)
            same = !memcmp(t1, t2, (size_t)L * sizeof *t1) && !memcmp(r1, r2, (size_t)m * sizeof *r1);
    }
    free(t1);
    free(t2);
    free(r1);
    free(r2);
    const double sp = v[0].st.min / v[1].st.min, spm = v[0].st.med / v[1].st.med;
    printf("  %-12s %12s %12s\n", "threads", "ms/step", "median");
    printf("  %-12d %12.4g %12.4g\n", 1, 1e3 * v[0].st.min, 1e3 * v[0].st.med);
    printf("  %-12d %12.4g %12.4g\n", 2, 1e3 * v[1].st.min, 1e3 * v[1].st.med);
    printf("  speed-up on 2 threads: %.2fx best, %.2fx median (target >= 1.8x: %s); angles and residuals\n"
           "  after two steps on 1 and 2 threads: %s\n\n",
           sp, spm, sp >= 1.8 ? "met" : "missed",
           same < 0 ? "not compared (failed)" : same ? "bit-identical" : "DIFFER");
    json_object_set_new(root, "threads",
                        json_pack("{s:s, s:o, s:o, s:o, s:o, s:s}", "workload", "random n=20 L=8 brickwork(2)",
                                  "ms_per_step_1", bench_jstat((stat3){1e3 * v[0].st.med, 1e3 * v[0].st.min,
                                                                       1e3 * v[0].st.max, v[0].st.n}),
                                  "ms_per_step_2", bench_jstat((stat3){1e3 * v[1].st.med, 1e3 * v[1].st.min,
                                                                       1e3 * v[1].st.max, v[1].st.n}),
                                  "speedup_best", bench_jnum(sp), "speedup_median", bench_jnum(spm),
                                  "bit_identical", same < 0 ? "not compared" : same ? "yes" : "no"));
}

/* ------------------------------------------------------------------------ */
/* window: the live session's engine rate                                   */
/* ------------------------------------------------------------------------ */

#define WINDOW_TARGET 20.0

typedef struct win_ctx {
    qnn_session *s;
    int bad;
} win_ctx;

static void do_win_step(void *v)
{
    win_ctx *c = v;
    if (qnn_session_advance(c->s, 1) != 0)
        c->bad = 1;
}

static void section_window(const bench_opts *o, json_t *root)
{
    static const char *const sets[] = {"model=random", "n=12", "L=64", "entangler=brickwork", "depth=2", NULL};
    char err[512];
    qnn_params p;
    qnn_params_default(&p);
    for (int i = 0; sets[i]; i++) {
        char key[32];
        const char *eq = strchr(sets[i], '=');
        snprintf(key, sizeof key, "%.*s", (int)(eq - sets[i]), sets[i]);
        if (qnn_params_set(&p, key, eq + 1, err, sizeof err) != 0) {
            printf("Window: %s\n\n", err);
            return;
        }
    }
    const int wt = qnn_run_default_threads();
    printf("The live window's engine: a session of 8 instances of random n = 12, L = 64, brickwork(2)\n"
           "(the parameters' defaults otherwise), stepped by qnn_session_advance(s, 1) on this thread as the\n"
           "window's worker does (every instance one step, then a snapshot); ensemble steps per second,\n"
           "best (median) of %d interleaved repeats, 1 and 2 kernel threads (the window's worker runs on\n"
           "%d: qnn_run_default_threads); target >= %.0f steps/s at the window's thread count\n",
           o->repeats, wt, WINDOW_TARGET);
    qnn_session_opts so;
    qnn_session_opts_default(&so);
    so.instances = 8;
    so.playing = 0;
    qnn_session *s = qnn_session_new(&p, &so, err, sizeof err);
    if (!s) {
        printf("  %s\n\n", err);
        return;
    }
    win_ctx c = {s, 0};
    do_win_step(&c); /* builds the instances */
    variant v[2] = {
        {qnn_simd_max(), 1, 1, do_win_step, &c, 0, NULL, {0, 0, 0, 0}},
        {qnn_simd_max(), 2, 1, do_win_step, &c, 0, NULL, {0, 0, 0, 0}},
    };
    int ok = time_variants(v, 2, o) == 0;
    qnn_session_free(s);
    if (!ok || c.bad) {
        printf("  %s\n\n", ok ? "a step failed" : "out of memory");
        return;
    }
    printf("  %-12s %12s %12s\n", "threads", "steps/s", "median");
    for (int i = 0; i < 2; i++)
        printf("  %-12d %12.4g %12.4g\n", v[i].threads, 1.0 / v[i].st.min, 1.0 / v[i].st.med);
    /* the figure at the window's own thread count (1 or 2 here; more
     * cores than 2 are not timed: the 2-thread row stands for them) */
    const double at = 1.0 / v[wt >= 2 ? 1 : 0].st.min;
    printf("  target >= %.0f steps/s on %d kernel thread(s), as the window runs: %s (%.1f)\n\n", WINDOW_TARGET,
           wt >= 2 ? 2 : 1, at >= WINDOW_TARGET ? "met" : "missed", at);
    json_object_set_new(root, "window",
                        json_pack("{s:s, s:i, s:i, s:o, s:o, s:o, s:o}", "workload", "random n=12 L=64 brickwork(2)",
                                  "instances", 8, "window_threads", wt, "steps_per_s_1_best", bench_jnum(1.0 / v[0].st.min),
                                  "steps_per_s_1_median", bench_jnum(1.0 / v[0].st.med),
                                  "steps_per_s_2_best", bench_jnum(1.0 / v[1].st.min),
                                  "steps_per_s_2_median", bench_jnum(1.0 / v[1].st.med)));
}

/* ------------------------------------------------------------------------ */

static const char *const kernel_ids[] = {"gates", "fusion", "threads", "window"};

int bench_kernel_id(const char *t, size_t k)
{
    for (size_t i = 0; i < sizeof kernel_ids / sizeof kernel_ids[0]; i++)
        if (strlen(kernel_ids[i]) == k && !strncmp(t, kernel_ids[i], k))
            return 1;
    return 0;
}

void bench_section_kernels(const bench_opts *o, json_t *root)
{
    if (bench_selected(o, "gates"))
        section_gates(o, root);
    if (bench_selected(o, "fusion"))
        section_fusion(o, root);
    if (bench_selected(o, "threads"))
        section_threads(o, root);
    if (bench_selected(o, "window"))
        section_window(o, root);
}
