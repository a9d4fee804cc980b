/* The peers' side of bench/peers/peers.c: thin C wrappers around the
 * Qulacs csim kernels (qulacs_shim.cpp, C++) and the QuEST C API
 * (quest_shim.c), each compiled only when build.sh is given the peer's
 * directory (PEER_QULACS, PEER_QUEST). Every wrapper works on a state the
 * caller owns, laid out as qnnlab's: 2^n complex doubles, qubit k = bit k
 * of the index; matrices row-major with the local index (bit q1 << 1) |
 * bit q0, which is also the convention of both peers. */
#ifndef QNN_BENCH_PEERS_H
#define QNN_BENCH_PEERS_H

#include <complex.h>

/* Qulacs: double_qubit_dense_matrix_gate_c on (t1, t2) of psi (2^n
 * amplitudes); multi_qubit_Pauli_rotation_gate_whole_list with codes[k] in
 * {0 I, 1 X, 2 Y, 3 Z} for qubit k and Qulacs' angle. */
void peer_qulacs_gate2(int t1, int t2, const double complex g[16], double complex *psi, int n);
void peer_qulacs_pauli(const unsigned *codes, int n, double angle, double complex *psi);

/* QuEST: one environment (single-threaded, CPU) and one register of n
 * qubits; peer_quest_amps is its amplitude array (the same layout), which
 * the caller fills and reads directly. */
int peer_quest_open(int n);
double complex *peer_quest_amps(void);
void peer_quest_close(void);
/* applyCompMatr2 on (t1, t2); applyPauliGadget with codes as above and
 * QuEST's angle. */
void peer_quest_gate2(int t1, int t2, const double complex g[16]);
void peer_quest_pauli(const unsigned *codes, int n, double angle);

#endif
