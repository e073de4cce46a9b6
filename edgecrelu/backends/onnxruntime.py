"""ONNX Runtime backend: the bundle's ONNX artifacts through an ``InferenceSession``.

Execution providers come from the device profile's ``[onnxruntime] providers`` in order of
preference; the ones this onnxruntime build does not offer are skipped with a warning that lands in
the record (a CPU-only wheel on a GPU box must not silently look like a GPU number). More than one
intra-op thread turns spinning off (docs/platform-notes.md: spinning threads wreck p99 on small VMs).
onnxruntime itself is imported only inside functions.
"""

from __future__ import annotations

from pathlib import Path
from typing import Mapping

import numpy as np

from edgecrelu.backends.base import Runner, artifact_for, onnx_cells
from edgecrelu.errors import EdgeCReLUError, first_line
from edgecrelu.results import Cell

NAME = "onnxruntime"
EXTRA = ""  # onnxruntime is a core dependency; GPU / Jetson builds come from other wheels (see HINT)
HINT = ("pip install onnxruntime (CPU), onnxruntime-gpu (CUDA / TensorRT providers), "
        "or the Jetson Zoo wheel on a Jetson")
GRAPH_OPT = {"disable": "ORT_DISABLE_ALL", "basic": "ORT_ENABLE_BASIC",
             "extended": "ORT_ENABLE_EXTENDED", "all": "ORT_ENABLE_ALL"}


def check_available() -> None:
    try:
        import onnxruntime  # noqa: F401
    except ImportError:
        raise EdgeCReLUError(f"onnxruntime is not installed; install it with: {HINT}") from None


def enumerate_cells(bundle, *, variants=None, precisions=None, forms=None, batches=(1,), profile=None) -> list[Cell]:
    """One cell per ONNX artifact of the bundle (after filtering) and batch size."""
    return onnx_cells(bundle, NAME, variants=variants, precisions=precisions, forms=forms, batches=batches)


def make_runner(bundle, cell: Cell, profile) -> "OrtRunner":
    art = artifact_for(bundle, cell)
    return OrtRunner(bundle.path(art.path), profile.onnxruntime, precision=cell.precision,
                     trt=getattr(profile, "tensorrt", None), model_sha256=art.sha256)


def trt_ep_cache_dir(model_sha256: str, precision: str, trt, ort_version: str):
    """Engine / timing cache folder for ORT's TensorRT provider. Every trial is a fresh process and
    session, so without a cache each one rebuilds the engine (minutes on a Jetson). ORT's own cache
    is not invalidated when settings change, so the folder is keyed by everything we set."""
    from dataclasses import asdict

    from edgecrelu.backends.trt.cache import default_root, key_of

    key = {"onnx_sha256": model_sha256, "precision": precision, "trt": asdict(trt) if trt else None,
           "onnxruntime": ort_version}
    return default_root() / "ort-trt" / key_of(key)


def allow_spinning(threads: int) -> str:
    """ORT's ``session.intra_op.allow_spinning``: off ("0") with more than one intra-op thread."""
    return "0" if threads > 1 else "1"


def provider_options(name: str, precision: str, trt=None, cache_dir=None) -> dict:
    """Options for the GPU providers; the CPU provider takes none. ``cache_dir``: where the
    TensorRT provider keeps engines (and timing caches), see :func:`trt_ep_cache_dir`."""
    if name == "CUDAExecutionProvider":
        return {"device_id": "0"}
    if name == "TensorrtExecutionProvider":
        opts = {"device_id": "0", "trt_fp16_enable": str(precision == "fp16"),
                "trt_int8_enable": str(precision == "int8")}  # int8 artifacts are explicit QDQ
        if trt is not None:
            opts["trt_max_workspace_size"] = str(int(trt.workspace_mb) << 20)
            opts["trt_builder_optimization_level"] = str(trt.builder_optimization_level)
            opts["trt_cuda_graph_enable"] = str(bool(trt.cuda_graphs) and trt.dla_core < 0)
            if trt.dla_core >= 0:
                opts["trt_dla_enable"] = "True"
                opts["trt_dla_core"] = str(trt.dla_core)
        if cache_dir is not None:
            opts["trt_engine_cache_enable"] = "True"
            opts["trt_engine_cache_path"] = str(cache_dir)
            if trt is None or trt.timing_cache:
                opts["trt_timing_cache_enable"] = "True"
                opts["trt_timing_cache_path"] = str(cache_dir)
        return opts
    return {}


class OrtRunner(Runner):
    """One ONNX model in one ``InferenceSession``."""

    name = NAME

    def __init__(self, model_path, options, precision: str = "fp32", trt=None, model_sha256: str | None = None):
        super().__init__()
        self.model_path = Path(model_path)
        self.options = options  # devices.OrtOptions
        self.precision = precision
        self.trt = trt  # devices.TrtOptions, for the TensorRT execution provider
        self.model_sha256 = model_sha256  # keys the TensorRT provider's engine cache
        self.warnings: list[str] = []
        self.session = None
        self._out_names: list[str] = []
        self._providers: list[str] = []

    def session_options(self):
        import onnxruntime as ort

        so = ort.SessionOptions()
        so.intra_op_num_threads = int(self.options.threads)
        so.inter_op_num_threads = 1
        so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        so.graph_optimization_level = getattr(ort.GraphOptimizationLevel, GRAPH_OPT[self.options.graph_optimization])
        so.add_session_config_entry("session.intra_op.allow_spinning", allow_spinning(self.options.threads))
        so.log_severity_level = 3  # errors only: warnings about unused initializers are noise here
        return so

    def _choose_providers(self) -> list:
        import onnxruntime as ort

        available = ort.get_available_providers()
        chosen = []
        for p in self.options.providers:
            if p in available:
                cache = None
                if p == "TensorrtExecutionProvider" and self.model_sha256:
                    cache = trt_ep_cache_dir(self.model_sha256, self.precision, self.trt, ort.__version__)
                    cache.mkdir(parents=True, exist_ok=True)
                chosen.append((p, provider_options(p, self.precision, self.trt, cache)))
            else:
                self.warnings.append(f"onnxruntime provider {p} is not available in this build (has: "
                                     f"{', '.join(available)}); skipped")
        if not chosen:
            self.warnings.append("no requested provider available; using CPUExecutionProvider")
            chosen = [("CPUExecutionProvider", {})]
        return chosen

    def activate_impl(self) -> None:
        import onnxruntime as ort

        chosen = self._choose_providers()
        try:
            self.session = ort.InferenceSession(
                str(self.model_path), self.session_options(),
                providers=[p for p, _ in chosen], provider_options=[o for _, o in chosen])
        except Exception as exc:  # ORT raises its own exception types (Fail, InvalidGraph, ...)
            raise EdgeCReLUError(f"onnxruntime cannot load {self.model_path}: {first_line(exc)}") from None
        self._providers = self.session.get_providers()
        requested = [p for p, _ in chosen]
        if self._providers and self._providers[0] != requested[0]:
            self.warnings.append(f"onnxruntime fell back from {requested[0]} to {self._providers[0]}")
        self._out_names = [o.name for o in self.session.get_outputs()]
        # The timed loop calls runner.infer once per sample: bind a closure over the session so
        # a call costs one Python frame over a bare session.run (scripts/bench_overhead.py).
        names, run = list(self._out_names), self.session.run
        self.infer = lambda feed: dict(zip(names, run(names, feed)))

    def deactivate_impl(self) -> None:
        self.__dict__.pop("infer", None)  # back to Runner.infer, which refuses an inactive runner
        self.session = None

    def infer_impl(self, feed: Mapping[str, np.ndarray]) -> dict:
        return dict(zip(self._out_names, self.session.run(self._out_names, feed)))

    def input_names_impl(self) -> list[str]:
        return [i.name for i in self.session.get_inputs()]

    def describe(self) -> dict:
        import onnxruntime as ort

        threads = int(self.options.threads)
        return {
            "backend": NAME,
            "onnxruntime_version": ort.__version__,
            "providers_requested": list(self.options.providers),
            "providers": list(self._providers),
            "intra_op_threads": threads,
            "inter_op_threads": 1,
            "allow_spinning": allow_spinning(threads),
            "graph_optimization": self.options.graph_optimization,
            "model": self.model_path.name,
            "warnings": list(self.warnings),
        }


def reference_runner(model_path) -> OrtRunner:
    """The FP32 reference every cell's agreement is measured against: ONNX Runtime on the CPU, one thread."""
    from edgecrelu.devices import OrtOptions

    return OrtRunner(model_path, OrtOptions(threads=1, providers=("CPUExecutionProvider",)))
