"""Resizing for the rewrite: which consumers a ``crelu`` site widens, and resized layer copies.

``crelu`` doubles the width after its site, so every consumer is widened: convs (``groups=1``) and
linear layers get twice the input channels, through channel-preserving ops (pools, dropout, identity,
elementwise activations, flatten / view to ``(N, -1)``, spatial mean) and BatchNorm (widened to 2C).
A residual add, a concat, a grouped conv, a model output or any other op refuses, naming the site
and the op. ``crelu-half`` instead halves the site's conv (and BN), keeping the first C/2 filters.
``relu-half`` halves them too and keeps ReLU, so the same consumers are narrowed to half their input
(:func:`narrow_layer`), refused where ``crelu`` is.
"""

from __future__ import annotations

import operator

import torch
import torch.nn.functional as F
from torch import fx, nn
from torch.nn.modules.batchnorm import _BatchNorm

from edgecrelu.errors import EdgeCReLUError
from edgecrelu.nn.trace import ActSite, node_shape

_PASS_MODULES = (nn.MaxPool2d, nn.AvgPool2d, nn.AdaptiveAvgPool2d, nn.AdaptiveMaxPool2d, nn.Dropout,
                 nn.Dropout2d, nn.Identity, nn.ReLU, nn.ReLU6, nn.LeakyReLU, nn.GELU, nn.SiLU, nn.Sigmoid,
                 nn.Tanh, nn.Hardswish, nn.Hardsigmoid, nn.ELU, nn.Mish, nn.Flatten)
_PASS_FUNCS = {F.relu, torch.relu, F.relu6, F.leaky_relu, F.gelu, F.silu, torch.sigmoid, torch.tanh,
               F.hardswish, F.max_pool2d, F.avg_pool2d, F.adaptive_avg_pool2d, F.adaptive_max_pool2d,
               F.dropout, torch.flatten, torch.mean, torch.amax, torch.nn.functional.dropout2d}
_PASS_METHODS = {"relu", "relu_", "sigmoid", "tanh", "flatten", "view", "reshape", "mean", "amax",
                 "contiguous", "clone", "float", "squeeze"}
_ADD_OPS = {operator.add, operator.iadd, torch.add, operator.sub, torch.sub}
_CAT_OPS = {torch.cat, torch.concat, torch.stack}
_SHAPE_ONLY_METHODS = {"size", "dim"}


def _op_name(gm, node) -> str:
    if node.op == "call_module":
        return f"{type(gm.get_submodule(node.target)).__name__} ({node.target})"
    if node.op == "call_function":
        return getattr(node.target, "__name__", str(node.target))
    return f".{node.target}()"


def _keeps_channels(node, src) -> bool:
    """True when ``node`` keeps dim 1 as channels (or flattens C,H,W into dim 1, keeping the batch)."""
    i, o = node_shape(src), node_shape(node)
    if i is None or o is None or len(i) < 2:
        return False
    if len(o) == len(i):
        return o[0] == i[0] and o[1] == i[1]
    if len(o) == 2:  # flatten / view(N, -1) / mean over spatial dims
        n_in = 1
        for s in i[1:]:
            n_in *= s
        return o[0] == i[0] and (o[1] == n_in or o[1] == i[1])
    return False


WIDEN_WHY = "crelu would double its width; use crelu-half"
NARROW_WHY = "relu-half would halve its width there"


def widen_plan(gm: fx.GraphModule, site: ActSite, label: str, calls: dict[str, int], why: str = WIDEN_WHY) -> list[tuple[str, str]]:
    """[(module path, "conv"|"linear"|"bn")] to widen so the doubled output of ``site`` fits (or to
    narrow for ``relu-half``'s halved output; ``why`` ends a refusal)."""
    act = next(n for n in gm.graph.nodes if n.name == site.act_node)
    plan, seen, todo = [], set(), [(act, u) for u in act.users]

    def refuse(what):
        return EdgeCReLUError(f"{label}: site {site.index} ({site.describe()}) {what}; {why}")

    while todo:
        src, node = todo.pop()
        if node in seen:
            continue
        seen.add(node)
        if node.op == "output":
            raise refuse("is a model output")
        if node.op == "call_module":
            mod = gm.get_submodule(node.target)
            if calls[node.target] > 1 and any(True for _ in mod.parameters(recurse=False)):
                # widening it here would break its other call (a shared ReLU or pool is harmless)
                raise refuse(f"feeds {_op_name(gm, node)}, which is called more than once")
            if isinstance(mod, nn.Conv2d):
                if mod.groups != 1:
                    raise refuse(f"feeds grouped conv {node.target} (groups={mod.groups})")
                plan.append((node.target, "conv"))
                continue
            if isinstance(mod, nn.Linear):
                shp = node_shape(src)
                if shp is None or len(shp) != 2:
                    raise refuse(f"feeds linear {node.target} on a {len(shp or ())}-D tensor")
                plan.append((node.target, "linear"))
                continue
            if isinstance(mod, nn.modules.batchnorm._BatchNorm) and _keeps_channels(node, src):
                plan.append((node.target, "bn"))  # BN after the activation: one (gamma, beta) per channel
            elif not isinstance(mod, _PASS_MODULES) or not _keeps_channels(node, src):
                raise refuse(f"feeds {_op_name(gm, node)}, which edgecrelu cannot widen")
        elif node.op == "call_function":
            if node.target is getattr:
                continue  # x.shape / x.dtype: reads metadata only
            if node.target in _ADD_OPS:
                raise refuse("feeds a residual add")
            if node.target in _CAT_OPS:
                raise refuse("feeds a concat")
            if node.target not in _PASS_FUNCS or not _keeps_channels(node, src):
                raise refuse(f"feeds {_op_name(gm, node)}, which edgecrelu cannot widen")
        elif node.op == "call_method":
            if node.target in _SHAPE_ONLY_METHODS:
                continue  # reads the shape only; the final shape check catches a hard-coded width
            if node.target in ("add", "add_", "sub", "sub_"):
                raise refuse("feeds a residual add")
            if node.target not in _PASS_METHODS or not _keeps_channels(node, src):
                raise refuse(f"feeds {_op_name(gm, node)}, which edgecrelu cannot widen")
        else:
            raise refuse(f"feeds {node.op} {node.target}, which edgecrelu cannot widen")
        todo.extend((node, u) for u in node.users)
    return plan


# -- resized layer copies ------------------------------------------------------------------------------------------


def _hw(t: tuple[int, ...]) -> tuple[int, int]:
    """A Conv2d's 2-tuple attribute (torch types the attributes of every conv as tuple[int, ...])."""
    return t[0], t[1]


def _new_conv(conv: nn.Conv2d, cin: int, cout: int) -> nn.Conv2d:
    padding = conv.padding if isinstance(conv.padding, str) else _hw(conv.padding)
    return nn.Conv2d(cin, cout, _hw(conv.kernel_size), stride=_hw(conv.stride), padding=padding,
                     dilation=_hw(conv.dilation), groups=conv.groups, bias=conv.bias is not None,
                     padding_mode=conv.padding_mode).to(conv.weight.device, conv.weight.dtype)


def halve_conv(conv: nn.Conv2d) -> nn.Conv2d:
    """A copy of ``conv`` with its first C/2 filters (crelu-half)."""
    new = _new_conv(conv, conv.in_channels, conv.out_channels // 2)
    with torch.no_grad():
        new.weight.copy_(conv.weight[: new.out_channels])
        if conv.bias is not None and new.bias is not None:
            new.bias.copy_(conv.bias[: new.out_channels])
    return new


def resize_bn(bn: _BatchNorm, n: int, preserve: bool) -> _BatchNorm:
    """A BatchNorm of ``n`` features: the first ``n`` of ``bn`` when smaller, its stats repeated when
    doubled with ``preserve``, fresh otherwise."""
    new = type(bn)(n, eps=bn.eps, momentum=bn.momentum, affine=bn.affine,
                         track_running_stats=bn.track_running_stats)
    ref = bn.weight if bn.weight is not None else bn.running_mean
    if ref is not None:
        new = new.to(ref.device, ref.dtype)
    if n < bn.num_features or preserve:  # keep the first half, or repeat for both halves
        idx = torch.arange(n) % bn.num_features
        with torch.no_grad():
            for name in ("weight", "bias", "running_mean", "running_var"):
                src, dst = getattr(bn, name), getattr(new, name)
                if src is not None and dst is not None:
                    dst.copy_(src[idx])
    return new


def widen_layer(mod: nn.Module, kind: str, preserve: bool) -> nn.Module:
    """``mod`` (a ``widen_plan`` kind: conv, linear or bn) taking twice the input channels."""
    if kind == "bn" and isinstance(mod, _BatchNorm):
        return resize_bn(mod, mod.num_features * 2, preserve)
    new: nn.Conv2d | nn.Linear
    if kind == "conv" and isinstance(mod, nn.Conv2d):
        new = _new_conv(mod, mod.in_channels * 2, mod.out_channels)
    elif kind == "linear" and isinstance(mod, nn.Linear):
        new = nn.Linear(mod.in_features * 2, mod.out_features, bias=mod.bias is not None).to(
            mod.weight.device, mod.weight.dtype)
    else:
        raise EdgeCReLUError(f"cannot widen a {type(mod).__name__} as a {kind} layer")
    if preserve:  # [W, 0]: the relu(-y) half contributes nothing, so the function is unchanged
        with torch.no_grad():
            new.weight.zero_()
            new.weight[:, : mod.weight.shape[1]].copy_(mod.weight)
            if mod.bias is not None and new.bias is not None:
                new.bias.copy_(mod.bias)
    return new


def narrow_layer(mod: nn.Module, kind: str, preserve: bool) -> nn.Module:
    """``mod`` (a ``widen_plan`` kind) taking half its input channels (``relu-half``): with ``preserve``
    the weights of the first half of its inputs, else PyTorch's default initialisation for the new
    fan-in (what a layer built that narrow gets)."""
    if kind == "bn" and isinstance(mod, _BatchNorm):
        return resize_bn(mod, mod.num_features // 2, preserve)
    new: nn.Conv2d | nn.Linear
    if kind == "conv" and isinstance(mod, nn.Conv2d):
        new = _new_conv(mod, mod.in_channels // 2, mod.out_channels)
    elif kind == "linear" and isinstance(mod, nn.Linear):
        new = nn.Linear(mod.in_features // 2, mod.out_features, bias=mod.bias is not None).to(
            mod.weight.device, mod.weight.dtype)
    else:
        raise EdgeCReLUError(f"cannot narrow a {type(mod).__name__} as a {kind} layer")
    if preserve:  # channel-major flatten: the first half of a linear's inputs are the kept channels
        with torch.no_grad():
            new.weight.copy_(mod.weight[:, : new.weight.shape[1]])
            if mod.bias is not None and new.bias is not None:
                new.bias.copy_(mod.bias)
    return new
