"""The ``pm1`` form: the conv unchanged, then a 1x1 Conv with weights ``[I; -I]`` and Relu."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from onnx import helper

from edgecrelu.export.forms.base import Form
from edgecrelu.export.forms.edit import conv_channels

if TYPE_CHECKING:
    from edgecrelu.export.forms.edit import GraphEdit
    from edgecrelu.export.forms.sites import CReLUSite, GraphIndex


class PlusMinusIdentityForm(Form):
    name = "pm1"
    description = "conv with C filters, then a 1x1 Conv with weights [I; -I] and Relu"

    def rewrite(self, idx: GraphIndex, site: CReLUSite, edit: GraphEdit) -> bool:
        found = conv_channels(idx, site.y)  # any conv, grouped too: it is left as it is
        if found is None:
            return False
        c, dtype = found
        eye = np.eye(c, dtype=dtype)[:, :, None, None]
        wn = edit.init(idx, site.y + ".pm1", np.concatenate([s * eye for s in site.signs], 0))
        z = edit.name(idx, site.y + "_pm1")
        edit.add += [
            helper.make_node("Conv", [site.y, wn], [z], kernel_shape=[1, 1], name=edit.name(idx, "crelu_pm1_conv")),
            helper.make_node("Relu", [z], [site.out], name=edit.name(idx, "crelu_pm1_relu")),
        ]
        edit.remove |= set(site.nodes)
        return True


FORM = PlusMinusIdentityForm()
