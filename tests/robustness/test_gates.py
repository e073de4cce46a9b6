"""Checks that passed what they had not checked: a CI comparison with cells measured on one side
only, and an artifact's accuracy scored against labels of another number of classes."""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from edgecrelu.bundle import Bundle
from edgecrelu.cli import cli
from edgecrelu.results import Cell, load_records, write_record
from tests.fixtures.tiny_bundle import cached_tiny_bundle

RECORDS = Path(__file__).resolve().parents[1] / "fixtures" / "records"


def _compare(*args):
    return CliRunner().invoke(cli, ["compare", *map(str, args)])


def _without(tmp_path, name, drop):
    """The ``go`` records less those whose cell matches ``drop``."""
    out = tmp_path / name
    for rec in load_records([RECORDS / "go"]):
        if not drop(rec["cell"]):
            write_record(out, copy.deepcopy(rec))
    return out


def test_cells_missing_on_one_side_fail_the_compare_gate(tmp_path):
    """A cell measured on one side only was not checked: --fail-on regression must not pass it."""
    fewer = _without(tmp_path, "fewer", lambda c: c["variant"] == "crelu-half@4" and c["form"] == "folded")
    r = _compare(RECORDS / "go", fewer, "--fail-on", "regression")
    assert r.exit_code == 3, r.output
    assert "8 cells compared: 0 regression, 0 improvement, 8 unchanged" in r.stdout
    assert "Traceback" not in r.output
    [line] = r.stderr.strip().splitlines()
    assert line.startswith("4 cell(s) missing from B: ") and line.endswith("(--fail-on regression)")
    assert line.count("crelu-half@4/folded/") == 4
    # the other way round the missing side is A; without --fail-on the exit stays 0
    r = _compare(fewer, RECORDS / "go", "--fail-on", "regression")
    assert r.exit_code == 3 and r.stderr.startswith("4 cell(s) missing from A: "), r.stderr
    assert _compare(RECORDS / "go", fewer).exit_code == 0


# -- accuracy of an artifact with the wrong number of classes -----------------------------------

def _scored(tmp_path, logits, ref=None):
    """``cell_accuracy`` of the tiny bundle's relu fp32 cell on ``logits`` (``ref``: a cached fp32
    reference, as a swapped reference file would give)."""
    pytest.importorskip("onnxruntime")
    from edgecrelu.profiling.reference import cell_accuracy

    bundle = Bundle.open(cached_tiny_bundle(precisions=("fp32",)))
    cell = Cell("relu", "graph", "fp32", "onnxruntime", 1)
    ref_dir = tmp_path / "ref"
    ref_dir.mkdir()
    if ref is not None:
        np.save(ref_dir / "relu__graph.fp32.onnx.npy", ref)
    np.save(tmp_path / "logits.npy", logits)
    return bundle, cell_accuracy(bundle, cell, [{"logits": str(tmp_path / "logits.npy")}], bundle.load_eval, ref_dir)


def _n_eval() -> int:
    return len(Bundle.open(cached_tiny_bundle(precisions=("fp32",))).load_eval()[1])


def test_logits_with_another_class_count_get_no_accuracy(tmp_path):
    """A swapped file with 7 outputs (the bundle's model has 10): scored, it would be a number
    without meaning; the cell keeps its latency and says why it has no accuracy."""
    n = _n_eval()
    bundle, (acc, warning) = _scored(tmp_path, np.random.default_rng(0).normal(size=(n, 7)).astype(np.float32))
    k = bundle.model["num_classes"]
    assert k == 10 and acc is None
    assert warning == (f"relu/graph.fp32.onnx gives logits of shape [{n}, 7] on the eval set, not [{n}, 10] "
                       "(the bundle's model.num_classes is 10): accuracy not measured")


def test_a_reference_with_another_class_count_is_no_reference(tmp_path):
    """The cell's own logits are right: it keeps its accuracy, without an agreement it cannot have."""
    n = _n_eval()
    logits = np.random.default_rng(0).normal(size=(n, 10)).astype(np.float32)
    _, (acc, warning) = _scored(tmp_path, logits, ref=np.zeros((n, 7), np.float32))
    assert acc is not None and acc["n"] == n and acc["agreement_top1"] is None and acc["reference"] is None
    assert "gives logits of shape [" in warning and ", 7], not [" in warning and "no agreement reference" in warning


def test_no_verdict_without_its_candidates():
    # an interrupted train run exports relu only; a --variants relu profile; every CReLU cell failed
    from edgecrelu.report.model import analyze
    from tests.report.helpers import load_case

    relu_only = [r for r in load_case("go") if r["cell"]["variant"] == "relu"]
    v = analyze(relu_only).sections[0].verdict
    assert (v.verdict, v.reason) == ("INCONCLUSIVE", "no_crelu"), v.sentence
    assert "the records hold relu" in v.sentence and "crelu-half@K" in v.decide_line


def test_report_on_relu_only_records_says_what_is_missing(tmp_path):
    from tests.report.helpers import load_case, write_records

    res = write_records(tmp_path / "R", [r for r in load_case("go") if r["cell"]["variant"] == "relu"])
    r = CliRunner().invoke(cli, ["report", str(res), "--out", str(tmp_path / "rep"), "--format", "md"])
    assert r.exit_code == 0, r.output
    md = (tmp_path / "rep" / "report.md").read_text()
    assert "**NO-GO**" not in md and "**INCONCLUSIVE**" in md and "no CReLU configuration was measured" in md
    assert "**In short:** No decision: no CReLU version was measured" in md
