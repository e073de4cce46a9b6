"""CReLU forms are exact rewrites of the exported graph (edgecrelu/export/forms/)."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402

from edgecrelu.errors import EdgeCReLUError  # noqa: E402
from edgecrelu.export.forms import get_form  # noqa: E402
from edgecrelu.export.forms.sites import count_ops, find_crelu_sites  # noqa: E402
from edgecrelu.export.macs import onnx_macs  # noqa: E402
from edgecrelu.export.onnx_export import check, export_onnx, max_abs_diff, ort_logits, torch_logits  # noqa: E402
from edgecrelu.nn.crelu import CReLU  # noqa: E402
from edgecrelu.registries import FORMS  # noqa: E402


class SplitCReLU(nn.Module):
    """Other CReLU code: ``cat(relu(x), relu(-x))`` exports as Conv -> {Relu, Neg -> Relu} -> Concat."""

    def forward(self, x):
        return torch.cat([torch.relu(x), torch.relu(-x)], 1)


class NegFirstCReLU(nn.Module):
    """``relu(cat(-x, x))``: the other concat order, so the ``[-W; W]`` sign bookkeeping is tested."""

    def forward(self, x):
        return torch.relu(torch.cat([-x, x], 1))


def tiny(act) -> nn.Module:
    """conv -> BN -> CReLU -> conv (a site feeding a conv) -> BN -> CReLU -> maxpool (one feeding a pool)."""
    torch.manual_seed(0)
    f = 1 if act is nn.ReLU else 2  # CReLU doubles the channels; the relu model has the full filters
    m = nn.Sequential(
        nn.Conv2d(1, 8 // f, 3, padding=1), nn.BatchNorm2d(8 // f), act(),
        nn.Conv2d(8, 12 // f, 3, padding=1), nn.BatchNorm2d(12 // f), act(), nn.MaxPool2d(2),
        nn.Conv2d(12, 8, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 10),
    )
    g = torch.Generator().manual_seed(1)
    for mod in m.modules():  # BN with non-trivial statistics, folded into the conv by the exporter
        if isinstance(mod, nn.BatchNorm2d):
            mod.running_mean.copy_(torch.rand(mod.num_features, generator=g) - 0.5)
            mod.running_var.copy_(torch.rand(mod.num_features, generator=g) + 0.5)
    return m.eval()


X = np.random.default_rng(0).standard_normal((40, 1, 8, 8)).astype(np.float32)


@pytest.fixture(scope="module", params=[CReLU, SplitCReLU, NegFirstCReLU], ids=lambda c: c.__name__)
def exported(request):
    model = tiny(request.param)
    return model, export_onnx(model, (1, 8, 8), opset=18)


def test_exported_graph_matches_torch_and_shows_sites(exported):
    model, proto = exported
    assert max_abs_diff(ort_logits(proto, X), torch_logits(model, X)) <= 1e-4
    sites = find_crelu_sites(proto.graph)
    assert len(sites) == 2
    assert count_ops(proto)["Neg"] == 2 and count_ops(proto)["Concat"] == 2
    assert [i.name for i in proto.graph.input] == ["input"] and [o.name for o in proto.graph.output] == ["logits"]
    assert proto.graph.input[0].type.tensor_type.shape.dim[0].dim_param == "batch"


@pytest.mark.parametrize("name", sorted(FORMS))
def test_every_form_equals_graph(exported, name):
    _, proto = exported
    ref = ort_logits(proto, X)
    out, rewritten, found = get_form(name).apply_counted(proto)
    check(out)
    assert max_abs_diff(ort_logits(out, X), ref) <= 1e-5
    assert found == 2
    ops = count_ops(out)
    if name == "folded":
        assert rewritten == 2 and "Neg" not in ops and "Concat" not in ops
        assert bool(np.all(ort_logits(out, X) == ref))  # docs/platform-notes.md: bit-identical in ORT
    elif name == "pm1":
        assert rewritten == 2 and "Neg" not in ops and "Concat" not in ops and ops["Conv"] == 5
    elif name == "split":
        # only the site feeding a conv can be split; the one feeding MaxPool stays in graph form
        assert rewritten == 1 and ops["Neg"] == 1 and ops["Concat"] == 1 and ops["Add"] == 1
    elif name == "tile":
        assert rewritten == 2 and "Neg" not in ops and "Concat" not in ops and ops["Tile"] == 2
        assert bool(np.all(ort_logits(out, X) == ref))  # a sign flip is exact
    else:
        assert rewritten == 0 and out == proto


def test_forms_change_macs_as_documented(exported):
    _, proto = exported
    g = onnx_macs(proto)
    first = 8 * 8 * 4 * 9  # the 4-filter 3x3 conv before the first CReLU, per image
    second = 8 * 8 * 6 * 8 * 9
    assert onnx_macs(get_form("folded").apply(proto)) == g + first + second  # those convs run twice
    assert onnx_macs(get_form("pm1").apply(proto)) == g + 8 * 8 * 8 * 4 + 8 * 8 * 12 * 6
    assert onnx_macs(get_form("split").apply(proto)) == g
    assert onnx_macs(get_form("tile").apply(proto)) == g


def test_apply_leaves_input_untouched(exported):
    _, proto = exported
    before = proto.SerializeToString()
    get_form("folded").apply(proto)
    assert proto.SerializeToString() == before


def test_relu_model_has_no_sites():
    proto = export_onnx(tiny(nn.ReLU), (1, 8, 8))
    assert find_crelu_sites(proto.graph) == []
    out, n, found = get_form("folded").apply_counted(proto)
    assert (n, found) == (0, 0) and out == proto


def test_unknown_form_is_one_line():
    with pytest.raises(EdgeCReLUError, match="unknown form 'nope'; choose one of: folded, graph, pm1, split, tile"):
        get_form("nope")
