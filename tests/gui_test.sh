#!/usr/bin/env bash
# The window end to end under Xvfb, driven by xdotool: keys change eta,
# pause, export, screenshot and copy the share string; the mouse sets eta
# on its slider and picks a model; then quit with exit status 0. Exported
# files are checked (PNG signature, SVG parses as XML, PDF header, JSON).
# Usage: gui_test.sh path/to/qnnlab
set -euo pipefail
QNNLAB=$1
for t in Xvfb xdotool python3; do
  command -v "$t" >/dev/null || { echo "gui_test: $t is missing (.ci/setup installs it)"; exit 1; }
done
work=$(mktemp -d)
. "$(dirname "$0")/xvfb.sh"
cleanup() {
  [ -n "${app:-}" ] && kill "$app" 2>/dev/null || true
  xvfb_stop
  rm -rf "$work"
}
trap cleanup EXIT

xvfb_start "$work" || { echo "gui_test: FAIL: Xvfb did not start (30 s)"; cat "$work/xvfb.log"; exit 1; }

fail() {
  echo "gui_test: FAIL: $*"
  cat "$work/out.txt" "$work/err.txt" 2>/dev/null
  echo "--- Xvfb on $DISPLAY:"; cat "$work/xvfb.log" 2>/dev/null
  echo "--- windows:"; xdotool search --name . getwindowname %@ 2>/dev/null | head -20 || true
  echo "--- processes:"; ps -o pid,stat,etime,args -C qnnlab -C Xvfb 2>/dev/null || true
  exit 1
}

export OPENBLAS_NUM_THREADS=1
"$QNNLAB" gui default --size 1280x800 --export-dir "$work" >"$work/out.txt" 2>"$work/err.txt" &
app=$!
rc=0; xvfb_window "$app" '^qnnlab' 30 || rc=$?
[ "$rc" = 2 ] && fail "qnnlab gui exited before its window appeared"
[ -n "$W" ] || fail "no window appeared"
sleep 1
# a key to the window; a window that went away (see xvfb_window) is found
# again and the keys go to it
key() {
  xdotool key --window "$W" "$@" 2>/dev/null && return 0
  xvfb_window "$app" '^qnnlab' 10 || fail "the window went away"
  xdotool key --window "$W" "$@"
}
exports() { ls -d "$work"/qnnlab-2* 2>/dev/null | sort; }
last_export() { exports | tail -1; }
json() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))" "$1/state.json" "$2"; }
wait_exports() { for i in $(seq 200); do [ "$(exports | wc -l)" -ge "$1" ] && return 0; sleep 0.1; done; fail "export $1 did not appear"; }

# the window answers keys: a first export. Keys sent before the window's
# first frames can be lost, and under ThreadSanitizer on a busy machine the
# start takes seconds (three Rights were lost once, the E after them not)
key E; wait_exports 1

# 1. keys: eta is the focused slider; three fine steps up (x1.1 each)
key Right Right Right
sleep 1.1   # and a new second for the export folder's name
key E; wait_exports 2
e1=$(last_export)
eta=$(json "$e1" "d['params']['eta']")
python3 -c "import sys; assert abs(float('$eta') - 0.002*1.1**3) < 1e-9, '$eta'" || fail "eta after 3 x Right is $eta, want 0.002662"
# the marker names the change: "η 0.002 → 0.002662" (or "eta = ...")
[ "$(json "$e1" "d['changes'][-1]['change'].split()[0] in ('eta', '\\u03b7')")" = True ] ||
  fail "the eta change is not marked: $(json "$e1" "d['changes'][-1]['change']")"

# 2. pause: the step count stops
key space
sleep 0.5
sleep 1.1   # a second export folder needs a new second in its name (or gets -2)
key E; wait_exports 3
e2=$(last_export)
sleep 1.1
key E; wait_exports 4
e3=$(last_export)
s2=$(json "$e2" "d['step']"); s3=$(json "$e3" "d['step']")
[ "$s2" -gt 0 ] || fail "no steps were taken"
[ "$s2" = "$s3" ] || fail "paused, but the step went from $s2 to $s3"

# 3. mouse: click a quarter along the eta track, then the 'periodic' model
#    button (positions from ui/live/dash.c's layout at 1280x800, scale 1:
#    6 slider columns of 212.3 from x = 6, rows of 46 from y = 602, the
#    eta track from x = 226.3, 190.3 wide, at y = 626..640; model buttons
#    159.25 wide at y = 732..762)
xdotool mousemove --window "$W" 274 633 click 1
sleep 0.3
xdotool mousemove --window "$W" 240 747 click 1
sleep 1.5
key E; wait_exports 5
e4=$(last_export)
eta=$(json "$e4" "d['params']['eta']")
python3 -c "import sys; v=float('$eta'); assert 1.5e-4 < v < 2.1e-4, v" || fail "eta after the click is $eta, want about 1.78e-4"
[ "$(json "$e4" "d['params']['model']")" = periodic ] || fail "the model button did not switch to periodic"

# 4. screenshot, share string, quit
key S
key c
sleep 0.5
# (the window closes on key-down: the key-up finds no window)
xdotool key --window "$W" q 2>/dev/null || true
# the window is gone before xdotool sends the release, and the server
# (-noreset) would keep q down for the next window (SDL replays held keys
# when a window gains focus): release it
xdotool keyup q 2>/dev/null || true
for i in $(seq 100); do kill -0 "$app" 2>/dev/null || break; sleep 0.1; done
rc=0
wait "$app" || rc=$?
app=
[ "$rc" = 0 ] || fail "exit status $rc"

# 5. the files
shot=$(ls "$work"/qnnlab-screenshot-*.png | head -1)
[ "$(head -c 8 "$shot" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] || fail "screenshot is not a PNG"
for k in error kernel entropy hessian; do
  [ "$(head -c 8 "$e4/$k.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] || fail "$k.png is not a PNG"
  python3 -c "import xml.etree.ElementTree as E,sys; E.parse(sys.argv[1])" "$e4/$k.svg" || fail "$k.svg does not parse"
  [ "$(head -c 5 "$e4/$k.pdf")" = "%PDF-" ] || fail "$k.pdf has no PDF header"
done
for f in error.csv kernel_t.csv kernel_now.csv entropy.csv hessian.csv dashboard.png; do
  [ -s "$e4/$f" ] || fail "$f is missing"
done
grep -q '^share: qnnlab gui --state qnnlab:1:default,' "$work/out.txt" || fail "no share string on stdout"
! ls -a "$work" | grep -q '\.tmp' || fail "a temporary file was left behind"
# 6. signals: SIGINT, SIGTERM, SIGHUP close the window; the status is
#    128 + the signal and says so (SDL's own handlers would exit with 0)
for sig in INT TERM HUP; do
  "$QNNLAB" gui default --size 800x600 --export-dir "$work" >"$work/out-$sig.txt" 2>"$work/err-$sig.txt" &
  app=$!
  xvfb_window "$app" '^qnnlab' 30 || fail "SIG$sig: no window appeared"
  sleep 0.5
  kill -"$sig" "$app" || { rc=0; wait "$app" || rc=$?; cat "$work/err-$sig.txt" "$work/out-$sig.txt"; fail "SIG$sig: the program had already ended (status $rc)"; }
  for i in $(seq 50); do kill -0 "$app" 2>/dev/null || break; sleep 0.1; done
  rc=0
  wait "$app" || rc=$?
  app=
  want=$((128 + $(kill -l "$sig")))
  [ "$rc" = "$want" ] || fail "SIG$sig: exit status $rc, want $want"
  grep -q "stopped by signal" "$work/err-$sig.txt" || fail "SIG$sig: no message on stderr"
done
! ls -a "$work" | grep -q '\.tmp' || fail "a temporary file was left behind after the signals"
# 7. the circuit diagram of model circuit (key d): E writes it with the
#    rest (PNG, SVG, PDF and circuit.qasm); Esc closes it, then quits
mkdir -p "$work/circ"
"$QNNLAB" gui circuit --size 1280x800 --export-dir "$work/circ" >"$work/out-circ.txt" 2>"$work/err-circ.txt" &
app=$!
xvfb_window "$app" '^qnnlab' 30 || fail "circuit: no window appeared"
sleep 1
key d
sleep 0.5
key E
for i in $(seq 50); do ls -d "$work"/circ/qnnlab-2* >/dev/null 2>&1 && break; sleep 0.1; done
ec=$(ls -d "$work"/circ/qnnlab-2* 2>/dev/null | tail -1)
[ -n "$ec" ] || fail "circuit: no export"
[ "$(head -c 8 "$ec/circuit.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] || fail "circuit.png is not a PNG"
python3 -c "import xml.etree.ElementTree as E,sys; E.parse(sys.argv[1])" "$ec/circuit.svg" || fail "circuit.svg does not parse"
[ "$(head -c 5 "$ec/circuit.pdf")" = "%PDF-" ] || fail "circuit.pdf has no PDF header"
grep -q '^OPENQASM 3' "$ec/circuit.qasm" || fail "circuit.qasm is not OpenQASM 3"
key Escape
sleep 0.5
kill -0 "$app" 2>/dev/null || fail "circuit: Esc with the diagram shown quit instead of closing it"
xdotool key --window "$W" Escape 2>/dev/null || true
xdotool keyup Escape 2>/dev/null || true
for i in $(seq 100); do kill -0 "$app" 2>/dev/null || break; sleep 0.1; done
rc=0
wait "$app" || rc=$?
app=
[ "$rc" = 0 ] || fail "circuit: exit status $rc"

# 8. the window on a small and on a large display (private Xvfb servers of
#    1280x720 and 1920x1080, no window manager): it opens inside the
#    display, --size wins (said on stderr when too large), + makes the
#    text and controls larger, full screen (--fullscreen, F11) covers the
#    display with the layout drawn at its size
xvfb_stop
# png.py FILE: "W H BAND LEFT RIGHT": the size, the height of the status
# bar (rows from the bottom of the colour of the bottom left pixel) and
# the colours of the bottom corners (x = 2 and x = W - 3)
cat >"$work/png.py" <<'EOF_PY'
import struct, sys, zlib
d = open(sys.argv[1], 'rb').read()
assert d[:8] == b'\x89PNG\r\n\x1a\n', 'not a PNG'
p, idat = 8, []
while p < len(d):
    n, t = struct.unpack('>I4s', d[p:p + 8]); c = d[p + 8:p + 8 + n]; p += 12 + n
    if t == b'IHDR': w, h, bd, ct, _, _, il = struct.unpack('>IIBBBBB', c)
    elif t == b'IDAT': idat.append(c)
assert bd == 8 and il == 0 and ct in (2, 6), (bd, ct, il)
bpp = 3 if ct == 2 else 4
raw, s = zlib.decompress(b''.join(idat)), w * bpp
# only the bottom 100 rows are looked at: decoding starts at the last row
# above them that does not refer to the row before it (filter None or Sub)
y0 = 0
for y in range(max(0, h - 100), -1, -1):
    if raw[y * (s + 1)] in (0, 1):
        y0 = y
        break
prev, rows = bytearray(s), {}
for y in range(y0, h):
    f, r = raw[y * (s + 1)], bytearray(raw[y * (s + 1) + 1:(y + 1) * (s + 1)])
    if f == 1:
        for i in range(bpp, s): r[i] = (r[i] + r[i - bpp]) & 255
    elif f == 2:
        r = bytearray((a + b) & 255 for a, b in zip(r, prev))
    elif f == 3:
        for i in range(s): r[i] = (r[i] + ((r[i - bpp] if i >= bpp else 0) + prev[i]) // 2) & 255
    elif f == 4:
        for i in range(s):
            a = r[i - bpp] if i >= bpp else 0; b = prev[i]; c = prev[i - bpp] if i >= bpp else 0
            pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
            r[i] = (r[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    rows[y] = r; prev = r
px = lambda x, y: tuple(rows[y][x * bpp:x * bpp + 3])
band = 0
while band < min(h, 99) and px(2, h - 1 - band) == px(2, h - 1): band += 1
print(w, h, band, '%d,%d,%d' % px(2, h - 3), '%d,%d,%d' % px(w - 3, h - 3))
EOF_PY
# geom: "X Y W H" of window $W as the X server has it
geom() { xdotool getwindowgeometry "$W" | awk '/Position/ {split($2, p, ","); x = p[1]; y = p[2]} /Geometry/ {split($2, g, "x"); print x, y, g[1], g[2]}'; }
shots() { ls "$1"/qnnlab-screenshot-*.png 2>/dev/null | sort; }
# shoot DIR N: key S, wait for the Nth screenshot in DIR, print its png.py line
shoot() {
  key S
  for i in $(seq 100); do [ "$(shots "$1" | wc -l)" -ge "$2" ] && break; sleep 0.1; done
  [ "$(shots "$1" | wc -l)" -ge "$2" ] || fail "screenshot $2 in $1 did not appear"
  sleep 0.3
  python3 "$work/png.py" "$(shots "$1" | tail -1)" || fail "screenshot $2 in $1 does not decode"
}
quit_app() {
  xdotool key --window "$W" q 2>/dev/null || true
  xdotool keyup q 2>/dev/null || true
  for i in $(seq 100); do kill -0 "$app" 2>/dev/null || break; sleep 0.1; done
  rc=0; wait "$app" || rc=$?; app=
  [ "$rc" = 0 ] || fail "$1: exit status $rc"
}
xvfb_start "$work" 1280x720 || fail "Xvfb 1280x720 did not start"
mkdir -p "$work/fit" "$work/big"
"$QNNLAB" gui default --export-dir "$work/fit" >"$work/out-fit.txt" 2>"$work/err-fit.txt" &
app=$!
xvfb_window "$app" '^qnnlab' 30 || fail "fit: no window appeared"
sleep 1
read -r x y ww wh <<<"$(geom)"
[ "$x" -ge 0 ] && [ "$y" -ge 0 ] && [ $((x + ww)) -le 1280 ] && [ $((y + wh)) -le 720 ] ||
  fail "fit: the window at $x,$y, ${ww}x$wh is not inside the 1280x720 display"
[ "$ww" -ge 1000 ] && [ "$ww" -le 1600 ] || fail "fit: the window is ${ww}x$wh: not the preset size scaled to fit"
[ ! -s "$work/err-fit.txt" ] || fail "fit: stderr: $(cat "$work/err-fit.txt")"
fit="${ww}x$wh at $x,$y"
read -r pw ph band1 _ _ <<<"$(shoot "$work/fit" 1)"
[ "$pw" = "$ww" ] && [ "$ph" = "$wh" ] || fail "fit: screenshot ${pw}x$ph, window ${ww}x$wh"
key plus
sleep 0.5
read -r pw ph band2 _ _ <<<"$(shoot "$work/fit" 2)"
[ "$band1" -ge 20 ] && [ "$band2" -ge $((band1 * 6 / 5)) ] ||
  fail "fit: the status bar is $band1 px high, $band2 px after + (want 25 % taller)"
# v records the dashboard; q while recording finishes the movie
key v
sleep 1.5
quit_app fit
mp4=$(ls "$work"/fit/qnnlab-*.mp4 2>/dev/null | head -1)
[ -n "$mp4" ] && [ "$(head -c 8 "$mp4" | tail -c 4)" = ftyp ] || fail "fit: v then q left no MP4: $(cat "$work/err-fit.txt")"
grep -q "^qnnlab gui: recorded $mp4: [0-9]* frames" "$work/err-fit.txt" || fail "fit: q while recording did not say so: $(cat "$work/err-fit.txt")"
# --size wins over the display, and says so
"$QNNLAB" gui default --size 1400x900 --export-dir "$work/big" >"$work/out-big.txt" 2>"$work/err-big.txt" &
app=$!
xvfb_window "$app" '^qnnlab' 30 || fail "size: no window appeared"
sleep 0.5
read -r x y ww wh <<<"$(geom)"
[ "$ww" = 1400 ] && [ "$wh" = 900 ] || fail "size: --size 1400x900 gave ${ww}x$wh"
grep -q "^qnnlab gui: --size 1400x900 is larger than the display (1280x720 usable)" "$work/err-big.txt" ||
  fail "size: no message on stderr: $(cat "$work/err-big.txt")"
quit_app size
xvfb_stop
# full screen on a 1920x1080 display: --fullscreen, then F11 off and on;
# a HiDPI desktop (GDK_SCALE=2 where SDL knows no dpi, as on Xvfb) doubles
# text and controls
xvfb_start "$work" 1920x1080 || fail "Xvfb 1920x1080 did not start"
mkdir -p "$work/full"
GDK_SCALE=2 "$QNNLAB" gui default --fullscreen --export-dir "$work/full" >"$work/out-full.txt" 2>"$work/err-full.txt" &
app=$!
xvfb_window "$app" '^qnnlab' 30 || fail "fullscreen: no window appeared"
for i in $(seq 150); do   # polled, up to 30 s (see below)
  [ "$(geom)" = "0 0 1920 1080" ] && break
  sleep 0.2
done
[ "$(geom)" = "0 0 1920 1080" ] || fail "--fullscreen: the window is at $(geom), want 0 0 1920 1080"
# (the window answers between two frames: under a sanitizer on a loaded
# machine that can take seconds, so the geometry is polled, up to 30 s)
key F11
for i in $(seq 150); do
  read -r x y ww wh <<<"$(geom)"
  [ "$ww" -lt 1920 ] && [ "$x" -gt 0 ] && break
  sleep 0.2
done
[ "$ww" -lt 1920 ] && [ "$x" -gt 0 ] || fail "F11 did not leave full screen: $x $y $ww $wh"
key F11
for i in $(seq 150); do
  [ "$(geom)" = "0 0 1920 1080" ] && break
  sleep 0.2
done
[ "$(geom)" = "0 0 1920 1080" ] || fail "F11: the window is at $(geom), want 0 0 1920 1080"
read -r pw ph band left right <<<"$(shoot "$work/full" 1)"
[ "$pw" = 1920 ] && [ "$ph" = 1080 ] || fail "fullscreen: the screenshot is ${pw}x$ph, want 1920x1080"
# the status bar spans the bottom of the screen (the background is 247
# grey), twice as high as at scale 1 ($band1 px)
[ "$band" -ge $((band1 * 17 / 10)) ] && [ "$band" -le $((band1 * 23 / 10)) ] && [ "$left" = "$right" ] && [ "$left" != 247,247,247 ] ||
  fail "fullscreen: the bottom of the screenshot is not the status bar at scale 2 (band $band px, $band1 at scale 1; corners $left / $right)"
quit_app fullscreen
echo "gui_test: OK ($(exports | wc -l) exports, steps $s2, share string $(wc -c < "$work/out.txt") bytes, signals 130/143/129, 1280x720: ${fit}, status bar $band1 -> $band2 px, $band px at GDK_SCALE=2)"
