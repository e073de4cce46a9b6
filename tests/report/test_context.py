"""The report's header lines and noise marks: data line, accuracy that cannot separate the cells,
unstable cells, ratios the spread covers, provider fallback, constant columns."""

from edgecrelu.report import render
from edgecrelu.report.context import accuracy_line, data_facts, noise_of
from edgecrelu.report.model import analyze
from edgecrelu.report.parts.tradeoff import KEEP
from edgecrelu.report.parts.tradeoff import table as tradeoff_table
from edgecrelu.report.render_text import render_terminal

from .helpers import load_case


def _row(report, variant, form, precision, batch=1):
    return next(r for r in report.sections[0].rows
                if (r.variant, r.form, r.precision, r.batch) == (variant, form, precision, batch))


def test_data_line_from_the_records():
    recs = load_case("go")
    for r in recs:
        r["bundle"]["dataset"] = {"spec": "inspection", "eval_n": 600, "seed": 0, "synthetic": True, "epochs": 8}
        r["bundle"]["model"]["arch_args"] = {"width": 0.5}
        r["bundle"]["train"] = {"seeds": [0, 1, 2], "test_acc": [0.9, 0.91, 0.92]}
    f = data_facts(recs)
    assert (f["dataset"], f["eval_images"], f["epochs"], f["seeds"], f["width"]) == (
        "inspection (synthetic)", "600 / 10000", "8", "0,1,2", "0.5")  # the records' accuracy.n differs: both shown
    rep = analyze(recs)
    md, html = render(rep, "md"), render(rep, "html")
    assert "Data: data set inspection (synthetic), eval images 600 / 10000; model convpool-c, width 0.5" in md
    assert "Synthetic data" in md and 'id="data-line"' in html
    assert md.index("Data: data set") < md.index("## cpu on")  # in the header, under the verdict


def test_old_records_say_not_recorded():
    f = data_facts(load_case("go"))
    assert f["dataset"] == f["epochs"] == f["seeds"] == "not recorded"
    assert f["model"] == "convpool-c" and f["input"] == "1×32×32" and f["threads"] == "1"


def test_accuracy_line_only_when_every_cell_scores_the_same():
    assert accuracy_line(analyze(load_case("go")).sections[0].rows) is None
    recs = load_case("go")
    for r in recs:
        r["accuracy"]["top1"] = 0.9
        r["accuracy"].pop("correct", None)
    rep = analyze(recs)
    line = accuracy_line(rep.sections[0].rows)
    assert line.startswith("Every cell scores the same top-1 (90.00 %") and "cannot separate" in line
    assert line in render(rep, "md") and line in render_terminal(rep)


def test_ratio_inside_the_spread_is_marked_and_counted():
    rep = analyze(load_case("go"))
    assert noise_of(rep.sections[0].rows).covered == 0
    recs = load_case("go")
    for r in recs:  # crelu-half graph fp32 b1: trials from 0.6 to 1.2 ms around the baseline's 1.0
        c = r["cell"]
        if (c["variant"], c["form"], c["precision"], c["batch"]) == ("crelu-half@4", "graph", "fp32", 1):
            r["trials"] = [dict(t, p50=v) for t, v in zip(r["trials"], (0.6, 0.85, 1.2), strict=False)]
    rep = analyze(recs)
    row = _row(rep, "crelu-half@4", "graph", "fp32")
    assert row.p50_ratio_ci.lo < 1 < row.p50_ratio_ci.hi
    t = tradeoff_table(rep.sections[0].rows)
    headers, body = t.headers, t.rows
    line = body[rep.sections[0].rows.index(row)]
    assert line[headers.index("p50 ratio")] == "0.850 ≈"
    other = body[rep.sections[0].rows.index(_row(rep, "crelu-half@4", "folded", "int8"))]
    assert "≈" not in other[headers.index("p50 ratio")]
    n = noise_of(rep.sections[0].rows)
    assert n.covered == 1 and f"1 of {n.compared} latency ratios are inside the spread" in render_terminal(rep)


def test_unstable_cells_counted_next_to_the_verdict_and_in_the_terminal():
    recs = load_case("go")
    for r in recs:
        r["settings"]["cov_warn"] = 0.10
        r["latency_ms"]["cov"] = 0.02  # the fixture's trials drift 4 %: under cov_warn
    recs[0]["latency_ms"]["cov"] = 0.14
    recs[1]["trials"][0]["p50"] = recs[1]["latency_ms"]["p50"] * 1.24
    rep = analyze(recs)
    n = noise_of(rep.sections[0].rows)
    assert (n.unstable, n.total) == (2, 12) and round(n.worst_cov, 2) == 0.14 and round(n.worst_drift, 2) == 0.24
    text = "Noise: 2 of 12 cells were unstable (latency CoV up to 14%, p50 drift between trials up to 24%)"
    assert text in render_terminal(rep) and text in render(rep, "md") and text in render(rep, "html")
    md = render(rep, "md")
    assert md.index(text) < md.index("## cpu on")  # next to the verdict, not at the bottom


def test_provider_fallback_said_once_per_section():
    recs = load_case("go")
    for r in recs[:3]:
        r["settings"]["backend"]["provider_fallback"] = "CUDAExecutionProvider unavailable: ran on CPU"
    rep = analyze(recs)
    md, term = render(rep, "md"), render_terminal(rep)
    line = "Provider fallback in 3 of 12 cells (CUDAExecutionProvider unavailable: ran on CPU)"
    assert md.count(line) == 1 and term.count(line) == 1 and render(rep, "html").count(line) == 1
    assert "Provider fallback" not in render(analyze(load_case("go")), "md")


def test_constant_columns_collapse_into_a_line():
    rep = analyze(load_case("go"))
    t, same = tradeoff_table(rep.sections[0].table_rows).collapse(KEEP)
    headers = t.headers
    assert "backend" not in headers and "backend: onnxruntime" in same
    assert headers[:5] == ["variant", "form", "runner-up", "prec", "batch"]
    assert headers.index("p50 ms") < headers.index("MACs") < headers.index("Δ top-1 pts") < headers.index("flags") \
        < headers.index("top-1 % [95% CI]")  # decision columns first
    assert "Same on every row: backend: onnxruntime" in render(rep, "md")
    one = tradeoff_table(rep.sections[0].rows[:1]).collapse(KEEP)
    assert one[1] == []  # one row: nothing to collapse
