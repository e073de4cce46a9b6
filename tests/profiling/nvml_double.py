"""A test double for ``pynvml`` (nvidia-ml-py), which needs an NVIDIA driver and cannot run here.

It has only the functions edgecrelu calls, with nvidia-ml-py's names and return units
(``nvmlDeviceGetTotalEnergyConsumption``: mJ since the driver loaded; ``nvmlDeviceGetPowerUsage``: mW,
and -- as on Ampere and newer -- averaged over the last second; ``nvmlDeviceGetClockInfo``: MHz;
``nvmlDeviceGetCurrentClocksEventReasons``: the nvmlClocksEventReason* bit mask;
``nvmlDeviceGetHandleByPciBusId`` takes the bus id as bytes). The board's power is a step function of
time that a test sets (``gpu.set_power(w)``); energy is its exact integral, so the numbers a test
checks follow from the power it set, not from anything measured.
"""

from __future__ import annotations

import time
import types


class FakeGpu:
    def __init__(self, bus_id: str, power_w: float = 50.0, sm_mhz=1980, reasons: int = 0):
        self.bus_id = bus_id
        self.steps = [(time.monotonic() - 10.0, power_w)]  # (since, W); 10 s of history for the 1 s average
        self.sm_mhz = sm_mhz  # an int, or a callable of the call number
        self.reasons = reasons
        self.calls = 0

    def set_power(self, w: float) -> None:
        self.steps.append((time.monotonic(), float(w)))

    def energy_mj(self, t: float) -> float:
        e = 0.0
        for (t0, w), nxt in zip(self.steps, self.steps[1:] + [(t, None)], strict=False):
            t1 = min(nxt[0], t)
            if t1 > t0:
                e += w * (t1 - t0) * 1000.0
        return e

    def avg_mw(self, t: float, window: float = 1.0) -> float:
        return (self.energy_mj(t) - self.energy_mj(t - window)) / window


def make_pynvml(gpus: list[FakeGpu], *, energy: bool = True, event_reasons_name: bool = True):
    m = types.ModuleType("pynvml")

    class NVMLError(Exception):
        pass

    m.NVMLError = NVMLError
    m.NVML_CLOCK_SM = 1
    m.inits = []
    m.nvmlInit = lambda: m.inits.append(1)
    m.nvmlShutdown = lambda: None
    m.nvmlDeviceGetCount = lambda: len(gpus)
    m.nvmlDeviceGetHandleByIndex = lambda i: gpus[i]

    def by_bus(bus):
        want = bus.decode() if isinstance(bus, bytes) else bus
        for g in gpus:
            if g.bus_id.upper() == want.upper():
                return g
        raise NVMLError("Not Found")

    m.nvmlDeviceGetHandleByPciBusId = by_bus

    def energy_fn(h):
        if not energy:
            raise NVMLError("Not Supported")
        return int(h.energy_mj(time.monotonic()))  # unsigned long long mJ

    m.nvmlDeviceGetTotalEnergyConsumption = energy_fn
    m.nvmlDeviceGetPowerUsage = lambda h: int(h.avg_mw(time.monotonic()))

    def clock(h, kind):
        assert kind == 1, "edgecrelu asks for NVML_CLOCK_SM"
        h.calls += 1
        return h.sm_mhz(h.calls) if callable(h.sm_mhz) else h.sm_mhz

    m.nvmlDeviceGetClockInfo = clock
    reasons = lambda h: h.reasons
    if event_reasons_name:
        m.nvmlDeviceGetCurrentClocksEventReasons = reasons
    else:  # nvidia-ml-py before 12.535 spells it the old way
        m.nvmlDeviceGetCurrentClocksThrottleReasons = reasons
    return m


def make_pycuda_bus(bus_ids: list[str]):
    """pycuda.driver with only what the bus id lookup uses (``Device(i).pci_bus_id()``)."""
    drv = types.ModuleType("pycuda.driver")
    drv.init = lambda flags=0: None

    class Device:
        def __init__(self, i):
            self.i = i

        def pci_bus_id(self):
            return bus_ids[self.i]

    drv.Device = Device
    pkg = types.ModuleType("pycuda")
    pkg.driver = drv
    return pkg, drv
