#!/usr/bin/env bash
# The main job on the embedded defaults. Until `edgecrelu run` exists: install, then train the three
# ConvPool-CNN-C variants (relu, crelu@4, crelu-half@4) on scikit-learn's digits for one epoch.
# Extra arguments go to `edgecrelu train`; --resume makes a second run skip finished checkpoints.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/_install.sh torch

exec .venv/bin/edgecrelu train --model convpool-c --data digits --epochs 1 --out runs/demo --resume "$@"
