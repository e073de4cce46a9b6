"""The form chosen for each CReLU cell per backend, precision and batch, with its runner-up, the
margin and every form's p50 (the trade-off table shows the chosen form only)."""

from __future__ import annotations

from edgecrelu.report import render_text
from edgecrelu.report.formchoice import forms_summary
from edgecrelu.report.markup import e, html_table, md_table

NONE = "no timed CReLU cells"


def md(sr, report) -> list[str]:
    out = ["### Recommended CReLU form per backend", ""]
    lines = forms_summary(sr.verdict.forms)
    out += [f"- {line}" for line in lines] if lines else [f"- {NONE}"]
    if sr.verdict.forms:
        out += ["", md_table(*render_text.form_cells(sr))]
    return out + [""]


def html(sr, report) -> list[str]:
    out = ["<h3>Recommended CReLU form per backend</h3><ul>"]
    lines = forms_summary(sr.verdict.forms) or [NONE]
    out.append("".join(f"<li>{e(line)}</li>" for line in lines) + "</ul>")
    if sr.verdict.forms:
        headers, body = render_text.form_cells(sr)
        text_cols = tuple(j for j, h in enumerate(headers) if h in render_text.FORM_TEXT_COLS)
        out.append(html_table(headers, body, text_cols=text_cols))
    return out
