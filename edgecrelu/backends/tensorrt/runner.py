"""The TensorRT runner: takes the engine its :class:`~edgecrelu.backends.tensorrt.loader.EngineLoader`
returns on activation (it never builds) and runs it with :class:`~edgecrelu.backends.tensorrt.runtime.TrtRuntime`
at the cell's batch."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from edgecrelu.backends.base import Feed, InferFn, Outputs, Runner
from edgecrelu.backends.tensorrt.loader import Engine, EngineLoader
from edgecrelu.errors import EdgeCReLUError

if TYPE_CHECKING:
    from edgecrelu.backends.tensorrt.builder import BuildPlan
    from edgecrelu.backends.tensorrt.runtime import TrtRuntime
    from edgecrelu.devices import TrtOptions


class TrtRunner(Runner):
    """One engine for one cell: an execution context, buffers and (optionally) a CUDA graph."""

    name = "tensorrt"

    def __init__(self, loader: EngineLoader, options: TrtOptions):
        super().__init__()
        self.loader = loader
        self.options = options  # devices.TrtOptions: CUDA graphs, transfers, DLA core at run time
        self.warnings: list[str] = []
        self.info: dict[str, Any] = {}
        self.runtime: TrtRuntime | None = None
        self.plan: BuildPlan | None = None

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

    def _open_runtime(self, TrtRuntime: type[TrtRuntime], engine: Engine) -> TrtRuntime:
        rt = TrtRuntime(engine.data, self.loader.batch, cuda_graph=self.options.cuda_graphs,
                        dla_core=engine.plan.dla_core, precision=engine.plan.precision)
        rt.open()
        return rt

    def deactivate_impl(self) -> None:
        if self.runtime is not None:
            self.runtime.close()
            self.runtime = None

    def infer_impl(self, feed: Feed) -> Outputs:
        return self._runtime().infer(feed)

    def _runtime(self) -> TrtRuntime:
        if self.runtime is None:
            raise EdgeCReLUError(f"{self.name}: no engine (the runner is not active)")
        return self.runtime

    def input_names_impl(self) -> list[str]:
        return list(self.runtime.input_names) if self.runtime else [self.loader.input_name]

    def timing_call(self, feed: Feed) -> InferFn:
        """End to end by default; with ``tensorrt.transfers = false`` the input is uploaded once and
        only the device work is timed (trtexec --noDataTransfers, TensorRT 11's default)."""
        if self.options.transfers:
            return self.infer
        rt = self._runtime()
        rt.upload(feed)
        return rt.compute_only

    def stage_times_ms(self) -> dict[str, float] | None:
        return self.runtime.stage_times_ms() if self.runtime else None

    def memory_info(self) -> dict[str, Any]:
        return self.runtime.memory_info() if self.runtime else {}

    def trtexec_line(self) -> str | None:
        """The trtexec command that builds this engine and times it as it ran here (graph or not)."""
        from edgecrelu.backends.tensorrt.trtexec import trtexec_command

        plan = self.plan
        if plan is None:
            return self.info.get("trtexec")
        return " ".join(trtexec_command(plan, str(self.loader.onnx_path), timing_cache=self.info.get("timing_cache"),
                                        cuda_graph=bool(self.runtime and self.runtime.graph_used),
                                        transfers=self.options.transfers))

    def describe(self) -> dict[str, Any]:
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
