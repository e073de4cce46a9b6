"""The section's verdict sentence and the best deployable configuration."""

from __future__ import annotations

from edgecrelu.report.markup import e, html_bold_head, md_bold_head


def md(sr, report) -> list[str]:
    return [md_bold_head(sr.verdict.sentence), "", sr.verdict.best_overall_sentence, ""]


def html(sr, report) -> list[str]:
    vd = sr.verdict
    return [f'<div class="verdict {e(vd.verdict)}">{html_bold_head(vd.sentence)}</div>',
            f"<p>{e(vd.best_overall_sentence)}</p>"]
