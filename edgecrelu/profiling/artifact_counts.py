"""The MACs and parameters of the artifact a cell ran (a CReLU form changes them), from the manifest
or counted in the ONNX file itself."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from edgecrelu.bundle import Artifact, Bundle

WEIGHT_OPS = ("Conv", "ConvTranspose", "Gemm", "MatMul")
PASS_THROUGH = ("DequantizeLinear", "Cast", "Transpose", "Reshape", "Identity")  # weight -> op, unchanged in count


def onnx_params(path: str | os.PathLike) -> int | None:
    """Parameters an ONNX graph executes: the elements of the initializers feeding Conv / Gemm /
    MatMul weights and biases, followed through DequantizeLinear / Cast (INT8 QDQ, FP16 casts), each
    counted once. None when the file cannot be read."""
    import onnx

    try:
        g = onnx.load(str(path), load_external_data=False).graph
    except Exception:  # noqa: BLE001 - a count is optional: never fail a cell over it
        return None
    sizes = {t.name: int(np.prod(t.dims)) if len(t.dims) else 1 for t in g.initializer}
    producer = {o: n for n in g.node for o in n.output}
    seen: set = set()
    for node in g.node:
        if node.op_type not in WEIGHT_OPS:
            continue
        for name in node.input[1:]:
            for _ in range(8):  # follow a short chain of pass-through nodes back to the initializer
                src = producer.get(name)
                if src is None or src.op_type not in PASS_THROUGH or not src.input:
                    break
                name = src.input[0]
            if name in sizes:
                seen.add(name)
    return sum(sizes[n] for n in seen) if seen else None


def artifact_counts(bundle: Bundle, art: Artifact | None) -> dict:
    """MACs and params of the artifact the cell ran (a CReLU form changes them: ``folded`` doubles
    the conv in front of each CReLU): the manifest entry's where it has them, params otherwise
    counted in the ONNX file itself. Absent when neither is known; the report then shows the
    variant's and says so."""
    if art is None:
        return {}
    out = {}
    for key in ("macs", "params"):
        value = art.info.get(key)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            out[f"artifact_{key}"] = int(value)
    if "artifact_params" not in out and str(art.path).endswith(".onnx"):
        params = onnx_params(bundle.path(art.path))
        if params is not None:
            out["artifact_params"] = params
    return out
