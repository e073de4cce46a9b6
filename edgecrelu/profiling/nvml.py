"""Desktop / server GPU power and clocks during a cell: NVML through pynvml when it imports, else ``nvidia-smi``.

Power is the GPU board's own, not the host's. ``nvmlDeviceGetPowerUsage`` is a one-second average on
Ampere and newer, so a short cell's samples include the idle time before it: where the GPU has the
energy counter (``nvmlDeviceGetTotalEnergyConsumption``, mJ since the driver loaded; Volta and
newer) the mean power is the counter's difference over the timed window divided by its length, and
the idle baseline likewise over the idle window. The SM clock and the clock event (throttle)
reasons are sampled during the cell; moved or throttled clocks give a warning that suggests locking
them. The NVML device is the CUDA device in use, found by its PCI bus id (NVML index 0 is not CUDA
device 0 on every multi-GPU host). See docs/platform-notes.md "NVML".
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import time
from types import ModuleType
from typing import Any

from edgecrelu.errors import EdgeCReLUError
from edgecrelu.profiling.sampling import Sample, SampledMonitor, energy_mj_per_inference

# NVML clock event reason bits (nvmlClocksEventReason* / nvmlClocksThrottleReason* in nvml.h).
REASONS = {0x1: "gpu_idle", 0x2: "applications_clocks_setting", 0x4: "sw_power_cap", 0x8: "hw_slowdown",
           0x10: "sync_boost", 0x20: "sw_thermal_slowdown", 0x40: "hw_thermal_slowdown",
           0x80: "hw_power_brake_slowdown", 0x100: "display_clock_setting"}
# Reasons that slow a loaded GPU (idle, application clocks and display clocks are not throttling).
THROTTLE_BITS = 0x4 | 0x8 | 0x20 | 0x40 | 0x80
NVML_CLOCK_SM = 1  # nvmlClockType_t: GRAPHICS 0, SM 1, MEM 2, VIDEO 3
CLOCK_MOVE_WARN = 0.05  # SM clock range over its max beyond which a warning says the clock moved


def reason_names(bits: int) -> list[str]:
    return [name for bit, name in REASONS.items() if bits & bit]


def parse_power_draw(line: str) -> dict[str, Any] | None:
    """One ``nvidia-smi --query-gpu=power.draw,clocks.sm`` line (``72.34, 1980``; ``72.34 W``;
    ``[N/A]``) -> {"mw", "sm_mhz"} or None when there is no power number."""
    parts = [p.strip() for p in line.split(",")]
    m = re.match(r"(\d+(?:\.\d+)?)\s*(W)?$", parts[0]) if parts else None
    if not m:
        return None
    out: dict[str, Any] = {"mw": float(m.group(1)) * 1000.0}
    if len(parts) > 1:
        c = re.match(r"(\d+)\s*(MHz)?$", parts[1])
        out["sm_mhz"] = int(c.group(1)) if c else None
    return out


def normalize_bus_id(bus_id: str | bytes) -> str:
    """``0000:01:00.0`` / ``00000000:01:00.0`` / bytes -> ``00000000:01:00.0`` (NVML's form), upper case."""
    s = bus_id.decode() if isinstance(bus_id, bytes) else str(bus_id)
    s = s.strip().strip("\x00")
    dom, _, bus_dev = s.partition(":") if s.count(":") == 2 else ("0", "", s)
    return f"{int(dom, 16):08X}:{bus_dev.upper()}"


def cuda_pci_bus_id(device: int = 0) -> tuple[str | None, str | None]:
    """(PCI bus id, how) of CUDA device ``device`` (as this process numbers it, after
    CUDA_VISIBLE_DEVICES): pycuda, cuda-python, or torch when already imported; (None, None) otherwise."""
    try:
        import pycuda.driver as cuda

        cuda.init()
        return normalize_bus_id(cuda.Device(device).pci_bus_id()), "pycuda"
    except Exception:
        pass
    try:
        from edgecrelu.backends.tensorrt.cudart import cudart_module

        cudart = cudart_module()
        err, bus = cudart.cudaDeviceGetPCIBusId(32, device)
        if int(err) == 0:
            return normalize_bus_id(bytes(bus).split(b"\x00")[0]), "cuda-python"
    except Exception:
        pass
    torch = sys.modules.get("torch")  # never imported here for this: profile works without torch
    if torch is not None:
        try:
            p = torch.cuda.get_device_properties(device)
            return f"{p.pci_domain_id:08X}:{p.pci_bus_id:02X}:{p.pci_device_id:02X}.0", "torch"
        except Exception:
            pass
    return None, None


def nvml_handle(pynvml: ModuleType, device: int = 0, bus_id: str | None = None) -> tuple[Any, str, str | None]:
    """(handle, how, warning): the NVML device of CUDA device ``device`` by PCI bus id; by index only
    where the bus id is unknown, with a warning on a multi-GPU host."""
    if bus_id:
        return pynvml.nvmlDeviceGetHandleByPciBusId(bus_id.encode()), f"pci bus id {bus_id}", None
    count = int(pynvml.nvmlDeviceGetCount())
    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    warning = None
    if count > 1:
        warning = (f"NVML device picked by index {device} on a host with {count} GPUs (no CUDA binding gave the "
                   "PCI bus id); it may not be the CUDA device that ran the cell")
    if visible and count > 1:
        warning = f"{warning}; CUDA_VISIBLE_DEVICES={visible} renumbers CUDA devices"
    return pynvml.nvmlDeviceGetHandleByIndex(device), f"index {device}", warning


def clock_warnings(sm_mhz: list[int], reasons_bits: int) -> list[str]:
    out = []
    if sm_mhz and max(sm_mhz) > 0 and (max(sm_mhz) - min(sm_mhz)) / max(sm_mhz) > CLOCK_MOVE_WARN:
        out.append(f"GPU SM clock moved during the cell ({min(sm_mhz)}-{max(sm_mhz)} MHz); lock clocks "
                   "('sudo nvidia-smi --lock-gpu-clocks=F,F') for reproducible numbers")
    throttled = reasons_bits & THROTTLE_BITS
    if throttled:
        out.append(f"GPU clocks were throttled during the cell ({', '.join(reason_names(throttled))}); lock clocks "
                   "below the throttle point ('sudo nvidia-smi --lock-gpu-clocks=F,F') for reproducible numbers")
    return out


def summarize_power(samples: list[Sample], duration_s: float, inferences: int, source: str, *,
                    energy_mw: float | None = None) -> dict[str, Any] | None:
    """Power record for a cell from its samples ({"mw", "sm_mhz", "reasons"}), or None without any.

    ``energy_mw``: the mean power from the energy counter over the timed window; it is the record's
    ``mean_mw`` when given (``method`` says which one was used)."""
    mws = [s["mw"] for s in samples if s.get("mw") is not None]
    if energy_mw is None and not mws:
        return None
    mean = energy_mw if energy_mw is not None else sum(mws) / len(mws)
    out: dict[str, Any] = {
        "mean_mw": mean,
        "rails_mw": {"gpu_board": mean},
        "mj_per_inference": energy_mj_per_inference(mean, duration_s, inferences),
        "duration_s": duration_s,
        "source": source,
        "samples": len(mws),
        "method": "energy counter" if energy_mw is not None else "power samples",
    }
    warnings = ["GPU board power only (NVML); host CPU and memory are not included"]
    if energy_mw is None:
        warnings.append("power from nvmlDeviceGetPowerUsage samples, a 1-second average on Ampere and newer: "
                        "short cells include idle time (no energy counter on this GPU)")
        if len(mws) < 3:
            warnings.append(f"only {len(mws)} power sample(s) during the cell; lengthen timing.min_duration_s")
    sm = [s["sm_mhz"] for s in samples if s.get("sm_mhz")]
    bits = 0
    for s in samples:
        bits |= int(s.get("reasons") or 0)
    if sm:
        out["sm_mhz"] = {"min": min(sm), "max": max(sm)}
    if any("reasons" in s for s in samples):
        out["clock_event_reasons"] = reason_names(bits)
    warnings += clock_warnings(sm, bits)
    out["warnings"] = warnings
    return out


class NvmlMonitor(SampledMonitor):
    """Samples the CUDA device's power, SM clock and clock event reasons every ``interval_ms`` while a
    cell runs; reads the energy counter at the edges of the idle window and of the cell."""

    source = "nvml"

    def __init__(self, interval_ms: int = 100, device_index: int = 0, command: str = "nvidia-smi",
                 idle_s: float = 0.0):
        super().__init__(interval_ms, idle_s)
        self.device_index = int(device_index)
        self.command = command
        self.via: str | None = None  # "pynvml" | "nvidia-smi" once sampling started
        self.device: str | None = None  # which GPU, and how it was found
        self._warn: list[str] = []
        self._energy: dict[str, tuple[float, float | None]] = {}  # mark -> (monotonic s, energy counter mJ)
        self._nv: tuple[ModuleType, Any] | None = None  # (pynvml, handle) when sampling through pynvml

    def _pynvml(self) -> tuple[ModuleType, Any] | None:
        try:
            import pynvml
        except ImportError:
            return None
        try:
            pynvml.nvmlInit()
        except Exception:  # NVMLError: no driver
            return None
        bus, how = cuda_pci_bus_id(self.device_index)
        try:
            handle, device, warning = nvml_handle(pynvml, self.device_index, bus)
        except Exception:  # NVMLError: no such GPU
            return None
        self.device = f"{device} (from {how})" if how else device
        if warning:
            self._warn.append(warning)
        return pynvml, handle

    def _read_energy(self, pynvml: ModuleType, handle: Any) -> float | None:
        try:
            return float(pynvml.nvmlDeviceGetTotalEnergyConsumption(handle))  # mJ
        except Exception:  # NVML_ERROR_NOT_SUPPORTED before Volta
            return None

    def _mark(self, name: str) -> None:
        if self.via == "pynvml" and self._nv is not None:
            self._energy[name] = (time.monotonic(), self._read_energy(*self._nv))

    def _start_sampling(self) -> None:
        self._warn, self._energy = [], {}
        nv = self._pynvml()
        if nv is not None:
            self.via, self._nv = "pynvml", nv
            self._mark("start")
            self._begin(self._poll_nvml, *nv)
            return
        exe = shutil.which(self.command)
        if exe is None:
            raise EdgeCReLUError("power.source = \"nvml\" needs pynvml (pip install nvidia-ml-py) or nvidia-smi "
                                 "on PATH; neither is here")
        self.via = "nvidia-smi"
        bus, how = cuda_pci_bus_id(self.device_index)
        target = bus or str(self.device_index)
        self.device = f"pci bus id {bus} (from {how})" if bus else f"index {self.device_index}"
        self._spawn([exe, "-i", target, "--query-gpu=power.draw,clocks.sm", "--format=csv,noheader,nounits",
                     "-lms", str(self.interval_ms)], parse_power_draw)

    def _mark_cell_start(self) -> None:
        self._mark("cell")

    def _on_stop(self) -> None:
        self._mark("stop")

    def _poll_nvml(self, pynvml, handle) -> None:
        reasons = getattr(pynvml, "nvmlDeviceGetCurrentClocksEventReasons", None) or \
            getattr(pynvml, "nvmlDeviceGetCurrentClocksThrottleReasons", None)  # the name before NVML 12.x
        while not self._stop.is_set():
            s = {"t": time.monotonic()}
            for key, call in (("mw", lambda: float(pynvml.nvmlDeviceGetPowerUsage(handle))),  # milliwatts
                              ("sm_mhz", lambda: int(pynvml.nvmlDeviceGetClockInfo(handle, NVML_CLOCK_SM))),
                              ("reasons", lambda: int(reasons(handle)) if reasons else None)):
                try:
                    value = call()
                except Exception:
                    continue
                if value is not None:
                    s[key] = value
            self.samples.append(s)
            self._stop.wait(self.interval_ms / 1000.0)

    def _energy_mw(self, a: str, b: str) -> float | None:
        if a not in self._energy or b not in self._energy:
            return None
        (t0, e0), (t1, e1) = self._energy[a], self._energy[b]
        if e0 is None or e1 is None or t1 <= t0:
            return None
        return (e1 - e0) / (t1 - t0)  # mJ / s = mW

    def _idle_mw(self, idle: list) -> float | None:
        mw = self._energy_mw("start", "cell")
        return mw if mw is not None else super()._idle_mw(idle)

    def _sample_mw(self, sample) -> float | None:
        return sample.get("mw")

    def _summarize(self, samples: list, duration_s: float, inferences: int) -> dict | None:
        energy = self._energy_mw("cell" if "cell" in self._energy else "start", "stop")
        out = summarize_power(samples, duration_s, inferences, "nvml", energy_mw=energy)
        if out is not None:
            out["via"] = self.via
            out["device"] = self.device
            out["warnings"] = self._warn + out["warnings"]
        return out
