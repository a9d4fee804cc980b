qubit[1] q;
gate g a { g a; }
