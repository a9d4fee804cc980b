/* What the files of `qnnlab bench` share: the options, the timing and its
 * statistics, the machine, the workload and its result, the ids --only
 * accepts, and the bench_ functions one file defines and another calls.
 * Private to app/bench*.c. */
#ifndef QNN_BENCH_PRIV_H
#define QNN_BENCH_PRIV_H

#include "qnn/instance.h"

#include <jansson.h>

/* OpenBLAS; its cblas.h clashes with GSL's, so declared here. */
void openblas_set_num_threads(int);
char *openblas_get_corename(void);
char *openblas_get_config(void);

typedef struct bench_opts {
    int quick;
    int repeats;
    double min_time;     /* seconds per timed repeat */
    double warm_time;    /* seconds of untimed warm-up */
    int scaling;
    const char *only;    /* comma list of workload ids, NULL = all */
    const char *json;
} bench_opts;

typedef struct stat3 {
    double med, min, max;
    int n;
} stat3;

typedef void (*work_fn)(void *ctx);

/* In --quick mode a call slower than this is timed once, without warm-up. */
#define SLOW_CALL_S 2.0

typedef struct machine {
    char cpu[256];
    long cores;
    double mem_total, mem_avail; /* bytes */
    char blas[128];
} machine;

#define MAX_SETS 12

typedef struct workload {
    char id[48];
    char label[64];
    const char *sets[MAX_SETS]; /* key=value, NULL-terminated */
    char extra[2][32];          /* generated key=value pairs (scaling) */
    int plain_eval;             /* 1: the step's eval skips the eigenvalues */
} workload;

/* --only id of the asymptotic fits (also run by --scaling) */
#define ASYM_SCALING_ID "asym-scaling"

typedef struct wl_result {
    const workload *w;
    int status;            /* 0 measured, 1 skipped (memory), -1 failed */
    char note[256];
    double bytes;          /* qnn_params_instance_bytes */
    double build_s;
    int m, L;
    long D;
    stat3 sps;             /* steps per second */
    stat3 step_ms;
    stat3 grad_ms, fwd_ms; /* qnn_instance_eval, qnn_instance_residuals_at */
    double ratio;          /* median grad / median fwd */
    long calls;            /* steps per timed repeat */
} wl_result;

#define HESSIAN_ID "hessian"

#define ENTROPY_ID "entropy"

/* bench_timing.c */
/* Seconds on CLOCK_MONOTONIC. */
double bench_now_s(void);

/* Median, min and max of v[0..n) (NaN when n <= 0 or out of memory). */
stat3 bench_stat_of(const double *v, int n);

/* Seconds per call over k calls of f, topped up with more calls until at
 * least min_time has passed (the warm-up may have overestimated the cost). */
double bench_timed_repeat(work_fn f, void *ctx, long k, double min_time);

/* Untimed warm-up of warm_time (at least one call); returns the number of
 * calls that lasts min_time, and the seconds per call in *per if not NULL. */
long bench_calibrate(work_fn f, void *ctx, const bench_opts *o, double *per_out);

/* Times f: an untimed warm-up of warm_time (at least one call; none when
 * !warm), then timed repeats of k calls each, k chosen so that a repeat
 * lasts at least min_time (a repeat that comes out short is topped up).
 * sec[i] = seconds per call in repeat i. Returns the number of repeats:
 * o->repeats, or 1 in --quick mode when one call takes over SLOW_CALL_S.
 * *calls (if not NULL) = k. */
int bench_time_calls(work_fn f, void *ctx, const bench_opts *o, int warm, double *sec, long *calls);

/* The /proc/meminfo line `key` in bytes (0 when absent). */
double bench_meminfo_bytes(const char *key);

/* CPU model, cores online, memory and BLAS kernels of this machine. */
void bench_machine_probe(machine *m);

/* Bytes in GiB. */
static inline double bench_gib(double b) { return b / (1024.0 * 1024.0 * 1024.0); }

/* bench_kernels.c */
/* 1 when workload `id` runs: no --only, or listed in it. */
int bench_selected(const bench_opts *o, const char *id);

/* Every id of the --only list names a workload: 0, or -1 with the refusal
 * printed. */
int bench_check_only(const char *only);

/* The reference workloads: a table of steps per second and one of the
 * gradient's cost against a forward pass; their JSON appended to jw. 1 when
 * one failed, else 0. */
int bench_section_reference(const bench_opts *o, const machine *mc, json_t *jw);

/* The asymptotic dynamics' workloads, timed interleaved, and the midpoint
 * step's cost against the Cayley step's at d = 256 (root's "asymptotic");
 * their JSON appended to jw. 1 when one failed, else 0. */
int bench_section_asymptotic(const bench_opts *o, const machine *mc, json_t *jw, json_t *root);

/* --scaling: a random-circuit step against D and L (root's "scaling"). */
void bench_section_scaling(const bench_opts *o, const machine *mc, json_t *root);

/* --scaling (or --only asym-scaling): the asymptotic step's cost against d
 * and m, with log-log fits (root's "asymptotic_scaling"). */
void bench_section_asym_scaling(const bench_opts *o, const machine *mc, json_t *root);

/* bench_bandwidth.c */
/* The bandwidth of qnn_pauli_rotate against the triad (root's
 * "bandwidth"). */
void bench_section_bandwidth(const bench_opts *o, json_t *root);

/* bench_gates.c */
/* 1 when the k characters at t name one of its sections (gates, fusion,
 * threads, window). */
int bench_kernel_id(const char *t, size_t k);

/* The state-vector kernels: the dense 2-qubit gate per pair and SIMD level
 * (root's "gates"), a brickwork layer gate by gate and fused ("fusion"), a
 * brickwork step on 1 and 2 kernel threads ("threads") and the live
 * window's engine rate ("window"), each when selected. */
void bench_section_kernels(const bench_opts *o, json_t *root);

/* bench_observers.c */
/* The entanglement observer and its parts (root's "entropy"). 1 when a
 * case failed, else 0. */
int bench_section_entropy(const bench_opts *o, json_t *root);

/* Hessian spectra, exact and SLQ (root's "hessian"). */
void bench_section_hessian(const bench_opts *o, json_t *root);

/* bench_report.c */
/* v as a JSON real, null when not finite. */
json_t *bench_jnum(double v);

/* {median, min, max, repeats} of s. */
json_t *bench_jstat(stat3 s);

/* A workload's id, label, settings, status and (when measured) its
 * numbers. */
json_t *bench_jworkload(const wl_result *r);

/* Checks before any timing that the file can be written there (and that
 * PATH is not a device, a FIFO or a directory). */
int bench_json_probe(const char *path);

/* Writes root to path, whole or not at all: the file is either the old one
 * or complete. */
int bench_write_json_atomic(json_t *root, const char *path);

/* A workload's row of the steps-per-second table (or its note). */
void bench_print_workload_row(const wl_result *r);

#endif
