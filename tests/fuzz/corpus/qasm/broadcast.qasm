qubit[2] q;
qubit r;
h q; cx q[1], r; barrier; reset r;
