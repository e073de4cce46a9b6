"""TensorRT engine builds: first a plain :class:`BuildPlan` (testable without TensorRT), then applied.

How precision reaches the engine depends on the release (docs/platform-notes.md "TensorRT"):

* TensorRT 11: every network is strongly typed; FP16 comes from the FP16 ONNX, INT8 from the QDQ
  ONNX, and no precision flag exists.
* TensorRT 8.5 to 10.x: weak typing; ``BuilderFlag.FP16`` for the FP16 ONNX, ``BuilderFlag.INT8``
  for the same QDQ ONNX (explicit quantization, no calibrator); ``EXPLICIT_BATCH`` before 10.0.

The optimisation profile covers every profiled batch size (min / max) and is tuned for the cell's
batch (opt), so each measured row is the best engine for its batch that still accepts the whole range.
DLA needs static shapes, so there min = opt = max = the cell's batch.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from edgecrelu.backends.tensorrt.version import TOO_OLD_HINT, TrtVersion
from edgecrelu.errors import EdgeCReLUError
from edgecrelu.fileio import atomic_write
from edgecrelu.registries import ONNX_PRECISIONS

if TYPE_CHECKING:
    from edgecrelu.devices import TrtOptions

TRT_PRECISIONS = ONNX_PRECISIONS  # TensorRT runs the bundle's ONNX files


@dataclass(frozen=True)
class ShapeProfile:
    """One optimisation profile for the single input tensor."""

    input_name: str  # ONNX input tensor name
    min: tuple  # smallest shape the engine accepts (N, C, H, W)
    opt: tuple  # shape the tactics are tuned for
    max: tuple  # largest shape the engine accepts


@dataclass(frozen=True)
class BuildPlan:
    """Everything that decides what the builder produces, as plain data."""

    trt_version: str  # "10.3.0"
    precision: str  # fp32 | fp16 | int8 (the ONNX artifact's precision)
    strongly_typed: bool  # network created with NetworkDefinitionCreationFlag.STRONGLY_TYPED
    explicit_batch_flag: bool  # NetworkDefinitionCreationFlag.EXPLICIT_BATCH (TensorRT < 10 only)
    builder_flags: tuple  # names of trt.BuilderFlag members to set, e.g. ("FP16",) or ("GPU_FALLBACK",)
    workspace_bytes: int  # MemoryPoolType.WORKSPACE limit
    optimization_level: int | None  # IBuilderConfig.builder_optimization_level (0-5); None before 8.6
    profile: ShapeProfile  # min / opt / max input shapes
    dla_core: int  # -1: GPU; >= 0: DeviceType.DLA on this core (with GPU_FALLBACK)

    def key_options(self) -> dict:
        """The options that change the engine (what the engine cache key hashes)."""
        d = asdict(self)
        d["profile"] = {k: list(v) if isinstance(v, tuple) else v for k, v in d["profile"].items()}
        d["builder_flags"] = sorted(self.builder_flags)
        return d


def batch_profile(batches: Sequence[int], batch: int, *, static: bool = False) -> tuple[int, int, int]:
    """(min, opt, max) batch for a cell: the range of all profiled batches, tuned for ``batch``.

    ``static`` (DLA) pins all three to ``batch``.
    """
    bs = sorted({int(b) for b in batches} | {int(batch)})
    if bs[0] < 1:
        raise EdgeCReLUError(f"batch sizes must be positive, got {bs}")
    if static:
        return batch, batch, batch
    return bs[0], batch, bs[-1]


def make_plan(options: TrtOptions, precision: str, version: TrtVersion | str, *, batches: Sequence[int], batch: int,
              input_name: str, input_chw: Sequence[int], module: str | None = None) -> BuildPlan:
    """Build plan from a device profile's ``[tensorrt]`` options (:class:`devices.TrtOptions`).

    Raises a one-line :class:`EdgeCReLUError` for what this TensorRT cannot do: an unknown precision,
    a release older than 8.5, DLA in FP32, DLA where the release (or module) lacks it.
    """
    v = version if isinstance(version, TrtVersion) else TrtVersion.parse(version)
    if precision not in TRT_PRECISIONS:
        raise EdgeCReLUError(
            f"TensorRT builds fp32, fp16 and int8 engines; precision '{precision}' is not supported"
        )
    if not v.supported:
        raise EdgeCReLUError(f"TensorRT {v} is too old; {TOO_OLD_HINT}")
    if not 0 <= options.builder_optimization_level <= 5:
        raise EdgeCReLUError(
            f"tensorrt.builder_optimization_level must be 0-5, got {options.builder_optimization_level}"
        )
    flags: list[str] = []
    strongly_typed = not v.weak_typing
    if v.weak_typing:
        if precision == "fp16":
            flags.append("FP16")
        elif precision == "int8":
            flags.append("INT8")  # explicit quantization: the QDQ file sets the scales, no calibrator
    dla = options.dla_core >= 0
    if dla:
        ok, why = v.dla_support(module)
        if not ok:
            raise EdgeCReLUError(f"DLA requested (tensorrt.dla_core = {options.dla_core}) but {why}; "
                                 "set dla_core = -1 in a copy of the device profile")
        if precision == "fp32":
            raise EdgeCReLUError("DLA runs FP16 and INT8 only; profile fp32 on the GPU (dla_core = -1)")
        flags.append("GPU_FALLBACK")
    lo, opt, hi = batch_profile(batches, batch, static=dla)
    chw = tuple(int(d) for d in input_chw)
    profile = ShapeProfile(input_name, (lo, *chw), (opt, *chw), (hi, *chw))
    return BuildPlan(
        trt_version=str(v), precision=precision, strongly_typed=strongly_typed,
        explicit_batch_flag=v.needs_explicit_batch_flag, builder_flags=tuple(flags),
        workspace_bytes=int(options.workspace_mb) * (1 << 20),
        optimization_level=int(options.builder_optimization_level) if v.has_optimization_level else None,
        profile=profile,
        dla_core=int(options.dla_core),
    )


# -- applying a plan to the real TensorRT API --------------------------------------------------------
def _make_logger(trt, lines: list[str]):
    """A trt.ILogger that keeps the build log (INFO and above) in ``lines``."""

    class _KeepLog(trt.ILogger):
        def __init__(self):
            trt.ILogger.__init__(self)

        def log(self, severity, msg):
            if severity == trt.ILogger.Severity.VERBOSE:  # megabytes per build; INFO and up are kept
                return
            # pybind11 enums carry .name; str() differs between enum kinds ("Severity.INFO" vs "3")
            name = getattr(severity, "name", None) or str(severity).split(".")[-1]
            lines.append(f"[{name}] {msg}")

    return _KeepLog()


def build_engine(onnx_path: str | os.PathLike, plan: BuildPlan, *,
                 timing_cache: str | os.PathLike | None = None,
                 failed_log: str | os.PathLike | None = None) -> tuple[bytes, str, str | None]:
    """Build a serialized engine for ``plan``; returns (engine bytes, build log text, timing cache note).

    ``timing_cache``: a file read before and written after the build (created when missing), so
    later builds on this device reuse measured tactic timings; an unreadable one is replaced, one
    TensorRT rejects (``set_timing_cache`` returns False) is left out, and a cache that cannot be
    written back never costs the built engine: the note (None when all went well) says what happened.
    The engine is built with detailed profiling verbosity so its inspector can report per-layer
    precision and device (:mod:`layers`).
    ``failed_log``: where the whole build log goes when parsing or building fails (the one-line
    error names it), so nothing TensorRT said is lost.
    """
    import tensorrt as trt

    log: list[str] = []
    logger = _make_logger(trt, log)
    try:
        return _build(trt, logger, log, onnx_path, plan, timing_cache)
    except EdgeCReLUError as exc:
        if failed_log is None:
            raise
        text = "\n".join(log) + "\n"
        atomic_write(Path(failed_log), lambda f: f.write(text))
        raise EdgeCReLUError(f"{exc} (build log: {failed_log})") from None


def _build(trt: ModuleType, logger: Any, log: list[str], onnx_path: str | os.PathLike, plan: BuildPlan,
           timing_cache: str | os.PathLike | None) -> tuple[bytes, str, str | None]:
    builder = trt.Builder(logger)
    flags = 0
    if plan.explicit_batch_flag:
        flags |= 1 << int(trt.NetworkDefinitionCreationFlag.EXPLICIT_BATCH)
    strongly = getattr(trt.NetworkDefinitionCreationFlag, "STRONGLY_TYPED", None)
    if plan.strongly_typed and strongly is not None:  # 11.x accepts it (and may drop it): typing is always strong
        flags |= 1 << int(strongly)
    network = builder.create_network(flags)
    parser = trt.OnnxParser(network, logger)
    if not parser.parse_from_file(str(onnx_path)):
        errors = [str(parser.get_error(i)) for i in range(parser.num_errors)]
        raise EdgeCReLUError(f"TensorRT could not parse {onnx_path}: {errors[0] if errors else 'unknown error'}")

    config = builder.create_builder_config()
    config.set_memory_pool_limit(trt.MemoryPoolType.WORKSPACE, plan.workspace_bytes)
    verbosity = getattr(trt, "ProfilingVerbosity", None)
    if verbosity is not None:  # per-layer precision / device through the engine inspector
        config.profiling_verbosity = verbosity.DETAILED
    if plan.optimization_level is not None:
        config.builder_optimization_level = plan.optimization_level
    for name in plan.builder_flags:
        config.set_flag(getattr(trt.BuilderFlag, name))
    if plan.dla_core >= 0:
        config.default_device_type = trt.DeviceType.DLA
        config.DLA_core = plan.dla_core

    p = plan.profile
    profile = builder.create_optimization_profile()
    profile.set_shape(p.input_name, p.min, p.opt, p.max)
    config.add_optimization_profile(profile)

    cache_path = Path(timing_cache) if timing_cache else None
    note = None
    if cache_path is not None:
        note = _use_timing_cache(config, cache_path, log)
        if note is not None and "not used" in note:
            cache_path = None

    serialized = builder.build_serialized_network(network, config)
    if serialized is None:
        tail = " | ".join(log[-3:])
        raise EdgeCReLUError(f"TensorRT failed to build an engine for {onnx_path} ({plan.precision}): {tail}")
    engine = bytes(serialized)
    if cache_path is not None:
        try:  # the engine is built: nothing here may lose it
            tc = bytes(config.get_timing_cache().serialize())
            atomic_write(cache_path, lambda f: f.write(tc), binary=True)
        except Exception as exc:
            note = f"timing cache {cache_path} not saved ({type(exc).__name__}: {exc}); the engine is kept"
            log.append(f"[edgecrelu] {note}")
    return engine, "\n".join(log) + "\n", note


def _use_timing_cache(config, cache_path: Path, log: list[str]) -> str | None:
    """Give the builder the timing cache in ``cache_path``; a note when it was replaced or not used."""
    note = None
    data = cache_path.read_bytes() if cache_path.is_file() else b""
    try:
        cache = config.create_timing_cache(data)
    except Exception:  # a truncated or foreign file: TensorRT refuses it
        cache = None
    if cache is None and data:
        note = f"timing cache {cache_path} is unreadable; started a new one"
        log.append(f"[edgecrelu] {note}")
        cache = config.create_timing_cache(b"")
    if cache is not None and config.set_timing_cache(cache, ignore_mismatch=False):
        return note
    # set_timing_cache returns False for a cache from another device or release: try an empty one
    fresh = config.create_timing_cache(b"")
    if fresh is not None and config.set_timing_cache(fresh, ignore_mismatch=False):
        note = f"timing cache {cache_path} was rejected by TensorRT; started a new one"
    else:
        note = f"timing cache {cache_path} was rejected by TensorRT and not used for this build"
    log.append(f"[edgecrelu] {note}")
    return note
