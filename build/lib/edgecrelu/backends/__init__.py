"""Backends by name (see ``edgecrelu.registries.BACKENDS``). Each is a package
``edgecrelu.backends.<name>`` with a ``loader`` (makes the session / engine / module) and a ``runner``
(activates, infers, deactivates; ``base.Runner``), and exposes:

* ``NAME``: the backend name used in cells and device profiles,
* ``EXTRA``: the pip extra that provides its heavy dependency,
* ``check_available() -> None``: raise :class:`MissingDependencyError` (one line, names the extra),
* ``enumerate_cells(bundle, *, variants, precisions, forms, batches, profile) -> list[Cell]``,
* ``make_runner(bundle, cell, profile) -> Runner`` (nothing is loaded until the runner activates).

``onnxruntime`` also has ``reference_runner(model_path)``, the FP32 reference of the accuracy checks.

Modules are imported lazily, so ``import edgecrelu.backends`` costs nothing.
"""

from __future__ import annotations

from edgecrelu.registries import BACKENDS


def get_backend(name: str):
    return BACKENDS.load(name)
