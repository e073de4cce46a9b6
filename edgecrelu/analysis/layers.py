"""A model's conv layers in forward order, with the BatchNorm scale folded into their filters.

A BN right after a conv multiplies filter i by gamma_i / sqrt(var_i + eps); a negative gamma flips
its phase, so pairing is measured on the folded filters. A layer is a *site* (numbered as variant
depths count them, :mod:`edgecrelu.nn.trace`) when its conv (and BN) feed a ReLU or a CReLU.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # torch is imported inside the functions that run it
    from torch import nn


@dataclass(frozen=True)
class ConvLayer:
    path: str  # module path of the Conv2d
    bn: str | None  # the BatchNorm2d folded in, if any
    site: int | None  # 1-based site index, None when no ReLU / CReLU follows
    act: str | None  # "relu" | "crelu" | None
    weights: np.ndarray  # [out, in/groups, kh, kw], BN scale folded in

    @property
    def shape(self) -> list[int]:
        return [int(s) for s in self.weights.shape]


def _act_kind(gm, node) -> str | None:
    import torch
    import torch.nn.functional as F
    from torch import nn

    from edgecrelu.nn.crelu import CReLU

    if node.op == "call_module":
        mod = gm.get_submodule(node.target)
        if type(mod) is nn.ReLU:
            return "relu"
        if isinstance(mod, CReLU):
            return "crelu"
        return None
    if node.op == "call_function" and node.target in (F.relu, torch.relu, torch.relu_):
        return "relu"
    if node.op == "call_method" and node.target in ("relu", "relu_"):
        return "relu"
    return None


def conv_layers(model: nn.Module) -> list[ConvLayer]:
    """Every ``Conv2d`` of ``model`` called in forward, in call order, with folded weights."""
    import torch
    from torch import nn

    from edgecrelu.nn.trace import submodule, trace_graph

    gm = trace_graph(model)
    out, site = [], 0
    for node in gm.graph.nodes:
        if node.op != "call_module" or not isinstance(gm.get_submodule(node.target), nn.Conv2d):
            continue
        conv = submodule(gm, node.target, nn.Conv2d)
        w = conv.weight.detach().to(torch.float64).cpu().numpy().copy()
        bn_path, nxt = None, next(iter(node.users)) if len(node.users) == 1 else None
        if nxt is not None and nxt.op == "call_module" and isinstance(gm.get_submodule(nxt.target), nn.BatchNorm2d):
            bn = submodule(gm, nxt.target, nn.BatchNorm2d)
            if bn.running_var is not None:
                gamma = (bn.weight.detach().double() if bn.weight is not None else torch.ones_like(bn.running_var))
                scale = (gamma / torch.sqrt(bn.running_var.double() + bn.eps)).cpu().numpy()
                w *= scale.reshape(-1, 1, 1, 1)
            bn_path = nxt.target
            nxt = next(iter(nxt.users)) if len(nxt.users) == 1 else None
        act = _act_kind(gm, nxt) if nxt is not None else None
        if act is not None:
            site += 1
        out.append(ConvLayer(node.target, bn_path, site if act else None, act, w))
    return out
