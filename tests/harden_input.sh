#!/usr/bin/env bash
# Issue 22 (hardening, round two): regression cases of the input side, run
# by ctest as `harden_input`:
#   bash harden_input.sh QNNLAB PRESETS [MPIRUN]
# Items 4 (text that is not UTF-8), 10 (FIFOs and folders named as input
# files), 14 (escape sequences in what messages quote), 15 (empty list
# entries), 16 (long preset lines) and 17 (an integer out of range, an
# indented preset line). Prints "ok - ..." / "not ok - ..." per check and
# "N passed, M failed" last; exits non-zero when a check failed.
set -u
# ok, notok, check, tap_done
. "$(dirname "${BASH_SOURCE[0]}")/tap.sh"

if [ $# -lt 2 ]; then
    echo "usage: $0 QNNLAB PRESETS [MPIRUN]" >&2
    exit 2
fi
QNNLAB=$(realpath "$1")
export QNNLAB_PRESETS=$(realpath "$2")
export OPENBLAS_NUM_THREADS=1
command -v python3 >/dev/null || { echo "python3 is needed" >&2; exit 2; }

TMP=$(mktemp -d "${TMPDIR:-/tmp}/qnnlab-hinput.XXXXXX") || exit 2
trap 'rm -rf "$TMP"' EXIT
cd "$TMP" || exit 2


# A FIFO named as input used to hang the process: every command runs under
# a timeout far above its time on a busy machine (a refusal takes
# milliseconds; sanitizer builds are ~10x slower), and 124 means it hung.
LIMIT=60

# q NAME ARGS...: qnnlab ARGS with stdin from /dev/null; stdout, stderr and
# status in NAME.out, NAME.err, NAME.rc
q() {
    local o=$1
    shift
    timeout "$LIMIT" "$QNNLAB" "$@" </dev/null >"$o.out" 2>"$o.err"
    echo $? >"$o.rc"
}

# refused NAME DESC PATTERN...: status 2, one line on stderr holding every
# PATTERN (fixed strings), and no byte of a terminal control sequence on it
refused() {
    local o=$1 d=$2
    shift 2
    local rc
    rc=$(cat "$o.rc")
    if [ "$rc" != 2 ]; then
        notok "$d: exit $rc, want 2 ($(head -c 300 "$o.err"))"
        return
    fi
    if [ "$(wc -l <"$o.err")" != 1 ]; then
        notok "$d: $(wc -l <"$o.err") lines on stderr, want 1: $(head -c 300 "$o.err")"
        return
    fi
    for p in "$@"; do
        if ! grep -qF -- "$p" "$o.err"; then
            notok "$d: no '$p' in: $(head -c 400 "$o.err")"
            return
        fi
    done
    if ! clean "$o.err"; then
        notok "$d: a control byte reached stderr: $(od -c "$o.err" | head -5)"
        return
    fi
    ok "$d"
}

# clean FILE: no byte < 0x20 but the line break, no DEL, no C1 (C2 80..9F)
clean() {
    python3 - "$1" <<'EOF'
import re, sys
b = open(sys.argv[1], 'rb').read()
sys.exit(1 if re.search(rb'[\x00-\x09\x0b-\x1f\x7f]|\xc2[\x80-\x9f]', b) else 0)
EOF
}

# no_out DIR DESC: nothing was written
no_out() {
    if [ -e "$1" ]; then notok "$2: $1 was created"; else ok "$2: nothing written"; fi
}

# field FILE KEY: the value of KEY anywhere in the JSON file (first found)
field() {
    python3 - "$1" "$2" <<'EOF'
import json, sys
def find(o, k):
    if isinstance(o, dict):
        for a, b in o.items():
            if a == k:
                return b
            r = find(b, k)
            if r is not None:
                return r
    elif isinstance(o, list):
        for b in o:
            r = find(b, k)
            if r is not None:
                return r
    return None
v = find(json.load(open(sys.argv[1], encoding='utf-8')), sys.argv[2])
print('' if v is None else v)
EOF
}

SMALL=(--set steps=1 --set instances=1 --quiet)

# ---- item 4: text that is not UTF-8 --------------------------------------
# jansson refuses such a string and summary.json lost the key: refused at
# input, naming the key, the value escaped and where the bad byte is.
q u1 run default --set $'title=a\xff' "${SMALL[@]}" --out u1d
refused u1 "--set title with byte FF: refused" "key 'title'" "'a\\xFF'" "not UTF-8" "byte 2 of 2" "allowed:"
no_out u1d "--set title with byte FF"
q u2 run default --set $'cost=Z\xc3' "${SMALL[@]}" --out u2d
refused u2 "--set cost cut inside a character: refused" "key 'cost'" "'Z\\xC3'" "byte 2 of 2"
q u3 tui --state 'qnnlab:1:default,title=%E9t%E9,@0'
refused u3 "share string with a Latin-1 title: refused" "key 'title'" "'\\xE9t\\xE9'" "not UTF-8" "byte 1"
cp "$QNNLAB_PRESETS/default.ini" $'caf\xe9.ini'
q u4 run $'./caf\xe9.ini' "${SMALL[@]}" --out u4d
refused u4 "a preset file whose name is Latin-1: refused by name" "caf\\xE9.ini" "not UTF-8" "byte 6"
no_out u4d "a Latin-1 preset file name"
printf '[preset]\ndescription = caf\351\n[run]\nsteps = 1\n' >desc.ini
q u5 run ./desc.ini "${SMALL[@]}" --out u5d
refused u5 "[preset] description in Latin-1: refused" "key 'description'" "caf\\xE9" "not UTF-8"
# UTF-8 text is kept whole
cp "$QNNLAB_PRESETS/default.ini" 'café.ini'
q u6 run ./café.ini --set 'title=θ → 0, γ = 1' "${SMALL[@]}" --out u6d
if [ "$(cat u6.rc)" = 0 ] && [ "$(field u6d/summary.json title)" = 'θ → 0, γ = 1' ]; then
    ok "UTF-8 title and preset name: run, title kept in summary.json"
else
    notok "UTF-8 title: exit $(cat u6.rc), title '$(field u6d/summary.json title 2>/dev/null)': $(head -c 300 u6.err)"
fi

# ---- item 10: FIFOs and folders named as input files ---------------------
mkfifo fifo.ini fifo.qasm fifo.json fifo.csv fifo.txt fifo.tour
q f1 run ./fifo.ini "${SMALL[@]}" --out f1d
refused f1 "a FIFO as the preset: refused, no hang" "preset file './fifo.ini' is a FIFO, not a regular file" "allowed: a regular"
q f2 tui --state 'qnnlab:1:.%2Ffifo.ini,@0'
refused f2 "a share string naming a FIFO preset: refused" "'./fifo.ini' is a FIFO"
q f3 tui --tour --tour-file fifo.tour
refused f3 "--tour-file FIFO: refused" "tour file 'fifo.tour' is a FIFO, not a regular file"
q f4 run default --set model=circuit --set circuit=fifo.qasm "${SMALL[@]}" --out f4d
refused f4 "circuit = FIFO: refused" "fifo.qasm" "is a FIFO, not a regular file"
q f5 run default --set model=asymptotic --set resample=all --set m0_init=file --set m0_file=fifo.json "${SMALL[@]}" --out f5d
refused f5 "m0_file = FIFO: refused" "key 'm0_file': value 'fifo.json' is a FIFO, not a regular file"
q f6 run circuit --set data=fifo.csv "${SMALL[@]}" --out f6d
refused f6 "data = FIFO: refused" "fifo.csv" "is a FIFO, not a regular file"
q f7 run circuit --set measure_file=fifo.txt "${SMALL[@]}" --out f7d
refused f7 "measure_file = FIFO: refused" "fifo.txt" "is a FIFO, not a regular file"
mkdir dir.ini
q f8 run ./dir.ini "${SMALL[@]}" --out f8d
refused f8 "a folder as the preset: refused by what it is" "'./dir.ini' is a directory, not a regular file"
no_out f1d "a FIFO preset"

# ---- item 14: escape sequences in what messages quote --------------------
# Each message must reach stderr with its control characters escaped (ESC
# ] 0 ; ... BEL would set the terminal's title, ESC [ 2 J or the C1 CSI
# (C2 9B) clear it).
q e1 tui --state 'qnnlab:1:default,eta=%1B%5D0%3Bpwned%07%1B%5B2J,@0'
refused e1 "share string: ESC ] 0 ; in a value escaped" "key 'eta'" '\x1B]0;pwned\x07\x1B[2J'
q e2 tui --state 'qnnlab:1:default,eta=%C2%9B2J,@0'
refused e2 "share string: C1 CSI in a value escaped" "key 'eta'" '\xC2\x9B2J'
q e3 tui --state 'qnnlab:1:.%2Fde%1Bf%C2%9B.ini,@0'
refused e3 "share string: ESC and C1 in the preset's name escaped" 'de\x1Bf\xC2\x9B.ini'
q e4 run $'de\x1bfault' --out e4d
refused e4 "ESC in a preset name escaped" 'de\x1Bfault'
q e5 run default --set $'ti\x1btle=1' --out e5d
refused e5 "ESC in a --set key escaped" 'ti\x1Btle'
printf '[model]\nn = 2\neta = \033]0;pwn\007\302\233\n' >i1.ini
q e6 run ./i1.ini --out e6d
refused e6 "ESC, BEL, C1 in a preset value escaped" "key 'eta'" '\x1B]0;pwn\x07\xC2\x9B'
printf '[mo\033del]\nn = 2\n' >i2.ini
q e7 run ./i2.ini --out e7d
refused e7 "ESC in a preset section escaped" 'unknown section [mo\x1Bdel]'
printf '[model]\nn\302\233 = 2\n' >i3.ini
q e8 run ./i3.ini --out e8d
refused e8 "C1 in a preset key escaped" 'n\xC2\x9B'
printf '[sweep]\neta = 0.1, \302\2332J\n' >i4.ini
q e9 run ./i4.ini --out e9d
refused e9 "C1 in a [sweep] value escaped" "key 'eta'" '\xC2\x9B2J'
# a control character is refused in every value at input (a title or a
# file name holding ESC ... would reach the terminal wherever it is shown)
q e12 run default --set $'title=a\x1b]0;pwned\x07' "${SMALL[@]}" --out e12d
refused e12 "ESC in a title: refused at input" "key 'title'" "holds a control character (byte 2, \\x1B)"
no_out e12d "a title with ESC"
q e13 tui --state 'qnnlab:1:default,circuit=a%C2%9B.qasm,@0'
refused e13 "C1 in a file name (share string): refused at input" "key 'circuit'" "control character" 'a\xC2\x9B.qasm'
cp i1.ini $'\x1b]0;x\x07.ini'
q e10 run $'./\x1b]0;x\x07.ini' --out e10d
refused e10 "ESC in a preset file's name escaped" '\x1B]0;x\x07.ini'
printf '[step]\ntitle = a\302\233b\npreset = nope\033\ntext = t\ntry = t\n' >bad.tour
q e11 tui --tour --tour-file bad.tour
refused e11 "tour file: ESC and C1 in a step escaped" 'a\xC2\x9Bb' 'nope\x1B'

# ---- item 15: empty list entries -----------------------------------------
q l1 run default --set sweep.eta=0.001,,0.002 "${SMALL[@]}" --out l1d
refused l1 "--set sweep.eta with two commas in a row: refused" "key 'eta'" "'0.001,,0.002'" "empty entry"
no_out l1d "--set sweep.eta=0.001,,0.002"
q l2 run default --set sweep.eta=0.001,0.002, "${SMALL[@]}" --out l2d
refused l2 "--set sweep.eta with a trailing comma: refused" "'0.001,0.002,'" "empty entry (entry 3"
q l3 run default --set 'sweep.eta=,0.001' "${SMALL[@]}" --out l3d
refused l3 "--set sweep.eta with a leading comma: refused" "empty entry (entry 1"
printf '[run]\nsteps = 1\n[sweep]\neta = 0.001, , 0.002\n' >sw_empty.ini
q l4 run ./sw_empty.ini "${SMALL[@]}" --out l4d
refused l4 "a preset's [sweep] with an empty entry: refused" "sw_empty.ini" "[sweep] key 'eta'" "empty entry (entry 2"
q l5 run default --set 'stats=loss_final,' "${SMALL[@]}" --out l5d
refused l5 "stats with a trailing comma: refused" "key 'stats'" "empty entry"
q l6 run default --set 'widths=8,,8' "${SMALL[@]}" --out l6d
refused l6 "widths with two commas in a row: refused" "key 'widths'" "empty entry"
q l7 run default --set 'labels=1,-1,' "${SMALL[@]}" --out l7d
refused l7 "labels with a trailing comma: refused" "key 'labels'" "empty entry"

# ---- item 16: long preset lines ------------------------------------------
# inih split lines at ~200 bytes; the values the keys allow must fit.
# m = 1024 asks for exactly 1024 labels, so a run that starts has all of
# them (a cut line leaves fewer, refused); brickwork keeps D = 1024 cheap
python3 - <<'EOF'
labels = ', '.join('%.17g' % ((-1) ** i * (i + 1) / 1024.0) for i in range(1024))
open('long.ini', 'w').write('[model]\nmodel = random\ntask = supervised\nn = 10\nm = 1024\nL = 1\n'
                            'entangler = brickwork\ndepth = 1\nn_obs = 1\nlabels = %s\n'
                            '[run]\nsteps = 0\ninstances = 1\n[figure]\ntitle = %s\n' % (labels, 'T' * 255))
seeds = ', '.join(str(1000000000000 + i) for i in range(64))
open('sweep64.ini', 'w').write('[model]\nn = 1\nL = 1\nn_obs = 1\n[run]\nsteps = 0\ninstances = 1\n[sweep]\nseed = %s\n' % seeds)
open('huge.ini', 'w').write('[figure]\n; ' + 'x' * 70000 + '\n')
EOF
q g1 run ./long.ini --quiet --out g1d
if [ "$(cat g1.rc)" = 0 ] && [ "$(field g1d/summary.json title | tr -d '\n' | wc -c)" = 255 ]; then
    ok "a preset with a 255-byte title and a 1024-entry label list (a 25 KiB line) runs"
else
    notok "long lines: exit $(cat g1.rc): $(head -c 300 g1.err)"
fi
# ... and summary.json records the whole list (it was cut at 511 bytes)
if [ "$(cat g1.rc)" = 0 ] && python3 -c "
import json, sys
v = json.load(open('g1d/summary.json'))['parameters']['labels']
sys.exit(0 if len(v.split(',')) == 1024 and v.rstrip().endswith('1') else 1)"; then
    ok "summary.json keeps all 1024 labels"
else
    notok "summary.json labels cut: $(python3 -c "import json; print(len(json.load(open('g1d/summary.json'))['parameters']['labels']))" 2>&1)"
fi
q g2 run ./sweep64.ini --quiet --out g2d
if [ "$(cat g2.rc)" = 0 ] && grep -q 1000000000000 g2d/summary.json && grep -q 1000000000063 g2d/summary.json; then
    ok "a [sweep] list of 64 values on one line runs from the first to the last"
else
    notok "64-value sweep line: exit $(cat g2.rc): $(head -c 300 g2.err)"
fi
q g3 run ./huge.ini --out g3d
refused g3 "a line over 64 KiB: refused by file and line" "./huge.ini: line 2 is longer than 65536 bytes"

# ---- item 17: messages ---------------------------------------------------
q m1 run default --set steps=12345678901234567890123 --out m1d
refused m1 "steps = 23 digits: out of range, not 'not an integer'" "key 'steps'" "is out of range; allowed: 0 .. 100000000"
q m2 run default --set seed=123456789012345678901234567 --out m2d
refused m2 "seed beyond 2^64: out of range" "key 'seed'" "is out of range"
q m3 run default --set steps=1.5 --out m3d
refused m3 "steps = 1.5: still not an integer" "is not an integer"
printf '[model]\nn = 2\nmeasure = ZZ\n  XX\n' >cont.ini
q m4 run ./cont.ini --out m4d
refused m4 "an indented (continuation) line: named as such, not 'given twice'" "line 4 is indented" "no continuation lines"
if grep -q "given twice" m4.err; then notok "continuation line still reads 'given twice'"; fi
printf '[model]\n  n = 2\n[run]\n  steps = 1\n  instances = 1\n' >indent.ini
q m5 run ./indent.ini --quiet --out m5d
if [ "$(cat m5.rc)" = 0 ] && [ "$(field m5d/summary.json n)" = 2 ]; then
    ok "indented key = value lines still set their keys"
else
    notok "indented keys: exit $(cat m5.rc): $(head -c 300 m5.err)"
fi

# ---- item 14: the command line's own quoting (app qnn_quote) ---------------
q c1 run default --set $'eta\xC2\x9B2J=1' --out c1d
refused c1 "--set with a C1 CSI in the key: escaped" "\\xC2\\x9B2J"
q c2 run default --set $'title\xFF' --out c2d
refused c2 "--set KEY with a byte that is not UTF-8: escaped" "\\xFF"

# ---- item 10: the faces' help file (assets/help.ini) as a FIFO -----------
# The terminal face loads it at start: a FIFO there used to block it before
# its first frame. Now the face starts, shows the refusal where help goes,
# and `q` ends it.
if command -v script >/dev/null; then
    mkdir -p assets-fifo
    for f in "$(dirname "$QNNLAB_PRESETS")"/assets/*; do ln -s "$f" assets-fifo/; done
    rm -f assets-fifo/help.ini
    mkfifo assets-fifo/help.ini
    (sleep 4; printf q) | QNNLAB_ASSETS=$PWD/assets-fifo TERM=xterm timeout "$LIMIT" \
        script -qec "'$QNNLAB' tui default --set instances=1" /dev/null >h1.out 2>&1
    rc=$?
    if [ "$rc" = 0 ]; then ok "help.ini a FIFO: the terminal face starts and quits (status 0)"
    else notok "help.ini a FIFO: status $rc (124: it hung)"; fi
fi

tap_done
