"""report.md: the verdict first, then a section per machine (its parts: ``report/parts``), then
reproducibility. :func:`md_blocks` is the Markdown renderer of report blocks."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from tabulate import tabulate

from edgecrelu.report import blocks as b
from edgecrelu.report.markup import split_head
from edgecrelu.report.page import header_blocks, section_blocks

if TYPE_CHECKING:
    from collections.abc import Iterable

    from edgecrelu.report.model import Report


def md_table(t: b.Table) -> str:
    # every cell is left-aligned as text (disable_numparse); github tables carry no alignment row
    esc = [[c.replace("|", "\\|") for c in line] for line in t.rows]
    return tabulate(esc, headers=t.headers, tablefmt="github", disable_numparse=True)


def bold_head(sentence: str) -> str:
    """``**GO**: ...``: the verdict word in bold."""
    split = split_head(sentence)
    return f"**{split[0]}**{split[1]}" if split else sentence


def _paragraph(p: b.Paragraph) -> str:
    text = f"_{p.text}_" if p.note else p.text
    if p.source:
        text = f"From `{p.source}`. {text}"
    return f"**{p.lead}** {text}" if p.lead else text


def md_lines(block: b.Block) -> list[str]:
    """The Markdown lines of one block, a blank line after it."""
    if isinstance(block, b.Section):
        return [f"## {block.label}", ""] + md_blocks(block.blocks)
    if isinstance(block, b.Heading):
        out = ["#" * block.level + " " + block.text]
    elif isinstance(block, b.Paragraph):
        out = [_paragraph(block)]
    elif isinstance(block, b.BulletList):
        out = ([block.lead, ""] if block.lead else []) + [f"- {item}" for item in block.items]
    elif isinstance(block, b.Details):
        out = [block.summary + ":", ""] + [f"- {item}" for item in block.items]
    elif isinstance(block, b.Verdict):
        out = [bold_head(block.sentence)]
    elif isinstance(block, b.Alert):
        out = [f"> **Warning:** {block.text}"]
    elif isinstance(block, b.Table):
        out = [md_table(block)]
    elif isinstance(block, b.Code):
        out = [f"```{block.lang}", block.text, "```"]
    elif isinstance(block, b.Figure):
        return []  # inline SVG: the HTML page only
    else:
        raise TypeError(f"not a report block: {block!r}")
    return out + [""]


def md_blocks(blocks: Iterable[b.Block]) -> list[str]:
    return [line for block in blocks for line in md_lines(block)]


def render_md(report: Report) -> str:
    out = ["# edgecrelu report: CReLU GO / NO-GO", ""] + md_blocks(header_blocks(report))
    out += md_blocks(section_blocks(report))
    commit = f" (commit {report.commit})" if report.commit else ""
    repro: list[b.Block] = [b.Heading("Reproducibility", 2),
                            b.BulletList([f"report written {report.created_utc} by edgecrelu {report.edgecrelu_version}{commit}"])]
    for sr in report.sections:
        repro += [b.Heading(sr.section.label),
                  b.Code(json.dumps(sr.reproducibility, indent=2, sort_keys=True, default=str))]
    return "\n".join(out + md_blocks(repro))
