"""What the report takes from beside the records, and what it decides from one number (issue 28,
cases 4, 7 and 15): a memory objective has no interval from replicates (peak memory is measured
once per cell), so it decides nothing; a pairing analysis of another model, or a malformed one, is
left out with one warning line; compare / analyze output inside a results directory is refused
(a later report would read it as records); an op profile cut short by a full TMPDIR says so."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from edgecrelu.cli import cli
from edgecrelu.report.model import analyze
from tests.cli_helpers import one_line_error
from tests.report.helpers import case_dir, load_case, write_records

# -- case 4: memory objective ------------------------------------------------------------------


def test_memory_objective_without_replicates_decides_nothing():
    """Each cell's peak memory is one measurement (it varies ~2 % run to run): a 1 % gain over a
    0.15 % minimum gave GO or NO-GO by chance, with a zero-width "+1.0 % to +1.0 %" interval."""
    recs = load_case("go")
    for r in recs:
        if r["cell"]["variant"].startswith("crelu"):
            r["memory"]["peak_rss_bytes"] = int(r["memory"]["peak_rss_bytes"] * 0.99)
    rep = analyze(recs, {"objective": "memory", "min_gain": 0.0015})
    [sec] = rep.sections
    v = sec.verdict
    assert rep.verdict == "INCONCLUSIVE", rep.sentence
    assert v.gain_ci is None
    assert "peak memory is measured once per cell" in rep.sentence, rep.sentence
    assert "+1.0 % to +1.0 %" not in rep.sentence


# -- case 7: pairing.json beside the bundle ---------------------------------------------------


def _pairing(arch: str, input_shape: list) -> dict:
    import numpy as np

    from edgecrelu.analysis.analyze import assemble, layer_entry

    rng = np.random.default_rng(0)
    base = rng.standard_normal((4, 1, 3, 3))
    cache = {}
    models = [{"variant": "relu", "seed": 0, "dir": "relu/seed0",
               "layers": [layer_entry("c1", 1, "relu", np.concatenate([base, -base]), draws=4, cache=cache)]}]
    return assemble(models, {"relu": np.concatenate([base, -base])}, threshold=-0.5, draws=4, source="run",
                    arch={"arch": arch, "input_shape": input_shape})


def _report_with_pairing(tmp_path: Path, data) -> tuple:
    (tmp_path / "analysis").mkdir()
    text = data if isinstance(data, str) else json.dumps(data)
    (tmp_path / "analysis" / "pairing.json").write_text(text)
    recs = load_case("go")
    for r in recs:
        r["bundle"]["path"] = str(tmp_path / "bundle")
    write_records(tmp_path / "results", recs)
    r = CliRunner().invoke(cli, ["report", str(tmp_path / "results"), "--out", str(tmp_path / "rep"),
                                 "--format", "md,html"])
    md = (tmp_path / "rep" / "report.md").read_text() if (tmp_path / "rep" / "report.md").is_file() else ""
    return r, md


def test_report_shows_the_pairing_of_its_own_model(tmp_path):
    r, md = _report_with_pairing(tmp_path, _pairing("convpool-c", [1, 32, 32]))
    assert r.exit_code == 0, r.output
    assert "### Phase pairing" in md and "pairing.json" not in r.stderr


def test_report_leaves_out_the_pairing_of_another_model(tmp_path):
    r, md = _report_with_pairing(tmp_path, _pairing("inspect-net", [3, 32, 32]))
    assert r.exit_code == 0, r.output
    assert "Phase pairing" not in md
    [line] = [ln for ln in r.stderr.splitlines() if "pairing.json" in ln]
    assert "another model" in line and "inspect-net" in line and "convpool-c" in line, line


@pytest.mark.parametrize("bad", [
    "mangled",
    {"kind": "edgecrelu-pairing", "arch": "convpool-c", "input_shape": [1, 32, 32], "summary": {"relu": {"layers": 3}}},
    {"kind": "edgecrelu-pairing", "arch": "convpool-c", "input_shape": [1, 32, 32], "recommendation": {"depth": 1}},
    {"kind": "edgecrelu-pairing", "arch": "convpool-c", "input_shape": [1, 32, 32], "filters": {"relu": {"shape": 1}}},
], ids=["not-json", "layers", "recommendation", "filters"])
def test_a_malformed_pairing_is_a_warning_not_a_traceback(tmp_path, bad):
    r, md = _report_with_pairing(tmp_path, bad)
    assert r.exit_code == 0 and "Traceback" not in r.output, r.output
    assert "Phase pairing" not in md
    if bad != "mangled":  # not JSON: not a pairing analysis at all, nothing to say
        [line] = [ln for ln in r.stderr.splitlines() if "pairing.json" in ln]
        assert "ignored" in line, line


# -- case 15: outputs inside a results directory; a full TMPDIR --------------------------------


def _results(tmp_path: Path) -> Path:
    d = tmp_path / "results"
    shutil.copytree(case_dir("go"), d)
    return d


def _report_still_works(results: Path, tmp_path: Path) -> None:
    r = CliRunner().invoke(cli, ["report", str(results), "--out", str(tmp_path / "rep"), "--format", "md"])
    assert r.exit_code == 0, r.output


def test_compare_out_inside_a_results_directory_is_refused(tmp_path):
    res = _results(tmp_path)
    r = CliRunner().invoke(cli, ["compare", str(res), str(case_dir("go")), "--out", str(res / "cmp")])
    assert r.exit_code == 1 and "Traceback" not in r.output, r.output
    [line] = [ln for ln in r.output.splitlines() if ln.startswith("Error:")]
    assert "inside the results directory" in line and str(res) in line
    _report_still_works(res, tmp_path)


def test_analyze_out_inside_a_results_directory_is_refused(tmp_path):
    pytest.importorskip("torch")
    from tests.export.helpers import make_run

    res = _results(tmp_path)
    run = make_run(tmp_path / "run", variants=("relu",))
    r = CliRunner().invoke(cli, ["analyze", str(run), "--out", str(res / "analysis"), "--draws", "2"])
    one_line_error(r, "inside the results directory")
    _report_still_works(res, tmp_path)


def test_an_op_profile_cut_short_says_why(monkeypatch, tmp_path):
    """ONNX Runtime writes its trace into TMPDIR; on a full disk the file is cut short and json
    said only "Unterminated string". (A test double: a disk that fills up cannot be had here.)"""
    pytest.importorskip("onnxruntime")
    import json as _json

    from edgecrelu.backends.onnxruntime import opprofile
    from edgecrelu.bundle import Bundle
    from edgecrelu.devices import load_device
    from edgecrelu.profiling.opshare import cell_ops
    from edgecrelu.results import Cell
    from tests.fixtures.tiny_bundle import cached_tiny_bundle

    def cut_short(sess):
        sess.end_profiling()
        return _json.loads('[{"cat": "Node", "name": "conv_kernel_t')  # what a full disk leaves

    monkeypatch.setattr(opprofile, "profiled_op_us", cut_short)
    b = Bundle.open(cached_tiny_bundle(precisions=("fp32",)))
    x, _ = b.load_eval()
    ops, warning = cell_ops(b, Cell("relu", "graph", "fp32", "onnxruntime", 1), load_device("cpu"), x)
    assert ops is None
    assert "ONNX Runtime's profile trace" in warning and "TMPDIR" in warning and "full" in warning, warning


def test_report_out_inside_another_results_directory_is_refused(tmp_path):
    """Found by the second probe: `report A --out B/rep` (B another results directory) wrote
    report.json into B, and every later report, compare or ship on B failed."""
    other = _results(tmp_path)
    r = CliRunner().invoke(cli, ["report", str(case_dir("go")), "--out", str(other / "rep"), "--format", "md,json"])
    one_line_error(r, "inside the results directory")
    _report_still_works(other, tmp_path)


def test_a_record_nested_past_the_stack_is_one_line(tmp_path):
    """Found by the second probe: JSON nested 50 000 deep raised RecursionError (a traceback)."""
    res = _results(tmp_path)
    (res / "deep.json").write_text("[" * 50000 + "]" * 50000)
    r = CliRunner().invoke(cli, ["report", str(res), "--out", str(tmp_path / "rep"), "--format", "md"])
    one_line_error(r, "deep.json")


@pytest.mark.parametrize("kind", ["fifo", "devzero"])
def test_a_record_that_is_no_regular_file_is_one_line(tmp_path, kind):
    """Found by the second probe: a FIFO named *.json (or a symlink to /dev/zero) in a results
    directory made `report` wait for ever."""
    import os

    res = _results(tmp_path)
    if kind == "fifo":
        os.mkfifo(res / "zz.json")
    else:
        (res / "zz.json").symlink_to("/dev/zero")
    r = CliRunner().invoke(cli, ["report", str(res), "--out", str(tmp_path / "rep"), "--format", "md"])
    one_line_error(r, "not a regular file")
