"""INT8 cells on ONNX Runtime's CUDA provider are flagged, and the provider each node ran on is read
from ORT's profiler. No GPU here: the CPU-only onnxruntime really runs the sessions, and a CUDA
request that this build cannot honour shows up as nodes outside the requested provider."""

from __future__ import annotations

import numpy as np
import pytest
from fixtures.tiny_bundle import cached_tiny_bundle

from edgecrelu.backends.onnxruntime.loader import SessionLoader, open_session
from edgecrelu.backends.onnxruntime.placement import (
    count_node_providers,
    gpu_record,
    int8_cuda_warning,
    node_providers,
    placement_warning,
    zero_feed,
)
from edgecrelu.backends.onnxruntime.runner import OrtRunner
from edgecrelu.bundle import Bundle
from edgecrelu.devices import OrtOptions


@pytest.fixture(scope="module")
def int8_model():
    b = Bundle.open(cached_tiny_bundle(precisions=("fp32", "int8")))
    (art,) = b.artifacts(variants=["relu"], forms=["graph"], precisions=["int8"])
    return b.path(art.path)


def test_int8_on_cuda_is_flagged_only_there():
    assert "not an INT8 number" in int8_cuda_warning("int8", ["CUDAExecutionProvider", "CPUExecutionProvider"])
    assert int8_cuda_warning("int8", ["TensorrtExecutionProvider", "CUDAExecutionProvider"]) is None
    assert int8_cuda_warning("fp16", ["CUDAExecutionProvider"]) is None


def test_node_providers_from_the_profiler(int8_model, tmp_path):
    opts = OrtOptions(threads=1, providers=("CPUExecutionProvider",))
    sess = open_session(int8_model, opts)
    placement = node_providers(lambda prefix: open_session(int8_model, opts, profile_prefix=prefix),
                               zero_feed(sess), tmp_path)
    assert set(placement["nodes"]) == {"CPUExecutionProvider"} and placement["nodes"]["CPUExecutionProvider"] > 0
    assert sum(sum(by.values()) for by in placement["ops"].values()) == placement["nodes"]["CPUExecutionProvider"]
    assert not list(tmp_path.glob("*.json"))  # the profile file is removed
    assert placement_warning(placement, "CPUExecutionProvider") is None


def test_cuda_request_that_ran_on_the_cpu_is_recorded(int8_model):
    runner = OrtRunner(SessionLoader(int8_model, OrtOptions(threads=1, providers=("CPUExecutionProvider",)),
                                     precision="int8"))
    with runner:
        runner.infer(zero_feed(runner.session))
        runner._providers = ["CUDAExecutionProvider", "CPUExecutionProvider"]  # as a GPU build would report
        runner._gpu_record = None
        desc = runner.describe()
    assert desc["int8_on_cuda_provider"] is True
    assert desc["node_providers"]["nodes"].get("CPUExecutionProvider", 0) > 0
    text = " | ".join(desc["warnings"])
    assert "not an INT8 number" in text and "nodes ran outside CUDAExecutionProvider" in text


def test_cpu_sessions_get_no_extra_work(int8_model):
    runner = OrtRunner(SessionLoader(int8_model, OrtOptions(threads=1, providers=("CPUExecutionProvider",)),
                                     precision="int8"))
    with runner:
        rec = gpu_record(runner)
    assert rec == {"warnings": []}


def test_count_composed_profile_events():
    ev = [{"cat": "Node", "name": "conv1_kernel_time", "args": {"op_name": "QLinearConv", "provider": "CPUExecutionProvider"}},
          {"cat": "Node", "name": "relu_kernel_time", "args": {"op_name": "Relu", "provider": "CUDAExecutionProvider"}},
          {"cat": "Node", "name": "relu_fence_before", "args": {"op_name": "Relu"}},
          {"cat": "Session", "name": "model_run"}]
    p = count_node_providers(ev)
    assert p["nodes"] == {"CPUExecutionProvider": 1, "CUDAExecutionProvider": 1}
    assert "1 of 2 nodes ran outside CUDAExecutionProvider" in placement_warning(p, "CUDAExecutionProvider")
    assert np.isclose(sum(p["nodes"].values()), 2)
