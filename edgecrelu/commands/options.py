"""Options shared by several commands (Datasette style: each is a decorator), with their choices and
help generated from ``edgecrelu.registries``, and :class:`CommaList`, the one way a comma-separated
option is parsed and checked.

Bad values are :class:`~edgecrelu.errors.EdgeCReLUError`: the CLI prints them as one ``Error:`` line
and exits 1, like every other user error (a Click usage error would print the usage too, exit 2).
Nothing heavy is imported here: ``--help`` stays cheap.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import click
import tabulate as _tabulate

from edgecrelu.errors import EdgeCReLUError
from edgecrelu.registries import BACKENDS, DATA_SOURCES, FORMS, PRECISIONS, RESIZE_POLICIES, TORCH_FORMS
from edgecrelu.registry_types import Registry
from edgecrelu.variant import VARIANT_HELP

TABLEFMTS = sorted(_tabulate.tabulate_formats)

# a Click command function (or command) that an option decorates and returns
F = TypeVar("F", bound=Callable[..., Any])


class CommaList(click.ParamType):
    """``a,b,c`` -> a tuple (``""`` -> ``()``); each item cast, bounded below and checked against
    ``choices`` (names, a :class:`Registry`, or a function returning them, for lists that live in a
    module too heavy to import for ``--help``). An item given twice is refused: it would be built,
    measured or written twice."""

    name = "list"

    def __init__(self, what: str, choices: Iterable | Callable[[], Iterable] | None = None, cast=str,
                 minimum=None, metavar: str | None = None):
        self.what = what  # "precision", "batch size", ... (used in messages)
        self.choices = choices
        self.cast = cast
        self.minimum = minimum
        self.metavar = metavar or what.upper().replace(" ", "_") + "[,...]"

    def get_metavar(self, param: click.Parameter, ctx: click.Context | None = None) -> str:  # Click >= 8.2 passes ctx, older versions do not
        return self.metavar

    def _choices(self) -> tuple | None:
        if self.choices is None:
            return None
        return tuple(self.choices() if callable(self.choices) else self.choices)

    def convert(self, value: object, param: click.Parameter | None, ctx: click.Context | None) -> tuple:
        if isinstance(value, tuple):  # already converted (a default given as a tuple)
            return value
        if param is not None and not str(value).strip():  # `--batch ''` is a mistake, not "the default"
            raise EdgeCReLUError(f"empty {self.what} list; leave the option out for the default")
        choices = self._choices()
        out = []
        for item in (v.strip() for v in str(value).split(",")):
            if not item:
                continue
            try:
                v = self.cast(item)
            except ValueError:
                raise EdgeCReLUError(f"bad {self.what} '{item}'") from None
            if self.minimum is not None and v < self.minimum:
                raise EdgeCReLUError(f"bad {self.what} '{item}': must be >= {self.minimum}")
            if choices is not None and v not in choices:
                raise EdgeCReLUError(f"unknown {self.what} '{item}'; choose one of: {', '.join(map(str, choices))}")
            if v in out:
                raise EdgeCReLUError(f"{self.what} '{item}' listed twice")
            out.append(v)
        return tuple(out)


class RegistryName(click.ParamType):
    """One name from a :class:`Registry` (its own one-line error for an unknown name)."""

    name = "name"

    def __init__(self, registry: Registry):
        self.registry = registry

    def get_metavar(self, param: click.Parameter, ctx: click.Context | None = None) -> str:
        return "[" + "|".join(self.registry.names) + "]"

    def convert(self, value: object, param: click.Parameter | None, ctx: click.Context | None) -> str:
        return self.registry.check(str(value).strip())


def _listing(registry: Registry, names: Iterable[str] | None = None) -> str:
    """``a (what a is), b (...)`` for the entries ``names`` of ``registry`` (default: all of them)."""
    if names is None:
        return registry.help_text()
    return ", ".join(f"{e.name} ({e.help})" if e.help else e.name for e in map(registry.entry, names))


# -- what to build, train or profile -------------------------------------------------------------

def model_option(default: str | None = "convpool-c", help_text: str | None = None) -> Callable[[F], F]:
    return click.option(
        "--model", default=default, show_default=default is not None, metavar="ARCH",
        help=help_text or "Built-in architecture (see `edgecrelu models`) or package.module:callable.")


def variants_option(default: str) -> Callable[[F], F]:
    """``--variants``; ``default`` says what happens without it."""
    return click.option(
        "--variants", type=CommaList("variant"), default=None,
        help=f"Comma list of {VARIANT_HELP}. Default: {default}.")


def data_option(fn: F) -> F:
    return click.option(
        "--data", default="digits", show_default=True, metavar="SOURCE[:PATH]",
        help=f"Data source: {_listing(DATA_SOURCES)}.")(fn)


RESIZE_HELP = ("How images meet the square input size: stretch (each side scaled on its own; a 90×70 image "
               "is distorted), letterbox (aspect ratio kept, padded with black) or crop (aspect ratio kept, "
               "centre cropped; the edges are lost). Default stretch, what every run before this option did. "
               "Recorded in the run, the bundle and the report; the target applies the same.")


def resize_option(fn: F) -> F:
    """``--resize``, the resize policy (edgecrelu/data/preprocess.py)."""
    return click.option("--resize", type=click.Choice(RESIZE_POLICIES), default="stretch", show_default=True,
                        help=RESIZE_HELP)(fn)


def precisions_option(names: Iterable[str] = PRECISIONS.names, default: str | None = None,
                      default_help: str | None = None) -> Callable[[F], F]:
    """``--precisions``, a comma list of ``names`` (a subset of the precision registry)."""
    names = tuple(names)
    text = f"Comma list of {_listing(PRECISIONS, names)}."
    return click.option(
        "--precisions", type=CommaList("precision", names), default=default, show_default=default is not None,
        help=text + (f" Default: {default_help}." if default_help else ""))


def forms_option(default: str | None = None, default_help: str | None = None,
                 checked: bool = True) -> Callable[[F], F]:
    """``--forms``. Unchecked (``checked=False``) where the bundle decides, e.g. in ``profile``, whose
    torch backend also takes its own forms (``TORCH_FORMS``)."""
    if checked:
        text = f"Comma list of CReLU forms: {_listing(FORMS)}. A relu variant gets graph only."
    else:
        text = (f"Comma list of the bundle's CReLU forms ({', '.join(FORMS)}; see `edgecrelu export --help`) "
                f"or the torch backend's {', '.join(TORCH_FORMS)}.")
    return click.option(
        "--forms", type=CommaList("form", FORMS if checked else None), default=default,
        show_default=default is not None, help=text + (f" Default: {default_help}." if default_help else ""))


# -- where and how to profile ---------------------------------------------------------------------

def device_option(help_text: str = "Device profile: a built-in name (see `edgecrelu devices`) or a path to a profile TOML.",
                  ) -> Callable[[F], F]:
    """``--device``: a device profile (``train`` has ``--train-device`` instead: cpu or cuda)."""
    return click.option("--device", default="cpu", show_default=True, metavar="NAME|PATH", help=help_text)


def backends_option(fn: F) -> F:
    """``--backend`` as a comma list (``profile``)."""
    return click.option(
        "--backend", type=CommaList("backend", BACKENDS), default=None,
        help=f"Comma list of backends: {_listing(BACKENDS)}. Default: the device profile's first.")(fn)


def backend_option(fn: F) -> F:
    """``--backend``, one of them (``run``)."""
    return click.option(
        "--backend", type=RegistryName(BACKENDS), default=None,
        help=f"Profile backend: {_listing(BACKENDS)}. Default: the device profile's first.")(fn)


def batch_option(fn: F) -> F:
    return click.option(
        "--batch", type=CommaList("batch size", cast=int, minimum=1), default=None,
        help="Comma list of batch sizes, e.g. 1,8,32. Default: the device profile's.")(fn)


def tablefmt_option(fn: F) -> F:
    return click.option(
        "--tablefmt",
        type=click.Choice(TABLEFMTS),
        default="simple",
        show_default=True,
        help="Table format for terminal output (any of tabulate's formats).",
    )(fn)


# -- bounded numbers (finite, and within what this machine has) -----------------------------------

def _finite_and_checked(t, v, value, param, ctx):
    import math

    if isinstance(v, float) and not math.isfinite(v):
        t.fail(f"{value!r} is not a finite number", param, ctx)
    if t.check is not None:
        try:
            t.check(v, "")
        except EdgeCReLUError as exc:
            t.fail(str(exc).strip(), param, ctx)
    return v


class FiniteFloat(click.ParamType):
    """A float that is not NaN or inf (``float("nan")`` passes Click's own types and ranges)."""

    name = "float"
    check = None

    # value: what Click hands over (command-line text or a default), typed Any as Click's own number types
    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> float:
        v = click.FLOAT.convert(value, param, ctx)
        return _finite_and_checked(self, v, value, param, ctx)


class FiniteFloatRange(click.FloatRange):
    """Click's float range, finite, with an optional machine bound ``check`` (``edgecrelu.limits``).
    Like Click's ranges, a bad value is a usage error (exit 2) naming the option."""

    def __init__(self, *a, check=None, **kw):
        super().__init__(*a, **kw)
        self.check = check

    # value: what Click hands over (command-line text or a default), typed Any as Click's own number types
    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> float:
        return _finite_and_checked(self, super().convert(value, param, ctx), value, param, ctx)


class CheckedIntRange(click.IntRange):
    """Click's int range with a machine bound ``check`` (``edgecrelu.limits``)."""

    def __init__(self, *a, check=None, **kw):
        super().__init__(*a, **kw)
        self.check = check

    # value: what Click hands over (command-line text or a default), typed Any as Click's own number types
    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        return _finite_and_checked(self, super().convert(value, param, ctx), value, param, ctx)


def finite(minimum: float | None = None, min_open: bool = False) -> FiniteFloat | FiniteFloatRange:
    return FiniteFloat() if minimum is None else FiniteFloatRange(min=minimum, min_open=min_open)


def _limit(name: str):
    def check(v, opt):
        from edgecrelu import limits

        getattr(limits, name)(v, opt)
    return check


THREADS = CheckedIntRange(min=1, check=_limit("check_threads"))
INPUT_SIZE = CheckedIntRange(min=8, check=_limit("check_input_size"))
WIDTH = FiniteFloatRange(min=0, min_open=True, check=_limit("check_width"))


def _holds_records(d, limit: int = 20) -> bool:
    """True when ``d`` holds a result record (``*.json`` of kind edgecrelu-result) at its top."""
    import json
    from pathlib import Path

    try:
        files = sorted(p for p in Path(d).iterdir() if p.suffix == ".json" and not p.name.startswith("."))[:limit]
    except OSError:
        return False
    for p in files:
        try:
            if json.loads(p.read_text(encoding="utf-8")).get("kind") == "edgecrelu-result":
                return True
        except (OSError, ValueError, AttributeError):
            continue
    return False


def refuse_out_inside_results(out: str | os.PathLike | None, what: str,
                              results: Iterable[str | os.PathLike] = ()) -> None:
    """Refuse an ``--out`` inside a results directory (one of ``results``, or any directory above
    ``out`` that holds records): every later ``report`` on it would read the files written there
    as records and fail."""
    from pathlib import Path

    if out is None:
        return
    o = Path(os.path.realpath(out))  # realpath: a symlink loop is no RuntimeError
    for r in results:
        rp = Path(os.path.realpath(r))
        if rp.is_dir() and (o == rp or rp in o.parents):
            raise EdgeCReLUError(f"{what} {out} is inside the results directory {r} (a later report on it would "
                                 "read these files as records); choose another --out")
    for d in [o, *o.parents]:
        if d.is_dir() and _holds_records(d):
            raise EdgeCReLUError(f"{what} {out} is inside the results directory {d} (a later report on it would "
                                 "read these files as records); choose another --out")
