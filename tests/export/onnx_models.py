"""Small ONNX graphs written with onnx.helper, for export tests that need no torch export."""

from __future__ import annotations

import numpy as np
from onnx import TensorProto, helper, numpy_helper


def conv_crelu_net(seed: int = 0):
    """input [batch,1,8,8] -> Conv(4) -> Neg/Concat/Relu (CReLU) -> Conv(6) -> Relu -> GAP -> Flatten -> Gemm."""
    rng = np.random.default_rng(seed)
    f = np.float32
    inits = [numpy_helper.from_array(a.astype(f), n) for n, a in (
        ("w1", rng.standard_normal((4, 1, 3, 3)) * 0.5), ("b1", rng.standard_normal(4) * 0.1),
        ("w2", rng.standard_normal((6, 8, 3, 3)) * 0.3), ("b2", rng.standard_normal(6) * 0.1),
        ("wfc", rng.standard_normal((10, 6)) * 0.5), ("bfc", rng.standard_normal(10) * 0.1))]
    conv = dict(kernel_shape=[3, 3], pads=[1, 1, 1, 1])
    nodes = [
        helper.make_node("Conv", ["input", "w1", "b1"], ["y"], name="c1", **conv),
        helper.make_node("Neg", ["y"], ["ny"], name="neg"),
        helper.make_node("Concat", ["y", "ny"], ["cat"], axis=1, name="cat"),
        helper.make_node("Relu", ["cat"], ["a"], name="crelu"),
        helper.make_node("Conv", ["a", "w2", "b2"], ["z"], name="c2", **conv),
        helper.make_node("Relu", ["z"], ["r"], name="r"),
        helper.make_node("GlobalAveragePool", ["r"], ["p"], name="gap"),
        helper.make_node("Flatten", ["p"], ["fl"], name="flat"),
        helper.make_node("Gemm", ["fl", "wfc", "bfc"], ["logits"], transB=1, name="fc"),
    ]
    graph = helper.make_graph(
        nodes, "tiny",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch", 1, 8, 8])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", 10])], inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)], ir_version=9)
