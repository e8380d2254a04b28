#!/usr/bin/env bash
# Create .venv and install the pinned Python dependencies (requirements.txt, with hashes).
# Run by make before any target that needs Python; a second run does nothing.
set -euo pipefail

venv=.venv
need_major=3
need_minor=10

if ! command -v python3 >/dev/null 2>&1; then
  echo "error: python3 is not installed. Install Python ${need_major}.${need_minor} or newer (Debian/Ubuntu: sudo apt-get install python3 python3-venv)." >&2
  exit 1
fi
if ! python3 -c "import sys; sys.exit(sys.version_info < (${need_major}, ${need_minor}))"; then
  echo "error: Python ${need_major}.${need_minor} or newer is needed; $(python3 --version) was found." >&2
  exit 1
fi
if [ ! -x "$venv/bin/python" ]; then
  echo "==> Creating $venv"
  if ! python3 -m venv "$venv" 2>/dev/null; then
    rm -rf "$venv"
    echo "error: python3 cannot create a virtual environment. Install the venv module (Debian/Ubuntu: sudo apt-get install python3-venv)." >&2
    exit 1
  fi
fi
echo "==> Installing pinned Python dependencies into $venv (requirements.txt, hashes checked)"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements.txt
echo "==> Installing the project's package cka into $venv (editable: edits take effect at once)"
# setuptools comes pinned with requirements.txt; no build isolation, so nothing else is fetched.
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
touch "$venv/.ready"
echo "==> $venv is ready"
