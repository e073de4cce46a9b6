"""``edgecrelu compare A B``: two result sets cell by cell, with an exit code a CI job can act on."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import IO

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
              help="Exit with code 3 when any cell regresses or is missing from either side (for CI); across "
                   "machines only a top-1 regression counts (a slower machine is not a regression).")
@tablefmt_option
def command(a: str, b: str, out: str | None, threshold: float, fail_on: str, tablefmt: str) -> None:
    """Compare two results directories cell by cell: p50 ratio B / A with its 95 % interval and the
    top-1 change (paired over the same images; identical outputs give exactly 0).

    \b
    One machine (the same bundle measured twice, two builds): cells match by device profile, variant,
    form, precision, backend and batch; regression / improvement / unchanged.
    Two machines (one device profile per side, e.g. cpu and jetson-orin-nano): cells match by variant,
    form, precision and batch, and the ratios are labelled across machines (slower / faster on B).
    """
    from tabulate import tabulate

    from edgecrelu.commands.options import refuse_out_inside_results
    from edgecrelu.errors import EdgeCReLUError
    from edgecrelu.fileio import atomic_write
    from edgecrelu.report import compare as cmp

    refuse_out_inside_results(out, "comparison output", (a, b))
    comparison = cmp.load_and_compare((a,), (b,), threshold)
    changes, only_a, only_b = comparison
    click.echo(tabulate(cmp.table_rows(changes), cmp.headers(comparison), tablefmt=tablefmt))
    click.echo(cmp.summary(changes, comparison.across))
    for side, keys in (("A", only_a), ("B", only_b)):
        if keys:
            click.echo(f"only in {side}: {len(keys)} cell(s): {', '.join(keys)}")
    if out:
        d = Path(out)
        try:
            d.mkdir(parents=True, exist_ok=True)
            for name, text in (("compare.md", cmp.render_markdown(comparison, threshold, a, b)),
                               ("compare.json", cmp.render_json(comparison, threshold, a, b))):
                data = text.encode("utf-8")

                def write(fh: IO, data: bytes = data) -> object:  # data bound now, not when called
                    return fh.write(data)

                click.echo(f"wrote {atomic_write(d / name, write, binary=True)}")
        except OSError as exc:
            raise EdgeCReLUError(f"cannot write the comparison to {d}: {exc}") from None
    if fail_on == "regression":
        # a cell measured on one side only was not checked: a CI gate must not pass it (README.md, compare);
        # across machines the other machine's cells are not expected on this one
        failed = [f"{n} regression(s)" for n in [sum(c.status == "regression" for c in changes)] if n]
        if comparison.across is None:
            failed += [f"{len(keys)} cell(s) missing from {side}: {', '.join(keys)}"
                       for side, keys in (("B", only_a), ("A", only_b)) if keys]
        if failed:
            click.echo(f"{'; '.join(failed)} (--fail-on regression)", err=True)
            sys.exit(REGRESSION_EXIT)
