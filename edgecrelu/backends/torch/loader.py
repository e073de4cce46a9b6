"""A bundle variant as a torch ``nn.Module`` ready to run: rebuilt from ``<variant>/arch.json``
(``edgecrelu.nn.build``), its ``weights.pt`` loaded, moved to the device / dtype / memory format and,
for the ``compile`` form, ``torch.compile``'d and run once. torch is imported inside functions only.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from edgecrelu.backends.base import Loader
from edgecrelu.errors import EdgeCReLUError, first_line, require
from edgecrelu.fileio import read_json_object

if TYPE_CHECKING:
    from edgecrelu.devices import TorchOptions

logger = logging.getLogger(__name__)  # in a worker process, relayed to the user (edgecrelu.progress)

EXTRA = "torch"
DTYPES = {"fp32": "float32", "fp16": "float16", "bf16": "bfloat16"}


@dataclass
class TorchModel:
    """What :class:`ModelLoader` hands a runner."""

    # torch's own types are Any here: the target side does not import torch, not even for the type
    # checker (import-linter counts type-only imports; docs/architecture.md)
    module: Any  # the eval-mode (possibly compiled) nn.Module on its device; None once released
    torch: ModuleType  # the torch module, imported by the loader
    device: Any  # torch.device
    dtype: Any  # torch.dtype of the weights and inputs
    fmt: Any  # torch.memory_format of the inputs
    channels_last: bool
    input_chw: tuple[int, ...]  # (C, H, W) from arch.json
    param_bytes: int  # parameters and buffers on the device
    mem_before: int | None  # CUDA bytes allocated before the model moved there (None on CPU)
    compile_s: float | None  # torch.compile + first call, outside timing


class ModelLoader(Loader[TorchModel]):
    """Loads one variant's weights for one form (eager / compile), precision and batch."""

    def __init__(self, *, weights: str | os.PathLike[str], arch: str | os.PathLike[str], form: str, precision: str,
                 batch: int, options: TorchOptions):
        self.weights, self.arch = weights, arch
        self.form, self.precision, self.batch = form, precision, int(batch)
        self.options = options  # devices.TorchOptions

    def load(self) -> TorchModel:
        torch = require("torch", EXTRA)
        from edgecrelu.nn.build import build_model, load_checkpoint

        device = self.options.device
        if device == "cuda" and not torch.cuda.is_available():
            raise EdgeCReLUError(f"torch.device = \"cuda\" but torch {torch.__version__} sees no CUDA GPU "
                                 "(a CPU build, or no driver); use [torch] device = \"cpu\"")
        if device == "cpu":
            torch.set_num_threads(int(self.options.threads))
        arch_json = read_json_object(self.arch, "torch arch.json")
        model = load_checkpoint(build_model(arch_json), self.weights).eval()
        dtype = getattr(torch, DTYPES[self.precision])
        dev = torch.device(device)
        channels_last = bool(self.options.channels_last) and device == "cuda"
        fmt = torch.channels_last if channels_last else torch.contiguous_format
        mem_before = None
        if device == "cuda":
            torch.cuda.synchronize()
            torch.cuda.reset_peak_memory_stats()
            mem_before = torch.cuda.memory_allocated()
        # torch's stub of Module.to lacks memory_format, which Module.to takes (its docstring lists it)
        model = model.to(device=dev, dtype=dtype, memory_format=fmt)  # type: ignore[call-overload]
        param_bytes = sum(p.numel() * p.element_size() for p in model.parameters())
        param_bytes += sum(b.numel() * b.element_size() for b in model.buffers())
        chw = tuple(arch_json["input_shape"])
        compile_s = None
        if self.form == "compile":
            model, compile_s = self._compile(torch, model, chw, dev, dtype, fmt)
        return TorchModel(model, torch, dev, dtype, fmt, channels_last, chw, param_bytes, mem_before, compile_s)

    def _compile(self, torch, model, chw, device, dtype, fmt):
        """torch.compile, then one call at the cell's batch so compilation (seconds, and where a
        missing C++ compiler shows up) happens here and not inside the warm-up or timed loop."""
        logger.info(f"torch.compile {Path(self.weights).parent.name} {self.precision} batch {self.batch} on {device}")
        t0 = time.perf_counter()
        try:
            compiled = torch.compile(model)
            x = torch.zeros((self.batch, *chw), dtype=dtype, device=device).to(memory_format=fmt)
            with torch.inference_mode():
                compiled(x)
            if device.type == "cuda":
                torch.cuda.synchronize()
        except Exception as exc:  # no C++ compiler / unsupported platform, raised at the first call
            raise EdgeCReLUError(f"torch.compile is not usable here: {first_line(exc)}") from None
        compile_s = time.perf_counter() - t0
        logger.info(f"compiled in {compile_s:.1f} s")
        return compiled, compile_s
