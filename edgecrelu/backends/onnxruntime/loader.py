"""ONNX Runtime sessions: session options from :class:`~edgecrelu.devices.OrtOptions`, the choice of
execution providers (with the TensorRT provider's engine cache folder), and :func:`open_session`,
the one place an ``InferenceSession`` is made (profiling, the fp32 reference, export parity checks,
``inspect --evaluate``, scripts/bench_overhead.py).

Providers the onnxruntime build does not offer are skipped with a warning that lands in the record
(a CPU-only wheel on a GPU box must not silently look like a GPU number). More than one intra-op
thread turns spinning off (docs/platform-notes.md: spinning threads wreck p99 on small VMs).
onnxruntime itself is imported only inside functions.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from edgecrelu.backends.base import Loader
from edgecrelu.devices import OrtOptions, TrtOptions
from edgecrelu.errors import EdgeCReLUError, first_line
from edgecrelu.registries import ORT_CPU_PROVIDER as CPU

if TYPE_CHECKING:  # onnxruntime itself is imported inside functions only
    from onnxruntime import InferenceSession, SessionOptions

GRAPH_OPT = {"disable": "ORT_DISABLE_ALL", "basic": "ORT_ENABLE_BASIC",
             "extended": "ORT_ENABLE_EXTENDED", "all": "ORT_ENABLE_ALL"}


def check_options(threads: int | None = None) -> OrtOptions:
    """CPU options for accuracy checks (export parity, ``inspect --evaluate``): up to 4 threads
    (``threads=None``), no spinning, so they degrade gracefully on a shared box
    (docs/platform-notes.md "ONNX Runtime")."""
    return OrtOptions(threads=threads or max(1, min(4, os.cpu_count() or 1)), providers=(CPU,))


def allow_spinning(threads: int) -> str:
    """ORT's ``session.intra_op.allow_spinning``: off ("0") with more than one intra-op thread."""
    return "0" if threads > 1 else "1"


def session_options(options: OrtOptions) -> SessionOptions:
    """``ort.SessionOptions`` for ``options``: intra-op threads, one inter-op thread, sequential."""
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.intra_op_num_threads = int(options.threads)
    so.inter_op_num_threads = 1
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    so.graph_optimization_level = getattr(ort.GraphOptimizationLevel, GRAPH_OPT[options.graph_optimization])
    so.add_session_config_entry("session.intra_op.allow_spinning", allow_spinning(options.threads))
    so.log_severity_level = 3  # errors only: warnings about unused initializers are noise here
    return so


def trt_ep_cache_dir(model_sha256: str, precision: str, trt: TrtOptions | None, ort_version: str) -> Path:
    """Engine / timing cache folder for ORT's TensorRT provider. Every trial is a fresh process and
    session, so without a cache each one rebuilds the engine (minutes on a Jetson). ORT's own cache
    is not invalidated when settings change, so the folder is keyed by everything we set."""
    from dataclasses import asdict

    from edgecrelu.backends.tensorrt.cache import default_root, key_of

    key = {"onnx_sha256": model_sha256, "precision": precision, "trt": asdict(trt) if trt else None,
           "onnxruntime": ort_version}
    return default_root() / "ort-trt" / key_of(key)


def provider_options(name: str, precision: str, trt: TrtOptions | None = None,
                     cache_dir: str | os.PathLike[str] | None = None) -> dict[str, str]:
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


def choose_providers(requested: Iterable[str], precision: str = "fp32", trt: TrtOptions | None = None,
                     model_sha256: str | None = None,
                     warnings: list[str] | None = None) -> list[tuple[str, dict[str, str]]]:
    """(provider, options) for each requested provider this build offers, in order; the CPU provider
    when none is. What was skipped is appended to ``warnings``."""
    import onnxruntime as ort

    warnings = [] if warnings is None else warnings
    available = ort.get_available_providers()
    chosen = []
    for p in requested:
        if p in available:
            cache = None
            if p == "TensorrtExecutionProvider" and model_sha256:
                cache = trt_ep_cache_dir(model_sha256, precision, trt, ort.__version__)
                cache.mkdir(parents=True, exist_ok=True)
            chosen.append((p, provider_options(p, precision, trt, cache)))
        else:
            warnings.append(f"onnxruntime provider {p} is not available in this build (has: "
                            f"{', '.join(available)}); skipped")
    if not chosen:
        warnings.append(f"no requested provider available; using {CPU}")
        chosen = [(CPU, {})]
    return chosen


def _utf8(text: str) -> bool:
    """False for a path with a byte that is not UTF-8 (a surrogate escape) or, under LC_ALL=C, any non-ASCII."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def open_session(model: str | os.PathLike[str] | bytes | Any, options: OrtOptions, *, precision: str = "fp32",
                 trt: TrtOptions | None = None, model_sha256: str | None = None, warnings: list[str] | None = None,
                 profile_prefix: str | None = None) -> InferenceSession:
    """An ``InferenceSession`` for ``model`` (a path, serialized bytes or an ``onnx.ModelProto``).

    ``precision`` / ``trt`` / ``model_sha256`` set up the TensorRT provider (its engine cache is keyed
    by the model's hash); warnings about skipped or fallen-back providers are appended to
    ``warnings``; ``profile_prefix`` turns on ONNX Runtime's own profiler, writing there.
    ORT's exceptions propagate as they are (callers word them for their context).
    """
    import onnxruntime as ort

    warnings = [] if warnings is None else warnings
    if hasattr(model, "SerializeToString"):  # an onnx.ModelProto, without importing onnx here
        model = model.SerializeToString()
    elif isinstance(model, os.PathLike):
        model = str(model)
    if isinstance(model, str) and not _utf8(model):  # ORT takes a path as UTF-8 text: hand it the bytes
        with open(model, "rb") as f:
            model = f.read()
    so = session_options(options)
    if profile_prefix is not None:
        so.enable_profiling = True
        so.profile_file_prefix = str(profile_prefix)
    chosen = choose_providers(options.providers, precision, trt, model_sha256, warnings)
    session = ort.InferenceSession(model, so, providers=[p for p, _ in chosen],
                                   provider_options=[o for _, o in chosen])
    got = session.get_providers()
    if got and got[0] != chosen[0][0]:
        warnings.append(f"onnxruntime fell back from {chosen[0][0]} to {got[0]}")
    return session


class SessionLoader(Loader["InferenceSession"]):
    """One ONNX file's session for a runner: :func:`open_session` with a one-line error, and the
    provider warnings kept for the record."""

    def __init__(self, model_path: str | os.PathLike[str], options: OrtOptions, *, precision: str = "fp32",
                 trt: TrtOptions | None = None, model_sha256: str | None = None):
        self.model_path = Path(model_path)
        self.options = options
        self.precision = precision
        self.trt = trt  # devices.TrtOptions, for the TensorRT execution provider
        self.model_sha256 = model_sha256  # keys the TensorRT provider's engine cache
        self.warnings: list[str] = []

    def load(self) -> InferenceSession:
        try:
            return open_session(self.model_path, self.options, precision=self.precision, trt=self.trt,
                                model_sha256=self.model_sha256, warnings=self.warnings)
        except Exception as exc:  # ORT raises its own exception types (Fail, InvalidGraph, ...)
            raise EdgeCReLUError(f"onnxruntime cannot load {self.model_path}: {first_line(exc)}") from None
