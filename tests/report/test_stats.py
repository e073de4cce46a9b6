"""The statistics behind the verdict, on inputs with answers known from theory."""

import math

import numpy as np
import pytest

from edgecrelu import stats


def _rec(p50s, p99s=None, n=200, correct=None, top1=None, nimg=None):
    trials = [{"p50": a, "p99": b, "n": n} for a, b in zip(p50s, p99s or [x * 1.2 for x in p50s], strict=False)]
    rec = {"latency_ms": {"p50": float(np.median(p50s)), "p99": float(np.median(p99s or [x * 1.2 for x in p50s])),
                          "n": n * len(p50s), "cov": 0.05},
           "trials": trials, "bundle": {"dataset_sha256": "d"}}
    if correct is not None:
        rec["accuracy"] = {"top1": float(np.mean(correct)), "n": len(correct), "correct": stats.encode_correct(correct)}
    elif top1 is not None:
        rec["accuracy"] = {"top1": top1, "n": nimg}
    return rec


def test_min_samples_for_percentiles():
    # q**n <= 0.025: 368 samples before a p99 has a distribution-free 95 % interval inside the sample
    assert [stats.min_samples_for(q) for q in (0.5, 0.9, 0.95, 0.99)] == [6, 36, 72, 368]
    assert not stats.percentile_supported(0.99, 200) and stats.percentile_supported(0.99, 600)


def test_ratio_interval_holds_the_ratio_and_widens_with_spread():
    a = _rec([1.0, 1.01, 0.99])
    tight = stats.ratio_interval(a, _rec([0.8, 0.81, 0.79]))
    wild = stats.ratio_interval(a, _rec([0.5, 0.8, 1.1]))
    assert tight.lo < 0.8 < tight.hi < 1 and tight.method.startswith("Welch")
    assert wild.lo < 0.8 < 1 < wild.hi
    assert wild.trials_to_resolve(0.95) > tight.trials_to_resolve(0.95) or tight.trials_to_resolve(0.95) == 2


def test_identical_records_give_ratio_one_inside_the_interval():
    a = _rec([1.0, 1.02, 0.98])
    ci = stats.ratio_interval(a, _rec([1.0, 1.02, 0.98]))
    assert ci.ratio == pytest.approx(1.0) and ci.lo < 1 < ci.hi


def test_single_trial_falls_back_to_the_median_standard_error():
    a, b = _rec([1.0]), _rec([1.2])
    ci = stats.ratio_interval(a, b, "p50")
    assert ci.method.startswith("single trial") and ci.lo < 1.2 < ci.hi
    assert math.isinf(stats.ratio_interval(a, b, "p99").hi)  # p99 from one trial: no interval claimed


def test_correct_bits_round_trip():
    x = np.random.default_rng(1).random(1001) < 0.9
    assert np.array_equal(stats.decode_correct({"correct": stats.encode_correct(x), "n": 1001}), x)
    assert stats.decode_correct({"correct": "not base64!", "n": 3}) is None


def test_paired_is_tighter_than_unpaired_and_mcnemar_matches_binomial():
    x = np.ones(2000, bool)
    x[:100] = False
    y = x.copy()
    y[100:120] = False  # b loses 20 images a gets right, wins none
    paired = stats.accuracy_interval(_rec([1.0], correct=x), _rec([1.0], correct=y))
    unpaired = stats.accuracy_interval(_rec([1.0], top1=x.mean(), nimg=2000), _rec([1.0], top1=y.mean(), nimg=2000))
    assert paired.paired and not unpaired.paired
    assert paired.diff_pts == pytest.approx(-1.0) and unpaired.diff_pts == pytest.approx(-1.0)
    assert paired.hi - paired.lo < (unpaired.hi - unpaired.lo) / 2
    assert paired.discordant == 20 and paired.p_value == pytest.approx(2 * 0.5 ** 20)
    assert paired.hi < 0  # shown worse


def test_no_discordant_images_bound_the_difference_by_the_discordance_rate():
    x = np.ones(269, bool)
    ci = stats.accuracy_interval(_rec([1.0], correct=x), _rec([1.0], correct=x))
    assert ci.diff_pts == 0 and ci.hi == pytest.approx(-ci.lo) and 1.0 < ci.hi < 1.5  # 1 - 0.025**(1/269)
    assert stats.non_inferiority(ci, 1.0) == "unclear" and stats.non_inferiority(ci, 2.0) == "pass"


@pytest.mark.parametrize("discordance, budget", [(0.02, 1.0), (0.10, 2.0), (0.05, 0.5)])
def test_images_for_budget_decides_a_true_zero_difference_80_percent_of_the_time(discordance, budget):
    """Known answer by simulation: paired sets of that many images with that discordance and no true
    difference put the normal 95 % interval above minus the budget about 80 % of the time."""
    n = stats.images_for_budget(discordance, budget)
    rng = np.random.default_rng(1)
    sims = 4000
    split = rng.multinomial(n, [discordance / 2, discordance / 2, 1 - discordance], size=sims)
    only_a, only_b = split[:, 0], split[:, 1]
    diff = (only_b - only_a) / n
    se = np.sqrt(((only_a + only_b) / n - diff ** 2) / n)
    decided = np.mean(diff - stats.Z_95 * se > -budget / 100)
    assert decided == pytest.approx(0.80, abs=0.03)
    assert stats.detectable_drop_pts(discordance, n) == pytest.approx(budget, rel=0.01)
    assert np.mean(diff - stats.Z_95 * se > -budget / 100 / 2) < 0.4  # half the budget: rarely decided
