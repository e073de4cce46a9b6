"""Noise bounds for the report: Wilson intervals for top-1, trial spread for latency.

A difference is only called a win when it is larger than the noise: accuracy intervals (and the
training seed spread, where the records carry it) must not overlap, and latency trial ranges must
not overlap.
"""

from __future__ import annotations

import math
from typing import Any

from edgecrelu.stats import seed_accuracies

Z95 = 1.959963984540054  # two-sided 95 % normal quantile


def wilson_interval(top1: float | None, n: int | None, z: float = Z95) -> tuple[float, float] | None:
    """95 % Wilson score interval for a top-1 fraction measured on ``n`` images (None if unknown)."""
    if top1 is None or not n or n <= 0:
        return None
    p = min(max(float(top1), 0.0), 1.0)
    z2 = z * z
    denom = 1.0 + z2 / n
    centre = (p + z2 / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def overlap(a: tuple[float, float] | None, b: tuple[float, float] | None) -> bool:
    """True when two closed intervals overlap; an unknown interval counts as overlapping (no claim)."""
    if a is None or b is None:
        return True
    return a[0] <= b[1] and b[0] <= a[1]


def latency_range(record: dict[str, Any], metric: str) -> tuple[float, float] | None:
    """Trial-to-trial range of ``metric`` (``p50`` or ``p99``) for one record, in ms.

    With two or more interleaved trials: min..max over the trials and the pooled value. Otherwise a
    CoV-based bound, pooled value +/- 2 std / sqrt(n) (the standard error of the mean, about 95 %).
    """
    lat = record.get("latency_ms") or {}
    value = lat.get(metric)
    if value is None:
        return None
    raw = [t.get(metric) for t in (record.get("trials") or []) if isinstance(t, dict)]
    vals = [float(v) for v in raw if v is not None]
    if len(vals) >= 2:
        vals.append(float(value))
        return min(vals), max(vals)
    std, n = lat.get("std"), lat.get("n")
    if std is None or not n:
        return float(value), float(value)
    half = 2.0 * float(std) / math.sqrt(float(n))
    return max(0.0, float(value) - half), float(value) + half


def scaled_range(value: float | None, record: dict[str, Any], inverse: bool) -> tuple[float, float] | None:
    """Spread of a quantity proportional (or, ``inverse``, inversely proportional) to p50 latency.

    Throughput is batch / latency and energy per inference is power x time, so their trial spread
    follows the p50 trial spread.
    """
    if value is None:
        return None
    rng = latency_range(record, "p50")
    p50 = (record.get("latency_ms") or {}).get("p50")
    if rng is None or not p50:
        return value, value
    lo, hi = rng[0] / p50, rng[1] / p50
    if inverse:
        return (value / hi, value / lo) if lo > 0 else (value / hi, math.inf)
    return value * lo, value * hi


def accuracy_differs(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """True when two records' top-1 differ beyond the noise: Wilson CIs apart, and seed ranges apart
    where both records carry training seeds."""
    acc_a, acc_b = a.get("accuracy") or {}, b.get("accuracy") or {}
    ci_a = wilson_interval(acc_a.get("top1"), acc_a.get("n"))
    ci_b = wilson_interval(acc_b.get("top1"), acc_b.get("n"))
    if overlap(ci_a, ci_b):
        return False
    sa, sb = seed_accuracies(a), seed_accuracies(b)
    return not (sa and sb and overlap((min(sa), max(sa)), (min(sb), max(sb))))
