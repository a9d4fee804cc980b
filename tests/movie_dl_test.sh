#!/usr/bin/env bash
# FFmpeg is loaded only when a recording starts (ui/base/movie.c, dlopen),
# run by ctest as `movie_dl`:
#   bash movie_dl_test.sh PATH/TO/qnnlab PATH/TO/presets CC
# qnnlab's dynamic section names no FFmpeg library (linked, they and about a
# hundred libraries behind them were loaded at every start, and qnnlab could
# not start under ulimit -v 250000); `qnnlab presets` starts under
# ulimit -v 150000; `run --movie` still writes MP4 and GIF; an FFmpeg library
# without its functions (a stub built with CC, found first through
# LD_LIBRARY_PATH) gives one line naming the library and its Debian package,
# and no movie. Prints "ok - ..." / "not ok - ..." per check.
set -u

if [ $# -ne 3 ]; then
    echo "usage: $0 QNNLAB PRESETS_DIR CC" >&2
    exit 2
fi
QNNLAB=$1
export QNNLAB_PRESETS=$2
CC=$3
export OPENBLAS_NUM_THREADS=1
# (sanitizer builds: the leak checker's list of suppressions used stays off
# stderr, which must hold one line)
[ -n "${LSAN_OPTIONS:-}" ] && export LSAN_OPTIONS="$LSAN_OPTIONS:print_suppressions=0"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/qnnlab-moviedl.XXXXXX") || exit 2
trap 'rm -rf "$TMP"' EXIT

. "$(dirname "$0")/tap.sh"
# quiet WHAT CMD ARGS...: check, with the command's output dropped
quiet() {
    local what=$1
    shift
    check "$what" sh -c '"$@" >/dev/null 2>&1' sh "$@"
}
libav='lib(avutil|avcodec|avformat|avdevice|avfilter|swscale|swresample|postproc)\.so'

# --- not linked --------------------------------------------------------------
readelf -d "$QNNLAB" >"$TMP/dyn" 2>&1
quiet "readelf reads qnnlab's dynamic section" grep -q NEEDED "$TMP/dyn"
quiet "no FFmpeg library among qnnlab's NEEDED entries" sh -c "! grep NEEDED '$TMP/dyn' | grep -Eq '$libav'"
ldd "$QNNLAB" >"$TMP/ldd" 2>&1
quiet "no FFmpeg library loaded at start (ldd)" sh -c "! grep -Eq '$libav' '$TMP/ldd'"

if [ -z "${QNN_SANITIZED:-}" ]; then
    # (sanitizer builds reserve terabytes of shadow memory: skipped there)
    (ulimit -v 150000; "$QNNLAB" presets) >"$TMP/presets.out" 2>"$TMP/presets.err"
    quiet "qnnlab presets starts under ulimit -v 150000 (status $?)" grep -q '^default ' "$TMP/presets.out"
fi

# --- loaded when recording ---------------------------------------------------
"$QNNLAB" run default --steps 5 --instances 2 --out "$TMP/mp4" --movie "$TMP/mp4/m.mp4" --quiet >/dev/null 2>"$TMP/mp4.err"
st=$?
quiet "run --movie m.mp4: status 0 (got $st)" test "$st" = 0
quiet "run --movie m.mp4: written (an MP4: ftyp box)" sh -c "head -c 12 '$TMP/mp4/m.mp4' | grep -q ftyp"
"$QNNLAB" run default --steps 5 --instances 2 --out "$TMP/gif" --movie "$TMP/gif/m.gif" --quiet >/dev/null 2>"$TMP/gif.err"
st=$?
quiet "run --movie m.gif: status 0 (got $st)" test "$st" = 0
quiet "run --movie m.gif: written (GIF89a)" sh -c "head -c 6 '$TMP/gif/m.gif' | grep -q GIF89a"

# --- a library without its functions -------------------------------------------
# the sonames qnnlab asks for come from the FFmpeg headers it was built with
# (not anchored at the start: a sanitizer build may put a printable byte of
# its own just before the string, which `strings` then joins to it)
avutil=$(strings -a "$QNNLAB" | grep -Eo 'libavutil\.so\.[0-9]+$' | head -n 1)
quiet "qnnlab names libavutil by its soname ($avutil)" test -n "$avutil"
avformat=$(strings -a "$QNNLAB" | grep -Eo 'libavformat\.so\.[0-9]+$' | head -n 1)
for so in "$avutil" "$avformat"; do
    [ -n "$so" ] || continue
    rm -rf "$TMP/stub" "$TMP/out"
    mkdir -p "$TMP/stub"
    "$CC" -shared -o "$TMP/stub/$so" -x c /dev/null
    pkg=${so%%.so.*}${so##*.so.}
    # (libavformat's stub comes after the real libavutil, libswscale and
    # libavcodec with the libraries they need, unloaded again: what one of
    # those allocated in its constructor and held in its own data is then
    # unreachable, a leak LeakSanitizer reports in an "<unknown module>",
    # not ours: leak checks off for that run)
    leaks=
    [ "$so" = "$avformat" ] && leaks="ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
    env $leaks LD_LIBRARY_PATH="$TMP/stub${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" \
        "$QNNLAB" run default --steps 5 --instances 2 --out "$TMP/out" --movie "$TMP/out/m.mp4" --quiet \
        >/dev/null 2>"$TMP/stub.err"
    st=$?
    quiet "$so without functions: status 1 (got $st)" test "$st" = 1
    quiet "$so without functions: one line naming it and its package $pkg" \
        sh -c "test \$(wc -l <'$TMP/stub.err') = 1 && grep -q 'recording needs $so (Debian package $pkg): .*undefined symbol' '$TMP/stub.err'"
    quiet "$so without functions: no movie, no temporary" \
        sh -c "! ls -A '$TMP/out' | grep -q m\\.mp4"
    quiet "$so without functions: the run's own files are written" test -s "$TMP/out/summary.json"
done

tap_done
