"""The "where the time goes" part: op-type shares and QLinearConv counts from the records' ``ops``."""

from __future__ import annotations

import pytest

from edgecrelu.errors import EdgeCReLUError
from edgecrelu.report.model import analyze
from edgecrelu.report.parts import opshare
from edgecrelu.report.render_html import render_html
from edgecrelu.report.render_md import render_md
from edgecrelu.results import validate
from tests.report.helpers import load_case


def _with_ops(records):
    for r in records:
        if r["cell"]["backend"] == "onnxruntime" and r["cell"]["batch"] == 1:
            int8 = r["cell"]["precision"] == "int8"
            r["ops"] = {"runs": 5, "total_ms": 1.5,
                        "shares": {"QLinearConv" if int8 else "Conv": 0.7, "Relu": 0.2, "QuantizeLinear": 0.05,
                                   "Tile": 0.03, "Reshape": 0.02},
                        "convs": {"qlinear": 9, "float": 0} if int8 else None}
    return records


def test_part_shows_shares_and_conv_counts():
    records = _with_ops(load_case("go"))
    report = analyze(records)
    sr = report.sections[0]
    table = opshare.cells(sr)
    body = table.rows
    with_ops = [r for r in sr.rows if r.record.get("ops")]
    assert len(body) == len(with_ops) > 0
    int8 = [b for b in body if b[2] == "int8"]
    assert int8 and all(b[5] == "9 / 9" and b[6].startswith("QLinearConv 70%") for b in int8)
    assert all(b[6].count(",") == opshare.TOP - 1 for b in body)  # top four op types only
    md = render_md(report)
    assert "Where the time goes" in md and "9 / 9" in md
    assert "Where the time goes" in render_html(report)


def test_part_is_absent_without_ops():
    report = analyze(load_case("go"))
    assert opshare.blocks(report.sections[0], report) == []


def test_bad_ops_field_is_one_line():
    rec = _with_ops(load_case("go"))
    bad = next(r for r in rec if r.get("ops"))
    bad["ops"]["shares"] = {"Conv": "most"}
    with pytest.raises(EdgeCReLUError, match="ops.shares.Conv"):
        validate(bad)


def test_shares_are_ordered_by_size_whatever_the_record_key_order():
    # records are written with sorted keys, so "DequantizeLinear" comes before "QLinearConv" in the file
    import json

    records = json.loads(json.dumps(_with_ops(load_case("go")), sort_keys=True))
    body = opshare.cells(analyze(records).sections[0]).rows
    assert body and all(b[6].split(",")[0] in ("QLinearConv 70%", "Conv 70%") for b in body)
    assert all(b[6].split(", ")[1] == "Relu 20%" for b in body)


def _cell(records, variant, form, precision, batch):
    return next(r for r in records if (r["cell"]["variant"], r["cell"]["form"], r["cell"]["precision"],
                                       r["cell"]["batch"]) == (variant, form, precision, batch))


def test_realisation_splits_where_the_saving_went():
    # "go": crelu-half@4 has 6.7 M MACs against relu's 9.0 M (ratio 0.744); at int8 b1 its chosen form
    # is folded (p50 0.48 ms against relu's 0.60)
    records = load_case("go")
    _cell(records, "relu", "graph", "int8", 1)["ops"] = {
        "runs": 5, "total_ms": 1.0, "shares": {"QLinearConv": 0.8, "QuantizeLinear": 0.1, "Relu": 0.1}}
    _cell(records, "crelu-half@4", "folded", "int8", 1)["ops"] = {
        "runs": 5, "total_ms": 0.9, "shares": {"QLinearConv": 0.6 / 0.9, "QuantizeLinear": 0.1 / 0.9,
                                               "Relu": 0.1 / 0.9, "Mul": 0.1 / 0.9}}
    _cell(records, "crelu-half@4", "graph", "int8", 1)["ops"] = {  # not the chosen form: no row
        "runs": 5, "total_ms": 2.0, "shares": {"Conv": 1.0}}
    report = analyze(records)
    table = opshare.realisation(report.sections[0])
    headers, body = table.headers, table.rows
    assert len(body) == 1
    row = dict(zip(headers, body[0], strict=False))
    r = 6.7 / 9.0
    assert (row["form"], row["precision"], row["MAC ratio"]) == ("folded", "int8", f"{r:.3f}")
    assert (row["p50 ratio"], row["realised"]) == ("0.800", f"{0.2 / (1 - r):.0%}")
    # the shares applied to the p50s: QLinearConv 0.8 x 0.60 ms against (0.6 / 0.9) x 0.48 ms, and the
    # other ops 0.2 x 0.60 against (0.3 / 0.9) x 0.48, of which Mul (0.1 / 0.9) x 0.48
    assert row["MAC-op time ratio"] == f"{(0.6 / 0.9 * 0.48) / (0.8 * 0.6):.3f}"
    added, mul = (0.3 / 0.9 * 0.48 - 0.2 * 0.6) / 0.6, 0.1 / 0.9 * 0.48 / 0.6
    assert row["added ops, % of ReLU's p50"].startswith(f"{added:+.1%} (Mul {mul:+.1%}")
    # the profiles' own totals (1.0 and 0.9 ms, separate runs) do not enter: scaling one changes nothing
    _cell(records, "relu", "graph", "int8", 1)["ops"]["total_ms"] = 5.0
    assert opshare.realisation(analyze(records).sections[0]).rows == body
    md = render_md(report)
    assert "How much of the MAC saving became time" in md and "as a share of ReLU's p50" in md
    page = render_html(report)
    assert "How much of the MAC saving became time" in page
    added_cell = row["added ops, % of ReLU's p50"]
    assert f'<td class="t w">{added_cell}</td>' in page  # text: left-aligned, may wrap


def test_realisation_needs_relu_profiled_too():
    records = load_case("go")
    _cell(records, "crelu-half@4", "folded", "int8", 1)["ops"] = {"runs": 5, "total_ms": 0.9, "shares": {"Mul": 1.0}}
    assert opshare.realisation(analyze(records).sections[0]).rows == []
