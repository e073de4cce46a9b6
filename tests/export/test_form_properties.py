"""Property tests: every CReLU form equals ``graph`` (FP32, <= 1e-5) across conv settings -- stride,
padding, dilation, groups, bias, BN before the CReLU, odd channel counts -- and each form's INT8 file
agrees with its own float model on top-1."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402

from edgecrelu.export.forms import get_form  # noqa: E402
from edgecrelu.export.forms.sites import find_crelu_sites  # noqa: E402
from edgecrelu.export.int8 import quantize_int8  # noqa: E402
from edgecrelu.export.onnx_export import check, export_onnx, max_abs_diff, ort_logits  # noqa: E402
from edgecrelu.nn.crelu import CReLU  # noqa: E402
from edgecrelu.registries import FORMS  # noqa: E402

# (stride, padding, dilation, groups of the consumer conv, bias, bn, channels of the CReLU conv)
CASES = [
    (1, 1, 1, 1, True, True, 4),
    (2, 0, 1, 1, False, True, 3),  # stride 2, no padding, no bias, odd channels
    (1, 2, 2, 1, True, False, 5),  # dilation 2
    (1, 1, 1, 2, True, True, 4),  # grouped conv (consumer of site 1, producer of site 2): split and folded skip it
    (2, 1, 1, 1, False, False, 7),
]


def net(stride, padding, dilation, groups, bias, bn, c):
    torch.manual_seed(c + 10 * stride + groups)
    layers = [nn.Conv2d(3, c, 3, stride=stride, padding=padding, dilation=dilation, bias=bias)]
    if bn:
        layers.append(nn.BatchNorm2d(c))
    layers += [CReLU(), nn.Conv2d(2 * c, 2 * groups, 3, padding=padding, dilation=dilation, groups=groups,
                                   bias=bias), nn.BatchNorm2d(2 * groups), CReLU(),
               nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(4 * groups, 5)]
    m = nn.Sequential(*layers)
    g = torch.Generator().manual_seed(c)
    for mod in m.modules():
        if isinstance(mod, nn.BatchNorm2d):
            mod.running_mean.copy_(torch.rand(mod.num_features, generator=g) - 0.5)
            mod.running_var.copy_(torch.rand(mod.num_features, generator=g) + 0.5)
    return m.eval()


X = np.random.default_rng(3).standard_normal((24, 3, 12, 12)).astype(np.float32)


@pytest.fixture(scope="module", params=CASES, ids=lambda c: "s{}p{}d{}g{}b{}bn{}c{}".format(*c))
def case(request):
    proto = export_onnx(net(*request.param), (3, 12, 12))
    return request.param, proto, ort_logits(proto, X)


@pytest.mark.parametrize("name", sorted(FORMS))
def test_form_equals_graph(case, name):
    params, proto, ref = case
    out, rewritten, found = get_form(name).apply_counted(proto)
    check(out)
    assert found == 2 == len(find_crelu_sites(proto.graph))
    assert max_abs_diff(ort_logits(out, X), ref) <= 1e-5
    if name == "split":
        # the first site feeds the consumer conv; a grouped consumer cannot be split
        assert rewritten == (0 if params[3] > 1 else 1)
    elif name == "folded":
        # folded doubles the conv's filters: it needs a plain (group 1) conv in front of the site, so
        # the grouped one's site stays as exported, and the model is still equal
        assert rewritten == (1 if params[3] > 1 else 2)
    elif name != "graph":
        # pm1 / tile leave the conv alone: a grouped conv in front of the site is rewritten too
        assert rewritten == 2


@pytest.mark.parametrize("name", ["graph", "tile", "pm1"])
def test_int8_form_agrees_with_its_float_model(case, name):
    _, proto, _ = case
    fp32 = get_form(name).apply(proto)
    q = quantize_int8(fp32, X[:16])
    check(q)
    a, b = ort_logits(q, X), ort_logits(fp32, X)
    assert np.mean(np.argmax(a, 1) == np.argmax(b, 1)) >= 0.75
