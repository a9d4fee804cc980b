/* OpenQASM 3 import and export of gate-level circuits (qnn/qcircuit.h).
 * The subset read and its grammar are in docs/QASM.md; everything outside
 * it is refused with file:line:column, what was found and what is allowed.
 * The reader never prints and never aborts: any input, however malformed,
 * gives 0 or a negative qnn_status with one line in err (tests/fuzz). */
#ifndef QNN_QASM_H
#define QNN_QASM_H

#include <stddef.h>
#include <stdio.h>
#include "qnn/qcircuit.h"

/* Hard limits of the reader (a file beyond them is refused, not cut). */
#define QNN_QASM_MAX_BYTES   (4 << 20)  /* file size */
#define QNN_QASM_MAX_GATES   1000000    /* gates after expanding loops and
                                           gate definitions */
#define QNN_QASM_MAX_DEPTH   64         /* nesting of expressions, loops,
                                           gate calls */

/* Parses `len` bytes of text (need not be NUL-terminated). `name` is the
 * file name the messages start with. Every `input float[..]` / `input
 * angle[..]` variable becomes a parameter of the circuit (the caller sets
 * the roles of data features). 0, or QNN_E_FORMAT / QNN_E_RELATION /
 * QNN_E_SIZE / QNN_E_NOMEM with "name:line:col: found '...'; allowed: ...". */
int qnn_qasm_parse(const char *text, size_t len, const char *name, qnn_qc **out,
                   char *err, size_t errlen);
/* Reads and parses a file (QNN_E_FILE when it cannot be read, is not a
 * regular file or is larger than QNN_QASM_MAX_BYTES). */
int qnn_qasm_read(const char *path, qnn_qc **out, char *err, size_t errlen);

/* Writes qc as OpenQASM 3 that qnn_qasm_parse reads back to the same
 * gates, variables (in order) and expressions: a header comment line
 * `// comment` when comment is not NULL, OPENQASM 3.0, include
 * "stdgates.inc", one `input float[64] name;` per variable, `qubit[n] q;`,
 * the gates (rxx, ryy, rzz, rzx through `gate` definitions in stdgates
 * terms). 0, or -1 when writing fails. */
int qnn_qasm_write(const qnn_qc *qc, const char *comment, FILE *f);

#endif
