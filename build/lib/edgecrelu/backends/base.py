"""Loader and Runner (Polygraphy's split). A :class:`Loader` produces what a backend runs (an ONNX
Runtime session, a TensorRT engine, a torch module) when called; a :class:`Runner` calls its loader
in ``activate``, then only infers until ``deactivate``. Runners are context managers with ``*_impl``
hooks. Heavy imports (onnxruntime providers, tensorrt, pycuda, torch) happen inside loaders' and
runners' methods, never at package import. Also the cell / artifact helpers the ONNX backends share.
"""

from __future__ import annotations

from typing import Mapping

import numpy as np

from edgecrelu.errors import EdgeCReLUError


class Loader:
    """Produces one backend's model object when called (``loader()``); a runner calls it on activation,
    so building or loading (seconds to minutes for a TensorRT engine) never happens at construction."""

    def __call__(self):
        return self.load()

    def load(self):
        raise NotImplementedError


class Runner:
    """Runs one model (one cell) on one backend.

    ``infer(feed)`` is synchronous: when it returns, outputs are host numpy arrays and the device is
    idle, so a wall-clock timer around it measures what an application sees (no enqueue-only timing).
    """

    name = "runner"

    def __init__(self):
        self.is_active = False

    # -- lifecycle -------------------------------------------------------------------------
    def activate(self) -> "Runner":
        if self.is_active:
            return self
        self.activate_impl()
        # The timed loop calls runner.infer once per sample: while active, infer is infer_impl itself,
        # one Python frame over the backend call (scripts/bench_overhead.py).
        self.infer = self.infer_impl
        self.is_active = True
        return self

    def deactivate(self) -> None:
        if not self.is_active:
            return
        self.__dict__.pop("infer", None)  # back to Runner.infer, which refuses an inactive runner
        try:
            self.deactivate_impl()
        finally:
            self.is_active = False

    def __enter__(self):
        return self.activate()

    def __exit__(self, exc_type, exc, tb):
        self.deactivate()
        return False

    # -- inference -------------------------------------------------------------------------
    def infer(self, feed: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Only reached while inactive: :meth:`activate` shadows it with :meth:`infer_impl`."""
        raise EdgeCReLUError(f"{self.name}: infer() called before activate()")

    def input_names(self) -> list[str]:
        return self.input_names_impl()

    # -- what a record needs beyond wall-clock time -----------------------------------------
    def timing_call(self, feed: Mapping[str, np.ndarray]):
        """The callable the timed loop calls with ``feed`` (default: :meth:`infer`, end to end). A
        runner may stage the input once here and return a device-only call (trtexec's
        ``--noDataTransfers``); accuracy always goes through :meth:`infer`."""
        return self.infer

    def stage_times_ms(self) -> dict | None:
        """Per-stage times of the last ``infer`` (``{"h2d": ms, "compute": ms, "d2h": ms}``), or None."""
        return None

    def memory_info(self) -> dict:
        """Device-side memory facts (``device_bytes``, ``activation_bytes``, ``engine_bytes``...)."""
        return {}

    def describe(self) -> dict:
        """Settings to record: provider, threads, optimisation level, engine key, ..."""
        return {"backend": self.name}

    # -- hooks -----------------------------------------------------------------------------
    def activate_impl(self) -> None:
        raise NotImplementedError

    def infer_impl(self, feed: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        raise NotImplementedError

    def deactivate_impl(self) -> None:
        pass

    def input_names_impl(self) -> list[str]:
        raise NotImplementedError


def onnx_cells(bundle, backend: str, *, variants=None, precisions=None, forms=None, batches=(1,)) -> list:
    """Cells of a backend that runs the bundle's ONNX files: one per artifact (after filtering) and batch."""
    from edgecrelu.results import Cell

    cells = {Cell(a.variant, a.form, a.precision, backend, int(b))
             for a in bundle.artifacts(variants=variants, precisions=precisions, forms=forms) for b in batches}
    return sorted(cells)


def find_artifact(bundle, cell):
    """The bundle artifact a cell runs, or None (a torch cell runs weights, not an ONNX file)."""
    return next(iter(bundle.artifacts(variants=[cell.variant], precisions=[cell.precision], forms=[cell.form])), None)


def artifact_for(bundle, cell):
    """The bundle artifact a cell runs, or a one-line error."""
    art = find_artifact(bundle, cell)
    if art is not None:
        return art
    raise EdgeCReLUError(f"bundle {bundle.root} has no artifact for {cell.variant} {cell.form} {cell.precision}")
