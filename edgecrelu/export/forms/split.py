"""The ``split`` form: where the CReLU output feeds convs only, each consumer ``Wa.relu(y) + Wb.relu(-y)``
becomes ``(Wa + Wb).relu(y) + (-Wb).y`` (because ``relu(-y) = relu(y) - y``): two convs + Add."""

from __future__ import annotations

from typing import TYPE_CHECKING

from onnx import helper

from edgecrelu.export.forms.base import Form
from edgecrelu.export.forms.sites import attr, node_key

if TYPE_CHECKING:
    from edgecrelu.export.forms.edit import GraphEdit
    from edgecrelu.export.forms.sites import CReLUSite, GraphIndex


class SplitForm(Form):
    name = "split"
    description = "next-conv split: (Wa+Wb).relu(y) + (-Wb).y -- two convs + Add, no Neg/Concat"

    def rewrite(self, idx: GraphIndex, site: CReLUSite, edit: GraphEdit) -> bool:
        users = idx.consumers.get(site.out, [])
        if not users or site.out in idx.outputs:
            return False
        for k in users:
            if (k.op_type != "Conv" or k.input[0] != site.out or attr(k, "group", 1) != 1
                    or (w := idx.array(k.input[1])) is None or w.shape[1] % 2
                    or (len(k.input) > 2 and k.input[2] and idx.array(k.input[2]) is None)):
                return False
        r = edit.name(idx, site.y + "_relu")
        edit.add.append(helper.make_node("Relu", [site.y], [r], name=edit.name(idx, "crelu_split_relu")))
        for k in users:
            w = idx.array(k.input[1])
            assert w is not None  # every consumer was checked above
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
            edit.remove.add(node_key(k))
        edit.remove |= set(site.nodes)
        return True


FORM = SplitForm()
