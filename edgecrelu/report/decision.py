"""GO / NO-GO / INCONCLUSIVE: the best CReLU configuration against the best ReLU one, under a policy.

GO when the best CReLU configuration (kind crelu or crelu-half) is shown to meet every constraint
and its gain on the objective over the best ReLU configuration is shown to be at least ``min_gain``
(the whole 95 % interval of the gain). NO-GO when every CReLU configuration is shown to break a
constraint, or the gain is shown to fall short of ``min_gain``. INCONCLUSIVE otherwise, with what
would decide it. :data:`RULES` states each rule in one sentence (the report and README print them).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from edgecrelu import stats
from edgecrelu.devices import Decision
from edgecrelu.report import fmt, noise
from edgecrelu.report.table import Row, table_rows

LOWER_IS_BETTER = {"p99_latency": True, "p50_latency": True, "throughput": False, "energy": True, "memory": True}
UNITS = {"p99_latency": "ms", "p50_latency": "ms", "throughput": "images/s", "energy": "mJ", "memory": "MB"}
RULES = (
    "Accuracy: each configuration's top-1 is compared with the baseline's on the same eval images, image by "
    "image where the records carry per-image results (paired bootstrap, McNemar's exact test), and the drop "
    "budget is met only when the whole 95 % interval of the difference lies above minus max_accuracy_drop "
    "(non-inferiority); broken only when the whole interval lies below it.",
    "Latency: cells are timed in paired, randomised rounds in fresh worker processes (each candidate block between "
    "two blocks of the baseline); every ratio carries an anytime-valid interval over the workers at a family-wise "
    "alpha of 0.05 split over the CReLU x ReLU contrasts, so it holds whenever the run stopped; the p99 budget is "
    "met when the count of calls over it bounds the share over it under 1 % at 99 % confidence (MLPerf's early "
    "stopping), broken when it bounds it above. Records made before paired rounds fall back to Welch's t on trials.",
    "Gain: GO needs a CReLU cell shown to meet every constraint whose gain interval lies at or above min_gain "
    "against every ReLU configuration not shown to break one; NO-GO when every CReLU cell is shown short of "
    "min_gain against some ReLU configuration that meets them all (or breaks a constraint). The training-seed "
    "spread is reported beside it as the risk of a retrain; it gates only with decision.seed_spread_gates.",
    "Forms: a CReLU configuration is judged at the form chosen for each of its cells, the fastest exact form "
    "by p50 among those shown to break no constraint (the fastest exact form when every form breaks one), "
    "as the trade-off table shows it.",
    "Outcomes: GO when every constraint and the gain are shown; NO-GO when every CReLU configuration is "
    "shown to break a constraint or the gain is shown short; INCONCLUSIVE otherwise, with the sample "
    "sizes that would decide it.",
    "Percentiles: a percentile is flagged when its sample count cannot hold a distribution-free 95 % interval "
    "(fewer than 368 samples for p99, 72 for p95, 36 for p90).",
)


@dataclass
class Candidate:
    """A deployable configuration, judged at batch 1 (throughput: at its best batch); a CReLU one at the
    form chosen for each of its cells."""

    row: Row  # the batch-1 row (constraints are checked on it)
    value: float | None  # objective value
    spread: tuple | None  # noise range of the objective value
    at: Row  # the row the objective value comes from

    @property
    def label(self) -> str:
        # the form of the row the value comes from: a CReLU cell may choose another form at that batch
        base = f"{self.at.variant} ({self.at.form}, {self.at.precision}, {self.at.backend}"
        return base + (f", batch {self.at.batch})" if self.at.batch != 1 else ")")


@dataclass
class Verdict:
    verdict: str  # "GO" | "NO-GO" | "INCONCLUSIVE"
    reason: str  # go | accuracy | latency | memory | min_gain | not_significant | unclear_constraints | no_crelu | no_metric
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
    forms: list = field(default_factory=list)  # formchoice.FormChoice per CReLU cell
    gain_ci: tuple | None = None  # 95 % interval of the gain (fractions)
    ratio_ci: object = None  # stats.RatioCI behind the gain (latency objectives)
    decide_line: str = ""  # INCONCLUSIVE: what would decide it
    detectable: float | None = None  # smallest gain difference this run detects (fraction, 80 % power)
    measurement: list = field(default_factory=list)  # paired rounds: how each number behind the verdict was measured

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
            ci = r.acc_ci
            sig = "no interval: the records carry no image count" if ci is None else (
                f"95 % interval {ci.lo:+.2f} to {ci.hi:+.2f} points, wholly below −{policy.max_accuracy_drop:g}; "
                f"{'paired over the same images' if ci.paired else 'unpaired'}")
            out.append(
                f"loses {-r.delta_top1_pts:.2f} points of top-1 vs the baseline {baseline.label} "
                f"({r.top1 * 100:.2f} % vs {baseline.top1 * 100:.2f} %, maximum drop "
                f"{policy.max_accuracy_drop:g} points; {sig})"
            )
        elif v == "latency":
            ci = f" (95 % interval {fmt.ms(r.p99_ci[0])}–{fmt.ms(r.p99_ci[1])} ms)" if r.p99_ci else ""
            out.append(f"has p99 {fmt.ms(r.p99)} ms at batch 1{ci}, over the {policy.latency_budget_p99_ms:g} ms budget")
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


def gain_interval(crelu: Candidate, relu: Candidate, objective: str):
    """(gain, (lo, hi), RatioCI or None): the objective's gain of CReLU over ReLU with its 95 % interval."""
    gain = gain_of(crelu, relu, objective)
    if objective == "memory":
        return gain, (gain, gain), None
    metric = "p99" if objective == "p99_latency" else "p50"
    rci = stats.ratio_interval(relu.at.record, crelu.at.record, metric)
    if rci is None or not rci.ratio:
        return gain, None, None
    if LOWER_IS_BETTER[objective]:
        # energy per inference is power x time: its ratio carries the p50 ratio's relative interval
        value_ratio = crelu.value / relu.value
        lo, hi = value_ratio * rci.lo / rci.ratio, value_ratio * rci.hi / rci.ratio
        return gain, (1 - hi, 1 - lo), rci
    value_ratio = crelu.value / relu.value  # throughput ~ batch / p50
    lo = value_ratio * rci.ratio / rci.hi if rci.hi > 0 else 0.0
    hi = value_ratio * rci.ratio / rci.lo if rci.lo > 0 else float("inf")
    return gain, (lo - 1, hi - 1), rci


def _pct(x: float) -> str:
    # a ratio interval from 2-3 wild trials can reach 1e9 %: past +-1000 % the digits mean nothing
    if abs(x) > 10:
        return "below -1000 %" if x < 0 else "above +1000 %"
    return f"{x * 100:+.1f} %"


def _unclear_words(c: Candidate, baseline: Row, policy: Decision) -> tuple[list[str], list[str]]:
    """(what is unclear, what would decide it) for the constraints a candidate neither meets nor breaks."""
    r, what, need = c.row, [], []
    if "accuracy" in r.unclear and r.acc_ci is not None:
        ci = r.acc_ci
        basis = f"{'paired' if ci.paired else 'unpaired'}, {ci.n} images"
        if ci.seed_counts:  # the seed-to-seed spread, not the images, set the width
            lo, hi = ci.images_interval
            basis = (f"the spread over {min(ci.seed_counts)} training seeds sets the width; "
                     f"{basis} alone: {lo:+.2f} to {hi:+.2f}")
        what.append(f"top-1 {ci.diff_pts:+.2f} points vs the baseline, 95 % interval {ci.lo:+.2f} to {ci.hi:+.2f}, "
                    f"straddles the −{policy.max_accuracy_drop:g}-point budget ({basis})")
        n_img = ci.images_to_resolve(-policy.max_accuracy_drop)
        if ci.seed_counts:
            need.append(f"more training seeds (now {min(ci.seed_counts)} per variant): more eval images would not "
                        "narrow a seed-to-seed spread")
        elif n_img:
            need.append(f"about {n_img:,} eval images (now {ci.n:,}) to settle the accuracy budget at the same difference")
        else:
            need.append(f"a measured drop away from the {policy.max_accuracy_drop:g}-point budget: at exactly the budget "
                        "no sample size decides it")
        if not ci.paired:
            need.append("per-image results in the records (re-profile with this version) for a paired test")
    if "latency" in r.unclear and r.p99_ci is not None:
        what.append(f"p99 interval {fmt.ms(r.p99_ci[0])}–{fmt.ms(r.p99_ci[1])} ms straddles the "
                    f"{policy.latency_budget_p99_ms:g} ms budget")
        need.append("more trials (--trials) or a quieter machine to settle the p99 budget")
    return what, need


def decide(rows: list[Row], baseline: Row, policy: Decision, forms: list | None = None) -> Verdict:
    """The verdict over the rows the trade-off table shows: a CReLU variant is judged at the form
    chosen for each of its cells (``formchoice.choose_forms`` marks them and returns ``forms``).
    Records timed in paired rounds are judged by :func:`decide_paired` (the profile run's own stop rule)."""
    from edgecrelu.report.paired_verdict import decide_paired, measurement_lines

    v = decide_paired(rows, baseline, policy, forms)
    if v is None:
        v = decide_trials(rows, baseline, policy, forms)
        if isinstance(baseline.record.get("paired"), dict):
            v.measurement = measurement_lines(baseline.record, None, "")
    for line in (eval_size_line(v.best_crelu, policy), retrain_line(v.best_crelu, policy)):
        if line:
            v.measurement.append(line)
    return v


def retrain_line(c: Candidate | None, policy: Decision) -> str | None:
    """The spread over training seeds as the risk of a retrain, with its own interval."""
    ci = c.row.acc_ci if c is not None else None
    if ci is None or ci.seeds is None:
        return None
    gate = ("it gates the verdict (decision.seed_spread_gates)" if policy.seed_spread_gates else
            "it does not gate the verdict, which judges the exported models (decision.seed_spread_gates = false)")
    return (f"Retrain risk: over the training seeds, {c.row.variant} minus the baseline's top-1 has a 95 % "
            f"interval of {ci.seeds[0]:+.2f} to {ci.seeds[1]:+.2f} points (Welch's t over the seeds' test accuracies); "
            f"{gate}.")


def eval_size_line(c: Candidate | None, policy: Decision) -> str | None:
    """How many eval images a true 0-point difference needs to decide the accuracy budget, at the
    discordance measured between the quoted CReLU configuration and the baseline (paired images:
    the difference's variance per image is the discordant share)."""
    ci = c.row.acc_ci if c is not None else None
    if ci is None or not ci.paired or not ci.n or ci.discordant is None or policy.max_accuracy_drop <= 0:
        return None
    d = ci.discordant / ci.n
    need = math.ceil((1.959963984540054 ** 2) * d / (policy.max_accuracy_drop / 100.0) ** 2)
    return (f"Eval images: {ci.n:,}; {ci.discordant} of them ({d:.1%}) are classified right by exactly one of "
            f"{c.row.variant} and the baseline, so a true 0-point difference needs about {max(need, 1):,} eval "
            f"images to decide the {policy.max_accuracy_drop:g}-point budget (a user's own eval set likewise, at "
            "its own discordance).")


def decide_trials(rows: list[Row], baseline: Row, policy: Decision, forms: list | None = None) -> Verdict:
    """The verdict from per-trial records (made before paired rounds)."""
    objective = policy.objective
    configs: dict[tuple, list[Row]] = {}
    for r in table_rows(rows):
        key = (r.variant, r.precision, r.backend) if r.chosen and not r.is_baseline else r.config
        configs.setdefault(key, []).append(r)
    cands = [c for c in (candidate(rs, objective) for rs in configs.values()) if c is not None]
    crelu = [c for c in cands if c.row.is_crelu]
    relu = [c for c in cands if c.row.kind == "relu"]
    passing = [c for c in cands if not c.row.violations and not c.row.unclear and c.value is not None]
    v = Verdict("NO-GO", "", "", objective, forms=list(forms or []))
    v.crelu_total = len(crelu)
    v.crelu_passing = sum(1 for c in crelu if not c.row.violations and not c.row.unclear)
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
        v.best_overall_sentence = "No configuration is shown to meet every constraint of the policy."

    if not crelu:
        # A verdict needs its candidates: an interrupted training run, a --variants relu profile or every
        # CReLU cell failing leaves none, and "NO-GO" would read as CReLU measured and rejected.
        have = ", ".join(sorted({r.variant for r in rows})) or "nothing"
        v.verdict, v.reason = "INCONCLUSIVE", "no_crelu"
        v.sentence = (f"INCONCLUSIVE: no CReLU configuration was measured at batch 1 (the records hold {have}), "
                      "so there is nothing to compare with ReLU.")
        v.decide_line = ("What would decide it: records of a CReLU variant (crelu@K or crelu-half@K) at batch 1 "
                         "from the same bundle: check that training finished every variant and that no CReLU cell "
                         "failed in `profile`.")
        return v
    ok_crelu = [c for c in crelu if not c.row.violations]
    if not ok_crelu:
        closest = min(crelu, key=lambda c: (len(c.row.violations), _rank(c, objective)))
        v.best_crelu = closest
        v.reason = closest.row.violations[0]
        fails = ", ".join(f"{n} {k}" for k, n in v.failures.items())
        v.sentence = (
            f"NO-GO: every CReLU configuration is shown to break a constraint — the closest, {closest.label}, "
            + "; ".join(_violation_words(closest, baseline, policy))
            + f" (0 of {len(crelu)} CReLU configurations pass; failures: {fails})."
        )
        return v
    measured = [c for c in ok_crelu if c.value is not None]
    if not measured:
        v.verdict, v.reason = "INCONCLUSIVE", "no_metric"
        v.sentence = (f"INCONCLUSIVE: the objective '{objective}' was not measured for any CReLU configuration "
                      f"(e.g. no power measurement for 'energy'), so no gain can be shown.")
        v.decide_line = f"What would decide it: a measurement of {objective.replace('_', ' ')} on the device."
        v.best_crelu = ok_crelu[0]
        return v
    # Prefer configurations whose constraints are all shown, then the objective.
    best_c = min(measured, key=lambda c: (bool(c.row.unclear),) + _rank(c, objective))
    v.best_crelu = best_c
    unclear_what, unclear_need = _unclear_words(best_c, baseline, policy)
    ok_relu = [c for c in relu if not c.row.violations and c.value is not None]
    if not ok_relu:
        if not best_c.row.unclear:
            v.verdict, v.reason = "GO", "go"
            v.sentence = (
                f"GO: best CReLU {best_c.label} is shown to meet every constraint ({_meets(best_c, baseline, policy)}) "
                f"and no ReLU configuration does — {_value(best_c.value, objective)} ({objective.replace('_', ' ')})."
            )
        else:
            v.verdict, v.reason = "INCONCLUSIVE", "unclear_constraints"
            v.sentence = (f"INCONCLUSIVE: no ReLU configuration meets the constraints, and best CReLU {best_c.label} "
                          f"is not shown to either: " + "; ".join(unclear_what) + ".")
            v.decide_line = "What would decide it: " + "; ".join(unclear_need) + "."
        return v
    best_r = min(ok_relu, key=lambda c: _rank(c, objective))
    v.best_relu = best_r
    v.gain, v.gain_ci, v.ratio_ci = gain_interval(best_c, best_r, objective)
    v.significant = v.gain_ci is not None and (v.gain_ci[0] > 0 or v.gain_ci[1] < 0)
    if v.ratio_ci is not None:
        v.detectable = v.ratio_ci.detectable()
    head = (f"best CReLU {best_c.label} {_comparison(v.gain, objective)} the best ReLU {best_r.label} "
            f"({_value(best_c.value, objective)} vs {_value(best_r.value, objective)})")
    ci_words = "no interval (no trial spread recorded)" if v.gain_ci is None else \
        f"95 % interval of the gain {_pct(v.gain_ci[0])} to {_pct(v.gain_ci[1])}"
    min_gain = f"{policy.min_gain * 100:g} %"
    lo, hi = v.gain_ci if v.gain_ci is not None else (-float("inf"), float("inf"))
    if hi < policy.min_gain:
        v.reason = "min_gain"
        v.sentence = f"NO-GO: {head} — shown short of the {min_gain} minimum gain ({ci_words})."
        return v
    if lo >= policy.min_gain and not best_c.row.unclear:
        v.verdict, v.reason = "GO", "go"
        v.sentence = (f"GO: {head} — shown above the {min_gain} minimum gain ({ci_words}); it is shown to meet "
                      f"every constraint ({_meets(best_c, baseline, policy)}).")
        return v
    v.verdict = "INCONCLUSIVE"
    why, need = [], list(unclear_need)
    if lo < policy.min_gain:
        v.reason = "not_significant"
        why.append(f"the {ci_words} contains the {min_gain} minimum gain")
        if v.ratio_ci is not None:
            target = 1 - policy.min_gain if LOWER_IS_BETTER[objective] else 1 / (1 + policy.min_gain)
            k = v.ratio_ci.trials_to_resolve(target)
            now = max(v.ratio_ci.trials)
            if k:
                need.insert(0, f"about {k} trials per cell (now {now}) at the same spread to tell the gain from "
                               f"{min_gain}")
            else:
                need.insert(0, "trials with a recorded spread (the records carry a single trial)")
            if v.detectable is not None and v.detectable != float("inf"):
                need.append(f"this run detects differences of about {v.detectable * 100:.1f} % or more"
                            if v.detectable <= 10 else "this run cannot resolve any latency difference "
                            "(its trials spread over more than a factor of 10)")
    else:
        v.reason = "unclear_constraints"
    why += unclear_what
    v.sentence = f"INCONCLUSIVE: {head}, but " + "; ".join(why) + "."
    v.decide_line = "What would decide it: " + "; ".join(need) + "." if need else ""
    return v
