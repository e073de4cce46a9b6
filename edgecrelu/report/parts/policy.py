"""The decision policy the section's verdict applied, and where it came from."""

from __future__ import annotations

from typing import TYPE_CHECKING

from edgecrelu.report.blocks import BulletList

if TYPE_CHECKING:
    from edgecrelu.devices import Decision
    from edgecrelu.report.blocks import Block
    from edgecrelu.report.model import Report, SectionReport


def policy_lines(p: Decision) -> list[str]:
    budget = "none" if p.latency_budget_p99_ms is None else f"{p.latency_budget_p99_ms:g} ms"
    mem = "none" if p.memory_budget_mb is None else f"{p.memory_budget_mb:g} MB"
    return [
        f"baseline {p.baseline_variant} / {p.baseline_form} / {p.baseline_precision} at batch 1 on the first backend",
        f"maximum top-1 drop {p.max_accuracy_drop:g} points; p99 budget at batch 1 {budget}; memory budget {mem}",
        f"objective {p.objective}, minimum gain {p.min_gain * 100:g} %; line rate {p.line_rate_ips:g} images/s "
        f"per station, {p.stations} station(s)",
    ] + ([("maximum recall drop per class: " + ", ".join(f"{k} {v:g} points" for k, v in p.class_recall_budget.items()))]
         if p.class_recall_budget else []) + ([f"maximum top-1 drop vs the baseline under any shift at severity "
                                               f"{p.robustness_severity}: {p.robustness_budget:g} points"]
                                              if p.robustness_budget is not None else [])


def blocks(sr: SectionReport, report: Report) -> list[Block]:
    return [BulletList(policy_lines(sr.policy), lead=f"Policy ({report.policy_source}):", inline=True, css="small")]
