/* A sweep's directory: the manifest (what the sweep is, and why another
 * is not the same), the lock, the check of what DIR holds, preset.ini,
 * sweep.json and the points' folders, stale temporary files, and the queue
 * of instances without an intact file. */
#include "sweep_priv.h"
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
        h = sweep_fnv64(keys[j].name, strlen(keys[j].name), h);
        h = sweep_fnv64("=", 1, h);
        h = sweep_fnv64(v, strlen(v), h);
        h = sweep_fnv64("\n", 1, h);
    }
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
    char lp[PATH_MAX + 32], err[2048];
    snprintf(lp, sizeof lp, "%s/.lock", out);
    *lockfd = open(lp, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    if (*lockfd < 0 || flock(*lockfd, LOCK_EX | LOCK_NB) != 0) {
        snprintf(err, sizeof err, "--out: value '%s': %s; allowed: wait until the other sweep ends, or another directory",
                 out, *lockfd < 0 ? strerror(errno) : "another qnnlab sweep is writing to it");
        return sweep_usage_fail(1, err);
    }
    return QNN_EXIT_OK;
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
            snprintf(err, sizeof err, "--out: value '%s' holds another sweep (%s); allowed: the same preset, grid, instances and settings to resume it, or a new directory",
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
