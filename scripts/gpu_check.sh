#!/usr/bin/env bash
# GPU check: on a machine with an NVIDIA GPU, run the pipeline from this checkout (no install, no
# network) and print a summary. Stages: train (1 epoch, tiny, digits) -> export -> TensorRT (when
# tensorrt + pycuda import: 6 engines, 2 s power cells) and the same cell again from the engine cache
# -> profile with the torch backend on CUDA (eager, and one torch.compile cell) -> ONNX Runtime on
# its CUDA provider (when this onnxruntime has it: INT8 flag, node placement) and on the CPU -> report
# -> trust_checks (scripts/gpu_trust_check.py: CUDA graphs and the trtexec line, per-layer precision,
# memory footprint, power from the energy counter / tegrastats with idle baseline and clocks, engine
# cache, ORT node placement, live tegrastats on a Jetson) -> the gpu/tensorrt-marked unit tests. A
# stage whose tool is missing is skipped with a message; the whole check stays within 5 minutes (each
# stage is capped by what is left of the budget).
#
#   scripts/gpu_check.sh [WORK_DIR]        (default: a fresh temp dir)
#   DEVICE=jetson-agx-orin scripts/gpu_check.sh   (device profile; default: desktop-gpu, or
#                                                  jetson-orin-nano on a Jetson)
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
WORK="${1:-$(mktemp -d -t edgecrelu-gpu-check-XXXXXX)}"
mkdir -p "$WORK"
export PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}"
export EDGECRELU_ENGINE_CACHE="${EDGECRELU_ENGINE_CACHE:-$WORK/engines}"
PY="${PYTHON:-python3}"
BUDGET_S="${BUDGET_S:-290}"
START=$(date +%s)
if [[ -f /etc/nv_tegra_release ]]; then DEVICE="${DEVICE:-jetson-orin-nano}"; else DEVICE="${DEVICE:-desktop-gpu}"; fi
PROFILE_ARGS=(--batch 1,8 --duration 0.5 --iterations 20 --trials 1 --warmup 0.2)
# power cells: long enough for >= 10 samples at 100 ms plus the profile's idle window
POWER_ARGS=(--duration 2 --iterations 50 --trials 1 --warmup 0.2)

declare -a SUMMARY=()
FAILED=0

note() { echo "[gpu_check] $*" >&2; }

# stage NAME MAX_SECONDS CMD... : run with a time limit, log to $WORK/NAME.log, record the outcome.
stage() {
  local name="$1" max="$2"; shift 2
  local left=$((BUDGET_S - ($(date +%s) - START)))
  if ((left < 10)); then
    SUMMARY+=("$name: NOT RUN (5-minute budget spent)"); note "$name: not run, time budget spent"; FAILED=1; return 0
  fi
  ((max > left)) && max=$left
  note "$name (limit ${max}s): $*"
  local t0=$(date +%s) rc=0
  if command -v timeout >/dev/null 2>&1; then
    timeout "$max" "$@" >"$WORK/$name.log" 2>&1 || rc=$?
  else
    "$@" >"$WORK/$name.log" 2>&1 || rc=$?
  fi
  local dt=$(($(date +%s) - t0))
  if ((rc == 0)); then
    SUMMARY+=("$name: OK (${dt}s)")
  else
    [[ $rc -eq 124 ]] && SUMMARY+=("$name: TIMED OUT after ${dt}s") || SUMMARY+=("$name: FAILED rc=$rc (${dt}s)")
    FAILED=1
    note "$name failed; last lines of $WORK/$name.log:"; tail -n 15 "$WORK/$name.log" >&2 || true
  fi
  return 0
}

skip() { SUMMARY+=("$1: SKIPPED ($2)"); note "$1: skipped: $2"; }

if ! command -v "$PY" >/dev/null 2>&1; then
  echo "gpu_check: $PY not found" >&2; exit 1
fi
# msgspec (the file-format models, a dependency) is often the one package such a python lacks: take it
# from a wheelhouse/ beside this checkout when there is one, into the work dir (no network, no install).
if ! "$PY" -c "import msgspec" 2>/dev/null; then
  if compgen -G "$ROOT/wheelhouse/msgspec-*.whl" >/dev/null && "$PY" -m pip install -q --no-index \
      --find-links "$ROOT/wheelhouse" --target "$WORK/pydeps" msgspec >&2; then
    export PYTHONPATH="$PYTHONPATH:$WORK/pydeps"
  else
    echo "gpu_check: msgspec does not import in $PY; on a machine with network run 'pip download msgspec --only-binary=:all: --python-version $("$PY" -c 'import sys; print(f"{sys.version_info[0]}{sys.version_info[1]}")') --platform manylinux2014_$(uname -m) -d wheelhouse/', copy wheelhouse/ into $ROOT and rerun" >&2
    exit 1
  fi
fi
EC=("$PY" -m edgecrelu)
HAVE_TORCH=0; HAVE_CUDA=0; HAVE_TRT=0
"$PY" -c "import torch" 2>/dev/null && HAVE_TORCH=1
((HAVE_TORCH)) && "$PY" -c "import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)" 2>/dev/null && HAVE_CUDA=1
"$PY" -c "import tensorrt, pycuda.driver" 2>/dev/null && HAVE_TRT=1
HAVE_ORT_CUDA=0
"$PY" -c "import onnxruntime as o, sys; sys.exit(0 if 'CUDAExecutionProvider' in o.get_available_providers() else 1)" \
  2>/dev/null && HAVE_ORT_CUDA=1
# FP16 ONNX needs onnxconverter-common (edgecrelu[torch]); without it export fp32 / int8 only.
PRECISIONS=fp32,int8
"$PY" -c "import onnxconverter_common.float16" 2>/dev/null && PRECISIONS=fp32,fp16,int8
command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader >&2 || true
note "work dir $WORK; device profile $DEVICE; torch=$HAVE_TORCH cuda=$HAVE_CUDA tensorrt+pycuda=$HAVE_TRT; ONNX precisions $PRECISIONS"

TRAIN_DEV=cpu; ((HAVE_CUDA)) && TRAIN_DEV=cuda
if ((HAVE_TORCH)); then
  stage train 90 "${EC[@]}" train --model convpool-c --width 0.25 --input-size 16 --data digits \
    --variants relu,crelu-half@2 --epochs 1 --device "$TRAIN_DEV" --out "$WORK/run"
  stage export 60 "${EC[@]}" export "$WORK/run" --out "$WORK/bundle" --precisions "$PRECISIONS" \
    --forms graph,folded --calib-size 64 --eval-size 200 --overwrite
else
  skip train "torch does not import"; skip export "torch does not import"
fi

if [[ -f "$WORK/bundle/manifest.json" ]]; then
  if ((HAVE_TRT)); then
    # 2 variants x 3 precisions x 1 form x batch 8 = 6 engines (24 did not fit the budget)
    stage tensorrt 150 "${EC[@]}" profile "$WORK/bundle" --device "$DEVICE" --backend tensorrt \
      --variants relu,crelu-half@2 --forms graph --precisions "$PRECISIONS" --batch 8 \
      --out "$WORK/results/tensorrt" "${POWER_ARGS[@]}"
    # the same cell again: served from the engine cache (keyed on the full TensorRT version)
    stage tensorrt_cache 30 "${EC[@]}" profile "$WORK/bundle" --device "$DEVICE" --backend tensorrt \
      --variants relu --forms graph --precisions fp32 --batch 8 --out "$WORK/results/tensorrt-cache" \
      "${PROFILE_ARGS[@]}" --batch 8
  else
    skip tensorrt "tensorrt or pycuda does not import (pip install 'edgecrelu[trt]', or JetPack's TensorRT)"
  fi
  if ((HAVE_CUDA)); then
    stage torch_cuda 100 "${EC[@]}" profile "$WORK/bundle" --device "$DEVICE" --backend torch \
      --precisions fp32,fp16 --out "$WORK/results/torch" "${PROFILE_ARGS[@]}" --duration 1
    # one torch.compile cell: compile time is paid at activation, outside the timed loop
    stage torch_compile 90 "${EC[@]}" profile "$WORK/bundle" --device "$DEVICE" --backend torch \
      --forms compile --variants crelu-half@2 --precisions fp16 --out "$WORK/results/torch-compile" \
      "${PROFILE_ARGS[@]}" --batch 8
  else
    skip torch_cuda "torch sees no CUDA GPU"
  fi
  if ((HAVE_ORT_CUDA)); then
    stage ort_cuda 45 "${EC[@]}" profile "$WORK/bundle" --device "$DEVICE" --backend onnxruntime \
      --variants relu --forms graph --precisions fp32,int8 --batch 8 --out "$WORK/results/ort-cuda" "${PROFILE_ARGS[@]}" --batch 8
  else
    skip ort_cuda "this onnxruntime has no CUDAExecutionProvider"
  fi
  stage ort_cpu 45 "${EC[@]}" profile "$WORK/bundle" --device cpu --backend onnxruntime \
    --precisions fp32,int8 --out "$WORK/results/ort-cpu" "${PROFILE_ARGS[@]}"
  RES=()
  for d in torch torch-compile tensorrt tensorrt-cache ort-cuda ort-cpu; do
    compgen -G "$WORK/results/$d/*.json" >/dev/null && RES+=("$WORK/results/$d")
  done
  if ((${#RES[@]})) && "${EC[@]}" report --help >/dev/null 2>&1; then
    stage report 30 "${EC[@]}" report "${RES[@]}" --out "$WORK/report" --format md,csv,json
    # the checks only hardware can answer, from the records just written (each line PASS / FAIL / SKIP)
    stage trust_checks 30 "$PY" "$ROOT/scripts/gpu_trust_check.py" "${RES[@]}"
  else
    skip report "no records or no report command"
  fi
else
  skip profile "no bundle"
fi

# The GPU-marked unit tests (torch CUDA stages and memory; real TensorRT builds where it imports).
if ((HAVE_CUDA)) && "$PY" -c "import pytest" 2>/dev/null && [[ -d "$ROOT/tests" ]]; then
  stage gpu_tests 60 "$PY" -m pytest -q -p no:cacheprovider -m "gpu or tensorrt" -rs "$ROOT/tests/backends"
else
  skip gpu_tests "no CUDA GPU, or pytest not installed"
fi

echo
echo "== edgecrelu GPU check ($(($(date +%s) - START))s, work dir $WORK) =="
for s in "${SUMMARY[@]}"; do echo "  $s"; done
for name in tensorrt torch_cuda torch_compile ort_cuda ort_cpu; do  # the table each profile stage printed
  log="$WORK/$name.log"
  if [[ -f "$log" ]] && grep -q "^variant" "$log"; then
    echo; echo "-- $name --"; sed -n '/^variant/,$p' "$log"
  fi
done
[[ -f "$WORK/trust_checks.log" ]] && { echo; echo "-- trust_checks --"; grep '^CHECK' "$WORK/trust_checks.log" || true; }
[[ -f "$WORK/gpu_tests.log" ]] && { echo; echo "-- gpu_tests --"; tail -n 8 "$WORK/gpu_tests.log"; }
[[ -f "$WORK/report/report.md" ]] && { echo; echo "report: $WORK/report/report.md"; }
if ! printf '%s\n' "${SUMMARY[@]}" | grep -Eq '^(torch_cuda|tensorrt): OK'; then
  echo; echo "NOTE: no GPU stage ran on this machine (see the skips above)."
fi
exit "$FAILED"
