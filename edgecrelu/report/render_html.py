"""report.html: one self-contained page — inline CSS, inline SVG plots, no scripts, no external URLs.
:func:`html_blocks` is the HTML renderer of report blocks: every text it is given is escaped here."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from edgecrelu.report import blocks as b
from edgecrelu.report.markup import e, split_head
from edgecrelu.report.page import header_blocks, section_blocks

if TYPE_CHECKING:
    from collections.abc import Iterable

    from edgecrelu.report.model import Report

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


def _attrs(css: str = "", id: str = "") -> str:
    return (f' class="{e(css)}"' if css else "") + (f' id="{e(id)}"' if id else "")


def bold_head(sentence: str) -> str:
    """``GO: ...`` with the verdict word in bold."""
    split = split_head(sentence)
    return f"<strong>{e(split[0])}</strong>{e(split[1])}" if split else e(sentence)


def html_table(t: b.Table) -> str:
    """A table in a sideways scroll box: text columns left-aligned (class ``t``), wrapping columns
    may break their cells at spaces (class ``w``)."""
    head = "".join(f'<th data-col="{e(c.name)}">{e(c.name)}</th>' for c in t.columns)
    classes = []
    for c in t.columns:
        names = " ".join(n for n in ("t" if c.text else "", c.css, "w" if c.wrap else "") if n)
        classes.append(f' class="{e(names)}"' if names else "")
    out = [f'<div class="scroll"><table{_attrs(t.css)}><thead><tr>', head, "</tr></thead><tbody>"]
    for i, line in enumerate(t.rows):
        tr = _attrs(t.row_css[i]) if t.row_css else ""
        out.append(f"<tr{tr}>" + "".join(f"<td{k}>{e(cell)}</td>" for k, cell in zip(classes, line, strict=False)) + "</tr>")
    out.append("</tbody></table></div>")
    return "".join(out)


def _paragraph(p: b.Paragraph) -> str:
    text = e(p.text)
    if p.source:
        text += f" <small>({e(p.source)})</small>"
    if p.lead:
        text = f"<strong>{e(p.lead)}</strong> {text}"
    return f"<p{_attrs(p.css or ('small' if p.note else ''), p.id)}>{text}</p>"


def _items(items) -> str:
    return "<ul>" + "".join(f"<li>{e(item)}</li>" for item in items) + "</ul>"


def html_block(block: b.Block) -> str:
    if isinstance(block, b.Section):
        return "\n".join([f'<section id="{e(block.slug)}"><h2>{e(block.label)}</h2>']
                         + [html_block(x) for x in block.blocks] + ["</section>"])
    if isinstance(block, b.Heading):
        return f"<h{block.level}>{e(block.text)}</h{block.level}>"
    if isinstance(block, b.Paragraph):
        return _paragraph(block)
    if isinstance(block, b.BulletList):
        if block.inline:
            said = ([e(block.lead)] if block.lead else []) + ["; ".join(e(x) for x in block.items)]
            return f"<p{_attrs(block.css)}>" + " ".join(said) + "</p>"
        return (f"<p>{e(block.lead)}</p>" if block.lead else "") + _items(block.items)
    if isinstance(block, b.Details):
        return f"<details><summary>{e(block.summary)}</summary>{_items(block.items)}</details>"
    if isinstance(block, b.Verdict):
        return f'<div{_attrs("verdict " + block.word, block.id)}>{bold_head(block.sentence)}</div>'
    if isinstance(block, b.Alert):
        return f'<div class="warn"><strong>Warning:</strong> {e(block.text)}</div>'
    if isinstance(block, b.Table):
        return html_table(block)
    if isinstance(block, b.Code):
        return f"<pre>{e(block.text)}</pre>"
    if isinstance(block, b.Figure):
        return '<div class="plots">' + "".join(block.svgs) + "</div>"  # SVG markup, escaped where drawn
    raise TypeError(f"not a report block: {block!r}")


def html_blocks(blocks: Iterable[b.Block]) -> str:
    return "\n".join(html_block(x) for x in blocks)


def render_html(report: Report) -> str:
    commit = f" (commit {report.commit})" if report.commit else ""
    repro: list[b.Block] = [b.Heading("Reproducibility", 2),
                            b.Paragraph(f"Report written {report.created_utc} by edgecrelu {report.edgecrelu_version}{commit}.")]
    for sr in report.sections:
        repro += [b.Heading(sr.section.label), b.Code(json.dumps(sr.reproducibility, indent=2, sort_keys=True,
                                                                 default=str))]
    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           "<title>edgecrelu report: CReLU GO / NO-GO / INCONCLUSIVE</title>", f"<style>{CSS}</style></head><body>",
           "<h1>edgecrelu report: is the CReLU model worth shipping?</h1>",
           html_blocks(header_blocks(report)), html_blocks(section_blocks(report)), html_blocks(repro),
           "</body></html>"]
    return "\n".join(out) + "\n"
