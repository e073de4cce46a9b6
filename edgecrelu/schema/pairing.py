"""The pairing analysis (``pairing.json``): written by ``analyze`` and ``run`` (``analysis/analyze.py``),
read by the report's pairing part. ``schema_version`` 1."""

from __future__ import annotations

import msgspec

from edgecrelu.schema.base import AnyDict, Model, Num, Text

KIND = "edgecrelu-pairing"
SCHEMA_VERSION = 1


class Random(Model, kw_only=True):
    """The same statistics for i.i.d. Gaussian filters of the layer's shape."""

    mean: Num
    mean_std: Num
    share_below: Num
    share_below_std: Num
    hist: list[Num]  # mean counts
    draws: int


class Layer(Model, kw_only=True):
    path: Text  # the conv module
    site: int | None  # 1-based CReLU site index
    act: str | None  # relu | crelu
    shape: list[int]  # [n, c, kh, kw]
    mean: Num  # mean of mu over the layer's filters
    median: Num | None = None
    share_below: Num  # share of filters with mu < threshold
    hist: list[Num]  # 40 counts over -1..1
    random: Random
    bn_folded: bool | None = None  # models[] layers
    mean_std: Num | None = None  # summary layers: across seeds (null with one)
    n: int | None = None  # summary layers: seeds
    paired: bool | None = None  # summary layers


class ModelLayers(Model, kw_only=True):
    variant: Text
    seed: int
    dir: str
    layers: list[Layer]


class VariantSummary(Model, kw_only=True):
    seeds: list[int]
    layers: list[Layer]  # histograms summed over seeds


class Recommendation(Model, kw_only=True):
    depth: int
    variant: Text  # relu | crelu-half@K
    rule: str
    paired: list[bool]  # per site
    from_: str | None = msgspec.field(default=None, name="from")  # "relu"


class Pairing(Model, kw_only=True):
    schema_version: int  # 1
    kind: str  # "edgecrelu-pairing"
    created_utc: str | None = None
    source: str  # absolute path of the analysed run or checkpoint
    arch: str | None = None
    input_shape: list[int] | None = None  # [C, H, W]
    threshold: Num
    draws: int
    definition: str
    models: list[ModelLayers]  # one per checkpoint
    summary: dict[str, VariantSummary]
    recommendation: Recommendation | None  # null without a relu checkpoint
    filters: dict[str, AnyDict]  # variant -> {shape, order, pixels}: the first layer's filters as images
    conversion: AnyDict | None = None  # conversion.json's content when the source is a conversion run
