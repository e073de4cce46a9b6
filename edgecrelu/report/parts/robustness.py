"""Robustness: top-1 of each configuration the trade-off table shows on the bundle's shifted eval sets
(``export --shifts``, scored by ``profile`` through each deployed artifact), the paired difference to
the baseline on the same shifted images, accuracy against severity, the shift each configuration is
weakest under, and ``decision.robustness_budget``. Records without shifted scores leave it out."""

from __future__ import annotations

from typing import TYPE_CHECKING

from edgecrelu import stats
from edgecrelu.report import robustness as rb
from edgecrelu.report.blocks import BulletList, Column, Figure, Heading, Paragraph, Table
from edgecrelu.report.robustness_svg import accuracy_vs_severity

if TYPE_CHECKING:
    from edgecrelu.report.blocks import Block
    from edgecrelu.report.model import Report, SectionReport
    from edgecrelu.report.rows import Row


def configurations(sr: SectionReport) -> list[Row]:
    """The trade-off table's configurations that carry shifted scores, once each (smallest batch),
    the baseline first."""
    out: dict[tuple, Row] = {}
    for r in sorted(sr.table_rows, key=lambda r: (not r.is_baseline, r.batch)):
        if rb.scores(r.record) and r.config not in out:
            out[r.config] = r
    return list(out.values())


def name_of(r: Row, several_backends: bool) -> str:
    return f"{r.variant} {r.form} {r.precision}" + (f" {r.backend}" if several_backends else "")


def _params(p: dict | None) -> str:
    hidden = {"seed", "rng", "sigma_frac", "frac"}  # said by the pixel values beside them
    shown = {k: v for k, v in (p or {}).items() if k not in hidden}
    return ", ".join(f"{k} {v:g}" if isinstance(v, (int, float)) else f"{k} {v}" for k, v in shown.items()) or "—"


def _ci(ci: stats.AccuracyCI | None) -> str:
    return "—" if ci is None else f"{ci.diff_pts:+.1f} [{ci.lo:+.1f}, {ci.hi:+.1f}]"


def weakest_sentence(name: str, record: dict) -> str | None:
    found = rb.weakest(record)
    if found is None:
        return None
    s, clean = found
    if clean is None:
        return f"{name} is weakest under {s.name} (severity {s.severity}): top-1 {s.top1 * 100:.1f} %."
    return (f"{name} is weakest under {s.name} (severity {s.severity}): top-1 {clean * 100:.1f} % → "
            f"{s.top1 * 100:.1f} % ({(s.top1 - clean) * 100:+.1f} points on the same {s.n} images).")


def plot_lines(named: list[tuple[str, Row]]) -> list[tuple[str, list[tuple[int, float]]]]:
    out = []
    for name, r in named:
        sc = list(rb.scores(r.record).values())
        levels = {s.severity for s in sc}
        full = {name for name in {s.name for s in sc}  # shifts measured at every severity (not invert's one)
                if {s.severity for s in sc if s.name == name} == levels}
        per: dict[int, list[float]] = {}
        for s in sc:
            if s.name in full:
                per.setdefault(s.severity, []).append(s.top1 * 100)
        line = [(sev, sum(v) / len(v)) for sev, v in sorted(per.items())]
        n = max((s.n for s in sc), default=0)
        clean = rb.clean_top1(r.record, n)
        if clean is not None and line:
            line = [(0, clean * 100)] + line
        out.append((name, line))
    return out


def budget_lines(sr: SectionReport, named: list[tuple[str, Row]]) -> list[str]:
    p = sr.policy
    if p.robustness_budget is None:
        return []
    out = []
    for name, r in named:
        if r.config == sr.baseline.config:
            continue
        broken, unclear = rb.budget_status(r.robustness_cis, p.robustness_budget)
        worst = rb.worst_check(r.robustness_cis)
        status = "broken" if broken else "unclear" if unclear else "met" if r.robustness_cis else "not checked"
        at = (f"; lowest: {worst[0]} {worst[1].diff_pts:+.2f} points (95 % interval {worst[1].lo:+.2f} to "
              f"{worst[1].hi:+.2f})" if worst else "")
        out.append(f"{name}: {status}{at}")
    return out


def blocks(sr: SectionReport, report: Report) -> list[Block]:
    rows = configurations(sr)
    if not rows:
        return []
    several = len({r.backend for r in rows}) > 1
    named = [(name_of(r, several), r) for r in rows]
    keys: dict[str, rb.Score] = {}
    for _, r in named:
        for k, s in rb.scores(r.record).items():
            keys.setdefault(k, s)
    names = list(dict.fromkeys(s.name for s in keys.values()))  # the bundle's order of shifts
    order = sorted(keys.values(), key=lambda s: (names.index(s.name), s.severity))
    params: dict[str, dict | None] = {}
    for _, r in named:
        for e in r.record.get("shifts") or []:
            params.setdefault(f"{e.get('name')}@{e.get('severity')}", e.get("params"))
    n = max(s.n for s in keys.values())
    top1 = Table([Column("shift", text=True), Column("severity"), Column("parameters", text=True, wrap=True)]
                 + [Column(f"{name} top-1 %") for name, _ in named],
                 [["unshifted", "0", f"the same {n} images"]
                  + [("—" if c is None else f"{c * 100:.1f}") for _, r in named for c in [rb.clean_top1(r.record, n)]]]
                 + [[s.name, str(s.severity), _params(params.get(s.key))]
                    + [("—" if k is None else f"{k.top1 * 100:.1f}")
                       for _, r in named for k in [rb.scores(r.record).get(s.key)]] for s in order])
    base = sr.baseline
    others = [(name, r) for name, r in named if r.config != base.config]
    out: list[Block] = [
        Heading("Robustness under shifted conditions"),
        Paragraph(f"Top-1 on the first {n} eval images under each shift of the bundle (`export --shifts`: light, "
                  "polarity, blur, noise, position), through each deployed artifact; unshifted = the same images as "
                  "they are."),
        top1,
    ]
    if others and rb.scores(base.record):
        cis = {r.config: rb.vs_baseline(base.record, r.record) for _, r in others}
        out += [Paragraph(f"Top-1 difference to the baseline {base.label} under each shift, points, with its 95 % "
                          "interval (paired over the same shifted images):"),
                Table([Column("shift", text=True), Column("severity")] + [Column(f"{name} Δ", text=True) for name, _ in others],
                      [[s.name, str(s.severity)] + [_ci(cis[r.config].get(s.key)) for _, r in others] for s in order])]
    out.append(Figure([accuracy_vs_severity(plot_lines(named))]))
    sentences = [t for name, r in named for t in [weakest_sentence(name, r.record)] if t]
    if sentences:
        out.append(BulletList(sentences, lead="Weakest shift per configuration (largest drop from its unshifted top-1):"))
    lines = budget_lines(sr, named)
    if lines:
        out.append(BulletList(lines, lead=f"Robustness budget (decision.robustness_budget: at most "
                                          f"{sr.policy.robustness_budget:g} points below the baseline under any shift "
                                          f"at severity {sr.policy.robustness_severity}):"))
    return out
