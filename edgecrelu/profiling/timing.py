"""The timed loop: warm-up, then at least N iterations *and* at least D seconds, one sample per call.

Every sample is a wall-clock ``perf_counter_ns`` pair around one synchronous ``infer`` call, so it
is what an application sees (Runner.infer returns host arrays with the device idle). The garbage
collector is paused during the loop, as ``timeit`` does, so a collection does not land in one
cell's samples. ``scripts/bench_overhead.py`` measures what this loop adds over a bare loop.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from edgecrelu.profiling.sampling import PowerMonitor


@dataclass(frozen=True)
class TimingSettings:
    warmup_s: float = 0.2  # discarded warm-up time (at least one call)
    min_duration_s: float = 1.0  # the timed loop runs at least this long ...
    min_iterations: int = 30  # ... and at least this many iterations


@dataclass
class TrialTimes:
    samples_ms: np.ndarray  # one end-to-end latency per iteration
    stages_ms: dict | None = None  # stage -> per-iteration times (when the runner reports stages)
    wall_s: float = 0.0  # wall time of the timed loop
    warmup_iterations: int = 0


def timed_loop(infer: Callable, feed: Mapping, settings: TimingSettings,
               stage_times: Callable[[], dict | None] | None = None,
               clock: Callable[[], int] = time.perf_counter_ns, monitor: PowerMonitor | None = None) -> TrialTimes:
    """Run ``infer(feed)`` for warm-up then the timed loop; return per-call latencies in ms.

    ``stage_times`` (e.g. ``runner.stage_times_ms``) is called after every timed iteration when it
    reports stages after the warm-up; otherwise the loop is kept as lean as a bare loop.
    ``monitor`` (a power monitor) is started after the warm-up and stopped right after the loop, so
    power is measured over exactly the timed iterations.
    """
    warm_end = clock() + int(settings.warmup_s * 1e9)
    infer(feed)
    n_warm = 1
    while clock() < warm_end:
        infer(feed)
        n_warm += 1
    read_stages = stage_times if stage_times is not None and stage_times() is not None else None
    min_n = max(1, int(settings.min_iterations))
    samples: list[int] = []
    append = samples.append
    stages: dict[str, list] = {}
    gc_was_enabled = gc.isenabled()
    if monitor is not None:
        monitor.start()
    gc.disable()
    try:
        start = clock()
        deadline = start + int(settings.min_duration_s * 1e9)
        if read_stages is None:
            while True:
                t0 = clock()
                infer(feed)
                t1 = clock()
                append(t1 - t0)
                if t1 >= deadline and len(samples) >= min_n:
                    break
        else:
            while True:
                t0 = clock()
                infer(feed)
                t1 = clock()
                append(t1 - t0)
                for k, v in (read_stages() or {}).items():
                    stages.setdefault(k, []).append(float(v))
                if t1 >= deadline and len(samples) >= min_n:
                    break
        end = clock()
    finally:
        if gc_was_enabled:
            gc.enable()
        if monitor is not None:
            monitor.stop()
    return TrialTimes(
        samples_ms=np.asarray(samples, dtype=np.float64) / 1e6,
        stages_ms={k: np.asarray(v, dtype=np.float64) for k, v in stages.items()} if read_stages is not None else None,
        wall_s=(end - start) / 1e9,
        warmup_iterations=n_warm,
    )
