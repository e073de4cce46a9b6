"""The ``graph`` form: the CReLU as the exporter wrote it (no rewrite; the reference of the others)."""

from __future__ import annotations

import onnx

from edgecrelu.export.forms.base import Form
from edgecrelu.export.forms.sites import find_crelu_sites


class GraphForm(Form):
    name = "graph"
    description = "as exported: Conv -> Neg -> Concat -> Relu"

    def apply_counted(self, model: onnx.ModelProto) -> tuple[onnx.ModelProto, int, int]:
        out = onnx.ModelProto()
        out.CopyFrom(model)
        return out, 0, len(find_crelu_sites(out.graph))


FORM = GraphForm()
