"""CReLU forms: exact rewrites of the exported ONNX graph (docs/platform-notes.md "CReLU forms").

The exporter writes a CReLU site as ``Conv -> Neg -> Concat(axis=1) -> Relu`` (our module) or
``Conv -> {Relu, Neg -> Relu} -> Concat`` (other CReLU code). :func:`find_crelu_sites` finds both
shapes (and either concat order); each :class:`Form` rewrites every site it can:

* ``graph``  -- what the exporter emits (no rewrite).
* ``folded`` -- one Conv with ``[W; -W]``, ``[b; -b]``, then Relu. No Neg/Concat, 2x that conv's MACs.
* ``pm1``    -- the conv unchanged, then a 1x1 Conv with weights ``[I; -I]`` and Relu.
* ``split``  -- where the CReLU output feeds convs only: ``Wa.relu(y) + Wb.relu(-y)`` becomes
  ``(Wa + Wb).relu(y) + (-Wb).y`` (because ``relu(-y) = relu(y) - y``): two convs + Add.

A site a form cannot rewrite (e.g. ``split`` where the CReLU feeds a MaxPool) stays in graph form;
:meth:`Form.apply` returns how many sites it rewrote. New forms subclass :class:`Form` and register
in :data:`FORMS`. The pipeline checks every form equal to ``graph`` on eval data before writing it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import onnx
from onnx import helper, numpy_helper

from edgecrelu.errors import EdgeCReLUError, unknown


@dataclass(frozen=True)
class Site:
    """One CReLU occurrence in a graph."""

    y: str  # the tensor CReLU is applied to (pre-activation)
    out: str  # the CReLU output tensor (2x channels of y)
    signs: tuple  # sign of y in each concat half, in concat order: (1, -1) for [relu(y), relu(-y)]
    nodes: tuple  # first-output names of the Neg / Concat / Relu nodes that make up the site


# -- graph helpers ----------------------------------------------------------------------------
def _key(node) -> str:
    return node.output[0]


def _attr(node, name, default=None):
    for a in node.attribute:
        if a.name == name:
            return helper.get_attribute_value(a)
    return default


class _Index:
    """Producers, consumers and initializers of a graph, by tensor name."""

    def __init__(self, graph):
        self.graph = graph
        self.producer = {}
        self.consumers: dict[str, list] = {}
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

    def only_used_by(self, tensor: str, nodes) -> bool:
        if tensor in self.outputs:
            return False
        keys = {_key(n) for n in nodes}
        return all(_key(c) in keys for c in self.consumers.get(tensor, []))

    def array(self, name: str) -> np.ndarray | None:
        t = self.inits.get(name)
        return None if t is None else numpy_helper.to_array(t)


def find_crelu_sites(graph) -> list[Site]:
    """Every CReLU site (both exporter shapes, either concat order) in ``graph``."""
    idx = _Index(graph)
    sites = []
    for cat in graph.node:
        if cat.op_type != "Concat" or len(cat.input) != 2 or _attr(cat, "axis") not in (1, -3):
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
                    sites.append(Site(y, relu.output[0], signs, (_key(q), _key(cat), _key(relu))))
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
                sites.append(Site(y, cat.output[0], signs, (_key(neg), _key(a), _key(b), _key(cat))))
    return sites


def count_ops(model: onnx.ModelProto) -> dict[str, int]:
    out: dict[str, int] = {}
    for n in model.graph.node:
        out[n.op_type] = out.get(n.op_type, 0) + 1
    return out


def _toposort(nodes, available: set[str]) -> list:
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
class _Edit:
    """Changes to one graph, applied together by :meth:`Form.apply`."""

    remove: set = field(default_factory=set)  # first-output names of nodes to drop
    add: list = field(default_factory=list)  # new NodeProtos
    inits: list = field(default_factory=list)  # new TensorProtos
    n: int = 0  # sites rewritten
    reserved: set = field(default_factory=set)  # names handed out so far (tensors and nodes)

    def name(self, idx: "_Index", base: str) -> str:
        """A tensor / node name not used anywhere in the graph or by earlier edits."""
        i = 0
        while any(f"{base}_{i}" in names for names in (self.reserved, idx.tensor_names, idx.node_names)):
            i += 1
        self.reserved.add(f"{base}_{i}")
        return f"{base}_{i}"

    def init(self, idx, base, arr) -> str:
        name = self.name(idx, base)
        self.inits.append(numpy_helper.from_array(np.ascontiguousarray(arr), name))
        return name


class Form:
    """An exact rewrite of every CReLU site; ``apply`` returns a new model (the input is untouched)."""

    name = "?"
    description = ""

    def rewrite(self, idx: _Index, site: Site, edit: _Edit) -> bool:
        """Record the rewrite of ``site`` in ``edit``; return False to leave the site in graph form."""
        raise NotImplementedError

    def apply(self, model: onnx.ModelProto) -> onnx.ModelProto:
        return self.apply_counted(model)[0]

    def apply_counted(self, model: onnx.ModelProto) -> tuple[onnx.ModelProto, int, int]:
        """``(new model, sites rewritten, sites found)``."""
        out = onnx.ModelProto()
        out.CopyFrom(model)
        g = out.graph
        sites = find_crelu_sites(g)
        idx = _Index(g)
        edit = _Edit()
        for s in sites:
            if self.rewrite(idx, s, edit):
                edit.n += 1
        if edit.n == 0:
            return out, 0, len(sites)
        kept = [n for n in g.node if _key(n) not in edit.remove]
        avail = {i.name for i in g.input} | set(idx.inits) | {t.name for t in edit.inits}
        nodes = _toposort(kept + edit.add, avail)
        del g.node[:]
        g.node.extend(nodes)
        g.initializer.extend(edit.inits)
        used = {i for n in g.node for i in n.input} | {o.name for o in g.output}
        inits = [t for t in g.initializer if t.name in used]
        del g.initializer[:]
        g.initializer.extend(inits)
        produced = {o for n in g.node for o in n.output}
        vi = [v for v in g.value_info if v.name in produced]
        del g.value_info[:]
        g.value_info.extend(vi)
        return out, edit.n, len(sites)


def _conv_parts(idx: _Index, tensor: str):
    """``(node, W, b)`` when ``tensor`` comes from a plain Conv with constant weights, else None."""
    conv = idx.producer.get(tensor)
    if conv is None or conv.op_type != "Conv" or _attr(conv, "group", 1) != 1:
        return None
    w = idx.array(conv.input[1])
    if w is None:
        return None
    b = idx.array(conv.input[2]) if len(conv.input) > 2 and conv.input[2] else np.zeros(w.shape[0], w.dtype)
    if b is None:
        return None
    return conv, w, b


class GraphForm(Form):
    name = "graph"
    description = "as exported: Conv -> Neg -> Concat -> Relu"

    def apply_counted(self, model):
        out = onnx.ModelProto()
        out.CopyFrom(model)
        return out, 0, len(find_crelu_sites(out.graph))


class FoldedForm(Form):
    name = "folded"
    description = "one Conv with [W; -W], [b; -b], then Relu (no Neg/Concat; 2x that conv's MACs)"

    def rewrite(self, idx, site, edit):
        parts = _conv_parts(idx, site.y)
        if parts is None or not idx.only_used_by(site.y, [idx.producer[k] for k in site.nodes]):
            return False
        conv, w, b = parts
        wn = edit.init(idx, conv.input[1] + ".folded", np.concatenate([s * w for s in site.signs], 0))
        bn = edit.init(idx, conv.input[1] + ".folded_bias", np.concatenate([s * b for s in site.signs], 0))
        z = edit.name(idx, site.y + "_folded")
        new = helper.make_node("Conv", [conv.input[0], wn, bn], [z], name=edit.name(idx, "crelu_folded_conv"))
        new.attribute.extend(conv.attribute)
        edit.add += [new, helper.make_node("Relu", [z], [site.out], name=edit.name(idx, "crelu_folded_relu"))]
        edit.remove |= {_key(conv), *site.nodes}
        return True


class PlusMinusIdentityForm(Form):
    name = "pm1"
    description = "conv with C filters, then a 1x1 Conv with weights [I; -I] and Relu"

    def rewrite(self, idx, site, edit):
        parts = _conv_parts(idx, site.y)
        if parts is None:
            return False
        c = parts[1].shape[0]
        eye = np.eye(c, dtype=parts[1].dtype)[:, :, None, None]
        wn = edit.init(idx, site.y + ".pm1", np.concatenate([s * eye for s in site.signs], 0))
        z = edit.name(idx, site.y + "_pm1")
        edit.add += [
            helper.make_node("Conv", [site.y, wn], [z], kernel_shape=[1, 1], name=edit.name(idx, "crelu_pm1_conv")),
            helper.make_node("Relu", [z], [site.out], name=edit.name(idx, "crelu_pm1_relu")),
        ]
        edit.remove |= set(site.nodes)
        return True


class SplitForm(Form):
    name = "split"
    description = "next-conv split: (Wa+Wb).relu(y) + (-Wb).y -- two convs + Add, no Neg/Concat"

    def rewrite(self, idx, site, edit):
        users = idx.consumers.get(site.out, [])
        if not users or site.out in idx.outputs:
            return False
        for k in users:
            if (k.op_type != "Conv" or k.input[0] != site.out or _attr(k, "group", 1) != 1
                    or idx.array(k.input[1]) is None or idx.array(k.input[1]).shape[1] % 2
                    or (len(k.input) > 2 and k.input[2] and idx.array(k.input[2]) is None)):
                return False
        r = edit.name(idx, site.y + "_relu")
        edit.add.append(helper.make_node("Relu", [site.y], [r], name=edit.name(idx, "crelu_split_relu")))
        for k in users:
            w = idx.array(k.input[1])
            c = w.shape[1] // 2
            halves = [w[:, :c], w[:, c:]]
            # half h sees relu(s_h * y): the + half multiplies relu(y), the - half relu(-y) = relu(y) - y
            wp = halves[site.signs.index(1)]
            wm = halves[site.signs.index(-1)]
            a_w = edit.init(idx, k.input[1] + ".split_relu", wp + wm)
            b_w = edit.init(idx, k.input[1] + ".split_lin", -wm)
            t1, t2 = edit.name(idx, k.output[0] + "_relu_part"), edit.name(idx, k.output[0] + "_lin_part")
            n1 = helper.make_node("Conv", [r, a_w, *k.input[2:]], [t1], name=edit.name(idx, "crelu_split_conv"))
            n2 = helper.make_node("Conv", [site.y, b_w], [t2], name=edit.name(idx, "crelu_split_conv"))
            n1.attribute.extend(k.attribute)
            n2.attribute.extend(k.attribute)
            edit.add += [n1, n2, helper.make_node("Add", [t1, t2], [k.output[0]], name=edit.name(idx, "crelu_split_add"))]
            edit.remove.add(_key(k))
        edit.remove |= set(site.nodes)
        return True


FORMS: dict[str, Form] = {f.name: f for f in (GraphForm(), FoldedForm(), PlusMinusIdentityForm(), SplitForm())}


def get_form(name: str) -> Form:
    if name not in FORMS:
        raise unknown("form", name, FORMS)
    return FORMS[name]
