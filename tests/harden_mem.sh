#!/usr/bin/env bash
# Issue 22 (hardening, round two): regression cases (mem). Usage: harden_mem.sh QNNLAB PRESETS [MPIRUN]
set -euo pipefail
echo "harden_mem: no case yet"
