"""CReLU itself: the two halves keep all of the input, and the activation registry."""

import pytest

torch = pytest.importorskip("torch")

from edgecrelu.errors import EdgeCReLUError  # noqa: E402
from edgecrelu.nn.crelu import CReLU, act_width_factor, get_act_layer  # noqa: E402


def test_crelu_halves_recover_the_input():
    y = torch.randn(3, 5, 4, 4)
    out = CReLU()(y)
    assert out.shape == (3, 10, 4, 4)
    pos, neg = out[:, :5], out[:, 5:]
    assert torch.equal(pos, torch.relu(y)) and torch.equal(neg, torch.relu(-y))
    assert torch.allclose(pos - neg, y)  # relu(y) - relu(-y) == y: nothing is lost
    assert (out >= 0).all()


def test_crelu_other_dim():
    y = torch.randn(2, 3, 7)
    assert CReLU(dim=-1)(y).shape == (2, 3, 14)


def test_act_registry():
    assert get_act_layer("relu") is torch.nn.ReLU
    assert get_act_layer("crelu") is CReLU
    assert act_width_factor("crelu") == 2 and act_width_factor("relu") == 1
    with pytest.raises(EdgeCReLUError, match="unknown activation 'gelu'; choose one of: crelu, relu"):
        get_act_layer("gelu")
