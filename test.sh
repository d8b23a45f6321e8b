#!/usr/bin/env bash
# Set up everything the tests need on a fresh machine, then run lint, types and tests.
#   ./test.sh            # the whole suite
#   ./test.sh -m "not browser" tests/geo   # extra arguments go to pytest
set -euo pipefail
cd "$(dirname "$0")"

# System packages: Debian's Chromium and its driver for the real-browser tests.
if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium chromium-driver >/dev/null
fi

PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -r requirements-dev.txt

echo "== ruff"; .venv/bin/ruff check . && .venv/bin/ruff format --check .
echo "== mypy"; .venv/bin/mypy
echo "== pytest"; .venv/bin/python -m pytest "$@"
