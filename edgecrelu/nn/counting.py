"""Parameters and MACs (multiply-accumulates) per layer and in total, at batch 1.

MACs count conv and linear layers only (``Cout*H*W * Cin/groups*kh*kw`` and ``out_features * in_features``
per row), the convention of papers and of ``FlopCounterMode`` (which reports 2 FLOPs per MAC).
BN, activations, CReLU's Neg/Concat and pooling cost memory traffic, not MACs: they are listed with
0 MACs so their output shapes are visible. A module called twice is listed twice, its parameters once.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from edgecrelu.nn.trace import run_shape_only


def _macs(mod: nn.Module, out: torch.Tensor) -> int:
    if isinstance(mod, nn.modules.conv._ConvNd):
        k = 1
        for s in mod.kernel_size:
            k *= s
        return int(out[0].numel()) * (mod.in_channels // mod.groups) * k
    if isinstance(mod, nn.Linear):
        return int(out[0].numel()) * mod.in_features
    return 0


def count_model(model: nn.Module, input_shape: Sequence[int]) -> dict:
    """``{"params", "macs", "layers": [{"name", "type", "params", "macs", "out_shape"}]}`` for one
    ``[C, H, W]`` input (batch 1), from one eval-mode forward pass (BN statistics untouched)."""
    layers, seen, hooks = [], set(), []

    def hook(name):
        def fn(mod, inputs, out):
            if not isinstance(out, torch.Tensor):
                return
            params = 0
            if name not in seen:  # parameters once per module, however often it is called
                seen.add(name)
                params = sum(p.numel() for p in mod.parameters(recurse=False))
            layers.append({"name": name, "type": type(mod).__name__, "params": int(params),
                           "macs": _macs(mod, out), "out_shape": list(out.shape[1:])})
        return fn

    for name, mod in model.named_modules():
        if name and not any(True for _ in mod.children()):  # leaves only
            hooks.append(mod.register_forward_hook(hook(name)))
    try:
        run_shape_only(model, (1, *[int(s) for s in input_shape]))
    finally:
        for h in hooks:
            h.remove()
    return {"params": int(sum(p.numel() for p in model.parameters())),
            "macs": int(sum(layer["macs"] for layer in layers)), "layers": layers}


def human(n: float, unit: str = "") -> str:
    """1234567 -> '1.23M' (for tables)."""
    for div, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(n) >= div:
            return f"{n / div:.3g}{suffix}{unit}"
    return f"{int(n)}{unit}"
