"""``edgecrelu data check SPEC``: the data check ``train`` writes into a run, without training."""

from __future__ import annotations

import click

from edgecrelu.commands.options import INPUT_SIZE, resize_option


@click.group("data")
def command() -> None:
    """Look at a data source before training on it."""


@command.command("check")
@click.argument("spec", metavar="SOURCE[:PATH]")
@click.option("--input-size", type=INPUT_SIZE, default=32, show_default=True,
              help="Square side the images are resized to (train's --input-size).")
@click.option("--channels", type=click.Choice(["1", "3"]), default=None,
              help="Force grey (1) or RGB (3) (default: the data's own).")
@resize_option
@click.option("--data-seed", type=click.IntRange(min=0), default=0, show_default=True,
              help="Seed of the train/val/test split (train's --data-seed).")
@click.option("--out", type=click.Path(dir_okay=False), default=None,
              help="Also write the check as JSON (the data-check.json train writes into a run).")
def check(spec: str, input_size: int, channels: str | None, resize: str, data_seed: int, out: str | None) -> None:
    """Read every file of SPEC once and print what train would use: the classes and images per
    class in train / val / test, the image sizes found and the resize policy, and every file
    skipped (unreadable, hidden, not an image) with the reason.

    \b
    edgecrelu data check imagefolder:crops/
    edgecrelu data check imagefolder:crops/ --resize letterbox --out crops-check.json
    """
    from edgecrelu.data import datacheck, load_dataset

    ds = load_dataset(spec, size=input_size, channels=int(channels) if channels else None, seed=data_seed,
                      resize=resize)
    for line in datacheck.describe(ds, out):
        click.echo(line)
    if out:
        datacheck.write(out, ds)
        click.echo(f"wrote {out}")
