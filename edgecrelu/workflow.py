"""``edgecrelu run``: train -> export -> profile -> report on one machine, in one output directory.

Each stage is the same library call its own command makes; the stages' outputs land side by side::

    OUT/run/        the training run (checkpoints, run.json)
    OUT/analysis/   phase pairing of the trained models (pairing.json, SVG plots; README "Phase pairing")
    OUT/bundle/     the deployment bundle
    OUT/results/    one result record per cell
    OUT/report/     report.md, report.html, results.csv, report.json

A stage whose output is already complete is reused (``--resume`` semantics), so an interrupted
``run`` continues where it stopped and never discards finished work.
"""

from __future__ import annotations

import json
import logging
import time
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from edgecrelu.errors import EdgeCReLUError
from edgecrelu.registries import FORMS

if TYPE_CHECKING:
    from edgecrelu.report import ReportResult

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Preset:
    """Sizes that keep ``run`` inside its time budget on a 2-core CPU."""

    model: str  # zoo name trained when --model is not given
    epochs: int  # training epochs per variant
    seeds: tuple  # training seeds (several show seed noise)
    optimizer: str  # training optimizer (edgecrelu.registries.OPTIMIZERS)
    batch_size: int  # training batch size
    width: float | None  # width multiplier of the model (None: the architecture's own)
    input_size: int | None  # square input side (None: the architecture's own)
    precisions: tuple  # exported and profiled precisions
    forms: tuple  # CReLU forms exported and profiled
    batches: tuple | None  # profiled batch sizes (None: the device profile's)
    duration_s: float  # timed seconds of each cell's own process (latency comes from the paired rounds)
    warmup_s: float  # warm-up seconds there
    trials: int  # isolated trials per cell
    budget_s: float  # seconds of paired timing rounds at most (they stop once the verdict is decided)
    calib_size: int  # INT8 calibration images
    eval_images: int  # the built-in inspection set's eval images (rendered apart from its 2000 train / val)
    # images per shifted eval set (25 sets): 100 adds 2500 images per cell; 200 made the default run 264 s
    # instead of ~3 minutes (2026-12-08)
    shift_images: int = 100


PRESETS = {
    # Default: about 4 minutes on 2 idle cores (264 s with 200 images per shifted set, 263 s with 100, where
    # the rounds ran 31 s and 57 s; 2026-12-08: train ~80, export ~35, profile ~140), 6 at most; two seeds so the seed spread is visible; every form, FP32 and
    # INT8 at batch 1 (FP16 runs through casts on a CPU: an accuracy check, not a speed figure).
    # inspect-net at half width on 64 px crops of the inspection set: AdamW at batch 32 learns the
    # defects in 5 epochs where SGD needs about twice as many (docs/platform-notes.md).
    "default": Preset(model="inspect-net", epochs=5, seeds=(0, 1), optimizer="adamw", batch_size=32, width=0.5,
                      input_size=64, precisions=("fp32", "int8"), forms=tuple(FORMS), batches=(1,),
                      duration_s=0.1, warmup_s=0.05, trials=1, budget_s=90.0, calib_size=256,
                      eval_images=4000),
    # --quick: about a minute; a smoke test of the whole chain, not a decision: the exporter's form
    # and the two that keep INT8 convs integer (the default profiles every form).
    "quick": Preset(model="inspect-net", epochs=1, seeds=(0,), optimizer="adamw", batch_size=32, width=0.5,
                    input_size=32, precisions=("fp32", "int8"), forms=("graph", "pm1", "tile"), batches=(1,),
                    duration_s=0.1, warmup_s=0.05, trials=1, budget_s=20.0, calib_size=128,
                    eval_images=1000, shift_images=100),
}


@dataclass(frozen=True)
class RunConfig:
    out: str = "edgecrelu-out"  # directory for run/, bundle/, results/, report/
    device: str = "cpu"  # device profile name or path (profiling happens on this machine)
    model: str | None = None  # zoo name or package.module:callable (None: the preset's, inspect-net)
    data: str = "inspection"  # data spec: the built-in synthetic surface-inspection set
    quick: bool = False  # the one-minute smoke preset
    epochs: int | None = None  # override the preset's epochs
    backend: str | None = None  # profile backend (None: the device profile's first)


def _claim(out: Path, config: RunConfig, preset: Preset) -> None:
    """Record what OUT is made of; resuming it with other settings would mix two experiments."""
    from dataclasses import asdict

    from edgecrelu.fileio import atomic_write_json, read_json_object

    settings = json.loads(json.dumps({"config": asdict(config) | {"out": None}, "preset": asdict(preset)}))
    marker = out / "run-settings.json"
    if marker.exists():
        if read_json_object(marker, "run settings") != settings:
            raise EdgeCReLUError(f"{out} was made by `edgecrelu run` with other settings (model, data, device, "
                                 "preset or epochs); choose another --out or remove it")
    elif out.exists() and any(out.iterdir()):
        raise EdgeCReLUError(f"{out} exists and is not an `edgecrelu run` directory; choose another --out")
    else:
        atomic_write_json(marker, settings)


@contextmanager
def _one_line_per_stage(name: str):
    """The pairing stage says one line here; its per-checkpoint lines (``edgecrelu analyze``'s) show
    with ``-v`` only."""
    lg = logging.getLogger(name)
    before = lg.level
    if lg.getEffectiveLevel() == logging.INFO:
        lg.setLevel(logging.WARNING)
    try:
        yield
    finally:
        lg.setLevel(before)


def run_pipeline(config: RunConfig) -> ReportResult:
    """Run the four stages; return the report's :class:`~edgecrelu.report.ReportResult`."""
    from edgecrelu.devices import load_device

    preset = PRESETS["quick" if config.quick else "default"]
    if config.epochs is not None:
        preset = replace(preset, epochs=config.epochs)
    profile = load_device(config.device)  # fail on a bad device before an hour of training
    precisions = tuple(p for p in preset.precisions if p in profile.precisions)
    if not precisions:
        raise EdgeCReLUError(f"device '{profile.name}' supports none of {', '.join(preset.precisions)}")
    if config.backend or profile.backends[0] != "onnxruntime":
        from edgecrelu.backends import get_backend
        from edgecrelu.profiling.plan import unavailable_line

        name = config.backend or profile.backends[0]
        try:
            get_backend(name).check_available()
        except EdgeCReLUError as exc:
            exc.args = (unavailable_line(name, exc),)
            raise

    from edgecrelu.fileio import DirLock, writing

    out = Path(config.out)
    # one `edgecrelu run` per OUT
    with DirLock(out.parent / f".{out.name}.lock", f"run directory {out}"), writing("the run directory", out):
        return _stages(out, config, preset, profile, precisions)


def _stages(out: Path, config: RunConfig, preset: Preset, profile, precisions: tuple):
    _claim(out, config, preset)
    run_dir, bundle_dir, results_dir, report_dir = (out / n for n in ("run", "bundle", "results", "report"))
    t0 = time.perf_counter()
    timings = {}

    logger.info(f"[1/4] train  -> {run_dir}")
    from edgecrelu.train import TrainConfig, train_run

    t = time.perf_counter()
    data = config.data
    if data == "inspection":
        # Sized so that a true 0-point accuracy difference decides the 1-point budget at the discordance
        # measured between relu and crelu-half@2 of this run (9.4 % of 6,000 images classified right by
        # exactly one of them): 1.96^2 x 0.094 / 0.01^2 = 3,611 images.
        data = f"inspection:test={preset.eval_images}"
    train_run(TrainConfig(model=config.model or preset.model, data=data, out=str(run_dir),
                          epochs=preset.epochs, seeds=preset.seeds, optimizer=preset.optimizer,
                          batch_size=preset.batch_size, width=preset.width, input_size=preset.input_size,
                          resume=run_dir.exists()))
    timings["train"] = time.perf_counter() - t

    # phase pairing of the trained models (weights only, seconds); the report finds it beside the bundle
    from edgecrelu.analysis.analyze import AnalyzeConfig, analyze_checkpoints

    t = time.perf_counter()
    try:
        with _one_line_per_stage("edgecrelu.analysis"):
            rec = analyze_checkpoints(AnalyzeConfig(source=str(run_dir), out=str(out / "analysis")))["recommendation"]
        logger.info(f"  pairing -> {out / 'analysis'}" + (f"; suggests {rec['variant']}" if rec else ""))
    except EdgeCReLUError as exc:
        logger.warning(f"  warning: no pairing analysis: {exc}")
    timings["analyze"] = time.perf_counter() - t

    logger.info(f"[2/4] export -> {bundle_dir}")
    from edgecrelu.export.exporter import ExportConfig, export_bundle

    t = time.perf_counter()
    if not (bundle_dir / "manifest.json").is_file():
        export_bundle(ExportConfig(run_dir=run_dir, out=bundle_dir, precisions=precisions, forms=preset.forms,
                                   calib_size=preset.calib_size, shift_images=preset.shift_images))
    else:
        logger.info(f"  bundle exists, reusing {bundle_dir}")
    timings["export"] = time.perf_counter() - t

    logger.info(f"[3/4] profile on '{profile.name}' -> {results_dir}")
    from edgecrelu.profiling.plan import ProfileConfig
    from edgecrelu.profiling.session import run_profile

    t = time.perf_counter()
    prun = run_profile(ProfileConfig(bundle=str(bundle_dir), device=config.device, out=str(results_dir),
                                     backends=(config.backend,) if config.backend else None,
                                     precisions=precisions, batches=preset.batches, duration_s=preset.duration_s,
                                     warmup_s=preset.warmup_s, trials=preset.trials, budget_s=preset.budget_s,
                                     resume=True), again="the same `edgecrelu run` command")
    timings["profile"] = time.perf_counter() - t
    if prun.failures:
        cell, why = next(iter(prun.failures.items()))
        logger.warning(f"  warning: {len(prun.failures)} cell(s) failed, e.g. {cell.key}: {why}")
    if not prun.records:
        raise EdgeCReLUError(f"no cell was measured; see {results_dir}")

    logger.info(f"[4/4] report -> {report_dir}")
    from edgecrelu.report import ReportConfig, build_report

    t = time.perf_counter()
    result = build_report(ReportConfig(results=(str(results_dir),), out=str(report_dir)))
    timings["report"] = time.perf_counter() - t
    timings["total"] = time.perf_counter() - t0
    logger.info("  time: " + ", ".join(f"{k} {v:.0f} s" for k, v in timings.items()))
    result.timings = timings
    return result
