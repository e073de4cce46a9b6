"""What every power monitor shares: the monitor interface (which measures nothing), the background
sampler that tegrastats / NVML monitors build on, and the energy arithmetic.

The power sources themselves live in ``jetson.py`` and ``nvml.py``; ``power.py`` picks one for a
device profile. Keeping the shared parts here lets those modules import them without importing
``power.py``, which imports them (lazily) in turn.
"""

from __future__ import annotations

import subprocess
import threading
from collections.abc import Callable
from typing import Any, Literal

Sample = dict[str, Any]  # one reading, time-stamped on arrival ("t", monotonic seconds)


class PowerMonitor:
    """Started just before a cell's timed loop and stopped right after; this base measures nothing."""

    source = "none"

    def start(self) -> None:
        pass

    def stop(self) -> None:
        pass

    def summary(self, inferences: int, duration_s: float | None = None) -> dict[str, Any] | None:
        """Power record for the cell; ``duration_s`` is the time the ``inferences`` took (the timed
        loop's wall time), else the monitor's own start-to-stop time (which includes warm-up)."""
        return None

    def __enter__(self) -> PowerMonitor:
        self.start()
        return self

    def __exit__(self, *exc: object) -> Literal[False]:
        self.stop()
        return False


def stop_sampler(proc: subprocess.Popen[str], timeout: float = 5.0) -> None:
    """Stop a sampling subprocess (tegrastats, nvidia-smi): terminate, then kill if it hangs."""
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


def idle_fields(mean_mw: float | None, idle_mw: float | None, idle_s: float, idle_samples: int,
                duration_s: float, inferences: int) -> dict[str, Any]:
    """The idle baseline of a cell and what it leaves: ``idle_mw`` (the board before the timed loop, at
    the clocks the warm-up left), ``dynamic_mw`` = mean - idle and ``dynamic_mj_per_inference``."""
    out: dict[str, Any] = {"idle_mw": idle_mw, "idle_s": idle_s, "idle_samples": idle_samples}
    if mean_mw is not None and idle_mw is not None:
        dyn = mean_mw - idle_mw
        out["dynamic_mw"] = dyn
        out["dynamic_mj_per_inference"] = energy_mj_per_inference(dyn, duration_s, inferences)
    return out


class SampledMonitor(PowerMonitor):
    """A monitor fed by a background thread: the lines of a sampler subprocess (:meth:`_spawn`) or a
    polling loop (:meth:`_begin`). Subclasses start it (``_start_sampling``) and turn samples into a
    record (``_summarize``; ``_sample_mw`` gives one sample's board power for the idle baseline).

    With ``idle_s > 0``, :meth:`start` first samples an idle window of that length (nothing runs on
    the device), then returns; samples are dicts time-stamped on arrival (``"t"``, monotonic seconds),
    so the window they belong to is decided by their time, not by their order.
    """

    def __init__(self, interval_ms: int = 100, idle_s: float = 0.0):
        self.interval_ms = int(interval_ms)
        self.idle_s = max(float(idle_s), 0.0)
        self.samples: list[Sample] = []
        self.argv: list[str] = []
        self._stop = threading.Event()  # set by stop(); polling loops wait on it
        self._proc: subprocess.Popen[str] | None = None
        self._thread: threading.Thread | None = None
        self._t0: float | None = None
        self._t1: float | None = None
        self._t_idle: float | None = None  # when the idle window began

    # -- starting --------------------------------------------------------------------------------
    def start(self) -> None:
        import time

        self._start_sampling()
        if self.idle_s > 0:
            self._t_idle = self._t0
            time.sleep(self.idle_s)
            self._mark_cell_start()
            self._t0 = time.monotonic()

    def _start_sampling(self) -> None:
        raise NotImplementedError

    def _mark_cell_start(self) -> None:
        """Called when the idle window ends (the timed loop starts next); counters are read here."""

    def _spawn(self, argv: list[str], parse: Callable[[str], Sample | None]) -> None:
        """Run ``argv`` line-buffered and append ``parse(line)`` (a dict, or None to skip) for each line.

        A tool writing to a pipe through stdio buffers its output in blocks, so samples would arrive in
        bursts and their arrival times would be wrong: ``stdbuf -oL`` (coreutils) asks for line
        buffering where it exists, and we read line by line.
        """
        import shutil

        stdbuf = shutil.which("stdbuf")
        if stdbuf is not None:
            argv = [stdbuf, "-oL", *argv]
        self.argv = list(argv)
        self._proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, bufsize=1)
        self._begin(self._read_lines, self._proc, parse)

    def _read_lines(self, proc: subprocess.Popen[str], parse: Callable[[str], Sample | None]) -> None:
        import time

        assert proc.stdout is not None  # Popen(stdout=PIPE)
        for line in iter(proc.stdout.readline, ""):
            t = time.monotonic()  # stamped on arrival, before parsing
            sample = parse(line)
            if sample is not None:
                sample["t"] = t
                self.samples.append(sample)

    def _begin(self, target: Callable[..., None], *args: Any) -> None:
        import time

        self.samples = []
        self._stop.clear()
        thread = self._thread = threading.Thread(target=target, args=args, daemon=True)
        self._t0, self._t1 = time.monotonic(), None
        thread.start()

    def stop(self) -> None:
        import time

        if self._t0 is None or self._t1 is not None:
            return
        self._t1 = time.monotonic()
        self._stop.set()
        self._on_stop()
        if self._proc is not None:
            stop_sampler(self._proc)
            self._proc = None
        if self._thread is not None:
            self._thread.join(timeout=5)  # lines still buffered in the pipe are read before it ends

    def _on_stop(self) -> None:
        """Called at stop time, before the sampler ends; counters are read here."""

    @property
    def duration_s(self) -> float | None:
        """The monitored window (start of the cell to stop, idle window excluded), or None before stop()."""
        if self._t0 is None or self._t1 is None:
            return None
        return self._t1 - self._t0

    def split_samples(self) -> tuple[list[Sample], list[Sample]]:
        """(idle samples, cell samples), by arrival time: tegrastats and NVML report the reading at the
        moment they print or answer, so a sample that arrived before the cell started is idle."""
        idle: list[Sample] = []
        cell: list[Sample] = []
        for s in list(self.samples):
            t = s.get("t") if isinstance(s, dict) else None
            if self._t_idle is not None and t is not None and t < self._t0:
                idle.append(s)
            else:
                cell.append(s)
        return idle, cell

    def summary(self, inferences: int, duration_s: float | None = None) -> dict[str, Any] | None:
        """Mean power over the monitored window; energy per inference over ``duration_s`` (the time the
        ``inferences`` took, e.g. the timed loop without warm-up), else over the monitored window; with
        an idle window, the idle baseline and the dynamic energy beside the total."""
        window = self.duration_s
        if window is None:
            return None
        idle, cell = self.split_samples()
        duration = duration_s or window
        out = self._summarize(cell, duration, inferences)
        if out is None:
            return None
        out["monitored_s"] = window
        if self._t_idle is not None:
            out.update(idle_fields(out.get("mean_mw"), self._idle_mw(idle), self.idle_s, len(idle),
                                   duration, inferences))
            if out.get("idle_mw") is None:
                out.setdefault("warnings", []).append("no power sample in the idle window; no idle baseline")
        return out

    def _idle_mw(self, idle: list[Sample]) -> float | None:
        vals = [v for v in (self._sample_mw(s) for s in idle) if v is not None]
        return sum(vals) / len(vals) if vals else None

    def _sample_mw(self, sample: Sample) -> float | None:
        raise NotImplementedError

    def _summarize(self, samples: list[Sample], duration_s: float, inferences: int) -> dict[str, Any] | None:
        raise NotImplementedError
