"""Top-1 under the bundle's shifted eval sets (``record["shifts"]``, scored by ``profile`` through each
deployed artifact): per configuration and shift, the paired difference to the baseline on the same
shifted images, the weakest shift, and the ``decision.robustness_budget`` check (the largest drop
against the baseline allowed under any shift at ``decision.robustness_severity``)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from edgecrelu import stats

CONSTRAINT = "robustness"  # the constraint's name in a row's violations / unclear lists


@dataclass(frozen=True)
class Score:
    name: str
    severity: int
    top1: float
    n: int
    record: dict  # a record-shaped view ({"accuracy", "bundle"}) for stats.accuracy_interval

    @property
    def key(self) -> str:
        return f"{self.name}@{self.severity}"


def scores(record: dict) -> dict[str, Score]:
    """``name@severity`` -> the record's score on that shifted set (records without shifts: {})."""
    out = {}
    for s in record.get("shifts") or []:
        try:
            name, sev, top1, n = str(s["name"]), int(s["severity"]), float(s["top1"]), int(s["n"])
        except (KeyError, TypeError, ValueError):
            continue
        # the images' hash stands for the data set: two records pair only on the same shifted images
        view = {"accuracy": {"top1": top1, "n": n, "correct": s.get("correct")},
                "bundle": {"dataset_sha256": s.get("x_sha256") or (record.get("bundle") or {}).get("dataset_sha256")}}
        out[f"{name}@{sev}"] = Score(name, sev, top1, n, view)
    return out


def clean_top1(record: dict, n: int) -> float | None:
    """Top-1 of the record on the first ``n`` eval images, unshifted (the shifted sets' images)."""
    acc = record.get("accuracy") or {}
    bits = stats.decode_correct(acc)
    if bits is None or len(bits) < n:
        return None
    return float(np.mean(bits[:n]))


def vs_baseline(base: dict, rec: dict) -> dict[str, stats.AccuracyCI | None]:
    """Per shifted set both records scored: top-1 of ``rec`` minus the baseline's, paired, in points."""
    sb, sr = scores(base), scores(rec)
    return {k: stats.accuracy_interval(sb[k].record, sr[k].record) for k in sr if k in sb}


def weakest(record: dict) -> tuple[Score, float | None] | None:
    """The shifted set with the largest drop from the record's own unshifted top-1 on the same images
    (or, without per-image results, the lowest top-1), and that clean top-1."""
    sc = list(scores(record).values())
    if not sc:
        return None
    clean = {s.key: clean_top1(record, s.n) for s in sc}
    if all(v is not None for v in clean.values()):
        worst = max(sc, key=lambda s: (float(clean[s.key] or 0.0) - s.top1, s.severity))
    else:
        worst = min(sc, key=lambda s: (s.top1, -s.severity))
    return worst, clean[worst.key]


def budget_keys(record: dict, severity: int) -> list[str]:
    """The sets the budget checks: every shift at ``severity`` (a shift with fewer: its strongest)."""
    by_name: dict[str, list[int]] = {}
    for s in scores(record).values():
        by_name.setdefault(s.name, []).append(s.severity)
    return [f"{name}@{min(severity, max(sevs)) if severity not in sevs else severity}"
            for name, sevs in by_name.items()]


def budget_checks(base: dict, rec: dict, severity: int) -> dict[str, stats.AccuracyCI | None]:
    """Per checked shifted set: ``rec`` vs the baseline (None where the baseline has no score on it)."""
    cis = vs_baseline(base, rec)
    return {k: cis.get(k) for k in budget_keys(rec, severity)}


def budget_status(cis: dict[str, stats.AccuracyCI | None], budget_pts: float) -> tuple[list[str], list[str]]:
    """(broken, unclear): ``robustness`` once, broken where any shift's interval lies wholly below
    minus the budget, unclear where one straddles it or cannot be computed, or where no shifted set
    was scored (a bundle exported with ``--shifts none``, records made before shifted sets existed)."""
    if not cis:
        return [], [CONSTRAINT]
    verdicts = [stats.non_inferiority(ci, budget_pts) for ci in cis.values()]
    if "fail" in verdicts:
        return [CONSTRAINT], []
    if "unclear" in verdicts:
        return [], [CONSTRAINT]
    return [], []


def worst_check(cis: dict[str, stats.AccuracyCI | None]) -> tuple[str, stats.AccuracyCI] | None:
    """The checked shift with the lowest interval (what the verdict's sentence quotes)."""
    known = [(k, ci) for k, ci in cis.items() if ci is not None]
    return min(known, key=lambda kc: kc[1].lo) if known else None
