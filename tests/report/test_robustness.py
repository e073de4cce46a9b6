"""Sparse records (no trials, no memory, no accuracy, no power) still make every format."""

import json

import pytest

from edgecrelu.distribution import summarize
from edgecrelu.errors import EdgeCReLUError
from edgecrelu.report import ReportConfig, build_report
from edgecrelu.results import KIND, SCHEMA_VERSION, Cell

from .helpers import load_case, write_records


def _sparse(variant, form, precision, batch, samples):
    return {
        "schema_version": SCHEMA_VERSION, "kind": KIND, "run_id": "r", "created_utc": "t",
        "device_profile": {"name": "cpu"}, "environment": {}, "bundle": {},
        "cell": Cell(variant, form, precision, "onnxruntime", batch).to_dict(),
        "latency_ms": summarize(samples), "throughput_ips": batch * 1000.0 / (sum(samples) / len(samples)),
        "memory": {}, "accuracy": {}, "warnings": ["CoV 0.31 above 0.10"],
    }


def test_sparse_records_make_every_format(tmp_path):
    recs = [
        _sparse("relu", "graph", "fp32", 1, [1.0, 1.1, 1.2, 0.9]),
        _sparse("crelu-half@2", "graph", "fp32", 1, [0.5, 0.6, 0.55, 0.52]),
    ]
    write_records(tmp_path / "res", recs)
    res = build_report(ReportConfig((str(tmp_path / "res"),), str(tmp_path / "rep")))
    assert sorted(res.files) == ["csv", "html", "json", "md"]
    d = json.loads(res.files["json"].read_text())
    # No accuracy measured: the accuracy constraint cannot fail, the latency gain is judged on the CoV bound.
    assert d["sections"][0]["verdict"]["reason"] in ("go", "not_significant")
    assert "CoV 0.31 above 0.10" in res.files["md"].read_text()


def test_top1_must_be_a_fraction(tmp_path):
    recs = load_case("go")
    recs[0]["accuracy"]["top1"] = 97.5
    (tmp_path / "res").mkdir()  # written by hand: write_record itself refuses the record
    for i, r in enumerate(recs):
        (tmp_path / "res" / f"{i}.json").write_text(json.dumps(r))
    with pytest.raises(EdgeCReLUError, match="top1 .* not a fraction"):
        build_report(ReportConfig((str(tmp_path / "res"),), None))
