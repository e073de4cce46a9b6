"""Known answers for the paired rounds and their anytime-valid intervals, on simulated machines
(``sim_rounds.py``: replayed real block noise plus adversaries). Each rate is checked with its
Clopper-Pearson bound, so a rule that is wrong fails even on a lucky draw of runs."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as sst

from edgecrelu import sequential
from tests.profiling.sim_rounds import (
    REF,
    SECONDS_PER_WORKER,  # noqa: E402
    Machine,
    interval_stop,
    run,
)

RUNS = 1000
ALPHA = 0.05
BUDGET_S = 120.0  # the default run's budget (workflow.PRESETS["default"])
BLOCK_S = 0.01


def workers_in(budget_s: float, candidates: int, rounds: int = 4) -> int:
    """Workers the budget buys for a group of ``candidates`` (+ the reference), at the A/A run's measured
    seconds per worker (one candidate) plus the blocks the others add."""
    return int(budget_s / (SECONDS_PER_WORKER + 2 * (candidates - 1) * rounds * BLOCK_S))


WORKERS = 60  # the horizon of the false-positive tests (any horizon: the interval holds at every look)


def upper(k: int, n: int) -> float:
    return float(sst.beta.ppf(0.975, k + 1, n - k)) if k < n else 1.0


def lower(k: int, n: int) -> float:
    return float(sst.beta.ppf(0.025, k, n - k + 1)) if k > 0 else 0.0


def rate(word: str, runs: int, seed: int, **kw) -> int:
    rng = np.random.default_rng(seed)
    return sum(run(rng, **kw)[0] == word for _ in range(runs))


ADVERSARIAL = Machine(worker_sd=0.02)  # a per-worker offset of each cell: 2 % sd, +-4 % between layouts
POWER_MACHINE = Machine(worker_sd=0.015)  # the power claims: 1.5 % sd, on top of the replayed noise


def test_identical_pair_stopping_at_first_favourable_look_stays_under_alpha():
    k = rate("different", RUNS, 1, truth={}, candidates=["aa"], machine=ADVERSARIAL, max_workers=WORKERS,
             stop=interval_stop(ALPHA, "aa"))
    assert upper(k, RUNS) <= ALPHA, f"{k} of {RUNS} identical pairs called different"


def _old_rule(alpha):
    """The rule this replaced, applied at every look: a fixed-n 95 % t interval on the workers."""
    def stop(units, n):
        x = np.array(list(units["aa"].values()))
        if n < 3:
            return None
        ci = sst.ttest_1samp(x, 0.0).confidence_interval(1 - alpha)
        return "different" if ci.low > 0 or ci.high < 0 else None
    return stop


def test_the_fixed_n_rule_at_every_look_fails_the_same_test():
    k = rate("different", 300, 2, truth={}, candidates=["aa"], machine=ADVERSARIAL, max_workers=WORKERS,
             stop=_old_rule(ALPHA))
    assert lower(k, 300) > ALPHA  # optional stopping inflates it


def test_a_fixed_order_under_the_first_block_penalty_fails():
    m = Machine(worker_sd=0.0, first_penalty=math.log(1.02))
    k = rate("different", 200, 3, truth={}, candidates=["aa"], machine=m, max_workers=WORKERS,
             stop=interval_stop(ALPHA, "aa"), randomise=False)
    assert lower(k, 200) > ALPHA


def test_a_single_worker_under_the_layout_offset_fails():
    k = rate("different", 200, 4, truth={}, candidates=["aa"], machine=Machine(worker_sd=0.03),
             max_workers=WORKERS * 4, stop=interval_stop(ALPHA, "aa"), single_worker=True)
    assert lower(k, 200) > ALPHA


def test_a_true_3_percent_gain_is_found_and_covered_when_stopping_early():
    truth = {"c": math.log(0.97)}
    rng = np.random.default_rng(5)
    found = covered = 0
    n = 300
    for _ in range(n):
        word, units = run(rng, truth=truth, candidates=["c", "aa"], machine=POWER_MACHINE,
                          max_workers=workers_in(BUDGET_S, 2),
                          stop=interval_stop(ALPHA, "c"))
        iv = sequential.interval(sequential.contrast_units(units["c"], {w: 0.0 for w in units["c"]}), ALPHA)
        found += word == "different" and iv.hi < 0
        covered += iv.lo <= truth["c"] <= iv.hi
    assert found / n >= 0.90, f"found in {found} of {n}"
    assert lower(covered, n) >= 0.90 and covered / n >= 0.95


def _go_stop(min_gain: float, alpha: float):
    thr = sequential.gain_threshold("p50_latency", min_gain)

    def stop(units, n):
        iv = {("c", REF): sequential.interval(sequential.contrast_units(units["c"], {w: 0.0 for w in units["c"]}),
                                              alpha)}
        return sequential.status(iv, ["c"], ["c"], [REF], [REF], thr)
    return stop


@pytest.mark.parametrize("gain, word, at_least, at_most", [
    (0.08, "GO", 0.90, None), (0.05, "GO", None, ALPHA), (0.02, "NO-GO", 0.90, None)])
def test_min_gain_decisions(gain, word, at_least, at_most):
    alpha, _ = sequential.family_alpha(1, 1)
    n = 300
    k = rate(word, n, 6, truth={"c": math.log(1 - gain)}, candidates=["c", "aa"], machine=POWER_MACHINE,
             max_workers=workers_in(BUDGET_S, 2), stop=_go_stop(0.05, alpha))
    if at_least is not None:
        assert k / n >= at_least, f"{word} in {k} of {n}"
    if at_most is not None:
        assert upper(k, n) <= 2 * at_most and k / n <= at_most, f"{word} in {k} of {n}"
