"""Which half of a site's filters to keep for CReLU-half, and how each dropped filter is stood in for.

Per site, from the post-BN responses ``Y`` (filters x positions) on training images:
``P = relu(Y)`` is what each filter passes on, ``Q = relu(-Y)`` what CReLU's negative phase of a
kept filter would pass on. A dropped filter j is replaced by ``s * Q_k`` (a kept filter's negated
partner) or ``s * P_k`` (a near duplicate), with the least-squares scale ``s = <P_j, X_k> / |X_k|^2``,
whose relative residual is ``1 - cos(P_j, X_k)^2``. The kept half is chosen greedily (facility
location): each step keeps the filter that lowers the summed residual of all filters most, where
a dropped filter with no stand-in costs 1 (its output is lost) and a kept one costs 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike


@dataclass(frozen=True)
class Selection:
    keep: list[int]  # kept filter indices, ascending (the halved conv's filter order)
    stand_in: dict[int, tuple[int, str, float]]  # dropped j -> (position in keep, "neg" | "pos", scale)
    residual: float  # mean relative residual over all filters (0: the kept half reproduces every output)
    neg_share: float  # share of dropped filters stood in for by a negated partner


def _unit_rows(a: np.ndarray) -> np.ndarray:
    n = np.linalg.norm(a, axis=1, keepdims=True)
    return np.divide(a, n, out=np.zeros_like(a), where=n > 0)


def select_half(y: ArrayLike) -> Selection:
    """``y``: ``[C, M]`` pre-activation responses of one site (C even) -> the selection."""
    y = np.asarray(y, dtype=np.float64)
    c = y.shape[0]
    half = c // 2
    p, q = np.maximum(y, 0), np.maximum(-y, 0)
    pu, qu = _unit_rows(p), _unit_rows(q)
    cos_neg, cos_pos = pu @ qu.T, pu @ pu.T  # [j, k]
    alive = np.linalg.norm(p, axis=1) > 0
    cost = 1.0 - np.maximum(cos_neg, cos_pos) ** 2
    cost[~alive, :] = 0.0  # a filter that never fires is free to drop
    np.fill_diagonal(cost, 0.0)
    best = np.where(alive, 1.0, 0.0)
    keep: list[int] = []
    for _ in range(half):
        totals = np.minimum(best[:, None], cost).sum(axis=0)
        totals[keep] = np.inf
        k = int(np.argmin(totals))
        keep.append(k)
        best = np.minimum(best, cost[:, k])
    keep.sort()
    pos = {k: i for i, k in enumerate(keep)}
    stand_in, neg = {}, 0
    for j in range(c):
        if j in pos or not alive[j]:
            continue
        k = min(keep, key=lambda kk: cost[j, kk])
        if cost[j, k] >= 1.0 - 1e-12:
            continue  # uncorrelated with every kept filter's phases: nothing stands in
        use_neg = cos_neg[j, k] >= cos_pos[j, k]
        x = q[k] if use_neg else p[k]
        s = float(p[j] @ x / max(float(x @ x), 1e-30))
        stand_in[j] = (pos[k], "neg" if use_neg else "pos", s)
        neg += int(use_neg)
    dropped = c - half
    return Selection(keep, stand_in, float(best.mean()), neg / dropped if dropped else 0.0)
