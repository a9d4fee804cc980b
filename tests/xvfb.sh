# Sourced by the window tests: a private Xvfb that is ready before any
# client connects.
#   xvfb_start WORKDIR [WxH]  starts it (a WxH screen, 1600x1000 when not
#                        given), sets DISPLAY and XVFB_PID, or returns 1
#                        (its log is WORKDIR/xvfb.log)
#   xvfb_stop            ends it and waits until it has gone
# The server picks a free display itself (-displayfd) and writes its
# number only once it accepts connections, so two tests never share a
# display and no test races a server that is starting or one that is
# still going away. -noreset: otherwise the server resets when its last
# client leaves, and a client that connects in that moment fails; SDL
# then falls back to its invisible "offscreen" driver (which qnnlab
# refuses: "no display answers"). Without the reset the server also keeps
# its key state: a test that quits a window with a key must release it.
xvfb_start() {
  local work=$1 size=${2:-1600x1000} i
  : >"$work/xvfb.display"
  Xvfb -displayfd 9 -screen 0 "${size}x24" -nolisten tcp -noreset \
    9>"$work/xvfb.display" >"$work/xvfb.log" 2>&1 &
  XVFB_PID=$!
  for i in $(seq 300); do
    [ -s "$work/xvfb.display" ] && break
    kill -0 "$XVFB_PID" 2>/dev/null || return 1
    sleep 0.1
  done
  [ -s "$work/xvfb.display" ] || return 1
  DISPLAY=:$(head -n 1 "$work/xvfb.display")
  export DISPLAY
}
xvfb_stop() {
  if [ -n "${XVFB_PID:-}" ]; then
    kill "$XVFB_PID" 2>/dev/null || true
    wait "$XVFB_PID" 2>/dev/null || true
    XVFB_PID=
  fi
}
# xvfb_window PID NAME-REGEX SECONDS: sets W to the window of process PID
# (by _NET_WM_PID, else by a title matching NAME-REGEX). Returns 1 when
# none appears in time, 2 when the process ended first. The window must be
# found twice, 0.3 s apart, and still answer: on a slow, loaded machine SDL
# may replace the first window it creates, and a key sent to the first one
# fails with BadWindow.
xvfb_window() {
  local pid=$1 re=$2 i prev=
  W=
  for i in $(seq $(( $3 * 10 / 3 + 2 ))); do
    W=$(xdotool search --pid "$pid" 2>/dev/null | head -1 || true)
    [ -n "$W" ] || W=$(xdotool search --name "$re" 2>/dev/null | head -1 || true)
    if [ -n "$W" ] && [ "$W" = "$prev" ] && xdotool getwindowname "$W" >/dev/null 2>&1; then
      return 0
    fi
    prev=$W
    kill -0 "$pid" 2>/dev/null || return 2
    sleep 0.3
  done
  return 1
}
