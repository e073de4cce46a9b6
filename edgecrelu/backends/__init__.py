"""Backends by name (see ``edgecrelu.registries.BACKENDS``). Each is a package
``edgecrelu.backends.<name>`` with a ``loader`` (makes the session / engine / module) and a ``runner``
(activates, infers, deactivates; ``base.Runner``); its ``__init__`` module satisfies the
:class:`~edgecrelu.backends.base.Backend` protocol:

* ``NAME``: the backend name used in cells and device profiles,
* ``EXTRA``: the pip extra that provides its heavy dependency,
* ``check_available() -> None``: raise :class:`MissingDependencyError` (one line, names the extra),
* ``enumerate_cells(bundle, *, variants, precisions, forms, batches, profile) -> list[Cell]``,
* ``make_runner(bundle, cell, profile) -> Runner`` (nothing is loaded until the runner activates).

``onnxruntime`` also has ``reference_runner(model_path)``, the FP32 reference of the accuracy checks
(:class:`~edgecrelu.backends.base.ReferenceBackend`).

Each backend is registered below by a function that imports it and returns it as a ``Backend``:
mypy checks the module against the protocol there, and the import waits for the first use, so
``import edgecrelu.backends`` costs nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal, overload

from edgecrelu.backends.base import Backend, ReferenceBackend
from edgecrelu.registries import BACKENDS


def _onnxruntime() -> ReferenceBackend:
    # `import a.b as`, not `from a import b`: a missing module raises ModuleNotFoundError naming it
    # (profiling.plan.select_backends words that one)
    import edgecrelu.backends.onnxruntime as backend

    return backend


def _tensorrt() -> Backend:
    import edgecrelu.backends.tensorrt as backend

    return backend


def _torch() -> Backend:
    import edgecrelu.backends.torch as backend

    return backend


# one line per name of registries.BACKENDS (tests/test_backends.py checks they agree)
_HOOKS: dict[str, Callable[[], Backend]] = {"onnxruntime": _onnxruntime, "tensorrt": _tensorrt, "torch": _torch}


@overload
def get_backend(name: Literal["onnxruntime"]) -> ReferenceBackend: ...
@overload
def get_backend(name: str) -> Backend: ...
def get_backend(name: str) -> Backend:
    """The backend called ``name``, imported now; an unknown name is a one-line error."""
    return _HOOKS[BACKENDS.check(name)]()
