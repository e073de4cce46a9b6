"""The section's warnings: noisy cells, inconsistent records."""

from __future__ import annotations

from edgecrelu.report.blocks import BulletList, Heading


def blocks(sr, report) -> list:
    return [Heading("Warnings"), BulletList(sr.warnings)] if sr.warnings else []
