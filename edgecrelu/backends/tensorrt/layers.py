"""What an engine really runs: per-layer precision and device from TensorRT's engine inspector.

An FP16 engine may keep layers in FP32, an INT8 engine leaves layers without Q/DQ in float, and DLA
with GPU fallback moves layers to the GPU silently. With the engine built at detailed profiling
verbosity, ``IEngineInspector.get_engine_information(LayerInformationFormat.JSON)`` lists every layer
with its type and the ``Format/Datatype`` of its inputs and outputs (docs/platform-notes.md
"TensorRT"). This module turns that JSON into counts and a verdict (plain data; no TensorRT import).
"""

from __future__ import annotations

import json
import re
from types import ModuleType
from typing import Any

# Layers that do the arithmetic a precision name promises; the rest (reformats, shuffles, Q/DQ,
# activations fused elsewhere) may legitimately run in another type.
_COMPUTE = re.compile(r"conv|gemm|matmul|matrixmultiply|fullyconnected|deconv", re.IGNORECASE)
_DTYPES = (("int8", re.compile(r"\bint8\b", re.I)), ("fp8", re.compile(r"\bfp8\b", re.I)),
           ("fp16", re.compile(r"\bfp16\b|\bhalf\b", re.I)), ("bf16", re.compile(r"\bbf16\b", re.I)),
           ("fp32", re.compile(r"\bfp32\b|\bfloat\b", re.I)), ("int32", re.compile(r"\bint32\b", re.I)),
           ("int64", re.compile(r"\bint64\b", re.I)), ("bool", re.compile(r"\bbool\b", re.I)))


def dtype_of(fmt: str) -> str:
    """``"Row major linear FP16 format"`` -> ``"fp16"``; ``"unknown"`` when no type is named."""
    for name, pat in _DTYPES:
        if pat.search(fmt or ""):
            return name
    return "unknown"


def layer_precision(layer: dict[str, Any]) -> str:
    """A layer's compute type: that of its first input (an INT8 conv reads int8), else of its first output."""
    for key in ("Inputs", "Outputs"):
        for t in layer.get(key) or []:
            if isinstance(t, dict) and t.get("Format/Datatype"):
                return dtype_of(t["Format/Datatype"])
    return "unknown"


def layer_device(layer: dict[str, Any]) -> str:
    text = f"{layer.get('LayerType', '')} {layer.get('Name', '')}"
    return "DLA" if re.search(r"\bDLA\b|kDLA|dla", text) else "GPU"


def is_compute(layer: dict[str, Any]) -> bool:
    return bool(_COMPUTE.search(f"{layer.get('LayerType', '')} {layer.get('Name', '')}"))


def summarize_layers(info_json: str, precision: str, dla: bool = False) -> dict[str, Any]:
    """Counts per precision and device (all layers, and the compute layers), and whether the engine is
    what its name says: every compute layer in ``precision`` and, with ``dla``, on the DLA."""
    try:
        doc = json.loads(info_json)
    except (TypeError, ValueError):
        return {"available": False, "why": "the engine inspector returned no JSON"}
    layers = doc.get("Layers") if isinstance(doc, dict) else None
    if not layers or not all(isinstance(layer, dict) for layer in layers):
        return {"available": False,
                "why": "no per-layer detail (engine built without detailed profiling verbosity)"}
    by_precision: dict[str, int] = {}
    by_device: dict[str, int] = {}
    compute_precision: dict[str, int] = {}
    compute_device: dict[str, int] = {}
    out: dict[str, Any] = {"available": True, "layers": len(layers), "precision": by_precision, "device": by_device,
                           "compute_precision": compute_precision, "compute_device": compute_device}
    off_precision, off_device = [], []
    for layer in layers:
        p, d = layer_precision(layer), layer_device(layer)
        by_precision[p] = by_precision.get(p, 0) + 1
        by_device[d] = by_device.get(d, 0) + 1
        if is_compute(layer):
            compute_precision[p] = compute_precision.get(p, 0) + 1
            compute_device[d] = compute_device.get(d, 0) + 1
            if p != precision:
                off_precision.append(f"{layer.get('Name', '?')} ({p})")
            if dla and d != "DLA":
                off_device.append(str(layer.get("Name", "?")))
    out["matches_name"] = not off_precision and not off_device and bool(compute_precision)
    warnings = []
    if off_precision:
        n = sum(compute_precision.values())
        warnings.append(f"engine is not all {precision}: {len(off_precision)} of {n} compute layers run in "
                        f"another precision ({', '.join(off_precision[:3])}{', ...' if len(off_precision) > 3 else ''})")
    if off_device:
        warnings.append(f"DLA engine runs {len(off_device)} compute layer(s) on the GPU (fallback): "
                        f"{', '.join(off_device[:3])}{', ...' if len(off_device) > 3 else ''}")
    if not compute_precision:
        warnings.append("the engine inspector listed no compute layer; precision not checked")
    out["warnings"] = warnings
    return out


def inspect_engine(trt: ModuleType, engine: Any, context: Any, precision: str, dla: bool = False) -> dict[str, Any]:
    """:func:`summarize_layers` of a deserialized engine (the context resolves dynamic shapes)."""
    try:
        inspector = engine.create_engine_inspector()
        if context is not None:
            inspector.execution_context = context
        text = inspector.get_engine_information(trt.LayerInformationFormat.JSON)
    except Exception as exc:  # an engine or release without an inspector
        return {"available": False, "why": f"engine inspector failed: {exc}"}
    return summarize_layers(text, precision, dla)
