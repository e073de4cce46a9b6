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
        from edgecrelu.backends.tensorrt.runtime import TrtRuntime

        engine = self.loader()
        self.info = engine.info
        dla_core = engine.plan.dla_core
        rt = TrtRuntime(engine.data, self.loader.batch, cuda_graph=self.options.cuda_graphs, dla_core=dla_core)
        rt.open()
        self.runtime = rt
        self.warnings.extend(rt.warnings)
        if self.options.cuda_graphs and dla_core >= 0:
            self.warnings.append("CUDA graphs are off with DLA (not supported there)")

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

    def describe(self) -> dict:
        return {
            "backend": self.name,
            **self.info,
            "cuda_graph": bool(self.runtime and self.runtime.graph_used),
            "dla_core": self.options.dla_core,
            "transfers_in_latency": bool(self.options.transfers),  # False: device-only timing, as --noDataTransfers
            "model": self.loader.onnx_path.name,
            "warnings": list(self.warnings),
        }
