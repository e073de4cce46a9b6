"""ONNX Runtime backend: the bundle's ONNX artifacts through an ``InferenceSession``.

The backend protocol (``backends/__init__.py``) over ``loader`` (session options, providers, the one
``open_session``) and ``runner`` (:class:`OrtRunner`). Execution providers come from the device
profile's ``[onnxruntime] providers`` in order of preference. onnxruntime is imported only inside
functions.
"""

from __future__ import annotations

from edgecrelu.backends.base import artifact_for, onnx_cells
from edgecrelu.backends.onnxruntime.loader import CPU, SessionLoader
from edgecrelu.backends.onnxruntime.runner import OrtRunner
from edgecrelu.devices import OrtOptions
from edgecrelu.errors import EdgeCReLUError
from edgecrelu.results import Cell

NAME = "onnxruntime"
EXTRA = ""  # onnxruntime is a core dependency; GPU / Jetson builds come from other wheels (see HINT)
HINT = ("pip install onnxruntime (CPU), onnxruntime-gpu (CUDA / TensorRT providers), "
        "or the Jetson Zoo wheel on a Jetson")


def check_available() -> None:
    try:
        import onnxruntime  # noqa: F401
    except ImportError:
        raise EdgeCReLUError(f"onnxruntime is not installed; install it with: {HINT}") from None


def enumerate_cells(bundle, *, variants=None, precisions=None, forms=None, batches=(1,), profile=None) -> list[Cell]:
    """One cell per ONNX artifact of the bundle (after filtering) and batch size."""
    return onnx_cells(bundle, NAME, variants=variants, precisions=precisions, forms=forms, batches=batches)


def make_runner(bundle, cell: Cell, profile) -> OrtRunner:
    art = artifact_for(bundle, cell)
    return OrtRunner(SessionLoader(bundle.path(art.path), profile.onnxruntime, precision=cell.precision,
                                   trt=getattr(profile, "tensorrt", None), model_sha256=art.sha256))


def reference_runner(model_path) -> OrtRunner:
    """The FP32 reference every cell's agreement is measured against: ONNX Runtime on the CPU, one thread."""
    return OrtRunner(SessionLoader(model_path, OrtOptions(threads=1, providers=(CPU,))))
