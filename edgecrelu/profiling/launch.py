"""Running one trial: in a fresh worker process (``python -m edgecrelu.profiling.worker TASK``), or in
this process when isolation is ``"none"``.

The worker's output goes to the trial's log, line by line as it comes (the worker runs unbuffered,
so a worker killed by a signal leaves every line it printed); the progress lines among it
(``edgecrelu.progress``, e.g. a TensorRT engine build) are relayed as they come. Ctrl-C kills the
worker, so no orphan keeps the GPU busy. Any failure of the cell is a :class:`CellFailed` with one
line (for a killed worker, its last log line) and the log's path.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Callable

from edgecrelu.errors import EdgeCReLUError
from edgecrelu.fileio import atomic_write_json
from edgecrelu.progress import PROGRESS_PREFIX


class CellFailed(Exception):
    """One cell could not be measured; the run goes on with the others."""


def run_trial(task: dict, isolation: str, bundle, profile, log: Callable[[str], None]) -> dict:
    """The worker's result for ``task``: in a worker process, or in this one for ``isolation == "none"``
    (reusing the open ``bundle`` and ``profile``)."""
    if isolation == "none":
        from edgecrelu.profiling import worker

        try:
            return worker.run_trial(task, bundle=bundle, profile=profile, isolated=False)
        except EdgeCReLUError as exc:
            raise CellFailed(str(exc)) from None
    return run_worker(task, log)


def _die_with_parent() -> None:
    """In the worker, before exec: SIGKILL when the parent dies (Linux ``prctl(PR_SET_PDEATHSIG)``),
    so a killed ``profile`` leaves no orphan measuring and writing on its own."""
    import ctypes

    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGKILL))  # PR_SET_PDEATHSIG = 1
    except (OSError, AttributeError):
        pass


def run_worker(task: dict, log: Callable[[str], None], module: str = "edgecrelu.profiling.worker") -> dict:
    """Run ``task`` in a worker process (``python -m module TASK``); its result, or :class:`CellFailed`
    saying why there is none."""
    d = Path(task["out"]).parent
    task_path = d / f"trial{task['trial']}.task"
    atomic_write_json(task_path, task)
    log_path = d / f"trial{task['trial']}.log"
    out = Path(task["out"])
    out.unlink(missing_ok=True)
    with open(log_path, "w", buffering=1) as logf:  # line-buffered: each line is in the file once copied
        proc = subprocess.Popen([sys.executable, "-m", module, str(task_path)],
                                preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                env=dict(os.environ, PYTHONUNBUFFERED="1"), text=True, errors="replace")
        try:
            for line in proc.stdout:
                logf.write(line)
                if line.startswith(PROGRESS_PREFIX):
                    log("  " + line[len(PROGRESS_PREFIX):].rstrip())
        except BaseException:  # Ctrl-C: no orphaned worker keeps the GPU busy
            proc.kill()
            raise
        finally:
            proc.wait()
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
