"""Device profiles: what to measure on a target and how to decide, loaded from TOML.

Built-in profiles live in the repository's top-level ``profiles/<name>.toml`` and install inside the
package as ``edgecrelu/profiles/`` (setup.py maps the folder); ``--device`` takes a built-in name or
a path to a user's copy. Unknown keys and bad values are rejected with the key named. The model is
:mod:`edgecrelu.schema.profile` (docs/contracts.md has its tables).
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import fields
from pathlib import Path
from typing import Any

from edgecrelu import objectives
from edgecrelu.errors import EdgeCReLUError, unknown
from edgecrelu.registries import BACKENDS, ORT_PROVIDERS, PRECISIONS, TORCH_DEVICES
from edgecrelu.schema import profile as bounds
from edgecrelu.schema.profile import Decision, DeviceProfile, OrtOptions, Power, Timing, TorchOptions, TrtOptions  # noqa: F401 - the model, re-exported where callers look

if sys.version_info >= (3, 11):
    import tomllib
else:  # JetPack 6 ships Python 3.10
    import tomli as tomllib


def _profile_dir() -> Path:
    """``edgecrelu/profiles`` in an installed package, else the source checkout's top-level ``profiles/``."""
    inside = Path(__file__).parent / "profiles"
    return inside if inside.is_dir() else Path(__file__).resolve().parent.parent / "profiles"


PROFILE_DIR = _profile_dir()
OBJECTIVES = objectives.NAMES  # decision.objective; each one's unit, direction and words are in objectives.py
POWER_SOURCES = ("none", "tegrastats", "nvml")


_SECTIONS = {"timing": Timing, "onnxruntime": OrtOptions, "tensorrt": TrtOptions, "torch": TorchOptions,
             "power": Power, "decision": Decision}


def _finite(v: float, source: str, where: str) -> float:
    from edgecrelu.validate import is_finite

    if not is_finite(v):
        raise EdgeCReLUError(f"{source}: {where} must be a finite number, got {v!r}")
    return v


def _coerce(section: str, key: str, value, default, source: str = "device profile"):
    where = f"{section}.{key}" if section else key
    typ = type(default)
    if default is None:  # optional float budgets
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise EdgeCReLUError(f"{source}: {where} must be a number, got {value!r}")
        return _finite(float(value), source, where)
    if typ is bool:
        if not isinstance(value, bool):
            raise EdgeCReLUError(f"{source}: {where} must be true or false, got {value!r}")
        return value
    if typ is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise EdgeCReLUError(f"{source}: {where} must be an integer, got {value!r}")
        return value
    if typ is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise EdgeCReLUError(f"{source}: {where} must be a number, got {value!r}")
        return _finite(float(value), source, where)
    if typ is tuple:
        if not isinstance(value, list):
            raise EdgeCReLUError(f"{source}: {where} must be a list, got {value!r}")
        if any(isinstance(v, bool) or not isinstance(v, (str, int)) for v in value):
            raise EdgeCReLUError(f"{source}: {where} must be a list of names or integers, got {value!r}")
        return tuple(value)
    if typ is str:
        if not isinstance(value, str):
            raise EdgeCReLUError(f"{source}: {where} must be a string, got {value!r}")
        return value
    return value


def coerce_table(cls: type, section: str, table: dict[str, Any], source: str = "device profile") -> dict[str, Any]:
    """Check the keys and value types of a ``[section]`` table against the dataclass ``cls``;
    return the keyword arguments it sets. Errors name ``source`` and the key."""
    known = {f.name: f for f in fields(cls)}
    defaults = cls()
    kwargs = {}
    for key, value in table.items():
        if key not in known:
            raise EdgeCReLUError(f"{source}: unknown key '{section}.{key}'; valid keys: {', '.join(known)}")
        if str(known[key].type).startswith("dict"):  # a table of numbers (decision.class_recall_budget)
            kwargs[key] = _coerce_numbers(f"{section}.{key}", value, source)
            continue
        kwargs[key] = _coerce(section, key, value, getattr(defaults, key), source)
    return kwargs


def _coerce_numbers(where: str, value, source: str) -> dict | None:
    """A ``{name = number}`` table: names non-empty, numbers finite and >= 0."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise EdgeCReLUError(f"{source}: {where} must be a table of name = number, got {value!r}")
    out = {}
    for name, v in value.items():
        if not str(name).strip():
            raise EdgeCReLUError(f"{source}: {where} has an empty name")
        if isinstance(v, bool) or not isinstance(v, (int, float)) or v < 0:
            raise EdgeCReLUError(f"{source}: {where}.{name} must be a number >= 0, got {v!r}")
        out[str(name)] = _finite(float(v), source, f"{where}.{name}")
    return out


def _build(cls, section: str, table: dict):
    if not isinstance(table, dict):
        raise EdgeCReLUError(f"device profile: [{section}] must be a table")
    return cls(**coerce_table(cls, section, table))


def _validate(p: DeviceProfile) -> None:
    source = f"device profile {p.path}" if p.path else "device profile"
    named = source if p.path else f"device profile {p.name!r}"  # the file where there is one, else the name

    def bad(key, msg):
        raise EdgeCReLUError(f"{named}: {key} {msg}")

    if not p.name.strip():  # records and reports key cells by it
        raise EdgeCReLUError(f"{source}: name must be a non-empty string, got {p.name!r}")
    if not re.fullmatch(bounds.NAME_PATTERN, p.name):  # no path separators, newlines or markup in file names and reports
        raise EdgeCReLUError(f"{source}: name must be letters, digits, '.', '_' or '-' (at most 64, starting with a "
                             f"letter or digit), got {p.name[:40]!r}")
    if not p.backends:
        bad("backends", "must name at least one backend")
    for b in p.backends:
        if b not in BACKENDS:
            bad("backends", f"has unknown backend '{b}'; choose from: {', '.join(BACKENDS.names)}")
    for q in p.precisions:
        if q not in PRECISIONS:
            bad("precisions", f"has unknown precision '{q}'; choose from: {', '.join(PRECISIONS.names)}")
    if "int8" in p.precisions and not p.int8:
        bad("precisions", "lists int8 but int8 = false for this device")
    if not p.batch_sizes or any((not isinstance(b, int)) or isinstance(b, bool) or b < 1 for b in p.batch_sizes):
        bad("batch_sizes", "must be a list of positive integers")
    if max(p.batch_sizes) > bounds.MAX_BATCH:
        bad("batch_sizes", f"must be at most {bounds.MAX_BATCH} each, got {max(p.batch_sizes)}")
    t = p.timing
    if t.warmup_s < 0 or t.min_duration_s < 0 or t.min_iterations < 1 or t.trials < 1 or t.cov_warn <= 0:
        bad("[timing]", "needs warmup_s >= 0, min_duration_s >= 0, min_iterations >= 1, trials >= 1, cov_warn > 0")
    if t.budget_s <= 0 or t.block_ms <= 0 or t.rounds_per_worker < 1 or t.min_workers < 3:
        bad("[timing]", "needs budget_s > 0, block_ms > 0, rounds_per_worker >= 1, min_workers >= 3")
    for key, most in (("warmup_s", bounds.MAX_SECONDS), ("min_duration_s", bounds.MAX_SECONDS),
                      ("block_ms", bounds.MAX_SECONDS * 1000), ("budget_s", bounds.MAX_BUDGET_S),
                      ("min_iterations", bounds.MAX_ITERATIONS), ("trials", bounds.MAX_TRIALS),
                      ("rounds_per_worker", bounds.MAX_TRIALS)):
        if getattr(t, key) > most:
            bad(f"timing.{key}", f"must be at most {most:g}, got {getattr(t, key):g}")
    if p.onnxruntime.threads < 1:
        bad("onnxruntime.threads", "must be >= 1")
    for section in ("onnxruntime", "torch"):
        n = getattr(p, section).threads
        if n > bounds.MAX_THREADS:
            bad(f"{section}.threads", f"must be at most {bounds.MAX_THREADS}, got {n}")
    for name in p.onnxruntime.providers:
        if name not in ORT_PROVIDERS:
            bad("onnxruntime.providers", f"has unknown provider {str(name)[:40]!r}; ONNX Runtime's are: "
                f"{', '.join(ORT_PROVIDERS)}")
    if p.onnxruntime.graph_optimization not in ("disable", "basic", "extended", "all"):
        bad("onnxruntime.graph_optimization", "must be one of: disable, basic, extended, all")
    if p.tensorrt.workspace_mb < 1:
        bad("tensorrt.workspace_mb", "must be >= 1")
    if p.tensorrt.dla_core >= 0 and p.tensorrt.dla_core >= max(p.dla_cores, 0):
        bad("tensorrt.dla_core", f"is {p.tensorrt.dla_core} but the device has {p.dla_cores} DLA core(s)")
    if p.torch.device not in TORCH_DEVICES:
        bad("torch.device", "must be cpu or cuda")
    if p.power.source not in POWER_SOURCES:
        bad("power.source", f"must be one of: {', '.join(POWER_SOURCES)}")
    if p.power.idle_s < 0 or p.power.idle_s > bounds.MAX_SECONDS:
        bad("power.idle_s", f"must be in [0, {bounds.MAX_SECONDS:g}], got {p.power.idle_s:g}")
    d = p.decision
    if d.objective not in OBJECTIVES:
        bad("decision.objective", f"must be one of: {', '.join(OBJECTIVES)}")
    if d.max_accuracy_drop < 0 or d.min_gain < 0 or d.line_rate_ips <= 0 or d.stations < 1:
        bad("[decision]", "needs max_accuracy_drop >= 0, min_gain >= 0, line_rate_ips > 0, stations >= 1")
    for key in ("latency_budget_p99_ms", "memory_budget_mb"):  # refused here, not first by `report`
        v = getattr(d, key)
        if v is not None and v <= 0:
            bad(f"decision.{key}", f"must be > 0 (leave it out for no budget), got {v:g}")
    if (d.robustness_budget is not None and d.robustness_budget < 0) or not 1 <= d.robustness_severity <= 3:
        bad("[decision]", "needs robustness_budget >= 0 (leave it out for none) and robustness_severity 1 to 3")


def parse_profile(data: dict, path: str = "") -> DeviceProfile:
    top = {f.name: f for f in fields(DeviceProfile)}
    kwargs: dict[str, Any] = {"path": path}
    for key, value in data.items():
        if key in _SECTIONS:
            kwargs[key] = _build(_SECTIONS[key], key, value)
        elif key in top and key != "path":
            default = top[key].default
            if key in ("name", "description"):
                default = ""
            elif key in ("backends", "precisions", "batch_sizes"):
                default = ()
            kwargs[key] = _coerce("", key, value, default)
        else:
            valid = [k for k in top if k != "path"]
            raise EdgeCReLUError(f"device profile: unknown key '{key}'; valid keys: {', '.join(valid)}")
    for req in ("name", "backends", "precisions", "batch_sizes"):
        if req not in kwargs:
            raise EdgeCReLUError(f"device profile {path or ''}: missing required key '{req}'".replace("  ", " "))
    kwargs.setdefault("description", "")
    prof = DeviceProfile(**kwargs)
    _validate(prof)
    return prof


def builtin_names() -> list[str]:
    return sorted(p.stem for p in PROFILE_DIR.glob("*.toml"))


def load_device(name_or_path: str | os.PathLike) -> DeviceProfile:
    """Load a built-in profile by name, or a user's TOML file by path."""
    s = str(name_or_path)
    p = Path(s)
    if s.endswith(".toml") or os.sep in s or p.is_file():
        if p.is_dir():
            raise EdgeCReLUError(f"device profile {p} is a directory; give a profile .toml file or a built-in name")
        if not p.is_file():
            raise EdgeCReLUError(f"device profile not found: {p}")
    else:
        p = PROFILE_DIR / f"{s}.toml"
        if not p.is_file():
            raise unknown("device", s, builtin_names())
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise EdgeCReLUError(f"cannot read device profile {p}: {exc}") from None
    return parse_profile(data, str(p))
