"""Engine cache keys and storage. No TensorRT here: the engine bytes are arbitrary bytes (a test
double for a serialized engine) and GPU names / versions are strings."""

from __future__ import annotations

import dataclasses

import pytest

from edgecrelu.backends.tensorrt.builder import make_plan
from edgecrelu.backends.tensorrt.cache import EngineCache, GpuId, default_root, engine_key, key_inputs
from edgecrelu.devices import TrtOptions

H100 = GpuId("NVIDIA H100 80GB HBM3", "9.0")
ORIN = GpuId("Orin", "8.7", "36.4.3")


def opts(**kw):
    return make_plan(TrtOptions(**kw), "fp16", "10.3.0", batches=(1, 32), batch=1, input_name="input",
                     input_chw=(1, 8, 8)).key_options()


BASE = dict(onnx_sha256="a" * 64, precision="fp16", options=opts(), trt_version="10.3.0", gpu=H100)


def key(**over):
    args = {**BASE, **over}
    return engine_key(args["onnx_sha256"], args["precision"], args["options"], args["trt_version"], args["gpu"])


def test_same_inputs_same_key():
    assert key() == key()
    assert key(options=opts()) == key()  # rebuilt from the same profile


@pytest.mark.parametrize("change", [
    dict(onnx_sha256="b" * 64),
    dict(precision="int8"),
    dict(trt_version="10.3.1"),
    dict(gpu=ORIN),
    dict(gpu=GpuId("NVIDIA H100 80GB HBM3", "8.9")),
    dict(gpu=dataclasses.replace(ORIN, platform="36.3.0")),  # another JetPack on the same module
    dict(options=opts(workspace_mb=512)),
    dict(options=opts(builder_optimization_level=5)),
])
def test_any_difference_changes_key(change):
    assert key(**change) != key()


def test_batch_profile_changes_key():
    other = make_plan(TrtOptions(), "fp16", "10.3.0", batches=(1, 32), batch=32, input_name="input",
                      input_chw=(1, 8, 8)).key_options()
    assert key(options=other) != key()


def test_put_get_roundtrip_and_never_under_another_key(tmp_path):
    cache = EngineCache(tmp_path)
    inputs = key_inputs(**BASE)
    k = key()
    cache.put(k, inputs, b"engine-bytes", "build log\n")
    assert cache.get(k, inputs) == b"engine-bytes"
    assert cache.log_path(k).read_text() == "build log\n"
    other_inputs = key_inputs(**{**BASE, "gpu": ORIN})
    assert cache.get(key(gpu=ORIN), other_inputs) is None  # miss, not the H100 engine
    assert cache.get(k, other_inputs) is None  # stored inputs differ from the asked ones
    # An engine copied under another key is refused: its meta names the key it was built for.
    (tmp_path / key(gpu=ORIN)).mkdir()
    for f in ("engine.plan", "meta.json"):
        (tmp_path / key(gpu=ORIN) / f).write_bytes((tmp_path / k / f).read_bytes())
    assert cache.get(key(gpu=ORIN), other_inputs) is None


def test_modified_engine_is_refused(tmp_path):
    cache = EngineCache(tmp_path)
    inputs = key_inputs(**BASE)
    path = cache.put(key(), inputs, b"engine-bytes")
    path.write_bytes(b"tampered")
    assert cache.get(key(), inputs) is None
    (tmp_path / key() / "meta.json").write_text("{not json")
    assert cache.get(key(), inputs) is None


def test_put_overwrites_and_leaves_no_temp(tmp_path):
    cache = EngineCache(tmp_path)
    inputs = key_inputs(**BASE)
    cache.put(key(), inputs, b"one")
    cache.put(key(), inputs, b"two")
    assert cache.get(key(), inputs) == b"two"
    assert [p.name for p in tmp_path.iterdir()] == [key()]


def test_default_root_env(monkeypatch, tmp_path):
    monkeypatch.setenv("EDGECRELU_ENGINE_CACHE", str(tmp_path / "c"))
    assert default_root() == tmp_path / "c"
    monkeypatch.delenv("EDGECRELU_ENGINE_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert default_root() == tmp_path / "edgecrelu" / "trt-engines"
