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
    echo "[edgecrelu] installing torch==2.13.0"
    .venv/bin/python -m pip install -q torch==2.13.0
fi
echo "[edgecrelu] installing edgecrelu[$EXTRAS]"
.venv/bin/python -m pip install -q -e ".[$EXTRAS]"
