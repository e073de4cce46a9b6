"""Anytime-valid intervals on paired latency ratios, and the rule that stops a profile run.

A profile run times its cells in paired, randomised rounds (``profiling/rounds.py``): in each round
every candidate block sits between two blocks of the reference cell, and the round's statistic for
a candidate is ``log(candidate) - mean(log(the two reference blocks))``. A worker process runs a few
rounds and exits; the *worker* is the replicate (its memory layout is its own), so one unit of
evidence per cell is the mean of that worker's round statistics. A contrast between two cells is
the per-worker difference of their units.

The interval on a contrast is a confidence sequence (README "How the verdict is measured"): the
set of log ratios ``mu`` whose t-mixture Bayes factor stays under ``1 / alpha``. For ``n`` i.i.d.
normal units with unknown variance, a normal prior of variance ``g`` on the standardised effect and
the scale-invariant (right Haar) prior on the variance give the Bayes factor

    BF(mu) = (1 + n g) ** -1/2 * ((1 + t^2 / nu) / (1 + t^2 / ((1 + n g) nu))) ** ((nu + 1) / 2),

with ``t`` the one-sample t statistic of the units against ``mu`` and ``nu = n - 1`` (Rouder et al.
2009, eq. 11; the t-mixture of Lai 1976, "On confidence sequences", Ann. Statist. 4). Under
``mu`` it is a nonnegative martingale in the data's scale-invariant filtration (Wang & Ramdas 2023,
"Anytime-valid t-tests and confidence sequences for Gaussian means with unknown variance"), so by
Ville's inequality the chance that the true ``mu`` ever leaves the interval, at any number of
workers and under any stopping rule, is at most ``alpha``. That is what lets a run stop as soon as
the question is decided, and ``--resume`` continue the same sequence. ``alpha`` is split over the
family of contrasts the verdict reads (Bonferroni), so choosing the fastest form and quoting its
interval is covered too (simultaneous intervals: no winner's curse).

Everything here is pure arithmetic on numbers; the profile run and the report both call it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

ALPHA = 0.05  # family-wise error rate of one profile run's verdict
PRIOR_G = 3.0  # prior variance of the standardised effect: narrowest intervals for 8-30 workers
MIN_WORKERS = 3  # no stop and no interval before this many workers


def boundary(n: int, alpha: float, g: float = PRIOR_G) -> float:
    """The |t| at which the t-mixture Bayes factor of ``n`` units reaches ``1 / alpha`` (inf when it
    cannot yet: too few units)."""
    if n < 2:
        return math.inf
    nu, c = n - 1, 1.0 + n * g
    q = (math.sqrt(c) / alpha) ** (2.0 / (nu + 1))
    if q >= c:
        return math.inf
    return math.sqrt(nu * (q - 1.0) / (1.0 - q / c))


@dataclass(frozen=True)
class Interval:
    """An anytime-valid interval on the mean of paired units (log ratios)."""

    mean: float
    lo: float
    hi: float
    n: int  # units (workers)
    sd: float  # sd of the units
    alpha: float

    @property
    def ratio(self) -> float:
        return math.exp(self.mean)

    @property
    def ratio_lo(self) -> float:
        return math.exp(self.lo) if math.isfinite(self.lo) else 0.0

    @property
    def ratio_hi(self) -> float:
        return math.exp(self.hi) if math.isfinite(self.hi) else math.inf

    def units_to_resolve(self, target: float, limit: int = 10_000) -> int | None:
        """Units (workers) at which ``target`` (a log ratio) would leave the interval, the mean and sd
        staying as measured; None where the mean sits on the target or no spread is known."""
        gap = abs(self.mean - target)
        if gap <= 0 or not self.sd or not math.isfinite(self.sd):
            return None
        n = max(self.n, MIN_WORKERS)
        while n <= limit:
            if boundary(n, self.alpha) * self.sd / math.sqrt(n) < gap:
                return n
            n += 1 if n < 100 else max(1, n // 20)
        return None


def interval(units: Iterable[float], alpha: float) -> Interval:
    """The confidence sequence on the mean of ``units`` at ``alpha`` (the whole line until
    :data:`MIN_WORKERS` units)."""
    xs = [float(u) for u in units]
    n = len(xs)
    if n == 0:
        return Interval(0.0, -math.inf, math.inf, 0, math.nan, alpha)
    mean = sum(xs) / n
    if n < 2:
        return Interval(mean, -math.inf, math.inf, n, math.nan, alpha)
    sd = math.sqrt(sum((x - mean) ** 2 for x in xs) / (n - 1))
    if n < MIN_WORKERS:
        return Interval(mean, -math.inf, math.inf, n, sd, alpha)
    half = boundary(n, alpha) * sd / math.sqrt(n)
    if sd == 0.0:
        half = 0.0  # identical units: the same computation timed by the same clock ticks
    return Interval(mean, mean - half, mean + half, n, sd, alpha)


def contrast_units(a: dict, b: dict) -> list[float]:
    """Per-worker ``unit(a) - unit(b)`` over the workers both cells were timed in (``{worker: unit}``)."""
    return [a[w] - b[w] for w in sorted(set(a) & set(b))]


def stat_for(objective: str) -> str:
    """The per-worker statistic an objective is judged on: block medians for p50, the pooled per-call
    p99 for p99, block means for throughput and energy (both follow the mean time per call)."""
    return {"p99_latency": "p99", "throughput": "mean", "energy": "mean"}.get(objective, "p50")


def gain_threshold(objective: str, min_gain: float) -> float:
    """The log ratio (candidate / reference latency) at which the gain equals ``min_gain``: latency
    objectives gain ``1 - ratio``; throughput (the same batch) gains ``1 / ratio - 1``."""
    if objective == "throughput":
        return -math.log1p(min_gain)
    return math.log(1.0 - min_gain) if min_gain < 1 else -math.inf


def gain_of(log_ratio: float, objective: str) -> float:
    """The gain (fraction, > 0 better) of a candidate whose latency ratio to the reference is ``exp(log_ratio)``."""
    if not math.isfinite(log_ratio):
        return -math.inf if log_ratio > 0 else (1.0 if objective != "throughput" else math.inf)
    if objective == "throughput":
        return math.exp(-log_ratio) - 1.0
    return 1.0 - math.exp(log_ratio)


def status(intervals: dict, crelu_met: list, crelu_open: list, relu_open: list, relu_met: list,
           threshold: float) -> str | None:
    """``"GO"``, ``"NO-GO"`` or None (undecided) from the intervals of the (CReLU cell, ReLU cell)
    contrasts (log latency ratio CReLU / ReLU).

    ``crelu_met`` / ``relu_met``: cells shown to meet every constraint of the policy; ``*_open``: the
    cells not shown to break one (a superset). GO: some CReLU cell shown to meet every constraint
    is shown at least ``min_gain`` better than every ReLU cell not shown to break one (each upper
    bound at or below ``threshold``), or no such ReLU cell exists. NO-GO: every CReLU cell not shown
    to break a constraint is shown short of ``min_gain`` against some ReLU cell shown to meet them
    all (a lower bound above ``threshold``); vacuously when every CReLU cell breaks one. With the
    intervals simultaneous, neither can flip later except with probability ``alpha``.
    """
    for c in crelu_met:
        if all(intervals[(c, r)].hi <= threshold for r in relu_open):
            return "GO"
    if all(any(intervals[(c, r)].lo > threshold for r in relu_met) for c in crelu_open):
        return "NO-GO"
    return None


def family_alpha(n_crelu: int, n_relu: int, alpha: float = ALPHA) -> tuple[float, int]:
    """(alpha per contrast, family size): every CReLU cell against every ReLU cell, plus the A/A control."""
    m = max(1, n_crelu * n_relu) + 1
    return alpha / m, m


BUDGET_CONFIDENCE = 0.99  # MLPerf LoadGen's early-stopping confidence for a percentile


def budget_counts(over: int, n: int, q: float = 0.99, confidence: float = BUDGET_CONFIDENCE) -> tuple[str, float, float]:
    """(``"met"`` | ``"broken"`` | ``"unclear"``, lower, upper): a percentile budget judged from the
    count of calls over it, in the spirit of MLPerf LoadGen's early stopping. With ``over`` of ``n``
    calls above the budget, the one-sided Clopper-Pearson bounds on the share of calls over it at
    ``confidence``: met when the upper bound is at most ``1 - q`` (p99: at least 459 calls with none
    over, 662 with one), broken when the lower bound exceeds it."""
    from scipy import stats

    tail = 1.0 - q
    a = 1.0 - confidence
    upper = 1.0 if over >= n else float(stats.beta.ppf(1 - a, over + 1, n - over))
    lower = 0.0 if over == 0 else float(stats.beta.ppf(a, over, n - over + 1))
    if n and upper <= tail:
        return "met", lower, upper
    if lower > tail:
        return "broken", lower, upper
    return "unclear", lower, upper


def over_budget(tail_ms: Iterable[float], budget_ms: float) -> int:
    """Calls over ``budget_ms`` from a record's kept tail (its largest per-call latencies): exact while
    the budget is above the tail's smallest value, else at least the whole tail."""
    return sum(1 for t in tail_ms if t > budget_ms)
