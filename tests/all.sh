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
# Usage: tests/all.sh        (from anywhere)
# Measured on 2 cores, fresh clone, 2026-12-07 (ctest time of each stage,
# two tests at a time; builds not included):
#                   quiet    a parallel Release build running beside it
#   1 Release       287 s    502 s
#   2 ASan+UBSan    357 s    616 s
#   3 TSan          533 s    795 s
#   4 fuzz          8 x 20 s of fuzzing, about 3 minutes with its build
# Issue 23 (58 tests, machine shared): Release 432 s, ASan 618 s, TSan 742 s.
# Issue 24 (61 tests, fresh clone, idle): Release 308 s, ASan 407 s, TSan 560 s;
# the whole run 1589 s (26.5 minutes) with the builds. Every ctest timeout is
# at least three times the test's loaded time (tests/CMakeLists.txt).
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
