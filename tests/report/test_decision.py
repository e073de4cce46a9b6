"""GO / NO-GO / INCONCLUSIVE on the hand-built fixture records: one case per rule of the policy."""

import pytest

from edgecrelu.errors import EdgeCReLUError
from edgecrelu.report.model import analyze

from .helpers import load_case


def _only(report):
    assert len(report.sections) == 1
    return report.sections[0]


def test_go():
    rep = analyze(load_case("go"))
    v = _only(rep).verdict
    assert (rep.verdict, v.reason) == ("GO", "go")
    assert v.best_crelu.label == "crelu-half@4 (folded, int8, onnxruntime)"
    assert v.best_relu.label == "relu (graph, int8, onnxruntime)"
    assert v.gain == pytest.approx(0.20)  # (0.75 - 0.60) / 0.75
    assert v.significant and v.gain_ci[0] > 0.05
    assert rep.sentence.startswith("GO: best CReLU crelu-half@4 (folded, int8, onnxruntime) is 20.0 % faster at p99")
    assert "shown above the 5 % minimum gain (95 % interval of the gain +16.3 % to +23.5 %)" in rep.sentence
    assert v.best_overall.label == "crelu-half@4 (folded, int8, onnxruntime)"
    assert v.crelu_passing == v.crelu_total == 2  # fp32 and int8, each at its chosen form


@pytest.mark.parametrize("case, reason, words", [
    ("nogo_accuracy", "accuracy", "loses 7.50 points of top-1 vs the baseline relu (graph, fp32, onnxruntime)"),
    ("nogo_latency", "latency", "has p99 22.0 ms at batch 1 (95 % interval 20.9–23.1 ms), over the 20 ms budget"),
    ("nogo_memory", "memory", "peaks at 300 MB, over the 256 MB memory budget"),
])
def test_nogo_by_constraint(case, reason, words):
    rep = analyze(load_case(case))
    v = _only(rep).verdict
    assert (rep.verdict, v.reason) == ("NO-GO", reason)
    assert words in rep.sentence
    assert v.crelu_passing == 0 and v.failures == {reason: 2}  # fp32 and int8 at their chosen forms
    # A ReLU configuration is still deployable, and the report says which.
    assert v.best_overall is not None and v.best_overall.row.kind == "relu"


def test_accuracy_drop_is_shown_with_its_paired_interval():
    rep = analyze(load_case("nogo_accuracy"))
    assert "95 % interval -8.03 to -6.96 points, wholly below −1; paired over the same images" in rep.sentence


def test_not_significant_is_never_a_win():
    rep = analyze(load_case("not_significant"))
    v = _only(rep).verdict
    assert (rep.verdict, v.reason) == ("INCONCLUSIVE", "not_significant")
    assert v.gain == pytest.approx(0.08)  # above the 5 % minimum ...
    assert not v.significant  # ... but the interval of the gain holds 0
    assert "the 95 % interval of the gain -10.3 % to +23.3 % contains the 5 % minimum gain" in rep.sentence
    assert v.decide_line.startswith("What would decide it: about 50 trials per cell (now 3)")


def test_below_min_gain():
    rep = analyze(load_case("go"), {"min_gain": 0.25})
    v = _only(rep).verdict
    assert (rep.verdict, v.reason) == ("NO-GO", "min_gain")
    assert "shown short of the 25 % minimum gain" in rep.sentence


def test_two_devices_decide_separately():
    rep = analyze(load_case("two_devices"))
    assert [s.section.device for s in rep.sections] == ["cpu", "jetson-orin-nano"]
    cpu, orin = (s.verdict for s in rep.sections)
    assert (cpu.verdict, orin.verdict, orin.reason) == ("GO", "NO-GO", "min_gain")
    assert rep.verdict == "NO-GO"
    assert any("2 machines" in w and "no ratio is computed across machines" in w for w in rep.warnings)
    # Baselines (and so every ratio) stay inside their own machine.
    assert rep.sections[1].baseline.backend == "tensorrt"
    assert all(r.record["environment"]["host"] == "orin-07" for r in rep.sections[1].rows)


def test_objectives_throughput_memory_energy():
    recs = load_case("go")
    thr = _only(analyze(recs, {"objective": "throughput"})).verdict
    assert thr.best_crelu.at.batch == 32  # throughput is taken at the configuration's best batch
    assert thr.best_crelu.label.endswith("batch 32)") and thr.gain > 0
    mem = _only(analyze(recs, {"objective": "memory"})).verdict
    assert mem.reason == "min_gain"  # all cells peak at 60 MB: no gain
    energy = _only(analyze(recs, {"objective": "energy"})).verdict
    assert energy.reason == "no_metric"  # the CPU run measured no power
    two = analyze(load_case("two_devices"), {"objective": "energy"})
    assert two.sections[1].verdict.best_crelu.value is not None


def test_no_relu_passing_means_go_if_crelu_passes():
    recs = load_case("go")
    for r in recs:
        if r["cell"]["variant"] == "relu" and r["cell"]["precision"] == "int8":
            r["accuracy"]["top1"] = 0.90
    # relu fp32 is the baseline and passes, so make the budget exclude it
    rep = analyze(recs, {"latency_budget_p99_ms": 1.1})
    v = _only(rep).verdict
    assert (v.verdict, v.reason, v.best_relu) == ("GO", "go", None)
    assert "no ReLU configuration does" in v.sentence


def test_missing_baseline_lists_cells():
    with pytest.raises(EdgeCReLUError) as exc:
        analyze(load_case("go"), {"baseline_precision": "fp16"})
    msg = str(exc.value)
    assert "baseline cell relu/graph/fp16/onnxruntime/b1 not found" in msg
    assert "relu/graph/fp32/onnxruntime/b1" in msg and "\n" not in msg


def test_recommended_forms():
    v = _only(analyze(load_case("go"))).verdict
    got = {(f.variant, f.precision, f.batch): f.form for f in v.forms}
    assert got == {("crelu-half@4", "fp32", 1): "graph", ("crelu-half@4", "int8", 1): "folded",
                   ("crelu-half@4", "fp32", 32): "graph", ("crelu-half@4", "int8", 32): "folded"}


def test_inexact_form_is_not_recommended():
    recs = load_case("go")
    for r in recs:
        c = r["cell"]
        if (c["variant"], c["form"], c["precision"]) == ("crelu-half@4", "folded", "fp32"):
            r["accuracy"]["max_abs_diff"] = 0.5
            r["latency_ms"]["p50"] = 0.1
    v = _only(analyze(recs)).verdict
    fp32 = next(f for f in v.forms if f.precision == "fp32")
    assert fp32.form == "graph" and fp32.inexact == ["folded"]


def test_a_clearly_slower_crelu_is_not_called_inside_the_spread():
    # Make every CReLU cell 3x slower than measured: ranges cannot overlap any more.
    records = load_case("go")
    for r in records:
        if r["cell"]["variant"] != "relu":
            for key in ("p50", "p99", "mean", "min", "max"):
                r["latency_ms"][key] *= 3
            for t in r.get("trials", []):
                for key in ("p50", "p99"):
                    if key in t:
                        t[key] *= 3
    rep = analyze(records)
    v = _only(rep).verdict
    assert (rep.verdict, v.reason) == ("NO-GO", "min_gain")
    assert "slower at p99" in rep.sentence
    assert "not significant" not in rep.sentence


def test_forms_summary_gives_the_margin_or_says_inside_the_noise():
    from edgecrelu.report.formchoice import FormChoice, forms_summary

    clear = FormChoice("onnxruntime", "crelu-half@4", "int8", "tile", 1.0, runner_up="pm1", runner_up_p50=1.25,
                       significant=True)
    tie = FormChoice("onnxruntime", "crelu-half@4", "fp32", "split", 2.0, runner_up="graph", runner_up_p50=2.02,
                     significant=False)
    (line,) = forms_summary([clear, tie])
    assert "tile (int8, 25% ahead of pm1)" in line and "split (fp32 ~ graph, not significant)" in line


def test_an_absurd_gain_interval_is_not_printed_digit_by_digit():
    # 2 trials with a CoV over 200 % give ratio intervals like 0.3-4e9: the sentence says so in words
    from edgecrelu.report.decision import _pct

    assert _pct(-6345619.23) == "below -1000 %" and _pct(25.0) == "above +1000 %"
    assert _pct(0.187) == "+18.7 %" and _pct(-9.99) == "-999.0 %"
