"""Checks for the files users carry between machines: a hand-edited or truncated field fails where the
file is read, in one line that names the file and the field, instead of as a traceback deep in
``report`` or ``profile``. The formats' fields are checked by their models (``edgecrelu/schema/``);
these are the checks the models cannot make (versions, paths, finite numbers before a write)."""

from __future__ import annotations

import math
from pathlib import PurePosixPath
from typing import TypeGuard

from edgecrelu.errors import EdgeCReLUError


def is_num(v: object) -> TypeGuard[int | float]:
    """An int or float, not a bool (JSON true is not a measurement)."""
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def is_finite(v: object) -> bool:
    """A number that is neither NaN nor infinite (JSON and TOML readers accept both)."""
    return is_num(v) and math.isfinite(v)


def is_int(v: object) -> TypeGuard[int]:
    return isinstance(v, int) and not isinstance(v, bool)


def is_text(v: object) -> TypeGuard[str]:
    """A non-empty string (names, paths, hashes)."""
    return isinstance(v, str) and bool(v)


def schema_version_error(v: object, expected: int) -> str | None:
    """``None`` when ``v`` is the integer ``expected``, else the words of the error. A string "1"
    (or 1.0, or true) is named as the wrong type with its repr: "1 is not supported (expected 1)"
    would read as a contradiction."""
    if is_int(v) and v == expected:
        return None
    if is_int(v):
        return f"schema_version {v} is not supported (expected {expected})"
    return f"schema_version must be the integer {expected}, got {v!r}"


def want(ok: bool, source: str, where: str, what: str, value: object) -> None:
    """Raise ``SOURCE: WHERE must be WHAT, got VALUE`` unless ``ok``."""
    if not ok:
        shown = repr(value)
        shown = shown if len(shown) <= 40 else shown[:37] + "..."
        raise EdgeCReLUError(f"{source}: {where} must be {what}, got {shown}")


def in_range(v: object, source: str, where: str, minimum: float | None = None, maximum: float | None = None,
             allow_none: bool = False) -> None:
    """``v`` is a finite number in [``minimum``, ``maximum``] (or null with ``allow_none``)."""
    if v is None and allow_none:
        return
    if not is_num(v):  # want() raises here; the branch tells the type checker v is a number below
        want(False, source, where, "a number or null" if allow_none else "a number", v)
        return
    want(math.isfinite(v), source, where, "a finite number", v)
    if minimum is not None:
        want(v >= minimum, source, where, f"a number >= {minimum:g}", v)
    if maximum is not None:
        want(v <= maximum, source, where, f"a number <= {maximum:g}", v)


def non_finite(obj: object, where: str = "") -> tuple[str, float] | None:
    """``(where, value)`` of the first NaN or infinite float inside a JSON-able ``obj`` (``where`` as
    ``a.b[2]``), or None. ``json.dumps`` writes both, as tokens no JSON reader need accept."""
    if isinstance(obj, float):
        return None if math.isfinite(obj) else (where or "value", obj)
    if isinstance(obj, dict):
        items = ((f"{where}.{k}" if where else str(k), v) for k, v in obj.items())
    elif isinstance(obj, (list, tuple)):
        items = ((f"{where}[{i}]", v) for i, v in enumerate(obj))
    else:
        return None
    for w, v in items:
        found = non_finite(v, w)
        if found is not None:
            return found
    return None


def require_finite(obj: object, what: str) -> None:
    """Refuse to write ``obj`` (``what`` names the file) when a number in it is NaN or infinite."""
    found = non_finite(obj)
    if found is not None:
        raise EdgeCReLUError(f"{what}: {found[0]} is {found[1]}, not a finite number; not written")


def is_safe_relpath(p: object) -> bool:
    """A relative POSIX path that stays inside its folder (no absolute path, no '..', no backslash)."""
    if not isinstance(p, str) or not p or "\\" in p:
        return False
    pp = PurePosixPath(p)
    return not pp.is_absolute() and ".." not in pp.parts
