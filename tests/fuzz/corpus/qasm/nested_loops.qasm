qubit[4] q;
input float t;
for int i in [0:2] {
  for j in [i:3] {
    rz(t * (i + j)) q[j];
  }
}
