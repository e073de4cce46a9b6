"""TensorRT backend: an engine per ONNX artifact (built on the target, cached), run with pycuda.

The backend module protocol (``backends/__init__.py``) over ``backends/trt/``: the build plan comes
from the device profile's ``[tensorrt]`` table, the engine from the cache or a fresh build (with its
build log and a timing cache kept), inference from :class:`~edgecrelu.backends.trt.runtime.TrtRuntime`.
tensorrt and pycuda are imported inside functions only.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Mapping

import numpy as np

from edgecrelu.backends.base import Runner, artifact_for, onnx_cells
from edgecrelu.backends.trt.builder import TRT_PRECISIONS, make_plan
from edgecrelu.backends.trt.version import TOO_OLD_HINT, TrtVersion
from edgecrelu.errors import EdgeCReLUError, require
from edgecrelu.progress import progress
from edgecrelu.results import Cell

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


def enumerate_cells(bundle, *, variants=None, precisions=None, forms=None, batches=(1,), profile=None) -> list[Cell]:
    """One cell per fp32 / fp16 / int8 artifact and batch size.

    With DLA (``tensorrt.dla_core >= 0``) fp32 artifacts are left out: DLA runs FP16 / INT8 only.
    """
    dla = profile is not None and profile.tensorrt.dla_core >= 0
    if dla:
        check_dla(profile.tensorrt.dla_core)
    wanted = [p for p in (precisions or TRT_PRECISIONS) if p in TRT_PRECISIONS and not (dla and p == "fp32")]
    return onnx_cells(bundle, NAME, variants=variants, precisions=wanted, forms=forms, batches=batches)


def make_runner(bundle, cell: Cell, profile) -> "TensorRTRunner":
    art = artifact_for(bundle, cell)
    return TensorRTRunner(
        onnx_path=bundle.path(art.path), onnx_sha256=art.sha256, precision=cell.precision, batch=cell.batch,
        batches=tuple(profile.batch_sizes), options=profile.tensorrt,
        input_name=bundle.model.get("input_name", "input"), input_chw=tuple(bundle.model["input_shape"]),
    )


class TensorRTRunner(Runner):
    """Builds (or loads from the engine cache) and runs one engine for one cell."""

    name = NAME

    def __init__(self, *, onnx_path, onnx_sha256: str, precision: str, batch: int, batches: tuple, options,
                 input_name: str, input_chw: tuple, cache_root=None):
        super().__init__()
        self.onnx_path = Path(onnx_path)
        self.onnx_sha256 = onnx_sha256
        self.precision = precision
        self.batch = int(batch)
        self.batches = batches
        self.options = options  # devices.TrtOptions
        self.input_name = input_name
        self.input_chw = input_chw
        self.cache_root = cache_root
        self.warnings: list[str] = []
        self.info: dict = {}
        self.runtime = None

    def _engine(self, plan, gpu, version) -> tuple[bytes, dict]:
        from edgecrelu.backends.trt.builder import build_engine
        from edgecrelu.backends.trt.cache import EngineCache, engine_key, key_inputs, key_of

        cache = EngineCache(self.cache_root)
        inputs = key_inputs(self.onnx_sha256, self.precision, plan.key_options(), str(version), gpu)
        key = key_of(inputs)
        info = {"engine_key": key, "engine_path": str(cache.engine_path(key)), "build_log": str(cache.log_path(key))}
        data = cache.get(key, inputs)
        if data is not None:
            return data, {**info, "cache_hit": True}
        timing_cache = None
        if self.options.timing_cache:
            gpu_tag = engine_key("", "", {}, str(version), gpu)[:12]  # timing caches are per GPU and version
            timing_cache = cache.root / f"timing-{gpu_tag}.cache"
        progress(f"building TensorRT {version} engine: {self.onnx_path.parent.name}/{self.onnx_path.name} "
                 f"{self.precision} batch {plan.profile.min[0]}..{plan.profile.max[0]} (opt {plan.profile.opt[0]}) "
                 f"-> {cache.engine_path(key)}")
        t0 = time.perf_counter()
        data, log = build_engine(self.onnx_path, plan, timing_cache=timing_cache,
                                 failed_log=cache.root / "failed" / f"{key}.log")
        build_s = time.perf_counter() - t0
        progress(f"built in {build_s:.1f} s")
        cache.put(key, inputs, data, log, extra={"build_s": build_s, "onnx": str(self.onnx_path)})
        return data, {**info, "cache_hit": False, "build_s": build_s,
                      "timing_cache": str(timing_cache) if timing_cache else None}

    def activate_impl(self) -> None:
        from edgecrelu.backends.trt.cache import GpuId
        from edgecrelu.backends.trt.runtime import TrtRuntime, gpu_identity
        from edgecrelu.backends.trt.trtexec import trtexec_command
        from edgecrelu.hostinfo import jetson_module

        check_available()
        version = trt_version()
        try:
            gpu_name, cc = gpu_identity()
        except Exception as exc:  # pycuda.driver.Error without a driver or GPU
            raise EdgeCReLUError(f"no usable CUDA GPU for TensorRT: {exc}") from None
        jet = jetson_module()  # model and L4T only: no nvpmodel / jetson_clocks run per trial
        module = jet.get("model") if jet else None
        gpu = GpuId(gpu_name, cc, (jet or {}).get("l4t") or "")
        plan = make_plan(self.options, self.precision, version, batches=self.batches, batch=self.batch,
                         input_name=self.input_name, input_chw=self.input_chw, module=module)
        data, info = self._engine(plan, gpu, version)
        self.info = {"tensorrt_version": str(version), "gpu": gpu_name, "compute_capability": cc,
                     "plan": plan.key_options(), **info,
                     # the same build for cross-checking with the tool users know
                     "trtexec": " ".join(trtexec_command(plan, str(self.onnx_path), timing_cache=info.get(
                         "timing_cache"), cuda_graph=self.options.cuda_graphs and plan.dla_core < 0,
                         transfers=self.options.transfers))}
        rt = TrtRuntime(data, self.batch, cuda_graph=self.options.cuda_graphs, dla_core=plan.dla_core)
        rt.open()
        self.runtime = rt
        self.warnings.extend(rt.warnings)
        if self.options.cuda_graphs and plan.dla_core >= 0:
            self.warnings.append("CUDA graphs are off with DLA (not supported there)")

    def deactivate_impl(self) -> None:
        if self.runtime is not None:
            self.runtime.close()
            self.runtime = None

    def infer_impl(self, feed: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        return self.runtime.infer(feed)

    def input_names_impl(self) -> list[str]:
        return list(self.runtime.input_names) if self.runtime else [self.input_name]

    def timing_call(self, feed):
        """End to end by default; with ``tensorrt.transfers = false`` the input is uploaded once and
        only the device work is timed (trtexec --noDataTransfers, TensorRT 11's default)."""
        if self.options.transfers:
            return self.infer
        self.runtime.upload(feed)
        return self.runtime.compute_only

    def stage_times_ms(self) -> dict | None:
        return self.runtime.stage_times_ms() if self.runtime else None

    def memory_info(self) -> dict:
        return self.runtime.memory_info() if self.runtime else {}

    def describe(self) -> dict:
        return {
            "backend": NAME,
            **self.info,
            "cuda_graph": bool(self.runtime and self.runtime.graph_used),
            "dla_core": self.options.dla_core,
            "transfers_in_latency": bool(self.options.transfers),  # False: device-only timing, as --noDataTransfers
            "model": self.onnx_path.name,
            "warnings": list(self.warnings),
        }
