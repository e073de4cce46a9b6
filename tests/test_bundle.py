"""The bundle container: hashing, atomic commit, verification (no torch, no ONNX needed)."""

import json

import numpy as np
import pytest

from edgecrelu.bundle import MANIFEST, Bundle, BundleWriter
from edgecrelu.errors import EdgeCReLUError


def _write(tmp_path, name="b"):
    out = tmp_path / name
    with BundleWriter(out) as w:
        w.write_bytes("relu/graph.fp32.onnx", b"not really onnx but hashed")
        np.savez(w.file("data/eval.npz"), x=np.zeros((2, 1, 4, 4), np.float32), y=np.array([0, 1]))
        np.savez(w.file("data/calib.npz"), x=np.ones((2, 1, 4, 4), np.float32))
        w.commit({
            "model": {"arch": "t", "input_shape": [1, 4, 4]},
            "dataset": {"eval": {"path": "data/eval.npz"}, "calib": {"path": "data/calib.npz"}},
            "variants": {"relu": {}},
            "artifacts": [{"variant": "relu", "form": "graph", "precision": "fp32", "path": "relu/graph.fp32.onnx"}],
        })
    return out


def test_commit_hashes_every_file_and_renames(tmp_path):
    out = _write(tmp_path)
    b = Bundle.open(out)
    assert set(b.manifest["files"]) == {"relu/graph.fp32.onnx", "data/eval.npz", "data/calib.npz"}
    (a,) = b.artifacts()
    assert a.sha256 == b.manifest["files"][a.path] and a.info["bytes"] == 26
    x, y = b.load_eval()
    assert x.shape == (2, 1, 4, 4) and list(y) == [0, 1]
    assert not [p for p in tmp_path.iterdir() if "partial" in p.name]


def test_failed_build_leaves_nothing(tmp_path):
    with pytest.raises(RuntimeError), BundleWriter(tmp_path / "b") as w:
        w.write_bytes("x.onnx", b"1")
        raise RuntimeError("export failed")
    assert list(tmp_path.iterdir()) == []


def test_tampered_file_is_refused(tmp_path):
    out = _write(tmp_path)
    (out / "relu/graph.fp32.onnx").write_bytes(b"tampered")
    with pytest.raises(EdgeCReLUError, match="does not match its sha256"):
        Bundle.open(out)
    assert Bundle.open(out, verify=False).verify() == [
        "relu/graph.fp32.onnx does not match its sha256 in the manifest (modified or corrupt)"
    ]


def test_missing_file_and_bad_manifest(tmp_path):
    out = _write(tmp_path)
    (out / "data/calib.npz").unlink()
    with pytest.raises(EdgeCReLUError, match="calib.npz is missing"):
        Bundle.open(out)
    (out / MANIFEST).write_text("{not json")
    with pytest.raises(EdgeCReLUError, match="corrupt bundle manifest"):
        Bundle.open(out)
    with pytest.raises(EdgeCReLUError, match="bundle not found"):
        Bundle.open(tmp_path / "nope")


def test_schema_version_checked(tmp_path):
    out = _write(tmp_path)
    m = json.loads((out / MANIFEST).read_text())
    m["schema_version"] = 99
    (out / MANIFEST).write_text(json.dumps(m))
    with pytest.raises(EdgeCReLUError, match="schema_version 99"):
        Bundle.open(out)


def test_existing_output_is_not_clobbered(tmp_path):
    out = _write(tmp_path)
    with pytest.raises(EdgeCReLUError, match="already exists"):
        BundleWriter(out)
    assert Bundle.open(out)


@pytest.mark.parametrize("edit, words", [
    (lambda m: m.update(model="x"), "manifest model must be an object, got 'x'"),
    (lambda m: m["model"].update(input_shape=[1, 4]), "model.input_shape must be [C, H, W] of positive integers"),
    (lambda m: m.update(artifacts="x"), "manifest artifacts must be a list"),
    (lambda m: m["artifacts"][0].update(path="../../etc/passwd"), "artifacts[0].path must be a relative path inside"),
    (lambda m: m["artifacts"][0].update(sha256="0" * 64), "artifacts[0].sha256 must be the sha256 that files lists"),
    (lambda m: m["files"].update({"/etc/passwd": "0" * 64}), "manifest files must be relative paths inside the bundle"),
    (lambda m: m["dataset"].update(eval={"path": "data/other.npz"}), "dataset.eval.path must be a file listed"),
    (lambda m: m.update(variants=[1]), "manifest variants must be an object"),
])
def test_tampered_manifest_is_one_line(tmp_path, edit, words):
    """The manifest is not hashed by itself: its fields are checked for type and for paths that stay
    inside the bundle and agree with ``files``."""
    out = _write(tmp_path)
    m = json.loads((out / MANIFEST).read_text())
    edit(m)
    (out / MANIFEST).write_text(json.dumps(m))
    for verify in (True, False):
        with pytest.raises(EdgeCReLUError) as err:
            Bundle.open(out, verify=verify)
        assert words in str(err.value) and str(err.value).startswith(f"bundle {out}: ")
