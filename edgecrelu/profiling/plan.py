"""What a profile run will measure, settled before any timing: the run's options (``ProfileConfig``),
the device profile with the command line's overrides, the backends, the cells, and checks that the
selected ONNX files parse and the power monitor starts.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields, is_dataclass, replace
from typing import TYPE_CHECKING

from edgecrelu.backends.base import find_artifact
from edgecrelu.errors import EdgeCReLUError, first_line, unknown
from edgecrelu.profiling import POWER_MODES
from edgecrelu.results import Cell
from edgecrelu.schema.profile import MAX_ITERATIONS, MAX_SECONDS, MAX_TRIALS

if TYPE_CHECKING:
    from edgecrelu.backends.base import Backend
    from edgecrelu.bundle import Bundle
    from edgecrelu.devices import DeviceProfile

AUTO_FORMS = "auto"  # --forms auto: every form of the bundle, each a cell; the report shows a cell at its fastest
POWER_NONE_HINT = "pass --power none to profile without power on purpose"
FALLBACK_BACKEND = "onnxruntime"  # what every machine can run: named when another backend is missing


@dataclass(frozen=True)
class ProfileConfig:
    bundle: str  # bundle directory (written by ``export``)
    device: str = "cpu"  # built-in device profile name or path to a profile TOML
    out: str = "results"  # results directory: one ``<cell key>.json`` per cell
    backends: tuple | None = None  # None: the profile's first (preferred) backend
    variants: tuple | None = None  # None: every variant in the bundle
    precisions: tuple | None = None  # None: the profile's precisions that the bundle has
    forms: tuple | None = None  # None or ("auto",): every form in the bundle (the report picks the fastest)
    batches: tuple | None = None  # None: the profile's batch_sizes
    threads: int | None = None  # overrides ``threads`` of every backend section that has one
    warmup_s: float | None = None  # overrides [timing] warmup_s
    duration_s: float | None = None  # overrides [timing] min_duration_s
    iterations: int | None = None  # overrides [timing] min_iterations
    trials: int | None = None  # overrides [timing] trials
    resume: bool = False  # skip cells whose record exists; reuse finished trials of the others
    isolation: str = "process"  # "process": one worker process per trial; "none": in this process
    power: str = "auto"  # "auto": the profile's power source, degraded to none (with a warning) off its device
    budget_s: float | None = None  # seconds for the paired timing rounds (None: [timing] budget_s)
    seed: int = 0  # seed of the rounds' random orders (recorded)


def effective_profile(profile: DeviceProfile, config: ProfileConfig) -> DeviceProfile:
    """The device profile with the command line's timing / thread overrides applied."""
    t = profile.timing
    over = {"warmup_s": config.warmup_s, "min_duration_s": config.duration_s,
            "min_iterations": config.iterations, "trials": config.trials}
    for key, value in over.items():
        if value is not None:
            if value < 0 or (key in ("min_iterations", "trials") and value < 1):
                raise EdgeCReLUError(f"--{key.replace('min_', '').replace('_s', '')} must be "
                                     f"{'>= 1' if key in ('min_iterations', 'trials') else '>= 0'}, got {value}")
            most = {"min_iterations": MAX_ITERATIONS, "trials": MAX_TRIALS}.get(key, MAX_SECONDS)
            if value > most:  # the bounds of a profile's own values (schema/profile.py)
                raise EdgeCReLUError(f"--{key.replace('min_', '').replace('_s', '')} must be at most {most:g}, "
                                     f"got {value:g}")
            t = replace(t, **{key: type(getattr(t, key))(value)})
    profile = replace(profile, timing=t)
    if config.threads is not None:
        if config.threads < 1:
            raise EdgeCReLUError(f"--threads must be >= 1, got {config.threads}")
        profile = with_threads(profile, int(config.threads))
    return profile


def _has_threads(section: object) -> bool:
    return is_dataclass(section) and any(f.name == "threads" for f in fields(section))


def with_threads(profile: DeviceProfile, threads: int) -> DeviceProfile:
    """``profile`` with ``threads`` set in every option section that has such a field (the backends
    that run on CPU threads), so a new backend section with ``threads`` follows --threads unnamed."""
    over = {f.name: replace(getattr(profile, f.name), threads=threads) for f in fields(profile)
            if _has_threads(getattr(profile, f.name))}
    return replace(profile, **over)


def backend_threads(profile: DeviceProfile, backend: str) -> int | None:
    """The thread count ``backend`` runs with, or None where its options have none (TensorRT). A
    backend's options are the profile section named after it."""
    return getattr(getattr(profile, backend, None), "threads", None)


def thread_warnings(profile: DeviceProfile, backends: Iterable[str]) -> dict[str, str]:
    """``{backend: warning}`` for each backend whose thread count exceeds the cores this process may
    run on (its affinity set): oversubscribed threads wait for a core, and p99 latency explodes."""
    from edgecrelu.limits import cpus

    cores = cpus()
    out: dict[str, str] = {}
    for b in backends:
        n = backend_threads(profile, b)
        if n is not None and n > cores:
            out[b] = (f"{b} runs {n} threads on the {cores} core(s) this process may use: threads that "
                      f"oversubscribe the cores inflate p99 latency; pass --threads {cores} or fewer")
    return out


def select_backends(profile: DeviceProfile, names: Sequence[str] | None) -> list[Backend]:
    """Backend modules to use, each checked for its heavy dependency (one-line install hint)."""
    from edgecrelu.backends import get_backend

    names = list(names) if names else [profile.backends[0]]
    mods = []
    for n in names:
        try:
            mod = get_backend(n)  # unknown name -> "unknown backend 'x'; choose one of: ..."
        except ModuleNotFoundError as exc:
            if not (exc.name or "").startswith("edgecrelu"):
                raise
            raise EdgeCReLUError(f"backend '{n}' is not available in this edgecrelu build ({exc})") from None
        try:
            mod.check_available()
        except EdgeCReLUError as exc:
            exc.args = (unavailable_line(n, exc),)  # same type (MissingDependencyError), fallback named
            raise
        mods.append(mod)
    return mods


def unavailable_line(backend: str, exc: BaseException) -> str:
    """The one-line refusal for a backend this machine lacks, naming the ONNX Runtime fallback."""
    msg = str(exc).rstrip(". ")
    if backend == FALLBACK_BACKEND:
        return msg
    return (f"{msg}; to measure on this machine without {backend}, add --backend {FALLBACK_BACKEND} "
            f"(the section then says where it was measured)")


def plan_cells(bundle: Bundle, profile: DeviceProfile, backends: Iterable[Backend], config: ProfileConfig) -> list[Cell]:
    """The selected cells, sorted; a selection the bundle cannot serve is a one-line error."""
    arts = bundle.artifacts()
    if config.variants:
        for v in config.variants:
            if v not in bundle.variants and v not in {a.variant for a in arts}:
                raise unknown("variant", v, sorted(bundle.variants or {a.variant for a in arts}))
    if config.forms and AUTO_FORMS in config.forms:
        if len(config.forms) > 1:
            raise EdgeCReLUError(f"--forms {AUTO_FORMS} measures every form of the bundle; give it alone")
        config = replace(config, forms=None)
    precisions = list(config.precisions or profile.precisions)  # those the device lacks were refused before
    batches = [int(b) for b in (config.batches or profile.batch_sizes)]
    if any(b < 1 for b in batches):
        raise EdgeCReLUError(f"batch sizes must be >= 1, got {batches}")
    cells: set[Cell] = set()
    for mod in backends:
        cells.update(mod.enumerate_cells(bundle, variants=list(config.variants) if config.variants else None,
                                         precisions=precisions, forms=list(config.forms) if config.forms else None,
                                         batches=batches, profile=profile))
    have = {"precision": {c.precision for c in cells}, "form": {c.form for c in cells}}
    for what, asked in (("precision", config.precisions), ("form", config.forms)):
        for a in asked or ():
            if a not in have[what]:
                bundle_has = sorted({getattr(x, what) for x in arts})
                raise EdgeCReLUError(f"bundle {bundle.root} has no {what} '{a}' for the selected cells; "
                                     f"it has: {', '.join(bundle_has) or 'nothing'}")
    if not cells:
        raise EdgeCReLUError(f"no cells to measure: bundle {bundle.root} has no artifacts matching the selection "
                             f"(precisions {', '.join(precisions)})")
    return sorted(cells)


def verify_artifacts(bundle: Bundle, cells: Iterable[Cell]) -> None:
    """Load and check every selected ONNX file (a hash match does not prove a file parses)."""
    import onnx

    seen = set()
    for c in cells:
        a = find_artifact(bundle, c)
        if a is None or a.path in seen:
            continue
        seen.add(a.path)
        path = bundle.path(a.path)
        try:
            if path.stat().st_size < 2**31 - 2**26:  # the bytes, parsed: check_model(path) fails on a
                onnx.checker.check_model(onnx.load_model_from_string(path.read_bytes()))  # non-UTF-8 path
            else:  # a proto over 2 GB cannot be checked in memory
                onnx.checker.check_model(str(path))
        except Exception as exc:  # DecodeError, ValidationError, OSError...
            raise EdgeCReLUError(f"bundle {bundle.root}: {a.path} is not a valid ONNX model "
                                 f"({first_line(exc)})") from None


def check_power(profile: DeviceProfile, mode: str = "auto") -> tuple[DeviceProfile, str | None]:
    """Start and stop the power monitor once, before any timing.

    Returns ``(profile, warning)``. Where the source cannot run here -- no monitor module in this
    build, tegrastats not on PATH (a Jetson profile on a desktop), no NVML -- or ``mode`` is
    ``"none"``, power is not measured (source "none") and the warning says so in every record.
    """
    from edgecrelu.profiling.power import get_monitor

    if mode not in POWER_MODES:
        raise unknown("power mode", mode, list(POWER_MODES))
    source = profile.power.source
    off = replace(profile, power=replace(profile.power, source="none"))
    if source == "none":
        return profile, None
    if mode == "none":
        return off, f"power not measured (--power none; the profile's source is '{source}')"
    try:
        mon = get_monitor(profile.power)
    except ImportError as exc:
        return off, (f"power not measured: power source '{source}' is not available in this build ({exc}); "
                     f"{POWER_NONE_HINT}")
    try:
        mon.start()  # raises EdgeCReLUError (one line) when e.g. tegrastats is not on PATH
        mon.stop()
    except EdgeCReLUError as exc:
        return off, (f"power not measured: power source '{source}' cannot run here ({str(exc).rstrip('. ')}); "
                     f"{POWER_NONE_HINT}")
    return profile, None
