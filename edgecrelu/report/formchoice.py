"""Which form stands for a CReLU cell: the fastest exact form, its runner-up and the margin.

A CReLU variant is measured once per form in every (variant, precision, batch, backend) cell; the
trade-off table shows the cell as one row, the chosen form's, and the verdict judges the variant at
that form (README "Forms"). Every form's numbers stay in the forms section, results.csv and
report.json.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from edgecrelu import stats

if TYPE_CHECKING:
    from edgecrelu.report.rows import Row

EXACT_TOL = 1e-3  # an fp32 form whose logits differ more than this from the reference is not exact


@dataclass
class FormChoice:
    """The form chosen for one CReLU cell (backend, variant, precision, batch), by p50."""

    backend: str
    variant: str
    precision: str
    form: str
    p50: float
    runner_up: str | None = None
    runner_up_p50: float | None = None
    significant: bool = True  # False: the runner-up is inside the trial-to-trial spread
    inexact: list = field(default_factory=list)  # forms left out because fp32 logits differ
    batch: int = 1
    broken: list = field(default_factory=list)  # forms left out: they break a constraint another form meets
    measured: list = field(default_factory=list)  # [form, p50 ms] of every timed form, fastest first

    @property
    def margin(self) -> float | None:
        """How much slower the runner-up's p50 is, as a fraction of the chosen form's."""
        if not self.runner_up or not self.p50 or self.runner_up_p50 is None:
            return None
        return self.runner_up_p50 / self.p50 - 1

    def runner_up_text(self) -> str:
        """``pm1 +3.1%``, or ``pm1 +0.4% ≈`` when the two are inside the trial spread; ``—`` alone."""
        if not self.runner_up:
            return "—"
        m = self.margin
        text = self.runner_up + ("" if m is None else f" {m * 100:+.1f}%")
        return text if self.significant else text + " ≈"


def _speed(r) -> float:
    """What the forms are ranked by: the paired ratio to the baseline where the rows were timed in
    paired rounds (one sequence: comparable), else the p50."""
    return r.p50_ratio if isinstance(r.p50_ratio_ci, stats.PairedRatioCI) else r.p50


def cell_of(r: Row) -> tuple[str, str, str, int]:
    return (r.backend, r.variant, r.precision, r.batch)


def choose_forms(rows: list) -> list[FormChoice]:
    """Choose a form for every CReLU cell and mark its rows (``row.form_choice``), in place.

    The choice is the fastest exact form by p50 among the forms shown to break no constraint of the
    policy (the rows' ``violations``, so :func:`edgecrelu.report.rows.annotate` runs first); when
    every exact form breaks one, the fastest exact form. The runner-up is the next in that order, and
    the two differ significantly only when their trial ranges do not overlap.
    """
    crelu = [r for r in rows if r.is_crelu]
    inexact = {
        (r.backend, r.variant, r.form) for r in crelu
        if r.precision == "fp32" and r.max_abs_diff is not None and r.max_abs_diff > EXACT_TOL
    }
    out = []
    for key in sorted({cell_of(r) for r in crelu}):
        group = [r for r in crelu if cell_of(r) == key]
        timed = sorted((r for r in group if r.p50 is not None), key=lambda r: (_speed(r), r.form))
        exact = [r for r in timed if (r.backend, r.variant, r.form) not in inexact]
        if not exact:
            continue
        meets = [r for r in exact if not r.violations]
        pool = meets or exact
        best = pool[0]
        choice = FormChoice(
            key[0], key[1], key[2], best.form, best.p50, batch=key[3],
            inexact=sorted({r.form for r in group if (r.backend, r.variant, r.form) in inexact}),
            broken=sorted({r.form for r in exact if r.violations}) if meets else [],
            measured=[[r.form, r.p50] for r in timed],
        )
        if len(pool) > 1:
            second = pool[1]
            choice.runner_up, choice.runner_up_p50 = second.form, second.p50
            paired = stats.paired_ratio(best.record, second.record, "p50")
            if paired is not None:  # the two forms' own contrast, from the same rounds
                choice.significant = paired.lo > 1.0
                choice.runner_up_p50 = best.p50 * paired.ratio  # the margin is the paired estimate
            else:
                choice.significant = bool(best.p50_range and second.p50_range
                                          and best.p50_range[1] < second.p50_range[0])
        for r in group:
            r.form_choice = choice
        out.append(choice)
    return out


def _margin(f: FormChoice) -> str:
    """``", 12% ahead of pm1"`` or ``" ~ pm1, not significant"`` (inside the trial-to-trial noise)."""
    if not f.runner_up:
        return ""
    ahead = f", {f.margin:.0%} ahead of {f.runner_up}" if f.margin is not None else ""
    return ahead if f.significant else f" ~ {f.runner_up}, not significant"


def forms_summary(forms: list[FormChoice]) -> list[str]:
    """One line per backend: ``onnxruntime: crelu-half@4 -> folded (fp32; int8); graph (fp16)``; with
    several batches each precision names its batch (``fp32 b32``)."""
    several = len({f.batch for f in forms}) > 1
    lines = []
    for backend in sorted({f.backend for f in forms}):
        parts = []
        for variant in sorted({f.variant for f in forms if f.backend == backend}):
            by_form: dict[str, list[str]] = {}
            for f in forms:
                if f.backend == backend and f.variant == variant:
                    tag = f.precision + (f" b{f.batch}" if several else "") + _margin(f)
                    by_form.setdefault(f.form, []).append(tag)
            parts.append(f"{variant} → " + "; ".join(f"{form} ({'; '.join(p)})" for form, p in by_form.items()))
        lines.append(f"{backend}: " + " | ".join(parts))
    return lines
