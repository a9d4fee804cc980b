qubit[30] q;
