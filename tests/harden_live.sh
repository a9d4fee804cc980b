#!/usr/bin/env bash
# Issue 22 (hardening, round two): regression cases (live). Usage: harden_live.sh QNNLAB PRESETS [MPIRUN]
set -euo pipefail
echo "harden_live: no case yet"
