"""The types the name registries of ``registries.py`` are made of (:class:`Registry`, :class:`Entry`,
:class:`SourceEntry`): one source of truth for each set of names the tool takes (backends, precisions,
CReLU forms, data sources). CLI choices, help text and validation are generated from them, so adding
a backend, a form or a data source is one new module plus its registration line.

An entry names the module that implements it; the module is imported only when the entry is used,
so a registry costs nothing at import (no torch, tensorrt or onnx behind a ``--help``).
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from types import ModuleType

from edgecrelu.errors import unknown

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Entry:
    name: str  # what users type and what records store
    help: str  # one line for --help and error messages
    module: str = ""  # the implementing module, imported lazily by Registry.load; "" when none


@dataclass(frozen=True)
class SourceEntry(Entry):
    """A data source: what follows ``name:`` in a ``--data`` spec is known here, so ``--help`` and
    spec parsing import no source module."""

    takes: str = ""  # "path" (name:PATH, required), "options" (name[:OPTIONS]) or "" (the name alone)
    synthetic: bool = False  # generated, not measured: every record says so

    @property
    def spec(self) -> str:
        """What ``--data`` accepts for it: ``digits``, ``npz:PATH``, ``inspection[:OPTIONS]``."""
        return {"path": f"{self.name}:PATH", "options": f"{self.name}[:OPTIONS]"}.get(self.takes, self.name)


class Registry:
    """An ordered set of :class:`Entry`, looked up by name with a one-line error for unknown names."""

    def __init__(self, what: str, entries: Iterable[Entry]):
        self.what = what  # "backend", "precision", ... (used in messages)
        self._entries = {e.name: e for e in entries}

    def __contains__(self, name) -> bool:
        return name in self._entries

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self._entries)

    def entry(self, name: str) -> Entry:
        """The entry called ``name``, or ``unknown backend 'x'; choose one of: ...``."""
        try:
            return self._entries[name]
        except KeyError:
            raise unknown(self.what, name, self._entries) from None

    def check(self, name: str) -> str:
        return self.entry(name).name

    def load(self, name: str) -> ModuleType:
        """Import and return the module that implements ``name``."""
        module = self.entry(name).module
        logger.debug(f"{self.what} {name}: {module}")
        return importlib.import_module(module)

    def help_text(self) -> str:
        """``a (what a is), b (what b is)`` for a CLI option's help."""
        return ", ".join(f"{e.name} ({e.help})" if e.help else e.name for e in self._entries.values())
