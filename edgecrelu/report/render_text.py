"""The terminal view of the report, and :func:`text_blocks`, the plain-text renderer of report
blocks (tables through tabulate in the user's ``--tablefmt``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tabulate import tabulate

from edgecrelu.report import blocks as b
from edgecrelu.report.context import fallback_line, header_lines
from edgecrelu.report.deployment_cost import demand_sentence
from edgecrelu.report.formchoice import forms_summary
from edgecrelu.report.parts import tradeoff

if TYPE_CHECKING:
    from collections.abc import Iterable

    from edgecrelu.report.model import Report


def text_lines(block: b.Block, tablefmt: str = "simple") -> list[str]:
    """The lines of one block; no blank line between blocks (a heading opens with one)."""
    if isinstance(block, b.Section):
        return text_lines(b.Heading(block.label)) + [line for x in block.blocks for line in text_lines(x, tablefmt)]
    if isinstance(block, b.Heading):
        return ["", f"== {block.text} =="]
    if isinstance(block, b.Paragraph):
        text = f"From {block.source}. {block.text}" if block.source else block.text
        return [f"{block.lead} {text}" if block.lead else text]
    if isinstance(block, (b.BulletList, b.Details)):
        lead = block.lead if isinstance(block, b.BulletList) else block.summary + ":"
        return ([lead] if lead else []) + [f"- {item}" for item in block.items]
    if isinstance(block, b.Verdict):
        return [block.sentence]
    if isinstance(block, b.Alert):
        return [f"WARNING: {block.text}"]
    if isinstance(block, b.Table):
        return [tabulate(block.rows, headers=block.headers, tablefmt=tablefmt, disable_numparse=True)]
    if isinstance(block, b.Code):
        return [block.text]
    if isinstance(block, b.Figure):
        return []
    raise TypeError(f"not a report block: {block!r}")


def text_blocks(blocks: Iterable[b.Block], tablefmt: str = "simple") -> str:
    return "\n".join(line for block in blocks for line in text_lines(block, tablefmt))


def terminal_blocks(report: Report) -> list[b.Block]:
    """Per machine: the trade-off table, the recommended forms, the cost and the verdict lines; then the
    data and noise lines and the overall verdict."""
    several = len(report.sections) > 1

    def tagged(sr, line):  # with several machines, a line names its own
        return b.Paragraph((f"[{sr.section.label}] " if several else "") + line)

    out: list = [b.Alert(w) for w in report.warnings]
    for sr in report.sections:
        out.append(b.Heading(sr.section.label))
        table, same = tradeoff.table(sr.table_rows).collapse(tradeoff.KEEP)
        if same:
            out.append(b.Paragraph("same on every row: " + "; ".join(same)))
        out += [table, b.Paragraph(tradeoff.flag_help(sr))]
        out += [b.Paragraph(f"recommended CReLU form — {line}") for line in forms_summary(sr.verdict.forms)]
        best = sr.verdict.best_overall
        best_cost = next((c for c in sr.costs if best and c.label == best.row.label), None)
        if best_cost:
            out.append(b.Paragraph(f"cost ({demand_sentence(sr.policy)}): best deployable needs "
                                   f"{best_cost.devices_needed} device(s), {best_cost.stations_per_device} "
                                   "station(s) per device"))
        out.append(b.Paragraph(sr.verdict.best_overall_sentence))
        fallback = fallback_line(sr.rows)
        if fallback:
            out.append(tagged(sr, fallback))
        if several:
            out.append(tagged(sr, sr.verdict.sentence))
        if sr.verdict.decide_line:
            out.append(tagged(sr, sr.verdict.decide_line))
    lines = header_lines(report)
    out += [b.Paragraph(""), b.Paragraph(lines["data"]), b.Paragraph(lines["noise"])]  # a blank line first
    if lines["accuracy"]:
        out.append(b.Paragraph(lines["accuracy"]))
    for sr in report.sections:  # how the latency was measured and why it stopped
        stop = next((m for m in sr.verdict.measurement if m.startswith("Stopped:")), None)
        if stop:
            out.append(tagged(sr, stop))
    return out + [b.Paragraph(report.sentence), b.Paragraph(lines["plain"], lead="In short:")]


def render_terminal(report: Report, tablefmt: str = "simple") -> str:
    return text_blocks(terminal_blocks(report), tablefmt)
