"""The fastest exact CReLU form per backend and precision, with its runner-up."""

from __future__ import annotations

from edgecrelu.report import render_text
from edgecrelu.report.decision import forms_summary
from edgecrelu.report.markup import e, html_table, md_table


def md(sr, report) -> list[str]:
    out = ["### Recommended CReLU form per backend", ""]
    lines = forms_summary(sr.verdict.forms)
    out += [f"- {line}" for line in lines] if lines else ["- no CReLU cells at batch 1"]
    if sr.verdict.forms:
        out += ["", md_table(*render_text.form_cells(sr))]
    return out + [""]


def html(sr, report) -> list[str]:
    out = ["<h3>Recommended CReLU form per backend</h3><ul>"]
    lines = forms_summary(sr.verdict.forms) or ["no CReLU cells at batch 1"]
    out.append("".join(f"<li>{e(line)}</li>" for line in lines) + "</ul>")
    if sr.verdict.forms:
        out.append(html_table(*render_text.form_cells(sr), text_cols=(0, 1, 2, 3, 5)))
    return out
