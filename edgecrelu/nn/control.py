"""The MAC-matched ReLU control ``relu-w@K``: the plain model at the width multiplier whose MACs match
``crelu-half@K``'s (README "Variants").

MACs grow with the width multiplier, in steps (a built-in rounds every width to a multiple of 8), so
a bisection over the multiplier finds the two widths around the target; the closer one is taken, and
it must lie within :data:`TOLERANCE` of the target or the variant is refused in one line. The
search is deterministic, so a rebuild finds the same width; ``arch.json`` records it anyway
(``control``), and :func:`~edgecrelu.nn.build.build_model` uses the recorded one.

A built-in's steps are counted without a forward pass (:class:`_LayerCounter`): a width multiplier
changes channels, not spatial sizes, so each conv / linear call's output positions are taken from
one forward of the narrowest model and multiplied by the channels of a model built on the meta
device (no weights): ``count_model``'s formula, per call (tests/nn/test_control.py checks the two
agree for every built-in). A width whose layers differ from the narrowest model's is counted by a
forward, and user models always are (their builders may do anything with the width).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from functools import lru_cache

from edgecrelu.errors import EdgeCReLUError
from edgecrelu.variant import VariantSpec

TOLERANCE = 0.05  # |MACs / target - 1| at most
LOWEST = 0.01  # the smallest multiplier tried (a built-in keeps at least 8 channels per layer)
STEPS = 24  # bisection steps: the multiplier to about 1e-7, far below one 8-channel step


def _macs(arch: str, in_channels: int, num_classes: int, input_size, arch_args: dict, variant: str) -> int:
    from edgecrelu.nn.arch import instantiate
    from edgecrelu.nn.counting import count_model
    from edgecrelu.nn.rewrite import apply_variant

    model, shape, _ = instantiate(arch, in_channels=in_channels, num_classes=num_classes, input_size=input_size,
                                  arch_args=arch_args)
    if variant != "relu":
        model = apply_variant(model, variant, shape, name=arch)
    return int(count_model(model, shape)["macs"])


class _LayerCounter:
    """MACs of a built-in's relu model at any width, from its conv / linear calls' output positions in
    the narrowest model (``count_model``'s own formula, per call) and the channels of a meta-device build."""

    def __init__(self, arch: str, in_channels: int, num_classes: int, input_size, arch_args: dict):
        from edgecrelu.nn.arch import instantiate
        from edgecrelu.nn.counting import count_model

        self.build = lambda w: instantiate(arch, in_channels=in_channels, num_classes=num_classes,
                                           input_size=input_size, arch_args={**arch_args, "width": w})[0]
        model, shape, _ = instantiate(arch, in_channels=in_channels, num_classes=num_classes,
                                      input_size=input_size, arch_args={**arch_args, "width": LOWEST})
        counted = count_model(model, shape)  # the narrowest model: the cheapest forward, the same positions
        mods = dict(model.named_modules())
        self.calls = []  # (module path, output positions per channel) of each conv / linear call
        for layer in counted["layers"]:
            mod = mods[layer["name"]]
            if _weighted(mod) and layer["out_shape"]:
                out = layer["out_shape"]
                self.calls.append((layer["name"], math.prod(out[1:]) if _is_conv(mod) else math.prod(out[:-1])))
        self.layers = {(n, type(m)) for n, m in mods.items() if _weighted(m)}

    def __call__(self, width: float) -> int | None:
        """The MACs at ``width``, or None where the model's layers are not the narrowest model's."""
        import torch

        with torch.device("meta"):
            mods = dict(self.build(width).named_modules())
        if {(n, type(m)) for n, m in mods.items() if _weighted(m)} != self.layers:
            return None
        total = 0
        for name, positions in self.calls:
            m = mods[name]
            if _is_conv(m):
                total += positions * m.out_channels * (m.in_channels // m.groups) * math.prod(m.kernel_size)
            else:
                total += positions * m.out_features * m.in_features
        return total


def _is_conv(mod) -> bool:
    from torch import nn

    return isinstance(mod, nn.modules.conv._ConvNd)


def _weighted(mod) -> bool:
    """A layer ``count_model`` counts MACs for (conv or linear)."""
    from torch import nn

    return _is_conv(mod) or isinstance(mod, nn.Linear)


def base_width(arch: str, arch_args: dict | None) -> float:
    """The multiplier the other variants are built at: ``arch_args["width"]`` or the builder's default;
    refuses a model whose builder takes no ``width``."""
    from edgecrelu.nn.arch import builder_defaults, is_user_arch, load_user_callable
    from edgecrelu.nn.zoo import get_entry

    builder = load_user_callable(arch) if is_user_arch(arch) else get_entry(arch).builder
    defaults = builder_defaults(builder)
    if "width" not in defaults:
        raise EdgeCReLUError(f"relu-w@K needs a model whose builder takes width= (the built-ins do); {arch} does "
                             "not: use relu-half@K as its equal-cost control")
    width = (arch_args or {}).get("width", defaults["width"])
    if not isinstance(width, (int, float)) or not width > 0:
        raise EdgeCReLUError(f"relu-w@K: width must be a number > 0 (got {width!r})")
    return float(width)


def match_width(arch: str, depth: int, *, in_channels: int, num_classes: int, input_size: int | Sequence[int] | None = None,
                arch_args: dict | None = None, target_macs: int | None = None) -> dict:
    """``{"matched_to", "width", "macs", "target_macs", "base_width", "tolerance"}``: the relu model's
    width multiplier whose MACs come closest to ``crelu-half@depth``'s at the base width.
    ``target_macs``: those MACs where the caller has counted them already (``count_model`` of that
    variant with these arguments), else they are counted here."""
    key = json.dumps(arch_args or {}, sort_keys=True, default=str)
    size = tuple(input_size) if isinstance(input_size, (list, tuple)) else input_size
    return dict(_match(arch, int(depth), int(in_channels), int(num_classes), size, key,
                       None if target_macs is None else int(target_macs)))


@lru_cache(maxsize=64)
def _match(arch: str, depth: int, in_channels: int, num_classes: int, input_size, args_key: str,
           target: int | None) -> tuple:
    args = json.loads(args_key)
    base = base_width(arch, args)
    target_name = VariantSpec("crelu-half", depth).name
    if target is None:
        target = _macs(arch, in_channels, num_classes, input_size, {**args, "width": base}, target_name)

    def forward_count(w: float) -> int:
        return _macs(arch, in_channels, num_classes, input_size, {**args, "width": w}, "relu")

    from edgecrelu.nn.arch import is_user_arch

    macs_at = forward_count
    if not is_user_arch(arch):
        counter = _LayerCounter(arch, in_channels, num_classes, input_size, args)

        def macs_at(w: float) -> int:
            n = counter(w)
            return forward_count(w) if n is None else n

    width, macs = _search(macs_at, base, target, target_name, arch, depth)
    return _result(target_name, width, macs, target, base, arch, depth)


def _search(macs_at: Callable[[float], int], base: float, target: int, target_name: str, arch: str,
            depth: int) -> tuple[float, int]:
    """(width, MACs) of the bisection over [LOWEST, base] for the width closest to ``target``."""
    lo, hi = LOWEST, base
    m_lo, m_hi = macs_at(lo), macs_at(hi)
    if m_lo > target:
        raise EdgeCReLUError(f"relu-w@{depth}: {arch} at its narrowest width ({lo:g}) still has {m_lo:,} MACs, more "
                             f"than {target_name}'s {target:,}")
    if m_hi <= target:  # crelu-half saves nothing here: the base width already matches
        lo, m_lo = hi, m_hi
    for _ in range(STEPS):  # keep m_lo <= target < m_hi
        if m_lo == target or hi - lo < 1e-7:
            break
        mid = (lo + hi) / 2
        m = macs_at(mid)
        if m <= target:
            lo, m_lo = mid, m
        else:
            hi, m_hi = mid, m
    width, macs = (lo, m_lo) if abs(m_lo - target) <= abs(m_hi - target) else (hi, m_hi)
    for digits in range(1, 7):  # the shortest decimal that builds the same layers: 0.4375, not 0.43750002
        if round(width, digits) > 0 and macs_at(round(width, digits)) == macs:
            width = round(width, digits)
            break
    return width, macs


def _result(target_name: str, width: float, macs: int, target: int, base: float, arch: str, depth: int) -> tuple:
    off = abs(macs / target - 1)
    if off > TOLERANCE:
        raise EdgeCReLUError(f"relu-w@{depth}: no width of {arch} comes within {TOLERANCE:.0%} of {target_name}'s "
                             f"{target:,} MACs (closest: width {width:.4g}, {macs:,} MACs, {off:.1%} off); "
                             f"use relu-half@{depth} as its equal-cost control")
    return tuple({"matched_to": target_name, "width": width, "macs": macs, "target_macs": target,
                  "base_width": base, "tolerance": TOLERANCE}.items())
