"""Names minted by form rewrites never collide with a name already in the graph (torch-free)."""

from __future__ import annotations

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper

from edgecrelu.export.forms import get_form

from .onnx_models import conv_crelu_net


def _with_extra_input(name: str) -> onnx.ModelProto:
    """conv_crelu_net with a second graph input called ``name``, added to the logits (so it is used)."""
    m = conv_crelu_net()
    g = m.graph
    g.input.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, [1, 10]))
    fc = next(n for n in g.node if n.name == "fc")
    fc.output[0] = "fc_out"
    g.node.append(helper.make_node("Add", ["fc_out", name], ["logits"], name="add_extra"))
    return m


@pytest.mark.parametrize("form, clash", [("pm1", "y_pm1_0"), ("folded", "y_folded_0"), ("folded", "w1.folded_0")])
def test_minted_names_avoid_graph_inputs(form, clash):
    m = _with_extra_input(clash)
    out = get_form(form).apply(m)
    onnx.checker.check_model(out, full_check=True)
    x = np.random.default_rng(0).standard_normal((2, 1, 8, 8)).astype(np.float32)
    extra = np.arange(10, dtype=np.float32)[None]
    run = lambda model: ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"]).run(
        ["logits"], {"input": x, clash: extra})[0]
    np.testing.assert_allclose(run(out), run(m), rtol=1e-5, atol=1e-5)
