"""A profile run: bundle + device profile -> one result record per cell (``run_profile``).

Order of work:

1. load the device profile, apply CLI overrides, pick the backend(s) and check they are installed;
2. open the bundle (hashes verified) and choose the cells; refuse precisions the device lacks;
3. load and check every selected ONNX artifact -- all of this *before* any timing starts
   (``plan.py``; :meth:`Session.open`);
4. log the plan with an estimate of its duration (``eta.py``) and the run's warnings (power not
   measured, more threads than cores), each once;
5. each cell once in a fresh worker process (``launch.py``, ``worker.py``) so peak RSS is the cell's
   own; it also computes the cell's eval-set logits, compared with the FP32 reference of the same
   variant and form (ONNX Runtime CPU, computed once per variant/form); every line says the time
   elapsed and left;
6. the paired timing rounds (``paired.py``), then each record is written atomically (``record.py``)
   and each distinct warning of the records is logged once, with the number of cells it concerns.
   Trial results wait in ``RESULTS/.partial/`` (``trials.py``), the rounds in ``RESULTS/rounds/``,
   and ``--resume`` picks them up; an interrupt never leaves a partial record and says how many
   records were written.
"""

from __future__ import annotations

import logging
import platform
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from edgecrelu import limits, signals
from edgecrelu.errors import EdgeCReLUError
from edgecrelu.fileio import DirLock, writing
from edgecrelu.profiling import ISOLATION, eta, launch
from edgecrelu.profiling.launch import CellFailed
from edgecrelu.profiling.opshare import cell_ops
from edgecrelu.profiling.plan import (
    ProfileConfig,
    backend_threads,
    check_power,
    effective_profile,
    plan_cells,
    select_backends,
    thread_warnings,
    verify_artifacts,
)
from edgecrelu.profiling.record import RunFacts, build_record
from edgecrelu.profiling.reference import cell_accuracy
from edgecrelu.profiling.shift_scoring import score_shifts, shift_images
from edgecrelu.profiling.trials import PARTIAL, TrialStore, finished_records
from edgecrelu.results import Cell, load_record, record_path, write_record

if TYPE_CHECKING:
    from edgecrelu.bundle import Bundle
    from edgecrelu.devices import DeviceProfile
    from edgecrelu.profiling.rounds import RoundSettings

# called with each record's path and the record once it is written
OnRecord = Callable[[Path, dict], object]

logger = logging.getLogger(__name__)


@dataclass
class ProfileRun:
    run_id: str
    out: Path
    records: list = field(default_factory=list)  # every selected cell's record (new and resumed)
    measured: list = field(default_factory=list)  # cells measured by this run
    resumed: list = field(default_factory=list)  # cells whose record was already there
    failures: dict = field(default_factory=dict)  # Cell -> one-line reason


class Session:
    """One run's checked plan (device profile, bundle, cells, finished records) and its trial store."""

    def __init__(self, config: ProfileConfig, profile: DeviceProfile, power_warning: str | None, bundle: Bundle,
                 cells: list[Cell], done: dict):
        self.config = config
        self.profile = profile
        self.power_warning = power_warning
        self.bundle = bundle
        self.cells = cells
        self.done = done  # Cell -> its record already in config.out (resume)
        # backend -> warning where its threads exceed this process's cores (in its cells' records too)
        self.thread_warnings = thread_warnings(profile, sorted({c.backend for c in cells}))
        self.out = Path(config.out)
        profile_dict = {k: v for k, v in profile.to_dict().items() if k != "path"}  # as a worker parses it
        self.store = TrialStore(self.out, bundle.manifest_sha256, profile_dict, config.isolation, config.resume)
        self._eval_set: tuple | None = None
        self.progress: eta.Progress | None = None  # the run's per-cell times (a worker's time limit)

    @classmethod
    def open(cls, config: ProfileConfig) -> Session:
        """Everything checked before any timing: a bad selection or bundle is a one-line error here."""
        from edgecrelu.bundle import Bundle
        from edgecrelu.devices import load_device

        if config.isolation not in ISOLATION:
            raise EdgeCReLUError(f"isolation must be one of: {', '.join(ISOLATION)}")
        profile = effective_profile(load_device(config.device), config)
        for p in config.precisions or ():
            profile.check_precision(p)  # e.g. int8 on a Jetson Nano: refused before anything else
        backends = select_backends(profile, config.backends)
        bundle = Bundle.open(config.bundle)  # verifies every file against the manifest's sha256
        cells = plan_cells(bundle, profile, backends, config)
        for name in sorted({c.backend for c in cells}):  # a profile's own threads, as --threads: 100000 hung ORT
            n = backend_threads(profile, name)
            if n is not None:
                limits.check_threads(n, f"[{name}] threads of device profile '{profile.name}':")
        for b in sorted({c.batch for c in cells}):
            limits.check_batch(b, bundle.model["input_shape"])  # before any worker allocates it
        verify_artifacts(bundle, cells)
        profile, power_warning = check_power(profile, config.power)
        done = finished_records(Path(config.out), cells, config.resume, bundle.manifest_sha256, profile.name,
                                expect=lambda c: record_settings(profile, config, c), host=platform.node())
        return cls(config, profile, power_warning, bundle, cells, done)

    def eval_set(self) -> tuple:
        """(x, y) of the bundle's eval split, read once per run (inputs, labels, the fp32 reference)."""
        if self._eval_set is None:
            self._eval_set = self.bundle.load_eval()
        return self._eval_set

    def run_trial(self, cell: Cell, k: int) -> dict:
        """Measure trial ``k`` of ``cell`` and keep its result in the store."""
        input_path = self.store.input_path(cell.batch, lambda: self.eval_set()[0])
        task = self.store.task(cell, k, self.bundle.root, self.profile.path, input_path)
        t = self.profile.timing  # the planned work: warm-up, timed loop, and the eval pass as estimated
        per_cell = self.progress.per_cell_s if self.progress is not None else 0.0
        task = launch.with_timeout(task, t.warmup_s + t.min_duration_s + per_cell)
        res = launch.run_trial(task, self.config.isolation, self.bundle, self.profile)
        return self.store.save(cell, k, res)

    def record(self, facts: RunFacts, cell: Cell, trials: list[dict], accuracy: tuple) -> dict:
        rec = build_record(facts, cell, trials, *accuracy)
        rec["shifts"], shift_warning = score_shifts(self.bundle, trials[0])  # the shifted eval sets
        if rec["shifts"] is None:
            del rec["shifts"]
        if shift_warning:
            rec["warnings"].append(shift_warning)
        ops, ops_warning = cell_ops(self.bundle, cell, self.profile, self.eval_set()[0])  # after the timed trials
        if ops is not None:
            rec["ops"] = ops
        if ops_warning:
            rec["warnings"].append(ops_warning)
        return rec

    def round_settings(self) -> RoundSettings:
        from edgecrelu.profiling.rounds import RoundSettings, check_settings

        t = self.profile.timing
        budget = self.config.budget_s if self.config.budget_s is not None else t.budget_s
        return check_settings(RoundSettings(budget_s=float(budget), block_s=t.block_ms / 1000.0,
                                            rounds_per_worker=t.rounds_per_worker, min_workers=t.min_workers,
                                            warmup_s=min(t.warmup_s, 0.1), seed=int(self.config.seed)))

    def estimate(self, cells: list, settings: RoundSettings) -> eta.Estimate:
        """How long the per-cell pass of ``cells`` and the rounds will take (``eta.py``); cheap: one
        eval batch through the reference session."""
        x = self.eval_set()[0] if cells else None
        images, why = (eta.time_images(self.bundle, cells[0].variant, self.eval_set()[0]) if cells
                       else (None, "nothing to measure"))
        n = 0 if x is None else len(x) + shift_images(self.bundle)  # the shifted sets run in the same pass
        return eta.estimate(cells, n, self.profile.timing, self.config.isolation, settings.budget_s, images, why)

    def announce(self, pending: list, continued: list) -> set:
        """Log the run's own warnings once, before any timing; returns them (the records carry them
        too, and they are not logged again)."""
        said = []
        if self.power_warning and pending:
            said.append((self.power_warning, pending))  # in every record this run measures
        for backend, w in self.thread_warnings.items():
            cells = [c for c in pending + continued if c.backend == backend]
            if cells:
                said.append((w, cells))
        for w, cells in said:
            logger.warning(warning_line(w, cells))
        return {w for w, _ in said}

    def run(self, on_record: OnRecord | None = None) -> ProfileRun:
        from edgecrelu.profiling.environment import capture
        from edgecrelu.profiling.paired import RoundsPlan

        started = time.monotonic()
        run_id = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:6]
        result = ProfileRun(run_id, self.out)
        result.resumed = [c for c in self.cells if c in self.done]
        pending = [c for c in self.cells if c not in self.done]
        settings = self.round_settings()
        logger.info(f"profile {self.bundle.root} on '{self.profile.name}': {len(self.cells)} cell(s), "
                    f"{len(result.resumed)} already done; each cell once in its own process (accuracy, peak memory), "
                    f"then paired timing rounds for at most {settings.budget_s:g} s, stopping once the verdict is decided")
        self.out.mkdir(parents=True, exist_ok=True)
        facts = RunFacts(run_id=run_id, bundle=self.bundle, profile=self.profile, isolation=self.config.isolation,
                         environment=capture() if pending else None, power_warning=self.power_warning)
        self.store.claim()
        state = {c: self.store.load(c) for c in pending}
        # --resume of a run whose rounds spent their budget undecided: the same sequence goes on, and
        # those cells' records get the new latency; accuracy and memory stay as measured
        # (only with budget left: `--resume` alone keeps finished records as they are)
        continued = [c for c in result.resumed if undecided(self.done[c], settings.budget_s)] \
            if self.config.resume else []
        est = self.estimate([c for c in pending if 0 not in state[c]], settings)
        logger.info(est.line())
        progress = self.progress = eta.Progress(est, start=started)
        announced = self.announce(pending, continued)
        accuracy: dict = {}
        for i, cell in enumerate(pending):
            tag = f"[cell {i + 1}/{len(pending)}] {cell.key}"
            t_cell = time.monotonic()
            resumed = 0 in state[cell]
            if not resumed:
                try:
                    state[cell][0] = self.run_trial(cell, 0)
                except CellFailed as exc:
                    result.failures[cell] = str(exc)
                    progress.cell_done(time.monotonic() - t_cell)
                    logger.warning(f"{tag}: FAILED: {exc}; {progress.text()}")
                    continue
            accuracy[cell] = cell_accuracy(self.bundle, cell, [state[cell][0]], self.eval_set, self.store.ref_dir)
            if not resumed:
                progress.cell_done(time.monotonic() - t_cell)  # with the accuracy scored here
            top1 = (accuracy[cell][0] or {}).get("top1")
            peak = state[cell][0].get("peak_rss_bytes") or 0
            logger.info(f"{tag}: {'resumed: ' if resumed else ''}top-1 {'—' if top1 is None else f'{top1 * 100:.2f} %'}, "
                        f"peak RSS {peak / 2**20:.0f} MB; {progress.text()}")
        measured = [c for c in pending if c not in result.failures]
        for c in continued:
            rec = self.done[c]
            state[c] = {0: {"peak_rss_bytes": (rec.get("memory") or {}).get("peak_rss_bytes") or 0}}
            accuracy[c] = (rec.get("accuracy"), None)
        if continued:
            logger.info(f"continuing the undecided sequence of rounds of {len(continued)} finished cell(s)")
        plan = RoundsPlan(self, measured + continued, state, accuracy, settings)
        plan.run()
        warned: dict = {}  # warning -> the cells whose record has it, logged once below
        for cell in measured + continued:
            if cell in self.done:
                rec = dict(self.done[cell], warnings=list(self.done[cell].get("warnings") or []))
            else:
                rec = self.record(facts, cell, [state[cell][0]], accuracy[cell])
            plan.apply(rec, cell)
            extra = self.thread_warnings.get(cell.backend)
            if extra and extra not in rec["warnings"]:
                rec["warnings"].append(extra)  # the rounds of this run timed it so
            path = write_record(self.out, rec)
            self.store.drop(cell)
            result.measured.append(cell)
            for w in rec["warnings"]:
                if w not in announced:
                    warned.setdefault(w, []).append(cell)
            if on_record is not None:
                on_record(path, rec)
        for w, cells in warned.items():
            logger.warning(f"  {warning_line(w, cells)}")
        logger.info(f"  wrote {len(measured)} record(s) to {self.out}")
        self.store.cleanup()
        result.records = [load_record(record_path(self.out, c)) for c in self.cells
                          if record_path(self.out, c).is_file()]
        return result


def record_settings(profile: DeviceProfile, config: ProfileConfig, cell: Cell) -> dict:
    """The settings a record of ``cell`` made by this run carries (``settings`` and the rounds' seed):
    ``--resume`` keeps only records whose settings are these."""
    t = profile.timing
    return {"threads": backend_threads(profile, cell.backend), "warmup_s": t.warmup_s,
            "min_duration_s": t.min_duration_s, "min_iterations": t.min_iterations,
            "isolation": config.isolation, "power_source": profile.power.source, "seed": int(config.seed)}


def warning_line(text: str, cells: list) -> str:
    """``warning (22 cells): TEXT``, or ``warning (KEY): TEXT`` for a single cell."""
    return f"warning ({cells[0].key if len(cells) == 1 else f'{len(cells)} cells'}): {text}"


def interrupted_line(out: Path, session: Session | None, again: str) -> str:
    """What an interrupted profile run kept, said after ``interrupted; ``: the records written, and
    that ``again`` (``--resume``) continues from the cells and rounds already measured."""
    if session is None:
        return "nothing was measured or written yet"
    n = sum(record_path(out, c).is_file() for c in session.cells)
    kept = [f"{out / d}" for d in (PARTIAL, "rounds") if (out / d).is_dir()]
    where = f" (kept in {' and '.join(kept)})" if kept else ""
    head = "no record was written yet" if n == 0 else f"{n} of {len(session.cells)} records are written in {out} and kept"
    return f"{head}; {again} continues the cells and rounds already measured{where}"


def undecided(record: dict, budget_s: float) -> bool:
    """True for a record whose paired rounds stopped on their budget, the question undecided, when
    ``budget_s`` (the budget of the whole sequence) leaves time to go on."""
    stop = (record.get("paired") or {}).get("stop") or {}
    return stop.get("reason") == "budget" and float(stop.get("elapsed_s") or 0.0) < budget_s


def run_profile(config: ProfileConfig, on_record: OnRecord | None = None, again: str = "`--resume`") -> ProfileRun:
    """Measure every selected cell of ``config.bundle`` on ``config.device``; see the module docstring.

    ``on_record(path, record)`` is called after each record is written. An interrupt (Ctrl-C,
    SIGTERM) carries the line saying what was kept and that ``again`` continues the run.
    """
    out = Path(config.out)
    session = None
    try:
        # One profile run per results directory: a second one would measure the same cells at once.
        with DirLock(out.parent / f".{out.name}.lock", f"results directory {out}"), writing("results", out):
            session = Session.open(config)
            return session.run(on_record=on_record)
    except KeyboardInterrupt as exc:
        signals.explain(exc, interrupted_line(out, session, again))
        raise
