"""CUDA graphs (stream capture, instantiate, launch) through NVIDIA's cuda-python runtime bindings.

No released pycuda has stream capture or graph launch, so a TensorRT enqueue is captured with
cuda-python (docs/platform-notes.md "TensorRT"), as TensorRT's own Python samples do: every call
returns a tuple whose first item is a ``cudaError_t`` (``cudaSuccess`` = 0), the rest the results.
Stream handles are plain integers (pycuda's ``Stream.handle``), which the bindings accept.
cuda-python is imported inside :func:`cudart_module` only.
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Any


class CudaError(RuntimeError):
    pass


def cudart_module() -> ModuleType:
    """``cuda.bindings.runtime`` (cuda-python >= 12.6), else ``cuda.cudart`` (older); ImportError if neither."""
    try:
        from cuda.bindings import runtime as cudart
    except ImportError:
        from cuda import cudart  # the module name before cuda-python 12.6
    return cudart


def check(result: Any, what: str) -> Any:
    """The results of a cuda-python call after its error code; CudaError when that is not cudaSuccess."""
    err, *rest = result if isinstance(result, tuple) else (result,)
    if int(err) != 0:
        raise CudaError(f"{what} failed: {getattr(err, 'name', err)}")
    return rest[0] if len(rest) == 1 else tuple(rest)


class CudaGraph:
    """One captured piece of stream work, replayed with :meth:`launch` on the same stream."""

    def __init__(self, cudart: ModuleType, stream_handle: int):
        self.cudart = cudart
        self.stream = int(stream_handle)
        self.graph: Any = None  # cudaGraph_t, then its cudaGraphExec_t
        self.exec: Any = None

    def capture(self, enqueue: Callable[[], bool]) -> None:
        """Capture what ``enqueue()`` puts on the stream (it returns False when it refuses)."""
        rt = self.cudart
        mode = rt.cudaStreamCaptureMode.cudaStreamCaptureModeGlobal
        check(rt.cudaStreamBeginCapture(self.stream, mode), "cudaStreamBeginCapture")
        try:
            ok = enqueue()
        finally:  # always leave capture mode, or the stream is unusable
            self.graph = check(rt.cudaStreamEndCapture(self.stream), "cudaStreamEndCapture")
        if not ok:
            raise CudaError("execute_async_v3 refused to run under capture")
        self.exec = check(rt.cudaGraphInstantiate(self.graph, 0), "cudaGraphInstantiate")

    def launch(self) -> None:
        check(self.cudart.cudaGraphLaunch(self.exec, self.stream), "cudaGraphLaunch")

    def destroy(self) -> None:
        rt = self.cudart
        if self.exec is not None:
            rt.cudaGraphExecDestroy(self.exec)
        if self.graph is not None:
            rt.cudaGraphDestroy(self.graph)
        self.graph = self.exec = None
