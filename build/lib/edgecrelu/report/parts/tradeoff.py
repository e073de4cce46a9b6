"""The trade-off table: one row per cell, with its flags."""

from __future__ import annotations

from edgecrelu.report import render_text
from edgecrelu.report.markup import e, html_table, md_table


def md(sr, report) -> list[str]:
    return ["### Trade-off table", "", md_table(*render_text.table_cells(sr.rows)), "",
            "_" + render_text.FLAG_HELP + "_", ""]


def html(sr, report) -> list[str]:
    headers, body = render_text.table_cells(sr.rows)
    classes = ["base" if r.is_baseline else ("viol" if r.violations else "") for r in sr.rows]
    return ["<h3>Trade-off table</h3>" + html_table(headers, body, classes, text_cols=(0, 1, 2, 3)),
            f'<p class="small">{e(render_text.FLAG_HELP)}</p>']
