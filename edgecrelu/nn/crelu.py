"""CReLU (Shang et al., ICML 2016): ``[relu(x), relu(-x)]`` concatenated along ``dim``."""

from __future__ import annotations

import torch
from torch import nn


class CReLU(nn.Module):
    """Concatenated ReLU. Doubles the size of ``dim``; ``relu(x) - relu(-x) == x`` so nothing is lost.

    Written as ``cat([x, -x]).relu()`` so the exporter emits Neg -> Concat -> Relu (one Relu).
    """

    def __init__(self, dim: int = 1):
        super().__init__()
        self.dim = dim

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(torch.cat((x, -x), dim=self.dim))

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


_ACT_LAYERS = {"relu": nn.ReLU, "crelu": CReLU}


def get_act_layer(name: str) -> type[nn.Module]:
    """timm-style registry: activation name -> layer class (``get_act_layer("crelu")``)."""
    from edgecrelu.errors import unknown

    if name not in _ACT_LAYERS:
        raise unknown("activation", name, _ACT_LAYERS)
    return _ACT_LAYERS[name]


def act_width_factor(name: str) -> int:
    """How many channels the activation emits per input channel (2 for CReLU)."""
    return 2 if get_act_layer(name) is CReLU else 1
