"""ReLU / CReLU variants of any ``nn.Module``, by rewriting its torch.fx graph.

Variant ``<kind>@K`` rewrites the first K sites (:mod:`edgecrelu.nn.trace`):

- ``crelu``: the ReLU becomes CReLU, the conv keeps its filters, so the width after it doubles and
  every consumer is widened (:func:`edgecrelu.nn.resize.widen_plan` says which, or why not).
- ``crelu-half``: the conv (and its BN) keep the first C/2 filters and the ReLU becomes CReLU, so the
  width downstream is unchanged. Refused for odd C and for grouped convs whose groups don't divide C/2.
- ``relu-half`` (an equal-cost control): the same halving with ReLU kept, so every consumer takes
  half the input (:func:`edgecrelu.nn.resize.narrow_layer`), refused where ``crelu`` is.
- ``relu-w`` is no rewrite: :func:`edgecrelu.nn.build.make_model` builds the plain model at the width
  whose MACs match ``crelu-half@K``.

New layers use PyTorch's default initialisation (halved layers keep the first C/2 filters, which is
the same distribution). ``apply_variant(..., preserve_function=True)`` instead initialises a ``crelu``
consumer as ``[W, 0]``, so the rewritten model computes exactly what the original did (a test of
the rewrite, and a warm start). The result is a ``torch.fx.GraphModule`` named after the original
class whose ``state_dict`` keys are the original's (for modules used in forward).
"""

from __future__ import annotations

import copy
from collections.abc import Sequence

import torch
from torch import fx, nn
from torch.nn.modules.batchnorm import _BatchNorm

from edgecrelu.errors import EdgeCReLUError, first_line
from edgecrelu.nn.arch import instantiate, is_user_arch
from edgecrelu.nn.crelu import CReLU
from edgecrelu.nn.resize import NARROW_WHY, halve_conv, narrow_layer, resize_bn, widen_layer, widen_plan
from edgecrelu.nn.trace import (
    ActSite,
    find_sites,
    graph_sites,
    module_calls,
    node_shape,
    propagate_shapes,
    run_shape_only,
    submodule,
    trace_graph,
)
from edgecrelu.variant import VariantSpec, parse_variant


def _free_name(gm, base: str) -> str:
    name, i = base, 1
    while True:
        try:
            gm.get_submodule(name)
        except AttributeError:
            return name
        i += 1
        name = f"{base}{i}"


def _install_crelu(gm, site: ActSite, calls) -> None:
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


def apply_variant(model: nn.Module, spec: VariantSpec | str, input_shape: Sequence[int], *,
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
    if spec.kind == "relu-w":
        raise EdgeCReLUError(f"{spec.name} is built at its own width (nn.build.make_model), not rewritten from a "
                             "trained model; it cannot start from a checkpoint")
    label = spec.name
    gm = trace_graph(copy.deepcopy(model))
    name = name or gm.__class__.__name__
    propagate_shapes(gm, input_shape, name)
    out_node = next(n for n in gm.graph.nodes if n.op == "output")
    original_shape = node_shape(out_node.args[0]) if isinstance(out_node.args[0], fx.Node) else None
    sites = graph_sites(gm)
    if spec.depth > len(sites):
        if not sites:
            raise EdgeCReLUError(f"{label}: {name} has no conv->(BN)->ReLU sites to rewrite")
        raise EdgeCReLUError(f"{label}: {name} has only {len(sites)} conv->(BN)->ReLU sites; "
                             f"choose a depth from 1 to {len(sites)}")
    calls = module_calls(gm)
    chosen = sites[: spec.depth]
    if spec.kind in ("crelu-half", "relu-half"):
        for s in chosen:
            conv = submodule(gm, s.conv, nn.Conv2d)
            if s.channels % 2:
                raise EdgeCReLUError(f"{label}: site {s.index} ({s.describe()}) has {s.channels} filters, an odd "
                                     f"number; {spec.kind} needs an even count")
            if (s.channels // 2) % conv.groups:
                raise EdgeCReLUError(f"{label}: site {s.index} ({s.describe()}) is a grouped conv "
                                     f"(groups={conv.groups}) that cannot keep {s.channels // 2} filters")
        narrow = [widen_plan(gm, s, label, calls, NARROW_WHY) for s in chosen] if spec.kind == "relu-half" else []
        for s in chosen:
            gm.add_submodule(s.conv, halve_conv(submodule(gm, s.conv, nn.Conv2d)))
            if s.bn is not None:
                bn = submodule(gm, s.bn, _BatchNorm)
                gm.add_submodule(s.bn, resize_bn(bn, bn.num_features // 2, False))
        for plan in narrow:  # after the halving: a consumer that is the next site's conv keeps its halved output
            for path, kind in plan:
                gm.add_submodule(path, narrow_layer(gm.get_submodule(path), kind, preserve_function))
    else:
        plans = [widen_plan(gm, s, label, calls) for s in chosen]  # check all before changing anything
        for plan in plans:
            for path, kind in plan:
                gm.add_submodule(path, widen_layer(gm.get_submodule(path), kind, preserve_function))
    if spec.kind != "relu-half":
        for s in chosen:
            _install_crelu(gm, s, calls)
    gm.graph.lint()
    gm.recompile()
    gm.delete_all_unused_submodules()
    gm.train(model.training)
    _check_runs(gm, original_shape, input_shape, label)
    return gm


def refusal(model: nn.Module, spec: VariantSpec | str, input_shape: Sequence[int], *, name: str | None = None) -> str | None:
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
