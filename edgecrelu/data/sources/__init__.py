"""Data sources by spec: ``inspection[:OPTIONS]``, ``digits``, ``imagefolder:PATH``, ``cifar10:PATH``, ``npz:PATH``.

Each source is one module here (listed in ``edgecrelu.registries.DATA_SOURCES``) exposing
``TAKES_PATH`` and ``load(path, size, channels, skip_bad) -> RawSource``: images in raw units,
already at the requested size and channel count (so a folder of large photos never sits in memory
at full resolution), labels, class names, the ``scale`` that maps raw units to [0, 1], and a sha256
of the source's own content. Adding a source is one module here plus its line in the registry.
A source with ``TAKES_OPTIONS`` gets the text after ``name:`` as ``path`` (``inspection:n=600``);
one with ``SYNTHETIC = True`` is generated, not measured, and every record says so.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from edgecrelu.data.sources.common import RawSource
from edgecrelu.errors import EdgeCReLUError, unknown
from edgecrelu.registries import DATA_SOURCES


def specs() -> tuple[str, ...]:
    """What ``--data`` accepts, in registry order: ``digits``, ``imagefolder:PATH``, ..."""
    def spec(name):
        mod = DATA_SOURCES.load(name)
        if mod.TAKES_PATH:
            return f"{name}:PATH"
        return f"{name}[:OPTIONS]" if getattr(mod, "TAKES_OPTIONS", False) else name

    return tuple(spec(name) for name in DATA_SOURCES)


def parse_spec(spec: str) -> tuple[str, str | None]:
    """``"npz:/a/b.npz"`` -> ``("npz", "/a/b.npz")``; ``"digits"`` -> ``("digits", None)``."""
    name, sep, path = str(spec).partition(":")
    name = name.strip()
    if name not in DATA_SOURCES:
        raise unknown("data source", spec, specs())
    mod = DATA_SOURCES.load(name)
    if getattr(mod, "TAKES_OPTIONS", False):
        return name, (path or None)
    if not mod.TAKES_PATH:
        if sep:
            raise EdgeCReLUError(f"data source '{name}' takes no path (got '{spec}')")
        return name, None
    if not path:
        raise EdgeCReLUError(f"data source '{name}' needs a path: {name}:PATH")
    return name, path


def load_source(spec: str, size: tuple[int, int], channels: int | None, skip_bad: bool) -> RawSource:
    name, path = parse_spec(spec)
    mod = DATA_SOURCES.load(name)
    if mod.TAKES_PATH and path is not None and not Path(path).exists():
        raise EdgeCReLUError(f"data source {name}: {path} does not exist")
    if channels not in (None, 1, 3):
        raise EdgeCReLUError(f"channels must be 1 or 3 (got {channels})")
    src = mod.load(path, size, channels, skip_bad)
    info = {"name": name, "synthetic": bool(getattr(mod, "SYNTHETIC", False)), **src.info}
    return replace(src, info=info)
