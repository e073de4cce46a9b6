"""``edgecrelu compare A B``: two result sets cell by cell, with an exit code a CI job can act on."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from edgecrelu.commands.options import tablefmt_option

REGRESSION_EXIT = 3


@click.command("compare")
@click.argument("a", type=click.Path(exists=True))
@click.argument("b", type=click.Path(exists=True))
@click.option("--out", type=click.Path(file_okay=False), help="Write compare.md and compare.json here.")
@click.option("--threshold", type=click.FloatRange(0, 10), default=0.10, show_default=True,
              help="Smallest p50 change (fraction) called a regression or improvement, on top of the 95 % interval.")
@click.option("--fail-on", "fail_on", type=click.Choice(["regression", "never"]), default="never", show_default=True,
              help="Exit with code 3 when any cell regresses or is missing from either side (for CI).")
@tablefmt_option
def command(a, b, out, threshold, fail_on, tablefmt):
    """Compare two results directories (same bundle measured twice, two builds, two devices):
    p50 ratio B / A with its 95 % interval and top-1 change per cell; regression / improvement /
    unchanged."""
    from tabulate import tabulate

    from edgecrelu.commands.options import refuse_out_inside_results
    from edgecrelu.errors import EdgeCReLUError
    from edgecrelu.fileio import atomic_write
    from edgecrelu.report import compare as cmp

    refuse_out_inside_results(out, "comparison output", (a, b))
    changes, only_a, only_b = cmp.load_and_compare((a,), (b,), threshold)
    click.echo(tabulate(cmp.table_rows(changes), cmp.HEADERS, tablefmt=tablefmt))
    click.echo(cmp.summary(changes))
    for side, keys in (("A", only_a), ("B", only_b)):
        if keys:
            click.echo(f"only in {side}: {len(keys)} cell(s): {', '.join(keys)}")
    if out:
        d = Path(out)
        try:
            d.mkdir(parents=True, exist_ok=True)
            for name, text in (("compare.md", cmp.render_markdown(changes, only_a, only_b, threshold, a, b)),
                               ("compare.json", cmp.render_json(changes, only_a, only_b, threshold, a, b))):
                data = text.encode("utf-8")
                click.echo(f"wrote {atomic_write(d / name, lambda fh: fh.write(data), binary=True)}")
        except OSError as exc:
            raise EdgeCReLUError(f"cannot write the comparison to {d}: {exc}") from None
    if fail_on == "regression":
        # a cell measured on one side only was not checked: a CI gate must not pass it (README.md, compare)
        failed = [f"{n} regression(s)" for n in [sum(c.status == "regression" for c in changes)] if n]
        failed += [f"{len(keys)} cell(s) missing from {side}: {', '.join(keys)}"
                   for side, keys in (("B", only_a), ("A", only_b)) if keys]
        if failed:
            click.echo(f"{'; '.join(failed)} (--fail-on regression)", err=True)
            sys.exit(REGRESSION_EXIT)
