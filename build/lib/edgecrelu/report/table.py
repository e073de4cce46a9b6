"""The trade-off table: one row per measured cell (variant, form, precision, backend, batch)."""

from __future__ import annotations

from dataclasses import dataclass, field

from edgecrelu.devices import Decision
from edgecrelu.errors import EdgeCReLUError
from edgecrelu.registries import PRECISION_ORDER
from edgecrelu.report import noise, pareto
from edgecrelu.results import Cell
from edgecrelu.variant import split_name

MB = 1024 * 1024
CRELU_KINDS = ("crelu", "crelu-half")


@dataclass
class Row:
    """One cell of one machine, with everything the report shows about it."""

    variant: str
    kind: str  # relu | crelu | crelu-half (variant name before '@')
    form: str
    precision: str
    backend: str
    batch: int
    record: dict = field(repr=False)  # the result record the row is built from
    top1: float | None = None  # fraction 0..1
    top1_ci: tuple | None = None  # 95 % Wilson interval (fraction)
    n: int | None = None  # evaluation images
    agreement: float | None = None  # top-1 agreement with the same variant's fp32 output
    max_abs_diff: float | None = None  # max abs logit difference vs that fp32 output
    p50: float | None = None  # ms per batch
    p99: float | None = None
    p50_range: tuple | None = None  # trial-to-trial range (noise.latency_range)
    p99_range: tuple | None = None
    gpu_p50: float | None = None  # GPU compute p50, ms per batch (CUDA events; trtexec's "GPU Compute Time")
    h2d_p50: float | None = None  # host-to-device copy p50, ms
    d2h_p50: float | None = None  # device-to-host copy p50, ms
    throughput: float | None = None  # images / s
    model_mb: float | None = None
    peak_mb: float | None = None  # device memory where reported, else peak host RSS
    peak_source: str = ""  # "device" | "host RSS"
    params: int | None = None
    macs: int | None = None
    power_mw: float | None = None
    mj_per_inference: float | None = None
    # Filled in relative to the section's baseline and policy:
    is_baseline: bool = False
    delta_top1_pts: float | None = None  # (top1 - baseline top1) x 100
    delta_significant: bool = False  # outside the noise (noise.accuracy_differs)
    p50_ratio: float | None = None  # p50 / baseline p50 at the same batch
    pareto_latency: bool = False  # on the accuracy vs p99 front (same batch)
    pareto_memory: bool = False  # on the accuracy vs peak memory front (same batch)
    violations: list = field(default_factory=list)  # "accuracy", "latency", "memory"

    @property
    def config(self) -> tuple:
        """The deployable configuration: a cell without its batch size."""
        return (self.variant, self.form, self.precision, self.backend)

    @property
    def label(self) -> str:
        return f"{self.variant} ({self.form}, {self.precision}, {self.backend})"

    @property
    def is_crelu(self) -> bool:
        return self.kind in CRELU_KINDS


def _num(x):
    return None if x is None else float(x)


def row_from_record(rec: dict) -> Row:
    cell = rec["cell"]
    variant = str(cell["variant"])
    acc = rec.get("accuracy") or {}
    lat = rec.get("latency_ms") or {}
    mem = rec.get("memory") or {}
    power = rec.get("power") or {}
    stages = rec.get("stages_ms") or {}
    device_bytes, rss = mem.get("device_bytes"), mem.get("peak_rss_bytes")
    if device_bytes:
        peak, source = device_bytes / MB, "device"
    elif rss:
        peak, source = rss / MB, "host RSS"
    else:
        peak, source = None, ""
    n = acc.get("n")
    if acc.get("top1") is not None and not 0.0 <= float(acc["top1"]) <= 1.0:
        raise EdgeCReLUError(f"record {Cell.from_dict(cell).key}: accuracy.top1 = {acc['top1']} is not a fraction in [0, 1]")
    return Row(
        variant=variant,
        kind=str(cell.get("kind") or split_name(variant)[0]),
        form=str(cell["form"]),
        precision=str(cell["precision"]),
        backend=str(cell["backend"]),
        batch=int(cell["batch"]),
        record=rec,
        top1=_num(acc.get("top1")),
        top1_ci=noise.wilson_interval(acc.get("top1"), n),
        n=n,
        agreement=_num(acc.get("agreement_top1")),
        max_abs_diff=_num(acc.get("max_abs_diff")),
        p50=_num(lat.get("p50")),
        p99=_num(lat.get("p99")),
        p50_range=noise.latency_range(rec, "p50"),
        p99_range=noise.latency_range(rec, "p99"),
        gpu_p50=_num((stages.get("compute") or {}).get("p50")),
        h2d_p50=_num((stages.get("h2d") or {}).get("p50")),
        d2h_p50=_num((stages.get("d2h") or {}).get("p50")),
        throughput=_num(rec.get("throughput_ips")),
        model_mb=None if mem.get("model_bytes") is None else mem["model_bytes"] / MB,
        peak_mb=peak,
        peak_source=source,
        params=mem.get("params"),
        macs=mem.get("macs"),
        power_mw=_num(power.get("mean_mw")),
        mj_per_inference=_num(power.get("mj_per_inference")),
    )


def backend_order(records: list[dict]) -> list[str]:
    """The profile's backends in order of preference where the record embeds them, then the order
    in which backends appear in the records."""
    order: list[str] = []
    for rec in records:
        for b in (rec.get("device_profile") or {}).get("backends") or []:
            if b not in order:
                order.append(b)
    for rec in records:
        b = rec["cell"]["backend"]
        if b not in order:
            order.append(b)
    present = {rec["cell"]["backend"] for rec in records}
    return [b for b in order if b in present]


def find_baseline(rows: list[Row], policy: Decision, backends: list[str], where: str) -> Row:
    """The policy's baseline cell on the first backend at batch 1, or a one-line error listing cells."""
    backend = backends[0] if backends else "?"
    for r in rows:
        if (r.variant, r.precision, r.form, r.backend, r.batch) == (
            policy.baseline_variant, policy.baseline_precision, policy.baseline_form, backend, 1
        ):
            return r
    have = sorted({f"{r.variant}/{r.form}/{r.precision}/{r.backend}/b{r.batch}" for r in rows})
    raise EdgeCReLUError(
        f"{where}: baseline cell {policy.baseline_variant}/{policy.baseline_form}/{policy.baseline_precision}/"
        f"{backend}/b1 not found (set baseline_variant/baseline_form/baseline_precision with --policy); "
        f"cells present: {', '.join(have)}"
    )


def annotate(rows: list[Row], baseline: Row, policy: Decision) -> None:
    """Fill in deltas, ratios, Pareto flags and budget violations (in place)."""
    base_by_batch = {
        r.batch: r for r in rows
        if (r.variant, r.form, r.precision, r.backend) == baseline.config
    }
    for r in rows:
        r.is_baseline = r is baseline
        if r.top1 is not None and baseline.top1 is not None:
            r.delta_top1_pts = (r.top1 - baseline.top1) * 100.0
            r.delta_significant = noise.accuracy_differs(r.record, baseline.record)
        b = base_by_batch.get(r.batch)
        if b is not None and b.p50 and r.p50 is not None:
            r.p50_ratio = r.p50 / b.p50
        r.violations = violations(r, policy)
    for batch in sorted({r.batch for r in rows}):
        group = [r for r in rows if r.batch == batch]
        for r, on in zip(group, pareto.pareto_front([(r.top1, r.p99) for r in group])):
            r.pareto_latency = on
        for r, on in zip(group, pareto.pareto_front([(r.top1, r.peak_mb) for r in group])):
            r.pareto_memory = on


def violations(r: Row, policy: Decision) -> list[str]:
    """Constraints the row breaks: accuracy drop, p99 budget (batch 1 only), memory budget."""
    out = []
    if r.delta_top1_pts is not None and -r.delta_top1_pts > policy.max_accuracy_drop + 1e-9:
        out.append("accuracy")
    if r.batch == 1 and policy.latency_budget_p99_ms is not None and r.p99 is not None \
            and r.p99 > policy.latency_budget_p99_ms:
        out.append("latency")
    if policy.memory_budget_mb is not None and r.peak_mb is not None and r.peak_mb > policy.memory_budget_mb:
        out.append("memory")
    return out


def sort_rows(rows: list[Row]) -> list[Row]:
    kinds = {"relu": 0, "crelu-half": 1, "crelu": 2}
    return sorted(rows, key=lambda r: (r.batch, r.backend, kinds.get(r.kind, 9), r.variant,
                                       PRECISION_ORDER.get(r.precision, 9), r.form))
