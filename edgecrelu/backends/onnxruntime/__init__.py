"""ONNX Runtime backend: the bundle's ONNX artifacts through an ``InferenceSession``.

The backend protocol (``backends/__init__.py``) over ``loader`` (session options, providers, the one
``open_session``) and ``runner`` (:class:`OrtRunner`). Execution providers come from the device
profile's ``[onnxruntime] providers`` in order of preference. onnxruntime is imported only inside
functions.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Iterable
from typing import TYPE_CHECKING

from edgecrelu.backends.base import artifact_for, onnx_cells
from edgecrelu.backends.onnxruntime.int8cpu import saturation_warning
from edgecrelu.backends.onnxruntime.loader import CPU, SessionLoader
from edgecrelu.backends.onnxruntime.runner import OrtRunner
from edgecrelu.devices import OrtOptions
from edgecrelu.errors import EdgeCReLUError
from edgecrelu.results import Cell

if TYPE_CHECKING:
    from edgecrelu.bundle import Bundle
    from edgecrelu.devices import DeviceProfile

NAME = "onnxruntime"
EXTRA = ""  # onnxruntime is a core dependency; GPU / Jetson builds come from other wheels (see HINT)
HINT = ("pip install onnxruntime (CPU), onnxruntime-gpu (CUDA / TensorRT providers), "
        "or the Jetson Zoo wheel on a Jetson")


def check_available() -> None:
    try:
        import onnxruntime  # noqa: F401
    except ImportError:
        raise EdgeCReLUError(f"onnxruntime is not installed; install it with: {HINT}") from None


def enumerate_cells(bundle: Bundle, *, variants: Collection[str] | None = None,
                    precisions: Collection[str] | None = None, forms: Collection[str] | None = None,
                    batches: Iterable[int] = (1,), profile: DeviceProfile | None = None) -> list[Cell]:
    """One cell per ONNX artifact of the bundle (after filtering) and batch size."""
    return onnx_cells(bundle, NAME, variants=variants, precisions=precisions, forms=forms, batches=batches)


def make_runner(bundle: Bundle, cell: Cell, profile: DeviceProfile) -> OrtRunner:
    art = artifact_for(bundle, cell)
    loader = SessionLoader(bundle.path(art.path), profile.onnxruntime, precision=cell.precision,
                           trt=profile.tensorrt, model_sha256=art.sha256)
    if cell.precision == "int8" and CPU in profile.onnxruntime.providers:
        why = saturation_warning(art.info)
        if why:
            loader.warnings.append(why)
    return OrtRunner(loader)


def reference_runner(model_path: str | os.PathLike[str]) -> OrtRunner:
    """The FP32 reference every cell's agreement is measured against: ONNX Runtime on the CPU, one thread."""
    return OrtRunner(SessionLoader(model_path, OrtOptions(threads=1, providers=(CPU,))))
