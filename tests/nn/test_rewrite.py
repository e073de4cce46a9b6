"""The fx rewrite to crelu / crelu-half, on the built-ins and on user models that are not in the zoo."""

import pytest

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402

from edgecrelu.errors import EdgeCReLUError  # noqa: E402
from edgecrelu.nn.crelu import CReLU  # noqa: E402
from edgecrelu.nn.rewrite import apply_variant, default_variants  # noqa: E402
from edgecrelu.nn.trace import find_sites  # noqa: E402
from edgecrelu.nn.zoo import get_entry  # noqa: E402

from . import user_models as U  # noqa: E402

SHAPE = (3, 16, 16)


def test_depth_beyond_sites_lists_the_range():
    with pytest.raises(EdgeCReLUError, match="crelu-half@3: PlainBN has only 2 .* choose a depth from 1 to 2"):
        apply_variant(U.PlainBN(), "crelu-half@3", SHAPE)


# -- the rewrite on user models ---------------------------------------------------------------------

def _run(m, x):
    m.eval()
    with torch.no_grad():
        return m(x)


@pytest.mark.parametrize("cls", [U.PlainBN, U.NoBNBias, U.BNAfterAct])
def test_crelu_with_preserved_function_is_the_same_function(cls):
    """crelu with consumers initialised [W, 0] computes exactly the relu model: the rewiring is right."""
    torch.manual_seed(0)
    m = cls()
    for mod in m.modules():  # non-trivial BN statistics, so a wrongly widened BN would show
        if isinstance(mod, nn.modules.batchnorm._BatchNorm):
            mod.running_mean.uniform_(-0.5, 0.5)
            mod.running_var.uniform_(0.5, 2.0)
    x = torch.randn(3, *SHAPE)
    for depth in (1, 2):
        v = apply_variant(m, f"crelu@{depth}", SHAPE, preserve_function=True)
        assert sum(isinstance(mod, CReLU) for mod in v.modules()) == depth
        torch.testing.assert_close(_run(v, x), _run(m, x), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("arch", ["convpool-c", "inspect-net"])
def test_crelu_at_every_site_of_a_builtin_preserves_the_function(arch):
    """All 8 sites, through max-pool + dropout (convpool-c) and GAP + flatten + dropout + linear."""
    torch.manual_seed(2)
    m = get_entry(arch).builder(width=0.25, dropout=0.5).eval()
    for mod in m.modules():
        if isinstance(mod, nn.BatchNorm2d):
            mod.running_mean.uniform_(-0.5, 0.5)
    v = apply_variant(m, "crelu@8", (3, 32, 32), preserve_function=True)
    assert sum(isinstance(mod, CReLU) for mod in v.modules()) == 8
    x = torch.randn(2, 3, 32, 32)
    torch.testing.assert_close(_run(v, x), _run(m, x), rtol=1e-4, atol=1e-5)


def test_crelu_doubles_consumers_and_keeps_filters():
    m = U.PlainBN()
    v = apply_variant(m, "crelu@2", SHAPE)
    sd, vd = m.state_dict(), v.state_dict()
    assert list(sd) == list(vd)  # same names, so checkpoints line up
    assert vd["conv1.weight"].shape == sd["conv1.weight"].shape == (8, 3, 3, 3)
    assert vd["conv2.weight"].shape == (16, 16, 3, 3)  # input doubled through the max-pool
    assert vd["fc.weight"].shape == (10, 32)  # through GAP + flatten + dropout
    nb = U.NoBNBias()
    vb = apply_variant(nb, "crelu@2", SHAPE)
    assert vb.state_dict()["fc.weight"].shape == (10, 2 * 10 * 8 * 8)  # view(N, -1) without GAP
    assert vb.state_dict()["c2.bias"].shape == (10,)


def test_crelu_widens_bn_after_the_activation():
    v = apply_variant(U.BNAfterAct(), "crelu@2", SHAPE).state_dict()
    assert v["bn.running_var"].shape == (12,) and v["conv2.weight"].shape == (8, 12, 3, 3)
    assert v["bn1d.weight"].shape == (16,) and v["fc.weight"].shape == (10, 16)


def test_crelu_half_halves_producer_and_bn_keeps_downstream():
    m = U.PlainBN()
    v = apply_variant(m, "crelu-half@2", SHAPE)
    vd = v.state_dict()
    assert vd["conv1.weight"].shape == (4, 3, 3, 3) and vd["bn1.running_mean"].shape == (4,)
    assert vd["conv2.weight"].shape == (8, 8, 3, 3) and vd["bn2.weight"].shape == (8,)
    assert vd["fc.weight"].shape == m.state_dict()["fc.weight"].shape
    nb = apply_variant(U.NoBNBias(), "crelu-half@1", SHAPE).state_dict()
    assert nb["c1.weight"].shape == (3, 3, 3, 3) and nb["c1.bias"].shape == (3,)


def test_crelu_module_outputs_both_phases_of_the_halved_conv():
    """In crelu-half, each CReLU emits cat(relu(y), relu(-y)) of its halved conv->BN output y, and
    y is the first half of what the relu model computed at that site (same input at site 1)."""
    torch.manual_seed(1)
    m = U.PlainBN().eval()
    with torch.no_grad():
        m.bn1.running_mean.uniform_(-0.5, 0.5)  # non-trivial BN so the copy of its first half is visible
        m.bn1.running_var.uniform_(0.5, 2.0)
    v = apply_variant(m, "crelu-half@2", SHAPE).eval()
    seen, ref = {}, {}

    def keep(store, key):
        def hook(mod, inp, out):  # returns None, so the output is left alone
            store[key] = (inp[0], out)
        return hook

    for name, mod in v.named_modules():
        if isinstance(mod, CReLU):
            mod.register_forward_hook(keep(seen, name))
    m.bn1.register_forward_hook(keep(ref, "y"))
    x = torch.randn(2, *SHAPE)
    _run(v, x)
    _run(m, x)
    assert len(seen) == 2
    for y, out in seen.values():
        torch.testing.assert_close(out, torch.cat([torch.relu(y), torch.relu(-y)], 1))
        torch.testing.assert_close(out[:, : y.shape[1]] - out[:, y.shape[1]:], y)
    y1, _ = seen["relu1"]
    torch.testing.assert_close(y1, ref["y"][1][:, :4])


def test_residual_block_crelu_half_works_crelu_refused():
    m = U.Residual()
    v = apply_variant(m, "crelu-half@2", SHAPE)
    assert _run(v, torch.randn(2, *SHAPE)).shape == (2, 10)
    assert v.state_dict()["stem.weight"].shape == (4, 3, 3, 3) and v.state_dict()["a.weight"].shape == (4, 8, 3, 3)
    # the shared ReLU module still serves the post-add activation
    assert sum(isinstance(mod, nn.ReLU) for mod in v.modules()) == 1
    with pytest.raises(EdgeCReLUError) as exc:
        apply_variant(m, "crelu@2", SHAPE)
    assert str(exc.value) == ("crelu@2: site 1 (stem -> relu) feeds a residual add; crelu would double its width; "
                              "use crelu-half")


def test_resnet18_crelu_refused_names_the_site():
    with pytest.raises(EdgeCReLUError, match=r"crelu@1: site 1 \(conv1 -> act1\) feeds a residual add"):
        apply_variant(get_entry("resnet18").builder(width=0.25), "crelu@1", SHAPE)


@pytest.mark.parametrize("cls,variant,msg", [
    (U.Concat, "crelu@1", r"site 1 \(a -> relu\) feeds a concat"),
    (U.Depthwise, "crelu@1", r"feeds grouped conv dw \(groups=8\)"),
    (U.Depthwise, "crelu-half@2", r"site 2 \(dw -> act2\) is a grouped conv"),
    (U.Odd, "crelu-half@1", "has 5 filters, an odd number"),
])
def test_impossible_rewrites_refuse_with_reason(cls, variant, msg):
    with pytest.raises(EdgeCReLUError, match=msg):
        apply_variant(cls(), variant, SHAPE)


def test_possible_variants_of_awkward_models():
    assert _run(apply_variant(U.Concat(), "crelu-half@1", SHAPE), torch.randn(1, *SHAPE)).shape == (1, 10)
    assert _run(apply_variant(U.Odd(), "crelu@1", SHAPE), torch.randn(1, *SHAPE)).shape == (1, 10)  # via amax


def test_shared_modules():
    m = U.SharedModules()
    assert [s.describe() for s in find_sites(m, SHAPE)] == ["c1 -> relu", "c2 -> relu"]
    v = apply_variant(m, "crelu@1", SHAPE, preserve_function=True)  # through the shared ReLU to c2
    assert v.state_dict()["c2.weight"].shape == (4, 8, 3, 3)
    torch.testing.assert_close(_run(v, torch.ones(1, *SHAPE)), _run(m, torch.ones(1, *SHAPE)))
    with pytest.raises(EdgeCReLUError, match=r"crelu@2: site 2 \(c2 -> relu\) feeds Conv2d \(twice\), which is "
                                             "called more than once"):
        apply_variant(m, "crelu@2", SHAPE)
    assert _run(apply_variant(m, "crelu-half@2", SHAPE), torch.ones(1, *SHAPE)).shape == (1, 10)


def test_shape_reads_do_not_block_crelu():
    class ShapeRead(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv, self.act, self.fc = nn.Conv2d(3, 4, 3, stride=4), nn.ReLU(), nn.Linear(4 * 4 * 4, 2)

        def forward(self, x):
            y = self.act(self.conv(x))
            return self.fc(y.reshape(y.shape[0], -1))

    v = apply_variant(ShapeRead(), "crelu@1", SHAPE)
    assert v.state_dict()["fc.weight"].shape == (2, 2 * 4 * 4 * 4)


def test_hard_coded_width_is_caught():
    class Fixed(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv, self.act, self.fc = nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(), nn.Linear(4 * 16 * 16, 2)

        def forward(self, x):
            return self.fc(self.act(self.conv(x)).reshape(-1, 4 * 16 * 16))

    with pytest.raises(EdgeCReLUError, match="crelu@1: "):
        apply_variant(Fixed(), "crelu@1", SHAPE)


def test_original_is_untouched_and_mode_kept():
    m = U.PlainBN().train()
    before = {k: v.clone() for k, v in m.state_dict().items()}
    v = apply_variant(m, "crelu-half@2", SHAPE)
    assert v.training and type(v).__name__ == "PlainBN"
    assert all(torch.equal(before[k], t) for k, t in m.state_dict().items())
    assert apply_variant(m, "relu", SHAPE) is m
    # the copy has its own parameters: training it cannot move the original's
    assert not ({id(p) for p in v.parameters()} & {id(p) for p in m.parameters()})


def test_rewritten_model_can_be_rewritten_again_and_sites_shrink():
    v = apply_variant(U.PlainBN(), "crelu-half@1", SHAPE)
    assert [s.conv for s in find_sites(v, SHAPE)] == ["conv2"]


def test_default_variants():
    assert default_variants("convpool-c") == ["relu", "crelu@4", "crelu-half@4"]
    assert default_variants("inspect-net") == ["relu", "crelu@2", "crelu-half@2"]
    assert default_variants("resnet18") == ["relu", "crelu-half@3"]  # stem feeds layer1's identity add
