"""The report's rows, one per result record (variant, form, precision, backend, batch); the trade-off
table shows a CReLU variant's (variant, precision, backend, batch) once, at its chosen form
(:func:`table_rows`, ``formchoice``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from edgecrelu import sequential, stats
from edgecrelu.devices import Decision
from edgecrelu.errors import EdgeCReLUError
from edgecrelu.registries import PRECISION_ORDER
from edgecrelu.report import classes, noise, pareto, robustness
from edgecrelu.results import Cell
from edgecrelu.variant import split_name

if TYPE_CHECKING:
    from edgecrelu.report.formchoice import FormChoice

MB = 1024 * 1024
CRELU_KINDS = ("crelu", "crelu-half")
# The order of variant kinds in the report's tables and plots: the baseline kind, its equal-cost ReLU
# controls, then the cheaper CReLU.
KIND_ORDER = {"relu": 0, "relu-half": 1, "relu-w": 2, "crelu-half": 3, "crelu": 4}


def kind_rank(kind: str) -> int:
    return KIND_ORDER.get(kind, len(KIND_ORDER))


@dataclass
class Row:
    """One cell of one machine, with everything the report shows about it."""

    variant: str
    kind: str  # relu | crelu | crelu-half (variant name before '@')
    form: str
    precision: str
    backend: str
    batch: int
    record: dict[str, Any] = field(repr=False)  # the result record the row is built from
    top1: float | None = None  # fraction 0..1
    top1_ci: tuple[float, float] | None = None  # 95 % Wilson interval (fraction)
    n: int | None = None  # evaluation images
    agreement: float | None = None  # top-1 agreement with the same variant's fp32 output
    max_abs_diff: float | None = None  # max abs logit difference vs that fp32 output
    p50: float | None = None  # ms per batch
    p99: float | None = None
    p50_range: tuple[float, float] | None = None  # trial-to-trial range (noise.latency_range)
    p99_range: tuple[float, float] | None = None
    gpu_p50: float | None = None  # GPU compute p50, ms per batch (CUDA events; trtexec's "GPU Compute Time")
    h2d_p50: float | None = None  # host-to-device copy p50, ms
    d2h_p50: float | None = None  # device-to-host copy p50, ms
    throughput: float | None = None  # images / s
    model_mb: float | None = None
    peak_mb: float | None = None  # device memory where reported, else peak host RSS
    peak_source: str = ""  # "device" | "host RSS"
    params: int | None = None  # of the artifact where the record has it, else of the variant
    macs: int | None = None  # per image, of the artifact where the record has it, else of the variant
    params_source: str = ""  # "artifact" | "variant" | ""
    macs_source: str = ""
    power_mw: float | None = None
    mj_per_inference: float | None = None
    # Filled in relative to the section's baseline and policy:
    is_baseline: bool = False
    delta_top1_pts: float | None = None  # (top1 - baseline top1) x 100
    delta_significant: bool = False  # outside the noise (noise.accuracy_differs)
    p50_ratio: float | None = None  # p50 / baseline p50 at the same batch
    pareto_latency: bool = False  # on the accuracy vs p99 front (same batch)
    pareto_memory: bool = False  # on the accuracy vs peak memory front (same batch)
    violations: list[str] = field(default_factory=list)  # constraints shown broken: "accuracy", "latency", "memory"
    unclear: list[str] = field(default_factory=list)  # constraints the intervals can neither clear nor break
    acc_ci: stats.AccuracyCI | None = None  # top-1 vs the baseline (points)
    class_cis: dict[str, stats.AccuracyCI | None] = field(default_factory=dict)  # class name -> its recall vs the baseline (decision.class_recall_budget)
    robustness_cis: dict[str, stats.AccuracyCI | None] = field(default_factory=dict)  # shift -> top-1 vs the baseline on it (decision.robustness_budget)
    p50_ratio_ci: stats.RatioCI | None = None  # p50 vs the baseline at the same batch
    p99_ci: tuple[float, float] | None = None  # 95 % interval on p99 from the trials (ms)
    percentile_flags: list[str] = field(default_factory=list)  # percentiles the sample count cannot support
    form_choice: FormChoice | None = None  # of the row's CReLU cell; None: no choice made

    @property
    def chosen(self) -> bool | None:
        """True: the form chosen for the row's cell; False: a form measured but not chosen (the
        trade-off table leaves it out); None: no choice (relu, or no exact timed form)."""
        return None if self.form_choice is None else self.form == self.form_choice.form

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


def _count(mem: dict, key: str) -> tuple:
    """(value, source): the artifact's count (what that form executes) where the record has it, else
    the variant's (a CReLU form can execute more than its variant: ``folded`` doubles a conv)."""
    if mem.get(f"artifact_{key}") is not None:
        return mem[f"artifact_{key}"], "artifact"
    if mem.get(key) is not None:
        return mem[key], "variant"
    return None, ""


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
        params=_count(mem, "params")[0],
        params_source=_count(mem, "params")[1],
        macs=_count(mem, "macs")[0],
        macs_source=_count(mem, "macs")[1],
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
    """Fill in deltas, ratios with intervals and constraint checks (in place); the Pareto flags come
    from :func:`mark_pareto` once the forms are chosen."""
    base_by_batch = {
        r.batch: r for r in rows
        if (r.variant, r.form, r.precision, r.backend) == baseline.config
    }
    acc_cache: dict = {}
    class_cache: dict[tuple, dict[str, stats.AccuracyCI | None]] = {}  # per configuration, like acc_cache
    for r in rows:
        r.is_baseline = r is baseline
        if r.top1 is not None and baseline.top1 is not None:
            r.delta_top1_pts = (r.top1 - baseline.top1) * 100.0
            key = (r.variant, r.form, r.precision, r.backend)
            if key not in acc_cache:
                acc_cache[key] = None if key == baseline.config else stats.accuracy_interval(
                    baseline.record, r.record, seeds_gate=policy.seed_spread_gates)
            r.acc_ci = acc_cache[key]
            r.delta_significant = r.acc_ci is not None and (r.acc_ci.lo > 0 or r.acc_ci.hi < 0)
        b = base_by_batch.get(r.batch)
        if b is not None and b.p50 and r.p50 is not None:
            r.p50_ratio = r.p50 / b.p50
            if b is not r:
                r.p50_ratio_ci = stats.ratio_interval(b.record, r.record, "p50")
                if isinstance(r.p50_ratio_ci, stats.PairedRatioCI):
                    r.p50_ratio = r.p50_ratio_ci.ratio  # the paired estimate its interval is about
        r.p99_ci = stats.value_interval(r.record, "p99")
        n = (r.record.get("latency_ms") or {}).get("n")
        r.percentile_flags = [f"p{q}" for q in (90, 95, 99) if n and not stats.percentile_supported(q / 100, n)]
        r.violations, r.unclear = check_constraints(r, policy)
        if policy.class_recall_budget and r.config != baseline.config:
            if r.config not in class_cache:
                class_cache[r.config] = classes.budget_checks(baseline.record, r.record, policy.class_recall_budget,
                                                              "policy")
            r.class_cis = class_cache[r.config]
            broken, unclear = classes.budget_status(r.class_cis, policy.class_recall_budget)
            r.violations += broken
            r.unclear += unclear
        if policy.robustness_budget is not None and r.config != baseline.config:
            r.robustness_cis = robustness.budget_checks(baseline.record, r.record, policy.robustness_severity)
            broken, unclear = robustness.budget_status(r.robustness_cis, policy.robustness_budget)
            r.violations += broken
            r.unclear += unclear


def mark_pareto(rows: list[Row]) -> None:
    """Pareto flags per batch over the rows the trade-off table shows (a CReLU cell's unchosen forms
    get none: a row must not lose its flag to a sibling the table hides); run after the forms are
    chosen (``formchoice.choose_forms``)."""
    for r in rows:
        r.pareto_latency = r.pareto_memory = False
    shown = table_rows(rows)
    for batch in sorted({r.batch for r in shown}):
        group = [r for r in shown if r.batch == batch]
        for r, on in zip(group, pareto.pareto_front([(r.top1, r.p99) for r in group]), strict=False):
            r.pareto_latency = on
        for r, on in zip(group, pareto.pareto_front([(r.top1, r.peak_mb) for r in group]), strict=False):
            r.pareto_memory = on


def check_constraints(r: Row, policy: Decision) -> tuple[list[str], list[str]]:
    """(shown broken, unclear): the accuracy drop as non-inferiority on the interval of the
    difference, the p99 budget (batch 1) on the trials' interval, the memory budget on the value."""
    broken, unclear = [], []
    if r.acc_ci is not None:
        status = stats.non_inferiority(r.acc_ci, policy.max_accuracy_drop)
        if status == "fail":
            broken.append("accuracy")
        elif status == "unclear":
            unclear.append("accuracy")
    elif r.delta_top1_pts is not None and not r.is_baseline and -r.delta_top1_pts > policy.max_accuracy_drop + 1e-9:
        broken.append("accuracy")
    if r.batch == 1 and policy.latency_budget_p99_ms is not None and r.p99 is not None:
        budget = policy.latency_budget_p99_ms
        counted = budget_from_counts(r.record, budget)
        if counted is not None:
            if counted[0] != "met":
                (broken if counted[0] == "broken" else unclear).append("latency")
        else:
            lo, hi = r.p99_ci or (r.p99, r.p99)
            if lo > budget:
                broken.append("latency")
            elif hi > budget:
                unclear.append("latency")
    if policy.memory_budget_mb is not None and r.peak_mb is not None and r.peak_mb > policy.memory_budget_mb:
        broken.append("memory")
    return broken, unclear


def budget_from_counts(record: dict[str, Any], budget_ms: float) -> tuple[str, int, int] | None:
    """``(status, over, n)`` of the p99 budget from the count of calls over it (records timed in paired
    rounds keep their slowest calls), or None for records without them."""
    p = record.get("paired")
    if not isinstance(p, dict) or not isinstance(p.get("tail_ms"), list) or not p.get("calls"):
        return None
    over = sequential.over_budget(p["tail_ms"], budget_ms)
    return sequential.budget_counts(over, int(p["calls"]))[0], over, int(p["calls"])


def table_rows(rows: list[Row]) -> list[Row]:
    """The rows the trade-off table shows: one per cell, a CReLU cell at its chosen form (the
    baseline is always shown, even where a policy makes it a CReLU form that was not chosen)."""
    return [r for r in rows if r.chosen is not False or r.is_baseline]


def sort_rows(rows: list[Row]) -> list[Row]:
    return sorted(rows, key=lambda r: (r.batch, r.backend, kind_rank(r.kind), r.variant,
                                       PRECISION_ORDER.get(r.precision, 9), r.form))
