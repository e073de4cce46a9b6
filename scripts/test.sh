#!/usr/bin/env bash
# Install the dev extras into .venv, check lint and the import layers, then run the test suite.
# Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/_install.sh "torch,dev"
echo "[edgecrelu] ruff (lint + import order)"
.venv/bin/ruff check .
echo "[edgecrelu] import-linter (the layers of docs/architecture.md)"
.venv/bin/lint-imports --no-cache
exec .venv/bin/python -m pytest "$@"
