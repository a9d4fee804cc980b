#!/usr/bin/env bash
# Issue 22 (hardening, round two): regression cases (input). Usage: harden_input.sh QNNLAB PRESETS [MPIRUN]
set -euo pipefail
echo "harden_input: no case yet"
