"""ReLU -> CReLU-half conversion: exact on a model built from ± pairs; refusals; a tiny run end to end."""

import pytest

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402

from edgecrelu.analysis.convert import convert_state  # noqa: E402
from edgecrelu.errors import EdgeCReLUError  # noqa: E402
from edgecrelu.nn.rewrite import apply_variant  # noqa: E402


class PairNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1, self.bn1, self.act1 = nn.Conv2d(1, 6, 3, padding=1, bias=False), nn.BatchNorm2d(6), nn.ReLU()
        self.pool = nn.MaxPool2d(2)
        self.conv2, self.act2 = nn.Conv2d(6, 4, 3, padding=1), nn.ReLU()
        self.fc = nn.Linear(4, 3)

    def forward(self, x):
        x = self.pool(self.act1(self.bn1(self.conv1(x))))
        return self.fc(self.act2(self.conv2(x)).mean((2, 3)))


def _pair_net():
    torch.manual_seed(0)
    m = PairNet().eval()
    with torch.no_grad():
        w = m.conv1.weight
        w[3:] = -torch.tensor([2.0, 0.5, 1.0]).view(3, 1, 1, 1) * w[:3]  # filters 3..5 = -s * filters 0..2
        m.bn1.running_mean.zero_()
        m.bn1.running_var.fill_(1.0)
        m.bn1.weight.fill_(1.0)
        m.bn1.bias.zero_()  # no shift, so relu(y_j) is exactly s * relu(-y_k)
    return m


def test_conversion_of_exact_pairs_computes_the_same_function():
    m = _pair_net()
    x = torch.randn(32, 1, 8, 8)
    state, info = convert_state(m, (1, 8, 8), 1, x.numpy(), "crelu-half@1")
    half = apply_variant(m, "crelu-half@1", (1, 8, 8)).eval()
    half.load_state_dict(state)
    with torch.no_grad():
        torch.testing.assert_close(half(x), m(x), atol=1e-5, rtol=1e-5)
    assert info[0]["stood_in"] == 3 and info[0]["neg_partner_share"] == 1.0 and info[0]["residual"] < 1e-9
    assert info[0]["consumers"] == ["conv2"]


def test_keeping_the_first_half_instead_would_not():
    """The check above can fail: crelu-half's default (first half kept, no rewiring) changes the output."""
    m = _pair_net()
    x = torch.randn(16, 1, 8, 8)
    half = apply_variant(m, "crelu-half@1", (1, 8, 8)).eval()
    with torch.no_grad():
        assert not torch.allclose(half(x), m(x), atol=1e-3)


def test_depth_beyond_the_sites_is_refused():
    with pytest.raises(EdgeCReLUError, match="only 2 .*sites"):
        convert_state(_pair_net(), (1, 8, 8), 3, torch.randn(4, 1, 8, 8).numpy(), "crelu-half@3")


def test_residual_add_is_refused():
    class Res(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv, self.act = nn.Conv2d(2, 2, 3, padding=1), nn.ReLU()
            self.conv2 = nn.Conv2d(2, 2, 1)

        def forward(self, x):
            return self.conv2(self.act(self.conv(x)) + x).mean((2, 3))

    with pytest.raises(EdgeCReLUError, match="residual add.*convert can only rewire"):
        convert_state(Res(), (2, 6, 6), 1, torch.randn(4, 2, 6, 6).numpy(), "crelu-half@1")
