#!/usr/bin/env bash
# The terminal face end to end inside tmux (send-keys, capture-pane):
#  1. 120x40, UTF-8, colour: four panels in braille; three → keys change
#     eta and the message line says so; Space pauses and the step count
#     stops (and the paused program uses almost no CPU); the pane shrinks to
#     80x24 and the layout follows (tabs); 4 shows the Hessian; a mouse
#     click on a slider's track sets it; E exports (files checked), s saves
#     the screen, ? shows the help; q quits with status 0 and the terminal
#     is restored (termios settings, main screen, cursor, mouse off).
#  2. 80x24 in the C locale: ASCII only; SIGTERM ends it with 143, restored.
#  3. NO_COLOR: no colour escapes; Ctrl+C ends it with 130, restored.
#  4. SIGHUP: 129, restored. A crash (SIGSEGV): the last-resort handler
#     restores the terminal. Smaller than 80x24: a message, q quits.
#  5. (issue 23) 120x40, hessian-live: every panel title whole; p pins the
#     run (a dotted ghost entry in the legends); c shows a long share
#     string in full (the rows of the share screen joined are the string
#     printed on exit); v records an MP4 and v ends it; after growing
#     the window, q leaves no plot
#     fragments on the terminal (nor in its history) and valid UTF-8; the
#     same after the shrinking resize of 1.
# Usage: tui_test.sh path/to/qnnlab
set -euo pipefail
QNNLAB=$1
for t in tmux python3 stty; do
  command -v "$t" >/dev/null || { echo "tui_test: $t is missing (.ci/setup installs it)"; exit 1; }
done
work=$(mktemp -d)
# one tmux server per start (a new server on a socket whose old server is
# still shutting down can fail with "server exited unexpectedly")
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

fail() {
  echo "tui_test: FAIL: $*"
  echo "--- screen:"; T capture-pane -p -t t 2>/dev/null || true
  echo "--- stderr:"; cat "$work"/err*.txt 2>/dev/null || true
  exit 1
}
screen() { T capture-pane -p -t t; }
status_line() { screen | grep -E 'steps/s' | tail -1; }
step_now() { status_line | sed -nE 's/.*step ([0-9]+).*/\1/p'; }
wait_for() {   # pattern [seconds]
  for i in $(seq $(( ${2:-10} * 10 ))); do screen | grep -qE -- "$1" && return 0; sleep 0.1; done
  fail "'$1' did not appear on the screen"
}
# start NAME W H ENV... -- ARGS...: runs qnnlab tui in a new tmux server;
# the runner records the terminal settings before and after, and the status
start() {
  local name=$1 w=$2 h=$3; shift 3
  local envs=() args=()
  while [ "$1" != "--" ]; do envs+=("$1"); shift; done; shift
  args=("$@")
  cat >"$work/run-$name.sh" <<EOF
stty -g >"$work/stty-before-$name"
$(if [ "$name" = noargs ]; then echo "env -u DISPLAY -u WAYLAND_DISPLAY ${envs[*]} \"$QNNLAB\""; else echo "env ${envs[*]} \"$QNNLAB\" tui ${args[*]} --export-dir \"$work\""; fi) 2>"$work/err-$name.txt"
echo \$? >"$work/rc-$name"
stty -g >"$work/stty-after-$name"
exec sleep 600
EOF
  T kill-server 2>/dev/null || true
  sock="$work/tmux-$name.sock"
  rm -f "$work/rc-$name"
  T -f /dev/null new-session -d -s t -x "$w" -y "$h" "bash $work/run-$name.sh"
  T set-option -t t status off
  T set-option -g -t t default-terminal tmux-256color 2>/dev/null || true
  for i in $(seq 50); do pid=$(pgrep -P "$(T display -p -t t '#{pane_pid}')" -f qnnlab || true); [ -n "$pid" ] && break; sleep 0.1; done
  [ -n "$pid" ] || fail "qnnlab did not start ($name)"
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
  screen | grep -q 'steps/s' && fail "$name: the explorer is still on the screen after exit"
  return 0
}
# after exit: nothing of the plots on the terminal or in its history
# (braille, box drawing, blocks, U+FFFD), and the bytes are valid UTF-8
no_debris() {
  T capture-pane -p -S - -t t >"$work/after-$1.txt"
  python3 - "$work/after-$1.txt" <<'EOF' || { cat "$work/after-$1.txt"; fail "$1: debris on the terminal after exit"; }
import sys
t = open(sys.argv[1], 'rb').read().decode('utf-8')   # strict: broken UTF-8 fails
bad = [c for c in t if 0x2500 <= ord(c) <= 0x28ff or c == '\ufffd']
assert not bad, ''.join(bad[:40])
EOF
}

# ---------------------------------------------------------------------- 1
start main 120 40 LC_ALL=C.UTF-8 -- default
wait_for '▶ step [1-9]'
s=$(screen)
for t in 'training error' 'QNTK of each instance' 'entanglement entropy' 'Hessian spectrum'; do
  grep -q "$t" <<<"$s" || fail "grid layout: panel '$t' missing at 120x40"
done
python3 - "$s" <<'EOF' || fail "no braille curve cells at 120x40"
import sys; s = sys.argv[1]
n = sum(1 for c in s if 0x2801 <= ord(c) <= 0x28ff)
assert n > 50, n
EOF
# eta is the focused slider: three fine steps up (x1.1 each)
T send-keys -t t Right Right Right
wait_for 'eta = 0\.002662'
screen | grep -q 'η 0\.00266' || fail "the eta slider does not show 0.00266"
# pause: the step count stops
T send-keys -t t Space
wait_for 'paused: step'
a=$(step_now); sleep 1.2; b=$(step_now)
[ -n "$a" ] && [ "$a" = "$b" ] || fail "paused, but the step went from '$a' to '$b'"
# paused: the loop sleeps (a busy loop would use a whole core)
t0=$(awk '{print $14 + $15}' "/proc/$pid/stat"); sleep 2; t1=$(awk '{print $14 + $15}' "/proc/$pid/stat")
[ $(( t1 - t0 )) -le 20 ] || fail "paused, but qnnlab used $(( t1 - t0 )) ticks of CPU in 2 s"
# resize to 80x24: one panel with tabs
T resize-window -t t -x 80 -y 24
sleep 0.5
s=$(screen)
[ "$(wc -l <<<"$s")" -le 24 ] || fail "more than 24 rows after the resize"
python3 - "$s" <<'EOF' || fail "a row wider than 80 columns after the resize"
import sys, unicodedata
for r in sys.argv[1].split('\n'):
    w = sum(1 for c in r if not unicodedata.combining(c))
    assert w <= 80, (w, r)
EOF
grep -q '1 ε(t)' <<<"$s" && grep -q '4 Hessian' <<<"$s" || fail "no tabs at 80x24"
grep -q 'training error' <<<"$s" || fail "80x24: the error panel is not shown"
grep -q 'Hessian spectrum' <<<"$s" && fail "80x24: more than one panel"
T send-keys -t t 4
wait_for 'Hessian spectrum'
screen | grep -q 'training error' && fail "tab 4 still shows the error panel"
T send-keys -t t 1
wait_for 'training error'
# the mouse: a click at the left end of the eta track sets the slider's minimum
track=$(python3 - "$(screen)" <<'EOF'
import sys
rows = sys.argv[1].split('\n')
for y, r in enumerate(rows):
    i = r.find('η ')
    if i >= 0 and ('━' in r or '─' in r):
        # the eta cell: its track starts after the value text
        seg = r[i:]
        j = min([k for k in (seg.find('━'), seg.find('●'), seg.find('─')) if k >= 0])
        print(i + j, y)
        break
EOF
)
[ -n "$track" ] || fail "no eta slider track on the screen"
set -- $track
# a left press at (x, y) as the terminal reports it (X10 encoding: ESC [ M,
# then 32 + button, 32 + column, 32 + row, 1-based; curses asked for it)
T send-keys -t t -H 1b 5b 4d 20 $(printf '%x %x' $(( $1 + 33 )) $(( $2 + 33 )))
wait_for 'eta = 1e-05' 5
T send-keys -t t Right Right Right    # x1.1^3 from the minimum
wait_for 'eta = 1\.331e-05'
# export: the figures and the data
T send-keys -t t E
wait_for 'exported to' 30
exp=$(ls -d "$work"/qnnlab-2* | tail -1)
[ -d "$exp" ] || fail "no export folder"
for f in error kernel entropy hessian; do
  head -c 8 "$exp/$f.png" | od -An -tx1 | grep -q '89 50 4e 47 0d 0a 1a 0a' || fail "$f.png is not a PNG"
  head -c 5 "$exp/$f.pdf" | grep -q '%PDF-' || fail "$f.pdf is not a PDF"
  python3 -c "import sys, xml.dom.minidom as m; m.parse(sys.argv[1])" "$exp/$f.svg" || fail "$f.svg is not XML"
done
head -1 "$exp/error.csv" | grep -q '^step' || fail "error.csv has no header"
python3 - "$exp/state.json" "$(step_now)" <<'EOF' || fail "state.json does not hold the state on the screen"
import json, sys
d = json.load(open(sys.argv[1]))
assert abs(float(d['params']['eta']) - 1.331e-05) < 1e-12, d['params']['eta']
assert int(d['step']) == int(sys.argv[2]), (d['step'], sys.argv[2])
assert d['share'].startswith('qnnlab:1:'), d['share']
EOF
ls "$work"/.qnnlab* >/dev/null 2>&1 && fail "a temporary export folder was left behind"
# the screen as text
T send-keys -t t s
wait_for 'screen saved to'
grep -q 'training error' "$work"/qnnlab-screen-*.txt || fail "the saved screen lacks the panel"
# help
T send-keys -t t '?'
wait_for 'keys of the terminal explorer'
screen | grep -q 'Space' || fail "the help does not list the keys"
T send-keys -t t End
wait_for 'help texts from'
T send-keys -t t x
wait_for 'steps/s'
# share string: c shows it on a screen of its own (any key closes it, q
# too, as the help), printed on exit
T send-keys -t t c
wait_for 'share string: the state'
T send-keys -t t q
wait_for 'steps/s'
screen | grep -q 'share string (c shows it in full' || fail "no share message after the share screen"
T send-keys -t t q
ended main 0
no_debris main
st=$(T capture-pane -p -J -t t | sed -n 's/.*share: qnnlab gui --state //p')
[ -n "$st" ] || fail "the share string was not printed on exit"
# the share string restores the state: eta, the step, paused
paused_at=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['step'])" "$exp/state.json")
start state 100 30 LC_ALL=C.UTF-8 -- --state "$st"
wait_for 'restored the shared state at step' 20
screen | grep -q 'η 1\.33e-05' || fail "--state: eta is not 1.33e-05"
screen | grep -qE "paused: step [0-9]+" || fail "--state: not paused"
T send-keys -t t q
ended state 0

# ---------------------------------------------------------------------- 2
start ascii 80 24 LC_ALL=C -- default
wait_for 'steps/s'
T capture-pane -p -t t >"$work/ascii.txt"
python3 - "$work/ascii.txt" <<'EOF' || fail "non-ASCII output in the C locale"
import sys
b = open(sys.argv[1], 'rb').read()
bad = [c for c in b if c > 127]
assert not bad, len(bad)
EOF
grep -q '1 eps(t)' "$work/ascii.txt" || fail "ASCII: no tab names"
grep -q 'eta 0.002' "$work/ascii.txt" || fail "ASCII: the eta slider"
grep -qE "[.'|:-]" "$work/ascii.txt" || fail "ASCII: no curve"
kill -TERM "$pid"
ended ascii 143

# ---------------------------------------------------------------------- 3
start mono 100 30 LC_ALL=C.UTF-8 NO_COLOR=1 -- hessian-live
wait_for 'steps/s'
T capture-pane -p -e -t t >"$work/mono.txt"
grep -qE $'\e\\[([0-9;]*;)?(3[0-7]|38;5)[;m]' "$work/mono.txt" && fail "NO_COLOR: colour escapes on the screen"
T send-keys -t t C-c
ended mono 130

# ---------------------------------------------------------------------- 4
start hup 100 30 LC_ALL=C.UTF-8 -- default
wait_for 'steps/s'
T capture-pane -p -e -t t | grep -qE $'\e\\[([0-9;]*;)?(3[0-7]|38;5)[;m]' || fail "colour: no colour escapes (the NO_COLOR check could not fail)"
kill -HUP "$pid"
ended hup 129

start crash 100 30 LC_ALL=C.UTF-8 -- default
wait_for 'steps/s'
kill -SEGV "$pid"
ended crash 139

start small 60 20 LC_ALL=C.UTF-8 -- default
wait_for 'at least 80 x 24'
# grown to 100x30 the explorer comes back; shrunk again, the message
T resize-window -t t -x 100 -y 30
wait_for '▶ step [1-9]'
screen | grep -q 'training error' || fail "after growing to 100x30: no error panel"
T resize-window -t t -x 70 -y 30
wait_for 'at least 80 x 24'
T send-keys -t t q
ended small 0

# the circuit diagram (key d) of model circuit: drawn, scrolled, closed
start circuit 100 30 LC_ALL=C.UTF-8 -- circuit --set layers=12
wait_for 'steps/s'
T send-keys -t t d
wait_for '┤Ry\(θ0\)├'
screen | grep -q 'circuit diagram — hea' || fail "circuit diagram: no title"
screen | grep -qE '^q3 ─' || fail "circuit diagram: no wire q3"
T send-keys -t t End
wait_for "layer 11"
screen | grep -q '┤Ry(θ0)├' && fail "circuit diagram: End did not scroll"
T send-keys -t t Escape
wait_for 'training loss'
screen | grep -q 'circuit diagram —' && fail "circuit diagram: Esc did not close it"
T send-keys -t t d
wait_for 'circuit diagram —'
T send-keys -t t q
ended circuit 0

# ---------------------------------------------------------------------- 5
start titles 120 40 LC_ALL=C.UTF-8 -- hessian-live
wait_for '▶ step [1-9]' 60    # ten instances and an exact Hessian: slow under sanitizers
s=$(screen)
for t in 'training error — random, R = 10' 'kernel eigenvalues now' 'smallest kernel eigenvalue λ_min(t)' \
         'entanglement entropy of the visible qubits' 'Hessian spectrum of the loss'; do
  grep -qF "$t" <<<"$s" || fail "120x40: the panel title '$t' is not shown whole"
done
# the title rows (the first of each row of panels) have nothing cut
for r in 2 $(grep -n 'entanglement entropy' <<<"$s" | cut -d: -f1); do
  sed -n "${r}p" <<<"$s" | grep -q '…' && fail "120x40: a cut title on row $r: $(sed -n "${r}p" <<<"$s")"
done
# p: the run pinned, a dotted ghost entry in the legends
T send-keys -t t p
wait_for 'pinned run 1'
wait_for '┈┈ '
# changes at several steps make a share string longer than a row
for i in 1 2 3 4 5 6 7 8; do T send-keys -t t Right; sleep 0.3; done
T send-keys -t t c
wait_for 'share string: the state'
screen >"$work/share-screen.txt"
python3 - "$work/share-screen.txt" "$work/share-shown.txt" <<'EOF' || fail "the share screen does not show the string whole"
import re, sys
rows = open(sys.argv[1], encoding='utf-8').read().split('\n')
i = next(k for k, r in enumerate(rows) if r.startswith('qnnlab:'))
parts = []
for r in rows[i:]:
    if not r or r.startswith(' '):
        break
    parts.append(r)
shown = ''.join(parts)
n = int(re.search(r' (\d+) characters', '\n'.join(rows)).group(1))
assert len(shown) == n > 120, (len(shown), n)
open(sys.argv[2], 'w').write(shown)
EOF
T send-keys -t t x
wait_for 'steps/s'
# v records the dashboard to MP4 (drawn with cairo, not the terminal's
# cells), v again ends it: the header counts the frames, the file is an MP4
T send-keys -t t v
wait_for '● REC [0-9]+ frames' 30
sleep 1
T send-keys -t t v
wait_for 'recorded .*\.mp4: [1-9][0-9]* frame' 30
mp4=$(ls "$work"/qnnlab-*.mp4 | tail -1)
[ "$(head -c 8 "$mp4" | tail -c 4)" = ftyp ] || fail "the recording $mp4 is not an MP4"
# grown, then q: no debris
T resize-window -t t -x 160 -y 50
sleep 0.5
wait_for '▶ step'
T send-keys -t t q
ended titles 0
st=$(T capture-pane -p -J -t t | sed -n 's/.*share: qnnlab gui --state //p')
[ "$st" = "$(cat "$work/share-shown.txt")" ] || fail "the share screen showed '$(cat "$work/share-shown.txt")', exit printed '$st'"
no_debris titles

# `qnnlab` alone without a display, in a terminal: the terminal face
start noargs 100 30 LC_ALL=C.UTF-8 --
wait_for '▶ step [1-9]'
screen | grep -q 'qnnlab · default' || fail "qnnlab without arguments did not open the default preset in the terminal"
T send-keys -t t q
ended noargs 0

echo "tui_test: all checks passed"
