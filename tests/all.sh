#!/usr/bin/env bash
# The whole test suite, after .ci/setup has built build/ (Release):
#  1. every ctest test of build/ (unit, physics, CLI, window, terminal,
#     valgrind);
#  2. AddressSanitizer + UndefinedBehaviorSanitizer (build-asan/, Debug,
#     built without MPI: OpenMPI's own allocations would drown the reports,
#     and the sweep test then checks the build without MPI; the MPI paths
#     are tested in step 1):
#     every test except the long statistical one of the asymptotic
#     dynamics (physics_asym: 2.5 minutes under ASan; its code runs in the
#     CLI tests too) and `reproduce` (every paper figure: about 10 minutes
#     under ASan; docs/RELIABILITY.md gives its last sanitizer run);
#  3. ThreadSanitizer (build-tsan/): the same tests; the worker thread of
#     both faces and the threads of headless runs and sweeps are in them;
#  4. the libFuzzer targets (build-fuzz/, clang): each replays its corpus,
#     then fuzzes for QNN_FUZZ_SECONDS (default 20) seconds.
# Any failure stops it with a non-zero status. QNN_QUICK=1 runs step 1 only.
# Usage: tests/all.sh        (from anywhere; about 10 minutes on 2 cores)
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)
t0=$SECONDS
stage() { printf '\n== %s == (%s s so far)\n' "$*" "$((SECONDS - t0))"; }

stage "1/4 Release build: every test"
ctest --test-dir build --output-on-failure -j "$jobs"
[ "${QNN_QUICK:-0}" = 1 ] && { echo "stage 1 passed in $((SECONDS - t0)) s"; exit 0; }

long="physics_asym|reproduce"
stage "2/4 AddressSanitizer + UndefinedBehaviorSanitizer"
cmake -S . -B build-asan -DQNN_SANITIZE=ON -DQNN_MPI=OFF -DCMAKE_BUILD_TYPE=Debug >/dev/null
cmake --build build-asan -j "$jobs" >/dev/null
ctest --test-dir build-asan --output-on-failure -j "$jobs" -E "$long"

stage "3/4 ThreadSanitizer"
cmake -S . -B build-tsan -DQNN_TSAN=ON -DQNN_MPI=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build-tsan -j "$jobs" >/dev/null
ctest --test-dir build-tsan --output-on-failure -j "$jobs" -E "$long"

stage "4/4 libFuzzer targets"
CC=clang cmake -S . -B build-fuzz -DQNN_FUZZ=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null
cmake --build build-fuzz -j "$jobs" --target fuzz_preset fuzz_set fuzz_share fuzz_matrix fuzz_help fuzz_tour fuzz_qasm fuzz_csv >/dev/null
bash tests/fuzz/run.sh build-fuzz "${QNN_FUZZ_SECONDS:-20}"
echo
echo "all tests passed in $((SECONDS - t0)) s"
