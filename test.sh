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

# nginx for the reverse-proxy test of the deployment notes (deploy/nginx.conf).
if ! command -v nginx >/dev/null 2>&1 && [ ! -x /usr/sbin/nginx ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq nginx >/dev/null
fi

# PostgreSQL 15 with PostGIS for the store's tests (tests/store run on SQLite and on it).
PG_BIN=/usr/lib/postgresql/15/bin
if [ ! -x "$PG_BIN/initdb" ] || [ ! -f /usr/share/postgresql/15/extension/postgis.control ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql postgresql-15-postgis-3 >/dev/null
fi

PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -r requirements-dev.txt

# A throw-away cluster in a temporary folder on a free local port, stopped on exit.
# PostgreSQL refuses to run as root: as root (CI) it runs as the system user planmap-pg.
if [ -z "${PLANMAP_TEST_DATABASE_URL:-}" ]; then
  PG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/planmap-pg.XXXXXX")
  RUN=()
  if [ "$(id -u)" -eq 0 ]; then
    id -u planmap-pg >/dev/null 2>&1 ||
      useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin planmap-pg
    chown planmap-pg "$PG_DIR"
    RUN=(runuser -u planmap-pg --)
  fi
  PG_PORT=$(.venv/bin/python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  "${RUN[@]}" "$PG_BIN/initdb" -D "$PG_DIR/data" -U planmap -A trust -E UTF8 --no-sync >/dev/null
  trap '"${RUN[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null 2>&1 || true; rm -rf "$PG_DIR"' EXIT
  "${RUN[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 \
    -o "-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1" start >/dev/null
  export PLANMAP_TEST_DATABASE_URL="postgresql://planmap@127.0.0.1:$PG_PORT/postgres"
fi
export PLANMAP_REQUIRE_POSTGRES=1  # the store tests fail, not skip, without the server

echo "== ruff"; .venv/bin/ruff check . && .venv/bin/ruff format --check .
echo "== mypy"; .venv/bin/mypy
echo "== pytest"; .venv/bin/python -m pytest "$@"
