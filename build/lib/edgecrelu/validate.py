"""Type checks for the JSON files users carry between machines (result records, bundle manifests):
a hand-edited or truncated field fails where the file is read, in one line that names the file and
the field, instead of as a traceback deep in ``report`` or ``profile``."""

from __future__ import annotations

from pathlib import PurePosixPath

from edgecrelu.errors import EdgeCReLUError


def is_num(v) -> bool:
    """An int or float, not a bool (JSON true is not a measurement)."""
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def is_pos_int(v) -> bool:
    return is_int(v) and v >= 1


def is_text(v) -> bool:
    """A non-empty string (names, paths, hashes)."""
    return isinstance(v, str) and bool(v)


def want(ok: bool, source: str, where: str, what: str, value) -> None:
    """Raise ``SOURCE: WHERE must be WHAT, got VALUE`` unless ``ok``."""
    if not ok:
        shown = repr(value)
        shown = shown if len(shown) <= 40 else shown[:37] + "..."
        raise EdgeCReLUError(f"{source}: {where} must be {what}, got {shown}")


def numbers(d, source: str, where: str, keys=None) -> None:
    """``d`` is null or an object whose (listed) fields are numbers or null."""
    if d is None:
        return
    want(isinstance(d, dict), source, where, "an object or null", d)
    for k in keys if keys is not None else d:
        v = d.get(k)
        want(v is None or is_num(v), source, f"{where}.{k}", "a number or null", v)


def is_safe_relpath(p) -> bool:
    """A relative POSIX path that stays inside its folder (no absolute path, no '..', no backslash)."""
    if not isinstance(p, str) or not p or "\\" in p:
        return False
    pp = PurePosixPath(p)
    return not pp.is_absolute() and ".." not in pp.parts
