/* libFuzzer target: the bytes as a preset file.
 *
 * Goes the way of `qnnlab run FILE.ini`: defaults, the INI text through
 * qnn_preset_parse (what qnn_preset_load does after reading the file, so
 * no file is written), qnn_preset_finalise, then the sweep grid: the first
 * 64 points and the last, each through qnn_preset_point and
 * qnn_params_check (1 GiB). Every refusal must say what is allowed; every
 * key of an accepted preset must read back through its canonical text. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "preset.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static qnn_preset ps;       /* large: kept off the stack */
static qnn_params pt;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[FUZZ_ERR] = "";
    if (size > QNN_PRESET_MAX_BYTES)      /* qnn_preset_load refuses these */
        return -1;
    memset(&ps, 0, sizeof ps);
    qnn_params_default(&ps.params);
    snprintf(ps.name, sizeof ps.name, "fuzz");
    snprintf(ps.path, sizeof ps.path, "fuzz.ini");
    if (qnn_preset_parse((const char *)data, size, ps.path, &ps, err, sizeof err) != 0) {
        fuzz_check_msg("qnn_preset_parse", err);
        return 0;
    }
    size_t nk;
    const qnn_key_info *keys = qnn_params_keys(&nk);
    for (size_t i = 0; i < nk; i++)
        fuzz_check_get_set(&ps.params, keys[i].name);
    if (qnn_preset_finalise(&ps, err, sizeof err) != 0) {
        fuzz_check_msg("qnn_preset_finalise", err);
        return 0;
    }
    long P = qnn_preset_points(&ps);
    if (P < 1) {
        fprintf(stderr, "fuzz: %ld grid points\n", P);
        abort();
    }
    for (long k = 0; k < P && k <= 64; k++) {
        long at = k < 64 ? k : P - 1;   /* the first 64, then the last */
        int vi[QNN_MAX_SWEEP_KEYS];
        err[0] = '\0';
        if (qnn_preset_point(&ps, at, &pt, vi, err, sizeof err) != 0) {
            fuzz_check_msg("qnn_preset_point", err);
            continue;
        }
        for (int i = 0; i < ps.nsweep; i++)
            if (vi[i] < 0 || vi[i] >= ps.sweep[i].nvalues) {
                fprintf(stderr, "fuzz: point %ld: value index %d of key %d out of 0 .. %d\n", at, vi[i], i,
                        ps.sweep[i].nvalues - 1);
                abort();
            }
        fuzz_params_check("qnn_params_check", &pt);
    }
    return 0;
}
