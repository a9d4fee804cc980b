#!/usr/bin/env bash
# `qnnlab reproduce`, run by ctest as `reproduce`:
#   bash reproduce_test.sh PATH/TO/qnnlab PATH/TO/presets
# Runs `qnnlab reproduce all --quick` (every figure of docs/PHYSICS.md,
# "Reproducing the papers' figures", with smaller ensembles) and checks, per figure, the files, the report and the
# verdict against the one expected below; then the refusals of bad input.
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
liu23-fig2 REPRODUCED
liu23-fig3 REPRODUCED
llj-fig1 REPRODUCED
llj-fig2 REPRODUCED
you23-fig1 PARTLY
you23-fig2 REPRODUCED
you23-fig3 REPRODUCED
you23-fig4 REPRODUCED
you23-fig5 REPRODUCED
you23-fig6 REPRODUCED
ome-fig3a REPRODUCED
ome-fig3b REPRODUCED
ome-fig3c REPRODUCED
ome-fig4 REPRODUCED
liu24-fig2 REPRODUCED
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
mkdir -p "$TMP/ro" && chmod a-w "$TMP/ro"
if [ -w "$TMP/ro" ]; then
    ok "unwritable --out (skipped: running as root)"
else
    bad "unwritable --out refused" "ro" reproduce liu23-fig2 --out "$TMP/ro/sub"
fi
for d in x1 x2; do [ -e "$TMP/$d" ] && notok "refused run created $d"; done

echo "$PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
