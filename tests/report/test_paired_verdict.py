"""The verdict from records timed in paired rounds: the profile run's own rule, worded for a meeting."""

from __future__ import annotations

import math

import numpy as np
import pytest

from edgecrelu.report import render
from edgecrelu.report.model import analyze
from edgecrelu.report.render_text import render_terminal
from edgecrelu.report.rows import table_rows
from edgecrelu.results import Cell
from edgecrelu.sequential import interval

from .helpers import load_case


def paired(records, truth: dict, sd: float = 0.01, workers: int = 30, seed: int = 0, stop=None, aa_valid=True):
    """Give every batch-1 record a ``paired`` block: per-worker log ratios to relu fp32 graph drawn around
    ``truth[(variant, form, precision)]`` (log ratio), as a profile run would write them."""
    rng = np.random.default_rng(seed)
    ref = Cell("relu", "graph", "fp32", "onnxruntime", 1).key
    for r in records:
        c = r["cell"]
        if c["batch"] != 1:
            continue
        key = Cell.from_dict(c).key
        mu = 0.0 if key == ref else truth.get((c["variant"], c["form"], c["precision"]), 0.0)
        units = {str(w): (0.0 if key == ref else float(mu + rng.normal(0, sd))) for w in range(workers)}
        r["paired"] = {"sequence": "s1", "group": "onnxruntime.b1", "reference": ref, "seed": seed,
                       "alpha_family": 0.05, "alpha": 0.05 / 9, "family": 9, "objective_stat": "p50",
                       "units": {"p50": units, "mean": units, "p99": units}, "workers": workers,
                       "rounds": 4 * workers, "dropped": None,
                       "stop": stop or {"reason": "decided", "verdict": "GO", "round": 4 * workers,
                                        "workers": workers, "elapsed_s": 60.0, "budget_s": 120.0},
                       "aa": {"stat": "p50", "ratio": 1.0, "lo": 0.99, "hi": 1.01 if aa_valid else 0.995,
                              "workers": workers, "valid": aa_valid},
                       "block_ms": 10.0, "rounds_per_worker": 4, "tail_ms": [0.5, 0.6], "calls": 5000}
        r["device_profile"]["decision"]["objective"] = "p50_latency"
    return records


def _verdict(records):
    return analyze(records).sections[0].verdict


def test_go_when_a_crelu_form_is_shown_faster_than_every_relu_by_min_gain():
    recs = paired(load_case("go"), {("crelu-half@4", "folded", "int8"): math.log(0.70),
                                    ("crelu-half@4", "graph", "int8"): math.log(0.80),
                                    ("relu", "graph", "int8"): math.log(0.85)})
    v = _verdict(recs)
    assert v.verdict == "GO", v.sentence
    assert "folded" in v.best_crelu.label and "relu (graph, int8" in v.best_relu.label
    assert v.gain_ci[0] >= 0.05 and "anytime-valid interval of the gain" in v.sentence
    text = " ".join(v.measurement)
    assert "30 worker processes" in text and "Bonferroni" in text and "decided (GO)" in text and "A/A" in text


def test_nogo_when_every_crelu_form_is_shown_short_of_min_gain():
    recs = paired(load_case("go"), {("crelu-half@4", "folded", "int8"): math.log(0.84),
                                    ("crelu-half@4", "graph", "int8"): math.log(0.95),
                                    ("crelu-half@4", "folded", "fp32"): math.log(0.99),
                                    ("crelu-half@4", "graph", "fp32"): math.log(0.99),
                                    ("relu", "graph", "int8"): math.log(0.85)})
    v = _verdict(recs)
    assert v.verdict == "NO-GO" and v.reason == "min_gain", v.sentence


def test_inconclusive_says_how_many_seconds_would_decide_it():
    budget = {"reason": "budget", "verdict": None, "round": 40, "workers": 10, "elapsed_s": 120.0, "budget_s": 120.0}
    recs = paired(load_case("go"), {("crelu-half@4", "folded", "int8"): math.log(0.80 * 0.95),
                                    ("relu", "graph", "int8"): math.log(0.80)}, sd=0.03, workers=10, stop=budget)
    v = _verdict(recs)
    assert v.verdict == "INCONCLUSIVE", v.sentence
    assert "more seconds of rounds" in v.decide_line or "nothing practical" in v.decide_line, v.decide_line
    assert any("the budget was spent" in line for line in v.measurement)


def test_a_failed_aa_control_makes_the_timing_undecidable():
    recs = paired(load_case("go"), {("crelu-half@4", "folded", "int8"): math.log(0.70),
                                    ("relu", "graph", "int8"): math.log(0.85)}, aa_valid=False)
    v = _verdict(recs)
    assert v.verdict == "INCONCLUSIVE" and v.reason == "invalid_timing" and "A/A" in v.sentence


def test_the_report_quotes_the_same_interval_the_rounds_give():
    recs = paired(load_case("go"), {("crelu-half@4", "folded", "int8"): math.log(0.70),
                                    ("relu", "graph", "int8"): math.log(0.85)})
    v = _verdict(recs)
    by = {Cell.from_dict(r["cell"]).key: r for r in recs if r["cell"]["batch"] == 1}
    c = by[Cell("crelu-half@4", "folded", "int8", "onnxruntime", 1).key]["paired"]["units"]["p50"]
    r = by[Cell("relu", "graph", "int8", "onnxruntime", 1).key]["paired"]["units"]["p50"]
    iv = interval([c[w] - r[w] for w in c], 0.05 / 9)
    assert v.gain == pytest.approx(1 - math.exp(iv.mean))
    assert v.gain_ci == pytest.approx((1 - math.exp(iv.hi), 1 - math.exp(iv.lo)))


def test_a_paired_verdict_names_the_best_deployable_configuration():
    recs = paired(load_case("go"), {("crelu-half@4", "folded", "int8"): math.log(0.70),
                                    ("relu", "graph", "int8"): math.log(0.85)})
    rep = analyze(recs)
    v = rep.sections[0].verdict
    assert v.rounds is not None and v.best_overall is not None
    assert not v.best_overall.row.violations and not v.best_overall.row.unclear
    # the trade-off table's best p50 among the rows that meet every constraint
    shown = [r for r in table_rows(rep.sections[0].rows) if r.batch == 1 and not r.violations and not r.unclear]
    assert v.best_overall.value == min(r.p50 for r in shown if r.p50 is not None)
    assert v.best_overall_sentence.startswith(f"Best deployable configuration: {v.best_overall.label} — ")
    md, html, text = render(rep, "md"), render(rep, "html"), render_terminal(rep)
    assert "<p></p>" not in html and "\n\n\n" not in md
    for page in (md, html, text):
        assert "Best deployable configuration: " in page


def test_an_interval_past_the_threshold_is_not_quoted_as_holding_it():
    """The rounds' interval wholly past the min-gain threshold has settled the gain: an INCONCLUSIVE
    verdict (a budget unsettled) must not say it "contains the minimum gain" nor ask for more rounds
    (the quick run said both: +6.6 % to +18.6 % "contains the 5 % minimum gain", "about 0 more seconds")."""
    import math

    from edgecrelu.report.decision import Rounds
    from edgecrelu.sequential import Interval

    threshold = math.log(0.95)  # a 5 % gain on a lower-is-better statistic
    settled = Rounds("p50", Interval(math.log(0.87), math.log(0.81), math.log(0.93), 10, 0.05, 0.05), threshold, True)
    open_ = Rounds("p50", Interval(math.log(0.95), math.log(0.90), math.log(1.01), 10, 0.05, 0.05), threshold, True)
    assert not settled.straddles and open_.straddles
    assert not Rounds("p50", None, threshold, True).straddles
