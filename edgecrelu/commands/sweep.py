"""``edgecrelu sweep``: a small grid (CReLU depth K, width, precision, with and without distillation)
train -> export -> profile -> report in one command, every stage that already ran reused.

Per width multiplier one run directory holds every configuration of the grid, so one bundle and one
report compare them (a report takes one bundle's records)::

    OUT/w<width>/run      relu, and per K: relu-half@K, relu-w@K, crelu-half@K (+ crelu-half@K+kd)
    OUT/w<width>/bundle   the precisions asked for
    OUT/w<width>/results  one record per cell
    OUT/w<width>/report   with the "Accuracy–cost front" section

The run preset's training and timing settings apply (``edgecrelu run``); ``--time-budget`` stops
before a stage that would start past it, and the same command continues.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path

import click

from edgecrelu.commands.options import CommaList, device_option, model_option
from edgecrelu.errors import EdgeCReLUError

logger = logging.getLogger(__name__)
STAGES = ("train", "export", "profile", "report")


def grid_variants(depths: Iterable[int], distill: bool) -> list[str]:
    """The variants of one width: relu, then per K the two equal-cost controls and crelu-half@K (and
    its distilled twin)."""
    out = ["relu"]
    for k in depths:
        out += [f"relu-half@{k}", f"relu-w@{k}", f"crelu-half@{k}"] + ([f"crelu-half@{k}+kd"] if distill else [])
    return out


def _left(t0: float, done: int, total: int) -> str:
    if not done:
        return "time left unknown until a stage finishes"
    per = (time.perf_counter() - t0) / done
    return f"~{per * (total - done):.0f} s left (at {per:.0f} s per stage so far)"


@click.command("sweep")
@model_option("inspect-net", "Built-in architecture (see `edgecrelu models`).")
@click.option("--data", default="inspection", show_default=True, metavar="SOURCE[:PATH]",
              help="Data source (as in `train`); the default is the built-in synthetic inspection set.")
@click.option("--depths", type=CommaList("depth", cast=int, minimum=1), default="2", show_default=True,
              help="Comma list of CReLU depths K: each gets relu-half@K, relu-w@K (MAC-matched to crelu-half@K) "
                   "and crelu-half@K.")
@click.option("--widths", type=CommaList("width", cast=float), default="0.5", show_default=True,
              help="Comma list of width multipliers: one run, bundle and report each.")
@click.option("--precisions", type=CommaList("precision"), default="fp32,int8", show_default=True,
              help="Exported and profiled precisions.")
@click.option("--distill/--no-distill", default=True, show_default=True,
              help="Also crelu-half@K+kd: crelu-half@K distilled from the run's relu of the same seed.")
@click.option("--seeds", type=CommaList("seed", cast=int, minimum=0), default=None,
              help="Training seeds (default: the run preset's).")
@click.option("--epochs", type=click.IntRange(min=1), default=None, help="Training epochs (default: the preset's).")
@device_option("Device profile this machine is profiled as.")
@click.option("--out", type=click.Path(file_okay=False), default="edgecrelu-sweep", show_default=True,
              help="Output directory; an existing one is continued.")
@click.option("--time-budget", type=click.FloatRange(min=0, min_open=True), default=None, metavar="MINUTES",
              help="Stop before a stage that would start past this many minutes (the same command continues).")
def command(model: str, data: str, depths: tuple[int, ...], widths: tuple[float, ...], precisions: tuple[str, ...],
            distill: bool, seeds: tuple[int, ...] | None, epochs: int | None, device: str, out: str,
            time_budget: float | None) -> None:
    """Train, export, profile and report a small grid; print each width's verdict and report.

    \b
    edgecrelu sweep --depths 1,2 --widths 0.5 --precisions fp32,int8 --time-budget 30
    """
    results = run_sweep(model, data, tuple(depths), tuple(widths), tuple(precisions), distill, seeds, epochs,
                        device, Path(out), time_budget)
    for width, res in results:
        click.echo(f"width {width:g}: {res.sentence}")
        for fmt, path in sorted(res.files.items()):
            click.echo(f"{fmt:>5}: {path}")


def run_sweep(model: str, data: str, depths: Iterable[int], widths: Sequence[float], precisions: Sequence[str],
              distill: bool, seeds: Iterable[int] | None, epochs: int | None, device: str, out: Path,
              time_budget: float | None) -> list:
    from edgecrelu.devices import load_device
    from edgecrelu.workflow import PRESETS

    preset = PRESETS["default"]
    if epochs is not None:
        preset = replace(preset, epochs=epochs)
    if seeds:
        preset = replace(preset, seeds=tuple(seeds))
    profile = load_device(device)
    bad = [p for p in precisions if p not in profile.precisions]
    if bad:
        raise EdgeCReLUError(f"device '{profile.name}' does not support {', '.join(bad)}; choose from "
                             f"{', '.join(profile.precisions)}")
    variants = grid_variants(depths, distill)
    total = len(widths) * len(STAGES)
    t0, done, results = time.perf_counter(), 0, []
    logger.info(f"[sweep] {len(widths)} width(s) x {len(variants)} variants ({', '.join(variants)}) x "
                f"{len(precisions)} precision(s), {len(preset.seeds)} seed(s) -> {out}")
    for i, width in enumerate(widths):
        d = out / f"w{width:g}"
        conf = f"width {width:g} ({i + 1}/{len(widths)})"
        for stage in STAGES:
            if time_budget is not None and time.perf_counter() - t0 > time_budget * 60:
                raise EdgeCReLUError(f"sweep: the {time_budget:g}-minute budget is spent before {stage} of {conf}; "
                                     "the same command continues where it stopped")
            logger.info(f"[sweep {done + 1}/{total}] {stage}: {conf}; {_left(t0, done, total)}")
            res = _stage(stage, d, model, data, width, variants, precisions, preset, device)
            done += 1
            if res is not None:
                results.append((width, res))
    logger.info(f"[sweep] done in {time.perf_counter() - t0:.0f} s")
    return results


def _stage(stage: str, d: Path, model, data, width, variants, precisions, preset, device):
    run_dir, bundle_dir, results_dir = d / "run", d / "bundle", d / "results"
    if stage == "train":
        from edgecrelu.train import TrainConfig, train_run

        if data == "inspection":  # the run preset's eval set size (workflow.py)
            data = f"inspection:test={preset.eval_images}"
        train_run(TrainConfig(model=model, variants=tuple(variants), data=data, out=str(run_dir), epochs=preset.epochs,
                              seeds=preset.seeds, optimizer=preset.optimizer, batch_size=preset.batch_size,
                              width=width, input_size=preset.input_size, resume=run_dir.exists()))
    elif stage == "export":
        if (bundle_dir / "manifest.json").is_file():
            logger.info(f"  bundle exists, reusing {bundle_dir}")
            return None
        from edgecrelu.export.exporter import ExportConfig, export_bundle

        export_bundle(ExportConfig(run_dir=run_dir, out=bundle_dir, precisions=precisions, forms=preset.forms,
                                   calib_size=preset.calib_size))
    elif stage == "profile":
        from edgecrelu.profiling.plan import ProfileConfig
        from edgecrelu.profiling.session import run_profile

        run_profile(ProfileConfig(bundle=str(bundle_dir), device=device, out=str(results_dir), precisions=precisions,
                                  batches=preset.batches, duration_s=preset.duration_s, warmup_s=preset.warmup_s,
                                  trials=preset.trials, budget_s=preset.budget_s, resume=True),
                    again="the same `edgecrelu sweep` command")
    else:
        from edgecrelu.report import ReportConfig, build_report

        return build_report(ReportConfig(results=(str(results_dir),), out=str(d / "report")))
    return None
