#!/usr/bin/env bash
# Fingerprints of qnnlab's data files: the numbers that a refactoring must
# not change (issue "Models as units": outputs stay byte-identical).
#
#   bash fingerprint.sh QNNLAB PRESETS_DIR [full|quick]        prints them
#   bash fingerprint.sh QNNLAB PRESETS_DIR check FILE [full|quick]
#                                      compares them with FILE's lines
#
# Each line is "sha256  NAME/FILE" for trace.csv and summary.json of every
# preset run small (--instances 3 --steps 30; gue: no steps), of a sweep,
# of `reproduce all --quick` (full only; report.json less its wall time) and of Hessian runs. figure.* are
# drawings, not numbers, and are left out. The `quick` set is a few runs
# of every model class; ctest's `fingerprint` test checks it against
# tests/fingerprints.txt, so a change of any number fails the suite. A
# change that is meant to change numbers regenerates the file with
#   bash tests/fingerprint.sh build/app/qnnlab presets full > tests/fingerprints.txt
# and says why in its commit (FP_KEEP=DIR keeps the files to diff).
set -u
if [ $# -lt 2 ]; then
    echo "usage: $0 QNNLAB PRESETS_DIR [full|quick] | check FILE [full|quick]" >&2
    exit 2
fi
QNNLAB=$1
PRESETS=$2
mode=${3:-full}
want=""
if [ "$mode" = check ]; then
    want=${4:?check needs a FILE}
    mode=${5:-quick}
fi
export QNNLAB_PRESETS=$PRESETS
export OPENBLAS_NUM_THREADS=1
# FP_KEEP=DIR keeps the outputs in DIR (to diff two builds' files when a
# fingerprint changes on purpose)
if [ -n "${FP_KEEP:-}" ]; then
    TMP=$FP_KEEP
    rm -rf "$TMP" && mkdir -p "$TMP" || exit 2
else
    TMP=$(mktemp -d "${TMPDIR:-/tmp}/qnnlab-fp.XXXXXX") || exit 2
    trap 'rm -rf "$TMP"' EXIT
fi

# name, then the arguments of `qnnlab run` after PRESET --out DIR
QUICK_RUNS="
default|default|--instances 3 --steps 30
liu23-fig2|liu23-fig2|--instances 3 --steps 30
you23-fig5|you23-fig5|--instances 3 --steps 30
ome-fig3a|ome-fig3a|--instances 3 --steps 30
ome-fig3c|ome-fig3c|--instances 3 --steps 30
ome-fig4|ome-fig4|--instances 3
liu24-fig4a|liu24-fig4a|--instances 3 --steps 30
llj-fig1|llj-fig1|--instances 3 --steps 30
hessian-live|hessian-live|--instances 3 --steps 30
liu24-fig2-mlp|liu24-fig2-mlp|--instances 3 --steps 30
"

runs() {
    if [ "$mode" = quick ]; then
        printf '%s\n' "$QUICK_RUNS"
        return
    fi
    for p in "$PRESETS"/*.ini; do
        n=$(basename "$p" .ini)
        if [ "$n" = ome-fig4 ]; then
            echo "$n|$n|--instances 3"
        else
            echo "$n|$n|--instances 3 --steps 30"
        fi
    done
    echo "hessian-exact|hessian-live|--instances 2 --steps 12 --set hessian=exact --set hessian_every=4"
    echo "hessian-slq|hessian-live|--instances 2 --steps 12 --set hessian=slq --set hessian_every=6 --set slq_steps=30"
    echo "mlp-prune|liu24-fig2-mlp|--instances 2 --steps 40 --set prune_every=10 --set prune_classical=3"
    echo "frozen-threads|compare-frozen-kernel|--instances 4 --steps 20 --threads 2"
}

status=0
{
    while IFS='|' read -r name preset args; do
        [ -n "$name" ] || continue
        # shellcheck disable=SC2086
        if ! "$QNNLAB" run "$preset" --out "$TMP/$name" --quiet $args >"$TMP/$name.log" 2>&1; then
            echo "fingerprint: run $name failed: $(tail -1 "$TMP/$name.log")" >&2
            status=1
            continue
        fi
        for f in trace.csv summary.json spectra.csv; do
            [ -f "$TMP/$name/$f" ] && (cd "$TMP" && sha256sum "$name/$f")
        done
    done < <(runs)
    if "$QNNLAB" sweep default --out "$TMP/sweep" --grid L=16,32 --grid gamma=1,2 --instances 3 --steps 25 --threads 2 --quiet >"$TMP/sweep.log" 2>&1; then
        (cd "$TMP" && find sweep -name '*.csv' -o -name 'summary.json' | LC_ALL=C sort | xargs sha256sum)
    else
        echo "fingerprint: sweep failed: $(tail -1 "$TMP/sweep.log")" >&2
        status=1
    fi
    if [ "$mode" = full ]; then
        "$QNNLAB" reproduce all --quick --out "$TMP/repro" >"$TMP/repro.log" 2>&1
        rc=$?
        if [ $rc -ne 0 ] && [ $rc -ne 4 ]; then
            echo "fingerprint: reproduce failed ($rc): $(tail -1 "$TMP/repro.log")" >&2
            status=1
        fi
        (cd "$TMP" && find repro -name trace.csv -o -name summary.json | LC_ALL=C sort | xargs sha256sum)
        # report.json less its wall time ("seconds")
        (cd "$TMP" && find repro -name report.json | LC_ALL=C sort | while read -r f; do
            echo "$(grep -v '"seconds":' "$f" | sha256sum | cut -d' ' -f1)  $f"
        done)
    fi
} >"$TMP/got"

if [ -z "$want" ]; then
    cat "$TMP/got"
    exit $status
fi
pass=0
fail=0
while read -r sum file; do
    exp=$(awk -v f="$file" '$2 == f { print $1 }' "$want")
    if [ -z "$exp" ]; then
        echo "not ok - $file: no fingerprint in $want"
        fail=$((fail + 1))
    elif [ "$exp" = "$sum" ]; then
        echo "ok - $file"
        pass=$((pass + 1))
    else
        echo "not ok - $file changed (sha256 $sum, recorded $exp)"
        fail=$((fail + 1))
    fi
done <"$TMP/got"
[ $status -eq 0 ] || fail=$((fail + 1))
echo "$pass passed, $fail failed"
[ $fail -eq 0 ] && [ $pass -gt 0 ]
