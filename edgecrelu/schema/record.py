"""The result record (``RESULTS/<cell key>.json``, one per measured cell): written by
``profiling/record.py`` and ``profiling/paired.py``, read by ``results.py`` for ``report`` and
``compare``. ``schema_version`` 1; fields absent in older records are optional here."""

from __future__ import annotations

from edgecrelu.errors import EdgeCReLUError
from edgecrelu.registries import BACKENDS, FORMS, PRECISIONS, TORCH_FORMS
from edgecrelu.schema.base import (
    AnyDict,
    Count,
    Fraction,
    Model,
    NonNeg,
    Num,
    Numbers,
    Open,
    PosInt,
    Shape3,
    Strings,
    Text,
    invalid,
)
from edgecrelu.schema.datacheck import SkippedFile
from edgecrelu.schema.shift import ShiftScore
from edgecrelu.variant import parse_variant

KIND = "edgecrelu-result"
SCHEMA_VERSION = 1


class Summary(Model, kw_only=True):
    """Latency summary in milliseconds (``edgecrelu.distribution.summarize``)."""

    n: Count | None = None  # samples
    min: NonNeg | None = None
    mean: NonNeg | None = None
    p50: NonNeg | None = None
    p90: NonNeg | None = None
    p95: NonNeg | None = None
    p99: NonNeg | None = None
    max: NonNeg | None = None
    std: NonNeg | None = None  # sample std (ddof=1)
    cov: NonNeg | None = None  # std / mean


class Trial(Model, kw_only=True):
    """One trial (isolated) or one worker (paired rounds)."""

    trial: Count | None = None  # index
    n: NonNeg | None = None
    p50: NonNeg | None = None
    p99: NonNeg | None = None
    mean: NonNeg | None = None
    cov: NonNeg | None = None
    wall_s: NonNeg | None = None


class Cell(Model, kw_only=True):
    """The measured configuration; the file is named ``Cell.key + ".json"``."""

    variant: Text  # relu, crelu@4, crelu-half@4
    kind: str | None = None  # variant kind: relu, crelu, crelu-half
    depth: int | None = None  # CReLU depth (0 for relu)
    form: Text  # ONNX form (graph, folded, pm1, split, tile) or torch mode (eager, compile)
    precision: Text  # fp32, fp16, int8, bf16
    backend: Text  # onnxruntime, tensorrt, torch
    batch: PosInt

    def __post_init__(self) -> None:
        """The names come from the registries and variant.py's grammar: a record's cell key names its file
        and the report's rows, so ``../../etc`` or markup must not pass as a variant."""
        try:
            spec = parse_variant(self.variant)
        except EdgeCReLUError:
            spec = None
        if spec is None or spec.name != self.variant:
            raise invalid("variant", f"must be a variant name (relu, crelu@K, crelu-half@K, relu-half@K, relu-w@K, "
                          f"each + kd optional), got {self.variant[:40]!r}")
        for field, names in (("form", (*FORMS.names, *TORCH_FORMS)), ("precision", PRECISIONS.names),
                             ("backend", BACKENDS.names)):
            value = getattr(self, field)
            if value not in names:
                raise invalid(field, f"must be one of {', '.join(names)}, got {value[:40]!r}")


class DeviceProfileRef(Model, kw_only=True):
    """The device profile the cell was measured with."""

    name: Text | None = None  # records are compared per profile name
    path: str | None = None
    description: str | None = None
    decision: AnyDict | None = None  # the profile's [decision] table (free-form here; report/policy_source.py checks it)
    backends: list[str] | None = None
    precisions: list[str] | None = None
    jetson: bool | None = None


class Environment(Open, kw_only=True):
    """What ``profiling/environment.py`` captured (free-form: os, python, cpu, gpu, jetson, libraries)."""

    host: Text | None = None  # records are compared per host


class ModelRef(Model, kw_only=True):
    arch: str | None = None
    arch_args: AnyDict | None = None
    input_shape: Shape3 | None = None  # [C, H, W]
    num_classes: PosInt | None = None
    class_names: list[str] | None = None  # the manifest's, in class-index order (per-class results, class budgets)


class DatasetRef(Model, kw_only=True):
    """What the report's data line needs from the manifest's dataset entry."""

    spec: str | None = None
    name: str | None = None
    eval_n: Count | None = None
    seed: int | None = None
    synthetic: bool | None = None
    epochs: Count | None = None  # training epochs (the run's recipe)
    resize_policy: str | None = None  # stretch | letterbox | crop (the manifest's; absent: not recorded)
    splits: dict[str, dict[str, Count]] | None = None  # train | val | test -> class name -> images
    skipped: list[SkippedFile] | None = None  # files of the source not in the data (the first 20)
    skipped_n: Count | None = None  # how many there were in all (BUNDLE/data/check.json lists them)


class ArtifactRef(Model, kw_only=True):
    path: Text  # relative to the bundle
    sha256: Text


class TrainRef(Model, kw_only=True):
    """Per-seed training accuracies of the variant (the manifest's ``variants[v].train``)."""

    seeds: list[int] | None = None
    val_acc: list[Num | None] | None = None
    test_acc: Numbers | None = None  # the noise rule reads them
    test_acc_mean: Num | None = None
    test_acc_std: Num | None = None
    distill: AnyDict | None = None  # train --distill-from: {from, temperature, weight, loss, teacher: {arch, weights_sha256, ...}}


class BundleRef(Model, kw_only=True):
    """The bundle the cell's model came from."""

    path: str | None = None  # absolute path when profiled
    manifest_sha256: Text | None = None  # records of one comparison share it
    model: ModelRef | None = None
    dataset_sha256: str | None = None
    dataset: DatasetRef | None = None
    artifact: ArtifactRef | None = None  # the file the cell ran
    train: TrainRef | None = None


class Settings(Model, kw_only=True):
    """How the cell was timed (from the device profile and the command line)."""

    warmup_s: NonNeg | None = None
    min_duration_s: NonNeg | None = None
    min_iterations: Count | None = None
    trials: Count | None = None
    cov_warn: NonNeg | None = None
    threads: int | None = None
    isolation: str | None = None  # process | none
    power_source: str | None = None
    backend: AnyDict | None = None  # the backend's own description (providers, engine, ...), free-form


class DeviceMemory(Model, kw_only=True):
    """Device memory the backend reports (TensorRT: footprint and measured; torch CUDA: measured)."""

    device_bytes: NonNeg | None = None
    device_bytes_method: str | None = None
    device_reserved_bytes: NonNeg | None = None
    engine_bytes: NonNeg | None = None
    activation_bytes: NonNeg | None = None
    activation_scope: str | None = None
    io_bytes: NonNeg | None = None
    footprint_bytes: NonNeg | None = None
    footprint_method: str | None = None
    param_bytes: NonNeg | None = None


class Memory(Model, kw_only=True):
    """The variant's counts, the artifact's where known, and what the cell's process used."""

    model_bytes: NonNeg | None = None  # the artifact file
    params: NonNeg | None = None  # the variant's
    macs: NonNeg | None = None  # the variant's, per image
    artifact_params: NonNeg | None = None  # the artifact graph's own
    artifact_macs: NonNeg | None = None
    peak_rss_bytes: NonNeg | None = None
    rss_before_session_bytes: NonNeg | None = None
    peak_rss_scope: str | None = None
    device_bytes: NonNeg | None = None
    device: DeviceMemory | None = None


class Accuracy(Model, kw_only=True):
    """On the bundle's eval set; agreement against the variant's FP32 reference."""

    top1: Fraction | None = None
    top5: Fraction | None = None  # absent with 5 classes or fewer (it would say 1.0)
    n: NonNeg | None = None  # images
    agreement_top1: Fraction | None = None
    max_abs_diff: NonNeg | None = None  # logits vs the reference
    reference: str | None = None  # what the reference was
    correct: str | None = None  # per-image top-1 correctness, bits packed, base64
    predicted: str | None = None  # per-image top-1 class, uint8 (uint16 past 256 classes), zlib, base64
    confusion: list[list[Count]] | None = None  # eval images, row: true class, column: predicted (up to 100 classes)


class MinMax(Model, kw_only=True):
    min: Num | None = None
    max: Num | None = None


class Power(Model, kw_only=True):
    """Pooled over the cell's trials (``profiling/power.py``: tegrastats or NVML)."""

    mean_mw: NonNeg | None = None
    rails_mw: dict[str, NonNeg] | None = None
    mj_per_inference: NonNeg | None = None
    source: str | None = None  # tegrastats | nvml
    samples: NonNeg | None = None
    method: str | None = None
    duration_s: Num | None = None
    monitored_s: Num | None = None
    total_rail: str | None = None
    max_temp_c: Num | None = None
    ram_used_mb_max: Num | None = None
    lines: int | None = None
    sm_mhz: MinMax | None = None
    gpu_mhz: MinMax | None = None
    clock_event_reasons: list[str] | None = None
    via: str | None = None
    device: str | None = None
    idle_mw: NonNeg | None = None  # idle baseline (absent in records from before it)
    idle_s: Num | None = None
    idle_samples: Num | None = None
    dynamic_mw: Num | None = None  # mean - idle: noise may take it a little below zero
    dynamic_mj_per_inference: Num | None = None
    trials: int | None = None
    warnings: list[str] | None = None


class Convs(Model, kw_only=True):
    qlinear: NonNeg | None = None
    float: NonNeg | None = None


class Ops(Model, kw_only=True):
    """Where the time goes (ONNX Runtime's profiler, a separate short run; ``profiling/opshare.py``)."""

    shares: dict[str, Num] | None = None  # op type -> fraction of kernel time
    total_ms: NonNeg | None = None  # one inference's kernel time
    runs: Count | None = None
    convs: Convs | None = None  # INT8 on the CPU provider: QLinearConv vs float convs


class Stop(Model, kw_only=True):
    reason: str | None = None  # decided | budget
    verdict: str | None = None
    round: int | None = None
    workers: int | None = None
    elapsed_s: float | None = None
    budget_s: float | None = None


class AA(Model, kw_only=True):
    """The A/A check: the reference against itself."""

    stat: str | None = None
    ratio: float | None = None
    lo: float | None = None
    hi: float | None = None
    workers: int | None = None
    valid: bool | None = None


class Paired(Model, kw_only=True):
    """Paired randomised rounds (``profiling/paired.py``); records sharing sequence and group pair."""

    method: str | None = None
    sequence: str | None = None
    group: str | None = None
    reference: str | None = None  # the group's reference cell key
    same_file_as: str | None = None
    seed: int | None = None
    alpha_family: float | None = None
    alpha: float | None = None
    family: int | None = None
    objective_stat: str | None = None
    units: dict[str, dict[str, float]] | None = None  # p50|mean|p99 -> worker -> log ratio to the reference
    workers: int | None = None
    rounds: int | None = None
    dropped: str | None = None
    stop: Stop | None = None
    aa: AA | None = None
    block_ms: float | None = None
    rounds_per_worker: int | None = None
    tail_ms: list[float] | None = None  # the slowest 2 % of per-call latencies
    calls: int | None = None


class Record(Model, kw_only=True):
    """One measured cell."""

    schema_version: int  # 1
    kind: str  # "edgecrelu-result"
    run_id: str
    created_utc: str
    edgecrelu_version: str | None = None
    device_profile: DeviceProfileRef
    environment: Environment
    bundle: BundleRef
    cell: Cell
    settings: Settings | None = None
    latency_ms: Summary  # end to end, per batch
    stages_ms: dict[str, Summary | None] | None = None  # h2d, compute, d2h (CUDA events); null on CPU backends
    trials: list[Trial] | None = None
    throughput_ips: NonNeg | None  # images per second (batch / mean latency)
    memory: Memory
    accuracy: Accuracy | None  # null when the backend gave no eval-set logits
    shifts: list[ShiftScore] | None = None  # top-1 on each shifted eval set of the bundle, per image
    power: Power | None = None  # null without a power source
    warnings: Strings
    ops: Ops | None = None  # ONNX Runtime cells
    paired: Paired | None = None  # cells timed in paired rounds
