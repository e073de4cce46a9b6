"""The pairing analysis that lies beside the records' bundle (``pairing.json`` from ``edgecrelu
analyze``, docs/contracts.md "Pairing analysis"): in the bundle directory itself, or in ``analysis/``
beside it (the layout of ``edgecrelu run``). Read once when the report is analysed, so the parts
render from what was read."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

KIND = "edgecrelu-pairing"

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PairingFile:
    path: Path
    data: dict


def find_pairing(records: list[dict]) -> PairingFile | None:
    """The first readable pairing analysis of the records' model next to a record's bundle path, if
    there is one; one beside it that is another model's or malformed is left out with a warning."""
    tried: set = set()
    for rec in records:
        root = (rec.get("bundle") or {}).get("path")
        if not root:
            continue
        for cand in (Path(root) / "pairing.json", Path(root).parent / "analysis" / "pairing.json"):
            if cand in tried:  # records of one bundle share it: read (and warn) once
                continue
            tried.add(cand)
            try:
                data = json.loads(cand.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            if isinstance(data, dict) and data.get("kind") == KIND:
                problem = _unusable(data, rec)
                if problem:  # beside the bundle, but not this model's analysis or not drawable
                    logger.warning(f"warning: {cand} ignored: {problem}")
                    continue
                return PairingFile(cand, data)
    return None


def _unusable(data: dict, rec: dict) -> str | None:
    """Why the pairing analysis ``data`` cannot be shown with the record ``rec``: another model's
    (arch or input shape differ), or a file the pairing part cannot draw; None when it can."""
    model = (rec.get("bundle") or {}).get("model") or {}
    mine = (model.get("arch"), model.get("input_shape"))
    theirs = (data.get("arch"), data.get("input_shape"))
    if theirs != mine:
        return (f"it is the pairing analysis of another model (arch {theirs[0]!r}, input {theirs[1]}; the records' "
                f"model: {mine[0]!r}, input {mine[1]})")
    from edgecrelu.report.pairing_svg import filters_svg, histogram_svg
    from edgecrelu.report.parts.pairing import _recommend_line, conversion_rows, stats_rows

    try:  # draw it once: a malformed file is a warning here, not a traceback in a renderer
        _recommend_line(data)
        stats_rows(data)
        if data.get("filters"):
            filters_svg(data["filters"])
        for variant, s in (data.get("summary") or {}).items():
            for layer in s["layers"]:
                if layer.get("site") and layer["site"] <= 4:
                    histogram_svg(layer | {"threshold": data.get("threshold", -0.5)}, variant)
        if data.get("conversion"):
            conversion_rows(data["conversion"])
    except (KeyError, TypeError, ValueError, AttributeError, IndexError, ZeroDivisionError) as exc:
        return f"malformed ({type(exc).__name__}: {exc})".splitlines()[0]
    return None
