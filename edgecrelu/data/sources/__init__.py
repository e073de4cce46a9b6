"""Data sources by spec: ``inspection[:OPTIONS]``, ``digits``, ``imagefolder:PATH``, ``cifar10:PATH``, ``npz:PATH``.

Each source is one module here exposing ``load(path, Request) -> RawSource``: images in raw
units, already at the requested size, channel count and resize policy (so a folder of large photos
never sits in memory at full resolution), labels, class names, the ``scale`` that maps raw units to
[0, 1], a sha256 of the source's own content, and the files it read (with their hashes) and skipped
(with the reason): the run's data check (edgecrelu/data/datacheck.py). Its facts are in its registry entry
(``edgecrelu.registries.DATA_SOURCES``): whether it takes a path (``npz:PATH``), options (the text
after ``name:``, ``inspection:n=600``) or nothing, and whether it is synthetic (generated, not
measured: every record says so). Adding a source is one module here plus its line in the registry.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from edgecrelu.data.sources.common import RawSource, Request
from edgecrelu.errors import EdgeCReLUError, unknown
from edgecrelu.registries import DATA_SOURCES, DATA_SPECS, RESIZE_POLICIES
from edgecrelu.registry_types import SourceEntry


def specs() -> tuple[str, ...]:
    """What ``--data`` accepts, in registry order: ``digits``, ``imagefolder:PATH``, ..."""
    return DATA_SPECS


def _entry(name: str) -> SourceEntry:
    entry = DATA_SOURCES.entry(name)
    assert isinstance(entry, SourceEntry), entry  # the registry lists data sources with their facts
    return entry


def parse_spec(spec: str) -> tuple[str, str | None]:
    """``"npz:/a/b.npz"`` -> ``("npz", "/a/b.npz")``; ``"digits"`` -> ``("digits", None)``."""
    name, sep, path = str(spec).partition(":")
    name = name.strip()
    if name not in DATA_SOURCES:
        raise unknown("data source", spec, specs())
    takes = _entry(name).takes
    if takes == "options":
        return name, (path or None)
    if takes != "path":
        if sep:
            raise EdgeCReLUError(f"data source '{name}' takes no path (got '{spec}')")
        return name, None
    if not path:
        raise EdgeCReLUError(f"data source '{name}' needs a path: {name}:PATH")
    return name, path


def load_source(spec: str, req: Request) -> RawSource:
    name, path = parse_spec(spec)
    entry = _entry(name)
    if entry.takes == "path" and path is not None and not Path(path).exists():
        raise EdgeCReLUError(f"data source {name}: {path} does not exist")
    if req.channels not in (None, 1, 3):
        raise EdgeCReLUError(f"channels must be 1 or 3 (got {req.channels})")
    if req.policy not in RESIZE_POLICIES:
        raise unknown("resize policy", req.policy, RESIZE_POLICIES)
    src = DATA_SOURCES.load(name).load(path, req)
    info = {"name": name, "synthetic": entry.synthetic, **src.info}
    return replace(src, info=info)
