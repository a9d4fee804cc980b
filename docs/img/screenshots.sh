#!/bin/sh
# Retakes the README's screenshots: the window (docs/img/window.png) and
# the terminal face inside xterm (docs/img/terminal.png), both on the
# hessian-live preset after a few seconds of training, under a private Xvfb.
# Needs Xvfb, xdotool, xterm, xwd and ImageMagick's convert (apt-get
# install xvfb xdotool xterm x11-apps imagemagick).
#   sh docs/img/screenshots.sh [PATH/TO/qnnlab]
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
qnnlab=${1:-$root/build/app/qnnlab}
convert=/usr/bin/convert   # ImageMagick (not a stand-in earlier on PATH)
for t in Xvfb xdotool xterm xwd $convert; do
    command -v "$t" >/dev/null || { echo "screenshots.sh: $t is missing" >&2; exit 2; }
done
tmp=$(mktemp -d "${TMPDIR:-/tmp}/qnnlab-shots.XXXXXX")
. "$root/tests/xvfb.sh"
cleanup() { xvfb_stop; rm -rf "$tmp"; }
trap cleanup EXIT
xvfb_start "$tmp" || { echo "screenshots.sh: Xvfb did not start" >&2; cat "$tmp/xvfb.log" >&2; exit 1; }

# the window: its own screenshot key (S) after 6 s of training
OPENBLAS_NUM_THREADS=1 "$qnnlab" gui hessian-live --size 1280x720 --export-dir "$tmp" >/dev/null 2>&1 &
app=$!
win_of() {   # the window of process $1, waiting up to 20 s
    for i in $(seq 200); do
        w=$(xdotool search --pid "$1" 2>/dev/null | head -n 1)
        [ -n "$w" ] && { echo "$w"; return 0; }
        sleep 0.1
    done
    echo "screenshots.sh: no window for process $1" >&2
    return 1
}
W=$(win_of "$app")
sleep 6
xdotool key --window "$W" S
sleep 1
xdotool key --window "$W" q
wait "$app" || true
shot=$(ls "$tmp"/*.png | head -n 1)
cp "$shot" "$root/docs/img/window.png"

# the terminal face in a 120x40 xterm, after 6 s
xterm -geometry 120x40+0+0 -fa 'DejaVu Sans Mono' -fs 10 -bg black -fg grey90 \
    -e env OPENBLAS_NUM_THREADS=1 TERM=xterm-256color LANG=C.UTF-8 "$qnnlab" tui hessian-live &
xt=$!
T=$(win_of "$xt")
sleep 7
xwd -silent -id "$T" >"$tmp/term.xwd"
kill "$xt" 2>/dev/null || true
"$convert" "$tmp/term.xwd" -strip "$root/docs/img/terminal.png"
echo "wrote docs/img/window.png and docs/img/terminal.png"
