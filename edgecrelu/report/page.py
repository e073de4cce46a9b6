"""The blocks every page format shares: the lines under the title (in short, verdict, data, noise,
warnings) and a section per machine made of its parts (``report/parts``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from edgecrelu.report import blocks as b
from edgecrelu.report.context import header_lines, headline
from edgecrelu.report.parts import parts

if TYPE_CHECKING:
    from edgecrelu.report.model import Report


def header_blocks(report: Report) -> list[b.Block]:
    lines = header_lines(report)
    out: list[b.Block] = [b.Paragraph(lines["plain"], lead="In short:", css="plain", id="in-short"),
           b.Verdict(headline(report), report.verdict, id="verdict"),
           b.Paragraph(lines["data"], css="dataline", id="data-line"),
           b.Paragraph(lines["noise"], css="noiseline", id="noise-line")]
    if lines["accuracy"]:
        out.append(b.Paragraph(lines["accuracy"], css="noiseline", id="accuracy-line"))
    return out + [b.Alert(w) for w in report.warnings]


def section_blocks(report: Report) -> list[b.Section]:
    section_parts = parts()
    return [b.Section(sr.section.label, sr.section.slug,
                      [block for part in section_parts for block in part.blocks(sr, report)])
            for sr in report.sections]
