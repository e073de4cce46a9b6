"""The TensorRT engine for one cell: from the engine cache, or built on this device and cached.

The build plan comes from the device profile's ``[tensorrt]`` table (:func:`builder.make_plan`), the
cache key from the ONNX hash, the plan, the TensorRT version and the GPU (:mod:`cache`); a build
keeps its log and a per-GPU timing cache. tensorrt and pycuda are imported inside functions only.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from edgecrelu.backends.base import Loader
from edgecrelu.backends.tensorrt import check_available, trt_version, trt_version_full
from edgecrelu.backends.tensorrt.builder import BuildPlan, make_plan
from edgecrelu.errors import EdgeCReLUError

if TYPE_CHECKING:
    from edgecrelu.backends.tensorrt.cache import GpuId
    from edgecrelu.devices import TrtOptions

logger = logging.getLogger(__name__)  # in a worker process, relayed to the user (edgecrelu.progress)


@dataclass(frozen=True)
class Engine:
    """A serialized engine, the plan it was built from, and what a record says about it."""

    data: bytes
    plan: BuildPlan
    info: dict[str, Any]  # versions, GPU, plan, cache key / paths / hit, build time, the equivalent trtexec command


class EngineLoader(Loader[Engine]):
    """Loads (or builds and caches) the engine of one ONNX file for one cell."""

    def __init__(self, *, onnx_path: str | os.PathLike[str], onnx_sha256: str, precision: str, batch: int,
                 batches: tuple[int, ...], options: TrtOptions, input_name: str, input_chw: tuple[int, ...],
                 cache_root: str | os.PathLike[str] | None = None):
        self.onnx_path = Path(onnx_path)
        self.onnx_sha256 = onnx_sha256
        self.precision = precision
        self.batch = int(batch)
        self.batches = batches
        self.options = options  # devices.TrtOptions
        self.input_name = input_name
        self.input_chw = input_chw
        self.cache_root = cache_root
        self.force_build = False  # set by rebuild(): a cached engine that would not deserialize

    def rebuild(self) -> Engine:
        """Build again, replacing the cached engine (it was served but TensorRT could not load it)."""
        self.force_build = True
        try:
            return self.load()
        finally:
            self.force_build = False

    def load(self) -> Engine:
        from edgecrelu.backends.tensorrt.cache import GpuId
        from edgecrelu.backends.tensorrt.runtime import gpu_identity
        from edgecrelu.backends.tensorrt.trtexec import trtexec_command
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
        full = trt_version_full()
        data, info = self._cached_or_built(plan, gpu, full)
        info = {"tensorrt_version": full, "gpu": gpu_name, "compute_capability": cc,
                "plan": plan.key_options(), **info,
                # the same build for cross-checking with the tool users know; the runner rewrites it
                # once it knows whether a CUDA graph actually ran
                "trtexec": " ".join(trtexec_command(plan, str(self.onnx_path), timing_cache=info.get(
                    "timing_cache"), cuda_graph=False, transfers=self.options.transfers))}
        return Engine(data, plan, info)

    def _cached_or_built(self, plan: BuildPlan, gpu: GpuId, version: str) -> tuple[bytes, dict[str, Any]]:
        """``version``: the full TensorRT version string, build number included."""
        from edgecrelu.backends.tensorrt.builder import build_engine
        from edgecrelu.backends.tensorrt.cache import EngineCache, engine_key, key_inputs, key_of

        cache = EngineCache(self.cache_root)
        inputs = key_inputs(self.onnx_sha256, self.precision, plan.key_options(), str(version), gpu)
        key = key_of(inputs)
        info = {"engine_key": key, "engine_path": str(cache.engine_path(key)), "build_log": str(cache.log_path(key))}
        data = None if self.force_build else cache.get(key, inputs)
        if data is not None:
            return data, {**info, "cache_hit": True}
        timing_cache = None
        if self.options.timing_cache:
            gpu_tag = engine_key("", "", {}, str(version), gpu)[:12]  # timing caches are per GPU and version
            timing_cache = cache.root / f"timing-{gpu_tag}.cache"
        logger.info(f"building TensorRT {version} engine: {self.onnx_path.parent.name}/{self.onnx_path.name} "
                 f"{self.precision} batch {plan.profile.min[0]}..{plan.profile.max[0]} (opt {plan.profile.opt[0]}) "
                 f"-> {cache.engine_path(key)}")
        t0 = time.perf_counter()
        data, log, tc_note = build_engine(self.onnx_path, plan, timing_cache=timing_cache,
                                          failed_log=cache.root / "failed" / f"{key}.log")
        build_s = time.perf_counter() - t0
        logger.info(f"built in {build_s:.1f} s")
        cache.put(key, inputs, data, log, extra={"build_s": build_s, "onnx": str(self.onnx_path)})
        out = {**info, "cache_hit": False, "build_s": build_s, "rebuilt": self.force_build,
               "timing_cache": str(timing_cache) if timing_cache and Path(timing_cache).is_file() else None}
        if tc_note:
            out["timing_cache_note"] = tc_note
        return data, out
