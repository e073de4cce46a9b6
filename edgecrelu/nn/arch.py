"""A plain (relu) model from its architecture name: a built-in (``edgecrelu models``) or a user
model ``package.module:callable``.

The callable is called with ``num_classes=`` and ``in_channels=`` (plus any extra ``arch_args``) and
must return an ``nn.Module``. The current directory is importable, as with ``python -m``.
"""

from __future__ import annotations

import importlib
import inspect
import os
import sys
from collections.abc import Callable, Sequence

from torch import nn

from edgecrelu.errors import EdgeCReLUError, first_line
from edgecrelu.nn.zoo import ZooEntry, get_entry


def is_user_arch(arch: str) -> bool:
    """True for ``package.module:callable`` (a built-in name has no colon)."""
    return ":" in str(arch)


def load_user_callable(spec: str) -> Callable[..., object]:
    """``package.module:callable`` (``callable`` may be dotted, ``mod:Class.factory``) -> the callable."""
    mod_name, sep, attr = str(spec).partition(":")
    if not sep or not mod_name or not attr:
        raise EdgeCReLUError(f"bad user model '{spec}'; write it as package.module:callable")
    cwd = os.getcwd()
    if cwd not in sys.path and "" not in sys.path:
        sys.path.insert(0, cwd)
    try:
        mod = importlib.import_module(mod_name)
    except ModuleNotFoundError as exc:
        raise EdgeCReLUError(f"cannot import module '{mod_name}' for model '{spec}': {exc}") from None
    except (Exception, SystemExit) as exc:  # the user's module raised (or called sys.exit) while importing
        raise EdgeCReLUError(f"importing '{mod_name}' for model '{spec}' failed: {_why(exc)}") from None
    obj = mod
    for part in attr.split("."):
        if not hasattr(obj, part):
            raise EdgeCReLUError(f"module '{mod_name}' has no attribute '{attr}' (model '{spec}')")
        obj = getattr(obj, part)
    if not callable(obj):
        raise EdgeCReLUError(f"'{spec}' is a {type(obj).__name__}, not a callable that returns an nn.Module")
    return obj


def builder_defaults(fn: Callable[..., object]) -> dict:
    """The keyword defaults of a builder (what ``arch_args`` may set, and what ``arch.json`` records)."""
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return {}
    return {k: p.default for k, p in sig.parameters.items()
            if p.default is not inspect.Parameter.empty and p.kind is not inspect.Parameter.VAR_KEYWORD}


def _call_user(fn, spec: str, kwargs: dict) -> nn.Module:
    try:
        inspect.signature(fn).bind(**kwargs)
    except TypeError as exc:
        raise EdgeCReLUError(f"model callable '{spec}' must accept keyword arguments "
                             f"{', '.join(sorted(kwargs))}: {exc}") from None
    except ValueError:
        pass  # no signature (builtin); let the call speak
    try:
        model = fn(**kwargs)
    except EdgeCReLUError:
        raise
    except (Exception, SystemExit) as exc:
        raise EdgeCReLUError(f"model callable '{spec}' failed: {_why(exc)}") from None
    if not isinstance(model, nn.Module):
        raise EdgeCReLUError(f"model callable '{spec}' returned {type(model).__name__}, not an nn.Module")
    return model


def _why(exc: BaseException) -> str:
    """One line for what user code raised; ``sys.exit(3)`` would otherwise end the CLI silently."""
    if isinstance(exc, SystemExit):
        return f"it called sys.exit({exc.code!r})"
    return f"{type(exc).__name__}: {first_line(exc)}"


def _probe(model: nn.Module, spec: str, input_shape: list[int], num_classes: int) -> None:
    """One forward pass of a user model on zeros: it must run and give ``[batch, num_classes]`` logits,
    checked here in one line rather than as a traceback in the first training step."""
    import torch

    from edgecrelu.nn.trace import run_shape_only

    shape = [2, *input_shape]
    try:
        out = run_shape_only(model, tuple(shape))
    except (Exception, SystemExit) as exc:
        raise EdgeCReLUError(f"model '{spec}' does not run on a {shape} batch: {_why(exc)}") from None
    got = list(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
    if got != [2, num_classes]:
        raise EdgeCReLUError(f"model '{spec}' gives outputs {got} for a {shape} batch; it must give "
                             f"[2, {num_classes}], one logit for each of the {num_classes} classes")


def _input_hw(input_size) -> tuple[int, int]:
    if isinstance(input_size, (list, tuple)):
        h, w = (int(input_size[0]), int(input_size[-1]))
    else:
        h = w = int(input_size)
    if h < 1 or w < 1:
        raise EdgeCReLUError(f"input size must be >= 1 pixel (got {input_size})")
    return h, w


def instantiate(arch: str, *, in_channels: int, num_classes: int, input_size: int | Sequence[int] | None = None,
                arch_args: dict | None = None) -> tuple[nn.Module, list[int], ZooEntry | None]:
    """The plain (relu) model, its input shape ``[C, H, W]`` and its zoo entry (``None`` for user models).

    ``input_size`` is an int (square) or ``(H, W)``; ``None`` takes the built-in's default (user models
    need it).
    """
    arch_args = dict(arch_args or {})
    arch_args.pop("in_channels", None)
    arch_args.pop("num_classes", None)
    kwargs = {"in_channels": int(in_channels), "num_classes": int(num_classes), **arch_args}
    if is_user_arch(arch):
        if input_size is None:
            raise EdgeCReLUError(f"user model '{arch}' needs an input size (--input-size)")
        model, entry = _call_user(load_user_callable(arch), arch, kwargs), None
        _probe(model, arch, [int(in_channels), *_input_hw(input_size)], int(num_classes))
    else:
        entry = get_entry(arch)
        known = builder_defaults(entry.builder)
        bad = sorted(set(arch_args) - set(known))
        if bad:
            raise EdgeCReLUError(f"unknown arch argument '{bad[0]}' for {arch}; choose one of: "
                                 f"{', '.join(k for k in known if k not in ('in_channels', 'num_classes'))}")
        try:
            model = entry.builder(**kwargs)
        except (TypeError, ValueError) as exc:  # e.g. width="wide"
            raise EdgeCReLUError(f"bad arch arguments {arch_args} for {arch}: {first_line(exc)}") from None
        input_size = entry.default_input_size if input_size is None else input_size
    h, w = _input_hw(input_size)
    return model, [int(in_channels), h, w], entry
