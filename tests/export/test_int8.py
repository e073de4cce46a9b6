"""INT8: symmetric per-channel QDQ from quantize_static (edgecrelu/export/int8.py)."""

from __future__ import annotations

import numpy as np
import onnx
import pytest
from onnx import numpy_helper

from edgecrelu.errors import EdgeCReLUError
from edgecrelu.export import CALIB_METHODS
from edgecrelu.export.int8 import qdq_summary, quantize_int8
from edgecrelu.export.onnx_export import check

from .onnx_models import conv_crelu_net

X = np.random.default_rng(1).standard_normal((48, 1, 8, 8)).astype(np.float32)


@pytest.mark.parametrize("method", CALIB_METHODS)
def test_qdq_is_symmetric_int8_per_channel(method):
    fp32 = conv_crelu_net()
    q = quantize_int8(fp32, X[:32], method)
    check(q)
    s = qdq_summary(q)
    assert s["quantize_linear"] > 0
    assert s["zero_points_all_zero"] and "INT8" in s["zero_point_types"] and "UINT8" not in s["zero_point_types"]
    assert s["per_channel_weights"] >= 2  # both convs (and the Gemm) carry one scale per output channel
    inits = {t.name: t for t in q.graph.initializer}
    for n in q.graph.node:
        if n.op_type == "QuantizeLinear":  # activations: int8 with a zero point of 0
            zp = inits[n.input[2]]
            assert zp.data_type == onnx.TensorProto.INT8 and not numpy_helper.to_array(zp).any()
    # I/O stays float32 and the quantized model still tracks the float one
    assert q.graph.input[0].type.tensor_type.elem_type == onnx.TensorProto.FLOAT
    # Checked with ORT's graph optimisations off: its fused integer kernels on x86 CPUs without VNNI
    # saturate with full-range int8 weights (docs/platform-notes.md "ONNX Runtime"), which would test
    # this CPU, not the file.
    ref = reference_logits(fp32, X)
    assert np.abs(reference_logits(q, X) - ref).max() < 0.1 * np.abs(ref).max()


def reference_logits(model, x):
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    sess = ort.InferenceSession(model.SerializeToString(), so, providers=["CPUExecutionProvider"])
    return sess.run(None, {sess.get_inputs()[0].name: x})[0]


def test_unknown_method_and_empty_calibration():
    with pytest.raises(EdgeCReLUError, match="unknown calibration method 'kl'"):
        quantize_int8(conv_crelu_net(), X, "kl")
    with pytest.raises(EdgeCReLUError, match="calibration set is empty"):
        quantize_int8(conv_crelu_net(), X[:0], "minmax")


def test_weight_range_reduced_by_default_and_full_on_request():
    fp32 = conv_crelu_net()
    inits = lambda q: {t.name: numpy_helper.to_array(t) for t in q.graph.initializer}  # noqa: E731
    wmax = lambda q: max(int(np.abs(a.astype(np.int32)).max()) for n, a in inits(q).items()  # noqa: E731
                         if n.endswith("_quantized") and a.ndim == 4)
    assert wmax(quantize_int8(fp32, X[:16])) <= 64  # 7-bit range: |q| <= 63 (+1 rounding)
    assert wmax(quantize_int8(fp32, X[:16], weights="full")) == 127
    with pytest.raises(EdgeCReLUError, match="unknown int8 weight range 'half'"):
        quantize_int8(fp32, X[:16], weights="half")
