"""The report's device sections are assembled from the registered parts, in their order; a part says
what it shows as blocks, and each page renders every part's blocks."""

from __future__ import annotations

from edgecrelu.report import blocks as b
from edgecrelu.report.model import analyze
from edgecrelu.report.parts import PARTS, parts
from edgecrelu.report.render_html import html_blocks, render_html
from edgecrelu.report.render_md import md_blocks, render_md
from tests.report.helpers import load_case

BLOCKS = (b.Heading, b.Paragraph, b.BulletList, b.Details, b.Verdict, b.Alert, b.Figure, b.Code, b.Table)


def test_every_part_renders_both_formats_in_registered_order():
    report = analyze(load_case("go"))
    sr = report.sections[0]
    mods = parts()
    assert [m.__name__.rsplit(".", 1)[1] for m in mods] == list(PARTS)
    md, html = render_md(report), render_html(report)
    positions, html_positions = [], []
    for m in mods:
        blocks = m.blocks(sr, report)
        assert all(isinstance(x, BLOCKS) for x in blocks)
        frag = html_blocks(blocks)
        assert frag in html
        if frag:
            html_positions.append(html.index(frag))
        lines = md_blocks(blocks)
        if lines:
            assert "\n".join(lines) in md
            positions.append(md.index("\n".join(lines)))
    assert positions == sorted(positions) and html_positions == sorted(html_positions)  # page order is PARTS order
    # "go" shows verdict, policy, trade-off, forms and cost; the plots are in the HTML only
    assert (len(positions), len(html_positions)) == (5, 6)
