"""Engines that are what they say and caches that never cost an engine, against the API doubles of
tensorrt, pycuda and cuda-python (``api_double.py``; none can be installed here): per-layer precision
and device from the engine inspector, the cache key's full version and the rebuild of an engine that
will not load, a timing cache TensorRT rejects or that cannot be saved."""

from __future__ import annotations

import json

import numpy as np
import pytest
from api_double import install

from edgecrelu.backends import get_backend
from edgecrelu.backends.tensorrt.layers import dtype_of, summarize_layers
from edgecrelu.devices import DeviceProfile, TrtOptions
from edgecrelu.results import Cell

X1 = np.random.default_rng(2).standard_normal((1, 1, 8, 8)).astype(np.float32)


def profile(**trt):
    return DeviceProfile(name="t", description="", backends=("tensorrt",), precisions=("fp32", "fp16", "int8"),
                         batch_sizes=(1, 8), dla_cores=2, tensorrt=TrtOptions(**trt))


def run(bundle, precision, **trt):
    cell = Cell("relu", "graph", precision, "tensorrt", 1)
    with get_backend("tensorrt").make_runner(bundle, cell, profile(**trt)) as r:
        r.infer({"input": X1})
        return r.describe()


# -- item 8: precision and device per layer ------------------------------------------------------
@pytest.mark.parametrize("version, precision", [("10.3.0", "fp16"), ("10.3.0", "int8"), ("11.4.1", "int8"),
                                                ("10.3.0", "fp32")])
def test_engine_matches_its_name(bundle, monkeypatch, version, precision):
    install(monkeypatch, version)
    layers = run(bundle, precision)["layers"]
    assert layers["available"] and layers["matches_name"] is True
    assert set(layers["compute_precision"]) == {precision}
    assert layers["device"] == {"GPU": layers["layers"]}


def test_fp16_engine_with_float_layers_is_marked(bundle, monkeypatch):
    install(monkeypatch, "10.3.0", float_layers=1)
    desc = run(bundle, "fp16")
    assert desc["layers"]["matches_name"] is False and desc["layers"]["compute_precision"]["fp32"] == 1
    assert any("engine is not all fp16: 1 of" in w for w in desc["warnings"])


def test_dla_gpu_fallback_is_marked(bundle, monkeypatch):
    install(monkeypatch, "10.3.0", gpu_layers=1)
    desc = run(bundle, "int8", dla_core=0)
    assert desc["layers"]["compute_device"]["GPU"] == 1 and desc["layers"]["compute_device"].get("DLA", 0) >= 1
    assert any("DLA engine runs 1 compute layer(s) on the GPU" in w for w in desc["warnings"])


def test_built_with_detailed_verbosity(bundle, monkeypatch):
    calls = install(monkeypatch, "10.3.0")
    run(bundle, "fp32")
    (meta,) = [c[1][0] for c in calls if c[0] == "built"]
    assert meta["verbosity"] == "DETAILED"  # without it the inspector prints layer names only


def test_summarize_without_detail_and_dtype_names():
    out = summarize_layers(json.dumps({"Layers": ["conv1", "relu1"]}), "fp16")
    assert out["available"] is False and "detailed profiling verbosity" in out["why"]
    assert summarize_layers("not json", "fp16")["available"] is False
    assert dtype_of("Channel major FP16 format where channel % 8 is padded") == "fp16"
    assert dtype_of("Row major Int8 format") == "int8" and dtype_of("Row major linear FP32") == "fp32"


# -- item 12: exact version in the key; an engine that will not load is rebuilt ---------------------
def test_build_number_is_part_of_the_key(bundle, monkeypatch):
    install(monkeypatch, "10.3.0.26")
    first = run(bundle, "fp32")
    install(monkeypatch, "10.3.0.30")  # same 10.3.0, another build: engines do not carry over
    second = run(bundle, "fp32")
    assert second["cache_hit"] is False and second["engine_key"] != first["engine_key"]
    assert second["tensorrt_version"] == "10.3.0.30"


def test_cached_engine_that_will_not_deserialize_is_rebuilt(bundle, monkeypatch):
    install(monkeypatch, "10.3.0")
    first = run(bundle, "fp32")
    calls = install(monkeypatch, "10.3.0", refuse_engines=True)  # e.g. a driver update behind the cache
    with pytest.raises(Exception, match="could not deserialize"):
        run(bundle, "fp32")  # a fresh build that still will not load is an error, not a loop
    assert calls.names().count("build_serialized_network") == 1  # the cached one failed, then one rebuild

    # a cache entry whose engine does not load, then a runtime that loads fresh builds
    install(monkeypatch, "10.3.0")
    from edgecrelu.backends.tensorrt.cache import EngineCache

    cache = EngineCache()
    meta = json.loads((cache.dir(first["engine_key"]) / "meta.json").read_text())
    cache.put(first["engine_key"], meta["inputs"], b"not an engine")
    calls = install(monkeypatch, "10.3.0")
    desc = run(bundle, "fp32")
    assert desc["cache_hit"] is False and desc["rebuilt"] is True
    assert any("would not load" in w and "rebuilt" in w for w in desc["warnings"])
    assert calls.names().count("deserialize_cuda_engine") == 2


# -- item 13: the timing cache never costs an engine ------------------------------------------------
def test_rejected_timing_cache_is_left_out_and_the_engine_kept(bundle, monkeypatch, engine_cache):
    calls = install(monkeypatch, "10.3.0", reject_timing_cache=True)
    desc = run(bundle, "fp32")
    assert calls.names().count("set_timing_cache") == 2  # the file's cache, then an empty one
    assert "rejected by TensorRT and not used" in desc["timing_cache_note"]
    assert desc["timing_cache"] is None and not list(engine_cache.glob("timing-*.cache"))
    assert list(engine_cache.glob("*/engine.plan"))  # the engine was built and cached anyway


def test_timing_cache_that_cannot_be_saved_keeps_the_engine(bundle, monkeypatch, engine_cache):
    install(monkeypatch, "10.3.0", fail_timing_cache_serialize=True)
    desc = run(bundle, "fp32")
    assert "not saved" in desc["timing_cache_note"] and "the engine is kept" in desc["timing_cache_note"]
    assert list(engine_cache.glob("*/engine.plan"))
