#!/usr/bin/env python3
"""A straightforward PyTorch implementation of qnnlab's periodic training step
(YOU23; engine/src/model.c), for the comparison in docs/PERFORMANCE.md.

Model:  U(theta) = U_p e^{-i theta_p H} ... U_1 e^{-i theta_1 H} U_0,
        U_l Haar on U(d) (dense, complex128), H = sqrt(d - 1/d) Z_top, i.e.
        diag(+c on the first half of the basis, -c on the second half).
Data:   m Haar-random orthonormal states (QR of a d x m complex Ginibre
        matrix), labels half +1 / half -1 in random order.
Output: yhat_j = gamma <psi_j| U^dag M0 U |psi_j>, M0 = Z on qubit 0
        (diagonal: (-1)^(b & 1)).
Loss:   (1/2m) sum_j (yhat_j - y_j)^2; gradient by autograd; one GD step
        theta <- theta - eta grad with eta = 1e-3 / p (YOU23, as the
        qnnlab bench workload: eta = 1e-3, eta_per_L = 1).

One timed step = forward + loss + backward + update. qnnlab's step does
more: it also forms the full m x p Jacobian and the m x m kernel K = J J^T
(and its eigenvalues); torch computes only the loss gradient.

Single-threaded: OPENBLAS_NUM_THREADS / OMP_NUM_THREADS / MKL_NUM_THREADS
are set to 1 before torch is imported (torch's matmul goes to the system
BLAS, whose own thread pool torch.set_num_threads does not control), and
torch.set_num_threads(1).
"""
import os

for _v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_v] = "1"

import argparse  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import torch  # noqa: E402

torch.set_num_threads(1)
DT = torch.complex128


def haar_unitary(d, gen):
    """Haar on U(d): QR of a Ginibre matrix with the Mezzadri phase fix."""
    g = torch.complex(torch.randn(d, d, generator=gen, dtype=torch.float64),
                      torch.randn(d, d, generator=gen, dtype=torch.float64)) / math.sqrt(2.0)
    q, r = torch.linalg.qr(g)
    ph = torch.diagonal(r)
    ph = ph / ph.abs()
    return q * ph.unsqueeze(0)


def random_orthonormal(d, m, gen):
    g = torch.complex(torch.randn(d, m, generator=gen, dtype=torch.float64),
                      torch.randn(d, m, generator=gen, dtype=torch.float64)) / math.sqrt(2.0)
    q, _ = torch.linalg.qr(g)
    return q


class Periodic:
    def __init__(self, d, p, m, gamma=1.0, eta=1e-3, eta_per_L=True, seed=1):
        gen = torch.Generator().manual_seed(seed)
        self.d, self.p, self.m, self.gamma = d, p, m, gamma
        self.eta = eta / p if eta_per_L else eta
        self.U = [haar_unitary(d, gen) for _ in range(p + 1)]
        c = math.sqrt(d - 1.0 / d)
        self.h = torch.cat([torch.full((d // 2,), c), torch.full((d - d // 2,), -c)]).to(torch.float64)
        b = torch.arange(d)
        self.m0 = (1 - 2 * (b & 1)).to(torch.float64)          # Z on qubit 0
        self.X = random_orthonormal(d, m, gen)                  # d x m
        y = torch.tensor([1.0 if j < (m + 1) // 2 else -1.0 for j in range(m)], dtype=torch.float64)
        self.y = y[torch.randperm(m, generator=gen)]
        self.theta = (torch.rand(p, generator=gen, dtype=torch.float64) * 2 * math.pi).requires_grad_(True)

    def loss(self):
        psi = self.U[0] @ self.X
        for l in range(self.p):
            phase = torch.exp(-1j * self.theta[l] * self.h)     # e^{-i theta_l H}, diagonal
            psi = self.U[l + 1] @ (phase.unsqueeze(1) * psi)
        yhat = self.gamma * (psi.conj() * (self.m0.unsqueeze(1) * psi)).sum(0).real
        return ((yhat - self.y) ** 2).sum() / (2 * self.m)

    def step(self):
        loss = self.loss()
        loss.backward()
        with torch.no_grad():
            self.theta -= self.eta * self.theta.grad
        self.theta.grad = None
        return loss


def check_gradient(d=8, p=5, m=4, h=1e-6):
    """Autograd against central differences on a small instance; returns
    the largest absolute deviation."""
    model = Periodic(d, p, m, seed=3)
    loss = model.loss()
    loss.backward()
    g = model.theta.grad.clone()
    th = model.theta.detach().clone()
    worst = 0.0
    with torch.no_grad():
        for l in range(p):
            model.theta.copy_(th)
            model.theta[l] += h
            lp = model.loss().item()
            model.theta.copy_(th)
            model.theta[l] -= h
            lm = model.loss().item()
            worst = max(worst, abs((lp - lm) / (2 * h) - g[l].item()))
    return worst


def time_steps(model, repeats, min_time, warm_time):
    t0 = time.perf_counter()
    n = 0
    while True:
        model.step()
        n += 1
        t = time.perf_counter()
        if t - t0 >= warm_time:
            break
    k = max(1, math.ceil(min_time / ((t - t0) / n)))
    rates = []
    for _ in range(repeats):
        a = time.perf_counter()
        for _ in range(k):
            model.step()
        done = k
        b = time.perf_counter()
        while b - a < min_time:
            model.step()
            done += 1
            b = time.perf_counter()
        rates.append(done / (b - a))
    return rates


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--quick", action="store_true", help="3 repeats of at least 0.1 s")
    ap.add_argument("--json", help="write the results as JSON to this file")
    ap.add_argument("--sizes", default="64,256", help="comma list of d (p = 80, m = 4)")
    args = ap.parse_args()
    repeats, min_time, warm = args.repeats, 0.3, 0.2
    if args.quick:
        repeats, min_time, warm = (args.repeats if "--repeats" in sys.argv else 3), 0.1, 0.05

    dev = check_gradient()
    if dev > 1e-6:
        sys.exit(f"torch_periodic.py: autograd gradient differs from central differences by {dev:.3g}")
    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}, "
          f"median of {repeats} repeats, each >= {min_time} s after a warm-up; "
          f"gradient check against central differences: max deviation {dev:.1e}")
    print(f"  {'workload':<32} {'median/s':>10} {'min/s':>10} {'max/s':>10} {'ms/step':>10}")
    out = {"torch": torch.__version__, "threads": torch.get_num_threads(), "repeats": repeats,
           "min_time_s": min_time, "workloads": []}
    for d in [int(s) for s in args.sizes.split(",")]:
        model = Periodic(d, 80, 4)
        rates = time_steps(model, repeats, min_time, warm)
        med = statistics.median(rates)
        label = f"periodic d={d} p=80 m=4"
        print(f"  {label:<32} {med:10.4g} {min(rates):10.4g} {max(rates):10.4g} {1e3 / med:10.4g}", flush=True)
        out["workloads"].append({"id": f"periodic_d{d}_p80_m4", "label": label,
                                 "steps_per_s": {"median": med, "min": min(rates), "max": max(rates)},
                                 "ms_per_step": 1e3 / med})
    if args.json:
        tmp = f"{args.json}.tmp.{os.getpid()}"
        with open(tmp, "w") as f:
            json.dump(out, f, indent=2)
            f.write("\n")
        os.replace(tmp, args.json)


if __name__ == "__main__":
    main()
