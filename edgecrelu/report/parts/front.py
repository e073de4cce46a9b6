"""The accuracy-cost front per backend and precision: top-1 against the decision's objective (and peak
memory), the Pareto front with intervals (``pareto.interval_front``: a point leaves it only when
another is shown better on both axes) and one sentence on whether the CReLU points extend the
ReLU-only front, and where.

Shown where the section holds an equal-cost ReLU control (relu-half@K, relu-w@K) or a distilled
model (a sweep's points, ``edgecrelu sweep``); other reports are unchanged.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from edgecrelu.objectives import OBJECTIVES, Objective
from edgecrelu.report import fmt, svg
from edgecrelu.report.blocks import Column, Figure, Heading, Paragraph, Table
from edgecrelu.report.decision import candidate
from edgecrelu.report.markup import e as _e
from edgecrelu.report.pareto import FrontPoint, extension, interval_front
from edgecrelu.report.rows import Row, table_rows
from edgecrelu.variant import CONTROL_KINDS, is_distilled

if TYPE_CHECKING:
    from edgecrelu.report.blocks import Block
    from edgecrelu.report.model import Report, SectionReport


def distilled(r: Row) -> bool:
    """The row's model was trained on a teacher's logits (a ``+kd`` variant, or ``train --distill-from``)."""
    train = ((r.record.get("bundle") or {}).get("train") or {})
    return is_distilled(r.variant) or (isinstance(train, dict) and isinstance(train.get("distill"), dict))


def label(r: Row) -> str:
    return r.variant + (" distilled" if distilled(r) and not is_distilled(r.variant) else "")


def _configs(rows: list[Row]) -> dict[tuple, list[Row]]:
    out: dict[tuple, list[Row]] = {}
    for r in table_rows(rows):
        key = (r.variant, distilled(r), r.precision, r.backend) if r.chosen and not r.is_baseline else \
            (*r.config, distilled(r))
        out.setdefault(key, []).append(r)
    return out


def points(rows: list[Row], obj: Objective) -> dict[tuple[str, str], list[tuple[FrontPoint, Row]]]:
    """(backend, precision) -> the configurations as points: top-1 % with its Wilson interval against
    the objective's value with its spread (lower is better; a higher-is-better objective negated)."""
    sign = 1.0 if obj.lower_is_better else -1.0
    out: dict[tuple[str, str], list[tuple[FrontPoint, Row]]] = {}
    for rs in _configs(rows).values():
        c = candidate(rs, obj)
        top1 = c.row.top1 if c is not None else None
        if c is None or c.value is None or top1 is None:
            continue
        r = c.row
        acc_ci = (r.top1_ci[0] * 100, r.top1_ci[1] * 100) if r.top1_ci else None
        spread = tuple(sorted(sign * v for v in c.spread)) if c.spread else None
        p = FrontPoint(label(r), r.is_crelu, top1 * 100, sign * c.value, acc_ci,
                       (spread[0], spread[1]) if spread else None)
        out.setdefault((r.backend, r.precision), []).append((p, r))
    return out


def memory_points(pts: list[tuple[FrontPoint, Row]]) -> list[tuple[FrontPoint, Row]]:
    """The same configurations against peak memory (one reading per cell: no interval)."""
    return [(FrontPoint(p.label, p.crelu, p.acc, float(r.peak_mb), p.acc_ci, None), r) for p, r in pts
            if r.peak_mb is not None]


def sentence(pts: list[FrontPoint], what: str) -> str:
    """One sentence: do the CReLU points extend the ReLU-only front (and where)?"""
    ext = extension(pts)
    if ext.verdict == "extends":
        where = "; ".join(f"{p} {w}" for p, w in zip(ext.points, ext.where, strict=False))
        return (f"On {what}, the CReLU points extend the ReLU-only front: {where} (every ReLU point is shown worse "
                "on at least one axis, 95 % intervals).")
    if ext.verdict == "not shown":
        pairs = ", ".join(f"{p} (not shown better than {b} on either axis)" for p, b in zip(ext.points, ext.by, strict=False))
        return (f"On {what}, the CReLU points are not shown to extend the ReLU-only front: {pairs} "
                f"{'stays' if len(ext.points) == 1 else 'stay'} on the front only because no ReLU point is shown "
                "better on both axes.")
    if ext.verdict == "no":
        pairs = ", ".join(f"{p} by {b}" for p, b in zip(ext.points, ext.by, strict=False))
        return (f"On {what}, the CReLU points do not extend the ReLU-only front: each is shown worse on both "
                f"axes ({pairs}).")
    return f"On {what}, there {'are no CReLU' if ext.verdict == 'no crelu' else 'are no ReLU'} points to compare."


def plot(pts: list[FrontPoint], flags: list[bool], xlabel: str, title: str, negate: bool = False) -> str:
    """Top-1 against the cost, 95 % intervals as whiskers, the front as a step line (labelled points)."""
    if not pts:
        return svg._empty(title)
    s = -1.0 if negate else 1.0
    xs = [v * s for p in pts for v in ((p.cost_ci or (p.cost, p.cost)) + (p.cost,))]
    ys = [v for p in pts for v in ((p.acc_ci or (p.acc, p.acc)) + (p.acc,))]
    xpad = max((max(xs) - min(xs)) * 0.15, abs(max(xs)) * 0.05, 1e-9)
    ypad = max(0.25, (max(ys) - min(ys)) * 0.15)
    ax = svg._Axes(max(0.0, min(xs) - xpad), max(xs) + xpad, max(0.0, min(ys) - ypad), min(100.0, max(ys) + ypad))
    body = ax.frame(xlabel, "top-1 accuracy, % (95 % interval)")
    front = sorted((p for p, f in zip(pts, flags, strict=False) if f), key=lambda p: p.cost)
    if front:
        path, last = [], 0.0
        for i, p in enumerate(front):
            x, y = ax.x(p.cost * s), ax.y(p.acc)
            if i:
                path.append(f"{x:.1f},{last:.1f}")
            path.append(f"{x:.1f},{y:.1f}")
            last = y
        body.append(f'<polyline points="{" ".join(path)}" class="front"/>')
    for p, f in zip(pts, flags, strict=False):
        x, y = ax.x(p.cost * s), ax.y(p.acc)
        colour = svg.color("crelu-half" if p.crelu else "relu")
        if p.acc_ci:
            body.append(f'<line x1="{x:.1f}" y1="{ax.y(p.acc_ci[0]):.1f}" x2="{x:.1f}" y2="{ax.y(p.acc_ci[1]):.1f}" '
                        f'stroke="{colour}"/>')
        if p.cost_ci:
            body.append(f'<line x1="{ax.x(p.cost_ci[0] * s):.1f}" y1="{y:.1f}" x2="{ax.x(p.cost_ci[1] * s):.1f}" '
                        f'y2="{y:.1f}" stroke="{colour}"/>')
        body.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="5" fill="{colour}" class="{"front-pt" if f else "pt"}">'
                    f'<title>{_e(p.label)}: {p.cost * s:.4g}, top-1 {p.acc:.2f} %</title></circle>')
        if f:
            lx, anchor = svg._label_x(x, p.label)
            body.append(f'<text x="{lx:.1f}" y="{y - 7:.1f}" text-anchor="{anchor}" class="lbl">{_e(p.label)}</text>')
    body.append(f'<text x="{svg.ML + 4}" y="{svg.H - svg.MB_ - 6}" class="note">dashed: the front with intervals '
                "(labelled); orange-green: CReLU, blue: ReLU</text>")
    return svg._svg(title, body)


def _cost_words(p: FrontPoint, obj: Objective) -> str:
    s = 1.0 if obj.lower_is_better else -1.0
    v = fmt.ms(p.cost * s) if obj.unit == "ms" else f"{p.cost * s:.4g}"
    if p.cost_ci is None:
        return v
    lo, hi = sorted((p.cost_ci[0] * s, p.cost_ci[1] * s))
    return f"{v} ({fmt.ms(lo) if obj.unit == 'ms' else f'{lo:.4g}'}–{fmt.ms(hi) if obj.unit == 'ms' else f'{hi:.4g}'})"


def shown(sr: SectionReport) -> bool:
    """The part speaks only where the section holds a control or a distilled model."""
    return any(r.kind in CONTROL_KINDS or distilled(r) for r in sr.rows)


def blocks(sr: SectionReport, report: Report) -> list[Block]:
    if not shown(sr):
        return []
    obj = OBJECTIVES[sr.policy.objective]
    out: list = [Heading("Accuracy–cost front")]
    for (backend, precision), group in sorted(points(sr.rows, obj).items()):
        pts = [p for p, _ in group]
        flags = interval_front(pts)
        mem = memory_points(group)
        mem_pts = [p for p, _ in mem]
        mem_flags = interval_front(mem_pts)
        out.append(Paragraph(sentence(pts, obj.title), lead=f"{backend}, {precision}:"))
        if mem_pts:
            out.append(Paragraph(sentence(mem_pts, "peak memory")))
        on_mem = {p.label: f for p, f in zip(mem_pts, mem_flags, strict=False)}

        def mem_word(x: tuple, on_mem: dict = on_mem) -> str:  # bound now: the table is built in this iteration
            return "—" if x[0].label not in on_mem else "yes" if on_mem[x[0].label] else "no"
        spec = [(Column("configuration", text=True), lambda x: x[0].label),
                (Column("top-1 % (95 % interval)", text=True),
                 lambda x: f"{x[0].acc:.2f}" + (f" ({x[0].acc_ci[0]:.2f}–{x[0].acc_ci[1]:.2f})" if x[0].acc_ci else "")),
                (Column(f"{obj.title} ({obj.unit})", text=True), lambda x: _cost_words(x[0], obj)),
                (Column("MACs"), lambda x: f"{x[2].macs / 1e6:.3g} M" if x[2].macs else "—"),
                (Column("on the front", text=True), lambda x: "yes" if x[1] else "no"),
                (Column("on the memory front", text=True),
                 mem_word)]
        items = sorted(zip(pts, flags, [r for _, r in group], strict=False), key=lambda x: x[0].cost)
        out.append(Table.of(items, spec))
        out.append(Figure([plot(pts, flags, f"{obj.title}, {obj.unit}", f"Top-1 vs {obj.title}: {backend} {precision}",
                                negate=not obj.lower_is_better),
                           plot(mem_pts, mem_flags, "peak memory, MB", f"Top-1 vs peak memory: {backend} {precision}")]))
    return out
