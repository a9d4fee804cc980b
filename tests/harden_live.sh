#!/usr/bin/env bash
# Issue 22 (hardening, round two): regression cases (live). Usage: harden_live.sh QNNLAB PRESETS [MPIRUN]
# The terminal face in tmux (as tests/tui_test.sh drives it):
#  6. quitting does not wait for uninterruptible work: `q` while the worker
#     is inside an exact Hessian of L = 1024 parameters (~30 s of work), and
#     with the issue's state (L = 4096: the build, the replay, the Hessian),
#     ends the program within seconds (the goal is 100 ms; the bound is
#     generous for a loaded machine and the sanitizers), status 0.
#  8. Ctrl+\ (SIGQUIT) and the other signals that end a process by default
#     (here SIGUSR1) put the terminal back (termios, main screen, cursor,
#     mouse and keypad modes) and keep the status 128 + signo (131, 138).
set -euo pipefail
QNNLAB=$1
command -v tmux >/dev/null || { echo "harden_live: tmux is missing (.ci/setup installs it)"; exit 1; }
work=$(mktemp -d)
sock="$work/tmux-none.sock"
T() { tmux -S "$sock" "$@"; }
cleanup() {
  for s in "$work"/tmux-*.sock; do
    if [ -S "$s" ]; then tmux -S "$s" kill-server 2>/dev/null || true; fi
  done
  rm -rf "$work"
}
trap cleanup EXIT
export OPENBLAS_NUM_THREADS=1
ulimit -c 0   # SIGQUIT makes a core by default
# a quit is answered within 100 ms on a quiet machine; 5 s (30 s under the
# sanitizers) leaves room for a loaded one, far below the 30 s and more it
# took before
bound=5
[ -n "${QNN_SANITIZED:-}" ] && bound=30

fail() {
  echo "harden_live: FAIL: $*"
  echo "--- screen:"; T capture-pane -p -t t 2>/dev/null || true
  echo "--- stderr:"; cat "$work"/err*.txt 2>/dev/null || true
  exit 1
}
screen() { T capture-pane -p -t t; }
wait_for() {   # pattern [seconds]
  for i in $(seq $(( ${2:-20} * 10 ))); do screen | grep -qE -- "$1" && return 0; sleep 0.1; done
  fail "'$1' did not appear on the screen"
}
now() { date +%s.%N; }
# start NAME ARGS...: qnnlab tui ARGS in a new tmux server (120x40, UTF-8);
# the runner records the terminal settings before and after, and the status
start() {
  local name=$1; shift
  local args=""
  for a in "$@"; do args+=" '$a'"; done
  cat >"$work/run-$name.sh" <<EOF
cd "$work"
ulimit -c 0
${pre:-}
stty -g >"$work/stty-before-$name"
env LC_ALL=C.UTF-8 "$QNNLAB" tui$args --export-dir "$work" 2>"$work/err-$name.txt"
echo \$? >"$work/rc-$name"
stty -g >"$work/stty-after-$name"
exec sleep 600
EOF
  T kill-server 2>/dev/null || true
  sock="$work/tmux-$name.sock"
  T -f /dev/null new-session -d -s t -x 120 -y 40 "bash $work/run-$name.sh"
  T set-option -t t status off
  T set-option -g -t t default-terminal tmux-256color 2>/dev/null || true
  pid=
  for i in $(seq 100); do pid=$(pgrep -P "$(T display -p -t t '#{pane_pid}')" -f qnnlab || true); [ -n "$pid" ] && break; sleep 0.1; done
  [ -n "$pid" ] || fail "qnnlab did not start ($name)"
}
# exit_time NAME LIMIT T0: took = seconds from T0 until the program of
# NAME ended (at most LIMIT)
exit_time() {
  local name=$1 limit=$2 t0=$3
  for i in $(seq $(( limit * 20 ))); do [ -s "$work/rc-$name" ] && break; sleep 0.05; done
  [ -s "$work/rc-$name" ] || fail "$name: qnnlab still runs $limit s after it was asked to quit"
  took=$(python3 -c "import sys; print('%.2f' % (float(sys.argv[2]) - float(sys.argv[1])))" "$t0" "$(now)")
}
# the program ended with status $2 and left the terminal as it found it
ended() {
  local name=$1 want=$2
  for i in $(seq 100); do [ -s "$work/rc-$name" ] && break; sleep 0.1; done
  [ -s "$work/rc-$name" ] || fail "$name: qnnlab did not exit"
  local rc; rc=$(cat "$work/rc-$name")
  [ "$rc" = "$want" ] || fail "$name: exit status $rc, want $want"
  for i in $(seq 20); do [ -s "$work/stty-after-$name" ] && break; sleep 0.1; done
  cmp -s "$work/stty-before-$name" "$work/stty-after-$name" || fail "$name: terminal settings not restored"
  local flags; flags=$(T display -p -t t '#{alternate_on} #{cursor_flag} #{mouse_any_flag} #{keypad_flag}')
  [ "$flags" = "0 1 0 0" ] || fail "$name: terminal state after exit (alternate cursor mouse keypad) = $flags, want 0 1 0 0"
  return 0
}

# ---------------------------------------------------------------- 6 (a)
# paused at step 0 after the replay; playing computes the step-0 Hessian
# (2048 Jacobians of 1024 gates and a 1024 x 1024 eigenproblem: ~30 s)
start hess --state 'qnnlab:1:hessian-live,L=1024,@0'
wait_for 'paused: step 0' $(( bound * 6 ))
T send-keys -t t Space
sleep 1.5
screen | grep -qE ' step 0 ' || fail "hess: the step-0 Hessian ended within 1.5 s (the case needs a long one)"
t0=$(now)
T send-keys -t t q
exit_time hess 60 "$t0"
echo "harden_live: q inside an exact Hessian (L = 1024): exit after $took s"
ended hess 0
python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) < float(sys.argv[2]) else 1)" "$took" "$bound" ||
  fail "hess: q took $took s to end the program (bound $bound s)"

# ---------------------------------------------------------------- 6 (b)
# the issue's state: L = 4096 (a build of 4096 Haar entanglers, the
# replay to step 3 with the step-0 Hessian: minutes); q while that runs
start big --state 'qnnlab:1:hessian-live,hessian=exact,L=4096,@3'
wait_for '10 inst' $(( bound * 12 ))   # built: the replay's step-0 Hessian runs
sleep 1
t0=$(now)
T send-keys -t t q
exit_time big 60 "$t0"
echo "harden_live: q during the replay's Hessian (L = 4096): exit after $took s"
ended big 0
python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) < float(sys.argv[2]) else 1)" "$took" "$bound" ||
  fail "big: q took $took s to end the program (bound $bound s)"

# ------------------------------------------------------------------- 8
# Ctrl+\ sends SIGQUIT (cbreak keeps ISIG): terminal back, status 131
start quit default
wait_for '▶ step [1-9]'
T send-keys -t t 'C-\'
ended quit 131
# a signal that ends the process by default (SIGUSR1): the same, 138
start usr1 default
wait_for '▶ step [1-9]'
kill -USR1 "$pid"
ended usr1 138
# one the process ignores stays ignored (as under nohup): SIGUSR2 under
# `trap '' USR2` does not end the face; q still does
pre="trap '' USR2"
start usr2 default
pre=
wait_for '▶ step [1-9]'
kill -USR2 "$pid"
sleep 0.5
[ -s "$work/rc-usr2" ] && fail "usr2: an ignored SIGUSR2 ended the face (status $(cat "$work/rc-usr2"))"
T send-keys -t t q
ended usr2 0

# ------------------------------------------------------------ window
# the same in the window face (under Xvfb, keys by xdotool): q during the
# replay to step 1 of L = 1024 (its step-0 Hessian, ~30 s) ends it within
# the bound, status 0; SIGTERM during it gives 143 as promptly; SIGQUIT
# gives 131
if command -v Xvfb >/dev/null && command -v xdotool >/dev/null; then
  . "$(dirname "$0")/xvfb.sh"
  gcleanup() { [ -n "${app:-}" ] && kill "$app" 2>/dev/null || true; xvfb_stop; cleanup; }
  trap gcleanup EXIT
  xvfb_start "$work" || fail "Xvfb did not start (30 s)"
  # gui: starts the window, 8 s into the replay (the build of 1024
  # entanglers takes ~1 s quiet, seconds on a loaded machine, and the
  # step-0 Hessian ~30 s: q lands in the Hessian); sets app and W
  gui() {
    # (a background job of a script starts with SIGINT and SIGQUIT ignored)
    # no leak check for the window (as for ctest gui, tests/CMakeLists.txt:
    # SDL's X11 and D-Bus back ends keep allocations LeakSanitizer cannot
    # name); address and undefined-behaviour checks stay on
    env --default-signal=INT,QUIT ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" "$QNNLAB" gui --state 'qnnlab:1:hessian-live,L=1024,@1' --size 1024x700 --export-dir "$work" \
      >"$work/gout.txt" 2>"$work/err-gui.txt" &
    app=$!
    local rc=0; xvfb_window "$app" '^qnnlab' 60 || rc=$?
    [ "$rc" = 0 ] && [ -n "$W" ] || fail "gui: no window appeared (status $rc)"
    sleep 8
  }
  # gone LIMIT T0: the window's process ended within LIMIT s; sets took, rc
  gone() {
    for i in $(seq $(( $1 * 20 ))); do kill -0 "$app" 2>/dev/null || break; sleep 0.05; done
    kill -0 "$app" 2>/dev/null && fail "gui: still running $1 s after it was asked to quit"
    took=$(python3 -c "import sys; print('%.2f' % (float(sys.argv[2]) - float(sys.argv[1])))" "$2" "$(now)")
    rc=0; wait "$app" || rc=$?
    app=
  }
  gui
  t0=$(now)
  xdotool key --window "$W" q 2>/dev/null || true
  xdotool keyup q 2>/dev/null || true
  gone 60 "$t0"
  echo "harden_live: gui: q during the replay's Hessian (L = 1024): exit after $took s"
  [ "$rc" = 0 ] || fail "gui: q gave status $rc, want 0"
  python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) < float(sys.argv[2]) else 1)" "$took" "$bound" ||
    fail "gui: q took $took s to end the program (bound $bound s)"
  gui
  t0=$(now)
  kill -TERM "$app"
  gone 60 "$t0"
  echo "harden_live: gui: SIGTERM during the replay's Hessian: exit after $took s"
  [ "$rc" = 143 ] || fail "gui: SIGTERM gave status $rc, want 143"
  python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) < float(sys.argv[2]) else 1)" "$took" "$bound" ||
    fail "gui: SIGTERM took $took s to end the program (bound $bound s)"
  gui
  kill -QUIT "$app"
  gone 30 "$(now)"
  [ "$rc" = 131 ] || fail "gui: SIGQUIT gave status $rc, want 131"
else
  echo "harden_live: Xvfb or xdotool missing: the window cases are skipped"
fi

echo "harden_live: all cases pass"
