#!/usr/bin/env bash
# End-to-end tests of `qnnlab sweep`, run by ctest as `sweep`:
#   bash sweep_test.sh PATH/TO/qnnlab PATH/TO/presets [MPIRUN]
# MPIRUN (the launcher of a build with MPI; empty or absent without) adds
# the checks on 2 ranks. Prints "ok - ..." / "not ok - ..." per check and
# "N passed, M failed" last; exits non-zero when a check failed.
#
# What must hold:
#  - bad input (grid syntax, unknown or unsweepable key, bad value, unknown
#    statistic, threads, a directory holding another sweep or in use) is
#    refused with status 2 and one line naming it, before any work: the
#    directory gets no points/;
#  - 1 thread, 2 threads, 2 MPI ranks (and 2 ranks x 2 threads) write the
#    same files: the instance files bit for bit, and everything derived
#    from them (figure.pdf carries its creation time; sweep.log is the run
#    history), and the traces equal `qnnlab run` of the same grid;
#  - the statistics in summary.csv are those of the per-instance data in
#    the traces (mean, median, n recomputed here);
#  - a sweep killed half-way (SIGKILL, or SIGTERM with its message) and
#    started again finishes with the same files as an uninterrupted one,
#    recomputing a damaged instance file and ignoring temporary files.
set -u

if [ $# -lt 2 ]; then
    echo "usage: $0 QNNLAB PRESETS_DIR [MPIRUN]" >&2
    exit 2
fi
QNNLAB=$1
PRESETS=$2
MPIRUN=${3:-}
export QNNLAB_PRESETS=$PRESETS
export OPENBLAS_NUM_THREADS=1
# mpirun refuses root without these (CI containers run as root)
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
# no shared-memory single-copy through ptrace in containers
export OMPI_MCA_btl_vader_single_copy_mechanism=none
command -v python3 >/dev/null || { echo "python3 is needed" >&2; exit 2; }

TMP=$(mktemp -d "${TMPDIR:-/tmp}/qnnlab-sweep.XXXXXX") || exit 2
BGPID=
cleanup() {
    if [ -n "$BGPID" ]; then kill -KILL "$BGPID" 2>/dev/null; fi
    rm -rf "$TMP"
}
trap cleanup EXIT

PASS=0
FAIL=0
ok() { echo "ok - $*"; PASS=$((PASS + 1)); }
notok() { echo "not ok - $*"; FAIL=$((FAIL + 1)); }
check() {
    local d=$1
    shift
    if "$@"; then ok "$d"; else notok "$d"; fi
}

# q OUTNAME ARGS...: qnnlab ARGS; stdout, stderr, status in $TMP/OUTNAME.{out,err,rc}
q() {
    local o=$1
    shift
    "$QNNLAB" "$@" >"$TMP/$o.out" 2>"$TMP/$o.err"
    echo $? >"$TMP/$o.rc"
}
rc() { cat "$TMP/$1.rc"; }
# same DIR1 DIR2: the same files with the same bytes (but figure.pdf, sweep.log)
same() { diff -r -q -x '*.pdf' -x sweep.log -x .lock "$1" "$2" >"$TMP/diff.txt" 2>&1; }
ninst() { find "$1/points" -name '*.qi' 2>/dev/null | wc -l; }

# ---------------------------------------------------------------- refusals
refuse() {
    local d=$1 want=$2
    shift 2
    local out="$TMP/refused"
    rm -rf "$out"
    q ref sweep "$@" --out "$out"
    local lines
    lines=$(wc -l <"$TMP/ref.err")
    if [ "$(rc ref)" = 2 ] && [ "$lines" = 1 ] && grep -q "allowed" "$TMP/ref.err" &&
       grep -q -- "$want" "$TMP/ref.err" && [ ! -e "$out/points" ]; then
        ok "refused: $d"
    else
        notok "refused: $d (status $(rc ref), $lines lines: $(head -c 300 "$TMP/ref.err"))"
    fi
}
refuse "--grid without '='" "--grid: value 'L'" default --grid L --instances 2
refuse "--grid with an empty value" "empty value" default --grid L=4,,8 --instances 2
refuse "--grid with no values" "no values" default --grid L= --instances 2
refuse "--grid with an unknown key" "bogus" default --grid bogus=1,2 --instances 2
refuse "--grid with a value out of range" "L=4,-3" default --grid L=4,-3 --instances 2
refuse "--grid with a word for a number" "L=4,x" default --grid L=4,x --instances 2
refuse "--stat unknown" "unknown statistic 'nonsense'" default --grid L=4,8 --stat nonsense
refuse "--threads 0" "--threads: value '0'" default --grid L=4,8 --threads 0
refuse "an unknown option" "unknown option '--bogus'" default --bogus
refuse "an unknown preset" "unknown preset" no-such-preset --grid L=4,8
refuse "--instances 0" "instances" default --instances 0
q noout sweep default --grid L=4,8
check "refused: no --out (status 2, names --out)" bash -c "[ $(rc noout) = 2 ] && grep -q -- '--out' '$TMP/noout.err'"

# ------------------------------------------------- the reference: 1 thread
SW=(default --grid L=4,16 --instances 6 --steps 400)
q ref1 sweep "${SW[@]}" --threads 1 --out "$TMP/t1" --quiet
check "1 thread: status 0" [ "$(rc ref1)" = 0 ]
check "1 thread: 2 points x 6 instance files" [ "$(ninst "$TMP/t1")" = 12 ]
for f in sweep.json preset.ini summary.csv summary.json figure.png figure.svg figure.pdf \
         points/0000/trace.csv points/0001/summary.json points/0001/figure.png; do
    check "1 thread: wrote $f" test -s "$TMP/t1/$f"
done
check "1 thread: no temporary file left" bash -c "! find '$TMP/t1' -name '*.tmp.*' | grep -q ."

# the statistics are those of the per-instance data in the traces
python3 - "$TMP/t1" >"$TMP/stats.txt" 2>&1 <<'EOF'
import csv, sys, statistics, math
d = sys.argv[1]
rows = list(csv.DictReader(open(d + "/summary.csv")))
bad = 0
for k in (0, 1):
    last = {}
    first = {}
    for r in csv.DictReader(open("%s/points/%04d/trace.csv" % (d, k))):
        i = int(r["instance"])
        first.setdefault(i, r)
        last[i] = r
    fl = [float(last[i]["loss"]) for i in sorted(last)]
    k0 = [float(first[i]["kernel"]) for i in sorted(first)]
    for name, xs in (("loss_final", fl), ("kernel_t0", k0)):
        row = [r for r in rows if r["point"] == str(k) and r["statistic"] == name]
        if len(row) != 1:
            print("point", k, name, "rows:", len(row)); bad += 1; continue
        r = row[0]
        mean, med, sd = statistics.mean(xs), statistics.median(xs), statistics.stdev(xs)
        se = sd / math.sqrt(len(xs))
        for what, want, got in (("n", len(xs), int(r["n"])), ("mean", mean, float(r["mean"])),
                                ("median", med, float(r["median"])), ("se", se, float(r["se"])),
                                ("min", min(xs), float(r["min"])), ("max", max(xs), float(r["max"]))):
            # the traces hold 10 significant digits
            if abs(want - got) > 1e-8 * max(abs(want), 1e-300) + 1e-300:
                print("point", k, name, what, "trace", want, "summary", got); bad += 1
print("bad", bad)
EOF
check "summary.csv: n, mean, s.e., median, min, max of loss_final and kernel_t0 agree with the traces" grep -q "^bad 0$" "$TMP/stats.txt"

# the same instances as `qnnlab run` of the same grid
q run1 run default --set sweep.L=4,16 --instances 6 --steps 400 --out "$TMP/run1" --quiet
(head -1 "$TMP/t1/points/0000/trace.csv"; tail -n +2 "$TMP/t1/points/0000/trace.csv"; tail -n +2 "$TMP/t1/points/0001/trace.csv") >"$TMP/cat.csv"
check "the point traces are qnnlab run's trace.csv" cmp -s "$TMP/cat.csv" "$TMP/run1/trace.csv"

# ------------------------------------------------------------- 2 threads
q ref2 sweep "${SW[@]}" --threads 2 --out "$TMP/t2" --quiet
check "2 threads: status 0" [ "$(rc ref2)" = 0 ]
check "2 threads: the same files as 1 thread, bit for bit" same "$TMP/t1" "$TMP/t2"

# Hessian spectra (hessian-live) and kept residuals (compare-frozen-kernel)
# travel through the instance files too
HS=(hessian-live --grid L=2,3 --instances 3 --steps 10)
q h1 sweep "${HS[@]}" --threads 1 --out "$TMP/h1" --quiet
q h2 sweep "${HS[@]}" --threads 2 --out "$TMP/h2" --quiet
check "hessian-live: status 0, spectra.csv written" bash -c "[ $(rc h1) = 0 ] && test -s '$TMP/h1/points/0000/spectra.csv'"
check "hessian-live: 1 and 2 threads write the same files" same "$TMP/h1" "$TMP/h2"
q hr run hessian-live --set sweep.L=2,3 --instances 3 --steps 10 --out "$TMP/hr" --quiet
(head -1 "$TMP/h1/points/0000/spectra.csv"; tail -n +2 "$TMP/h1/points/0000/spectra.csv"; tail -n +2 "$TMP/h1/points/0001/spectra.csv") >"$TMP/cats.csv"
check "hessian-live: the point spectra are qnnlab run's spectra.csv" cmp -s "$TMP/cats.csv" "$TMP/hr/spectra.csv"
CF=(compare-frozen-kernel --instances 2 --steps 40)
q c1 sweep "${CF[@]}" --threads 1 --out "$TMP/c1" --quiet
q c2 sweep "${CF[@]}" --threads 2 --out "$TMP/c2" --quiet
check "compare-frozen-kernel (residuals kept): status 0 and the same files on 1 and 2 threads" \
    bash -c "[ $(rc c1) = 0 ] && grep -q r_1 '$TMP/c1/points/0000/trace.csv' && diff -r -q -x '*.pdf' -x sweep.log -x .lock '$TMP/c1' '$TMP/c2'"

# --------------------------------------------------------- another sweep
sum_before=$(md5sum "$TMP/t1/sweep.json")
refuse_dir() {
    local d=$1 want=$2
    shift 2
    q other sweep "$@" --out "$TMP/t1"
    if [ "$(rc other)" = 2 ] && [ "$(wc -l <"$TMP/other.err")" = 1 ] && grep -q -- "$want" "$TMP/other.err" &&
       [ "$(md5sum "$TMP/t1/sweep.json")" = "$sum_before" ] && [ "$(ninst "$TMP/t1")" = 12 ]; then
        ok "refused: $d; the directory is untouched"
    else
        notok "refused: $d (status $(rc other): $(head -c 300 "$TMP/other.err"))"
    fi
}
refuse_dir "another grid into a sweep's directory" "holds another sweep (it sweeps another grid)" default --grid L=4,8 --instances 6 --steps 400
refuse_dir "other instances into a sweep's directory" "6 instances per point, not 7" default --grid L=4,16 --instances 7 --steps 400
refuse_dir "other parameters into a sweep's directory" "steps = 400 there, 500 here" default --grid L=4,16 --instances 6 --steps 500
if command -v flock >/dev/null; then
    flock "$TMP/t1/.lock" sleep 1.5 &
    FL=$!
    sleep 0.3
    q locked sweep "${SW[@]}" --out "$TMP/t1"
    check "refused: a directory another sweep is writing to (status 2)" \
        bash -c "[ $(rc locked) = 2 ] && grep -q 'another qnnlab sweep is writing' '$TMP/locked.err'"
    wait "$FL"   # the lock goes with the sleep
fi
q again sweep "${SW[@]}" --out "$TMP/t1" --quiet
check "the same command on a finished sweep computes nothing and writes the same files" \
    bash -c "[ $(rc again) = 0 ] && grep -q '0 computed now, 12 kept' '$TMP/again.out' && diff -r -q -x '*.pdf' -x sweep.log -x .lock '$TMP/t1' '$TMP/t2'"

# --------------------------------------------------------- kill and resume
KS=(default --grid L=16,32 --instances 16 --steps 3000)
q kref sweep "${KS[@]}" --threads 2 --out "$TMP/kref" --quiet
check "resume reference: status 0" [ "$(rc kref)" = 0 ]
# start_and_stop SIGNAL DIR: starts the sweep and sends SIGNAL once about a
# third of the 32 instances are in DIR; the status in $TMP/kill.rc
start_and_stop() {
    local sig=$1 dir=$2
    "$QNNLAB" sweep "${KS[@]}" --threads 2 --out "$dir" >"$TMP/kill.out" 2>"$TMP/kill.err" &
    BGPID=$!
    for _ in $(seq 1 3000); do
        [ "$(ninst "$dir")" -ge 10 ] && break
        sleep 0.02
    done
    kill "-$sig" "$BGPID"
    { wait "$BGPID"; echo $? >"$TMP/kill.rc"; } 2>/dev/null
    BGPID=
}
start_and_stop KILL "$TMP/k9"
n9=$(ninst "$TMP/k9")
check "SIGKILL half-way: status 137, some but not all instances kept ($n9 of 32)" \
    bash -c "[ $(rc kill) = 137 ] && [ $n9 -ge 10 ] && [ $n9 -lt 32 ]"
# a damaged instance (cut short) and a stray temporary file
f=$(find "$TMP/k9/points" -name '*.qi' | sort | head -1)
head -c 1000 "$f" >"$f.cut" && mv "$f.cut" "$f"
: >"$TMP/k9/points/0000/inst/.000099.qi.tmp.1.1"
q res9 sweep "${KS[@]}" --threads 2 --out "$TMP/k9"
check "restarted after SIGKILL: status 0, the damaged file named and computed again" \
    bash -c "[ $(rc res9) = 0 ] && grep -q \"$(basename "$f")': its checksum does not match\" '$TMP/res9.err' && grep -q 'computing it again' '$TMP/res9.err'"
check "restarted after SIGKILL: the same files as the uninterrupted sweep" same "$TMP/kref" "$TMP/k9"
check "restarted after SIGKILL: the temporary file is gone" test ! -e "$TMP/k9/points/0000/inst/.000099.qi.tmp.1.1"
check "restarted after SIGKILL: sweep.log says $((n9 - 1)) instances were kept" grep -q ", $((n9 - 1)) kept from before" "$TMP/k9/sweep.log"

start_and_stop TERM "$TMP/k15"
check "SIGTERM half-way: status 143 and a message that the same command goes on" \
    bash -c "[ $(rc kill) = 143 ] && grep -q 'the same command goes on from there' '$TMP/kill.err'"
q res15 sweep "${KS[@]}" --threads 2 --out "$TMP/k15" --quiet
check "restarted after SIGTERM: the same files as the uninterrupted sweep" \
    bash -c "[ $(rc res15) = 0 ] && diff -r -q -x '*.pdf' -x sweep.log -x .lock '$TMP/kref' '$TMP/k15'"

# ------------------------------------------------------------------- MPI
if [ -n "$MPIRUN" ]; then
    MPI=("$MPIRUN" -np 2 --oversubscribe)
    "${MPI[@]}" "$QNNLAB" sweep "${SW[@]}" --out "$TMP/m2" --quiet >"$TMP/m2.out" 2>"$TMP/m2.err"
    echo $? >"$TMP/m2.rc"
    check "mpirun -np 2: status 0" [ "$(rc m2)" = 0 ]
    check "mpirun -np 2: the same files as one process, bit for bit" same "$TMP/t1" "$TMP/m2"
    check "mpirun -np 2: both ranks computed instances (sweep.log)" \
        grep -qE "2 rank\(s\) .*by rank: [1-9][0-9]* [1-9]" "$TMP/m2/sweep.log"
    "${MPI[@]}" "$QNNLAB" sweep "${HS[@]}" --threads 2 --out "$TMP/mh" --quiet >/dev/null 2>"$TMP/mh.err"
    check "mpirun -np 2 x 2 threads, hessian-live: the same files as one process" same "$TMP/h1" "$TMP/mh"
    # resumed under MPI after a single process was killed
    start_and_stop KILL "$TMP/km"
    "${MPI[@]}" "$QNNLAB" sweep "${KS[@]}" --out "$TMP/km" --quiet >/dev/null 2>"$TMP/km.err"
    echo $? >"$TMP/km.rc"
    check "killed on one process, finished by mpirun -np 2: the same files" \
        bash -c "[ $(rc km) = 0 ] && diff -r -q -x '*.pdf' -x sweep.log -x .lock '$TMP/kref' '$TMP/km'"
    "${MPI[@]}" "$QNNLAB" sweep default --grid L=4,,8 --out "$TMP/mbad" >"$TMP/mbad.out" 2>"$TMP/mbad.err"
    echo $? >"$TMP/mbad.rc"
    check "mpirun -np 2, bad grid: refused once (rank 0), non-zero status, nothing written" \
        bash -c "[ $(rc mbad) != 0 ] && [ \$(grep -c 'empty value' '$TMP/mbad.err') = 1 ] && [ ! -e '$TMP/mbad/points' ]"
else
    # a build without MPI started as one of several ranks refuses
    OMPI_COMM_WORLD_SIZE=2 OMPI_COMM_WORLD_RANK=0 "$QNNLAB" sweep "${SW[@]}" --out "$TMP/nompi" >/dev/null 2>"$TMP/nompi.err"
    echo $? >"$TMP/nompi.rc"
    check "without MPI, started as one of 2 ranks: refused (status 2, says so), nothing written" \
        bash -c "[ $(rc nompi) = 2 ] && grep -q 'built without MPI' '$TMP/nompi.err' && [ ! -e '$TMP/nompi' ]"
fi

echo "$PASS passed, $FAIL failed"
[ "$FAIL" = 0 ]
