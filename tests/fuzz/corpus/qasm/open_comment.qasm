qubit[1] q;
h q[0]; /* never closed
