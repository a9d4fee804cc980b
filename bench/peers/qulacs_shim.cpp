// Qulacs' csim kernels behind a C interface for bench/peers/peers.c
// (peers.h declares these with C's double complex; here the pointers are
// std::complex<double>, which has the same layout, so the states are
// passed through as they are; peers.h itself is not included because
// <complex.h> cannot be read as C++ inside extern "C").
#include <complex>

#include "csim/update_ops.hpp"

extern "C" void peer_qulacs_gate2(int t1, int t2, const std::complex<double> *g, std::complex<double> *psi, int n)
{
    double_qubit_dense_matrix_gate_c((UINT)t1, (UINT)t2, g, psi, (ITYPE)1 << n);
}

extern "C" void peer_qulacs_pauli(const unsigned *codes, int n, double angle, std::complex<double> *psi)
{
    multi_qubit_Pauli_rotation_gate_whole_list(codes, (UINT)n, angle, psi, (ITYPE)1 << n);
}
