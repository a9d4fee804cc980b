/* libFuzzer target: the bytes as `--set KEY=VALUE` overrides, one a line.
 *
 * The overrides go onto the `default` preset, or onto the shipped preset
 * named by a first line "@NAME" (so that overrides of swept keys are
 * reached); the presets are loaded once from qnn_preset_dir()
 * ($QNNLAB_PRESETS, else the source tree's presets/). A NUL byte ends a
 * line as a newline does (a command-line argument holds none). Each line
 * goes through qnn_preset_override as `qnnlab run --set LINE` does; a
 * refused line leaves the preset as it was and the next ones still apply.
 * Then qnn_preset_finalise, the first 64 grid points and the last through
 * qnn_preset_point and qnn_params_check (1 GiB).
 *
 * Each line with '=' also goes straight to qnn_params_set(KEY, VALUE) on a
 * copy of the parameters.
 *
 * Oracles besides the sanitizers: every refusal says what is allowed; an
 * accepted line names a key of the table or an alias (d, p) once its
 * white space is trimmed; the key's canonical text reads back the same; a
 * refused override leaves the sweep alone, an accepted one ends the sweep
 * over its key. */
#include <ctype.h>
#include <dirent.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "preset.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_PRESETS 64
#define MAX_LINE 4096

static qnn_preset presets[MAX_PRESETS];
static int npresets = -1;
static qnn_preset ps;
static qnn_params pt;

static void load_presets(void)
{
    char err[FUZZ_ERR];
    npresets = 0;
    /* default first: the preset of lines without "@NAME" */
    if (qnn_preset_load("default", &presets[npresets], err, sizeof err) != 0) {
        fprintf(stderr, "fuzz_set: %s (set QNNLAB_PRESETS to the presets/ folder)\n", err);
        abort();
    }
    npresets++;
    DIR *d = opendir(qnn_preset_dir());
    struct dirent *e;
    while (d && (e = readdir(d)) && npresets < MAX_PRESETS) {
        char name[128];
        size_t l = strlen(e->d_name);
        if (l <= 4 || l - 4 >= sizeof name || strcmp(e->d_name + l - 4, ".ini") || e->d_name[0] == '.')
            continue;
        memcpy(name, e->d_name, l - 4);
        name[l - 4] = '\0';
        if (!strcmp(name, "default"))
            continue;
        if (qnn_preset_load(name, &presets[npresets], err, sizeof err) == 0)
            npresets++;
    }
    if (d)
        closedir(d);
}

/* The text before '=' of an accepted line, without white space, as
 * qnn_preset_override reads it, into k (64 bytes): a longer one aborts. */
static void key_text(const char *line, char k[64])
{
    const char *a = line, *b = strchr(line, '=');
    while (a < b && isspace((unsigned char)*a))
        a++;
    while (b > a && isspace((unsigned char)b[-1]))
        b--;
    size_t n = (size_t)(b - a);
    if (n >= 64) {
        fprintf(stderr, "fuzz_set: '%s' accepted with a %zu-byte key\n", line, n);
        abort();
    }
    memcpy(k, a, n);
    k[n] = '\0';
}

/* An accepted key must be a key of the table or an alias. Returns the
 * canonical key (d -> n, p -> L). */
static const char *accepted_key(const char *line)
{
    char k[64];
    key_text(line, k);
    if (!strcmp(k, "d"))
        return "n";
    if (!strcmp(k, "p"))
        return "L";
    const qnn_key_info *ki = qnn_params_key(k);
    if (!ki) {
        fprintf(stderr, "fuzz_set: '%s' accepted but '%s' is no key\n", line, k);
        abort();
    }
    return ki->name;
}

/* "sweep.KEY=v1,...", accepted: KEY is a sweepable key (or d, p) and the
 * preset now sweeps it, once, over values that each set it. Returns 0
 * for other lines. */
static int sweep_line(const qnn_preset *p, const char *line)
{
    char full[64];
    key_text(line, full);
    if (strncmp(full, "sweep.", 6) != 0)
        return 0;
    const char *k = full + 6;
    const char *canon = !strcmp(k, "d") ? "n" : !strcmp(k, "p") ? "L" : k;
    const qnn_key_info *ki = qnn_params_key(canon);
    if (!ki || !ki->sweepable) {
        fprintf(stderr, "fuzz_set: '%s' accepted but '%s' cannot be swept\n", line, k);
        abort();
    }
    int found = 0;
    for (int i = 0; i < p->nsweep; i++) {
        const char *sk = p->sweep[i].key;
        const char *c2 = !strcmp(sk, "d") ? "n" : !strcmp(sk, "p") ? "L" : sk;
        if (strcmp(c2, canon) != 0)
            continue;
        found++;
        if (p->sweep[i].nvalues < 1) {
            fprintf(stderr, "fuzz_set: '%s' accepted with no values\n", line);
            abort();
        }
        for (int v = 0; v < p->sweep[i].nvalues; v++) {
            qnn_params t = p->params;
            char e[FUZZ_ERR];
            if (qnn_params_set(&t, sk, p->sweep[i].values[v], e, sizeof e) != 0) {
                fprintf(stderr, "fuzz_set: '%s' accepted a value '%s' that does not set it: %s\n", line,
                        p->sweep[i].values[v], e);
                abort();
            }
        }
    }
    if (found != 1 || p->nsweep > QNN_MAX_SWEEP_KEYS) {
        fprintf(stderr, "fuzz_set: '%s' accepted but '%s' is swept %d times (%d keys)\n", line, k, found, p->nsweep);
        abort();
    }
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char line[MAX_LINE + 1];
    char err[FUZZ_ERR];
    if (npresets < 0)
        load_presets();
    size_t at = 0;
    int which = 0;
    if (size > 0 && data[0] == '@') {   /* "@NAME": the preset to start from */
        size_t e = 1;
        while (e < size && data[e] != '\n' && data[e] != '\0')
            e++;
        for (int i = 0; i < npresets; i++)
            if (strlen(presets[i].name) == e - 1 && !memcmp(presets[i].name, data + 1, e - 1))
                which = i;
        at = e < size ? e + 1 : e;
    }
    ps = presets[which];
    while (at < size) {
        size_t e = at;
        while (e < size && data[e] != '\n' && data[e] != '\0')
            e++;
        size_t n = e - at;
        if (n > MAX_LINE)
            n = MAX_LINE;
        memcpy(line, data + at, n);
        line[n] = '\0';
        at = e + 1;
        /* qnn_params_set directly as well (the preset's key handling is
         * in front of it above; presets and share strings reach it too) */
        char *eq = strchr(line, '=');
        if (eq) {
            *eq = '\0';
            pt = ps.params;
            err[0] = '\0';
            int rc = qnn_params_set(&pt, line, eq + 1, err, sizeof err);
            *eq = '=';
            if (rc != 0)
                fuzz_check_msg("qnn_params_set", err);
            else
                accepted_key(line);
        }
        err[0] = '\0';
        int nsweep = ps.nsweep;
        if (qnn_preset_override(&ps, line, err, sizeof err) != 0) {
            fuzz_check_msg("qnn_preset_override", err);
            if (ps.nsweep != nsweep) {
                fprintf(stderr, "fuzz_set: refused '%s' changed the sweep\n", line);
                abort();
            }
            continue;
        }
        if (sweep_line(&ps, line))
            continue;
        const char *key = accepted_key(line);
        fuzz_check_get_set(&ps.params, key);
        for (int i = 0; i < ps.nsweep; i++) {
            const char *sk = ps.sweep[i].key;
            const char *canon = !strcmp(sk, "d") ? "n" : !strcmp(sk, "p") ? "L" : sk;
            if (!strcmp(canon, key)) {
                fprintf(stderr, "fuzz_set: '%s' accepted but key '%s' is still swept\n", line, sk);
                abort();
            }
        }
    }
    if (qnn_preset_finalise(&ps, err, sizeof err) != 0) {
        fuzz_check_msg("qnn_preset_finalise", err);
        return 0;
    }
    long P = qnn_preset_points(&ps);
    for (long k = 0; k < P && k <= 64; k++) {
        long pk = k < 64 ? k : P - 1;   /* the first 64, then the last */
        err[0] = '\0';
        if (qnn_preset_point(&ps, pk, &pt, NULL, err, sizeof err) != 0) {
            fuzz_check_msg("qnn_preset_point", err);
            continue;
        }
        fuzz_params_check("qnn_params_check", &pt);
    }
    return 0;
}
