/* Pauli sums: observables O = Σ_k c_k P_k written as text (docs/CIRCUITS.md,
 * "Observables"), e.g.
 *     0.5*ZZII - 0.2*XIII + IIIZ        (dense strings, most significant
 *                                        qubit first, as in qnn/statevec.h)
 *     0.5*Z0*Z1 - 0.2*X3 + Z0           (sparse: letter and qubit index)
 * A term is [sign] [coefficient '*'] string; a coefficient is a decimal
 * number (1 when omitted); terms are joined by + or -; spaces anywhere
 * between tokens. Repeated strings are merged; the identity string is
 * allowed (a constant offset), and so is a number alone ("ZZ + 0.5").
 * Sparse factors are joined by '*' ("Z0*Z1", not "Z0 Z1"), each qubit at
 * most once in a term; |coefficient| <= 1e12. A list of observables (one per output of a
 * multi-class task) separates the sums by ';'.
 *
 * Nothing here prints; errors come back as one line naming the column of
 * the text, what was found and what is allowed. */
#ifndef QNN_PAULI_SUM_H
#define QNN_PAULI_SUM_H

#include <stddef.h>
#include "qnn/statevec.h"
#include "qnn/status.h"

typedef struct qnn_pauli_sum {
    int n;          /* qubits the strings act on */
    int nterms;
    qnn_pauli *P;   /* owned */
    double *c;      /* owned; finite */
} qnn_pauli_sum;

/* Parses one sum on n qubits from text (up to ';' or the end; *end, when
 * not NULL, points after the sum). `what` names the source in messages
 * ("key 'measure'", "obs.txt"). 0, or QNN_E_KEY_TYPE with a message
 * ("<what>: column 7: found 'Q'; allowed: ..."), or QNN_E_NOMEM. */
int qnn_pauli_sum_parse(const char *text, int n, const char *what, qnn_pauli_sum *out,
                        const char **end, char *err, size_t errlen);
/* Parses a ';'-separated list into *out (malloc'd array of *count sums).
 * Empty text gives QNN_E_KEY_TYPE. */
int qnn_pauli_sum_parse_list(const char *text, int n, const char *what, qnn_pauli_sum **out,
                             int *count, char *err, size_t errlen);
/* Reads a list from a file (comments from '#' to the end of a line; the
 * sums separated by ';' or blank lines). Messages name file:line:column. */
int qnn_pauli_sum_read(const char *path, int n, qnn_pauli_sum **out, int *count,
                       char *err, size_t errlen);
void qnn_pauli_sum_free(qnn_pauli_sum *s);          /* the arrays; s itself not */
void qnn_pauli_sum_free_list(qnn_pauli_sum *s, int count);
/* The dense text form ("0.5*ZZII - 0.2*XIII"), numbers with the shortest
 * %.Ng (N <= 17) that reads back to the same double; parsing it gives the
 * same terms and coefficients. 0, or -1 when len is too small. */
int qnn_pauli_sum_format(const qnn_pauli_sum *s, char *buf, size_t len);
/* <ψ|O|ψ>, and out = O ψ (out must not alias psi). */
double qnn_pauli_sum_expect(const qnn_pauli_sum *s, const qnn_cplx *psi);
void qnn_pauli_sum_apply(const qnn_pauli_sum *s, const qnn_cplx *psi, qnn_cplx *out);
/* tr O / 2^n, tr O² / 2^n and ‖O‖_op bound Σ|c_k| (for checks and theory). */
void qnn_pauli_sum_moments(const qnn_pauli_sum *s, double *tr_norm, double *tr2_norm, double *op_bound);

#endif
