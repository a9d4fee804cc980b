/* qnnlab sweep: a preset's grid x R instances as independent work items.
 *
 * Every instance is fully determined by its point's parameters and its
 * index (qnn_run_one), so it can be computed by any thread of any process.
 * Each finished instance is serialised (field by field, checksummed) and
 * renamed into DIR/points/K/inst/I.qi only when complete; the reduction
 * reads the files back in point and instance order. A single process and
 * N MPI ranks therefore write the same instance files bit for bit and the
 * same statistics, and an interrupted sweep resumes from the files it
 * finds intact.
 *
 * MPI (built with QNN_HAVE_MPI, used when a launcher started several
 * ranks): rank 0 owns DIR and the queue of missing instances; its main
 * thread answers the other ranks' requests and writes their results while
 * its worker threads take items from the same queue. Every other rank's
 * main thread asks rank 0 for an item whenever one of its worker threads is
 * idle and sends each finished instance back. Only main threads call MPI
 * (MPI_THREAD_FUNNELED); they poll with short sleeps, so they do not take a
 * core from the workers. */
#define _GNU_SOURCE 1   /* sched_getaffinity, CPU_COUNT */
#include "sweep.h"
#include "afile.h"
#include "command.h"
#include "runner.h"
#include "qnn/analysis.h"
#include "qnn/pool.h"
#include "qnn/stats.h"

#include <cairo.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#ifdef QNN_HAVE_MPI
#include <mpi.h>
#endif

#ifndef QNN_VERSION
#define QNN_VERSION "0.0.0"
#endif

#define SWEEP_FORMAT "qnnlab sweep 1"
#define INST_MAGIC "QNNSWI1\n"
/* An instance file larger than this is not ours (the largest presets
 * write a few MiB per instance). */
#define INST_MAX_BYTES ((size_t)1 << 31)

/* The serialiser writes qnn_obs and qnn_consts field by field (their
 * padding would otherwise make equal instances differ in bytes); a field
 * added to either struct must be added here too. */
_Static_assert(sizeof(qnn_obs) == 200, "qnn_obs changed: serialise the new field in app/sweep.c");
_Static_assert(sizeof(qnn_consts) == 96, "qnn_consts changed: serialise the new field in app/sweep.c");

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* The main threads' poll: a sleep that grows from 50 us to 2 ms while
 * nothing arrives (*idle counts the empty polls; 0 after a message), so an
 * answer comes within about 2 ms of a 0.1 s instance and an idle main thread
 * costs its core's worker almost nothing. */
static void nap_idle(int *idle)
{
    long ns = 50000L << (*idle < 5 ? *idle : 5);
    if (ns > 2000000L)
        ns = 2000000L;
    (*idle)++;
    struct timespec ts = { 0, ns };
    nanosleep(&ts, NULL);
}

static void nap(void)
{
    int idle = 5;
    nap_idle(&idle);
}

static uint64_t fnv64(const void *data, size_t n, uint64_t h)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 1099511628211ULL;
    }
    return h;
}
#define FNV_SEED 14695981039346656037ULL

/* ------------------------------------------------------------------------ */
/* Per-instance statistics                                                  */
/* ------------------------------------------------------------------------ */

/* The per-instance statistics are the engine's (qnn_instance_stat_name,
 * qnn/analysis.h); a sweep reduces them over the instances of a point. */
#define OBS(f) offsetof(qnn_obs, f)
#define NSTAT ((size_t)QNN_INSTANCE_STATS)

const char *const *qnn_sweep_stat_names(size_t *count)
{
    static const char *names[NSTAT];
    for (size_t s = 0; s < NSTAT; s++)
        names[s] = qnn_instance_stat_name(s);
    *count = NSTAT;
    return names;
}

static double obs_field(const qnn_obs *o, size_t off)
{
    double v;
    memcpy(&v, (const char *)o + off, sizeof v);
    return v;
}

/* The statistics of a run's instances, in instance order. 0 or -1. */
static int reduce_stats(const qnn_run *run, qnn_sweep_stat *out)
{
    double *x = malloc((size_t)(run->ninst > 0 ? run->ninst : 1) * sizeof *x);
    if (!x)
        return -1;
    for (size_t s = 0; s < NSTAT; s++) {
        for (int i = 0; i < run->ninst; i++)
            x[i] = qnn_instance_stat(s, &run->inst[i]);
        qnn_stat st = qnn_stat_of(x, 1, (size_t)run->ninst);
        qnn_sweep_stat *o = &out[s];
        o->name = qnn_instance_stat_name(s);
        o->n = (long)st.n;
        o->mean = st.mean;
        o->sd = st.sd;
        o->se = st.se;
        const double q[7] = { 0, 0.05, 0.25, 0.5, 0.75, 0.95, 1 };
        double *dst[7] = { &o->min, &o->q05, &o->q25, &o->median, &o->q75, &o->q95, &o->max };
        for (int j = 0; j < 7; j++)
            *dst[j] = st.n > 0 ? qnn_quantile(x, 1, (size_t)run->ninst, q[j]) : NAN;
    }
    free(x);
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Instance files                                                           */
/* ------------------------------------------------------------------------ */

typedef struct bytes {
    unsigned char *p;
    size_t n, cap;
    int oom;
} bytes;

static void put(bytes *b, const void *x, size_t n)
{
    if (b->oom)
        return;
    if (b->n + n > b->cap) {
        size_t nc = b->cap ? b->cap : 4096;
        while (nc < b->n + n)
            nc *= 2;
        unsigned char *np = realloc(b->p, nc);
        if (!np) {
            b->oom = 1;
            return;
        }
        b->p = np;
        b->cap = nc;
    }
    memcpy(b->p + b->n, x, n);
    b->n += n;
}
static void put_i64(bytes *b, int64_t v) { put(b, &v, sizeof v); }
static void put_i32(bytes *b, int32_t v) { put(b, &v, sizeof v); }
static void put_f64(bytes *b, double v) { put(b, &v, sizeof v); }

/* The double fields of qnn_obs, in file order. */
static const size_t obs_doubles[] = {
    OBS(time), OBS(eps), OBS(loss), OBS(kernel), OBS(lambda_min), OBS(lambda_max), OBS(grad_norm),
    OBS(yhat0), OBS(kchange), OBS(drift), OBS(entropy), OBS(tdist), OBS(grad_inf), OBS(grad_ms),
    OBS(laziness), OBS(accuracy), OBS(test_accuracy), OBS(h_min), OBS(h_max), OBS(h_trace),
    OBS(h_frac_pos), OBS(proxy), OBS(err_norm),
};
#define NOBSD (sizeof obs_doubles / sizeof obs_doubles[0])
_Static_assert(NOBSD * 8 + 8 + 8 == sizeof(qnn_obs), "qnn_obs: a double field is not serialised");

/* Instance file of point k, instance i of a sweep whose point k has the
 * fingerprint fp: header, the instance, FNV-1a of all that. */
static int serialise(bytes *b, uint64_t fp, long k, int i, const qnn_run_instance *ri, int m)
{
    b->n = 0;
    put(b, INST_MAGIC, 8);
    put_i32(b, 0x01020304);     /* byte order */
    put(b, &fp, sizeof fp);
    put_i64(b, k);
    put_i64(b, i);
    put_i64(b, ri->diverged_at);
    const qnn_consts *c = &ri->consts;
    put_i32(b, c->n);
    put_i32(b, c->L);
    put_i32(b, c->m);
    const double cd[] = { c->D, c->gamma, c->eta, c->sigma_theta, c->trO, c->trO2, c->trO4,
                          c->H_op2_sum, c->loss_scale, c->dt };
    for (size_t j = 0; j < sizeof cd / sizeof cd[0]; j++)
        put_f64(b, cd[j]);
    put_i32(b, m);
    put_i32(b, ri->resid != NULL);
    put_i64(b, (int64_t)ri->nrec);
    for (size_t r = 0; r < ri->nrec; r++) {
        const qnn_obs *o = &ri->rec[r];
        put_i64(b, o->step);
        put_i32(b, o->event);
        for (size_t j = 0; j < NOBSD; j++)
            put_f64(b, obs_field(o, obs_doubles[j]));
    }
    const size_t mm = (size_t)m * (size_t)m;
    put(b, ri->K0, mm * sizeof(double));
    put(b, ri->eig0, (size_t)m * sizeof(double));
    if (ri->resid)
        put(b, ri->resid, ri->nrec * (size_t)m * sizeof(double));
    put_i64(b, (int64_t)ri->nspec);
    for (size_t q = 0; q < ri->nspec; q++) {
        const qnn_spectrum_rec *sp = &ri->spec[q];
        put_i64(b, sp->step);
        put_i32(b, sp->exact);
        put_i32(b, sp->upload);
        put_i64(b, (int64_t)sp->dim);
        put_i64(b, (int64_t)sp->n);
        put(b, sp->x, sp->n * sizeof(double));
        put(b, sp->w, sp->n * sizeof(double));
    }
    uint64_t h = fnv64(b->p, b->n, FNV_SEED);
    put(b, &h, sizeof h);
    return b->oom ? -1 : 0;
}

typedef struct rd {
    const unsigned char *p;
    size_t n, at;
    int bad;
} rd;

static void get(rd *r, void *x, size_t n)
{
    if (r->bad || n > r->n - r->at) {
        r->bad = 1;
        memset(x, 0, n);
        return;
    }
    memcpy(x, r->p + r->at, n);
    r->at += n;
}
static int64_t get_i64(rd *r) { int64_t v; get(r, &v, sizeof v); return v; }
static int32_t get_i32(rd *r) { int32_t v; get(r, &v, sizeof v); return v; }
static double get_f64(rd *r) { double v; get(r, &v, sizeof v); return v; }

/* The header of an instance file: fingerprint, point, instance. 0 when the
 * file is whole (size, checksum), -1 with the reason. */
static int check_file(const unsigned char *p, size_t n, uint64_t *fp, long *k, int *i, const char **why)
{
    if (n < 8 + 4 + 8 + 8 + 8 + 8 || memcmp(p, INST_MAGIC, 8) != 0) {
        *why = "not an instance file (or cut short)";
        return -1;
    }
    uint64_t h;
    memcpy(&h, p + n - 8, 8);
    if (fnv64(p, n - 8, FNV_SEED) != h) {
        *why = "its checksum does not match (damaged or cut short)";
        return -1;
    }
    rd r = { p, n - 8, 8, 0 };
    if (get_i32(&r) != 0x01020304) {
        *why = "written on a machine of the other byte order";
        return -1;
    }
    get(&r, fp, sizeof *fp);
    *k = (long)get_i64(&r);
    int64_t ii = get_i64(&r);
    *i = ii >= 0 && ii <= INT32_MAX ? (int)ii : -1;
    return 0;
}

/* Reads a whole instance file (checked with check_file) into *ri. p are
 * the point's parameters: the sizes must be those it produces. 0, or -1
 * with the reason. */
static int deserialise(const unsigned char *p, size_t n, const qnn_params *prm, qnn_run_instance *ri,
                       const char **why)
{
    memset(ri, 0, sizeof *ri);
    ri->diverged_at = -1;
    rd r = { p, n - 8, 8 + 4 + 8 + 8, 0 };
    ri->index = (int)get_i64(&r);
    ri->diverged_at = (long)get_i64(&r);
    qnn_consts *c = &ri->consts;
    c->n = get_i32(&r);
    c->L = get_i32(&r);
    c->m = get_i32(&r);
    double *cd[] = { &c->D, &c->gamma, &c->eta, &c->sigma_theta, &c->trO, &c->trO2, &c->trO4,
                     &c->H_op2_sum, &c->loss_scale, &c->dt };
    for (size_t j = 0; j < sizeof cd / sizeof cd[0]; j++)
        *cd[j] = get_f64(&r);
    const int m = get_i32(&r), has_resid = get_i32(&r);
    const int64_t nrec = get_i64(&r);
    long T;
    int every;
    qnn_params_records(prm, &T, &every);
    if (r.bad || m != qnn_run_outputs(prm) || has_resid != (prm->record_residuals != 0) || nrec < 1 ||
        nrec > T / every + 2) {
        *why = "its sizes do not belong to this point's parameters";
        return -1;
    }
    ri->nrec = (size_t)nrec;
    const size_t mm = (size_t)m * (size_t)m;
    ri->rec = calloc(ri->nrec, sizeof *ri->rec);
    ri->K0 = malloc(mm * sizeof(double));
    ri->eig0 = malloc((size_t)m * sizeof(double));
    ri->resid = has_resid ? malloc(ri->nrec * (size_t)m * sizeof(double)) : NULL;
    if (!ri->rec || !ri->K0 || !ri->eig0 || (has_resid && !ri->resid)) {
        qnn_run_instance_clear(ri);
        *why = "out of memory";
        return -1;
    }
    for (size_t q = 0; q < ri->nrec; q++) {
        qnn_obs *o = &ri->rec[q];
        o->step = (long)get_i64(&r);
        o->event = get_i32(&r);
        for (size_t j = 0; j < NOBSD; j++) {
            double v = get_f64(&r);
            memcpy((char *)o + obs_doubles[j], &v, sizeof v);
        }
    }
    get(&r, ri->K0, mm * sizeof(double));
    get(&r, ri->eig0, (size_t)m * sizeof(double));
    if (ri->resid)
        get(&r, ri->resid, ri->nrec * (size_t)m * sizeof(double));
    int64_t nspec = get_i64(&r);
    if (r.bad || nspec < 0 || nspec > nrec + T + 1) {
        qnn_run_instance_clear(ri);
        *why = "its spectra do not fit";
        return -1;
    }
    if (nspec > 0) {
        ri->spec = calloc((size_t)nspec, sizeof *ri->spec);
        if (!ri->spec) {
            qnn_run_instance_clear(ri);
            *why = "out of memory";
            return -1;
        }
    }
    for (int64_t q = 0; q < nspec && !r.bad; q++) {
        qnn_spectrum_rec *sp = &ri->spec[q];
        ri->nspec++;
        sp->step = (long)get_i64(&r);
        sp->exact = get_i32(&r);
        sp->upload = get_i32(&r);
        int64_t dim = get_i64(&r), ns = get_i64(&r);
        if (r.bad || dim < 0 || ns < 0 || (uint64_t)ns > (r.n - r.at) / 16) {
            r.bad = 1;
            break;
        }
        sp->dim = (size_t)dim;
        sp->n = (size_t)ns;
        sp->x = malloc((size_t)ns * sizeof(double) + 1);
        sp->w = malloc((size_t)ns * sizeof(double) + 1);
        if (!sp->x || !sp->w) {
            qnn_run_instance_clear(ri);
            *why = "out of memory";
            return -1;
        }
        get(&r, sp->x, sp->n * sizeof(double));
        get(&r, sp->w, sp->n * sizeof(double));
    }
    if (r.bad || r.at != r.n) {
        qnn_run_instance_clear(ri);
        *why = "its contents do not add up to its size";
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Files and directories                                                    */
/* ------------------------------------------------------------------------ */

static void inst_path(const char *dir, long k, int i, char *out, size_t len)
{
    snprintf(out, len, "%s/points/%04ld/inst/%06d.qi", dir, k, i);
}

static int mkdir_one(const char *path)
{
    if (mkdir(path, 0777) == 0 || errno == EEXIST) {
        struct stat st;
        if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
            return 0;
        errno = ENOTDIR;
    }
    return -1;
}

/* Creates path and its parents. 0 or -1 (errno). */
static int mkdir_p(const char *path)
{
    char tmp[PATH_MAX];
    if (snprintf(tmp, sizeof tmp, "%s", path) >= (int)sizeof tmp) {
        errno = ENAMETOOLONG;
        return -1;
    }
    for (char *s = tmp + 1; *s; s++)
        if (*s == '/') {
            *s = 0;
            if (mkdir_one(tmp) != 0)
                return -1;
            *s = '/';
        }
    return mkdir_one(tmp);
}

/* Writes data to path, whole or not at all (afile.h). 0, or -1 with a
 * message. */
static int write_atomic(const char *path, const void *data, size_t n, char *err, size_t errlen)
{
    afile a;
    if (afile_open(&a, path, err, errlen) != AFILE_OK)
        return -1;
    errno = 0;
    if (n > 0 && fwrite(data, 1, n, a.f) != n) {
        snprintf(err, errlen, "cannot write '%s': %s", a.tmp, strerror(errno ? errno : EIO));
        afile_abort(&a);
        return -1;
    }
    return afile_commit(&a, err, errlen) == AFILE_OK ? 0 : -1;
}

/* Reads a whole file of at most max bytes. 0; -1 with errno (EFBIG when
 * larger). */
static int read_all(const char *path, size_t max, unsigned char **data, size_t *n)
{
    *data = NULL;
    *n = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        errno = EINVAL;
        return -1;
    }
    if ((size_t)st.st_size > max) {
        close(fd);
        errno = EFBIG;
        return -1;
    }
    unsigned char *p = malloc((size_t)st.st_size + 1);
    if (!p) {
        close(fd);
        errno = ENOMEM;
        return -1;
    }
    size_t got = 0;
    while (got < (size_t)st.st_size) {
        ssize_t r = read(fd, p + got, (size_t)st.st_size - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    p[got] = 0;
    *data = p;
    *n = got;
    return 0;
}

/* Loads instance i of point k from DIR into *ri: 0; 1 when there is no
 * file; -1 when the file is there but not a complete instance of this
 * point (why says what). */
static int load_instance(const char *dir, long k, int i, uint64_t fp, const qnn_params *prm,
                         qnn_run_instance *ri, const char **why)
{
    char path[PATH_MAX + 64];
    inst_path(dir, k, i, path, sizeof path);
    unsigned char *data;
    size_t n;
    if (read_all(path, INST_MAX_BYTES, &data, &n) != 0) {
        if (errno == ENOENT)
            return 1;
        *why = errno == EFBIG ? "it is too large to be an instance file" : "it cannot be read";
        return -1;
    }
    uint64_t ffp;
    long fk;
    int fi;
    int rc = check_file(data, n, &ffp, &fk, &fi, why);
    if (rc == 0 && (ffp != fp || fk != k || fi != i)) {
        *why = "it belongs to another point, instance or sweep";
        rc = -1;
    }
    if (rc == 0 && ri)
        rc = deserialise(data, n, prm, ri, why);
    free(data);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* What a sweep is: the manifest                                            */
/* ------------------------------------------------------------------------ */

/* "key=value\n" for every parameter that decides what an instance computes
 * (all but threads), and its hash. */
static json_t *point_params(const qnn_params *p, uint64_t *fp)
{
    json_t *o = json_object();
    size_t nk = 0;
    const qnn_key_info *keys = qnn_params_keys(&nk);
    uint64_t h = FNV_SEED;
    for (size_t j = 0; j < nk; j++) {
        if (!strcmp(keys[j].name, "threads"))
            continue;
        char v[QNN_TEXT_MAX + 64];
        if (qnn_params_get(p, keys[j].name, v, sizeof v) != 0)
            continue;
        json_object_set_new(o, keys[j].name, json_string(v));
        h = fnv64(keys[j].name, strlen(keys[j].name), h);
        h = fnv64("=", 1, h);
        h = fnv64(v, strlen(v), h);
        h = fnv64("\n", 1, h);
    }
    *fp = h;
    return o;
}

static json_t *manifest_build(const qnn_result *res, const char *const *over, int nover, const char *stats,
                              uint64_t *fps)
{
    const qnn_preset *ps = res->preset;
    json_t *m = json_object();
    json_object_set_new(m, "format", json_string(SWEEP_FORMAT));
    json_object_set_new(m, "qnnlab", json_string(QNN_VERSION));
    json_object_set_new(m, "preset", json_string(ps->name));
    json_t *ov = json_array();
    for (int i = 0; i < nover; i++)
        json_array_append_new(ov, json_string(over[i]));
    json_object_set_new(m, "overrides", ov);
    json_object_set_new(m, "instances", json_integer(res->npoints > 0 ? res->points[0].params.instances : 0));
    json_object_set_new(m, "stats", json_string(stats));
    json_t *grid = json_array();
    for (int s = 0; s < ps->nsweep; s++) {
        json_t *vals = json_array();
        for (int v = 0; v < ps->sweep[s].nvalues; v++)
            json_array_append_new(vals, json_string(ps->sweep[s].values[v]));
        json_array_append_new(grid, json_pack("{s:s, s:o}", "key", ps->sweep[s].key, "values", vals));
    }
    json_object_set_new(m, "grid", grid);
    json_t *pts = json_array();
    for (long k = 0; k < res->npoints; k++) {
        char label[512], hex[24];
        qnn_point_label(res, k, label, sizeof label);
        json_t *prm = point_params(&res->points[k].params, &fps[k]);
        snprintf(hex, sizeof hex, "%016" PRIx64, fps[k]);
        json_array_append_new(pts, json_pack("{s:I, s:s, s:s, s:o}", "index", (json_int_t)k, "label", label,
                                             "fingerprint", hex, "params", prm));
    }
    json_object_set_new(m, "points", pts);
    return m;
}

/* Why the sweep recorded in old is not the one in new (NULL: same). What
 * decides it: the grid, R and every point's parameters. */
static const char *manifest_differs(json_t *old, json_t *nw, char *buf, size_t len)
{
    const char *fmt = json_string_value(json_object_get(old, "format"));
    if (!fmt || strcmp(fmt, SWEEP_FORMAT) != 0) {
        snprintf(buf, len, "its sweep.json is not a %s manifest", SWEEP_FORMAT);
        return buf;
    }
    if (!json_equal(json_object_get(old, "grid"), json_object_get(nw, "grid"))) {
        snprintf(buf, len, "it sweeps another grid");
        return buf;
    }
    if (!json_equal(json_object_get(old, "instances"), json_object_get(nw, "instances"))) {
        snprintf(buf, len, "it has %" JSON_INTEGER_FORMAT " instances per point, not %" JSON_INTEGER_FORMAT,
                 json_integer_value(json_object_get(old, "instances")),
                 json_integer_value(json_object_get(nw, "instances")));
        return buf;
    }
    json_t *po = json_object_get(old, "points"), *pn = json_object_get(nw, "points");
    if (json_array_size(po) != json_array_size(pn)) {
        snprintf(buf, len, "it has %zu points, not %zu", json_array_size(po), json_array_size(pn));
        return buf;
    }
    for (size_t k = 0; k < json_array_size(pn); k++) {
        json_t *a = json_object_get(json_array_get(po, k), "params");
        json_t *b = json_object_get(json_array_get(pn, k), "params");
        if (json_equal(a, b))
            continue;
        const char *key;
        json_t *v;
        json_object_foreach(b, key, v) {
            json_t *w = json_object_get(a, key);
            if (!json_equal(v, w)) {
                snprintf(buf, len, "point %zu has %s = %s there, %s here", k, key,
                         w ? json_string_value(w) : "(none)", json_string_value(v));
                return buf;
            }
        }
        snprintf(buf, len, "point %zu has other parameters", k);
        return buf;
    }
    return NULL;
}

/* ------------------------------------------------------------------------ */
/* The work                                                                 */
/* ------------------------------------------------------------------------ */

typedef struct item { int32_t point, inst; } item;

typedef struct outmsg { item it; bytes b; } outmsg;

typedef struct sweeper {
    const qnn_result *res;
    const char *dir;
    const uint64_t *fp;
    int threads;
    int remote;               /* 1: a rank > 0 (items from the mailbox, results to the outbox) */
    pthread_mutex_t lock;
    pthread_cond_t cond;
    atomic_int stop;          /* a signal's number, or 1 after a failure */
    int failed;
    char err[1024];
    /* the queue of missing instances (a single process, rank 0): the
     * pool's item k is queue[k] */
    item *queue;
    size_t nqueue;
    /* rank > 0 */
    item *mail;
    size_t nmail, mailcap;
    int nomore;
    outmsg *out;
    size_t nout, outcap;
    int busy;
    /* progress (rank 0) */
    long done, total, kept;
    long *by_rank;            /* rank 0: instances computed by each rank */
    double t0, last_print;
    int quiet, tty, ranks;
} sweeper;

static atomic_int *signal_target;

static void on_sweep_signal(int sig)
{
    if (signal_target)
        atomic_store(signal_target, sig);
}

/* SIGINT, SIGTERM and SIGHUP store their number in s->stop until
 * sweep_signals_off puts the handlers saved in old[3] back. */
static void sweep_signals_on(sweeper *s, struct sigaction old[3])
{
    signal_target = &s->stop;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sweep_signal;
    sigaction(SIGINT, &sa, &old[0]);
    sigaction(SIGTERM, &sa, &old[1]);
    sigaction(SIGHUP, &sa, &old[2]);
}

static void sweep_signals_off(const struct sigaction old[3])
{
    signal_target = NULL;
    sigaction(SIGINT, &old[0], NULL);
    sigaction(SIGTERM, &old[1], NULL);
    sigaction(SIGHUP, &old[2], NULL);
}

static void sweep_fail(sweeper *s, const char *msg)
{
    pthread_mutex_lock(&s->lock);
    if (!s->failed)
        snprintf(s->err, sizeof s->err, "%s", msg);
    s->failed = 1;
    atomic_store(&s->stop, 1);
    pthread_cond_broadcast(&s->cond);
    pthread_mutex_unlock(&s->lock);
}

/* Under s->lock: one more instance is in DIR. */
static void progress_locked(sweeper *s)
{
    s->done++;
    if (s->quiet)
        return;
    double t = now_s();
    long fresh = s->done - s->kept;
    int last = s->done == s->total;
    if (!last && t - s->last_print < (s->tty ? 0.25 : 10.0))
        return;
    s->last_print = t;
    double el = t - s->t0;
    double eta = fresh > 0 ? el / (double)fresh * (double)(s->total - s->done) : NAN;
    fprintf(stderr, "%s  %ld/%ld instances (%.0f %%), %.1f s", s->tty ? "\r" : "", s->done, s->total,
            100.0 * (double)s->done / (double)(s->total > 0 ? s->total : 1), el);
    if (!last && isfinite(eta))
        fprintf(stderr, ", about %.0f s to go   ", eta);
    if (!s->tty || last)
        fputc('\n', stderr);
    fflush(stderr);
}

/* Writes one serialised instance into DIR. 0, or -1 (failure recorded). */
static int store(sweeper *s, item it, const bytes *b, int from)
{
    char path[PATH_MAX + 64], err[PATH_MAX + 256];
    inst_path(s->dir, it.point, it.inst, path, sizeof path);
    if (write_atomic(path, b->p, b->n, err, sizeof err) != 0) {
        char msg[sizeof err + 128];
        snprintf(msg, sizeof msg, "--out: value '%s': %s; allowed: a writable directory with free space", s->dir, err);
        sweep_fail(s, msg);
        return -1;
    }
    pthread_mutex_lock(&s->lock);
    if (s->by_rank)
        s->by_rank[from]++;
    progress_locked(s);
    pthread_mutex_unlock(&s->lock);
    return 0;
}

/* A worker of the sweep's pool: items from the pool (a single process,
 * rank 0) or from the mailbox (rank > 0), until there are none, the sweep
 * stops or an item fails. */
static void sweep_worker(qnn_pool *pool, int w, void *arg)
{
    (void)w;
    sweeper *s = arg;
    qnn_instance *lender = NULL;
    long lender_point = -1;
    bytes b = { 0 };
    for (;;) {
        item it;
        if (!s->remote) {
            long k = qnn_pool_next(pool);   /* none once s->stop is set */
            if (k < 0)
                break;
            it = s->queue[k];
            pthread_mutex_lock(&s->lock);
        } else {
            pthread_mutex_lock(&s->lock);
            while (s->nmail == 0 && !s->nomore && !s->failed && !atomic_load(&s->stop))
                pthread_cond_wait(&s->cond, &s->lock);
            if (s->nmail == 0 || s->failed || atomic_load(&s->stop)) {
                pthread_mutex_unlock(&s->lock);
                break;
            }
            it = s->mail[0];
            memmove(s->mail, s->mail + 1, --s->nmail * sizeof *s->mail);
        }
        s->busy++;
        pthread_mutex_unlock(&s->lock);

        const qnn_params *p = &s->res->points[it.point].params;
        char err[512];
        int ok = 1;
        if (p->resample == QNN_RESAMPLE_THETA && lender_point != it.point) {
            qnn_instance_free(lender);
            lender_point = -1;
            if (qnn_run_lender(p, &lender, err, sizeof err) != 0) {
                sweep_fail(s, err);
                ok = 0;
            } else {
                lender_point = it.point;
            }
        }
        qnn_run_instance ri;
        int rc = ok ? qnn_run_one(p, it.inst, lender, &s->stop, &ri, err, sizeof err) : -1;
        if (rc < 0 && ok)
            sweep_fail(s, err);
        if (rc == 0) {
            if (serialise(&b, s->fp[it.point], it.point, it.inst, &ri, qnn_run_outputs(p)) != 0) {
                sweep_fail(s, "out of memory while keeping an instance");
                rc = -1;
            }
            qnn_run_instance_clear(&ri);
        }
        if (rc == 0 && !s->remote) {
            rc = store(s, it, &b, 0);
        } else if (rc == 0) {
            pthread_mutex_lock(&s->lock);
            if (s->nout == s->outcap) {
                size_t nc = s->outcap ? 2 * s->outcap : 8;
                outmsg *no = realloc(s->out, nc * sizeof *no);
                if (no) {
                    s->out = no;
                    s->outcap = nc;
                }
            }
            if (s->nout < s->outcap) {
                s->out[s->nout].it = it;
                s->out[s->nout].b = b;   /* handed over */
                s->nout++;
                memset(&b, 0, sizeof b);
            } else {
                rc = -1;
            }
            pthread_mutex_unlock(&s->lock);
            if (rc != 0)
                sweep_fail(s, "out of memory while keeping an instance");
        }
        pthread_mutex_lock(&s->lock);
        s->busy--;
        pthread_mutex_unlock(&s->lock);
        if (rc != 0)
            break;
    }
    qnn_instance_free(lender);
    free(b.p);
}

/* A single process: the worker threads alone (the calling thread one of
 * them). */
static void work_local(sweeper *s)
{
    qnn_pool_run(s->threads, (long)s->nqueue, &s->stop, sweep_worker, s);
}

#ifdef QNN_HAVE_MPI
enum { TAG_REQ = 11, TAG_ITEM = 12, TAG_DONE = 13, TAG_RESULT = 14, TAG_FAIL = 15 };

/* Rank 0: workers on the local queue; the main thread serves the queue to
 * the other ranks and stores what they send back. */
static void work_mpi_root(sweeper *s, MPI_Comm comm, int size)
{
    qnn_pool *pool = qnn_pool_start(s->threads, (long)s->nqueue, &s->stop, sweep_worker, s);
    if (!pool) {
        sweep_fail(s, "out of memory");
        return;
    }
    int active = size - 1;    /* ranks that have not been told DONE */
    long outstanding = 0;     /* items out on other ranks */
    unsigned char *rbuf = NULL;
    int idle = 0;
    while (active > 0 || outstanding > 0) {
        if (atomic_load(&s->stop))
            break;            /* a signal or a failure: the caller ends the job (MPI_Abort) */
        int flag = 0;
        MPI_Status st;
        MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, comm, &flag, &st);
        if (!flag) {
            nap_idle(&idle);
            continue;
        }
        idle = 0;
        if (st.MPI_TAG == TAG_REQ) {
            int32_t dummy;
            MPI_Recv(&dummy, 1, MPI_INT32_T, st.MPI_SOURCE, TAG_REQ, comm, MPI_STATUS_IGNORE);
            item it;
            long k = qnn_pool_next(pool);   /* the same queue as the workers' */
            int have = k >= 0;
            if (have)
                it = s->queue[k];
            if (have) {
                int32_t msg[2] = { it.point, it.inst };
                MPI_Send(msg, 2, MPI_INT32_T, st.MPI_SOURCE, TAG_ITEM, comm);
                outstanding++;
            } else {
                MPI_Send(&dummy, 0, MPI_INT32_T, st.MPI_SOURCE, TAG_DONE, comm);
                active--;
            }
        } else if (st.MPI_TAG == TAG_RESULT || st.MPI_TAG == TAG_FAIL) {
            int cnt = 0;
            MPI_Get_count(&st, MPI_BYTE, &cnt);
            free(rbuf);
            rbuf = malloc((size_t)cnt + 1);
            if (!rbuf) {
                sweep_fail(s, "out of memory for a result from another rank");
                break;
            }
            MPI_Recv(rbuf, cnt, MPI_BYTE, st.MPI_SOURCE, st.MPI_TAG, comm, MPI_STATUS_IGNORE);
            outstanding--;
            if (st.MPI_TAG == TAG_FAIL) {
                rbuf[cnt] = 0;
                char msg[1200];
                snprintf(msg, sizeof msg, "rank %d: %s", st.MPI_SOURCE, (char *)rbuf);
                sweep_fail(s, msg);
                break;
            }
            uint64_t fp;
            long k;
            int i;
            const char *why = "";
            if (check_file(rbuf, (size_t)cnt, &fp, &k, &i, &why) != 0 || k < 0 || k >= s->res->npoints ||
                i < 0 || fp != s->fp[k]) {
                char msg[256];
                snprintf(msg, sizeof msg, "rank %d sent an instance that is not one of this sweep (%s)", st.MPI_SOURCE, why);
                sweep_fail(s, msg);
                continue;
            }
            bytes b = { rbuf, (size_t)cnt, (size_t)cnt, 0 };
            item it = { (int32_t)k, i };
            store(s, it, &b, st.MPI_SOURCE);
        } else {
            /* not ours: take it off the queue so the loop cannot spin */
            MPI_Recv(NULL, 0, MPI_BYTE, st.MPI_SOURCE, st.MPI_TAG, comm, MPI_STATUS_IGNORE);
        }
    }
    free(rbuf);
    qnn_pool_join(pool);
}

/* Rank > 0: asks for an item whenever a worker is idle, sends results. */
static void work_mpi_worker(sweeper *s, MPI_Comm comm)
{
    s->mail = calloc((size_t)s->threads + 1, sizeof *s->mail);
    s->mailcap = (size_t)s->threads + 1;
    /* the workers take items from the mailbox, not from the pool */
    qnn_pool *pool = s->mail ? qnn_pool_start(s->threads, 0, &s->stop, sweep_worker, s) : NULL;
    if (s->mail && !pool) {
        const char *msg = "out of memory";
        MPI_Send(msg, (int)strlen(msg), MPI_BYTE, 0, TAG_FAIL, comm);
        return;
    }
    int n = pool ? qnn_pool_workers(pool) : 0;
    int asked = 0, polls = 0;
    for (;;) {
        int did = 0;
        /* results first: they free rank 0's bookkeeping */
        pthread_mutex_lock(&s->lock);
        outmsg *send = NULL;
        size_t nsend = s->nout;
        if (nsend) {
            send = malloc(nsend * sizeof *send);
            if (send) {
                memcpy(send, s->out, nsend * sizeof *send);
                s->nout = 0;
            } else {
                nsend = 0;
            }
        }
        int failed = s->failed, idle = s->threads - s->busy - (int)s->nmail;
        int finished = s->nomore && s->busy == 0 && s->nmail == 0 && s->nout == 0;
        char err[1024];
        snprintf(err, sizeof err, "%s", s->err);
        pthread_mutex_unlock(&s->lock);
        for (size_t j = 0; j < nsend; j++) {
            MPI_Send(send[j].b.p, (int)send[j].b.n, MPI_BYTE, 0, TAG_RESULT, comm);
            free(send[j].b.p);
            did = 1;
        }
        free(send);
        if (n == 0 && !failed) {
            snprintf(err, sizeof err, "cannot start a worker thread");
            failed = 1;
        }
        if (failed) {
            /* rank 0 prints it and ends the job (MPI_Abort) */
            MPI_Send(err, (int)strlen(err), MPI_BYTE, 0, TAG_FAIL, comm);
            break;
        }
        if (finished || atomic_load(&s->stop) > 1)
            break;
        if (!asked && !s->nomore && !failed && idle > 0) {
            int32_t dummy = 0;
            MPI_Send(&dummy, 1, MPI_INT32_T, 0, TAG_REQ, comm);
            asked = 1;
            did = 1;
        }
        if (asked) {
            int flag = 0;
            MPI_Status st;
            MPI_Iprobe(0, MPI_ANY_TAG, comm, &flag, &st);
            if (flag) {
                int32_t msg[2] = { 0, 0 };
                MPI_Recv(msg, 2, MPI_INT32_T, 0, st.MPI_TAG, comm, MPI_STATUS_IGNORE);
                pthread_mutex_lock(&s->lock);
                if (st.MPI_TAG == TAG_ITEM && s->nmail < s->mailcap)
                    s->mail[s->nmail++] = (item){ msg[0], msg[1] };
                else
                    s->nomore = 1;
                pthread_cond_broadcast(&s->cond);
                pthread_mutex_unlock(&s->lock);
                asked = 0;
                did = 1;
            }
        }
        if (!did)
            nap_idle(&polls);
        else
            polls = 0;
    }
    pthread_mutex_lock(&s->lock);
    s->nomore = 1;
    pthread_cond_broadcast(&s->cond);
    pthread_mutex_unlock(&s->lock);
    qnn_pool_join(pool);
    for (size_t j = 0; j < s->nout; j++)
        free(s->out[j].b.p);
}
#endif

/* CPUs this process may run on (its affinity mask: mpirun binds ranks). */
static int cpus_available(void)
{
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0)
        return CPU_COUNT(&set);
    return qnn_run_default_threads();
}

/* ------------------------------------------------------------------------ */
/* Reduction: instance files -> runs -> summaries, traces, figures          */
/* ------------------------------------------------------------------------ */

/* The figure of one point: the preset's own when it shows one point's
 * ensemble, else the training figure. */
static qnn_figure_kind point_figure(qnn_figure_kind f)
{
    return f == QNN_FIG_HESSIAN || f == QNN_FIG_HISTOGRAM || f == QNN_FIG_CARLEMAN ? f : QNN_FIG_TRAINING;
}

/* Reads point k's R instance files into a run, analyses it and reduces the
 * per-instance statistics (stat: NSTAT entries). 0, or -1 with a message. */
static int load_point(const char *dir, qnn_point *pt, long k, uint64_t fp, qnn_sweep_stat *stat,
                      char *err, size_t errlen)
{
    const qnn_params *p = &pt->params;
    const int R = p->instances;
    qnn_run_instance *inst = calloc((size_t)R, sizeof *inst);
    if (!inst) {
        snprintf(err, errlen, "out of memory for %d instances", R);
        return -1;
    }
    for (int i = 0; i < R; i++) {
        const char *why = "";
        int rc = load_instance(dir, k, i, fp, p, &inst[i], &why);
        if (rc != 0) {
            char path[PATH_MAX + 64];
            inst_path(dir, k, i, path, sizeof path);
            snprintf(err, errlen, "'%s': %s; allowed: a complete sweep (run `qnnlab sweep` with the same arguments to finish it)",
                     path, rc > 0 ? "missing" : why);
            for (int j = 0; j < i; j++)
                qnn_run_instance_clear(&inst[j]);
            free(inst);
            return -1;
        }
    }
    qnn_run *run = NULL;
    if (qnn_run_assemble(p, inst, R, &run, err, errlen) != 0)
        return -1;
    pt->run = run;
    if (qnn_analyse(run, &pt->sum) != 0 || reduce_stats(run, stat) != 0) {
        snprintf(err, errlen, "out of memory while analysing point %ld", k);
        return -1;
    }
    return 0;
}

static void csv_field(FILE *f, double v)
{
    if (isnan(v))
        fputc(',', f);
    else
        fprintf(f, ",%.17g", v);
}

/* summary.csv: one row per point and statistic that any point has. */
static int write_summary_csv(const qnn_result *res, const qnn_sweep_stat *stat, FILE *f)
{
    const qnn_preset *ps = res->preset;
    fputs("point", f);
    for (int s = 0; s < ps->nsweep; s++)
        fprintf(f, ",%s", ps->sweep[s].key);
    fputs(",statistic,n,mean,se,sd,min,q05,q25,median,q75,q95,max\n", f);
    for (size_t s = 0; s < NSTAT; s++) {
        int any = 0;
        for (long k = 0; k < res->npoints; k++)
            any |= stat[(size_t)k * NSTAT + s].n > 0;
        if (!any)
            continue;
        for (long k = 0; k < res->npoints; k++) {
            const qnn_sweep_stat *st = &stat[(size_t)k * NSTAT + s];
            fprintf(f, "%ld", k);
            for (int j = 0; j < ps->nsweep; j++)
                fprintf(f, ",%s", ps->sweep[j].values[res->points[k].value_index[j]]);
            fprintf(f, ",%s,%ld", st->name, st->n);
            const double v[] = { st->mean, st->se, st->sd, st->min, st->q05, st->q25, st->median, st->q75, st->q95, st->max };
            for (size_t j = 0; j < sizeof v / sizeof v[0]; j++)
                csv_field(f, v[j]);
            fputc('\n', f);
        }
    }
    return ferror(f) ? -1 : 0;
}

typedef int (*stream_writer)(const void *ctx, const void *ctx2, FILE *f);

/* Writes what fn prints into path, atomically. 0, or -1 with a message. */
static int write_stream(const char *path, stream_writer fn, const void *ctx, const void *ctx2, char *err, size_t errlen)
{
    char *mem = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&mem, &n);
    if (!f) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    int rc = fn(ctx, ctx2, f);
    if (fclose(f) != 0)
        rc = -1;
    if (rc != 0) {
        free(mem);
        snprintf(err, errlen, "out of memory while writing '%s'", path);
        return -1;
    }
    rc = write_atomic(path, mem, n, err, errlen);
    free(mem);
    return rc;
}

static int w_summary_csv(const void *a, const void *b, FILE *f) { return write_summary_csv(a, b, f); }
static int w_summary_json(const void *a, const void *b, FILE *f) { (void)b; return qnn_write_summary_json(a, f); }

/* A figure, whole or not at all. */
static int write_figure_atomic(const qnn_result *res, int format, const char *path, char *err, size_t errlen)
{
    afile a;
    if (afile_reserve(&a, path, err, errlen) != AFILE_OK)
        return -1;
    if (qnn_write_figure(res, format, a.tmp, err, errlen) != 0) {
        afile_abort(&a);
        return -1;
    }
    return afile_commit(&a, err, errlen) == AFILE_OK ? 0 : -1;
}

/* A one-point result for point k of res (the point's figure kind). */
static void one_point(const qnn_result *res, long k, qnn_point *pt, qnn_result *one)
{
    *pt = res->points[k];
    pt->params.figure = point_figure(res->preset->params.figure);
    /* the preset's own title may name a value the grid changes */
    char label[256];
    qnn_point_label(res, k, label, sizeof label);
    snprintf(pt->params.title, sizeof pt->params.title, "qnnlab sweep: %s%s%s, %d instance%s", res->preset->name,
             label[0] ? ", " : "", label, pt->params.instances, pt->params.instances == 1 ? "" : "s");
    memset(one, 0, sizeof *one);
    one->preset = res->preset;
    one->overrides = res->overrides;
    one->noverrides = res->noverrides;
    one->npoints = 1;
    one->points = pt;
}

/* The sweep figure: figure = sweep with the chosen statistics, and a title
 * that names the sweep (the preset's own may name one of its points). */
static void sweep_figure_params(qnn_result *res, const char *stats)
{
    const int R = res->npoints > 0 ? res->points[0].params.instances : 0;
    for (long k = 0; k < res->npoints; k++) {
        qnn_params *p = &res->points[k].params;
        p->figure = QNN_FIG_SWEEP;
        snprintf(p->stats, sizeof p->stats, "%s", stats);
        snprintf(p->title, sizeof p->title, "qnnlab sweep: %s, %d instance%s per point", res->preset->name, R,
                 R == 1 ? "" : "s");
    }
}

/* Everything from the instance files: per point trace.csv, summary.json,
 * figure; summary.csv, summary.json and the sweep figure. Points get
 * figure = sweep with the given statistics for the sweep figure. */
static int reduce(qnn_result *res, const char *dir, const uint64_t *fp, const char *stats, int quiet,
                  const atomic_int *stop, int *diverged, char *err, size_t errlen)
{
    const long P = res->npoints;
    qnn_sweep_stat *stat = calloc((size_t)P * NSTAT, sizeof *stat);
    if (!stat) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    *diverged = 0;
    int rc = 0;
    for (long k = 0; k < P && rc == 0; k++) {
        qnn_point *pt = &res->points[k];
        if (atomic_load(stop)) {
            snprintf(err, errlen, "interrupted");
            rc = -1;
            break;
        }
        rc = load_point(dir, pt, k, fp[k], &stat[(size_t)k * NSTAT], err, errlen);
        if (rc != 0)
            break;
        *diverged += pt->sum.diverged;
        qnn_point opt;
        qnn_result one;
        one_point(res, k, &opt, &one);
        char pdir[PATH_MAX + 32];
        snprintf(pdir, sizeof pdir, "%s/points/%04ld", dir, k);
        rc = qnn_write_outputs(&one, pdir, err, errlen);
        if (!quiet) {
            char label[256];
            qnn_point_label(res, k, label, sizeof label);
            const qnn_sweep_stat *fl = &stat[(size_t)k * NSTAT + 1];
            fprintf(stderr, "  point %ld/%ld%s%s: %d instances", k + 1, P, label[0] ? " " : "", label, pt->sum.instances);
            if (fl->n > 0)
                fprintf(stderr, ", final loss %.4g ± %.2g (median %.4g)", fl->mean, fl->se, fl->median);
            else
                fprintf(stderr, ", K(0) = %.4g ± %.2g", pt->sum.kernel_t0.mean, pt->sum.kernel_t0.se);
            if (pt->sum.diverged)
                fprintf(stderr, ", %d diverged", pt->sum.diverged);
            fputc('\n', stderr);
        }
    }
    char path[PATH_MAX + 32];
    if (rc == 0) {
        snprintf(path, sizeof path, "%s/summary.csv", dir);
        rc = write_stream(path, w_summary_csv, res, stat, err, errlen);
    }
    sweep_figure_params(res, stats);
    if (rc == 0) {
        snprintf(path, sizeof path, "%s/summary.json", dir);
        rc = write_stream(path, w_summary_json, res, NULL, err, errlen);
    }
    static const char *const ext[3] = { "png", "svg", "pdf" };
    if (rc == 0 && atomic_load(stop)) {
        snprintf(err, errlen, "interrupted");
        rc = -1;
    }
    for (int f = 0; f < 3 && rc == 0; f++) {
        snprintf(path, sizeof path, "%s/figure.%s", dir, ext[f]);
        rc = write_figure_atomic(res, f, path, err, errlen);
    }
    free(stat);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* The command                                                              */
/* ------------------------------------------------------------------------ */

/* The refusal (printed by rank 0 only: print); QNN_EXIT_USAGE. */
static int usage_fail(int print, const char *msg)
{
    if (print)
        qnn_refuse("qnnlab", msg);
    return QNN_EXIT_USAGE;
}

#ifndef QNN_HAVE_MPI
/* The number of ranks a launcher says this process is one of (1: none). */
static int launcher_ranks(void)
{
    const char *v[] = { "OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE", "MPI_LOCALNRANKS", "SLURM_NTASKS" };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        const char *e = getenv(v[i]);
        if (e && atoi(e) > 1)
            return atoi(e);
    }
    return 1;
}
#endif

/* Started by an MPI launcher (mpirun, mpiexec, srun with PMI/PMIx)? */
static int under_launcher(void)
{
    return getenv("OMPI_COMM_WORLD_SIZE") || getenv("PMIX_RANK") || getenv("PMI_RANK");
}

/* The statistics named in a comma list, checked. 0, or -1 with a message. */
static int check_stats(const char *list, char *err, size_t errlen)
{
    char buf[256];
    if (snprintf(buf, sizeof buf, "%s", list) >= (int)sizeof buf || !*list) {
        snprintf(err, errlen, "--stat: value '%.40s' is %s; allowed: a comma list of statistics", list, *list ? "too long" : "empty");
        return -1;
    }
    int n = 0;
    char *save = NULL;
    for (char *tok = strtok_r(buf, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save), n++) {
        int ok = 0;
        for (size_t i = 0; qnn_figure_stat_name(i); i++)
            ok |= !strcmp(qnn_figure_stat_name(i), tok);
        if (!ok || n >= 8) {
            char allowed[1024] = "";
            size_t off = 0;
            for (size_t i = 0; qnn_figure_stat_name(i) && off < sizeof allowed; i++)
                off += (size_t)snprintf(allowed + off, sizeof allowed - off, "%s%s", i ? ", " : "", qnn_figure_stat_name(i));
            if (n >= 8)
                snprintf(err, errlen, "--stat: value '%s' names more than 8 statistics; allowed: at most 8 of %s", list, allowed);
            else
                snprintf(err, errlen, "--stat: value '%s': unknown statistic '%s'; allowed: %s", list, tok, allowed);
            return -1;
        }
    }
    return 0;
}

/* Removes the temporary files a killed sweep left in a point's inst/. */
static void clean_tmp(const char *idir)
{
    DIR *d = opendir(idir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] == '.' && strstr(e->d_name, ".tmp.")) {
            char p[PATH_MAX + 300];
            snprintf(p, sizeof p, "%s/%s", idir, e->d_name);
            unlink(p);
        }
    closedir(d);
}

typedef struct sweep_args {
    const char *preset, *out, *stat;
    const char **over;        /* in order: sweep.KEY=..., KEY=VALUE */
    int *from_grid;           /* per override: index of its --grid argument, or -1 */
    const char **grid_arg;
    int nover;
    int threads, quiet;
    char **owned;
    int nowned;
} sweep_args;

static void args_free(sweep_args *a)
{
    for (int i = 0; i < a->nowned; i++)
        free(a->owned[i]);
    free(a->owned);
    free(a->over);
    free(a->from_grid);
    free(a->grid_arg);
}

static int add_override(sweep_args *a, const char *prefix, const char *value, int grid, const char *garg)
{
    size_t l = strlen(prefix) + strlen(value) + 2;
    char *s = malloc(l);
    if (!s)
        return -1;
    snprintf(s, l, "%s%s", prefix, value);
    a->owned[a->nowned++] = s;
    a->from_grid[a->nover] = grid;
    a->grid_arg[a->nover] = garg;
    a->over[a->nover++] = s;
    return 0;
}

/* Parses argv (after "sweep"). QNN_EXIT_OK, or QNN_EXIT_USAGE with the
 * message printed when print. */
enum { SW_GRID = 256, SW_INSTANCES, SW_SET, SW_STEPS, SW_SEED, SW_THREADS, SW_STAT };
static const qnn_opt sweep_opts[] = {
    { "out", 'o', "a directory path", 0 },
    { "grid", SW_GRID, "KEY=V1,V2,... with a sweepable key (`qnnlab --help`)", 0 },
    { "instances", SW_INSTANCES, "instances per grid point (as --set instances=R)", 0 },
    { "set", SW_SET, "KEY=VALUE with a key of `qnnlab --help`", 0 },
    { "steps", SW_STEPS, "a number of steps (as --set steps=N)", 0 },
    { "seed", SW_SEED, "a seed (as --set seed=S)", 0 },
    { "threads", SW_THREADS, "an integer from 1 to 1024", 0 },
    { "stat", SW_STAT, "a statistic of summary.csv, or a comma list of them", 0 },
    { "quiet", 'q', NULL, 0 },
};
/* parse_args: -h or --help (nothing else is checked) */
#define SWEEP_HELP (-1)

/* The arguments of `qnnlab sweep` (argv[0] = "sweep") into a (free it with
 * args_free, also after a failure). QNN_EXIT_OK, SWEEP_HELP, or
 * QNN_EXIT_USAGE after the refusal (printed when print is 1). */
static int parse_args(int argc, char **argv, sweep_args *a, int print)
{
    memset(a, 0, sizeof *a);
    a->over = calloc((size_t)argc + 1, sizeof *a->over);
    a->from_grid = calloc((size_t)argc + 1, sizeof *a->from_grid);
    a->grid_arg = calloc((size_t)argc + 1, sizeof *a->grid_arg);
    a->owned = calloc((size_t)argc + 1, sizeof *a->owned);
    if (!a->over || !a->from_grid || !a->grid_arg || !a->owned)
        return usage_fail(print, "out of memory");
    char err[1024], q[300];
    qnn_optparser op;
    qnn_opt_init(&op, sweep_opts, sizeof sweep_opts / sizeof sweep_opts[0], argc, argv);
    for (int c; (c = qnn_opt_next(&op)) != QNN_OPT_END;) {
        const char *val = op.arg;
        int rc = 0;
        switch (c) {
        case QNN_OPT_HELP:
            return SWEEP_HELP;
        case QNN_OPT_ERROR:
            snprintf(err, sizeof err, "sweep: %s", op.msg);
            return usage_fail(print, err);
        case QNN_OPT_OPERAND:
            if (a->preset) {
                snprintf(err, sizeof err, "sweep: unexpected argument '%s'; allowed: one PRESET", qnn_quote(val, 80, q, sizeof q));
                return usage_fail(print, err);
            }
            a->preset = val;
            break;
        case 'o': a->out = val; break;
        case 'q': a->quiet = 1; break;
        case SW_STAT: a->stat = val; break;
        case SW_THREADS: {
            char *end;
            errno = 0;
            long t = strtol(val, &end, 10);
            if (errno || *end || end == val || t < 1 || t > 1024) {
                snprintf(err, sizeof err, "--threads: value '%s' is out of range; allowed: an integer from 1 to 1024",
                         qnn_quote(val, 80, q, sizeof q));
                return usage_fail(print, err);
            }
            a->threads = (int)t;
            break;
        }
        case SW_GRID: {
            /* KEY=V1,V2,...: a key, and values none of which is empty */
            const char *eq = strchr(val, '=');
            const char *why = NULL;
            if (!eq || eq == val)
                why = "not KEY=V1,V2,...";
            else if (!eq[1])
                why = "no values after '='";
            else if (eq[1] == ',' || val[strlen(val) - 1] == ',' || strstr(eq, ",,"))
                why = "an empty value in the list";
            else if (strchr(val, ' '))
                why = "a space in it";
            if (why) {
                snprintf(err, sizeof err, "--grid: value '%s': %s; allowed: KEY=V1,V2,... with a sweepable key (`qnnlab --help`) and comma-separated values",
                         qnn_quote(val, 200, q, sizeof q), why);
                return usage_fail(print, err);
            }
            rc = add_override(a, "sweep.", val, 1, val);
            break;
        }
        case SW_SET: rc = add_override(a, "", val, 0, NULL); break;
        case SW_INSTANCES: rc = add_override(a, "instances=", val, 0, NULL); break;
        case SW_STEPS: rc = add_override(a, "steps=", val, 0, NULL); break;
        case SW_SEED: rc = add_override(a, "seed=", val, 0, NULL); break;
        }
        if (rc != 0)
            return usage_fail(print, "out of memory");
    }
    if (!a->preset)
        return usage_fail(print, "sweep: missing PRESET; allowed: a name from `qnnlab presets` or a path to an .ini file");
    if (!a->out)
        return usage_fail(print, "sweep: missing --out DIR; allowed: --out followed by a directory path");
    return QNN_EXIT_OK;
}

/* The preset from its text, the overrides applied, every point checked.
 * QNN_EXIT_OK, or QNN_EXIT_USAGE / QNN_EXIT_FAILURE with the message. */
static int prepare(const sweep_args *a, const char *name, const char *path, const char *text, size_t len,
                   qnn_preset *ps, qnn_result *res, char *err, size_t errlen)
{
    memset(ps, 0, sizeof *ps);
    qnn_params_default(&ps->params);
    snprintf(ps->name, sizeof ps->name, "%s", name);
    snprintf(ps->path, sizeof ps->path, "%s", path);
    if (qnn_preset_parse(text, len, path, ps, err, errlen) != 0)
        return QNN_EXIT_USAGE;
    for (int i = 0; i < a->nover; i++) {
        char e[1024];
        if (qnn_preset_override(ps, a->over[i], e, sizeof e) != 0) {
            if (a->from_grid[i])
                snprintf(err, errlen, "--grid %s: %s", a->grid_arg[i], e);
            else
                snprintf(err, errlen, "--set %s: %s", a->over[i], e);
            return QNN_EXIT_USAGE;
        }
    }
    int rc = qnn_result_prepare_loaded(NULL, 0, ps, res, err, errlen);
    res->overrides = a->over;
    res->noverrides = a->nover;
    return rc;
}

/* Threads per process: --threads, else the CPUs this process may use,
 * shared with the other ranks on this node when they may all use the
 * same CPUs (mpirun without binding). */
static int pick_threads(const sweep_args *a, const qnn_result *res, int local_ranks)
{
    int t = a->threads;
    if (t <= 0) {
        int avail = cpus_available();
        long online = sysconf(_SC_NPROCESSORS_ONLN);
        t = avail;
        if (local_ranks > 1 && avail >= online)
            t = avail / local_ranks;
        if (t < 1)
            t = 1;
    }
    /* the memory check fitted each point's threads (qnn_result_prepare) */
    for (long k = 0; k < res->npoints; k++)
        if (res->points[k].params.threads > 0 && res->points[k].params.threads < t &&
            res->points[k].params.threads < res->points[k].params.instances)
            t = res->points[k].params.threads;
    return t;
}

static void append_log(const char *dir, int ranks, int threads, long computed, long kept, const long *by_rank,
                       double secs, int rc)
{
    char path[PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/sweep.log", dir);
    FILE *f = fopen(path, "a");
    if (!f)
        return;
    time_t t = time(NULL);
    struct tm tm;
    char when[64];
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S%z", localtime_r(&t, &tm));
    fprintf(f, "%s qnnlab %s: %d rank(s) x %d thread(s), %ld instance(s) computed", when, QNN_VERSION, ranks, threads, computed);
    if (ranks > 1 && by_rank) {
        fputs(" (by rank:", f);
        for (int r = 0; r < ranks; r++)
            fprintf(f, " %ld", by_rank[r]);
        fputc(')', f);
    }
    fprintf(f, ", %ld kept from before, %.2f s, status %d\n", kept, secs, rc);
    fclose(f);
}

/* Rank 0: reads preset a->preset into *text (*tlen bytes), prepares its
 * points into *ps and *res and picks the statistics of the sweep figure
 * into stats (256 bytes). QNN_EXIT_OK, or the status with the refusal
 * printed. */
static int load_root(const sweep_args *a, qnn_preset *ps, qnn_result *res, unsigned char **text, size_t *tlen,
                     char *stats)
{
    char err[2048];
    qnn_preset probe;
    if (qnn_preset_load(a->preset, &probe, err, sizeof err) != 0)
        return usage_fail(1, err);
    if (read_all(probe.path, QNN_PRESET_MAX_BYTES, text, tlen) != 0) {
        snprintf(err, sizeof err, "preset file '%s': cannot be read; allowed: a readable INI file", probe.path);
        return usage_fail(1, err);
    }
    int rc = prepare(a, probe.name, probe.path, (const char *)*text, *tlen, ps, res, err, sizeof err);
    if (rc != QNN_EXIT_OK) {
        qnn_refuse("qnnlab", err);   /* the message, whatever the status */
        return rc;
    }
    if (a->stat)
        snprintf(stats, 256, "%s", a->stat);
    else if (ps->params.figure == QNN_FIG_SWEEP && ps->params.stats[0])
        snprintf(stats, 256, "%s", ps->params.stats);
    if (check_stats(stats, err, sizeof err) != 0)
        return usage_fail(1, err);
    return QNN_EXIT_OK;
}

/* DIR/.lock, held (flock) by this process into *lockfd. QNN_EXIT_OK, or
 * QNN_EXIT_USAGE with the refusal printed (another sweep writes there). */
static int lock_dir(const char *out, int *lockfd)
{
    char lp[PATH_MAX + 32], err[2048];
    snprintf(lp, sizeof lp, "%s/.lock", out);
    *lockfd = open(lp, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    if (*lockfd < 0 || flock(*lockfd, LOCK_EX | LOCK_NB) != 0) {
        snprintf(err, sizeof err, "--out: value '%s': %s; allowed: wait until the other sweep ends, or another directory",
                 out, *lockfd < 0 ? strerror(errno) : "another qnnlab sweep is writing to it");
        return usage_fail(1, err);
    }
    return QNN_EXIT_OK;
}

/* DIR holds nothing, or the sweep of manifest man (to resume it).
 * QNN_EXIT_OK, or QNN_EXIT_USAGE with the refusal printed. */
static int check_dir(const char *out, json_t *man)
{
    char mp[PATH_MAX + 32], pp[PATH_MAX + 32], err[2048];
    snprintf(mp, sizeof mp, "%s/sweep.json", out);
    snprintf(pp, sizeof pp, "%s/points", out);
    struct stat st;
    json_error_t je;
    json_t *old = NULL;
    int rc = QNN_EXIT_OK;
    if (stat(mp, &st) == 0) {
        old = json_load_file(mp, 0, &je);
        char why[512];
        const char *d = old ? manifest_differs(old, man, why, sizeof why) : "its sweep.json cannot be read";
        if (d) {
            snprintf(err, sizeof err, "--out: value '%s' holds another sweep (%s); allowed: the same preset, grid, instances and settings to resume it, or a new directory",
                     out, d);
            rc = usage_fail(1, err);
        }
    } else if (stat(pp, &st) == 0) {
        snprintf(err, sizeof err, "--out: value '%s' has points/ but no sweep.json; allowed: a sweep's directory, or a new directory", out);
        rc = usage_fail(1, err);
    }
    json_decref(old);
    return rc;
}

/* What the sweep is, before any instance: DIR/preset.ini (the preset's
 * text), DIR/sweep.json (the manifest) and each point's inst/.
 * QNN_EXIT_OK, or QNN_EXIT_USAGE with the refusal printed. */
static int write_dir(const char *out, const unsigned char *text, size_t tlen, const json_t *man, long npoints)
{
    char path[PATH_MAX + 32], err[2048];
    int rc;
    snprintf(path, sizeof path, "%s/preset.ini", out);
    char *js = json_dumps(man, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
    if (!js || write_atomic(path, text, tlen, err, sizeof err) != 0) {
        rc = QNN_EXIT_USAGE;
    } else {
        snprintf(path, sizeof path, "%s/sweep.json", out);
        size_t jl = strlen(js);
        js[jl] = '\n';
        rc = write_atomic(path, js, jl + 1, err, sizeof err) != 0 ? QNN_EXIT_USAGE : QNN_EXIT_OK;
        js[jl] = 0;
    }
    free(js);
    for (long k = 0; k < npoints && rc == QNN_EXIT_OK; k++) {
        snprintf(path, sizeof path, "%s/points/%04ld/inst", out, k);
        if (mkdir_p(path) != 0) {
            snprintf(err, sizeof err, "cannot create '%s': %s", path, strerror(errno));
            rc = QNN_EXIT_USAGE;
        }
    }
    if (rc != QNN_EXIT_OK) {
        char msg[sizeof err + 128];
        snprintf(msg, sizeof msg, "--out: value '%s': %s; allowed: a writable directory with free space", out, err);
        usage_fail(1, msg);
    }
    return rc;
}

/* Rank 0: the preset read and prepared (load_root), DIR locked, checked
 * and written; the points' fingerprints into *fp and the manifest into
 * *man. What it leaves in the outputs is the caller's to free, whatever
 * the status. QNN_EXIT_OK, or the status with the refusal printed. */
static int prepare_root(const sweep_args *a, qnn_preset *ps, qnn_result *res, unsigned char **text, size_t *tlen,
                        char *stats, int *lockfd, uint64_t **fp, json_t **man)
{
    int rc = load_root(a, ps, res, text, tlen, stats);
    if (rc == QNN_EXIT_OK) {
        char err[2048];
        if (qnn_prepare_outdir(a->out, err, sizeof err) != 0)
            rc = usage_fail(1, err);
    }
    if (rc == QNN_EXIT_OK)
        rc = lock_dir(a->out, lockfd);
    if (rc == QNN_EXIT_OK) {
        *fp = calloc((size_t)res->npoints, sizeof **fp);
        *man = *fp ? manifest_build(res, a->over, a->nover, stats, *fp) : NULL;
        if (!*man)
            rc = usage_fail(1, "out of memory");
    }
    if (rc == QNN_EXIT_OK)
        rc = check_dir(a->out, *man);
    if (rc == QNN_EXIT_OK)
        rc = write_dir(a->out, *text, *tlen, *man, res->npoints);
    return rc;
}

/* Rank 0: the queue of sw, every instance without an intact file in DIR
 * (a damaged one is removed, with a note unless quiet); the instances kept
 * counted in sw->kept. QNN_EXIT_OK, or QNN_EXIT_USAGE (out of memory). */
static int build_queue(const sweep_args *a, const qnn_result *res, const uint64_t *fp, sweeper *sw)
{
    const long R = res->points[0].params.instances;
    sw->queue = malloc((size_t)res->npoints * (size_t)R * sizeof *sw->queue);
    if (!sw->queue)
        return usage_fail(1, "out of memory for the work queue");
    for (long k = 0; k < res->npoints; k++) {
        char idir[PATH_MAX + 32];
        snprintf(idir, sizeof idir, "%s/points/%04ld/inst", a->out, k);
        clean_tmp(idir);
        snprintf(idir, sizeof idir, "%s/points/%04ld", a->out, k);
        clean_tmp(idir);
        if (k == 0)
            clean_tmp(a->out);
        for (int i = 0; i < res->points[k].params.instances; i++) {
            const char *why = "";
            int have = load_instance(a->out, k, i, fp[k], &res->points[k].params, NULL, &why);
            if (have < 0) {
                char path[PATH_MAX + 64];
                inst_path(a->out, k, i, path, sizeof path);
                if (!a->quiet)
                    fprintf(stderr, "qnnlab: sweep: '%s': %s; computing it again\n", path, why);
                unlink(path);
            }
            if (have == 0)
                sw->kept++;
            else
                sw->queue[sw->nqueue++] = (item){ (int32_t)k, i };
        }
    }
    sw->total = sw->kept + (long)sw->nqueue;
    sw->done = sw->kept;
    return QNN_EXIT_OK;
}

#ifdef QNN_HAVE_MPI
/* Every rank learns rank 0's status; on QNN_EXIT_OK rank 0 sends the
 * preset's text and name, and the other ranks prepare the same points
 * (*ps, *res, *text, *fp theirs to free). Returns the status every rank
 * goes on with: QNN_EXIT_FAILURE when a rank's points differ from rank
 * 0's (it says so). */
static int share_preset(MPI_Comm comm, int rank, int rc, const sweep_args *a, qnn_preset *ps, qnn_result *res,
                        unsigned char **text, size_t *tlen, uint64_t **fp, const char *stats)
{
    char err[2048];
    MPI_Bcast(&rc, 1, MPI_INT, 0, comm);
    if (rc != QNN_EXIT_OK)
        return rc;
    /* the preset's text and name; the others prepare the same points */
    long n = (long)*tlen;
    char name[sizeof ps->name], path[sizeof ps->path];
    if (rank == 0) {
        snprintf(name, sizeof name, "%s", ps->name);
        snprintf(path, sizeof path, "%s", ps->path);
    }
    MPI_Bcast(&n, 1, MPI_LONG, 0, comm);
    MPI_Bcast(name, (int)sizeof name, MPI_CHAR, 0, comm);
    MPI_Bcast(path, (int)sizeof path, MPI_CHAR, 0, comm);
    if (rank != 0) {
        *tlen = (size_t)n;
        *text = malloc(*tlen + 1);
        if (!*text)
            MPI_Abort(comm, QNN_EXIT_FAILURE);
    }
    MPI_Bcast(*text, (int)n, MPI_BYTE, 0, comm);
    int ok = 1;
    if (rank != 0) {
        ok = prepare(a, name, path, (const char *)*text, *tlen, ps, res, err, sizeof err) == QNN_EXIT_OK;
        *fp = ok ? calloc((size_t)res->npoints, sizeof **fp) : NULL;
        if (*fp) {
            json_t *m = manifest_build(res, a->over, a->nover, stats, *fp);
            json_decref(m);
        } else {
            ok = 0;
        }
    }
    /* every rank must have the same points, in the same order */
    uint64_t h = FNV_SEED;
    for (long k = 0; ok && k < res->npoints; k++)
        h = fnv64(&(*fp)[k], sizeof (*fp)[k], h);
    uint64_t h0 = h;
    MPI_Bcast(&h0, 1, MPI_UINT64_T, 0, comm);
    int bad = !ok || h0 != h, anybad = 0;
    MPI_Allreduce(&bad, &anybad, 1, MPI_INT, MPI_MAX, comm);
    if (anybad) {
        if (bad)
            fprintf(stderr, "qnnlab: sweep: rank %d does not prepare the same grid points as rank 0 (%s); allowed: the same qnnlab on every rank\n",
                    rank, ok ? "other parameters" : err);
        rc = QNN_EXIT_FAILURE;
    }
    return rc;
}
#endif

/* Rank 0, after the work: what became of it (stopped, or the results
 * reduced and written), and the command's status. sig: the signal that
 * stopped the sweep, or 0. */
static int finish_root(sweeper *sw, int sig, const sweep_args *a, qnn_result *res, const uint64_t *fp,
                       const char *stats)
{
    char err[2048];
    int rc;
    if (sig || sw->failed) {
        if (sw->tty && !a->quiet)
            fputc('\n', stderr);
        if (sw->failed)
            fprintf(stderr, "qnnlab: sweep: %s\n", sw->err);
        fprintf(stderr, "qnnlab: sweep %s: %ld of %ld instances are in %s; the same command goes on from there\n",
                sig ? "interrupted" : "stopped", sw->done, sw->total, a->out);
        return sig ? 128 + sig : QNN_EXIT_FAILURE;
    }
    int diverged = 0;
    if (reduce(res, a->out, fp, stats, a->quiet, &sw->stop, &diverged, err, sizeof err) != 0) {
        const int s2 = atomic_load(&sw->stop);
        if (s2 > 1)
            fprintf(stderr, "qnnlab: sweep interrupted while writing the results; all %ld instances are in %s, and the same command writes the results\n",
                    sw->total, a->out);
        else
            fprintf(stderr, "qnnlab: sweep: %s\n", err);
        return s2 > 1 ? 128 + s2 : QNN_EXIT_FAILURE;
    }
    printf("wrote %s/figure.png (and figure.svg, figure.pdf, summary.csv, summary.json; points/*/trace.csv, summary.json, figure.*): %ld points x %d instances, %ld computed now, %ld kept\n",
           a->out, res->npoints, res->points[0].params.instances, (long)sw->nqueue, sw->kept);
    rc = QNN_EXIT_OK;
    if (diverged) {
        fprintf(stderr, "qnnlab: %d instance(s) diverged; see %s/summary.json\n", diverged, a->out);
        rc = QNN_EXIT_DIVERGED;
    }
    return rc;
}

int qnn_cmd_sweep(const qnn_command *self, int argc, char **argv)
{
    int rank = 0, size = 1, local = 1;
    const int launched = under_launcher();
#ifdef QNN_HAVE_MPI
    MPI_Comm comm = MPI_COMM_WORLD;
    if (launched) {
        int provided = 0;
        if (MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS) {
            fprintf(stderr, "qnnlab: sweep: MPI_Init failed\n");
            return QNN_EXIT_FAILURE;
        }
        MPI_Comm_rank(comm, &rank);
        MPI_Comm_size(comm, &size);
        MPI_Comm node;
        if (MPI_Comm_split_type(comm, MPI_COMM_TYPE_SHARED, rank, MPI_INFO_NULL, &node) == MPI_SUCCESS) {
            MPI_Comm_size(node, &local);
            MPI_Comm_free(&node);
        }
    }
#define LEAVE(code) do { if (launched) { if (size > 1 && (code) != 0 && (code) != QNN_EXIT_USAGE && (code) != QNN_EXIT_DIVERGED) MPI_Abort(comm, (code)); MPI_Finalize(); } return (code); } while (0)
#else
    if (launched && launcher_ranks() > 1) {
        fprintf(stderr, "qnnlab: sweep: started as one of %d ranks, but this qnnlab was built without MPI; allowed: build with -DQNN_MPI=ON (libopenmpi-dev), or run one process without mpirun (it uses all cores)\n",
                launcher_ranks());
        return QNN_EXIT_USAGE;
    }
#define LEAVE(code) return (code)
#endif
    const double t_start = now_s();
    sweep_args a;
    int rc = parse_args(argc, argv, &a, rank == 0);
    if (rc == SWEEP_HELP) {
        if (rank == 0)
            qnn_command_help(self, stdout);
        args_free(&a);
        LEAVE(QNN_EXIT_OK);
    }
    qnn_preset *ps = calloc(1, sizeof *ps);
    qnn_result res;
    memset(&res, 0, sizeof res);
    uint64_t *fp = NULL;
    unsigned char *text = NULL;
    size_t tlen = 0;
    json_t *man = NULL;
    int lockfd = -1;
    sweeper sw;
    memset(&sw, 0, sizeof sw);
    char stats[256] = "final_loss";
    if (rc == QNN_EXIT_OK && !ps)
        rc = usage_fail(rank == 0, "out of memory");
    /* Rank 0 reads the preset and prepares DIR; the others learn the
     * outcome and the preset's text from it. */
    if (rc == QNN_EXIT_OK && rank == 0)
        rc = prepare_root(&a, ps, &res, &text, &tlen, stats, &lockfd, &fp, &man);
    /* the queue: every instance without an intact file */
    if (rc == QNN_EXIT_OK && rank == 0)
        rc = build_queue(&a, &res, fp, &sw);
#ifdef QNN_HAVE_MPI
    if (size > 1)
        rc = share_preset(comm, rank, rc, &a, ps, &res, &text, &tlen, &fp, stats);
#endif
    if (rc != QNN_EXIT_OK) {
        if (lockfd >= 0)
            close(lockfd);
        json_decref(man);
        free(fp);
        free(text);
        free(sw.queue);
        qnn_result_release(&res);
        free(ps);
        args_free(&a);
        LEAVE(rc);
    }

    /* the work */
    sw.res = &res;
    sw.dir = a.out;
    sw.fp = fp;
    sw.threads = pick_threads(&a, &res, local);
    sw.remote = rank != 0;
    sw.quiet = a.quiet || rank != 0;
    sw.tty = isatty(STDERR_FILENO);
    sw.ranks = size;
    sw.t0 = now_s();
    sw.by_rank = rank == 0 ? calloc((size_t)size, sizeof *sw.by_rank) : NULL;
    pthread_mutex_init(&sw.lock, NULL);
    pthread_cond_init(&sw.cond, NULL);
    atomic_init(&sw.stop, 0);
    struct sigaction old_sig[3];
    sweep_signals_on(&sw, old_sig);
    if (rank == 0 && !a.quiet) {
        char grid[512] = "";
        size_t off = 0;
        for (int s = 0; s < ps->nsweep && off < sizeof grid; s++)
            off += (size_t)snprintf(grid + off, sizeof grid - off, "%s%s (%d)", s ? " x " : "", ps->sweep[s].key, ps->sweep[s].nvalues);
        fprintf(stderr, "qnnlab sweep %s: %ld point(s)%s%s x %d instances; %ld to compute, %ld kept in %s; %d rank(s) x %d thread(s)\n",
                ps->name, res.npoints, grid[0] ? ": " : "", grid, res.points[0].params.instances, (long)sw.nqueue, sw.kept, a.out,
                size, sw.threads);
    }
#ifdef QNN_HAVE_MPI
    if (size > 1) {
        if (rank == 0)
            work_mpi_root(&sw, comm, size);
        else
            work_mpi_worker(&sw, comm);
    } else
#endif
    {
        if (sw.nqueue > 0)
            work_local(&sw);
    }
    const int sig = atomic_load(&sw.stop) > 1 ? atomic_load(&sw.stop) : 0;
    if (rank == 0) {
        rc = finish_root(&sw, sig, &a, &res, fp, stats);
        append_log(a.out, size, sw.threads, sw.done - sw.kept, sw.kept, sw.by_rank, now_s() - t_start, rc);
    } else {
        rc = sig ? 128 + sig : sw.failed ? QNN_EXIT_FAILURE : QNN_EXIT_OK;
        if (sw.failed) {
            /* rank 0 has the message and ends the job; leave if it does not */
            for (int w = 0; w < 20000; w++)
                nap();
        }
    }
    sweep_signals_off(old_sig);
    pthread_mutex_destroy(&sw.lock);
    pthread_cond_destroy(&sw.cond);
    if (lockfd >= 0)
        close(lockfd);
    json_decref(man);
    free(fp);
    free(text);
    free(sw.queue);
    free(sw.mail);
    free(sw.out);
    free(sw.by_rank);
    qnn_result_release(&res);
    free(ps);
    args_free(&a);
    LEAVE(rc);
}

/* ------------------------------------------------------------------------ */
/* Reading a finished sweep back (the browsers)                             */
/* ------------------------------------------------------------------------ */

int qnn_sweep_open(const char *dir, qnn_sweep *sw, char *err, size_t errlen)
{
    memset(sw, 0, sizeof *sw);
    sw->loaded = -1;
    char path[PATH_MAX + 32];
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "--open: value '%s': %s; allowed: the --out directory of a finished `qnnlab sweep`", dir,
                 stat(dir, &st) != 0 ? strerror(errno) : "not a directory");
        return -1;
    }
    snprintf(sw->dir, sizeof sw->dir, "%s", dir);
    snprintf(path, sizeof path, "%s/sweep.json", dir);
    json_error_t je;
    json_t *man = json_load_file(path, 0, &je);
    const char *fmt = json_string_value(json_object_get(man, "format"));
    json_t *ov = json_object_get(man, "overrides");
    const char *name = json_string_value(json_object_get(man, "preset"));
    const char *stats = json_string_value(json_object_get(man, "stats"));
    if (!man || !fmt || strcmp(fmt, SWEEP_FORMAT) != 0 || !json_is_array(ov) || !name || !stats) {
        snprintf(err, errlen, "--open: value '%s': %s; allowed: the --out directory of a finished `qnnlab sweep`", dir,
                 !man ? "it has no readable sweep.json (not a sweep)" : "its sweep.json is not a sweep manifest");
        json_decref(man);
        return -1;
    }
    snprintf(sw->stats, sizeof sw->stats, "%s", stats);
    sw->preset = calloc(1, sizeof *sw->preset);
    sweep_args a;
    memset(&a, 0, sizeof a);
    const size_t nov = json_array_size(ov);
    a.over = calloc(nov + 1, sizeof *a.over);
    a.from_grid = calloc(nov + 1, sizeof *a.from_grid);
    a.grid_arg = calloc(nov + 1, sizeof *a.grid_arg);
    sw->overrides = calloc(nov + 1, sizeof *sw->overrides);
    unsigned char *text = NULL;
    size_t tlen = 0;
    int rc = -1;
    if (!sw->preset || !a.over || !a.from_grid || !a.grid_arg || !sw->overrides) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < nov; i++) {
        const char *o = json_string_value(json_array_get(ov, i));
        sw->overrides[i] = strdup(o ? o : "");
        if (!sw->overrides[i]) {
            snprintf(err, errlen, "out of memory");
            goto out;
        }
        sw->noverrides++;
        a.over[i] = sw->overrides[i];
    }
    a.nover = (int)nov;
    snprintf(path, sizeof path, "%s/preset.ini", dir);
    if (read_all(path, QNN_PRESET_MAX_BYTES, &text, &tlen) != 0) {
        snprintf(err, errlen, "--open: value '%s': its preset.ini cannot be read (%s); allowed: a sweep directory as `qnnlab sweep` wrote it",
                 dir, strerror(errno));
        goto out;
    }
    char e[1024];
    if (prepare(&a, name, path, (const char *)text, tlen, sw->preset, &sw->res, e, sizeof e) != QNN_EXIT_OK) {
        snprintf(err, errlen, "--open: value '%s': its preset and settings no longer load (%s)", dir, e);
        goto out;
    }
    sw->res.overrides = (const char *const *)sw->overrides;
    sw->instances = sw->res.points[0].params.instances;
    uint64_t *fp = calloc((size_t)sw->res.npoints, sizeof *fp);
    json_t *m = fp ? manifest_build(&sw->res, (const char *const *)sw->overrides, sw->noverrides, stats, fp) : NULL;
    char why[512];
    const char *d = m ? manifest_differs(man, m, why, sizeof why) : "out of memory";
    json_decref(m);
    if (d) {
        snprintf(err, errlen, "--open: value '%s': its sweep.json does not match its preset.ini (%s)", dir, d);
        free(fp);
        goto out;
    }
    sw->nstat = NSTAT;
    sw->stat = calloc((size_t)sw->res.npoints * NSTAT, sizeof *sw->stat);
    if (!sw->stat) {
        snprintf(err, errlen, "out of memory");
        free(fp);
        goto out;
    }
    rc = 0;
    for (long k = 0; k < sw->res.npoints && rc == 0; k++) {
        if (load_point(dir, &sw->res.points[k], k, fp[k], &sw->stat[(size_t)k * NSTAT], e, sizeof e) != 0) {
            snprintf(err, errlen, "--open: value '%s': the sweep is not complete (%s)", dir, e);
            rc = -1;
        }
    }
    free(fp);
    sweep_figure_params(&sw->res, stats);
out:
    free(text);
    free(a.over);
    free(a.from_grid);
    free(a.grid_arg);
    json_decref(man);
    if (rc != 0)
        qnn_sweep_close(sw);
    return rc;
}

int qnn_sweep_load(qnn_sweep *sw, long k, char *err, size_t errlen)
{
    if (k < 0 || k >= sw->res.npoints || !sw->res.points[k].run) {
        snprintf(err, errlen, "point %ld is not in the sweep (0 to %ld)", k, sw->res.npoints - 1);
        return -1;
    }
    one_point(&sw->res, k, &sw->one_point, &sw->one);
    sw->loaded = k;
    return 0;
}

void qnn_sweep_close(qnn_sweep *sw)
{
    qnn_result_release(&sw->res);
    for (int i = 0; i < sw->noverrides; i++)
        free(sw->overrides[i]);
    free(sw->overrides);
    free(sw->preset);
    free(sw->stat);
    memset(sw, 0, sizeof *sw);
    sw->loaded = -1;
}

const qnn_sweep_stat *qnn_sweep_point_stat(const qnn_sweep *sw, long k, const char *name)
{
    if (k < 0 || k >= sw->res.npoints || !sw->stat)
        return NULL;
    for (size_t s = 0; s < sw->nstat; s++)
        if (!strcmp(sw->stat[(size_t)k * sw->nstat + s].name, name))
            return &sw->stat[(size_t)k * sw->nstat + s];
    return NULL;
}
