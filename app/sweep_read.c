/* Reading a finished sweep back for the browsers (sweep.h): its preset
 * prepared again and checked against its manifest, every point's instance
 * files read back and reduced; the point shown chosen with
 * qnn_sweep_load. */
#include "sweep_priv.h"
#include "runner.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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
    if (sweep_read_all(path, QNN_PRESET_MAX_BYTES, &text, &tlen) != 0) {
        snprintf(err, errlen, "--open: value '%s': its preset.ini cannot be read (%s); allowed: a sweep directory as `qnnlab sweep` wrote it",
                 dir, strerror(errno));
        goto out;
    }
    char e[1024];
    if (sweep_prepare(&a, name, path, (const char *)text, tlen, sw->preset, &sw->res, e, sizeof e) != QNN_EXIT_OK) {
        snprintf(err, errlen, "--open: value '%s': its preset and settings no longer load (%s)", dir, e);
        goto out;
    }
    sw->res.overrides = (const char *const *)sw->overrides;
    sw->instances = sw->res.points[0].params.instances;
    uint64_t *fp = calloc((size_t)sw->res.npoints, sizeof *fp);
    json_t *m = fp ? sweep_manifest_build(&sw->res, (const char *const *)sw->overrides, sw->noverrides, stats, fp) : NULL;
    char why[512];
    const char *d = m ? sweep_manifest_differs(man, m, why, sizeof why) : "out of memory";
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
        if (sweep_load_point(dir, &sw->res.points[k], k, fp[k], &sw->stat[(size_t)k * NSTAT], e, sizeof e) != 0) {
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
    sweep_one_point(&sw->res, k, &sw->one_point, &sw->one);
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
