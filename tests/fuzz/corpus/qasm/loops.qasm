OPENQASM 3;
include "stdgates.inc";
/* a layered ansatz written with gate definitions and loops */
const int n = 4;
const float[64] half = pi / 2;
input float[64] theta;
input float[64] phi;
qubit[n] q;
gate layer(a, b) x, y {
  ry(a) x;
  rz(b * half) y;
  cz x, y;
}
gate twice(a) x, y {
  layer(a, -a) x, y;
  layer(2 * a, a ** 2) y, x;
}
for int i in [0:2] {
  twice(theta + i) q[i], q[i + 1];
}
for i in [0:2:3] rx(phi * i) q[i];
for uint[8] k in [3:-1:0] {
  barrier q[k];
}
gphase(pi);
