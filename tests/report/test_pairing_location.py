"""The report finds the pairing analysis wherever `analyze` wrote it for the bundle's train run
(recorded in run.json), in the run's own analysis/, or where `report --analysis` says (issue 27: the
README's `analyze runs/... --out runs/.../analysis` was not found; only the bundle's side was looked at)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from edgecrelu.cli import cli
from edgecrelu.errors import EdgeCReLUError
from edgecrelu.report.pairing_file import find_pairing

from .helpers import case_dir

analyze = pytest.importorskip("edgecrelu.analysis.analyze")  # the torch side writes it

MODEL = {"arch": "convpool-c", "input_shape": [1, 32, 32]}  # the fixture records' model


def _pairing(arch=MODEL) -> dict:
    w = np.random.default_rng(0).standard_normal((8, 1, 3, 3))
    models = [{"variant": "relu", "seed": 0, "dir": "relu/seed0",
               "layers": [analyze.layer_entry("conv1", 1, "relu", w, draws=4)]}]
    d = analyze.assemble(models, {"relu": w}, threshold=-0.5, draws=4, source="/x", arch=arch)
    return json.loads(json.dumps(d))


def _layout(tmp_path, run_dir: str, recorded: bool = True):
    """bundles/b (manifest naming the run), runs/r (run.json), and an analysis written elsewhere."""
    bundle, run, elsewhere = tmp_path / "bundles" / "b", tmp_path / "runs" / "r", tmp_path / "somewhere" / "pairing"
    for d in (bundle, run, elsewhere):
        d.mkdir(parents=True)
    (bundle / "manifest.json").write_text(json.dumps({"export": {"run_dir": run_dir}}))
    (run / "run.json").write_text(json.dumps({"kind": "edgecrelu-train-run", "checkpoints": []}))
    (elsewhere / "pairing.json").write_text(json.dumps(_pairing()))
    if recorded:
        assert analyze.record_location(run, elsewhere) == run / "run.json"
    return [{"bundle": {"path": str(bundle), "model": MODEL}}], elsewhere


def test_the_location_recorded_in_the_run_is_found(tmp_path):
    records, elsewhere = _layout(tmp_path, str(tmp_path / "runs" / "r"))
    found = find_pairing(records)
    assert found is not None and found.path == elsewhere / "pairing.json"


def test_a_relative_run_dir_is_read_from_above_the_bundles_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path.parent)  # not the export's working directory
    records, elsewhere = _layout(tmp_path, "runs/r")  # `export runs/r --out bundles/b` from tmp_path
    assert find_pairing(records).path == elsewhere / "pairing.json"


def test_the_runs_own_analysis_folder_is_found_without_a_record(tmp_path):
    records, _ = _layout(tmp_path, str(tmp_path / "runs" / "r"), recorded=False)
    assert find_pairing(records) is None
    own = tmp_path / "runs" / "r" / "analysis"
    own.mkdir()
    (own / "pairing.json").write_text(json.dumps(_pairing()))
    assert find_pairing(records).path == own / "pairing.json"


def test_a_checkpoint_analysis_is_not_recorded_as_the_runs(tmp_path):
    assert analyze.record_location(tmp_path, tmp_path / "out") is None  # no run.json here


def test_report_analysis_names_it(tmp_path):
    d = tmp_path / "a"
    d.mkdir()
    (d / "pairing.json").write_text(json.dumps(_pairing()))
    records = [{"bundle": {"path": str(tmp_path / "nowhere"), "model": MODEL}}]
    assert find_pairing(records, d).path == d / "pairing.json"
    assert find_pairing(records, d / "pairing.json").path == d / "pairing.json"
    with pytest.raises(EdgeCReLUError, match="no pairing.json there"):
        find_pairing(records, tmp_path)
    (d / "pairing.json").write_text(json.dumps(_pairing({"arch": "other", "input_shape": [3, 8, 8]})))
    with pytest.raises(EdgeCReLUError, match="pairing analysis of another model"):
        find_pairing(records, d)


def test_report_cli_takes_analysis(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "pairing.json").write_text(json.dumps(_pairing()))
    r = CliRunner().invoke(cli, ["report", str(case_dir("go")), "--out", str(tmp_path / "rep"), "--format", "md",
                                 "--analysis", str(tmp_path / "a")])
    assert r.exit_code == 0, r.output
    assert str(tmp_path / "a" / "pairing.json") in (tmp_path / "rep" / "report.md").read_text()
    bad = CliRunner().invoke(cli, ["report", str(case_dir("go")), "--out", str(tmp_path / "rep2"),
                                   "--analysis", str(tmp_path)])
    assert bad.exit_code == 1 and "no pairing.json there" in bad.output
