#!/usr/bin/env bash
# Issue 22 (hardening, round two): regression cases for the memory
# pre-check and its messages. Usage: harden_mem.sh QNNLAB PRESETS [MPIRUN]
# 11. the pre-check counts the records from their real size (sizeof
#     qnn_obs, steps / record_every + 2 per instance, every instance kept):
#     a run whose records do not fit under a ulimit -v is refused before
#     it computes (status 2), naming steps, not qubits; --steps 10^8 names
#     steps; residuals and Hessian spectra name their keys; a run that
#     fits still runs;
# 13. bench --soak says what it judged (a fit of the heap in use and of the
#     resident size; tests/test_soak.c feeds the judgement synthetic steps,
#     noise and growth);
# 17. the MLP's memory refusal speaks of its widths, not of qubits and
#     entanglers; `qnnlab` with neither display nor terminal refuses in one
#     line, not with the usage block.
# Prints "ok - ..." / "not ok - ..." and "N passed, M failed"; exits 1 when
# a check failed.
set -u
# ok, notok, check, tap_done
. "$(dirname "${BASH_SOURCE[0]}")/tap.sh"
if [ $# -lt 2 ]; then
    echo "usage: $0 QNNLAB PRESETS_DIR [MPIRUN]" >&2
    exit 2
fi
QNNLAB=$(realpath "$1") || exit 2
QNNLAB_PRESETS=$(realpath "$2") || exit 2
export QNNLAB_PRESETS
export OPENBLAS_NUM_THREADS=1
SLOW=1
[ -n "${QNN_SANITIZED:-}" ] && SLOW=10

TMP=$(mktemp -d "${TMPDIR:-/tmp}/qnnlab-hmem.XXXXXX") || exit 2
trap 'rm -rf "$TMP"' EXIT

# q NAME ARGS...: runs qnnlab (at most 60 s x SLOW); $TMP/NAME.{out,err,rc}
q() {
    local o=$1
    shift
    timeout $((60 * SLOW)) "$QNNLAB" "$@" >"$TMP/$o.out" 2>"$TMP/$o.err" </dev/null
    echo $? >"$TMP/$o.rc"
}
rc_is() { test "$(cat "$TMP/$1.rc")" = "$2"; }
one_line() { test "$(wc -l <"$TMP/$1.err")" = 1; }
has() { grep -q -- "$2" "$TMP/$1.err"; }
hasnt() { ! grep -qi -- "$2" "$TMP/$1.err"; }
nothing_in() { test -z "$(ls -A "$1" 2>/dev/null)"; }

# ---------------------------------------------------------------------------
# 11. records counted at their real size
# ---------------------------------------------------------------------------
# 20 instances x 50002 records x 208 bytes = 198 MiB of records: with 64
# bytes a record the check saw 61 MiB, passed, and the run failed after
# computing ("out of memory for the records of instance 5", status 1).
# (Sanitizer builds reserve terabytes of shadow address space: no ulimit
# -v there.)
if [ -z "${QNN_SANITIZED:-}" ]; then
    (ulimit -v 400000; timeout 60 "$QNNLAB" run default --set n=1 --set L=1 --set n_obs=1 --steps 50000 \
        --instances 20 --threads 1 --out "$TMP/ul400" --quiet) >"$TMP/ul400.out" 2>"$TMP/ul400.err"
    echo $? >"$TMP/ul400.rc"
    check "ulimit -v 400000, 50000 steps x 20 instances: refused up front (status 2)" rc_is ul400 2
    check "ulimit -v 400000: one line naming key 'steps' and the records" \
        sh -c "test \$(wc -l <'$TMP/ul400.err') = 1 && grep -q \"key 'steps': value '50000'\" '$TMP/ul400.err' && grep -q '20 instance(s) x 50002 records of 208 bytes' '$TMP/ul400.err'"
    check "ulimit -v 400000: the remedy is fewer steps or instances, not qubits" \
        sh -c "grep -q 'fewer steps, a larger record_every or fewer instances' '$TMP/ul400.err' && ! grep -q 'qubit' '$TMP/ul400.err'"
    check "ulimit -v 400000: nothing written" nothing_in "$TMP/ul400"
    # the issue's failure on this kind of machine: with 40 instances
    # (403 MiB of records) under 586 MiB the old check saw 122 MiB, passed,
    # and the run failed after 24 instances with status 1
    (ulimit -v 600000; timeout 60 "$QNNLAB" run default --set n=1 --set L=1 --set n_obs=1 --steps 50000 \
        --instances 40 --threads 1 --out "$TMP/ul600" --quiet) >"$TMP/ul600.out" 2>"$TMP/ul600.err"
    echo $? >"$TMP/ul600.rc"
    check "ulimit -v 600000, 50000 steps x 40 instances: refused up front (status 2), naming steps" \
        sh -c "test \"\$(cat '$TMP/ul600.rc')\" = 2 && grep -q \"key 'steps': value '50000'\" '$TMP/ul600.err' && grep -q '40 instance(s) x 50002 records' '$TMP/ul600.err'"
    check "ulimit -v 600000: nothing written" nothing_in "$TMP/ul600"
    # the same run with room for it (records 205 MiB of a 976 MiB address
    # space), smaller to stay quick: it runs
    (ulimit -v 1000000; timeout $((120 * SLOW)) "$QNNLAB" run default --set n=1 --set L=1 --set n_obs=1 --steps 2000 \
        --instances 4 --threads 1 --out "$TMP/ulfit" --quiet) >"$TMP/ulfit.out" 2>"$TMP/ulfit.err"
    echo $? >"$TMP/ulfit.rc"
    check "ulimit -v 1000000, 2000 steps x 4 instances: runs (status 0, trace.csv)" \
        sh -c "test \"\$(cat '$TMP/ulfit.rc')\" = 0 && test -s '$TMP/ulfit/trace.csv'"
else
    q fit run default --set n=1 --set L=1 --steps 200 --instances 2 --threads 1 --out "$TMP/fit" --quiet
    check "a small run still runs (status 0, trace.csv)" sh -c "test \"\$(cat '$TMP/fit.rc')\" = 0 && test -s '$TMP/fit/trace.csv'"
fi

# 10^8 steps: the records (399 GiB for 20 instances, 3.9 TiB for 200)
# drive the size, not the one layer of one qubit
q steps run default --set n=1 --set L=1 --steps 100000000 --instances 200 --out "$TMP/steps" --quiet
check "--steps 100000000: refused (status 2), one line" sh -c "test \"\$(cat '$TMP/steps.rc')\" = 2 && test \$(wc -l <'$TMP/steps.err') = 1"
check "--steps 100000000: names key 'steps' and the records" \
    sh -c "grep -q \"key 'steps': value '100000000'\" '$TMP/steps.err' && grep -q 'for the records' '$TMP/steps.err'"
check "--steps 100000000: no talk of qubits or key 'L'" sh -c "! grep -qi 'qubit' '$TMP/steps.err' && ! grep -q \"key 'L'\" '$TMP/steps.err'"
check "--steps 100000000: the size in TiB" has steps "TiB of memory"
check "--steps 100000000: nothing written" nothing_in "$TMP/steps"

# record_residuals: 20 x 10^6 records x 256 residuals = 38 GiB
q resid run default --set task=supervised --set n=8 --set m=256 --set L=2 --set record_residuals=1 \
    --steps 1000000 --instances 20 --out "$TMP/resid" --quiet
check "record_residuals: refused naming key 'record_residuals'" \
    sh -c "test \"\$(cat '$TMP/resid.rc')\" = 2 && grep -q \"key 'record_residuals': value '1'\" '$TMP/resid.err'"

# the Hessian's spectra: 100 x 100002 exact spectra of 2000 eigenvalues
q spec run default --set hessian=exact --set L=2000 --set hessian_every=1 --steps 100000 --instances 100 \
    --out "$TMP/spec" --quiet
check "Hessian spectra: refused naming key 'hessian_every'" \
    sh -c "test \"\$(cat '$TMP/spec.rc')\" = 2 && grep -q \"key 'hessian_every': value '1'\" '$TMP/spec.err' && grep -q 'Hessian spectra' '$TMP/spec.err'"

# carleman counts its records in ode_points, not steps
q carl run default --set model=carleman --set resample=all --set ode_points=100000 --set instances=100000 \
    --out "$TMP/carl" --quiet
check "carleman, 10^5 ode_points x 10^5 instances: refused naming key 'ode_points'" \
    sh -c "test \"\$(cat '$TMP/carl.rc')\" = 2 && grep -q \"key 'ode_points': value '100000'\" '$TMP/carl.err'"

# a large instance still names what makes the instance large
q haar run default --set n=14 --set L=200 --out "$TMP/haar" --quiet
check "dense Haar n = 14, L = 200: names key 'n', suggests brickwork" \
    sh -c "test \"\$(cat '$TMP/haar.rc')\" = 2 && grep -q \"key 'n': value '14'\" '$TMP/haar.err' && grep -q 'entangler = brickwork' '$TMP/haar.err'"

# ---------------------------------------------------------------------------
# 17. the MLP's refusal speaks of its own sizes
# ---------------------------------------------------------------------------
q mlp run default --set model=mlp --set width=65536 --set L=8 --out "$TMP/mlp" --quiet
check "mlp width 65536 x 8 layers: refused (status 2), one line" sh -c "test \"\$(cat '$TMP/mlp.rc')\" = 2 && test \$(wc -l <'$TMP/mlp.err') = 1"
check "mlp: names key 'width' and narrower layers" \
    sh -c "grep -q \"key 'width': value '65536'\" '$TMP/mlp.err' && grep -q 'narrower hidden layers' '$TMP/mlp.err'"
check "mlp: no qubits, no entanglers" sh -c "! grep -qi 'qubit' '$TMP/mlp.err' && ! grep -qi 'entangler' '$TMP/mlp.err'"

# the live faces' refusal names its key in binary units (was "4.83e+09 GB")
if command -v script >/dev/null; then
    timeout 30 script -qec "'$QNNLAB' tui --set model=periodic --set n=24 --set L=100000" /dev/null </dev/null >"$TMP/tuimem.out" 2>&1
    echo $? >"$TMP/tuimem.rc"
    check "tui memory refusal: status 2, names key 'n', binary units (not e+ GB)" \
        sh -c "test \"\$(cat '$TMP/tuimem.rc')\" = 2 && grep -q \"key 'n': value '24'\" '$TMP/tuimem.out' && grep -q 'EiB' '$TMP/tuimem.out' && ! grep -q 'e+[0-9]* GB' '$TMP/tuimem.out'"
fi

# `qnnlab` alone with neither display nor terminal: one line, status 2
DISPLAY= WAYLAND_DISPLAY= q noargs
check "no arguments, no display, no terminal: status 2" rc_is noargs 2
check "no arguments: one line (not the usage block) saying what is missing" \
    sh -c "test \$(wc -l <'$TMP/noargs.err') = 1 && grep -q '^qnnlab: no display and no terminal' '$TMP/noargs.err' && ! grep -q '^usage:' '$TMP/noargs.err'"

# ---------------------------------------------------------------------------
# 13. bench --soak: a fit, and says what it judged
# ---------------------------------------------------------------------------
q soak bench --soak --steps 60 --every 10 --instances 2
check "bench --soak --steps 60: status 0 (flat)" rc_is soak 0
check "bench --soak: reports the heap fit and the resident-size fit it judged" \
    sh -c "grep -q 'judged on the 5 samples from step 20' '$TMP/soak.out' && grep -q 'heap in use (mallinfo2), judged' '$TMP/soak.out' && grep -Eq 'resident size (\(also memory outside malloc\), judged|, not judged: too noisy)' '$TMP/soak.out' && grep -q 'one jump allowed for' '$TMP/soak.out'"

tap_done
