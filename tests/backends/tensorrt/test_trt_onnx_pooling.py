"""Global average pooling reaches TensorRT as GlobalAveragePool: opset 18's ReduceMean takes its axes
as an input, which TensorRT 8.5 / 8.6 parsers ignore (every axis reduced) -- docs/platform-notes.md
"TensorRT". The rewrite must keep the model's outputs exactly."""

from __future__ import annotations

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper, numpy_helper

from edgecrelu.export.onnx_export import check, global_pool_rewrite


def _model(keepdims: int, axes=(2, 3), opset: int = 18) -> onnx.ModelProto:
    x = helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", 3, 5, 4])
    out_shape = ["N", 3, 1, 1] if keepdims else ["N", 3]
    if len(axes) != 2 or sorted(a % 4 for a in axes) != [2, 3]:
        out_shape = None
    y = helper.make_tensor_value_info("logits", TensorProto.FLOAT, out_shape)
    if opset >= 18:
        inits = [numpy_helper.from_array(np.array(axes, np.int64), "axes")]
        node = helper.make_node("ReduceMean", ["input", "axes"], ["logits"], keepdims=keepdims, name="gap")
    else:
        inits = []
        node = helper.make_node("ReduceMean", ["input"], ["logits"], axes=list(axes), keepdims=keepdims, name="gap")
    g = helper.make_graph([node], "g", [x], [y], initializer=inits)
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)])


def _run(m, x):
    s = ort.InferenceSession(m.SerializeToString(), providers=["CPUExecutionProvider"])
    return s.run(None, {"input": x})[0]


@pytest.mark.parametrize("keepdims, axes, opset", [(1, (2, 3), 18), (0, (-1, -2), 18), (1, (2, 3), 17)])
def test_reduce_mean_becomes_global_average_pool(keepdims, axes, opset):
    x = np.random.default_rng(0).standard_normal((2, 3, 5, 4)).astype(np.float32)
    m = _model(keepdims, axes, opset)
    ref = _run(m, x)
    assert global_pool_rewrite(m) == 1
    check(m)
    ops = [n.op_type for n in m.graph.node]
    assert "ReduceMean" not in ops and "GlobalAveragePool" in ops
    assert ("Flatten" in ops) == (not keepdims)
    assert not [i for i in m.graph.initializer if i.name == "axes"]  # the axes input is gone
    np.testing.assert_allclose(_run(m, x), ref, rtol=1e-6, atol=1e-6)


def test_other_reductions_are_left_alone():
    m = _model(1, axes=(1,))
    assert global_pool_rewrite(m) == 0 and [n.op_type for n in m.graph.node] == ["ReduceMean"]


def test_exported_network_has_no_reduce_mean():
    torch = pytest.importorskip("torch")
    from edgecrelu.export.onnx_export import export_onnx

    net = torch.nn.Sequential(torch.nn.Conv2d(1, 4, 3), torch.nn.ReLU(), torch.nn.AdaptiveAvgPool2d(1),
                              torch.nn.Flatten(1), torch.nn.Linear(4, 3)).eval()
    proto = export_onnx(net, (1, 8, 8))
    ops = [n.op_type for n in proto.graph.node]
    assert "ReduceMean" not in ops and "GlobalAveragePool" in ops
    x = np.random.default_rng(1).standard_normal((2, 1, 8, 8)).astype(np.float32)
    with torch.no_grad():
        ref = net(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(_run(proto, x), ref, rtol=1e-4, atol=1e-5)
