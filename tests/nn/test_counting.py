"""Parameter and MAC counts, cross-checked against torch's own FlopCounterMode (2 FLOPs per MAC)."""

import pytest

torch = pytest.importorskip("torch")
from torch.utils.flop_counter import FlopCounterMode  # noqa: E402

from edgecrelu.nn.build import make_model  # noqa: E402
from edgecrelu.nn.counting import count_model, human  # noqa: E402
from edgecrelu.nn.zoo import get_entry  # noqa: E402

from . import user_models as U  # noqa: E402


def _flops(model, shape):
    model.eval()
    with torch.no_grad(), FlopCounterMode(display=False) as fc:
        model(torch.zeros(1, *shape))
    return fc.get_total_flops()


CASES = [("convpool-c", "relu"), ("convpool-c", "crelu@4"), ("convpool-c", "crelu-half@4"),
         ("resnet18", "relu"), ("resnet18", "crelu-half@3"), ("resnet18-imagenet", "relu"),
         ("inspect-net", "relu"), ("inspect-net", "crelu@2"), ("inspect-net", "crelu-half@2")]


@pytest.mark.parametrize("arch,variant", CASES)
def test_builtin_counts_match_flop_counter(arch, variant):
    size = 32 if arch == "resnet18-imagenet" else 16
    m, aj = make_model(arch, variant, in_channels=3, num_classes=10, input_size=size, arch_args={"width": 0.25})
    c = count_model(m, aj["input_shape"])
    assert c["macs"] > 0 and 2 * c["macs"] == _flops(m, aj["input_shape"])
    assert c["params"] == sum(p.numel() for p in m.parameters())
    assert sum(layer["params"] for layer in c["layers"]) == c["params"]


@pytest.mark.parametrize("cls", [U.PlainBN, U.NoBNBias, U.Residual, U.Depthwise])
def test_user_model_counts_match_flop_counter(cls):
    m = cls()
    c = count_model(m, (3, 16, 16))
    assert 2 * c["macs"] == _flops(m, (3, 16, 16))


def test_per_layer_numbers_by_hand():
    """conv 3->8 3x3 at 16x16: 8*16*16 * 3*9 MACs, 8*27 weights; linear 16->10: 160 MACs, 170 params."""
    layers = {layer["name"]: layer for layer in count_model(U.PlainBN(), (3, 16, 16))["layers"]}
    assert layers["conv1"] == {"name": "conv1", "type": "Conv2d", "params": 216, "macs": 8 * 16 * 16 * 27,
                               "out_shape": [8, 16, 16]}
    assert layers["conv2"]["macs"] == 16 * 8 * 8 * 8 * 9 and layers["conv2"]["out_shape"] == [16, 8, 8]
    assert layers["fc"]["macs"] == 160 and layers["fc"]["params"] == 170
    assert layers["bn1"]["macs"] == 0 and layers["bn1"]["params"] == 16


def test_full_size_convpool_c_matches_the_paper_arithmetic():
    """ConvPool-CNN-C at 32x32, 3 channels in, 10 classes: 1.37 M parameters (convs + BN)."""
    m = get_entry("convpool-c").builder()
    c = count_model(m, (3, 32, 32))
    conv_w = 9 * (3 * 96 + 96 * 96 * 2 + 96 * 192 + 192 * 192 * 2 + 192 * 192) + 192 * 192 + 192 * 10
    bn = 2 * (96 * 3 + 192 * 5 + 10)
    assert c["params"] == conv_w + bn
    assert 2 * c["macs"] == _flops(m, (3, 32, 32))


def test_inspect_net_budget():
    """inspect-net's documented cost: ~1.2 M parameters, ~0.21 GMAC at 128 px, ~0.65 GMAC at 224 px."""
    m = get_entry("inspect-net").builder()
    c128, c224 = count_model(m, (3, 128, 128)), count_model(m, (3, 224, 224))
    assert 1.1e6 < c128["params"] < 1.25e6
    assert 0.20e9 < c128["macs"] < 0.22e9 and 0.63e9 < c224["macs"] < 0.67e9


def test_convpool_c_crelu_half_mac_ratio():
    """crelu-half on the first 4 convs of ConvPool-CNN-C at 32 px keeps 74 % of the MACs (docs/platform-notes.md)."""
    macs = {v: count_model(make_model("convpool-c", v, in_channels=3, num_classes=10, input_size=32)[0],
                           (3, 32, 32))["macs"] for v in ("relu", "crelu-half@4")}
    assert round(macs["crelu-half@4"] / macs["relu"], 2) == 0.74


def test_counting_leaves_bn_statistics_and_mode_alone():
    m = U.PlainBN().train()
    before = m.bn1.running_mean.clone()
    count_model(m, (3, 16, 16))
    assert m.training and torch.equal(m.bn1.running_mean, before) and m.bn1.num_batches_tracked == 0


def test_human():
    assert human(1_370_000) == "1.37M" and human(409_000_000) == "409M" and human(512) == "512"
