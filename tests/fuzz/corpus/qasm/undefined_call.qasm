qubit[2] q;
gate g(a, b) x, y {
  rx(a * b) x;
  g2(a) y, x;
}
