"""The section's verdict sentence and the best deployable configuration."""

from __future__ import annotations

from edgecrelu.report.decision import RULES
from edgecrelu.report.markup import e, html_bold_head, md_bold_head


def _extra(sr) -> list[str]:
    vd, out = sr.verdict, []
    if vd.decide_line:
        out.append(vd.decide_line)
    flagged = sorted({f for r in sr.rows for f in r.percentile_flags})
    if flagged:
        out.append(f"Percentiles flagged ({', '.join(flagged)}): some cells have too few samples for a "
                   "distribution-free 95 % interval; read them as rough.")
    return out


def md(sr, report) -> list[str]:
    out = [md_bold_head(sr.verdict.sentence), ""]
    for line in _extra(sr):
        out += [line, ""]
    return out + [sr.verdict.best_overall_sentence, "", "How the verdict is reached:", ""] + \
        [f"- {rule}" for rule in RULES] + [""]


def html(sr, report) -> list[str]:
    vd = sr.verdict
    return [f'<div class="verdict {e(vd.verdict)}">{html_bold_head(vd.sentence)}</div>'] + \
        [f'<p class="decide">{e(line)}</p>' for line in _extra(sr)] + \
        [f"<p>{e(vd.best_overall_sentence)}</p>",
         "<details><summary>How the verdict is reached</summary><ul>"
         + "".join(f"<li>{e(rule)}</li>" for rule in RULES) + "</ul></details>"]
