"""What every power monitor shares: the monitor interface (which measures nothing), the background
sampler that tegrastats / NVML monitors build on, and the energy arithmetic.

The power sources themselves live in ``jetson.py`` and ``nvml.py``; ``power.py`` picks one for a
device profile. Keeping the shared parts here lets those modules import them without importing
``power.py``, which imports them (lazily) in turn.
"""

from __future__ import annotations


class PowerMonitor:
    """Started just before a cell's timed loop and stopped right after; this base measures nothing."""

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


def stop_sampler(proc, timeout: float = 5.0) -> None:
    """Stop a sampling subprocess (tegrastats, nvidia-smi): terminate, then kill if it hangs."""
    import subprocess

    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def energy_mj_per_inference(mean_mw: float, duration_s: float, inferences: int) -> float:
    """mW × s = mJ; divided over the inferences (images) of the cell."""
    if inferences <= 0:
        raise ValueError("inferences must be positive")
    return mean_mw * duration_s / inferences


class SampledMonitor(PowerMonitor):
    """A monitor fed by a background thread: the lines of a sampler subprocess (:meth:`_spawn`) or a
    polling loop (:meth:`_begin`). Subclasses start it and turn samples into a record (``_summarize``)."""

    def __init__(self, interval_ms: int = 100):
        import threading

        self.interval_ms = int(interval_ms)
        self.samples: list = []
        self._stop = threading.Event()  # set by stop(); polling loops wait on it
        self._proc = None
        self._thread = None
        self._t0 = self._t1 = None

    def _spawn(self, argv: list, parse) -> None:
        """Run ``argv`` and append ``parse(line)`` for each stdout line that parses (not None)."""
        import subprocess

        self._proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, bufsize=1)
        self._begin(self._read_lines, parse)

    def _read_lines(self, parse) -> None:
        for line in self._proc.stdout:
            sample = parse(line)
            if sample is not None:
                self.samples.append(sample)

    def _begin(self, target, *args) -> None:
        import threading
        import time

        self.samples = []
        self._stop.clear()
        self._thread = threading.Thread(target=target, args=args, daemon=True)
        self._t0, self._t1 = time.monotonic(), None
        self._thread.start()

    def stop(self) -> None:
        import time

        if self._t0 is None or self._t1 is not None:
            return
        self._t1 = time.monotonic()
        self._stop.set()
        if self._proc is not None:
            stop_sampler(self._proc)
            self._proc = None
        if self._thread is not None:
            self._thread.join(timeout=5)  # lines still buffered in the pipe are read before it ends

    @property
    def duration_s(self) -> float | None:
        """The monitored window (start to stop), or None before stop()."""
        if self._t0 is None or self._t1 is None:
            return None
        return self._t1 - self._t0

    def summary(self, inferences: int, duration_s: float | None = None) -> dict | None:
        """Mean power over the monitored window; energy per inference over ``duration_s`` (the time the
        ``inferences`` took, e.g. the timed loop without warm-up), else over the monitored window."""
        window = self.duration_s
        if window is None:
            return None
        out = self._summarize(list(self.samples), duration_s or window, inferences)
        if out is not None:
            out["monitored_s"] = window
        return out

    def _summarize(self, samples: list, duration_s: float, inferences: int) -> dict | None:
        raise NotImplementedError
