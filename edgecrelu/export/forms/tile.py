"""The ``tile`` form: ``Tile(y, [1, 2, 1, 1]) * [+1; -1] -> Relu``: y is read by one node only.

Why it exists (docs/platform-notes.md "CReLU forms" and "ONNX Runtime"): in a symmetric int8 QDQ
file, ``graph`` reads y twice (Neg and Concat), so y's QuantizeLinear feeds two DequantizeLinear
nodes; ONNX Runtime on x86 then cannot turn that pair to uint8 and leaves the conv that makes y (and
the one after) in float. Here y's only reader is Tile, a data-movement op that ORT runs on the
quantized tensor, so every conv stays a QLinearConv. The per-channel ``+1 / -1`` Mul is exact in
FP32 (a sign flip), so the form equals ``graph`` bit for bit there.

In the INT8 file (:meth:`TileForm.post_quantize`) the Mul keeps a float ``+1 / -1`` constant and
the Quantize/Dequantize pair between Mul and Relu is dropped: ``DQ -> Mul -> Relu -> Q`` is one float
round trip per site, like ``DQ -> Relu -> Q`` after every conv of the ReLU model, instead of two.
Multiplying grid values by +-1 lands on the grid, so only the rounding of values outside the
calibrated range can differ.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import onnx
from onnx import helper, numpy_helper

from edgecrelu.export.forms.base import Form
from edgecrelu.export.forms.edit import conv_channels, prune_initializers

if TYPE_CHECKING:
    from edgecrelu.export.forms.edit import GraphEdit
    from edgecrelu.export.forms.sites import CReLUSite, GraphIndex


class TileForm(Form):
    name = "tile"
    description = "Tile(y) x [+1; -1] then Relu: y read once, so INT8 keeps every conv quantized"

    def rewrite(self, idx: GraphIndex, site: CReLUSite, edit: GraphEdit) -> bool:
        found = conv_channels(idx, site.y)  # any conv, grouped too: it is left as it is
        if found is None:
            return False
        c, dtype = found
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


    def post_quantize(self, qdq: onnx.ModelProto) -> onnx.ModelProto:
        out = type(qdq)()
        out.CopyFrom(qdq)
        g = out.graph
        producer = {o: n for n in g.node for o in n.output}
        consumers: dict = {}
        for n in g.node:
            for i in n.input:
                consumers.setdefault(i, []).append(n)
        inits = {t.name: t for t in g.initializer}
        drop = set()
        for mul in [n for n in g.node if n.op_type == "Mul" and n.name.startswith("crelu_tile_sign")]:
            sign_dq = producer.get(mul.input[1])
            users = consumers.get(mul.output[0], [])
            if len(users) != 1 or users[0].op_type != "QuantizeLinear":
                continue
            q = users[0]
            dqs = consumers.get(q.output[0], [])
            if len(dqs) != 1 or dqs[0].op_type != "DequantizeLinear" or q.output[0] in {o.name for o in g.output}:
                continue
            relus = consumers.get(dqs[0].output[0], [])
            if len(relus) != 1 or relus[0].op_type != "Relu":
                continue
            if sign_dq is not None and sign_dq.op_type == "DequantizeLinear" and sign_dq.input[0] in inits:
                # the +-1 constant back in float (its int8 copy times its scale is +-1 up to rounding)
                sign = numpy_helper.to_array(inits[sign_dq.input[0]]).astype("float32")
                name = mul.input[1] + "_float"
                g.initializer.append(numpy_helper.from_array(((sign > 0) * 2 - 1).astype("float32"), name))
                mul.input[1] = name
                if len(consumers.get(sign_dq.output[0], [])) == 1:
                    drop.add(sign_dq.output[0])
            relus[0].input[0] = mul.output[0]
            drop |= {q.output[0], dqs[0].output[0]}
        if not drop:
            return out
        keep = [n for n in g.node if n.output[0] not in drop]
        del g.node[:]
        g.node.extend(keep)
        prune_initializers(g)
        return out


FORM = TileForm()
