"""The trade-off table: one row per cell (a CReLU cell at its chosen form, with the runner-up), decision
columns first; columns equal on every row are said once in a line above it. The terminal prints the
same table (``render_text``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from edgecrelu.report import fmt
from edgecrelu.report.blocks import Column, Heading, Paragraph, Table
from edgecrelu.report.context import latency_covered

if TYPE_CHECKING:
    from edgecrelu.report.blocks import Block
    from edgecrelu.report.model import Report, SectionReport
    from edgecrelu.report.rows import Row

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


def flags(r: Row) -> str:
    out = []
    if r.is_baseline:
        out.append("BASE")
    if r.pareto_latency:
        out.append("P-lat")
    if r.pareto_memory:
        out.append("P-mem")
    out.extend({"accuracy": "!acc", "latency": "!lat", "memory": "!mem", "class_recall": "!cls",
                "robustness": "!rob"}[v] for v in r.violations)
    return " ".join(out)


def ratio_text(r: Row) -> str:
    if r.p50_ratio is None:
        return "—"
    return f"{r.p50_ratio:.3f}" + (" ≈" if latency_covered(r) else "")


def ratio_ci_text(r: Row) -> str:
    ci = r.p50_ratio_ci
    if ci is None:
        return "—"
    hi = "∞" if ci.hi == float("inf") else f"{ci.hi:.3f}"
    return f"{ci.lo:.3f}–{hi}"


def _count_text(value, source: str) -> str:
    return fmt.count(value) + ("*" if source == "variant" else "")


def _delta_text(r) -> str:
    delta = fmt.signed(r.delta_top1_pts)
    return delta + " n.s." if r.delta_top1_pts and not r.delta_significant else delta


def runner_up_text(r: Row) -> str:
    """The runner-up cell of a chosen row (``pm1 +3.1%``, ``pm1 +0.4% ≈``); ``—`` elsewhere."""
    return r.form_choice.runner_up_text() if r.chosen and r.form_choice is not None else "—"


def _text(name: str, **kw) -> Column:
    return Column(name, text=True, **kw)


def table(rows: list[Row]) -> Table:
    """Decision columns first (latency, ratio, MACs, accuracy delta, flags), the detail after; the
    baseline row and rows that break a budget are marked (HTML classes ``base``, ``viol``)."""
    # runner-up: only where some CReLU cell had its form chosen (a relu-only run has no choice to show)
    choice = any(r.form_choice for r in rows)
    spec = [(_text("variant"), lambda r: r.variant), (_text("form"), lambda r: r.form)]
    if choice:  # "pm1 +3.1% ≈" may take two lines
        spec.append((_text("runner-up", wrap=True), runner_up_text))
    spec += [
        (_text("prec"), lambda r: r.precision), (_text("backend"), lambda r: r.backend),
        (Column("batch"), lambda r: str(r.batch)), (Column("p50 ms"), lambda r: fmt.ms(r.p50)),
        (Column("p99 ms"), lambda r: fmt.ms(r.p99)), (Column("p50 ratio"), ratio_text),
        (Column("MACs"), lambda r: _count_text(r.macs, r.macs_source)), (Column("Δ top-1 pts"), _delta_text),
        (_text("flags", css="flags"), flags), (Column("p50 ratio 95% CI"), ratio_ci_text),
        (Column("top-1 % [95% CI]"), lambda r: fmt.top1_ci(r.top1, r.top1_ci)),
        (Column("agree fp32 %"), lambda r: "—" if r.agreement is None else f"{r.agreement * 100:.2f}"),
    ]
    if any(r.gpu_p50 is not None for r in rows):  # end-to-end p50 split as trtexec does: GPU compute, copies
        spec += [(Column("GPU p50 ms"), lambda r: fmt.ms(r.gpu_p50)),
                 (Column("H2D / D2H p50 ms"),
                  lambda r: "—" if r.h2d_p50 is None else f"{fmt.ms(r.h2d_p50)} / {fmt.ms(r.d2h_p50)}")]
    spec += [(Column("img/s"), lambda r: fmt.num(r.throughput, 0)),
             (Column("model MB"), lambda r: fmt.num(r.model_mb, 2)), (Column("peak MB"), lambda r: fmt.num(r.peak_mb, 0)),
             (Column("params"), lambda r: _count_text(r.params, r.params_source))]
    if any(r.power_mw is not None or r.mj_per_inference is not None for r in rows):
        spec += [(Column("power mW"), lambda r: fmt.num(r.power_mw, 0)),
                 (Column("mJ/inf"), lambda r: "—" if r.mj_per_inference is None else f"{r.mj_per_inference:.3g}")]
    row_css = ["base" if r.is_baseline else ("viol" if r.violations else "") for r in rows]
    return Table.of(rows, spec, row_css=row_css, css="tradeoff")


def blocks(sr: SectionReport, report: Report) -> list[Block]:
    t, same = table(sr.table_rows).collapse(KEEP)
    head = [Paragraph(f"Same on every row: {'; '.join(same)}.", css="same")] if same else []
    return [Heading("Trade-off table"), *head, t, Paragraph(flag_help(sr), note=True)]


def flag_help(sr: SectionReport) -> str:
    """The flags' legend; "!cls" only where the policy budgets a class's recall."""
    if not sr.policy.class_recall_budget:
        return FLAG_HELP
    return FLAG_HELP.replace("p99 / memory budget;", "p99 / memory budget, !cls = over a class's recall budget;")
