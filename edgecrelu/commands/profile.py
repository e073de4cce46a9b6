"""``edgecrelu profile BUNDLE --device NAME|PATH --out RESULTS``: measure every cell, one record each."""

from __future__ import annotations

import logging

import click

from edgecrelu.commands.host_options import host_options, profile_on_host
from edgecrelu.commands.options import (
    THREADS,
    backends_option,
    batch_option,
    device_option,
    finite,
    forms_option,
    precisions_option,
    tablefmt_option,
    variants_option,
)
from edgecrelu.errors import EdgeCReLUError
from edgecrelu.profiling import ISOLATION, POWER_MODES

logger = logging.getLogger(__name__)


@click.command("profile")
@click.argument("bundle", type=click.Path(file_okay=False, path_type=str))
@device_option()
@click.option("--out", "out", required=True, type=click.Path(file_okay=False, path_type=str),
              help="Results directory: one JSON record per cell.")
@backends_option
@variants_option(default="all of the bundle's")
@precisions_option(default_help="the device profile's")
@forms_option(default_help="auto, every form of the bundle (the report shows each cell at its fastest form, "
                           "with the runner-up and the margin)", checked=False)
@batch_option
@click.option("--threads", type=THREADS, default=None, help="Intra-op threads (overrides the profile).")
@click.option("--budget", type=finite(0), default=None,
              help="Seconds for the paired timing rounds (default: the profile's [timing] budget_s, 300 on cpu). "
                   "The rounds stop earlier once the verdict is decided; when the budget is spent first the "
                   "verdict is INCONCLUSIVE, and --resume with a larger --budget (it counts the sequence's "
                   "whole time) continues the same sequence.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the rounds' random orders (recorded).")
@click.option("--warmup", type=finite(0), default=None, help="Warm-up seconds of each cell's own process.")
@click.option("--duration", type=finite(0), default=None,
              help="Timed seconds of each cell's own process (power; latency comes from the rounds).")
@click.option("--iterations", type=click.IntRange(min=1), default=None, help="Minimum timed iterations there.")
@click.option("--trials", type=click.IntRange(min=1), default=None, help="Isolated trials per cell (default 1).")
@click.option("--resume", is_flag=True, help="Keep records already in --out, measure only the missing cells, and "
                                             "continue an interrupted sequence of rounds.")
@click.option("--isolation", type=click.Choice(ISOLATION), default="process", show_default=True,
              help="'process': each trial in a fresh worker process (peak RSS is the cell's own).")
@click.option("--power", type=click.Choice(POWER_MODES), default="auto", show_default=True,
              help="'auto': the profile's power source; where it cannot run here (no tegrastats off a Jetson) "
                   "power is not measured and every record says so. 'none': do not measure power.")
@tablefmt_option
@host_options
def command(bundle: str, device: str, out: str, backend: tuple[str, ...] | None, variants: tuple[str, ...] | None, precisions: tuple[str, ...] | None,
            forms: tuple[str, ...] | None, batch: tuple[int, ...] | None, threads: int | None, warmup: float | None,
            duration: float | None, iterations: int | None, trials: int | None, resume: bool, isolation: str,
            power: str, tablefmt: str, budget: float | None, seed: int, **host: str | bool | None) -> None:
    """Measure latency, memory, accuracy (and power on Jetson) of every cell of BUNDLE on this device.

    \b
    Example:
      edgecrelu profile bundle/ --device cpu --out results/ --batch 1,32 --duration 2
    Off the target (a Jetson profile on a desktop, no TensorRT, no tegrastats):
      edgecrelu profile bundle/ --device jetson-orin-nano --backend onnxruntime --out results/
    On a board over SSH, from the desktop (records fetched into --out):
      edgecrelu profile bundle/ --host jetson --device jetson-orin-nano --out results-orin/
    """
    from edgecrelu.profiling.plan import ProfileConfig
    from edgecrelu.profiling.session import run_profile
    from edgecrelu.profiling.summary import summary_table

    config = ProfileConfig(
        bundle=bundle, device=device, out=out, backends=backend or None, variants=variants or None,
        precisions=precisions or None, forms=forms or None, batches=batch or None,
        threads=threads, warmup_s=warmup, duration_s=duration, iterations=iterations, trials=trials,
        resume=resume, isolation=isolation, power=power, budget_s=budget, seed=seed,
    )
    if profile_on_host(config, host, tablefmt):
        return
    run = run_profile(config)
    if run.records:
        click.echo(summary_table(run.records, tablefmt))
    logger.info(f"{len(run.measured)} cell(s) measured, {len(run.resumed)} resumed, {len(run.failures)} failed; "
                f"records in {run.out}")
    if run.failures:
        cell, why = next(iter(run.failures.items()))
        more = f" (and {len(run.failures) - 1} more)" if len(run.failures) > 1 else ""
        raise EdgeCReLUError(f"{len(run.failures)} cell(s) failed: {cell.key}: {why}{more}")
