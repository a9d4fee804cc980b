#!/bin/sh
# Retakes the README's screenshots under private Xvfb servers (no window
# manager):
#   window.png              the window's own screenshot (key S) on the
#                           hessian-live preset after 6 s of training
#   fit-1280x720.png        a 1280x720 display with the window opened at
#                           its default size (fitted to the display, centred)
#   fullscreen-1920x1080.png  a 1920x1080 display with the window full screen
#   segments.png            a model cycle: markers, earlier segments dimmed
#   pins.png                a pinned run (η = 0.002) against η = 0.008
#   hessian-panel.png       hessian-live's Hessian panel (symmetric-log axis)
#   terminal.png            the terminal face inside a 120x40 xterm
# The two display shots capture the whole screen with FFmpeg's x11grab
# (the window's own screenshot, placed where the X server has the window,
# when FFmpeg or its x11grab are missing); the terminal shot needs xterm,
# xwd and ImageMagick's convert and is skipped without them.
# Needs Xvfb and xdotool (apt-get install xvfb xdotool ffmpeg xterm
# x11-apps imagemagick).
#   sh docs/img/screenshots.sh [PATH/TO/qnnlab]
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
qnnlab=${1:-$root/build/app/qnnlab}
convert=/usr/bin/convert   # ImageMagick (not a stand-in earlier on PATH)
for t in Xvfb xdotool python3; do
    command -v "$t" >/dev/null || { echo "screenshots.sh: $t is missing" >&2; exit 2; }
done
tmp=$(mktemp -d "${TMPDIR:-/tmp}/qnnlab-shots.XXXXXX")
. "$root/tests/xvfb.sh"
app=
cleanup() { [ -n "$app" ] && kill "$app" 2>/dev/null; xvfb_stop; rm -rf "$tmp"; }
trap cleanup EXIT
export OPENBLAS_NUM_THREADS=1

win_of() {   # the window of process $1, waiting up to 20 s
    for i in $(seq 200); do
        w=$(xdotool search --pid "$1" 2>/dev/null | head -n 1)
        [ -n "$w" ] && { echo "$w"; return 0; }
        sleep 0.1
    done
    echo "screenshots.sh: no window for process $1" >&2
    return 1
}
# shot DIR: the window's own screenshot (key S) into DIR; prints its path
shot() {
    xdotool key --window "$W" S
    for i in $(seq 100); do
        f=$(ls "$1"/qnnlab-screenshot-*.png 2>/dev/null | head -n 1)
        [ -n "$f" ] && { sleep 0.5; echo "$f"; return 0; }
        sleep 0.1
    done
    echo "screenshots.sh: the screenshot did not appear" >&2
    return 1
}
quit() { xdotool key --window "$W" q; xdotool keyup q; wait "$app" || true; app=; }
# screen OUT WxH DIR: the whole screen into OUT (x11grab), else the
# window's screenshot from DIR on a black screen at the window's place
screen() {
    if command -v ffmpeg >/dev/null && ffmpeg -hide_banner -devices 2>/dev/null | grep -q x11grab; then
        ffmpeg -loglevel error -y -f x11grab -draw_mouse 0 -video_size "$2" -i "$DISPLAY" -frames:v 1 "$tmp/screen.png" &&
            cp "$tmp/screen.png" "$1" && return 0
    fi
    s=$(shot "$3")
    geo=$(xdotool getwindowgeometry "$W" | awk '/Position/ {split($2, p, ","); print p[1], p[2]}')
    python3 - "$s" "$1" "$2" $geo <<'EOF'
import struct, sys, zlib
src, out, size, x0, y0 = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
d = open(src, 'rb').read(); p, idat = 8, []
while p < len(d):
    n, t = struct.unpack('>I4s', d[p:p + 8]); c = d[p + 8:p + 8 + n]; p += 12 + n
    if t == b'IHDR': w, h, bd, ct = struct.unpack('>IIBB', c[:10])
    elif t == b'IDAT': idat.append(c)
bpp = 3 if ct == 2 else 4; raw = zlib.decompress(b''.join(idat)); s = w * bpp
prev, rows = bytearray(s), []
for y in range(h):
    f, r = raw[y * (s + 1)], bytearray(raw[y * (s + 1) + 1:(y + 1) * (s + 1)])
    for i in range(s):
        a = r[i - bpp] if i >= bpp else 0; b = prev[i]; c = prev[i - bpp] if i >= bpp else 0
        if f == 1: r[i] = (r[i] + a) & 255
        elif f == 2: r[i] = (r[i] + b) & 255
        elif f == 3: r[i] = (r[i] + (a + b) // 2) & 255
        elif f == 4:
            pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
            r[i] = (r[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    rows.append(r); prev = r
W, H = map(int, size.split('x'))
lines = []
for y in range(H):
    line = bytearray(3 * W)
    if 0 <= y - y0 < h:
        r = rows[y - y0]
        for x in range(max(0, x0), min(W, x0 + w)):
            line[3 * x:3 * x + 3] = r[(x - x0) * bpp:(x - x0) * bpp + 3]
    lines.append(b'\0' + bytes(line))
chunk = lambda t, c: struct.pack('>I', len(c)) + t + c + struct.pack('>I', zlib.crc32(t + c))
open(out, 'wb').write(b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', W, H, 8, 2, 0, 0, 0)) +
                      chunk(b'IDAT', zlib.compress(b''.join(lines), 9)) + chunk(b'IEND', b''))
EOF
}

# 1. the window: its own screenshot (S) after 6 s of training
xvfb_start "$tmp" || { echo "screenshots.sh: Xvfb did not start" >&2; cat "$tmp/xvfb.log" >&2; exit 1; }
mkdir -p "$tmp/w"
"$qnnlab" gui hessian-live --size 1280x720 --export-dir "$tmp/w" >/dev/null 2>&1 &
app=$!
W=$(win_of "$app")
sleep 6
cp "$(shot "$tmp/w")" "$root/docs/img/window.png"
quit
xvfb_stop

# 2. a 1280x720 display: the window opens fitted to it
xvfb_start "$tmp" 1280x720 || { echo "screenshots.sh: Xvfb did not start" >&2; exit 1; }
mkdir -p "$tmp/fit"
"$qnnlab" gui default --export-dir "$tmp/fit" >/dev/null 2>&1 &
app=$!
W=$(win_of "$app")
sleep 5
screen "$root/docs/img/fit-1280x720.png" 1280x720 "$tmp/fit"
quit
xvfb_stop

# 3. a 1920x1080 display, full screen
xvfb_start "$tmp" 1920x1080 || { echo "screenshots.sh: Xvfb did not start" >&2; exit 1; }
mkdir -p "$tmp/full"
"$qnnlab" gui hessian-live --fullscreen --export-dir "$tmp/full" >/dev/null 2>&1 &
app=$!
W=$(win_of "$app")
sleep 6
screen "$root/docs/img/fullscreen-1920x1080.png" 1920x1080 "$tmp/full"
quit
xvfb_stop
# 3b. segments.png: the default preset, a few steps, m twice, each segment played
xvfb_start "$tmp" 1280x720
mkdir -p "$tmp/seg"
"$qnnlab" gui default --size 1280x720 --export-dir "$tmp/seg" >/dev/null 2>&1 &
app=$!; W=$(win_of "$app"); sleep 1
for k in space 6 space m space 6 space m space 12 space; do
    case $k in [0-9]*) sleep "$k" ;; *) xdotool key --window "$W" "$k"; sleep 0.4 ;; esac
done
cp "$(shot "$tmp/seg")" "$root/docs/img/segments.png"; quit

# pins.png: run, p (pin), η up two coarse steps (0.002 -> 0.008), r, run
mkdir -p "$tmp/pin"
"$qnnlab" gui default --size 1280x720 --export-dir "$tmp/pin" >/dev/null 2>&1 &
app=$!; W=$(win_of "$app"); sleep 1
for k in space 6 space p shift+Right shift+Right r space 6 space; do
    case $k in [0-9]*) sleep "$k" ;; *) xdotool key --window "$W" "$k"; sleep 0.4 ;; esac
done
cp "$(shot "$tmp/pin")" "$root/docs/img/pins.png"; quit
xvfb_stop

# hessian-panel.png: hessian-live replayed to step 150, 2 s of play, the
# Hessian panel cut from the 1920x1080 window (its lower right quarter)
xvfb_start "$tmp" 1920x1080
mkdir -p "$tmp/hess"
"$qnnlab" gui --state 'qnnlab:1:hessian-live,@150' --size 1920x1080 --export-dir "$tmp/hess" >/dev/null 2>&1 &
app=$!; W=$(win_of "$app"); sleep 90     # the replay (about 60 s on 2 loaded cores)
xdotool key --window "$W" space; sleep 2; xdotool key --window "$W" space; sleep 3
h=$(shot "$tmp/hess")
if command -v "$convert" >/dev/null; then
    "$convert" "$h" -crop 960x460+960+460 +repage "$root/docs/img/hessian-panel.png"
else
    echo "screenshots.sh: $convert is missing: hessian-panel.png is the whole window" >&2
    cp "$h" "$root/docs/img/hessian-panel.png"
fi
quit
xvfb_stop
echo "wrote docs/img/window.png, fit-1280x720.png, fullscreen-1920x1080.png, segments.png, pins.png and hessian-panel.png"

# 4. the terminal face in a 120x40 xterm, after 6 s
for t in xterm xwd $convert; do
    command -v "$t" >/dev/null || { echo "screenshots.sh: $t is missing: docs/img/terminal.png not retaken" >&2; exit 0; }
done
xvfb_start "$tmp" || exit 1
xterm -geometry 120x40+0+0 -fa 'DejaVu Sans Mono' -fs 10 -bg black -fg grey90 \
    -e env OPENBLAS_NUM_THREADS=1 TERM=xterm-256color LANG=C.UTF-8 "$qnnlab" tui hessian-live &
xt=$!
T=$(win_of "$xt")
sleep 7
xwd -silent -id "$T" >"$tmp/term.xwd"
kill "$xt" 2>/dev/null || true
"$convert" "$tmp/term.xwd" -strip "$root/docs/img/terminal.png"
echo "wrote docs/img/terminal.png"
