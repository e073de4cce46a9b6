"""Desktop / server GPU power during a cell: NVML through pynvml when it imports, else ``nvidia-smi``.

This is the GPU board's own power reading (``nvmlDeviceGetPowerUsage`` / ``power.draw``), not the
host's; recent drivers average ``power.draw`` over about a second, so cells shorter than a few
seconds get few independent samples (a warning says so).
"""

from __future__ import annotations

import re
import shutil

from edgecrelu.errors import EdgeCReLUError
from edgecrelu.profiling.sampling import SampledMonitor, energy_mj_per_inference


def parse_power_draw(line: str) -> float | None:
    """One ``nvidia-smi --query-gpu=power.draw`` line (``72.34``, ``72.34 W``, ``[N/A]``) -> mW or None."""
    m = re.match(r"\s*(\d+(?:\.\d+)?)\s*(W)?\s*$", line)
    return float(m.group(1)) * 1000.0 if m else None


def summarize_power(samples_mw: list[float], duration_s: float, inferences: int, source: str) -> dict | None:
    """Power record for a cell from its GPU board power samples (mW), or None without any sample."""
    if not samples_mw:
        return None
    mean = sum(samples_mw) / len(samples_mw)
    out = {
        "mean_mw": mean,
        "rails_mw": {"gpu_board": mean},
        "mj_per_inference": energy_mj_per_inference(mean, duration_s, inferences),
        "duration_s": duration_s,
        "source": source,
        "samples": len(samples_mw),
    }
    warnings = ["GPU board power only (NVML); host CPU and memory are not included"]
    if len(samples_mw) < 3:
        warnings.append(f"only {len(samples_mw)} power sample(s) during the cell; lengthen timing.min_duration_s")
    out["warnings"] = warnings
    return out


class NvmlMonitor(SampledMonitor):
    """Samples GPU 0's power every ``interval_ms`` while a cell runs."""

    source = "nvml"

    def __init__(self, interval_ms: int = 100, device_index: int = 0, command: str = "nvidia-smi"):
        super().__init__(interval_ms)
        self.device_index = int(device_index)
        self.command = command
        self.via = None

    def _pynvml(self):
        try:
            import pynvml
        except ImportError:
            return None
        try:
            pynvml.nvmlInit()
            return pynvml, pynvml.nvmlDeviceGetHandleByIndex(self.device_index)
        except Exception:  # NVMLError: no driver / no such GPU
            return None

    def start(self) -> None:
        nv = self._pynvml()
        if nv is not None:
            self.via = "pynvml"
            self._begin(self._poll_nvml, *nv)
            return
        exe = shutil.which(self.command)
        if exe is None:
            raise EdgeCReLUError("power.source = \"nvml\" needs pynvml (pip install nvidia-ml-py) or nvidia-smi "
                                 "on PATH; neither is here")
        self.via = "nvidia-smi"
        self._spawn([exe, "-i", str(self.device_index), "--query-gpu=power.draw", "--format=csv,noheader,nounits",
                     "-lms", str(self.interval_ms)], parse_power_draw)

    def _poll_nvml(self, pynvml, handle) -> None:
        while not self._stop.is_set():
            try:
                self.samples.append(float(pynvml.nvmlDeviceGetPowerUsage(handle)))  # milliwatts
            except Exception:
                pass
            self._stop.wait(self.interval_ms / 1000.0)

    def _summarize(self, samples: list, duration_s: float, inferences: int) -> dict | None:
        out = summarize_power(samples, duration_s, inferences, "nvml")
        if out is not None:
            out["via"] = self.via
        return out
