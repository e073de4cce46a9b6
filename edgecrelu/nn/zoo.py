"""Built-in architectures and their registry.

Every builder takes ``in_channels``, ``num_classes``, ``width`` (channel multiplier; widths are rounded
to a multiple of 8, at least 8, so ``crelu-half`` can always halve them) and ``act_layer`` (timm
style: a name from :func:`~edgecrelu.nn.crelu.get_act_layer` or a layer class). Weights use
PyTorch's default initialisation, the same that :func:`~edgecrelu.nn.rewrite.apply_variant` uses
for the layers it creates, so variants start from comparable weights.

Built-ins (``edgecrelu models`` prints them with counts):

- ``convpool-c``: ConvPool-CNN-C (Springenberg et al. 2015), the CIFAR net of the CReLU paper line:
  3x3 conv 96 x3, max-pool 3/2, 3x3 conv 192 x3, max-pool 3/2, 3x3 conv 192, 1x1 conv 192,
  1x1 conv classes, global average pool. BN after every conv, activation after every conv but the
  classifier. All 3x3 convs are padded (the paper's valid third-stage conv would need >= 22 px).
- ``resnet18``: ResNet-18 (BasicBlock 2-2-2-2). ``stem="cifar"`` (3x3/1 conv, no pool; the default)
  or ``stem="imagenet"`` (7x7/2 conv + 3x3/2 max-pool); ``resnet18-imagenet`` is the same builder with
  the ImageNet stem. Sites are the stem conv and each block's first conv (9); a block's second
  conv feeds the residual add, so it is no site. ``crelu`` is refused at every depth (the stem's
  output also feeds layer1.0's identity add); ``crelu-half`` works at every depth.
- ``inspect-net``: for 64-224 px inspection crops on a Jetson. Four stages of two 3x3 conv-BN-act
  blocks (32, 64, 128, 256 channels), each stage opening with a stride-2 conv, then global average
  pool, dropout and a linear head. About 1.2 M parameters and 0.2 GMAC at 128 px (0.65 at 224):
  every conv is a dense 3x3 (what TensorRT and cuDNN run best), no depthwise convs (memory-bound at
  batch 1 on Jetson) and no residual adds, so both ``crelu`` and ``crelu-half`` apply anywhere.

Default depth = the sites of the first stage (the layers where CReLU's phase pairs show up):
convpool-c 4 (as in the CReLU paper's ConvPool-CNN-C experiments), resnet18 3 (stem + layer1),
inspect-net 2 (the 32-channel stage).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from torch import Tensor, nn

from edgecrelu.errors import EdgeCReLUError, unknown
from edgecrelu.nn.crelu import CReLU, get_act_layer


@dataclass(frozen=True)
class ZooEntry:
    name: str  # arch name used on the command line and in arch.json
    builder: Callable[..., nn.Module]  # builder(in_channels=, num_classes=, width=, act_layer=, ...)
    default_depth: int  # CReLU depth used when --variants is not given
    default_input_size: int  # square input side in pixels
    description: str  # one line for `edgecrelu models`


def make_divisible(channels: float, divisor: int = 8) -> int:
    """Round to the nearest multiple of ``divisor`` (at least ``divisor``), never below 90 % (timm)."""
    v = max(divisor, int(channels + divisor / 2) // divisor * divisor)
    if v < 0.9 * channels:
        v += divisor
    return v


def _act(act_layer) -> tuple[type, int]:
    """(layer class, channels out per channel in): a name or a class, timm style."""
    cls = get_act_layer(act_layer) if isinstance(act_layer, str) else act_layer
    if not (isinstance(cls, type) and issubclass(cls, nn.Module)):
        raise EdgeCReLUError(f"act_layer must be an activation name or nn.Module class, got {act_layer!r}")
    return cls, (2 if issubclass(cls, CReLU) else 1)


def _check_common(in_channels: int, num_classes: int, width: float) -> None:
    if int(in_channels) < 1 or int(num_classes) < 2:
        raise EdgeCReLUError(f"need in_channels >= 1 and num_classes >= 2 (got {in_channels}, {num_classes})")
    if not width > 0:
        raise EdgeCReLUError(f"width must be > 0 (got {width})")


def conv_bn_act(cin: int, cout: int, k: int, stride: int = 1,
                act: Callable[[], nn.Module] | None = nn.ReLU) -> nn.Sequential:
    """conv (no bias: BN follows) -> BN -> act, with readable paths (``.conv``, ``.bn``, ``.act``)."""
    layers = [("conv", nn.Conv2d(cin, cout, k, stride=stride, padding=k // 2, bias=False)),
              ("bn", nn.BatchNorm2d(cout))]
    if act is not None:
        layers.append(("act", act()))
    return nn.Sequential(OrderedDict(layers))


# -- convpool-c --------------------------------------------------------------------------------


def convpool_c(in_channels: int = 3, num_classes: int = 10, width: float = 1.0,
               act_layer: str | type[nn.Module] = "relu", dropout: float = 0.0) -> nn.Module:
    """ConvPool-CNN-C with BN; ``dropout`` (> 0) after each max-pool as in the paper."""
    _check_common(in_channels, num_classes, width)
    act, f = _act(act_layer)
    c1, c2 = make_divisible(96 * width), make_divisible(192 * width)

    def pool():
        mods = [("pool", nn.MaxPool2d(3, stride=2, padding=1))]
        if dropout > 0:
            mods.append(("drop", nn.Dropout(dropout)))
        return nn.Sequential(OrderedDict(mods))

    return nn.Sequential(OrderedDict([
        ("stage1", nn.Sequential(conv_bn_act(in_channels, c1, 3, act=act), conv_bn_act(c1 * f, c1, 3, act=act),
                                 conv_bn_act(c1 * f, c1, 3, act=act))),
        ("pool1", pool()),
        ("stage2", nn.Sequential(conv_bn_act(c1 * f, c2, 3, act=act), conv_bn_act(c2 * f, c2, 3, act=act),
                                 conv_bn_act(c2 * f, c2, 3, act=act))),
        ("pool2", pool()),
        ("stage3", nn.Sequential(conv_bn_act(c2 * f, c2, 3, act=act), conv_bn_act(c2 * f, c2, 1, act=act))),
        ("classifier", conv_bn_act(c2 * f, num_classes, 1, act=None)),
        ("gap", nn.AdaptiveAvgPool2d(1)),
        ("flatten", nn.Flatten(1)),
    ]))


# -- resnet18 ------------------------------------------------------------------------------------


class BasicBlock(nn.Module):
    """ResNet BasicBlock; separate activation modules so each shows up once in the graph."""

    def __init__(self, cin: int, cout: int, stride: int, act=nn.ReLU):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.act1 = act()
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.act2 = act()
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(OrderedDict([
                ("conv", nn.Conv2d(cin, cout, 1, stride=stride, bias=False)), ("bn", nn.BatchNorm2d(cout))]))

    def forward(self, x: Tensor) -> Tensor:
        identity = x if self.downsample is None else self.downsample(x)
        out = self.act1(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.act2(out + identity)


class ResNet(nn.Module):
    # the four stages, set in __init__ by name (layer1..layer4, the paths torchvision's ResNet has)
    layer1: nn.Sequential
    layer2: nn.Sequential
    layer3: nn.Sequential
    layer4: nn.Sequential

    def __init__(self, in_channels: int, num_classes: int, widths, stem: str, act=nn.ReLU):
        super().__init__()
        if stem == "cifar":
            self.conv1 = nn.Conv2d(in_channels, widths[0], 3, padding=1, bias=False)
            self.maxpool = None
        elif stem == "imagenet":
            self.conv1 = nn.Conv2d(in_channels, widths[0], 7, stride=2, padding=3, bias=False)
            self.maxpool = nn.MaxPool2d(3, stride=2, padding=1)
        else:
            raise unknown("resnet stem", stem, ["cifar", "imagenet"])
        self.bn1 = nn.BatchNorm2d(widths[0])
        self.act1 = act()
        cin = widths[0]
        for i, w in enumerate(widths):
            stride = 1 if i == 0 else 2
            setattr(self, f"layer{i + 1}", nn.Sequential(BasicBlock(cin, w, stride, act), BasicBlock(w, w, 1, act)))
            cin = w
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(cin, num_classes)

    def forward(self, x: Tensor) -> Tensor:
        x = self.act1(self.bn1(self.conv1(x)))
        if self.maxpool is not None:
            x = self.maxpool(x)
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(self.avgpool(x).flatten(1))


def resnet18(in_channels: int = 3, num_classes: int = 10, width: float = 1.0,
             act_layer: str | type[nn.Module] = "relu", stem: str = "cifar") -> nn.Module:
    """ResNet-18; ``stem`` is ``cifar`` (3x3/1, no pool) or ``imagenet`` (7x7/2 + max-pool 3/2)."""
    _check_common(in_channels, num_classes, width)
    act, f = _act(act_layer)
    if f != 1:
        # A doubling activation would double every residual branch; variants do it where it is valid.
        raise EdgeCReLUError("resnet18 takes only width-preserving activations; use variants crelu-half@K for CReLU")
    return ResNet(in_channels, num_classes, [make_divisible(c * width) for c in (64, 128, 256, 512)], stem, act)


# -- inspect-net ---------------------------------------------------------------------------------


def inspect_net(in_channels: int = 3, num_classes: int = 10, width: float = 1.0,
                act_layer: str | type[nn.Module] = "relu",
                dropout: float = 0.1) -> nn.Module:
    """Four stride-2 stages of two 3x3 conv-BN-act blocks (32/64/128/256), GAP, dropout, linear."""
    _check_common(in_channels, num_classes, width)
    act, f = _act(act_layer)
    layers: list[tuple[str, nn.Module]] = []
    cin = in_channels
    for i, c in enumerate((32, 64, 128, 256)):
        c = make_divisible(c * width)
        layers.append((f"stage{i + 1}", nn.Sequential(conv_bn_act(cin, c, 3, stride=2, act=act),
                                                      conv_bn_act(c * f, c, 3, act=act))))
        cin = c * f
    layers += [("gap", nn.AdaptiveAvgPool2d(1)), ("flatten", nn.Flatten(1)),
               ("drop", nn.Dropout(dropout)), ("fc", nn.Linear(cin, num_classes))]
    return nn.Sequential(OrderedDict(layers))


# -- registry --------------------------------------------------------------------------------------

_ZOO: dict[str, ZooEntry] = {e.name: e for e in [
    ZooEntry("convpool-c", convpool_c, 4, 32,
             "ConvPool-CNN-C + BN (CReLU paper's CIFAR net): 96x3, pool, 192x3, pool, 192, 1x1 192, 1x1 cls, GAP"),
    ZooEntry("resnet18", resnet18, 3, 32,
             "ResNet-18, CIFAR stem (3x3/1, no pool); arch arg stem=imagenet for the 7x7/2 + pool stem"),
    ZooEntry("resnet18-imagenet", partial(resnet18, stem="imagenet"), 3, 224,
             "ResNet-18, ImageNet stem (7x7/2 conv + 3x3/2 max-pool)"),
    ZooEntry("inspect-net", inspect_net, 2, 128,
             "Jetson inspection-crop net (64-224 px): 4 stride-2 stages of 2 conv3x3-BN-ReLU, GAP, linear"),
]}


def get_entry(arch: str) -> ZooEntry:
    """The built-in called ``arch``; unknown names get a one-line error listing the built-ins."""
    if arch not in _ZOO:
        raise unknown("model", arch, list(_ZOO) + ["package.module:callable"])
    return _ZOO[arch]


def list_models() -> list[ZooEntry]:
    return list(_ZOO.values())
