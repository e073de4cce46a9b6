"""The train run's ``run.json`` (``runs/NAME/run.json``): written by ``train`` and ``convert``
(``train/rundir.py``), read by ``export`` and ``analyze``. ``schema_version`` 1."""

from __future__ import annotations

from edgecrelu.schema.base import AnyDict, Count, Fraction, Model, Num, Text

KIND = "edgecrelu-train-run"
RECORD_KIND = "edgecrelu-train-record"  # <variant>/seed<N>/record.json (free-form: read by the torch side only)
SCHEMA_VERSION = 1


class RunModel(Model, kw_only=True):
    arch: str | None = None  # zoo name or package.module:callable
    arch_args: AnyDict | None = None  # as given: {width}
    input_size: int | None = None


class RunData(Model, kw_only=True):
    """The data source's summary (``Dataset.summary``): a resume must match spec, sha256, seed, size, channels."""

    spec: Text
    sha256: str | None = None
    seed: int | None = None
    size: int | list[int]  # [H, W] (or one side for a square)
    channels: int | None = None
    preprocessing: AnyDict | None = None  # {size, channels, mean, std, scale, resize}
    class_names: list[str] | None = None
    n_train: Count | None = None
    n_val: Count | None = None
    n_test: Count | None = None
    n_bad: Count | None = None  # unreadable files skipped (data-check.json lists them with the reason)
    resize_policy: str | None = None  # stretch | letterbox | crop (absent: stretch)
    splits: dict[str, dict[str, Count]] | None = None  # train | val | test -> class name -> images
    source: AnyDict | None = None  # the data source's own facts
    name: str | None = None
    synthetic: bool | None = None


class Checkpoint(Model, kw_only=True):
    variant: Text
    seed: int
    dir: Text  # relative to the run: <variant>/seed<k>
    val_acc: Fraction | None = None
    test_acc: Fraction | None = None
    weights_sha256: str | None = None


class TrainRun(Model, kw_only=True):
    schema_version: int | None = None  # 1 (absent: read as 1)
    kind: str  # "edgecrelu-train-run"
    edgecrelu_version: str | None = None
    created_utc: str | None = None
    updated_utc: str | None = None
    wall_time_s: Num | None = None
    complete: bool | None = None  # every variant and seed finished
    model: RunModel | None = None
    data: RunData
    recipe: AnyDict | None = None  # {epochs, batch_size, optimizer, lr, ...}: what train was given
    variants: list[str] | None = None
    seeds: list[int] | None = None
    checkpoints: list[Checkpoint]
    summary: dict[str, AnyDict] | None = None  # variant -> {seeds, n, val_acc, test_acc, test_acc_mean, ...}
    conversion: str | None = None  # conversion runs: "conversion.json"
    analysis: str | None = None  # where `analyze` last wrote this run's pairing.json (its --out, absolute): `report` looks there
