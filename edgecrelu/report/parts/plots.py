"""Accuracy vs latency, latency per precision and memory, as inline SVG (the HTML page only).

The plots draw the trade-off table's rows: a CReLU cell at its chosen form (every form's numbers are in
the forms section)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from edgecrelu.report import svg
from edgecrelu.report.blocks import Figure
from edgecrelu.report.rows import table_rows

if TYPE_CHECKING:
    from edgecrelu.report.blocks import Block
    from edgecrelu.report.model import Report, SectionReport


def blocks(sr: SectionReport, report: Report) -> list[Block]:
    rows = table_rows(sr.rows)
    return [Figure([svg.accuracy_vs_latency(rows, sr.policy.latency_budget_p99_ms),
                    svg.latency_per_precision(rows, sr.policy.latency_budget_p99_ms),
                    svg.memory_bars(rows, sr.policy.memory_budget_mb)])]
