/* The engine's status codes (status.h): the one table of descriptions and
 * the helper every failure site formats its message with. */
#include "qnn/status.h"

#include <stdarg.h>
#include <stdio.h>

/* Indexed by -code. */
static const char *const descriptions[QNN_STATUS_COUNT] = {
    [0] = "success",
    [-QNN_E_FAIL] = "failed",
    [-QNN_E_NOMEM] = "out of memory",
    [-QNN_E_KEY_UNKNOWN] = "unknown key",
    [-QNN_E_KEY_TYPE] = "a value of the wrong form for its key",
    [-QNN_E_KEY_RANGE] = "a value out of its key's range",
    [-QNN_E_RELATION] = "keys that do not go together",
    [-QNN_E_SIZE] = "too large",
    [-QNN_E_FILE] = "a file that cannot be used",
    [-QNN_E_DIVERGED] = "diverged: a value is not finite",
    [-QNN_E_NUMERIC] = "a numerical method failed",
    [-QNN_E_ARGS] = "an argument outside the function's contract",
    [-QNN_E_STATE] = "not possible in this state",
    [-QNN_E_SYSTEM] = "the system refused",
    [-QNN_E_FORMAT] = "text that does not parse",
    [-QNN_E_INTERRUPTED] = "interrupted",
    [-QNN_E_UNSUPPORTED] = "not offered for this model",
};

const char *qnn_strerror(int status)
{
    if (status > 0 || status <= -QNN_STATUS_COUNT)
        return "unknown status";
    return descriptions[-status];
}

qnn_status qnn_fail(char *err, size_t errlen, qnn_status code, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return code;
}
