#!/usr/bin/env bash
# The main job on the embedded defaults: install into .venv, then `edgecrelu run` -- train the
# ConvPool-CNN-C variants (relu, crelu@4, crelu-half@4) on scikit-learn's digits, export the bundle,
# profile it on this CPU with ONNX Runtime, and write the report with the GO / NO-GO verdict.
# Extra arguments go to `edgecrelu run` (e.g. --quick, --out DIR); an existing --out is resumed.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/_install.sh torch
exec .venv/bin/edgecrelu run --out edgecrelu-out "$@"
