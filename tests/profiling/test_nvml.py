"""Desktop GPU power. No GPU here: the fake ``nvidia-smi`` is a shell script printing power.draw lines
in the CSV format the real one prints (a test double for hardware that cannot be here)."""

from __future__ import annotations

import os
import stat
import sys
import time

import pytest

from edgecrelu.devices import Power
from edgecrelu.errors import EdgeCReLUError
from edgecrelu.profiling import nvml
from edgecrelu.profiling.power import get_monitor


@pytest.mark.parametrize("line, mw", [("72.34", 72340.0), ("72.34 W", 72340.0), ("  150 ", 150000.0),
                                      ("[N/A]", None), ("", None), ("72.34, 1980", 72340.0)])
def test_parse_power_draw(line, mw):
    got = nvml.parse_power_draw(line)
    assert (got["mw"] if got else None) == mw


def test_summarize_energy():
    samples = [{"mw": v} for v in (100_000.0, 200_000.0, 300_000.0)]
    out = nvml.summarize_power(samples, duration_s=2.0, inferences=400, source="nvml")
    assert out["mean_mw"] == pytest.approx(200_000.0)
    assert out["mj_per_inference"] == pytest.approx(200_000.0 * 2.0 / 400)  # 1000 mJ each
    assert out["samples"] == 3 and "GPU board power only" in out["warnings"][0]
    assert nvml.summarize_power([], 1.0, 1, "nvml") is None


def test_monitor_with_fake_nvidia_smi(tmp_path, monkeypatch):
    script = tmp_path / "nvidia-smi"
    script.write_text("#!/bin/sh\n# test double for nvidia-smi --query-gpu=power.draw -lms MS\n"
                      "while true; do echo '50.00'; echo '[N/A]'; echo '70.00'; sleep 0.02; done\n")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setitem(sys.modules, "pynvml", None)
    monkeypatch.setitem(sys.modules, "pycuda.driver", None)
    mon = get_monitor(Power(source="nvml", interval_ms=20))
    with mon:
        time.sleep(0.3)
    out = mon.summary(inferences=30)
    assert out["via"] == "nvidia-smi" and out["samples"] >= 4
    assert 50_000 <= out["mean_mw"] <= 70_000
    assert out["mj_per_inference"] == pytest.approx(out["mean_mw"] * out["duration_s"] / 30)


def test_monitor_without_any_source(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setitem(sys.modules, "pynvml", None)
    with pytest.raises(EdgeCReLUError, match="needs pynvml"):
        nvml.NvmlMonitor().start()
