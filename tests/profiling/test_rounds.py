"""The rounds' orders and statistics, and a sequence that stops, resumes and records itself."""

from __future__ import annotations

import math

import numpy as np

from edgecrelu.profiling.rounds import AA, Group, Rounds, RoundSettings, round_order, round_stats, worker_units


def test_every_candidate_sits_between_two_reference_blocks_after_a_lead_in():
    rng = np.random.default_rng(0)
    cands = ["a", "b", "c", AA]
    seen_first = set()
    for _ in range(50):
        order = round_order(rng, cands, "R")
        assert len(order) == 2 * len(cands) + 2
        assert order[1::2] == ["R"] * (len(cands) + 1)
        assert sorted(order[2::2]) == sorted(cands)
        seen_first.add(order[2])
    assert seen_first == set(cands)  # the order is random


def test_round_stats_cancel_a_linear_drift():
    order = ["a", "R", "a", "R", "b", "R"]
    drift = [math.exp(0.01 * i) for i in range(len(order))]
    truth = {"R": 1.0, "a": 0.9, "b": 1.2}
    blocks = [[truth[k] * d, truth[k] * d] for k, d in zip(order, drift, strict=False)]
    s = round_stats(order, blocks, 0)
    assert s["a"] == __import__("pytest").approx(math.log(0.9))
    assert s["b"] == __import__("pytest").approx(math.log(1.2))


def test_worker_units_average_rounds_and_take_p99_from_samples():
    orders = [["R", "R", "a", "R"], ["a", "R", "a", "R"]]
    blocks = [[[1, 1], [1, 1], [2, 2], [1, 1]], [[1, 1], [1, 1], [4, 4], [1, 1]]]
    u = worker_units(orders, blocks, {"R": [1.0] * 100, "a": [2.0] * 100}, "R")
    assert u["p50"]["a"] == __import__("pytest").approx((math.log(2) + math.log(4)) / 2)
    assert u["p99"]["a"] == __import__("pytest").approx(math.log(2))


def _fake_worker(truth):
    def start(group, orders, index):
        rng = np.random.default_rng(index)
        rounds = [[[truth.get(k, 1.0) * math.exp(rng.normal(0, 0.01))] * 2 for k in order] for order in orders]
        return {"rounds": rounds, "reps": {}, "samples_ms": {}}
    return start


def test_a_sequence_stops_when_judged_decided_and_resumes_where_it_was(tmp_path):
    def group():
        return Group("onnxruntime.b1", "R", {"R": None, "a": None}, {})

    calls = []

    def judge(g):
        calls.append(len(g.workers))
        return ("NO-GO" if len(g.workers) >= 7 else None), {}

    s = RoundSettings(budget_s=60, min_workers=5, rounds_per_worker=2, seed=3)
    g = group()
    Rounds([g], s, tmp_path, _fake_worker({"a": 1.1}), judge).run()
    assert g.stop["reason"] == "decided" and g.stop["workers"] == 7 and g.rounds == 14

    # an interrupted run: the same sequence continues from the recorded workers, same orders
    g2 = group()
    r2 = Rounds([g2], s, tmp_path, _fake_worker({"a": 1.1}), lambda g: (None, {}))
    r2.load()
    assert len(g2.workers) == 7 and [w["orders"] for w in g2.workers] == [w["orders"] for w in g.workers]
    assert r2.sequence() == Rounds([group()], s, tmp_path, None, None).sequence()


def test_the_budget_ends_an_undecided_sequence(tmp_path):
    g = Group("onnxruntime.b1", "R", {"R": None, "a": None}, {})
    s = RoundSettings(budget_s=0.2, min_workers=3, rounds_per_worker=1)

    def slow(group, orders, index):
        import time

        time.sleep(0.05)
        return _fake_worker({})(group, orders, index)

    Rounds([g], s, tmp_path, slow, lambda g: (None, {})).run()
    assert g.stop["reason"] == "budget" and g.stop["verdict"] is None and len(g.workers) >= 1


def test_no_worker_starts_past_the_budget_but_every_group_gets_one(tmp_path):
    import time

    groups = [Group(f"onnxruntime.b{b}", "R", {"R": None, "a": None}, {}) for b in (1, 8, 32)]
    s = RoundSettings(budget_s=1.05, min_workers=3, rounds_per_worker=1)

    def slow(group, orders, index):
        time.sleep(0.3)
        return _fake_worker({})(group, orders, index)

    Rounds(groups, s, tmp_path, slow, lambda g: (None, {})).run()
    # pass 1 ends at 0.9 s, under the budget; pass 2: b1 ends at 1.2 s, past it, so b8 and b32 wait
    assert [len(g.workers) for g in groups] == [2, 1, 1]
    assert all(g.stop["reason"] == "budget" for g in groups)
