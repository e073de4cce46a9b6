"""``edgecrelu compare``: same results -> unchanged; a slowed copy -> regression and exit 3."""

import copy
import json
from pathlib import Path

from click.testing import CliRunner

from edgecrelu.cli import cli
from edgecrelu.results import load_records, write_record

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "records"


def _run(*args):
    return CliRunner().invoke(cli, ["compare", *map(str, args)])


def test_same_results_are_unchanged_everywhere(tmp_path):
    r = _run(FIXTURES / "go", FIXTURES / "go", "--out", tmp_path, "--fail-on", "regression")
    assert r.exit_code == 0, r.output
    assert "12 cells compared: 0 regression, 0 improvement, 12 unchanged" in r.output
    d = json.loads((tmp_path / "compare.json").read_text())
    assert {c["status"] for c in d["cells"]} == {"unchanged"}
    assert all(c["p50_ratio"]["lo"] < 1 < c["p50_ratio"]["hi"] for c in d["cells"])
    assert "| cell" in (tmp_path / "compare.md").read_text()


def _slowed(tmp_path, factor):
    out = tmp_path / "slow"
    for rec in load_records([FIXTURES / "go"]):
        rec = copy.deepcopy(rec)
        if rec["cell"]["variant"] == "crelu-half@4" and rec["cell"]["form"] == "folded":
            for t in rec["trials"]:
                t["p50"] *= factor
                t["p99"] *= factor
            for k in ("p50", "p99", "mean", "min", "max", "p90", "p95"):
                rec["latency_ms"][k] *= factor
        write_record(out, rec)
    return out


def test_slowed_cells_are_regressions_with_exit_3(tmp_path):
    slow = _slowed(tmp_path, 1.5)
    r = _run(FIXTURES / "go", slow, "--fail-on", "regression")
    assert r.exit_code == 3, r.output
    assert "4 regression, 0 improvement, 8 unchanged" in r.output
    # without --fail-on the table is printed and the exit is 0
    assert _run(FIXTURES / "go", slow).exit_code == 0
    # and the other way round they are improvements
    assert "0 regression, 4 improvement" in _run(slow, FIXTURES / "go").output


def test_a_change_inside_the_threshold_is_unchanged(tmp_path):
    r = _run(FIXTURES / "go", _slowed(tmp_path, 1.05), "--fail-on", "regression")
    assert r.exit_code == 0 and "12 unchanged" in r.output


def test_no_common_cell_is_one_line_error(tmp_path):
    recs = load_records([FIXTURES / "go"])
    for side, kind in (("a", "relu"), ("b", "crelu-half")):
        for rec in recs:
            if rec["cell"]["kind"] == kind:
                write_record(tmp_path / side, rec)
    r = _run(tmp_path / "a", tmp_path / "b")
    assert r.exit_code == 1
    assert r.output.strip().splitlines() == ["Error: the two result sets share no cell (same device profile, variant, "
                                             "form, precision, backend and batch): nothing to compare"]


def test_two_devices_compare_across_machines(tmp_path):
    """Issue 27: "two devices" was refused (no shared cell); cells now match by variant, form,
    precision and batch, the ratios labelled across machines, and a slower machine is no regression."""
    r = _run(FIXTURES / "two_devices" / "cpu", FIXTURES / "two_devices" / "jetson-orin-nano", "--out", tmp_path,
             "--fail-on", "regression")
    assert r.exit_code == 0, r.output
    assert "4 cells compared across machines (A: cpu, B: jetson-orin-nano" in r.output
    assert "p50 ratio B/A across machines (jetson-orin-nano / cpu)" in r.output
    d = json.loads((tmp_path / "compare.json").read_text())
    assert d["across_machines"] == {"a": "cpu", "b": "jetson-orin-nano"}
    assert sorted(c["cell"] for c in d["cells"]) == [
        "crelu-half@4/folded/int8/b1 (onnxruntime → tensorrt)", "crelu-half@4/graph/int8/b1 (onnxruntime → tensorrt)",
        "relu/graph/fp32/b1 (onnxruntime → tensorrt)", "relu/graph/int8/b1 (onnxruntime → tensorrt)"]
    assert all(c["top1"]["paired"] for c in d["cells"])


def test_a_mixed_set_against_another_machine_is_one_line_error():
    r = _run(FIXTURES / "two_devices", FIXTURES / "go")
    assert r.exit_code == 1
    assert "A holds device profiles cpu, jetson-orin-nano and B cpu" in r.output
