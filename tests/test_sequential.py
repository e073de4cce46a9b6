"""The arithmetic of the anytime-valid intervals, the stop rule and the percentile budget."""

from __future__ import annotations

import math

import numpy as np
import pytest

from edgecrelu import sequential


def test_boundary_shrinks_with_workers_and_is_wider_than_a_fixed_n_t_interval():
    from scipy import stats

    b = [sequential.boundary(n, 0.01) for n in (5, 10, 20, 40, 80)]
    assert all(x > y for x, y in zip(b, b[1:], strict=False))
    for n in (10, 40):  # the price of validity at every look
        assert sequential.boundary(n, 0.01) > stats.t.ppf(1 - 0.005, n - 1)
    assert sequential.boundary(1, 0.05) == math.inf


def test_bayes_factor_at_the_boundary_is_one_over_alpha():
    n, alpha, g = 12, 0.01, sequential.PRIOR_G
    t = sequential.boundary(n, alpha, g)
    nu = n - 1
    bf = (1 + n * g) ** -0.5 * ((1 + t * t / nu) / (1 + t * t / ((1 + n * g) * nu))) ** ((nu + 1) / 2)
    assert bf == pytest.approx(1 / alpha, rel=1e-9)


def test_interval_is_centred_on_the_mean_and_infinite_before_min_workers():
    assert math.isinf(sequential.interval([0.1, 0.2], 0.05).hi)
    iv = sequential.interval([0.01, 0.03, 0.02, 0.04, 0.0], 0.05)
    assert iv.mean == pytest.approx(0.02) and iv.lo < 0.02 < iv.hi
    assert iv.hi - iv.mean == pytest.approx(iv.mean - iv.lo)
    assert sequential.interval([0.0] * 6, 0.05).lo == 0.0  # one file timed twice by the same ticks


def test_units_to_resolve_reaches_the_target():
    rng = np.random.default_rng(0)
    iv = sequential.interval(rng.normal(-0.05, 0.02, 8), 0.01)
    n = iv.units_to_resolve(0.0)
    assert n is not None
    assert sequential.boundary(n, 0.01) * iv.sd / math.sqrt(n) < abs(iv.mean)


def _iv(lo, hi):
    return sequential.Interval((lo + hi) / 2, lo, hi, 10, 0.01, 0.01)


def test_status_go_needs_every_open_relu_and_nogo_every_open_crelu():
    thr = sequential.gain_threshold("p50_latency", 0.05)  # log 0.95
    iv = {("c", "r1"): _iv(-0.2, -0.1), ("c", "r2"): _iv(-0.2, -0.06)}
    assert sequential.status(iv, ["c"], ["c"], ["r1", "r2"], ["r1"], thr) == "GO"
    iv[("c", "r2")] = _iv(-0.2, 0.0)  # not shown better than r2
    assert sequential.status(iv, ["c"], ["c"], ["r1", "r2"], ["r1"], thr) is None
    iv = {("c", "r1"): _iv(0.0, 0.1), ("d", "r1"): _iv(-0.2, 0.1)}
    assert sequential.status(iv, [], ["c", "d"], ["r1"], ["r1"], thr) is None  # d may still reach it
    iv[("d", "r1")] = _iv(-0.04, 0.1)
    assert sequential.status(iv, [], ["c", "d"], ["r1"], ["r1"], thr) == "NO-GO"
    assert sequential.status({}, [], [], ["r1"], ["r1"], thr) == "NO-GO"  # every CReLU cell breaks a constraint


def test_gain_threshold_and_gain():
    assert sequential.gain_of(sequential.gain_threshold("p50_latency", 0.05), "p50_latency") == pytest.approx(0.05)
    assert sequential.gain_of(sequential.gain_threshold("throughput", 0.05), "throughput") == pytest.approx(0.05)


@pytest.mark.parametrize("over, n, word", [(0, 459, "met"), (0, 400, "unclear"), (1, 662, "met"),
                                           (1, 600, "unclear"), (30, 1000, "broken"), (11, 1000, "unclear")])
def test_percentile_budget_from_counts(over, n, word):
    assert sequential.budget_counts(over, n)[0] == word


def test_family_alpha_counts_the_aa_control():
    assert sequential.family_alpha(20, 2) == (pytest.approx(0.05 / 41), 41)
