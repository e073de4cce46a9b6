"""The HTML renderer on hand-made blocks: it escapes every text it is given, and a table's alignment
comes from its named columns."""

from __future__ import annotations

import re

from edgecrelu.report import blocks as b
from edgecrelu.report.render_html import html_blocks

SCRIPT = "<script>alert('x')</script>"


def test_text_is_escaped_in_paragraphs_and_table_cells():
    page = html_blocks([
        b.Paragraph(f"a {SCRIPT} b", lead=SCRIPT, source=SCRIPT),
        b.Table([b.Column(SCRIPT, text=True)], [[SCRIPT]], row_css=['x" onclick="y']),
        b.Heading(SCRIPT), b.BulletList([SCRIPT], lead=SCRIPT), b.Details(SCRIPT, [SCRIPT]),
        b.Verdict(f"GO: {SCRIPT}", 'GO" onload="x'), b.Alert(SCRIPT), b.Code(SCRIPT),
        b.Section(SCRIPT, '"><script>', [b.Paragraph(SCRIPT)]),
    ])
    assert "<script" not in page and 'onclick="' not in page and 'onload="' not in page
    assert "<p><strong>&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;</strong> a &lt;script&gt;" in page
    assert "<td class=\"t\">&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;</td>" in page


def test_urls_in_text_do_not_read_as_references():
    assert "https://" not in html_blocks([b.Paragraph("see https://example.com")])


def test_alignment_and_wrapping_from_named_columns():
    t = b.Table([b.Column("variant", text=True), b.Column("p50 ms"), b.Column("flags", text=True, css="flags"),
                 b.Column("runner-up", text=True, wrap=True)],
                [["relu", "1.00", "BASE", "—"], ["crelu@2", "0.90", "!lat", "pm1 +3.1% ≈"]],
                row_css=["base", ""], css="tradeoff")
    page = html_blocks([t])
    assert page.startswith('<div class="scroll"><table class="tradeoff"><thead><tr><th data-col="variant">')
    cells = re.findall(r"<td([^>]*)>([^<]*)</td>", page)
    assert cells[:4] == [(' class="t"', "relu"), ("", "1.00"), (' class="t flags"', "BASE"), (' class="t w"', "—")]
    assert '<tr class="base"><td' in page and "<tr><td" in page  # a row without a class has no attribute


def test_figures_pass_through_and_paragraph_classes():
    svg = '<svg width="1" height="1"><title>a &amp; b</title></svg>'
    assert html_blocks([b.Figure([svg, svg])]) == f'<div class="plots">{svg}{svg}</div>'
    assert html_blocks([b.Paragraph("n", note=True)]) == '<p class="small">n</p>'
    assert html_blocks([b.Paragraph("d", css="dataline", id="data-line")]) == '<p class="dataline" id="data-line">d</p>'
    assert html_blocks([b.BulletList(["a", "b"], lead="Policy:", inline=True, css="small")]) == \
        '<p class="small">Policy: a; b</p>'
    assert html_blocks([b.Verdict("GO: ok", "GO", id="verdict")]) == \
        '<div class="verdict GO" id="verdict"><strong>GO</strong>: ok</div>'
