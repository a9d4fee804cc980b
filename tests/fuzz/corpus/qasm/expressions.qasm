qubit[1] q;
rx(-(-(-(1.5e-3 ** 2)) / 3)) q[0];
ry(π + τ - ℇ) q[0];
/* comment */ rz(2) q[0]; // end
