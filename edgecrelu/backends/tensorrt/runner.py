"""The TensorRT runner: takes the engine its :class:`~edgecrelu.backends.tensorrt.loader.EngineLoader`
returns on activation (it never builds) and runs it with :class:`~edgecrelu.backends.tensorrt.runtime.TrtRuntime`
at the cell's batch."""

from __future__ import annotations

from typing import Mapping

import numpy as np

from edgecrelu.backends.base import Runner
from edgecrelu.backends.tensorrt.loader import EngineLoader


class TrtRunner(Runner):
    """One engine for one cell: an execution context, buffers and (optionally) a CUDA graph."""

    name = "tensorrt"

    def __init__(self, loader: EngineLoader, options):
        super().__init__()
        self.loader = loader
        self.options = options  # devices.TrtOptions: CUDA graphs, transfers, DLA core at run time
        self.warnings: list[str] = []
        self.info: dict = {}
        self.runtime = None

    def activate_impl(self) -> None:
        from edgecrelu.backends.tensorrt.runtime import EngineNotLoadable, TrtRuntime

        engine = self.loader()
        try:
            rt = self._open_runtime(TrtRuntime, engine)
        except EngineNotLoadable as exc:
            if not engine.info.get("cache_hit"):
                raise
            # a cached engine this TensorRT / GPU cannot load (engines need an exact match): build anew
            self.warnings.append(f"cached engine {engine.info.get('engine_path')} would not load ({exc}); rebuilt")
            engine = self.loader.rebuild()
            rt = self._open_runtime(TrtRuntime, engine)
        self.info = engine.info
        self.plan = engine.plan
        dla_core = engine.plan.dla_core
        self.runtime = rt
        self.warnings.extend(rt.warnings)
        if self.options.cuda_graphs and dla_core >= 0:
            self.warnings.append("CUDA graphs are off with DLA (not supported there)")

    def _open_runtime(self, TrtRuntime, engine):
        rt = TrtRuntime(engine.data, self.loader.batch, cuda_graph=self.options.cuda_graphs,
                        dla_core=engine.plan.dla_core, precision=engine.plan.precision)
        rt.open()
        return rt

    def deactivate_impl(self) -> None:
        if self.runtime is not None:
            self.runtime.close()
            self.runtime = None

    def infer_impl(self, feed: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        return self.runtime.infer(feed)

    def input_names_impl(self) -> list[str]:
        return list(self.runtime.input_names) if self.runtime else [self.loader.input_name]

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

    def trtexec_line(self) -> str | None:
        """The trtexec command that builds this engine and times it as it ran here (graph or not)."""
        from edgecrelu.backends.tensorrt.trtexec import trtexec_command

        plan = getattr(self, "plan", None)
        if plan is None:
            return self.info.get("trtexec")
        return " ".join(trtexec_command(plan, str(self.loader.onnx_path), timing_cache=self.info.get("timing_cache"),
                                        cuda_graph=bool(self.runtime and self.runtime.graph_used),
                                        transfers=self.options.transfers))

    def describe(self) -> dict:
        rt = self.runtime
        return {
            "backend": self.name,
            **self.info,
            "trtexec": self.trtexec_line(),
            "cuda_graph": bool(rt and rt.graph_used),
            "cuda_graph_via": rt.graph_via if rt else None,
            "layers": rt.layers if rt else None,
            "dla_core": self.options.dla_core,
            "transfers_in_latency": bool(self.options.transfers),  # False: device-only timing, as --noDataTransfers
            "model": self.loader.onnx_path.name,
            "warnings": list(self.warnings),
        }
