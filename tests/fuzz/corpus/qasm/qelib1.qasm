// OpenQASM 2 in the style of qiskit.qasm2.dumps and PennyLane's to_openqasm
OPENQASM 2.0;
include "qelib1.inc";
qreg q[3];
creg c[3];
u3(0.1,0.2,0.3) q[0];
u2(0,pi) q[1];
u1(pi/4) q[2];
cx q[0],q[1];
rz(pi/2) q[2];
cu1(0.25) q[1],q[2];
ccx q[0],q[1],q[2];
barrier q;
measure q[0] -> c[0];
measure q[1] -> c[1];
measure q[2] -> c[2];
