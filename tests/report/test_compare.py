"""report/compare.py: cells across machines, and the paired top-1 difference of one model measured twice."""

from __future__ import annotations

import copy

import numpy as np

from edgecrelu import stats
from edgecrelu.report.compare import compare_records

from .helpers import load_case


def _with_predictions(records: list[dict], flip: int = 0) -> list[dict]:
    """The records with per-image classes consistent with their correctness (a wrong image is taken for
    class 1, a right one for class 0); ``flip`` changes the class of that many wrong images (to 2): the
    same correctness, other outputs."""
    out = copy.deepcopy(records)
    for rec in out:
        acc = rec["accuracy"]
        x = stats.decode_correct(acc)
        pred = np.where(x, 0, 1)
        pred[np.flatnonzero(~x)[:flip]] = 2
        acc["predicted"] = stats.encode_classes(pred)
    return out


def test_one_model_measured_twice_with_identical_predictions_gives_exactly_zero():
    recs = _with_predictions(load_case("go"))
    changes, only_a, only_b = compare_records(recs, copy.deepcopy(recs))
    assert not only_a and not only_b
    for c in changes:
        a = c.accuracy
        assert (a.diff_pts, a.lo, a.hi) == (0.0, 0.0, 0.0) and a.paired and a.discordant == 0


def test_other_outputs_with_the_same_correctness_keep_an_interval():
    a, b = _with_predictions(load_case("go")), _with_predictions(load_case("go"), flip=5)
    for c in compare_records(a, b).changes:
        assert c.accuracy.diff_pts == 0.0 and c.accuracy.paired
        assert c.accuracy.lo < 0 < c.accuracy.hi  # 0 discordant of 10 000: the exact bound, not zero width


def test_records_without_per_image_classes_fall_back_to_the_same_file_and_backend():
    recs = load_case("go")  # no accuracy.predicted: the same bundle cell on the same backend, same correctness
    assert all(c.accuracy.hi - c.accuracy.lo == 0 for c in compare_records(recs, copy.deepcopy(recs)).changes)


def test_two_devices_match_by_variant_form_precision_and_batch():
    from edgecrelu.results import load_records

    from .helpers import case_dir

    cpu = load_records([case_dir("two_devices") / "cpu"])
    jetson = load_records([case_dir("two_devices") / "jetson-orin-nano"])
    cmp = compare_records(cpu, jetson)
    assert cmp.across == ("cpu", "jetson-orin-nano")
    assert len(cmp.changes) == 4 and all(c.across for c in cmp.changes)
    # the same correctness on another runtime: paired, 0 discordant, an interval (not the same model)
    assert all(c.accuracy.paired and c.accuracy.discordant == 0 and c.accuracy.lo < 0 for c in cmp.changes)
    assert {c.status for c in cmp.changes} <= {"slower", "faster", "unchanged"}
    assert len(cmp.only_a) == 8 and len(cmp.only_b) == 10


def test_a_cell_on_two_backends_pairs_by_backend():
    cpu = load_case("go")
    twin = copy.deepcopy([r for r in cpu if r["cell"]["variant"] == "relu"])
    other = copy.deepcopy(twin)
    for r in other:
        r["cell"]["backend"] = "torch"
    for r in twin + other:
        r["device_profile"]["name"] = "box"
    cmp = compare_records(cpu, twin + other)
    relu = [c for c in cmp.changes if c.key.startswith("relu/")]
    assert {c.key for c in relu} == {"relu/graph/fp32/b1 (onnxruntime)", "relu/graph/fp32/b32 (onnxruntime)",
                                      "relu/graph/int8/b1 (onnxruntime)", "relu/graph/int8/b32 (onnxruntime)"}
    assert sum(":relu/" in k and "/torch/" in k for k in cmp.only_b) == 4
