"""The Markdown renderer on hand-made blocks."""

from __future__ import annotations

from edgecrelu.report import blocks as b
from edgecrelu.report.render_md import md_blocks


def test_table_columns_by_name_left_aligned_pipes_escaped():
    t = b.Table([b.Column("variant", text=True), b.Column("p50 ms"), b.Column("note", text=True)],
                [["relu", "1.00", "a | b"], ["crelu-half@4", "12.5", ""]])
    lines = "\n".join(md_blocks([t])).splitlines()
    assert [c.strip() for c in lines[0].strip("|").split("|")] == ["variant", "p50 ms", "note"]
    # github tables have no alignment row: every column reads left-aligned, numbers too, as the report
    # always printed them (the column's kind sets the HTML alignment)
    assert ":" not in lines[1] and set(lines[1]) <= {"|", "-"}
    assert lines[3].startswith("| crelu-half@4 | 12.5 ")
    assert "a \\| b" in lines[2]


def test_paragraphs_lists_and_verdicts():
    out = md_blocks([
        b.Heading("Cost", 3),
        b.Paragraph("the plain words", lead="In short:"),
        b.Paragraph("small print", note=True),
        b.Paragraph("Recommended: relu.", source="/x/pairing.json"),
        b.BulletList(["a", "b"], lead="Policy (records):", inline=True),
        b.Details("How the verdict is reached", ["rule 1"]),
        b.Verdict("NO-GO: too slow", "NO-GO"),
        b.Alert("two machines"),
        b.Figure(["<svg></svg>"]),
        b.Code('{"a": 1}'),
    ])
    assert out == ["### Cost", "",
                   "**In short:** the plain words", "",
                   "_small print_", "",
                   "From `/x/pairing.json`. Recommended: relu.", "",
                   "Policy (records):", "", "- a", "- b", "",
                   "How the verdict is reached:", "", "- rule 1", "",
                   "**NO-GO**: too slow", "",
                   "> **Warning:** two machines", "",
                   "```json", '{"a": 1}', "```", ""]  # the figure: HTML only


def test_a_section_is_a_second_level_heading_over_its_blocks():
    assert md_blocks([b.Section("cpu on vm", "cpu-on-vm", [b.Paragraph("x")])]) == ["## cpu on vm", "", "x", ""]
