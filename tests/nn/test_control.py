"""The equal-cost ReLU controls: relu-half@K (halved sites, narrowed consumers) and relu-w@K (the width
whose MACs match crelu-half@K)."""

import pytest

from edgecrelu.errors import EdgeCReLUError
from edgecrelu.nn.build import build_model, make_model
from edgecrelu.nn.control import TOLERANCE, match_width
from edgecrelu.nn.counting import count_model
from edgecrelu.nn.trace import find_sites
from edgecrelu.nn.zoo import list_models


def _macs(arch, variant, size, width, classes=10):
    model, aj = make_model(arch, variant, in_channels=3, num_classes=classes, input_size=size,
                           arch_args={"width": width})
    return count_model(model, aj["input_shape"])["macs"], model, aj


@pytest.mark.parametrize("arch,k,size,width", [("inspect-net", 2, 64, 0.5), ("inspect-net", 2, 128, 1.0),
                                               ("convpool-c", 4, 32, 1.0), ("convpool-c", 2, 32, 0.5)])
def test_width_search_hits_the_mac_target(arch, k, size, width):
    target, _, _ = _macs(arch, f"crelu-half@{k}", size, width)
    got, _, aj = _macs(arch, f"relu-w@{k}", size, width)
    assert abs(got / target - 1) <= TOLERANCE
    assert aj["control"]["target_macs"] == target and aj["control"]["macs"] == got
    assert aj["control"]["width"] < width  # narrower than the base model
    relu, _, _ = _macs(arch, "relu", size, width)
    assert got < relu


def test_relu_w_rebuilds_from_arch_json_at_the_recorded_width():
    _, model, aj = _macs("convpool-c", "relu-w@4", 32, 0.5)
    rebuilt = build_model(aj)
    assert [tuple(p.shape) for p in rebuilt.parameters()] == [tuple(p.shape) for p in model.parameters()]


def test_relu_w_refused_when_no_width_comes_close():
    # at 16 px and width 0.25 inspect-net's layers sit at the 8-channel floor: the steps are too coarse
    with pytest.raises(EdgeCReLUError, match=r"no width of inspect-net comes within 5%"):
        match_width("inspect-net", 2, in_channels=3, num_classes=10, input_size=16, arch_args={"width": 0.25})


def test_relu_half_halves_the_sites_and_narrows_their_consumers():
    _, model, aj = _macs("inspect-net", "relu-half@2", 64, 0.5)
    _, base, _ = _macs("inspect-net", "relu", 64, 0.5)
    sites, base_sites = find_sites(model, aj["input_shape"]), find_sites(base, aj["input_shape"])
    assert [s.channels for s in sites[:2]] == [c.channels // 2 for c in base_sites[:2]]
    assert [s.channels for s in sites[2:]] == [c.channels for c in base_sites[2:]]
    assert model.get_submodule("stage2.0.conv").in_channels == base.get_submodule("stage2.0.conv").in_channels // 2
    assert not any(type(m).__name__ == "CReLU" for m in model.modules())
    # the same filters as crelu-half@2 without CReLU's doubling: fewer MACs than crelu-half
    assert _macs("inspect-net", "relu-half@2", 64, 0.5)[0] < _macs("inspect-net", "crelu-half@2", 64, 0.5)[0]


def test_relu_half_refused_before_a_residual_add():
    with pytest.raises(EdgeCReLUError, match="relu-half would halve its width"):
        make_model("resnet18", "relu-half@1", in_channels=3, num_classes=10, input_size=32, arch_args={"width": 0.125})


# -- the search's cost: a built-in's steps are counted from its layers, not by a forward each ------------


@pytest.mark.parametrize("arch", [e.name for e in list_models()])
def test_layer_count_is_count_models_for_every_built_in(arch):
    """What lets the search skip the forward passes: a width changes channels, never spatial sizes."""
    from edgecrelu.nn.arch import instantiate
    from edgecrelu.nn.control import _LayerCounter

    size = 32 if arch != "resnet18-imagenet" else 64
    counter = _LayerCounter(arch, 3, 10, size, {})
    for width in (0.01, 0.3, 0.5625, 0.937, 1.0, 1.7):
        model, shape, _ = instantiate(arch, in_channels=3, num_classes=10, input_size=size, arch_args={"width": width})
        assert counter(width) == count_model(model, shape)["macs"], width


@pytest.mark.parametrize("arch,k,width", [("inspect-net", 2, 0.937), ("convpool-c", 4, 0.87)])
def test_width_search_finds_what_it_found_before(arch, k, width):
    """The widths of the forward-counting search this replaced (at each built-in's default input size)."""
    got = match_width(arch, k, in_channels=3, num_classes=10)
    assert got["width"] == width
    model, aj = make_model(arch, f"relu-w@{k}", in_channels=3, num_classes=10, input_size=None)
    assert aj["control"] == got and count_model(model, aj["input_shape"])["macs"] == got["macs"]


def test_width_search_is_the_forward_search(monkeypatch):
    """The same answer as counting every step by a forward pass (the search before the layer counter)."""
    from edgecrelu.nn import control

    kw = dict(in_channels=3, num_classes=10, input_size=48, arch_args={"width": 0.5})
    fast = match_width("inspect-net", 2, **kw)
    monkeypatch.setattr(control, "_LayerCounter", lambda *a: (lambda w: None))  # every step by a forward
    control._match.cache_clear()
    try:
        assert match_width("inspect-net", 2, **kw) == fast
    finally:
        control._match.cache_clear()


def test_width_search_runs_few_forward_passes(monkeypatch):
    """`edgecrelu models` searches every built-in: 30-odd forwards each took it from ~3 s to ~40 s."""
    from edgecrelu.nn import control, counting

    calls = []
    real = counting.count_model
    monkeypatch.setattr(counting, "count_model", lambda *a, **k: calls.append(1) or real(*a, **k))
    control._match.cache_clear()
    try:
        match_width("convpool-c", 4, in_channels=3, num_classes=10, input_size=32, arch_args={"width": 0.5})
    finally:
        control._match.cache_clear()
    assert len(calls) <= 3, len(calls)  # the target and the narrowest model's positions
