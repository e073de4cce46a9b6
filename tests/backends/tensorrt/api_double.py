"""Test doubles for ``tensorrt`` and ``pycuda.driver``, which cannot be installed here (docs/platform-notes.md).

They implement only the documented API that edgecrelu calls (TensorRT's Python API 8.5 to 11.x,
pycuda's driver module with graph support, pycuda test/test_graph.py), record the calls, and refuse
what the selected release does not have, so version gates in ``backends/tensorrt`` are checked against
an API surface and not only against our own tables:

* ``builder_optimization_level``: from 8.6; ``STRONGLY_TYPED``: from 9.x (accepted but ignored in
  11); ``EXPLICIT_BATCH``: gone in 11; the ``FP16`` / ``INT8`` / ``DIRECT_IO`` builder flags: gone in
  11 (weak typing removed); ``device_memory_size_v2``: from 10.1; ``device_memory_size``: gone in 11.

Checked against NVIDIA/TensorRT ``python/src/infer/pyCore.cpp`` at 8.5 and 10.10 and NVIDIA's list
of Python APIs removed in 11 (no 11.x binding source was at hand), pycuda's released
``src/wrapper/wrap_cudadrv.cpp`` (no stream capture; ``graphs=True`` models the unmerged pull request
that adds it) and cuda-python's ``cuda.bindings.runtime`` (``cudaStreamBeginCapture(stream, mode)``,
``cudaStreamEndCapture(stream) -> (err, graph)``, ``cudaGraphInstantiate(graph, flags) -> (err, exec)``,
``cudaGraphLaunch(exec, stream)``; the first item of every result is a ``cudaError_t``).

The "engine" runs the parsed ONNX file with onnxruntime on the CPU, so a test can check the wiring
(feed -> pinned host -> H2D -> execute / graph replay -> D2H -> outputs) against a reference. The
CUDA events of the double return made-up times: they measure nothing, and no number from here
reaches a record or a report -- tests assert shapes, flags, files and outputs only.
"""

from __future__ import annotations

import enum
import itertools
import json
import types

import numpy as np

ENGINE_MAGIC = b"FAKE-TRT-ENGINE\n"


def _ver(text: str) -> tuple:
    return tuple(int(p) for p in text.split(".")[:3])


class Calls(list):
    """Every API call the double saw, as (name, args) tuples."""

    def names(self) -> list[str]:
        return [c[0] for c in self]


# -- pycuda.driver ------------------------------------------------------------------------------
class _Memory:
    """Device memory: address -> bytearray, and the free-memory counter mem_get_info reports."""

    def __init__(self, total: int = 8 << 30):
        self.total = total
        self.used = 0
        self.blocks: dict[int, bytearray] = {}
        self._next = itertools.count(0x7000_0000, 0x1000_0000)


def make_pycuda(calls: Calls, *, graphs: bool = False, gpu=("NVIDIA Fake GPU", (8, 7)), bus_id="0000:01:00.0"):
    mem = _Memory()
    drv = types.ModuleType("pycuda.driver")

    class Error(Exception):
        pass

    class Context:
        def push(self):
            calls.append(("ctx.push", ()))

        def pop(self):
            calls.append(("ctx.pop", ()))

        def detach(self):
            calls.append(("ctx.detach", ()))

    class Device:
        def __init__(self, ordinal):
            assert ordinal == 0

        def name(self):
            return gpu[0]

        def compute_capability(self):
            return gpu[1]

        def pci_bus_id(self):
            return bus_id

        def retain_primary_context(self):
            calls.append(("retain_primary_context", ()))
            return Context()

    class DeviceAllocation:
        def __init__(self, nbytes):
            self.addr = next(mem._next)
            self.nbytes = nbytes
            mem.blocks[self.addr] = bytearray(nbytes)
            mem.used += nbytes

        def __int__(self):
            return self.addr

        def free(self):
            if mem.blocks.pop(self.addr, None) is not None:
                mem.used -= self.nbytes
            calls.append(("free", (self.addr,)))

    class GraphExec:
        def __init__(self, ops):
            self.ops = ops

        def launch(self, stream=None):
            calls.append(("graph.launch", ()))
            for op in self.ops:
                op()

    class Graph:
        def __init__(self, ops):
            self.ops = ops

        def instantiate(self):
            return GraphExec(list(self.ops))

    class Stream:
        _ids = itertools.count(0x100)

        def __init__(self, flags=0):
            self.handle = next(self._ids)
            self.capturing: list | None = None

        def synchronize(self):
            pass

        def run(self, op):
            """Execute now, or record when the stream is being captured."""
            (self.capturing.append if self.capturing is not None else lambda f: f())(op)

        def end_capture(self):
            ops, self.capturing = self.capturing, None
            calls.append(("end_capture", ()))
            return Graph(ops)

    if graphs:  # only an unmerged pycuda pull request has stream capture; released pycuda does not
        def begin_capture(self, capture_mode=None):
            calls.append(("begin_capture", ()))
            self.capturing = []

        Stream.begin_capture = begin_capture
    else:
        del Stream.end_capture  # every released pycuda

    class Event:
        _clock = itertools.count(1)

        def __init__(self, flags=0):
            self.t = None

        def record(self, stream=None):
            self.t = next(self._clock) * 0.01  # made up: these doubles time nothing

        def synchronize(self):
            pass

        def time_since(self, other):
            return self.t - other.t

    def _stream_of(stream):
        return stream if stream is not None else Stream()

    def memcpy_htod_async(dest, src, stream=None):
        data = np.ascontiguousarray(src).tobytes()
        def op():
            mem.blocks[int(dest)][: len(data)] = data
        _stream_of(stream).run(op)

    def memcpy_dtoh_async(dest, src, stream=None):
        def op():
            buf = mem.blocks[int(src)]
            dest[...] = np.frombuffer(bytes(buf[: dest.nbytes]), dtype=dest.dtype).reshape(dest.shape)
        _stream_of(stream).run(op)

    drv.Error = Error
    drv.Device, drv.Stream, drv.Event = Device, Stream, Event
    drv.init = lambda flags=0: calls.append(("cuda.init", ()))
    drv.mem_get_info = lambda: (mem.total - mem.used, mem.total)
    drv.mem_alloc = lambda n: DeviceAllocation(int(n))
    drv.pagelocked_empty = lambda shape, dtype, **kw: np.zeros(shape, dtype)
    drv.memcpy_htod_async, drv.memcpy_dtoh_async = memcpy_htod_async, memcpy_dtoh_async
    drv._memory = mem
    drv._stream_type = Stream
    pkg = types.ModuleType("pycuda")
    pkg.driver = drv
    return pkg, drv


# -- cuda-python (cuda.bindings.runtime) ----------------------------------------------------------
def make_cuda_python(calls: Calls, drv, *, fail_instantiate: bool = False, bus_id: str = "0000:01:00.0"):
    """``cuda.bindings.runtime`` as cuda-python 12.x/13.x spells it: every call returns a tuple whose
    first item is a ``cudaError_t``; stream arguments accept plain integer handles. Capture records the
    ops the pycuda double's stream would have run, launch replays them."""
    rt = types.ModuleType("cuda.bindings.runtime")
    rt.cudaError_t = enum.IntEnum("cudaError_t", {"cudaSuccess": 0, "cudaErrorInvalidValue": 1,
                                                  "cudaErrorStreamCaptureUnsupported": 900,
                                                  "cudaErrorStreamCaptureInvalidated": 901})
    rt.cudaStreamCaptureMode = enum.IntEnum("cudaStreamCaptureMode", {
        "cudaStreamCaptureModeGlobal": 0, "cudaStreamCaptureModeThreadLocal": 1, "cudaStreamCaptureModeRelaxed": 2})
    ok = rt.cudaError_t.cudaSuccess
    graphs: dict[int, list] = {}
    execs: dict[int, list] = {}
    ids = itertools.count(0xA000)

    def begin(stream, mode):
        assert isinstance(mode, rt.cudaStreamCaptureMode)
        calls.append(("cudaStreamBeginCapture", (int(stream),)))
        drv._streams[int(stream)].capturing = []
        return (ok,)

    def end(stream):
        s = drv._streams[int(stream)]
        ops, s.capturing = s.capturing, None
        calls.append(("cudaStreamEndCapture", (int(stream),)))
        g = next(ids)
        graphs[g] = ops
        return ok, g

    def instantiate(graph, flags):
        calls.append(("cudaGraphInstantiate", (int(graph), int(flags))))
        if fail_instantiate:
            return rt.cudaError_t.cudaErrorInvalidValue, None
        e = next(ids)
        execs[e] = list(graphs[int(graph)])
        return ok, e

    def launch(graph_exec, stream):
        calls.append(("cudaGraphLaunch", (int(graph_exec), int(stream))))
        for op in execs[int(graph_exec)]:
            op()
        return (ok,)

    def destroy_exec(e):
        calls.append(("cudaGraphExecDestroy", ()))
        execs.pop(int(e), None)
        return (ok,)

    def destroy_graph(g):
        calls.append(("cudaGraphDestroy", ()))
        graphs.pop(int(g), None)
        return (ok,)

    rt.cudaStreamBeginCapture, rt.cudaStreamEndCapture = begin, end
    rt.cudaGraphInstantiate, rt.cudaGraphLaunch = instantiate, launch
    rt.cudaGraphExecDestroy, rt.cudaGraphDestroy = destroy_exec, destroy_graph
    rt.cudaDeviceGetPCIBusId = lambda length, device: (ok, bus_id.encode() + b"\x00" * (length - len(bus_id)))
    bindings = types.ModuleType("cuda.bindings")
    bindings.runtime = rt
    cuda = types.ModuleType("cuda")
    cuda.bindings = bindings
    return cuda, bindings, rt


# -- tensorrt -----------------------------------------------------------------------------------
def _layers_of(onnx_path: str, flags: list, float_layers: int, gpu_layers: int, dla: bool) -> list[dict]:
    """Layer information as ``get_engine_information(LayerInformationFormat.JSON)`` prints it at
    DETAILED verbosity: one entry per ONNX node (Q/DQ folded away), with the data type an engine
    built from this file would run: INT8 convs for a QDQ file, FP16 for an FP16 file or the FP16 flag.
    ``float_layers`` compute layers stay in FP32 and ``gpu_layers`` fall back from DLA to the GPU, as
    a real engine may do silently."""
    import onnx

    m = onnx.load(onnx_path)
    ops = [n.op_type for n in m.graph.node]
    fp16 = "FP16" in flags or any(i.data_type == onnx.TensorProto.FLOAT16 for i in m.graph.initializer)
    int8 = "INT8" in flags or "QuantizeLinear" in ops
    layers, n_compute = [], 0
    for i, node in enumerate(m.graph.node):
        if node.op_type in ("QuantizeLinear", "DequantizeLinear", "Cast"):
            continue
        compute = node.op_type in ("Conv", "Gemm", "MatMul")
        dtype = "Int8" if (int8 and compute) else "FP16" if fp16 else "FP32"
        if compute:
            n_compute += 1
            if n_compute <= float_layers:
                dtype = "FP32"
        on_dla = dla and not (compute and n_compute <= gpu_layers)
        kind = {"Conv": "CaskConvolution", "Gemm": "CaskGemmConvolution", "MatMul": "CaskGemmMatrixMultiply"}.get(
            node.op_type, "PointWiseV2")
        fmt = f"Row major linear {dtype} format"
        layers.append({"Name": node.name or f"{node.op_type}_{i}", "LayerType": "DLA" if on_dla else kind,
                       "Inputs": [{"Name": x, "Location": "Device", "Format/Datatype": fmt} for x in node.input[:1]],
                       "Outputs": [{"Name": y, "Location": "Device", "Format/Datatype": fmt} for y in node.output],
                       "TacticValue": "0x0"})
    return layers


def make_tensorrt(version: str, calls: Calls, *, drv, fail_build: bool = False, activation_bytes: int = 4096,
                  strongly_typed_flag: bool = True, reject_timing_cache: bool = False, float_layers: int = 0,
                  gpu_layers: int = 0, refuse_engines: bool = False, fail_timing_cache_serialize: bool = False):
    v = _ver(version)
    trt = types.ModuleType("tensorrt")
    trt.__version__ = version

    class _Severity(enum.IntEnum):
        INTERNAL_ERROR = 0
        ERROR = 1
        WARNING = 2
        INFO = 3
        VERBOSE = 4

    class ILogger:
        Severity = _Severity

        def __init__(self):
            pass

    class Logger(ILogger):
        INTERNAL_ERROR, ERROR, WARNING, INFO, VERBOSE = list(_Severity)

        def __init__(self, min_severity=_Severity.WARNING):
            self.min_severity = min_severity

        def log(self, severity, msg):
            pass

    flags = {}
    if v < (11, 0, 0):
        flags["EXPLICIT_BATCH"] = 0
    if v >= (9, 0, 0) and strongly_typed_flag:  # 11.x accepts and ignores it; a later 11 may drop it
        flags["STRONGLY_TYPED"] = 1
    NetworkDefinitionCreationFlag = enum.IntEnum("NetworkDefinitionCreationFlag", flags)
    builder_flags = ["GPU_FALLBACK", "REFIT"] + (["FP16", "INT8", "DIRECT_IO"] if v < (11, 0, 0) else [])
    BuilderFlag = enum.IntEnum("BuilderFlag", builder_flags)
    MemoryPoolType = enum.IntEnum("MemoryPoolType", ["WORKSPACE", "DLA_MANAGED_SRAM"])
    DeviceType = enum.IntEnum("DeviceType", ["GPU", "DLA"])
    TensorIOMode = enum.IntEnum("TensorIOMode", ["NONE", "INPUT", "OUTPUT"])
    DataType = enum.IntEnum("DataType", ["FLOAT", "HALF", "INT8", "INT32", "BOOL"])
    ProfilingVerbosity = enum.IntEnum("ProfilingVerbosity", ["LAYER_NAMES_ONLY", "NONE", "DETAILED"])
    LayerInformationFormat = enum.IntEnum("LayerInformationFormat", ["ONELINE", "JSON"])
    strategies = ["STATIC", "ON_PROFILE_CHANGE"] + (["USER_MANAGED"] if v >= (10, 0, 0) else [])
    ExecutionContextAllocationStrategy = enum.IntEnum("ExecutionContextAllocationStrategy", strategies)

    class Network:
        def __init__(self, flag_bits):
            self.flag_bits = flag_bits
            self.onnx_path = None

    class OnnxParser:
        def __init__(self, network, logger):
            self.network, self.errors = network, []

        def parse_from_file(self, path):
            calls.append(("parse_from_file", (str(path),)))
            import onnx

            try:
                onnx.checker.check_model(onnx.load(str(path)))
            except Exception as exc:
                self.errors.append(f"ModelImporter: {type(exc).__name__}")
                return False
            self.network.onnx_path = str(path)
            return True

        @property
        def num_errors(self):
            return len(self.errors)

        def get_error(self, i):
            return self.errors[i]

    class OptimizationProfile:
        def __init__(self):
            self.shapes = {}

        def set_shape(self, name, min, opt, max):
            calls.append(("set_shape", (name, tuple(min), tuple(opt), tuple(max))))
            self.shapes[name] = (tuple(min), tuple(opt), tuple(max))

    class TimingCache:
        def __init__(self, data: bytes):
            self.data = bytes(data) or b"timing-cache:"
            if not self.data.startswith(b"timing-cache:"):
                raise RuntimeError("Failed to deserialize the timing cache")  # what a foreign file gets

        def serialize(self):
            if fail_timing_cache_serialize:
                raise RuntimeError("out of host memory")
            return memoryview(self.data + b"+")  # grows with each build, like a real cache

    class BuilderConfig:
        def __init__(self):
            self.flags, self.pools, self.profiles = set(), {}, []
            self.default_device_type = DeviceType.GPU
            self.DLA_core = -1
            self.profiling_verbosity = ProfilingVerbosity.LAYER_NAMES_ONLY
            self._timing = None

        def __setattr__(self, name, value):
            if name == "builder_optimization_level" and v < (8, 6, 0):
                raise AttributeError("'IBuilderConfig' object has no attribute 'builder_optimization_level'")
            object.__setattr__(self, name, value)

        def set_memory_pool_limit(self, pool, size):
            self.pools[pool] = size

        def set_flag(self, flag):
            self.flags.add(flag)

        def add_optimization_profile(self, profile):
            self.profiles.append(profile)
            return len(self.profiles) - 1

        def create_timing_cache(self, data):
            return TimingCache(data)

        def set_timing_cache(self, cache, ignore_mismatch):
            calls.append(("set_timing_cache", (len(cache.data),)))
            if reject_timing_cache:  # a cache from another device or release (bool result, no exception)
                return False
            self._timing = cache
            return True

        def get_timing_cache(self):
            return self._timing

    class Builder:
        def __init__(self, logger):
            self.logger = logger
            calls.append(("Builder", ()))

        def create_network(self, flags=0):
            calls.append(("create_network", (flags,)))
            return Network(flags)

        def create_builder_config(self):
            return BuilderConfig()

        def create_optimization_profile(self):
            return OptimizationProfile()

        def build_serialized_network(self, network, config):
            calls.append(("build_serialized_network", ()))
            self.logger.log(_Severity.VERBOSE, "tactic chatter")
            self.logger.log(_Severity.INFO, "[MemUsageChange] fake build")
            if fail_build:
                self.logger.log(_Severity.ERROR, "fake: no implementation obeys reformatting-free rules")
                return None
            (name, shapes), = [(n, s) for p in config.profiles for n, s in p.shapes.items()]
            meta = {"onnx": network.onnx_path, "input": name, "min": shapes[0], "max": shapes[2],
                    "flags": sorted(f.name for f in config.flags), "network_flags": network.flag_bits,
                    "pools": {k.name: val for k, val in config.pools.items()},
                    "level": getattr(config, "builder_optimization_level", None),
                    "device": config.default_device_type.name, "dla_core": config.DLA_core,
                    "verbosity": config.profiling_verbosity.name}
            calls.append(("built", (json.loads(json.dumps(meta)),)))  # as the engine stores it
            return memoryview(ENGINE_MAGIC + json.dumps(meta).encode())

    class ExecutionContext:
        def __init__(self, engine, strategy):
            self.engine, self.shapes, self.addresses = engine, {}, {}
            self.strategy = strategy
            self.memory = None

        def _shape_bytes(self):
            """Activation bytes for the current shapes: linear in the batch up to the profile maximum."""
            batch = next(iter(self.shapes.values()))[0]
            return activation_bytes * batch // self.engine.meta["max"][0]

        if v >= (10, 1, 0):
            def update_device_memory_size_for_shapes(self):
                assert self.shapes, "set the input shapes first"
                return self._shape_bytes()

            def set_device_memory(self, memory, size):
                calls.append(("set_device_memory", (int(size),)))
                self.memory = (int(memory), int(size))

        def __setattr__(self, name, value):
            if name == "device_memory":
                calls.append(("device_memory", ()))
                name, value = "memory", (int(value), None)
            object.__setattr__(self, name, value)

        def set_input_shape(self, name, shape):
            lo, hi = self.engine.meta["min"], self.engine.meta["max"]
            ok = len(shape) == len(lo) and all(a <= s <= b for a, s, b in zip(lo, shape, hi, strict=False))
            if ok:
                self.shapes[name] = tuple(shape)
            return ok

        def get_tensor_shape(self, name):
            if name in self.shapes:
                return self.shapes[name]
            batch = next(iter(self.shapes.values()))[0]
            return (batch, *self.engine.io[name][1][1:])

        def set_tensor_address(self, name, ptr):
            self.addresses[name] = int(ptr)
            return True

        def execute_async_v3(self, stream_handle):
            calls.append(("execute_async_v3", (stream_handle,)))
            if self.strategy == getattr(ExecutionContextAllocationStrategy, "USER_MANAGED", None):
                assert self.memory is not None, "a user-managed context needs device memory before enqueue"
            stream = drv._streams.get(stream_handle)
            stream.run(self._compute)
            return True

        def _compute(self):
            """Read the input from "device" memory, run the ONNX model, write the outputs back."""
            blocks = drv._memory.blocks
            feed = {}
            for name in self.engine.inputs:
                shape = self.shapes[name]
                n = int(np.prod(shape)) * 4
                feed[name] = np.frombuffer(bytes(blocks[self.addresses[name]][:n]), np.float32).reshape(shape)
            outs = self.engine.session.run(self.engine.outputs, feed)
            for name, arr in zip(self.engine.outputs, outs, strict=False):
                data = np.ascontiguousarray(arr, np.float32).tobytes()
                blocks[self.addresses[name]][: len(data)] = data

    class CudaEngine:
        def __init__(self, meta):
            import onnxruntime as ort

            self.meta = meta
            self.session = ort.InferenceSession(meta["onnx"], providers=["CPUExecutionProvider"])
            self.io = {}
            for i in self.session.get_inputs():
                self.io[i.name] = (TensorIOMode.INPUT, tuple(-1 if not isinstance(d, int) else d for d in i.shape))
            for o in self.session.get_outputs():
                self.io[o.name] = (TensorIOMode.OUTPUT, tuple(-1 if not isinstance(d, int) else d for d in o.shape))
            self.inputs = [n for n, (m, _) in self.io.items() if m == TensorIOMode.INPUT]
            self.outputs = [n for n, (m, _) in self.io.items() if m == TensorIOMode.OUTPUT]
            if v >= (10, 1, 0):
                self.device_memory_size_v2 = activation_bytes
            if v < (11, 0, 0):
                self.device_memory_size = activation_bytes

        @property
        def num_io_tensors(self):
            return len(self.io)

        def get_tensor_name(self, i):
            return list(self.io)[i]

        def get_tensor_mode(self, name):
            return self.io[name][0]

        def get_tensor_shape(self, name):
            return self.io[name][1]

        def get_tensor_dtype(self, name):
            return DataType.FLOAT

        def create_execution_context(self, strategy=ExecutionContextAllocationStrategy.STATIC):
            calls.append(("create_execution_context", (strategy.name,)))
            return ExecutionContext(self, strategy)

        def create_engine_inspector(self):
            return EngineInspector(self)

    class EngineInspector:
        def __init__(self, engine):
            self.engine = engine
            self.execution_context = None

        def get_engine_information(self, fmt):
            assert fmt == LayerInformationFormat.JSON
            meta = self.engine.meta
            if meta["verbosity"] != "DETAILED":  # names only, as the real inspector prints then
                return json.dumps({"Layers": [l["Name"] for l in _layers_of(meta["onnx"], [], 0, 0, False)]})
            layers = _layers_of(meta["onnx"], meta["flags"], float_layers, gpu_layers, meta["device"] == "DLA")
            return json.dumps({"Layers": layers, "Bindings": self.engine.inputs + self.engine.outputs})

    class Runtime:
        def __init__(self, logger):
            self.DLA_core = -1

        def deserialize_cuda_engine(self, data):
            calls.append(("deserialize_cuda_engine", (self.DLA_core,)))
            data = bytes(data)
            if refuse_engines or not data.startswith(ENGINE_MAGIC):
                return None  # the real runtime logs an error and returns None
            return CudaEngine(json.loads(data[len(ENGINE_MAGIC):]))

    for name, obj in dict(ILogger=ILogger, Logger=Logger, Builder=Builder, OnnxParser=OnnxParser,
                          Runtime=Runtime, NetworkDefinitionCreationFlag=NetworkDefinitionCreationFlag,
                          BuilderFlag=BuilderFlag, MemoryPoolType=MemoryPoolType, DeviceType=DeviceType,
                          TensorIOMode=TensorIOMode, DataType=DataType, ProfilingVerbosity=ProfilingVerbosity,
                          LayerInformationFormat=LayerInformationFormat,
                          ExecutionContextAllocationStrategy=ExecutionContextAllocationStrategy).items():
        setattr(trt, name, obj)
    return trt


def install(monkeypatch, version: str = "10.3.0", **kw) -> Calls:
    """Put both doubles in ``sys.modules`` for one test; returns the call log."""
    import sys

    calls = Calls()
    cuda_python = kw.pop("cuda_python", True)
    fail_instantiate = kw.pop("fail_instantiate", False)
    pkg, drv = make_pycuda(calls, **{k: kw.pop(k) for k in ("graphs", "gpu") if k in kw})
    streams: dict[int, object] = {}
    base = drv._stream_type
    orig_init = base.__init__

    def tracked_init(self, flags=0):
        orig_init(self, flags)
        streams[self.handle] = self  # execute_async_v3 gets a raw handle, as with real TensorRT

    base.__init__ = tracked_init
    drv._streams = streams
    trt = make_tensorrt(version, calls, drv=drv, **kw)
    monkeypatch.setitem(sys.modules, "pycuda", pkg)
    monkeypatch.setitem(sys.modules, "pycuda.driver", drv)
    monkeypatch.setitem(sys.modules, "tensorrt", trt)
    if cuda_python:
        cuda, bindings, rt = make_cuda_python(calls, drv, fail_instantiate=fail_instantiate)
        for name, mod in (("cuda", cuda), ("cuda.bindings", bindings), ("cuda.bindings.runtime", rt)):
            monkeypatch.setitem(sys.modules, name, mod)
    else:
        for name in ("cuda", "cuda.bindings", "cuda.bindings.runtime", "cuda.cudart"):
            monkeypatch.setitem(sys.modules, name, None)
    return calls
