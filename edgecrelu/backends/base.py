"""Loader and Runner (Polygraphy's split), and the :class:`Backend` protocol. A :class:`Loader` produces
what a backend runs (an ONNX Runtime session, a TensorRT engine, a torch module) when called; a
:class:`Runner` calls its loader in ``activate``, then only infers until ``deactivate``. Runners are
context managers with ``*_impl`` hooks. Heavy imports (onnxruntime providers, tensorrt, pycuda, torch)
happen inside loaders' and runners' methods, never at package import. Also the cell / artifact helpers
the ONNX backends share.

A backend is a package whose ``__init__`` module satisfies :class:`Backend`; mypy checks each one where
``edgecrelu.backends`` registers it (``_HOOKS``), and each runner's hooks against :class:`Runner`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Collection, Iterable, Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any, Generic, Literal, Protocol, TypeVar

import numpy as np

from edgecrelu.errors import EdgeCReLUError

if TYPE_CHECKING:
    from edgecrelu.bundle import Artifact, Bundle
    from edgecrelu.devices import DeviceProfile
    from edgecrelu.results import Cell

Feed = Mapping[str, np.ndarray]  # input name -> host array
Outputs = dict[str, np.ndarray]  # output name -> host array
InferFn = Callable[[Feed], Any]  # what the timed loop calls once per sample (its result is not read)
T = TypeVar("T")


class Backend(Protocol):
    """The hooks module of a backend, ``edgecrelu.backends.<name>`` (its ``__init__.py``), as the
    profiler uses it. Module-level names satisfy it: ``NAME = "..."`` and plain functions."""

    NAME: str  # the backend name used in cells, records and device profiles
    EXTRA: str  # the pip extra that provides its heavy dependency ("" when it is a core dependency)

    def check_available(self) -> None:
        """Raise :class:`~edgecrelu.errors.MissingDependencyError` (one line, names the extra)."""

    def enumerate_cells(self, bundle: Bundle, *, variants: Collection[str] | None = ...,
                        precisions: Collection[str] | None = ..., forms: Collection[str] | None = ...,
                        batches: Iterable[int] = ..., profile: DeviceProfile | None = ...) -> list[Cell]:
        """The cells this backend can run from ``bundle`` after filtering, sorted."""
        ...

    def make_runner(self, bundle: Bundle, cell: Cell, profile: DeviceProfile) -> Runner:
        """The runner of one cell; nothing is loaded until it activates."""
        ...


class ReferenceBackend(Backend, Protocol):
    """The backend that also runs the FP32 reference of the accuracy checks (onnxruntime)."""

    def reference_runner(self, model_path: str | os.PathLike[str]) -> Runner:
        """ONNX Runtime on the CPU, one thread, over the fp32 ONNX file at ``model_path``."""
        ...


class Loader(Generic[T]):
    """Produces one backend's model object (``T``) when called (``loader()``); a runner calls it on
    activation, so building or loading (seconds to minutes for a TensorRT engine) never happens at
    construction."""

    def __call__(self) -> T:
        return self.load()

    def load(self) -> T:
        raise NotImplementedError


class Runner:
    """Runs one model (one cell) on one backend.

    ``infer(feed)`` is synchronous: when it returns, outputs are host numpy arrays and the device is
    idle, so a wall-clock timer around it measures what an application sees (no enqueue-only timing).
    """

    name = "runner"

    def __init__(self) -> None:
        self.is_active = False

    # -- lifecycle -------------------------------------------------------------------------
    def activate(self) -> Runner:
        if self.is_active:
            return self
        self.activate_impl()
        # The timed loop calls runner.infer once per sample: while active, infer is infer_impl itself,
        # one Python frame over the backend call (scripts/bench_overhead.py). An instance attribute
        # shadows the method (deactivate pops it); same signature, so the type is unchanged.
        vars(self)["infer"] = self.infer_impl
        self.is_active = True
        return self

    def deactivate(self) -> None:
        if not self.is_active:
            return
        vars(self).pop("infer", None)  # back to Runner.infer, which refuses an inactive runner
        try:
            self.deactivate_impl()
        finally:
            self.is_active = False

    def __enter__(self) -> Runner:
        return self.activate()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> Literal[False]:
        self.deactivate()
        return False

    # -- inference -------------------------------------------------------------------------
    def infer(self, feed: Feed) -> Outputs:
        """Only reached while inactive: :meth:`activate` shadows it with :meth:`infer_impl`."""
        raise EdgeCReLUError(f"{self.name}: infer() called before activate()")

    def input_names(self) -> list[str]:
        return self.input_names_impl()

    # -- what a record needs beyond wall-clock time -----------------------------------------
    def timing_call(self, feed: Feed) -> InferFn:
        """The callable the timed loop calls with ``feed`` (default: :meth:`infer`, end to end). A
        runner may stage the input once here and return a device-only call (trtexec's
        ``--noDataTransfers``); accuracy always goes through :meth:`infer`."""
        return self.infer

    def stage_times_ms(self) -> dict[str, float] | None:
        """Per-stage times of the last ``infer`` (``{"h2d": ms, "compute": ms, "d2h": ms}``), or None."""
        return None

    def memory_info(self) -> dict[str, Any]:
        """Device-side memory facts (``device_bytes``, ``activation_bytes``, ``engine_bytes``...)."""
        return {}

    def describe(self) -> dict[str, Any]:
        """Settings to record: provider, threads, optimisation level, engine key, ..."""
        return {"backend": self.name}

    # -- hooks -----------------------------------------------------------------------------
    def activate_impl(self) -> None:
        raise NotImplementedError

    def infer_impl(self, feed: Feed) -> Outputs:
        raise NotImplementedError

    def deactivate_impl(self) -> None:
        pass

    def input_names_impl(self) -> list[str]:
        raise NotImplementedError


def onnx_cells(bundle: Bundle, backend: str, *, variants: Collection[str] | None = None,
               precisions: Collection[str] | None = None, forms: Collection[str] | None = None,
               batches: Iterable[int] = (1,)) -> list[Cell]:
    """Cells of a backend that runs the bundle's ONNX files: one per artifact (after filtering) and batch."""
    from edgecrelu.results import Cell

    cells = {Cell(a.variant, a.form, a.precision, backend, int(b))
             for a in bundle.artifacts(variants=variants, precisions=precisions, forms=forms) for b in batches}
    return sorted(cells)


def find_artifact(bundle: Bundle, cell: Cell) -> Artifact | None:
    """The bundle artifact a cell runs, or None (a torch cell runs weights, not an ONNX file)."""
    return next(iter(bundle.artifacts(variants=[cell.variant], precisions=[cell.precision], forms=[cell.form])), None)


def artifact_for(bundle: Bundle, cell: Cell) -> Artifact:
    """The bundle artifact a cell runs, or a one-line error."""
    art = find_artifact(bundle, cell)
    if art is not None:
        return art
    raise EdgeCReLUError(f"bundle {bundle.root} has no artifact for {cell.variant} {cell.form} {cell.precision}")
