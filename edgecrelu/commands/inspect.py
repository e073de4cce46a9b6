"""``edgecrelu inspect``: what a bundle holds, and whether every file still matches its hash."""

from __future__ import annotations

import logging

import click
from tabulate import tabulate

from edgecrelu.commands.options import tablefmt_option
from edgecrelu.errors import EdgeCReLUError

logger = logging.getLogger(__name__)


@click.command("inspect")
@click.argument("bundle", type=click.Path(file_okay=False))
@click.option("--evaluate", is_flag=True, help="Re-measure every artifact's top-1 on the eval set (ONNX Runtime, CPU).")
@tablefmt_option
def command(bundle: str, evaluate: bool, tablefmt: str) -> None:
    """Table of BUNDLE's artifacts (size, params, MACs, parity, accuracy, INT8/FP16 drop, hash).

    Exits 1 when any file is missing or its bytes changed. Works without torch.
    """
    from edgecrelu.inspect_bundle import inspect_bundle

    rep = inspect_bundle(bundle, evaluate=evaluate)
    m = rep.bundle.manifest
    model, ds = m.get("model", {}), m.get("dataset", {})
    click.echo(f"bundle {rep.bundle.root}: {model.get('arch')} input {model.get('input_shape')} opset "
               f"{model.get('opset')}, data {ds.get('spec')} (eval {ds.get('eval', {}).get('n')}, "
               f"calib {ds.get('calib', {}).get('n')}), created {m.get('created_utc')}")
    if rep.rows:
        click.echo(tabulate(rep.rows, headers="keys", tablefmt=tablefmt, disable_numparse=True))
    else:
        click.echo("(no artifacts)")
    for w in m.get("warnings", []):
        logger.warning(f"warning: {w}")
    if not rep.ok:
        more = f" (and {len(rep.problems) - 1} more)" if len(rep.problems) > 1 else ""
        raise EdgeCReLUError(f"bundle {rep.bundle.root} failed verification: {rep.problems[0]}{more}")
    click.echo(f"all {rep.n_files} files match their sha256")
