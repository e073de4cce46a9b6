"""``edgecrelu run``: the whole pipeline on the embedded defaults (the synthetic inspection set, CPU, ONNX Runtime)."""

from __future__ import annotations

import click

from edgecrelu.commands.options import backend_option, device_option, model_option
from edgecrelu.registries import DATA_SPECS


@click.command("run")
@click.option("--out", type=click.Path(file_okay=False), default="edgecrelu-out", show_default=True,
              help="Directory for run/, bundle/, results/ and report/. An existing one is resumed.")
@device_option("Device profile: a built-in name (see `edgecrelu devices`) or a path to a profile TOML; "
               "this machine is profiled.")
@model_option("inspect-net", "Built-in architecture (see `edgecrelu models`) or package.module:callable; "
              "the presets are sized for inspect-net.")
@click.option("--data", default="inspection", show_default=True, metavar="SOURCE[:PATH]",
              help="Data source: " + ", ".join(DATA_SPECS) + ". The default is generated in memory: a synthetic "
                   "surface-inspection set (good, scratch, spot, crack, stain on four textures).")
@backend_option
@click.option("--epochs", type=click.IntRange(min=1), default=None, help="Override the preset's epochs.")
@click.option("--quick", is_flag=True, help="One-minute smoke run (1 epoch, 1 seed, fewer forms); not for decisions.")
def command(out: str, device: str, model: str, data: str, backend: str | None, epochs: int | None,
            quick: bool) -> None:
    """Train -> export -> profile -> report, and print the verdict and where the report is.

    Trains with AdamW (the presets' optimizer; `edgecrelu train` defaults to SGD), resizes images by
    stretching (train's --resize default), and reads the data through the run's data check: unreadable
    files are skipped and listed, not fatal.

    \b
    The default takes about 4 minutes on an idle 2-core CPU (6 when it is shared); --quick under a minute.
    For a real decision, run the stages yourself with more epochs, seeds and timing.
    """
    from edgecrelu.workflow import RunConfig, run_pipeline

    result = run_pipeline(RunConfig(out=out, device=device, model=model, data=data, quick=quick, epochs=epochs,
                                    backend=backend))
    click.echo(result.terminal)
    for fmt, path in sorted(result.files.items()):
        click.echo(f"{fmt:>5}: {path}")
