#!/usr/bin/env bash
# The guided tour end to end (assets/tour.ini).
#   tour_test.sh tui QNNLAB: `qnnlab tour` without a display, inside tmux:
#     step 1's box and title; > shows step 2 (header: the tour step and the
#     preset); > loads another preset; < comes back; a slider key still
#     changes a value; i hides the box; at 80x24 the box takes the panel's
#     place (i: in brief beside the panel; nothing wider than 80); q quits
#     with 0 and the terminal restored. The C locale: ASCII only. Refusals
#     (a step out of range, a malformed tour file) exit with 2 and one line
#     before anything is drawn.
#   tour_test.sh gui QNNLAB: `qnnlab tour` under Xvfb: the window appears
#     on step 1 (its title names the step); > and < go next and back (the
#     title, and state.json of an export: the tour step, the preset, the
#     step's overrides); a slider key still works; S saves a screenshot; q
#     quits with 0.
set -euo pipefail
face=$1
QNNLAB=$2
work=$(mktemp -d)
export OPENBLAS_NUM_THREADS=1
here=$(cd "$(dirname "$0")" && pwd)
ntour=$(grep -c '^\[step\]' "$here/../assets/tour.ini")
title() { awk -v k="$1" '/^\[step\]/{n++} n==k && /^title = /{sub(/^title = /,""); print; exit}' "$here/../assets/tour.ini"; }
preset() { awk -v k="$1" '/^\[step\]/{n++} n==k && /^preset = /{sub(/^preset = /,""); print; exit}' "$here/../assets/tour.ini"; }

if [ "$face" = tui ]; then
  for t in tmux python3 stty; do
    command -v "$t" >/dev/null || { echo "tour_test: $t is missing (.ci/setup installs it)"; exit 1; }
  done
  # one tmux server per start (a new server on the socket of one still
  # shutting down can fail with "server exited unexpectedly")
  sock="$work/tmux-none.sock"
  T() { tmux -S "$sock" "$@"; }
  cleanup() {
    for s in "$work"/tmux-*.sock; do
      if [ -S "$s" ]; then tmux -S "$s" kill-server 2>/dev/null || true; fi
    done
    rm -rf "$work"
  }
  trap cleanup EXIT
  fail() {
    echo "tour_test tui: FAIL: $*"
    echo "--- screen:"; T capture-pane -p -t t 2>/dev/null || true
    echo "--- stderr:"; cat "$work"/err*.txt 2>/dev/null || true
    exit 1
  }
  screen() { T capture-pane -p -t t; }
  wait_for() {   # pattern [seconds]
    for i in $(seq $(( ${2:-10} * 10 ))); do screen | grep -qF -- "$1" && return 0; sleep 0.1; done
    fail "'$1' did not appear on the screen"
  }
  wait_gone() {
    for i in $(seq $(( ${2:-10} * 10 ))); do screen | grep -qF -- "$1" || return 0; sleep 0.1; done
    fail "'$1' is still on the screen"
  }
  # refusals: exit 2, one line naming what is allowed, before a terminal is used
  rc=0; env -u DISPLAY "$QNNLAB" tour --tour-step 99 >/dev/null 2>"$work/e1" </dev/null || rc=$?
  [ "$rc" = 2 ] || fail "--tour-step 99: exit $rc, want 2"
  grep -q "tour-step: value '99' is out of range; allowed: 1 .. $ntour" "$work/e1" || fail "--tour-step 99: $(cat "$work/e1")"
  printf '[step]\ntitle = x\npreset = default\nwobble = 3\ntext = t\ntry = y\n' >"$work/bad.ini"
  rc=0; env -u DISPLAY "$QNNLAB" tui --tour-file "$work/bad.ini" >/dev/null 2>"$work/e2" </dev/null || rc=$?
  [ "$rc" = 2 ] || fail "malformed tour file: exit $rc, want 2"
  grep -q "tour file '$work/bad.ini', line 4: key 'wobble'.*allowed: title, preset" "$work/e2" || fail "malformed: $(cat "$work/e2")"
  printf '[step]\ntitle = x\npreset = nope\ntext = t\ntry = y\n' >"$work/bad2.ini"
  rc=0; env -u DISPLAY "$QNNLAB" tour --tour-file "$work/bad2.ini" >/dev/null 2>"$work/e3" </dev/null || rc=$?
  [ "$rc" = 2 ] || fail "unknown preset: exit $rc, want 2"
  grep -q "line 3.*key 'preset': value 'nope'.*allowed" "$work/e3" || fail "unknown preset: $(cat "$work/e3")"
  : >"$work/empty.ini"
  rc=0; QNNLAB_ASSETS=$work env -u DISPLAY "$QNNLAB" tour >/dev/null 2>"$work/e4" </dev/null || rc=$?
  [ "$rc" = 2 ] || fail "no tour.ini in QNNLAB_ASSETS: exit $rc, want 2"
  grep -q "tour file '$work/tour.ini' cannot be read; allowed" "$work/e4" || fail "QNNLAB_ASSETS: $(cat "$work/e4")"
  cp "$work/empty.ini" "$work/tour.ini"
  rc=0; QNNLAB_ASSETS=$work env -u DISPLAY "$QNNLAB" tour >/dev/null 2>"$work/e5" </dev/null || rc=$?
  [ "$rc" = 2 ] && grep -q "no \[step\] section.*allowed" "$work/e5" || fail "empty tour.ini: exit $rc, $(cat "$work/e5")"

  # run NAME W H ENV... -- ARGS: qnnlab in a fresh tmux server
  run() {
    local name=$1 w=$2 h=$3; shift 3
    local envs=()
    while [ "$1" != "--" ]; do envs+=("$1"); shift; done; shift
    cat >"$work/run-$name.sh" <<EOF
stty -g >"$work/stty-before-$name"
env -u DISPLAY -u WAYLAND_DISPLAY ${envs[*]} "$QNNLAB" $* --export-dir "$work" 2>"$work/err-$name.txt"
echo \$? >"$work/rc-$name"
stty -g >"$work/stty-after-$name"
exec sleep 600
EOF
    T kill-server 2>/dev/null || true
    sock="$work/tmux-$name.sock"
    T -f /dev/null new-session -d -s t -x "$w" -y "$h" "bash $work/run-$name.sh"
    T set-option -t t status off
  }
  ended() {
    local name=$1
    for i in $(seq 100); do [ -s "$work/rc-$name" ] && break; sleep 0.1; done
    [ "$(cat "$work/rc-$name" 2>/dev/null)" = 0 ] || fail "$name: exit status $(cat "$work/rc-$name" 2>/dev/null), want 0"
    for i in $(seq 20); do [ -s "$work/stty-after-$name" ] && break; sleep 0.1; done
    cmp -s "$work/stty-before-$name" "$work/stty-after-$name" || fail "$name: terminal settings not restored"
    local flags; flags=$(T display -p -t t '#{alternate_on} #{cursor_flag} #{mouse_any_flag} #{keypad_flag}')
    [ "$flags" = "0 1 0 0" ] || fail "$name: terminal state after exit = $flags, want 0 1 0 0"
  }

  run main 120 40 LC_ALL=C.UTF-8 -- tour
  wait_for "Tour 1/$ntour: $(title 1)" 15
  wait_for "tour 1/$ntour · $(preset 1)"
  screen | grep -q 'Try:' || fail "step 1: no Try line"
  T send-keys -t t '>'
  wait_for "Tour 2/$ntour: $(title 2)"
  wait_for "tour 2/$ntour · $(preset 2)"
  T send-keys -t t '>'
  wait_for "Tour 3/$ntour: $(title 3)"
  wait_for "tour 3/$ntour · $(preset 3)"
  [ "$(preset 3)" != "$(preset 2)" ] || fail "steps 2 and 3 load the same preset: the test needs two"
  T send-keys -t t '<'
  wait_for "tour 2/$ntour · $(preset 2)"
  wait_for "Tour 2/$ntour: $(title 2)"
  # step 2 focuses L (16): a slider key still works
  T send-keys -t t Right
  wait_for 'L = 17'
  screen | grep -q 'L 17' || fail "the L slider does not show 17"
  # i hides the box, i shows it again
  T send-keys -t t i
  wait_gone "Tour 2/$ntour:"
  screen | grep -q "tour 2/$ntour" || fail "the header lost the tour step"
  T send-keys -t t i
  wait_for "Tour 2/$ntour:"
  # 80x24: the box in place of the panel, then in brief beside it
  T resize-window -t t -x 80 -y 24
  sleep 0.5
  wait_for 'Try:'
  s=$(screen)
  python3 - "$s" <<'EOF' || fail "a row wider than 80 columns at 80x24"
import sys, unicodedata
for r in sys.argv[1].split('\n'):
    assert sum(1 for c in r if not unicodedata.combining(c)) <= 80, r
EOF
  grep -q 'training error' <<<"$s" && fail "80x24: the panel and the full box at once"
  T send-keys -t t i
  wait_for 'training error'
  screen | grep -q 'Try:' || fail "80x24, brief: no Try line"
  T send-keys -t t i
  wait_gone 'Try:'
  T send-keys -t t q
  ended main

  # the C locale at 80x24, from step 7 of `qnnlab tui --tour`
  run ascii 80 24 LC_ALL=C -- tui --tour --tour-step 7
  wait_for "Tour 7/$ntour" 15
  wait_for 'Try:'
  T capture-pane -p -t t >"$work/ascii.txt"
  python3 - "$work/ascii.txt" <<'EOF' || fail "non-ASCII output in the C locale"
import sys
assert all(c < 128 for c in open(sys.argv[1], 'rb').read())
EOF
  T send-keys -t t q
  ended ascii
  echo "tour_test tui: all checks passed ($ntour steps)"
  exit 0
fi

# ---------------------------------------------------------------------- gui
for t in Xvfb xdotool python3; do
  command -v "$t" >/dev/null || { echo "tour_test: $t is missing (.ci/setup installs it)"; exit 1; }
done
. "$here/xvfb.sh"
cleanup() {
  [ -n "${app:-}" ] && kill "$app" 2>/dev/null || true
  xvfb_stop
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "tour_test gui: FAIL: $*"
  cat "$work/out.txt" "$work/err.txt" 2>/dev/null
  echo "--- Xvfb on ${DISPLAY:-?}:"; cat "$work/xvfb.log" 2>/dev/null
  exit 1
}
xvfb_start "$work" || fail "Xvfb did not start (30 s)"
rc=0; "$QNNLAB" gui --tour --tour-step 0 >/dev/null 2>"$work/e1" || rc=$?
[ "$rc" = 2 ] && grep -q "allowed: 1 .. $ntour" "$work/e1" || fail "--tour-step 0: exit $rc, $(cat "$work/e1")"

"$QNNLAB" tour --size 1280x800 --export-dir "$work" >"$work/out.txt" 2>"$work/err.txt" &
app=$!
rc=0; xvfb_window "$app" '^qnnlab — tour' 60 || rc=$?   # 60 s on a loaded machine
[ "$rc" = 2 ] && fail "qnnlab tour exited before its window appeared"
[ -n "$W" ] || fail "no window appeared"
name() { xdotool getwindowname "$W"; }
wait_name() {
  for i in $(seq 100); do
    # a window that went away (SDL may replace its first window on a slow,
    # loaded machine): find the process's window again
    xdotool getwindowname "$W" >/dev/null 2>&1 || xvfb_window "$app" '^qnnlab — tour' 5 || true
    name 2>/dev/null | grep -qF -- "$1" && return 0
    sleep 0.1
  done
  fail "window title '$(name)', want '$1'"
}
exports() { ls -d "$work"/qnnlab-2* 2>/dev/null | sort; }
export_state() {   # E, then the new folder's state.json
  local n; n=$(exports | wc -l)
  sleep 1.1
  xdotool key --window "$W" E
  for i in $(seq 100); do [ "$(exports | wc -l)" -gt "$n" ] && break; sleep 0.1; done
  [ "$(exports | wc -l)" -gt "$n" ] || fail "the export did not appear"
  echo "$(exports | tail -1)/state.json"
}
json() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))" "$1" "$2"; }
wait_name "tour 1/$ntour: $(title 1)"
sleep 1
xdotool key --window "$W" greater
wait_name "tour 2/$ntour: $(title 2)"
j=$(export_state)
[ "$(json "$j" "d['tour']['step']")" = 2 ] || fail "state.json: tour step $(json "$j" "d['tour']")"
[ "$(json "$j" "d['preset']")" = "$(preset 2)" ] || fail "state.json: preset $(json "$j" "d['preset']")"
[ "$(json "$j" "d['params']['L']")" = 16 ] || fail "step 2: L = $(json "$j" "d['params']['L']"), want 16"
xdotool key --window "$W" greater
wait_name "tour 3/$ntour: $(title 3)"
j=$(export_state)
[ "$(json "$j" "d['preset']")" = "$(preset 3)" ] || fail "step 3: preset $(json "$j" "d['preset']")"
python3 -c "import sys; assert float(sys.argv[1]) == 0.005" "$(json "$j" "d['params']['sigma_theta']")" || fail "step 3: sigma_theta"
xdotool key --window "$W" less
wait_name "tour 2/$ntour"
# the focused slider (L) still moves
xdotool key --window "$W" Right
sleep 0.5
j=$(export_state)
[ "$(json "$j" "d['params']['L']")" = 17 ] || fail "after Right: L = $(json "$j" "d['params']['L']"), want 17"
[ "$(json "$j" "d['tour']['shown']")" = True ] || fail "the tour box is not shown"
xdotool key --window "$W" i
sleep 0.3
j=$(export_state)
[ "$(json "$j" "d['tour']['shown']")" = False ] || fail "i did not hide the tour box"
xdotool key --window "$W" i S
sleep 1
ls "$work"/qnnlab-screenshot-*.png >/dev/null 2>&1 || fail "no screenshot"
xdotool key --window "$W" q 2>/dev/null || true
# the window is gone before xdotool sends the release, and the server
# (-noreset) would keep q down for the next window (SDL replays held keys
# when a window gains focus): release it
xdotool keyup q 2>/dev/null || true
for i in $(seq 100); do kill -0 "$app" 2>/dev/null || break; sleep 0.1; done
rc=0; wait "$app" || rc=$?
app=
[ "$rc" = 0 ] || fail "exit status $rc"
echo "tour_test gui: all checks passed ($ntour steps)"
