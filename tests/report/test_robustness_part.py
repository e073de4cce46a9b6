"""The robustness section (report/robustness.py, report/parts/robustness.py) and decision.robustness_budget."""

from __future__ import annotations

import numpy as np
import pytest

from edgecrelu import stats
from edgecrelu.devices import parse_profile
from edgecrelu.errors import EdgeCReLUError
from edgecrelu.report import robustness as rb
from edgecrelu.report.blocks import Figure, Table
from edgecrelu.report.model import analyze
from edgecrelu.report.parts import robustness as part

from .helpers import load_case

SHIFTED = (("contrast", 1), ("contrast", 2), ("invert", 1))


def with_shifts(records: list[dict], hurt: int = 0, only=None) -> list[dict]:
    """The fixture's records scored on shifted sets built from their own per-image correctness: every
    model loses the same 10 % of its right images under each shift (so the paired differences to the
    baseline are those of the unshifted images), and a CReLU record loses ``hurt`` more under contrast@2."""
    for rec in records:
        if only is not None and rec["cell"]["variant"] not in only:
            continue
        clean = stats.decode_correct(rec["accuracy"])
        n = len(clean)
        rec["shifts"] = []
        for name, sev in SHIFTED:
            x = clean.copy()
            x[np.arange(n) % 10 == sev] = False
            if hurt and rec["cell"]["kind"] != "relu" and (name, sev) == ("contrast", 2):
                x[np.flatnonzero(x)[:hurt]] = False
            rec["shifts"].append({"name": name, "severity": sev, "top1": float(x.mean()), "n": n,
                                  "correct": stats.encode_correct(x), "x_sha256": f"{sev:x}" * 64,
                                  "params": {"contrast": 0.7} if name == "contrast" else {}})
    return records


def test_records_without_shifts_leave_the_part_out_and_the_verdict_alone():
    sr = analyze(load_case("go")).sections[0]
    assert part.blocks(sr, None) == []
    assert sr.verdict.verdict == "GO"


def test_the_part_shows_top1_per_shift_the_paired_difference_a_plot_and_the_weakest_shift():
    sr = analyze(with_shifts(load_case("go"), hurt=300)).sections[0]
    blocks = part.blocks(sr, None)
    tables = [b for b in blocks if isinstance(b, Table)]
    assert len(tables) == 2
    top1, diff = tables
    assert [r[0] for r in top1.rows] == ["unshifted", "contrast", "contrast", "invert"]
    assert "[" in diff.rows[1][2]  # an interval beside each difference
    svg = next(b for b in blocks if isinstance(b, Figure)).svgs[0]
    assert svg.count("<polyline") == len(part.configurations(sr))
    weakest = next(b for b in blocks if getattr(b, "lead", "").startswith("Weakest")).items
    assert len(weakest) == len(part.configurations(sr))
    assert any(t.startswith("crelu-half@4") and "weakest under contrast (severity 2)" in t for t in weakest)


def test_paired_difference_on_the_same_shifted_images():
    recs = with_shifts(load_case("go"), hurt=300)
    base = next(r for r in recs if r["cell"]["variant"] == "relu" and r["cell"]["precision"] == "fp32")
    cand = next(r for r in recs if r["cell"]["kind"] == "crelu-half")
    cis = rb.vs_baseline(base, cand)
    assert cis["invert@1"].paired and cis["invert@1"].diff_pts == pytest.approx(
        (rb.scores(cand)["invert@1"].top1 - rb.scores(base)["invert@1"].top1) * 100)
    assert cis["contrast@2"].hi < cis["contrast@1"].lo  # the 300 images lost under contrast@2 only


def test_a_robustness_budget_kept_is_go():
    sr = analyze(with_shifts(load_case("go")), {"robustness_budget": 1.0}).sections[0]
    assert sr.verdict.verdict == "GO", sr.verdict.sentence
    assert any("met" in line for line in part.budget_lines(sr, [(r.label, r) for r in part.configurations(sr)]))


def test_a_robustness_budget_broken_by_every_crelu_configuration_is_no_go():
    recs = with_shifts(load_case("go"), hurt=600)
    assert analyze(recs).sections[0].verdict.verdict == "GO"  # without the budget nothing sees it
    v = analyze(recs, {"robustness_budget": 1.0, "robustness_severity": 2}).sections[0].verdict
    assert (v.verdict, v.reason) == ("NO-GO", "robustness"), v.sentence
    # at severity 1 the CReLU models hold up: the budget there is met
    assert analyze(recs, {"robustness_budget": 1.0, "robustness_severity": 1}).sections[0].verdict.verdict == "GO"


def test_a_robustness_budget_on_records_without_shifted_scores_is_unclear():
    v = analyze(load_case("go"), {"robustness_budget": 1.0}).sections[0].verdict
    assert v.verdict == "INCONCLUSIVE"
    assert "export --shifts default" in v.decide_line


def test_the_device_profile_takes_the_budget():
    base = {"name": "x", "backends": ["onnxruntime"], "precisions": ["fp32"], "batch_sizes": [1]}
    p = parse_profile({**base, "decision": {"robustness_budget": 2, "robustness_severity": 3}})
    assert (p.decision.robustness_budget, p.decision.robustness_severity) == (2.0, 3)
    with pytest.raises(EdgeCReLUError, match="robustness_severity 1 to 3"):
        parse_profile({**base, "decision": {"robustness_budget": 2, "robustness_severity": 4}})
