#!/usr/bin/env bash
# Figure options of `qnnlab run` and `qnnlab reproduce` (issue 23), run by
# ctest as `export`:
#   bash export_test.sh PATH/TO/qnnlab PATH/TO/presets
# --fig-size (in, mm, cm), --dpi, --font-size, --title, --style: each
# changes what it should in figure.png/.svg/.pdf (PNG pixels = inches x
# dpi; the SVG's <text> elements and their font-size; the PDF's page box);
# bad values refused with one line and status 2 before anything is
# computed; the PDF embeds its fonts with a ToUnicode map; the SVG is XML
# with its text as <text>; trace.csv and summary.json do not change.
# `run --movie` refuses a bad name before it computes and writes a GIF.
# Prints "ok - ..." / "not ok - ..." per check and "N passed, M failed".
set -u

if [ $# -ne 2 ]; then
    echo "usage: $0 QNNLAB PRESETS_DIR" >&2
    exit 2
fi
QNNLAB=$1
export QNNLAB_PRESETS=$2
export OPENBLAS_NUM_THREADS=1
command -v python3 >/dev/null || { echo "python3 is needed" >&2; exit 2; }

TMP=$(mktemp -d "${TMPDIR:-/tmp}/qnnlab-export.XXXXXX") || exit 2
trap 'rm -rf "$TMP"' EXIT

. "$(dirname "$0")/tap.sh"
# q NAME ARGS...: qnnlab's stdout, stderr and status in $TMP/NAME.{out,err,rc}
q() {
    local o=$1
    shift
    "$QNNLAB" "$@" >"$TMP/$o.out" 2>"$TMP/$o.err"
    echo $? >"$TMP/$o.rc"
}
# A small run of the default preset into $TMP/NAME with more options.
SMALL="default --steps 12 --instances 2 --seed 3 --quiet"
run_ok() {
    local name=$1
    shift
    # shellcheck disable=SC2086
    q "$name" run $SMALL --out "$TMP/$name" "$@"
    check "run $name ($*): status 0" test "$(cat "$TMP/$name.rc")" = 0
}
# png_size FILE: "W H" from the PNG header
png_size() {
    python3 -c 'import struct,sys; b=open(sys.argv[1],"rb").read(24); print(*struct.unpack(">II", b[16:24]))' "$1"
}
# svg PYTHON-EXPR FILE: evaluates the expression with r (the root), texts
# (the <text> elements' strings) and sizes (their tspans' font sizes);
# status 0 when true, and prints a value that is not a truth value
svg() {
    python3 - "$2" "$1" <<'EOF'
import sys, xml.etree.ElementTree as ET
NS = '{http://www.w3.org/2000/svg}'
r = ET.parse(sys.argv[1]).getroot()
texts = [''.join(t.itertext()) for t in r.iter(NS + 'text')]
sizes = [float(s.get('font-size')) for s in r.iter(NS + 'tspan')]
v = eval(sys.argv[2])
if not isinstance(v, bool):
    print(v)
sys.exit(0 if v else 1)
EOF
}
# refused NAME MESSAGE ARGS...: status 2, exactly MESSAGE on stderr, no files
refused() {
    local name=$1 msg=$2
    shift 2
    q "$name" "$@"
    local rc
    rc=$(cat "$TMP/$name.rc")
    if [ "$rc" = 2 ] && [ "$(cat "$TMP/$name.err")" = "$msg" ] && [ ! -e "$TMP/$name" ]; then
        ok "refused: $*"
    else
        notok "refused: $* (status $rc, stderr: $(head -c 400 "$TMP/$name.err"))"
    fi
}

# ----------------------------------------------------------------------------
# 1. Defaults: the figure as before (960 pt x 2 px), and the data files the
#    same bytes with any figure option
# ----------------------------------------------------------------------------
run_ok plain
run_ok opts --style onecolumn --dpi 300 --font-size 9 --title on
check "figure options leave trace.csv alone" cmp -s "$TMP/plain/trace.csv" "$TMP/opts/trace.csv"
check "figure options leave summary.json alone" cmp -s "$TMP/plain/summary.json" "$TMP/opts/summary.json"
read -r W H <<<"$(png_size "$TMP/plain/figure.png")"
check "default PNG: 2 px per point of the training figure (720 x 300 pt)" test "$W x $H" = "1440 x 600"

# ----------------------------------------------------------------------------
# 2. Size and resolution: PNG pixels = inches x dpi, mm and cm converted
# ----------------------------------------------------------------------------
run_ok in300 --fig-size 3.4x2.6in --dpi 300
read -r W H <<<"$(png_size "$TMP/in300/figure.png")"
check "--fig-size 3.4x2.6in --dpi 300: 1020 x 780 pixels (got $W x $H)" test "$W x $H" = "1020 x 780"
check "--fig-size 3.4x2.6in: the SVG is 244.8 x 187.2 pt" \
    svg "r.get('width') == '244.8pt' and r.get('height') == '187.2pt'" "$TMP/in300/figure.svg"
check "--fig-size 3.4x2.6in: the PDF page is 244.8 x 187.2 pt" \
    grep -aq 'MediaBox \[ *0 0 244.8 187.2 *\]' "$TMP/in300/figure.pdf"
# png_dpi FILE: the pHYs chunk's pixels per inch (x = y, unit metre), or 0
png_dpi() {
    python3 - "$1" <<'EOF'
import struct, sys
b = open(sys.argv[1], 'rb').read()
pos, dpi = 8, 0
while pos < len(b):
    n, t = struct.unpack('>I4s', b[pos:pos + 8])
    if t == b'pHYs':
        x, y, u = struct.unpack('>IIB', b[pos + 8:pos + 17])
        dpi = round(x * 0.0254) if x == y and u == 1 else -1
    pos += 12 + n
print(dpi)
EOF
}
check "--dpi 300: the PNG says 300 dpi (pHYs), so it is placed at 3.4 in" test "$(png_dpi "$TMP/in300/figure.png")" = 300
check "default: the PNG says 144 dpi (2 px per point)" test "$(png_dpi "$TMP/plain/figure.png")" = 144
run_ok mm254 --fig-size 86x60mm --dpi 254
read -r W H <<<"$(png_size "$TMP/mm254/figure.png")"
check "--fig-size 86x60mm --dpi 254: 860 x 600 pixels (got $W x $H)" test "$W x $H" = "860 x 600"
run_ok cm127 --fig-size 8.6x6cm --dpi 127
read -r W H <<<"$(png_size "$TMP/cm127/figure.png")"
check "--fig-size 8.6x6cm --dpi 127: 430 x 300 pixels (got $W x $H)" test "$W x $H" = "430 x 300"

# ----------------------------------------------------------------------------
# 3. Styles, titles, font sizes (read from the SVG's <text>)
# ----------------------------------------------------------------------------
check "default: the SVG is XML with its text as <text> (axis labels, title)" \
    svg "'step t' in texts and '|ε(t)|' in texts and any(t.startswith('qnnlab') or 'default' in t for t in texts) and not r.findall('.//' + NS + 'symbol')" \
    "$TMP/plain/figure.svg"
TITLE=$(svg "texts[0]" "$TMP/plain/figure.svg")
check "default: the figure has a title ('$TITLE')" test -n "$TITLE"
run_ok notitle --title off
check "--title off: no title text in the SVG" \
    svg "'$TITLE' not in texts and 'step t' in texts" "$TMP/notitle/figure.svg"
run_ok one --style onecolumn
check "--style onecolumn: 3.4 in wide (244.8 pt), panels stacked (taller than wide)" \
    svg "r.get('width') == '244.8pt' and float(r.get('height')[:-2]) > 244.8" "$TMP/one/figure.svg"
check "--style onecolumn: tick labels 8 pt, axis labels 8.64 pt, no title" \
    svg "8.0 in sizes and 8.64 in sizes and max(sizes) < 9 and '$TITLE' not in texts" "$TMP/one/figure.svg"
run_ok two --style twocolumn
check "--style twocolumn: 7 in wide (504 pt), 9 pt tick labels" \
    svg "r.get('width') == '504pt' and 9.0 in sizes" "$TMP/two/figure.svg"
run_ok slide --style slide
check "--style slide: 10 x 5.625 in, 16 pt tick labels, the title kept" \
    svg "r.get('width') == '720pt' and r.get('height') == '405pt' and 16.0 in sizes and '$TITLE' in texts" \
    "$TMP/slide/figure.svg"
run_ok fs12 --font-size 12
check "--font-size 12: 12 pt tick labels, 12.96 pt axis labels" \
    svg "12.0 in sizes and 12.96 in sizes" "$TMP/fs12/figure.svg"
check "--style onecolumn --dpi 300 --font-size 9 --title on: 1020 px wide, 9 pt, titled" \
    svg "9.0 in sizes and '$TITLE' in texts" "$TMP/opts/figure.svg"
read -r W H <<<"$(png_size "$TMP/opts/figure.png")"
check "--style onecolumn --dpi 300: 1020 pixels wide (got $W)" test "$W" = 1020

# ----------------------------------------------------------------------------
# 4. PDF: fonts embedded (a font file and a ToUnicode map: the text is
#    selectable); pdffonts and pdftotext when installed
# ----------------------------------------------------------------------------
check "PDF: an embedded font program (/FontFile2 or /FontFile3)" grep -aqE '/FontFile[23]' "$TMP/one/figure.pdf"
check "PDF: a ToUnicode map" grep -aq '/ToUnicode' "$TMP/one/figure.pdf"
check "PDF: no font only named (every /FontDescriptor has its file)" python3 - "$TMP/one/figure.pdf" <<'EOF'
import re, sys
b = open(sys.argv[1], 'rb').read()
n_desc = len(re.findall(rb'/Type\s*/FontDescriptor', b))
n_file = len(re.findall(rb'/FontFile[23]?\s', b))
sys.exit(0 if n_desc > 0 and n_file >= n_desc else 1)
EOF
if command -v pdffonts >/dev/null; then
    check "pdffonts: every font embedded with a Unicode map" python3 - "$TMP/one/figure.pdf" <<'EOF'
import subprocess, sys
rows = subprocess.run(['pdffonts', sys.argv[1]], capture_output=True, text=True).stdout.splitlines()[2:]
sys.exit(0 if rows and all(r.split()[-5:-2] == ['yes', 'yes', 'yes'] for r in rows) else 1)
EOF
fi
if command -v pdftotext >/dev/null; then
    check "pdftotext: the axis label 'step t' is text" sh -c "pdftotext '$TMP/one/figure.pdf' - | grep -q 'step t'"
fi

# ----------------------------------------------------------------------------
# 5. Refusals: one line, status 2, nothing computed or written
# ----------------------------------------------------------------------------
SIZE_FORM="allowed: positive numbers and in, mm or cm (3.4x2.6in, 86x60mm, 8.6x6cm)"
SIZE_RANGE="allowed: each side 0.5 .. 40 in (12.7 .. 1016 mm)"
refused b1 "qnnlab: run: --fig-size: value '0x0in' is out of range; $SIZE_RANGE" \
    run default --out "$TMP/b1" --fig-size 0x0in
refused b2 "qnnlab: run: --fig-size: value '100x100in' is out of range; $SIZE_RANGE" \
    run default --out "$TMP/b2" --fig-size 100x100in
refused b3 "qnnlab: run: --fig-size: value '-3mm' is not WIDTHxHEIGHT with a unit; $SIZE_FORM" \
    run default --out "$TMP/b3" --fig-size=-3mm
refused b4 "qnnlab: run: --fig-size: value '3.4x2.6' is not WIDTHxHEIGHT with a unit; $SIZE_FORM" \
    run default --out "$TMP/b4" --fig-size 3.4x2.6
refused b5 "qnnlab: run: --fig-size: value 'NaNxNaNin' is not WIDTHxHEIGHT with a unit; $SIZE_FORM" \
    run default --out "$TMP/b5" --fig-size NaNxNaNin
refused b6 "qnnlab: run: --dpi: value '0' is out of range; allowed: 10 .. 1200 (PNG pixels per inch)" \
    run default --out "$TMP/b6" --dpi 0
refused b7 "qnnlab: run: --dpi: value '100000' is out of range; allowed: 10 .. 1200 (PNG pixels per inch)" \
    run default --out "$TMP/b7" --dpi 100000
refused b8 "qnnlab: run: --dpi: value 'nan' is not a whole number; allowed: 10 .. 1200 (PNG pixels per inch)" \
    run default --out "$TMP/b8" --dpi nan
refused b9 "qnnlab: run: --style: value 'prl' is not a style; allowed: onecolumn (3.4 in, 8 pt), twocolumn (7 in, 9 pt), slide (10 x 5.6 in, 16 pt)" \
    run default --out "$TMP/b9" --style prl
refused b10 "qnnlab: run: --font-size: value '0' is out of range; allowed: 4 .. 72 (points)" \
    run default --out "$TMP/b10" --font-size 0
refused b11 "qnnlab: run: --font-size: value 'inf' is not a number of points; allowed: 4 .. 72 (the tick labels; the rest scales with them)" \
    run default --out "$TMP/b11" --font-size inf
refused b12 "qnnlab: run: --title: value 'yes' is not on or off; allowed: on, off" \
    run default --out "$TMP/b12" --title yes
refused b13 "qnnlab: run: --dpi: value '1200' gives a PNG of up to 48000 x 36000 pixels at --fig-size (40 x 30 in); allowed: at most 16384 pixels a side (inches x dpi)" \
    run default --out "$TMP/b13" --fig-size 40x30in --dpi 1200
refused b14 "qnnlab: reproduce: --style: value 'x' is not a style; allowed: onecolumn (3.4 in, 8 pt), twocolumn (7 in, 9 pt), slide (10 x 5.6 in, 16 pt)" \
    reproduce liu23-fig3 --quick --out "$TMP/b14" --style x

# ----------------------------------------------------------------------------
# 6. reproduce takes the same options
# ----------------------------------------------------------------------------
q rep reproduce liu23-fig3 --quick --instances 3 --quiet --out "$TMP/rep" --fig-size 86x60mm --dpi 254 --title off
check "reproduce with figure options: status 0 or 4 (judged)" sh -c "test \$(cat '$TMP/rep.rc') = 0 -o \$(cat '$TMP/rep.rc') = 4"
if [ -f "$TMP/rep/figure.png" ]; then
    read -r W H <<<"$(png_size "$TMP/rep/figure.png")"
    check "reproduce --fig-size 86x60mm --dpi 254: 860 x 600 pixels (got $W x $H)" test "$W x $H" = "860 x 600"
else
    notok "reproduce wrote no figure.png ($(head -c 300 "$TMP/rep.err"))"
fi
check "run --help and reproduce --help name the options" \
    sh -c "'$QNNLAB' run --help | grep -q -- '--fig-size WxH' && '$QNNLAB' reproduce --help | grep -q -- '--style onecolumn'"

# ----------------------------------------------------------------------------
# 7. run --movie: checked before the run, written after its files
# ----------------------------------------------------------------------------
refused m1 "qnnlab: run: --movie: value '$TMP/m1.avi': the extension is not .mp4 or .gif; allowed: FILE.mp4 or FILE.gif in an existing, writable folder" \
    run default --out "$TMP/m1" --movie "$TMP/m1.avi"
run_ok m2 --steps 6 --movie "$TMP/m2.gif"
check "run --movie FILE.gif: a GIF beside the run's files" \
    sh -c "head -c 6 '$TMP/m2.gif' | grep -q GIF89a && test -f '$TMP/m2/figure.png'"
check "run --movie: stdout names the movie" grep -q "^wrote $TMP/m2.gif\$" "$TMP/m2.out"
# a movie inside the --out folder the run makes: checked once it exists
run_ok m3 --steps 6 --movie "$TMP/m3/m3.mp4"
check "run --out NEW --movie NEW/FILE.mp4: the movie in the new folder" \
    sh -c "head -c 12 '$TMP/m3/m3.mp4' | grep -q ftyp && test -f '$TMP/m3/figure.png'"
# ... whose bad name is refused before that folder is made
refused m4 "qnnlab: run: --movie: value '$TMP/m4/m4.avi': the extension is not .mp4 or .gif; allowed: FILE.mp4 or FILE.gif in an existing, writable folder" \
    run default --out "$TMP/m4" --movie "$TMP/m4/m4.avi"

tap_done
