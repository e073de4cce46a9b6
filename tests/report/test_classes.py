"""Per-class results (report/classes.py, report/parts/classes.py) and decision.class_recall_budget."""

from __future__ import annotations

import numpy as np
import pytest

from edgecrelu import stats
from edgecrelu.errors import EdgeCReLUError
from edgecrelu.profiling.reference import confusion_matrix, per_image
from edgecrelu.report import classes
from edgecrelu.report.blocks import Table
from edgecrelu.report.model import analyze
from edgecrelu.report.parts import classes as part

from .helpers import load_case

NAMES = ["crack", "dent", "ok", "scratch", "stain"]


def with_classes(records: list[dict], names=NAMES, hurt: int = 0) -> list[dict]:
    """The fixture's records with per-class results consistent with their per-image correctness: one
    label set for all; a wrong image is taken for the next class. ``hurt`` moves that many crack images
    of every CReLU record from right to wrong and as many other images from wrong to right (top-1 stays)."""
    k, n = len(names), records[0]["accuracy"]["n"]
    labels = np.random.default_rng(0).integers(0, k, n)
    for rec in records:
        acc = rec["accuracy"]
        x = stats.decode_correct(acc).copy()
        if hurt and rec["cell"]["kind"] != "relu":
            x[np.flatnonzero(x & (labels == 0))[:hurt]] = False
            x[np.flatnonzero(~x & (labels != 0))[:hurt]] = True
        logits = np.zeros((n, k), dtype=np.float32)
        logits[np.arange(n), np.where(x, labels, (labels + 1) % k)] = 1.0
        acc.update(per_image(logits, labels))
        rec["bundle"]["model"].update(class_names=list(names), num_classes=k)
    return records


def test_recall_and_precision_of_a_hand_made_confusion():
    st = classes.ClassStats(["a", "b"], np.array([[8, 2], [1, 9]]))
    assert st.recall == [0.8, 0.9]
    assert st.precision == pytest.approx([8 / 9, 9 / 11])
    assert list(st.support) == [10, 10]


def test_per_image_results_round_trip():
    logits = np.eye(3, dtype=np.float32)[[0, 1, 2, 2, 1]]
    labels = np.array([0, 1, 2, 1, 1])
    out = per_image(logits, labels)
    assert out["confusion"] == [[1, 0, 0], [0, 2, 1], [0, 0, 1]]
    assert list(stats.decode_classes({"predicted": out["predicted"], "n": 5})) == [0, 1, 2, 2, 1]
    assert list(stats.decode_correct({"correct": out["correct"], "n": 5})) == [True, True, True, False, True]
    assert confusion_matrix(labels, np.array([0, 1, 2, 2, 1]), 3) == out["confusion"]


def test_paired_class_recall_counts_only_the_class_images_one_model_gets_right():
    # 10 crack images (class 0) and 10 others: the baseline gets every crack right, the candidate 7
    labels = np.array([0] * 10 + [1] * 10)
    base_pred, cand_pred = labels.copy(), labels.copy()
    cand_pred[:3] = 1
    recs = []
    for pred in (base_pred, cand_pred):
        logits = np.eye(2, dtype=np.float32)[pred]
        acc = {"top1": float(np.mean(pred == labels)), "n": 20, **per_image(logits, labels)}
        recs.append({"accuracy": acc, "bundle": {"dataset_sha256": "d", "model": {"class_names": ["crack", "ok"]}}})
    ci = classes.recall_interval(recs[0], recs[1], 0)
    assert ci.paired and ci.n == 10 and ci.discordant == 3
    assert ci.diff_pts == pytest.approx(-30.0)
    assert ci.lo < -30 < ci.hi <= 0
    ok = classes.recall_interval(recs[0], recs[1], 1)  # the other class: no image differs
    assert ok.diff_pts == 0 and ok.discordant == 0 and ok.lo < 0 < ok.hi


def test_the_part_shows_the_chosen_configurations_and_the_confusion_matrix():
    sr = analyze(with_classes(load_case("go"))).sections[0]
    out = part.blocks(sr, None)
    tables = [b for b in out if isinstance(b, Table)]
    assert tables[0].headers[:4] == ["class", "images", "best CReLU recall %", "best CReLU precision %"]
    assert [line[0] for line in tables[0].rows] == NAMES
    assert tables[1].headers == ["true \\ predicted"] + NAMES  # the confusion matrix
    assert sum(int(x) for line in tables[1].rows for x in line[1:]) == 10000
    assert not any("Top-5" in getattr(b, "text", "") for b in out)  # 5 classes: top-5 says nothing


def test_old_records_leave_the_part_out():
    assert part.blocks(analyze(load_case("go")).sections[0], None) == []


def test_a_class_budget_passes_when_the_class_keeps_its_recall():
    sr = analyze(with_classes(load_case("go")), {"class_recall_budget": {"crack": 1.0}}).sections[0]
    assert sr.verdict.verdict == "GO", sr.verdict.sentence
    lines = part.budget_lines(sr, part.chosen(sr))
    assert lines and "budget 1 points: met" in lines[0]


def test_a_class_budget_broken_by_every_crelu_configuration_is_no_go():
    recs = with_classes(load_case("go"), hurt=80)  # 80 of ~2000 crack images: about 4 points of recall
    plain = analyze(recs).sections[0].verdict
    assert plain.verdict == "GO"  # top-1 is unchanged: only the class budget sees it
    v = analyze(recs, {"class_recall_budget": {"crack": 1.0}}).sections[0].verdict
    assert (v.verdict, v.reason) == ("NO-GO", "class_recall"), v.sentence
    assert "points of recall on crack" in v.sentence


def test_a_class_budget_on_records_without_per_class_results_is_unclear():
    v = analyze(load_case("go"), {"class_recall_budget": {"3": 1.0}}).sections[0].verdict
    assert v.verdict == "INCONCLUSIVE"
    assert "per-class results in the records" in v.decide_line


def test_a_budget_naming_an_unknown_class_is_one_line():
    with pytest.raises(EdgeCReLUError, match="names class 'crak'.*classes: crack, dent"):
        analyze(with_classes(load_case("go")), {"class_recall_budget": {"crak": 1.0}})


def test_the_device_profile_takes_a_class_budget_table():
    from edgecrelu.devices import parse_profile

    base = {"name": "x", "backends": ["onnxruntime"], "precisions": ["fp32"], "batch_sizes": [1]}
    p = parse_profile({**base, "decision": {"class_recall_budget": {"crack": 1}}})
    assert p.decision.class_recall_budget == {"crack": 1.0}
    with pytest.raises(EdgeCReLUError, match="class_recall_budget.crack must be a number >= 0"):
        parse_profile({**base, "decision": {"class_recall_budget": {"crack": -1}}})
    with pytest.raises(EdgeCReLUError, match="must be a table"):
        parse_profile({**base, "decision": {"class_recall_budget": 1.0}})
