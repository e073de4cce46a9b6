"""``edgecrelu export``: a train run's checkpoints -> a deployment bundle (ONNX fp32/fp16/int8)."""

from __future__ import annotations

from pathlib import Path

import click

from edgecrelu.commands.options import finite, forms_option, precisions_option, variants_option
from edgecrelu.export import CALIB_METHODS, INT8_WEIGHTS, MIN_OPSET
from edgecrelu.registries import ONNX_PRECISIONS
from edgecrelu.shifts import describe as describe_shifts


@click.command("export")
@click.argument("run_dir", type=click.Path(file_okay=False))
@click.option("--out", required=True, type=click.Path(file_okay=False), help="Bundle directory to create.")
@variants_option(default="all of the run's")
@precisions_option(ONNX_PRECISIONS, default=",".join(ONNX_PRECISIONS))
@forms_option(default_help="every form; a site a form cannot take stays as exported")
@click.option("--calib-size", type=click.IntRange(min=1), default=256, show_default=True,
              help="INT8 calibration images, drawn from the training split.")
@click.option("--calib-method", type=click.Choice(CALIB_METHODS), default="minmax", show_default=True,
              help="INT8 activation ranges: min/max, entropy (KL) or percentile (99.999 %).")
@click.option("--int8-weights", type=click.Choice(INT8_WEIGHTS), default="reduced", show_default=True,
              help="INT8 weight range: reduced (7-bit, accurate on x86 CPUs without VNNI, still symmetric "
                   "int8 for TensorRT) or full (8-bit).")
@click.option("--eval-size", type=click.IntRange(min=1), default=None,
              help="Eval images from the test split (default: all of it).")
@click.option("--seed", type=int, default=None,
              help="Training seed whose checkpoint is exported for each variant (default: each variant's first).")
@click.option("--opset", type=click.IntRange(min=MIN_OPSET), default=18, show_default=True,
              help="ONNX opset (recorded in the manifest); at most the installed onnx's newest.")
@click.option("--max-int8-drop", type=finite(), default=1.0, show_default=True,
              help="Warn when INT8 loses more top-1 points than this vs FP32.")
@click.option("--shifts", default="default", show_default=True, metavar="none|default|LIST",
              help="Shifted eval sets written into the bundle, for `profile` to score every artifact on: "
                   "none, default (every shift at every severity) or a comma list of NAME or NAME@SEVERITY; "
                   f"shifts: {describe_shifts()}.")
@click.option("--shift-images", type=click.IntRange(min=1), default=300, show_default=True,
              help="Eval images per shifted set (the first N of the eval set).")
@click.option("--overwrite", is_flag=True, help="Replace an existing bundle at --out; refused where --out is not a bundle or holds "
                   "files the bundle did not write.")
def command(run_dir: str, out: str, variants: tuple[str, ...] | None, precisions: tuple[str, ...], forms: tuple[str, ...] | None, calib_size: int,
            calib_method: str, int8_weights: str, eval_size: int | None, seed: int | None, opset: int,
            max_int8_drop: float, shifts: str, shift_images: int, overwrite: bool) -> None:
    """Export RUN_DIR's checkpoints to an ONNX bundle, checked against PyTorch.

    \b
    edgecrelu export runs/digits --out bundles/digits
    edgecrelu export runs/digits --out b --forms graph,folded,pm1,split --calib-method entropy
    """
    from edgecrelu.export.exporter import DEFAULT_FORMS, ExportConfig, export_bundle

    config = ExportConfig(
        run_dir=Path(run_dir), out=Path(out),
        variants=variants or None, precisions=precisions, forms=forms or DEFAULT_FORMS, int8_weights=int8_weights,
        calib_size=calib_size, calib_method=calib_method, eval_size=eval_size, seed=seed, opset=opset,
        max_int8_drop=max_int8_drop, shifts=shifts, shift_images=shift_images, overwrite=overwrite,
    )
    path = export_bundle(config)
    click.echo(str(path))
