"""Where an ONNX Runtime session's nodes really run, and INT8 cells on the CUDA provider.

The CUDA execution provider has no integer kernels for QDQ convs: an INT8 (QDQ) file on it runs the
Q/DQ pairs and float convs, or falls back to the CPU (docs/platform-notes.md "ONNX Runtime"), so its
numbers are not INT8 numbers. Such cells are flagged, and for any GPU provider the provider each node
ran on is read from ONNX Runtime's own profiler (one extra inference in a separate session, after the
timed loop). onnxruntime is imported inside functions only.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    from onnxruntime import InferenceSession

    from edgecrelu.backends.onnxruntime.runner import OrtRunner

from edgecrelu.registries import ORT_CPU_PROVIDER as CPU

CUDA = "CUDAExecutionProvider"
TRT_EP = "TensorrtExecutionProvider"


def int8_cuda_warning(precision: str, providers: list[str]) -> str | None:
    """The warning for an INT8 cell whose session runs on the CUDA provider (not TensorRT's), else None."""
    if precision != "int8" or not providers or providers[0] != CUDA:
        return None
    return ("INT8 (QDQ) on the CUDA execution provider runs float kernels with Q/DQ in between (or falls back "
            "to the CPU): not an INT8 number; profile INT8 with the TensorRT provider or the tensorrt backend")


def count_node_providers(profile_events: list[Any]) -> dict[str, dict[str, Any]]:
    """ORT profiler events -> {provider: number of node runs} and {op type: {provider: n}}."""
    by_provider: dict[str, int] = {}
    by_op: dict[str, dict[str, int]] = {}
    seen = set()
    for ev in profile_events:
        if not isinstance(ev, dict) or ev.get("cat") != "Node":
            continue
        args = ev.get("args") or {}
        provider = args.get("provider")
        if not provider or not str(ev.get("name", "")).endswith("_kernel_time"):
            continue
        name = ev["name"][: -len("_kernel_time")]
        if name in seen:  # one entry per node, from the first run
            continue
        seen.add(name)
        op = args.get("op_name", "?")
        by_provider[provider] = by_provider.get(provider, 0) + 1
        by_op.setdefault(op, {})
        by_op[op][provider] = by_op[op].get(provider, 0) + 1
    return {"nodes": by_provider, "ops": by_op}


def placement_warning(placement: dict[str, Any], requested_first: str) -> str | None:
    """A warning when nodes ran on a provider other than the first one requested (usually the CPU)."""
    nodes = placement.get("nodes") or {}
    others = {p: n for p, n in nodes.items() if p != requested_first}
    if requested_first == CPU or not others:
        return None
    total = sum(nodes.values())
    ops = sorted({op for op, by in (placement.get("ops") or {}).items() if any(p in others for p in by)})
    return (f"{sum(others.values())} of {total} nodes ran outside {requested_first} "
            f"({', '.join(f'{p}: {n}' for p, n in sorted(others.items()))}; ops {', '.join(ops[:6])})")


def node_providers(open_session: Callable[[str], InferenceSession], feed: dict[str, np.ndarray],
                   workdir: str | os.PathLike[str]) -> dict[str, dict[str, Any]]:
    """Run ``feed`` once through a profiling session from ``open_session(profile_prefix)`` and count
    the provider of each node (ORT's profiler records it per node)."""
    prefix = Path(workdir) / "ort-placement"
    session = open_session(str(prefix))
    session.run(None, feed)
    path = session.end_profiling()
    try:
        events = json.loads(Path(path).read_text())
    finally:
        Path(path).unlink(missing_ok=True)
    return count_node_providers(events)


_ORT_TYPES = {"tensor(float)": "float32", "tensor(float16)": "float16", "tensor(double)": "float64",
              "tensor(int64)": "int64", "tensor(int32)": "int32", "tensor(int8)": "int8", "tensor(uint8)": "uint8"}


def zero_feed(session: InferenceSession, batch: int = 1) -> dict[str, np.ndarray]:
    """Zeros for every input of ``session``, symbolic dimensions set to ``batch``."""
    import numpy as np

    feed = {}
    for i in session.get_inputs():
        shape = [d if isinstance(d, int) and d > 0 else batch for d in i.shape]
        feed[i.name] = np.zeros(shape, _ORT_TYPES.get(i.type, "float32"))
    return feed


def gpu_record(runner: OrtRunner) -> dict[str, Any]:
    """What an :class:`~edgecrelu.backends.onnxruntime.runner.OrtRunner` adds to its record for GPU
    providers: the INT8-on-CUDA flag and the provider each node ran on. Nothing for CPU-only sessions."""
    import tempfile

    from edgecrelu.backends.onnxruntime.loader import open_session

    loader = runner.loader
    providers = list(getattr(runner, "_providers", []) or [])
    out: dict[str, Any] = {"warnings": []}
    w = int8_cuda_warning(loader.precision, providers)
    if w:
        out["warnings"].append(w)
        out["int8_on_cuda_provider"] = True
    if not providers or providers[0] == CPU or runner.session is None:
        return out
    try:
        with tempfile.TemporaryDirectory(prefix="edgecrelu-ort-") as tmp:
            placement = node_providers(
                lambda prefix: open_session(loader.model_path, loader.options, precision=loader.precision,
                                            trt=loader.trt, model_sha256=loader.model_sha256, profile_prefix=prefix),
                zero_feed(runner.session), tmp)
    except Exception as exc:  # the record says why, never a traceback
        out["warnings"].append(f"could not read which provider each node ran on: {exc}")
        return out
    out["node_providers"] = placement
    w = placement_warning(placement, providers[0])
    if w:
        out["warnings"].append(w)
    return out
