"""The fixtures with known answers for each outcome (tests/fixtures/records/make_records.py)."""

import pytest

from edgecrelu.report.model import analyze

from .helpers import load_case


@pytest.mark.parametrize("case, overrides, verdict, reason", [
    # a real 3 % p99 gain with trials 0.2 % apart: shown above 2 %, shown short of 5 %
    ("gain3_tight", None, "GO", "go"),
    ("gain3_tight", {"min_gain": 0.05}, "NO-GO", "min_gain"),
    # a 40 % gain with trials 45 % apart: the interval holds both 0 and 5 %
    ("gain_wild", None, "INCONCLUSIVE", "not_significant"),
    # a 1-point drop on 269 images cannot settle a 1-point (or a 2-point) budget
    ("drop1_269", None, "INCONCLUSIVE", "unclear_constraints"),
    ("drop1_269", {"max_accuracy_drop": 2.0}, "INCONCLUSIVE", "unclear_constraints"),
    # the same drop on 20 000 images is decided either way once the budget is off the drop itself
    ("drop1_20000", None, "GO", "go"),  # budget 2 points
    ("drop1_20000", {"max_accuracy_drop": 0.5}, "NO-GO", "accuracy"),
    # records from before per-image results: unpaired, wider, and the report says so
    ("unpaired_legacy", None, "INCONCLUSIVE", "unclear_constraints"),
])
def test_known_answer(case, overrides, verdict, reason):
    v = analyze(load_case(case), overrides).sections[0].verdict
    assert (v.verdict, v.reason) == (verdict, reason), v.sentence
    if verdict == "INCONCLUSIVE":
        assert v.decide_line.startswith("What would decide it: about ")
    else:
        assert v.decide_line == ""


def test_gain_interval_of_the_tight_case_sits_between_the_two_min_gains():
    v = analyze(load_case("gain3_tight")).sections[0].verdict
    lo, hi = v.gain_ci
    assert v.gain == pytest.approx(0.03)
    assert 0.02 < lo < 0.03 < hi < 0.05


def test_images_needed_shrink_with_the_budget_gap():
    small = analyze(load_case("drop1_269")).sections[0].verdict
    assert "(now 269) to settle the accuracy budget" in small.decide_line
    row = small.best_crelu.row
    assert row.acc_ci.paired and row.acc_ci.n == 269 and row.acc_ci.lo < -1 < row.acc_ci.hi
    big = analyze(load_case("drop1_20000")).sections[0].verdict.best_crelu.row
    assert big.acc_ci.paired and -2 < big.acc_ci.lo < big.acc_ci.hi < 0


def test_a_drop_exactly_on_the_budget_says_no_sample_size_decides_it():
    v = analyze(load_case("drop1_20000"), {"max_accuracy_drop": 1.0}).sections[0].verdict
    assert v.verdict == "INCONCLUSIVE"
    assert "at exactly the budget no sample size decides it" in v.decide_line


def test_unpaired_records_say_so():
    v = analyze(load_case("unpaired_legacy")).sections[0].verdict
    assert "(unpaired, 360 images)" in v.sentence
    assert "per-image results in the records" in v.decide_line


def test_report_files_carry_outcome_intervals_and_what_would_decide_it(tmp_path):
    import json

    from edgecrelu.report import ReportConfig, build_report

    from .helpers import case_dir

    res = build_report(ReportConfig((str(case_dir("gain_wild")),), str(tmp_path)))
    d = json.loads((tmp_path / "report.json").read_text())
    assert d["verdict"]["outcome"] == "INCONCLUSIVE"
    v = d["sections"][0]["verdict"]
    lo, hi = v["gain_interval"]
    assert lo < 0.05 < hi and v["ratio_interval"]["method"].startswith("Welch")
    assert v["what_would_decide_it"].startswith("What would decide it: about")
    assert v["accuracy_interval"]["paired"] is True
    assert d["verdict"]["what_would_decide_it"] == [v["what_would_decide_it"]]
    for name in ("report.md", "report.html"):
        text = (tmp_path / name).read_text()
        assert "INCONCLUSIVE" in text and "What would decide it: about" in text and "non-inferiority" in text
    assert "What would decide it" in res.terminal


def test_when_the_training_seeds_set_the_accuracy_interval_the_verdict_asks_for_seeds_not_images():
    # drop1_20000 decides a 2-point budget on its 20 000 images; two training seeds per variant that
    # disagree by 6-14 points make the seed interval far wider than the images' one
    recs = load_case("drop1_20000")
    for r in recs:
        kind = r["cell"]["variant"].split("@")[0]
        r["train"] = {"test_acc": [0.80, 0.86] if kind == "relu" else [0.70, 0.84]}
    # by default the verdict judges the exported artifacts on the images; the seed spread is reported
    v = analyze(recs).sections[0].verdict
    assert v.verdict == "GO" and v.best_crelu.row.acc_ci.to_dict()["width_set_by"] == "images", v.sentence
    assert v.best_crelu.row.acc_ci.seeds is not None
    assert any(m.startswith("Retrain risk:") and "does not gate" in m for m in v.measurement), v.measurement
    for r in recs:  # a policy may make the retrain risk gate
        r["device_profile"]["decision"]["seed_spread_gates"] = True
    v = analyze(recs).sections[0].verdict
    assert (v.verdict, v.reason) == ("INCONCLUSIVE", "unclear_constraints"), v.sentence
    assert "the spread over 2 training seeds sets the width; paired, 20000 images alone: " in v.sentence
    assert "more training seeds (now 2 per variant)" in v.decide_line
    assert "eval images (now" not in v.decide_line  # more images would not narrow it
    assert v.best_crelu.row.acc_ci.to_dict()["width_set_by"] == "seeds"
