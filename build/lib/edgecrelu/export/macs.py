"""Multiply-accumulates of an ONNX graph (Conv, Gemm, MatMul), per image.

The variant's MACs come from the PyTorch model; a CReLU form changes them (``folded`` doubles the
conv in front of each CReLU, ``pm1`` adds a 1x1 conv, ``split`` runs the next conv twice), so each
artifact records the MACs of its own graph.
"""

from __future__ import annotations

import math

import onnx
from onnx import helper


def _dims(vi) -> list[int] | None:
    t = vi.type.tensor_type
    if not t.HasField("shape"):
        return None
    # the dynamic batch axis counts as 1: MACs are per image
    return [d.dim_value if d.HasField("dim_value") else 1 for d in t.shape.dim]


def onnx_macs(model: onnx.ModelProto) -> int:
    """Sum of Conv / Gemm / MatMul MACs for one image (shapes from ONNX shape inference)."""
    m = onnx.shape_inference.infer_shapes(model)
    g = m.graph
    shapes = {vi.name: _dims(vi) for vi in list(g.value_info) + list(g.input) + list(g.output)}
    shapes.update({t.name: list(t.dims) for t in g.initializer})
    total = 0
    for n in g.node:
        if n.op_type == "Conv":
            w, out = shapes.get(n.input[1]), shapes.get(n.output[0])
            if w and out:
                # out elements x (C_in / group x kh x kw): W is [C_out, C_in/group, kh, kw]
                total += math.prod(out) * math.prod(w[1:])
        elif n.op_type in ("Gemm", "MatMul"):
            a, out = shapes.get(n.input[0]), shapes.get(n.output[0])
            if a and out:
                trans_a = n.op_type == "Gemm" and any(x.name == "transA" and helper.get_attribute_value(x)
                                                      for x in n.attribute)
                k = a[-2] if trans_a else a[-1]
                total += math.prod(out) * k
    return int(total)
