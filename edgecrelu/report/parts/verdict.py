"""The section's verdict sentence and the best deployable configuration.

With one section the page's verdict box already says it: the section does not repeat the box, only
what follows it. With several, each section boxes its own verdict and states its own noise.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from edgecrelu.report.blocks import Details, Paragraph, Verdict
from edgecrelu.report.context import accuracy_line, fallback_line, noise_of
from edgecrelu.report.decision import RULES

if TYPE_CHECKING:
    from edgecrelu.report.blocks import Block
    from edgecrelu.report.model import Report, SectionReport


def _extra(sr, report) -> list[str]:
    vd, out = sr.verdict, []
    fallback = fallback_line(sr.rows)
    if fallback:
        out.append(fallback)
    if len(report.sections) > 1:  # one section: the header lines under the page's verdict say these
        out.append(noise_of(sr.rows).sentence())
        acc = accuracy_line(sr.rows)
        if acc:
            out.append(acc)
    if vd.decide_line:
        out.append(vd.decide_line)
    out += list(vd.measurement)
    flagged = sorted({f for r in sr.rows for f in r.percentile_flags})
    if flagged:
        out.append(f"Percentiles flagged ({', '.join(flagged)}): some cells have too few samples for a "
                   "distribution-free 95 % interval; read them as rough.")
    return out


def blocks(sr: SectionReport, report: Report) -> list[Block]:
    vd = sr.verdict
    out: list[Block] = [Verdict(vd.sentence, vd.verdict)] if len(report.sections) > 1 else []
    out += [Paragraph(line, css="decide") for line in _extra(sr, report)]
    out.append(Paragraph(vd.best_overall_sentence))
    if vd.control_sentence:  # only with relu-half@K / relu-w@K records
        out.append(Paragraph(vd.control_sentence))
    return out + [Details("How the verdict is reached", RULES)]
