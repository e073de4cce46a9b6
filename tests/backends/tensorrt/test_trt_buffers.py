"""Buffer sizing for an engine's I/O tensors (plain shapes and dtypes; no TensorRT needed)."""

from __future__ import annotations

import numpy as np
import pytest

from edgecrelu.backends.tensorrt.buffers import TensorSpec, check_feed, plan_buffers, resolve_shape, total_bytes
from edgecrelu.errors import EdgeCReLUError

SPECS = [TensorSpec("input", (-1, 1, 32, 32), "float32", True), TensorSpec("logits", (-1, 10), "float32", False)]


@pytest.mark.parametrize("batch", [1, 8, 32])
def test_sizes_per_batch(batch):
    bufs = plan_buffers(SPECS, batch)
    inp, out = bufs
    assert inp.shape == (batch, 1, 32, 32) and inp.nbytes == batch * 32 * 32 * 4 and inp.is_input
    assert out.shape == (batch, 10) and out.nbytes == batch * 10 * 4 and not out.is_input
    assert total_bytes(bufs) == batch * (1024 + 10) * 4


def test_dtypes_and_static_shapes():
    specs = [TensorSpec("x", (4, 3, 8, 8), "float16", True), TensorSpec("y", (4, 10), "int8", False)]
    a, b = plan_buffers(specs, 4)
    assert a.nbytes == 4 * 3 * 64 * 2 and b.nbytes == 40


def test_bad_shapes():
    with pytest.raises(EdgeCReLUError, match="dynamic dimension other than the batch"):
        resolve_shape((-1, 3, -1, 8), 2, "input")
    with pytest.raises(EdgeCReLUError, match="batch must be >= 1"):
        plan_buffers(SPECS, 0)


def test_check_feed():
    bufs = plan_buffers(SPECS, 2)
    check_feed(bufs, {"input": np.zeros((2, 1, 32, 32), np.float32)})
    with pytest.raises(EdgeCReLUError, match="missing input"):
        check_feed(bufs, {"x": np.zeros((2, 1, 32, 32), np.float32)})
    with pytest.raises(EdgeCReLUError, match=r"expects \(2, 1, 32, 32\)"):
        check_feed(bufs, {"input": np.zeros((3, 1, 32, 32), np.float32)})


def test_trt_dtype_names():
    """trt.DataType members stand in as plain objects with a name (a test double: no TensorRT here)."""
    from types import SimpleNamespace

    from edgecrelu.backends.tensorrt.runtime import numpy_dtype

    assert numpy_dtype(None, SimpleNamespace(name="FLOAT")) == "float32"
    assert numpy_dtype(None, "DataType.HALF") == "float16"
    with pytest.raises(EdgeCReLUError, match="FP8"):
        numpy_dtype(None, SimpleNamespace(name="FP8"))
