"""The terminal view of a pairing analysis (and of a conversion)."""

from __future__ import annotations

from edgecrelu.report.blocks import Table
from edgecrelu.report.parts.pairing import COLUMNS, CONVERSION_COLUMNS, conversion_rows, stats_rows
from edgecrelu.report.render_text import text_blocks


def render_conversion(conv: dict) -> str:
    return text_blocks([Table(CONVERSION_COLUMNS, conversion_rows(conv))])


def render_table(data: dict) -> str:
    lines = [text_blocks([Table(COLUMNS, stats_rows(data))]), "",
             f"μ_i = cos(φ_i, φ̄_i), φ̄_i the most opposite other filter (BN scale folded in); threshold "
             f"{data['threshold']:g}; random: Gaussian filters of the same shape, {data['draws']} draws."]
    rec = data.get("recommendation")
    if rec:
        lines += [f"Recommended: {rec['variant']} (depth {rec['depth']})", f"Rule: {rec['rule']}."]
    else:
        lines.append("No relu checkpoint analysed: no depth recommended.")
    if data.get("conversion"):
        lines += ["", render_conversion(data["conversion"])]
    return "\n".join(lines)
