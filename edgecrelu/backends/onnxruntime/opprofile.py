"""Where an ONNX Runtime session's time goes, measured apart from the timed loop.

* :func:`conv_kinds` -- how many convs of the model ORT runs as integer ``QLinearConv`` and how many
  in float, read from the model ORT writes after its graph optimisations (a QDQ file whose convs stay
  float is an FP32 run with extra Quantize/Dequantize work, docs/platform-notes.md "ONNX Runtime").
* :func:`op_time_shares` -- per-op-type share of kernel time from ORT's own profiler
  (``open_session(profile_prefix=...)``), over a separate short run of its own session.

onnxruntime is imported only inside functions (through ``loader.open_session``).
"""

from __future__ import annotations

import json
import os
import statistics
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from edgecrelu.backends.onnxruntime.loader import CPU, open_session, session_options
from edgecrelu.devices import OrtOptions, TrtOptions
from edgecrelu.realisation import FLOAT_CONVS, INT_CONVS

if TYPE_CHECKING:
    import numpy as np
    from onnxruntime import InferenceSession


def optimized_ops(model_path: str | os.PathLike[str], options: OrtOptions) -> list[str]:
    """Op types of the graph ORT runs for ``model_path`` with ``options`` (CPU provider)."""
    import onnx
    import onnxruntime as ort

    with tempfile.TemporaryDirectory(prefix="edgecrelu-ortopt-") as tmp:
        dst = Path(tmp) / "optimized.onnx"
        so = session_options(options)
        so.optimized_model_filepath = str(dst)
        ort.InferenceSession(str(model_path), so, providers=[CPU])
        return [n.op_type for n in onnx.load(str(dst), load_external_data=False).graph.node]


def conv_kinds(model_path: str | os.PathLike[str], options: OrtOptions) -> dict[str, int]:
    """``{"qlinear": n, "float": m}``: convs ORT runs as integer kernels and as float ones."""
    ops = optimized_ops(model_path, options)
    return {"qlinear": sum(o in INT_CONVS for o in ops), "float": sum(o in FLOAT_CONVS for o in ops)}


def shares(us_per_op: dict[str, float]) -> dict[str, float]:
    """Fractions of the total, largest first (empty when nothing was timed)."""
    total = sum(us_per_op.values())
    if total <= 0:
        return {}
    return {k: round(v / total, 4) for k, v in sorted(us_per_op.items(), key=lambda kv: -kv[1])}


def op_time_shares(model_path: str | os.PathLike[str], options: OrtOptions, feed: dict[str, np.ndarray], runs: int = 5,
                   trt: TrtOptions | None = None, precision: str = "fp32") -> dict[str, Any]:
    """``{"runs", "total_ms", "shares": {op_type: fraction}}`` from ``runs`` profiled inferences of
    a session of its own (one untimed warm-up first); the trace file is deleted afterwards. Each node
    counts at its median run, so the warm-up (first-run allocations, in the trace too) stays out;
    ``total_ms`` is the sum of those medians, one inference's kernel time."""
    with tempfile.TemporaryDirectory(prefix="edgecrelu-ortprof-") as tmp:
        sess = open_session(Path(model_path), options, precision=precision, trt=trt,
                            profile_prefix=os.path.join(tmp, "ort"))
        names = [o.name for o in sess.get_outputs()]
        sess.run(names, feed)
        for _ in range(max(1, int(runs))):
            sess.run(names, feed)
        per_op = profiled_op_us(sess)
    return {"runs": int(runs), "total_ms": round(sum(per_op.values()) / 1000.0, 4), "shares": shares(per_op)}


def profiled_op_us(sess: InferenceSession) -> dict[str, float]:
    """Ends the profiling of ``sess`` (opened with ``profile_prefix``) and reads its trace: microseconds
    per op type of one inference, each node at its median run."""
    return per_op_us(node_medians(json.loads(Path(sess.end_profiling()).read_text())))


def node_medians(trace: list[dict[str, Any]]) -> dict[str, tuple[str, float]]:
    """``{node: (op type, median kernel microseconds)}`` over every run in an ORT profile trace: the
    median per node keeps a warm-up run or a slow moment of the machine out."""
    per: dict[str, tuple[str, list[float]]] = {}
    for ev in trace:
        if ev.get("cat") != "Node" or not str(ev.get("name", "")).endswith("_kernel_time"):
            continue
        op = (ev.get("args") or {}).get("op_name")
        if op:
            per.setdefault(ev["name"][: -len("_kernel_time")], (op, []))[1].append(float(ev.get("dur", 0)))
    return {n: (op, statistics.median(d)) for n, (op, d) in per.items()}


def per_op_us(nodes: dict[str, tuple[str, float]]) -> dict[str, float]:
    """Summed microseconds per op type of :func:`node_medians`' nodes."""
    out: dict[str, float] = {}
    for op, us in nodes.values():
        out[op] = out.get(op, 0.0) + us
    return out
