"""The section's verdict sentence and the best deployable configuration.

With one section the page's verdict box already says it: the section does not repeat the box, only
what follows it. With several, each section boxes its own verdict and states its own noise.
"""

from __future__ import annotations

from edgecrelu.report.context import accuracy_line, fallback_line, noise_of
from edgecrelu.report.decision import RULES
from edgecrelu.report.markup import e, html_bold_head, md_bold_head


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


def _boxed(report) -> bool:
    return len(report.sections) > 1


def md(sr, report) -> list[str]:
    out = [md_bold_head(sr.verdict.sentence), ""] if _boxed(report) else []
    for line in _extra(sr, report):
        out += [line, ""]
    return out + [sr.verdict.best_overall_sentence, "", "How the verdict is reached:", ""] + \
        [f"- {rule}" for rule in RULES] + [""]


def html(sr, report) -> list[str]:
    vd = sr.verdict
    box = [f'<div class="verdict {e(vd.verdict)}">{html_bold_head(vd.sentence)}</div>'] if _boxed(report) else []
    return box + [f'<p class="decide">{e(line)}</p>' for line in _extra(sr, report)] + \
        [f"<p>{e(vd.best_overall_sentence)}</p>",
         "<details><summary>How the verdict is reached</summary><ul>"
         + "".join(f"<li>{e(rule)}</li>" for rule in RULES) + "</ul></details>"]
