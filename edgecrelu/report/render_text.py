"""The table as text: the terminal (tabulate, any --tablefmt) and the cells the Markdown reuses."""

from __future__ import annotations

from tabulate import tabulate

from edgecrelu.report import fmt
from edgecrelu.report.context import fallback_line, header_lines, latency_covered
from edgecrelu.report.cost import demand_sentence
from edgecrelu.report.formchoice import forms_summary

FLAG_HELP = ("a CReLU variant's cell (precision, batch, backend) is one row at its chosen form, the fastest exact "
             "form that breaks no budget (every form is in the forms section); runner-up = the next form and how "
             "much slower its p50 is, ≈ after it = the two trial ranges overlap; flags: BASE = baseline cell; "
             "P-lat / P-mem = Pareto-optimal for accuracy vs p99 latency / vs "
             "peak memory (same batch); !acc / !lat / !mem = over the accuracy-drop / p99 / memory budget; "
             "≈ after a p50 ratio = the trial spread covers it (its 95 % interval includes 1: no latency difference "
             "shown); Δ n.s. = accuracy difference inside the noise (paired 95 % interval includes 0); MACs and "
             "params are what the row's artifact executes, from its manifest entry or (params) counted in its ONNX "
             "file, BatchNorm folded (* = the variant's count: nothing known for that artifact)")
# Never folded into the line above the table, even when equal on every row.
KEEP = ("variant", "form", "runner-up", "p50 ms", "p99 ms", "p50 ratio", "flags")


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


def ratio_text(r) -> str:
    if r.p50_ratio is None:
        return "—"
    return f"{r.p50_ratio:.3f}" + (" ≈" if latency_covered(r) else "")


def ratio_ci_text(r) -> str:
    ci = r.p50_ratio_ci
    if ci is None:
        return "—"
    hi = "∞" if ci.hi == float("inf") else f"{ci.hi:.3f}"
    return f"{ci.lo:.3f}–{hi}"


def _count_text(value, source: str) -> str:
    return fmt.count(value) + ("*" if source == "variant" else "")


def runner_up_text(r) -> str:
    """The runner-up cell of a chosen row (``pm1 +3.1%``, ``pm1 +0.4% ≈``); ``—`` elsewhere."""
    return r.form_choice.runner_up_text() if r.chosen else "—"


def table_cells(rows) -> tuple[list[str], list[list[str]]]:
    """Decision columns first (latency, ratio, MACs, accuracy delta, flags), the detail after."""
    power, stages, choice = has_power(rows), has_stages(rows), any(r.form_choice for r in rows)
    # runner-up: only where some CReLU cell had its form chosen (a relu-only run has no choice to show)
    headers = ["variant", "form"] + (["runner-up"] if choice else []) + [
        "prec", "backend", "batch", "p50 ms", "p99 ms", "p50 ratio", "MACs", "Δ top-1 pts", "flags",
        "p50 ratio 95% CI", "top-1 % [95% CI]", "agree fp32 %"]
    if stages:  # end-to-end p50 split as trtexec does: GPU compute, and the copies around it
        headers += ["GPU p50 ms", "H2D / D2H p50 ms"]
    headers += ["img/s", "model MB", "peak MB", "params"]
    if power:
        headers += ["power mW", "mJ/inf"]
    body = []
    for r in rows:
        delta = fmt.signed(r.delta_top1_pts)
        if r.delta_top1_pts and not r.delta_significant:
            delta += " n.s."
        line = [r.variant, r.form] + ([runner_up_text(r)] if choice else []) + [
            r.precision, r.backend, str(r.batch), fmt.ms(r.p50), fmt.ms(r.p99), ratio_text(r),
            _count_text(r.macs, r.macs_source), delta, flags(r), ratio_ci_text(r),
            fmt.top1_ci(r.top1, r.top1_ci), "—" if r.agreement is None else f"{r.agreement * 100:.2f}"]
        if stages:
            line += [fmt.ms(r.gpu_p50), "—" if r.h2d_p50 is None else f"{fmt.ms(r.h2d_p50)} / {fmt.ms(r.d2h_p50)}"]
        line += [fmt.num(r.throughput, 0), fmt.num(r.model_mb, 2), fmt.num(r.peak_mb, 0),
                 _count_text(r.params, r.params_source)]
        if power:
            line += [fmt.num(r.power_mw, 0), "—" if r.mj_per_inference is None else f"{r.mj_per_inference:.3g}"]
        body.append(line)
    return headers, body


def collapse(headers, body, keep=KEEP) -> tuple[list[str], list[list[str]], list[str]]:
    """Columns with one value on every row (and more than one row) leave the table for a line above
    it: ``(headers, body, ["prec: fp32", ...])``."""
    if len(body) < 2:
        return headers, body, []
    same = [j for j, h in enumerate(headers) if h not in keep and len({line[j] for line in body}) == 1]
    constants = [f"{headers[j]}: {body[0][j]}" for j in same]
    cols = [j for j in range(len(headers)) if j not in same]
    return [headers[j] for j in cols], [[line[j] for j in cols] for line in body], constants


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


FORM_TEXT_COLS = ("backend", "variant", "precision", "chosen form", "runner-up", "significant", "every form, p50 ms")


def _every_form(f) -> str:
    """Every timed form of the cell, fastest first, with why a faster one was passed over."""
    why = {**{x: " (not exact)" for x in f.inexact}, **{x: " (breaks the policy)" for x in f.broken}}
    return " · ".join(f"{form} {fmt.ms(p50)}{why.get(form, '')}" for form, p50 in f.measured)


def form_cells(sr) -> tuple[list[str], list[list[str]]]:
    """One row per CReLU cell's form choice; a batch column where several batches were profiled."""
    forms = sr.verdict.forms
    several = len({f.batch for f in forms}) > 1
    headers = ["backend", "variant", "precision"] + (["batch"] if several else []) + [
        "chosen form", "p50 ms", "runner-up", "p50 ms", "margin", "significant", "every form, p50 ms"]
    body = []
    for f in forms:
        margin = "—" if f.margin is None else f"{f.margin * 100:+.1f}%"
        body.append([f.backend, f.variant, f.precision] + ([str(f.batch)] if several else []) + [
            f.form, fmt.ms(f.p50), f.runner_up or "—", fmt.ms(f.runner_up_p50), margin,
            ("yes" if f.significant else "no (tie)") if f.runner_up else "—", _every_form(f)])
    return headers, body


def render_terminal(report, tablefmt: str = "simple") -> str:
    out = []
    for w in report.warnings:
        out.append(f"WARNING: {w}")
    for sr in report.sections:
        out.append("")
        out.append(f"== {sr.section.label} ==")
        headers, body, same = collapse(*table_cells(sr.table_rows))
        if same:
            out.append("same on every row: " + "; ".join(same))
        out.append(tabulate(body, headers=headers, tablefmt=tablefmt, disable_numparse=True))
        out.append(FLAG_HELP)
        for line in forms_summary(sr.verdict.forms):
            out.append(f"recommended CReLU form — {line}")
        best_cost = next((c for c in sr.costs if sr.verdict.best_overall and c.label == sr.verdict.best_overall.row.label), None)
        if best_cost:
            out.append(f"cost ({demand_sentence(sr.policy)}): best deployable needs {best_cost.devices_needed} device(s), "
                       f"{best_cost.stations_per_device} station(s) per device")
        out.append(sr.verdict.best_overall_sentence)
        fallback = fallback_line(sr.rows)
        if fallback:
            out.append(("" if len(report.sections) == 1 else f"[{sr.section.label}] ") + fallback)
        if len(report.sections) > 1:
            out.append(f"[{sr.section.label}] {sr.verdict.sentence}")
        if sr.verdict.decide_line:
            out.append(("" if len(report.sections) == 1 else f"[{sr.section.label}] ") + sr.verdict.decide_line)
    out.append("")
    lines = header_lines(report)
    out += [lines["data"], lines["noise"]] + ([lines["accuracy"]] if lines["accuracy"] else [])
    for sr in report.sections:  # how the latency was measured and why it stopped
        stop = next((m for m in sr.verdict.measurement if m.startswith("Stopped:")), None)
        if stop:
            out.append(("" if len(report.sections) == 1 else f"[{sr.section.label}] ") + stop)
    out.append(report.sentence)
    out.append("In short: " + lines["plain"])
    return "\n".join(out)
