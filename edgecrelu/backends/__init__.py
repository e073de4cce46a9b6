"""Backends by name. Each module ``edgecrelu.backends.<module>`` exposes:

* ``NAME``: the backend name used in cells and device profiles,
* ``EXTRA``: the pip extra that provides its heavy dependency,
* ``check_available() -> None``: raise :class:`MissingDependencyError` (one line, names the extra),
* ``enumerate_cells(bundle, *, variants, precisions, forms, batches, profile) -> list[Cell]``,
* ``make_runner(bundle, cell, profile) -> Runner``.

Modules are imported lazily, so ``import edgecrelu.backends`` costs nothing.
"""

from __future__ import annotations

import importlib

from edgecrelu.errors import unknown

BACKENDS = {
    "onnxruntime": "edgecrelu.backends.onnxruntime",
    "tensorrt": "edgecrelu.backends.tensorrt",
    "torch": "edgecrelu.backends.torch",
}


def get_backend(name: str):
    if name not in BACKENDS:
        raise unknown("backend", name, BACKENDS)
    return importlib.import_module(BACKENDS[name])
