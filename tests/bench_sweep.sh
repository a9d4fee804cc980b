#!/usr/bin/env bash
# Strong scaling of `qnnlab sweep` on this machine, and the per-instance
# costs the weak-scaling projection in docs/PERFORMANCE.md is made from.
#   bash tests/bench_sweep.sh [BUILD_DIR] [REPEATS]    (default build, 3)
# Prints the median wall time of REPEATS runs of each configuration:
#   1 process x 1 thread, 1 process x 2 threads, mpirun -np 2 (1 thread
#   each, bound to a core), the reduction alone (the same command on the
#   finished sweep), and rank 0's cost of storing one instance file.
set -euo pipefail
cd "$(dirname "$0")/.."
B=${1:-build}
N=${2:-3}
Q="$B/app/qnnlab"
export QNNLAB_PRESETS=$PWD/presets OPENBLAS_NUM_THREADS=1
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl_vader_single_copy_mechanism=none
T=$(mktemp -d "${TMPDIR:-/tmp}/qnnlab-bench-sweep.XXXXXX")
trap 'rm -rf "$T"' EXIT
# instances of unequal cost (L = 48 and 96: about 0.11 and 0.2 s each)
SW=(default --grid L=48,96 --instances 48 --steps 4000 --set record_every=20 --quiet)
calc() { python3 -c "print($1)"; }
median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
run() { # NAME COMMAND...: median wall seconds over N fresh sweeps
    local name=$1; shift
    for i in $(seq 1 "$N"); do
        rm -rf "$T/out"
        local t0; t0=$(date +%s.%N)
        "$@" --out "$T/out" >/dev/null 2>&1
        calc "$(date +%s.%N) - $t0"
    done | median >"$T/$name"
    printf '%-28s %8.3f s\n' "$name" "$(cat "$T/$name")"
}
echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
run "1 process x 1 thread" "$Q" sweep "${SW[@]}" --threads 1
run "1 process x 2 threads" "$Q" sweep "${SW[@]}" --threads 2
if command -v mpirun >/dev/null && ldd "$Q" | grep -q libmpi; then
    run "mpirun -np 2 (1 thread)" mpirun -np 2 --bind-to core "$Q" sweep "${SW[@]}" --threads 1
fi
# the fixed cost of starting MPI: mpirun on the finished sweep, less one process
if [ -f "$T/mpirun -np 2 (1 thread)" ]; then
    for i in $(seq 1 "$N"); do
        t0=$(date +%s.%N); mpirun -np 2 --bind-to core "$Q" sweep "${SW[@]}" --out "$T/out" >/dev/null 2>&1; calc "$(date +%s.%N) - $t0"
    done | median >"$T/mpistart"
fi
# the reduction alone: the same command on the finished sweep
for i in $(seq 1 "$N"); do
    t0=$(date +%s.%N); "$Q" sweep "${SW[@]}" --out "$T/out" >/dev/null 2>&1; calc "$(date +%s.%N) - $t0"
done | median >"$T/reduce"
printf '%-28s %8.3f s\n' "reduction alone (96 inst.)" "$(cat "$T/reduce")"
[ -f "$T/mpistart" ] && printf '%-28s %8.3f s\n' "mpirun -np 2, nothing to do" "$(cat "$T/mpistart")"
size=$(stat -c %s "$T/out/points/0000/inst/000000.qi")
python3 - "$T" "$size" <<'PY'
import os, sys, time
d, size = sys.argv[1], int(sys.argv[2])
data = os.urandom(size)
ts = []
for i in range(200):
    t0 = time.perf_counter()
    p = "%s/x%d.tmp" % (d, i)
    with open(p, "wb") as f:
        f.write(data); f.flush(); os.fsync(f.fileno())
    os.rename(p, "%s/x%d.qi" % (d, i))
    ts.append(time.perf_counter() - t0)
ts.sort()
print("%-28s %8.3f ms (median of 200, %d bytes, write + fsync + rename)" % ("store one instance file", 1e3 * ts[100], size))
PY
t1=$(cat "$T/1 process x 1 thread"); t2=$(cat "$T/1 process x 2 threads")
echo "threads: speed-up $(calc "$t1 / $t2" | cut -c1-5), efficiency $(calc "100 * $t1 / (2 * $t2)" | cut -c1-5) %"
if [ -f "$T/mpirun -np 2 (1 thread)" ]; then
    tm=$(cat "$T/mpirun -np 2 (1 thread)")
    echo "ranks:   speed-up $(calc "$t1 / $tm" | cut -c1-5), efficiency $(calc "100 * $t1 / (2 * $tm)" | cut -c1-5) %"
    tr=$(cat "$T/reduce"); ts=$(cat "$T/mpistart")
    echo "ranks, less MPI's start-up ($(calc "$ts - $tr" | cut -c1-5) s): efficiency $(calc "100 * $t1 / (2 * ($tm - $ts + $tr))" | cut -c1-5) %"
fi
