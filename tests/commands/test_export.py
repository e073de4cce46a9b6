"""`edgecrelu export` through the CLI: bad input is one line, exit 1, and no half bundle."""

from __future__ import annotations

import json
import shutil

import pytest
from cli_helpers import one_line_error  # noqa: E402  (tests/cli_helpers.py)
from click.testing import CliRunner

from edgecrelu.cli import cli

pytest.importorskip("torch")

from export.helpers import shared_bundle, shared_run  # noqa: E402  (tests/export/helpers.py)


def invoke(*args):
    return CliRunner().invoke(cli, ["export", *map(str, args)])




def test_export_writes_the_bundle_path_on_stdout():
    out, res = shared_bundle()
    assert res.stdout.strip() == str(out)
    assert (out / "manifest.json").is_file()
    assert not [p for p in out.parent.iterdir() if ".partial-" in p.name]


@pytest.fixture
def run_copy(tmp_path):
    return shutil.copytree(shared_run(), tmp_path / "run")


def test_run_without_checkpoints(run_copy, tmp_path):
    run = json.loads((run_copy / "run.json").read_text())
    run["checkpoints"] = []
    (run_copy / "run.json").write_text(json.dumps(run))
    one_line_error(invoke(run_copy, "--out", tmp_path / "b"), "has no checkpoints")
    assert not (tmp_path / "b").exists()


def test_missing_run_dir(tmp_path):
    one_line_error(invoke(tmp_path / "nope", "--out", tmp_path / "b"), "train run directory not found")


def test_checkpoint_that_does_not_match_its_record(run_copy, tmp_path):
    w = run_copy / "crelu@4" / "seed0" / "weights.pt"
    data = bytearray(w.read_bytes())
    data[len(data) // 2] ^= 0xFF
    w.write_bytes(bytes(data))
    one_line_error(invoke(run_copy, "--out", tmp_path / "b"), "does not match its training record")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


@pytest.mark.parametrize("args, words", [
    (["--precisions", "fp32,fp8"], "unknown precision 'fp8'; choose one of: fp32, fp16, int8"),
    (["--forms", "graph,fancy"], "unknown form 'fancy'; choose one of: graph, folded, pm1, split"),
    (["--variants", "crelu@9"], "unknown variant 'crelu@9'"),
    (["--seed", "5"], "no checkpoint for seed 5"),
])
def test_bad_names(tmp_path, args, words):
    one_line_error(invoke(shared_run(), "--out", tmp_path / "b", *args), words)
    assert list(tmp_path.iterdir()) == []


def test_existing_out_needs_overwrite(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "keep.txt").write_text("results")
    one_line_error(invoke(shared_run(), "--out", tmp_path / "b"), "already exists")
    assert (tmp_path / "b" / "keep.txt").read_text() == "results"


def test_forms_are_kept_in_step_with_the_registry():
    from edgecrelu.commands.export import CALIB_METHODS, command
    from edgecrelu.export import CALIB_METHODS as METHODS
    from edgecrelu.registries import FORMS

    forms = next(p for p in command.params if p.name == "forms")
    assert set(forms.type.choices) == set(FORMS) and tuple(CALIB_METHODS) == tuple(METHODS)


def test_export_without_torch_names_the_extra(tmp_path, no_torch_cli):
    r = no_torch_cli(["export", shared_run(), "--out", tmp_path / "b"])
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert r.stderr.strip().splitlines() == ["Error: torch is not installed; install it with: "
                                             "pip install 'edgecrelu[torch]' (export runs on the training side)"]
    assert list(tmp_path.iterdir()) == []
