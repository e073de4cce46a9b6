"""Finding CReLU sites in an ONNX graph: the graph index (producers, consumers, initializers) and
:class:`CReLUSite`, one occurrence of either exporter shape."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import onnx
from onnx import helper, numpy_helper


@dataclass(frozen=True)
class CReLUSite:
    """One CReLU occurrence in a graph."""

    y: str  # the tensor CReLU is applied to (pre-activation)
    out: str  # the CReLU output tensor (2x channels of y)
    signs: tuple  # sign of y in each concat half, in concat order: (1, -1) for [relu(y), relu(-y)]
    nodes: tuple  # first-output names of the Neg / Concat / Relu nodes that make up the site


def node_key(node: onnx.NodeProto) -> str:
    """A node's identity within one graph: its first output (node names are optional in ONNX)."""
    return node.output[0]


def attr(node: onnx.NodeProto, name: str, default: Any = None) -> Any:
    for a in node.attribute:
        if a.name == name:
            return helper.get_attribute_value(a)
    return default


class GraphIndex:
    """Producers, consumers and initializers of a graph, by tensor name."""

    def __init__(self, graph: onnx.GraphProto):
        self.graph = graph
        self.producer: dict[str, onnx.NodeProto] = {}
        self.consumers: dict[str, list[onnx.NodeProto]] = {}
        for n in graph.node:
            for o in n.output:
                self.producer[o] = n
            for i in n.input:
                self.consumers.setdefault(i, []).append(n)
        self.inits = {t.name: t for t in graph.initializer}
        self.outputs = {o.name for o in graph.output}
        self.node_names = {n.name for n in graph.node}
        # every tensor name in use, graph inputs included: new names must avoid all of them
        self.tensor_names = set(self.producer) | set(self.consumers) | set(self.inits) | self.outputs | {
            i.name for i in graph.input}

    def only_used_by(self, tensor: str, nodes: Iterable[onnx.NodeProto]) -> bool:
        if tensor in self.outputs:
            return False
        keys = {node_key(n) for n in nodes}
        return all(node_key(c) in keys for c in self.consumers.get(tensor, []))

    def array(self, name: str) -> np.ndarray | None:
        t = self.inits.get(name)
        return None if t is None else numpy_helper.to_array(t)


def find_crelu_sites(graph: onnx.GraphProto) -> list[CReLUSite]:
    """Every CReLU site (both exporter shapes, either concat order) in ``graph``."""
    idx = GraphIndex(graph)
    sites = []
    for cat in graph.node:
        if cat.op_type != "Concat" or len(cat.input) != 2 or attr(cat, "axis") not in (1, -3):
            continue
        a, b = (idx.producer.get(t) for t in cat.input)
        # shape A: Concat(y, Neg(y)) -> Relu
        for plain, q in enumerate((b, a)):  # q: the candidate Neg; cat.input[plain]: the other input
            other = cat.input[plain]
            if q is not None and q.op_type == "Neg" and q.input[0] == other:
                users = idx.consumers.get(cat.output[0], [])
                if len(users) != 1 or users[0].op_type != "Relu":
                    break
                relu = users[0]
                y = other
                signs = (1, -1) if cat.input[0] == y else (-1, 1)
                if idx.only_used_by(q.output[0], [cat]) and idx.only_used_by(cat.output[0], [relu]):
                    sites.append(CReLUSite(y, relu.output[0], signs, (node_key(q), node_key(cat), node_key(relu))))
                break
        else:
            # shape B: Concat(Relu(y), Relu(Neg(y)))
            if a is None or b is None or a.op_type != "Relu" or b.op_type != "Relu":
                continue
            pa, pb = idx.producer.get(a.input[0]), idx.producer.get(b.input[0])
            if pb is not None and pb.op_type == "Neg" and pb.input[0] == a.input[0]:
                neg, y, signs = pb, a.input[0], (1, -1)
            elif pa is not None and pa.op_type == "Neg" and pa.input[0] == b.input[0]:
                neg, y, signs = pa, b.input[0], (-1, 1)
            else:
                continue
            if (idx.only_used_by(a.output[0], [cat]) and idx.only_used_by(b.output[0], [cat])
                    and idx.only_used_by(neg.output[0], [a if neg is pa else b])):
                sites.append(CReLUSite(y, cat.output[0], signs,
                                       (node_key(neg), node_key(a), node_key(b), node_key(cat))))
    return sites


def count_ops(model: onnx.ModelProto) -> dict[str, int]:
    out: dict[str, int] = {}
    for n in model.graph.node:
        out[n.op_type] = out.get(n.op_type, 0) + 1
    return out
