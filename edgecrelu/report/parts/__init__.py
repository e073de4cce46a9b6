"""The parts of one device section of report.md and report.html, in page order.

Each part is a module with ``blocks(sr, report) -> list`` of :mod:`edgecrelu.report.blocks` (an empty
list: the part has nothing to say for this section), where ``sr`` is a
:class:`~edgecrelu.report.model.SectionReport`; ``render_md`` and ``render_html`` turn the blocks into
each format. Adding a part to the report is one module here plus its line in ``PARTS``.
"""

from __future__ import annotations

import importlib
from types import ModuleType

PARTS = (
    "verdict",  # the section's verdict and the best deployable configuration
    "policy",  # the decision policy the verdict applied
    "tradeoff",  # the trade-off table and its flags (before the plots: the decision columns come first)
    "plots",  # inline SVG plots (HTML only)
    "classes",  # per-class recall, precision and confusion of the configurations the verdict quotes
    "robustness",  # top-1 under the bundle's shifted eval sets, paired to the baseline; the robustness budget
    "front",  # accuracy against the objective and memory, the front with intervals (sweeps: controls, distilled)
    "forms",  # the fastest exact CReLU form per backend and precision
    "opshare",  # where the time goes: op-type shares and QLinearConv counts (ONNX Runtime cells)
    "cost",  # devices needed and energy at the line rate
    "pairing",  # phase pairing of the model's filters, when pairing.json lies beside the bundle
    "cam",  # what the models look at: class activation maps and first-layer phases (cam.json beside pairing.json)
    "measurement",  # how GPU power, memory, engine precision and clocks were measured
    "warnings",  # the section's noise and consistency warnings
)


def parts() -> list[ModuleType]:
    return [importlib.import_module(f"edgecrelu.report.parts.{name}") for name in PARTS]
