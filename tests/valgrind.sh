#!/usr/bin/env bash
# Memcheck on short runs: a headless run that writes every output file
# (figures with cairo included), one with the exact Hessian and its spectra,
# and a live session stepped in lock step with snapshots taken (the soak
# benchmark, short). Any invalid access, use of uninitialised memory or
# definite/indirect leak fails (fontconfig's process cache is suppressed:
# tests/valgrind.supp).
# Usage: valgrind.sh path/to/qnnlab
set -euo pipefail
QNNLAB=$1
command -v valgrind >/dev/null || { echo "valgrind_test: valgrind is missing (.ci/setup installs it)"; exit 1; }
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export OPENBLAS_NUM_THREADS=1
vg() {
  local name=$1; shift
  if ! valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect --error-exitcode=99 \
       --suppressions="$here/valgrind.supp" "$QNNLAB" "$@" >"$work/$name.out" 2>"$work/$name.err"; then
    echo "valgrind_test: FAIL: $name ($*)"; cat "$work/$name.err" | head -60; exit 1
  fi
  echo "valgrind_test: $name: no errors, no leaks"
}
vg run run default --steps 60 --instances 2 --out "$work/run" --quiet
vg hessian run default --steps 20 --instances 2 --set n=3 --set L=12 --set hessian=exact --set hessian_every=10 --out "$work/hess" --quiet
# (the soak's memory checks mean nothing under valgrind, whose own memory
# is in the resident size: a wide allowance; leaks are valgrind's job here)
vg soak bench --soak --steps 1500 --every 300 --instances 3 --allow 1024
echo "valgrind_test: all clean"
