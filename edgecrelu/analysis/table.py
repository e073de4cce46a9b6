"""The terminal view of a pairing analysis (and of a conversion)."""

from __future__ import annotations

from tabulate import tabulate

from edgecrelu.report.parts.pairing import HEADERS, conversion_rows, stats_rows


def render_table(data: dict) -> str:
    lines = [tabulate(stats_rows(data), headers=HEADERS, tablefmt="simple", disable_numparse=True), "",
             f"μ_i = cos(φ_i, φ̄_i), φ̄_i the most opposite other filter (BN scale folded in); threshold "
             f"{data['threshold']:g}; random: Gaussian filters of the same shape, {data['draws']} draws."]
    rec = data.get("recommendation")
    if rec:
        lines += [f"Recommended: {rec['variant']} (depth {rec['depth']})", f"Rule: {rec['rule']}."]
    else:
        lines.append("No relu checkpoint analysed: no depth recommended.")
    if data.get("conversion"):
        lines += ["", tabulate(conversion_rows(data["conversion"]), headers=["model", "test acc", "epochs", "note"],
                               tablefmt="simple", disable_numparse=True)]
    return "\n".join(lines)
