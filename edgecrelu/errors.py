"""One exception type for user mistakes; the CLI prints it as one line, never a traceback."""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from types import ModuleType


class EdgeCReLUError(Exception):
    """A user-facing error: bad input, missing file, unknown name, missing optional dependency."""


class MissingDependencyError(EdgeCReLUError):
    """An optional heavy dependency (torch, tensorrt, pycuda, ...) is not installed."""

    def __init__(self, module: str, extra: str, hint: str | None = None):
        msg = f"{module} is not installed; install it with: pip install 'edgecrelu[{extra}]'"
        if hint:
            msg += f" ({hint})"
        super().__init__(msg)
        self.module = module
        self.extra = extra


def require(module: str, extra: str, hint: str | None = None, label: str | None = None) -> ModuleType:
    """Import ``module`` or raise a one-line error naming the extra that provides it (and ``label``,
    the name a user knows it by, e.g. "pycuda" for "pycuda.driver")."""
    try:
        return importlib.import_module(module)
    except (ImportError, OSError) as exc:  # a broken libnvinfer / libcuda can raise OSError too
        raise MissingDependencyError(label or module, extra, hint) from exc


def first_line(exc: BaseException) -> str:
    """An exception as one line (library messages may span many), for one-line user errors."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def unknown(what: str, name: str, choices: Iterable[str]) -> EdgeCReLUError:
    """``unknown model 'x'; choose one of: a, b, c`` -- never a bare KeyError."""
    return EdgeCReLUError(f"unknown {what} '{name}'; choose one of: {', '.join(sorted(choices))}")
