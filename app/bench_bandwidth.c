/* The memory bandwidth of qnn_pauli_rotate against a STREAM-like triad,
 * case by case (X, Z and mixed Pauli strings), for `qnnlab bench`. */
#include "bench_priv.h"
#include "qnn/statevec.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------ */
/* Bandwidth of qnn_pauli_rotate against a triad                            */
/* ------------------------------------------------------------------------ */

#define BW_QUBITS 20

typedef struct bw_case {
    const char *type;   /* X, Z or mixed */
    const char *label;
    const char *pauli;  /* BW_QUBITS letters, most significant qubit first */
} bw_case;

static const bw_case bw_cases[] = {
    {"X", "X on qubit 0", "IIIIIIIIIIIIIIIIIIIX"},
    {"X", "X on qubit 5", "IIIIIIIIIIIIIIXIIIII"},
    {"X", "X on qubit 19", "XIIIIIIIIIIIIIIIIIII"},
    {"X", "X on all", "XXXXXXXXXXXXXXXXXXXX"},
    {"X", "X random", "XIIXXIXIIIXXIXIIXIXX"},
    {"Z", "Z on qubit 0", "IIIIIIIIIIIIIIIIIIIZ"},
    {"Z", "Z on qubit 19", "ZIIIIIIIIIIIIIIIIIII"},
    {"Z", "Z on all", "ZZZZZZZZZZZZZZZZZZZZ"},
    {"Z", "Z random", "ZIIZZIZIIIZZIZIIZIZZ"},
    {"mixed", "Y on all", "YYYYYYYYYYYYYYYYYYYY"},
    {"mixed", "X19 Z0", "XIIIIIIIIIIIIIIIIIIZ"},
    {"mixed", "random 1", "XYZIYXZZIXYZIIZXYZXI"},
    {"mixed", "random 2", "ZZIYXIXXYZIZYIIXZYZY"},
    {"mixed", "random 3", "IZXXYIZIIYZXZYXIIZXZ"},
};
#define NBW ((int)(sizeof bw_cases / sizeof bw_cases[0]))

typedef struct rot_ctx {
    qnn_pauli p;
    qnn_cplx *psi;
} rot_ctx;

static void do_rotate(void *v)
{
    rot_ctx *c = v;
    qnn_pauli_rotate(c->p, BW_QUBITS, 0.3, c->psi);
}

typedef struct triad_ctx {
    size_t n;
    double *a, *b, *c;
    double s;
} triad_ctx;

/* Not inlined and with restrict, so it is vectorised like a STREAM triad. */
static __attribute__((noinline)) void triad(size_t n, double *restrict a,
                                            const double *restrict b,
                                            const double *restrict c, double s)
{
    for (size_t i = 0; i < n; i++)
        a[i] = b[i] + s * c[i];
}

static void do_triad(void *v)
{
    triad_ctx *t = v;
    triad(t->n, t->a, t->b, t->c, t->s);
}

typedef struct bw_result {
    stat3 triad;        /* GB/s (1e9 bytes), all interleaved triad repeats */
    stat3 rot[NBW];     /* GB/s */
    stat3 pct[NBW];     /* per-repeat rotation / triad, % */
    double type_med[3]; /* median over the cases of each type of pct[].med */
    int ok;
} bw_result;

/* Each repeat times the triad and then the rotation back to back, and the
 * percentage is the median of the per-repeat ratios: on a shared machine
 * the bandwidth drifts between measurements taken seconds apart. */
static void run_bandwidth(const bench_opts *o, bw_result *res)
{
    memset(res, 0, sizeof *res);
    const size_t D = (size_t)1 << BW_QUBITS;
    const double state_bytes = (double)D * sizeof(qnn_cplx);
    const size_t N = (size_t)(state_bytes / (3.0 * sizeof(double)));
    const double triad_bytes = 3.0 * sizeof(double) * (double)N;
    const size_t R = (size_t)o->repeats;
    qnn_cplx *psi = aligned_alloc(64, D * sizeof(qnn_cplx));
    double *a = aligned_alloc(64, ((N * sizeof(double) + 63) / 64) * 64);
    double *b = aligned_alloc(64, ((N * sizeof(double) + 63) / 64) * 64);
    double *c = aligned_alloc(64, ((N * sizeof(double) + 63) / 64) * 64);
    double *tri = malloc(R * sizeof(double)), *rot = malloc(R * sizeof(double));
    double *pc = malloc(R * sizeof(double)), *tri_all = malloc(NBW * R * sizeof(double));
    if (!psi || !a || !b || !c || !tri || !rot || !pc || !tri_all)
        goto done;
    const double nrm = 1.0 / sqrt((double)D);
    for (size_t i = 0; i < D; i++)
        psi[i] = CMPLX(nrm * cos(0.001 * (double)i), nrm * sin(0.002 * (double)i));
    for (size_t i = 0; i < N; i++) {
        a[i] = 0.0;
        b[i] = 1.0 + 1e-6 * (double)(i % 1000);
        c[i] = 2.0 - 1e-6 * (double)(i % 777);
    }
    triad_ctx tc = {N, a, b, c, 0.5};
    const long kt = bench_calibrate(do_triad, &tc, o, NULL);

    double pct[3][NBW];
    int np[3] = {0, 0, 0}, nall = 0;
    for (int k = 0; k < NBW; k++) {
        rot_ctx rc;
        if (qnn_pauli_parse(bw_cases[k].pauli, BW_QUBITS, &rc.p) != 0)
            continue;
        rc.psi = psi;
        const long kr = bench_calibrate(do_rotate, &rc, o, NULL);
        for (size_t r = 0; r < R; r++) {
            tri[r] = triad_bytes / bench_timed_repeat(do_triad, &tc, kt, o->min_time) / 1e9;
            rot[r] = 2.0 * state_bytes / bench_timed_repeat(do_rotate, &rc, kr, o->min_time) / 1e9;
            pc[r] = 100.0 * rot[r] / tri[r];
            tri_all[nall++] = tri[r];
        }
        res->rot[k] = bench_stat_of(rot, (int)R);
        res->pct[k] = bench_stat_of(pc, (int)R);
        int t = bw_cases[k].type[0] == 'X' ? 0 : bw_cases[k].type[0] == 'Z' ? 1 : 2;
        pct[t][np[t]++] = res->pct[k].med;
    }
    res->triad = bench_stat_of(tri_all, nall);
    for (int t = 0; t < 3; t++)
        res->type_med[t] = bench_stat_of(pct[t], np[t]).med;
    res->ok = 1;
done:
    free(psi);
    free(a);
    free(b);
    free(c);
    free(tri);
    free(rot);
    free(pc);
    free(tri_all);
}

void bench_section_bandwidth(const bench_opts *o, json_t *root)
{
    if (!bench_selected(o, "bandwidth"))
        return;
    bw_result bw;
    run_bandwidth(o, &bw);
    if (!bw.ok) {
        printf("Bandwidth: out of memory\n\n");
    } else {
        const double mib = (double)((size_t)1 << BW_QUBITS) * sizeof(qnn_cplx) / (1024.0 * 1024.0);
        printf("Memory bandwidth of qnn_pauli_rotate at n = %d (%.0f MiB state; 2 x %.0f MiB moved per call)\n",
               BW_QUBITS, mib, mib);
        printf("  triad a[i] = b[i] + s*c[i], 3 x %.2f MiB, timed next to each case: %.1f GB/s (min %.1f, max %.1f)\n",
               mib / 3.0, bw.triad.med, bw.triad.min, bw.triad.max);
        printf("  %-6s %-14s %-22s %9s %9s %9s %8s\n", "type", "case", "Pauli (qubit 19..0)",
               "GB/s", "min", "max", "% triad");
        json_t *jc = json_array();
        for (int k = 0; k < NBW; k++) {
            printf("  %-6s %-14s %-22s %9.1f %9.1f %9.1f %7.0f%%\n", bw_cases[k].type,
                   bw_cases[k].label, bw_cases[k].pauli, bw.rot[k].med, bw.rot[k].min,
                   bw.rot[k].max, bw.pct[k].med);
            json_array_append_new(jc, json_pack("{s:s, s:s, s:s, s:o, s:o}", "type", bw_cases[k].type,
                                                "label", bw_cases[k].label, "pauli", bw_cases[k].pauli,
                                                "gb_per_s", bench_jstat(bw.rot[k]),
                                                "percent_of_triad", bench_jstat(bw.pct[k])));
        }
        printf("  median %% of triad by type: X %.0f%%, Z %.0f%%, mixed %.0f%%\n\n",
               bw.type_med[0], bw.type_med[1], bw.type_med[2]);
        json_object_set_new(root, "bandwidth",
                            json_pack("{s:i, s:f, s:o, s:o, s:{s:o, s:o, s:o}}", "qubits", BW_QUBITS,
                                      "state_bytes", mib * 1024.0 * 1024.0, "triad_gb_per_s", bench_jstat(bw.triad),
                                      "cases", jc, "median_percent_by_type", "X", bench_jnum(bw.type_med[0]),
                                      "Z", bench_jnum(bw.type_med[1]), "mixed", bench_jnum(bw.type_med[2])));
    }
}
