"""The one way an ONNX Runtime session is made (``open_session``): the same session from a path, bytes
or a ModelProto, the accuracy-check options, and ORT's own profiler for scripts/bench_overhead.py."""

import json
from pathlib import Path

import numpy as np
import onnx
import pytest
from fixtures.tiny_bundle import cached_tiny_bundle

from edgecrelu.backends.onnxruntime.loader import SessionLoader, check_options, open_session
from edgecrelu.bundle import Bundle
from edgecrelu.devices import OrtOptions
from edgecrelu.errors import EdgeCReLUError


@pytest.fixture(scope="module")
def model_path():
    return Bundle.open(cached_tiny_bundle()).path("relu/graph.fp32.onnx")


def test_path_bytes_and_proto_give_the_same_logits(model_path):
    x = np.random.default_rng(0).standard_normal((4, 1, 8, 8)).astype(np.float32)
    outs = [open_session(m, check_options()).run(None, {"input": x})[0]
            for m in (model_path, str(model_path), Path(model_path).read_bytes(), onnx.load(str(model_path)))]
    for out in outs[1:]:
        np.testing.assert_array_equal(out, outs[0])


def test_check_options():
    assert check_options(threads=1) == OrtOptions(threads=1, providers=("CPUExecutionProvider",))
    assert 1 <= check_options().threads <= 4


def test_profiler_writes_model_run_events(model_path, tmp_path):
    sess = open_session(model_path, check_options(threads=1), profile_prefix=str(tmp_path / "prof"))
    sess.run(None, {"input": np.zeros((1, 1, 8, 8), np.float32)})
    path = Path(sess.end_profiling())
    assert path.parent == tmp_path and path.name.startswith("prof")
    events = json.loads(path.read_text())
    assert any(e.get("name") == "model_run" for e in events)


def test_loader_keeps_provider_warnings_and_words_errors(model_path, tmp_path):
    loader = SessionLoader(model_path, OrtOptions(providers=("NoSuchExecutionProvider",)))
    assert loader().get_providers() == ["CPUExecutionProvider"]
    assert loader.warnings[-1] == "no requested provider available; using CPUExecutionProvider"
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"not a model")
    with pytest.raises(EdgeCReLUError, match=f"^onnxruntime cannot load {bad}: "):
        SessionLoader(bad, OrtOptions())()
