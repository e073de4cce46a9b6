"""Pareto fronts: rows no other row beats on both axes (accuracy up, cost down)."""

from __future__ import annotations

from typing import Sequence


def pareto_front(points: Sequence[tuple[float | None, float | None]]) -> list[bool]:
    """For (accuracy, cost) pairs, True where no other point has accuracy >= and cost <= with one
    strictly better. Points with a missing value are never on the front."""
    flags = []
    for i, (acc, cost) in enumerate(points):
        if acc is None or cost is None:
            flags.append(False)
            continue
        dominated = False
        for j, (a2, c2) in enumerate(points):
            if j == i or a2 is None or c2 is None:
                continue
            if a2 >= acc and c2 <= cost and (a2 > acc or c2 < cost):
                dominated = True
                break
        flags.append(not dominated)
    return flags
