#!/usr/bin/env bash
# Unquoted variable.
set -euo pipefail
# --8<-- [start:run]
FILE=${1:-x}
rm $FILE
# --8<-- [end:run]
