"""The table as text: the terminal (tabulate, any --tablefmt) and the cells the Markdown reuses."""

from __future__ import annotations

from tabulate import tabulate

from edgecrelu.report import fmt
from edgecrelu.report.cost import demand_sentence
from edgecrelu.report.decision import forms_summary

FLAG_HELP = ("flags: BASE = baseline cell; P-lat / P-mem = Pareto-optimal for accuracy vs p99 latency / vs "
             "peak memory (same batch); !acc / !lat / !mem = over the accuracy-drop / p99 / memory budget; "
             "Δ n.s. = inside the noise (95 % CIs overlap)")


def flags(r) -> str:
    out = []
    if r.is_baseline:
        out.append("BASE")
    if r.pareto_latency:
        out.append("P-lat")
    if r.pareto_memory:
        out.append("P-mem")
    out.extend({"accuracy": "!acc", "latency": "!lat", "memory": "!mem"}[v] for v in r.violations)
    return " ".join(out)


def has_power(rows) -> bool:
    return any(r.power_mw is not None or r.mj_per_inference is not None for r in rows)


def has_stages(rows) -> bool:
    return any(r.gpu_p50 is not None for r in rows)


def table_cells(rows) -> tuple[list[str], list[list[str]]]:
    power, stages = has_power(rows), has_stages(rows)
    headers = ["variant", "form", "prec", "backend", "batch", "top-1 % [95% CI]", "Δ top-1 pts",
               "agree fp32 %", "p50 ms", "p99 ms"]
    if stages:  # end-to-end p50 split as trtexec does: GPU compute, and the copies around it
        headers += ["GPU p50 ms", "H2D / D2H p50 ms"]
    headers += ["p50 ratio", "img/s", "model MB", "peak MB", "params", "MACs"]
    if power:
        headers += ["power mW", "mJ/inf"]
    headers.append("flags")
    body = []
    for r in rows:
        delta = fmt.signed(r.delta_top1_pts)
        if r.delta_top1_pts and not r.delta_significant:
            delta += " n.s."
        line = [r.variant, r.form, r.precision, r.backend, str(r.batch), fmt.top1_ci(r.top1, r.top1_ci), delta,
                "—" if r.agreement is None else f"{r.agreement * 100:.2f}", fmt.ms(r.p50), fmt.ms(r.p99)]
        if stages:
            line += [fmt.ms(r.gpu_p50), "—" if r.h2d_p50 is None else f"{fmt.ms(r.h2d_p50)} / {fmt.ms(r.d2h_p50)}"]
        line += ["—" if r.p50_ratio is None else f"{r.p50_ratio:.3f}", fmt.num(r.throughput, 0),
                fmt.num(r.model_mb, 2), fmt.num(r.peak_mb, 0), fmt.count(r.params), fmt.count(r.macs)]
        if power:
            line += [fmt.num(r.power_mw, 0), "—" if r.mj_per_inference is None else f"{r.mj_per_inference:.3g}"]
        line.append(flags(r))
        body.append(line)
    return headers, body


def cost_cells(sr) -> tuple[list[str], list[list[str]]]:
    energy = any(c.kwh_per_day is not None for c in sr.costs)
    headers = ["configuration (batch 1)", "p99 ms", "images/s per device", "stations per device",
               "devices needed", "headroom vs budget"]
    if energy:
        headers += ["kWh/day", "kWh/year"]
    body = []
    for c in sr.costs:
        line = [c.label, fmt.ms(c.p99_ms), str(c.capacity_ips), str(c.stations_per_device),
                "—" if c.devices_needed is None else str(c.devices_needed),
                "—" if c.headroom_pct is None else f"{c.headroom_pct:+.0f} %"]
        if energy:
            line += ["—" if c.kwh_per_day is None else f"{c.kwh_per_day:.3g}",
                     "—" if c.kwh_per_year is None else f"{c.kwh_per_year:.3g}"]
        body.append(line)
    return headers, body


def form_cells(sr) -> tuple[list[str], list[list[str]]]:
    headers = ["backend", "variant", "precision", "fastest exact form", "p50 ms", "runner-up", "p50 ms", "significant"]
    body = [[f.backend, f.variant, f.precision, f.form, fmt.ms(f.p50), f.runner_up or "—", fmt.ms(f.runner_up_p50),
             ("yes" if f.significant else "no (tie)") if f.runner_up else "—"] for f in sr.verdict.forms]
    return headers, body


def render_terminal(report, tablefmt: str = "simple") -> str:
    out = []
    for w in report.warnings:
        out.append(f"WARNING: {w}")
    for sr in report.sections:
        out.append("")
        out.append(f"== {sr.section.label} ==")
        headers, body = table_cells(sr.rows)
        out.append(tabulate(body, headers=headers, tablefmt=tablefmt, disable_numparse=True))
        out.append(FLAG_HELP)
        for line in forms_summary(sr.verdict.forms):
            out.append(f"recommended CReLU form — {line}")
        best_cost = next((c for c in sr.costs if sr.verdict.best_overall and c.label == sr.verdict.best_overall.row.label), None)
        if best_cost:
            out.append(f"cost ({demand_sentence(sr.policy)}): best deployable needs {best_cost.devices_needed} device(s), "
                       f"{best_cost.stations_per_device} station(s) per device")
        out.append(sr.verdict.best_overall_sentence)
        if len(report.sections) > 1:
            out.append(f"[{sr.section.label}] {sr.verdict.sentence}")
    out.append("")
    out.append(report.sentence)
    return "\n".join(out)
