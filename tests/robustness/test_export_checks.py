"""Export writes only what it checked: an opset the exporter could not write is refused (the
manifest would claim it), NaN/inf logits fail the parity gate (``nan > tol`` is False, so a plain
comparison passed them), and no manifest with a NaN or inf number is committed."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from edgecrelu.bundle import BundleWriter
from edgecrelu.cli import cli
from edgecrelu.errors import EdgeCReLUError


def test_an_opset_the_exporter_falls_back_from_is_refused():
    """torch's exporter writes its own opset (18), with a warning only, where it cannot convert."""
    torch = pytest.importorskip("torch")
    pytest.importorskip("onnxscript")
    from edgecrelu.export.onnx_export import export_onnx

    model = torch.nn.Sequential(torch.nn.Conv2d(1, 4, 3), torch.nn.ReLU(), torch.nn.Flatten())
    with pytest.raises(EdgeCReLUError, match=r"--opset 99: the exporter of torch .* wrote opset 18 instead"):
        export_onnx(model, (1, 8, 8), opset=99)


def test_nan_logits_fail_the_parity_gate(tmp_path):
    """Finite weights whose activations overflow: PyTorch and ONNX Runtime both give NaN/inf logits,
    so their "difference" is NaN; export must stop, not write NaN as the parity and accuracy."""
    torch = pytest.importorskip("torch")
    pytest.importorskip("onnxscript")
    from edgecrelu.fileio import sha256_file
    from tests.export.helpers import make_run

    run = make_run(tmp_path / "run", variants=("relu",))
    d = run / "relu" / "seed0"
    state = torch.load(d / "weights.pt", weights_only=True)
    for k, v in state.items():
        if k.endswith("conv.weight"):
            v.mul_(1e30)
    assert all(bool(torch.isfinite(v).all()) for v in state.values() if v.is_floating_point())
    torch.save(state, d / "weights.pt")
    rec = json.loads((d / "record.json").read_text())
    rec["weights_sha256"] = sha256_file(d / "weights.pt")
    (d / "record.json").write_text(json.dumps(rec))

    out = tmp_path / "bundle"
    r = CliRunner().invoke(cli, ["export", str(run), "--out", str(out), "--precisions", "fp32", "--forms", "graph"])
    assert r.exit_code == 1 and "Traceback" not in r.output, r.output
    errors = [ln for ln in r.output.splitlines() if ln.startswith("Error:")]
    assert len(errors) == 1 and "gives NaN or inf logits on" in errors[0], r.output
    assert str(d / "weights.pt") in errors[0]  # names the checkpoint
    assert not out.exists() and not list(tmp_path.glob(".bundle.*"))


@pytest.mark.parametrize("value", [float("nan"), float("inf")], ids=["nan", "inf"])
def test_a_manifest_with_a_non_finite_number_is_not_committed(tmp_path, value):
    out = tmp_path / "b"
    with BundleWriter(out) as w:
        w.write_bytes("relu/graph.fp32.onnx", b"x")
        np.savez(w.file("data/eval.npz"), x=np.zeros((2, 1, 4, 4), np.float32), y=np.array([0, 1]))
        with pytest.raises(EdgeCReLUError, match=r"artifacts\[0\]\.parity_max_abs_diff is (nan|inf), not a finite"):
            w.commit({"model": {"input_shape": [1, 4, 4]}, "dataset": {"eval": {"path": "data/eval.npz"}},
                      "variants": {"relu": {}},
                      "artifacts": [{"variant": "relu", "form": "graph", "precision": "fp32",
                                     "path": "relu/graph.fp32.onnx", "parity_max_abs_diff": value}]})
    assert not out.exists()


def test_export_of_an_incomplete_train_run_warns(tmp_path):
    """An interrupted train run (run.json complete: false) exported its finished variants without a
    word: the bundle then lacked the CReLU model and the report had nothing to decide (issue 28)."""
    pytest.importorskip("torch")
    pytest.importorskip("onnxscript")
    from tests.export.helpers import make_run

    run = make_run(tmp_path / "run", variants=("relu",))
    meta = json.loads((run / "run.json").read_text())
    meta["variants"] = ["relu", "crelu-half@1"]  # training stopped before crelu-half@1
    meta["complete"] = False
    (run / "run.json").write_text(json.dumps(meta))
    out = tmp_path / "bundle"
    r = CliRunner().invoke(cli, ["export", str(run), "--out", str(out), "--precisions", "fp32", "--forms", "graph"])
    assert r.exit_code == 0, r.output
    [line] = [ln for ln in r.stderr.splitlines() if ln.startswith("warning: ") and "complete: false" in ln]
    assert "crelu-half@1" in line and str(run) in line, line
    manifest = json.loads((out / "manifest.json").read_text())
    assert any("incomplete" in w for w in manifest["warnings"])  # inspect shows it too
