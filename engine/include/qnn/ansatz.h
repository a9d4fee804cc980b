/* The built-in circuit families (docs/CIRCUITS.md, "Families"): each builds
 * a qnn_qc that is equivalent to a QASM file (qnn_qasm_write writes it, and
 * reading that file back gives the same gates, variables and gradients).
 *
 * Hardware-efficient ansatz (hea), on n qubits with `layers` layers:
 *     layer l = 0 .. layers-1:  for each rotation r in `rotations` (in the
 *     order given), r(theta_<k>) on every qubit 0 .. n-1, k counting up
 *     from 0 over the whole circuit; then the entangler (cz or cx) on the
 *     pairs (0,1), (1,2), .., (n-2,n-1) and, for a ring with n > 2, (n-1,0).
 *     Parameters: layers · |rotations| · n, named theta_0, theta_1, ...
 *
 * QAOA-style layered ansatz for a Pauli-sum cost C = Σ_k c_k P_k:
 *     h on every qubit; then per layer l: exp(-i gamma_l C) as one rotation
 *     per term (for a term of weight w, rz/rzz-style: the basis change of
 *     its X and Y letters, a cx ladder to the lowest qubit of the string,
 *     rz(2 c_k gamma_l), the ladder undone); then the mixer rx(2 beta_l) on
 *     every qubit. Parameters gamma_0, beta_0, gamma_1, beta_1, ...
 *     (2 · layers), each shared by the gates of its layer.
 *     In detail: a term of weight 1 is one rx, ry or rz(2 c_k gamma_l) on
 *     its qubit; for weight w >= 2 on qubits q_0 < .. < q_{w-1}, the basis
 *     change is h for X and sdg then h for Y (undone by h, and h then s),
 *     the ladder cx(q_{w-1}, q_{w-2}) .. cx(q_1, q_0), undone in reverse;
 *     identity terms (a global phase) make no gate. The terms follow the
 *     sum's order (for terms that do not commute, the product of their
 *     exponentials in that order). The h layer has qnn_gate.layer 0.
 *
 * Every gate records its layer (qnn_gate.layer) for diagrams. Builders
 * return 0 or a negative qnn_status with one line in err. */
#ifndef QNN_ANSATZ_H
#define QNN_ANSATZ_H

#include <stddef.h>
#include "qnn/qcircuit.h"
#include "qnn/pauli_sum.h"

typedef enum { QNN_ENTGATE_CZ = 0, QNN_ENTGATE_CX = 1 } qnn_entgate;
typedef enum { QNN_TOPO_LINE = 0, QNN_TOPO_RING = 1 } qnn_topology;

/* rotations: a comma list from rx, ry, rz ("ry" or "ry,rz"), at most 3. */
int qnn_ansatz_hea(int n, int layers, const char *rotations, qnn_entgate ent,
                   qnn_topology topo, qnn_qc **out, char *err, size_t errlen);
int qnn_ansatz_qaoa(int n, int layers, const qnn_pauli_sum *cost, qnn_qc **out,
                    char *err, size_t errlen);
/* The default QAOA cost on n qubits: the ring Σ_i Z_i Z_{i+1} (MaxCut on a
 * cycle; for n = 2 the single edge). */
int qnn_ansatz_default_cost(int n, qnn_pauli_sum *out);
/* Checks a rotations list; 0 or QNN_E_KEY_TYPE naming key 'rotations'. */
int qnn_ansatz_check_rotations(const char *rotations, char *err, size_t errlen);

/* Angle encoding of nfeat data features: ry(x_i) (or rx) on qubit i,
 * i = 0 .. nfeat-1, prepended to qc; the features become variables x_0 ..
 * with role QNN_VAR_FEATURE. 0, or QNN_E_RELATION when nfeat > n. */
int qnn_ansatz_encode(qnn_qc *qc, int nfeat, qnn_gate_kind rot, char *err, size_t errlen);

#endif
