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
 * (qnn_params_key); aliases (d, p) are not keys. Nothing here prints. */
#ifndef QNN_SHARE_H
#define QNN_SHARE_H

#include <stddef.h>
#include "qnn/params.h"
#include "qnn/session.h"   /* qnn_change */

#define QNN_SHARE_MAX_CHANGES 100000   /* overrides, and timed changes, each */
#define QNN_SHARE_MAX_LEN (1 << 22)     /* refuse longer strings */
#define QNN_SHARE_MAX_STEP 100000000L

typedef struct qnn_share {
    char preset[256];
    size_t nover;  qnn_change *over;   /* step 0 (their .step is 0) */
    size_t nlog;   qnn_change *log;    /* timed */
    long step;                         /* run to this step */
} qnn_share;

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
 * and more than QNN_SHARE_MAX_CHANGES overrides or timed changes. The
 * values themselves are checked when they are set (qnn_share_apply_overrides,
 * the session's replay). */
qnn_status qnn_share_decode(const char *s, qnn_share *out, char *err, size_t errlen);

/* Applies sh->over to p in order with qnn_params_set. Returns QNN_OK, or
 * qnn_params_set's status and message (QNN_E_NOMEM); p is then unchanged. */
qnn_status qnn_share_apply_overrides(const qnn_share *sh, qnn_params *p, char *err, size_t errlen);

/* Frees the arrays of a decoded share and empties it (a zeroed or already
 * freed share is fine). */
void qnn_share_free(qnn_share *sh);

#endif
