/* Output of `qnnlab bench`: the JSON of a statistic and of a workload's
 * result, a workload's table row, and the --json file (checked before any
 * timing, written whole or not at all). */
#include "bench_priv.h"
#include "afile.h"
#include "results.h"

#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>

/* ------------------------------------------------------------------------ */
/* Output                                                                   */
/* ------------------------------------------------------------------------ */

json_t *bench_jnum(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

json_t *bench_jstat(stat3 s)
{
    return json_pack("{s:o, s:o, s:o, s:i}", "median", bench_jnum(s.med), "min", bench_jnum(s.min),
                     "max", bench_jnum(s.max), "repeats", s.n);
}

json_t *bench_jworkload(const wl_result *r)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", qnn_json_text(r->w->id));
    json_object_set_new(o, "label", qnn_json_text(r->w->label));
    json_t *sets = json_array();
    for (int i = 0; i < MAX_SETS && r->w->sets[i]; i++)
        json_array_append_new(sets, qnn_json_text(r->w->sets[i]));
    for (int i = 0; i < 2; i++)
        if (r->w->extra[i][0])
            json_array_append_new(sets, qnn_json_text(r->w->extra[i]));
    json_object_set_new(o, "settings", sets);
    json_object_set_new(o, "status", qnn_json_text(r->status == 0 ? "measured" : r->status > 0 ? "skipped" : "failed"));
    if (r->note[0])
        json_object_set_new(o, "note", qnn_json_text(r->note));
    json_object_set_new(o, "instance_bytes", bench_jnum(r->bytes));
    if (r->status != 0)
        return o;
    json_object_set_new(o, "D", json_integer(r->D));
    json_object_set_new(o, "L", json_integer(r->L));
    json_object_set_new(o, "m", json_integer(r->m));
    json_object_set_new(o, "build_s", bench_jnum(r->build_s));
    json_object_set_new(o, "steps_per_repeat", json_integer(r->calls));
    json_object_set_new(o, "steps_per_s", bench_jstat(r->sps));
    json_object_set_new(o, "ms_per_step", bench_jstat(r->step_ms));
    if (r->grad_ms.n) {
        json_object_set_new(o, "gradient_ms", bench_jstat(r->grad_ms));
        json_object_set_new(o, "forward_ms", bench_jstat(r->fwd_ms));
        json_object_set_new(o, "gradient_over_forward", bench_jnum(r->ratio));
    }
    return o;
}

int bench_json_probe(const char *path)
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

int bench_write_json_atomic(json_t *root, const char *path)
{
    char err[PATH_MAX + 256];
    if (afile_write(path, dump_json, root, err, sizeof err) != AFILE_OK) {
        fprintf(stderr, "qnnlab: --json: %s\n", err);
        return -1;
    }
    return 0;
}

void bench_print_workload_row(const wl_result *r)
{
    if (r->status != 0) {
        printf("  %-32s %s\n", r->w->label, r->note);
        return;
    }
    printf("  %-32s %10.4g %10.4g %10.4g %11.4g %8.2f %7.1f\n", r->w->label, r->sps.med,
           r->sps.min, r->sps.max, r->step_ms.med, bench_gib(r->bytes), r->build_s);
    if (r->note[0])
        printf("  %-32s note: %s\n", "", r->note);
    fflush(stdout);
}
