qubit[2] q;
bit[2] c;
measure q[0] -> c[0];
x q[0];
