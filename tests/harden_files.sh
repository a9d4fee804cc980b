#!/usr/bin/env bash
# Issue 22 (hardening, round two): regression cases (files). Usage: harden_files.sh QNNLAB PRESETS [MPIRUN]
set -euo pipefail
echo "harden_files: no case yet"
