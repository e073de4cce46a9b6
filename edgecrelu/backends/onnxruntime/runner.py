"""The ONNX Runtime runner: runs the session its :class:`~edgecrelu.backends.onnxruntime.loader.SessionLoader`
opens on activation, and says which providers actually ran."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from edgecrelu.backends.base import Feed, Outputs, Runner
from edgecrelu.backends.onnxruntime.loader import SessionLoader, allow_spinning
from edgecrelu.errors import EdgeCReLUError

if TYPE_CHECKING:
    from onnxruntime import InferenceSession


def _inactive(*args: Any) -> list[Any]:
    raise EdgeCReLUError("onnxruntime: no session (the runner is not active)")


class OrtRunner(Runner):
    """One ONNX model in one ``InferenceSession``."""

    name = "onnxruntime"

    def __init__(self, loader: SessionLoader):
        super().__init__()
        self.loader = loader
        self.session: InferenceSession | None = None
        self._out_names: list[str] = []
        self._providers: list[str] = []
        self._run: Callable[..., list[Any]] = _inactive  # the session's run while active
        self._gpu_record: dict[str, Any] | None = None

    def activate_impl(self) -> None:
        session = self.session = self.loader()
        self._providers = session.get_providers()
        self._out_names = [o.name for o in session.get_outputs()]
        self._run = session.run

    def deactivate_impl(self) -> None:
        self.session, self._run = None, _inactive

    def infer_impl(self, feed: Feed) -> Outputs:
        names = self._out_names
        return dict(zip(names, self._run(names, feed), strict=False))

    def input_names_impl(self) -> list[str]:
        if self.session is None:
            raise EdgeCReLUError(f"{self.name}: input_names() called before activate()")
        return [i.name for i in self.session.get_inputs()]

    def describe(self) -> dict[str, Any]:
        import onnxruntime as ort

        from edgecrelu.backends.onnxruntime.placement import gpu_record

        options = self.loader.options
        threads = int(options.threads)
        if self._gpu_record is None:  # GPU providers: INT8 flag, provider per node
            self._gpu_record = gpu_record(self)
        gpu = dict(self._gpu_record)
        return {
            "backend": self.name,
            "onnxruntime_version": ort.__version__,
            "providers_requested": list(options.providers),
            "providers": list(self._providers),
            # the first requested provider when the session runs on another (e.g. CUDA -> CPU), else None
            "provider_fallback": (options.providers[0] if self._providers and options.providers
                                  and self._providers[0] != options.providers[0] else None),
            "intra_op_threads": threads,
            "inter_op_threads": 1,
            "allow_spinning": allow_spinning(threads),
            "graph_optimization": options.graph_optimization,
            "model": self.loader.model_path.name,
            **{k: v for k, v in gpu.items() if k != "warnings"},
            "warnings": list(self.loader.warnings) + gpu["warnings"],
        }
