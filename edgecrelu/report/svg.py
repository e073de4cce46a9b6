"""Hand-written inline SVG plots: no plotting library, no scripts, no external references.

Every function returns one ``<svg>`` element that is well-formed XML on its own (tested), so the
HTML page stays self-contained. Hover titles carry the exact numbers.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from edgecrelu.registries import PRECISION_ORDER
from edgecrelu.report.markup import e as _e  # the page's escaping: record text never reads as a URL
from edgecrelu.report.rows import kind_rank

if TYPE_CHECKING:
    from edgecrelu.report.rows import Row

# One colour per series (variant + form), the baseline kind first: tab10, colour-blind-safe order.
PALETTE = ("#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b3", "#937860", "#da8bc3", "#8c8c8c", "#ccb974",
           "#64b5cd")
W, H = 640, 380
ML, MR, MB_ = 64, 20, 56  # margins: left, right, bottom (the top one holds the title and the legend)
TITLE_H, LEGEND_ROW = 28, 16


def _v(x: float | None) -> float:
    """A row's value that the plot's rows were filtered on (``pts``): never None there."""
    if x is None:
        raise ValueError("a plotted row without its value")
    return x


def series_key(r: Row) -> tuple[int, str, str]:
    return (kind_rank(r.kind), r.variant, r.form)


KIND_COLORS = {"relu": PALETTE[0], "crelu": PALETTE[1], "crelu-half": PALETTE[2],  # one colour per variant kind
               "relu-half": PALETTE[4], "relu-w": PALETTE[5]}


def color(kind: str) -> str:
    """The colour of a variant kind (relu, crelu, crelu-half), for plots that group by kind only."""
    return KIND_COLORS.get(kind, PALETTE[7])


class Series:
    """Colours per (variant, form) of the rows drawn, in a fixed order. A variant drawn at several
    forms that never share a cell (the report's rows: each CReLU cell at its chosen form) is one
    series, named "variant (chosen form)"; its points and bars name their form in their titles."""

    def __init__(self, rows):
        forms, per_cell = {}, {}
        for r in rows:
            forms.setdefault(r.variant, set()).add(r.form)
            cell = (r.variant, r.backend, r.precision, r.batch)
            per_cell[cell] = per_cell.get(cell, 0) + 1
        shared = {cell[0] for cell, n in per_cell.items() if n > 1}  # two forms of a variant in one cell
        self._merged = {v for v, f in forms.items() if len(f) > 1 and v not in shared}
        keys = sorted({self.key(r) for r in rows})
        self.names = [f"{k[1]} {k[2]}" if k[2] else f"{k[1]} (chosen form)" for k in keys]
        self.colors = {k: PALETTE[i % len(PALETTE)] for i, k in enumerate(keys)}

    def key(self, r: Row) -> tuple[int, str, str]:
        return (kind_rank(r.kind), r.variant, "") if r.variant in self._merged else series_key(r)

    def color(self, r: Row) -> str:
        return self.colors[self.key(r)]

    def legend(self, width: int = W) -> tuple[list[str], int]:
        """Swatches under the title, wrapping; returns (elements, top margin for the plot)."""
        out, x, y = [], float(ML), TITLE_H + 4
        for name, col in zip(self.names, self.colors.values(), strict=False):
            w = 24 + 6.5 * len(name)
            if x + w > width - MR and x > ML:
                x, y = ML, y + LEGEND_ROW
            out.append(f'<rect x="{x:.0f}" y="{y:.0f}" width="11" height="11" fill="{col}"/>')
            out.append(f'<text x="{x + 15:.0f}" y="{y + 10:.0f}" class="tick">{_e(name)}</text>')
            x += w
        return out, y + LEGEND_ROW + 10


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
    return f"{t:.0f}" if abs(t) >= 1000 or t == int(t) else f"{t:.4g}"


class _Axes:
    def __init__(self, xlo, xhi, ylo, yhi, width=W, height=H, top=TITLE_H + 8):
        self.xt, self.yt = nice_ticks(xlo, xhi), nice_ticks(ylo, yhi)
        self.x0, self.x1 = self.xt[0], self.xt[-1] if self.xt[-1] > self.xt[0] else self.xt[0] + 1
        self.y0, self.y1 = self.yt[0], self.yt[-1] if self.yt[-1] > self.yt[0] else self.yt[0] + 1
        self.w, self.h, self.top = width, height, top

    def x(self, v):
        return ML + (v - self.x0) / (self.x1 - self.x0) * (self.w - ML - MR)

    def y(self, v):
        return self.h - MB_ - (v - self.y0) / (self.y1 - self.y0) * (self.h - self.top - MB_)

    def frame(self, xlabel, ylabel, xticks=True) -> list[str]:
        mt = self.top
        out = [f'<rect x="{ML}" y="{mt}" width="{self.w - ML - MR}" height="{self.h - mt - MB_}" class="plotbg"/>']
        for t in self.yt:
            y = self.y(t)
            out.append(f'<line x1="{ML}" y1="{y:.1f}" x2="{self.w - MR}" y2="{y:.1f}" class="grid"/>')
            out.append(f'<text x="{ML - 6}" y="{y + 4:.1f}" text-anchor="end" class="tick">{_tick_label(t)}</text>')
        if xticks:
            for t in self.xt:
                x = self.x(t)
                out.append(f'<line x1="{x:.1f}" y1="{mt}" x2="{x:.1f}" y2="{self.h - MB_}" class="grid"/>')
                out.append(f'<text x="{x:.1f}" y="{self.h - MB_ + 16}" text-anchor="middle" class="tick">'
                           f'{_tick_label(t)}</text>')
        out.append(f'<text x="{(ML + self.w - MR) / 2:.1f}" y="{self.h - 12}" text-anchor="middle" class="axis">'
                   f'{_e(xlabel)}</text>')
        out.append(f'<text x="14" y="{(mt + self.h - MB_) / 2:.1f}" text-anchor="middle" class="axis" '
                   f'transform="rotate(-90 14 {(mt + self.h - MB_) / 2:.1f})">{_e(ylabel)}</text>')
        return out


def _svg(title: str, body: list[str], width=W, height=H) -> str:
    """The plot with its title visible at the top (and as the accessible name)."""
    head = f'<text x="{width / 2:.0f}" y="19" text-anchor="middle" class="ptitle">{_e(title)}</text>'
    return (f'<svg width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
            f'aria-label="{_e(title)}"><title>{_e(title)}</title>' + head + "".join(body) + "</svg>")


def _empty(title: str) -> str:
    return _svg(title, [f'<text x="{W / 2}" y="{H / 2}" text-anchor="middle" class="axis">no data</text>'])


def _label_x(x: float, text: str, width=W) -> tuple[float, str]:
    """A point label right of the point, or left of it where it would run off the plot."""
    if x + 8 + 5.5 * len(text) > width - MR:
        return x - 8, "end"
    return x + 8, "start"


def accuracy_vs_latency(
    rows: list[Row], budget_ms: float | None, title: str = "Top-1 accuracy vs p99 latency at batch 1"
) -> str:
    """Scatter of batch-1 rows with the Pareto front (accuracy up, p99 down) as a step line."""
    pts = [r for r in rows if r.batch == 1 and r.top1 is not None and r.p99 is not None]
    if not pts:
        return _empty(title)
    series = Series(pts)
    legend, top = series.legend()
    xs = [_v(r.p99) for r in pts]
    ys = [_v(r.top1) * 100 for r in pts]
    # The axes follow the data; the budget is drawn where it falls inside them and named otherwise.
    xpad = max((max(xs) - min(xs)) * 0.15, max(xs) * 0.05)
    ypad = max(0.25, (max(ys) - min(ys)) * 0.15)
    ax = _Axes(max(0.0, min(xs) - xpad), max(xs) + xpad, max(0.0, min(ys) - ypad), min(100.0, max(ys) + ypad),
               top=top)
    body = legend + ax.frame("p99 latency, ms (batch 1)", "top-1 accuracy, %")
    if budget_ms:
        if ax.x0 <= budget_ms <= ax.x1:
            x = ax.x(budget_ms)
            body.append(f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{H - MB_}" class="budget"/>')
            body.append(f'<text x="{x + 4:.1f}" y="{H - MB_ - 6}" class="budgettxt">'
                        f'p99 budget {budget_ms:g} ms</text>')
        else:
            side = "right" if budget_ms > ax.x1 else "left"
            body.append(f'<text x="{W - MR - 4}" y="{top + 12}" text-anchor="end" class="budgettxt">'
                        f'p99 budget {budget_ms:g} ms: off the axis, to the {side}</text>')
    front = sorted((r for r in pts if r.pareto_latency), key=lambda r: _v(r.p99))
    if front:
        path, path_y = [], 0.0  # a step line: horizontal from the previous point's height
        for i, r in enumerate(front):
            x, y = ax.x(_v(r.p99)), ax.y(_v(r.top1) * 100)
            if i:
                path.append(f"{x:.1f},{path_y:.1f}")
            path.append(f"{x:.1f},{y:.1f}")
            path_y = y
        body.append(f'<polyline points="{" ".join(path)}" class="front"/>')
    for r in pts:
        x, y = ax.x(_v(r.p99)), ax.y(_v(r.top1) * 100)
        shape = "front-pt" if r.pareto_latency else "pt"
        body.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="5" fill="{series.color(r)}" class="{shape}">'
                    f'<title>{_e(r.label)}: p99 {_v(r.p99):.4g} ms, top-1 {_v(r.top1) * 100:.2f} %</title></circle>')
        if r.pareto_latency:
            text = f"{r.variant} {r.form} {r.precision}"
            lx, anchor = _label_x(x, text)
            body.append(f'<text x="{lx:.1f}" y="{y - 7:.1f}" text-anchor="{anchor}" class="lbl">{_e(text)}</text>')
    body.append(f'<text x="{ML + 4}" y="{H - MB_ - 6}" class="note">dashed: Pareto front (labelled points)</text>')
    return _svg(title, body)


def latency_per_precision(rows: list[Row], budget_ms: float | None = None,
                          title: str = "Latency per precision at batch 1 (bar: p50, whisker: p99)") -> str:
    """Grouped bars from zero: one group per precision, one bar per (variant, form) and backend."""
    pts = [r for r in rows if r.batch == 1 and r.p50 is not None]
    if not pts:
        return _empty(title)
    series = Series(pts)
    legend, top = series.legend()
    precs = sorted({r.precision for r in pts}, key=lambda p: (PRECISION_ORDER.get(p, 9), p))
    backends = sorted({r.backend for r in pts})
    hi = max((r.p99 or _v(r.p50)) for r in pts)
    p50_hi = max(_v(r.p50) for r in pts)
    # p99 far above every p50 (a noisy tail) would flatten the bars: then the axis follows the p50s
    # and a whisker that leaves it is cut and its p99 printed.
    cut = hi > 4 * p50_hi
    ax = _Axes(0, 1, 0, (p50_hi * 1.6) if cut else hi * 1.1, top=top)
    notes = ["whiskers over the axis cut, their p99 (ms) printed above"] if cut else []
    if budget_ms and budget_ms > ax.y1:
        notes.append(f"p99 budget {budget_ms:g} ms: above the axis")
    body = legend + ax.frame("precision" + (" / backend" if len(backends) > 1 else ""), "latency per batch, ms",
                             xticks=False)
    if notes:
        body.append(f'<text x="{W / 2:.0f}" y="{H - 26}" text-anchor="middle" class="note">{_e("; ".join(notes))}</text>')
    gw = (W - ML - MR) / len(precs)
    for gi, prec in enumerate(precs):
        group = sorted((r for r in pts if r.precision == prec), key=lambda r: (r.backend, series.key(r)))
        bw = min(28.0, (gw - 16) / max(1, len(group)))
        gx = ML + gi * gw + (gw - bw * len(group)) / 2
        for bi, r in enumerate(group):
            x, y0, y = gx + bi * bw, ax.y(0), ax.y(_v(r.p50))
            body.append(f'<rect x="{x + 1:.1f}" y="{y:.1f}" width="{bw - 2:.1f}" height="{y0 - y:.1f}" '
                        f'fill="{series.color(r)}"><title>{_e(r.label)}: p50 {_v(r.p50):.4g} ms, '
                        f'p99 {(r.p99 or _v(r.p50)):.4g} ms</title></rect>')
            if r.p99 is not None:
                cx = x + bw / 2
                if r.p99 <= ax.y1:
                    body.append(f'<line x1="{cx:.1f}" y1="{y:.1f}" x2="{cx:.1f}" y2="{ax.y(r.p99):.1f}" class="whisker"/>')
                    body.append(f'<line x1="{cx - 4:.1f}" y1="{ax.y(r.p99):.1f}" x2="{cx + 4:.1f}" y2="{ax.y(r.p99):.1f}" class="whisker"/>')
                else:  # cut at the axis, value printed above
                    body.append(f'<line x1="{cx:.1f}" y1="{y:.1f}" x2="{cx:.1f}" y2="{top:.1f}" class="whisker cut"/>')
                    body.append(f'<text x="{cx:.1f}" y="{top - 3:.1f}" text-anchor="middle" class="lbl">'
                                f'{r.p99:.3g}</text>')
        label = prec if len(backends) == 1 else f"{prec} ({', '.join(dict.fromkeys(r.backend for r in group))})"
        body.append(f'<text x="{ML + gi * gw + gw / 2:.1f}" y="{H - MB_ + 16}" text-anchor="middle" class="tick">{_e(label)}</text>')
    if budget_ms and budget_ms <= ax.y1:
        y = ax.y(budget_ms)
        body.append(f'<line x1="{ML}" y1="{y:.1f}" x2="{W - MR}" y2="{y:.1f}" class="budget"/>')
        body.append(f'<text x="{W - MR - 4}" y="{y - 4:.1f}" text-anchor="end" class="budgettxt">'
                    f'p99 budget {budget_ms:g} ms</text>')
    return _svg(title, body)


def memory_bars(rows: list[Row], budget_mb: float | None, title: str = "Peak memory at batch 1") -> str:
    """A dot per configuration on an axis zoomed to the data, so that differences of a few MB show;
    the axis says where it starts, and the budget is drawn where it falls inside it, named otherwise."""
    pts = [r for r in rows if r.batch == 1 and r.peak_mb is not None]
    if not pts:
        return _empty(title)
    series = Series(pts)
    top = TITLE_H + 10
    height = top + MB_ + 20 * len(pts) + 10
    left = 260
    lo_v, hi_v = min(_v(r.peak_mb) for r in pts), max(_v(r.peak_mb) for r in pts)
    pad = max((hi_v - lo_v) * 0.15, hi_v * 0.01, 0.5)
    ticks = nice_ticks(max(0.0, lo_v - pad), hi_v + pad)
    t0, t1 = ticks[0], ticks[-1] if ticks[-1] > ticks[0] else ticks[0] + 1

    def x(v):
        return left + (v - t0) / (t1 - t0) * (W - left - MR)

    body = [f'<rect x="{left}" y="{top}" width="{W - left - MR}" height="{height - top - MB_}" class="plotbg"/>']
    for t in ticks:
        body.append(f'<line x1="{x(t):.1f}" y1="{top}" x2="{x(t):.1f}" y2="{height - MB_}" class="grid"/>')
        body.append(f'<text x="{x(t):.1f}" y="{height - MB_ + 16}" text-anchor="middle" class="tick">{_tick_label(t)}</text>')
    sources = sorted({r.peak_source for r in pts if r.peak_source})
    for i, r in enumerate(pts):
        y = top + 20 * i + 12
        body.append(f'<text x="{left - 6}" y="{y + 4}" text-anchor="end" class="tick">{_e(f"{r.variant} {r.form} {r.precision} {r.backend}")}</text>')
        body.append(f'<line x1="{left}" y1="{y}" x2="{x(_v(r.peak_mb)):.1f}" y2="{y}" class="grid"/>')
        body.append(f'<circle cx="{x(_v(r.peak_mb)):.1f}" cy="{y}" r="5" fill="{series.color(r)}" class="pt">'
                    f'<title>{_e(r.label)}: peak {_v(r.peak_mb):.1f} MB ({_e(r.peak_source)}), model '
                    f'{(r.model_mb or 0):.2f} MB</title></circle>')
        body.append(f'<text x="{x(_v(r.peak_mb)) + 8:.1f}" y="{y + 4}" class="lbl">{_v(r.peak_mb):.1f}</text>')
    if budget_mb:
        if t0 <= budget_mb <= t1:
            body.append(f'<line x1="{x(budget_mb):.1f}" y1="{top}" x2="{x(budget_mb):.1f}" y2="{height - MB_}" class="budget"/>')
            body.append(f'<text x="{x(budget_mb) - 4:.1f}" y="{top - 4}" text-anchor="end" class="budgettxt">budget {budget_mb:g} MB</text>')
        else:
            side = "right" if budget_mb > t1 else "left"
            body.append(f'<text x="{W - MR}" y="{top - 4}" text-anchor="end" class="budgettxt">'
                        f'budget {budget_mb:g} MB: off the axis, to the {side}</text>')
    xlabel = f"peak memory, MB ({', '.join(sources) or 'source unknown'}; axis starts at {_tick_label(t0)} MB)"
    body.append(f'<text x="{(left + W - MR) / 2:.1f}" y="{height - 12}" text-anchor="middle" class="axis">{_e(xlabel)}</text>')
    return _svg(title, body, W, height)
