"""``edgecrelu models``: the built-in architectures with their sites, parameters and MACs; with
``--model``, one model variant layer by layer."""

from __future__ import annotations

import json

import click

from edgecrelu.commands.options import INPUT_SIZE, WIDTH, model_option, tablefmt_option
from edgecrelu.errors import require


@click.command("models")
@model_option(default=None, help_text="Show this model layer by layer: a built-in name or package.module:callable.")
@click.option("--variant", default="relu", show_default=True,
              help="With --model: relu, crelu@K, crelu-half@K, or a control relu-half@K / relu-w@K.")
@click.option("--in-channels", type=click.IntRange(min=1), default=3, show_default=True,
              help="Input channels (1 for grayscale).")
@click.option("--num-classes", type=click.IntRange(min=2), default=10, show_default=True, help="Output classes.")
@click.option("--input-size", type=INPUT_SIZE, default=None,
              help="Square input side in pixels  [default: each built-in's own]")
@click.option("--width", type=WIDTH, default=None,
              help="Channel width multiplier  [default: 1.0 for built-ins]")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (raw counts) instead of a table.")
@tablefmt_option
def command(model: str | None, variant: str, in_channels: int, num_classes: int, input_size: int | None,
            width: float | None, as_json: bool, tablefmt: str) -> None:
    """List the built-in architectures: input shape, classes, conv->act sites, params, MACs.

    \b
    MACs: multiply-accumulates of convs and linears at batch 1. Variants put
    CReLU on the first K conv->(BN)->ReLU sites: relu, crelu@K (same filters,
    doubled width), crelu-half@K (half the filters, same width). The ratio
    column lists each default variant (K = depth) that the model allows.
    Equal-cost ReLU controls (the "controls" column, MACs vs relu):
    relu-half@K halves the same K sites' filters and keeps ReLU (their
    consumers take the halved input); relu-w@K is the whole ReLU net at the
    width multiplier (w) whose MACs match crelu-half@K within 5 % (a
    bisection over the architecture's width argument).
    With --model (and --variant), one model's layers, shapes, params, MACs.
    """
    require("torch", "torch", "the model zoo is the torch side; profile and report run without it")
    import tabulate

    from edgecrelu.nn.counting import human

    if model is not None:
        from edgecrelu.nn.build import describe_variant

        d = describe_variant(model, variant, in_channels=in_channels, num_classes=num_classes, input_size=input_size,
                             arch_args={"width": width} if width is not None else None)
        if as_json:
            click.echo(json.dumps(d, indent=2))
            return
        table = [[x["name"], x["type"], "x".join(map(str, x["out_shape"])), x["params"] or "", x["macs"] or ""]
                 for x in d["layers"]]
        table.append(["total", "", "", d["params"], d["macs"]])
        aj = d["arch_json"]
        click.echo(f"{aj['arch']} {aj['variant']}, input {'x'.join(map(str, aj['input_shape']))}: "
                   f"{human(d['params'])} params, {human(d['macs'])} MACs, "
                   f"{sum(x['type'] == 'CReLU' for x in d['layers'])} CReLU, {len(d['sites'])} conv->ReLU sites")
        click.echo(tabulate.tabulate(table, headers=["layer", "type", "output", "params", "MACs"], tablefmt=tablefmt))
        return

    from edgecrelu.nn.build import describe_builtins

    rows = describe_builtins(in_channels=in_channels, num_classes=num_classes, input_size=input_size,
                             width=1.0 if width is None else width)
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return

    def ratios(r):  # MACs of each default variant relative to relu: what crelu-half can save at most
        return ", ".join(f"{name} {v['macs'] / r['macs']:.2f}" for name, v in r["variants"].items() if name != "relu")

    def controls(r):  # the equal-cost ReLU controls: MACs relative to relu, relu-w@K with its width
        out = []
        for name, v in r["controls"].items():
            if "refused" in v:
                out.append(f"{name} refused")
            else:
                w = f" (w {v['width']:g})" if "width" in v else ""
                out.append(f"{name} {v['macs'] / r['macs']:.2f}{w}")
        return ", ".join(out)

    table = [[r["arch"], "x".join(map(str, r["input_shape"])), r["num_classes"], r["sites"], human(r["params"]),
              human(r["macs"]), r["default_depth"], ratios(r), controls(r), r["description"]] for r in rows]
    headers = ["arch", "input", "classes", "sites", "params", "MACs", "depth", "MAC ratio vs relu", "controls",
               "description"]
    click.echo(tabulate.tabulate(table, headers=headers, tablefmt=tablefmt))
