""":class:`Form`, the base of every CReLU form: rewrite each site, then rebuild the graph once."""

from __future__ import annotations

import onnx

from edgecrelu.export.forms.edit import GraphEdit, prune_initializers, toposort
from edgecrelu.export.forms.sites import CReLUSite, GraphIndex, find_crelu_sites, node_key


class Form:
    """An exact rewrite of every CReLU site; ``apply`` returns a new model (the input is untouched)."""

    name = "?"
    description = ""

    def rewrite(self, idx: GraphIndex, site: CReLUSite, edit: GraphEdit) -> bool:
        """Record the rewrite of ``site`` in ``edit``; return False to leave the site in graph form."""
        raise NotImplementedError

    def post_quantize(self, qdq: onnx.ModelProto) -> onnx.ModelProto:
        """The form's touch to its INT8 QDQ file (``export/int8.py``'s output); none by default."""
        return qdq

    def apply(self, model: onnx.ModelProto) -> onnx.ModelProto:
        return self.apply_counted(model)[0]

    def apply_counted(self, model: onnx.ModelProto) -> tuple[onnx.ModelProto, int, int]:
        """``(new model, sites rewritten, sites found)``."""
        out = onnx.ModelProto()
        out.CopyFrom(model)
        g = out.graph
        sites = find_crelu_sites(g)
        idx = GraphIndex(g)
        edit = GraphEdit()
        for s in sites:
            if self.rewrite(idx, s, edit):
                edit.n += 1
        if edit.n == 0:
            return out, 0, len(sites)
        kept = [n for n in g.node if node_key(n) not in edit.remove]
        avail = {i.name for i in g.input} | set(idx.inits) | {t.name for t in edit.inits}
        nodes = toposort(kept + edit.add, avail)
        del g.node[:]
        g.node.extend(nodes)
        g.initializer.extend(edit.inits)
        prune_initializers(g)
        produced = {o for n in g.node for o in n.output}
        vi = [v for v in g.value_info if v.name in produced]
        del g.value_info[:]
        g.value_info.extend(vi)
        return out, edit.n, len(sites)
