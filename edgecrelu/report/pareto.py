"""Pareto fronts: rows no other row beats on both axes (accuracy up, cost down); with intervals, a
point leaves the front only when another is *shown* better on both axes (its intervals exclude the
point's values), and :func:`extension` says whether CReLU points extend the ReLU-only front."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


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


# ------------------------------------------------------------------ fronts with intervals


@dataclass(frozen=True)
class FrontPoint:
    """A configuration on the accuracy-cost plane: accuracy up, cost down, each with its 95 % interval
    (None: an exact value, e.g. MACs or a single memory reading)."""

    label: str
    crelu: bool  # a CReLU configuration (else ReLU: the baseline or a control)
    acc: float
    cost: float
    acc_ci: tuple[float, float] | None = None
    cost_ci: tuple[float, float] | None = None

    @property
    def acc_lo(self) -> float:
        return self.acc if self.acc_ci is None else self.acc_ci[0]

    @property
    def cost_hi(self) -> float:
        return self.cost if self.cost_ci is None else self.cost_ci[1]


def shown_better_acc(a: FrontPoint, b: FrontPoint) -> bool:
    """``a``'s accuracy interval lies wholly above ``b``'s accuracy."""
    return a.acc_lo > b.acc


def shown_better_cost(a: FrontPoint, b: FrontPoint) -> bool:
    """``a``'s cost interval lies wholly below ``b``'s cost."""
    return a.cost_hi < b.cost


def shown_better(a: FrontPoint, b: FrontPoint) -> bool:
    """``a`` is shown better than ``b`` on both axes: each of its intervals excludes ``b``'s value."""
    return shown_better_acc(a, b) and shown_better_cost(a, b)


def interval_front(points: Sequence[FrontPoint]) -> list[bool]:
    """True where no other point is shown better on both axes (the front with intervals: a point whose
    intervals overlap another's stays on it)."""
    return [not any(j != i and shown_better(q, p) for j, q in enumerate(points)) for i, p in enumerate(points)]


@dataclass(frozen=True)
class Extension:
    """Whether the CReLU points extend the ReLU-only front, and where."""

    verdict: str  # "extends" | "not shown" | "no" | "no crelu" | "no relu"
    points: tuple[str, ...] = ()  # the CReLU points it names
    where: tuple[str, ...] = ()  # for each of them: "below every ReLU cost", ...
    by: tuple[str, ...] = ()  # "no": for each CReLU point, a ReLU point shown better on both axes


def extension(points: Sequence[FrontPoint]) -> Extension:
    """A CReLU point *extends* the ReLU-only front when every ReLU point is shown worse than it on at
    least one axis (it offers a trade-off no ReLU point is shown to match); it is merely *not shown
    dominated* when no ReLU point is shown better on both axes; else it is dominated."""
    crelu = [p for p in points if p.crelu]
    relu = [p for p in points if not p.crelu]
    if not crelu:
        return Extension("no crelu")
    if not relu:
        return Extension("no relu")
    ext = [c for c in crelu if all(shown_better_acc(c, r) or shown_better_cost(c, r) for r in relu)]
    if ext:
        return Extension("extends", tuple(c.label for c in ext), tuple(_where(c, relu) for c in ext))
    open_ = [c for c in crelu if not any(shown_better(r, c) for r in relu)]
    if open_:
        by = tuple(next(r.label for r in relu if not (shown_better_acc(c, r) or shown_better_cost(c, r)))
                   for c in open_)
        return Extension("not shown", tuple(c.label for c in open_), by=by)
    by = tuple(next(r.label for r in relu if shown_better(r, c)) for c in crelu)
    return Extension("no", tuple(c.label for c in crelu), by=by)


def _where(c: FrontPoint, relu: Sequence[FrontPoint]) -> str:
    if all(shown_better_cost(c, r) for r in relu):
        return "at a cost below every ReLU point's"
    if all(shown_better_acc(c, r) for r in relu):
        return "at an accuracy above every ReLU point's"
    cheaper = [r for r in relu if shown_better_cost(c, r)]
    return f"between the ReLU points, cheaper than {', '.join(r.label for r in cheaper)}" if cheaper else \
        "between the ReLU points, more accurate than those it does not undercut"
