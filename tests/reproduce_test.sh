#!/usr/bin/env bash
# `qnnlab reproduce`, run by ctest as `reproduce`:
#   bash reproduce_test.sh PATH/TO/qnnlab PATH/TO/presets
# Runs `qnnlab reproduce all --quick` (every figure of docs/PHYSICS.md,
# "Reproducing the papers' figures", with smaller ensembles) and checks, per figure, the files, the report and the
# verdict against the one expected below; then a changed setting (--set,
# --instances, --seed: the report says what changed, and a claim that does
# not belong to the new setting fails), and the refusals of bad input.
# Prints "ok - ..." / "not ok - ..." per check and "N passed, M failed".
#
# The expected verdicts are those of the fixed seeds. A figure whose
# verdict changes means a claim that held no longer holds (or the other
# way round): read its report.md before changing the table.
set -u

if [ $# -ne 2 ]; then
    echo "usage: $0 QNNLAB PRESETS_DIR" >&2
    exit 2
fi
QNNLAB=$1
export QNNLAB_PRESETS=$2
export OPENBLAS_NUM_THREADS=1
command -v python3 >/dev/null || { echo "python3 is needed" >&2; exit 2; }

TMP=$(mktemp -d "${TMPDIR:-/tmp}/qnnlab-repro.XXXXXX") || exit 2
trap 'chmod -R u+w "$TMP" 2>/dev/null; rm -rf "$TMP"' EXIT

PASS=0
FAIL=0
ok() { echo "ok - $*"; PASS=$((PASS + 1)); }
notok() { echo "not ok - $*"; FAIL=$((FAIL + 1)); }

# figure id, expected verdict with --quick
EXPECTED="
liu23-fig1 PARTLY
liu23-fig2 PARTLY
liu23-fig3 REPRODUCED
llj-fig1 REPRODUCED
llj-fig2 REPRODUCED
you23-fig1 PARTLY
you23-fig2 REPRODUCED
you23-fig3 REPRODUCED
you23-fig4 PARTLY
you23-fig5 REPRODUCED
you23-fig6 REPRODUCED
ome-fig3a REPRODUCED
ome-fig3b REPRODUCED
ome-fig3c REPRODUCED
ome-fig4 REPRODUCED
liu24-fig2 PARTLY
liu24-fig4a REPRODUCED
liu24-fig4b REPRODUCED
"

# --list names every figure of docs/PHYSICS.md "Reproducing", and nothing else
"$QNNLAB" reproduce --list >"$TMP/list" 2>&1
ids=$(awk '{print $1}' "$TMP/list" | sort | tr '\n' ' ')
want=$(echo "$EXPECTED" | awk 'NF {print $1}' | sort | tr '\n' ' ')
if [ "$ids" = "$want" ]; then ok "--list names the 18 figures"; else notok "--list: got '$ids', want '$want'"; fi

# every figure, quick
start=$(date +%s)
"$QNNLAB" reproduce all --quick --quiet --out "$TMP/all" >"$TMP/all.out" 2>"$TMP/all.err"
rc=$?
secs=$(( $(date +%s) - start ))
echo "# reproduce all --quick: status $rc in ${secs} s"
sed 's/^/#   /' "$TMP/all.out"
if [ "$rc" -eq 0 ] || [ "$rc" -eq 4 ]; then ok "reproduce all --quick finished (status $rc)"; else notok "reproduce all --quick: status $rc: $(head -c 600 "$TMP/all.err")"; fi
any_partial=0
while read -r id verdict; do
    [ -n "$id" ] || continue
    d="$TMP/all/$id"
    miss=""
    for f in figure.png figure.svg figure.pdf trace.csv summary.json report.md report.json; do
        [ -s "$d/$f" ] || miss="$miss $f"
    done
    if [ -z "$miss" ]; then ok "$id: all files written"; else notok "$id: missing$miss"; continue; fi
    if ls -a "$d" | grep -q '\.tmp\.'; then notok "$id: a temporary file was left"; fi
    out=$(python3 - "$d" "$verdict" <<'EOF'
import json, sys
d, want = sys.argv[1], sys.argv[2]
errs = []
png = open(d + "/figure.png", "rb").read(8)
if png != b"\x89PNG\r\n\x1a\n": errs.append("figure.png is not a PNG")
if not open(d + "/figure.pdf", "rb").read(5) == b"%PDF-": errs.append("figure.pdf is not a PDF")
import xml.dom.minidom
xml.dom.minidom.parse(d + "/figure.svg")
r = json.load(open(d + "/report.json"))
word = {"REPRODUCED": "REPRODUCED", "PARTLY": "PARTLY REPRODUCED", "NOT": "NOT REPRODUCED"}[want]
if r["verdict"] != word: errs.append("verdict %r, expected %r" % (r["verdict"], word))
if not r["quick"]: errs.append("report.json does not say quick")
judged = [c for c in r["claims"] if c["verdict"] != "info"]
if r["claims_judged"] != len(judged) or len(judged) < 1: errs.append("judged claims miscounted")
held = sum(c["verdict"] == "pass" for c in judged)
if held != r["claims_holding"]: errs.append("holding claims miscounted")
# the verdict follows from the claims
exp = "REPRODUCED" if held == len(judged) else "NOT REPRODUCED" if held == 0 else "PARTLY REPRODUCED"
if r["verdict"] != exp: errs.append("verdict does not follow from the claims")
for c in r["claims"]:
    for k in ("claim", "paper", "measured", "rule"):
        if not c[k].strip(): errs.append("a claim has an empty %s" % k)
    if c["verdict"] == "fail" and not c.get("note"): errs.append("failed claim %r has no note" % c["claim"])
md = open(d + "/report.md", encoding="utf-8").read()
if ("**Verdict: %s**" % word) not in md: errs.append("report.md has no verdict line %r" % word)
for s in ("## Setting", "**Paper:**", "**Ensemble:**", "## Claims", "figure.png", "--quick"):
    if s not in md: errs.append("report.md lacks %r" % s)
if md.count("\n| ") != 1 + len(r["claims"]): errs.append("report.md table: %d rows for %d claims" % (md.count("\n| ") - 1, len(r["claims"])))
s = json.load(open(d + "/summary.json"))
if not s["points"]: errs.append("summary.json has no points")
print("; ".join(errs))
EOF
)
    if [ -z "$out" ]; then ok "$id: report consistent, verdict $verdict"; else notok "$id: $out"; fi
    [ "$verdict" = REPRODUCED ] || any_partial=1
done <<<"$EXPECTED"
if [ "$any_partial" -eq 1 ] && [ "$rc" -eq 4 ]; then ok "status 4 when a claim does not hold"; elif [ "$any_partial" -eq 0 ] && [ "$rc" -eq 0 ]; then ok "status 0"; else notok "status $rc does not match the verdicts"; fi
idx="$TMP/all/README.md"
if [ -s "$idx" ] && [ "$(grep -c '\](.*/report.md)' "$idx")" -eq 18 ]; then ok "index links 18 reports"; else notok "index README.md"; fi

# one figure alone, status and default-free output directory
"$QNNLAB" reproduce liu23-fig3 --quick --quiet --out "$TMP/one" >"$TMP/one.out" 2>&1
rc=$?
if [ "$rc" -eq 0 ] && grep -q "REPRODUCED" "$TMP/one.out" && [ -s "$TMP/one/report.md" ]; then ok "one figure: status 0 and a report"; else notok "one figure: status $rc: $(cat "$TMP/one.out")"; fi
# a figure whose claims do not all hold exits 4 (its files are written)
"$QNNLAB" reproduce liu23-fig1 --quick --quiet --out "$TMP/part" >"$TMP/part.out" 2>&1
rc=$?
if [ "$rc" -eq 4 ] && [ -s "$TMP/part/report.md" ]; then ok "a claim that fails: status 4, files written"; else notok "partly reproduced: status $rc"; fi

# a changed setting (--set, --instances, --seed): the report says what changed
"$QNNLAB" reproduce you23-fig4 --quick --quiet --instances 3 --seed 5 --out "$TMP/chg" >"$TMP/chg.out" 2>&1
rc=$?
out=$(python3 - "$TMP/chg" <<'EOF'
import json, sys
d = sys.argv[1]
errs = []
r = json.load(open(d + "/report.json"))
if r["overrides"] != ["instances=3", "seed=5"]: errs.append("report.json overrides %r" % r["overrides"])
md = open(d + "/report.md", encoding="utf-8").read()
run = [l for l in md.splitlines() if l.startswith("- **This run:**")]
if len(run) != 1: errs.append("report.md has no This run line")
else:
    for s in ("changed from the paper's preset", "`instances=3`", "`seed=5`", "seed 5;"):
        if s not in run[0]: errs.append("This run line lacks %r: %s" % (s, run[0]))
if "`qnnlab reproduce you23-fig4 --quick --instances 3 --seed 5`" not in md: errs.append("report.md: Command line")
s = json.load(open(d + "/summary.json"))
if any(p["parameters"]["instances"] != 3 or p["parameters"]["seed"] != 5 for p in s["points"]):
    errs.append("summary.json: the run did not use instances 3, seed 5")
print("; ".join(errs))
EOF
)
if { [ "$rc" -eq 0 ] || [ "$rc" -eq 4 ]; } && [ -z "$out" ]; then ok "--instances 3 --seed 5: run with them, This run line and report.json overrides say so"; else notok "--instances 3 --seed 5: status $rc: $out $(head -c 300 "$TMP/chg.out")"; fi

# a claim that does not belong to the changed setting fails: status 4 and
# the claim's row in report.json says fail (claims named by their text)
at_risk() {
    local desc=$1 pattern=$2
    shift 2
    "$QNNLAB" reproduce "$@" --quick --quiet --out "$TMP/risk" >"$TMP/risk.out" 2>&1
    local rc=$?
    local out
    out=$(python3 - "$TMP/risk" "$pattern" <<'EOF'
import json, re, sys
r = json.load(open(sys.argv[1] + "/report.json"))
rows = [c for c in r["claims"] if re.search(sys.argv[2], c["claim"], re.I) and c["verdict"] != "info"]
if not rows: print("no judged claim matches %r" % sys.argv[2])
for c in rows:
    if c["verdict"] != "fail": print("%r: %s (%s)" % (c["claim"], c["verdict"], c["measured"][:200]))
if r["verdict"] == "REPRODUCED": print("verdict REPRODUCED")
EOF
)
    if [ "$rc" -eq 4 ] && [ -z "$out" ]; then ok "$desc"; else notok "$desc: status $rc: $out"; fi
    rm -rf "${TMP:?}/risk"
}
at_risk "you23-fig4 --set gamma=1: linear convergence is not reported" '(?<!sub)linear' you23-fig4 --set gamma=1
at_risk "you23-fig1 --set gamma=4: sublinear convergence is not reported" 'sublinear' you23-fig1 --set gamma=4

# bad input: one message naming the value and what is allowed, status 2, nothing written
bad() {
    local desc=$1 needle=$2
    shift 2
    "$QNNLAB" "$@" >"$TMP/bad.out" 2>"$TMP/bad.err"
    local rc=$?
    if [ "$rc" -eq 2 ] && grep -q -- "$needle" "$TMP/bad.err" && grep -q "allowed" "$TMP/bad.err" &&
       [ "$(wc -l <"$TMP/bad.err")" -le 3 ]; then ok "$desc"; else notok "$desc: status $rc: $(head -c 400 "$TMP/bad.err")"; fi
}
bad "unknown figure refused" "fig9" reproduce liu23-fig9 --out "$TMP/x1"
bad "unknown option refused" "--fast" reproduce liu23-fig1 --fast
bad "--threads 0 refused" "threads" reproduce liu23-fig1 --threads 0 --out "$TMP/x2"
bad "missing FIGURE-ID refused" "FIGURE-ID" reproduce --quick
bad "--set of an unknown key refused" "foo" reproduce you23-fig4 --set foo=1 --out "$TMP/x3"
bad "--set of a bad value refused" "gamma" reproduce you23-fig4 --set gamma=abc --out "$TMP/x4"
bad "--instances 0 refused" "instances" reproduce you23-fig4 --instances 0 --out "$TMP/x5"
bad "--seed -1 refused" "seed" reproduce you23-fig4 --seed -1 --out "$TMP/x6"
bad "--seed that is not a number refused" "seed" reproduce you23-fig4 --seed five --out "$TMP/x7"
bad "--set of a key the figure sweeps refused" "you23-fig1: --set d=64: key 'd' is swept" reproduce you23-fig1 --set d=64 --out "$TMP/x8"
bad "--set sweep.KEY refused" "sweep.gamma" reproduce you23-fig4 --set sweep.gamma=1,4 --out "$TMP/x9"
bad "all: a key one figure sweeps refused, naming it" "you23-fig2: --set gamma=1" reproduce all --quick --set gamma=1 --out "$TMP/x10"
mkdir -p "$TMP/ro" && chmod a-w "$TMP/ro"
if [ -w "$TMP/ro" ]; then
    ok "unwritable --out (skipped: running as root)"
else
    bad "unwritable --out refused" "ro" reproduce liu23-fig2 --out "$TMP/ro/sub"
fi
for d in x1 x2 x3 x4 x5 x6 x7 x8 x9 x10; do [ -e "$TMP/$d" ] && notok "refused run created $d"; done

echo "$PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
