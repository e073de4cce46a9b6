"""One trial of one cell, in its own process: ``python -m edgecrelu.profiling.worker TASK.json``.

Why a process per (cell, trial): peak host RSS (VmHWM) then belongs to that cell alone -- no
allocator arenas, sessions or CUDA contexts inherited from the cells before it -- and a backend
crash (a segfaulting engine build) costs one cell, not the run. The price is interpreter start-up
plus session creation per trial, outside the timed loop; TensorRT's engine cache makes the rebuild
cheap. The same :func:`run_trial` runs in-process when the run's ``isolation`` is ``"none"``
(``profiling/launch.py`` starts either).

Order inside a trial: session -> warm-up -> timed loop (under the power monitor) -> peak RSS ->
accuracy (first trial only, after the peak was read so the eval set does not count as the model's).
"""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

import numpy as np

from edgecrelu.errors import EdgeCReLUError

if TYPE_CHECKING:
    from edgecrelu.bundle import Bundle
    from edgecrelu.devices import DeviceProfile
    from edgecrelu.results import Cell


def _profile_from_dict(d: dict, path: str = ""):
    from edgecrelu.devices import parse_profile

    d = {k: v for k, v in d.items() if k != "path"}
    return parse_profile(d, path)


def cell_files(bundle: Bundle, cells: Iterable[Cell], accuracy: bool = False) -> list[str]:
    """The bundle files a worker opens for ``cells``: each cell's ONNX file (a torch cell: its
    weights and arch.json), and the eval set for an accuracy pass."""
    from edgecrelu.backends.base import find_artifact
    from edgecrelu.profiling.shift_scoring import shift_files

    rels = []
    for cell in cells:
        art = find_artifact(bundle, cell)
        if art is not None:
            rels.append(art.path)
        else:
            torch_files = (bundle.variants.get(cell.variant) or {}).get("torch") or {}
            rels += [torch_files[k] for k in ("weights", "arch") if torch_files.get(k)]
    if accuracy:
        rels.append(bundle.manifest["dataset"]["eval"]["path"])
        rels += shift_files(bundle)
    return sorted(set(rels))


def check_unchanged(bundle: Bundle, task: dict, rels: list[str]) -> None:
    """Refuse to measure (or to return a measurement of) a bundle that is no longer the one the run
    planned with: the manifest's sha256 the task carries, and the files ``rels`` against their hashes
    in it. A bundle replaced while profile runs (``export --overwrite`` renames a new one in) would
    otherwise give records of one model stamped with the other's hash."""
    from edgecrelu.bundle import MANIFEST
    from edgecrelu.fileio import sha256_file

    want = task.get("manifest_sha256")
    if want is None:
        return
    root = bundle.root
    try:
        now = sha256_file(root / MANIFEST)
    except OSError:
        now = None
    problems = [f"its {MANIFEST} is not the one it had"] if now != want else bundle.verify(rels)
    if problems:
        raise EdgeCReLUError(f"bundle {root} changed since this run checked it ({problems[0]}; replaced while "
                             "profiling?): not measured")


def run_trial(task: dict, bundle: Bundle | None = None, profile: DeviceProfile | None = None,
              isolated: bool = True) -> dict:
    """Measure one trial of ``task["cell"]``; see ``trials.TrialStore.task`` for the task's keys."""
    from edgecrelu.backends import get_backend
    from edgecrelu.bundle import Bundle
    from edgecrelu.profiling import memory
    from edgecrelu.profiling.power import get_monitor
    from edgecrelu.profiling.shift_scoring import predict_shifts
    from edgecrelu.profiling.timing import TimingSettings, timed_loop
    from edgecrelu.results import Cell
    from edgecrelu.scoring import predict_logits

    cell = Cell.from_dict(task["cell"])
    if bundle is None:
        bundle = Bundle.open(task["bundle"], verify=False)  # the parent verified it before timing
    if profile is None:
        profile = _profile_from_dict(task["profile"], task.get("profile_path", ""))
    files = cell_files(bundle, [cell], accuracy=bool(task.get("accuracy")))
    check_unchanged(bundle, task, files)
    backend = get_backend(cell.backend)
    backend.check_available()
    if not isolated:
        memory.reset_peak_rss()
    rss_before = memory.current_rss_bytes()
    x = np.load(task["input"])
    output_name = bundle.model.get("output_name")
    runner = backend.make_runner(bundle, cell, profile)
    with runner:
        try:
            input_name = runner.input_names()[0]
        except (NotImplementedError, IndexError):
            input_name = bundle.model.get("input_name", "input")
        feed = {input_name: x}
        settings = TimingSettings(profile.timing.warmup_s, profile.timing.min_duration_s, profile.timing.min_iterations)
        monitor = get_monitor(profile.power)  # runs over the timed iterations only, not the warm-up
        call = runner.timing_call(feed)  # runner.infer unless the runner times the device alone
        times = timed_loop(call, feed, settings, stage_times=runner.stage_times_ms, monitor=monitor)
        images = int(len(times.samples_ms) * cell.batch)
        power = monitor.summary(inferences=images, duration_s=times.wall_s)  # energy over the timed loop only
        peak = memory.peak_rss_bytes()
        mem_info = runner.memory_info() or {}
        describe = runner.describe()
        logits_path = shift_path = None
        if task.get("accuracy"):
            x_eval, _ = bundle.load_eval()
            logits = predict_logits(runner.infer, input_name, x_eval, cell.batch, output_name)
            logits_path = task["logits_out"]
            np.save(logits_path, logits)
            shift_path = predict_shifts(  # the shifted eval sets, same runner: accuracy only
                bundle, lambda xs: predict_logits(runner.infer, input_name, xs, cell.batch, output_name), logits_path)
    check_unchanged(bundle, task, files)  # replaced during the measurement: it measured which model?
    return {
        "samples_ms": times.samples_ms.tolist(),
        "stages_ms": {k: v.tolist() for k, v in times.stages_ms.items()} if times.stages_ms else None,
        "wall_s": times.wall_s,
        "warmup_iterations": times.warmup_iterations,
        "images": images,
        "peak_rss_bytes": peak,
        "rss_before_session_bytes": rss_before,
        "memory_info": mem_info,
        "describe": describe,
        "power": power,
        "logits": logits_path,
        "shift_logits": shift_path,
        "pid": os.getpid(),
        "isolated": isolated,
    }


def main(argv: list[str] | None = None, run: Callable[[dict], dict] | None = None,
         what: str = "worker task") -> int:
    """Read the task file named in ``argv``, ``run`` it (default :func:`run_trial`) and write its result,
    or ``{"error": ...}``, to ``task["out"]`` for the parent; the rounds worker shares this."""
    from edgecrelu.fileio import atomic_write_json, read_json_object

    argv = sys.argv[1:] if argv is None else argv
    task = read_json_object(argv[0], what)
    try:
        result = (run or run_trial)(task)
        code = 0
    except EdgeCReLUError as exc:
        result, code = {"error": str(exc)}, 2
    except Exception as exc:  # reported to the parent as this cell's failure, with the traceback in the log
        traceback.print_exc()
        result, code = {"error": f"{type(exc).__name__}: {exc}".splitlines()[0]}, 3
    atomic_write_json(task["out"], result)
    return code


if __name__ == "__main__":
    from edgecrelu.progress import relay_to_parent

    relay_to_parent()  # the parent relays this process's log lines to the user
    sys.exit(main())
