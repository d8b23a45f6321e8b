#!/usr/bin/env bash
# Set up the app on a fresh machine and start it on the bundled data: http://localhost:8501
set -euo pipefail
cd "$(dirname "$0")"
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -r requirements.txt
exec .venv/bin/streamlit run streamlit_app.py "$@"
