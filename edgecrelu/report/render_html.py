"""report.html: one self-contained page — inline CSS, inline SVG plots, no scripts, no external URLs."""

from __future__ import annotations

import json

from edgecrelu.report.context import header_lines, headline
from edgecrelu.report.markup import e, html_bold_head
from edgecrelu.report.parts import parts

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2rem auto;max-width:1400px;
 color:#1d1d1f;padding:0 1rem;line-height:1.4}
h1{font-size:1.6rem}h2{border-bottom:2px solid #ddd;padding-bottom:.2rem;margin-top:2.5rem}
.verdict{font-size:1.15rem;padding:.8rem 1rem;border-radius:6px;margin:1rem 0}
.GO{background:#e6f4ea;border-left:6px solid #1e8e3e}.NO-GO{background:#fce8e6;border-left:6px solid #c5221f}.INCONCLUSIVE{background:#fef7e0;border-left:6px solid #f9ab00}
.warn{background:#fef7e0;border-left:6px solid #f9ab00;padding:.5rem 1rem;margin:.5rem 0}
table{border-collapse:collapse;font-size:.82rem;margin:.5rem 0}
th,td{border:1px solid #ddd;padding:.25rem .45rem;text-align:right;white-space:nowrap}
th{background:#f3f3f3;white-space:normal;vertical-align:bottom}td.t{text-align:left}
table.tradeoff th{max-width:6.5em}td.w{white-space:normal}
tr.base{background:#eef3fb}tr.viol td.flags{color:#c5221f;font-weight:600}
.plots{display:flex;flex-wrap:wrap;gap:1rem}.plots svg{border:1px solid #eee;background:#fff}
.plotbg{fill:#fafafa}.grid{stroke:#e3e3e3;stroke-width:1}.tick{font-size:11px;fill:#444}
.axis{font-size:12px;fill:#222}.lbl{font-size:10px;fill:#333}
.front{fill:none;stroke:#222;stroke-width:1.5;stroke-dasharray:4 2}.front-pt{stroke:#000;stroke-width:2}
.pt{stroke:#fff;stroke-width:1}.budget{stroke:#c5221f;stroke-width:1.5;stroke-dasharray:6 3}
.whisker{stroke:#222;stroke-width:1.2}.cut{stroke-dasharray:3 2}.ptitle{font-size:14px;font-weight:600;fill:#111}
.budgettxt{font-size:11px;fill:#c5221f}.note{font-size:10px;fill:#555}
pre{background:#f6f6f6;padding:.6rem;overflow-x:auto;font-size:.78rem}
.small{font-size:.85rem;color:#555}.scroll{overflow-x:auto;max-width:100%}
.dataline{font-size:.95rem;background:#f3f6fa;border-left:6px solid #4c72b0;padding:.5rem 1rem;margin:.5rem 0}
.noiseline{font-size:.95rem;background:#fafafa;border-left:6px solid #999;padding:.5rem 1rem;margin:.5rem 0}
.same{font-size:.85rem;color:#333;margin:.3rem 0}
.plots svg{max-width:100%;height:auto}
@media (max-width:900px){body{margin:1rem auto;padding:0 .5rem}table{font-size:.74rem}th,td{padding:.2rem .3rem}}
"""


def render_html(report) -> str:
    v = report
    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           "<title>edgecrelu report: CReLU GO / NO-GO / INCONCLUSIVE</title>", f"<style>{CSS}</style></head><body>",
           "<h1>edgecrelu report: is the CReLU model worth shipping?</h1>",
           f'<p class="plain" id="in-short"><strong>In short:</strong> {e(header_lines(report)["plain"])}</p>',
           f'<div class="verdict {e(v.verdict)}" id="verdict">{html_bold_head(headline(v))}</div>']
    lines = header_lines(report)
    out.append(f'<p class="dataline" id="data-line">{e(lines["data"])}</p>')
    out.append(f'<p class="noiseline" id="noise-line">{e(lines["noise"])}</p>')
    if lines["accuracy"]:
        out.append(f'<p class="noiseline" id="accuracy-line">{e(lines["accuracy"])}</p>')
    for w in v.warnings:
        out.append(f'<div class="warn"><strong>Warning:</strong> {e(w)}</div>')
    section_parts = parts()
    for sr in v.sections:
        out.append(f'<section id="{e(sr.section.slug)}"><h2>{e(sr.section.label)}</h2>')
        for part in section_parts:
            out += part.html(sr, report)
        out.append("</section>")
    out.append("<h2>Reproducibility</h2>")
    out.append(f"<p>Report written {e(report.created_utc)} by edgecrelu {e(report.edgecrelu_version)}"
               + (f" (commit {e(report.commit)})" if report.commit else "") + ".</p>")
    for sr in v.sections:
        out.append(f"<h3>{e(sr.section.label)}</h3><pre>"
                   + e(json.dumps(sr.reproducibility, indent=2, sort_keys=True, default=str)) + "</pre>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"
