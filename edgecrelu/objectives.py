"""The objectives a decision policy can ask for (``decision.objective``): one entry each, with all
its facts — unit, direction, the report row field its value is read from, how its noise and its
gain's interval are found, and the words a verdict uses for it. The policy check, the decision and
the verdict's sentences read them from here (README "How the verdict is reached")."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Objective:
    name: str  # the value of decision.objective
    unit: str  # ms | images/s | mJ | MB
    lower_is_better: bool
    field: str  # the report row's attribute (report.rows.Row) the value is read from
    # Its noise range: a row attribute holding the trial-to-trial range, "exact" (one measurement per
    # cell, no spread) or "p50" (the value scales with p50 latency, so its range is the p50 trial range scaled).
    spread: str
    best_batch: bool  # judged at the configuration's best batch (else at batch 1)
    ratio_metric: str | None  # the latency ratio whose interval carries the gain's; None: the gain has no interval
    in_rounds: bool  # judged by the paired timing rounds (follows the time per call)
    title: str  # its name in a sentence
    # "<best CReLU> {comparison} <best ReLU>", with {pct} the gain and {way} better or worse
    comparison: str
    better: str
    worse: str
    # the "In short" line's "<the best CReLU version> {in_short}" (against the ReLU model, named before it)
    in_short: str


OBJECTIVES: dict[str, Objective] = {o.name: o for o in (
    Objective("p99_latency", "ms", True, "p99", "p99_range", False, "p99", True, "p99 latency",
              "is {pct} {way} at p99 than", "faster", "slower", "is {pct} {way}"),
    Objective("p50_latency", "ms", True, "p50", "p50_range", False, "p50", True, "p50 latency",
              "is {pct} {way} at p50 than", "faster", "slower", "is {pct} {way}"),
    # throughput ~ batch / p50, at the batch that gives the most
    Objective("throughput", "images/s", False, "throughput", "p50", True, "p50", True, "throughput",
              "has {pct} {way} throughput than", "higher", "lower", "has {pct} {way} throughput"),
    # energy per inference is power x time: its spread and interval follow p50 latency
    Objective("energy", "mJ", True, "mj_per_inference", "p50", False, "p50", False, "energy",
              "uses {pct} {way} energy per inference than", "less", "more", "uses {pct} {way} energy per inference"),
    Objective("memory", "MB", True, "peak_mb", "exact", False, None, False, "memory",
              "uses {pct} {way} peak memory than", "less", "more", "uses {pct} {way} peak memory"),
)}
NAMES = tuple(OBJECTIVES)
