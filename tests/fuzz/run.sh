#!/usr/bin/env bash
# Runs every libFuzzer target on a copy of its committed corpus, one after
# another, and says for each how many inputs it executed and whether it
# found anything (a crash, a leak, undefined behaviour, a broken oracle, a
# timeout or a blown memory limit). Exits 1 when any target found
# something, 2 on a usage or setup error, 0 otherwise.
#
#   tests/fuzz/run.sh BUILD_DIR [SECONDS_PER_TARGET | -runs=N]
#
# BUILD_DIR was configured with CC=clang and -DQNN_FUZZ=ON and the targets
# built (cmake --build BUILD_DIR --target fuzz_preset fuzz_set fuzz_share
# fuzz_matrix fuzz_help fuzz_tour fuzz_qasm fuzz_csv). Default: 20 seconds a target. New inputs libFuzzer finds go
# to a temporary directory and are never merged back into the committed
# corpus; the directory is removed when nothing was found and kept (with
# the logs and the crashing inputs) otherwise, or always with
# QNN_FUZZ_KEEP=1. QNN_FUZZ_TARGETS="preset share" runs a subset.
set -u

usage() {
    echo "usage: $0 BUILD_DIR [SECONDS_PER_TARGET | -runs=N]" >&2
    exit 2
}
[ $# -ge 1 ] && [ $# -le 2 ] || usage
build=$1
limit=${2:-20}
case $limit in
    -runs=[0-9]*) budget=$limit ;;
    [0-9]*) budget=-max_total_time=$limit ;;
    *) usage ;;
esac

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/qnn-fuzz.XXXXXX") || exit 2

export OPENBLAS_NUM_THREADS=1
export QNNLAB_PRESETS=${QNNLAB_PRESETS:-$root/presets}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

found=0
for t in ${QNN_FUZZ_TARGETS:-preset set share matrix help tour qasm csv}; do
    bin=$build/tests/fuzz/fuzz_$t
    if [ ! -x "$bin" ] || [ ! -d "$here/corpus/$t" ]; then
        echo "fuzz_$t: no $bin or no corpus/$t; build with -DQNN_FUZZ=ON first" >&2
        rm -rf "$work"
        exit 2
    fi
    dir=$work/$t
    mkdir -p "$dir/corpus" "$dir/artifacts"
    cp "$here/corpus/$t/"* "$dir/corpus/"
    seeds=$(ls "$dir/corpus" | wc -l)
    dict=()
    [ -f "$here/$t.dict" ] && dict=("-dict=$here/$t.dict")
    start=$(date +%s%N)
    "$bin" "$budget" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 "${dict[@]}" \
        -artifact_prefix="$dir/artifacts/" "$dir/corpus" >"$dir/log" 2>&1
    rc=$?
    ms=$(( ($(date +%s%N) - start) / 1000000 ))
    wall=$(printf '%d.%d' $((ms / 1000)) $((ms % 1000 / 100)))
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/log" | tail -1)
    last=$(grep -E '^#[0-9]+' "$dir/log" | tail -1)
    cov=$(echo "$last" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
    ft=$(echo "$last" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
    corp=$(echo "$last" | sed -n 's/.* corp: \([0-9]*\/[0-9a-zA-Z]*\).*/\1/p')
    arts=$(ls "$dir/artifacts" | wc -l)
    rate=$(( ${execs:-0} * 1000 / (ms > 0 ? ms : 1) ))
    if [ $rc -eq 0 ] && [ "$arts" -eq 0 ]; then
        verdict=ok
    else
        verdict="FOUND SOMETHING (exit $rc)"
        found=1
    fi
    printf 'fuzz_%-7s %10s execs in %7.1f s (%s/s)  cov %s ft %s  corpus %s from %s seeds  %s\n' \
        "$t" "${execs:-?}" "$wall" "$rate" "${cov:-?}" "${ft:-?}" "${corp:-?}" "$seeds" "$verdict"
    if [ "$verdict" != ok ]; then
        grep -E 'ERROR|SUMMARY|fuzz(_[a-z]+)?:|runtime error|Test unit written' "$dir/log" | head -20 | sed 's/^/    /'
        for a in "$dir/artifacts"/*; do
            [ -e "$a" ] && echo "    input: $a"
        done
        echo "    log: $dir/log"
    fi
done

if [ $found -ne 0 ] || [ -n "${QNN_FUZZ_KEEP:-}" ]; then
    echo "inputs, logs and artifacts kept in $work"
else
    rm -rf "$work"
fi
exit $found
