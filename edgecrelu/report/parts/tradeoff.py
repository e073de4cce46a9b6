"""The trade-off table: one row per cell (a CReLU cell at its chosen form, with the runner-up), decision
columns first; columns equal on every row are said once in a line above it."""

from __future__ import annotations

from edgecrelu.report import render_text
from edgecrelu.report.markup import e, html_table, md_table

TEXT_COLS = ("variant", "form", "runner-up", "prec", "backend", "flags")


def md(sr, report) -> list[str]:
    headers, body, same = render_text.collapse(*render_text.table_cells(sr.table_rows))
    head = [f"Same on every row: {'; '.join(same)}.", ""] if same else []
    return ["### Trade-off table", ""] + head + [md_table(headers, body), "", "_" + render_text.FLAG_HELP + "_", ""]


def html(sr, report) -> list[str]:
    rows = sr.table_rows
    headers, body, same = render_text.collapse(*render_text.table_cells(rows))
    classes = ["base" if r.is_baseline else ("viol" if r.violations else "") for r in rows]
    head = f'<p class="same">Same on every row: {e("; ".join(same))}.</p>' if same else ""
    text_cols = tuple(j for j, h in enumerate(headers) if h in TEXT_COLS)
    wrap = tuple(j for j, h in enumerate(headers) if h == "runner-up")  # "pm1 +3.1% ≈" may take two lines
    return ["<h3>Trade-off table</h3>" + head
            + html_table(headers, body, classes, text_cols=text_cols, table_class="tradeoff", wrap_cols=wrap),
            f'<p class="small">{e(render_text.FLAG_HELP)}</p>']
