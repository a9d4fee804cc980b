OPENQASM 3;
qubit[2] q;
if (c[0] == 1) x q[1];
ctrl @ x q[0], q[1];
