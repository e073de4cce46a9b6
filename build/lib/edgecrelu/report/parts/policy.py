"""The decision policy the section's verdict applied, and where it came from."""

from __future__ import annotations

from edgecrelu.report.markup import e


def policy_lines(p) -> list[str]:
    budget = "none" if p.latency_budget_p99_ms is None else f"{p.latency_budget_p99_ms:g} ms"
    mem = "none" if p.memory_budget_mb is None else f"{p.memory_budget_mb:g} MB"
    return [
        f"baseline {p.baseline_variant} / {p.baseline_form} / {p.baseline_precision} at batch 1 on the first backend",
        f"maximum top-1 drop {p.max_accuracy_drop:g} points; p99 budget at batch 1 {budget}; memory budget {mem}",
        f"objective {p.objective}, minimum gain {p.min_gain * 100:g} %; line rate {p.line_rate_ips:g} images/s "
        f"per station, {p.stations} station(s)",
    ]


def md(sr, report) -> list[str]:
    return ["Policy (" + report.policy_source + "):", ""] + [f"- {line}" for line in policy_lines(sr.policy)] + [""]


def html(sr, report) -> list[str]:
    return ["<p class=\"small\">Policy (" + e(report.policy_source) + "): "
            + "; ".join(e(x) for x in policy_lines(sr.policy)) + "</p>"]
