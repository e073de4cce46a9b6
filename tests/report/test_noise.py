"""Noise bounds: Wilson intervals, latency trial ranges, seed spread."""

import math

import pytest

from edgecrelu.report import noise


def test_wilson_known_values():
    # p = 0.5, n = 100: 0.4038 .. 0.5962 (Wilson 1927; matches statsmodels proportion_confint method="wilson")
    lo, hi = noise.wilson_interval(0.5, 100)
    assert lo == pytest.approx(0.4038, abs=1e-4) and hi == pytest.approx(0.5962, abs=1e-4)
    # p = 1 stays inside [0, 1] and is not a zero-width interval
    lo, hi = noise.wilson_interval(1.0, 360)
    assert hi == pytest.approx(1.0) and 0.98 < lo < 1.0


def test_wilson_unknown_n():
    assert noise.wilson_interval(0.9, 0) is None
    assert noise.wilson_interval(None, 100) is None


def test_overlap():
    assert noise.overlap((0, 1), (1, 2))
    assert not noise.overlap((0, 1), (1.01, 2))
    assert noise.overlap(None, (0, 1))  # unknown: no claim of a difference


def _rec(p50, p99, trials=None, std=0.1, n=100):
    return {"latency_ms": {"p50": p50, "p99": p99, "std": std, "n": n}, "trials": trials or []}


def test_latency_range_from_trials():
    rec = _rec(1.0, 2.0, [{"p50": 0.9, "p99": 1.8}, {"p50": 1.1, "p99": 2.4}])
    assert noise.latency_range(rec, "p50") == (0.9, 1.1)
    assert noise.latency_range(rec, "p99") == (1.8, 2.4)


def test_latency_range_single_trial_uses_cov():
    rec = _rec(1.0, 2.0, [{"p50": 1.0, "p99": 2.0}], std=0.5, n=100)
    lo, hi = noise.latency_range(rec, "p50")
    assert lo == pytest.approx(0.9) and hi == pytest.approx(1.1)  # +/- 2 * 0.5 / sqrt(100)


def test_scaled_range_for_throughput_and_energy():
    rec = _rec(1.0, 2.0, [{"p50": 0.8, "p99": 2.0}, {"p50": 1.25, "p99": 2.0}])
    lo, hi = noise.scaled_range(1000.0, rec, inverse=True)  # throughput ~ 1 / latency
    assert lo == pytest.approx(800.0) and hi == pytest.approx(1250.0)
    lo, hi = noise.scaled_range(2.0, rec, inverse=False)  # energy ~ latency
    assert lo == pytest.approx(1.6) and hi == pytest.approx(2.5)
    assert noise.scaled_range(None, rec, True) is None


def test_accuracy_differs_needs_cis_and_seeds_apart():
    a = {"accuracy": {"top1": 0.975, "n": 360}}
    b = {"accuracy": {"top1": 0.90, "n": 360}}
    close = {"accuracy": {"top1": 0.969, "n": 360}}
    assert noise.accuracy_differs(a, b)
    assert not noise.accuracy_differs(a, close)
    # The training seed spread (where records carry it) can make a CI-separated gap "not significant".
    a_seeds = dict(a, train={"test_acc": [0.975, 0.90, 0.95]})
    b_seeds = dict(b, bundle={"train": {"test_acc": [0.91, 0.89, 0.92]}})
    assert noise.seed_accuracies(a_seeds) == [0.975, 0.90, 0.95]
    assert noise.seed_accuracies(b_seeds) == [0.91, 0.89, 0.92]
    assert not noise.accuracy_differs(a_seeds, b_seeds)
    assert noise.accuracy_differs(dict(a, train={"test_acc": [0.97, 0.98]}), b_seeds)
    assert noise.seed_accuracies(a) is None
    assert math.isfinite(noise.Z95)
