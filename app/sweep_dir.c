/* A sweep's directory: the manifest (what the sweep is, and why another
 * is not the same), the lock, the check of what DIR holds, preset.ini,
 * sweep.json and the points' folders, stale temporary files, and the queue
 * of instances without an intact file. */
#include "sweep_priv.h"
#include "command.h"
#include "runner.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

/* ------------------------------------------------------------------------ */
/* What a sweep is: the manifest                                            */
/* ------------------------------------------------------------------------ */

/* ------------------------------------------------------------------------ */
/* Input files: what a sweep's result depends on besides the parameters    */
/* ------------------------------------------------------------------------ */

/* value is one of the choices of an enum key (a word between '|' and ';'
 * of its allowed text: "teacher | sin1d | ...; none | a path to ..."). */
static int enum_choice(const char *allowed, const char *v)
{
    const size_t vl = strlen(v);
    for (const char *p = allowed; *p;) {
        while (*p == ' ' || *p == '|' || *p == ';')
            p++;
        const char *e = p;
        while (*e && *e != '|' && *e != ';')
            e++;
        const char *t = e;
        while (t > p && t[-1] == ' ')
            t--;
        const size_t l = (size_t)(t - p);
        if (l > 0 && l == vl && !memchr(p, ' ', l) && !strncmp(p, v, l))
            return 1;
        p = e;
    }
    return 0;
}

/* The value v of key ki names an input file: the key's allowed text says
 * "path" (m0_file, circuit, measure_file, data, and any such key added to
 * the table), v is not empty and, for an enum key, not one of its words. */
static int names_file(const qnn_key_info *ki, const char *v)
{
    if (!ki->allowed || !strstr(ki->allowed, "path") || !*v)
        return 0;
    return ki->type != QNN_KEY_ENUM || !enum_choice(ki->allowed, v);
}

/* The input files the points name, each read once. */
typedef struct file_rec {
    char path[QNN_TEXT_MAX + 64];
    uint64_t h;        /* what enters the fingerprint */
    json_t *rec;       /* {"path", "bytes", "fnv64"} or {"path", "state"} */
} file_rec;

typedef struct file_cache {
    file_rec *f;
    size_t n, cap;
} file_cache;

/* The record of the file at path: its size and FNV-1a of its contents, or
 * what it is when it is not a readable regular file (a FIFO is never
 * opened for reading). NULL when out of memory. */
static const file_rec *input_file(file_cache *c, const char *path)
{
    for (size_t j = 0; j < c->n; j++)
        if (!strcmp(c->f[j].path, path))
            return &c->f[j];
    if (c->n == c->cap) {
        size_t nc = c->cap ? 2 * c->cap : 4;
        file_rec *nf = realloc(c->f, nc * sizeof *nf);
        if (!nf)
            return NULL;
        c->f = nf;
        c->cap = nc;
    }
    file_rec *r = &c->f[c->n];
    snprintf(r->path, sizeof r->path, "%s", path);
    char state[128] = "";
    uint64_t h = FNV_SEED;
    unsigned long long size = 0;
    struct stat st;
    if (stat(path, &st) != 0) {
        snprintf(state, sizeof state, "cannot be read: %s", strerror(errno));
    } else if (!S_ISREG(st.st_mode)) {
        snprintf(state, sizeof state, "%s, not a regular file", sweep_file_kind((unsigned)st.st_mode));
    } else {
        int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
        struct stat fs;
        if (fd < 0 || fstat(fd, &fs) != 0 || !S_ISREG(fs.st_mode)) {
            snprintf(state, sizeof state, "cannot be read: %s", fd < 0 ? strerror(errno) : "not a regular file");
        } else {
            unsigned char buf[65536];
            for (;;) {
                ssize_t got = read(fd, buf, sizeof buf);
                if (got < 0 && errno == EINTR)
                    continue;
                if (got < 0) {
                    snprintf(state, sizeof state, "cannot be read: %s", strerror(errno));
                    break;
                }
                if (got == 0)
                    break;
                h = sweep_fnv64(buf, (size_t)got, h);
                size += (unsigned long long)got;
            }
        }
        if (fd >= 0)
            close(fd);
    }
    char hex[24];
    if (state[0]) {
        r->h = sweep_fnv64(state, strlen(state), FNV_SEED);
        r->rec = json_pack("{s:s, s:s}", "path", path, "state", state);
    } else {
        snprintf(hex, sizeof hex, "%016" PRIx64, h);
        r->h = sweep_fnv64(&size, sizeof size, h);
        r->rec = json_pack("{s:s, s:I, s:s}", "path", path, "bytes", (json_int_t)size, "fnv64", hex);
    }
    if (!r->rec)
        return NULL;
    c->n++;
    return r;
}

static void file_cache_free(file_cache *c)
{
    for (size_t j = 0; j < c->n; j++)
        json_decref(c->f[j].rec);
    free(c->f);
}

/* ------------------------------------------------------------------------ */
/* What a sweep is: the manifest                                            */
/* ------------------------------------------------------------------------ */

/* "key=value\n" for every parameter that decides what an instance computes
 * (all but threads), and its hash; a value that names an input file enters
 * the hash by the file's contents ("key=file:HASH\n"), and its record goes
 * into *files (created when the point has one). */
static json_t *point_params(const qnn_params *p, uint64_t *fp, file_cache *fc, json_t **files, int *oom)
{
    json_t *o = json_object();
    size_t nk = 0;
    const qnn_key_info *keys = qnn_params_keys(&nk);
    uint64_t h = FNV_SEED;
    *files = NULL;
    /* whole values: a 1024-entry labels list (~25 KiB) cut short would let
     * two different lists share a fingerprint */
    char *v = malloc(QNN_PARAMS_GET_MAX);
    if (!v) {
        *oom = 1;
        *fp = h;
        return o;
    }
    for (size_t j = 0; j < nk; j++) {
        if (!strcmp(keys[j].name, "threads"))
            continue;
        if (qnn_params_get(p, keys[j].name, v, QNN_PARAMS_GET_MAX) != 0)
            continue;
        json_object_set_new(o, keys[j].name, json_string(v));
        h = sweep_fnv64(keys[j].name, strlen(keys[j].name), h);
        h = sweep_fnv64("=", 1, h);
        if (names_file(&keys[j], v)) {
            const file_rec *r = input_file(fc, v);
            if (!r || (!*files && !(*files = json_object()))) {
                *oom = 1;
            } else {
                json_object_set(*files, keys[j].name, r->rec);
                h = sweep_fnv64("file:", 5, h);
                h = sweep_fnv64(&r->h, sizeof r->h, h);
            }
        } else {
            h = sweep_fnv64(v, strlen(v), h);
        }
        h = sweep_fnv64("\n", 1, h);
    }
    free(v);
    *fp = h;
    return o;
}

json_t *sweep_manifest_build(const qnn_result *res, const char *const *over, int nover, const char *stats,
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
    file_cache fc = { 0 };
    int oom = 0;
    for (long k = 0; k < res->npoints; k++) {
        char label[512], hex[24];
        qnn_point_label(res, k, label, sizeof label);
        json_t *files = NULL;
        json_t *prm = point_params(&res->points[k].params, &fps[k], &fc, &files, &oom);
        snprintf(hex, sizeof hex, "%016" PRIx64, fps[k]);
        json_t *pt = json_pack("{s:I, s:s, s:s, s:o}", "index", (json_int_t)k, "label", label, "fingerprint", hex,
                               "params", prm);
        if (files)   /* only then: a sweep without input files keeps its sweep.json */
            json_object_set_new(pt, "files", files);
        json_array_append_new(pts, pt);
    }
    file_cache_free(&fc);
    json_object_set_new(m, "points", pts);
    if (oom) {
        json_decref(m);
        return NULL;
    }
    return m;
}

/* Why the input files of a point differ (NULL: the same contents). */
static const char *files_differ(json_t *fo, json_t *fn, size_t k, char *buf, size_t len)
{
    const char *key;
    json_t *n;
    json_object_foreach(fn, key, n) {
        json_t *o = json_object_get(fo, key);
        char q[300];
        qnn_quote(json_string_value(json_object_get(n, "path")), 200, q, sizeof q);
        if (!o) {
            snprintf(buf, len, "point %zu: key '%s': the sweep there does not record the contents of its input file '%s'",
                     k, key, q);
            return buf;
        }
        json_t *a = json_deep_copy(o), *b = json_deep_copy(n);
        json_object_del(a, "path");
        json_object_del(b, "path");
        const int same = json_equal(a, b);
        json_decref(a);
        json_decref(b);
        if (same)
            continue;
        const char *sn = json_string_value(json_object_get(n, "state"));
        if (sn)
            snprintf(buf, len, "key '%s': the input file '%s' changed since the sweep began (it %s now)", key, q, sn);
        else
            snprintf(buf, len, "key '%s': the input file '%s' changed since the sweep began (its contents differ: %" JSON_INTEGER_FORMAT " bytes, FNV-1a %s now)",
                     key, q, json_integer_value(json_object_get(n, "bytes")), json_string_value(json_object_get(n, "fnv64")));
        return buf;
    }
    return NULL;
}

const char *sweep_manifest_differs(json_t *old, json_t *nw, char *buf, size_t len)
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
        /* an input file counts by its contents: its path may differ */
        json_t *fo = json_object_get(json_array_get(po, k), "files");
        json_t *fn = json_object_get(json_array_get(pn, k), "files");
        if (fn && files_differ(fo, fn, k, buf, len))
            return buf;
        if (json_equal(a, b))
            continue;
        const char *key;
        json_t *v;
        json_object_foreach(b, key, v) {
            json_t *w = json_object_get(a, key);
            if (json_object_get(fn, key))
                continue;
            if (!json_equal(v, w)) {
                snprintf(buf, len, "point %zu has %s = %s there, %s here", k, key,
                         w ? json_string_value(w) : "(none)", json_string_value(v));
                return buf;
            }
        }
        if (json_object_size(a) != json_object_size(b)) {
            snprintf(buf, len, "point %zu has other parameters", k);
            return buf;
        }
    }
    return NULL;
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

int sweep_lock_dir(const char *out, int *lockfd)
{
    char lp[PATH_MAX + 32], err[2048], kind[PATH_MAX + 128];
    snprintf(lp, sizeof lp, "%s/.lock", out);
    *lockfd = -1;
    /* a directory (or a FIFO, a device) named .lock is named as such: it
     * would not lock, and a FIFO would not open */
    struct stat st;
    if (lstat(lp, &st) == 0 && !S_ISREG(st.st_mode)) {
        snprintf(kind, sizeof kind, "'%s' is %s, not a regular file", lp, sweep_file_kind((unsigned)st.st_mode));
        snprintf(err, sizeof err, "--out: value '%s': %s; allowed: a sweep's directory whose .lock is a regular file (the sweep's lock: remove what is there), or another directory",
                 out, kind);
        return sweep_usage_fail(1, err);
    }
    *lockfd = open(lp, O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0666);
    if (*lockfd < 0 || flock(*lockfd, LOCK_EX | LOCK_NB) != 0) {
        snprintf(err, sizeof err, "--out: value '%s': %s; allowed: wait until the other sweep ends, or another directory",
                 out, *lockfd < 0 ? strerror(errno) : "another qnnlab sweep is writing to it");
        return sweep_usage_fail(1, err);
    }
    return QNN_EXIT_OK;
}

/* The refusal of a path in DIR that is not of the kind the sweep needs
 * (err from sweep_check_kind). QNN_EXIT_USAGE. */
static int refuse_kind(const char *out, const char *why)
{
    char msg[2 * PATH_MAX + 512];
    snprintf(msg, sizeof msg, "--out: value '%s': %s; allowed: a sweep's directory holding only what `qnnlab sweep` writes there (remove it), or another directory",
             out, why);
    return sweep_usage_fail(1, msg);
}

int sweep_check_targets(const char *out, const qnn_result *res)
{
    static const char *const top[] = { "sweep.json", "preset.ini", "summary.csv", "summary.json", "figure.png",
                                       "figure.svg", "figure.pdf", "sweep.log" };
    static const char *const per[] = { "trace.csv", "summary.json", "figure.png", "figure.svg", "figure.pdf",
                                       "spectra.csv" };
    char path[PATH_MAX + 64], why[PATH_MAX + 128];
    for (size_t j = 0; j < sizeof top / sizeof top[0]; j++) {
        snprintf(path, sizeof path, "%s/%s", out, top[j]);
        if (sweep_check_kind(path, 0, why, sizeof why) != 0)
            return refuse_kind(out, why);
    }
    snprintf(path, sizeof path, "%s/points", out);
    struct stat st;
    if (sweep_check_kind(path, 1, why, sizeof why) != 0)
        return refuse_kind(out, why);
    if (stat(path, &st) != 0)
        return QNN_EXIT_OK;   /* a new sweep: nothing below */
    for (long k = 0; k < res->npoints; k++) {
        snprintf(path, sizeof path, "%s/points/%04ld", out, k);
        if (sweep_check_kind(path, 1, why, sizeof why) != 0)
            return refuse_kind(out, why);
        if (stat(path, &st) != 0)
            continue;
        for (size_t j = 0; j < sizeof per / sizeof per[0]; j++) {
            snprintf(path, sizeof path, "%s/points/%04ld/%s", out, k, per[j]);
            if (sweep_check_kind(path, 0, why, sizeof why) != 0)
                return refuse_kind(out, why);
        }
        snprintf(path, sizeof path, "%s/points/%04ld/inst", out, k);
        if (sweep_check_kind(path, 1, why, sizeof why) != 0)
            return refuse_kind(out, why);
        if (stat(path, &st) != 0)
            continue;
        for (int i = 0; i < res->points[k].params.instances; i++) {
            sweep_inst_path(out, k, i, path, sizeof path);
            if (sweep_check_kind(path, 0, why, sizeof why) != 0) {
                char msg[2 * PATH_MAX + 512];
                snprintf(msg, sizeof msg, "--out: value '%s': %s; allowed: only instance files in points/K/inst/ (remove it, and the same command goes on)",
                         out, why);
                return sweep_usage_fail(1, msg);
            }
        }
    }
    return QNN_EXIT_OK;
}

size_t sweep_grid_bytes(long npoints, long R)
{
    /* per point: its parameters and summary (qnn_point), its statistics,
     * its fingerprint, and what was measured besides (a 1000-point sweep
     * of n = 2, one instance: 106 KiB per point at the peak, for the
     * manifest's parameters, the point's run and its part of summary.json) */
    const double per_point = (double)sizeof(qnn_point) + (double)(NSTAT * sizeof(qnn_sweep_stat)) + 8.0 + 96.0 * 1024;
    const double b = (double)npoints * per_point + (double)npoints * (double)R * (double)sizeof(item);
    return b >= (double)SIZE_MAX ? SIZE_MAX : (size_t)b;
}

int sweep_check_dir(const char *out, json_t *man)
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
        const char *d = old ? sweep_manifest_differs(old, man, why, sizeof why) : "its sweep.json cannot be read";
        if (d) {
            snprintf(err, sizeof err, "--out: value '%s' holds another sweep (%s); allowed: the same preset, grid, instances, settings and input files to resume it, or a new directory",
                     out, d);
            rc = sweep_usage_fail(1, err);
        }
    } else if (stat(pp, &st) == 0) {
        snprintf(err, sizeof err, "--out: value '%s' has points/ but no sweep.json; allowed: a sweep's directory, or a new directory", out);
        rc = sweep_usage_fail(1, err);
    }
    json_decref(old);
    return rc;
}

int sweep_write_dir(const char *out, const unsigned char *text, size_t tlen, const json_t *man, long npoints)
{
    char path[PATH_MAX + 32], err[2048];
    int rc;
    snprintf(path, sizeof path, "%s/preset.ini", out);
    char *js = json_dumps(man, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
    if (!js || sweep_write_atomic(path, text, tlen, err, sizeof err) != 0) {
        rc = QNN_EXIT_USAGE;
    } else {
        snprintf(path, sizeof path, "%s/sweep.json", out);
        size_t jl = strlen(js);
        js[jl] = '\n';
        rc = sweep_write_atomic(path, js, jl + 1, err, sizeof err) != 0 ? QNN_EXIT_USAGE : QNN_EXIT_OK;
        js[jl] = 0;
    }
    free(js);
    for (long k = 0; k < npoints && rc == QNN_EXIT_OK; k++) {
        snprintf(path, sizeof path, "%s/points/%04ld/inst", out, k);
        if (sweep_mkdir_p(path) != 0) {
            snprintf(err, sizeof err, "cannot create '%s': %s", path, strerror(errno));
            rc = QNN_EXIT_USAGE;
        }
    }
    if (rc != QNN_EXIT_OK) {
        char msg[sizeof err + 128];
        snprintf(msg, sizeof msg, "--out: value '%s': %s; allowed: a writable directory with free space", out, err);
        sweep_usage_fail(1, msg);
    }
    return rc;
}

int sweep_build_queue(const sweep_args *a, const qnn_result *res, const uint64_t *fp, sweeper *sw)
{
    const long R = res->points[0].params.instances;
    sw->queue = malloc((size_t)res->npoints * (size_t)R * sizeof *sw->queue);
    if (!sw->queue)
        return sweep_usage_fail(1, "out of memory for the work queue");
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
            int have = sweep_load_instance(a->out, k, i, fp[k], &res->points[k].params, NULL, &why);
            if (have == -2) {   /* put there since sweep_check_targets */
                char path[PATH_MAX + 64], msg[2 * PATH_MAX + 512];
                sweep_inst_path(a->out, k, i, path, sizeof path);
                snprintf(msg, sizeof msg, "--out: value '%s': '%s': %s; allowed: only instance files in points/K/inst/ (remove it, and the same command goes on)",
                         a->out, path, why);
                return sweep_usage_fail(1, msg);
            }
            if (have < 0) {
                char path[PATH_MAX + 64];
                sweep_inst_path(a->out, k, i, path, sizeof path);
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
