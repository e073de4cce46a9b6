"""Statistics on known samples and the timed loop's stopping rules (driven by a fake clock)."""

import math

import numpy as np
import pytest

from edgecrelu.distribution import summarize
from edgecrelu.profiling.timing import TimingSettings, timed_loop


def test_summarize_known_samples():
    s = summarize([4.0, 1.0, 3.0, 2.0])
    assert s["n"] == 4 and s["min"] == 1.0 and s["max"] == 4.0
    assert s["mean"] == pytest.approx(2.5)
    assert s["p50"] == pytest.approx(2.5)  # linear interpolation between 2 and 3
    assert s["p90"] == pytest.approx(3.7)  # rank 0.9 * 3 = 2.7 -> 3 + 0.7
    assert s["p95"] == pytest.approx(3.85)
    assert s["p99"] == pytest.approx(3.97)
    assert s["std"] == pytest.approx(math.sqrt(5 / 3))  # sample std (ddof=1)
    assert s["cov"] == pytest.approx(math.sqrt(5 / 3) / 2.5)


def test_summarize_percentiles_of_1_to_100():
    s = summarize(np.arange(1, 101, dtype=float))
    assert (s["p50"], s["p90"], s["p99"]) == pytest.approx((50.5, 90.1, 99.01))


def test_summarize_single_and_bad():
    assert summarize([2.0])["std"] == 0.0
    with pytest.raises(ValueError):
        summarize([])
    with pytest.raises(ValueError):
        summarize([1.0, float("nan")])


class FakeClock:
    """Each infer call advances time by ``step_ns``; reading the clock costs nothing."""

    def __init__(self, step_ns):
        self.t = 0
        self.step = step_ns
        self.calls = 0

    def __call__(self):
        return self.t

    def infer(self, feed):
        self.calls += 1
        self.t += self.step
        return {"y": feed["x"]}


def test_loop_runs_at_least_min_iterations():
    c = FakeClock(1_000_000)  # 1 ms per call
    t = timed_loop(c.infer, {"x": 1}, TimingSettings(0.0, 0.001, 50), clock=c)
    assert len(t.samples_ms) == 50
    assert np.allclose(t.samples_ms, 1.0)
    assert t.stages_ms is None


def test_loop_runs_at_least_min_duration_and_excludes_warmup():
    c = FakeClock(1_000_000)
    t = timed_loop(c.infer, {"x": 1}, TimingSettings(0.005, 0.020, 3), clock=c)
    assert len(t.samples_ms) == 20  # 20 ms of 1 ms calls, more than the 3 iterations asked
    assert t.warmup_iterations == 5
    assert c.calls == 25
    assert t.wall_s == pytest.approx(0.020)


def test_loop_collects_stages_when_the_runner_reports_them():
    c = FakeClock(2_000_000)
    stages = lambda: {"h2d": 0.1, "compute": 1.5, "d2h": 0.4}  # noqa: E731
    t = timed_loop(c.infer, {"x": 1}, TimingSettings(0.0, 0.0, 7), stage_times=stages, clock=c)
    assert set(t.stages_ms) == {"h2d", "compute", "d2h"}
    assert len(t.stages_ms["compute"]) == 7
    none = timed_loop(c.infer, {"x": 1}, TimingSettings(0.0, 0.0, 7), stage_times=lambda: None, clock=c)
    assert none.stages_ms is None


def test_loop_with_real_clock():
    t = timed_loop(lambda feed: None, {}, TimingSettings(0.0, 0.01, 10))
    assert len(t.samples_ms) >= 10 and t.wall_s >= 0.01 and (t.samples_ms >= 0).all()


def test_power_monitor_covers_only_the_timed_iterations():
    c = FakeClock(1_000_000)

    class Monitor:
        def start(self):
            self.calls_at_start = c.calls

        def stop(self):
            self.calls_at_stop = c.calls

    m = Monitor()
    t = timed_loop(c.infer, {"x": 1}, TimingSettings(0.003, 0.0, 4), clock=c, monitor=m)
    assert m.calls_at_start == t.warmup_iterations == 3
    assert m.calls_at_stop - m.calls_at_start == len(t.samples_ms) == 4
