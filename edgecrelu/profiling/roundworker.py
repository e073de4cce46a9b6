"""A few timing rounds in a fresh process: ``python -m edgecrelu.profiling.roundworker TASK.json``.

The process is the replicate of a paired measurement (``profiling/rounds.py``): it loads every cell
of one backend and batch (the reference twice: the second copy is the A/A control), warms each up,
sizes a block of calls to about ``block_s`` per cell, then runs the blocks in the order the parent
drew for each round. A block is ``reps`` back-to-back calls, each timed on its own (the per-call
latencies make the record's percentiles and the budget's counts); the block's median and mean are
the round's values. The garbage collector is off while timing, as in ``timing.py``.
"""

from __future__ import annotations

import contextlib
import gc
import sys
import time
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from edgecrelu.bundle import Bundle
    from edgecrelu.devices import DeviceProfile


def _calibrate(call, feed, block_s: float, warmup_s: float, clock=time.perf_counter_ns) -> int:
    """Warm ``call`` up for ``warmup_s`` (at least 3 calls) and return the calls per block."""
    end = clock() + int(warmup_s * 1e9)
    n, t0 = 0, clock()
    while n < 3 or clock() < end:
        call(feed)
        n += 1
    per_call = (clock() - t0) / n / 1e9
    return max(1, int(round(block_s / max(per_call, 1e-7))))


def _block(call, feed, reps: int, out: list, clock=time.perf_counter_ns) -> None:
    for _ in range(reps):
        t0 = clock()
        call(feed)
        out.append(clock() - t0)


def run_rounds(task: dict, bundle: Bundle | None = None, profile: DeviceProfile | None = None) -> dict:
    """Run ``task["rounds"]`` (each a list of block keys) and return the blocks' times."""
    from edgecrelu.backends import get_backend
    from edgecrelu.bundle import Bundle
    from edgecrelu.profiling.worker import _profile_from_dict
    from edgecrelu.results import Cell

    if bundle is None:
        bundle = Bundle.open(task["bundle"], verify=False)  # the parent verified it before timing
    if profile is None:
        profile = _profile_from_dict(task["profile"], task.get("profile_path", ""))
    from edgecrelu.profiling.worker import cell_files, check_unchanged

    files = cell_files(bundle, [Cell.from_dict(c) for c in task["cells"].values()])
    check_unchanged(bundle, task, files)
    x = np.load(task["input"])
    runners, calls = {}, {}
    try:
        for key, cell_dict in task["cells"].items():
            cell = Cell.from_dict(cell_dict)
            backend = get_backend(cell.backend)
            runner = backend.make_runner(bundle, cell, profile)
            runner.activate()
            runners[key] = runner
            try:
                name = runner.input_names()[0]
            except (NotImplementedError, IndexError):
                name = bundle.model.get("input_name", "input")
            feed = {name: x}
            calls[key] = (runner.timing_call(feed), feed)
        reps = {k: _calibrate(c, f, task["block_s"], task["warmup_s"]) for k, (c, f) in calls.items()}
        samples: dict = {k: [] for k in calls}
        rounds = []
        gc_was = gc.isenabled()
        gc.disable()
        try:
            for order in task["rounds"]:
                blocks = []
                for i, key in enumerate(order):
                    call, feed = calls[key]
                    buf: list = []
                    _block(call, feed, reps[key], buf)
                    a = np.asarray(buf, dtype=np.float64) / 1e6
                    blocks.append([float(np.median(a)), float(a.mean())])
                    if i:  # the lead-in block only takes whatever the start of a round costs
                        samples[key].append(a)
                rounds.append(blocks)
        finally:
            if gc_was:
                gc.enable()
    finally:
        for r in runners.values():
            with contextlib.suppress(Exception):  # closing a session must not hide the measurement's error
                r.deactivate()
    check_unchanged(bundle, task, files)  # replaced during the rounds: which model was timed?
    return {"reps": reps, "rounds": rounds,
            "samples_ms": {k: np.concatenate(v).round(6).tolist() if v else [] for k, v in samples.items()}}


def main(argv: list[str] | None = None) -> int:
    from edgecrelu.profiling.worker import main as worker_main

    return worker_main(argv, run_rounds, "rounds task")


if __name__ == "__main__":
    from edgecrelu.progress import relay_to_parent

    relay_to_parent()  # the parent relays this process's log lines to the user
    sys.exit(main())
