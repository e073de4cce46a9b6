"""``export --overwrite`` replaces a bundle and nothing else: a directory that is not a bundle (a
train run, a user's files) is refused, and so is a bundle holding files it did not write (results
kept inside it), so that the replacement deletes no one's work. Refused in one line, before the
export's work, with everything left as it was."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from edgecrelu.bundle import Bundle, BundleWriter
from edgecrelu.cli import cli
from edgecrelu.errors import EdgeCReLUError
from tests.cli_helpers import one_line_error
from tests.fixtures.tiny_bundle import cached_tiny_bundle


def _hashes(root: Path) -> dict:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def _leftovers(parent: Path, name: str) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if p.name.startswith(f".{name}.") and not p.name.endswith(".lock"))


def _commit(w: BundleWriter, tag: str) -> None:
    w.write_bytes("relu/graph.fp32.onnx", tag.encode())
    np.savez(w.file("data/eval.npz"), x=np.zeros((2, 1, 4, 4), np.float32), y=np.array([0, 1]))
    w.commit({"model": {"arch": tag, "input_shape": [1, 4, 4]}, "dataset": {"eval": {"path": "data/eval.npz"}},
              "variants": {"relu": {}},
              "artifacts": [{"variant": "relu", "form": "graph", "precision": "fp32", "path": "relu/graph.fp32.onnx"}]})


@pytest.fixture
def precious(tmp_path):
    d = tmp_path / "precious"
    (d / "sub").mkdir(parents=True)
    (d / "thesis.txt").write_text("t\n")
    (d / "sub" / "data.csv").write_text("1,2\n")
    return d


@pytest.fixture
def bundle_with_results(tmp_path):
    b = shutil.copytree(cached_tiny_bundle(precisions=("fp32",)), tmp_path / "b1")
    (b / "results").mkdir()
    (b / "results" / "relu.json").write_text("{}\n")
    return b


def test_a_directory_that_is_not_a_bundle_is_not_replaced(precious):
    before = _hashes(precious)
    with pytest.raises(EdgeCReLUError, match=r"precious is not an edgecrelu bundle \(no manifest.json"):
        BundleWriter(precious, overwrite=True)
    assert _hashes(precious) == before and (precious / "sub").is_dir()
    assert _leftovers(precious.parent, "precious") == []
    BundleWriter(precious.parent / "other").__exit__(None, None, None)  # the lock was released


def test_a_manifest_of_another_kind_is_not_a_bundle(tmp_path):
    run = tmp_path / "r1"
    run.mkdir()
    (run / "manifest.json").write_text('{"kind": "edgecrelu-train-run", "files": {}}')
    with pytest.raises(EdgeCReLUError, match="is not an edgecrelu bundle"):
        BundleWriter(run, overwrite=True)
    assert (run / "manifest.json").exists()


def test_files_kept_inside_a_bundle_are_not_deleted(bundle_with_results):
    b = bundle_with_results
    before = _hashes(b)
    with pytest.raises(EdgeCReLUError, match=r"holds files its bundle did not write \(results/\)"):
        BundleWriter(b, overwrite=True)
    assert _hashes(b) == before
    assert _leftovers(b.parent, "b1") == []


def test_a_file_put_into_the_bundle_during_the_export_is_not_deleted(tmp_path):
    out = tmp_path / "b"
    with BundleWriter(out) as w:
        _commit(w, "old")
    with pytest.raises(EdgeCReLUError, match=r"holds files its bundle did not write \(notes.txt\)"):
        with BundleWriter(out, overwrite=True) as w:
            (out / "notes.txt").write_text("mine\n")  # while the new bundle is being built
            _commit(w, "new")
    assert (out / "notes.txt").read_text() == "mine\n"
    assert Bundle.open(out).model["arch"] == "old"
    assert _leftovers(tmp_path, "b") == []


def test_a_bundle_of_its_own_files_is_still_replaced(tmp_path):
    out = tmp_path / "b"
    with BundleWriter(out) as w:
        _commit(w, "old")
    with BundleWriter(out, overwrite=True) as w:
        _commit(w, "new")
    assert Bundle.open(out).model["arch"] == "new"


@pytest.mark.parametrize("target", ["precious", "run", "bundle_with_results"])
def test_export_overwrite_refuses_in_one_line(request, tmp_path, target):
    """The CLI path of the issue: ``export r1 --out precious --overwrite`` and ``--out r1``."""
    pytest.importorskip("torch")
    pytest.importorskip("onnxscript")
    if target == "run":
        out = tmp_path / "r1"
        (out / "relu" / "seed0").mkdir(parents=True)
        (out / "run.json").write_text('{"kind": "edgecrelu-train-run"}')
        (out / "relu" / "seed0" / "weights.pt").write_bytes(b"w")
        run = out
    else:
        out, run = request.getfixturevalue(target), tmp_path / "no-run-needed"
    before = _hashes(out)
    r = CliRunner().invoke(cli, ["export", str(run), "--out", str(out), "--overwrite"])
    one_line_error(r, str(out))
    assert ("is not an edgecrelu bundle" if target != "bundle_with_results" else "results/") in r.output
    assert _hashes(out) == before
    assert _leftovers(out.parent, out.name) == []
