#!/usr/bin/env bash
# End-to-end tests of the qnnlab command line, run by ctest as `cli`:
#   bash cli_test.sh PATH/TO/qnnlab PATH/TO/presets
# Prints "ok - ..." / "not ok - ..." per check and "N passed, M failed" last;
# exits non-zero when a check failed. Small runs only (a few seconds).
set -u

if [ $# -ne 2 ]; then
    echo "usage: $0 QNNLAB PRESETS_DIR" >&2
    exit 2
fi
QNNLAB=$1
PRESETS=$2
export QNNLAB_PRESETS=$PRESETS
export OPENBLAS_NUM_THREADS=1
command -v python3 >/dev/null || { echo "python3 is needed" >&2; exit 2; }

TMP=$(mktemp -d "${TMPDIR:-/tmp}/qnnlab-cli.XXXXXX") || exit 2
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
# check DESCRIPTION COMMAND...: ok when the command succeeds
check() {
    local d=$1
    shift
    if "$@"; then ok "$d"; else notok "$d"; fi
}
py() { python3 -c "$@"; }

# q OUTNAME ARGS...: runs qnnlab; stdout, stderr and status in $TMP/OUTNAME.{out,err,rc}
q() {
    local o=$1
    shift
    "$QNNLAB" "$@" >"$TMP/$o.out" 2>"$TMP/$o.err"
    echo $? >"$TMP/$o.rc"
}
rc_of() { cat "$TMP/$1.rc"; }
# runs PRESET into $TMP/NAME (fresh) and checks for status 0
run_ok() {
    local name=$1
    shift
    rm -rf "${TMP:?}/$name"
    q "$name" run "$@" --out "$TMP/$name" --quiet
    check "run $name ($*): exit status 0" test "$(rc_of "$name")" = 0
}
same_files() { cmp -s "$TMP/$1/$3" "$TMP/$2/$3"; }
# summary.json equal once the fields that name the thread count are dropped
same_summary_but_threads() {
    py '
import json, sys
def load(p):
    d = json.load(open(p))
    d.pop("overrides", None)
    d["parameters"].pop("threads", None)
    return d
sys.exit(0 if load(sys.argv[1]) == load(sys.argv[2]) else 1)' "$TMP/$1/summary.json" "$TMP/$2/summary.json"
}

FIVE="figure.pdf figure.png figure.svg summary.json trace.csv"
only_five() { test "$(cd "$TMP/$1" && ls -A | LC_ALL=C sort | tr '\n' ' ')" = "$FIVE "; }

# ----------------------------------------------------------------------------
# 1. Determinism
# ----------------------------------------------------------------------------
DEF="default --steps 20 --instances 3 --seed 5"
PER="you23-fig1 --set d=8 --set p=5 --steps 45 --instances 3"
FIG3="liu23-fig3 --instances 3"
# shellcheck disable=SC2086
{
    run_ok def1 $DEF
    run_ok def2 $DEF
    run_ok per1 $PER
    run_ok per2 $PER
    run_ok fig3a $FIG3
    run_ok fig3b $FIG3
}
for pair in "def1 def2" "per1 per2" "fig3a fig3b"; do
    set -- $pair
    check "determinism: $1 and $2 give identical trace.csv" same_files "$1" "$2" trace.csv
    check "determinism: $1 and $2 give identical summary.json" same_files "$1" "$2" summary.json
done
run_ok def_seed default --steps 20 --instances 3 --seed 6
check "determinism: --seed 6 gives a different trace.csv than --seed 5" \
    eval '! same_files def1 def_seed trace.csv'
# shellcheck disable=SC2086
{
    run_ok def_t1 $DEF --set threads=1
    run_ok def_t2 $DEF --set threads=2
    run_ok fig3_t1 $FIG3 --set threads=1
    run_ok fig3_t2 $FIG3 --set threads=2
    run_ok per_t1 $PER --threads 1
    run_ok per_t2 $PER --threads 3
}
for pair in "def_t1 def_t2" "fig3_t1 fig3_t2" "per_t1 per_t2" "def1 def_t1"; do
    set -- $pair
    check "threads: $1 and $2 give identical trace.csv" same_files "$1" "$2" trace.csv
    check "threads: $1 and $2 give identical summary.json (but for the thread count)" \
        same_summary_but_threads "$1" "$2"
done

# ----------------------------------------------------------------------------
# 2. Output contents
# ----------------------------------------------------------------------------
for d in def1 per1 fig3a; do
    check "outputs: $d holds exactly $FIVE" only_five "$d"
    check "outputs: $d/trace.csv header starts with step,instance,eps,loss,kernel,lambda_min,lambda_max" \
        eval "head -n 1 '$TMP/$d/trace.csv' | grep -q '^step,instance,eps,loss,kernel,lambda_min,lambda_max'"
    check "outputs: $d/figure.png is a PNG" eval "head -c 8 '$TMP/$d/figure.png' | od -An -tx1 | tr -d ' \n' | grep -qx '89504e470d0a1a0a'"
    check "outputs: $d/figure.svg is an SVG" eval "head -c 4096 '$TMP/$d/figure.svg' | grep -q '<svg'"
    check "outputs: $d/figure.pdf is a PDF" eval "head -c 5 '$TMP/$d/figure.pdf' | grep -qx '%PDF-'"
done

# trace_rows DIR POINTS INSTANCES STEPS RECORD_EVERY [SWEEPCOL]: the rows
# are every recorded step (0, k*RECORD_EVERY, and STEPS) of every instance
# of every point; without SWEEPCOL the header has no column after
# err_norm.
trace_rows() {
    py '
import csv, sys
path, P, R, T, every = sys.argv[1], *map(int, sys.argv[2:6])
col = sys.argv[6] if len(sys.argv) > 6 else None
rows = list(csv.reader(open(path)))
head, data = rows[0], rows[1:]
base = ("step,instance,eps,loss,kernel,lambda_min,lambda_max,grad_norm,yhat,t,kernel_change,spectral_drift,entropy,trace_distance,grad_inf,"
        "grad_ms,laziness,accuracy,test_accuracy,hessian_min,hessian_max,hessian_trace,hessian_frac_pos,error_proxy,event,err_norm").split(",")
want_head = base + ([col] if col else [])
if head != want_head:
    sys.exit("header %s, expected %s" % (head, want_head))
steps = sorted(set(range(0, T + 1, every)) | {T})
if len(data) != P * R * len(steps):
    sys.exit("%d rows, expected %d x %d x %d" % (len(data), P, R, len(steps)))
got = sorted((int(r[0]), int(r[1])) for r in data)
want = sorted((s, i) for s in steps for i in range(R) for _ in range(P))
if got != want:
    sys.exit("(step, instance) pairs differ from the expected grid")
if any(len(r) != len(head) for r in data):
    sys.exit("a row has the wrong number of fields")
' "$TMP/$1/trace.csv" "${@:2}"
}
check "outputs: default trace.csv has 1 point x 3 instances x 21 steps" trace_rows def1 1 3 20 1
check "outputs: periodic trace.csv has 1 x 3 x {0,20,40,45} rows and no swept column (d, p overridden)" \
    trace_rows per1 1 3 45 20
check "outputs: liu23-fig3 trace.csv has column m and 9 points x 3 instances x 1 step" \
    trace_rows fig3a 9 3 0 1 m
check "outputs: liu23-fig3 column m runs over 2..10" \
    eval "test \"\$(tail -n +2 '$TMP/fig3a/trace.csv' | cut -d, -f27 | sort -n -u | tr '\n' ' ')\" = '2 3 4 5 6 7 8 9 10 '"
run_ok per_sweep you23-fig1 --set d=8 --steps 20 --instances 2
check "outputs: overriding d keeps the sweep over p (column p, 4 points x 2 x {0,20})" \
    trace_rows per_sweep 4 2 20 20 p
run_ok sweep_set you23-fig1 --set d=8 --set sweep.p=3,6 --steps 20 --instances 2
check "outputs: --set sweep.p=3,6 replaces the preset's p list (2 points, column p)" \
    trace_rows sweep_set 2 2 20 20 p
check "outputs: --set sweep.p=3,6 runs p = 3 and 6" \
    eval "test \"\$(tail -n +2 '$TMP/sweep_set/trace.csv' | cut -d, -f27 | sort -n -u | tr '\n' ' ')\" = '3 6 '"
run_ok sweep_new default --set sweep.L=4,8 --steps 20 --instances 2
check "outputs: --set sweep.L=4,8 adds a sweep to a preset without one (column L)" \
    trace_rows sweep_new 2 2 20 1 L

# one spelling per statistic: the older ones are read and written anew
run_ok stat_alias llj-fig1 --set stats=final_abs_eps,final_loss --set sweep.sigma_theta=0,0.01 --steps 20 --instances 2
check "statistics: --set stats=final_abs_eps,final_loss is written as abs_eps_final, loss_final" \
    py 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(d["parameters"]["stats"] != "abs_eps_final, loss_final")' "$TMP/stat_alias/summary.json"
q stat_bad run llj-fig1 --set stats=final_nothing --out "$TMP/stat_bad" --quiet
check "statistics: an unknown one is refused (status 2, naming key 'stats')" \
    eval "test \"\$(rc_of stat_bad)\" = 2 && grep -q \"key 'stats'\" '$TMP/stat_bad.err'"

VERSION=$("$QNNLAB" --version | awk '{print $2}')
# summary_ok DIR SEED POINTS [M-SWEPT]
summary_ok() {
    py '
import json, math, sys
d = json.load(open(sys.argv[1]))
seed, P, version, fig3 = sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5] == "1"
def fail(msg):
    sys.exit(msg)
if not isinstance(d.get("parameters"), dict) or "n" not in d["parameters"]:
    fail("no parameters")
if d.get("seed") != seed:
    fail("seed %r, expected %r" % (d.get("seed"), seed))
if d.get("version") != version or not version:
    fail("version %r, expected %r" % (d.get("version"), version))
pts = d.get("points")
if not isinstance(pts, list) or len(pts) != P:
    fail("points: expected %d" % P)
for k, p in enumerate(pts):
    th = p.get("theory")
    objs = {n: t for n, t in (th or {}).items() if isinstance(t, dict)}
    if not objs:
        fail("point %d: no theory values" % k)
    for n, t in objs.items():
        if not isinstance(t.get("value"), (int, float)) or not math.isfinite(t["value"]):
            fail("point %d: theory %s has no finite value" % (k, n))
        if not isinstance(t.get("constants"), dict) or not t["constants"]:
            fail("point %d: theory %s has no constants" % (k, n))
    ms = p.get("measured")
    if not isinstance(ms, dict) or not isinstance(ms.get("kernel_t0"), dict) or ms["kernel_t0"].get("mean") is None:
        fail("point %d: no measured kernel_t0" % k)
    if p.get("diverged") != []:
        fail("point %d: diverged %r" % (k, p.get("diverged")))
    if fig3:
        m = int(p["sweep"]["m"])
        ev = ms.get("mean_kernel_eigenvalues_t0")
        if not isinstance(ev, list) or len(ev) != m:
            fail("point %d (m = %d): mean_kernel_eigenvalues_t0 %r" % (k, m, ev))
' "$TMP/$1/summary.json" "$2" "$3" "$VERSION" "${4:-0}"
}
check "outputs: default summary.json has parameters, seed 5, version, theory values with constants, measured" \
    summary_ok def1 5 1
check "outputs: periodic summary.json has parameters, seed 31, version, theory, measured" summary_ok per1 31 1
check "outputs: liu23-fig3 summary.json has 9 points with mean_kernel_eigenvalues_t0 of length m" \
    summary_ok fig3a 13 9 1

# ----------------------------------------------------------------------------
# 3. Bad input: status 2, one line on stderr naming key and value, no files
# ----------------------------------------------------------------------------
BAD="$TMP/bad"
# bad DESCRIPTION NEEDLES ARGS...: NEEDLES is a '|'-separated list of fixed
# strings that must all be on the stderr line; ARGS go to qnnlab as they are
# ("@OUT" is replaced by an empty output directory)
bad() {
    local desc=$1 needles=$2
    shift 2
    local args=() a
    for a in "$@"; do
        if [ "$a" = "@OUT" ]; then args+=("$BAD"); else args+=("$a"); fi
    done
    rm -rf "$BAD"
    mkdir "$BAD"
    q bad "${args[@]}"
    local rc err why=""
    rc=$(rc_of bad)
    err=$(cat "$TMP/bad.err")
    [ "$rc" = 2 ] || why="$why exit status $rc;"
    [ "$(wc -l <"$TMP/bad.err")" = 1 ] && [ "$(awk 'END { print NR }' "$TMP/bad.err")" = 1 ] ||
        why="$why stderr is not one line;"
    [ -s "$TMP/bad.out" ] && why="$why stdout not empty;"
    [ -z "$(ls -A "$BAD")" ] || why="$why output directory holds: $(ls -A "$BAD" | tr '\n' ' ');"
    local IFS='|' n
    for n in $needles; do
        case "$err" in *"$n"*) ;; *) why="$why no '$n' in the message;" ;; esac
    done
    if [ -z "$why" ]; then ok "bad input: $desc"; else notok "bad input: $desc:$why stderr: $err"; fi
}
bad "unknown preset" "'nosuch-preset'|allowed" run nosuch-preset --out @OUT
bad "preset file that does not exist" "$TMP/none.ini|allowed" run "$TMP/none.ini" --out @OUT
bad "unknown key via --set" "'frobs'|'42'|allowed" run default --out @OUT --set frobs=42
bad "--set without '='" "eta|allowed" run default --out @OUT --set eta
bad "malformed value eta=abc" "'eta'|'abc'|allowed" run default --out @OUT --set eta=abc
bad "malformed value --steps abc" "'steps'|'abc'|allowed" run default --out @OUT --steps abc
bad "malformed value --seed -1" "'seed'|'-1'|allowed" run default --out @OUT --seed -1
bad "malformed value model=quantum" "'model'|'quantum'|allowed" run default --out @OUT --set model=quantum
bad "malformed swept value" "'eta'|'abc'|allowed" run default --out @OUT --set sweep.eta=1e-3,abc
bad "unknown swept key" "'zzz'|allowed" run default --out @OUT --set sweep.zzz=1,2
for kv in n=0 n=25 L=0 eta=-1 eta=1e301 eta=0 gamma=-1 sigma_theta=-0.1 instances=0 d=12; do
    bad "out-of-range value $kv" "'${kv%%=*}'|'${kv#*=}'|allowed" run default --out @OUT --set "$kv"
done
bad "m > D, random supervised (n=2, m=5)" "'m'|'5'|allowed" \
    run default --out @OUT --set task=supervised --set n=2 --set m=5
bad "m > D, periodic (n=2, m=5)" "'m'|'5'|allowed" \
    run default --out @OUT --set model=periodic --set n=2 --set m=5
bad "m > D at one point of a sweep (liu23-fig3 with n=3: m=9)" "'m'|'9'|allowed" \
    run liu23-fig3 --out @OUT --instances 2 --set n=3
bad "periodic measure of the wrong length (ZZ for n=3)" "'measure'|'ZZ'|allowed" \
    run you23-fig1 --out @OUT --set d=8 --set p=5 --set measure=ZZ
bad "periodic measure that is not a Pauli string" "'measure'|'ZQ'|allowed" \
    run you23-fig1 --out @OUT --set d=4 --set p=5 --set measure=ZQ
bad "periodic measure that is the identity" "'measure'|'II'|allowed" \
    run you23-fig1 --out @OUT --set d=4 --set p=5 --set measure=II
bad "a size that does not fit in memory (n=14, haar, L=200)" "'n'|'14'|iB|allowed" \
    run default --out @OUT --set n=14 --set entangler=haar --set L=200
check "bad input: the memory message gives byte amounts" \
    grep -Eq '[0-9.]+ (KiB|MiB|GiB|TiB|PiB|EiB)' "$TMP/bad.err"
bad "unwritable --out /proc/qnnlab-x" "--out|/proc/qnnlab-x|allowed" \
    run default --out /proc/qnnlab-x --steps 2 --instances 1
check "bad input: /proc/qnnlab-x was not created" test ! -e /proc/qnnlab-x
: >"$TMP/regular"
bad "--out under a regular file" "--out|$TMP/regular/sub|allowed" \
    run default --out "$TMP/regular/sub" --steps 2 --instances 1
bad "--out that is a regular file" "--out|$TMP/regular|allowed" \
    run default --out "$TMP/regular" --steps 2 --instances 1
if [ "$(id -u)" != 0 ]; then
    mkdir -p "$TMP/ro" && chmod 555 "$TMP/ro"
    bad "--out in a read-only directory" "--out|$TMP/ro|allowed" run default --out "$TMP/ro" --steps 2 --instances 1
    check "bad input: the read-only directory stays empty" test -z "$(ls -A "$TMP/ro")"
    chmod 755 "$TMP/ro"
fi
rm -rf "$TMP/notyet"
q notyet run default --out "$TMP/notyet/sub" --set eta=abc
check "bad input: a missing output directory is not created for bad input" \
    eval "test \"\$(rc_of notyet)\" = 2 && test ! -e '$TMP/notyet'"

ini() { printf '%b' "$2" >"$TMP/$1.ini"; }
HEAD='[preset]\ndescription = test\n'
ini syntax "${HEAD}this line has no equals sign\n[model]\nn = 2\n"
ini bracket "${HEAD}[model\nn = 2\n"
ini section "${HEAD}[bogus]\nn = 2\n"
ini key "${HEAD}[model]\nqubits = 7\n"
ini preskey "${HEAD}author = me\n"
ini dup "${HEAD}[model]\nn = 2\nn = 3\n"
ini dupsec "${HEAD}[model]\nn = 2\n[optimiser]\neta = 0.01\n[run]\nn = 3\n"
ini dupalias "${HEAD}[model]\nn = 2\nd = 8\n"
ini sweepval "${HEAD}[sweep]\nL = 2, x, 4\n"
ini sweeprange "${HEAD}[sweep]\nL = 2, 0, 4\n"
ini sweepkey "${HEAD}[sweep]\ntitle = a, b\n"
ini sweepunk "${HEAD}[sweep]\nqubits = 1, 2\n"
ini valrange "${HEAD}[optimiser]\ngamma = 2000\n"
bad "preset with a syntax error" "$TMP/syntax.ini|line 3|allowed" run "$TMP/syntax.ini" --out @OUT
bad "preset with an unclosed [section" "$TMP/bracket.ini|line 3|allowed" run "$TMP/bracket.ini" --out @OUT
bad "preset with an unknown section" "[bogus]|allowed" run "$TMP/section.ini" --out @OUT
bad "preset with an unknown key" "'qubits'|'7'|allowed" run "$TMP/key.ini" --out @OUT
bad "preset with an unknown key in [preset]" "'author'|'me'|allowed" run "$TMP/preskey.ini" --out @OUT
bad "preset with a duplicate key" "'n'|'3'|allowed" run "$TMP/dup.ini" --out @OUT
bad "preset with a key given in two sections" "'n'|'3'|allowed" run "$TMP/dupsec.ini" --out @OUT
bad "preset with a key and its alias (n and d)" "'d'|'8'|allowed" run "$TMP/dupalias.ini" --out @OUT
bad "preset with a malformed [sweep] value" "'L'|'x'|allowed" run "$TMP/sweepval.ini" --out @OUT
bad "preset with an out-of-range [sweep] value" "'L'|'0'|allowed" run "$TMP/sweeprange.ini" --out @OUT
bad "preset sweeping a key that cannot be swept" "'title'|allowed" run "$TMP/sweepkey.ini" --out @OUT
bad "preset sweeping an unknown key" "'qubits'|allowed" run "$TMP/sweepunk.ini" --out @OUT
bad "preset with an out-of-range value" "'gamma'|'2000'|allowed" run "$TMP/valrange.ini" --out @OUT
bad "missing --out" "--out|allowed" run default --steps 2
bad "--out without a value" "--out|allowed" run default --out
bad "missing PRESET" "PRESET|allowed" run --out @OUT
bad "unknown option" "'--bogus'|allowed" run default --out @OUT --bogus
bad "unknown command" "'frobnicate'|allowed" frobnicate

# ----------------------------------------------------------------------------
# 4. Divergence. The angles enter only through cos/sin, so a run diverges
#    when a step throws θ beyond 1e15 rad (where a double no longer resolves
#    an angle) or to inf/NaN. eta = 1e20 does that at the first step for
#    every model; the run must exit 3, still write all five files, list
#    every instance as "diverged at step 1" and stop stepping it (its last
#    trace row is step 1). A moderate run must not be flagged.
# ----------------------------------------------------------------------------
# diverge_check NAME EXPECT_RC: exit status agrees with summary.json
diverge_check() {
    py '
import json, sys, csv
d = json.load(open(sys.argv[1] + "/summary.json"))
rc, want = int(sys.argv[2]), int(sys.argv[3])
bad = [e for p in d["points"] for e in p["diverged"]]
if rc != want:
    sys.exit("exit status %d, expected %d" % (rc, want))
for e in bad:
    if e.get("status") != "diverged at step %d" % e.get("step", -1) or not isinstance(e.get("instance"), int):
        sys.exit("bad entry %r" % e)
if want == 3:
    n = d["points"][0]["instances"]
    if len(bad) != n or any(e["step"] != 1 for e in bad):
        sys.exit("expected all %d instances diverged at step 1: %r" % (n, bad))
    last = {}
    for row in csv.DictReader(open(sys.argv[1] + "/trace.csv")):
        last[row["instance"]] = int(row["step"])
    if any(v != 1 for v in last.values()):
        sys.exit("a diverged instance was stepped on: last steps %r" % last)
elif bad:
    sys.exit("unexpected divergence %r" % bad)
' "$TMP/$1" "$(rc_of "$1")" "$2"
}
n=0
for s in "eta=1e20" "model=periodic m=4 n=3 L=5 eta=1e20" "task=supervised m=4 eta=1e300 gamma=1000" \
         "eta=100 gamma=1000 O0=1e6"; do
    n=$((n + 1))
    want=3
    [ "$n" = 4 ] && want=0   # large but finite steps: chaotic, not diverged
    args=()
    for kv in $s; do args+=(--set "$kv"); done
    rm -rf "${TMP:?}/div$n"
    q "div$n" run default --out "$TMP/div$n" --quiet --steps 20 --instances 3 "${args[@]}"
    check "divergence: $s: exit status $want, summary.json and trace agree" diverge_check "div$n" "$want"
    check "divergence: $s: all five files written" only_five "div$n"
done

# ----------------------------------------------------------------------------
# 5. presets and --help
# ----------------------------------------------------------------------------
q presets presets
# listed NAME DESCRIPTION: `qnnlab presets` has the line "NAME  DESCRIPTION"
listed() {
    test -n "$2" && awk -v n="$1" -v d="$2" '$1 == n { sub(/^[^ ]+ +/, ""); if ($0 == d) f = 1 } END { exit !f }' \
        "$TMP/presets.out"
}
check "presets: exit status 0" test "$(rc_of presets)" = 0
npre=0
for f in "$PRESETS"/*.ini; do
    name=$(basename "$f" .ini)
    desc=$(sed -n 's/^[[:space:]]*description[[:space:]]*=[[:space:]]*//p' "$f" | head -n 1 | sed 's/[[:space:]]*$//')
    npre=$((npre + 1))
    check "presets: lists $name with its description" listed "$name" "$desc"
done
check "presets: one line per preset file ($npre)" test "$(wc -l <"$TMP/presets.out")" = "$npre"

q help --help
check "--help: exit status 0" test "$(rc_of help)" = 0
for c in run gui tui presets bench; do
    check "--help: mentions the subcommand $c" grep -Eq "qnnlab $c( |$)" "$TMP/help.out"
done
keys=$(cat "$PRESETS"/*.ini | sed -n 's/^[[:space:]]*\([A-Za-z_][A-Za-z_0-9]*\)[[:space:]]*=.*/\1/p' |
       grep -vx description | sort -u)
for k in $keys; do
    check "--help: explains the preset key $k" grep -Eq "^  $k( |$)" "$TMP/help.out"
done

# ----------------------------------------------------------------------------
# 5a. Every command: CMD --help, and option refusals (getopt_long)
# ----------------------------------------------------------------------------
# the commands whose blocks `qnnlab --help` holds under "Commands", and each
# block ("  CMD ..." up to the next command's line)
help_blocks() {
    py '
import re, sys
text = open(sys.argv[1]).read()
sec = text.split("\nCommands", 1)[1].split("\nPreset files", 1)[0]
blocks, cur = {}, None
for l in sec.split("\n")[1:]:
    m = re.match(r"^  ([a-z]+)( |$)", l)
    if m:
        cur = m.group(1)
        blocks[cur] = []
    if cur:
        blocks[cur].append(l)
if len(sys.argv) > 2:
    b = "\n".join(blocks.get(sys.argv[2], [])).rstrip("\n")
    sys.exit(0 if b and b in open(sys.argv[3]).read() else 1)
print(" ".join(blocks))' "$@"
}
# cmd_help CMD: `qnnlab CMD --help` and `qnnlab CMD -h` exit 0, write nothing
# on stderr, and print the same text: the command's usage and its whole
# block of `qnnlab --help`
cmd_help() {
    local c=$1
    q "help_$c" "$c" --help </dev/null
    q "h_$c" "$c" -h </dev/null
    [ "$(rc_of "help_$c")" = 0 ] && [ "$(rc_of "h_$c")" = 0 ] &&
        [ ! -s "$TMP/help_$c.err" ] && [ ! -s "$TMP/h_$c.err" ] &&
        cmp -s "$TMP/help_$c.out" "$TMP/h_$c.out" &&
        grep -Eq "^usage: qnnlab $c( |$)" "$TMP/help_$c.out" &&
        help_blocks "$TMP/help.out" "$c" "$TMP/help_$c.out"
}
# every command `qnnlab --help` describes (run sweep reproduce gui tui tour
# presets bench)
for c in $(help_blocks "$TMP/help.out"); do
    check "$c --help, $c -h: status 0, its usage and its block of \`qnnlab --help\`" cmd_help "$c"
done
q help_run2 help run
check "\`qnnlab help run\` prints what \`qnnlab run --help\` does" \
    eval "test \"\$(rc_of help_run2)\" = 0 && cmp -s '$TMP/help_run2.out' '$TMP/help_run.out'"

# refused DESCRIPTION NEEDLES ARGS...: as bad, with no display and stdin not
# a terminal (a face opened by mistake would end at once)
refused() { DISPLAY='' WAYLAND_DISPLAY='' bad "$@" </dev/null; }
for c in run sweep reproduce gui tui tour presets bench "bench --soak" "bench --gui"; do
    # shellcheck disable=SC2086
    refused "$c: an unknown option is named, with every allowed one (--help too)" \
        "unknown option '--bogus'|allowed: |--help" $c --bogus
done
for args in "gui --set" "gui --export-dir" "tui --fps" "tui --instances" "tour --tour-step" "run default --out @OUT --set" \
            "bench --repeats" "bench --soak --steps" "bench --gui --frames"; do
    opt=${args##* }
    # shellcheck disable=SC2086
    refused "${args//@OUT/DIR}: the missing value is named, with what it allows" "$opt: missing value|allowed: " $args
done
refused "run: --steps=abc is --steps abc" "'steps'|'abc'|allowed" run default --out @OUT --steps=abc
refused "reproduce: --threads=0 is --threads 0" "--threads: value '0'|allowed" reproduce liu23-fig1 --out @OUT --threads=0
refused "gui: --instances=0 is --instances 0" "--instances: value '0'|allowed" gui --instances=0
refused "run: an abbreviation of an option is refused (--inst)" "unknown option '--inst'|allowed: |--help" \
    run default --out @OUT --inst 2
refused "run: a value given to a flag is refused (--quiet=x)" "--quiet|'x'|allowed" run default --out @OUT --quiet=x
refused "a control character typed in a value is written escaped" "'1\\x1B[31m'|allowed" \
    run default --out @OUT --set $'eta=1\e[31m'
refused "a control character typed in an option is written escaped" "'--bo\\x07gus'|allowed" tui $'--bo\agus'

# ----------------------------------------------------------------------------
# 5b. Asymptotic dynamics, the frozen kernel and the three-way comparison
# ----------------------------------------------------------------------------
run_ok asy1 you23-fig3 --set d=8 --steps 40 --instances 2 --threads 1
run_ok asy2 you23-fig3 --set d=8 --steps 40 --instances 2 --threads 2
check "asymptotic: trace.csv is the same for 1 and 2 threads" same_files asy1 asy2 trace.csv
check "asymptotic: you23-fig3 with d=8 has 6 points (gamma x m) x 2 instances x {0,20,40}" \
    eval "py 'import csv,sys
rows = list(csv.DictReader(open(sys.argv[1])))
sys.exit(0 if len(rows) == 6 * 2 * 3 and set(r[\"m\"] for r in rows) == {\"2\", \"4\", \"8\"} else 1)' '$TMP/asy1/trace.csv'"
# t = eta * step; the Cayley step keeps the spectrum of M (drift at round-off)
check "asymptotic: t = 0.005 x step and the spectral drift stays below 1e-12" \
    py 'import csv, sys
for r in csv.DictReader(open(sys.argv[1])):
    if abs(float(r["t"]) - 0.005 * int(r["step"])) > 1e-12: sys.exit("t %s at step %s" % (r["t"], r["step"]))
    if r["spectral_drift"] and not float(r["spectral_drift"]) < 1e-12: sys.exit("drift " + r["spectral_drift"])
    if not r["spectral_drift"]: sys.exit("no drift at a kernel_every record")
' "$TMP/asy1/trace.csv"
run_ok asyE you23-fig3 --set d=8 --set gamma=4 --set m=2 --set integrator=euler --set eta=0.02 --steps 100 --instances 1
check "asymptotic: explicit Euler visibly drifts (> 1e-6) where Cayley does not" \
    py 'import csv, sys
rows = [r for r in csv.DictReader(open(sys.argv[1])) if r["spectral_drift"]]
sys.exit(0 if float(rows[-1]["spectral_drift"]) > 1e-6 else "drift " + rows[-1]["spectral_drift"])' "$TMP/asyE/trace.csv"

run_ok cmp compare-frozen-kernel --set d=8 --steps 40 --instances 2
check "compare: 3 values of p x 3 models x 2 instances x {0,20,40}, columns p and model" \
    eval "py 'import csv,sys
rows = list(csv.DictReader(open(sys.argv[1])))
ok = len(rows) == 3 * 3 * 2 * 3 and {r[\"model\"] for r in rows} == {\"periodic\", \"asymptotic\", \"frozen\"} and {r[\"p\"] for r in rows} == {\"20\", \"80\", \"320\"}
sys.exit(0 if ok else 1)' '$TMP/cmp/trace.csv'"
# the companions start from the QNN's own M(0) and data, on its time axis
check "compare: at step 0 the three models have the same residual vector r_1..r_4, and equal t at every step" \
    py 'import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
by = {}
for r in rows: by.setdefault((r["p"], r["instance"], r["step"]), {})[r["model"]] = r
for (p, i, st), g in by.items():
    if len(g) != 3: sys.exit("missing model at %s" % ((p, i, st),))
    ts = {float(r["t"]) for r in g.values()}
    if max(ts) - min(ts) > 1e-12 * max(1, max(ts)): sys.exit("t differs: %s" % ts)
    if abs(float(g["periodic"]["t"]) - 4e-3 / int(p) * int(p) / 4 * int(st)) > 1e-12: sys.exit("t is not eta p/m x step")
    if st == "0":
        for j in range(1, 5):
            e = [float(r["r_%d" % j]) for r in g.values()]
            if max(e) - min(e) > 1e-9: sys.exit("r_%d(0) differ: %s" % (j, e))
' "$TMP/cmp/trace.csv"
check "compare: summary.json has a comparison entry per p with QNN-asymptotic distances" \
    py 'import json, sys
d = json.load(open(sys.argv[1]))
pp = d["comparison"]["per_point"]
ok = [e["sweep"]["p"] for e in pp] == ["20", "80", "320"] and all(e["qnn_vs_asymptotic"]["n"] == 2 for e in pp)
th = [p["theory"] for p in d["points"] if p["sweep"]["model"] == "frozen"]
ok = ok and all("frozen_late_rate" in t for t in th)
sys.exit(0 if ok else 1)' "$TMP/cmp/summary.json"
run_ok rate you23-fig2 --set d=4 --set p=10 --steps 40 --instances 2
check "rate: you23-fig2 writes its five files" only_five rate

# M(0) from a file: M(0) = gamma * file, basis inputs read its diagonal
printf '{"re": [[1,0,0,0],[0,-1,0,0],[0,0,1,0],[0,0,0,-1]], "im": [[0,0,0,0],[0,0,0,0],[0,0,0,0],[0,0,0,0]]}\n' >"$TMP/m0.json"
run_ok m0f you23-fig3 --set d=4 --set m=2 --set gamma=2 --set m0_init=file --set "m0_file=$TMP/m0.json" \
    --set inputs=basis --set labels=1,-1 --steps 5 --instances 1
check "asymptotic: m0_file diag(1,-1,1,-1) with gamma 2 gives yhat = 2 and rms residual 1 at step 0" \
    py 'import csv, sys
rows = [r for r in csv.DictReader(open(sys.argv[1])) if r["step"] == "0"]
sys.exit(0 if len(rows) == 1 and abs(float(rows[0]["yhat"]) - 2) < 1e-12 and abs(float(rows[0]["eps"]) - 1) < 1e-12 else 1)' \
    "$TMP/m0f/trace.csv"
printf '{"re": [[1,2],[0,1]]}\n' >"$TMP/nonherm.json"
printf '{"re": [[1,0],[0,1]]}\n' >"$TMP/m0small.json"
printf '{"re": [[1,0],[0,1]\n' >"$TMP/m0broken.json"
printf '{"re": [[1,0,0],[0,1,0],[0,0,1]]}\n' >"$TMP/m0three.json"
ASY="you23-fig3 --set d=4 --set m=2 --steps 5 --instances 1"
# shellcheck disable=SC2086
{
    bad "asymptotic with n = 11 (d = 2048)" "'n'|'11'|allowed" run $ASY --out @OUT --set n=11
    bad "asymptotic with m > d" "'m'|'8'|allowed" run $ASY --out @OUT --set m=8
    bad "asymptotic with resample = theta" "'resample'|'theta'|allowed" run $ASY --out @OUT --set resample=theta
    bad "asymptotic with parameter noise" "'sigma_theta'|allowed" run $ASY --out @OUT --set sigma_theta=0.1
    bad "unknown integrator" "'integrator'|'rk4'|allowed" run $ASY --out @OUT --set integrator=rk4
    bad "m0_init = file without m0_file" "'m0_file'|allowed" run $ASY --out @OUT --set m0_init=file
    bad "m0_file that does not exist" "'m0_file'|$TMP/none.json|allowed" run $ASY --out @OUT --set m0_init=file --set "m0_file=$TMP/none.json"
    bad "m0_file that is not JSON" "'m0_file'|$TMP/m0broken.json|allowed" run $ASY --out @OUT --set m0_init=file --set "m0_file=$TMP/m0broken.json"
    bad "m0_file that is not Hermitian" "'m0_file'|Hermitian|allowed" run $ASY --out @OUT --set m0_init=file --set "m0_file=$TMP/nonherm.json" --set d=2 --set m=1
    bad "m0_file of another size than d" "'m0_file'|2 x 2|allowed" run $ASY --out @OUT --set m0_init=file --set "m0_file=$TMP/m0small.json"
    bad "m0_file that is 3 x 3" "'m0_file'|power of two|allowed" run $ASY --out @OUT --set m0_init=file --set "m0_file=$TMP/m0three.json"
    bad "labels of the wrong length" "'labels'|'1, -1, 1'|allowed" run $ASY --out @OUT --set labels=1,-1,1
    bad "labels that are not numbers" "'labels'|'1,x'|allowed" run $ASY --out @OUT --set labels=1,x
    bad "figure = rate with m = 2" "'m'|'2'|allowed" run you23-fig2 --out @OUT --set d=4 --set p=5 --set m=2
    bad "figure = rate with labels that are not +-1" "'labels'|'0.5'|allowed" run you23-fig2 --out @OUT --set d=4 --set p=5 --set labels=0.5
    bad "figure = compare with the random model" "'model'|'random'|allowed" run default --out @OUT --set figure=compare
    bad "n_h = n leaves no visible qubit (n_v = 0)" "'n_h'|'4'|allowed" run default --out @OUT --set n_h=4
    bad "n_h for the asymptotic model" "'n_h'|'1'|allowed" run $ASY --out @OUT --set n_h=1
    bad "entropy cut outside the register" "'cut'|'4'|allowed" run default --out @OUT --set cut=4
    bad "qbm with a non-positive temperature-like scale" "'beta'|'0'|allowed" run default --out @OUT --set model=qbm --set resample=all --set beta=0
    bad "qbm with beta = -1" "'beta'|'-1'|allowed" run default --out @OUT --set model=qbm --set resample=all --set beta=-1
    bad "qbm on 11 qubits" "'n'|'11'|allowed" run default --out @OUT --set model=qbm --set resample=all --set n=11
    bad "qbm with a supervised task" "'task'|allowed" run default --out @OUT --set model=qbm --set resample=all --set task=supervised
    bad "fidelity objective for the periodic model" "'objective'|'fidelity'|allowed" run you23-fig1 --out @OUT --set d=8 --set p=5 --set objective=fidelity
    bad "gue with steps to train" "'steps'|'5'|allowed" run default --out @OUT --set model=gue --set resample=all --steps 5
    bad "gue on 13 qubits" "'n'|'13'|allowed" run default --out @OUT --set model=gue --set resample=all --set n=13 --steps 0
    bad "periodic measure on a hidden qubit" "'measure'|'ZIII'|hidden|allowed" \
        run you23-fig1 --out @OUT --set d=16 --set p=5 --set n_h=1 --set measure=ZIII
}
run_ok o3b ome-fig3b --instances 100
check "ome-fig3b: summary.json has an exponential fit of Var ||grad||_inf against n_h with b < 0" \
    py 'import json, sys
f = json.load(open(sys.argv[1]))["grad_inf_variance_fit"]
sys.exit(0 if len(f) == 1 and f[0]["key"] == "n_h" and f[0]["points"] == 6 and f[0]["b"] < 0 else 1)' "$TMP/o3b/summary.json"
# the normalised QBM's gradients decay with n_h: a fitted rate whose
# 3-standard-error bar excludes 0 (1000 machines per point: b ≈ -0.93 ± 0.10)
run_ok o3c ome-fig3c
check "ome-fig3c: Var ||grad||_inf of the normalised QBM decays with n_h (b + 3 s.e. < 0)" \
    py 'import json, sys
f = json.load(open(sys.argv[1]))["grad_inf_variance_fit"][0]
sys.exit(0 if f["points"] == 5 and f["b"] + 3 * f["b_se"] < 0 else 1)' "$TMP/o3c/summary.json"
run_ok o4 ome-fig4 --instances 30
check "ome-fig4: 3 models x 3 n_h x 30 instances, each with a trace distance in [0, 1/2] at step 0" \
    py 'import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
ok = len(rows) == 270 and {r["model"] for r in rows} == {"gue", "hidden", "qbm"}
ok = ok and all(r["trace_distance"] != "" and 0 <= float(r["trace_distance"]) <= 0.5 for r in rows)
sys.exit(0 if ok else 1)' "$TMP/o4/trace.csv"
run_ok vis default --set n=6 --set n_h=2 --steps 4 --instances 2 --set entropy_every=2
check "visible: trace.csv has entropy and trace_distance at steps 0, 2, 4 and not at 1, 3; summary has page_entropy" \
    py 'import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1] + "/trace.csv")))
for r in rows:
    has = r["entropy"] != "" and r["trace_distance"] != ""
    if has != (int(r["step"]) % 2 == 0): sys.exit("step %s entropy %r" % (r["step"], r["entropy"]))
    if has and not (0 <= float(r["entropy"]) <= 1.3863 and 0 <= float(r["trace_distance"]) <= 0.75): sys.exit("range")
d = json.load(open(sys.argv[1] + "/summary.json"))
p = d["points"][0]
ok = p["measured"]["visible"]["n_v"] == 4 and p["measured"]["visible"]["n_h"] == 2 and "page_entropy" in p["theory"]
sys.exit(0 if ok else 1)' "$TMP/vis"

# ----------------------------------------------------------------------------
# 5c. Model mlp, sparse training, the Hessian observer, model carleman
# ----------------------------------------------------------------------------
SIX="figure.pdf figure.png figure.svg spectra.csv summary.json trace.csv"
only_six() { test "$(cd "$TMP/$1" && ls -A | LC_ALL=C sort | tr '\n' ' ')" = "$SIX "; }
figures_ok() {
    head -c 8 "$TMP/$1/figure.png" | od -An -tx1 | tr -d ' \n' | grep -qx '89504e470d0a1a0a' &&
        head -c 4096 "$TMP/$1/figure.svg" | grep -q '<svg' && head -c 5 "$TMP/$1/figure.pdf" | grep -qx '%PDF-' &&
        test "$(stat -c %s "$TMP/$1/figure.png")" -gt 20000
}
# 2-8-8-3 tanh MLP (123 parameters) on spirals, pruned at 20 and 40 with 3
# classical steps, exact Hessians every 5 steps
MLP="default --set model=mlp --set L=2 --set width=8 --set data=spirals --set classes=3 --set m=30 --set n_test=20
     --set lr_scale=standard --set eta=0.005 --set prune_every=20 --set prune_classical=3 --set hessian=exact
     --set hessian_every=5 --set figure=hessian --steps 50 --instances 2"
# shellcheck disable=SC2086
{
    run_ok mlpH1 $MLP --threads 1
    run_ok mlpH2 $MLP --threads 2
    run_ok mlpS $MLP --set hessian=slq --set slq_probes=3 --set slq_steps=12 --set figure=training
}
check "mlp: exactly the five files and spectra.csv (hessian = exact)" only_six mlpH1
check "mlp: spectra.csv and trace.csv do not depend on the thread count" \
    eval 'same_files mlpH1 mlpH2 spectra.csv && same_files mlpH1 mlpH2 trace.csv'
check "mlp: figure = hessian writes a PNG, an SVG and a PDF" figures_ok mlpH1
check "mlp: figure = training of model mlp writes a PNG, an SVG and a PDF" figures_ok mlpS
# the proxy restarts at the upload after the classical steps: exactly 1 at
# step 0 and on the steps P .. P+2 after each pruning; event bit 1 exactly
# at the prunings (20, 40), bit 2 exactly at step 0 and the uploads (23, 43)
check "mlp: error_proxy is exactly 1 at step 0 and during the classical steps after each pruning; event bits at 20, 23, 40, 43" \
    py 'import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
if len(rows) != 2 * 51: sys.exit("%d rows" % len(rows))
for r in rows:
    st, ev, px = int(r["step"]), int(r["event"]), r["error_proxy"]
    want = (1 if st in (20, 40) else 0) | (2 if st in (0, 23, 43) else 0)
    if ev != want: sys.exit("step %d: event %d, expected %d" % (st, ev, want))
    if st in (0, 20, 21, 22, 40, 41, 42) and (px == "" or float(px) != 1.0):
        sys.exit("step %d: error_proxy %r, expected exactly 1" % (st, px))
    if st in (1, 2, 3) and not (px != "" and 0 < float(px) < 1):
        sys.exit("step %d: error_proxy %r, expected in (0, 1) (a dissipative start)" % (st, px))
' "$TMP/mlpH1/trace.csv"
check "mlp: Hessian columns at steps 0, 5, .., 50 and the uploads only; hessian_frac_pos in [0, 1], min <= max, accuracies in [0, 1]" \
    py 'import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
for r in rows:
    st = int(r["step"])
    has = r["hessian_min"] != ""
    if has != (st % 5 == 0 or st in (23, 43)): sys.exit("step %d: hessian_min %r" % (st, r["hessian_min"]))
    if has:
        fp, lo, hi = float(r["hessian_frac_pos"]), float(r["hessian_min"]), float(r["hessian_max"])
        if not (0 <= fp <= 1 and lo <= hi and r["hessian_trace"] != ""): sys.exit("step %d: %r" % (st, r))
    for c in ("accuracy", "test_accuracy", "laziness", "grad_ms"):
        if r[c] == "": sys.exit("step %d: no %s" % (st, c))
    if not (0 <= float(r["accuracy"]) <= 1 and 0 <= float(r["test_accuracy"]) <= 1): sys.exit("accuracy out of [0, 1]")
    if r["err_norm"] != "": sys.exit("err_norm for model mlp")
if any(float(r["laziness"]) != 0 for r in rows if r["step"] == "0"): sys.exit("laziness at step 0 is not 0")
' "$TMP/mlpH1/trace.csv"
# spectra_ok DIR METHOD: weights per (step, instance) sum to 1; exact: P
# rows of weight 1/P each; the extreme nodes are trace.csv'"'"'s hessian_min/max
spectra_ok() {
    py '
import csv, json, math, sys
d, method = sys.argv[1], sys.argv[2]
rows = list(csv.DictReader(open(d + "/spectra.csv")))
head = open(d + "/spectra.csv").readline().strip()
if head != "step,instance,method,upload,x,weight": sys.exit("header " + head)
P = json.load(open(d + "/summary.json"))["points"][0]["hessian"]["parameters"]
groups = {}
for r in rows:
    groups.setdefault((int(r["step"]), int(r["instance"])), []).append(r)
trace = {(int(r["step"]), int(r["instance"])): r for r in csv.DictReader(open(d + "/trace.csv"))}
want = {k for k, r in trace.items() if r["hessian_min"] != ""}
if set(groups) != want: sys.exit("spectra at %s, trace.csv has Hessians at %s" % (sorted(groups), sorted(want)))
for k, g in groups.items():
    w = [float(r["weight"]) for r in g]
    x = [float(r["x"]) for r in g]
    if abs(sum(w) - 1) > 1e-9: sys.exit("%s: weights sum to %.15g" % (k, sum(w)))
    if any(r["method"] != method for r in g): sys.exit("%s: method is not %s" % (k, method))
    if len({r["upload"] for r in g}) != 1: sys.exit("%s: mixed upload flags" % (k,))
    if method == "exact" and (len(g) != P or any(abs(v - 1 / P) > 1e-12 for v in w)):
        sys.exit("%s: %d eigenvalues for P = %d" % (k, len(g), P))
    if x != sorted(x): sys.exit("%s: nodes not ascending" % (k,))
    t = trace[k]
    for a, b in ((min(x), float(t["hessian_min"])), (max(x), float(t["hessian_max"]))):
        if abs(a - b) > 1e-8 * max(1, abs(b)): sys.exit("%s: extreme node %r, trace.csv %r" % (k, a, b))
    up = g[0]["upload"] == "1"
    if up != (int(t["event"]) & 2 != 0): sys.exit("%s: upload %s but event %s" % (k, up, t["event"]))
' "$TMP/$1" "$2"
}
check "mlp: spectra.csv: per (step, instance) P exact eigenvalues of weight 1/P (sum 1 within 1e-9), extremes = trace.csv, upload = event bit 2" \
    spectra_ok mlpH1 exact
check "mlp: hessian = slq: spectra.csv weights per (step, instance) sum to 1, method slq" spectra_ok mlpS slq
check "mlp: summary.json has the mlp widths 2, 8, 8, 3, the Hessian settings and instance 0's spectra, and the new statistics" \
    py 'import csv, json, sys
d = json.load(open(sys.argv[1] + "/summary.json"))
p = d["points"][0]
m, h, ms = p["mlp"], p["hessian"], p["measured"]
if m["widths"] != [2, 8, 8, 3] or m["parameters"] != 123 or m["activation"] != "tanh" or m["data"] != "spirals":
    sys.exit("mlp %r" % m)
if h["method"] != "exact" or h["parameters"] != 123 or h["bins"] != 60 or h["range"] != "auto" or h["error_proxy"]["cut"] != 0.4:
    sys.exit("hessian %r" % {k: v for k, v in h.items() if k != "instance_0"})
steps = sorted({int(r["step"]) for r in csv.DictReader(open(sys.argv[1] + "/spectra.csv")) if r["instance"] == "0"})
if [e["step"] for e in h["instance_0"]] != steps: sys.exit("instance_0 steps differ from spectra.csv")
if [e["step"] for e in h["instance_0"] if e["upload"]] != [0, 23, 43]: sys.exit("uploads")
if not all(0 <= e["frac_pos"] <= 1 and e["min"] <= e["max"] for e in h["instance_0"]): sys.exit("spectrum summary")
for k in ("grad_ms_t0", "laziness_final", "accuracy_final", "test_accuracy_final", "hessian_frac_pos_final", "hessian_min_t0"):
    if not isinstance(ms.get(k), dict) or ms[k]["n"] != 2: sys.exit("measured %s: %r" % (k, ms.get(k)))
if not 0 <= ms["accuracy_final"]["mean"] <= 1: sys.exit("accuracy")
' "$TMP/mlpH1"
check "outputs: a run without a Hessian writes no spectra.csv and no hessian/mlp sections" \
    py 'import json, os, sys
d = json.load(open(sys.argv[1] + "/summary.json"))
sys.exit(1 if os.path.exists(sys.argv[1] + "/spectra.csv") or "hessian" in d["points"][0] or "mlp" in d["points"][0] else 0)' "$TMP/def1"
# a random QNN with the Hessian observer (parameter shift): exact spectra
# of L = 12 angles every 4 steps
run_ok qnnH default --set L=12 --set hessian=exact --set hessian_every=4 --set figure=hessian --steps 12 --instances 2
check "random QNN: hessian = exact writes spectra.csv with 12 eigenvalues per spectrum" only_six qnnH
check "random QNN: spectra.csv consistent with trace.csv" spectra_ok qnnH exact
check "random QNN: figure = hessian writes a PNG, an SVG and a PDF" figures_ok qnnH

run_ok c4a liu24-fig4a --instances 3
check "carleman: 4 orders x 3 systems x ode_points = 100 rows, t log-spaced 0.2 .. 200, |eps| <= err_norm" \
    py 'import csv, math, sys
rows = list(csv.DictReader(open(sys.argv[1])))
if len(rows) != 4 * 3 * 100: sys.exit("%d rows" % len(rows))
for r in rows:
    e, n = float(r["eps"]), float(r["err_norm"])
    if not (0 <= e <= n * (1 + 1e-12) + 1e-300): sys.exit("component error %g above the norm %g" % (e, n))
ts = sorted({float(r["t"]) for r in rows})
if len(ts) != 100 or abs(ts[0] - 0.2) > 1e-9 or abs(ts[-1] - 200) > 1e-9: sys.exit("times %r .. %r" % (ts[0], ts[-1]))
rat = [ts[i + 1] / ts[i] for i in range(99)]
if max(rat) - min(rat) > 1e-6: sys.exit("times not log-spaced")
' "$TMP/c4a/trace.csv"
check "carleman (f = 1): the order-4 error at t = 20 lies below the order-1 error (geometric mean over 3 systems)" \
    py 'import csv, math, sys
rows = [r for r in csv.DictReader(open(sys.argv[1])) if abs(float(r["t"]) - 20) / 20 < 0.04]
g = {}
for r in rows: g.setdefault(r["carleman_order"], []).append(math.log(float(r["err_norm"])))
m = {k: sum(v) / len(v) for k, v in g.items()}
sys.exit(0 if m["4"] < m["1"] - 2 else "mean ln error by order %r" % m)' "$TMP/c4a/trace.csv"
check "carleman: five files (no spectra.csv), figure files valid" eval 'only_five c4a && figures_ok c4a'
check "carleman: summary.json describes the system per point" \
    py 'import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if [p["carleman"]["carleman_order"] for p in d["points"]] == [1, 2, 3, 4] and all(p["carleman"]["ode_f"] == 1 for p in d["points"]) else 1)' \
    "$TMP/c4a/summary.json"

run_ok llj llj-laziness --instances 30 --steps 20
check "llj-laziness: grad_ms_t0 falls like 1/width (log-log slope within 4 s.e. of -1, s.e. < 0.3)" \
    py 'import json, sys
d = json.load(open(sys.argv[1]))
f = d["grad_variance_fit"]
if len(f) != 1 or f[0]["points"] != 5 or f[0]["prediction"] != -1: sys.exit("fit %r" % f)
b, se = f[0]["slope"], f[0]["slope_se"]
if not (0 < se < 0.3 and abs(b + 1) < 4 * se and abs(f[0]["z"] - (b + 1) / se) < 1e-9): sys.exit("slope %g +- %g" % (b, se))
for k in ("kernel_rel_var_fit", "laziness_fit"):
    if len(d.get(k, [])) != 1 or not d[k][0]["slope"] < 0: sys.exit("%s %r" % (k, d.get(k)))
w = [p["mlp"]["widths"] for p in d["points"]]
if w != [[4, x, x, 1] for x in (32, 64, 128, 256, 512)]: sys.exit("widths %r" % w)
' "$TMP/llj/summary.json"
check "llj-laziness: the sweep figure writes a PNG, an SVG and a PDF" figures_ok llj

# bad input of the new keys: status 2, the key named, no files
# shellcheck disable=SC2086
{
    bad "prune = 1 (no network left)" "'prune'|'1'|allowed" run $MLP --out @OUT --set prune=1
    bad "prune < 0" "'prune'|'-0.1'|allowed" run $MLP --out @OUT --set prune=-0.1
    bad "width = 0" "'width'|'0'|allowed" run $MLP --out @OUT --set width=0
    bad "hessian = exact with 10701 parameters (mlp width 100)" "'hessian'|'exact'|allowed" run $MLP --out @OUT --set width=100
    bad "hessian = exact for L = 5000 angles" "'hessian'|'exact'|allowed" run default --out @OUT --set L=5000 --set hessian=exact
    bad "prune_every on the random model" "'prune_every'|allowed" run default --out @OUT --set prune_every=10
    bad "unknown hessian mode" "'hessian'|'dense'|allowed" run $MLP --out @OUT --set hessian=dense
    bad "malformed hessian_range" "'hessian_range'|allowed" run $MLP --out @OUT --set hessian_range=3,1
    bad "unknown data set" "'data'|'mnist'|allowed" run $MLP --out @OUT --set data=mnist
}

# ----------------------------------------------------------------------------
# 6. Interruption by SIGINT, SIGTERM, SIGHUP: status 128 + the signal,
#    a message (the handler ran, not the default action), nothing written
# ----------------------------------------------------------------------------
for sig in INT TERM HUP; do
    d="$TMP/sig$sig"
    rm -rf "$d"
    mkdir "$d"
    "$QNNLAB" run default --out "$d" --steps 2000000 --instances 2 --quiet >"$TMP/sig.out" 2>"$TMP/sig.err" &
    BGPID=$!
    sleep 1
    kill -"$sig" "$BGPID" 2>/dev/null
    for _ in $(seq 1 100); do
        kill -0 "$BGPID" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$BGPID" 2>/dev/null; then
        kill -KILL "$BGPID" 2>/dev/null
        wait "$BGPID" 2>/dev/null
        BGPID=
        notok "SIG$sig: still running 10 s after the signal"
        continue
    fi
    wait "$BGPID"
    st=$?
    BGPID=
    want=$((128 + $(kill -l "$sig")))
    check "SIG$sig: exit status $want (got $st)" test "$st" = "$want"
    check "SIG$sig: no files in the output directory" test -z "$(ls -A "$d")"
    check "SIG$sig: says it wrote nothing" grep -q "interrupted; no output written" "$TMP/sig.err"
done

# ----------------------------------------------------------------------------
# The terminal face's input checks (the face itself: tui_test.sh)
# ----------------------------------------------------------------------------
q tui_noterm tui default </dev/null
check "tui: without a terminal, exit status 1" test "$(rc_of tui_noterm)" = 1
check "tui: without a terminal, the message says it needs one" grep -q "must be a terminal" "$TMP/tui_noterm.err"
q tui_bad tui nope </dev/null
check "tui: an unknown preset is refused first (status 2, names it)" \
    sh -c "test \"\$(cat $TMP/tui_bad.rc)\" = 2 && grep -q \"unknown preset 'nope'\" $TMP/tui_bad.err"
q tui_fps tui --fps 100 </dev/null
check "tui: --fps 100 is refused with the allowed range" \
    sh -c "test \"\$(cat $TMP/tui_fps.rc)\" = 2 && grep -q 'allowed: 1 .. 60' $TMP/tui_fps.err"
q tui_large tui --large </dev/null
check "tui: a window-only option is refused and named" grep -q "option '--large' belongs to \`qnnlab gui\`" "$TMP/tui_large.err"
q gui_mono gui --mono </dev/null
check "gui: a terminal-only option is refused and named" grep -q "option '--mono' belongs to \`qnnlab tui\`" "$TMP/gui_mono.err"
q tui_set tui --set eta=abc </dev/null
check "tui: a bad --set value is refused (status 2, names the key)" \
    sh -c "test \"\$(cat $TMP/tui_set.rc)\" = 2 && grep -q \"key 'eta'\" $TMP/tui_set.err"
DISPLAY= WAYLAND_DISPLAY= q noargs </dev/null
check "no arguments, no display, no terminal: usage and status 2" \
    sh -c "test \"\$(cat $TMP/noargs.rc)\" = 2 && grep -q 'no display and no terminal' $TMP/noargs.err"
# a DISPLAY nobody answers: SDL would fall back to its invisible
# "offscreen" driver; the window refuses it (and `qnnlab` alone does not
# take it for a display)
# (SDL's D-Bus and X11 back ends keep allocations LeakSanitizer cannot
# name, as in the window tests: no leak check for these two)
dead=4711
while [ -e "/tmp/.X11-unix/X$dead" ]; do dead=$((dead + 1)); done
noleak="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
DISPLAY=:$dead WAYLAND_DISPLAY= ASAN_OPTIONS=$noleak timeout 30 "$QNNLAB" gui default >"$TMP/deadx.out" 2>"$TMP/deadx.err" </dev/null
echo $? >"$TMP/deadx.rc"
check "gui with a DISPLAY nobody answers: status 1 and the reason, no invisible window" \
    sh -c "test \"\$(cat $TMP/deadx.rc)\" = 1 && grep -q 'no display answers' $TMP/deadx.err"
DISPLAY=:$dead WAYLAND_DISPLAY= ASAN_OPTIONS=$noleak q deadx_noargs </dev/null
check "no arguments and a DISPLAY nobody answers: as with no display (status 2)" \
    sh -c "test \"\$(cat $TMP/deadx_noargs.rc)\" = 2 && grep -q 'no display and no terminal' $TMP/deadx_noargs.err"

# ----------------------------------------------------------------------------
# Limits: under a small ulimit -v the program refuses with a message (the
# need, and the limit's numbers), never a crash; with room it runs.
# (Sanitizer builds reserve terabytes of shadow memory: skipped there.)
# ----------------------------------------------------------------------------
if [ -z "${QNN_SANITIZED:-}" ]; then
    # (timeout: OpenBLAS retries a failed mapping forever, a hang, not a
    # crash, unless its buffer was accounted for)
    for v in 100000 150000 200000 225000 250000 262000 275000 300000; do
        d="$TMP/ulimit$v"
        (ulimit -v $v; timeout 60 "$QNNLAB" run default --steps 5 --instances 4 --out "$d" --quiet) >"$TMP/ul.out" 2>"$TMP/ul.err"
        st=$?
        check "ulimit -v $v: exit status 0 or 2, not a crash or a hang (got $st)" test "$st" = 0 -o "$st" = 2
        if [ "$st" = 2 ]; then
            check "ulimit -v $v: one message naming the limit" \
                sh -c "test \$(wc -l <'$TMP/ul.err') = 1 && grep -q 'ulimit -v' '$TMP/ul.err'"
            check "ulimit -v $v: no output file" test -z "$(ls -A "$d" 2>/dev/null)"
        fi
    done
    (ulimit -v 100000; "$QNNLAB" run default --steps 5 --instances 2 --out "$TMP/ulimit_small" --quiet) 2>"$TMP/ul.err" >/dev/null
    check "ulimit -v 100000: refused up front with the memory the run needs" grep -q "need.*of memory" "$TMP/ul.err"
    (ulimit -v 1000000; "$QNNLAB" run default --steps 5 --instances 2 --out "$TMP/ulimit_big" --quiet) >/dev/null 2>&1
    check "ulimit -v 1000000: the run completes" test -s "$TMP/ulimit_big/summary.json"
fi

echo "$PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
