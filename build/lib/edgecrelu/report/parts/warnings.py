"""The section's warnings: noisy cells, inconsistent records."""

from __future__ import annotations

from edgecrelu.report.markup import e


def md(sr, report) -> list[str]:
    return ["### Warnings", ""] + [f"- {w}" for w in sr.warnings] + [""] if sr.warnings else []


def html(sr, report) -> list[str]:
    return ["<h3>Warnings</h3><ul>" + "".join(f"<li>{e(w)}</li>" for w in sr.warnings) + "</ul>"] if sr.warnings else []
