"""The torch backend profiles a bundle's variants on CPU (CUDA tests carry the gpu marker)."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from edgecrelu.backends import get_backend  # noqa: E402
from edgecrelu.bundle import Bundle, BundleWriter  # noqa: E402
from edgecrelu.devices import DeviceProfile, TorchOptions  # noqa: E402
from edgecrelu.errors import EdgeCReLUError  # noqa: E402
from edgecrelu.nn.build import make_model  # noqa: E402
from edgecrelu.results import Cell  # noqa: E402

VARIANTS = ("relu", "crelu-half@2")
SHAPE = [1, 16, 16]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """A bundle holding only what the torch backend reads: per-variant weights.pt + arch.json, plus
    the models (kept here) to compare against."""
    out = tmp_path_factory.mktemp("tb") / "bundle"
    models, variants = {}, {}
    with BundleWriter(out) as w:
        for i, v in enumerate(VARIANTS):
            torch.manual_seed(i)
            model, arch = make_model("inspect-net", v, in_channels=1, num_classes=10, input_size=16,
                                     arch_args={"width": 0.25})
            model.eval()
            with torch.no_grad():  # non-trivial BN statistics, so a wrong load would show
                for m in model.modules():
                    if isinstance(m, torch.nn.BatchNorm2d):
                        m.running_mean.uniform_(-0.2, 0.2)
                        m.running_var.uniform_(0.5, 1.5)
            torch.save(model.state_dict(), w.file(f"{v}/weights.pt"))
            w.write_json(f"{v}/arch.json", arch)
            models[v] = model
            variants[v] = {"torch": {"weights": f"{v}/weights.pt", "arch": f"{v}/arch.json"}}
        rng = np.random.default_rng(0)
        np.savez(w.file("data/eval.npz"), x=rng.standard_normal((20, *SHAPE)).astype(np.float32),
                 y=rng.integers(0, 10, 20).astype(np.int64))
        np.savez(w.file("data/calib.npz"), x=rng.standard_normal((8, *SHAPE)).astype(np.float32))
        w.commit({"model": {"arch": "inspect-net", "input_name": "input", "output_name": "logits",
                            "input_shape": SHAPE, "num_classes": 10},
                  "dataset": {"spec": "synthetic", "sha256": "0" * 64,
                              "calib": {"path": "data/calib.npz", "split": "train", "n": 8},
                              "eval": {"path": "data/eval.npz", "split": "test", "n": 20}},
                  "variants": variants, "artifacts": []})
    return Bundle.open(out), models


def profile(**torch_opts):
    return DeviceProfile(name="t", description="", backends=("torch",), precisions=("fp32", "bf16"),
                         batch_sizes=(1, 4), torch=TorchOptions(**torch_opts))


def test_enumerate_cells(tiny):
    bundle, _ = tiny
    be = get_backend("torch")
    be.check_available()
    cells = be.enumerate_cells(bundle, precisions=["fp32", "int8"], batches=[1, 4], profile=profile())
    assert {(c.variant, c.form, c.precision, c.batch) for c in cells} == {
        (v, "eager", "fp32", b) for v in VARIANTS for b in (1, 4)}  # int8 is not a torch precision
    cells = be.enumerate_cells(bundle, precisions=["bf16"], batches=[1], profile=profile(compile=True))
    assert {c.form for c in cells} == {"eager", "compile"}
    cells = be.enumerate_cells(bundle, variants=["relu"], forms=["graph"], batches=[1], profile=profile())
    assert [c.variant for c in cells] == ["relu"] and cells[0].form == "eager"


@pytest.mark.parametrize("variant", VARIANTS)
def test_cpu_fp32_matches_the_model(tiny, variant):
    bundle, models = tiny
    be = get_backend("torch")
    x = np.random.default_rng(0).standard_normal((4, *SHAPE)).astype(np.float32)
    runner = be.make_runner(bundle, Cell(variant, "eager", "fp32", "torch", 4), profile())
    with runner:
        assert runner.input_names() == ["input"]
        out = runner.infer({"input": x})["logits"]
        assert runner.stage_times_ms() is None  # no stages on CPU
        assert runner.memory_info()["param_bytes"] > 0
        d = runner.describe()
    with torch.no_grad():
        ref = models[variant](torch.from_numpy(x)).numpy()
    assert out.shape == (4, 10) and out.dtype == np.float32
    np.testing.assert_allclose(out, ref, rtol=1e-5, atol=1e-5)
    assert d["device"] == "cpu" and d["dtype"] == "float32" and d["threads"] == 1 and not d["compile"]


def test_cpu_bf16_close_and_partial_batch(tiny):
    bundle, models = tiny
    x = np.random.default_rng(1).standard_normal((3, *SHAPE)).astype(np.float32)
    runner = get_backend("torch").make_runner(bundle, Cell("relu", "eager", "bf16", "torch", 4), profile())
    with runner:
        out = runner.infer({"input": x})["logits"]  # last partial batch of an eval pass
    with torch.no_grad():
        ref = models["relu"](torch.from_numpy(x)).numpy()
    assert out.dtype == np.float32 and out.shape == (3, 10)
    assert np.abs(out - ref).max() < 0.1 * (np.abs(ref).max() + 1)  # bf16 has ~3 significant digits


def test_errors(tiny, tmp_path):
    bundle, _ = tiny
    be = get_backend("torch")
    with pytest.raises(EdgeCReLUError, match="no torch weights for variant 'crelu@2'"):
        be.make_runner(bundle, Cell("crelu@2", "eager", "fp32", "torch", 1), profile())
    with pytest.raises(EdgeCReLUError, match="not 'graph'"):
        be.make_runner(bundle, Cell("relu", "graph", "fp32", "torch", 1), profile())
    with pytest.raises(EdgeCReLUError, match="not 'int8'"):
        be.make_runner(bundle, Cell("relu", "eager", "int8", "torch", 1), profile())
    if not torch.cuda.is_available():
        r = be.make_runner(bundle, Cell("relu", "eager", "fp32", "torch", 1), profile(device="cuda"))
        with pytest.raises(EdgeCReLUError, match="sees no CUDA GPU"):
            r.activate()


@pytest.mark.slow
def test_cpu_compile_matches_eager(tiny):
    """torch.compile on the CPU (inductor needs the C++ compiler this machine has; ~20 s)."""
    bundle, models = tiny
    x = np.random.default_rng(2).standard_normal((4, *SHAPE)).astype(np.float32)
    with get_backend("torch").make_runner(bundle, Cell("crelu-half@2", "compile", "fp32", "torch", 4), profile()) as r:
        d = r.describe()  # compiled and run once during activation, before any timing
        assert d["compile"] is True and d["compile_s"] > 0
        out = r.infer({"input": x})["logits"]
    with torch.no_grad():
        ref = models["crelu-half@2"](torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(out, ref, rtol=1e-4, atol=1e-4)


def test_compile_failure_is_one_line(tiny, monkeypatch):
    """Inductor raises at the first call when it cannot compile (e.g. no C++ compiler); the double
    stands in for a machine without one."""
    bundle, _ = tiny

    def broken_compile(model, **kw):
        def call(*a, **k):
            raise RuntimeError("InductorError: CppCompileError: C++ compile error\ncommand: g++ ...")
        return call

    monkeypatch.setattr(torch, "compile", broken_compile)
    r = get_backend("torch").make_runner(bundle, Cell("relu", "compile", "fp32", "torch", 1), profile())
    with pytest.raises(EdgeCReLUError) as err:
        r.activate()
    assert str(err.value) == "torch.compile is not usable here: InductorError: CppCompileError: C++ compile error"
    assert not r.is_active


def test_weights_of_another_variant_refused(tiny, tmp_path):
    bundle, _ = tiny
    from edgecrelu.backends.torch.loader import ModelLoader
    from edgecrelu.backends.torch.runner import TorchRunner

    r = TorchRunner(ModelLoader(weights=bundle.path("relu/weights.pt"), arch=bundle.path("crelu-half@2/arch.json"),
                                form="eager", precision="fp32", batch=1, options=TorchOptions()))
    with pytest.raises(EdgeCReLUError, match="does not match the model"):
        r.activate()


@pytest.mark.gpu
@pytest.mark.parametrize("precision", ["fp32", "fp16", "bf16"])
def test_cuda_stages_and_memory(tiny, precision):
    if not torch.cuda.is_available():
        pytest.skip("needs a CUDA GPU")
    bundle, models = tiny
    x = np.random.default_rng(0).standard_normal((4, *SHAPE)).astype(np.float32)
    prof = profile(device="cuda", channels_last=True)
    runner = get_backend("torch").make_runner(bundle, Cell("crelu-half@2", "eager", precision, "torch", 4), prof)
    with runner:
        out = runner.infer({"input": x})["logits"]
        st = runner.stage_times_ms()
        mem = runner.memory_info()
    with torch.no_grad():
        ref = models["crelu-half@2"](torch.from_numpy(x)).numpy()
    tol = 1e-3 if precision == "fp32" else 0.1 * (np.abs(ref).max() + 1)  # TF32 may be on for fp32
    assert np.abs(out - ref).max() < tol
    assert set(st) == {"h2d", "compute", "d2h"} and all(v >= 0 for v in st.values())
    assert mem["device_bytes"] > 0


def test_cli_profile_torch_cpu(tiny, tmp_path):
    """The profile command measures every variant with the torch backend on CPU."""
    from click.testing import CliRunner

    from edgecrelu.cli import cli
    from edgecrelu.results import load_records

    bundle, _ = tiny
    out = tmp_path / "res"
    res = CliRunner().invoke(cli, ["profile", str(bundle.root), "--device", "cpu", "--backend", "torch",
                                   "--precisions", "fp32", "--batch", "1,4", "--out", str(out), "--warmup", "0",
                                   "--duration", "0.05", "--iterations", "3", "--trials", "1", "--budget", "1",
                                   "--isolation", "none"])
    assert res.exit_code == 0, res.output
    recs = load_records([out])
    assert sorted((r["cell"]["variant"], r["cell"]["batch"]) for r in recs) == [
        (v, b) for v in sorted(VARIANTS) for b in (1, 4)]
    for r in recs:
        assert r["cell"]["backend"] == "torch" and r["cell"]["form"] == "eager"
        assert r["latency_ms"]["n"] >= 3 and r["latency_ms"]["p50"] > 0
        assert r["accuracy"]["n"] == 20


@pytest.mark.slow
def test_cli_compile_cell_in_a_worker_shows_progress(tiny, tmp_path):
    """A torch.compile cell in its own worker process: the compile step is relayed live (it takes
    seconds; TensorRT engine builds use the same channel) and the record says compile."""
    import subprocess
    import sys

    from edgecrelu.results import load_records

    bundle, _ = tiny
    out = tmp_path / "res"
    p = subprocess.run([sys.executable, "-m", "edgecrelu", "profile", str(bundle.root), "--device", "cpu",
                        "--backend", "torch", "--forms", "compile", "--variants", "relu", "--precisions", "fp32",
                        "--batch", "4", "--out", str(out), "--budget", "1", "--warmup", "0", "--duration", "0.05",
                        "--iterations", "3", "--trials", "1"], capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    assert "  torch.compile relu fp32 batch 4 on cpu" in p.stderr and "  compiled in " in p.stderr
    (rec,) = load_records([out])
    assert rec["cell"]["form"] == "compile" and rec["settings"]["backend"]["compile_s"] > 0
