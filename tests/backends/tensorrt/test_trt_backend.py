"""TensorRT backend protocol. TensorRT and pycuda cannot be installed on the development machines
(docs/platform-notes.md): the parts that need no GPU are tested here; real builds carry the ``tensorrt`` marker and
skip cleanly where ``tensorrt`` / ``pycuda`` do not import."""

from __future__ import annotations

import sys
import types

import numpy as np
import pytest
from fixtures.tiny_bundle import cached_tiny_bundle

from edgecrelu.backends import get_backend
from edgecrelu.devices import DeviceProfile, TrtOptions
from edgecrelu.errors import EdgeCReLUError, MissingDependencyError
from edgecrelu.results import Cell

INSTALL = ("tensorrt is not installed; install it with: pip install 'edgecrelu[trt]' "
           "(on a Jetson use JetPack's TensorRT: sudo apt install python3-libnvinfer)")


def profile(precisions=("fp32", "fp16", "int8"), batches=(1, 8), **trt):
    return DeviceProfile(name="t", description="", backends=("tensorrt",), precisions=precisions,
                         batch_sizes=batches, dla_cores=2, tensorrt=TrtOptions(**trt))


def test_missing_tensorrt_is_one_install_line(monkeypatch):
    monkeypatch.setitem(sys.modules, "tensorrt", None)  # import fails, as on a machine without TensorRT
    be = get_backend("tensorrt")
    assert (be.NAME, be.EXTRA) == ("tensorrt", "trt")
    with pytest.raises(MissingDependencyError) as err:
        be.check_available()
    assert str(err.value) == INSTALL


def _fake_tensorrt(monkeypatch, version):
    """A module that only carries a version string: a test double for hardware-bound TensorRT."""
    mod = types.ModuleType("tensorrt")
    mod.__version__ = version
    monkeypatch.setitem(sys.modules, "tensorrt", mod)


def test_missing_pycuda_named(monkeypatch):
    _fake_tensorrt(monkeypatch, "10.3.0")
    monkeypatch.setitem(sys.modules, "pycuda", None)
    monkeypatch.setitem(sys.modules, "pycuda.driver", None)
    with pytest.raises(MissingDependencyError, match=r"^pycuda is not installed; install it with: pip install "
                                                     r"'edgecrelu\[trt\]'"):
        get_backend("tensorrt").check_available()


def test_old_tensorrt_refused(monkeypatch):
    _fake_tensorrt(monkeypatch, "8.2.1.8")
    pycuda = types.ModuleType("pycuda")
    monkeypatch.setitem(sys.modules, "pycuda", pycuda)
    monkeypatch.setitem(sys.modules, "pycuda.driver", types.ModuleType("pycuda.driver"))
    with pytest.raises(EdgeCReLUError, match="TensorRT 8.2.1 is too old; edgecrelu needs TensorRT 10.0"):
        get_backend("tensorrt").check_available()


def test_import_is_light():
    import subprocess

    code = ("import sys; import edgecrelu.backends.tensorrt, edgecrelu.backends.tensorrt.runtime, "
            "edgecrelu.backends.tensorrt.cache, edgecrelu.backends.tensorrt.loader, "
            "edgecrelu.backends.tensorrt.runner; "
            "print(sorted(m for m in ('tensorrt', 'pycuda', 'torch', 'onnxruntime') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_enumerate_cells(bundle):
    be = get_backend("tensorrt")
    cells = be.enumerate_cells(bundle, precisions=["fp32", "fp16", "int8", "bf16"], batches=[1, 8], profile=profile())
    arts = bundle.artifacts()
    assert len(cells) == len(arts) * 2
    assert {c.backend for c in cells} == {"tensorrt"} and {c.precision for c in cells} == {"fp32", "fp16", "int8"}
    dla = be.enumerate_cells(bundle, precisions=["fp32", "fp16", "int8"], batches=[1], profile=profile(dla_core=0))
    assert dla and all(c.precision != "fp32" for c in dla)  # DLA runs FP16 / INT8 only
    only = be.enumerate_cells(bundle, variants=["relu"], precisions=["int8"], forms=["graph"], batches=[8],
                              profile=profile())
    assert only == [Cell("relu", "graph", "int8", "tensorrt", 8)]


@pytest.mark.parametrize("version", ["10.8.0", "11.4.1"])
def test_dla_refused_before_any_cell(bundle, monkeypatch, version):
    _fake_tensorrt(monkeypatch, version)  # version string only; this machine is no AGX Orin
    with pytest.raises(EdgeCReLUError, match=r"DLA requested \(tensorrt.dla_core = 0\) but TensorRT"):
        get_backend("tensorrt").enumerate_cells(bundle, precisions=["fp16"], batches=[1], profile=profile(dla_core=0))


def test_make_runner_without_activation(bundle):
    be = get_backend("tensorrt")
    r = be.make_runner(bundle, Cell("crelu-half@1", "folded", "fp16", "tensorrt", 8), profile(batches=(1, 8, 32)))
    assert r.loader.onnx_path.name == "folded.fp16.onnx" and r.loader.onnx_path.is_file()
    assert r.loader.batches == (1, 8, 32) and r.loader.batch == 8 and r.loader.input_chw == (1, 8, 8)
    assert r.stage_times_ms() is None and r.memory_info() == {}
    with pytest.raises(EdgeCReLUError, match="no artifact"):
        be.make_runner(bundle, Cell("crelu@9", "graph", "fp16", "tensorrt", 1), profile())


# -- real TensorRT (GPU machines, Jetson) ----------------------------------------------------------
@pytest.mark.tensorrt
@pytest.mark.gpu
@pytest.mark.parametrize("precision", ["fp32", "fp16", "int8"])
def test_real_build_run_and_cache(bundle, precision, tmp_path, monkeypatch):
    pytest.importorskip("tensorrt")
    pytest.importorskip("pycuda.driver")
    import onnxruntime as ort

    monkeypatch.setenv("EDGECRELU_ENGINE_CACHE", str(tmp_path / "engines"))
    be = get_backend("tensorrt")
    be.check_available()
    cell = Cell("crelu-half@1", "graph", precision, "tensorrt", 8)
    x = np.random.default_rng(0).standard_normal((8, 1, 8, 8)).astype(np.float32)
    art = bundle.artifacts(variants=[cell.variant], forms=[cell.form], precisions=[precision])[0]
    sess = ort.InferenceSession(str(bundle.path(art.path)), providers=["CPUExecutionProvider"])
    ref = sess.run(None, {"input": x})[0]
    with be.make_runner(bundle, cell, profile(batches=(1, 8))) as r:
        out = r.infer({"input": x})["logits"]
        stages, mem, desc = r.stage_times_ms(), r.memory_info(), r.describe()
    tol = {"fp32": 1e-3, "fp16": 2e-2, "int8": 0.25}[precision] * (np.abs(ref).max() + 1)
    assert np.abs(out - ref).max() < tol
    assert set(stages) == {"h2d", "compute", "d2h"} and stages["compute"] > 0
    assert mem["engine_bytes"] > 0 and mem["activation_bytes"] >= 0 and mem["io_bytes"] == 8 * (64 + 10) * 4
    assert desc["cache_hit"] is False and desc["plan"]["precision"] == precision
    with be.make_runner(bundle, cell, profile(batches=(1, 8))) as r2:
        assert r2.describe()["cache_hit"] is True
        np.testing.assert_allclose(r2.infer({"input": x})["logits"], out, rtol=0, atol=1e-6)


def test_cli_profile_jetson_without_tensorrt(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from edgecrelu.cli import cli

    monkeypatch.setitem(sys.modules, "tensorrt", None)  # as on a machine without TensorRT
    out = tmp_path / "res"
    res = CliRunner().invoke(cli, ["profile", str(cached_tiny_bundle(precisions=("fp32", "fp16", "int8"))),
                                   "--device", "jetson-orin-nano", "--out", str(out)])
    assert res.exit_code == 1
    last = res.output.strip().splitlines()[-1]
    assert last.startswith(f"Error: {INSTALL}") and "--backend onnxruntime" in last  # names the fallback
    assert "Traceback" not in res.output
