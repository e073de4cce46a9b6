"""Phase pairing of conv filters (Shang et al., ICML 2016, section 2), in numpy.

For the filters φ_1..φ_n of one layer (each flattened over input channels and kernel), the pairing
filter of φ_i is φ̄_i = argmin_j≠i cos(φ_i, φ_j) and μ_i = cos(φ_i, φ̄_i). A ReLU net's lower layers
learn opposite-phase pairs (μ_i near -1); random filters of the same shape sit at a shallow
negative μ that depends only on the shape (n filters in d dimensions), so every layer is compared
with Gaussian filters of its own shape over several draws.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike

from edgecrelu.errors import EdgeCReLUError

THRESHOLD = -0.5  # "paired": μ below this (a filter whose partner is more opposite than 120 degrees)
DRAWS = 8  # random draws per layer shape
BINS = 40  # histogram bins over [-1, 1]


def mu_of(weights: ArrayLike) -> np.ndarray:
    """μ_i for every filter of ``weights`` (shape ``[n, ...]``, n >= 2): the cosine to its most
    negatively correlated other filter. An all-zero filter has μ = 0 (no direction)."""
    w = np.asarray(weights, dtype=np.float64)
    if w.ndim < 2 or w.shape[0] < 2:
        raise EdgeCReLUError(f"phase pairing needs at least 2 filters (got weights of shape {list(w.shape)})")
    v = w.reshape(w.shape[0], -1)
    norm = np.linalg.norm(v, axis=1)
    unit = np.divide(v, norm[:, None], out=np.zeros_like(v), where=norm[:, None] > 0)
    cos = unit @ unit.T
    np.fill_diagonal(cos, np.inf)
    return np.clip(cos.min(axis=1), -1.0, 1.0)


def histogram(mu: ArrayLike, bins: int = BINS) -> list[int]:
    counts, _ = np.histogram(np.asarray(mu, dtype=np.float64), bins=bins, range=(-1.0, 1.0))
    return [int(c) for c in counts]


def summary(mu: ArrayLike, threshold: float = THRESHOLD) -> dict:
    """``{mean, median, share_below, hist}`` of one layer's μ values."""
    mu = np.asarray(mu, dtype=np.float64)
    return {"mean": float(mu.mean()), "median": float(np.median(mu)),
            "share_below": float((mu < threshold).mean()), "hist": histogram(mu)}


def random_baseline(shape: Sequence[int], *, draws: int = DRAWS, threshold: float = THRESHOLD, seed: int = 0) -> dict:
    """The same statistics for i.i.d. Gaussian filters of ``shape`` over ``draws`` draws:
    ``{mean, mean_std (across draws), share_below, share_below_std, hist (mean counts), draws}``."""
    rng = np.random.default_rng([seed, *[int(s) for s in shape]])
    rows = [summary(mu_of(rng.standard_normal(tuple(shape))), threshold) for _ in range(int(draws))]
    means = np.array([r["mean"] for r in rows])
    shares = np.array([r["share_below"] for r in rows])
    hist = np.mean([r["hist"] for r in rows], axis=0)
    return {"mean": float(means.mean()), "mean_std": float(means.std(ddof=1)) if draws > 1 else 0.0,
            "share_below": float(shares.mean()),
            "share_below_std": float(shares.std(ddof=1)) if draws > 1 else 0.0,
            "hist": [round(float(h), 3) for h in hist], "draws": int(draws)}


def partners(weights: ArrayLike) -> np.ndarray:
    """Index of each filter's pairing filter φ̄_i."""
    w = np.asarray(weights, dtype=np.float64)
    v = w.reshape(w.shape[0], -1)
    norm = np.linalg.norm(v, axis=1)
    unit = np.divide(v, norm[:, None], out=np.zeros_like(v), where=norm[:, None] > 0)
    cos = unit @ unit.T
    np.fill_diagonal(cos, np.inf)
    return cos.argmin(axis=1)
