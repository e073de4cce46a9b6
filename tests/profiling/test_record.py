"""Pooling trials into a record: latency over all samples and stages, power weighted by sample count."""

import numpy as np
import pytest

from edgecrelu.profiling.record import combine_power, pooled_latency


def test_pooled_latency_and_stages():
    trials = [{"samples_ms": [1.0, 2.0], "stages_ms": {"compute": [0.5, 0.5]}, "wall_s": 1},
              {"samples_ms": [3.0, 4.0], "stages_ms": {"compute": [1.5, 1.5]}, "wall_s": 1}]
    lat, per, stages = pooled_latency(trials)
    assert lat["n"] == 4 and lat["p50"] == 2.5 and lat["mean"] == 2.5
    assert [t["p50"] for t in per] == [1.5, 3.5]
    assert stages["compute"]["mean"] == 1.0
    assert pooled_latency([{"samples_ms": [1.0], "stages_ms": None}])[2] is None


def test_combine_power_weights_by_samples():
    a = {"mean_mw": 1000.0, "mj_per_inference": 2.0, "rails_mw": {"VDD_IN": 1000.0}, "samples": 3,
         "source": "tegrastats", "warnings": ["w1"]}
    b = {"mean_mw": 2000.0, "mj_per_inference": 4.0, "rails_mw": {"VDD_IN": 2000.0}, "samples": 1,
         "source": "tegrastats", "warnings": ["w1", "w2"]}
    p = combine_power([a, b])
    assert p["mean_mw"] == pytest.approx(1250.0) and p["mj_per_inference"] == pytest.approx(2.5)
    assert p["samples"] == 4 and p["trials"] == 2 and p["warnings"] == ["w1", "w2"]
    assert p["rails_mw"]["VDD_IN"] == pytest.approx(1500.0)
    assert combine_power([None, None]) is None
    assert np.isclose(combine_power([a])["mean_mw"], 1000.0)
