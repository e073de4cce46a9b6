"""``edgecrelu report``: the trade-off table, the GO / NO-GO verdict and the report files."""

from __future__ import annotations

import click

from edgecrelu.commands.options import CommaList, tablefmt_option


def _report_formats() -> tuple:
    from edgecrelu.report import FORMATS  # not at import: the report package is not needed for --help

    return FORMATS


@click.command("report")
@click.argument("results_dirs", nargs=-1, required=True, metavar="RESULTS_DIR...")
@click.option("--out", "out", required=True, type=click.Path(file_okay=False),
              help="Report directory (created if needed; other files in it are kept).")
@click.option("--format", "formats", type=CommaList("report format", _report_formats, metavar="FORMAT[,...]"),
              default="md,html,csv,json", show_default=True,
              help="Comma list of files to write: md (report.md), html (report.html), csv (results.csv), "
                   "json (report.json).")
@click.option("--policy", type=click.Path(dir_okay=False),
              help="TOML file with a [decision] table (keys of a device profile's [decision]) overriding the "
                   "policy embedded in the records.")
@click.option("--analysis", type=click.Path(exists=True),
              help="The phase-pairing analysis to show: the directory `edgecrelu analyze --out` wrote (or its "
                   "pairing.json). Default: beside the bundle, or where `analyze` recorded it in the bundle's train run.")
@tablefmt_option
def command(results_dirs: tuple[str, ...], out: str, formats: tuple[str, ...], policy: str | None, analysis: str | None,
            tablefmt: str) -> None:
    """Compare the profiled cells and decide GO / NO-GO for the CReLU model.

    RESULTS_DIR holds result records written by `edgecrelu profile` (several directories, e.g. one
    per device, merge into one report with a section per device).
    """
    from edgecrelu.commands.options import refuse_out_inside_results
    from edgecrelu.report import FORMATS, ReportConfig, build_report

    fmts = formats or FORMATS
    # inside any results directory (not only those given): a later report on that one would read it as records
    refuse_out_inside_results(out, "report output", results_dirs)
    result = build_report(ReportConfig(tuple(results_dirs), out, tuple(fmts), policy, tablefmt, analysis))
    click.echo(result.terminal)
    for f in fmts:
        click.echo(f"wrote {result.files[f]}")
