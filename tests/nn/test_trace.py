"""Finding conv->(BN)->ReLU sites on the fx graph, in forward order."""

import pytest

pytest.importorskip("torch")

from edgecrelu.errors import EdgeCReLUError  # noqa: E402
from edgecrelu.nn.trace import find_sites  # noqa: E402
from edgecrelu.nn.zoo import get_entry  # noqa: E402

from . import user_models as U  # noqa: E402

SHAPE = (3, 16, 16)


def test_find_sites_in_forward_order():
    sites = find_sites(get_entry("resnet18").builder(width=0.25), SHAPE)
    assert [s.describe() for s in sites[:3]] == ["conv1 -> act1", "layer1.0.conv1 -> layer1.0.act1",
                                                 "layer1.1.conv1 -> layer1.1.act1"]
    assert sites[0].bn == "bn1" and sites[0].channels == 16 and sites[0].out_hw == (16, 16)
    plain = find_sites(U.NoBNBias(), SHAPE)  # functional relu and x.relu(), no BN
    assert [(s.conv, s.bn, s.act) for s in plain] == [("c1", None, "relu"), ("c2", None, "relu")]


def test_untraceable_model_is_a_one_line_error():
    with pytest.raises(EdgeCReLUError, match="cannot trace Branchy with torch.fx"):
        find_sites(U.Branchy(), SHAPE)
