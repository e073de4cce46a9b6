"""make_model / build_model round trips, user models built and rebuilt, and checkpoints."""

import json
from fractions import Fraction

import pytest

torch = pytest.importorskip("torch")

from edgecrelu.errors import EdgeCReLUError  # noqa: E402
from edgecrelu.nn.build import build_model, load_checkpoint, make_model  # noqa: E402
from edgecrelu.nn.rewrite import default_variants  # noqa: E402

SMALL = {"width": 0.25}


@pytest.mark.parametrize("arch,variant", [("convpool-c", "crelu@4"), ("resnet18-imagenet", "crelu-half@3"),
                                          ("inspect-net", "crelu-half@2"), ("resnet18", "relu")])
def test_build_model_round_trip(arch, variant):
    m, aj = make_model(arch, variant, in_channels=1, num_classes=4, input_size=16, arch_args=SMALL)
    assert aj == {"schema_version": 1, "arch": arch, "arch_args": aj["arch_args"], "variant": variant,
                  "input_shape": [1, 16, 16], "num_classes": 4}
    assert {"in_channels": 1, "num_classes": 4, "width": 0.25, "act_layer": "relu"}.items() <= aj["arch_args"].items()
    rebuilt = build_model(json.loads(json.dumps(aj)))  # through JSON, as arch.json on disk
    a, b = m.state_dict(), rebuilt.state_dict()
    assert list(a) == list(b) and all(a[k].shape == b[k].shape for k in a)
    rebuilt.load_state_dict(a)
    x = torch.randn(2, 1, 16, 16)
    m.eval(), rebuilt.eval()
    torch.testing.assert_close(m(x), rebuilt(x))


def test_stem_is_an_arch_arg():
    _, aj = make_model("resnet18", "relu", in_channels=3, num_classes=10, input_size=32,
                       arch_args={"stem": "imagenet", "width": 0.25})
    assert aj["arch_args"]["stem"] == "imagenet"
    _, aj2 = make_model("resnet18-imagenet", "relu", in_channels=3, num_classes=10, input_size=32, arch_args=SMALL)
    assert aj2["arch_args"]["stem"] == "imagenet"


def test_bare_kind_takes_the_default_depth():
    _, aj = make_model("convpool-c", "crelu-half", in_channels=1, num_classes=4, input_size=16, arch_args=SMALL)
    assert aj["variant"] == "crelu-half@4"


def test_make_model_errors():
    with pytest.raises(EdgeCReLUError, match="unknown model 'lenet'; choose one of: convpool-c"):
        make_model("lenet", "relu", in_channels=1, num_classes=10, input_size=16)
    with pytest.raises(EdgeCReLUError, match="unknown arch argument 'depth' for convpool-c; choose one of: width"):
        make_model("convpool-c", "relu", in_channels=1, num_classes=10, input_size=16, arch_args={"depth": 3})
    with pytest.raises(EdgeCReLUError, match=r"crelu@9: convpool-c has only 8 conv->\(BN\)->ReLU sites; "
                                             "choose a depth from 1 to 8"):
        make_model("convpool-c", "crelu@9", in_channels=1, num_classes=10, input_size=16, arch_args=SMALL)
    with pytest.raises(EdgeCReLUError, match="schema_version"):
        build_model({"schema_version": 99})
    with pytest.raises(EdgeCReLUError, match="lacks"):
        build_model({"schema_version": 1, "arch": "convpool-c"})


def test_user_model_make_and_rebuild(user_pkg, tmp_path):
    arch = f"{user_pkg}:small"
    m, aj = make_model(arch, "crelu@2", in_channels=1, num_classes=3, input_size=12, arch_args={"width": 6})
    assert aj["arch"] == arch and aj["arch_args"] == {"width": 6, "in_channels": 1, "num_classes": 3}
    assert m(torch.randn(2, 1, 12, 12)).shape == (2, 3)
    rebuilt = build_model(aj)
    assert {k: v.shape for k, v in rebuilt.state_dict().items()} == {k: v.shape for k, v in m.state_dict().items()}
    assert default_variants(arch, in_channels=1, num_classes=3, input_size=12) == \
        ["relu", "crelu@2", "crelu-half@2"]  # both sites run at 12x12: the first stage


def test_load_checkpoint(tmp_path):
    m, aj = make_model("inspect-net", "crelu-half@2", in_channels=1, num_classes=4, input_size=32, arch_args=SMALL)
    path = tmp_path / "weights.pt"
    torch.save(m.state_dict(), path)
    fresh = build_model(aj)
    load_checkpoint(fresh, path)
    assert all(torch.equal(a, b) for a, b in zip(m.state_dict().values(), fresh.state_dict().values(), strict=False))
    # a DDP-saved state dict ("module." prefix) loads too
    torch.save({f"module.{k}": v for k, v in m.state_dict().items()}, tmp_path / "ddp.pt")
    load_checkpoint(build_model(aj), tmp_path / "ddp.pt")


def test_load_checkpoint_errors(tmp_path):
    m, _ = make_model("inspect-net", "relu", in_channels=1, num_classes=4, input_size=32, arch_args=SMALL)
    with pytest.raises(EdgeCReLUError, match="checkpoint not found: .*missing.pt"):
        load_checkpoint(m, tmp_path / "missing.pt")
    (tmp_path / "junk.pt").write_bytes(b"not a checkpoint")
    with pytest.raises(EdgeCReLUError, match="cannot read checkpoint .*junk.pt"):
        load_checkpoint(m, tmp_path / "junk.pt")
    half, _ = make_model("inspect-net", "crelu-half@2", in_channels=1, num_classes=4, input_size=32, arch_args=SMALL)
    torch.save(half.state_dict(), tmp_path / "half.pt")
    with pytest.raises(EdgeCReLUError) as exc:
        load_checkpoint(m, tmp_path / "half.pt")
    msg = str(exc.value)
    assert "does not match the model" in msg
    assert "stage1.0.conv.weight: checkpoint [4, 1, 3, 3] vs model [8, 1, 3, 3]" in msg
    assert "\n" not in msg

    torch.save({"x": Fraction(1, 3)}, tmp_path / "obj.pt")  # arbitrary pickled objects: weights_only refuses
    with pytest.raises(EdgeCReLUError, match="cannot read checkpoint"):
        load_checkpoint(m, tmp_path / "obj.pt")
