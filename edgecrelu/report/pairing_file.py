"""The pairing analysis of the records' model (``pairing.json`` from ``edgecrelu analyze``,
docs/contracts.md "Pairing analysis"): the one ``report --analysis`` names, or in the bundle directory
itself, in ``analysis/`` beside it (the layout of ``edgecrelu run``), or where ``analyze`` recorded it
in the bundle's train run. Read once when the report is analysed, so the parts
render from what was read."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from edgecrelu.errors import EdgeCReLUError
from edgecrelu.schema import pairing as schema
from edgecrelu.schema.base import check

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PairingFile:
    path: Path
    data: dict[str, Any]  # as read, checked against schema.Pairing


def find_pairing(records: list[dict[str, Any]], analysis: str | Path | None = None) -> PairingFile | None:
    """The first readable pairing analysis of the records' model: the one ``analysis`` names (``report
    --analysis``: a directory holding pairing.json, or the file), else one next to a record's bundle
    path, else where ``analyze`` recorded it in the bundle's train run (run.json ``analysis``, or the
    run's ``analysis/``); one found by looking that is another model's or malformed is left out with a
    warning, one named is refused."""
    if analysis is not None:
        return _named(records, Path(analysis))
    tried: set[Path] = set()
    for rec in records:
        root = (rec.get("bundle") or {}).get("path")
        if not root:
            continue
        for cand in [Path(root) / "pairing.json", Path(root).parent / "analysis" / "pairing.json",
                     *_recorded_in_run(Path(root))]:
            if cand in tried:  # records of one bundle share it: read (and warn) once
                continue
            tried.add(cand)
            try:
                data = json.loads(cand.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            if isinstance(data, dict) and data.get("kind") == schema.KIND:
                problem = _unusable(data, rec, cand.name)
                if problem:  # beside the bundle, but not this model's analysis or not drawable
                    logger.warning(f"warning: {cand} ignored: {problem}")
                    continue
                return PairingFile(cand, data)
    return None


def _recorded_in_run(bundle: Path) -> list[Path]:
    """Where the bundle's train run says ``analyze`` wrote its pairing.json (run.json ``analysis``),
    then the run's own ``analysis/`` (README "Phase pairing"); the run is the manifest's
    ``export.run_dir``."""
    try:
        manifest = json.loads((bundle / "manifest.json").read_text(encoding="utf-8"))
        run_dir = Path(str(manifest["export"]["run_dir"]))
    except (OSError, ValueError, KeyError, TypeError):
        return []
    # relative: to where export ran, unknown here: this directory, or the bundle's folder or the one above
    # it (`export runs/x --out bundles/x` from the project's root)
    runs = [run_dir] if run_dir.is_absolute() else \
        list(dict.fromkeys([Path.cwd() / run_dir, bundle.parent / run_dir, bundle.parent.parent / run_dir]))
    out: list[Path] = []
    for run in runs:
        try:
            recorded = json.loads((run / "run.json").read_text(encoding="utf-8")).get("analysis")
        except (OSError, ValueError, AttributeError):
            continue
        if isinstance(recorded, str) and recorded:
            out.append(Path(recorded) / "pairing.json")
        out.append(run / "analysis" / "pairing.json")
    return out


def _named(records: list[dict[str, Any]], given: Path) -> PairingFile:
    """The pairing analysis ``report --analysis`` names, or a one-line error saying why not."""
    path = given / "pairing.json" if given.is_dir() else given
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError:
        raise EdgeCReLUError(f"--analysis {given}: no pairing.json there (`edgecrelu analyze RUN --out {given}` "
                             "writes one)") from None
    except ValueError as exc:
        raise EdgeCReLUError(f"--analysis {path}: not JSON ({exc})") from None
    if not isinstance(data, dict) or data.get("kind") != schema.KIND:
        raise EdgeCReLUError(f"--analysis {path}: not a pairing analysis (kind {schema.KIND!r})")
    rec = next((r for r in records if (r.get("bundle") or {}).get("model")), records[0] if records else {})
    problem = _unusable(data, rec, path.name)
    if problem:
        raise EdgeCReLUError(f"--analysis {path}: {problem}")
    return PairingFile(path, data)


def _unusable(data: dict[str, Any], rec: dict[str, Any], name: str) -> str | None:
    """Why the pairing analysis ``data`` (the file ``name``) cannot be shown with the record ``rec``:
    another model's (arch or input shape differ), a file its model (:class:`edgecrelu.schema.pairing.Pairing`)
    refuses, or one the pairing part cannot draw; None when it can."""
    model = (rec.get("bundle") or {}).get("model") or {}
    mine = (model.get("arch"), model.get("input_shape"))
    theirs = (data.get("arch"), data.get("input_shape"))
    if theirs != mine:
        return (f"it is the pairing analysis of another model (arch {theirs[0]!r}, input {theirs[1]}; the records' "
                f"model: {mine[0]!r}, input {mine[1]})")
    try:
        typed = check(data, schema.Pairing, name)
    except EdgeCReLUError as exc:
        return f"malformed ({str(exc).removeprefix(f'{name}: ')})"
    if typed.schema_version != schema.SCHEMA_VERSION:
        return f"schema_version {typed.schema_version} (this edgecrelu reads {schema.SCHEMA_VERSION})"
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
