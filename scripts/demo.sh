#!/usr/bin/env bash
# The main job on the embedded defaults: install into .venv, then `edgecrelu run` -- train the
# inspect-net variants (relu, crelu@2, crelu-half@2) on the built-in synthetic surface-inspection set
# (good + scratch / spot / crack / stain on four textures, generated in memory), export the bundle,
# profile it on this CPU with ONNX Runtime, and write the report with the GO / NO-GO verdict.
# Extra arguments go to `edgecrelu run` (e.g. --quick, --out DIR); an existing --out is resumed.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/_install.sh torch
exec .venv/bin/edgecrelu run --out edgecrelu-out "$@"
