#!/usr/bin/env bash
# Install the dev extras into .venv and run the test suite. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/_install.sh "torch,dev"
exec .venv/bin/python -m pytest "$@"
