"""Running one trial: in a fresh worker process (``python -m edgecrelu.profiling.worker TASK``), or in
this process when isolation is ``"none"``.

The worker's output goes to the trial's log, line by line as it comes (the worker runs unbuffered,
so a worker killed by a signal leaves every line it printed); the progress lines among it
(``edgecrelu.progress``, e.g. a TensorRT engine build) are relayed as they come. Ctrl-C kills the
worker, so no orphan keeps the GPU busy. Any failure of the cell is a :class:`CellFailed` with one
line (for a killed worker, its last log line) and the log's path.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

from edgecrelu.errors import EdgeCReLUError
from edgecrelu.fileio import atomic_write_json
from edgecrelu.progress import relayed

if TYPE_CHECKING:
    from edgecrelu.bundle import Bundle
    from edgecrelu.devices import DeviceProfile

logger = logging.getLogger(__name__)


# A worker's time limit: the planned work (warm-up, timed loop, eval pass; the rounds' blocks) SLACK
# times over, plus START_S for what is not planned (interpreter, imports, a session or an engine
# build); each progress line the worker prints gives it START_S more from then.
START_S = 300.0
SLACK = 10.0


def worker_timeout_s(planned_s: float) -> float:
    """Seconds a worker whose planned work takes ``planned_s`` may run before it counts as hung."""
    return START_S + SLACK * max(0.0, float(planned_s))


def with_timeout(task: dict, planned_s: float) -> dict:
    """``task`` with its planned seconds and its time limit (:func:`worker_timeout_s`)."""
    return dict(task, planned_s=round(float(planned_s), 3), timeout_s=round(worker_timeout_s(planned_s), 3))


class CellFailed(Exception):
    """One cell could not be measured; the run goes on with the others."""


def run_trial(task: dict, isolation: str, bundle: Bundle | None, profile: DeviceProfile | None) -> dict:
    """The worker's result for ``task``: in a worker process, or in this one for ``isolation == "none"``
    (reusing the open ``bundle`` and ``profile``)."""
    if isolation == "none":
        from edgecrelu.profiling import worker

        try:
            return worker.run_trial(task, bundle=bundle, profile=profile, isolated=False)
        except EdgeCReLUError as exc:
            raise CellFailed(str(exc)) from None
    return run_worker(task)


def _die_with_parent() -> None:
    """In the worker, before exec: SIGKILL when the parent dies (Linux ``prctl(PR_SET_PDEATHSIG)``),
    so a killed ``profile`` leaves no orphan measuring and writing on its own."""
    import ctypes

    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGKILL))  # PR_SET_PDEATHSIG = 1


def run_worker(task: dict, module: str = "edgecrelu.profiling.worker") -> dict:
    """Run ``task`` in a worker process (``python -m module TASK``); its result, or :class:`CellFailed`
    saying why there is none."""
    d = Path(task["out"]).parent
    task_path = d / f"trial{task['trial']}.task"
    atomic_write_json(task_path, task)
    log_path = d / f"trial{task['trial']}.log"
    out = Path(task["out"])
    out.unlink(missing_ok=True)
    logger.debug(f"worker: {sys.executable} -m {module} {task_path} (output in {log_path})")
    timeout = task.get("timeout_s")
    with open(log_path, "w", buffering=1) as logf:  # line-buffered: each line is in the file once copied
        proc = subprocess.Popen([sys.executable, "-m", module, str(task_path)],
                                preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                env=dict(os.environ, PYTHONUNBUFFERED="1"), text=True, errors="replace")
        deadline = [time.monotonic() + timeout if timeout else None]

        def copy_output():
            for line in proc.stdout:
                logf.write(line)
                message = relayed(line)
                if message is not None:
                    logger.info("  " + message)
                    if deadline[0] is not None:  # a worker saying what it does (an engine build) is alive
                        deadline[0] = max(deadline[0], time.monotonic() + START_S)

        reader = threading.Thread(target=copy_output, daemon=True)
        reader.start()
        timed_out = False
        try:
            while proc.poll() is None:
                if deadline[0] is not None and time.monotonic() > deadline[0]:
                    timed_out = True  # stopped (SIGSTOP), deadlocked or hung in a driver: never wait forever
                    proc.kill()
                with contextlib.suppress(subprocess.TimeoutExpired):
                    proc.wait(timeout=0.2)
        except BaseException:  # Ctrl-C: no orphaned worker keeps the GPU busy
            proc.kill()
            raise
        finally:
            proc.wait()
            reader.join(5)
    if timed_out:
        last = last_log_line(log_path)
        planned = task.get("planned_s")
        raise CellFailed(f"no result within {timeout:g} s"
                         + (f" (its planned work takes about {planned:.2g} s)" if planned is not None else "")
                         + ": the worker was stopped or hung and was killed"
                         + (f"; its last log line: {last}" if last else "") + f" (log: {log_path})")
    res = None
    if out.is_file():
        try:
            res = json.loads(out.read_text())
        except ValueError:
            res = None
    if res is not None and "error" in res:
        raise CellFailed(f"{res['error']} (log: {log_path})")
    if proc.returncode != 0 or res is None:
        last = last_log_line(log_path)
        if proc.returncode < 0:
            why = f"worker killed by signal {_signal_name(-proc.returncode)}"
            if last:
                why += f"; its last log line: {last}"
        else:
            why = last or f"worker exited with code {proc.returncode}"
        raise CellFailed(f"{why} (log: {log_path})")
    return res


def last_log_line(log_path: Path, limit: int = 300) -> str | None:
    """The last non-empty line of a worker's log (cut to ``limit`` characters), or None."""
    try:
        lines = [ln.strip() for ln in log_path.read_text(errors="replace").splitlines() if ln.strip()]
    except OSError:
        return None
    if not lines:
        return None
    return lines[-1] if len(lines[-1]) <= limit else lines[-1][:limit] + "..."


def _signal_name(n: int) -> str:
    """``9 (SIGKILL)``; SIGKILL is also what the kernel's out-of-memory killer sends."""
    try:
        name = signal.Signals(n).name
    except ValueError:
        return str(n)
    return f"{n} ({name}{', e.g. out of memory' if n == signal.SIGKILL else ''})"
