OPENQASM 2.0;
include "qelib1.inc";
qreg a[2];
qreg b[1];
creg c[3];
u2(0, pi) a[0];
cu3(0.1, 0.2, 0.3) a[1], b[0];
rx(2^3) b[0];
measure a -> c;
