"""The report: trade-off table, GO / NO-GO decision, cost, in terminal / Markdown / HTML / CSV / JSON.

Library entry point::

    from edgecrelu.report import ReportConfig, build_report
    result = build_report(ReportConfig(results=("results/",), out="report/"))
    print(result.terminal); print(result.verdict, result.sentence)

Nothing heavy is imported: the report runs wherever the records are (no torch, no onnxruntime).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from edgecrelu import results
from edgecrelu.errors import EdgeCReLUError, unknown
from edgecrelu.fileio import atomic_write_files, writing
from edgecrelu.report.model import Report, analyze

FORMATS = ("md", "html", "csv", "json")
FILENAMES = {"md": "report.md", "html": "report.html", "csv": "results.csv", "json": "report.json"}


@dataclass(frozen=True)
class ReportConfig:
    results: tuple  # result directories or record files (directories are searched for *.json)
    out: str | None  # report directory (created if needed; other files in it are left alone); None = write nothing
    formats: tuple = FORMATS  # any of md, html, csv, json
    policy: str | None = None  # TOML file with a [decision] table that overrides the records' policy
    tablefmt: str = "simple"  # tabulate format of the terminal table
    analysis: str | None = None  # the pairing analysis to show (a directory holding pairing.json, or the file)


@dataclass
class ReportResult:
    verdict: str  # "GO" | "NO-GO" | "INCONCLUSIVE" (over all devices)
    sentence: str  # the verdict sentence with the numbers and the reason
    terminal: str  # table + verdict for the terminal
    files: dict = field(default_factory=dict)  # format -> Path written
    report: Report | None = None  # the full analysis (rows, per-device verdicts, cost)
    timings: dict = field(default_factory=dict)  # stage -> seconds (filled in by `edgecrelu run`)


def render(report: Report, fmt: str) -> str:
    if fmt == "md":
        from edgecrelu.report.render_md import render_md
        return render_md(report)
    if fmt == "html":
        from edgecrelu.report.render_html import render_html
        return render_html(report)
    if fmt == "csv":
        from edgecrelu.report.render_csv import render_csv
        return render_csv(report)
    if fmt == "json":
        from edgecrelu.report.render_json import render_json
        return render_json(report)
    raise unknown("report format", fmt, FORMATS)


def build_report(config: ReportConfig) -> ReportResult:
    """Load records, decide, write the requested files into ``config.out``; returns the verdict.

    Everything is read and analysed before the first file is written, so bad input leaves an
    existing report directory untouched.
    """
    for f in config.formats:
        if f not in FORMATS:
            raise unknown("report format", f, FORMATS)
    if not config.results:
        raise EdgeCReLUError("no results given: pass one or more result directories")
    overrides, source = None, None
    if config.policy:
        from edgecrelu.report.policy_source import load_policy_overrides
        overrides = load_policy_overrides(config.policy)
        source = f"{config.policy} overriding the records' device profile"
    results.check_out_outside(config.out, config.results)
    records = results.load_for_verdict(config.results)  # valid, one bundle, no duplicate cell
    report = analyze(records, overrides, source, config.analysis)
    from edgecrelu.report.render_text import render_terminal
    terminal = render_terminal(report, config.tablefmt)
    texts = {f: render(report, f) for f in config.formats}
    files = {}
    if config.out is not None:
        out = Path(config.out)
        if out.exists() and not out.is_dir():
            raise EdgeCReLUError(f"report output {out} exists and is not a directory")
        with writing("the report", out):
            # all or none: a full disk on the last file must not leave a report mixing two runs
            written = atomic_write_files(out, {FILENAMES[f]: text.encode("utf-8") for f, text in texts.items()})
            files = {f: written[FILENAMES[f]] for f in texts}
    return ReportResult(report.verdict, report.sentence, terminal, files, report)


__all__ = ["FORMATS", "FILENAMES", "ReportConfig", "ReportResult", "build_report", "render"]
