#!/usr/bin/env bash
# Issue 22 (hardening, round two): regression cases of `qnnlab sweep`, run
# by ctest as `harden_sweep`:
#   bash harden_sweep.sh QNNLAB PRESETS [MPIRUN]
# Items 1 (outputs that are not regular files), 3 (a changed input file on
# resume), 7 (SIGHUP), 9 (signals under mpirun; only with MPIRUN), 10 (FIFOs
# and folders among the instance files), 12 (a grid too large for memory),
# 15 (empty list entries) and 17 (a .lock that is a directory). Prints
# "ok - ..." / "not ok - ..." per check and "N passed, M failed" last; exits
# non-zero when a check failed.
set -u
# ok, notok, check, tap_done
. "$(dirname "${BASH_SOURCE[0]}")/tap.sh"

if [ $# -lt 2 ]; then
    echo "usage: $0 QNNLAB PRESETS [MPIRUN]" >&2
    exit 2
fi
QNNLAB=$(realpath "$1")
export QNNLAB_PRESETS=$(realpath "$2")
MPIRUN=${3:-}
export OPENBLAS_NUM_THREADS=1
# mpirun refuses root without these (CI containers run as root); no
# shared-memory single-copy through ptrace in containers
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_btl_vader_single_copy_mechanism=none
command -v python3 >/dev/null || { echo "python3 is needed" >&2; exit 2; }

TMP=$(mktemp -d "${TMPDIR:-/tmp}/qnnlab-hsweep.XXXXXX") || exit 2
BGPID=
cleanup() {
    if [ -n "$BGPID" ]; then kill -KILL "$BGPID" 2>/dev/null; fi
    rm -rf "$TMP"
}
trap cleanup EXIT
cd "$TMP" || exit 2


# A FIFO in the sweep's directory used to hang it: every command runs under
# a timeout far above its time on a busy machine (these sweeps take well
# under a second; sanitizer builds are ~10x slower); 124 means it hung.
LIMIT=120

# q NAME ARGS...: qnnlab ARGS; stdout, stderr, status in NAME.{out,err,rc}
q() {
    local o=$1
    shift
    timeout "$LIMIT" "$QNNLAB" "$@" </dev/null >"$o.out" 2>"$o.err"
    echo $? >"$o.rc"
}
rc() { cat "$1.rc"; }

# refused NAME DESC PATTERN...: status 2 and one line on stderr holding
# every PATTERN (fixed strings) and "allowed:"
refused() {
    local o=$1 d=$2
    shift 2
    local r
    r=$(rc "$o")
    if [ "$r" != 2 ]; then
        notok "$d: exit $r, want 2 ($(head -c 300 "$o.err"))"
        return
    fi
    if [ "$(wc -l <"$o.err")" != 1 ]; then
        notok "$d: $(wc -l <"$o.err") lines on stderr, want 1: $(head -c 400 "$o.err")"
        return
    fi
    for p in "$@" "allowed:"; do
        if ! grep -qF -- "$p" "$o.err"; then
            notok "$d: no '$p' in: $(head -c 400 "$o.err")"
            return
        fi
    done
    ok "$d"
}
# the checksums of every file under DIR but the log (what "untouched" means)
sums() { (cd "$1" && find . -type f ! -name sweep.log ! -name .lock -print0 | LC_ALL=C sort -z | xargs -0 md5sum); }

# A small sweep: 2 points x 3 instances of n = 2, 5 steps (milliseconds).
SMALL=(default --grid L=2,3 --instances 3 --steps 5 --set n=2 --quiet)

# ------------------------------------------------------ item 3: input files
# The fingerprint of a point covers the contents of every file a key names
# (m0_file here; circuit and data below), not only the path: a resume with
# a changed file is refused, with the key and the file named; the same
# contents under another path (a preset moved with its files) go on.
m0() { printf '{"re": [[1,0,0,0],[0,%s,0,0],[0,0,%s,0],[0,0,0,-1]], "im": [[0,0,0,0],[0,0,0,0],[0,0,0,0],[0,0,0,0]]}\n' "$1" "$2" >"$3"; }
m0 -1 1 m0.json
M0=(you23-fig3 --set d=4 --set m=2 --set m0_init=file --set inputs=basis --set labels=1,-1 --steps 5 --instances 2
    --grid gamma=1,2 --quiet)
q f0 sweep "${M0[@]}" --set m0_file=m0.json --out fsw
check "m0_file sweep: status 0" test "$(rc f0)" = 0
sums fsw >fsw.sums
m0 1 -1 m0.json      # the same size, other contents
q f1 sweep "${M0[@]}" --set m0_file=m0.json --out fsw
refused f1 "resume after m0_file changed: refused" "key 'm0_file'" "'m0.json' changed"
sums fsw >fsw.sums2
check "resume after m0_file changed: nothing in the sweep touched" cmp -s fsw.sums fsw.sums2
m0 -1 1 m0.json
cp m0.json m0-moved.json
q f2 sweep "${M0[@]}" --set m0_file=m0-moved.json --out fsw
check "the same m0_file contents under another path: the sweep goes on (0 computed, 4 kept)" \
    grep -q "0 computed now, 4 kept" f2.out
# the circuit model's files, found from the key table (circuit, data)
mkdir -p cp/circuits cp/data
cp "$QNNLAB_PRESETS/qasm-example.ini" cp/
cp "$QNNLAB_PRESETS/circuits/reupload2.qasm" cp/circuits/
cp "$QNNLAB_PRESETS/data/circles.csv" cp/data/
CP=(cp/qasm-example.ini --steps 2 --instances 1 --grid eta=0.1,0.2 --quiet --out csw)
q c0 sweep "${CP[@]}"
check "circuit sweep (a QASM file and a CSV file): status 0" test "$(rc c0)" = 0
echo "// a comment" >>cp/circuits/reupload2.qasm
q c1 sweep "${CP[@]}"
refused c1 "resume after the circuit file changed: refused" "key 'circuit'" "reupload2.qasm' changed"
cp "$QNNLAB_PRESETS/circuits/reupload2.qasm" cp/circuits/
sed -i '2s/^\(.\)/9\1/' cp/data/circles.csv
q c2 sweep "${CP[@]}"
refused c2 "resume after the data file changed: refused" "key 'data'" "circles.csv' changed"

# --------------------------------------------- items 10, 17, 1: what is in DIR
q s0 sweep "${SMALL[@]}" --out d
check "small sweep: status 0" test "$(rc s0)" = 0
I=d/points/0000/inst/000001.qi
rm "$I" && mkdir "$I"
q s1 sweep "${SMALL[@]}" --out d
refused s1 "a directory named as an instance file: refused by name" "'$I' is a directory, not a regular file"
check "... and the message does not promise a resume that cannot work" bash -c "! grep -q 'goes on from there' s1.err"
rmdir "$I" && mkfifo "$I"
q s2 sweep "${SMALL[@]}" --out d
refused s2 "a FIFO named as an instance file: refused by name (no hang)" "'$I' is a FIFO, not a regular file"
check "... the FIFO is left as it was" test -p "$I"
rm "$I"
q s3 sweep "${SMALL[@]}" --out d
check "once it is removed, the same command goes on (1 computed, 5 kept)" \
    bash -c "[ $(rc s3) = 0 ] && grep -q '1 computed now, 5 kept' s3.out"
# a FIFO put in the place of an instance while the sweep runs: named,
# status 2, no hang, no promise
SLOW=(default --grid L=16,32 --instances 4 --steps 20000 --threads 1)
"$QNNLAB" sweep "${SLOW[@]}" --out live >live.out 2>live.err &
BGPID=$!
for _ in $(seq 1 1000); do [ -d live/points/0000/inst ] && break; sleep 0.02; done
mkfifo live/points/0000/inst/000001.qi 2>/dev/null
for _ in $(seq 1 $((LIMIT * 10))); do kill -0 "$BGPID" 2>/dev/null || break; sleep 0.1; done
kill -KILL "$BGPID" 2>/dev/null
wait "$BGPID" 2>/dev/null
echo $? >live.rc
BGPID=
if [ -p live/points/0000/inst/000001.qi ]; then
    check "a FIFO made while the sweep runs: status 2, named, no resume promised ($(tail -n 1 live.err | head -c 300))" \
        bash -c "[ $(rc live) = 2 ] && grep -qF \"000001.qi' exists and is a FIFO, not a regular file\" live.err && ! grep -q 'goes on from there' live.err"
else
    ok "a FIFO made while the sweep runs: skipped (instance 1 was written first on this machine)"
fi
mv d/.lock d/.lock.was && mkdir d/.lock
q l1 sweep "${SMALL[@]}" --out d
refused l1 "a .lock that is a directory is named as such" "'d/.lock' is a directory, not a regular file"
rmdir d/.lock && mv d/.lock.was d/.lock
sums d >d.sums
rm d/summary.csv && mkfifo d/summary.csv
q o1 sweep "${SMALL[@]}" --out d
refused o1 "summary.csv a FIFO: refused by name before any work (no hang)" "'d/summary.csv' is a FIFO, not a regular file"
check "... the FIFO is left as it was" test -p d/summary.csv
rm d/summary.csv
rm d/points/0001/trace.csv && mkdir d/points/0001/trace.csv
q o2 sweep "${SMALL[@]}" --out d
refused o2 "points/0001/trace.csv a directory: refused by name" "'d/points/0001/trace.csv' is a directory, not a regular file"
rmdir d/points/0001/trace.csv
ln -s /dev/null d/figure.svg.new && mv -T d/figure.svg.new d/figure.svg
q o3 sweep "${SMALL[@]}" --out d
refused o3 "figure.svg a link to /dev/null: refused" "'d/figure.svg' is a character device, not a regular file"
check "... /dev/null is still a character device" test -c /dev/null
rm d/figure.svg
rm d/sweep.log && mkfifo d/sweep.log
q o4 sweep "${SMALL[@]}" --out d
refused o4 "sweep.log a FIFO: refused by name (no hang)" "'d/sweep.log' is a FIFO, not a regular file"
rm d/sweep.log
sums d | grep -v -e summary.csv -e trace.csv -e figure.svg >d.sums2
grep -v -e summary.csv -e trace.csv -e figure.svg d.sums >d.sums1
check "the refusals touched no other file of the sweep" cmp -s d.sums1 d.sums2
# a fresh directory whose summary.json is a folder: nothing written
mkdir -p fresh/summary.json
q o5 sweep "${SMALL[@]}" --out fresh
refused o5 "a new sweep whose summary.json is a directory: refused before any work" "'fresh/summary.json' is a directory"
check "... nothing written (no sweep.json, preset.ini, points/)" \
    bash -c "[ ! -e fresh/sweep.json ] && [ ! -e fresh/preset.ini ] && [ ! -e fresh/points ]"
: >plain
q o6 sweep "${SMALL[@]}" --out plain
refused o6 "--out a regular file: refused" "'plain'" "not a directory"

# ------------------------------------------------------- item 12: grid size
# 4 keys x 64 values (16.7 M points) is within the documented limits but
# not within memory: refused up front with the key and the amounts. Under
# a ulimit, so that a qnnlab without the check fails fast instead of
# taking the machine's memory (not under the sanitizers: their shadow
# memory needs the address space).
V64=$(seq -s, 1 64)
E64=$(python3 -c "print(','.join('%g' % (0.001 * i) for i in range(1, 65)))")
G64=$(python3 -c "print(','.join('%g' % (0.1 * i) for i in range(1, 65)))")
(if [ -z "${QNN_SANITIZED:-}" ]; then ulimit -v 8000000; fi; q g1 sweep default --grid "L=$V64" --grid "eta=$E64" --grid "gamma=$G64" --grid "seed=$V64" \
    --instances 1 --steps 1 --out grid)
refused g1 "a 4 x 64 grid: refused up front with the key and the memory" "key 'sweep.L'" "16777216 grid points" "GiB of memory"
check "... nothing written" test ! -e grid/points

# ------------------------------------------------- item 15: empty entries
for v in "0.001,,0.002" "0.001,0.002," ",0.001,0.002" "0.001, ,0.002"; do
    rm -rf e
    q e1 sweep default --set "sweep.eta=$v" --instances 1 --steps 1 --out e
    refused e1 "--set sweep.eta=$v: refused" "'eta'" "$v"
    check "... nothing written" test ! -e e/points
done
printf '[model]\nn = 2\n[sweep]\neta = 0.001,,0.002\n' >empty.ini
rm -rf e
q e2 sweep ./empty.ini --instances 1 --steps 1 --out e
refused e2 "a preset's [sweep] eta = 0.001,,0.002: refused" "'eta'" "0.001,,0.002"
rm -rf e
q e3 sweep default --grid "eta=0.001,0.002," --instances 1 --steps 1 --out e
refused e3 "--grid eta=0.001,0.002, refused alike" "eta=0.001,0.002," "empty"

# ------------------------------------------------------ item 7: SIGHUP
# signal N: a sweep that runs for minutes gets SIGN once it has started
# (its first line is printed after the handlers are in place)
signal() {
    local sig=$1 dir=$2
    "$QNNLAB" sweep default --grid L=16,32 --instances 4 --steps 1000000 --threads 1 --out "$dir" \
        >"$dir.out" 2>"$dir.err" &
    BGPID=$!
    for _ in $(seq 1 3000); do grep -q "to compute" "$dir.err" 2>/dev/null && break; sleep 0.02; done
    kill "-$sig" "$BGPID"
    { wait "$BGPID"; echo $? >"$dir.rc"; } 2>/dev/null
    BGPID=
}
signal HUP hup
check "SIGHUP: status 129 ($(tail -n 1 hup.err | head -c 200))" test "$(rc hup)" = 129
check "SIGHUP: the 'N of M instances' line, and that the same command goes on" \
    grep -qE "sweep interrupted: [0-9]+ of 8 instances are in hup; the same command goes on from there" hup.err
check "SIGHUP: sweep.log records status 129" grep -q "status 129" hup/sweep.log

# --------------------------------------------------- item 9: under mpirun
if [ -n "$MPIRUN" ]; then
    MPI=("$MPIRUN" -np 2 --oversubscribe)
    # mpi SIG WHO DIR: 2 ranks; SIG to mpirun (WHO = mpirun) or to rank WHO
    mpi() {
        local sig=$1 who=$2 dir=$3
        "${MPI[@]}" "$QNNLAB" sweep default --grid L=16,32 --instances 4 --steps 1000000 --threads 1 --out "$dir" \
            >"$dir.out" 2>"$dir.err" &
        BGPID=$!
        for _ in $(seq 1 3000); do grep -q "to compute" "$dir.err" 2>/dev/null && break; sleep 0.02; done
        local target=$BGPID
        if [ "$who" != mpirun ]; then
            for p in $(pgrep -f "^$QNNLAB sweep"); do
                if tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null | grep -qx "OMPI_COMM_WORLD_RANK=$who" &&
                   tr '\0' '\n' <"/proc/$p/cmdline" 2>/dev/null | grep -qx "$dir"; then
                    target=$p
                fi
            done
        fi
        kill "-$sig" "$target"
        { wait "$BGPID"; echo $? >"$dir.rc"; } 2>/dev/null
        BGPID=
    }
    mpi TERM mpirun mterm
    # OpenMPI's mpirun (4.1) ends the job itself when it gets SIGTERM or
    # SIGINT (it sends the ranks SIGTERM) and exits 1 whatever the ranks
    # return: the ranks' status is the one sweep.log records
    check "SIGTERM to mpirun: no MPI_ABORT ($(tail -n 1 mterm.err | head -c 200))" bash -c "! grep -q MPI_ABORT mterm.err"
    check "SIGTERM to mpirun: the 'N of M instances' line, once" \
        bash -c "[ \$(grep -cE 'sweep interrupted: [0-9]+ of 8 instances are in mterm; the same command goes on from there' mterm.err) = 1 ]"
    check "SIGTERM to mpirun: rank 0 ends with status 143 (sweep.log), mpirun with $(rc mterm)" \
        bash -c "grep -q 'status 143' mterm/sweep.log && [ $(rc mterm) != 0 ]"
    mpi INT 1 mint
    check "SIGINT to rank 1: mpirun returns the ranks' 130, no MPI_ABORT" \
        bash -c "[ $(rc mint) = 130 ] && ! grep -q MPI_ABORT mint.err"
    check "SIGINT to rank 1: rank 0 prints the 'N of M instances' line and logs status 130" \
        bash -c "grep -qE 'sweep interrupted: [0-9]+ of 8 instances are in mint; the same command goes on' mint.err && grep -q 'status 130' mint/sweep.log"
    mpi HUP 0 mhup
    check "SIGHUP to rank 0: mpirun returns 129, the 'N of M instances' line" \
        bash -c "[ $(rc mhup) = 129 ] && grep -qE 'sweep interrupted: [0-9]+ of 8 instances are in mhup' mhup.err"
fi

tap_done
