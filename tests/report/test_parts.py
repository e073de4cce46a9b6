"""The report's device sections are assembled from the registered parts, in their order."""

from __future__ import annotations

from edgecrelu.report.model import analyze
from edgecrelu.report.parts import PARTS, parts
from edgecrelu.report.render_html import render_html
from edgecrelu.report.render_md import render_md
from tests.report.helpers import load_case


def test_every_part_renders_both_formats_in_registered_order():
    report = analyze(load_case("go"))
    sr = report.sections[0]
    mods = parts()
    assert [m.__name__.rsplit(".", 1)[1] for m in mods] == list(PARTS)
    md, html = render_md(report), render_html(report)
    positions = []
    for m in mods:
        md_lines, html_frags = m.md(sr, report), m.html(sr, report)
        assert all(isinstance(x, str) for x in md_lines + html_frags)
        for frag in html_frags:
            assert frag in html
        first = next((line for line in md_lines if line), None)
        if first is not None:
            assert first in md
            positions.append(md.index(first))
    assert positions == sorted(positions)  # page order is PARTS order
