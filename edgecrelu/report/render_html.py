"""report.html: one self-contained page — inline CSS, inline SVG plots, no scripts, no external URLs."""

from __future__ import annotations

import json
from html import escape

from edgecrelu.report import render_text, svg
from edgecrelu.report.cost import demand_sentence
from edgecrelu.report.decision import forms_summary
from edgecrelu.report.render_md import policy_lines

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2rem auto;max-width:1400px;
 color:#1d1d1f;padding:0 1rem;line-height:1.4}
h1{font-size:1.6rem}h2{border-bottom:2px solid #ddd;padding-bottom:.2rem;margin-top:2.5rem}
.verdict{font-size:1.15rem;padding:.8rem 1rem;border-radius:6px;margin:1rem 0}
.GO{background:#e6f4ea;border-left:6px solid #1e8e3e}.NO-GO{background:#fce8e6;border-left:6px solid #c5221f}
.warn{background:#fef7e0;border-left:6px solid #f9ab00;padding:.5rem 1rem;margin:.5rem 0}
table{border-collapse:collapse;font-size:.82rem;margin:.5rem 0}
th,td{border:1px solid #ddd;padding:.25rem .45rem;text-align:right;white-space:nowrap}
th{background:#f3f3f3}td.t{text-align:left}
tr.base{background:#eef3fb}tr.viol td.flags{color:#c5221f;font-weight:600}
.plots{display:flex;flex-wrap:wrap;gap:1rem}.plots svg{border:1px solid #eee;background:#fff}
.plotbg{fill:#fafafa}.grid{stroke:#e3e3e3;stroke-width:1}.tick{font-size:11px;fill:#444}
.axis{font-size:12px;fill:#222}.lbl{font-size:10px;fill:#333}
.front{fill:none;stroke:#222;stroke-width:1.5;stroke-dasharray:4 2}.front-pt{stroke:#000;stroke-width:2}
.pt{stroke:#fff;stroke-width:1}.budget{stroke:#c5221f;stroke-width:1.5;stroke-dasharray:6 3}
.whisker{stroke:#222;stroke-width:1.2}
pre{background:#f6f6f6;padding:.6rem;overflow-x:auto;font-size:.78rem}
.small{font-size:.85rem;color:#555}.scroll{overflow-x:auto}
"""


def _e(s) -> str:
    # "://" from record text (e.g. a URL in an environment field) is broken up, so that nothing in the
    # page reads as an external reference.
    return escape(str(s), quote=True).replace("://", ":&#47;&#47;")


def _bold_head(sentence: str) -> str:
    """``GO: ...`` with the verdict word in bold."""
    head, sep, rest = sentence.partition(":")
    return f"<strong>{_e(head)}</strong>{_e(sep + rest)}" if sep else _e(sentence)


def _table(headers, body, row_classes=None, text_cols=()) -> str:
    out = ['<div class="scroll"><table><thead><tr>', "".join(f"<th>{_e(h)}</th>" for h in headers), "</tr></thead><tbody>"]
    for i, line in enumerate(body):
        cls = f' class="{row_classes[i]}"' if row_classes and row_classes[i] else ""
        cells = []
        for j, c in enumerate(line):
            k = ' class="t"' if j in text_cols else (' class="flags"' if headers[j] == "flags" else "")
            cells.append(f"<td{k}>{_e(c)}</td>")
        out.append(f"<tr{cls}>" + "".join(cells) + "</tr>")
    out.append("</tbody></table></div>")
    return "".join(out)


def render_html(report) -> str:
    v = report
    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           "<title>edgecrelu report: CReLU GO / NO-GO</title>", f"<style>{CSS}</style></head><body>",
           "<h1>edgecrelu report: is the CReLU model worth shipping?</h1>",
           f'<div class="verdict {_e(v.verdict)}" id="verdict">{_bold_head(v.sentence)}</div>']
    for w in v.warnings:
        out.append(f'<div class="warn"><strong>Warning:</strong> {_e(w)}</div>')
    for sr in v.sections:
        vd = sr.verdict
        out.append(f'<section id="{_e(sr.section.slug)}"><h2>{_e(sr.section.label)}</h2>')
        out.append(f'<div class="verdict {_e(vd.verdict)}">{_bold_head(vd.sentence)}</div>')
        out.append(f"<p>{_e(vd.best_overall_sentence)}</p>")
        out.append("<p class=\"small\">Policy (" + _e(report.policy_source) + "): "
                   + "; ".join(_e(x) for x in policy_lines(sr.policy)) + "</p>")
        out.append('<div class="plots">')
        out.append(svg.accuracy_vs_latency(sr.rows, sr.policy.latency_budget_p99_ms))
        out.append(svg.latency_per_precision(sr.rows))
        out.append(svg.memory_bars(sr.rows, sr.policy.memory_budget_mb))
        out.append("</div>")
        headers, body = render_text.table_cells(sr.rows)
        classes = ["base" if r.is_baseline else ("viol" if r.violations else "") for r in sr.rows]
        out.append("<h3>Trade-off table</h3>" + _table(headers, body, classes, text_cols=(0, 1, 2, 3)))
        out.append(f'<p class="small">{_e(render_text.FLAG_HELP)}</p>')
        out.append("<h3>Recommended CReLU form per backend</h3><ul>")
        lines = forms_summary(vd.forms) or ["no CReLU cells at batch 1"]
        out.append("".join(f"<li>{_e(line)}</li>" for line in lines) + "</ul>")
        if vd.forms:
            out.append(_table(*render_text.form_cells(sr), text_cols=(0, 1, 2, 3, 5)))
        out.append(f"<h3>Cost at the line rate</h3><p>Demand: {_e(demand_sentence(sr.policy))}. A device serves "
                   "floor(1000 / p99) images/s at batch 1 (worst case); energy counts inference only, where power "
                   "was measured.</p>")
        out.append(_table(*render_text.cost_cells(sr), text_cols=(0,)))
        if sr.warnings:
            out.append("<h3>Warnings</h3><ul>" + "".join(f"<li>{_e(w)}</li>" for w in sr.warnings) + "</ul>")
        out.append("</section>")
    out.append("<h2>Reproducibility</h2>")
    out.append(f"<p>Report written {_e(report.created_utc)} by edgecrelu {_e(report.edgecrelu_version)}"
               + (f" (commit {_e(report.commit)})" if report.commit else "") + ".</p>")
    for sr in v.sections:
        out.append(f"<h3>{_e(sr.section.label)}</h3><pre>"
                   + _e(json.dumps(sr.reproducibility, indent=2, sort_keys=True, default=str)) + "</pre>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"
