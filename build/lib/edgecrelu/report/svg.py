"""Hand-written inline SVG plots: no plotting library, no scripts, no external references.

Every function returns one ``<svg>`` element that is well-formed XML on its own (tested), so the
HTML page stays self-contained. Hover titles carry the exact numbers.
"""

from __future__ import annotations

import math
from html import escape

from edgecrelu.registries import PRECISION_ORDER

COLORS = {"relu": "#4c72b0", "crelu": "#dd8452", "crelu-half": "#55a868"}
OTHER = "#8c8c8c"
W, H = 640, 360
ML, MR, MT, MB_ = 64, 20, 24, 56  # margins: left, right, top, bottom


def color(kind: str) -> str:
    return COLORS.get(kind, OTHER)


def _e(s) -> str:
    return escape(str(s), quote=True)


def nice_ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return [0.0]
    if hi <= lo:
        hi = lo + (abs(lo) or 1.0)
    raw = (hi - lo) / n
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    start = math.floor(lo / step) * step
    ticks, t = [round(start, 12)], start
    while t < hi - step * 1e-9:  # the last tick covers hi, so no data falls off the axis
        t += step
        ticks.append(round(t, 12))
    return ticks


def _tick_label(t: float) -> str:
    return f"{t:.0f}" if abs(t) >= 100 or t == int(t) else f"{t:.3g}"


class _Axes:
    def __init__(self, xlo, xhi, ylo, yhi, width=W, height=H):
        self.xt, self.yt = nice_ticks(xlo, xhi), nice_ticks(ylo, yhi)
        self.x0, self.x1 = self.xt[0], self.xt[-1] if self.xt[-1] > self.xt[0] else self.xt[0] + 1
        self.y0, self.y1 = self.yt[0], self.yt[-1] if self.yt[-1] > self.yt[0] else self.yt[0] + 1
        self.w, self.h = width, height

    def x(self, v):
        return ML + (v - self.x0) / (self.x1 - self.x0) * (self.w - ML - MR)

    def y(self, v):
        return self.h - MB_ - (v - self.y0) / (self.y1 - self.y0) * (self.h - MT - MB_)

    def frame(self, xlabel, ylabel, xticks=True) -> list[str]:
        out = [f'<rect x="{ML}" y="{MT}" width="{self.w - ML - MR}" height="{self.h - MT - MB_}" class="plotbg"/>']
        for t in self.yt:
            y = self.y(t)
            out.append(f'<line x1="{ML}" y1="{y:.1f}" x2="{self.w - MR}" y2="{y:.1f}" class="grid"/>')
            out.append(f'<text x="{ML - 6}" y="{y + 4:.1f}" text-anchor="end" class="tick">{_tick_label(t)}</text>')
        if xticks:
            for t in self.xt:
                x = self.x(t)
                out.append(f'<line x1="{x:.1f}" y1="{MT}" x2="{x:.1f}" y2="{self.h - MB_}" class="grid"/>')
                out.append(f'<text x="{x:.1f}" y="{self.h - MB_ + 16}" text-anchor="middle" class="tick">'
                           f'{_tick_label(t)}</text>')
        out.append(f'<text x="{(ML + self.w - MR) / 2:.1f}" y="{self.h - 12}" text-anchor="middle" class="axis">'
                   f'{_e(xlabel)}</text>')
        out.append(f'<text x="14" y="{(MT + self.h - MB_) / 2:.1f}" text-anchor="middle" class="axis" '
                   f'transform="rotate(-90 14 {(MT + self.h - MB_) / 2:.1f})">{_e(ylabel)}</text>')
        return out


def _svg(title: str, body: list[str], width=W, height=H) -> str:
    return (f'<svg width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
            f'aria-label="{_e(title)}"><title>{_e(title)}</title>' + "".join(body) + "</svg>")


def _legend(kinds: list[str], width=W) -> list[str]:
    out, x = [], ML
    for k in kinds:
        out.append(f'<rect x="{x}" y="6" width="10" height="10" fill="{color(k)}"/>')
        out.append(f'<text x="{x + 14}" y="15" class="tick">{_e(k)}</text>')
        x += 24 + 7 * len(k)
    return out


def _empty(title: str) -> str:
    return _svg(title, [f'<text x="{W / 2}" y="{H / 2}" text-anchor="middle" class="axis">no data</text>'])


def accuracy_vs_latency(rows, budget_ms: float | None, title="Top-1 vs p99 latency at batch 1") -> str:
    """Scatter of batch-1 rows with the Pareto front (accuracy up, p99 down) as a step line."""
    pts = [r for r in rows if r.batch == 1 and r.top1 is not None and r.p99 is not None]
    if not pts:
        return _empty(title)
    xmax = max(r.p99 for r in pts)
    # A budget far to the right would squash the points into a corner: then it is only named.
    show_budget = bool(budget_ms) and budget_ms <= 2.5 * xmax
    ys = [r.top1 * 100 for r in pts]
    pad = max(0.5, (max(ys) - min(ys)) * 0.1)
    ax = _Axes(0.0, max(xmax, budget_ms if show_budget else 0) * 1.08, min(ys) - pad, min(100.0, max(ys) + pad))
    body = ax.frame("p99 latency, ms (batch 1)", "top-1 accuracy, %")
    if budget_ms and not show_budget:
        body.append(f'<text x="{W - MR - 4}" y="{MT + 12}" text-anchor="end" class="tick">'
                    f'p99 budget {budget_ms:g} ms: off the chart, to the right</text>')
    if show_budget:
        x = ax.x(budget_ms)
        body.append(f'<line x1="{x:.1f}" y1="{MT}" x2="{x:.1f}" y2="{H - MB_}" class="budget"/>')
        body.append(f'<text x="{x - 4:.1f}" y="{MT + 12}" text-anchor="end" class="tick">budget {budget_ms:g} ms</text>')
    front = sorted((r for r in pts if r.pareto_latency), key=lambda r: r.p99)
    if front:
        path, path_y = [], 0.0  # a step line: horizontal from the previous point's height
        for i, r in enumerate(front):
            x, y = ax.x(r.p99), ax.y(r.top1 * 100)
            if i:
                path.append(f"{x:.1f},{path_y:.1f}")
            path.append(f"{x:.1f},{y:.1f}")
            path_y = y
        body.append(f'<polyline points="{" ".join(path)}" class="front"/>')
    for r in pts:
        x, y = ax.x(r.p99), ax.y(r.top1 * 100)
        shape = "front-pt" if r.pareto_latency else "pt"
        body.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="5" fill="{color(r.kind)}" class="{shape}">'
                    f'<title>{_e(r.label)}: p99 {r.p99:.4g} ms, top-1 {r.top1 * 100:.2f} %</title></circle>')
        if r.pareto_latency:
            body.append(f'<text x="{x + 7:.1f}" y="{y - 6:.1f}" class="lbl">{_e(f"{r.variant} {r.form} {r.precision}")}</text>')
    body += _legend(sorted({r.kind for r in pts}))
    return _svg(title, body)


def latency_per_precision(rows, title="Latency per precision at batch 1 (bar: p50, whisker: p99)") -> str:
    """Grouped bars: one group per precision, one bar per (variant, form, backend)."""
    pts = [r for r in rows if r.batch == 1 and r.p50 is not None]
    if not pts:
        return _empty(title)
    precs = sorted({r.precision for r in pts}, key=lambda p: (PRECISION_ORDER.get(p, 9), p))
    top = max((r.p99 or r.p50) for r in pts)
    ax = _Axes(0, 1, 0, top * 1.1)
    body = ax.frame("precision", "latency, ms", xticks=False)
    gw = (W - ML - MR) / len(precs)
    for gi, prec in enumerate(precs):
        group = sorted((r for r in pts if r.precision == prec), key=lambda r: (r.kind != "relu", r.variant, r.form, r.backend))
        bw = min(28.0, (gw - 16) / max(1, len(group)))
        gx = ML + gi * gw + (gw - bw * len(group)) / 2
        for bi, r in enumerate(group):
            x, y0, y = gx + bi * bw, ax.y(0), ax.y(r.p50)
            body.append(f'<rect x="{x + 1:.1f}" y="{y:.1f}" width="{bw - 2:.1f}" height="{y0 - y:.1f}" '
                        f'fill="{color(r.kind)}"><title>{_e(r.label)}: p50 {r.p50:.4g} ms, '
                        f'p99 {(r.p99 or r.p50):.4g} ms</title></rect>')
            if r.p99 is not None:
                cx = x + bw / 2
                body.append(f'<line x1="{cx:.1f}" y1="{y:.1f}" x2="{cx:.1f}" y2="{ax.y(r.p99):.1f}" class="whisker"/>')
                body.append(f'<line x1="{cx - 4:.1f}" y1="{ax.y(r.p99):.1f}" x2="{cx + 4:.1f}" y2="{ax.y(r.p99):.1f}" class="whisker"/>')
        body.append(f'<text x="{ML + gi * gw + gw / 2:.1f}" y="{H - MB_ + 16}" text-anchor="middle" class="tick">{_e(prec)}</text>')
    body += _legend(sorted({r.kind for r in pts}))
    return _svg(title, body)


def memory_bars(rows, budget_mb: float | None, title="Peak memory at batch 1") -> str:
    """Horizontal bars of peak memory per configuration, with the budget as a dashed line."""
    pts = [r for r in rows if r.batch == 1 and r.peak_mb is not None]
    if not pts:
        return _empty(title)
    height = MT + MB_ + 20 * len(pts) + 10
    left = 260
    top = max([r.peak_mb for r in pts] + ([budget_mb] if budget_mb else [])) * 1.08
    ticks = nice_ticks(0, top)
    span = ticks[-1] or 1.0

    def x(v):
        return left + v / span * (W - left - MR)

    body = []
    for t in ticks:
        body.append(f'<line x1="{x(t):.1f}" y1="{MT}" x2="{x(t):.1f}" y2="{height - MB_}" class="grid"/>')
        body.append(f'<text x="{x(t):.1f}" y="{height - MB_ + 16}" text-anchor="middle" class="tick">{_tick_label(t)}</text>')
    for i, r in enumerate(pts):
        y = MT + 20 * i + 4
        body.append(f'<text x="{left - 6}" y="{y + 12}" text-anchor="end" class="tick">{_e(f"{r.variant} {r.form} {r.precision} {r.backend}")}</text>')
        body.append(f'<rect x="{left}" y="{y}" width="{x(r.peak_mb) - left:.1f}" height="15" fill="{color(r.kind)}">'
                    f'<title>{_e(r.label)}: peak {r.peak_mb:.1f} MB ({_e(r.peak_source)}), model '
                    f'{(r.model_mb or 0):.2f} MB</title></rect>')
    if budget_mb:
        body.append(f'<line x1="{x(budget_mb):.1f}" y1="{MT}" x2="{x(budget_mb):.1f}" y2="{height - MB_}" class="budget"/>')
        body.append(f'<text x="{x(budget_mb) - 4:.1f}" y="{MT - 4}" text-anchor="end" class="tick">budget {budget_mb:g} MB</text>')
    body.append(f'<text x="{(left + W - MR) / 2:.1f}" y="{height - 12}" text-anchor="middle" class="axis">peak memory, MB</text>')
    return _svg(title, body, W, height)
