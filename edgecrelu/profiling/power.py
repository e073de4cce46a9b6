"""Power measurement during a timed cell (MLPerf rule: measured during the same run).

A monitor is started just before a cell's timed loop and stopped right after::

    with get_monitor(profile.power) as mon:
        ... timed loop ...
    power = mon.summary(inferences=n_images)   # dict for the record's "power", or None

``source = "none"`` measures nothing and returns None (never a made-up number).
"""

from __future__ import annotations

from edgecrelu.errors import unknown


class PowerMonitor:
    source = "none"

    def start(self) -> None:
        pass

    def stop(self) -> None:
        pass

    def summary(self, inferences: int, duration_s: float | None = None) -> dict | None:
        """Power record for the cell; ``duration_s`` is the time the ``inferences`` took (the timed
        loop's wall time), else the monitor's own start-to-stop time (which includes warm-up)."""
        return None

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()
        return False


def get_monitor(power_settings) -> PowerMonitor:
    """Monitor for a device profile's ``[power]`` table (``source``, ``interval_ms``)."""
    source = power_settings.source
    if source == "none":
        return PowerMonitor()
    if source == "tegrastats":
        from edgecrelu.profiling.jetson import TegrastatsMonitor

        return TegrastatsMonitor(interval_ms=power_settings.interval_ms)
    if source == "nvml":
        from edgecrelu.profiling.nvml import NvmlMonitor

        return NvmlMonitor(interval_ms=power_settings.interval_ms)
    raise unknown("power source", source, ["none", "tegrastats", "nvml"])


def stop_sampler(proc, timeout: float = 5.0) -> None:
    """Stop a sampling subprocess (tegrastats, nvidia-smi): terminate, then kill if it hangs."""
    import subprocess

    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
