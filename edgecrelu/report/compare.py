"""Two result sets cell by cell: latency ratio B / A with its 95 % interval, top-1 difference, and
regression / improvement / unchanged (``edgecrelu compare``).

A cell is a regression when the whole interval of its p50 ratio lies above 1 and the ratio is
above 1 + ``threshold`` (a shown slow-down big enough to matter); an improvement the other way
round; unchanged otherwise. Accuracy regresses when the interval of the top-1 difference lies
wholly below 0 (paired over the same images where both records carry per-image results).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from edgecrelu import results, stats
from edgecrelu.errors import EdgeCReLUError

DEFAULT_THRESHOLD = 0.10


@dataclass
class CellChange:
    key: str
    ratio: stats.RatioCI | None
    accuracy: stats.AccuracyCI | None
    status: str  # regression | improvement | unchanged
    why: list = field(default_factory=list)


def _key(rec: dict) -> str:
    c = rec["cell"]
    device = (rec.get("device_profile") or {}).get("name", "?")
    return f"{device}:{c['variant']}/{c['form']}/{c['precision']}/{c['backend']}/b{c['batch']}"


def compare_records(a: list[dict], b: list[dict], threshold: float = DEFAULT_THRESHOLD):
    """(changes for cells in both, keys only in A, keys only in B)."""
    ka, kb = {_key(r): r for r in a}, {_key(r): r for r in b}
    common = sorted(set(ka) & set(kb))
    if not common:
        raise EdgeCReLUError("the two result sets share no cell (same device profile, variant, form, precision, "
                             "backend and batch): nothing to compare")
    out = []
    for k in common:
        ra, rb = ka[k], kb[k]
        ratio = stats.ratio_interval(ra, rb, "p50")
        acc = stats.accuracy_interval(ra, rb)
        status, why = "unchanged", []
        if ratio is not None:
            if ratio.lo > 1 and ratio.ratio > 1 + threshold:
                status = "regression"
                why.append(f"p50 ×{ratio.ratio:.3f} (interval {ratio.lo:.3f}–{ratio.hi:.3f}) slower")
            elif ratio.hi < 1 and ratio.ratio < 1 / (1 + threshold):
                status = "improvement"
                why.append(f"p50 ×{ratio.ratio:.3f} (interval {ratio.lo:.3f}–{ratio.hi:.3f}) faster")
        if acc is not None and acc.hi < 0:
            status = "regression"
            why.append(f"top-1 {acc.diff_pts:+.2f} points (interval {acc.lo:+.2f} to {acc.hi:+.2f})")
        out.append(CellChange(k, ratio, acc, status, why))
    return out, sorted(set(ka) - set(kb)), sorted(set(kb) - set(ka))


def load_and_compare(a_dirs, b_dirs, threshold: float = DEFAULT_THRESHOLD):
    return compare_records(results.load_records(a_dirs), results.load_records(b_dirs), threshold)


def _fmt_ratio(r):
    return "—" if r is None else f"{r.ratio:.3f}"


def _fmt_ci(r):
    if r is None:
        return "—"
    hi = "∞" if r.hi == float("inf") else f"{r.hi:.3f}"
    return f"{r.lo:.3f}–{hi}"


def table_rows(changes: list[CellChange]) -> list[list]:
    return [[c.key, _fmt_ratio(c.ratio), _fmt_ci(c.ratio),
             "—" if c.accuracy is None else f"{c.accuracy.diff_pts:+.2f} ({c.accuracy.lo:+.2f} to {c.accuracy.hi:+.2f})",
             c.status] for c in changes]


HEADERS = ["cell", "p50 ratio B/A", "95 % interval", "top-1 Δ points (95 % interval)", "status"]


def summary(changes: list[CellChange]) -> str:
    n = {s: sum(c.status == s for c in changes) for s in ("regression", "improvement", "unchanged")}
    return (f"{len(changes)} cells compared: {n['regression']} regression, {n['improvement']} improvement, "
            f"{n['unchanged']} unchanged")


def render_markdown(changes, only_a, only_b, threshold: float, a_name: str, b_name: str) -> str:
    from tabulate import tabulate

    lines = [f"# edgecrelu compare: {b_name} vs {a_name}", "",
             f"{summary(changes)} (threshold {threshold:.0%}; a cell regresses when the whole 95 % interval of its "
             "p50 ratio lies above 1 and the ratio exceeds 1 + threshold, or the top-1 interval lies below 0).", "",
             tabulate(table_rows(changes), HEADERS, tablefmt="github"), ""]
    if only_a:
        lines += [f"Only in A: {', '.join(only_a)}", ""]
    if only_b:
        lines += [f"Only in B: {', '.join(only_b)}", ""]
    return "\n".join(lines)


def render_json(changes, only_a, only_b, threshold: float, a_name: str, b_name: str) -> str:
    return json.dumps({
        "kind": "edgecrelu-compare", "a": a_name, "b": b_name, "threshold": threshold,
        "summary": summary(changes),
        "cells": [{"cell": c.key, "status": c.status, "why": c.why,
                   "p50_ratio": c.ratio.to_dict() if c.ratio else None,
                   "top1": c.accuracy.to_dict() if c.accuracy else None} for c in changes],
        "only_in_a": only_a, "only_in_b": only_b,
    }, indent=2, default=lambda x: None if x == float("inf") else str(x)) + "\n"
