"""The built-in architectures: registry, shapes, and the three variants' parameter relations."""

import pytest

torch = pytest.importorskip("torch")

from edgecrelu.errors import EdgeCReLUError  # noqa: E402
from edgecrelu.nn.build import make_model  # noqa: E402
from edgecrelu.nn.counting import count_model  # noqa: E402
from edgecrelu.nn.trace import find_sites  # noqa: E402
from edgecrelu.nn.zoo import get_entry, list_models, make_divisible  # noqa: E402

SMALL = {"width": 0.25}  # tiny widths and 16x16 inputs keep the suite fast on 2 cores
SIZE = 16


def test_registry():
    names = [e.name for e in list_models()]
    assert names == ["convpool-c", "resnet18", "resnet18-imagenet", "inspect-net"]
    e = get_entry("convpool-c")
    assert (e.default_depth, e.default_input_size) == (4, 32)
    with pytest.raises(EdgeCReLUError, match="unknown model 'vgg'; choose one of: convpool-c, inspect-net"):
        get_entry("vgg")


def test_make_divisible_keeps_widths_even():
    assert make_divisible(96 * 0.25) == 24 and make_divisible(3) == 8 and make_divisible(192) == 192
    assert all(make_divisible(c * w) % 8 == 0 for c in (96, 192, 64, 32) for w in (0.1, 0.3, 0.77, 1.5))


def test_convpool_c_layout():
    m = get_entry("convpool-c").builder(in_channels=1, num_classes=7)
    convs = [mod for mod in m.modules() if isinstance(mod, torch.nn.Conv2d)]
    assert [(c.out_channels, c.kernel_size[0]) for c in convs] == \
        [(96, 3)] * 3 + [(192, 3)] * 3 + [(192, 3), (192, 1), (7, 1)]
    assert sum(isinstance(mod, torch.nn.BatchNorm2d) for mod in m.modules()) == 9  # BN after every conv
    assert sum(isinstance(mod, torch.nn.ReLU) for mod in m.modules()) == 8  # none after the classifier
    assert m(torch.randn(2, 1, 32, 32)).shape == (2, 7)


@pytest.mark.parametrize("stem,size,hw_after_stem", [("cifar", 32, 32), ("imagenet", 64, 16)])
def test_resnet18_stems(stem, size, hw_after_stem):
    m = get_entry("resnet18").builder(stem=stem, **SMALL)
    layers = count_model(m, (3, size, size))["layers"]
    first_block = next(layer for layer in layers if layer["name"] == "layer1.0.conv1")
    assert first_block["out_shape"][1:] == [hw_after_stem, hw_after_stem]
    assert sum(isinstance(mod, torch.nn.Conv2d) for mod in m.modules()) == 20  # 17 + 3 downsample
    with pytest.raises(EdgeCReLUError, match="stem"):
        get_entry("resnet18").builder(stem="tiny")


def test_builders_take_crelu_act_layer():
    """timm-style act_layer: CReLU everywhere doubles each consumer's input (not for resnet's adds)."""
    m = get_entry("convpool-c").builder(act_layer="crelu", **SMALL)
    assert m(torch.randn(1, 3, SIZE, SIZE)).shape == (1, 10)
    assert get_entry("inspect-net").builder(act_layer="crelu", **SMALL)(torch.randn(1, 3, 32, 32)).shape == (1, 10)
    with pytest.raises(EdgeCReLUError, match="crelu-half"):
        get_entry("resnet18").builder(act_layer="crelu")


@pytest.mark.parametrize("arch", ["convpool-c", "resnet18", "resnet18-imagenet", "inspect-net"])
def test_three_variants_shapes_and_params(arch):
    depth = get_entry(arch).default_depth
    out, params, macs = {}, {}, {}
    for variant in ("relu", f"crelu@{depth}", f"crelu-half@{depth}"):
        try:
            m, aj = make_model(arch, variant, in_channels=1, num_classes=5, input_size=SIZE, arch_args=SMALL)
        except EdgeCReLUError as exc:
            assert arch.startswith("resnet18") and variant.startswith("crelu@"), exc
            assert "feeds a residual add" in str(exc)
            continue
        out[variant] = m(torch.randn(2, 1, SIZE, SIZE)).shape
        c = count_model(m, aj["input_shape"])
        params[variant], macs[variant] = c["params"], c["macs"]
    assert set(out.values()) == {torch.Size([2, 5])}
    half, relu = f"crelu-half@{depth}", "relu"
    assert params[half] < params[relu] and macs[half] < macs[relu]
    if f"crelu@{depth}" in params:
        assert params[relu] < params[f"crelu@{depth}"] and macs[relu] < macs[f"crelu@{depth}"]
    else:
        assert arch.startswith("resnet18")


def test_site_counts():
    shape = (3, SIZE, SIZE)
    assert len(find_sites(get_entry("convpool-c").builder(**SMALL), shape)) == 8
    assert len(find_sites(get_entry("resnet18").builder(**SMALL), shape)) == 9  # stem + block conv1s
    assert len(find_sites(get_entry("inspect-net").builder(**SMALL), (3, 32, 32))) == 8
