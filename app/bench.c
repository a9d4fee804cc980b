/* qnnlab bench: steps per second of the engine's reference workloads, the
 * cost of a gradient against a forward pass, the memory bandwidth of the
 * Pauli rotation against a triad loop, and (with --scaling) the scaling of a
 * step with D and L. Single-threaded throughout; see docs/PERFORMANCE.md.
 *
 * Every number is the median (with min and max) of `repeats` timed
 * repeats; each repeat runs enough calls to last at least `min_time`
 * seconds (CLOCK_MONOTONIC), after an untimed warm-up. Only the public
 * engine API is used: instances are built with qnn_params_default +
 * qnn_params_set + qnn_instance_new, one step is qnn_instance_eval +
 * qnn_instance_step. */
#include "cli.h"
#include "qnn/instance.h"
#include "qnn/params.h"
#include "qnn/statevec.h"

#include <errno.h>
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
} workload;

static const workload reference[] = {
    {"random_n4_L64_haar", "random n=4 L=64 haar",
     {"model=random", "n=4", "L=64", "entangler=haar", NULL}, {"", ""}},
    {"random_n10_L200_haar", "random n=10 L=200 haar",
     {"model=random", "n=10", "L=200", "entangler=haar", NULL}, {"", ""}},
    {"random_n16_L200_bw2", "random n=16 L=200 brickwork(2)",
     {"model=random", "n=16", "L=200", "entangler=brickwork", "depth=2", NULL}, {"", ""}},
    {"random_n20_L200_bw2", "random n=20 L=200 brickwork(2)",
     {"model=random", "n=20", "L=200", "entangler=brickwork", "depth=2", NULL}, {"", ""}},
    {"periodic_d64_p80_m4", "periodic d=64 p=80 m=4",
     {"model=periodic", "d=64", "p=80", "m=4", "gamma=1", "eta=1e-3", "eta_per_L=1", NULL}, {"", ""}},
    {"periodic_d256_p80_m4", "periodic d=256 p=80 m=4",
     {"model=periodic", "d=256", "p=80", "m=4", "gamma=1", "eta=1e-3", "eta_per_L=1", NULL}, {"", ""}},
};
#define NREF ((int)(sizeof reference / sizeof reference[0]))

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

/* Builds one instance and measures it. want_ratio: also time the gradient
 * and the forward pass on their own. */
static void run_workload(const workload *w, const bench_opts *o, const machine *mc,
                         int want_ratio, wl_result *res)
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
        return;
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
        return;
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
        return;
    }
    const double *th = qnn_instance_theta(in, &res->L);
    qnn_instance_residuals(in, &res->m);
    step_ctx c = {in, 1, NULL, NULL, 0};
    c.theta = malloc((size_t)res->L * sizeof(double));
    c.r = malloc((size_t)res->m * sizeof(double));
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

    if (want_ratio) {
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

static void json_tmp_name(const char *path, char *tmp, size_t len)
{
    const char *slash = strrchr(path, '/');
    if (slash)
        snprintf(tmp, len, "%.*s/.%s.tmp.%ld", (int)(slash - path), path, slash + 1, (long)getpid());
    else
        snprintf(tmp, len, ".%s.tmp.%ld", path, (long)getpid());
}

/* Checks before any timing that the temporary file can be created. */
static int json_probe(const char *path)
{
    char tmp[PATH_MAX + 64];
    json_tmp_name(path, tmp, sizeof tmp);
    FILE *f = fopen(tmp, "w");
    if (!f) {
        fprintf(stderr, "qnnlab: bench: --json: value '%s': cannot create '%s': %s; allowed: a path in a writable directory\n",
                path, tmp, strerror(errno));
        return -1;
    }
    fclose(f);
    unlink(tmp);
    return 0;
}

/* Writes root to path via a temporary name in the same directory and a
 * rename, so the file is either the old one or complete. */
static int write_json_atomic(json_t *root, const char *path)
{
    char tmp[PATH_MAX + 64];
    json_tmp_name(path, tmp, sizeof tmp);
    FILE *f = fopen(tmp, "w");
    if (!f) {
        fprintf(stderr, "qnnlab: --json: cannot create '%s': %s\n", tmp, strerror(errno));
        return -1;
    }
    int rc = json_dumpf(root, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    if (fputc('\n', f) == EOF)
        rc = -1;
    if (fflush(f) != 0 || fsync(fileno(f)) != 0)
        rc = -1;
    if (fclose(f) != 0)
        rc = -1;
    if (rc == 0 && rename(tmp, path) != 0)
        rc = -1;
    if (rc != 0) {
        fprintf(stderr, "qnnlab: --json: cannot write '%s': %s\n", path, strerror(errno));
        unlink(tmp);
    }
    return rc;
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

static void usage(FILE *f)
{
    fputs("usage: qnnlab bench [--quick] [--repeats N] [--json FILE] [--scaling] [--only IDS]\n"
          "  --quick      3 repeats of at least 0.1 s each (default: 5 of at least 0.3 s)\n"
          "  --repeats N  timed repeats per measurement (1 .. 1000); medians are reported\n"
          "  --json FILE  also write the results as JSON to FILE (atomically)\n"
          "  --scaling    also time random brickwork(2) at n = 12..20 (L = 50) and\n"
          "               n = 10 at L = 25..200\n"
          "  --only IDS   comma list of workload ids (random_n4_L64_haar, random_n10_L200_haar,\n"
          "               random_n16_L200_bw2, random_n20_L200_bw2, periodic_d64_p80_m4,\n"
          "               periodic_d256_p80_m4, bandwidth); default all\n", f);
}

int qnn_bench_main(int argc, char **argv)
{
    bench_opts o = {0, 0, 0.3, 0.2, 0, NULL, NULL};
    int repeats = 0;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--quick")) {
            o.quick = 1;
        } else if (!strcmp(a, "--scaling")) {
            o.scaling = 1;
        } else if (!strcmp(a, "--repeats") || !strcmp(a, "--json") || !strcmp(a, "--only")) {
            if (i + 1 >= argc) {
                fprintf(stderr, "qnnlab: bench: %s: missing value\n", a);
                usage(stderr);
                return QNN_EXIT_USAGE;
            }
            const char *v = argv[++i];
            if (!strcmp(a, "--repeats")) {
                char *end;
                errno = 0;
                long r = strtol(v, &end, 10);
                if (errno || *end || end == v || r < 1 || r > 1000) {
                    fprintf(stderr, "qnnlab: bench: --repeats: value '%s' is not an integer in 1 .. 1000\n", v);
                    return QNN_EXIT_USAGE;
                }
                repeats = (int)r;
            } else if (!strcmp(a, "--json")) {
                o.json = v;
            } else {
                o.only = v;
            }
        } else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return QNN_EXIT_OK;
        } else {
            fprintf(stderr, "qnnlab: bench: unknown argument '%s'\n", a);
            usage(stderr);
            return QNN_EXIT_USAGE;
        }
    }
    if (o.only) {
        /* every listed id must name a workload */
        for (const char *t = o.only; *t;) {
            size_t k = strcspn(t, ",");
            int ok = k == 9 && !strncmp(t, "bandwidth", 9);
            for (int i = 0; i < NREF && !ok; i++)
                ok = strlen(reference[i].id) == k && !strncmp(t, reference[i].id, k);
            if (!ok) {
                fprintf(stderr, "qnnlab: bench: --only: unknown workload '%.*s'\n", (int)k, t);
                usage(stderr);
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

    int rc = QNN_EXIT_OK;
    for (int i = 0; i < nres; i++)
        if (res[i].status < 0)
            rc = QNN_EXIT_FAILURE;
    if (o.json && write_json_atomic(root, o.json) != 0)
        rc = QNN_EXIT_FAILURE;
    json_decref(root);
    return rc;
}
