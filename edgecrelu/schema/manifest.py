"""The bundle manifest (``BUNDLE/manifest.json``): written by ``export``, read by ``profile``,
``inspect`` and every backend through ``bundle.py``. ``schema_version`` 1."""

from __future__ import annotations

from edgecrelu.schema.base import AnyDict, Count, Model, NonNeg, PosInt, Sha256, Shape3, Strings, Text
from edgecrelu.schema.datacheck import SkippedFile
from edgecrelu.schema.shift import ShiftSet

KIND = "edgecrelu-bundle"
SCHEMA_VERSION = 1


class ModelInfo(Model, kw_only=True):
    arch: str | None = None  # zoo name or package.module:callable
    arch_args: AnyDict | None = None
    input_name: Text | None = None  # the ONNX input ("input")
    output_name: Text | None = None  # the ONNX output ("logits")
    input_shape: Shape3  # [C, H, W]
    num_classes: PosInt | None = None
    class_names: list[str] | None = None
    opset: int | None = None


class Split(Model, kw_only=True):
    path: str  # relative, listed in files
    split: str | None = None  # train | test
    n: Count | None = None
    seed: int | None = None


class Dataset(Model, kw_only=True):
    spec: str | None = None
    sha256: str | None = None
    seed: int | None = None
    name: str | None = None
    synthetic: bool | None = None
    source: AnyDict | None = None  # the data source's own facts, free-form
    calib: Split | None = None  # from the train split (INT8 calibration)
    eval: Split  # from the test split: accuracy and agreement
    check: str | None = None  # the run's data check (data/check.json), listed in files
    resize_policy: str | None = None  # stretch | letterbox | crop (absent: stretch)
    splits: dict[str, dict[str, Count]] | None = None  # train | val | test -> class name -> images
    skipped: list[SkippedFile] | None = None  # every file of the source not in the data, with the reason
    shifts: list[ShiftSet] | None = None  # shifted eval sets (export --shifts): the line's conditions


class TorchFiles(Model, kw_only=True):
    weights: str | None = None  # <variant>/weights.pt
    arch: str | None = None  # <variant>/arch.json


class Variant(Model, kw_only=True):
    kind: str | None = None  # relu | crelu | crelu-half
    depth: int | None = None
    params: NonNeg | None = None
    macs: NonNeg | None = None  # per image
    checkpoint_sha256: str | None = None
    seed: int | None = None
    train: AnyDict | None = None  # per-seed accuracies {seeds, val_acc, test_acc, test_acc_mean, test_acc_std, distill}
    torch: TorchFiles | None = None
    forms: dict[str, AnyDict] | None = None  # form -> {sites, sites_rewritten, macs, ops | skipped}


class Artifact(Model, kw_only=True):
    """One ONNX file: a variant in one form at one precision."""

    variant: Text
    form: Text
    precision: Text  # fp32 | fp16 | int8
    path: Text  # relative, listed in files
    sha256: Text  # the one files lists for path
    bytes: Count | None = None
    macs: NonNeg | None = None  # the artifact graph's own, per image
    params: NonNeg | None = None
    parity_max_abs_diff: NonNeg | None = None  # vs PyTorch fp32 on the first parity_n eval images
    parity_n: Count | None = None
    form_max_abs_diff: NonNeg | None = None  # fp32 form vs the fp32 graph form
    accuracy: AnyDict | None = None  # {top1, top5, n}, ONNX Runtime CPU on the eval set
    vs_fp32: AnyDict | None = None  # fp16 and int8: {top1_drop_pts, agreement_top1, max_abs_diff}
    quantization: AnyDict | None = None  # int8: {format, per_channel, ..., weight_range, method, calib_n}


class Manifest(Model, kw_only=True):
    schema_version: int  # 1
    kind: str  # "edgecrelu-bundle"
    edgecrelu_version: str | None = None
    created_utc: str | None = None
    model: ModelInfo
    preprocessing: AnyDict | None = None  # {size, channels, mean, std, scale, resize}
    recipe: AnyDict | None = None  # the train run's recipe (the report's data line)
    train: AnyDict | None = None  # older bundles: the recipe
    dataset: Dataset
    variants: dict[str, Variant] = {}
    artifacts: list[Artifact] = []
    export: AnyDict | None = None  # {run_dir, versions, exporter, parity_tol, form_tol, max_int8_drop_pts, wall_s}
    warnings: Strings | None = None
    files: dict[str, Sha256] = {}  # relative path -> sha256 of every file but the manifest
