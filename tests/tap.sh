# Sourced by the shell tests that count checks: one line per check,
# "ok - WHAT" or "not ok - WHAT", and tap_done last.
#   ok WHAT / notok WHAT   count a check that passed / failed
#   check WHAT CMD ARGS... runs CMD; ok when it exits 0, else notok
#   tap_done               prints "N passed, M failed"; status 0 only when
#                          no check failed (the script's last command)
PASS=0
FAIL=0
ok() { echo "ok - $*"; PASS=$((PASS + 1)); }
notok() { echo "not ok - $*"; FAIL=$((FAIL + 1)); }
check() {
    local d=$1
    shift
    if "$@"; then ok "$d"; else notok "$d"; fi
}
tap_done() {
    echo "$PASS passed, $FAIL failed"
    [ "$FAIL" -eq 0 ]
}
