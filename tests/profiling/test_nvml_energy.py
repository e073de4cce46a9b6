"""NVML power through the energy counter, the idle baseline, the device picked by PCI bus id, and SM
clock / throttle warnings. No GPU or driver here: ``pynvml`` is the test double in nvml_double.py."""

from __future__ import annotations

import sys
import time

import pytest
from nvml_double import FakeGpu, make_pycuda_bus, make_pynvml

from edgecrelu.devices import Power
from edgecrelu.profiling import nvml
from edgecrelu.profiling.power import get_monitor


@pytest.fixture
def no_cuda_binding(monkeypatch):
    for name in ("pycuda", "pycuda.driver", "cuda", "cuda.bindings", "cuda.bindings.runtime", "cuda.cudart"):
        monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.delitem(sys.modules, "torch", raising=False)


def _run_cell(monkeypatch, gpus, cuda_bus, *, idle_s=0.3, cell_s=0.4, cell_w=250.0, **kw):
    monkeypatch.setitem(sys.modules, "pynvml", make_pynvml(gpus, **kw))
    if cuda_bus is not None:
        pkg, drv = make_pycuda_bus(cuda_bus)
        monkeypatch.setitem(sys.modules, "pycuda", pkg)
        monkeypatch.setitem(sys.modules, "pycuda.driver", drv)
    mon = get_monitor(Power(source="nvml", interval_ms=20, idle_s=idle_s))
    mon.start()
    for g in gpus:
        g.set_power(cell_w)  # the timed loop starts: the board draws cell_w
    time.sleep(cell_s)
    mon.stop()
    return mon.summary(inferences=100, duration_s=cell_s)


def test_energy_counter_gives_the_cell_power_not_the_one_second_average(monkeypatch, no_cuda_binding):
    gpu = FakeGpu("00000000:01:00.0", power_w=50.0)
    out = _run_cell(monkeypatch, [gpu], None)
    assert out["method"] == "energy counter"
    assert out["mean_mw"] == pytest.approx(250_000, rel=0.05)
    assert out["idle_mw"] == pytest.approx(50_000, rel=0.05)
    assert out["dynamic_mw"] == pytest.approx(200_000, rel=0.08)
    assert out["dynamic_mj_per_inference"] == pytest.approx(out["dynamic_mw"] * 0.4 / 100)
    assert out["mj_per_inference"] == pytest.approx(out["mean_mw"] * 0.4 / 100)
    assert out["idle_s"] == 0.3


def test_without_energy_counter_the_average_is_flagged(monkeypatch, no_cuda_binding):
    gpu = FakeGpu("00000000:01:00.0", power_w=50.0)
    out = _run_cell(monkeypatch, [gpu], None, energy=False)
    assert out["method"] == "power samples"
    assert out["mean_mw"] < 240_000  # the one-second average drags idle power into the cell
    assert any("1-second average" in w for w in out["warnings"])
    assert out["idle_mw"] is not None  # from the samples of the idle window


def test_device_is_picked_by_pci_bus_id_of_the_cuda_device(monkeypatch, no_cuda_binding):
    # NVML index 0 is 01:00.0, but CUDA device 0 (what ran the cell) is the board at 02:00.0
    other, ours = FakeGpu("00000000:01:00.0", 30.0), FakeGpu("00000000:02:00.0", 60.0)
    monkeypatch.setitem(sys.modules, "pynvml", make_pynvml([other, ours]))
    pkg, drv = make_pycuda_bus(["0000:02:00.0"])
    monkeypatch.setitem(sys.modules, "pycuda", pkg)
    monkeypatch.setitem(sys.modules, "pycuda.driver", drv)
    mon = get_monitor(Power(source="nvml", interval_ms=20))
    mon.start()
    ours.set_power(300.0)
    time.sleep(0.3)
    mon.stop()
    out = mon.summary(inferences=10)
    assert out["device"].startswith("pci bus id 00000000:02:00.0")
    assert out["mean_mw"] == pytest.approx(300_000, rel=0.05)
    assert ours.calls > 0 and other.calls == 0


def test_index_fallback_warns_on_multi_gpu_host(monkeypatch, no_cuda_binding):
    out = _run_cell(monkeypatch, [FakeGpu("00000000:01:00.0"), FakeGpu("00000000:02:00.0")], None, idle_s=0)
    assert out["device"] == "index 0"
    assert any("picked by index" in w for w in out["warnings"])
    assert "idle_mw" not in out  # no idle window asked for


def test_clock_moves_and_throttle_reasons_warn(monkeypatch, no_cuda_binding):
    gpu = FakeGpu("00000000:01:00.0", sm_mhz=lambda n: 1980 if n < 5 else 1410, reasons=0x4 | 0x1)
    out = _run_cell(monkeypatch, [gpu], None, idle_s=0, event_reasons_name=False)
    assert out["sm_mhz"] == {"min": 1410, "max": 1980}
    assert out["clock_event_reasons"] == ["gpu_idle", "sw_power_cap"]
    text = " | ".join(out["warnings"])
    assert "SM clock moved" in text and "1410-1980" in text
    assert "throttled" in text and "sw_power_cap" in text and "lock-gpu-clocks" in text


def test_steady_unthrottled_clocks_do_not_warn(monkeypatch, no_cuda_binding):
    out = _run_cell(monkeypatch, [FakeGpu("00000000:01:00.0", reasons=0x1)], None, idle_s=0)
    assert not any("clock" in w for w in out["warnings"])


@pytest.mark.parametrize("raw, norm", [("0000:01:00.0", "00000000:01:00.0"), (b"0000:af:00.0\x00", "00000000:AF:00.0"),
                                       ("00000000:02:00.0", "00000000:02:00.0")])
def test_bus_id_normalisation(raw, norm):
    assert nvml.normalize_bus_id(raw) == norm
