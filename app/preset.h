/* Presets: INI files (parsed by inih) that set keys of qnn_params, plus an
 * optional [sweep] section whose keys take comma-separated lists; the run
 * covers the Cartesian grid of the lists.
 *
 *   [preset]      description = one line for `qnnlab presets`
 *   [model] [optimiser] [run] [figure]   key = value   (see qnnlab --help)
 *   [sweep]       key = v1, v2, ...
 */
#ifndef QNN_PRESET_H
#define QNN_PRESET_H

#include <limits.h>
#include <stddef.h>
#include "qnn/params.h"

#define QNN_MAX_SWEEP_KEYS 4
#define QNN_MAX_SWEEP_VALUES 64
#define QNN_PRESET_MAX_BYTES (256 * 1024)
/* The longest line of a preset, in bytes without its line break (a
 * 1024-entry label list written with 17 digits is ~25 KiB). */
#define QNN_PRESET_MAX_LINE (64 * 1024)

typedef struct qnn_sweep_key {
    char key[32];
    int nvalues;
    char values[QNN_MAX_SWEEP_VALUES][48];
} qnn_sweep_key;

typedef struct qnn_preset {
    char name[128];
    char path[PATH_MAX];
    char description[256];
    qnn_params params;
    int nsweep;
    qnn_sweep_key sweep[QNN_MAX_SWEEP_KEYS];
} qnn_preset;

/* Directory the presets are looked up in: $QNNLAB_PRESETS, else the
 * presets/ folder of the source tree this binary was built from. */
const char *qnn_preset_dir(void);

/* Loads a preset by name (a file <name>.ini in qnn_preset_dir()) or by
 * path (anything containing '/' or ending in ".ini"). Defaults first, then
 * the file. Returns 0, or -1 with a one-line message. */
int qnn_preset_load(const char *name_or_path, qnn_preset *out, char *err, size_t errlen);

/* Same from a string already in memory (used by the loader and the fuzz
 * target); `origin` names it in messages. */
int qnn_preset_parse(const char *text, size_t len, const char *origin,
                     qnn_preset *out, char *err, size_t errlen);

/* Applies "KEY=VALUE". A key the preset sweeps stops being swept.
 * "sweep.KEY=v1,v2,..." sweeps KEY over these values instead (in the place
 * of the preset's own list for KEY, else as a further swept key). */
int qnn_preset_override(qnn_preset *ps, const char *assignment, char *err, size_t errlen);

/* After the overrides, before the grid is used: figure = compare adds a
 * last swept key model = periodic, asymptotic, frozen (unless model is
 * swept already). 0, or -1 with a message. */
int qnn_preset_finalise(qnn_preset *ps, char *err, size_t errlen);

/* Number of grid points, and the parameters of point k (k in
 * [0, points)); the swept values are set in order of the [sweep] keys, the
 * last key varying fastest. With figure = compare, the asymptotic and
 * frozen points get m0_init = circuit and η = η_step p / m (eta_per_L = 0). */
long qnn_preset_points(const qnn_preset *ps);
int qnn_preset_point(const qnn_preset *ps, long k, qnn_params *out, int *value_index,
                     char *err, size_t errlen);

/* Calls fn for each preset file in qnn_preset_dir(), in name order, with
 * its name and description (or the reason it does not load) made safe to
 * print (control characters and bytes that are not UTF-8 as \xNN). */
typedef void (*qnn_preset_visit)(void *ctx, const char *name, const char *description);
int qnn_preset_list(qnn_preset_visit fn, void *ctx, char *err, size_t errlen);

#endif
