"""ReLU / CReLU variants of any ``nn.Module``, by rewriting its torch.fx graph.

A *site* is a ``Conv2d -> [BatchNorm2d] -> ReLU`` chain (``nn.ReLU``, ``F.relu``, ``torch.relu`` or
``x.relu()``) in which each link has a single user and each module is called once, in forward
order. Variant ``<kind>@K`` rewrites the first K sites:

- ``crelu``: the ReLU becomes CReLU, the conv keeps its filters, so the width after it doubles. Every
  consumer is widened: convs (``groups=1``) and linear layers get twice the input channels, through
  channel-preserving ops (pools, dropout, identity, elementwise activations, flatten / view to
  ``(N, -1)``, spatial mean) and BatchNorm (widened to 2C). A residual add, a concat, a grouped conv,
  a model output or any other op refuses, naming the site and the op.
- ``crelu-half``: the conv (and its BN) keep the first C/2 filters and the ReLU becomes CReLU, so the
  width downstream is unchanged. Refused for odd C and for grouped convs whose groups don't divide C/2.

New layers use PyTorch's default initialisation (halved layers keep the first C/2 filters, which is
the same distribution). ``apply_variant(..., preserve_function=True)`` instead initialises a ``crelu``
consumer as ``[W, 0]``, so the rewritten model computes exactly what the original did (a test of
the rewrite, and a warm start). The result is a ``torch.fx.GraphModule`` named after the original
class whose ``state_dict`` keys are the original's (for modules used in forward).
"""

from __future__ import annotations

import copy
import operator
from contextlib import contextmanager
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import fx, nn

from edgecrelu.errors import EdgeCReLUError, first_line
from edgecrelu.nn.crelu import CReLU
from edgecrelu.variant import KINDS, VariantSpec, parse_variant  # noqa: F401,E402  (moved; see split below)


@dataclass(frozen=True)
class Site:
    index: int  # 1-based position in forward order
    conv: str  # module path of the Conv2d
    bn: str | None  # module path of the BatchNorm2d between them, if any
    act: str  # module path of the ReLU module, or the function name ("relu") for functional ReLUs
    act_node: str  # fx node name of the activation
    channels: int  # conv output channels
    out_hw: tuple[int, int]  # spatial size of the activation output for the probed input shape

    def describe(self) -> str:
        return f"{self.conv} -> {self.act}"


# -- tracing --------------------------------------------------------------------------------------


class _Tracer(fx.Tracer):
    """torch.nn modules are leaves (fx default); CReLU too, so a rewritten model traces back to sites."""

    def is_leaf_module(self, m, qualname):
        return isinstance(m, CReLU) or super().is_leaf_module(m, qualname)


def _trace(model: nn.Module) -> fx.GraphModule:
    if isinstance(model, fx.GraphModule):
        graph = copy.deepcopy(model.graph)
    else:
        try:
            graph = _Tracer().trace(model)
        except Exception as exc:  # fx raises many types (TraceError, TypeError on control flow, ...)
            raise EdgeCReLUError(f"cannot trace {type(model).__name__} with torch.fx ({first_line(exc)}); "
                                 "variants need a model without data-dependent control flow") from None
    return fx.GraphModule(model, graph, class_name=type(model).__name__)


class _ShapeRecorder(fx.Interpreter):
    def run_node(self, n):
        out = super().run_node(n)
        if isinstance(out, torch.Tensor):
            n.meta["edgecrelu_shape"] = tuple(out.shape)
        return out


@contextmanager
def one_thread():
    """Intra-op threads = 1 for a probe run: on a busy 2-core box a multi-threaded conv spends far
    more time waiting for its thread pool than computing (measured 4-8x slower for `edgecrelu models`)."""
    n = torch.get_num_threads()
    if n != 1:
        torch.set_num_threads(1)
    try:
        yield
    finally:
        if n != 1:
            torch.set_num_threads(n)


def run_shape_only(module: nn.Module, x_shape, graph: fx.Graph | None = None):
    """Run ``module`` once in eval mode, one thread, on zeros of ``x_shape`` to learn shapes (a 224 px
    ResNet-18 takes ~50 ms; the meta device would cost a ~2 s import of decompositions). With
    ``graph``, record each node's output shape in ``node.meta["edgecrelu_shape"]``. BN statistics
    and train/eval flags are left as they were."""
    was = {m: m.training for m in module.modules()}
    module.eval()
    try:
        p = next(module.parameters(), None)
        x = torch.zeros(x_shape, device=p.device if p is not None else None,
                        dtype=p.dtype if p is not None and p.is_floating_point() else None)
        with torch.no_grad(), one_thread():
            return _ShapeRecorder(module, graph=graph).run(x) if graph is not None else module(x)
    finally:
        for m, t in was.items():
            m.train(t)


def _propagate_shapes(gm: fx.GraphModule, input_shape, name: str | None = None) -> None:
    shape = tuple(int(s) for s in input_shape)
    try:
        run_shape_only(gm, (1, *shape), graph=gm.graph)
    except Exception as exc:
        raise EdgeCReLUError(f"{name or gm.__class__.__name__} does not run on input shape {list(shape)}: "
                             f"{first_line(exc)}") from None


def _shape(node) -> tuple | None:
    return node.meta.get("edgecrelu_shape") if isinstance(node, fx.Node) else None


_RELU_FUNCS = {F.relu, torch.relu, torch.relu_}


def _is_relu(gm, node) -> bool:
    if node.op == "call_module":
        return type(gm.get_submodule(node.target)) is nn.ReLU
    if node.op == "call_function":
        return node.target in _RELU_FUNCS
    return node.op == "call_method" and node.target in ("relu", "relu_")


def _module_calls(gm) -> dict[str, int]:
    counts: dict[str, int] = {}
    for n in gm.graph.nodes:
        if n.op == "call_module":
            counts[n.target] = counts.get(n.target, 0) + 1
    return counts


def _single_module(gm, node, types, calls) -> bool:
    return (isinstance(node, fx.Node) and node.op == "call_module"
            and isinstance(gm.get_submodule(node.target), types)
            and len(node.users) == 1 and calls[node.target] == 1)


def _sites(gm: fx.GraphModule) -> list[Site]:
    calls = _module_calls(gm)
    sites = []
    for node in gm.graph.nodes:
        if not _is_relu(gm, node) or not node.args:
            continue
        prev, bn = node.args[0], None
        if _single_module(gm, prev, nn.BatchNorm2d, calls):
            bn, prev = prev, prev.args[0]
        if not _single_module(gm, prev, nn.Conv2d, calls):
            continue
        conv = gm.get_submodule(prev.target)
        shape = _shape(node)
        act = node.target if node.op == "call_module" else "relu"
        sites.append(Site(len(sites) + 1, prev.target, bn.target if bn is not None else None, act, node.name,
                          conv.out_channels, tuple(shape[2:4]) if shape and len(shape) == 4 else ()))
    return sites


def find_sites(model: nn.Module, input_shape, *, name: str | None = None) -> list[Site]:
    """The conv->(BN)->ReLU sites of ``model`` in forward order, for input ``[C, H, W]`` (batch 1).
    ``name`` (e.g. the arch) is what error messages call the model; default: its class name."""
    gm = _trace(model)
    _propagate_shapes(gm, input_shape, name)
    return _sites(gm)


# -- crelu: widening consumers ----------------------------------------------------------------------

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
    i, o = _shape(src), _shape(node)
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


def _widen_plan(gm, site: Site, label: str, calls) -> list[tuple[str, str]]:
    """[(module path, "conv"|"linear"|"bn")] to widen so the doubled output of ``site`` fits."""
    act = next(n for n in gm.graph.nodes if n.name == site.act_node)
    plan, seen, todo = [], set(), [(act, u) for u in act.users]

    def refuse(why):
        return EdgeCReLUError(f"{label}: site {site.index} ({site.describe()}) {why}; crelu would double its "
                              "width; use crelu-half")

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
                shp = _shape(src)
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


# -- module surgery ---------------------------------------------------------------------------------


def _new_conv(conv: nn.Conv2d, cin: int, cout: int) -> nn.Conv2d:
    return nn.Conv2d(cin, cout, conv.kernel_size, stride=conv.stride, padding=conv.padding,
                     dilation=conv.dilation, groups=conv.groups, bias=conv.bias is not None,
                     padding_mode=conv.padding_mode).to(conv.weight.device, conv.weight.dtype)


def _halve_conv(conv: nn.Conv2d) -> nn.Conv2d:
    new = _new_conv(conv, conv.in_channels, conv.out_channels // 2)
    with torch.no_grad():
        new.weight.copy_(conv.weight[: new.out_channels])
        if conv.bias is not None:
            new.bias.copy_(conv.bias[: new.out_channels])
    return new


def _resize_bn(bn, n: int, preserve: bool):
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


def _widen(mod: nn.Module, kind: str, preserve: bool) -> nn.Module:
    if kind == "bn":
        return _resize_bn(mod, mod.num_features * 2, preserve)
    if kind == "conv":
        new = _new_conv(mod, mod.in_channels * 2, mod.out_channels)
    else:
        new = nn.Linear(mod.in_features * 2, mod.out_features, bias=mod.bias is not None).to(
            mod.weight.device, mod.weight.dtype)
    if preserve:  # [W, 0]: the relu(-y) half contributes nothing, so the function is unchanged
        with torch.no_grad():
            new.weight.zero_()
            new.weight[:, : mod.weight.shape[1]].copy_(mod.weight)
            if mod.bias is not None:
                new.bias.copy_(mod.bias)
    return new


def _free_name(gm, base: str) -> str:
    name, i = base, 1
    while True:
        try:
            gm.get_submodule(name)
        except AttributeError:
            return name
        i += 1
        name = f"{base}{i}"


def _install_crelu(gm, site: Site, calls) -> None:
    node = next(n for n in gm.graph.nodes if n.name == site.act_node)
    if node.op == "call_module" and calls[node.target] == 1:
        gm.add_submodule(node.target, CReLU(dim=1))  # same path, so names stay readable
        return
    path = _free_name(gm, f"{site.conv}_crelu")
    gm.add_submodule(path, CReLU(dim=1))
    with gm.graph.inserting_before(node):
        new = gm.graph.call_module(path, (node.args[0],))
    node.replace_all_uses_with(new)
    gm.graph.erase_node(node)


def _check_runs(gm, original_shape, input_shape, label) -> None:
    try:
        out = run_shape_only(gm, (1, *input_shape))
    except Exception as exc:
        raise EdgeCReLUError(f"{label}: the rewritten model does not run ({first_line(exc)})") from None
    shape = tuple(out.shape) if isinstance(out, torch.Tensor) else None
    if original_shape is not None and shape != tuple(original_shape):  # batch included: view(-1, C) shows
        raise EdgeCReLUError(f"{label}: the rewritten model's output shape {list(shape or ())} differs from the "
                             f"original's {list(original_shape)} (a hard-coded width downstream?)")


def apply_variant(model: nn.Module, spec: VariantSpec | str, input_shape, *,
                  preserve_function: bool = False, name: str | None = None) -> nn.Module:
    """``model`` rewritten to ``spec`` (a copy; ``model`` is untouched). ``relu`` returns ``model`` itself.

    ``input_shape`` is ``[C, H, W]``; ``name`` (e.g. the arch) is what messages call the model.
    Raises :class:`EdgeCReLUError` naming the site and the reason where the rewrite is impossible.
    """
    if isinstance(spec, str):
        spec = parse_variant(spec)
    input_shape = tuple(int(s) for s in input_shape)
    if spec.kind == "relu":
        return model
    label = spec.name
    gm = _trace(copy.deepcopy(model))
    name = name or gm.__class__.__name__
    _propagate_shapes(gm, input_shape, name)
    out_node = next(n for n in gm.graph.nodes if n.op == "output")
    original_shape = _shape(out_node.args[0]) if isinstance(out_node.args[0], fx.Node) else None
    sites = _sites(gm)
    if spec.depth > len(sites):
        if not sites:
            raise EdgeCReLUError(f"{label}: {name} has no conv->(BN)->ReLU sites to rewrite")
        raise EdgeCReLUError(f"{label}: {name} has only {len(sites)} conv->(BN)->ReLU sites; "
                             f"choose a depth from 1 to {len(sites)}")
    calls = _module_calls(gm)
    chosen = sites[: spec.depth]
    if spec.kind == "crelu-half":
        for s in chosen:
            conv = gm.get_submodule(s.conv)
            if s.channels % 2:
                raise EdgeCReLUError(f"{label}: site {s.index} ({s.describe()}) has {s.channels} filters, an odd "
                                     "number; crelu-half needs an even count")
            if (s.channels // 2) % conv.groups:
                raise EdgeCReLUError(f"{label}: site {s.index} ({s.describe()}) is a grouped conv "
                                     f"(groups={conv.groups}) that cannot keep {s.channels // 2} filters")
        for s in chosen:
            gm.add_submodule(s.conv, _halve_conv(gm.get_submodule(s.conv)))
            if s.bn is not None:
                bn = gm.get_submodule(s.bn)
                gm.add_submodule(s.bn, _resize_bn(bn, bn.num_features // 2, False))
    else:
        plans = [_widen_plan(gm, s, label, calls) for s in chosen]  # check all before changing anything
        for plan in plans:
            for path, kind in plan:
                gm.add_submodule(path, _widen(gm.get_submodule(path), kind, preserve_function))
    for s in chosen:
        _install_crelu(gm, s, calls)
    gm.graph.lint()
    gm.recompile()
    gm.delete_all_unused_submodules()
    gm.train(model.training)
    _check_runs(gm, original_shape, input_shape, label)
    return gm


def refusal(model: nn.Module, spec: VariantSpec | str, input_shape, *, name: str | None = None) -> str | None:
    """The one-line reason ``apply_variant`` refuses ``spec`` on ``model``, or ``None`` if it works."""
    try:
        apply_variant(model, spec, input_shape, name=name)
    except EdgeCReLUError as exc:
        return str(exc)
    return None


def default_variants(arch: str, *, in_channels: int = 3, num_classes: int = 10, input_size: int | None = None,
                     arch_args: dict | None = None, depth: int | None = None) -> list[str]:
    """``relu, crelu@K, crelu-half@K`` at the arch's default depth K, less the ones the arch refuses.

    Built-ins use their ``default_depth`` (resnet18: crelu is refused, the stem feeds layer1's identity
    add, so it gets relu and crelu-half@3). A user model ``package.module:callable`` uses the number
    of leading sites at the first site's resolution (its first stage), at least 1.
    """
    from edgecrelu.nn.build import instantiate, is_user_arch

    if not is_user_arch(arch):
        # Refusals are structural (widths stay even at any multiplier), so a narrow 32 px probe of a
        # built-in answers the same as the full model, in a fraction of the time.
        arch_args, input_size = {**(arch_args or {}), "width": 0.125}, 32
    model, input_shape, entry = instantiate(arch, in_channels=in_channels, num_classes=num_classes,
                                            input_size=input_size, arch_args=arch_args)
    if depth is None:
        if entry is not None:
            depth = entry.default_depth
        else:
            sites = find_sites(model, input_shape, name=arch)
            if not sites:
                return ["relu"]
            depth = 1  # the leading run of sites at the first site's resolution
            while depth < len(sites) and sites[depth].out_hw == sites[0].out_hw:
                depth += 1
    out = ["relu"]
    for kind in ("crelu", "crelu-half"):
        spec = VariantSpec(kind, depth)
        if refusal(model, spec, input_shape, name=arch) is None:
            out.append(spec.name)
    return out
