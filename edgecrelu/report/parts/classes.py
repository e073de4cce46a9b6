"""Per-class results of the configurations the verdict quotes (the baseline, the best CReLU and ReLU
configurations, the best deployable one): recall and precision per class, the budgeted classes'
recall against the baseline, and the best CReLU configuration's confusion matrix, all through the
deployed artifact (``accuracy.confusion`` of its record). Records without per-class results (made
before them) leave this part out."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from edgecrelu import stats
from edgecrelu.report.blocks import BulletList, Column, Heading, Paragraph, Table
from edgecrelu.report.classes import ClassStats, class_stats
from edgecrelu.report.rows import Row

if TYPE_CHECKING:
    from edgecrelu.report.blocks import Block
    from edgecrelu.report.model import Report, SectionReport

MAX_MATRIX = 12  # classes up to which the confusion matrix is drawn; past it, the most frequent confusions
MOST_CONFUSED = 10


def chosen(sr: SectionReport) -> list[tuple[str, Row]]:
    """(role, row) of each configuration the verdict quotes, once each: a configuration in several
    roles is named by the first ("best CReLU", then "best ReLU", "best deployable", "baseline")."""
    v = sr.verdict
    quoted = [(role, cand.row) for role, cand in (("best CReLU", v.best_crelu), ("best ReLU", v.best_relu),
                                                  ("best deployable", v.best_overall)) if cand is not None]
    out: list[tuple[str, Row]] = []
    for role, row in quoted + [("baseline", sr.baseline)]:
        if all(row.config != r.config for _, r in out):
            out.append((role, row))
    return out


def roles_of(sr: SectionReport, row: Row) -> str:
    """Every role of ``row``'s configuration: "best CReLU, best deployable"."""
    v = sr.verdict
    named = [(role, cand.row if cand is not None else None)
             for role, cand in (("best CReLU", v.best_crelu), ("best ReLU", v.best_relu),
                                ("best deployable", v.best_overall))] + [("baseline", sr.baseline)]
    return ", ".join(role for role, r in named if r is not None and r.config == row.config)


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{x * 100:.1f}"


def per_class_table(picked: list[tuple[str, Row, ClassStats]]) -> Table:
    names, support = picked[0][2].names, picked[0][2].support
    cols = [Column("class", text=True), Column("images")]
    for role, _, _ in picked:
        cols += [Column(f"{role} recall %"), Column(f"{role} precision %")]
    rows = []
    for c, name in enumerate(names):
        line = [name, str(int(support[c]))]
        for _, _, st in picked:
            line += [_pct(st.recall[c]), _pct(st.precision[c])]
        rows.append(line)
    return Table(cols, rows)


def confusion_blocks(role: str, row: Row, st: ClassStats) -> list[Block]:
    lead = f"Confusion matrix of the {role} configuration, {row.label} (rows: true class, columns: predicted)"
    if len(st.names) <= MAX_MATRIX:
        cols = [Column("true \\ predicted", text=True)] + [Column(n) for n in st.names]
        return [Paragraph(lead + ":"),
                Table(cols, [[n] + [str(int(x)) for x in st.confusion[i]] for i, n in enumerate(st.names)])]
    off = st.confusion.copy()
    np.fill_diagonal(off, 0)
    flat = [(int(off[i, j]), i, j) for i, j in zip(*np.nonzero(off), strict=False)]
    top = sorted(flat, key=lambda t: (-t[0], t[1], t[2]))[:MOST_CONFUSED]
    items = [f"{st.names[i]} taken for {st.names[j]}: {k} of {int(st.support[i])} images" for k, i, j in top]
    return [BulletList(items or ["no image is confused"],
                       lead=f"{lead}: the {len(st.names)} classes are too many to draw; the most frequent confusions:")]


def budget_lines(sr: SectionReport, rows: list[tuple[str, Row]]) -> list[str]:
    """Each budgeted class's recall against the baseline, per non-baseline chosen configuration."""
    budget = sr.policy.class_recall_budget or {}
    out = []
    for role, row in rows:
        if row.config == sr.baseline.config:
            continue
        for name, limit in budget.items():
            ci = row.class_cis.get(name)
            if ci is None:
                out.append(f"{name}, {role}: not compared (the records carry no per-class results for it)")
                continue
            status = {"pass": "met", "fail": "broken", "unclear": "unclear"}[stats.non_inferiority(ci, limit)]
            out.append(f"{name}, {role}: recall {ci.diff_pts:+.2f} points vs the baseline (95 % interval "
                       f"{ci.lo:+.2f} to {ci.hi:+.2f}, {'paired' if ci.paired else 'unpaired'} over {ci.n} images "
                       f"of the class); budget {limit:g} points: {status}")
    return out


def top5_line(rows: list[tuple[str, Row]]) -> str | None:
    """Top-5 accuracy, only where it says something (more than 5 classes: records leave it out below)."""
    vals = [(role, float(v)) for role, row in rows
            for v in [(row.record.get("accuracy") or {}).get("top5")] if v is not None]
    if not vals:
        return None
    return "Top-5: " + "; ".join(f"{role} {v * 100:.2f} %" for role, v in vals) + "."


def blocks(sr: SectionReport, report: Report) -> list[Block]:
    rows = chosen(sr)
    picked = [(role, row, st) for role, row in rows for st in [class_stats(row.record)] if st is not None]
    if picked:  # every record of a section shares the eval set: one class list
        shape = picked[0][2].confusion.shape
        picked = [p for p in picked if p[2].confusion.shape == shape]
    lines = budget_lines(sr, rows)
    if not picked and not lines:
        return []
    out: list = [Heading("Per-class results")]
    if picked:
        out += [Paragraph(f"Recall and precision per class on the eval set ({int(picked[0][2].support.sum()):,} "
                          "images), through each deployed artifact; a missed class can matter more than top-1."),
                BulletList([f"{roles_of(sr, row)}: {row.label}" for _, row, _ in picked], inline=True, css="small"),
                per_class_table(picked)]
    if lines:
        out.append(BulletList(lines, lead="Class recall budgets (decision.class_recall_budget):"))
    top5 = top5_line(rows)
    if top5 and picked and len(picked[0][2].names) > 5:
        out.append(Paragraph(top5, note=True))
    if picked:
        role, row, st = picked[0]
        out += confusion_blocks(role, row, st)
    return out
