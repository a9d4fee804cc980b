#!/bin/sh
# Builds bench/peers/peers (qnnlab's kernels against Qulacs and QuEST; see
# peers.c) outside the CMake build: optional, never needed by the build or
# the tests, not in CI.
#
#   bench/peers/build.sh ENGINE_BUILD_DIR [QULACS=DIR] [QUEST=DIR] [OUT=FILE]
#
# ENGINE_BUILD_DIR: a CMake build of this repository (Release), whose
#   engine/libengine.a is linked, with its dependencies from pkg-config.
# QULACS=DIR: the unpacked csim with its objects built as
#   ../shared/peers/README.md says (DIR/csim/*.o); QUEST=DIR: the unpacked
#   QuEST with its CMake build in DIR/build. Each peer is linked only when
#   given. OUT: the program (default: ENGINE_BUILD_DIR/peers).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
[ $# -ge 1 ] || { echo "usage: $0 ENGINE_BUILD_DIR [QULACS=DIR] [QUEST=DIR] [OUT=FILE]" >&2; exit 2; }
build=$(cd "$1" && pwd); shift
QULACS=; QUEST=; OUT=$build/peers
for a in "$@"; do
  case $a in
    QULACS=*) QULACS=${a#QULACS=} ;;
    QUEST=*) QUEST=${a#QUEST=} ;;
    OUT=*) OUT=${a#OUT=} ;;
    *) echo "$0: unknown argument '$a'; allowed: QULACS=DIR QUEST=DIR OUT=FILE" >&2; exit 2 ;;
  esac
done
lib=$build/engine/libengine.a
[ -f "$lib" ] || { echo "$0: $lib not found: build the engine first (cmake --build $build)" >&2; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
CFLAGS="-O3 -std=c11 -D_GNU_SOURCE -Wall -Wextra -I$root/engine/include -I$root/engine/src $(pkg-config --cflags gsl openblas)"
objs="$tmp/peers.o"; defs=; extra=
if [ -n "$QULACS" ]; then
  ls "$QULACS"/csim/*.o >/dev/null || { echo "$0: no objects in $QULACS/csim (build them per ../shared/peers/README.md)" >&2; exit 1; }
  g++ -O3 -mavx2 -mfma -D_USE_SIMD -I"$QULACS" -I/usr/include/eigen3 -c "$here/qulacs_shim.cpp" -o "$tmp/qulacs_shim.o"
  objs="$objs $tmp/qulacs_shim.o $(ls "$QULACS"/csim/*.o | tr '\n' ' ')"; defs="$defs -DPEER_QULACS"
fi
if [ -n "$QUEST" ]; then
  qlib=$(ls "$QUEST"/build/libQuEST.* 2>/dev/null | head -1)
  [ -n "$qlib" ] || { echo "$0: no libQuEST in $QUEST/build (build it per ../shared/peers/README.md)" >&2; exit 1; }
  gcc $CFLAGS -I"$QUEST/build/include" -I"$QUEST/quest/include" -I"$QUEST" -c "$here/quest_shim.c" -o "$tmp/quest_shim.o"
  objs="$objs $tmp/quest_shim.o"; defs="$defs -DPEER_QUEST"; extra="$qlib -Wl,-rpath,$(dirname "$qlib")"
fi
gcc $CFLAGS $defs -c "$here/peers.c" -o "$tmp/peers.o"
csv=$(ls /usr/lib/*/libcsv.so 2>/dev/null | head -1 || true)
g++ -o "$OUT" $objs "$lib" $extra $(pkg-config --libs gsl openblas lapacke jansson) ${csv:+-lcsv} -lpthread -lm
echo "built $OUT"
