"""Accuracy vs latency, latency per precision and memory, as inline SVG (the HTML page only)."""

from __future__ import annotations

from edgecrelu.report import svg


def md(sr, report) -> list[str]:
    return []


def html(sr, report) -> list[str]:
    return ['<div class="plots">',
            svg.accuracy_vs_latency(sr.rows, sr.policy.latency_budget_p99_ms),
            svg.latency_per_precision(sr.rows),
            svg.memory_bars(sr.rows, sr.policy.memory_budget_mb),
            "</div>"]
