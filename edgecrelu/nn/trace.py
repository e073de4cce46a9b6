"""Finding the sites a variant rewrites: ``Conv2d -> [BatchNorm2d] -> ReLU`` chains on a torch.fx graph.

A site's ReLU is ``nn.ReLU``, ``F.relu``, ``torch.relu`` or ``x.relu()``; each link has a single user
and each module is called once. Sites are numbered in forward order; ``<kind>@K`` rewrites the first
K. Shapes come from one eval-mode run on zeros (:func:`run_shape_only`), recorded on the graph nodes.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TypeVar

import torch
import torch.nn.functional as F
from torch import fx, nn

from edgecrelu.errors import EdgeCReLUError, first_line
from edgecrelu.nn.crelu import CReLU


@dataclass(frozen=True)
class ActSite:
    """One conv->[BN]->ReLU chain (the nn side's site; an exported graph's CReLU sites are another thing)."""

    index: int  # 1-based position in forward order
    conv: str  # module path of the Conv2d
    bn: str | None  # module path of the BatchNorm2d between them, if any
    act: str  # module path of the ReLU module, or the function name ("relu") for functional ReLUs
    act_node: str  # fx node name of the activation
    channels: int  # conv output channels
    out_hw: tuple[int, int]  # spatial size of the activation output for the probed input shape

    def describe(self) -> str:
        return f"{self.conv} -> {self.act}"


M = TypeVar("M", bound=nn.Module)


def submodule(gm: nn.Module, path: str, kind: type[M]) -> M:
    """``gm.get_submodule(path)``, checked to be the ``kind`` the traced graph showed there."""
    mod = gm.get_submodule(path)
    if not isinstance(mod, kind):
        raise EdgeCReLUError(f"{path} is a {type(mod).__name__}, not a {kind.__name__}")
    return mod


class _Tracer(fx.Tracer):
    """torch.nn modules are leaves (fx default); CReLU too, so a rewritten model traces back to sites."""

    def is_leaf_module(self, m, qualname):
        return isinstance(m, CReLU) or super().is_leaf_module(m, qualname)


def trace_graph(model: nn.Module) -> fx.GraphModule:
    """``model`` as a GraphModule (a copy of the graph if it already is one); one-line error if untraceable."""
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
def one_thread() -> Iterator[None]:
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


def run_shape_only(module: nn.Module, x_shape: Sequence[int], graph: fx.Graph | None = None) -> object:
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


def propagate_shapes(gm: fx.GraphModule, input_shape: Sequence[int], name: str | None = None) -> None:
    shape = tuple(int(s) for s in input_shape)
    try:
        run_shape_only(gm, (1, *shape), graph=gm.graph)
    except Exception as exc:
        raise EdgeCReLUError(f"{name or gm.__class__.__name__} does not run on input shape {list(shape)}: "
                             f"{first_line(exc)}") from None


def node_shape(node: object) -> tuple | None:
    return node.meta.get("edgecrelu_shape") if isinstance(node, fx.Node) else None


_RELU_FUNCS = {F.relu, torch.relu, torch.relu_}


def _is_relu(gm, node) -> bool:
    if node.op == "call_module":
        return type(gm.get_submodule(node.target)) is nn.ReLU
    if node.op == "call_function":
        return node.target in _RELU_FUNCS
    return node.op == "call_method" and node.target in ("relu", "relu_")


def module_calls(gm: fx.GraphModule) -> dict[str, int]:
    counts: dict[str, int] = {}
    for n in gm.graph.nodes:
        if n.op == "call_module":
            counts[n.target] = counts.get(n.target, 0) + 1
    return counts


def _single_module(gm, node, types, calls) -> bool:
    return (isinstance(node, fx.Node) and node.op == "call_module"
            and isinstance(gm.get_submodule(node.target), types)
            and len(node.users) == 1 and calls[node.target] == 1)


def graph_sites(gm: fx.GraphModule) -> list[ActSite]:
    calls = module_calls(gm)
    sites: list[ActSite] = []
    for node in gm.graph.nodes:
        if not _is_relu(gm, node) or not node.args:
            continue
        prev, bn = node.args[0], None
        if _single_module(gm, prev, nn.BatchNorm2d, calls):
            bn, prev = prev, prev.args[0]
        if not _single_module(gm, prev, nn.Conv2d, calls):
            continue
        conv = submodule(gm, prev.target, nn.Conv2d)
        shape = node_shape(node)
        act = node.target if node.op == "call_module" else "relu"
        sites.append(ActSite(len(sites) + 1, prev.target, bn.target if bn is not None else None, act, node.name,
                          conv.out_channels, tuple(shape[2:4]) if shape and len(shape) == 4 else ()))
    return sites


def find_sites(model: nn.Module, input_shape: Sequence[int], *, name: str | None = None) -> list[ActSite]:
    """The conv->(BN)->ReLU sites of ``model`` in forward order, for input ``[C, H, W]`` (batch 1).
    ``name`` (e.g. the arch) is what error messages call the model; default: its class name."""
    gm = trace_graph(model)
    propagate_shapes(gm, input_shape, name)
    return graph_sites(gm)
