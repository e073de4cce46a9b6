"""The parts of one device section of report.md and report.html, in page order.

Each part is a module with ``md(sr, report) -> list[str]`` (Markdown lines) and
``html(sr, report) -> list[str]`` (HTML fragments), where ``sr`` is a
:class:`~edgecrelu.report.model.SectionReport`. Adding a part to the report is one module here plus
its line in ``PARTS``.
"""

from __future__ import annotations

import importlib

PARTS = (
    "verdict",  # the section's verdict and the best deployable configuration
    "policy",  # the decision policy the verdict applied
    "plots",  # inline SVG plots (HTML only)
    "tradeoff",  # the trade-off table and its flags
    "forms",  # the fastest exact CReLU form per backend and precision
    "cost",  # devices needed and energy at the line rate
    "warnings",  # the section's noise and consistency warnings
)


def parts():
    return [importlib.import_module(f"edgecrelu.report.parts.{name}") for name in PARTS]
