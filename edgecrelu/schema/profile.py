"""The device profile (``profiles/<name>.toml``, or a user's copy): what to measure on a target and
how to decide. Loaded and checked by ``devices.py``; the ``[decision]`` table is also what
``report --policy`` reads. A TOML file, so no ``schema_version``: every key is optional but
``name``, ``backends``, ``precisions`` and ``batch_sizes``, and an unknown key is refused.

Frozen dataclasses (not msgspec structs, as the JSON formats are): the profile is an object the
stages pass around and derive with ``dataclasses.replace``; ``devices.coerce_table`` checks a
table against these fields.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from edgecrelu.errors import EdgeCReLUError
from edgecrelu.registries import ORT_CPU_PROVIDER

# Upper bounds ``devices.py`` checks. A profile describes a target that may not be the machine
# reading it (``profile --host``), so these are fixed, not this machine's (``limits.py`` checks
# those before a run): they only keep out values no target can use, which would hang a run or
# exhaust memory before any check of the machine is reached.
MAX_BATCH = 4096  # batch_sizes: 8x the largest batch the built-in profiles use; 10**9 would allocate until OOM
MAX_THREADS = 1024  # [onnxruntime] / [torch] threads: past the core count of any edge target; 100000 hung ORT
MAX_SECONDS = 3600.0  # [timing] warmup_s, min_duration_s, [power] idle_s: an hour per cell is past any use
MAX_BUDGET_S = 86400.0  # [timing] budget_s: a day of paired rounds (they stop once the verdict is decided)
MAX_ITERATIONS = 1_000_000  # [timing] min_iterations: at 1 ms a call, already 17 minutes per trial
MAX_TRIALS = 100  # [timing] trials, rounds_per_worker: each is a full pass over the cell
NAME_PATTERN = r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}"  # name: records, reports and file names carry it


@dataclass(frozen=True)
class Timing:
    warmup_s: float = 0.2  # discarded warm-up time per trial (trtexec default: 200 ms); at most 3600
    min_duration_s: float = 3.0  # each trial runs at least this long (at most 3600) ...
    min_iterations: int = 50  # ... and at least this many iterations
    trials: int = 1  # isolated trials per cell (accuracy, peak memory, power); latency comes from the rounds
    cov_warn: float = 0.05  # warn when latency CoV exceeds this (trtexec warns at 1 % GPU compute)
    budget_s: float = 300.0  # wall-clock seconds for the paired timing rounds; they stop earlier once decided
    block_ms: float = 10.0  # target milliseconds of one block of calls in a round
    rounds_per_worker: int = 4  # rounds in one fresh worker process (the replicate)
    min_workers: int = 5  # workers before any stop


@dataclass(frozen=True)
class OrtOptions:
    threads: int = 1  # intra-op threads, 1 to 1024; spinning is turned off when > 1 (docs/platform-notes.md)
    providers: tuple = (ORT_CPU_PROVIDER,)  # ONNX Runtime's names, in order of preference; missing ones are skipped with a warning
    graph_optimization: str = "all"  # disable | basic | extended | all


@dataclass(frozen=True)
class TrtOptions:
    workspace_mb: int = 1024  # builder memory pool limit for the workspace
    cuda_graphs: bool = True  # capture enqueue in a CUDA graph (not with DLA)
    dla_core: int = -1  # -1: GPU only; >= 0: DLA core with GPU fallback
    builder_optimization_level: int = 3  # TensorRT builder optimisation level (0-5)
    timing_cache: bool = True  # reuse a timing cache across builds on this device
    transfers: bool = True  # time H2D / D2H copies with each inference (false: device only, --noDataTransfers)


@dataclass(frozen=True)
class TorchOptions:
    device: str = "cpu"  # cpu | cuda
    compile: bool = False  # also profile torch.compile'd models
    channels_last: bool = False  # NHWC memory format on CUDA
    threads: int = 1  # torch.set_num_threads on CPU; at most 1024


@dataclass(frozen=True)
class Power:
    source: str = "none"  # none | tegrastats | nvml
    interval_ms: int = 100  # sampling interval
    idle_s: float = 0.0  # idle baseline window sampled before each cell's timed loop (0: none)


@dataclass(frozen=True)
class Decision:
    baseline_variant: str = "relu"  # the cell every other cell is compared with ...
    baseline_precision: str = "fp32"  # ... at this precision ...
    baseline_form: str = "graph"  # ... in this form, on the profile's first backend at batch 1
    max_accuracy_drop: float = 1.0  # percentage points of top-1 below the baseline
    latency_budget_p99_ms: float | None = None  # p99 at batch 1; None = no budget
    memory_budget_mb: float | None = None  # peak memory; None = no budget
    objective: str = "p99_latency"  # p99_latency | p50_latency | throughput | energy | memory
    min_gain: float = 0.05  # CReLU must beat the best ReLU configuration by this fraction
    line_rate_ips: float = 30.0  # images per second one station produces
    stations: int = 1  # stations on the line
    seed_spread_gates: bool = False  # true: the spread over training seeds widens the accuracy interval the verdict reads
    class_recall_budget: dict[str, float] | None = None  # class name -> points of that class's recall it may lose vs the baseline
    robustness_budget: float | None = None  # points of top-1 vs the baseline a configuration may lose under any shifted eval set; None = not checked
    robustness_severity: int = 2  # the shift severity (1-3) robustness_budget is checked at


@dataclass(frozen=True)
class DeviceProfile:
    name: str  # letters, digits, '.', '_', '-' (at most 64): records, reports and file names carry it
    description: str
    backends: tuple  # in order of preference
    precisions: tuple
    batch_sizes: tuple  # each 1 to 4096
    int8: bool = True  # False on GPUs without INT8 tensor support (Jetson Nano, Maxwell)
    dla_cores: int = 0  # DLA cores on the module
    jetson: bool = False  # expect Jetson telemetry (tegrastats, nvpmodel)
    timing: Timing = field(default_factory=Timing)
    onnxruntime: OrtOptions = field(default_factory=OrtOptions)
    tensorrt: TrtOptions = field(default_factory=TrtOptions)
    torch: TorchOptions = field(default_factory=TorchOptions)
    power: Power = field(default_factory=Power)
    decision: Decision = field(default_factory=Decision)
    path: str = ""  # where it was loaded from

    def check_precision(self, precision: str) -> None:
        if precision not in self.precisions:
            why = " (this GPU has no INT8 support)" if precision == "int8" and not self.int8 else ""
            raise EdgeCReLUError(
                f"precision '{precision}' is not supported on device '{self.name}'{why}; "
                f"choose from: {', '.join(self.precisions)}"
            )

    def to_dict(self) -> dict:
        from dataclasses import asdict

        return asdict(self)
