"""The robustness plot: top-1 against shift severity, one line per configuration (inline SVG)."""

from __future__ import annotations

from edgecrelu.report.markup import e as _e
from edgecrelu.report.svg import MB_, PALETTE, H, W, _Axes, _empty, _svg


def accuracy_vs_severity(lines: list[tuple[str, list[tuple[int, float]]]],
                         title: str = "Top-1 under shifted conditions: mean over the shifts") -> str:
    """``lines``: (configuration, [(severity, top-1 %)]) with severity 0 the unshifted images."""
    pts = [(s, v) for _, line in lines for s, v in line]
    if not pts:
        return _empty(title)
    legend, x, y = [], 64.0, 32.0
    for i, (name, _) in enumerate(lines):
        w = 24 + 6.5 * len(name)
        if x + w > W - 20 and x > 64:
            x, y = 64.0, y + 16
        legend.append(f'<rect x="{x:.0f}" y="{y:.0f}" width="11" height="11" fill="{PALETTE[i % len(PALETTE)]}"/>')
        legend.append(f'<text x="{x + 15:.0f}" y="{y + 10:.0f}" class="tick">{_e(name)}</text>')
        x += w
    ys = [v for _, v in pts]
    ax = _Axes(0, max(s for s, _ in pts), max(0.0, min(ys) - 2), min(100.0, max(ys) + 2), top=int(y + 26))
    body = legend + ax.frame("severity (0: unshifted)", "top-1 accuracy, %")
    for i, (name, line) in enumerate(lines):
        col = PALETTE[i % len(PALETTE)]
        xy = [(ax.x(s), ax.y(v)) for s, v in sorted(line)]
        body.append(f'<polyline points="{" ".join(f"{a:.1f},{b:.1f}" for a, b in xy)}" fill="none" '
                    f'stroke="{col}" stroke-width="2"/>')
        for (a, b), (s, v) in zip(xy, sorted(line), strict=False):
            body.append(f'<circle cx="{a:.1f}" cy="{b:.1f}" r="4" fill="{col}" class="pt">'
                        f'<title>{_e(name)}: severity {s}, top-1 {v:.2f} %</title></circle>')
    body.append(f'<text x="68" y="{H - MB_ - 6}" class="note">mean over the shifts measured at every severity</text>')
    return _svg(title, body)
