#!/usr/bin/env bash
# Issue 22 (hardening, round two): regression cases (sweep). Usage: harden_sweep.sh QNNLAB PRESETS [MPIRUN]
set -euo pipefail
echo "harden_sweep: no case yet"
