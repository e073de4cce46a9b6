"""GO / NO-GO: the best CReLU configuration against the best ReLU configuration, under a policy.

GO when the best CReLU configuration (kind crelu or crelu-half) meets every constraint (top-1 drop
vs the baseline, p99 at batch 1 within budget, peak memory within budget) and beats the best ReLU
configuration that also meets them on the objective by at least ``min_gain`` — and by more than
the noise (trial-to-trial ranges must not overlap). Otherwise NO-GO, with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from edgecrelu.devices import Decision
from edgecrelu.report import fmt, noise
from edgecrelu.report.table import Row

LOWER_IS_BETTER = {"p99_latency": True, "p50_latency": True, "throughput": False, "energy": True, "memory": True}
UNITS = {"p99_latency": "ms", "p50_latency": "ms", "throughput": "images/s", "energy": "mJ", "memory": "MB"}
EXACT_TOL = 1e-3  # an fp32 form whose logits differ more than this from the reference is not exact


@dataclass
class Candidate:
    """A deployable configuration, judged at batch 1 (throughput: at its best batch)."""

    row: Row  # the batch-1 row (constraints are checked on it)
    value: float | None  # objective value
    spread: tuple | None  # noise range of the objective value
    at: Row  # the row the objective value comes from

    @property
    def label(self) -> str:
        base = f"{self.row.variant} ({self.row.form}, {self.row.precision}, {self.row.backend}"
        return base + (f", batch {self.at.batch})" if self.at.batch != 1 else ")")


@dataclass
class FormChoice:
    """The fastest exact CReLU form of one variant on one backend at one precision (batch 1, p50)."""

    backend: str
    variant: str
    precision: str
    form: str
    p50: float
    runner_up: str | None = None
    runner_up_p50: float | None = None
    significant: bool = True  # False: the runner-up is inside the trial-to-trial spread
    inexact: list = field(default_factory=list)  # forms left out because fp32 logits differ


@dataclass
class Verdict:
    verdict: str  # "GO" | "NO-GO"
    reason: str  # go | accuracy | latency | memory | min_gain | not_significant | no_crelu | no_metric
    sentence: str
    objective: str
    best_crelu: Candidate | None = None
    best_relu: Candidate | None = None
    best_overall: Candidate | None = None
    best_overall_sentence: str = ""
    gain: float | None = None  # fraction; > 0 means CReLU is better on the objective
    significant: bool | None = None
    crelu_total: int = 0
    crelu_passing: int = 0
    failures: dict = field(default_factory=dict)  # violation -> number of CReLU configurations
    forms: list = field(default_factory=list)  # FormChoice

    @property
    def go(self) -> bool:
        return self.verdict == "GO"


def _value(v: float | None, objective: str) -> str:
    if v is None:
        return "—"
    unit = UNITS[objective]
    if unit == "ms":
        return f"{fmt.ms(v)} ms"
    if unit == "mJ":
        return f"{v:.3g} mJ"
    return f"{v:,.0f} {unit}" if v >= 100 else f"{v:.3g} {unit}"


def _span(rng: tuple, objective: str) -> str:
    lo, hi = _value(rng[0], objective), _value(rng[1], objective)
    unit = " " + UNITS[objective]
    return f"{lo.removesuffix(unit)}–{hi}" if lo.endswith(unit) else f"{lo}–{hi}"


def candidate(rows_of_config: list[Row], objective: str) -> Candidate | None:
    b1 = next((r for r in rows_of_config if r.batch == 1), None)
    if b1 is None:
        return None
    if objective == "p99_latency":
        return Candidate(b1, b1.p99, b1.p99_range, b1)
    if objective == "p50_latency":
        return Candidate(b1, b1.p50, b1.p50_range, b1)
    if objective == "memory":
        return Candidate(b1, b1.peak_mb, None if b1.peak_mb is None else (b1.peak_mb, b1.peak_mb), b1)
    if objective == "energy":
        return Candidate(b1, b1.mj_per_inference, noise.scaled_range(b1.mj_per_inference, b1.record, False), b1)
    with_thr = [r for r in rows_of_config if r.throughput is not None]
    if not with_thr:
        return Candidate(b1, None, None, b1)
    best = max(with_thr, key=lambda r: r.throughput)
    return Candidate(b1, best.throughput, noise.scaled_range(best.throughput, best.record, True), best)


def _rank(c: Candidate, objective: str):
    if c.value is None:
        return (1, 0.0, c.label)
    return (0, c.value if LOWER_IS_BETTER[objective] else -c.value, c.label)


def gain_of(crelu: Candidate, relu: Candidate, objective: str) -> float:
    if LOWER_IS_BETTER[objective]:
        return (relu.value - crelu.value) / relu.value
    return (crelu.value - relu.value) / relu.value


def significant(crelu: Candidate, relu: Candidate, objective: str) -> bool:
    """True when the CReLU range lies entirely on the better side of the ReLU range."""
    if crelu.spread is None or relu.spread is None:
        return False
    if LOWER_IS_BETTER[objective]:
        return crelu.spread[1] < relu.spread[0]
    return crelu.spread[0] > relu.spread[1]


def overlapping(crelu: Candidate, relu: Candidate) -> bool:
    """True when the two trial-to-trial ranges overlap (either way round): a tie within the noise."""
    return noise.overlap(crelu.spread, relu.spread)


def _comparison(gain: float, objective: str) -> str:
    a = f"{abs(gain) * 100:.1f} %"
    better = gain >= 0
    return {
        "p99_latency": f"is {a} {'faster' if better else 'slower'} at p99 than",
        "p50_latency": f"is {a} {'faster' if better else 'slower'} at p50 than",
        "throughput": f"has {a} {'higher' if better else 'lower'} throughput than",
        "energy": f"uses {a} {'less' if better else 'more'} energy per inference than",
        "memory": f"uses {a} {'less' if better else 'more'} peak memory than",
    }[objective]


def _violation_words(c: Candidate, baseline: Row, policy: Decision) -> list[str]:
    r, out = c.row, []
    for v in r.violations:
        if v == "accuracy":
            sig = "significant: the 95 % CIs do not overlap" if r.delta_significant else \
                "inside the 95 % CIs, but the policy limit applies to the measured drop"
            out.append(
                f"loses {-r.delta_top1_pts:.2f} points of top-1 vs the baseline {baseline.label} "
                f"({r.top1 * 100:.2f} % vs {baseline.top1 * 100:.2f} %, maximum drop "
                f"{policy.max_accuracy_drop:g} points; {sig})"
            )
        elif v == "latency":
            out.append(f"has p99 {fmt.ms(r.p99)} ms at batch 1, over the {policy.latency_budget_p99_ms:g} ms budget")
        elif v == "memory":
            out.append(f"peaks at {r.peak_mb:.0f} MB, over the {policy.memory_budget_mb:g} MB memory budget")
    return out


def _meets(c: Candidate, baseline: Row, policy: Decision) -> str:
    r = c.row
    parts = []
    if r.delta_top1_pts is not None:
        parts.append(f"top-1 {fmt.signed(r.delta_top1_pts)} points vs the baseline (max drop {policy.max_accuracy_drop:g} points)")
    if r.p99 is not None:
        b = f" ≤ {policy.latency_budget_p99_ms:g} ms budget" if policy.latency_budget_p99_ms is not None else ""
        parts.append(f"p99 {fmt.ms(r.p99)} ms at batch 1{b}")
    if r.peak_mb is not None:
        b = f" ≤ {policy.memory_budget_mb:g} MB budget" if policy.memory_budget_mb is not None else ""
        parts.append(f"peak memory {r.peak_mb:.0f} MB{b}")
    return "; ".join(parts)


def recommend_forms(rows: list[Row]) -> list[FormChoice]:
    """Fastest exact form per (backend, CReLU variant, precision) at batch 1, by p50."""
    b1 = [r for r in rows if r.batch == 1 and r.is_crelu and r.p50 is not None]
    inexact = {
        (r.backend, r.variant, r.form) for r in b1
        if r.precision == "fp32" and r.max_abs_diff is not None and r.max_abs_diff > EXACT_TOL
    }
    out = []
    for key in sorted({(r.backend, r.variant, r.precision) for r in b1}):
        group = [r for r in b1 if (r.backend, r.variant, r.precision) == key]
        exact = sorted((r for r in group if (r.backend, r.variant, r.form) not in inexact), key=lambda r: r.p50)
        if not exact:
            continue
        best = exact[0]
        choice = FormChoice(key[0], key[1], key[2], best.form, best.p50,
                            inexact=sorted({r.form for r in group if (r.backend, r.variant, r.form) in inexact}))
        if len(exact) > 1:
            second = exact[1]
            choice.runner_up, choice.runner_up_p50 = second.form, second.p50
            choice.significant = bool(best.p50_range and second.p50_range and best.p50_range[1] < second.p50_range[0])
        out.append(choice)
    return out


def forms_summary(forms: list[FormChoice]) -> list[str]:
    """One line per backend: ``onnxruntime: crelu-half@4 -> folded (fp32; int8); graph (fp16)``."""
    lines = []
    for backend in sorted({f.backend for f in forms}):
        parts = []
        for variant in sorted({f.variant for f in forms if f.backend == backend}):
            by_form: dict[str, list[str]] = {}
            for f in forms:
                if f.backend == backend and f.variant == variant:
                    tag = f.precision + ("" if f.significant else f" ~ {f.runner_up}, not significant")
                    by_form.setdefault(f.form, []).append(tag)
            parts.append(f"{variant} → " + "; ".join(f"{form} ({'; '.join(p)})" for form, p in by_form.items()))
        lines.append(f"{backend}: " + " | ".join(parts))
    return lines


def decide(rows: list[Row], baseline: Row, policy: Decision) -> Verdict:
    objective = policy.objective
    configs: dict[tuple, list[Row]] = {}
    for r in rows:
        configs.setdefault(r.config, []).append(r)
    cands = [c for c in (candidate(rs, objective) for rs in configs.values()) if c is not None]
    crelu = [c for c in cands if c.row.is_crelu]
    relu = [c for c in cands if c.row.kind == "relu"]
    passing = [c for c in cands if not c.row.violations and c.value is not None]
    v = Verdict("NO-GO", "", "", objective, forms=recommend_forms(rows))
    v.crelu_total = len(crelu)
    v.crelu_passing = sum(1 for c in crelu if not c.row.violations)
    for c in crelu:
        for name in c.row.violations:
            v.failures[name] = v.failures.get(name, 0) + 1

    if passing:
        v.best_overall = min(passing, key=lambda c: _rank(c, objective))
        b = v.best_overall
        v.best_overall_sentence = (
            f"Best deployable configuration: {b.label} — {_value(b.value, objective)} "
            f"({objective.replace('_', ' ')}); {_meets(b, baseline, policy)}."
        )
    else:
        v.best_overall_sentence = "No configuration meets every constraint of the policy."

    if not crelu:
        v.reason = "no_crelu"
        v.sentence = "NO-GO: the records hold no CReLU configuration measured at batch 1, so there is nothing to ship."
        return v
    ok_crelu = [c for c in crelu if not c.row.violations]
    if not ok_crelu:
        closest = min(crelu, key=lambda c: (len(c.row.violations), _rank(c, objective)))
        v.best_crelu = closest
        v.reason = closest.row.violations[0]
        fails = ", ".join(f"{n} {k}" for k, n in v.failures.items())
        v.sentence = (
            f"NO-GO: no CReLU configuration meets the constraints — the closest, {closest.label}, "
            + "; ".join(_violation_words(closest, baseline, policy))
            + f" (0 of {len(crelu)} CReLU configurations pass; failures: {fails})."
        )
        return v
    measured = [c for c in ok_crelu if c.value is not None]
    if not measured:
        v.reason = "no_metric"
        v.sentence = (f"NO-GO: the objective '{objective}' was not measured for any CReLU configuration "
                      f"(e.g. no power measurement for 'energy'), so no gain can be shown.")
        v.best_crelu = ok_crelu[0]
        return v
    best_c = min(measured, key=lambda c: _rank(c, objective))
    v.best_crelu = best_c
    ok_relu = [c for c in relu if not c.row.violations and c.value is not None]
    if not ok_relu:
        v.verdict, v.reason = "GO", "go"
        v.sentence = (
            f"GO: best CReLU {best_c.label} meets every constraint ({_meets(best_c, baseline, policy)}) "
            f"and no ReLU configuration does — {_value(best_c.value, objective)} ({objective.replace('_', ' ')})."
        )
        return v
    best_r = min(ok_relu, key=lambda c: _rank(c, objective))
    v.best_relu = best_r
    v.gain = gain_of(best_c, best_r, objective)
    v.significant = significant(best_c, best_r, objective)
    head = (f"best CReLU {best_c.label} {_comparison(v.gain, objective)} the best ReLU {best_r.label} "
            f"({_value(best_c.value, objective)} vs {_value(best_r.value, objective)})")
    spreads = ""
    if best_c.spread and best_r.spread:
        spreads = f"CReLU {_span(best_c.spread, objective)}, ReLU {_span(best_r.spread, objective)}"
    min_gain = f"{policy.min_gain * 100:g} %"
    if v.gain < policy.min_gain:
        v.reason = "min_gain"
        noise = ""
        if overlapping(best_c, best_r):
            noise = "; the difference is not significant" if objective == "memory" else \
                "; the difference is also inside the trial-to-trial spread (not significant)"
        v.sentence = f"NO-GO: {head} — short of the {min_gain} minimum gain{noise}."
    elif not v.significant:
        v.reason = "not_significant"
        v.sentence = (f"NO-GO: {head}, but the difference is not significant: it is inside the trial-to-trial "
                      f"spread ({spreads}), so it is not counted as a win.")
    else:
        v.verdict, v.reason = "GO", "go"
        v.sentence = (f"GO: {head} — above the {min_gain} minimum gain and outside the trial-to-trial spread "
                      f"({spreads}); it meets every constraint ({_meets(best_c, baseline, policy)}).")
    return v
