"""GO / NO-GO / INCONCLUSIVE on the hand-built fixture records: one case per rule of the policy."""

import dataclasses
import json

import pytest

from edgecrelu.devices import Decision
from edgecrelu.errors import EdgeCReLUError
from edgecrelu.report.decision import Outcome, Reason, decide
from edgecrelu.report.model import analyze
from edgecrelu.report.rows import Row
from edgecrelu.variant import split_name

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
    assert mem.reason == "not_significant"  # peak memory is measured once per cell: no interval, no decision
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



# ---------------------------------------------------------------- the pure decision on typed rows
# Rows built by hand, with their constraint states set: the decision's outcome and reason alone are
# checked (no sentence is matched; tests/report/test_verdict_words.py words them).

_STEADY = (1.0, 1.01, 0.99, 1.0)  # p99 trials (ms) with a spread of about 1 %


def _row(variant: str, p99: float | None, *, trials=_STEADY, violations=(), unclear=(), peak_mb=None):
    ts = [p99 * t for t in trials] if p99 is not None else []
    record = {"latency_ms": {"p99": p99, "p50": p99}, "trials": [{"p99": t, "p50": t} for t in ts]}
    return Row(variant, split_name(variant)[0], "graph", "fp32", "onnxruntime", 1, record, p50=p99, p99=p99,
               peak_mb=peak_mb, violations=list(violations), unclear=list(unclear))


def _decide(rows, **policy):
    rows[0].is_baseline = True
    return decide(rows, rows[0], dataclasses.replace(Decision(), **policy))


def _why(v):
    return v.outcome, v.reason


def test_typed_go_when_the_gain_interval_clears_min_gain():
    v = _decide([_row("relu", 1.0), _row("crelu-half@4", 0.7)])
    assert _why(v) == (Outcome.GO, Reason.GO)
    assert v.gain == pytest.approx(0.3) and v.gain_ci[0] > 0.05 and v.best_relu.row.kind == "relu"


def test_typed_nogo_when_the_gain_interval_lies_below_min_gain():
    v = _decide([_row("relu", 1.0), _row("crelu-half@4", 1.0)])
    assert _why(v) == (Outcome.NO_GO, Reason.MIN_GAIN) and v.gain_ci[1] < 0.05


def test_typed_inconclusive_when_the_interval_holds_min_gain_says_how_many_trials():
    v = _decide([_row("relu", 1.0), _row("crelu-half@4", 0.9, trials=(0.6, 1.4, 0.8, 1.2))])
    assert _why(v) == (Outcome.INCONCLUSIVE, Reason.NOT_SIGNIFICANT)
    assert v.gain_ci[0] < 0.05 < v.gain_ci[1] and v.trials_now == 4 and v.trials_needed > 4


@pytest.mark.parametrize("broken, reason", [("accuracy", "ACCURACY"), ("latency", "LATENCY"), ("memory", "MEMORY")])
def test_typed_nogo_names_the_constraint_every_crelu_breaks(broken, reason):
    v = _decide([_row("relu", 1.0), _row("crelu@2", 0.5, violations=[broken]),
                 _row("crelu-half@4", 0.6, violations=[broken])])
    assert _why(v) == (Outcome.NO_GO, Reason[reason])
    assert v.failures == {broken: 2} and v.crelu_passing == 0 and v.best_relu is None


def test_typed_a_relu_only_run_has_no_verdict_to_give():
    v = _decide([_row("relu", 1.0)])
    assert _why(v) == (Outcome.INCONCLUSIVE, Reason.NO_CRELU) and v.measured_variants == ("relu",)


def test_typed_an_objective_not_measured_gives_no_gain():
    v = _decide([_row("relu", 1.0, peak_mb=50), _row("crelu-half@4", 0.7)], objective="memory")
    assert _why(v) == (Outcome.INCONCLUSIVE, Reason.NO_METRIC) and v.gain is None


def test_typed_memory_gain_has_no_interval_and_lower_is_better():
    """Peak memory is one measurement per cell (no replicates): a gain without an interval (issue 28)."""
    v = _decide([_row("relu", 1.0, peak_mb=100), _row("crelu-half@4", 1.0, peak_mb=80)], objective="memory")
    assert _why(v) == (Outcome.INCONCLUSIVE, Reason.NOT_SIGNIFICANT) and v.gain == pytest.approx(0.2)
    assert v.gain_ci is None
    v = _decide([_row("relu", 1.0, peak_mb=100), _row("crelu-half@4", 1.0, peak_mb=120)], objective="memory")
    assert _why(v) == (Outcome.INCONCLUSIVE, Reason.NOT_SIGNIFICANT) and v.gain == pytest.approx(-0.2)


def test_typed_no_relu_within_the_constraints():
    relu = _row("relu", 1.0, violations=["latency"])
    assert _why(_decide([relu, _row("crelu-half@4", 0.7)])) == (Outcome.GO, Reason.GO)
    relu = _row("relu", 1.0, violations=["latency"])
    v = _decide([relu, _row("crelu-half@4", 0.7, unclear=["latency"])])
    assert _why(v) == (Outcome.INCONCLUSIVE, Reason.UNCLEAR_CONSTRAINTS) and v.best_relu is None


def test_typed_a_clear_gain_with_an_unclear_constraint_is_not_a_go():
    v = _decide([_row("relu", 1.0), _row("crelu-half@4", 0.7, unclear=["accuracy"])])
    assert _why(v) == (Outcome.INCONCLUSIVE, Reason.UNCLEAR_CONSTRAINTS) and v.gain_ci[0] > 0.05


def test_typed_verdict_is_built_once():
    v = _decide([_row("relu", 1.0), _row("crelu-half@4", 0.7)])
    with pytest.raises(dataclasses.FrozenInstanceError):
        v.outcome = "NO-GO"


def test_outcome_and_reason_read_as_their_values():
    assert f"{Outcome.NO_GO}: x" == "NO-GO: x" and str(Reason.MIN_GAIN) == "min_gain"
    assert Outcome.GO == "GO" and json.dumps({"r": Reason.NO_CRELU}) == '{"r": "no_crelu"}'
