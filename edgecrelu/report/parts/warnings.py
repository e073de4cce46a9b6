"""The section's warnings: noisy cells, inconsistent records."""

from __future__ import annotations

from typing import TYPE_CHECKING

from edgecrelu.report.blocks import BulletList, Heading

if TYPE_CHECKING:
    from edgecrelu.report.blocks import Block
    from edgecrelu.report.model import Report, SectionReport


def blocks(sr: SectionReport, report: Report) -> list[Block]:
    return [Heading("Warnings"), BulletList(sr.warnings)] if sr.warnings else []
