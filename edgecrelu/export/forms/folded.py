"""The ``folded`` form: the producing conv takes ``[W; -W]``, ``[b; -b]``, then Relu (no Neg / Concat,
but twice that conv's MACs)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from onnx import helper

from edgecrelu.export.forms.base import Form
from edgecrelu.export.forms.edit import conv_parts
from edgecrelu.export.forms.sites import node_key

if TYPE_CHECKING:
    from edgecrelu.export.forms.edit import GraphEdit
    from edgecrelu.export.forms.sites import CReLUSite, GraphIndex


class FoldedForm(Form):
    name = "folded"
    description = "one Conv with [W; -W], [b; -b], then Relu (no Neg/Concat; 2x that conv's MACs)"

    def rewrite(self, idx: GraphIndex, site: CReLUSite, edit: GraphEdit) -> bool:
        parts = conv_parts(idx, site.y)
        # the conv disappears, so y must feed nothing but this site
        if parts is None or not idx.only_used_by(site.y, [idx.producer[k] for k in site.nodes]):
            return False
        conv, w, b = parts
        wn = edit.init(idx, conv.input[1] + ".folded", np.concatenate([s * w for s in site.signs], 0))
        bn = edit.init(idx, conv.input[1] + ".folded_bias", np.concatenate([s * b for s in site.signs], 0))
        z = edit.name(idx, site.y + "_folded")
        new = helper.make_node("Conv", [conv.input[0], wn, bn], [z], name=edit.name(idx, "crelu_folded_conv"))
        new.attribute.extend(conv.attribute)
        edit.add += [new, helper.make_node("Relu", [z], [site.out], name=edit.name(idx, "crelu_folded_relu"))]
        edit.remove |= {node_key(conv), *site.nodes}
        return True


FORM = FoldedForm()
