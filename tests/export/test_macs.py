"""ONNX-level MACs agree with the PyTorch count (edgecrelu/export/macs.py)."""

from __future__ import annotations

from edgecrelu.export.macs import onnx_macs

from .onnx_models import conv_crelu_net


def test_macs_of_hand_built_net():
    # conv1 64 px x 4 out x 9; conv2 64 px x 6 out x 8 in x 9; gemm 10 x 6
    assert onnx_macs(conv_crelu_net()) == 64 * 4 * 9 + 64 * 6 * 8 * 9 + 60
