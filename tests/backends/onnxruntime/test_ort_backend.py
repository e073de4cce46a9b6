"""The ONNX Runtime backend against the torch-free tiny bundle."""

import numpy as np
import onnxruntime as ort
import pytest
from fixtures.tiny_bundle import cached_tiny_bundle

from edgecrelu.backends import get_backend
from edgecrelu.backends import onnxruntime as ortb
from edgecrelu.backends.onnxruntime.loader import SessionLoader, provider_options, session_options, trt_ep_cache_dir
from edgecrelu.backends.onnxruntime.runner import OrtRunner
from edgecrelu.bundle import Bundle
from edgecrelu.devices import OrtOptions, TrtOptions, load_device
from edgecrelu.errors import EdgeCReLUError
from edgecrelu.results import Cell


@pytest.fixture(scope="module")
def bundle():
    return Bundle.open(cached_tiny_bundle())


def test_protocol():
    mod = get_backend("onnxruntime")
    assert mod.NAME == "onnxruntime"
    mod.check_available()


def test_enumerate_cells(bundle):
    cells = ortb.enumerate_cells(bundle, batches=[1, 8], profile=load_device("cpu"))
    assert len(cells) == 2 * len(bundle.artifacts())
    assert Cell("crelu-half@1", "folded", "int8", "onnxruntime", 8) in cells
    only = ortb.enumerate_cells(bundle, variants=["relu"], precisions=["fp32"], batches=[1])
    assert only == [Cell("relu", "graph", "fp32", "onnxruntime", 1)]


def test_runner_matches_a_plain_session(bundle):
    x, _ = bundle.load_eval()
    cell = Cell("crelu-half@1", "graph", "fp32", "onnxruntime", 8)
    with ortb.make_runner(bundle, cell, load_device("cpu")) as r:
        got = r.infer({"input": x[:8]})["logits"]
        assert r.input_names() == ["input"]
        d = r.describe()
    plain = ort.InferenceSession(str(bundle.path("crelu-half@1/graph.fp32.onnx")), providers=["CPUExecutionProvider"])
    assert np.allclose(got, plain.run(None, {"input": x[:8]})[0], atol=1e-6)
    assert d["providers"] == ["CPUExecutionProvider"]
    assert d["intra_op_threads"] == 1 and d["allow_spinning"] == "1" and d["graph_optimization"] == "all"


def test_threads_turn_spinning_off(bundle):
    opts = OrtOptions(threads=2, graph_optimization="basic")
    r = OrtRunner(SessionLoader(bundle.path("relu/graph.fp32.onnx"), opts))
    so = session_options(opts)
    assert so.intra_op_num_threads == 2
    assert so.get_session_config_entry("session.intra_op.allow_spinning") == "0"
    assert so.graph_optimization_level == ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
    with r:
        d = r.describe()
    assert d["allow_spinning"] == "0" and d["intra_op_threads"] == 2 and d["graph_optimization"] == "basic"


def test_missing_provider_is_skipped_with_a_warning(bundle):
    opts = OrtOptions(providers=("NoSuchExecutionProvider", "CPUExecutionProvider"))
    with OrtRunner(SessionLoader(bundle.path("relu/graph.fp32.onnx"), opts)) as r:
        d = r.describe()
    assert d["providers"] == ["CPUExecutionProvider"]
    assert any("NoSuchExecutionProvider" in w for w in d["warnings"])


def test_gpu_provider_options():
    trt = TrtOptions(workspace_mb=512, dla_core=1, cuda_graphs=True)
    o = provider_options("TensorrtExecutionProvider", "int8", trt)
    assert o["trt_int8_enable"] == "True" and o["trt_fp16_enable"] == "False"
    assert o["trt_max_workspace_size"] == str(512 << 20)
    assert o["trt_dla_enable"] == "True" and o["trt_dla_core"] == "1"
    assert o["trt_cuda_graph_enable"] == "False"  # CUDA graphs do not work with DLA
    assert provider_options("CPUExecutionProvider", "fp32") == {}
    assert "trt_engine_cache_enable" not in o


def test_trt_provider_engine_cache_is_keyed(tmp_path, monkeypatch):
    """Each trial is a new session: ORT's TensorRT provider must find its engine on disk, in a
    folder that changes whenever a setting that shapes the engine does."""
    monkeypatch.setenv("EDGECRELU_ENGINE_CACHE", str(tmp_path))
    trt = TrtOptions()
    d = trt_ep_cache_dir("a" * 64, "fp16", trt, "1.22.0")
    assert d.parent == tmp_path / "ort-trt"
    assert d == trt_ep_cache_dir("a" * 64, "fp16", TrtOptions(), "1.22.0")
    others = {trt_ep_cache_dir(*args) for args in (
        ("b" * 64, "fp16", trt, "1.22.0"), ("a" * 64, "int8", trt, "1.22.0"),
        ("a" * 64, "fp16", TrtOptions(workspace_mb=64), "1.22.0"), ("a" * 64, "fp16", trt, "1.23.0"))}
    assert d not in others and len(others) == 4
    o = provider_options("TensorrtExecutionProvider", "fp16", trt, d)
    assert o["trt_engine_cache_enable"] == "True" and o["trt_engine_cache_path"] == str(d)
    assert o["trt_timing_cache_enable"] == "True" and o["trt_timing_cache_path"] == str(d)
    o = provider_options("TensorrtExecutionProvider", "fp16", TrtOptions(timing_cache=False), d)
    assert "trt_timing_cache_enable" not in o and o["trt_engine_cache_enable"] == "True"


def test_corrupt_model_is_a_one_line_error(tmp_path):
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"not a model")
    with pytest.raises(EdgeCReLUError, match="onnxruntime cannot load"):
        OrtRunner(SessionLoader(bad, OrtOptions())).activate()


def test_infer_refused_after_deactivate(bundle):
    r = OrtRunner(SessionLoader(bundle.path("relu/graph.fp32.onnx"), OrtOptions()))
    with pytest.raises(EdgeCReLUError, match="before activate"):
        r.infer({"input": np.zeros((1, 1, 8, 8), np.float32)})
    with r:
        assert r.infer({"input": np.zeros((2, 1, 8, 8), np.float32)})["logits"].shape == (2, 10)
    with pytest.raises(EdgeCReLUError, match="before activate"):
        r.infer({"input": np.zeros((1, 1, 8, 8), np.float32)})
