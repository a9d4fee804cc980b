qubit[2] q;
for int i in [5:1000000] { h q[0]; }
