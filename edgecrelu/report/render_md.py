"""report.md: the verdict first, then a section per machine, then reproducibility."""

from __future__ import annotations

import json

from tabulate import tabulate

from edgecrelu.report import render_text
from edgecrelu.report.cost import demand_sentence
from edgecrelu.report.decision import forms_summary


def _md_table(headers, body) -> str:
    esc = [[c.replace("|", "\\|") for c in line] for line in body]
    return tabulate(esc, headers=headers, tablefmt="github", disable_numparse=True)


def _bold_head(sentence: str) -> str:
    head, sep, rest = sentence.partition(":")
    return f"**{head}**{sep}{rest}" if sep else sentence


def policy_lines(p) -> list[str]:
    budget = "none" if p.latency_budget_p99_ms is None else f"{p.latency_budget_p99_ms:g} ms"
    mem = "none" if p.memory_budget_mb is None else f"{p.memory_budget_mb:g} MB"
    return [
        f"baseline {p.baseline_variant} / {p.baseline_form} / {p.baseline_precision} at batch 1 on the first backend",
        f"maximum top-1 drop {p.max_accuracy_drop:g} points; p99 budget at batch 1 {budget}; memory budget {mem}",
        f"objective {p.objective}, minimum gain {p.min_gain * 100:g} %; line rate {p.line_rate_ips:g} images/s "
        f"per station, {p.stations} station(s)",
    ]


def render_md(report) -> str:
    out = ["# edgecrelu report: CReLU GO / NO-GO", "", _bold_head(report.sentence), ""]
    if len(report.sections) > 1:
        out += [f"- **{sr.section.label}:** {sr.verdict.verdict}" for sr in report.sections] + [""]
    for w in report.warnings:
        out.append(f"> **Warning:** {w}")
        out.append("")
    for sr in report.sections:
        v = sr.verdict
        out += [f"## {sr.section.label}", "", _bold_head(v.sentence), "", v.best_overall_sentence, ""]
        out += ["Policy (" + report.policy_source + "):", ""] + [f"- {line}" for line in policy_lines(sr.policy)] + [""]
        out += ["### Trade-off table", "", _md_table(*render_text.table_cells(sr.rows)), "",
                "_" + render_text.FLAG_HELP + "_", ""]
        out += ["### Recommended CReLU form per backend", ""]
        lines = forms_summary(v.forms)
        out += [f"- {line}" for line in lines] if lines else ["- no CReLU cells at batch 1"]
        if v.forms:
            out += ["", _md_table(*render_text.form_cells(sr))]
        out += ["", "### Cost at the line rate", "",
                f"Demand: {demand_sentence(sr.policy)}. A device serves floor(1000 / p99) images/s at batch 1 "
                "(worst case); energy counts inference only, where power was measured.", "",
                _md_table(*render_text.cost_cells(sr)), ""]
        if sr.warnings:
            out += ["### Warnings", ""] + [f"- {w}" for w in sr.warnings] + [""]
    out += ["## Reproducibility", "",
            f"- report written {report.created_utc} by edgecrelu {report.edgecrelu_version}"
            + (f" (commit {report.commit})" if report.commit else ""), ""]
    for sr in report.sections:
        out += [f"### {sr.section.label}", "", "```json", json.dumps(sr.reproducibility, indent=2, sort_keys=True,
                                                                     default=str), "```", ""]
    return "\n".join(out)
