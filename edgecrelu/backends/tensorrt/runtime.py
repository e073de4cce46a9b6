"""Run a serialized TensorRT engine with pycuda, the way trtexec measures it.

Pinned host buffers, device buffers, one stream; ``set_input_shape`` + ``set_tensor_address`` once,
then per inference: H2D copies, ``execute_async_v3`` (optionally replayed from a CUDA graph), D2H
copies, with CUDA events between the stages so H2D, compute and D2H are reported separately.
Device memory: the engine's activation memory (``device_memory_size[_v2]``) and the free-memory
delta (cudaMemGetInfo) from before deserialization to after the buffers exist.

tensorrt and pycuda are imported in :meth:`TrtRuntime.open` only.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import ModuleType
from typing import Any

import numpy as np

from edgecrelu.backends.tensorrt.buffers import TensorSpec, check_feed, plan_buffers, total_bytes
from edgecrelu.errors import EdgeCReLUError

# trt.DataType member name -> numpy dtype (the I/O of bundle models is float32; the rest for safety).
TRT_DTYPES = {"FLOAT": "float32", "HALF": "float16", "INT8": "int8", "INT32": "int32", "INT64": "int64",
              "BOOL": "bool", "UINT8": "uint8"}


def numpy_dtype(trt: ModuleType, dt: Any) -> str:
    """Numpy dtype name for a ``trt.DataType`` (by member name, so it works whether or not
    ``trt.nptype`` exists in this release)."""
    name = getattr(dt, "name", None) or str(dt).split(".")[-1]
    if name not in TRT_DTYPES:
        raise EdgeCReLUError(f"engine I/O tensor has data type {name}, which this runner does not handle")
    return TRT_DTYPES[name]


class EngineNotLoadable(EdgeCReLUError):
    """TensorRT refused to deserialize the engine (another TensorRT build or GPU made it)."""


# How the measured device memory is obtained, and what it includes (the record labels both columns).
MEASURED_METHOD = ("cudaMemGetInfo free-memory drop from before deserialization to after the buffers "
                   "(2 MiB granular, racy with other processes; on a Jetson includes host allocations)")
FOOTPRINT_METHOD = "engine bytes + activation bytes for the cell's shapes + I/O bytes"


def gpu_identity() -> tuple[str, str]:
    """(name, "major.minor") of CUDA device 0 via pycuda's driver API."""
    import pycuda.driver as cuda

    cuda.init()
    dev = cuda.Device(0)
    major, minor = dev.compute_capability()
    return dev.name(), f"{major}.{minor}"


class TrtRuntime:
    """One engine, one execution context, buffers for one batch size."""

    def __init__(self, engine_bytes: bytes, batch: int, *, cuda_graph: bool = False, dla_core: int = -1,
                 precision: str | None = None):
        self.engine_bytes = engine_bytes
        self.precision = precision  # what the engine's name says; checked against its layers
        self.layers: dict[str, Any] | None = None
        self.batch = int(batch)
        self.want_graph = bool(cuda_graph) and dla_core < 0  # CUDA graphs do not work with DLA
        self.dla_core = dla_core
        self.warnings: list[str] = []
        self.graph_used = False
        self.graph_via: str | None = None  # "pycuda" | "cuda-python" when a CUDA graph ran
        self._last: dict[str, float] | None = None
        # pycuda / tensorrt objects (untyped packages): the primary context, the graph that replays the
        # enqueue (a pycuda GraphExec or a cudart.CudaGraph), the activation memory of a user-managed context
        self._ctx: Any = None
        self._graph_exec: Any = None
        self._activation_mem: Any = None

    # -- lifecycle --------------------------------------------------------------------------
    def open(self) -> None:
        import pycuda.driver as cuda
        import tensorrt as trt

        self._cuda = cuda
        cuda.init()
        # The primary context is the one the CUDA runtime (and so TensorRT) uses.
        self._ctx = cuda.Device(0).retain_primary_context()
        self._ctx.push()
        try:
            self._open(trt, cuda)
        except BaseException:
            self.close()
            raise

    def _open(self, trt, cuda) -> None:
        free_before, _total = cuda.mem_get_info()
        self._logger = trt.Logger(trt.Logger.WARNING)
        self._runtime = trt.Runtime(self._logger)
        if self.dla_core >= 0:
            self._runtime.DLA_core = self.dla_core
        self.engine = self._runtime.deserialize_cuda_engine(self.engine_bytes)
        if self.engine is None:
            raise EngineNotLoadable("TensorRT could not deserialize the engine (built by another TensorRT version or GPU?)")
        # Activation memory for the cell's shapes, not the largest profile shape: the context gets
        # user-managed memory sized after the input shapes are set (TensorRT 10.1+).
        user_managed = getattr(getattr(trt, "ExecutionContextAllocationStrategy", None), "USER_MANAGED", None)
        self._user_memory = user_managed is not None
        if user_managed is not None:
            self.context = self.engine.create_execution_context(user_managed)
        else:
            self.context = self.engine.create_execution_context()

        names = [self.engine.get_tensor_name(i) for i in range(self.engine.num_io_tensors)]
        specs = []
        for n in names:
            is_input = self.engine.get_tensor_mode(n) == trt.TensorIOMode.INPUT
            specs.append(TensorSpec(n, tuple(self.engine.get_tensor_shape(n)),
                                    numpy_dtype(trt, self.engine.get_tensor_dtype(n)), is_input))
        self.input_names = [s.name for s in specs if s.is_input]
        for s in specs:
            if s.is_input:
                shape = tuple(d if d >= 0 else self.batch for d in s.shape)
                if not self.context.set_input_shape(s.name, shape):
                    raise EdgeCReLUError(f"engine rejects input shape {shape} for '{s.name}' (outside its profile)")
        self._set_activation_memory(cuda)
        # Output shapes are known once the inputs are; take them from the context.
        resolved = [TensorSpec(s.name, s.shape if s.is_input else tuple(self.context.get_tensor_shape(s.name)),
                               s.dtype, s.is_input) for s in specs]
        self.buffers = plan_buffers(resolved, self.batch)
        self.io_bytes = total_bytes(self.buffers)
        self.stream = cuda.Stream()
        self.host, self.device = {}, {}
        for b in self.buffers:
            self.host[b.name] = cuda.pagelocked_empty(b.shape, np.dtype(b.dtype))
            self.device[b.name] = cuda.mem_alloc(max(b.nbytes, 1))
            self.context.set_tensor_address(b.name, int(self.device[b.name]))
        self.events = [cuda.Event() for _ in range(4)]

        # One plain run before capture: TensorRT needs an enqueue after shape changes.
        self._enqueue()
        self.stream.synchronize()
        self._graph_exec = None
        if self.want_graph:
            self._capture_graph()
        free_after, _ = cuda.mem_get_info()
        self.device_bytes = max(int(free_before) - int(free_after), 0)
        if self.precision is not None:
            from edgecrelu.backends.tensorrt.layers import inspect_engine

            self.layers = inspect_engine(trt, self.engine, self.context, self.precision, dla=self.dla_core >= 0)
            self.warnings.extend(self.layers.get("warnings", []))

    def _profile_activation_bytes(self) -> int:
        """The engine's activation memory for its largest profile shapes."""
        if hasattr(self.engine, "device_memory_size_v2"):  # 10.1+; device_memory_size is gone in 11
            return int(self.engine.device_memory_size_v2)
        return int(self.engine.device_memory_size)

    def _set_activation_memory(self, cuda) -> None:
        """Give a user-managed context the activation memory its current shapes need; record the size
        and what it covers (``activation_scope``)."""
        self._activation_mem = None
        if self._user_memory and hasattr(self.context, "update_device_memory_size_for_shapes"):
            size = int(self.context.update_device_memory_size_for_shapes())
            self._activation_mem = cuda.mem_alloc(max(size, 1))
            if hasattr(self.context, "set_device_memory"):
                self.context.set_device_memory(int(self._activation_mem), size)
            else:
                self.context.device_memory = int(self._activation_mem)
            self.activation_bytes, self.activation_scope = size, "cell shapes"
            return
        if self._user_memory:  # 10.0: no per-shape size; give it the profile maximum
            size = self._profile_activation_bytes()
            self._activation_mem = cuda.mem_alloc(max(size, 1))
            self.context.device_memory = int(self._activation_mem)
        self.activation_bytes, self.activation_scope = self._profile_activation_bytes(), "largest profile shape"

    def _enqueue(self) -> None:
        if not self.context.execute_async_v3(self.stream.handle):
            raise EdgeCReLUError("TensorRT execute_async_v3 failed")

    def _capture_graph(self) -> None:
        """Capture the enqueue in a CUDA graph (trtexec --useCudaGraph): with pycuda where it has stream
        capture, else with cuda-python; without either, or when capture fails, run without a graph
        and say so (``graph_used`` stays False and the trtexec line says --noCudaGraph)."""
        if hasattr(self.stream, "begin_capture"):
            self._capture_pycuda()
            return
        from edgecrelu.backends.tensorrt.cudart import CudaGraph, cudart_module

        try:
            cudart = cudart_module()
        except ImportError:
            self.warnings.append("CUDA graphs need cuda-python (pip install cuda-python; no released pycuda can "
                                 "capture a stream); ran without CUDA graphs")
            return
        graph = CudaGraph(cudart, self.stream.handle)
        try:
            graph.capture(lambda: self.context.execute_async_v3(self.stream.handle))
            self._graph_exec = graph
            self._launch_graph()
            self.stream.synchronize()
            self.graph_used, self.graph_via = True, "cuda-python"
        except Exception as exc:  # capture is refused for some engines (e.g. with plugins)
            graph.destroy()
            self._graph_exec = None
            self.warnings.append(f"CUDA graph capture failed ({exc}); ran without CUDA graphs")

    def _capture_pycuda(self) -> None:
        stream = self.stream
        try:
            stream.begin_capture()
        except Exception as exc:
            self.warnings.append(f"CUDA graph capture could not start ({exc}); ran without CUDA graphs")
            return
        try:
            try:
                ok = self.context.execute_async_v3(stream.handle)
            finally:
                graph = stream.end_capture()  # always leave capture mode, or the stream is unusable
            if not ok:
                raise RuntimeError("execute_async_v3 refused to run under capture")
            self._graph_exec = graph.instantiate()
            self._launch_graph()
            stream.synchronize()
            self.graph_used, self.graph_via = True, "pycuda"
        except Exception as exc:  # capture is refused for some engines (e.g. with DLA or plugins)
            self._graph_exec = None
            self.warnings.append(f"CUDA graph capture failed ({exc}); ran without CUDA graphs")

    def _launch_graph(self) -> None:
        from edgecrelu.backends.tensorrt.cudart import CudaGraph

        if isinstance(self._graph_exec, CudaGraph):
            self._graph_exec.launch()
            return
        try:
            self._graph_exec.launch(self.stream)
        except TypeError:
            # A pycuda whose launch() takes no stream runs on the legacy default stream, which is
            # ordered with our (blocking) stream anyway.
            self._graph_exec.launch()

    def close(self) -> None:
        # Everything that lives in the CUDA context goes while the context is still current.
        try:
            graph = getattr(self, "_graph_exec", None)
            if graph is not None and hasattr(graph, "destroy"):
                graph.destroy()
            self._graph_exec = None
            self.context = None
            self.engine = None
            self._runtime = None
            for mem in getattr(self, "device", {}).values():
                mem.free()
            if getattr(self, "_activation_mem", None) is not None:
                self._activation_mem.free()
                self._activation_mem = None
            self.device = {}
            self.host = {}
            self.events = []
            self.stream = None
        finally:
            if self._ctx is not None:
                self._ctx.pop()
                self._ctx.detach()
                self._ctx = None

    # -- inference --------------------------------------------------------------------------
    def _fill_host(self, feed: Mapping[str, np.ndarray]) -> None:
        """Feed -> pinned host buffers (CPU work: done before the h2d event, so not timed as h2d)."""
        check_feed(self.buffers, feed)
        for name in self.input_names:
            np.copyto(self.host[name], feed[name], casting="same_kind")

    def _copy_inputs(self) -> None:
        for b in self.buffers:
            if b.is_input:
                self._cuda.memcpy_htod_async(self.device[b.name], self.host[b.name], self.stream)

    def _run(self) -> None:
        """The engine's work on the stream: the captured graph, or a plain enqueue."""
        if self._graph_exec is not None:
            self._launch_graph()
        else:
            self._enqueue()

    def infer(self, feed: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        e0, e1, e2, e3 = self.events
        self._fill_host(feed)
        e0.record(self.stream)
        self._copy_inputs()
        e1.record(self.stream)
        self._run()
        e2.record(self.stream)
        for b in self.buffers:
            if not b.is_input:
                self._cuda.memcpy_dtoh_async(self.host[b.name], self.device[b.name], self.stream)
        e3.record(self.stream)
        e3.synchronize()
        self._last = {"h2d": e1.time_since(e0), "compute": e2.time_since(e1), "d2h": e3.time_since(e2)}
        # Copies: the pinned buffers are overwritten by the next call.
        return {b.name: np.array(self.host[b.name]) for b in self.buffers if not b.is_input}

    def upload(self, feed: Mapping[str, np.ndarray]) -> None:
        """Copy ``feed`` to the device once, for :meth:`compute_only` (trtexec --noDataTransfers)."""
        self._fill_host(feed)
        self._copy_inputs()
        self.stream.synchronize()

    def compute_only(self, _feed: Mapping[str, np.ndarray] | None = None) -> None:
        """One inference on the inputs already on the device; outputs stay there. Synchronous."""
        _, e1, e2, _ = self.events
        e1.record(self.stream)
        self._run()
        e2.record(self.stream)
        e2.synchronize()
        self._last = {"compute": e2.time_since(e1)}

    def stage_times_ms(self) -> dict[str, float] | None:
        return dict(self._last) if self._last else None

    def memory_info(self) -> dict[str, Any]:
        """Device memory, two ways: a deterministic footprint (engine + activations for this cell's
        shapes + I/O) and the measured free-memory drop, each labelled with its method."""
        return {
            "engine_bytes": len(self.engine_bytes),
            "activation_bytes": self.activation_bytes,
            "activation_scope": self.activation_scope,
            "io_bytes": self.io_bytes,
            "footprint_bytes": len(self.engine_bytes) + self.activation_bytes + self.io_bytes,
            "footprint_method": FOOTPRINT_METHOD,
            "device_bytes": self.device_bytes,
            "device_bytes_method": MEASURED_METHOD,
        }
