#!/usr/bin/env bash
# Shared set-up for demo.sh and test.sh: a .venv with torch==2.13.0 installed *first*
# (a looser requirement would pull a multi-GB CUDA build), then the project with extras.
set -euo pipefail
cd "$(dirname "$0")/.."
EXTRAS="${1:-torch}"
PY="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
    echo "[edgecrelu] creating .venv"
    "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
if ! .venv/bin/python -c "import torch, sys; sys.exit(torch.__version__.split('+')[0] != '2.13.0')" 2>/dev/null; then
    # The one long step of a fresh install: say so, and let pip show its download progress.
    echo "[edgecrelu] downloading and installing torch==2.13.0 and its dependencies (the big download;"
    echo "[edgecrelu] a minute or more on a fresh .venv) ..."
    .venv/bin/python -m pip install --progress-bar on torch==2.13.0 | { grep -v "^Requirement already satisfied" || true; }
    echo "[edgecrelu] torch installed"
fi
echo "[edgecrelu] installing edgecrelu[$EXTRAS]"
.venv/bin/python -m pip install -q -e ".[$EXTRAS]"
