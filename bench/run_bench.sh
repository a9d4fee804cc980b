#!/usr/bin/env bash
# Regenerates the numbers of docs/PERFORMANCE.md with one command: builds
# qnnlab (Release) in a scratch directory, runs `qnnlab bench` and the
# PyTorch reference of the periodic training step, and prints the
# comparison. Everything is single-threaded.
#
#   bench/run_bench.sh [--quick] [--repeats N] [--scaling]
#
# Environment: BUILD (build directory, default /tmp/qnnlab-bench-build),
# RESULTS (where the JSON results go, default $BUILD/results), PYTHON (an
# interpreter with torch, default /usr/bin/python3 - Debian's python3-torch;
# torch is a benchmark-only dependency).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-/tmp/qnnlab-bench-build}
RESULTS=${RESULTS:-$BUILD/results}
PYTHON=${PYTHON:-/usr/bin/python3}

bench_args=()
torch_args=()
while [ $# -gt 0 ]; do
    case "$1" in
        --quick) bench_args+=(--quick); torch_args+=(--quick) ;;
        --repeats) bench_args+=(--repeats "$2"); torch_args+=(--repeats "$2"); shift ;;
        --scaling) bench_args+=(--scaling) ;;
        -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "run_bench.sh: unknown argument '$1'" >&2; exit 2 ;;
    esac
    shift
done

cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release >/dev/null
make -C "$BUILD" -j"$(nproc)" qnnlab >/dev/null
mkdir -p "$RESULTS"

echo "== qnnlab bench (commit $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$ROOT" diff --quiet 2>/dev/null || echo ', with local changes'))"
"$BUILD/app/qnnlab" bench "${bench_args[@]}" --json "$RESULTS/qnnlab.json"

echo "== PyTorch reference (bench/torch_periodic.py)"
if ! "$PYTHON" -c 'import torch' 2>/dev/null; then
    echo "no torch for $PYTHON: install it (Debian: apt-get install python3-torch) or set PYTHON" >&2
    exit 1
fi
"$PYTHON" "$ROOT/bench/torch_periodic.py" "${torch_args[@]}" --json "$RESULTS/torch.json"

echo
echo "== periodic training step, single thread: qnnlab against PyTorch"
"$PYTHON" - "$RESULTS/qnnlab.json" "$RESULTS/torch.json" <<'PY'
import json, sys
q = {w["id"]: w for w in json.load(open(sys.argv[1]))["workloads"]}
t = json.load(open(sys.argv[2]))
print(f"  {'workload':<26} {'qnnlab steps/s':>15} {'torch steps/s':>14} {'speed-up':>9}")
for w in t["workloads"]:
    qw = q.get(w["id"])
    if not qw or qw.get("status") != "measured":
        print(f"  {w['label']:<26} {'-':>15} {w['steps_per_s']['median']:14.4g}")
        continue
    a, b = qw["steps_per_s"]["median"], w["steps_per_s"]["median"]
    print(f"  {w['label']:<26} {a:15.4g} {b:14.4g} {a / b:8.1f}x")
print("  (qnnlab's step also forms the full Jacobian, the kernel K = J J^T and its")
print("   eigenvalues; torch computes the loss gradient only)")
PY
echo
echo "results: $RESULTS/qnnlab.json $RESULTS/torch.json"
