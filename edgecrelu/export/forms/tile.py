"""The ``tile`` form: ``Tile(y, [1, 2, 1, 1]) * [+1; -1] -> Relu``: y is read by one node only.

Why it exists (docs/platform-notes.md "CReLU forms" and "ONNX Runtime"): in a symmetric int8 QDQ
file, ``graph`` reads y twice (Neg and Concat), so y's QuantizeLinear feeds two DequantizeLinear
nodes; ONNX Runtime on x86 then cannot turn that pair to uint8 and leaves the conv that makes y (and
the one after) in float. Here y's only reader is Tile, a data-movement op that ORT runs on the
quantized tensor, so every conv stays a QLinearConv. The per-channel ``+1 / -1`` Mul is exact in
FP32 (a sign flip), so the form equals ``graph`` bit for bit there.
"""

from __future__ import annotations

import numpy as np
from onnx import helper

from edgecrelu.export.forms.base import Form
from edgecrelu.export.forms.edit import conv_parts


class TileForm(Form):
    name = "tile"
    description = "Tile(y) x [+1; -1] then Relu: y read once, so INT8 keeps every conv quantized"

    def rewrite(self, idx, site, edit):
        parts = conv_parts(idx, site.y)
        if parts is None:
            return False
        c = parts[1].shape[0]
        dtype = parts[1].dtype
        reps = edit.init(idx, site.y + ".tile_reps", np.array([1, 2, 1, 1], np.int64))
        sign = edit.init(idx, site.y + ".tile_sign",
                         np.concatenate([np.full(c, s, dtype) for s in site.signs]).reshape(1, 2 * c, 1, 1))
        t, m = edit.name(idx, site.y + "_tiled"), edit.name(idx, site.y + "_signed")
        edit.add += [
            helper.make_node("Tile", [site.y, reps], [t], name=edit.name(idx, "crelu_tile")),
            helper.make_node("Mul", [t, sign], [m], name=edit.name(idx, "crelu_tile_sign")),
            helper.make_node("Relu", [m], [site.out], name=edit.name(idx, "crelu_tile_relu")),
        ]
        edit.remove |= set(site.nodes)
        return True


FORM = TileForm()
