"""What the models look at (``cam.json`` beside the pairing analysis, written by ``edgecrelu analyze``
on a train run: ``analysis/cam.py``): class activation maps of the ReLU model beside the CReLU models',
one row per class, and the first layer's positive and negative phase on a defect image. Sections
without it leave the part out."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from edgecrelu.report.blocks import Figure, Heading, Paragraph
from edgecrelu.report.cam_svg import cam_svg, phases_svg

if TYPE_CHECKING:
    from edgecrelu.report.blocks import Block
    from edgecrelu.report.model import Report, SectionReport

KIND = "edgecrelu-cam"


def read_cam(sr: SectionReport) -> tuple[Path, dict] | None:
    """(path, content) of the cam.json beside the section's pairing analysis, where one is readable."""
    if sr.pairing is None:
        return None
    path = Path(sr.pairing.path).parent / "cam.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    ok = (isinstance(data, dict) and data.get("kind") == KIND and isinstance(data.get("rows"), list)
          and isinstance(data.get("variants"), list) and isinstance(data.get("layers"), dict))
    return (path, data) if ok else None


def blocks(sr: SectionReport, report: Report) -> list[Block]:
    found = read_cam(sr)
    if found is None:
        return []
    path, data = found
    try:
        figures = [cam_svg(data)] + ([phases_svg(data)] if data.get("phases") else [])
    except (KeyError, TypeError, ValueError, IndexError):  # a cam.json this version cannot draw: left out
        return []
    layers = ", ".join(f"{v}: {data['layers'][v]}" for v in data["variants"])
    per = max((len(r.get("images") or []) for r in data["rows"]), default=0)
    out: list[Block] = [
        Heading("What the models look at"),
        Paragraph(f"For {per} test image(s) of each class (one row per class), where each model's decision comes "
                  f"from: {data.get('method', 'a class activation map')} (layers {layers}); red = the regions that "
                  "raised the true class's score most, ✗ = the model got the image wrong. Below: the first conv "
                  "layer's response on a defect image, split into its positive phase relu(y) and its negative "
                  "phase relu(−y); a ReLU model drops the negative one, a CReLU model keeps it.",
                  source=str(path)),
        Figure(figures),
        Paragraph(f"The figures: {path.parent / 'cam.svg'} and {path.parent / 'phases.svg'}.", note=True),
    ]
    return out
