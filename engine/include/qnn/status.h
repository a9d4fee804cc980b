/* Status codes of the engine, and the one table of their descriptions.
 *
 * Contract: a function returning qnn_status gives QNN_OK (0) on success and
 * a negative code on failure, so `!= 0` and `< 0` both test for failure
 * and positive values stay free for a function's own results (1 =
 * stopped, diverged). Where a function also takes (err, errlen), the code
 * says which kind of failure it was and err holds the one-line message a
 * user sees ("key 'eta': value '-1' is out of range; allowed: ..."):
 * the code is for programs, the message for people. err may be NULL or
 * errlen 0 (no message). The engine never prints. */
#ifndef QNN_STATUS_H
#define QNN_STATUS_H

#include <stddef.h>

typedef enum qnn_status {
    QNN_OK = 0,
    QNN_E_FAIL = -1,        /* failed, of no more particular kind (a model
                               class's method that returns -1) */
    QNN_E_NOMEM = -2,       /* out of memory */
    QNN_E_KEY_UNKNOWN = -3, /* no key of that name */
    QNN_E_KEY_TYPE = -4,    /* a value of the wrong form: not a number, not an
                               integer, not one of the choices, too long */
    QNN_E_KEY_RANGE = -5,   /* a value outside its key's range */
    QNN_E_RELATION = -6,    /* keys that do not go together, or a key that
                               has no meaning for the model */
    QNN_E_SIZE = -7,        /* too large: for the memory, or for a dense method */
    QNN_E_FILE = -8,        /* a file that cannot be read or does not hold
                               what it should */
    QNN_E_DIVERGED = -9,    /* a value stopped being finite */
    QNN_E_NUMERIC = -10,    /* a numerical method (an eigensolver) failed */
    QNN_E_ARGS = -11,       /* a caller's argument out of its contract (NULL,
                               size 0): a programming error */
    QNN_E_STATE = -12,      /* the object cannot do that now (a session
                               already running, no evaluation yet) */
    QNN_E_SYSTEM = -13,     /* the system refused (a thread) */
    QNN_E_FORMAT = -14,     /* text that does not parse (a share string) */
    QNN_E_INTERRUPTED = -15,/* stopped on request */
    QNN_E_UNSUPPORTED = -16 /* not offered for this model (a live view) */
} qnn_status;

#define QNN_STATUS_COUNT 17 /* QNN_OK .. QNN_E_UNSUPPORTED */

/* A static description of a code ("out of memory"), never NULL; codes
 * outside the table give "unknown status". */
const char *qnn_strerror(int status);

/* Writes the one-line message (printf format) into err, when err is not
 * NULL and errlen > 0, and returns code: `return qnn_fail(err, errlen,
 * QNN_E_KEY_RANGE, "key '%s': ...", ...);`. */
#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
qnn_status qnn_fail(char *err, size_t errlen, qnn_status code, const char *fmt, ...);

/* The status of an int result of a method written to the older contract
 * (0, or -1 on failure): 0 stays QNN_OK, a code stays itself, anything else
 * non-zero is QNN_E_FAIL. */
static inline qnn_status qnn_status_of(int rc)
{
    return rc == 0 ? QNN_OK : rc < 0 && rc > -QNN_STATUS_COUNT ? (qnn_status)rc : QNN_E_FAIL;
}

#endif
