#!/usr/bin/env bash
# Issue 22 (hardening, round two): regression cases for the files qnnlab
# writes. Usage: harden_files.sh QNNLAB PRESETS [MPIRUN]
#  1. every output path refuses a target that exists and is not a regular
#     file (a folder: not a directory) with status 2 and nothing touched:
#     run --out, reproduce --out (and all), bench --json, circuit --out;
#  2. a run's files are committed as a set (an old trace.csv survives a
#     refused run), a stale spectra.csv goes, a sweep's folder is refused;
#  4. a name or text that is not UTF-8 never loses its key in summary.json;
#  5. a killed run's temporaries are removed by the next run into the
#     folder (a live process's are kept); an interrupted run or
#     `reproduce all` says what it wrote and leaves no empty folder;
# 17. three `s` presses in one second give three saved screens (tmux);
# 18. trace.csv and summary.json are the same bytes at --threads 1 and 2.
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
# sanitizer builds are 5-10x slower: the waits below scale with this
SLOW=1
[ -n "${QNN_SANITIZED:-}" ] && SLOW=10

TMP=$(mktemp -d "${TMPDIR:-/tmp}/qnnlab-hfiles.XXXXXX") || exit 2
BGPID=
TSOCK=
cleanup() {
    if [ -n "$BGPID" ]; then kill -KILL "$BGPID" 2>/dev/null; wait "$BGPID" 2>/dev/null; fi
    if [ -n "$TSOCK" ] && [ -S "$TSOCK" ]; then tmux -S "$TSOCK" kill-server 2>/dev/null; fi
    rm -rf "$TMP"
}
trap cleanup EXIT

# q NAME ARGS...: runs qnnlab (at most 60 s x SLOW); $TMP/NAME.{out,err,rc}
q() {
    local o=$1
    shift
    timeout $((60 * SLOW)) "$QNNLAB" "$@" >"$TMP/$o.out" 2>"$TMP/$o.err" </dev/null
    echo $? >"$TMP/$o.rc"
}
rc_of() { cat "$TMP/$1.rc"; }
is_fifo() { [ -p "$1" ]; }
# the names in a folder, hidden ones too, sorted, on one line
names() { (cd "$1" && ls -A | LC_ALL=C sort | tr '\n' ' '); }
one_line() { [ "$(wc -l <"$TMP/$1.err")" = 1 ]; }
err_has() { grep -qF -- "$2" "$TMP/$1.err"; }
# a process id no process has: a child that ended
dead_pid() { sh -c 'exit 0' & local p=$!; wait "$p"; echo "$p"; }
SMALL=(--steps 5 --instances 2 --quiet)

cd "$TMP" || exit 2

# ------------------------------------------------------------------ 1
# run --out DIR where DIR/trace.csv is a FIFO (it used to be replaced by a
# regular file, status 0)
mkdir o1 && mkfifo o1/trace.csv
q f1 run default --out o1 "${SMALL[@]}"
check "run: a FIFO trace.csv: status 2" [ "$(rc_of f1)" = 2 ]
check "run: a FIFO trace.csv: one line naming it" bash -c "[ \$(wc -l <'$TMP/f1.err') = 1 ] && grep -q \"o1/trace.csv' exists and is a FIFO\" '$TMP/f1.err'"
check "run: a FIFO trace.csv: still a FIFO" is_fifo o1/trace.csv
check "run: a FIFO trace.csv: nothing else in the folder" [ "$(names o1)" = "trace.csv " ]

# --out that is a regular file, a FIFO, or under a regular file: status 2,
# nothing created or replaced
echo keep >plain
mkfifo pipe
q f2 run default --out plain "${SMALL[@]}"
check "run --out a regular file: status 2" [ "$(rc_of f2)" = 2 ]
check "run --out a regular file: says it is not a directory" err_has f2 "is a regular file, not a directory"
check "run --out a regular file: left as it was" [ "$(cat plain)" = keep ]
q f3 run default --out pipe "${SMALL[@]}"
check "run --out a FIFO: status 2, still a FIFO" bash -c "[ \$(cat '$TMP/f3.rc') = 2 ] && [ -p '$TMP/pipe' ]"
q f4 run default --out pipe/sub/dir "${SMALL[@]}"
check "run --out under a FIFO: status 2, named" bash -c "[ \$(cat '$TMP/f4.rc') = 2 ] && grep -q \"'pipe' is a FIFO, not a directory\" '$TMP/f4.err'"
check "run --out under a FIFO: nothing created" [ "$(names .)" = "f1.err f1.out f1.rc f2.err f2.out f2.rc f3.err f3.out f3.rc f4.err f4.out f4.rc o1 pipe plain " ]

# reproduce --out R where R/report.md is a FIFO: refused before it runs
# (it used to write the run's files, then fail on report.md)
mkdir r1 && mkfifo r1/report.md
q f5 reproduce liu23-fig1 --quick --instances 2 --out r1 --quiet
check "reproduce: a FIFO report.md: status 2, one line" bash -c "[ \$(cat '$TMP/f5.rc') = 2 ] && [ \$(wc -l <'$TMP/f5.err') = 1 ]"
check "reproduce: a FIFO report.md: named" err_has f5 "r1/report.md' exists and is a FIFO"
check "reproduce: a FIFO report.md: nothing written" [ "$(names r1)" = "report.md " ]
check "reproduce: a FIFO report.md: refused before running (no verdict line)" [ ! -s "$TMP/f5.out" ]

# reproduce all: every figure's folder and README.md checked before the
# first figure runs (it used to run them all, then fail)
mkdir -p ra/README.md
q f6 reproduce all --quick --instances 2 --out ra --quiet
check "reproduce all: README.md a directory: status 2 at once" [ "$(rc_of f6)" = 2 ]
check "reproduce all: README.md a directory: named" err_has f6 "ra/README.md' exists and is a directory"
check "reproduce all: README.md a directory: no figure folder made" [ "$(names ra)" = "README.md " ]
mkdir -p rb/you23-fig6/summary.json
q f7 reproduce all --quick --instances 2 --out rb --quiet
check "reproduce all: one figure's summary.json a directory: status 2 at once" [ "$(rc_of f7)" = 2 ]
check "reproduce all: ... named, nothing else made" bash -c "grep -q 'you23-fig6/summary.json' '$TMP/f7.err' && [ \"\$(ls -A '$TMP/rb')\" = you23-fig6 ] && [ \"\$(ls -A '$TMP/rb/you23-fig6')\" = summary.json ]"

# bench --json: a FIFO, and a link to /dev/null (as root it used to replace
# the system's /dev/null)
mkfifo bj
ln -s /dev/null nulllink
q f8 bench --quick --json bj
check "bench --json a FIFO: status 2, still a FIFO" bash -c "[ \$(cat '$TMP/f8.rc') = 2 ] && [ -p '$TMP/bj' ]"
q f9 bench --quick --json nulllink
check "bench --json a link to /dev/null: status 2, the link and /dev/null kept" \
    bash -c "[ \$(cat '$TMP/f9.rc') = 2 ] && [ -L '$TMP/nulllink' ] && [ -c /dev/null ]"
# circuit export --out a FIFO
q f10 circuit export --out bj
check "circuit --out a FIFO: status 2, one line, still a FIFO" \
    bash -c "[ \$(cat '$TMP/f10.rc') = 2 ] && [ \$(wc -l <'$TMP/f10.err') = 1 ] && [ -p '$TMP/bj' ]"
check "no temporary left beside the refused targets" bash -c "! ls -A '$TMP' '$TMP/o1' '$TMP/r1' | grep -q '\\.tmp\\.'"

# ------------------------------------------------------------------ 2
# an old trace.csv and a directory named summary.json: refused, and the old
# trace.csv is still there (the rollback used to delete it)
mkdir o2 && echo "old results" >o2/trace.csv && mkdir o2/summary.json
q s1 run default --out o2 "${SMALL[@]}"
check "set: a directory summary.json: status 2" [ "$(rc_of s1)" = 2 ]
check "set: the old trace.csv is kept as it was" [ "$(cat o2/trace.csv 2>/dev/null)" = "old results" ]
check "set: nothing else in the folder (no temporary, no figure)" [ "$(names o2)" = "summary.json trace.csv " ]
# ... refused before it computes: no progress line, only the refusal
q s1b run default --out o2 --steps 2000 --instances 2
check "set: refused before the run starts (one line on stderr, no 'point 1/1')" \
    bash -c "[ \$(cat '$TMP/s1b.rc') = 2 ] && [ \$(wc -l <'$TMP/s1b.err') = 1 ] && ! grep -q 'point 1/1' '$TMP/s1b.err'"

# a stale spectra.csv of a Hessian run goes with the next run's files
q s2 run hessian-live --out o3 --steps 6 --instances 1 --quiet
check "set: a Hessian run writes spectra.csv" test -s o3/spectra.csv
q s3 run default --out o3 "${SMALL[@]}"
check "set: the next run without Hessians: status 0" [ "$(rc_of s3)" = 0 ]
check "set: ... and no spectra.csv stays beside its files" [ ! -e o3/spectra.csv ]
check "set: ... its summary.json is the new one" grep -q '"preset": "default"' o3/summary.json

# run --out into a sweep's folder: refused, the sweep's summary untouched
q s4 sweep default --grid L=2,4 --out sw --steps 5 --instances 2 --quiet
if [ "$(rc_of s4)" = 0 ]; then
    cp sw/summary.json sw-summary.json
    q s5 run default --out sw "${SMALL[@]}"
    check "sweep folder: run --out refused with status 2" [ "$(rc_of s5)" = 2 ]
    check "sweep folder: the message names it a sweep's" err_has s5 "is a sweep's directory"
    check "sweep folder: its summary.json untouched" cmp -s sw/summary.json sw-summary.json
    check "sweep folder: no trace.csv written into it" [ ! -e sw/trace.csv ]
    cp sw/points/0000/summary.json sw-p0.json
    q s6 reproduce liu23-fig1 --quick --instances 2 --out sw/points/0000 --quiet
    check "sweep point folder: reproduce --out refused before it runs (status 2, named)" \
        bash -c "[ \$(cat '$TMP/s6.rc') = 2 ] && grep -q 'sweep.json two folders up' '$TMP/s6.err' && [ ! -s '$TMP/s6.out' ]"
    check "sweep point folder: its summary.json untouched" cmp -s sw/points/0000/summary.json sw-p0.json
    q s7 run default --out sw/points/0000 "${SMALL[@]}"
    check "sweep point folder: run --out refused (status 2, named)" \
        bash -c "[ \$(cat '$TMP/s7.rc') = 2 ] && grep -q 'sweep.json two folders up' '$TMP/s7.err'"
    check "sweep point folder: ... its summary.json untouched" cmp -s sw/points/0000/summary.json sw-p0.json
else
    notok "sweep folder: the sweep to test with failed: $(head -c 300 "$TMP/s4.err")"
fi

# ------------------------------------------------------------------ 4
# a preset file whose name is Latin-1, a description and a title that are
# not UTF-8: refused at input (status 2, one line naming it) or kept in
# summary.json (status 0, the key present); never status 0 without the key
cp "$QNNLAB_PRESETS/default.ini" "$TMP/caf$(printf '\351').ini"
sed "s/^description *=.*/description = caf$(printf '\351') au lait/" "$QNNLAB_PRESETS/default.ini" >lat1.ini
utf8_case() { # NAME KEY DESCRIPTION ARGS...
    local n=$1 key=$2 d=$3
    shift 3
    q "$n" run "$@" --out "u_$n" "${SMALL[@]}"
    local rc; rc=$(rc_of "$n")
    if [ "$rc" = 2 ]; then
        check "$d: refused with one line" one_line "$n"
    elif [ "$rc" = 0 ]; then
        check "$d: written, and summary.json keeps the key $key" \
            python3 -c "import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if sys.argv[2] in d or sys.argv[2] in d['parameters'] else 1)" "u_$n/summary.json" "$key"
    else
        notok "$d: status $rc"
    fi
}
utf8_case u1 preset "a Latin-1 preset file name" "$TMP/caf$(printf '\351').ini"
utf8_case u2 description "a Latin-1 description" ./lat1.ini
utf8_case u3 title "a --set title that is not UTF-8" default --set "title=a$(printf '\377')"

# ------------------------------------------------------------------ 5
# a killed run's temporaries (its PID gone) are removed by the next run into
# the folder; a live process's and unrelated names are kept
mkdir o5
dead=$(dead_pid)
echo x >"o5/.trace.csv.tmp.$dead"
echo x >"o5/.summary.json.tmp.$dead.0"
echo x >"o5/.figure.png.old.$dead.2"
echo x >"o5/.trace.csv.tmp.$$"
echo x >"o5/.notes.tmp.$dead"
q k1 run default --out o5 "${SMALL[@]}"
check "stale: the run succeeds" [ "$(rc_of k1)" = 0 ]
check "stale: the dead process's temporaries are gone, the live one's and others kept" \
    [ "$(names o5)" = ".notes.tmp.$dead .trace.csv.tmp.$$ figure.pdf figure.png figure.svg summary.json trace.csv " ]
# a real SIGKILL in the middle of writing cannot be timed; a SIGKILLed run
# before its files leaves its folder, which the next run uses as it is
# (checked above with the names a killed writer leaves)

# an interrupted run into a new nested folder leaves no empty folder
TSAN_OPTIONS="${TSAN_OPTIONS:+$TSAN_OPTIONS:}report_thread_leaks=0" \
    "$QNNLAB" run default --steps 3000000 --instances 1 --out n1/a/b --quiet >"$TMP/k2.out" 2>"$TMP/k2.err" &
BGPID=$!
for _ in $(seq $((100 * SLOW))); do [ -d n1/a/b ] && break; sleep 0.05; done
sleep 0.3
kill -INT "$BGPID"
wait "$BGPID"
echo $? >"$TMP/k2.rc"
BGPID=
check "interrupted run: status 130" [ "$(rc_of k2)" = 130 ]
check "interrupted run: says nothing was written" err_has k2 "interrupted; no output written"
check "interrupted run: the folders it made are gone" [ ! -e n1 ]

# an interrupted `reproduce all` says which figure folders it wrote and
# leaves no empty folder (it used to say "no output written")
# (an interrupted run leaves by _exit at once, by design, with its worker
# threads unjoined: ThreadSanitizer's exit check would call a worker that
# had finished its instances a leaked thread and change the status to 66)
TSAN_OPTIONS="${TSAN_OPTIONS:+$TSAN_OPTIONS:}report_thread_leaks=0" \
    "$QNNLAB" reproduce all --quick --instances 2 --out ri --quiet >"$TMP/k3.out" 2>"$TMP/k3.err" &
BGPID=$!
for _ in $(seq $((600 * SLOW))); do [ -e ri/liu23-fig1/report.md ] && break; sleep 0.05; done
kill -INT "$BGPID"
wait "$BGPID"
echo $? >"$TMP/k3.rc"
BGPID=
check "interrupted reproduce all: status 130" [ "$(rc_of k3)" = 130 ]
check "interrupted reproduce all: names the figure folder written" err_has k3 "ri/liu23-fig1"
check "interrupted reproduce all: does not say nothing was written" bash -c "! grep -q 'no output written' '$TMP/k3.err'"
check "interrupted reproduce all: no empty folder left" bash -c "[ -z \"\$(find '$TMP/ri' -type d -empty)\" ]"
check "interrupted reproduce all: the folder written is complete" test -s ri/liu23-fig1/report.json

# ------------------------------------------------------------------ 18
q t1 run default --out th1 --threads 1 --steps 20 --instances 4 --quiet
q t2 run default --out th2 --threads 2 --steps 20 --instances 4
check "threads: both runs succeed" bash -c "[ \$(cat '$TMP/t1.rc') = 0 ] && [ \$(cat '$TMP/t2.rc') = 0 ]"
check "threads: trace.csv identical at --threads 1 and 2" cmp -s th1/trace.csv th2/trace.csv
check "threads: summary.json identical at --threads 1 and 2" cmp -s th1/summary.json th2/summary.json
check "threads: the count is in the run's log line" err_has t2 "on 2 threads"

# ------------------------------------------------------------------ 17
# three `s` presses in one second: three saved screens (the names used to
# collide within a second, the later file replacing the earlier)
if command -v tmux >/dev/null; then
    mkdir tx
    TSOCK="$TMP/tmux.sock"
    cat >"$TMP/tui.sh" <<EOF
env LC_ALL=C.UTF-8 "$QNNLAB" tui default --export-dir "$TMP/tx" 2>"$TMP/tui.err"
exec sleep 600
EOF
    tmux -S "$TSOCK" -f /dev/null new-session -d -s t -x 120 -y 40 "bash $TMP/tui.sh"
    for _ in $(seq $((100 * SLOW))); do tmux -S "$TSOCK" capture-pane -p -t t | grep -q 'steps/s' && break; sleep 0.1; done
    tmux -S "$TSOCK" send-keys -t t s s s
    for _ in $(seq $((50 * SLOW))); do [ "$(ls tx | grep -c '^qnnlab-screen-.*\.txt$')" -ge 3 ] && break; sleep 0.1; done
    check "tui: three s presses give three screen files" [ "$(ls tx | grep -c '^qnnlab-screen-.*\.txt$')" = 3 ]
    tmux -S "$TSOCK" send-keys -t t q
    sleep 0.3
    tmux -S "$TSOCK" kill-server 2>/dev/null
    TSOCK=
else
    echo "ok - tui: three screen files (skipped: no tmux)"
fi

tap_done
