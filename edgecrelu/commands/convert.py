"""``edgecrelu convert``: a trained ReLU checkpoint -> its CReLU-half variant, without retraining
(README "Phase pairing")."""

from __future__ import annotations

import click

from edgecrelu.commands.options import FiniteFloatRange


@click.command("convert")
@click.argument("checkpoint", type=click.Path(exists=True))
@click.option("--to", "to", required=True, help="Target variant, crelu-half@K.")
@click.option("--out", type=click.Path(file_okay=False), required=True,
              help="New run directory (relu + the converted variant; `edgecrelu export` takes it).")
@click.option("--finetune-epochs", type=click.IntRange(min=0), default=0, show_default=True,
              help="Short fine-tune after the conversion (the run's recipe at a tenth of its learning rate).")
@click.option("--scratch-epochs", type=click.IntRange(min=1), default=None,
              help="Train crelu-half@K from scratch for comparison when the run has no such checkpoint.")
@click.option("--seed", type=int, default=None, help="Which relu seed of a run directory (default: the first).")
@click.option("--threads", type=click.IntRange(min=1), default=None, help="torch threads.")
@click.option("--distill", is_flag=True,
              help="The original ReLU model teaches the fine-tune: its logits at --distill-temperature mixed with "
                   "the labels (needs --finetune-epochs >= 1; recorded with the teacher's sha256).")
@click.option("--distill-temperature", type=FiniteFloatRange(min=0, min_open=True), default=4.0, show_default=True,
              help="Softmax temperature T of the teacher's and the student's logits.")
@click.option("--distill-weight", type=FiniteFloatRange(min=0, max=1), default=0.7, show_default=True,
              help="Share of the fine-tune's loss on the teacher's soft targets; the rest is the labels'.")
def command(checkpoint: str, to: str, out: str, finetune_epochs: int, scratch_epochs: int | None, seed: int | None,
            threads: int | None, distill: bool, distill_temperature: float, distill_weight: float) -> None:
    """Keep the half of each site's filters that best stand in for the others as negated partners,
    rewire the consumers, optionally fine-tune; print the accuracies.

    \b
    edgecrelu convert runs/digits/relu/seed0 --to crelu-half@4 --finetune-epochs 1 --out runs/converted
    edgecrelu convert runs/digits --to crelu-half@4 --finetune-epochs 2 --distill --out runs/distilled
    """
    from edgecrelu.analysis.convert import ConvertConfig, convert_checkpoint
    from edgecrelu.analysis.terminal_view import render_conversion

    conv = convert_checkpoint(ConvertConfig(checkpoint=checkpoint, to=to, out=out, finetune_epochs=finetune_epochs,
                                            scratch_epochs=scratch_epochs, seed=seed, threads=threads,
                                            distill=distill, distill_temperature=distill_temperature,
                                            distill_weight=distill_weight))
    click.echo(render_conversion(conv))
    for s in conv["sites"]:
        click.echo(f"site {s['site']} {s['conv']}: kept {len(s['kept'])}/{s['filters']}, {s['stood_in']} stood in "
                   f"({s['neg_partner_share'] * 100:.0f} % by a negated partner), residual {s['residual']:.3f}")
    click.echo(f"wrote {out}/run.json")
