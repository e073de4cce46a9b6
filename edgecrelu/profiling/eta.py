"""How long a profile run will take: the estimate logged before the first cell, and the elapsed time
and time left on every per-cell line.

A run is a per-cell pass (each cell once in its own worker: warm-up, a short timed loop, the eval
set), then paired timing rounds bounded by the budget (README "How the verdict is measured"). The
per-cell pass is estimated from one eval batch timed through the FP32 reference session (ONNX
Runtime CPU, the session the accuracy reference runs in) plus a fixed start-up cost per cell; once a
cell is measured, its measured time replaces the estimate. The rounds count at their full budget:
an upper bound, as they stop once the verdict is decided.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from edgecrelu.errors import first_line

if TYPE_CHECKING:
    from edgecrelu.bundle import Bundle
    from edgecrelu.devices import Timing
    from edgecrelu.results import Cell

# A cell's cost besides its warm-up, timed loop and eval pass: starting the worker process (the
# interpreter, numpy and ONNX Runtime imports), opening the session, writing and scoring its result.
# Measured on the tiny test bundle on a 2-core x86-64: about 0.4 s per cell in a worker, 0.02 s with
# --isolation none. A Jetson's CPU starts a worker more slowly; the measured times take over after
# the first cell.
CELL_START_S = {"process": 0.4, "none": 0.02}
PROBE_BATCH = 16  # images in the timed eval batch
PROBE_BUDGET_S = 0.3  # the batch is timed only where it fits this (the whole estimate stays under 1 s)


def fmt_s(seconds: float) -> str:
    """``0.04 s``, ``2.5 s``, ``38 s``, ``1 min 05 s``, ``2 h 05 min``."""
    s = max(0.0, float(seconds))
    if s < 0.995:
        return f"{s:.2f} s"
    if s < 9.95:
        return f"{s:.1f} s"
    if s < 59.5:
        return f"{s:.0f} s"
    if s < 3600:
        m, r = divmod(int(round(s)), 60)
        return f"{m} min {r:02d} s"
    h, r = divmod(int(round(s / 60)), 60)
    return f"{h} h {r:02d} min"


@dataclass(frozen=True)
class ImageTimes:
    one: float  # seconds per image at batch 1
    many: float  # seconds per image in a batch of PROBE_BATCH (``one`` where it was not timed)
    what: str  # the session timed

    def at(self, batch: int) -> float:
        return self.one if batch == 1 else self.many


def time_images(bundle: Bundle, variant: str, x: np.ndarray,
                clock: Callable[[], float] = time.perf_counter) -> tuple[ImageTimes | None, str]:
    """``(ImageTimes, "")``, or ``(None, why)``: one warm-up call, then one image and one batch of
    ``PROBE_BATCH`` eval images timed through the FP32 reference session of ``variant``."""
    try:
        from edgecrelu.backends import get_backend

        ort = get_backend("onnxruntime")
        ort.check_available()
        cands = bundle.artifacts(variants=[variant], precisions=["fp32"]) or bundle.artifacts(precisions=["fp32"])
        if not cands:
            return None, "the bundle has no fp32 artifact to time"
        art = next((a for a in cands if a.form == "graph"), cands[0])
        runner = ort.reference_runner(bundle.path(art.path))
        with runner:
            name = runner.input_names()[0]
            feed = {name: np.ascontiguousarray(x[:1])}
            runner.infer(feed)
            t0 = clock()
            runner.infer(feed)
            one = max(clock() - t0, 1e-7)
            many = one
            n = min(PROBE_BATCH, len(x))
            if n > 1 and 2 * n * one <= PROBE_BUDGET_S:
                feed = {name: np.ascontiguousarray(x[:n])}
                try:
                    runner.infer(feed)  # a new shape: its first call allocates
                    t0 = clock()
                    runner.infer(feed)
                    many = max(clock() - t0, 1e-7) / n
                except Exception:  # noqa: BLE001 -- a fixed batch of 1: the one-image time stands
                    many = one
    except Exception as exc:  # noqa: BLE001 -- an estimate must never stop the run
        return None, first_line(exc)
    return ImageTimes(one, many, f"{art.variant} {art.form} fp32, ONNX Runtime CPU"), ""


@dataclass(frozen=True)
class Estimate:
    cells: int  # cells the per-cell pass measures (resumed ones excluded)
    eval_images: int
    cells_s: float  # the per-cell pass
    rounds_s: float  # the rounds' budget: an upper bound
    how: str  # how cells_s was estimated

    @property
    def per_cell_s(self) -> float:
        return self.cells_s / self.cells if self.cells else 0.0

    @property
    def total_s(self) -> float:
        return self.cells_s + self.rounds_s

    def line(self) -> str:
        if not self.cells:  # --resume with every cell's pass already done
            return (f"estimate: no cell left to measure; paired timing rounds up to their {fmt_s(self.rounds_s)} "
                    f"budget, less if they decide earlier")
        return (f"estimate: {self.cells} cell(s) to measure on {self.eval_images} eval images each: "
                f"per-cell pass ~{fmt_s(self.cells_s)} ({self.how}); then paired timing rounds up to their "
                f"{fmt_s(self.rounds_s)} budget; in all ~{fmt_s(self.total_s)}, less if the rounds decide earlier")


def estimate(cells: list[Cell], eval_images: int, timing: Timing, isolation: str, rounds_s: float,
             images: ImageTimes | None, why_not: str = "") -> Estimate:
    """The per-cell pass of ``cells``: per cell the start-up cost, the warm-up, the timed loop (at
    least ``min_duration_s`` and ``min_iterations`` calls) and the eval set at the cell's batch."""
    start = CELL_START_S.get(isolation, CELL_START_S["process"])
    total = 0.0
    for c in cells:
        t = images.at(c.batch) if images else 0.0
        timed = max(timing.min_duration_s, timing.min_iterations * c.batch * t)
        total += start + timing.warmup_s + timed + math.ceil(eval_images / c.batch) * c.batch * t
    per = total / len(cells) if cells else 0.0
    if images is not None:
        eval_part = (f"{eval_images} eval images at {images.one * 1e3:.2g} ms each (batch 1) or "
                     f"{images.many * 1e3:.2g} ms (batched): one eval batch timed through {images.what}")
    else:
        eval_part = f"eval pass not timed ({why_not})"
    how = (f"~{fmt_s(per)} a cell: {start:g} s start-up + {timing.warmup_s:g} s warm-up + "
           f"{timing.min_duration_s:g} s timed + {eval_part}")
    return Estimate(len(cells), eval_images, total, rounds_s, how)


class Progress:
    """Elapsed time and time left over the whole plan: the cells still to measure at the measured
    mean per cell (the estimate until one is measured), plus the rounds' budget."""

    def __init__(self, est: Estimate, clock: Callable[[], float] = time.monotonic, start: float | None = None):
        self.est = est
        self.clock = clock
        self.t0 = clock() if start is None else start
        self.measured: list[float] = []

    def cell_done(self, seconds: float) -> None:
        self.measured.append(max(0.0, seconds))

    @property
    def per_cell_s(self) -> float:
        return sum(self.measured) / len(self.measured) if self.measured else self.est.per_cell_s

    def left_s(self) -> float:
        return max(0, self.est.cells - len(self.measured)) * self.per_cell_s + self.est.rounds_s

    def text(self) -> str:
        return f"{fmt_s(self.clock() - self.t0)} elapsed, ~{fmt_s(self.left_s())} left"
