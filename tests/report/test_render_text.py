"""The terminal renderer on hand-made blocks: tables in the user's --tablefmt, no HTML-only blocks."""

from __future__ import annotations

from edgecrelu.report import blocks as b
from edgecrelu.report.render_text import text_blocks

TABLE = b.Table([b.Column("variant", text=True), b.Column("p50 ms")], [["relu", "1.00"], ["crelu@2", "0.90"]])


def test_tables_follow_the_tablefmt():
    simple, grid = text_blocks([TABLE]), text_blocks([TABLE], "grid")
    assert simple.splitlines()[0].split() == ["variant", "p50", "ms"] and "+" not in simple
    assert grid.startswith("+----") and "| crelu@2   | 0.90     |" in grid
    assert "| 1.00" in text_blocks([TABLE], "github")  # numbers stay as written (no number parsing)


def test_blocks_as_lines():
    out = text_blocks([b.Alert("two machines"), b.Heading("cpu on vm"), b.Paragraph("plain", lead="In short:"),
                       b.Figure(["<svg/>"]), b.Verdict("GO: fast", "GO"), b.BulletList(["a"], lead="Policy:"),
                       b.Paragraph("")])
    assert out.split("\n") == ["WARNING: two machines", "", "== cpu on vm ==", "In short: plain", "GO: fast",
                               "Policy:", "- a", ""]
