"""report.md: the verdict first, then a section per machine (its parts: ``report/parts``), then
reproducibility."""

from __future__ import annotations

import json

from edgecrelu.report.context import header_lines, headline
from edgecrelu.report.markup import md_bold_head
from edgecrelu.report.parts import parts


def render_md(report) -> str:
    lines = header_lines(report)
    out = ["# edgecrelu report: CReLU GO / NO-GO", "", f"**In short:** {lines['plain']}", "",
           md_bold_head(headline(report)), "",
           lines["data"], "", lines["noise"], ""]
    if lines["accuracy"]:
        out += [lines["accuracy"], ""]
    for w in report.warnings:
        out.append(f"> **Warning:** {w}")
        out.append("")
    section_parts = parts()
    for sr in report.sections:
        out += [f"## {sr.section.label}", ""]
        for part in section_parts:
            out += part.md(sr, report)
    out += ["## Reproducibility", "",
            f"- report written {report.created_utc} by edgecrelu {report.edgecrelu_version}"
            + (f" (commit {report.commit})" if report.commit else ""), ""]
    for sr in report.sections:
        out += [f"### {sr.section.label}", "", "```json", json.dumps(sr.reproducibility, indent=2, sort_keys=True,
                                                                     default=str), "```", ""]
    return "\n".join(out)
