#!/usr/bin/env python3
"""Writes the generated data sets of presets/data (README.md there):
moons.csv, circles.csv and parity.csv. Standard library only and
deterministic: each file has its own random.Random(seed), so running this
again gives the same bytes.

    python3 presets/data/make_data.py          # writes next to this script

The formulas (those of scikit-learn's make_moons and make_circles, with
labels -1/1 instead of 0/1):

moons (n = 200, noise = 0.1, seed 20): n/2 points on the upper half-circle
    (cos t, sin t), t = pi k/(n/2 - 1), k = 0 .. n/2-1, label -1, and n/2
    on the lower one shifted (1 - cos t, 1/2 - sin t), label 1; then
    Gaussian noise N(0, noise^2) added to each coordinate.
circles (n = 200, factor = 0.5, noise = 0.05, seed 21): n/2 points on the
    unit circle (cos t, sin t), t = 2 pi k/(n/2), k = 0 .. n/2-1, label
    -1, and n/2 on the circle of radius factor, label 1; then Gaussian
    noise N(0, noise^2) on each coordinate.
parity: the 16 bit strings b0 b1 b2 b3 (row i: b_k = bit k of i), label
    (-1)^(b0 + b1 + b2 + b3): 1 for an even number of ones, -1 for odd.

The rows of moons and circles are shuffled (random.Random.shuffle with the
same generator, after the noise) so that the classes are mixed in the file,
as in scikit-learn's default. Numbers are written with 6 decimals.
"""
import math
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))


def write(name, header, rows):
    with open(os.path.join(HERE, name), "w", newline="\n") as f:
        f.write(",".join(header) + "\n")
        for r in rows:
            f.write(",".join(r) + "\n")


def num(x):
    s = "%.6f" % x
    return "0.000000" if s == "-0.000000" else s


def moons(n=200, noise=0.1, seed=20):
    rng = random.Random(seed)
    half = n // 2
    pts = []
    for k in range(half):
        t = math.pi * k / (half - 1)
        pts.append((math.cos(t), math.sin(t), -1))
    for k in range(n - half):
        t = math.pi * k / (n - half - 1)
        pts.append((1.0 - math.cos(t), 0.5 - math.sin(t), 1))
    rows = [(x + rng.gauss(0.0, noise), y + rng.gauss(0.0, noise), c) for x, y, c in pts]
    rng.shuffle(rows)
    return [(num(x), num(y), str(c)) for x, y, c in rows]


def circles(n=200, factor=0.5, noise=0.05, seed=21):
    rng = random.Random(seed)
    half = n // 2
    pts = []
    for k in range(half):
        t = 2.0 * math.pi * k / half
        pts.append((math.cos(t), math.sin(t), -1))
    for k in range(n - half):
        t = 2.0 * math.pi * k / (n - half)
        pts.append((factor * math.cos(t), factor * math.sin(t), 1))
    rows = [(x + rng.gauss(0.0, noise), y + rng.gauss(0.0, noise), c) for x, y, c in pts]
    rng.shuffle(rows)
    return [(num(x), num(y), str(c)) for x, y, c in rows]


def parity():
    rows = []
    for i in range(16):
        b = [(i >> k) & 1 for k in range(4)]
        rows.append(tuple(str(v) for v in b) + ("1" if sum(b) % 2 == 0 else "-1",))
    return rows


if __name__ == "__main__":
    write("moons.csv", ["x1", "x2", "label"], moons())
    write("circles.csv", ["x1", "x2", "label"], circles())
    write("parity.csv", ["b0", "b1", "b2", "b3", "label"], parity())
