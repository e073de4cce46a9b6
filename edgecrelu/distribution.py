"""Sample distributions as trtexec / MLPerf report them: percentiles, spread, CoV (latency samples,
and accuracies over training seeds)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np


def summarize(samples_ms: Sequence[float] | np.ndarray) -> dict[str, Any]:
    """Summary of latency samples in milliseconds.

    Percentiles use linear interpolation (numpy's default, what trtexec's median does for even n);
    ``std`` is the sample standard deviation (ddof=1) and ``cov = std / mean``.
    """
    a = np.asarray(samples_ms, dtype=np.float64)
    if a.size == 0:
        raise ValueError("no samples")
    if not np.all(np.isfinite(a)):
        raise ValueError("non-finite latency sample")
    mean = float(a.mean())
    std = float(a.std(ddof=1)) if a.size > 1 else 0.0
    p50, p90, p95, p99 = (float(v) for v in np.percentile(a, [50, 90, 95, 99]))
    return {
        "n": int(a.size),
        "min": float(a.min()),
        "mean": mean,
        "p50": p50,
        "p90": p90,
        "p95": p95,
        "p99": p99,
        "max": float(a.max()),
        "std": std,
        "cov": std / mean if mean > 0 else math.nan,
    }
