"""`edgecrelu inspect`: the table, tamper detection, and running a bundle's models without torch."""

from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner

from edgecrelu.cli import cli

pytest.importorskip("torch")  # to build the bundle; inspect itself runs torch-free below

from export.helpers import shared_bundle  # noqa: E402  (tests/export/helpers.py)


@pytest.fixture
def bundle_copy(tmp_path):
    return shutil.copytree(shared_bundle()[0], tmp_path / "bundle")


def test_table_lists_every_artifact():
    out, _ = shared_bundle()
    r = CliRunner().invoke(cli, ["inspect", str(out), "--tablefmt", "github"])
    assert r.exit_code == 0, r.output
    m = json.loads((out / "manifest.json").read_text())
    for col in ("variant", "form", "precision", "size", "params", "MACs", "parity", "top1", "drop_pts", "hash"):
        assert col in r.output
    rows = [line for line in r.output.splitlines() if line.startswith("| ") and ".onnx" not in line]
    assert sum(" ok " in line for line in rows) == len(m["artifacts"]) == 27
    assert f"all {len(m['files'])} files match their sha256" in r.output


def test_changed_bytes_are_detected(bundle_copy):
    p = bundle_copy / "crelu-half@4" / "folded.int8.onnx"
    data = bytearray(p.read_bytes())
    data[len(data) // 2] ^= 0xFF
    p.write_bytes(bytes(data))
    r = CliRunner().invoke(cli, ["inspect", str(bundle_copy)])
    assert r.exit_code == 1
    assert "CHANGED" in r.stdout
    err = [line for line in r.stderr.splitlines() if line.startswith("Error: ")]
    assert len(err) == 1 and "crelu-half@4/folded.int8.onnx does not match its sha256" in err[0]


def test_missing_file_and_not_a_bundle(bundle_copy, tmp_path):
    (bundle_copy / "data" / "calib.npz").unlink()
    r = CliRunner().invoke(cli, ["inspect", str(bundle_copy)])
    assert r.exit_code == 1 and "data/calib.npz is missing" in r.output
    r = CliRunner().invoke(cli, ["inspect", str(tmp_path)])
    assert r.exit_code == 1 and "not a bundle" in r.output and "Traceback" not in r.output


def test_bundle_models_run_without_torch(no_torch_cli):
    """Inspect re-runs every artifact with ONNX Runtime in a process where `import torch` fails."""
    out, _ = shared_bundle()
    r = no_torch_cli(["inspect", out, "--evaluate", "--tablefmt", "tsv"])
    assert r.returncode == 0, r.stderr
    lines = [line.split("\t") for line in r.stdout.splitlines() if "\t" in line]
    head, rows = [h.strip() for h in lines[0]], lines[1:]
    assert len(rows) == 27
    top1, now = head.index("top1"), head.index("top1_now")
    for row in rows:  # the target-side number equals what export measured
        assert row[now].strip() == row[top1].strip()
