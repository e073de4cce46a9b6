"""Graph editing shared by the forms: :class:`GraphEdit` (nodes to drop and add, fresh names),
:func:`toposort` and :func:`conv_parts` (a Conv's constant weights)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike
from onnx import GraphProto, NodeProto, numpy_helper

from edgecrelu.errors import EdgeCReLUError
from edgecrelu.export.forms.sites import GraphIndex, attr


def toposort(nodes: Iterable[NodeProto], available: set[str]) -> list[NodeProto]:
    """Stable topological order (graph rewrites append new nodes at the end)."""
    avail = set(available) | {""}
    pending, out = list(nodes), []
    while pending:
        rest = []
        for n in pending:
            if all(i in avail for i in n.input):
                out.append(n)
                avail.update(n.output)
            else:
                rest.append(n)
        if len(rest) == len(pending):
            raise EdgeCReLUError("form rewrite produced a graph with a cycle or a dangling input")
        pending = rest
    return out


@dataclass
class GraphEdit:
    """Changes to one graph, applied together by :meth:`Form.apply_counted`."""

    remove: set = field(default_factory=set)  # first-output names of nodes to drop
    add: list = field(default_factory=list)  # new NodeProtos
    inits: list = field(default_factory=list)  # new TensorProtos
    n: int = 0  # sites rewritten
    reserved: set = field(default_factory=set)  # names handed out so far (tensors and nodes)

    def name(self, idx: GraphIndex, base: str) -> str:
        """A tensor / node name not used anywhere in the graph or by earlier edits."""
        i = 0
        while any(f"{base}_{i}" in names for names in (self.reserved, idx.tensor_names, idx.node_names)):
            i += 1
        self.reserved.add(f"{base}_{i}")
        return f"{base}_{i}"

    def init(self, idx: GraphIndex, base: str, arr: ArrayLike) -> str:
        name = self.name(idx, base)
        self.inits.append(numpy_helper.from_array(np.ascontiguousarray(arr), name))
        return name


def prune_initializers(g: GraphProto) -> None:
    """Drop the initializers of graph ``g`` that no node reads and no graph output names (left over
    after a rewrite removed their consumers)."""
    used = {i for n in g.node for i in n.input} | {o.name for o in g.output}
    kept = [t for t in g.initializer if t.name in used]
    del g.initializer[:]
    g.initializer.extend(kept)


def conv_parts(idx: GraphIndex, tensor: str) -> tuple[NodeProto, np.ndarray, np.ndarray] | None:
    """``(node, W, b)`` when ``tensor`` comes from a plain Conv with constant weights, else None."""
    conv = idx.producer.get(tensor)
    if conv is None or conv.op_type != "Conv" or attr(conv, "group", 1) != 1:
        return None
    w = idx.array(conv.input[1])
    if w is None:
        return None
    b = idx.array(conv.input[2]) if len(conv.input) > 2 and conv.input[2] else np.zeros(w.shape[0], w.dtype)
    if b is None:
        return None
    return conv, w, b


def conv_channels(idx: GraphIndex, tensor: str) -> tuple[int, np.dtype] | None:
    """``(channels, dtype)`` of ``tensor`` when a Conv with constant weights makes it, grouped or not:
    what a form that leaves the conv alone (``pm1``, ``tile``) needs to know about it."""
    conv = idx.producer.get(tensor)
    if conv is None or conv.op_type != "Conv":
        return None
    w = idx.array(conv.input[1])
    return None if w is None else (int(w.shape[0]), w.dtype)
