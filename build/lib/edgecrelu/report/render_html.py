"""report.html: one self-contained page — inline CSS, inline SVG plots, no scripts, no external URLs."""

from __future__ import annotations

import json

from edgecrelu.report.markup import e, html_bold_head
from edgecrelu.report.parts import parts

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


def render_html(report) -> str:
    v = report
    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           "<title>edgecrelu report: CReLU GO / NO-GO</title>", f"<style>{CSS}</style></head><body>",
           "<h1>edgecrelu report: is the CReLU model worth shipping?</h1>",
           f'<div class="verdict {e(v.verdict)}" id="verdict">{html_bold_head(v.sentence)}</div>']
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
