"""PyTorch backend: the "what we run today in PyTorch" rows.

Each variant is rebuilt from the bundle's ``<variant>/arch.json`` and ``<variant>/weights.pt``
(``edgecrelu.nn.build``), then run eager or ``torch.compile``'d (the cell's form: ``eager`` /
``compile``), on CPU or CUDA (``[torch] device``), in fp32 / fp16 / bf16. On CUDA the input goes
through a pinned host tensor and CUDA events split H2D, compute and D2H; ``infer`` synchronizes, so
wall-clock time is what an application sees. torch is imported inside functions only.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Mapping

import numpy as np

from edgecrelu.backends.base import Runner
from edgecrelu.errors import EdgeCReLUError, first_line, require
from edgecrelu.fileio import read_json_object
from edgecrelu.progress import progress
from edgecrelu.results import Cell

NAME = "torch"
EXTRA = "torch"
PRECISIONS = ("fp32", "fp16", "bf16")
FORMS = ("eager", "compile")
_DTYPES = {"fp32": "float32", "fp16": "float16", "bf16": "bfloat16"}


def check_available() -> None:
    require("torch", EXTRA)
    require("edgecrelu.nn.build", EXTRA)


def _torch_variants(bundle, variants=None) -> list[str]:
    out = []
    for name, v in sorted(bundle.variants.items()):
        if variants and name not in variants:
            continue
        t = v.get("torch") or {}
        if t.get("weights") and t.get("arch"):
            out.append(name)
    return out


def enumerate_cells(bundle, *, variants=None, precisions=None, forms=None, batches=(1,), profile=None) -> list[Cell]:
    """Cells for every variant that carries torch weights: eager (and ``compile`` when the profile's
    ``[torch] compile`` is on, or asked for by ``forms``) x fp32 / fp16 / bf16 x batches.

    ONNX form names in ``forms`` (graph, folded, ...) do not apply here; they leave the torch forms as
    the profile sets them.
    """
    want_forms = ["eager"] + (["compile"] if profile is not None and profile.torch.compile else [])
    if forms and set(forms) & set(FORMS):
        want_forms = [f for f in FORMS if f in forms]
    want_prec = [p for p in (precisions or ("fp32",)) if p in PRECISIONS]
    cells = []
    for v in _torch_variants(bundle, variants):
        for f in want_forms:
            for p in want_prec:
                for b in batches:
                    cells.append(Cell(v, f, p, NAME, int(b)))
    return sorted(set(cells))


def make_runner(bundle, cell: Cell, profile) -> "TorchRunner":
    if cell.form not in FORMS:
        raise EdgeCReLUError(f"torch backend runs forms {', '.join(FORMS)}, not '{cell.form}'")
    if cell.precision not in PRECISIONS:
        raise EdgeCReLUError(f"torch backend runs {', '.join(PRECISIONS)}, not '{cell.precision}'")
    info = bundle.variants.get(cell.variant)
    if not info or not (info.get("torch") or {}).get("weights"):
        raise EdgeCReLUError(f"bundle {bundle.root} carries no torch weights for variant '{cell.variant}'")
    model = bundle.model
    return TorchRunner(
        weights=bundle.path(info["torch"]["weights"]), arch=bundle.path(info["torch"]["arch"]),
        form=cell.form, precision=cell.precision, batch=cell.batch, options=profile.torch,
        input_name=model.get("input_name", "input"), output_name=model.get("output_name", "logits"),
    )


class TorchRunner(Runner):
    """One variant as a torch ``nn.Module`` on one device and dtype."""

    name = NAME

    def __init__(self, *, weights, arch, form: str, precision: str, batch: int, options,
                 input_name: str = "input", output_name: str = "logits"):
        super().__init__()
        self.weights, self.arch = weights, arch
        self.form, self.precision, self.batch = form, precision, int(batch)
        self.options = options  # devices.TorchOptions
        self.input_name, self.output_name = input_name, output_name
        self.warnings: list[str] = []
        self._last: dict | None = None

    def activate_impl(self) -> None:
        torch = require("torch", EXTRA)
        from edgecrelu.nn.build import build_model, load_checkpoint

        self.torch = torch
        device = self.options.device
        if device == "cuda" and not torch.cuda.is_available():
            raise EdgeCReLUError(f"torch.device = \"cuda\" but torch {torch.__version__} sees no CUDA GPU "
                                 "(a CPU build, or no driver); use [torch] device = \"cpu\"")
        if device == "cpu":
            torch.set_num_threads(int(self.options.threads))
        arch_json = read_json_object(self.arch, "torch arch.json")
        model = load_checkpoint(build_model(arch_json), self.weights).eval()
        self.dtype = getattr(torch, _DTYPES[self.precision])
        self.device = torch.device(device)
        self.channels_last = bool(self.options.channels_last) and device == "cuda"
        fmt = torch.channels_last if self.channels_last else torch.contiguous_format
        if device == "cuda":
            torch.cuda.synchronize()
            torch.cuda.reset_peak_memory_stats()
            self._mem_before = torch.cuda.memory_allocated()
        model = model.to(device=self.device, dtype=self.dtype, memory_format=fmt)
        self.param_bytes = sum(p.numel() * p.element_size() for p in model.parameters())
        self.param_bytes += sum(b.numel() * b.element_size() for b in model.buffers())
        self.fmt = fmt
        self.compile_s = None
        if self.form == "compile":
            model = self._compile(model, arch_json["input_shape"])
        self.model = model
        if device == "cuda":
            c, h, w = arch_json["input_shape"]
            self._pinned = torch.empty((self.batch, c, h, w), dtype=torch.float32).pin_memory()
            self._events = [torch.cuda.Event(enable_timing=True) for _ in range(4)]

    def _compile(self, model, chw):
        """torch.compile, then one call at the cell's batch so compilation (seconds, and where a
        missing C++ compiler shows up) happens here and not inside the warm-up or timed loop."""
        torch = self.torch
        progress(f"torch.compile {Path(self.weights).parent.name} {self.precision} batch {self.batch} on {self.device}")
        t0 = time.perf_counter()
        try:
            compiled = torch.compile(model)
            x = torch.zeros((self.batch, *chw), dtype=self.dtype, device=self.device).to(memory_format=self.fmt)
            with torch.inference_mode():
                compiled(x)
            if self.device.type == "cuda":
                torch.cuda.synchronize()
        except Exception as exc:  # no C++ compiler / unsupported platform, raised at the first call
            raise EdgeCReLUError(f"torch.compile is not usable here: {first_line(exc)}") from None
        self.compile_s = time.perf_counter() - t0
        progress(f"compiled in {self.compile_s:.1f} s")
        return compiled

    def deactivate_impl(self) -> None:
        self.model = None
        self._pinned = None
        if self.options.device == "cuda":
            self.torch.cuda.empty_cache()

    def input_names_impl(self) -> list[str]:
        return [self.input_name]

    def infer_impl(self, feed: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        torch = self.torch
        if self.input_name not in feed:
            raise EdgeCReLUError(f"missing input '{self.input_name}'")
        x_np = np.ascontiguousarray(feed[self.input_name], dtype=np.float32)
        with torch.inference_mode():
            if self.device.type == "cpu":
                x = torch.from_numpy(x_np).to(dtype=self.dtype)
                y = self.model(x)
                return {self.output_name: y.float().numpy()}
            e0, e1, e2, e3 = self._events
            host = self._pinned if x_np.shape == tuple(self._pinned.shape) else torch.empty(
                x_np.shape, dtype=torch.float32).pin_memory()
            host.numpy()[...] = x_np
            e0.record()
            x = host.to(self.device, non_blocking=True).to(dtype=self.dtype, memory_format=self.fmt)
            e1.record()
            y = self.model(x)
            e2.record()
            out = y.float().to("cpu")
            e3.record()
            torch.cuda.synchronize()
            self._last = {"h2d": e0.elapsed_time(e1), "compute": e1.elapsed_time(e2), "d2h": e2.elapsed_time(e3)}
            return {self.output_name: out.numpy()}

    def stage_times_ms(self) -> dict | None:
        return dict(self._last) if self._last else None

    def memory_info(self) -> dict:
        info = {"param_bytes": int(self.param_bytes)} if hasattr(self, "param_bytes") else {}
        if self.options.device == "cuda" and hasattr(self, "_mem_before"):
            torch = self.torch
            info["device_bytes"] = int(torch.cuda.max_memory_allocated() - self._mem_before)
            info["device_reserved_bytes"] = int(torch.cuda.max_memory_reserved())
        return info

    def describe(self) -> dict:
        torch = getattr(self, "torch", None)
        d = {
            "backend": NAME,
            "torch_version": torch.__version__ if torch else None,
            "device": self.options.device,
            "dtype": _DTYPES[self.precision],
            "compile": self.form == "compile",
            "compile_s": getattr(self, "compile_s", None),  # torch.compile + first call, outside timing
            "channels_last": bool(getattr(self, "channels_last", False)),
            "threads": int(self.options.threads) if self.options.device == "cpu" else None,
            "warnings": list(self.warnings),
        }
        if torch is not None and self.options.device == "cuda":
            d["gpu"] = torch.cuda.get_device_name(0)
        return d
