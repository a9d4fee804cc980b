/* The share string: one line of text that reproduces a live state, copied
 * from the explorer and pasted as `qnnlab gui --state STRING`. Version 1:
 *
 *   qnnlab:1:PRESET,KEY=VALUE,...,@STEP:KEY=VALUE,...,@STEP
 *
 *  - the prefix `qnnlab:1:`, then the preset name or path;
 *  - zero or more `KEY=VALUE` overrides, applied at step 0 in order;
 *  - zero or more timed changes `@STEP:KEY=VALUE`, STEP non-decreasing;
 *  - exactly one final `@STEP`, the step to run to (>= every change step,
 *    <= 100000000).
 *
 * The preset and the values are percent-encoded: bytes in [A-Za-z0-9_.+/-]
 * stand for themselves, every other byte is %XX (uppercase hex), so the
 * string needs no quoting in a shell. Keys are the names of the key table
 * (qnn_params_key); aliases (d, p) are not keys. Nothing here prints.
 *
 * Version 2 adds pinned runs (key p of the explorer) after the main run:
 *
 *   qnnlab:2:PRESET,...,@STEP,pin,KEY=VALUE,...,@STEP:KEY=VALUE,...,@STEP,pin,...
 *
 * each `pin` token starts one pinned run, encoded as the main run is (its
 * overrides relative to the same preset, its timed changes, its final
 * step). A state without pins is written as version 1, as before; both
 * versions are read (version 1 has no pins). */
#ifndef QNN_SHARE_H
#define QNN_SHARE_H

#include <stddef.h>
#include "qnn/params.h"
#include "qnn/session.h"   /* qnn_change */

#define QNN_SHARE_MAX_CHANGES 100000   /* overrides, and timed changes, each */
#define QNN_SHARE_MAX_LEN (1 << 22)     /* refuse longer strings */
#define QNN_SHARE_MAX_STEP 100000000L

#define QNN_SHARE_MAX_PINS 16            /* pinned runs in one string */

/* One run: overrides of the preset, timed changes, the step to run to. */
typedef struct qnn_share_run {
    size_t nover;  qnn_change *over;
    size_t nlog;   qnn_change *log;
    long step;
} qnn_share_run;

typedef struct qnn_share {
    char preset[256];
    size_t nover;  qnn_change *over;   /* step 0 (their .step is 0) */
    size_t nlog;   qnn_change *log;    /* timed */
    long step;                         /* run to this step */
    size_t npins;  qnn_share_run *pins; /* pinned runs (version 2), oldest first */
} qnn_share;

/* A pinned run to encode: its parameters at its last reset, its log of
 * changes since, its step (as qnn_session_log gives them). */
typedef struct qnn_share_pin {
    const qnn_params *base;
    const qnn_change *log;
    size_t nlog;
    long step;
} qnn_share_pin;

/* Writes the share string of a state into *out (malloc'd, NUL-terminated).
 * The overrides turn preset_params into base: every key whose value
 * (qnn_params_get) differs, in the order of qnn_params_keys(), except
 * "threads" (results do not depend on it); keys that interact (n, n_h, n_v)
 * are followed by simulating the overrides on a copy of preset_params, so
 * qnn_share_apply_overrides on a fresh copy of preset_params gives every key
 * of base back exactly (doubles are written in the shortest form that reads
 * back to the same bits). `log` holds nlog timed changes (steps
 * non-decreasing, 0 .. step; the alias keys p and d are written as L and n)
 * and `step` is the step to run to. Returns 0; -1 when memory runs out; -2
 * when the state cannot be written as a share string: an empty or over-long
 * preset, a value longer than 63 bytes (a long title or label list), an
 * unknown key or an out-of-order step in the log, step outside 0 .. 1e8,
 * more than QNN_SHARE_MAX_CHANGES changes, or a result longer than
 * QNN_SHARE_MAX_LEN. *out is NULL unless 0 is returned. */
int qnn_share_encode(const char *preset, const qnn_params *preset_params, const qnn_params *base,
                     const qnn_change *log, size_t nlog, long step, char **out);
/* The same with npins pinned runs (at most QNN_SHARE_MAX_PINS), each
 * written as the main run is, relative to the same preset_params; with
 * npins = 0 exactly qnn_share_encode's version-1 string. Returns as
 * qnn_share_encode (-2 also for too many pins or a pin that cannot be
 * written). */
int qnn_share_encode_pins(const char *preset, const qnn_params *preset_params, const qnn_params *base,
                          const qnn_change *log, size_t nlog, long step,
                          const qnn_share_pin *pins, size_t npins, char **out);

/* Reads a share string into *out (free it with qnn_share_free). Returns
 * QNN_OK, or QNN_E_FORMAT (QNN_E_NOMEM) with one line in err naming the offending token (quoting at most 40
 * characters of it) and what is allowed; *out is then empty. Never reads
 * past the string's NUL (nor past QNN_SHARE_MAX_LEN + 1 bytes). Refused:
 * strings longer than QNN_SHARE_MAX_LEN, another prefix or version, empty
 * tokens, characters outside [A-Za-z0-9_.+/-] other than %XX, bad %XX,
 * %00, unknown keys, a token without '=', an empty or over-long (255
 * bytes) preset, values over 63 bytes, overrides after a timed change,
 * steps that are not decimal integers in 0 .. 1e8, decreasing steps or
 * steps beyond the final step, a missing final @STEP, anything after it,
 * and more than QNN_SHARE_MAX_CHANGES overrides or timed changes; in
 * version 2 also a pin part that is empty or malformed as above, more
 * than QNN_SHARE_MAX_PINS pins (the message names the pin). The
 * values themselves are checked when they are set (qnn_share_apply_overrides,
 * the session's replay). */
qnn_status qnn_share_decode(const char *s, qnn_share *out, char *err, size_t errlen);

/* Applies sh->over to p in order with qnn_params_set. Returns QNN_OK, or
 * qnn_params_set's status and message (QNN_E_NOMEM); p is then unchanged. */
qnn_status qnn_share_apply_overrides(const qnn_share *sh, qnn_params *p, char *err, size_t errlen);

/* The same for a pinned run: its overrides applied to p (start from the
 * preset as loaded). */
qnn_status qnn_share_apply_run_overrides(const qnn_share_run *r, qnn_params *p, char *err, size_t errlen);

/* Frees the arrays of a decoded share and empties it (a zeroed or already
 * freed share is fine). */
void qnn_share_free(qnn_share *sh);

#endif
