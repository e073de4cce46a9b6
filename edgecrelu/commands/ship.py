"""``edgecrelu ship RESULTS --out DIR [--cell KEY]``: the configuration the verdict chose, ready to deploy."""

from __future__ import annotations

import click


@click.command("ship")
@click.argument("results", nargs=-1, required=True, type=click.Path(path_type=str))
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=str),
              help="Folder to write (new or empty): the ONNX file, manifest.json, infer.py, eval.npz, record.json, "
                   "MODEL_CARD.md, and for TensorRT build_engine.sh / build_engine.py.")
@click.option("--cell", "cell", default=None, metavar="KEY",
              help="Ship this cell (a record's key, e.g. crelu-half_4.graph.fp16.tensorrt.b1) instead of the one a "
                   "GO verdict chose; needed when the verdict is NO-GO or INCONCLUSIVE.")
@click.option("--bundle", default=None, type=click.Path(file_okay=False, path_type=str),
              help="The bundle the records measured (default: the path the records name, where it exists here).")
@click.option("--policy", type=click.Path(dir_okay=False), default=None,
              help="TOML file with a [decision] table deciding instead of the policy embedded in the records "
                   "(as `report --policy`).")
def command(results: tuple[str, ...], out: str, cell: str | None, bundle: str | None, policy: str | None) -> None:
    """Write the configuration the verdict chose (or --cell) as a folder to deploy: the artifact and its
    hash, how to build its engine on the target with the flags it was profiled with, an inference
    script that needs only numpy, onnxruntime and pillow, and a one-page model card.

    \b
    Example:
      edgecrelu ship results-orin/ --out ship-orin/
      python ship-orin/infer.py photo.png
    """
    from edgecrelu.commands.options import refuse_out_inside_results
    from edgecrelu.ship.write import ship

    refuse_out_inside_results(out, "ship output", results)  # a later report there would read it as records
    res = ship(tuple(results), out, cell_key=cell, bundle_path=bundle, policy=policy)
    c = res.choice
    how = "the verdict's choice" if c.chosen_by == "verdict" else f"--cell (verdict {c.verdict})"
    click.echo(f"shipped {c.cell.key} ({how}) to {res.out}: {', '.join(res.files)}, manifest.json")
