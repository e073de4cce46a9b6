"""GO / NO-GO / INCONCLUSIVE: the best CReLU configuration against the best ReLU one, under a policy.

GO when the best CReLU configuration (kind crelu or crelu-half) is shown to meet every constraint
and its gain on the objective over the best ReLU configuration (the baseline kind and the equal-cost
controls relu-half@K and relu-w@K, ``variant.RELU_KINDS``) is shown to be at least ``min_gain``
(the whole 95 % interval of the gain). NO-GO when every CReLU configuration is shown to break a
constraint, or the gain is shown to fall short of ``min_gain``. INCONCLUSIVE otherwise, with what
would decide it. :data:`RULES` states each rule in one sentence (the report and README print them).

:func:`decide` is a pure function of the report's rows: it returns a :class:`Verdict` — the
:class:`Outcome`, its :class:`Reason` and the numbers behind it — and writes no sentence;
``verdict_words`` words it (the Verdict's ``sentence``, ``decide_line``, ... read from there).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from enum import Enum
from functools import cached_property
from typing import TypedDict

from edgecrelu import sequential, stats
from edgecrelu.devices import Decision
from edgecrelu.objectives import OBJECTIVES, Objective
from edgecrelu.report import noise
from edgecrelu.report.formchoice import FormChoice
from edgecrelu.report.rows import Row, table_rows
from edgecrelu.variant import CONTROL_KINDS, is_relu_kind

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


class _Word(str, Enum):
    """A str enum that prints as its value (Python 3.10 has no StrEnum): reports and JSON show the value."""

    def __str__(self) -> str:
        return str(self.value)

    def __format__(self, spec: str) -> str:
        return format(str(self.value), spec)


class Outcome(_Word):
    GO = "GO"
    NO_GO = "NO-GO"
    INCONCLUSIVE = "INCONCLUSIVE"


class Reason(_Word):
    GO = "go"  # every constraint and the gain are shown
    ACCURACY = "accuracy"  # NO-GO: every CReLU configuration breaks a constraint; the closest breaks this one first
    LATENCY = "latency"
    MEMORY = "memory"
    CLASS_RECALL = "class_recall"  # a class named in decision.class_recall_budget loses more recall than it allows
    ROBUSTNESS = "robustness"  # under a shifted eval set, more top-1 lost vs the baseline than decision.robustness_budget
    MIN_GAIN = "min_gain"  # NO-GO: the gain is shown short of min_gain
    NOT_SIGNIFICANT = "not_significant"  # the gain's interval holds min_gain
    UNCLEAR_CONSTRAINTS = "unclear_constraints"  # a constraint the intervals neither clear nor break
    NO_CRELU = "no_crelu"  # no CReLU configuration measured at batch 1
    NO_METRIC = "no_metric"  # the objective was not measured for any CReLU configuration
    INVALID_TIMING = "invalid_timing"  # the A/A control of the paired rounds excludes 1


@dataclass(frozen=True)
class Candidate:
    """A deployable configuration, judged at batch 1 (throughput: at its best batch); a CReLU one at the
    form chosen for each of its cells."""

    row: Row  # the batch-1 row (constraints are checked on it)
    value: float | None  # objective value
    spread: tuple[float, float] | None  # noise range of the objective value
    at: Row  # the row the objective value comes from

    @property
    def label(self) -> str:
        # the form of the row the value comes from: a CReLU cell may choose another form at that batch
        base = f"{self.at.variant} ({self.at.form}, {self.at.precision}, {self.at.backend}"
        return base + (f", batch {self.at.batch})" if self.at.batch != 1 else ")")


@dataclass(frozen=True)
class Rounds:
    """What a verdict timed in paired rounds rests on (``paired_verdict``)."""

    stat: str  # the per-worker statistic compared: p99 | p50 | mean
    quoted: sequential.Interval | None  # log ratio best CReLU / best ReLU (None: no ReLU configuration is open)
    threshold: float  # the log ratio at which the gain equals min_gain
    aa_valid: bool  # the A/A control's interval holds 1
    more_s: float | None = None  # INCONCLUSIVE: seconds of rounds that would decide it (None: none practical)
    workers_needed: int | None = None
    total_budget_s: int | None = None  # the --budget that buys them (it counts the sequence's whole time)

    @property
    def straddles(self) -> bool:
        """The quoted interval holds the min_gain threshold: more rounds could still tell them apart (an
        interval wholly past it has settled the gain, whatever else leaves the verdict open)."""
        q = self.quoted
        return q is not None and q.lo < self.threshold < q.hi


@dataclass(frozen=True)
class Verdict:
    """The decision: the outcome, why, and the numbers behind it. The sentences are properties, worded
    by ``verdict_words`` from these fields."""

    outcome: Outcome
    reason: Reason
    objective: str  # decision.objective (objectives.OBJECTIVES)
    baseline: Row = field(repr=False)
    policy: Decision = field(repr=False)
    best_crelu: Candidate | None = None
    best_relu: Candidate | None = None
    best_overall: Candidate | None = None  # best configuration shown to meet every constraint (best_deployable)
    gain: float | None = None  # fraction; > 0 means CReLU is better on the objective
    gain_ci: tuple[float, float] | None = None  # 95 % interval of the gain (fractions)
    ratio_ci: stats.RatioCI | None = None  # the latency ratio behind the gain's interval
    significant: bool | None = None
    detectable: float | None = None  # smallest gain difference this run detects (fraction, 80 % power)
    crelu_total: int = 0
    crelu_passing: int = 0
    failures: dict[str, int] = field(default_factory=dict)  # violation -> number of CReLU configurations
    forms: list[FormChoice] = field(default_factory=list)  # the form chosen for each CReLU cell
    measured_variants: tuple[str, ...] = ()  # NO_CRELU: the variants the records do hold
    trials_needed: int | None = None  # NOT_SIGNIFICANT (trial records): trials per cell that would decide it
    trials_now: int | None = None
    images_needed: int | None = None  # eval images that would settle an unclear accuracy budget
    rounds: Rounds | None = None  # records timed in paired rounds
    closest_control: Candidate | None = None  # the equal-cost ReLU control nearest the best CReLU (None: none measured)

    @property
    def verdict(self) -> str:
        return self.outcome.value

    @property
    def go(self) -> bool:
        return self.outcome is Outcome.GO

    @property
    def obj(self) -> Objective:
        """The objective's entry: unit, direction, words."""
        return OBJECTIVES[self.objective]

    @cached_property
    def sentence(self) -> str:
        from edgecrelu.report import verdict_words

        return verdict_words.sentence(self)

    @cached_property
    def decide_line(self) -> str:
        from edgecrelu.report import verdict_words

        return verdict_words.decide_line(self)

    @cached_property
    def best_overall_sentence(self) -> str:
        from edgecrelu.report import verdict_words

        return verdict_words.best_overall_sentence(self)

    @cached_property
    def control_sentence(self) -> str:
        """Which equal-cost ReLU control came closest ("" without controls)."""
        from edgecrelu.report import verdict_words

        return verdict_words.control_sentence(self)

    @cached_property
    def measurement(self) -> list[str]:
        """How each number behind the verdict was measured (paired rounds, eval images, training seeds)."""
        from edgecrelu.report import verdict_words

        return verdict_words.measurement(self)


def candidate(rows_of_config: list[Row], obj: Objective) -> Candidate | None:
    """The configuration's candidate: its batch-1 row, and the row its objective value comes from."""
    b1 = next((r for r in rows_of_config if r.batch == 1), None)
    if b1 is None:
        return None
    at = b1
    if obj.best_batch:
        with_value = [r for r in rows_of_config if getattr(r, obj.field) is not None]
        if not with_value:
            return Candidate(b1, None, None, b1)
        pick = min if obj.lower_is_better else max
        at = pick(with_value, key=lambda r: getattr(r, obj.field))
    value = getattr(at, obj.field)
    if obj.spread == "exact":
        spread = None if value is None else (value, value)
    elif obj.spread == "p50":
        spread = noise.scaled_range(value, at.record, not obj.lower_is_better)
    else:
        spread = getattr(at, obj.spread)
    return Candidate(b1, value, spread, at)


class Facts(TypedDict, total=False):
    """The numbers behind a verdict that the deciders gather before they know its outcome: the
    :class:`Verdict` fields past ``outcome`` and ``reason``, typed so that ``Verdict(..., **facts)`` is checked."""

    objective: str
    baseline: Row
    policy: Decision
    best_crelu: Candidate | None
    best_relu: Candidate | None
    best_overall: Candidate | None
    gain: float | None
    gain_ci: tuple[float, float] | None
    ratio_ci: stats.RatioCI | None
    significant: bool | None
    detectable: float | None
    crelu_total: int
    crelu_passing: int
    failures: dict[str, int]
    forms: list[FormChoice]
    measured_variants: tuple[str, ...]
    trials_needed: int | None
    trials_now: int | None
    images_needed: int | None
    rounds: Rounds | None


def _rank(c: Candidate, obj: Objective) -> tuple[int, float, str]:
    if c.value is None:
        return (1, 0.0, c.label)
    return (0, c.value if obj.lower_is_better else -c.value, c.label)


def gain_interval(
    crelu: Candidate, relu: Candidate, obj: Objective
) -> tuple[float, tuple[float, float] | None, stats.RatioCI | None]:
    """(gain, (lo, hi), RatioCI or None): the objective's gain of CReLU over ReLU with its 95 % interval.
    Both candidates carry a value (the deciders pass only measured ones)."""
    if crelu.value is None or relu.value is None:
        raise ValueError("gain_interval needs two measured candidates")
    better_by = relu.value - crelu.value if obj.lower_is_better else crelu.value - relu.value
    gain = better_by / relu.value
    if obj.ratio_metric is None:  # peak memory: one measurement per cell, no replicates, so no interval
        return gain, None, None
    rci = stats.ratio_interval(relu.at.record, crelu.at.record, obj.ratio_metric)
    if rci is None or not rci.ratio:
        return gain, None, None
    value_ratio = crelu.value / relu.value
    if obj.lower_is_better:
        # the value's ratio carries the latency ratio's relative interval (energy: power x time)
        lo, hi = value_ratio * rci.lo / rci.ratio, value_ratio * rci.hi / rci.ratio
        return gain, (1 - hi, 1 - lo), rci
    lo = value_ratio * rci.ratio / rci.hi if rci.hi > 0 else 0.0  # throughput ~ batch / p50
    hi = value_ratio * rci.ratio / rci.lo if rci.lo > 0 else float("inf")
    return gain, (lo - 1, hi - 1), rci


def images_needed(row: Row, policy: Decision) -> int | None:
    """Eval images that would settle an accuracy budget the row's interval straddles."""
    if "accuracy" not in row.unclear or row.acc_ci is None:
        return None
    return row.acc_ci.images_to_resolve(-policy.max_accuracy_drop)


def quotable_unclear(row: Row) -> list[str]:
    """The unclear constraints the verdict can quote an interval for (the accuracy difference's, the
    p99 trials'); a p99 budget left unclear by the count of slow calls alone has none."""
    cls = next((ci for ci in row.class_cis.values() if ci is not None), None)
    shifted = next((ci for ci in row.robustness_cis.values() if ci is not None), None)
    return [c for c, ci in (("accuracy", row.acc_ci), ("latency", row.p99_ci), ("class_recall", cls),
                            ("robustness", shifted)) if c in row.unclear and ci is not None]


def decide(rows: list[Row], baseline: Row, policy: Decision, forms: list[FormChoice] | None = None) -> Verdict:
    """The verdict over the rows the trade-off table shows: a CReLU variant is judged at the form
    chosen for each of its cells (``formchoice.choose_forms`` marks them and returns ``forms``).
    Records timed in paired rounds are judged by ``paired_verdict.decide_paired`` (the profile run's
    own stop rule); the rest, and what the constraints alone decide, by :func:`decide_trials`."""
    from edgecrelu.report.paired_verdict import decide_paired

    verdict = decide_paired(rows, baseline, policy, forms) or decide_trials(rows, baseline, policy, forms)
    control = closest_control(_candidates(rows, OBJECTIVES[policy.objective]), OBJECTIVES[policy.objective])
    return dataclasses.replace(verdict, closest_control=control) if control is not None else verdict


def closest_control(cands: list[Candidate], obj: Objective) -> Candidate | None:
    """The equal-cost ReLU control (relu-half@K, relu-w@K) that came closest to CReLU: the fewest
    constraints shown broken, then the best objective value."""
    controls = [c for c in cands if c.row.kind in CONTROL_KINDS]
    if not controls:
        return None
    return min(controls, key=lambda c: (len(c.row.violations),) + _rank(c, obj))


def best_deployable(rows: list[Row], obj: Objective) -> Candidate | None:
    """The best configuration shown to meet every constraint, whatever its kind (a CReLU one at the
    form chosen for each of its cells): the report's "Best deployable configuration"."""
    passing = [c for c in _candidates(rows, obj) if not c.row.violations and not c.row.unclear and c.value is not None]
    return min(passing, key=lambda c: _rank(c, obj)) if passing else None


def _candidates(rows: list[Row], obj: Objective) -> list[Candidate]:
    """One candidate per configuration of the trade-off table; a CReLU one at its chosen forms."""
    configs: dict[tuple[str, ...], list[Row]] = {}
    for r in table_rows(rows):
        key = (r.variant, r.precision, r.backend) if r.chosen and not r.is_baseline else r.config
        configs.setdefault(key, []).append(r)
    return [c for c in (candidate(rs, obj) for rs in configs.values()) if c is not None]


def decide_trials(rows: list[Row], baseline: Row, policy: Decision, forms: list[FormChoice] | None = None) -> Verdict:
    """The verdict from per-trial records (made before paired rounds)."""
    obj = OBJECTIVES[policy.objective]
    cands = _candidates(rows, obj)
    crelu = [c for c in cands if c.row.is_crelu]
    relu = [c for c in cands if is_relu_kind(c.row.kind)]  # the baseline kind and the equal-cost controls
    failures: dict[str, int] = {}
    for c in crelu:
        for name in c.row.violations:
            failures[name] = failures.get(name, 0) + 1
    common: Facts = {
        "objective": obj.name, "baseline": baseline, "policy": policy, "forms": list(forms or []),
        "crelu_total": len(crelu), "crelu_passing": sum(1 for c in crelu if not c.row.violations and not c.row.unclear),
        "failures": failures, "best_overall": best_deployable(rows, obj),
    }

    if not crelu:
        # A verdict needs its candidates: an interrupted training run, a --variants relu profile or every
        # CReLU cell failing leaves none, and "NO-GO" would read as CReLU measured and rejected.
        have = tuple(sorted({r.variant for r in rows}))
        common["measured_variants"] = have
        return Verdict(Outcome.INCONCLUSIVE, Reason.NO_CRELU, **common)
    ok_crelu = [c for c in crelu if not c.row.violations]
    if not ok_crelu:
        closest = min(crelu, key=lambda c: (len(c.row.violations), _rank(c, obj)))
        common["best_crelu"] = closest
        return Verdict(Outcome.NO_GO, Reason(closest.row.violations[0]), **common)
    measured = [c for c in ok_crelu if c.value is not None]
    if not measured:
        common["best_crelu"] = ok_crelu[0]
        return Verdict(Outcome.INCONCLUSIVE, Reason.NO_METRIC, **common)
    # Prefer configurations whose constraints are all shown, then the objective.
    best_c = min(measured, key=lambda c: (bool(c.row.unclear),) + _rank(c, obj))
    common.update({"best_crelu": best_c, "images_needed": images_needed(best_c.row, policy)})
    ok_relu = [c for c in relu if not c.row.violations and c.value is not None]
    if not ok_relu:
        if best_c.row.unclear:
            return Verdict(Outcome.INCONCLUSIVE, Reason.UNCLEAR_CONSTRAINTS, **common)
        return Verdict(Outcome.GO, Reason.GO, **common)
    best_r = min(ok_relu, key=lambda c: _rank(c, obj))
    gain, gain_ci, rci = gain_interval(best_c, best_r, obj)
    common.update({"best_relu": best_r, "gain": gain, "gain_ci": gain_ci, "ratio_ci": rci,
                   "significant": gain_ci is not None and (gain_ci[0] > 0 or gain_ci[1] < 0),
                   "detectable": rci.detectable() if rci is not None else None})
    lo, hi = gain_ci if gain_ci is not None else (-math.inf, math.inf)
    if hi < policy.min_gain:
        return Verdict(Outcome.NO_GO, Reason.MIN_GAIN, **common)
    if lo >= policy.min_gain:
        if best_c.row.unclear:
            return Verdict(Outcome.INCONCLUSIVE, Reason.UNCLEAR_CONSTRAINTS, **common)
        return Verdict(Outcome.GO, Reason.GO, **common)
    if rci is not None:
        target = 1 - policy.min_gain if obj.lower_is_better else 1 / (1 + policy.min_gain)
        common.update({"trials_needed": rci.trials_to_resolve(target), "trials_now": max(rci.trials)})
    return Verdict(Outcome.INCONCLUSIVE, Reason.NOT_SIGNIFICANT, **common)
