"""What every file-format model shares: the base classes, the constrained number types, and
:func:`check`, which validates a parsed JSON/TOML object against a model and turns the first problem
into the one-line error the CLI prints (``SOURCE: WHERE must be WHAT, got VALUE``)."""

from __future__ import annotations

import math
import re
import sys
import types
import typing
from typing import Annotated, Any, TypeVar, Union

import msgspec

from edgecrelu.errors import EdgeCReLUError
from edgecrelu.validate import want


class Model(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True, kw_only=True):
    """A JSON object of a file format: unknown fields are refused, absent optional ones stay absent."""


class Open(msgspec.Struct, omit_defaults=True, kw_only=True):
    """A free-form JSON object of which only the listed fields are typed (the rest pass unchecked)."""


# Number types; ``what`` words the error and the generated docs (docs/contracts.md). The bounds keep
# NaN and infinity out (JSON readers accept both): a NaN latency must never reach a verdict.
Num = Annotated[float, msgspec.Meta(ge=-sys.float_info.max, le=sys.float_info.max)]
NonNeg = Annotated[float, msgspec.Meta(ge=0, le=sys.float_info.max)]
Count = Annotated[int, msgspec.Meta(ge=0)]
PosInt = Annotated[int, msgspec.Meta(ge=1, extra={"what": "a positive integer"})]
Fraction = Annotated[float, msgspec.Meta(ge=0, le=1, extra={"fraction": True})]
Text = Annotated[str, msgspec.Meta(min_length=1, extra={"what": "a non-empty string"})]
Sha256 = Annotated[str, msgspec.Meta(pattern="^[0-9a-f]{64}$", extra={"what": "a sha256 hex string"})]
MAX_DIM = 65536  # an input's channels or side: past any camera (unbounded, 10**30 reached inspect as a shape)
Dim = Annotated[int, msgspec.Meta(ge=1, le=MAX_DIM)]
Shape3 = Annotated[list[Dim], msgspec.Meta(min_length=3, max_length=3,
                                           extra={"what": f"[C, H, W] of positive integers up to {MAX_DIM}"})]
Numbers = Annotated[list[Num], msgspec.Meta(extra={"what": "a list of numbers"})]
Strings = Annotated[list[str], msgspec.Meta(extra={"what": "a list of strings"})]
AnyDict = dict[str, Any]  # free-form: kept as written, not checked
T = TypeVar("T")

_MSG = re.compile(r"^(?P<msg>.*?)(?: - at `\$(?P<path>[^`]*)`)?$", re.S)
_OWN = re.compile(r"^field `(?P<field>\w+)` (?P<words>.*)$", re.S)  # a model's own check (:func:`invalid`)
_STEP = re.compile(r"\.(\w+)|\[(\d+)\]|\[\.\.\.\]")


def check(data: Any, model: type[T], source: str, prefix: str = "") -> T:
    """``data`` converted to ``model`` (strict types: no "1" for 1, no true for 1), or an
    :class:`EdgeCReLUError` naming ``source`` and the field (``prefix`` + its dotted path)."""
    try:
        return msgspec.convert(data, model, strict=True)
    except msgspec.ValidationError as exc:
        try:
            words = explain(str(exc), data, model, source, prefix)
        except Exception:  # noqa: BLE001 - a path this wording does not follow: msgspec's own words
            words = f"{source}: {exc}"
        raise EdgeCReLUError(words) from None


def explain(message: str, data: Any, model: type, source: str, prefix: str = "") -> str:
    """msgspec's ``Expected `int`, got `str` - at `$.cell.batch``` as this project words it."""
    m = _MSG.match(message)
    assert m is not None  # the pattern matches any text
    msg, path = m.group("msg"), m.group("path") or ""
    value, typ, where = data, model, []  # type: tuple[Any, Any, list[str]]
    worded = None  # the outermost part on the path with its own words (a shape, a list of numbers)
    for name, index in ((s.group(1), s.group(2)) for s in _STEP.finditer(path)):
        if worded is None and "what" in unwrap(typ)[1] and where:
            worded = (list(where), value, typ)
        typ = _field_type(typ, name, index, value)
        if name is not None:
            where.append(name)
            value = value.get(name) if isinstance(value, dict) else None
        elif index is not None:
            where[-1:] = [f"{where[-1] if where else ''}[{index}]"]
            value = value[int(index)] if isinstance(value, list) else None
        else:  # a dict value: msgspec does not say which key; the first that fails is it
            key = next((k for k, v in value.items() if not _fits(v, typ)), "?")
            where.append(str(key))
            value = value.get(key)
    if worded is None and "what" in unwrap(typ)[1]:
        worded = (where, value, typ)
    if worded is not None:
        where, value, typ = worded
    here = ".".join(where)
    unknown = re.match(r"Object contains unknown field `(.+)`", msg)
    if unknown:
        field = f"{here}.{unknown.group(1)}" if here else unknown.group(1)
        return f"{source}: unknown field '{prefix}{field}'; valid fields: {', '.join(field_names(typ))}"
    own = _OWN.match(msg)
    if own:
        field = f"{here}.{own.group('field')}" if here else own.group("field")
        return f"{source}: {prefix}{field} {own.group('words')}"
    missing = re.match(r"Object missing required field `(.+)`", msg)
    if missing:
        field = f"{here}.{missing.group(1)}" if here else missing.group(1)
        return f"{source}: missing field(s): {prefix}{field}"
    base, meta, optional = unwrap(typ)
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if number and not math.isfinite(value):
        what = "a finite number"
    elif number and meta.get("fraction"):
        return f"{source}: {prefix}{here} = {value} is not a fraction in [0, 1]"
    elif "what" in meta:
        what = meta["what"]
    elif number and base in (int, float) and (meta.get("ge") is not None or meta.get("le") is not None):
        ge, le = meta.get("ge"), meta.get("le")
        what = f"a number >= {ge:g}" if ge is not None and value < ge else f"a number <= {le:g}"
    else:
        what = describe(typ)
    try:
        want(False, source, f"{prefix}{here}", what, value)
    except EdgeCReLUError as exc:
        return str(exc)
    raise AssertionError("unreachable")


def invalid(field: str, words: str) -> ValueError:
    """What a model's ``__post_init__`` raises for a value its types allow but its meaning does not
    (msgspec adds the path); :func:`check` words it ``SOURCE: PATH.FIELD WORDS``."""
    return ValueError(f"field `{field}` {words}")


def _fits(value, typ) -> bool:
    try:
        msgspec.convert(value, typ, strict=True)
        return True
    except msgspec.ValidationError:
        return False


def unwrap(typ: Any) -> tuple[Any, dict[str, Any], bool]:
    """(the type under Optional and Annotated, its constraints and words, whether null is allowed)."""
    optional = False
    args = typing.get_args(typ)
    if typing.get_origin(typ) in (Union, types.UnionType):
        rest = [a for a in args if a is not type(None)]
        optional = len(rest) < len(args)
        typ = rest[0] if len(rest) == 1 else typ
    meta: dict = {}
    if typing.get_origin(typ) is Annotated:
        base, *extras = typing.get_args(typ)
        for e in extras:
            if isinstance(e, msgspec.Meta):
                meta.update({k: getattr(e, k) for k in ("ge", "le", "min_length") if getattr(e, k) is not None})
                meta.update(e.extra or {})
        typ = base
    return typ, meta, optional


def describe(typ: Any) -> str:
    """An error's words for a type: "a number or null", "an object", ..."""
    base, meta, optional = unwrap(typ)
    if "what" in meta:
        words = meta["what"]
    else:
        origin = typing.get_origin(base) or base
        words = {int: "an integer", float: "a number", str: "a string", bool: "true or false", list: "a list",
                 dict: "an object"}.get(origin)
        if words is None:
            words = "an object" if isinstance(origin, type) and issubclass(origin, msgspec.Struct) else "a value"
    return f"{words} or null" if optional else words


def _field_type(typ, name, index, value):
    base = unwrap(typ)[0]
    if name is not None:
        hints = typing.get_type_hints(base, include_extras=True)
        return hints[name]
    return typing.get_args(base)[-1]  # list[T] -> T, dict[str, V] -> V


def field_names(typ: Any) -> list[str]:
    base = unwrap(typ)[0]
    return [f.encode_name for f in msgspec.structs.fields(base)]
