#!/usr/bin/env bash
# End-to-end tests of model circuit (issue 20) through the real binary, run
# by ctest as `circuit_cli`:
#   bash circuit_cli.sh PATH/TO/qnnlab PATH/TO/presets PATH/TO/README.md
#
#   a. `run circuit`: trace.csv with test_loss and accuracies in [0, 1],
#      summary.json with accuracy_final and test_loss_final measured;
#   b. the walk of README's "Your own circuit and data" run as written
#      (its sh blocks, with build/app/qnnlab a wrapper that runs gui and
#      tui headless and every run short);
#   c. QASM files in the exact style of Qiskit's qasm3.dumps load: inputs
#      named like the CSV columns are features, without them the angle
#      encoding, and the two give the same run;
#   d. `circuit export` of the hea and qaoa families reads back to the same
#      run, byte for byte;
#   e. refusals: exit status 2, one line on stderr naming the file or key
#      and what is allowed, and nothing written.
# Prints "ok - ..." / "not ok - ..." per check and "N passed, M failed"
# last; exits non-zero when a check failed. About 10 s.
set -u

if [ $# -ne 3 ]; then
    echo "usage: $0 QNNLAB PRESETS_DIR README" >&2
    exit 2
fi
QNNLAB=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
PRESETS=$(cd "$2" && pwd)
README=$3
export QNNLAB_PRESETS=$PRESETS
export OPENBLAS_NUM_THREADS=1
command -v python3 >/dev/null || { echo "python3 is needed" >&2; exit 2; }
MOONS=$PRESETS/data/moons.csv
IRIS=$PRESETS/data/iris.csv

TMP=$(mktemp -d "${TMPDIR:-/tmp}/qnnlab-circuit.XXXXXX") || exit 2
trap 'rm -rf "$TMP"' EXIT

PASS=0
FAIL=0
ok() { echo "ok - $*"; PASS=$((PASS + 1)); }
notok() { echo "not ok - $*"; FAIL=$((FAIL + 1)); }
check() {
    local d=$1
    shift
    if "$@"; then ok "$d"; else notok "$d"; fi
}
# q NAME ARGS...: runs qnnlab; stdout, stderr and status in $TMP/NAME.{out,err,rc}
q() {
    local o=$1
    shift
    "$QNNLAB" "$@" >"$TMP/$o.out" 2>"$TMP/$o.err"
    echo $? >"$TMP/$o.rc"
}
rc_of() { cat "$TMP/$1.rc"; }
# run_ok NAME ARGS...: `qnnlab run ARGS --out $TMP/NAME`, exit status 0
run_ok() {
    local name=$1
    shift
    rm -rf "${TMP:?}/$name"
    q "$name" run "$@" --out "$TMP/$name" --quiet
    check "run $name ($*): exit status 0" test "$(rc_of "$name")" = 0
    if [ "$(rc_of "$name")" != 0 ]; then sed 's/^/#   /' "$TMP/$name.err"; fi
}
# column FILE NAME: the values of trace.csv's column NAME, one a line
column() {
    python3 -c '
import csv, sys
for row in csv.DictReader(open(sys.argv[1])):
    print(row[sys.argv[2]])' "$1" "$2"
}

# ----------------------------------------------------------------------------
# a. qnnlab run circuit
# ----------------------------------------------------------------------------
run_ok a circuit
check "a: trace.csv has a test_loss column with numbers" python3 -c '
import csv, math, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert rows and "test_loss" in rows[0], "no test_loss column"
v = [float(r["test_loss"]) for r in rows if r["test_loss"] != ""]
assert v and all(math.isfinite(x) and x >= 0 for x in v)' "$TMP/a/trace.csv"
check "a: accuracy and test_accuracy in [0, 1]" python3 -c '
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
for k in ("accuracy", "test_accuracy"):
    v = [float(r[k]) for r in rows if r[k] != ""]
    assert v, "no " + k
    assert all(0 <= x <= 1 for x in v), k' "$TMP/a/trace.csv"
check "a: summary.json measures accuracy_final and test_loss_final" python3 -c '
import json, math, sys
d = json.load(open(sys.argv[1]))
m = d["points"][0]["measured"]
for k in ("accuracy_final", "test_loss_final", "test_accuracy_final"):
    s = m[k]
    assert math.isfinite(s["mean"]) and s["n"] == d["parameters"]["instances"], k
assert 0 <= m["accuracy_final"]["mean"] <= 1
assert m["test_loss_final"]["mean"] >= 0' "$TMP/a/summary.json"

# ----------------------------------------------------------------------------
# b. README's walk, as written
# ----------------------------------------------------------------------------
W=$TMP/walk
mkdir -p "$W/build/app"
ln -s "$PRESETS" "$W/presets"
# build/app/qnnlab in the walk: gui and tui run headless, every run short
cat >"$W/build/app/qnnlab" <<EOF
#!/usr/bin/env bash
verb=\$1
case \$verb in
gui|tui) shift; n=\$(ls -d "$W"/face-* 2>/dev/null | wc -l)
         exec "$QNNLAB" run "\$@" --out "$W/face-\$n" --instances 2 --steps 10 --quiet ;;
run) shift; exec "$QNNLAB" run "\$@" --instances 2 --steps 10 --quiet ;;
*) exec "$QNNLAB" "\$@" ;;
esac
EOF
chmod +x "$W/build/app/qnnlab"
python3 -c '
import re, sys
text = open(sys.argv[1], encoding="utf-8").read()
m = re.search(r"^## Your own circuit and data\n(.*?)^## ", text, re.S | re.M)
if not m:
    sys.exit("README has no section \"Your own circuit and data\"")
blocks = re.findall(r"^```sh\n(.*?)^```", m.group(1), re.S | re.M)
# the tui line inside the prose is a command too
cmds = re.findall(r"`(build/app/qnnlab tui [^`]*)`", m.group(1))
open(sys.argv[2], "w").write("set -e\n" + "".join(blocks) + "\n".join(cmds) + "\n")
' "$README" "$W/walk.sh"
check "b: README's section has commands" grep -q 'build/app/qnnlab run circuit' "$W/walk.sh"
(cd "$W" && bash "$W/walk.sh" >"$TMP/walk.out" 2>"$TMP/walk.err")
rc=$?
check "b: README's walk runs (exit status $rc)" test "$rc" = 0
if [ "$rc" != 0 ]; then tail -n 3 "$TMP/walk.err" | sed 's/^/#   /'; fi
check "b: the walk wrote out/c with test_loss" grep -q 'test_loss' "$W/out/c/trace.csv"
check "b: the walk opened the faces (gui and tui, headless)" test -s "$W/face-0/trace.csv" -a -s "$W/face-1/trace.csv"
check "b: the walk's export is QASM" grep -q '^OPENQASM 3' "$W/my.qasm"
for d in my mine zz hea-layers hea-moons; do
    check "b: the walk wrote out/$d/summary.json" test -s "$W/out/$d/summary.json"
done

# ----------------------------------------------------------------------------
# c. QASM in the style of Qiskit's qasm3.dumps
# ----------------------------------------------------------------------------
# The body: parameters of a ParameterVector (escaped as _θ_k_), Qiskit's
# own definition of rzz, the classical register first, a barrier and
# measurements (no effect on the state).
qiskit_head() {
    printf 'OPENQASM 3.0;\ninclude "stdgates.inc";\n'
    [ "$1" = data ] && printf 'input float[64] x1;\ninput float[64] x2;\n'
    for k in 0 1 2 3 4 5 6; do printf 'input float[64] _θ_%d_;\n' "$k"; done
    cat <<'EOF'
gate rzz(_gate_p_0) _gate_q_0, _gate_q_1 {
  cx _gate_q_0, _gate_q_1;
  rz(_gate_p_0) _gate_q_1;
  cx _gate_q_0, _gate_q_1;
}
bit[2] c;
qubit[2] q;
EOF
    [ "$1" = data ] && printf 'ry(x1) q[0];\nry(x2) q[1];\n'
    cat <<'EOF'
ry(_θ_0_) q[0];
ry(_θ_1_) q[1];
rzz(_θ_2_) q[0], q[1];
rx(_θ_3_) q[0];
rx(_θ_4_) q[1];
cx q[0], q[1];
ry(_θ_5_) q[0];
u(_θ_6_, pi/2, -pi/4) q[1];
barrier q[0], q[1];
c[0] = measure q[0];
c[1] = measure q[1];
EOF
}
qiskit_head data >"$TMP/qiskit_x.qasm"
qiskit_head nodata >"$TMP/qiskit_enc.qasm"
q cshow circuit show --set "circuit=$TMP/qiskit_x.qasm" --set "data=$MOONS"
check "c: show lists x1, x2 as data features and 7 parameters" \
    grep -q '^2 qubits, .* 7 parameters, 2 data features' "$TMP/cshow.out"
check "c: x1 is a feature" grep -qE '^ *feature +x1 ' "$TMP/cshow.out"
q cshow2 circuit show --set "circuit=$TMP/qiskit_enc.qasm" --set "data=$MOONS"
check "c: without data inputs the features are angle-encoded (x_0, x_1)" \
    grep -qE '^ *feature +x_0 ' "$TMP/cshow2.out"
run_ok qx circuit --set "circuit=$TMP/qiskit_x.qasm" --set "data=$MOONS" --steps 40 --instances 3
run_ok qe circuit --set "circuit=$TMP/qiskit_enc.qasm" --set "data=$MOONS" --steps 40 --instances 3
check "c: accuracy in [0, 1] (Qiskit file)" python3 -c '
import csv, sys
v = [float(r["accuracy"]) for r in csv.DictReader(open(sys.argv[1])) if r["accuracy"] != ""]
assert v and all(0 <= x <= 1 for x in v)' "$TMP/qx/trace.csv"
check "c: ry(x1), ry(x2) written in the file = the angle encoding: the same trace.csv" \
    cmp -s "$TMP/qx/trace.csv" "$TMP/qe/trace.csv"

# ----------------------------------------------------------------------------
# d. the families and their export give the same runs
# ----------------------------------------------------------------------------
for a in hea qaoa; do
    q "exp_$a" circuit export --set ansatz=$a --set data=none --out "$TMP/$a.qasm"
    check "d: export $a: exit status 0" test "$(rc_of "exp_$a")" = 0
    check "d: export $a: OpenQASM 3" grep -q '^OPENQASM 3' "$TMP/$a.qasm"
    run_ok "fam_$a" circuit --set ansatz=$a --set data=none --steps 60 --instances 3 --seed 4
    run_ok "file_$a" circuit --set "circuit=$TMP/$a.qasm" --set data=none --steps 60 --instances 3 --seed 4
    column "$TMP/fam_$a/trace.csv" loss >"$TMP/fam_$a.loss"
    column "$TMP/file_$a/trace.csv" loss >"$TMP/file_$a.loss"
    check "d: $a: the family and its export, the same loss column (data = none)" \
        cmp -s "$TMP/fam_$a.loss" "$TMP/file_$a.loss"
    check "d: $a: the same trace.csv, byte for byte (data = none)" \
        cmp -s "$TMP/fam_$a/trace.csv" "$TMP/file_$a/trace.csv"
    # the export without data, run on the moons: both get the angle encoding
    run_ok "famd_$a" circuit --set ansatz=$a --steps 40 --instances 3 --seed 4
    run_ok "filed_$a" circuit --set "circuit=$TMP/$a.qasm" --steps 40 --instances 3 --seed 4
    check "d: $a: the same trace.csv on the moons (export without data, encoding added)" \
        cmp -s "$TMP/famd_$a/trace.csv" "$TMP/filed_$a/trace.csv"
    # `circuit --help`: the families "and the angle encoding of the data
    # become a file that key circuit reads back to the same gates and
    # gradients": export with the preset's data, read back with it
    q "expd_$a" circuit export --set ansatz=$a --out "$TMP/${a}_data.qasm"
    run_ok "filedd_$a" circuit --set "circuit=$TMP/${a}_data.qasm" --steps 40 --instances 3 --seed 4
    check "d: $a: the export with the data's encoding reads back with the same data to the same trace.csv" \
        cmp -s "$TMP/famd_$a/trace.csv" "$TMP/filedd_$a/trace.csv"
done

# ----------------------------------------------------------------------------
# e. refusals
# ----------------------------------------------------------------------------
B=$TMP/bad
mkdir -p "$B"
qasm() { printf 'OPENQASM 3.0;\ninclude "stdgates.inc";\n%b' "$2" >"$B/$1"; }
qasm syntax.qasm 'input float[64] a;\nqubit[2] q;\nry(a q[0];\n'
qasm gate.qasm 'input float[64] a;\nqubit[2] q;\nfrob(a) q[0];\n'
qasm range.qasm 'input float[64] a;\nqubit[2] q;\nry(a) q[0];\ncx q[0], q[2];\n'
qasm big.qasm 'input float[64] a;\nqubit[30] q;\nry(a) q[0];\n'
qasm noparam.qasm 'qubit[2] q;\nh q[0];\ncx q[0], q[1];\n'
printf 'x1,x2,label\n1,2,1\n3,4\n5,6,-1\n7,8,-1\n' >"$B/ragged.csv"
printf 'x1,x2,label\n1,2,1\n3,4,-1\n5,six,-1\n7,8,1\n' >"$B/text.csv"
printf 'x1,x2,label\n1,2,1\n3,NaN,-1\n5,6,-1\n7,8,1\n' >"$B/nan.csv"
printf 'x1,x2,label\n1,2,1\n3,4,-1\n5,6,-1\n-inf,8,1\n' >"$B/inf.csv"
printf 'x1,x2,label\n1,2,1\n3,4,1\n5,6,1\n7,8,1\n' >"$B/one.csv"

# refuse DESC NEEDLE ARGS...: exit status 2, exactly one line on stderr
# holding NEEDLE and "allowed", and nothing under the empty $TMP/out
# (ARGS say where to write with the word OUT)
NREFUSE=0
refuse() {
    local d=$1 needle=$2
    shift 2
    local args=() a
    rm -rf "$TMP/out" && mkdir "$TMP/out"
    for a in "$@"; do
        if [ "$a" = OUT ]; then args+=("$TMP/out/x"); else args+=("$a"); fi
    done
    "$QNNLAB" "${args[@]}" >"$TMP/ref.out" 2>"$TMP/ref.err"
    local rc=$? lines
    lines=$(wc -l <"$TMP/ref.err")
    NREFUSE=$((NREFUSE + 1))
    if [ "$rc" = 2 ] && [ "$lines" = 1 ] && grep -qF -- "$needle" "$TMP/ref.err" && grep -q allowed "$TMP/ref.err" &&
        [ -z "$(ls -A "$TMP/out")" ]; then
        ok "e: refused: $d"
    else
        notok "e: refused: $d (exit $rc, $lines lines, written: $(ls -A "$TMP/out" | tr '\n' ' '))"
        sed 's/^/#   /' "$TMP/ref.err"
    fi
}
refuse "malformed QASM (file:line:col)" "$B/syntax.qasm:5:6:" run circuit --set "circuit=$B/syntax.qasm" --out OUT
refuse "unknown gate" "$B/gate.qasm:5:1: found 'frob'" run circuit --set "circuit=$B/gate.qasm" --out OUT
refuse "qubit index out of range" "$B/range.qasm:6:" run circuit --set "circuit=$B/range.qasm" --out OUT
refuse "30 qubits: says the memory it needs" "16 GiB" run circuit --set "circuit=$B/big.qasm" --out OUT
check "e: the 30-qubit message names the file" grep -qF "$B/big.qasm" "$TMP/ref.err"
refuse "a circuit without trainable parameters" "$B/noparam.qasm" run circuit --set "circuit=$B/noparam.qasm" --out OUT
refuse "CSV with ragged rows" "$B/ragged.csv:3" run circuit --set "data=$B/ragged.csv" --out OUT
refuse "a non-numeric cell" "$B/text.csv:4:2" run circuit --set "data=$B/text.csv" --out OUT
refuse "NaN" "$B/nan.csv:3:2" run circuit --set "data=$B/nan.csv" --out OUT
refuse "inf" "$B/inf.csv:5:1" run circuit --set "data=$B/inf.csv" --out OUT
refuse "a label column with one class" "$B/one.csv" run circuit --set "data=$B/one.csv" --out OUT
refuse "more features than qubits, no data inputs (iris on n = 2)" "key 'data'" run circuit --set "data=$IRIS" --set n=2 --out OUT
refuse "batch larger than the training rows" "key 'batch'" run circuit --set batch=151 --out OUT
refuse "a bad Pauli sum in measure" "measure" run circuit --set "measure=0.5*ZZQI" --out OUT
refuse "2 observables for 3 classes" "key 'measure'" run circuit --set "data=$IRIS" --set "measure=ZIII;IZII" --out OUT
refuse "8 spiral classes on 4 qubits (default observables)" "key 'data'" run circuit --set data=spirals --set classes=8 --set m=40 --out OUT
refuse "the made data's 6 features on 4 qubits" "key 'data'" run circuit --set data=teacher --set n_in=6 --out OUT
refuse "model = mlp with a CSV" "key 'data'" run default --set model=mlp --set "data=$MOONS" --out OUT
refuse "circuit export --out /dev/null (not a regular file)" "/dev/null" circuit export --out /dev/null
refuse "circuit frobnicate" "frobnicate" circuit frobnicate --out OUT
refuse "circuit export of a malformed file" "$B/syntax.qasm:5:6:" circuit export --set "circuit=$B/syntax.qasm" --out OUT
refuse "the gui refuses before it opens" "$B/gate.qasm" gui circuit --set "circuit=$B/gate.qasm"
check "e: at least 15 refusals checked" test "$NREFUSE" -ge 15

echo "$PASS passed, $FAIL failed"
[ "$FAIL" = 0 ]
