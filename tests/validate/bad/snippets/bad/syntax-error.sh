#!/usr/bin/env bash
# A syntax error.
set -euo pipefail
if true; then
  echo "missing fi"
