"""The TensorRT backend's glue code (build, cache, runtime, CUDA graphs, DLA, cleanup) run against
API doubles of tensorrt and pycuda (``api_double.py``): TensorRT and pycuda cannot be installed
here, so without these the code between our plain-data plans and NVIDIA's API would run first on a
customer's Jetson. The doubles check calls and wiring, not TensorRT: the real builds are in
``tests/backends/tensorrt/test_trt_backend.py`` (marked ``tensorrt``) and ``scripts/gpu_check.sh``.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import replace

import numpy as np
import onnxruntime as ort
import pytest
from api_double import install
from log_lines import log_lines

from edgecrelu.backends import get_backend
from edgecrelu.devices import DeviceProfile, Power, Timing, TrtOptions
from edgecrelu.errors import EdgeCReLUError
from edgecrelu.results import Cell


def profile(batches=(1, 8), **trt):
    return DeviceProfile(name="t", description="", backends=("tensorrt",), precisions=("fp32", "fp16", "int8"),
                         batch_sizes=batches, dla_cores=2, tensorrt=TrtOptions(**trt))


def reference(bundle, cell, x):
    art = bundle.artifacts(variants=[cell.variant], forms=[cell.form], precisions=[cell.precision])[0]
    sess = ort.InferenceSession(str(bundle.path(art.path)), providers=["CPUExecutionProvider"])
    return sess.run(["logits"], {"input": x})[0]


def built(calls) -> dict:
    (meta,) = [c[1][0] for c in calls if c[0] == "built"]
    return meta


X8 = np.random.default_rng(1).standard_normal((8, 1, 8, 8)).astype(np.float32)


@pytest.mark.parametrize("version,precision,flags,level", [
    ("10.0.1.6", "fp16", ["FP16"], 3),  # no update_device_memory_size_for_shapes before 10.1
    ("10.3.0.26", "int8", ["INT8"], 3),  # explicit quantization: the QDQ file, the INT8 flag, no calibrator
    ("10.3.0", "fp32", [], 3),
    ("10.3.0", "fp16", ["FP16"], 3),
    ("11.4.1", "fp16", [], 3),  # strongly typed: FP16 comes from the ONNX, no flags exist
    ("11.4.1", "int8", [], 3),
])
def test_build_and_run_per_release(bundle, monkeypatch, version, precision, flags, level):
    calls = install(monkeypatch, version)
    be = get_backend("tensorrt")
    be.check_available()
    cell = Cell("crelu-half@1", "graph", precision, "tensorrt", 8)
    with be.make_runner(bundle, cell, profile(batches=(1, 8, 32), workspace_mb=256)) as r:
        out = r.infer({"input": X8})["logits"]
        stages, mem, desc = r.stage_times_ms(), r.memory_info(), r.describe()
    meta = built(calls)
    assert meta["flags"] == flags and meta["level"] == level
    assert meta["pools"] == {"WORKSPACE": 256 << 20}
    assert (meta["min"], meta["max"]) == ([1, 1, 8, 8], [32, 1, 8, 8])
    assert ("set_shape", ("input", (1, 1, 8, 8), (8, 1, 8, 8), (32, 1, 8, 8))) in calls
    major = int(version.split(".")[0])
    expect_bits = (1 << 0 if major < 10 else 0) | (1 << 1 if major >= 11 else 0)
    assert meta["network_flags"] == expect_bits  # EXPLICIT_BATCH before 10, STRONGLY_TYPED from 11
    np.testing.assert_array_equal(out, reference(bundle, cell, X8))  # feed -> H2D -> run -> D2H wiring
    assert set(stages) == {"h2d", "compute", "d2h"}
    assert mem["io_bytes"] == 8 * (64 + 10) * 4 and mem["engine_bytes"] > 0
    per_shape = tuple(int(p) for p in version.split(".")[:2]) >= (10, 1)
    # activations for this cell's batch (8 of the profile's 32) where the release can size them
    assert (mem["activation_bytes"], mem["activation_scope"]) == \
        ((4096 * 8 // 32, "cell shapes") if per_shape else (4096, "largest profile shape"))
    assert mem["footprint_bytes"] == mem["engine_bytes"] + mem["activation_bytes"] + mem["io_bytes"]
    assert "cudaMemGetInfo" in mem["device_bytes_method"] and "engine bytes" in mem["footprint_method"]
    assert desc["tensorrt_version"] == version and desc["cache_hit"] is False  # with the build number
    assert desc["plan"]["precision"] == precision and desc["compute_capability"] == "8.7"
    assert "trtexec --onnx=" in desc["trtexec"]


def test_tensorrt_11_without_the_strongly_typed_flag(bundle, monkeypatch):
    """11.x networks are always strongly typed; a release without the (ignored) flag still builds."""
    calls = install(monkeypatch, "11.6.0", strongly_typed_flag=False)
    cell = Cell("relu", "graph", "fp16", "tensorrt", 1)
    with get_backend("tensorrt").make_runner(bundle, cell, profile()) as r:
        out = r.infer({"input": X8[:1]})["logits"]
    assert built(calls)["network_flags"] == 0 and built(calls)["flags"] == []
    np.testing.assert_array_equal(out, reference(bundle, cell, X8[:1]))


def test_engine_cache_hit_and_version_change(bundle, monkeypatch, engine_cache):
    cell = Cell("relu", "graph", "fp32", "tensorrt", 1)
    be = get_backend("tensorrt")
    calls = install(monkeypatch, "10.3.0")
    with log_lines() as said, be.make_runner(bundle, cell, profile()) as r:  # relayed live by the profile parent
        first = r.describe()
    assert calls.names().count("build_serialized_network") == 1
    assert "building TensorRT 10.3.0 engine: relu/graph.fp32.onnx fp32 batch 1..8" in said[0]
    assert said[1].startswith("built in ")
    log = open(first["build_log"]).read()
    assert "[INFO] [MemUsageChange] fake build" in log and "tactic chatter" not in log  # VERBOSE dropped
    timing = sorted(engine_cache.glob("timing-*.cache"))
    assert len(timing) == 1 and first["timing_cache"] == str(timing[0])
    size = timing[0].stat().st_size

    calls = install(monkeypatch, "10.3.0")
    with be.make_runner(bundle, cell, profile()) as r:
        again = r.describe()
        x = X8[:1]
        np.testing.assert_array_equal(r.infer({"input": x})["logits"], reference(bundle, cell, x))
    assert again["cache_hit"] is True and again["engine_key"] == first["engine_key"]
    assert "Builder" not in calls.names()  # served from the cache: no parse, no build

    calls = install(monkeypatch, "10.4.0")  # another TensorRT: never reuse the engine
    with be.make_runner(bundle, cell, profile()) as r:
        other = r.describe()
    assert other["cache_hit"] is False and other["engine_key"] != first["engine_key"]
    assert calls.names().count("build_serialized_network") == 1
    assert len(list(engine_cache.glob("timing-*.cache"))) == 2  # timing caches are per TensorRT version
    assert timing[0].stat().st_size == size


@pytest.mark.parametrize("binding, kw, launch", [
    ("cuda-python", {}, "cudaGraphLaunch"),  # what a released pycuda needs: cuda-python captures
    ("pycuda", {"graphs": True, "cuda_python": False}, "graph.launch"),  # a pycuda with stream capture
])
def test_cuda_graph_replays_fresh_inputs(bundle, monkeypatch, binding, kw, launch):
    calls = install(monkeypatch, "10.3.0", **kw)
    cell = Cell("crelu-half@1", "folded", "fp32", "tensorrt", 8)
    xs = [X8, X8[::-1].copy() * 2]
    with get_backend("tensorrt").make_runner(bundle, cell, profile(cuda_graphs=True)) as r:
        outs = [r.infer({"input": x})["logits"] for x in xs]
        desc = r.describe()
    assert desc["cuda_graph"] is True and desc["cuda_graph_via"] == binding
    assert "--useCudaGraph" in desc["trtexec"]  # the cross-check times what ran
    for x, out in zip(xs, outs, strict=False):
        np.testing.assert_array_equal(out, reference(bundle, cell, x))
    names = calls.names()
    assert names.count("execute_async_v3") == 2  # the warm enqueue and the captured one
    assert names.count(launch) == 1 + len(xs)  # one check launch after capture, then per infer
    if binding == "cuda-python":
        assert names.index("cudaStreamBeginCapture") < names.index("cudaStreamEndCapture") < \
            names.index("cudaGraphInstantiate")
        assert "cudaGraphExecDestroy" in names and "cudaGraphDestroy" in names  # freed on close


@pytest.mark.parametrize("kw, why", [
    ({"cuda_python": False}, "need cuda-python"),  # a released pycuda and no cuda-python
    ({"fail_instantiate": True}, "cudaGraphInstantiate failed"),
])
def test_cuda_graph_unavailable_falls_back_with_warning(bundle, monkeypatch, kw, why):
    calls = install(monkeypatch, "10.3.0", **kw)
    cell = Cell("relu", "graph", "fp32", "tensorrt", 8)
    with get_backend("tensorrt").make_runner(bundle, cell, profile(cuda_graphs=True)) as r:
        out = r.infer({"input": X8})["logits"]
        desc = r.describe()
    assert desc["cuda_graph"] is False and desc["cuda_graph_via"] is None
    assert any(why in w for w in desc["warnings"]), desc["warnings"]
    assert "--useCudaGraph" not in desc["trtexec"]  # built from what ran, not from what was asked
    np.testing.assert_array_equal(out, reference(bundle, cell, X8))
    assert "graph.launch" not in calls.names() and "cudaGraphLaunch" not in calls.names()


def test_trtexec_line_for_tensorrt_11_says_no_graph_when_none_ran(bundle, monkeypatch):
    install(monkeypatch, "11.4.1", cuda_python=False)
    cell = Cell("relu", "graph", "fp16", "tensorrt", 8)
    with get_backend("tensorrt").make_runner(bundle, cell, profile(cuda_graphs=True)) as r:
        desc = r.describe()
    assert "--noCudaGraph" in desc["trtexec"] and "--includeDataTransfers" in desc["trtexec"]


def test_dla_build_is_static_with_gpu_fallback(bundle, monkeypatch):
    calls = install(monkeypatch, "10.3.0")  # DLA exists up to 10.7
    cell = Cell("relu", "graph", "fp16", "tensorrt", 8)
    with get_backend("tensorrt").make_runner(bundle, cell, profile(batches=(1, 8), dla_core=1)) as r:
        desc = r.describe()
        r.infer({"input": X8})
    meta = built(calls)
    assert meta["device"] == "DLA" and meta["dla_core"] == 1
    assert meta["flags"] == ["FP16", "GPU_FALLBACK"]
    assert meta["min"] == meta["max"] == [8, 1, 8, 8]  # DLA: no dynamic shapes
    assert ("deserialize_cuda_engine", (1,)) in calls  # the runtime is pointed at the same core
    assert desc["cuda_graph"] is False and any("CUDA graphs are off with DLA" in w for w in desc["warnings"])


def test_build_failure_is_one_line_with_the_log_tail(bundle, monkeypatch, engine_cache):
    install(monkeypatch, "10.3.0", fail_build=True)
    cell = Cell("relu", "graph", "fp16", "tensorrt", 1)
    r = get_backend("tensorrt").make_runner(bundle, cell, profile())
    with pytest.raises(EdgeCReLUError) as err:
        r.activate()
    msg = str(err.value)
    assert "\n" not in msg and msg.startswith("TensorRT failed to build an engine for ")
    assert "no implementation obeys" in msg
    assert not list(engine_cache.glob("*/engine.plan"))  # nothing cached under the key
    (log,) = engine_cache.glob("failed/*.log")  # the whole build log is kept and named
    assert msg.endswith(f"(build log: {log})")
    assert "[ERROR] fake: no implementation obeys" in log.read_text() and "[INFO]" in log.read_text()


def test_unreadable_timing_cache_is_replaced(bundle, monkeypatch, engine_cache):
    cell = Cell("relu", "graph", "fp32", "tensorrt", 1)
    install(monkeypatch, "10.3.0")
    with get_backend("tensorrt").make_runner(bundle, cell, profile()) as r:
        path = r.describe()["timing_cache"]
    open(path, "wb").write(b"\x00truncated")
    for d in engine_cache.glob("*/engine.plan"):  # drop the engine so the next activation builds again
        shutil.rmtree(d.parent)
    install(monkeypatch, "10.3.0")
    with get_backend("tensorrt").make_runner(bundle, cell, profile()) as r:
        desc = r.describe()
    assert desc["cache_hit"] is False
    assert "timing cache" in open(desc["build_log"]).read() and "unreadable" in open(desc["build_log"]).read()
    assert open(path, "rb").read().startswith(b"timing-cache:")  # rewritten after the build


def test_unparsable_onnx_is_one_line(bundle, monkeypatch, tmp_path):
    from edgecrelu.backends.tensorrt.loader import EngineLoader
    from edgecrelu.backends.tensorrt.runner import TrtRunner

    install(monkeypatch, "10.3.0")
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"\x08\x07garbage")
    r = TrtRunner(EngineLoader(onnx_path=bad, onnx_sha256="0" * 64, precision="fp32", batch=1, batches=(1,),
                               options=TrtOptions(), input_name="input", input_chw=(1, 8, 8)), TrtOptions())
    with pytest.raises(EdgeCReLUError, match=r"^TensorRT could not parse .*bad.onnx: ModelImporter"):
        r.activate()


def test_runtime_cleans_up_after_a_refused_shape(bundle, monkeypatch):
    """A batch outside the engine's profile is refused in one line, and the context and device
    memory are released (the next cell in this process must start clean)."""
    import sys

    from edgecrelu.backends.tensorrt.runtime import TrtRuntime

    calls = install(monkeypatch, "10.3.0")
    cell = Cell("relu", "graph", "fp32", "tensorrt", 8)
    with get_backend("tensorrt").make_runner(bundle, cell, profile(batches=(1, 8))) as r:
        engine = open(r.describe()["engine_path"], "rb").read()
    drv = sys.modules["pycuda.driver"]
    assert drv._memory.used == 0  # deactivate freed every buffer
    rt = TrtRuntime(engine, 16)
    with pytest.raises(EdgeCReLUError, match=r"engine rejects input shape \(16, 1, 8, 8\) for 'input'"):
        rt.open()
    assert drv._memory.used == 0 and rt._ctx is None
    assert calls.names().count("ctx.push") == calls.names().count("ctx.pop") == calls.names().count("ctx.detach")
    with pytest.raises(EdgeCReLUError, match="could not deserialize the engine"):
        TrtRuntime(b"not an engine", 1).open()


def test_wrong_feed_shape_is_refused(bundle, monkeypatch):
    install(monkeypatch, "10.3.0")
    cell = Cell("relu", "graph", "fp32", "tensorrt", 8)
    with get_backend("tensorrt").make_runner(bundle, cell, profile()) as r:
        with pytest.raises(EdgeCReLUError, match=r"input 'input' has shape \(4, 1, 8, 8\); .* expects \(8, 1, 8, 8\)"):
            r.infer({"input": X8[:4]})


def test_worker_trial_record_fields(bundle, monkeypatch, tmp_path):
    """One profile trial through the worker in-process: stage times and memory land in its result.
    (Times from the doubles' events are made up: only the fields are checked.)"""
    from edgecrelu.devices import load_device
    from edgecrelu.profiling.worker import run_trial

    install(monkeypatch, "10.3.0")
    base = load_device("desktop-gpu")
    prof = replace(base, power=Power(source="none"), timing=Timing(warmup_s=0.0, min_duration_s=0.0, min_iterations=5))
    np.save(tmp_path / "x.npy", X8)
    cell = Cell("crelu-half@1", "folded", "int8", "tensorrt", 8)
    task = {"cell": cell.to_dict(), "input": str(tmp_path / "x.npy"), "accuracy": True,
            "logits_out": str(tmp_path / "logits.npy")}
    res = run_trial(task, bundle=bundle, profile=prof, isolated=False)
    assert set(res["stages_ms"]) == {"h2d", "compute", "d2h"}
    assert len(res["stages_ms"]["compute"]) == len(res["samples_ms"]) >= 5
    assert {"engine_bytes", "activation_bytes", "io_bytes", "device_bytes"} <= set(res["memory_info"])
    logits = np.load(res["logits"])
    x_eval, _ = bundle.load_eval()
    assert logits.shape == (len(x_eval), 10)  # 50 images at batch 8: the padded last batch was dropped
    np.testing.assert_array_equal(logits[:8], reference(bundle, cell, x_eval[:8]))
    json.dumps(res)  # the result is written as JSON by the worker


def test_transfers_off_times_the_device_alone(bundle, monkeypatch):
    """``tensorrt.transfers = false`` (trtexec --noDataTransfers): the input goes up once, the timed
    call copies nothing, stages hold compute only; accuracy still runs end to end through infer."""
    calls = install(monkeypatch, "10.3.0")
    cell = Cell("relu", "graph", "fp32", "tensorrt", 8)
    with get_backend("tensorrt").make_runner(bundle, cell, profile(transfers=False, cuda_graphs=False)) as r:
        call = r.timing_call({"input": X8})
        n_exec = calls.names().count("execute_async_v3")
        for _ in range(3):
            assert call({"input": X8}) is None
        assert calls.names().count("execute_async_v3") == n_exec + 3
        assert set(r.stage_times_ms()) == {"compute"}
        desc = r.describe()
        out = r.infer({"input": X8})["logits"]
    assert desc["transfers_in_latency"] is False and "--noDataTransfers" in desc["trtexec"]
    np.testing.assert_array_equal(out, reference(bundle, cell, X8))
    with get_backend("tensorrt").make_runner(bundle, cell, profile()) as r:
        assert r.timing_call({"input": X8}) == r.infer  # default: end to end, copies timed
