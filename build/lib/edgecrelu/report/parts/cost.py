"""What the line rate costs: devices needed and energy per configuration at batch 1."""

from __future__ import annotations

from edgecrelu.report import render_text
from edgecrelu.report.cost import demand_sentence
from edgecrelu.report.markup import e, html_table, md_table

_HOW = ("A device serves floor(1000 / p99) images/s at batch 1 (worst case); energy counts inference only, "
        "where power was measured.")


def md(sr, report) -> list[str]:
    return ["### Cost at the line rate", "", f"Demand: {demand_sentence(sr.policy)}. {_HOW}", "",
            md_table(*render_text.cost_cells(sr)), ""]


def html(sr, report) -> list[str]:
    return [f"<h3>Cost at the line rate</h3><p>Demand: {e(demand_sentence(sr.policy))}. {_HOW}</p>",
            html_table(*render_text.cost_cells(sr), text_cols=(0,))]
