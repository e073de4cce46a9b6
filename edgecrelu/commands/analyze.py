"""``edgecrelu analyze``: phase pairing of a trained model's conv filters against random filters,
and the CReLU depth it suggests (README "Phase pairing")."""

from __future__ import annotations

import click


@click.command("analyze")
@click.argument("source", type=click.Path(exists=True))
@click.option("--out", type=click.Path(file_okay=False), default=None,
              help="Directory for pairing.json, filters.svg and mu-<variant>.svg (default: write nothing).")
@click.option("--threshold", type=click.FloatRange(-1, 1, min_open=True, max_open=True), default=-0.5,
              show_default=True, help="A filter counts as paired when its μ lies below this.")
@click.option("--draws", type=click.IntRange(min=2), default=8, show_default=True,
              help="Random Gaussian draws per layer shape for the baseline.")
@click.option("--cam-images", type=click.IntRange(min=0), default=3, show_default=True,
              help="Test images per class for the class activation maps (Grad-CAM, ReLU beside CReLU) and the "
                   "first layer's two phases on a defect image, written to --out as cam.json, cam.svg and "
                   "phases.svg (a train run only; 0: none).")
def command(source: str, out: str | None, threshold: float, draws: int, cam_images: int) -> None:
    """Phase pairing per conv layer of every checkpoint in a train run (or of one checkpoint).

    \b
    edgecrelu analyze runs/digits --out runs/digits/analysis
    edgecrelu analyze runs/digits/relu/seed0 --out pairing/
    """
    from edgecrelu.analysis.analyze import AnalyzeConfig, analyze_checkpoints
    from edgecrelu.analysis.terminal_view import render_table
    from edgecrelu.commands.options import refuse_out_inside_results

    refuse_out_inside_results(out, "analysis output")
    data = analyze_checkpoints(AnalyzeConfig(source=source, out=out, threshold=threshold, draws=draws,
                                                      cam_images=cam_images))
    click.echo(render_table(data))
    if out:
        click.echo(f"wrote {out}/pairing.json")
