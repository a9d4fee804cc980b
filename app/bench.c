/* qnnlab bench: steps per second of the engine's reference workloads, the
 * cost of a gradient against a forward pass, the memory bandwidth of the
 * Pauli rotation against a triad loop, steps per second of the asymptotic
 * dynamics dM/dt = [B, M] (YOU23 Eq. 119), the cost of the entanglement
 * observer (spectrum of ρ_v, entropy, trace distance), and (with
 * --scaling) the scaling of a random-circuit step with D and L and log-log
 * fits of the asymptotic step's cost against d and m. Single-threaded
 * throughout; see docs/PERFORMANCE.md.
 *
 * Every number is the median (with min and max) of `repeats` timed
 * repeats; each repeat runs enough calls to last at least `min_time`
 * seconds (CLOCK_MONOTONIC), after an untimed warm-up. Only the public
 * engine API is used: instances are built with qnn_params_default +
 * qnn_params_set + qnn_instance_new, one step is qnn_instance_eval +
 * qnn_instance_step (the asymptotic model: qnn_instance_eval without
 * eigenvalues, see asym_reference); the observer is timed through
 * qnn/entangle.h, and its two parts on their own with the same CBLAS
 * (GSL's cblas.h) and GSL eigensolver calls the engine makes. */
#include "afile.h"
#include "command.h"
#include "runner.h"
#include "qnn/entangle.h"
#include "qnn/hessian.h"
#include "qnn/instance.h"
#include "qnn/params.h"
#include "qnn/statevec.h"

#include <errno.h>
#include <gsl/gsl_cblas.h>
#include <gsl/gsl_eigen.h>
#include <gsl/gsl_fit.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_statistics_double.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifndef QNN_VERSION
#define QNN_VERSION "0.0.0"
#endif

/* OpenBLAS; its cblas.h clashes with GSL's, so declared here. */
void openblas_set_num_threads(int);
char *openblas_get_corename(void);
char *openblas_get_config(void);

/* ------------------------------------------------------------------------ */
/* Settings, timing, statistics                                             */
/* ------------------------------------------------------------------------ */

typedef struct bench_opts {
    int quick;
    int repeats;
    double min_time;     /* seconds per timed repeat */
    double warm_time;    /* seconds of untimed warm-up */
    int scaling;
    const char *only;    /* comma list of workload ids, NULL = all */
    const char *json;
} bench_opts;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

typedef struct stat3 {
    double med, min, max;
    int n;
} stat3;

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static stat3 stat_of(const double *v, int n)
{
    stat3 s = {NAN, NAN, NAN, n};
    if (n <= 0)
        return s;
    double *t = malloc((size_t)n * sizeof *t);
    if (!t)
        return s;
    memcpy(t, v, (size_t)n * sizeof *t);
    qsort(t, (size_t)n, sizeof *t, cmp_double);
    s.min = t[0];
    s.max = t[n - 1];
    s.med = n % 2 ? t[n / 2] : 0.5 * (t[n / 2 - 1] + t[n / 2]);
    free(t);
    return s;
}

typedef void (*work_fn)(void *ctx);

/* In --quick mode a call slower than this is timed once, without warm-up. */
#define SLOW_CALL_S 2.0

/* Seconds per call over k calls of f, topped up with more calls until at
 * least min_time has passed (the warm-up may have overestimated the cost). */
static double timed_repeat(work_fn f, void *ctx, long k, double min_time)
{
    double a = now_s();
    for (long i = 0; i < k; i++)
        f(ctx);
    double b = now_s();
    long done = k;
    while (b - a < min_time) {
        f(ctx);
        done++;
        b = now_s();
    }
    return (b - a) / (double)done;
}

/* Untimed warm-up of warm_time (at least one call); returns the number of
 * calls that lasts min_time, and the seconds per call in *per if not NULL. */
static long calibrate(work_fn f, void *ctx, const bench_opts *o, double *per_out)
{
    long nw = 0;
    double t0 = now_s(), t;
    do {
        f(ctx);
        nw++;
        t = now_s();
    } while (t - t0 < o->warm_time);
    const double per = (t - t0) / (double)nw;
    if (per_out)
        *per_out = per;
    long k = per > 0.0 ? (long)ceil(o->min_time / per) : 1;
    return k < 1 ? 1 : k;
}

/* Times f: an untimed warm-up of warm_time (at least one call; none when
 * !warm), then timed repeats of k calls each, k chosen so that a repeat
 * lasts at least min_time (a repeat that comes out short is topped up).
 * sec[i] = seconds per call in repeat i. Returns the number of repeats:
 * o->repeats, or 1 in --quick mode when one call takes over SLOW_CALL_S.
 * *calls (if not NULL) = k. */
static int time_calls(work_fn f, void *ctx, const bench_opts *o, int warm, double *sec, long *calls)
{
    int reps = o->repeats, r = 0;
    double per;
    if (warm) {
        calibrate(f, ctx, o, &per);
    } else {
        /* the first call is the calibration; it counts when it is long enough */
        double a = now_s();
        f(ctx);
        per = now_s() - a;
        if (per >= o->min_time)
            sec[r++] = per;
    }
    if (o->quick && per > SLOW_CALL_S)
        reps = 1;
    long k = per > 0.0 ? (long)ceil(o->min_time / per) : 1;
    if (k < 1)
        k = 1;
    if (calls)
        *calls = k;
    for (; r < reps; r++)
        sec[r] = timed_repeat(f, ctx, k, o->min_time);
    return reps;
}

/* ------------------------------------------------------------------------ */
/* Machine                                                                  */
/* ------------------------------------------------------------------------ */

typedef struct machine {
    char cpu[256];
    long cores;
    double mem_total, mem_avail; /* bytes */
    char blas[128];
} machine;

static double meminfo_bytes(const char *key)
{
    FILE *f = fopen("/proc/meminfo", "r");
    if (!f)
        return 0.0;
    char line[256];
    double v = 0.0;
    size_t kl = strlen(key);
    while (fgets(line, sizeof line, f))
        if (!strncmp(line, key, kl) && line[kl] == ':') {
            v = strtod(line + kl + 1, NULL) * 1024.0;
            break;
        }
    fclose(f);
    return v;
}

static void machine_probe(machine *m)
{
    memset(m, 0, sizeof *m);
    snprintf(m->cpu, sizeof m->cpu, "unknown CPU");
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (f) {
        char line[512];
        while (fgets(line, sizeof line, f)) {
            if (!strncmp(line, "model name", 10)) {
                char *c = strchr(line, ':');
                if (c) {
                    c++;
                    while (*c == ' ' || *c == '\t')
                        c++;
                    size_t l = strcspn(c, "\n");
                    snprintf(m->cpu, sizeof m->cpu, "%.*s", (int)l, c);
                }
                break;
            }
        }
        fclose(f);
    }
    m->cores = sysconf(_SC_NPROCESSORS_ONLN);
    m->mem_total = meminfo_bytes("MemTotal");
    m->mem_avail = meminfo_bytes("MemAvailable");
    const char *core = openblas_get_corename();
    snprintf(m->blas, sizeof m->blas, "OpenBLAS (%s kernels)", core ? core : "?");
}

static double gib(double b) { return b / (1024.0 * 1024.0 * 1024.0); }

/* ------------------------------------------------------------------------ */
/* Workloads                                                                */
/* ------------------------------------------------------------------------ */

#define MAX_SETS 12

typedef struct workload {
    char id[48];
    char label[64];
    const char *sets[MAX_SETS]; /* key=value, NULL-terminated */
    char extra[2][32];          /* generated key=value pairs (scaling) */
    int plain_eval;             /* 1: the step's eval skips the eigenvalues */
} workload;

static const workload reference[] = {
    {"random_n4_L64_haar", "random n=4 L=64 haar",
     {"model=random", "n=4", "L=64", "entangler=haar", NULL}, {"", ""}, 0},
    {"random_n10_L200_haar", "random n=10 L=200 haar",
     {"model=random", "n=10", "L=200", "entangler=haar", NULL}, {"", ""}, 0},
    {"random_n16_L200_bw2", "random n=16 L=200 brickwork(2)",
     {"model=random", "n=16", "L=200", "entangler=brickwork", "depth=2", NULL}, {"", ""}, 0},
    {"random_n20_L200_bw2", "random n=20 L=200 brickwork(2)",
     {"model=random", "n=20", "L=200", "entangler=brickwork", "depth=2", NULL}, {"", ""}, 0},
    {"periodic_d64_p80_m4", "periodic d=64 p=80 m=4",
     {"model=periodic", "d=64", "p=80", "m=4", "gamma=1", "eta=1e-3", "eta_per_L=1", NULL}, {"", ""}, 0},
    {"periodic_d256_p80_m4", "periodic d=256 p=80 m=4",
     {"model=periodic", "d=256", "p=80", "m=4", "gamma=1", "eta=1e-3", "eta_per_L=1", NULL}, {"", ""}, 0},
    /* OME's quantum Boltzmann machine: 435 C1 coefficients, dense Gibbs
     * state (LAPACK zheevd) and the exact Duhamel gradient */
    {"qbm_n10", "qbm n=10 (435 terms)",
     {"model=qbm", "n=10", "n_h=5", "resample=all", "beta=1", "O0=-1", NULL}, {"", ""}, 0},
};
#define NREF ((int)(sizeof reference / sizeof reference[0]))

/* The asymptotic dynamics (YOU23 Eq. 119): M(0) = γ U diag(±1) U† with U
 * Haar (Eq. 120), m basis inputs with ±1 labels, time step h = eta. One
 * step is qnn_instance_eval(want_eigen = 0) + qnn_instance_step: the
 * residuals, the m x m kernel and one Cayley (or midpoint) step, all
 * O(m d²). With want_eigen the eval also computes the spectral drift, a
 * full d x d eigen-decomposition (O(d³)) that a run does only every
 * kernel_every steps; it is an observer, not part of the dynamics. */
#define ASYM_COMMON "model=asymptotic", "gamma=2", "eta=1e-3", "eta_per_L=0", "m0_init=haar"
static const workload asym_reference[] = {
    {"asym-d64", "asymptotic d=64 m=4 cayley",
     {ASYM_COMMON, "d=64", "m=4", "integrator=cayley", NULL}, {"", ""}, 1},
    {"asym-d256", "asymptotic d=256 m=4 cayley",
     {ASYM_COMMON, "d=256", "m=4", "integrator=cayley", NULL}, {"", ""}, 1},
    {"asym-d1024", "asymptotic d=1024 m=4 cayley",
     {ASYM_COMMON, "d=1024", "m=4", "integrator=cayley", NULL}, {"", ""}, 1},
    {"asym-mid-d256", "asymptotic d=256 m=4 midpoint",
     {ASYM_COMMON, "d=256", "m=4", "integrator=midpoint", NULL}, {"", ""}, 1},
};
#define NASYM ((int)(sizeof asym_reference / sizeof asym_reference[0]))
#define ASYM_D256 1     /* asym_reference[] index of the Cayley d = 256 */
#define ASYM_MID_D256 3 /* and of the midpoint one */

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

typedef struct step_ctx {
    qnn_instance *in;
    int want_eigen;
    double *theta, *r;
    int bad;
} step_ctx;

static void do_step(void *v)
{
    step_ctx *c = v;
    qnn_obs o;
    if (qnn_instance_eval(c->in, c->want_eigen, &o) != 0)
        c->bad = 1;
    qnn_instance_step(c->in);
}

static void do_grad(void *v)
{
    step_ctx *c = v;
    qnn_obs o;
    if (qnn_instance_eval(c->in, 0, &o) != 0)
        c->bad = 1;
}

static void do_fwd(void *v)
{
    step_ctx *c = v;
    qnn_instance_residuals_at(c->in, c->theta, c->r);
}

static int build_params(const workload *w, qnn_params *p, char *err, size_t errlen)
{
    qnn_params_default(p);
    const char *all[MAX_SETS + 2];
    int k = 0;
    for (int i = 0; i < MAX_SETS && w->sets[i]; i++)
        all[k++] = w->sets[i];
    for (int i = 0; i < 2; i++)
        if (w->extra[i][0])
            all[k++] = w->extra[i];
    for (int i = 0; i < k; i++) {
        char key[64];
        const char *eq = strchr(all[i], '=');
        size_t kl = eq ? (size_t)(eq - all[i]) : 0;
        if (!eq || kl >= sizeof key) {
            snprintf(err, errlen, "bad workload setting '%s'", all[i]);
            return -1;
        }
        memcpy(key, all[i], kl);
        key[kl] = '\0';
        if (qnn_params_set(p, key, eq + 1, err, errlen) != 0)
            return -1;
    }
    p->instances = 1;
    p->threads = 1;
    p->steps = 0;
    return qnn_params_check(p, 0, err, errlen);
}

/* Starts res for w and builds its instance (timed into res->build_s).
 * NULL, with res->status and res->note set, when the parameters are wrong,
 * the instance would not fit in memory (skipped) or building failed. */
static qnn_instance *build_workload(const workload *w, const machine *mc, wl_result *res)
{
    memset(res, 0, sizeof *res);
    res->w = w;
    res->sps = res->step_ms = res->grad_ms = res->fwd_ms = (stat3){NAN, NAN, NAN, 0};
    res->ratio = NAN;
    char err[512];
    qnn_params p;
    if (build_params(w, &p, err, sizeof err) != 0) {
        res->status = -1;
        snprintf(res->note, sizeof res->note, "%s", err);
        return NULL;
    }
    res->bytes = (double)qnn_params_instance_bytes(&p);
    res->D = 1L << p.n;
    /* Leave a tenth of what is available to everything else. */
    double avail = meminfo_bytes("MemAvailable");
    if (avail <= 0.0)
        avail = mc->mem_avail;
    if (avail > 0.0 && res->bytes > 0.9 * avail) {
        res->status = 1;
        snprintf(res->note, sizeof res->note,
                 "skipped: needs %.2f GiB, %.2f GiB available", gib(res->bytes), gib(avail));
        return NULL;
    }
    if (res->bytes > 1024.0 * 1024.0 * 1024.0)
        snprintf(res->note, sizeof res->note, "needs %.2f GiB, %.2f GiB available: fits",
                 gib(res->bytes), gib(avail));
    double t0 = now_s();
    qnn_instance *in = qnn_instance_new(&p, 0, NULL, err, sizeof err);
    res->build_s = now_s() - t0;
    if (!in) {
        res->status = -1;
        snprintf(res->note, sizeof res->note, "%s", err);
        return NULL;
    }
    qnn_instance_theta(in, &res->L);
    qnn_instance_residuals(in, &res->m);
    return in;
}

/* Builds one instance and measures it. want_ratio: also time the gradient
 * and the forward pass on their own. */
static void run_workload(const workload *w, const bench_opts *o, const machine *mc,
                         int want_ratio, wl_result *res)
{
    qnn_instance *in = build_workload(w, mc, res);
    if (!in)
        return;
    const double *th = qnn_instance_theta(in, NULL);
    step_ctx c = {in, !w->plain_eval, NULL, NULL, 0};
    /* (the asymptotic model has no angles: L = 0) */
    c.theta = malloc((size_t)(res->L > 0 ? res->L : 1) * sizeof(double));
    c.r = malloc((size_t)(res->m > 0 ? res->m : 1) * sizeof(double));
    double *sec = malloc((size_t)o->repeats * sizeof(double));
    double *rate = malloc((size_t)o->repeats * sizeof(double));
    if (!c.theta || !c.r || !sec || !rate) {
        res->status = -1;
        snprintf(res->note, sizeof res->note, "out of memory");
        goto done;
    }

    int nr = time_calls(do_step, &c, o, 1, sec, &res->calls);
    const int nr_steps = nr;
    for (int i = 0; i < nr; i++) {
        rate[i] = 1.0 / sec[i];
        sec[i] *= 1e3;
    }
    res->sps = stat_of(rate, nr);
    res->step_ms = stat_of(sec, nr);

    if (want_ratio && res->L > 0) {
        /* The instance is warm from the steps; slow ones skip the warm-up. */
        const int warm = res->step_ms.med < 1e3 * SLOW_CALL_S;
        memcpy(c.theta, th, (size_t)res->L * sizeof(double));
        nr = time_calls(do_grad, &c, o, warm, sec, NULL);
        for (int i = 0; i < nr; i++)
            sec[i] *= 1e3;
        res->grad_ms = stat_of(sec, nr);
        nr = time_calls(do_fwd, &c, o, warm, sec, NULL);
        for (int i = 0; i < nr; i++)
            sec[i] *= 1e3;
        res->fwd_ms = stat_of(sec, nr);
        res->ratio = res->grad_ms.med / res->fwd_ms.med;
    }
    if (nr_steps == 1 && o->repeats > 1) {
        size_t l = strlen(res->note);
        snprintf(res->note + l, sizeof res->note - l, "%stimed once (--quick, over %.0f s per call)",
                 l ? "; " : "", SLOW_CALL_S);
    }
    if (c.bad)
        snprintf(res->note, sizeof res->note, "diverged during the timing (values not finite)");
done:
    free(c.theta);
    free(c.r);
    free(sec);
    free(rate);
    qnn_instance_free(in);
}

/* Like run_workload (steps only, no ratio) for n workloads together: all
 * are built and calibrated first, then their repeats are interleaved
 * (repeat r of every workload, then repeat r + 1), so that a slow spell of
 * the shared machine hits every workload alike and ratios between them
 * hold. ms (n x repeats, if not NULL) receives the ms per step of every
 * repeat; NAN where a workload was not measured. */
static void run_interleaved(const workload *const *w, int n, const bench_opts *o, const machine *mc,
                            wl_result *res, double *ms)
{
    const int R = o->repeats;
    qnn_instance **in = calloc((size_t)n, sizeof *in);
    step_ctx *c = calloc((size_t)n, sizeof *c);
    double *sec = malloc((size_t)n * (size_t)R * sizeof(double));
    double *rate = malloc((size_t)R * sizeof(double));
    if (!in || !c || !sec || !rate) {
        for (int i = 0; i < n; i++) {
            memset(&res[i], 0, sizeof res[i]);
            res[i].w = w[i];
            res[i].status = -1;
            res[i].sps = res[i].step_ms = res[i].grad_ms = res[i].fwd_ms = (stat3){NAN, NAN, NAN, 0};
            res[i].ratio = NAN;
            snprintf(res[i].note, sizeof res[i].note, "out of memory");
            for (int r = 0; ms && r < R; r++)
                ms[i * R + r] = NAN;
        }
        goto done;
    }
    for (int i = 0; i < n; i++) {
        qnn_instance *q = build_workload(w[i], mc, &res[i]);
        if (!q)
            continue;
        in[i] = q;
        c[i] = (step_ctx){q, !w[i]->plain_eval, NULL, NULL, 0};
        res[i].calls = calibrate(do_step, &c[i], o, NULL);
    }
    for (int r = 0; r < R; r++)
        for (int i = 0; i < n; i++)
            if (in[i])
                sec[i * R + r] = timed_repeat(do_step, &c[i], res[i].calls, o->min_time);
    for (int i = 0; i < n; i++) {
        for (int r = 0; ms && r < R; r++)
            ms[i * R + r] = in[i] ? 1e3 * sec[i * R + r] : NAN;
        if (!in[i])
            continue;
        double *s = sec + (size_t)i * (size_t)R;
        for (int r = 0; r < R; r++) {
            rate[r] = 1.0 / s[r];
            s[r] *= 1e3;
        }
        res[i].sps = stat_of(rate, R);
        res[i].step_ms = stat_of(s, R);
        if (c[i].bad)
            snprintf(res[i].note, sizeof res[i].note, "diverged during the timing (values not finite)");
        qnn_instance_free(in[i]);
    }
done:
    free(in);
    free(c);
    free(sec);
    free(rate);
}

static int selected(const bench_opts *o, const char *id)
{
    if (!o->only)
        return 1;
    size_t l = strlen(id);
    for (const char *s = o->only; *s;) {
        size_t k = strcspn(s, ",");
        if (k == l && !strncmp(s, id, l))
            return 1;
        s += k;
        if (*s == ',')
            s++;
    }
    return 0;
}

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
    const long kt = calibrate(do_triad, &tc, o, NULL);

    double pct[3][NBW];
    int np[3] = {0, 0, 0}, nall = 0;
    for (int k = 0; k < NBW; k++) {
        rot_ctx rc;
        if (qnn_pauli_parse(bw_cases[k].pauli, BW_QUBITS, &rc.p) != 0)
            continue;
        rc.psi = psi;
        const long kr = calibrate(do_rotate, &rc, o, NULL);
        for (size_t r = 0; r < R; r++) {
            tri[r] = triad_bytes / timed_repeat(do_triad, &tc, kt, o->min_time) / 1e9;
            rot[r] = 2.0 * state_bytes / timed_repeat(do_rotate, &rc, kr, o->min_time) / 1e9;
            pc[r] = 100.0 * rot[r] / tri[r];
            tri_all[nall++] = tri[r];
        }
        res->rot[k] = stat_of(rot, (int)R);
        res->pct[k] = stat_of(pc, (int)R);
        int t = bw_cases[k].type[0] == 'X' ? 0 : bw_cases[k].type[0] == 'Z' ? 1 : 2;
        pct[t][np[t]++] = res->pct[k].med;
    }
    res->triad = stat_of(tri_all, nall);
    for (int t = 0; t < 3; t++)
        res->type_med[t] = stat_of(pct[t], np[t]).med;
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

/* ------------------------------------------------------------------------ */
/* Output                                                                   */
/* ------------------------------------------------------------------------ */

static json_t *jnum(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

static json_t *jstat(stat3 s)
{
    return json_pack("{s:o, s:o, s:o, s:i}", "median", jnum(s.med), "min", jnum(s.min),
                     "max", jnum(s.max), "repeats", s.n);
}

static json_t *jworkload(const wl_result *r)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_string(r->w->id));
    json_object_set_new(o, "label", json_string(r->w->label));
    json_t *sets = json_array();
    for (int i = 0; i < MAX_SETS && r->w->sets[i]; i++)
        json_array_append_new(sets, json_string(r->w->sets[i]));
    for (int i = 0; i < 2; i++)
        if (r->w->extra[i][0])
            json_array_append_new(sets, json_string(r->w->extra[i]));
    json_object_set_new(o, "settings", sets);
    json_object_set_new(o, "status", json_string(r->status == 0 ? "measured" : r->status > 0 ? "skipped" : "failed"));
    if (r->note[0])
        json_object_set_new(o, "note", json_string(r->note));
    json_object_set_new(o, "instance_bytes", jnum(r->bytes));
    if (r->status != 0)
        return o;
    json_object_set_new(o, "D", json_integer(r->D));
    json_object_set_new(o, "L", json_integer(r->L));
    json_object_set_new(o, "m", json_integer(r->m));
    json_object_set_new(o, "build_s", jnum(r->build_s));
    json_object_set_new(o, "steps_per_repeat", json_integer(r->calls));
    json_object_set_new(o, "steps_per_s", jstat(r->sps));
    json_object_set_new(o, "ms_per_step", jstat(r->step_ms));
    if (r->grad_ms.n) {
        json_object_set_new(o, "gradient_ms", jstat(r->grad_ms));
        json_object_set_new(o, "forward_ms", jstat(r->fwd_ms));
        json_object_set_new(o, "gradient_over_forward", jnum(r->ratio));
    }
    return o;
}

/* ------------------------------------------------------------------------ */
/* Asymptotic dynamics: cost of a step against d and m                      */
/* ------------------------------------------------------------------------ */

#define FIT_MAX 8

/* One sweep: the Cayley step at d = x[i] (m fixed) or m = x[i] (d fixed),
 * and the least-squares line log(ms/step) = c0 + c1 log x through the
 * medians (gsl_fit_linear). c1 is the exponent of the cost. The points of
 * a sweep are timed interleaved (run_interleaved), so that a slow spell of
 * the shared machine does not bend the line. */
typedef struct asym_fit {
    int vary_m;           /* 0: x is d; 1: x is m */
    int fixed;            /* m (vary_m = 0) or d (vary_m = 1) */
    int npts;
    int x[FIT_MAX];
    workload w[FIT_MAX];
    wl_result r[FIT_MAX];
    int nfit;             /* points measured and fitted */
    double slope, slope_se, intercept, r2;
    /* vary_m: also the straight line ms/step = lin0 + lin1 m (gsl_fit_linear
     * on the medians): lin0 is the part every m pays (the passes over M),
     * lin1 the cost per training state */
    double lin0, lin1;
} asym_fit;

static const char *const asym_fit_sets[] = {ASYM_COMMON, "integrator=cayley", NULL};

static void asym_fit_row(const wl_result *r, double per)
{
    if (r->status != 0) {
        printf("  %-32s %s\n", r->w->label, r->note);
    } else {
        printf("  %-32s %10.4g %10.4g %10.4g %11.4g %12.3f\n", r->w->label, r->sps.med, r->sps.min,
               r->sps.max, r->step_ms.med, per);
        if (r->note[0])
            printf("  %-32s note: %s\n", "", r->note);
    }
    fflush(stdout);
}

/* ns per step divided by m d² */
static double asym_per_md2(const wl_result *r, int d, int m)
{
    return r->step_ms.med * 1e6 / ((double)m * (double)d * (double)d);
}

static void run_asym_fit(asym_fit *f, const bench_opts *o, const machine *mc)
{
    double lx[FIT_MAX], ly[FIT_MAX], px[FIT_MAX], py[FIT_MAX];
    const workload *wp[FIT_MAX];
    f->slope = f->slope_se = f->intercept = f->r2 = f->lin0 = f->lin1 = NAN;
    f->nfit = 0;
    for (int i = 0; i < f->npts; i++) {
        const int d = f->vary_m ? f->fixed : f->x[i], m = f->vary_m ? f->x[i] : f->fixed;
        workload *w = &f->w[i];
        memset(w, 0, sizeof *w);
        snprintf(w->id, sizeof w->id, "asym-scaling-d%d-m%d", d, m);
        snprintf(w->label, sizeof w->label, "asymptotic d=%d m=%d cayley", d, m);
        for (int j = 0; asym_fit_sets[j] && j < MAX_SETS - 1; j++)
            w->sets[j] = asym_fit_sets[j];
        snprintf(w->extra[0], sizeof w->extra[0], "d=%d", d);
        snprintf(w->extra[1], sizeof w->extra[1], "m=%d", m);
        w->plain_eval = 1;
        wp[i] = w;
    }
    run_interleaved(wp, f->npts, o, mc, f->r, NULL);
    int k = 0;
    for (int i = 0; i < f->npts; i++) {
        const int d = f->vary_m ? f->fixed : f->x[i], m = f->vary_m ? f->x[i] : f->fixed;
        asym_fit_row(&f->r[i], asym_per_md2(&f->r[i], d, m));
        const double t = f->r[i].step_ms.med;
        if (f->r[i].status == 0 && isfinite(t) && t > 0.0) {
            px[k] = (double)f->x[i];
            py[k] = t;
            lx[k] = log(px[k]);
            ly[k] = log(t);
            k++;
        }
    }
    f->nfit = k;
    if (k < 3)
        return;
    double c0, c1, cov00, cov01, cov11, sumsq;
    if (gsl_fit_linear(lx, 1, ly, 1, (size_t)k, &c0, &c1, &cov00, &cov01, &cov11, &sumsq) != 0)
        return;
    const double tss = gsl_stats_tss(ly, 1, (size_t)k);
    f->slope = c1;
    f->slope_se = sqrt(cov11);
    f->intercept = c0;
    f->r2 = tss > 0.0 ? 1.0 - sumsq / tss : NAN;
    if (f->vary_m &&
        gsl_fit_linear(px, 1, py, 1, (size_t)k, &c0, &c1, &cov00, &cov01, &cov11, &sumsq) == 0) {
        f->lin0 = c0;
        f->lin1 = c1;
    }
}

static json_t *jasym_fit(const asym_fit *f)
{
    json_t *pts = json_array();
    for (int i = 0; i < f->npts; i++) {
        const int d = f->vary_m ? f->fixed : f->x[i], m = f->vary_m ? f->x[i] : f->fixed;
        json_t *j = jworkload(&f->r[i]);
        if (f->r[i].status == 0)
            json_object_set_new(j, "ns_per_m_d2", jnum(asym_per_md2(&f->r[i], d, m)));
        json_array_append_new(pts, j);
    }
    json_t *j = json_pack("{s:s, s:i, s:s, s:o, s:o, s:o, s:o, s:i}", "against", f->vary_m ? "m" : "d",
                          f->vary_m ? "d" : "m", f->fixed,
                          "fit", "gsl_fit_linear: log(median ms/step) = intercept + exponent * log(x)",
                          "exponent", jnum(f->slope), "exponent_stderr", jnum(f->slope_se),
                          "intercept", jnum(f->intercept), "r2", jnum(f->r2), "points_fitted", f->nfit);
    if (f->vary_m)
        json_object_set_new(j, "linear_fit",
                            json_pack("{s:s, s:o, s:o}", "fit",
                                      "gsl_fit_linear: median ms/step = ms_fixed + ms_per_state * m",
                                      "ms_fixed", jnum(f->lin0), "ms_per_state", jnum(f->lin1)));
    json_object_set_new(j, "points", pts);
    return j;
}

static void print_asym_fit(const asym_fit *f, const char *expect)
{
    const char *v = f->vary_m ? "m" : "d";
    if (f->nfit < 3) {
        printf("  fit against %s: too few points measured (%d)\n", v, f->nfit);
        return;
    }
    printf("  fit against %s (%s = %d, %d points): time per step ~ %s^%.3f (standard error %.3f, R^2 = %.4f); %s\n",
           v, f->vary_m ? "d" : "m", f->fixed, f->nfit, v, f->slope, f->slope_se, f->r2, expect);
    if (f->vary_m && isfinite(f->lin1))
        printf("  straight line: ms/step = %.4g + %.4g m (the first term: passes over M that every m pays)\n",
               f->lin0, f->lin1);
}

/* ------------------------------------------------------------------------ */
/* Hessian of the loss: exact (parameter shift / R-operator) and SLQ        */
/* ------------------------------------------------------------------------ */

#define HESSIAN_ID "hessian"

typedef struct hess_case {
    const char *label;
    const char *sets[12];
    int slq;              /* 0 exact: matrix + gsl_eigen_symm; 1 SLQ */
    int probes, steps;
} hess_case;

static const hess_case hess_cases[] = {
    {"random n=6 L=64 exact", {"model=random", "n=6", "L=64", "hessian=exact", NULL}, 0, 0, 0},
    {"random n=6 L=256 exact", {"model=random", "n=6", "L=256", "hessian=exact", NULL}, 0, 0, 0},
    {"random n=6 L=1024 exact", {"model=random", "n=6", "L=1024", "hessian=exact", NULL}, 0, 0, 0},
    {"random n=6 L=1024 SLQ 4x40", {"model=random", "n=6", "L=1024", "hessian=slq", NULL}, 1, 4, 40},
    {"mlp 4-96-96-1 m=100 exact", {"model=mlp", "data=teacher", "n_in=4", "width=96", "L=2", "m=100",
                                   "hessian=slq", NULL}, 1, 0, 0},
    {"mlp 4-96-96-1 m=100 SLQ 10x80", {"model=mlp", "data=teacher", "n_in=4", "width=96", "L=2", "m=100",
                                       "hessian=slq", NULL}, 1, 10, 80},
};
#define NHESS ((int)(sizeof hess_cases / sizeof hess_cases[0]))

typedef struct hess_result {
    int ok, P, repeats;
    stat3 build_ms, eig_ms, total_ms;   /* exact: matrix, eigenvalues; SLQ: total only */
    double lmin, lmax, frac_pos;
} hess_result;

static int hvp_bench(void *ctx, const double *v, double *Hv) { return qnn_instance_hvp(ctx, v, Hv); }

/* The exact mlp case (index 4) would need a 9889 x 9889 matrix: skipped,
 * it is there to say so in the table; the SLQ rows are the point. */
static void run_hessian(const bench_opts *o, hess_result *res)
{
    for (int c = 0; c < NHESS; c++) {
        hess_result *r = &res[c];
        memset(r, 0, sizeof *r);
        r->build_ms = r->eig_ms = r->total_ms = (stat3){NAN, NAN, NAN, 0};
        r->lmin = r->lmax = r->frac_pos = NAN;
        const hess_case *hc = &hess_cases[c];
        if (hc->slq && hc->probes == 0)
            continue;
        qnn_params p;
        qnn_params_default(&p);
        char err[256];
        int bad = 0;
        for (int k = 0; hc->sets[k]; k++) {
            char key[64];
            const char *eq = strchr(hc->sets[k], '=');
            snprintf(key, sizeof key, "%.*s", (int)(eq - hc->sets[k]), hc->sets[k]);
            bad |= qnn_params_set(&p, key, eq + 1, err, sizeof err) != 0;
        }
        qnn_instance *in = bad ? NULL : qnn_instance_new(&p, 0, NULL, err, sizeof err);
        if (!in)
            continue;
        qnn_obs ob;
        qnn_instance_eval(in, 0, &ob);
        int P;
        qnn_instance_theta(in, &P);
        r->P = P;
        /* an exact Hessian at L = 1024 takes tens of seconds: fewer repeats */
        int R = o->repeats;
        if (!hc->slq && P >= 1024 && R > 3)
            R = 3;
        if (o->quick && !hc->slq && P >= 1024)
            R = 1;
        r->repeats = R;
        double *b = malloc((size_t)R * sizeof *b), *e = malloc((size_t)R * sizeof *e), *t = malloc((size_t)R * sizeof *t);
        double *H = hc->slq ? NULL : malloc((size_t)P * (size_t)P * sizeof *H);
        gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
        if (!b || !e || !t || (!hc->slq && !H) || !rng) {
            free(b); free(e); free(t); free(H);
            if (rng) gsl_rng_free(rng);
            qnn_instance_free(in);
            continue;
        }
        gsl_rng_set(rng, 1);
        r->ok = 1;
        for (int k = 0; k < R && r->ok; k++) {
            qnn_spectrum sp;
            double t0 = now_s();
            if (!hc->slq) {
                r->ok = qnn_instance_hessian(in, H) == 0;
                double t1 = now_s();
                r->ok = r->ok && qnn_hess_dense_spectrum(H, (size_t)P, &sp, NULL) == QNN_HESS_OK;
                double t2 = now_s();
                b[k] = 1e3 * (t1 - t0);
                e[k] = 1e3 * (t2 - t1);
                t[k] = 1e3 * (t2 - t0);
            } else {
                r->ok = qnn_hess_slq(hvp_bench, in, (size_t)P, (size_t)hc->probes, (size_t)hc->steps, rng, &sp, NULL) == QNN_HESS_OK;
                t[k] = 1e3 * (now_s() - t0);
            }
            if (r->ok) {
                qnn_spectrum_stats st;
                qnn_spectrum_summary(&sp, 0.0, &st);
                r->lmin = st.min;
                r->lmax = st.max;
                r->frac_pos = st.frac_pos;
                qnn_spectrum_free(&sp);
            }
        }
        if (r->ok) {
            r->total_ms = stat_of(t, R);
            if (!hc->slq) {
                r->build_ms = stat_of(b, R);
                r->eig_ms = stat_of(e, R);
            }
        }
        free(b); free(e); free(t); free(H);
        gsl_rng_free(rng);
        qnn_instance_free(in);
    }
}

static void print_hessian(const hess_result *res)
{
    printf("Hessian of the loss (one instance after one evaluation): exact = the P x P matrix (circuit:\n"
           "parameter shift on the Jacobian, 2P Jacobians; mlp: P R-operator products) + gsl_eigen_symm;\n"
           "SLQ = probes x Lanczos steps of Hessian-vector products (circuit: central differences of the\n"
           "exact gradient, 2 gradients each; mlp: R-operator), full reorthogonalisation\n");
    printf("  %-32s %7s %11s %11s %11s %10s %10s %8s\n", "case", "P", "total ms", "matrix ms", "eigen ms",
           "lambda_min", "lambda_max", "frac>0");
    for (int c = 0; c < NHESS; c++) {
        const hess_result *r = &res[c];
        if (!r->ok) {
            printf("  %-32s %7d %s\n", hess_cases[c].label, r->P,
                   hess_cases[c].slq && hess_cases[c].probes == 0
                       ? "  not run: exact needs a 9889 x 9889 matrix (hessian = auto switches to SLQ above 1024)"
                       : "  failed");
            continue;
        }
        printf("  %-32s %7d %11.4g %11.4g %11.4g %10.4g %10.4g %8.3f\n", hess_cases[c].label, r->P,
               r->total_ms.med, r->build_ms.med, r->eig_ms.med, r->lmin, r->lmax, r->frac_pos);
    }
    printf("\n");
}

static json_t *jhessian(const hess_result *res)
{
    json_t *a = json_array();
    for (int c = 0; c < NHESS; c++) {
        const hess_result *r = &res[c];
        json_t *j = json_pack("{s:s, s:i, s:s}", "case", hess_cases[c].label, "parameters", r->P,
                              "status", r->ok ? "measured" : "not run");
        if (r->ok) {
            json_object_set_new(j, "total_ms", jstat(r->total_ms));
            if (!hess_cases[c].slq) {
                json_object_set_new(j, "matrix_ms", jstat(r->build_ms));
                json_object_set_new(j, "eigen_ms", jstat(r->eig_ms));
            } else {
                json_object_set_new(j, "probes", json_integer(hess_cases[c].probes));
                json_object_set_new(j, "lanczos_steps", json_integer(hess_cases[c].steps));
            }
            json_object_set_new(j, "lambda_min", jnum(r->lmin));
            json_object_set_new(j, "lambda_max", jnum(r->lmax));
            json_object_set_new(j, "frac_pos", jnum(r->frac_pos));
        }
        json_array_append_new(a, j);
    }
    return a;
}

/* ------------------------------------------------------------------------ */
/* Entanglement observer: spectrum of ρ_v, entropy, trace distance          */
/* ------------------------------------------------------------------------ */

#define ENTROPY_ID "entropy"
#define ENT_SEED 20261121UL

/* (n, n_v); (20, 10) is the case (D_v = D_h = 1024), (20, 8) the
 * default cut at n = 20 (n/2 capped at QNN_DEFAULT_CUT_MAX = 8), (20, 4)
 * and (20, 16) show that the cost follows k = min(D_v, D_h), not D_v. */
static const int ent_cases[][2] = {{20, 10}, {20, 8}, {20, 4}, {20, 16}, {16, 8}, {12, 6}};
#define NENT ((int)(sizeof ent_cases / sizeof ent_cases[0]))

typedef struct ent_ctx {
    int n, n_v, Dv, Dh, k;
    qnn_entangle *e;
    qnn_cplx *psi;
    double *lambda;
    double S, T;                   /* of the last call */
    int bad;
    qnn_cplx *g;                   /* ZHERK target, k x k */
    gsl_matrix_complex *G0, *W;    /* the Gram matrix; its copy the eigensolver overwrites */
    gsl_vector *ev;
    gsl_eigen_herm_workspace *ws;
} ent_ctx;

typedef struct ent_result {
    int n, n_v, ok;
    long Dv, Dh, k;
    long calls[3];                 /* calls per repeat: total, ZHERK, eigensolve */
    stat3 total, zherk, eig;       /* ms per call */
    double S, page, T, bound;
} ent_result;

/* What the observer does: the spectrum, then both numbers read off it. */
static void do_ent_total(void *v)
{
    ent_ctx *c = v;
    if (qnn_entangle_spectrum(c->e, c->psi, c->lambda) != 0)
        c->bad = 1;
    c->S = qnn_entropy(c->lambda, (size_t)c->Dv, 0);
    c->T = qnn_trace_distance_mixed(c->lambda, (size_t)c->Dv);
}

/* The product alone: the same ZHERK qnn_entangle_spectrum makes (the
 * smaller Gram matrix, upper triangle), into a buffer of our own. */
static void do_ent_zherk(void *v)
{
    ent_ctx *c = v;
    if (c->Dv <= c->Dh)
        cblas_zherk(CblasColMajor, CblasUpper, CblasNoTrans, c->Dv, c->Dh, 1.0, c->psi, c->Dv, 0.0,
                    c->g, c->k);
    else
        cblas_zherk(CblasColMajor, CblasUpper, CblasConjTrans, c->Dh, c->Dv, 1.0, c->psi, c->Dv, 0.0,
                    c->g, c->k);
}

/* The eigensolve alone: gsl_eigen_herm (eigenvalues only) on a fresh copy
 * of the Gram matrix (it overwrites its input; the copy is O(k²)). */
static void do_ent_eig(void *v)
{
    ent_ctx *c = v;
    gsl_matrix_complex_memcpy(c->W, c->G0);
    if (gsl_eigen_herm(c->W, c->ev, c->ws) != 0)
        c->bad = 1;
}

/* k x k complex matrix with one spare row behind it, as the engine
 * allocates them (engine/src/gslpad.h): OpenBLAS 0.3.21's Haswell zdot
 * kernels, which gsl_eigen_herm calls, read one element past a column. */
static gsl_matrix_complex *ent_matrix(size_t k)
{
    gsl_matrix_complex *m = gsl_matrix_complex_alloc(k + 1, k);
    if (m)
        m->size1 = k;
    return m;
}

static void ent_ctx_free(ent_ctx *c)
{
    qnn_entangle_free(c->e);
    free(c->psi);
    free(c->lambda);
    free(c->g);
    if (c->G0)
        gsl_matrix_complex_free(c->G0);
    if (c->W)
        gsl_matrix_complex_free(c->W);
    if (c->ev)
        gsl_vector_free(c->ev);
    if (c->ws)
        gsl_eigen_herm_free(c->ws);
    memset(c, 0, sizeof *c);
}

/* The fixed state: complex Gaussian amplitudes from mt19937 seeded with
 * ENT_SEED, normalised (a Haar-random state, the same one on every run). */
static int ent_ctx_init(ent_ctx *c, int n, int n_v)
{
    memset(c, 0, sizeof *c);
    c->n = n;
    c->n_v = n_v;
    c->Dv = 1 << n_v;
    c->Dh = 1 << (n - n_v);
    c->k = c->Dv < c->Dh ? c->Dv : c->Dh;
    const size_t D = (size_t)1 << n, k = (size_t)c->k;
    c->e = qnn_entangle_new(n, n_v);
    c->psi = malloc(D * sizeof(qnn_cplx));
    c->lambda = malloc((size_t)c->Dv * sizeof(double));
    c->g = malloc(k * k * sizeof(qnn_cplx));
    c->G0 = ent_matrix(k);
    c->W = ent_matrix(k);
    c->ev = gsl_vector_alloc(k);
    c->ws = gsl_eigen_herm_alloc(k);
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    if (!c->e || !c->psi || !c->lambda || !c->g || !c->G0 || !c->W || !c->ev || !c->ws || !rng) {
        if (rng)
            gsl_rng_free(rng);
        ent_ctx_free(c);
        return -1;
    }
    gsl_rng_set(rng, ENT_SEED);
    double nrm = 0.0;
    for (size_t i = 0; i < D; i++) {
        const double re = gsl_ran_gaussian_ziggurat(rng, 1.0), im = gsl_ran_gaussian_ziggurat(rng, 1.0);
        c->psi[i] = CMPLX(re, im);
        nrm += re * re + im * im;
    }
    gsl_rng_free(rng);
    nrm = 1.0 / sqrt(nrm);
    for (size_t i = 0; i < D; i++)
        c->psi[i] *= nrm;
    /* the Gram matrix the eigensolve starts from, laid out as in the engine */
    do_ent_zherk(c);
    memcpy(c->G0->data, c->g, k * k * sizeof(qnn_cplx));
    return 0;
}

/* Times all cases with their three parts interleaved: calibration first,
 * then repeat r of every part of every case, then repeat r + 1, so that a
 * slow spell of the shared machine hits all alike. The calls are
 * deterministic and repeat after repeat cost the same, so the repeats are
 * a third as long as elsewhere and the warm-ups a quarter (default 0.1 s
 * and 0.05 s): the 18 timings then take ~13 s, not ~35 s. */
#define ENT_TIME_DIV 3.0
#define ENT_WARM_DIV 4.0
static void run_entropy(const bench_opts *opts, ent_result *res)
{
    static const work_fn fn[3] = {do_ent_total, do_ent_zherk, do_ent_eig};
    bench_opts eo = *opts;
    eo.min_time /= ENT_TIME_DIV;
    eo.warm_time /= ENT_WARM_DIV;
    const bench_opts *o = &eo;
    const int R = o->repeats;
    ent_ctx *c = calloc(NENT, sizeof *c);
    double *sec = malloc((size_t)NENT * 3 * (size_t)R * sizeof(double));
    int ok[NENT];
    memset(res, 0, NENT * sizeof *res);
    for (int i = 0; i < NENT; i++) {
        ent_result *r = &res[i];
        r->n = ent_cases[i][0];
        r->n_v = ent_cases[i][1];
        r->Dv = 1L << r->n_v;
        r->Dh = 1L << (r->n - r->n_v);
        r->k = r->Dv < r->Dh ? r->Dv : r->Dh;
        r->total = r->zherk = r->eig = (stat3){NAN, NAN, NAN, 0};
        r->S = r->page = r->T = r->bound = NAN;
        ok[i] = c && sec && ent_ctx_init(&c[i], r->n, r->n_v) == 0;
        if (!ok[i])
            continue;
        for (int p = 0; p < 3; p++)
            r->calls[p] = calibrate(fn[p], &c[i], o, NULL);
    }
    for (int rep = 0; rep < R; rep++)
        for (int i = 0; i < NENT; i++)
            for (int p = 0; ok[i] && p < 3; p++)
                sec[((size_t)i * 3 + (size_t)p) * (size_t)R + (size_t)rep] =
                    1e3 * timed_repeat(fn[p], &c[i], res[i].calls[p], o->min_time);
    for (int i = 0; i < NENT; i++) {
        if (!ok[i])
            continue;
        ent_result *r = &res[i];
        const double *s = sec + (size_t)i * 3 * (size_t)R;
        r->total = stat_of(s, R);
        r->zherk = stat_of(s + R, R);
        r->eig = stat_of(s + 2 * R, R);
        r->S = c[i].S;
        r->T = c[i].T;
        r->page = qnn_page_entropy((double)r->Dv, (double)r->Dh);
        r->bound = qnn_trace_distance_bound((double)r->Dv, (double)r->Dh);
        r->ok = !c[i].bad;
        ent_ctx_free(&c[i]);
    }
    free(c);
    free(sec);
}

static json_t *jentropy(const bench_opts *o, const ent_result *res)
{
    json_t *cases = json_array();
    for (int i = 0; i < NENT; i++) {
        const ent_result *r = &res[i];
        json_t *j = json_pack("{s:i, s:i, s:I, s:I, s:I, s:s}", "n", r->n, "n_v", r->n_v,
                              "D_v", (json_int_t)r->Dv, "D_h", (json_int_t)r->Dh, "k", (json_int_t)r->k,
                              "status", r->ok ? "measured" : "failed");
        if (r->ok) {
            json_object_set_new(j, "calls_per_repeat",
                                json_pack("{s:I, s:I, s:I}", "total", (json_int_t)r->calls[0],
                                          "zherk", (json_int_t)r->calls[1], "eigensolve",
                                          (json_int_t)r->calls[2]));
            json_object_set_new(j, "ms_per_call", jstat(r->total));
            json_object_set_new(j, "zherk_ms", jstat(r->zherk));
            json_object_set_new(j, "eigensolve_ms", jstat(r->eig));
            json_object_set_new(j, "entropy_nats", jnum(r->S));
            json_object_set_new(j, "page_entropy_nats", jnum(r->page));
            json_object_set_new(j, "trace_distance_mixed", jnum(r->T));
            json_object_set_new(j, "trace_distance_bound", jnum(r->bound));
        }
        json_array_append_new(cases, j);
    }
    return json_pack("{s:s, s:s, s:s, s:s, s:f, s:f, s:o}",
                     "call", "qnn_entangle_spectrum + qnn_entropy + qnn_trace_distance_mixed",
                     "state", "complex Gaussian amplitudes, gsl_rng_mt19937 seed 20261121, normalised",
                     "zherk", "cblas_zherk of the smaller Gram matrix alone (k x k, k = min(D_v, D_h))",
                     "eigensolve", "gsl_eigen_herm (eigenvalues only) of that k x k matrix, after copying it",
                     "min_time_s", o->min_time / ENT_TIME_DIV, "warm_time_s", o->warm_time / ENT_WARM_DIV,
                     "cases", cases);
}

static void print_entropy(const bench_opts *o, const ent_result *res)
{
    printf("Entanglement observer (qnn/entangle.h): one qnn_entangle_spectrum + qnn_entropy +\n"
           "qnn_trace_distance_mixed on a fixed Haar-random state (complex Gaussian amplitudes, mt19937\n"
           "seed %lu, normalised); qubits 0 .. n_v - 1 visible. The spectrum is one ZHERK of the smaller\n"
           "Gram matrix, k = min(D_v, D_h), O(D k), and gsl_eigen_herm of it, O(k^3); those two parts are\n"
           "also timed on their own (the eigensolve on a fresh copy of the k x k matrix); all interleaved,\n"
           "median of %d repeats, each >= %.2g s after a warm-up of %.2g s\n", ENT_SEED, o->repeats,
           o->min_time / ENT_TIME_DIV, o->warm_time / ENT_WARM_DIV);
    printf("  %3s %4s %6s %6s %5s %10s %9s %9s %9s %9s %8s %8s\n", "n", "n_v", "D_v", "D_h", "k",
           "ms/call", "min", "max", "ZHERK ms", "eigen ms", "S nats", "Page");
    for (int i = 0; i < NENT; i++) {
        const ent_result *r = &res[i];
        if (!r->ok) {
            printf("  %3d %4d %6ld %6ld %5ld  failed (out of memory or eigensolver)\n", r->n, r->n_v,
                   r->Dv, r->Dh, r->k);
            continue;
        }
        printf("  %3d %4d %6ld %6ld %5ld %10.4g %9.4g %9.4g %9.4g %9.4g %8.4f %8.4f\n", r->n, r->n_v,
               r->Dv, r->Dh, r->k, r->total.med, r->total.min, r->total.max, r->zherk.med, r->eig.med,
               r->S, r->page);
    }
    printf("\n");
    fflush(stdout);
}

/* Checks before any timing that the file can be written there (and that
 * PATH is not a device, a FIFO or a directory). */
static int json_probe(const char *path)
{
    char err[PATH_MAX + 256];
    afile a;
    if (afile_open(&a, path, err, sizeof err) != AFILE_OK) {
        fprintf(stderr, "qnnlab: bench: --json: value '%s': %s; allowed: a new name or a regular file in a writable directory\n",
                path, err);
        return -1;
    }
    afile_abort(&a);
    return 0;
}

static int dump_json(FILE *f, void *root)
{
    return json_dumpf(root, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER) != 0 || fputc('\n', f) == EOF ? -1 : 0;
}

/* Writes root to path, whole or not at all: the file is either the old one
 * or complete. */
static int write_json_atomic(json_t *root, const char *path)
{
    char err[PATH_MAX + 256];
    if (afile_write(path, dump_json, root, err, sizeof err) != AFILE_OK) {
        fprintf(stderr, "qnnlab: --json: %s\n", err);
        return -1;
    }
    return 0;
}

static void print_workload_row(const wl_result *r)
{
    if (r->status != 0) {
        printf("  %-32s %s\n", r->w->label, r->note);
        return;
    }
    printf("  %-32s %10.4g %10.4g %10.4g %11.4g %8.2f %7.1f\n", r->w->label, r->sps.med,
           r->sps.min, r->sps.max, r->step_ms.med, gib(r->bytes), r->build_s);
    if (r->note[0])
        printf("  %-32s note: %s\n", "", r->note);
    fflush(stdout);
}

enum { B_QUICK = 256, B_SCALING, B_REPEATS, B_JSON, B_ONLY };
static const qnn_opt bench_opts_table[] = {
    { "quick", B_QUICK, NULL, 0 },
    { "repeats", B_REPEATS, "an integer in 1 .. 1000", 0 },
    { "json", B_JSON, "a file path", 0 },
    { "scaling", B_SCALING, NULL, 0 },
    { "only", B_ONLY, "a comma list of workload ids (`qnnlab bench --help`)", 0 },
};

int qnn_cmd_bench(const qnn_command *self, int argc, char **argv)
{
    /* the mode: the window's or the terminal's frames, a soak, or (default)
     * the engine's workloads; each parses its own options */
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--gui") || !strcmp(argv[i], "--tui"))
            return qnn_bench_gui(self, argc, argv);
        else if (!strcmp(argv[i], "--soak"))
            return qnn_bench_soak(self, argc, argv);
    bench_opts o = {0, 0, 0.3, 0.2, 0, NULL, NULL};
    int repeats = 0;
    char qb[200];
    qnn_optparser op;
    qnn_opt_init(&op, bench_opts_table, sizeof bench_opts_table / sizeof bench_opts_table[0], argc, argv);
    for (int c; (c = qnn_opt_next(&op)) != QNN_OPT_END;) {
        const char *v = op.arg;
        switch (c) {
        case QNN_OPT_HELP:
            qnn_command_help(self, stdout);
            return QNN_EXIT_OK;
        case QNN_OPT_ERROR:
            fprintf(stderr, "qnnlab: bench: %s\n", op.msg);
            return QNN_EXIT_USAGE;
        case QNN_OPT_OPERAND:
            fprintf(stderr, "qnnlab: bench: unexpected argument '%s'; allowed: options only (`qnnlab bench --help`)\n",
                    qnn_quote(v, 60, qb, sizeof qb));
            return QNN_EXIT_USAGE;
        case B_QUICK: o.quick = 1; break;
        case B_SCALING: o.scaling = 1; break;
        case B_JSON: o.json = v; break;
        case B_ONLY: o.only = v; break;
        case B_REPEATS: {
            char *end;
            errno = 0;
            long r = strtol(v, &end, 10);
            if (errno || *end || end == v || r < 1 || r > 1000) {
                fprintf(stderr, "qnnlab: bench: --repeats: value '%s' is not an integer in 1 .. 1000; allowed: 1 .. 1000\n",
                        qnn_quote(v, 60, qb, sizeof qb));
                return QNN_EXIT_USAGE;
            }
            repeats = (int)r;
            break;
        }
        }
    }
    if (o.only) {
        /* every listed id must name a workload */
        for (const char *t = o.only; *t;) {
            size_t k = strcspn(t, ",");
            int ok = (k == 9 && !strncmp(t, "bandwidth", 9)) ||
                     (k == strlen(ENTROPY_ID) && !strncmp(t, ENTROPY_ID, k)) ||
                     (k == strlen(HESSIAN_ID) && !strncmp(t, HESSIAN_ID, k)) ||
                     (k == strlen(ASYM_SCALING_ID) && !strncmp(t, ASYM_SCALING_ID, k));
            for (int i = 0; i < NREF && !ok; i++)
                ok = strlen(reference[i].id) == k && !strncmp(t, reference[i].id, k);
            for (int i = 0; i < NASYM && !ok; i++)
                ok = strlen(asym_reference[i].id) == k && !strncmp(t, asym_reference[i].id, k);
            if (!ok) {
                char id[200];
                snprintf(id, sizeof id, "%.*s", (int)(k < 120 ? k : 120), t);
                fprintf(stderr, "qnnlab: bench: --only: unknown workload '%s'; allowed: the ids `qnnlab bench --help` lists\n",
                        qnn_quote(id, 60, qb, sizeof qb));
                return QNN_EXIT_USAGE;
            }
            t += k;
            if (*t == ',')
                t++;
        }
    }
    if (o.json && json_probe(o.json) != 0)
        return QNN_EXIT_USAGE;
    if (o.quick) {
        o.repeats = 3;
        o.min_time = 0.1;
        o.warm_time = 0.05;
    } else {
        o.repeats = 5;
    }
    if (repeats)
        o.repeats = repeats;

    openblas_set_num_threads(1);
    machine mc;
    machine_probe(&mc);
    printf("qnnlab %s bench\n", QNN_VERSION);
    printf("machine: %s, %ld core(s) online, %.1f GiB memory (%.1f GiB available), %s\n",
           mc.cpu, mc.cores, gib(mc.mem_total), gib(mc.mem_avail), mc.blas);
    printf("single-threaded (openblas_set_num_threads(1)); median of %d repeats, each >= %.2g s after a warm-up\n\n",
           o.repeats, o.min_time);

    int rc = QNN_EXIT_OK;
    json_t *root = json_object();
    json_t *jm = json_pack("{s:s, s:i, s:f, s:f, s:s}", "cpu", mc.cpu, "cores", (int)mc.cores,
                           "mem_total_bytes", mc.mem_total, "mem_available_bytes", mc.mem_avail,
                           "blas", mc.blas);
    json_object_set_new(root, "machine", jm);
    json_object_set_new(root, "settings",
                        json_pack("{s:b, s:i, s:f, s:f, s:i}", "quick", o.quick, "repeats", o.repeats,
                                  "min_time_s", o.min_time, "warm_time_s", o.warm_time, "threads", 1));

    /* Reference workloads. */
    wl_result res[NREF];
    int nres = 0;
    json_t *jw = json_array();
    int any = 0;
    for (int i = 0; i < NREF; i++)
        any |= selected(&o, reference[i].id);
    if (any) {
        printf("Steps per second (one step = qnn_instance_eval with eigenvalues + qnn_instance_step;\n"
               "random: task optimise, m = 1, n_obs = 10; brickwork(2): W_l = brickwork of depth 2;\n"
               "periodic: gamma = 1, eta = 1e-3/p, M0 = Z on qubit 0)\n");
        printf("  %-32s %10s %10s %10s %11s %8s %7s\n", "workload", "median/s", "min/s", "max/s",
               "ms/step", "mem GiB", "build s");
        for (int i = 0; i < NREF; i++) {
            if (!selected(&o, reference[i].id))
                continue;
            run_workload(&reference[i], &o, &mc, 1, &res[nres]);
            print_workload_row(&res[nres]);
            json_array_append_new(jw, jworkload(&res[nres]));
            nres++;
        }
        printf("\nGradient (eval with Jacobian and kernel) against one forward pass (residuals only)\n");
        printf("  %-32s %12s %12s %8s\n", "workload", "gradient ms", "forward ms", "ratio");
        for (int i = 0; i < nres; i++) {
            if (res[i].status != 0)
                continue;
            printf("  %-32s %12.4g %12.4g %7.2fx\n", res[i].w->label, res[i].grad_ms.med,
                   res[i].fwd_ms.med, res[i].ratio);
        }
        printf("\n");
    }

    /* Asymptotic dynamics. */
    int nasym = 0, asel[NASYM];
    for (int i = 0; i < NASYM; i++)
        nasym += asel[i] = selected(&o, asym_reference[i].id);
    if (nasym) {
        printf("Asymptotic dynamics (YOU23 Eq. 119), dM/dt = [B, M]: steps per second (one step =\n"
               "qnn_instance_eval without eigenvalues + qnn_instance_step; M(0) = gamma U diag(+-1) U^dagger,\n"
               "U Haar (Eq. 120), gamma = 2, m = 4 basis states, +-1 labels, h = eta = 1e-3)\n");
        printf("  %-32s %10s %10s %10s %11s %8s %7s\n", "workload", "median/s", "min/s", "max/s",
               "ms/step", "mem GiB", "build s");
        const workload *wp[NASYM];
        int idx[NASYM], nw = 0;
        for (int i = 0; i < NASYM; i++)
            if (asel[i]) {
                idx[nw] = i;
                wp[nw++] = &asym_reference[i];
            }
        wl_result ar[NASYM];
        double *ms = malloc((size_t)NASYM * (size_t)o.repeats * sizeof(double));
        run_interleaved(wp, nw, &o, &mc, ar, ms);
        for (int k = 0; k < nw; k++) {
            print_workload_row(&ar[k]);
            json_array_append_new(jw, jworkload(&ar[k]));
            if (ar[k].status < 0)
                rc = QNN_EXIT_FAILURE;
        }
        json_t *ja = json_object();
        int kc = -1, km = -1;
        for (int k = 0; k < nw; k++) {
            if (idx[k] == ASYM_D256 && ar[k].status == 0)
                kc = k;
            if (idx[k] == ASYM_MID_D256 && ar[k].status == 0)
                km = k;
        }
        if (kc >= 0 && km >= 0 && ms) {
            /* median of the per-repeat ratios: repeat r of both is timed in the
             * same round (run_interleaved) */
            const int R = o.repeats;
            double *q = malloc((size_t)R * sizeof(double));
            if (q) {
                for (int r = 0; r < R; r++)
                    q[r] = ms[km * R + r] / ms[kc * R + r];
                stat3 st = stat_of(q, R);
                printf("  midpoint / cayley at d = 256: %.2fx the time per step (median over %d interleaved\n"
                       "  repeats of the ratio; min %.2fx, max %.2fx)\n", st.med, R, st.min, st.max);
                json_object_set_new(ja, "midpoint_over_cayley_d256", jstat(st));
                free(q);
            }
        }
        free(ms);
        json_object_set_new(root, "asymptotic", ja);
        printf("\n");
    }
    json_object_set_new(root, "workloads", jw);

    /* Bandwidth. */
    if (selected(&o, "bandwidth")) {
        bw_result bw;
        run_bandwidth(&o, &bw);
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
                                                    "gb_per_s", jstat(bw.rot[k]),
                                                    "percent_of_triad", jstat(bw.pct[k])));
            }
            printf("  median %% of triad by type: X %.0f%%, Z %.0f%%, mixed %.0f%%\n\n",
                   bw.type_med[0], bw.type_med[1], bw.type_med[2]);
            json_object_set_new(root, "bandwidth",
                                json_pack("{s:i, s:f, s:o, s:o, s:{s:o, s:o, s:o}}", "qubits", BW_QUBITS,
                                          "state_bytes", mib * 1024.0 * 1024.0, "triad_gb_per_s", jstat(bw.triad),
                                          "cases", jc, "median_percent_by_type", "X", jnum(bw.type_med[0]),
                                          "Z", jnum(bw.type_med[1]), "mixed", jnum(bw.type_med[2])));
        }
    }

    /* Entanglement observer. */
    if (selected(&o, ENTROPY_ID)) {
        ent_result er[NENT];
        run_entropy(&o, er);
        print_entropy(&o, er);
        json_object_set_new(root, "entropy", jentropy(&o, er));
        for (int i = 0; i < NENT; i++)
            if (!er[i].ok)
                rc = QNN_EXIT_FAILURE;
    }

    /* Hessian spectra. */
    if (selected(&o, HESSIAN_ID)) {
        hess_result hr[NHESS];
        run_hessian(&o, hr);
        print_hessian(hr);
        json_object_set_new(root, "hessian", jhessian(hr));
    }

    /* Scaling with D and L. */
    if (o.scaling) {
        static const int ns[] = {12, 14, 16, 18, 20};
        static const int Ls[] = {25, 50, 100, 200};
        const int nsc = (int)(sizeof ns / sizeof ns[0]) + (int)(sizeof Ls / sizeof Ls[0]);
        workload *sw = calloc((size_t)nsc, sizeof *sw);
        json_t *js = json_array();
        printf("Scaling (random, brickwork depth 2, optimisation task, m = 1)\n");
        printf("  %-28s %10s %10s %10s %11s %14s\n", "workload", "median/s", "min/s", "max/s",
               "ms/step", "ns/(D*L)");
        for (int i = 0; sw && i < nsc; i++) {
            int n, L;
            if (i < 5) {
                n = ns[i];
                L = 50;
            } else {
                n = 10;
                L = Ls[i - 5];
            }
            snprintf(sw[i].id, sizeof sw[i].id, "scaling_n%d_L%d_bw2", n, L);
            snprintf(sw[i].label, sizeof sw[i].label, "random n=%d L=%d brickwork(2)", n, L);
            sw[i].sets[0] = "model=random";
            sw[i].sets[1] = "entangler=brickwork";
            sw[i].sets[2] = "depth=2";
            snprintf(sw[i].extra[0], sizeof sw[i].extra[0], "n=%d", n);
            snprintf(sw[i].extra[1], sizeof sw[i].extra[1], "L=%d", L);
            wl_result r;
            run_workload(&sw[i], &o, &mc, 0, &r);
            if (r.status != 0) {
                printf("  %-28s %s\n", sw[i].label, r.note);
            } else {
                double per = r.step_ms.med * 1e6 / ((double)r.D * (double)r.L);
                printf("  %-28s %10.4g %10.4g %10.4g %11.4g %14.3f\n", sw[i].label, r.sps.med,
                       r.sps.min, r.sps.max, r.step_ms.med, per);
                json_t *j = jworkload(&r);
                json_object_set_new(j, "ns_per_amplitude_layer", jnum(per));
                json_array_append_new(js, j);
            }
            fflush(stdout);
        }
        printf("\n");
        json_object_set_new(root, "scaling", js);
        free(sw);
    }

    /* Asymptotic step against d and m. */
    if (o.scaling || (o.only && selected(&o, ASYM_SCALING_ID))) {
        static const int ds[] = {64, 128, 256, 512, 1024};
        static const int ms[] = {1, 2, 4, 8, 16};
        asym_fit *fd = calloc(1, sizeof *fd), *fm = calloc(1, sizeof *fm);
        if (!fd || !fm) {
            printf("Asymptotic scaling: out of memory\n\n");
        } else {
            fd->vary_m = 0;
            fd->fixed = 4;
            fd->npts = (int)(sizeof ds / sizeof ds[0]);
            memcpy(fd->x, ds, sizeof ds);
            fm->vary_m = 1;
            fm->fixed = 256;
            fm->npts = (int)(sizeof ms / sizeof ms[0]);
            memcpy(fm->x, ms, sizeof ms);
            printf("Asymptotic scaling (Cayley step, gamma = 2, eta = 1e-3; least squares of log time per step\n"
                   "on log d and log m, gsl_fit_linear; the step is O(m d^2))\n");
            printf("  %-32s %10s %10s %10s %11s %12s\n", "workload", "median/s", "min/s", "max/s",
                   "ms/step", "ns/(m d^2)");
            run_asym_fit(fd, &o, &mc);
            print_asym_fit(fd, "O(m d^2) gives 2, a d x d inverse or exponential 3");
            run_asym_fit(fm, &o, &mc);
            print_asym_fit(fm, "O(m d^2) gives 1");
            printf("\n");
            json_object_set_new(root, "asymptotic_scaling",
                                json_pack("{s:s, s:f, s:f, s:o, s:o}", "integrator", "cayley", "gamma", 2.0,
                                          "eta", 1e-3, "against_d", jasym_fit(fd),
                                          "against_m", jasym_fit(fm)));
        }
        free(fd);
        free(fm);
    }

    for (int i = 0; i < nres; i++)
        if (res[i].status < 0)
            rc = QNN_EXIT_FAILURE;
    if (o.json && write_json_atomic(root, o.json) != 0)
        rc = QNN_EXIT_FAILURE;
    json_decref(root);
    return rc;
}
