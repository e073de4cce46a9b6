"""Export helpers: one-line export errors, accuracy (edgecrelu/export/onnx_export.py)."""

from __future__ import annotations

import numpy as np
import pytest

from edgecrelu.errors import EdgeCReLUError
from edgecrelu.export.onnx_export import accuracy, check

from .onnx_models import conv_crelu_net


def test_export_error_is_one_line():
    torch = pytest.importorskip("torch")
    from edgecrelu.export.onnx_export import export_onnx

    bad = torch.nn.Sequential(torch.nn.Conv2d(1, 4, 3), torch.nn.Conv2d(8, 4, 3))  # 4 channels into 8
    with pytest.raises(EdgeCReLUError) as e:
        export_onnx(bad.eval(), (1, 8, 8))
    msg = str(e.value)
    assert msg.startswith("ONNX export failed: ") and "\n" not in msg and "channels" in msg


def test_checker_rejects_a_broken_graph():
    m = conv_crelu_net()
    m.graph.node[1].input[0] = "nowhere"
    with pytest.raises(EdgeCReLUError, match="ONNX checker rejected the model"):
        check(m)


def test_accuracy_top1_top5():
    logits = np.eye(10, dtype=np.float32)[[0, 1, 2, 3]] + np.arange(10, dtype=np.float32) * 0.01
    acc = accuracy(logits, np.array([0, 1, 9, 5]))
    assert acc == {"top1": 0.5, "top5": 0.75, "n": 4}  # 9 is 2nd-highest of row 2; 5 outside row 3's top 5
