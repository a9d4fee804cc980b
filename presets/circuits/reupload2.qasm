// A data re-uploading classifier on 2 qubits in the style Qiskit's
// qasm3.dumps writes (ParameterVector names escaped as _θ_k_): the inputs
// x1 and x2 are the columns of presets/data/circles.csv and moons.csv (so
// they are data features); every other input is a trainable parameter.
OPENQASM 3.0;
include "stdgates.inc";
input float[64] x1;
input float[64] x2;
input float[64] _θ_0_;
input float[64] _θ_1_;
input float[64] _θ_2_;
input float[64] _θ_3_;
input float[64] _θ_4_;
input float[64] _θ_5_;
input float[64] _θ_6_;
input float[64] _θ_7_;
input float[64] _θ_8_;
input float[64] _θ_9_;
input float[64] _θ_10_;
input float[64] _θ_11_;
gate rzz(_gate_p_0) _gate_q_0, _gate_q_1 {
  cx _gate_q_0, _gate_q_1;
  rz(_gate_p_0) _gate_q_1;
  cx _gate_q_0, _gate_q_1;
}
bit[2] c;
qubit[2] q;
ry(x1) q[0];
ry(x2) q[1];
rz(_θ_0_) q[0];
rz(_θ_1_) q[1];
ry(_θ_2_) q[0];
ry(_θ_3_) q[1];
rzz(x1*x2 + _θ_4_) q[0], q[1];
ry(2*x1) q[0];
ry(2*x2) q[1];
rz(_θ_5_) q[0];
rz(_θ_6_) q[1];
ry(_θ_7_) q[0];
ry(_θ_8_) q[1];
cx q[0], q[1];
ry(_θ_9_) q[0];
u(_θ_10_, _θ_11_, pi/4) q[1];
barrier q[0], q[1];
c[0] = measure q[0];
c[1] = measure q[1];
