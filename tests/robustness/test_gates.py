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
    from edgecrelu.profiling.record import cell_accuracy

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
