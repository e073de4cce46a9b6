"""The torch runner: runs the module its :class:`~edgecrelu.backends.torch.loader.ModelLoader` returns
on activation. On CUDA the input goes through a pinned host tensor and CUDA events split H2D, compute
and D2H; ``infer`` synchronizes, so wall-clock time is what an application sees."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from edgecrelu.backends.base import Feed, Outputs, Runner
from edgecrelu.backends.torch.loader import DTYPES, ModelLoader, TorchModel
from edgecrelu.errors import EdgeCReLUError


class TorchRunner(Runner):
    """One variant as a torch ``nn.Module`` on one device and dtype."""

    name = "torch"

    def __init__(self, loader: ModelLoader, *, input_name: str = "input", output_name: str = "logits"):
        super().__init__()
        self.loader = loader
        self.options = loader.options  # devices.TorchOptions
        self.input_name, self.output_name = input_name, output_name
        self.warnings: list[str] = []
        self.model: TorchModel | None = None  # kept after deactivation without its module, for describe()
        self._last: dict[str, float] | None = None
        self._pinned: Any = None  # on CUDA: the pinned host torch.Tensor inputs are staged in
        self._events: list[Any] = []  # on CUDA: torch.cuda.Event x 4 around H2D, compute, D2H

    def activate_impl(self) -> None:
        m = self.model = self.loader()
        if m.device.type == "cuda":
            torch = m.torch
            self._pinned = torch.empty((self.loader.batch, *m.input_chw), dtype=torch.float32).pin_memory()
            self._events = [torch.cuda.Event(enable_timing=True) for _ in range(4)]

    def deactivate_impl(self) -> None:
        self._pinned = None
        if self.model is None:
            return
        self.model = replace(self.model, module=None)
        if self.options.device == "cuda":
            self.model.torch.cuda.empty_cache()

    def input_names_impl(self) -> list[str]:
        return [self.input_name]

    def infer_impl(self, feed: Feed) -> Outputs:
        m = self.model
        if m is None or m.module is None:
            raise EdgeCReLUError(f"{self.name}: infer() called before activate()")
        torch = m.torch
        if self.input_name not in feed:
            raise EdgeCReLUError(f"missing input '{self.input_name}'")
        x_np = np.ascontiguousarray(feed[self.input_name], dtype=np.float32)
        with torch.inference_mode():
            if m.device.type == "cpu":
                x = torch.from_numpy(x_np).to(dtype=m.dtype)
                y = m.module(x)
                return {self.output_name: y.float().numpy()}
            e0, e1, e2, e3 = self._events
            pinned = self._pinned
            host = pinned if pinned is not None and x_np.shape == tuple(pinned.shape) else torch.empty(
                x_np.shape, dtype=torch.float32).pin_memory()
            host.numpy()[...] = x_np
            e0.record()
            x = host.to(m.device, non_blocking=True).to(dtype=m.dtype, memory_format=m.fmt)
            e1.record()
            y = m.module(x)
            e2.record()
            out = y.float().to("cpu")
            e3.record()
            torch.cuda.synchronize()
            self._last = {"h2d": e0.elapsed_time(e1), "compute": e1.elapsed_time(e2), "d2h": e2.elapsed_time(e3)}
            return {self.output_name: out.numpy()}

    def stage_times_ms(self) -> dict[str, float] | None:
        return dict(self._last) if self._last else None

    def memory_info(self) -> dict[str, Any]:
        m = self.model
        if m is None:
            return {}
        info = {"param_bytes": int(m.param_bytes)}
        if self.options.device == "cuda" and m.mem_before is not None:
            torch = m.torch
            info["device_bytes"] = int(torch.cuda.max_memory_allocated() - m.mem_before)
            info["device_reserved_bytes"] = int(torch.cuda.max_memory_reserved())
        return info

    def describe(self) -> dict[str, Any]:
        m = self.model
        torch = m.torch if m else None
        d = {
            "backend": self.name,
            "torch_version": torch.__version__ if torch else None,
            "device": self.options.device,
            "dtype": DTYPES[self.loader.precision],
            "compile": self.loader.form == "compile",
            "compile_s": m.compile_s if m else None,  # torch.compile + first call, outside timing
            "channels_last": bool(m and m.channels_last),
            "threads": int(self.options.threads) if self.options.device == "cpu" else None,
            "warnings": list(self.warnings),
        }
        if torch is not None and self.options.device == "cuda":
            d["gpu"] = torch.cuda.get_device_name(0)
        return d
