"""FP16 keeps float32 I/O and holds fp16 weights (edgecrelu/export/fp16.py)."""

from __future__ import annotations

import numpy as np
import onnx
import pytest

pytest.importorskip("onnxconverter_common")

from edgecrelu.export.fp16 import to_fp16  # noqa: E402
from edgecrelu.export.onnx_export import check, ort_logits  # noqa: E402

from .onnx_models import conv_crelu_net  # noqa: E402


def test_fp16_keeps_float_io_and_is_close():
    fp32 = conv_crelu_net()
    h = to_fp16(fp32)
    check(h)
    F, H = onnx.TensorProto.FLOAT, onnx.TensorProto.FLOAT16
    assert h.graph.input[0].type.tensor_type.elem_type == F and h.graph.output[0].type.tensor_type.elem_type == F
    assert {t.data_type for t in h.graph.initializer if len(t.dims) == 4} == {H}
    x = np.random.default_rng(2).standard_normal((16, 1, 8, 8)).astype(np.float32)
    a, b = ort_logits(fp32, x), ort_logits(h, x)
    assert 0 < np.abs(a - b).max() < 1e-2  # really fp16 (not bit-equal) but close
