"""Two result sets cell by cell: latency ratio B / A with its 95 % interval, top-1 difference, and
regression / improvement / unchanged (``edgecrelu compare``).

On one machine (both sets hold the same device profiles) cells are matched by device profile,
variant, form, precision, backend and batch. A cell is a regression when the whole interval of its
p50 ratio lies above 1 and the ratio is above 1 + ``threshold`` (a shown slow-down big enough to
matter); an improvement the other way round; unchanged otherwise.

Across machines (each set one device profile, and they differ) cells are matched by variant, form,
precision and batch (the backend too where a set holds one cell on several backends); the ratio is
one machine's speed over the other's, so its status says "slower" / "faster" on B, never a
regression, and every line says the comparison is across machines.

Accuracy, on either: the top-1 difference is paired over the same images where both records carry
per-image results; identical outputs on every image give exactly 0 (a zero-width interval: the same
model measured twice). Accuracy regresses when the interval lies wholly below 0.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field

from edgecrelu import results, stats
from edgecrelu.errors import EdgeCReLUError

DEFAULT_THRESHOLD = 0.10


@dataclass
class CellChange:
    key: str
    ratio: stats.RatioCI | None
    accuracy: stats.AccuracyCI | None
    status: str  # regression | improvement | unchanged; across machines: slower | faster | unchanged (or regression)
    why: list = field(default_factory=list)
    across: bool = False  # A and B ran on different machines


@dataclass
class Comparison:
    """What ``compare_records`` found; iterating gives ``(changes, only in A, only in B)``."""

    changes: list[CellChange]
    only_a: list[str]
    only_b: list[str]
    across: tuple[str, str] | None = None  # (A's device, B's device) when they differ

    def __iter__(self):
        return iter((self.changes, self.only_a, self.only_b))


def _device(rec: dict) -> str:
    return str((rec.get("device_profile") or {}).get("name", "?"))


def _key(rec: dict) -> str:
    c = rec["cell"]
    return f"{_device(rec)}:{c['variant']}/{c['form']}/{c['precision']}/{c['backend']}/b{c['batch']}"


def _cell(rec: dict) -> str:
    c = rec["cell"]
    return f"{c['variant']}/{c['form']}/{c['precision']}/b{c['batch']}"


def _match_across(a: list[dict], b: list[dict]) -> tuple[list[tuple[str, dict, dict]], list[str], list[str]]:
    """Pairs of records of one cell (variant, form, precision, batch) on two machines; a cell a set
    holds on several backends pairs by backend."""
    ga: dict[str, list[dict]] = {}
    gb: dict[str, list[dict]] = {}
    for recs, groups in ((a, ga), (b, gb)):
        for r in recs:
            groups.setdefault(_cell(r), []).append(r)
    pairs: list[tuple[str, dict, dict]] = []
    only_a: list[str] = []
    only_b: list[str] = []
    for cell in sorted(set(ga) | set(gb)):
        ra, rb = ga.get(cell, []), gb.get(cell, [])
        if len(ra) == 1 and len(rb) == 1:
            pairs.append((f"{cell} ({ra[0]['cell']['backend']} → {rb[0]['cell']['backend']})", ra[0], rb[0]))
            continue
        by_a = {r["cell"]["backend"]: r for r in ra}
        by_b = {r["cell"]["backend"]: r for r in rb}
        pairs += [(f"{cell} ({be})", by_a[be], by_b[be]) for be in sorted(set(by_a) & set(by_b))]
        only_a += [_key(r) for be, r in sorted(by_a.items()) if be not in by_b]
        only_b += [_key(r) for be, r in sorted(by_b.items()) if be not in by_a]
    return pairs, only_a, only_b


def _status(ratio: stats.RatioCI | None, acc: stats.AccuracyCI | None, threshold: float, across: bool):
    status, why = "unchanged", []
    if ratio is not None:
        span = f"(interval {ratio.lo:.3f}–{ratio.hi:.3f})"
        if ratio.lo > 1 and ratio.ratio > 1 + threshold:
            status = "slower" if across else "regression"
            why.append(f"p50 ×{ratio.ratio:.3f} {span} slower" + (" on B's machine" if across else ""))
        elif ratio.hi < 1 and ratio.ratio < 1 / (1 + threshold):
            status = "faster" if across else "improvement"
            why.append(f"p50 ×{ratio.ratio:.3f} {span} faster" + (" on B's machine" if across else ""))
    if acc is not None and acc.hi < 0:
        status = "regression"
        why.append(f"top-1 {acc.diff_pts:+.2f} points (interval {acc.lo:+.2f} to {acc.hi:+.2f})")
    return status, why


def compare_records(a: list[dict], b: list[dict], threshold: float = DEFAULT_THRESHOLD) -> Comparison:
    """The cells in both sets compared, and the cells only in A or only in B."""
    devs_a, devs_b = sorted({_device(r) for r in a}), sorted({_device(r) for r in b})
    across: tuple[str, str] | None = None
    if devs_a == devs_b:
        ka, kb = {_key(r): r for r in a}, {_key(r): r for r in b}
        pairs = [(k, ka[k], kb[k]) for k in sorted(set(ka) & set(kb))]
        only_a, only_b = sorted(set(ka) - set(kb)), sorted(set(kb) - set(ka))
        what = "same device profile, variant, form, precision, backend and batch"
    elif len(devs_a) == 1 and len(devs_b) == 1:
        across = (devs_a[0], devs_b[0])
        pairs, only_a, only_b = _match_across(a, b)
        what = "same variant, form, precision and batch"
    else:
        raise EdgeCReLUError(f"A holds device profiles {', '.join(devs_a)} and B {', '.join(devs_b)}: a comparison "
                             "is on one machine (the same profiles on both sides) or across two (one profile on each "
                             "side); pass one device's results directory on each side")
    if not pairs:
        raise EdgeCReLUError(f"the two result sets share no cell ({what}): nothing to compare")
    out = []
    for k, ra, rb in pairs:
        ratio = stats.ratio_interval(ra, rb, "p50")
        acc = stats.accuracy_interval(ra, rb, identical_exact=True)
        status, why = _status(ratio, acc, threshold, across is not None)
        out.append(CellChange(k, ratio, acc, status, why, across is not None))
    return Comparison(out, only_a, only_b, across)


def load_and_compare(
    a_dirs: Sequence[str | os.PathLike[str]], b_dirs: Sequence[str | os.PathLike[str]], threshold: float = DEFAULT_THRESHOLD
) -> Comparison:
    return compare_records(results.load_records(a_dirs), results.load_records(b_dirs), threshold)


def _fmt_ratio(r):
    return "—" if r is None else f"{r.ratio:.3f}"


def _fmt_ci(r):
    if r is None:
        return "—"
    hi = "∞" if r.hi == float("inf") else f"{r.hi:.3f}"
    return f"{r.lo:.3f}–{hi}"


def _fmt_acc(a: stats.AccuracyCI | None) -> str:
    if a is None:
        return "—"
    how = "identical outputs" if a.paired and a.lo == a.hi == 0 else ("paired" if a.paired else "unpaired")
    return f"{a.diff_pts:+.2f} ({a.lo:+.2f} to {a.hi:+.2f}, {how})"


def table_rows(changes: list[CellChange]) -> list[list]:
    return [[c.key, _fmt_ratio(c.ratio), _fmt_ci(c.ratio), _fmt_acc(c.accuracy), c.status] for c in changes]


HEADERS = ["cell", "p50 ratio B/A", "95 % interval", "top-1 Δ points (95 % interval)", "status"]


def headers(comparison: Comparison) -> list[str]:
    if comparison.across is None:
        return HEADERS
    a, b = comparison.across
    return ["cell (backend A → B)", f"p50 ratio B/A across machines ({b} / {a})"] + HEADERS[2:]


def summary(changes: list[CellChange], across: tuple[str, str] | None = None) -> str:
    words = ("regression", "slower", "faster", "unchanged") if across else ("regression", "improvement", "unchanged")
    n = {s: sum(c.status == s for c in changes) for s in words}
    head = f"{len(changes)} cells compared"
    if across:
        head += f" across machines (A: {across[0]}, B: {across[1]}; a ratio is one machine's speed over the other's)"
    return head + ": " + ", ".join(f"{n[s]} {s}" for s in words)


def _rule(comparison: Comparison, threshold: float) -> str:
    if comparison.across:
        return (f"threshold {threshold:.0%}; across machines a cell is slower or faster on B when the whole 95 % "
                "interval of its p50 ratio lies on one side of 1 and beyond the threshold, and regresses only when "
                "the top-1 interval lies below 0")
    return (f"threshold {threshold:.0%}; a cell regresses when the whole 95 % interval of its p50 ratio lies above 1 "
            "and the ratio exceeds 1 + threshold, or the top-1 interval lies below 0")


def render_markdown(comparison: Comparison, threshold: float, a_name: str, b_name: str) -> str:
    from tabulate import tabulate

    changes, only_a, only_b = comparison
    lines = [f"# edgecrelu compare: {b_name} vs {a_name}", "",
             f"{summary(changes, comparison.across)} ({_rule(comparison, threshold)}).", "",
             tabulate(table_rows(changes), headers(comparison), tablefmt="github"), ""]
    if only_a:
        lines += [f"Only in A: {', '.join(only_a)}", ""]
    if only_b:
        lines += [f"Only in B: {', '.join(only_b)}", ""]
    return "\n".join(lines)


def render_json(comparison: Comparison, threshold: float, a_name: str, b_name: str) -> str:
    changes, only_a, only_b = comparison
    return json.dumps({
        "kind": "edgecrelu-compare", "a": a_name, "b": b_name, "threshold": threshold,
        "across_machines": None if comparison.across is None else {"a": comparison.across[0], "b": comparison.across[1]},
        "summary": summary(changes, comparison.across),
        "cells": [{"cell": c.key, "status": c.status, "why": c.why,
                   "p50_ratio": c.ratio.to_dict() if c.ratio else None,
                   "top1": c.accuracy.to_dict() if c.accuracy else None} for c in changes],
        "only_in_a": only_a, "only_in_b": only_b,
    }, indent=2, default=lambda x: None if x == float("inf") else str(x)) + "\n"
