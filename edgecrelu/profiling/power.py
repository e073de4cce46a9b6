"""The power source of a device profile (MLPerf rule: power is measured during the same run).

A monitor is started just before a cell's timed loop and stopped right after::

    with get_monitor(profile.power) as mon:
        ... timed loop ...
    power = mon.summary(inferences=n_images)   # dict for the record's "power", or None

``source = "none"`` measures nothing and returns None (never a made-up number). The monitors'
shared machinery is in ``sampling.py``; the sources are imported only when chosen.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from edgecrelu.errors import unknown
from edgecrelu.profiling.sampling import PowerMonitor

if TYPE_CHECKING:
    from edgecrelu.devices import Power

SOURCES = ("none", "tegrastats", "nvml")


def get_monitor(power_settings: Power) -> PowerMonitor:
    """Monitor for a device profile's ``[power]`` table (``source``, ``interval_ms``)."""
    source = power_settings.source
    if source == "none":
        return PowerMonitor()
    if source == "tegrastats":
        from edgecrelu.profiling.jetson import TegrastatsMonitor

        return TegrastatsMonitor(interval_ms=power_settings.interval_ms, idle_s=power_settings.idle_s)
    if source == "nvml":
        from edgecrelu.profiling.nvml import NvmlMonitor

        return NvmlMonitor(interval_ms=power_settings.interval_ms, idle_s=power_settings.idle_s)
    raise unknown("power source", source, list(SOURCES))
