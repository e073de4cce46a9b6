"""TensorRT backend: an engine per ONNX artifact (built on the target, cached), run with pycuda.

The backend protocol (``backends/__init__.py``) over these modules:

* ``loader``: the engine of a cell, from the cache or a fresh build (:class:`EngineLoader`),
* ``runner``: runs an already-built engine (:class:`TrtRunner`),
* ``version`` (version parsing, feature gates), ``builder`` (a plain :class:`BuildPlan` from the
  device profile, then applied to the real builder), ``cache`` (engines on disk, keyed so that one
  is never reused under another key), ``buffers`` (host / device buffer sizes), ``runtime`` (pycuda
  inference), ``trtexec`` (the equivalent trtexec command, its summary parser).

Only ``builder.build_engine`` and ``runtime`` import tensorrt / pycuda, inside their functions.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import TYPE_CHECKING

from edgecrelu.backends.base import artifact_for, onnx_cells
from edgecrelu.backends.tensorrt.builder import TRT_PRECISIONS
from edgecrelu.backends.tensorrt.version import TOO_OLD_HINT, TrtVersion
from edgecrelu.errors import EdgeCReLUError, require
from edgecrelu.results import Cell

if TYPE_CHECKING:
    from edgecrelu.backends.base import Runner
    from edgecrelu.bundle import Bundle
    from edgecrelu.devices import DeviceProfile

NAME = "tensorrt"
EXTRA = "trt"
JETSON_HINT = "on a Jetson use JetPack's TensorRT: sudo apt install python3-libnvinfer"
PYCUDA_HINT = "needs the CUDA toolkit; on a Jetson: sudo apt install nvidia-cuda-dev, then pip install pycuda"


def check_available() -> None:
    """One-line error naming what to install when tensorrt or pycuda is missing or too old."""
    trt = require("tensorrt", EXTRA, JETSON_HINT)
    require("pycuda.driver", EXTRA, PYCUDA_HINT, label="pycuda")
    v = TrtVersion.parse(getattr(trt, "__version__", "0.0"))
    if not v.supported:
        raise EdgeCReLUError(f"TensorRT {v} is too old; {TOO_OLD_HINT}")


def trt_version() -> TrtVersion:
    import tensorrt as trt

    return TrtVersion.parse(trt.__version__)


def trt_version_full() -> str:
    """TensorRT's own version string with the build number ("10.3.0.26"): engines and timing caches
    load only on exactly the release that built them, so cache keys use this, not :func:`trt_version`."""
    import tensorrt as trt

    return str(trt.__version__)


def check_dla(core: int) -> None:
    """Refuse a DLA profile up front (before any cell runs) where this TensorRT / module has no DLA."""
    from edgecrelu.hostinfo import jetson_module

    try:
        version = trt_version()
    except (ImportError, OSError):  # check_available() reports the missing package
        return
    jet = jetson_module()
    ok, why = version.dla_support(jet.get("model") if jet else None)
    if not ok:
        raise EdgeCReLUError(f"DLA requested (tensorrt.dla_core = {core}) but {why}; "
                             "set dla_core = -1 in a copy of the device profile")


def enumerate_cells(bundle: Bundle, *, variants: Collection[str] | None = None,
                    precisions: Collection[str] | None = None, forms: Collection[str] | None = None,
                    batches: Iterable[int] = (1,), profile: DeviceProfile | None = None) -> list[Cell]:
    """One cell per fp32 / fp16 / int8 artifact and batch size.

    With DLA (``tensorrt.dla_core >= 0``) fp32 artifacts are left out: DLA runs FP16 / INT8 only.
    """
    dla_core = profile.tensorrt.dla_core if profile is not None else -1
    dla = dla_core >= 0
    if dla:
        check_dla(dla_core)
    wanted = [p for p in (precisions or TRT_PRECISIONS) if p in TRT_PRECISIONS and not (dla and p == "fp32")]
    return onnx_cells(bundle, NAME, variants=variants, precisions=wanted, forms=forms, batches=batches)


def make_runner(bundle: Bundle, cell: Cell, profile: DeviceProfile) -> Runner:
    """A :class:`~edgecrelu.backends.tensorrt.runner.TrtRunner` over the cell's engine loader."""
    # Imported here: the loader imports check_available / trt_version from this module.
    from edgecrelu.backends.tensorrt.loader import EngineLoader
    from edgecrelu.backends.tensorrt.runner import TrtRunner

    art = artifact_for(bundle, cell)
    loader = EngineLoader(
        onnx_path=bundle.path(art.path), onnx_sha256=art.sha256, precision=cell.precision, batch=cell.batch,
        batches=tuple(profile.batch_sizes), options=profile.tensorrt,
        input_name=bundle.model.get("input_name", "input"), input_chw=tuple(bundle.model["input_shape"]),
    )
    return TrtRunner(loader, profile.tensorrt)
